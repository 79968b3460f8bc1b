//! The client code of the examples: what a user of retry-core writes.
//!
//! The runnable examples (`examples/*.rs`) and the end-to-end tests
//! (`examples/tests/*.rs`) both drive this code against real servers, so what
//! the examples show is what the tests prove.
//!
//! - [`redis_store`]: writes to a standalone Redis that survive a server restart,
//!   once with `#[retry]` and once with redis-py's
//!   `Retry(backoff, retries).call_with_retry(do, fail)`.
//! - [`sentinel`]: replicated writes that ride out a Sentinel failover with a
//!   two-level retry (reconnect with backoff; then ask the sentinel for the master).

#![forbid(unsafe_code)]

pub mod redis_store;
pub mod sentinel;

use std::time::Duration;

/// Connect, read and write timeout of the examples' Redis connections.
pub const REDIS_IO_TIMEOUT: Duration = Duration::from_secs(1);

/// A connection to `url` with [`REDIS_IO_TIMEOUT`] on connect, reads and writes.
///
/// # Errors
///
/// If the server refuses or does not answer.
pub fn connect(client: &redis::Client) -> redis::RedisResult<redis::Connection> {
    let conn = client.get_connection_with_timeout(REDIS_IO_TIMEOUT)?;
    conn.set_read_timeout(Some(REDIS_IO_TIMEOUT))?;
    conn.set_write_timeout(Some(REDIS_IO_TIMEOUT))?;
    Ok(conn)
}
