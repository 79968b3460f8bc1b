//! The subjects of every measurement in `docs/performance.md`: one body, called
//! plainly and through `#[retry]`, backon 1.x and tokio-retry2, and the switches
//! (testing mode, hooks, a discarding tracing subscriber) the measurements set.
//!
//! Every library runs the very same body function ([`body`], [`body_async`],
//! [`flaky`], [`flaky_async`], [`flaky_shared`]); what differs is only the
//! retrying around it. Inputs and outputs go through [`black_box`] in the callers
//! (benches and binaries), so nothing is computed at compile time.
//!
//! The policies are as close as the libraries allow: 10 attempts (9 retries),
//! exponential backoff from 100 ms with jitter (`#[retry]`'s default). For the
//! zero-wait measurements, backon and tokio-retry2 run a constant zero delay, and
//! `#[retry]` runs both testing mode (how its users get zero waits in tests) and
//! `backoff = NoBackoff` outside it (a production policy that does not wait).

// Clippy's pedantic group is on for the workspace (root `Cargo.toml`). Allowed
// for the whole crate, and why:
#![allow(
    clippy::inline_always,
    reason = "the bodies and the harness are inlined into each subject, so that what differs is only the retrying"
)]
#![allow(
    clippy::missing_errors_doc,
    reason = "every subject fails exactly when its body does, which `body` and `flaky` say"
)]

pub mod tower;

use backon::{BlockingRetryable, ConstantBuilder, ExponentialBuilder, Retryable};
use retry_core::backoff::NoBackoff;
use retry_core::retry;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use tokio_retry2::RetryError;
use tokio_retry2::strategy::{ExponentialFactorBackoff, FixedInterval};

/// The error of every subject: small, `Copy`, and free to make (no allocation),
/// so that what is measured is the retrying, not the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transient(pub u64);

impl fmt::Display for Transient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "transient failure {}", self.0)
    }
}

impl std::error::Error for Transient {}

/// The success-path body: fails only for an input the callers never pass.
///
/// The input goes through [`black_box`] inside the body, so the compiler cannot
/// tell that a second attempt would fail the same way (it would otherwise turn the
/// retry loop of a pure body into "retry until the attempts run out", a loop that
/// never succeeds, and flatter the success path).
#[inline(always)]
pub fn body(x: u64) -> Result<u64, Transient> {
    let x = black_box(x);
    if x == u64::MAX { Err(Transient(x)) } else { Ok(x.wrapping_add(1)) }
}

/// The async success-path body: one `.await` that could be pending, as in real
/// code (the compiler cannot tell that it never is), then [`body`].
#[inline(always)]
pub async fn body_async(x: u64) -> Result<u64, Transient> {
    let x = std::future::poll_fn(|_| if black_box(true) { Poll::Ready(x) } else { Poll::Pending }).await;
    body(x)
}

/// An async body that can never be pending: `std::future::ready(x).await`, then
/// [`body`]. The compiler sees through it and compiles a plain `async fn` around
/// it into a synchronous function; an annotated one keeps its state machine.
#[inline(always)]
pub async fn body_async_ready(x: u64) -> Result<u64, Transient> {
    let x = std::future::ready(x).await;
    body(x)
}

/// The failing body: fails while fewer than `fail` attempts were made, then succeeds.
#[inline(always)]
pub fn flaky(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    let n = calls.get() + 1;
    calls.set(n);
    if n <= fail { Err(Transient(u64::from(n))) } else { Ok(n) }
}

/// [`flaky`] behind one ready `.await`.
#[inline(always)]
pub async fn flaky_async(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    std::future::ready(()).await;
    flaky(calls, fail)
}

/// [`flaky`] for futures that must be `Send` (spawned tasks): an atomic counter.
#[inline(always)]
pub async fn flaky_shared(calls: &AtomicU32, fail: u32) -> Result<u32, Transient> {
    std::future::ready(()).await;
    let n = calls.fetch_add(1, Ordering::Relaxed) + 1;
    if n <= fail { Err(Transient(u64::from(n))) } else { Ok(n) }
}

