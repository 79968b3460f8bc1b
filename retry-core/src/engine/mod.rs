//! The retry loop's bookkeeping, shared by the attribute, every policy call and
//! the integrations: for code that drives retries itself (a middleware, a
//! connection), and the types a retried block sees.
//!
//! - [`CallState`]: one call's state; after each failure it decides what follows
//!   ([`Step`], or [`Next`] when it keeps the error).
//! - [`Attempt`]: what a block run by [`Retry::call`](crate::Retry::call) and its
//!   siblings knows about its attempt.
//! - [`CallableName`]: the name hooks and metrics give a callable.
//!
//! The loops themselves are private: one for blocking calls and one for async
//! calls (every `Retry::call*` method is a thin wrapper around one of them), and
//! the attribute's, which keeps an annotated function's success path inline.
//! Nothing here runs before the first failure.
//!
//! ```
//! use retry_core::engine::{CallState, Step};
//! use retry_core::{Retry, error_type};
//! use std::{io, time::Instant};
//!
//! // A loop written by hand, as a middleware would: ask the state after each failure.
//! let policy = Retry::builder().attempts(3).build()?.on(error_type::<io::Error>());
//! let mut state = CallState::new();
//! let error = io::Error::other("down");
//! assert!(matches!(state.step(&policy, &error, Instant::now), Step::Retry(_)));
//! assert!(matches!(state.step(&policy, &error, Instant::now), Step::Retry(_)));
//! assert!(matches!(state.step(&policy, &error, Instant::now), Step::GiveUp(_)));
//! # Ok::<(), retry_core::ConfigError>(())
//! ```
//!
//! Each item has this one path; the crate root keeps what users write
//! (`Retry`, `retry`, `error_type`, the switches ...):
//!
//! ```compile_fail
//! use retry_core::CallState; // `retry_core::engine::CallState`
//! ```
//!
//! ```compile_fail
//! use retry_core::Rng; // `retry_core::backoff::Rng`
//! ```

mod attempt;
pub(crate) mod attribute;
pub(crate) mod declare;
mod name;
pub(crate) mod run;
mod state;

pub use attempt::Attempt;
pub(crate) use declare::Declared;
pub use name::CallableName;
pub use state::{CallState, Next, Step};
