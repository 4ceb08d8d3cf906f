//! Encrypted databases through the real file pager (and the b-tree above it): the cache holds
//! plaintext, the db file and the rollback journal hold ciphertext, a wrong or missing key is
//! `SQLITE_NOTADB`, a damaged page is `SQLITE_CORRUPT`, and crash recovery replays encrypted
//! journal images verbatim.
use epiloglite::btree::record::encode_record;
use epiloglite::btree::{BtCursor, Btree};
use epiloglite::crypto::{KeySpec, KeyedCodec, RESERVED};
use epiloglite::error::codes::{SQLITE_CORRUPT, SQLITE_NOTADB};
use epiloglite::pager::{JournalMode, Pager};
use epiloglite::vfs::unix::default_vfs;
use epiloglite::vfs::OpenFlags;
use epiloglite::Value;

const MARKER: &str = "PLAINTEXT-MARKER-7f3a";
const RAW: &str = "x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'";
const OTHER: &str = "x'ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100'";

fn create() -> OpenFlags {
    OpenFlags {
        create: true,
        ..Default::default()
    }
}

fn codec(key: &str) -> Box<KeyedCodec> {
    Box::new(KeyedCodec::new(
        KeySpec::parse(key.as_bytes()).unwrap().unwrap(),
    ))
}

fn open(path: &str, key: Option<&str>) -> Pager {
    let mut p = Pager::open(default_vfs(), path, create()).unwrap();
    if let Some(k) = key {
        p.set_codec(codec(k)).unwrap();
    }
    p
}

fn row(i: i64) -> Vec<u8> {
    // Big enough rows to need many pages and some overflow pages.
    let text = format!("{MARKER} row {i} {}", "x".repeat((i % 7) as usize * 300));
    encode_record(&[Value::Integer(i), Value::Text(text.into_bytes())])
}

/// Create a table b-tree with `n` rows; returns its root page.
fn populate(bt: &mut Btree, n: i64) -> u32 {
    bt.begin_write(false).unwrap();
    let root = bt.create_tree(true).unwrap();
    let mut c = BtCursor::new(root, true, None);
    for i in 1..=n {
        c.insert(bt, i, &row(i)).unwrap();
    }
    bt.commit().unwrap();
    bt.end_read();
    root
}

fn check_rows(bt: &mut Btree, root: u32, n: i64) {
    bt.begin_read().unwrap();
    let mut c = BtCursor::new(root, true, None);
    let mut ok = c.first(bt).unwrap();
    let mut i = 0;
    while ok {
        i += 1;
        assert_eq!(c.rowid(bt).unwrap(), i);
        assert_eq!(c.payload(bt).unwrap(), row(i));
        ok = c.next(bt).unwrap();
    }
    assert_eq!(i, n);
    assert!(bt.integrity_check(&[1, root], 10).unwrap().is_empty());
    bt.end_read();
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn encrypted_round_trip_through_btree() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.db");
    let path = path.to_str().unwrap();
    let mut bt = Btree::new(open(path, Some(RAW))).unwrap();
    let root = populate(&mut bt, 300);
    assert_eq!(bt.usable_size(), bt.page_size() - RESERVED);
    check_rows(&mut bt, root, 300);
    drop(bt);

    let file = std::fs::read(path).unwrap();
    assert!(file.len() > 20 * 4096, "many pages: {}", file.len());
    assert!(
        !contains(&file, MARKER.as_bytes()),
        "plaintext in the db file"
    );
    assert!(!contains(&file, b"SQLite format 3"), "no plaintext header");
    assert_eq!(file[20] as usize, RESERVED, "header byte 20");
    assert_eq!(&file[16..18], &4096u16.to_be_bytes(), "page size in clear");

    // Same key: everything back.
    let mut bt = Btree::new(open(path, Some(RAW))).unwrap();
    check_rows(&mut bt, root, 300);
    // Change it and reopen again (page 1 and others rewritten under fresh nonces).
    bt.begin_write(false).unwrap();
    let mut c = BtCursor::new(root, true, None);
    c.insert(&mut bt, 301, &row(301)).unwrap();
    bt.commit().unwrap();
    bt.end_read();
    drop(bt);
    let mut bt = Btree::new(open(path, Some(RAW))).unwrap();
    check_rows(&mut bt, root, 301);
}

