//! `reqwest::Error` and HTTP statuses (feature `reqwest`), with `Retry-After`.
//!
//! Worth retrying:
//! - the connection could not be made ([`is_connect`]), or an attempt timed out
//!   ([`is_timeout`]);
//! - the connection broke under the request or the response: a transient
//!   `io::Error` (reset, aborted, broken pipe, ..) anywhere in the error's chain,
//!   or hyper's "connection closed before message completed";
//! - the server answered 408 Request Timeout, 429 Too Many Requests, or a 5xx
//!   other than 501 Not Implemented, 505 HTTP Version Not Supported and
//!   511 Network Authentication Required ([`is_retryable_status`]).
//!
//! Not worth retrying: every other status (400, 401, 404, ..), a request that
//! could not be built, a redirect loop, a body that does not decode.
//!
//! # Retry-After
//!
//! `reqwest::Error` drops the response headers, and with them `Retry-After`. So
//! check the status yourself with [`check_status`] instead of
//! `Response::error_for_status`: its [`StatusError`] keeps the header's wait, and
//! [`retry_after_or_transient`] turns it into
//! [`Decision::RetryAfter`], the exact wait the server asked for (no jitter,
//! no `wait_max` clamp; the attempts and the deadline still apply, so a server
//! asking for an hour ends a call with a 45 s deadline at once).
//!
//! ```no_run
//! use retry_core::predicates::reqwest::{HttpError, check_status, retry_after_or_transient};
//! use retry_core::retry;
//!
//! #[retry(on = retry_after_or_transient, attempts = 5, timeout = "30s")]
//! async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, HttpError> {
//!     let response = check_status(client.get(url).send().await?)?;
//!     Ok(response.text().await?)
//! }
//! ```
//!
//! # Idempotency
//!
//! The predicates above retry a failure that may have been applied (a timeout
//! after sending, a connection closed mid-response, a 502) whatever the method:
//! right for `GET` and `PUT`, wrong for a `POST` that reached the server, which
//! would then be sent twice. For requests that are not idempotent, use
//! [`retry_after_or_not_applied`]: it retries only what surely did not reach
//! the server (a connection never made, 429 or 503 with `Retry-After`). The
//! sorting is [`applied`], in the crate's [`idempotency`](crate::idempotency)
//! vocabulary; [`decide_for`] takes the request's [`Idempotency`] as a value.
//!
//! ```no_run
//! use retry_core::predicates::reqwest::{HttpError, check_status, retry_after_or_not_applied};
//! use retry_core::retry;
//!
//! #[retry(on = retry_after_or_not_applied, attempts = 5, timeout = "30s")]
//! async fn place_order(client: &reqwest::Client, url: &str, order: &str) -> Result<String, HttpError> {
//!     let response = check_status(client.post(url).body(order.to_owned()).send().await?)?;
//!     Ok(response.text().await?)
//! }
//! ```
//!
//! [`is_connect`]: reqwest::Error::is_connect
//! [`is_timeout`]: reqwest::Error::is_timeout

use super::io::has_transient_io_error;
use crate::Decision;
use crate::idempotency::{Applied, Idempotency};
use crate::matching::{ErrorChain, downcast};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::error::Error;
use std::fmt;
#[cfg(test)]
use std::time::UNIX_EPOCH;
use std::time::{Duration, SystemTime};

/// Whether a response with this status is worth retrying: 408, 429, and every
/// 5xx but 501, 505 and 511.
///
/// ```
/// use reqwest::StatusCode;
/// use retry_core::predicates::reqwest::is_retryable_status;
///
/// assert!(is_retryable_status(StatusCode::SERVICE_UNAVAILABLE));
/// assert!(is_retryable_status(StatusCode::TOO_MANY_REQUESTS));
/// assert!(!is_retryable_status(StatusCode::NOT_FOUND));
/// assert!(!is_retryable_status(StatusCode::NOT_IMPLEMENTED));
/// ```
#[must_use]
pub fn is_retryable_status(status: StatusCode) -> bool {
    match status {
        StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS => true,
        StatusCode::NOT_IMPLEMENTED
        | StatusCode::HTTP_VERSION_NOT_SUPPORTED
        | StatusCode::NETWORK_AUTHENTICATION_REQUIRED => false,
        status => status.is_server_error(),
    }
}

