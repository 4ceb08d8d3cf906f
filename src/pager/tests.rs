//! Unit tests of the pager: memory pager semantics, file pager transactions over the unix and
//! memory VFSes, journal format and modes, cache bounds, locking between two pagers, I/O
//! errors through the fault VFS.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::vfs::memory::{FaultVfs, MemoryVfs};
use crate::vfs::unix::default_vfs;

const PS: usize = 1024;

fn create() -> OpenFlags {
    OpenFlags {
        create: true,
        ..Default::default()
    }
}

/// Give page 1 a minimal valid SQLite header so that the file reopens.
fn init_header(p1: &mut [u8], ps: usize) {
    p1[..16].copy_from_slice(b"SQLite format 3\0");
    let v = if ps == 65536 { 1u16 } else { ps as u16 };
    p1[16..18].copy_from_slice(&v.to_be_bytes());
    p1[18] = 1;
    p1[19] = 1;
    p1[20] = 0;
    p1[21] = 64;
    p1[22] = 32;
    p1[23] = 32;
}

/// Fill pages 1..=n with a pattern derived from `tag` (page 1 keeps a valid header).
fn fill(p: &mut Pager, n: Pgno, tag: u8) {
    for pgno in 1..=n {
        let ps = p.page_size();
        let buf = p.write(pgno).unwrap();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = tag.wrapping_add(pgno as u8).wrapping_add((i / 7) as u8);
        }
        if pgno == 1 {
            init_header(buf, ps);
        }
    }
}

fn check(p: &mut Pager, n: Pgno, tag: u8) {
    assert_eq!(p.page_count(), n);
    for pgno in 1..=n {
        let buf = p.read(pgno).unwrap().to_vec();
        for (i, b) in buf.iter().enumerate() {
            if pgno == 1 && (i < 100) {
                continue;
            }
            assert_eq!(
                *b,
                tag.wrapping_add(pgno as u8).wrapping_add((i / 7) as u8),
                "page {pgno} byte {i}"
            );
        }
    }
}

fn new_file_pager(vfs: Arc<dyn Vfs>, path: &str) -> Pager {
    let mut p = Pager::open(vfs, path, create()).unwrap();
    p.set_page_size(PS).unwrap();
    p
}

#[test]
fn memory_pager_commit_rollback_savepoints() {
    let mut p = Pager::open_memory(512);
    p.begin_write(false).unwrap();
    fill(&mut p, 3, 1);
    p.commit().unwrap();
    check(&mut p, 3, 1);
    assert_eq!(get4(p.read(1).unwrap(), 24), 1);
    assert_eq!(get4(p.read(1).unwrap(), 28), 3);
    p.begin_write(false).unwrap();
    fill(&mut p, 5, 9);
    p.rollback().unwrap();
    check(&mut p, 3, 1);
    // Savepoints, nested, with truncate and extension.
    p.begin_write(false).unwrap();
    p.write(2).unwrap()[200] = 0xAA;
    p.savepoint_open(1).unwrap();
    p.write(2).unwrap()[200] = 0xBB;
    p.truncate(2).unwrap();
    p.savepoint_open(2).unwrap();
    p.allocate().unwrap();
    p.write(3).unwrap()[5] = 7;
    p.savepoint_rollback(1).unwrap();
    assert_eq!(p.page_count(), 2);
    assert_eq!(p.savepoint_count(), 2);
    p.savepoint_rollback(0).unwrap();
    assert_eq!(p.page_count(), 3);
    assert_eq!(p.read(2).unwrap()[200], 0xAA);
    assert_eq!(p.read(3).unwrap()[5], 1u8.wrapping_add(3).wrapping_add(0));
    p.savepoint_release(0).unwrap();
    assert_eq!(p.savepoint_count(), 0);
    p.rollback().unwrap();
    check(&mut p, 3, 1);
    assert!(p.write(1).is_err());
    assert!(p.read(4).is_err());
    assert!(p.read(0).is_err());
}

