use retry_core::retry;

const TIMEOUT_SECS: u64 = 10;

#[retry(on = std::io::Error, timeout = TIMEOUT_SECS)]
fn seconds_constant() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = seconds_constant();
}
