//! The Prometheus counters: `retries_total`, `retry_gave_up_total` and
//! `retries_budget_exhausted_total`.
//!
//! | counter | labels | moves |
//! |---|---|---|
//! | `retries_total` | `callable`, `retry_num`, `error_type` | once per scheduled retry |
//! | `retry_gave_up_total` | `callable`, `error_type`, `reason` | once per call that failed after at least one retry |
//! | `retries_budget_exhausted_total` | `callable`, `error_type` | once per retry a [budget](crate::budget) refused |
//!
//! Every series a callable can produce exists at 0 from its declaration on (by
//! the end of its first call, or at start-up with
//! [`declare`](crate::instrument::declare)), so that `increase()` and `rate()`
//! see its first outage. `retry_num` takes at most 10 values
//! ([`retry_num_label`]).
//!
//! The counters go into the prometheus crate's default registry on first use,
//! unless [`register`] put them into a registry of yours first. If the default
//! registry already holds a metric of one of these names, none of them goes
//! there: they go into [`fallback_registry`], the clash is logged once (a tracing
//! ERROR, target `retry_core`) and [`registration_error`] returns it.

use super::{CallableDetails, GiveUpDetails, RetryDetails, RetryHook, retry_num_label, retry_num_labels};
use prometheus::{IntCounterVec, Opts, Registry};
use std::sync::OnceLock;

/// The name of the counter of scheduled retries.
pub const RETRIES_TOTAL: &str = "retries_total";
/// Its labels, in order.
pub const LABELS: [&str; 3] = ["callable", "retry_num", "error_type"];

/// The name of the counter of calls that gave up after at least one retry.
///
/// ```
/// use retry_core::instrument::prometheus::{GAVE_UP_LABELS, RETRY_GAVE_UP_TOTAL};
///
/// assert_eq!(RETRY_GAVE_UP_TOTAL, "retry_gave_up_total");
/// assert_eq!(GAVE_UP_LABELS, ["callable", "error_type", "reason"]);
/// ```
pub const RETRY_GAVE_UP_TOTAL: &str = "retry_gave_up_total";
/// Its labels, in order; `reason` is `attempts`, `deadline` or `budget`.
pub const GAVE_UP_LABELS: [&str; 3] = ["callable", "error_type", "reason"];

/// The name of the counter of retries refused by a budget.
///
/// ```
/// use retry_core::instrument::prometheus::{RETRIES_BUDGET_EXHAUSTED_TOTAL, retries_budget_exhausted_total};
///
/// let counter = retries_budget_exhausted_total().with_label_values(&["doc::name", "io"]);
/// assert_eq!(RETRIES_BUDGET_EXHAUSTED_TOTAL, "retries_budget_exhausted_total");
/// # let _ = counter;
/// ```
pub const RETRIES_BUDGET_EXHAUSTED_TOTAL: &str = "retries_budget_exhausted_total";
/// Its labels, in order.
///
/// ```
/// use retry_core::instrument::prometheus::BUDGET_EXHAUSTED_LABELS;
///
/// assert_eq!(BUDGET_EXHAUSTED_LABELS, ["callable", "error_type"]);
/// ```
pub const BUDGET_EXHAUSTED_LABELS: [&str; 2] = ["callable", "error_type"];

/// The three counters, created and registered together.
struct Counters {
    retries: IntCounterVec,
    gave_up: IntCounterVec,
    budget_exhausted: IntCounterVec,
}

static COUNTERS: OnceLock<Counters> = OnceLock::new();
static CLASH: OnceLock<prometheus::Error> = OnceLock::new();
static FALLBACK: OnceLock<Registry> = OnceLock::new();

impl Counters {
    fn new() -> Self {
        let counter = |name, help, labels: &[&str]| {
            IntCounterVec::new(Opts::new(name, help), labels).expect("the metric names and labels are valid")
        };
        Counters {
            retries: counter(RETRIES_TOTAL, "Retries scheduled, by callable, retry number and error type.", &LABELS),
            gave_up: counter(
                RETRY_GAVE_UP_TOTAL,
                "Calls that failed after at least one retry, by callable, error type and reason.",
                &GAVE_UP_LABELS,
            ),
            budget_exhausted: counter(
                RETRIES_BUDGET_EXHAUSTED_TOTAL,
                "Retries refused because the retry budget was empty, by callable and error type.",
                &BUDGET_EXHAUSTED_LABELS,
            ),
        }
    }

    fn all(&self) -> [&IntCounterVec; 3] {
        [&self.retries, &self.gave_up, &self.budget_exhausted]
    }

    /// Registers all three in `registry`, or none: on an error the ones already
    /// registered are taken out again.
    fn register_into(&self, registry: &Registry) -> prometheus::Result<()> {
        for (i, counter) in self.all().into_iter().enumerate() {
            if let Err(error) = registry.register(Box::new(counter.clone())) {
                for registered in &self.all()[..i] {
                    let _ = registry.unregister(Box::new((*registered).clone()));
                }
                return Err(error);
            }
        }
        Ok(())
    }

