//! Prints the tables of `docs/performance.md` from criterion's estimates, after
//! `cargo bench -p retry-benches --bench success --bench per_retry`:
//! the success path in ns per call, and the cost of one retry, (t9 - t0) / 9,
//! where t9 is a call that fails 9 times and t0 one that does not fail.
//!
//! `cargo run -p retry-benches --release --bin report`

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Failures in the `_9` subjects of the per-retry bench.
const FAILURES: f64 = 9.0;

/// The median of one benchmark, in nanoseconds.
fn median_ns(criterion: &Path, group: &str, id: &str) -> Option<f64> {
    let path = criterion.join(group).join(id).join("new").join("estimates.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("target"), PathBuf::from);
    target.join("criterion")
}

#[allow(clippy::similar_names, reason = "`plain_sync` and `plain_async`: the baselines of the two columns")]
fn main() -> ExitCode {
    let criterion = criterion_dir();
    let get = |group: &str, id: &str| median_ns(&criterion, group, id);
    if get("success_sync", "plain").is_none() {
        eprintln!("no estimates in {}: run `cargo bench -p retry-benches` first", criterion.display());
        return ExitCode::FAILURE;
    }

    println!("## success path (median ns per call)\n");
    println!("| subject | sync | over plain | async | over plain |\n|---|---:|---:|---:|---:|");
    let (plain_sync, plain_async) = (get("success_sync", "plain"), get("success_async", "plain"));
    for subject in ["plain", "ours", "backon", "tokio-retry2"] {
        let sync = get("success_sync", subject);
        let asynchronous = get("success_async", subject);
        println!(
            "| {subject} | {} | {} | {} | {} |",
            ns(sync),
            delta(sync, plain_sync),
            ns(asynchronous),
            delta(asynchronous, plain_async)
        );
    }

    println!("\n## success path, async body that is never pending (median ns per call)\n");
    println!("| subject | async | over plain |\n|---|---:|---:|");
    let plain_ready = get("success_async_ready", "plain");
    for subject in ["plain", "ours", "plain-unfolded"] {
        let asynchronous = get("success_async_ready", subject);
        println!("| {subject} | {} | {} |", ns(asynchronous), delta(asynchronous, plain_ready));
    }

    println!("\n## one retry with zero waits (median ns per retry: (t9 - t0) / 9)\n");
    println!("| subject | sync | async |\n|---|---:|---:|");
    let per_retry = |group: &str, name: &str| {
        let (t9, t0) = (get(group, &format!("{name}_9"))?, get(group, &format!("{name}_0"))?);
        Some((t9 - t0) / FAILURES)
    };
    let rows = [
        ("ours, testing mode, hooks off", "ours_off", "ours_off"),
        ("ours, testing mode, Prometheus counter", "ours_prometheus", ""),
        ("ours, testing mode, tracing event (discarding subscriber)", "ours_tracing", ""),
        ("ours, testing mode, both (the default hooks)", "ours_both", "ours_both"),
        ("ours, `backoff = NoBackoff`, hooks off", "ours_nobackoff", "ours_nobackoff"),
        ("backon, zero delay, no-op sleeper", "backon_nosleep", ""),
        ("backon, zero delay, its default sleeper (thread / tokio)", "backon_threadsleep", "backon"),
        ("tokio-retry2, zero delay", "", "tokio-retry2"),
    ];
    for (label, sync, asynchronous) in rows {
        let sync = (!sync.is_empty()).then(|| per_retry("per_retry_sync", sync)).flatten();
        let asynchronous = (!asynchronous.is_empty()).then(|| per_retry("per_retry_async", asynchronous)).flatten();
        println!("| {label} | {} | {} |", ns(sync), ns(asynchronous));
    }
    ExitCode::SUCCESS
}

fn ns(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.2}"))
}

fn delta(value: Option<f64>, plain: Option<f64>) -> String {
    match (value, plain) {
        (Some(v), Some(p)) => format!("{:+.2}", v - p),
        _ => "n/a".to_owned(),
    }
}
