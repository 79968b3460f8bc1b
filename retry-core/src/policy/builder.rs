use super::{DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT, Retry};
use crate::ConfigError;
use crate::backoff::{DefaultBackoff, default_check_exp_base};
use crate::engine::CallableName;
use crate::matching::Unset;
use crate::sleep::{DefaultSleeper, ThreadSleeper};
use std::time::Duration;

/// Builds a [`Retry`] from the stamina-style knobs; [`build`](Self::build) says
/// what is wrong with a configuration that can never work.
///
/// ```
/// use retry_core::Retry;
/// use std::time::Duration;
///
/// let policy = Retry::builder().attempts(None).timeout(None).build()?;
/// assert_eq!(policy.max_attempts(), None);
///
/// let err = Retry::builder().wait_exp_base(f64::NAN).build().unwrap_err();
/// assert_eq!(err.knob(), "wait_exp_base");
/// # Ok::<(), retry_core::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct RetryBuilder<B = DefaultBackoff> {
    attempts: Option<u32>,
    timeout: Option<Duration>,
    backoff: B,
    name: CallableName,
    seed: Option<u64>,
    problem: Option<ConfigError>,
}

impl RetryBuilder {
    pub(super) fn new() -> Self {
        Self {
            attempts: DEFAULT_ATTEMPTS,
            timeout: DEFAULT_TIMEOUT,
            backoff: DefaultBackoff::default(),
            name: CallableName::BLOCK,
            seed: None,
            problem: None,
        }
    }

    /// Base of the first wait (default 100 ms).
    pub fn wait_initial(mut self, wait: Duration) -> Self {
        self.backoff.initial = wait;
        self
    }

    /// Growth factor of the waits (default 2); a finite number of at least 1.
    pub fn wait_exp_base(mut self, factor: f64) -> Self {
        if let Err(problem) = default_check_exp_base(factor) {
            self.problem.get_or_insert(problem);
        }
        self.backoff.exp_base = factor;
        self
    }

    /// Cap of the exponential part of one wait (default 45 s).
    pub fn wait_max(mut self, wait: Duration) -> Self {
        self.backoff.max = wait;
        self
    }

    /// Upper bound of the uniform jitter added to each wait (default 1 s).
    pub fn wait_jitter(mut self, jitter: Duration) -> Self {
        self.backoff.jitter = jitter;
        self
    }
}

impl<B> RetryBuilder<B> {
    /// Total attempts, the first included (default 10); `None` for unlimited.
    pub fn attempts(mut self, attempts: impl Into<Option<u32>>) -> Self {
        self.attempts = attempts.into();
        if self.attempts == Some(0) {
            self.problem.get_or_insert(ConfigError::new(
                "attempts",
                "must be at least 1 (the first attempt counts), or None for unlimited",
            ));
        }
        self
    }

    /// The most time retrying may add to a call, counted from the first failure
    /// (default 45 s); `None` for no deadline. A failure at or past the deadline
    /// is not retried, so `Duration::ZERO` allows no retry at all, whatever the
    /// clock (`attempts(1)` says that more plainly).
    ///
    /// ```
    /// use retry_core::{Retry, error_type};
    /// use std::{io, time::Duration};
    ///
    /// let policy = Retry::builder().timeout(Duration::ZERO).wait_initial(Duration::ZERO).wait_jitter(Duration::ZERO).build()?;
    /// let mut calls = 0;
    /// let _ = policy.on(error_type::<io::Error>()).call(|_| -> Result<(), _> {
    ///     calls += 1;
    ///     Err(io::Error::other("down"))
    /// });
    /// assert_eq!(calls, 1);
    /// # Ok::<(), retry_core::ConfigError>(())
    /// ```
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Replaces the default schedule with another strategy. The `wait_*` knobs
    /// belong to the default schedule, so set them before this or on the strategy.
    pub fn backoff<B2>(self, backoff: B2) -> RetryBuilder<B2> {
        RetryBuilder {
            attempts: self.attempts,
            timeout: self.timeout,
            backoff,
            name: self.name,
            seed: self.seed,
            problem: self.problem,
        }
    }

    /// The name hooks and metrics give calls of this policy (default `"<block>"`).
    pub fn name(mut self, name: impl Into<CallableName>) -> Self {
        self.name = name.into();
        self
    }

    /// Draw jitter from a fixed seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The policy, or the first knob whose value can never work.
    ///
    /// # Errors
    ///
    /// `attempts = 0`, or a growth factor that is not a finite number >= 1.
    pub fn build(self) -> Result<Retry<B, Unset, DefaultSleeper>, ConfigError> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        Ok(Retry {
            attempts: self.attempts,
            timeout: self.timeout,
            backoff: self.backoff,
            on: Unset,
            sleeper: DefaultSleeper::default(),
            blocking: ThreadSleeper,
            declared: super::declared_for(&self.name),
            name: self.name,
            seed: self.seed,
            budget: None,
            on_retry: None,
        })
    }
}
