//! The time source a budget measures its window on.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A monotonic time source: how far a budget's window has moved.
///
/// [`MonotonicClock`] is the real one; [`ManualClock`] is moved by hand, so tests
/// and simulations drive a budget through virtual time.
///
/// ```
/// use retry_core::budget::Clock;
/// use std::time::Duration;
///
/// /// A clock stuck at one instant.
/// #[derive(Debug)]
/// struct Frozen(Duration);
///
/// impl Clock for Frozen {
///     fn now(&self) -> Duration {
///         self.0
///     }
/// }
///
/// assert_eq!(Frozen(Duration::from_secs(3)).now(), Duration::from_secs(3));
/// ```
pub trait Clock: Send + Sync + Debug {
    /// The time elapsed since an origin of the clock's choosing. It must never
    /// decrease: a clock that jumps back only delays the expiry of old calls.
    fn now(&self) -> Duration;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Duration {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Duration {
        (**self).now()
    }
}

/// The real clock: [`Instant`], counted from the clock's creation.
///
/// ```
/// use retry_core::budget::{Clock, MonotonicClock};
///
/// let clock = MonotonicClock::new();
/// let (a, b) = (clock.now(), clock.now());
/// assert!(b >= a);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    /// A clock whose origin is now.
    ///
    /// ```
    /// use retry_core::budget::{Clock, MonotonicClock};
    ///
    /// assert!(MonotonicClock::new().now() < std::time::Duration::from_secs(60));
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self { origin: Instant::now() }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonotonicClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that moves only when told to: virtual time for tests and simulations.
///
/// Clones share the same time, so a test keeps one clone and hands the other to
/// the budget.
///
/// ```
/// use retry_core::budget::{Clock, ManualClock};
/// use std::time::Duration;
///
/// let clock = ManualClock::new();
/// let budget_side = clock.clone();
/// clock.advance(Duration::from_millis(1500));
/// assert_eq!(budget_side.now(), Duration::from_millis(1500));
/// clock.set(Duration::from_secs(10));
/// assert_eq!(budget_side.now(), Duration::from_secs(10));
/// ```
#[derive(Clone, Debug, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock at time zero.
    ///
    /// ```
    /// use retry_core::budget::{Clock, ManualClock};
    ///
    /// assert_eq!(ManualClock::new().now(), std::time::Duration::ZERO);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by` (saturating after some 584 years).
    ///
    /// ```
    /// use retry_core::budget::{Clock, ManualClock};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// clock.advance(Duration::from_secs(2));
    /// clock.advance(Duration::from_secs(3));
    /// assert_eq!(clock.now(), Duration::from_secs(5));
    /// clock.advance(Duration::MAX);
    /// assert_eq!(clock.now(), Duration::from_nanos(u64::MAX));
    /// ```
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // The closure always returns Some, so this cannot fail.
        let _ = self.nanos.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| Some(n.saturating_add(by)));
    }

    /// Sets the clock to `to`. Callers keep it from going backwards.
    ///
    /// ```
    /// use retry_core::budget::{Clock, ManualClock};
    /// use std::time::Duration;
    ///
    /// let clock = ManualClock::new();
    /// clock.set(Duration::from_millis(250));
    /// assert_eq!(clock.now(), Duration::from_millis(250));
    /// ```
    pub fn set(&self, to: Duration) {
        self.nanos.store(u64::try_from(to.as_nanos()).unwrap_or(u64::MAX), Ordering::Release);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Acquire))
    }
}
