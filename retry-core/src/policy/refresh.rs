use super::Retry;
use crate::backoff::Backoff;
use crate::engine::{Attempt, CallState, Step};
use crate::matching::RetryOn;
use crate::sleep::{BlockingSleeper, Sleeper, ThreadSleeper};
use std::fmt::Debug;

impl<B: Backoff, O, S> Retry<B, O, S> {
    /// Two-level retry, as a cluster client does it: run `op` under this policy;
    /// when the policy gives up on a retryable error, run `refresh` (re-read the
    /// topology, ask the sentinel for the new master) and start a new cycle with a
    /// fresh attempt count and deadline, up to `refreshes` times: `refreshes`
    /// counts the cycles after the first, as valkey's
    /// `cluster_error_retry_attempts` does, so `0` is one cycle and no refresh.
    ///
    /// An error that `on` rejects ends the call at once, in any cycle.
    ///
    /// ```
    /// use retry_core::{Retry, backoff::NoBackoff, error_type};
    /// use std::{cell::Cell, io};
    ///
    /// let policy = Retry::new(NoBackoff, 1).on(error_type::<io::Error>());
    /// let master = Cell::new("10.0.0.1");
    /// let mut refreshes = 0;
    /// let result = policy.call_with_refresh(
    ///     3,
    ///     |_| if master.get() == "10.0.0.2" { Ok(master.get()) } else { Err(io::Error::other("READONLY")) },
    ///     |_| { refreshes += 1; master.set("10.0.0.2"); },
    /// );
    /// assert_eq!(result.unwrap(), "10.0.0.2");
    /// assert_eq!(refreshes, 1);
    /// ```
    pub fn call_with_refresh<T, E, M>(
        &self,
        refreshes: u32,
        op: impl FnMut(Attempt) -> Result<T, E>,
        refresh: impl FnMut(&E),
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        E: Debug,
    {
        self.call_with_refresh_blocking_with(&ThreadSleeper, refreshes, op, refresh)
    }

    /// [`call_with_refresh`](Self::call_with_refresh) with another way to block and tell the time.
    pub fn call_with_refresh_blocking_with<T, E, M>(
        &self,
        sleeper: &impl BlockingSleeper,
        refreshes: u32,
        mut op: impl FnMut(Attempt) -> Result<T, E>,
        mut refresh: impl FnMut(&E),
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        E: Debug,
    {
        self.begin::<E>();
        let mut refreshed = 0;
        let mut state = CallState::new();
        loop {
            let error = match op(state.attempt(self)) {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            match state.step(self, &error, || sleeper.now()) {
                Step::Retry(wait) => sleeper.sleep(wait),
                Step::GiveUp(_) if refreshed < refreshes => {
                    refreshed += 1;
                    refresh(&error);
                    state.next_cycle();
                }
                Step::GiveUp(reason) => {
                    state.give_up(self, &error, reason);
                    return Err(error);
                }
                Step::Return => return Err(error),
            }
        }
    }

    /// The async form of [`call_with_refresh`](Self::call_with_refresh); `refresh` may be async.
    pub async fn call_async_with_refresh<T, E, M>(
        &self,
        refreshes: u32,
        mut op: impl AsyncFnMut(Attempt) -> Result<T, E>,
        mut refresh: impl AsyncFnMut(&E),
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
    {
        self.begin::<E>();
        let mut refreshed = 0;
        let mut state = CallState::new();
        loop {
            let error = match op(state.attempt(self)).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            match state.step(self, &error, || self.sleeper.now()) {
                Step::Retry(wait) => crate::sleep::wait(&self.sleeper, wait).await,
                Step::GiveUp(_) if refreshed < refreshes => {
                    refreshed += 1;
                    refresh(&error).await;
                    state.next_cycle();
                }
                Step::GiveUp(reason) => {
                    state.give_up(self, &error, reason);
                    return Err(error);
                }
                Step::Return => return Err(error),
            }
        }
    }
}

impl<B: Backoff, O, S> Retry<B, O, S> {
    /// The two-level loop for an integration that made the call's first attempt
    /// itself, on its fast path: with `first`, that attempt failed with it (and
    /// the call was recorded with the budget); without, the loop makes it. `op`
    /// returns a future, so the call's future is `Send` whenever `op`'s are (the
    /// Redis connection boxes it as `dyn Future + Send`), and gets no
    /// [`Attempt`]: nothing is drawn for a call that succeeds.
    pub(crate) async fn continue_async_with_refresh<T, E, M, F, Fut, R, RFut>(
        &self,
        refreshes: u32,
        first: Option<E>,
        mut op: F,
        mut refresh: R,
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        R: FnMut(&E) -> RFut,
        RFut: Future<Output = ()>,
    {
        let mut error = match first {
            Some(error) => error,
            None => {
                self.begin::<E>();
                match op().await {
                    Ok(value) => return Ok(value),
                    Err(error) => error,
                }
            }
        };
        let mut refreshed = 0;
        let mut state = CallState::new();
        loop {
            match state.step(self, &error, || self.sleeper.now()) {
                Step::Retry(wait) => crate::sleep::wait(&self.sleeper, wait).await,
                Step::GiveUp(_) if refreshed < refreshes => {
                    refreshed += 1;
                    refresh(&error).await;
                    state.next_cycle();
                }
                Step::GiveUp(reason) => {
                    state.give_up(self, &error, reason);
                    return Err(error);
                }
                Step::Return => return Err(error),
            }
            error = match op().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
        }
    }
}
