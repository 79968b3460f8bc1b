use retry_core::retry;

#[retry(on = std::io::Error, budget = 5)]
fn f() -> std::io::Result<()> {
    Ok(())
}

fn main() {}
