//! The bodies of the fuzz targets, shared by `fuzz_targets/*.rs` (libFuzzer) and by
//! `tests/fuzz_regressions.rs` (replays every saved crash input in the normal test run).
//! Each takes arbitrary bytes and must return without panicking.
#![allow(dead_code)]
use epiloglite::btree::page::{parse_cell, parse_hdr, table_cell_key, Node};
use epiloglite::db::{open_flags, Connection, Statement};
use epiloglite::Value;

/// The record decoder on arbitrary bytes: a value list or an error, never a panic.
pub fn record(data: &[u8]) {
    if let Ok(values) = epiloglite::btree::record::decode_record(data) {
        // What decodes must re-encode and decode to the same values.
        let again = epiloglite::btree::record::encode_record(&values);
        let back =
            epiloglite::btree::record::decode_record(&again).expect("re-encoded record decodes");
        assert_eq!(values.len(), back.len());
    }
}

/// The b-tree page parser on arbitrary page images: header, cell pointers, cells and the
/// whole-node load give values or SQLITE_CORRUPT, never a panic.
pub fn btree_page(data: &[u8]) {
    if data.len() < 3 {
        return;
    }
    // First byte picks the page number (1 has the 100-byte file header), then a page size.
    let pgno = if data[0] & 1 == 1 {
        1
    } else {
        2 + data[1] as u32
    };
    let sizes = [512usize, 1024, 4096];
    let usable = sizes[(data[2] as usize) % 3];
    let mut page = vec![0u8; usable];
    let n = (data.len() - 3).min(usable);
    page[..n].copy_from_slice(&data[3..3 + n]);
    if let Ok(h) = parse_hdr(&page, pgno, usable) {
        for i in 0..h.ncells.min(2000) {
            let _ = parse_cell(&page, &h, i, pgno, usable);
            let _ = table_cell_key(&page, &h, i, pgno, usable);
        }
    }
    if let Ok(node) = Node::load(&page, pgno, usable) {
        let mut out = vec![0u8; usable];
        node.write_to(&mut out, usable)
            .expect("a loaded node fits its page");
    }
}

const SCHEMA: &str = "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c);
CREATE INDEX tb ON t(b);
INSERT INTO t VALUES(1, 'one', 1.5), (2, 'two', x'00ff'), (3, NULL, 'x');
CREATE VIEW v AS SELECT a, b FROM t;";

fn run_all(c: &mut Connection, sql: &[u8]) {
    let mut rest = sql;
    let mut stmts = 0;
    while !rest.is_empty() && stmts < 20 {
        stmts += 1;
        let (stmt, used) = match c.prepare(rest) {
            Ok(x) => x,
            Err(_) => return,
        };
        if used == 0 {
            return;
        }
        rest = &rest[used.min(rest.len())..];
        if let Some(mut s) = stmt {
            for _ in 0..1000 {
                match s.step(c) {
                    Ok(true) => {
                        for i in 0..s.data_count() {
                            let _ = s.column_value(i);
                        }
                    }
                    _ => break,
                }
            }
            s.finalize(c);
        }
    }
}

/// The SQL front end and VM on arbitrary text: every statement of the input is prepared and
/// stepped (at most 1,000 rows, a progress handler stops runaway queries) on a database with
/// a small schema; results or errors, never a panic, stack overflow or hang.
pub fn sql(data: &[u8]) {
    let Ok(mut c) = Connection::open(":memory:", open_flags::READWRITE | open_flags::CREATE, None)
    else {
        return;
    };
    run_all(&mut c, SCHEMA.as_bytes());
    let mut budget = 0u32;
    c.set_progress_handler(
        1000,
        Some(Box::new(move || {
            budget += 1;
            (budget > 200) as i32
        })),
    );
    run_all(&mut c, data);
}

const SQL: [&str; 16] = [
    "CREATE TABLE IF NOT EXISTS t(a INTEGER PRIMARY KEY, b, c)",
    "CREATE INDEX IF NOT EXISTS tb ON t(b)",
    "INSERT INTO t(b, c) VALUES(?, ?)",
    "INSERT OR REPLACE INTO t VALUES(?1, ?2, ?3)",
    "SELECT * FROM t WHERE a > ? ORDER BY b",
    "SELECT count(*), sum(a), group_concat(b) FROM t",
    "UPDATE t SET b = ?2 WHERE a = ?1",
    "DELETE FROM t WHERE a % 3 = ?",
    "SELECT ?, ?2, :x, @y, $z",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "SAVEPOINT s",
    "RELEASE s",
    "ROLLBACK TO s",
    "DROP TABLE IF EXISTS t",
];

/// Random sequences of connection/statement calls (the engine side of the C API): prepare
/// from a dictionary, bind any value at any index, step, reset, read columns, finalize, in the
/// order the fuzzer picks. Results or errors, never a panic.
pub fn api_sequence(data: &[u8]) {
    let Ok(mut c) = Connection::open(":memory:", open_flags::READWRITE | open_flags::CREATE, None)
    else {
        return;
    };
    let mut stmts: Vec<Option<Statement>> = (0..4).map(|_| None).collect();
    let mut it = data.chunks(3);
    while let Some(op) = it.next() {
        let (a, b, x) = (op[0], *op.get(1).unwrap_or(&0), *op.get(2).unwrap_or(&0));
        let slot = (b % 4) as usize;
        match a % 8 {
            0 | 1 => {
                if let Ok((Some(s), _)) = c.prepare(SQL[(x % 16) as usize].as_bytes()) {
                    if let Some(old) = stmts[slot].replace(s) {
                        old.finalize(&mut c);
                    }
                }
            }
            2 | 3 => {
                if let Some(s) = stmts[slot].as_mut() {
                    let _ = s.step(&mut c);
                }
            }
            4 => {
                if let Some(s) = stmts[slot].as_mut() {
                    let v = match x % 5 {
                        0 => Value::Null,
                        1 => Value::Integer(i64::from(x) << (b % 60)),
                        2 => Value::Real(f64::from(x) / 3.0),
                        3 => Value::text("fuzz"),
                        _ => Value::Blob(vec![x; (b % 40) as usize]),
                    };
                    let _ = s.bind((b / 4 % 6) as usize, v);
                }
            }
            5 => {
                if let Some(s) = stmts[slot].as_mut() {
                    s.reset(&mut c);
                }
            }
            6 => {
                if let Some(s) = stmts[slot].as_ref() {
                    for i in 0..s.data_count() {
                        let _ = s.column_value(i);
                    }
                    let _ = s.column_name(x as usize);
                }
            }
            _ => {
                if let Some(s) = stmts[slot].take() {
                    s.finalize(&mut c);
                }
            }
        }
    }
    for s in stmts.into_iter().flatten() {
        s.finalize(&mut c);
    }
}
