//! The discrete-event loop: calls, attempts, the server, the budget, in virtual time.

use crate::policy::{PolicyKind, SimBackoff};
use crate::report::PolicyReport;
use crate::scenario::{Scenario, Workload};
use crate::server::{Server, SimError};
use retry_core::budget::{ManualClock, RetryBudget, TpsBudget};
use retry_core::{
    Retry,
    backoff::Rng,
    engine::{CallState, Step},
};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const MS: u64 = 1_000_000;
const SEC: u64 = 1_000 * MS;
/// The width of a load window and of a chart bin.
const WINDOW_MS: usize = 100;

type Policy = Retry<SimBackoff, fn(&SimError) -> bool>;

#[allow(clippy::trivially_copy_pass_by_ref, reason = "an `on` predicate: `fn(&E) -> bool`")]
fn retryable(_: &SimError) -> bool {
    true
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// SplitMix64's finaliser: independent seeds for independent streams.
pub(crate) fn mix(seed: u64, stream: u64) -> u64 {
    Rng::seeded(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F)).next_u64()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Pending,
    Succeeded,
    GaveUp,
    Refused,
}

struct Call {
    process: u32,
    start: u64,
    end: u64,
    attempts: u32,
    outcome: Outcome,
    state: CallState,
}

/// The first attempt of every call, from the workload: the same for every
/// policy, so policies are compared on identical traffic.
fn arrivals(scenario: &Scenario) -> Vec<u64> {
    let mut rng = Rng::seeded(mix(scenario.seed, 1));
    match &scenario.workload {
        Workload::Herd { clients } => {
            let mut times: Vec<u64> =
                (0..*clients).map(|_| nanos(rng.duration_up_to(Duration::from_nanos(SEC - 1)))).collect();
            times.sort_unstable();
            times
        }
        Workload::Steady { load, before, after } => {
            let rate = load * f64::from(scenario.capacity);
            let end = nanos(*before + scenario.outage + *after);
            let mut times = Vec::new();
            let mut t = 0f64;
            if rate > 0.0 {
                loop {
                    // Exponential gaps: 1 - u is in (0, 1], so its log is finite.
                    t += -(1.0 - rng.next_f64()).ln() / rate * SEC as f64;
                    if t >= end as f64 {
                        break;
                    }
                    #[allow(
                        clippy::cast_possible_truncation,
                        clippy::cast_sign_loss,
                        reason = "`t` is from 0 to `end`, a u64"
                    )]
                    times.push(t as u64);
                }
            }
            times
        }
    }
}

