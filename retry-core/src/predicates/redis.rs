//! `redis::RedisError` (feature `redis`): what valkey-py retries, and the
//! cluster replies that pass by themselves.
//!
//! valkey-py users write `retry_on_error=[BusyLoadingError, ConnectionError,
//! TimeoutError]`. [`is_transient_redis_error`] retries that set (the first four
//! rows below) and more: `TRYAGAIN`, `CLUSTERDOWN` and `MASTERDOWN`, which also go
//! away by themselves (a slot migration ends, a cluster or a replica's link to its
//! master comes back), and which that list leaves out:
//!
//! | redis-rs says | server reply | meaning |
//! |---|---|---|
//! | [`is_connection_dropped`] | — | reset, broken pipe, closed by the server |
//! | [`is_connection_refusal`] | — | nothing listens (yet): a restart |
//! | [`is_timeout`] | — | no answer in time |
//! | `BusyLoading` | `LOADING` | a restarted server still reading its data set |
//! | `TryAgain` | `TRYAGAIN` | a cluster slot is being migrated |
//! | `ClusterDown` | `CLUSTERDOWN` | the cluster is not serving (yet) |
//! | `MasterDown` | `MASTERDOWN` | a replica lost its master and refuses stale reads |
//!
//! [`is_failover_error`] adds what a Sentinel client sees while a failover is
//! under way: `READONLY` from a master that was demoted, and a sentinel that
//! does not know the master (yet). Those are only worth retrying after asking
//! the sentinel again, so use it with a refresh step
//! ([`Retry::call_with_refresh`](crate::Retry::call_with_refresh)).
//!
//! Everything else, such as a wrong type (`WRONGTYPE`), a syntax error, a
//! missing script or failed authentication, is returned at once.
//!
//! **Not applied, or maybe applied.** A timeout or a connection dropped mid-reply
//! may come after the server ran the command: [`is_transient_redis_error`] and
//! [`is_failover_error`] retry those too, which is only safe for a function whose
//! commands are idempotent (`GET`, `SET`, `DEL`, `HSET`..., not `INCR` or
//! `LPUSH`). For any other function use [`is_unapplied_redis_error`]: it retries
//! only what surely did not run (a refused connection, `LOADING`, `READONLY`,
//! `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `MOVED`, `ASK`). The split is
//! [`retry_core::redis::applied`](crate::redis::applied); the retrying connection,
//! [`retry_core::redis::RetryingConnection`](crate::redis::RetryingConnection),
//! makes it per command by itself.
//!
//! [`is_connection_dropped`]: redis::RedisError::is_connection_dropped
//! [`is_connection_refusal`]: redis::RedisError::is_connection_refusal
//! [`is_timeout`]: redis::RedisError::is_timeout

use crate::matching::{ErrorChain, downcast};
use redis::{ErrorKind, RedisError, ServerErrorKind};

/// Whether a Redis error is worth retrying: the connection dropped or was
/// refused, a timeout, or the server answered `LOADING`, `TRYAGAIN`,
/// `CLUSTERDOWN` or `MASTERDOWN`.
///
/// A timeout or a dropped connection may come after the command ran: keep this
/// predicate for idempotent functions, and use [`is_unapplied_redis_error`]
/// for the others.
///
/// ```
/// use redis::{ErrorKind, RedisError, ServerErrorKind};
/// use retry_core::predicates::redis::is_transient_redis_error;
///
/// let loading = RedisError::from((ErrorKind::Server(ServerErrorKind::BusyLoading), "loading"));
/// assert!(is_transient_redis_error(&loading));
/// let wrong_type = RedisError::from((ErrorKind::UnexpectedReturnType, "not a number"));
/// assert!(!is_transient_redis_error(&wrong_type));
///
/// // A real refusal: nothing listens on a port just freed.
/// let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
/// let client = redis::Client::open(format!("redis://127.0.0.1:{port}/"))?;
/// let refused = client.get_connection().err().expect("nothing listens there");
/// assert!(is_transient_redis_error(&refused));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// As `on`: `#[retry(on = retry_core::predicates::redis::is_transient_redis_error)]`.
#[must_use]
pub fn is_transient_redis_error(error: &RedisError) -> bool {
    error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || matches!(
            error.kind(),
            ErrorKind::Server(
                ServerErrorKind::BusyLoading
                    | ServerErrorKind::TryAgain
                    | ServerErrorKind::ClusterDown
                    | ServerErrorKind::MasterDown
            )
        )
}

