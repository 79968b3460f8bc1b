//! Real `redis-server` and `redis-sentinel` processes on loopback.
//!
//! Each server runs in a temporary directory of its own, listens on
//! `127.0.0.1` only, and is killed when its handle is dropped. Standalone
//! servers persist every acknowledged write (`appendonly yes`,
//! `appendfsync always`), so a server killed with SIGKILL and restarted still
//! has them.
//!
//! Check for the binaries first with [`require_binaries!`](crate::require_binaries):
//!
//! ```
//! # fn main() -> std::io::Result<()> {
//! testkit::require_binaries!(testkit::redis::SERVER);
//! let mut server = testkit::redis::RedisServer::start()?;
//! let mut conn = server.connection().expect("connects");
//! redis::cmd("SET").arg("k").arg("v").exec(&mut conn).expect("set");
//!
//! server.kill()?;
//! assert!(server.connection().is_err());
//! server.restart()?;
//! let mut conn = server.connection().expect("connects again");
//! let v: String = redis::cmd("GET").arg("k").query(&mut conn).expect("get");
//! assert_eq!(v, "v");
//! # Ok(())
//! # }
//! ```

use crate::net::{LOOPBACK, free_port};
use redis::{Client, Connection, RedisResult};
use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The server binary.
pub const SERVER: &str = "redis-server";
/// The sentinel binary.
pub const SENTINEL: &str = "redis-sentinel";
/// The command-line client, which [`RedisCluster`](crate::redis_cluster::RedisCluster)
/// creates its cluster with (`redis-cli --cluster create`).
pub const CLI: &str = "redis-cli";

/// How long a server may take to answer `PING` after it was started.
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// Timeouts of the helper's own admin connections.
const ADMIN_TIMEOUT: Duration = Duration::from_secs(2);

/// A `redis-server` process on `127.0.0.1`, killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    dir: TempDir,
    /// Arguments beyond the base ones, given by the caller.
    extra: Vec<String>,
    /// The master's port, for a replica.
    replica_of: Option<u16>,
    /// Set once it rejoined after a failure: a sentinel must not promote it back.
    rejoined: bool,
    child: Option<Child>,
}

impl RedisServer {
    /// Starts a standalone server on a free port and waits until it answers `PING`.
    ///
    /// # Errors
    ///
    /// If the binary cannot be run or the server does not come up; the error
    /// carries the end of its log.
    pub fn start() -> io::Result<Self> {
        Self::start_with(&[])
    }

