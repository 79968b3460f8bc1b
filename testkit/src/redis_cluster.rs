//! A real Redis Cluster on loopback: six `redis-server` processes, three masters
//! and three replicas, that a test can kill, restart and fail over.
//!
//! Each node runs in a temporary directory of its own, listens on `127.0.0.1`
//! only (its cluster bus on its port + 10 000), persists every acknowledged
//! write (`appendonly yes`, `appendfsync always`) and is killed when the
//! [`RedisCluster`] is dropped. The nodes time each other out after 1 s
//! (`cluster-node-timeout 1000`), so a killed master is replaced by its replica
//! within a few seconds; a replica can always be promoted, however long it was cut
//! off (`cluster-replica-validity-factor 0`), and a cluster with a slot unserved
//! answers no reads either (`cluster-allow-reads-when-down no`).
//!
//! Check for the binaries first with [`require_binaries!`](crate::require_binaries):
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use testkit::redis::{CLI, SERVER};
//! use testkit::redis_cluster::RedisCluster;
//!
//! testkit::require_binaries!(SERVER, CLI);
//! let mut cluster = RedisCluster::start()?;
//! let client = redis::cluster::ClusterClientBuilder::new(cluster.urls()).build()?;
//! let mut conn = client.get_connection()?;
//! redis::cmd("SET").arg("k").arg("v").exec(&mut conn)?;
//!
//! let old = cluster.master_for_key("k")?;
//! cluster.kill(old)?;
//! let new = cluster.wait_for_failover(old, Duration::from_secs(30))?;
//! assert_eq!(cluster.master_for_key("k")?, new);
//! cluster.restart(old)?;
//! assert_eq!(cluster.replica_of(new)?, old);
//! # Ok(())
//! # }
//! ```

use crate::net::{LOOPBACK, free_port};
use crate::redis::{CLI, SERVER, admin_connection, info_field, server_command, tail, url, wait_ready};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::fs::File;
use std::io;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How many nodes a cluster has: three masters, each with one replica.
const NODES: usize = 6;
/// How many of them are masters.
const MASTERS: usize = 3;
/// A node's cluster bus listens on its port + 10 000.
const BUS_OFFSET: u16 = 10_000;
/// The highest port a node can have: its bus port must be a port too.
const MAX_PORT: u16 = u16::MAX - BUS_OFFSET;
/// `cluster-node-timeout`, in milliseconds.
const NODE_TIMEOUT_MS: u64 = 1_000;
/// How long forming the cluster, or a restarted node's rejoining, may take.
const CLUSTER_TIMEOUT: Duration = Duration::from_secs(30);
/// How often the waits ask the nodes.
const POLL: Duration = Duration::from_millis(50);
/// Every slot of a cluster.
const SLOTS: usize = 16_384;

/// A Redis Cluster of six `redis-server` processes on `127.0.0.1` (three
/// masters, three replicas), all killed on drop.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<Node>,
    /// The slot ranges each killed master served when it was killed.
    killed_slots: HashMap<u16, Vec<(u16, u16)>>,
}

impl RedisCluster {
    /// Starts six nodes on free ports (each with a free bus port, port + 10 000),
    /// joins them with `redis-cli --cluster create .. --cluster-replicas 1`, and
    /// waits until every node reports `cluster_state:ok` with all slots served,
    /// all nodes agree on who is master of which slots and every replica has
    /// synced with its master. Tries again with other ports if a port was taken.
    ///
    /// # Errors
    ///
    /// If a binary cannot be run, or the cluster does not form in time; the error
    /// carries the end of the nodes' logs (or of `redis-cli`'s output).
    pub fn start() -> io::Result<Self> {
        let mut last_error = None;
        for _ in 0..3 {
            match Self::try_start() {
                Ok(cluster) => return Ok(cluster),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("the cluster did not start")))
    }