    /// Registers in the default registry; on a clash, in the fallback registry,
    /// and says so once.
    fn register_default(&self) {
        let Err(error) = self.register_into(prometheus::default_registry()) else { return };
        let fallback = FALLBACK.get_or_init(Registry::new);
        self.register_into(fallback).expect("a new registry holds no clashing metric");
        #[cfg(feature = "tracing")]
        tracing::error!(
            target: "retry_core",
            error = %error,
            "retry-core's counters clash with a metric already in prometheus's default registry, \
             so they are not exported from it: gather retry_core::instrument::prometheus::fallback_registry() \
             as well, or call register() with a registry of yours before the first retrying call"
        );
        let _ = CLASH.set(error);
    }
}

fn counters() -> &'static Counters {
    COUNTERS.get_or_init(|| {
        let counters = Counters::new();
        counters.register_default();
        counters
    })
}

/// The counter of scheduled retries, registered (in the default registry) if
/// this is its first use.
///
/// ```
/// let counter = retry_core::instrument::prometheus::retries_total();
/// let before = counter.with_label_values(&["doc::example", "1", "io"]).get();
/// counter.with_label_values(&["doc::example", "1", "io"]).inc();
/// assert_eq!(counter.with_label_values(&["doc::example", "1", "io"]).get(), before + 1);
/// ```
#[must_use]
pub fn retries_total() -> &'static IntCounterVec {
    &counters().retries
}

/// The counter of calls that gave up after at least one retry, registered if
/// this is its first use.
///
/// ```
/// let counter = retry_core::instrument::prometheus::retry_gave_up_total();
/// assert_eq!(counter.with_label_values(&["doc::example", "io", "deadline"]).get(), 0);
/// ```
#[must_use]
pub fn retry_gave_up_total() -> &'static IntCounterVec {
    &counters().gave_up
}

/// The counter of retries refused by a budget, registered if this is its
/// first use.
///
/// ```
/// let counter = retry_core::instrument::prometheus::retries_budget_exhausted_total();
/// let before = counter.with_label_values(&["doc::example", "io"]).get();
/// counter.with_label_values(&["doc::example", "io"]).inc();
/// assert_eq!(counter.with_label_values(&["doc::example", "io"]).get(), before + 1);
/// ```
#[must_use]
pub fn retries_budget_exhausted_total() -> &'static IntCounterVec {
    &counters().budget_exhausted
}

/// Registers the counters in `registry` instead of the default one: all of
/// them, or none.
///
/// Call it before the first retrying call to keep the counters out of the
/// default registry; called later, it adds the same counters to `registry` as
/// well. If it fails on its first use, the counters go to the default registry
/// as they would have without it, so nothing counts unexported.
///
/// ```
/// let registry = prometheus::Registry::new();
/// retry_core::instrument::prometheus::register(&registry)?;
/// let names: Vec<String> = registry.gather().iter().map(|f| f.name().to_owned()).collect();
/// # let _ = names;
/// # Ok::<(), prometheus::Error>(())
/// ```
///
/// # Errors
///
/// The registry's own error, e.g. if it already holds a `retries_total`; then
/// none of the counters was registered in it.
pub fn register(registry: &Registry) -> prometheus::Result<()> {
    let mut created = false;
    let counters = COUNTERS.get_or_init(|| {
        created = true;
        Counters::new()
    });
    let result = counters.register_into(registry);
    if created && result.is_err() {
        counters.register_default();
    }
    result
}

/// Why the counters are not in the default registry: a metric of the same name
/// was there first. `None` while nothing clashed (or before the first use).
///
/// ```
/// # let _ = retry_core::instrument::prometheus::retries_total();
/// assert!(retry_core::instrument::prometheus::registration_error().is_none());
/// ```
pub fn registration_error() -> Option<&'static prometheus::Error> {
    CLASH.get()
}

/// Where the counters went after a clash in the default registry; `None` if
/// there was none. Serve it beside the default registry (gather both).
///
/// ```
/// # let _ = retry_core::instrument::prometheus::retries_total();
/// assert!(retry_core::instrument::prometheus::fallback_registry().is_none());
/// ```
pub fn fallback_registry() -> Option<&'static Registry> {
    FALLBACK.get()
}

/// The hook behind the three counters: it creates a declared callable's series
/// at 0 and counts retries, give-ups and refused retries.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrometheusHook;

impl RetryHook for PrometheusHook {
    fn on_retry(&self, details: &RetryDetails<'_>) {
        let retry_num = retry_num_label(details.retry_num);
        retries_total().with_label_values(&[details.name, retry_num, details.error_type]).inc();
    }

    fn on_budget_exhausted(&self, details: &RetryDetails<'_>) {
        retries_budget_exhausted_total().with_label_values(&[details.name, details.error_type]).inc();
    }

    fn on_declare(&self, c: &CallableDetails<'_>) {
        let counters = counters();
        for retry_num in retry_num_labels(c.max_retries) {
            counters.retries.with_label_values(&[c.name, retry_num, c.error_type]);
        }
        for reason in c.give_up_reasons() {
            counters.gave_up.with_label_values(&[c.name, c.error_type, reason.as_str()]);
        }
        if c.has_budget {
            counters.budget_exhausted.with_label_values(&[c.name, c.error_type]);
        }
    }

    fn on_give_up(&self, d: &GiveUpDetails<'_>) {
        retry_gave_up_total().with_label_values(&[d.name, d.error_type, d.reason.as_str()]).inc();
    }
}
