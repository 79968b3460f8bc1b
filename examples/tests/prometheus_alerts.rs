//! Scenario 7: a real Prometheus server scrapes a service every second through a
//! first outage of its dependency, with the shipped rules (docs/prometheus/)
//! loaded. From Prometheus's own HTTP API: `increase(retries_total)` over the run
//! matches the retries made (within 10 %), a callable with unlimited attempts
//! has at most 10 `retry_num` series, and the storm and give-up alerts fire.
//!
//! Real time (about 25 s): Prometheus scrapes on the wall clock.

use retry_core::instrument::{RetryDetails, RetryHook, default_hooks, set_hooks};
use retry_core::retry;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;
use testkit::metrics::MetricsServer;
use testkit::prometheus::{Config, PrometheusServer};

/// Whether the dependency is down.
static DOWN: AtomicBool = AtomicBool::new(false);

fn dependency() -> io::Result<u32> {
    if DOWN.load(Ordering::Relaxed) { Err(io::Error::from(io::ErrorKind::ConnectionRefused)) } else { Ok(1) }
}

/// Gives up after 4 retries while the dependency is down.
#[retry(on = io::Error, attempts = 5, timeout = None, wait_initial = "20ms", wait_max = "100ms", wait_jitter = "10ms")]
async fn fetch_bounded() -> io::Result<u32> {
    dependency()
}

/// Retries until the dependency is back: far more than 10 retries per call.
#[retry(on = io::Error, attempts = None, timeout = None, wait_initial = "5ms", wait_max = "40ms", wait_jitter = "5ms")]
async fn fetch_unbounded() -> io::Result<u32> {
    dependency()
}

/// Counts every scheduled retry, beside the default hooks: the truth to compare with.
#[derive(Default)]
struct Truth {
    retries: AtomicU64,
    deepest: AtomicU32,
}

impl RetryHook for Truth {
    fn on_retry(&self, d: &RetryDetails<'_>) {
        self.retries.fetch_add(1, Ordering::Relaxed);
        self.deepest.fetch_max(d.retry_num, Ordering::Relaxed);
    }
}

/// The shipped rules, with every `for:` set to 0 s: the test's outage lasts
/// seconds, not the minutes the shipped thresholds wait. The expressions are
/// the shipped ones; `promtool test rules` covers the `for:` durations.
fn rules_without_for(dir: &std::path::Path) -> PathBuf {
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/prometheus/rules.yml");
    let text = std::fs::read_to_string(&shipped).expect("docs/prometheus/rules.yml");
    let rewritten: String = text
        .lines()
        .map(|line| match line.split_once("for: ") {
            Some((indent, _)) if indent.trim().is_empty() => format!("{indent}for: 0s\n"),
            _ => format!("{line}\n"),
        })
        .collect();
    let path = dir.join("rules.yml");
    std::fs::write(&path, rewritten).expect("write rules");
    path
}

fn query_one(prometheus: &PrometheusServer, promql: &str) -> f64 {
    let samples = prometheus.query(promql).expect("query");
    assert_eq!(samples.len(), 1, "{promql}: {samples:?}");
    samples[0].value
}

