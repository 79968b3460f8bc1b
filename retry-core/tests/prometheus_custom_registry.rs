//! A user who registers the counter first keeps it out of the default registry.

use retry_core::instrument::prometheus::register;
use retry_core::{Retry, Scoped, TestMode, error_type};
use std::io;

#[test]
#[allow(clippy::float_cmp, reason = "a sum of counts: a whole number, exact in an f64")]
fn counter_goes_where_the_user_registered_it() {
    let mine = prometheus::Registry::new();
    register(&mine).unwrap();

    let policy = Retry::default().name("custom::registry").on(error_type::<io::Error>());
    let _ = Scoped::new()
        .testing(TestMode::new(4))
        .run(|| policy.call(|_| -> Result<(), _> { Err(io::Error::other("x")) }));

    let total: f64 = mine
        .gather()
        .iter()
        .filter(|f| f.name() == "retries_total")
        .flat_map(|f| f.get_metric().iter().map(|m| m.get_counter().get_value()))
        .sum();
    assert_eq!(total, 3.0);
    assert!(prometheus::gather().iter().all(|f| f.name() != "retries_total"));
}
