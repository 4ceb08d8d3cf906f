//! Helpers shared by the SQL-level encryption tests (`tests/crypto_*.rs`).
#![allow(dead_code)]

use epiloglite::db::{open_flags, Connection};
use epiloglite::Value;

pub const RWC: i32 = open_flags::READWRITE | open_flags::CREATE;
pub const MARKER: &str = "PLAINTEXT-MARKER-7f3a";
pub const RAW: &str = "x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'";
pub const RAW2: &str = "x'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100'";

pub fn open(path: &str) -> Connection {
    Connection::open(path, RWC, None).unwrap()
}

/// Run every statement of `sql`; the rows of all of them, each row's values joined by `|`.
pub fn exec(c: &mut Connection, sql: &str) -> epiloglite::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = sql.as_bytes();
    while !rest.is_empty() {
        let (st, used) = c.prepare(rest)?;
        rest = rest.get(used..).unwrap_or(&[]);
        let Some(mut st) = st else {
            if used == 0 {
                break;
            }
            continue;
        };
        let r = loop {
            match st.step(c) {
                Ok(true) => {
                    let row: Vec<String> = (0..st.data_count())
                        .map(|i| match st.column_value(i) {
                            Value::Null => "NULL".to_string(),
                            Value::Integer(i) => i.to_string(),
                            Value::Real(r) => r.to_string(),
                            Value::Text(t) => String::from_utf8_lossy(t).into_owned(),
                            Value::Blob(b) => format!("blob{}", b.len()),
                        })
                        .collect();
                    out.push(row.join("|"));
                }
                Ok(false) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        st.finalize(c);
        r?;
    }
    Ok(out)
}

/// `exec` that must succeed.
pub fn ok(c: &mut Connection, sql: &str) -> Vec<String> {
    exec(c, sql).unwrap_or_else(|e| panic!("{sql}: {e:?}"))
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The marker in any file of `dir`?
pub fn marker_in_dir(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if let Ok(b) = std::fs::read(e.path()) {
            if contains(&b, MARKER.as_bytes()) {
                found.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    found
}

/// A row value holding the marker, `len` bytes long.
pub fn marker_text(i: i64, len: usize) -> String {
    let mut s = format!("{MARKER}-{i}-");
    while s.len() < len {
        s.push_str(MARKER);
    }
    s.truncate(len);
    s
}
