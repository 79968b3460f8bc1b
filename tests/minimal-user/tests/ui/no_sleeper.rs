use retry_core::retry;
use std::io;

#[retry(on = io::Error)]
async fn fetch() -> io::Result<u32> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
