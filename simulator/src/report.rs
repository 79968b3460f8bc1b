//! What a run measures, and the tables of docs/fleet.md.

use crate::policy::PolicyKind;
use crate::scenario::{Scenario, Workload};
use std::fmt::Write;

/// What one policy did in one scenario. Times are in seconds from the start of
/// the outage; "outage calls" are the calls whose first attempt fell in it.
///
/// ```
/// use simulator::{PolicyKind, Scenario, simulate};
///
/// let report = simulate(&Scenario::herd(200), &[PolicyKind::NoRetries]);
/// let baseline = &report.policies[0];
/// assert_eq!(baseline.calls, 200);
/// assert_eq!(baseline.amplification, 1.0);
/// assert_eq!(baseline.gave_up, 200, "every call failed in the outage and gave up");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyReport {
    /// The policy.
    pub policy: PolicyKind,
    /// Calls made in the whole run.
    pub calls: u64,
    /// Calls whose first attempt fell in the outage.
    pub outage_calls: u64,
    /// Attempts per outage call: how much retrying multiplied their traffic.
    pub amplification: f64,
    /// Requests (attempts of any call) the server received while it was down.
    pub received_during_outage: u64,
    /// Requests in the busiest 100 ms window that starts at or after the recovery.
    pub peak_after_recovery: u32,
    /// When that window starts.
    pub peak_at: f64,
    /// When the last outage call ended (success, giving up, or refusal).
    pub outage_calls_ended: f64,
    /// Calls that succeeded.
    pub succeeded: u64,
    /// Calls that gave up: attempts used up, or the deadline reached.
    pub gave_up: u64,
    /// Calls that a budget refused a retry, so they failed at once.
    pub refused: u64,
    /// Of those, the refusals that happened during the outage.
    pub refused_during_outage: u64,
    /// Refused calls that started 5 s or more after the recovery.
    pub refused_starting_5s_after_recovery: u64,
    /// Seconds after the recovery of the last refusal, if any came after it.
    pub last_refusal_after_recovery: Option<f64>,
    /// Retries the budgets (all processes) would grant just before the outage.
    pub budget_before_outage: Option<u64>,
    /// Retries the budgets would grant 5 s after the recovery.
    pub budget_5s_after_recovery: Option<u64>,
    /// Requests received per 100 ms, from the start of the simulation.
    pub load: Vec<u32>,
    /// Retries the budgets would grant, every 100 ms from the start (empty
    /// without a budget).
    pub budget: Vec<u64>,
    /// When the outage starts, in seconds from the start of the simulation.
    pub outage_start: f64,
}

/// The policies of one scenario, side by side.
///
/// ```
/// use simulator::{PolicyKind, Scenario, simulate};
///
/// let report = simulate(&Scenario::herd(300), &[PolicyKind::NoJitter, PolicyKind::Default]);
/// let table = report.herd_table();
/// assert!(table.starts_with("| policy |"));
/// assert!(table.contains("| no jitter |"));
/// assert!(report.get(PolicyKind::Default).is_some());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The scenario.
    pub scenario: Scenario,
    /// One report per policy, in the order asked for.
    pub policies: Vec<PolicyReport>,
}

impl Report {
    /// The report of `policy`, if it was run.
    #[must_use]
    pub fn get(&self, policy: PolicyKind) -> Option<&PolicyReport> {
        self.policies.iter().find(|p| p.policy == policy)
    }

    /// The herd's table: amplification, the peak after recovery, when the last
    /// call ended, and how the calls ended.
    #[must_use]
    pub fn herd_table(&self) -> String {
        let no_jitter = self.get(PolicyKind::NoJitter).map(|p| f64::from(p.peak_after_recovery));
        let mut out = String::from(
            "| policy | calls per client | peak 100 ms after recovery | vs no jitter | all calls ended | succeeded | gave up | refused by budget |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for p in &self.policies {
            let versus = match no_jitter {
                Some(n) if n > 0.0 => format!("{:.2}x", f64::from(p.peak_after_recovery) / n),
                _ => "-".into(),
            };
            let _ = writeln!(
                out,
                "| {} | {:.2} | {} (at {:.1} s) | {} | {:.1} s | {} | {} | {} |",
                p.policy.name(),
                p.amplification,
                p.peak_after_recovery,
                p.peak_at,
                versus,
                p.outage_calls_ended,
                p.succeeded,
                p.gave_up,
                p.refused,
            );
        }
        out
    }

    /// The steady stream's table: what the server received during the outage,
    /// against no retries at all, and what the budget cost and how it recovered.
    ///
    /// ```
    /// use simulator::{PolicyKind, Scenario, simulate};
    ///
    /// let mut scenario = Scenario::steady(0.8);
    /// scenario.capacity = 50;
    /// let report = simulate(&scenario, &[PolicyKind::NoRetries, PolicyKind::DefaultWithBudget]);
    /// assert!(report.steady_table().contains("| no retries |"));
    /// assert_eq!(report.table(), report.steady_table(), "the table that fits the workload");
    /// ```
    #[must_use]
    pub fn steady_table(&self) -> String {
        let baseline = self.get(PolicyKind::NoRetries).map(|p| p.received_during_outage as f64);
        let mut out = String::from(
            "| policy | received during outage | vs no retries | attempts per outage call | peak 100 ms after recovery | outage calls ended | succeeded | gave up | refused by budget (during outage) | budget 5 s after recovery (before outage) | last refusal after recovery |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for p in &self.policies {
            let versus = match baseline {
                Some(n) if n > 0.0 => format!("{:.3}x", p.received_during_outage as f64 / n),
                _ => "-".into(),
            };
            let budget = match (p.budget_5s_after_recovery, p.budget_before_outage) {
                (Some(after), Some(before)) => format!("{after} ({before})"),
                _ => "-".into(),
            };
            let last = p.last_refusal_after_recovery.map_or("-".into(), |t| format!("+{t:.2} s"));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.2} | {} | {:.1} s | {} | {} | {} ({}) | {} | {} |",
                p.policy.name(),
                p.received_during_outage,
                versus,
                p.amplification,
                p.peak_after_recovery,
                p.outage_calls_ended,
                p.succeeded,
                p.gave_up,
                p.refused,
                p.refused_during_outage,
                budget,
                last,
            );
        }
        out
    }

    /// The table that fits the workload.
    #[must_use]
    pub fn table(&self) -> String {
        match self.scenario.workload {
            Workload::Herd { .. } => self.herd_table(),
            Workload::Steady { .. } => self.steady_table(),
        }
    }
}
