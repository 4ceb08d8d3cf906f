//! WAL checkpoints on behalf of `PRAGMA wal_checkpoint`, `sqlite3_wal_checkpoint_v2` and
//! `PRAGMA wal_autocheckpoint` / `sqlite3_wal_autocheckpoint`.
//!
//! The pager does the work (`Pager::checkpoint`); this file only maps databases and modes and
//! turns a busy checkpoint into SQLite's `(busy = 1, log, checkpointed)` answer.

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

impl Connection {
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

    /// `sqlite3_wal_autocheckpoint` / `PRAGMA wal_autocheckpoint = n` on every database.
    pub fn set_wal_autocheckpoint(&mut self, n: i64) {
        let n = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        for d in &mut self.dbs {
            d.bt.pager.set_wal_autocheckpoint(n);
        }
    }
}
