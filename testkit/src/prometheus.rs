//! A real Prometheus server on loopback, scraping the test's own endpoints and
//! evaluating rule files, with its HTTP query API.
//!
//! It runs Debian's `prometheus` binary in a temporary directory (its TSDB goes
//! there too) and stops when the handle is dropped. Tests that use it start
//! with `testkit::require_binaries!("prometheus")`.
//!
//! ```no_run
//! # fn main() -> std::io::Result<()> {
//! let metrics = testkit::metrics::MetricsServer::start_default()?;
//! let prometheus = testkit::prometheus::PrometheusServer::start(
//!     testkit::prometheus::Config::scraping(metrics.addr()).rule_file("docs/prometheus/rules.yml"),
//! )?;
//! prometheus.wait_for_scrapes(2, std::time::Duration::from_secs(10))?;
//! let up = prometheus.query("up")?;
//! assert_eq!(up[0].value, 1.0);
//! # Ok(()) }
//! ```

use crate::net::{LOOPBACK, free_port, wait_for_port};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The binary.
pub const PROMETHEUS: &str = "prometheus";

/// What the server scrapes and evaluates.
#[derive(Clone, Debug)]
pub struct Config {
    targets: Vec<SocketAddr>,
    interval: Duration,
    rule_files: Vec<PathBuf>,
}

impl Config {
    /// Scrapes `target`'s `/metrics` every second, and evaluates rules every second.
    #[must_use]
    pub fn scraping(target: SocketAddr) -> Self {
        Config { targets: vec![target], interval: Duration::from_secs(1), rule_files: Vec::new() }
    }

    /// Sets the scrape and evaluation interval (whole seconds or milliseconds).
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Loads a rule file (recording and alerting rules).
    #[must_use]
    pub fn rule_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.rule_files.push(path.into());
        self
    }

    fn yaml(&self) -> String {
        let interval = format!("{}ms", self.interval.as_millis());
        let mut yaml = format!("global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n");
        if !self.rule_files.is_empty() {
            yaml.push_str("rule_files:\n");
            for file in &self.rule_files {
                let _ = writeln!(yaml, "  - {:?}", file.display().to_string());
            }
        }
        yaml.push_str("scrape_configs:\n  - job_name: service\n    static_configs:\n      - targets: [");
        let targets: Vec<String> = self.targets.iter().map(|t| format!("{:?}", t.to_string())).collect();
        yaml.push_str(&targets.join(", "));
        yaml.push_str("]\n");
        yaml
    }
}

/// One sample of an instant query's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Its labels (with `__name__` where the result has one).
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
}

/// A `prometheus` process on `127.0.0.1`, killed on drop.
#[derive(Debug)]
pub struct PrometheusServer {
    port: u16,
    dir: TempDir,
    child: Child,
}

