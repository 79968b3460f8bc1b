//! Metrics: serve the Prometheus registry over HTTP, scrape it with a real HTTP
//! client, parse the text exposition format and read `retries_total`.
//!
//! Run it with `cargo run -p examples --example metrics_scrape`. Nothing to install.

use retry_core::{Retry, error_type, retry};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use testkit::metrics::{MetricsServer, parse};

/// Fails with a reset connection on its first three calls.
#[retry(on = io::Error, attempts = 5, wait_initial = "10ms", wait_jitter = 0)]
fn sync_inventory(calls: &AtomicU32) -> io::Result<u32> {
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 4 { Err(io::Error::from(io::ErrorKind::ConnectionReset)) } else { Ok(call) }
}

/// An error of the application's own.
#[derive(Debug)]
struct GatewayBusy;

impl std::fmt::Display for GatewayBusy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("payment gateway busy")
    }
}

impl std::error::Error for GatewayBusy {}

fn section(title: &str) {
    println!("\n── {title} {}", "─".repeat(76usize.saturating_sub(title.chars().count())));
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    section("1. Some retries");
    let calls = AtomicU32::new(0);
    println!("sync_inventory() -> {:?} after {} calls", sync_inventory(&calls)?, calls.load(Ordering::SeqCst));
    let checkout = Retry::builder()
        .attempts(3)
        .wait_initial(Duration::from_millis(10))
        .wait_jitter(Duration::ZERO)
        .name("checkout")
        .build()?
        .on(error_type::<GatewayBusy>());
    let result: Result<(), GatewayBusy> = checkout.call(|_| Err(GatewayBusy));
    println!("checkout policy -> {result:?} after 3 attempts (2 retries; the last failure is not a retry)");

    section("2. GET /metrics with reqwest");
    let metrics = MetricsServer::start_default()?;
    let response = reqwest::get(metrics.url()).await?;
    println!("GET {} -> {}", metrics.url(), response.status());
    println!("content-type: {}", response.headers()[reqwest::header::CONTENT_TYPE].to_str()?);
    let text = response.text().await?;
    println!("\n{text}");

    section("3. Parsed");
    let exposition = parse(&text)?;
    let family = exposition.family("retries_total").ok_or("no retries_total")?;
    println!(
        "family {}: type {}, help {:?}",
        family.name,
        family.kind.as_deref().unwrap_or("?"),
        family.help.as_deref().unwrap_or("")
    );
    for sample in &family.samples {
        let labels: Vec<String> = sample.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("  {} -> {}", labels.join(", "), sample.value);
    }
    println!("\nsum for callable=checkout: {}", exposition.sum("retries_total", &[("callable", "checkout")]));
    println!(
        "sum for callable=metrics_scrape::sync_inventory: {}",
        exposition.sum("retries_total", &[("callable", "metrics_scrape::sync_inventory")])
    );
    Ok(())
}
