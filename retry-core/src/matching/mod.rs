//! Deciding which errors to retry: the `on` of a policy or of the attribute.
//!
//! `on` is one of
//! - an error type, [`error_type::<T>()`](crate::error_type): retry when the error is a
//!   `T`, or has a `T` in its `source()` chain, or (for `Box<dyn Error>` and, with
//!   the `anyhow` feature, `anyhow::Error`) downcasts to one. A `Box<T>` or an
//!   `Arc<T>` counts as a `T`, at the top of the chain and in it;
//! - several types, [`error_types::<(A, B)>()`](crate::error_types): any of them;
//! - a closure or function `Fn(&E) -> bool`, or `Fn(&E) -> Decision` to also say
//!   "retry after exactly this long" (Retry-After, gRPC pushback).
//!
//! There is no retry-everything default: retrying an error that cannot go away
//! (bad credentials, a malformed request) only delays the failure.
//!
//! Matching by type walks `source()`. A thiserror variant marked
//! `#[error(transparent)]` forwards `source()` to its inner error's source, so the
//! inner error itself is not in the chain: `on = io::Error` does not see an
//! `io::Error` wrapped that way. Wrap it with `#[from]` or `#[source]` and a
//! message of its own, or match the enum with a closure.

mod chain;
pub(crate) mod types;

pub use chain::ErrorChain;
pub(crate) use chain::downcast;
pub use types::{ErrorType, ErrorTypes, TypeList};

pub(crate) mod decision;
#[doc(hidden)]
pub use decision::ByClosure;
pub(crate) use decision::{Decision, RetryOn};

/// The `on` of a policy that has not been told which errors to retry. It decides
/// nothing, so calling such a policy is a compile error that says to add `.on(..)`:
///
/// ```compile_fail
/// let policy = retry_core::Retry::default();
/// let _ = policy.call(|_| Err::<(), _>(std::io::Error::other("which errors?")));
/// ```
///
/// It names the type of a policy without `on`, as the tower layer's is:
///
/// ```
/// use retry_core::{Retry, matching::Unset};
///
/// let policy: Retry<_, Unset> = Retry::default();
/// assert_eq!(policy.max_attempts(), Some(10));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Unset;
