//! A call that gives up after retrying is reported once, with its reason; one
//! that never retried is not. Hooks are process-wide: the tests run one at a time.

use retry_core::backoff::ConstantBackoff;
use retry_core::budget::TpsBudget;
use retry_core::instrument::{GiveUpDetails, GiveUpReason, RetryDetails, RetryHook, reset_hooks, set_hooks};
use retry_core::{Retry, Scoped, TestMode, error_type};
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, PartialEq)]
struct GaveUp {
    name: String,
    attempts: u32,
    waited: Duration,
    caused_by: String,
    reason: GiveUpReason,
}

#[derive(Default)]
struct Recorder(Mutex<Vec<GaveUp>>);

impl RetryHook for Recorder {
    fn on_retry(&self, _: &RetryDetails<'_>) {}
    fn on_give_up(&self, d: &GiveUpDetails<'_>) {
        assert_eq!(d.error_type, std::any::type_name::<io::Error>());
        self.0.lock().unwrap().push(GaveUp {
            name: d.name.to_owned(),
            attempts: d.attempts,
            waited: d.waited,
            caused_by: format!("{:?}", d.caused_by),
            reason: d.reason,
        });
    }
}

fn record() -> Arc<Recorder> {
    let recorder = Arc::new(Recorder::default());
    set_hooks([recorder.clone() as Arc<dyn RetryHook>]);
    recorder
}

fn failing(n: &mut u32) -> Result<(), io::Error> {
    *n += 1;
    Err(io::Error::other(format!("failure {n}")))
}

#[test]
fn attempts_used_up_is_one_give_up() {
    let _serial = serial();
    let recorder = record();
    let policy = Retry::new(ConstantBackoff::new(Duration::ZERO), 2).name("jobs::run").on(error_type::<io::Error>());
    let mut n = 0;
    assert!(policy.call(|_| failing(&mut n)).is_err());
    let seen = std::mem::take(&mut *recorder.0.lock().unwrap());
    assert_eq!(
        seen,
        [GaveUp {
            name: "jobs::run".into(),
            attempts: 3,
            waited: Duration::ZERO,
            caused_by: "Custom { kind: Other, error: \"failure 3\" }".into(),
            reason: GiveUpReason::Attempts
        }]
    );
    reset_hooks();
}

#[test]
fn a_rejected_error_or_a_single_attempt_is_no_give_up() {
    let _serial = serial();
    let recorder = record();
    let rejecting = Retry::new(ConstantBackoff::new(Duration::ZERO), 5).on(|_: &io::Error| false);
    let mut n = 0;
    assert!(rejecting.call(|_| failing(&mut n)).is_err());
    let once = Retry::new(ConstantBackoff::new(Duration::ZERO), 0).on(error_type::<io::Error>());
    assert!(once.call(|_| failing(&mut n)).is_err());
    let off = Scoped::new().active(false);
    let retrying = Retry::new(ConstantBackoff::new(Duration::ZERO), 5).on(error_type::<io::Error>());
    assert!(off.run(|| retrying.call(|_| failing(&mut n))).is_err());
    assert_eq!(n, 3, "one attempt each");
    assert!(recorder.0.lock().unwrap().is_empty());
    reset_hooks();
}

#[test]
fn the_redis_style_loop_and_the_refresh_loop_report_once_at_the_end() {
    let _serial = serial();
    let recorder = record();
    let policy = Retry::new(ConstantBackoff::new(Duration::ZERO), 1).name("cache::get").on(error_type::<io::Error>());
    let mut n = 0;
    assert!(policy.call_with_retry(|| failing(&mut n), |_| {}).is_err());
    let mut refreshes = 0;
    assert!(policy.call_with_refresh(2, |_| failing(&mut n), |_| refreshes += 1).is_err());
    assert_eq!(refreshes, 2);
    let seen = std::mem::take(&mut *recorder.0.lock().unwrap());
    let summary: Vec<(u32, GiveUpReason)> = seen.iter().map(|g| (g.attempts, g.reason)).collect();
    assert_eq!(
        summary,
        [(2, GiveUpReason::Attempts), (6, GiveUpReason::Attempts)],
        "3 cycles of 2 attempts: one report"
    );
    reset_hooks();
}

#[test]
fn a_budget_refusal_after_a_retry_gives_up_for_the_budget() {
    let _serial = serial();
    let recorder = record();
    // A floor of one retry in the window and nothing earned per call: the second retry is refused.
    let budget = Arc::new(TpsBudget::new(Duration::from_secs(1), 1, 0.0).unwrap());
    let policy = Retry::new(ConstantBackoff::new(Duration::ZERO), 5).on(error_type::<io::Error>()).budget(budget);
    let mut n = 0;
    assert!(policy.call(|_| failing(&mut n)).is_err());
    let seen = std::mem::take(&mut *recorder.0.lock().unwrap());
    assert_eq!(seen.iter().map(|g| (g.attempts, g.reason)).collect::<Vec<_>>(), [(2, GiveUpReason::Budget)]);
    reset_hooks();
}

#[tokio::test(start_paused = true)]
#[allow(clippy::await_holding_lock, reason = "a current-thread test: the lock only orders this binary's tests")]
async fn a_deadline_gives_up_for_the_deadline() {
    let _serial = serial();
    let recorder = record();
    let policy = Retry::builder()
        .attempts(None)
        .timeout(Duration::from_secs(1))
        .wait_initial(Duration::from_millis(400))
        .wait_exp_base(1.0)
        .wait_jitter(Duration::ZERO)
        .build()
        .unwrap()
        .on(error_type::<io::Error>());
    let mut n = 0;
    assert!(policy.call_async(async |_| failing(&mut n)).await.is_err());
    let seen = std::mem::take(&mut *recorder.0.lock().unwrap());
    // Waits of 0.4 s end at 0.4 and 0.8 s; the third would end at 1.2 s, past the deadline.
    assert_eq!(
        seen.iter().map(|g| (g.attempts, g.waited, g.reason)).collect::<Vec<_>>(),
        [(3, Duration::from_millis(800), GiveUpReason::Deadline)]
    );
    reset_hooks();
}

#[test]
fn testing_mode_gives_up_like_the_real_thing() {
    let _serial = serial();
    let recorder = record();
    let policy = Retry::default().on(error_type::<io::Error>());
    let mut n = 0;
    assert!(Scoped::new().testing(TestMode::new(2)).run(|| policy.call(|_| failing(&mut n))).is_err());
    assert_eq!(recorder.0.lock().unwrap().iter().map(|g| g.attempts).collect::<Vec<_>>(), [2]);
    reset_hooks();
}
