use super::Backoff;
use super::Rng;
use std::time::Duration;

/// A uniform draw between `base` and three times the previous wait, capped.
///
/// ```text
/// wait(n) = min(cap, uniform(base, max(base, previous * 3)))
/// ```
///
/// The `DecorrelatedJitterBackoff` of redis-py and valkey-py (AWS's "decorrelated
/// jitter"). It ignores the retry number: each wait grows from the one before,
/// which is `previous`, zero before a call's first retry, so the first wait is
/// exactly `min(cap, base)`. Every wait lies in [min(base, cap), cap].
///
/// redis-py keeps the previous wait in a mutable `_previous_backoff` field that
/// `reset()` zeroes at the start of each call, so one instance cannot serve two
/// calls at once. Here the caller passes `previous` in, so the strategy holds no
/// state: it can be shared between calls and threads, and "reset per call" comes
/// for free, as each call starts from `previous = 0`.
///
/// ```
/// use retry_core::backoff::{Backoff, DecorrelatedJitterBackoff};
/// use retry_core::backoff::Rng;
/// use std::time::Duration;
///
/// let b = DecorrelatedJitterBackoff::default();
/// let mut rng = Rng::seeded(1);
/// // A call's first retry: uniform(8 ms, max(8 ms, 0)) is exactly 8 ms.
/// let first = b.wait(1, Duration::ZERO, &mut rng);
/// assert_eq!(first, Duration::from_millis(8));
/// // Later retries draw from [8 ms, 3 * previous], capped at 512 ms.
/// let second = b.wait(2, first, &mut rng);
/// assert!(second >= Duration::from_millis(8) && second <= Duration::from_millis(24));
/// let late = b.wait(3, Duration::from_secs(60), &mut rng);
/// assert!(late >= Duration::from_millis(8) && late <= Duration::from_millis(512));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DecorrelatedJitterBackoff {
    pub(crate) cap: Duration,
    pub(crate) base: Duration,
}

super::cap_and_base!(DecorrelatedJitterBackoff);

impl DecorrelatedJitterBackoff {
    /// Waits of at least `base` (unless `cap` is smaller), at most three times the
    /// previous one, never above `cap`.
    ///
    /// ```
    /// use retry_core::backoff::{Backoff, DecorrelatedJitterBackoff};
    /// use retry_core::backoff::Rng;
    /// use std::time::Duration;
    ///
    /// let b = DecorrelatedJitterBackoff::new(Duration::from_secs(1), Duration::from_millis(10));
    /// assert_eq!(b.wait(1, Duration::ZERO, &mut Rng::seeded(0)), Duration::from_millis(10));
    /// ```
    #[must_use]
    pub const fn new(cap: Duration, base: Duration) -> Self {
        Self { cap, base }
    }
}

impl Backoff for DecorrelatedJitterBackoff {
    fn wait(&self, _retry_num: u32, previous: Duration, rng: &mut Rng) -> Duration {
        let high = self.base.max(previous.saturating_mul(3));
        rng.duration_between(self.base, high).min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn zero_width_draws_are_exact() {
        let b = DecorrelatedJitterBackoff::default();
        let mut rng = Rng::seeded(0);
        // max(base, previous * 3) == base: nothing to draw.
        assert_eq!(b.wait(1, Duration::ZERO, &mut rng), ms(8));
        assert_eq!(b.wait(5, ms(1), &mut rng), ms(8));
        assert_eq!(b.wait(5, Duration::from_nanos(2_666_666), &mut rng), ms(8));
        // previous * 3 = base + 1 ns: only two possible waits.
        let w = b.wait(5, Duration::from_nanos(2_666_667), &mut rng);
        assert!(w == ms(8) || w == Duration::from_nanos(8_000_001), "{w:?}");
        // A cap below the base wins.
        let small_cap = DecorrelatedJitterBackoff::new(ms(3), ms(8));
        assert_eq!(small_cap.wait(1, Duration::ZERO, &mut rng), ms(3));
        assert_eq!(small_cap.wait(1, Duration::MAX, &mut rng), ms(3));
        // A zero cap always waits zero.
        let zero_cap = DecorrelatedJitterBackoff::new(Duration::ZERO, ms(8));
        assert_eq!(zero_cap.wait(1, ms(100), &mut rng), Duration::ZERO);
    }

    #[test]
    fn seeded_draw_is_exact() {
        // previous = 100 ms: uniform(8 ms, 300 ms), below the 512 ms cap.
        let b = DecorrelatedJitterBackoff::default();
        for seed in 0..50 {
            let expected = Rng::seeded(seed).duration_between(ms(8), ms(300));
            assert_eq!(b.wait(2, ms(100), &mut Rng::seeded(seed)), expected);
        }
    }

    #[test]
    fn stays_between_base_and_three_times_previous_and_cap() {
        let b = DecorrelatedJitterBackoff::default();
        let mut rng = Rng::seeded(4);
        for previous in [ms(5), ms(20), ms(100), ms(170), ms(400), ms(512)] {
            let high = (previous * 3).min(ms(512));
            for _ in 0..200 {
                let w = b.wait(1, previous, &mut rng);
                assert!(w >= ms(8) && w <= high, "previous {previous:?}: {w:?}");
            }
        }
    }

    #[test]
    fn a_chain_of_retries_stays_in_bounds_and_reaches_the_cap() {
        let b = DecorrelatedJitterBackoff::default();
        let mut rng = Rng::seeded(8);
        let mut previous = Duration::ZERO;
        let mut waits = Vec::new();
        for n in 1..=60 {
            previous = b.wait(n, previous, &mut rng);
            waits.push(previous);
        }
        assert_eq!(waits[0], ms(8));
        assert!(waits.iter().all(|w| *w >= ms(8) && *w <= ms(512)));
        assert!(waits.contains(&ms(512)), "{waits:?}");
    }

    #[test]
    fn ignores_the_retry_number() {
        let b = DecorrelatedJitterBackoff::default();
        let a = b.wait(1, ms(50), &mut Rng::seeded(6));
        assert_eq!(a, b.wait(u32::MAX, ms(50), &mut Rng::seeded(6)));
        assert_eq!(b.wait(u32::MAX, Duration::ZERO, &mut Rng::seeded(6)), ms(8));
    }

    #[test]
    fn huge_previous_does_not_overflow() {
        let mut rng = Rng::seeded(1);
        let b = DecorrelatedJitterBackoff::default();
        let w = b.wait(1, Duration::MAX, &mut rng);
        assert!(w >= ms(8) && w <= ms(512));
        let unbounded = DecorrelatedJitterBackoff::new(Duration::MAX, Duration::MAX);
        assert_eq!(unbounded.wait(1, Duration::MAX, &mut rng), Duration::MAX);
        let wide = DecorrelatedJitterBackoff::new(Duration::MAX, Duration::ZERO);
        assert!(wide.wait(1, Duration::MAX, &mut rng) <= Duration::MAX);
    }

    #[test]
    fn accessors_and_defaults() {
        let b = DecorrelatedJitterBackoff::default();
        assert_eq!((b.cap(), b.base()), (ms(512), ms(8)));
        let c = DecorrelatedJitterBackoff::new(Duration::from_secs(2), ms(1));
        assert_eq!((c.cap(), c.base()), (Duration::from_secs(2), ms(1)));
    }
}
