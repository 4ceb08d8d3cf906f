//! Cursors: positioning (seek, first/last, next/prev), reading (rowid, payload) and
//! writing (insert, delete) on one b-tree.
//!
//! State diagram (`CursorState`):
//!
//! ```text
//!              first/last/seek (tree non-empty)
//!   Invalid ────────────────────────────────────► Valid ◄──┐ next/prev (entry exists)
//!      ▲  │ first/last/seek (tree empty)           │  │     │
//!      │  ▼                                        │  └─────┘
//!      │  Eof ◄──────────── next/prev past the end ┘
//!      │                                           │ write through another cursor
//!      │                                           │ (tree stamp moved), or delete/
//!      │                                           ▼ insert through this one
//!      └──────────── (seek) ─────────────── RequireSeek ── next/prev/read: re-seek the
//!                                                           saved key, then as Valid
//! ```
//! Transitions: Invalid→Valid|Eof [first, last, seek_*]; Valid→Valid [next, prev];
//! Valid→Eof [next, prev]; Valid→RequireSeek [delete, insert, or any write to the tree
//! detected by `restore`]; RequireSeek→Valid|Eof [next, prev, rowid, payload via `restore`].
//!
//! Invariants:
//! 1. In `Valid`, `stack` is the path from the root: every entry but the last is
//!    (interior page, index of the child taken); the last is (page, cell index) and that cell
//!    exists. On an index b-tree the last entry may be an interior page (its cells are
//!    entries too).
//! 2. In `Valid`, `saved_rowid` (table) or `saved_key` (index) holds the current key, and
//!    `stamp` is the b-tree clock at positioning; a tree stamp newer than `stamp` means the
//!    pages may have changed and the cursor re-seeks the saved key (`RequireSeek`).
//! 3. After `delete`, the cursor is `RequireSeek` on the deleted key: `next` lands on the
//!    first entry greater than it, `prev` on the last entry smaller.
//! 4. The stack never exceeds `MAX_DEPTH` (20) entries; page types along a path are
//!    checked (table vs index), so a corrupt tree is `SQLITE_CORRUPT`, never a loop.

use super::balance::{self, underfull};
use super::format::*;
use super::overflow;
use super::page::*;
use super::record::{
    decode_record, decode_refs, try_compare_record_to_key, KeyField, RecordReader,
};
use super::{BtCursor, Btree, CursorState, KeyInfo, SeekResult};
use crate::error::{codes::*, Error, Result};
use crate::pager::Pgno;
use crate::value::Value;
use std::cmp::Ordering;

/// Binary collation, ascending: what an index without a `KeyInfo` uses.
pub(super) static NO_KEY_INFO: KeyInfo = KeyInfo {
    desc: Vec::new(),
    collations: Vec::new(),
};

fn hdr(bt: &mut Btree, pg: Pgno) -> Result<PageHdr> {
    let usable = bt.pager.usable_size();
    if pg == 0 || pg > bt.pager.page_count() {
        return Err(crate::corrupt!(pg));
    }
    parse_hdr(bt.pager.read(pg)?, pg, usable)
}

fn cell(bt: &mut Btree, pg: Pgno, h: &PageHdr, i: usize) -> Result<CellInfo> {
    let usable = bt.pager.usable_size();
    parse_cell(bt.pager.read(pg)?, h, i, pg, usable)
}

fn child_of(bt: &mut Btree, pg: Pgno, h: &PageHdr, i: usize) -> Result<Pgno> {
    if i == h.ncells {
        return Ok(h.right);
    }
    Ok(cell(bt, pg, h, i)?.child)
}

/// The whole payload of a cell (local part plus overflow chain) into `out`.
pub(crate) fn cell_payload(
    bt: &mut Btree,
    pg: Pgno,
    ci: &CellInfo,
    out: &mut Vec<u8>,
) -> Result<()> {
    out.clear();
    let d = bt.pager.read(pg)?;
    out.extend_from_slice(
        d.get(ci.payload_off..ci.payload_off + ci.local)
            .ok_or_else(|| crate::corrupt!(pg))?,
    );
    if ci.overflow != 0 {
        overflow::read_overflow(&mut bt.pager, ci.overflow, ci.payload_len, out)?;
    }
    Ok(())
}

