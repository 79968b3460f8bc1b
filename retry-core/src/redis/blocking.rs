//! [`BlockingRetryingConnection`]: redis-rs's sync `ConnectionLike`, with the
//! same rules as the async [`RetryingConnection`](super::RetryingConnection).

use super::call::CallRecord;
use super::commands::{self, Request};
use super::connection::{DefaultOn, declared};
use super::error::NotSent;
use super::target::{BlockingConnection, Target};
use super::{applied, classify::needs_reconnect, is_retryable};
use crate::Retry;
use crate::backoff::{Backoff, DefaultBackoff};
use crate::idempotency::{Applied, Idempotency};
use crate::sleep::DefaultSleeper;
use redis::{ConnectionLike, RedisError, RedisResult, Value};
use std::cell::RefCell;

/// A blocking Redis connection whose every command goes through a [`Retry`]
/// policy, with the rules of [`RetryingConnection`](super::RetryingConnection):
/// a failure that may have been applied is retried only for an idempotent
/// command, a broken connection is dropped and made again before the next
/// attempt, and the final error says when an earlier attempt may have been
/// applied. It implements redis-rs's sync [`redis::ConnectionLike`], so
/// `redis::Commands`, `cmd(..).query(&mut con)` and pipelines work unchanged.
/// Waits block the thread.
///
/// ```no_run
/// use redis::Commands;
/// use retry_core::redis::BlockingRetryingConnection;
///
/// let mut con = BlockingRetryingConnection::new(redis::Client::open("redis://127.0.0.1/")?);
/// let _: () = con.set("greeting", "hello")?;
/// let greeting: String = con.get("greeting")?;
/// # Ok::<(), redis::RedisError>(())
/// ```
pub struct BlockingRetryingConnection<B = DefaultBackoff, O = DefaultOn, S = DefaultSleeper> {
    target: Target,
    policy: Retry<B, O, S>,
    connection: Option<BlockingConnection>,
    connects: u32,
    mark: Option<Idempotency>,
}

impl BlockingRetryingConnection {
    /// A connection to `target` with the default policy (10 attempts, 45 s,
    /// exponential backoff with jitter, on [`is_retryable`] errors).
    pub fn new(target: impl Into<Target>) -> Self {
        Self::with_policy(target, Retry::default().on(is_retryable as DefaultOn))
    }
}

impl<B, O, S> BlockingRetryingConnection<B, O, S> {
    /// A connection to `target` retrying with `policy`; it connects on the first
    /// command.
    ///
    /// ```
    /// use retry_core::redis::{BlockingRetryingConnection, is_retryable};
    /// use retry_core::{Retry, backoff::ExponentialBackoff};
    ///
    /// let policy = Retry::new(ExponentialBackoff::default(), 3).on(is_retryable);
    /// let con = BlockingRetryingConnection::with_policy(redis::Client::open("redis://127.0.0.1/")?, policy);
    /// assert_eq!(con.connects(), 0, "not connected yet");
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    pub fn with_policy(target: impl Into<Target>, policy: Retry<B, O, S>) -> Self {
        BlockingRetryingConnection { target: target.into(), policy, connection: None, connects: 0, mark: None }
    }

    /// Counts the commands sent from now on as idempotent (`Some(Idempotent)`),
    /// as not idempotent (`Some(NotIdempotent)`), or by their names (`None`).
    ///
    /// ```
    /// use retry_core::idempotency::Idempotency;
    /// use retry_core::redis::BlockingRetryingConnection;
    ///
    /// let mut con = BlockingRetryingConnection::new(redis::Client::open("redis://127.0.0.1/")?);
    /// con.mark(Some(Idempotency::Idempotent)); // an INCR guarded by a request-id key, say
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    pub fn mark(&mut self, idempotency: Option<Idempotency>) {
        self.mark = idempotency;
    }

    /// The policy.
    pub fn policy(&self) -> &Retry<B, O, S> {
        &self.policy
    }

    /// How many connections were made so far.
    pub fn connects(&self) -> u32 {
        self.connects
    }
}

impl<B: Backoff, O: Fn(&RedisError) -> bool, S> BlockingRetryingConnection<B, O, S> {
    fn run<T>(
        &mut self,
        request: Request,
        mut send: impl FnMut(&mut dyn ConnectionLike) -> RedisResult<T>,
    ) -> RedisResult<T> {
        let idempotency = self.mark.unwrap_or(request.idempotency);
        let user_on = &self.policy.on;
        let on =
            |error: &RedisError| user_on(error) && applied(error).unwrap_or(Applied::Maybe).retry_safe(idempotency);
        let policy = self.policy.for_call(on, request.callable);
        let declared = declared(request);
        if !declared.is_done() {
            declared.declare::<RedisError, _, _, _, _>(&policy);
        }
        let target = &self.target;
        let slot = RefCell::new((&mut self.connection, &mut self.connects));
        let record = CallRecord::default();
        let attempt = |_: crate::engine::Attempt<'_>| {
            record.attempt();
            let mut slot = slot.borrow_mut();
            let (connection, connects) = &mut *slot;
            let connection = match connection {
                Some(connection) => connection,
                empty => {
                    let fresh = target.connect_blocking().map_err(NotSent::wrap)?;
                    **connects += 1;
                    empty.insert(fresh)
                }
            };
            let result = send(connection.get());
            if let Err(error) = &result {
                if needs_reconnect(error) {
                    *slot.0 = None;
                }
                record.failed(error);
            }
            result
        };
        let refresh = |_: &RedisError| *slot.borrow_mut().0 = None;
        let result = policy.call_with_refresh(target.max_refreshes(), attempt, refresh);
        result.map_err(|last| record.finish(last))
    }
}

impl<B: Backoff, O: Fn(&RedisError) -> bool, S> ConnectionLike for BlockingRetryingConnection<B, O, S> {
    fn req_packed_command(&mut self, cmd: &[u8]) -> RedisResult<Value> {
        self.run(commands::of_packed(cmd), |connection| connection.req_packed_command(cmd))
    }

    fn req_packed_commands(&mut self, cmd: &[u8], offset: usize, count: usize) -> RedisResult<Vec<Value>> {
        self.run(commands::of_packed(cmd), |connection| connection.req_packed_commands(cmd, offset, count))
    }

    fn get_db(&self) -> i64 {
        self.target.db()
    }

    /// Sends `PING` under the policy.
    fn check_connection(&mut self) -> bool {
        redis::cmd("PING").query::<String>(self).is_ok()
    }

    /// Always `true`: a broken connection is made again by the next command.
    fn is_open(&self) -> bool {
        true
    }
}
