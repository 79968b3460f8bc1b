//! Scenario 3: the ready-made predicates against real errors, made by real
//! sockets, a real HTTP server (hyper) and a real redis-server, and used as `on`.

use retry_core::predicates::io::has_transient_io_error;
use retry_core::predicates::is_transient_io_error;
use retry_core::predicates::redis::{has_transient_redis_error, is_failover_error, is_transient_redis_error};
use retry_core::predicates::reqwest::{HttpError, check_status, decide_in_chain, retry_after_or_transient};
use retry_core::{Decision, Retry, backoff::NoBackoff};
use std::io::{self, Read, Write};
use std::time::Duration;
use testkit::http::{FlakyServer, Step};
use testkit::redis::{RedisServer, SERVER};

async fn get(client: &reqwest::Client, url: &str) -> Result<String, HttpError> {
    Ok(check_status(client.get(url).send().await?)?.text().await?)
}

#[test]
fn io_errors_of_real_sockets() {
    let port = testkit::net::free_port().unwrap();
    let refused = std::net::TcpStream::connect(("127.0.0.1", port)).expect_err("nothing listens");
    assert!(is_transient_io_error(&refused), "{refused}");

    let server = FlakyServer::start_then([], Step::Reset).unwrap();
    let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
    let reset = stream.read(&mut [0; 64]).expect_err("reset");
    assert_eq!(reset.kind(), io::ErrorKind::ConnectionReset);
    assert!(is_transient_io_error(&reset));

    let missing = std::fs::File::open("/no/such/file").expect_err("missing");
    assert!(!is_transient_io_error(&missing));

    // In a chain: an error of the application's own that wraps the io::Error.
    let wrapped: Box<dyn std::error::Error + Send + Sync> = Box::new(io::Error::other(reset));
    assert!(has_transient_io_error(&wrapped));
}

#[test]
fn io_predicate_as_on_retries_a_real_refusal_until_it_listens() {
    let port = testkit::net::free_port().unwrap();
    let policy = Retry::new(NoBackoff, 50).on(is_transient_io_error);
    let mut listener = None;
    let mut attempts = 0;
    let stream = policy.call(|_| {
        attempts += 1;
        if attempts == 3 {
            // The server comes up between two attempts.
            listener = Some(std::net::TcpListener::bind(("127.0.0.1", port))?);
        }
        std::net::TcpStream::connect(("127.0.0.1", port))
    });
    assert!(stream.is_ok());
    assert_eq!(attempts, 3);
}

#[tokio::test]
async fn reqwest_errors_of_a_real_server() {
    let client = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let cases = [
        (Step::unavailable(Some(2)), Decision::RetryAfter(Duration::from_secs(2))),
        (Step::too_many_requests(Some(0)), Decision::RetryAfter(Duration::ZERO)),
        (Step::too_many_requests(None), Decision::Retry),
        (Step::status(500), Decision::Retry),
        (Step::status(502), Decision::Retry),
        (Step::status(408), Decision::Retry),
        (Step::status(501), Decision::Stop),
        (Step::status(400), Decision::Stop),
        (Step::status(404), Decision::Stop),
        (Step::Reset, Decision::Retry),
        (Step::Stall, Decision::Retry),
    ];
    for (step, expected) in cases {
        let server = FlakyServer::start_then([], step.clone()).unwrap();
        let error = get(&client, &server.url("/")).await.expect_err("fails");
        assert_eq!(retry_after_or_transient(&error), expected, "{step:?}: {error:?}");
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(error);
        assert_eq!(decide_in_chain(&boxed), expected, "{step:?} in a chain");
    }
    let port = testkit::net::free_port().unwrap();
    let refused = get(&client, &format!("http://127.0.0.1:{port}/")).await.expect_err("refused");
    assert_eq!(retry_after_or_transient(&refused), Decision::Retry);
}

#[test]
fn redis_errors_of_a_real_server() {
    let port = testkit::net::free_port().unwrap();
    let refused = redis::Client::open(format!("redis://127.0.0.1:{port}/")).unwrap().get_connection().err().unwrap();
    assert!(is_transient_redis_error(&refused));

    // Replies that cannot be provoked on demand, parsed from their wire bytes.
    for wire in ["-LOADING loading\r\n", "-TRYAGAIN again\r\n", "-CLUSTERDOWN down\r\n", "-MASTERDOWN down\r\n"] {
        let error = redis::parse_redis_value(wire.as_bytes()).unwrap().extract_error().expect_err(wire);
        assert!(is_transient_redis_error(&error), "{wire}");
    }
    let error = redis::parse_redis_value(b"-NOSCRIPT No matching script\r\n").unwrap().extract_error().unwrap_err();
    assert!(!is_failover_error(&error));

    testkit::require_binaries!(SERVER);
    let master = RedisServer::start().unwrap();
    let replica = RedisServer::start_replica_of(&master).unwrap();
    let mut conn = master.connection().unwrap();
    redis::cmd("SET").arg("word").arg("hello").exec(&mut conn).unwrap();
    let wrong_type = redis::cmd("INCR").arg("word").exec(&mut conn).unwrap_err();
    assert!(!is_failover_error(&wrong_type), "{wrong_type}");

    let read_only = redis::cmd("SET").arg("k").arg("v").exec(&mut replica.connection().unwrap()).unwrap_err();
    assert!(!is_transient_redis_error(&read_only), "{read_only}");
    assert!(is_failover_error(&read_only), "{read_only}");

    // A connection whose server was killed: dropped.
    let mut conn = master.connection().unwrap();
    let mut master = master;
    master.kill().unwrap();
    let dropped = redis::cmd("PING").query::<String>(&mut conn).unwrap_err();
    assert!(is_transient_redis_error(&dropped), "{dropped}");
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(dropped);
    assert!(has_transient_redis_error(&boxed));
}
