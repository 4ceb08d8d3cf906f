//! Pager: page cache, read/write transactions, SQLite's rollback journal.
//!
//! CONTRACT (owned by the pager agent; the b-tree uses only what is declared here).
//! - Pages are numbered from 1. `read(pgno)` returns `page_size` bytes. `write(pgno)` makes the
//!   page writable inside a write transaction (journaling its original content first) and may
//!   be called for `pgno == page_count() + 1` to extend the file.
//! - On `commit` the pager sets header fields it owns on page 1: file change counter (24..28),
//!   database size in pages (28..32), version-valid-for (92..96) and SQLITE_VERSION_NUMBER
//!   (96..100). The b-tree owns every other header byte.
//! - `begin_read`/`end_read` bracket a read transaction (SHARED lock); `begin_write` takes
//!   RESERVED (or EXCLUSIVE); `commit`/`rollback` end a write transaction and keep SHARED
//!   until `end_read`. `read` on a file pager outside a read transaction starts one.
//! - Constructors: [`Pager::open`] (a file through a VFS, e.g.
//!   `Pager::open(crate::vfs::unix::default_vfs(), path, flags)`; `":memory:"`/`""` give a
//!   memory pager), [`Pager::open_memory`] (no file; what `:memory:` uses; journal mode
//!   MEMORY or OFF), [`Pager::open_image_file`] (test helper: in-memory pager that dumps the
//!   whole image to a path on commit, no journal, no locks).
//! - Busy: `begin_read`, `begin_write` and `commit` may return `SQLITE_BUSY`; nothing changes
//!   then and the call may be retried (the db layer runs the busy handler). A `commit` that
//!   got BUSY still holds RESERVED (or PENDING) and its transaction stays open.
//! - Errors: after an I/O error or `SQLITE_FULL` once the db file may have been written
//!   (commit, or a cache spill), the pager is in the ERROR state: every call returns that
//!   error until `rollback` (which plays the journal back) or `end_read` (which leaves the
//!   journal hot for the next reader). Errors before that roll back in memory by themselves.
//! - Header checks at `begin_read`: not `SQLite format 3\0`, bad page size or payload
//!   fractions, or read version > 2 → `SQLITE_NOTADB`; write version > 2 → read-only; a WAL
//!   database (versions 2, or a `-wal` beside a non-empty db) opens in WAL mode (read-only
//!   pager: readable only while no `-wal` exists).
//! - Settings: `set_journal_mode` (returns the mode in effect), `synchronous` /
//!   `set_synchronous` (0..=3), `cache_size` / `set_cache_size` (pages if > 0, KiB if < 0,
//!   default -2000), `set_page_size` (only while the database is empty).
//! - Encryption: `set_codec` (file pager, before the first access) puts a
//!   `crate::crypto::PageCodecHook` at the file boundary (ENCRYPTION.md): plaintext in the
//!   cache, the codec's images in the db file and the journal; `begin_read` then checks the
//!   codec's reserved bytes (28) and verifies page 1 (a wrong key is `SQLITE_NOTADB`) before
//!   the usual header checks run on page 1's plaintext. `rekey` (READER/OPEN → READER, its
//!   own journaled transaction) re-encrypts, decrypts or encrypts every page in place.
//!   WAL frame payloads are on-disk images too (frame and WAL headers stay as SQLite defines
//!   them), so checkpoints copy them verbatim. A WAL database refuses `rekey` (the caller
//!   leaves WAL mode around it).
//!
//! # States (file pager)
//! ```text
//!            begin_read                 begin_write
//!   OPEN ───────────────▶ READER ─────────────────────▶ WRITER
//!    ▲  ◀─────────────── │  ▲ ◀──── commit / rollback ──┘ │
//!    │      end_read         └──── rollback (recovers) ─┐ │ I/O error after the db
//!    └──────────────── end_read (journal left hot) ──── ERROR ◀┘ file was touched
//! ```
//! - OPEN → READER [begin_read]: SHARED lock; a hot journal is rolled back first (EXCLUSIVE);
//!   the cache is dropped if bytes 24..40 of the file header changed since we last looked.
//! - READER → WRITER [begin_write]: RESERVED (EXCLUSIVE if asked). `db_orig_size` = size.
//! - WRITER → READER [commit]: journal synced, EXCLUSIVE, db written and synced, journal
//!   finalized per mode, lock back to SHARED. [rollback]: dirty pages dropped, journal
//!   finalized; nothing on disk was changed.
//! - WRITER → ERROR [commit]: an I/O error once the db file may have been written. Every
//!   call except `rollback`/`end_read` returns the saved error.
//! - ERROR → READER [rollback]: the journal is played back into the db, cache dropped.
//!   ERROR → OPEN [end_read]: all locks released, the journal stays hot on disk for the
//!   next reader (any process) to roll back.
//!
//! # Invariants (numbered as cited in the code)
//! 1. The db file is written only inside `commit` (no cache spill) and by journal playback,
//!    always while holding EXCLUSIVE; so a clean cached page equals the file's page.
//! 2. Before the first change to page `p <= db_orig_size` in a write transaction, its original
//!    image is in the journal (file, or `mem_journal` in MEMORY mode and for memory pagers);
//!    `in_journal` records which pages are.
//! 3. The db file is written only after the journal's header holds the magic and record
//!    count and (unless synchronous=OFF) the journal was synced.
//! 4. The journal is finalized (deleted / truncated / header zeroed) only after the db file
//!    was synced; a journal whose header starts with a non-zero byte is hot if nobody holds
//!    RESERVED.
//! 5. Dirty pages are never evicted; pages beyond `page_count` are never cached.
//! 6. With a codec, every page read from the db file or a WAL frame passes `page_from_disk`
//!    (page 1's header at `begin_read`: `decrypt_header`) and every page written to the db,
//!    journal or WAL file passes `page_to_disk`; journal playback and checkpoints copy images
//!    verbatim (they already are on-disk images).
//!
//! # WAL mode (`wal.rs`; SQLite's formats, shared with real SQLite processes)
//! - Entered by `set_journal_mode(Wal)` (header bytes 18/19 set to 2 through a rollback
//!   transaction, then the WAL opened; on an empty database the first commit writes page 1 to
//!   the db file and then opens the WAL, as SQLite) or by opening a database whose header says
//!   WAL. Left by `set_journal_mode(other)`: only as the last connection (EXCLUSIVE, else
//!   `SQLITE_BUSY`), after a checkpoint; `-wal`/`-shm` deleted, header back to 1/1.
//! - While the WAL is open the db file keeps SHARED for the pager's life. OPEN → READER takes
//!   a WAL read mark (snapshot); the cache is dropped when the wal-index header changed. Pages
//!   come from the newest WAL frame of the snapshot, else the db file.
//! - READER → WRITER takes the WAL WRITE lock (`SQLITE_BUSY`, or `SQLITE_BUSY_SNAPSHOT` when
//!   the snapshot is stale: end the read transaction and retry). No journal, no cache spill:
//!   dirty pages stay cached until commit, which appends them as frames (the last one a
//!   commit frame) and publishes the new wal-index header; fsync of the WAL per commit only
//!   with synchronous FULL/EXTRA. Rollback just drops the dirty pages. Invariant 1 becomes:
//!   the db file is written only by checkpoints.
//! - After a commit that leaves >= `wal_autocheckpoint` frames (default 1000) a PASSIVE
//!   checkpoint runs. `checkpoint(mode)` (outside transactions) returns (frames in WAL,
//!   frames backfilled). On drop, the last connection checkpoints and deletes `-wal`/`-shm`.
//!
//! # Locking mode (`PRAGMA locking_mode`, SQLite's `exclusiveMode`)
//! - NORMAL: locks as above. EXCLUSIVE, rollback modes: `end_read` keeps the db lock (SHARED
//!   after a read, EXCLUSIVE after a write: `commit`/`rollback` do not lower it), so other
//!   processes get "database is locked"; the pager still goes back to OPEN, and the next
//!   `begin_read` re-checks the header (nobody else can have changed the file). A DELETE-mode
//!   journal is kept with a zeroed header (as PERSIST), as SQLite does in exclusive mode.
//!   Back to NORMAL: the next `end_read` (or the end of the next write) releases the lock.
//! - EXCLUSIVE before the WAL is opened: the db file is locked EXCLUSIVE for the pager's life
//!   and the wal-index lives in heap memory (no `-shm` file; SQLite's WAL_HEAPMEMORY_MODE);
//!   such a pager stays EXCLUSIVE. EXCLUSIVE with a `-shm` WAL already open: the next write
//!   transaction takes EXCLUSIVE on the db file and keeps it until a write transaction ends
//!   in NORMAL mode (SQLite's `pager_end_transaction`).
//!
//! journal_mode OFF: no journal, so a failure in the middle of writing the db file during
//! commit can leave a corrupt file (as with SQLite). `ROLLBACK` before commit still works,
//! because nothing is written before commit.

#![deny(unsafe_code, clippy::unwrap_used, clippy::indexing_slicing)]

use crate::crypto::PageCodecHook;
use crate::error::{codes::*, Error, Result};
use crate::vfs::{FileKind, LockLevel, OpenFlags, Vfs, VfsFile, PENDING_BYTE};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

pub type Pgno = u32;

pub mod wal;
pub use wal::CheckpointMode;

/// Page numbers hash with one multiplication (Fibonacci hashing): a cache hit costs a few
/// instructions instead of SipHash.
#[derive(Default)]
struct PgnoHasher(u64);

impl Hasher for PgnoHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type PgMap<V> = HashMap<Pgno, V, BuildHasherDefault<PgnoHasher>>;
type PgSet = HashSet<Pgno, BuildHasherDefault<PgnoHasher>>;

/// `PRAGMA journal_mode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JournalMode {
    Delete,
    Truncate,
    Persist,
    Memory,
    Off,
    Wal,
}

/// Journal magic (`fileformat2.html` §4.1).
pub const JOURNAL_MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
const MAX_SECTOR_SIZE: u32 = 0x10000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    Reader,
    Writer,
    Error,
}

struct Page {
    data: Box<[u8]>,
    dirty: bool,
    /// `Pager::tick` at the last `read`/`write` of the page: eviction and spills take the
    /// least recently used pages (as SQLite's LRU), so hot interior and index pages stay
    /// while pages touched once (e.g. leaves filled by an append) leave first.
    last_used: u64,
}

struct Savepoint {
    page_count: Pgno,
    /// Page images as they were when the savepoint opened, for pages changed since.
    orig: PgMap<Box<[u8]>>,
}

pub struct Pager {
    vfs: Option<Arc<dyn Vfs>>,
    /// `None`: a memory pager (no file; every page lives in the cache).
    fd: Option<Box<dyn VfsFile>>,
    journal_path: String,
    read_only: bool,
    /// Header byte 18 > 2: newer write format, read-only (SQLite's BTS_READ_ONLY).
    header_read_only: bool,
    /// Header bytes 18/19 == 2: a WAL database (read-only until WAL lands).
    wal_header: bool,
    page_size: usize,
    reserved: usize,
    journal_mode: JournalMode,
    synchronous: u8,
    cache_size: i64,
    image_path: Option<String>,

