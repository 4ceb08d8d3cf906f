//! Keys of encrypted databases at the connection level (`ENCRYPTION.md`, `src/crypto`):
//! `PRAGMA key` / `hexkey` / `rekey` / `hexrekey`, `sqlite3_key(_v2)` / `sqlite3_rekey(_v2)`
//! (through [`Connection::key`] / [`Connection::rekey`]) and the URI parameters `key=` /
//! `hexkey=` (through [`uri_key`]).
//!
//! # States (per attached database)
//! ```text
//!   UNKEYED ──key──▶ KEYED (codec installed, key not yet checked)
//!      │               │ first access: page 1 verifies ──▶ OPEN (reads/writes go through the codec)
//!      │               └ first access: page 1 fails ──▶ NOTADB; key may be set again
//!      └─ first access of an encrypted file: NOTADB ("file is not a database"); key may be set
//!   OPEN ──rekey(new)──▶ OPEN under new  (one journaled transaction, crash-safe)
//!   OPEN ──rekey('')──▶ plain file (keeps its 28 reserved bytes)
//!   plain OPEN ──rekey(k)──▶ OPEN under k; pages without 28 reserved bytes are first rebuilt
//!                             (VACUUM with reserved bytes = 28, a journaled transaction)
//! ```
//! # Invariants
//! 1. A key is installed only while the database has not been read successfully (the pager's
//!    `set_codec` refuses otherwise), so cached plaintext never mixes keys.
//! 2. `rekey` runs outside any transaction (autocommit, no other running statement), so the
//!    pager's own rekey transaction is the only one on that database; afterwards the database
//!    has no transaction open (`txn == 0`) and its schema is reloaded on next use.
//! 3. Key bytes given by the caller are copied only into zeroizing buffers (`KeySpec`);
//!    the text of a `PRAGMA key` statement itself is the caller's and lives as long as the
//!    prepared statement.
//! 4. In WAL mode `rekey` first leaves WAL (checkpoint, `-wal` deleted: needs to be the only
//!    connection), rekeys with a rollback journal, and goes back to WAL.
//! 5. `rekey` of a plain file whose pages reserve fewer than 28 bytes runs two journaled
//!    transactions: a VACUUM into pages reserving 28 bytes (still plain), then the rekey
//!    proper. Each is atomic and crash-safe, so a crash leaves the plain file (before or
//!    after the rebuild: both read with no key) or the encrypted one: one key always works
//!    and every committed row is there.

use super::Connection;
use crate::crypto::{KeySpec, KeyedCodec};
use crate::error::codes::*;
use crate::error::{Error, Result};
use crate::pager::JournalMode;
use crate::value::Value;
use crate::vdbe::mem;
use zeroize::Zeroizing;

/// Names of the key pragmas (`PRAGMA [schema.]NAME = value`).
const KEY_PRAGMAS: &[&str] = &["key", "hexkey", "rekey", "hexrekey"];

/// Skip blanks and SQL comments.
fn skip_blank(s: &[u8], mut i: usize) -> usize {
    loop {
        match (s.get(i), s.get(i + 1)) {
            (Some(c), _) if c.is_ascii_whitespace() => i += 1,
            (Some(b'-'), Some(b'-')) => {
                while s.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            (Some(b'/'), Some(b'*')) => {
                i += 2;
                while i < s.len() && !(s.get(i) == Some(&b'*') && s.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(s.len());
            }
            _ => return i,
        }
    }
}

/// An identifier at `i` (bare, or in `"…"`, `[…]`, `` `…` ``): (lower-cased name, end).
fn ident(s: &[u8], i: usize) -> Option<(String, usize)> {
    let close = match s.get(i)? {
        b'"' => Some(b'"'),
        b'[' => Some(b']'),
        b'`' => Some(b'`'),
        _ => None,
    };
    if let Some(q) = close {
        let rest = s.get(i + 1..)?;
        let n = rest.iter().position(|&c| c == q)?;
        let name = String::from_utf8_lossy(rest.get(..n)?).to_ascii_lowercase();
        return Some((name, i + n + 2));
    }
    let n = s
        .get(i..)?
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c >= 0x80)
        .count();
    if n == 0 {
        return None;
    }
    let name = String::from_utf8_lossy(s.get(i..i + n)?).to_ascii_lowercase();
    Some((name, i + n))
}

/// True when the first statement of `sql` is `PRAGMA [schema.]key|hexkey|rekey|hexrekey …`:
/// such a statement must be prepared without reading the database (its schema cannot be read
/// before the key is known).
pub(crate) fn is_key_pragma(sql: &[u8]) -> bool {
    let i = skip_blank(sql, 0);
    let Some((kw, i)) = ident(sql, i) else {
        return false;
    };
    if kw != "pragma" {
        return false;
    }
    let i = skip_blank(sql, i);
    let Some((mut name, mut i)) = ident(sql, i) else {
        return false;
    };
    let j = skip_blank(sql, i);
    if sql.get(j) == Some(&b'.') {
        let k = skip_blank(sql, j + 1);
        match ident(sql, k) {
            Some((n, e)) => {
                name = n;
                i = e;
            }
            None => return false,
        }
    }
    let next = sql.get(skip_blank(sql, i));
    KEY_PRAGMAS.contains(&name.as_str()) && matches!(next, None | Some(b'=' | b'(' | b';'))
}

/// `hexkey` / `hexrekey` values: the hex digits of a raw 32-byte key, with or without `x'…'`.
fn hex_spec(v: &[u8]) -> Result<Option<KeySpec>> {
    if v.is_empty() {
        return Ok(None);
    }
    if v.starts_with(b"x'") || v.starts_with(b"X'") {
        return KeySpec::parse(v);
    }
    KeySpec::from_hex(v).map(Some)
}

/// The `key=` / `hexkey=` parameters of an open URI, kept in zeroizing buffers until the
/// pager is open; `Debug` shows no key.
#[derive(Default, PartialEq, Eq)]
pub(crate) struct UriKey {
    key: Option<Zeroizing<String>>,
    hexkey: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for UriKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UriKey(<redacted>)")
    }
}

