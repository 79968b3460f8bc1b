use retry_core::retry;

#[retry(on = std::io::Error, timeout = "2h")]
fn hours() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, wait_initial = "100us")]
fn micros() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (hours(), micros());
}
