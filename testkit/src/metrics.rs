//! Prometheus over HTTP: a `/metrics` endpoint, and a parser for what it serves.
//!
//! [`MetricsServer`] serves a registry (the default one unless told otherwise)
//! in the text exposition format, the way an application exposes it to a
//! Prometheus scraper. [`parse`] reads that format back (version 0.0.4: `# HELP`,
//! `# TYPE`, samples with labels, escapes, `NaN` and `±Inf`), so a test can scrape
//! with a real HTTP client and check series by name and labels.
//!
//! ```
//! let counter = prometheus::IntCounterVec::new(prometheus::Opts::new("jobs_total", "Jobs."), &["queue"])?;
//! let registry = prometheus::Registry::new();
//! registry.register(Box::new(counter.clone()))?;
//! counter.with_label_values(&["mail"]).inc_by(3);
//!
//! let server = testkit::metrics::MetricsServer::start(registry)?;
//! let text = testkit::metrics::scrape(&server.url())?;
//! let exposition = testkit::metrics::parse(&text)?;
//! assert_eq!(exposition.family("jobs_total").and_then(|f| f.kind.as_deref()), Some("counter"));
//! assert_eq!(exposition.sum("jobs_total", &[("queue", "mail")]), 3.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::net::LOOPBACK;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use prometheus::{Encoder, Registry, TextEncoder};
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::oneshot;

/// Serves a Prometheus registry at `http://127.0.0.1:port/metrics`; stops when dropped.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Serves the prometheus crate's default registry, where retry-core's
    /// `retries_total` lives unless registered elsewhere.
    ///
    /// # Errors
    ///
    /// If no loopback port can be bound.
    pub fn start_default() -> io::Result<Self> {
        Self::start(prometheus::default_registry().clone())
    }

    /// Serves `registry`.
    ///
    /// # Errors
    ///
    /// If no loopback port can be bound.
    pub fn start(registry: Registry) -> io::Result<Self> {
        let listener = std::net::TcpListener::bind((LOOPBACK, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (shutdown, mut stop) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let thread = std::thread::Builder::new().name(format!("metrics-{}", addr.port())).spawn(move || {
            runtime.block_on(async move {
                let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
                let mut connections = tokio::task::JoinSet::new();
                loop {
                    tokio::select! {
                        _ = &mut stop => break,
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            let registry = registry.clone();
                            let service = service_fn(move |request: Request<Incoming>| {
                                let response = answer(&registry, request.uri().path());
                                async move { Ok::<_, Infallible>(response) }
                            });
                            connections.spawn(async move {
                                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                            });
                        }
                        Some(_) = connections.join_next(), if !connections.is_empty() => {}
                    }
                }
                connections.abort_all();
            });
        })?;
        Ok(MetricsServer { addr, shutdown: Some(shutdown), thread: Some(thread) })
    }

    /// `127.0.0.1:port`.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port/metrics`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}/metrics", self.addr)
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(registry: &Registry, path: &str) -> Response<Full<Bytes>> {
    if path != "/metrics" {
        let mut response = Response::new(Full::new(Bytes::from_static(b"try /metrics\n")));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    }
    let encoder = TextEncoder::new();
    let mut body = Vec::new();
    let (status, body) = match encoder.encode(&registry.gather(), &mut body) {
        Ok(()) => (StatusCode::OK, body),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string().into_bytes()),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(content_type) = hyper::header::HeaderValue::try_from(encoder.format_type()) {
        response.headers_mut().insert(hyper::header::CONTENT_TYPE, content_type);
    }
    response
}

/// Fetches `url` (an `http://127.0.0.1:port/..` address) with a bare HTTP/1.1 GET
/// over a std `TcpStream` and returns the body of a 200 answer. For sync code
/// and doctests; the examples scrape with reqwest.
///
/// # Errors
///
/// If the URL is not a plain `http://host:port/path`, the connection fails, or
/// the answer is not a 200.
pub fn scrape(url: &str) -> io::Result<String> {
    let rest = url.strip_prefix("http://").ok_or_else(|| io::Error::other(format!("not an http:// URL: {url}")))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let addr: SocketAddr = authority.parse().map_err(|e| io::Error::other(format!("bad address {authority}: {e}")))?;
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").ok_or_else(|| io::Error::other("no HTTP header"))?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(io::Error::other(format!("{url} answered {}", head.lines().next().unwrap_or_default())));
    }
    Ok(body.to_owned())
}

/// One sample line: `name{label="value",..} value [timestamp]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The sample's name (for histograms and summaries, with its suffix).
    pub name: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
    /// Its timestamp in milliseconds, if given.
    pub timestamp_ms: Option<i64>,
}

