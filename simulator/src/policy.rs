//! The retry policies compared, built from retry-core's own strategies.

use retry_core::backoff::Rng;
use retry_core::backoff::{Backoff, DecorrelatedJitterBackoff, DefaultBackoff, EqualJitterBackoff, FullJitterBackoff};
use std::time::Duration;

/// First wait (`wait_initial`, and the `base` of the redis-py strategies).
const INITIAL: Duration = DefaultBackoff::WAIT_INITIAL;

/// A retry policy of the comparison. All but [`NoRetries`](Self::NoRetries) make
/// up to 10 attempts within 45 s of the first failure (retry-core's defaults),
/// with waits built on the same knobs: 100 ms initial, doubling, capped at 45 s.
///
/// ```
/// use simulator::PolicyKind;
///
/// assert_eq!(PolicyKind::Default.name(), "default (jitter after the cap)");
/// assert!(PolicyKind::DefaultWithBudget.has_budget());
/// assert_eq!(PolicyKind::ALL.len(), 8);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    /// One attempt: the baseline of what the clients alone send.
    NoRetries,
    /// `min(45 s, 100 ms * 2^(n-1))`: the default without its jitter.
    NoJitter,
    /// retry-core's default: `min(45 s, 100 ms * 2^(n-1)) + uniform(0, 1 s)`.
    Default,
    /// stamina's schedule, jitter before the cap: `min(45 s, 100 ms * 2^(n-1) + uniform(0, 1 s))`.
    Stamina,
    /// "Full jitter": `uniform(0, min(45 s, 100 ms * 2^n))` ([`FullJitterBackoff`]).
    FullJitter,
    /// "Equal jitter": half the capped exponential plus a uniform draw of the
    /// other half ([`EqualJitterBackoff`]).
    EqualJitter,
    /// "Decorrelated jitter": `min(45 s, uniform(100 ms, 3 * previous))`
    /// ([`DecorrelatedJitterBackoff`]).
    DecorrelatedJitter,
    /// The default with a [`TpsBudget`](retry_core::budget::TpsBudget) per
    /// process, at its defaults (10 s window, 10 retries a second floor, 20 %).
    DefaultWithBudget,
}

impl PolicyKind {
    /// Every policy, in the order of the tables.
    pub const ALL: [PolicyKind; 8] = [
        PolicyKind::NoRetries,
        PolicyKind::NoJitter,
        PolicyKind::Default,
        PolicyKind::Stamina,
        PolicyKind::FullJitter,
        PolicyKind::EqualJitter,
        PolicyKind::DecorrelatedJitter,
        PolicyKind::DefaultWithBudget,
    ];

    /// The name in tables and charts.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::NoRetries => "no retries",
            PolicyKind::NoJitter => "no jitter",
            PolicyKind::Default => "default (jitter after the cap)",
            PolicyKind::Stamina => "stamina (jitter before the cap)",
            PolicyKind::FullJitter => "full jitter",
            PolicyKind::EqualJitter => "equal jitter",
            PolicyKind::DecorrelatedJitter => "decorrelated jitter",
            PolicyKind::DefaultWithBudget => "default + budget",
        }
    }

    /// Whether the policy draws its retries from a budget.
    #[must_use]
    pub fn has_budget(self) -> bool {
        self == PolicyKind::DefaultWithBudget
    }

    /// The backoff strategy, with the cap `max` and, for the default and
    /// stamina, the jitter `jitter`.
    pub(crate) fn backoff(self, max: Duration, jitter: Duration) -> SimBackoff {
        let default = |jitter| DefaultBackoff::new(INITIAL, 2.0, max, jitter).expect("a valid growth factor");
        match self {
            PolicyKind::NoRetries | PolicyKind::NoJitter => SimBackoff::Default(default(Duration::ZERO)),
            PolicyKind::Default | PolicyKind::DefaultWithBudget => SimBackoff::Default(default(jitter)),
            PolicyKind::Stamina => SimBackoff::Stamina(StaminaBackoff { initial: INITIAL, max, jitter }),
            PolicyKind::FullJitter => SimBackoff::Full(FullJitterBackoff::new(max, INITIAL)),
            PolicyKind::EqualJitter => SimBackoff::Equal(EqualJitterBackoff::new(max, INITIAL)),
            PolicyKind::DecorrelatedJitter => SimBackoff::Decorrelated(DecorrelatedJitterBackoff::new(max, INITIAL)),
        }
    }
}

