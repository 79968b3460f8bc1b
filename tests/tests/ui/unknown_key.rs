use retry_core::retry;

#[retry(on = std::io::Error, attempt = 3)]
fn typo() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, timout = 3, wait_maximum = 4)]
fn typos() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, retries = 3)]
fn far_off() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (typo(), typos(), far_off());
}
