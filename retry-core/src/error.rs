//! The error a policy constructor gives for a configuration that cannot work.

use std::fmt;

/// A retry configuration that can never work, with the knob at fault.
///
/// ```
/// use retry_core::Retry;
///
/// let err = Retry::builder().attempts(0).build().unwrap_err();
/// assert_eq!(err.knob(), "attempts");
/// assert!(err.to_string().contains("at least 1"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    knob: &'static str,
    problem: String,
}

impl ConfigError {
    pub(crate) fn new(knob: &'static str, problem: impl Into<String>) -> Self {
        Self { knob, problem: problem.into() }
    }

    /// The name of the knob whose value is wrong, e.g. `"attempts"`.
    #[must_use]
    pub fn knob(&self) -> &'static str {
        self.knob
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid retry configuration: `{}` {}", self.knob, self.problem)
    }
}

impl std::error::Error for ConfigError {}
