//! Quickstart: retry a flaky HTTP service with one attribute, watch the retries,
//! then read them back from `/metrics`.
//!
//! Run it with `cargo run --example quickstart` at the root of the workspace. It
//! needs nothing installed: the flaky service and the metrics endpoint are real
//! HTTP servers that the example starts on loopback and stops at the end. It is
//! the only target of the `quickstart` package (examples/quickstart/Cargo.toml),
//! which depends on no more than it uses, so that its first build is short.

use retry_core::predicates::reqwest::is_transient_reqwest_error;
use retry_core::retry;
use std::io::IsTerminal;
use testkit::http::{FlakyServer, Outcome, Step};
use testkit::metrics::MetricsServer;

/// Fetches the greeting. A 503 (or a refused connection, a timeout, ..) is
/// retried, up to 5 attempts in all, waiting 0.2 s, 0.4 s, .. plus up to
/// 0.1 s of jitter between them. Anything else, a 404 say, returns at once.
#[retry(on = is_transient_reqwest_error, attempts = 5, wait_initial = "200ms", wait_jitter = "100ms")]
async fn fetch_greeting(client: &reqwest::Client, url: &str) -> Result<String, reqwest::Error> {
    let response = client.get(url).send().await?.error_for_status()?;
    response.text().await
}

fn section(title: &str) {
    println!("\n── {title} {}", "─".repeat(76usize.saturating_sub(title.chars().count())));
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Show retry-core's WARN events (target `retry_core`): one per scheduled retry.
    tracing_subscriber::fmt().without_time().with_ansi(std::io::stdout().is_terminal()).init();

    section("1. A flaky HTTP service");
    let service = FlakyServer::start_then(
        [Step::unavailable(None), Step::unavailable(None)],
        Step::ok("Hello from a flaky service!"),
    )?;
    let url = service.url("/greeting");
    println!("{url} answers 503 Service Unavailable to its first 2 requests, then 200.");

    section("2. Calling it through #[retry]: each WARN line is one scheduled retry");
    let client = reqwest::Client::new();
    let started = std::time::Instant::now();
    let greeting = fetch_greeting(&client, &url).await?;

    section("3. The result");
    let seen: Vec<String> = service
        .served()
        .iter()
        .map(|s| match s.outcome {
            Outcome::Status(code) => code.to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    println!("fetch_greeting returned {greeting:?} after {} attempts in {:.2?}", seen.len(), started.elapsed());
    println!("the service answered, in order: {}", seen.join(", "));

    section("4. /metrics, served over HTTP and scraped");
    let metrics = MetricsServer::start_default()?;
    println!("GET {}\n", metrics.url());
    let text = client.get(metrics.url()).send().await?.error_for_status()?.text().await?;
    print!("{text}");
    println!("\nEach retry counted once in retries_total, labelled by callable, retry number and error type.");
    Ok(())
}
