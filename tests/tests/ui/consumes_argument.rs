use retry_core::retry;
use std::io;

fn send(message: String) -> io::Result<()> {
    drop(message);
    Ok(())
}

#[retry(on = io::Error)]
fn send_owned(message: String) -> io::Result<()> {
    send(message)
}

#[retry(on = io::Error)]
async fn send_owned_async(message: String) -> io::Result<()> {
    send(message)
}

fn main() {
    let _ = send_owned(String::new());
    let _ = send_owned_async(String::new());
}
