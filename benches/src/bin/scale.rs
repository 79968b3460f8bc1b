//! Table 5: scale. 100,000 concurrent async calls, each failing 3 times and then
//! succeeding, on tokio's paused clock (the waits of the default policy pass
//! instantly, in order). Prints the wall time, the peak RSS of the process, and
//! the retries counted: `retries_total` for `#[retry]` (which must be exactly
//! 300,000, or the run fails), backon's notifications for backon.
//!
//! One library per process, so that the peak RSS is that library's:
//!
//! `cargo run -p retry-benches --release --bin scale -- ours`
//! `cargo run -p retry-benches --release --bin scale -- backon`

use retry_benches::{backon_scale, ours_scale, peak_rss_kib, retries_total_sum};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

const CALLS: usize = 100_000;
const FAILURES: u32 = 3;

fn main() -> ExitCode {
    let library = std::env::args().nth(1).unwrap_or_else(|| "ours".to_owned());
    if library != "ours" && library != "backon" {
        eprintln!("usage: scale [ours|backon]");
        return ExitCode::FAILURE;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    let rss_before = peak_rss_kib().unwrap_or(0);
    // Leaked: the tasks need 'static counters, and the process ends right after.
    let calls: &'static [AtomicU32] = Box::leak((0..CALLS).map(|_| AtomicU32::new(0)).collect());
    let backon_retries: &'static AtomicU32 = Box::leak(Box::new(AtomicU32::new(0)));

    let started = Instant::now();
    let virtual_started = runtime.block_on(async { tokio::time::Instant::now() });
    let succeeded = runtime.block_on(async {
        let tasks: Vec<_> = calls
            .iter()
            .map(|counter| {
                let library = library.clone();
                tokio::spawn(async move {
                    match library.as_str() {
                        "ours" => ours_scale(counter, FAILURES).await,
                        _ => backon_scale(counter, FAILURES, backon_retries).await,
                    }
                })
            })
            .collect();
        let mut succeeded = 0usize;
        for task in tasks {
            succeeded += usize::from(task.await.is_ok_and(|result| result.is_ok()));
        }
        succeeded
    });
    let wall = started.elapsed();
    let virtual_elapsed = runtime.block_on(async { tokio::time::Instant::now() }) - virtual_started;

    let attempts: u64 = calls.iter().map(|c| u64::from(c.load(Ordering::Relaxed))).sum();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a count, exact in the f64")]
    let retries = match library.as_str() {
        // retries_total counts in f64; 300,000 is exact in it.
        "ours" => retries_total_sum() as u64,
        _ => u64::from(backon_retries.load(Ordering::Relaxed)),
    };
    let expected = CALLS as u64 * u64::from(FAILURES);
    println!("library: {library}");
    println!("calls: {CALLS}, succeeded: {succeeded}, attempts: {attempts}");
    println!("retries counted: {retries} (expected {expected})");
    println!("wall time: {wall:.2?}; virtual time on the paused clock: {virtual_elapsed:.2?}");
    println!("peak RSS: {} MiB (before the calls: {} MiB)", peak_rss_kib().unwrap_or(0) / 1024, rss_before / 1024);
    if succeeded == CALLS && retries == expected && attempts == expected + CALLS as u64 {
        ExitCode::SUCCESS
    } else {
        eprintln!("the counts are wrong");
        ExitCode::FAILURE
    }
}
