use super::Backoff;
use super::Rng;
use std::time::Duration;

/// The same wait before every retry.
///
/// ```text
/// wait(n) = wait
/// ```
///
/// The `ConstantBackoff` of redis-py and valkey-py. It never draws from the random
/// source, so clients that failed together also retry together: prefer a jittered
/// strategy when many clients share a server.
///
/// ```
/// use retry_core::backoff::{Backoff, ConstantBackoff};
/// use retry_core::backoff::Rng;
/// use std::time::Duration;
///
/// let b = ConstantBackoff::new(Duration::from_millis(250));
/// let mut rng = Rng::seeded(0);
/// assert_eq!(b.wait(1, Duration::ZERO, &mut rng), Duration::from_millis(250));
/// assert_eq!(b.wait(u32::MAX, Duration::from_secs(9), &mut rng), Duration::from_millis(250));
/// assert_eq!(b.backoff(), Duration::from_millis(250));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConstantBackoff {
    pub(crate) wait: Duration,
}

impl ConstantBackoff {
    /// A strategy that waits `wait` before every retry.
    ///
    /// ```
    /// use retry_core::backoff::ConstantBackoff;
    /// use std::time::Duration;
    ///
    /// assert_eq!(ConstantBackoff::new(Duration::from_secs(1)).backoff(), Duration::from_secs(1));
    /// ```
    #[must_use]
    pub const fn new(wait: Duration) -> Self {
        Self { wait }
    }

    /// The wait before every retry.
    ///
    /// ```
    /// use retry_core::backoff::ConstantBackoff;
    /// use std::time::Duration;
    ///
    /// assert_eq!(ConstantBackoff::new(Duration::ZERO).backoff(), Duration::ZERO);
    /// ```
    #[must_use]
    pub const fn backoff(&self) -> Duration {
        self.wait
    }
}

impl Backoff for ConstantBackoff {
    fn wait(&self, _retry_num: u32, _previous: Duration, _rng: &mut Rng) -> Duration {
        self.wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_the_configured_wait() {
        let mut rng = Rng::seeded(0);
        for wait in [Duration::ZERO, Duration::from_nanos(1), Duration::from_millis(50), Duration::MAX] {
            let b = ConstantBackoff::new(wait);
            for n in [0, 1, 2, 7, 1000, u32::MAX] {
                for previous in [Duration::ZERO, Duration::from_secs(3), Duration::MAX] {
                    assert_eq!(b.wait(n, previous, &mut rng), wait);
                }
            }
        }
    }

    #[test]
    fn draws_no_randomness() {
        let mut rng = Rng::seeded(5);
        ConstantBackoff::new(Duration::from_secs(1)).wait(3, Duration::ZERO, &mut rng);
        assert_eq!(rng, Rng::seeded(5));
    }

    #[test]
    fn accessor_and_equality() {
        let b = ConstantBackoff::new(Duration::from_millis(7));
        assert_eq!(b.backoff(), Duration::from_millis(7));
        assert_eq!(b, ConstantBackoff::new(Duration::from_millis(7)));
        assert_ne!(b, ConstantBackoff::new(Duration::from_millis(8)));
    }
}
