//! Redis Sentinel: replicated writes (`SET` + `WAIT 1`) ride out a failover.
//!
//! A master, a replica and a sentinel (`down-after-milliseconds 2000`) run on
//! loopback. The master is killed (SIGKILL) in the middle of a stream of writes;
//! the sentinel promotes the replica; the old master comes back as a replica of
//! the new one. The writer's two-level retry (inner: reconnect with backoff;
//! outer: ask the sentinel for the master) rides it out, and no acknowledged
//! write is lost.
//!
//! Run it with `cargo run -p examples --example sentinel_failover`. Needs
//! `redis-server` and `redis-sentinel` on PATH
//! (`apt-get install -y redis-server redis-sentinel`).

use examples::sentinel::{FailoverClient, WriteError};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use testkit::metrics::{MetricsServer, parse, scrape};
use testkit::redis::{SENTINEL, SERVER, SentinelConfig, SentinelGroup};

const WRITES: usize = 100;
const KILL_AFTER: usize = 30;

fn section(title: &str) {
    println!("\n── {title} {}", "─".repeat(76usize.saturating_sub(title.chars().count())));
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if testkit::net::which(SERVER).is_none() || testkit::net::which(SENTINEL).is_none() {
        return Err("redis-server or redis-sentinel is not on PATH: \
                    apt-get update && apt-get install -y redis-server redis-sentinel"
            .into());
    }
    tracing_subscriber::fmt().without_time().with_ansi(std::io::stdout().is_terminal()).init();

    section("1. A master, a replica and a sentinel on loopback");
    let config = SentinelConfig::default();
    let down_after = config.down_after;
    let SentinelGroup { mut master, replica, sentinel } = SentinelGroup::start(config)?;
    println!("master   127.0.0.1:{}", master.port());
    println!("replica  127.0.0.1:{}", replica.port());
    println!(
        "sentinel 127.0.0.1:{} (monitors `{}`, down-after {} ms, quorum 1)",
        sentinel.port(),
        sentinel.master_name(),
        down_after.as_millis()
    );
    let client = FailoverClient::discover(sentinel.port(), sentinel.master_name(), 200)?;
    println!("the client asked the sentinel: the master is 127.0.0.1:{}", client.master_port());

    section(&format!("2. {WRITES} replicated writes; the master is killed after {KILL_AFTER}"));
    let old_master = master.port();
    let acked = AtomicUsize::new(0);
    let (failover_took, longest) = std::thread::scope(|scope| -> Result<_, Box<dyn std::error::Error>> {
        let writer = scope.spawn(|| -> Result<Duration, WriteError> {
            let mut longest = Duration::ZERO;
            for i in 0..WRITES {
                let started = Instant::now();
                client.set_replicated(&format!("order:{i}"), &format!("paid {i}"))?;
                longest = longest.max(started.elapsed());
                acked.store(i + 1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(longest)
        });
        while acked.load(Ordering::SeqCst) < KILL_AFTER && !writer.is_finished() {
            std::thread::sleep(Duration::from_millis(1));
        }
        let killed_at = Instant::now();
        master.kill()?;
        println!(">>> killed the master (SIGKILL) after {} acknowledged writes", acked.load(Ordering::SeqCst));
        let new_master = sentinel.wait_for_failover(old_master, Duration::from_secs(30))?;
        let failover_took = killed_at.elapsed();
        println!(">>> the sentinel promoted 127.0.0.1:{new_master}, {failover_took:.2?} after the kill");
        master.restart_as_replica_of(new_master)?;
        println!(">>> the old master is back, as a replica of 127.0.0.1:{new_master}");
        let longest = writer.join().expect("writer")?;
        Ok((failover_took, longest))
    })?;

    section("3. Result");
    let mut conn = replica.connection()?;
    let present = (0..WRITES)
        .filter(|i| {
            let stored: Option<String> =
                redis::cmd("GET").arg(format!("order:{i}")).query(&mut conn).unwrap_or_default();
            stored == Some(format!("paid {i}"))
        })
        .count();
    let stats = client.stats();
    let metrics = MetricsServer::start_default()?;
    let exposition = parse(&scrape(&metrics.url())?)?;
    let retries = exposition.sum("retries_total", &[("callable", FailoverClient::NAME)]);
    println!("{}/{WRITES} writes acknowledged; {present}/{WRITES} on the new master", acked.load(Ordering::SeqCst));
    println!("failover (kill to promotion, as the sentinel reports it): {failover_took:.2?}");
    println!("longest single write: {longest:.2?}");
    println!(
        "{} attempts: {retries} retries (retries_total), {} refresh cycles (the sentinel asked), {} master change",
        stats.attempts, stats.refreshes, stats.master_changes
    );
    println!("\nthe sentinel's log of the failover:");
    let events = [
        "+sdown",
        "+odown",
        "+try-failover",
        "+elected-leader",
        "+selected-slave",
        "+promoted-slave",
        "+switch-master",
    ];
    for line in sentinel.log_tail(60).lines().filter(|line| events.iter().any(|e| line.contains(&format!(" {e} ")))) {
        println!("  {line}");
    }
    Ok(())
}
