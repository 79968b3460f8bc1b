use super::Rng;
use super::{Backoff, capped_exponential};
use std::time::Duration;

/// Capped exponential growth without jitter.
///
/// ```text
/// wait(n) = min(cap, base * 2^n)
/// ```
///
/// The `ExponentialBackoff` of redis-py and valkey-py. `n` is the retry number
/// (their `failures`), so the first wait is already `2 * base`: with the defaults
/// (cap 512 ms, base 8 ms) the waits are 16, 32, 64, 128 and 256 ms, then 512 ms
/// from the sixth retry on. It never draws from the random source, so clients that
/// failed together retry together: [`EqualJitterBackoff`](super::EqualJitterBackoff)
/// and [`FullJitterBackoff`](super::FullJitterBackoff) spread them out.
///
/// ```
/// use retry_core::backoff::{Backoff, ExponentialBackoff};
/// use retry_core::backoff::Rng;
/// use std::time::Duration;
///
/// let b = ExponentialBackoff::default();
/// let mut rng = Rng::seeded(0);
/// let waits: Vec<u128> = (1..=8).map(|n| b.wait(n, Duration::ZERO, &mut rng).as_millis()).collect();
/// assert_eq!(waits, [16, 32, 64, 128, 256, 512, 512, 512]);
/// assert_eq!(b.wait(u32::MAX, Duration::ZERO, &mut rng), Duration::from_millis(512));
///
/// let custom = ExponentialBackoff::new(Duration::from_secs(10), Duration::from_millis(100));
/// assert_eq!(custom.wait(3, Duration::ZERO, &mut rng), Duration::from_millis(800));
/// assert_eq!(custom.wait(7, Duration::ZERO, &mut rng), Duration::from_secs(10));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExponentialBackoff {
    pub(crate) cap: Duration,
    pub(crate) base: Duration,
}

super::cap_and_base!(ExponentialBackoff);

impl ExponentialBackoff {
    /// A schedule growing from `base` by doubling, never above `cap`.
    ///
    /// ```
    /// use retry_core::backoff::{Backoff, ExponentialBackoff};
    /// use retry_core::backoff::Rng;
    /// use std::time::Duration;
    ///
    /// let b = ExponentialBackoff::new(Duration::from_secs(1), Duration::from_millis(10));
    /// assert_eq!(b.wait(1, Duration::ZERO, &mut Rng::seeded(0)), Duration::from_millis(20));
    /// ```
    #[must_use]
    pub const fn new(cap: Duration, base: Duration) -> Self {
        Self { cap, base }
    }
}

impl Backoff for ExponentialBackoff {
    fn wait(&self, retry_num: u32, _previous: Duration, _rng: &mut Rng) -> Duration {
        capped_exponential(self.base, 2.0, retry_num, self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waits(b: &ExponentialBackoff, retries: std::ops::RangeInclusive<u32>) -> Vec<Duration> {
        let mut rng = Rng::seeded(0);
        retries.map(|n| b.wait(n, Duration::ZERO, &mut rng)).collect()
    }

    #[test]
    fn default_schedule_is_exact() {
        let nanos: Vec<u128> = waits(&ExponentialBackoff::default(), 1..=8).iter().map(Duration::as_nanos).collect();
        let expected: Vec<u128> = [16, 32, 64, 128, 256, 512, 512, 512].iter().map(|m| m * 1_000_000).collect();
        assert_eq!(nanos, expected);
    }

    #[test]
    fn matches_the_formula_to_the_nanosecond() {
        // base * 2^n while below the cap: 3 ns, 6 ns, .., then the cap.
        let b = ExponentialBackoff::new(Duration::from_micros(1), Duration::from_nanos(3));
        let got: Vec<u128> = waits(&b, 0..=10).iter().map(Duration::as_nanos).collect();
        assert_eq!(got, [3, 6, 12, 24, 48, 96, 192, 384, 768, 1000, 1000]);
    }

    #[test]
    fn retry_zero_is_the_base_and_huge_retries_are_the_cap() {
        let b = ExponentialBackoff::default();
        let mut rng = Rng::seeded(0);
        assert_eq!(b.wait(0, Duration::ZERO, &mut rng), Duration::from_millis(8));
        assert_eq!(b.wait(64, Duration::ZERO, &mut rng), Duration::from_millis(512));
        assert_eq!(b.wait(u32::MAX, Duration::ZERO, &mut rng), Duration::from_millis(512));
    }

    #[test]
    fn extreme_configurations_saturate() {
        let mut rng = Rng::seeded(0);
        let zero_base = ExponentialBackoff::new(Duration::MAX, Duration::ZERO);
        assert_eq!(zero_base.wait(u32::MAX, Duration::MAX, &mut rng), Duration::ZERO);
        let zero_cap = ExponentialBackoff::new(Duration::ZERO, Duration::from_secs(1));
        assert_eq!(zero_cap.wait(1, Duration::ZERO, &mut rng), Duration::ZERO);
        let cap_below_base = ExponentialBackoff::new(Duration::from_millis(5), Duration::from_secs(1));
        assert_eq!(cap_below_base.wait(0, Duration::ZERO, &mut rng), Duration::from_millis(5));
        let huge = ExponentialBackoff::new(Duration::MAX, Duration::MAX);
        assert_eq!(huge.wait(1, Duration::ZERO, &mut rng), Duration::MAX);
        assert_eq!(huge.wait(u32::MAX, Duration::ZERO, &mut rng), Duration::MAX);
        let tiny = ExponentialBackoff::new(Duration::MAX, Duration::from_nanos(1));
        assert_eq!(tiny.wait(u32::MAX, Duration::ZERO, &mut rng), Duration::MAX);
    }

    #[test]
    fn ignores_previous_and_draws_no_randomness() {
        let b = ExponentialBackoff::default();
        let mut rng = Rng::seeded(5);
        assert_eq!(b.wait(2, Duration::MAX, &mut rng), Duration::from_millis(32));
        assert_eq!(rng, Rng::seeded(5));
    }

    #[test]
    fn accessors_and_defaults() {
        let b = ExponentialBackoff::default();
        assert_eq!((b.cap(), b.base()), (Duration::from_millis(512), Duration::from_millis(8)));
        let c = ExponentialBackoff::new(Duration::from_secs(2), Duration::from_millis(1));
        assert_eq!((c.cap(), c.base()), (Duration::from_secs(2), Duration::from_millis(1)));
    }
}
