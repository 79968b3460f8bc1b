use retry_core::retry;

#[retry(on = std::io::Error, attempts = 3, attempts = 5)]
fn twice() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = twice();
}
