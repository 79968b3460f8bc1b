//! Property tests over every backoff strategy: for any retry number, previous
//! wait, seed and configuration, `wait` never panics, stays within the
//! strategy's bounds, and is a pure function of its arguments and the seed.

use proptest::prelude::*;
use retry_core::backoff::Rng;
use retry_core::backoff::{
    Backoff, ConstantBackoff, DecorrelatedJitterBackoff, DefaultBackoff, EqualJitterBackoff, ExponentialBackoff,
    FullJitterBackoff, NoBackoff,
};
use std::time::Duration;

/// Durations from zero to `Duration::MAX`, with the extremes and realistic
/// values (up to an hour) weighted in.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        1 => Just(Duration::ZERO),
        1 => Just(Duration::MAX),
        1 => Just(Duration::from_nanos(1)),
        3 => (0u64..=3_600_000_000_000).prop_map(Duration::from_nanos),
        2 => (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

/// Retry numbers over all of `0..=u32::MAX`, with the first few and the extremes weighted in.
fn retry_num() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0u32), Just(1), Just(u32::MAX), 0u32..80, any::<u32>()]
}

/// Growth factors that `DefaultBackoff::new` accepts, within [1, 1e6].
fn exp_base() -> impl Strategy<Value = f64> {
    prop_oneof![Just(1.0), Just(2.0), Just(1e6), 1.0f64..2.0, 1.0f64..=1e6]
}

fn default_backoff(initial: Duration, exp_base: f64, max: Duration, jitter: Duration) -> DefaultBackoff {
    DefaultBackoff::new(initial, exp_base, max, jitter).expect("exp_base in [1, 1e6] is valid")
}

