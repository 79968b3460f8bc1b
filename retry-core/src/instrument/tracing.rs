//! A tracing WARN event per scheduled retry, per give-up and per refused retry.

use super::{GiveUpDetails, RetryDetails, RetryHook};

/// The event's target.
pub const TARGET: &str = "retry_core";

/// Emits one WARN event, target `retry_core`, per scheduled retry, with fields
/// `callable`, `retry_num`, `wait_for` and `waited_so_far` (seconds, as floats),
/// `caused_by` (the error's `Debug`) and `error_type`; one WARN event,
/// "retry refused: budget exhausted", when a retry budget refuses a retry; and
/// one WARN event, "retrying gave up", when a call that retried returns its
/// last error.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingHook;

impl RetryHook for TracingHook {
    fn on_retry(&self, d: &RetryDetails<'_>) {
        tracing::warn!(
            target: "retry_core",
            callable = d.name,
            retry_num = d.retry_num,
            wait_for = d.wait_for.as_secs_f64(),
            waited_so_far = d.waited_so_far.as_secs_f64(),
            caused_by = ?d.caused_by,
            error_type = d.error_type,
            "retry scheduled"
        );
    }

    /// One WARN event, target `retry_core`, when a budget refuses a retry:
    /// fields `callable`, `retry_num` (the refused retry), `waited_so_far`,
    /// `caused_by` and `error_type`.
    fn on_budget_exhausted(&self, d: &RetryDetails<'_>) {
        tracing::warn!(
            target: "retry_core",
            callable = d.name,
            retry_num = d.retry_num,
            waited_so_far = d.waited_so_far.as_secs_f64(),
            caused_by = ?d.caused_by,
            error_type = d.error_type,
            "retry refused: budget exhausted"
        );
    }

    /// One WARN event, target `retry_core`, message "retrying gave up", per call
    /// that failed after at least one retry: fields `callable`, `attempts` (made,
    /// the first included), `waited` (seconds slept), `caused_by`, `error_type`
    /// and `reason` (`attempts`, `deadline` or `budget`).
    fn on_give_up(&self, d: &GiveUpDetails<'_>) {
        tracing::warn!(
            target: "retry_core",
            callable = d.name,
            attempts = d.attempts,
            waited = d.waited.as_secs_f64(),
            caused_by = ?d.caused_by,
            error_type = d.error_type,
            reason = d.reason.as_str(),
            "retrying gave up"
        );
    }
}
