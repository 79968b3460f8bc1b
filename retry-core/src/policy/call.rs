use super::Retry;
use crate::backoff::Backoff;
use crate::engine::{Attempt, CallState, Next};
use crate::matching::RetryOn;
use crate::sleep::{BlockingSleeper, Sleeper, ThreadSleeper};
use std::fmt::Debug;

impl<B: Backoff, O, S> Retry<B, O, S> {
    /// Runs `op` until it succeeds, returns an error `on` rejects, or the policy
    /// gives up; then returns that last result unchanged. Waits block the thread.
    ///
    /// `op` sees the [`Attempt`]: its number and the wait that would follow it.
    ///
    /// ```
    /// use retry_core::{Retry, TestMode, error_type, set_testing};
    /// use std::io;
    ///
    /// let policy = Retry::default().on(error_type::<io::Error>());
    /// let _fast = set_testing(TestMode::new(4));
    /// let mut attempts = 0;
    /// let result: Result<(), io::Error> = policy.call(|_| {
    ///     attempts += 1;
    ///     Err(io::Error::other("still down"))
    /// });
    /// assert_eq!(result.unwrap_err().to_string(), "still down");
    /// assert_eq!(attempts, 4);
    /// ```
    pub fn call<T, E, M>(&self, op: impl FnMut(Attempt) -> Result<T, E>) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        E: Debug,
    {
        self.call_blocking_with(&ThreadSleeper, op)
    }

    /// [`call`](Self::call) with another way to block and tell the time.
    pub fn call_blocking_with<T, E, M>(
        &self,
        sleeper: &impl BlockingSleeper,
        mut op: impl FnMut(Attempt) -> Result<T, E>,
    ) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        E: Debug,
    {
        self.begin::<E>();
        let mut state = CallState::new();
        loop {
            match op(state.attempt(self)) {
                Ok(value) => return Ok(value),
                Err(error) => match state.on_failure(self, error, || sleeper.now()) {
                    Next::Retry(wait) => sleeper.sleep(wait),
                    Next::Stop(error) => return Err(error),
                },
            }
        }
    }

    /// Runs the async closure `op` until it succeeds, returns an error `on`
    /// rejects, or the policy gives up. Waits use the policy's [`Sleeper`].
    ///
    /// `op` is an `async` closure, so it may borrow its captures, `&mut self`
    /// included, across attempts:
    ///
    /// ```
    /// use retry_core::{Retry, error_type};
    /// use std::io;
    ///
    /// struct Conn { sent: u32 }
    /// impl Conn {
    ///     async fn send(&mut self) -> Result<u32, io::Error> {
    ///         self.sent += 1;
    ///         if self.sent < 3 { Err(io::Error::other("reset")) } else { Ok(self.sent) }
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), io::Error> {
    /// let policy = Retry::default().on(error_type::<io::Error>());
    /// let mut conn = Conn { sent: 0 };
    /// let sent = policy.call_async(async |_| conn.send().await).await?;
    /// assert_eq!(sent, 3);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// In code that is spawned (`tokio::spawn`, an axum handler), rustc cannot
    /// yet prove `Send` for an async closure that borrows its captures ("implementation
    /// of `Send` is not general enough"): use [`call_async_fn`](Self::call_async_fn)
    /// there, with a closure that returns an `async move` block, or the
    /// `#[retry]` attribute.
    pub async fn call_async<T, E, M>(&self, mut op: impl AsyncFnMut(Attempt) -> Result<T, E>) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
    {
        self.begin::<E>();
        let mut state = CallState::new();
        loop {
            match op(state.attempt(self)).await {
                Ok(value) => return Ok(value),
                Err(error) => match state.on_failure(self, error, || self.sleeper.now()) {
                    Next::Retry(wait) => crate::sleep::wait(&self.sleeper, wait).await,
                    Next::Stop(error) => return Err(error),
                },
            }
        }
    }
}
