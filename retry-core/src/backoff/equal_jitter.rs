use super::Rng;
use super::{Backoff, capped_exponential};
use std::time::Duration;

/// Half the capped exponential, plus a uniform draw of up to the other half.
///
/// ```text
/// t       = min(cap, base * 2^n) / 2
/// wait(n) = t + uniform(0, t)
/// ```
///
/// The `EqualJitterBackoff` of redis-py and valkey-py (AWS's "equal jitter"), and
/// redis-py's `default_backoff()`. `n` is the retry number (their `failures`); the
/// halving truncates to the nanosecond. Every wait lies in [t, 2t], so it keeps at
/// least half the exponential wait while still spreading clients. With the
/// defaults (cap 512 ms, base 8 ms) the first wait lies in [8 ms, 16 ms] and every
/// wait from the sixth retry on in [256 ms, 512 ms].
///
/// ```
/// use retry_core::backoff::{Backoff, EqualJitterBackoff};
/// use retry_core::backoff::Rng;
/// use std::time::Duration;
///
/// let b = EqualJitterBackoff::default();
/// let mut rng = Rng::seeded(1);
/// let first = b.wait(1, Duration::ZERO, &mut rng);
/// assert!(first >= Duration::from_millis(8) && first <= Duration::from_millis(16));
/// let late = b.wait(u32::MAX, Duration::ZERO, &mut rng);
/// assert!(late >= Duration::from_millis(256) && late <= Duration::from_millis(512));
///
/// // With nothing left after halving, the wait is exact: min(cap, 1 ns * 2^0) / 2 = 0.
/// let tiny = EqualJitterBackoff::new(Duration::MAX, Duration::from_nanos(1));
/// assert_eq!(tiny.wait(0, Duration::ZERO, &mut rng), Duration::ZERO);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EqualJitterBackoff {
    pub(crate) cap: Duration,
    pub(crate) base: Duration,
}

super::cap_and_base!(EqualJitterBackoff);

impl EqualJitterBackoff {
    /// Waits between half of and all of `base * 2^n`, never above `cap`.
    ///
    /// ```
    /// use retry_core::backoff::{Backoff, EqualJitterBackoff};
    /// use retry_core::backoff::Rng;
    /// use std::time::Duration;
    ///
    /// let b = EqualJitterBackoff::new(Duration::from_secs(1), Duration::from_millis(10));
    /// let w = b.wait(1, Duration::ZERO, &mut Rng::seeded(0));
    /// assert!(w >= Duration::from_millis(10) && w <= Duration::from_millis(20));
    /// ```
    #[must_use]
    pub const fn new(cap: Duration, base: Duration) -> Self {
        Self { cap, base }
    }
}

impl Backoff for EqualJitterBackoff {
    fn wait(&self, retry_num: u32, _previous: Duration, rng: &mut Rng) -> Duration {
        let half = capped_exponential(self.base, 2.0, retry_num, self.cap) / 2;
        half.saturating_add(rng.duration_up_to(half))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_width_draws_are_exact() {
        let mut rng = Rng::seeded(0);
        assert_eq!(
            EqualJitterBackoff::new(Duration::MAX, Duration::ZERO).wait(9, Duration::ZERO, &mut rng),
            Duration::ZERO
        );
        assert_eq!(
            EqualJitterBackoff::new(Duration::ZERO, Duration::MAX).wait(9, Duration::ZERO, &mut rng),
            Duration::ZERO
        );
        // 1 ns / 2 truncates to zero.
        let one = EqualJitterBackoff::new(Duration::from_nanos(1), Duration::from_secs(1));
        assert_eq!(one.wait(3, Duration::ZERO, &mut rng), Duration::ZERO);
    }

    #[test]
    fn seeded_draw_is_exact() {
        // t = min(512 ms, 8 ms * 2^3) / 2 = 32 ms.
        let b = EqualJitterBackoff::default();
        for seed in 0..50 {
            let expected = Duration::from_millis(32) + Rng::seeded(seed).duration_up_to(Duration::from_millis(32));
            assert_eq!(b.wait(3, Duration::ZERO, &mut Rng::seeded(seed)), expected);
        }
    }

    #[test]
    fn stays_between_half_and_all_of_the_capped_exponential() {
        let b = EqualJitterBackoff::default();
        let mut rng = Rng::seeded(11);
        let tops = [16, 32, 64, 128, 256, 512, 512, 512];
        for (n, top) in (1..=8).zip(tops) {
            let (low, high) = (Duration::from_millis(top / 2), Duration::from_millis(top));
            for _ in 0..200 {
                let w = b.wait(n, Duration::ZERO, &mut rng);
                assert!(w >= low && w <= high, "retry {n}: {w:?}");
            }
        }
    }

    #[test]
    fn spreads_over_the_upper_half() {
        let b = EqualJitterBackoff::default();
        let mut rng = Rng::seeded(3);
        let waits: Vec<Duration> = (0..500).map(|_| b.wait(20, Duration::ZERO, &mut rng)).collect();
        assert!(*waits.iter().min().unwrap() < Duration::from_millis(270));
        assert!(*waits.iter().max().unwrap() > Duration::from_millis(500));
    }

    #[test]
    fn extreme_configurations_saturate() {
        let mut rng = Rng::seeded(2);
        let huge = EqualJitterBackoff::new(Duration::MAX, Duration::MAX);
        let w = huge.wait(u32::MAX, Duration::MAX, &mut rng);
        assert!(w >= Duration::MAX / 2);
        let small_cap = EqualJitterBackoff::new(Duration::from_millis(5), Duration::MAX);
        let w = small_cap.wait(u32::MAX, Duration::ZERO, &mut rng);
        assert!(w >= Duration::from_micros(2500) && w <= Duration::from_millis(5));
    }

    #[test]
    fn accessors_and_defaults() {
        let b = EqualJitterBackoff::default();
        assert_eq!((b.cap(), b.base()), (Duration::from_millis(512), Duration::from_millis(8)));
        let c = EqualJitterBackoff::new(Duration::from_secs(2), Duration::from_millis(1));
        assert_eq!((c.cap(), c.base()), (Duration::from_secs(2), Duration::from_millis(1)));
    }
}
