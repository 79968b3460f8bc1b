use retry_core::retry;

#[retry(on = std::io::Error, crate = "retry_core")]
fn quoted() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, crate = ::not_a_crate)]
fn missing() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = quoted();
}
