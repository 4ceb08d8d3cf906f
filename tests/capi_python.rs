//! Python's `sqlite3` module on EpilogLite: `blobopen`, `backup` and `serialize`/`deserialize`
//! (`capi-tests/py/`). Differential: the script's output on our library must equal its output
//! on the system's SQLite 3.40.1.

mod capi_common;
use capi_common::*;
use std::process::Command;

fn run_py(script: &str, ours: bool) -> String {
    let path = manifest_dir().join("capi-tests/py").join(script);
    let mut cmd = Command::new("python3");
    cmd.arg(&path);
    if ours {
        cmd.env("LD_LIBRARY_PATH", lib_dir());
    } else {
        cmd.env_remove("LD_LIBRARY_PATH");
    }
    let o = cmd.output().expect("python3 runs");
    assert!(o.status.success(), "{script} (ours={ours}): {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn python_blob_backup_serialize_differential() {
    // The ours-run really maps our library (else the comparison would prove nothing).
    let probe = Command::new("python3")
        .args([
            "-c",
            "import sqlite3; print('libepiloglite.so' in open('/proc/self/maps').read())",
        ])
        .env("LD_LIBRARY_PATH", lib_dir())
        .output()
        .expect("python3 runs");
    assert_eq!(
        String::from_utf8_lossy(&probe.stdout).trim(),
        "True",
        "{}",
        text(&probe)
    );
    let sys = run_py("blob_backup_serialize.py", false);
    let ours = run_py("blob_backup_serialize.py", true);
    assert!(sys.contains("dst integrity ok"), "{sys}");
    assert_eq!(
        ours, sys,
        "python output differs between EpilogLite and SQLite"
    );
}
