//! Table 4: memory. The size of each subject's async future, and the heap
//! allocations of one call on the success path and on a failure path (3
//! failures, then success), counted by a counting global allocator.
//!
//! `#[retry]` runs its failure path in testing mode (zero waits) with hooks off,
//! then with the default hooks (Prometheus counter + tracing event, dispatched to
//! a subscriber that is interested in every event and discards it). backon and
//! tokio-retry2 run with zero delays.
//!
//! `cargo run -p retry-benches --release --bin memory`

use retry_benches::{
    Hooks, backon_async, backon_flaky_async, backon_flaky_sync_nosleep, backon_sync, discard_tracing, ours_async,
    ours_async_ready, ours_flaky_async, ours_flaky_sync, ours_sync, plain_async, plain_async_ready,
    plain_async_ready_unfolded, plain_sync, poll_once, testing_mode, tokio_retry2_async, tokio_retry2_flaky_async,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::cell::Cell;
use std::hint::black_box;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Calls per measurement; the count printed is per call.
const CALLS: u32 = 1_000;
const FAILURES: u32 = 3;

/// Allocations per call of `run`, after one warm-up call (lazy statics, the
/// hooks' first registration and the runtime's first timer are not per call).
fn allocations(mut run: impl FnMut()) -> f64 {
    run();
    let region = Region::new(GLOBAL);
    for _ in 0..CALLS {
        run();
    }
    f64::from(u32::try_from(region.change().allocations).unwrap_or(u32::MAX)) / f64::from(CALLS)
}

fn main() {
    println!("## async future size (bytes)\n");
    println!("| subject | size |\n|---|---:|");
    println!("| plain | {} |", size_of_val(&plain_async(1)));
    println!("| ours (`#[retry]`) | {} |", size_of_val(&ours_async(1)));
    println!("| plain, never-pending body | {} |", size_of_val(&plain_async_ready(1)));
    println!("| ours, never-pending body | {} |", size_of_val(&ours_async_ready(1)));
    println!("| plain, never-pending body, unfolded (control) | {} |", size_of_val(&plain_async_ready_unfolded(1)));
    println!("| backon | {} |", size_of_val(&backon_async(1)));
    println!("| tokio-retry2 | {} |", size_of_val(&tokio_retry2_async(1)));
    println!("| tokio::time::Sleep | {} |", size_of::<tokio::time::Sleep>());

    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a tokio runtime");
    let _testing = testing_mode();
    discard_tracing();

    println!("\n## heap allocations per call\n");
    println!("| subject | success, sync | success, async | {FAILURES} failures, sync | {FAILURES} failures, async |");
    println!("|---|---:|---:|---:|---:|");
    for (hooks, label) in [(Hooks::Off, "ours, hooks off"), (Hooks::Both, "ours, default hooks")] {
        hooks.install();
        let row = [
            allocations(|| _ = black_box(ours_sync(black_box(7)))),
            allocations(|| _ = black_box(poll_once(ours_async(black_box(7))))),
            allocations(|| _ = black_box(ours_flaky_sync(&Cell::new(0), black_box(FAILURES)))),
            allocations(|| _ = black_box(runtime.block_on(ours_flaky_async(&Cell::new(0), black_box(FAILURES))))),
        ];
        print_row(label, row);
    }
    Hooks::Off.install();
    print_row(
        "backon",
        [
            allocations(|| _ = black_box(backon_sync(black_box(7)))),
            allocations(|| _ = black_box(poll_once(backon_async(black_box(7))))),
            allocations(|| _ = black_box(backon_flaky_sync_nosleep(&Cell::new(0), black_box(FAILURES)))),
            allocations(|| _ = black_box(runtime.block_on(backon_flaky_async(&Cell::new(0), black_box(FAILURES))))),
        ],
    );
    print_row(
        "tokio-retry2",
        [
            f64::NAN,
            allocations(|| _ = black_box(poll_once(tokio_retry2_async(black_box(7))))),
            f64::NAN,
            allocations(|| {
                _ = black_box(runtime.block_on(tokio_retry2_flaky_async(&Cell::new(0), black_box(FAILURES))));
            }),
        ],
    );
    print_row(
        "plain",
        [
            allocations(|| _ = black_box(plain_sync(black_box(7)))),
            allocations(|| _ = black_box(poll_once(plain_async(black_box(7))))),
            f64::NAN,
            f64::NAN,
        ],
    );
}

fn print_row(label: &str, cells: [f64; 4]) {
    let cells: Vec<String> =
        cells.iter().map(|c| if c.is_nan() { "n/a".to_owned() } else { format!("{c:.2}") }).collect();
    println!("| {label} | {} |", cells.join(" | "));
}