#[test]
fn file_pager_commit_reopen_and_journal_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let path = path.to_str().unwrap();
    let vfs = default_vfs();
    {
        let mut p = new_file_pager(vfs.clone(), path);
        p.begin_write(false).unwrap();
        fill(&mut p, 4, 3);
        p.commit().unwrap();
        p.end_read();
        assert!(!vfs.exists(&format!("{path}-journal")).unwrap());
    }
    let img = std::fs::read(path).unwrap();
    assert_eq!(img.len(), 4 * PS);
    assert_eq!(get4(&img, 24), 1);
    assert_eq!(get4(&img, 28), 4);
    assert_eq!(get4(&img, 92), 1);
    assert_eq!(get4(&img, 96), 3040001);
    let mut p = Pager::open(vfs.clone(), path, create()).unwrap();
    p.begin_read().unwrap();
    assert_eq!(p.page_size(), PS);
    check(&mut p, 4, 3);
    // Write a transaction and look at the journal before commit.
    p.begin_write(false).unwrap();
    p.write(2).unwrap()[10] = 99;
    p.write(3).unwrap()[10] = 98;
    p.allocate().unwrap();
    let j = std::fs::read(format!("{path}-journal")).unwrap();
    let sector = 4096usize;
    assert_eq!(j.len(), sector + 2 * (PS + 8));
    assert_eq!(
        &j[..8],
        &[0u8; 8],
        "magic is written only when the journal is synced"
    );
    let nonce = get4(&j, 12);
    assert_eq!(get4(&j, 16), 4);
    assert_eq!(get4(&j, 20), sector as u32);
    assert_eq!(get4(&j, 24), PS as u32);
    assert_eq!(get4(&j, sector), 2);
    assert_eq!(&j[sector + 4..sector + 4 + PS], &img[PS..2 * PS]);
    assert_eq!(
        get4(&j, sector + 4 + PS),
        journal_checksum(nonce, &img[PS..2 * PS])
    );
    p.commit().unwrap();
    assert_eq!(p.page_count(), 5);
    p.end_read();
    let img2 = std::fs::read(path).unwrap();
    assert_eq!(img2.len(), 5 * PS);
    assert_eq!(img2[PS + 10], 99);
    assert_eq!(get4(&img2, 24), 2);
    // Truncation at commit.
    p.begin_write(false).unwrap();
    p.truncate(2).unwrap();
    p.commit().unwrap();
    p.end_read();
    assert_eq!(std::fs::metadata(path).unwrap().len(), 2 * PS as u64);
    assert_eq!(get4(&std::fs::read(path).unwrap(), 28), 2);
}

#[test]
fn rollback_leaves_file_and_removes_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let path = path.to_str().unwrap();
    let mut p = new_file_pager(default_vfs(), path);
    p.begin_write(false).unwrap();
    fill(&mut p, 3, 5);
    p.commit().unwrap();
    let before = std::fs::read(path).unwrap();
    p.begin_write(false).unwrap();
    fill(&mut p, 6, 8);
    p.truncate(2).unwrap();
    p.rollback().unwrap();
    assert!(p.in_read_txn() && !p.in_write_txn());
    check(&mut p, 3, 5);
    p.end_read();
    assert_eq!(std::fs::read(path).unwrap(), before);
    assert!(!std::path::Path::new(&format!("{path}-journal")).exists());
}

#[test]
fn journal_modes_finalize_as_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    for (i, mode) in [
        JournalMode::Delete,
        JournalMode::Truncate,
        JournalMode::Persist,
        JournalMode::Memory,
        JournalMode::Off,
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.path().join(format!("m{i}.db"));
        let path = path.to_str().unwrap();
        let jpath = format!("{path}-journal");
        let mut p = new_file_pager(default_vfs(), path);
        assert_eq!(p.set_journal_mode(mode).unwrap(), mode);
        assert_eq!(p.set_journal_mode(JournalMode::Wal).unwrap(), mode);
        for round in 0..2u8 {
            p.begin_write(false).unwrap();
            fill(&mut p, 3, round);
            assert_eq!(
                std::path::Path::new(&jpath).exists(),
                matches!(
                    mode,
                    JournalMode::Delete | JournalMode::Truncate | JournalMode::Persist
                ),
                "{mode:?} round {round}"
            );
            p.commit().unwrap();
            p.end_read();
            let j = std::fs::read(&jpath).ok();
            match mode {
                JournalMode::Delete | JournalMode::Memory | JournalMode::Off => {
                    assert!(j.is_none(), "{mode:?}")
                }
                JournalMode::Truncate => assert_eq!(j.unwrap().len(), 0),
                JournalMode::Persist => {
                    let j = j.unwrap();
                    assert!(j.len() > 28);
                    assert_eq!(&j[..28], &[0u8; 28]);
                }
                JournalMode::Wal => unreachable!(),
            }
            let mut q = Pager::open(default_vfs(), path, create()).unwrap();
            q.begin_read().unwrap();
            check(&mut q, 3, round);
        }
        // Switching back to DELETE removes a persistent journal.
        p.set_journal_mode(JournalMode::Delete).unwrap();
        assert!(!std::path::Path::new(&jpath).exists(), "{mode:?}");
    }
}

