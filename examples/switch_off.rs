//! `set_active(false)`: switch retrying off for the whole process, as a test
//! suite does to make failure paths fail fast. With retrying off, every retrying
//! call makes exactly one attempt: no wait, no hook, no metric.
//!
//! Run it with `cargo run -p examples --example switch_off`. Nothing to install.

use retry_core::{is_active, retry, set_active};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

/// Fails on its first two calls, then succeeds.
#[retry(on = io::Error, attempts = 5, wait_initial = "50ms")]
fn load_profile(calls: &AtomicU32) -> io::Result<&'static str> {
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 3 { Err(io::Error::other(format!("call {call}: backend unavailable"))) } else { Ok("profile of user 7") }
}

fn retries_total() -> f64 {
    prometheus::default_registry()
        .gather()
        .iter()
        .filter(|family| family.name() == "retries_total")
        .flat_map(prometheus::proto::MetricFamily::get_metric)
        .fold(0.0, |sum, metric| sum + metric.get_counter().get_value())
}

fn main() {
    tracing_subscriber::fmt().without_time().with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout())).init();

    println!("── set_active(false) ──────────────────────────────────────────────────────────");
    set_active(false);
    let calls = AtomicU32::new(0);
    let result = load_profile(&calls);
    println!("is_active() = {}", is_active());
    println!("load_profile() -> {:?}", result.map_err(|e| e.to_string()));
    println!("called {} time(s); retries_total = {}", calls.load(Ordering::SeqCst), retries_total());

    println!("\n── set_active(true) ───────────────────────────────────────────────────────────");
    set_active(true);
    let calls = AtomicU32::new(0);
    let result = load_profile(&calls);
    println!("is_active() = {}", is_active());
    println!("load_profile() -> {:?}", result.map_err(|e| e.to_string()));
    println!("called {} time(s); retries_total = {}", calls.load(Ordering::SeqCst), retries_total());
}
