//! Backoff strategies: how long to wait before each retry.
//!
//! Every strategy is a value of one trait, [`Backoff`], so a policy, the attribute
//! (`backoff = ..`) and the redis-style [`Retry::new`](crate::Retry::new) accept any
//! of them. [`DefaultBackoff`] is the stamina-style schedule the attribute uses;
//! the others carry the names and formulas of redis-py and valkey-py.
//!
//! All arithmetic saturates: no strategy panics, overflows, or returns NaN for any
//! retry number up to `u32::MAX` and any configuration its constructor accepts.

/// The parts the four cap-and-base strategies of redis-py share: its defaults
/// (cap 512 ms, base 8 ms), the two accessors and `Default`.
macro_rules! cap_and_base {
    ($name:ident) => {
        impl $name {
            #[doc = concat!(
                                "Default `cap`: 512 ms (redis-py's `DEFAULT_CAP`).\n\n```\nuse retry_core::backoff::",
                                stringify!($name),
                                ";\nuse std::time::Duration;\n\nassert_eq!(",
                                stringify!($name),
                                "::DEFAULT_CAP, Duration::from_millis(512));\n```"
                            )]
            pub const DEFAULT_CAP: Duration = Duration::from_millis(512);

            #[doc = concat!(
                                "Default `base`: 8 ms (redis-py's `DEFAULT_BASE`).\n\n```\nuse retry_core::backoff::",
                                stringify!($name),
                                ";\nuse std::time::Duration;\n\nassert_eq!(",
                                stringify!($name),
                                "::DEFAULT_BASE, Duration::from_millis(8));\n```"
                            )]
            pub const DEFAULT_BASE: Duration = Duration::from_millis(8);

            #[doc = concat!(
                                "Upper bound of every wait.\n\n```\nuse retry_core::backoff::",
                                stringify!($name),
                                ";\nuse std::time::Duration;\n\nassert_eq!(",
                                stringify!($name),
                                "::default().cap(), Duration::from_millis(512));\n```"
                            )]
            pub const fn cap(&self) -> Duration {
                self.cap
            }

            #[doc = concat!(
                                "The base of the exponential `base * 2^n`.\n\n```\nuse retry_core::backoff::",
                                stringify!($name),
                                ";\nuse std::time::Duration;\n\nassert_eq!(",
                                stringify!($name),
                                "::default().base(), Duration::from_millis(8));\n```"
                            )]
            pub const fn base(&self) -> Duration {
                self.base
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new(Self::DEFAULT_CAP, Self::DEFAULT_BASE)
            }
        }
    };
}
use cap_and_base;

mod constant;
mod decorrelated_jitter;
mod default;
mod equal_jitter;
mod exponential;
mod full_jitter;
mod no_backoff;

pub use constant::ConstantBackoff;
pub use decorrelated_jitter::DecorrelatedJitterBackoff;
pub use default::DefaultBackoff;
pub(crate) use default::check_exp_base as default_check_exp_base;
pub use equal_jitter::EqualJitterBackoff;
pub use exponential::ExponentialBackoff;
pub use full_jitter::FullJitterBackoff;
pub use no_backoff::NoBackoff;

pub use crate::rng::Rng;
use std::sync::Arc;
use std::time::Duration;

/// A rule for the wait before each retry.
///
/// `retry_num` is 1 for the wait after the first failure. `previous` is the wait
/// this same call used before the current one (zero before its first retry): it
/// lets a strategy that depends on its last value, such as
/// [`DecorrelatedJitterBackoff`], stay stateless and so shareable between calls and
/// threads, and "reset per call" for free.
///
/// ```
/// use retry_core::backoff::{Backoff, ConstantBackoff};
/// use retry_core::backoff::Rng;
/// use std::time::Duration;
///
/// let b = ConstantBackoff::new(Duration::from_millis(50));
/// assert_eq!(b.wait(3, Duration::ZERO, &mut Rng::seeded(0)), Duration::from_millis(50));
/// ```
///
/// A strategy is `Send + Sync`: a policy is shared between threads, and an
/// [`Attempt`](crate::engine::Attempt), which an async block may hold across an `.await`,
/// borrows it to draw [`next_wait`](crate::engine::Attempt::next_wait) on demand.
pub trait Backoff: Send + Sync {
    /// The wait before retry `retry_num`.
    fn wait(&self, retry_num: u32, previous: Duration, rng: &mut Rng) -> Duration;
}

impl<B: Backoff + ?Sized> Backoff for &B {
    fn wait(&self, retry_num: u32, previous: Duration, rng: &mut Rng) -> Duration {
        (**self).wait(retry_num, previous, rng)
    }
}

impl<B: Backoff + ?Sized> Backoff for Box<B> {
    fn wait(&self, retry_num: u32, previous: Duration, rng: &mut Rng) -> Duration {
        (**self).wait(retry_num, previous, rng)
    }
}

impl<B: Backoff + ?Sized> Backoff for Arc<B> {
    fn wait(&self, retry_num: u32, previous: Duration, rng: &mut Rng) -> Duration {
        (**self).wait(retry_num, previous, rng)
    }
}

/// `base * factor^exponent`, capped at `cap`, in saturating arithmetic.
///
/// Works in f64 seconds because the factor may be fractional; anything that is
/// not a finite number below the cap (overflow to infinity, `0 * inf`) is the cap.
pub(crate) fn capped_exponential(base: Duration, factor: f64, exponent: u32, cap: Duration) -> Duration {
    if base.is_zero() || cap.is_zero() {
        return Duration::ZERO;
    }
    let exponent = i32::try_from(exponent).unwrap_or(i32::MAX);
    let secs = base.as_secs_f64() * factor.powi(exponent);
    if secs.is_finite() && secs < cap.as_secs_f64() {
        Duration::try_from_secs_f64(secs).unwrap_or(cap).min(cap)
    } else {
        cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_exponential_grows_then_saturates() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(45);
        assert_eq!(capped_exponential(base, 2.0, 0, cap), base);
        assert_eq!(capped_exponential(base, 2.0, 3, cap), Duration::from_millis(800));
        assert_eq!(capped_exponential(base, 2.0, 100, cap), cap);
        assert_eq!(capped_exponential(base, 2.0, u32::MAX, cap), cap);
        assert_eq!(capped_exponential(Duration::ZERO, 2.0, u32::MAX, cap), Duration::ZERO);
        assert_eq!(capped_exponential(Duration::MAX, 2.0, 1, Duration::MAX), Duration::MAX);
    }
}
