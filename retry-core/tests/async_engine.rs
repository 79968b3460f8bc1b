//! The async loop on tokio's paused clock: exact and instant.

use retry_core::backoff::ConstantBackoff;
use retry_core::{Decision, Retry, error_type};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn default_schedule_runs_instantly_and_stops_after_9_attempts() {
    let policy = Retry::default().on(error_type::<io::Error>());
    let start = Instant::now();
    let mut failures_at = Vec::new();
    let result: Result<(), io::Error> = policy
        .call_async(async |attempt| {
            failures_at.push(start.elapsed());
            Err(io::Error::other(format!("failure {}", attempt.num())))
        })
        .await;
    assert_eq!(result.unwrap_err().to_string(), "failure 9");
    assert_eq!(failures_at.len(), 9);
    assert!(start.elapsed() <= Duration::from_secs(45), "{:?}", start.elapsed());
    for (i, pair) in (0u32..).zip(failures_at.windows(2)) {
        let wait = pair[1].saturating_sub(pair[0]);
        let base = Duration::from_millis(100) * 2u32.pow(i);
        assert!(wait >= base && wait <= base + Duration::from_secs(1), "wait {} = {wait:?}", i + 1);
    }
}

#[tokio::test(start_paused = true)]
async fn borrows_mutable_state_across_attempts() {
    struct Conn {
        sent: Vec<u32>,
    }
    impl Conn {
        async fn send(&mut self, n: u32) -> Result<usize, io::Error> {
            tokio::task::yield_now().await;
            self.sent.push(n);
            if self.sent.len() < 3 { Err(io::Error::other("reset")) } else { Ok(self.sent.len()) }
        }
    }
    let mut conn = Conn { sent: Vec::new() };
    let policy = Retry::default().on(error_type::<io::Error>());
    let n = policy.call_async(async |attempt| conn.send(attempt.num()).await).await.unwrap();
    assert_eq!(n, 3);
    assert_eq!(conn.sent, [1, 2, 3]);
}

#[tokio::test(start_paused = true)]
async fn retry_after_waits_exactly_that_long() {
    let policy = Retry::builder()
        .attempts(3)
        .build()
        .unwrap()
        .on(|_: &io::Error| Decision::RetryAfter(Duration::from_millis(2500)));
    let start = Instant::now();
    let mut at = Vec::new();
    let _: Result<(), _> = policy
        .call_async(async |_| {
            at.push(start.elapsed());
            Err(io::Error::other("503"))
        })
        .await;
    assert_eq!(at, [Duration::ZERO, Duration::from_millis(2500), Duration::from_secs(5)]);
}

#[tokio::test(start_paused = true)]
async fn dropping_a_call_mid_sleep_makes_no_further_attempt() {
    let attempts = Arc::new(AtomicU32::new(0));
    let policy = Retry::builder()
        .backoff(ConstantBackoff::new(Duration::from_secs(10)))
        .build()
        .unwrap()
        .on(error_type::<io::Error>());
    let counted = attempts.clone();
    let call = async move {
        policy
            .call_async(async move |_| -> Result<(), io::Error> {
                counted.fetch_add(1, Ordering::SeqCst);
                Err(io::Error::other("down"))
            })
            .await
    };
    // Cut the call off 15 s in: during its second wait.
    assert!(tokio::time::timeout(Duration::from_secs(15), call).await.is_err());
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    tokio::time::sleep(Duration::from_secs(120)).await;
    assert_eq!(attempts.load(Ordering::SeqCst), 2, "no attempt after the drop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawned_call_with_an_async_move_closure_is_send() {
    let policy = Arc::new(
        Retry::builder()
            .wait_initial(Duration::ZERO)
            .wait_jitter(Duration::ZERO)
            .build()
            .unwrap()
            .on(error_type::<io::Error>()),
    );
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let policy = policy.clone();
            tokio::spawn(async move {
                let calls = Arc::new(AtomicU32::new(0));
                let c = calls.clone();
                let v = policy
                    .call_async(async move |a| if a.num() < 3 { Err(io::Error::other("x")) } else { Ok(i) })
                    .await;
                c.fetch_add(1, Ordering::Relaxed);
                (v.unwrap(), calls.load(Ordering::Relaxed))
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.await.unwrap(), (i, 1));
    }
}

#[tokio::test(start_paused = true)]
async fn redis_style_async_with_async_fail_and_two_level_refresh() {
    let policy = Retry::new(ConstantBackoff::new(Duration::from_millis(100)), 2).on(error_type::<io::Error>());
    let mut dropped = 0;
    let mut calls = 0;
    let r: Result<(), _> = policy
        .call_with_retry_async(
            async || {
                calls += 1;
                Err(io::Error::other("reset"))
            },
            async |_| dropped += 1,
        )
        .await;
    assert!(r.is_err());
    assert_eq!((calls, dropped), (3, 3));

    let master = std::cell::Cell::new(0);
    let start = Instant::now();
    let r = policy
        .call_with_refresh_async(
            4,
            async |_| if master.get() == 2 { Ok(master.get()) } else { Err(io::Error::other("down")) },
            async |_| master.set(master.get() + 1),
        )
        .await;
    assert_eq!(r.unwrap(), 2);
    // Two failed cycles of 3 attempts: 2 waits of 100 ms each.
    assert_eq!(start.elapsed(), Duration::from_millis(400));
}

#[tokio::test(start_paused = true)]
async fn call_with_retry_async_asks_on_once_per_failure() {
    let asked = AtomicU32::new(0);
    let policy = Retry::new(ConstantBackoff::new(Duration::from_millis(100)), 2).on(|_: &io::Error| {
        asked.fetch_add(1, Ordering::Relaxed);
        true
    });
    let (mut calls, mut failed) = (0, 0);
    let start = Instant::now();
    let r: Result<(), _> = policy
        .call_with_retry_async(
            async || {
                calls += 1;
                Err(io::Error::other("reset"))
            },
            async |_| failed += 1,
        )
        .await;
    assert!(r.is_err());
    assert_eq!((calls, failed, asked.load(Ordering::Relaxed)), (3, 3, 3));
    assert_eq!(start.elapsed(), Duration::from_millis(200));
}

#[tokio::test(start_paused = true)]
async fn an_attempt_held_across_an_await_announces_the_wait_slept() {
    let policy = Retry::builder().attempts(3).seed(7).build().unwrap().on(error_type::<io::Error>());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let start = Instant::now();
    // Spawned: the attempt, held across an `.await`, keeps the future `Send`.
    let log = seen.clone();
    tokio::spawn(async move {
        let r: Result<(), io::Error> = policy
            .call_async(async move |attempt| {
                tokio::task::yield_now().await;
                log.lock().unwrap().push((start.elapsed(), attempt.next_wait()));
                Err(io::Error::other("down"))
            })
            .await;
        assert!(r.is_err());
    })
    .await
    .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for pair in seen.windows(2) {
        // tokio's timer rounds a sleep up to the next millisecond.
        let (slept, announced) = (pair[1].0.saturating_sub(pair[0].0), pair[0].1);
        assert!((announced..announced + Duration::from_millis(1)).contains(&slept), "{slept:?} {announced:?}");
    }
}