/// Whether a `reqwest::Error` is worth retrying: a connect error, a timeout, a
/// connection broken under the exchange, or a retryable status (from
/// `Response::error_for_status`). See the [module](self) docs.
///
/// It does not look at the method: a timeout after a `POST` was sent is
/// retried too. For requests that are not idempotent, retry only what
/// [`applied`] calls [`Applied::No`] ([`retry_after_or_not_applied`]).
///
/// ```
/// use retry_core::predicates::reqwest::is_transient_reqwest_error;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // A real connect error: nothing listens on a loopback port just freed.
/// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
/// let refused = reqwest::get(format!("http://127.0.0.1:{port}/")).await.unwrap_err();
/// assert!(refused.is_connect());
/// assert!(is_transient_reqwest_error(&refused));
///
/// // A request that cannot be built is not.
/// let bad = reqwest::Client::new().get("no scheme").build().unwrap_err();
/// assert!(!is_transient_reqwest_error(&bad));
/// # Ok(())
/// # }
/// ```
#[must_use]
pub fn is_transient_reqwest_error(error: &reqwest::Error) -> bool {
    if let Some(status) = error.status() {
        return is_retryable_status(status);
    }
    if error.is_builder() || error.is_redirect() || error.is_decode() {
        return false;
    }
    error.is_connect() || error.is_timeout() || has_transient_io_error(error) || has_broken_connection(error)
}

/// hyper's own words for a connection that went away mid-exchange (EOF before the
/// response, a pooled connection closed under the request).
fn has_broken_connection(error: &(dyn Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        let broken = e
            .downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_incomplete_message() || h.is_canceled() || h.is_closed());
        if broken {
            return true;
        }
        current = e.source();
    }
    false
}

/// The wait a `Retry-After` header asks for, if the headers hold one that parses.
///
/// ```
/// use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
/// use retry_core::predicates::reqwest::retry_after;
/// use std::time::Duration;
///
/// let mut headers = HeaderMap::new();
/// assert_eq!(retry_after(&headers), None);
/// headers.insert(RETRY_AFTER, HeaderValue::from_static("2"));
/// assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
/// ```
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}

/// Parses a `Retry-After` value: delay-seconds (`"120"`) or an HTTP date in the
/// IMF-fixdate form (`"Wed, 21 Oct 2015 07:28:00 GMT"`), seen from `now`. A date
/// in the past is a zero wait; anything else is `None`.
///
/// ```
/// use retry_core::predicates::reqwest::parse_retry_after;
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
///
/// let now = UNIX_EPOCH + Duration::from_secs(1_445_412_470); // 07:27:50 GMT
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(10)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
/// assert_eq!(parse_retry_after("soon", now), None);
/// assert_eq!(parse_retry_after("-5", now), None);
/// ```
#[must_use]
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    super::retry_after::parse(value, now)
}

/// A response whose status is an error (4xx or 5xx), with the wait its
/// `Retry-After` header asked for. Made by [`check_status`] or [`StatusError::new`].
///
/// ```
/// use reqwest::StatusCode;
/// use retry_core::predicates::reqwest::StatusError;
/// use std::time::Duration;
///
/// let busy = StatusError::new(StatusCode::SERVICE_UNAVAILABLE, Some(Duration::from_secs(1)));
/// assert_eq!(busy.to_string(), "HTTP 503 Service Unavailable (Retry-After: 1s)");
/// assert!(busy.is_retryable());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusError {
    status: StatusCode,
    retry_after: Option<Duration>,
    url: Option<String>,
}

impl StatusError {
    /// An error status, and the wait the server asked for, if any.
    #[must_use]
    pub fn new(status: StatusCode, retry_after: Option<Duration>) -> Self {
        Self { status, retry_after, url: None }
    }

    /// The status of a response, if it is an error, with its `Retry-After`.
    #[must_use]
    pub fn from_response(response: &reqwest::Response) -> Option<Self> {
        let status = response.status();
        (status.is_client_error() || status.is_server_error()).then(|| Self {
            status,
            retry_after: retry_after(response.headers()),
            url: Some(response.url().to_string()),
        })
    }