/// backon's policy closest to `#[retry]`'s default: 9 retries, exponential from
/// 100 ms, capped at 45 s, jittered.
#[must_use]
pub fn backon_policy() -> ExponentialBuilder {
    ExponentialBuilder::new()
        .with_jitter()
        .with_min_delay(Duration::from_millis(100))
        .with_max_delay(Duration::from_secs(45))
        .with_max_times(9)
}

/// backon with zero delay and 9 retries (the per-retry measurements).
#[must_use]
pub fn backon_zero() -> ConstantBuilder {
    ConstantBuilder::new().with_delay(Duration::ZERO).with_max_times(9)
}

/// tokio-retry2's strategy closest to `#[retry]`'s default (it has no jitter
/// without its `jitter` feature): 9 retries, exponential from 100 ms, capped at 45 s.
pub fn tokio_retry2_policy() -> std::iter::Take<ExponentialFactorBackoff> {
    ExponentialFactorBackoff::from_millis(100, 2.0).max_delay(Duration::from_secs(45)).take(9)
}

/// tokio-retry2 with zero delay and 9 retries.
pub fn tokio_retry2_zero() -> std::iter::Take<FixedInterval> {
    FixedInterval::new(Duration::ZERO).take(9)
}

// ---------------------------------------------------------------- success path, sync

/// The plain function.
#[inline(never)]
pub fn plain_sync(x: u64) -> Result<u64, Transient> {
    body(x)
}

/// The annotated function.
#[inline(never)]
#[retry(on = Transient)]
pub fn ours_sync(x: u64) -> Result<u64, Transient> {
    body(x)
}

/// A body that is a call of a function that is not inlined, the usual shape of
/// real work (I/O, a client call): the plain function then needs a frame too.
#[inline(never)]
pub fn work(x: u64) -> Result<u64, Transient> {
    body(x)
}

/// The plain function around [`work`].
#[inline(never)]
pub fn plain_call_sync(x: u64) -> Result<u64, Transient> {
    let y = work(x)?;
    Ok(y.wrapping_add(black_box(1)))
}

/// The annotated function around [`work`].
#[inline(never)]
#[retry(on = Transient)]
pub fn ours_call_sync(x: u64) -> Result<u64, Transient> {
    let y = work(x)?;
    Ok(y.wrapping_add(black_box(1)))
}

/// A pure body, without the [`black_box`] of [`body`]: the compiler may see that
/// it fails the same way on every attempt. The best case of the success path.
#[inline(always)]
pub fn pure_body(x: u64) -> Result<u64, Transient> {
    if x == u64::MAX { Err(Transient(x)) } else { Ok(x.wrapping_add(1)) }
}

/// The plain function around [`pure_body`].
#[inline(never)]
pub fn plain_pure_sync(x: u64) -> Result<u64, Transient> {
    pure_body(x)
}

/// The annotated function around [`pure_body`].
#[inline(never)]
#[retry(on = Transient)]
pub fn ours_pure_sync(x: u64) -> Result<u64, Transient> {
    pure_body(x)
}

/// The default policy value, kept in a `static` as users keep one.
pub static POLICY: std::sync::LazyLock<
    retry_core::Retry<retry_core::backoff::DefaultBackoff, retry_core::matching::ErrorType<Transient>>,
> = std::sync::LazyLock::new(|| retry_core::Retry::default().on(retry_core::error_type::<Transient>()));

/// The body through a policy value, [`retry_core::Retry::call`].
#[inline(never)]
pub fn ours_policy_sync(x: u64) -> Result<u64, Transient> {
    POLICY.call(|_| body(x))
}

