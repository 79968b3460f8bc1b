use retry_core::retry;
use std::io;

fn is_transient(_: &io::Error) -> bool {
    true
}

#[retry(on = (io::Error, is_transient))]
fn mixed() -> io::Result<()> {
    Ok(())
}

#[retry(on = ())]
fn nothing() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (mixed(), nothing());
}
