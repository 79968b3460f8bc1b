//! Compile-fail tests of `#[retry]` with retry-core's default features off (no
//! `tokio`, no `anyhow`): a forgotten feature is one clear error that names it.
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p minimal-user --test ui`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