impl UriKey {
    /// Record URI parameter `k` = `v` if it is a key parameter; false for any other.
    pub(crate) fn take(&mut self, k: &str, v: &str) -> bool {
        match k {
            "key" => self.key = Some(Zeroizing::new(v.to_string())),
            "hexkey" => self.hexkey = Some(Zeroizing::new(v.to_string())),
            _ => return false,
        }
        true
    }

    /// The key given by `key=` (passphrase, or `x'…'` raw key) or `hexkey=` (64 hex digits
    /// of a raw key), if any. `hexkey` wins when both are given.
    pub(crate) fn spec(&self) -> Result<Option<KeySpec>> {
        if let Some(h) = &self.hexkey {
            return hex_spec(h.as_bytes());
        }
        match &self.key {
            Some(k) => KeySpec::parse(k.as_bytes()),
            None => Ok(None),
        }
    }
}

impl Connection {
    /// Index of the database `name` (`None`: main), which must be a file database.
    fn keyed_db(&self, name: Option<&str>) -> Result<usize> {
        let i = match name {
            None => 0,
            Some(n) => self
                .dbs
                .iter()
                .position(|d| d.name.eq_ignore_ascii_case(n))
                .ok_or_else(|| Error::sql(format!("unknown database {n}")))?,
        };
        Ok(i)
    }

    /// `sqlite3_key_v2` / `PRAGMA key`: the key of database `name` (`None`: main), before
    /// its first access. `key` is a passphrase (Argon2id with the file's salt), `x'<64 hex>'`
    /// (a raw key), or empty (no encryption: nothing changes). A wrong key shows on first
    /// access as `SQLITE_NOTADB`.
    pub fn key(&mut self, name: Option<&str>, key: &[u8]) -> Result<()> {
        let spec = KeySpec::parse(key)?;
        self.install_key(name, spec)
    }

    /// Install `spec` as the key of database `name` (see [`key`](Self::key)).
    pub(crate) fn install_key(&mut self, name: Option<&str>, spec: Option<KeySpec>) -> Result<()> {
        let i = self.keyed_db(name)?;
        let Some(spec) = spec else {
            return Ok(());
        };
        let d = self
            .dbs
            .get_mut(i)
            .ok_or_else(|| Error::sql("no such database"))?;
        if d.path.is_empty() {
            // A memory database never touches a file: nothing to encrypt (as SEE).
            return Ok(());
        }
        if d.txn != 0 {
            return Err(Error::sql(
                "cannot set the key of a database inside a transaction",
            ));
        }
        d.bt.pager
            .set_codec(Box::new(KeyedCodec::new(spec)))
            .map_err(|e| {
                if e.primary() == SQLITE_MISUSE {
                    Error::sql("the key must be set before the database is first read")
                } else {
                    e
                }
            })?;
        d.schema_loaded = false;
        Ok(())
    }

    /// `sqlite3_rekey_v2` / `PRAGMA rekey`: re-encrypt database `name` (`None`: main) under
    /// `key`, in one crash-safe transaction. An empty key decrypts it to a plain SQLite file;
    /// on a plain file a non-empty key encrypts it (its pages must reserve 28 bytes). Must
    /// run outside a transaction, with no other statement running.
    pub fn rekey(&mut self, name: Option<&str>, key: &[u8]) -> Result<()> {
        let spec = KeySpec::parse(key)?;
        self.change_key(name, spec)
    }

