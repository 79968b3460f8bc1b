use retry_core::retry;

#[retry(on = std::io::Error, timeout = "soon")]
fn words() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, wait_initial = "NaNs")]
fn nan() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, wait_max = "1.2.3s")]
fn two_points() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, wait_jitter = "1500")]
fn no_unit() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, timeout = 10u64)]
fn suffixed() -> std::io::Result<()> {
    Ok(())
}

#[retry(on = std::io::Error, timeout = 100000000000)]
fn too_long() -> std::io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (words(), nan(), two_points(), no_unit(), suffixed(), too_long());
}