/// The body through backon's blocking retry.
#[inline(never)]
pub fn backon_sync(x: u64) -> Result<u64, Transient> {
    (|| body(x)).retry(backon_policy()).call()
}

// --------------------------------------------------------------- success path, async

/// The plain `async fn`.
pub async fn plain_async(x: u64) -> Result<u64, Transient> {
    body_async(x).await
}

/// The annotated `async fn`.
#[retry(on = Transient)]
pub async fn ours_async(x: u64) -> Result<u64, Transient> {
    body_async(x).await
}

/// The plain `async fn` around [`body_async_ready`].
pub async fn plain_async_ready(x: u64) -> Result<u64, Transient> {
    body_async_ready(x).await
}

/// The annotated `async fn` around [`body_async_ready`].
#[retry(on = Transient)]
pub async fn ours_async_ready(x: u64) -> Result<u64, Transient> {
    body_async_ready(x).await
}

/// A control, not a retry: [`plain_async_ready`] with a second `.await` that the
/// success path never reaches, holding a buffer that makes its future exactly as
/// large as [`ours_async`]'s (192 bytes; the memory table prints both). What it
/// costs over [`plain_async_ready`] is the price of a state machine the compiler
/// cannot fold away, which any real `async fn` has.
pub async fn plain_async_ready_unfolded(x: u64) -> Result<u64, Transient> {
    let outcome = body_async_ready(x).await;
    if outcome.is_err() {
        let buffer = black_box([0u8; PADDING]);
        std::future::ready(()).await;
        black_box(&buffer);
    }
    outcome
}

/// The size of [`plain_async_ready_unfolded`]'s buffer.
const PADDING: usize = 152;

/// The body through backon (tokio sleeper).
pub async fn backon_async(x: u64) -> Result<u64, Transient> {
    (|| body_async(x)).retry(backon_policy()).await
}

/// The body through tokio-retry2, whose actions must return its `RetryError`.
pub async fn tokio_retry2_async(x: u64) -> Result<u64, Transient> {
    tokio_retry2::Retry::spawn(
        tokio_retry2_policy(),
        || async move { body_async(x).await.map_err(RetryError::transient) },
    )
    .await
}

// ---------------------------------------------------------------------- failures

/// The annotated function around [`flaky`] (measured in testing mode: zero waits).
#[inline(never)]
#[retry(on = Transient)]
pub fn ours_flaky_sync(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    flaky(calls, fail)
}

/// The annotated function around [`flaky`] with a policy that never waits, for
/// the zero-wait measurements outside testing mode.
#[inline(never)]
#[retry(on = Transient, backoff = NoBackoff)]
pub fn ours_nobackoff_flaky_sync(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    flaky(calls, fail)
}

/// backon around [`flaky`], zero delay, its default blocking sleeper.
#[inline(never)]
pub fn backon_flaky_sync(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    (|| flaky(calls, fail)).retry(backon_zero()).call()
}

/// backon around [`flaky`], zero delay, a sleeper that does nothing (no syscall).
#[inline(never)]
pub fn backon_flaky_sync_nosleep(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    (|| flaky(calls, fail)).retry(backon_zero()).sleep(|_| {}).call()
}

/// The annotated `async fn` around [`flaky_async`].
#[retry(on = Transient)]
pub async fn ours_flaky_async(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    flaky_async(calls, fail).await
}

/// The annotated `async fn` around [`flaky_async`] with a policy that never waits.
#[retry(on = Transient, backoff = NoBackoff)]
pub async fn ours_nobackoff_flaky_async(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    flaky_async(calls, fail).await
}

/// backon around [`flaky_async`], zero delay, tokio sleeper.
pub async fn backon_flaky_async(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    (|| flaky_async(calls, fail)).retry(backon_zero()).await
}

