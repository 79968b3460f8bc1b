//! The tower layer with a hyper-util client: `RetryLayer` over
//! `hyper_util::client::legacy::Client`, against a server on loopback that
//! answers 503 with `Retry-After`, resets the connection, and closes one
//! mid-response; then a POST that must not be sent twice.
//!
//! Run it with `cargo run -p examples --example tower_http`. Nothing to
//! install: the server is testkit's flaky HTTP server, started here.

use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use retry_core::Retry;
use retry_core::tower::RetryLayer;
use retry_core::tower::http::{HttpClassifier, clone_request};
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use testkit::http::{FlakyServer, Step};
use tower::{ServiceBuilder, ServiceExt};

type Body = Full<Bytes>;

fn section(title: &str) {
    println!("\n── {title} {}", "─".repeat(76usize.saturating_sub(title.chars().count())));
}

fn request(method: Method, url: &str) -> Result<Request<Body>, http::Error> {
    Request::builder().method(method).uri(url).body(Full::new(Bytes::from_static(b"{\"item\": 42}")))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().without_time().with_ansi(std::io::stdout().is_terminal()).init();

    // The client: hyper-util's, with the layer on top. 5 attempts, 45 s
    // deadline, 100 ms doubling with up to 50 ms of jitter; the HTTP classifier;
    // requests copied with `clone_request` (an `http::Request` is not `Clone`).
    let policy = Retry::builder()
        .attempts(5)
        .wait_initial(Duration::from_millis(100))
        .wait_jitter(Duration::from_millis(50))
        .name("examples::orders_client")
        .build()?;
    let layer = RetryLayer::new(policy, HttpClassifier).clone_requests_with(clone_request::<Body>);
    let client = ServiceBuilder::new().layer(layer).service(Client::builder(TokioExecutor::new()).build_http());

    section("GET through a flaky server: one WARN line per scheduled retry");
    let server = FlakyServer::start_then(
        [Step::unavailable(Some(1)), Step::Reset, Step::CloseMidResponse],
        Step::ok("order 42: shipped"),
    )?;
    let started = Instant::now();
    let response = client.clone().oneshot(request(Method::GET, &server.url("/orders/42"))?).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    println!("{status} {body:?} after {} requests, {:.2?} in all", server.requests(), started.elapsed());
    for (n, served) in server.served().iter().enumerate() {
        println!("  request {}: {} {} -> {:?}", n + 1, served.method, served.path, served.outcome);
    }

    section("POST: a connection closed mid-response is not retried");
    let server = FlakyServer::start([Step::CloseMidResponse])?;
    match client.clone().oneshot(request(Method::POST, &server.url("/orders"))?).await {
        Ok(response) => println!("unexpected answer: {}", response.status()),
        Err(error) => println!("error: {error}; the server received {} request(s)", server.requests()),
    }

    section("POST: 503 with Retry-After is retried (the server did not apply it)");
    let server = FlakyServer::start([Step::unavailable(Some(1))])?;
    let response = client.clone().oneshot(request(Method::POST, &server.url("/orders"))?).await?;
    println!("{} after {} requests", response.status(), server.requests());
    Ok(())
}