    /// [`start`](Self::start) with extra `redis-server` arguments, e.g.
    /// `["--maxmemory", "10mb"]`.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub fn start_with(extra: &[&str]) -> io::Result<Self> {
        Self::start_inner(extra, None)
    }

    fn start_inner(extra: &[&str], replica_of: Option<u16>) -> io::Result<Self> {
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        let mut last_error = None;
        // The port was free a moment ago; if another process took it meanwhile,
        // the server exits at once and we try another one.
        for _ in 0..5 {
            let mut server = RedisServer {
                port: free_port()?,
                dir: tempfile::tempdir()?,
                extra: extra.clone(),
                replica_of,
                rejoined: false,
                child: None,
            };
            match server.spawn_and_wait() {
                Ok(()) => return Ok(server),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("redis-server did not start")))
    }

    /// Starts a replica of `master` and waits until its replication link is up
    /// and the first sync is done.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start), or if the replica does not sync in time.
    pub fn start_replica_of(master: &RedisServer) -> io::Result<Self> {
        let replica = Self::start_inner(&[], Some(master.port))?;
        replica.wait_for_sync(READY_TIMEOUT)?;
        Ok(replica)
    }

    /// The port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:port`.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((LOOPBACK, self.port))
    }

    /// `redis://127.0.0.1:port/`.
    #[must_use]
    pub fn url(&self) -> String {
        url(self.port)
    }

    /// The server's data directory (AOF files, `redis.log`).
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A client for this server.
    ///
    /// # Errors
    ///
    /// Never for a loopback URL; redis-rs's own error otherwise.
    pub fn client(&self) -> RedisResult<Client> {
        Client::open(self.url())
    }

    /// A new connection with 2 s connect, read and write timeouts.
    ///
    /// # Errors
    ///
    /// If the server does not accept it (killed, still starting).
    pub fn connection(&self) -> RedisResult<Connection> {
        admin_connection(self.port)
    }

    /// The process id, while running.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is alive.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// Kills the server with SIGKILL (no shutdown, no final save) and reaps it.
    /// Killing a server that is not running does nothing.
    ///
    /// # Errors
    ///
    /// If the signal cannot be sent.
    pub fn kill(&mut self) -> io::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Stops the server with SIGSTOP, the way a stalled host or a long GC pause
    /// looks from outside: the process holds its port and connections are
    /// accepted by the kernel, but nothing is answered until
    /// [`resume`](Self::resume). A paused server is still killed on drop (SIGKILL
    /// ends a stopped process too), and [`kill`](Self::kill) and
    /// [`restart`](Self::restart) work on it.
    ///
    /// ```
    /// # fn main() -> std::io::Result<()> {
    /// testkit::require_binaries!(testkit::redis::SERVER);
    /// use std::time::Duration;
    ///
    /// let mut server = testkit::redis::RedisServer::start()?;
    /// let mut conn = server.connection().expect("connects");
    /// conn.set_read_timeout(Some(Duration::from_millis(200))).expect("sets the timeout");
    ///
    /// server.pause()?;
    /// let error = redis::cmd("PING").query::<String>(&mut conn).expect_err("a paused server does not answer");
    /// assert!(error.is_timeout(), "{error}");
    ///
    /// server.resume()?;
    /// // A new connection: the old one still has the answer to the first PING coming.
    /// let mut conn = server.connection().expect("connects");
    /// let pong: String = redis::cmd("PING").query(&mut conn).expect("answers again");
    /// assert_eq!(pong, "PONG");
    ///
    /// // Dropping a paused server kills it all the same.
    /// server.pause()?;
    /// let port = server.port();
    /// drop(server);
    /// assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// `NotConnected` if the server is not running; otherwise if `kill` cannot be
    /// run or fails.
    pub fn pause(&mut self) -> io::Result<()> {
        signal(self.pid(), "STOP")
    }

    /// Lets a server stopped by [`pause`](Self::pause) run again (SIGCONT). It
    /// answers what it was sent meanwhile. Resuming a server that is not paused
    /// does nothing.
    ///
    /// # Errors
    ///
    /// As [`pause`](Self::pause).
    pub fn resume(&mut self) -> io::Result<()> {
        signal(self.pid(), "CONT")
    }

    /// Starts the server again, on the same port, with the same data directory
    /// and arguments, and waits until it answers `PING` (its data loaded).
    /// Kills it first if it is still running.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill()?;
        self.spawn_and_wait()
    }

    /// Starts the server again, with the same port, data directory and extra
    /// arguments, as a replica of the server on `127.0.0.1:master_port` (how a
    /// failed master rejoins after a failover), and waits until it synced.
    ///
    /// It rejoins with `replica-priority 0`, so that a sentinel never promotes it
    /// back: a node that just failed is the last one an operator wants as master,
    /// and a test that restarts it wants one failover, not two.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start), or if the replica does not sync in time.
    pub fn restart_as_replica_of(&mut self, master_port: u16) -> io::Result<()> {
        self.kill()?;
        self.replica_of = Some(master_port);
        self.rejoined = true;
        self.spawn_and_wait()?;
        self.wait_for_sync(READY_TIMEOUT)
    }

    /// `master` or `slave`, as `ROLE` says.
    ///
    /// # Errors
    ///
    /// If the server does not answer.
    pub fn role(&self) -> RedisResult<String> {
        let info = self.info("replication")?;
        Ok(info_field(&info, "role").unwrap_or_default())
    }

    /// The text of `INFO section`.
    ///
    /// # Errors
    ///
    /// If the server does not answer.
    pub fn info(&self, section: &str) -> RedisResult<String> {
        redis::cmd("INFO").arg(section).query(&mut self.connection()?)
    }

    /// Waits until this replica's link to its master is up and synced.
    ///
    /// # Errors
    ///
    /// `TimedOut` if it is not in time.
    pub fn wait_for_sync(&self, timeout: Duration) -> io::Result<()> {
        wait_until(timeout, "the replica to sync with its master", || {
            let info = self.info("replication").ok()?;
            let up = info_field(&info, "master_link_status").as_deref() == Some("up")
                && info_field(&info, "master_sync_in_progress").as_deref() == Some("0");
            up.then_some(())
        })
    }

    /// The last `lines` lines of the server's log, for failure messages.
    #[must_use]
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.dir.path().join("redis.log"), lines)
    }

    fn spawn_and_wait(&mut self) -> io::Result<()> {
        let mut command = server_command(self.port, self.dir.path());
        command
            // Every acknowledged write survives SIGKILL.
            .args(["--save", "", "--appendonly", "yes", "--appendfsync", "always"])
            // Replicas sync at once, without writing a dump file.
            .args(["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"])
            .args(&self.extra)
            .args(self.rejoined.then_some(["--replica-priority", "0"]).into_iter().flatten())
            .args(
                self.replica_of
                    .iter()
                    .flat_map(|port| ["--replicaof".to_owned(), "127.0.0.1".to_owned(), port.to_string()]),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.child = Some(command.spawn().map_err(|e| io::Error::new(e.kind(), format!("cannot run {SERVER}: {e}")))?);
        wait_ready(self.port, &mut self.child, || self.dir.path().join("redis.log"))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// Settings of a [`Sentinel`].
#[derive(Clone, Debug)]
pub struct SentinelConfig {
    /// The name the master is monitored under (default `mymaster`).
    pub master_name: String,
    /// How long the master must be unreachable before the sentinel considers it
    /// down (`down-after-milliseconds`, default 2 s).
    ///
    /// Not 1 s: right after a failover the sentinel measures the new master's
    /// silence from the switch, but may wait up to 1 s before it reconnects to
    /// it, so with 1 s it can see the new master "down" before its first ping and
    /// fail over a second time (seen in CI; redis/redis#8607 reports the same
    /// with short `down-after-milliseconds`). 2 s leaves a second of margin.
    pub down_after: Duration,
    /// `failover-timeout` (default 5 s).
    pub failover_timeout: Duration,
}

impl Default for SentinelConfig {
    fn default() -> Self {
        Self {
            master_name: "mymaster".into(),
            down_after: Duration::from_secs(2),
            failover_timeout: Duration::from_secs(5),
        }
    }
}

/// A `redis-sentinel` process on `127.0.0.1` monitoring one master (quorum 1),
/// killed on drop.
#[derive(Debug)]
pub struct Sentinel {
    port: u16,
    dir: TempDir,
    config: SentinelConfig,
    child: Option<Child>,
}

impl Sentinel {
    /// Starts a sentinel that monitors the master on `127.0.0.1:master_port`, and
    /// waits until it answers `PING`.
    ///
    /// # Errors
    ///
    /// If the binary cannot be run or the sentinel does not come up.
    #[allow(
        clippy::needless_pass_by_value,
        reason = "takes a config as `PrometheusServer::start` does, built for the call"
    )]
    pub fn start(master_port: u16, config: SentinelConfig) -> io::Result<Self> {
        let mut last_error = None;
        for _ in 0..5 {
            let mut sentinel =
                Sentinel { port: free_port()?, dir: tempfile::tempdir()?, config: config.clone(), child: None };
            match sentinel.spawn_and_wait(master_port) {
                Ok(()) => return Ok(sentinel),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("redis-sentinel did not start")))
    }

    /// The sentinel's port.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:port/`.
    #[must_use]
    pub fn url(&self) -> String {
        url(self.port)
    }

    /// The name the master is monitored under.
    #[must_use]
    pub fn master_name(&self) -> &str {
        &self.config.master_name
    }

    /// The master's port as the sentinel sees it now
    /// (`SENTINEL get-master-addr-by-name`).
    ///
    /// # Errors
    ///
    /// If the sentinel does not answer or does not know the master.
    pub fn master_port(&self) -> RedisResult<u16> {
        master_port_from(self.port, &self.config.master_name)
    }

    /// How many replicas of the master the sentinel knows of.
    ///
    /// # Errors
    ///
    /// If the sentinel does not answer.
    pub fn replica_count(&self) -> RedisResult<usize> {
        let replicas: Vec<redis::Value> = redis::cmd("SENTINEL")
            .arg("replicas")
            .arg(&self.config.master_name)
            .query(&mut admin_connection(self.port)?)?;
        Ok(replicas.len())
    }

    /// Waits until the sentinel knows of at least `count` replicas.
    ///
    /// # Errors
    ///
    /// `TimedOut` if it does not in time.
    pub fn wait_for_replicas(&self, count: usize, timeout: Duration) -> io::Result<()> {
        wait_until(timeout, "the sentinel to discover the replicas", || {
            (self.replica_count().ok()? >= count).then_some(())
        })
    }

    /// Waits until the sentinel names a master other than `old_port`, and returns
    /// the new master's port.
    ///
    /// # Errors
    ///
    /// `TimedOut` if no failover happens in time.
    pub fn wait_for_failover(&self, old_port: u16, timeout: Duration) -> io::Result<u16> {
        wait_until(timeout, "the sentinel to promote a new master", || {
            self.master_port().ok().filter(|port| *port != old_port)
        })
    }

    /// The last `lines` lines of the sentinel's log: its view of the failover.
    #[must_use]
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.dir.path().join("sentinel.log"), lines)
    }

    fn spawn_and_wait(&mut self, master_port: u16) -> io::Result<()> {
        let dir = self.dir.path();
        let name = &self.config.master_name;
        let mut conf = String::new();
        let _ = write!(
            conf,
            "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {dir}\nlogfile sentinel.log\n\
             sentinel monitor {name} 127.0.0.1 {master_port} 1\n\
             sentinel down-after-milliseconds {name} {down}\n\
             sentinel failover-timeout {name} {failover}\n\
             sentinel parallel-syncs {name} 1\n",
            port = self.port,
            dir = dir.display(),
            down = self.config.down_after.as_millis(),
            failover = self.config.failover_timeout.as_millis(),
        );
        let conf_path = dir.join("sentinel.conf");
        std::fs::write(&conf_path, conf)?;
        let mut command = Command::new(SENTINEL);
        command.current_dir(dir).arg(&conf_path).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        self.child =
            Some(command.spawn().map_err(|e| io::Error::new(e.kind(), format!("cannot run {SENTINEL}: {e}")))?);
        wait_ready(self.port, &mut self.child, || self.dir.path().join("sentinel.log"))
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A master, one replica and one sentinel, all on loopback and ready: the
/// replica synced, the sentinel aware of both.
#[derive(Debug)]
pub struct SentinelGroup {
    /// The master at the start.
    pub master: RedisServer,
    /// Its replica.
    pub replica: RedisServer,
    /// The sentinel watching them.
    pub sentinel: Sentinel,
}

impl SentinelGroup {
    /// Starts the three and waits until the sentinel knows the replica.
    ///
    /// # Errors
    ///
    /// If any of them does not come up in time.
    pub fn start(config: SentinelConfig) -> io::Result<Self> {
        let master = RedisServer::start()?;
        let replica = RedisServer::start_replica_of(&master)?;
        let sentinel = Sentinel::start(master.port(), config)?;
        sentinel.wait_for_replicas(1, Duration::from_secs(20))?;
        Ok(SentinelGroup { master, replica, sentinel })
    }
}

/// Asks the sentinel on `127.0.0.1:sentinel_port` for the port of the master
/// named `name`, the way a Sentinel client discovers it.
///
/// # Errors
///
/// If the sentinel does not answer, or does not know the master (an error of
/// kind `MasterNameNotFoundBySentinel`).
pub fn master_port_from(sentinel_port: u16, name: &str) -> RedisResult<u16> {
    let addr: Option<(String, u16)> =
        redis::cmd("SENTINEL").arg("get-master-addr-by-name").arg(name).query(&mut admin_connection(sentinel_port)?)?;
    addr.map(|(_, port)| port)
        .ok_or_else(|| (redis::ErrorKind::MasterNameNotFoundBySentinel, "the sentinel does not know the master").into())
}

/// A `redis-server` on `127.0.0.1:port`, in the foreground, with its data and
/// its log (`redis.log`) in `dir`: what every server and cluster node shares.
pub(crate) fn server_command(port: u16, dir: &Path) -> Command {
    let mut command = Command::new(SERVER);
    command.current_dir(dir).args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--daemonize", "no"]).args([
        "--dir",
        &dir.to_string_lossy(),
        "--logfile",
        "redis.log",
    ]);
    command
}

