//! An annotated function's series exist at 0 by the end of its first call, and
//! `retry_num` takes at most 10 values however many attempts it makes.

use retry_core::{Scoped, TestMode, retry};
use std::io;

fn retry_nums(callable: &str) -> Vec<(String, f64)> {
    use prometheus::core::Collector;
    let mut found: Vec<(String, f64)> = retry_core::instrument::prometheus::retries_total()
        .collect()
        .into_iter()
        .flat_map(|family| family.get_metric().to_vec())
        .filter(|m| m.get_label().iter().any(|l| l.name() == "callable" && l.value() == callable))
        .map(|m| {
            let num = m.get_label().iter().find(|l| l.name() == "retry_num").map(|l| l.value().to_owned());
            (num.unwrap_or_default(), m.get_counter().get_value())
        })
        .collect();
    found.sort_by_key(|(num, _)| num.parse::<u32>().unwrap_or(u32::MAX));
    found
}

fn zeros(nums: &[&str]) -> Vec<(String, f64)> {
    nums.iter().map(|n| ((*n).to_owned(), 0.0)).collect()
}

#[retry(on = io::Error, attempts = 4)]
fn sync_ok() -> io::Result<u8> {
    Ok(1)
}

#[retry(on = io::Error, attempts = 3)]
async fn async_ok() -> io::Result<u8> {
    Ok(2)
}

struct Store;

impl Store {
    #[retry(on = io::Error)]
    fn load(&self) -> io::Result<u8> {
        Ok(3)
    }
}

#[test]
fn a_sync_function_declares_its_series_on_its_first_success() {
    let name = concat!(module_path!(), "::sync_ok");
    assert!(retry_nums(name).is_empty());
    assert_eq!(sync_ok().unwrap(), 1);
    assert_eq!(retry_nums(name), zeros(&["1", "2", "3"]));
}

#[tokio::test]
async fn an_async_function_declares_its_series_on_its_first_success() {
    let name = concat!(module_path!(), "::async_ok");
    assert!(retry_nums(name).is_empty());
    assert_eq!(async_ok().await.unwrap(), 2);
    assert_eq!(retry_nums(name), zeros(&["1", "2"]));
}

#[test]
fn a_method_declares_under_its_types_name() {
    assert_eq!(Store.load().unwrap(), 3);
    let name = format!("{}::load", std::any::type_name::<Store>());
    assert_eq!(retry_nums(&name), zeros(&["1", "2", "3", "4", "5", "6", "7", "8", "9"]));
}

#[retry(on = io::Error, attempts = None, timeout = None, wait_initial = 0, wait_jitter = 0)]
fn unlimited(calls: &mut u32) -> io::Result<u32> {
    *calls += 1;
    if *calls <= 25 { Err(io::Error::other("down")) } else { Ok(*calls) }
}

#[test]
fn unlimited_attempts_make_at_most_ten_series() {
    let name = concat!(module_path!(), "::unlimited");
    let mut calls = 0;
    assert_eq!(unlimited(&mut calls).unwrap(), 26);
    let mut expected: Vec<(String, f64)> = (1..=9).map(|n| (n.to_string(), 1.0)).collect();
    expected.push(("10+".to_owned(), 16.0));
    assert_eq!(retry_nums(name), expected, "25 retries: 1 to 9 once each, 16 share `10+`");
}

#[retry(on = io::Error, attempts = 3)]
fn failing_first(calls: &mut u32) -> io::Result<u32> {
    *calls += 1;
    Err(io::Error::other("down"))
}

#[test]
fn a_first_call_that_fails_declares_before_counting() {
    let name = concat!(module_path!(), "::failing_first");
    let mut calls = 0;
    let outcome = Scoped::new().testing(TestMode::new(3)).run(|| failing_first(&mut calls));
    assert!(outcome.is_err());
    assert_eq!(retry_nums(name), [("1".to_owned(), 1.0), ("2".to_owned(), 1.0)]);
}

#[retry(on = io::Error)]
fn while_inactive() -> io::Result<()> {
    Ok(())
}

#[test]
fn no_hook_runs_while_retrying_is_off_and_the_next_active_call_declares() {
    let name = concat!(module_path!(), "::while_inactive");
    Scoped::new().active(false).run(|| while_inactive().unwrap());
    assert!(retry_nums(name).is_empty(), "switched off: nothing declared");
    while_inactive().unwrap();
    assert_eq!(retry_nums(name).len(), 9);
}
