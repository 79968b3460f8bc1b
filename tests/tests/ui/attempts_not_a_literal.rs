use retry_core::retry;
use std::io;

const ATTEMPTS: u32 = 5;

#[retry(on = io::Error, attempts = ATTEMPTS)]
fn constant() -> io::Result<()> {
    Ok(())
}

#[retry(on = io::Error, attempts = 2 + 1)]
fn expression() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (constant(), expression());
}
