//! Integration and compile-fail tests of retry-core and its attribute; see `tests/`.
