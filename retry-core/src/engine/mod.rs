//! The retry loop's bookkeeping, shared by the attribute and every policy call.
//!
//! The loop itself lives where it runs (inline in an annotated function, or in
//! [`Retry::call`](crate::Retry::call) and friends); after each failure it asks
//! [`CallState`] what to do next. Nothing here runs before the first failure.

mod attempt;
mod declare;
mod name;
mod state;

pub use attempt::Attempt;
pub use declare::Declared;
pub use name::CallableName;
pub use state::{CallState, Next, Step};
