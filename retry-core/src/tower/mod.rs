//! [`RetryLayer`]: a [`Retry`] policy as tower middleware, for the HTTP and gRPC
//! clients built from tower services (hyper-util, tonic, axum's clients, reqwest
//! through `tower::service_fn`). Feature `tower`; the HTTP classifier needs `http`.
//!
//! The layer is one more way to run the shared engine: the same backoff,
//! deadline, switches, testing mode, budgets, hooks and metrics as `#[retry]` and
//! [`Retry::call_async`], with the policy's name as the `callable` label. What it
//! adds is the decision: a [`Classify`] looks at the request and the whole
//! `Result<Response, Error>` of an attempt, so that a response (HTTP 503, a gRPC
//! `UNAVAILABLE`) can be retried, and a wait the server asked for (`Retry-After`,
//! `grpc-retry-pushback-ms`) is honoured.
//!
//! ```
//! use retry_core::tower::RetryLayer;
//! use retry_core::{Decision, Retry};
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use tower_layer::Layer;
//! use tower_service::Service;
//!
//! /// A service that fails its first two calls.
//! #[derive(Clone)]
//! struct Flaky(Arc<AtomicU32>);
//!
//! impl Service<u32> for Flaky {
//!     type Response = u32;
//!     type Error = &'static str;
//!     type Future = std::future::Ready<Result<u32, &'static str>>;
//!     fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
//!         std::task::Poll::Ready(Ok(()))
//!     }
//!     fn call(&mut self, request: u32) -> Self::Future {
//!         let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
//!         std::future::ready(if n < 3 { Err("unavailable") } else { Ok(request * 2) })
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let calls = Arc::new(AtomicU32::new(0));
//! let layer = RetryLayer::new(
//!     Retry::builder().name("doc::flaky").build().unwrap(),
//!     // Retry every error: a closure given the request and the outcome.
//!     |_request: &u32, outcome: &Result<u32, &'static str>| Decision::from(outcome.is_err()),
//! );
//! let mut service = layer.layer(Flaky(calls.clone()));
//! std::future::poll_fn(|cx| service.poll_ready(cx)).await.unwrap();
//! assert_eq!(service.call(21).await, Ok(42));
//! assert_eq!(calls.load(Ordering::SeqCst), 3);
//! # }
//! ```
//!
//! The request of each retry is a copy made before the attempt before it: any
//! `Req: Clone` by default, or a function given to
//! [`RetryLayer::clone_requests_with`] (an `http::Request` is not `Clone`; the
//! `http` feature's [`http::clone_request`] copies one whose body is). A request
//! that cannot be copied (`None`) is sent once, as tower's own retry does.
//!
//! `docs/tower.md` in the source repository shows the layer with hyper-util and
//! with tonic.

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;

pub mod grpc;

mod future;

pub use future::ResponseFuture;

use crate::idempotency::Applied;
use crate::matching::RetryOn;
use crate::matching::Unset;
use crate::{Decision, Retry};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_layer::Layer;
use tower_service::Service;

/// Decides, from the request and the whole outcome of one attempt, whether to
/// retry: [`Decision::Stop`] hands the outcome to the caller, [`Decision::Retry`]
/// retries after the policy's backoff, [`Decision::RetryAfter`] after exactly the
/// wait given (the server's `Retry-After`).
///
/// Closures `Fn(&Req, &Result<Res, Err>) -> bool` (or `-> Decision`) are
/// classifiers; so are [`http::HttpClassifier`] and [`grpc::GrpcClassifier`].
///
/// ```
/// use retry_core::Decision;
/// use retry_core::tower::Classify;
///
/// let on_errors = |_: &String, outcome: &Result<u16, std::io::Error>| outcome.is_err();
/// assert_eq!(on_errors.classify(&"GET /".to_owned(), &Ok(200)), Decision::Stop);
/// ```
pub trait Classify<Req, Res, Err> {
    /// What to do after an attempt of `request` ended with `outcome`.
    fn classify(&self, request: &Req, outcome: &Result<Res, Err>) -> Decision;

