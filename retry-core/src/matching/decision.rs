//! [`Decision`] and [`RetryOn`], re-exported at the crate root.

use std::time::Duration;

/// What to do with one failed attempt.
///
/// ```
/// use retry_core::Decision;
/// use std::time::Duration;
///
/// assert_eq!(Decision::from(true), Decision::Retry);
/// assert_eq!(Decision::from(false), Decision::Stop);
/// let pushback = Decision::RetryAfter(Duration::from_secs(2));
/// assert_ne!(pushback, Decision::Retry);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Do not retry: the error goes back to the caller at once.
    Stop,
    /// Retry after the backoff's wait.
    Retry,
    /// Retry after exactly this wait: no jitter, no `wait_max` clamp. Attempts and
    /// deadline still apply, and testing mode still makes it zero.
    RetryAfter(Duration),
}

impl From<bool> for Decision {
    fn from(retry: bool) -> Self {
        if retry { Decision::Retry } else { Decision::Stop }
    }
}

/// Decides, for an error of type `E`, whether to retry.
///
/// `Marker` only tells the implementations apart (a type, a closure returning
/// `bool`, one returning [`Decision`]); it is always inferred.
///
/// ```
/// use retry_core::{RetryOn, error_type};
/// use retry_core::Decision;
/// use std::io;
///
/// let on = error_type::<io::Error>();
/// assert_eq!(on.decide(&io::Error::other("reset")), Decision::Retry);
///
/// let on = |e: &io::Error| e.kind() == io::ErrorKind::TimedOut;
/// assert_eq!(on.decide(&io::Error::other("reset")), Decision::Stop);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot decide whether to retry a `{E}`",
    label = "not a matcher for `{E}`",
    note = "`on` takes an error type (`on = std::io::Error`), a tuple of types, or a closure `|e: &{E}| -> bool` (or `-> retry_core::Decision`)",
    note = "an error type in `on` implements `std::error::Error` (or is the function's error type itself): it is looked for in the error and its `source()` chain; to decide from anything else (a message, a kind, a status), write a closure",
    note = "for a policy value: `Retry::default().on(retry_core::error_type::<MyError>())`"
)]
pub trait RetryOn<E, Marker> {
    /// What to do with this error.
    fn decide(&self, error: &E) -> Decision;
}

/// Marker for matchers that are closures or functions.
#[doc(hidden)]
pub struct ByClosure<D>(std::marker::PhantomData<fn() -> D>);

impl<E, D, F> RetryOn<E, ByClosure<D>> for F
where
    F: Fn(&E) -> D,
    D: Into<Decision>,
{
    fn decide(&self, error: &E) -> Decision {
        self(error).into()
    }
}
