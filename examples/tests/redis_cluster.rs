//! `RetryingConnection` against a real Redis Cluster (3 masters, 3 replicas) on
//! loopback: a master is killed with SIGKILL in the middle of writes from 4
//! tasks; its replica is promoted; the connection refreshes the topology and
//! the writes go on. No acknowledged write is lost, and the time to recover is
//! printed.
//!
//! A write is acknowledged when `SET` returned `OK` and `WAIT 1` said a replica
//! has it: Redis replicates asynchronously, so a write only the killed master
//! had may be lost by Redis itself, whatever the client does.
//!
//! Skips with a loud message where redis-server or redis-cli is not installed
//! (fails in CI).

use examples::replicated_writes::{join_writers, spawn_writers};
use redis::AsyncCommands;
use redis::cluster::ClusterClientBuilder;
use retry_core::Retry;
use retry_core::redis::{RetryingConnection, Target, is_retryable};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use testkit::redis::{CLI, SERVER};
use testkit::redis_cluster::RedisCluster;

const TASKS: usize = 4;
const WRITES_PER_TASK: usize = 150;
/// The master is killed once this many writes are acknowledged.
const KILL_AFTER: usize = 150;

/// The cluster's nodes, with short connect and reply timeouts.
fn target(cluster: &RedisCluster) -> Target {
    let builder = ClusterClientBuilder::new(cluster.urls())
        .connection_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_secs(1));
    Target::cluster(builder).expect("cluster client")
}

/// Patient enough to outlast a failover (about 2 s), quick between attempts.
fn policy() -> retry_core::Policy<redis::RedisError> {
    Retry::builder()
        .attempts(20)
        .timeout(Duration::from_secs(10))
        .wait_initial(Duration::from_millis(20))
        .wait_max(Duration::from_millis(500))
        .wait_jitter(Duration::from_millis(20))
        .build()
        .expect("valid policy")
        .on(is_retryable)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_go_on_after_a_master_is_killed_and_none_acknowledged_is_lost() {
    testkit::require_binaries!(SERVER, CLI);
    let setup = Instant::now();
    let cluster = tokio::task::spawn_blocking(RedisCluster::start).await.unwrap().expect("start the cluster");
    println!("cluster of 6 nodes ready in {:.2?}", setup.elapsed());

    let con = RetryingConnection::with_policy(target(&cluster), policy());
    let victim = cluster.master_for_key("task0:key0").expect("master of task0:key0");

    let acked = Arc::new(AtomicUsize::new(0));
    let writers = spawn_writers(&con, TASKS, WRITES_PER_TASK, "key", &acked);

    while acked.load(Ordering::SeqCst) < KILL_AFTER {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let killed_at = Instant::now();
    let (cluster, promoted, failover_took) = tokio::task::spawn_blocking(move || {
        let mut cluster = cluster;
        cluster.kill(victim).expect("kill the master");
        let promoted = cluster
            .wait_for_failover(victim, Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{e}\n{}", cluster.log_tail(victim, 20)));
        let failover_took = killed_at.elapsed();
        // The old master rejoins as a replica, so that WAIT 1 can succeed again.
        cluster.restart(victim).expect("restart the old master");
        (cluster, promoted, failover_took)
    })
    .await
    .unwrap();

    let (acknowledged, longest) = join_writers(writers).await;
    assert_eq!(acknowledged.len(), TASKS * WRITES_PER_TASK, "every write was acknowledged");

    let mut check = con.clone();
    let mut lost = 0;
    for (key, value) in &acknowledged {
        let stored: Option<usize> = check.get(key).await.expect("GET");
        if stored != Some(*value) {
            lost += 1;
        }
    }
    println!(
        "master :{victim} killed; :{promoted} promoted {failover_took:.2?} later; the longest write took \
         {longest:.2?}; {} writes acknowledged, {lost} lost; {} connections made",
        acknowledged.len(),
        con.connects()
    );
    assert_ne!(promoted, victim);
    assert_eq!(cluster.master_for_key("task0:key0").unwrap(), promoted);
    assert_eq!(lost, 0, "acknowledged writes lost");
    assert!(con.connects() >= 2, "the topology was read again");
}

/// The blocking connection through the same failover: redis-rs's own sync
/// cluster connection keeps reconnecting to the dead master; the retrying one
/// drops it and reads the topology again.
#[test]
fn the_blocking_connection_rides_out_a_master_kill() {
    use redis::Commands;
    use retry_core::redis::BlockingRetryingConnection;
    const WRITES: usize = 200;
    testkit::require_binaries!(SERVER, CLI);
    let mut cluster = RedisCluster::start().expect("start the cluster");
    let mut con = BlockingRetryingConnection::with_policy(target(&cluster), policy());
    let victim = cluster.master_for_key("sync:0").unwrap();
    let mut restarted = false;
    for i in 0..WRITES {
        if i == 50 {
            cluster.kill(victim).unwrap();
        }
        loop {
            let _: () = con.set(format!("sync:{i}"), i).unwrap_or_else(|e| panic!("write {i} gave up: {e}"));
            let replicas: i64 = redis::cmd("WAIT").arg(1).arg(200).query(&mut con).expect("WAIT");
            if replicas >= 1 {
                break;
            }
            if !restarted {
                // The promoted replica has no replica until the old master rejoins.
                cluster.wait_for_failover(victim, Duration::from_secs(30)).unwrap();
                cluster.restart(victim).unwrap();
                restarted = true;
            }
        }
    }
    let lost = (0..WRITES).filter(|i| con.get::<_, Option<usize>>(format!("sync:{i}")).unwrap() != Some(*i)).count();
    println!("blocking: {WRITES} writes acknowledged, {lost} lost, {} connections made", con.connects());
    assert_eq!(lost, 0);
    assert!(con.connects() >= 2, "the topology was read again");
}
