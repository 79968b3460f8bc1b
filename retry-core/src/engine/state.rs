use super::Attempt;
use crate::backoff::Backoff;
use crate::budget::RetryBudget;
use crate::instrument::{self, GiveUpDetails, GiveUpReason, RetryDetails};
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
    /// starts a new cycle here; a loop that stops here reports it with
    /// [`CallState::give_up`].
    GiveUp(GiveUpReason),
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
#[derive(Clone, Debug)]
pub struct CallState {
    retries: u32,
    /// Attempts made in earlier cycles of a two-level retry.
    earlier_attempts: u32,
    first_failure: Option<Instant>,
    waited: Nanos,
    previous: Nanos,
    upcoming: Nanos,
    rng: Option<Rng>,
}

/// A duration in saturating nanoseconds; `Nanos::NONE` marks "not drawn yet".
///
/// `CallState` lives inside every annotated `async fn`'s future, so it is kept
/// small: three `u64`s instead of two `Duration`s and an `Option<Duration>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Nanos(u64);

impl Nanos {
    const NONE: Nanos = Nanos(u64::MAX);

    /// Saturates one below the sentinel: 584 years is "forever" for a wait.
    #[inline]
    fn from(duration: Duration) -> Nanos {
        // In u64, not through `as_nanos`' u128: this runs at every retry.
        let nanos =
            duration.as_secs().checked_mul(1_000_000_000).and_then(|n| n.checked_add(duration.subsec_nanos().into()));
        Nanos(nanos.unwrap_or(u64::MAX).min(u64::MAX - 1))
    }

    #[inline]
    fn get(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    #[inline]
    fn take(&mut self) -> Option<Duration> {
        let taken = std::mem::replace(self, Nanos::NONE);
        (taken != Nanos::NONE).then(|| taken.get())
    }
}

impl Default for CallState {
    fn default() -> Self {
        Self::new()
    }
}

impl CallState {
    /// The state before the first attempt.
    pub const fn new() -> Self {
        Self {
            retries: 0,
            earlier_attempts: 0,
            first_failure: None,
            waited: Nanos(0),
            previous: Nanos(0),
            upcoming: Nanos::NONE,
            rng: None,
        }
    }

    /// Retries scheduled so far in this cycle.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Attempts made so far, the first and those of earlier cycles included,
    /// once the current attempt failed.
    pub fn attempts_made(&self) -> u32 {
        self.earlier_attempts.saturating_add(self.retries).saturating_add(1)
    }

    /// Starts a new cycle of a two-level retry: the attempt limit, the deadline
    /// and the backoff start over; the attempts and waits of the call so far are
    /// kept for [`give_up`](Self::give_up)'s report.
    pub fn next_cycle(&mut self) {
        *self = CallState {
            earlier_attempts: self.attempts_made(),
            waited: self.waited,
            rng: self.rng.take(),
            ..CallState::new()
        };
    }

    /// The sum of the waits scheduled so far.
    pub fn waited(&self) -> Duration {
        self.waited.get()
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
            Step::GiveUp(reason) => {
                self.give_up(policy, &error, reason);
                Next::Stop(error)
            }
            Step::Return => Next::Stop(error),
        }
    }

    /// Reports that the call stops at a [`Step::GiveUp`] and returns `error`:
    /// the hooks' [`on_give_up`](crate::instrument::RetryHook::on_give_up) runs
    /// if the call made more than one attempt.
    pub fn give_up<B, O, S, E: Debug>(&self, policy: &Retry<B, O, S>, error: &E, reason: GiveUpReason) {
        let attempts = self.attempts_made();
        if attempts > 1 && instrument::enabled() {
            policy.name.with_str(|name| {
                instrument::run_give_up(&GiveUpDetails {
                    name,
                    attempts,
                    waited: self.waited.get(),
                    caused_by: error,
                    error_type: instrument::error_type_name::<E>(),
                    reason,
                });
            });
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
            return Step::GiveUp(GiveUpReason::Attempts);
        }

        // Testing mode waits nothing, so it draws no backoff unless the attempt
        // already peeked at it (the draw was most of the cost of a zero-wait retry).
        let backoff_wait = match (self.upcoming.take(), switches.testing) {
            (Some(drawn), _) => Some(drawn),
            (None, Some(_)) => None,
            (None, None) => Some(self.draw(policy, retry_num)),
        };
        let wait = match switches.testing {
            Some(_) => Duration::ZERO,
            None => forced_wait.or(backoff_wait).unwrap_or_default(),
        };

        if switches.testing.is_none()
            && let Some(timeout) = policy.timeout
        {
            let now = now();
            let since_first_failure = now.saturating_duration_since(*self.first_failure.get_or_insert(now));
            if since_first_failure.saturating_add(wait) > timeout {
                return Step::GiveUp(GiveUpReason::Deadline);
            }
        }

        // Testing mode skips the budget as it skips the deadline: a test's
        // zero-wait retries should not drain, or be refused by, a shared budget.
        if switches.testing.is_none()
            && let Some(budget) = &policy.budget
            && !budget.withdraw()
        {
            self.report(policy, retry_num, wait, error, instrument::run_budget_exhausted);
            // A refused retry ends the call at once, in every loop.
            self.give_up(policy, error, GiveUpReason::Budget);
            return Step::Return;
        }

        self.retries = retry_num;
        if let Some(drawn) = backoff_wait {
            self.previous = Nanos::from(drawn);
        }
        self.report(policy, retry_num, wait, error, instrument::run);
        self.waited = Nanos::from(self.waited.get().saturating_add(wait));
        Step::Retry(wait)
    }

