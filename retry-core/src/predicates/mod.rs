//! Ready-made `on` predicates: which errors of common crates are worth retrying.
//!
//! Each is a plain function `fn(&E) -> bool` (or `-> Decision`), so it goes
//! straight into `on`, the way valkey-py users write
//! `retry_on_error=[BusyLoadingError, ConnectionError, TimeoutError]`:
//!
//! ```
//! use retry_core::{Retry, predicates::is_transient_io_error};
//! use std::io;
//!
//! let policy = Retry::builder().wait_jitter(std::time::Duration::ZERO).wait_initial(std::time::Duration::ZERO)
//!     .build()?.on(is_transient_io_error);
//! let mut calls = 0;
//! let value = policy.call(|_| {
//!     calls += 1;
//!     if calls < 3 { Err(io::Error::from(io::ErrorKind::ConnectionReset)) } else { Ok(calls) }
//! })?;
//! assert_eq!(value, 3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With the attribute: `#[retry(on = retry_core::predicates::is_transient_io_error)]`.
//!
//! | module | feature | for |
//! |---|---|---|
//! | [`io`] | always | `std::io::Error`: refused, reset, aborted, broken pipe, timed out, .. |
//! | `redis` | `redis` | `redis::RedisError`: connection dropped or refused, timeout, `LOADING`, `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN` (and `READONLY` during a failover); `is_unapplied_redis_error` for commands that are not idempotent |
//! | `reqwest` | `reqwest` | `reqwest::Error` and HTTP statuses: connect, timeout, 408, 429, 5xx, with `Retry-After` honoured; `retry_after_or_not_applied` for requests that are not idempotent |
//!
//! The `redis` and `reqwest` features pull in those crates; both are off by
//! default. redis-rs 1.x needs Rust 1.88, as retry-core itself does.

pub mod io;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;
#[cfg(any(feature = "reqwest", feature = "http"))]
pub(crate) mod retry_after;

pub use io::{is_transient_io_error, is_transient_io_kind};
