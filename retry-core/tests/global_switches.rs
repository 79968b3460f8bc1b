//! The process-wide switches. One test in this binary, so nothing runs beside it.

use retry_core::{Retry, TestMode, error_type, is_active, is_testing, set_active, set_testing};
use std::io;
use std::time::{Duration, Instant};

fn attempts_of_failing_call() -> u32 {
    let policy = Retry::default().on(error_type::<io::Error>());
    let mut made = 0;
    let _ = policy.call(|_| -> Result<(), _> {
        made += 1;
        Err(io::Error::other("down"))
    });
    made
}

#[test]
fn set_active_and_set_testing_affect_every_thread_and_restore() {
    set_active(false);
    assert!(!is_active());
    assert_eq!(std::thread::spawn(attempts_of_failing_call).join().unwrap(), 1);
    set_active(true);

    let started = Instant::now();
    {
        let _testing = set_testing(TestMode::new(5));
        assert!(is_testing());
        assert_eq!(std::thread::spawn(attempts_of_failing_call).join().unwrap(), 5);
        {
            let _nested = set_testing(TestMode::new(2));
            assert_eq!(attempts_of_failing_call(), 2);
        }
        assert_eq!(attempts_of_failing_call(), 5, "the inner guard restored the outer mode");
    }
    assert!(!is_testing());
    assert!(started.elapsed() < Duration::from_secs(5), "testing mode makes every wait zero");
}
