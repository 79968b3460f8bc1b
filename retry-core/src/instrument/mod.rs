//! Instrumentation: hooks that run once per scheduled retry.
//!
//! A hook runs after a failure that will be retried and before the wait; never on
//! success and never on the final failure. The defaults are the Prometheus
//! counter (feature `prometheus`) and a tracing WARN event (feature `tracing`).
//! They are set up lazily, at the first call of the process's first retrying
//! function or named policy (which declares its series, below), so a program
//! that never retries never touches them.
//!
//! A retry that a [budget](crate::budget) refuses is not scheduled: instead the
//! hooks' [`RetryHook::on_budget_exhausted`] runs (the counter
//! `retries_budget_exhausted_total` and a WARN event), and the call returns its
//! last error.
//!
//! Two more moments reach the hooks, so that an alert can rely on them:
//! - [`RetryHook::on_declare`], once per callable, by the end of its first call
//!   (or at start-up, through [`declare`]): the Prometheus hook creates every
//!   series the callable can produce, at 0, so that `increase()` sees the first
//!   outage. It is the first moment the default hooks are set up.
//! - [`RetryHook::on_give_up`], once per call that fails after at least one
//!   retry, with the reason ([`GiveUpReason`]).
//!
//! The metrics, their labels and PromQL for them are described in `docs/metrics.md`.

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

/// Something to run on every scheduled retry (and, optionally, when a callable
/// is declared, when a call gives up, and when a budget refuses a retry).
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

    /// Called once per callable before its first retry can be counted: by the end
    /// of its first call, or at start-up through [`declare`]. The default does
    /// nothing; the Prometheus hook creates the callable's series at 0.
    ///
    /// ```
    /// use retry_core::instrument::{CallableDetails, RetryDetails, RetryHook};
    ///
    /// struct Inventory;
    /// impl RetryHook for Inventory {
    ///     fn on_retry(&self, _: &RetryDetails<'_>) {}
    ///     fn on_declare(&self, c: &CallableDetails<'_>) {
    ///         eprintln!("{} may retry up to {:?} times", c.name, c.max_retries);
    ///     }
    /// }
    /// # let _ = Inventory;
    /// ```
    fn on_declare(&self, callable: &CallableDetails<'_>) {
        let _ = callable;
    }

    /// Called once when a call that retried at least once gives up and returns
    /// its last error: attempts used up, deadline reached, or the budget refused
    /// the next retry. An error that `on` rejects is never a give-up. The default
    /// does nothing.
    ///
    /// ```
    /// use retry_core::instrument::{GiveUpDetails, RetryDetails, RetryHook};
    ///
    /// struct Pager;
    /// impl RetryHook for Pager {
    ///     fn on_retry(&self, _: &RetryDetails<'_>) {}
    ///     fn on_give_up(&self, d: &GiveUpDetails<'_>) {
    ///         eprintln!("{} gave up after {} attempts ({})", d.name, d.attempts, d.reason);
    ///     }
    /// }
    /// # let _ = Pager;
    /// ```
    fn on_give_up(&self, details: &GiveUpDetails<'_>) {
        let _ = details;
    }
}

/// What a hook learns about a callable when it is declared
/// ([`RetryHook::on_declare`]): everything that decides which series it can produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallableDetails<'a> {
    /// The callable's name, as [`RetryDetails::name`] will give it.
    pub name: &'a str,
    /// The Rust type name of its error, as [`RetryDetails::error_type`] will give it.
    pub error_type: &'static str,
    /// The most retries one call can make: attempts - 1; `None` when unlimited.
    pub max_retries: Option<u32>,
    /// Whether a deadline (`timeout`) can end its calls.
    pub has_deadline: bool,
    /// Whether a retry budget can refuse its retries.
    pub has_budget: bool,
}

