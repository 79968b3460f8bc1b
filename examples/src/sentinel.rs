//! Replicated writes that ride out a Redis Sentinel failover.
//!
//! [`FailoverClient::set_replicated`] writes with `SET` and then `WAIT 1`, so a
//! write is acknowledged only once a replica has it: a write acknowledged before
//! the master dies is on the replica that the sentinel promotes.
//!
//! Retrying is two-level, the way a cluster client re-reads its topology:
//! - inner: reconnect with exponential backoff, a few times, to the master we know;
//! - outer: when the inner retries give up, ask the sentinel which server is
//!   the master now, and start a new inner cycle against it.
//!
//! Both levels are one call: [`Retry::call_with_refresh`].

use crate::connect;
use redis::{Client, Connection, RedisError};
use retry_core::Retry;
use retry_core::backoff::ExponentialBackoff;
use retry_core::predicates::redis::is_failover_error;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Why a replicated write failed.
#[derive(Debug)]
pub enum WriteError {
    /// Redis, or the connection to it, failed.
    Redis(RedisError),
    /// The master took the write, but no replica confirmed it within the
    /// `WAIT` timeout: not acknowledged, so it is retried.
    NotReplicated {
        /// How many replicas confirmed it (fewer than asked for).
        replicas: i64,
    },
}

impl From<RedisError> for WriteError {
    fn from(error: RedisError) -> Self {
        WriteError::Redis(error)
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Redis(error) => write!(f, "redis: {error}"),
            WriteError::NotReplicated { replicas } => {
                write!(f, "not replicated: {replicas} replicas confirmed the write")
            }
        }
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WriteError::Redis(error) => Some(error),
            WriteError::NotReplicated { .. } => None,
        }
    }
}

/// The `on` of both levels: a failover error (connection dropped or refused,
/// timeout, `LOADING`, `READONLY`, `MASTERDOWN`, ..) or a write not replicated yet.
#[must_use]
pub fn is_retryable(error: &WriteError) -> bool {
    match error {
        WriteError::Redis(error) => is_failover_error(error),
        WriteError::NotReplicated { .. } => true,
    }
}

/// Counters of a [`FailoverClient`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailoverStats {
    /// Write attempts, the first ones included.
    pub attempts: u32,
    /// Outer cycles: how often the inner retries gave up and the sentinel was asked.
    pub refreshes: u32,
    /// How often the sentinel named a different master than before.
    pub master_changes: u32,
}

struct Master {
    port: u16,
    conn: Option<Connection>,
}

/// A Sentinel-aware client that writes with `SET` + `WAIT 1`.
pub struct FailoverClient {
    sentinel: Client,
    master_name: String,
    master: Mutex<Master>,
    inner: Retry<ExponentialBackoff, fn(&WriteError) -> bool>,
    cycles: u32,
    wait_timeout: Duration,
    attempts: AtomicU32,
    refreshes: AtomicU32,
    master_changes: AtomicU32,
}

impl FailoverClient {
    /// The name its retries carry in hooks and `retries_total`.
    pub const NAME: &'static str = "examples::sentinel::FailoverClient::set_replicated";

    /// Asks the sentinel at `127.0.0.1:sentinel_port` for the master named
    /// `master_name`. Each inner cycle makes 4 attempts (3 retries, backoff
    /// 20 ms doubling up to 200 ms); after `cycles` more cycles (each begun by
    /// asking the sentinel again) a write gives up.
    ///
    /// # Errors
    ///
    /// If the sentinel does not answer or does not know the master.
    pub fn discover(sentinel_port: u16, master_name: &str, cycles: u32) -> Result<Self, WriteError> {
        let sentinel = Client::open(format!("redis://127.0.0.1:{sentinel_port}/"))?;
        let port = ask_sentinel(&sentinel, master_name)?;
        let backoff = ExponentialBackoff::new(Duration::from_millis(200), Duration::from_millis(20));
        let on: fn(&WriteError) -> bool = is_retryable;
        Ok(FailoverClient {
            sentinel,
            master_name: master_name.to_owned(),
            master: Mutex::new(Master { port, conn: None }),
            inner: Retry::new(backoff, 3).on(on).name(Self::NAME),
            cycles,
            wait_timeout: Duration::from_millis(100),
            attempts: AtomicU32::new(0),
            refreshes: AtomicU32::new(0),
            master_changes: AtomicU32::new(0),
        })
    }

