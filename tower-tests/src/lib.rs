//! Real servers and clients on loopback for retry-core's tower layer: a tonic
//! echo server that refuses its first calls, a sleeper that records the waits
//! the policy chose. The tests are in `tests/`; `docs/tower.md` walks through them.

/// The gRPC code generated from `proto/echo.proto` (checked in: building needs no
/// `protoc`; `tests/generated.rs` checks it is current).
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod echo {
    include!("generated/echo.rs");
}

use echo::echo_server::{Echo, EchoServer};
use echo::{EchoReply, EchoRequest};
use retry_core::sleep::Sleeper;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// Records each wait, then sleeps it on tokio.
#[derive(Clone, Debug, Default)]
pub struct Recorder(Arc<Mutex<Vec<Duration>>>);

impl Recorder {
    /// The waits so far.
    pub fn waits(&self) -> Vec<Duration> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

impl Sleeper for Recorder {
    type Sleep = tokio::time::Sleep;
    fn sleep(&self, wait: Duration) -> Self::Sleep {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(wait);
        tokio::time::sleep(wait)
    }
}

/// An echo service that answers its first calls with `refusal`, then echoes.
#[derive(Debug)]
pub struct FlakyEcho {
    calls: Arc<AtomicU32>,
    refusals: u32,
    refusal: fn() -> tonic::Status,
}

#[tonic::async_trait]
impl Echo for FlakyEcho {
    async fn echo(&self, request: tonic::Request<EchoRequest>) -> Result<tonic::Response<EchoReply>, tonic::Status> {
        let calls = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if calls <= self.refusals {
            return Err((self.refusal)());
        }
        Ok(tonic::Response::new(EchoReply { message: request.into_inner().message, calls }))
    }
}

/// A tonic server on `127.0.0.1` that answers its first `refusals` calls with
/// `refusal()`, then echoes; stops when dropped.
#[derive(Debug)]
pub struct EchoServerHandle {
    addr: SocketAddr,
    calls: Arc<AtomicU32>,
    stop: Option<oneshot::Sender<()>>,
}

impl EchoServerHandle {
    /// Starts the server on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// If no loopback port can be bound.
    pub async fn start(refusals: u32, refusal: fn() -> tonic::Status) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let calls = Arc::new(AtomicU32::new(0));
        let service = FlakyEcho { calls: Arc::clone(&calls), refusals, refusal };
        let (stop, stopped) = oneshot::channel::<()>();
        let incoming = tokio_stream_of(listener);
        tokio::spawn(async move {
            let _ = tonic::transport::Server::builder()
                .add_service(EchoServer::new(service))
                .serve_with_incoming_shutdown(incoming, async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(EchoServerHandle { addr, calls, stop: Some(stop) })
    }

    /// `http://127.0.0.1:port`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many calls the server received.
    #[must_use]
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Drop for EchoServerHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The accepted connections of `listener`, as the stream tonic serves.
fn tokio_stream_of(
    listener: tokio::net::TcpListener,
) -> impl tokio_stream::Stream<Item = std::io::Result<tokio::net::TcpStream>> {
    tokio_stream::wrappers::TcpListenerStream::new(listener)
}
