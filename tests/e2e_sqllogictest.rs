//! Self-test of the sqllogictest runner (`sqllogictest/runner`, a separate crate) against the
//! SYSTEM libsqlite3: a harness that cannot tell right from wrong measures nothing, so it must
//! pass every record of `selftest/good.test`, find exactly the 7 planted failures of
//! `selftest/bad.test`, count the records after a hang as failed (`selftest/hang.test`), and
//! fail everything when the library cannot be loaded. When `../shared/sqllogictest/` is
//! present (CI has it beside the clone), one corpus directory must pass 100% too.
//!
//! These tests do not involve EpilogLite's engine; `scripts/test.sh` runs the corpus on it.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const SYSTEM_LIB: &str = "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn system_lib() -> String {
    std::env::var("EPILOGLITE_SYSTEM_LIBDIR")
        .map(|d| format!("{d}/libsqlite3.so.0"))
        .unwrap_or_else(|_| SYSTEM_LIB.to_string())
}

/// Builds the runner once (its own target dir, so no lock on the outer build).
fn runner() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = root().join("sqllogictest/runner");
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["build", "--release", "-q", "--manifest-path"])
                .arg(dir.join("Cargo.toml"))
                .arg("--target-dir")
                .arg(dir.join("target"))
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("RUSTFLAGS")
                .status()
                .expect("run cargo to build the sqllogictest runner");
            assert!(status.success(), "building sqllogictest/runner failed");
            dir.join("target/release/slt-runner")
        })
        .clone()
}

/// Runs the runner; returns (passed, failed, exit code, stdout).
fn run(lib: &str, extra: &[&str], files: &[&str]) -> (usize, usize, i32, String) {
    let out = Command::new(runner())
        .current_dir(root())
        .arg("--lib")
        .arg(lib)
        .args(extra)
        .args(files)
        .output()
        .expect("run slt-runner");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let last = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("sqllogictest: "))
        .unwrap_or_else(|| panic!("no summary line in:\n{text}"));
    let nums: Vec<usize> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(nums.len(), 2, "bad summary {last:?}");
    (nums[0], nums[1], out.status.code().unwrap_or(-1), text)
}

#[test]
fn e2e_slt_good_file_passes_on_system_sqlite() {
    let (p, f, code, out) = run(&system_lib(), &[], &["sqllogictest/selftest/good.test"]);
    assert_eq!((p, f, code), (12, 0, 0), "{out}");
}

#[test]
fn e2e_slt_planted_failures_are_all_found() {
    let (p, f, code, out) = run(
        &system_lib(),
        &["--show", "20"],
        &["sqllogictest/selftest/bad.test"],
    );
    assert_eq!((p, f, code), (3, 7, 1), "{out}");
    for line in [":9:", ":16:", ":22:", ":26:", ":30:", ":37:", ":49:"] {
        assert!(
            out.contains(line),
            "failure at line {line} not reported:\n{out}"
        );
    }
}

#[test]
fn e2e_slt_hang_counts_remaining_records_as_failed() {
    let (p, f, code, out) = run(
        &system_lib(),
        &["--timeout", "3"],
        &["sqllogictest/selftest/hang.test"],
    );
    assert_eq!((p, f, code), (1, 3, 1), "{out}");
    assert!(out.contains("timeout"), "{out}");
}

#[test]
fn e2e_slt_unloadable_library_fails_every_record() {
    let (p, f, code, _) = run(
        "/nonexistent/libsqlite3.so.0",
        &[],
        &["sqllogictest/selftest/good.test"],
    );
    assert_eq!((p, f, code), (0, 12, 1));
}

#[test]
fn e2e_slt_corpus_evidence_passes_on_system_sqlite() {
    let dir = root().join("../shared/sqllogictest/test/evidence");
    if !dir.is_dir() {
        eprintln!("note: {} absent; corpus check not run", dir.display());
        return;
    }
    let (p, f, code, out) = run(
        &system_lib(),
        &[],
        &["../shared/sqllogictest/test/evidence"],
    );
    assert_eq!((f, code), (0, 0), "{out}");
    assert_eq!(p, 180, "{out}"); // 8 evidence files, 180 records (sqllogictest/README.md)
}

#[test]
fn e2e_slt_budget_fails_files_not_started() {
    let (p, f, code, out) = run(
        &system_lib(),
        &["--budget", "1", "--timeout", "2"],
        &[
            "sqllogictest/selftest/hang.test",
            "sqllogictest/selftest/good.test",
        ],
    );
    // hang.test: 1 passed, 3 failed at its timeout; good.test never starts: 12 failed.
    assert_eq!((p, f, code), (1, 15, 1), "{out}");
    assert!(out.contains("time budget"), "{out}");
}
