//! Runs the scenarios of docs/fleet.md: prints their tables and the targets of
//! issue 6, and writes the charts.
//!
//! ```text
//! cargo run -p simulator --release -- --out docs/fleet [--seed 1] [--seeds 20]
//! ```
//!
//! `--seeds K` also checks the targets on seeds 1..=K and prints their range.

// Pedantic (root `Cargo.toml`); allowed for the whole binary, as in the library:
#![allow(
    clippy::cast_precision_loss,
    reason = "statistics: counts and virtual nanoseconds (minutes of them) are far below 2^52, exact in an f64"
)]

use simulator::{PolicyKind, Report, Scenario, backoff_band_chart, budget_chart, load_chart, simulate};
use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() -> Result<(), Box<dyn Error>> {
    let (mut out, mut seed, mut seeds) = (PathBuf::from("docs/fleet"), 1u64, 0u64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().ok_or("--out needs a directory")?.into(),
            "--seed" => seed = args.next().ok_or("--seed needs a number")?.parse()?,
            "--seeds" => seeds = args.next().ok_or("--seeds needs a number")?.parse()?,
            "-h" | "--help" => {
                println!("usage: simulator [--out DIR] [--seed N] [--seeds K]");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}; try --help").into()),
        }
    }
    std::fs::create_dir_all(&out)?;
    // Hooks are process-wide and the simulation needs none of them.
    retry_core::instrument::disable_hooks();
    let started = Instant::now();

    let herd = run(
        "Herd: 10,000 clients, first calls in the outage's first second",
        &Scenario { seed, ..Scenario::herd(10_000) },
    );
    load_chart(&out.join("herd.svg"), "Herd of 10,000: requests per 100 ms (C = 1,000/s, down for 10 s)", &herd, 50.0)?;

    let steady = run("Steady stream at 80 % of capacity", &Scenario { seed, ..Scenario::steady(0.8) });
    load_chart(&out.join("steady.svg"), "Steady stream at 800/s: requests per 100 ms (down for 10 s)", &steady, 40.0)?;
    let budget_view = Report {
        policies: [PolicyKind::NoRetries, PolicyKind::Default, PolicyKind::DefaultWithBudget]
            .iter()
            .filter_map(|&p| steady.get(p).cloned())
            .collect(),
        ..steady.clone()
    };
    budget_chart(
        &out.join("budget.svg"),
        "Steady stream: what a budget lets through, and how it refills",
        &budget_view,
    )?;

    let cap_policies = [PolicyKind::NoJitter, PolicyKind::Default, PolicyKind::Stamina];
    let cap = run_some(
        "Herd at the cap: 10,000 clients, down for 60 s, wait_max 4 s, no attempt limit",
        &Scenario { seed, ..Scenario::herd_at_the_cap(10_000) },
        &cap_policies,
    );
    load_chart(
        &out.join("cap.svg"),
        "Herd at the cap (wait_max = 4 s, down for 60 s): requests per 100 ms",
        &cap,
        100.0,
    )?;

    backoff_band_chart(&out.join("backoff.svg"))?;

    jitter_sweep(seed);
    targets(&herd, &steady);
    if seeds > 0 {
        across_seeds(seeds);
    }
    println!("\nsimulated and drawn in {:.1} s; charts in {}", started.elapsed().as_secs_f64(), out.display());
    Ok(())
}

fn run(title: &str, scenario: &Scenario) -> Report {
    run_some(title, scenario, &PolicyKind::ALL)
}

fn run_some(title: &str, scenario: &Scenario, policies: &[PolicyKind]) -> Report {
    let started = Instant::now();
    let report = simulate(scenario, policies);
    println!(
        "\n### {title}\n\n(seed {}, {:.1} s)\n\n{}",
        scenario.seed,
        started.elapsed().as_secs_f64(),
        report.table()
    );
    report
}

/// How much additive jitter the default would need for the herd target.
fn jitter_sweep(seed: u64) {
    println!("\n### Herd: the default's peak after recovery against its `wait_jitter`\n");
    println!("| wait_jitter | peak 100 ms after recovery | vs no jitter | succeeded |\n|---:|---:|---:|---:|");
    for secs in [1, 2, 3, 4, 6, 8] {
        let scenario = Scenario { seed, wait_jitter: Duration::from_secs(secs), ..Scenario::herd(10_000) };
        let report = simulate(&scenario, &[PolicyKind::NoJitter, PolicyKind::Default]);
        let (none, default) = (&report.policies[0], &report.policies[1]);
        println!(
            "| {secs} s | {} | {:.2}x | {} |",
            default.peak_after_recovery,
            f64::from(default.peak_after_recovery) / f64::from(none.peak_after_recovery.max(1)),
            default.succeeded
        );
    }
}

