use super::Attempt;
use crate::Retry;
use crate::backoff::Backoff;
use crate::backoff::Rng;
use crate::budget::RetryBudget;
use crate::instrument::{self, GiveUpDetails, GiveUpReason, RetryDetails};
use crate::matching::{Decision, RetryOn};
use crate::switches;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
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
/// use retry_core::{Retry, error_type, engine::{CallState, Next}};
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
    /// The random source's state, seeded at the first draw (a failure, or an
    /// [`Attempt::next_wait`] that peeks): an `Attempt`, which borrows the state,
    /// can seed it, and the draw after the failure then starts from the same
    /// state, so the wait it announced is the one drawn.
    rng: RngSlot,
    /// Whether `on` accepted the error of the last [`step`](Self::step).
    accepted: bool,
}

/// A duration in saturating nanoseconds.
///
/// `CallState` lives inside every annotated `async fn`'s future, so it is kept
/// small: two `u64`s instead of two `Duration`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Nanos(u64);

impl Nanos {
    /// Saturates at `u64::MAX` nanoseconds: 584 years is "forever" for a wait.
    #[inline]
    fn from(duration: Duration) -> Nanos {
        // In u64, not through `as_nanos`' u128: this runs at every retry.
        let nanos =
            duration.as_secs().checked_mul(1_000_000_000).and_then(|n| n.checked_add(duration.subsec_nanos().into()));
        Nanos(nanos.unwrap_or(u64::MAX))
    }

    #[inline]
    fn get(self) -> Duration {
        Duration::from_nanos(self.0)
    }
}

impl Default for CallState {
    fn default() -> Self {
        Self::new()
    }
}

