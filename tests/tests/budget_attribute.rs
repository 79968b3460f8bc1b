//! `#[retry(budget = ..)]`: each call deposits once, each retry withdraws.

use retry_core::budget::{ManualClock, TpsBudget};
use retry_core::{Scoped, TestMode, retry};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// One retry per call, on a clock that never moves: the accounting is exact.
fn one_retry_per_call() -> TpsBudget<ManualClock> {
    TpsBudget::with_clock(Duration::from_secs(10), 0, 1.0, ManualClock::new()).unwrap()
}

static SYNC_BUDGET: LazyLock<TpsBudget<ManualClock>> = LazyLock::new(one_retry_per_call);

#[retry(on = io::Error, budget = &*SYNC_BUDGET, wait_initial = 0, wait_jitter = 0)]
fn sync_always_fails(calls: &AtomicU32) -> io::Result<()> {
    calls.fetch_add(1, Ordering::Relaxed);
    Err(io::Error::other("down"))
}

#[test]
fn each_call_earns_one_retry_and_the_empty_budget_stops_at_once() {
    for _ in 0..5 {
        let calls = AtomicU32::new(0);
        assert_eq!(sync_always_fails(&calls).unwrap_err().to_string(), "down");
        assert_eq!(calls.load(Ordering::Relaxed), 2, "the call's own deposit pays for exactly one retry");
    }
    assert_eq!(SYNC_BUDGET.available(), 0);
}

static TESTING_BUDGET: LazyLock<TpsBudget<ManualClock>> = LazyLock::new(one_retry_per_call);

#[retry(on = io::Error, budget = &*TESTING_BUDGET)]
fn under_test(calls: &AtomicU32) -> io::Result<()> {
    calls.fetch_add(1, Ordering::Relaxed);
    Err(io::Error::other("down"))
}

#[test]
fn testing_mode_skips_the_budget_like_the_deadline() {
    let calls = AtomicU32::new(0);
    let _ = Scoped::new().testing(TestMode::new(6)).run(|| under_test(&calls));
    assert_eq!(calls.load(Ordering::Relaxed), 6);
    assert_eq!(TESTING_BUDGET.available(), 1, "the deposit was made; no retry was withdrawn");
}

static ASYNC_BUDGET: LazyLock<Arc<TpsBudget<ManualClock>>> = LazyLock::new(|| Arc::new(one_retry_per_call()));

#[retry(on = io::Error, budget = ASYNC_BUDGET.clone(), wait_initial = "10ms", wait_jitter = 0)]
async fn async_flaky(failures_left: &AtomicU32, calls: &AtomicU32) -> io::Result<u32> {
    calls.fetch_add(1, Ordering::Relaxed);
    match failures_left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)) {
        Ok(_) => Err(io::Error::other("flaky")),
        Err(_) => Ok(calls.load(Ordering::Relaxed)),
    }
}