    state: State,
    err: Option<Error>,
    cache: PgMap<Page>,
    /// Access clock for `Page::last_used`.
    tick: u64,
    /// A scan for clean pages found none at this cache size: the next scan waits until the
    /// cache grew past it (a cache full of dirty pages that cannot spill, e.g. journal_mode
    /// OFF, must not cost a scan per miss). 0: no wait.
    evict_skip_until: usize,
    /// Scratch for the LRU selections (kept to avoid an allocation per eviction).
    lru_scratch: Vec<(u64, Pgno)>,
    /// Buffers of evicted pages, reused by the next misses.
    free_bufs: Vec<Box<[u8]>>,
    page_count: Pgno,
    /// Pages in the db file as of the start of the current read transaction.
    db_file_size: Pgno,
    /// Bytes 24..40 of the file header as last read (None: never read).
    file_vers: Option<[u8; 16]>,

    // Write transaction.
    db_orig_size: Pgno,
    jfd: Option<Box<dyn VfsFile>>,
    j_nrec: u32,
    j_nonce: u32,
    j_off: u64,
    /// Offset of the journal header that the current records belong to.
    j_hdr_off: u64,
    j_sector: u64,
    /// The current header holds the magic and record count and was synced; no record since.
    j_synced: bool,
    in_journal: PgSet,
    mem_journal: PgMap<Box<[u8]>>,
    db_modified: bool,
    savepoints: Vec<Savepoint>,
    /// Page encryption (`src/crypto`, ENCRYPTION.md); `None` for a plain database. The cache,
    /// `mem_journal` and savepoint images always hold plaintext; the db file and the journal
    /// file hold the codec's on-disk images. Decoding happens only in `page_from_disk`, and
    /// encoding only in `page_to_disk`, so every file read or write of a page passes one of them.
    codec: Option<Box<dyn PageCodecHook>>,
    /// The last page 1 that `decrypt_header` verified: its on-disk bytes 0..100 and reserved
    /// tail (nonce || tag) and its plaintext header. Every write of page 1 draws a fresh
    /// random nonce, so equal bytes mean the same page: the header is reused instead of
    /// decrypting page 1 at every read transaction. Only verified plaintext is ever used.
    /// Cleared whenever the codec changes.
    p1_seen: Option<Box<P1Seen>>,

    /// WAL mode: the open WAL (see `wal.rs`). While it is open the db file keeps SHARED for
    /// the pager's life (as SQLite), read transactions hold a WAL read mark, and commits
    /// append frames instead of writing the db file.
    wal: Option<wal::Wal>,
    /// `PRAGMA wal_autocheckpoint` (0: off).
    wal_autocheckpoint: u32,
    /// `PRAGMA journal_size_limit` (bytes, -1: none); applied to the WAL (`Wal::set_size_limit`).
    journal_size_limit: i64,
    /// WAL mode: this write transaction spilled frames (`spill_wal`) not yet committed.
    wal_spilled: bool,
    /// Leaving WAL mode: a header still saying WAL does not reopen the WAL (SQLite's
    /// BTS_NO_WAL) while the header is rewritten to versions 1/1.
    no_wal: bool,
    /// `PRAGMA locking_mode=EXCLUSIVE` (see "Locking mode" above).
    exclusive_mode: bool,
}

