use super::TestMode;
use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Overrides {
    pub(crate) active: Option<bool>,
    pub(crate) testing: Option<Option<TestMode>>,
}

impl Overrides {
    fn over(self, outer: Overrides) -> Overrides {
        Overrides { active: self.active.or(outer.active), testing: self.testing.or(outer.testing) }
    }
}

thread_local! {
    static OVERRIDES: Cell<Overrides> = const { Cell::new(Overrides { active: None, testing: None }) };
}

#[inline]
pub(crate) fn current() -> Overrides {
    OVERRIDES.with(Cell::get)
}

/// Switch settings for one thread or one async task only, over the global ones.
///
/// Tests run in parallel threads of one process, so a global [`set_active`] in one
/// test leaks into the others; a scope does not. For sync code, [`run`](Self::run)
/// or [`enter`](Self::enter) set it for the current thread; for async code,
/// [`wrap`](Self::wrap) sets it only while that future is being polled, so it
/// follows the task across worker threads and never touches its neighbours.
///
/// ```
/// use retry_core::{Scoped, TestMode, is_active, is_testing};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let seen = Scoped::new().active(false).testing(TestMode::new(1)).run(|| (is_active(), is_testing()));
/// assert_eq!(seen, (false, true));
/// assert!(is_active());
///
/// let inside = Scoped::new().active(false).wrap(async { is_active() }).await;
/// assert!(!inside);
/// assert!(is_active(), "the scope ends with the future");
/// # }
/// ```
///
/// [`set_active`]: super::set_active
#[derive(Clone, Copy, Debug, Default)]
#[must_use]
pub struct Scoped {
    overrides: Overrides,
}

impl Scoped {
    /// A scope that overrides nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Retrying on or off in this scope.
    pub fn active(mut self, active: bool) -> Self {
        self.overrides.active = Some(active);
        self
    }

    /// Testing mode in this scope (`None`: off here, even if on globally).
    pub fn testing(mut self, mode: impl Into<Option<TestMode>>) -> Self {
        self.overrides.testing = Some(mode.into());
        self
    }

    /// Applies the scope to the current thread until the guard is dropped.
    pub fn enter(self) -> ScopedGuard {
        let previous = OVERRIDES.with(|o| o.replace(self.overrides.over(o.get())));
        ScopedGuard { previous, _not_send: PhantomData }
    }

    /// Runs `f` with the scope applied to the current thread.
    pub fn run<R>(self, f: impl FnOnce() -> R) -> R {
        let _guard = self.enter();
        f()
    }

    /// Applies the scope to `future` each time it is polled.
    pub fn wrap<F: Future>(self, future: F) -> ScopedFuture<F> {
        // Boxed so that the wrapper needs no pin projection (and so no unsafe).
        ScopedFuture { overrides: self.overrides, future: Box::pin(future) }
    }
}

/// Restores the previous thread-local switches when dropped. Not `Send`: it
/// belongs to the thread that entered it.
#[must_use = "dropping the guard at once ends the scope"]
#[derive(Debug)]
pub struct ScopedGuard {
    previous: Overrides,
    _not_send: PhantomData<*const ()>,
}

impl Drop for ScopedGuard {
    fn drop(&mut self) {
        OVERRIDES.with(|o| o.set(self.previous));
    }
}

/// A future with [`Scoped`] switches applied while it is polled. Made by [`Scoped::wrap`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct ScopedFuture<F> {
    overrides: Overrides,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for ScopedFuture<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _guard = Scoped { overrides: self.overrides }.enter();
        self.future.as_mut().poll(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::switches::{is_active, testing};

    #[test]
    fn nested_scopes_layer_and_restore() {
        let _outer = Scoped::new().active(false).enter();
        {
            let _inner = Scoped::new().testing(TestMode::new(2)).enter();
            assert!(!is_active(), "inner scope keeps the outer's setting it does not override");
            assert_eq!(testing(), Some(TestMode::new(2)));
        }
        assert_eq!(testing(), None);
        assert!(!is_active());
    }

    #[test]
    fn other_threads_do_not_see_a_scope() {
        let _g = Scoped::new().active(false).enter();
        assert!(std::thread::spawn(is_active).join().unwrap());
    }
}
