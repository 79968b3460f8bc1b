//! `retries_total` lands in the default registry, lazily, on the first retry.

use retry_core::{Retry, Scoped, TestMode, error_type};
use std::io;

fn series(name: &str) -> Vec<(Vec<(String, String)>, f64)> {
    prometheus::gather()
        .into_iter()
        .filter(|family| family.name() == name)
        .flat_map(|family| {
            family
                .get_metric()
                .iter()
                .map(|m| {
                    let labels = m.get_label().iter().map(|l| (l.name().to_string(), l.value().to_string())).collect();
                    (labels, m.get_counter().get_value())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn counter_appears_on_first_retry_with_its_labels() {
    assert!(series("retries_total").is_empty(), "nothing is registered before the first retry");

    let policy = Retry::default().name("inventory::reserve").on(error_type::<io::Error>());
    let _ = policy.call(|_| Ok::<_, io::Error>(()));
    assert!(series("retries_total").is_empty(), "a success touches no metric");

    let _ = Scoped::new()
        .testing(TestMode::new(3))
        .run(|| policy.call(|_| -> Result<(), _> { Err(io::Error::other("x")) }));
    let mut got = series("retries_total");
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let label = |k: &str, v: &str| (k.to_string(), v.to_string());
    let io_type = std::any::type_name::<io::Error>();
    assert_eq!(
        got,
        vec![
            (vec![label("callable", "inventory::reserve"), label("error_type", io_type), label("retry_num", "1")], 1.0),
            (vec![label("callable", "inventory::reserve"), label("error_type", io_type), label("retry_num", "2")], 1.0),
        ]
    );
}
