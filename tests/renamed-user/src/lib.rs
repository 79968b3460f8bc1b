//! A crate that depends on retry-core as `renamed_retry`, so `::retry_core` does not
//! resolve here: every path the attribute generates must go through `crate = ..`.

use renamed_retry::retry;
use std::cell::Cell;
use std::io;

/// Fails until its third call.
#[retry(on = io::Error, attempts = 5, wait_initial = 0, wait_jitter = 0, crate = ::renamed_retry)]
pub fn third_time_lucky(calls: &Cell<u32>) -> io::Result<u32> {
    calls.set(calls.get() + 1);
    if calls.get() < 3 { Err(io::Error::other("not yet")) } else { Ok(calls.get()) }
}

/// The same, async, with a closure `on` and a method receiver.
pub struct Client {
    /// Calls made.
    pub calls: u32,
}

impl Client {
    /// Fails until its third call.
    #[retry(on = |e| e.kind() == io::ErrorKind::TimedOut, wait_initial = 0, wait_jitter = 0, crate = renamed_retry)]
    pub async fn get(&mut self) -> io::Result<u32> {
        self.calls += 1;
        if self.calls < 3 { Err(io::ErrorKind::TimedOut.into()) } else { Ok(self.calls) }
    }
}
