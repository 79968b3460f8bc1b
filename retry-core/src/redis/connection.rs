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
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
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
///   [`MayHaveBeenApplied`](super::MayHaveBeenApplied); [`may_have_been_applied`](super::may_have_been_applied)
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
    /// This handle's copy of the shared connection and its generation, so that
    /// a first attempt takes no lock and clones nothing.
    cached: Option<(Connection, u64)>,
}

struct Shared<B, O, S> {
    target: Target,
    policy: Retry<B, O, S>,
    slot: Mutex<Slot>,
    /// The generation of the connection in `slot`, 0 when there is none: read
    /// without the lock to tell whether a handle's copy is still current.
    current: AtomicU64,
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
        RetryingConnection { shared: Arc::clone(&self.shared), mark: self.mark, cached: None }
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
        let shared = Shared {
            target: target.into(),
            policy,
            slot: Mutex::default(),
            current: AtomicU64::new(0),
            connects: AtomicU32::new(0),
        };
        RetryingConnection { shared: Arc::new(shared), mark: None, cached: None }
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
    #[must_use]
    pub fn idempotent(&self) -> Self {
        RetryingConnection { shared: Arc::clone(&self.shared), mark: Some(Idempotency::Idempotent), cached: None }
    }

    /// A handle whose commands count as not idempotent: a failure that may have
    /// been applied is never retried, even for `SET`.
    #[must_use]
    pub fn not_idempotent(&self) -> Self {
        RetryingConnection { shared: Arc::clone(&self.shared), mark: Some(Idempotency::NotIdempotent), cached: None }
    }

    /// The policy.
    #[must_use]
    pub fn policy(&self) -> &Retry<B, O, S> {
        &self.shared.policy
    }

    /// How many connections were made so far: 1 after the first command, one
    /// more after each reconnect.
    #[must_use]
    pub fn connects(&self) -> u32 {
        self.shared.connects.load(Ordering::Relaxed)
    }

    /// Drops the shared connection; the next command connects again.
    pub fn disconnect(&self) {
        self.shared.forget();
    }
}

impl<B, O, S> Shared<B, O, S> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current connection, connecting first if there is none.
    async fn connection(&self) -> RedisResult<(Connection, u64)> {
        if let Some(current) = self.current() {
            return Ok(current);
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
        self.current.store(slot.generation, Ordering::Relaxed);
        Ok((fresh, slot.generation))
    }

    /// The current connection, if there is one.
    fn current(&self) -> Option<(Connection, u64)> {
        let slot = self.lock();
        slot.connection.as_ref().map(|connection| (connection.clone(), slot.generation))
    }

    /// Drops the connection `generation` if it is still the current one.
    fn drop_connection(&self, generation: u64) {
        let mut slot = self.lock();
        if slot.generation == generation {
            slot.connection = None;
            self.current.store(0, Ordering::Relaxed);
        }
    }

    /// Drops the current connection, whichever it is.
    fn forget(&self) {
        let mut slot = self.lock();
        slot.connection = None;
        self.current.store(0, Ordering::Relaxed);
    }
}

/// A request as redis-rs hands it to a connection: a command, or a range of a
/// pipeline (whose replies travel as one `Value::Array`).
#[derive(Clone, Copy)]
enum Packed<'p> {
    Command(&'p Cmd),
    Pipeline(&'p Pipeline, usize, usize),
}

impl Packed<'_> {
    fn request(self) -> Request {
        match self {
            Packed::Command(cmd) => commands::of_cmd(cmd),
            Packed::Pipeline(pipeline, ..) => commands::of_pipeline(pipeline),
        }
    }

    async fn send(self, connection: &mut Connection) -> RedisResult<Value> {
        match self {
            Packed::Command(cmd) => connection.command(cmd).await,
            Packed::Pipeline(pipeline, offset, count) => {
                connection.commands(pipeline, offset, count).await.map(Value::Array)
            }
        }
    }
}

impl<B, O, S> RetryingConnection<B, O, S>
where
    B: Backoff + Send + Sync,
    O: Fn(&RedisError) -> bool + Send + Sync,
    S: Sleeper + Send + Sync,
    S::Sleep: Send,
{
    /// Sends one request. The first attempt goes straight to this handle's copy
    /// of the connection: no lock, no clone, no retry state. Anything else (no
    /// connection yet, a failure, a callable not declared yet) takes the
    /// retrying path, out of line.
    async fn send(&mut self, packed: Packed<'_>) -> RedisResult<Value> {
        let request = packed.request();
        let current = self.shared.current.load(Ordering::Relaxed);
        if let Some((connection, generation)) = &mut self.cached
            && *generation == current
            && declared(request).is_done()
        {
            let generation = *generation;
            self.shared.policy.deposit();
            return match packed.send(connection).await {
                Ok(value) => Ok(value),
                Err(first) => self.retry_out_of_line(request, packed, Some((first, generation))).await,
            };
        }
        self.retry_out_of_line(request, packed, None).await
    }

    /// [`retry`](Self::retry) in a box of its own, so that the first attempt's
    /// future stays small; then this handle copies the connection that is
    /// current now.
    async fn retry_out_of_line(
        &mut self,
        request: Request,
        packed: Packed<'_>,
        first: Option<(RedisError, u64)>,
    ) -> RedisResult<Value> {
        let result = Box::pin(self.retry(request, packed, first)).await;
        self.cached = self.shared.current();
        result
    }

    /// The retrying path: the first attempt's failure, if it was made, then the
    /// policy's loop; the policy decides per failure, with the idempotency rule.
    async fn retry(
        &self,
        request: Request,
        packed: Packed<'_>,
        first: Option<(RedisError, u64)>,
    ) -> RedisResult<Value> {
        let shared = &*self.shared;
        let idempotency = self.mark.unwrap_or(request.idempotency);
        let record = CallRecord::default();
        let on = |error: &RedisError| {
            (shared.policy.on)(error) && applied(error).unwrap_or(Applied::Maybe).retry_safe(idempotency)
        };
        let policy = shared.policy.for_call(on, request.callable);
        let declared = declared(request);
        if !declared.is_done() {
            declared.declare::<RedisError, _, _, _, _>(&policy);
        }
        let failed = |error: &RedisError, generation: u64| {
            if needs_reconnect(error) {
                shared.drop_connection(generation);
            }
            record.failed(error);
        };
        let first = first.map(|(error, generation)| {
            record.attempt();
            failed(&error, generation);
            error
        });
        let attempt = || {
            let (record, failed) = (&record, &failed);
            async move {
                record.attempt();
                let (mut connection, generation) = shared.connection().await.map_err(NotSent::wrap)?;
                let result = packed.send(&mut connection).await;
                if let Err(error) = &result {
                    failed(error, generation);
                }
                result
            }
        };
        let refresh = |_: &RedisError| {
            shared.forget();
            std::future::ready(())
        };
        let result = policy.continue_with_refresh_async(shared.target.max_refreshes(), first, attempt, refresh).await;
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
        Box::pin(self.send(Packed::Command(cmd)))
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            match self.send(Packed::Pipeline(pipeline, offset, count)).await? {
                Value::Array(replies) => Ok(replies),
                _ => {
                    Err(RedisError::from((redis::ErrorKind::Client, "a pipeline's replies did not come as one array")))
                }
            }
        })
    }

    fn get_db(&self) -> i64 {
        self.shared.target.db()
    }
}
