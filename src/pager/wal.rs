//! Write-ahead log on SQLite's WAL and wal-index formats (`walformat.html`, `wal.c`), shared
//! with real SQLite processes.
//!
//! - WAL file: 32-byte header (magic 0x377f0682/3, version 3007000, page size, checkpoint
//!   sequence, salts, checksum), then frames: a 24-byte header (pgno, db size after commit or
//!   0, salts, cumulative checksum) and the page. Checksums read words big-endian if the magic's
//!   low bit is set, little-endian otherwise; we write the native order (as SQLite).
//! - wal-index (`-shm`, see `vfs::shm`): two copies of the 48-byte index header (native byte
//!   order; salts copied raw from the WAL header), checkpoint info (nBackfill, 5 read marks,
//!   lock bytes, nBackfillAttempted), then per 32 KiB block a 4096-entry page-number array and
//!   an 8192-slot `u16` hash (the first block's array is 34 entries shorter).
//! - shm lock slots: WRITE 0, CKPT 1, RECOVER 2, READ(i) 3+i.
//!
//! # States of a connection's `Wal`
//! ```text
//!   IDLE ──begin_read──▶ READING(read_lock = i) ──begin_write──▶ WRITING (WRITE lock)
//!    ▲  ◀───end_read─────┘   ▲ ◀──────── end_write (commit or rollback) ──┘
//! ```
//! # Invariants
//! 1. While READING with `read_lock = i > 0`, read mark `i` <= `hdr.mx_frame` and we hold
//!    READ(i) shared, so no checkpointer backfills past our snapshot nor restarts the WAL;
//!    pages come from frames `min_frame..=hdr.mx_frame` (newest wins), else the db file.
//!    With `read_lock = 0` the WAL was fully backfilled and the db file alone is the snapshot.
//! 2. A writer holds WRITE and its `hdr` equals the shm header (else BUSY_SNAPSHOT); frames are
//!    appended after `hdr.mx_frame`, indexed in the hash tables, and only then the shm header
//!    is published (copy 2 first, then copy 1), so readers never see a half-written commit.
//!    A spill (`write_frames` without commit) appends and indexes frames but advances only
//!    our own `hdr`: nobody else sees them, and `end_write` without a commit forgets them.
//! 3. Only committed frames (`<= mx_frame` of the shm header) are visible; hash entries for
//!    later frames are removed (`cleanup_hash`) before they are overwritten.
//! 4. Recovery (index header invalid) runs holding WRITE, CKPT and RECOVER exclusively and
//!    indexes the frames up to the last valid commit frame only.
//! 5. The checkpointer holds CKPT; it copies only frames no reader still needs (read marks)
//!    and writes the db file while holding READ(0) exclusively.

use crate::error::{codes::*, Error, Result};
use crate::vfs::shm::{Shm, SHM_REGION};
use crate::vfs::{FileKind, OpenFlags, Vfs, VfsFile};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

pub const WAL_MAGIC: u32 = 0x377f_0682;
pub const WAL_VERSION: u32 = 3_007_000;
const WAL_HDR: u64 = 32;
const FRAME_HDR: u64 = 24;
const IDX_HDR: usize = 48;
const IDX_HDR_TOTAL: usize = 136;
const NPAGE: u32 = 4096;
const NSLOT: u32 = 8192;
const NPAGE_ONE: u32 = NPAGE - (IDX_HDR_TOTAL / 4) as u32;
const HASH_MUL: u32 = 383;
const READMARK_NOT_USED: u32 = 0xffff_ffff;
const NREADER: usize = 5;
const LOCK_WRITE: usize = 0;
const LOCK_CKPT: usize = 1;
const LOCK_RECOVER: usize = 2;
const fn lock_read(i: usize) -> usize {
    3 + i
}
// Checkpoint-info offsets in region 0.
const OFF_BACKFILL: usize = 96;
const OFF_READMARK: usize = 100;
const OFF_BACKFILL_ATTEMPTED: usize = 128;

const NATIVE_BE: bool = cfg!(target_endian = "big");

/// Checkpoint modes (`SQLITE_CHECKPOINT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckpointMode {
    Passive = 0,
    Full = 1,
    Restart = 2,
    Truncate = 3,
}

/// SQLite's `walChecksumBytes`: `data.len()` is a multiple of 8.
pub fn wal_checksum(big_endian: bool, data: &[u8], init: [u32; 2]) -> [u32; 2] {
    if big_endian {
        checksum_words::<true>(data, init)
    } else {
        checksum_words::<false>(data, init)
    }
}

/// The checksum loop with the byte order fixed at compile time (it runs over every page of
/// every frame written or recovered).
fn checksum_words<const BE: bool>(data: &[u8], init: [u32; 2]) -> [u32; 2] {
    let (mut s1, mut s2) = (init[0], init[1]);
    for ch in data.chunks_exact(8) {
        let w = <[u8; 8]>::try_from(ch).unwrap_or([0; 8]);
        let (a, b) = ([w[0], w[1], w[2], w[3]], [w[4], w[5], w[6], w[7]]);
        let (a, b) = if BE {
            (u32::from_be_bytes(a), u32::from_be_bytes(b))
        } else {
            (u32::from_le_bytes(a), u32::from_le_bytes(b))
        };
        s1 = s1.wrapping_add(a).wrapping_add(s2);
        s2 = s2.wrapping_add(b).wrapping_add(s1);
    }
    [s1, s2]
}

fn put(b: &mut [u8], off: usize, v: &[u8]) {
    if let Some(d) = b.get_mut(off..off + v.len()) {
        d.copy_from_slice(v);
    }
}

