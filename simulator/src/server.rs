//! The backend: a fixed capacity, load shedding past it, and an outage.

use std::fmt;

/// Why a request failed. Both are retryable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SimError {
    /// The server is down.
    Down,
    /// The server is up but at capacity, and shed the request.
    Overloaded,
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SimError::Down => "server down",
            SimError::Overloaded => "server overloaded",
        })
    }
}

/// A token bucket in integer nanoseconds: each request costs `1 s / capacity` of
/// credit, credit accrues with time up to `depth`, and a request that finds too
/// little is shed. Responses are immediate.
#[derive(Debug)]
pub(crate) struct Server {
    cost: u64,
    depth: u64,
    credit: u64,
    last: u64,
    outage: (u64, u64),
}

impl Server {
    /// A server of `capacity` requests a second, absorbing `depth` nanoseconds of
    /// work at once, down in `[outage.0, outage.1)`.
    pub(crate) fn new(capacity: u32, depth: u64, outage: (u64, u64)) -> Self {
        let cost = 1_000_000_000 / u64::from(capacity.max(1));
        let depth = depth.max(cost);
        Server { cost, depth, credit: depth, last: 0, outage }
    }

    /// Handles a request arriving at `now` (never earlier than the previous one).
    pub(crate) fn handle(&mut self, now: u64) -> Result<(), SimError> {
        self.credit = self.credit.saturating_add(now.saturating_sub(self.last)).min(self.depth);
        self.last = self.last.max(now);
        if (self.outage.0..self.outage.1).contains(&now) {
            return Err(SimError::Down);
        }
        if self.credit >= self.cost {
            self.credit -= self.cost;
            Ok(())
        } else {
            Err(SimError::Overloaded)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    #[test]
    fn sheds_past_capacity_and_refills() {
        // 1,000/s, 10 ms deep: 10 at once, then one a millisecond.
        let mut server = Server::new(1_000, 10 * MS, (0, 0));
        let at_once = (0..20).filter(|_| server.handle(5 * MS).is_ok()).count();
        assert_eq!(at_once, 10);
        assert_eq!(server.handle(5 * MS), Err(SimError::Overloaded));
        assert_eq!(server.handle(6 * MS), Ok(()));
        assert_eq!(server.handle(6 * MS), Err(SimError::Overloaded));
    }

    #[test]
    fn fails_everything_during_the_outage() {
        let mut server = Server::new(1_000, 10 * MS, (100 * MS, 200 * MS));
        assert_eq!(server.handle(99 * MS), Ok(()));
        assert_eq!(server.handle(100 * MS), Err(SimError::Down));
        assert_eq!(server.handle(199 * MS), Err(SimError::Down));
        assert_eq!(server.handle(200 * MS), Ok(()));
        assert_eq!(SimError::Down.to_string(), "server down");
    }
}
