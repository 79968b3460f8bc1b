//! A metric of the user's named `retries_total` already in the default registry:
//! the clash is reported once, and retry-core's counters stay exportable.

use retry_core::instrument::prometheus::{fallback_registry, registration_error};
use retry_core::{Retry, Scoped, TestMode, error_type};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

#[derive(Clone, Default)]
struct Errors(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> Layer<S> for Errors {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() == tracing::Level::ERROR && meta.target() == "retry_core" {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

fn total(registry: &prometheus::Registry, name: &str) -> Option<f64> {
    let families = registry.gather();
    let family = families.iter().find(|f| f.name() == name)?;
    Some(family.get_metric().iter().map(|m| m.get_counter().get_value() + m.get_gauge().get_value()).sum())
}

#[test]
fn a_clash_is_reported_once_and_counting_goes_on_in_the_fallback_registry() {
    let theirs = prometheus::IntGauge::new("retries_total", "The user's own gauge.").unwrap();
    prometheus::register(Box::new(theirs)).unwrap();

    let errors = Errors::default();
    let subscriber = tracing_subscriber::registry().with(errors.clone());
    let policy = Retry::default().name("clash::call").on(error_type::<io::Error>());
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..2 {
            let outcome = Scoped::new()
                .testing(TestMode::new(3))
                .run(|| policy.call(|_| -> Result<(), _> { Err(io::Error::other("down")) }));
            assert!(outcome.is_err());
        }
    });

    assert_eq!(errors.0.load(Ordering::Relaxed), 1, "one ERROR event, however many calls");
    let error = registration_error().expect("the clash is kept for the user to read");
    assert!(error.to_string().contains("retries_total") || matches!(error, prometheus::Error::AlreadyReg), "{error}");

    let default = prometheus::default_registry();
    assert_eq!(total(default, "retries_total"), Some(0.0), "theirs, untouched");
    assert_eq!(total(default, "retry_gave_up_total"), None, "all of ours or none of ours in the default registry");

    let fallback = fallback_registry().expect("ours went somewhere exportable");
    assert_eq!(total(fallback, "retries_total"), Some(4.0), "two calls of two retries");
    assert_eq!(total(fallback, "retry_gave_up_total"), Some(2.0));
}
