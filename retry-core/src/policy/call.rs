use super::Retry;
use crate::backoff::Backoff;
use crate::engine::Attempt;
use crate::engine::run::{self, NoAsyncStep, NoSyncStep};
use crate::matching::RetryOn;
use crate::sleep::{BlockingSleeper, Sleeper};
use std::fmt::Debug;

impl<B: Backoff, O, S, Z> Retry<B, O, S, Z> {
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
    ///
    /// # Errors
    ///
    /// The last error `op` returned, unchanged: one `on` rejects, at once, or the
    /// one the policy gives up on (attempts used up, the deadline too near for
    /// the next wait, the retry budget empty). While retrying is switched off,
    /// the first one.
    pub fn call<T, E, M>(&self, op: impl FnMut(Attempt) -> Result<T, E>) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        E: Debug,
        Z: BlockingSleeper,
    {
        run::blocking(self, &self.blocking, op, NoSyncStep, 0, NoSyncStep)
    }

    /// Block and tell the time with `sleeper` in sync calls ([`call`](Self::call),
    /// [`call_with_retry`](Self::call_with_retry), [`call_with_refresh`](Self::call_with_refresh)),
    /// instead of the thread's sleep and the system clock: a virtual clock in tests,
    /// so that a sync schedule is exact and takes no time. A reference to a
    /// sleeper is one too, so a test can read its clock after the call.
    ///
    /// ```
    /// use retry_core::sleep::BlockingSleeper;
    /// use retry_core::{Retry, error_type};
    /// use std::cell::RefCell;
    /// use std::{io, time::Duration};
    ///
    /// #[derive(Default)]
    /// struct Recorder(RefCell<Vec<Duration>>);
    /// impl BlockingSleeper for Recorder {
    ///     fn sleep(&self, wait: Duration) {
    ///         self.0.borrow_mut().push(wait);
    ///     }
    /// }
    ///
    /// let recorder = Recorder::default();
    /// let policy = Retry::builder()
    ///     .attempts(3)
    ///     .wait_initial(Duration::from_secs(1))
    ///     .wait_jitter(Duration::ZERO)
    ///     .build()?
    ///     .on(error_type::<io::Error>())
    ///     .blocking_sleeper(&recorder);
    /// let result: Result<(), io::Error> = policy.call(|_| Err(io::Error::other("down")));
    /// assert!(result.is_err());
    /// assert_eq!(*recorder.0.borrow(), [Duration::from_secs(1), Duration::from_secs(2)]);
    /// # Ok::<(), retry_core::ConfigError>(())
    /// ```
    pub fn blocking_sleeper<Z2: BlockingSleeper>(self, sleeper: Z2) -> Retry<B, O, S, Z2> {
        Retry {
            attempts: self.attempts,
            timeout: self.timeout,
            backoff: self.backoff,
            on: self.on,
            sleeper: self.sleeper,
            blocking: sleeper,
            name: self.name,
            seed: self.seed,
            budget: self.budget,
            declared: self.declared,
            on_retry: self.on_retry,
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
    ///
    /// # Errors
    ///
    /// The last error `op` returned, unchanged: one `on` rejects, at once, or the
    /// one the policy gives up on (attempts used up, the deadline too near for
    /// the next wait, the retry budget empty). While retrying is switched off,
    /// the first one.
    pub async fn call_async<T, E, M>(&self, op: impl AsyncFnMut(Attempt) -> Result<T, E>) -> Result<T, E>
    where
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
    {
        run::run_async(self, op, NoAsyncStep, 0, NoAsyncStep).await
    }
}
