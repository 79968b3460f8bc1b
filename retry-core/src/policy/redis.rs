use super::Retry;
use crate::backoff::Backoff;
use crate::engine::Attempt;
use crate::engine::CallableName;
use crate::engine::run::{self, AsyncFnStep, NoAsyncStep, NoSyncStep, WithError};
use crate::matching::RetryOn;
use crate::matching::Unset;
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
            blocking: ThreadSleeper,
            name: CallableName::BLOCK,
            seed: None,
            budget: None,
            declared: None,
            on_retry: None,
        }
    }
}

impl<B: Backoff, O, S, Z> Retry<B, O, S, Z> {
    /// redis-py's `call_with_retry(do, fail)`: runs `op` until it succeeds or the
    /// policy gives up; `fail` runs on every failure that `on` accepts, the last
    /// one included, before the wait (to drop a broken connection, say). `on`
    /// decides once per failure: `fail` follows its answer
    /// ([`CallState::accepted`](crate::engine::CallState::accepted)).
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
    ///
    /// # Errors
    ///
    /// The last error `op` returned, unchanged: one `on` rejects, at once, or the
    /// one the policy gives up on (attempts used up, the deadline too near for
    /// the next wait, the retry budget empty). While retrying is switched off,
    /// the first one.
    pub fn call_with_retry<T, E, M>(&self, mut op: impl FnMut() -> Result<T, E>, fail: impl FnMut(&E)) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        E: Debug,
        Z: BlockingSleeper,
    {
        run::blocking(self, &self.blocking, |_| op(), WithError(fail), 0, NoSyncStep)
    }

    /// The async form of [`call_with_retry`](Self::call_with_retry); `fail` may be async.
    ///
    /// # Errors
    ///
    /// The last error `op` returned, unchanged: one `on` rejects, at once, or the
    /// one the policy gives up on (attempts used up, the deadline too near for
    /// the next wait, the retry budget empty). While retrying is switched off,
    /// the first one.
    pub async fn call_with_retry_async<T, E, M>(
        &self,
        mut op: impl AsyncFnMut() -> Result<T, E>,
        fail: impl AsyncFnMut(&E),
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
    {
        let op = async |_: Attempt<'_>| op().await;
        run::run_async(self, op, AsyncFnStep(fail), 0, NoAsyncStep).await
    }
}
