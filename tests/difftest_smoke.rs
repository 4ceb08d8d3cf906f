//! Smoke tests of the differential query generator (`difftest/`, a separate crate). The
//! harness is proven on the SYSTEM library against itself (it must report 0 differences) and
//! with planted faults (it must report exactly the planted ones); the run on EpilogLite's
//! `target/release/lib/libsqlite3.so.0` (or `$EPILOGLITE_LIB`) is ignored until the engine
//! passes it: `cargo build --release --lib && cargo test --test difftest_smoke -- --ignored`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const SYSTEM_LIB: &str = "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds difftest once (its own target dir, so no lock on the outer build).
fn difftest() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = root().join("difftest");
            let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["build", "--release", "-q", "--manifest-path"])
                .arg(dir.join("Cargo.toml"))
                .arg("--target-dir")
                .arg(dir.join("target"))
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("RUSTFLAGS")
                .status()
                .expect("run cargo to build difftest");
            assert!(status.success(), "building difftest failed");
            dir.join("target/release/difftest")
        })
        .clone()
}

/// Runs difftest; returns (passed, failed, exit code, stdout).
fn run(ours: &str, extra: &[&str]) -> (usize, usize, i32, String) {
    let out = Command::new(difftest())
        .args([
            "--ours",
            ours,
            "--ref",
            SYSTEM_LIB,
            "--seed",
            "20261123",
            "--queries",
            "2000",
        ])
        .args(extra)
        .output()
        .expect("run difftest");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let last = text.lines().last().unwrap_or("");
    let nums: Vec<usize> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert!(
        nums.len() == 2 && last.ends_with(" failed"),
        "no summary line in:\n{text}"
    );
    (nums[0], nums[1], out.status.code().unwrap_or(-1), text)
}

#[test]
fn difftest_system_vs_system_has_no_differences() {
    let (p, f, code, out) = run(SYSTEM_LIB, &["--show", "3"]);
    assert!(p >= 2000, "too few statements ran: {p}\n{out}");
    assert_eq!((f, code), (0, 0), "{out}");
}

#[test]
fn difftest_finds_every_planted_difference() {
    let (p, f, code, out) = run(SYSTEM_LIB, &["--plant", "97", "--show", "1"]);
    assert_eq!(f, (p + f) / 97, "{out}");
    assert!(f >= 20, "{out}");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("==== DIFFERENCE #1 ["), "{out}");
}

#[test]
fn difftest_missing_library_is_an_error_not_a_pass() {
    let (p, f, code, out) = run("/nonexistent/libsqlite3.so.0", &["--show", "0"]);
    assert_eq!(p, 0, "{out}");
    assert!(f >= 2000, "{out}");
    assert_eq!(code, 1, "{out}");
}

#[test]
#[ignore = "EpilogLite does not pass yet; see /work/briefs/diffgen-bugs.md"]
fn difftest_epiloglite_matches_sqlite() {
    let ours = std::env::var("EPILOGLITE_LIB").unwrap_or_else(|_| {
        root()
            .join("target/release/lib/libsqlite3.so.0")
            .to_string_lossy()
            .into_owned()
    });
    let (p, f, code, out) = run(&ours, &["--show", "10"]);
    assert_eq!((f, code), (0, 0), "{p} passed\n{out}");
}

/// A crash or a hang of the library under test costs the statement it happened on plus the
/// rest of that round (counted as failures), never the harness: the other rounds still run.
#[test]
fn difftest_survives_crash_and_hang_of_the_library() {
    let (p0, f0, _, out) = run(SYSTEM_LIB, &["--show", "0"]);
    assert_eq!(f0, 0, "{out}");
    for fault in ["--crash-at", "--hang-at"] {
        let (p, f, code, out) = run(SYSTEM_LIB, &[fault, "30", "--timeout", "2", "--show", "1"]);
        let kind = if fault == "--crash-at" {
            "[crash]"
        } else {
            "[hang]"
        };
        assert!(out.contains(kind), "{out}");
        assert!(out.contains("lost-after-crash"), "{out}");
        assert_eq!(p + f, p0, "every statement is still counted once\n{out}");
        assert!(f > 1 && f < 100, "only one round is lost\n{out}");
        assert_eq!(code, 1, "{out}");
    }
}
