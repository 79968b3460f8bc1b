//! Spec 4: "A `Box<T>` or `Arc<T>` error is a `T`", for a policy value as for the
//! attribute. Each error is matched at the top of the chain and as a source.

mod support;

use retry_core::backoff::NoBackoff;
use retry_core::{Retry, error_type, error_types};
use std::sync::Arc;
use std::{fmt, io};
use support::VirtualClock;

#[derive(Debug, thiserror::Error)]
#[error("db")]
struct Db;

#[derive(Debug, thiserror::Error)]
enum Service {
    #[error("{0}")]
    Boxed(#[from] Box<Db>),
    #[error("{0}")]
    Shared(#[from] Arc<Db>),
}

/// How many attempts a 3-attempt policy with `on` makes against `error`.
fn attempts<E, O, M>(on: O, error: impl Fn() -> E) -> u32
where
    O: retry_core::RetryOn<E, M>,
    E: fmt::Debug,
{
    let policy = Retry::new(NoBackoff, 2).on(on);
    let mut made = 0;
    let _ = policy.blocking_sleeper(&VirtualClock::new()).call(|_| -> Result<(), E> {
        made += 1;
        Err(error())
    });
    made
}

#[test]
fn a_box_or_an_arc_of_the_on_type_is_retried() {
    assert_eq!(attempts(error_type::<io::Error>(), || Box::new(io::Error::other("x"))), 3);
    assert_eq!(attempts(error_type::<io::Error>(), || Arc::new(io::Error::other("x"))), 3);
    assert_eq!(attempts(error_type::<Db>(), || Box::new(Db)), 3);
    assert_eq!(attempts(error_type::<Db>(), || Arc::new(Db)), 3);
}

#[test]
fn a_box_or_an_arc_in_the_source_chain_is_retried() {
    assert_eq!(attempts(error_type::<Db>(), || Service::from(Box::new(Db))), 3);
    assert_eq!(attempts(error_type::<Db>(), || Service::from(Arc::new(Db))), 3);
    let erased = || -> Box<dyn std::error::Error + Send + Sync> { Box::new(Service::from(Box::new(Db))) };
    assert_eq!(attempts(error_type::<Db>(), erased), 3);
}

#[test]
fn tuples_see_through_boxes_and_arcs() {
    assert_eq!(attempts(error_types::<(fmt::Error, Db)>(), || Box::new(Db)), 3);
    assert_eq!(attempts(error_types::<(fmt::Error, Db)>(), || Arc::new(Db)), 3);
    assert_eq!(attempts(error_types::<(fmt::Error, Db)>(), || Service::from(Box::new(Db))), 3);
}

#[test]
fn a_box_of_another_type_is_not_retried() {
    assert_eq!(attempts(error_type::<fmt::Error>(), || Box::new(Db)), 1);
    assert_eq!(attempts(error_type::<fmt::Error>(), || Arc::new(Db)), 1);
    assert_eq!(attempts(error_types::<(fmt::Error, io::Error)>(), || Service::from(Box::new(Db))), 1);
}