    /// How the hooks show a failed attempt (`caused_by`: the tracing event, a
    /// custom hook). The default is the outcome's `Debug`; the HTTP classifier
    /// shows a response as its status and `Retry-After`, not its headers (which
    /// may carry cookies).
    ///
    /// ```
    /// use retry_core::tower::{Classify, http::HttpClassifier};
    ///
    /// struct Show<'a>(&'a Result<http::Response<()>, std::io::Error>);
    /// impl std::fmt::Debug for Show<'_> {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         Classify::<http::Request<()>, _, _>::describe(&HttpClassifier, self.0, f)
    ///     }
    /// }
    /// let busy = http::Response::builder().status(503).header("set-cookie", "id=1").body(()).unwrap();
    /// assert_eq!(format!("{:?}", Show(&Ok(busy))), "HTTP 503 Service Unavailable");
    /// ```
    ///
    /// # Errors
    ///
    /// An error of the formatter `f`, passed on.
    fn describe(&self, outcome: &Result<Res, Err>, f: &mut fmt::Formatter<'_>) -> fmt::Result
    where
        Res: fmt::Debug,
        Err: fmt::Debug,
    {
        fmt::Debug::fmt(outcome, f)
    }

    /// Whether a failed attempt may have been applied by the server
    /// ([`Applied::Maybe`]: a timeout, a connection closed mid-response, a 504), was
    /// surely not ([`Applied::No`]), or `None`: the classifier cannot tell, which
    /// is the default. The layer asks it of each attempt it retries, so that the
    /// outcome the caller gets can say that an earlier attempt may have been
    /// applied ([`mark_earlier_applied`](Self::mark_earlier_applied)).
    ///
    /// ```
    /// use retry_core::idempotency::Applied;
    /// use retry_core::tower::{Classify, http::HttpClassifier};
    ///
    /// let put = http::Request::put("/k").body(()).unwrap();
    /// let timeout = http::Response::builder().status(504).body(()).unwrap();
    /// let outcome: Result<_, std::io::Error> = Ok(timeout);
    /// assert_eq!(HttpClassifier.applied(&put, &outcome), Some(Applied::Maybe));
    /// ```
    fn applied(&self, request: &Req, outcome: &Result<Res, Err>) -> Option<Applied> {
        let _ = (request, outcome);
        None
    }

    /// The outcome handed to the caller after `attempts` attempts, at least one
    /// of which, before the last, may have been applied ([`applied`](Self::applied)):
    /// marked so that the caller can tell. The default hands it back unchanged;
    /// the HTTP and gRPC classifiers put an `EarlierAttemptMayHaveBeenApplied`
    /// (`tower::http`, feature `http`) in a response's extensions.
    ///
    /// # Errors
    ///
    /// `outcome`'s error, when it is one, unchanged: it is the inner service's
    /// own type.
    fn mark_earlier_applied(&self, outcome: Result<Res, Err>, attempts: u32) -> Result<Res, Err> {
        let _ = attempts;
        outcome
    }
}

/// An outcome shown by its classifier's [`Classify::describe`].
pub(crate) struct Described<'a, Req, Res, Err, C> {
    pub(crate) classify: &'a C,
    pub(crate) outcome: &'a Result<Res, Err>,
    pub(crate) request: std::marker::PhantomData<fn(&Req)>,
}

impl<Req, Res: fmt::Debug, Err: fmt::Debug, C: Classify<Req, Res, Err>> fmt::Debug for Described<'_, Req, Res, Err, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.classify.describe(self.outcome, f)
    }
}

impl<Req, Res, Err, F, D> Classify<Req, Res, Err> for F
where
    F: Fn(&Req, &Result<Res, Err>) -> D,
    D: Into<Decision>,
{
    fn classify(&self, request: &Req, outcome: &Result<Res, Err>) -> Decision {
        self(request, outcome).into()
    }
}

/// Copies a request before it is sent, for the retry that may follow.
///
/// [`ByClone`] (the default) clones it; a closure `Fn(&Req) -> Option<Req>` is
/// a copier too, `None` meaning "cannot be copied: send it once".
///
/// ```
/// use retry_core::tower::{ByClone, CloneRequest};
///
/// assert_eq!(ByClone.clone_request(&"GET /".to_owned()), Some("GET /".to_owned()));
/// let never = |_: &String| None::<String>;
/// assert_eq!(never.clone_request(&"POST /upload".to_owned()), None);
/// ```
pub trait CloneRequest<Req> {
    /// A copy of `request`, or `None` if it cannot be sent twice.
    fn clone_request(&self, request: &Req) -> Option<Req>;
}

