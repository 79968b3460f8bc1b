use retry_core::retry;
use std::io;

#[derive(Debug)]
struct NotAnError;

#[retry(on = String)]
fn read() -> io::Result<()> {
    Ok(())
}

#[retry(on = NotAnError)]
fn write() -> io::Result<()> {
    Ok(())
}

#[retry(on = (io::Error, String))]
fn both() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (read(), write(), both());
}
