//! A flaky HTTP service on loopback that follows a script.
//!
//! [`FlakyServer`] is a real HTTP/1.1 server (hyper) on `127.0.0.1`. Each request
//! gets the next [`Step`] of its script: an answer (say 503 with `Retry-After`),
//! a reset connection, or a stall; once the script is used up, every request gets
//! the server's fallback answer (200 `ok` unless told otherwise). The server keeps
//! a log of what it did, so tests count attempts on the server side too.
//!
//! It runs on a thread and a tokio runtime of its own, so sync and async tests,
//! on any runtime or none, use it alike. Dropping the handle stops it.
//!
//! Every answer closes its connection (`Connection: close`), so that each request
//! comes on a connection of its own and meets exactly one step.

use crate::net::LOOPBACK;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// The longest a [`Step::Stall`] holds a connection when the client never gives up.
pub const MAX_STALL: Duration = Duration::from_secs(30);

/// What the server does with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Answer with this status, headers and body.
    Respond {
        /// The status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
    /// Read the request, then reset the connection (TCP RST): the client sees
    /// "connection reset by peer" where it waits for the answer.
    Reset,
    /// Read the request and never answer: the client's timeout has to fire. The
    /// connection is held until the client closes it, the server stops, or
    /// [`MAX_STALL`] passes.
    Stall,
    /// Read the request, start the answer (`HTTP/1.1 200 OK` and half a
    /// header), then close the connection: the client sees the connection
    /// closed mid-response (hyper: "connection closed before message
    /// completed"), after the server received (and, for all it knows, applied)
    /// the request.
    CloseMidResponse,
}

impl Step {
    /// 200 with `body`.
    pub fn ok(body: impl Into<String>) -> Self {
        Step::Respond { status: 200, headers: Vec::new(), body: body.into() }
    }

    /// This status with an empty body.
    #[must_use]
    pub fn status(status: u16) -> Self {
        Step::Respond { status, headers: Vec::new(), body: String::new() }
    }

    /// 503 Service Unavailable, with `Retry-After: seconds` if given.
    ///
    /// ```
    /// use testkit::http::Step;
    /// assert_eq!(
    ///     Step::unavailable(Some(2)),
    ///     Step::status(503).with_header("retry-after", "2").with_body("service unavailable")
    /// );
    /// ```
    #[must_use]
    pub fn unavailable(retry_after_secs: Option<u64>) -> Self {
        let step = Step::status(503).with_body("service unavailable");
        match retry_after_secs {
            Some(secs) => step.with_header("retry-after", &secs.to_string()),
            None => step,
        }
    }

    /// 429 Too Many Requests, with `Retry-After: seconds` if given.
    #[must_use]
    pub fn too_many_requests(retry_after_secs: Option<u64>) -> Self {
        let step = Step::status(429).with_body("too many requests");
        match retry_after_secs {
            Some(secs) => step.with_header("retry-after", &secs.to_string()),
            None => step,
        }
    }

    /// Adds a header to an answer (does nothing to the other steps).
    #[must_use]
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Step::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }

    /// Replaces the body of an answer (does nothing to the other steps).
    #[must_use]
    pub fn with_body(mut self, text: impl Into<String>) -> Self {
        if let Step::Respond { body, .. } = &mut self {
            *body = text.into();
        }
        self
    }

    fn served(&self, method: String, path: String) -> Served {
        let outcome = match self {
            Step::Respond { status, .. } => Outcome::Status(*status),
            Step::Reset => Outcome::Reset,
            Step::Stall => Outcome::Stall,
            Step::CloseMidResponse => Outcome::ClosedMidResponse,
        };
        Served { outcome, method, path }
    }
}

/// What the server did with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered with this status.
    Status(u16),
    /// Reset the connection.
    Reset,
    /// Never answered.
    Stall,
    /// Closed the connection in the middle of its answer.
    ClosedMidResponse,
}

/// One entry of the server's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    /// What the server did.
    pub outcome: Outcome,
    /// The request's method (`?` if the request line could not be read).
    pub method: String,
    /// The request's path (`?` if the request line could not be read).
    pub path: String,
}

#[derive(Debug)]
struct State {
    script: Mutex<VecDeque<Step>>,
    fallback: Step,
    log: Mutex<Vec<Served>>,
}

impl State {
    fn next_step(&self) -> Step {
        lock(&self.script).pop_front().unwrap_or_else(|| self.fallback.clone())
    }

