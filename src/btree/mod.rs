//! B-trees on SQLite's file format 4: table (intkey) and index b-trees, records, overflow
//! chains, freelist, integrity check.
//!
//! CONTRACT (owned by the b-tree agent; the VDBE uses only what is declared here).
//! - A [`Btree`] owns the [`Pager`] of one database file (main, temp or attached).
//! - Cursors do not borrow the `Btree`: every cursor method takes `&mut Btree`, so the VDBE
//!   can keep many cursors open on one b-tree. A cursor stays valid across writes by other
//!   cursors on the same b-tree (it re-seeks lazily if the tree changed, as SQLite's
//!   CURSOR_REQUIRESEEK).
//! - Records are SQLite's record format (`record.rs`): `encode_record(&[Value]) -> Vec<u8>`,
//!   lazy decoding with [`record::RecordReader`].
//! - Index keys are records compared with [`KeyInfo`] (per-column collation and sort order).
//!
//! API notes for the VDBE:
//! - `seek_index_with(key, tie)` is SQLite's `default_rc`: `Greater` for SeekGE/SeekGT-from-
//!   below (lands on the first entry >= key, or reports `Less` on the entry just before),
//!   `Less` for "> key"/SeekLE (lands after all entries equal on the prefix).
//! - After `insert`/`insert_index` the cursor is on the new entry (re-seeking lazily if a
//!   split moved it); after `delete`, `next`/`prev` land on the neighbours of the deleted
//!   entry. `max_rowid` moves the cursor to the last entry (as OP_NewRowid does).
//! - `payload_into` reuses the caller's buffer; `with_payload` lends the payload straight
//!   from the page when it has no overflow; `count` (OP_Count) walks pages only.
//! - `integrity_check` messages use SQLite 3.40.1's wording (`Page 5 is never used`, `On tree
//!   page 2 cell 0: Rowid 7 out of order`, `Main freelist: size is 3 but should be 4`, ...).
//! - Writing an auto_vacuum database (header meta 4 != 0) is refused with `SQLITE_ERROR`
//!   (pointer maps are not maintained yet); reading and checking it works.
//!
//! Layout: `format.rs` (byte helpers, header/page layout diagram), `record.rs`, `page.rs`
//! (page header, cells, `Node`), `cursor.rs` (cursor state machine), `balance.rs`,
//! `freelist.rs`, `overflow.rs`, `integrity.rs`.
//!
//! Btree invariants:
//! 1. A database with pages has a valid page 1 (header magic, page size equal to the
//!    pager's); a brand-new (0-page) database gets page 1 in its first write transaction.
//! 2. `clock` increases on every change; `stamps[root]` is the clock value of the last change
//!    to the tree `root`, and `reset_stamp` the clock at the last rollback (which may change
//!    any tree). A cursor positioned at clock `c` is stale iff a stamp of its tree is > `c`.
//! 3. Writes happen only inside a pager write transaction (`require_write`).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

pub mod balance;
mod cursor;
pub mod format;
pub mod freelist;
pub mod integrity;
pub mod overflow;
pub mod page;
pub mod record;

