//! The tower layer's success path: the same always-ready service with no layer,
//! under tower's `retry::Retry`, and under `retry_core::tower::RetryLayer`
//! (docs/performance.md, section 7).
//!
//! `cargo bench -p retry-benches --bench tower_layer`

use criterion::{Criterion, criterion_group, criterion_main};
use retry_benches::tower::{Double, call_once, ours_budgeted, ours_layer, ours_static, tower_budgeted, tower_retry};
use std::hint::black_box;
use std::time::Duration;

fn success(c: &mut Criterion) {
    let _testing = retry_benches::testing_mode();
    retry_benches::Hooks::Off.install();
    let mut group = c.benchmark_group("tower_success");
    let mut plain = Double;
    group.bench_function("no layer", |b| b.iter(|| call_once(&mut plain, black_box(7))));
    let mut tower = tower_retry();
    group.bench_function("tower retry::Retry", |b| b.iter(|| call_once(&mut tower, black_box(7))));
    let mut ours = ours_layer();
    group.bench_function("RetryLayer::new", |b| b.iter(|| call_once(&mut ours, black_box(7))));
    let mut ours_static = ours_static();
    group.bench_function("RetryLayer::from_static", |b| b.iter(|| call_once(&mut ours_static, black_box(7))));
    let mut tower_budgeted = tower_budgeted();
    group.bench_function("tower retry::Retry + TpsBudget", |b| b.iter(|| call_once(&mut tower_budgeted, black_box(7))));
    let mut ours_budgeted = ours_budgeted();
    group.bench_function("RetryLayer::new + TpsBudget", |b| b.iter(|| call_once(&mut ours_budgeted, black_box(7))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = success
}
criterion_main!(benches);
