//! Redis (feature `redis`): a connection that retries every command with a
//! [`Retry`](crate::Retry) policy, and never sends one twice unless that is safe.
//!
//! valkey-py takes a policy once, at the client, and every command is retried:
//! `Redis(retry=Retry(ExponentialBackoff(), 3))`. [`RetryingConnection`] does
//! that for redis-rs 1.x: it implements `redis::aio::ConnectionLike`, so typed
//! commands, `cmd(..)`, pipelines and transactions go through it unchanged, to
//! one server, the master a set of sentinels names, or a cluster ([`Target`]).
//!
//! What it retries:
//! - [`applied`] sorts each failure: *not applied* (refused, `LOADING`,
//!   `READONLY`, `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `MOVED`: the command did
//!   not run) or *maybe applied* (a timeout after sending, a connection closed
//!   mid-reply, `NOREPLICAS`), or not worth retrying at all.
//! - The command's name says whether it is idempotent (`GET`, `SET` without `NX`,
//!   `XX` or `GET`, `DEL`, `HSET`, `EXPIRE`.. are; `INCR`, `LPUSH`, `XADD *`,
//!   scripts and unknown commands are not); a pipeline or a transaction is when
//!   all of its commands are.
//! - A not-applied failure is retried for any command, a maybe-applied one only
//!   for an idempotent command ([`Applied::retry_safe`](crate::idempotency::Applied::retry_safe)).
//! - The error a caller finally gets says when an earlier attempt may have been
//!   applied ([`may_have_been_applied`], [`MayHaveBeenApplied`]).
//!
//! For functions of your own under `#[retry]`, the same split as predicates:
//! [`is_unapplied_redis_error`](crate::predicates::redis::is_unapplied_redis_error)
//! is safe for any command; [`is_retryable`] also retries maybe-applied
//! failures, so keep it for functions that are idempotent.
//!
//! ```no_run
//! use redis::AsyncCommands;
//! use retry_core::redis::{RetryingConnection, may_have_been_applied};
//!
//! # async fn run() -> redis::RedisResult<()> {
//! let mut con = RetryingConnection::new(redis::Client::open("redis://127.0.0.1/")?);
//! let _: () = con.set("k", 1).await?;
//! match con.incr::<_, _, i64>("visits", 1).await {
//!     Ok(visits) => println!("{visits} visits"),
//!     Err(e) if may_have_been_applied(&e) => println!("not sure the visit counted: {e}"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```

mod blocking;
mod call;
mod classify;
mod commands;
mod connection;
mod error;
mod target;

pub use blocking::BlockingRetryingConnection;
pub use classify::applied;
pub use connection::{DefaultOn, RetryingConnection};
pub use error::{MayHaveBeenApplied, may_have_been_applied};
pub use target::Target;

use ::redis::RedisError;

/// Whether a Redis error is worth retrying at all: [`applied`] sorts it as not
/// applied or maybe applied. A retry of a maybe-applied failure may run the
/// command twice: as `on` of a function of your own, keep it for idempotent
/// functions, and use
/// [`is_unapplied_redis_error`](crate::predicates::redis::is_unapplied_redis_error)
/// for the others. It is the `on` of
/// [`RetryingConnection::new`], which adds the idempotency rule per command.
///
/// ```
/// use redis::{ErrorKind, RedisError, ServerErrorKind};
/// use retry_core::redis::is_retryable;
/// use std::io;
///
/// assert!(is_retryable(&RedisError::from(io::Error::from(io::ErrorKind::TimedOut))));
/// assert!(is_retryable(&RedisError::from((ErrorKind::Server(ServerErrorKind::ReadOnly), "demoted"))));
/// assert!(!is_retryable(&RedisError::from((ErrorKind::Server(ServerErrorKind::NoScript), "no script"))));
/// ```
#[must_use]
pub fn is_retryable(error: &RedisError) -> bool {
    applied(error).is_some()
}
