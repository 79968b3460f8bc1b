use super::{Retry, Unset};
use crate::CallableName;
use crate::backoff::Backoff;
use crate::engine::{CallState, Step};
use crate::matching::RetryOn;
use crate::sleep::{BlockingSleeper, DefaultSleeper, Sleeper, ThreadSleeper};
use std::fmt::Debug;

impl<B: Backoff> Retry<B, Unset, DefaultSleeper> {
    /// redis-py's and valkey-py's `Retry(backoff, retries)`: `retries` counts
    /// retries, so a call makes at most `retries + 1` attempts (`None`: no limit).
    /// No deadline. Add the errors to retry with [`on`](Retry::on).
    ///
    /// ```
    /// use retry_core::{Retry, backoff::ExponentialBackoff, error_type};
    /// use std::io;
    ///
    /// let policy = Retry::new(ExponentialBackoff::default(), 3).on(error_type::<io::Error>());
    /// assert_eq!(policy.max_attempts(), Some(4));
    /// assert_eq!(policy.timeout(), None);
    /// ```
    pub fn new(backoff: B, retries: impl Into<Option<u32>>) -> Self {
        Retry {
            attempts: retries.into().map(|retries| retries.saturating_add(1)),
            timeout: None,
            backoff,
            on: Unset,
            sleeper: DefaultSleeper::default(),
            name: CallableName::BLOCK,
            seed: None,
            budget: None,
            declared: None,
            on_retry: None,
        }
    }
}

impl<B: Backoff, O, S> Retry<B, O, S> {
    /// redis-py's `call_with_retry(do, fail)`: runs `op` until it succeeds or the
    /// policy gives up; `fail` runs on every failure that `on` accepts, the last
    /// one included, before the wait (to drop a broken connection, say). `on`
    /// decides once per failure: `fail` follows its answer
    /// ([`CallState::accepted`](crate::CallState::accepted)).
    ///
    /// ```
    /// use retry_core::{Retry, backoff::NoBackoff, error_type};
    /// use std::io;
    ///
    /// let policy = Retry::new(NoBackoff, 2).on(error_type::<io::Error>());
    /// let (mut calls, mut dropped) = (0, 0);
    /// let result: Result<(), io::Error> = policy.call_with_retry(
    ///     || { calls += 1; Err(io::Error::other("connection reset")) },
    ///     |_| dropped += 1,
    /// );
    /// assert!(result.is_err());
    /// assert_eq!((calls, dropped), (3, 3));
    /// ```
    pub fn call_with_retry<T, E, M>(&self, op: impl FnMut() -> Result<T, E>, fail: impl FnMut(&E)) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        E: Debug,
    {
        self.call_with_retry_blocking_with(&ThreadSleeper, op, fail)
    }

    /// [`call_with_retry`](Self::call_with_retry) with another way to block and tell the time.
    pub fn call_with_retry_blocking_with<T, E, M>(
        &self,
        sleeper: &impl BlockingSleeper,
        mut op: impl FnMut() -> Result<T, E>,
        mut fail: impl FnMut(&E),
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        E: Debug,
    {
        self.begin::<E>();
        let mut state = CallState::new();
        loop {
            let error = match op() {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let step = state.step(self, &error, || sleeper.now());
            if state.accepted() {
                fail(&error);
            }
            match step {
                Step::Retry(wait) => sleeper.sleep(wait),
                Step::GiveUp(reason) => {
                    state.give_up(self, &error, reason);
                    return Err(error);
                }
                Step::Return => return Err(error),
            }
        }
    }

    /// The async form of [`call_with_retry`](Self::call_with_retry); `fail` may be async.
    pub async fn call_with_retry_async<T, E, M>(
        &self,
        mut op: impl AsyncFnMut() -> Result<T, E>,
        mut fail: impl AsyncFnMut(&E),
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
    {
        self.begin::<E>();
        let mut state = CallState::new();
        loop {
            let error = match op().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let step = state.step(self, &error, || self.sleeper.now());
            if state.accepted() {
                fail(&error).await;
            }
            match step {
                Step::Retry(wait) => crate::sleep::wait(&self.sleeper, wait).await,
                Step::GiveUp(reason) => {
                    state.give_up(self, &error, reason);
                    return Err(error);
                }
                Step::Return => return Err(error),
            }
        }
    }
}
