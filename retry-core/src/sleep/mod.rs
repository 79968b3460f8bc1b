//! Waiting between attempts, and the clock the deadline is measured on.
//!
//! Sync retrying blocks the thread ([`ThreadSleeper`]). Async retrying needs a
//! [`Sleeper`] from the runtime: [`TokioSleeper`] with the `tokio` feature (on by
//! default), which also follows tokio's paused test clock. For another runtime,
//! implement [`Sleeper`] and hand it to the policy or the attribute
//! (`sleeper = ..`).

#[cfg(feature = "tokio")]
mod tokio;

#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub use self::tokio::TokioSleeper;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// How async retrying waits, and what time it is.
///
/// ```
/// use retry_core::sleep::Sleeper;
/// use std::time::Duration;
///
/// /// A sleeper for a runtime without timers: it only yields.
/// #[derive(Clone, Copy)]
/// struct YieldOnly;
///
/// impl Sleeper for YieldOnly {
///     type Sleep = std::future::Ready<()>;
///     fn sleep(&self, _: Duration) -> Self::Sleep {
///         std::future::ready(())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "async retrying needs a sleeper, and `{Self}` is not one",
    label = "no async sleeper",
    note = "enable retry-core's `tokio` feature, or give your runtime's sleeper: `#[retry(.., sleeper = MySleeper)]` or `Retry::default().sleeper(MySleeper)`",
    note = "a sleeper implements `retry_core::sleep::Sleeper`"
)]
pub trait Sleeper {
    /// The future that completes after the wait.
    type Sleep: Future<Output = ()>;
    /// Starts a wait.
    fn sleep(&self, wait: Duration) -> Self::Sleep;
    /// Whether retrying may skip [`sleep`](Self::sleep) for a zero wait
    /// (testing mode, `NoBackoff`, `Retry-After: 0`). `false` by default: a zero
    /// wait is `sleep(Duration::ZERO)`, whatever that means to the runtime.
    /// [`TokioSleeper`] says `true`: tokio would round a zero sleep up to its
    /// 1 ms timer tick, so retrying spends a unit of tokio's cooperative budget
    /// instead, which yields to the scheduler only when the task used up its share.
    fn skips_zero_waits(&self) -> bool {
        false
    }
    /// The current time, as the deadline sees it.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A shared sleeper sleeps as its owner does: one policy lends its sleeper to
/// the calls it runs for an integration (the Redis connection's per-command view).
impl<S: Sleeper + ?Sized> Sleeper for &S {
    type Sleep = S::Sleep;
    fn sleep(&self, wait: Duration) -> Self::Sleep {
        (**self).sleep(wait)
    }
    fn skips_zero_waits(&self) -> bool {
        (**self).skips_zero_waits()
    }
    fn now(&self) -> Instant {
        (**self).now()
    }
}

/// Starts a wait of `duration`, or none for a zero wait when the sleeper says
/// it may be skipped ([`Sleeper::skips_zero_waits`], tokio's): tokio would still
/// register a timer and round it up to its 1 ms tick, which made every zero-wait
/// async retry cost a millisecond of real time.
pub(crate) fn start<S: Sleeper>(sleeper: &S, duration: Duration) -> Option<S::Sleep> {
    (!duration.is_zero() || !sleeper.skips_zero_waits()).then(|| sleeper.sleep(duration))
}

/// Completes when the wait that [`start`] began has passed. A skipped zero wait
/// spends one unit of tokio's cooperative budget (`coop::poll_proceed`), which yields
/// to the runtime when the task has used up its share: a retry loop of zero waits
/// still lets other tasks run and stays cancellable by `timeout` or `select!`,
/// without a trip through the scheduler at every retry. The wait is taken pinned
/// in place, so that a future awaiting it holds one `Option<Sleep>`, not a second
/// copy moved out of it.
pub(crate) fn finish<F: Future<Output = ()>>(mut sleep: Pin<&mut Option<F>>) -> impl Future<Output = ()> {
    std::future::poll_fn(move |cx| poll_wait(sleep.as_mut(), cx))
}

/// One poll of [`finish`], for hand-written futures (the tower layer's).
pub(crate) fn poll_wait<F: Future<Output = ()>>(sleep: Pin<&mut Option<F>>, cx: &mut Context<'_>) -> Poll<()> {
    if let Some(sleep) = sleep.as_pin_mut() {
        sleep.poll(cx)
    } else {
        #[cfg(feature = "tokio")]
        std::task::ready!(::tokio::task::coop::poll_proceed(cx)).made_progress();
        #[cfg(not(feature = "tokio"))]
        let _ = cx;
        Poll::Ready(())
    }
}

/// Waits `duration` with `sleeper`: [`start`], then [`finish`].
pub(crate) async fn wait<S: Sleeper>(sleeper: &S, duration: Duration) {
    finish(std::pin::pin!(start(sleeper, duration))).await;
}

/// How sync retrying waits, and what time it is.
pub trait BlockingSleeper {
    /// Blocks for `wait`.
    fn sleep(&self, wait: Duration);
    /// The current time, as the deadline sees it.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A reference to a blocking sleeper is one: [`Retry::blocking_sleeper(&clock)`](crate::Retry::blocking_sleeper)
/// lends the clock to the policy, and the test reads it afterwards.
impl<T: BlockingSleeper + ?Sized> BlockingSleeper for &T {
    fn sleep(&self, wait: Duration) {
        (**self).sleep(wait);
    }
    fn now(&self) -> Instant {
        (**self).now()
    }
}

/// Blocks the current thread with `std::thread::sleep`.
///
/// ```
/// use retry_core::sleep::{BlockingSleeper, ThreadSleeper};
/// ThreadSleeper.sleep(std::time::Duration::ZERO);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSleeper;

impl BlockingSleeper for ThreadSleeper {
    fn sleep(&self, wait: Duration) {
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

/// Stands in for a sleeper when no runtime feature is enabled. It is not a
/// [`Sleeper`], so async retrying without one is a compile error that says what
/// to do, instead of a silent busy loop:
///
/// ```compile_fail
/// use retry_core::{Retry, error_type, sleep::NoSleeper};
/// async fn run() {
///     let policy = Retry::default().sleeper(NoSleeper).on(error_type::<std::io::Error>());
///     let _ = policy.call_async(async |_| Err::<(), _>(std::io::Error::other("x"))).await;
/// }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct NoSleeper;

/// The sleeper async retrying uses unless told otherwise.
///
/// [`TokioSleeper`] with the `tokio` feature; without it, [`NoSleeper`], so that
/// async retrying without a sleeper is a compile error.
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(auto_cfg = false))]
pub type DefaultSleeper = TokioSleeper;
/// The sleeper async retrying uses unless told otherwise.
///
/// `TokioSleeper` with the `tokio` feature; without it, [`NoSleeper`], so that
/// async retrying without a sleeper is a compile error.
#[cfg(not(feature = "tokio"))]
#[cfg_attr(docsrs, doc(auto_cfg = false))]
pub type DefaultSleeper = NoSleeper;
