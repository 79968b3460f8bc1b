use super::scoped;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static ACTIVE: AtomicBool = AtomicBool::new(true);
/// Testing mode packed in one word so that it is read and restored atomically:
/// bit 63 = on, bit 32 = cap, low 32 bits = attempts.
static TESTING: AtomicU64 = AtomicU64::new(0);

/// Turns retrying on or off for the whole process.
///
/// When off, every retrying call makes exactly one attempt: no wait, no hook, no
/// metric. Tests that exercise failure paths use this to fail fast.
/// [`Scoped`](super::Scoped) does the same for one thread or task only.
///
/// ```
/// use retry_core::{is_active, set_active};
///
/// set_active(false);
/// assert!(!is_active());
/// set_active(true);
/// assert!(is_active());
/// ```
pub fn set_active(active: bool) {
    ACTIVE.store(active, Ordering::Relaxed);
}

/// Whether retrying is on, for the current thread or task (scoped override first).
pub fn is_active() -> bool {
    scoped::current().active.unwrap_or_else(global_active)
}

#[inline]
pub(crate) fn global_active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Testing mode: every wait is zero, the deadline is ignored, and the number of
/// attempts is replaced by [`attempts`](TestMode::new) (or capped at it, with
/// [`capped`](TestMode::capped)).
///
/// ```
/// use retry_core::TestMode;
///
/// let replace = TestMode::new(2);
/// assert_eq!(replace.effective_attempts(Some(10)), Some(2));
/// assert_eq!(replace.effective_attempts(None), Some(2));
/// let cap = TestMode::new(2).capped();
/// assert_eq!(cap.effective_attempts(Some(1)), Some(1));
/// assert_eq!(cap.effective_attempts(Some(5)), Some(2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestMode {
    attempts: u32,
    cap: bool,
}

impl TestMode {
    /// Replace every policy's attempts with `attempts` (the first included).
    ///
    /// # Panics
    ///
    /// If `attempts` is 0: a call always makes at least one attempt.
    pub const fn new(attempts: u32) -> Self {
        assert!(attempts > 0, "TestMode needs at least 1 attempt");
        Self { attempts, cap: false }
    }

    /// Only lower a policy's attempts to this number, never raise them.
    pub const fn capped(self) -> Self {
        Self { cap: true, ..self }
    }

    /// The attempts given.
    pub const fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether this mode caps rather than replaces.
    pub const fn is_capped(&self) -> bool {
        self.cap
    }

    /// The attempts a policy configured with `configured` makes in this mode.
    #[inline]
    pub fn effective_attempts(&self, configured: Option<u32>) -> Option<u32> {
        match configured {
            Some(configured) if self.cap => Some(configured.min(self.attempts)),
            _ => Some(self.attempts),
        }
    }

    fn pack(mode: Option<Self>) -> u64 {
        mode.map_or(0, |m| 1 << 63 | u64::from(m.cap) << 32 | u64::from(m.attempts))
    }

    #[inline]
    fn unpack(word: u64) -> Option<Self> {
        (word >> 63 == 1).then_some(Self { attempts: word as u32, cap: (word >> 32) & 1 == 1 })
    }
}

/// Restores the testing mode that was in force before [`set_testing`] when dropped.
#[must_use = "dropping the guard at once restores the previous testing mode"]
#[derive(Debug)]
pub struct TestingGuard {
    previous: u64,
}

impl Drop for TestingGuard {
    fn drop(&mut self) {
        TESTING.store(self.previous, Ordering::Relaxed);
    }
}

/// Sets testing mode for the whole process (`None` turns it off) and returns a
/// guard that restores the previous mode, so settings nest.
///
/// ```
/// use retry_core::{TestMode, is_testing, set_testing, testing};
///
/// {
///     let _outer = set_testing(TestMode::new(3));
///     {
///         let _inner = set_testing(None);
///         assert!(!is_testing());
///     }
///     assert_eq!(testing(), Some(TestMode::new(3)));
/// }
/// assert!(!is_testing());
/// ```
pub fn set_testing(mode: impl Into<Option<TestMode>>) -> TestingGuard {
    TestingGuard { previous: TESTING.swap(TestMode::pack(mode.into()), Ordering::Relaxed) }
}

/// The testing mode in force for the current thread or task, if any.
pub fn testing() -> Option<TestMode> {
    scoped::current().testing.unwrap_or_else(global_testing)
}

/// Whether testing mode is on for the current thread or task.
pub fn is_testing() -> bool {
    testing().is_some()
}

#[inline]
pub(crate) fn global_testing() -> Option<TestMode> {
    TestMode::unpack(TESTING.load(Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips() {
        for mode in [None, Some(TestMode::new(1)), Some(TestMode::new(u32::MAX).capped())] {
            assert_eq!(TestMode::unpack(TestMode::pack(mode)), mode);
        }
    }

    #[test]
    #[should_panic(expected = "at least 1 attempt")]
    fn zero_attempts_is_refused() {
        let _ = TestMode::new(0);
    }
}
