use std::time::Duration;

/// What a retried block knows about the attempt it is running.
///
/// ```
/// use retry_core::{Attempt, Retry, error_type};
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub(crate) num: u32,
    pub(crate) next_wait: Duration,
}

impl Attempt {
    /// 1 for the first attempt.
    pub fn num(&self) -> u32 {
        self.num
    }

    /// The backoff's wait before the next attempt, should this one fail with an
    /// error that is retried with backoff. (An `on` answering
    /// [`Decision::RetryAfter`](crate::Decision::RetryAfter), testing mode, the
    /// attempt limit or the deadline may still change what happens.)
    pub fn next_wait(&self) -> Duration {
        self.next_wait
    }
}
