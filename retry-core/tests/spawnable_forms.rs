//! The spawnable forms run the same loop as their siblings (issue 13: one loop
//! for async calls), so they behave alike: `on` decides once per failure, and the
//! refresh count is the refreshes. Both differed before the loops were one.

use retry_core::backoff::NoBackoff;
use retry_core::{Retry, error_type};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

#[tokio::test(start_paused = true)]
async fn call_with_retry_async_fn_asks_on_once_per_failure() {
    let asked = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&asked);
    let policy = Retry::new(NoBackoff, 2).on(move |_: &io::Error| {
        counter.fetch_add(1, Ordering::Relaxed);
        true
    });
    let failed = Arc::new(AtomicU32::new(0));
    let f = Arc::clone(&failed);
    let result = tokio::spawn(async move {
        policy
            .call_with_retry_async_fn(
                || async { Err::<(), _>(io::Error::other("reset")) },
                move |_| {
                    let failed = Arc::clone(&f);
                    async move {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                },
            )
            .await
    })
    .await
    .unwrap();
    assert!(result.is_err());
    assert_eq!(failed.load(Ordering::Relaxed), 3, "fail runs at every failure `on` accepts");
    assert_eq!(asked.load(Ordering::Relaxed), 3, "`on` decides once per failure, as in call_with_retry_async");
}

#[tokio::test(start_paused = true)]
async fn call_with_refresh_async_fn_counts_refreshes_like_call_with_refresh_async() {
    // One attempt per cycle, always failing: `refreshes = 2` is three cycles.
    let policy = Retry::new(NoBackoff, 0).on(error_type::<io::Error>());
    let attempts = Arc::new(AtomicU32::new(0));
    let refreshes = Arc::new(AtomicU32::new(0));
    let (a, r) = (Arc::clone(&attempts), Arc::clone(&refreshes));
    let spawned = tokio::spawn(async move {
        policy
            .call_with_refresh_async_fn(
                2,
                move |_| {
                    a.fetch_add(1, Ordering::Relaxed);
                    async { Err::<&'static str, _>(io::Error::other("READONLY")) }
                },
                move |_| {
                    r.fetch_add(1, Ordering::Relaxed);
                    async {}
                },
            )
            .await
    })
    .await
    .unwrap();
    assert!(spawned.is_err());
    assert_eq!((attempts.load(Ordering::Relaxed), refreshes.load(Ordering::Relaxed)), (3, 2));

    let policy = Retry::new(NoBackoff, 0).on(error_type::<io::Error>());
    let (mut attempts, mut refreshes) = (0, 0);
    let sibling: Result<(), _> = policy
        .call_with_refresh_async(
            2,
            async |_| {
                attempts += 1;
                Err(io::Error::other("READONLY"))
            },
            async |_| refreshes += 1,
        )
        .await;
    assert!(sibling.is_err());
    assert_eq!((attempts, refreshes), (3, 2));
}

#[tokio::test(start_paused = true)]
async fn a_spawned_call_may_return_a_borrowed_static_value_and_a_boxed_error() {
    // Lifetimes in the success and error types (`&'static str`, the `'static` of
    // `dyn Error + Send + Sync`) do not keep the spawned future from being `'static`.
    type BoxError = Box<dyn std::error::Error + Send + Sync>;
    let policy = Retry::new(NoBackoff, 3).on(error_type::<io::Error>());
    let calls = Arc::new(AtomicU32::new(0));
    let c = Arc::clone(&calls);
    let value = tokio::spawn(async move {
        policy
                .call_async_fn(move |_| {
                    let n = c.fetch_add(1, Ordering::Relaxed) + 1;
                    async move {
                        if n < 3 { Err::<&'static str, BoxError>(io::Error::other("reset").into()) } else { Ok("up") }
                    }
                })
                .await
    })
    .await
    .unwrap();
    assert_eq!(value.unwrap(), "up");
    assert_eq!(calls.load(Ordering::Relaxed), 3);
}
