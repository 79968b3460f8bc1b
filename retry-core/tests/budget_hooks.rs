//! A refused retry reaches the hooks: a custom hook, the
//! `retries_budget_exhausted_total` counter and a tracing WARN event. Hooks are
//! process-wide, so this binary's tests take a lock to run one at a time.
#![cfg(all(feature = "prometheus", feature = "tracing"))]

mod support;

use retry_core::backoff::DefaultBackoff;
use retry_core::budget::{ManualClock, TpsBudget};
use retry_core::instrument::prometheus::{RETRIES_BUDGET_EXHAUSTED_TOTAL, retries_budget_exhausted_total};
use retry_core::instrument::{RetryDetails, RetryHook, disable_hooks, reset_hooks, set_hooks};
use retry_core::matching::ErrorType;
use retry_core::{Retry, error_type, set_active};
use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use support::{VirtualClock, numbered};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A budget that grants exactly `retries` retries in its window.
fn policy(name: &'static str, retries: u32) -> Retry<DefaultBackoff, ErrorType<io::Error>> {
    let budget = TpsBudget::with_clock(Duration::from_secs(10), 0, f64::from(retries), ManualClock::new()).unwrap();
    Retry::builder()
        .wait_jitter(Duration::ZERO)
        .build()
        .unwrap()
        .name(name)
        .on(error_type::<io::Error>())
        .budget(Arc::new(budget))
}

fn always_failing(policy: &Retry<DefaultBackoff, ErrorType<io::Error>>) -> io::Error {
    policy
        .clone()
        .blocking_sleeper(&VirtualClock::new())
        .call(|attempt| Err::<(), _>(numbered(attempt.num())))
        .unwrap_err()
}

#[derive(Debug, Clone, PartialEq)]
struct Seen {
    kind: &'static str,
    name: String,
    retry_num: u32,
    wait_for: Duration,
    waited_so_far: Duration,
    caused_by: String,
}

#[derive(Default)]
struct Recorder(Mutex<Vec<Seen>>);

impl Recorder {
    fn push(&self, kind: &'static str, d: &RetryDetails<'_>) {
        self.0.lock().unwrap().push(Seen {
            kind,
            name: d.name.to_string(),
            retry_num: d.retry_num,
            wait_for: d.wait_for,
            waited_so_far: d.waited_so_far,
            caused_by: format!("{:?}", d.caused_by),
        });
    }
}

impl RetryHook for Recorder {
    fn on_retry(&self, d: &RetryDetails<'_>) {
        self.push("retry", d);
    }
    fn on_budget_exhausted(&self, d: &RetryDetails<'_>) {
        self.push("refused", d);
    }
}

#[test]
fn a_hook_hears_of_the_refused_retry_with_its_details() {
    let _serial = serial();
    let recorder = Arc::new(Recorder::default());
    set_hooks([recorder.clone() as Arc<dyn RetryHook>]);

    let error = always_failing(&policy("stock::reserve", 2));
    assert_eq!(error.to_string(), "failure 3");
    let seen = recorder.0.lock().unwrap().clone();
    let kinds: Vec<_> = seen.iter().map(|s| (s.kind, s.retry_num)).collect();
    assert_eq!(kinds, [("retry", 1), ("retry", 2), ("refused", 3)]);
    let refused = &seen[2];
    assert_eq!(refused.name, "stock::reserve");
    assert_eq!(refused.wait_for, Duration::from_millis(400), "the wait the refused retry would have had");
    assert_eq!(refused.waited_so_far, Duration::from_millis(300));
    assert!(refused.caused_by.contains("failure 3"), "{}", refused.caused_by);
    reset_hooks();
}

#[test]
fn closures_and_switched_off_hooks_see_nothing() {
    let _serial = serial();
    let calls = Arc::new(Mutex::new(0));
    let sink = calls.clone();
    set_hooks([Arc::new(move |_: &RetryDetails<'_>| *sink.lock().unwrap() += 1) as Arc<dyn RetryHook>]);
    let _ = always_failing(&policy("closure::hook", 0));
    assert_eq!(*calls.lock().unwrap(), 0, "a closure hook has no budget method: nothing runs");

    let recorder = Arc::new(Recorder::default());
    disable_hooks();
    let _ = always_failing(&policy("disabled::hooks", 0));
    assert!(recorder.0.lock().unwrap().is_empty());

    // Retrying switched off: one attempt, no withdrawal, no hook.
    set_hooks([recorder.clone() as Arc<dyn RetryHook>]);
    set_active(false);
    let _ = always_failing(&policy("inactive", 0));
    set_active(true);
    assert!(recorder.0.lock().unwrap().is_empty());
    reset_hooks();
}

#[test]
fn the_counter_counts_refusals_by_callable_and_error_type() {
    let _serial = serial();
    reset_hooks();
    let io_type = std::any::type_name::<io::Error>();
    let counter = retries_budget_exhausted_total();
    let before = counter.with_label_values(&["inventory::count", io_type]).get();
    let policy = policy("inventory::count", 1);
    for _ in 0..3 {
        let _ = always_failing(&policy);
    }
    // Three calls earned three retries: the first call took one and was refused
    // its second, the others likewise.
    assert_eq!(counter.with_label_values(&["inventory::count", io_type]).get(), before + 3);

    let family = prometheus::gather().into_iter().find(|f| f.name() == RETRIES_BUDGET_EXHAUSTED_TOTAL);
    let family = family.expect("registered in the default registry on first use");
    let labels: Vec<Vec<(String, String)>> = family
        .get_metric()
        .iter()
        .map(|m| m.get_label().iter().map(|l| (l.name().to_string(), l.value().to_string())).collect())
        .collect();
    assert!(labels.contains(&vec![
        ("callable".to_string(), "inventory::count".to_string()),
        ("error_type".to_string(), io_type.to_string()),
    ]));
    reset_hooks();
}

/// An event: its level, target and fields.
type Event = (tracing::Level, String, BTreeMap<String, String>);

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Event>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let meta = event.metadata();
        self.0.lock().unwrap().push((*meta.level(), meta.target().to_string(), fields));
    }
}

#[test]
fn a_warn_event_says_the_budget_is_exhausted() {
    let _serial = serial();
    reset_hooks();
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    tracing::subscriber::with_default(subscriber, || {
        let _ = always_failing(&policy("orders::submit", 1));
    });
    let events = capture.0.lock().unwrap().clone();
    let messages: Vec<&str> = events.iter().map(|(_, _, f)| f["message"].as_str()).collect();
    assert_eq!(messages, ["retry scheduled", "retry refused: budget exhausted", "retrying gave up"]);
    let (level, target, fields) = &events[1];
    assert_eq!((*level, target.as_str()), (tracing::Level::WARN, "retry_core"));
    assert_eq!(fields["callable"], "orders::submit");
    assert_eq!(fields["retry_num"], "2");
    assert_eq!(fields["waited_so_far"], "0.1");
    assert!(fields["caused_by"].contains("failure 2"), "{fields:?}");
    assert_eq!(fields["error_type"], std::any::type_name::<io::Error>());
    // The call had retried once before the refusal: it gave up, for the budget.
    let (level, target, fields) = &events[2];
    assert_eq!((*level, target.as_str()), (tracing::Level::WARN, "retry_core"));
    assert_eq!(fields["reason"], "budget");
    assert_eq!(fields["attempts"], "2");
    assert_eq!(fields["waited"], "0.1");
    assert!(fields["caused_by"].contains("failure 2"), "{fields:?}");
    reset_hooks();
}
