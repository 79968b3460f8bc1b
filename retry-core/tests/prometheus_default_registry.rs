//! The counters land in the default registry at a callable's first call, with
//! every series it can produce at 0, so that `increase()` sees its first outage.

use retry_core::{Retry, Scoped, TestMode, error_type};
use std::io;

type Series = Vec<(Vec<(String, String)>, f64)>;

fn series(name: &str, callable: &str) -> Series {
    let mut found: Series = prometheus::gather()
        .into_iter()
        .filter(|family| family.name() == name)
        .flat_map(|family| {
            family
                .get_metric()
                .iter()
                .map(|m| {
                    let labels: Vec<_> =
                        m.get_label().iter().map(|l| (l.name().to_string(), l.value().to_string())).collect();
                    (labels, m.get_counter().get_value())
                })
                .collect::<Vec<_>>()
        })
        .filter(|(labels, _)| labels.iter().any(|(k, v)| k == "callable" && v == callable))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

fn label(k: &str, v: &str) -> (String, String) {
    (k.to_string(), v.to_string())
}

#[test]
fn series_exist_at_zero_after_the_first_call_and_count_from_there() {
    assert!(prometheus::gather().is_empty(), "nothing is registered before the first retrying call");

    let policy = Retry::builder().attempts(3).name("inventory::reserve").build().unwrap().on(error_type::<io::Error>());
    let _ = policy.call(|_| Ok::<_, io::Error>(()));
    let io_type = std::any::type_name::<io::Error>();
    let retries = |n: &str, value: f64| {
        (vec![label("callable", "inventory::reserve"), label("error_type", io_type), label("retry_num", n)], value)
    };
    let gave_up = |reason: &str, value: f64| {
        (vec![label("callable", "inventory::reserve"), label("error_type", io_type), label("reason", reason)], value)
    };
    assert_eq!(series("retries_total", "inventory::reserve"), vec![retries("1", 0.0), retries("2", 0.0)]);
    assert_eq!(
        series("retry_gave_up_total", "inventory::reserve"),
        vec![gave_up("attempts", 0.0), gave_up("deadline", 0.0)],
        "a policy without a budget cannot give up for one"
    );
    assert!(series("retries_budget_exhausted_total", "inventory::reserve").is_empty());

    let outcome = Scoped::new()
        .testing(TestMode::new(3))
        .run(|| policy.call(|_| -> Result<(), _> { Err(io::Error::other("x")) }));
    assert!(outcome.is_err());
    assert_eq!(series("retries_total", "inventory::reserve"), vec![retries("1", 1.0), retries("2", 1.0)]);
    assert_eq!(
        series("retry_gave_up_total", "inventory::reserve"),
        vec![gave_up("attempts", 1.0), gave_up("deadline", 0.0)]
    );

    let unnamed = Retry::default().on(error_type::<io::Error>());
    let _ = unnamed.call(|_| Ok::<_, io::Error>(()));
    assert!(series("retries_total", "<block>").is_empty(), "an unnamed block declares nothing");
}
