//! The loops behind every `Retry::call*` method and the Redis connection: one
//! sync loop, [`blocking`], and one async loop, [`async_loop!`], which
//! [`run_async`] (async closures) and [`run_async_fn`] (closures that return
//! futures, spawnable) instantiate; the macro's docs say why it is a macro.
//!
//! Each is generic over how an attempt is made, an optional `fail` step (redis-py's
//! `call_with_retry(do, fail)`: run on every failure `on` accepts, before the wait),
//! an optional refresh between cycles (a two-level retry: `refreshes` counts the
//! cycles after the first), and, for the async loop, an already-failed first
//! attempt (an integration that made it on its own fast path). The public methods
//! are thin wrappers that pick these; the decisions are all [`CallState::step`]'s,
//! [`CallState::give_up`]'s and [`CallState::next_cycle`]'s.
//!
//! The attribute has its own loop (`attribute.rs`): it keeps an annotated
//! function's first attempt inline and the rest out of line.

use super::{Attempt, CallState, Step};
use crate::backoff::Backoff;
use crate::matching::RetryOn;
use crate::policy::Retry;
use crate::sleep::{BlockingSleeper, Sleeper};
use std::fmt::Debug;

/// A step the sync loop runs with a failure's error: `fail` or `refresh`. Its
/// absence is a type ([`NoSyncStep`]), so that a loop without it compiles to one
/// without its code: [`Retry::call`]'s success path pays nothing for the
/// steps it does not have (docs/performance.md counts it).
pub(crate) trait SyncStep<E> {
    /// Whether there is a step.
    const SOME: bool;
    /// Runs the step.
    fn run(&mut self, error: &E);
}

/// A step: the closure.
pub(crate) struct WithError<F>(pub(crate) F);

impl<E, F: FnMut(&E)> SyncStep<E> for WithError<F> {
    const SOME: bool = true;
    #[inline(always)]
    fn run(&mut self, error: &E) {
        (self.0)(error);
    }
}

/// No step.
pub(crate) struct NoSyncStep;

impl<E> SyncStep<E> for NoSyncStep {
    const SOME: bool = false;
    #[inline(always)]
    fn run(&mut self, _: &E) {}
}

/// The sync loop: `op` until it succeeds, fails with an error `on` rejects, or
/// the policy gives up (after `refreshes` refreshes, if a refresh is given).
/// Waits and the deadline's clock are `sleeper`'s. Records the call with the
/// budget (and declares a named policy) before the first attempt.
#[inline(always)]
#[allow(clippy::similar_names, reason = "`refreshed` counts up to `refreshes`: the names say so")]
pub(crate) fn blocking<B, O, S, Z, T, E, M>(
    policy: &Retry<B, O, S, Z>,
    sleeper: &impl BlockingSleeper,
    mut op: impl FnMut(Attempt<'_>) -> Result<T, E>,
    mut fail: impl SyncStep<E>,
    refreshes: u32,
    mut refresh: impl SyncStep<E>,
) -> Result<T, E>
where
    B: Backoff,
    O: RetryOn<E, M>,
    E: Debug,
{
    policy.begin::<E>();
    let mut refreshed = 0;
    let mut state = CallState::new();
    loop {
        let error = match op(state.attempt(policy)) {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let step = state.step(policy, &error, || sleeper.now());
        if has_step(&fail) && state.accepted() {
            fail.run(&error);
        }
        match step {
            Step::Retry(wait) => sleeper.sleep(wait),
            Step::GiveUp(_) if has_step(&refresh) && refreshed < refreshes => {
                refreshed += 1;
                refresh.run(&error);
                state.next_cycle();
            }
            Step::GiveUp(reason) => {
                state.give_up(policy, &error, reason);
                return Err(error);
            }
            Step::Return => return Err(error),
        }
    }
}

/// Whether `step` is one (not [`NoSyncStep`]): known at compile time.
#[inline(always)]
fn has_step<E, S: SyncStep<E>>(_: &S) -> bool {
    S::SOME
}

/// The async loop, written once for the two shapes its callers come in (see
/// [`run_async`] and [`run_async_fn`]): after a first attempt (or the error of
/// one the caller made), it asks the state what follows each failure, runs
/// `fail` for an error `on` accepted, sleeps with the policy's sleeper, refreshes
/// at the end of a cycle while refreshes are left, and attempts again.
///
/// A macro, not a function generic over the shape: a spawned call's future must be
/// `Send` and `'static`, and rustc checks that on the types the future holds
/// across its `.await`s with their lifetimes erased. A function generic over a
/// trait for "a step given `&E`" holds the trait's future type, which rustc then
/// can only find by matching an impl whose bound ties the step's `&E` to the
/// attempt's `E`; with a lifetime in `E` (`Box<dyn Error + Send + Sync>`) the
/// two erased lifetimes do not match and the spawn fails to compile. Each function
/// below names its futures the way the public methods always did, so each is as
/// spawnable as they were.
macro_rules! async_loop {
    (
        policy: $policy:expr,
        first: $first:expr,
        refreshes: $refreshes:expr,
        error: $err:ty,
        attempt: |$attempt:ident| $make:expr,
        fail: |$failed:ident| $fail:expr,
        refresh: |$refreshing:ident| $refresh:expr $(,)?
    ) => {{
        let policy = $policy;
        let mut state = CallState::new();
        let mut error: $err = match $first {
            Some(error) => error,
            None => {
                policy.begin::<$err>();
                let $attempt = state.attempt(policy);
                match $make.await {
                    Ok(value) => return Ok(value),
                    Err(error) => error,
                }
            }
        };
        let mut refreshed = 0;
        loop {
            let step = state.step(policy, &error, || policy.sleeper.now());
            if state.accepted() {
                let $failed = &error;
                if let Some(fail) = $fail {
                    fail.await;
                }
            }
            match step {
                Step::Retry(wait) => crate::sleep::wait(&policy.sleeper, wait).await,
                Step::GiveUp(_) if refreshed < $refreshes => {
                    refreshed += 1;
                    let $refreshing = &error;
                    if let Some(refresh) = $refresh {
                        refresh.await;
                    }
                    state.next_cycle();
                }
                Step::GiveUp(reason) => {
                    state.give_up(policy, &error, reason);
                    return Err(error);
                }
                Step::Return => return Err(error),
            }
            let $attempt = state.attempt(policy);
            error = match $make.await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
        }
    }};
}

/// An async `fail` or `refresh` step given as an async closure, or none.
pub(crate) trait AsyncStep<E> {
    /// Starts the step, if there is one.
    fn start<'s>(&'s mut self, error: &'s E) -> Option<impl Future<Output = ()>>;
}

/// No step. It names no error type, so a call without steps holds nothing
/// that ties a lifetime of the error to another.
pub(crate) struct NoAsyncStep;

impl<E> AsyncStep<E> for NoAsyncStep {
    #[allow(refining_impl_trait)]
    fn start<'s>(&'s mut self, _: &'s E) -> Option<std::future::Ready<()>> {
        None
    }
}

/// A step: the async closure.
pub(crate) struct AsyncFnStep<G>(pub(crate) G);

impl<E, G: AsyncFnMut(&E)> AsyncStep<E> for AsyncFnStep<G> {
    fn start<'s>(&'s mut self, error: &'s E) -> Option<impl Future<Output = ()>> {
        Some((self.0)(error))
    }
}

