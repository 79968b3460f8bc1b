//! What the package carries besides code. These tests read the files of the package,
//! so they run the same in the repository and in the published crate:
//! - the files that are symlinks in the repository (to the root's licenses, changelog
//!   and `docs/reference.md`) hold the real text, not a dangling or unfollowed link
//!   (git checks symlinks out as plain files holding the path where symlinks are off);
//! - the features table, written twice (the crate docs on docs.rs and the README on
//!   the registry page), lists exactly the features of `Cargo.toml`, with the right
//!   defaults, and says the same in both places.

use std::collections::BTreeMap;
use std::path::Path;

fn read(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The rows of the table whose header starts with `| feature | default |`, each with
/// `prefix` removed from the start of its line.
fn table_rows(text: &str, prefix: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().filter_map(|line| line.strip_prefix(prefix)).collect();
    let start = lines
        .iter()
        .position(|line| line.starts_with("| feature | default |"))
        .unwrap_or_else(|| panic!("no features table"));
    lines[start + 2..].iter().take_while(|line| line.starts_with('|')).map(ToString::to_string).collect()
}

/// Feature name to "yes" (on by default) or "no", from `Cargo.toml`'s `[features]`,
/// in the repository's layout or in the one `cargo package` writes.
fn manifest_features() -> BTreeMap<String, &'static str> {
    let manifest = read("Cargo.toml");
    let section = manifest.split("\n[features]\n").nth(1).expect("a [features] section");
    let section = section.split("\n[").next().unwrap_or_default();
    let mut names = Vec::new();
    for line in section.lines() {
        if let Some((name, _)) = line.split_once(" = ")
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            names.push(name.to_string());
        }
    }
    let default = section.split("default = [").nth(1).expect("a default feature");
    let default = default.split(']').next().unwrap_or_default();
    let defaults: Vec<&str> = default.split(',').map(|name| name.trim().trim_matches('"')).collect();
    names
        .into_iter()
        .filter(|name| name != "default")
        .map(|name| {
            let on = if defaults.contains(&name.as_str()) { "yes" } else { "no" };
            (name, on)
        })
        .collect()
}

#[test]
fn crate_docs_and_readme_list_every_feature_with_its_default() {
    let docs = table_rows(&read("src/lib.rs"), "//! ");
    let readme = table_rows(&read("README.md"), "");
    assert_eq!(docs, readme, "the features tables of src/lib.rs and README.md differ");

    let listed: BTreeMap<String, &str> = docs
        .iter()
        .map(|row| {
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let name = cells[1].trim_matches('`').to_string();
            let default = match cells[2] {
                "yes" => "yes",
                "no" => "no",
                other => panic!("default column of `{name}` is {other:?}, not yes or no"),
            };
            (name, default)
        })
        .collect();
    assert_eq!(listed.len(), docs.len(), "a feature is listed twice");
    assert_eq!(listed, manifest_features());
}

#[test]
fn shared_files_hold_their_text() {
    assert!(read("LICENSE-MIT").starts_with("Permission is hereby granted"));
    assert!(read("LICENSE-APACHE").contains("Apache License\n                           Version 2.0"));
    assert!(read("CHANGELOG.md").starts_with("# Changelog"));
    // src/lib.rs runs its code blocks as doctests: there must be some to run.
    assert!(read("docs/reference.md").contains("\n```rust\n"), "docs/reference.md has no doctests");
    assert!(read("docs/metrics.md").contains("\n```rust\n"), "docs/metrics.md has no doctests");
}
