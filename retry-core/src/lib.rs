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
//! - [`backoff`]: the default schedule and the redis-py strategies, and the
//!   random source [`backoff::Rng`] they draw jitter from.
//! - [`matching`]: which errors to retry (`on`).
//! - [`Retry`]: a reusable policy for blocks, sync and async, redis-style and two-level.
//! - [`switches`]: turning retries off, and testing mode.
//! - [`instrument`]: hooks, the `retries_total` counter and the tracing event.
//! - [`sleep`]: how async code waits, for tokio or another runtime.
//! - [`budget`]: retry budgets that stop retry storms.
//! - [`engine`]: the bookkeeping of one call ([`engine::CallState`]), what a
//!   retried block sees ([`engine::Attempt`]), and callable names, for code that
//!   drives retries itself.
//! - [`idempotency`]: which failures may be retried without applying a request twice.
//! - `tower` (feature `tower`): `RetryLayer`, the policy as tower middleware for HTTP and gRPC clients.
//!
//! # Features
//!
//! | feature | default | what it brings |
//! |---|---|---|
//! | `macros` | yes | the `#[retry]` attribute, `retry_core::retry` (from the retry-macros crate) |
//! | `tokio` | yes | `sleep::TokioSleeper`, the sleeper async retrying uses unless given another; it follows tokio's paused test clock |
//! | `tracing` | yes | `instrument::tracing`: a default hook, one WARN event (target `retry_core`) per scheduled retry |
//! | `prometheus` | yes | `instrument::prometheus`: a default hook, the `retries_total` counter (and `retries_budget_exhausted_total`) |
//! | `anyhow` | no | `on = T` also finds a `T` inside an `anyhow::Error` |
//! | `redis` | no | `redis`: a retrying connection for redis-rs 1.x (standalone, Sentinel, Cluster) that never re-sends a command that may have been applied unless it is idempotent; `predicates::redis`: which `redis::RedisError`s are worth retrying |
//! | `reqwest` | no | `predicates::reqwest`: which `reqwest::Error`s (reqwest 0.13) and HTTP statuses are worth retrying, with `Retry-After` |
//! | `tower` | no | `tower::RetryLayer`: the policy as tower middleware (hyper-util, tonic, axum clients), with the gRPC codes and pushback (`tower::grpc`) |
//! | `http` | no | `tower::http`: the layer's HTTP classifier (429, 502, 503, 504, `Retry-After`, idempotent methods and `Idempotency-Key`); implies `tower` |
//!
//! With `default-features = false` the engine, the policies, backoff, matching,
//! switches, hooks and budgets remain. Without `tokio`, async retrying needs a
//! sleeper for your runtime ([`sleep::Sleeper`]), given as `sleeper = ..` to the
//! attribute or to [`Retry::sleeper`]; forgetting it is a compile error.
//!
//! Rust 1.88 or newer.
//!
//! [stamina]: https://stamina.hynek.me

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Clippy's pedantic group is on for the workspace (root `Cargo.toml`). Allowed
// for the whole crate, and why:
#![allow(
    clippy::inline_always,
    reason = "only on hot paths (the engine, `is_a`, the tower future), instructions counted in docs/performance.md"
)]

pub mod backoff;
pub mod budget;
pub mod engine;
mod error;
pub mod idempotency;
pub mod instrument;
pub mod matching;
mod policy;
pub mod predicates;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
mod rng;
pub mod sleep;
pub mod switches;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use error::ConfigError;
pub use matching::decision::{Decision, RetryOn};
pub use matching::types::{error_type, error_types};
pub use policy::{DEFAULT_ATTEMPTS, DEFAULT_TIMEOUT, Policy, Retry, RetryBuilder};
pub use switches::global::{TestMode, is_active, is_testing, set_active, set_testing, testing};
pub use switches::scoped::Scoped;

