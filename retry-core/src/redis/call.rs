//! What one command remembers across its attempts, so that its final error can
//! say whether an earlier attempt may have been applied.

use super::{MayHaveBeenApplied, applied};
use crate::idempotency::Applied;
use redis::RedisError;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

#[derive(Default)]
pub(crate) struct CallRecord {
    attempts: AtomicU32,
    /// The first failure that may have been applied.
    maybe_applied: Mutex<Option<RedisError>>,
}

impl CallRecord {
    /// An attempt starts.
    pub(crate) fn attempt(&self) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
    }

    /// An attempt failed with `error`.
    pub(crate) fn failed(&self, error: &RedisError) {
        if applied(error) == Some(Applied::Maybe) {
            self.maybe_applied.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert_with(|| error.clone());
        }
    }

    /// The error the caller gets when the call ends with `last`: `last` itself
    /// when it says what it may have done, else, after an earlier attempt that
    /// may have been applied, a [`MayHaveBeenApplied`] that says so.
    pub(crate) fn finish(self, last: RedisError) -> RedisError {
        let earlier = self.maybe_applied.into_inner().unwrap_or_else(PoisonError::into_inner);
        match earlier {
            Some(earlier) if applied(&last) != Some(Applied::Maybe) => {
                MayHaveBeenApplied::wrap(earlier, last, self.attempts.into_inner())
            }
            _ => last,
        }
    }
}
