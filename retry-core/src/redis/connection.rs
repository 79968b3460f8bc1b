//! [`RetryingConnection`]: redis-rs's async `ConnectionLike`, every command
//! retried by a [`Retry`] policy, and only where a retry cannot apply it twice.

use super::call::CallRecord;
use super::commands::{self, Request};
use super::error::NotSent;
use super::target::{Connection, Target};
use super::{applied, classify::needs_reconnect, is_retryable};
use crate::Retry;
use crate::backoff::{Backoff, DefaultBackoff};
use crate::engine::Declared;
use crate::idempotency::{Applied, Idempotency};
use crate::sleep::{DefaultSleeper, Sleeper};
use redis::{Cmd, Pipeline, RedisError, RedisFuture, RedisResult, Value};
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The `on` of the default policy: [`is_retryable`].
pub type DefaultOn = fn(&RedisError) -> bool;

/// A Redis connection whose every command goes through a [`Retry`] policy:
/// `con.set("k", 1).await?`, `cmd(..).query_async(&mut con)`, pipelines and
/// transactions, all unchanged, since it implements redis-rs's
/// [`redis::aio::ConnectionLike`].
///
/// - **Safe by default.** A failure that surely was not applied (connection
///   refused, `LOADING`, `READONLY`...) is retried for any command; one that may
///   have been (a timeout after sending, a connection closed mid-reply) only for
///   an idempotent command (`GET`, `SET`, `DEL`, `HSET`...; a pipeline when all
///   of its commands are), never for `INCR`, `LPUSH`, `XADD *`. See
///   [`applied`](super::applied) and `docs/idempotency.md`.
///   [`idempotent`](Self::idempotent) and [`not_idempotent`](Self::not_idempotent)
///   override the command table for the calls made through the handle they return.
/// - **The final error tells.** When an earlier attempt may have been applied
///   and the last error does not say so, the error is a
///   [`MayHaveBeenApplied`]; [`may_have_been_applied`](super::may_have_been_applied)
///   answers for any error.
/// - **Reconnects, as valkey's `fail` step.** A broken connection, or one to a
///   server that changed role (`READONLY`, `MASTERDOWN`), is dropped before the
///   next attempt, which connects again (asking the sentinels again, for a
///   Sentinel [`Target`]). After the policy gives up, up to
///   [`Target::refreshes`] refresh cycles start over from scratch.
/// - **Observable.** Retries go through the hooks and metrics with `callable`
///   `redis::<COMMAND>` (`redis::SET`, `redis::<pipeline>`, `redis::<other>`),
///   never the arguments.
///
/// It connects lazily, on the first command, so that a server still starting is
/// retried too. Clones share one connection.
///
/// ```no_run
/// use redis::AsyncCommands;
/// use retry_core::redis::RetryingConnection;
///
/// # async fn run() -> redis::RedisResult<()> {
/// let mut con = RetryingConnection::new(redis::Client::open("redis://127.0.0.1/")?);
/// let _: () = con.set("greeting", "hello").await?; // retried through a restart
/// let n: i64 = con.incr("visits", 1).await?; // never sent twice
/// # let _ = n; Ok(()) }
/// ```
pub struct RetryingConnection<B = DefaultBackoff, O = DefaultOn, S = DefaultSleeper> {
    shared: Arc<Shared<B, O, S>>,
    mark: Option<Idempotency>,
}

struct Shared<B, O, S> {
    target: Target,
    policy: Retry<B, O, S>,
    slot: Mutex<Slot>,
    connects: AtomicU32,
}

/// The connection every clone uses, and which one it is: a failed attempt drops
/// it only if nobody replaced it since.
#[derive(Default)]
struct Slot {
    connection: Option<Connection>,
    generation: u64,
}

impl<B, O, S> Clone for RetryingConnection<B, O, S> {
    fn clone(&self) -> Self {
        RetryingConnection { shared: Arc::clone(&self.shared), mark: self.mark }
    }
}

impl RetryingConnection {
    /// A connection to `target` (a `redis::Client`, or a [`Target`]) with the default policy: 10 attempts, 45 s, exponential
    /// backoff with jitter, on [`is_retryable`] errors.
    pub fn new(target: impl Into<Target>) -> Self {
        Self::with_policy(target, Retry::default().on(is_retryable as DefaultOn))
    }
}

impl<B, O, S> RetryingConnection<B, O, S>
where
    O: Fn(&RedisError) -> bool,
{
    /// A connection to `target` retrying with `policy`. The policy's `on` says
    /// which errors are transient; the connection adds the idempotency rule on
    /// top, so an `on` that accepts a timeout still never re-sends an `INCR`.
    ///
    /// ```
    /// use retry_core::redis::{RetryingConnection, is_retryable};
    /// use retry_core::{Retry, backoff::ExponentialBackoff};
    ///
    /// // valkey-py: Redis(retry=Retry(ExponentialBackoff(), 3))
    /// let policy = Retry::new(ExponentialBackoff::default(), 3).on(is_retryable);
    /// let con = RetryingConnection::with_policy(redis::Client::open("redis://127.0.0.1/")?, policy);
    /// assert_eq!(con.policy().max_attempts(), Some(4));
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    pub fn with_policy(target: impl Into<Target>, policy: Retry<B, O, S>) -> Self {
        let shared = Shared { target: target.into(), policy, slot: Mutex::default(), connects: AtomicU32::new(0) };
        RetryingConnection { shared: Arc::new(shared), mark: None }
    }
}

