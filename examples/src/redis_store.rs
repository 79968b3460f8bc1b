//! Writes to a standalone Redis that survive the server being killed and restarted.
//!
//! Both stores keep one connection and throw it away when it breaks, so that the
//! next attempt reconnects: that is what makes a retry after a restart useful.
//! [`Store`] retries with the `#[retry]` attribute; [`PyStyleStore`] with the
//! redis-py / valkey-py API, `Retry::new(backoff, retries).call_with_retry(do, fail)`,
//! where `fail` drops the broken connection.

use crate::connect;
use redis::{Client, Connection, RedisError, RedisResult};
use retry_core::backoff::ExponentialBackoff;
use retry_core::predicates::redis::is_transient_redis_error;
use retry_core::{Retry, retry};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// One cached connection, replaced after any error.
struct Slot {
    client: Client,
    conn: Mutex<Option<Connection>>,
    connects: AtomicU32,
    attempts: AtomicU32,
}

impl Slot {
    /// `GET key` once; a failure drops the connection so the next command reconnects.
    fn get(&self, key: &str) -> RedisResult<Option<String>> {
        let result = self.with(|conn| redis::cmd("GET").arg(key).query(conn));
        if result.is_err() {
            self.drop_connection();
        }
        result
    }

    fn new(url: &str) -> RedisResult<Self> {
        Ok(Slot {
            client: Client::open(url)?,
            conn: Mutex::new(None),
            connects: AtomicU32::new(0),
            attempts: AtomicU32::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Option<Connection>> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the connection, connecting first if there is none.
    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> RedisResult<T>) -> RedisResult<T> {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let mut slot = self.lock();
        let conn = match &mut *slot {
            Some(conn) => conn,
            empty => {
                let conn = connect(&self.client)?;
                self.connects.fetch_add(1, Ordering::Relaxed);
                empty.insert(conn)
            }
        };
        f(conn)
    }

    fn drop_connection(&self) {
        *self.lock() = None;
    }
}

/// A Redis store whose writes retry through `#[retry]`.
pub struct Store {
    slot: Slot,
}

impl Store {
    /// A store for the server at `url` (`redis://127.0.0.1:port/`); connects lazily.
    ///
    /// # Errors
    ///
    /// If the URL is not a Redis URL.
    pub fn open(url: &str) -> RedisResult<Self> {
        Ok(Store { slot: Slot::new(url)? })
    }

    /// `SET key value`, retried while the error is transient: the connection
    /// dropped (the server was killed), refused (it is restarting), or `LOADING`
    /// (it is reading its data back). At most 50 attempts and 20 s of retrying;
    /// waits grow from 20 ms to at most 500 ms, plus up to 20 ms of jitter.
    ///
    /// `SET` is idempotent, so repeating a write that reached the server before
    /// the connection broke is harmless.
    ///
    /// # Errors
    ///
    /// The last error, if the server did not come back in time, or the first
    /// error that is not transient.
    #[retry(
        on = is_transient_redis_error,
        attempts = 50,
        timeout = "20s",
        wait_initial = "20ms",
        wait_max = "500ms",
        wait_jitter = "20ms"
    )]
    pub fn set(&self, key: &str, value: &str) -> RedisResult<()> {
        let result = self.slot.with(|conn| redis::cmd("SET").arg(key).arg(value).exec(conn));
        if result.is_err() {
            // The connection may be broken: the next attempt makes a new one.
            self.slot.drop_connection();
        }
        result
    }

    /// `GET key`, without retrying.
    ///
    /// # Errors
    ///
    /// Any error of the connection or the command.
    pub fn get(&self, key: &str) -> RedisResult<Option<String>> {
        self.slot.get(key)
    }

    /// How many connections the store has opened (connected successfully).
    pub fn connects(&self) -> u32 {
        self.slot.connects.load(Ordering::Relaxed)
    }

    /// How many commands the store has tried, retries included.
    pub fn attempts(&self) -> u32 {
        self.slot.attempts.load(Ordering::Relaxed)
    }
}

/// The same store, written with redis-py's API:
/// `Retry(ExponentialBackoff(cap, base), retries)` and `call_with_retry(do, fail)`.
pub struct PyStyleStore {
    slot: Slot,
    retry: Retry<ExponentialBackoff, fn(&RedisError) -> bool>,
}

impl PyStyleStore {
    /// The name its retries carry in hooks and `retries_total`.
    pub const NAME: &'static str = "examples::redis_store::PyStyleStore::set";

    /// A store for the server at `url`; `retries` retries after the first
    /// attempt, with exponential backoff from 10 ms up to a cap of 500 ms.
    ///
    /// # Errors
    ///
    /// If the URL is not a Redis URL.
    pub fn open(url: &str, retries: u32) -> RedisResult<Self> {
        let backoff = ExponentialBackoff::new(Duration::from_millis(500), Duration::from_millis(10));
        let on: fn(&RedisError) -> bool = is_transient_redis_error;
        Ok(PyStyleStore { slot: Slot::new(url)?, retry: Retry::new(backoff, retries).on(on).name(Self::NAME) })
    }

    /// `SET key value` through `call_with_retry`: `do` runs the command, `fail`
    /// drops the connection after every retryable failure.
    ///
    /// # Errors
    ///
    /// The last error once the retries are used up, or the first that is not transient.
    pub fn set(&self, key: &str, value: &str) -> RedisResult<()> {
        self.retry.call_with_retry(
            || self.slot.with(|conn| redis::cmd("SET").arg(key).arg(value).exec(conn)),
            |_error| self.slot.drop_connection(),
        )
    }

    /// `GET key`, without retrying.
    ///
    /// # Errors
    ///
    /// Any error of the connection or the command.
    pub fn get(&self, key: &str) -> RedisResult<Option<String>> {
        self.slot.get(key)
    }

    /// How many connections the store has opened (connected successfully).
    pub fn connects(&self) -> u32 {
        self.slot.connects.load(Ordering::Relaxed)
    }

    /// How many commands the store has tried, retries included.
    pub fn attempts(&self) -> u32 {
        self.slot.attempts.load(Ordering::Relaxed)
    }
}
