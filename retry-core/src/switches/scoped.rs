use super::TestMode;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Overrides {
    pub(crate) active: Option<bool>,
    #[allow(
        clippy::option_option,
        reason = "`None`: left as the outer scopes set it; `Some(None)`: turned off; layered with `Option::or`"
    )]
    pub(crate) testing: Option<Option<TestMode>>,
}

impl Overrides {
    fn over(self, outer: Overrides) -> Overrides {
        Overrides { active: self.active.or(outer.active), testing: self.testing.or(outer.testing) }
    }
}

thread_local! {
    /// What the live scopes of this thread add up to: all a reader looks at.
    static OVERRIDES: Cell<Overrides> = const { Cell::new(Overrides { active: None, testing: None }) };
    /// The live scopes of this thread, oldest first, with their ids. A guard
    /// that only remembered the overrides before it could not be dropped out of
    /// order (`a`, `b`, drop `a`, drop `b` would bring back `a`'s settings for
    /// good); with the list, dropping a scope removes exactly its own layer.
    static LAYERS: RefCell<Layers> = const { RefCell::new(Layers { next_id: 0, live: Vec::new() }) };
}

struct Layers {
    next_id: u64,
    live: Vec<(u64, Overrides)>,
}

impl Layers {
    /// Each live scope over the ones entered before it.
    fn combined(&self) -> Overrides {
        self.live.iter().fold(Overrides::default(), |below, &(_, layer)| layer.over(below))
    }
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
/// [`set_active`]: crate::set_active
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
    ///
    /// Scopes nest: each applies over the ones entered before it and still
    /// alive, overriding only what it sets. Guards may be dropped in any order:
    /// dropping one removes exactly its own settings, as if it had never been
    /// entered, so once all are dropped the thread is back where it started.
    ///
    /// ```
    /// use retry_core::{Scoped, TestMode, is_active, testing};
    ///
    /// let a = Scoped::new().active(false).enter();
    /// let b = Scoped::new().testing(TestMode::new(2)).enter();
    /// drop(a);
    /// assert!(is_active(), "`a`'s setting is gone");
    /// assert_eq!(testing(), Some(TestMode::new(2)), "`b`'s stays while `b` lives");
    /// drop(b);
    /// assert_eq!((is_active(), testing()), (true, None));
    /// ```
    pub fn enter(self) -> ScopedGuard {
        let id = LAYERS.with_borrow_mut(|layers| {
            let id = layers.next_id;
            layers.next_id += 1;
            layers.live.push((id, self.overrides));
            OVERRIDES.with(|o| o.set(layers.combined()));
            id
        });
        ScopedGuard { id, _not_send: PhantomData }
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

/// Removes its scope's settings from the current thread when dropped, in any
/// order (see [`Scoped::enter`]). Not `Send`: it belongs to the thread that
/// entered it.
#[must_use = "dropping the guard at once ends the scope"]
#[derive(Debug)]
pub struct ScopedGuard {
    id: u64,
    _not_send: PhantomData<*const ()>,
}

impl Drop for ScopedGuard {
    fn drop(&mut self) {
        // `try_with`: a guard dropped while the thread's locals are being torn
        // down has nothing left to restore, and a panic in drop would abort.
        let _ = LAYERS.try_with(|layers| {
            let mut layers = layers.borrow_mut();
            if let Some(at) = layers.live.iter().rposition(|&(id, _)| id == self.id) {
                layers.live.remove(at);
            }
            let _ = OVERRIDES.try_with(|o| o.set(layers.combined()));
        });
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
    use crate::{is_active, testing};

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

    /// Every drop order of three scopes: after each drop, what is in force is
    /// the live scopes layered oldest first, and at the end nothing is.
    #[test]
    fn guards_dropped_in_any_order_end_where_they_began() {
        let scopes = [
            Scoped::new().active(false).testing(TestMode::new(2)),
            Scoped::new().testing(TestMode::new(3)),
            Scoped::new().active(true),
        ];
        for order in [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] {
            let mut guards: Vec<Option<ScopedGuard>> = scopes.iter().map(|s| Some(s.enter())).collect();
            for (dropped, &at) in order.iter().enumerate() {
                guards[at] = None;
                let alive = (0..3).filter(|i| guards[*i].is_some());
                let expected = alive.fold(Overrides::default(), |below, i| scopes[i].overrides.over(below));
                assert_eq!(current(), expected, "order {order:?}, after {} drops", dropped + 1);
            }
            assert_eq!(current(), Overrides::default(), "order {order:?}");
        }
    }

    #[test]
    fn an_out_of_order_drop_leaves_the_newer_scope_in_force() {
        let a = Scoped::new().testing(TestMode::new(2)).enter();
        let b = Scoped::new().testing(TestMode::new(5)).enter();
        drop(a);
        assert_eq!(testing(), Some(TestMode::new(5)));
        drop(b);
        assert_eq!(testing(), None, "testing mode is off again, not back to `a`'s");
    }

    #[test]
    fn other_threads_do_not_see_a_scope() {
        let _g = Scoped::new().active(false).enter();
        assert!(std::thread::spawn(is_active).join().unwrap());
    }
}
