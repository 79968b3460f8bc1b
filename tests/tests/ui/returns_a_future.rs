use retry_core::retry;
use std::future::Future;
use std::io;

#[retry(on = io::Error)]
fn fetch() -> impl Future<Output = io::Result<u32>> {
    async { Ok(1) }
}

fn main() {
    let _ = fetch();
}
