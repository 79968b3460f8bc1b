use super::{Classify, CloneRequest, Described, Failure};
use crate::backoff::Backoff;
use crate::engine::{CallState, Step};
use crate::idempotency::Applied;
use crate::matching::Unset;
use crate::sleep::Sleeper;
use crate::{Decision, Retry, sleep};
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{ControlFlow, Deref};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tower_service::Service;

pin_project! {
    /// The future of a call through [`RetryService`](super::RetryService): the
    /// attempts, and the waits between them. It is `Send` when the inner service,
    /// its future, the request, the classifier and the copier are.
    ///
    /// ```
    /// use retry_core::Retry;
    /// use retry_core::tower::{ResponseFuture, RetryLayer};
    /// use tower_layer::Layer;
    /// use tower_service::Service;
    ///
    /// fn is_send<T: Send>(_: &T) {}
    ///
    /// #[derive(Clone)]
    /// struct Ready;
    /// impl Service<u8> for Ready {
    ///     type Response = u8;
    ///     type Error = ();
    ///     type Future = std::future::Ready<Result<u8, ()>>;
    ///     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), ()>> {
    ///         std::task::Poll::Ready(Ok(()))
    ///     }
    ///     fn call(&mut self, request: u8) -> Self::Future {
    ///         std::future::ready(Ok(request))
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut service = RetryLayer::new(Retry::default(), |_: &u8, outcome: &Result<u8, ()>| outcome.is_err())
    ///     .layer(Ready);
    /// let future = service.call(7);
    /// is_send(&future);
    /// assert_eq!(future.await, Ok(7));
    /// # }
    /// ```
    pub struct ResponseFuture<Svc, Req, P, C, K, W>
    where
        Svc: Service<Req>,
    {
        // The handle on the layer's policy (an `Arc`, or a `&'static`).
        policy: P,
        classify: C,
        copier: K,
        service: Svc,
        // The copy of the request for the next attempt, if it could be made.
        copy: Option<Req>,
        // The bookkeeping and the wait of a call that failed: boxed at the first
        // failure, so that the success path moves a future of a few words. Dropped
        // by hand (below), so that the success path's drop is one test, not a
        // call to the box's drop glue.
        retrying: ManuallyDrop<RetrySlot<W, Svc::Future>>,
        #[pin]
        stage: Stage<Svc::Future>,
    }

    impl<Svc, Req, P, C, K, W> PinnedDrop for ResponseFuture<Svc, Req, P, C, K, W>
    where
        Svc: Service<Req>,
    {
        fn drop(this: Pin<&mut Self>) {
            let retrying: &mut Option<_> = this.project().retrying;
            if let Some(retrying) = retrying.take() {
                drop_retrying(retrying);
            }
        }
    }
}

#[cold]
#[inline(never)]
fn drop_retrying<T>(retrying: T) {
    drop(retrying);
}

pin_project! {
    struct Retrying<W, F> {
        state: CallState,
        // An attempt that was retried may have been applied: the outcome handed
        // to the caller is marked (`Classify::mark_earlier_applied`).
        earlier_maybe_applied: bool,
        // `None`: a zero wait, skipped.
        #[pin]
        sleep: Option<W>,
        // A retry's attempt: here, not in `Stage`, so that the first attempt's
        // future keeps the layout (and the success path the instructions) it had.
        #[pin]
        retry: Option<F>,
    }
}

/// A call's retry state: `None` until its first failure.
type RetrySlot<W, F> = Option<Pin<Box<Retrying<W, F>>>>;

pin_project! {
    #[project = StageProj]
    enum Stage<F> {
        // The first attempt is running: `poll` settles it inline.
        Called { #[pin] future: F },
        // A retry is running (its future is in `Retrying`): settled out of line,
        // where its outcome is marked.
        Retried,
        // Waiting before the next attempt.
        Waiting,
        // Waiting for the service to be ready for the next attempt.
        Readying,
    }
}

impl<Svc, Req, P, C, K, W> ResponseFuture<Svc, Req, P, C, K, W>
where
    Svc: Service<Req>,
{
    #[inline]
    pub(crate) fn new(policy: P, classify: C, copier: K, mut service: Svc, request: Req, copy: Option<Req>) -> Self {
        let future = service.call(request);
        ResponseFuture {
            policy,
            classify,
            copier,
            service,
            copy,
            retrying: ManuallyDrop::new(None),
            stage: Stage::Called { future },
        }
    }
}

impl<Svc, Req, P, B, S, C, K> Future for ResponseFuture<Svc, Req, P, C, K, S::Sleep>
where
    Svc: Service<Req>,
    Svc::Response: fmt::Debug,
    Svc::Error: fmt::Debug,
    P: Deref<Target = Retry<B, Unset, S>>,
    B: Backoff,
    S: Sleeper,
    C: Classify<Req, Svc::Response, Svc::Error>,
    K: CloneRequest<Req>,
{
    type Output = Result<Svc::Response, Svc::Error>;

    /// The success path, kept small enough to inline: poll the first attempt,
    /// classify its outcome, return it. Everything after a failure is out of line.
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.as_mut().project();
        if let StageProj::Called { future } = this.stage.as_mut().project() {
            let outcome = ready!(future.poll(cx));
            match settle(&**this.policy, &*this.classify, this.copy.as_ref(), this.retrying, outcome) {
                ControlFlow::Break(outcome) => return Poll::Ready(outcome),
                ControlFlow::Continue(()) => this.stage.set(Stage::Waiting),
            }
        }
        self.poll_retrying(cx)
    }
}

