//! The stop rules of spec §3, on a virtual clock.

mod support;

use retry_core::backoff::{ConstantBackoff, DefaultBackoff, NoBackoff};
use retry_core::{Decision, Retry, error_type};
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;
use support::{VirtualClock, numbered};

fn io_policy() -> Retry<DefaultBackoff, retry_core::matching::ErrorType<io::Error>> {
    Retry::default().on(error_type::<io::Error>())
}

#[test]
fn default_policy_against_a_failing_call_makes_9_attempts_within_the_deadline() {
    let clock = VirtualClock::new();
    let mut attempts = 0;
    let result: Result<(), io::Error> = io_policy().blocking_sleeper(&clock).call(|_| {
        attempts += 1;
        Err(numbered(attempts))
    });
    assert_eq!(attempts, 9, "the 9th wait would end past the 45 s deadline");
    assert_eq!(result.unwrap_err().to_string(), "failure 9", "the last error comes back unchanged");
    assert!(clock.elapsed() <= Duration::from_secs(45), "slept {:?}", clock.elapsed());
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 8);
    for (i, wait) in (0u32..).zip(&sleeps) {
        let base = Duration::from_millis(100) * 2u32.pow(i);
        assert!(*wait >= base && *wait <= base + Duration::from_secs(1), "wait {} = {wait:?}", i + 1);
    }
}

#[test]
fn an_error_that_does_not_match_returns_at_once() {
    let clock = VirtualClock::new();
    let mut attempts = 0;
    let result: Result<(), io::Error> =
        Retry::default().on(|e: &io::Error| e.kind() == io::ErrorKind::TimedOut).blocking_sleeper(&clock).call(|_| {
            attempts += 1;
            Err(io::Error::new(io::ErrorKind::PermissionDenied, "no"))
        });
    assert_eq!(attempts, 1);
    assert_eq!(result.unwrap_err().kind(), io::ErrorKind::PermissionDenied);
    assert!(clock.sleeps().is_empty());
}

#[test]
fn attempts_count_the_first_one() {
    for attempts in [1, 2, 5] {
        let clock = VirtualClock::new();
        let policy = Retry::builder().attempts(attempts).build().unwrap().on(error_type::<io::Error>());
        let mut made = 0;
        let _ = policy.clone().blocking_sleeper(&clock).call(|_| -> Result<(), _> {
            made += 1;
            Err(numbered(made))
        });
        assert_eq!(made, attempts);
        assert_eq!(clock.sleeps().len(), attempts as usize - 1);
    }
}

#[test]
fn unlimited_attempts_stop_only_at_the_deadline() {
    let clock = VirtualClock::new();
    let policy = Retry::builder()
        .attempts(None)
        .timeout(Duration::from_secs(10))
        .backoff(ConstantBackoff::new(Duration::from_secs(1)))
        .build()
        .unwrap()
        .on(error_type::<io::Error>());
    let mut made = 0;
    let _ = policy.clone().blocking_sleeper(&clock).call(|_| -> Result<(), _> {
        made += 1;
        Err(numbered(made))
    });
    // Waits of 1 s from the first failure: the 10th would end at 10 s, which is
    // not past the deadline; the 11th would.
    assert_eq!(made, 11);
    assert_eq!(clock.elapsed(), Duration::from_secs(10));
}

#[test]
#[allow(clippy::unchecked_time_subtraction, reason = "a negative duration panics, failing the test, as it should")]
fn never_sleeps_past_the_deadline_even_with_slow_attempts() {
    let clock = VirtualClock::new();
    let policy = Retry::builder()
        .attempts(None)
        .timeout(Duration::from_secs(5))
        .backoff(ConstantBackoff::new(Duration::from_millis(1500)))
        .build()
        .unwrap()
        .on(error_type::<io::Error>());
    let mut made = 0;
    let mut failures_at = Vec::new();
    let _ = policy.clone().blocking_sleeper(&clock).call(|_| -> Result<(), _> {
        made += 1;
        clock.advance(Duration::from_millis(700)); // the attempt itself takes time
        failures_at.push(clock.elapsed());
        Err(numbered(made))
    });
    let first_failure = failures_at[0];
    let last_sleep_end = *failures_at.last().unwrap() - Duration::from_millis(700);
    assert!(last_sleep_end - first_failure <= Duration::from_secs(5));
    // The deadline counts attempt time too: 0.7 s attempts + 1.5 s waits.
    assert_eq!(made, 3);
}

#[test]
fn the_deadline_starts_at_the_first_failure_not_the_first_attempt() {
    let clock = VirtualClock::new();
    let policy = Retry::builder()
        .attempts(3)
        .timeout(Duration::from_secs(2))
        .backoff(ConstantBackoff::new(Duration::from_secs(1)))
        .build()
        .unwrap()
        .on(error_type::<io::Error>());
    let mut made = 0;
    let _ = policy.clone().blocking_sleeper(&clock).call(|_| -> Result<(), _> {
        made += 1;
        if made == 1 {
            clock.advance(Duration::from_secs(60)); // a slow first attempt spends no retry time
        }
        Err(numbered(made))
    });
    assert_eq!(made, 3);
}

