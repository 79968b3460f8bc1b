//! Which gRPC statuses are worth retrying, with the server's pushback.
//!
//! `UNAVAILABLE` may have been applied: gRPC's status-code docs warn that "there
//! is NOT A GUARANTEE that the server has not seen anything", and Google's AIP-194
//! retries it only for methods safe to run twice. So it is retried for a call
//! whose method is idempotent (the caller says so: [`Idempotency`]), as the
//! Redis and HTTP integrations retry a failure that may have been applied.
//! With the server's pushback (`grpc-retry-pushback-ms`, gRPC's retry design
//! [A6]), `UNAVAILABLE` and `RESOURCE_EXHAUSTED` are a refusal: retried for any
//! method, after exactly the `n` milliseconds asked. A negative or unreadable
//! pushback means "do not retry".
//!
//! [`decide`] takes the code, the pushback and the method's idempotency as plain
//! values, so that it fits any gRPC library; with tonic, a classifier for a
//! service that returns `Result<tonic::Response<T>, tonic::Status>` is (from the
//! tower-tests crate, where it runs against a tonic server; retry-core does not
//! depend on tonic)
//!
//! ```text
//! fn classify(_request: &EchoRequest, outcome: &Result<tonic::Response<EchoReply>, tonic::Status>) -> Decision {
//!     match outcome {
//!         Ok(_) => Decision::Stop,
//!         Err(status) => {
//!             let pushback = status.metadata().get(PUSHBACK).and_then(|value| value.to_str().ok());
//!             // `Echo` changes nothing on the server: safe to run twice.
//!             grpc::decide(status.code() as i32, grpc::pushback_of(pushback), Idempotency::Idempotent)
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
use crate::idempotency::{Applied, Idempotency};
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

/// Whether to retry a call that ended with status `code`, given the server's
/// pushback and whether the call's method is safe to run twice.
///
/// ```
/// use retry_core::Decision;
/// use retry_core::idempotency::Idempotency::{Idempotent, NotIdempotent};
/// use retry_core::tower::grpc::{self, Pushback};
/// use std::time::Duration;
///
/// // UNAVAILABLE may have been applied: retried for an idempotent method only.
/// assert_eq!(grpc::decide(grpc::UNAVAILABLE, Pushback::None, Idempotent), Decision::Retry);
/// assert_eq!(grpc::decide(grpc::UNAVAILABLE, Pushback::None, NotIdempotent), Decision::Stop);
/// // A pushback is a refusal: retried for any method, after what it says.
/// let wait = Duration::from_millis(40);
/// assert_eq!(grpc::decide(grpc::UNAVAILABLE, Pushback::After(wait), NotIdempotent), Decision::RetryAfter(wait));
/// assert_eq!(grpc::decide(grpc::RESOURCE_EXHAUSTED, Pushback::After(wait), NotIdempotent), Decision::RetryAfter(wait));
/// assert_eq!(grpc::decide(grpc::RESOURCE_EXHAUSTED, Pushback::None, Idempotent), Decision::Stop);
/// assert_eq!(grpc::decide(grpc::UNAVAILABLE, Pushback::DoNotRetry, Idempotent), Decision::Stop);
/// assert_eq!(grpc::decide(0, Pushback::None, Idempotent), Decision::Stop, "OK");
/// ```
#[must_use]
#[allow(clippy::match_same_arms, reason = "the first arm says that a do-not-retry pushback wins over any code")]
pub fn decide(code: i32, pushback: Pushback, idempotency: Idempotency) -> Decision {
    match (code, pushback) {
        (_, Pushback::DoNotRetry) => Decision::Stop,
        (UNAVAILABLE | RESOURCE_EXHAUSTED, Pushback::After(wait)) => Decision::RetryAfter(wait),
        (UNAVAILABLE, Pushback::None) => Applied::Maybe.retry_safe(idempotency).into(),
        _ => Decision::Stop,
    }
}

