use retry_core::retry;

#[retry]
fn bare() -> std::io::Result<()> {
    Ok(())
}

#[retry(attempts = 3)]
fn without_on() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    // The functions are still emitted: no "cannot find function" follows.
    let _ = bare();
    let _ = without_on();
}
