//! `#[retry]` on sync functions: every shape of function, every `on` form, every
//! duration form. Each test counts the attempts the body actually made.
//!
//! Tests run in parallel threads, so nothing here touches the global switches:
//! waits are made zero with `wait_initial = 0, wait_jitter = 0`, or testing mode is
//! set for the current thread only with `retry_core::Scoped`.

use retry_core::backoff::ConstantBackoff;
use retry_core::{Decision, Scoped, TestMode, retry};
use std::cell::Cell;
use std::fmt::{self, Display};
use std::io;
use std::time::{Duration, Instant};

/// Counts calls; `fail_until(n)` fails the first `n - 1` calls.
#[derive(Default)]
struct Counter {
    calls: Cell<u32>,
}

impl Counter {
    fn hit(&self) -> u32 {
        self.calls.set(self.calls.get() + 1);
        self.calls.get()
    }

    fn calls(&self) -> u32 {
        self.calls.get()
    }

    /// `Err` for calls before `n`, then `Ok(call number)`.
    fn fail_until(&self, n: u32) -> io::Result<u32> {
        let call = self.hit();
        if call < n { Err(io::Error::other(format!("call {call} failed"))) } else { Ok(call) }
    }
}

fn fast<R>(attempts: u32, f: impl FnOnce() -> R) -> R {
    Scoped::new().testing(TestMode::new(attempts)).run(f)
}

// ---- free functions ------------------------------------------------------------

#[retry(on = io::Error)]
fn free(counter: &Counter, succeed_at: u32) -> io::Result<u32> {
    counter.fail_until(succeed_at)
}

#[test]
fn free_function_retries_until_success() {
    let counter = Counter::default();
    assert_eq!(fast(5, || free(&counter, 3)).unwrap(), 3);
    assert_eq!(counter.calls(), 3);
}

#[test]
fn free_function_gives_up_with_the_last_error() {
    let counter = Counter::default();
    let error = fast(4, || free(&counter, 100)).unwrap_err();
    assert_eq!(error.to_string(), "call 4 failed");
    assert_eq!(counter.calls(), 4);
}

#[test]
fn success_at_once_is_one_attempt() {
    let counter = Counter::default();
    assert_eq!(free(&counter, 1).unwrap(), 1);
    assert_eq!(counter.calls(), 1);
}

#[test]
fn retrying_switched_off_is_one_attempt() {
    let counter = Counter::default();
    let result = Scoped::new().active(false).run(|| free(&counter, 3));
    assert!(result.is_err());
    assert_eq!(counter.calls(), 1);
}