fn be32(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map(u32::from_be_bytes)
        .unwrap_or(0)
}

/// The wal-index header (`WalIndexHdr`), native byte order except the raw salts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct IdxHdr {
    version: u32,
    change: u32,
    is_init: u8,
    big_end: u8,
    sz_page: u16,
    mx_frame: u32,
    n_page: u32,
    frame_cksum: [u32; 2],
    salt: [u8; 8],
    cksum: [u32; 2],
}

impl IdxHdr {
    fn encode(&self) -> [u8; IDX_HDR] {
        let mut b = [0u8; IDX_HDR];
        let mut put = |off: usize, v: &[u8]| {
            if let Some(d) = b.get_mut(off..off + v.len()) {
                d.copy_from_slice(v);
            }
        };
        put(0, &self.version.to_ne_bytes());
        put(8, &self.change.to_ne_bytes());
        put(12, &[self.is_init, self.big_end]);
        put(14, &self.sz_page.to_ne_bytes());
        put(16, &self.mx_frame.to_ne_bytes());
        put(20, &self.n_page.to_ne_bytes());
        put(24, &self.frame_cksum[0].to_ne_bytes());
        put(28, &self.frame_cksum[1].to_ne_bytes());
        put(32, &self.salt);
        put(40, &self.cksum[0].to_ne_bytes());
        put(44, &self.cksum[1].to_ne_bytes());
        b
    }
    fn decode(b: &[u8; IDX_HDR]) -> IdxHdr {
        let u = |off: usize| {
            u32::from_ne_bytes(
                b.get(off..off + 4)
                    .and_then(|s| <[u8; 4]>::try_from(s).ok())
                    .unwrap_or([0; 4]),
            )
        };
        let mut salt = [0u8; 8];
        salt.copy_from_slice(&b[32..40]);
        IdxHdr {
            version: u(0),
            change: u(8),
            is_init: b[12],
            big_end: b[13],
            sz_page: u16::from_ne_bytes([b[14], b[15]]),
            mx_frame: u(16),
            n_page: u(20),
            frame_cksum: [u(24), u(28)],
            salt,
            cksum: [u(40), u(44)],
        }
    }
    fn page_size(&self) -> u32 {
        (self.sz_page as u32 & 0xfe00) + ((self.sz_page as u32 & 1) << 16)
    }
    fn seal(&mut self) {
        self.is_init = 1;
        self.version = WAL_VERSION;
        let b = self.encode();
        self.cksum = wal_checksum(NATIVE_BE, &b[..40], [0, 0]);
    }
}

fn frame_page(frame: u32) -> usize {
    ((frame + NPAGE - NPAGE_ONE - 1) / NPAGE) as usize
}
fn izero(h: usize) -> u32 {
    if h == 0 {
        0
    } else {
        NPAGE_ONE + (h as u32 - 1) * NPAGE
    }
}
/// Byte offset in region `h` of page-number entry `idx` (1-based).
fn pgno_off(h: usize, idx: u32) -> usize {
    (if h == 0 { IDX_HDR_TOTAL } else { 0 }) + (idx as usize - 1) * 4
}
fn hash_off(slot: u32) -> usize {
    NPAGE as usize * 4 + slot as usize * 2
}
fn whash(pgno: u32) -> u32 {
    pgno.wrapping_mul(HASH_MUL) & (NSLOT - 1)
}
fn wal_frame_offset(frame: u32, ps: u32) -> u64 {
    WAL_HDR + (frame as u64 - 1) * (ps as u64 + FRAME_HDR)
}

fn busy() -> Error {
    Error::code(SQLITE_BUSY)
}

/// One connection's view of a WAL database.
pub struct Wal {
    vfs: Arc<dyn Vfs>,
    wal_path: String,
    wfd: Box<dyn VfsFile>,
    shm: Shm,
    hdr: IdxHdr,
    /// -1: no read transaction; 0: snapshot = db file only; 1..4: READ(i) held.
    read_lock: i32,
    write_lock: bool,
    min_frame: u32,
    n_ckpt: u32,
    read_only: bool,
    /// `mx_frame` after our last commit, until taken by `take_callback` (SQLite's
    /// `iCallback`: what `sqlite3_wal_hook` is called with).
    callback: u32,
    /// `PRAGMA journal_size_limit` in bytes (-1: none): the first commit after the WAL
    /// restarts truncates a longer `-wal` file to it (SQLite's `walLimitSize`).
    size_limit: i64,
    /// Set when a commit wrote a new WAL header (SQLite's `truncateOnCommit`).
    truncate_on_commit: bool,
    /// Reused buffer for the frames of one `write_frames` call (one write per batch).
    frame_buf: Vec<u8>,
}

impl Wal {
    /// Open `<db>-wal` (created if missing) and `<db>-shm`.
    /// `read_only`: the -wal must exist and is opened read-only (no writes, no checkpoints).
    /// `heap`: the wal-index lives in this connection's heap memory and no `-shm` file is
    /// used (SQLite's `WAL_HEAPMEMORY_MODE`, `locking_mode=EXCLUSIVE`): the caller holds the
    /// EXCLUSIVE lock on the database file for the life of the `Wal`.
    pub fn open(vfs: Arc<dyn Vfs>, db_path: &str, read_only: bool, heap: bool) -> Result<Wal> {
        if !heap && !vfs.supports_shm() {
            return Err(Error::new(
                SQLITE_CANTOPEN,
                "WAL mode needs the unix VFS (shared memory)",
            ));
        }
        let wal_path = format!("{db_path}-wal");
        let flags = OpenFlags {
            create: !read_only,
            read_only,
            ..Default::default()
        };
        let wfd = vfs.open(&wal_path, FileKind::Wal, flags)?;
        let shm = if heap {
            Shm::open_heap()
        } else {
            Shm::open(&format!("{db_path}-shm"))?
        };
        Ok(Wal {
            vfs,
            wal_path,
            wfd,
            shm,
            hdr: IdxHdr::default(),
            read_lock: -1,
            write_lock: false,
            min_frame: 0,
            n_ckpt: 0,
            read_only,
            callback: 0,
            size_limit: -1,
            truncate_on_commit: false,
            frame_buf: Vec::new(),
        })
    }

