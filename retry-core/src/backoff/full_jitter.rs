use super::Rng;
use super::{Backoff, capped_exponential};
use std::time::Duration;

/// A uniform draw between zero and the capped exponential.
///
/// ```text
/// wait(n) = uniform(0, min(cap, base * 2^n))
/// ```
///
/// The `FullJitterBackoff` of redis-py and valkey-py (AWS's "full jitter"). `n` is
/// the retry number (their `failures`). It spreads clients the most, at the price
/// that any single wait may be close to zero. With the defaults (cap 512 ms, base
/// 8 ms) the first wait lies in [0, 16 ms] and no wait exceeds 512 ms.
///
/// ```
/// use retry_core::backoff::{Backoff, FullJitterBackoff};
/// use retry_core::backoff::Rng;
/// use std::time::Duration;
///
/// let b = FullJitterBackoff::default();
/// let mut rng = Rng::seeded(1);
/// assert!(b.wait(1, Duration::ZERO, &mut rng) <= Duration::from_millis(16));
/// assert!(b.wait(u32::MAX, Duration::ZERO, &mut rng) <= Duration::from_millis(512));
///
/// // The same seed gives the same wait.
/// let w = b.wait(4, Duration::ZERO, &mut Rng::seeded(7));
/// assert_eq!(w, b.wait(4, Duration::ZERO, &mut Rng::seeded(7)));
/// assert!(w <= Duration::from_millis(128));
///
/// // A zero base leaves nothing to draw from.
/// let none = FullJitterBackoff::new(Duration::from_secs(1), Duration::ZERO);
/// assert_eq!(none.wait(5, Duration::ZERO, &mut rng), Duration::ZERO);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FullJitterBackoff {
    pub(crate) cap: Duration,
    pub(crate) base: Duration,
}

super::cap_and_base!(FullJitterBackoff);

impl FullJitterBackoff {
    /// Waits drawn up to `base * 2^n`, never above `cap`.
    ///
    /// ```
    /// use retry_core::backoff::{Backoff, FullJitterBackoff};
    /// use retry_core::backoff::Rng;
    /// use std::time::Duration;
    ///
    /// let b = FullJitterBackoff::new(Duration::from_secs(1), Duration::from_millis(10));
    /// assert!(b.wait(1, Duration::ZERO, &mut Rng::seeded(0)) <= Duration::from_millis(20));
    /// ```
    #[must_use]
    pub const fn new(cap: Duration, base: Duration) -> Self {
        Self { cap, base }
    }
}

impl Backoff for FullJitterBackoff {
    fn wait(&self, retry_num: u32, _previous: Duration, rng: &mut Rng) -> Duration {
        rng.duration_up_to(capped_exponential(self.base, 2.0, retry_num, self.cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_width_draws_are_exact() {
        let mut rng = Rng::seeded(0);
        assert_eq!(
            FullJitterBackoff::new(Duration::MAX, Duration::ZERO).wait(3, Duration::ZERO, &mut rng),
            Duration::ZERO
        );
        assert_eq!(
            FullJitterBackoff::new(Duration::ZERO, Duration::MAX).wait(3, Duration::ZERO, &mut rng),
            Duration::ZERO
        );
    }

    #[test]
    fn seeded_draw_is_exact() {
        // The draw is one `duration_up_to` of the capped exponential: 8 ms * 2^3 = 64 ms.
        let b = FullJitterBackoff::default();
        for seed in 0..50 {
            let expected = Rng::seeded(seed).duration_up_to(Duration::from_millis(64));
            assert_eq!(b.wait(3, Duration::ZERO, &mut Rng::seeded(seed)), expected);
        }
    }

    #[test]
    fn stays_within_zero_and_the_capped_exponential() {
        let b = FullJitterBackoff::default();
        let mut rng = Rng::seeded(11);
        let bounds = [16, 32, 64, 128, 256, 512, 512, 512];
        for (n, bound) in (1..=8).zip(bounds) {
            for _ in 0..200 {
                assert!(b.wait(n, Duration::ZERO, &mut rng) <= Duration::from_millis(bound));
            }
        }
        assert!(b.wait(u32::MAX, Duration::MAX, &mut rng) <= Duration::from_millis(512));
    }

    #[test]
    fn spreads_over_the_whole_range() {
        let b = FullJitterBackoff::default();
        let mut rng = Rng::seeded(3);
        let waits: Vec<Duration> = (0..500).map(|_| b.wait(20, Duration::ZERO, &mut rng)).collect();
        assert!(*waits.iter().min().unwrap() < Duration::from_millis(25));
        assert!(*waits.iter().max().unwrap() > Duration::from_millis(487));
    }

    #[test]
    fn extreme_configurations_saturate() {
        let mut rng = Rng::seeded(2);
        let huge = FullJitterBackoff::new(Duration::MAX, Duration::MAX);
        assert!(huge.wait(u32::MAX, Duration::MAX, &mut rng) <= Duration::MAX);
        let small_cap = FullJitterBackoff::new(Duration::from_millis(5), Duration::MAX);
        assert!(small_cap.wait(u32::MAX, Duration::ZERO, &mut rng) <= Duration::from_millis(5));
    }

    #[test]
    fn accessors_and_defaults() {
        let b = FullJitterBackoff::default();
        assert_eq!((b.cap(), b.base()), (Duration::from_millis(512), Duration::from_millis(8)));
        let c = FullJitterBackoff::new(Duration::from_secs(2), Duration::from_millis(1));
        assert_eq!((c.cap(), c.base()), (Duration::from_secs(2), Duration::from_millis(1)));
    }
}
