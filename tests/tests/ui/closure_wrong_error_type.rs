use retry_core::retry;
use std::io;

#[derive(Debug)]
struct ParseError;

#[retry(on = |e: &ParseError| true)]
fn read() -> io::Result<String> {
    Ok(String::new())
}

#[retry(on = |e| e.is_timeout())]
fn read_again() -> io::Result<String> {
    Ok(String::new())
}

fn main() {
    let _ = (read(), read_again());
}