/// The classifier of gRPC calls made at the HTTP level (a channel as a
/// `Service<http::Request<_>>`): the status is the response's `grpc-status`
/// header (a trailers-only answer, the form a server gives a call it refuses),
/// the pushback its `grpc-retry-pushback-ms` header, decided by [`decide`]. A
/// transport error is retried when the request was surely not sent
/// ([`http::applied`](super::http::applied)). A gRPC method is taken as not
/// idempotent unless the request is marked ([`Idempotency`] in its extensions).
///
/// ```
/// use retry_core::Decision;
/// use retry_core::idempotency::Idempotency;
/// use retry_core::tower::Classify;
/// use retry_core::tower::grpc::GrpcClassifier;
///
/// let unavailable = || -> Result<_, std::io::Error> {
///     Ok(http::Response::builder().header("grpc-status", "14").body(()).unwrap())
/// };
/// let mut request = http::Request::new(());
/// assert_eq!(GrpcClassifier.classify(&request, &unavailable()), Decision::Stop, "may have run");
/// request.extensions_mut().insert(Idempotency::Idempotent);
/// assert_eq!(GrpcClassifier.classify(&request, &unavailable()), Decision::Retry);
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
        let idempotency = request.extensions().get::<Idempotency>().copied().unwrap_or(Idempotency::NotIdempotent);
        match outcome {
            Ok(response) => {
                let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
                match header("grpc-status").and_then(|code| code.trim().parse::<i32>().ok()) {
                    Some(code) => decide(code, pushback_of(header(PUSHBACK)), idempotency),
                    None => Decision::Stop,
                }
            }
            Err(error) => match super::http::applied(error) {
                Some(applied) => applied.retry_safe(idempotency).into(),
                None => Decision::Stop,
            },
        }
    }

    /// A transport error by [`http::applied`](super::http::applied); a status by
    /// its code: `UNAVAILABLE` may have been applied unless the server pushed back
    /// (it then refused the call), the other codes are final answers.
    fn applied(&self, _request: &::http::Request<B>, outcome: &Result<::http::Response<RB>, E>) -> Option<Applied> {
        match outcome {
            Ok(response) => {
                let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
                match header("grpc-status").and_then(|code| code.trim().parse::<i32>().ok()) {
                    Some(UNAVAILABLE | RESOURCE_EXHAUSTED) if header(PUSHBACK).is_some() => Some(Applied::No),
                    Some(UNAVAILABLE) => Some(Applied::Maybe),
                    _ => None,
                }
            }
            Err(error) => super::http::applied(error),
        }
    }

    /// Puts an [`EarlierAttemptMayHaveBeenApplied`](super::http::EarlierAttemptMayHaveBeenApplied)
    /// in a response's extensions.
    fn mark_earlier_applied(
        &self,
        outcome: Result<::http::Response<RB>, E>,
        attempts: u32,
    ) -> Result<::http::Response<RB>, E> {
        super::http::mark_response(outcome, attempts)
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

#[cfg(all(test, feature = "http"))]
mod tests {
    use super::*;
    use crate::tower::Classify;

    fn answer(status: &str, pushback: Option<&str>) -> Result<::http::Response<()>, std::io::Error> {
        let mut response = ::http::Response::builder().header("grpc-status", status);
        if let Some(ms) = pushback {
            response = response.header(PUSHBACK, ms);
        }
        response.body(()).map_err(std::io::Error::other)
    }

    #[test]
    fn an_unavailable_answer_may_have_been_applied_unless_the_server_pushed_back() {
        let request = ::http::Request::new(());
        let applied = |outcome| GrpcClassifier.applied(&request, &outcome);
        assert_eq!(applied(answer("14", None)), Some(Applied::Maybe));
        assert_eq!(applied(answer("14", Some("20"))), Some(Applied::No));
        assert_eq!(applied(answer("8", Some("20"))), Some(Applied::No));
        assert_eq!(applied(answer("3", None)), None, "INVALID_ARGUMENT is a final answer");
        let refused = Err(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(applied(refused), Some(Applied::No));
    }

    #[test]
    fn the_mark_goes_into_the_response() {
        let marked =
            Classify::<::http::Request<()>, _, _>::mark_earlier_applied(&GrpcClassifier, answer("14", None), 3);
        let mark = marked.unwrap().extensions().get::<crate::tower::http::EarlierAttemptMayHaveBeenApplied>().copied();
        assert_eq!(mark.map(|m| m.attempts), Some(3));
    }
}