    pub(crate) fn change_key(&mut self, name: Option<&str>, spec: Option<KeySpec>) -> Result<()> {
        let i = self.keyed_db(name)?;
        if !self.autocommit || self.active_vms() > 1 {
            return Err(Error::sql(
                "cannot change the key - SQL statements in progress",
            ));
        }
        let (path_empty, txn) = match self.dbs.get(i) {
            Some(d) => (d.path.is_empty(), d.txn),
            None => return Err(Error::sql("no such database")),
        };
        if path_empty {
            return Ok(());
        }
        if txn != 0 {
            return Err(Error::sql(
                "cannot change the key - SQL statements in progress",
            ));
        }
        let d = self
            .dbs
            .get_mut(i)
            .ok_or_else(|| Error::sql("no such database"))?;
        // Invariant 4: leave WAL mode for the duration.
        let wal = d.bt.pager.journal_mode() == JournalMode::Wal;
        if wal {
            let got = d.bt.pager.set_journal_mode(JournalMode::Delete)?;
            if got == JournalMode::Wal {
                return Err(Error::new(
                    SQLITE_BUSY,
                    "cannot change the key of a WAL database other connections use",
                ));
            }
        }
        let r = self.rekey_in_delete_mode(i, spec);
        let d = self
            .dbs
            .get_mut(i)
            .ok_or_else(|| Error::sql("no such database"))?;
        d.schema_loaded = false;
        if wal {
            let w = d.bt.pager.set_journal_mode(JournalMode::Wal);
            r?;
            w?;
            return Ok(());
        }
        r
    }

    /// The rekey of database `i` once it is in a rollback-journal mode (invariant 4).
    fn rekey_in_delete_mode(&mut self, i: usize, spec: Option<KeySpec>) -> Result<()> {
        let d = self
            .dbs
            .get_mut(i)
            .ok_or_else(|| Error::sql("no such database"))?;
        if spec.is_none() && !d.bt.pager.is_encrypted() {
            // Decrypting a plain file: nothing to do.
            return Ok(());
        }
        if spec.is_some() && !d.bt.pager.is_encrypted() && reserved_missing(d)? {
            // Invariant 5: a plain file without room for nonce and tag is first rebuilt
            // (VACUUM) with 28 reserved bytes per page, in its own journaled transaction.
            self.rebuild_reserved(i, crate::crypto::RESERVED)?;
        }
        let d = self
            .dbs
            .get_mut(i)
            .ok_or_else(|| Error::sql("no such database"))?;
        let codec = spec.map(|s| Box::new(KeyedCodec::new(s)) as _);
        let r = d.bt.pager.rekey(codec);
        d.bt.end_read();
        r
    }

    /// `PRAGMA [schema.]key|hexkey|rekey|hexrekey [= value]` (called from `pragma`); `None`
    /// for any other pragma name.
    pub(super) fn key_pragma(
        &mut self,
        db: usize,
        name: &str,
        new: Option<&Value>,
    ) -> Option<Result<Value>> {
        if !KEY_PRAGMAS.contains(&name) {
            return None;
        }
        let Some(v) = new else {
            // Querying a key reveals nothing.
            return Some(Ok(Value::Null));
        };
        let text = Zeroizing::new(match v {
            Value::Null => Vec::new(),
            v => mem::to_text(v).map(|t| t.to_vec()).unwrap_or_default(),
        });
        let db_name = self.dbs.get(db).map(|d| d.name.clone());
        let r = (|| -> Result<()> {
            let spec = if name.starts_with("hex") {
                hex_spec(&text)?
            } else {
                KeySpec::parse(&text)?
            };
            if name.ends_with("rekey") {
                self.change_key(db_name.as_deref(), spec)
            } else {
                self.install_key(db_name.as_deref(), spec)
            }
        })();
        Some(r.map(|()| Value::Null))
    }
}

/// A plain, non-empty database whose pages do not reserve the codec's 28 bytes (every file
/// real SQLite makes). Reads the header in a read transaction of its own.
fn reserved_missing(d: &mut super::DbSlot) -> Result<bool> {
    let own = !d.bt.pager.in_read_txn();
    if own {
        d.bt.begin_read()?;
    }
    let missing = d.bt.pager.page_count() > 0
        && d.bt.pager.page_size() - d.bt.pager.usable_size() != crate::crypto::RESERVED;
    if own {
        d.bt.end_read();
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_pragmas_are_recognised() {
        for s in [
            "PRAGMA key='x'",
            "  pragma KEY = 'x';",
            "/* c */ PRAGMA main.key = \"x'00'\"",
            "-- c\nPRAGMA \"main\" . rekey('a')",
            "PRAGMA hexkey='00'",
            "pragma hexrekey = ''",
            "PRAGMA key",
        ] {
            assert!(is_key_pragma(s.as_bytes()), "{s}");
        }
        for s in [
            "PRAGMA keys='x'",
            "PRAGMA journal_mode=wal",
            "SELECT 'PRAGMA key=1'",
            "PRAGMA main.keyx=1",
            "",
            "PRAGMA",
        ] {
            assert!(!is_key_pragma(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn uri_keys() {
        let p = |k: &str, v: &str| {
            let mut u = UriKey::default();
            u.take(k, v);
            u.spec()
        };
        assert!(matches!(
            p("key", "secret"),
            Ok(Some(KeySpec::Passphrase(_)))
        ));
        assert!(matches!(
            p("hexkey", &"ab".repeat(32)),
            Ok(Some(KeySpec::Raw(_)))
        ));
        assert!(p("hexkey", "abc").is_err());
        assert!(matches!(p("mode", "ro"), Ok(None)));
        assert!(matches!(p("key", ""), Ok(None)));
        let mut u = UriKey::default();
        assert!(u.take("key", "secret"));
        assert!(!format!("{u:?}").contains("secret"));
    }
}
