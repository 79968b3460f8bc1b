//! Redis Sentinel: the valkey-py pattern, `Sentinel([...]).master_for("mymaster",
//! retry=Retry(ExponentialBackoff(cap=1, base=0.1), 8))`, on retry-core's
//! retrying connection with a Sentinel target. A real master, replica and
//! sentinel run on loopback; the master is killed (SIGKILL) while a task writes;
//! every reconnect asks the sentinel for the master, so the writes follow the
//! failover to the promoted replica.
//!
//! Run it with `cargo run -p examples --example sentinel_connection`. Needs
//! `redis-server` and `redis-sentinel` on PATH
//! (`apt-get install -y redis-server redis-sentinel`).

use redis::AsyncCommands;
use retry_core::Retry;
use retry_core::backoff::ExponentialBackoff;
use retry_core::redis::{DefaultOn, RetryingConnection, Target, is_retryable};
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use testkit::redis::{SENTINEL, SERVER, SentinelConfig, SentinelGroup};

const WRITES: usize = 100;
const KILL_AFTER: usize = 30;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    for binary in [SERVER, SENTINEL] {
        if testkit::net::which(binary).is_none() {
            return Err(format!("{binary} is not on PATH: apt-get install -y redis-server redis-sentinel").into());
        }
    }
    tracing_subscriber::fmt().without_time().with_ansi(std::io::stdout().is_terminal()).init();

    let group = tokio::task::spawn_blocking(|| SentinelGroup::start(SentinelConfig::default())).await??;
    let SentinelGroup { mut master, replica, sentinel } = group;
    println!("master :{}, replica :{}, sentinel :{}", master.port(), replica.port(), sentinel.port());

    // valkey: Sentinel([("127.0.0.1", port)]).master_for("mymaster",
    //                  retry=Retry(ExponentialBackoff(cap=1, base=0.1), 8))
    let backoff = ExponentialBackoff::new(Duration::from_secs(1), Duration::from_millis(100));
    let policy = Retry::new(backoff, 8).on(is_retryable as DefaultOn);
    let target = Target::sentinel(vec![sentinel.url()], sentinel.master_name())?;
    let mut con = RetryingConnection::with_policy(target, policy);

    let old_master = master.port();
    let mut longest = Duration::ZERO;
    let mut killed_at = None;
    for i in 0..WRITES {
        if i == KILL_AFTER {
            master.kill()?;
            killed_at = Some(Instant::now());
            println!(">>> killed the master :{old_master} (SIGKILL) after {i} writes");
        }
        let started = Instant::now();
        let _: () = con.set(format!("order:{i}"), i).await?;
        longest = longest.max(started.elapsed());
    }
    println!(
        ">>> the sentinel names :{} now; {WRITES} writes acknowledged, the longest took {longest:.2?}, \
         {:.2?} after the kill all were done; {} connections made",
        sentinel.master_port()?,
        killed_at.map(|at| at.elapsed()).unwrap_or_default(),
        con.connects()
    );
    Ok(())
}