use crate::error::{codes::*, Error, Result};
use crate::pager::{Pager, Pgno};
use crate::value::Value;
use format::*;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Hasher for page numbers: a multiplicative mix, no SipHash (keys are not attacker-chosen
/// beyond file contents, and a collision only costs time).
#[derive(Default)]
pub(crate) struct PgnoHasher(u64);

impl Hasher for PgnoHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.0 = u64::from(v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
use std::sync::Arc;

/// A text collation: compares two UTF-8 (by convention) byte strings.
pub type Collation = Arc<dyn Fn(&[u8], &[u8]) -> Ordering + Send + Sync>;

/// How index keys compare: one entry per key column (the trailing rowid compares as integer).
#[derive(Clone, Default)]
pub struct KeyInfo {
    /// `true` for DESC columns.
    pub desc: Vec<bool>,
    /// `None` = BINARY.
    pub collations: Vec<Option<Collation>>,
}

/// Meta values stored in the database header (SQLite's `BTREE_*` meta indices).
pub const META_SCHEMA_VERSION: usize = 1; // offset 40
pub const META_DEFAULT_CACHE_SIZE: usize = 3; // offset 48
pub const META_LARGEST_ROOT_PAGE: usize = 4; // offset 52
pub const META_TEXT_ENCODING: usize = 5; // offset 56
pub const META_USER_VERSION: usize = 6; // offset 60
pub const META_INCR_VACUUM: usize = 7; // offset 64
pub const META_APPLICATION_ID: usize = 8; // offset 68

pub struct Btree {
    pub pager: Pager,
    /// Change clock (invariant 2).
    clock: u64,
    stamps: HashMap<Pgno, u64, BuildHasherDefault<PgnoHasher>>,
    /// Header meta 4 (largest root page) is non-zero: an auto_vacuum file (read-only here).
    autovacuum: bool,
    reset_stamp: u64,
}

/// Result of a seek.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekResult {
    /// The cursor is on an entry equal to the key.
    Found,
    /// The cursor is on the nearest entry, which is smaller (`Less`) or larger (`Greater`)
    /// than the key, or the tree is empty (`Empty`).
    Less,
    Greater,
    Empty,
}

/// Cursor states (see the diagram in `cursor.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CursorState {
    Invalid,
    Valid,
    RequireSeek,
    Eof,
}

pub struct BtCursor {
    pub root: Pgno,
    pub intkey: bool,
    pub key_info: Option<KeyInfo>,
    stack: Vec<(Pgno, usize)>,
    state: CursorState,
    stamp: u64,
    saved_rowid: i64,
    saved_key: Vec<u8>,
    /// `Valid` on the last entry of the tree (set by `last`, kept by appends): lets
    /// `max_rowid` and an append skip the descent (OP_NewRowid + OP_Insert).
    at_end: bool,
    /// (page, cell index, clock, parsed cell) of the entry last landed on: valid while the
    /// tree's stamp is not newer than that clock.
    cell_cache: Option<(Pgno, usize, u64, page::CellInfo)>,
    /// (rowid, result, stamp, stack top) of the last rowid seek, for `insert` to reuse while
    /// the cursor stays put and the tree is unchanged (`reusable_seek`).
    last_seek: Option<(i64, SeekResult, u64, (Pgno, usize))>,
}

impl Btree {
    /// Wrap a pager. A brand new (0-page) database gets page 1 (header + empty
    /// `sqlite_schema` table b-tree) in the first write transaction.
    pub fn new(pager: Pager) -> Result<Btree> {
        Ok(Btree {
            pager,
            clock: 1,
            stamps: HashMap::default(),
            autovacuum: false,
            reset_stamp: 0,
        })
    }

    /// Latest change stamp of tree `root` (invariant 2).
    fn stamp_of(&self, root: Pgno) -> u64 {
        self.stamps
            .get(&root)
            .copied()
            .unwrap_or(0)
            .max(self.reset_stamp)
    }

    /// Whether tree `root` changed after clock value `c` (invariant 2). No change at all since
    /// `c` (the clock has not moved: every read-only loop) is answered without a lookup.
    #[inline]
    fn changed_since(&self, root: Pgno, c: u64) -> bool {
        self.clock > c && self.stamp_of(root) > c
    }

    /// Record a change to tree `root`.
    fn touch(&mut self, root: Pgno) {
        self.clock += 1;
        self.stamps.insert(root, self.clock);
    }

    /// Everything may have changed (rollback).
    fn touch_all(&mut self) {
        self.clock += 1;
        self.reset_stamp = self.clock;
        self.stamps.clear();
    }