#[test]
fn passphrase_database_reopens_with_the_passphrase_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.db");
    let path = path.to_str().unwrap();
    let mut bt = Btree::new(open(path, Some("correct horse"))).unwrap();
    let root = populate(&mut bt, 20);
    drop(bt);
    let mut bt = Btree::new(open(path, Some("correct horse"))).unwrap();
    check_rows(&mut bt, root, 20);
    drop(bt);
    let mut bt = Btree::new(open(path, Some("correct horsf"))).unwrap();
    assert_eq!(bt.begin_read().unwrap_err().code, SQLITE_NOTADB);
}

#[test]
fn wrong_or_missing_key_is_notadb() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    let path = path.to_str().unwrap();
    let mut bt = Btree::new(open(path, Some(RAW))).unwrap();
    populate(&mut bt, 10);
    drop(bt);

    for key in [Some(OTHER), None] {
        let mut bt = Btree::new(open(path, key)).unwrap();
        let e = bt.begin_read().unwrap_err();
        assert_eq!(e.code, SQLITE_NOTADB, "key {key:?}");
        assert_eq!(e.msg, "file is not a database");
    }
    // Real SQLite sees no database either.
    if let Ok(out) = std::process::Command::new("sqlite3")
        .arg(path)
        .arg("SELECT count(*) FROM sqlite_schema;")
        .output()
    {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("file is not a database"),
            "sqlite3 said: {err}"
        );
    }
    // A plaintext database opened with a key: NOTADB too.
    let plain = dir.path().join("plain.db");
    let plain = plain.to_str().unwrap();
    let mut bt = Btree::new(open(plain, None)).unwrap();
    populate(&mut bt, 3);
    drop(bt);
    let mut bt = Btree::new(open(plain, Some(RAW))).unwrap();
    assert_eq!(bt.begin_read().unwrap_err().code, SQLITE_NOTADB);
}

#[test]
fn tampered_page_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let path = path.to_str().unwrap();
    let mut bt = Btree::new(open(path, Some(RAW))).unwrap();
    let root = populate(&mut bt, 300);
    drop(bt);
    let good = std::fs::read(path).unwrap();
    let pages = good.len() / 4096;
    // Damage one byte in the middle of every other page after page 1.
    for pg in (2..=pages).step_by(2) {
        let mut bad = good.clone();
        bad[(pg - 1) * 4096 + 1000] ^= 0x01;
        std::fs::write(path, &bad).unwrap();
        let mut p = open(path, Some(RAW));
        p.read(1).unwrap();
        let e = p.read(pg as u32).unwrap_err();
        assert_eq!(e.code, SQLITE_CORRUPT, "page {pg}");
        // Other pages still read.
        p.read(if pg == 2 { 3 } else { 2 }).unwrap();
    }
    // Two pages swapped on disk: both corrupt.
    let mut swapped = good.clone();
    let (a, b) = (2 * 4096, 3 * 4096);
    let pg3 = good[a..a + 4096].to_vec();
    swapped.copy_within(b..b + 4096, a);
    swapped[b..b + 4096].copy_from_slice(&pg3);
    std::fs::write(path, &swapped).unwrap();
    let mut p = open(path, Some(RAW));
    p.read(1).unwrap();
    assert_eq!(p.read(3).unwrap_err().code, SQLITE_CORRUPT);
    assert_eq!(p.read(4).unwrap_err().code, SQLITE_CORRUPT);
    drop(p);
    std::fs::write(path, &good).unwrap();
    let mut bt = Btree::new(open(path, Some(RAW))).unwrap();
    check_rows(&mut bt, root, 300);
}

/// Raw pages: page 1 with a header reserving 28 bytes, others filled with the marker.
fn fill_pages(p: &mut Pager, n: u32, tag: &str) {
    for pgno in 1..=n {
        let ps = p.page_size();
        let buf = p.write(pgno).unwrap();
        let text = format!("{MARKER}-{tag}-{pgno}-");
        for (i, b) in buf.iter_mut().enumerate() {
            *b = text.as_bytes()[i % text.len()];
        }
        if pgno == 1 {
            buf[..16].copy_from_slice(b"SQLite format 3\0");
            buf[16..18].copy_from_slice(&(ps as u16).to_be_bytes());
            buf[18..24].copy_from_slice(&[1, 1, RESERVED as u8, 64, 32, 32]);
        }
    }
}

