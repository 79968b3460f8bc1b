use super::Attempt;
use crate::backoff::Backoff;
use crate::instrument::{self, RetryDetails};
use crate::matching::{Decision, RetryOn};
use crate::switches;
use crate::{Retry, Rng};
use std::fmt::Debug;
use std::time::{Duration, Instant};

/// What the loop does after a failure, when it keeps the error itself.
#[derive(Debug, PartialEq, Eq)]
pub enum Next<E> {
    /// Sleep this long, then make the next attempt.
    Retry(Duration),
    /// Return this error to the caller.
    Stop(E),
}

/// What the loop does after a failure, decided from a borrowed error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Sleep this long, then make the next attempt.
    Retry(Duration),
    /// The error is retryable but this cycle is over: attempts used up, or the
    /// next wait would end past the deadline. A two-level retry refreshes and
    /// starts a new cycle here.
    GiveUp,
    /// Do not retry at all: the error does not match `on`, retrying is switched
    /// off, or the retry budget is empty.
    Return,
}

/// The bookkeeping of one retrying call.
///
/// [`new`](Self::new) is a constant: the success path pays for nothing but a few
/// zeroed words. The clock is first read, and the random source first seeded, at
/// the first failure.
///
/// ```
/// use retry_core::{CallState, Next, Retry, error_type};
/// use std::{io, time::Instant};
///
/// let policy = Retry::builder().attempts(2).build()?.on(error_type::<io::Error>());
/// let mut state = CallState::new();
/// assert!(matches!(state.on_failure(&policy, io::Error::other("a"), Instant::now), Next::Retry(_)));
/// assert!(matches!(state.on_failure(&policy, io::Error::other("b"), Instant::now), Next::Stop(e) if e.to_string() == "b"));
/// # Ok::<(), retry_core::ConfigError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct CallState {
    retries: u32,
    first_failure: Option<Instant>,
    waited: Duration,
    previous: Duration,
    upcoming: Option<Duration>,
    rng: Option<Rng>,
}

impl CallState {
    /// The state before the first attempt.
    pub const fn new() -> Self {
        Self {
            retries: 0,
            first_failure: None,
            waited: Duration::ZERO,
            previous: Duration::ZERO,
            upcoming: None,
            rng: None,
        }
    }

    /// Retries scheduled so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The sum of the waits scheduled so far.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// Decides what follows `error`, handing the error back when the call stops.
    pub fn on_failure<B, O, S, E, M>(
        &mut self,
        policy: &Retry<B, O, S>,
        error: E,
        now: impl FnOnce() -> Instant,
    ) -> Next<E>
    where
        B: Backoff,
        O: RetryOn<E, M>,
        E: Debug,
    {
        match self.step(policy, &error, now) {
            Step::Retry(wait) => Next::Retry(wait),
            Step::GiveUp | Step::Return => Next::Stop(error),
        }
    }

    /// Decides what follows `error`; runs the hooks if a retry is scheduled.
    ///
    /// The order of the rules: `on` first (an error it rejects returns at once and
    /// counts nowhere), then the switches, the attempts, the deadline, and last the
    /// budget, so that a retry that would not happen anyway never spends a token.
    pub fn step<B, O, S, E, M>(&mut self, policy: &Retry<B, O, S>, error: &E, now: impl FnOnce() -> Instant) -> Step
    where
        B: Backoff,
        O: RetryOn<E, M>,
        E: Debug,
    {
        let forced_wait = match policy.on.decide(error) {
            Decision::Stop => return Step::Return,
            Decision::Retry => None,
            Decision::RetryAfter(wait) => Some(wait),
        };
        let switches = switches::in_force();
        if !switches.active {
            return Step::Return;
        }

        let retry_num = self.retries.saturating_add(1);
        let attempts = match switches.testing {
            Some(mode) => mode.effective_attempts(policy.attempts),
            None => policy.attempts,
        };
        if attempts.is_some_and(|attempts| retry_num >= attempts) {
            return Step::GiveUp;
        }

        let backoff_wait = self.upcoming.take().unwrap_or_else(|| self.draw(policy, retry_num));
        let wait = match (switches.testing, forced_wait) {
            (Some(_), _) => Duration::ZERO,
            (None, Some(forced)) => forced,
            (None, None) => backoff_wait,
        };

        if switches.testing.is_none()
            && let Some(timeout) = policy.timeout
        {
            let now = now();
            let since_first_failure = now.saturating_duration_since(*self.first_failure.get_or_insert(now));
            if since_first_failure.saturating_add(wait) > timeout {
                return Step::GiveUp;
            }
        }

        if let Some(budget) = &policy.budget
            && !budget.withdraw()
        {
            return Step::Return;
        }

        self.retries = retry_num;
        self.previous = backoff_wait;
        if instrument::enabled() {
            policy.name.with_str(|name| {
                instrument::run(&RetryDetails {
                    name,
                    retry_num,
                    wait_for: wait,
                    waited_so_far: self.waited,
                    caused_by: error,
                    error_type: instrument::error_type_name::<E>(),
                })
            });
        }
        self.waited = self.waited.saturating_add(wait);
        Step::Retry(wait)
    }

    /// The next attempt's number and its would-be wait, for blocks that show them.
    pub fn attempt<B: Backoff, O, S>(&mut self, policy: &Retry<B, O, S>) -> Attempt {
        let num = self.retries.saturating_add(1);
        let next_wait = match self.upcoming {
            Some(wait) => wait,
            None => {
                let wait = self.draw(policy, num);
                *self.upcoming.insert(wait)
            }
        };
        Attempt { num, next_wait }
    }

    fn draw<B: Backoff, O, S>(&mut self, policy: &Retry<B, O, S>, retry_num: u32) -> Duration {
        let rng = self.rng.get_or_insert_with(|| policy.seed.map_or_else(Rng::from_entropy, Rng::seeded));
        policy.backoff.wait(retry_num, self.previous, rng)
    }
}
