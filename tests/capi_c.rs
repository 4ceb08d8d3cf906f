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

#[test]
fn vtab_differential() {
    differential("vtab");
}
