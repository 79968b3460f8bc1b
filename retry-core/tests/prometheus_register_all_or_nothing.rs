//! Registering into the user's own registry takes all the counters or none; if
//! it fails, they go to the default registry, so nothing counts unexported.

use retry_core::instrument::prometheus::register;
use retry_core::{Retry, Scoped, TestMode, error_type};
use std::io;

fn names(registry: &prometheus::Registry) -> Vec<String> {
    let mut names: Vec<String> = registry.gather().iter().map(|f| f.name().to_owned()).collect();
    names.sort();
    names
}

#[test]
fn a_clash_in_the_users_registry_registers_nothing_there() {
    let mine = prometheus::Registry::new();
    let taken = prometheus::IntCounter::new("retry_gave_up_total", "Mine.").unwrap();
    mine.register(Box::new(taken)).unwrap();
    taken_is_there(&mine);

    assert!(register(&mine).is_err());
    taken_is_there(&mine);

    let policy = Retry::default().name("fallback::default").on(error_type::<io::Error>());
    let _ = Scoped::new()
        .testing(TestMode::new(2))
        .run(|| policy.call(|_| -> Result<(), _> { Err(io::Error::other("down")) }));
    taken_is_there(&mine);
    let default = names(prometheus::default_registry());
    // (A family without series, here the budget's, is not gathered.)
    assert_eq!(default, ["retries_total", "retry_gave_up_total"]);
}

fn taken_is_there(mine: &prometheus::Registry) {
    assert_eq!(names(mine), ["retry_gave_up_total"], "only the user's own metric");
}
