//! Connection-level foreign-key state: SQLite's deferred-constraint counters.
//!
//! Invariants:
//! - `deferred` counts violations of DEFERRABLE INITIALLY DEFERRED constraints made by the
//!   open transaction (`nDeferredCons`); `imm` counts immediate-constraint violations that
//!   `PRAGMA defer_foreign_keys` deferred (`nDeferredImmCons`). Both are 0 outside a
//!   transaction: a COMMIT (explicit or at the end of an autocommit statement) fails with
//!   "FOREIGN KEY constraint failed" while their sum is positive, and a rollback zeroes them.
//! - `sp[i]` holds the counters when savepoint `i` (of `Connection::savepoints`) began;
//!   ROLLBACK TO restores them. A statement rolled back on error restores the counters it
//!   started with (kept by the statement).

use crate::error::codes::SQLITE_CONSTRAINT_FOREIGNKEY;
use crate::error::Error;

#[derive(Default, Debug, Clone)]
pub struct FkState {
    pub deferred: i64,
    pub imm: i64,
    pub sp: Vec<(i64, i64)>,
}

impl FkState {
    /// Violations that block a COMMIT.
    pub fn pending(&self) -> bool {
        self.deferred + self.imm > 0
    }
    pub fn counters(&self) -> (i64, i64) {
        (self.deferred, self.imm)
    }
    pub fn restore(&mut self, c: (i64, i64)) {
        self.deferred = c.0;
        self.imm = c.1;
    }
    /// The transaction ended (committed or rolled back).
    pub fn clear(&mut self) {
        self.deferred = 0;
        self.imm = 0;
        self.sp.clear();
    }
    pub fn add(&mut self, imm: bool, delta: i64) {
        if imm {
            self.imm += delta;
        } else {
            self.deferred += delta;
        }
    }
}

/// The error of a COMMIT refused by deferred violations.
pub fn fk_error() -> Error {
    Error::new(
        SQLITE_CONSTRAINT_FOREIGNKEY,
        "FOREIGN KEY constraint failed",
    )
}
