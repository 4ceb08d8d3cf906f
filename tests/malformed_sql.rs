//! Malformed database files through the whole engine (issue 8, "Malformed files").
//!
//! A database made by the real `sqlite3` (two tables, indexes, overflow chains, free pages,
//! a view) is damaged in thousands of ways — bit flips, garbage runs, truncation, bad header
//! fields, wrong page types, cell pointers and counts, cyclic freelists, overflow chains and
//! child pointers that loop, bad record headers, zeroed and swapped pages — and each image is
//! opened and queried with SQL (integrity checks, scans, index lookups, aggregates, writes).
//! Every statement must end in a result or an error code: no panic, no hang (a watchdog aborts
//! the run naming the image), no `SQLITE_INTERNAL`/`SQLITE_MISUSE`. A fixed seed makes every
//! image reproducible; `EPILOGLITE_MALFORMED=N` sets the number of images (default 2,000),
//! `EPILOGLITE_MALFORMED_FROM=k` the first one.

use epiloglite::db::{open_flags, Connection};
use epiloglite::error::codes::*;
use epiloglite::vfs::memory::MemoryVfs;
use epiloglite::Error;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PAGE: usize = 1024;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// The undamaged image, made by the real sqlite3 (falls back to our engine if the shell is
/// missing, so the test still runs).
fn base_image() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("epiloglite-malformed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("base.db");
    let script = "PRAGMA page_size=1024;
CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT, c BLOB);
CREATE INDEX t1b ON t1(b);
CREATE TABLE t2(x, y, z);
CREATE INDEX t2xy ON t2(x, y);
CREATE VIEW v AS SELECT a, b FROM t1 WHERE a > 10;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400)
INSERT INTO t1 SELECT i, 'k' || i, CASE WHEN i % 25 = 0 THEN zeroblob(3000) ELSE randomblob(20) END FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 300)
INSERT INTO t2 SELECT i % 17, 'y' || i, i * 1.5 FROM n;
DELETE FROM t1 WHERE a BETWEEN 100 AND 160;
";
    let ok = std::process::Command::new("sqlite3")
        .arg(&path)
        .arg(script)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let bytes = if ok {
        std::fs::read(&path).expect("read base image")
    } else {
        eprintln!("sqlite3 not found: making the base image with EpilogLite");
        let mem = Arc::new(MemoryVfs::new());
        let mut c = Connection::open_with_vfs("b.db", RWC, mem.clone()).expect("open");
        for stmt in script.split(";\n").filter(|s| !s.trim().is_empty()) {
            let _ = run(&mut c, stmt);
        }
        drop(c);
        mem.contents("b.db").expect("image")
    };
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        bytes.len() >= 20 * PAGE,
        "base image too small: {}",
        bytes.len()
    );
    bytes
}

const RWC: i32 = open_flags::READWRITE | open_flags::CREATE;

fn run(c: &mut Connection, sql: &str) -> Result<usize, Error> {
    let (stmt, _) = c.prepare(sql.as_bytes())?;
    let Some(mut s) = stmt else { return Ok(0) };
    let mut n = 0;
    loop {
        match s.step(c) {
            Ok(true) => n += 1,
            Ok(false) => break,
            Err(e) => {
                s.finalize(c);
                return Err(e);
            }
        }
    }
    s.finalize(c);
    Ok(n)
}

fn be32(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
        .unwrap_or(0)
}

/// Offset of the b-tree page header in page `pgno` (1-based).
fn hdr(pgno: usize) -> usize {
    (pgno - 1) * PAGE + if pgno == 1 { 100 } else { 0 }
}

fn is_btree(b: &[u8], pgno: usize) -> bool {
    matches!(b.get(hdr(pgno)), Some(2 | 5 | 10 | 13))
}

/// Damage `img` in one of the ways listed at the top; returns the mutation's name.
fn mutate(img: &mut Vec<u8>, r: &mut Rng) -> &'static str {
    let choice = r.below(16);
    mutate_one(img, r, choice)
}

