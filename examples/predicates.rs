//! Ready-made predicates: which real errors of `std::io`, reqwest and redis-rs
//! are worth retrying, the way valkey-py users write
//! `retry_on_error=[BusyLoadingError, ConnectionError, TimeoutError]`.
//!
//! Run it with `cargo run -p examples --example predicates`. The errors are
//! real: made by real sockets, a real HTTP server and, if `redis-server` is on
//! PATH, a real Redis. Redis replies that cannot be provoked on demand
//! (`LOADING`, `TRYAGAIN`, ..) are parsed from their wire bytes by redis-rs.

use retry_core::Decision;
use retry_core::predicates::is_transient_io_error;
use retry_core::predicates::redis::{is_failover_error, is_transient_redis_error};
use retry_core::predicates::reqwest::{HttpError, check_status, retry_after_or_transient};
use std::io::{Read, Write};
use std::time::Duration;
use testkit::http::{FlakyServer, Step};
use testkit::redis::{RedisServer, SERVER};

fn section(title: &str) {
    println!("\n── {title} {}", "─".repeat(76usize.saturating_sub(title.chars().count())));
}

fn row(what: &str, error: &dyn std::fmt::Display, verdict: &str) {
    let error = error.to_string();
    let error =
        if error.chars().count() > 50 { format!("{}…", error.chars().take(49).collect::<String>()) } else { error };
    println!("{what:<38} {error:<50} {verdict}");
}

/// What an HTTP error comes down to: the status, or the innermost cause.
fn short(error: &HttpError) -> String {
    match error {
        HttpError::Status(status) => match status.retry_after() {
            Some(wait) => format!("HTTP {}, Retry-After: {wait:?}", status.status()),
            None => format!("HTTP {}", status.status()),
        },
        HttpError::Transport(error) => {
            let mut cause: &dyn std::error::Error = error;
            while let Some(source) = cause.source() {
                cause = source;
            }
            format!("reqwest: {cause}")
        }
    }
}

fn verdict(retry: bool) -> &'static str {
    if retry { "retry" } else { "no retry" }
}

fn decision(d: Decision) -> String {
    match d {
        Decision::Stop => "no retry".into(),
        Decision::Retry => "retry (backoff)".into(),
        Decision::RetryAfter(wait) => format!("retry after {wait:?}"),
    }
}

async fn http(client: &reqwest::Client, url: &str) -> Result<String, HttpError> {
    Ok(check_status(client.get(url).send().await?)?.text().await?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    section("std::io::Error: is_transient_io_error");
    let port = testkit::net::free_port()?;
    let refused = std::net::TcpStream::connect(("127.0.0.1", port)).expect_err("nothing listens");
    row("connect to a closed loopback port", &refused, verdict(is_transient_io_error(&refused)));
    let resetting = FlakyServer::start_then([], Step::Reset)?;
    let mut stream = std::net::TcpStream::connect(resetting.addr())?;
    stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")?;
    let reset = stream.read(&mut [0; 64]).expect_err("reset");
    row("read from a server that resets", &reset, verdict(is_transient_io_error(&reset)));
    let missing = std::fs::File::open("/no/such/file").expect_err("missing");
    row("open a missing file", &missing, verdict(is_transient_io_error(&missing)));

    section("reqwest: retry_after_or_transient (check_status keeps Retry-After)");
    let client = reqwest::Client::builder().timeout(Duration::from_millis(300)).build()?;
    let cases = [
        ("503 with Retry-After: 2", Step::unavailable(Some(2))),
        ("429 without Retry-After", Step::too_many_requests(None)),
        ("500", Step::status(500)),
        ("404", Step::status(404)),
        ("connection reset", Step::Reset),
        ("no answer (client timeout 300 ms)", Step::Stall),
    ];
    for (what, step) in cases {
        let server = FlakyServer::start_then([], step)?;
        let error = http(&client, &server.url("/")).await.expect_err("fails");
        row(what, &short(&error), &decision(retry_after_or_transient(&error)));
    }
    let error = http(&client, &format!("http://127.0.0.1:{port}/")).await.expect_err("refused");
    row("connection refused", &short(&error), &decision(retry_after_or_transient(&error)));

    section("redis: is_transient_redis_error / is_failover_error");
    let show = |what: &str, error: &redis::RedisError| {
        let verdict = match (is_transient_redis_error(error), is_failover_error(error)) {
            (true, _) => "retry",
            (false, true) => "retry after asking the sentinel",
            (false, false) => "no retry",
        };
        row(what, error, verdict);
    };
    let refused = redis::Client::open(format!("redis://127.0.0.1:{port}/"))?.get_connection().err().expect("refused");
    show("connect to a closed loopback port", &refused);
    for wire in [
        "-LOADING Redis is loading the dataset in memory\r\n",
        "-TRYAGAIN Multiple keys request during rehashing of slot\r\n",
        "-CLUSTERDOWN The cluster is down\r\n",
        "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n",
    ] {
        let error = redis::parse_redis_value(wire.as_bytes())?.extract_error().expect_err("an error reply");
        show(&format!("reply {}", wire.split(' ').next().unwrap_or_default()), &error);
    }
    if testkit::net::which(SERVER).is_some() {
        let master = RedisServer::start()?;
        let replica = RedisServer::start_replica_of(&master)?;
        let mut conn = master.connection()?;
        redis::cmd("SET").arg("word").arg("hello").exec(&mut conn)?;
        show("INCR on a string (real server)", &redis::cmd("INCR").arg("word").exec(&mut conn).expect_err("WRONGTYPE"));
        let mut conn = replica.connection()?;
        show(
            "SET on a replica (real server)",
            &redis::cmd("SET").arg("k").arg("v").exec(&mut conn).expect_err("READONLY"),
        );
        let full = RedisServer::start_with(&["--maxmemory", "1", "--maxmemory-policy", "noeviction"])?;
        let mut conn = full.connection()?;
        show(
            "SET with no memory left (real server)",
            &redis::cmd("SET").arg("k").arg("v").exec(&mut conn).expect_err("OOM"),
        );
    } else {
        println!("(redis-server is not on PATH: skipping the errors of a real server)");
    }
    Ok(())
}
