use super::Retry;
use crate::backoff::Backoff;
use crate::engine::Attempt;
use crate::engine::run::{self, AsyncFnStep, NoAsyncStep, NoSyncStep, WithError};
use crate::matching::RetryOn;
use crate::sleep::{BlockingSleeper, Sleeper};
use std::fmt::Debug;

impl<B: Backoff, O, S, Z> Retry<B, O, S, Z> {
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
    ///
    /// # Errors
    ///
    /// The last error `op` returned, unchanged: one `on` rejects, or one the retry
    /// budget refuses a retry for, at once; or, after `refreshes` refreshes, the
    /// one the last cycle gives up on (attempts used up, the deadline too near
    /// for the next wait). While retrying is switched off, the first one.
    pub fn call_with_refresh<T, E, M>(
        &self,
        refreshes: u32,
        op: impl FnMut(Attempt) -> Result<T, E>,
        refresh: impl FnMut(&E),
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        E: Debug,
        Z: BlockingSleeper,
    {
        run::blocking(self, &self.blocking, op, NoSyncStep, refreshes, WithError(refresh))
    }

    /// The async form of [`call_with_refresh`](Self::call_with_refresh); `refresh` may be async.
    ///
    /// ```
    /// use retry_core::{Retry, backoff::NoBackoff, error_type};
    /// use std::{cell::Cell, io};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let policy = Retry::new(NoBackoff, 1).on(error_type::<io::Error>());
    /// let master = Cell::new("10.0.0.1");
    /// let mut refreshes = 0;
    /// let result = policy
    ///     .call_with_refresh_async(
    ///         3,
    ///         async |_| if master.get() == "10.0.0.2" { Ok(master.get()) } else { Err(io::Error::other("READONLY")) },
    ///         async |_| {
    ///             refreshes += 1;
    ///             master.set("10.0.0.2");
    ///         },
    ///     )
    ///     .await;
    /// assert_eq!(result.unwrap(), "10.0.0.2");
    /// assert_eq!(refreshes, 1);
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The last error `op` returned, unchanged: one `on` rejects, or one the retry
    /// budget refuses a retry for, at once; or, after `refreshes` refreshes, the
    /// one the last cycle gives up on (attempts used up, the deadline too near
    /// for the next wait). While retrying is switched off, the first one.
    pub async fn call_with_refresh_async<T, E, M>(
        &self,
        refreshes: u32,
        op: impl AsyncFnMut(Attempt) -> Result<T, E>,
        refresh: impl AsyncFnMut(&E),
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
    {
        run::run_async(self, op, NoAsyncStep, refreshes, AsyncFnStep(refresh)).await
    }
}

impl<B: Backoff, O, S, Z> Retry<B, O, S, Z> {
    /// The two-level loop for an integration that made the call's first attempt
    /// itself, on its fast path: with `first`, that attempt failed with it (and
    /// the call was recorded with the budget); without, the loop makes it. `op`
    /// returns a future, so the call's future is `Send` whenever `op`'s are (the
    /// Redis connection boxes it as `dyn Future + Send`), and gets no
    /// [`Attempt`]: nothing is drawn for a call that succeeds.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) async fn continue_with_refresh_async<T, E, M, F, Fut, R, RFut>(
        &self,
        refreshes: u32,
        first: Option<E>,
        mut op: F,
        refresh: R,
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
        let op = move |_: Attempt<'_>| op();
        run::run_async_fn(self, first, op, run::no_step(), refreshes, Some(refresh)).await
    }
}
