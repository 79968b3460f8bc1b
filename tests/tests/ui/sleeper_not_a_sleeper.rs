use retry_core::retry;

#[retry(on = std::io::Error, sleeper = std::thread::sleep)]
async fn fetch() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = fetch();
}
