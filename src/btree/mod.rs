//! B-trees on SQLite's file format 4: table (intkey) and index b-trees, records, overflow
//! chains, freelist, integrity check.
//!
//! CONTRACT (owned by the b-tree agent; the VDBE uses only what is declared here; the bodies
//! below are placeholders with the final signatures).
//! - A [`Btree`] owns the [`Pager`] of one database file (main, temp or attached).
//! - Cursors do not borrow the `Btree`: every cursor method takes `&mut Btree`, so the VDBE
//!   can keep many cursors open on one b-tree. A cursor stays valid across writes by other
//!   cursors on the same b-tree (it re-seeks lazily if the tree changed, as SQLite's
//!   CURSOR_REQUIRESEEK).
//! - Records are SQLite's record format (`record.rs`): `encode_record(&[Value]) -> Vec<u8>`,
//!   lazy decoding with [`record::RecordReader`].
//! - Index keys are records compared with [`KeyInfo`] (per-column collation and sort order).

pub mod record;

use crate::error::{codes::*, Error, Result};
use crate::pager::{Pager, Pgno};
use crate::value::Value;
use std::cmp::Ordering;
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

pub struct BtCursor {
    pub root: Pgno,
    pub intkey: bool,
    pub key_info: Option<KeyInfo>,
}

fn todo_err() -> Error {
    Error::new(SQLITE_INTERNAL, "btree: not implemented")
}

impl Btree {
    /// Wrap a pager. A brand new (0-page) database gets page 1 (header + empty
    /// `sqlite_schema` table b-tree) in the first write transaction.
    pub fn new(pager: Pager) -> Result<Btree> {
        Ok(Btree { pager })
    }
    pub fn begin_read(&mut self) -> Result<()> {
        Err(todo_err())
    }
    pub fn begin_write(&mut self, _exclusive: bool) -> Result<()> {
        Err(todo_err())
    }
    pub fn commit(&mut self) -> Result<()> {
        Err(todo_err())
    }
    pub fn rollback(&mut self) -> Result<()> {
        Err(todo_err())
    }
    pub fn end_read(&mut self) {}
    /// Create an empty table (`intkey = true`) or index b-tree; returns its root page.
    pub fn create_tree(&mut self, _intkey: bool) -> Result<Pgno> {
        Err(todo_err())
    }
    /// Free every page of the tree rooted at `root` (root included).
    pub fn drop_tree(&mut self, _root: Pgno) -> Result<()> {
        Err(todo_err())
    }
    /// Delete every entry, keeping the root page.
    pub fn clear_tree(&mut self, _root: Pgno) -> Result<()> {
        Err(todo_err())
    }
    pub fn get_meta(&mut self, _idx: usize) -> Result<u32> {
        Err(todo_err())
    }
    pub fn set_meta(&mut self, _idx: usize, _v: u32) -> Result<()> {
        Err(todo_err())
    }
    pub fn freelist_count(&mut self) -> Result<u32> {
        Err(todo_err())
    }
    /// `PRAGMA integrity_check` over the given roots; returns SQLite-style messages (empty = ok).
    pub fn integrity_check(&mut self, _roots: &[Pgno], _max_errors: usize) -> Result<Vec<String>> {
        Err(todo_err())
    }
}

impl BtCursor {
    pub fn new(root: Pgno, intkey: bool, key_info: Option<KeyInfo>) -> BtCursor {
        BtCursor {
            root,
            intkey,
            key_info,
        }
    }
    /// Move to the first entry; `false` if the tree is empty.
    pub fn first(&mut self, _bt: &mut Btree) -> Result<bool> {
        Err(todo_err())
    }
    pub fn last(&mut self, _bt: &mut Btree) -> Result<bool> {
        Err(todo_err())
    }
    /// `false` when moved past the end.
    pub fn next(&mut self, _bt: &mut Btree) -> Result<bool> {
        Err(todo_err())
    }
    pub fn prev(&mut self, _bt: &mut Btree) -> Result<bool> {
        Err(todo_err())
    }
    pub fn is_valid(&self) -> bool {
        false
    }
    /// Table b-tree: seek a rowid.
    pub fn seek_rowid(&mut self, _bt: &mut Btree, _rowid: i64) -> Result<SeekResult> {
        Err(todo_err())
    }
    /// Index b-tree: seek the key (a prefix of the index columns is allowed; with
    /// `prefix_only` the comparison ignores the remaining columns).
    pub fn seek_index(&mut self, _bt: &mut Btree, _key: &[Value]) -> Result<SeekResult> {
        Err(todo_err())
    }
    /// Rowid of the current entry (table b-tree).
    pub fn rowid(&mut self, _bt: &mut Btree) -> Result<i64> {
        Err(todo_err())
    }
    /// The whole payload of the current entry (record bytes, overflow included).
    pub fn payload(&mut self, _bt: &mut Btree) -> Result<Vec<u8>> {
        Err(todo_err())
    }
    /// Table b-tree: insert or replace the row with `rowid`.
    pub fn insert(&mut self, _bt: &mut Btree, _rowid: i64, _record: &[u8]) -> Result<()> {
        Err(todo_err())
    }
    /// Index b-tree: insert the key record (no-op replace if an identical key exists).
    pub fn insert_index(&mut self, _bt: &mut Btree, _key: &[u8]) -> Result<()> {
        Err(todo_err())
    }
    /// Delete the current entry; the cursor then points just before the next entry, so a
    /// following `next()` lands on it.
    pub fn delete(&mut self, _bt: &mut Btree) -> Result<()> {
        Err(todo_err())
    }
    /// Largest rowid in the table (0 if empty): for new rowids.
    pub fn max_rowid(&mut self, _bt: &mut Btree) -> Result<i64> {
        Err(todo_err())
    }
}
