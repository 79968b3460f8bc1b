//! Hooks are process-wide, so this binary's tests take a lock to run one at a time.

use retry_core::instrument::{
    RetryDetails, RetryHook, active_hooks, default_hooks, disable_hooks, reset_hooks, set_hooks,
};
use retry_core::{Decision, Retry, Scoped, TestMode, error_type};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Clone, PartialEq)]
struct Seen {
    name: String,
    retry_num: u32,
    wait_for: Duration,
    waited_so_far: Duration,
    caused_by: String,
    error_type: String,
}

fn recorder() -> (Arc<Mutex<Vec<Seen>>>, Arc<dyn RetryHook>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let hook: Arc<dyn RetryHook> = Arc::new(move |d: &RetryDetails<'_>| {
        sink.lock().unwrap().push(Seen {
            name: d.name.to_string(),
            retry_num: d.retry_num,
            wait_for: d.wait_for,
            waited_so_far: d.waited_so_far,
            caused_by: format!("{:?}", d.caused_by),
            error_type: d.error_type.to_string(),
        });
    });
    (seen, hook)
}

#[test]
fn hooks_run_once_per_scheduled_retry_with_its_details() {
    let _serial = serial();
    let (seen, hook) = recorder();
    set_hooks([hook]);
    let policy = Retry::builder()
        .attempts(3)
        .name("billing::charge")
        .build()
        .unwrap()
        .on(|_: &io::Error| Decision::RetryAfter(Duration::from_millis(5)));

    // Fails twice then succeeds: two hook calls, none for the success.
    let mut made = 0;
    policy
        .call(|_| {
            made += 1;
            if made < 3 { Err(io::Error::other(format!("boom {made}"))) } else { Ok(()) }
        })
        .unwrap();
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].name, "billing::charge");
    assert_eq!((got[0].retry_num, got[1].retry_num), (1, 2));
    assert_eq!(got[0].wait_for, Duration::from_millis(5));
    assert_eq!((got[0].waited_so_far, got[1].waited_so_far), (Duration::ZERO, Duration::from_millis(5)));
    assert!(got[1].caused_by.contains("boom 2"), "{}", got[1].caused_by);
    assert_eq!(got[0].error_type, std::any::type_name::<io::Error>());

    // Always fails: 3 attempts, 2 hooks; the final failure runs none.
    seen.lock().unwrap().clear();
    let _ = policy.call(|_| -> Result<(), _> { Err(io::Error::other("down")) });
    assert_eq!(seen.lock().unwrap().len(), 2);
    reset_hooks();
}

#[test]
fn no_hook_for_rejected_errors_or_when_retrying_is_off() {
    let _serial = serial();
    let (seen, hook) = recorder();
    set_hooks([hook]);
    let policy = Retry::default().on(|e: &io::Error| e.kind() == io::ErrorKind::TimedOut);
    let _ = policy.call(|_| -> Result<(), _> { Err(io::Error::other("not retryable")) });
    let _ =
        Scoped::new().active(false).run(|| policy.call(|_| -> Result<(), _> { Err(io::ErrorKind::TimedOut.into()) }));
    assert!(seen.lock().unwrap().is_empty());
    reset_hooks();
}

#[test]
fn disable_replace_and_reset() {
    let _serial = serial();
    disable_hooks();
    assert!(active_hooks().is_empty());
    let (seen, hook) = recorder();
    let policy = Retry::default().on(error_type::<io::Error>());
    let fail_three = || {
        Scoped::new().testing(TestMode::new(3)).run(|| policy.call(|_| -> Result<(), _> { Err(io::Error::other("x")) }))
    };
    let _ = fail_three();
    assert!(seen.lock().unwrap().is_empty());

    set_hooks([hook.clone(), hook]);
    let _ = fail_three();
    assert_eq!(seen.lock().unwrap().len(), 4, "two hooks, two retries each");

    reset_hooks();
    assert_eq!(active_hooks().len(), default_hooks().len());
    assert_eq!(default_hooks().len(), 2, "prometheus and tracing, both default features");
}

#[test]
fn a_hook_may_replace_the_hooks_without_deadlock() {
    let _serial = serial();
    let hook: Arc<dyn RetryHook> = Arc::new(|_: &RetryDetails<'_>| disable_hooks());
    set_hooks([hook]);
    let policy = Retry::default().on(error_type::<io::Error>());
    let _ = Scoped::new()
        .testing(TestMode::new(3))
        .run(|| policy.call(|_| -> Result<(), _> { Err(io::Error::other("x")) }));
    assert!(active_hooks().is_empty());
    reset_hooks();
}

#[test]
fn add_hook_keeps_the_hooks_in_force() {
    let _serial = serial();
    reset_hooks();
    let (seen, hook) = recorder();
    retry_core::instrument::add_hook(move |d: &RetryDetails<'_>| hook.on_retry(d));
    assert_eq!(active_hooks().len(), default_hooks().len() + 1, "the defaults stay");

    let policy = Retry::builder().attempts(2).build().unwrap().on(error_type::<io::Error>());
    let _ = Scoped::new().testing(TestMode::new(2)).run(|| policy.call(|_| Err::<(), _>(io::Error::other("x"))));
    assert_eq!(seen.lock().unwrap().len(), 1, "the added hook ran");

    let (_, replaced) = recorder();
    set_hooks([replaced]);
    retry_core::instrument::add_hook(|_: &RetryDetails<'_>| {});
    assert_eq!(active_hooks().len(), 2, "after set_hooks, added to those");
    disable_hooks();
    retry_core::instrument::add_hook(|_: &RetryDetails<'_>| {});
    assert_eq!(active_hooks().len(), 1, "after disable_hooks, the only one");
    reset_hooks();
}

#[test]
fn a_policy_hook_runs_per_scheduled_retry_even_with_the_global_hooks_off() {
    let _serial = serial();
    disable_hooks();
    let (seen, hook) = recorder();
    let policy = Retry::builder()
        .attempts(3)
        .name("app::fetch")
        .build()
        .unwrap()
        .on(|e: &io::Error| e.kind() != io::ErrorKind::InvalidInput)
        .on_retry(move |d| hook.on_retry(d));
    let _ = Scoped::new().testing(TestMode::new(3)).run(|| policy.call(|_| Err::<(), _>(io::Error::other("x"))));
    let nums: Vec<u32> = seen.lock().unwrap().iter().map(|s| s.retry_num).collect();
    assert_eq!(nums, [1, 2], "two retries scheduled, none on the final failure");
    assert!(seen.lock().unwrap().iter().all(|s| s.name == "app::fetch"));

    seen.lock().unwrap().clear();
    let ok: Result<u32, io::Error> = policy.call(|_| Ok(1));
    assert_eq!(ok.unwrap(), 1);
    let _ = policy.call(|_| Err::<(), _>(io::Error::from(io::ErrorKind::InvalidInput)));
    let _ = Scoped::new().active(false).run(|| policy.call(|_| Err::<(), _>(io::Error::other("x"))));
    assert!(seen.lock().unwrap().is_empty(), "not on success, a rejected error, or with retrying off");
    reset_hooks();
}
