//! HTTP: a reqwest client under `#[retry]` against a server that answers 503 with
//! `Retry-After`, resets the connection, and stalls, before it answers.
//!
//! Run it with `cargo run -p examples --example http_retry_after`. Nothing to
//! install: the server is a real HTTP server (hyper) on loopback, started here.

use retry_core::Decision;
use retry_core::predicates::reqwest::{HttpError, check_status, is_transient_reqwest_error};
use retry_core::retry;
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use testkit::http::{FlakyServer, Step};

/// GETs `url` and returns the body.
///
/// `on` sees every failure and decides the wait:
/// - a 503 or 429 with `Retry-After: N`: exactly N seconds (no jitter);
/// - any other 5xx, 408 or 429, a refused or reset connection, a timeout: the
///   backoff's wait (here 100 ms, 200 ms, .. plus up to 50 ms of jitter);
/// - anything else (a 404, say): no retry.
#[retry(
    on = |e: &HttpError| match e {
        HttpError::Status(status) => status.decision(),
        HttpError::Transport(e) => Decision::from(is_transient_reqwest_error(e)),
    },
    attempts = 5,
    timeout = "10s",
    wait_initial = "100ms",
    wait_jitter = "50ms"
)]
async fn fetch(client: &reqwest::Client, url: &str) -> Result<String, HttpError> {
    // `check_status` is `error_for_status` that keeps the Retry-After header.
    let response = check_status(client.get(url).send().await?)?;
    Ok(response.text().await?)
}

fn section(title: &str) {
    println!("\n── {title} {}", "─".repeat(76usize.saturating_sub(title.chars().count())));
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().without_time().with_ansi(std::io::stdout().is_terminal()).init();

    section("The server's script");
    let server =
        FlakyServer::start_then([Step::unavailable(Some(1)), Step::Reset, Step::Stall], Step::ok("order 42: shipped"))?;
    println!("request 1: 503 Service Unavailable, Retry-After: 1");
    println!("request 2: connection reset (TCP RST)");
    println!("request 3: no answer at all (the client times out after 500 ms)");
    println!("request 4+: 200 \"order 42: shipped\"");

    section("fetch() through #[retry]: one WARN line per scheduled retry");
    let client = reqwest::Client::builder().timeout(Duration::from_millis(500)).build()?;
    let started = Instant::now();
    let body = fetch(&client, &server.url("/orders/42")).await?;

    section("Result");
    println!("{body:?} after {} requests, {:.2?} in all", server.requests(), started.elapsed());
    for (n, served) in server.served().iter().enumerate() {
        println!("  request {}: {} -> {:?}", n + 1, served.path, served.outcome);
    }

    section("A 404 is not retried");
    let missing = FlakyServer::start_then([], Step::status(404).with_body("no such order"))?;
    match fetch(&client, &missing.url("/orders/7")).await {
        Ok(body) => println!("unexpected success: {body}"),
        Err(error) => println!("error after {} request(s): {error}", missing.requests()),
    }
    Ok(())
}