fn check_pages(p: &mut Pager, n: u32, tag: &str) {
    assert_eq!(p.page_count(), n);
    for pgno in 2..=n {
        let text = format!("{MARKER}-{tag}-{pgno}-");
        let ps = p.page_size();
        let buf = p.read(pgno).unwrap();
        for (i, b) in buf[..ps - RESERVED].iter().enumerate() {
            assert_eq!(*b, text.as_bytes()[i % text.len()], "page {pgno} byte {i}");
        }
    }
}

#[test]
fn hot_journal_holds_ciphertext_and_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    let path = path.to_str().unwrap();
    let jpath = format!("{path}-journal");
    let mut p = open(path, Some(RAW));
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 30, "old");
    p.commit().unwrap();
    p.end_read();
    drop(p);

    // A transaction that spills (small cache) and then "crashes": a hot journal and a db file
    // holding part of the new content.
    let mut p = open(path, Some(RAW));
    p.set_cache_size(10);
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 40, "new");
    let journal = std::fs::read(&jpath).unwrap();
    assert!(journal.len() > 10 * 4096, "journal has records");
    assert!(
        !contains(&journal, MARKER.as_bytes()),
        "plaintext in journal"
    );
    let db = std::fs::read(path).unwrap();
    assert!(
        !contains(&db, MARKER.as_bytes()),
        "plaintext in db after spill"
    );
    p.crash_for_test();

    // Reopen: the journal is played back verbatim (encrypted images), the old content is back.
    let mut p = open(path, Some(RAW));
    p.begin_read().unwrap();
    check_pages(&mut p, 30, "old");
    p.end_read();
    assert!(!std::path::Path::new(&jpath).exists() || std::fs::read(&jpath).unwrap()[0] == 0);
}

#[test]
fn memory_journal_rollback_after_spill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let path = path.to_str().unwrap();
    let mut p = open(path, Some(RAW));
    p.set_journal_mode(JournalMode::Memory).unwrap();
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 25, "old");
    p.commit().unwrap();
    p.set_cache_size(10);
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 25, "new");
    p.rollback().unwrap();
    check_pages(&mut p, 25, "old");
    p.end_read();
    drop(p);
    let mut p = open(path, Some(RAW));
    p.begin_read().unwrap();
    check_pages(&mut p, 25, "old");
    assert!(!contains(&std::fs::read(path).unwrap(), MARKER.as_bytes()));
}

#[test]
fn set_codec_only_before_first_access() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let path = path.to_str().unwrap();
    let mut p = open(path, None);
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 2, "plain");
    p.commit().unwrap();
    assert!(
        p.set_codec(codec(RAW)).is_err(),
        "inside a read transaction"
    );
    p.end_read();
    assert!(p.set_codec(codec(RAW)).is_err(), "after the first access");
    assert!(!p.is_encrypted());
    assert!(Pager::open_memory(4096).set_codec(codec(RAW)).is_err());
}

#[test]
fn extreme_page_sizes() {
    let dir = tempfile::tempdir().unwrap();
    for ps in [512usize, 65536] {
        let path = dir.path().join(format!("ps{ps}.db"));
        let path = path.to_str().unwrap();
        let mut p = open(path, Some(RAW));
        p.set_page_size(ps).unwrap();
        let mut bt = Btree::new(p).unwrap();
        let root = populate(&mut bt, 40);
        drop(bt);
        let file = std::fs::read(path).unwrap();
        assert_eq!(file.len() % ps, 0);
        assert!(!contains(&file, MARKER.as_bytes()));
        let hdr = if ps == 65536 { 1u16 } else { ps as u16 };
        assert_eq!(&file[16..18], &hdr.to_be_bytes());
        let mut bt = Btree::new(open(path, Some(RAW))).unwrap();
        check_rows(&mut bt, root, 40);
        assert_eq!(bt.page_size(), ps);
    }
}

