//! The compile cost of the `#[retry]` attribute.
//!
//! Generates, under `target/compile-cost/`, a throwaway cargo workspace with two
//! crates that hold the same 200 functions (100 sync, 100 `async`): `annotated`,
//! where each carries `#[retry_core::retry(on = std::io::Error)]`, and `plain`,
//! where none does. Then it times, with cargo, for each profile it has time for:
//!
//! - the one-off first build of the dependencies (retry-core and its tree);
//! - "cold": the crate alone built from scratch, its dependencies already built
//!   (`cargo clean -p <crate>` then `cargo build -p <crate>`), median of 3 runs;
//! - "incremental": the rebuild after one constant in one function body changed,
//!   median of 3 runs.
//!
//! The difference `annotated - plain` is what the attribute costs. The generated
//! workspace has its own `[workspace]` table, its own target directory and a copy of
//! the main `Cargo.lock` (same versions, so the crates already cached suffice), so it
//! never locks nor invalidates the main `target/`.
//!
//! Run it with `cargo run -p retry-benches --release --bin compile_cost`.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::time::{Duration, Instant};

/// How many functions of each kind (sync, `async`) each crate holds.
const FUNCTIONS: usize = 100;
/// Runs per measurement; the median is reported, which one slow outlier cannot move.
const RUNS: u64 = 3;
/// The two generated crates: with the attribute, then without.
const CRATES: [&str; 2] = ["annotated", "plain"];
/// The whole run should stay under this; the release profile is measured only if the
/// estimate says it still fits.
const BUDGET: Duration = Duration::from_secs(300);
/// The release measurements take at most about this many times the dev ones (1.7
/// on 2 cores, mostly the slower optimized build of the dependencies), with a margin.
const RELEASE_OVER_DEV: u32 = 2;
/// The command that produced the numbers, printed with them.
const REPRODUCE: &str = "cargo run -p retry-benches --release --bin compile_cost";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("compile_cost: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let started = Instant::now();
    let main_root = main_workspace_root();
    let cargo = Cargo::new(main_root.join("target/compile-cost"));
    generate_workspace(&cargo.root, &main_root.join("retry-core"), &main_root.join("Cargo.lock"))?;
    // From scratch, so that the dependency time is a true first build.
    remove_dir_if_present(&cargo.target_dir)?;
    let cargo = cargo.choose_network()?;

    let mut reports = vec![measure_profile(&cargo, Profile::Dev)?];
    let dev_time = started.elapsed();
    let release_fits = dev_time + dev_time * RELEASE_OVER_DEV <= BUDGET;
    if release_fits {
        reports.push(measure_profile(&cargo, Profile::Release)?);
    }
    print_report(&reports, (!release_fits).then_some(dev_time), started.elapsed());
    Ok(())
}

/// `/work/main`, found from this package's manifest so the binary runs from anywhere.
fn main_workspace_root() -> PathBuf {
    let benches = Path::new(env!("CARGO_MANIFEST_DIR"));
    benches.parent().unwrap_or(benches).to_path_buf()
}

/// A cargo profile to measure.
#[derive(Clone, Copy)]
enum Profile {
    Dev,
    Release,
}

impl Profile {
    fn name(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Release => "release",
        }
    }

    /// The `--profile` arguments for `build` and `clean` alike.
    fn args(self) -> [&'static str; 2] {
        ["--profile", self.name()]
    }
}

/// What one profile measured.
struct ProfileReport {
    profile: Profile,
    /// The first build of retry-core and its dependencies.
    dependencies: Duration,
    /// One row per crate of `CRATES`, in that order.
    rows: Vec<Row>,
}

/// The medians of one crate.
struct Row {
    name: &'static str,
    cold: Duration,
    incremental: Duration,
}

fn measure_profile(cargo: &Cargo, profile: Profile) -> Result<ProfileReport, String> {
    eprintln!("compile_cost: {} profile: building the dependencies", profile.name());
    // `-p retry-core` builds the whole dependency tree but neither generated crate.
    let dependencies = cargo.build("retry-core", profile)?;
    let mut rows = Vec::new();
    for name in CRATES {
        eprintln!("compile_cost: {} profile: {name}", profile.name());
        rows.push(measure_crate(cargo, name, profile)?);
    }
    Ok(ProfileReport { profile, dependencies, rows })
}

