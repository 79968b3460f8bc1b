use retry_core::retry;
use std::io;

#[retry(on = io::ErrorKind::TimedOut)]
fn io_kind() -> io::Result<()> {
    Ok(())
}

#[retry(on = std::io::ErrorKind::TimedOut)]
fn full_path() -> io::Result<()> {
    Ok(())
}

mod errors {
    #[derive(Debug, thiserror::Error)]
    pub enum Net {
        #[error("timed out")]
        Timeout,
    }
}

#[retry(on = (std::fmt::Error, errors::Net::Timeout))]
fn variant_in_a_tuple() -> Result<(), errors::Net> {
    Ok(())
}

fn main() {
    let _ = (io_kind(), full_path(), variant_in_a_tuple());
}