#[retry(on = io::Error, attempts = 3, wait_initial = 0, wait_jitter = 0)]
fn three_attempts(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[test]
fn attempts_counts_the_first_call() {
    let counter = Counter::default();
    assert!(three_attempts(&counter).is_err());
    assert_eq!(counter.calls(), 3);
}

/// The limit of the constant-`attempts` tests.
const ATTEMPTS: u32 = 2;

#[retry(on = io::Error, attempts = ATTEMPTS + 2, wait_initial = 0, wait_jitter = 0)]
fn constant_attempts(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

struct Limited;

impl Limited {
    const ATTEMPTS: u32 = 3;

    #[retry(on = io::Error, attempts = Self::ATTEMPTS, wait_initial = 0, wait_jitter = 0)]
    fn call(&self, counter: &Counter) -> io::Result<u32> {
        counter.fail_until(100)
    }
}

#[retry(on = io::Error, attempts = N, wait_initial = 0, wait_jitter = 0)]
fn generic_attempts<const N: u32>(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[test]
fn attempts_takes_a_constant_expression() {
    let counter = Counter::default();
    assert!(constant_attempts(&counter).is_err());
    assert_eq!(counter.calls(), 4);
    let counter = Counter::default();
    assert!(Limited.call(&counter).is_err());
    assert_eq!(counter.calls(), 3);
    let counter = Counter::default();
    assert!(generic_attempts::<5>(&counter).is_err());
    assert_eq!(counter.calls(), 5);
}

#[retry(on = io::Error, timeout = 0, wait_initial = 0, wait_jitter = 0)]
fn zero_timeout(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[test]
fn a_zero_timeout_allows_no_retry() {
    let counter = Counter::default();
    assert!(zero_timeout(&counter).is_err());
    assert_eq!(counter.calls(), 1);
}

#[retry(on = io::Error, attempts = 1)]
fn one_attempt(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[test]
fn one_attempt_never_retries() {
    let counter = Counter::default();
    assert!(one_attempt(&counter).is_err());
    assert_eq!(counter.calls(), 1);
}

// ---- methods -------------------------------------------------------------------

struct Service {
    counter: Counter,
    succeed_at: u32,
}

impl Service {
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    fn by_ref(&self) -> io::Result<u32> {
        self.counter.fail_until(self.succeed_at)
    }

    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    fn by_ref_borrowing(&self) -> io::Result<&str> {
        self.counter.fail_until(self.succeed_at)?;
        Ok("borrowed from self")
    }

    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    fn by_mut(&mut self) -> io::Result<u32> {
        self.succeed_at -= 1;
        if self.succeed_at > 0 { Err(io::Error::other("not yet")) } else { Ok(self.counter.hit()) }
    }

    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    fn by_value(self) -> io::Result<u32> {
        self.counter.fail_until(self.succeed_at)
    }

    #[allow(clippy::boxed_local)]
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    fn boxed(self: Box<Self>) -> io::Result<u32> {
        self.counter.fail_until(self.succeed_at)
    }

    /// The body changes `self` and `on` reads it: both borrow `self`, the body mutably.
    #[retry(on = |_| self.succeed_at > 1, wait_initial = 0, wait_jitter = 0)]
    fn by_mut_read_by_on(&mut self) -> io::Result<u32> {
        self.succeed_at -= 1;
        Err(io::Error::other("never"))
    }

    /// An associated function without a receiver.
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    fn associated(counter: &Counter) -> io::Result<u32> {
        counter.fail_until(2)
    }
}

#[test]
fn methods_by_ref_mut_value_and_box() {
    let service = Service { counter: Counter::default(), succeed_at: 3 };
    assert_eq!(service.by_ref().unwrap(), 3);
    assert_eq!(service.by_ref_borrowing().unwrap(), "borrowed from self");
    assert_eq!(service.counter.calls(), 4, "the second call succeeded at once");

    let mut service = Service { counter: Counter::default(), succeed_at: 4 };
    assert_eq!(service.by_mut().unwrap(), 1);
    assert_eq!(service.succeed_at, 0, "&mut self: each attempt saw the previous one's changes");

    let mut service = Service { counter: Counter::default(), succeed_at: 5 };
    assert!(service.by_mut_read_by_on().is_err());
    assert_eq!(service.succeed_at, 1, "`on` saw each attempt's change and stopped at 1");

    let service = Service { counter: Counter::default(), succeed_at: 2 };
    assert_eq!(service.by_value().unwrap(), 2);

    let service = Box::new(Service { counter: Counter::default(), succeed_at: 3 });
    assert_eq!(service.boxed().unwrap(), 3);

    let counter = Counter::default();
    assert_eq!(Service::associated(&counter).unwrap(), 2);
}

trait Fetch {
    fn fetch(&self) -> io::Result<u32>;

    /// A default method in a trait.
    #[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
    fn fetch_twice(&self) -> io::Result<u32> {
        self.fetch()?;
        self.fetch()
    }
}

impl Fetch for Counter {
    fn fetch(&self) -> io::Result<u32> {
        self.fail_until(3)
    }
}

#[test]
fn trait_default_method() {
    let counter = Counter::default();
    // Attempt 1: call 1 fails. Attempt 2: call 2 fails. Attempt 3: calls 3 and 4 succeed.
    assert_eq!(counter.fetch_twice().unwrap(), 4);
}

// ---- generics, lifetimes, where clauses, impl Trait ------------------------------

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
fn generic<'a, T, const N: usize>(items: &'a [T; N], counter: &Counter) -> io::Result<&'a T>
where
    T: fmt::Debug,
{
    let call = counter.fail_until(2)?;
    Ok(&items[call as usize % N])
}

#[test]
fn generics_lifetimes_and_where_clauses() {
    let counter = Counter::default();
    let items = ["a", "b", "c"];
    assert_eq!(*generic(&items, &counter).unwrap(), "c");
    assert_eq!(counter.calls(), 2);
}

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
fn impl_trait_argument(counter: &Counter, make: impl Fn(u32) -> io::Result<u32>) -> io::Result<u32> {
    make(counter.hit())
}

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
fn impl_trait_return(counter: &Counter) -> io::Result<impl Display + use<>> {
    let call = counter.fail_until(2)?;
    Ok(format!("call {call}"))
}

#[test]
fn impl_trait_arguments_and_returns() {
    let counter = Counter::default();
    let value =
        impl_trait_argument(&counter, |call| if call < 3 { Err(io::Error::other("no")) } else { Ok(call * 10) });
    assert_eq!(value.unwrap(), 30);

    let counter = Counter::default();
    assert_eq!(impl_trait_return(&counter).unwrap().to_string(), "call 2");
}

// ---- return types: aliases of Result --------------------------------------------

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
fn anyhow_result(counter: &Counter) -> anyhow::Result<u32> {
    Ok(counter.fail_until(3)?)
}

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
fn boxed_error(counter: &Counter) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    Ok(counter.fail_until(3)?)
}

#[test]
fn anyhow_and_boxed_errors_match_by_downcast() {
    let counter = Counter::default();
    assert_eq!(anyhow_result(&counter).unwrap(), 3);
    let counter = Counter::default();
    assert_eq!(boxed_error(&counter).unwrap(), 3);
}

// ---- errors behind `Box` and `Arc`: a `Box<T>` is a `T` (spec 4) ------------------
//
// `Result<_, Box<MyError>>` is what clippy's `result_large_err` recommends.

#[derive(Debug, thiserror::Error)]
#[error("db: {0}")]
struct Db(&'static str);

#[derive(Debug, thiserror::Error)]
enum DbService {
    // A boxed source: `Box<Db>` forwards `source()` to `Db`'s, so `Db` itself
    // would not be in the chain if a box were not seen as what it holds.
    #[error("{0}")]
    Db(#[from] Box<Db>),
    #[error("bad request")]
    BadRequest,
}

#[retry(on = io::Error, attempts = 3, wait_initial = 0, wait_jitter = 0)]
fn boxed_io(counter: &Counter) -> Result<u32, Box<io::Error>> {
    Ok(counter.fail_until(100)?)
}

#[retry(on = io::Error, attempts = 3, wait_initial = 0, wait_jitter = 0)]
fn arc_io(counter: &Counter) -> Result<u32, std::sync::Arc<io::Error>> {
    counter.fail_until(100).map_err(std::sync::Arc::new)
}

#[retry(on = Db, attempts = 3, wait_initial = 0, wait_jitter = 0)]
fn boxed_db(counter: &Counter) -> Result<u32, Box<Db>> {
    counter.hit();
    Err(Box::new(Db("down")))
}

#[retry(on = (fmt::Error, Db), attempts = 3, wait_initial = 0, wait_jitter = 0)]
fn boxed_db_in_a_tuple(counter: &Counter) -> Result<u32, Box<Db>> {
    counter.hit();
    Err(Box::new(Db("down")))
}

#[retry(on = Db, attempts = 3, wait_initial = 0, wait_jitter = 0)]
fn boxed_db_as_a_source(counter: &Counter) -> Result<u32, DbService> {
    if counter.hit() == 1 { Err(Box::new(Db("down")).into()) } else { Err(DbService::BadRequest) }
}

#[retry(on = fmt::Error, attempts = 3, wait_initial = 0, wait_jitter = 0)]
fn boxed_io_on_another_type(counter: &Counter) -> Result<u32, Box<io::Error>> {
    Ok(counter.fail_until(100)?)
}

#[test]
fn box_and_arc_of_the_on_type_match() {
    let run = |f: fn(&Counter) -> Result<u32, String>| {
        let counter = Counter::default();
        (f(&counter).unwrap_err(), counter.calls())
    };
    assert_eq!(run(|c| boxed_io(c).map_err(|e| e.to_string())), ("call 3 failed".into(), 3));
    assert_eq!(run(|c| arc_io(c).map_err(|e| e.to_string())), ("call 3 failed".into(), 3));
    assert_eq!(run(|c| boxed_db(c).map_err(|e| e.to_string())), ("db: down".into(), 3));
    assert_eq!(run(|c| boxed_db_in_a_tuple(c).map_err(|e| e.to_string())), ("db: down".into(), 3));
    assert_eq!(run(|c| boxed_db_as_a_source(c).map_err(|e| e.to_string())), ("bad request".into(), 2));
    // A box is no wildcard: a box of another type still returns at once.
    assert_eq!(run(|c| boxed_io_on_another_type(c).map_err(|e| e.to_string())), ("call 1 failed".into(), 1));
}

// ---- `return` and `?` end one attempt -------------------------------------------

#[derive(Debug, thiserror::Error)]
enum AppError {
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    #[error("parse: {0}")]
    Parse(#[from] std::num::ParseIntError),
}

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
fn early_returns(counter: &Counter) -> Result<u32, AppError> {
    let call = counter.hit();
    if call == 1 {
        return Err(io::Error::other("first").into());
    }
    if call == 2 {
        return Ok(20);
    }
    unreachable!("the second attempt returned early")
}

#[test]
fn early_return_ends_the_attempt() {
    let counter = Counter::default();
    assert_eq!(early_returns(&counter).unwrap(), 20);
    assert_eq!(counter.calls(), 2);
}

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
fn question_mark(counter: &Counter, text: &str) -> Result<u32, AppError> {
    counter.fail_until(3)?;
    Ok(text.parse::<u32>()?)
}

#[test]
fn question_mark_on_a_matching_error_retries() {
    let counter = Counter::default();
    assert_eq!(question_mark(&counter, "7").unwrap(), 7);
    assert_eq!(counter.calls(), 3, "the io::Error inside AppError matched through the source chain");
}

#[test]
fn question_mark_on_a_non_matching_error_returns_at_once() {
    let counter = Counter::default();
    let error = question_mark(&counter, "seven");
    assert!(matches!(error, Err(AppError::Parse(_))), "{error:?}");
    assert_eq!(counter.calls(), 3, "two io failures, then one attempt ending in the parse error");

    let parses = Counter::default();
    #[retry(on = io::Error)]
    fn parse_only(counter: &Counter) -> Result<u32, AppError> {
        counter.hit();
        Ok("x".parse::<u32>()?)
    }
    assert!(parse_only(&parses).is_err());
    assert_eq!(parses.calls(), 1, "a non-matching error: exactly one attempt");
}

// ---- `on` forms ------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
#[error("timed out")]
struct Timeout;

#[derive(Debug, thiserror::Error)]
#[error("refused")]
struct Refused;

#[derive(Debug, thiserror::Error)]
enum NetError {
    // Not `#[error(transparent)]`: that forwards `source()` to the inner error's
    // source, hiding the inner error itself from `on = Timeout`.
    #[error("{0}")]
    Timeout(#[from] Timeout),
    #[error("{0}")]
    Refused(#[from] Refused),
    #[error("bad request")]
    BadRequest,
}

impl NetError {
    fn is_transient(&self) -> bool {
        !matches!(self, NetError::BadRequest)
    }
}

/// Fails with `errors[i]` on call `i + 1`, then succeeds.
fn script(counter: &Counter, errors: &[fn() -> NetError]) -> Result<u32, NetError> {
    let call = counter.hit();
    match errors.get(call as usize - 1) {
        Some(error) => Err(error()),
        None => Ok(call),
    }
}

const SCRIPT: &[fn() -> NetError] = &[|| Timeout.into(), || Refused.into(), || NetError::BadRequest];

#[retry(on = Timeout, wait_initial = 0, wait_jitter = 0)]
fn on_type(counter: &Counter) -> Result<u32, NetError> {
    script(counter, SCRIPT)
}

#[retry(on = (Timeout, Refused), wait_initial = 0, wait_jitter = 0)]
fn on_tuple(counter: &Counter) -> Result<u32, NetError> {
    script(counter, SCRIPT)
}

#[allow(clippy::redundant_closure_for_method_calls, reason = "this tests `on` with a closure (`on_predicate`, a path)")]
#[retry(on = |e| e.is_transient(), wait_initial = 0, wait_jitter = 0)]
fn on_closure(counter: &Counter) -> Result<u32, NetError> {
    script(counter, SCRIPT)
}

#[retry(on = |e: &NetError| !matches!(e, NetError::BadRequest), wait_initial = 0, wait_jitter = 0)]
fn on_annotated_closure(counter: &Counter) -> Result<u32, NetError> {
    script(counter, SCRIPT)
}

fn transient(error: &NetError) -> bool {
    error.is_transient()
}

#[retry(on = transient, wait_initial = 0, wait_jitter = 0)]
fn on_predicate(counter: &Counter) -> Result<u32, NetError> {
    script(counter, SCRIPT)
}

#[retry(on = NetError::is_transient, wait_initial = 0, wait_jitter = 0)]
fn on_method_path(counter: &Counter) -> Result<u32, NetError> {
    script(counter, SCRIPT)
}

#[retry(on = |e| if e.is_transient() { Decision::Retry } else { Decision::Stop }, wait_initial = 0, wait_jitter = 0)]
fn on_decision(counter: &Counter) -> Result<u32, NetError> {
    script(counter, SCRIPT)
}

#[retry(on = retry_core::error_type::<Refused>(), wait_initial = 0, wait_jitter = 0)]
fn on_value(counter: &Counter) -> Result<u32, NetError> {
    script(counter, &SCRIPT[1..])
}

const ONLY_TIMEOUTS: retry_core::matching::ErrorType<Timeout> = retry_core::error_type::<Timeout>();

#[retry(on = { ONLY_TIMEOUTS }, wait_initial = 0, wait_jitter = 0)]
fn on_braced_constant(counter: &Counter) -> Result<u32, NetError> {
    script(counter, SCRIPT)
}

#[test]
fn on_forms() {
    let run = |f: fn(&Counter) -> Result<u32, NetError>| {
        let counter = Counter::default();
        let result = f(&counter);
        (result.map_err(|e| e.to_string()), counter.calls())
    };
    // Timeout matches, Refused does not: stops at the second attempt.
    assert_eq!(run(on_type), (Err("refused".into()), 2));
    assert_eq!(run(on_braced_constant), (Err("refused".into()), 2));
    // Both match, BadRequest does not: stops at the third.
    assert_eq!(run(on_tuple), (Err("bad request".into()), 3));
    assert_eq!(run(on_closure), (Err("bad request".into()), 3));
    assert_eq!(run(on_annotated_closure), (Err("bad request".into()), 3));
    assert_eq!(run(on_predicate), (Err("bad request".into()), 3));
    assert_eq!(run(on_method_path), (Err("bad request".into()), 3));
    assert_eq!(run(on_decision), (Err("bad request".into()), 3));
    // Refused, then BadRequest.
    assert_eq!(run(on_value), (Err("bad request".into()), 2));
}

/// A closure `on` may capture: here a constant from the enclosing scope.
#[test]
fn on_closure_capturing_its_environment() {
    const LIMIT: u32 = 2;
    #[retry(on = |_| LIMIT > 1, attempts = 2, wait_initial = 0, wait_jitter = 0)]
    fn f(counter: &Counter) -> io::Result<u32> {
        counter.fail_until(100)
    }
    let counter = Counter::default();
    assert!(f(&counter).is_err());
    assert_eq!(counter.calls(), 2);
}

// ---- durations and the other knobs ---------------------------------------------

#[retry(on = io::Error, attempts = 3, timeout = 10, wait_initial = 0.001, wait_max = "2ms", wait_jitter = 0, wait_exp_base = 2)]
fn seconds_forms(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[retry(on = io::Error, attempts = 3, timeout = "1.5s", wait_initial = "1ms", wait_max = "1m", wait_jitter = "0ms", wait_exp_base = 1.5)]
fn string_forms(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[retry(
    on = io::Error,
    attempts = 3,
    timeout = Duration::from_secs(5),
    wait_initial = Duration::from_millis(1),
    wait_max = Duration::from_millis(2),
    wait_jitter = Duration::ZERO
)]
fn expression_forms(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[retry(on = io::Error, attempts = 3, timeout = None, wait_initial = 0, wait_jitter = 0)]
fn no_timeout(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[test]
fn every_duration_form() {
    for f in [seconds_forms, string_forms, expression_forms, no_timeout] {
        let counter = Counter::default();
        let started = Instant::now();
        assert!(f(&counter).is_err());
        assert_eq!(counter.calls(), 3);
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
    }
}

#[retry(on = io::Error, attempts = None, timeout = None, wait_initial = 0, wait_jitter = 0)]
fn unlimited(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(50)
}

#[test]
fn attempts_none_is_unlimited() {
    let counter = Counter::default();
    assert_eq!(unlimited(&counter).unwrap(), 50);
}

#[retry(on = io::Error, attempts = 3, backoff = ConstantBackoff::new(Duration::from_millis(20)))]
fn constant_backoff(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[test]
fn backoff_replaces_the_default_schedule() {
    let counter = Counter::default();
    let started = Instant::now();
    assert!(constant_backoff(&counter).is_err());
    assert_eq!(counter.calls(), 3);
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(40), "two waits of 20 ms, got {elapsed:?}");
}

#[retry(on = io::Error, timeout = "50ms", wait_initial = "20ms", wait_exp_base = 1, wait_jitter = 0)]
fn deadline(counter: &Counter) -> io::Result<u32> {
    counter.fail_until(100)
}

#[test]
fn the_deadline_stops_before_a_wait_that_would_cross_it() {
    let counter = Counter::default();
    let started = Instant::now();
    assert!(deadline(&counter).is_err());
    // Waits of 20 ms from the first failure: 20, 40 fit in 50 ms; 60 would not.
    assert_eq!(counter.calls(), 3);
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[test]
fn testing_mode_overrides_attempts_and_waits() {
    let counter = Counter::default();
    let started = Instant::now();
    assert!(fast(6, || constant_backoff(&counter)).is_err());
    assert_eq!(counter.calls(), 6);
    assert!(started.elapsed() < Duration::from_millis(20));

    let counter = Counter::default();
    let capped = Scoped::new().testing(TestMode::new(2).capped()).run(|| constant_backoff(&counter));
    assert!(capped.is_err());
    assert_eq!(counter.calls(), 2);
}

// ---- arguments are not reset between attempts ------------------------------------

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
fn drains(items: &mut Vec<u32>) -> io::Result<u32> {
    let item = items.pop().ok_or_else(|| io::Error::other("empty"))?;
    if item % 2 == 1 { Err(io::Error::other("odd")) } else { Ok(item) }
}

#[test]
fn arguments_carry_over_between_attempts() {
    let mut items = vec![4, 3, 1];
    assert_eq!(drains(&mut items).unwrap(), 4);
    assert!(items.is_empty());
}

#[retry(on = io::Error, wait_initial = 0, wait_jitter = 0)]
fn copies_are_reused(mut budget: u32, counter: &Counter) -> io::Result<u32> {
    budget += 1;
    counter.fail_until(3)?;
    Ok(budget)
}

#[test]
fn owned_copy_arguments_are_shared_by_the_attempts() {
    let counter = Counter::default();
    // One variable for the whole call: the three attempts each add one.
    assert_eq!(copies_are_reused(10, &counter).unwrap(), 13);
}

/// Attributes, docs and visibility stay; inner attributes too.
mod keeps {
    use super::*;

    /// Documented.
    #[must_use = "it is a result"]
    #[retry(on = io::Error)]
    #[inline]
    pub(crate) fn kept(counter: &Counter) -> io::Result<u32> {
        #![allow(clippy::needless_question_mark)]
        Ok(counter.fail_until(1)?)
    }
}

#[test]
fn attributes_and_visibility_are_kept() {
    assert_eq!(keeps::kept(&Counter::default()).unwrap(), 1);
}

/// `#[retry]` produced by a `macro_rules!` with `$expr` fragments.
macro_rules! retrying {
    ($name:ident, $attempts:expr, $wait:expr) => {
        #[retry(on = io::Error, attempts = $attempts, wait_initial = $wait, wait_jitter = 0)]
        fn $name(counter: &Counter) -> io::Result<u32> {
            counter.fail_until(100)
        }
    };
}

retrying!(from_macro, 2, "1ms");

#[test]
fn values_from_macro_fragments() {
    let counter = Counter::default();
    assert!(from_macro(&counter).is_err());
    assert_eq!(counter.calls(), 2);
}
