//! Nothing: this package only runs `tests/ui.rs`, the compile-fail cases of
//! `#[retry]` that need retry-core without its default features.
