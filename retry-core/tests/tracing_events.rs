//! One WARN event per scheduled retry, captured by a real subscriber.

use retry_core::{Retry, Scoped, TestMode, error_type};
use std::collections::BTreeMap;
use std::io;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

#[derive(Debug, Clone)]
struct Event {
    level: tracing::Level,
    target: String,
    fields: BTreeMap<String, String>,
}

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
        self.0.lock().unwrap().push(Event { level: *meta.level(), target: meta.target().to_string(), fields });
    }
}

#[test]
fn each_scheduled_retry_emits_one_warn_event_with_its_fields() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let policy = Retry::builder()
        .wait_initial(std::time::Duration::from_millis(1))
        .wait_jitter(std::time::Duration::ZERO)
        .build()
        .unwrap()
        .name("orders::submit")
        .on(error_type::<io::Error>());
    tracing::subscriber::with_default(subscriber, || {
        let mut made = 0;
        let _ = Scoped::new().testing(TestMode::new(3)).run(|| {
            policy.call(|_| -> Result<(), _> {
                made += 1;
                Err(io::Error::other(format!("refused {made}")))
            })
        });
        let _ = policy.call(|_| Ok::<_, io::Error>(()));
    });
    let mut events: Vec<Event> =
        capture.0.lock().unwrap().iter().filter(|e| e.target == "retry_core").cloned().collect();
    assert_eq!(events.len(), 3, "3 attempts = 2 scheduled retries and one give-up; success emits nothing");
    let gave_up = events.pop().unwrap();
    assert_eq!(gave_up.level, tracing::Level::WARN);
    assert_eq!(gave_up.fields["message"], "retrying gave up");
    assert_eq!(gave_up.fields["callable"], "orders::submit");
    assert_eq!(gave_up.fields["attempts"], "3");
    assert_eq!(gave_up.fields["waited"], "0");
    assert_eq!(gave_up.fields["reason"], "attempts");
    assert_eq!(gave_up.fields["error_type"], std::any::type_name::<io::Error>());
    assert!(gave_up.fields["caused_by"].contains("refused 3"), "{:?}", gave_up.fields);
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.level, tracing::Level::WARN);
        assert_eq!(e.fields["callable"], "orders::submit");
        assert_eq!(e.fields["retry_num"], (i + 1).to_string());
        assert_eq!(e.fields["wait_for"], "0", "testing mode makes waits zero");
        assert_eq!(e.fields["waited_so_far"], "0");
        assert!(e.fields["caused_by"].contains(&format!("refused {}", i + 1)), "{:?}", e.fields);
        assert_eq!(e.fields["error_type"], std::any::type_name::<io::Error>());
        assert_eq!(e.fields["message"], "retry scheduled");
    }
}
