//! A hyper-util client through `RetryLayer` against testkit's flaky HTTP server
//! on loopback: statuses with `Retry-After`, resets, connections closed
//! mid-response, and which methods are sent again. The server counts the
//! requests it received; the waits are those the policy chose (a recording
//! sleeper), never read from the wall clock.

use http::{Method, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use retry_core::backoff::DefaultBackoff;
use retry_core::idempotency::Idempotency;
use retry_core::tower::http::{EarlierAttemptMayHaveBeenApplied, HttpClassifier, clone_request};
use retry_core::tower::{ResponseFuture, RetryLayer};
use retry_core::{Retry, matching::Unset};
use std::sync::Arc;
use std::time::Duration;
use testkit::http::{FlakyServer, Outcome, Step};
use tower::{Service, ServiceBuilder, ServiceExt};
use tower_tests::Recorder;

type Body = Full<Bytes>;
type HyperClient = Client<HttpConnector, Body>;
type Copier = fn(&Request<Body>) -> Option<Request<Body>>;

// The layer's future over a hyper-util client is `Send`: checked at compile time.
const _: fn() = || {
    fn assert_send<T: Send>() {}
    type Policy = Arc<Retry<DefaultBackoff, Unset, Recorder>>;
    assert_send::<ResponseFuture<HyperClient, Request<Body>, Policy, HttpClassifier, Copier, tokio::time::Sleep>>();
};

/// A hyper-util client with the layer: 5 attempts, 50 ms doubling, no jitter,
/// named `name` for the hooks and metrics.
fn client(
    name: &'static str,
    waits: &Recorder,
) -> impl Service<Request<Body>, Response = Response<Incoming>, Error = hyper_util::client::legacy::Error, Future: Send>
+ Clone
+ use<> {
    let policy = Retry::builder()
        .attempts(5)
        .timeout(Duration::from_secs(10))
        .wait_initial(Duration::from_millis(50))
        .wait_jitter(Duration::ZERO)
        .name(name)
        .build()
        .expect("a valid policy")
        .sleeper(waits.clone());
    let layer = RetryLayer::new(policy, HttpClassifier).clone_requests_with(clone_request as Copier);
    let client: HyperClient = Client::builder(TokioExecutor::new()).build_http();
    ServiceBuilder::new().layer(layer).service(client)
}

fn request(method: Method, url: &str) -> Request<Body> {
    Request::builder().method(method).uri(url).body(Full::new(Bytes::from_static(b"payload"))).expect("a request")
}

fn outcomes(server: &FlakyServer) -> Vec<Outcome> {
    server.served().into_iter().map(|s| s.outcome).collect()
}

async fn text(response: Response<Incoming>) -> String {
    let body = response.into_body().collect().await.expect("the body").to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}

#[tokio::test]
async fn get_through_503_reset_and_mid_response_close_then_ok() {
    let server = FlakyServer::start_then(
        [Step::unavailable(Some(1)), Step::Reset, Step::CloseMidResponse, Step::status(502)],
        Step::ok("the answer"),
    )
    .unwrap();
    let waits = Recorder::default();
    let mut client = client("tower_tests::get", &waits);

    let response = client.ready().await.unwrap().call(request(Method::GET, &server.url("/a"))).await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(text(response).await, "the answer");
    assert_eq!(
        outcomes(&server),
        [Outcome::Status(503), Outcome::Reset, Outcome::ClosedMidResponse, Outcome::Status(502), Outcome::Status(200)]
    );
    // Retry-After: 1 first, then the backoff: 50 ms doubling (retries 2, 3, 4).
    assert_eq!(
        waits.waits(),
        [Duration::from_secs(1), Duration::from_millis(100), Duration::from_millis(200), Duration::from_millis(400)]
    );
}

#[tokio::test]
async fn post_is_never_sent_twice_after_a_mid_response_close() {
    let server = FlakyServer::start([Step::CloseMidResponse]).unwrap();
    let waits = Recorder::default();
    let mut client = client("tower_tests::post", &waits);

    let error = client.ready().await.unwrap().call(request(Method::POST, &server.url("/orders"))).await.unwrap_err();

    assert!(!error.is_connect(), "the request was sent: {error:?}");
    assert_eq!(outcomes(&server), [Outcome::ClosedMidResponse], "the server received the POST once");
    assert!(server.served().iter().all(|s| s.method == "POST"));
    assert_eq!(waits.waits(), [], "no retry scheduled");
}

#[tokio::test]
async fn post_gets_a_plain_502_back_but_a_503_with_retry_after_is_retried() {
    let server = FlakyServer::start([Step::status(502)]).unwrap();
    let waits = Recorder::default();
    let mut client = client("tower_tests::post_statuses", &waits);
    let response = client.ready().await.unwrap().call(request(Method::POST, &server.url("/orders"))).await.unwrap();
    assert_eq!(response.status(), 502, "maybe applied: a POST is not sent again");
    assert_eq!(server.requests(), 1);

    let server = FlakyServer::start([Step::unavailable(Some(0)), Step::too_many_requests(Some(0))]).unwrap();
    let response = client.ready().await.unwrap().call(request(Method::POST, &server.url("/orders"))).await.unwrap();
    assert_eq!(response.status(), 200, "refused with Retry-After: not applied, retried for any method");
    assert_eq!(outcomes(&server), [Outcome::Status(503), Outcome::Status(429), Outcome::Status(200)]);
    assert_eq!(waits.waits(), [Duration::ZERO, Duration::ZERO], "the waits Retry-After asked for");
}

#[tokio::test]
async fn a_post_marked_idempotent_is_retried_after_a_mid_response_close() {
    let waits = Recorder::default();
    let mut client = client("tower_tests::post_marked", &waits);

    // An Idempotency-Key header...
    let server = FlakyServer::start([Step::CloseMidResponse]).unwrap();
    let mut keyed = request(Method::POST, &server.url("/orders"));
    keyed.headers_mut().insert("idempotency-key", "order-7".parse().unwrap());
    let response = client.ready().await.unwrap().call(keyed).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(outcomes(&server), [Outcome::ClosedMidResponse, Outcome::Status(200)]);

    // ...or an explicit mark in the request's extensions.
    let server = FlakyServer::start([Step::CloseMidResponse]).unwrap();
    let mut marked = request(Method::POST, &server.url("/orders"));
    marked.extensions_mut().insert(Idempotency::Idempotent);
    let response = client.ready().await.unwrap().call(marked).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn the_response_says_when_an_earlier_attempt_may_have_been_applied() {
    let waits = Recorder::default();
    let mut client = client("tower_tests::earlier_applied", &waits);
    let marked =
        |response: &Response<Incoming>| response.extensions().get::<EarlierAttemptMayHaveBeenApplied>().copied();

    // A PUT that timed out at the gateway may have been applied, then the retry
    // got a final 500: the caller learns that the first one may have taken effect.
    let server = FlakyServer::start([Step::status(504), Step::status(500)]).unwrap();
    let response = client.ready().await.unwrap().call(request(Method::PUT, &server.url("/k"))).await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(marked(&response), Some(EarlierAttemptMayHaveBeenApplied { attempts: 2 }));

    // The same after a connection closed mid-response, and whatever the last answer.
    let server = FlakyServer::start([Step::Reset, Step::CloseMidResponse]).unwrap();
    let response = client.ready().await.unwrap().call(request(Method::PUT, &server.url("/k"))).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(marked(&response), Some(EarlierAttemptMayHaveBeenApplied { attempts: 3 }));

    // Refusals with Retry-After were surely not applied: no mark.
    let server = FlakyServer::start([Step::unavailable(Some(0)), Step::status(500)]).unwrap();
    let response = client.ready().await.unwrap().call(request(Method::PUT, &server.url("/k"))).await.unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(marked(&response), None);

    // Nor on a call made once.
    let server = FlakyServer::start([Step::status(504)]).unwrap();
    let response = client.ready().await.unwrap().call(request(Method::POST, &server.url("/orders"))).await.unwrap();
    assert_eq!((response.status().as_u16(), marked(&response)), (504, None));
}

#[tokio::test]
async fn a_refused_connection_is_retried_for_a_post() {
    // A port nothing listens on: every attempt is refused, nothing is ever sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let waits = Recorder::default();
    let mut client = client("tower_tests::refused", &waits);

    let error = client
        .ready()
        .await
        .unwrap()
        .call(request(Method::POST, &format!("http://127.0.0.1:{port}/orders")))
        .await
        .unwrap_err();

    assert!(error.is_connect(), "{error:?}");
    assert_eq!(waits.waits().len(), 4, "5 attempts: 4 retries, then the last error");
}

#[tokio::test]
async fn the_layer_counts_its_retries_under_its_name() {
    let server = FlakyServer::start([Step::status(503), Step::status(504)]).unwrap();
    let waits = Recorder::default();
    let mut client = client("tower_tests::metrics", &waits);
    let response = client.ready().await.unwrap().call(request(Method::GET, &server.url("/m"))).await.unwrap();
    assert_eq!(response.status(), 200);

    let counter = retry_core::instrument::prometheus::retries_total();
    let series = |retry_num: &str| {
        counter.with_label_values(&["tower_tests::metrics", retry_num, "retry_core::tower::Failure"]).get()
    };
    let scrape = format!("{:?}", prometheus::gather());
    assert_eq!((series("1"), series("2"), series("3")), (1, 1, 0), "{scrape}");
}

#[tokio::test]
async fn switched_off_the_layer_makes_one_attempt() {
    let server = FlakyServer::start([Step::status(503)]).unwrap();
    let waits = Recorder::default();
    let mut client = client("tower_tests::inactive", &waits);
    let response = retry_core::Scoped::new()
        .active(false)
        .wrap(async { client.ready().await.unwrap().call(request(Method::GET, &server.url("/off"))).await })
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn in_testing_mode_the_layer_waits_nothing() {
    let server = FlakyServer::start([Step::unavailable(Some(30)), Step::Reset]).unwrap();
    let waits = Recorder::default();
    let mut client = client("tower_tests::testing", &waits);
    let response = retry_core::Scoped::new()
        .testing(retry_core::TestMode::new(3))
        .wrap(async { client.ready().await.unwrap().call(request(Method::GET, &server.url("/t"))).await })
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.requests(), 3);
    assert!(waits.waits().iter().all(Duration::is_zero), "{:?}", waits.waits());
}

#[tokio::test]
async fn a_call_through_the_layer_can_be_spawned() {
    let server = FlakyServer::start([Step::status(503)]).unwrap();
    let waits = Recorder::default();
    let client = client("tower_tests::spawned", &waits);
    let url = server.url("/s");
    let status = tokio::spawn(async move { client.oneshot(request(Method::GET, &url)).await.map(|r| r.status()) })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_retried_for_a_post() {
    // `.invalid` never resolves (RFC 2606): hyper-util fails with "dns error"
    // before sending anything.
    let waits = Recorder::default();
    let mut client = client("tower_tests::dns", &waits);
    let error = retry_core::Scoped::new()
        .testing(retry_core::TestMode::new(3))
        .wrap(async {
            client.ready().await.unwrap().call(request(Method::POST, "http://no-such-host.invalid/orders")).await
        })
        .await
        .unwrap_err();
    assert!(error.is_connect(), "{error:?}");
    assert_eq!(waits.waits(), [Duration::ZERO, Duration::ZERO], "3 attempts: 2 retries, no wait in testing mode");
}

#[tokio::test]
async fn the_layer_draws_its_retries_from_the_budget() {
    use retry_core::budget::{ManualClock, TpsBudget};
    // A window that grants a single retry (one call deposits a ratio of 1.0).
    let budget = TpsBudget::with_clock(Duration::from_secs(10), 0, 1.0, ManualClock::new()).unwrap();
    let policy = Retry::builder()
        .wait_initial(Duration::ZERO)
        .wait_jitter(Duration::ZERO)
        .name("tower_tests::budget")
        .build()
        .unwrap()
        .budget(Arc::new(budget));
    let layer = RetryLayer::new(policy, HttpClassifier).clone_requests_with(clone_request as Copier);
    let client: HyperClient = Client::builder(TokioExecutor::new()).build_http();
    let mut client = ServiceBuilder::new().layer(layer).service(client);

    let server = FlakyServer::start_then([], Step::status(503)).unwrap();
    let response = client.ready().await.unwrap().call(request(Method::GET, &server.url("/b"))).await.unwrap();
    assert_eq!(response.status(), 503, "the last answer, once the budget said no");
    assert_eq!(server.requests(), 2, "one retry, then the budget was empty");
}
