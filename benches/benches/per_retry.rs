//! Table 3: the cost of one retry with zero waits. Each subject runs a call that
//! fails 9 times and then succeeds (10 attempts), and the same call failing 0
//! times; `report` turns the two into nanoseconds per retry: (t9 - t0) / 9.
//!
//! `#[retry]` runs in testing mode (zero waits, 10 attempts), once with hooks
//! off, then with the Prometheus counter, the tracing event (to a subscriber
//! that discards it), and both; and, outside testing mode with hooks off, with
//! `backoff = NoBackoff` (a production policy that never waits: it also reads
//! the clock for the deadline and draws its zero backoff). backon runs with a
//! constant zero delay, once with its default sleeper and once (sync) with a
//! sleeper that does nothing. The async subjects run on a current-thread tokio
//! runtime.
//!
//! `cargo bench -p retry-benches --bench per_retry`

use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime};
use retry_benches::{
    Hooks, backon_flaky_async, backon_flaky_sync, backon_flaky_sync_nosleep, discard_tracing, flaky, ours_flaky_async,
    ours_flaky_sync, ours_nobackoff_flaky_async, ours_nobackoff_flaky_sync, run_flaky, testing_mode,
    tokio_retry2_flaky_async,
};
use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;
use tokio::runtime::Runtime;

/// Failures per measured call: 9 retries, the most testing mode's 10 attempts allow.
const FAILURES: u32 = 9;

const HOOKS: [(Hooks, &str); 4] =
    [(Hooks::Off, "off"), (Hooks::Prometheus, "prometheus"), (Hooks::Tracing, "tracing"), (Hooks::Both, "both")];

/// Benches `subject` with 0 and with [`FAILURES`] failures, as `<name>_0` and `<name>_9`.
fn both_counts(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    subject: fn(&Cell<u32>, u32) -> Result<u32, retry_benches::Transient>,
) {
    for fail in [0, FAILURES] {
        group.bench_function(format!("{name}_{fail}"), |b| b.iter(|| run_flaky(subject, fail)));
    }
}

fn sync(c: &mut Criterion) {
    discard_tracing();
    let mut group = c.benchmark_group("per_retry_sync");
    Hooks::Off.install();
    both_counts(&mut group, "ours_nobackoff", ours_nobackoff_flaky_sync);
    let _testing = testing_mode();
    group.bench_function("plain_0", |b| b.iter(|| run_flaky(flaky, 0)));
    for (hooks, label) in HOOKS {
        hooks.install();
        both_counts(&mut group, &format!("ours_{label}"), ours_flaky_sync);
    }
    Hooks::Off.install();
    both_counts(&mut group, "backon_nosleep", backon_flaky_sync_nosleep);
    both_counts(&mut group, "backon_threadsleep", backon_flaky_sync);
    group.finish();
}

/// [`both_counts`] for an async subject, run on `runtime`.
#[allow(clippy::needless_pass_by_value, reason = "a function item, as `both_counts` takes its subject")]
fn both_counts_async(
    group: &mut BenchmarkGroup<'_, WallTime>,
    runtime: &Runtime,
    name: &str,
    subject: impl AsyncFn(&Cell<u32>, u32) -> Result<u32, retry_benches::Transient>,
) {
    for fail in [0, FAILURES] {
        group.bench_function(format!("{name}_{fail}"), |b| {
            b.iter(|| {
                let calls = Cell::new(0);
                black_box(runtime.block_on(subject(black_box(&calls), black_box(fail))))
            });
        });
    }
}

fn asynchronous(c: &mut Criterion) {
    discard_tracing();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a tokio runtime");
    let mut group = c.benchmark_group("per_retry_async");
    Hooks::Off.install();
    both_counts_async(&mut group, &runtime, "ours_nobackoff", ours_nobackoff_flaky_async);
    let _testing = testing_mode();
    for (hooks, label) in [(Hooks::Off, "off"), (Hooks::Both, "both")] {
        hooks.install();
        both_counts_async(&mut group, &runtime, &format!("ours_{label}"), ours_flaky_async);
    }
    Hooks::Off.install();
    both_counts_async(&mut group, &runtime, "backon", backon_flaky_async);
    both_counts_async(&mut group, &runtime, "tokio-retry2", tokio_retry2_flaky_async);
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
    targets = sync, asynchronous
}
criterion_main!(benches);