impl Sample {
    /// Whether the sample has every one of these labels with these values.
    #[must_use]
    pub fn has_labels(&self, labels: &[(&str, &str)]) -> bool {
        labels.iter().all(|(k, v)| self.labels.get(*k).is_some_and(|value| value == v))
    }
}

/// A metric family: `# HELP`, `# TYPE` and its samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Family {
    /// The family's name.
    pub name: String,
    /// The `# HELP` text, unescaped.
    pub help: Option<String>,
    /// The `# TYPE`: `counter`, `gauge`, `histogram`, `summary` or `untyped`.
    pub kind: Option<String>,
    /// Its samples, in order.
    pub samples: Vec<Sample>,
}

/// A parsed exposition: the families in the order they came.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exposition {
    /// The families.
    pub families: Vec<Family>,
}

impl Exposition {
    /// The family named `name`.
    #[must_use]
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.iter().find(|f| f.name == name)
    }

    /// Every sample named `name` that has all of `labels`.
    pub fn samples<'a>(&'a self, name: &'a str, labels: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = &'a Sample> {
        self.families.iter().flat_map(|f| &f.samples).filter(move |s| s.name == name && s.has_labels(labels))
    }

    /// The sum of the values of [`samples`](Self::samples): 0 if there are none.
    #[must_use]
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.samples(name, labels).fold(0.0, |sum, s| sum + s.value)
    }
}

/// Where and why the text did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses the Prometheus text exposition format (0.0.4).
///
/// ```
/// let text = concat!(
///     "# HELP retries_total Retries scheduled.\n",
///     "# TYPE retries_total counter\n",
///     "retries_total{callable=\"a::b\",retry_num=\"1\"} 2\n",
///     "up 1 1700000000000\n",
/// );
/// let parsed = testkit::metrics::parse(text)?;
/// let family = parsed.family("retries_total").unwrap();
/// assert_eq!(family.help.as_deref(), Some("Retries scheduled."));
/// assert_eq!(family.samples[0].labels["callable"], "a::b");
/// assert_eq!(parsed.sum("retries_total", &[("retry_num", "1")]), 2.0);
/// assert_eq!(parsed.family("up").unwrap().samples[0].timestamp_ms, Some(1_700_000_000_000));
///
/// assert!(testkit::metrics::parse("broken{label=\"x} 1").is_err());
/// # Ok::<(), testkit::metrics::ParseError>(())
/// ```
///
/// # Errors
///
/// The first line that is not a comment, `# HELP`, `# TYPE` or a valid sample.
pub fn parse(text: &str) -> Result<Exposition, ParseError> {
    let mut exposition = Exposition::default();
    for (index, line) in text.lines().enumerate() {
        let error = |message: String| ParseError { line: index + 1, message };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.trim_start().splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("HELP"), Some(name), help) => {
                    family_mut(&mut exposition, name).help = Some(unescape(help.unwrap_or_default(), false));
                }
                (Some("TYPE"), Some(name), Some(kind)) => {
                    let kind = kind.trim();
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                        return Err(error(format!("unknown type `{kind}`")));
                    }
                    family_mut(&mut exposition, name).kind = Some(kind.to_owned());
                }
                (Some("TYPE"), ..) => return Err(error("`# TYPE` without a type".into())),
                _ => {} // A plain comment.
            }
            continue;
        }
        let sample = parse_sample(line).map_err(error)?;
        let family = family_of(&exposition, &sample.name);
        family_mut(&mut exposition, &family).samples.push(sample);
    }
    Ok(exposition)
}

/// The family a sample belongs to: its own name, or for `_bucket`, `_sum`,
/// `_count` (and `_total` of untyped declarations) the family declared without the suffix.
fn family_of(exposition: &Exposition, sample: &str) -> String {
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = sample.strip_suffix(suffix)
            && exposition.family(base).is_some_and(|f| matches!(f.kind.as_deref(), Some("histogram" | "summary")))
        {
            return base.to_owned();
        }
    }
    sample.to_owned()
}

fn family_mut<'a>(exposition: &'a mut Exposition, name: &str) -> &'a mut Family {
    let index = exposition.families.iter().position(|f| f.name == name).unwrap_or_else(|| {
        exposition.families.push(Family { name: name.to_owned(), ..Family::default() });
        exposition.families.len() - 1
    });
    &mut exposition.families[index]
}

