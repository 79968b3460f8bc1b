//! Test helpers shared by the integration tests.
#![allow(dead_code)]

use retry_core::sleep::BlockingSleeper;
use std::cell::{Cell, RefCell};
use std::io;
use std::time::{Duration, Instant};

/// A blocking sleeper on a virtual clock: sleeping advances the clock and records
/// the wait, so sync schedules are exact and instant.
pub struct VirtualClock {
    start: Instant,
    elapsed: Cell<Duration>,
    pub sleeps: RefCell<Vec<Duration>>,
}

impl VirtualClock {
    pub fn new() -> Self {
        Self { start: Instant::now(), elapsed: Cell::new(Duration::ZERO), sleeps: RefCell::new(Vec::new()) }
    }

    /// Lets time pass without a retry sleep, as a slow attempt would.
    pub fn advance(&self, by: Duration) {
        self.elapsed.set(self.elapsed.get() + by);
    }

    pub fn elapsed(&self) -> Duration {
        self.elapsed.get()
    }

    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.borrow().clone()
    }
}

impl BlockingSleeper for VirtualClock {
    fn sleep(&self, wait: Duration) {
        self.advance(wait);
        self.sleeps.borrow_mut().push(wait);
    }

    fn now(&self) -> Instant {
        self.start + self.elapsed.get()
    }
}

/// An error that remembers which attempt made it, to prove which one comes back.
pub fn numbered(n: u32) -> io::Error {
    io::Error::other(format!("failure {n}"))
}
