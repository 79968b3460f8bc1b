//! The `retries_total` and `retries_budget_exhausted_total` Prometheus counters.
//!
//! `retries_total`, labels `callable`, `retry_num` and `error_type`, is
//! incremented once per scheduled retry; `retries_budget_exhausted_total`, labels
//! `callable` and `error_type`, once per retry a [budget](crate::budget) refused.
//! Each goes into the prometheus crate's default registry on first use, unless
//! [`register`] put them into a registry of yours first.

use super::{RetryDetails, RetryHook};
use prometheus::{IntCounterVec, Opts, Registry};
use std::sync::OnceLock;

/// The metric's name.
pub const RETRIES_TOTAL: &str = "retries_total";
/// Its labels, in order.
pub const LABELS: [&str; 3] = ["callable", "retry_num", "error_type"];

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

static COUNTER: OnceLock<IntCounterVec> = OnceLock::new();
static BUDGET_EXHAUSTED: OnceLock<IntCounterVec> = OnceLock::new();

fn new_counter() -> IntCounterVec {
    IntCounterVec::new(
        Opts::new(RETRIES_TOTAL, "Retries scheduled, by callable, retry number and error type."),
        &LABELS,
    )
    .expect("the metric name and labels are valid")
}

fn new_budget_counter() -> IntCounterVec {
    IntCounterVec::new(
        Opts::new(
            RETRIES_BUDGET_EXHAUSTED_TOTAL,
            "Retries refused because the retry budget was empty, by callable and error type.",
        ),
        &BUDGET_EXHAUSTED_LABELS,
    )
    .expect("the metric name and labels are valid")
}

/// The counter, registered in the default registry if this is its first use.
///
/// ```
/// let counter = retry_core::instrument::prometheus::retries_total();
/// let before = counter.with_label_values(&["doc::example", "1", "io"]).get();
/// counter.with_label_values(&["doc::example", "1", "io"]).inc();
/// assert_eq!(counter.with_label_values(&["doc::example", "1", "io"]).get(), before + 1);
/// ```
pub fn retries_total() -> &'static IntCounterVec {
    COUNTER.get_or_init(|| {
        let counter = new_counter();
        // An error here means a collector of the same name is already in the
        // default registry; the counter still counts, it is just not exported twice.
        let _ = prometheus::default_registry().register(Box::new(counter.clone()));
        counter
    })
}

/// The counter of retries refused by a budget, registered in the default
/// registry if this is its first use.
///
/// ```
/// let counter = retry_core::instrument::prometheus::retries_budget_exhausted_total();
/// let before = counter.with_label_values(&["doc::example", "io"]).get();
/// counter.with_label_values(&["doc::example", "io"]).inc();
/// assert_eq!(counter.with_label_values(&["doc::example", "io"]).get(), before + 1);
/// ```
pub fn retries_budget_exhausted_total() -> &'static IntCounterVec {
    BUDGET_EXHAUSTED.get_or_init(|| {
        let counter = new_budget_counter();
        // As above: a clash with an existing collector leaves it unexported twice.
        let _ = prometheus::default_registry().register(Box::new(counter.clone()));
        counter
    })
}

/// Registers both counters in `registry` instead of the default one.
///
/// Call it before the first retry to keep the counters out of the default
/// registry; called later, it adds the same counters to `registry` as well.
///
/// ```
/// let registry = prometheus::Registry::new();
/// retry_core::instrument::prometheus::register(&registry)?;
/// # Ok::<(), prometheus::Error>(())
/// ```
///
/// # Errors
///
/// The registry's own error, e.g. if it already holds a `retries_total`.
pub fn register(registry: &Registry) -> prometheus::Result<()> {
    let counter = COUNTER.get_or_init(new_counter);
    registry.register(Box::new(counter.clone()))?;
    let budget_counter = BUDGET_EXHAUSTED.get_or_init(new_budget_counter);
    registry.register(Box::new(budget_counter.clone()))
}

/// The hook that counts retries in [`retries_total`] and refused retries in
/// [`retries_budget_exhausted_total`].
#[derive(Clone, Copy, Debug, Default)]
pub struct PrometheusHook;

impl RetryHook for PrometheusHook {
    fn on_retry(&self, details: &RetryDetails<'_>) {
        let mut buffer = itoa_buffer();
        let retry_num = format_u32(details.retry_num, &mut buffer);
        retries_total().with_label_values(&[details.name, retry_num, details.error_type]).inc();
    }

    fn on_budget_exhausted(&self, details: &RetryDetails<'_>) {
        retries_budget_exhausted_total().with_label_values(&[details.name, details.error_type]).inc();
    }
}

fn itoa_buffer() -> [u8; 10] {
    [0; 10]
}

/// Formats without allocating: this runs on every retry.
fn format_u32(mut n: u32, buffer: &mut [u8; 10]) -> &str {
    let mut i = buffer.len();
    loop {
        i -= 1;
        buffer[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buffer[i..]).expect("ASCII digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        for n in [0, 1, 9, 10, 4096, u32::MAX] {
            assert_eq!(format_u32(n, &mut itoa_buffer()), n.to_string());
        }
    }
}
