use retry_core::retry;
use std::io;

#[retry(io::Error)]
fn type_without_key() -> io::Result<()> {
    Ok(())
}

#[retry(attempts = 3, (io::Error, std::fmt::Error))]
fn tuple_without_key() -> io::Result<()> {
    Ok(())
}

#[retry(|e| e.kind() == io::ErrorKind::TimedOut)]
fn closure_without_key() -> io::Result<()> {
    Ok(())
}

#[retry(on = io::Error, 3)]
fn number_without_key() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (type_without_key(), tuple_without_key(), closure_without_key(), number_without_key());
}
