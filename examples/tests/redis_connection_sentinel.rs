//! `RetryingConnection` with a Sentinel target against a real master, replica
//! and sentinel on loopback: the master is killed (SIGKILL) in the middle of
//! writes from 4 tasks; the sentinel promotes the replica; every reconnect asks
//! the sentinel again, so the writes follow. No acknowledged write is lost.
//!
//! A write is acknowledged when `SET` returned `OK` and `WAIT 1` said the
//! replica has it (Redis replicates asynchronously: a write only the killed
//! master had may be lost by Redis itself).
//!
//! Skips with a loud message where redis-server or redis-sentinel is not
//! installed (fails in CI).

use examples::replicated_writes::{join_writers, spawn_writers};
use redis::AsyncCommands;
use retry_core::Retry;
use retry_core::redis::{RetryingConnection, Target, is_retryable};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use testkit::redis::{SENTINEL, SERVER, SentinelConfig, SentinelGroup};

const TASKS: usize = 4;
const WRITES_PER_TASK: usize = 100;
const KILL_AFTER: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_follow_a_sentinel_failover_and_none_acknowledged_is_lost() {
    testkit::require_binaries!(SERVER, SENTINEL);
    let group = tokio::task::spawn_blocking(|| SentinelGroup::start(SentinelConfig::default()))
        .await
        .unwrap()
        .expect("start master, replica and sentinel");
    let SentinelGroup { mut master, replica, sentinel } = group;
    let old_master = master.port();

    let policy = Retry::builder()
        .attempts(None)
        .timeout(Duration::from_secs(30))
        .wait_initial(Duration::from_millis(20))
        .wait_max(Duration::from_millis(500))
        .wait_jitter(Duration::from_millis(20))
        .build()
        .unwrap()
        .on(is_retryable as fn(&redis::RedisError) -> bool);
    let target = Target::sentinel(vec![sentinel.url()], sentinel.master_name())
        .expect("sentinel target")
        .timeouts(Some(Duration::from_millis(500)), Some(Duration::from_secs(1)));
    let con = RetryingConnection::with_policy(target, policy);

    let acked = Arc::new(AtomicUsize::new(0));
    let writers = spawn_writers(&con, TASKS, WRITES_PER_TASK, "order", &acked);

    while acked.load(Ordering::SeqCst) < KILL_AFTER {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let killed_at = Instant::now();
    let (master, sentinel, promoted, failover_took) = tokio::task::spawn_blocking(move || {
        master.kill().expect("kill the master");
        let promoted = sentinel
            .wait_for_failover(old_master, Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{e}\nsentinel log:\n{}", sentinel.log_tail(30)));
        let failover_took = killed_at.elapsed();
        // The failed master comes back as a replica of the new one, so that
        // WAIT 1 can succeed again.
        master.restart_as_replica_of(promoted).expect("restart the old master as a replica");
        (master, sentinel, promoted, failover_took)
    })
    .await
    .unwrap();

    let (acknowledged, longest) = join_writers(writers).await;
    assert_eq!(acknowledged.len(), TASKS * WRITES_PER_TASK, "every write was acknowledged");
    assert_eq!(promoted, replica.port(), "the sentinel promoted the replica");

    let current = sentinel.master_port().expect("ask the sentinel");
    let current_master = if current == replica.port() { &replica } else { &master };
    let mut check = current_master.connection().expect("connect to the current master");
    let mut lost = 0;
    for (key, value) in &acknowledged {
        let stored: Option<usize> = redis::cmd("GET").arg(key).query(&mut check).expect("GET");
        if stored != Some(*value) {
            lost += 1;
        }
    }
    let mut reader = con.clone();
    let through_the_connection: Option<usize> = reader.get("task0:order0").await.expect("GET");
    println!(
        "master :{old_master} killed; the sentinel promoted :{promoted} {failover_took:.2?} later; the longest write \
         took {longest:.2?}; {} writes acknowledged, {lost} lost; {} connections made",
        acknowledged.len(),
        con.connects()
    );
    assert_eq!(lost, 0, "acknowledged writes lost");
    assert_eq!(through_the_connection, Some(0));
    assert!(con.connects() >= 2, "the connection asked the sentinel again");
}