    /// The status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The wait `Retry-After` asked for.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The URL that answered, for responses checked by [`check_status`].
    #[must_use]
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// Whether the status is worth retrying ([`is_retryable_status`]).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        is_retryable_status(self.status)
    }

    /// What the request may have done: [`Applied::No`] for 429 or 503 with
    /// `Retry-After` (the server refused it), [`Applied::Maybe`] for another
    /// retryable status (408, 429, 5xx but 501, 505, 511), `None` otherwise.
    ///
    /// ```
    /// use reqwest::StatusCode;
    /// use retry_core::idempotency::Applied;
    /// use retry_core::predicates::reqwest::StatusError;
    /// use std::time::Duration;
    ///
    /// let busy = StatusError::new(StatusCode::SERVICE_UNAVAILABLE, Some(Duration::from_secs(1)));
    /// assert_eq!(busy.applied(), Some(Applied::No));
    /// assert_eq!(StatusError::new(StatusCode::BAD_GATEWAY, None).applied(), Some(Applied::Maybe));
    /// assert_eq!(StatusError::new(StatusCode::NOT_FOUND, None).applied(), None);
    /// ```
    #[must_use]
    pub fn applied(&self) -> Option<Applied> {
        match (self.status, self.retry_after) {
            (StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE, Some(_)) => Some(Applied::No),
            (status, _) if is_retryable_status(status) => Some(Applied::Maybe),
            _ => None,
        }
    }

    /// [`Decision::RetryAfter`] for a retryable status with `Retry-After`,
    /// [`Decision::Retry`] for one without, [`Decision::Stop`] otherwise.
    #[must_use]
    pub fn decision(&self) -> Decision {
        match (self.is_retryable(), self.retry_after) {
            (false, _) => Decision::Stop,
            (true, Some(wait)) => Decision::RetryAfter(wait),
            (true, None) => Decision::Retry,
        }
    }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(url) = &self.url {
            write!(f, " from {url}")?;
        }
        if let Some(wait) = self.retry_after {
            write!(f, " (Retry-After: {wait:?})")?;
        }
        Ok(())
    }
}

impl Error for StatusError {}

/// The response if its status is a success (or informational, or a redirect);
/// a [`StatusError`] that keeps `Retry-After` otherwise. The counterpart of
/// `Response::error_for_status` for retrying clients.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use retry_core::predicates::reqwest::check_status;
/// use std::io::{Read, Write};
///
/// // A one-shot server on loopback that is too busy.
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let url = format!("http://{}/", listener.local_addr()?);
/// std::thread::spawn(move || -> std::io::Result<()> {
///     let (mut socket, _) = listener.accept()?;
///     let _ = socket.read(&mut [0; 1024])?;
///     socket.write_all(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\ncontent-length: 0\r\n\r\n")
/// });
///
/// let error = check_status(reqwest::get(&url).await?).unwrap_err();
/// assert_eq!(error.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
/// assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(3)));
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// A [`StatusError`] for a 4xx or 5xx status.
pub fn check_status(response: reqwest::Response) -> Result<reqwest::Response, StatusError> {
    match StatusError::from_response(&response) {
        Some(error) => Err(error),
        None => Ok(response),
    }
}

/// What an HTTP call made with reqwest can fail with: the exchange itself, or an
/// error status checked by [`check_status`]. `?` converts both.
#[derive(Debug)]
pub enum HttpError {
    /// The request could not be made, or the response not read.
    Transport(reqwest::Error),
    /// The server answered with an error status.
    Status(StatusError),
}

impl From<reqwest::Error> for HttpError {
    fn from(error: reqwest::Error) -> Self {
        HttpError::Transport(error)
    }
}

impl From<StatusError> for HttpError {
    fn from(error: StatusError) -> Self {
        HttpError::Status(error)
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Transport(error) => write!(f, "request failed: {error}"),
            HttpError::Status(error) => error.fmt(f),
        }
    }
}

impl Error for HttpError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            HttpError::Transport(error) => Some(error),
            HttpError::Status(error) => Some(error),
        }
    }
}

