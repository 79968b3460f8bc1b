//! The name hooks see for annotated functions: `module::function`, the method's
//! `Type::method`, or `name = ".."`. Hooks are process-wide, so this file is its own
//! test binary and its tests take a lock.

use async_trait::async_trait;
use retry_core::instrument::{RetryDetails, reset_hooks, set_hooks};
use retry_core::retry;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// What the hook saw: (name, `retry_num`, `wait_for`, error type).
type Seen = Vec<(String, u32, Duration, &'static str)>;

static SEEN: Mutex<Seen> = Mutex::new(Vec::new());
static SERIAL: Mutex<()> = Mutex::new(());

/// Installs a recording hook for the test's duration.
struct Recording {
    _serial: MutexGuard<'static, ()>,
}

impl Recording {
    fn start() -> Self {
        let serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        SEEN.lock().unwrap().clear();
        set_hooks([Arc::new(|d: &RetryDetails<'_>| {
            SEEN.lock().unwrap().push((d.name.to_owned(), d.retry_num, d.wait_for, d.error_type));
        }) as Arc<dyn retry_core::instrument::RetryHook>]);
        Recording { _serial: serial }
    }

    #[allow(clippy::unused_self, reason = "read through the recording, while it holds the lock")]
    fn names(&self) -> Vec<String> {
        SEEN.lock().unwrap().iter().map(|(name, ..)| name.clone()).collect()
    }

    #[allow(clippy::unused_self, reason = "read through the recording, while it holds the lock")]
    fn seen(&self) -> Seen {
        SEEN.lock().unwrap().clone()
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        reset_hooks();
    }
}

fn failing(calls: &mut u32, succeed_at: u32) -> io::Result<u32> {
    *calls += 1;
    if *calls < succeed_at { Err(io::Error::other("down")) } else { Ok(*calls) }
}

#[retry(on = io::Error, wait_initial = "1ms", wait_jitter = 0)]
fn free_function(calls: &mut u32) -> io::Result<u32> {
    failing(calls, 3)
}

#[retry(on = io::Error, wait_initial = "1ms", wait_jitter = 0, name = "db::save")]
fn named(calls: &mut u32) -> io::Result<u32> {
    failing(calls, 2)
}

struct Repo;

impl Repo {
    #[retry(on = io::Error, wait_initial = "1ms", wait_jitter = 0)]
    fn method(&self, calls: &mut u32) -> io::Result<u32> {
        failing(calls, 2)
    }

    #[retry(on = io::Error, wait_initial = "1ms", wait_jitter = 0)]
    fn associated(calls: &mut u32) -> io::Result<u32> {
        failing(calls, 2)
    }

    #[retry(on = io::Error, wait_initial = "1ms", wait_jitter = 0)]
    async fn async_method(&self, mut calls: u32) -> io::Result<u32> {
        failing(&mut calls, 2)?;
        failing(&mut calls, 4)
    }
}

#[async_trait]
trait Remote {
    async fn fetch(&self) -> io::Result<u32>;
}

#[async_trait]
impl Remote for Repo {
    #[retry(on = io::Error, wait_initial = "1ms", wait_jitter = 0)]
    async fn fetch(&self) -> io::Result<u32> {
        static CALLS: Mutex<u32> = Mutex::new(0);
        let mut calls = CALLS.lock().unwrap();
        failing(&mut calls, 2)
    }
}

#[test]
fn free_functions_are_named_by_module_path() {
    let recording = Recording::start();
    free_function(&mut 0).unwrap();
    assert_eq!(recording.names(), ["hook_names::free_function", "hook_names::free_function"]);
    let seen = recording.seen();
    assert_eq!(seen.iter().map(|s| s.1).collect::<Vec<_>>(), [1, 2], "retry_num");
    assert_eq!(seen.iter().map(|s| s.2).collect::<Vec<_>>(), [Duration::from_millis(1), Duration::from_millis(2)]);
    assert_eq!(seen[0].3, "std::io::error::Error");
}

#[test]
fn a_given_name_wins() {
    let recording = Recording::start();
    named(&mut 0).unwrap();
    assert_eq!(recording.names(), ["db::save"]);
}

#[test]
fn methods_are_named_by_their_type() {
    let recording = Recording::start();
    Repo.method(&mut 0).unwrap();
    Repo::associated(&mut 0).unwrap();
    assert_eq!(recording.names(), ["hook_names::Repo::method", "hook_names::associated"]);
}

#[tokio::test(start_paused = true)]
async fn async_and_async_trait_methods_are_named_by_their_type() {
    let recording = Recording::start();
    // The argument is shared by the attempts, which count on from where the last
    // stopped: attempt 1 fails at 1, attempt 2 at 2 and 3, attempt 3 succeeds at 4, 5.
    assert_eq!(Repo.async_method(0).await.unwrap(), 5);
    Repo.fetch().await.unwrap();
    assert_eq!(
        recording.names(),
        ["hook_names::Repo::async_method", "hook_names::Repo::async_method", "hook_names::Repo::fetch"]
    );
}

#[test]
fn hooks_do_not_run_on_success_or_on_the_final_failure() {
    let recording = Recording::start();
    #[retry(on = io::Error, attempts = 3, wait_initial = 0, wait_jitter = 0)]
    fn always_failing(calls: &mut u32) -> io::Result<u32> {
        failing(calls, 100)
    }
    let mut calls = 0;
    assert!(always_failing(&mut calls).is_err());
    assert_eq!(calls, 3);
    assert_eq!(recording.seen().len(), 2, "one hook run per scheduled retry");
    free_function(&mut 10).unwrap();
    assert_eq!(recording.seen().len(), 2, "a first-time success runs no hook");
}

static PER_CALL: Mutex<Vec<(String, u32)>> = Mutex::new(Vec::new());

#[retry(on = io::Error, attempts = 3, wait_initial = 0, wait_jitter = 0,
        on_retry = |retry| PER_CALL.lock().unwrap().push((retry.name.to_owned(), retry.retry_num)))]
fn with_a_per_call_hook() -> io::Result<()> {
    Err(io::Error::other("down"))
}

#[test]
fn on_retry_runs_beside_the_global_hooks() {
    let _recording = Recording::start();
    PER_CALL.lock().unwrap().clear();
    assert!(with_a_per_call_hook().is_err());
    let name = format!("{}::with_a_per_call_hook", module_path!());
    assert_eq!(*PER_CALL.lock().unwrap(), [(name.clone(), 1), (name.clone(), 2)]);
    let global: Vec<u32> = SEEN.lock().unwrap().iter().filter(|s| s.0 == name).map(|s| s.1).collect();
    assert_eq!(global, [1, 2], "the global hooks still ran");
}