    fn require_write(&mut self) -> Result<()> {
        if !self.pager.in_write_txn() {
            return Err(Error::new(
                SQLITE_INTERNAL,
                "btree: write outside a write transaction",
            ));
        }
        if self.pager.page_count() == 0 {
            return Err(Error::new(SQLITE_INTERNAL, "btree: no page 1"));
        }
        // Auto-vacuum files need pointer-map upkeep, which is not implemented: refuse to
        // write rather than leave a file real SQLite would find corrupt.
        if self.autovacuum {
            return Err(Error::new(
                SQLITE_ERROR,
                "writing auto_vacuum databases is not supported yet",
            ));
        }
        Ok(())
    }

    /// Page size and usable size (page size minus reserved bytes).
    pub fn page_size(&self) -> usize {
        self.pager.page_size()
    }
    pub fn usable_size(&self) -> usize {
        self.pager.usable_size()
    }

    /// Check page 1 of an existing database and adopt its reserved-bytes setting.
    fn check_header(&mut self) -> Result<()> {
        if self.pager.page_count() == 0 {
            return Ok(());
        }
        let ps = self.pager.page_size();
        let p1 = self.pager.read(1)?;
        if p1.get(..16) != Some(&MAGIC[..]) {
            return Err(Error::notadb());
        }
        let raw = get_u16(p1, HDR_PAGE_SIZE).ok_or_else(Error::notadb)?;
        let hdr_ps = if raw == 1 { 65536 } else { usize::from(raw) };
        if hdr_ps != ps {
            return Err(Error::notadb());
        }
        let reserved = usize::from(*p1.get(HDR_RESERVED).unwrap_or(&0));
        let autovacuum = get_u32(p1, 52).unwrap_or(0) != 0;
        if p1.get(HDR_MAX_FRAC..HDR_MAX_FRAC + 3) != Some(&[64u8, 32, 32][..]) {
            return Err(Error::notadb());
        }
        if ps - reserved < 480 {
            return Err(Error::notadb());
        }
        self.autovacuum = autovacuum;
        if reserved != ps - self.pager.usable_size() {
            self.pager.set_reserved(reserved);
        }
        Ok(())
    }

    /// Write page 1 of a new database: the header exactly as SQLite 3.40.1 writes it, and an
    /// empty table-leaf root for `sqlite_schema`.
    fn new_database(&mut self) -> Result<()> {
        let ps = self.pager.page_size();
        let usable = self.pager.usable_size();
        let reserved = ps - usable;
        let p1 = self.pager.write(1)?;
        p1.fill(0);
        p1.get_mut(..16)
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?
            .copy_from_slice(MAGIC);
        put_u16(p1, HDR_PAGE_SIZE, if ps == 65536 { 1 } else { ps as u16 });
        let bytes: [(usize, u8); 6] = [
            (HDR_WRITE_VERSION, 1),
            (HDR_READ_VERSION, 1),
            (HDR_RESERVED, reserved as u8),
            (HDR_MAX_FRAC, 64),
            (HDR_MIN_FRAC, 32),
            (HDR_LEAF_FRAC, 32),
        ];
        for (o, v) in bytes {
            if let Some(b) = p1.get_mut(o) {
                *b = v;
            }
        }
        put_u32(p1, HDR_DB_SIZE, 1);
        put_u32(p1, HDR_SCHEMA_FORMAT, 4);
        put_u32(p1, HDR_TEXT_ENCODING, 1);
        put_u32(p1, HDR_VERSION_NUMBER, crate::SQLITE_VERSION_NUMBER as u32);
        let root = page::Node {
            pgno: 1,
            ptype: PTYPE_TABLE_LEAF,
            cells: page::Cells::new(),
            right: 0,
        };
        root.write_to(p1, usable)
    }

