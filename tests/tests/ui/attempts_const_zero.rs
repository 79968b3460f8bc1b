use retry_core::retry;
use std::io;

const NO_ATTEMPTS: u32 = 0;

#[retry(on = io::Error, attempts = NO_ATTEMPTS)]
fn constant() -> io::Result<()> {
    Ok(())
}

#[retry(on = io::Error, attempts = 2 - 2)]
fn expression() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (constant(), expression());
}