    /// The ports of all six nodes, whether running or killed, in the order they
    /// were started.
    #[must_use]
    pub fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|node| node.port).collect()
    }

    /// `redis://127.0.0.1:port/` of all six nodes: the initial nodes of a
    /// cluster client, `redis::cluster::ClusterClientBuilder::new(cluster.urls())`.
    #[must_use]
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(|node| url(node.port)).collect()
    }

    /// The ports of the masters that serve slots, as a running node's
    /// `CLUSTER NODES` says now, in ascending order. A master that was killed
    /// stays one until a replica took over its slots.
    ///
    /// # Errors
    ///
    /// If no running node answers.
    pub fn masters(&self) -> io::Result<Vec<u16>> {
        let mut masters: Vec<u16> =
            self.view(None)?.iter().filter(|node| node.is_master() && !node.slots.is_empty()).map(|n| n.port).collect();
        masters.sort_unstable();
        Ok(masters)
    }

    /// The port of the master that serves `key`'s slot (`CLUSTER KEYSLOT`), as a
    /// running node's `CLUSTER NODES` says now.
    ///
    /// # Errors
    ///
    /// If no running node answers, or `NotFound` if no master serves the slot.
    pub fn master_for_key(&self, key: &str) -> io::Result<u16> {
        self.ask_any(None, |port| {
            let slot: u16 = redis::cmd("CLUSTER")
                .arg("KEYSLOT")
                .arg(key)
                .query(&mut admin_connection(port).map_err(|e| redis_error(port, &e))?)
                .map_err(|e| redis_error(port, &e))?;
            cluster_nodes(port)?
                .iter()
                .find(|node| node.is_master() && node.serves(slot))
                .map(|node| node.port)
                .ok_or_else(|| {
                    io::Error::new(io::ErrorKind::NotFound, format!("no master serves slot {slot} (key {key:?})"))
                })
        })
    }

    /// The port of a replica of the master on `master_port` that is not marked
    /// as failing (the lowest port if there are several), as a running node's
    /// `CLUSTER NODES` says now.
    ///
    /// # Errors
    ///
    /// If no running node answers, or `NotFound` if `master_port` is no node of
    /// the cluster or has no working replica.
    pub fn replica_of(&self, master_port: u16) -> io::Result<u16> {
        let nodes = self.view(None)?;
        let master = nodes.iter().find(|node| node.port == master_port).ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("no node on port {master_port} in the cluster"))
        })?;
        nodes
            .iter()
            .filter(|node| node.has("slave") && !node.is_failing() && node.master.as_deref() == Some(&master.id))
            .map(|node| node.port)
            .min()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{master_port} has no working replica")))
    }

    /// Kills the node on `port` with SIGKILL (no shutdown, no final save) and
    /// reaps it. Its directory stays, with its data and `nodes.conf`, for
    /// [`restart`](Self::restart). If it is a master, the slots it serves are
    /// noted for [`wait_for_failover`](Self::wait_for_failover). Killing a node
    /// that is not running does nothing.
    ///
    /// # Errors
    ///
    /// `NotFound` if no node of the cluster has that port; or if the signal
    /// cannot be sent.
    pub fn kill(&mut self, port: u16) -> io::Result<()> {
        let index = self.index(port)?;
        if self.nodes[index].child.is_none() {
            return Ok(());
        }
        // Best effort: a master that is already failed over serves nothing.
        if let Ok(nodes) = self.view(Some(port))
            && let Some(node) = nodes.iter().find(|node| node.port == port && node.is_master())
            && !node.slots.is_empty()
        {
            self.killed_slots.insert(port, node.slots.clone());
        }
        self.nodes[index].kill()
    }

    /// Starts the node on `port` again, with the same port, directory and
    /// arguments, and waits until it rejoined: it reports `cluster_state:ok`, its
    /// replication link is up if it is a replica, and every other running node
    /// sees it in the role it has and not failing. A master that was failed over
    /// meanwhile comes back as a replica of the node that took its slots (the
    /// cluster tells it so; its `nodes.conf` tells it who is who). Kills the node
    /// first if it is running.
    ///
    /// # Errors
    ///
    /// `NotFound` if no node of the cluster has that port; or if it does not come
    /// up or rejoin in time, with the end of the nodes' logs.
    pub fn restart(&mut self, port: u16) -> io::Result<()> {
        let index = self.index(port)?;
        let node = &mut self.nodes[index];
        node.kill()?;
        node.spawn()?;
        node.wait_ready()?;
        self.killed_slots.remove(&port);
        self.wait_for(CLUSTER_TIMEOUT, &format!("node {port} to rejoin the cluster"), || {
            let state = cluster_state(port).map_err(|e| e.to_string())?;
            if state != "ok" {
                return Err(format!("{port} says cluster_state:{state}"));
            }
            let replication = info(port, "replication").map_err(|e| e.to_string())?;
            let role = info_field(&replication, "role").unwrap_or_default();
            if role == "slave"
                && (info_field(&replication, "master_link_status").as_deref() != Some("up")
                    || info_field(&replication, "master_sync_in_progress").as_deref() != Some("0"))
            {
                return Err(format!("{port} has not synced with its master yet"));
            }
            for other in self.running().filter(|other| *other != port) {
                let nodes = cluster_nodes(other).map_err(|e| e.to_string())?;
                match nodes.iter().find(|node| node.port == port) {
                    Some(node) if !node.is_failing() && node.has(&role) => {}
                    Some(node) => {
                        return Err(format!("{other} sees {port} as {}, it is a {role}", node.flags.join(",")));
                    }
                    None => return Err(format!("{other} does not know {port}")),
                }
            }
            Ok(())
        })
    }

    /// Waits until the slots of the master on `old_master_port` (killed, or
    /// otherwise cut off) are served by another master, the promoted replica, in
    /// the view of every running node but that one, and every one of them reports
    /// `cluster_state:ok`. Returns the new master's port.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `old_master_port` served no slots (neither now nor when
    /// it was [killed](Self::kill)); `TimedOut` if the failover does not happen in
    /// time, with the end of the nodes' logs.
    pub fn wait_for_failover(&self, old_master_port: u16, timeout: Duration) -> io::Result<u16> {
        let old = old_master_port;
        let current = self
            .view(Some(old))
            .ok()
            .and_then(|nodes| nodes.into_iter().find(|node| node.port == old && node.is_master()))
            .map(|node| node.slots)
            .filter(|slots| !slots.is_empty());
        let slots = current.or_else(|| self.killed_slots.get(&old).cloned()).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{old} serves no slots: there is nothing to fail over"))
        })?;
        self.wait_for(timeout, &format!("a replica to take over the slots of {old}"), || {
            let mut new = None;
            for port in self.running().filter(|port| *port != old) {
                let state = cluster_state(port).map_err(|e| e.to_string())?;
                if state != "ok" {
                    return Err(format!("{port} says cluster_state:{state}"));
                }
                let nodes = cluster_nodes(port).map_err(|e| e.to_string())?;
                let owner = nodes
                    .iter()
                    .find(|node| {
                        node.is_master() && !node.is_failing() && slots.iter().all(|range| node.covers(*range))
                    })
                    .map(|node| node.port);
                match (owner, new) {
                    (None, _) => return Err(format!("{port} sees no single master serving the slots of {old}")),
                    (Some(owner), _) if owner == old => return Err(format!("{port} still sees {old} serve them")),
                    (Some(owner), Some(other)) if owner != other => {
                        return Err(format!("{port} sees {owner} serve them, another node sees {other}"));
                    }
                    (Some(owner), _) => new = Some(owner),
                }
            }
            new.ok_or_else(|| "no node is running".to_owned())
        })
    }

    /// The last `lines` lines of the log of the node on `port` (empty if no node
    /// has that port), for failure messages.
    #[must_use]
    pub fn log_tail(&self, port: u16, lines: usize) -> String {
        self.nodes.iter().find(|node| node.port == port).map(|node| node.log_tail(lines)).unwrap_or_default()
    }

    fn try_start() -> io::Result<Self> {
        let mut taken = HashSet::new();
        let mut cluster = RedisCluster { nodes: Vec::with_capacity(NODES), killed_slots: HashMap::new() };
        // All six start at once; then each is waited for.
        for _ in 0..NODES {
            let mut node = Node { port: pick_port(&mut taken)?, dir: tempfile::tempdir()?, child: None };
            node.spawn()?;
            cluster.nodes.push(node);
        }
        for node in &mut cluster.nodes {
            // The ports were free a moment ago; a node whose port (or bus port)
            // another process took meanwhile exits at once, and gets other ones.
            let mut attempts = 0;
            while let Err(e) = node.wait_ready() {
                attempts += 1;
                if attempts == 5 {
                    return Err(e);
                }
                *node = Node { port: pick_port(&mut taken)?, dir: tempfile::tempdir()?, child: None };
                node.spawn()?;
            }
        }
        cluster.create()?;
        cluster.wait_until_formed()?;
        Ok(cluster)
    }

    /// `redis-cli --cluster create`, its output in the first node's directory.
    fn create(&self) -> io::Result<()> {
        let log_path = self.nodes[0].dir.path().join("cluster-create.log");
        let log = File::create(&log_path)?;
        let mut child = Command::new(CLI)
            .args(["--cluster", "create"])
            .args(self.nodes.iter().map(|node| format!("127.0.0.1:{}", node.port)))
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .map_err(|e| io::Error::new(e.kind(), format!("cannot run {CLI}: {e}")))?;
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if started.elapsed() > CLUSTER_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "{CLI} --cluster create did not finish in {CLUSTER_TIMEOUT:?}; its output ends with:\n{}\n{}",
                        tail(&log_path, 20),
                        self.log_tails(5)
                    ),
                ));
            }
            std::thread::sleep(POLL);
        };
        if status.success() {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "{CLI} --cluster create failed ({status}); its output ends with:\n{}\n{}",
                tail(&log_path, 20),
                self.log_tails(5)
            )))
        }
    }

    /// Waits until every node says `cluster_state:ok` with all slots served and
    /// all six nodes known, they all agree on the masters, their slots and their
    /// replicas (one each), and every replica synced.
    fn wait_until_formed(&self) -> io::Result<()> {
        self.wait_for(CLUSTER_TIMEOUT, "the cluster to form", || {
            let mut first: Option<Summary> = None;
            for port in self.running() {
                let cluster = cluster_info(port).map_err(|e| e.to_string())?;
                for (field, want) in [("cluster_state", "ok"), ("cluster_known_nodes", "6")] {
                    let value = info_field(&cluster, field).unwrap_or_default();
                    if value != want {
                        return Err(format!("{port} says {field}:{value}"));
                    }
                }
                if info_field(&cluster, "cluster_slots_ok").as_deref() != Some(&SLOTS.to_string()) {
                    return Err(format!("{port} does not see all slots served"));
                }
                let nodes = cluster_nodes(port).map_err(|e| e.to_string())?;
                let summary = summary(&nodes).map_err(|e| format!("{port} sees {e}"))?;
                match &first {
                    None => first = Some(summary),
                    Some(first) if *first != summary => return Err(format!("{port} sees another cluster than others")),
                    Some(_) => {}
                }
                let replication = info(port, "replication").map_err(|e| e.to_string())?;
                if info_field(&replication, "role").as_deref() == Some("slave")
                    && (info_field(&replication, "master_link_status").as_deref() != Some("up")
                        || info_field(&replication, "master_sync_in_progress").as_deref() != Some("0"))
                {
                    return Err(format!("replica {port} has not synced yet"));
                }
            }
            Ok(())
        })
    }

    /// The ports of the nodes that run (were not killed).
    fn running(&self) -> impl Iterator<Item = u16> + '_ {
        self.nodes.iter().filter(|node| node.child.is_some()).map(|node| node.port)
    }

    fn index(&self, port: u16) -> io::Result<usize> {
        self.nodes
            .iter()
            .position(|node| node.port == port)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no node of the cluster has port {port}")))
    }

    /// `ask` of the first running node (but `except`) that answers.
    fn ask_any<T>(&self, except: Option<u16>, mut ask: impl FnMut(u16) -> io::Result<T>) -> io::Result<T> {
        let mut last_error = None;
        for port in self.running().filter(|port| Some(*port) != except) {
            match ask(port) {
                Ok(value) => return Ok(value),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotConnected, "no node of the cluster runs")))
    }

    /// `CLUSTER NODES` of the first running node (but `except`) that answers.
    fn view(&self, except: Option<u16>) -> io::Result<Vec<NodeEntry>> {
        self.ask_any(except, cluster_nodes)
    }

    /// Calls `check` every 50 ms until it succeeds, for at most `timeout`; its
    /// last complaint and the nodes' logs make the error.
    fn wait_for<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut check: impl FnMut() -> Result<T, String>,
    ) -> io::Result<T> {
        let started = Instant::now();
        loop {
            let reason = match check() {
                Ok(value) => return Ok(value),
                Err(reason) => reason,
            };
            if started.elapsed() > timeout {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("gave up waiting for {what} after {timeout:?}: {reason}\n{}", self.log_tails(5)),
                ));
            }
            std::thread::sleep(POLL);
        }
    }

    /// The last `lines` lines of every node's log.
    fn log_tails(&self, lines: usize) -> String {
        let mut out = String::new();
        for node in &self.nodes {
            let state = if node.child.is_some() { "running" } else { "killed" };
            let _ = writeln!(out, "--- node {} ({state}), redis.log ends with:\n{}", node.port, node.log_tail(lines));
        }
        out
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        // Signal all first, then reap: the nodes die in parallel.
        for child in self.nodes.iter_mut().filter_map(|node| node.child.as_mut()) {
            let _ = child.kill();
        }
        for node in &mut self.nodes {
            let _ = node.kill();
        }
    }
}