#[test]
fn second_connection_sees_commits() {
    // Change detection reads header bytes 24..40, which are ciphertext here: they change
    // whenever page 1 is rewritten, so a second pager still drops its stale cache.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let path = path.to_str().unwrap();
    let mut a = open(path, Some(RAW));
    a.begin_write(false).unwrap();
    fill_pages(&mut a, 5, "one");
    a.commit().unwrap();
    a.end_read();
    let mut b = open(path, Some(RAW));
    b.begin_read().unwrap();
    check_pages(&mut b, 5, "one");
    b.end_read();
    a.begin_write(false).unwrap();
    fill_pages(&mut a, 6, "two");
    a.commit().unwrap();
    a.end_read();
    b.begin_read().unwrap();
    check_pages(&mut b, 6, "two");
    b.end_read();
}

fn try_fill_pages(p: &mut Pager, n: u32, tag: &str) -> epiloglite::Result<()> {
    for pgno in 1..=n {
        let ps = p.page_size();
        let buf = p.write(pgno)?;
        let text = format!("{MARKER}-{tag}-{pgno}-");
        for (i, b) in buf.iter_mut().enumerate() {
            *b = text.as_bytes()[i % text.len()];
        }
        if pgno == 1 {
            buf[..16].copy_from_slice(b"SQLite format 3\0");
            buf[16..18].copy_from_slice(&(ps as u16).to_be_bytes());
            buf[18..24].copy_from_slice(&[1, 1, RESERVED as u8, 64, 32, 32]);
        }
    }
    Ok(())
}

fn pages_are(p: &mut Pager, n: u32, tag: &str) -> bool {
    p.page_count() == n
        && (2..=n).all(|pgno| {
            let text = format!("{MARKER}-{tag}-{pgno}-");
            let ps = p.page_size();
            let buf = p.read(pgno).unwrap();
            buf[..ps - RESERVED]
                .iter()
                .enumerate()
                .all(|(i, b)| *b == text.as_bytes()[i % text.len()])
        })
}

/// One crash: the `n`-th mutating I/O of a commit fails and so does everything after it (the
/// process dies), then power is lost (`seed` picks which unsynced writes survive). Reopening
/// with the key must show exactly the old or the new content, every page verifying. Returns
/// true when the commit finished before the fault.
fn crash_case(mode: JournalMode, n: u64, seed: u64) -> bool {
    use epiloglite::vfs::memory::{FaultVfs, MemoryVfs};
    use std::sync::Arc;
    let mem = Arc::new(MemoryVfs::new());
    let fv = Arc::new(FaultVfs::new(mem.clone()));
    let st = fv.state();
    let mut p = Pager::open(fv.clone(), "f.db", create()).unwrap();
    p.set_codec(codec(RAW)).unwrap();
    p.set_journal_mode(mode).unwrap();
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 6, "old");
    p.commit().unwrap();
    p.end_read();
    st.arm(n, epiloglite::error::codes::SQLITE_IOERR_WRITE, true);
    let r = (|| {
        p.begin_write(false)?;
        try_fill_pages(&mut p, 8, "new")?;
        p.commit()
    })();
    let fired = st.fired();
    p.crash_for_test();
    mem.crash(seed);
    st.arm(0, 0, false);
    let mut q = Pager::open(mem.clone(), "f.db", create()).unwrap();
    q.set_codec(codec(RAW)).unwrap();
    q.begin_read().unwrap();
    let old = pages_are(&mut q, 6, "old");
    let new = pages_are(&mut q, 8, "new");
    assert!(old ^ new, "{mode:?} n={n} seed={seed}: neither old nor new");
    if r.is_ok() {
        assert!(
            new,
            "{mode:?} n={n} seed={seed}: a finished commit was lost"
        );
    }
    !fired
}

#[test]
fn crash_at_every_io_of_an_encrypted_commit() {
    let mut cases = 0;
    for mode in [
        JournalMode::Delete,
        JournalMode::Truncate,
        JournalMode::Persist,
    ] {
        for seed in [0u64, 0x9e37_79b9, 12345] {
            let mut n = 1;
            while !crash_case(mode, n, seed) {
                n += 1;
                cases += 1;
                assert!(n < 200, "commit never completes");
            }
        }
    }
    eprintln!("{cases} crash points");
    assert!(cases > 30, "only {cases} crash points");
}