/// The async loop for async closures: [`Retry::call_async`],
/// [`call_with_retry_async`](Retry::call_with_retry_async),
/// [`call_with_refresh_async`](Retry::call_with_refresh_async).
pub(crate) async fn run_async<B, O, S, Z, T, E, M>(
    policy: &Retry<B, O, S, Z>,
    mut op: impl AsyncFnMut(Attempt<'_>) -> Result<T, E>,
    mut fail: impl AsyncStep<E>,
    refreshes: u32,
    mut refresh: impl AsyncStep<E>,
) -> Result<T, E>
where
    B: Backoff,
    O: RetryOn<E, M>,
    S: Sleeper,
    E: Debug,
{
    async_loop!(
        policy: policy,
        first: None,
        refreshes: refreshes,
        error: E,
        attempt: |attempt| op(attempt),
        fail: |error| fail.start(error),
        refresh: |error| refresh.start(error),
    )
}

/// No `fail` or `refresh` step for [`run_async_fn`] (its error type inferred).
pub(crate) fn no_step<E>() -> Option<fn(&E) -> std::future::Ready<()>> {
    None
}

/// The async loop for closures that return futures, whose futures borrow nothing
/// of the closures, so that a spawned call's future is `Send` (and `'static`)
/// whenever theirs are: the `*_async_fn` methods and the Redis connection, which
/// may give `first`, the error of a first attempt it made itself on its fast path
/// (and recorded with the budget); without it, the loop records the call and
/// makes the first attempt.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_async_fn<B, O, S, Z, T, E, M, F, Fut, G, GFut, R, RFut>(
    policy: &Retry<B, O, S, Z>,
    first: Option<E>,
    mut op: F,
    mut fail: Option<G>,
    refreshes: u32,
    mut refresh: Option<R>,
) -> Result<T, E>
where
    B: Backoff,
    O: RetryOn<E, M>,
    S: Sleeper,
    E: Debug,
    F: FnMut(Attempt<'_>) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    G: FnMut(&E) -> GFut,
    GFut: Future<Output = ()>,
    R: FnMut(&E) -> RFut,
    RFut: Future<Output = ()>,
{
    async_loop!(
        policy: policy,
        first: first,
        refreshes: refreshes,
        error: E,
        attempt: |attempt| op(attempt),
        fail: |error| fail.as_mut().map(|fail| fail(error)),
        refresh: |error| refresh.as_mut().map(|refresh| refresh(error)),
    )
}
