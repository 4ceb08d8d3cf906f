//! C programs in `capi-tests/`, compiled against `include/sqlite3.h` and against the upstream
//! `/usr/include/sqlite3.h`, linked against our `libsqlite3.so.0` and run with
//! `LD_LIBRARY_PATH`; where the program is deterministic, its output with our library must equal
//! its output with the system's SQLite 3.40.1 (differential).

mod capi_common;
use capi_common::*;

fn differential(name: &str) {
    for (inc, tag) in header_dirs() {
        let exe = compile(name, &inc, tag);
        let ours = run_ours(&exe, &[]);
        assert_passed(&ours, &format!("{name} ({tag} header) with EpilogLite"));
        let sys = run_system(&exe, &[]);
        assert_passed(&sys, &format!("{name} ({tag} header) with system SQLite"));
        assert_eq!(
            text(&ours),
            text(&sys),
            "{name}: output differs between EpilogLite and SQLite"
        );
    }
}

#[test]
fn basics_differential() {
    differential("basics");
}

#[test]
fn printf_differential() {
    differential("printf");
}

#[test]
fn misuse_is_detected() {
    for (inc, tag) in header_dirs() {
        let exe = compile("misuse", &inc, tag);
        let ours = run_ours(&exe, &[]);
        assert_passed(&ours, &format!("misuse ({tag} header) with EpilogLite"));
        // The same expectations hold for real SQLite, minus the use-after-free checks.
        let sys = run_system(&exe, &["--system"]);
        assert_passed(&sys, &format!("misuse ({tag} header) with system SQLite"));
        if engine_available() {
            assert!(
                !text(&ours).contains("engine cannot open"),
                "{}",
                text(&ours)
            );
        }
    }
}

#[test]
fn roundtrip_differential() {
    for (inc, tag) in header_dirs() {
        let exe = compile("roundtrip", &inc, tag);
        let sys = run_system(&exe, &[]);
        assert_passed(
            &sys,
            &format!("roundtrip ({tag} header) with system SQLite"),
        );
        let ours = run_ours(&exe, &[]);
        assert_passed(&ours, &format!("roundtrip ({tag} header) with EpilogLite"));
        if engine_available() {
            assert_eq!(
                text(&ours),
                text(&sys),
                "roundtrip: output differs between EpilogLite and SQLite"
            );
        } else {
            assert!(
                text(&ours).contains("# engine cannot open"),
                "{}",
                text(&ours)
            );
        }
    }
}

#[test]
fn blob_differential() {
    differential("blob");
}

#[test]
fn backup_serialize_differential() {
    differential("backup");
}

/// Threads sharing one connection (serialized) and threads with a connection each on one WAL
/// file: no crash, every insert and increment present (issue 8 "API misuse", issue 6).
#[test]
fn threads_share_connections_and_files() {
    for (inc, tag) in header_dirs() {
        let exe = compile("threads", &inc, tag);
        for (who, system) in [("EpilogLite", false), ("system SQLite", true)] {
            let dir = profile_dir().join(format!(
                "threads-{tag}-{}",
                if system { "sys" } else { "ours" }
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let d = dir.to_string_lossy().into_owned();
            let out = if system {
                run_system(&exe, &[&d])
            } else {
                run_ours(&exe, &[&d])
            };
            assert_passed(&out, &format!("threads ({tag} header) with {who}"));
        }
    }
}

/// Random C API call sequences (issue 8 "Fuzzing: the C API sequence"): the process survives.
/// Real SQLite runs the same sequences without stale handles (undefined behaviour there);
/// EpilogLite also with handles used after finalize/close and NULL handles.
/// `EPILOGLITE_APIFUZZ_CALLS` / `EPILOGLITE_APIFUZZ_SEEDS` scale it up.
#[test]
fn random_api_sequences_survive() {
    let calls = std::env::var("EPILOGLITE_APIFUZZ_CALLS").unwrap_or_else(|_| "20000".into());
    let seeds: u64 = std::env::var("EPILOGLITE_APIFUZZ_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4);
    let (inc, tag) = header_dirs().remove(1);
    let exe = compile("apifuzz", &inc, tag);
    for seed in 1..=seeds {
        let s = seed.to_string();
        let sys = run_system(&exe, &[&s, &calls]);
        assert_passed(&sys, &format!("apifuzz seed {seed} with system SQLite"));
        let ours = run_ours(&exe, &[&s, &calls]);
        assert_passed(&ours, &format!("apifuzz seed {seed} with EpilogLite"));
        let ours = run_ours(&exe, &[&s, &calls, "--stale"]);
        assert_passed(
            &ours,
            &format!("apifuzz seed {seed} --stale with EpilogLite"),
        );
    }
}

#[test]
fn vtab_differential() {
    differential("vtab");
}
