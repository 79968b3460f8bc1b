//! `std::io::Error`: the kinds that a later attempt can fix.
//!
//! Transient: the peer refused, reset or aborted the connection, the pipe broke,
//! the socket is not connected, the operation timed out (`TimedOut`, or
//! `WouldBlock` from a socket with a read timeout), a system call was
//! interrupted, the stream ended early, the network or host is unreachable or
//! down, the resource is busy.
//!
//! Not transient: everything else, notably `NotFound`, `PermissionDenied`,
//! `InvalidInput`, `InvalidData`, `AddrInUse`, `Unsupported` and `Other`:
//! retrying those only delays the failure.

use crate::matching::{ErrorChain, downcast};
use std::io::{Error, ErrorKind};

/// Whether an I/O error of this kind is worth retrying.
///
/// ```
/// use retry_core::predicates::is_transient_io_kind;
/// use std::io::ErrorKind;
///
/// assert!(is_transient_io_kind(ErrorKind::ConnectionReset));
/// assert!(is_transient_io_kind(ErrorKind::TimedOut));
/// assert!(!is_transient_io_kind(ErrorKind::PermissionDenied));
/// ```
#[must_use]
pub fn is_transient_io_kind(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::ConnectionRefused
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::NotConnected
            | ErrorKind::BrokenPipe
            | ErrorKind::TimedOut
            | ErrorKind::WouldBlock
            | ErrorKind::Interrupted
            | ErrorKind::UnexpectedEof
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable
            | ErrorKind::NetworkDown
            | ErrorKind::ResourceBusy
    )
}

/// Whether this I/O error is worth retrying: its kind is transient (see the
/// [module](self) docs), or it wraps an error whose chain holds a transient
/// `io::Error` (as `io::Error::other(e)` does).
///
/// ```
/// use retry_core::predicates::is_transient_io_error;
/// use std::io;
///
/// assert!(is_transient_io_error(&io::Error::from(io::ErrorKind::ConnectionRefused)));
/// assert!(!is_transient_io_error(&io::Error::from(io::ErrorKind::NotFound)));
///
/// // On a real socket: nothing listens on a port just freed.
/// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
/// let refused = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap_err();
/// assert!(is_transient_io_error(&refused));
/// # Ok::<(), io::Error>(())
/// ```
///
/// As `on`: `#[retry(on = retry_core::predicates::is_transient_io_error)]`, or
/// `Retry::default().on(is_transient_io_error)`.
#[must_use]
pub fn is_transient_io_error(error: &Error) -> bool {
    has_transient_io_error(error)
}

/// Whether any error in the chain of `error` (itself, its `source()`s, and
/// errors wrapped inside `io::Error`s) is a transient `io::Error`, or a `Box` or
/// `Arc` of one. For error types of your own that wrap one, boxed errors, and
/// `anyhow::Error` (feature `anyhow`).
///
/// ```
/// use retry_core::{Retry, predicates::io::has_transient_io_error};
/// use std::{fmt, io};
///
/// #[derive(Debug)]
/// struct FetchError(io::Error);
/// impl fmt::Display for FetchError {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str("fetch failed") }
/// }
/// impl std::error::Error for FetchError {
///     fn source(&self) -> Option<&(dyn std::error::Error + 'static)> { Some(&self.0) }
/// }
///
/// assert!(has_transient_io_error(&FetchError(io::ErrorKind::BrokenPipe.into())));
/// assert!(!has_transient_io_error(&FetchError(io::ErrorKind::InvalidData.into())));
///
/// let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(io::Error::from(io::ErrorKind::TimedOut));
/// assert!(has_transient_io_error(&boxed));
/// ```
pub fn has_transient_io_error<E: ErrorChain<M>, M>(error: &E) -> bool {
    error.any_in_chain(&mut |e| downcast::<Error>(e).is_some_and(|io| is_transient_io_kind(io.kind())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decision, Retry, matching::RetryOn};

    #[test]
    fn kinds() {
        for kind in
            [ErrorKind::ConnectionReset, ErrorKind::BrokenPipe, ErrorKind::UnexpectedEof, ErrorKind::Interrupted]
        {
            assert!(is_transient_io_kind(kind), "{kind:?}");
        }
        for kind in [ErrorKind::NotFound, ErrorKind::InvalidData, ErrorKind::Other, ErrorKind::AddrInUse] {
            assert!(!is_transient_io_kind(kind), "{kind:?}");
        }
    }

    #[test]
    fn looks_inside_other() {
        let wrapped = Error::other(Error::from(ErrorKind::ConnectionAborted));
        assert!(is_transient_io_error(&wrapped));
        assert!(!is_transient_io_error(&Error::other("bad request")));
    }

    #[test]
    fn sees_through_box_and_arc() {
        assert!(has_transient_io_error(&Box::new(Error::from(ErrorKind::TimedOut))));
        assert!(has_transient_io_error(&std::sync::Arc::new(Error::from(ErrorKind::TimedOut))));
        assert!(!has_transient_io_error(&Box::new(Error::from(ErrorKind::NotFound))));
    }

    #[test]
    fn works_as_on() {
        assert_eq!(is_transient_io_error.decide(&Error::from(ErrorKind::TimedOut)), Decision::Retry);
        let policy = Retry::new(crate::backoff::NoBackoff, 2).on(is_transient_io_error);
        let mut calls = 0;
        let result: Result<(), Error> = policy.call(|_| {
            calls += 1;
            Err(Error::from(ErrorKind::PermissionDenied))
        });
        assert!(result.is_err());
        assert_eq!(calls, 1, "a permanent error is not retried");
    }
}
