//! VACUUM and VACUUM INTO on the connection (schema engineer; compiled by `sql/vacuum.rs`).
//!
//! Both build a fresh copy of database `db` the way SQLite's `sqlite3RunVacuum` does, through
//! a second, private connection on the target: the CREATE TABLE texts (not `sqlite_*` tables),
//! then the CREATE INDEX texts, then every table's rows with their rowids, then views and
//! triggers, all in `sqlite_schema` rowid order, in one transaction; `user_version`,
//! `application_id` are copied and the schema cookie is the source's plus one. The copy keeps
//! the source's page size and reserved bytes per page (header byte 20), as SQLite's does.
//! - `VACUUM INTO 'file'` writes that copy to `file` (which must not exist or be empty).
//! - `VACUUM` builds the copy in memory and then replaces the database's pages with it in one
//!   write transaction (`write_image`), so a failure leaves the database as it was, and a
//!   crash is recovered from the rollback journal.
//!
//! Encrypted databases (`ENCRYPTION.md`): the private copy in memory is plaintext (it never
//! touches a file) with the same 28 reserved bytes, and `VACUUM` writes it back through the
//! database's own pager, so it stays encrypted under the same key and salt (every page gets a
//! fresh nonce). `VACUUM INTO 'file'` gives the new file the same key (`PageCodecHook::
//! same_key`) but its own fresh salt (a passphrase is derived again: one Argon2id run), unless
//! the INTO name is a URI with its own `key=`/`hexkey=`, which then wins (a plain source can
//! so be copied into an encrypted file, or re-keyed on the way). Never a plaintext copy of an
//! encrypted database.
//! `rebuild_reserved` is the same VACUUM with a different reserved-bytes count: what `PRAGMA
//! rekey` uses to make room for nonce and tag in a plain file made by real SQLite.
//!
//! Invariants: VACUUM runs only in autocommit mode with no other statement running; the
//! read transactions it opens on the source are ended before the image is written back.
//! `sqlite_sequence` rows are copied as they are; generated columns are recomputed. Not
//! copied: `sqlite_stat*` contents (the engine does not create them yet), the default cache
//! size and auto_vacuum settings.

use super::{open_flags, Connection};
use crate::error::{codes::*, Error, Result};
use crate::value::Value;

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Run one statement to completion on `c`, with `binds` for its parameters.
fn exec(c: &mut Connection, sql: &str, binds: &[Value]) -> Result<()> {
    let (st, _) = c.prepare(sql.as_bytes())?;
    let Some(mut st) = st else { return Ok(()) };
    for (i, v) in binds.iter().enumerate() {
        st.bind(i + 1, v.clone())?;
    }
    let r = (|| {
        while st.step(c)? {}
        Ok(())
    })();
    st.finalize(c);
    r
}

/// The single integer a statement returns.
fn query_int(c: &mut Connection, sql: &str) -> Result<i64> {
    let (st, _) = c.prepare(sql.as_bytes())?;
    let Some(mut st) = st else { return Ok(0) };
    let r = (|| {
        let mut v = 0;
        if st.step(c)? {
            if let Value::Integer(i) = st.column_value(0) {
                v = *i;
            }
        }
        Ok(v)
    })();
    st.finalize(c);
    r
}

impl Connection {
    /// `Noop` with `P4::Pragma("vacuum")`: P1 = database, `into` = the INTO file name.
    pub(super) fn vacuum_op(&mut self, db: usize, into: Option<&Value>) -> Result<Value> {
        match into {
            Some(v) => {
                let file = match v {
                    Value::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    Value::Null => String::new(),
                    _ => return Err(Error::sql("non-text filename")),
                };
                self.vacuum_into(db, &file)?;
            }
            None => self.vacuum(db)?,
        }
        Ok(Value::Null)
    }

    fn vacuum_checks(&self, _db: usize) -> Result<()> {
        if !self.autocommit {
            return Err(Error::sql("cannot VACUUM from within a transaction"));
        }
        if self.active_vms() > 1 {
            return Err(Error::sql("cannot VACUUM - SQL statements in progress"));
        }
        Ok(())
    }

