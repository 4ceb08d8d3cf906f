//! VM cursors: one type over the four kinds of row source a program opens.
//!
//! - `Bt`: a b-tree cursor on an attached database (`OpenRead`/`OpenWrite`).
//! - `Mem`: an ephemeral table or index (`OpenEphemeral`/`OpenAutoindex`), kept in memory as a
//!   sorted vector (SQLite uses a temporary b-tree; the observable behaviour is the same).
//! - `Sorter`: `SorterOpen`; rows are collected, sorted once by `SorterSort`, then read.
//! - `Pseudo`: `OpenPseudo`; a single row whose record lives in a register.
//!
//! State per cursor:
//! ```text
//!   (opened) --Rewind/Last/Seek*--> positioned(valid) --Next/Prev past end--> eof
//!        \--NullRow--> null_row (every Column is NULL until the next move)
//! ```
//! Invariants: `rec`/`hdr` cache the current row's payload only while `cache_ok`; every move
//! clears `cache_ok`. `Mem` entries are sorted by rowid (tables) or by key under `key_info`
//! (indexes) at all times. Nothing here panics on bad data: positions are checked.

use super::exec::VmHost;
use super::rec;
use crate::btree::record::{decode_ref, ValueRef};
use crate::btree::{BtCursor, KeyInfo, SeekResult};
use crate::error::Result;
use crate::value::Value;
use std::cmp::Ordering;

