//! The layer's HTTP classifier (feature `http`): statuses, `Retry-After`, and
//! which requests may be sent twice.
//!
//! [`HttpClassifier`] sorts each failed attempt into
//! [`Applied::No`] (surely not applied) or
//! [`Applied::Maybe`], and each request into
//! idempotent or not ([`idempotency`]), and retries only where
//! [`Applied::retry_safe`] allows:
//!
//! | outcome | applied | retried for |
//! |---|---|---|
//! | connection refused, unreachable, a name that did not resolve | no | every method |
//! | 429 or 503 with `Retry-After` (waits what it says) | no | every method |
//! | 429 or 503 without `Retry-After`, 502, 504 | maybe | idempotent requests |
//! | timeout, reset, connection closed mid-response | maybe | idempotent requests |
//! | every other status and error | | never |
//!
//! A request is idempotent when its method is (RFC 9110 §9.2.2: `GET`, `HEAD`,
//! `OPTIONS`, `TRACE`, `PUT`, `DELETE`), when it carries an `Idempotency-Key`
//! header, or when it is marked so: an
//! [`Idempotency`] in its extensions decides over both (so a `GET` with side
//! effects can be marked [`NotIdempotent`](Idempotency::NotIdempotent)).
//!
//! ```
//! use retry_core::Decision;
//! use retry_core::tower::{Classify, http::HttpClassifier};
//!
//! let post = http::Request::post("/orders").body(()).unwrap();
//! let bad_gateway = http::Response::builder().status(502).body(()).unwrap();
//! let outcome: Result<_, std::io::Error> = Ok(bad_gateway);
//! // The order may have been placed: a POST is not sent again...
//! assert_eq!(HttpClassifier.classify(&post, &outcome), Decision::Stop);
//! // ...unless the server can tell the two apart.
//! let keyed = http::Request::post("/orders").header("idempotency-key", "order-7").body(()).unwrap();
//! assert_eq!(HttpClassifier.classify(&keyed, &outcome), Decision::Retry);
//! ```

use super::Classify;
use crate::Decision;
use crate::idempotency::{Applied, Idempotency};
use ::http::{Method, Request, Response, StatusCode};
use std::error::Error;
use std::io::ErrorKind;
use std::time::{Duration, SystemTime};

/// The header that makes a request idempotent (draft-ietf-httpapi-idempotency-key-header).
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Whether `request` may be sent twice: its [`Idempotency`] mark if it has one,
/// else idempotent with an `Idempotency-Key` header or an idempotent method.
///
/// ```
/// use retry_core::idempotency::Idempotency;
/// use retry_core::tower::http::idempotency;
///
/// assert_eq!(idempotency(&http::Request::get("/").body(()).unwrap()), Idempotency::Idempotent);
/// assert_eq!(idempotency(&http::Request::post("/").body(()).unwrap()), Idempotency::NotIdempotent);
/// let mut marked = http::Request::post("/").body(()).unwrap();
/// marked.extensions_mut().insert(Idempotency::Idempotent);
/// assert_eq!(idempotency(&marked), Idempotency::Idempotent);
/// ```
pub fn idempotency<B>(request: &Request<B>) -> Idempotency {
    if let Some(mark) = request.extensions().get::<Idempotency>() {
        return *mark;
    }
    Idempotency::from_bool(is_idempotent_method(request.method()) || request.headers().contains_key(IDEMPOTENCY_KEY))
}

/// RFC 9110 §9.2.2: `GET`, `HEAD`, `OPTIONS`, `TRACE`, `PUT` and `DELETE`.
///
/// ```
/// use http::Method;
/// use retry_core::tower::http::is_idempotent_method;
///
/// assert!(is_idempotent_method(&Method::PUT));
/// assert!(!is_idempotent_method(&Method::PATCH));
/// ```
#[must_use]
pub fn is_idempotent_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE)
}