fn mutate_one(img: &mut Vec<u8>, r: &mut Rng, choice: usize) -> &'static str {
    let npages = img.len() / PAGE;
    let pg = 1 + r.below(npages);
    match choice {
        0 => {
            for _ in 0..1 + r.below(8) {
                let i = r.below(img.len());
                img[i] ^= 1 << r.below(8);
            }
            "bit flips"
        }
        1 => {
            let start = (pg - 1) * PAGE + r.below(PAGE);
            let len = 1 + r.below(64);
            for i in start..(start + len).min(img.len()) {
                img[i] = r.next() as u8;
            }
            "garbage run"
        }
        2 => {
            let len = r.below(img.len());
            img.truncate(len);
            "truncation"
        }
        3 => {
            // A header field: page size, versions, reserve, payload fractions, change
            // counter, size, freelist, schema cookie/format, cache size, vacuum, encoding.
            const FIELDS: [(usize, usize); 14] = [
                (16, 2),
                (18, 1),
                (19, 1),
                (20, 1),
                (21, 1),
                (22, 1),
                (23, 1),
                (24, 4),
                (28, 4),
                (32, 4),
                (36, 4),
                (40, 4),
                (44, 4),
                (56, 4),
            ];
            let (off, len) = FIELDS[r.below(FIELDS.len())];
            for i in off..off + len {
                img[i] = if r.below(3) == 0 {
                    0xff
                } else {
                    r.next() as u8
                };
            }
            "header field"
        }
        4 => {
            let h = hdr(pg);
            img[h] = r.next() as u8;
            "page type"
        }
        5 => {
            // Cell count.
            let h = hdr(pg);
            let v = [0u16, 1, 0xffff, (r.next() % 600) as u16][r.below(4)];
            img[h + 3..h + 5].copy_from_slice(&v.to_be_bytes());
            "cell count"
        }
        6 => {
            // A cell pointer.
            let h = hdr(pg);
            let leaf = matches!(img[h], 10 | 13);
            let ncell = u16::from_be_bytes([img[h + 3], img[h + 4]]) as usize;
            let at = h + if leaf { 8 } else { 12 } + 2 * r.below(ncell.max(1));
            let v = [0u16, 1, 0xffff, (r.next() % PAGE as u64) as u16][r.below(4)];
            if at + 2 <= img.len() {
                img[at..at + 2].copy_from_slice(&v.to_be_bytes());
            }
            "cell pointer"
        }
        7 => {
            // Cyclic freelist: the trunk points to itself, or the count lies.
            let trunk = be32(img, 32) as usize;
            if trunk >= 1 && trunk <= npages && r.below(2) == 0 {
                let o = (trunk - 1) * PAGE;
                img[o..o + 4].copy_from_slice(&(trunk as u32).to_be_bytes());
            } else {
                img[32..36].copy_from_slice(&(pg as u32).to_be_bytes());
                img[36..40].copy_from_slice(&(r.below(100_000) as u32).to_be_bytes());
            }
            "freelist"
        }
        8 => {
            // Overflow/free page "next" pointer loops back (first 4 bytes of a non-b-tree page).
            let cands: Vec<usize> = (2..=npages).filter(|&p| !is_btree(img, p)).collect();
            if let Some(&p) = cands.get(r.below(cands.len())) {
                let target = if r.below(2) == 0 {
                    p
                } else {
                    1 + r.below(npages)
                };
                let o = (p - 1) * PAGE;
                img[o..o + 4].copy_from_slice(&(target as u32).to_be_bytes());
            }
            "overflow chain"
        }
        9 => {
            // Interior page right-child pointer (and first child) → itself or another page.
            let cands: Vec<usize> = (1..=npages)
                .filter(|&p| matches!(img.get(hdr(p)), Some(2 | 5)))
                .collect();
            if let Some(&p) = cands.get(r.below(cands.len())) {
                let h = hdr(p);
                let target = [p, 1, 1 + r.below(npages), npages + 5][r.below(4)];
                img[h + 8..h + 12].copy_from_slice(&(target as u32).to_be_bytes());
            }
            "child pointer"
        }
        10 => {
            // A record header of a leaf cell: header size or a serial type.
            let cands: Vec<usize> = (1..=npages)
                .filter(|&p| img.get(hdr(p)) == Some(&13))
                .collect();
            if let Some(&p) = cands.get(r.below(cands.len())) {
                let h = hdr(p);
                let ncell = u16::from_be_bytes([img[h + 3], img[h + 4]]) as usize;
                if ncell > 0 {
                    let cp = h + 8 + 2 * r.below(ncell);
                    let cell = (p - 1) * PAGE + u16::from_be_bytes([img[cp], img[cp + 1]]) as usize;
                    // payload varint, rowid varint (1-3 bytes each here), then the record.
                    let at = cell + 2 + r.below(6);
                    if at < img.len() {
                        img[at] = [0x7f, 0xff, 0x0c, 0x0b, 0x0a, r.next() as u8][r.below(6)];
                    }
                }
            }
            "record header"
        }
        11 => {
            let o = (pg - 1) * PAGE;
            img[o..o + PAGE].fill(0);
            "zeroed page"
        }
        12 => {
            let q = 1 + r.below(npages);
            if q != pg {
                let (a, b) = ((pg - 1) * PAGE, (q - 1) * PAGE);
                for i in 0..PAGE {
                    img.swap(a + i, b + i);
                }
            }
            "swapped pages"
        }
        13 => {
            // sqlite_schema row text (rootpage/sql) damaged: garbage in page 1's cell area.
            let start = PAGE / 2 + r.below(PAGE / 2 - 8);
            for i in start..start + 1 + r.below(8) {
                img[i] = b"()';\x00\xff9"[r.below(7)];
            }
            "schema text"
        }
        14 => {
            // First-freeblock / fragmented-bytes / cell-content-start fields.
            let h = hdr(pg);
            let off = [1usize, 5, 7][r.below(3)];
            img[h + off] = r.next() as u8;
            if off != 7 {
                img[h + off + 1] = r.next() as u8;
            }
            "page header field"
        }
        _ => {
            // Several of the above at once.
            // (truncation last: the others index into the full image)
            for _ in 0..2 + r.below(3) {
                let c = [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14][r.below(14)];
                mutate_one(img, r, c);
            }
            if r.below(4) == 0 {
                mutate_one(img, r, 2);
            }
            "combined"
        }
    }
}

