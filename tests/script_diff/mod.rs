//! The one-statement-per-line differential harness shared by `db_sql.rs` and `sql_window.rs`:
//! a script runs on EpilogLite (`db::Connection`) and on real SQLite 3.40.1 (Python's
//! `sqlite3` module, autocommit) and must give the same rows and error messages.
#![allow(dead_code)]
use epiloglite::db::{open_flags, Connection, Statement};
use epiloglite::vdbe::mem::real_to_text;
use epiloglite::Value;
use std::process::Command;

pub const RWC: i32 = open_flags::READWRITE | open_flags::CREATE;

pub fn fmt(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => real_to_text(*r),
        Value::Text(t) => String::from_utf8_lossy(t).into_owned(),
        Value::Blob(b) => b.iter().map(|&c| c as char).collect(),
    }
}

pub fn step_all(c: &mut Connection, s: &mut Statement, out: &mut Vec<String>) {
    loop {
        match s.step(c) {
            Ok(true) => {
                let row: Vec<String> = (0..s.data_count())
                    .map(|i| fmt(s.column_value(i)))
                    .collect();
                out.push(row.join("|"));
            }
            Ok(false) => break,
            Err(e) => {
                out.push(format!("Error: {}", e.msg));
                break;
            }
        }
    }
}

/// Run one statement per line on our engine.
pub fn ours(c: &mut Connection, script: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match c.prepare(line.as_bytes()) {
            Err(e) => out.push(format!("Error: {}", e.msg)),
            Ok((None, _)) => {}
            Ok((Some(mut s), _)) => {
                step_all(c, &mut s, &mut out);
                s.finalize(c);
            }
        }
    }
    out
}

const PY: &str = r#"
import sqlite3, sys
con = sqlite3.connect(':memory:', isolation_level=None)
def fmt(v):
    if v is None: return ''
    if isinstance(v, float): return con.execute("select printf('%!.15g', ?)", (v,)).fetchone()[0]
    if isinstance(v, bytes): return v.decode('latin1')
    return str(v)
for line in open(sys.argv[1]):
    line = line.strip()
    if not line: continue
    try:
        for r in con.execute(line): print('|'.join(fmt(v) for v in r))
    except Exception as e:
        print('Error: ' + str(e))
"#;

pub fn reference(script: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("s.sql");
    std::fs::write(&f, script).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(PY)
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|s| s.to_string())
        .collect()
}

pub fn differential(script: &str) {
    let mut c = Connection::open(":memory:", RWC, None).unwrap();
    let got = ours(&mut c, script);
    let want = reference(script);
    if got != want {
        let mut report = String::new();
        for i in 0..got.len().max(want.len()) {
            let g = got.get(i).map(|s| s.as_str()).unwrap_or("<none>");
            let w = want.get(i).map(|s| s.as_str()).unwrap_or("<none>");
            report.push_str(&format!(
                "{} {:40} | {}\n",
                if g == w { " " } else { "*" },
                g,
                w
            ));
        }
        panic!("differs from sqlite3 (ours | sqlite):\n{report}");
    }
}
