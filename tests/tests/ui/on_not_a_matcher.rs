use retry_core::retry;
use std::io;

#[retry(on = 5)]
fn number() -> io::Result<()> {
    Ok(())
}

#[retry(on = { String::from("io") })]
fn string() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (number(), string());
}
