//! Sorting a `RedisError` into *not applied*, *maybe applied*, or not worth retrying.

use crate::idempotency::Applied;
use redis::{ErrorKind, RedisError, ServerErrorKind};
use std::io;

/// What a failed command may have done on the server, or `None` when retrying
/// it cannot help (a wrong type, a syntax error, a missing script, bad
/// credentials).
///
/// | error | [`Applied`] | why |
/// |---|---|---|
/// | connection refused | `No` | nothing listens: the command was never sent |
/// | `LOADING`, `READONLY`, `MASTERDOWN`, `TRYAGAIN`, `CLUSTERDOWN`, `MOVED`, `ASK` | `No` | the server refused the command before running it |
/// | a sentinel that knows no master (yet), no cluster node for the slot | `No` | no server was asked |
/// | a timeout, a reset, an end of file, a broken pipe, a driver that stopped | `Maybe` | the command may have been sent, and run, before the reply was lost |
/// | `NOREPLICAS` | `Maybe` | the server may have run the command without enough replicas to acknowledge it |
///
/// A failure of [`RetryingConnection`](super::RetryingConnection) while it
/// (re)connects, before the command is sent, is *not applied* whatever its io
/// kind: the connection marks it so.
///
/// ```
/// use redis::{ErrorKind, RedisError, ServerErrorKind};
/// use retry_core::idempotency::Applied;
/// use retry_core::redis::applied;
/// use std::io;
///
/// let loading = RedisError::from((ErrorKind::Server(ServerErrorKind::BusyLoading), "loading"));
/// assert_eq!(applied(&loading), Some(Applied::No));
/// let eof = RedisError::from(io::Error::from(io::ErrorKind::UnexpectedEof));
/// assert_eq!(applied(&eof), Some(Applied::Maybe));
/// let wrong_type = RedisError::from((ErrorKind::Server(ServerErrorKind::ResponseError), "WRONGTYPE"));
/// assert_eq!(applied(&wrong_type), None);
/// ```
#[must_use]
pub fn applied(error: &RedisError) -> Option<Applied> {
    if super::MayHaveBeenApplied::find(error).is_some() {
        return Some(Applied::Maybe);
    }
    if super::error::NotSent::is(error) {
        return Some(Applied::No);
    }
    match error.kind() {
        ErrorKind::Server(kind) => server_reply(kind),
        ErrorKind::Extension => match error.code() {
            Some("NOREPLICAS") => Some(Applied::Maybe),
            _ => None,
        },
        ErrorKind::MasterNameNotFoundBySentinel
        | ErrorKind::NoValidReplicasFoundBySentinel
        | ErrorKind::ClusterConnectionNotFound => Some(Applied::No),
        ErrorKind::Io => io_failure(error),
        _ => None,
    }
}

fn server_reply(kind: ServerErrorKind) -> Option<Applied> {
    match kind {
        ServerErrorKind::BusyLoading
        | ServerErrorKind::ReadOnly
        | ServerErrorKind::MasterDown
        | ServerErrorKind::TryAgain
        | ServerErrorKind::ClusterDown
        | ServerErrorKind::Moved
        | ServerErrorKind::Ask => Some(Applied::No),
        _ => None,
    }
}

fn io_failure(error: &RedisError) -> Option<Applied> {
    if error.is_connection_refusal() {
        return Some(Applied::No);
    }
    let io_kind = super::error::io_error(error).map(io::Error::kind);
    match io_kind {
        Some(io::ErrorKind::PermissionDenied | io::ErrorKind::Unsupported | io::ErrorKind::InvalidInput) => None,
        // Timeouts, resets, end of file, broken pipes; and the io errors redis-rs
        // makes itself ("connection dropped", a stopped driver), which carry no
        // `io::Error`: in every case the command may have left.
        _ => Some(Applied::Maybe),
    }
}

/// Whether the connection an error came from should be dropped before the next
/// attempt, valkey's `fail` step: it broke, or the server behind it changed role
/// (a demoted master says `READONLY`; a replica that lost its master says
/// `MASTERDOWN`), so that the next attempt reconnects, and a Sentinel connection
/// asks the sentinels for the master again.
pub(crate) fn needs_reconnect(error: &RedisError) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Io | ErrorKind::Parse | ErrorKind::Server(ServerErrorKind::ReadOnly | ServerErrorKind::MasterDown)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(kind: ServerErrorKind) -> RedisError {
        RedisError::from((ErrorKind::Server(kind), "server said so"))
    }

    fn io_error(kind: io::ErrorKind) -> RedisError {
        RedisError::from(io::Error::from(kind))
    }

    #[test]
    fn refusals_before_running_are_not_applied() {
        for kind in [
            ServerErrorKind::BusyLoading,
            ServerErrorKind::ReadOnly,
            ServerErrorKind::MasterDown,
            ServerErrorKind::TryAgain,
            ServerErrorKind::ClusterDown,
        ] {
            assert_eq!(applied(&server(kind)), Some(Applied::No), "{kind:?}");
        }
        assert_eq!(applied(&io_error(io::ErrorKind::ConnectionRefused)), Some(Applied::No));
        assert_eq!(applied(&RedisError::from((ErrorKind::MasterNameNotFoundBySentinel, "none"))), Some(Applied::No));
    }

    #[test]
    fn lost_replies_may_have_been_applied() {
        for kind in [
            io::ErrorKind::TimedOut,
            io::ErrorKind::WouldBlock,
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::BrokenPipe,
            io::ErrorKind::ConnectionAborted,
        ] {
            assert_eq!(applied(&io_error(kind)), Some(Applied::Maybe), "{kind:?}");
        }
        assert_eq!(applied(&RedisError::from((ErrorKind::Io, "Connection dropped"))), Some(Applied::Maybe));
        let noreplicas = redis::make_extension_error("NOREPLICAS".into(), Some("Not enough good replicas".into()));
        assert_eq!(applied(&noreplicas), Some(Applied::Maybe));
    }

    #[test]
    fn permanent_errors_are_not_retried() {
        for kind in [ServerErrorKind::ResponseError, ServerErrorKind::NoScript, ServerErrorKind::NoPerm] {
            assert_eq!(applied(&server(kind)), None, "{kind:?}");
        }
        assert_eq!(applied(&RedisError::from((ErrorKind::AuthenticationFailed, "WRONGPASS"))), None);
        assert_eq!(applied(&io_error(io::ErrorKind::PermissionDenied)), None);
    }

    #[test]
    fn broken_connections_and_changed_roles_reconnect() {
        assert!(needs_reconnect(&io_error(io::ErrorKind::UnexpectedEof)));
        assert!(needs_reconnect(&server(ServerErrorKind::ReadOnly)));
        assert!(!needs_reconnect(&server(ServerErrorKind::BusyLoading)));
        assert!(!needs_reconnect(&server(ServerErrorKind::ResponseError)));
    }
}