/// What an error status may have done, and the wait it asked for: `None` for a
/// status not worth retrying (every status but 429, 502, 503 and 504).
///
/// ```
/// use http::StatusCode;
/// use retry_core::idempotency::Applied;
/// use retry_core::tower::http::status_applied;
/// use std::time::Duration;
///
/// let wait = Some(Duration::from_secs(2));
/// assert_eq!(status_applied(StatusCode::SERVICE_UNAVAILABLE, wait), Some(Applied::No));
/// assert_eq!(status_applied(StatusCode::SERVICE_UNAVAILABLE, None), Some(Applied::Maybe));
/// assert_eq!(status_applied(StatusCode::GATEWAY_TIMEOUT, wait), Some(Applied::Maybe));
/// assert_eq!(status_applied(StatusCode::INTERNAL_SERVER_ERROR, None), None);
/// ```
#[must_use]
pub fn status_applied(status: StatusCode, retry_after: Option<Duration>) -> Option<Applied> {
    match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE if retry_after.is_some() => Some(Applied::No),
        StatusCode::TOO_MANY_REQUESTS
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::BAD_GATEWAY
        | StatusCode::GATEWAY_TIMEOUT => Some(Applied::Maybe),
        _ => None,
    }
}

/// The wait the response's `Retry-After` header asks for (seconds or an HTTP
/// date), if it has one that parses.
///
/// ```
/// use retry_core::tower::http::retry_after;
/// use std::time::Duration;
///
/// let response = http::Response::builder().status(429).header("retry-after", "3").body(()).unwrap();
/// assert_eq!(retry_after(&response), Some(Duration::from_secs(3)));
/// ```
pub fn retry_after<B>(response: &Response<B>) -> Option<Duration> {
    let value = response.headers().get(::http::header::RETRY_AFTER)?.to_str().ok()?;
    crate::predicates::retry_after::parse(value, SystemTime::now())
}

/// What a transport error may have done: [`Applied::No`] when the connection was
/// never made (refused, unreachable, a name that did not resolve: hyper-util's
/// "tcp connect error" and "dns error"), [`Applied::Maybe`] when the request may
/// have been sent (a timeout, a reset, a connection closed before the response
/// was complete), `None` for an error not worth retrying. Walks the `source()`
/// chain; the first error it knows decides.
///
/// ```
/// use retry_core::idempotency::Applied;
/// use retry_core::tower::http::applied;
/// use std::io;
///
/// assert_eq!(applied(&io::Error::from(io::ErrorKind::ConnectionRefused)), Some(Applied::No));
/// assert_eq!(applied(&io::Error::from(io::ErrorKind::ConnectionReset)), Some(Applied::Maybe));
/// assert_eq!(applied(&io::Error::from(io::ErrorKind::PermissionDenied)), None);
/// ```
pub fn applied(error: &(dyn Error + 'static)) -> Option<Applied> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::ConnectionRefused
                | ErrorKind::AddrNotAvailable
                | ErrorKind::HostUnreachable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::NetworkDown => return Some(Applied::No),
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::NotConnected
                | ErrorKind::UnexpectedEof
                | ErrorKind::TimedOut => return Some(Applied::Maybe),
                // An io::Error wrapping another error: look inside.
                _ => {}
            }
        }
        if let Some(hyper) = e.downcast_ref::<hyper::Error>()
            && (hyper.is_incomplete_message() || hyper.is_canceled() || hyper.is_closed() || hyper.is_timeout())
        {
            return Some(Applied::Maybe);
        }
        // hyper-util's connector reports a connection that was never made with
        // these words (its error type is private); nothing was sent.
        let text = e.to_string();
        if text.starts_with("tcp connect error") || text.starts_with("dns error") {
            return Some(Applied::No);
        }
        if text == "request timed out" {
            // tower's `timeout::error::Elapsed`.
            return Some(Applied::Maybe);
        }
        current = e.source();
    }
    None
}

/// The HTTP classifier of [`RetryLayer`](super::RetryLayer): see the
/// [module](self) docs for what it retries.
///
/// ```
/// use retry_core::Decision;
/// use retry_core::tower::{Classify, http::HttpClassifier};
/// use std::time::Duration;
///
/// let post = http::Request::post("/orders").body(()).unwrap();
/// let busy = http::Response::builder().status(503).header("retry-after", "1").body(()).unwrap();
/// let outcome: Result<_, std::io::Error> = Ok(busy);
/// assert_eq!(HttpClassifier.classify(&post, &outcome), Decision::RetryAfter(Duration::from_secs(1)));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct HttpClassifier;