    pub fn begin_read(&mut self) -> Result<()> {
        if !self.pager.in_read_txn() {
            // Another connection may have changed the file since our last transaction.
            self.touch_all();
        }
        self.pager.begin_read()?;
        if let Err(e) = self.check_header() {
            self.pager.end_read();
            return Err(e);
        }
        Ok(())
    }
    pub fn begin_write(&mut self, exclusive: bool) -> Result<()> {
        if !self.pager.in_read_txn() {
            self.touch_all();
        }
        self.pager.begin_write(exclusive)?;
        self.check_header()?;
        if self.pager.page_count() == 0 {
            self.new_database()?;
            self.touch(1);
        }
        Ok(())
    }
    pub fn commit(&mut self) -> Result<()> {
        self.pager.commit()
    }
    pub fn rollback(&mut self) -> Result<()> {
        self.touch_all();
        self.pager.rollback()
    }
    pub fn end_read(&mut self) {
        self.pager.end_read();
    }
    /// Open nested savepoints up to `n` (pager passthrough).
    pub fn savepoint_open(&mut self, n: usize) -> Result<()> {
        self.pager.savepoint_open(n)
    }
    pub fn savepoint_release(&mut self, i: usize) -> Result<()> {
        self.pager.savepoint_release(i)
    }
    pub fn savepoint_rollback(&mut self, i: usize) -> Result<()> {
        self.touch_all();
        self.pager.savepoint_rollback(i)
    }
    /// Create an empty table (`intkey = true`) or index b-tree; returns its root page.
    pub fn create_tree(&mut self, intkey: bool) -> Result<Pgno> {
        self.require_write()?;
        let pg = freelist::allocate_page(&mut self.pager)?;
        let usable = self.pager.usable_size();
        let node = page::Node {
            pgno: pg,
            ptype: if intkey {
                PTYPE_TABLE_LEAF
            } else {
                PTYPE_INDEX_LEAF
            },
            cells: page::Cells::new(),
            right: 0,
        };
        node.write_to(self.pager.write(pg)?, usable)?;
        self.touch(pg);
        Ok(pg)
    }
    /// Free every page of the tree rooted at `root` (root included).
    pub fn drop_tree(&mut self, root: Pgno) -> Result<()> {
        self.require_write()?;
        if root < 2 {
            return Err(Error::new(SQLITE_ERROR, "cannot drop page 1"));
        }
        self.touch(root);
        self.free_subtree(root, 0, true)
    }
    /// Delete every entry, keeping the root page.
    pub fn clear_tree(&mut self, root: Pgno) -> Result<()> {
        self.require_write()?;
        self.touch(root);
        let usable = self.pager.usable_size();
        let ptype = {
            let h = page::parse_hdr(self.pager.read(root)?, root, usable)?;
            h.ptype
        };
        self.free_subtree(root, 0, false)?;
        let node = page::Node {
            pgno: root,
            ptype: if page::is_intkey(ptype) {
                PTYPE_TABLE_LEAF
            } else {
                PTYPE_INDEX_LEAF
            },
            cells: page::Cells::new(),
            right: 0,
        };
        node.write_to(self.pager.write(root)?, usable)
    }

    /// Free the overflow chains and child pages below `pg`, and `pg` itself if `free_self`.
    fn free_subtree(&mut self, pg: Pgno, depth: usize, free_self: bool) -> Result<()> {
        if depth > MAX_DEPTH || pg < 1 || pg > self.pager.page_count() {
            return Err(crate::corrupt!(pg));
        }
        let usable = self.pager.usable_size();
        let node = page::Node::load(self.pager.read(pg)?, pg, usable)?;
        for c in node.cells.iter() {
            let ci = page::parse_cell_at(c, node.ptype, 0, pg, usable)?;
            overflow::free_chain(&mut self.pager, ci.overflow, ci.payload_len, ci.local)?;
            if !node.is_leaf() {
                self.free_subtree(ci.child, depth + 1, true)?;
            }
        }
        if !node.is_leaf() {
            self.free_subtree(node.right, depth + 1, true)?;
        }
        if free_self {
            freelist::free_page(&mut self.pager, pg)?;
        }
        Ok(())
    }

