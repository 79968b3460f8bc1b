use retry_core::retry;
use std::io;

#[retry(on = io::Error, attempts =)]
fn attempts_at_the_end() -> io::Result<()> {
    Ok(())
}

#[retry(on = io::Error, timeout = , attempts = 3)]
fn timeout_before_a_comma() -> io::Result<()> {
    Ok(())
}

#[retry(on =)]
fn on_at_the_end() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (attempts_at_the_end(), timeout_before_a_comma(), on_at_the_end());
}
