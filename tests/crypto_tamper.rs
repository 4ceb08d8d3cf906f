//! Tamper detection (issue 7): one flipped bit in any page of the db file, of a hot rollback
//! journal or of a WAL frame (with the WAL's unkeyed checksums recomputed, as an attacker
//! would) gives `SQLITE_CORRUPT` when that page is read (`SQLITE_NOTADB` for page 1, which is
//! indistinguishable from a wrong key), never wrong data; swapped pages and a page copied from
//! another database with the same passphrase are `SQLITE_CORRUPT` too.

mod crypto_common;
use crypto_common::*;
use epiloglite::crypto::{KeySpec, KeyedCodec, RESERVED};
use epiloglite::db::Connection;
use epiloglite::error::codes::*;
use epiloglite::pager::{wal::wal_checksum, Pager};
use epiloglite::vfs::unix::default_vfs;
use epiloglite::vfs::OpenFlags;

/// xorshift64*: deterministic "random" bit positions.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PS: usize = 1024;

fn fill(c: &mut Connection, n: i64) {
    ok(
        c,
        "CREATE TABLE IF NOT EXISTS t(a INTEGER PRIMARY KEY, b TEXT)",
    );
    ok(c, "BEGIN");
    for i in 1..=n {
        let len = 40 + (i as usize % 4) * 700;
        ok(
            c,
            &format!("INSERT INTO t(b) VALUES('{}')", marker_text(i, len)),
        );
    }
    ok(c, "COMMIT");
}

/// Read every page (schema, table b-tree, overflow pages).
fn read_all(c: &mut Connection) -> epiloglite::Result<Vec<String>> {
    exec(
        c,
        "SELECT count(*), sum(length(b)), group_concat(substr(b, -5), '') FROM t",
    )
}

fn keyed(path: &str, key: &str) -> Connection {
    let mut c = open(path);
    ok(&mut c, &format!("PRAGMA key = \"{key}\""));
    c
}

/// Must be the expected rows or an error with one of `codes`; returns true for an error.
fn never_wrong(
    r: epiloglite::Result<Vec<String>>,
    want: &[String],
    codes: &[i32],
    what: &str,
) -> bool {
    match r {
        Ok(rows) => {
            assert_eq!(rows, want, "{what}: WRONG DATA");
            false
        }
        Err(e) => {
            assert!(codes.contains(&e.code), "{what}: {e:?}");
            true
        }
    }
}

#[test]
fn bit_flip_in_every_db_page_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.db").to_str().unwrap().to_string();
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    ok(&mut c, &format!("PRAGMA page_size = {PS}"));
    fill(&mut c, 40);
    let want = read_all(&mut c).unwrap();
    drop(c);
    let good = std::fs::read(&p).unwrap();
    let pages = good.len() / PS;
    assert!(pages > 20, "{pages} pages");
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for pg in 1..=pages {
        let mut bad = good.clone();
        let bit = rng.below(PS * 8);
        bad[(pg - 1) * PS + bit / 8] ^= 1 << (bit % 8);
        std::fs::write(&p, &bad).unwrap();
        let mut c = keyed(&p, RAW);
        let e = read_all(&mut c).expect_err(&format!("page {pg} bit {bit}: not detected"));
        let code = if pg == 1 {
            SQLITE_NOTADB
        } else {
            SQLITE_CORRUPT
        };
        assert_eq!(e.code, code, "page {pg} bit {bit}: {e:?}");
    }
    // Two pages swapped.
    let mut swapped = good.clone();
    let (a, b) = (4 * PS, 9 * PS);
    let tmp = good[a..a + PS].to_vec();
    swapped.copy_within(b..b + PS, a);
    swapped[b..b + PS].copy_from_slice(&tmp);
    std::fs::write(&p, &swapped).unwrap();
    let mut c = keyed(&p, RAW);
    assert_eq!(read_all(&mut c).unwrap_err().code, SQLITE_CORRUPT);
    drop(c);
    std::fs::write(&p, &good).unwrap();
    let mut c = keyed(&p, RAW);
    assert_eq!(read_all(&mut c).unwrap(), want);
}

