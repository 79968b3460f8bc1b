//! Retry budgets: a shared limit on how much retries may add to the traffic.
//!
//! A policy with a budget deposits on every call and withdraws before every retry;
//! when the budget is empty the call fails at once with its last error instead of
//! retrying, so a fleet of clients cannot multiply a struggling backend's load.

use std::fmt::Debug;

/// A shared allowance of retries.
///
/// ```
/// use retry_core::budget::RetryBudget;
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// /// Allows a fixed number of retries, ever.
/// #[derive(Debug)]
/// struct Fixed(AtomicU32);
///
/// impl RetryBudget for Fixed {
///     fn deposit(&self) {}
///     fn withdraw(&self) -> bool {
///         self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
///     }
/// }
///
/// let budget = Fixed(AtomicU32::new(1));
/// assert!(budget.withdraw());
/// assert!(!budget.withdraw());
/// ```
pub trait RetryBudget: Send + Sync + Debug {
    /// Records a call (a first attempt).
    fn deposit(&self);
    /// Takes the allowance for one retry; `false` means the retry must not happen.
    fn withdraw(&self) -> bool;
}