#[tokio::test(start_paused = true)]
async fn an_async_function_draws_from_a_shared_arc_budget() {
    // Banked: three calls that succeed at once leave three retries in the budget.
    for _ in 0..3 {
        assert_eq!(async_flaky(&AtomicU32::new(0), &AtomicU32::new(0)).await.unwrap(), 1);
    }
    assert_eq!(ASYNC_BUDGET.available(), 3);
    // A call that fails four times: its deposit plus the three banked pay for four retries.
    let calls = AtomicU32::new(0);
    assert_eq!(async_flaky(&AtomicU32::new(4), &calls).await.unwrap(), 5);
    assert_eq!(ASYNC_BUDGET.available(), 0);
    // Now the budget is empty: a failing call gets its one earned retry, no more.
    let calls = AtomicU32::new(0);
    assert!(async_flaky(&AtomicU32::new(10), &calls).await.is_err());
    assert_eq!(calls.load(Ordering::Relaxed), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_future_with_a_budget_is_still_send() {
    let joined = tokio::spawn(async { async_send_check().await }).await.unwrap();
    assert_eq!(joined.unwrap(), 7);
}

static SEND_BUDGET: LazyLock<TpsBudget> = LazyLock::new(TpsBudget::default);

#[retry(on = io::Error, budget = &*SEND_BUDGET)]
async fn async_send_check() -> io::Result<u32> {
    tokio::task::yield_now().await;
    Ok(7)
}

/// A budget of a fixed number of retries, that counts how many were built.
#[derive(Debug)]
struct Tokens(AtomicU32);

static TOKENS_BUILT: AtomicU32 = AtomicU32::new(0);

impl Tokens {
    fn new(tokens: u32) -> Self {
        TOKENS_BUILT.fetch_add(1, Ordering::Relaxed);
        Tokens(AtomicU32::new(tokens))
    }
}

impl retry_core::budget::RetryBudget for Tokens {
    fn deposit(&self) {}
    fn withdraw(&self) -> bool {
        self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok()
    }
}

// The spelling rustc's suggestions lead to: an expression that builds a budget.
#[retry(on = io::Error, budget = Arc::new(Tokens::new(10)), attempts = 3, wait_initial = 0, wait_jitter = 0)]
fn built_in_the_attribute(calls: &AtomicU32) -> io::Result<()> {
    calls.fetch_add(1, Ordering::Relaxed);
    Err(io::Error::other("down"))
}

#[test]
fn a_budget_expression_is_evaluated_once_and_shared_by_every_call() {
    let calls = AtomicU32::new(0);
    for _ in 0..100 {
        assert!(built_in_the_attribute(&calls).is_err());
    }
    // Ten retries in all: five calls of 3 attempts, then 95 of one. A budget per
    // call would have allowed 300 attempts.
    assert_eq!(calls.load(Ordering::Relaxed), 110);
    assert_eq!(TOKENS_BUILT.load(Ordering::Relaxed), 1);
}

/// A client that holds its own budget: `budget = self.budget.clone()` reads the
/// call's `self`, so it is evaluated per call, and the clones share the bucket.
struct Client {
    budget: Arc<Tokens>,
}

impl Client {
    #[retry(on = io::Error, budget = self.budget.clone(), attempts = 3, wait_initial = 0, wait_jitter = 0)]
    fn get(&self, calls: &AtomicU32) -> io::Result<()> {
        calls.fetch_add(1, Ordering::Relaxed);
        Err(io::Error::other("down"))
    }
}

#[test]
fn a_budget_read_from_self_is_the_instance_budget() {
    let (a, b) = (
        Client { budget: Arc::new(Tokens(AtomicU32::new(2))) },
        Client { budget: Arc::new(Tokens(AtomicU32::new(0))) },
    );
    let calls = AtomicU32::new(0);
    for _ in 0..3 {
        assert!(a.get(&calls).is_err());
    }
    assert_eq!(calls.load(Ordering::Relaxed), 5, "3 attempts, then 1 and 1: a's two tokens are shared");
    let calls = AtomicU32::new(0);
    assert!(b.get(&calls).is_err());
    assert_eq!(calls.load(Ordering::Relaxed), 1, "b has its own, empty budget");
}

// An owned budget: evaluated once, at the first call, and kept for every call.
#[retry(on = io::Error, budget = one_retry_per_call(), wait_initial = 0, wait_jitter = 0)]
fn owned_budget(failures_left: &AtomicU32, calls: &AtomicU32) -> io::Result<u32> {
    calls.fetch_add(1, Ordering::Relaxed);
    match failures_left.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)) {
        Ok(_) => Err(io::Error::other("flaky")),
        Err(_) => Ok(calls.load(Ordering::Relaxed)),
    }
}

#[test]
fn an_owned_budget_is_built_once_and_banks_across_calls() {
    for _ in 0..3 {
        assert_eq!(owned_budget(&AtomicU32::new(0), &AtomicU32::new(0)).unwrap(), 1);
    }
    // Its own deposit and the three banked pay for four retries: one shared budget.
    assert_eq!(owned_budget(&AtomicU32::new(4), &AtomicU32::new(0)).unwrap(), 5);
}
