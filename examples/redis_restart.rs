//! Redis standalone: a stream of writes rides out a redis-server being killed
//! (SIGKILL) and restarted, through retry-core's retrying connection set up as
//! valkey-py's standalone client is: `Retry(ExponentialBackoff(), 30)`, given
//! once. Then an `INCR` whose reply is lost is not sent again.
//!
//! Run it with `cargo run -p examples --example redis_restart`. Needs
//! `redis-server` on PATH (`apt-get install -y redis-server`); the example starts
//! its own server on a free loopback port, in a temporary directory.

use examples::redis_store::Store;
use redis::RedisResult;
use retry_core::redis::may_have_been_applied;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use testkit::metrics::{MetricsServer, parse, scrape};
use testkit::redis::{RedisServer, SERVER};

const WRITES: usize = 100;
const KILL_AFTER: usize = 30;
const DOWN_FOR: Duration = Duration::from_millis(500);

fn section(title: &str) {
    println!("\n── {title} {}", "─".repeat(76usize.saturating_sub(title.chars().count())));
}

/// Writes `WRITES` keys; kills the server after `KILL_AFTER` of them and
/// restarts it `DOWN_FOR` later. Returns how many writes were acknowledged.
fn stream_of_writes(
    server: &mut RedisServer,
    set: impl Fn(&str, &str) -> RedisResult<()> + Sync,
) -> RedisResult<usize> {
    let acked = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| -> RedisResult<()> {
            for i in 0..WRITES {
                set(&format!("key:{i}"), &format!("value {i}"))?;
                acked.store(i + 1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(())
        });
        while acked.load(Ordering::SeqCst) < KILL_AFTER && !writer.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let killed_at = Instant::now();
        server.kill().expect("kill");
        println!(">>> killed redis-server (SIGKILL) after {} acknowledged writes", acked.load(Ordering::SeqCst));
        std::thread::sleep(DOWN_FOR);
        server.restart().expect("restart");
        println!(">>> redis-server is back, {:.2?} after the kill", killed_at.elapsed());
        writer.join().expect("writer")
    })?;
    Ok(acked.into_inner())
}

fn check(server: &RedisServer, acked: usize) -> RedisResult<()> {
    let mut conn = server.connection()?;
    let present = (0..acked)
        .filter(|i| {
            let stored: Option<String> = redis::cmd("GET").arg(format!("key:{i}")).query(&mut conn).unwrap_or_default();
            stored.as_deref() == Some(format!("value {i}").as_str())
        })
        .count();
    println!("{acked}/{WRITES} writes acknowledged; {present}/{acked} acknowledged writes present after the restart");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if testkit::net::which(SERVER).is_none() {
        return Err("redis-server is not on PATH: apt-get update && apt-get install -y redis-server".into());
    }
    tracing_subscriber::fmt().without_time().with_ansi(std::io::stdout().is_terminal()).init();

    section("1. BlockingRetryingConnection, Retry::new(ExponentialBackoff, 30)");
    let mut server = RedisServer::start()?;
    println!("redis-server on {} (appendonly yes, appendfsync always)", server.url());
    let store = Store::open(&server.url(), 30)?;
    let acked = stream_of_writes(&mut server, |k, v| store.set(k, v))?;
    check(&server, acked)?;
    println!("{} connections opened", store.connects());

    section("2. INCR while the server is stopped (SIGSTOP) past the 1 s reply timeout");
    store.set("visits", "0")?;
    server.pause()?;
    let result = store.incr("visits");
    server.resume()?;
    match result {
        Ok(visits) => println!("INCR -> {visits}"),
        Err(e) => println!("INCR -> error, may have been applied: {}: {e}", may_have_been_applied(&e)),
    }
    std::thread::sleep(Duration::from_millis(100));
    println!("visits on the server: {:?} (the lost INCR was not sent again)", store.get("visits")?);

    section("3. retries_total, scraped from /metrics");
    let metrics = MetricsServer::start_default()?;
    let exposition = parse(&scrape(&metrics.url())?)?;
    for sample in exposition.samples("retries_total", &[]).filter(|sample| sample.value > 0.0) {
        println!(
            "callable={:<45} retry_num={:<2} error_type={} -> {}",
            sample.labels["callable"], sample.labels["retry_num"], sample.labels["error_type"], sample.value
        );
    }
    Ok(())
}
