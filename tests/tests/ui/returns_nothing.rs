use retry_core::retry;

#[retry(on = std::io::Error)]
fn fire_and_forget(path: &str) {
    let _ = std::fs::remove_file(path);
}

fn main() {
    fire_and_forget("x");
}
