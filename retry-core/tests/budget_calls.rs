//! A policy with a retry budget, on virtual clocks: every call deposits once, every
//! retry withdraws, and an empty budget ends the call at once with its last error.

mod support;

use retry_core::backoff::{ConstantBackoff, DefaultBackoff};
use retry_core::budget::{ManualClock, RetryBudget, SharedBudget, TpsBudget};
use retry_core::{Retry, error_type};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use support::{VirtualClock, numbered};

const TTL: Duration = Duration::from_secs(10);

/// A budget on a virtual clock: no floor, `ratio` retries per call.
fn budget(ratio: f64) -> (Arc<TpsBudget<ManualClock>>, ManualClock) {
    let clock = ManualClock::new();
    (Arc::new(TpsBudget::with_clock(TTL, 0, ratio, clock.clone()).unwrap()), clock)
}

fn policy(budget: impl Into<SharedBudget>) -> Retry<DefaultBackoff, retry_core::matching::ErrorType<io::Error>> {
    Retry::default().on(error_type::<io::Error>()).budget(budget)
}

#[test]
fn an_empty_budget_returns_the_first_error_without_sleeping() {
    let (budget, _) = budget(0.0);
    let clock = VirtualClock::new();
    let mut attempts = 0;
    let result: Result<(), io::Error> = policy(budget.clone()).blocking_sleeper(&clock).call(|attempt| {
        attempts += 1;
        Err(numbered(attempt.num()))
    });
    assert_eq!(result.unwrap_err().to_string(), "failure 1");
    assert_eq!(attempts, 1);
    assert_eq!(clock.sleeps(), Vec::<Duration>::new(), "no sleep at all");
    assert_eq!(clock.elapsed(), Duration::ZERO);
}

#[test]
fn the_budget_ends_a_call_midway_with_its_last_error() {
    // Ten calls at 30 % earn three retries.
    let (budget, _) = budget(0.3);
    let policy = policy(budget.clone());
    for _ in 0..9 {
        policy.clone().blocking_sleeper(&VirtualClock::new()).call(|_| Ok::<_, io::Error>(())).unwrap();
    }
    assert_eq!(budget.available(), 2, "nine successful calls earned 2.7 retries");

    let clock = VirtualClock::new();
    let result: Result<(), io::Error> =
        policy.clone().blocking_sleeper(&clock).call(|attempt| Err(numbered(attempt.num())));
    assert_eq!(result.unwrap_err().to_string(), "failure 4", "the tenth call earned the third retry");
    assert_eq!(clock.sleeps().len(), 3, "one sleep per granted retry, none after the refusal");
    assert_eq!(budget.available(), 0);
}

#[test]
fn a_retry_the_budget_grants_is_spent_once() {
    let (budget, _) = budget(1.0);
    let policy = policy(budget.clone());
    let mut made = 0;
    let value = policy
        .blocking_sleeper(&VirtualClock::new())
        .call(|_| {
            made += 1;
            if made < 2 { Err(io::Error::other("flaky")) } else { Ok(made) }
        })
        .unwrap();
    assert_eq!(value, 2);
    assert_eq!(budget.available(), 0, "one call deposited one, one retry took it");
}

#[test]
fn errors_that_are_not_retried_and_attempt_limits_spend_nothing() {
    let (budget, _) = budget(1.0);
    let rejecting = Retry::default().on(|_: &io::Error| false).budget(budget.clone());
    let _ = rejecting
        .clone()
        .blocking_sleeper(&VirtualClock::new())
        .call(|_| -> Result<(), _> { Err(io::Error::other("no")) });
    assert_eq!(budget.available(), 1, "the call deposited, the rejected error withdrew nothing");

    let single = Retry::builder().attempts(1).build().unwrap().on(error_type::<io::Error>()).budget(budget.clone());
    let _ = single
        .clone()
        .blocking_sleeper(&VirtualClock::new())
        .call(|_| -> Result<(), _> { Err(io::Error::other("no")) });
    assert_eq!(budget.available(), 2, "the attempt limit stopped the call before the budget");
}