/// [`is_transient_redis_error`], plus what a failover shows a Sentinel client:
/// `READONLY` (the address it writes to was demoted to a replica) and a sentinel
/// that has no master, or no replica, for the name (yet).
///
/// ```
/// use redis::{ErrorKind, RedisError, ServerErrorKind};
/// use retry_core::predicates::redis::{is_failover_error, is_transient_redis_error};
///
/// let demoted = RedisError::from((ErrorKind::Server(ServerErrorKind::ReadOnly), "read only replica"));
/// assert!(is_failover_error(&demoted));
/// assert!(!is_transient_redis_error(&demoted));
/// let no_script = RedisError::from((ErrorKind::Server(ServerErrorKind::NoScript), "no script"));
/// assert!(!is_failover_error(&no_script));
/// ```
#[must_use]
pub fn is_failover_error(error: &RedisError) -> bool {
    is_transient_redis_error(error)
        || matches!(
            error.kind(),
            ErrorKind::Server(ServerErrorKind::ReadOnly)
                | ErrorKind::MasterNameNotFoundBySentinel
                | ErrorKind::NoValidReplicasFoundBySentinel
        )
}

/// Whether a Redis error surely left the command unapplied, so that retrying it
/// is safe for any command, `INCR` and `LPUSH` included: the connection was
/// refused, or the server refused the command before running it (`LOADING`,
/// `READONLY`, `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `MOVED`, `ASK`).
///
/// ```
/// use redis::{ErrorKind, RedisError, ServerErrorKind};
/// use retry_core::predicates::redis::is_unapplied_redis_error;
/// use std::io;
///
/// assert!(is_unapplied_redis_error(&RedisError::from((ErrorKind::Server(ServerErrorKind::BusyLoading), "loading"))));
/// assert!(is_unapplied_redis_error(&RedisError::from(io::Error::from(io::ErrorKind::ConnectionRefused))));
/// let timeout = RedisError::from(io::Error::from(io::ErrorKind::TimedOut));
/// assert!(!is_unapplied_redis_error(&timeout), "the command may have run");
/// ```
///
/// As `on` of a function that is not idempotent:
/// `#[retry(on = retry_core::predicates::redis::is_unapplied_redis_error)]`.
#[must_use]
pub fn is_unapplied_redis_error(error: &RedisError) -> bool {
    crate::redis::applied(error) == Some(crate::idempotency::Applied::No)
}

/// Whether any error in the chain of `error` is a `RedisError` that
/// [`is_unapplied_redis_error`] accepts.
///
/// ```
/// use redis::{ErrorKind, RedisError, ServerErrorKind};
/// use retry_core::predicates::redis::has_unapplied_redis_error;
///
/// let boxed: Box<dyn std::error::Error + Send + Sync> =
///     Box::new(RedisError::from((ErrorKind::Server(ServerErrorKind::ReadOnly), "demoted")));
/// assert!(has_unapplied_redis_error(&boxed));
/// ```
pub fn has_unapplied_redis_error<E: ErrorChain<M>, M>(error: &E) -> bool {
    error.any_in_chain(&mut |e| downcast::<RedisError>(e).is_some_and(is_unapplied_redis_error))
}