fn is_name_char(c: char, first: bool) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':' || (!first && c.is_ascii_digit())
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line.char_indices().find(|(i, c)| !is_name_char(*c, *i == 0)).map_or(line.len(), |(i, _)| i);
    if name_end == 0 {
        return Err(format!("expected a metric name at `{line}`"));
    }
    let (name, mut rest) = line.split_at(name_end);
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = parse_labels(after, &mut labels)?;
    }
    let mut fields = rest.split_whitespace();
    let value = fields.next().ok_or_else(|| format!("no value for `{name}`"))?;
    let value = match value {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().map_err(|_| format!("bad value `{v}` for `{name}`"))?,
    };
    let timestamp_ms = match fields.next() {
        Some(t) => Some(t.parse().map_err(|_| format!("bad timestamp `{t}` for `{name}`"))?),
        None => None,
    };
    if let Some(extra) = fields.next() {
        return Err(format!("unexpected `{extra}` after the sample `{name}`"));
    }
    Ok(Sample { name: name.to_owned(), labels, value, timestamp_ms })
}

/// Parses `a="x",b="y"}` (after the `{`); returns what follows the `}`.
fn parse_labels<'a>(mut rest: &'a str, labels: &mut BTreeMap<String, String>) -> Result<&'a str, String> {
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok(after);
        }
        let name_end = rest.char_indices().find(|(i, c)| !is_name_char(*c, *i == 0)).map_or(rest.len(), |(i, _)| i);
        if name_end == 0 {
            return Err(format!("expected a label name at `{rest}`"));
        }
        let (name, after) = rest.split_at(name_end);
        let after = after.trim_start().strip_prefix('=').ok_or_else(|| format!("expected `=` after label `{name}`"))?;
        let after = after.trim_start().strip_prefix('"').ok_or_else(|| format!("expected `\"` for label `{name}`"))?;
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.ok_or_else(|| format!("unterminated value of label `{name}`"))?;
        if labels.insert(name.to_owned(), unescape(&after[..end], true)).is_some() {
            return Err(format!("label `{name}` given twice"));
        }
        rest = after[end + 1..].trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with('}') {
            return Err(format!("expected `,` or `}}` after label `{name}`"));
        }
    }
}

/// `\\` → `\`, `\n` → newline, and in label values `\"` → `"`.
fn unescape(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            // An escaped backslash, or one that ends the text.
            Some('\\') | None => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quotes => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "samples parsed from text, compared with the very numbers written there")]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_special_values() {
        let text = "# HELP odd A \\\\ help\\nline.\n# TYPE odd gauge\nodd{a=\"q\\\"uote\",b=\"back\\\\slash\",c=\"new\\nline\",} NaN\nodd{a=\"x\"} +Inf\nodd -Inf\n";
        let parsed = parse(text).unwrap();
        let family = parsed.family("odd").unwrap();
        assert_eq!(family.help.as_deref(), Some("A \\ help\nline."));
        assert_eq!(family.samples[0].labels["a"], "q\"uote");
        assert_eq!(family.samples[0].labels["b"], "back\\slash");
        assert_eq!(family.samples[0].labels["c"], "new\nline");
        assert!(family.samples[0].value.is_nan());
        assert_eq!(family.samples[1].value, f64::INFINITY);
        assert_eq!(family.samples[2].value, f64::NEG_INFINITY);
    }

    #[test]
    fn histograms_group_their_suffixes() {
        let text =
            "# TYPE lat histogram\nlat_bucket{le=\"0.1\"} 1\nlat_bucket{le=\"+Inf\"} 2\nlat_sum 0.3\nlat_count 2\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.families.len(), 1);
        assert_eq!(parsed.family("lat").unwrap().samples.len(), 4);
        assert_eq!(parsed.sum("lat_count", &[]), 2.0);
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(parse("ok 1\nbad{x=1} 2\n").unwrap_err().line, 2);
        assert!(parse("# TYPE x nonsense\n").is_err());
        assert!(parse("x{a=\"1\",a=\"2\"} 1\n").is_err());
        assert!(parse("x 1 2 3\n").is_err());
        assert!(parse("x one\n").is_err());
    }

    #[test]
    fn serves_and_scrapes_over_http() {
        let counter = prometheus::IntCounter::new("served_total", "Served.").unwrap();
        let registry = Registry::new();
        registry.register(Box::new(counter.clone())).unwrap();
        counter.inc();
        let server = MetricsServer::start(registry).unwrap();
        let parsed = parse(&scrape(&server.url()).unwrap()).unwrap();
        assert_eq!(parsed.sum("served_total", &[]), 1.0);
        assert!(scrape(&format!("http://{}/other", server.addr())).is_err());
    }
}