#[test]
fn cache_is_bounded_and_dirty_pages_stay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let path = path.to_str().unwrap();
    let mut p = new_file_pager(default_vfs(), path);
    p.set_cache_size(10);
    p.begin_write(false).unwrap();
    fill(&mut p, 100, 4);
    assert_eq!(p.cached_pages(), 100, "dirty pages are never evicted");
    p.commit().unwrap();
    p.set_cache_size(10);
    assert!(p.cached_pages() <= 10);
    check(&mut p, 100, 4);
    assert!(p.cached_pages() <= 11, "{}", p.cached_pages());
    p.set_cache_size(-2000);
    assert_eq!(p.max_cached(), 2000 * 1024 / (PS + 64));
    // A cache hit returns the same buffer without reloading.
    let a = p.read(7).unwrap().as_ptr();
    let b = p.read(7).unwrap().as_ptr();
    assert_eq!(a, b);
}

#[test]
fn two_pagers_lock_and_see_each_others_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let path = path.to_str().unwrap();
    let mut a = new_file_pager(default_vfs(), path);
    a.begin_write(false).unwrap();
    fill(&mut a, 3, 1);
    a.commit().unwrap();
    a.end_read();
    let mut b = Pager::open(default_vfs(), path, create()).unwrap();
    b.begin_read().unwrap();
    check(&mut b, 3, 1);
    a.begin_write(false).unwrap();
    assert!(b.begin_write(false).unwrap_err().is_busy());
    fill(&mut a, 4, 2);
    // b still reads: a cannot get EXCLUSIVE; the commit can be retried.
    assert!(a.commit().unwrap_err().is_busy());
    assert!(a.in_write_txn());
    check(&mut b, 3, 1);
    b.end_read();
    // a holds PENDING: new readers are refused.
    assert!(b.begin_read().unwrap_err().is_busy());
    a.commit().unwrap();
    a.end_read();
    // b's cache is stale: the change counter moved, so it is dropped.
    b.begin_read().unwrap();
    check(&mut b, 4, 2);
    b.end_read();
}

#[test]
fn not_a_database_and_bad_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    let path = path.to_str().unwrap();
    std::fs::write(path, b"this is not a database file at all, not even close").unwrap();
    let mut p = Pager::open(default_vfs(), path, create()).unwrap();
    let e = p.begin_read().unwrap_err();
    assert_eq!(e.code, SQLITE_NOTADB);
    assert_eq!(e.msg, "file is not a database");
    assert!(!p.in_read_txn());
    let mut img = vec![0u8; 1024];
    init_header(&mut img, 1024);
    img[16] = 3; // page size 0x0300: not a power of two
    std::fs::write(path, &img).unwrap();
    assert_eq!(p.begin_read().unwrap_err().code, SQLITE_NOTADB);
    // 65536 is encoded as 1.
    init_header(&mut img, 65536);
    std::fs::write(path, &img).unwrap();
    p.begin_read().unwrap();
    assert_eq!(p.page_size(), 65536);
    assert_eq!(p.page_count(), 1);
}

