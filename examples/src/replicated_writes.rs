//! Replicated writes from several tasks through one retrying connection, for the
//! failover tests: each write is `SET` then `WAIT 1`, acknowledged only once a
//! replica has it (Redis replicates asynchronously: a write only a killed master
//! had may be lost by Redis itself, whatever the client does).

use redis::AsyncCommands;
use retry_core::redis::RetryingConnection;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Far more than any single write needs; only a hang reaches it.
pub const HANG_GUARD: Duration = Duration::from_secs(120);

/// `SET key value`, then `WAIT 1 200`; a write no replica confirmed (a promoted
/// master has none until the old one rejoins) is written again. Returns how long
/// the write took.
///
/// # Errors
///
/// The connection's error once its policy gave up.
pub async fn replicated_set(con: &mut RetryingConnection, key: &str, value: usize) -> redis::RedisResult<Duration> {
    let started = Instant::now();
    loop {
        let _: () = con.set(key, value).await?;
        let replicas: i64 = redis::cmd("WAIT").arg(1).arg(200).query_async(con).await?;
        if replicas >= 1 {
            return Ok(started.elapsed());
        }
    }
}

/// What one writer task acknowledged, and its longest write.
pub type Written = (Vec<(String, usize)>, Duration);

/// Spawns `tasks` writers, each writing `writes` keys `task{t}:{name}{i}` through a
/// clone of `con`, counting acknowledged writes in `acked`. A write that gives up
/// or hangs panics the task.
///
/// # Panics
///
/// Outside a tokio runtime, as `tokio::spawn` does. A write that gives up or
/// hangs panics its task, not the caller: awaiting the task's handle returns
/// that panic as an error.
pub fn spawn_writers(
    con: &RetryingConnection,
    tasks: usize,
    writes: usize,
    name: &'static str,
    acked: &Arc<AtomicUsize>,
) -> Vec<JoinHandle<Written>> {
    (0..tasks)
        .map(|task| {
            let mut con = con.clone();
            let acked = Arc::clone(acked);
            tokio::spawn(async move {
                let mut longest = Duration::ZERO;
                let mut acknowledged = Vec::new();
                for i in 0..writes {
                    let key = format!("task{task}:{name}{i}");
                    match tokio::time::timeout(HANG_GUARD, replicated_set(&mut con, &key, i)).await {
                        Ok(Ok(took)) => longest = longest.max(took),
                        Ok(Err(e)) => panic!("a write gave up: {e}"),
                        Err(elapsed) => panic!("a write hung for {HANG_GUARD:?}: {elapsed}"),
                    }
                    acknowledged.push((key, i));
                    acked.fetch_add(1, Ordering::SeqCst);
                }
                (acknowledged, longest)
            })
        })
        .collect()
}

/// Waits for every writer; returns all acknowledged writes and the longest one.
///
/// # Panics
///
/// If a writer panicked.
pub async fn join_writers(writers: Vec<JoinHandle<Written>>) -> Written {
    let (mut acknowledged, mut longest) = (Vec::new(), Duration::ZERO);
    for writer in writers {
        let (written, took) = writer.await.expect("writer task");
        acknowledged.extend(written);
        longest = longest.max(took);
    }
    (acknowledged, longest)
}
