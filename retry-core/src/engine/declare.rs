use crate::Retry;
use crate::switches;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a callable has been declared to the hooks yet, so that its metric
/// series exist before its first retry: one per annotated function (a `static`
/// in its body) and one per named [`Retry`] policy.
///
/// Checking is one relaxed load on every call; declaring happens out of line,
/// once. Two threads may both declare on their first call: declaring is
/// idempotent, and a lock here would be paid by every call.
///
/// It is the runtime of generated code, reached through the hidden
/// `__private` module:
///
/// ```
/// use retry_core::__private::Declared;
/// use retry_core::{Retry, error_type};
///
/// static DECLARED: Declared = Declared::new();
/// let policy = Retry::default().name("doc::declared").on(error_type::<std::io::Error>());
/// assert!(!DECLARED.is_done());
/// DECLARED.declare::<std::io::Error, _, _, _, _>(&policy);
/// assert!(DECLARED.is_done());
/// ```
#[derive(Debug, Default)]
pub struct Declared(AtomicBool);

impl Declared {
    /// Not declared yet.
    #[must_use]
    pub const fn new() -> Self {
        Declared(AtomicBool::new(false))
    }

    /// Whether the callable was declared.
    #[inline(always)]
    pub fn is_done(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Declares `policy`'s callable with error type `E` ([`Retry::declare`]) and
    /// marks it done; while retrying is switched off, does nothing, so that the
    /// first active call declares (no hook runs while inactive).
    #[cold]
    #[inline(never)]
    pub fn declare<E, B, O, S, Z>(&self, policy: &Retry<B, O, S, Z>) {
        if !switches::in_force().active {
            return;
        }
        policy.declare::<E>();
        self.0.store(true, Ordering::Relaxed);
    }
}
