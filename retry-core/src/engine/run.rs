//! The two loops behind every `Retry::call*` method and the Redis connection:
//! [`blocking`] for sync calls and [`run_async`] for async ones.
//!
//! Each is generic over how an attempt is made, an optional `fail` step (redis-py's
//! `call_with_retry(do, fail)`: run on every failure `on` accepts, before the wait),
//! an optional refresh between cycles (a two-level retry: `refreshes` counts the
//! cycles after the first), and an already-failed first attempt (an integration
//! that made it on its own fast path). The public methods are thin wrappers that
//! pick these; the decisions are all [`CallState::step`]'s, [`CallState::give_up`]'s
//! and [`CallState::next_cycle`]'s.
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
/// without its code: [`Retry::call`]'s success path stays as short as it was
/// before the loops were one.
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

/// What the async loop runs: the attempts, and the `fail` and `refresh` steps
/// given the error. Two shapes: async closures ([`AsyncFns`]), and closures that
/// return futures ([`Futures`]), whose futures borrow nothing of the closures, so
/// that a spawned call's future is `Send` (and `'static`) whenever theirs are.
///
/// The success and error types are associated types, not parameters, so that no
/// lifetime in them (`&'static str`, `Box<dyn Error + Send + Sync>`) enters the
/// trait reference a spawned future is checked against.
pub(crate) trait AsyncOps {
    /// The success value.
    type Ok;
    /// The error.
    type Err;
    /// Makes an attempt.
    fn attempt<'s>(&'s mut self, attempt: Attempt<'s>) -> impl Future<Output = Result<Self::Ok, Self::Err>>;
    /// Starts the `fail` step, if there is one.
    fn fail<'s>(&'s mut self, error: &'s Self::Err) -> Option<impl Future<Output = ()>>;
    /// Starts the refresh, if there is one.
    fn refresh<'s>(&'s mut self, error: &'s Self::Err) -> Option<impl Future<Output = ()>>;
}

/// No `fail` or `refresh` step, for either shape.
pub(crate) type NoStep<E> = fn(&E) -> std::future::Ready<()>;

/// The steps as async closures.
pub(crate) struct AsyncFns<F, G, R> {
    pub(crate) op: F,
    pub(crate) fail: Option<G>,
    pub(crate) refresh: Option<R>,
}

impl<F, G, R, T, E> AsyncOps for AsyncFns<F, G, R>
where
    F: AsyncFnMut(Attempt<'_>) -> Result<T, E>,
    G: AsyncFnMut(&E),
    R: AsyncFnMut(&E),
{
    type Ok = T;
    type Err = E;
    fn attempt<'s>(&'s mut self, attempt: Attempt<'s>) -> impl Future<Output = Result<T, E>> {
        (self.op)(attempt)
    }
    fn fail<'s>(&'s mut self, error: &'s E) -> Option<impl Future<Output = ()>> {
        self.fail.as_mut().map(|fail| fail(error))
    }
    fn refresh<'s>(&'s mut self, error: &'s E) -> Option<impl Future<Output = ()>> {
        self.refresh.as_mut().map(|refresh| refresh(error))
    }
}

/// The steps as closures that return futures.
pub(crate) struct Futures<F, G, R> {
    pub(crate) op: F,
    pub(crate) fail: Option<G>,
    pub(crate) refresh: Option<R>,
}

impl<F, Fut, G, GFut, R, RFut, T, E> AsyncOps for Futures<F, G, R>
where
    F: FnMut(Attempt<'_>) -> Fut,
    Fut: Future<Output = Result<T, E>>,
    G: FnMut(&E) -> GFut,
    GFut: Future<Output = ()>,
    R: FnMut(&E) -> RFut,
    RFut: Future<Output = ()>,
{
    type Ok = T;
    type Err = E;
    // The futures' own types, not `impl Future`: an opaque type would capture
    // the borrow of the closure, and a spawned call's future would then have to
    // be `Send` and `'static` for every lifetime of it, which rustc cannot prove.
    #[allow(refining_impl_trait)]
    fn attempt<'s>(&'s mut self, attempt: Attempt<'s>) -> Fut {
        (self.op)(attempt)
    }
    #[allow(refining_impl_trait)]
    fn fail<'s>(&'s mut self, error: &'s E) -> Option<GFut> {
        self.fail.as_mut().map(|fail| fail(error))
    }
    #[allow(refining_impl_trait)]
    fn refresh<'s>(&'s mut self, error: &'s E) -> Option<RFut> {
        self.refresh.as_mut().map(|refresh| refresh(error))
    }
}

/// Whether `step` is one (not [`NoSyncStep`]): known at compile time.
#[inline(always)]
fn has_step<E, S: SyncStep<E>>(_: &S) -> bool {
    S::SOME
}

/// The async loop: [`blocking`]'s, with the policy's [`Sleeper`], async steps,
/// and `first`: the error of a first attempt the caller already made (and
/// recorded with the budget); without it, the loop records the call and makes
/// the first attempt itself.
pub(crate) async fn run_async<B, O, S, Z, M, A>(
    policy: &Retry<B, O, S, Z>,
    first: Option<A::Err>,
    mut ops: A,
    refreshes: u32,
) -> Result<A::Ok, A::Err>
where
    B: Backoff,
    A: AsyncOps,
    O: RetryOn<A::Err, M>,
    S: Sleeper,
    A::Err: Debug,
{
    let mut state = CallState::new();
    let mut error = match first {
        Some(error) => error,
        None => {
            policy.begin::<A::Err>();
            match ops.attempt(state.attempt(policy)).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            }
        }
    };
    let mut refreshed = 0;
    loop {
        let step = state.step(policy, &error, || policy.sleeper.now());
        if state.accepted()
            && let Some(fail) = ops.fail(&error)
        {
            fail.await;
        }
        match step {
            Step::Retry(wait) => crate::sleep::wait(&policy.sleeper, wait).await,
            Step::GiveUp(_) if refreshed < refreshes => {
                refreshed += 1;
                if let Some(refresh) = ops.refresh(&error) {
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
        error = match ops.attempt(state.attempt(policy)).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
    }
}

/// No `fail` or `refresh` step (its error type inferred).
pub(crate) fn no_step<E>() -> Option<NoStep<E>> {
    None
}