impl BtCursor {
    fn check_type(&self, h: &PageHdr, pg: Pgno) -> Result<()> {
        if h.intkey != self.intkey {
            return Err(crate::corrupt!(pg));
        }
        Ok(())
    }

    fn push(&mut self, pg: Pgno, idx: usize) -> Result<()> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(crate::corrupt!(pg));
        }
        self.stack.push((pg, idx));
        Ok(())
    }

    fn top(&self) -> Result<(Pgno, usize)> {
        self.stack
            .last()
            .copied()
            .ok_or_else(|| Error::new(SQLITE_INTERNAL, "btree: cursor has no position"))
    }

    fn set_top_idx(&mut self, idx: usize) {
        if let Some(t) = self.stack.last_mut() {
            t.1 = idx;
        }
    }

    /// Record the current entry's key and the tree clock (invariant 2).
    fn landed(&mut self, bt: &mut Btree) -> Result<()> {
        self.at_end = false;
        let (pg, idx) = self.top()?;
        if pg == 0 || pg > bt.pager.page_count() {
            return Err(crate::corrupt!(pg));
        }
        let usable = bt.pager.usable_size();
        let ci = {
            let data = bt.pager.read(pg)?;
            let h = parse_hdr(data, pg, usable)?;
            parse_cell(data, &h, idx, pg, usable)?
        };
        self.cell_cache = Some((pg, idx, bt.clock, ci));
        if self.intkey {
            self.saved_rowid = ci.key;
        } else {
            let mut k = std::mem::take(&mut self.saved_key);
            cell_payload(bt, pg, &ci, &mut k)?;
            self.saved_key = k;
        }
        self.state = CursorState::Valid;
        self.stamp = bt.clock;
        Ok(())
    }

    /// Descend from `pg` to the left-most leaf, pushing the path.
    fn descend_leftmost(&mut self, bt: &mut Btree, mut pg: Pgno) -> Result<PageHdr> {
        loop {
            let h = hdr(bt, pg)?;
            self.check_type(&h, pg)?;
            self.push(pg, 0)?;
            if h.leaf {
                return Ok(h);
            }
            pg = child_of(bt, pg, &h, 0)?;
        }
    }

    fn descend_rightmost(&mut self, bt: &mut Btree, mut pg: Pgno) -> Result<PageHdr> {
        loop {
            let h = hdr(bt, pg)?;
            self.check_type(&h, pg)?;
            if h.leaf {
                self.push(pg, h.ncells.saturating_sub(1))?;
                return Ok(h);
            }
            self.push(pg, h.ncells)?;
            pg = h.right;
        }
    }

    /// The top (exhausted) page is done: pop up to the next entry in key order.
    fn ascend_forward(&mut self, bt: &mut Btree) -> Result<bool> {
        loop {
            self.stack.pop();
            let Some(&(ppg, pidx)) = self.stack.last() else {
                self.state = CursorState::Eof;
                return Ok(false);
            };
            let ph = hdr(bt, ppg)?;
            if pidx < ph.ncells {
                if ph.intkey {
                    self.set_top_idx(pidx + 1);
                    let c = child_of(bt, ppg, &ph, pidx + 1)?;
                    let lh = self.descend_leftmost(bt, c)?;
                    if lh.ncells > 0 {
                        return Ok(true);
                    }
                } else {
                    return Ok(true);
                }
            }
        }
    }

    fn ascend_backward(&mut self, bt: &mut Btree) -> Result<bool> {
        loop {
            self.stack.pop();
            let Some(&(ppg, pidx)) = self.stack.last() else {
                self.state = CursorState::Eof;
                return Ok(false);
            };
            if pidx > 0 {
                let ph = hdr(bt, ppg)?;
                if pidx > ph.ncells {
                    return Err(crate::corrupt!(ppg));
                }
                self.set_top_idx(pidx - 1);
                if ph.intkey {
                    let c = child_of(bt, ppg, &ph, pidx - 1)?;
                    let lh = self.descend_rightmost(bt, c)?;
                    if lh.ncells > 0 {
                        return Ok(true);
                    }
                } else {
                    return Ok(true);
                }
            }
        }
    }

    fn next_inner(&mut self, bt: &mut Btree) -> Result<bool> {
        let (pg, idx) = self.top()?;
        let h = hdr(bt, pg)?;
        if h.leaf {
            if idx + 1 < h.ncells {
                self.set_top_idx(idx + 1);
                return Ok(true);
            }
            return self.ascend_forward(bt);
        }
        // On an interior cell of an index b-tree: the successor is the left-most entry of
        // the next child.
        self.set_top_idx(idx + 1);
        let c = child_of(bt, pg, &h, idx + 1)?;
        let lh = self.descend_leftmost(bt, c)?;
        if lh.ncells > 0 {
            return Ok(true);
        }
        self.ascend_forward(bt)
    }

    fn prev_inner(&mut self, bt: &mut Btree) -> Result<bool> {
        let (pg, idx) = self.top()?;
        let h = hdr(bt, pg)?;
        if h.leaf {
            if idx > 0 && idx <= h.ncells {
                self.set_top_idx(idx - 1);
                return Ok(true);
            }
            return self.ascend_backward(bt);
        }
        let c = child_of(bt, pg, &h, idx)?;
        let lh = self.descend_rightmost(bt, c)?;
        if lh.ncells > 0 {
            return Ok(true);
        }
        self.ascend_backward(bt)
    }

    /// Make the position usable: turn a stale `Valid` into `RequireSeek`, then re-seek.
    /// Returns the seek result for `RequireSeek` (Found if the position was fine).
    fn restore(&mut self, bt: &mut Btree) -> Result<SeekResult> {
        if self.state == CursorState::Valid && bt.changed_since(self.root, self.stamp) {
            self.state = CursorState::RequireSeek;
        }
        match self.state {
            CursorState::Valid => Ok(SeekResult::Found),
            CursorState::RequireSeek => {
                if self.intkey {
                    let r = self.saved_rowid;
                    self.seek_rowid_inner(bt, r)
                } else {
                    let key = decode_record(&self.saved_key)?;
                    let ki = self.key_info.take();
                    let r = self.seek_index_inner(
                        bt,
                        &key,
                        ki.as_ref().unwrap_or(&NO_KEY_INFO),
                        Ordering::Equal,
                    );
                    self.key_info = ki;
                    r
                }
            }
            CursorState::Invalid | CursorState::Eof => Ok(SeekResult::Empty),
        }
    }

    fn finish(&mut self, bt: &mut Btree, moved: bool) -> Result<bool> {
        if moved {
            self.landed(bt)?;
        } else {
            self.state = CursorState::Eof;
        }
        Ok(moved)
    }

    pub(super) fn first_impl(&mut self, bt: &mut Btree) -> Result<bool> {
        self.stack.clear();
        self.state = CursorState::Eof;
        if bt.pager.page_count() == 0 {
            return Ok(false);
        }
        let h = self.descend_leftmost(bt, self.root)?;
        let moved = if h.ncells > 0 {
            true
        } else {
            self.ascend_forward(bt)?
        };
        self.finish(bt, moved)
    }

    pub(super) fn last_impl(&mut self, bt: &mut Btree) -> Result<bool> {
        self.stack.clear();
        self.state = CursorState::Eof;
        if bt.pager.page_count() == 0 {
            return Ok(false);
        }
        let h = self.descend_rightmost(bt, self.root)?;
        let moved = if h.ncells > 0 {
            true
        } else {
            self.ascend_backward(bt)?
        };
        let r = self.finish(bt, moved);
        // Only when on the right-most leaf itself (appends go there).
        self.at_end = moved && self.intkey && h.ncells > 0;
        r
    }

    /// `Valid` and no change to the tree since positioning.
    pub(super) fn fresh(&self, bt: &Btree) -> bool {
        self.state == CursorState::Valid && !bt.changed_since(self.root, self.stamp)
    }

    pub(super) fn next_impl(&mut self, bt: &mut Btree) -> Result<bool> {
        if self.fresh(bt) && self.next_on_leaf(bt)? {
            return Ok(true);
        }
        self.next_slow(bt)
    }

    /// `next` within the current leaf of an unchanged tree (the common step of a scan): one
    /// page access, the landing done in place. `false` (nothing changed) when the cursor is
    /// not on a leaf or is on its last cell; the general path handles those.
    fn next_on_leaf(&mut self, bt: &mut Btree) -> Result<bool> {
        let Some(&(pg, idx)) = self.stack.last() else {
            return Ok(false);
        };
        let usable = bt.pager.usable_size();
        let ci = {
            let data = bt.pager.read(pg)?;
            let h = parse_hdr(data, pg, usable)?;
            if !h.leaf || idx + 1 >= h.ncells {
                return Ok(false);
            }
            parse_cell(data, &h, idx + 1, pg, usable)?
        };
        // As `landed`, for cell idx + 1 of the same page.
        self.set_top_idx(idx + 1);
        self.at_end = false;
        self.cell_cache = Some((pg, idx + 1, bt.clock, ci));
        if self.intkey {
            self.saved_rowid = ci.key;
        } else {
            let mut k = std::mem::take(&mut self.saved_key);
            cell_payload(bt, pg, &ci, &mut k)?;
            self.saved_key = k;
        }
        self.stamp = bt.clock;
        Ok(true)
    }

    fn next_slow(&mut self, bt: &mut Btree) -> Result<bool> {
        let moved = match self.restore(bt)? {
            SeekResult::Found | SeekResult::Less => self.next_inner(bt)?,
            SeekResult::Greater => true,
            SeekResult::Empty => false,
        };
        self.finish(bt, moved)
    }

    pub(super) fn prev_impl(&mut self, bt: &mut Btree) -> Result<bool> {
        let moved = match self.restore(bt)? {
            SeekResult::Found | SeekResult::Greater => self.prev_inner(bt)?,
            SeekResult::Less => true,
            SeekResult::Empty => false,
        };
        self.finish(bt, moved)
    }

    /// Position on the current entry for reading; error if it no longer exists.
    fn current(&mut self, bt: &mut Btree) -> Result<(Pgno, CellInfo)> {
        match self.restore(bt)? {
            SeekResult::Found => {}
            _ => return Err(Error::new(SQLITE_ABORT, "btree: cursor is not on an entry")),
        }
        if self.state != CursorState::Valid {
            self.landed(bt)?;
        }
        let (pg, idx) = self.top()?;
        // The cell found when landing, unless the tree changed since (`restore` just made
        // the position current, so the tree's stamp is not newer than `self.stamp`).
        if let Some((cpg, cidx, stamp, ci)) = self.cell_cache {
            if cpg == pg && cidx == idx && self.stamp <= stamp {
                return Ok((pg, ci));
            }
        }
        let h = hdr(bt, pg)?;
        Ok((pg, cell(bt, pg, &h, idx)?))
    }

    pub(super) fn current_cell(&mut self, bt: &mut Btree) -> Result<(Pgno, CellInfo)> {
        self.current(bt)
    }

    pub(super) fn rowid_impl(&mut self, bt: &mut Btree) -> Result<i64> {
        // Table cursor on an entry of an unchanged tree: `saved_rowid` is its key
        // (invariant 2), no page access needed.
        if self.intkey && self.fresh(bt) {
            return Ok(self.saved_rowid);
        }
        let (pg, ci) = self.current(bt)?;
        if self.intkey {
            return Ok(ci.key);
        }
        // Index: the rowid is the last column of the key.
        let mut buf = Vec::new();
        cell_payload(bt, pg, &ci, &mut buf)?;
        let r = RecordReader::new(&buf)?;
        match r.column(&buf, r.column_count().saturating_sub(1))? {
            Value::Integer(i) => Ok(i),
            _ => Err(crate::corrupt!(pg)),
        }
    }

    pub(super) fn payload_impl(&mut self, bt: &mut Btree, out: &mut Vec<u8>) -> Result<()> {
        let (pg, ci) = self.current(bt)?;
        cell_payload(bt, pg, &ci, out)
    }

    /// Binary-search descent for a rowid. Leaves the cursor on the entry, or on the nearest
    /// entry of the leaf where it would be.
    pub(super) fn seek_rowid_inner(&mut self, bt: &mut Btree, rowid: i64) -> Result<SeekResult> {
        let r = self.seek_rowid_descend(bt, rowid)?;
        self.last_seek = match (r, self.state, self.stack.last()) {
            (
                SeekResult::Found | SeekResult::Less | SeekResult::Greater,
                CursorState::Valid,
                Some(&top),
            ) => Some((rowid, r, self.stamp, top)),
            _ => None,
        };
        Ok(r)
    }

    /// The result of the last `seek_rowid_inner(rowid)` when it still holds: the cursor has
    /// not moved since (same leaf position) and the tree has not changed (same stamp, still
    /// fresh), so a new descent would land on the same entry with the same result (SQLite's
    /// OPFLAG_USESEEKRESULT: OP_NotExists then OP_Insert of the same rowid seek once).
    fn reusable_seek(&self, bt: &Btree, rowid: i64) -> Option<SeekResult> {
        let (k, r, stamp, top) = self.last_seek?;
        (k == rowid && stamp == self.stamp && self.fresh(bt) && self.stack.last() == Some(&top))
            .then_some(r)
    }

    fn seek_rowid_descend(&mut self, bt: &mut Btree, rowid: i64) -> Result<SeekResult> {
        // Already on the last entry of an unchanged tree (SQLite's BTCF_AtLast): a key at or
        // past it needs no descent (OP_NotExists + OP_Insert of increasing rowids).
        if self.at_end && self.fresh(bt) {
            if rowid > self.saved_rowid {
                return Ok(SeekResult::Less);
            }
            if rowid == self.saved_rowid {
                return Ok(SeekResult::Found);
            }
        }
        self.at_end = false;
        // Whether the descent so far took only right-most children.
        let mut rightmost = true;
        self.stack.clear();
        self.state = CursorState::Eof;
        let npages = bt.pager.page_count();
        if npages == 0 {
            return Ok(SeekResult::Empty);
        }
        let usable = bt.pager.usable_size();
        let mut pg = self.root;
        loop {
            if pg == 0 || pg > npages {
                return Err(crate::corrupt!(pg));
            }
            // One page borrow for the whole binary search.
            let (h, lo, found, child) = {
                let data = bt.pager.read(pg)?;
                let h = parse_hdr(data, pg, usable)?;
                let (mut lo, mut hi) = (0usize, h.ncells);
                let mut found = false;
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    let k = table_cell_key(data, &h, mid, pg, usable)?;
                    if h.leaf && k == rowid {
                        lo = mid;
                        found = true;
                        break;
                    }
                    if k < rowid {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                let child = if h.leaf {
                    0
                } else if lo == h.ncells {
                    h.right
                } else {
                    parse_cell(data, &h, lo, pg, usable)?.child
                };
                (h, lo, found, child)
            };
            self.check_type(&h, pg)?;
            if found {
                self.push(pg, lo)?;
                self.saved_rowid = rowid;
                self.state = CursorState::Valid;
                self.stamp = bt.clock;
                self.at_end = rightmost && lo + 1 == h.ncells;
                return Ok(SeekResult::Found);
            }
            if h.leaf {
                let r = self.settle_leaf(bt, pg, &h, lo)?;
                // Resting on the last cell of the right-most leaf: the last entry.
                self.at_end = rightmost
                    && r == SeekResult::Less
                    && self.state == CursorState::Valid
                    && self.stack.last() == Some(&(pg, h.ncells.wrapping_sub(1)));
                return Ok(r);
            }
            rightmost &= lo == h.ncells;
            self.push(pg, lo)?;
            pg = child;
        }
    }

    /// At a leaf after a binary search with insertion point `lo`: rest on the entry at `lo`
    /// (Greater) or the one before it (Less).
    fn settle_leaf(
        &mut self,
        bt: &mut Btree,
        pg: Pgno,
        h: &PageHdr,
        lo: usize,
    ) -> Result<SeekResult> {
        if lo < h.ncells {
            self.push(pg, lo)?;
            self.landed(bt)?;
            return Ok(SeekResult::Greater);
        }
        if h.ncells > 0 {
            self.push(pg, h.ncells - 1)?;
            self.landed(bt)?;
            return Ok(SeekResult::Less);
        }
        // Empty leaf: the root of an empty tree, or (only in damaged-but-readable trees) an
        // empty non-root leaf.
        self.push(pg, 0)?;
        if self.stack.len() == 1 {
            self.state = CursorState::Eof;
            return Ok(SeekResult::Empty);
        }
        if self.ascend_forward(bt)? {
            self.landed(bt)?;
            return Ok(SeekResult::Greater);
        }
        if self.last_impl(bt)? {
            return Ok(SeekResult::Less);
        }
        Ok(SeekResult::Empty)
    }

    /// Binary search of index page `pg` for `key`: (header, insertion point, found).
    /// Compares in place on the page; only cells with overflow are copied out.
    fn index_search<K: KeyField>(
        bt: &mut Btree,
        pg: Pgno,
        key: &[K],
        ki: &KeyInfo,
        tie: Ordering,
    ) -> Result<(PageHdr, usize, bool)> {
        let usable = bt.pager.usable_size();
        let h = parse_hdr(bt.pager.read(pg)?, pg, usable)?;
        let (mut lo, mut hi) = (0usize, h.ncells);
        loop {
            if lo >= hi {
                return Ok((h, lo, false));
            }
            // Search in place until a probe needs an overflow chain.
            let spill = {
                let data = bt.pager.read(pg)?;
                let mut spill = None;
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    let ci = parse_cell(data, &h, mid, pg, usable)?;
                    let local = data
                        .get(ci.payload_off..ci.payload_off + ci.local)
                        .ok_or_else(|| crate::corrupt!(pg))?;
                    if ci.overflow != 0 {
                        spill = Some((mid, ci, local.to_vec()));
                        break;
                    }
                    match try_compare_record_to_key(local, key, ki, tie)? {
                        Ordering::Equal => return Ok((h, mid, true)),
                        Ordering::Less => lo = mid + 1,
                        Ordering::Greater => hi = mid,
                    }
                }
                spill
            };
            if let Some((mid, ci, mut buf)) = spill {
                overflow::read_overflow(&mut bt.pager, ci.overflow, ci.payload_len, &mut buf)?;
                match try_compare_record_to_key(&buf, key, ki, tie)? {
                    Ordering::Equal => return Ok((h, mid, true)),
                    Ordering::Less => lo = mid + 1,
                    Ordering::Greater => hi = mid,
                }
            }
        }
    }

    pub(super) fn seek_index_inner<K: KeyField>(
        &mut self,
        bt: &mut Btree,
        key: &[K],
        ki: &KeyInfo,
        tie: Ordering,
    ) -> Result<SeekResult> {
        self.stack.clear();
        self.state = CursorState::Eof;
        let npages = bt.pager.page_count();
        if npages == 0 {
            return Ok(SeekResult::Empty);
        }
        let mut pg = self.root;
        loop {
            if pg == 0 || pg > npages {
                return Err(crate::corrupt!(pg));
            }
            let (h, lo, found) = Self::index_search(bt, pg, key, ki, tie)?;
            self.check_type(&h, pg)?;
            if found {
                self.push(pg, lo)?;
                self.landed(bt)?;
                return Ok(SeekResult::Found);
            }
            if h.leaf {
                return self.settle_leaf(bt, pg, &h, lo);
            }
            self.push(pg, lo)?;
            pg = child_of(bt, pg, &h, lo)?;
        }
    }

    /// Ancestors of the current page, as `balance` wants them.
    fn path(&self) -> Vec<(Pgno, usize)> {
        let n = self.stack.len().saturating_sub(1);
        self.stack.get(..n).unwrap_or(&[]).to_vec()
    }

    /// Insert `cell` at the leaf position where a seek that returned `r` left the cursor, or
    /// replace the current cell when `r` is Found.
    fn insert_cell(&mut self, bt: &mut Btree, r: SeekResult, cell_bytes: Vec<u8>) -> Result<()> {
        let usable = bt.pager.usable_size();
        let (pg, idx) = self.top()?;
        let h = hdr(bt, pg)?;
        if r == SeekResult::Found && h.leaf {
            let old = cell(bt, pg, &h, idx)?;
            overflow::free_chain(&mut bt.pager, old.overflow, old.payload_len, old.local)?;
            bt.touch(self.root);
            let data = bt.pager.write(pg)?;
            drop_cell(data, pg, usable, idx)?;
            if try_insert_in_place(data, pg, usable, idx, &cell_bytes)? {
                self.state = CursorState::Valid;
                self.stamp = bt.clock;
                return Ok(());
            }
            let mut node = Node::load(bt.pager.read(pg)?, pg, usable)?;
            if idx > node.cells.len() {
                return Err(crate::corrupt!(pg));
            }
            node.cells.insert(idx, &cell_bytes);
            self.state = CursorState::RequireSeek;
            return balance::balance(&mut bt.pager, &self.path(), node, false);
        }
        if r == SeekResult::Found {
            let old = cell(bt, pg, &h, idx)?;
            overflow::free_chain(&mut bt.pager, old.overflow, old.payload_len, old.local)?;
            let mut node = Node::load(bt.pager.read(pg)?, pg, usable)?;
            let mut c = cell_bytes;
            if !h.leaf {
                // Replacing an interior entry of an index: keep its child pointer.
                let mut nc = old.child.to_be_bytes().to_vec();
                nc.append(&mut c);
                c = nc;
            }
            if !node.cells.set(idx, &c) {
                return Err(crate::corrupt!(pg));
            }
            bt.touch(self.root);
            self.state = CursorState::RequireSeek;
            return balance::balance(&mut bt.pager, &self.path(), node, false);
        }
        if !h.leaf {
            // A seek only stops above the leaves when an interior page is damaged (e.g. a
            // cell count of 0): the file is corrupt, not the engine.
            return Err(crate::corrupt!(pg));
        }
        let ins = match r {
            SeekResult::Less => idx + 1,
            SeekResult::Greater => idx,
            _ => 0,
        }
        .min(h.ncells);
        bt.touch(self.root);
        if try_insert_in_place(bt.pager.write(pg)?, pg, usable, ins, &cell_bytes)? {
            self.set_top_idx(ins);
            self.state = CursorState::Valid;
            self.stamp = bt.clock;
            return Ok(());
        }
        let mut node = Node::load(bt.pager.read(pg)?, pg, usable)?;
        node.cells.insert(ins, &cell_bytes);
        let appended = ins + 1 == node.cells.len();
        self.state = CursorState::RequireSeek;
        balance::balance(&mut bt.pager, &self.path(), node, appended)
    }

    pub(super) fn insert_impl(&mut self, bt: &mut Btree, rowid: i64, record: &[u8]) -> Result<()> {
        if !self.intkey {
            return Err(Error::misuse());
        }
        bt.require_write()?;
        // Append fast path: on the last entry and the new rowid is larger.
        let append = self.at_end && self.fresh(bt) && rowid > self.saved_rowid;
        let r = if append {
            SeekResult::Less
        } else if let Some(r) = self.reusable_seek(bt, rowid) {
            r
        } else {
            self.seek_rowid_inner(bt, rowid)?
        };
        let c = overflow::build_cell(&mut bt.pager, PTYPE_TABLE_LEAF, rowid, record)?;
        self.saved_rowid = rowid;
        self.insert_cell(bt, r, c)?;
        self.at_end = append && self.state == CursorState::Valid;
        Ok(())
    }

    pub(super) fn insert_index_impl(&mut self, bt: &mut Btree, key: &[u8]) -> Result<()> {
        if self.intkey {
            return Err(Error::misuse());
        }
        bt.require_write()?;
        let vals = decode_refs(key)?;
        let ki = self.key_info.take();
        let r = self.seek_index_inner(
            bt,
            &vals,
            ki.as_ref().unwrap_or(&NO_KEY_INFO),
            Ordering::Equal,
        );
        self.key_info = ki;
        let r = r?;
        if r == SeekResult::Found && self.saved_key == key {
            return Ok(());
        }
        let c = overflow::build_cell(&mut bt.pager, PTYPE_INDEX_LEAF, 0, key)?;
        self.saved_key.clear();
        self.saved_key.extend_from_slice(key);
        self.insert_cell(bt, r, c)
    }

    pub(super) fn delete_impl(&mut self, bt: &mut Btree) -> Result<()> {
        bt.require_write()?;
        let usable = bt.pager.usable_size();
        let (pg, ci) = self.current(bt)?;
        let (_, idx) = self.top()?;
        // saved key is the current key (landed/current keep it).
        overflow::free_chain(&mut bt.pager, ci.overflow, ci.payload_len, ci.local)?;
        bt.touch(self.root);
        self.state = CursorState::RequireSeek;
        if hdr(bt, pg)?.leaf {
            let data = bt.pager.write(pg)?;
            drop_cell(data, pg, usable, idx)?;
            let h = parse_hdr(data, pg, usable)?;
            let free = free_bytes(data, &h, pg, usable)?;
            if self.stack.len() <= 1 || free <= usable * 2 / 3 {
                return Ok(());
            }
            let node = Node::load(bt.pager.read(pg)?, pg, usable)?;
            return balance::balance(&mut bt.pager, &self.path(), node, false);
        }
        let mut node = Node::load(bt.pager.read(pg)?, pg, usable)?;
        // Interior entry of an index b-tree: replace it by its predecessor, the last entry
        // of the right-most leaf of its left subtree.
        let mut sub = BtCursor::new(self.root, false, None);
        sub.stack = self.stack.clone();
        let c = node.child(idx)?;
        let lh = sub.descend_rightmost(bt, c)?;
        if lh.ncells == 0 {
            return Err(crate::corrupt!(c));
        }
        let (lpg, _) = sub.top()?;
        let mut lnode = Node::load(bt.pager.read(lpg)?, lpg, usable)?;
        let pred = lnode.cells.pop().ok_or_else(|| crate::corrupt!(lpg))?;
        let lbuf = bt.pager.write(lpg)?;
        lnode.write_to(lbuf, usable)?;
        let mut newcell = node.child(idx)?.to_be_bytes().to_vec();
        newcell.extend_from_slice(&pred);
        if !node.cells.set(idx, &newcell) {
            return Err(crate::corrupt!(pg));
        }
        balance::balance(&mut bt.pager, &self.path(), node, false)?;
        // The leaf that gave its cell may now be underfull: find it again and balance it.
        if underfull(&lnode, usable) {
            let pred_key = {
                let ci = parse_cell_at(&pred, PTYPE_INDEX_LEAF, 0, lpg, pred.len().max(usable))?;
                let mut buf = pred
                    .get(ci.payload_off..ci.payload_off + ci.local)
                    .ok_or_else(|| crate::corrupt!(lpg))?
                    .to_vec();
                if ci.overflow != 0 {
                    overflow::read_overflow(&mut bt.pager, ci.overflow, ci.payload_len, &mut buf)?;
                }
                decode_record(&buf)?
            };
            let ki = self.key_info.clone().unwrap_or_default();
            let mut f = BtCursor::new(self.root, false, Some(ki.clone()));
            if f.seek_index_inner(bt, &pred_key, &ki, Ordering::Equal)? == SeekResult::Found {
                let (ipg, iidx) = f.top()?;
                let ih = hdr(bt, ipg)?;
                if !ih.leaf {
                    let c = child_of(bt, ipg, &ih, iidx)?;
                    f.descend_rightmost(bt, c)?;
                    let (lpg2, _) = f.top()?;
                    let lnode2 = Node::load(bt.pager.read(lpg2)?, lpg2, usable)?;
                    if underfull(&lnode2, usable) && f.stack.len() > 1 {
                        balance::balance(&mut bt.pager, &f.path(), lnode2, false)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Count the entries of the tree `root` by walking its pages (bounded depth).
pub(crate) fn count_entries(bt: &mut Btree, root: Pgno, intkey: bool) -> Result<i64> {
    if bt.pager.page_count() == 0 {
        return Ok(0);
    }
    let mut total = 0i64;
    // Explicit stack of (page, depth): no recursion on file data.
    let mut todo = vec![(root, 0usize)];
    let mut visited = 0usize;
    while let Some((pg, depth)) = todo.pop() {
        visited += 1;
        if depth >= MAX_DEPTH || visited > bt.pager.page_count() as usize {
            return Err(crate::corrupt!(pg));
        }
        let h = hdr(bt, pg)?;
        if h.intkey != intkey {
            return Err(crate::corrupt!(pg));
        }
        if h.leaf || !h.intkey {
            total += h.ncells as i64;
        }
        if !h.leaf {
            for i in 0..=h.ncells {
                todo.push((child_of(bt, pg, &h, i)?, depth + 1));
            }
        }
    }
    Ok(total)
}
