use retry_core::retry;
use std::io;

#[retry(on = io::Error, attempts = 300u8)]
fn attempts_u8() -> io::Result<()> {
    Ok(())
}

#[retry(on = io::Error, attempts = 3u32)]
fn attempts_u32() -> io::Result<()> {
    Ok(())
}

#[retry(on = io::Error, timeout = 10u64, wait_initial = 0.5f32)]
fn durations() -> io::Result<()> {
    Ok(())
}

#[retry(on = io::Error, wait_exp_base = 2f64)]
fn exp_base() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (attempts_u8(), attempts_u32(), durations(), exp_base());
}
