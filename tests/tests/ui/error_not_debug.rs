use retry_core::retry;

struct Opaque;

#[retry(on = |_| true)]
fn opaque() -> Result<(), Opaque> {
    Err(Opaque)
}

fn main() {
    let _ = opaque();
}
