use retry_core::retry;
use std::error::Error;
use std::io;

#[retry(on = io::Error)]
fn parse() -> Result<u8, impl Error> {
    Err::<u8, io::Error>(io::Error::other("bad"))
}

fn main() {
    let _ = parse();
}
