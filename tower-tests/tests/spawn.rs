//! Spawnable async retries: code that retries through a policy or through
//! `#[retry]` runs inside `tokio::spawn` and serves as an axum handler. Most of
//! what is checked here is checked by compiling (`tokio::spawn` and axum's
//! `Handler` require `Send` futures); the requests then run on tokio's paused
//! clock, so the waits take no real time.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use retry_core::backoff::NoBackoff;
use retry_core::{Retry, error_type, retry};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};
use tower::ServiceExt;

/// A backend that fails its first two calls of every three.
#[derive(Debug, Default)]
struct Backend {
    calls: AtomicU32,
}

impl Backend {
    async fn fetch(&self) -> io::Result<u32> {
        tokio::task::yield_now().await;
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call.is_multiple_of(3) { Ok(call) } else { Err(io::Error::other(format!("call {call} failed"))) }
    }
}

static POLICY: LazyLock<Retry<retry_core::backoff::DefaultBackoff, retry_core::matching::ErrorType<io::Error>>> =
    LazyLock::new(|| {
        Retry::builder().name("tower_tests::spawn::policy").build().unwrap().on(error_type::<io::Error>())
    });

/// A handler that retries through a policy: the closure-returning-a-future form.
async fn through_policy(State(backend): State<Arc<Backend>>) -> Result<String, StatusCode> {
    let answer = POLICY
        .call_async_fn(|_attempt| {
            let backend = Arc::clone(&backend);
            async move { backend.fetch().await }
        })
        .await;
    answer.map(|call| format!("policy: call {call}")).map_err(|_| StatusCode::BAD_GATEWAY)
}

/// The same through the attribute, with a borrowed argument.
#[retry(on = io::Error, name = "tower_tests::spawn::attribute")]
async fn fetch_with_attribute(backend: &Backend) -> io::Result<u32> {
    backend.fetch().await
}

async fn through_attribute(State(backend): State<Arc<Backend>>) -> Result<String, StatusCode> {
    let answer = fetch_with_attribute(&backend).await;
    answer.map(|call| format!("attribute: call {call}")).map_err(|_| StatusCode::BAD_GATEWAY)
}

fn app(backend: Arc<Backend>) -> Router {
    Router::new().route("/policy", get(through_policy)).route("/attribute", get(through_attribute)).with_state(backend)
}

async fn get_text(app: Router, path: &str) -> (StatusCode, String) {
    let response = app.oneshot(Request::get(path).body(axum::body::Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test(start_paused = true)]
async fn an_axum_router_whose_handlers_retry() {
    let backend = Arc::new(Backend::default());
    assert_eq!(get_text(app(Arc::clone(&backend)), "/policy").await, (StatusCode::OK, "policy: call 3".into()));
    assert_eq!(get_text(app(Arc::clone(&backend)), "/attribute").await, (StatusCode::OK, "attribute: call 6".into()));
}

#[tokio::test(start_paused = true)]
async fn the_handlers_spawned() {
    let backend = Arc::new(Backend::default());
    let policy = tokio::spawn(through_policy(State(Arc::clone(&backend))));
    assert_eq!(policy.await.unwrap(), Ok("policy: call 3".into()));
    let attribute = tokio::spawn(through_attribute(State(Arc::clone(&backend))));
    assert_eq!(attribute.await.unwrap(), Ok("attribute: call 6".into()));
}

#[tokio::test(start_paused = true)]
async fn call_with_retry_and_refresh_spawned() {
    let backend = Arc::new(Backend::default());
    let policy = Retry::new(NoBackoff, 5).on(error_type::<io::Error>());
    let failures = Arc::new(AtomicU32::new(0));
    let (b, f) = (Arc::clone(&backend), Arc::clone(&failures));
    let task = tokio::spawn(async move {
        policy
            .call_with_retry_async_fn(
                || {
                    let backend = Arc::clone(&b);
                    async move { backend.fetch().await }
                },
                |_error| {
                    let failures = Arc::clone(&f);
                    async move {
                        failures.fetch_add(1, Ordering::SeqCst);
                    }
                },
            )
            .await
    });
    assert_eq!(task.await.unwrap().unwrap(), 3);
    assert_eq!(failures.load(Ordering::SeqCst), 2);

    // One attempt per cycle: each failure ends a cycle and refreshes.
    let policy = Retry::new(NoBackoff, 0).on(error_type::<io::Error>());
    let refreshes = Arc::new(AtomicU32::new(0));
    let (b, r) = (Arc::clone(&backend), Arc::clone(&refreshes));
    let task = tokio::spawn(async move {
        policy
            .call_with_refresh_async_fn(
                3,
                |_attempt| {
                    let backend = Arc::clone(&b);
                    async move { backend.fetch().await }
                },
                |_error| {
                    r.fetch_add(1, Ordering::SeqCst);
                    async {}
                },
            )
            .await
    });
    assert_eq!(task.await.unwrap().unwrap(), 6);
    assert_eq!(refreshes.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn call_async_with_an_owning_async_move_closure_spawned() {
    let backend = Arc::new(Backend::default());
    let policy = Retry::default().on(error_type::<io::Error>());
    let task = tokio::spawn(async move {
        // The closure owns its `Arc`; each attempt borrows it from the closure.
        policy.call_async(async move |_attempt| backend.fetch().await).await
    });
    assert_eq!(task.await.unwrap().unwrap(), 3);
}
