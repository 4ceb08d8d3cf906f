//! WAL checkpoints on behalf of `PRAGMA wal_checkpoint`, `sqlite3_wal_checkpoint_v2` and
//! `PRAGMA wal_autocheckpoint` / `sqlite3_wal_autocheckpoint`, and `sqlite3_wal_hook`.
//!
//! As in SQLite, the auto-checkpoint and the WAL hook are one slot: installing a hook (or
//! removing it) turns the auto-checkpoint off (`PRAGMA wal_autocheckpoint` then reads 0), and
//! setting the auto-checkpoint removes the hook. The hook runs when a statement finishes in
//! autocommit mode, once per database that committed into its WAL since (SQLite's
//! `doWalCallbacks`), with the WAL's frame count; a non-zero return is the statement's error.
//!
//! The pager does the work (`Pager::checkpoint`); this file only maps databases and modes and
//! turns a busy checkpoint into SQLite's `(busy = 1, log, checkpointed)` answer.
//!
//! `PRAGMA locking_mode` lives here too (SQLite's `PragTyp_LOCKING_MODE`): the connection's
//! default mode (the `locking_mode` setting) is what a bare query reports; a bare assignment
//! sets the default and every attached database's pager, then answers with the main pager's
//! mode (a pager whose WAL index is in heap memory stays EXCLUSIVE); `PRAGMA x.locking_mode`
//! (x not main) asks or sets that database's pager only.

use super::Connection;
use crate::error::{codes::*, Error, Result};
use crate::pager::CheckpointMode;

/// `SQLITE_CHECKPOINT_*` → pager mode.
pub fn checkpoint_mode(mode: i32) -> Result<CheckpointMode> {
    match mode {
        0 => Ok(CheckpointMode::Passive),
        1 => Ok(CheckpointMode::Full),
        2 => Ok(CheckpointMode::Restart),
        3 => Ok(CheckpointMode::Truncate),
        _ => Err(Error::misuse()),
    }
}

/// Whether `sql` is a `PRAGMA [schema.]locking_mode ...` statement: prepared without reading
/// the schema, as in SQLite (the pragma has no NeedSchema flag), so that a connection can set
/// EXCLUSIVE before its first access opens the WAL (and its `-shm`).
pub(crate) fn is_locking_mode_pragma(sql: &[u8]) -> bool {
    let head = String::from_utf8_lossy(sql.get(..256).unwrap_or(sql)).to_ascii_lowercase();
    let mut words = head.split_whitespace();
    if words.next() != Some("pragma") {
        return false;
    }
    let rest: String = words.collect::<Vec<_>>().join(" ");
    let rest = match rest.split_once('.') {
        Some((schema, r)) if !schema.trim().contains([' ', '=']) => r.trim_start(),
        _ => rest.as_str(),
    };
    match rest.strip_prefix("locking_mode") {
        Some(tail) => matches!(
            tail.trim_start().bytes().next(),
            None | Some(b'=' | b'(' | b';')
        ),
        None => false,
    }
}

impl Connection {
    /// `PRAGMA [schema.]locking_mode [= NORMAL|EXCLUSIVE]` (see the module comment). `db` 0
    /// counts as no schema named.
    pub(crate) fn locking_mode_pragma(
        &mut self,
        db: usize,
        new: Option<&crate::Value>,
    ) -> Result<crate::Value> {
        let name = |x: bool| crate::Value::text(if x { "exclusive" } else { "normal" });
        let mode = match new.map(super::text_of).as_deref() {
            Some("exclusive") => Some(true),
            Some("normal") => Some(false),
            _ => None,
        };
        if db != 0 {
            let d = self
                .dbs
                .get_mut(db)
                .ok_or_else(|| Error::sql("no such database"))?;
            return Ok(name(d.bt.pager.set_locking_mode(mode)));
        }
        let Some(m) = mode else {
            let dflt = self
                .settings
                .iter()
                .any(|(k, v)| k == "locking_mode" && super::text_of(v) == "exclusive");
            return Ok(name(dflt));
        };
        for d in self.dbs.iter_mut().skip(2) {
            d.bt.pager.set_locking_mode(Some(m));
        }
        self.settings.retain(|(k, _)| k != "locking_mode");
        self.settings.push(("locking_mode".into(), name(m)));
        let d = self
            .dbs
            .get_mut(0)
            .ok_or_else(|| Error::sql("no such database"))?;
        Ok(name(d.bt.pager.set_locking_mode(Some(m))))
    }

