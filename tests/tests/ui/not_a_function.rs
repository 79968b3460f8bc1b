use retry_core::retry;

#[retry(on = std::io::Error)]
struct Client {
    url: String,
}

struct Server;

#[retry(on = std::io::Error)]
impl Server {
    fn serve(&self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {
    // Both items are still emitted.
    let _ = Client { url: String::new() }.url;
    let _ = Server.serve();
}