/// One `redis-server` of the cluster.
#[derive(Debug)]
struct Node {
    port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl Node {
    fn spawn(&mut self) -> io::Result<()> {
        let mut command = server_command(self.port, self.dir.path());
        command
            .args(["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"])
            .args(["--cluster-node-timeout", &NODE_TIMEOUT_MS.to_string()])
            // A replica can always be promoted, however long it was cut off.
            .args(["--cluster-replica-validity-factor", "0"])
            .args(["--cluster-allow-reads-when-down", "no"])
            // Every acknowledged write survives SIGKILL.
            .args(["--save", "", "--appendonly", "yes", "--appendfsync", "always"])
            // Replicas sync at once, without writing a dump file.
            .args(["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.child = Some(command.spawn().map_err(|e| io::Error::new(e.kind(), format!("cannot run {SERVER}: {e}")))?);
        Ok(())
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        wait_ready(self.port, &mut self.child, || self.dir.path().join("redis.log"))
    }

    fn kill(&mut self) -> io::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    fn log_tail(&self, lines: usize) -> String {
        tail(&self.dir.path().join("redis.log"), lines)
    }
}

/// A free loopback port at most [`MAX_PORT`] whose bus port (+ 10 000) is free
/// too, neither of them in `taken`; both are added to it.
fn pick_port(taken: &mut HashSet<u16>) -> io::Result<u16> {
    for _ in 0..1_000 {
        let port = free_port()?;
        if port > MAX_PORT || taken.contains(&port) {
            continue;
        }
        let bus = port + BUS_OFFSET;
        if taken.contains(&bus) || TcpListener::bind((LOOPBACK, bus)).is_err() {
            continue;
        }
        taken.extend([port, bus]);
        return Ok(port);
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("found no free port <= {MAX_PORT} with a free port + {BUS_OFFSET}"),
    ))
}

/// A line of `CLUSTER NODES`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct NodeEntry {
    id: String,
    port: u16,
    flags: Vec<String>,
    /// The master's id, for a replica.
    master: Option<String>,
    /// The slot ranges it serves, inclusive.
    slots: Vec<(u16, u16)>,
}

impl NodeEntry {
    fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    fn is_master(&self) -> bool {
        self.has("master")
    }

