use retry_core::retry;
use std::io;

struct Pool {
    conns: Vec<u32>,
}

impl Pool {
    #[retry(on = io::Error)]
    fn checkout(&mut self) -> io::Result<&mut u32> {
        self.conns.last_mut().ok_or_else(|| io::Error::other("empty"))
    }
}

fn main() {
    let mut pool = Pool { conns: vec![1] };
    let _ = pool.checkout();
}
