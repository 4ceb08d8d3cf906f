//! Checks of the project's outer tools against the SYSTEM libsqlite3 (they must work there, or
//! they measure nothing): the launcher's environment handling, the demo, the benchmark's
//! side-by-side run, and install-deps being a fast no-op on a provisioned machine.
//!
//! None of these involve EpilogLite's engine (they point the launcher at the system library
//! with `EPILOGLITE_LIB`), so they belong in the default `cargo test` run.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn system_libdir() -> String {
    std::env::var("EPILOGLITE_SYSTEM_LIBDIR").unwrap_or_else(|_| "/usr/lib/x86_64-linux-gnu".into())
}

#[test]
fn e2e_launcher_puts_library_first_and_keeps_original_path() {
    let out = Command::new(root().join("epiloglite"))
        .env("EPILOGLITE_LIB", system_libdir())
        .env("LD_LIBRARY_PATH", "/opt/elsewhere")
        .args([
            "sh",
            "-c",
            "echo \"$LD_LIBRARY_PATH|$EPILOGLITE_ORIG_LD_SET|$EPILOGLITE_ORIG_LD_LIBRARY_PATH\"",
        ])
        .output()
        .expect("run launcher");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        s.trim(),
        format!("{}:/opt/elsewhere|1|/opt/elsewhere", system_libdir())
    );

    let out = Command::new(root().join("epiloglite"))
        .env("EPILOGLITE_LIB", system_libdir())
        .env_remove("LD_LIBRARY_PATH")
        .args([
            "sh",
            "-c",
            "echo \"$LD_LIBRARY_PATH|$EPILOGLITE_ORIG_LD_SET\"",
        ])
        .output()
        .expect("run launcher");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{}|0", system_libdir())
    );
}

#[test]
fn e2e_launcher_rejects_a_directory_without_the_library() {
    let out = Command::new(root().join("epiloglite"))
        .env("EPILOGLITE_LIB", "/")
        .args(["true"])
        .output()
        .expect("run launcher");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no libsqlite3.so.0"));
}

#[test]
fn e2e_demo_passes_on_system_sqlite() {
    let out = Command::new(root().join("epiloglite"))
        .env("EPILOGLITE_LIB", system_libdir())
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .expect("run demo");
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{s}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(s.contains("PRAGMA integrity_check -> ok"), "{s}");
    assert!(s.contains("demo: OK"), "{s}");
    // On the system library the demo must notice it is not EpilogLite.
    assert!(s.contains("not EpilogLite"), "{s}");
}

#[test]
fn e2e_bench_runs_side_by_side_on_system_sqlite() {
    let dir = std::env::temp_dir().join(format!("epiloglite-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let csv = dir.join("r.csv");
    let out = Command::new(root().join("benches/run.sh"))
        .arg("3000")
        .env("EPILOGLITE_LIB", system_libdir())
        .env("BENCH_REPEAT", "1")
        .env("BENCH_MODES", "mem")
        .env("BENCH_CSV", &csv)
        .env("BENCH_OUT", &dir)
        .env("BENCH_DIR", &dir)
        .output()
        .expect("run benches/run.sh");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).expect("csv written");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(
            "scenario,ops,system_ops_per_s,epiloglite_ops_per_s,ratio,checksums_match"
        ),
        "{}",
        lines[0]
    );
    let names: Vec<&str> = lines[1..]
        .iter()
        .filter_map(|l| l.split(',').next())
        .collect();
    for want in [
        "mem/insert_batch",
        "mem/lookup_rowid",
        "mem/scan",
        "mem/group_by",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    for l in &lines[1..] {
        assert!(l.split(',').nth(5) == Some("true"), "checksums differ: {l}");
    }
    assert!(lines[1..]
        .iter()
        .any(|l| l.split(',').nth(1) == Some("3000")));
    let json = std::fs::read_to_string(dir.join("latest.json")).expect("json written");
    assert!(json.contains("\"geometric_mean_ratio\""), "{json}");
    assert!(dir.join("latest.svg").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn e2e_install_deps_is_a_fast_noop_when_provisioned() {
    let t = std::time::Instant::now();
    let out = Command::new(root().join("scripts/install-deps.sh"))
        .output()
        .expect("run install-deps");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "should be silent when nothing is missing"
    );
    assert!(t.elapsed().as_secs() < 5);
}