    /// `VACUUM db INTO file`.
    pub fn vacuum_into(&mut self, db: usize, file: &str) -> Result<()> {
        self.vacuum_checks(db)?;
        if std::fs::metadata(file)
            .map(|m| m.len() > 0)
            .unwrap_or(false)
        {
            return Err(Error::sql("output file already exists"));
        }
        let mut out = Connection::open(
            file,
            open_flags::READWRITE | open_flags::CREATE | open_flags::URI,
            None,
        )?;
        let src = self
            .dbs
            .get(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        let mut reserved = src.bt.pager.page_size() - src.bt.pager.usable_size();
        let key = src.bt.pager.codec().map(|c| c.same_key());
        let dst = out
            .dbs
            .get_mut(0)
            .ok_or_else(|| Error::new(SQLITE_INTERNAL, "vacuum: no main database"))?;
        if !dst.bt.pager.has_codec() {
            match key {
                // Same key, new file: never a plaintext copy of an encrypted database.
                Some(Some(c)) => dst.bt.pager.set_codec(c)?,
                Some(None) => {
                    return Err(Error::sql("VACUUM INTO cannot copy this database's key"))
                }
                None => {}
            }
        }
        if let Some(c) = dst.bt.pager.codec() {
            reserved = c.reserved();
        }
        let r = self.copy_database(db, &mut out, reserved);
        self.end_reads();
        r
    }

    /// `VACUUM db`: rebuild the database and write it back in one transaction.
    pub fn vacuum(&mut self, db: usize) -> Result<()> {
        let src = self
            .dbs
            .get(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        let reserved = src.bt.pager.page_size() - src.bt.pager.usable_size();
        self.rebuild_reserved(db, reserved)
    }

    /// VACUUM of database `db` into pages that reserve `reserved` bytes each (SQLite's
    /// `SQLITE_FCNTL_RESERVE_BYTES` + VACUUM), written back in one journaled transaction.
    pub(crate) fn rebuild_reserved(&mut self, db: usize, reserved: usize) -> Result<()> {
        self.vacuum_checks(db)?;
        let mut out = Connection::open(":memory:", open_flags::READWRITE, None)?;
        let r = self.copy_database(db, &mut out, reserved);
        self.end_reads();
        r?;
        let (ps, _, pages) = out.read_pages(0, 1, -1)?;
        let r = self.write_image(db, ps, &pages);
        // The next transaction reads page 1 again, so the pager learns the (possibly new)
        // reserved-bytes value from the rebuilt header.
        if let Some(d) = self.dbs.get_mut(db) {
            if d.txn == 0 {
                d.bt.end_read();
            }
        }
        r
    }

    /// Copy database `db` of this connection into the (empty) main database of `out`.
    /// The copy's pages reserve `reserved` bytes each.
    fn copy_database(&mut self, db: usize, out: &mut Connection, reserved: usize) -> Result<()> {
        let dbname = self
            .dbs
            .get(db)
            .map(|d| d.name.clone())
            .ok_or_else(|| Error::sql("no such database"))?;
        self.begin_read(db)?;
        self.load_schema(db)?;
        let rows = self.dbs[db].schema.rows.clone();
        let page_size = self.dbs[db].bt.pager.page_size();
        let q = quote_ident(&dbname);
        let cookie = query_int(self, &format!("PRAGMA {q}.schema_version"))?;
        let user_version = query_int(self, &format!("PRAGMA {q}.user_version"))?;
        let app_id = query_int(self, &format!("PRAGMA {q}.application_id"))?;
        exec(out, &format!("PRAGMA page_size = {page_size}"), &[])?;
        if reserved > 0 && page_size.saturating_sub(reserved) < 480 {
            return Err(Error::sql("too many reserved bytes for the page size"));
        }
        // The copy is still empty: its first write creates page 1 with this setting.
        out.dbs
            .get_mut(0)
            .ok_or_else(|| Error::new(SQLITE_INTERNAL, "vacuum: no main database"))?
            .bt
            .pager
            .set_reserved(reserved);
        exec(out, "BEGIN", &[])?;
        let r = (|| -> Result<()> {
            let internal = |n: &str| n.len() >= 7 && n[..7].eq_ignore_ascii_case("sqlite_");
            for kind in ["table", "index"] {
                for r in rows.iter().filter(|r| r.kind == kind && !internal(&r.name)) {
                    if let Some(sql) = &r.sql {
                        if kind == "index" || r.rootpage > 0 {
                            exec(out, sql, &[])?;
                        }
                    }
                }
            }
            for r in rows
                .iter()
                .filter(|r| r.kind == "table" && r.rootpage > 0 && !internal(&r.name))
            {
                self.copy_rows(&q, &r.name, out)?;
            }
            // AUTOINCREMENT counters, exactly (the copies above may have raised them).
            if rows.iter().any(|r| r.name == "sqlite_sequence") {
                exec(out, "DELETE FROM sqlite_sequence", &[])?;
                self.copy_rows(&q, "sqlite_sequence", out)?;
            }
            for r in rows.iter().filter(|r| {
                r.kind == "view" || r.kind == "trigger" || (r.kind == "table" && r.rootpage == 0)
            }) {
                if let Some(sql) = &r.sql {
                    exec(out, sql, &[])?;
                }
            }
            exec(out, &format!("PRAGMA user_version = {user_version}"), &[])?;
            exec(out, &format!("PRAGMA application_id = {app_id}"), &[])?;
            exec(
                out,
                &format!(
                    "PRAGMA schema_version = {}",
                    (cookie as u32).wrapping_add(1)
                ),
                &[],
            )?;
            exec(out, "COMMIT", &[])
        })();
        if r.is_err() {
            let _ = exec(out, "ROLLBACK", &[]);
        }
        r
    }

    /// Copy the rows of table `name` (rowids kept) into `out`.
    fn copy_rows(&mut self, q: &str, name: &str, out: &mut Connection) -> Result<()> {
        let qt = quote_ident(name);
        // Generated columns are computed by the target, not copied.
        let (info, _) = self.prepare(format!("PRAGMA {q}.table_info({qt})").as_bytes())?;
        let mut names = Vec::new();
        if let Some(mut info) = info {
            while info.step(self)? {
                if let Value::Text(t) = info.column_value(1) {
                    names.push(quote_ident(&String::from_utf8_lossy(t)));
                }
            }
            info.finalize(self);
        }
        let list = if names.is_empty() {
            "*".to_string()
        } else {
            names.join(",")
        };
        let (src, _) = self.prepare(format!("SELECT rowid, {list} FROM {q}.{qt}").as_bytes())?;
        let Some(mut src) = src else { return Ok(()) };
        let ncol = src.column_count();
        let cols: Vec<String> = (1..ncol)
            .map(|i| quote_ident(src.column_name(i).unwrap_or("")))
            .collect();
        let params: Vec<String> = (1..=ncol).map(|i| format!("?{i}")).collect();
        let ins_sql = format!(
            "INSERT INTO {qt}(rowid{}{}) VALUES({})",
            if cols.is_empty() { "" } else { "," },
            cols.join(","),
            params.join(",")
        );
        let r = (|| -> Result<()> {
            let (ins, _) = out.prepare(ins_sql.as_bytes())?;
            let Some(mut ins) = ins else {
                return Err(Error::new(SQLITE_INTERNAL, "vacuum: empty insert"));
            };
            let r = (|| -> Result<()> {
                while src.step(self)? {
                    for i in 0..ncol {
                        ins.bind(i + 1, src.column_value(i).clone())?;
                    }
                    while ins.step(out)? {}
                    ins.reset(out);
                }
                Ok(())
            })();
            ins.finalize(out);
            r
        })();
        src.finalize(self);
        r
    }
}