fn get4(b: &[u8], off: usize) -> u32 {
    match b
        .get(off..off + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
    {
        Some(a) => u32::from_be_bytes(a),
        None => 0,
    }
}

fn put4(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = b.get_mut(off..off + 4) {
        s.copy_from_slice(&v.to_be_bytes());
    }
}

/// SQLite's `pager_cksum`: a weak checksum sampling every 200th byte from the end.
pub fn journal_checksum(nonce: u32, data: &[u8]) -> u32 {
    let mut ck = nonce;
    let mut i = data.len() as i64 - 200;
    while i > 0 {
        ck = ck.wrapping_add(data.get(i as usize).copied().unwrap_or(0) as u32);
        i -= 200;
    }
    ck
}

/// SQLite's `readSuperJournal`: the optional trailer `name, len(4), cksum(4), magic(8)` at
/// the end of a journal; the checksum is the byte sum of the name. `None` if absent/invalid.
fn read_super_journal_name(j: &mut dyn VfsFile) -> Result<Option<String>> {
    let size = j.size()?;
    if size < 16 {
        return Ok(None);
    }
    let mut t = [0u8; 16];
    j.read_at(&mut t, size - 16)?;
    if t.get(8..16) != Some(&JOURNAL_MAGIC[..]) {
        return Ok(None);
    }
    let len = get4(&t, 0) as u64;
    let cksum = get4(&t, 4);
    if len == 0 || len > size - 16 || len >= 4096 {
        return Ok(None);
    }
    let mut name = vec![0u8; len as usize];
    j.read_at(&mut name, size - 16 - len)?;
    let sum = name.iter().fold(0u32, |a, &b| a.wrapping_add(b as u32));
    if sum != cksum {
        return Ok(None);
    }
    // The name may be NUL-padded; SQLite stops at the first NUL.
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    if end == 0 {
        return Ok(None);
    }
    Ok(Some(
        String::from_utf8_lossy(name.get(..end).unwrap_or(&[])).into_owned(),
    ))
}

/// Read that tolerates a short read (the tail is zero-filled by the VFS).
/// See `Pager::p1_seen`.
struct P1Seen {
    disk_head: [u8; 100],
    disk_tail: Vec<u8>,
    plain_head: [u8; 100],
}

fn read_allow_short(f: &mut dyn VfsFile, buf: &mut [u8], off: u64) -> Result<()> {
    match f.read_at(buf, off) {
        Err(e) if e.code == SQLITE_IOERR_SHORT_READ => Ok(()),
        r => r,
    }
}

impl Pager {
    fn blank(page_size: usize) -> Pager {
        Pager {
            vfs: None,
            fd: None,
            journal_path: String::new(),
            read_only: false,
            header_read_only: false,
            wal_header: false,
            page_size,
            reserved: 0,
            journal_mode: JournalMode::Memory,
            synchronous: 2,
            cache_size: -2000,
            image_path: None,
            state: State::Open,
            err: None,
            cache: PgMap::default(),
            tick: 0,
            evict_skip_until: 0,
            lru_scratch: Vec::new(),
            free_bufs: Vec::new(),
            page_count: 0,
            db_file_size: 0,
            file_vers: None,
            db_orig_size: 0,
            jfd: None,
            j_nrec: 0,
            j_nonce: 0,
            j_off: 0,
            j_hdr_off: 0,
            j_sector: 4096,
            j_synced: false,
            in_journal: PgSet::default(),
            mem_journal: PgMap::default(),
            db_modified: false,
            savepoints: Vec::new(),
            codec: None,
            p1_seen: None,
            wal: None,
            wal_autocheckpoint: 1000,
            journal_size_limit: -1,
            wal_spilled: false,
            no_wal: false,
            exclusive_mode: false,
        }
    }

    /// An empty in-memory database with the given page size.
    pub fn open_memory(page_size: usize) -> Pager {
        Pager::blank(page_size)
    }

    /// Test helper: an in-memory pager that writes the whole image to `path` on commit.
    pub fn open_image_file(path: &str, page_size: usize) -> Pager {
        let mut p = Pager::open_memory(page_size);
        p.image_path = Some(path.to_string());
        p
    }

    /// Open (creating if `flags.create`) the database file `path` through `vfs`. No lock is
    /// taken until `begin_read`. `":memory:"` and `""` give a memory pager.
    pub fn open(vfs: Arc<dyn Vfs>, path: &str, flags: OpenFlags) -> Result<Pager> {
        if path.is_empty() || path == ":memory:" {
            return Ok(Pager::open_memory(4096));
        }
        let full = vfs.full_pathname(path)?;
        let fd = vfs.open(&full, FileKind::MainDb, flags)?;
        let mut p = Pager::blank(4096);
        p.read_only = flags.read_only || fd.is_read_only();
        p.journal_path = format!("{full}-journal");
        p.journal_mode = JournalMode::Delete;
        p.fd = Some(fd);
        p.vfs = Some(vfs);
        Ok(p)
    }

    /// Encrypt this database with `codec` (what `PRAGMA key` / `sqlite3_key` install). Only on
    /// a file pager before its first access; every page then reserves `codec.reserved()`
    /// bytes (a new database is created with that header byte 20), and the key is checked
    /// against the file when page 1 is first read (wrong key: `SQLITE_NOTADB`).
    pub fn set_codec(&mut self, codec: Box<dyn PageCodecHook>) -> Result<()> {
        if self.fd.is_none() || self.state != State::Open || self.file_vers.is_some() {
            return Err(Error::misuse());
        }
        self.drop_cache();
        self.reserved = codec.reserved();
        self.codec = Some(codec);
        self.p1_seen = None;
        Ok(())
    }

    /// Whether a page codec (encryption) is installed.
    pub fn has_codec(&self) -> bool {
        self.codec.is_some()
    }

    /// The installed page codec, if any (`VACUUM INTO` copies its key to the new file).
    pub fn codec(&self) -> Option<&dyn PageCodecHook> {
        self.codec.as_deref()
    }

    /// `PRAGMA rekey`: rewrite every page under `new` (`None`: decrypt to a plain SQLite file,
    /// which keeps the 28 reserved bytes) in one write transaction of its own, committed
    /// before returning (the pager is left in READER, as after `commit`). Every page is
    /// journaled under the old codec and written under the new one, so a crash or error at any
    /// point leaves a file readable with the old key (journal playback) or, once the commit is
    /// done, the new one: never neither. The whole database is held in the cache while pages
    /// are journaled. A plain database can be encrypted only if its pages already reserve
    /// `new.reserved()` bytes (SQLITE_ERROR otherwise; the b-tree would have to be rebuilt).
    pub fn rekey(&mut self, mut new: Option<Box<dyn PageCodecHook>>) -> Result<()> {
        self.check_invariants();
        self.usable()?;
        if self.fd.is_none() || self.state == State::Writer {
            return Err(Error::misuse());
        }
        self.begin_write(true)?;
        if self.wal.is_some() {
            // The db file's page 1 (whose salt a reader uses to derive the key) would keep
            // the old salt until a checkpoint: leave WAL mode first (`db/key.rs` does).
            let _ = self.rollback();
            return Err(Error::new(
                SQLITE_ERROR,
                "cannot change the key of a WAL database",
            ));
        }
        if let Some(c) = new.as_ref() {
            if self.page_count > 0 && c.reserved() != self.reserved {
                let _ = self.rollback();
                return Err(Error::new(
                    SQLITE_ERROR,
                    "cannot encrypt a database whose pages have no room for nonce and tag",
                ));
            }
        }
        // Journal every page under the old codec and mark it dirty. No spill meanwhile: a page
        // spilled now would reach the file under the old key and never be rewritten.
        let keep = self.cache_size;
        self.cache_size = i64::from(self.page_count) + 16;
        let lock_page = self.locking_page();
        let r = (1..=self.page_count)
            .filter(|&p| p != lock_page)
            .try_for_each(|p| self.write(p).map(|_| ()));
        self.cache_size = keep;
        let r = r.and_then(|()| match new.as_mut() {
            Some(c) => c.attach(None), // a fresh salt for the new key
            None => Ok(()),
        });
        if let Err(e) = r {
            let _ = self.rollback();
            return Err(e);
        }
        let old_reserved = self.reserved;
        if let Some(c) = new.as_ref() {
            self.reserved = c.reserved();
        }
        let old = std::mem::replace(&mut self.codec, new);
        self.p1_seen = None;
        if let Err(e) = self.commit() {
            // The file holds old-key pages, possibly some new-key ones that the journal
            // (old-key images) undoes: only the old codec can read it from here on.
            self.codec = old;
            self.reserved = old_reserved;
            if matches!(self.state, State::Writer | State::Error) {
                let _ = self.rollback();
            }
            return Err(e);
        }
        Ok(())
    }

    /// True when pages are encrypted on disk.
    pub fn is_encrypted(&self) -> bool {
        self.codec.is_some()
    }

    /// Encryption boundary, in: a page image as read from the db file becomes plaintext.
    /// On error `data` is left zeroed (never unauthenticated bytes).
    fn page_from_disk(&mut self, pgno: Pgno, data: &mut Box<[u8]>) -> Result<()> {
        let Some(c) = self.codec.as_ref() else {
            return Ok(());
        };
        let mut plain = match self.free_bufs.pop() {
            Some(b) if b.len() == data.len() => b,
            _ => vec![0u8; data.len()].into_boxed_slice(),
        };
        let r = c.decode(pgno, self.page_size, data, &mut plain);
        let disk = std::mem::replace(data, plain);
        self.recycle(disk);
        r
    }

    /// Encryption boundary, out: the image of a plaintext page for the db or journal file.
    fn page_to_disk<'a>(
        codec: &Option<Box<dyn PageCodecHook>>,
        pgno: Pgno,
        data: &'a [u8],
    ) -> Result<Cow<'a, [u8]>> {
        match codec {
            Some(c) => Ok(Cow::Owned(c.encode(pgno, data.len(), data)?)),
            None => Ok(Cow::Borrowed(data)),
        }
    }

    /// Cheap state checks, run at the top of every public entry point (debug builds).
    #[cfg(debug_assertions)]
    fn check_invariants(&self) {
        debug_assert!(self.in_write_txn() || self.savepoints.is_empty());
        debug_assert!(self.in_write_txn() || self.jfd.is_none());
        debug_assert!(self.state != State::Error || self.err.is_some());
        debug_assert!(
            self.state == State::Open || self.fd.is_none() || {
                self.fd.as_ref().map(|f| f.lock_level()) >= Some(LockLevel::Shared)
            }
        );
    }
    #[cfg(not(debug_assertions))]
    fn check_invariants(&self) {}

    /// O(cache) checks, run at transaction boundaries only (debug builds).
    #[cfg(debug_assertions)]
    fn check_cache_invariants(&self) {
        // Invariant 5: nothing beyond page_count is cached.
        debug_assert!(self.cache.keys().all(|&k| k >= 1 && k <= self.page_count));
        debug_assert!(self.in_write_txn() || self.cache.values().all(|p| !p.dirty));
    }
    #[cfg(not(debug_assertions))]
    fn check_cache_invariants(&self) {}

    fn usable(&self) -> Result<()> {
        match (&self.state, &self.err) {
            (State::Error, Some(e)) => Err(e.clone()),
            (State::Error, None) => Err(Error::code(SQLITE_IOERR)),
            _ => Ok(()),
        }
    }

    pub fn page_size(&self) -> usize {
        self.page_size
    }
    /// Only allowed while the database is empty (page_count 0) and no write has started.
    pub fn set_page_size(&mut self, n: usize) -> Result<()> {
        self.check_invariants();
        if self.page_count != 0 || !(512..=65536).contains(&n) || !n.is_power_of_two() {
            return Err(Error::code(SQLITE_ERROR));
        }
        if self.state == State::Writer && !self.in_journal.is_empty() {
            return Err(Error::code(SQLITE_ERROR));
        }
        if n != self.page_size {
            self.drop_cache();
            self.page_size = n;
        }
        Ok(())
    }
    /// Page size minus the reserved bytes at the end of each page (header byte 20).
    pub fn usable_size(&self) -> usize {
        self.page_size - self.reserved.min(self.page_size)
    }
    pub fn set_reserved(&mut self, n: usize) {
        self.reserved = n;
    }
    pub fn page_count(&self) -> Pgno {
        self.page_count
    }
    pub fn in_write_txn(&self) -> bool {
        matches!(self.state, State::Writer | State::Error)
    }
    pub fn in_read_txn(&self) -> bool {
        self.state != State::Open
    }

    /// `PRAGMA synchronous`: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA (treated as FULL).
    pub fn synchronous(&self) -> u8 {
        self.synchronous
    }
    pub fn set_synchronous(&mut self, level: u8) {
        self.synchronous = level.min(3);
    }
    /// `PRAGMA cache_size`: pages if positive, KiB if negative.
    pub fn cache_size(&self) -> i64 {
        self.cache_size
    }
    pub fn set_cache_size(&mut self, n: i64) {
        self.cache_size = n;
        self.evict(true);
    }
    /// Number of pages currently cached (tests, `PRAGMA cache_spill` heuristics).
    pub fn cached_pages(&self) -> usize {
        self.cache.len()
    }
    fn max_cached(&self) -> usize {
        let n = if self.cache_size >= 0 {
            self.cache_size as usize
        } else {
            (self.cache_size.unsigned_abs() as usize).saturating_mul(1024) / (self.page_size + 64)
        };
        n.max(10)
    }
    fn locking_page(&self) -> Pgno {
        (PENDING_BYTE / self.page_size as u64) as Pgno + 1
    }

    // ----- cache ---------------------------------------------------------------------------

    fn drop_cache(&mut self) {
        self.cache.clear();
        self.evict_skip_until = 0;
    }

    /// Evict the least recently used clean pages (invariant 5: dirty pages stay) once the
    /// cache is full, down to 7/8 of the budget: one scan of the cache pays for many
    /// misses. `full` (a cache_size change): evict even below the batch threshold.
    fn evict(&mut self, full: bool) {
        if self.fd.is_none() {
            return;
        }
        let max = self.max_cached();
        if self.cache.len() < max || (!full && self.cache.len() < self.evict_skip_until) {
            return;
        }
        let target = max - max / 8;
        let excess = self.cache.len() + 1 - target.min(self.cache.len() + 1);
        let mut sel = std::mem::take(&mut self.lru_scratch);
        sel.clear();
        sel.extend(
            self.cache
                .iter()
                .filter(|(_, p)| !p.dirty)
                .map(|(&k, p)| (p.last_used, k)),
        );
        if sel.is_empty() {
            self.evict_skip_until = self.cache.len() + max / 8 + 1;
        } else {
            self.evict_skip_until = 0;
            let n = excess.min(sel.len());
            if n > 0 && n < sel.len() {
                sel.select_nth_unstable(n - 1);
            }
            for &(_, pg) in sel.iter().take(n) {
                if let Some(p) = self.cache.remove(&pg) {
                    self.recycle(p.data);
                }
            }
        }
        self.lru_scratch = sel;
    }

    /// The `n` least recently used cached pages, in page-number order (what a spill takes).
    fn lru_pages(&mut self, n: usize) -> Vec<Pgno> {
        let mut sel = std::mem::take(&mut self.lru_scratch);
        sel.clear();
        sel.extend(self.cache.iter().map(|(&k, p)| (p.last_used, k)));
        let n = n.min(sel.len());
        if n > 0 && n < sel.len() {
            sel.select_nth_unstable(n - 1);
        }
        let mut out: Vec<Pgno> = sel.iter().take(n).map(|&(_, pg)| pg).collect();
        out.sort_unstable();
        self.lru_scratch = sel;
        out
    }

    /// Keep an evicted page's buffer for the next miss (a miss then allocates nothing).
    fn recycle(&mut self, data: Box<[u8]>) {
        if self.free_bufs.len() < 16 && data.len() == self.page_size {
            self.free_bufs.push(data);
        }
    }

    /// Before inserting a page: evict clean pages, then spill dirty ones if still full.
    fn make_room(&mut self) -> Result<()> {
        if self.fd.is_some() && self.cache.len() >= self.max_cached() {
            self.evict(false);
            if self.cache.len() >= self.max_cached() {
                self.spill()?;
            }
        }
        Ok(())
    }

    /// Bring `pgno` (<= page_count) into the cache.
    fn load(&mut self, pgno: Pgno) -> Result<()> {
        if self.cache.contains_key(&pgno) {
            return Ok(());
        }
        self.make_room()?;
        let mut data = match self.free_bufs.pop() {
            Some(b) if b.len() == self.page_size => b,
            _ => vec![0u8; self.page_size].into_boxed_slice(),
        };
        let frame = match self.wal.as_mut() {
            Some(w) => match w.find_frame(pgno) {
                Ok(f) => f,
                Err(e) => {
                    self.recycle(data);
                    return Err(e);
                }
            },
            None => None,
        };
        match (self.fd.as_mut(), frame, self.wal.as_mut()) {
            (_, Some(f), Some(w)) => {
                if let Err(e) = w.read_frame(f, &mut data) {
                    self.recycle(data);
                    return Err(e);
                }
                // WAL frame payloads are on-disk images too (encrypted for an encrypted db).
                if let Err(e) = self.page_from_disk(pgno, &mut data) {
                    self.recycle(data);
                    return Err(e);
                }
            }
            (Some(fd), _, _) if pgno <= self.db_file_size => {
                let off = (pgno as u64 - 1) * self.page_size as u64;
                if let Err(e) = read_allow_short(fd.as_mut(), &mut data, off) {
                    self.recycle(data);
                    return Err(e);
                }
                if let Err(e) = self.page_from_disk(pgno, &mut data) {
                    self.recycle(data);
                    return Err(e);
                }
            }
            _ => data.fill(0),
        }
        self.cache.insert(
            pgno,
            Page {
                data,
                dirty: false,
                last_used: 0,
            },
        );
        Ok(())
    }

    /// Encrypted db in rollback mode: the on-disk image of a page not yet journaled in this
    /// write transaction, read back from the db file (cheaper than encrypting its plaintext
    /// again). Such a page is unchanged in the file (only journaled pages are written before
    /// commit, and pages beyond `db_orig_size` are not journaled). `None`: encode instead.
    fn original_disk_image(&mut self, pgno: Pgno) -> Result<Option<Vec<u8>>> {
        if self.codec.is_none() || self.wal.is_some() || pgno > self.db_file_size {
            return Ok(None);
        }
        let Some(fd) = self.fd.as_mut() else {
            return Ok(None);
        };
        let mut disk = vec![0u8; self.page_size];
        let off = (pgno as u64 - 1) * self.page_size as u64;
        read_allow_short(fd.as_mut(), &mut disk, off)?;
        Ok(Some(disk))
    }

    /// The page's content as of the start of the write transaction (invariant 1).
    fn original_image(&mut self, pgno: Pgno) -> Result<Box<[u8]>> {
        if let Some(p) = self.cache.get(&pgno) {
            if !p.dirty || self.fd.is_none() {
                return Ok(p.data.clone());
            }
        }
        let mut data = vec![0u8; self.page_size].into_boxed_slice();
        if pgno <= self.db_file_size {
            if let Some(fd) = self.fd.as_mut() {
                let off = (pgno as u64 - 1) * self.page_size as u64;
                read_allow_short(fd.as_mut(), &mut data, off)?;
                self.page_from_disk(pgno, &mut data)?;
            }
        }
        Ok(data)
    }

    // ----- read transactions ---------------------------------------------------------------

    pub fn begin_read(&mut self) -> Result<()> {
        self.check_invariants();
        self.check_cache_invariants();
        self.usable()?;
        if self.state != State::Open {
            return Ok(());
        }
        if self.fd.is_none() {
            self.state = State::Reader;
            return Ok(());
        }
        if self.wal.is_some() {
            return self.begin_read_wal();
        }
        self.fd_mut()?.lock(LockLevel::Shared)?;
        match self.begin_read_locked() {
            Ok(()) if self.wal.is_some() => self.begin_read_wal(),
            Ok(()) => {
                self.state = State::Reader;
                Ok(())
            }
            Err(e) => {
                self.jfd = None;
                if let Some(fd) = self.fd.as_mut() {
                    let _ = fd.unlock(LockLevel::None);
                }
                Err(e)
            }
        }
    }

    fn sync_db(&mut self) -> Result<()> {
        let full = self.synchronous >= 2;
        self.fd_mut()?.sync(full)
    }

    fn fd_mut(&mut self) -> Result<&mut Box<dyn VfsFile>> {
        self.fd.as_mut().ok_or_else(|| Error::code(SQLITE_INTERNAL))
    }
    fn vfs(&self) -> Result<Arc<dyn Vfs>> {
        self.vfs.clone().ok_or_else(|| Error::code(SQLITE_INTERNAL))
    }

    fn begin_read_locked(&mut self) -> Result<()> {
        if self.has_hot_journal()? {
            if self.read_only {
                return Err(Error::code(SQLITE_READONLY_ROLLBACK));
            }
            self.fd_mut()?.lock(LockLevel::Exclusive)?;
            let vfs = self.vfs()?;
            if vfs.exists(&self.journal_path)? {
                let flags = OpenFlags::default();
                let mut j = vfs.open(&self.journal_path, FileKind::MainJournal, flags)?;
                if self.synchronous > 0 {
                    j.sync(false)?;
                }
                self.playback(j.as_mut())?;
                if self.synchronous > 0 {
                    self.sync_db()?;
                }
                self.jfd = Some(j);
                self.finalize_journal()?;
            }
            self.drop_cache();
            self.fd_mut()?.unlock(LockLevel::Shared)?;
        }
        self.read_header()?;
        // SQLite's pagerOpenWalIfPresent: a -wal beside a non-empty db means WAL mode.
        if self.wal.is_none() && self.db_file_size > 0 {
            let vfs = self.vfs()?;
            if vfs.name() == "unix" && vfs.exists(&self.wal_path())? {
                self.open_wal()?;
            }
        }
        Ok(())
    }

    /// Encrypted file (invariant 6): check the clear header bytes (16..24), learn the salt
    /// (deriving the key), verify page 1 (a wrong key is `SQLITE_NOTADB` here, at the first
    /// access) and put page 1's plaintext header in `h`, so that what follows (checks, change
    /// counter, `file_vers`) works on plaintext exactly as for a plain file.
    fn decrypt_header(&mut self, h: &mut [u8; 100]) -> Result<()> {
        let guess = self.page_size;
        let Self {
            fd, codec, p1_seen, ..
        } = self;
        let (Some(fd), Some(c)) = (fd.as_mut(), codec.as_mut()) else {
            return Err(Error::code(SQLITE_INTERNAL));
        };
        // One read of page 1 at the page size we know (a second one only if it differs).
        let mut disk = vec![0u8; guess.max(100)];
        read_allow_short(fd.as_mut(), &mut disk, 0)?;
        h.copy_from_slice(disk.get(..100).ok_or_else(Error::notadb)?);
        if usize::from(h[20]) != c.reserved() {
            return Err(Error::notadb());
        }
        let ps = match u16::from_be_bytes([h[16], h[17]]) {
            1 => 65536usize,
            n => n as usize,
        };
        if !(512..=65536).contains(&ps) || !ps.is_power_of_two() {
            return Err(Error::notadb());
        }
        if ps != disk.len() {
            disk = vec![0u8; ps];
            read_allow_short(fd.as_mut(), &mut disk, 0)?;
        }
        c.attach(Some(&h[..]))?;
        let res = c.reserved();
        let tail = disk.get(ps - res..).ok_or_else(Error::notadb)?.to_vec();
        if let Some(seen) = p1_seen.as_deref() {
            if seen.disk_head == *h && seen.disk_tail == tail {
                h.copy_from_slice(&seen.plain_head);
                return Ok(());
            }
        }
        *p1_seen = None;
        let mut plain = vec![0u8; ps];
        c.decode(1, ps, &disk, &mut plain)?;
        let mut seen = Box::new(P1Seen {
            disk_head: *h,
            disk_tail: tail,
            plain_head: [0u8; 100],
        });
        h.copy_from_slice(plain.get(..100).ok_or_else(Error::notadb)?);
        seen.plain_head = *h;
        *p1_seen = Some(seen);
        Ok(())
    }

    /// Validate the file header, learn the page size, drop a stale cache (file changed).
    fn read_header(&mut self) -> Result<()> {
        let fd = self.fd_mut()?;
        let size = fd.size()?;
        if size == 0 {
            if self.page_count != 0 || !self.cache.is_empty() {
                self.drop_cache();
            }
            self.file_vers = None;
            self.page_count = 0;
            self.db_file_size = 0;
            if let Some(c) = self.codec.as_mut() {
                c.attach(None)?;
            }
            return Ok(());
        }
        if size < 100 {
            return Err(Error::notadb());
        }
        let mut h = [0u8; 100];
        if self.codec.is_some() {
            // Reads page 1 itself (one read for the clear header, nonce and tag).
            self.decrypt_header(&mut h)?;
        } else {
            read_allow_short(self.fd_mut()?.as_mut(), &mut h, 0)?;
        }
        if &h[..16] != b"SQLite format 3\0" {
            return Err(Error::notadb());
        }
        let ps = match u16::from_be_bytes([h[16], h[17]]) {
            1 => 65536usize,
            n => n as usize,
        };
        if !(512..=65536).contains(&ps) || !ps.is_power_of_two() {
            return Err(Error::notadb());
        }
        if h[21] != 64 || h[22] != 32 || h[23] != 32 || ps - (h[20] as usize) < 480 {
            return Err(Error::notadb());
        }
        // File format versions (bytes 18/19): 1 = rollback journal, 2 = WAL. A read version
        // above 2 cannot be read; a write version above 2 is read-only (SQLite's lockBtree).
        if h[19] > 2 {
            return Err(Error::notadb());
        }
        self.header_read_only = h[18] > 2;
        self.wal_header = h[18] == 2 || h[19] == 2;
        if self.wal_header && self.wal.is_none() && !self.no_wal {
            // A read-only pager opens an existing -wal read-only (the -shm must be writable);
            // without a -wal the db file alone is the database.
            if !self.read_only || self.vfs()?.exists(&self.wal_path())? {
                self.open_wal()?;
            }
        }
        let mut vers = [0u8; 16];
        vers.copy_from_slice(&h[24..40]);
        if ps != self.page_size || self.file_vers != Some(vers) {
            self.drop_cache();
        }
        self.page_size = ps;
        self.reserved = h[20] as usize;
        self.file_vers = Some(vers);
        let n = size.div_ceil(ps as u64);
        if n > u32::MAX as u64 {
            return Err(crate::corrupt!(0));
        }
        self.db_file_size = n as Pgno;
        self.page_count = n as Pgno;
        let pc = self.page_count;
        self.cache.retain(|&k, _| k <= pc);
        Ok(())
    }

    /// SQLite's `hasHotJournal`: the journal exists, nobody holds RESERVED, the db is
    /// non-empty and the journal's first byte is non-zero.
    fn has_hot_journal(&mut self) -> Result<bool> {
        let vfs = self.vfs()?;
        if !vfs.exists(&self.journal_path)? {
            return Ok(false);
        }
        let jpath = self.journal_path.clone();
        let fd = self.fd_mut()?;
        if fd.check_reserved_lock()? {
            return Ok(false);
        }
        if fd.size()? == 0 {
            // A journal beside an empty database is stale: delete it under RESERVED.
            if fd.lock(LockLevel::Reserved).is_ok() {
                let _ = vfs.delete(&jpath, false);
                fd.unlock(LockLevel::Shared)?;
            }
            return Ok(false);
        }
        let flags = OpenFlags {
            read_only: true,
            ..Default::default()
        };
        let mut j = match vfs.open(&self.journal_path, FileKind::MainJournal, flags) {
            Ok(j) => j,
            Err(_) => return Ok(false),
        };
        let mut b = [0u8; 1];
        match j.read_at(&mut b, 0) {
            Ok(()) => Ok(b[0] != 0),
            Err(e) if e.code == SQLITE_IOERR_SHORT_READ => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// SQLite's `pager_playback` for a journal we hold EXCLUSIVE for: restore every valid
    /// record of every header, truncate the db to its original size.
    fn playback(&mut self, j: &mut dyn VfsFile) -> Result<()> {
        let size_j = j.size()?;
        // A journal naming a super-journal that no longer exists belongs to a multi-database
        // transaction that committed: nothing to play back (SQLite's pager_playback).
        if let Some(name) = read_super_journal_name(j)? {
            if !self.vfs()?.exists(&name)? {
                self.drop_cache();
                self.file_vers = None;
                return Ok(());
            }
        }
        let mut hdr_sz = self.fd_mut()?.sector_size().clamp(32, MAX_SECTOR_SIZE) as u64;
        let mut off = 0u64;
        let mut first = true;
        let mut db_size: Pgno = 0;
        let mut ps = self.page_size;
        'headers: loop {
            if off != 0 {
                off = ((off - 1) / hdr_sz + 1) * hdr_sz;
            }
            if off + hdr_sz > size_j {
                break;
            }
            let mut h = [0u8; 28];
            j.read_at(&mut h, off)?;
            if h[..8] != JOURNAL_MAGIC {
                break;
            }
            let mut n_rec = get4(&h, 8);
            let nonce = get4(&h, 12);
            let mx_pg = get4(&h, 16);
            if first {
                let sector = get4(&h, 20);
                let mut jps = get4(&h, 24);
                if jps == 0 {
                    jps = ps as u32;
                }
                if !(512..=65536).contains(&jps)
                    || !(32..=MAX_SECTOR_SIZE).contains(&sector)
                    || !jps.is_power_of_two()
                    || !sector.is_power_of_two()
                {
                    return Err(crate::corrupt!(0));
                }
                ps = jps as usize;
                hdr_sz = sector as u64;
                if ps != self.page_size {
                    self.drop_cache();
                    self.page_size = ps;
                }
            }
            off += hdr_sz;
            let rec_sz = ps as u64 + 8;
            if n_rec == 0xffff_ffff {
                n_rec = ((size_j - hdr_sz) / rec_sz) as u32;
            }
            if first {
                self.truncate_file(mx_pg)?;
                db_size = mx_pg;
                first = false;
            }
            let mut rec = vec![0u8; ps + 8];
            for _ in 0..n_rec {
                if off + rec_sz > size_j {
                    break 'headers;
                }
                j.read_at(&mut rec, off)?;
                off += rec_sz;
                let pgno = get4(&rec, 0);
                if pgno == 0 || pgno == self.locking_page() {
                    break 'headers;
                }
                if pgno > db_size {
                    continue;
                }
                let data = rec.get(4..4 + ps).ok_or_else(|| crate::corrupt!(pgno))?;
                if journal_checksum(nonce, data) != get4(&rec, 4 + ps) {
                    break 'headers;
                }
                let fd = self.fd_mut()?;
                fd.write_at(data, (pgno as u64 - 1) * ps as u64)?;
            }
        }
        self.drop_cache();
        self.file_vers = None;
        Ok(())
    }

    /// Make the db file exactly `n` pages long (SQLite's `pager_truncate`).
    fn truncate_file(&mut self, n: Pgno) -> Result<()> {
        let ps = self.page_size as u64;
        let fd = self.fd_mut()?;
        let cur = fd.size()?;
        let want = n as u64 * ps;
        if cur > want {
            fd.truncate(want)?;
        } else if cur + ps <= want {
            let zero = vec![0u8; ps as usize];
            fd.write_at(&zero, want - ps)?;
        }
        Ok(())
    }

    pub fn end_read(&mut self) {
        self.check_invariants();
        self.check_cache_invariants();
        match self.state {
            State::Writer | State::Open => {}
            State::Reader => {
                if let Some(w) = self.wal.as_mut() {
                    // WAL mode: the db file keeps SHARED while the WAL is open (EXCLUSIVE
                    // after a write in locking_mode=EXCLUSIVE: dropped at the end of the first
                    // transaction in NORMAL mode, as SQLite's pager_end_transaction).
                    w.end_read();
                    let heap = w.heap_memory();
                    if !self.exclusive_mode && !heap {
                        if let Some(fd) = self.fd.as_mut() {
                            if fd.lock_level() > LockLevel::Shared {
                                let _ = fd.unlock(LockLevel::Shared);
                            }
                        }
                    }
                } else if self.exclusive_mode {
                    // locking_mode=EXCLUSIVE: the lock stays until NORMAL + next access.
                } else if let Some(fd) = self.fd.as_mut() {
                    let _ = fd.unlock(LockLevel::None);
                }
                self.state = State::Open;
            }
            State::Error => {
                // Leave the journal hot on disk; the next reader (any process) rolls it back.
                self.jfd = None;
                self.reset_write_state();
                self.drop_cache();
                self.file_vers = None;
                if let Some(fd) = self.fd.as_mut() {
                    let _ = fd.unlock(LockLevel::None);
                }
                self.err = None;
                self.state = State::Open;
            }
        }
    }

    // ----- write transactions --------------------------------------------------------------

    pub fn begin_write(&mut self, exclusive: bool) -> Result<()> {
        self.check_invariants();
        self.check_cache_invariants();
        self.usable()?;
        if self.state == State::Writer {
            return Ok(());
        }
        if self.read_only {
            return Err(Error::readonly());
        }
        self.begin_read()?;
        if self.exclusive_mode && self.wal.is_some() {
            // As sqlite3PagerBegin: EXCLUSIVE on the db file first (BUSY while any other
            // connection has the database open), kept after the transaction.
            self.fd_mut()?.lock(LockLevel::Exclusive)?;
        }
        if let Some(w) = self.wal.as_mut() {
            w.begin_write()?;
            self.reset_write_state();
            self.db_orig_size = self.page_count;
            self.state = State::Writer;
            return Ok(());
        }
        if self.wal_header && !self.no_wal {
            return Err(Error::new(
                SQLITE_READONLY,
                "attempt to write a readonly database: WAL mode is not supported yet",
            ));
        }
        if self.header_read_only {
            return Err(Error::readonly());
        }
        if let Some(fd) = self.fd.as_mut() {
            fd.lock(LockLevel::Reserved)?;
            if exclusive {
                if let Err(e) = fd.lock(LockLevel::Exclusive) {
                    let _ = fd.unlock(LockLevel::Shared);
                    return Err(e);
                }
            }
        }
        self.reset_write_state();
        self.db_orig_size = self.page_count;
        self.state = State::Writer;
        Ok(())
    }

    fn reset_write_state(&mut self) {
        self.wal_spilled = false;
        self.jfd = None;
        self.j_nrec = 0;
        self.j_off = 0;
        self.j_hdr_off = 0;
        self.j_synced = false;
        self.in_journal.clear();
        self.mem_journal.clear();
        self.db_modified = false;
        self.savepoints.clear();
    }

    fn uses_journal_file(&self) -> bool {
        self.fd.is_some()
            && matches!(
                self.journal_mode,
                JournalMode::Delete | JournalMode::Truncate | JournalMode::Persist
            )
    }

    /// Open the journal and write its first header (magic and count left zero until the
    /// journal is synced, unless synchronous=OFF: SQLite's `writeJournalHdr`).
    fn open_journal(&mut self) -> Result<()> {
        let vfs = self.vfs()?;
        let flags = OpenFlags {
            create: true,
            ..Default::default()
        };
        let j = vfs.open(&self.journal_path, FileKind::MainJournal, flags)?;
        self.j_sector = self
            .fd
            .as_ref()
            .map(|f| f.sector_size())
            .unwrap_or(4096)
            .clamp(32, MAX_SECTOR_SIZE) as u64;
        self.jfd = Some(j);
        self.write_journal_header(0)
    }

    /// SQLite's `writeJournalHdr` at `off` (a multiple of the sector size); new nonce.
    fn write_journal_header(&mut self, off: u64) -> Result<()> {
        let vfs = self.vfs()?;
        let sector = self.j_sector as u32;
        let mut nonce = [0u8; 4];
        vfs.randomness(&mut nonce);
        self.j_nonce = u32::from_be_bytes(nonce);
        let mut h = vec![0u8; sector as usize];
        if self.synchronous == 0 {
            if let Some(m) = h.get_mut(..8) {
                m.copy_from_slice(&JOURNAL_MAGIC);
            }
            put4(&mut h, 8, 0xffff_ffff);
        }
        put4(&mut h, 12, self.j_nonce);
        put4(&mut h, 16, self.db_orig_size);
        put4(&mut h, 20, sector);
        put4(&mut h, 24, self.page_size as u32);
        let j = self
            .jfd
            .as_mut()
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        j.write_at(&h, off)?;
        self.j_hdr_off = off;
        self.j_off = off + sector as u64;
        self.j_nrec = 0;
        self.j_synced = false;
        Ok(())
    }

    /// Invariant 2: record the original image of `pgno` before its first change.
    fn journal_page(&mut self, pgno: Pgno) -> Result<()> {
        if self.in_journal.contains(&pgno) {
            return Ok(());
        }
        if pgno <= self.db_orig_size {
            if self.uses_journal_file() {
                // The journal holds on-disk images (encrypted for an encrypted db), so that
                // playback copies them back verbatim.
                let img = match self.original_disk_image(pgno)? {
                    Some(disk) => Cow::Owned(disk),
                    None => {
                        let plain = self.original_image(pgno)?;
                        Self::page_to_disk(&self.codec, pgno, &plain)?
                            .into_owned()
                            .into()
                    }
                };
                if self.jfd.is_none() {
                    self.open_journal()?;
                }
                let mut rec = Vec::with_capacity(img.len() + 8);
                rec.extend_from_slice(&pgno.to_be_bytes());
                rec.extend_from_slice(&img);
                rec.extend_from_slice(&journal_checksum(self.j_nonce, &img).to_be_bytes());
                let off = self.j_off;
                let j = self
                    .jfd
                    .as_mut()
                    .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
                j.write_at(&rec, off)?;
                self.j_off += rec.len() as u64;
                self.j_nrec += 1;
                self.j_synced = false;
            } else if self.fd.is_none() || self.journal_mode == JournalMode::Memory {
                let img = self.original_image(pgno)?;
                self.mem_journal.insert(pgno, img);
            }
        }
        self.in_journal.insert(pgno);
        Ok(())
    }

    pub fn read(&mut self, pgno: Pgno) -> Result<&[u8]> {
        self.check_invariants();
        if self.state == State::Open && self.fd.is_some() {
            self.begin_read()?;
        }
        self.usable()?;
        if pgno == 0 || pgno > self.page_count {
            return Err(crate::corrupt!(pgno));
        }
        if !self.cache.contains_key(&pgno) {
            self.load(pgno)?;
        }
        self.tick += 1;
        match self.cache.get_mut(&pgno) {
            Some(p) => {
                p.last_used = self.tick;
                Ok(&p.data)
            }
            None => Err(Error::code(SQLITE_INTERNAL)),
        }
    }

    pub fn write(&mut self, pgno: Pgno) -> Result<&mut [u8]> {
        self.check_invariants();
        self.usable()?;
        if self.state != State::Writer {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        if pgno == 0 || pgno > self.page_count + 1 {
            return Err(crate::corrupt!(pgno));
        }
        if self.jfd.is_none() && self.uses_journal_file() {
            // As SQLite's pager_write: the journal exists from the first change on.
            self.open_journal()?;
        }
        if pgno <= self.page_count {
            // Cached first: `journal_page` then copies the clean cached image instead of
            // reading the page from the file a second time.
            self.load(pgno)?;
        }
        self.journal_page(pgno)?;
        if pgno == self.page_count + 1 {
            // A new page is zero-filled whatever the file holds beyond page_count.
            if !self.cache.contains_key(&pgno) {
                self.make_room()?;
            }
            self.page_count = pgno;
            let data = vec![0u8; self.page_size].into_boxed_slice();
            self.cache.insert(
                pgno,
                Page {
                    data,
                    dirty: true,
                    last_used: 0,
                },
            );
        } else {
            self.load(pgno)?;
        }
        let Self {
            savepoints, cache, ..
        } = self;
        let page = cache
            .get_mut(&pgno)
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        for sp in savepoints.iter_mut() {
            if pgno <= sp.page_count && !sp.orig.contains_key(&pgno) {
                sp.orig.insert(pgno, page.data.clone());
            }
        }
        page.dirty = true;
        self.tick += 1;
        page.last_used = self.tick;
        Ok(&mut page.data)
    }

    /// Append a zeroed page; returns its number.
    pub fn allocate(&mut self) -> Result<Pgno> {
        let p = self.page_count + 1;
        let buf = self.write(p)?;
        buf.fill(0);
        Ok(p)
    }

    /// Shrink the database to `npages` pages (the file is truncated at commit).
    pub fn truncate(&mut self, npages: Pgno) -> Result<()> {
        self.check_invariants();
        self.usable()?;
        if self.state != State::Writer || npages > self.page_count {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        let old = self.page_count;
        // Invariant 2 for the pages that disappear; savepoints keep their current images.
        for pgno in npages + 1..=old {
            self.journal_page(pgno)?;
            let need_sp = self
                .savepoints
                .iter()
                .any(|sp| pgno <= sp.page_count && !sp.orig.contains_key(&pgno));
            if need_sp {
                self.load(pgno)?;
                let img = match self.cache.get(&pgno) {
                    Some(p) => p.data.clone(),
                    None => return Err(Error::code(SQLITE_INTERNAL)),
                };
                for sp in self.savepoints.iter_mut() {
                    if pgno <= sp.page_count && !sp.orig.contains_key(&pgno) {
                        sp.orig.insert(pgno, img.clone());
                    }
                }
            }
        }
        self.cache.retain(|&k, _| k <= npages);
        self.page_count = npages;
        Ok(())
    }

    pub fn commit(&mut self) -> Result<()> {
        self.check_invariants();
        self.check_cache_invariants();
        self.usable()?;
        if self.state != State::Writer {
            return Ok(());
        }
        let any_dirty = self.db_modified
            || self.wal_spilled
            || self.page_count != self.db_orig_size
            || self.cache.values().any(|p| p.dirty);
        // In WAL mode page 1 is written only when it changed or the database size did (as
        // SQLite's pagerWalFrames: the change counter moves only with page 1), so a one-page
        // commit is one frame.
        let p1_needed = self.wal.is_none()
            || self.page_count != self.db_orig_size
            || self.cache.get(&1).is_some_and(|p| p.dirty);
        if any_dirty && self.page_count >= 1 && p1_needed {
            let n = self.page_count;
            let mut base = match self.file_vers {
                Some(v) => u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
                None => 0,
            };
            if self.wal.is_some() && self.db_orig_size >= 1 {
                // WAL mode: the committed page 1 may live in the WAL, not the db file.
                base = get4(self.read(1)?, 24);
            }
            let cc = base.wrapping_add(1);
            let wal = self.journal_mode == JournalMode::Wal;
            let p1 = self.write(1)?;
            if wal {
                // File format versions 2/2 mark a WAL database (fileformat2.html).
                if let Some(v) = p1.get_mut(18..20) {
                    v.copy_from_slice(&[2, 2]);
                }
            }
            put4(p1, 24, cc);
            put4(p1, 28, n);
            put4(p1, 92, cc);
            put4(p1, 96, crate::SQLITE_VERSION_NUMBER as u32);
        }
        if self.fd.is_none() {
            if let Some(path) = self.image_path.clone() {
                self.write_image(&path)?;
            }
            for p in self.cache.values_mut() {
                p.dirty = false;
            }
            self.reset_write_state();
            self.note_file_vers();
            self.state = State::Reader;
            return Ok(());
        }
        if !any_dirty && self.page_count == self.db_orig_size && !self.db_modified {
            // Nothing to write: just end the transaction.
            return match self.finalize_journal() {
                Ok(()) => self.finish_write(),
                Err(e) => self.enter_error(e),
            };
        }
        if self.wal.is_some() {
            return match self.commit_to_wal() {
                Ok(()) => {
                    self.finish_write()?;
                    self.auto_checkpoint();
                    Ok(())
                }
                Err(e) => self.enter_error(e),
            };
        }
        match self.commit_to_file() {
            Ok(()) if self.journal_mode == JournalMode::Wal => {
                // First commit of an empty database switched to WAL: page 1 went to the db
                // file (as SQLite's sqlite3BtreeSetVersion); from now on commits go to the WAL.
                self.finish_write()?;
                self.open_wal()
            }
            Ok(()) => self.finish_write(),
            Err(e) if e.is_busy() && !self.db_modified => Err(e),
            Err(e) => self.enter_error(e),
        }
    }

    fn enter_error(&mut self, e: Error) -> Result<()> {
        if !self.db_modified {
            // Nothing reached the db file: roll back in memory, the file is intact.
            let _ = self.rollback();
            return Err(e);
        }
        self.err = Some(e.clone());
        self.state = State::Error;
        Err(e)
    }

    /// Remember bytes 24..40 of page 1 as committed (what the next reader compares).
    fn note_file_vers(&mut self) {
        if let Some(p1) = self.cache.get(&1) {
            let mut v = [0u8; 16];
            if let Some(s) = p1.data.get(24..40) {
                v.copy_from_slice(s);
                self.file_vers = Some(v);
            }
        }
    }

    fn finish_write(&mut self) -> Result<()> {
        for p in self.cache.values_mut() {
            p.dirty = false;
        }
        self.evict_skip_until = 0;
        self.reset_write_state();
        self.db_file_size = self.page_count;
        self.note_file_vers();
        self.state = State::Reader;
        if let Some(w) = self.wal.as_mut() {
            w.end_write();
        }
        self.unlock_after_write()
    }

    /// End of a write transaction: back to SHARED unless locking_mode=EXCLUSIVE (or a heap
    /// WAL, which keeps EXCLUSIVE for its life).
    fn unlock_after_write(&mut self) -> Result<()> {
        if self.exclusive_mode || self.wal.as_ref().is_some_and(|w| w.heap_memory()) {
            return Ok(());
        }
        self.fd_mut()?.unlock(LockLevel::Shared)
    }

    /// Invariant 3, then 1 and 4: the commit sequence of `sqlite3PagerCommitPhaseOne/Two`.
    fn commit_to_file(&mut self) -> Result<()> {
        // As SQLite's syncJournal: EXCLUSIVE first (BUSY: nothing done, retry later).
        self.fd_mut()?.lock(LockLevel::Exclusive)?;
        if self.jfd.is_some() && !self.j_synced {
            self.sync_journal()?;
        }
        self.db_modified = true;
        let mut dirty: Vec<Pgno> = self
            .cache
            .iter()
            .filter(|(_, p)| p.dirty)
            .map(|(&k, _)| k)
            .collect();
        dirty.sort_unstable();
        let ps = self.page_size as u64;
        let Self {
            cache, fd, codec, ..
        } = self;
        let fd = fd.as_mut().ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        for pgno in dirty {
            if let Some(p) = cache.get(&pgno) {
                let img = Self::page_to_disk(codec, pgno, &p.data)?;
                fd.write_at(&img, (pgno as u64 - 1) * ps)?;
            }
        }
        if self.page_count < self.db_file_size || self.page_count < self.db_orig_size {
            self.truncate_file(self.page_count)?;
        }
        if self.synchronous > 0 {
            let full = self.synchronous >= 2;
            self.fd_mut()?.sync(full)?;
        }
        self.finalize_journal()
    }

    /// SQLite's `syncJournal`: (FULL: sync,) write magic + record count, sync.
    fn sync_journal(&mut self) -> Result<()> {
        let sync = self.synchronous;
        let nrec = self.j_nrec;
        let next_hdr = self.j_off.div_ceil(self.j_sector) * self.j_sector;
        let j = self
            .jfd
            .as_mut()
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        if sync > 0 {
            // A stale header of an older transaction (PERSIST mode reuses the file) right
            // after our records would be taken for a continuation: spoil its magic first.
            let mut m = [0u8; 8];
            match j.read_at(&mut m, next_hdr) {
                Ok(()) if m == JOURNAL_MAGIC => j.write_at(&[0u8], next_hdr)?,
                Ok(()) => {}
                Err(e) if e.code == SQLITE_IOERR_SHORT_READ => {}
                Err(e) => return Err(e),
            }
            if sync >= 2 {
                j.sync(false)?;
            }
            let mut h = [0u8; 12];
            h[..8].copy_from_slice(&JOURNAL_MAGIC);
            put4(&mut h, 8, nrec);
            j.write_at(&h, self.j_hdr_off)?;
            j.sync(false)?;
        }
        self.j_synced = true;
        Ok(())
    }

    /// Write dirty pages to the db file mid-transaction to bound the cache (SQLite's
    /// `pagerStress`): journal synced first (invariant 3), EXCLUSIVE taken (BUSY: no spill,
    /// the cache grows instead), then dirty pages leave the cache oldest first. Afterwards a
    /// rollback must play the journal back (`db_modified`).
    fn spill(&mut self) -> Result<()> {
        if self.wal.is_some() && self.state == State::Writer {
            return match self.spill_wal() {
                Ok(()) => Ok(()),
                Err(e) => self.enter_error(e),
            };
        }
        let can = self.state == State::Writer
            && self.fd.is_some()
            && (self.uses_journal_file() || self.journal_mode == JournalMode::Memory);
        if !can {
            return Ok(());
        }
        if let Err(e) = self.spill_inner() {
            if e.is_busy() && !self.db_modified {
                return Ok(());
            }
            self.err = Some(e.clone());
            self.state = State::Error;
            return Err(e);
        }
        Ok(())
    }

    /// WAL mode: dirty pages leave the cache as non-commit frames (`Wal::write_frames`), a
    /// quarter of the cache at once; `load` finds them again through the WAL. A rollback
    /// forgets them (`end_write`) and drops the whole cache (pages re-read from our own
    /// frames may be in it).
    fn spill_wal(&mut self) -> Result<()> {
        let max = self.max_cached();
        let target = max - max / 4;
        let mut out: Vec<(Pgno, Box<[u8]>)> = Vec::new();
        let n = (self.cache.len() + 1).saturating_sub(target);
        for pgno in self.lru_pages(n) {
            let Some(page) = self.cache.remove(&pgno) else {
                continue;
            };
            if page.dirty {
                out.push((pgno, page.data));
            } else {
                self.recycle(page.data);
            }
        }
        if out.is_empty() {
            return Ok(());
        }
        self.wal_spilled = true;
        let ps = self.page_size;
        let n = self.page_count;
        let Self { wal, codec, .. } = self;
        let w = wal.as_mut().ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        let images: Vec<(u32, Cow<[u8]>)> = out
            .iter()
            .map(|(p, d)| Self::page_to_disk(codec, *p, d).map(|img| (*p, img)))
            .collect::<Result<_>>()?;
        let pages: Vec<(u32, &[u8])> = images.iter().map(|(p, d)| (*p, &d[..])).collect();
        w.write_frames(&pages, n, ps, false, false)?;
        drop(images);
        for (_, d) in out {
            self.recycle(d);
        }
        Ok(())
    }

    fn spill_inner(&mut self) -> Result<()> {
        match self.fd_mut()?.lock(LockLevel::Exclusive) {
            Ok(()) => {}
            Err(e) if e.is_busy() => return Ok(()),
            Err(e) => return Err(e),
        }
        if self.jfd.is_some() && !self.j_synced {
            self.sync_journal()?;
            // Later records go under a new header, written now (zero magic until synced) so
            // that playback stops there. With synchronous=OFF the count is -1 (to the end of
            // the file): keep appending to the one header instead.
            if self.synchronous > 0 {
                let off = self.j_off.div_ceil(self.j_sector) * self.j_sector;
                self.write_journal_header(off)?;
                self.j_synced = true;
            }
        }
        // Spill the least recently used quarter of the cache at once (each spill may cost a
        // journal sync), in page order.
        let max = self.max_cached();
        let target = max - max / 4;
        let ps = self.page_size as u64;
        let n = (self.cache.len() + 1).saturating_sub(target);
        for pgno in self.lru_pages(n) {
            let Some(page) = self.cache.remove(&pgno) else {
                continue;
            };
            if page.dirty {
                self.db_modified = true;
                let img = Self::page_to_disk(&self.codec, pgno, &page.data)?;
                let fd = self.fd_mut()?;
                fd.write_at(&img, (pgno as u64 - 1) * ps)?;
                self.db_file_size = self.db_file_size.max(pgno);
            }
            self.recycle(page.data);
        }
        Ok(())
    }

    /// End the journal's life for this transaction per journal mode (invariant 4).
    fn finalize_journal(&mut self) -> Result<()> {
        self.mem_journal.clear();
        let Some(mut j) = self.jfd.take() else {
            return Ok(());
        };
        match self.journal_mode {
            JournalMode::Truncate => {
                j.truncate(0)?;
                if self.synchronous >= 2 {
                    j.sync(false)?;
                }
            }
            JournalMode::Persist => self.zero_journal_header(j.as_mut())?,
            // As SQLite's pager_end_transaction: an exclusive pager keeps its journal file.
            JournalMode::Delete if self.exclusive_mode => self.zero_journal_header(j.as_mut())?,
            _ => {
                drop(j);
                let vfs = self.vfs()?;
                match vfs.delete(&self.journal_path, false) {
                    Err(e) if e.code != SQLITE_IOERR_DELETE_NOENT => return Err(e),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// SQLite's `zeroJournalHdr`: the journal stays but is no longer hot (header zeroed, or
    /// the file truncated to 0 with `journal_size_limit=0`); then a journal longer than a
    /// positive `journal_size_limit` is truncated to it.
    fn zero_journal_header(&mut self, j: &mut dyn VfsFile) -> Result<()> {
        let limit = self.journal_size_limit;
        if limit == 0 {
            j.truncate(0)?;
        } else {
            j.write_at(&[0u8; 28], 0)?;
        }
        if self.synchronous > 0 {
            j.sync(false)?;
        }
        if limit > 0 && j.size()? > limit as u64 {
            j.truncate(limit as u64)?;
        }
        Ok(())
    }

    fn write_image(&mut self, path: &str) -> Result<()> {
        let mut img = vec![0u8; self.page_count as usize * self.page_size];
        for (k, v) in &self.cache {
            let off = (*k as usize - 1) * self.page_size;
            if let Some(dst) = img.get_mut(off..off + self.page_size) {
                dst.copy_from_slice(&v.data);
            }
        }
        std::fs::write(crate::vfs::os_path(path), img)
            .map_err(|e| Error::io(SQLITE_IOERR_WRITE, &e))
    }

    pub fn rollback(&mut self) -> Result<()> {
        self.check_invariants();
        self.check_cache_invariants();
        match self.state {
            State::Open | State::Reader => Ok(()),
            State::Writer if !self.db_modified => {
                self.discard_changes();
                if self.wal_spilled {
                    self.drop_cache();
                }
                let r = self.finalize_journal();
                self.reset_write_state();
                self.state = State::Reader;
                if let Some(w) = self.wal.as_mut() {
                    w.end_write();
                }
                if self.fd.is_some() {
                    self.unlock_after_write()?;
                }
                r
            }
            _ => self.recover(),
        }
    }

    /// Drop every change of the write transaction from the cache (nothing is on disk).
    fn discard_changes(&mut self) {
        let orig = self.db_orig_size;
        let mem = std::mem::take(&mut self.mem_journal);
        if self.fd.is_none() {
            for (pgno, data) in mem {
                self.cache.insert(
                    pgno,
                    Page {
                        data,
                        dirty: false,
                        last_used: 0,
                    },
                );
            }
        }
        self.cache.retain(|&k, p| k <= orig && !p.dirty);
        self.page_count = orig;
    }

    /// The db file may hold part of a commit: play the journal back (ERROR → READER).
    fn recover(&mut self) -> Result<()> {
        let r = self.recover_inner();
        match r {
            Ok(()) => {
                self.reset_write_state();
                self.drop_cache();
                self.err = None;
                self.state = State::Reader;
                self.unlock_after_write()?;
                self.read_header()
            }
            Err(e) => {
                if self.state != State::Error {
                    self.err = Some(e.clone());
                    self.state = State::Error;
                }
                Err(e)
            }
        }
    }

    fn recover_inner(&mut self) -> Result<()> {
        self.fd_mut()?.lock(LockLevel::Exclusive)?;
        if self.uses_journal_file() {
            let mut j = match self.jfd.take() {
                Some(j) => j,
                None => {
                    let vfs = self.vfs()?;
                    vfs.open(
                        &self.journal_path,
                        FileKind::MainJournal,
                        OpenFlags::default(),
                    )?
                }
            };
            self.playback(j.as_mut())?;
            if self.synchronous > 0 {
                self.sync_db()?;
            }
            self.jfd = Some(j);
            self.finalize_journal()?;
        } else if self.journal_mode == JournalMode::Memory {
            let ps = self.page_size as u64;
            let orig = self.db_orig_size;
            let Self {
                fd,
                mem_journal,
                codec,
                ..
            } = self;
            let fd = fd.as_mut().ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
            for (pgno, data) in mem_journal.iter() {
                let img = Self::page_to_disk(codec, *pgno, data)?;
                fd.write_at(&img, (*pgno as u64 - 1) * ps)?;
            }
            self.truncate_file(orig)?;
            if self.synchronous > 0 {
                self.sync_db()?;
            }
        }
        // JournalMode::Off: nothing to restore from (documented in the module header).
        Ok(())
    }

    // ----- savepoints ----------------------------------------------------------------------

    /// Open savepoints so that `savepoint_count() == n` (nested; index 0 is the outermost).
    pub fn savepoint_open(&mut self, n: usize) -> Result<()> {
        self.check_invariants();
        self.usable()?;
        while self.savepoints.len() < n {
            self.savepoints.push(Savepoint {
                page_count: self.page_count,
                orig: PgMap::default(),
            });
        }
        Ok(())
    }
    pub fn savepoint_count(&self) -> usize {
        self.savepoints.len()
    }
    /// Release savepoint `i` and all inner ones (keeps their changes).
    pub fn savepoint_release(&mut self, i: usize) -> Result<()> {
        self.check_invariants();
        self.savepoints.truncate(i);
        Ok(())
    }
    /// Undo changes since savepoint `i` was opened; savepoint `i` stays open.
    pub fn savepoint_rollback(&mut self, i: usize) -> Result<()> {
        self.check_invariants();
        self.usable()?;
        if i >= self.savepoints.len() {
            return Ok(());
        }
        self.savepoints.truncate(i + 1);
        let Some(sp) = self.savepoints.get(i) else {
            return Ok(());
        };
        let pc = sp.page_count;
        let restore: Vec<(Pgno, Box<[u8]>)> = sp
            .orig
            .iter()
            .filter(|(&k, _)| k <= pc)
            .map(|(&k, v)| (k, v.clone()))
            .collect();
        self.cache.retain(|&k, _| k <= pc);
        self.page_count = pc;
        for (pgno, data) in restore {
            self.cache.insert(
                pgno,
                Page {
                    data,
                    dirty: true,
                    last_used: 0,
                },
            );
        }
        Ok(())
    }

    // ----- modes ---------------------------------------------------------------------------

    pub fn journal_mode(&self) -> JournalMode {
        self.journal_mode
    }
    /// Change the journal mode; returns the mode in effect afterwards (as the pragma does).
    /// WAL is not supported yet; memory pagers allow only MEMORY and OFF; no change inside a
    /// write transaction.
    pub fn set_journal_mode(&mut self, m: JournalMode) -> Result<JournalMode> {
        self.check_invariants();
        if self.state == State::Writer || self.state == State::Error {
            return Ok(self.journal_mode);
        }
        if m == JournalMode::Wal {
            return self.enter_wal_mode();
        }
        if self.wal.is_some() {
            return self.leave_wal_mode(m);
        }
        if self.fd.is_none() {
            if matches!(m, JournalMode::Memory | JournalMode::Off) {
                self.journal_mode = m;
            }
            return Ok(self.journal_mode);
        }
        let old = self.journal_mode;
        self.journal_mode = m;
        if matches!(old, JournalMode::Truncate | JournalMode::Persist)
            && !matches!(m, JournalMode::Truncate | JournalMode::Persist)
        {
            // A leftover (non-hot) journal file of the old mode is deleted, as SQLite does.
            let vfs = self.vfs()?;
            let was_open = self.state == State::Open;
            if was_open {
                self.begin_read()?;
            }
            let jpath = self.journal_path.clone();
            let fd = self.fd_mut()?;
            if fd.lock(LockLevel::Reserved).is_ok() {
                let _ = vfs.delete(&jpath, false);
                fd.unlock(LockLevel::Shared)?;
            }
            if was_open {
                self.end_read();
            }
        }
        Ok(self.journal_mode)
    }
}

impl Pager {
    /// Test hook: drop the pager as a crash would, without rolling back (files closed, locks
    /// released, the journal left on disk as it is).
    #[doc(hidden)]
    pub fn crash_for_test(mut self) {
        if let Some(w) = self.wal.take() {
            w.abandon();
        }
        self.state = State::Open;
    }
}

impl Drop for Pager {
    fn drop(&mut self) {
        // An open write transaction is rolled back (as sqlite3PagerClose); if that fails
        // (ERROR state) the journal stays hot for the next reader.
        if self.state == State::Writer || self.state == State::Error {
            let _ = self.rollback();
        }
        if self.wal.is_some() {
            self.end_read();
            self.close_wal();
        }
    }
}

// ----- WAL mode ------------------------------------------------------------------------------

impl Pager {
    fn wal_path(&self) -> String {
        format!("{}-wal", self.journal_path.trim_end_matches("-journal"))
    }
    fn db_path(&self) -> String {
        self.journal_path.trim_end_matches("-journal").to_string()
    }

    /// Open the WAL (and -shm) for this database; the pager is in WAL mode afterwards.
    fn open_wal(&mut self) -> Result<()> {
        if self.wal.is_some() {
            return Ok(());
        }
        let vfs = self.vfs()?;
        let heap = self.exclusive_mode;
        if heap {
            // As pagerOpenWal + pagerExclusiveLock: the WAL of an exclusive pager keeps the db
            // file EXCLUSIVE and its wal-index in heap memory. BUSY: back to SHARED at most.
            let fd = self.fd_mut()?;
            let held = fd.lock_level();
            fd.lock(LockLevel::Shared)?;
            if let Err(e) = fd.lock(LockLevel::Exclusive) {
                let _ = fd.unlock(held.min(LockLevel::Shared));
                return Err(e);
            }
        }
        let mut w = wal::Wal::open(vfs, &self.db_path(), self.read_only, heap)?;
        w.set_size_limit(self.journal_size_limit);
        self.wal = Some(w);
        self.journal_mode = JournalMode::Wal;
        self.wal_header = true;
        Ok(())
    }

    /// OPEN → READER in WAL mode (db file SHARED held): take a read mark; drop the cache if
    /// another connection committed since our last snapshot.
    fn begin_read_wal(&mut self) -> Result<()> {
        self.fd_mut()?.lock(LockLevel::Shared)?;
        let w = self
            .wal
            .as_mut()
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        let changed = w.begin_read()?;
        let wal_ps = w.page_size();
        let wal_n = w.db_size();
        if changed {
            self.drop_cache();
        }
        if let Some(ps) = wal_ps {
            if ps != self.page_size {
                self.drop_cache();
                self.page_size = ps;
            }
        }
        let size = self.fd_mut()?.size()?;
        let n = size / self.page_size as u64;
        if n > u32::MAX as u64 {
            return Err(crate::corrupt!(0));
        }
        self.db_file_size = n as Pgno;
        let old_pc = self.page_count;
        self.page_count = if wal_n > 0 { wal_n } else { n as Pgno };
        let pc = self.page_count;
        // Invariant 5: nothing beyond the old page count is cached, so only a shrink needs
        // a walk over the cache (a walk per read transaction was a third of a point lookup).
        if pc < old_pc && !self.cache.is_empty() {
            self.cache.retain(|&k, _| k <= pc);
        }
        self.state = State::Reader;
        if self.page_count >= 1 {
            // Learn the reserved-bytes value (and check the header) from the snapshot.
            let p1 = match self.read(1) {
                Ok(p) => p,
                Err(e) => {
                    self.end_read();
                    return Err(e);
                }
            };
            let ok = p1.get(..16) == Some(&b"SQLite format 3\0"[..]);
            let reserved = p1.get(20).copied().unwrap_or(0) as usize;
            if !ok {
                self.end_read();
                return Err(Error::notadb());
            }
            self.reserved = reserved;
        }
        Ok(())
    }

    /// `PRAGMA journal_mode=WAL`: mark the header (bytes 18/19 = 2) through a rollback
    /// transaction, as SQLite's `sqlite3BtreeSetVersion`, then open the WAL.
    fn enter_wal_mode(&mut self) -> Result<JournalMode> {
        if self.fd.is_none() || self.read_only || self.wal.is_some() {
            return Ok(self.journal_mode);
        }
        let was_reader = self.state == State::Reader;
        if self.vfs()?.name() != "unix" {
            return Ok(self.journal_mode);
        }
        self.begin_read()?;
        if self.wal.is_none() && self.page_count == 0 {
            // Empty database: the first commit writes page 1 (marked WAL) to the db file,
            // then opens the WAL (see `commit`).
            self.journal_mode = JournalMode::Wal;
            if !was_reader {
                self.end_read();
            }
            return Ok(JournalMode::Wal);
        }
        if self.wal.is_none() && self.page_count >= 1 {
            let p1 = self.read(1)?;
            if p1.get(18..20) != Some(&[2u8, 2][..]) {
                self.begin_write(false)?;
                let p1 = self.write(1)?;
                if let Some(v) = p1.get_mut(18..20) {
                    v.copy_from_slice(&[2, 2]);
                }
                if let Err(e) = self.commit() {
                    let _ = self.rollback();
                    self.end_read();
                    return Err(e);
                }
            }
        }
        self.end_read();
        self.open_wal()?;
        if was_reader {
            self.begin_read()?;
        }
        Ok(JournalMode::Wal)
    }

    /// Leave WAL mode: only as the sole connection (EXCLUSIVE on the db file); checkpoint,
    /// delete -wal/-shm, then mark the header (bytes 18/19 = 1) through a rollback transaction.
    fn leave_wal_mode(&mut self, m: JournalMode) -> Result<JournalMode> {
        let was_reader = self.state == State::Reader;
        if was_reader {
            self.end_read();
        }
        let r = self.leave_wal_mode_inner(m);
        if was_reader {
            self.begin_read()?;
        }
        r
    }

    fn leave_wal_mode_inner(&mut self, m: JournalMode) -> Result<JournalMode> {
        if self.state != State::Open {
            return Ok(JournalMode::Wal);
        }
        self.fd_mut()?.lock(LockLevel::Shared)?;
        // Only the last connection anywhere may leave WAL mode (SQLite: SQLITE_BUSY). A failed
        // attempt may leave PENDING, which would block new readers: back to SHARED.
        if let Err(e) = self.fd_mut()?.lock(LockLevel::Exclusive) {
            self.fd_mut()?.unlock(LockLevel::Shared)?;
            return Err(e);
        }
        let sync = self.synchronous > 0;
        let Some(w) = self.wal.take() else {
            return Ok(self.journal_mode);
        };
        let fd = self
            .fd
            .as_mut()
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        w.close(fd.as_mut(), sync);
        fd.unlock(LockLevel::None)?;
        self.journal_mode = m;
        self.wal_header = false;
        self.drop_cache();
        self.file_vers = None;
        self.no_wal = true;
        let r = self.rewrite_version_1();
        self.no_wal = false;
        r?;
        Ok(self.journal_mode)
    }

    fn rewrite_version_1(&mut self) -> Result<()> {
        self.begin_read()?;
        if self.page_count >= 1 && self.read(1)?.get(18..20) != Some(&[1u8, 1][..]) {
            self.begin_write(false)?;
            let p1 = self.write(1)?;
            if let Some(v) = p1.get_mut(18..20) {
                v.copy_from_slice(&[1, 1]);
            }
            if let Err(e) = self.commit() {
                let _ = self.rollback();
                self.end_read();
                return Err(e);
            }
        }
        self.end_read();
        self.wal_header = false;
        Ok(())
    }

    /// Append the dirty pages to the WAL as one commit (invariant 1 does not apply in WAL
    /// mode: the db file is written only by checkpoints).
    fn commit_to_wal(&mut self) -> Result<()> {
        let mut dirty: Vec<Pgno> = self
            .cache
            .iter()
            .filter(|(_, p)| p.dirty)
            .map(|(&k, _)| k)
            .collect();
        dirty.sort_unstable();
        if dirty.is_empty() && self.wal_spilled {
            // Every change was spilled: page 1 carries the commit mark (as SQLite).
            self.write(1)?;
            dirty.push(1);
        }
        if dirty.is_empty() {
            return Ok(());
        }
        let sync = self.synchronous >= 2;
        let ps = self.page_size;
        let n = self.page_count;
        let Self {
            cache, wal, codec, ..
        } = self;
        let w = wal.as_mut().ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        // Frame payloads are on-disk images (invariant 6): encrypted for an encrypted db, so
        // a checkpoint copies them to the db file verbatim.
        let images: Vec<(u32, Cow<[u8]>)> = dirty
            .iter()
            .filter_map(|p| cache.get(p).map(|pg| (*p, &pg.data[..])))
            .map(|(p, d)| Self::page_to_disk(codec, p, d).map(|img| (p, img)))
            .collect::<Result<_>>()?;
        let pages: Vec<(u32, &[u8])> = images.iter().map(|(p, d)| (*p, &d[..])).collect();
        w.write_commit(&pages, n, ps, sync)
    }

    fn auto_checkpoint(&mut self) {
        let n = self.wal_autocheckpoint;
        let frames = self.wal.as_ref().map(|w| w.mx_frame()).unwrap_or(0);
        if n > 0 && frames >= n {
            // Outside our read transaction, as SQLite's sqlite3WalDefaultHook runs after it.
            let was_reader = self.state == State::Reader;
            if was_reader {
                if let Some(w) = self.wal.as_mut() {
                    w.end_read();
                }
            }
            let _ = self.checkpoint_inner(CheckpointMode::Passive);
            if was_reader {
                let r = self.wal.as_mut().map(|w| w.begin_read());
                if let Some(Ok(true)) = r {
                    self.drop_cache();
                } else if let Some(Err(_)) = r {
                    self.state = State::Open;
                }
            }
        }
    }

    /// Frames in the WAL after this pager's last commit into it, reported once (0: none since
    /// the last call, or not in WAL mode): the argument of `sqlite3_wal_hook`.
    pub fn take_wal_callback(&mut self) -> u32 {
        self.wal.as_mut().map(|w| w.take_callback()).unwrap_or(0)
    }

    /// `PRAGMA journal_size_limit`: bytes (-1, or anything below: no limit). Returns it.
    pub fn journal_size_limit(&mut self, new: Option<i64>) -> i64 {
        if let Some(n) = new.map(|n| n.max(-1)) {
            self.journal_size_limit = n;
            if let Some(w) = self.wal.as_mut() {
                w.set_size_limit(n);
            }
        }
        self.journal_size_limit
    }

    /// `PRAGMA wal_autocheckpoint` (frames; 0 disables).
    pub fn wal_autocheckpoint(&self) -> u32 {
        self.wal_autocheckpoint
    }
    pub fn set_wal_autocheckpoint(&mut self, n: u32) {
        self.wal_autocheckpoint = n;
    }

    /// `PRAGMA wal_checkpoint(mode)` / `sqlite3_wal_checkpoint_v2`: returns (frames in the
    /// WAL, frames checkpointed), or (-1, -1) when not in WAL mode. Must be called outside a
    /// transaction (`SQLITE_LOCKED` otherwise); `SQLITE_BUSY` when a FULL/RESTART/TRUNCATE
    /// could not finish (the counts are then lost: call again).
    pub fn checkpoint(&mut self, mode: CheckpointMode) -> Result<(i32, i32)> {
        self.check_invariants();
        self.usable()?;
        if self.state != State::Open {
            return Err(Error::code(SQLITE_LOCKED));
        }
        if self.wal.is_none() && self.fd.is_some() {
            // Learn the mode from the file (header bytes 18/19, a -wal beside the db).
            self.begin_read()?;
            self.end_read();
        }
        if self.wal.is_none() {
            return Ok((-1, -1));
        }
        let (a, b) = self.checkpoint_inner(mode)?;
        Ok((a as i32, b as i32))
    }

    fn checkpoint_inner(&mut self, mode: CheckpointMode) -> Result<(u32, u32)> {
        let sync = self.synchronous > 0;
        self.fd_mut()?.lock(LockLevel::Shared)?;
        let Self { wal, fd, .. } = self;
        let w = wal.as_mut().ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        let fd = fd.as_mut().ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        w.checkpoint(mode, fd.as_mut(), sync)
    }

    /// Close the WAL as SQLite's `sqlite3WalClose` (last connection: checkpoint, delete
    /// -wal/-shm) and release the db file lock.
    fn close_wal(&mut self) {
        let sync = self.synchronous > 0;
        if let (Some(w), Some(fd)) = (self.wal.take(), self.fd.as_mut()) {
            w.close(fd.as_mut(), sync);
            let _ = fd.unlock(LockLevel::None);
        }
    }

    /// Whether the pager is in WAL mode (a WAL is open).
    pub fn is_wal(&self) -> bool {
        self.wal.is_some()
    }

    /// `PRAGMA locking_mode` (SQLite's `sqlite3PagerLockingMode`): `Some(true)` EXCLUSIVE,
    /// `Some(false)` NORMAL, `None` just asks. Returns whether the pager is now EXCLUSIVE: a
    /// memory pager always is, and a pager whose WAL index lives in heap memory stays so.
    pub fn set_locking_mode(&mut self, exclusive: Option<bool>) -> bool {
        if self.fd.is_none() {
            return true;
        }
        if let Some(e) = exclusive {
            if !self.wal.as_ref().is_some_and(|w| w.heap_memory()) {
                self.exclusive_mode = e;
            }
        }
        self.exclusive_mode
    }
}

#[cfg(test)]
mod tests;