    /// Marked as failing, for sure (`fail`) or in this node's opinion (`fail?`).
    fn is_failing(&self) -> bool {
        self.has("fail") || self.has("fail?")
    }

    fn serves(&self, slot: u16) -> bool {
        self.covers((slot, slot))
    }

    fn covers(&self, (start, end): (u16, u16)) -> bool {
        self.slots.iter().any(|&(a, b)| a <= start && end <= b)
    }
}

/// Parses `CLUSTER NODES`: `<id> <ip:port@cport[,hostname]> <flags> <master>
/// <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> <slot> ..`, where a
/// slot is `n` or `a-b` (entries of slots being migrated, `[..]`, are skipped).
fn parse_nodes(text: &str) -> Vec<NodeEntry> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let id = fields.next()?.to_owned();
            let port = fields.next()?.split(['@', ',']).next()?.rsplit(':').next()?.parse().ok()?;
            let flags = fields.next()?.split(',').map(str::to_owned).collect();
            let master = fields.next().filter(|master| *master != "-").map(str::to_owned);
            let slots = fields.skip(4).filter_map(parse_slots).collect();
            Some(NodeEntry { id, port, flags, master, slots })
        })
        .collect()
}

fn parse_slots(field: &str) -> Option<(u16, u16)> {
    match field.split_once('-') {
        Some((start, end)) => Some((start.parse().ok()?, end.parse().ok()?)),
        None => field.parse().ok().map(|slot| (slot, slot)),
    }
}

