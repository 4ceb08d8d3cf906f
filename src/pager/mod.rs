//! Pager: page cache, transactions, rollback journal (and later WAL and the codec hook).
//!
//! CONTRACT (owned by the pager agent; the b-tree uses only what is declared here).
//! The skeleton below is an in-memory stand-in with the final API so that the b-tree can be
//! written and tested before the real pager lands; it has no journal and no locking.
//!
//! - Pages are numbered from 1. `read(pgno)` returns `page_size` bytes. `write(pgno)` makes the
//!   page writable inside a write transaction (journaling its original content first) and may
//!   be called for `pgno == page_count() + 1` to extend the file.
//! - On `commit` the pager sets header fields it owns on page 1: file change counter (24..28),
//!   database size in pages (28..32), version-valid-for (92..96) and SQLITE_VERSION_NUMBER
//!   (96..100). The b-tree owns every other header byte.
//! - `begin_read`/`end_read` bracket a read transaction (SHARED lock); `begin_write` takes
//!   RESERVED (or EXCLUSIVE); `commit`/`rollback` end a write transaction and keep SHARED
//!   until `end_read`.

use crate::error::{codes::*, Error, Result};
use std::collections::HashMap;

pub type Pgno = u32;

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

pub struct Pager {
    page_size: usize,
    reserved: usize,
    pages: HashMap<Pgno, Vec<u8>>,
    page_count: Pgno,
    in_write: bool,
    in_read: bool,
    /// Snapshot for rollback (stand-in only).
    orig: Option<(HashMap<Pgno, Vec<u8>>, Pgno)>,
    savepoints: Vec<(HashMap<Pgno, Vec<u8>>, Pgno)>,
    /// If set, commit writes every page here (stand-in only; lets b-tree tests produce files).
    path: Option<String>,
}

impl Pager {
    /// An empty in-memory database with the given page size.
    pub fn open_memory(page_size: usize) -> Pager {
        Pager {
            page_size,
            reserved: 0,
            pages: HashMap::new(),
            page_count: 0,
            in_write: false,
            in_read: false,
            orig: None,
            savepoints: Vec::new(),
            path: None,
        }
    }

    /// Stand-in: an in-memory pager that writes the whole image to `path` on commit.
    pub fn open_image_file(path: &str, page_size: usize) -> Pager {
        let mut p = Pager::open_memory(page_size);
        p.path = Some(path.to_string());
        p
    }

    pub fn page_size(&self) -> usize {
        self.page_size
    }
    /// Only allowed while the database is empty (page_count 0).
    pub fn set_page_size(&mut self, n: usize) -> Result<()> {
        if self.page_count != 0 || !(512..=65536).contains(&n) || !n.is_power_of_two() {
            return Err(Error::code(SQLITE_ERROR));
        }
        self.page_size = n;
        Ok(())
    }
    /// Page size minus the reserved bytes at the end of each page (header byte 20).
    pub fn usable_size(&self) -> usize {
        self.page_size - self.reserved
    }
    pub fn set_reserved(&mut self, n: usize) {
        self.reserved = n;
    }
    pub fn page_count(&self) -> Pgno {
        self.page_count
    }
    pub fn begin_read(&mut self) -> Result<()> {
        self.in_read = true;
        Ok(())
    }
    pub fn end_read(&mut self) {
        if !self.in_write {
            self.in_read = false;
        }
    }
    pub fn begin_write(&mut self, _exclusive: bool) -> Result<()> {
        if !self.in_write {
            self.in_read = true;
            self.in_write = true;
            self.orig = Some((self.pages.clone(), self.page_count));
        }
        Ok(())
    }
    pub fn in_write_txn(&self) -> bool {
        self.in_write
    }
    pub fn in_read_txn(&self) -> bool {
        self.in_read
    }
    pub fn read(&mut self, pgno: Pgno) -> Result<&[u8]> {
        if pgno == 0 || pgno > self.page_count {
            return Err(crate::corrupt!(pgno));
        }
        let ps = self.page_size;
        Ok(self.pages.entry(pgno).or_insert_with(|| vec![0; ps]))
    }
    pub fn write(&mut self, pgno: Pgno) -> Result<&mut [u8]> {
        if !self.in_write {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        if pgno == 0 || pgno > self.page_count + 1 {
            return Err(crate::corrupt!(pgno));
        }
        if pgno == self.page_count + 1 {
            self.page_count = pgno;
        }
        let ps = self.page_size;
        Ok(self.pages.entry(pgno).or_insert_with(|| vec![0; ps]))
    }
    /// Append a zeroed page; returns its number.
    pub fn allocate(&mut self) -> Result<Pgno> {
        let p = self.page_count + 1;
        let buf = self.write(p)?;
        buf.fill(0);
        Ok(p)
    }
    /// Shrink the database to `npages` pages at commit.
    pub fn truncate(&mut self, npages: Pgno) -> Result<()> {
        self.pages.retain(|&k, _| k <= npages);
        self.page_count = npages;
        Ok(())
    }
    pub fn commit(&mut self) -> Result<()> {
        if !self.in_write {
            return Ok(());
        }
        if self.page_count >= 1 {
            let n = self.page_count;
            let p1 = self.write(1)?;
            let cc = u32::from_be_bytes([p1[24], p1[25], p1[26], p1[27]]).wrapping_add(1);
            p1[24..28].copy_from_slice(&cc.to_be_bytes());
            p1[28..32].copy_from_slice(&n.to_be_bytes());
            p1[92..96].copy_from_slice(&cc.to_be_bytes());
            p1[96..100].copy_from_slice(&(crate::SQLITE_VERSION_NUMBER as u32).to_be_bytes());
        }
        if let Some(path) = &self.path {
            let mut img = vec![0u8; self.page_count as usize * self.page_size];
            for (k, v) in &self.pages {
                let off = (*k as usize - 1) * self.page_size;
                img[off..off + self.page_size].copy_from_slice(v);
            }
            std::fs::write(path, img).map_err(|e| Error::io(SQLITE_IOERR_WRITE, &e))?;
        }
        self.in_write = false;
        self.orig = None;
        self.savepoints.clear();
        Ok(())
    }
    pub fn rollback(&mut self) -> Result<()> {
        if let Some((p, n)) = self.orig.take() {
            self.pages = p;
            self.page_count = n;
        }
        self.in_write = false;
        self.savepoints.clear();
        Ok(())
    }
    /// Open savepoints so that `savepoint_count() == n` (nested; index 0 is the outermost).
    pub fn savepoint_open(&mut self, n: usize) -> Result<()> {
        while self.savepoints.len() < n {
            self.savepoints.push((self.pages.clone(), self.page_count));
        }
        Ok(())
    }
    /// Release savepoint `i` and all inner ones (keeps their changes).
    pub fn savepoint_release(&mut self, i: usize) -> Result<()> {
        self.savepoints.truncate(i);
        Ok(())
    }
    /// Undo changes since savepoint `i` was opened; savepoint `i` stays open.
    pub fn savepoint_rollback(&mut self, i: usize) -> Result<()> {
        if let Some((p, n)) = self.savepoints.get(i).cloned() {
            self.pages = p;
            self.page_count = n;
            self.savepoints.truncate(i + 1);
        }
        Ok(())
    }
    pub fn journal_mode(&self) -> JournalMode {
        JournalMode::Memory
    }
    pub fn set_journal_mode(&mut self, _m: JournalMode) -> Result<JournalMode> {
        Ok(JournalMode::Memory)
    }
}