/// tokio-retry2 around [`flaky_async`], zero delay.
pub async fn tokio_retry2_flaky_async(calls: &Cell<u32>, fail: u32) -> Result<u32, Transient> {
    tokio_retry2::Retry::spawn(tokio_retry2_zero(), || async move {
        flaky_async(calls, fail).await.map_err(RetryError::transient)
    })
    .await
}

/// The annotated `async fn` of the scale test, with the default policy.
#[retry(on = Transient)]
pub async fn ours_scale(calls: &AtomicU32, fail: u32) -> Result<u32, Transient> {
    flaky_shared(calls, fail).await
}

/// backon's counterpart of [`ours_scale`]; `retries` counts backon's notifications.
pub async fn backon_scale(calls: &AtomicU32, fail: u32, retries: &AtomicU32) -> Result<u32, Transient> {
    (|| flaky_shared(calls, fail))
        .retry(backon_policy())
        .notify(|_, _| {
            retries.fetch_add(1, Ordering::Relaxed);
        })
        .await
}

// ----------------------------------------------------------------------- helpers

/// Polls a future that completes without waiting: no runtime, no allocation.
/// Not inlined, so each future's `poll` is one call for every subject alike.
///
/// # Panics
///
/// If the future is not ready at once.
#[inline(never)]
pub fn poll_once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future was expected to complete at once"),
    }
}

/// Runs one failing call of a sync subject (`fail` failures, then success).
#[inline(always)]
pub fn run_flaky(subject: fn(&Cell<u32>, u32) -> Result<u32, Transient>, fail: u32) -> Result<u32, Transient> {
    let calls = Cell::new(0);
    black_box(subject(black_box(&calls), black_box(fail)))
}

/// The hook set-ups the per-retry measurements compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hooks {
    /// `disable_hooks()`: a retry runs no hook.
    Off,
    /// The Prometheus `retries_total` counter only.
    Prometheus,
    /// The tracing WARN event only.
    Tracing,
    /// Both (the default hooks).
    Both,
}

impl Hooks {
    /// Installs this set-up (process-wide).
    pub fn install(self) {
        use retry_core::instrument::{
            RetryHook, disable_hooks, prometheus::PrometheusHook, set_hooks, tracing::TracingHook,
        };
        use std::sync::Arc;
        let prometheus: Arc<dyn RetryHook> = Arc::new(PrometheusHook);
        let tracing: Arc<dyn RetryHook> = Arc::new(TracingHook);
        match self {
            Hooks::Off => disable_hooks(),
            Hooks::Prometheus => set_hooks([prometheus]),
            Hooks::Tracing => set_hooks([tracing]),
            Hooks::Both => set_hooks([prometheus, tracing]),
        }
    }
}

/// Installs, process-wide, a tracing subscriber that is interested in every event
/// and discards it: `tracing_subscriber::Registry` with no layer. Events are built
/// and dispatched (the cost of the tracing hook), never formatted or written.
pub fn discard_tracing() {
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
}

/// A subscriber that formats every event and writes it to `io::sink()`: the cost
/// of a real `fmt` subscriber without the I/O. Install it with
/// `tracing::subscriber::with_default` around a measurement.
pub fn formatting_to_sink() -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt().with_writer(std::io::sink).with_ansi(false).finish()
}

/// Testing mode for the whole process: zero waits, 10 attempts. Keep the guard.
pub fn testing_mode() -> retry_core::switches::TestingGuard {
    retry_core::set_testing(retry_core::TestMode::new(10))
}

/// The sum of `retries_total` over all its label values, in the default registry.
#[must_use]
pub fn retries_total_sum() -> f64 {
    prometheus::default_registry()
        .gather()
        .iter()
        .filter(|family| family.name() == retry_core::instrument::prometheus::RETRIES_TOTAL)
        .flat_map(prometheus::proto::MetricFamily::get_metric)
        .map(|metric| metric.get_counter().get_value())
        .sum()
}

/// Peak resident set size of this process, in KiB (`VmHWM` of `/proc/self/status`).
#[must_use]
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
