//! Shared helpers for the C-API integration tests: locate the cdylib, compile C programs
//! against it, run them with our library or the system one.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `target/<profile>`: the test executable lives in `target/<profile>/deps/`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .and_then(|p| p.parent())
        .expect("target/<profile>")
        .to_path_buf()
}

static BUILD: std::sync::Once = std::sync::Once::new();

/// `cargo test` builds only the rlib for integration tests: (re)build the cdylib once per test
/// binary with the same profile so the C programs run the current code.
fn ensure_built() {
    BUILD.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "--lib"]).current_dir(manifest_dir());
        if profile_dir().file_name().and_then(|s| s.to_str()) == Some("release") {
            cmd.arg("--release");
        }
        let out = cmd.output().expect("run cargo build --lib");
        assert!(
            out.status.success(),
            "cargo build --lib failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// The cdylib (built by [`ensure_built`]).
pub fn cdylib() -> PathBuf {
    ensure_built();
    let p = profile_dir().join("libepiloglite.so");
    assert!(p.exists(), "cdylib not found at {}", p.display());
    p
}

/// Directory holding `libsqlite3.so.0` -> `../libepiloglite.so` (made by build.rs).
pub fn lib_dir() -> PathBuf {
    let d = profile_dir().join("lib");
    let link = d.join("libsqlite3.so.0");
    assert!(
        link.exists(),
        "{} missing (build.rs makes it)",
        link.display()
    );
    let resolved = std::fs::canonicalize(&link).expect("resolve libsqlite3.so.0");
    assert_eq!(
        resolved,
        std::fs::canonicalize(cdylib()).unwrap(),
        "libsqlite3.so.0 must point at our cdylib"
    );
    d
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compile `capi-tests/<name>.c` with the header directory `include` (ours or the system's),
/// linking against our library by its soname. Returns the executable.
pub fn compile(name: &str, include: &Path, tag: &str) -> PathBuf {
    let src = manifest_dir().join("capi-tests").join(format!("{name}.c"));
    let out_dir = profile_dir().join("capi-tests");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join(format!("{name}-{tag}"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let out = Command::new(cc)
        .arg("-std=c11")
        .arg("-Wall")
        .arg("-Werror=implicit-function-declaration")
        .arg("-Werror=incompatible-pointer-types")
        .arg("-I")
        .arg(include)
        .arg("-I")
        .arg(manifest_dir().join("capi-tests"))
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(lib_dir())
        .arg("-l:libsqlite3.so.0")
        .output()
        .expect("run the C compiler");
    assert!(
        out.status.success(),
        "compiling {} against {} failed:\n{}",
        src.display(),
        include.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Run with our library (`LD_LIBRARY_PATH=target/<profile>/lib`).
pub fn run_ours(exe: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .env("LD_LIBRARY_PATH", lib_dir())
        .output()
        .expect("run test program")
}

/// Run with the system's libsqlite3 (SQLite 3.40.1).
pub fn run_system(exe: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("LD_PRELOAD")
        .output()
        .expect("run test program")
}

pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Assert a run passed (exit 0, no "not ok").
pub fn assert_passed(o: &Output, what: &str) {
    let t = text(o);
    assert!(
        o.status.success() && !t.contains("not ok"),
        "{what} failed ({:?}):\n{t}",
        o.status
    );
}

/// Whether the engine can open a database yet (engine-dependent checks run only then).
pub fn engine_available() -> bool {
    epiloglite::db::Connection::open(":memory:", 6, None).is_ok()
}

/// Header directories every C test is compiled against: ours and the upstream one.
pub fn header_dirs() -> Vec<(PathBuf, &'static str)> {
    vec![
        (manifest_dir().join("include"), "ours"),
        (PathBuf::from("/usr/include"), "upstream"),
    ]
}
