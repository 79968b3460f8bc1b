//! Retry budgets: a shared limit on how much retries may add to the traffic.
//!
//! Retries save one client and can sink a fleet: when a backend hiccups, ten
//! thousand clients that each retry ten times multiply its load by ten. A budget
//! bounds that. A policy with a budget deposits on every call and withdraws
//! before every retry; when the budget is empty the call fails at once with its
//! last error instead of sleeping and retrying, and the hooks hear of it
//! ([`RetryHook::on_budget_exhausted`](crate::instrument::RetryHook::on_budget_exhausted):
//! the `retries_budget_exhausted_total` counter and a tracing WARN event).
//!
//! - [`RetryBudget`]: the trait, two methods.
//! - [`TpsBudget`]: the token bucket of Finagle, gRPC and tower: retries are at
//!   most a share of recent calls (20 %), with a floor (10 a second) for quiet
//!   clients. Lock-free, exact under contention.
//! - [`Clock`]: the time the budget's window runs on: [`MonotonicClock`], or
//!   [`ManualClock`] for tests and simulations.
//! - [`SharedBudget`]: how a policy holds a budget (`Arc` or `&'static`).
//!
//! ```
//! use retry_core::budget::TpsBudget;
//! use retry_core::{Retry, error_type};
//! use std::{io, sync::LazyLock};
//!
//! /// One budget for every call to the inventory service.
//! static INVENTORY: LazyLock<TpsBudget> = LazyLock::new(TpsBudget::default);
//!
//! let policy = Retry::default().on(error_type::<io::Error>()).budget(&INVENTORY);
//! assert_eq!(policy.call(|_| Ok::<_, io::Error>("in stock"))?, "in stock");
//! # Ok::<(), io::Error>(())
//! ```
//!
//! `docs/fleet.md` shows what budgets and jitter do to a herd, with numbers.

mod clock;
mod shared;
mod tps;

pub use clock::{Clock, ManualClock, MonotonicClock};
pub use shared::SharedBudget;
pub use tps::TpsBudget;

use std::fmt::Debug;
use std::sync::{Arc, LazyLock};

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

impl<B: RetryBudget + ?Sized> RetryBudget for Arc<B> {
    fn deposit(&self) {
        (**self).deposit();
    }

    fn withdraw(&self) -> bool {
        (**self).withdraw()
    }
}

impl<B: RetryBudget + ?Sized> RetryBudget for Box<B> {
    fn deposit(&self) {
        (**self).deposit();
    }

    fn withdraw(&self) -> bool {
        (**self).withdraw()
    }
}

impl<B: RetryBudget + ?Sized> RetryBudget for &B {
    fn deposit(&self) {
        (**self).deposit();
    }

    fn withdraw(&self) -> bool {
        (**self).withdraw()
    }
}

/// A budget in a `static LazyLock`, so that `budget(&STATIC)` works as it is.
impl<B: RetryBudget, F: FnOnce() -> B + Send> RetryBudget for LazyLock<B, F> {
    fn deposit(&self) {
        (**self).deposit();
    }

    fn withdraw(&self) -> bool {
        (**self).withdraw()
    }
}