    #[cfg(debug_assertions)]
    fn check_invariants(&self) {
        debug_assert!(!self.write_lock || self.read_lock >= 0);
        debug_assert!((-1..NREADER as i32).contains(&self.read_lock));
    }
    #[cfg(not(debug_assertions))]
    fn check_invariants(&self) {}

    /// Page size of the WAL content, if the snapshot has frames.
    pub fn page_size(&self) -> Option<usize> {
        (self.hdr.mx_frame > 0).then(|| self.hdr.page_size() as usize)
    }
    /// Database size in pages as of the snapshot (0: unknown, use the db file size).
    pub fn db_size(&self) -> u32 {
        self.hdr.n_page
    }
    /// Frames in the WAL as of the snapshot.
    pub fn mx_frame(&self) -> u32 {
        self.hdr.mx_frame
    }
    pub fn in_read(&self) -> bool {
        self.read_lock >= 0
    }
    /// Whether the wal-index is in heap memory (no `-shm` file).
    pub fn heap_memory(&self) -> bool {
        self.shm.is_heap()
    }

    fn read_mark(&self, i: usize) -> Result<u32> {
        self.shm.load_u32(0, OFF_READMARK + 4 * i)
    }
    fn set_read_mark(&self, i: usize, v: u32) -> Result<()> {
        self.shm.store_u32(0, OFF_READMARK + 4 * i, v)
    }

    /// SQLite's `walIndexTryHdr`: `Ok(None)` if the header copies differ or are invalid, else
    /// whether it differs from ours (and ours is updated).
    fn try_hdr(&mut self) -> Result<Option<bool>> {
        let mut h1 = [0u8; IDX_HDR];
        let mut h2 = [0u8; IDX_HDR];
        self.shm.read(0, 0, &mut h1)?;
        self.shm.read(0, IDX_HDR, &mut h2)?;
        if h1 != h2 {
            return Ok(None);
        }
        let h = IdxHdr::decode(&h1);
        if h.is_init == 0 {
            return Ok(None);
        }
        if wal_checksum(NATIVE_BE, &h1[..40], [0, 0]) != h.cksum {
            return Ok(None);
        }
        let changed = h != self.hdr;
        if changed {
            self.hdr = h;
        }
        Ok(Some(changed))
    }

    fn write_idx_hdr(&mut self) -> Result<()> {
        self.hdr.seal();
        let b = self.hdr.encode();
        self.shm.write(0, IDX_HDR, &b)?;
        self.shm.write(0, 0, &b)
    }

    /// SQLite's `walIndexReadHdr`: load a valid index header, running recovery if needed.
    fn read_idx_hdr(&mut self) -> Result<bool> {
        self.shm.map(0, true)?;
        let mut r = self.try_hdr()?;
        let mut changed = r.unwrap_or(false);
        if r.is_none() {
            let had = self.write_lock;
            if !had {
                self.shm.lock(LOCK_WRITE, 1, true)?;
                self.write_lock = true;
            }
            let res = (|| -> Result<()> {
                r = self.try_hdr()?;
                if r.is_none() {
                    self.recover()?;
                    changed = true;
                } else {
                    changed = r.unwrap_or(true);
                }
                Ok(())
            })();
            if !had {
                self.write_lock = false;
                self.shm.unlock(LOCK_WRITE, 1)?;
            }
            res?;
        }
        if self.hdr.version != WAL_VERSION {
            return Err(Error::code(SQLITE_CANTOPEN));
        }
        Ok(changed)
    }

    /// SQLite's `walIndexRecover` (caller holds WRITE): rebuild the wal-index from the WAL.
    fn recover(&mut self) -> Result<()> {
        self.shm.lock(LOCK_CKPT, 2, true)?;
        let r = self.recover_locked();
        let u = self.shm.unlock(LOCK_CKPT, 2);
        r.and(u)
    }

