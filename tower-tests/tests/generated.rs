//! The gRPC code of this crate (`src/generated/echo.rs`) is generated from
//! `proto/echo.proto` by tonic-prost-build and checked in, so that building and
//! testing need no `protoc`. This test generates it again and compares; run it
//! with `REGENERATE=1` to rewrite the file. Without `protoc` it is skipped, loudly.

use std::path::Path;
use std::process::Command;

#[test]
fn generated_code_is_current() {
    if Command::new(std::env::var("PROTOC").unwrap_or_else(|_| "protoc".into())).arg("--version").output().is_err() {
        eprintln!(
            "\n*** SKIPPED generated_code_is_current: `protoc` is not installed, so the checked-in gRPC code \
             (tower-tests/src/generated/echo.rs) cannot be compared with proto/echo.proto. \
             Install it: apt-get install -y protobuf-compiler ***\n"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().expect("a temporary directory");
    tonic_prost_build::configure()
        .out_dir(out.path())
        .compile_protos(&[root.join("proto/echo.proto")], &[root.join("proto")])
        .expect("protoc and tonic-prost-build generate the code");
    let fresh = std::fs::read_to_string(out.path().join("echo.rs")).expect("generated echo.rs");
    let checked_in_path = root.join("src/generated/echo.rs");
    if std::env::var_os("REGENERATE").is_some() {
        std::fs::write(&checked_in_path, &fresh).expect("write src/generated/echo.rs");
        return;
    }
    let checked_in = std::fs::read_to_string(&checked_in_path).expect("src/generated/echo.rs");
    assert!(
        checked_in == fresh,
        "src/generated/echo.rs is out of date with proto/echo.proto: run \
         `REGENERATE=1 cargo test -p tower-tests --test generated` and commit the result"
    );
}
