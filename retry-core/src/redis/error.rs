//! The error a caller gets when an earlier attempt may have been applied.

use crate::idempotency::Applied;
use redis::RedisError;
use std::sync::Arc;
use std::{error, fmt, io};

/// The last error of a command that was retried after an attempt that may have
/// been applied: the caller cannot tell from the last error alone (a "connection
/// refused" after a restart) that the command may have run.
///
/// The connection returns it inside a `RedisError` (of kind `Io`, with the io
/// kind of the last error when it had one); find it with
/// [`MayHaveBeenApplied::find`], or ask [`may_have_been_applied`].
///
/// ```
/// use redis::RedisError;
/// use retry_core::redis::{MayHaveBeenApplied, may_have_been_applied};
/// use std::io;
///
/// let eof = RedisError::from(io::Error::from(io::ErrorKind::UnexpectedEof));
/// let refused = RedisError::from(io::Error::from(io::ErrorKind::ConnectionRefused));
/// assert!(!may_have_been_applied(&refused), "refused: never sent");
///
/// let returned = MayHaveBeenApplied::wrap(eof, refused, 3);
/// assert!(may_have_been_applied(&returned));
/// let details = MayHaveBeenApplied::find(&returned).unwrap();
/// assert_eq!(details.attempts(), 3);
/// assert!(details.last().is_connection_refusal());
/// assert!(returned.to_string().contains("an earlier attempt may have been applied"));
/// ```
#[derive(Debug)]
pub struct MayHaveBeenApplied {
    earlier: RedisError,
    last: RedisError,
    attempts: u32,
}

impl MayHaveBeenApplied {
    /// The `RedisError` that says `last` ended a call of `attempts` attempts, one
    /// of which failed with `earlier`, a failure that may have been applied.
    #[must_use]
    pub fn wrap(earlier: RedisError, last: RedisError, attempts: u32) -> RedisError {
        let kind = io_kind(&last).unwrap_or(io::ErrorKind::Other);
        RedisError::from(io::Error::new(kind, MayHaveBeenApplied { earlier, last, attempts }))
    }

    /// The details inside an error the connection returned, if it is one.
    #[must_use]
    pub fn find(error: &RedisError) -> Option<&MayHaveBeenApplied> {
        inner(error)
    }

    /// The earlier failure that may have been applied.
    #[must_use]
    pub fn earlier(&self) -> &RedisError {
        &self.earlier
    }

    /// The failure that ended the call.
    #[must_use]
    pub fn last(&self) -> &RedisError {
        &self.last
    }

    /// Attempts made in all.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl fmt::Display for MayHaveBeenApplied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (after {} attempts; an earlier attempt may have been applied: {})",
            self.last, self.attempts, self.earlier
        )
    }
}

impl error::Error for MayHaveBeenApplied {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        Some(&self.last)
    }
}

/// A failure to connect before a command was sent: whatever its io kind (a
/// timeout of the handshake, say), the command surely did not run.
#[derive(Debug)]
pub(crate) struct NotSent(RedisError);

impl NotSent {
    /// `error`, raised while connecting, marked as not sent; its io kind is kept,
    /// so that `is_timeout` and `is_connection_refusal` still answer.
    pub(crate) fn wrap(error: RedisError) -> RedisError {
        let kind = io_kind(&error).unwrap_or(io::ErrorKind::Other);
        RedisError::from(io::Error::new(kind, NotSent(error)))
    }

    pub(crate) fn is(error: &RedisError) -> bool {
        inner::<NotSent>(error).is_some()
    }
}

impl fmt::Display for NotSent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (while connecting: the command was not sent)", self.0)
    }
}

impl error::Error for NotSent {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        Some(&self.0)
    }
}

fn io_kind(error: &RedisError) -> Option<io::ErrorKind> {
    io_error(error).map(io::Error::kind)
}

/// The `io::Error` a `RedisError` of kind `Io` holds. redis-rs keeps it in an
/// `Arc<dyn Error>` and hands that `Arc` out as the source.
pub(crate) fn io_error(error: &RedisError) -> Option<&io::Error> {
    let source = error::Error::source(error)?;
    match source.downcast_ref::<io::Error>() {
        Some(io) => Some(io),
        None => source.downcast_ref::<Arc<dyn error::Error + Send + Sync>>()?.downcast_ref(),
    }
}

/// The error of ours a `RedisError` carries, if it carries one.
fn inner<T: error::Error + 'static>(error: &RedisError) -> Option<&T> {
    io_error(error)?.get_ref()?.downcast_ref()
}

/// Whether the command that failed with `error` may have run on the server: the
/// failure itself may have been applied ([`applied`](super::applied) says
/// `Maybe`), or the connection retried after an attempt that may have been
/// ([`MayHaveBeenApplied`]). When `true`, check before doing it again; when
/// `false`, it surely did not run (or failed without effect).
///
/// ```
/// use redis::RedisError;
/// use retry_core::redis::may_have_been_applied;
/// use std::io;
///
/// assert!(may_have_been_applied(&RedisError::from(io::Error::from(io::ErrorKind::TimedOut))));
/// assert!(!may_have_been_applied(&RedisError::from(io::Error::from(io::ErrorKind::ConnectionRefused))));
/// ```
#[must_use]
pub fn may_have_been_applied(error: &RedisError) -> bool {
    super::applied(error) == Some(Applied::Maybe)
}