/// The default [`CloneRequest`]: `Req::clone`.
///
/// ```
/// use retry_core::tower::{ByClone, CloneRequest};
/// assert_eq!(ByClone.clone_request(&7), Some(7));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ByClone;

impl<Req: Clone> CloneRequest<Req> for ByClone {
    #[inline]
    fn clone_request(&self, request: &Req) -> Option<Req> {
        Some(request.clone())
    }
}

impl<Req, F: Fn(&Req) -> Option<Req>> CloneRequest<Req> for F {
    fn clone_request(&self, request: &Req) -> Option<Req> {
        self(request)
    }
}

/// One failed attempt of a call through the layer, as the engine, the hooks and
/// the metrics see it: its `error_type` label is `retry_core::tower::Failure`, and
/// its `Debug` form (the hooks' `caused_by`) is the attempt's outcome as the
/// classifier describes it ([`Classify::describe`]).
///
/// ```
/// use retry_core::Decision;
/// use retry_core::tower::Failure;
///
/// let outcome: Result<u16, &str> = Err("connection refused");
/// let failure = Failure::new(Decision::Retry, &outcome);
/// assert_eq!(failure.decision(), Decision::Retry);
/// assert_eq!(format!("{failure:?}"), r#"Err("connection refused")"#);
/// ```
#[derive(Clone, Copy)]
pub struct Failure<'a> {
    decision: Decision,
    outcome: &'a dyn fmt::Debug,
}

impl<'a> Failure<'a> {
    /// The failure of an attempt whose outcome the classifier decided on.
    pub fn new(decision: Decision, outcome: &'a dyn fmt::Debug) -> Self {
        Failure { decision, outcome }
    }

    /// What the classifier decided.
    #[must_use]
    pub fn decision(&self) -> Decision {
        self.decision
    }
}

impl fmt::Debug for Failure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.outcome.fmt(f)
    }
}

/// The layer's policy has no `on` of its own ([`Unset`]): the classifier decided,
/// and the engine reads its decision from the [`Failure`].
#[doc(hidden)]
pub struct Classified;

impl<'a> RetryOn<Failure<'a>, Classified> for Unset {
    #[inline]
    fn decide(&self, failure: &Failure<'a>) -> Decision {
        failure.decision
    }
}

/// Retries the calls of the service it wraps under a [`Retry`] policy; see the
/// [module](self) docs.
///
/// The policy has no `on` of its own: the [`Classify`] decides, from the request
/// and each attempt's whole outcome. Name the policy
/// ([`RetryBuilder::name`](crate::RetryBuilder::name)): its name is the
/// `callable` of the hooks and metrics.
///
/// Every call's future keeps a handle on the policy: an `Arc` with
/// [`new`](Self::new) (one reference count up and down per call), a plain
/// reference with [`from_static`](Self::from_static) for a policy in a `static`
/// (nothing to count: the cheapest success path).
///
/// ```
/// use retry_core::Retry;
/// use retry_core::tower::RetryLayer;
///
/// let layer = RetryLayer::new(
///     Retry::builder().attempts(3).name("client::billing").build()?,
///     |_: &String, outcome: &Result<String, std::io::Error>| outcome.is_err(),
/// );
/// assert_eq!(layer.policy().max_attempts(), Some(3));
/// # Ok::<(), retry_core::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct RetryLayer<P, C, K = ByClone> {
    policy: P,
    classify: C,
    copy: K,
}

impl<P: fmt::Debug, C, K> fmt::Debug for RetryLayer<P, C, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryLayer")
            .field("policy", &self.policy)
            .field("classify", &std::any::type_name::<C>())
            .finish_non_exhaustive()
    }
}

impl<B, S, C> RetryLayer<Arc<Retry<B, Unset, S>>, C, ByClone> {
    /// A layer that retries under `policy` what `classify` says to retry,
    /// copying requests with `Clone`.
    pub fn new(policy: Retry<B, Unset, S>, classify: C) -> Self {
        RetryLayer { policy: Arc::new(policy), classify, copy: ByClone }
    }
}