#[test]
fn cache_survives_transactions_and_change_counter_counts() {
    // The change check at begin_read compares the file's bytes 24..40 (ciphertext here) with
    // what the last commit wrote: an unchanged file keeps the cache. The change counter in the
    // (plaintext) header counts commits as in SQLite.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cc.db");
    let path = path.to_str().unwrap();
    let mut p = open(path, Some(RAW));
    for round in 1..=3u32 {
        p.begin_write(false).unwrap();
        fill_pages(&mut p, 5, "x");
        p.commit().unwrap();
        p.end_read();
        p.begin_read().unwrap();
        assert!(p.cached_pages() >= 5, "cache dropped after round {round}");
        let counter = u32::from_be_bytes(p.read(1).unwrap()[24..28].try_into().unwrap());
        assert_eq!(counter, round);
        p.end_read();
    }
    drop(p);
    let mut q = open(path, Some(RAW));
    q.begin_read().unwrap();
    let counter = u32::from_be_bytes(q.read(1).unwrap()[24..28].try_into().unwrap());
    assert_eq!(counter, 3);
}

// ----- rekey ---------------------------------------------------------------------------------

#[test]
fn rekey_to_another_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rk.db");
    let path = path.to_str().unwrap();
    let mut p = open(path, Some(RAW));
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 40, "v");
    p.commit().unwrap();
    p.end_read();
    let salt_before = std::fs::read(path).unwrap()[..16].to_vec();
    // A cache smaller than the database: rekey must not spill old-key pages.
    p.set_cache_size(10);
    p.rekey(Some(codec("new passphrase"))).unwrap();
    check_pages(&mut p, 40, "v");
    p.end_read();
    drop(p);
    let file = std::fs::read(path).unwrap();
    assert_ne!(file[..16], salt_before[..], "fresh salt");
    assert!(!contains(&file, MARKER.as_bytes()));
    assert!(!std::path::Path::new(&format!("{path}-journal")).exists());
    let mut old = open(path, Some(RAW));
    assert_eq!(old.begin_read().unwrap_err().code, SQLITE_NOTADB);
    let mut q = open(path, Some("new passphrase"));
    q.begin_read().unwrap();
    check_pages(&mut q, 40, "v");
}

#[test]
fn rekey_decrypts_to_a_plain_file_sqlite3_reads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dec.db");
    let path = path.to_str().unwrap();
    let mut bt = Btree::new(open(path, Some(RAW))).unwrap();
    bt.begin_write(false).unwrap();
    let root = bt.create_tree(true).unwrap();
    // sqlite_schema row so that sqlite3 sees the table.
    let schema = encode_record(&[
        Value::text("table"),
        Value::text("t"),
        Value::text("t"),
        Value::Integer(i64::from(root)),
        Value::text("CREATE TABLE t(a, b)"),
    ]);
    BtCursor::new(1, true, None)
        .insert(&mut bt, 1, &schema)
        .unwrap();
    bt.set_meta(1, 1).unwrap();
    let mut c = BtCursor::new(root, true, None);
    for i in 1..=100 {
        c.insert(&mut bt, i, &row(i)).unwrap();
    }
    bt.commit().unwrap();
    bt.end_read();
    drop(bt);

    let mut p = open(path, Some(RAW));
    p.rekey(None).unwrap();
    p.end_read();
    assert!(!p.is_encrypted());
    drop(p);
    let file = std::fs::read(path).unwrap();
    assert_eq!(&file[..16], b"SQLite format 3\0");
    assert_eq!(file[20] as usize, RESERVED);
    if let Ok(out) = std::process::Command::new("sqlite3")
        .arg(path)
        .arg("PRAGMA integrity_check; SELECT count(*), sum(a) FROM t;")
        .output()
    {
        assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n100|5050\n");
    }
    // And back: a plain file reserving 28 bytes can be encrypted in place.
    let mut p = open(path, None);
    p.rekey(Some(codec(OTHER))).unwrap();
    p.end_read();
    drop(p);
    assert!(!contains(&std::fs::read(path).unwrap(), MARKER.as_bytes()));
    let mut bt = Btree::new(open(path, Some(OTHER))).unwrap();
    check_rows(&mut bt, root, 100);
}

#[test]
fn rekey_refuses_a_plain_file_without_reserved_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noroom.db");
    let path = path.to_str().unwrap();
    let mut bt = Btree::new(open(path, None)).unwrap();
    populate(&mut bt, 5);
    drop(bt);
    let before = std::fs::read(path).unwrap();
    let mut p = open(path, None);
    let e = p.rekey(Some(codec(RAW))).unwrap_err();
    assert_eq!(e.code, epiloglite::error::codes::SQLITE_ERROR);
    assert!(!p.is_encrypted());
    p.end_read();
    drop(p);
    assert!(std::fs::read(path).unwrap() == before);
}

