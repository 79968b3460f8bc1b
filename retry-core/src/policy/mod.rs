//! [`Retry`]: a reusable retry policy for blocks and closures.

mod builder;
mod call;
mod redis;
mod refresh;
mod spawn;

pub use builder::RetryBuilder;

use crate::backoff::DefaultBackoff;
use crate::budget::{RetryBudget, SharedBudget};
use crate::engine::{CallableName, Declared};
use crate::instrument::{self, CallableDetails, RetryDetails};
use crate::matching::Unset;
use crate::sleep::{DefaultSleeper, ThreadSleeper};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Default `attempts`: 10, the first included.
pub const DEFAULT_ATTEMPTS: Option<u32> = Some(10);
/// Default `timeout`: 45 s, counted from the first failure.
pub const DEFAULT_TIMEOUT: Option<Duration> = Some(Duration::from_secs(45));

/// A retry policy: when to stop, how long to wait, and which errors to retry.
///
/// Build one with [`Retry::builder`] (the stamina-style knobs) or
/// [`Retry::new`] (redis-py's `Retry(backoff, retries)`), tell it which errors to
/// retry with [`on`](Retry::on), then run blocks with [`call`](Retry::call),
/// [`call_async`](Retry::call_async), [`call_with_retry`](Retry::call_with_retry)
/// or the two-level [`call_with_refresh`](Retry::call_with_refresh). A policy is
/// a plain value: build it once, share it by reference, use it from many threads.
///
/// ```
/// use retry_core::{Retry, error_type};
/// use std::{io, time::Duration};
///
/// let policy = Retry::builder()
///     .attempts(3)
///     .timeout(Duration::from_secs(5))
///     .wait_initial(Duration::from_millis(1))
///     .wait_jitter(Duration::ZERO)
///     .build()?
///     .on(error_type::<io::Error>());
///
/// let mut calls = 0;
/// let value = policy.call(|_| {
///     calls += 1;
///     if calls < 3 { Err(io::Error::other("flaky")) } else { Ok(calls) }
/// })?;
/// assert_eq!(value, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Retry<B = DefaultBackoff, O = Unset, S = DefaultSleeper, Z = ThreadSleeper> {
    pub(crate) attempts: Option<u32>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) backoff: B,
    pub(crate) on: O,
    pub(crate) sleeper: S,
    /// How sync calls block and tell the time: [`blocking_sleeper`](Retry::blocking_sleeper).
    pub(crate) blocking: Z,
    pub(crate) name: CallableName,
    pub(crate) seed: Option<u64>,
    pub(crate) budget: Option<SharedBudget>,
    /// Set for a named policy: whether its callable has been declared.
    pub(crate) declared: Option<Arc<Declared>>,
    /// The per-call hook of [`on_retry`](Retry::on_retry).
    #[allow(clippy::struct_field_names, reason = "named after the method that sets it, `Retry::on_retry`")]
    pub(crate) on_retry: Option<OnRetry>,
}

