use retry_core::retry;
use std::io;
use std::panic::Location;

#[retry(on = io::Error)]
#[track_caller]
fn located() -> io::Result<&'static Location<'static>> {
    Ok(Location::caller())
}

#[track_caller]
#[retry(on = io::Error)]
fn located_before() -> io::Result<&'static Location<'static>> {
    Ok(Location::caller())
}

fn main() {
    let _ = (located(), located_before());
}
