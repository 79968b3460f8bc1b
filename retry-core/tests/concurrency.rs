//! Many threads and tasks retrying at once: the counter equals the hook calls.

use retry_core::instrument::prometheus::retries_total;
use retry_core::instrument::{RetryDetails, RetryHook, default_hooks, set_hooks};
use retry_core::{Retry, Scoped, TestMode, error_type};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const FAILURES_BEFORE_SUCCESS: u32 = 3;

fn counted(callable: &str) -> u64 {
    (1..=FAILURES_BEFORE_SUCCESS)
        .map(|n| {
            retries_total().with_label_values(&[callable, &n.to_string(), std::any::type_name::<io::Error>()]).get()
        })
        .sum()
}

#[test]
fn threads_and_tasks_retrying_at_once_count_exactly() {
    let calls = Arc::new(AtomicU64::new(0));
    let hook_calls = calls.clone();
    let counter: Arc<dyn RetryHook> = Arc::new(move |_: &RetryDetails<'_>| {
        hook_calls.fetch_add(1, Ordering::Relaxed);
    });
    set_hooks(default_hooks().into_iter().chain([counter]));

    let threads = 8;
    let per_thread = 250;
    let handles: Vec<_> =
        (0..threads)
            .map(|_| {
                std::thread::spawn(move || {
                    let policy = Retry::default().name("concurrency::threads").on(error_type::<io::Error>());
                    Scoped::new().testing(TestMode::new(10)).run(|| {
                        for _ in 0..per_thread {
                            policy
                                .call(|a| {
                                    if a.num() <= FAILURES_BEFORE_SUCCESS { Err(io::Error::other("x")) } else { Ok(()) }
                                })
                                .unwrap();
                        }
                    });
                })
            })
            .collect();

    let tasks: u32 = 2_000;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let policy = Arc::new(Retry::default().name("concurrency::tasks").on(error_type::<io::Error>()));
        let joins: Vec<_> = (0..tasks)
            .map(|_| {
                let policy = policy.clone();
                tokio::spawn(Scoped::new().testing(TestMode::new(10)).wrap(async move {
                    policy
                        .call_async(async move |a| {
                            tokio::task::yield_now().await;
                            if a.num() <= FAILURES_BEFORE_SUCCESS { Err(io::Error::other("x")) } else { Ok(()) }
                        })
                        .await
                }))
            })
            .collect();
        for j in joins {
            j.await.unwrap().unwrap();
        }
    });
    for h in handles {
        h.join().unwrap();
    }

    let expected_threads = u64::from(threads * per_thread * FAILURES_BEFORE_SUCCESS);
    let expected_tasks = u64::from(tasks * FAILURES_BEFORE_SUCCESS);
    assert_eq!(counted("concurrency::threads"), expected_threads);
    assert_eq!(counted("concurrency::tasks"), expected_tasks);
    assert_eq!(calls.load(Ordering::Relaxed), expected_threads + expected_tasks);
}
