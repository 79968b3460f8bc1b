//! Real servers on loopback for retry-core's examples and end-to-end tests.
//!
//! Every server here is real and local: it listens on `127.0.0.1`, on a port
//! nobody else holds, and it stops when its handle is dropped.
//!
//! - [`redis`]: a real `redis-server` (standalone, replica) and `redis-sentinel`,
//!   each in a temporary directory, that a test can kill, pause, restart and fail
//!   over. Feature `redis` (default).
//! - [`redis_cluster`]: a real Redis Cluster of six `redis-server` nodes (three
//!   masters, three replicas) whose masters a test can kill and see failed over.
//!   Feature `redis` (default).
//! - [`http`]: a flaky HTTP service (hyper) that follows a script: answer 503 with
//!   `Retry-After`, reset the connection, stall, then answer 200.
//! - [`metrics`]: serves a Prometheus registry over HTTP, and parses the text
//!   exposition format that comes back.
//! - [`prometheus`]: a real Prometheus server that scrapes the test's endpoint,
//!   evaluates rule files, and answers PromQL queries. Feature
//!   `prometheus-server` (default).
//! - [`net`]: free ports, waiting for a port, finding binaries on `PATH`.
//!
//! Without default features only [`http`], [`metrics`] and [`net`] are built, with
//! neither `redis` nor `tempfile` nor `serde_json`: that is what the quickstart
//! (`examples/quickstart`) uses, to keep its cold build short.
//!
//! Tests that need a binary that is not installed skip with a loud message
//! ([`require_binaries!`]); under CI (`CI` set) a missing binary fails the test
//! instead, since CI installs them.
//!
//! ```
//! use std::io::{Read, Write};
//! use testkit::http::{FlakyServer, Step};
//!
//! let server = FlakyServer::start([Step::unavailable(Some(1)), Step::ok("hello")])?;
//! let ask = || -> std::io::Result<String> {
//!     let mut stream = std::net::TcpStream::connect(server.addr())?;
//!     stream.write_all(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")?;
//!     let mut answer = String::new();
//!     stream.read_to_string(&mut answer)?;
//!     Ok(answer)
//! };
//! assert!(ask()?.starts_with("HTTP/1.1 503"));
//! assert!(ask()?.ends_with("hello"));
//! assert_eq!(server.requests(), 2);
//! # Ok::<(), std::io::Error>(())
//! ```

#![forbid(unsafe_code)]
// The list above links every module; without a feature, some of them are not built.
#![cfg_attr(not(all(feature = "redis", feature = "prometheus-server")), allow(rustdoc::broken_intra_doc_links))]

pub mod http;
pub mod metrics;
pub mod net;
#[cfg(feature = "prometheus-server")]
pub mod prometheus;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "redis")]
pub mod redis_cluster;

/// Returns from the current function (a test returning `()` or `Result<(), E>`) unless all the named binaries are
/// on `PATH`, after printing a loud message that says the test was skipped and
/// how to install them. Under CI (the `CI` environment variable set, as in
/// `.ci/run`) a missing binary panics instead: CI installs them, so their absence
/// is a broken setup, not a reason to pass.
///
/// ```
/// fn needs_redis() {
///     testkit::require_binaries!("redis-server");
///     // .. the test proper, which only runs where redis-server is installed.
/// }
/// # needs_redis();
/// ```
#[macro_export]
macro_rules! require_binaries {
    ($($binary:expr),+ $(,)?) => {
        if !$crate::net::require(&[$($binary),+], ::core::module_path!()) {
            return $crate::net::Skipped::skipped();
        }
    };
}
