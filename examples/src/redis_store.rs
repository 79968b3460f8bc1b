//! Writes to a standalone Redis that survive the server being killed and restarted.
//!
//! valkey-py's standalone retry settings, `Redis(retry=Retry(ExponentialBackoff(cap,
//! base), 30), retry_on_error=[...])`, on retry-core's
//! [`BlockingRetryingConnection`]: the policy is given once, at the connection,
//! and every command goes through it. The connection drops a broken connection
//! and connects again before the next attempt; it retries a failure that may have
//! been applied only for idempotent commands (`SET` is; `INCR` is not).

use redis::{Commands, RedisResult};
use retry_core::Retry;
use retry_core::backoff::ExponentialBackoff;
use retry_core::redis::{BlockingRetryingConnection, DefaultOn, Target, is_retryable};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A store whose every command retries through a restart.
pub struct Store {
    con: Mutex<BlockingRetryingConnection<ExponentialBackoff, DefaultOn>>,
}

impl Store {
    /// A store for the server at `url` (`redis://127.0.0.1:port/`), retrying
    /// each command up to `retries` times after the first attempt, with
    /// exponential backoff from 10 ms up to a cap of 500 ms, and 1 s connect
    /// and reply timeouts. It connects on the first command.
    ///
    /// # Errors
    ///
    /// If the URL is not a Redis URL.
    pub fn open(url: &str, retries: u32) -> RedisResult<Self> {
        let backoff = ExponentialBackoff::new(crate::REDIS_CAP, crate::REDIS_BASE);
        let policy = Retry::new(backoff, retries).on(is_retryable as DefaultOn);
        let target = Target::standalone(redis::Client::open(url)?)
            .timeouts(Some(crate::REDIS_IO_TIMEOUT), Some(crate::REDIS_IO_TIMEOUT));
        Ok(Store { con: Mutex::new(BlockingRetryingConnection::with_policy(target, policy)) })
    }

    fn con(&self) -> MutexGuard<'_, BlockingRetryingConnection<ExponentialBackoff, DefaultOn>> {
        self.con.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `SET key value`, retried while the server restarts.
    ///
    /// # Errors
    ///
    /// The last error once the retries are used up, or the first that is not
    /// worth retrying.
    pub fn set(&self, key: &str, value: &str) -> RedisResult<()> {
        self.con().set(key, value)
    }

    /// `GET key`, retried as `SET` is.
    ///
    /// # Errors
    ///
    /// As [`set`](Self::set).
    pub fn get(&self, key: &str) -> RedisResult<Option<String>> {
        self.con().get(key)
    }

    /// `INCR key`: retried only when it surely did not run (the connection was
    /// refused, the server said `LOADING`), never after a lost reply.
    ///
    /// # Errors
    ///
    /// As [`set`](Self::set); an error after which the increment may have
    /// happened says so (`retry_core::redis::may_have_been_applied`).
    pub fn incr(&self, key: &str) -> RedisResult<i64> {
        self.con().incr(key, 1)
    }

    /// How many connections the store has opened.
    pub fn connects(&self) -> u32 {
        self.con().connects()
    }
}
