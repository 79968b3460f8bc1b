use retry_core::retry;

#[retry(on = std::io::Error, wait_max = None)]
fn no_cap() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, wait_exp_base = 0.5)]
fn shrinking() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, wait_exp_base = "2")]
fn quoted_base() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (no_cap(), shrinking(), quoted_base());
}