#[test]
fn retry_after_is_exact_without_jitter_or_cap_and_still_bounded() {
    let clock = VirtualClock::new();
    let policy = Retry::builder()
        .attempts(4)
        .wait_max(Duration::from_secs(1))
        .timeout(None)
        .build()
        .unwrap()
        .on(|_: &io::Error| Decision::RetryAfter(Duration::from_secs(7)));
    let mut made = 0;
    let _ = policy.clone().blocking_sleeper(&clock).call(|_| -> Result<(), _> {
        made += 1;
        Err(numbered(made))
    });
    assert_eq!(made, 4);
    assert_eq!(clock.sleeps(), vec![Duration::from_secs(7); 3], "no jitter, no wait_max clamp");

    let clock = VirtualClock::new();
    let policy = Retry::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
        .on(|_: &io::Error| Decision::RetryAfter(Duration::from_secs(7)));
    let mut made = 0;
    let _ = policy.clone().blocking_sleeper(&clock).call(|_| -> Result<(), _> {
        made += 1;
        Err(numbered(made))
    });
    assert_eq!(made, 2, "the second Retry-After would end at 14 s, past the 10 s deadline");
}

#[test]
fn panics_are_neither_caught_nor_retried() {
    let mut made = 0;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        io_policy().blocking_sleeper(&VirtualClock::new()).call(|_| -> Result<(), io::Error> {
            made += 1;
            panic!("bug")
        })
    }));
    assert!(outcome.is_err());
    assert_eq!(made, 1);
}

#[test]
fn invalid_configurations_are_refused_with_the_knob_named() {
    let err = Retry::builder().attempts(0).build().unwrap_err();
    assert_eq!(err.knob(), "attempts");
    for bad in [f64::NAN, f64::NEG_INFINITY, 0.0, -1.0] {
        let err = Retry::builder().wait_exp_base(bad).build().unwrap_err();
        assert_eq!(err.knob(), "wait_exp_base");
        assert!(err.to_string().starts_with("invalid retry configuration: `wait_exp_base`"), "{err}");
    }
}

#[test]
fn attempts_show_their_number_and_the_wait_that_follows() {
    let clock = VirtualClock::new();
    let policy = Retry::builder().attempts(4).seed(11).build().unwrap().on(error_type::<io::Error>());
    let mut seen = Vec::new();
    let _ = policy.clone().blocking_sleeper(&clock).call(|attempt| -> Result<(), _> {
        seen.push((attempt.num(), attempt.next_wait()));
        Err(numbered(attempt.num()))
    });
    let nums: Vec<u32> = seen.iter().map(|(n, _)| *n).collect();
    assert_eq!(nums, [1, 2, 3, 4]);
    let announced: Vec<Duration> = seen.iter().take(3).map(|(_, w)| *w).collect();
    assert_eq!(announced, clock.sleeps(), "next_wait is the wait that actually follows");
}

