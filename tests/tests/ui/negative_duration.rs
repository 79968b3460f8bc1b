use retry_core::retry;

#[retry(on = std::io::Error, timeout = -1)]
fn negative_timeout() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, wait_initial = -0.5)]
fn negative_wait() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, wait_max = "-2s")]
fn negative_string() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (negative_timeout(), negative_wait(), negative_string());
}