fn measure_crate(cargo: &Cargo, name: &'static str, profile: Profile) -> Result<Row, String> {
    let mut cold = Vec::new();
    for _ in 0..RUNS {
        cargo.clean(name, profile)?;
        cold.push(cargo.build(name, profile)?);
    }
    let lib = cargo.root.join(name).join("src/lib.rs");
    let mut incremental = Vec::new();
    for edit in 1..=RUNS {
        // A new constant in `f0` each time: a real change to one body, nothing else.
        fs::write(&lib, lib_rs(name == "annotated", edit)).map_err(|e| io_error(&lib, &e))?;
        incremental.push(cargo.build(name, profile)?);
    }
    // Back to the generated text, which the next profile's cold builds start from.
    fs::write(&lib, lib_rs(name == "annotated", 0)).map_err(|e| io_error(&lib, &e))?;
    Ok(Row { name, cold: median(cold), incremental: median(incremental) })
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

/// Runs cargo on the generated workspace.
struct Cargo {
    /// `$CARGO` when run by cargo, so the same toolchain builds both workspaces.
    program: OsString,
    /// The generated workspace.
    root: PathBuf,
    /// Its own target directory, inside it: never the main one.
    target_dir: PathBuf,
    /// `--offline` when the cached crates are enough.
    offline: bool,
}

impl Cargo {
    fn new(root: PathBuf) -> Self {
        let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let target_dir = root.join("target");
        Self { program, root, target_dir, offline: false }
    }

    /// Offline if the lock file resolves from the cache alone; otherwise online, with
    /// the downloads done here so that no timed build includes them.
    fn choose_network(mut self) -> Result<Self, String> {
        self.offline = true;
        // `cargo tree` needs exactly the crates of this platform (`cargo fetch` would
        // want those of every platform, which a cache seldom has).
        if self.run(&["tree"]).is_ok() {
            return Ok(self);
        }
        eprintln!("compile_cost: the cached crates are not enough; fetching online");
        self.offline = false;
        self.run(&["fetch"])?;
        Ok(self)
    }

    fn build(&self, package: &str, profile: Profile) -> Result<Duration, String> {
        let [flag, name] = profile.args();
        self.run(&["build", "-p", package, flag, name])
    }

    fn clean(&self, package: &str, profile: Profile) -> Result<Duration, String> {
        let [flag, name] = profile.args();
        self.run(&["clean", "-p", package, flag, name])
    }

    /// Runs `cargo <args>` and returns how long it took, or cargo's stderr on failure.
    fn run(&self, args: &[&str]) -> Result<Duration, String> {
        let mut command = Command::new(&self.program);
        command
            .args(args)
            .arg("--manifest-path")
            .arg(self.root.join("Cargo.toml"))
            // The variable rather than `--target-dir`, which `cargo tree` does not take.
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .current_dir(&self.root);
        if self.offline {
            command.arg("--offline");
        }
        let started = Instant::now();
        let output = command.output().map_err(|e| format!("cannot run {}: {e}", self.program.display()))?;
        let elapsed = started.elapsed();
        check(&output, args)?;
        Ok(elapsed)
    }
}

fn check(output: &Output, args: &[&str]) -> Result<(), String> {
    if output.status.success() {
        return Ok(());
    }
    Err(format!("`cargo {}` failed ({}):\n{}", args.join(" "), output.status, String::from_utf8_lossy(&output.stderr)))
}

/// Writes the workspace manifest, the lock file and both crates.
fn generate_workspace(root: &Path, retry_core: &Path, lock: &Path) -> Result<(), String> {
    write(&root.join("Cargo.toml"), WORKSPACE_MANIFEST)?;
    // The same versions as the main workspace, so the cached crates are the ones needed.
    let lock_text = fs::read_to_string(lock).map_err(|e| io_error(lock, &e))?;
    write(&root.join("Cargo.lock"), &lock_text)?;
    let retry_core = retry_core.to_str().ok_or_else(|| format!("{} is not UTF-8", retry_core.display()))?;
    for name in CRATES {
        write(&root.join(name).join("Cargo.toml"), &crate_manifest(name, retry_core))?;
        write(&root.join(name).join("src/lib.rs"), &lib_rs(name == "annotated", 0))?;
    }
    Ok(())
}

/// Its own `[workspace]`, so cargo stops here instead of joining the main workspace.
const WORKSPACE_MANIFEST: &str = "\
# Generated by benches/src/bin/compile_cost.rs: overwritten on every run.
[workspace]
members = [\"annotated\", \"plain\"]
resolver = \"3\"
";

fn crate_manifest(name: &str, retry_core: &str) -> String {
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nretry-core = {{ path = \"{}\" }}\n",
        retry_core.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// The 200 functions; `f0` adds `bump`, the one constant the incremental runs change.
fn lib_rs(annotated: bool, bump: u64) -> String {
    let attribute = if annotated { "#[retry_core::retry(on = std::io::Error)]\n" } else { "" };
    let mut text = String::from("//! Generated by benches/src/bin/compile_cost.rs.\n");
    for i in 0..FUNCTIONS {
        let add = if i == 0 { bump } else { i as u64 };
        // Writing to a String cannot fail.
        let _ = write!(
            text,
            "\n{attribute}pub fn f{i}(x: u64) -> Result<u64, std::io::Error> {{\n    {}\n}}\n\
             \n{attribute}pub async fn g{i}(x: u64) -> Result<u64, std::io::Error> {{\n    \
             std::future::ready(()).await;\n    {}\n}}\n",
            body(add),
            body(i as u64),
        );
    }
    text
}

fn body(add: u64) -> String {
    format!("if x == 0 {{ Err(std::io::Error::other(\"zero\")) }} else {{ Ok(x + {add}) }}")
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    }
    fs::write(path, text).map_err(|e| io_error(path, &e))
}

fn remove_dir_if_present(dir: &Path) -> Result<(), String> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_error(dir, &e)),
        _ => Ok(()),
    }
}

fn io_error(path: &Path, error: &std::io::Error) -> String {
    format!("{}: {error}", path.display())
}

/// Prints the tables; `skipped_release` is the dev time when release did not fit.
fn print_report(reports: &[ProfileReport], skipped_release: Option<Duration>, total: Duration) {
    println!("## Compile cost of `#[retry]`\n");
    println!("{} functions per crate ({FUNCTIONS} sync, {FUNCTIONS} async), medians of {RUNS} runs.\n", 2 * FUNCTIONS);
    println!("- {}", rustc_version());
    println!("- CPUs: {}", std::thread::available_parallelism().map_or(0, std::num::NonZero::get));
    println!("- reproduce: `{REPRODUCE}`\n");
    for report in reports {
        print_profile(report);
    }
    if let Some(dev) = skipped_release {
        println!(
            "Release profile skipped: dev alone took {:.0} s, release would exceed the {} s budget.\n",
            dev.as_secs_f64(),
            BUDGET.as_secs()
        );
    }
    println!("Total run time: {:.0} s", total.as_secs_f64());
}

fn print_profile(report: &ProfileReport) {
    println!("### {} profile\n", report.profile.name());
    println!("Dependencies (retry-core and its tree), first build: {:.2} s\n", report.dependencies.as_secs_f64());
    println!("| crate | cold (s) | incremental (s) |");
    println!("|---|---:|---:|");
    for row in &report.rows {
        println!("| {} | {:.2} | {:.2} |", row.name, row.cold.as_secs_f64(), row.incremental.as_secs_f64());
    }
    if let [annotated, plain] = report.rows.as_slice() {
        let cold = annotated.cold.as_secs_f64() - plain.cold.as_secs_f64();
        let incremental = annotated.incremental.as_secs_f64() - plain.incremental.as_secs_f64();
        println!("| annotated - plain | {cold:+.2} | {incremental:+.2} |\n");
    }
}

/// The compiler the builds used, or why it is unknown.
fn rustc_version() -> String {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    match Command::new(rustc).arg("--version").output() {
        Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout).trim().to_owned(),
        _ => "rustc: version unknown".to_owned(),
    }
}
