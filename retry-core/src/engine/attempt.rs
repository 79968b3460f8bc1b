use super::CallState;
use crate::backoff::Backoff;
use std::fmt;
use std::time::Duration;

/// What a retried block knows about the attempt it is running.
///
/// ```
/// use retry_core::{Retry, error_type, engine::Attempt};
/// use std::io;
///
/// let policy = Retry::builder().attempts(3).build()?.on(error_type::<io::Error>());
/// let _guard = retry_core::set_testing(retry_core::TestMode::new(3));
/// let mut seen = Vec::new();
/// let result: Result<(), io::Error> = policy.call(|attempt: Attempt| {
///     seen.push(attempt.num());
///     Err(io::Error::other("down"))
/// });
/// assert!(result.is_err());
/// assert_eq!(seen, [1, 2, 3]);
/// # Ok::<(), retry_core::ConfigError>(())
/// ```
///
/// The wait is drawn only if [`next_wait`](Self::next_wait) asks for it, so an
/// attempt that succeeds costs no draw and no seeding of the random source.
#[derive(Clone, Copy)]
pub struct Attempt<'a> {
    pub(crate) num: u32,
    pub(crate) state: &'a CallState,
    pub(crate) backoff: &'a dyn Backoff,
    pub(crate) seed: Option<u64>,
}

impl Attempt<'_> {
    /// 1 for the first attempt.
    ///
    /// ```
    /// use retry_core::{Retry, engine::CallState};
    ///
    /// let policy = Retry::default();
    /// assert_eq!(CallState::new().attempt(&policy).num(), 1);
    /// ```
    #[must_use]
    pub fn num(&self) -> u32 {
        self.num
    }

    /// The backoff's wait before the next attempt, should this one fail with an
    /// error that is retried with backoff: exactly the wait the call then sleeps.
    /// (An `on` answering [`Decision::RetryAfter`](crate::Decision::RetryAfter),
    /// testing mode, the attempt limit or the deadline may still change what
    /// happens.)
    ///
    /// It is drawn when asked, not before the attempt: the first call seeds the
    /// call's random source (an attempt that never asks costs no draw); asking
    /// again returns the same wait.
    ///
    /// ```
    /// use retry_core::{Retry, error_type};
    /// use std::{io, time::Duration};
    ///
    /// let policy = Retry::builder().wait_jitter(Duration::ZERO).build()?.on(error_type::<io::Error>());
    /// let first_wait = policy.call(|attempt| Ok::<_, io::Error>(attempt.next_wait()))?;
    /// assert_eq!(first_wait, Duration::from_millis(100), "wait_initial, no jitter");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn next_wait(&self) -> Duration {
        self.state.peek(self.backoff, self.seed, self.num)
    }
}

impl fmt::Debug for Attempt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attempt").field("num", &self.num).finish_non_exhaustive()
    }
}

/// Two attempts are equal when they have the same number and next wait.
impl PartialEq for Attempt<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.num == other.num && self.next_wait() == other.next_wait()
    }
}

impl Eq for Attempt<'_> {}
