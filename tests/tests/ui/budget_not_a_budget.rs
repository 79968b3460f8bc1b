use retry_core::budget::TpsBudget;
use retry_core::retry;

#[retry(on = std::io::Error, budget = 5)]
fn f() -> std::io::Result<()> {
    Ok(())
}

struct Client;

impl Client {
    // Read from `self`, so evaluated per call: an owned budget would be new at each.
    #[retry(on = std::io::Error, budget = self.budget())]
    fn get(&self) -> std::io::Result<()> {
        Ok(())
    }

    fn budget(&self) -> TpsBudget {
        TpsBudget::default()
    }
}

fn main() {
    let _ = (f(), Client.get());
}
