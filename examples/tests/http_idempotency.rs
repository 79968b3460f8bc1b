//! The reqwest predicates and idempotency: a `POST` against testkit's flaky
//! server (which counts the requests it received) is never sent twice after a
//! connection closed mid-response with `retry_after_or_not_applied`, while a
//! refused connection and a 503 with `Retry-After` are retried. Testing mode
//! makes the waits zero.

use retry_core::idempotency::Idempotency;
use retry_core::predicates::reqwest::{
    HttpError, check_status, decide_for, retry_after_or_not_applied, retry_after_or_transient,
};
use retry_core::{Scoped, TestMode, retry};
use std::sync::atomic::{AtomicU32, Ordering};
use testkit::http::{FlakyServer, Outcome, Step};

#[retry(on = retry_after_or_not_applied, attempts = 3)]
async fn place_order(client: &reqwest::Client, url: &str) -> Result<u16, HttpError> {
    let response = check_status(client.post(url).body("one order").send().await?)?;
    Ok(response.status().as_u16())
}

/// The old predicate, for idempotent requests only: shown here sending a POST twice.
#[retry(on = retry_after_or_transient, attempts = 3)]
async fn place_order_carelessly(client: &reqwest::Client, url: &str) -> Result<u16, HttpError> {
    let response = check_status(client.post(url).body("one order").send().await?)?;
    Ok(response.status().as_u16())
}

/// The request's idempotency decided at the call: here a POST with a key.
#[retry(on = |e: &HttpError| decide_for(e, Idempotency::Idempotent), attempts = 3)]
async fn place_order_with_key(client: &reqwest::Client, url: &str) -> Result<u16, HttpError> {
    let request = client.post(url).header("idempotency-key", "order-7").body("one order");
    let response = check_status(request.send().await?)?;
    Ok(response.status().as_u16())
}

fn outcomes(server: &FlakyServer) -> Vec<Outcome> {
    server.served().into_iter().map(|s| s.outcome).collect()
}

async fn fast<F: Future>(future: F) -> F::Output {
    Scoped::new().testing(TestMode::new(3)).wrap(future).await
}

#[tokio::test]
async fn a_post_is_never_sent_twice_after_a_mid_response_close() {
    let server = FlakyServer::start([Step::CloseMidResponse]).unwrap();
    let client = reqwest::Client::new();
    let error = fast(place_order(&client, &server.url("/orders"))).await.unwrap_err();
    assert!(matches!(error, HttpError::Transport(_)), "{error:?}");
    assert_eq!(outcomes(&server), [Outcome::ClosedMidResponse]);
    assert_eq!(server.served()[0].method, "POST");
}

#[tokio::test]
async fn the_old_predicate_sends_it_again() {
    let server = FlakyServer::start([Step::CloseMidResponse]).unwrap();
    let client = reqwest::Client::new();
    assert_eq!(fast(place_order_carelessly(&client, &server.url("/orders"))).await.unwrap(), 200);
    assert_eq!(outcomes(&server), [Outcome::ClosedMidResponse, Outcome::Status(200)], "the POST arrived twice");
}

#[tokio::test]
async fn a_keyed_post_is_sent_again() {
    let server = FlakyServer::start([Step::CloseMidResponse]).unwrap();
    let client = reqwest::Client::new();
    assert_eq!(fast(place_order_with_key(&client, &server.url("/orders"))).await.unwrap(), 200);
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_post_is_retried_after_503_with_retry_after_but_not_after_502() {
    let server = FlakyServer::start([Step::unavailable(Some(0)), Step::too_many_requests(Some(0))]).unwrap();
    let client = reqwest::Client::new();
    assert_eq!(fast(place_order(&client, &server.url("/orders"))).await.unwrap(), 200);
    assert_eq!(outcomes(&server), [Outcome::Status(503), Outcome::Status(429), Outcome::Status(200)]);

    let server = FlakyServer::start([Step::status(502)]).unwrap();
    let error = fast(place_order(&client, &server.url("/orders"))).await.unwrap_err();
    assert!(matches!(&error, HttpError::Status(s) if s.status() == 502), "{error:?}");
    assert_eq!(server.requests(), 1);
}

#[retry(on = retry_after_or_not_applied, attempts = 3)]
async fn place_order_counted(client: &reqwest::Client, url: &str, attempts: &AtomicU32) -> Result<u16, HttpError> {
    attempts.fetch_add(1, Ordering::SeqCst);
    let response = check_status(client.post(url).body("one order").send().await?)?;
    Ok(response.status().as_u16())
}

#[tokio::test]
async fn a_refused_post_is_retried() {
    // Nothing listens on a port just freed: the POST is never sent.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = reqwest::Client::new();
    let attempts = AtomicU32::new(0);
    let result = fast(place_order_counted(&client, &format!("http://127.0.0.1:{port}/orders"), &attempts)).await;
    assert!(matches!(result, Err(HttpError::Transport(ref e)) if e.is_connect()), "{result:?}");
    assert_eq!(attempts.load(Ordering::SeqCst), 3, "every attempt refused, so every one retried");
}
