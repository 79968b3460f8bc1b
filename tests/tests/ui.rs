//! Compile-fail tests of `#[retry]`: every misuse gives a clear error at the right
//! span, and the function is still emitted so that no second error follows.
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p tests --test ui`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
