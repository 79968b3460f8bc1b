//! The spawnable async forms: a closure that returns a future, instead of an
//! async closure.
//!
//! An async closure that borrows its captures (`async |_| conn.send().await`)
//! returns a future that borrows the closure itself, for a lifetime chosen anew at
//! each call. Inside `tokio::spawn` rustc then has to prove `Send` for that future
//! *for every* lifetime, which it cannot yet do, and reports "implementation of
//! `Send` is not general enough". A closure `|attempt| async move { .. }` returns a
//! future that owns what it needs: its type names no borrow of the closure, and the
//! whole call is `Send` exactly when its captures are.

use super::Retry;
use crate::backoff::Backoff;
use crate::engine::Attempt;
use crate::engine::run;
use crate::matching::RetryOn;
use crate::sleep::Sleeper;
use std::fmt::Debug;

impl<B: Backoff, O, S, Z> Retry<B, O, S, Z> {
    /// Runs the future `op` returns until one succeeds, fails with an error `on`
    /// rejects, or the policy gives up: [`call_async`](Self::call_async) for a
    /// closure that returns a future, the form to use in code that is spawned
    /// (`tokio::spawn`, an axum handler). The call's future is `Send` whenever
    /// the policy, the closure and its futures are.
    ///
    /// Clone what each attempt needs into its future (an `Arc`, a client
    /// handle: they are cheap to clone), and move it in with `async move`:
    ///
    /// ```
    /// use retry_core::{Retry, error_type};
    /// use std::io;
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    ///
    /// async fn send(sent: &AtomicU32) -> io::Result<u32> {
    ///     let n = sent.fetch_add(1, Ordering::SeqCst) + 1;
    ///     if n < 3 { Err(io::Error::other("reset")) } else { Ok(n) }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let policy = Arc::new(Retry::default().on(error_type::<io::Error>()));
    /// let sent = Arc::new(AtomicU32::new(0));
    /// let task = tokio::spawn(async move {
    ///     policy
    ///         .call_async_fn(|_attempt| {
    ///             let sent = Arc::clone(&sent);
    ///             async move { send(&sent).await }
    ///         })
    ///         .await
    /// });
    /// assert_eq!(task.await??, 3);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The last error `op` returned, unchanged: one `on` rejects, at once, or the
    /// one the policy gives up on (attempts used up, the deadline too near for
    /// the next wait, the retry budget empty). While retrying is switched off,
    /// the first one.
    pub async fn call_async_fn<T, E, M, F, Fut>(&self, op: F) -> Result<T, E>
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
    {
        run::run_async_fn(self, None, op, run::no_step(), 0, run::no_step()).await
    }

    /// [`call_with_retry_async`](Self::call_with_retry_async) for closures that
    /// return futures, spawnable like [`call_async_fn`](Self::call_async_fn):
    /// `fail` runs on every failure that `on` accepts, before the wait, and is
    /// given the error by reference; its future must not borrow it (copy out what
    /// it needs first).
    ///
    /// ```
    /// use retry_core::{Retry, backoff::NoBackoff, error_type};
    /// use std::io;
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let policy = Retry::new(NoBackoff, 2).on(error_type::<io::Error>());
    /// let dropped = Arc::new(AtomicU32::new(0));
    /// let counter = Arc::clone(&dropped);
    /// let result = tokio::spawn(async move {
    ///     policy
    ///         .call_with_retry_async_fn(
    ///             || async { Err::<(), _>(io::Error::other("connection reset")) },
    ///             |_error| {
    ///                 let dropped = Arc::clone(&counter);
    ///                 async move { dropped.fetch_add(1, Ordering::SeqCst); }
    ///             },
    ///         )
    ///         .await
    /// })
    /// .await?;
    /// assert!(result.is_err());
    /// assert_eq!(dropped.load(Ordering::SeqCst), 3);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The last error `op` returned, unchanged: one `on` rejects, at once, or the
    /// one the policy gives up on (attempts used up, the deadline too near for
    /// the next wait, the retry budget empty). While retrying is switched off,
    /// the first one.
    pub async fn call_with_retry_async_fn<T, E, M, F, Fut, G, GFut>(&self, mut op: F, fail: G) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        G: FnMut(&E) -> GFut,
        GFut: Future<Output = ()>,
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
    {
        let op = move |_: Attempt<'_>| op();
        run::run_async_fn(self, None, op, Some(fail), 0, run::no_step()).await
    }

    /// [`call_with_refresh_async`](Self::call_with_refresh_async) for closures
    /// that return futures, spawnable like [`call_async_fn`](Self::call_async_fn).
    /// `refreshes` counts the refreshes, the cycles after the first, as there.
    /// `refresh` is given the error by reference; its future must not borrow it.
    ///
    /// ```
    /// use retry_core::{Retry, backoff::NoBackoff, error_type};
    /// use std::io;
    /// use std::sync::{Arc, Mutex};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let policy = Retry::new(NoBackoff, 1).on(error_type::<io::Error>());
    /// let master = Arc::new(Mutex::new("10.0.0.1"));
    /// let task = tokio::spawn(async move {
    ///     policy
    ///         .call_with_refresh_async_fn(
    ///             3,
    ///             |_attempt| {
    ///                 let master = *master.lock().unwrap();
    ///                 async move {
    ///                     if master == "10.0.0.2" { Ok(master) } else { Err(io::Error::other("READONLY")) }
    ///                 }
    ///             },
    ///             |_error| {
    ///                 *master.lock().unwrap() = "10.0.0.2";
    ///                 async {}
    ///             },
    ///         )
    ///         .await
    /// });
    /// assert_eq!(task.await??, "10.0.0.2");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The last error `op` returned, unchanged: one `on` rejects, or one the retry
    /// budget refuses a retry for, at once; or, after `refreshes` refreshes, the
    /// one the last cycle gives up on (attempts used up, the deadline too near
    /// for the next wait). While retrying is switched off, the first one.
    pub async fn call_with_refresh_async_fn<T, E, M, F, Fut, R, RFut>(
        &self,
        refreshes: u32,
        op: F,
        refresh: R,
    ) -> Result<T, E>
    where
        F: FnMut(Attempt) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        R: FnMut(&E) -> RFut,
        RFut: Future<Output = ()>,
        O: RetryOn<E, M>,
        S: Sleeper,
        E: Debug,
    {
        run::run_async_fn(self, None, op, run::no_step(), refreshes, Some(refresh)).await
    }
}
