//! Page-level access for the online backup API and serialize/deserialize (C API helpers).
//!
//! Invariants: pages are read only inside a read transaction of the source b-tree (opened and
//! ended by [`Connection::read_pages`] unless the connection already holds one), and written
//! only inside one write transaction of the destination ([`Connection::write_image`]), which
//! either commits the whole image or rolls back. A database in a transaction of its own
//! connection is never overwritten (SQLITE_BUSY). After an image is written the destination's
//! schema is marked unloaded, so the next statement reads the new schema.

use super::{Connection, DbSlot};
use crate::btree::Btree;
use crate::error::{codes::*, Error, Result};
use crate::pager::Pager;

impl Connection {
    /// Index of the attached database `name` (`main`, `temp`, or an ATTACH name).
    pub fn db_index(&self, name: &str) -> Option<usize> {
        self.dbs
            .iter()
            .position(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// `(page_size, page_count, pages[from ..= from+n-1])` of database `db`, read in one read
    /// transaction. `n < 0` reads to the end. Page numbers start at 1.
    pub fn read_pages(
        &mut self,
        db: usize,
        from: u32,
        n: i64,
    ) -> Result<(usize, u32, Vec<Vec<u8>>)> {
        let slot = self
            .dbs
            .get_mut(db)
            .ok_or_else(|| Error::new(SQLITE_ERROR, "unknown database"))?;
        let own = slot.txn == 0 && !slot.bt.pager.in_read_txn();
        if own {
            slot.bt.begin_read()?;
        }
        let r = (|| {
            let ps = slot.bt.pager.page_size();
            let count = slot.bt.pager.page_count();
            let last = if n < 0 {
                count
            } else {
                (from as i64 + n - 1).min(count as i64).max(0) as u32
            };
            let mut pages = Vec::new();
            let mut p = from.max(1);
            while p <= last {
                pages.push(slot.bt.pager.read(p)?.to_vec());
                p += 1;
            }
            Ok((ps, count, pages))
        })();
        if own {
            slot.bt.end_read();
        }
        r
    }

    /// Replace database `db`'s content with `pages` (page 1 first, each `page_size` bytes) in
    /// one write transaction. The page size must equal the destination's unless it is empty.
    pub fn write_image(&mut self, db: usize, page_size: usize, pages: &[Vec<u8>]) -> Result<()> {
        let slot = self
            .dbs
            .get_mut(db)
            .ok_or_else(|| Error::new(SQLITE_ERROR, "unknown database"))?;
        if slot.txn != 0 || slot.bt.pager.in_read_txn() {
            return Err(Error::new(SQLITE_BUSY, "destination database is in use"));
        }
        if slot.readonly {
            return Err(Error::code(SQLITE_READONLY));
        }
        if pages.iter().any(|p| p.len() != page_size) {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        if let (Some(c), Some(p1)) = (slot.bt.pager.codec(), pages.first()) {
            // An encrypted destination needs pages with room for nonce and tag (SQLite's
            // backup refuses a codec destination it cannot fill with SQLITE_READONLY).
            if p1.get(20).map(|&r| usize::from(r)) != Some(c.reserved()) {
                return Err(Error::new(
                    SQLITE_READONLY,
                    "backup into an encrypted database needs a source reserving 28 bytes per \
                     page (use VACUUM INTO 'file:…?key=…' instead)",
                ));
            }
        }
        if slot.bt.pager.page_size() != page_size {
            // Allowed only while the destination is empty (the pager enforces it).
            slot.bt
                .pager
                .set_page_size(page_size)
                .map_err(|_| Error::code(SQLITE_READONLY))?;
        }
        slot.bt.begin_write(true)?;
        let r = (|| {
            for (i, data) in pages.iter().enumerate() {
                let pgno = i as u32 + 1;
                slot.bt.pager.write(pgno)?.copy_from_slice(data);
            }
            let n = pages.len() as u32;
            if slot.bt.pager.page_count() > n {
                slot.bt.pager.truncate(n)?;
            }
            slot.bt.commit()
        })();
        if r.is_err() {
            let _ = slot.bt.rollback();
        }
        slot.schema_loaded = false;
        r
    }

    /// Make database `db` a fresh in-memory database holding `pages` (deserialize). With
    /// `readonly` the database refuses writes.
    pub fn load_memory_image(
        &mut self,
        db: usize,
        page_size: usize,
        pages: &[Vec<u8>],
        readonly: bool,
    ) -> Result<()> {
        let slot = self
            .dbs
            .get(db)
            .ok_or_else(|| Error::new(SQLITE_ERROR, "unknown database"))?;
        if slot.txn != 0 || slot.bt.pager.in_read_txn() {
            return Err(Error::new(SQLITE_BUSY, "database is in use"));
        }
        let name = slot.name.clone();
        let mut fresh = DbSlot {
            name,
            path: String::new(),
            bt: Btree::new(Pager::open_memory(page_size))?,
            schema: Default::default(),
            schema_loaded: false,
            readonly: false,
            txn: 0,
        };
        std::mem::swap(&mut self.dbs[db], &mut fresh);
        let r = if pages.is_empty() {
            Ok(())
        } else {
            self.write_image(db, page_size, pages)
        };
        match r {
            Ok(()) => {
                self.dbs[db].readonly = readonly;
                Ok(())
            }
            Err(e) => {
                std::mem::swap(&mut self.dbs[db], &mut fresh);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(c: &mut Connection, sql: &str) -> Vec<Vec<crate::value::Value>> {
        let mut rows = Vec::new();
        let mut rest = sql.as_bytes().to_vec();
        while !rest.is_empty() {
            let (st, used) = c.prepare(&rest).unwrap();
            rest.drain(..used);
            let Some(mut st) = st else { break };
            while st.step(c).unwrap() {
                rows.push(
                    (0..st.column_count())
                        .map(|i| st.column_value(i).clone())
                        .collect(),
                );
            }
            st.finalize(c);
        }
        rows
    }

    #[test]
    fn copy_image_between_connections() {
        let mut a = Connection::open(":memory:", 0x6, None).unwrap();
        run(
            &mut a,
            "CREATE TABLE t(x); INSERT INTO t VALUES(1),(2),(3);",
        );
        let (ps, count, pages) = a.read_pages(0, 1, -1).unwrap();
        assert_eq!(pages.len() as u32, count);
        assert!(count >= 2);
        let mut b = Connection::open(":memory:", 0x6, None).unwrap();
        run(&mut b, "CREATE TABLE junk(y); INSERT INTO junk VALUES(9);");
        b.write_image(0, ps, &pages).unwrap();
        let rows = run(&mut b, "SELECT sum(x) FROM t");
        assert_eq!(
            format!("{rows:?}"),
            format!("{:?}", vec![vec![crate::value::Value::Integer(6)]])
        );
        let mut c = Connection::open(":memory:", 0x6, None).unwrap();
        c.load_memory_image(0, ps, &pages, true).unwrap();
        let rows = run(&mut c, "SELECT count(*) FROM t");
        assert_eq!(
            format!("{rows:?}"),
            format!("{:?}", vec![vec![crate::value::Value::Integer(3)]])
        );
        assert!(c
            .prepare(b"INSERT INTO t VALUES(4)")
            .and_then(|(s, _)| {
                let mut s = s.unwrap();
                let r = s.step(&mut c);
                s.finalize(&mut c);
                r
            })
            .is_err());
    }
}
