use retry_core::retry;
use std::io;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(20);

#[retry(on = io::Error, timeout = Some(PATIENCE))]
fn timeout_some() -> io::Result<()> {
    Ok(())
}

#[retry(on = io::Error, wait_max = Some(Duration::from_secs(5)))]
fn wait_some() -> io::Result<()> {
    Ok(())
}

#[retry(on = io::Error, attempts = Some(3))]
fn attempts_some() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (timeout_some(), wait_some(), attempts_some());
}