impl<Svc, Req, P, B, S, C, K> ResponseFuture<Svc, Req, P, C, K, S::Sleep>
where
    Svc: Service<Req>,
    Svc::Response: fmt::Debug,
    Svc::Error: fmt::Debug,
    P: Deref<Target = Retry<B, Unset, S>>,
    B: Backoff,
    S: Sleeper,
    C: Classify<Req, Svc::Response, Svc::Error>,
    K: CloneRequest<Req>,
{
    /// The retries: wait, get the service ready, call it again, settle the outcome.
    #[cold]
    #[inline(never)]
    fn poll_retrying(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Svc::Response, Svc::Error>> {
        let mut this = self.project();
        loop {
            match this.stage.as_mut().project() {
                StageProj::Called { .. } => unreachable!("`poll` settles the first attempt"),
                StageProj::Retried => {
                    let Some(retrying) = this.retrying.as_mut() else {
                        unreachable!("a retry runs after a failure made the call's state")
                    };
                    let mut retry = retrying.as_mut().project().retry;
                    let Some(future) = retry.as_mut().as_pin_mut() else { unreachable!("a retry is running") };
                    let outcome = ready!(future.poll(cx));
                    retry.set(None);
                    match settle(&**this.policy, &*this.classify, this.copy.as_ref(), this.retrying, outcome) {
                        ControlFlow::Break(outcome) => {
                            return Poll::Ready(mark(&*this.classify, this.retrying, outcome));
                        }
                        ControlFlow::Continue(()) => this.stage.set(Stage::Waiting),
                    }
                }
                StageProj::Waiting => {
                    if let Some(retrying) = this.retrying.as_mut().as_mut() {
                        ready!(sleep::poll_wait(retrying.as_mut().project().sleep, cx));
                    }
                    this.stage.set(Stage::Readying);
                }
                StageProj::Readying => {
                    if let Err(error) = ready!(this.service.poll_ready(cx)) {
                        return Poll::Ready(mark(&*this.classify, this.retrying, Err(error)));
                    }
                    let Some(request) = this.copy.take() else {
                        unreachable!("a retry is only scheduled with a copy of the request")
                    };
                    // The copy for the attempt after this one, made before it is sent.
                    *this.copy = this.copier.clone_request(&request);
                    let future = this.service.call(request);
                    let Some(retrying) = this.retrying.as_mut() else {
                        unreachable!("a retry is only scheduled after a failure made the call's state")
                    };
                    retrying.as_mut().project().retry.set(Some(future));
                    this.stage.set(Stage::Retried);
                }
            }
        }
    }
}

/// What follows an attempt's outcome: `Break` to hand it to the caller,
/// `Continue` when a retry was scheduled (the wait started in `retrying`).
#[inline(always)]
fn settle<Req, Res, Err, B, S, C, F>(
    policy: &Retry<B, Unset, S>,
    classify: &C,
    copy: Option<&Req>,
    retrying: &mut RetrySlot<S::Sleep, F>,
    outcome: Result<Res, Err>,
) -> ControlFlow<Result<Res, Err>>
where
    Res: fmt::Debug,
    Err: fmt::Debug,
    B: Backoff,
    S: Sleeper,
    C: Classify<Req, Res, Err>,
{
    // A request that could not be copied is not retried.
    let Some(request) = copy else { return ControlFlow::Break(outcome) };
    let decision = classify.classify(request, &outcome);
    if decision == Decision::Stop {
        return ControlFlow::Break(outcome);
    }
    let described = Described { classify, outcome: &outcome, request: PhantomData::<fn(&Req)> };
    let maybe_applied = classify.applied(request, &outcome) == Some(Applied::Maybe);
    if schedule(policy, retrying, decision, maybe_applied, &described) {
        ControlFlow::Continue(())
    } else {
        ControlFlow::Break(outcome)
    }
}

/// Asks the engine what follows a failure the classifier would retry; starts
/// the wait and returns `true` when a retry is scheduled.
#[cold]
#[inline(never)]
fn schedule<B: Backoff, S: Sleeper, F>(
    policy: &Retry<B, Unset, S>,
    retrying: &mut RetrySlot<S::Sleep, F>,
    decision: Decision,
    maybe_applied: bool,
    outcome: &dyn fmt::Debug,
) -> bool {
    let failure = Failure::new(decision, outcome);
    let retrying = retrying
        .get_or_insert_with(|| {
            Box::pin(Retrying { state: CallState::new(), earlier_maybe_applied: false, sleep: None, retry: None })
        })
        .as_mut()
        .project();
    match retrying.state.step(policy, &failure, || policy.sleeper.now()) {
        Step::Retry(wait) => {
            *retrying.earlier_maybe_applied |= maybe_applied;
            let mut sleep = retrying.sleep;
            sleep.set(sleep::start(&policy.sleeper, wait));
            true
        }
        Step::GiveUp(reason) => {
            retrying.state.give_up(policy, &failure, reason);
            false
        }
        Step::Return => false,
    }
}

/// The outcome handed to the caller after a retry, marked by the classifier when
/// an attempt it retried may have been applied (spec §9).
fn mark<Req, Res, Err, C: Classify<Req, Res, Err>, W, F>(
    classify: &C,
    retrying: &RetrySlot<W, F>,
    outcome: Result<Res, Err>,
) -> Result<Res, Err> {
    match retrying {
        Some(retrying) if retrying.earlier_maybe_applied => {
            let attempts = retrying.state.retries().saturating_add(1);
            classify.mark_earlier_applied(outcome, attempts)
        }
        _ => outcome,
    }
}

impl<Svc, Req, P, C, K, W> fmt::Debug for ResponseFuture<Svc, Req, P, C, K, W>
where
    Svc: Service<Req>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let retries = self.retrying.as_ref().map_or(0, |retrying| retrying.state.retries());
        f.debug_struct("ResponseFuture").field("retries", &retries).finish_non_exhaustive()
    }
}