/// A cluster as one node sees it: `(port, its master's port, slot ranges)` of
/// each node, by port.
type Summary = Vec<(u16, Option<u16>, Vec<(u16, u16)>)>;

/// The [`Summary`] of a formed cluster. Errors if it is not formed: a node
/// failing or still in handshake, other than three masters each with one replica.
fn summary(nodes: &[NodeEntry]) -> Result<Summary, String> {
    if nodes.len() != NODES {
        return Err(format!("{} nodes", nodes.len()));
    }
    if let Some(node) = nodes.iter().find(|node| node.is_failing() || node.has("handshake") || node.has("noaddr")) {
        return Err(format!("{} as {}", node.port, node.flags.join(",")));
    }
    let port_of = |id: &str| nodes.iter().find(|node| node.id == id).map(|node| node.port);
    let mut summary: Vec<_> =
        nodes.iter().map(|node| (node.port, node.master.as_deref().and_then(port_of), node.slots.clone())).collect();
    summary.sort();
    let masters = nodes.iter().filter(|node| node.is_master() && !node.slots.is_empty()).count();
    let mut replicated: Vec<u16> = summary.iter().filter_map(|(_, master, _)| *master).collect();
    replicated.sort_unstable();
    replicated.dedup();
    if masters != MASTERS
        || replicated.len() != MASTERS
        || summary.iter().filter(|(_, m, _)| m.is_some()).count() != MASTERS
    {
        return Err(format!("{masters} masters with slots and replicas of {replicated:?}"));
    }
    Ok(summary)
}