/// Retries a function when it fails with an error that `on` names.
///
/// The function keeps its signature; its body runs once per attempt, with waits
/// that grow exponentially (plus jitter) in between, until it succeeds, fails with an
/// error `on` does not name, or runs out of attempts (10) or time (45 s from the first
/// failure). The caller gets the success, or the last error itself.
///
/// ```
/// use retry_core::{Scoped, TestMode, retry};
/// use std::io;
///
/// #[retry(on = io::Error, attempts = 5, timeout = "30s", wait_initial = "10ms")]
/// fn fetch(calls: &mut u32) -> io::Result<u32> {
///     *calls += 1;
///     if *calls < 3 { Err(io::Error::other("flaky")) } else { Ok(*calls) }
/// }
///
/// let mut calls = 0;
/// // Testing mode, for this thread only: no waits.
/// let value = Scoped::new().testing(TestMode::new(5)).run(|| fetch(&mut calls));
/// assert_eq!(value.unwrap(), 3);
/// ```
///
/// `on` takes an error type (matched anywhere in the error's `source()` chain), a
/// tuple of types, a closure given the function's error type, or a predicate function:
///
/// ```
/// use retry_core::{Decision, retry};
/// use std::{io, time::Duration};
///
/// #[retry(on = (io::Error, std::fmt::Error))]
/// fn either() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
///     Ok(())
/// }
///
/// #[retry(on = |e| e.kind() == io::ErrorKind::TimedOut)]
/// fn closure() -> io::Result<()> {
///     Ok(())
/// }
///
/// #[retry(on = |e| match e.kind() {
///     io::ErrorKind::WouldBlock => Decision::RetryAfter(Duration::from_millis(5)),
///     io::ErrorKind::TimedOut => Decision::Retry,
///     _ => Decision::Stop,
/// })]
/// fn decision() -> io::Result<()> {
///     Ok(())
/// }
///
/// fn is_transient(e: &io::Error) -> bool {
///     e.kind() == io::ErrorKind::Interrupted
/// }
///
/// #[retry(on = is_transient)]
/// fn predicate() -> io::Result<()> {
///     Ok(())
/// }
/// # either().unwrap(); closure().unwrap(); decision().unwrap(); predicate().unwrap();
/// ```
///
/// Methods, generics, `async fn` (waits use tokio with the `tokio` feature, or
/// `sleeper = ..`), `async fn` in traits and `#[async_trait]` methods all work:
///
/// ```
/// use retry_core::retry;
/// use std::io;
///
/// struct Client {
///     sent: u32,
/// }
///
/// impl Client {
///     #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
///     async fn send(&mut self) -> io::Result<u32> {
///         self.sent += 1;
///         if self.sent < 2 { Err(io::Error::other("reset")) } else { Ok(self.sent) }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut client = Client { sent: 0 };
/// assert_eq!(client.send().await.unwrap(), 2);
/// # }
/// ```
///
/// Only the body changes: the signature, attributes, generics and receiver stay as
/// written. Each attempt runs the whole body; `return` and `?` inside it end that
/// attempt, and the caller gets either the first success or the last error itself.
///
/// # Keys
///
/// | key | value | default |
/// |---|---|---|
/// | `on` (required) | an error type `std::io::Error`, a tuple `(A, B)`, a closure <code>\|e\| ..</code> returning `bool` or [`Decision`], a predicate function `is_transient`, or any value implementing [`RetryOn`] | — |
/// | `attempts` | a number of at least 1 (a literal, or a constant expression of type `u32`), or `None` | 10 |
/// | `timeout` | a duration, or `None`: the most time retrying may add, counted from the first failure | 45 s |
/// | `wait_initial`, `wait_max`, `wait_jitter` | a duration | 100 ms, 45 s, 1 s |
/// | `wait_exp_base` | a number of at least 1 | 2 |
/// | `backoff` | any [`Backoff`](backoff::Backoff) value, instead of the `wait_*` keys | the default schedule |
/// | `name` | a string literal: the name hooks and metrics give the function | `module::path::function` (methods: `Type::method`) |
/// | `crate` | the path to retry-core, for a renamed dependency | `::retry_core` |
/// | `sleeper` | an async [`Sleeper`](sleep::Sleeper) (`async fn` only) | tokio's, with the `tokio` feature |
/// | `budget` | a [retry budget](budget), evaluated once per function and shared by its calls (or per call, when it reads `self` or an argument) | none |
/// | `on_retry` | a hook `Fn(&RetryDetails)` for this function's retries, run after the global ones | none |
///
/// A duration is a number of seconds (`10`, `2.5`), a string with a unit
/// (`"1500ms"`, `"2s"`, `"3m"`), or any expression of type `Duration`. No
/// number takes a suffix (`10u64`, `3u32`).
///
/// `on` tells a type from a function by its last path segment: `on = MyError` and
/// `on = errors::Timeout` are types, `on = is_transient` and
/// `on = errors::is_transient` are predicate functions. Wrap any other value in
/// braces: `on = { MATCHER }`.
///
/// `budget` and `on_retry`:
///
/// ```
/// use retry_core::budget::TpsBudget;
/// use retry_core::instrument::RetryDetails;
/// use retry_core::{Scoped, TestMode, retry};
/// use std::io;
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// static RETRIES: AtomicU32 = AtomicU32::new(0);
///
/// fn count(_: &RetryDetails<'_>) {
///     RETRIES.fetch_add(1, Ordering::Relaxed);
/// }
///
/// #[retry(on = io::Error, budget = TpsBudget::default(), on_retry = count)]
/// fn flaky(calls: &mut u32) -> io::Result<u32> {
///     *calls += 1;
///     if *calls < 3 { Err(io::Error::other("flaky")) } else { Ok(*calls) }
/// }
///
/// let mut calls = 0;
/// let value = Scoped::new().testing(TestMode::new(5)).run(|| flaky(&mut calls));
/// assert_eq!(value.unwrap(), 3);
/// assert_eq!(RETRIES.load(Ordering::Relaxed), 2);
/// ```
///
/// Misuse (a missing `on`, an unknown key, `attempts = 0`, a negative duration, a
/// function that does not return a `Result`) is a compile error at the offending
/// tokens. The guide is `docs/attribute.md` in the source repository.
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use retry_macros::retry;

/// Runs the code blocks of `docs/reference.md` as doctests, so that every number
/// the reference states is checked against the code. It is read through
/// `retry-core/docs/reference.md`, a symlink to the repository's file that `cargo
/// package` replaces with a copy, so the published crate's doctests check it too.
#[cfg(doctest)]
#[doc = include_str!("../docs/reference.md")]
pub struct ReferenceDoc;

/// Runs the code of `docs/metrics.md` (declaring a callable's series at
/// start-up) as a doctest, read through the `retry-core/docs/metrics.md` symlink
/// like the reference.
#[cfg(all(doctest, feature = "prometheus"))]
#[doc = include_str!("../docs/metrics.md")]
pub struct MetricsDoc;

/// Runs the code of `docs/idempotency.md` (a `#[retry]` function that retries
/// only what surely did not run) as a doctest, read through the
/// `retry-core/docs/idempotency.md` symlink like the reference.
#[cfg(all(doctest, feature = "redis", feature = "macros"))]
#[doc = include_str!("../docs/idempotency.md")]
pub struct IdempotencyDoc;

/// Runs the example of the crate's README (its registry page) as a doctest.
#[cfg(all(doctest, feature = "macros"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoc;
