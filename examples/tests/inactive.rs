//! Scenario 7: `set_active(false)` the way users use it, in a test binary of its
//! own (the switch is process-wide). With retrying off, a flaky function is
//! called exactly once, no hook runs and no metric moves; switched back on, the
//! same function retries again.

use retry_core::{Retry, error_type, is_active, retry, set_active};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Fails on its first two calls (per counter), then succeeds.
#[retry(on = io::Error, attempts = 5, wait_initial = 0, wait_jitter = 0)]
fn flaky(calls: &AtomicU32) -> io::Result<u32> {
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 3 { Err(io::Error::other(format!("call {call} failed"))) } else { Ok(call) }
}

#[retry(on = io::Error, attempts = 5, wait_initial = 0, wait_jitter = 0)]
async fn flaky_async(calls: &AtomicU32) -> io::Result<u32> {
    tokio::task::yield_now().await;
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 3 { Err(io::Error::other(format!("call {call} failed"))) } else { Ok(call) }
}

/// How many `retries_total` series exist, and the retries they count.
fn retries_counted() -> (usize, f64) {
    let families = prometheus::default_registry().gather();
    let series: Vec<_> = families
        .iter()
        .filter(|f| f.name() == "retries_total")
        .flat_map(prometheus::proto::MetricFamily::get_metric)
        .collect();
    (series.len(), series.iter().map(|m| m.get_counter().get_value()).sum())
}

#[tokio::test]
async fn switched_off_a_flaky_function_is_called_once() {
    set_active(false);
    assert!(!is_active());

    let calls = AtomicU32::new(0);
    let error = flaky(&calls).expect_err("no retry: the first failure is the result");
    assert_eq!(error.to_string(), "call 1 failed");
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let calls = AtomicU32::new(0);
    assert!(flaky_async(&calls).await.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let policy = Retry::builder().wait_initial(Duration::ZERO).build().unwrap().on(error_type::<io::Error>());
    let mut attempts = 0;
    let result: io::Result<()> = policy.call(|_| {
        attempts += 1;
        Err(io::Error::other("down"))
    });
    assert!(result.is_err());
    assert_eq!(attempts, 1);
    assert_eq!(retries_counted(), (0, 0.0), "no hook ran: no metric declared, none moved");

    // Back on: the same function retries again.
    set_active(true);
    let calls = AtomicU32::new(0);
    assert_eq!(flaky(&calls).unwrap(), 3);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(retries_counted(), (4, 2.0), "declared: retry_num 1 to 4; counted: two retries");
}