/// A crash at the `n`-th I/O of a rekey: the file opens with exactly one of the two keys and
/// shows the content. Returns true when the rekey finished before the fault.
fn rekey_crash_case(n: u64, seed: u64) -> bool {
    use epiloglite::vfs::memory::{FaultVfs, MemoryVfs};
    use std::sync::Arc;
    let mem = Arc::new(MemoryVfs::new());
    let fv = Arc::new(FaultVfs::new(mem.clone()));
    let st = fv.state();
    let mut p = Pager::open(fv.clone(), "r.db", create()).unwrap();
    p.set_codec(codec(RAW)).unwrap();
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 7, "k");
    p.commit().unwrap();
    p.end_read();
    st.arm(n, epiloglite::error::codes::SQLITE_IOERR_WRITE, true);
    let r = p.rekey(Some(codec(OTHER)));
    let fired = st.fired();
    p.crash_for_test();
    mem.crash(seed);
    st.arm(0, 0, false);
    let readable = |key: &str| {
        let mut q = Pager::open(mem.clone(), "r.db", create()).unwrap();
        q.set_codec(codec(key)).unwrap();
        match q.begin_read() {
            Ok(()) => {
                assert!(pages_are(&mut q, 7, "k"), "n={n} seed={seed} key {key}");
                true
            }
            Err(e) => {
                assert_eq!(e.code, SQLITE_NOTADB, "n={n} seed={seed}");
                false
            }
        }
    };
    let (old, new) = (readable(RAW), readable(OTHER));
    assert!(old ^ new, "n={n} seed={seed}: old key {old}, new key {new}");
    if r.is_ok() {
        assert!(new, "n={n} seed={seed}: finished rekey lost");
    }
    !fired
}

#[test]
fn crash_at_every_io_of_a_rekey() {
    let mut cases = 0;
    for seed in [0u64, 0x9e37_79b9, 777] {
        let mut n = 1;
        while !rekey_crash_case(n, seed) {
            n += 1;
            cases += 1;
            assert!(n < 200, "rekey never completes");
        }
    }
    eprintln!("{cases} crash points");
    assert!(cases > 20, "only {cases} crash points");
}

#[test]
fn persisted_and_truncated_journals_hold_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [
        JournalMode::Persist,
        JournalMode::Truncate,
        JournalMode::Delete,
    ] {
        let path = dir.path().join(format!("{mode:?}.db"));
        let path = path.to_str().unwrap();
        let jpath = format!("{path}-journal");
        let mut p = open(path, Some(RAW));
        p.set_journal_mode(mode).unwrap();
        for round in ["a", "b", "c"] {
            p.begin_write(false).unwrap();
            fill_pages(&mut p, 20, round);
            // Mid-transaction: the journal holds the previous round's pages (encrypted).
            if let Ok(j) = std::fs::read(&jpath) {
                assert!(
                    !contains(&j, MARKER.as_bytes()),
                    "{mode:?} {round}: journal"
                );
            }
            p.commit().unwrap();
            p.end_read();
        }
        let j = std::fs::read(&jpath).unwrap_or_default();
        if mode == JournalMode::Persist {
            assert!(j.len() > 20 * 4096, "persisted journal keeps its records");
        }
        assert!(
            !contains(&j, MARKER.as_bytes()),
            "{mode:?}: journal after commit"
        );
        assert!(!contains(&std::fs::read(path).unwrap(), MARKER.as_bytes()));
        p.begin_read().unwrap();
        check_pages(&mut p, 20, "c");
    }
}

