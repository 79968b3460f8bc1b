//! Which gRPC statuses are worth retrying, with the server's pushback.
//!
//! As gRPC's own retry design has it ([A6]): `UNAVAILABLE` is retried (the server
//! did not run the call: retrying is safe for any method), `RESOURCE_EXHAUSTED`
//! only when the server sent `grpc-retry-pushback-ms`. A pushback of `n`
//! milliseconds is [`Decision::RetryAfter`] of exactly that; a negative or
//! unreadable pushback means "do not retry".
//!
//! [`decide`] takes the code and the pushback as plain values, so that it fits
//! any gRPC library; with tonic, a classifier for a service that returns
//! `Result<tonic::Response<T>, tonic::Status>` is (from the tower-tests crate,
//! where it runs against a tonic server; retry-core does not depend on tonic)
//!
//! ```text
//! fn classify(_request: &EchoRequest, outcome: &Result<tonic::Response<EchoReply>, tonic::Status>) -> Decision {
//!     match outcome {
//!         Ok(_) => Decision::Stop,
//!         Err(status) => {
//!             let pushback = status.metadata().get(PUSHBACK).and_then(|value| value.to_str().ok());
//!             grpc::decide(status.code() as i32, grpc::pushback_of(pushback))
//!         }
//!     }
//! }
//! ```
//!
//! `docs/tower.md` shows it whole. With the `http` feature, [`GrpcClassifier`] reads the status from
//! the HTTP response of a gRPC call made at the channel level.
//!
//! [A6]: https://github.com/grpc/proposal/blob/master/A6-client-retries.md

use crate::Decision;
use std::time::Duration;

/// The metadata key of the server's pushback, in milliseconds.
pub const PUSHBACK: &str = "grpc-retry-pushback-ms";

/// gRPC status code `RESOURCE_EXHAUSTED`.
pub const RESOURCE_EXHAUSTED: i32 = 8;
/// gRPC status code `UNAVAILABLE`.
pub const UNAVAILABLE: i32 = 14;

/// What the server's pushback says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushback {
    /// No pushback: retry as the code says, after the backoff's wait.
    None,
    /// Retry after exactly this wait.
    After(Duration),
    /// A negative or unreadable pushback: do not retry.
    DoNotRetry,
}

/// Reads a `grpc-retry-pushback-ms` value.
///
/// ```
/// use retry_core::tower::grpc::{Pushback, pushback_of};
/// use std::time::Duration;
///
/// assert_eq!(pushback_of(Some("250")), Pushback::After(Duration::from_millis(250)));
/// assert_eq!(pushback_of(Some("-1")), Pushback::DoNotRetry);
/// assert_eq!(pushback_of(None), Pushback::None);
/// ```
#[must_use]
pub fn pushback_of(value: Option<&str>) -> Pushback {
    match value {
        None => Pushback::None,
        Some(text) => match text.trim().parse::<u64>() {
            Ok(ms) => Pushback::After(Duration::from_millis(ms)),
            Err(_) => Pushback::DoNotRetry,
        },
    }
}

/// Whether to retry a call that ended with status `code`, given the pushback.
///
/// ```
/// use retry_core::Decision;
/// use retry_core::tower::grpc::{self, Pushback};
/// use std::time::Duration;
///
/// assert_eq!(grpc::decide(grpc::UNAVAILABLE, Pushback::None), Decision::Retry);
/// let wait = Duration::from_millis(40);
/// assert_eq!(grpc::decide(grpc::RESOURCE_EXHAUSTED, Pushback::After(wait)), Decision::RetryAfter(wait));
/// assert_eq!(grpc::decide(grpc::RESOURCE_EXHAUSTED, Pushback::None), Decision::Stop);
/// assert_eq!(grpc::decide(grpc::UNAVAILABLE, Pushback::DoNotRetry), Decision::Stop);
/// assert_eq!(grpc::decide(0, Pushback::None), Decision::Stop, "OK");
/// ```
#[must_use]
#[allow(clippy::match_same_arms, reason = "the first arm says that a do-not-retry pushback wins over any code")]
pub fn decide(code: i32, pushback: Pushback) -> Decision {
    match (code, pushback) {
        (_, Pushback::DoNotRetry) => Decision::Stop,
        (UNAVAILABLE | RESOURCE_EXHAUSTED, Pushback::After(wait)) => Decision::RetryAfter(wait),
        (UNAVAILABLE, Pushback::None) => Decision::Retry,
        _ => Decision::Stop,
    }
}

/// The classifier of gRPC calls made at the HTTP level (a channel as a
/// `Service<http::Request<_>>`): the status is the response's `grpc-status`
/// header (a trailers-only answer, the form a server gives a call it refuses),
/// the pushback its `grpc-retry-pushback-ms` header. A transport error is
/// retried when the request was surely not sent ([`http::applied`](super::http::applied)),
/// a gRPC method being taken as not idempotent unless marked.
///
/// ```
/// use retry_core::Decision;
/// use retry_core::tower::Classify;
/// use retry_core::tower::grpc::GrpcClassifier;
///
/// let request = http::Request::new(());
/// let refused = http::Response::builder().header("grpc-status", "14").body(()).unwrap();
/// let outcome: Result<_, std::io::Error> = Ok(refused);
/// assert_eq!(GrpcClassifier.classify(&request, &outcome), Decision::Retry);
/// ```
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct GrpcClassifier;

#[cfg(feature = "http")]
impl<B, RB, E> super::Classify<::http::Request<B>, ::http::Response<RB>, E> for GrpcClassifier
where
    E: std::error::Error + 'static,
{
    fn classify(&self, request: &::http::Request<B>, outcome: &Result<::http::Response<RB>, E>) -> Decision {
        match outcome {
            Ok(response) => {
                let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
                match header("grpc-status").and_then(|code| code.trim().parse::<i32>().ok()) {
                    Some(code) => decide(code, pushback_of(header(PUSHBACK))),
                    None => Decision::Stop,
                }
            }
            Err(error) => {
                let marked = request.extensions().get::<crate::idempotency::Idempotency>().copied();
                let idempotency = marked.unwrap_or(crate::idempotency::Idempotency::NotIdempotent);
                match super::http::applied(error) {
                    Some(applied) => applied.retry_safe(idempotency).into(),
                    None => Decision::Stop,
                }
            }
        }
    }

    /// A response as `gRPC status 14 (grpc-message: ..)`, without its other
    /// headers; an error as its `Debug`.
    fn describe(&self, outcome: &Result<::http::Response<RB>, E>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result
    where
        ::http::Response<RB>: std::fmt::Debug,
        E: std::fmt::Debug,
    {
        match outcome {
            Ok(response) => {
                let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("?");
                write!(f, "gRPC status {} (grpc-message: {})", header("grpc-status"), header("grpc-message"))
            }
            Err(error) => std::fmt::Debug::fmt(error, f),
        }
    }
}