/// Compare index key `a` (decoded entry) with search key `b` over `b.len()` fields (or all of
/// the shorter), honouring per-column collation and DESC.
pub fn cmp_key(a: &[Value], b: &[Value], ki: Option<&KeyInfo>) -> Ordering {
    let n = a.len().min(b.len());
    for i in 0..n {
        let coll = ki
            .and_then(|k| k.collations.get(i))
            .and_then(|c| c.as_ref());
        let mut o = super::mem::compare(&a[i], &b[i], coll);
        if ki.and_then(|k| k.desc.get(i)).copied().unwrap_or(false) {
            o = o.reverse();
        }
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[derive(Default)]
pub struct MemTable {
    pub intkey: bool,
    pub key_info: Option<KeyInfo>,
    /// (rowid, record, decoded key for index tables)
    pub rows: Vec<(i64, Vec<u8>, Vec<Value>)>,
    pub pos: usize,
    pub valid: bool,
    /// Set by delete: the next `next()` stays on `pos`.
    pub skip_next: bool,
}

impl MemTable {
    fn full_cmp(&self, a: &[Value], b: &[Value]) -> Ordering {
        let o = cmp_key(a, b, self.key_info.as_ref());
        if o != Ordering::Equal {
            return o;
        }
        a.len().cmp(&b.len())
    }
    pub fn insert_row(&mut self, rowid: i64, record: Vec<u8>) {
        match self.rows.binary_search_by(|r| r.0.cmp(&rowid)) {
            Ok(i) => {
                self.rows[i].1 = record;
                self.pos = i;
            }
            Err(i) => {
                self.rows.insert(i, (rowid, record, Vec::new()));
                self.pos = i;
            }
        }
        self.valid = true;
        self.skip_next = false;
    }
    pub fn insert_key(&mut self, record: Vec<u8>) -> Result<()> {
        let key = rec::decode(&record)?;
        let r = self.rows.binary_search_by(|e| self.full_cmp(&e.2, &key));
        let i = match r {
            Ok(i) => {
                // An equal key replaces the entry, as SQLite's index insert does.
                self.rows[i].1 = record;
                self.rows[i].2 = key;
                i
            }
            Err(i) => {
                self.rows.insert(i, (0, record, key));
                i
            }
        };
        self.pos = i;
        self.valid = true;
        self.skip_next = false;
        Ok(())
    }
    /// Index of the first entry whose key prefix compares `>= key` (or `> key` if `strict`).
    pub fn lower_bound(&self, key: &[Value], strict: bool) -> usize {
        let ki = self.key_info.as_ref();
        self.rows.partition_point(|e| {
            let o = cmp_key(&e.2, key, ki);
            if strict {
                o != Ordering::Greater
            } else {
                o == Ordering::Less
            }
        })
    }
    pub fn rowid_bound(&self, rowid: i64, strict: bool) -> usize {
        self.rows
            .partition_point(|e| if strict { e.0 <= rowid } else { e.0 < rowid })
    }
}

/// Compare two borrowed keys as [`cmp_key`] does (collation, DESC) over the first `n` fields.
pub fn cmp_key_refs(a: &[ValueRef<'_>], b: &[ValueRef<'_>], ki: Option<&KeyInfo>) -> Ordering {
    for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
        let coll = ki
            .and_then(|k| k.collations.get(i))
            .and_then(|c| c.as_ref());
        let mut o = x.cmp_ref(y, coll);
        if ki.and_then(|k| k.desc.get(i)).copied().unwrap_or(false) {
            o = o.reverse();
        }
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

pub use super::sorter::Sorter;

/// Decode a record's fields, borrowed, onto the end of `out`.
pub fn decode_refs_into<'a>(rec: &'a [u8], out: &mut Vec<ValueRef<'a>>) -> Result<()> {
    if rec.is_empty() {
        return Ok(());
    }
    let (hlen, mut p) = rec::get_varint(rec).ok_or_else(|| crate::corrupt!())?;
    let hlen = usize::try_from(hlen).map_err(|_| crate::corrupt!())?;
    if hlen > rec.len() || hlen < p {
        return Err(crate::corrupt!());
    }
    let mut body = hlen;
    while p < hlen {
        let (t, n) =
            rec::get_varint(rec.get(p..hlen).unwrap_or(&[])).ok_or_else(|| crate::corrupt!())?;
        p += n;
        let sz = rec::serial_len(t);
        let b = rec.get(body..body + sz).ok_or_else(|| crate::corrupt!())?;
        body += sz;
        // As `rec::decode`: a NaN real reads as NULL.
        out.push(match decode_ref(t, b) {
            ValueRef::Real(r) if r.is_nan() => ValueRef::Null,
            v => v,
        });
    }
    Ok(())
}

pub enum Backend {
    Bt {
        db: usize,
        cur: BtCursor,
    },
    Mem(MemTable),
    Sorter(Sorter),
    Pseudo {
        reg: usize,
    },
    /// A virtual-table cursor (`VOpen`); positioned by `VFilter`, moved by `Next`/`VNext`.
    VTab(super::exec::vtab::VCursor),
}

pub struct VdbeCursor {
    pub backend: Backend,
    pub null_row: bool,
    pub cache_ok: bool,
    pub rec: Vec<u8>,
    pub hdr: rec::Header,
    /// `Sequence` counter.
    pub seq: i64,
    /// Number of columns (for `Column` defaults).
    pub n_field: usize,
    /// Deferred seek target (from `DeferredSeek`): the rowid to move this table cursor to.
    pub deferred: Option<i64>,
    /// The cursor is positioned on a row (false at EOF or before any positioning).
    pub valid: bool,
}

impl VdbeCursor {
    pub fn new(backend: Backend, n_field: usize) -> VdbeCursor {
        VdbeCursor {
            backend,
            null_row: false,
            cache_ok: false,
            rec: Vec::new(),
            hdr: rec::Header::default(),
            seq: 0,
            n_field,
            deferred: None,
            valid: false,
        }
    }

    pub fn key_info(&self) -> Option<&KeyInfo> {
        match &self.backend {
            Backend::Bt { cur, .. } => cur.key_info.as_ref(),
            Backend::Mem(m) => m.key_info.as_ref(),
            Backend::Sorter(s) => s.key_info.as_ref(),
            Backend::Pseudo { .. } => None,
            Backend::VTab(_) => None,
        }
    }

    pub fn is_intkey(&self) -> bool {
        match &self.backend {
            Backend::Bt { cur, .. } => cur.intkey,
            Backend::Mem(m) => m.intkey,
            _ => false,
        }
    }

    fn moved(&mut self, valid: bool) -> bool {
        self.cache_ok = false;
        self.null_row = false;
        self.deferred = None;
        self.valid = valid;
        valid
    }

    pub fn first(&mut self, host: &mut dyn VmHost) -> Result<bool> {
        let v = match &mut self.backend {
            Backend::Bt { db, cur } => cur.first(host.btree(*db)?)?,
            Backend::Mem(m) => {
                m.pos = 0;
                m.skip_next = false;
                m.valid = !m.rows.is_empty();
                m.valid
            }
            Backend::Sorter(s) => {
                s.pos = 0;
                !s.is_empty()
            }
            Backend::Pseudo { .. } => true,
            Backend::VTab(v) => !v.cur.eof(),
        };
        Ok(self.moved(v))
    }

    pub fn last(&mut self, host: &mut dyn VmHost) -> Result<bool> {
        let v = match &mut self.backend {
            Backend::Bt { db, cur } => cur.last(host.btree(*db)?)?,
            Backend::Mem(m) => {
                m.skip_next = false;
                m.valid = !m.rows.is_empty();
                m.pos = m.rows.len().saturating_sub(1);
                m.valid
            }
            Backend::Sorter(s) => {
                s.pos = s.len().saturating_sub(1);
                !s.is_empty()
            }
            Backend::Pseudo { .. } => true,
            Backend::VTab(_) => false,
        };
        Ok(self.moved(v))
    }

    pub fn next(&mut self, host: &mut dyn VmHost) -> Result<bool> {
        let v = match &mut self.backend {
            Backend::Bt { db, cur } => cur.next(host.btree(*db)?)?,
            Backend::Mem(m) => {
                if m.skip_next {
                    m.skip_next = false;
                } else {
                    m.pos += 1;
                }
                m.valid = m.pos < m.rows.len();
                m.valid
            }
            Backend::Sorter(s) => {
                s.pos += 1;
                s.pos < s.len()
            }
            Backend::Pseudo { .. } => false,
            Backend::VTab(v) => {
                v.cur.next()?;
                !v.cur.eof()
            }
        };
        Ok(self.moved(v))
    }

    pub fn prev(&mut self, host: &mut dyn VmHost) -> Result<bool> {
        let v = match &mut self.backend {
            Backend::Bt { db, cur } => cur.prev(host.btree(*db)?)?,
            Backend::Mem(m) => {
                m.skip_next = false;
                if m.pos == 0 || m.rows.is_empty() {
                    m.valid = false;
                } else {
                    m.pos -= 1;
                    m.valid = m.pos < m.rows.len();
                }
                m.valid
            }
            Backend::Sorter(_) | Backend::Pseudo { .. } | Backend::VTab(_) => false,
        };
        Ok(self.moved(v))
    }

    /// Load the current row's payload and header into the cache.
    pub fn load(&mut self, host: &mut dyn VmHost, regs: &[Value]) -> Result<()> {
        if self.cache_ok {
            return Ok(());
        }
        self.rec.clear();
        match &mut self.backend {
            Backend::Bt { db, cur } => {
                if self.valid {
                    cur.payload_into(host.btree(*db)?, &mut self.rec)?;
                }
            }
            Backend::Mem(m) => {
                if m.valid {
                    if let Some(r) = m.rows.get(m.pos) {
                        self.rec.extend_from_slice(&r.1);
                    }
                }
            }
            Backend::Sorter(s) => {
                if let Some(r) = s.current() {
                    self.rec.extend_from_slice(r);
                }
            }
            Backend::Pseudo { reg } => {
                if let Some(Value::Blob(b)) | Some(Value::Text(b)) = regs.get(*reg) {
                    self.rec.extend_from_slice(b);
                }
            }
            Backend::VTab(v) => {
                if self.valid {
                    let mut vals = Vec::with_capacity(v.inst.columns.len());
                    for i in 0..v.inst.columns.len() {
                        vals.push(v.cur.column(i as i32, false)?);
                    }
                    rec::encode_into(&vals, &mut self.rec);
                }
            }
        }
        self.hdr.parse(&self.rec)?;
        self.cache_ok = true;
        Ok(())
    }

    pub fn rowid(&mut self, host: &mut dyn VmHost) -> Result<i64> {
        match &mut self.backend {
            Backend::Bt { db, cur } => cur.rowid(host.btree(*db)?),
            Backend::Mem(m) => Ok(m.rows.get(m.pos).map(|r| r.0).unwrap_or(0)),
            Backend::VTab(v) => v.cur.rowid(),
            _ => Ok(0),
        }
    }

    /// Decoded key of the current entry (index cursors).
    pub fn current_key(
        &mut self,
        host: &mut dyn VmHost,
        regs: &[Value],
        out: &mut Vec<Value>,
    ) -> Result<()> {
        if let Backend::Mem(m) = &self.backend {
            out.clear();
            if let Some(r) = m.rows.get(m.pos) {
                out.extend_from_slice(&r.2);
            }
            return Ok(());
        }
        self.load(host, regs)?;
        rec::decode_into(&self.rec, out)
    }

    /// Table cursor: seek `rowid`; returns the b-tree style result and leaves the cursor on
    /// the nearest entry.
    pub fn seek_rowid(&mut self, host: &mut dyn VmHost, rowid: i64) -> Result<SeekResult> {
        let r = match &mut self.backend {
            Backend::Bt { db, cur } => cur.seek_rowid(host.btree(*db)?, rowid)?,
            Backend::Mem(m) => {
                m.skip_next = false;
                if m.rows.is_empty() {
                    m.valid = false;
                    SeekResult::Empty
                } else {
                    let i = m.rowid_bound(rowid, false);
                    m.valid = true;
                    if i < m.rows.len() {
                        m.pos = i;
                        if m.rows[i].0 == rowid {
                            SeekResult::Found
                        } else {
                            SeekResult::Greater
                        }
                    } else {
                        m.pos = m.rows.len() - 1;
                        SeekResult::Less
                    }
                }
            }
            _ => SeekResult::Empty,
        };
        self.moved(r != SeekResult::Empty);
        Ok(r)
    }

    /// Index cursor: position on the first entry whose key prefix is `>= key` (`> key` when
    /// `strict`). Returns whether such an entry exists (the cursor is then valid).
    pub fn seek_first(
        &mut self,
        host: &mut dyn VmHost,
        _regs: &[Value],
        key: &[Value],
        strict: bool,
    ) -> Result<bool> {
        if let Backend::Mem(m) = &mut self.backend {
            let i = m.lower_bound(key, strict);
            m.pos = i;
            m.skip_next = false;
            m.valid = i < m.rows.len();
            let v = m.valid;
            return Ok(self.moved(v));
        }
        // SQLite's default_rc: for ">= key" an entry equal on the key's columns counts as
        // greater than the key (land on the first of them); for "> key" as smaller.
        let tie = if strict {
            Ordering::Less
        } else {
            Ordering::Greater
        };
        let r = match &mut self.backend {
            Backend::Bt { db, cur } => cur.seek_index_with(host.btree(*db)?, key, tie)?,
            _ => return Ok(self.moved(false)),
        };
        match r {
            SeekResult::Empty => Ok(self.moved(false)),
            // On the last entry on the wrong side of the key: the answer is the next one.
            SeekResult::Less => {
                self.moved(true);
                self.next(host)
            }
            _ => Ok(self.moved(true)),
        }
    }

    pub fn delete(&mut self, host: &mut dyn VmHost) -> Result<()> {
        match &mut self.backend {
            Backend::Bt { db, cur } => cur.delete(host.btree(*db)?)?,
            Backend::Mem(m) => {
                if m.valid && m.pos < m.rows.len() {
                    m.rows.remove(m.pos);
                    m.skip_next = true;
                }
            }
            _ => {}
        }
        self.cache_ok = false;
        Ok(())
    }
}
