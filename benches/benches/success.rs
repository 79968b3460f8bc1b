//! Table 1: the success path, sync and async. The same body, plain, annotated
//! with `#[retry]`, through backon and through tokio-retry2. Async subjects are
//! polled once with a no-op waker (no runtime): they all complete at once.
//!
//! `cargo bench -p retry-benches --bench success -- --warm-up-time 1 --measurement-time 3`

use criterion::{Criterion, criterion_group, criterion_main};
use retry_benches::{
    backon_async, backon_sync, ours_async, ours_async_ready, ours_sync, plain_async, plain_async_ready,
    plain_async_ready_unfolded, plain_sync, poll_once, tokio_retry2_async,
};
use std::hint::black_box;
use std::time::Duration;

fn sync(c: &mut Criterion) {
    let mut group = c.benchmark_group("success_sync");
    group.bench_function("plain", |b| b.iter(|| plain_sync(black_box(7))));
    group.bench_function("ours", |b| b.iter(|| ours_sync(black_box(7))));
    group.bench_function("backon", |b| b.iter(|| backon_sync(black_box(7))));
    group.finish();
}

fn asynchronous(c: &mut Criterion) {
    let mut group = c.benchmark_group("success_async");
    group.bench_function("plain", |b| b.iter(|| poll_once(plain_async(black_box(7)))));
    group.bench_function("ours", |b| b.iter(|| poll_once(ours_async(black_box(7)))));
    group.bench_function("backon", |b| b.iter(|| poll_once(backon_async(black_box(7)))));
    group.bench_function("tokio-retry2", |b| b.iter(|| poll_once(tokio_retry2_async(black_box(7)))));
    group.finish();
}

/// A body that is never pending: the compiler folds the plain function's state
/// machine away, not the annotated one's; the control keeps it.
fn asynchronous_ready(c: &mut Criterion) {
    let mut group = c.benchmark_group("success_async_ready");
    group.bench_function("plain", |b| b.iter(|| poll_once(plain_async_ready(black_box(7)))));
    group.bench_function("ours", |b| b.iter(|| poll_once(ours_async_ready(black_box(7)))));
    group.bench_function("plain-unfolded", |b| b.iter(|| poll_once(plain_async_ready_unfolded(black_box(7)))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = sync, asynchronous, asynchronous_ready
}
criterion_main!(benches);