/// `redis://127.0.0.1:port/`.
#[must_use]
pub fn url(port: u16) -> String {
    format!("redis://127.0.0.1:{port}/")
}

/// Sends the signal named `name` (`STOP`, `CONT`) to the process `pid` with the
/// `kill` command (the shell's builtin if there is no `kill` binary).
fn signal(pid: Option<u32>, name: &str) -> io::Result<()> {
    let pid = pid.ok_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "the server is not running"))?.to_string();
    let output = match Command::new("kill").args(["-s", name, &pid]).stdin(Stdio::null()).output() {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Command::new("sh").args(["-c", "kill -s \"$0\" \"$1\"", name, &pid]).stdin(Stdio::null()).output()?
        }
        other => other?,
    };
    if output.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "kill -s {name} {pid} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

/// A connection with 2 s connect, read and write timeouts.
pub(crate) fn admin_connection(port: u16) -> RedisResult<Connection> {
    let conn = Client::open(url(port))?.get_connection_with_timeout(ADMIN_TIMEOUT)?;
    conn.set_read_timeout(Some(ADMIN_TIMEOUT))?;
    conn.set_write_timeout(Some(ADMIN_TIMEOUT))?;
    Ok(conn)
}

/// Waits until the process on `port` answers `PING` with `PONG` (not `LOADING`).
pub(crate) fn wait_ready(port: u16, child: &mut Option<Child>, log: impl Fn() -> std::path::PathBuf) -> io::Result<()> {
    let started = Instant::now();
    loop {
        if let Ok(mut conn) = admin_connection(port)
            && redis::cmd("PING").query::<String>(&mut conn).is_ok_and(|pong| pong == "PONG")
        {
            return Ok(());
        }
        let exited = match child.as_mut() {
            Some(c) => c.try_wait()?,
            None => return Err(io::Error::other("no process")),
        };
        if let Some(status) = exited {
            *child = None;
            return Err(io::Error::other(format!(
                "the process for port {port} exited ({status}); its log ends with:\n{}",
                tail(&log(), 20)
            )));
        }
        if started.elapsed() > READY_TIMEOUT {
            if let Some(mut c) = child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("port {port} did not answer PING in {READY_TIMEOUT:?}; log:\n{}", tail(&log(), 20)),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Calls `check` every 50 ms until it returns a value, for at most `timeout`.
fn wait_until<T>(timeout: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> io::Result<T> {
    let started = Instant::now();
    loop {
        if let Some(value) = check() {
            return Ok(value);
        }
        if started.elapsed() > timeout {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("gave up waiting for {what} after {timeout:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The value of `field:` in `INFO` output.
///
/// ```
/// let info = "# Replication\r\nrole:slave\r\nmaster_link_status:up\r\n";
/// assert_eq!(testkit::redis::info_field(info, "role").as_deref(), Some("slave"));
/// assert_eq!(testkit::redis::info_field(info, "nope"), None);
/// ```
#[must_use]
pub fn info_field(info: &str, field: &str) -> Option<String> {
    info.lines().find_map(|line| line.strip_prefix(field)?.strip_prefix(':').map(|v| v.trim().to_owned()))
}

/// The last `lines` lines of the file at `path`.
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| format!("(no log at {}: {e})", path.display()));
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