/// Whether any error in the chain of `error` is a `RedisError` (or a `Box` or
/// `Arc` of one) that [`is_transient_redis_error`] accepts: for error types of
/// your own that wrap one, boxed errors and `anyhow::Error` (feature `anyhow`).
///
/// ```
/// use redis::{ErrorKind, RedisError, ServerErrorKind};
/// use retry_core::predicates::redis::has_transient_redis_error;
///
/// let boxed: Box<dyn std::error::Error + Send + Sync> =
///     Box::new(RedisError::from((ErrorKind::Server(ServerErrorKind::TryAgain), "slot migrating")));
/// assert!(has_transient_redis_error(&boxed));
/// let other: Box<dyn std::error::Error + Send + Sync> = "invalid key".into();
/// assert!(!has_transient_redis_error(&other));
/// ```
pub fn has_transient_redis_error<E: ErrorChain<M>, M>(error: &E) -> bool {
    error.any_in_chain(&mut |e| downcast::<RedisError>(e).is_some_and(is_transient_redis_error))
}

/// Whether any error in the chain of `error` is a `RedisError` that
/// [`is_failover_error`] accepts.
///
/// ```
/// use redis::{ErrorKind, RedisError, ServerErrorKind};
/// use retry_core::predicates::redis::has_failover_error;
///
/// let boxed: Box<dyn std::error::Error + Send + Sync> =
///     Box::new(RedisError::from((ErrorKind::Server(ServerErrorKind::ReadOnly), "demoted")));
/// assert!(has_failover_error(&boxed));
/// ```
pub fn has_failover_error<E: ErrorChain<M>, M>(error: &E) -> bool {
    error.any_in_chain(&mut |e| downcast::<RedisError>(e).is_some_and(is_failover_error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    fn server(kind: ServerErrorKind) -> RedisError {
        RedisError::from((ErrorKind::Server(kind), "server said so"))
    }

    #[test]
    fn the_valkey_py_set_and_the_cluster_replies() {
        for kind in [
            ServerErrorKind::BusyLoading,
            ServerErrorKind::TryAgain,
            ServerErrorKind::ClusterDown,
            ServerErrorKind::MasterDown,
        ] {
            assert!(is_transient_redis_error(&server(kind)), "{kind:?}");
        }
        for kind in [
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::ConnectionRefused,
            io::ErrorKind::BrokenPipe,
            io::ErrorKind::TimedOut,
            io::ErrorKind::UnexpectedEof,
        ] {
            assert!(is_transient_redis_error(&RedisError::from(io::Error::from(kind))), "{kind:?}");
        }
    }

    #[test]
    fn permanent_errors() {
        for kind in [
            ServerErrorKind::ResponseError,
            ServerErrorKind::NoScript,
            ServerErrorKind::CrossSlot,
            ServerErrorKind::NoPerm,
        ] {
            assert!(!is_failover_error(&server(kind)), "{kind:?}");
        }
        assert!(!is_transient_redis_error(&RedisError::from((ErrorKind::AuthenticationFailed, "WRONGPASS"))));
        assert!(!is_transient_redis_error(&RedisError::from(io::Error::from(io::ErrorKind::PermissionDenied))));
    }

    #[test]
    fn sees_through_box_and_arc() {
        assert!(has_transient_redis_error(&Box::new(server(ServerErrorKind::TryAgain))));
        assert!(has_failover_error(&std::sync::Arc::new(server(ServerErrorKind::ReadOnly))));
        assert!(!has_transient_redis_error(&Box::new(server(ServerErrorKind::NoScript))));
    }

    #[test]
    fn failover_adds_readonly_and_sentinel_errors() {
        assert!(is_failover_error(&server(ServerErrorKind::ReadOnly)));
        assert!(is_failover_error(&RedisError::from((ErrorKind::MasterNameNotFoundBySentinel, "no master"))));
        assert!(!is_transient_redis_error(&server(ServerErrorKind::ReadOnly)));
    }
}
