//! The subject of `benches/callgrind.sh`: calls one subject `n` times, so that
//! callgrind's instruction count for two values of `n` gives the instructions of
//! one call, with everything else (start-up, the loop) cancelled out.
//!
//! `instructions <subject> <n>`, where subject is one of `plain_sync`,
//! `ours_sync`, `backon_sync`, `plain_pure_sync`, `ours_pure_sync`,
//! `plain_call_sync`, `ours_call_sync`, `plain_policy_sync` (the same as
//! `plain_sync`), `ours_policy_sync` (`Retry::call` of a static policy), `plain_async`, `ours_async`, `backon_async`,
//! `tokio_retry2_async`, `plain_ready_async`, `ours_ready_async`,
//! `plain_unfolded_ready_async`; or `ours_retry9`, `backon_retry9`: a sync call that
//! fails 9 times, then succeeds (testing mode and hooks off for ours, zero delay
//! and a no-op sleeper for backon), for the instructions of 9 retries, and
//! `ours_retry0`, `backon_retry0`, the same call without failures;
//! `ours_async_retry9`, `ours_async_retry0`: the async twins, each call run by
//! `block_on` on a current-thread tokio runtime; `plain_tower`, `tower_tower`,
//! `ours_tower`: one call of an always-ready service with no layer, under tower's
//! `retry::Retry`, under `retry_core::tower::RetryLayer` (`ours_tower`: `new`, an
//! `Arc`'d policy; `ours_static_tower`: `from_static`); `tower_budget_tower`,
//! `ours_budget_tower`: the same with a retry budget on both sides;
//! `jitter_draw`: one wait of the default backoff (retry 3, 1 s of jitter), drawn
//! from a seeded `backoff::Rng`: what drawing jitter costs a retry outside testing
//! mode.

use retry_benches::tower::{
    BudgetedRetryErrors, Double, OursArc, OursStatic, RetryErrors, call_ours, call_ours_static, call_plain, call_tower,
    call_tower_budgeted, ours_budgeted, ours_layer, ours_static, tower_budgeted, tower_retry,
};
use retry_benches::{
    Hooks, backon_async, backon_flaky_sync_nosleep, backon_sync, ours_async, ours_async_ready, ours_call_sync,
    ours_flaky_async, ours_flaky_sync, ours_policy_sync, ours_pure_sync, ours_sync, plain_async, plain_async_ready,
    plain_async_ready_unfolded, plain_call_sync, plain_pure_sync, plain_sync, poll_once, run_flaky, testing_mode,
    tokio_retry2_async,
};
use retry_core::backoff::{Backoff, DefaultBackoff, Rng};
use std::cell::RefCell;
use std::hint::black_box;
use std::process::ExitCode;

thread_local! {
    static TOWER_PLAIN: RefCell<Double> = const { RefCell::new(Double) };
    static TOWER_RETRY: RefCell<tower::retry::Retry<RetryErrors, Double>> = RefCell::new(tower_retry());
    static TOWER_OURS: RefCell<OursArc> = RefCell::new(ours_layer());
    static TOWER_OURS_STATIC: RefCell<OursStatic> = RefCell::new(ours_static());
    static TOWER_BUDGETED: RefCell<tower::retry::Retry<BudgetedRetryErrors, Double>> = RefCell::new(tower_budgeted());
    static TOWER_OURS_BUDGETED: RefCell<OursArc> = RefCell::new(ours_budgeted());
    static JITTER: RefCell<Rng> = RefCell::new(Rng::seeded(1));
    static RUNTIME: tokio::runtime::Runtime =
        tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a tokio runtime");
}

/// One call of [`ours_flaky_async`] that fails `fail` times, on a current-thread runtime.
fn run_flaky_async(fail: u32) -> Result<u64, retry_benches::Transient> {
    let calls = std::cell::Cell::new(0);
    RUNTIME.with(|runtime| runtime.block_on(ours_flaky_async(black_box(&calls), black_box(fail)))).map(u64::from)
}

/// One wait of the default backoff, in nanoseconds.
fn draw_jitter(rng: &mut Rng) -> u64 {
    let wait = black_box(DefaultBackoff::default()).wait(black_box(3), std::time::Duration::ZERO, rng);
    u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(subject), Some(Ok(n))) = (args.first(), args.get(1).map(|n| n.parse::<u64>())) else {
        eprintln!("usage: instructions <subject> <n>");
        return ExitCode::FAILURE;
    };
    #[allow(clippy::match_same_arms, reason = "one arm per subject; `plain_policy_sync`'s baseline is `plain_sync`")]
    let call: fn(u64) -> Result<u64, retry_benches::Transient> = match subject.as_str() {
        "plain_sync" => plain_sync,
        "ours_sync" => ours_sync,
        "backon_sync" => backon_sync,
        "plain_pure_sync" => plain_pure_sync,
        "ours_pure_sync" => ours_pure_sync,
        "plain_call_sync" => plain_call_sync,
        "ours_call_sync" => ours_call_sync,
        "plain_policy_sync" => plain_sync,
        "ours_policy_sync" => ours_policy_sync,
        "plain_async" => |x| poll_once(plain_async(x)),
        "ours_async" => |x| poll_once(ours_async(x)),
        "plain_ready_async" => |x| poll_once(plain_async_ready(x)),
        "ours_ready_async" => |x| poll_once(ours_async_ready(x)),
        "plain_unfolded_ready_async" => |x| poll_once(plain_async_ready_unfolded(x)),
        "backon_async" => |x| poll_once(backon_async(x)),
        "tokio_retry2_async" => |x| poll_once(tokio_retry2_async(x)),
        "ours_retry9" => |_| run_flaky(ours_flaky_sync, 9).map(u64::from),
        "ours_retry0" => |_| run_flaky(ours_flaky_sync, 0).map(u64::from),
        "ours_async_retry9" => |_| run_flaky_async(9),
        "ours_async_retry0" => |_| run_flaky_async(0),
        "backon_retry9" => |_| run_flaky(backon_flaky_sync_nosleep, 9).map(u64::from),
        "backon_retry0" => |_| run_flaky(backon_flaky_sync_nosleep, 0).map(u64::from),
        "plain_tower" => |x| Ok(TOWER_PLAIN.with_borrow_mut(|s| call_plain(s, x))),
        "tower_tower" => |x| Ok(TOWER_RETRY.with_borrow_mut(|s| call_tower(s, x))),
        "ours_tower" => |x| Ok(TOWER_OURS.with_borrow_mut(|s| call_ours(s, x))),
        "ours_static_tower" => |x| Ok(TOWER_OURS_STATIC.with_borrow_mut(|s| call_ours_static(s, x))),
        "tower_budget_tower" => |x| Ok(TOWER_BUDGETED.with_borrow_mut(|s| call_tower_budgeted(s, x))),
        "ours_budget_tower" => |x| Ok(TOWER_OURS_BUDGETED.with_borrow_mut(|s| call_ours(s, x))),
        "jitter_draw" => |x| Ok(JITTER.with_borrow_mut(draw_jitter) ^ x),
        other => {
            eprintln!("unknown subject {other}");
            return ExitCode::FAILURE;
        }
    };
    let _testing = testing_mode();
    Hooks::Off.install();
    let mut sum = 0u64;
    for i in 0..n {
        // Every call succeeds: the inputs never reach u64::MAX.
        sum = sum.wrapping_add(black_box(call(black_box(i))).unwrap_or(0));
    }
    black_box(sum);
    ExitCode::SUCCESS
}
