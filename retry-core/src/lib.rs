//! Retries with exponential backoff and jitter, done right by default.
//!
//! `retry-core` brings the ideas of Python's [stamina] to Rust: a retry is
//! always bounded (10 attempts, 45 s), always jittered, only for the errors you
//! name, observable (a Prometheus counter and a tracing event per retry), and
//! easy to switch off in tests.
//!
//! ```
//! use retry_core::{Retry, error_type};
//! use std::io;
//!
//! let policy = Retry::default().on(error_type::<io::Error>());
//! let mut calls = 0;
//! let answer = policy.call(|_| {
//!     calls += 1;
//!     if calls == 1 { Err(io::Error::other("flaky")) } else { Ok(42) }
//! })?;
//! assert_eq!(answer, 42);
//! # Ok::<(), io::Error>(())
//! ```
//!
//! The pieces:
//! - [`backoff`]: the default schedule and the redis-py strategies.
//! - [`matching`]: which errors to retry (`on`).
//! - [`Retry`]: a reusable policy for blocks, sync and async, redis-style and two-level.
//! - [`switches`]: turning retries off, and testing mode.
//! - [`instrument`]: hooks, the `retries_total` counter and the tracing event.
//! - [`sleep`]: how async code waits, for tokio or another runtime.
//! - [`budget`]: retry budgets that stop retry storms.
//!
//! [stamina]: https://stamina.hynek.me

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod backoff;
pub mod budget;
mod engine;
mod error;
pub mod instrument;
pub mod matching;
mod policy;
mod rng;
pub mod sleep;
pub mod switches;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use engine::{Attempt, CallState, CallableName, Next, Step};
pub use error::ConfigError;
pub use matching::{Decision, RetryOn, error_type, error_types};
pub use policy::{DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT, Retry, RetryBuilder, Unset};
pub use rng::Rng;
pub use switches::{Scoped, TestMode, is_active, is_testing, set_active, set_testing, testing};

#[cfg(feature = "macros")]
pub use retry_macros::retry;

/// Runs the code blocks of `docs/reference.md` as doctests, so that every number
/// the reference states is checked against the code.
#[cfg(doctest)]
#[doc = include_str!("../../docs/reference.md")]
pub struct ReferenceDoc;