impl<B, S, C> RetryLayer<&'static Retry<B, Unset, S>, C, ByClone> {
    /// [`new`](Self::new) for a policy in a `static` (a `LazyLock`): the calls'
    /// futures hold a plain reference to it.
    ///
    /// ```
    /// use retry_core::Retry;
    /// use retry_core::tower::RetryLayer;
    /// use std::sync::LazyLock;
    ///
    /// static POLICY: LazyLock<Retry> = LazyLock::new(|| Retry::builder().name("client::search").build().unwrap());
    /// let layer = RetryLayer::from_static(&POLICY, |_: &u8, outcome: &Result<u8, ()>| outcome.is_err());
    /// assert_eq!(layer.policy().max_attempts(), Some(10));
    /// ```
    pub fn from_static(policy: &'static Retry<B, Unset, S>, classify: C) -> Self {
        RetryLayer { policy, classify, copy: ByClone }
    }
}

impl<P, C, K> RetryLayer<P, C, K> {
    /// Copies requests with `copy` instead of `Clone` (for a request type that is
    /// not `Clone`, or to send some requests once: return `None`).
    ///
    /// ```
    /// use retry_core::Retry;
    /// use retry_core::tower::RetryLayer;
    ///
    /// struct Upload(Vec<u8>); // not Clone
    /// let _layer = RetryLayer::new(Retry::default(), |_: &Upload, outcome: &Result<(), std::io::Error>| outcome.is_err())
    ///     .clone_requests_with(|upload: &Upload| (upload.0.len() < 1024).then(|| Upload(upload.0.clone())));
    /// ```
    pub fn clone_requests_with<K2>(self, copy: K2) -> RetryLayer<P, C, K2> {
        RetryLayer { policy: self.policy, classify: self.classify, copy }
    }

    /// The policy.
    pub fn policy(&self) -> &P {
        &self.policy
    }
}

impl<Svc, P: Clone, C: Clone, K: Clone> Layer<Svc> for RetryLayer<P, C, K> {
    type Service = RetryService<Svc, P, C, K>;

    fn layer(&self, inner: Svc) -> Self::Service {
        RetryService { inner, policy: self.policy.clone(), classify: self.classify.clone(), copy: self.copy.clone() }
    }
}

/// The service [`RetryLayer`] makes: calls the inner service, and again on the
/// failures the classifier retries. Its [`ResponseFuture`] is `Send` when the
/// inner service, its future, the request, the policy, the classifier and the
/// copier are.
///
/// ```
/// use retry_core::Retry;
/// use retry_core::tower::{RetryLayer, RetryService};
/// use tower_layer::Layer;
///
/// #[derive(Clone, Debug)]
/// struct Echo;
/// let service = RetryLayer::new(Retry::default(), |_: &u8, _: &Result<u8, ()>| false).layer(Echo);
/// assert!(format!("{:?}", service.get_ref()).starts_with("Echo"));
/// ```
#[derive(Clone)]
pub struct RetryService<Svc, P, C, K = ByClone> {
    inner: Svc,
    policy: P,
    classify: C,
    copy: K,
}

impl<Svc: fmt::Debug, P: fmt::Debug, C, K> fmt::Debug for RetryService<Svc, P, C, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryService").field("inner", &self.inner).field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl<Svc, P, C, K> RetryService<Svc, P, C, K> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &Svc {
        &self.inner
    }
}

impl<Req, Svc, P, B, S, C, K> Service<Req> for RetryService<Svc, P, C, K>
where
    Svc: Service<Req> + Clone,
    Svc::Response: fmt::Debug,
    Svc::Error: fmt::Debug,
    P: Deref<Target = Retry<B, Unset, S>> + Clone,
    B: crate::backoff::Backoff,
    S: crate::sleep::Sleeper,
    C: Classify<Req, Svc::Response, Svc::Error> + Clone,
    K: CloneRequest<Req> + Clone,
{
    type Response = Svc::Response;
    type Error = Svc::Error;
    type Future = ResponseFuture<Svc, Req, P, C, K, S::Sleep>;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, request: Req) -> Self::Future {
        self.policy.begin::<Failure<'static>>();
        let copy = self.copy.clone_request(&request);
        // The ready service makes this attempt; a clone waits for the retries.
        let retries = self.inner.clone();
        let ready = std::mem::replace(&mut self.inner, retries);
        ResponseFuture::new(self.policy.clone(), self.classify.clone(), self.copy.clone(), ready, request, copy)
    }
}
