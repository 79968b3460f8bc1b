//! Scenario 2: a reqwest client under `#[retry]` against a real HTTP server on
//! loopback (hyper) that answers 503 with `Retry-After`, resets connections and
//! stalls. The `on` closure returns the wait `Retry-After` asks for.
//!
//! The waits are recorded by the sleeper the attribute is given
//! (`sleeper = ..`), which then sleeps for real on tokio: the assertions are
//! on counts and on the waits the policy chose, never on the wall clock.

use retry_core::Decision;
use retry_core::predicates::reqwest::{HttpError, check_status, is_transient_reqwest_error, retry_after_or_transient};
use retry_core::retry;
use retry_core::sleep::Sleeper;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use testkit::http::{FlakyServer, Outcome, Step};

/// Records each wait, then sleeps it on tokio.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Duration>>>);

impl Recorder {
    fn waits(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

impl Sleeper for Recorder {
    type Sleep = tokio::time::Sleep;
    fn sleep(&self, wait: Duration) -> Self::Sleep {
        self.0.lock().unwrap().push(wait);
        tokio::time::sleep(wait)
    }
}

/// A client that gives up on an attempt after 500 ms (the stall).
fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_millis(500)).build().expect("client")
}

/// The client function of the scenario: `Retry-After` decides the wait when the
/// server sends it; otherwise the default schedule, here 50 ms doubling, no jitter.
#[retry(
    on = |e: &HttpError| match e {
        HttpError::Status(status) => status.decision(),
        HttpError::Transport(e) => Decision::from(is_transient_reqwest_error(e)),
    },
    attempts = 5,
    timeout = "10s",
    wait_initial = "50ms",
    wait_jitter = 0,
    sleeper = waits.clone()
)]
async fn fetch(client: &reqwest::Client, url: &str, calls: &AtomicU32, waits: &Recorder) -> Result<String, HttpError> {
    calls.fetch_add(1, Ordering::SeqCst);
    let response = check_status(client.get(url).send().await?)?;
    Ok(response.text().await?)
}

/// The same with the ready-made predicate and a 2 s deadline.
#[retry(on = retry_after_or_transient, attempts = 3, timeout = "2s", wait_initial = "10ms", wait_jitter = 0, sleeper = waits.clone())]
async fn fetch_briefly(
    client: &reqwest::Client,
    url: &str,
    calls: &AtomicU32,
    waits: &Recorder,
) -> Result<String, HttpError> {
    calls.fetch_add(1, Ordering::SeqCst);
    let response = check_status(client.get(url).send().await?)?;
    Ok(response.text().await?)
}

fn outcomes(server: &FlakyServer) -> Vec<Outcome> {
    server.served().into_iter().map(|s| s.outcome).collect()
}

#[tokio::test]
async fn retry_after_reset_and_stall_then_success() {
    let server =
        FlakyServer::start_then([Step::unavailable(Some(1)), Step::Reset, Step::Stall], Step::ok("the answer"))
            .expect("server");
    let (calls, waits) = (AtomicU32::new(0), Recorder::default());

    let body = fetch(&client(), &server.url("/answer"), &calls, &waits).await.expect("the fourth attempt succeeds");

    assert_eq!(body, "the answer");
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(outcomes(&server), [Outcome::Status(503), Outcome::Reset, Outcome::Stall, Outcome::Status(200)]);
    // 1 s as Retry-After said (no jitter, no clamp); then the schedule: 100 ms
    // after the reset (retry 2), 200 ms after the stall (retry 3).
    assert_eq!(waits.waits(), [Duration::from_secs(1), Duration::from_millis(100), Duration::from_millis(200)]);
    assert!(server.served().iter().all(|s| s.path == "/answer"));
}

#[tokio::test]
async fn a_reset_is_a_transient_reqwest_error() {
    let server = FlakyServer::start_then([], Step::Reset).expect("server");
    let error = client().get(server.url("/")).send().await.expect_err("reset");
    assert!(is_transient_reqwest_error(&error), "{error:?}");
}

#[tokio::test]
async fn a_stall_is_a_timeout() {
    let server = FlakyServer::start_then([], Step::Stall).expect("server");
    let error = client().get(server.url("/")).send().await.expect_err("stall");
    assert!(error.is_timeout(), "{error:?}");
    assert!(is_transient_reqwest_error(&error));
}

#[tokio::test]
async fn retry_after_zero_and_giving_up() {
    let server = FlakyServer::start_then([], Step::too_many_requests(Some(0))).expect("server");
    let (calls, waits) = (AtomicU32::new(0), Recorder::default());

    let error = fetch_briefly(&client(), &server.url("/"), &calls, &waits).await.expect_err("always 429");

    let HttpError::Status(status) = error else { panic!("{error}") };
    assert_eq!(status.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(calls.load(Ordering::SeqCst), 3, "all 3 attempts used");
    assert_eq!(server.requests(), 3);
    // A sleeper that does not skip zero waits (the default) is asked for them.
    assert_eq!(waits.waits(), [Duration::ZERO, Duration::ZERO]);
}

#[tokio::test]
async fn a_retry_after_past_the_deadline_ends_the_call_at_once() {
    let server = FlakyServer::start([Step::unavailable(Some(60))]).expect("server");
    let (calls, waits) = (AtomicU32::new(0), Recorder::default());

    let error = fetch_briefly(&client(), &server.url("/"), &calls, &waits).await.expect_err("come back in a minute");

    let HttpError::Status(status) = error else { panic!("{error}") };
    assert_eq!(status.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "60 s is past the 2 s deadline: no retry");
    assert!(waits.waits().is_empty(), "and no sleep");
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let server = FlakyServer::start([Step::status(404).with_body("no such thing")]).expect("server");
    let (calls, waits) = (AtomicU32::new(0), Recorder::default());

    let error = fetch(&client(), &server.url("/missing"), &calls, &waits).await.expect_err("404");

    assert!(matches!(&error, HttpError::Status(s) if s.status() == reqwest::StatusCode::NOT_FOUND), "{error}");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(server.requests(), 1);
    assert!(waits.waits().is_empty());
}

#[tokio::test]
async fn a_server_that_is_gone_is_retried_until_the_attempts_run_out() {
    let url = {
        let server = FlakyServer::start([]).expect("server");
        server.url("/")
    }; // Dropped: nothing listens there any more.
    let (calls, waits) = (AtomicU32::new(0), Recorder::default());

    let error = fetch_briefly(&client(), &url, &calls, &waits).await.expect_err("refused");

    assert!(matches!(&error, HttpError::Transport(e) if e.is_connect()), "{error}");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(waits.waits(), [Duration::from_millis(10), Duration::from_millis(20)]);
}