proptest! {
    #[test]
    fn no_backoff_is_always_zero(n in retry_num(), previous in duration(), seed in any::<u64>()) {
        prop_assert_eq!(NoBackoff.wait(n, previous, &mut Rng::seeded(seed)), Duration::ZERO);
    }

    #[test]
    fn constant_is_always_its_wait(wait in duration(), n in retry_num(), previous in duration(), seed in any::<u64>()) {
        prop_assert_eq!(ConstantBackoff::new(wait).wait(n, previous, &mut Rng::seeded(seed)), wait);
    }

    #[test]
    fn default_stays_within_its_exponential_part_plus_jitter(
        initial in duration(),
        exp_base in exp_base(),
        max in duration(),
        jitter in duration(),
        n in retry_num(),
        previous in duration(),
        seed in any::<u64>(),
    ) {
        let w = default_backoff(initial, exp_base, max, jitter).wait(n, previous, &mut Rng::seeded(seed));
        prop_assert!(w <= max.saturating_add(jitter), "{:?} > {:?} + {:?}", w, max, jitter);
        // The same schedule without jitter is the exponential part alone.
        let exact = default_backoff(initial, exp_base, max, Duration::ZERO).wait(n, previous, &mut Rng::seeded(seed));
        prop_assert!(exact <= max);
        prop_assert!(w >= exact && w <= exact.saturating_add(jitter), "{:?} not in {:?} + [0, {:?}]", w, exact, jitter);
    }

    #[test]
    fn exponential_stays_between_base_and_cap(
        cap in duration(),
        base in duration(),
        n in retry_num(),
        previous in duration(),
        seed in any::<u64>(),
    ) {
        let w = ExponentialBackoff::new(cap, base).wait(n, previous, &mut Rng::seeded(seed));
        prop_assert!(w <= cap);
        if n >= 1 {
            prop_assert!(w >= base.min(cap), "{:?} < min({:?}, {:?})", w, base, cap);
        }
    }

    #[test]
    fn exponential_never_shrinks(cap in duration(), base in duration(), n in 0u32..u32::MAX, seed in any::<u64>()) {
        let b = ExponentialBackoff::new(cap, base);
        let mut rng = Rng::seeded(seed);
        prop_assert!(b.wait(n, Duration::ZERO, &mut rng) <= b.wait(n + 1, Duration::ZERO, &mut rng));
    }

    #[test]
    fn full_jitter_stays_below_the_capped_exponential(
        cap in duration(),
        base in duration(),
        n in retry_num(),
        previous in duration(),
        seed in any::<u64>(),
    ) {
        let w = FullJitterBackoff::new(cap, base).wait(n, previous, &mut Rng::seeded(seed));
        let top = ExponentialBackoff::new(cap, base).wait(n, previous, &mut Rng::seeded(seed));
        prop_assert!(w <= cap);
        prop_assert!(w <= top, "{:?} > {:?}", w, top);
    }

    #[test]
    fn equal_jitter_stays_in_the_upper_half_of_the_capped_exponential(
        cap in duration(),
        base in duration(),
        n in retry_num(),
        previous in duration(),
        seed in any::<u64>(),
    ) {
        let w = EqualJitterBackoff::new(cap, base).wait(n, previous, &mut Rng::seeded(seed));
        let top = ExponentialBackoff::new(cap, base).wait(n, previous, &mut Rng::seeded(seed));
        prop_assert!(w <= cap);
        prop_assert!(w >= top / 2 && w <= top, "{:?} not in [{:?} / 2, {:?}]", w, top, top);
    }

    #[test]
    fn decorrelated_jitter_stays_between_base_and_cap(
        cap in duration(),
        base in duration(),
        n in retry_num(),
        previous in duration(),
        seed in any::<u64>(),
    ) {
        let w = DecorrelatedJitterBackoff::new(cap, base).wait(n, previous, &mut Rng::seeded(seed));
        prop_assert!(w <= cap);
        prop_assert!(w >= base.min(cap), "{:?} < min({:?}, {:?})", w, base, cap);
        prop_assert!(w <= base.max(previous.saturating_mul(3)), "{:?} above max(base, 3 * {:?})", w, previous);
        if previous.is_zero() {
            prop_assert_eq!(w, base.min(cap));
        }
    }

    #[test]
    fn same_seed_same_wait(
        a in duration(),
        b in duration(),
        c in duration(),
        exp_base in exp_base(),
        n in retry_num(),
        previous in duration(),
        seed in any::<u64>(),
    ) {
        let strategies: Vec<(&str, Box<dyn Backoff>)> = vec![
            ("NoBackoff", Box::new(NoBackoff)),
            ("ConstantBackoff", Box::new(ConstantBackoff::new(a))),
            ("DefaultBackoff", Box::new(default_backoff(a, exp_base, b, c))),
            ("ExponentialBackoff", Box::new(ExponentialBackoff::new(a, b))),
            ("FullJitterBackoff", Box::new(FullJitterBackoff::new(a, b))),
            ("EqualJitterBackoff", Box::new(EqualJitterBackoff::new(a, b))),
            ("DecorrelatedJitterBackoff", Box::new(DecorrelatedJitterBackoff::new(a, b))),
        ];
        for (name, strategy) in &strategies {
            let first = strategy.wait(n, previous, &mut Rng::seeded(seed));
            let second = strategy.wait(n, previous, &mut Rng::seeded(seed));
            prop_assert_eq!(first, second, "{}", name);
        }
    }

    #[test]
    fn a_whole_call_stays_in_bounds(cap in duration(), base in duration(), seed in any::<u64>(), retries in 1u32..40) {
        // Feed each wait back as `previous`, as a retry loop does.
        let strategies: Vec<Box<dyn Backoff>> = vec![
            Box::new(ExponentialBackoff::new(cap, base)),
            Box::new(FullJitterBackoff::new(cap, base)),
            Box::new(EqualJitterBackoff::new(cap, base)),
            Box::new(DecorrelatedJitterBackoff::new(cap, base)),
        ];
        for strategy in &strategies {
            let mut rng = Rng::seeded(seed);
            let mut previous = Duration::ZERO;
            for n in 1..=retries {
                previous = strategy.wait(n, previous, &mut rng);
                prop_assert!(previous <= cap);
            }
        }
    }
}