/// A per-policy hook: [`Retry::on_retry`], `#[retry(on_retry = ..)]`.
pub(crate) type OnRetry = Arc<dyn Fn(&RetryDetails<'_>) + Send + Sync>;

/// A policy to keep in a `static` or a struct field: a [`Retry`] whose `on` is a
/// plain function of the error, `fn(&E) -> bool`, so that its type can be
/// written. Where the type is known, `.on(|e| ..)` needs no annotation on `e`:
///
/// ```
/// use retry_core::{Policy, Retry};
/// use std::io;
/// use std::sync::LazyLock;
///
/// static DB: LazyLock<Policy<io::Error>> = LazyLock::new(|| {
///     Retry::builder().attempts(3).build().unwrap().on(|e| e.kind() == io::ErrorKind::TimedOut)
/// });
///
/// struct Client {
///     policy: Policy<io::Error>,
/// }
///
/// let client = Client { policy: Retry::default().on(|e| e.kind() == io::ErrorKind::ConnectionReset) };
/// assert_eq!(DB.max_attempts(), Some(3));
/// let mut calls = 0;
/// let _ = client.policy.call(|_| {
///     calls += 1;
///     Err::<(), _>(io::Error::from(io::ErrorKind::NotFound))
/// });
/// assert_eq!(calls, 1, "NotFound is not retried");
/// ```
///
/// Anywhere else the closure's argument type has to be written,
/// `.on(|e: &io::Error| ..)`: the policy learns its error type only when it is
/// called, after the closure was checked.
pub type Policy<E, B = DefaultBackoff, S = DefaultSleeper> = Retry<B, fn(&E) -> bool, S>;

impl Default for Retry {
    /// The defaults: 10 attempts, 45 s deadline, [`DefaultBackoff`].
    fn default() -> Self {
        Retry {
            attempts: DEFAULT_ATTEMPTS,
            timeout: DEFAULT_TIMEOUT,
            backoff: DefaultBackoff::default(),
            on: Unset,
            sleeper: DefaultSleeper::default(),
            blocking: ThreadSleeper,
            name: CallableName::BLOCK,
            seed: None,
            budget: None,
            declared: None,
            on_retry: None,
        }
    }
}

impl Retry {
    /// A builder starting from the defaults.
    pub fn builder() -> RetryBuilder {
        RetryBuilder::new()
    }
}

impl<B, O, S, Z> Retry<B, O, S, Z> {
    /// Retry the errors `on` accepts: an [`error_type`](crate::error_type), a tuple
    /// of [`error_types`](crate::error_types), or a closure `|e: &E| -> bool` (or
    /// `-> Decision`).
    pub fn on<O2>(self, on: O2) -> Retry<B, O2, S, Z> {
        Retry {
            attempts: self.attempts,
            timeout: self.timeout,
            backoff: self.backoff,
            on,
            sleeper: self.sleeper,
            blocking: self.blocking,
            name: self.name,
            seed: self.seed,
            budget: self.budget,
            declared: self.declared,
            on_retry: self.on_retry,
        }
    }

    /// Sleep with `sleeper` in async calls (another runtime, or a test clock).
    pub fn sleeper<S2>(self, sleeper: S2) -> Retry<B, O, S2, Z> {
        Retry {
            attempts: self.attempts,
            timeout: self.timeout,
            backoff: self.backoff,
            on: self.on,
            sleeper,
            blocking: self.blocking,
            name: self.name,
            seed: self.seed,
            budget: self.budget,
            declared: self.declared,
            on_retry: self.on_retry,
        }
    }

    /// The name hooks and metrics give calls of this policy (default `"<block>"`).
    #[must_use]
    pub fn name(mut self, name: impl Into<CallableName>) -> Self {
        self.name = name.into();
        self.declared = declared_for(&self.name);
        self
    }

    /// Draw jitter from a fixed seed, so that every call waits the same schedule.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Draw each retry from `budget`; when it is empty the call stops retrying
    /// and returns its last error at once. Every call deposits once.
    ///
    /// `budget` is an `Arc` of a [`RetryBudget`] or a `&'static` one (a `static`
    /// or a `LazyLock`): share one budget between all the calls to one backend.
    ///
    /// ```
    /// use retry_core::budget::{ManualClock, TpsBudget};
    /// use retry_core::{Retry, error_type};
    /// use std::{io, sync::Arc, time::Duration};
    ///
    /// // A window that grants a single retry.
    /// let budget = TpsBudget::with_clock(Duration::from_secs(10), 0, 1.0, ManualClock::new())?;
    /// let policy = Retry::builder()
    ///     .wait_initial(Duration::ZERO)
    ///     .wait_jitter(Duration::ZERO)
    ///     .build()?
    ///     .on(error_type::<io::Error>())
    ///     .budget(Arc::new(budget));
    ///
    /// let mut attempts = 0;
    /// let result: Result<(), io::Error> = policy.call(|_| {
    ///     attempts += 1;
    ///     Err(io::Error::other(format!("down ({attempts})")))
    /// });
    /// assert_eq!(result.unwrap_err().to_string(), "down (2)", "one retry, then the budget said no");
    /// # Ok::<(), retry_core::ConfigError>(())
    /// ```
    #[must_use]
    pub fn budget(mut self, budget: impl Into<SharedBudget>) -> Self {
        self.budget = Some(budget.into());
        self
    }

    /// Run `hook` at every retry this policy schedules, after the global hooks
    /// ([`instrument`]) and before the wait: backon's `notify`, for one policy
    /// (to print "retrying in 2 s", say) without touching the global hooks. It
    /// runs even when the global hooks are off ([`instrument::disable_hooks`]), and,
    /// like them, never on success, on the final failure, or when retrying is
    /// switched off. A second call replaces the first hook.
    ///
    /// ```
    /// use retry_core::{Retry, TestMode, error_type, set_testing};
    /// use std::{io, sync::{Arc, Mutex}};
    ///
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let seen = log.clone();
    /// let policy = Retry::builder()
    ///     .attempts(3)
    ///     .build()?
    ///     .on(error_type::<io::Error>())
    ///     .on_retry(move |retry| seen.lock().unwrap().push(format!("retry {}: {:?}", retry.retry_num, retry.caused_by)));
    /// let _fast = set_testing(TestMode::new(3));
    /// let _ = policy.call(|attempt| Err::<(), _>(io::Error::other(format!("down {}", attempt.num()))));
    /// assert_eq!(*log.lock().unwrap(), [
    ///     r#"retry 1: Custom { kind: Other, error: "down 1" }"#,
    ///     r#"retry 2: Custom { kind: Other, error: "down 2" }"#,
    /// ]);
    /// # Ok::<(), retry_core::ConfigError>(())
    /// ```
    #[must_use]
    pub fn on_retry(mut self, hook: impl Fn(&RetryDetails<'_>) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(hook));
        self
    }

    /// Total attempts allowed, the first included (`None`: unlimited).
    pub fn max_attempts(&self) -> Option<u32> {
        self.attempts
    }

    /// The deadline, counted from the first failure (`None`: none).
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The backoff strategy.
    pub fn backoff(&self) -> &B {
        &self.backoff
    }

    /// Records a call with the budget, if any. Every entry point calls it once.
    /// Declares this policy's callable with error type `E` to the hooks
    /// ([`instrument::declare`]): with the default hooks, every Prometheus series
    /// its calls can produce exists at 0 from now on. A named policy does this
    /// itself on its first call; call it at start-up for a process whose first
    /// call may land in an outage. Declaring twice is harmless.
    ///
    /// ```
    /// use retry_core::{Retry, error_type};
    /// use std::io;
    ///
    /// let policy = Retry::builder().attempts(3).name("app::db::save").build()?.on(error_type::<io::Error>());
    /// policy.declare::<io::Error>();
    /// let series = retry_core::instrument::prometheus::retries_total().with_label_values(&[
    ///     "app::db::save",
    ///     "2",
    ///     std::any::type_name::<io::Error>(),
    /// ]);
    /// assert_eq!(series.get(), 0);
    /// # Ok::<(), retry_core::ConfigError>(())
    /// ```
    pub fn declare<E>(&self) {
        self.name.with_str(|name| {
            instrument::declare(&CallableDetails {
                name,
                error_type: instrument::error_type_name::<E>(),
                max_retries: self.attempts.map(|attempts| attempts.saturating_sub(1)),
                has_deadline: self.timeout.is_some(),
                has_budget: self.budget.is_some(),
            });
        });
    }

    /// What every call of a policy does before its first attempt: record the call
    /// with the budget, and declare a named policy's callable on its first call.
    #[inline]
    pub(crate) fn begin<E>(&self) {
        if let Some(declared) = &self.declared
            && !declared.is_done()
        {
            declared.declare::<E, _, _, _, _>(self);
        }
        self.deposit();
    }

    /// This policy for one call of an integration: the same limits, backoff,
    /// sleeper and budget, with the integration's `on` and callable name. The
    /// integration declares its callables itself.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn for_call<O2>(&self, on: O2, name: &'static str) -> Retry<&B, O2, &S> {
        Retry {
            attempts: self.attempts,
            timeout: self.timeout,
            backoff: &self.backoff,
            on,
            sleeper: &self.sleeper,
            blocking: ThreadSleeper,
            name: CallableName::from(name),
            seed: self.seed,
            budget: self.budget.clone(),
            declared: None,
            on_retry: self.on_retry.clone(),
        }
    }

    pub(crate) fn deposit(&self) {
        if let Some(budget) = &self.budget {
            budget.deposit();
        }
    }
}

impl<B: fmt::Debug, O, S, Z> fmt::Debug for Retry<B, O, S, Z> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("attempts", &self.attempts)
            .field("timeout", &self.timeout)
            .field("backoff", &self.backoff)
            .field("on", &std::any::type_name::<O>())
            .field("name", &self.name)
            .field("seed", &self.seed)
            .field("budget", &self.budget)
            .field("on_retry", &self.on_retry.as_ref().map(|_| "<hook>"))
            .finish_non_exhaustive()
    }
}

/// Builds the policy of an annotated function; the attribute validated the values.
#[doc(hidden)]
pub fn from_attribute<B, O, S>(
    attempts: Option<u32>,
    timeout: Option<Duration>,
    backoff: B,
    on: O,
    sleeper: S,
    name: CallableName,
) -> Retry<B, O, S> {
    Retry {
        attempts,
        timeout,
        backoff,
        on,
        sleeper,
        blocking: ThreadSleeper,
        name,
        seed: None,
        budget: None,
        declared: None,
        on_retry: None,
    }
}

/// The declaration flag of a policy named `name`; none for an unnamed block,
/// whose `"<block>"` series would mix every unnamed policy of the process.
pub(crate) fn declared_for(name: &CallableName) -> Option<Arc<Declared>> {
    let unnamed = matches!(name, CallableName::Text(text) if *text == *CallableName::BLOCK_NAME);
    (!unnamed).then(|| Arc::new(Declared::new()))
}