impl<'a> CallableDetails<'a> {
    /// A callable named `name` whose error type is `E`, with the default limits
    /// (10 attempts, a deadline, no budget); adjust with the methods below.
    ///
    /// ```
    /// use retry_core::instrument::CallableDetails;
    ///
    /// let c = CallableDetails::new::<std::io::Error>("db::save").max_retries(None);
    /// assert_eq!((c.name, c.error_type, c.max_retries), ("db::save", "std::io::error::Error", None));
    /// ```
    #[must_use]
    pub fn new<E>(name: &'a str) -> Self {
        CallableDetails {
            name,
            error_type: error_type_name::<E>(),
            max_retries: crate::DEFAULT_ATTEMPTS.map(|attempts| attempts - 1),
            has_deadline: true,
            has_budget: false,
        }
    }

    /// Sets the most retries per call (`None`: unlimited).
    #[must_use]
    pub fn max_retries(mut self, max_retries: Option<u32>) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets whether a deadline can end a call.
    #[must_use]
    pub fn deadline(mut self, has_deadline: bool) -> Self {
        self.has_deadline = has_deadline;
        self
    }

    /// Sets whether a retry budget can refuse a retry.
    #[must_use]
    pub fn budget(mut self, has_budget: bool) -> Self {
        self.has_budget = has_budget;
        self
    }

    /// The reasons a call of this callable can give up for, in a fixed order.
    ///
    /// ```
    /// use retry_core::instrument::{CallableDetails, GiveUpReason};
    ///
    /// let c = CallableDetails::new::<std::io::Error>("x").max_retries(None).budget(true);
    /// assert_eq!(c.give_up_reasons().collect::<Vec<_>>(), [GiveUpReason::Deadline, GiveUpReason::Budget]);
    /// assert_eq!(c.max_retries(Some(0)).give_up_reasons().count(), 0, "one attempt never gives up");
    /// ```
    pub fn give_up_reasons(&self) -> impl Iterator<Item = GiveUpReason> + use<> {
        // A callable that never retries (one attempt) can never give up.
        let retries = self.max_retries != Some(0);
        let possible = [self.max_retries.is_some(), self.has_deadline, self.has_budget];
        GiveUpReason::ALL
            .into_iter()
            .zip(possible)
            .filter_map(move |(reason, possible)| (retries && possible).then_some(reason))
    }
}

/// Why a call that retried gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The attempts were used up.
    Attempts,
    /// The next wait would have ended past the deadline.
    Deadline,
    /// The retry budget refused the next retry.
    Budget,
}

impl GiveUpReason {
    /// Every reason, in the order of [`CallableDetails::give_up_reasons`].
    pub const ALL: [GiveUpReason; 3] = [GiveUpReason::Attempts, GiveUpReason::Deadline, GiveUpReason::Budget];

    /// The label value: `attempts`, `deadline` or `budget`.
    ///
    /// ```
    /// assert_eq!(retry_core::instrument::GiveUpReason::Deadline.as_str(), "deadline");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            GiveUpReason::Attempts => "attempts",
            GiveUpReason::Deadline => "deadline",
            GiveUpReason::Budget => "budget",
        }
    }
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a hook learns about a call that gave up ([`RetryHook::on_give_up`]).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct GiveUpDetails<'a> {
    /// The callable, as in [`RetryDetails::name`].
    pub name: &'a str,
    /// The attempts the call made, the first included.
    pub attempts: u32,
    /// The sum of the waits it slept.
    pub waited: Duration,
    /// The last error, which the caller gets.
    pub caused_by: &'a dyn fmt::Debug,
    /// The Rust type name of that error.
    pub error_type: &'static str,
    /// Why it stopped.
    pub reason: GiveUpReason,
}

/// The label value `retry_num` takes for retry `n`: `"1"` to `"9"` as stamina
/// has them, and [`RETRY_NUM_OVERFLOW`] for every later retry, so that a callable
/// has at most 10 series per error type however many attempts it makes.
///
/// ```
/// use retry_core::instrument::retry_num_label;
///
/// assert_eq!(retry_num_label(1), "1");
/// assert_eq!(retry_num_label(9), "9");
/// assert_eq!(retry_num_label(10), "10+");
/// assert_eq!(retry_num_label(u32::MAX), "10+");
/// ```
#[must_use]
pub const fn retry_num_label(n: u32) -> &'static str {
    const LABELS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    if n < 10 { LABELS[n as usize] } else { RETRY_NUM_OVERFLOW }
}