#[test]
fn page_from_another_database_with_the_same_passphrase_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let (p, q) = (path("a.db"), path("b.db"));
    for f in [&p, &q] {
        let mut c = open(f);
        ok(&mut c, "PRAGMA key = 'same passphrase'");
        ok(&mut c, &format!("PRAGMA page_size = {PS}"));
        fill(&mut c, 30);
    }
    let a = std::fs::read(&p).unwrap();
    let b = std::fs::read(&q).unwrap();
    assert_eq!(a.len(), b.len(), "same content, same layout");
    let mut mixed = a.clone();
    mixed[5 * PS..6 * PS].copy_from_slice(&b[5 * PS..6 * PS]);
    std::fs::write(&p, &mixed).unwrap();
    let mut c = keyed(&p, "same passphrase");
    assert_eq!(read_all(&mut c).unwrap_err().code, SQLITE_CORRUPT);
    // Page 1 of the other file (other salt): the file no longer matches the key at all.
    let mut mixed = a.clone();
    mixed[..PS].copy_from_slice(&b[..PS]);
    std::fs::write(&p, &mixed).unwrap();
    let mut c = keyed(&p, "same passphrase");
    let e = read_all(&mut c).unwrap_err();
    assert!(e.code == SQLITE_CORRUPT || e.code == SQLITE_NOTADB, "{e:?}");
}

fn put4(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_be_bytes());
}
fn get4(b: &[u8], off: usize) -> u32 {
    u32::from_be_bytes(b[off..off + 4].try_into().unwrap())
}

/// Recompute the WAL header and every frame checksum (they are not keyed: anyone can).
fn rechecksum_wal(w: &mut [u8], ps: usize) {
    let big = get4(w, 0) & 1 == 1;
    let ck = wal_checksum(big, &w[..24], [0, 0]);
    put4(w, 24, ck[0]);
    put4(w, 28, ck[1]);
    let mut run = ck;
    let fsz = 24 + ps;
    let mut off = 32;
    while off + fsz <= w.len() {
        run = wal_checksum(big, &w[off..off + 8], run);
        run = wal_checksum(big, &w[off + 24..off + fsz], run);
        put4(w, off + 16, run[0]);
        put4(w, off + 20, run[1]);
        off += fsz;
    }
}

#[test]
fn bit_flip_in_every_wal_frame_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.db").to_str().unwrap().to_string();
    let wal = format!("{p}-wal");
    let mut c = open(&p);
    ok(&mut c, &format!("PRAGMA key = \"{RAW}\""));
    ok(&mut c, &format!("PRAGMA page_size = {PS}"));
    assert_eq!(ok(&mut c, "PRAGMA journal_mode = wal"), vec!["wal"]);
    ok(&mut c, "PRAGMA wal_autocheckpoint = 0");
    fill(&mut c, 15);
    fill(&mut c, 10);
    ok(&mut c, "UPDATE t SET b = b || 'u' WHERE a % 4 = 0");
    let want = read_all(&mut c).unwrap();
    let db_img = std::fs::read(&p).unwrap();
    let wal_img = std::fs::read(&wal).unwrap();
    drop(c); // checkpoints and deletes the WAL
    assert!(!contains(&wal_img, MARKER.as_bytes()));
    let fsz = 24 + PS;
    let frames = (wal_img.len() - 32) / fsz;
    assert!(frames > 20, "{frames} frames");
    // The last frame of each page is what a reader sees; earlier ones are never read.
    let mut last = std::collections::HashMap::new();
    for k in 0..frames {
        last.insert(get4(&wal_img, 32 + k * fsz), k);
    }
    let mut rng = Rng(0x0bad_cafe_f00d_d00d);
    let mut detected = 0;
    for k in 0..frames {
        let pgno = get4(&wal_img, 32 + k * fsz);
        let mut w = wal_img.clone();
        let bit = rng.below(PS * 8);
        w[32 + k * fsz + 24 + bit / 8] ^= 1 << (bit % 8);
        rechecksum_wal(&mut w, PS);
        std::fs::write(&p, &db_img).unwrap();
        std::fs::write(&wal, &w).unwrap();
        let _ = std::fs::remove_file(format!("{p}-shm"));
        let mut c = keyed(&p, RAW);
        let r = read_all(&mut c);
        let what = format!("frame {k} (page {pgno}) bit {bit}");
        let err = never_wrong(r, &want, &[SQLITE_CORRUPT], &what);
        if last[&pgno] == k {
            assert!(err, "{what}: newest frame of its page, not detected");
            detected += 1;
        }
        drop(c);
    }
    assert_eq!(detected, last.len());
}

