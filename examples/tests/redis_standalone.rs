//! Scenario 4, the valkey-py standalone case: a real redis-server is killed
//! (SIGKILL) and restarted in the middle of a stream of writes through the
//! retrying connection (valkey's standalone retry settings). Every write returns
//! `Ok` (the retries ride out the restart), every acknowledged write is there
//! afterwards, and the retries show in `retries_total{callable="redis::SET"}`,
//! scraped over HTTP.
//!
//! Skips with a loud message where redis-server is not installed (fails in CI).

use examples::redis_store::Store;
use redis::RedisResult;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use testkit::metrics::{MetricsServer, parse, scrape};
use testkit::redis::{RedisServer, SERVER};

const WRITES: usize = 200;
/// The server is killed once this many writes are acknowledged.
const KILL_AFTER: usize = 50;
/// How long it stays down.
const DOWN_FOR: Duration = Duration::from_millis(400);

fn key(i: usize) -> String {
    format!("key:{i}")
}

fn value(i: usize) -> String {
    format!("value {i}")
}

/// Writes `WRITES` keys one after the other while the server is killed and
/// restarted; returns how many writes were acknowledged.
fn write_through_a_restart(server: &mut RedisServer, set: impl Fn(&str, &str) -> RedisResult<()> + Sync) -> usize {
    let acked = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> RedisResult<()> {
            for i in 0..WRITES {
                set(&key(i), &value(i))?;
                acked.store(i + 1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(())
        });
        while acked.load(Ordering::SeqCst) < KILL_AFTER && !writer.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let killed_at = Instant::now();
        server.kill().expect("kill redis-server");
        let acked_before_kill = acked.load(Ordering::SeqCst);
        std::thread::sleep(DOWN_FOR);
        server.restart().unwrap_or_else(|e| panic!("restart redis-server: {e}"));
        println!(
            "killed redis-server after {acked_before_kill} acknowledged writes; back after {:.2?}",
            killed_at.elapsed()
        );
        if let Err(e) = writer.join().expect("the writer does not panic") {
            panic!("a write gave up: {e}\nserver log:\n{}", server.log_tail(20));
        }
    });
    acked.into_inner()
}

/// `retries_total` for `callable`, scraped from a real `/metrics` endpoint.
fn retries_total(callable: &str) -> f64 {
    let metrics = MetricsServer::start_default().expect("metrics server");
    let exposition = parse(&scrape(&metrics.url()).expect("scrape /metrics")).expect("valid exposition");
    exposition.sum("retries_total", &[("callable", callable)])
}

#[test]
fn writes_through_the_retrying_connection_survive_a_restart() {
    testkit::require_binaries!(SERVER);
    let mut server = RedisServer::start().expect("start redis-server");
    // Enough retries for a restart: waits 10, 20, .. ms, capped at 500 ms.
    let store = Store::open(&server.url(), 30).expect("store");
    let before = retries_total("redis::SET");

    let acked = write_through_a_restart(&mut server, |k, v| store.set(k, v));
    assert_eq!(acked, WRITES, "every write was acknowledged");

    assert!(store.connects() >= 2, "the broken connection was dropped, so the store reconnected");
    for i in 0..WRITES {
        assert_eq!(store.get(&key(i)).expect("GET"), Some(value(i)), "acknowledged write {i} survived");
    }
    let retries = retries_total("redis::SET") - before;
    assert!(retries > 0.0, "the restart made some writes retry, counted under callable=\"redis::SET\"");
    println!("retrying connection: {WRITES} writes, {retries} retries, {} connections", store.connects());
}

#[test]
fn a_permanent_error_is_not_retried() {
    testkit::require_binaries!(SERVER);
    // A server out of memory refuses every write with `OOM`: no retry helps.
    let server = RedisServer::start_with(&["--maxmemory", "1", "--maxmemory-policy", "noeviction"]).expect("start");
    let store = Store::open(&server.url(), 30).expect("store");
    let err = store.set("key", "value").expect_err("OOM");
    assert_eq!(err.code(), Some("OOM"), "{err}");
    assert_eq!(store.connects(), 1, "a permanent error returns at once, on the first connection");
}