impl<B, O, S> RetryingConnection<B, O, S> {
    /// A handle whose commands count as idempotent, whatever their names say:
    /// for a script or an `INCR` that your own design makes safe to run twice
    /// (a key that records the request id, say).
    ///
    /// ```
    /// use retry_core::redis::RetryingConnection;
    ///
    /// let con = RetryingConnection::new(redis::Client::open("redis://127.0.0.1/")?);
    /// let mut marked = con.idempotent();
    /// # let _ = &mut marked; Ok::<(), redis::RedisError>(())
    /// ```
    pub fn idempotent(&self) -> Self {
        RetryingConnection { shared: Arc::clone(&self.shared), mark: Some(Idempotency::Idempotent) }
    }

    /// A handle whose commands count as not idempotent: a failure that may have
    /// been applied is never retried, even for `SET`.
    pub fn not_idempotent(&self) -> Self {
        RetryingConnection { shared: Arc::clone(&self.shared), mark: Some(Idempotency::NotIdempotent) }
    }

    /// The policy.
    pub fn policy(&self) -> &Retry<B, O, S> {
        &self.shared.policy
    }

    /// How many connections were made so far: 1 after the first command, one
    /// more after each reconnect.
    pub fn connects(&self) -> u32 {
        self.shared.connects.load(Ordering::Relaxed)
    }

    /// Drops the shared connection; the next command connects again.
    pub fn disconnect(&self) {
        self.shared.lock().connection = None;
    }
}

impl<B, O, S> Shared<B, O, S> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current connection, connecting first if there is none.
    async fn connection(&self) -> RedisResult<(Connection, u64)> {
        {
            let slot = self.lock();
            if let Some(connection) = &slot.connection {
                return Ok((connection.clone(), slot.generation));
            }
        }
        let fresh = self.target.connect().await?;
        self.connects.fetch_add(1, Ordering::Relaxed);
        let mut slot = self.lock();
        // Another clone may have connected meanwhile: keep one connection.
        if let Some(connection) = &slot.connection {
            return Ok((connection.clone(), slot.generation));
        }
        slot.generation += 1;
        slot.connection = Some(fresh.clone());
        Ok((fresh, slot.generation))
    }

    /// Drops the connection `generation` if it is still the current one.
    fn drop_connection(&self, generation: u64) {
        let mut slot = self.lock();
        if slot.generation == generation {
            slot.connection = None;
        }
    }
}

impl<B, O, S> RetryingConnection<B, O, S>
where
    B: Backoff + Sync,
    O: Fn(&RedisError) -> bool + Sync,
    S: Sleeper + Sync,
{
    /// Sends one request under the policy; `send` sends it once on a connection.
    async fn run<T, F, Fut>(&self, request: Request, send: F) -> RedisResult<T>
    where
        F: Fn(Connection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        let shared = &*self.shared;
        let idempotency = self.mark.unwrap_or(request.idempotency);
        let record = CallRecord::default();
        let on = |error: &RedisError| {
            (shared.policy.on)(error) && applied(error).unwrap_or(Applied::Maybe).retry_safe(idempotency)
        };
        let policy = shared.policy.for_call(on, request.callable);
        let declared = declared(request);
        if !declared.is_done() {
            declared.declare::<RedisError, _, _, _>(&policy);
        }
        let attempt = |_| {
            let record = &record;
            let send = &send;
            async move {
                record.attempt();
                let (connection, generation) = shared.connection().await.map_err(NotSent::wrap)?;
                let result = send(connection).await;
                if let Err(error) = &result {
                    if needs_reconnect(error) {
                        shared.drop_connection(generation);
                    }
                    record.failed(error);
                }
                result
            }
        };
        let refresh = |_: &RedisError| {
            shared.lock().connection = None;
            std::future::ready(())
        };
        let result = policy.call_async_with_refresh_fn(shared.target.max_refreshes(), attempt, refresh).await;
        result.map_err(|last| record.finish(last))
    }
}

/// The declaration flag of a request's callable.
pub(crate) fn declared(request: Request) -> &'static Declared {
    static PIPELINE: Declared = Declared::new();
    static OTHER: Declared = Declared::new();
    match request.index {
        Some(index) => &commands::DECLARED[index],
        None if request.callable == commands::PIPELINE => &PIPELINE,
        None => &OTHER,
    }
}

impl<B, O, S> redis::aio::ConnectionLike for RetryingConnection<B, O, S>
where
    B: Backoff + Send + Sync,
    O: Fn(&RedisError) -> bool + Send + Sync,
    S: Sleeper + Send + Sync,
    S::Sleep: Send,
{
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(self.run(commands::of_cmd(cmd), move |mut connection| async move { connection.command(cmd).await }))
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(self.run(commands::of_pipeline(pipeline), move |mut connection| async move {
            connection.commands(pipeline, offset, count).await
        }))
    }

    fn get_db(&self) -> i64 {
        self.shared.target.db()
    }
}