#[test]
fn bit_flip_in_every_hot_journal_record_is_detected() {
    let codec = || {
        Box::new(KeyedCodec::new(
            KeySpec::parse(RAW.as_bytes()).unwrap().unwrap(),
        ))
    };
    let flags = OpenFlags {
        create: true,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db").to_str().unwrap().to_string();
    let jpath = format!("{path}-journal");
    let fill_pages = |p: &mut Pager, n: u32, tag: &str| {
        for pgno in 1..=n {
            let text = format!("{MARKER}-{tag}-{pgno}-");
            let buf = p.write(pgno).unwrap();
            for (i, b) in buf.iter_mut().enumerate() {
                *b = text.as_bytes()[i % text.len()];
            }
            if pgno == 1 {
                buf[..16].copy_from_slice(b"SQLite format 3\0");
                buf[16..18].copy_from_slice(&(PS as u16).to_be_bytes());
                buf[18..24].copy_from_slice(&[1, 1, RESERVED as u8, 64, 32, 32]);
            }
        }
    };
    let mut p = Pager::open(default_vfs(), &path, flags).unwrap();
    p.set_codec(codec()).unwrap();
    p.set_page_size(PS).unwrap();
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 30, "old");
    p.commit().unwrap();
    p.end_read();
    // A transaction that spills to the db file, then the process dies: a hot journal.
    p.set_cache_size(5);
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 30, "new");
    p.crash_for_test();
    let db_img = std::fs::read(&path).unwrap();
    let j_img = std::fs::read(&jpath).unwrap();
    assert!(!contains(&j_img, MARKER.as_bytes()));
    // Records: (offset of the page image, page number), segment by segment.
    let sector = get4(&j_img, 20) as usize;
    let rec = 4 + PS + 4;
    let mut records = vec![];
    let mut off = 0;
    while off + 28 <= j_img.len()
        && j_img[off..off + 8] == [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]
    {
        let nrec = get4(&j_img, off + 8) as usize;
        let mut r = off + sector;
        let n = if nrec == 0xffff_ffff {
            (j_img.len() - r) / rec
        } else {
            nrec
        };
        for _ in 0..n {
            if r + rec > j_img.len() {
                break;
            }
            records.push((r + 4, get4(&j_img, r)));
            r += rec;
        }
        off = r.div_ceil(sector) * sector;
    }
    assert!(records.len() >= 10, "{} records", records.len());
    let old_page = |q: &mut Pager, pgno: u32| -> epiloglite::Result<bool> {
        let text = format!("{MARKER}-old-{pgno}-");
        let buf = q.read(pgno)?;
        Ok(buf[..PS - RESERVED]
            .iter()
            .enumerate()
            .all(|(i, b)| pgno == 1 && i < 100 || *b == text.as_bytes()[i % text.len()]))
    };
    let mut rng = Rng(0xfeed_beef_1234_5678);
    for (img_off, pgno) in records {
        // A bit outside the bytes SQLite's weak journal checksum samples (every 200th from
        // the end): the record still plays back, and the codec must catch it.
        let mut byte = rng.below(PS);
        if (PS - byte) % 200 == 0 {
            byte -= 1;
        }
        let mut j = j_img.clone();
        j[img_off + byte] ^= 1 << rng.below(8);
        std::fs::write(&path, &db_img).unwrap();
        std::fs::write(&jpath, &j).unwrap();
        let mut q = Pager::open(default_vfs(), &path, flags).unwrap();
        q.set_codec(codec()).unwrap();
        let what = format!("journal record of page {pgno}, byte {byte}");
        match q.begin_read() {
            Err(e) => {
                assert_eq!(pgno, 1, "{what}: {e:?}");
                assert!(
                    e.code == SQLITE_NOTADB || e.code == SQLITE_CORRUPT,
                    "{what}"
                );
                continue;
            }
            Ok(()) => assert_ne!(pgno, 1, "{what}: page 1 not detected"),
        }
        assert_eq!(q.page_count(), 30, "{what}");
        for pg in 1..=30u32 {
            match old_page(&mut q, pg) {
                Ok(true) => assert_ne!(pg, pgno, "{what}: tampered page read back"),
                Ok(false) => panic!("{what}: page {pg} holds WRONG DATA"),
                Err(e) => {
                    assert_eq!(pg, pgno, "{what}: page {pg} {e:?}");
                    assert_eq!(e.code, SQLITE_CORRUPT, "{what}");
                }
            }
        }
        q.end_read();
    }
}