/// Scraped expositions go here, for `promtool check metrics` in .ci/run too.
fn exposition_path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("retry-core-exposition.prom")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::float_cmp, reason = "counts from Prometheus: whole numbers, exact in an f64")]
async fn a_first_outage_is_seen_counted_and_alerted_on() {
    testkit::require_binaries!("prometheus", "promtool");
    let truth = Arc::new(Truth::default());
    set_hooks(default_hooks().into_iter().chain([truth.clone() as Arc<dyn RetryHook>]));

    let metrics = MetricsServer::start_default().expect("metrics endpoint");
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = rules_without_for(dir.path());
    let prometheus = PrometheusServer::start(Config::scraping(metrics.addr()).rule_file(rules)).expect("prometheus");

    // The service: four workers calling each function every 20 ms.
    let running = Arc::new(AtomicBool::new(true));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let running = running.clone();
        workers.push(tokio::spawn(async move {
            let (mut ok, mut failed) = (0u32, 0u32);
            while running.load(Ordering::Relaxed) {
                let (a, b) = tokio::join!(fetch_bounded(), fetch_unbounded());
                for outcome in [a, b] {
                    if outcome.is_ok() { ok += 1 } else { failed += 1 }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (ok, failed)
        }));
    }

    // Healthy for a few scrapes: the series exist, at 0.
    prometheus.wait_for_scrapes(3, Duration::from_secs(30)).expect("healthy scrapes");
    assert_eq!(query_one(&prometheus, "sum(retries_total)"), 0.0, "healthy: series at 0, no retry yet");

    // The first outage of the process, then healthy again.
    DOWN.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(6)).await;
    DOWN.store(false, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(1)).await;
    running.store(false, Ordering::Relaxed);
    let mut failed_calls = 0;
    for worker in workers {
        failed_calls += worker.await.expect("worker").1;
    }
    let true_retries = truth.retries.load(Ordering::Relaxed);

    // A few more scrapes, so that the final values are in.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "a count of scrapes, a whole number")]
    let scraped = query_one(&prometheus, "count_over_time(up[10m])") as usize;
    prometheus.wait_for_scrapes(scraped + 3, Duration::from_secs(30)).expect("final scrapes");
    let last_scrape = query_one(&prometheus, "max(timestamp(up))");

    // Evaluated at the last scrape: no extrapolation past it.
    let seen = prometheus
        .query_at("sum(increase(retries_total[10m]))", last_scrape)
        .expect("query")
        .first()
        .map_or(0.0, |s| s.value);
    #[allow(clippy::cast_precision_loss, reason = "thousands of retries")]
    let ratio = seen / true_retries as f64;
    println!("retries made: {true_retries}; sum(increase(retries_total[10m])): {seen:.1}; ratio {ratio:.4}");
    assert!(true_retries > 100, "the outage made retries: {true_retries}");
    assert!((0.9..=1.1).contains(&ratio), "increase() saw {seen} of {true_retries} retries");

    // Unlimited attempts, far more than 10 retries in a call: at most 10 series.
    assert!(truth.deepest.load(Ordering::Relaxed) > 10, "a call went past retry 10");
    let series = query_one(&prometheus, r#"count(retries_total{callable=~".*::fetch_unbounded"})"#);
    println!("retry_num series of fetch_unbounded: {series}");
    assert!(series <= 10.0, "{series} retry_num series");

    // Calls gave up (fetch_bounded), and the alerts say so.
    assert!(failed_calls > 0);
    let gave_up = query_one(&prometheus, r#"sum(retry_gave_up_total{reason="attempts"})"#);
    assert_eq!(gave_up, f64::from(failed_calls), "every give-up counted once");
    let firing = prometheus.query(r#"ALERTS{alertstate="firing"}"#).expect("ALERTS");
    let alerts: Vec<(&str, &str)> = firing
        .iter()
        .map(|s| (s.labels["alertname"].as_str(), s.labels.get("callable").map_or("", String::as_str)))
        .collect();
    println!("firing: {alerts:?}");
    assert!(alerts.iter().any(|(name, callable)| *name == "RetryStorm" && callable.ends_with("::fetch_unbounded")));
    assert!(
        alerts.iter().any(|(name, callable)| *name == "RetryCallsGivingUp" && callable.ends_with("::fetch_bounded"))
    );

    // The exposition that Prometheus scraped passes promtool's checks.
    let exposition = testkit::metrics::scrape(&metrics.url()).expect("scrape");
    std::fs::write(exposition_path(), &exposition).expect("write exposition");
    let check = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(exposition_path()).expect("exposition"))
        .output()
        .expect("promtool");
    assert!(check.status.success(), "promtool check metrics: {}", String::from_utf8_lossy(&check.stdout));
}
