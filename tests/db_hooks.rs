//! Connection hooks seen by an unmodified client: Python's `sqlite3` module runs
//! `tests/db_hooks/authorizer.py` (authorizer calls with their action codes and arguments,
//! DENY / IGNORE / malfunction answers, progress handler) once on the system SQLite 3.40.1
//! and once on ours (`LD_LIBRARY_PATH`), and the outputs must be identical.

mod capi_common;
use capi_common::*;
use std::process::Command;

#[test]
fn authorizer_and_progress_handler_match_sqlite_through_python() {
    let script = manifest_dir().join("tests/db_hooks/authorizer.py");
    let run = |ours: bool| {
        let mut c = Command::new("python3");
        c.arg(&script);
        if ours {
            c.env("LD_LIBRARY_PATH", lib_dir());
        }
        let o = c.output().expect("python3");
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let want = run(false);
    let got = run(true);
    assert!(want.contains("access to t.y is prohibited"), "{want}");
    assert!(want.contains("progress called: True"), "{want}");
    assert!(want.contains("interrupted"), "{want}");
    assert_eq!(got, want);
}
