//! `#[retry(crate = ..)]`: the `renamed-user` crate knows retry-core only as
//! `renamed_retry`, so a generated path that ignored `crate` would not compile there.

use std::cell::Cell;

#[test]
fn sync_function_in_a_crate_that_renamed_retry_core() {
    let calls = Cell::new(0);
    assert_eq!(renamed_user::third_time_lucky(&calls).unwrap(), 3);
    assert_eq!(calls.get(), 3);
}

#[tokio::test(start_paused = true)]
async fn async_method_in_a_crate_that_renamed_retry_core() {
    let mut client = renamed_user::Client { calls: 0 };
    assert_eq!(client.get().await.unwrap(), 3);
}