const QUERIES: [&str; 14] = [
    "PRAGMA integrity_check",
    "PRAGMA quick_check",
    "SELECT count(*) FROM t1",
    "SELECT * FROM t1",
    "SELECT * FROM t1 ORDER BY a DESC",
    "SELECT a, length(c) FROM t1 WHERE b = 'k250'",
    "SELECT b FROM t1 WHERE b > 'k3' ORDER BY b",
    "SELECT x, count(*), sum(z) FROM t2 GROUP BY x",
    "SELECT * FROM t2 WHERE x = 5 AND y > 'y1'",
    "SELECT * FROM v",
    "UPDATE t1 SET b = b || 'u' WHERE a % 5 = 0",
    "DELETE FROM t2 WHERE rowid % 3 = 0",
    "INSERT INTO t1(b, c) VALUES ('new', zeroblob(5000))",
    "PRAGMA integrity_check",
];

/// Codes a damaged file may produce. `SQLITE_INTERNAL` and `SQLITE_MISUSE` are bugs.
fn acceptable(code: i32) -> bool {
    !matches!(code & 0xff, SQLITE_INTERNAL | SQLITE_MISUSE)
}

#[test]
fn malformed_images_give_errors_not_crashes() {
    let n: u64 = std::env::var("EPILOGLITE_MALFORMED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    // EPILOGLITE_MALFORMED_FROM=k starts at image k (to replay a reported image quickly).
    let from: u64 = std::env::var("EPILOGLITE_MALFORMED_FROM")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let base = base_image();
    // Watchdog: the image being run and when it started; 30 s on one image is a hang.
    let current = Arc::new(AtomicU64::new(u64::MAX));
    let started = Arc::new(parking_lot::Mutex::new(Instant::now()));
    {
        let (current, started) = (current.clone(), started.clone());
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            let id = current.load(Ordering::SeqCst);
            if id != u64::MAX && started.lock().elapsed() > Duration::from_secs(30) {
                eprintln!("HANG: malformed image {id} ran for over 30 s");
                std::process::abort();
            }
        });
    }
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bad = Vec::new();
    let (mut stmts, mut errors) = (0usize, 0usize);
    for id in from..from + n {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15 ^ (id + 1).wrapping_mul(0x1000_0000_01b3));
        let mut img = base.clone();
        let kind = mutate(&mut img, &mut r);
        *kinds.entry(kind).or_default() += 1;
        *started.lock() = Instant::now();
        current.store(id, Ordering::SeqCst);
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mem = Arc::new(MemoryVfs::new());
            mem.set_contents("m.db", img);
            let mut out = Vec::new();
            match Connection::open_with_vfs("m.db", RWC, mem) {
                Err(e) => out.push(Err(e)),
                Ok(mut c) => {
                    for q in QUERIES {
                        out.push(run(&mut c, q).map(|_| ()));
                    }
                    let _ = c.close();
                }
            }
            out
        }));
        match res {
            Err(_) => bad.push(format!("image {id} ({kind}): PANIC")),
            Ok(out) => {
                for r in out {
                    stmts += 1;
                    if let Err(e) = r {
                        errors += 1;
                        *codes.entry(format!("{}", e.code)).or_default() += 1;
                        if !acceptable(e.code) {
                            bad.push(format!("image {id} ({kind}): code {} {}", e.code, e.msg));
                        }
                    }
                }
            }
        }
    }
    current.store(u64::MAX, Ordering::SeqCst);
    println!("malformed images: {n}; statements {stmts}, errors {errors}; mutations {kinds:?}");
    println!("error codes: {codes:?}");
    for b in bad.iter().take(40) {
        println!("  {b}");
    }
    assert!(bad.is_empty(), "{} of {n} images misbehaved", bad.len());
    assert!(
        errors > 0,
        "no image produced an error: the damage is not reaching the engine"
    );
}
