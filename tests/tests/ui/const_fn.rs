use retry_core::retry;

#[retry(on = std::io::Error)]
const fn answer() -> Result<u32, std::io::Error> {
    Ok(42)
}

fn main() {
    let _ = answer();
}
