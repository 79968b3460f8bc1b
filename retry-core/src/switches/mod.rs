//! Global switches: retrying on or off, and testing mode.
//!
//! The switches are read only after a failure, never on the success path, with one
//! atomic load each (plus a thread-local read for [scoped](crate::Scoped) overrides).
//! Setting them and dropping their guards is where the bookkeeping goes (a lock
//! for [`set_testing`](crate::set_testing), a thread-local list for [`Scoped`](crate::Scoped)), so that guards can
//! be dropped in any order. `set_active` is a plain store and has no guard.

pub(crate) mod global;
pub(crate) mod scoped;

pub(crate) use global::TestMode;
pub use global::TestingGuard;
pub use scoped::{ScopedFuture, ScopedGuard};

/// The switches in force for one failure: scoped overrides over global values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InForce {
    pub(crate) active: bool,
    pub(crate) testing: Option<TestMode>,
}

#[inline]
pub(crate) fn in_force() -> InForce {
    let scoped = scoped::current();
    InForce {
        active: scoped.active.unwrap_or_else(global::global_active),
        testing: scoped.testing.unwrap_or_else(global::global_testing),
    }
}