impl CallState {
    /// The state before the first attempt.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            retries: 0,
            earlier_attempts: 0,
            first_failure: None,
            waited: Nanos(0),
            previous: Nanos(0),
            rng: RngSlot::new(),
            accepted: false,
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
            rng: std::mem::take(&mut self.rng),
            ..CallState::new()
        };
    }

    /// Whether `on` accepted the error of the last [`step`](Self::step) (or
    /// [`on_failure`](Self::on_failure)), whatever the step then decided: a loop
    /// that runs a callback for every error `on` accepts (redis-py's `fail`) reads
    /// this instead of asking `on` a second time. `false` before the first step.
    ///
    /// ```
    /// use retry_core::{Retry, backoff::NoBackoff, engine::{CallState, Step}};
    /// use std::{io, time::Instant};
    ///
    /// let policy = Retry::new(NoBackoff, 0).on(|e: &io::Error| e.kind() == io::ErrorKind::TimedOut);
    /// let mut state = CallState::new();
    /// let timed_out = io::Error::from(io::ErrorKind::TimedOut);
    /// assert!(matches!(state.step(&policy, &timed_out, Instant::now), Step::GiveUp(_)));
    /// assert!(state.accepted(), "retryable, though no attempt is left");
    /// assert_eq!(state.step(&policy, &io::Error::other("bad request"), Instant::now), Step::Return);
    /// assert!(!state.accepted());
    /// ```
    pub fn accepted(&self) -> bool {
        self.accepted
    }

    /// The sum of the waits scheduled so far.
    pub fn waited(&self) -> Duration {
        self.waited.get()
    }

    /// Decides what follows `error`, handing the error back when the call stops.
    pub fn on_failure<B, O, S, Z, E, M>(
        &mut self,
        policy: &Retry<B, O, S, Z>,
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
    pub fn give_up<B, O, S, Z, E: Debug>(&self, policy: &Retry<B, O, S, Z>, error: &E, reason: GiveUpReason) {
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
    pub fn step<B, O, S, Z, E, M>(
        &mut self,
        policy: &Retry<B, O, S, Z>,
        error: &E,
        now: impl FnOnce() -> Instant,
    ) -> Step
    where
        B: Backoff,
        O: RetryOn<E, M>,
        E: Debug,
    {
        let forced_wait = match policy.on.decide(error) {
            Decision::Stop => {
                self.accepted = false;
                return Step::Return;
            }
            Decision::Retry => None,
            Decision::RetryAfter(wait) => Some(wait),
        };
        self.accepted = true;
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

        // Testing mode waits nothing, so it draws no backoff (the draw was most
        // of the cost of a zero-wait retry).
        let backoff_wait = match switches.testing {
            Some(_) => None,
            None => Some(self.draw(policy, retry_num)),
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
            // A failure at or past the deadline is not retried, and neither is one
            // whose wait would end past it. The first rule decides zero waits:
            // without it, `timeout = 0` (or any deadline, with zero waits) would
            // retry as long as the clock does not move, which a paused test clock
            // never does, and stop after one retry on a real one.
            if since_first_failure >= timeout || since_first_failure.saturating_add(wait) > timeout {
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
        if let Some(hook) = &policy.on_retry {
            policy.name.with_str(|name| hook(&self.details(name, retry_num, wait, error)));
        }
        self.waited = Nanos::from(self.waited.get().saturating_add(wait));
        Step::Retry(wait)
    }

    /// Tells the hooks about retry `retry_num`, if any hook is on.
    fn report<B, O, S, Z, E: Debug>(
        &self,
        policy: &Retry<B, O, S, Z>,
        retry_num: u32,
        wait: Duration,
        error: &E,
        run: fn(&RetryDetails<'_>),
    ) {
        if instrument::enabled() {
            policy.name.with_str(|name| run(&self.details(name, retry_num, wait, error)));
        }
    }

    fn details<'a, E: Debug>(&self, name: &'a str, retry_num: u32, wait: Duration, error: &'a E) -> RetryDetails<'a> {
        RetryDetails {
            name,
            retry_num,
            wait_for: wait,
            waited_so_far: self.waited.get(),
            caused_by: error,
            error_type: instrument::error_type_name::<E>(),
        }
    }

    /// The next attempt's number and, on demand, its would-be wait, for blocks
    /// that show them. Nothing is drawn here: the wait is drawn when
    /// [`Attempt::next_wait`] asks for it, or at the failure.
    pub fn attempt<'a, B: Backoff, O, S, Z>(&'a self, policy: &'a Retry<B, O, S, Z>) -> Attempt<'a> {
        Attempt { num: self.retries.saturating_add(1), state: self, backoff: &policy.backoff, seed: policy.seed }
    }

    /// The random source's state, seeded (from `seed`, else from entropy) if it
    /// was not yet.
    #[inline]
    pub(super) fn rng_state(&self, seed: Option<u64>) -> u64 {
        self.rng.get_or_seed(seed)
    }

    /// The wait the backoff gives retry `retry_num` from the random source's
    /// current state, without moving it on: what [`draw`](Self::draw) will return.
    pub(super) fn peek(&self, backoff: &dyn Backoff, seed: Option<u64>, retry_num: u32) -> Duration {
        let mut rng = Rng::seeded(self.rng_state(seed));
        backoff.wait(retry_num, self.previous.get(), &mut rng)
    }

    fn draw<B: Backoff, O, S, Z>(&mut self, policy: &Retry<B, O, S, Z>, retry_num: u32) -> Duration {
        let mut rng = Rng::seeded(self.rng.get_mut(policy.seed));
        let wait = policy.backoff.wait(retry_num, self.previous.get(), &mut rng);
        self.rng.set(rng.state());
        wait
    }
}

/// The random source's state, seeded once, through `&self` (by an [`Attempt`]
/// that peeks) or `&mut self` (the draw at a failure). Atomics, not a `OnceLock`:
/// they have no destructor, so an annotated `async fn`'s future that holds the
/// call's state gets no drop glue from it.
#[derive(Debug)]
struct RngSlot {
    state: AtomicU64,
    phase: AtomicU8,
}

impl RngSlot {
    const UNSEEDED: u8 = 0;
    const SEEDING: u8 = 1;
    const SEEDED: u8 = 2;

    const fn new() -> Self {
        RngSlot { state: AtomicU64::new(0), phase: AtomicU8::new(Self::UNSEEDED) }
    }

    fn seed(seed: Option<u64>) -> u64 {
        seed.map_or_else(Rng::from_entropy, Rng::seeded).state()
    }

    /// The state, seeded first if it was not: exactly once, even if copies of
    /// one `Attempt` peek from several threads at once.
    #[allow(clippy::single_match_else, reason = "the two outcomes of one compare-exchange, side by side")]
    fn get_or_seed(&self, seed: Option<u64>) -> u64 {
        match self.phase.compare_exchange(Self::UNSEEDED, Self::SEEDING, Ordering::Acquire, Ordering::Acquire) {
            Ok(_) => {
                let state = Self::seed(seed);
                self.state.store(state, Ordering::Relaxed);
                self.phase.store(Self::SEEDED, Ordering::Release);
                state
            }
            Err(_) => {
                // Another thread is hashing a seed: a few nanoseconds.
                while self.phase.load(Ordering::Acquire) != Self::SEEDED {
                    std::hint::spin_loop();
                }
                self.state.load(Ordering::Relaxed)
            }
        }
    }

    /// [`get_or_seed`](Self::get_or_seed) without atomic operations.
    fn get_mut(&mut self, seed: Option<u64>) -> u64 {
        if *self.phase.get_mut() != Self::SEEDED {
            self.set(Self::seed(seed));
        }
        *self.state.get_mut()
    }

    fn set(&mut self, state: u64) {
        *self.state.get_mut() = state;
        *self.phase.get_mut() = Self::SEEDED;
    }

    fn is_seeded(&self) -> bool {
        self.phase.load(Ordering::Acquire) == Self::SEEDED
    }
}

impl Clone for RngSlot {
    fn clone(&self) -> Self {
        let phase = if self.is_seeded() { Self::SEEDED } else { Self::UNSEEDED };
        RngSlot { state: AtomicU64::new(self.state.load(Ordering::Relaxed)), phase: AtomicU8::new(phase) }
    }
}

impl Default for RngSlot {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::NoBackoff;
    use crate::budget::RetryBudget;
    use crate::error_type;
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
    fn a_zero_timeout_allows_no_retry_even_with_zero_waits() {
        let policy = Retry::new(NoBackoff, None).on(error_type::<io::Error>());
        let policy = Retry { timeout: Some(Duration::ZERO), ..policy };
        let at = Instant::now();
        let mut state = CallState::new();
        assert_eq!(state.step(&policy, &io::Error::other("a"), || at), Step::GiveUp(GiveUpReason::Deadline));

        // A deadline reached with zero waits, on a clock that does not move otherwise.
        let policy = Retry { timeout: Some(Duration::from_secs(1)), ..policy };
        let mut state = CallState::new();
        assert_eq!(state.step(&policy, &io::Error::other("a"), || at), Step::Retry(Duration::ZERO));
        assert_eq!(state.step(&policy, &io::Error::other("b"), || at), Step::Retry(Duration::ZERO));
        let later = at + Duration::from_secs(1);
        assert_eq!(state.step(&policy, &io::Error::other("c"), || later), Step::GiveUp(GiveUpReason::Deadline));
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
        let (a, b) = (CallState::default(), CallState::new());
        assert_eq!(a.attempt(&policy), b.attempt(&policy));
        assert!(a.attempt(&policy).next_wait() >= Duration::from_millis(100), "drawn from the backoff, not zero");
    }

    #[test]
    fn an_attempt_draws_nothing_until_asked() {
        let policy = Retry::builder().build().unwrap().on(error_type::<io::Error>());
        let state = CallState::new();
        let attempt = state.attempt(&policy);
        assert_eq!(attempt.num(), 1);
        assert!(!state.rng.is_seeded(), "a success seeds nothing");
        let announced = attempt.next_wait();
        assert!(state.rng.is_seeded(), "peeking seeds");
        assert_eq!(attempt.next_wait(), announced, "peeking twice draws the same wait");
        let mut state = state;
        assert_eq!(state.step(&policy, &io::Error::other("a"), Instant::now), Step::Retry(announced));
    }

    #[test]
    fn on_decides_once_per_step() {
        let asked = AtomicU32::new(0);
        let policy = Retry::new(NoBackoff, 1).on(|_: &io::Error| {
            asked.fetch_add(1, Ordering::Relaxed);
            true
        });
        let mut state = CallState::new();
        assert!(!state.accepted());
        assert_eq!(state.step(&policy, &io::Error::other("a"), Instant::now), Step::Retry(Duration::ZERO));
        assert!(state.accepted());
        assert_eq!(state.step(&policy, &io::Error::other("b"), Instant::now), Step::GiveUp(GiveUpReason::Attempts));
        assert!(state.accepted());
        assert_eq!(asked.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn waits_saturate() {
        assert_eq!(Nanos::from(Duration::MAX), Nanos(u64::MAX));
        assert_eq!(Nanos::from(Duration::new(u64::MAX / 1_000_000_000, 999_999_999)), Nanos(u64::MAX));
        assert_eq!(Nanos::from(Duration::new(18_446_744_073, 709_551_613)), Nanos(u64::MAX - 2), "exact, not clamped");
        assert_eq!(Nanos::from(Duration::new(3, 250)), Nanos(3_000_000_250));
        assert_eq!(Nanos::from(Duration::ZERO).get(), Duration::ZERO);
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
