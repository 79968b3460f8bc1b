//! A deterministic fleet simulator: what jitter and retry budgets do to a herd.
//!
//! A server of capacity C requests a second is down for T seconds. Clients call
//! it through retry-core's own engine ([`CallState`](retry_core::engine::CallState)),
//! backoff strategies, random source and [`TpsBudget`](retry_core::budget::TpsBudget),
//! all on virtual time, so a run of minutes of traffic takes milliseconds and the
//! same seed gives the same report. Two workloads:
//!
//! - a herd: N clients whose first calls all land in the outage's first second;
//! - a steady stream: calls at 80 % of capacity before, during and after it.
//!
//! ```
//! use simulator::{PolicyKind, Scenario, simulate};
//!
//! let report = simulate(&Scenario::herd(1_000), &[PolicyKind::NoJitter, PolicyKind::Default]);
//! let (no_jitter, default) = (&report.policies[0], &report.policies[1]);
//! assert!(default.peak_after_recovery < no_jitter.peak_after_recovery);
//! ```
//!
//! `cargo run -p simulator --release -- --out docs/fleet` runs the scenarios of
//! docs/fleet.md, prints their tables and writes their charts.

// Clippy's pedantic group is on for the workspace (root `Cargo.toml`). Allowed
// for the whole crate, and why:
#![allow(
    clippy::cast_precision_loss,
    reason = "statistics: counts and virtual nanoseconds (minutes of them) are far below 2^52, exact in an f64"
)]

mod charts;
mod engine;
mod policy;
mod report;
mod scenario;
mod server;

pub use charts::{backoff_band_chart, budget_chart, load_chart};
pub use policy::{PolicyKind, StaminaBackoff};
pub use report::{PolicyReport, Report};
pub use scenario::{Scenario, Workload};

/// Runs each of `policies` on `scenario`, on identical traffic.
///
/// ```
/// use simulator::{PolicyKind, Scenario, simulate};
///
/// let scenario = Scenario { seed: 42, ..Scenario::herd(500) };
/// let a = simulate(&scenario, &[PolicyKind::Default]);
/// let b = simulate(&scenario, &[PolicyKind::Default]);
/// assert_eq!(a, b, "same seed, same report");
/// ```
#[must_use]
pub fn simulate(scenario: &Scenario, policies: &[PolicyKind]) -> Report {
    Report { scenario: scenario.clone(), policies: policies.iter().map(|&p| engine::simulate(scenario, p)).collect() }
}

/// Runs the code blocks of `docs/fleet.md` as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/fleet.md")]
pub struct FleetDoc;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn small_steady() -> Scenario {
        Scenario {
            capacity: 200,
            workload: Workload::Steady { load: 0.8, before: Duration::from_secs(12), after: Duration::from_secs(8) },
            ..Scenario::steady(0.8)
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_report_and_another_seed_another() {
        for scenario in [Scenario::herd(300), small_steady()] {
            let a = simulate(&scenario, &PolicyKind::ALL);
            let b = simulate(&scenario, &PolicyKind::ALL);
            assert_eq!(a, b);
            let c = simulate(&Scenario { seed: 99, ..scenario }, &PolicyKind::ALL);
            assert_ne!(a.policies, c.policies);
        }
    }

    #[test]
    fn every_call_is_accounted_for() {
        for scenario in [Scenario::herd(300), small_steady(), Scenario::herd_at_the_cap(200)] {
            for p in simulate(&scenario, &PolicyKind::ALL).policies {
                assert_eq!(p.succeeded + p.gave_up + p.refused, p.calls, "{:?}", p.policy);
                assert!(p.load.iter().map(|&n| u64::from(n)).sum::<u64>() >= p.calls, "every call made an attempt");
                assert!(p.refused == 0 || p.policy.has_budget());
            }
        }
    }

    #[test]
    fn a_herd_without_retries_gives_up_during_the_outage() {
        let report = simulate(&Scenario::herd(300), &[PolicyKind::NoRetries, PolicyKind::Default]);
        let (none, default) = (&report.policies[0], &report.policies[1]);
        assert_eq!((none.gave_up, none.peak_after_recovery), (300, 0));
        assert!(none.outage_calls_ended < 1.0);
        assert_eq!(default.succeeded, 300, "a small herd fits the capacity once the server is back");
        assert!(default.amplification > 5.0);
    }

    #[test]
    fn the_budget_bounds_what_the_stream_adds_during_the_outage() {
        let report =
            simulate(&small_steady(), &[PolicyKind::NoRetries, PolicyKind::Default, PolicyKind::DefaultWithBudget]);
        let [none, default, budget] = [0, 1, 2].map(|i| &report.policies[i]);
        assert!(default.received_during_outage > 2 * none.received_during_outage);
        assert!(budget.received_during_outage < default.received_during_outage);
        assert!(budget.refused > 0 && budget.budget_before_outage.is_some());
        assert!(!budget.budget.is_empty() && default.budget.is_empty());
        assert!(report.steady_table().contains("default + budget"));
    }
}
