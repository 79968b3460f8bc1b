//! Exact accounting under contention: many threads deposit and withdraw on one
//! `TpsBudget` at once, and the retries granted equal the allowance exactly,
//! never one more, never one fewer; with time moving under them, nothing drifts.

use retry_core::budget::{ManualClock, RetryBudget, TpsBudget};
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

const THREADS: usize = 8;
const TTL: Duration = Duration::from_secs(10);

fn frozen(min_per_sec: u32, ratio: f64) -> TpsBudget<ManualClock> {
    TpsBudget::with_clock(TTL, min_per_sec, ratio, ManualClock::new()).unwrap()
}

/// Runs `work(thread index)` on every thread at once; sums what they return.
fn race(work: impl Fn(usize) -> u64 + Sync) -> u64 {
    let start = Barrier::new(THREADS);
    thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let (start, work) = (&start, &work);
                s.spawn(move || {
                    start.wait();
                    work(i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    })
}

fn drain(budget: &impl RetryBudget) -> u64 {
    let mut granted = 0;
    while budget.withdraw() {
        granted += 1;
    }
    granted
}

#[test]
fn racing_withdrawals_get_exactly_the_earned_share() {
    let budget = frozen(0, 0.2);
    race(|_| {
        for _ in 0..10_000 {
            budget.deposit();
        }
        0
    });
    assert_eq!(budget.available(), 16_000, "20 % of 80,000 calls");
    let granted = race(|_| (0..5_000).map(|_| u64::from(budget.withdraw())).sum());
    assert_eq!(granted, 16_000, "40,000 attempts raced for 16,000 retries");
    assert!(!budget.withdraw());
}

#[test]
fn racing_withdrawals_get_exactly_the_floor() {
    let budget = frozen(100, 0.2);
    let granted = race(|_| (0..1_000).map(|_| u64::from(budget.withdraw())).sum());
    assert_eq!(granted, 1_000, "100 a second for a 10 s window");
}

#[test]
fn interleaved_deposits_and_withdrawals_lose_nothing() {
    let budget = frozen(0, 0.25);
    let granted = race(|i| {
        let mut granted = 0;
        for n in 0..20_000 {
            budget.deposit();
            // Threads withdraw at different rates, so some run dry and others do not.
            if n % (i + 1) == 0 {
                granted += u64::from(budget.withdraw());
            }
        }
        granted
    });
    let calls = (THREADS * 20_000) as u64;
    assert_eq!(granted + drain(&budget), calls / 4, "what was granted plus what is left is 25 % of every call");
}

#[test]
fn time_moving_under_the_race_leaves_no_drift() {
    let clock = ManualClock::new();
    let budget = TpsBudget::with_clock(TTL, 0, 0.5, clock.clone()).unwrap();
    let stop = AtomicBool::new(false);
    let (deposits, granted) = (AtomicU64::new(0), AtomicU64::new(0));
    thread::scope(|s| {
        // Time runs 25 ms a step, across slot edges and windows, for as long as
        // the workers work.
        s.spawn(|| {
            while !stop.load(Ordering::Acquire) {
                clock.advance(Duration::from_millis(25));
                thread::yield_now();
            }
        });
        let workers: Vec<_> = (0..THREADS - 1)
            .map(|i| {
                let (budget, deposits, granted) = (&budget, &deposits, &granted);
                s.spawn(move || {
                    for n in 0..20_000u64 {
                        budget.deposit();
                        deposits.fetch_add(1, Ordering::Relaxed);
                        if n % (i as u64 + 1) == 0 {
                            granted.fetch_add(u64::from(budget.withdraw()), Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        stop.store(true, Ordering::Release);
    });
    assert!(deposits.load(Ordering::Relaxed) > 0 && granted.load(Ordering::Relaxed) > 0);

    // A window later everything the race left has expired, to the last entry:
    // the budget behaves exactly as a new one.
    clock.advance(TTL);
    assert_eq!(budget.available(), 0);
    for _ in 0..1_000 {
        budget.deposit();
    }
    assert_eq!(budget.available(), 500);
    assert_eq!(drain(&budget), 500);
}

#[test]
fn the_window_matches_a_model_at_every_millisecond() {
    // A 1 s window in 50 ms slots: an entry made at t ms is live at `now` while
    // now / 50 - t / 50 < 20. Bursty calls (3 a millisecond in the first half
    // of every second) and a client that retries whenever it may: at every
    // millisecond the budget agrees with the model exactly.
    let clock = ManualClock::new();
    let budget = TpsBudget::with_clock(Duration::from_secs(1), 0, 0.5, clock.clone()).unwrap();
    let (mut calls, mut retries) = (Vec::new(), Vec::new());
    let live = |entries: &[u64], now: u64| entries.iter().filter(|&&t| now / 50 - t / 50 < 20).count() as u64;
    for now in 0..4_000u64 {
        clock.set(Duration::from_millis(now));
        if now % 1_000 < 500 {
            for _ in 0..3 {
                budget.deposit();
                calls.push(now);
            }
        }
        let allowance = live(&calls, now) / 2;
        assert_eq!(budget.available(), allowance.saturating_sub(live(&retries, now)), "at {now} ms");
        while budget.withdraw() {
            retries.push(now);
            assert!(live(&retries, now) <= allowance, "at {now} ms");
        }
        assert!(live(&retries, now) >= allowance, "at {now} ms: a retry was refused that the window allows");
    }
}
