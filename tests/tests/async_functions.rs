//! `#[retry]` on `async fn`s, async methods, native async trait methods and
//! `#[async_trait]` methods. Tests run on tokio's paused clock, so waits take no
//! real time and elapsed times are exact.

use async_trait::async_trait;
use retry_core::backoff::ConstantBackoff;
use retry_core::sleep::Sleeper;
use retry_core::{Decision, Scoped, TestMode, retry};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Counts calls; thread-safe so that futures stay `Send`.
#[derive(Default, Debug)]
struct Counter {
    calls: AtomicU32,
}

impl Counter {
    fn hit(&self) -> u32 {
        self.calls.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    /// `Err` for calls before `n`, then `Ok(call number)`.
    async fn fail_until(&self, n: u32) -> io::Result<u32> {
        tokio::task::yield_now().await;
        let call = self.hit();
        if call < n { Err(io::Error::other(format!("call {call} failed"))) } else { Ok(call) }
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

// ---- free async functions ------------------------------------------------------

#[retry(on = io::Error, wait_initial = 1, wait_exp_base = 2, wait_jitter = 0)]
async fn free(counter: &Counter, succeed_at: u32) -> io::Result<u32> {
    counter.fail_until(succeed_at).await
}

#[tokio::test(start_paused = true)]
async fn async_fn_retries_with_exact_waits() {
    let counter = Counter::default();
    let started = Instant::now();
    assert_eq!(free(&counter, 4).await.unwrap(), 4);
    assert_eq!(counter.calls(), 4);
    assert_eq!(started.elapsed(), secs(1.0 + 2.0 + 4.0));
}

#[retry(on = io::Error)]
async fn default_policy(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(u32::MAX).await
}

#[tokio::test(start_paused = true)]
async fn the_default_policy_stops_before_crossing_45_seconds() {
    let counter = Counter::default();
    let started = Instant::now();
    assert!(default_policy(&counter).await.is_err());
    // Waits 0.1, 0.2, .., 12.8 s (+ up to 1 s jitter each) fit in 45 s; the ninth
    // failure would wait 25.6 s more, past the deadline, so the call stops there.
    assert_eq!(counter.calls(), 9);
    let elapsed = started.elapsed();
    assert!(elapsed <= Duration::from_secs(45), "{elapsed:?}");
    assert!(elapsed >= secs(25.5), "{elapsed:?}");
}

#[tokio::test(start_paused = true)]
async fn testing_mode_in_a_task_scope() {
    let counter = Counter::default();
    let started = Instant::now();
    let result = Scoped::new().testing(TestMode::new(3)).wrap(default_policy(&counter)).await;
    assert!(result.is_err());
    assert_eq!(counter.calls(), 3);
    assert_eq!(started.elapsed(), Duration::ZERO);
}

// ---- every duration form, measured on the paused clock ------------------------

// ---- timeout = 0: no retry, on either clock ----------------------------------

#[retry(on = io::Error, timeout = 0, wait_initial = 0, wait_jitter = 0)]
async fn zero_timeout(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[tokio::test(start_paused = true)]
async fn a_zero_timeout_allows_no_retry_on_the_paused_clock() {
    let counter = Counter::default();
    assert!(zero_timeout(&counter).await.is_err());
    assert_eq!(counter.calls(), 1, "the zero waits never move the paused clock");
}

#[tokio::test]
async fn a_zero_timeout_allows_no_retry_on_the_real_clock() {
    let counter = Counter::default();
    assert!(zero_timeout(&counter).await.is_err());
    assert_eq!(counter.calls(), 1);
}

#[retry(on = io::Error, attempts = 3, wait_initial = 2, wait_exp_base = 1, wait_jitter = 0)]
async fn int_seconds(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[retry(on = io::Error, attempts = 3, wait_initial = 2.5, wait_exp_base = 1, wait_jitter = 0)]
async fn float_seconds(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[retry(on = io::Error, attempts = 3, wait_initial = "250ms", wait_jitter = "0s")]
async fn milliseconds(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[retry(on = io::Error, attempts = 4, wait_initial = "1m", wait_max = "1.5m", wait_jitter = 0, timeout = None)]
async fn minutes(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[retry(
    on = io::Error,
    attempts = 3,
    wait_initial = Duration::from_millis(300),
    wait_exp_base = 3,
    wait_jitter = Duration::ZERO
)]
async fn duration_expression(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

// Whitespace around the number and the unit is ignored, and the number takes an
// exponent as a number literal does: 1 s, then 2 s, then 2 s (capped).
#[retry(on = (io::Error), attempts = 4, wait_initial = " 1s", wait_max = "2 s ", wait_jitter = "0e3ms")]
async fn spaced_and_exponent_strings(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[retry(on = io::Error, attempts = 3, wait_initial = "1.5e3ms", wait_exp_base = 1, wait_jitter = 0)]
async fn exponent_string(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[retry(on = io::Error, attempts = None, timeout = 10, wait_initial = 1, wait_exp_base = 1, wait_jitter = 0)]
async fn until_the_deadline(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(u32::MAX).await
}

#[retry(on = io::Error, attempts = 3, wait_initial = 0, wait_jitter = 1)]
async fn jitter_only(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[tokio::test(start_paused = true)]
async fn duration_forms_give_exact_waits() {
    type F = for<'a> fn(&'a Counter) -> std::pin::Pin<Box<dyn Future<Output = io::Result<u32>> + 'a>>;
    let cases: [(F, u32, Duration); 8] = [
        (|c| Box::pin(int_seconds(c)), 3, secs(4.0)),
        (|c| Box::pin(spaced_and_exponent_strings(c)), 4, secs(1.0 + 2.0 + 2.0)),
        (|c| Box::pin(exponent_string(c)), 3, secs(1.5 + 1.5)),
        (|c| Box::pin(float_seconds(c)), 3, secs(5.0)),
        (|c| Box::pin(milliseconds(c)), 3, secs(0.25 + 0.5)),
        // 60 s, then 120 s capped at 90 s, then 90 s; no deadline.
        (|c| Box::pin(minutes(c)), 4, secs(60.0 + 90.0 + 90.0)),
        (|c| Box::pin(duration_expression(c)), 3, secs(0.3 + 0.9)),
        // 1 s waits from the first failure: the eleventh failure is at 10 s, and a
        // further wait would end past the 10 s deadline.
        (|c| Box::pin(until_the_deadline(c)), 11, secs(10.0)),
    ];
    for (i, (f, attempts, waited)) in cases.into_iter().enumerate() {
        let counter = Counter::default();
        let started = Instant::now();
        assert!(f(&counter).await.is_err());
        assert_eq!((i, counter.calls()), (i, attempts));
        assert_eq!((i, started.elapsed()), (i, waited));
    }

    let counter = Counter::default();
    let started = Instant::now();
    assert!(jitter_only(&counter).await.is_err());
    assert!(started.elapsed() <= secs(2.0), "two waits of at most 1 s jitter");
}

#[retry(on = io::Error, attempts = 4, backoff = ConstantBackoff::new(Duration::from_secs(3)))]
async fn constant_backoff(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[tokio::test(start_paused = true)]
async fn backoff_value_replaces_the_schedule() {
    let counter = Counter::default();
    let started = Instant::now();
    assert!(constant_backoff(&counter).await.is_err());
    assert_eq!(counter.calls(), 4);
    assert_eq!(started.elapsed(), secs(9.0));
}

// ---- Decision::RetryAfter --------------------------------------------------------

#[derive(Debug, thiserror::Error)]
enum ApiError {
    #[error("throttled, retry after {0:?}")]
    Throttled(Duration),
    #[error("unavailable")]
    Unavailable,
    #[error("forbidden")]
    Forbidden,
}

#[retry(
    on = |e| match e {
        ApiError::Throttled(after) => Decision::RetryAfter(*after),
        ApiError::Unavailable => Decision::Retry,
        ApiError::Forbidden => Decision::Stop,
    },
    wait_initial = 1,
    wait_jitter = 0,
    wait_max = 1
)]
async fn api(counter: &Counter, script: &[ApiError]) -> Result<u32, ApiError> {
    tokio::task::yield_now().await;
    let call = counter.hit();
    match script.get(call as usize - 1) {
        Some(ApiError::Throttled(after)) => Err(ApiError::Throttled(*after)),
        Some(ApiError::Unavailable) => Err(ApiError::Unavailable),
        Some(ApiError::Forbidden) => Err(ApiError::Forbidden),
        None => Ok(call),
    }
}

#[tokio::test(start_paused = true)]
async fn retry_after_waits_exactly_as_told() {
    let counter = Counter::default();
    let started = Instant::now();
    let script = [ApiError::Throttled(secs(7.0)), ApiError::Unavailable, ApiError::Throttled(secs(0.5))];
    assert_eq!(api(&counter, &script).await.unwrap(), 4);
    // 7 s as told (no wait_max clamp), 1 s of backoff, 0.5 s as told.
    assert_eq!(started.elapsed(), secs(8.5));

    let counter = Counter::default();
    let started = Instant::now();
    let script = [ApiError::Throttled(secs(2.0)), ApiError::Forbidden];
    assert!(matches!(api(&counter, &script).await, Err(ApiError::Forbidden)));
    assert_eq!(counter.calls(), 2);
    assert_eq!(started.elapsed(), secs(2.0));
}

#[retry(on = |e: &ApiError| Decision::RetryAfter(match e { ApiError::Throttled(d) => *d, _ => Duration::ZERO }), timeout = 10)]
async fn throttled_forever(counter: &Counter) -> Result<u32, ApiError> {
    counter.hit();
    Err(ApiError::Throttled(secs(4.0)))
}

#[tokio::test(start_paused = true)]
async fn retry_after_respects_the_deadline() {
    let counter = Counter::default();
    let started = Instant::now();
    assert!(throttled_forever(&counter).await.is_err());
    // 4 s, 8 s; a third wait would end at 12 s, past the 10 s deadline.
    assert_eq!(counter.calls(), 3);
    assert_eq!(started.elapsed(), secs(8.0));
}

// ---- `return` and `?` ------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
enum AppError {
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    #[error("parse: {0}")]
    Parse(#[from] std::num::ParseIntError),
}

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
async fn question_mark(counter: &Counter, text: &str) -> Result<u32, AppError> {
    let call = counter.fail_until(3).await?;
    if call == 3 && text.is_empty() {
        return Ok(0);
    }
    Ok(text.parse::<u32>()?)
}

#[tokio::test(start_paused = true)]
async fn return_and_question_mark_end_one_attempt() {
    let counter = Counter::default();
    assert_eq!(question_mark(&counter, "12").await.unwrap(), 12);
    assert_eq!(counter.calls(), 3);

    let counter = Counter::default();
    assert_eq!(question_mark(&counter, "").await.unwrap(), 0);

    let counter = Counter::default();
    assert!(matches!(question_mark(&counter, "x").await, Err(AppError::Parse(_))));
    assert_eq!(counter.calls(), 3, "the parse error is not retried");
}

#[retry(on = io::Error)]
async fn never_matching(counter: &Counter) -> Result<u32, AppError> {
    counter.hit();
    Ok("x".parse::<u32>()?)
}

#[tokio::test(start_paused = true)]
async fn non_matching_error_is_one_attempt() {
    let counter = Counter::default();
    assert!(never_matching(&counter).await.is_err());
    assert_eq!(counter.calls(), 1);
}

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
async fn anyhow_result(counter: &Counter) -> anyhow::Result<u32> {
    Ok(counter.fail_until(3).await?)
}

#[tokio::test(start_paused = true)]
async fn anyhow_results() {
    let counter = Counter::default();
    assert_eq!(anyhow_result(&counter).await.unwrap(), 3);
}

// ---- errors behind `Box` and `Arc`: a `Box<T>` is a `T` (spec 4) ------------------

#[derive(Debug, thiserror::Error)]
#[error("db: {0}")]
struct Db(&'static str);

#[retry(on = io::Error, attempts = 3, wait_initial = 0, wait_jitter = 0)]
async fn boxed_io(counter: &Counter) -> Result<u32, Box<io::Error>> {
    Ok(counter.fail_until(100).await?)
}

#[retry(on = io::Error, attempts = 3, wait_initial = 0, wait_jitter = 0)]
async fn arc_io(counter: &Counter) -> Result<u32, Arc<io::Error>> {
    counter.fail_until(100).await.map_err(Arc::new)
}

#[retry(on = Db, attempts = 3, wait_initial = 0, wait_jitter = 0)]
async fn boxed_db(counter: &Counter) -> Result<u32, Box<Db>> {
    tokio::task::yield_now().await;
    counter.hit();
    Err(Box::new(Db("down")))
}

#[retry(on = std::fmt::Error, attempts = 3, wait_initial = 0, wait_jitter = 0)]
async fn boxed_io_on_another_type(counter: &Counter) -> Result<u32, Box<io::Error>> {
    Ok(counter.fail_until(100).await?)
}

#[tokio::test(start_paused = true)]
async fn box_and_arc_of_the_on_type_match() {
    let counter = Counter::default();
    assert_eq!(boxed_io(&counter).await.unwrap_err().to_string(), "call 3 failed");
    assert_eq!(counter.calls(), 3);
    let counter = Counter::default();
    assert_eq!(arc_io(&counter).await.unwrap_err().to_string(), "call 3 failed");
    assert_eq!(counter.calls(), 3);
    let counter = Counter::default();
    assert_eq!(boxed_db(&counter).await.unwrap_err().to_string(), "db: down");
    assert_eq!(counter.calls(), 3);
    let counter = Counter::default();
    assert_eq!(boxed_io_on_another_type(&counter).await.unwrap_err().to_string(), "call 1 failed");
    assert_eq!(counter.calls(), 1, "a box of another type returns at once");
}

// ---- methods ---------------------------------------------------------------------

struct Client {
    counter: Counter,
    sent: Vec<String>,
}

impl Client {
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn get(&self, succeed_at: u32) -> io::Result<u32> {
        self.counter.fail_until(succeed_at).await
    }

    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn send(&mut self, message: &str) -> io::Result<usize> {
        self.sent.push(message.to_owned());
        tokio::task::yield_now().await;
        if self.sent.len() < 3 { Err(io::Error::other("dropped")) } else { Ok(self.sent.len()) }
    }

    /// The body changes `self` and `on` reads it: both borrow `self`, the body mutably.
    #[retry(on = |_| self.sent.len() < 4, wait_initial = 0, wait_jitter = 0)]
    async fn send_until_four(&mut self, message: &str) -> io::Result<usize> {
        self.sent.push(message.to_owned());
        tokio::task::yield_now().await;
        Err(io::Error::other("never"))
    }

    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn close(self) -> io::Result<u32> {
        self.counter.fail_until(2).await
    }

    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn generic<'k, T>(&self, key: &'k T, extra: impl AsRef<str>) -> io::Result<String>
    where
        T: AsRef<str> + ?Sized + Sync,
    {
        self.counter.fail_until(2).await?;
        Ok(format!("{}{}", key.as_ref(), extra.as_ref()))
    }
}

#[tokio::test(start_paused = true)]
async fn async_methods() {
    let mut client = Client { counter: Counter::default(), sent: Vec::new() };
    assert_eq!(client.get(2).await.unwrap(), 2);
    assert_eq!(client.send("hi").await.unwrap(), 3);
    assert_eq!(client.sent, ["hi", "hi", "hi"]);
    assert!(client.send_until_four("x").await.is_err());
    assert_eq!(client.sent, ["hi", "hi", "hi", "x"], "`on` saw the first attempt's push and stopped");
    assert_eq!(client.generic("a", "b").await.unwrap(), "ab");
    assert_eq!(client.generic(&String::from("c"), "d").await.unwrap(), "cd");
    let calls_before = client.counter.calls();
    assert_eq!(client.close().await.unwrap(), calls_before + 1);
}

// ---- async fn in traits (native) -------------------------------------------------

trait Store {
    async fn load(&self, key: u32) -> io::Result<u32>;

    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn load_twice(&self, key: u32) -> io::Result<u32> {
        Ok(self.load(key).await? + self.load(key).await?)
    }
}

impl Store for Counter {
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn load(&self, key: u32) -> io::Result<u32> {
        self.fail_until(3).await.map(|_| key)
    }
}

#[tokio::test(start_paused = true)]
async fn native_async_trait_methods() {
    let counter = Counter::default();
    assert_eq!(counter.load(7).await.unwrap(), 7);
    assert_eq!(counter.calls(), 3);
    // Both inner loads now succeed at once.
    assert_eq!(counter.load_twice(5).await.unwrap(), 10);
}

// ---- #[async_trait] ---------------------------------------------------------------

#[async_trait]
trait Remote {
    async fn call(&self, request: String) -> io::Result<String>;
    async fn bump(&mut self, by: u32) -> io::Result<u32>;

    /// A default method under `#[async_trait]`.
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn ping(&self) -> io::Result<String> {
        self.call(String::from("ping")).await
    }
}

struct Server {
    counter: Counter,
    total: u32,
}

#[async_trait]
impl Remote for Server {
    /// Takes its argument by value: async-trait moves it into the future once, and
    /// every attempt borrows it.
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn call(&self, request: String) -> io::Result<String> {
        let call = self.counter.fail_until(3).await?;
        Ok(format!("{request} #{call}"))
    }

    #[retry(on = |e: &io::Error| e.kind() == io::ErrorKind::Interrupted, wait_initial = 0, wait_jitter = 0)]
    async fn bump(&mut self, by: u32) -> io::Result<u32> {
        self.total += by;
        if self.total < 3 * by { Err(io::ErrorKind::Interrupted.into()) } else { Ok(self.total) }
    }
}

#[async_trait]
trait Adder {
    async fn sum<T: Copy + Into<u32> + Send + Sync>(
        &self,
        pair: (T, T),
        label: impl AsRef<str> + Send + Sync,
    ) -> io::Result<String>;
}

#[async_trait]
impl Adder for Server {
    /// Generics, a pattern argument (async-trait rebinds it from `__arg1`) and an
    /// `impl Trait` argument. The attempts borrow the arguments across `.await`s, so
    /// for the future to be `Send` an argument read by shared reference must be `Sync`.
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn sum<T: Copy + Into<u32> + Send + Sync>(
        &self,
        (a, b): (T, T),
        label: impl AsRef<str> + Send + Sync,
    ) -> io::Result<String> {
        self.counter.fail_until(2).await?;
        Ok(format!("{}={}", label.as_ref(), a.into() + b.into()))
    }
}

#[tokio::test(start_paused = true)]
async fn async_trait_methods() {
    let mut server = Server { counter: Counter::default(), total: 0 };
    assert_eq!(server.call("hello".into()).await.unwrap(), "hello #3");
    assert_eq!(server.counter.calls(), 3);
    assert_eq!(server.bump(2).await.unwrap(), 6);
    assert_eq!(server.ping().await.unwrap(), "ping #4");
    assert_eq!(server.sum((2u8, 3u8), "sum").await.unwrap(), "sum=5");

    // Through a trait object too.
    let remote: Box<dyn Remote + Send + Sync> = Box::new(Server { counter: Counter::default(), total: 0 });
    assert_eq!(remote.call("dyn".into()).await.unwrap(), "dyn #3");
}

#[async_trait(?Send)]
trait Local {
    async fn local(&self, tag: std::rc::Rc<str>) -> io::Result<String>;
}

#[async_trait(?Send)]
impl Local for Counter {
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    async fn local(&self, tag: std::rc::Rc<str>) -> io::Result<String> {
        let call = self.fail_until(2).await?;
        Ok(format!("{tag}{call}"))
    }
}

#[tokio::test(start_paused = true)]
async fn async_trait_without_send() {
    assert_eq!(Counter::default().local("x".into()).await.unwrap(), "x2");
}

// ---- Send, spawn, custom sleepers --------------------------------------------------

#[retry(on = io::Error, wait_initial = "1ms", wait_jitter = 0)]
async fn shared(counter: Arc<Counter>) -> io::Result<u32> {
    counter.fail_until(3).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_on_a_multi_thread_runtime() {
    fn assert_send<T: Send + 'static>(_: &T) {}
    let counter = Arc::new(Counter::default());
    let future = shared(counter.clone());
    assert_send(&future);
    let value = tokio::spawn(future).await.unwrap().unwrap();
    assert_eq!(value, 3);
    assert_eq!(counter.calls(), 3);

    let client = Arc::new(Server { counter: Counter::default(), total: 0 });
    let remote = client.clone();
    let answer = tokio::spawn(async move { remote.call("spawned".into()).await }).await.unwrap();
    assert_eq!(answer.unwrap(), "spawned #3");
}

/// Records the waits it is asked for, and does not wait.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Duration>>>);

impl Sleeper for Recorder {
    type Sleep = std::future::Ready<()>;

    fn sleep(&self, wait: Duration) -> Self::Sleep {
        self.0.lock().unwrap().push(wait);
        std::future::ready(())
    }
}

#[retry(on = io::Error, attempts = 4, wait_initial = "10ms", wait_jitter = 0, sleeper = recorder.clone())]
async fn with_sleeper(counter: &Counter, recorder: &Recorder) -> io::Result<u32> {
    counter.fail_until(100).await
}

#[tokio::test]
async fn a_custom_sleeper_does_the_waiting() {
    let (counter, recorder) = (Counter::default(), Recorder::default());
    assert!(with_sleeper(&counter, &recorder).await.is_err());
    assert_eq!(counter.calls(), 4);
    assert_eq!(*recorder.0.lock().unwrap(), [secs(0.01), secs(0.02), secs(0.04)]);
}
