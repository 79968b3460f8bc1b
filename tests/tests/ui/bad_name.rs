use retry_core::retry;

#[retry(on = std::io::Error, name = db::save)]
fn path_name() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, name = "")]
fn empty_name() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (path_name(), empty_name());
}