/// Runs `policy` on `scenario`.
#[allow(
    clippy::too_many_lines,
    reason = "one pass of virtual time, then its report: splitting would only pass state around"
)]
pub(crate) fn simulate(scenario: &Scenario, kind: PolicyKind) -> PolicyReport {
    let outage_start = nanos(scenario.workload.outage_start());
    let recovery = outage_start + nanos(scenario.outage);
    let mut server = Server::new(scenario.capacity, nanos(scenario.burst), (outage_start, recovery));

    // One clock for every budget: the simulation sets it before each use. Its
    // origin is offset by a random fraction of a second, so the budgets' slots do
    // not line up with the outage by construction.
    let clock = ManualClock::new();
    let phase = nanos(Rng::seeded(mix(scenario.seed, 2)).duration_up_to(Duration::from_nanos(SEC - 1)));
    let processes = scenario.processes.max(1);
    let budgets: Vec<Arc<TpsBudget<ManualClock>>> = if kind.has_budget() {
        (0..processes)
            .map(|_| {
                Arc::new(
                    TpsBudget::with_clock(
                        TpsBudget::DEFAULT_TTL,
                        TpsBudget::DEFAULT_MIN_PER_SEC,
                        TpsBudget::DEFAULT_RETRY_RATIO,
                        clock.clone(),
                    )
                    .expect("the defaults are valid"),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let attempts = if kind == PolicyKind::NoRetries { Some(1) } else { scenario.attempts };
    let base = Retry::builder()
        .attempts(attempts)
        .timeout(scenario.timeout)
        .backoff(kind.backoff(scenario.wait_max, scenario.wait_jitter))
        .build()
        .expect("a valid policy")
        .on(retryable as fn(&SimError) -> bool);
    let policies: Vec<Policy> = (0..processes)
        .map(|p| match budgets.get(p as usize) {
            Some(budget) => base.clone().budget(budget.clone()),
            None => base.clone(),
        })
        .collect();

    let mut calls: Vec<Call> = arrivals(scenario)
        .into_iter()
        .zip((0..processes).cycle())
        .map(|(start, process)| Call {
            process,
            start,
            end: start,
            attempts: 0,
            outcome: Outcome::Pending,
            state: CallState::new(),
        })
        .collect();

    // Events: (time, sequence, call). The sequence breaks ties in a fixed order.
    let mut queue: BinaryHeap<Reverse<(u64, u64, usize)>> =
        calls.iter().enumerate().map(|(i, c)| Reverse((c.start, i as u64, i))).collect();
    let mut sequence = calls.len() as u64;
    let origin = Instant::now();
    let mut per_ms: Vec<u32> = Vec::new();
    let mut budget_series: Vec<u64> = Vec::new();
    let sample_budgets = |at: u64, series: &mut Vec<u64>| {
        clock.set(Duration::from_nanos(at + phase));
        series.push(budgets.iter().map(|b| b.available()).sum());
    };

    while let Some(Reverse((now, _, index))) = queue.pop() {
        while !budgets.is_empty() && (budget_series.len() as u64) * WINDOW_MS as u64 * MS <= now {
            sample_budgets(budget_series.len() as u64 * WINDOW_MS as u64 * MS, &mut budget_series);
        }
        clock.set(Duration::from_nanos(now + phase));
        let call = &mut calls[index];
        let policy = &policies[call.process as usize];
        if call.attempts == 0
            && let Some(budget) = budgets.get(call.process as usize)
        {
            budget.deposit();
        }
        call.attempts += 1;
        let ms = (now / MS) as usize;
        if per_ms.len() <= ms {
            per_ms.resize(ms + 1, 0);
        }
        per_ms[ms] += 1;

        let error = match server.handle(now) {
            Ok(()) => {
                call.outcome = Outcome::Succeeded;
                call.end = now;
                continue;
            }
            Err(error) => error,
        };
        // Each call draws its jitter from its own seed, the same under every policy.
        let seeded = policy.clone().seed(mix(scenario.seed, 1_000 + index as u64));
        let policy = if call.attempts == 1 { &seeded } else { policy };
        match call.state.step(policy, &error, || origin + Duration::from_nanos(now)) {
            Step::Retry(wait) => {
                queue.push(Reverse((now.saturating_add(nanos(wait)), sequence, index)));
                sequence += 1;
            }
            Step::GiveUp(_) => {
                call.outcome = Outcome::GaveUp;
                call.end = now;
            }
            // Every error is retryable and retrying is on: only the budget says no.
            Step::Return => {
                call.outcome = Outcome::Refused;
                call.end = now;
            }
        }
    }
    let last_end = calls.iter().map(|c| c.end).max().unwrap_or(0);
    while !budgets.is_empty() && (budget_series.len() as u64) * WINDOW_MS as u64 * MS <= last_end + 10 * SEC {
        sample_budgets(budget_series.len() as u64 * WINDOW_MS as u64 * MS, &mut budget_series);
    }

    summarise(scenario, kind, &calls, &per_ms, budget_series, (outage_start, recovery))
}

fn summarise(
    scenario: &Scenario,
    kind: PolicyKind,
    calls: &[Call],
    per_ms: &[u32],
    budget: Vec<u64>,
    (outage_start, recovery): (u64, u64),
) -> PolicyReport {
    let secs_after_outage = |t: u64| (t as f64 - outage_start as f64) / SEC as f64;
    let in_outage = |t: u64| (outage_start..recovery).contains(&t);
    let outage_calls: Vec<&Call> = calls.iter().filter(|c| in_outage(c.start)).collect();
    let count = |outcome| calls.iter().filter(|c| c.outcome == outcome).count() as u64;

    let start_ms = (outage_start / MS) as usize;
    let recovery_ms = (recovery / MS) as usize;
    let received_during_outage =
        per_ms.iter().skip(start_ms).take(recovery_ms.saturating_sub(start_ms)).map(|&n| u64::from(n)).sum();

    // The busiest 100 ms window that starts at or after the recovery.
    let (mut peak, mut peak_at, mut window) = (0u32, recovery_ms, 0u32);
    let at = |ms: usize| per_ms.get(ms).copied().unwrap_or(0);
    for ms in recovery_ms..recovery_ms + WINDOW_MS {
        window += at(ms);
    }
    for begin in recovery_ms..per_ms.len().max(recovery_ms + 1) {
        if window > peak {
            (peak, peak_at) = (window, begin);
        }
        window = window + at(begin + WINDOW_MS) - at(begin);
    }

    let refusals_after_recovery =
        calls.iter().filter(|c| c.outcome == Outcome::Refused && c.end >= recovery).map(|c| c.end).max();
    let late = recovery + 5 * SEC;
    let sample = |t: u64| usize::try_from(t / (WINDOW_MS as u64 * MS)).ok().and_then(|i| budget.get(i)).copied();

    PolicyReport {
        policy: kind,
        calls: calls.len() as u64,
        outage_calls: outage_calls.len() as u64,
        amplification: if outage_calls.is_empty() {
            0.0
        } else {
            outage_calls.iter().map(|c| f64::from(c.attempts)).sum::<f64>() / outage_calls.len() as f64
        },
        received_during_outage,
        peak_after_recovery: peak,
        peak_at: secs_after_outage(peak_at as u64 * MS),
        outage_calls_ended: outage_calls.iter().map(|c| secs_after_outage(c.end)).fold(0.0, f64::max),
        succeeded: count(Outcome::Succeeded),
        gave_up: count(Outcome::GaveUp),
        refused: count(Outcome::Refused),
        refused_during_outage: calls.iter().filter(|c| c.outcome == Outcome::Refused && in_outage(c.end)).count()
            as u64,
        refused_starting_5s_after_recovery: calls
            .iter()
            .filter(|c| c.outcome == Outcome::Refused && c.start >= late)
            .count() as u64,
        last_refusal_after_recovery: refusals_after_recovery.map(|t| (t - recovery) as f64 / SEC as f64),
        budget_before_outage: sample(outage_start.saturating_sub(1)),
        budget_5s_after_recovery: sample(late),
        load: per_ms.chunks(WINDOW_MS).map(|bin| bin.iter().sum()).collect(),
        budget,
        outage_start: scenario.workload.outage_start().as_secs_f64(),
    }
}
