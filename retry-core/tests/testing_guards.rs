//! Spec 5: `set_testing` guards nest, and dropping them in any order ends in the
//! state before the first. Process-wide state: one test in this binary, so
//! nothing runs beside it.

use retry_core::{TestMode, set_testing, testing};
use std::sync::{Arc, Barrier};

#[test]
fn guards_dropped_in_any_order_end_where_they_began() {
    let modes = [Some(TestMode::new(2)), None, Some(TestMode::new(7).capped())];
    for order in [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]] {
        let mut guards: Vec<_> = modes.iter().map(|&mode| Some(set_testing(mode))).collect();
        assert_eq!(testing(), modes[2]);
        for (dropped, &at) in order.iter().enumerate() {
            guards[at] = None;
            // The newest guard still alive decides; none alive: off.
            let expected = (0..3).rev().find(|i| guards[*i].is_some()).and_then(|i| modes[i]);
            assert_eq!(testing(), expected, "order {order:?}, after {} drops", dropped + 1);
        }
        assert_eq!(testing(), None, "order {order:?}");
    }

    // What two tests running in parallel do: each holds a guard, and the one
    // that set its guard first ends first.
    let barrier = Arc::new(Barrier::new(2));
    let first = {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            let guard = set_testing(TestMode::new(3));
            barrier.wait(); // 1: this guard is set
            barrier.wait(); // 2: the other guard is set
            drop(guard);
            barrier.wait(); // 3: this guard is dropped
        })
    };
    barrier.wait(); // 1
    let guard = set_testing(TestMode::new(4));
    barrier.wait(); // 2
    barrier.wait(); // 3
    assert_eq!(testing(), Some(TestMode::new(4)), "this test's mode stays while its guard lives");
    drop(guard);
    first.join().unwrap();
    assert_eq!(testing(), None, "testing mode is off once both tests are done");
}
