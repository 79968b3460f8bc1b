use super::scoped;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

static ACTIVE: AtomicBool = AtomicBool::new(true);
/// Testing mode packed in one word so that it is read and restored atomically:
/// bit 63 = on, bit 32 = cap, low 32 bits = attempts. It always holds the mode of
/// the newest live guard in [`GUARDS`] (off when there is none), so that reading
/// it stays one atomic load.
static TESTING: AtomicU64 = AtomicU64::new(0);

/// The [`TestingGuard`]s alive, oldest first. A guard that only remembered the
/// mode before it could not be dropped out of order: `a`, `b`, drop `a` (back to
/// off), drop `b` (back to `a`'s mode, for good). Taken only by `set_testing`
/// and by dropping a guard, never by a reader.
static GUARDS: Mutex<LiveGuards> = Mutex::new(LiveGuards { next_id: 0, live: Vec::new() });

struct LiveGuards {
    next_id: u64,
    /// `(id, packed mode)`.
    live: Vec<(u64, u64)>,
}

impl LiveGuards {
    /// Nothing panics while the lock is held, but a poisoned lock must not turn
    /// every later drop into a panic either.
    fn lock() -> MutexGuard<'static, LiveGuards> {
        GUARDS.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stored under the lock, so that the stores happen in the order of the
    /// changes to `live`.
    fn publish(&self) {
        TESTING.store(self.live.last().map_or(0, |&(_, mode)| mode), Ordering::Relaxed);
    }
}

/// Turns retrying on or off for the whole process.
///
/// When off, every retrying call makes exactly one attempt: no wait, no hook, no
/// metric. Tests that exercise failure paths use this to fail fast.
/// [`Scoped`](crate::Scoped) does the same for one thread or task only.
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
    #[must_use]
    pub const fn new(attempts: u32) -> Self {
        assert!(attempts > 0, "TestMode needs at least 1 attempt");
        Self { attempts, cap: false }
    }

    /// Only lower a policy's attempts to this number, never raise them.
    #[must_use]
    pub const fn capped(self) -> Self {
        Self { cap: true, ..self }
    }

    /// The attempts given.
    #[must_use]
    pub const fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether this mode caps rather than replaces.
    #[must_use]
    pub const fn is_capped(&self) -> bool {
        self.cap
    }

    /// The attempts a policy configured with `configured` makes in this mode.
    #[inline]
    #[must_use]
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
    #[allow(clippy::cast_possible_truncation, reason = "the low 32 bits are the attempts, as `pack` puts them")]
    fn unpack(word: u64) -> Option<Self> {
        (word >> 63 == 1).then_some(Self { attempts: word as u32, cap: (word >> 32) & 1 == 1 })
    }
}

/// Withdraws the mode of its [`set_testing`] when dropped. See there for the mode
/// in force while several guards are alive.
#[must_use = "dropping the guard at once withdraws its testing mode"]
#[derive(Debug)]
pub struct TestingGuard {
    id: u64,
}

impl Drop for TestingGuard {
    fn drop(&mut self) {
        let mut guards = LiveGuards::lock();
        if let Some(at) = guards.live.iter().rposition(|&(id, _)| id == self.id) {
            guards.live.remove(at);
        }
        guards.publish();
    }
}

/// Sets testing mode for the whole process (`None` turns it off) until the
/// returned guard is dropped.
///
/// Guards nest, and may be dropped in any order: the mode in force is that of
/// the most recently set guard still alive, and once every guard is dropped,
/// testing mode is off again, as it was before the first. Dropping a guard
/// therefore withdraws its own mode, not whatever was in force when it was set,
/// so two tests that each hold a guard cannot leave testing mode on by ending
/// in the "wrong" order. ([`Scoped`](crate::Scoped) keeps such tests apart
/// altogether.)
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
///
/// // Out of order: the newest guard still alive wins, and the end is the start.
/// let a = set_testing(TestMode::new(3));
/// let b = set_testing(TestMode::new(5));
/// drop(a);
/// assert_eq!(testing(), Some(TestMode::new(5)));
/// drop(b);
/// assert!(!is_testing());
/// ```
pub fn set_testing(mode: impl Into<Option<TestMode>>) -> TestingGuard {
    let mut guards = LiveGuards::lock();
    let id = guards.next_id;
    guards.next_id += 1;
    guards.live.push((id, TestMode::pack(mode.into())));
    guards.publish();
    TestingGuard { id }
}

/// The testing mode in force for the current thread or task, if any.
pub fn testing() -> Option<TestMode> {
    scoped::current().testing.unwrap_or_else(global_testing)
}

/// Whether testing mode is on for the current thread or task.
#[must_use]
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
