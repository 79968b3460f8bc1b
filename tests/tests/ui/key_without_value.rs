use retry_core::retry;

#[retry(on)]
fn no_value() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error attempts = 3)]
fn no_comma() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = async |e: &std::io::Error| true)]
fn async_closure() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (no_value(), no_comma(), async_closure());
}
