//! ATTACH / DETACH on the connection (schema engineer; compiled by `sql/attach.rs`).
//!
//! Invariants:
//! - `dbs[0]` is "main", `dbs[1]` "temp", `dbs[2..]` the attached databases in ATTACH order;
//!   at most `SQLITE_LIMIT_ATTACHED` (10) of them; names are unique ignoring ASCII case.
//! - An attached database's schema is read at ATTACH time (so a file that is not a database
//!   fails the ATTACH, as in SQLite) and left without a transaction unless the connection was
//!   already inside one.
//! - DETACH refuses a database with an open transaction (`database X is locked`).
//! - Transactions over several databases commit each file in turn (`commit_all`): every file
//!   is atomic on its own, but there is no super-journal, so a crash between two files'
//!   commits can leave one committed and the other not (SQLite's super-journal makes the set
//!   atomic).
//! - Statements compiled before an ATTACH/DETACH keep their database numbers; SQLite expires
//!   them, we do not yet (a DETACH of a database other than the last shifts the numbers of
//!   the later ones).
//!
//! KEY clause: [`attach_key`] is the hook where the encryption layer installs its codec on
//! the new database's pager before anything is read from it.

use super::{open_flags, parse_target, Connection, DbSlot};
use crate::btree::Btree;
use crate::error::{codes::*, Error, Result};
use crate::pager::Pager;
use crate::sql::schema::Schema;
use crate::value::Value;
use crate::vdbe::rec;

/// The KEY of `ATTACH … KEY key` for the pager of the database being attached, called
/// before its first read. An empty key (or none) means no encryption.
pub fn attach_key(pager: &mut Pager, key: &[u8]) -> Result<()> {
    // The value is read as `PRAGMA key` reads its value: a passphrase, or x'<64 hex>' for a
    // raw key; an empty key means a plain file.
    let Some(spec) = crate::crypto::KeySpec::parse(key)? else {
        return Ok(());
    };
    pager.set_codec(Box::new(crate::crypto::KeyedCodec::new(spec)))
}

fn text_arg(v: Option<&Value>) -> Option<String> {
    match v {
        Some(Value::Text(t)) => Some(String::from_utf8_lossy(t).into_owned()),
        Some(Value::Integer(i)) => Some(i.to_string()),
        Some(Value::Real(r)) => Some(crate::vdbe::mem::real_to_text(*r)),
        Some(Value::Blob(b)) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

impl Connection {
    /// `ATTACH`: `args` is the record (file, name, key) built by the compiler.
    pub(super) fn attach_from_record(&mut self, args: Option<&Value>) -> Result<Value> {
        let mut vals = Vec::new();
        if let Some(Value::Blob(b)) = args {
            rec::decode_into(b, &mut vals)?;
        }
        let file = text_arg(vals.first()).unwrap_or_default();
        let name = text_arg(vals.get(1)).unwrap_or_default();
        let key: Vec<u8> = match vals.get(2) {
            Some(Value::Text(t)) | Some(Value::Blob(t)) => t.clone(),
            _ => Vec::new(),
        };
        self.attach(&file, &name, &key)?;
        Ok(Value::Null)
    }

    /// Attach database `file` as `name` (SQLite's `attachFunc`).
    pub fn attach(&mut self, file: &str, name: &str, key: &[u8]) -> Result<()> {
        let max = self.limits[7].max(0) as usize;
        if self.dbs.len() >= max + 2 {
            return Err(Error::new(
                SQLITE_ERROR,
                format!("too many attached databases - max {max}"),
            ));
        }
        if self.dbs.iter().any(|d| d.name.eq_ignore_ascii_case(name)) {
            return Err(Error::new(
                SQLITE_ERROR,
                format!("database {name} is already in use"),
            ));
        }
        let flags = open_flags::READWRITE | open_flags::CREATE | open_flags::URI;
        let t = parse_target(file, flags, None)?;
        let ro = t.flags & open_flags::READONLY != 0 && t.flags & open_flags::READWRITE == 0;
        let unable = || Error::new(SQLITE_CANTOPEN, format!("unable to open database: {file}"));
        let (mut pager, path) = if t.memory || t.path.is_empty() {
            (Pager::open_memory(4096), String::new())
        } else {
            let vfs = self.vfs.clone();
            let vflags = crate::vfs::OpenFlags {
                read_only: ro,
                create: t.flags & open_flags::CREATE != 0,
                exclusive: false,
                delete_on_close: false,
            };
            let full = vfs.full_pathname(&t.path).map_err(|_| unable())?;
            let p = Pager::open(vfs, &t.path, vflags).map_err(|e| {
                if e.primary() == SQLITE_CANTOPEN {
                    unable()
                } else {
                    e
                }
            })?;
            (p, full)
        };
        if !path.is_empty() {
            // A memory database never touches a file: nothing to encrypt (as `PRAGMA key`).
            attach_key(&mut pager, key)?;
        }
        self.dbs.push(DbSlot {
            name: name.to_string(),
            path,
            bt: Btree::new(pager)?,
            schema: Schema::default(),
            schema_loaded: false,
            readonly: ro,
            txn: 0,
        });
        let db = self.dbs.len() - 1;
        let r = (|| -> Result<()> {
            self.begin_read(db)?;
            let r = self.load_schema(db);
            if let Some(d) = self.dbs.get_mut(db) {
                if d.txn == 1 && self.autocommit {
                    d.bt.end_read();
                    d.txn = 0;
                }
            }
            r
        })();
        if let Err(e) = r {
            self.dbs.pop();
            return Err(e);
        }
        Ok(())
    }

    /// `DETACH`: `name` as given (SQLite's `detachFunc`).
    pub(super) fn detach_value(&mut self, name: Option<&Value>) -> Result<Value> {
        let name = text_arg(name).unwrap_or_default();
        self.detach(&name)?;
        Ok(Value::Null)
    }

    pub fn detach(&mut self, name: &str) -> Result<()> {
        let pos = self
            .dbs
            .iter()
            .position(|d| d.name.eq_ignore_ascii_case(name));
        let i = match pos {
            Some(i) if i >= 2 => i,
            Some(1) if self.dbs[1].bt.pager.page_count() == 0 => {
                return Err(Error::new(
                    SQLITE_ERROR,
                    format!("no such database: {name}"),
                ))
            }
            Some(_) => {
                return Err(Error::new(
                    SQLITE_ERROR,
                    format!("cannot detach database {name}"),
                ))
            }
            _ => {
                return Err(Error::new(
                    SQLITE_ERROR,
                    format!("no such database: {name}"),
                ))
            }
        };
        if self.dbs[i].txn != 0 {
            return Err(Error::new(
                SQLITE_ERROR,
                format!("database {name} is locked"),
            ));
        }
        self.dbs.remove(i);
        // Cached programs name databases by number: a detach renumbers the later ones.
        self.invalidate_compiled();
        Ok(())
    }

    /// File name of database `db` for `PRAGMA database_list` ('' for memory and temp).
    /// NULL for a temp database that was never opened (SQLite does not list it).
    pub(super) fn database_file(&self, db: usize) -> Value {
        match self.dbs.get(db) {
            Some(d) if db == 1 && d.bt.pager.page_count() == 0 => Value::Null,
            Some(d) => Value::text(&d.path),
            None => Value::Null,
        }
    }
}
