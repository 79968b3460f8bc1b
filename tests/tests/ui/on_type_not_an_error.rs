use retry_core::retry;
use std::io;

#[retry(on = String)]
fn read() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = read();
}