impl PrometheusServer {
    /// Starts the server with `config` on a free port and waits until it is ready.
    ///
    /// # Errors
    ///
    /// If the binary cannot be run, or the server is not ready in 30 s (the
    /// error carries its log).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "takes the builder's result: `start(Config::scraping(..).rule_file(..))`"
    )]
    pub fn start(config: Config) -> io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let config_path = dir.path().join("prometheus.yml");
        std::fs::write(&config_path, config.yaml())?;
        let port = free_port()?;
        let log = std::fs::File::create(dir.path().join("prometheus.log"))?;
        let child = Command::new(PROMETHEUS)
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address={LOOPBACK}:{port}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let server = PrometheusServer { port, dir, child };
        let ready = wait_for_port(port, Duration::from_secs(30)).and_then(|()| server.wait_ready());
        match ready {
            Ok(()) => Ok(server),
            Err(e) => Err(io::Error::new(e.kind(), format!("{e}; prometheus log:\n{}", server.log()))),
        }
    }

    fn wait_ready(&self) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if get(self.port, "/-/ready").is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "prometheus was not ready in 30 s"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:port`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{LOOPBACK}:{}", self.port)
    }

    /// Its directory (config, log, TSDB).
    #[must_use]
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Its log so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }

    /// Runs an instant query now and returns its vector (a scalar comes back as
    /// one sample without labels).
    ///
    /// # Errors
    ///
    /// If the server cannot be reached or answers with an error.
    pub fn query(&self, promql: &str) -> io::Result<Vec<Sample>> {
        let body = get(self.port, &format!("/api/v1/query?query={}", encode(promql)))?;
        parse_vector(&body).map_err(|e| io::Error::other(format!("{promql}: {e}: {body}")))
    }

    /// Runs an instant query evaluated at `time` (Unix seconds), as returned by
    /// `timestamp(..)`.
    ///
    /// # Errors
    ///
    /// As [`query`](Self::query).
    pub fn query_at(&self, promql: &str, time: f64) -> io::Result<Vec<Sample>> {
        let body = get(self.port, &format!("/api/v1/query?query={}&time={time:.3}", encode(promql)))?;
        parse_vector(&body).map_err(|e| io::Error::other(format!("{promql}: {e}: {body}")))
    }

    /// Waits until the scrape target has been scraped successfully `count` times
    /// (`up` has that many samples).
    ///
    /// # Errors
    ///
    /// `TimedOut` if that does not happen within `timeout`.
    pub fn wait_for_scrapes(&self, count: usize, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let scraped = self.query("count_over_time(up[10m])")?.first().map_or(0.0, |s| s.value);
            #[allow(clippy::cast_precision_loss, reason = "a handful of scrapes")]
            if scraped >= count as f64 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{scraped} scrapes after {timeout:?}; log:\n{}", self.log()),
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for PrometheusServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GETs `path` from the server and returns the body of a 200 answer. HTTP/1.0,
/// so that Go's server answers without chunked encoding.
fn get(port: u16, path: &str) -> io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect_timeout(&SocketAddr::from((LOOPBACK, port)), Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nhost: {LOOPBACK}:{port}\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").ok_or_else(|| io::Error::other("no HTTP header"))?;
    let status = head.lines().next().unwrap_or_default();
    if status.split(' ').nth(1) != Some("200") {
        return Err(io::Error::other(format!("{path} answered {status}: {body}")));
    }
    Ok(body.to_owned())
}

/// Percent-encodes a query parameter.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn parse_vector(body: &str) -> Result<Vec<Sample>, String> {
    let answer: serde_json::Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
    if answer["status"] != "success" {
        return Err(format!("status {}", answer["status"]));
    }
    let data = &answer["data"];
    let value_of = |pair: &serde_json::Value| -> Result<f64, String> {
        let text = pair[1].as_str().ok_or("a value that is not a string")?;
        text.parse::<f64>().map_err(|e| e.to_string())
    };
    match data["resultType"].as_str() {
        Some("vector") => data["result"]
            .as_array()
            .ok_or("no result")?
            .iter()
            .map(|sample| {
                let labels = sample["metric"]
                    .as_object()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
                    .unwrap_or_default();
                Ok(Sample { labels, value: value_of(&sample["value"])? })
            })
            .collect(),
        Some("scalar") => Ok(vec![Sample { labels: BTreeMap::new(), value: value_of(&data["result"])? }]),
        other => Err(format!("result type {other:?}")),
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "samples parsed from text, compared with the very numbers written there")]
mod tests {
    use super::*;

    #[test]
    fn encodes_promql() {
        assert_eq!(encode("sum(rate(x{a=\"b\"}[1m]))"), "sum%28rate%28x%7Ba%3D%22b%22%7D%5B1m%5D%29%29");
    }

    #[test]
    fn parses_vectors_and_scalars() {
        let vector = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"s"},"value":[1.5,"2.5"]}]}}"#;
        let samples = parse_vector(vector).unwrap();
        assert_eq!(samples.len(), 1);
        assert_eq!((samples[0].labels["job"].as_str(), samples[0].value), ("s", 2.5));
        let scalar = r#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"7"]}}"#;
        assert_eq!(parse_vector(scalar).unwrap()[0].value, 7.0);
        assert!(parse_vector(r#"{"status":"error","error":"bad"}"#).is_err());
    }

    #[test]
    fn writes_a_config_with_rules_and_targets() {
        let config = Config::scraping("127.0.0.1:9000".parse().unwrap()).rule_file("/r.yml");
        let yaml = config.yaml();
        assert!(yaml.contains("scrape_interval: 1000ms"), "{yaml}");
        assert!(yaml.contains("  - \"/r.yml\""), "{yaml}");
        assert!(yaml.contains("targets: [\"127.0.0.1:9000\"]"), "{yaml}");
    }
}