    /// Checkpoint database `db` (index), or every attached database when `db` is `None`.
    /// Returns `(busy, log_frames, checkpointed_frames)` as `PRAGMA wal_checkpoint` reports
    /// them: `(0, -1, -1)` for a database not in WAL mode, busy = 1 when a lock was refused.
    pub fn wal_checkpoint(&mut self, db: Option<usize>, mode: i32) -> Result<(i32, i32, i32)> {
        let mode = checkpoint_mode(mode)?;
        if !self.is_autocommit() {
            return Err(Error::new(SQLITE_LOCKED, "database table is locked"));
        }
        let range: Vec<usize> = match db {
            Some(i) => vec![i],
            None => (0..self.dbs.len()).collect(),
        };
        let (mut busy, mut log, mut ckpt) = (0, -1, -1);
        for i in range {
            let d = self
                .dbs
                .get_mut(i)
                .ok_or_else(|| Error::sql("unknown database"))?;
            match d.bt.pager.checkpoint(mode) {
                Ok((l, c)) => {
                    if l >= 0 {
                        log = l;
                        ckpt = c;
                    }
                }
                Err(e) if e.is_busy() => busy = 1,
                Err(e) => return Err(e),
            }
        }
        Ok((busy, log, ckpt))
    }

    /// `sqlite3_wal_autocheckpoint` / `PRAGMA wal_autocheckpoint = n` on every database
    /// (removes a `sqlite3_wal_hook` hook).
    pub fn set_wal_autocheckpoint(&mut self, n: i64) {
        self.wal_hook = None;
        self.set_pager_autocheckpoint(n);
    }

    fn set_pager_autocheckpoint(&mut self, n: i64) {
        let n = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        for d in &mut self.dbs {
            d.bt.pager.set_wal_autocheckpoint(n);
        }
        self.settings.retain(|(k, _)| k != "wal_autocheckpoint");
        self.settings
            .push(("wal_autocheckpoint".into(), crate::Value::Integer(n as i64)));
    }

    /// The auto-checkpoint threshold in effect (the `wal_autocheckpoint` setting; 1000 by
    /// default, 0 once a `sqlite3_wal_hook` replaced it). SQLite keeps it as the default
    /// hook's argument, so `sqlite3_wal_hook` returns it as the previous argument.
    pub fn wal_autocheckpoint_setting(&self) -> i64 {
        self.settings
            .iter()
            .find(|(k, _)| k == "wal_autocheckpoint")
            .map(|(_, v)| crate::vdbe::mem::to_int(v))
            .unwrap_or(1000)
    }

    /// `sqlite3_wal_hook`: install (or with `None` remove) the hook; the auto-checkpoint is
    /// off from now on either way, as in SQLite.
    pub fn set_wal_hook(&mut self, h: Option<super::WalHook>) {
        self.set_pager_autocheckpoint(0);
        self.wal_hook = h;
    }

    /// SQLite's `doWalCallbacks`: for each database that committed into its WAL since the last
    /// call, call the hook with its name and frame count. A non-zero answer is returned as
    /// the error (the later databases' counts are still consumed).
    pub(crate) fn run_wal_hooks(&mut self) -> Result<()> {
        let mut rc = SQLITE_OK;
        for i in 0..self.dbs.len() {
            let d = &mut self.dbs[i];
            let n = d.bt.pager.take_wal_callback();
            if n == 0 || rc != SQLITE_OK {
                continue;
            }
            if let Some(h) = self.wal_hook.as_mut() {
                let name = self.dbs[i].name.clone();
                rc = h(&name, i32::try_from(n).unwrap_or(i32::MAX));
            }
        }
        if rc != SQLITE_OK {
            return Err(Error::code(rc));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn locking_mode_pragma_is_recognised() {
        use super::is_locking_mode_pragma as f;
        assert!(f(b"PRAGMA locking_mode=EXCLUSIVE"));
        assert!(f(b"  pragma  main.locking_mode = normal;"));
        assert!(f(b"pragma locking_mode"));
        assert!(f(b"pragma temp . locking_mode('exclusive')"));
        assert!(!f(b"pragma locking_modes"));
        assert!(!f(b"pragma journal_mode=wal"));
        assert!(!f(b"select 1; pragma locking_mode"));
        assert!(!f(b"pragma"));
    }
}
