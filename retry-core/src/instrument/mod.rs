//! Instrumentation: hooks that run once per scheduled retry.
//!
//! A hook runs after a failure that will be retried and before the wait; never on
//! success and never on the final failure. The defaults are the Prometheus
//! counter (feature `prometheus`) and a tracing WARN event (feature `tracing`).
//! They are set up lazily, on the first retry of the process, so a program that
//! never retries never touches them.
//!
//! A retry that a [budget](crate::budget) refuses is not scheduled: instead the
//! hooks' [`RetryHook::on_budget_exhausted`] runs (the counter
//! `retries_budget_exhausted_total` and a WARN event), and the call returns its
//! last error.

#[cfg(feature = "prometheus")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
pub mod prometheus;
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub mod tracing;

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

/// What a hook learns about one scheduled retry (or, in
/// [`RetryHook::on_budget_exhausted`], about the retry a budget refused).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct RetryDetails<'a> {
    /// The retried callable: `module::path::function`, `module::Type::method`, the
    /// policy's name, or `"<block>"`.
    pub name: &'a str,
    /// 1 for the retry after the first failure.
    pub retry_num: u32,
    /// The wait about to start.
    pub wait_for: Duration,
    /// The sum of the waits before this one.
    pub waited_so_far: Duration,
    /// The error that caused the retry.
    pub caused_by: &'a dyn fmt::Debug,
    /// The Rust type name of that error.
    pub error_type: &'static str,
}

/// Something to run on every scheduled retry.
///
/// Closures taking `&RetryDetails` are hooks:
///
/// ```
/// use retry_core::instrument::{RetryDetails, RetryHook, set_hooks};
/// use std::sync::Arc;
///
/// let log: Arc<dyn RetryHook> = Arc::new(|d: &RetryDetails<'_>| eprintln!("retry {} of {}", d.retry_num, d.name));
/// set_hooks([log]);
/// # retry_core::instrument::reset_hooks();
/// ```
pub trait RetryHook: Send + Sync {
    /// Called once per scheduled retry.
    fn on_retry(&self, details: &RetryDetails<'_>);

    /// Called when a [retry budget](crate::budget) refuses a retry, so the call
    /// returns its last error at once. `details` describe the refused retry:
    /// `wait_for` is the wait it would have had. The default does nothing.
    ///
    /// ```
    /// use retry_core::instrument::{RetryDetails, RetryHook};
    ///
    /// struct Alarm;
    /// impl RetryHook for Alarm {
    ///     fn on_retry(&self, _: &RetryDetails<'_>) {}
    ///     fn on_budget_exhausted(&self, d: &RetryDetails<'_>) {
    ///         eprintln!("{}: retry {} refused, the budget is empty", d.name, d.retry_num);
    ///     }
    /// }
    /// # let _ = Alarm;
    /// ```
    fn on_budget_exhausted(&self, details: &RetryDetails<'_>) {
        let _ = details;
    }
}

impl<F: Fn(&RetryDetails<'_>) + Send + Sync> RetryHook for F {
    fn on_retry(&self, details: &RetryDetails<'_>) {
        self(details)
    }
}

type Hooks = Arc<[Arc<dyn RetryHook>]>;

const DEFAULTS_PENDING: u8 = 0;
const SET: u8 = 1;
const DISABLED: u8 = 2;

/// `DISABLED` lets a retry skip the lock entirely when hooks are off.
static STATE: AtomicU8 = AtomicU8::new(DEFAULTS_PENDING);
static HOOKS: RwLock<Option<Hooks>> = RwLock::new(None);

/// Replaces the hooks. An empty list switches instrumentation off.
pub fn set_hooks(hooks: impl IntoIterator<Item = Arc<dyn RetryHook>>) {
    let hooks: Hooks = hooks.into_iter().collect();
    let state = if hooks.is_empty() { DISABLED } else { SET };
    *HOOKS.write().unwrap_or_else(PoisonError::into_inner) = Some(hooks);
    STATE.store(state, Ordering::Release);
}

/// Switches instrumentation off: retries run no hook at all.
///
/// ```
/// use retry_core::instrument::{active_hooks, disable_hooks, reset_hooks};
///
/// disable_hooks();
/// assert_eq!(active_hooks().len(), 0);
/// reset_hooks();
/// ```
pub fn disable_hooks() {
    set_hooks([]);
}

/// Goes back to the default hooks, set up again on the next retry.
pub fn reset_hooks() {
    *HOOKS.write().unwrap_or_else(PoisonError::into_inner) = None;
    STATE.store(DEFAULTS_PENDING, Ordering::Release);
}

/// The hooks the enabled features provide: Prometheus, then tracing.
///
/// ```
/// let n = retry_core::instrument::default_hooks().len();
/// assert_eq!(n, usize::from(cfg!(feature = "prometheus")) + usize::from(cfg!(feature = "tracing")));
/// ```
pub fn default_hooks() -> Vec<Arc<dyn RetryHook>> {
    let prometheus: Option<Arc<dyn RetryHook>> = {
        #[cfg(feature = "prometheus")]
        {
            Some(Arc::new(prometheus::PrometheusHook))
        }
        #[cfg(not(feature = "prometheus"))]
        {
            None
        }
    };
    let tracing: Option<Arc<dyn RetryHook>> = {
        #[cfg(feature = "tracing")]
        {
            Some(Arc::new(tracing::TracingHook))
        }
        #[cfg(not(feature = "tracing"))]
        {
            None
        }
    };
    prometheus.into_iter().chain(tracing).collect()
}

/// The hooks that the next retry will run (setting up the defaults if needed).
pub fn active_hooks() -> Hooks {
    if let Some(hooks) = HOOKS.read().unwrap_or_else(PoisonError::into_inner).as_ref() {
        return hooks.clone();
    }
    let mut slot = HOOKS.write().unwrap_or_else(PoisonError::into_inner);
    let hooks = slot.get_or_insert_with(|| default_hooks().into()).clone();
    // Only the first setter decides; a concurrent set_hooks already stored its own state.
    let state = if hooks.is_empty() { DISABLED } else { SET };
    let _ = STATE.compare_exchange(DEFAULTS_PENDING, state, Ordering::AcqRel, Ordering::Acquire);
    hooks
}

/// Whether a retry would run any hook; one atomic load when hooks are off.
#[inline]
pub(crate) fn enabled() -> bool {
    STATE.load(Ordering::Acquire) != DISABLED
}

/// Runs the hooks. The list is cloned out of the lock first, so a hook may itself
/// call [`set_hooks`] without deadlocking.
pub(crate) fn run(details: &RetryDetails<'_>) {
    for hook in active_hooks().iter() {
        hook.on_retry(details);
    }
}

/// Runs the hooks' [`RetryHook::on_budget_exhausted`].
pub(crate) fn run_budget_exhausted(details: &RetryDetails<'_>) {
    for hook in active_hooks().iter() {
        hook.on_budget_exhausted(details);
    }
}

/// The type name of an error, as hooks and metrics see it.
pub(crate) fn error_type_name<E>() -> &'static str {
    std::any::type_name::<E>()
}
