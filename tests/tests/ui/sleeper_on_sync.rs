use retry_core::retry;

#[retry(on = std::io::Error, sleeper = retry_core::sleep::TokioSleeper)]
fn blocking() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = blocking();
}
