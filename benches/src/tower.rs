//! The subjects of the tower layer's success path: one always-ready service,
//! called plainly, through tower's own `retry::Retry`, and through
//! `retry_core::tower::RetryLayer`. Each call is `poll_ready`, `call`, and one
//! poll of the response future (pinned in place) with a no-op waker (no runtime: it completes at
//! once), the way a tower client drives a service.

use crate::Transient;
use retry_core::backoff::DefaultBackoff;
use retry_core::sleep::DefaultSleeper;
use retry_core::tower::{RetryLayer, RetryService};
use retry_core::{Retry, matching::Unset};
use std::future::{Ready, ready};
use std::hint::black_box;
use std::pin::pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, Waker};
use tower::Layer;
use tower::Service;

/// The service: doubles its request, always ready, never fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct Double;

impl Service<u64> for Double {
    type Response = u64;
    type Error = Transient;
    type Future = Ready<Result<u64, Transient>>;

    #[inline]
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Transient>> {
        Poll::Ready(Ok(()))
    }

    #[inline]
    fn call(&mut self, request: u64) -> Self::Future {
        ready(if request == u64::MAX { Err(Transient(request)) } else { Ok(request.wrapping_mul(2)) })
    }
}

/// tower's retry policy with the least it can do: retry errors, never with a
/// wait (tower has no backoff of its own), clone the request for a retry.
#[derive(Clone, Copy, Debug, Default)]
pub struct RetryErrors;

impl tower::retry::Policy<u64, u64, Transient> for RetryErrors {
    type Future = Ready<()>;

    fn retry(&mut self, _: &mut u64, result: &mut Result<u64, Transient>) -> Option<Self::Future> {
        result.is_err().then(|| ready(()))
    }

    fn clone_request(&mut self, request: &u64) -> Option<u64> {
        Some(*request)
    }
}

/// tower's retry policy with a retry budget, the way tower's docs build one: every
/// success deposits into an `Arc`'d `TpsBudget` (10 s, 10 retries a second, 20 %),
/// every retry withdraws from it.
#[derive(Clone, Debug)]
pub struct BudgetedRetryErrors(Arc<tower::retry::budget::TpsBudget>);

impl tower::retry::Policy<u64, u64, Transient> for BudgetedRetryErrors {
    type Future = Ready<()>;

    fn retry(&mut self, _: &mut u64, result: &mut Result<u64, Transient>) -> Option<Self::Future> {
        use tower::retry::budget::Budget;
        match result {
            Ok(_) => {
                self.0.deposit();
                None
            }
            Err(_) => self.0.withdraw().then(|| ready(())),
        }
    }

    fn clone_request(&mut self, request: &u64) -> Option<u64> {
        Some(*request)
    }
}

/// [`Double`] under tower's `retry::Retry` with a budget.
#[must_use]
pub fn tower_budgeted() -> tower::retry::Retry<BudgetedRetryErrors, Double> {
    let budget = tower::retry::budget::TpsBudget::new(std::time::Duration::from_secs(10), 10, 0.2);
    tower::retry::RetryLayer::new(BudgetedRetryErrors(Arc::new(budget))).layer(Double)
}

/// [`Double`] under `RetryLayer::new` with the default policy and retry-core's
/// `TpsBudget` of the same settings.
///
/// # Panics
///
/// Never: the budget's settings are valid.
#[must_use]
pub fn ours_budgeted() -> OursArc {
    let budget =
        retry_core::budget::TpsBudget::new(std::time::Duration::from_secs(10), 10, 0.2).expect("valid budget settings");
    RetryLayer::new(Retry::default().budget(Arc::new(budget)), Classifier).layer(Double)
}

/// [`call_once`] of [`tower_budgeted`]'s service behind a call boundary.
#[inline(never)]
pub fn call_tower_budgeted(service: &mut tower::retry::Retry<BudgetedRetryErrors, Double>, request: u64) -> u64 {
    call_once(service, request)
}

/// Classifies an outcome of [`Double`] for the layer: retry errors (a unit
/// struct, as tower's policy above is).
#[derive(Clone, Copy, Debug, Default)]
pub struct Classifier;

impl retry_core::tower::Classify<u64, u64, Transient> for Classifier {
    #[inline]
    fn classify(&self, _: &u64, outcome: &Result<u64, Transient>) -> retry_core::Decision {
        outcome.is_err().into()
    }
}

/// [`Double`] under tower's `retry::Retry`.
#[must_use]
pub fn tower_retry() -> tower::retry::Retry<RetryErrors, Double> {
    tower::retry::RetryLayer::new(RetryErrors).layer(Double)
}

/// The layer's service over [`Double`] with an `Arc`'d policy.
pub type OursArc = RetryService<Double, Arc<Retry<DefaultBackoff, Unset, DefaultSleeper>>, Classifier>;
/// The layer's service over [`Double`] with a policy in a `static`.
pub type OursStatic = RetryService<Double, &'static Retry<DefaultBackoff, Unset, DefaultSleeper>, Classifier>;

/// [`Double`] under `RetryLayer::new` with the default policy (stamina's defaults).
#[must_use]
pub fn ours_layer() -> OursArc {
    RetryLayer::new(Retry::default(), Classifier).layer(Double)
}

static POLICY: LazyLock<Retry> = LazyLock::new(Retry::default);

/// [`Double`] under `RetryLayer::from_static` with the default policy in a `static`.
#[must_use]
pub fn ours_static() -> OursStatic {
    RetryLayer::from_static(&POLICY, Classifier).layer(Double)
}

/// One call: `poll_ready`, `call`, one poll of the future.
///
/// # Panics
///
/// If the service is not ready, or its future does not complete at its first
/// poll: the subjects here all are, and all do.
#[inline(always)]
pub fn call_once<S: Service<u64, Response = u64, Error = Transient>>(service: &mut S, request: u64) -> u64 {
    let mut cx = Context::from_waker(Waker::noop());
    match service.poll_ready(&mut cx) {
        Poll::Ready(Ok(())) => {}
        _ => panic!("the service is always ready"),
    }
    let mut future = pin!(service.call(black_box(request)));
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(outcome) => outcome.unwrap_or(0),
        Poll::Pending => panic!("the service's future completes at once"),
    }
}

/// [`call_once`] of [`Double`] behind a call boundary: the callgrind subjects
/// each cross one, so that the harness around them is the same.
#[inline(never)]
pub fn call_plain(service: &mut Double, request: u64) -> u64 {
    call_once(service, request)
}

/// [`call_once`] of [`tower_retry`]'s service behind a call boundary.
#[inline(never)]
pub fn call_tower(service: &mut tower::retry::Retry<RetryErrors, Double>, request: u64) -> u64 {
    call_once(service, request)
}

/// [`call_once`] of [`ours_layer`]'s service behind a call boundary.
#[inline(never)]
pub fn call_ours(service: &mut OursArc, request: u64) -> u64 {
    call_once(service, request)
}

/// [`call_once`] of [`ours_static`]'s service behind a call boundary.
#[inline(never)]
pub fn call_ours_static(service: &mut OursStatic, request: u64) -> u64 {
    call_once(service, request)
}
