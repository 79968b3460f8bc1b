use super::{Classify, CloneRequest, Failure, Shared};
use crate::backoff::Backoff;
use crate::engine::{CallState, Step};
use crate::sleep::Sleeper;
use crate::{Decision, sleep};
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
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
    pub struct ResponseFuture<Svc, Req, C, B, S, K>
    where
        Svc: Service<Req>,
        S: Sleeper,
    {
        shared: Arc<Shared<C, B, S, K>>,
        service: Svc,
        // The copy of the request for the next attempt, if it could be made.
        copy: Option<Req>,
        state: CallState,
        #[pin]
        stage: Stage<Svc::Future, S::Sleep>,
    }
}

pin_project! {
    #[project = StageProj]
    enum Stage<F, W> {
        // An attempt is running.
        Called { #[pin] future: F },
        // Waiting before the next attempt (`None`: a zero wait, skipped).
        Waiting { #[pin] sleep: Option<W> },
        // Waiting for the service to be ready for the next attempt.
        Readying,
    }
}

impl<Svc, Req, C, B, S, K> ResponseFuture<Svc, Req, C, B, S, K>
where
    Svc: Service<Req>,
    S: Sleeper,
{
    #[inline]
    pub(crate) fn new(shared: Arc<Shared<C, B, S, K>>, mut service: Svc, request: Req, copy: Option<Req>) -> Self {
        let future = service.call(request);
        ResponseFuture { shared, service, copy, state: CallState::new(), stage: Stage::Called { future } }
    }
}

impl<Svc, Req, C, B, S, K> Future for ResponseFuture<Svc, Req, C, B, S, K>
where
    Svc: Service<Req>,
    Svc::Response: fmt::Debug,
    Svc::Error: fmt::Debug,
    C: Classify<Req, Svc::Response, Svc::Error>,
    B: Backoff,
    S: Sleeper,
    K: CloneRequest<Req>,
{
    type Output = Result<Svc::Response, Svc::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.stage.as_mut().project() {
                StageProj::Called { future } => {
                    let outcome = ready!(future.poll(cx));
                    // A request that could not be copied is not retried.
                    let Some(request) = this.copy.as_ref() else { return Poll::Ready(outcome) };
                    let decision = this.shared.classify.classify(request, &outcome);
                    if decision == Decision::Stop {
                        return Poll::Ready(outcome);
                    }
                    let policy = &this.shared.policy;
                    let failure = Failure::new(decision, &outcome);
                    match this.state.step(policy, &failure, || policy.sleeper.now()) {
                        Step::Retry(wait) => {
                            let sleep = sleep::start(&policy.sleeper, wait);
                            this.stage.set(Stage::Waiting { sleep });
                        }
                        Step::GiveUp(reason) => {
                            this.state.give_up(policy, &failure, reason);
                            return Poll::Ready(outcome);
                        }
                        Step::Return => return Poll::Ready(outcome),
                    }
                }
                StageProj::Waiting { sleep } => {
                    ready!(sleep::poll_wait(sleep, cx));
                    this.stage.set(Stage::Readying);
                }
                StageProj::Readying => {
                    if let Err(error) = ready!(this.service.poll_ready(cx)) {
                        return Poll::Ready(Err(error));
                    }
                    let Some(request) = this.copy.take() else {
                        unreachable!("a retry is only scheduled with a copy of the request")
                    };
                    // The copy for the attempt after this one, made before it is sent.
                    *this.copy = this.shared.copy.clone_request(&request);
                    let future = this.service.call(request);
                    this.stage.set(Stage::Called { future });
                }
            }
        }
    }
}

impl<Svc, Req, C, B, S, K> fmt::Debug for ResponseFuture<Svc, Req, C, B, S, K>
where
    Svc: Service<Req>,
    S: Sleeper,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").field("retries", &self.state.retries()).finish_non_exhaustive()
    }
}
