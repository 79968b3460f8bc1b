use retry_core::retry;

#[retry(on = std::io::Error)]
fn maybe() -> Option<u32> {
    Some(1)
}

#[retry(on = std::io::Error)]
async fn number() -> u32 {
    1
}

fn main() {
    let _ = maybe();
    let _ = number();
}
