//! The differential SQL harness shared by `sql_diff.rs` and `sql_trigger.rs`: each script runs
//! statement by statement on a fresh file in EpilogLite (through `db::Connection`) and in real
//! SQLite 3.40.1 (Python's `sqlite3` module, linked to the system library); the printed
//! results (column names, rows with exact value types, error messages — with their extended
//! codes in `diff_with_codes`) must be identical.
#![allow(dead_code)]
use epiloglite::db::{open_flags, Connection};
use epiloglite::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Compare one script on both engines.
pub fn diff(name: &str, script: &[&str]) {
    compare(name, script, false)
}

/// As [`diff`], with each error's extended result code next to its message.
pub fn diff_with_codes(name: &str, script: &[&str]) {
    compare(name, script, true)
}

fn err_text(e: &epiloglite::Error, codes: bool) -> String {
    if codes {
        format!("ERR: {} ({})", e.msg, e.code)
    } else {
        format!("ERR: {}", e.msg)
    }
}

fn fmt_value(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => format!("i:{i}"),
        Value::Real(r) => format!("r:{}", r.to_bits() as i64),
        Value::Text(t) => format!("t:{}", String::from_utf8_lossy(t)),
        Value::Blob(b) => format!(
            "b:{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
    }
}

fn ours(path: &str, stmts: &[&str], codes: bool) -> Vec<String> {
    let mut c = Connection::open(path, open_flags::READWRITE | open_flags::CREATE, None).unwrap();
    let mut out = Vec::new();
    for s in stmts {
        let mut block = String::new();
        match c.prepare(s.as_bytes()) {
            Err(e) => block.push_str(&err_text(&e, codes)),
            Ok((None, _)) => {}
            Ok((Some(mut st), _)) => {
                // As Python's execute(): the first step happens before the description.
                let mut first = true;
                loop {
                    match st.step(&mut c) {
                        Ok(more) => {
                            if first && st.column_count() > 0 {
                                let names: Vec<String> = (0..st.column_count())
                                    .map(|i| st.column_name(i).unwrap_or("").to_string())
                                    .collect();
                                block.push_str(&format!("cols: {}\n", names.join("|")));
                            }
                            first = false;
                            if !more {
                                break;
                            }
                            let row: Vec<String> = (0..st.column_count())
                                .map(|i| fmt_value(st.column_value(i)))
                                .collect();
                            block.push_str(&row.join("|"));
                            block.push('\n');
                        }
                        Err(e) => {
                            block.push_str(&err_text(&e, codes));
                            break;
                        }
                    }
                }
            }
        }
        out.push(block.trim_end().to_string());
    }
    out
}

const PY: &str = r#"
import sqlite3, sys, json, struct
stmts = json.load(sys.stdin)
db = sqlite3.connect(sys.argv[1], isolation_level=None)
def fmt(v):
    if v is None: return "NULL"
    if isinstance(v, int): return "i:%d" % v
    if isinstance(v, float): return "r:%d" % struct.unpack('<q', struct.pack('<d', v))[0]
    if isinstance(v, str): return "t:" + v
    return "b:" + bytes(v).hex()
out = []
for s in stmts:
    block = ""
    try:
        cur = db.execute(s)
        if cur.description:
            block += "cols: " + "|".join(d[0] for d in cur.description) + "\n"
        for row in cur:
            block += "|".join(fmt(v) for v in row) + "\n"
    except Exception as e:
        block += ("ERR: %s (%d)" % (e, getattr(e, "sqlite_errorcode", -1))) if sys.argv[2] == "1" else ("ERR: " + str(e))
    out.append(block.rstrip())
json.dump(out, sys.stdout)
"#;

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn theirs(path: &str, stmts: &[&str], codes: bool) -> Vec<String> {
    let input = format!(
        "[{}]",
        stmts
            .iter()
            .map(|s| json_str(s))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(PY)
        .arg(path)
        .arg(if codes { "1" } else { "0" })
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    // Minimal JSON array-of-strings decoder (the Python side emits only that).
    let s = String::from_utf8(out.stdout).unwrap();
    let mut res = Vec::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        if b[i] == '"' {
            let mut cur = String::new();
            i += 1;
            while b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                    match b[i] {
                        'n' => cur.push('\n'),
                        't' => cur.push('\t'),
                        'u' => {
                            let h: String = b[i + 1..i + 5].iter().collect();
                            let code = u32::from_str_radix(&h, 16).unwrap();
                            i += 4;
                            if (0xD800..0xDC00).contains(&code) {
                                let h2: String = b[i + 3..i + 7].iter().collect();
                                let lo = u32::from_str_radix(&h2, 16).unwrap();
                                i += 6;
                                cur.push(
                                    char::from_u32(
                                        0x10000 + ((code - 0xD800) << 10) + (lo - 0xDC00),
                                    )
                                    .unwrap(),
                                );
                            } else {
                                cur.push(char::from_u32(code).unwrap_or('?'));
                            }
                        }
                        c => cur.push(c),
                    }
                } else {
                    cur.push(b[i]);
                }
                i += 1;
            }
            res.push(cur);
        }
        i += 1;
    }
    res
}

fn compare(name: &str, script: &[&str], codes: bool) {
    let dir = tempfile::tempdir().unwrap();
    let p1 = dir.path().join("ours.db");
    let p2 = dir.path().join("theirs.db");
    let a = ours(p1.to_str().unwrap(), script, codes);
    let b = theirs(p2.to_str().unwrap(), script, codes);
    assert_eq!(a.len(), b.len(), "{name}: output count");
    // Plan row ids are instruction addresses in SQLite: compare the tree shape and details.
    let norm = |i: usize, x: &String| -> String {
        if !script[i].starts_with("EXPLAIN QUERY PLAN") {
            return x.clone();
        }
        x.lines()
            .map(|l| {
                let f: Vec<&str> = l.splitn(4, '|').collect();
                if f.len() == 4 && f[0].starts_with("i:") {
                    format!("{}|{}", if f[1] == "i:0" { "top" } else { "child" }, f[3])
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let a: Vec<String> = a.iter().enumerate().map(|(i, x)| norm(i, x)).collect();
    let b: Vec<String> = b.iter().enumerate().map(|(i, x)| norm(i, x)).collect();
    let mut bad = Vec::new();
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        if x != y {
            bad.push(format!(
                "[{name} #{i}] {}\n  ours:   {x:?}\n  sqlite: {y:?}",
                script[i]
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} differences:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
