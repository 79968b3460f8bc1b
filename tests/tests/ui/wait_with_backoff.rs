use retry_core::backoff::ConstantBackoff;
use retry_core::retry;
use std::time::Duration;

#[retry(on = std::io::Error, backoff = ConstantBackoff::new(Duration::from_secs(1)), wait_initial = 1, wait_max = 10)]
fn both() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = both();
}
