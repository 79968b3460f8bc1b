//! The `retries_total` Prometheus counter.
//!
//! One counter, labels `callable`, `retry_num` and `error_type`, incremented once
//! per scheduled retry. It goes into the prometheus crate's default registry on
//! first use, unless [`register`] put it into a registry of yours first.

use super::{RetryDetails, RetryHook};
use prometheus::{IntCounterVec, Opts, Registry};
use std::sync::OnceLock;

/// The metric's name.
pub const RETRIES_TOTAL: &str = "retries_total";
/// Its labels, in order.
pub const LABELS: [&str; 3] = ["callable", "retry_num", "error_type"];

static COUNTER: OnceLock<IntCounterVec> = OnceLock::new();

fn new_counter() -> IntCounterVec {
    IntCounterVec::new(
        Opts::new(RETRIES_TOTAL, "Retries scheduled, by callable, retry number and error type."),
        &LABELS,
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

/// Registers the counter in `registry` instead of the default one.
///
/// Call it before the first retry to keep the counter out of the default
/// registry; called later, it adds the same counter to `registry` as well.
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
    registry.register(Box::new(counter.clone()))
}

/// The hook that counts retries in [`retries_total`].
#[derive(Clone, Copy, Debug, Default)]
pub struct PrometheusHook;

impl RetryHook for PrometheusHook {
    fn on_retry(&self, details: &RetryDetails<'_>) {
        let mut buffer = itoa_buffer();
        let retry_num = format_u32(details.retry_num, &mut buffer);
        retries_total().with_label_values(&[details.name, retry_num, details.error_type]).inc();
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
