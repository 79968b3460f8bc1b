//! Loopback ports and binaries.

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The only address the servers of this crate listen on.
pub const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// A loopback port that was free a moment ago: the OS picked it for a listener
/// that is closed again on return. Another process could take it in between, so
/// servers started on it check that they did get it (the redis helpers retry
/// with a new port).
///
/// ```
/// let port = testkit::net::free_port()?;
/// assert_ne!(port, 0);
/// std::net::TcpListener::bind(("127.0.0.1", port))?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// If the OS has no port to give.
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((LOOPBACK, 0))?.local_addr()?.port())
}

/// Waits until something accepts TCP connections on `127.0.0.1:port`, trying every
/// 20 ms for at most `timeout`.
///
/// ```
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let port = listener.local_addr()?.port();
/// testkit::net::wait_for_port(port, std::time::Duration::from_secs(1))?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Errors
///
/// `TimedOut` if nothing listens in time.
pub fn wait_for_port(port: u16, timeout: Duration) -> io::Result<()> {
    let addr = SocketAddr::from((LOOPBACK, port));
    let deadline = Instant::now() + timeout;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("nothing listens on {addr} after {timeout:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The path of an executable named `name` on `PATH`, like `which name`.
///
/// ```
/// assert!(testkit::net::which("sh").is_some());
/// assert!(testkit::net::which("surely-no-such-binary-here").is_none());
/// ```
#[must_use]
pub fn which(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// Whether the test named `test` can run: `true` if every binary is on `PATH`.
/// Otherwise prints a loud skip message and returns `false`, or, under CI (the
/// `CI` environment variable set and not `false`), panics. Used by
/// [`require_binaries!`](crate::require_binaries).
///
/// ```
/// assert!(testkit::net::require(&["sh"], "doc"));
/// ```
///
/// # Panics
///
/// Under CI, when a binary is missing.
#[must_use]
pub fn require(binaries: &[&str], test: &str) -> bool {
    let missing: Vec<&str> = binaries.iter().copied().filter(|b| which(b).is_none()).collect();
    if missing.is_empty() {
        return true;
    }
    // libtest names the thread of each test after it.
    let thread = std::thread::current();
    let test = match thread.name() {
        Some(name) if name != "main" => format!("{test}::{name}"),
        _ => test.to_owned(),
    };
    let mut packages: Vec<&str> = missing.iter().map(|binary| debian_package(binary)).collect();
    packages.dedup();
    let message = format!(
        "SKIPPED {test}: {} not found on PATH. Install with: apt-get update && apt-get install -y {}",
        missing.join(", "),
        packages.join(" ")
    );
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(!in_ci, "{message} (CI is set, so this is a failure, not a skip)");
    // Straight to the process's stderr: libtest captures `eprintln!` of passing
    // tests, and a skip must be seen.
    let bar = "!".repeat(message.len().min(100));
    let _ = writeln!(io::stderr(), "\n{bar}\n{message}\n{bar}\n");
    false
}

/// The Debian package that carries `binary`.
fn debian_package(binary: &str) -> &str {
    match binary {
        "promtool" => "prometheus",
        "protoc" => "protobuf-compiler",
        "redis-cli" => "redis-tools",
        other => other,
    }
}

/// What a test returns when [`require_binaries!`](crate::require_binaries) skips
/// it: `()` for plain tests, `Ok(..)` for tests that return a `Result`.
pub trait Skipped {
    /// The value to return.
    fn skipped() -> Self;
}

impl Skipped for () {
    fn skipped() -> Self {}
}

impl<T: Skipped, E> Skipped for Result<T, E> {
    fn skipped() -> Self {
        Ok(T::skipped())
    }
}