/// The `on` of an HTTP client: the wait `Retry-After` asked for on a retryable
/// status, the backoff's wait for a transient transport error or a retryable
/// status without the header, and no retry for anything else.
///
/// It retries a failure that may have been applied whatever the method: use it
/// for idempotent requests (`GET`, `PUT`, `DELETE`, a request with an
/// idempotency key), and [`retry_after_or_not_applied`] for the others.
///
/// ```
/// use reqwest::StatusCode;
/// use retry_core::Decision;
/// use retry_core::predicates::reqwest::{HttpError, StatusError, retry_after_or_transient};
/// use std::time::Duration;
///
/// let slow_down = HttpError::from(StatusError::new(StatusCode::TOO_MANY_REQUESTS, Some(Duration::from_secs(7))));
/// assert_eq!(retry_after_or_transient(&slow_down), Decision::RetryAfter(Duration::from_secs(7)));
/// let flaky = HttpError::from(StatusError::new(StatusCode::BAD_GATEWAY, None));
/// assert_eq!(retry_after_or_transient(&flaky), Decision::Retry);
/// let gone = HttpError::from(StatusError::new(StatusCode::NOT_FOUND, None));
/// assert_eq!(retry_after_or_transient(&gone), Decision::Stop);
/// ```
#[must_use]
pub fn retry_after_or_transient(error: &HttpError) -> Decision {
    match error {
        HttpError::Transport(error) => is_transient_reqwest_error(error).into(),
        HttpError::Status(error) => error.decision(),
    }
}

/// What a failed reqwest exchange may have done on the server:
/// [`Applied::No`] when the connection was never made ([`is_connect`]: refused,
/// unreachable, a name that did not resolve, a connect timeout),
/// [`Applied::Maybe`] when the request may have been sent (a timeout, a reset, a
/// connection closed mid-response, a retryable status from
/// `error_for_status`), `None` when the error is not worth retrying.
///
/// ```
/// use retry_core::idempotency::Applied;
/// use retry_core::predicates::reqwest::applied;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
/// let refused = reqwest::Client::new().post(format!("http://127.0.0.1:{port}/")).send().await.unwrap_err();
/// assert_eq!(applied(&refused), Some(Applied::No));
/// # Ok(())
/// # }
/// ```
///
/// [`is_connect`]: reqwest::Error::is_connect
#[must_use]
pub fn applied(error: &reqwest::Error) -> Option<Applied> {
    if let Some(status) = error.status() {
        return StatusError::new(status, None).applied();
    }
    if error.is_builder() || error.is_redirect() || error.is_decode() {
        return None;
    }
    if error.is_connect() {
        return Some(Applied::No);
    }
    (error.is_timeout() || has_transient_io_error(error) || has_broken_connection(error)).then_some(Applied::Maybe)
}

/// The decision for an HTTP call whose request has this [`Idempotency`]: like
/// [`retry_after_or_transient`], but a failure that may have been applied is
/// retried only for an idempotent request.
///
/// ```
/// use reqwest::StatusCode;
/// use retry_core::Decision;
/// use retry_core::idempotency::Idempotency;
/// use retry_core::predicates::reqwest::{HttpError, StatusError, decide_for};
/// use std::time::Duration;
///
/// let bad_gateway = HttpError::from(StatusError::new(StatusCode::BAD_GATEWAY, None));
/// assert_eq!(decide_for(&bad_gateway, Idempotency::Idempotent), Decision::Retry);
/// assert_eq!(decide_for(&bad_gateway, Idempotency::NotIdempotent), Decision::Stop);
/// let busy = HttpError::from(StatusError::new(StatusCode::SERVICE_UNAVAILABLE, Some(Duration::from_secs(1))));
/// assert_eq!(decide_for(&busy, Idempotency::NotIdempotent), Decision::RetryAfter(Duration::from_secs(1)));
/// ```
#[must_use]
pub fn decide_for(error: &HttpError, idempotency: Idempotency) -> Decision {
    match error {
        HttpError::Transport(error) => applied(error).is_some_and(|applied| applied.retry_safe(idempotency)).into(),
        HttpError::Status(status) => match status.applied() {
            Some(applied) if applied.retry_safe(idempotency) => status.decision(),
            _ => Decision::Stop,
        },
    }
}