/// An I/O error at the `n`-th write of a commit, then `rollback` in the same process (ERROR
/// state recovery plays the encrypted journal back): the same pager then reads the old or
/// (when the error came after the commit was durable, e.g. while finalizing the journal) the
/// new content, and a fresh connection agrees. Returns true when the commit finished before
/// the fault.
fn error_rollback_case(mode: JournalMode, n: u64) -> bool {
    use epiloglite::vfs::memory::{FaultVfs, MemoryVfs};
    use std::sync::Arc;
    let mem = Arc::new(MemoryVfs::new());
    let fv = Arc::new(FaultVfs::new(mem.clone()));
    let st = fv.state();
    let mut p = Pager::open(fv.clone(), "e.db", create()).unwrap();
    p.set_codec(codec(RAW)).unwrap();
    p.set_journal_mode(mode).unwrap();
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 6, "old");
    p.commit().unwrap();
    p.end_read();
    st.arm(n, epiloglite::error::codes::SQLITE_IOERR_WRITE, false);
    let r = (|| {
        p.begin_write(false)?;
        try_fill_pages(&mut p, 8, "new")?;
        p.commit()
    })();
    let fired = st.fired();
    st.arm(0, 0, false);
    if r.is_err() {
        p.rollback().unwrap();
    }
    let old = pages_are(&mut p, 6, "old");
    let new = pages_are(&mut p, 8, "new");
    assert!(
        old ^ new,
        "{mode:?} n={n}: neither old nor new after rollback"
    );
    assert!(new || r.is_err());
    p.end_read();
    let mut q = Pager::open(mem.clone(), "e.db", create()).unwrap();
    q.set_codec(codec(RAW)).unwrap();
    q.begin_read().unwrap();
    assert!(
        if new {
            pages_are(&mut q, 8, "new")
        } else {
            pages_are(&mut q, 6, "old")
        },
        "{mode:?} n={n}: another connection sees something else"
    );
    !fired
}

#[test]
fn io_error_then_rollback_restores_encrypted_pages() {
    let mut cases = 0;
    for mode in [
        JournalMode::Delete,
        JournalMode::Persist,
        JournalMode::Memory,
    ] {
        let mut n = 1;
        while !error_rollback_case(mode, n) {
            n += 1;
            cases += 1;
            assert!(n < 200);
        }
    }
    assert!(cases > 20, "only {cases} error points");
}

#[test]
fn encrypted_wal_frames_and_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wal.db");
    let path = path.to_str().unwrap();
    let wal = format!("{path}-wal");
    let mut p = open(path, Some(RAW));
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 4, "w");
    p.commit().unwrap();
    p.end_read();
    assert_eq!(
        p.set_journal_mode(JournalMode::Wal).unwrap(),
        JournalMode::Wal
    );
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 9, "v");
    p.commit().unwrap();
    p.end_read();
    // The new pages are WAL frames: encrypted, and the db file is unchanged.
    let w = std::fs::read(&wal).unwrap();
    assert!(w.len() > 9 * 4096, "frames in the WAL");
    assert!(!contains(&w, MARKER.as_bytes()), "plaintext in the WAL");
    assert!(!contains(&std::fs::read(path).unwrap(), MARKER.as_bytes()));
    // Another pager reads them through the WAL, decrypting.
    let mut q = open(path, Some(RAW));
    q.begin_read().unwrap();
    check_pages(&mut q, 9, "v");
    q.end_read();
    // A reader with the wrong key fails on page 1.
    let mut r = open(path, Some(OTHER));
    assert_eq!(
        r.begin_read().unwrap_err().code,
        epiloglite::error::codes::SQLITE_NOTADB
    );
    drop(r);
    drop(q);
    // Checkpoint copies the encrypted images to the db file verbatim.
    p.checkpoint(epiloglite::pager::CheckpointMode::Truncate)
        .unwrap();
    drop(p);
    assert!(!contains(&std::fs::read(path).unwrap(), MARKER.as_bytes()));
    let mut q = open(path, Some(RAW));
    q.begin_read().unwrap();
    check_pages(&mut q, 9, "v");
}

#[test]
fn rekey_refuses_a_wal_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("walplain.db");
    let path = path.to_str().unwrap();
    let mut p = open(path, None);
    p.begin_write(false).unwrap();
    fill_pages(&mut p, 3, "p");
    p.commit().unwrap();
    p.end_read();
    assert_eq!(
        p.set_journal_mode(JournalMode::Wal).unwrap(),
        JournalMode::Wal
    );
    let e = p.rekey(Some(codec(RAW))).unwrap_err();
    assert_eq!(e.code, epiloglite::error::codes::SQLITE_ERROR);
    assert!(!p.is_encrypted());
    p.begin_read().unwrap();
    check_pages(&mut p, 3, "p");
}