/// stamina's schedule, for comparison: the jitter is added *before* the cap,
///
/// ```text
/// wait(n) = min(max, initial * 2^(n-1) + uniform(0, jitter))
/// ```
///
/// so once `initial * 2^(n-1)` passes `max`, every client waits exactly `max`
/// and the herd stops spreading out.
///
/// ```
/// use retry_core::{backoff::Backoff, backoff::Rng};
/// use simulator::StaminaBackoff;
/// use std::time::Duration;
///
/// let stamina = StaminaBackoff {
///     initial: Duration::from_millis(100),
///     max: Duration::from_secs(45),
///     jitter: Duration::from_secs(1),
/// };
/// let mut rng = Rng::seeded(3);
/// let first = stamina.wait(1, Duration::ZERO, &mut rng);
/// assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(1100));
/// // At the cap the jitter is gone: every client waits the same.
/// assert_eq!(stamina.wait(20, Duration::ZERO, &mut rng), Duration::from_secs(45));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StaminaBackoff {
    /// The first wait's base.
    pub initial: Duration,
    /// The cap of a whole wait, jitter included.
    pub max: Duration,
    /// The upper bound of the uniform jitter.
    pub jitter: Duration,
}

impl Backoff for StaminaBackoff {
    fn wait(&self, retry_num: u32, _previous: Duration, rng: &mut Rng) -> Duration {
        let exponent = i32::try_from(retry_num.saturating_sub(1)).unwrap_or(i32::MAX);
        let exponential = self.initial.as_secs_f64() * 2f64.powi(exponent);
        // Always draw, as the default does, so both see the same random numbers.
        let jitter = rng.duration_up_to(self.jitter).as_secs_f64();
        let wait = exponential + jitter;
        if wait.is_finite() && wait < self.max.as_secs_f64() {
            Duration::try_from_secs_f64(wait).unwrap_or(self.max).min(self.max)
        } else {
            self.max
        }
    }
}

/// One of the strategies, as one type so that a policy can hold any of them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SimBackoff {
    Default(DefaultBackoff),
    Stamina(StaminaBackoff),
    Full(FullJitterBackoff),
    Equal(EqualJitterBackoff),
    Decorrelated(DecorrelatedJitterBackoff),
}

impl Backoff for SimBackoff {
    fn wait(&self, retry_num: u32, previous: Duration, rng: &mut Rng) -> Duration {
        match self {
            SimBackoff::Default(b) => b.wait(retry_num, previous, rng),
            SimBackoff::Stamina(b) => b.wait(retry_num, previous, rng),
            SimBackoff::Full(b) => b.wait(retry_num, previous, rng),
            SimBackoff::Equal(b) => b.wait(retry_num, previous, rng),
            SimBackoff::Decorrelated(b) => b.wait(retry_num, previous, rng),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = DefaultBackoff::WAIT_MAX;
    const JITTER: Duration = DefaultBackoff::WAIT_JITTER;

    #[test]
    fn stamina_and_the_default_agree_below_the_cap_and_part_at_it() {
        let ours = PolicyKind::Default.backoff(MAX, JITTER);
        let stamina = PolicyKind::Stamina.backoff(MAX, JITTER);
        for n in 1..=9 {
            let (a, b) = (
                ours.wait(n, Duration::ZERO, &mut Rng::seeded(n.into())),
                stamina.wait(n, Duration::ZERO, &mut Rng::seeded(n.into())),
            );
            assert_eq!(a, b, "retry {n}");
        }
        // 100 ms * 2^9 = 51.2 s is past the cap.
        let mut rng = Rng::seeded(1);
        let ours: Vec<_> =
            (0..100).map(|_| PolicyKind::Default.backoff(MAX, JITTER).wait(10, Duration::ZERO, &mut rng)).collect();
        let stamina: Vec<_> =
            (0..100).map(|_| PolicyKind::Stamina.backoff(MAX, JITTER).wait(10, Duration::ZERO, &mut rng)).collect();
        assert!(ours.iter().all(|w| *w >= MAX && *w <= MAX + JITTER) && ours.iter().any(|w| *w > MAX));
        assert!(stamina.iter().all(|w| *w == MAX));
    }

    #[test]
    fn no_jitter_is_exact() {
        let b = PolicyKind::NoJitter.backoff(MAX, JITTER);
        let waits: Vec<u128> = (1..=4).map(|n| b.wait(n, Duration::ZERO, &mut Rng::seeded(0)).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800]);
    }
}