    fn record(&self, served: Served) {
        lock(&self.log).push(served);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A scripted HTTP/1.1 server on `127.0.0.1`; stops when dropped.
///
/// ```
/// use testkit::http::{FlakyServer, Outcome, Step};
///
/// let server = FlakyServer::start([Step::Reset, Step::unavailable(None)])?;
/// for _ in 0..3 {
///     // A bare-hands client: send a request, read until the server closes.
///     let _ = std::net::TcpStream::connect(server.addr()).and_then(|mut s| {
///         use std::io::{Read, Write};
///         s.write_all(b"GET /x HTTP/1.1\r\nhost: t\r\n\r\n")?;
///         let mut out = Vec::new();
///         s.read_to_end(&mut out).map(|_| ())
///     });
/// }
/// let outcomes: Vec<Outcome> = server.served().into_iter().map(|s| s.outcome).collect();
/// assert_eq!(outcomes, [Outcome::Reset, Outcome::Status(503), Outcome::Status(200)]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct FlakyServer {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FlakyServer {
    /// Starts a server that follows `script`, then answers 200 `ok` to every
    /// further request.
    ///
    /// # Errors
    ///
    /// If no loopback port can be bound.
    pub fn start(script: impl IntoIterator<Item = Step>) -> io::Result<Self> {
        Self::start_then(script, Step::ok("ok"))
    }

    /// Starts a server that follows `script`, then does `fallback` for every
    /// further request.
    ///
    /// # Errors
    ///
    /// If no loopback port can be bound.
    pub fn start_then(script: impl IntoIterator<Item = Step>, fallback: Step) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind((LOOPBACK, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let state =
            Arc::new(State { script: Mutex::new(script.into_iter().collect()), fallback, log: Mutex::new(Vec::new()) });
        let (shutdown, stop) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let thread_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name(format!("flaky-http-{}", addr.port()))
            .spawn(move || runtime.block_on(serve(listener, thread_state, stop)))?;
        Ok(FlakyServer { addr, state, shutdown: Some(shutdown), thread: Some(thread) })
    }

    /// `127.0.0.1:port`.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port` followed by `path`.
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Appends steps to the script.
    pub fn push(&self, steps: impl IntoIterator<Item = Step>) {
        lock(&self.state.script).extend(steps);
    }

    /// How many requests the server has met so far.
    #[must_use]
    pub fn requests(&self) -> usize {
        lock(&self.state.log).len()
    }

    /// What the server did with each request so far, in order.
    #[must_use]
    pub fn served(&self) -> Vec<Served> {
        lock(&self.state.log).clone()
    }
}

impl Drop for FlakyServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn serve(listener: std::net::TcpListener, state: Arc<State>, mut stop: oneshot::Receiver<()>) {
    let Ok(listener) = TcpListener::from_std(listener) else { return };
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(handle(stream, Arc::clone(&state)));
                }
            }
            // Reap finished connections so the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

async fn handle(mut stream: TcpStream, state: Arc<State>) {
    // Take the step when the request arrives, not when the client connects.
    let mut first = [0; 512];
    let (method, path) = match stream.peek(&mut first).await {
        Ok(0) | Err(_) => return,
        Ok(n) => request_line(&first[..n]),
    };
    let step = state.next_step();
    state.record(step.served(method, path));
    match step {
        Step::Reset => {
            let _ = tokio::time::timeout(Duration::from_secs(2), read_request_head(&mut stream)).await;
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        Step::CloseMidResponse => {
            let _ = tokio::time::timeout(Duration::from_secs(2), read_request_head(&mut stream)).await;
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-len").await;
            // Half-close, then drain what the client still sends (a request body)
            // until it hangs up: closing with unread data would reset instead.
            let _ = stream.shutdown().await;
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                let mut sink = [0; 1024];
                while let Ok(n) = stream.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
        }
        Step::Stall => {
            // Hold the connection, answering nothing, until the client hangs up.
            let _ = tokio::time::timeout(MAX_STALL, async {
                let mut sink = [0; 1024];
                while let Ok(n) = stream.read(&mut sink).await {
                    if n == 0 {
                        break;
                    }
                }
            })
            .await;
        }
        Step::Respond { status, headers, body } => {
            let service = service_fn(move |_: Request<Incoming>| {
                let response = respond(status, &headers, &body);
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = http1::Builder::new().keep_alive(false).serve_connection(TokioIo::new(stream), service).await;
        }
    }
}

fn respond(status: u16, headers: &[(String, String)], body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_owned())));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) =
            (hyper::header::HeaderName::try_from(name.as_str()), hyper::header::HeaderValue::try_from(value.as_str()))
        {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// `GET /path HTTP/1.1` → (`GET`, `/path`).
fn request_line(head: &[u8]) -> (String, String) {
    let line = head.split(|b| *b == b'\r' || *b == b'\n').next().unwrap_or_default();
    let mut parts = line.split(|b| *b == b' ');
    match (parts.next(), parts.next()) {
        (Some(method), Some(path)) => {
            (String::from_utf8_lossy(method).into_owned(), String::from_utf8_lossy(path).into_owned())
        }
        _ => ("?".to_owned(), "?".to_owned()),
    }
}

async fn read_request_head(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buffer = [0; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(request_line(b"GET /a/b?c=d HTTP/1.1\r\nhost: x\r\n"), ("GET".into(), "/a/b?c=d".into()));
        assert_eq!(request_line(b"garbage"), ("?".into(), "?".into()));
    }
}
