use retry_core::retry;

#[retry(on = std::io::Error, attempts = 0)]
fn never() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, attempts = -1)]
fn negative() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, attempts = 5000000000)]
fn too_many() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (never(), negative(), too_many());
}