    fn recover_locked(&mut self) -> Result<()> {
        self.hdr = IdxHdr::default();
        let size = self.wfd.size()?;
        let mut commits: Vec<u32> = Vec::new();
        if size > WAL_HDR {
            let mut h = [0u8; 32];
            self.wfd.read_at(&mut h, 0)?;
            let magic = be32(&h, 0);
            let ps = be32(&h, 8);
            let ok_magic = magic & 0xffff_fffe == WAL_MAGIC;
            let ok_ps = (512..=65536).contains(&ps) && ps.is_power_of_two();
            let big = magic & 1 == 1;
            let ck = wal_checksum(big, &h[..24], [0, 0]);
            if ok_magic && ok_ps && be32(&h, 4) == WAL_VERSION && ck == [be32(&h, 24), be32(&h, 28)]
            {
                self.hdr.big_end = big as u8;
                self.hdr.sz_page = ((ps & 0xff00) | (ps >> 16)) as u16;
                self.n_ckpt = be32(&h, 12);
                self.hdr.salt.copy_from_slice(&h[16..24]);
                let mut run = ck;
                let mut frame = vec![0u8; ps as usize + FRAME_HDR as usize];
                let mut i: u32 = 1;
                let mut pgnos: Vec<u32> = Vec::new();
                loop {
                    let off = wal_frame_offset(i, ps);
                    if off + frame.len() as u64 > size {
                        break;
                    }
                    self.wfd.read_at(&mut frame, off)?;
                    let pgno = be32(&frame, 0);
                    let ntrunc = be32(&frame, 4);
                    if pgno == 0 || frame.get(8..16) != Some(&self.hdr.salt[..]) {
                        break;
                    }
                    let c = wal_checksum(big, frame.get(..8).unwrap_or(&[]), run);
                    let c = wal_checksum(big, frame.get(24..).unwrap_or(&[]), c);
                    if c != [be32(&frame, 16), be32(&frame, 20)] {
                        break;
                    }
                    run = c;
                    pgnos.push(pgno);
                    if ntrunc != 0 {
                        self.hdr.mx_frame = i;
                        self.hdr.n_page = ntrunc;
                        self.hdr.frame_cksum = c;
                        commits.push(i);
                    }
                    i += 1;
                }
                // Invariant 4: only frames up to the last commit are indexed.
                let mx = self.hdr.mx_frame as usize;
                for (k, &pgno) in pgnos.iter().take(mx).enumerate() {
                    self.index_append(k as u32 + 1, pgno)?;
                }
            }
        }
        if self.hdr.mx_frame == 0 {
            // Start a fresh index: the first append clears block 0's tables.
            self.shm
                .zero(0, IDX_HDR_TOTAL, SHM_REGION - IDX_HDR_TOTAL)?;
        }
        self.write_idx_hdr()?;
        self.shm.store_u32(0, OFF_BACKFILL, 0)?;
        self.shm
            .store_u32(0, OFF_BACKFILL_ATTEMPTED, self.hdr.mx_frame)?;
        self.set_read_mark(0, 0)?;
        for i in 1..NREADER {
            match self.shm.lock(lock_read(i), 1, true) {
                Ok(()) => {
                    let v = if i == 1 && self.hdr.mx_frame != 0 {
                        self.hdr.mx_frame
                    } else {
                        READMARK_NOT_USED
                    };
                    self.set_read_mark(i, v)?;
                    self.shm.unlock(lock_read(i), 1)?;
                }
                Err(e) if e.is_busy() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// SQLite's `walIndexAppend`: record that `frame` holds `pgno`.
    fn index_append(&mut self, frame: u32, pgno: u32) -> Result<()> {
        let h = frame_page(frame);
        self.shm.map(h, true)?;
        let idx = frame - izero(h);
        if idx == 1 {
            let start = pgno_off(h, 1);
            self.shm.zero(h, start, SHM_REGION - start)?;
        }
        if self.shm.load_u32(h, pgno_off(h, idx))? != 0 {
            self.cleanup_hash()?;
        }
        let hash = self.shm.u16_slots(h, hash_off(0), NSLOT as usize)?;
        let mut key = whash(pgno);
        let mut collide = idx;
        let slot = |k: u32| hash.get(k as usize);
        while slot(key).map_or(0, |a| a.load(Relaxed)) != 0 {
            if collide == 0 {
                return Err(crate::corrupt!(pgno));
            }
            collide -= 1;
            key = (key + 1) & (NSLOT - 1);
        }
        // As walIndexAppend: the page number first, then the hash entry that finds it.
        self.shm.store_u32(h, pgno_off(h, idx), pgno)?;
        match slot(key) {
            Some(a) => a.store(idx as u16, Relaxed),
            None => return Err(Error::code(SQLITE_INTERNAL)),
        }
        Ok(())
    }

    /// SQLite's `walCleanupHash`: forget index entries beyond `hdr.mx_frame` (invariant 3).
    fn cleanup_hash(&mut self) -> Result<()> {
        let mx = self.hdr.mx_frame;
        if mx == 0 {
            return Ok(());
        }
        let h = frame_page(mx);
        self.shm.map(h, true)?;
        let limit = mx - izero(h);
        for a in self.shm.u16_slots(h, hash_off(0), NSLOT as usize)? {
            if a.load(Relaxed) as u32 > limit {
                a.store(0, Relaxed);
            }
        }
        let start = pgno_off(h, limit + 1);
        let end = NPAGE as usize * 4;
        if start < end {
            self.shm.zero(h, start, end - start)?;
        }
        Ok(())
    }

    /// Start a read transaction; returns whether the database changed since our last one (the
    /// caller drops its page cache then).
    pub fn begin_read(&mut self) -> Result<bool> {
        self.check_invariants();
        if self.read_lock >= 0 {
            return Ok(false);
        }
        let mut changed = false;
        for cnt in 0..100u64 {
            if cnt > 5 {
                self.vfs
                    .sleep_micros(if cnt > 50 { 10_000 } else { cnt * 100 });
            }
            match self.try_begin_read(false) {
                Ok(Some(c)) => return Ok(changed || c),
                Ok(None) => changed = true,
                // Another connection is rebuilding the wal-index: the caller's busy handler
                // decides whether to wait (SQLite returns this at once too).
                Err(e) if e.code == SQLITE_BUSY_RECOVERY => return Err(e),
                Err(e) if e.is_busy() => {}
                Err(e) => return Err(e),
            }
        }
        Err(Error::code(SQLITE_BUSY_RECOVERY))
    }

    /// SQLite's `walTryBeginRead`: `Ok(None)` = retry.
    fn try_begin_read(&mut self, use_wal: bool) -> Result<Option<bool>> {
        let mut changed = false;
        if !use_wal {
            changed = match self.read_idx_hdr() {
                Ok(c) => c,
                Err(e) if e.is_busy() => {
                    // As walTryBeginRead: the header needs recovery and WRITE is taken. If
                    // RECOVER is held too, a recovery is running: SQLITE_BUSY_RECOVERY.
                    return match self.shm.lock(LOCK_RECOVER, 1, false) {
                        Ok(()) => {
                            self.shm.unlock(LOCK_RECOVER, 1)?;
                            Ok(None)
                        }
                        Err(e2) if e2.is_busy() => Err(Error::code(SQLITE_BUSY_RECOVERY)),
                        Err(e2) => Err(e2),
                    };
                }
                Err(e) => return Err(e),
            };
        }
        let backfill = self.shm.load_u32(0, OFF_BACKFILL)?;
        if !use_wal && backfill == self.hdr.mx_frame {
            match self.shm.lock(lock_read(0), 1, false) {
                Ok(()) => {
                    let mut cur = [0u8; IDX_HDR];
                    self.shm.read(0, 0, &mut cur)?;
                    if cur != self.hdr.encode() {
                        self.shm.unlock(lock_read(0), 1)?;
                        return Ok(None);
                    }
                    self.read_lock = 0;
                    return Ok(Some(changed));
                }
                Err(e) if e.is_busy() => {}
                Err(e) => return Err(e),
            }
        }
        let mx = self.hdr.mx_frame;
        let mut mx_mark = 0u32;
        let mut mx_i = 0usize;
        for i in 1..NREADER {
            let m = self.read_mark(i)?;
            if mx_mark <= m && m <= mx {
                mx_mark = m;
                mx_i = i;
            }
        }
        if mx_mark < mx || mx_i == 0 {
            for i in 1..NREADER {
                match self.shm.lock(lock_read(i), 1, true) {
                    Ok(()) => {
                        self.set_read_mark(i, mx)?;
                        mx_mark = mx;
                        mx_i = i;
                        self.shm.unlock(lock_read(i), 1)?;
                        break;
                    }
                    Err(e) if e.is_busy() => {}
                    Err(e) => return Err(e),
                }
            }
        }
        if mx_i == 0 {
            return Ok(None);
        }
        match self.shm.lock(lock_read(mx_i), 1, false) {
            Ok(()) => {}
            Err(e) if e.is_busy() => return Ok(None),
            Err(e) => return Err(e),
        }
        self.min_frame = self.shm.load_u32(0, OFF_BACKFILL)? + 1;
        let mut cur = [0u8; IDX_HDR];
        self.shm.read(0, 0, &mut cur)?;
        if self.read_mark(mx_i)? != mx_mark || cur != self.hdr.encode() {
            self.shm.unlock(lock_read(mx_i), 1)?;
            return Ok(None);
        }
        self.read_lock = mx_i as i32;
        Ok(Some(changed))
    }

    pub fn end_read(&mut self) {
        self.check_invariants();
        self.end_write();
        if self.read_lock >= 0 {
            let _ = self.shm.unlock(lock_read(self.read_lock as usize), 1);
            self.read_lock = -1;
        }
    }

    /// SQLite's `walFindFrame`: the newest frame of the snapshot holding `pgno`.
    pub fn find_frame(&mut self, pgno: u32) -> Result<Option<u32>> {
        let last = self.hdr.mx_frame;
        if self.read_lock <= 0 || last == 0 {
            return Ok(None);
        }
        let lo = frame_page(self.min_frame.max(1));
        for h in (lo..=frame_page(last)).rev() {
            self.shm.map(h, true)?;
            let iz = izero(h);
            let n_pgno = if h == 0 { NPAGE_ONE } else { NPAGE };
            let hash = self.shm.u16_slots(h, hash_off(0), NSLOT as usize)?;
            let pgnos = self.shm.u32_slots(h, pgno_off(h, 1), n_pgno as usize)?;
            let mut key = whash(pgno);
            let mut found = None;
            let mut collide = NSLOT;
            loop {
                let idx = hash.get(key as usize).map_or(0, |a| a.load(Relaxed)) as u32;
                if idx == 0 {
                    break;
                }
                let f = idx + iz;
                if f <= last
                    && f >= self.min_frame
                    && pgnos
                        .get(idx as usize - 1)
                        .is_some_and(|a| a.load(Relaxed) == pgno)
                {
                    found = Some(f);
                }
                if collide == 0 {
                    return Err(crate::corrupt!(pgno));
                }
                collide -= 1;
                key = (key + 1) & (NSLOT - 1);
            }
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Read the page of `frame` into `buf` (one page).
    pub fn read_frame(&mut self, frame: u32, buf: &mut [u8]) -> Result<()> {
        let ps = self.hdr.page_size();
        if buf.len() != ps as usize {
            return Err(crate::corrupt!(0));
        }
        let off = wal_frame_offset(frame, ps) + FRAME_HDR;
        self.wfd.read_at(buf, off)
    }

    /// Take the WRITE lock (invariant 2). `SQLITE_BUSY`: another writer;
    /// `SQLITE_BUSY_SNAPSHOT`: our snapshot is stale (the read transaction stays).
    pub fn begin_write(&mut self) -> Result<()> {
        self.check_invariants();
        if self.read_lock < 0 {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        if self.read_only {
            return Err(Error::readonly());
        }
        if self.write_lock {
            return Ok(());
        }
        self.shm.lock(LOCK_WRITE, 1, true)?;
        self.write_lock = true;
        let mut cur = [0u8; IDX_HDR];
        let r = self.shm.read(0, 0, &mut cur);
        if r.is_err() || cur != self.hdr.encode() {
            self.write_lock = false;
            self.shm.unlock(LOCK_WRITE, 1)?;
            r?;
            return Err(Error::code(SQLITE_BUSY_SNAPSHOT));
        }
        Ok(())
    }

    /// Release WRITE; our header goes back to the published one (a rollback's undo).
    pub fn end_write(&mut self) {
        if self.write_lock {
            let mut cur = [0u8; IDX_HDR];
            if self.shm.read(0, 0, &mut cur).is_ok() {
                self.hdr = IdxHdr::decode(&cur);
            }
            self.write_lock = false;
            let _ = self.shm.unlock(LOCK_WRITE, 1);
        }
    }

    /// SQLite's `walRestartLog`: a writer on a fully backfilled WAL starts it over.
    fn restart_log(&mut self) -> Result<()> {
        if self.read_lock != 0 {
            return Ok(());
        }
        if self.shm.load_u32(0, OFF_BACKFILL)? > 0 {
            let mut salt = [0u8; 4];
            self.vfs.randomness(&mut salt);
            match self.shm.lock(lock_read(1), NREADER - 1, true) {
                Ok(()) => {
                    let r = self.restart_hdr(salt);
                    self.shm.unlock(lock_read(1), NREADER - 1)?;
                    r?;
                }
                Err(e) if e.is_busy() => {}
                Err(e) => return Err(e),
            }
        }
        self.shm.unlock(lock_read(0), 1)?;
        self.read_lock = -1;
        for _ in 0..100 {
            if self.try_begin_read(true)?.is_some() {
                return Ok(());
            }
        }
        Err(Error::code(SQLITE_PROTOCOL))
    }

    /// SQLite's `walRestartHdr`.
    fn restart_hdr(&mut self, salt1: [u8; 4]) -> Result<()> {
        self.n_ckpt = self.n_ckpt.wrapping_add(1);
        self.hdr.mx_frame = 0;
        let s0 = be32(&self.hdr.salt, 0).wrapping_add(1);
        self.hdr.salt[..4].copy_from_slice(&s0.to_be_bytes());
        self.hdr.salt[4..].copy_from_slice(&salt1);
        self.write_idx_hdr()?;
        self.shm.store_u32(0, OFF_BACKFILL, 0)?;
        self.shm.store_u32(0, OFF_BACKFILL_ATTEMPTED, 0)?;
        self.set_read_mark(1, 0)?;
        for i in 2..NREADER {
            self.set_read_mark(i, READMARK_NOT_USED)?;
        }
        Ok(())
    }

    /// Append `pages` (sorted, each `page_size` bytes) as one commit; `db_size` is the database
    /// size in pages after it. `sync`: fsync the WAL (synchronous=FULL).
    pub fn write_commit(
        &mut self,
        pages: &[(u32, &[u8])],
        db_size: u32,
        page_size: usize,
        sync: bool,
    ) -> Result<()> {
        self.write_frames(pages, db_size, page_size, sync, true)
    }

    /// Append `pages` as frames. `commit`: the last one is the commit frame and the shm header
    /// is published (invariant 2); else (a spill of a large transaction, SQLite's
    /// `pagerStress` in WAL mode) they only extend our own `hdr` (readers and other writers do
    /// not see them; `find_frame` does, for us), and `end_write` without a commit forgets them.
    pub fn write_frames(
        &mut self,
        pages: &[(u32, &[u8])],
        db_size: u32,
        page_size: usize,
        sync: bool,
        commit: bool,
    ) -> Result<()> {
        self.check_invariants();
        if !self.write_lock || pages.is_empty() {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        self.restart_log()?;
        let ps = page_size as u32;
        if self.hdr.mx_frame == 0 {
            if self.n_ckpt == 0 {
                self.vfs.randomness(&mut self.hdr.salt);
            }
            let mut h = [0u8; 32];
            h[0..4].copy_from_slice(&(WAL_MAGIC | NATIVE_BE as u32).to_be_bytes());
            h[4..8].copy_from_slice(&WAL_VERSION.to_be_bytes());
            h[8..12].copy_from_slice(&ps.to_be_bytes());
            h[12..16].copy_from_slice(&self.n_ckpt.to_be_bytes());
            h[16..24].copy_from_slice(&self.hdr.salt);
            let ck = wal_checksum(NATIVE_BE, &h[..24], [0, 0]);
            h[24..28].copy_from_slice(&ck[0].to_be_bytes());
            h[28..32].copy_from_slice(&ck[1].to_be_bytes());
            self.hdr.big_end = NATIVE_BE as u8;
            self.hdr.sz_page = ((ps & 0xff00) | (ps >> 16)) as u16;
            self.hdr.frame_cksum = ck;
            self.wfd.write_at(&h, 0)?;
            if sync {
                self.wfd.sync(false)?;
            }
            self.truncate_on_commit = true;
        } else if self.hdr.page_size() != ps {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        let big = self.hdr.big_end != 0;
        let first = self.hdr.mx_frame + 1;
        let fsz = page_size + FRAME_HDR as usize;
        let mut buf = std::mem::take(&mut self.frame_buf);
        buf.clear();
        buf.reserve(fsz * pages.len());
        let mut run = self.hdr.frame_cksum;
        let n = pages.len();
        for (k, (pgno, data)) in pages.iter().enumerate() {
            if data.len() != page_size {
                return Err(Error::code(SQLITE_INTERNAL));
            }
            let nt = if commit && k + 1 == n { db_size } else { 0 };
            let mut h = [0u8; FRAME_HDR as usize];
            put(&mut h, 0, &pgno.to_be_bytes());
            put(&mut h, 4, &nt.to_be_bytes());
            put(&mut h, 8, &self.hdr.salt);
            run = wal_checksum(big, h.get(..8).unwrap_or(&[]), run);
            run = wal_checksum(big, data, run);
            put(&mut h, 16, &run[0].to_be_bytes());
            put(&mut h, 20, &run[1].to_be_bytes());
            buf.extend_from_slice(&h);
            buf.extend_from_slice(data);
        }
        let w = self.wfd.write_at(&buf, wal_frame_offset(first, ps));
        // Keep the buffer for the next commit unless a big transaction made it huge.
        if buf.capacity() <= 64 * fsz {
            self.frame_buf = buf;
        }
        w?;
        if sync && commit {
            self.wfd.sync(false)?;
        }
        for (k, (pgno, _)) in pages.iter().enumerate() {
            self.index_append(first + k as u32, *pgno)?;
        }
        self.hdr.mx_frame = first + n as u32 - 1;
        if !commit {
            self.hdr.frame_cksum = run;
            return Ok(());
        }
        self.hdr.n_page = db_size;
        self.hdr.frame_cksum = run;
        self.hdr.change = self.hdr.change.wrapping_add(1);
        self.write_idx_hdr()?;
        self.callback = self.hdr.mx_frame;
        if self.truncate_on_commit && self.size_limit >= 0 {
            // The old frames beyond the new content are dead: give back space down to the
            // limit (never below the live frames).
            self.truncate_on_commit = false;
            let live = wal_frame_offset(self.hdr.mx_frame + 1, ps);
            let keep = (self.size_limit as u64).max(live);
            if self.wfd.size()? > keep {
                self.wfd.truncate(keep)?;
            }
        }
        Ok(())
    }

    /// `PRAGMA journal_size_limit` (bytes; negative: no limit).
    pub fn set_size_limit(&mut self, limit: i64) {
        self.size_limit = limit.max(-1);
    }

    /// Frames in the WAL after our last commit, once (0: no commit since the last call).
    pub fn take_callback(&mut self) -> u32 {
        std::mem::take(&mut self.callback)
    }

    /// SQLite's `sqlite3WalCheckpoint` (no busy handler: a busy lock is reported, not waited
    /// for). Must be called outside a read transaction. Returns (frames in the WAL, frames
    /// backfilled).
    pub fn checkpoint(
        &mut self,
        mode: CheckpointMode,
        db: &mut dyn VfsFile,
        sync: bool,
    ) -> Result<(u32, u32)> {
        self.check_invariants();
        if self.read_lock >= 0 {
            return Err(Error::code(SQLITE_LOCKED));
        }
        if self.read_only {
            return Err(Error::readonly());
        }
        self.shm.map(0, true)?;
        self.shm.lock(LOCK_CKPT, 1, true)?;
        let mut took_write = false;
        let mut mode2 = mode;
        let mut rc_busy = false;
        if mode != CheckpointMode::Passive {
            match self.shm.lock(LOCK_WRITE, 1, true) {
                Ok(()) => {
                    took_write = true;
                    self.write_lock = true;
                }
                Err(e) if e.is_busy() => {
                    mode2 = CheckpointMode::Passive;
                    rc_busy = true;
                }
                Err(e) => {
                    let _ = self.shm.unlock(LOCK_CKPT, 1);
                    return Err(e);
                }
            }
        }
        let r = (|| -> Result<(u32, u32)> {
            let changed = self.read_idx_hdr()?;
            let r = self.backfill(mode2, db, sync, &mut rc_busy);
            if changed {
                // Our page cache is out of date: make the next reader see a change.
                self.hdr = IdxHdr::default();
            }
            r
        })();
        if took_write {
            self.write_lock = false;
            let _ = self.shm.unlock(LOCK_WRITE, 1);
        }
        let _ = self.shm.unlock(LOCK_CKPT, 1);
        let out = r?;
        if rc_busy {
            return Err(busy());
        }
        Ok(out)
    }

    fn backfill(
        &mut self,
        mode: CheckpointMode,
        db: &mut dyn VfsFile,
        sync: bool,
        rc_busy: &mut bool,
    ) -> Result<(u32, u32)> {
        let hdr = self.hdr;
        let ps = hdr.page_size();
        let mut n_backfill = self.shm.load_u32(0, OFF_BACKFILL)?;
        if n_backfill < hdr.mx_frame {
            let mut mx_safe = hdr.mx_frame;
            for i in 1..NREADER {
                let y = self.read_mark(i)?;
                if mx_safe > y {
                    match self.shm.lock(lock_read(i), 1, true) {
                        Ok(()) => {
                            let v = if i == 1 { mx_safe } else { READMARK_NOT_USED };
                            self.set_read_mark(i, v)?;
                            self.shm.unlock(lock_read(i), 1)?;
                        }
                        Err(e) if e.is_busy() => {
                            mx_safe = y;
                            if mode != CheckpointMode::Passive {
                                *rc_busy = true;
                            }
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            if n_backfill < mx_safe {
                match self.shm.lock(lock_read(0), 1, true) {
                    Ok(()) => {
                        let r = self.copy_frames(db, n_backfill, mx_safe, ps, sync);
                        self.shm.unlock(lock_read(0), 1)?;
                        r?;
                        n_backfill = mx_safe;
                    }
                    Err(e) if e.is_busy() => *rc_busy = mode != CheckpointMode::Passive,
                    Err(e) => return Err(e),
                }
            }
        }
        if mode >= CheckpointMode::Restart && !*rc_busy {
            if n_backfill < hdr.mx_frame {
                *rc_busy = true;
            } else if hdr.mx_frame > 0 || mode == CheckpointMode::Truncate {
                match self.shm.lock(lock_read(1), NREADER - 1, true) {
                    Ok(()) => {
                        let mut r = Ok(());
                        if mode == CheckpointMode::Truncate {
                            let mut salt = [0u8; 4];
                            self.vfs.randomness(&mut salt);
                            r = self.restart_hdr(salt).and_then(|_| self.wfd.truncate(0));
                            n_backfill = 0;
                        }
                        self.shm.unlock(lock_read(1), NREADER - 1)?;
                        r?;
                        if mode == CheckpointMode::Truncate {
                            return Ok((0, 0));
                        }
                    }
                    Err(e) if e.is_busy() => *rc_busy = true,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok((hdr.mx_frame, n_backfill))
    }

    /// Copy the newest version of each page in frames `from+1..=to` into the db file.
    fn copy_frames(
        &mut self,
        db: &mut dyn VfsFile,
        from: u32,
        to: u32,
        ps: u32,
        sync: bool,
    ) -> Result<()> {
        if sync {
            self.wfd.sync(false)?;
        }
        self.shm.store_u32(0, OFF_BACKFILL_ATTEMPTED, to)?;
        let mut latest: BTreeMap<u32, u32> = BTreeMap::new();
        for f in from + 1..=to {
            let h = frame_page(f);
            self.shm.map(h, true)?;
            let pgno = self.shm.load_u32(h, pgno_off(h, f - izero(h)))?;
            latest.insert(pgno, f);
        }
        let mut buf = vec![0u8; ps as usize];
        let n_page = self.hdr.n_page;
        for (&pgno, &f) in &latest {
            if pgno == 0 || pgno > n_page {
                continue;
            }
            self.wfd
                .read_at(&mut buf, wal_frame_offset(f, ps) + FRAME_HDR)?;
            db.write_at(&buf, (pgno as u64 - 1) * ps as u64)?;
        }
        let mut cur = [0u8; IDX_HDR];
        self.shm.read(0, 0, &mut cur)?;
        if IdxHdr::decode(&cur).mx_frame == to {
            db.truncate(n_page as u64 * ps as u64)?;
        }
        if sync {
            db.sync(false)?;
        }
        self.shm.store_u32(0, OFF_BACKFILL, to)?;
        Ok(())
    }

    /// SQLite's `sqlite3WalClose`: if we are the last connection anywhere (EXCLUSIVE on the db
    /// file), checkpoint and delete `-wal` and `-shm`. The db lock is left at EXCLUSIVE or as
    /// it was; the caller releases it.
    pub fn close(mut self, db: &mut dyn VfsFile, sync: bool) {
        self.end_read();
        let mut delete = false;
        if db.lock(crate::vfs::LockLevel::Exclusive).is_ok() {
            // As sqlite3WalClose: nobody else has the database open (every connection to a
            // WAL database holds SHARED on it), so wal-index locks left by a dead process
            // must not stop the checkpoint (it runs recovery if the index needs it).
            self.shm.set_locks_off();
            let r = self.checkpoint(CheckpointMode::Passive, db, sync);
            if r.is_ok() {
                delete = true;
            }
        }
        let Wal {
            vfs,
            wal_path,
            wfd,
            shm,
            ..
        } = self;
        shm.close(delete);
        drop(wfd);
        if delete {
            let _ = vfs.delete(&wal_path, false);
        }
    }

    /// Drop without checkpointing (a simulated crash: files stay as they are).
    pub fn abandon(self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_block_geometry_matches_walformat() {
        // Block 0 holds frames 1..=4062 (its array starts after the 136-byte header).
        assert_eq!(NPAGE_ONE, 4062);
        assert_eq!((frame_page(1), frame_page(4062)), (0, 0));
        assert_eq!((frame_page(4063), izero(1)), (1, 4062));
        assert_eq!(frame_page(4062 + 4096), 1);
        assert_eq!(frame_page(4062 + 4097), 2);
        assert_eq!(pgno_off(0, 1), 136);
        assert_eq!(pgno_off(1, 1), 0);
        assert_eq!(hash_off(0), 16384);
        assert_eq!(hash_off(NSLOT - 1) + 2, SHM_REGION);
        assert_eq!(whash(1), 383);
        assert_eq!(wal_frame_offset(1, 4096), 32);
        assert_eq!(wal_frame_offset(2, 4096), 32 + 4120);
    }

    #[test]
    fn checksum_byte_orders_and_index_header_round_trip() {
        let data: Vec<u8> = (0u8..16).collect();
        let le = wal_checksum(false, &data, [0, 0]);
        let be = wal_checksum(true, &data, [0, 0]);
        // s1 = x0 + s2, s2 = x1 + s1 per pair of words.
        let w = |i: usize, big: bool| {
            let b = [data[i], data[i + 1], data[i + 2], data[i + 3]];
            if big {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        for (big, got) in [(false, le), (true, be)] {
            let s1 = w(0, big);
            let s2 = w(4, big).wrapping_add(s1);
            let s1b = s1.wrapping_add(w(8, big)).wrapping_add(s2);
            let s2b = s2.wrapping_add(w(12, big)).wrapping_add(s1b);
            assert_eq!(got, [s1b, s2b]);
        }
        assert_ne!(le, be);
        let mut h = IdxHdr {
            mx_frame: 7,
            n_page: 3,
            sz_page: 1, // 65536
            salt: [1, 2, 3, 4, 5, 6, 7, 8],
            ..Default::default()
        };
        h.seal();
        assert_eq!(h.page_size(), 65536);
        let b = h.encode();
        assert_eq!(IdxHdr::decode(&b), h);
        assert_eq!(&b[32..40], &[1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(wal_checksum(NATIVE_BE, &b[..40], [0, 0]), h.cksum);
    }
}
