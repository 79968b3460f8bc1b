use retry_core::retry;
use std::io;

struct Client {
    attempts: u32,
}

impl Client {
    #[retry(on = io::Error, attempts = self.attempts)]
    fn get(&self) -> io::Result<()> {
        Ok(())
    }
}

#[retry(on = io::Error, attempts = limit + 1)]
fn argument(limit: u32) -> io::Result<()> {
    let _ = limit;
    Ok(())
}

#[retry(on = io::Error, attempts = 3u64 as usize)]
fn wrong_type() -> io::Result<()> {
    Ok(())
}

fn main() {
    let _ = (Client { attempts: 3 }.get(), argument(2), wrong_type());
}