    /// `SET key value` then `WAIT 1`: returns `Ok` only once a replica has the
    /// write. Retried through failovers: inner cycles reconnect with backoff,
    /// and between cycles the sentinel is asked for the current master.
    ///
    /// # Errors
    ///
    /// The last error once every cycle gave up, or the first error that is not
    /// a failover error.
    pub fn set_replicated(&self, key: &str, value: &str) -> Result<(), WriteError> {
        self.inner.call_with_refresh(self.cycles, |_attempt| self.try_set(key, value), |_error| self.refresh())
    }

    /// `GET key` on the current master, without retrying.
    ///
    /// # Errors
    ///
    /// Any error of the connection or the command.
    pub fn get(&self, key: &str) -> Result<Option<String>, WriteError> {
        let mut master = self.lock();
        let result = Self::connection(&mut master).and_then(|conn| redis::cmd("GET").arg(key).query(conn));
        if result.is_err() {
            master.conn = None;
        }
        Ok(result?)
    }

    /// The port of the master the client writes to.
    pub fn master_port(&self) -> u16 {
        self.lock().port
    }

    /// The counters so far.
    pub fn stats(&self) -> FailoverStats {
        FailoverStats {
            attempts: self.attempts.load(Ordering::Relaxed),
            refreshes: self.refreshes.load(Ordering::Relaxed),
            master_changes: self.master_changes.load(Ordering::Relaxed),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Master> {
        self.master.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connection(master: &mut Master) -> redis::RedisResult<&mut Connection> {
        match &mut master.conn {
            Some(conn) => Ok(conn),
            empty => {
                let client = Client::open(format!("redis://127.0.0.1:{}/", master.port))?;
                Ok(empty.insert(connect(&client)?))
            }
        }
    }

    /// One attempt: `SET`, then `WAIT 1 <timeout>`.
    fn try_set(&self, key: &str, value: &str) -> Result<(), WriteError> {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        let mut master = self.lock();
        let result = Self::connection(&mut master).and_then(|conn| {
            redis::cmd("SET").arg(key).arg(value).exec(conn)?;
            redis::cmd("WAIT")
                .arg(1)
                .arg(u64::try_from(self.wait_timeout.as_millis()).unwrap_or(u64::MAX))
                .query::<i64>(conn)
        });
        match result {
            Ok(replicas) if replicas >= 1 => Ok(()),
            Ok(replicas) => Err(WriteError::NotReplicated { replicas }),
            Err(error) => {
                // The connection may be broken: the next attempt makes a new one.
                master.conn = None;
                Err(WriteError::Redis(error))
            }
        }
    }

    /// The outer level: ask the sentinel for the current master.
    fn refresh(&self) {
        self.refreshes.fetch_add(1, Ordering::Relaxed);
        // A sentinel that does not answer leaves the master as it was.
        let port = match ask_sentinel(&self.sentinel, &self.master_name) {
            Ok(port) => port,
            Err(error) => {
                tracing::info!(target: "examples::sentinel", %error, "the sentinel did not answer");
                return;
            }
        };
        let mut master = self.lock();
        if master.port == port {
            tracing::info!(target: "examples::sentinel", master = port, "asked the sentinel: the master is unchanged");
        } else {
            tracing::info!(target: "examples::sentinel", old = master.port, new = port, "asked the sentinel: a new master");
            self.master_changes.fetch_add(1, Ordering::Relaxed);
            *master = Master { port, conn: None };
        }
    }
}

/// `SENTINEL get-master-addr-by-name`: the master's port.
fn ask_sentinel(sentinel: &Client, master_name: &str) -> redis::RedisResult<u16> {
    let mut conn = connect(sentinel)?;
    let addr: Option<(String, u16)> =
        redis::cmd("SENTINEL").arg("get-master-addr-by-name").arg(master_name).query(&mut conn)?;
    addr.map(|(_, port)| port)
        .ok_or_else(|| (redis::ErrorKind::MasterNameNotFoundBySentinel, "the sentinel does not know the master").into())
}
