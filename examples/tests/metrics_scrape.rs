//! Scenario 6: the `retries_total` counter as a Prometheus server sees it. Retries
//! happen; the default registry is served over HTTP on loopback; a real HTTP
//! client (reqwest) scrapes it; the text exposition format is parsed; the series
//! and their labels are checked.

use retry_core::{Retry, error_type, retry};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use testkit::metrics::{Exposition, MetricsServer, parse};

/// Fails with an `io::Error` until its fourth call: three retries.
#[retry(on = io::Error, attempts = 5, wait_initial = 0, wait_jitter = 0)]
fn flaky(calls: &AtomicU32) -> io::Result<u32> {
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 4 { Err(io::Error::from(io::ErrorKind::ConnectionReset)) } else { Ok(call) }
}

#[derive(Debug)]
struct PaymentDeclined;

impl std::fmt::Display for PaymentDeclined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("payment declined")
    }
}

impl std::error::Error for PaymentDeclined {}

async fn scrape(url: &str) -> Exposition {
    let response = reqwest::get(url).await.expect("GET /metrics");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    parse(&response.text().await.expect("body")).expect("valid text exposition")
}

#[tokio::test]
#[allow(clippy::float_cmp, reason = "counts from the exposition: whole numbers, exact in an f64")]
async fn retries_total_is_scraped_with_its_labels() {
    // Three retries of an annotated function ..
    let calls = AtomicU32::new(0);
    assert_eq!(flaky(&calls).unwrap(), 4);
    // .. and two of a named policy, for a different error type.
    let policy = Retry::builder()
        .attempts(3)
        .wait_initial(Duration::ZERO)
        .wait_jitter(Duration::ZERO)
        .name("checkout")
        .build()
        .unwrap()
        .on(error_type::<PaymentDeclined>());
    let result: Result<(), PaymentDeclined> = policy.call(|_| Err(PaymentDeclined));
    assert!(result.is_err());

    let metrics = MetricsServer::start_default().expect("metrics server");
    let exposition = scrape(&metrics.url()).await;

    let family = exposition.family("retries_total").expect("retries_total is exported");
    assert_eq!(family.kind.as_deref(), Some("counter"));
    assert!(family.help.as_deref().is_some_and(|h| !h.is_empty()));
    for sample in &family.samples {
        let labels: Vec<&str> = sample.labels.keys().map(String::as_str).collect();
        assert_eq!(labels, ["callable", "error_type", "retry_num"], "{sample:?}");
    }

    let flaky_series: Vec<(String, f64)> = exposition
        .samples("retries_total", &[("callable", "metrics_scrape::flaky")])
        .map(|s| {
            assert_eq!(s.labels["error_type"], "std::io::error::Error");
            (s.labels["retry_num"].clone(), s.value)
        })
        .collect();
    // attempts = 5: retry_num 1 to 4 exist since the first call; the fourth was not needed.
    assert_eq!(flaky_series, [("1".into(), 1.0), ("2".into(), 1.0), ("3".into(), 1.0), ("4".into(), 0.0)]);

    let checkout = [("callable", "checkout"), ("error_type", "metrics_scrape::PaymentDeclined")];
    assert_eq!(exposition.sum("retries_total", &checkout), 2.0, "3 attempts: 2 retries, the last failure is not one");
    assert_eq!(exposition.sum("retries_total", &[("callable", "checkout"), ("retry_num", "3")]), 0.0);

    // A second round moves the counters, and a new scrape sees it.
    calls.store(0, Ordering::SeqCst);
    flaky(&calls).unwrap();
    let again = scrape(&metrics.url()).await;
    assert_eq!(again.sum("retries_total", &[("callable", "metrics_scrape::flaky"), ("retry_num", "1")]), 2.0);
}
