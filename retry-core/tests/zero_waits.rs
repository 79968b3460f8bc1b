//! A zero wait (testing mode, `NoBackoff`) starts no sleep with a sleeper that
//! skips zero waits, as tokio's does: tokio would round a zero sleep up to its
//! 1 ms timer tick, so ten zero-wait retries would take ten real milliseconds.
//! Instead the retry spends tokio's cooperative budget, so that a loop of zero
//! waits still lets other tasks run.

use retry_core::sleep::Sleeper;
use retry_core::{Retry, Scoped, TestMode, error_type, retry};
use std::cell::Cell;
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

static SLEEPS: AtomicU32 = AtomicU32::new(0);

/// Counts the sleeps it starts; each completes at once. Skips zero waits, like
/// tokio's sleeper.
#[derive(Clone, Copy, Default)]
struct CountingSleeper;

impl Sleeper for CountingSleeper {
    type Sleep = std::future::Ready<()>;
    fn sleep(&self, _: Duration) -> Self::Sleep {
        SLEEPS.fetch_add(1, Ordering::SeqCst);
        std::future::ready(())
    }
    fn skips_zero_waits(&self) -> bool {
        true
    }
}

#[retry(on = io::Error, sleeper = CountingSleeper)]
async fn flaky(calls: &Cell<u32>) -> io::Result<u32> {
    calls.set(calls.get() + 1);
    if calls.get() < 4 { Err(io::Error::other("not yet")) } else { Ok(calls.get()) }
}

#[tokio::test]
async fn zero_waits_start_no_sleep_and_real_waits_do() {
    // One test for both halves, so that no other test touches SLEEPS meanwhile.
    let calls = Cell::new(0);
    let testing = Scoped::new().testing(TestMode::new(10));
    assert_eq!(testing.wrap(flaky(&calls)).await.unwrap(), 4);
    let policy = Retry::default().sleeper(CountingSleeper).on(error_type::<io::Error>());
    let tries = Cell::new(0);
    let result = testing
        .wrap(policy.call_async(async |_| {
            tries.set(tries.get() + 1);
            if tries.get() < 3 { Err(io::Error::other("not yet")) } else { Ok(()) }
        }))
        .await;
    assert!(result.is_ok());
    assert_eq!(SLEEPS.load(Ordering::SeqCst), 0, "three + two zero-wait retries, no sleep started");

    // Outside testing mode the same function sleeps once per retry.
    calls.set(0);
    assert_eq!(flaky(&calls).await.unwrap(), 4);
    assert_eq!(SLEEPS.load(Ordering::SeqCst), 3);
}

/// A zero wait still yields to the runtime when the task's cooperative budget
/// runs out: on a current-thread runtime, a call that retries without waiting
/// until another task has run must let that task run (without the budget it
/// would spin in one poll and never return).
#[tokio::test]
async fn a_zero_wait_lets_other_tasks_run() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    let other_ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&other_ran);
    let other = tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
    let policy = Retry::new(retry_core::backoff::NoBackoff, None).on(error_type::<io::Error>());
    let attempts = Cell::new(0u32);
    let result = policy
        .call_async(async |_| {
            attempts.set(attempts.get() + 1);
            if other_ran.load(Ordering::SeqCst) { Ok(()) } else { Err(io::Error::other("not yet")) }
        })
        .await;
    assert!(result.is_ok());
    assert!(attempts.get() >= 2, "the first attempt ran before the other task");
    other.await.unwrap();
}

#[retry(on = io::Error, backoff = retry_core::backoff::NoBackoff, attempts = None, timeout = None)]
async fn until_flag(flag: &std::sync::atomic::AtomicBool) -> io::Result<()> {
    if flag.load(Ordering::SeqCst) { Ok(()) } else { Err(io::Error::other("not yet")) }
}

/// The same through the attribute.
#[tokio::test]
async fn an_annotated_zero_wait_lets_other_tasks_run() {
    use std::sync::atomic::AtomicBool;
    static FLAG: AtomicBool = AtomicBool::new(false);
    let other = tokio::spawn(async { FLAG.store(true, Ordering::SeqCst) });
    until_flag(&FLAG).await.unwrap();
    other.await.unwrap();
}