#[test]
fn the_floor_lets_a_quiet_client_retry() {
    let clock = ManualClock::new();
    let budget = TpsBudget::with_clock(Duration::from_secs(1), 2, 0.2, clock.clone()).unwrap();
    let policy = Retry::new(ConstantBackoff::new(Duration::from_millis(10)), 5)
        .on(error_type::<io::Error>())
        .budget(Arc::new(budget));
    let sleeper = VirtualClock::new();
    let result: Result<(), io::Error> =
        policy.clone().blocking_sleeper(&sleeper).call(|attempt| Err(numbered(attempt.num())));
    assert_eq!(result.unwrap_err().to_string(), "failure 3", "one call, yet two retries: the floor");
    assert_eq!(sleeper.sleeps(), vec![Duration::from_millis(10); 2]);

    // A window later the floor is back.
    clock.advance(Duration::from_secs(1));
    let result: Result<(), io::Error> =
        policy.clone().blocking_sleeper(&sleeper).call(|attempt| Err(numbered(attempt.num())));
    assert_eq!(result.unwrap_err().to_string(), "failure 3");
}

#[test]
fn every_entry_point_deposits_once_per_call() {
    #[derive(Debug, Default)]
    struct Count {
        deposits: AtomicU32,
        withdrawals: AtomicU32,
    }
    impl RetryBudget for Count {
        fn deposit(&self) {
            self.deposits.fetch_add(1, Ordering::Relaxed);
        }
        fn withdraw(&self) -> bool {
            self.withdrawals.fetch_add(1, Ordering::Relaxed);
            false
        }
    }
    let count = Arc::new(Count::default());
    let policy =
        Retry::new(ConstantBackoff::new(Duration::from_secs(1)), 3).on(error_type::<io::Error>()).budget(count.clone());
    let sleeper = VirtualClock::new();
    let fail = || -> Result<(), io::Error> { Err(io::Error::other("down")) };

    let _ = policy.clone().blocking_sleeper(&sleeper).call(|_| fail());
    let mut failed = 0;
    let _ = policy.clone().blocking_sleeper(&sleeper).call_with_retry(fail, |_| failed += 1);
    let mut refreshed = 0;
    let _ = policy.clone().blocking_sleeper(&sleeper).call_with_refresh(2, |_| fail(), |_| refreshed += 1);

    assert_eq!(count.deposits.load(Ordering::Relaxed), 3);
    assert_eq!(count.withdrawals.load(Ordering::Relaxed), 3, "one refused retry per call");
    assert_eq!(failed, 1, "redis-style `fail` still runs on the failure");
    assert_eq!(refreshed, 0, "a refused retry ends a two-level call: no refresh");
    assert!(sleeper.sleeps().is_empty());
}

#[tokio::test(start_paused = true)]
async fn async_calls_stop_at_once_too() {
    let (budget, _) = budget(0.0);
    let policy = policy(budget.clone());
    let start = tokio::time::Instant::now();
    let mut attempts = 0;
    let result: Result<(), io::Error> = policy
        .call_async(async |attempt| {
            attempts += 1;
            Err(numbered(attempt.num()))
        })
        .await;
    assert_eq!(result.unwrap_err().to_string(), "failure 1");
    assert_eq!(attempts, 1);
    assert_eq!(start.elapsed(), Duration::ZERO);
}

#[test]
fn a_static_budget_is_shared_by_reference() {
    static SHARED: LazyLock<TpsBudget<ManualClock>> =
        LazyLock::new(|| TpsBudget::with_clock(TTL, 0, 0.5, ManualClock::new()).unwrap());
    let a = policy(&SHARED);
    let b = policy(&SHARED);
    for _ in 0..4 {
        a.clone().blocking_sleeper(&VirtualClock::new()).call(|_| Ok::<_, io::Error>(())).unwrap();
    }
    assert_eq!(SHARED.available(), 2);
    let result: Result<(), io::Error> =
        b.clone().blocking_sleeper(&VirtualClock::new()).call(|n| Err(numbered(n.num())));
    assert_eq!(result.unwrap_err().to_string(), "failure 3", "2.5 retries earned by both policies' calls");
    assert_eq!(SHARED.available(), 0);
}

#[test]
fn the_budget_shows_in_the_policy_debug() {
    let (budget, _) = budget(0.2);
    let text = format!("{:?}", policy(budget));
    assert!(text.contains("TpsBudget"), "{text}");
}