impl<B, RB, E: Error + 'static> Classify<Request<B>, Response<RB>, E> for HttpClassifier {
    #[inline]
    fn classify(&self, request: &Request<B>, outcome: &Result<Response<RB>, E>) -> Decision {
        decide(request, outcome.as_ref().map_err(|error| error as &(dyn Error + 'static)))
    }

    /// A status by [`status_applied`], an error by [`applied`].
    fn applied(&self, _request: &Request<B>, outcome: &Result<Response<RB>, E>) -> Option<Applied> {
        match outcome {
            Ok(response) => status_applied(response.status(), retry_after(response)),
            Err(error) => applied(error),
        }
    }

    /// Puts an [`EarlierAttemptMayHaveBeenApplied`] in a response's extensions.
    fn mark_earlier_applied(&self, outcome: Result<Response<RB>, E>, attempts: u32) -> Result<Response<RB>, E> {
        mark_response(outcome, attempts)
    }

    /// A response as `HTTP 503 Service Unavailable (Retry-After: 1s)`, without
    /// its headers; an error as its `Debug`.
    fn describe(&self, outcome: &Result<Response<RB>, E>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result
    where
        Response<RB>: std::fmt::Debug,
        E: std::fmt::Debug,
    {
        describe_response(outcome.as_ref().map_err(|error| error as &dyn std::fmt::Debug), f)
    }
}

/// In the extensions of the response a call through the layer returns, when an
/// attempt before the last may have been applied by the server: a `PUT` that
/// timed out (`504`, or a connection closed mid-response) then was sent again,
/// whatever the last attempt's answer. Put there by [`HttpClassifier`] and
/// [`GrpcClassifier`](super::grpc::GrpcClassifier); an error is the client's own
/// type and carries no mark.
///
/// ```
/// use retry_core::tower::Classify;
/// use retry_core::tower::http::{EarlierAttemptMayHaveBeenApplied, HttpClassifier};
///
/// let last: Result<_, std::io::Error> = Ok(http::Response::builder().status(500).body(()).unwrap());
/// let marked = Classify::<http::Request<()>, _, _>::mark_earlier_applied(&HttpClassifier, last, 2).unwrap();
/// assert_eq!(
///     marked.extensions().get::<EarlierAttemptMayHaveBeenApplied>(),
///     Some(&EarlierAttemptMayHaveBeenApplied { attempts: 2 })
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EarlierAttemptMayHaveBeenApplied {
    /// The attempts the call made, the last one included.
    pub attempts: u32,
}

/// `outcome` with an [`EarlierAttemptMayHaveBeenApplied`] in its response's extensions.
pub(crate) fn mark_response<RB, E>(outcome: Result<Response<RB>, E>, attempts: u32) -> Result<Response<RB>, E> {
    outcome.map(|mut response| {
        response.extensions_mut().insert(EarlierAttemptMayHaveBeenApplied { attempts });
        response
    })
}

/// A response by its status and `Retry-After`; an error by its `Debug`.
pub(crate) fn describe_response<RB>(
    outcome: Result<&Response<RB>, &dyn std::fmt::Debug>,
    f: &mut std::fmt::Formatter<'_>,
) -> std::fmt::Result {
    match outcome {
        Ok(response) => {
            write!(f, "HTTP {}", response.status())?;
            match retry_after(response) {
                Some(wait) => write!(f, " (Retry-After: {wait:?})"),
                None => Ok(()),
            }
        }
        Err(error) => error.fmt(f),
    }
}

/// What [`HttpClassifier`] decides, for an outcome whose error is given as a
/// `dyn Error`: the classifier of a stack whose error is tower's `BoxError` (a
/// box of `dyn Error` does not implement `Error`, so `HttpClassifier` does not
/// take it).
///
/// ```
/// use retry_core::Decision;
/// use retry_core::tower::http;
///
/// type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// let classify = |request: &::http::Request<()>, outcome: &Result<::http::Response<()>, BoxError>| {
///     http::decide(request, outcome.as_ref().map_err(|e| &**e as _))
/// };
/// let post = ::http::Request::post("/orders").body(()).unwrap();
/// let refused: Result<::http::Response<()>, BoxError> =
///     Err(Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)));
/// assert_eq!(classify(&post, &refused), Decision::Retry);
/// ```
#[inline]
pub fn decide<B, RB>(request: &Request<B>, outcome: Result<&Response<RB>, &(dyn Error + 'static)>) -> Decision {
    match outcome {
        Ok(response) if !is_retryable_status(response.status()) => Decision::Stop,
        Ok(response) => decide_status(request, response),
        Err(error) => match applied(error) {
            Some(applied) => applied.retry_safe(idempotency(request)).into(),
            None => Decision::Stop,
        },
    }
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

#[cold]
fn decide_status<B, RB>(request: &Request<B>, response: &Response<RB>) -> Decision {
    let wait = retry_after(response);
    match status_applied(response.status(), wait) {
        Some(applied) if applied.retry_safe(idempotency(request)) => match wait {
            Some(wait) => Decision::RetryAfter(wait),
            None => Decision::Retry,
        },
        _ => Decision::Stop,
    }
}

/// Copies an HTTP request whose body is `Clone` (`Full<Bytes>`, `String`,
/// `Bytes`, `()`): method, URI, version, headers, extensions and body. Give it
/// to [`RetryLayer::clone_requests_with`](super::RetryLayer::clone_requests_with).
///
/// ```
/// use retry_core::tower::http::clone_request;
///
/// let request = http::Request::put("/k").header("x-trace", "1").body("v".to_owned()).unwrap();
/// let copy = clone_request(&request).unwrap();
/// assert_eq!((copy.method(), copy.uri(), copy.headers(), copy.body()), (request.method(), request.uri(), request.headers(), request.body()));
/// ```
pub fn clone_request<B: Clone>(request: &Request<B>) -> Option<Request<B>> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    Some(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps, reason = "the classifier is given the outcome as a `Result`")]
    fn outcome(status: u16, retry_after: Option<&str>) -> Result<Response<()>, std::io::Error> {
        let mut response = Response::builder().status(status);
        if let Some(value) = retry_after {
            response = response.header("retry-after", value);
        }
        Ok(response.body(()).unwrap())
    }

    fn request(method: Method) -> Request<()> {
        Request::builder().method(method).body(()).unwrap()
    }

    #[test]
    fn statuses_by_method() {
        let (get, post) = (request(Method::GET), request(Method::POST));
        for status in [502, 504, 503, 429] {
            assert_eq!(HttpClassifier.classify(&get, &outcome(status, None)), Decision::Retry, "{status}");
            assert_eq!(HttpClassifier.classify(&post, &outcome(status, None)), Decision::Stop, "{status}");
        }
        for status in [429, 503] {
            let wait = Decision::RetryAfter(Duration::from_secs(2));
            assert_eq!(HttpClassifier.classify(&post, &outcome(status, Some("2"))), wait, "{status}");
        }
        for status in [200, 201, 400, 404, 500, 501] {
            assert_eq!(HttpClassifier.classify(&get, &outcome(status, Some("1"))), Decision::Stop, "{status}");
        }
    }

    #[test]
    fn transport_errors_by_method() {
        let (get, post) = (request(Method::GET), request(Method::POST));
        let refused: Result<Response<()>, _> = Err(std::io::Error::from(ErrorKind::ConnectionRefused));
        let reset: Result<Response<()>, _> = Err(std::io::Error::from(ErrorKind::ConnectionReset));
        assert_eq!(HttpClassifier.classify(&post, &refused), Decision::Retry);
        assert_eq!(HttpClassifier.classify(&post, &reset), Decision::Stop);
        assert_eq!(HttpClassifier.classify(&get, &reset), Decision::Retry);
        let mut marked = request(Method::GET);
        marked.extensions_mut().insert(Idempotency::NotIdempotent);
        assert_eq!(HttpClassifier.classify(&marked, &reset), Decision::Stop);
    }
}