    /// Tells the hooks about retry `retry_num`, if any hook is on.
    fn report<B, O, S, E: Debug>(
        &self,
        policy: &Retry<B, O, S>,
        retry_num: u32,
        wait: Duration,
        error: &E,
        run: fn(&RetryDetails<'_>),
    ) {
        if instrument::enabled() {
            policy.name.with_str(|name| {
                run(&RetryDetails {
                    name,
                    retry_num,
                    wait_for: wait,
                    waited_so_far: self.waited.get(),
                    caused_by: error,
                    error_type: instrument::error_type_name::<E>(),
                })
            });
        }
    }

    /// The next attempt's number and its would-be wait, for blocks that show them.
    pub fn attempt<B: Backoff, O, S>(&mut self, policy: &Retry<B, O, S>) -> Attempt {
        let num = self.retries.saturating_add(1);
        let next_wait = match self.upcoming.take() {
            Some(wait) => wait,
            None => self.draw(policy, num),
        };
        self.upcoming = Nanos::from(next_wait);
        Attempt { num, next_wait }
    }

    fn draw<B: Backoff, O, S>(&mut self, policy: &Retry<B, O, S>, retry_num: u32) -> Duration {
        let rng = self.rng.get_or_insert_with(|| policy.seed.map_or_else(Rng::from_entropy, Rng::seeded));
        policy.backoff.wait(retry_num, self.previous.get(), rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::NoBackoff;
    use crate::budget::RetryBudget;
    use crate::matching::error_type;
    use std::io;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug, Default)]
    struct CountingBudget {
        withdrawals: AtomicU32,
        allow: bool,
    }

    impl RetryBudget for CountingBudget {
        fn deposit(&self) {}
        fn withdraw(&self) -> bool {
            self.withdrawals.fetch_add(1, Ordering::Relaxed);
            self.allow
        }
    }

    fn policy(budget: Arc<CountingBudget>) -> Retry<NoBackoff, crate::matching::ErrorType<io::Error>> {
        Retry::new(NoBackoff, 1).on(error_type::<io::Error>()).budget(budget)
    }

    #[test]
    fn a_retry_that_would_not_happen_spends_no_token() {
        let budget = Arc::new(CountingBudget { allow: true, ..Default::default() });
        let policy = policy(budget.clone());
        let mut state = CallState::new();
        assert_eq!(state.step(&policy, &io::Error::other("a"), Instant::now), Step::Retry(Duration::ZERO));
        assert_eq!(state.step(&policy, &io::Error::other("b"), Instant::now), Step::GiveUp(GiveUpReason::Attempts));
        assert_eq!(budget.withdrawals.load(Ordering::Relaxed), 1, "the attempt limit came first");

        let foreign = Retry::new(NoBackoff, 5).on(|_: &io::Error| false).budget(budget.clone());
        assert_eq!(CallState::new().step(&foreign, &io::Error::other("c"), Instant::now), Step::Return);
        assert_eq!(budget.withdrawals.load(Ordering::Relaxed), 1, "a rejected error spends nothing");
    }

    #[test]
    fn an_empty_budget_returns_without_counting_a_retry() {
        let budget = Arc::new(CountingBudget { allow: false, ..Default::default() });
        let policy = policy(budget);
        let mut state = CallState::new();
        assert_eq!(state.step(&policy, &io::Error::other("a"), Instant::now), Step::Return);
        assert_eq!(state.retries(), 0);
        assert_eq!(state.waited(), Duration::ZERO);
    }

    #[test]
    fn the_clock_is_read_only_when_a_deadline_needs_it() {
        let no_deadline = Retry::new(NoBackoff, 3).on(error_type::<io::Error>());
        let mut state = CallState::new();
        let step = state.step(&no_deadline, &io::Error::other("a"), || panic!("no clock read without a timeout"));
        assert_eq!(step, Step::Retry(Duration::ZERO));
    }

    #[test]
    fn default_has_no_wait_drawn_yet() {
        let policy = Retry::builder().seed(5).build().unwrap();
        let (mut a, mut b) = (CallState::default(), CallState::new());
        assert_eq!(a.attempt(&policy), b.attempt(&policy));
        assert!(a.attempt(&policy).next_wait() >= Duration::from_millis(100), "drawn from the backoff, not zero");
    }

    #[test]
    fn waits_saturate_below_the_sentinel() {
        assert_eq!(Nanos::from(Duration::MAX), Nanos(u64::MAX - 1));
        assert_eq!(Nanos::from(Duration::new(u64::MAX / 1_000_000_000, 999_999_999)), Nanos(u64::MAX - 1));
        assert_eq!(Nanos::from(Duration::new(18_446_744_073, 709_551_613)), Nanos(u64::MAX - 2), "exact, not clamped");
        assert_eq!(Nanos::from(Duration::new(3, 250)), Nanos(3_000_000_250));
        assert_eq!(Nanos::from(Duration::ZERO).get(), Duration::ZERO);
        let mut n = Nanos::from(Duration::MAX);
        assert!(n.take().is_some());
        assert_eq!(n.take(), None);
    }

    #[test]
    fn retry_numbers_saturate_instead_of_overflowing() {
        let unlimited = Retry::new(NoBackoff, None).on(error_type::<io::Error>());
        let mut state = CallState { retries: u32::MAX - 1, ..CallState::new() };
        assert_eq!(state.step(&unlimited, &io::Error::other("a"), Instant::now), Step::Retry(Duration::ZERO));
        assert_eq!(state.step(&unlimited, &io::Error::other("b"), Instant::now), Step::Retry(Duration::ZERO));
        assert_eq!(state.retries(), u32::MAX);
    }
}
