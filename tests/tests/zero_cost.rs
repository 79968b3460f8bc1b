//! The success path of an annotated function costs nothing measurable: no
//! allocation (counted by a global allocator that needs no unsafe code from us),
//! no clock read, no hook. One test only, so that no other test thread allocates
//! while it counts.

use retry_core::retry;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::future::Future;
use std::hint::black_box;
use std::io;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[retry(on = io::Error)]
fn sync_annotated(x: u64) -> io::Result<u64> {
    if x == u64::MAX { Err(io::Error::other("never")) } else { Ok(x + 1) }
}

fn sync_plain(x: u64) -> io::Result<u64> {
    if x == u64::MAX { Err(io::Error::other("never")) } else { Ok(x + 1) }
}

#[allow(clippy::unused_async, reason = "an `.await` in the bodies that is always ready: the success path, polled once")]
async fn ready(x: u64) -> u64 {
    x
}

#[retry(on = io::Error)]
async fn async_annotated(x: u64) -> io::Result<u64> {
    let x = ready(x).await;
    if x == u64::MAX { Err(io::Error::other("never")) } else { Ok(x + 1) }
}

async fn async_plain(x: u64) -> io::Result<u64> {
    let x = ready(x).await;
    if x == u64::MAX { Err(io::Error::other("never")) } else { Ok(x + 1) }
}

/// Polls a future that completes without waiting, with no runtime and no allocation.
fn poll_once<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future was expected to complete at once"),
    }
}

#[test]
fn the_success_path_allocates_nothing() {
    // Warm up whatever the first call of anything might set up.
    let _ = sync_annotated(0);
    let _ = poll_once(async_annotated(0));

    let region = Region::new(GLOBAL);
    let mut sum = 0;
    for i in 0..1000 {
        sum += sync_annotated(black_box(i)).unwrap();
        sum += poll_once(async_annotated(black_box(i))).unwrap();
    }
    let change = region.change();
    assert_eq!(sum, 2 * (0..1000u64).map(|i| i + 1).sum::<u64>());
    assert_eq!((change.allocations, change.reallocations), (0, 0), "{change:?}");

    // The same through the plain functions, for comparison.
    assert_eq!(sync_plain(1).unwrap(), sync_annotated(1).unwrap());
    assert_eq!(poll_once(async_plain(1)).unwrap(), poll_once(async_annotated(1)).unwrap());

    let annotated = size_of_val(&async_annotated(1));
    let plain = size_of_val(&async_plain(1));
    println!("future size: annotated async fn {annotated} bytes, plain async fn {plain} bytes");
    assert!(annotated > plain, "the retry state lives in the future");
}
