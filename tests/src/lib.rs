//! Integration and compile-fail tests of retry-core and its attribute; see `tests/`.
//!
//! The examples of the guides in `docs/` run as this crate's doctests, so that they
//! stay true to the code.

/// `docs/attribute.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/attribute.md")]
pub struct AttributeGuide;

/// `docs/tutorial.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/tutorial.md")]
pub struct Tutorial;

/// `docs/expansion.md`.
#[cfg(doctest)]
#[doc = include_str!("../../docs/expansion.md")]
pub struct Expansion;