    pub fn get_meta(&mut self, idx: usize) -> Result<u32> {
        if idx > 15 {
            return Err(Error::range());
        }
        if self.pager.page_count() == 0 {
            return Ok(0);
        }
        get_u32(self.pager.read(1)?, 36 + 4 * idx).ok_or_else(|| crate::corrupt!(1))
    }
    pub fn set_meta(&mut self, idx: usize, v: u32) -> Result<()> {
        self.require_write()?;
        if idx == 0 || idx > 15 {
            return Err(Error::range());
        }
        put_u32(self.pager.write(1)?, 36 + 4 * idx, v);
        if idx == META_LARGEST_ROOT_PAGE {
            self.autovacuum = v != 0;
        }
        Ok(())
    }
    pub fn freelist_count(&mut self) -> Result<u32> {
        freelist::freelist_count(&mut self.pager)
    }
    /// `PRAGMA integrity_check` over the given roots; returns SQLite-style messages (empty = ok).
    pub fn integrity_check(&mut self, roots: &[Pgno], max_errors: usize) -> Result<Vec<String>> {
        integrity::check(self, roots, max_errors)
    }
}

impl BtCursor {
    pub fn new(root: Pgno, intkey: bool, key_info: Option<KeyInfo>) -> BtCursor {
        Self::with_buffers(root, intkey, key_info, Vec::with_capacity(8), Vec::new())
    }
    fn with_buffers(
        root: Pgno,
        intkey: bool,
        key_info: Option<KeyInfo>,
        mut stack: Vec<(Pgno, usize)>,
        mut saved_key: Vec<u8>,
    ) -> BtCursor {
        stack.clear();
        saved_key.clear();
        BtCursor {
            root,
            intkey,
            key_info,
            stack,
            state: CursorState::Invalid,
            stamp: 0,
            saved_rowid: 0,
            saved_key,
            at_end: false,
            cell_cache: None,
            last_seek: None,
        }
    }
    /// Make this cursor what `BtCursor::new(root, intkey, key_info)` returns, keeping its
    /// buffers (a statement run again reopens its cursors without allocating).
    pub fn reopen(&mut self, root: Pgno, intkey: bool, key_info: Option<KeyInfo>) {
        let stack = std::mem::take(&mut self.stack);
        let key = std::mem::take(&mut self.saved_key);
        *self = Self::with_buffers(root, intkey, key_info, stack, key);
    }
    /// Move to the first entry; `false` if the tree is empty.
    pub fn first(&mut self, bt: &mut Btree) -> Result<bool> {
        self.check_invariants();
        self.first_impl(bt)
    }
    pub fn last(&mut self, bt: &mut Btree) -> Result<bool> {
        self.check_invariants();
        self.last_impl(bt)
    }
    /// `false` when moved past the end.
    pub fn next(&mut self, bt: &mut Btree) -> Result<bool> {
        self.check_invariants();
        self.next_impl(bt)
    }
    pub fn prev(&mut self, bt: &mut Btree) -> Result<bool> {
        self.check_invariants();
        self.prev_impl(bt)
    }
    /// On an entry (or on a saved position that will be re-sought).
    pub fn is_valid(&self) -> bool {
        matches!(self.state, CursorState::Valid | CursorState::RequireSeek)
    }
    /// Table b-tree: seek a rowid.
    pub fn seek_rowid(&mut self, bt: &mut Btree, rowid: i64) -> Result<SeekResult> {
        if !self.intkey {
            return Err(Error::misuse());
        }
        self.seek_rowid_inner(bt, rowid)
    }
    /// Index b-tree: seek the key (a prefix of the index columns is allowed: entries equal on
    /// the prefix compare `Equal`, and the cursor lands on any one of them).
    pub fn seek_index(&mut self, bt: &mut Btree, key: &[Value]) -> Result<SeekResult> {
        self.seek_index_with(bt, key, Ordering::Equal)
    }
    /// Index b-tree: seek with SQLite's `default_rc`: `tie` is how an entry equal to `key` on
    /// all of `key`'s columns compares. `Greater` lands on the first entry >= key (or the
    /// last entry < key, result `Less`); `Less` lands just after all such entries (on the last
    /// entry <= key, result `Less`, or the first > key, result `Greater`). Never `Found`
    /// unless `tie` is `Equal`.
    pub fn seek_index_with(
        &mut self,
        bt: &mut Btree,
        key: &[Value],
        tie: Ordering,
    ) -> Result<SeekResult> {
        if self.intkey {
            return Err(Error::misuse());
        }
        let ki = self.key_info.take();
        let r = self.seek_index_inner(bt, key, ki.as_ref().unwrap_or(&cursor::NO_KEY_INFO), tie);
        self.key_info = ki;
        r
    }
    /// Rowid of the current entry (table b-tree; for an index, the last key column).
    pub fn rowid(&mut self, bt: &mut Btree) -> Result<i64> {
        self.rowid_impl(bt)
    }
    /// The whole payload of the current entry (record bytes, overflow included).
    pub fn payload(&mut self, bt: &mut Btree) -> Result<Vec<u8>> {
        let mut v = Vec::new();
        self.payload_impl(bt, &mut v)?;
        Ok(v)
    }
    /// Like [`payload`](Self::payload), into a reused buffer (cleared first).
    pub fn payload_into(&mut self, bt: &mut Btree, out: &mut Vec<u8>) -> Result<()> {
        self.payload_impl(bt, out)
    }
    /// Call `f` with the current entry's whole payload, borrowed from the page when it has
    /// no overflow chain (no copy), else assembled in a temporary buffer.
    pub fn with_payload<R>(&mut self, bt: &mut Btree, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
        let (pg, ci) = self.current_cell(bt)?;
        if ci.overflow == 0 {
            let data = bt.pager.read(pg)?;
            let p = data
                .get(ci.payload_off..ci.payload_off + ci.local)
                .ok_or_else(|| crate::corrupt!(pg))?;
            return Ok(f(p));
        }
        let mut buf = Vec::new();
        cursor::cell_payload(bt, pg, &ci, &mut buf)?;
        Ok(f(&buf))
    }
    /// Table b-tree: insert or replace the row with `rowid`.
    pub fn insert(&mut self, bt: &mut Btree, rowid: i64, record: &[u8]) -> Result<()> {
        self.check_invariants();
        self.insert_impl(bt, rowid, record)
    }
    /// Index b-tree: insert the key record (an equal key is replaced; identical bytes: no-op).
    pub fn insert_index(&mut self, bt: &mut Btree, key: &[u8]) -> Result<()> {
        self.insert_index_impl(bt, key)
    }
    /// Delete the current entry; the cursor then points just before the next entry, so a
    /// following `next()` lands on it (and `prev()` on the entry before the deleted one).
    pub fn delete(&mut self, bt: &mut Btree) -> Result<()> {
        self.check_invariants();
        self.delete_impl(bt)
    }
    /// Largest rowid in the table (0 if empty): for new rowids.
    pub fn max_rowid(&mut self, bt: &mut Btree) -> Result<i64> {
        if self.intkey && self.at_end && self.fresh(bt) {
            return Ok(self.saved_rowid);
        }
        if self.last(bt)? {
            self.rowid(bt)
        } else {
            Ok(0)
        }
    }
    /// Number of entries in the tree (`OP_Count`): walks the pages, not the records.
    pub fn count(&mut self, bt: &mut Btree) -> Result<i64> {
        cursor::count_entries(bt, self.root, self.intkey)
    }
    /// Debug-build consistency check of the cursor's own state (invariants 1 and 4 of
    /// `cursor.rs`); free in release builds.
    #[cfg(debug_assertions)]
    pub fn check_invariants(&self) {
        debug_assert!(self.stack.len() <= MAX_DEPTH);
        debug_assert!(self.state != CursorState::Valid || !self.stack.is_empty());
        debug_assert!(self.stack.first().is_none_or(|&(pg, _)| pg == self.root));
    }
    #[cfg(not(debug_assertions))]
    pub fn check_invariants(&self) {}
    /// Forget the position (the next call must be a seek, first or last).
    pub fn invalidate(&mut self) {
        self.state = CursorState::Invalid;
        self.stack.clear();
    }
}