/// The targets' numbers on seeds 1..=k: min, mean and max.
fn across_seeds(k: u64) {
    let mut rows: Vec<[f64; 4]> = Vec::new();
    for seed in 1..=k {
        let herd = simulate(&Scenario { seed, ..Scenario::herd(10_000) }, &[PolicyKind::NoJitter, PolicyKind::Default]);
        let steady = simulate(
            &Scenario { seed, ..Scenario::steady(0.8) },
            &[PolicyKind::NoRetries, PolicyKind::Default, PolicyKind::DefaultWithBudget],
        );
        let peak = |r: &Report, i: usize| f64::from(r.policies[i].peak_after_recovery);
        let received = |i: usize| steady.policies[i].received_during_outage as f64;
        let budget = &steady.policies[2];
        rows.push([
            peak(&herd, 1) / peak(&herd, 0),
            received(2) / received(0),
            received(1) / received(0),
            budget.budget_5s_after_recovery.unwrap_or(0) as f64
                / budget.budget_before_outage.unwrap_or(1).max(1) as f64,
        ]);
    }
    println!("\n### Targets on seeds 1..={k}\n\n| measure | min | mean | max |\n|---|---:|---:|---:|");
    let names = [
        "herd: default's peak / no jitter's",
        "steady: received during outage with a budget / no retries",
        "steady: received during outage without a budget / no retries",
        "steady: budget 5 s after recovery / before the outage",
    ];
    for (i, name) in names.iter().enumerate() {
        let values: Vec<f64> = rows.iter().map(|r| r[i]).collect();
        let (min, max) =
            (values.iter().copied().fold(f64::MAX, f64::min), values.iter().copied().fold(f64::MIN, f64::max));
        println!("| {name} | {min:.3} | {:.3} | {max:.3} |", values.iter().sum::<f64>() / values.len() as f64);
    }
}

fn targets(herd: &Report, steady: &Report) {
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!("\n### Targets of issue 6\n");
    if let (Some(none), Some(default)) = (herd.get(PolicyKind::NoJitter), herd.get(PolicyKind::Default)) {
        let ratio = f64::from(default.peak_after_recovery) / f64::from(none.peak_after_recovery.max(1));
        println!(
            "- herd: default's peak {} vs no jitter's {}: {ratio:.2}x (target <= 0.25x): {}",
            default.peak_after_recovery,
            none.peak_after_recovery,
            verdict(ratio <= 0.25)
        );
    }
    let get = |p| steady.get(p);
    if let (Some(none), Some(default), Some(budget)) =
        (get(PolicyKind::NoRetries), get(PolicyKind::Default), get(PolicyKind::DefaultWithBudget))
    {
        let base = none.received_during_outage.max(1) as f64;
        let with = budget.received_during_outage as f64 / base;
        println!(
            "- steady: with a budget the server received {} during the outage, {with:.3}x no retries' {} (target <= 1.2x): {}",
            budget.received_during_outage,
            none.received_during_outage,
            verdict(with <= 1.2)
        );
        println!(
            "- steady: without a budget {} ({:.2}x); the price of the budget: {} calls refused ({} during the outage)",
            default.received_during_outage,
            default.received_during_outage as f64 / base,
            budget.refused,
            budget.refused_during_outage
        );
        let refilled = budget.refused_starting_5s_after_recovery == 0
            && budget.budget_5s_after_recovery.unwrap_or(0) * 2 >= budget.budget_before_outage.unwrap_or(0);
        println!(
            "- steady: 5 s after recovery the budgets grant {} retries ({} before the outage); last refusal {}; refused calls started 5 s or more after recovery: {}: {}",
            budget.budget_5s_after_recovery.unwrap_or(0),
            budget.budget_before_outage.unwrap_or(0),
            budget
                .last_refusal_after_recovery
                .map_or("none after recovery".into(), |t| format!("{t:.2} s after recovery")),
            budget.refused_starting_5s_after_recovery,
            verdict(refilled)
        );
    }
}
