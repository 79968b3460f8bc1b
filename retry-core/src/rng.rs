//! The random source behind jitter.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::SplitMix64;
use std::cell::Cell;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::Duration;

/// A small, seedable pseudo-random source used to draw jitter: rand's SplitMix64
/// generator, sampled with rand's uniform distributions.
///
/// Jitter needs spread, not secrecy. SplitMix64 is the generator of the rand
/// family whose whole state is 8 bytes, which every retrying future carries
/// (rand's `SmallRng` keeps 32); tests seed it to make a schedule exact.
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
    inner: SplitMix64,
}

impl Rng {
    /// A generator that always produces the same sequence for the same seed.
    #[must_use]
    pub fn seeded(seed: u64) -> Self {
        Self { inner: SplitMix64::seed_from_u64(seed) }
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

    /// The whole state: `Rng::seeded(rng.state())` continues the same sequence
    /// (SplitMix64's seed is its state).
    pub(crate) fn state(&self) -> u64 {
        u64::from_le_bytes(self.inner.state())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        rand::Rng::next_u64(&mut self.inner)
    }

    /// A uniform number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        self.inner.random()
    }

    /// A uniform duration in `[0, max]`, to the nanosecond.
    pub fn duration_up_to(&mut self, max: Duration) -> Duration {
        let nanos = max.as_nanos();
        if nanos == 0 {
            // No jitter is common (tests, `wait_jitter = 0`): it moves no state.
            return Duration::ZERO;
        }
        // Up to 584 years fit in a u64, whose sampling is one widening multiply.
        let drawn = match u64::try_from(nanos) {
            Ok(nanos) => u128::from(self.inner.random_range(0..=nanos)),
            Err(_) => self.inner.random_range(0..=nanos),
        };
        duration_from_nanos(drawn)
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
    fn draws_are_rands_splitmix64_and_uniform_sampling() {
        for seed in [0, 1, 7, u64::MAX] {
            let mut ours = Rng::seeded(seed);
            let mut rands = SplitMix64::seed_from_u64(seed);
            assert_eq!(ours.next_u64(), rand::Rng::next_u64(&mut rands));
            assert_eq!(ours.next_f64().to_bits(), rands.random::<f64>().to_bits());
            let max = Duration::from_millis(1500);
            let nanos = u64::try_from(max.as_nanos()).unwrap();
            assert_eq!(ours.duration_up_to(max), Duration::from_nanos(rands.random_range(0..=nanos)));
            assert_eq!(ours.state(), u64::from_le_bytes(rands.state()));
        }
    }

    #[test]
    fn the_state_continues_the_sequence() {
        let mut a = Rng::seeded(9);
        a.next_u64();
        let mut b = Rng::seeded(a.state());
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn zero_jitter_draws_nothing() {
        let mut r = Rng::seeded(5);
        assert_eq!(r.duration_up_to(Duration::ZERO), Duration::ZERO);
        assert_eq!(r, Rng::seeded(5));
    }

    #[test]
    fn durations_cover_their_range_evenly() {
        let mut r = Rng::seeded(12);
        let max = Duration::from_secs(1);
        let mut buckets = [0u32; 10];
        for _ in 0..10_000 {
            let d = r.duration_up_to(max);
            assert!(d <= max);
            let tenth = usize::try_from(d.as_nanos() / 100_000_000).expect("at most 10");
            buckets[tenth.min(9)] += 1;
        }
        // Each tenth expects 1,000; 5 standard deviations is about 150.
        assert!(buckets.iter().all(|&n| (850..=1150).contains(&n)), "{buckets:?}");
    }

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
