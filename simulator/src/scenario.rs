//! What is simulated: the server, its outage, and the clients.

use std::time::Duration;

/// One simulated situation: a server of `capacity` requests a second that is down
/// for `outage`, and a workload of clients in `processes` client processes (each
/// process has its own retry budget, as a budget is shared within a process).
///
/// Everything random is drawn from `seed`: the same scenario gives the same
/// report, to the last request.
///
/// ```
/// use simulator::{Scenario, Workload};
/// use std::time::Duration;
///
/// let herd = Scenario::herd(10_000);
/// assert_eq!(herd.capacity, 1_000);
/// assert_eq!(herd.outage, Duration::from_secs(10));
/// assert!(matches!(herd.workload, Workload::Herd { clients: 10_000 }));
///
/// let small = Scenario { seed: 7, ..Scenario::steady(0.8) };
/// assert_eq!(small.seed, 7);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The seed of every random draw.
    pub seed: u64,
    /// Requests a second the server can serve (C). Past it, it sheds load: the
    /// excess fails at once with a retryable "overloaded" error.
    pub capacity: u32,
    /// How much work the server can absorb at once, in time at full capacity
    /// (the depth of its token bucket): 10 ms is 10 requests at 1,000/s.
    pub burst: Duration,
    /// How long the server is down (T); every request in that time fails.
    pub outage: Duration,
    /// The clients.
    pub workload: Workload,
    /// Client processes; clients are dealt to them in turn, and each process has
    /// its own budget.
    pub processes: u32,
    /// The cap of one wait (`wait_max`, the `cap` of the redis-py strategies): 45 s.
    pub wait_max: Duration,
    /// The uniform jitter of the default and of stamina (`wait_jitter`): 1 s.
    pub wait_jitter: Duration,
    /// Attempts a call may make, the first included (10; `None`: no limit).
    pub attempts: Option<u32>,
    /// The deadline of retrying, from the first failure (45 s; `None`: none).
    pub timeout: Option<Duration>,
}

/// The clients of a scenario.
///
/// ```
/// use simulator::Workload;
/// use std::time::Duration;
///
/// let steady = Workload::Steady { load: 0.8, before: Duration::from_secs(20), after: Duration::from_secs(30) };
/// assert_eq!(steady.outage_start(), Duration::from_secs(20));
/// assert_eq!(Workload::Herd { clients: 5 }.outage_start(), Duration::ZERO);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Workload {
    /// `clients` clients, one call each, whose first attempts land uniformly in
    /// the first second of the outage (the outage starts at time zero).
    Herd {
        /// How many.
        clients: u32,
    },
    /// Calls arriving at random (a Poisson stream) at `load` times the capacity,
    /// from `before` the outage until `after` the recovery.
    Steady {
        /// The share of the capacity, e.g. 0.8.
        load: f64,
        /// How long the stream runs before the outage (enough for budgets to fill).
        before: Duration,
        /// How long it runs after the recovery.
        after: Duration,
    },
}

impl Workload {
    /// When the outage starts, counted from the start of the simulation.
    #[must_use]
    pub fn outage_start(&self) -> Duration {
        match self {
            Workload::Herd { .. } => Duration::ZERO,
            Workload::Steady { before, .. } => *before,
        }
    }
}

impl Scenario {
    /// The herd of issue 6: `clients` clients, C = 1,000/s, T = 10 s, 10 processes.
    #[must_use]
    pub fn herd(clients: u32) -> Self {
        Scenario {
            seed: 1,
            capacity: 1_000,
            burst: Duration::from_millis(10),
            outage: Duration::from_secs(10),
            workload: Workload::Herd { clients },
            processes: 10,
            wait_max: Duration::from_secs(45),
            wait_jitter: Duration::from_secs(1),
            attempts: Some(10),
            timeout: Some(Duration::from_secs(45)),
        }
    }

    /// A long outage that drives the waits to their cap: `clients` clients,
    /// T = 60 s, `wait_max` = 4 s, no attempt limit and no deadline. This is where
    /// stamina's jitter-before-the-cap and retry-core's jitter-after-it part ways.
    ///
    /// ```
    /// use simulator::Scenario;
    ///
    /// let cap = Scenario::herd_at_the_cap(100);
    /// assert_eq!((cap.attempts, cap.timeout), (None, None));
    /// assert_eq!(cap.wait_max, std::time::Duration::from_secs(4));
    /// ```
    #[must_use]
    pub fn herd_at_the_cap(clients: u32) -> Self {
        Scenario {
            outage: Duration::from_secs(60),
            wait_max: Duration::from_secs(4),
            attempts: None,
            timeout: None,
            ..Scenario::herd(clients)
        }
    }

    /// The steady stream of issue 6: `load` (0.8) of C = 1,000/s, T = 10 s, from
    /// 20 s before the outage (two budget windows) to 30 s after it, 10 processes.
    #[must_use]
    pub fn steady(load: f64) -> Self {
        Scenario {
            workload: Workload::Steady { load, before: Duration::from_secs(20), after: Duration::from_secs(30) },
            ..Scenario::herd(0)
        }
    }
}
