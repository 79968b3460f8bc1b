use retry_core::retry;

trait Client {
    #[retry(on = std::io::Error)]
    fn get(&self) -> std::io::Result<String>;
}

fn main() {}