/// Our own journal, left hot by a failed commit, is played back by the next reader.
#[test]
fn hot_journal_from_failed_commit_is_rolled_back() {
    let mem = Arc::new(MemoryVfs::new());
    let fv = Arc::new(FaultVfs::new(mem.clone()));
    let st = fv.state();
    let mut p = new_file_pager(fv.clone(), "h.db");
    p.begin_write(false).unwrap();
    fill(&mut p, 5, 1);
    p.commit().unwrap();
    p.end_read();
    let before = mem.contents("h.db").unwrap();
    p.begin_write(false).unwrap();
    fill(&mut p, 3, 7);
    p.truncate(3).unwrap();
    // Writes: journal records (3 + header) happened already; fail the 2nd db page write.
    st.arm(5, SQLITE_IOERR_WRITE, true);
    let e = p.commit().unwrap_err();
    assert_eq!(e.code, SQLITE_IOERR_WRITE);
    // ERROR state: refuses work until rollback.
    assert_eq!(p.read(1).unwrap_err().code, SQLITE_IOERR_WRITE);
    assert_eq!(p.begin_write(false).unwrap_err().code, SQLITE_IOERR_WRITE);
    assert!(
        p.rollback().is_err(),
        "faults are persistent: recovery fails"
    );
    p.end_read();
    assert_ne!(mem.contents("h.db").unwrap(), before);
    assert!(mem.exists("h.db-journal").unwrap());
    st.arm(0, 0, false);
    let mut q = Pager::open(mem.clone(), "h.db", create()).unwrap();
    q.begin_read().unwrap();
    check(&mut q, 5, 1);
    q.end_read();
    assert_eq!(mem.contents("h.db").unwrap(), before);
    assert!(!mem.exists("h.db-journal").unwrap());
}

/// Walk an I/O error over every mutating operation of a transaction, in each journal mode;
/// afterwards the file holds exactly the old or the new content.
#[test]
fn fault_at_every_io_of_a_commit() {
    for mode in [
        JournalMode::Delete,
        JournalMode::Truncate,
        JournalMode::Persist,
        JournalMode::Memory,
    ] {
        for code in [SQLITE_IOERR_WRITE, SQLITE_FULL, 0] {
            for (persistent, recover_now) in [(false, true), (true, false)] {
                if mode == JournalMode::Memory && !recover_now {
                    continue; // a crash in MEMORY mode can corrupt, as in SQLite
                }
                let mut n = 1;
                loop {
                    let done = fault_case(mode, code, n, persistent, recover_now);
                    if done {
                        // Every I/O of the transaction was hit once before it succeeded.
                        let min = if mode == JournalMode::Memory { 7 } else { 12 };
                        assert!(n > min, "{mode:?}: only {n} operations");
                        break;
                    }
                    n += 1;
                    assert!(n < 200);
                }
            }
        }
    }
}

/// One run; returns true when the commit succeeded without hitting the fault.
fn fault_case(mode: JournalMode, code: i32, n: u64, persistent: bool, recover_now: bool) -> bool {
    let mem = Arc::new(MemoryVfs::new());
    let fv = Arc::new(FaultVfs::new(mem.clone()));
    let st = fv.state();
    let mut p = new_file_pager(fv.clone(), "f.db");
    p.set_journal_mode(mode).unwrap();
    p.begin_write(false).unwrap();
    fill(&mut p, 6, 1);
    p.commit().unwrap();
    p.end_read();
    st.arm(n, code, persistent);
    let r = (|| -> Result<()> {
        p.begin_write(false)?;
        for pgno in 1..=4 {
            let ps = p.page_size();
            let buf = p.write(pgno)?;
            buf.fill(0x40 + pgno as u8);
            if pgno == 1 {
                init_header(buf, ps);
            }
        }
        p.truncate(4)?;
        p.allocate()?;
        p.write(5)?.fill(0x45);
        p.commit()
    })();
    let fired = st.fired();
    let ok = r.is_ok();
    if !ok {
        if recover_now {
            st.arm(0, 0, false);
            p.rollback().unwrap();
            p.end_read();
        } else {
            let _ = p.rollback();
            p.end_read();
        }
    } else {
        p.end_read();
    }
    drop(p);
    st.arm(0, 0, false);
    let mut q = Pager::open(mem.clone(), "f.db", create()).unwrap();
    q.begin_read().unwrap();
    let old = (1..=6).all(|pg| {
        let b = q.read(pg).unwrap();
        pg == 1 || b[0] == 1u8.wrapping_add(pg as u8)
    }) && q.page_count() == 6;
    let new = q.page_count() == 5
        && (2..=5).all(|pg| q.read(pg).unwrap().iter().all(|&x| x == 0x40 + pg as u8));
    assert!(
        old ^ new,
        "mode {mode:?} code {code} n {n}: neither old nor new (ok={ok})"
    );
    if ok {
        assert!(new);
    }
    !fired
}
