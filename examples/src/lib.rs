//! The client code of the examples: what a user of retry-core writes.
//!
//! The runnable examples (`examples/*.rs`) and the end-to-end tests
//! (`examples/tests/*.rs`) both drive this code against real servers, so what
//! the examples show is what the tests prove.
//!
//! - [`redis_store`]: writes to a standalone Redis that survive a server restart,
//!   with valkey-py's standalone retry settings on retry-core's retrying connection.
//! - [`replicated_writes`]: `SET` + `WAIT 1` from several tasks, for the failover tests.
//! - [`sentinel`]: replicated writes that ride out a Sentinel failover with a
//!   two-level retry (reconnect with backoff; then ask the sentinel for the master).

#![forbid(unsafe_code)]

pub mod redis_store;
pub mod replicated_writes;
pub mod sentinel;

use std::time::Duration;

/// Connect, read and write timeout of the examples' Redis connections.
pub const REDIS_IO_TIMEOUT: Duration = Duration::from_secs(1);
/// The examples' Redis backoff: valkey-py's `ExponentialBackoff(cap=0.5, base=0.01)`.
pub const REDIS_CAP: Duration = Duration::from_millis(500);
/// See [`REDIS_CAP`].
pub const REDIS_BASE: Duration = Duration::from_millis(10);

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
