//! Redis Cluster: valkey-py's cluster settings,
//! `RedisCluster(retry=Retry(ExponentialBackoff(cap=1, base=0.1), 5), cluster_error_retry_attempts=3)`,
//! on retry-core's retrying connection. (With a 0.5 s cap and 3 retries, a cycle
//! lasts about 0.2 s, and four of them end before the cluster has promoted a
//! replica, about 2 s after the kill: the policy must outlast the failover.) A real cluster of 3 masters and 3
//! replicas runs on loopback; a master is killed (SIGKILL) while a task writes;
//! its replica is promoted, the connection re-reads the topology, and the writes
//! go on.
//!
//! Run it with `cargo run -p examples --example redis_cluster`. Needs
//! `redis-server` and `redis-cli` on PATH (`apt-get install -y redis-server`).

use redis::AsyncCommands;
use redis::cluster::ClusterClientBuilder;
use retry_core::Retry;
use retry_core::backoff::ExponentialBackoff;
use retry_core::redis::{DefaultOn, RetryingConnection, Target, is_retryable};
use std::io::IsTerminal;
use std::time::{Duration, Instant};
use testkit::redis::{CLI, SERVER};
use testkit::redis_cluster::RedisCluster;

const WRITES: usize = 200;
const KILL_AFTER: usize = 50;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    for binary in [SERVER, CLI] {
        if testkit::net::which(binary).is_none() {
            return Err(format!("{binary} is not on PATH: apt-get update && apt-get install -y redis-server").into());
        }
    }
    tracing_subscriber::fmt().without_time().with_ansi(std::io::stdout().is_terminal()).init();

    let mut cluster = tokio::task::spawn_blocking(RedisCluster::start).await??;
    println!("cluster on ports {:?}; masters {:?}", cluster.ports(), cluster.masters()?);

    // valkey: RedisCluster(retry=Retry(ExponentialBackoff(cap=1, base=0.1), 5),
    //                      cluster_error_retry_attempts=3)
    let backoff = ExponentialBackoff::new(Duration::from_secs(1), Duration::from_millis(100));
    let policy = Retry::new(backoff, 5).on(is_retryable as DefaultOn);
    let builder = ClusterClientBuilder::new(cluster.urls()).response_timeout(Duration::from_secs(1));
    let target = Target::cluster(builder)?.refreshes(3);
    let mut con = RetryingConnection::with_policy(target, policy);

    let victim = cluster.master_for_key("order:0")?;
    let mut killed_at = None;
    let mut longest = Duration::ZERO;
    for i in 0..WRITES {
        if i == KILL_AFTER {
            cluster.kill(victim)?;
            killed_at = Some(Instant::now());
            println!(">>> killed master :{victim} (SIGKILL) after {i} writes");
        }
        let started = Instant::now();
        let _: () = con.set(format!("order:{i}"), i).await?;
        longest = longest.max(started.elapsed());
    }
    let promoted = cluster.master_for_key("order:0")?;
    println!(
        ">>> :{promoted} now serves order:0; {WRITES} writes acknowledged, the longest took {longest:.2?}, \
         {:.2?} after the kill all were done; {} connections made",
        killed_at.map(|at| at.elapsed()).unwrap_or_default(),
        con.connects()
    );
    let stored: Option<usize> = con.get("order:0").await?;
    println!("order:0 = {stored:?}");
    Ok(())
}