fn redis_error(port: u16, e: &redis::RedisError) -> io::Error {
    io::Error::other(format!("node {port}: {e}"))
}

fn query_string(port: u16, command: &mut redis::Cmd) -> io::Result<String> {
    command.query(&mut admin_connection(port).map_err(|e| redis_error(port, &e))?).map_err(|e| redis_error(port, &e))
}

fn cluster_nodes(port: u16) -> io::Result<Vec<NodeEntry>> {
    query_string(port, redis::cmd("CLUSTER").arg("NODES")).map(|text| parse_nodes(&text))
}

fn cluster_info(port: u16) -> io::Result<String> {
    query_string(port, redis::cmd("CLUSTER").arg("INFO"))
}

fn cluster_state(port: u16) -> io::Result<String> {
    cluster_info(port).map(|info| info_field(&info, "cluster_state").unwrap_or_default())
}

fn info(port: u16, section: &str) -> io::Result<String> {
    query_string(port, redis::cmd("INFO").arg(section))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODES_TEXT: &str = "\
07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@40004 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@40002,host master - 0 1426238316232 2 connected 5461-10922
292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@40003 master - 0 1426238318243 3 connected 10923-16383
6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@40005 slave 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 0 1426238316232 5 connected
824fe116063bc5fcf9f4ffd895bc17aee7731ac3 127.0.0.1:30006@40006 slave,fail 292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 0 1426238317741 6 connected
e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@40001 myself,master - 0 0 1 connected 0-5459 5460 [5461->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
";

    #[test]
    fn parses_cluster_nodes() {
        let nodes = parse_nodes(NODES_TEXT);
        assert_eq!(nodes.len(), 6);
        let me = &nodes[5];
        assert_eq!((me.port, me.is_master(), me.has("myself")), (30001, true, true));
        assert_eq!(me.slots, [(0, 5459), (5460, 5460)]);
        assert!(me.serves(5460) && !me.serves(5461));
        assert!(nodes[1].covers((5461, 10922)) && nodes[1].port == 30002);
        assert_eq!(nodes[0].master.as_deref(), Some(me.id.as_str()));
        assert!(nodes[4].is_failing() && !nodes[3].is_failing());
        assert_eq!(nodes[2].master, None);
    }

    #[test]
    fn a_formed_cluster_has_three_replicated_masters() {
        let nodes = parse_nodes(NODES_TEXT);
        assert_eq!(summary(&nodes), Err("30006 as slave,fail".to_owned()));
        let healthy = parse_nodes(&NODES_TEXT.replace("slave,fail", "slave"));
        let summary = summary(&healthy).expect("formed");
        assert_eq!(summary[0], (30001, None, vec![(0, 5459), (5460, 5460)]));
        assert_eq!(summary[3], (30004, Some(30001), vec![]));
    }

    #[test]
    fn bus_ports_are_ports_too() {
        let mut taken = HashSet::new();
        let ports: Vec<u16> = (0..NODES).map(|_| pick_port(&mut taken).expect("a port")).collect();
        assert_eq!(taken.len(), 2 * NODES);
        assert!(ports.iter().all(|port| *port <= 55_535 && !ports.contains(&(port + BUS_OFFSET))));
    }
}
