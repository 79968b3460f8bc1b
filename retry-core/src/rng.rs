//! The random source behind jitter.

use std::cell::Cell;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::Duration;

/// A small, seedable pseudo-random source (SplitMix64) used to draw jitter.
///
/// Jitter needs spread, not secrecy, so a tiny generator that can be pinned to a
/// seed beats a dependency: tests seed it to make a schedule exact.
///
/// ```
/// use retry_core::backoff::Rng;
/// use std::time::Duration;
///
/// let mut a = Rng::seeded(7);
/// let mut b = Rng::seeded(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// let d = a.duration_up_to(Duration::from_secs(1));
/// assert!(d <= Duration::from_secs(1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator that always produces the same sequence for the same seed.
    #[must_use]
    pub const fn seeded(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator seeded from the process's hash randomness and a per-thread
    /// counter, so that two calls never share a sequence.
    #[must_use]
    pub fn from_entropy() -> Self {
        thread_local! {
            static CALLS: Cell<u64> = const { Cell::new(0) };
        }
        let n = CALLS.with(|c| {
            let n = c.get().wrapping_add(1);
            c.set(n);
            n
        });
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(n);
        Self::seeded(hasher.finish())
    }

    /// The whole state: `Rng::seeded(rng.state())` continues the same sequence.
    pub(crate) const fn state(&self) -> u64 {
        self.state
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)`.
    #[allow(clippy::cast_precision_loss, reason = "both numbers are at most 2^53, exact in an f64")]
    pub fn next_f64(&mut self) -> f64 {
        // The top 53 bits fill an f64 mantissa exactly.
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform duration in `[0, max]`, to the nanosecond.
    pub fn duration_up_to(&mut self, max: Duration) -> Duration {
        let nanos = max.as_nanos();
        if nanos == 0 {
            return Duration::ZERO;
        }
        // Multiply-shift maps 64 random bits r onto [0, nanos]: (r * span) >> 64.
        // span can need 95 bits, so the product is split at bit 64 to stay in u128.
        let r = u128::from(self.next_u64());
        let span = nanos + 1;
        let scaled = r * (span >> 64) + ((r * (span & u128::from(u64::MAX))) >> 64);
        duration_from_nanos(scaled)
    }

    /// A uniform duration in `[low, high]` (or `low` if `high < low`).
    pub fn duration_between(&mut self, low: Duration, high: Duration) -> Duration {
        low.saturating_add(self.duration_up_to(high.saturating_sub(low)))
    }
}

fn duration_from_nanos(nanos: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).unwrap_or(u64::MAX);
    Duration::new(secs, (nanos % NANOS_PER_SEC) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_different_seed_different_sequence() {
        let a: Vec<u64> = (0..4).scan(Rng::seeded(1), |r, _| Some(r.next_u64())).collect();
        let b: Vec<u64> = (0..4).scan(Rng::seeded(1), |r, _| Some(r.next_u64())).collect();
        let c: Vec<u64> = (0..4).scan(Rng::seeded(2), |r, _| Some(r.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn entropy_generators_differ() {
        assert_ne!(Rng::from_entropy().next_u64(), Rng::from_entropy().next_u64());
    }

    #[test]
    fn f64_in_unit_interval_and_spread() {
        let mut r = Rng::seeded(3);
        let xs: Vec<f64> = (0..10_000).map(|_| r.next_f64()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        let mean = xs.iter().sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
    }

    #[test]
    fn durations_stay_in_bounds_including_extremes() {
        let mut r = Rng::seeded(4);
        for _ in 0..1000 {
            assert!(r.duration_up_to(Duration::from_millis(5)) <= Duration::from_millis(5));
            let d = r.duration_between(Duration::from_secs(1), Duration::from_secs(2));
            assert!((Duration::from_secs(1)..=Duration::from_secs(2)).contains(&d));
        }
        assert_eq!(r.duration_up_to(Duration::ZERO), Duration::ZERO);
        assert!(r.duration_up_to(Duration::MAX) <= Duration::MAX);
        assert_eq!(r.duration_between(Duration::from_secs(3), Duration::from_secs(1)), Duration::from_secs(3));
    }
}
