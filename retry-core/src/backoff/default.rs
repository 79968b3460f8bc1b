use super::Rng;
use super::{Backoff, capped_exponential};
use crate::ConfigError;
use std::time::Duration;

/// The default schedule: capped exponential growth plus additive jitter.
///
/// ```text
/// wait(n) = min(wait_max, wait_initial * wait_exp_base^(n-1)) + uniform(0, wait_jitter)
/// ```
///
/// With the defaults (100 ms, x2, 45 s, 1 s) the first wait lies in
/// [0.1 s, 1.1 s] and no wait exceeds 46 s. The jitter is added *after* the cap on
/// purpose: stamina adds it before, so once its clients reach the cap they all wait
/// exactly `wait_max` and wake in lockstep.
///
/// ```
/// use retry_core::backoff::{Backoff, DefaultBackoff};
/// use retry_core::backoff::Rng;
/// use std::time::Duration;
///
/// let b = DefaultBackoff::default();
/// let mut rng = Rng::seeded(1);
/// let first = b.wait(1, Duration::ZERO, &mut rng);
/// assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(1100));
/// let late = b.wait(u32::MAX, Duration::ZERO, &mut rng);
/// assert!(late >= Duration::from_secs(45) && late <= Duration::from_secs(46));
///
/// // Without jitter the schedule is exact.
/// let exact = DefaultBackoff::new(Duration::from_millis(100), 2.0, Duration::from_secs(45), Duration::ZERO)?;
/// assert_eq!(exact.wait(4, Duration::ZERO, &mut rng), Duration::from_millis(800));
/// # Ok::<(), retry_core::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DefaultBackoff {
    pub(crate) initial: Duration,
    pub(crate) exp_base: f64,
    pub(crate) max: Duration,
    pub(crate) jitter: Duration,
}

impl DefaultBackoff {
    /// Default `wait_initial`: 100 ms.
    pub const WAIT_INITIAL: Duration = Duration::from_millis(100);
    /// Default `wait_exp_base`: 2.
    pub const WAIT_EXP_BASE: f64 = 2.0;
    /// Default `wait_max`: 45 s.
    pub const WAIT_MAX: Duration = Duration::from_secs(45);
    /// Default `wait_jitter`: 1 s.
    pub const WAIT_JITTER: Duration = Duration::from_secs(1);

    /// A schedule with the given knobs.
    ///
    /// # Errors
    ///
    /// `exp_base` must be a finite number of at least 1: a growth factor.
    pub fn new(initial: Duration, exp_base: f64, max: Duration, jitter: Duration) -> Result<Self, ConfigError> {
        check_exp_base(exp_base)?;
        Ok(Self { initial, exp_base, max, jitter })
    }

    /// Base of the first wait.
    #[must_use]
    pub fn wait_initial(&self) -> Duration {
        self.initial
    }
    /// Growth factor.
    #[must_use]
    pub fn wait_exp_base(&self) -> f64 {
        self.exp_base
    }
    /// Cap of the exponential part of one wait.
    #[must_use]
    pub fn wait_max(&self) -> Duration {
        self.max
    }
    /// Upper bound of the uniform jitter.
    #[must_use]
    pub fn wait_jitter(&self) -> Duration {
        self.jitter
    }
}

pub(crate) fn check_exp_base(exp_base: f64) -> Result<(), ConfigError> {
    if exp_base.is_finite() && exp_base >= 1.0 {
        Ok(())
    } else {
        Err(ConfigError::new(
            "wait_exp_base",
            format!("must be a finite number of at least 1 (a growth factor), got {exp_base}"),
        ))
    }
}

impl Default for DefaultBackoff {
    fn default() -> Self {
        Self {
            initial: Self::WAIT_INITIAL,
            exp_base: Self::WAIT_EXP_BASE,
            max: Self::WAIT_MAX,
            jitter: Self::WAIT_JITTER,
        }
    }
}

impl Backoff for DefaultBackoff {
    fn wait(&self, retry_num: u32, _previous: Duration, rng: &mut Rng) -> Duration {
        let exponential = capped_exponential(self.initial, self.exp_base, retry_num.saturating_sub(1), self.max);
        exponential.saturating_add(rng.duration_up_to(self.jitter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_jitter() -> DefaultBackoff {
        DefaultBackoff { jitter: Duration::ZERO, ..DefaultBackoff::default() }
    }

    #[test]
    fn exact_schedule_without_jitter() {
        let b = no_jitter();
        let mut rng = Rng::seeded(0);
        let waits: Vec<u128> = (1..=11).map(|n| b.wait(n, Duration::ZERO, &mut rng).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 45000, 45000]);
    }

    #[test]
    fn retry_zero_is_treated_as_the_first() {
        assert_eq!(no_jitter().wait(0, Duration::ZERO, &mut Rng::seeded(0)), Duration::from_millis(100));
    }

    #[test]
    fn jitter_is_added_after_the_cap() {
        let b = DefaultBackoff::default();
        let mut rng = Rng::seeded(9);
        let waits: Vec<Duration> = (0..200).map(|_| b.wait(30, Duration::ZERO, &mut rng)).collect();
        assert!(waits.iter().all(|w| *w >= Duration::from_secs(45) && *w <= Duration::from_secs(46)));
        // Past the cap the waits still spread out, so clients do not wake in lockstep.
        let spread = waits.iter().max().unwrap().abs_diff(*waits.iter().min().unwrap());
        assert!(spread > Duration::from_millis(900), "spread {spread:?}");
    }

    #[test]
    fn rejects_bad_growth_factors() {
        for bad in [f64::NAN, f64::INFINITY, 0.5, -2.0] {
            let err = DefaultBackoff::new(Duration::ZERO, bad, Duration::ZERO, Duration::ZERO).unwrap_err();
            assert!(err.to_string().contains("wait_exp_base"), "{err}");
        }
        assert!(DefaultBackoff::new(Duration::ZERO, 1.0, Duration::ZERO, Duration::ZERO).is_ok());
    }
}
