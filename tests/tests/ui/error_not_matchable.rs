use retry_core::retry;

// `on = T` walks the error's `source()` chain, so the error must be an `Error`.
#[retry(on = std::io::Error)]
fn stringly() -> Result<(), String> {
    Err("no".into())
}

fn main() {
    let _ = stringly();
}
