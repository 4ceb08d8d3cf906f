//! The C test programs of `capi-tests/` under Valgrind's memcheck with our library (issue 8,
//! "Memory"): 0 errors and 0 definite leaks. A control program with a deliberate invalid read
//! and leak must be reported, which proves the harness can fail. Skipped, with a message, where
//! valgrind is not installed (`scripts/install-deps.sh` installs it).

mod capi_common;
use capi_common::*;
use std::process::{Command, Output};

fn valgrind_available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn memcheck(exe: &std::path::Path, args: &[&str]) -> Output {
    Command::new("timeout")
        .arg("900")
        .arg("valgrind")
        .args(["-q", "--error-exitcode=99", "--leak-check=full"])
        .arg(format!(
            "--suppressions={}/tests/memcheck.supp",
            env!("CARGO_MANIFEST_DIR")
        ))
        .args([
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
        ])
        .arg(exe)
        .args(args)
        .env("LD_LIBRARY_PATH", lib_dir())
        .output()
        .expect("run valgrind")
}

#[test]
fn c_programs_are_clean_under_memcheck() {
    if !valgrind_available() {
        eprintln!("SKIPPED: valgrind is not installed");
        return;
    }
    let (inc, tag) = header_dirs().remove(1);
    // The control must be caught.
    let control = compile("vgcontrol", &inc, tag);
    let out = memcheck(&control, &[]);
    assert_eq!(
        out.status.code(),
        Some(99),
        "memcheck missed the control's errors:\n{}",
        text(&out)
    );

    let dir = profile_dir().join("memcheck-scratch");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.to_string_lossy().into_owned();
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("basics", vec![]),
        ("roundtrip", vec![]),
        ("misuse", vec![]),
        ("blob", vec![]),
        ("backup", vec![]),
        ("printf", vec![]),
        ("threads", vec![&d]),
        ("apifuzz", vec!["7", "4000"]),
        ("apifuzz", vec!["8", "4000", "--stale"]),
    ];
    let mut bad = Vec::new();
    for (name, args) in runs {
        let exe = compile(name, &inc, tag);
        let out = memcheck(&exe, &args);
        let t = text(&out);
        println!("memcheck {name} {args:?}: exit {:?}", out.status.code());
        if !out.status.success() || t.contains("not ok") {
            bad.push(format!(
                "{name} {args:?}: exit {:?}\n{}",
                out.status.code(),
                t
            ));
        }
    }
    assert!(bad.is_empty(), "memcheck failures:\n{}", bad.join("\n"));
}
