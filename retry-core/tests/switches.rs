//! Scoped switches: parallel tests with different settings do not see each other's.

use retry_core::backoff::ConstantBackoff;
use retry_core::{Retry, Scoped, TestMode, error_type, is_active, testing};
use std::io;
use std::sync::{Arc, Barrier};
use std::time::Duration;

fn count_attempts() -> u32 {
    // Waits of an hour: only testing mode or an inactive switch make this finish.
    let policy = Retry::builder()
        .attempts(8)
        .backoff(ConstantBackoff::new(Duration::from_secs(3600)))
        .build()
        .unwrap()
        .on(error_type::<io::Error>());
    let mut made = 0;
    let _ = policy.call(|_| -> Result<(), _> {
        made += 1;
        Err(io::Error::other("down"))
    });
    made
}

#[test]
fn threads_with_different_scopes_run_side_by_side() {
    let barrier = Arc::new(Barrier::new(4));
    let run = |scope: Scoped| {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            let _scope = scope.enter();
            barrier.wait();
            let made: Vec<u32> = (0..50).map(|_| count_attempts()).collect();
            made
        })
    };
    let off = run(Scoped::new().active(false));
    let two = run(Scoped::new().testing(TestMode::new(2)));
    let five_capped = run(Scoped::new().testing(TestMode::new(5).capped()));
    barrier.wait();
    assert!(off.join().unwrap().iter().all(|&n| n == 1));
    assert!(two.join().unwrap().iter().all(|&n| n == 2));
    assert!(five_capped.join().unwrap().iter().all(|&n| n == 5));
}

#[test]
fn testing_mode_replaces_or_caps_attempts() {
    let replace_up = Scoped::new().testing(TestMode::new(12)).run(count_attempts);
    assert_eq!(replace_up, 12, "testing mode replaces the policy's 8");
    let capped = Scoped::new().testing(TestMode::new(12).capped()).run(count_attempts);
    assert_eq!(capped, 8, "a cap never raises");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_with_different_scopes_interleave_without_leaking() {
    async fn observe(rounds: u32) -> Vec<(bool, Option<TestMode>)> {
        let mut seen = Vec::new();
        for _ in 0..rounds {
            seen.push((is_active(), testing()));
            tokio::task::yield_now().await;
        }
        seen
    }
    let a = tokio::spawn(Scoped::new().active(false).wrap(observe(200)));
    let b = tokio::spawn(Scoped::new().testing(TestMode::new(3)).wrap(observe(200)));
    let plain = tokio::spawn(observe(200));
    assert!(a.await.unwrap().iter().all(|s| *s == (false, None)));
    assert!(b.await.unwrap().iter().all(|s| *s == (true, Some(TestMode::new(3)))));
    assert!(plain.await.unwrap().iter().all(|s| *s == (true, None)));
}

#[tokio::test(start_paused = true)]
async fn async_retrying_obeys_the_task_scope() {
    let policy = Retry::default().on(error_type::<io::Error>());
    let mut made = 0;
    let _: Result<(), _> = Scoped::new()
        .testing(TestMode::new(4))
        .wrap(policy.call_async(async |_| {
            made += 1;
            Err(io::Error::other("down"))
        }))
        .await;
    assert_eq!(made, 4);
}