#[test]
fn a_seed_pins_the_jitter() {
    let run = |seed| {
        let clock = VirtualClock::new();
        let policy = Retry::builder().attempts(5).seed(seed).build().unwrap().on(error_type::<io::Error>());
        let _ = policy.clone().blocking_sleeper(&clock).call(|_| -> Result<(), _> { Err(numbered(0)) });
        clock.sleeps()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn redis_style_retries_count_retries_and_fail_sees_every_accepted_failure() {
    let clock = VirtualClock::new();
    let policy = Retry::new(NoBackoff, 3).on(|e: &io::Error| e.kind() == io::ErrorKind::ConnectionReset);
    let (mut calls, mut failed) = (0, 0);
    let result: Result<(), io::Error> = policy.clone().blocking_sleeper(&clock).call_with_retry(
        || {
            calls += 1;
            Err(io::Error::new(io::ErrorKind::ConnectionReset, format!("reset {calls}")))
        },
        |_| failed += 1,
    );
    assert_eq!((calls, failed), (4, 4), "retries = 3 means 4 calls; fail runs on the last one too");
    assert_eq!(result.unwrap_err().to_string(), "reset 4");

    let (mut calls, mut failed) = (0, 0);
    let _ = policy.clone().blocking_sleeper(&clock).call_with_retry(
        || -> Result<(), _> {
            calls += 1;
            Err(io::Error::new(io::ErrorKind::PermissionDenied, "auth"))
        },
        |_| failed += 1,
    );
    assert_eq!((calls, failed), (1, 0), "an unsupported error neither retries nor runs fail");
}

#[test]
fn redis_style_unlimited_retries() {
    let clock = VirtualClock::new();
    let policy = Retry::new(ConstantBackoff::new(Duration::from_secs(3600)), None).on(error_type::<io::Error>());
    let mut calls = 0;
    let result = policy.clone().blocking_sleeper(&clock).call_with_retry(
        || {
            calls += 1;
            if calls < 500 { Err(numbered(calls)) } else { Ok(calls) }
        },
        |_| {},
    );
    assert_eq!(result.unwrap(), 500);
    assert_eq!(clock.elapsed(), Duration::from_secs(3600 * 499), "no deadline in the redis model");
}

#[test]
fn two_level_retry_refreshes_between_cycles() {
    let clock = VirtualClock::new();
    let policy = Retry::new(NoBackoff, 2).on(error_type::<io::Error>());
    let master = std::cell::Cell::new(1);
    let mut calls_per_master = std::collections::BTreeMap::new();
    let mut refreshed = Vec::new();
    let result = policy.clone().blocking_sleeper(&clock).call_with_refresh(
        3,
        |_| {
            let m = master.get();
            *calls_per_master.entry(m).or_insert(0) += 1;
            if m == 3 { Ok(m) } else { Err(io::Error::other(format!("master {m} is down"))) }
        },
        |e| {
            refreshed.push(e.to_string());
            master.set(master.get() + 1);
        },
    );
    assert_eq!(result.unwrap(), 3);
    assert_eq!(refreshed, ["master 1 is down", "master 2 is down"]);
    assert_eq!(calls_per_master.into_iter().collect::<Vec<_>>(), [(1, 3), (2, 3), (3, 1)]);
}

#[test]
fn two_level_retry_gives_up_after_its_cycles_and_stops_on_a_foreign_error() {
    let clock = VirtualClock::new();
    let policy = Retry::new(NoBackoff, 1).on(|e: &io::Error| e.kind() != io::ErrorKind::PermissionDenied);
    let (mut calls, mut refreshes) = (0, 0);
    let result: Result<(), _> = policy.clone().blocking_sleeper(&clock).call_with_refresh(
        2,
        |_| {
            calls += 1;
            Err(numbered(calls))
        },
        |_| refreshes += 1,
    );
    assert_eq!((calls, refreshes), (6, 2));
    assert_eq!(result.unwrap_err().to_string(), "failure 6");

    let (mut calls, mut refreshes) = (0, 0);
    let _ = policy.clone().blocking_sleeper(&clock).call_with_refresh(
        2,
        |_| -> Result<(), _> {
            calls += 1;
            Err(io::Error::new(io::ErrorKind::PermissionDenied, "no"))
        },
        |_| refreshes += 1,
    );
    assert_eq!((calls, refreshes), (1, 0));
}

/// A backoff that counts its draws.
#[derive(Default)]
struct CountingBackoff(std::sync::atomic::AtomicU32);

impl retry_core::backoff::Backoff for CountingBackoff {
    fn wait(&self, _: u32, _: Duration, _: &mut retry_core::backoff::Rng) -> Duration {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Duration::ZERO
    }
}

#[test]
fn a_success_draws_no_wait() {
    let backoff = CountingBackoff::default();
    let policy = Retry::new(&backoff, 3).on(error_type::<io::Error>());
    let value: Result<u32, io::Error> = policy.call(|attempt| Ok(attempt.num()));
    assert_eq!(value.unwrap(), 1);
    assert_eq!(backoff.0.load(std::sync::atomic::Ordering::Relaxed), 0, "no draw before or after a success");

    let clock = VirtualClock::new();
    let mut calls = 0;
    let value: Result<u32, io::Error> = policy.clone().blocking_sleeper(&clock).call(|_| {
        calls += 1;
        if calls < 3 { Err(numbered(calls)) } else { Ok(calls) }
    });
    assert_eq!(value.unwrap(), 3);
    assert_eq!(backoff.0.load(std::sync::atomic::Ordering::Relaxed), 2, "one draw per failure");
}

#[test]
fn call_with_retry_asks_on_once_per_failure() {
    let asked = std::cell::Cell::new(0);
    let policy = Retry::new(NoBackoff, 2).on(|e: &io::Error| {
        asked.set(asked.get() + 1);
        e.kind() != io::ErrorKind::InvalidInput
    });
    let clock = VirtualClock::new();
    let (mut calls, mut failed) = (0, 0);
    let result: Result<(), io::Error> = policy.clone().blocking_sleeper(&clock).call_with_retry(
        || {
            calls += 1;
            Err(numbered(calls))
        },
        |_| failed += 1,
    );
    assert_eq!(result.unwrap_err().to_string(), "failure 3");
    assert_eq!((calls, failed, asked.get()), (3, 3, 3), "3 failures, each decided once");

    asked.set(0);
    let mut failed = 0;
    let result: Result<(), io::Error> =
        policy.call_with_retry(|| Err(io::Error::from(io::ErrorKind::InvalidInput)), |_| failed += 1);
    assert!(result.is_err());
    assert_eq!((failed, asked.get()), (0, 1), "a rejected error: no fail, one decision");
}