/// The `retry_num` label value shared by retries 10 and later.
pub const RETRY_NUM_OVERFLOW: &str = "10+";

/// The `retry_num` label values a callable that makes at most `max_retries`
/// retries per call can produce (`None`: unlimited), in order.
///
/// ```
/// use retry_core::instrument::retry_num_labels;
///
/// assert_eq!(retry_num_labels(Some(2)).collect::<Vec<_>>(), ["1", "2"]);
/// assert_eq!(retry_num_labels(Some(9)).count(), 9);
/// assert_eq!(retry_num_labels(Some(300)).last(), Some("10+"));
/// assert_eq!(retry_num_labels(None).count(), 10);
/// ```
pub fn retry_num_labels(max_retries: Option<u32>) -> impl Iterator<Item = &'static str> {
    let last = max_retries.unwrap_or(u32::MAX).min(10);
    (1..=last).map(retry_num_label)
}

/// Runs the hooks' [`RetryHook::on_declare`] for `callable`: with the default
/// hooks, its Prometheus series exist at 0 from now on. A retrying function or
/// named policy does this itself by the end of its first call; call it at
/// start-up for a process whose first call may land in an outage (a series born
/// mid-outage hides that outage from `increase()`). Declaring twice is harmless.
///
/// ```
/// use retry_core::instrument::{CallableDetails, declare};
///
/// // What `#[retry(on = io::Error, attempts = 5)] fn save()` in module `app::db` will produce:
/// declare(&CallableDetails::new::<std::io::Error>("app::db::save").max_retries(Some(4)));
/// ```
///
/// For a [`Retry`](crate::Retry) policy, [`Retry::declare`](crate::Retry::declare)
/// fills the details in from the policy.
pub fn declare(callable: &CallableDetails<'_>) {
    for hook in active_hooks().iter() {
        hook.on_declare(callable);
    }
}

impl<F: Fn(&RetryDetails<'_>) + Send + Sync> RetryHook for F {
    fn on_retry(&self, details: &RetryDetails<'_>) {
        self(details);
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

/// Adds `hook` to the hooks in force, keeping the others: the default hooks
/// (Prometheus, tracing) if none were set, else those of [`set_hooks`]. After
/// [`disable_hooks`], `hook` is the only one.
///
/// ```
/// use retry_core::instrument::{RetryDetails, active_hooks, add_hook, default_hooks, reset_hooks};
///
/// add_hook(|retry: &RetryDetails<'_>| eprintln!("{} retries in {:?}", retry.name, retry.wait_for));
/// assert_eq!(active_hooks().len(), default_hooks().len() + 1, "the defaults stay");
/// reset_hooks();
/// ```
pub fn add_hook(hook: impl RetryHook + 'static) {
    let hook: Arc<dyn RetryHook> = Arc::new(hook);
    let mut slot = HOOKS.write().unwrap_or_else(PoisonError::into_inner);
    let hooks: Hooks = match slot.as_ref() {
        Some(hooks) => hooks.iter().cloned().chain([hook]).collect(),
        None => default_hooks().into_iter().chain([hook]).collect(),
    };
    *slot = Some(hooks);
    STATE.store(SET, Ordering::Release);
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
#[must_use]
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

/// Runs the hooks' [`RetryHook::on_give_up`].
pub(crate) fn run_give_up(details: &GiveUpDetails<'_>) {
    for hook in active_hooks().iter() {
        hook.on_give_up(details);
    }
}

/// The type name of an error, as hooks and metrics see it. A lifetime that is
/// the type's only parameter says nothing (`type_name` erases it to `'_`), so
/// it is left out: the tower layer's `Failure<'a>` is `retry_core::tower::Failure`.
pub(crate) fn error_type_name<E>() -> &'static str {
    let name = std::any::type_name::<E>();
    name.strip_suffix("<'_>").unwrap_or(name)
}