/// The `on` of a request that is not idempotent (`POST`, `PATCH`): retries
/// only what surely did not reach the server (a connection never made; 429 or
/// 503 with `Retry-After`, waiting what it asks), so the request is never
/// applied twice. [`decide_for`] with [`Idempotency::NotIdempotent`].
///
/// ```
/// use reqwest::StatusCode;
/// use retry_core::Decision;
/// use retry_core::predicates::reqwest::{HttpError, StatusError, retry_after_or_not_applied};
///
/// let timeout_at_the_gateway = HttpError::from(StatusError::new(StatusCode::GATEWAY_TIMEOUT, None));
/// assert_eq!(retry_after_or_not_applied(&timeout_at_the_gateway), Decision::Stop);
/// ```
#[must_use]
pub fn retry_after_or_not_applied(error: &HttpError) -> Decision {
    decide_for(error, Idempotency::NotIdempotent)
}

/// [`retry_after_or_transient`] for any error whose chain holds a
/// [`StatusError`], a `reqwest::Error` or an `io::Error` (or a `Box` or `Arc` of
/// one): your own error enum, a boxed error, `anyhow::Error` (feature `anyhow`).
/// The first of those found, outermost first, decides.
///
/// ```
/// use reqwest::StatusCode;
/// use retry_core::Decision;
/// use retry_core::predicates::reqwest::{StatusError, decide_in_chain};
/// use std::time::Duration;
///
/// let boxed: Box<dyn std::error::Error + Send + Sync> =
///     Box::new(StatusError::new(StatusCode::SERVICE_UNAVAILABLE, Some(Duration::from_secs(2))));
/// assert_eq!(decide_in_chain(&boxed), Decision::RetryAfter(Duration::from_secs(2)));
/// let other: Box<dyn std::error::Error + Send + Sync> = "invalid input".into();
/// assert_eq!(decide_in_chain(&other), Decision::Stop);
/// ```
pub fn decide_in_chain<E: ErrorChain<M>, M>(error: &E) -> Decision {
    let mut decision = Decision::Stop;
    error.any_in_chain(&mut |e| {
        if let Some(status) = downcast::<StatusError>(e) {
            decision = status.decision();
        } else if let Some(reqwest) = downcast::<reqwest::Error>(e) {
            decision = is_transient_reqwest_error(reqwest).into();
        } else if let Some(io) = downcast::<std::io::Error>(e) {
            decision = super::io::is_transient_io_kind(io.kind()).into();
        } else {
            return false;
        }
        true
    });
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        for code in [408, 429, 500, 502, 503, 504, 599] {
            assert!(is_retryable_status(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [200, 301, 400, 401, 403, 404, 409, 422, 501, 505, 511] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }

    #[test]
    fn dates() {
        use super::super::retry_after::parse_imf_fixdate;
        assert_eq!(parse_imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_imf_fixdate("Tue, 29 Feb 2028 12:00:00 GMT"), Some(1_835_438_400));
        assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 UTC"), None);
        assert_eq!(parse_imf_fixdate("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_imf_fixdate("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(parse_imf_fixdate("Sun, 06 Nov 1994 25:49:37 GMT"), None);
        assert_eq!(parse_retry_after(" 3 ", UNIX_EPOCH), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("", UNIX_EPOCH), None);
        assert_eq!(parse_retry_after("99999999999999999999999", UNIX_EPOCH), None);
    }

    #[test]
    fn decisions() {
        let e = StatusError::new(StatusCode::SERVICE_UNAVAILABLE, Some(Duration::ZERO));
        assert_eq!(e.decision(), Decision::RetryAfter(Duration::ZERO));
        let e = StatusError::new(StatusCode::BAD_REQUEST, Some(Duration::from_secs(1)));
        assert_eq!(e.decision(), Decision::Stop);
        let io: Box<dyn Error + Send + Sync> = Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(decide_in_chain(&io), Decision::Retry);
        let boxed = Box::new(StatusError::new(StatusCode::SERVICE_UNAVAILABLE, Some(Duration::from_secs(2))));
        assert_eq!(decide_in_chain(&boxed), Decision::RetryAfter(Duration::from_secs(2)));
        let shared = std::sync::Arc::new(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        assert_eq!(decide_in_chain(&shared), Decision::Retry);
    }
}
