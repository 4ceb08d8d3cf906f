//! The one core error type and its mapping to SQLite's primary and extended result codes.
//!
//! Every layer returns [`Error`]. Only `src/capi` turns it into a `c_int`. The message is what
//! `sqlite3_errmsg()` reports; when a layer has nothing better to say, [`Error::code`] uses
//! SQLite's default message for the code (`sqlite3_errstr`).
//!
//! Corruption always goes through [`corrupt!`], which records the source line (one breakpoint,
//! as SQLite's `SQLITE_CORRUPT_BKPT`).

use std::fmt;

/// SQLite's result codes (primary and extended), with SQLite's values.
pub mod codes {
    pub const SQLITE_OK: i32 = 0;
    pub const SQLITE_ERROR: i32 = 1;
    pub const SQLITE_INTERNAL: i32 = 2;
    pub const SQLITE_PERM: i32 = 3;
    pub const SQLITE_ABORT: i32 = 4;
    pub const SQLITE_BUSY: i32 = 5;
    pub const SQLITE_LOCKED: i32 = 6;
    pub const SQLITE_NOMEM: i32 = 7;
    pub const SQLITE_READONLY: i32 = 8;
    pub const SQLITE_INTERRUPT: i32 = 9;
    pub const SQLITE_IOERR: i32 = 10;
    pub const SQLITE_CORRUPT: i32 = 11;
    pub const SQLITE_NOTFOUND: i32 = 12;
    pub const SQLITE_FULL: i32 = 13;
    pub const SQLITE_CANTOPEN: i32 = 14;
    pub const SQLITE_PROTOCOL: i32 = 15;
    pub const SQLITE_EMPTY: i32 = 16;
    pub const SQLITE_SCHEMA: i32 = 17;
    pub const SQLITE_TOOBIG: i32 = 18;
    pub const SQLITE_CONSTRAINT: i32 = 19;
    pub const SQLITE_MISMATCH: i32 = 20;
    pub const SQLITE_MISUSE: i32 = 21;
    pub const SQLITE_NOLFS: i32 = 22;
    pub const SQLITE_AUTH: i32 = 23;
    pub const SQLITE_FORMAT: i32 = 24;
    pub const SQLITE_RANGE: i32 = 25;
    pub const SQLITE_NOTADB: i32 = 26;
    pub const SQLITE_NOTICE: i32 = 27;
    pub const SQLITE_WARNING: i32 = 28;
    pub const SQLITE_ROW: i32 = 100;
    pub const SQLITE_DONE: i32 = 101;

    pub const SQLITE_ERROR_MISSING_COLLSEQ: i32 = SQLITE_ERROR | (1 << 8);
    pub const SQLITE_ERROR_RETRY: i32 = SQLITE_ERROR | (2 << 8);
    pub const SQLITE_ERROR_SNAPSHOT: i32 = SQLITE_ERROR | (3 << 8);
    pub const SQLITE_IOERR_READ: i32 = SQLITE_IOERR | (1 << 8);
    pub const SQLITE_IOERR_SHORT_READ: i32 = SQLITE_IOERR | (2 << 8);
    pub const SQLITE_IOERR_WRITE: i32 = SQLITE_IOERR | (3 << 8);
    pub const SQLITE_IOERR_FSYNC: i32 = SQLITE_IOERR | (4 << 8);
    pub const SQLITE_IOERR_DIR_FSYNC: i32 = SQLITE_IOERR | (5 << 8);
    pub const SQLITE_IOERR_TRUNCATE: i32 = SQLITE_IOERR | (6 << 8);
    pub const SQLITE_IOERR_FSTAT: i32 = SQLITE_IOERR | (7 << 8);
    pub const SQLITE_IOERR_UNLOCK: i32 = SQLITE_IOERR | (8 << 8);
    pub const SQLITE_IOERR_RDLOCK: i32 = SQLITE_IOERR | (9 << 8);
    pub const SQLITE_IOERR_DELETE: i32 = SQLITE_IOERR | (10 << 8);
    pub const SQLITE_IOERR_BLOCKED: i32 = SQLITE_IOERR | (11 << 8);
    pub const SQLITE_IOERR_NOMEM: i32 = SQLITE_IOERR | (12 << 8);
    pub const SQLITE_IOERR_ACCESS: i32 = SQLITE_IOERR | (13 << 8);
    pub const SQLITE_IOERR_CHECKRESERVEDLOCK: i32 = SQLITE_IOERR | (14 << 8);
    pub const SQLITE_IOERR_LOCK: i32 = SQLITE_IOERR | (15 << 8);
    pub const SQLITE_IOERR_CLOSE: i32 = SQLITE_IOERR | (16 << 8);
    pub const SQLITE_IOERR_DIR_CLOSE: i32 = SQLITE_IOERR | (17 << 8);
    pub const SQLITE_IOERR_SHMOPEN: i32 = SQLITE_IOERR | (18 << 8);
    pub const SQLITE_IOERR_SHMSIZE: i32 = SQLITE_IOERR | (19 << 8);
    pub const SQLITE_IOERR_SHMLOCK: i32 = SQLITE_IOERR | (20 << 8);
    pub const SQLITE_IOERR_SHMMAP: i32 = SQLITE_IOERR | (21 << 8);
    pub const SQLITE_IOERR_SEEK: i32 = SQLITE_IOERR | (22 << 8);
    pub const SQLITE_IOERR_DELETE_NOENT: i32 = SQLITE_IOERR | (23 << 8);
    pub const SQLITE_IOERR_MMAP: i32 = SQLITE_IOERR | (24 << 8);
    pub const SQLITE_IOERR_GETTEMPPATH: i32 = SQLITE_IOERR | (25 << 8);
    pub const SQLITE_IOERR_CONVPATH: i32 = SQLITE_IOERR | (26 << 8);
    pub const SQLITE_IOERR_AUTH: i32 = SQLITE_IOERR | (28 << 8);
    pub const SQLITE_IOERR_BEGIN_ATOMIC: i32 = SQLITE_IOERR | (29 << 8);
    pub const SQLITE_IOERR_COMMIT_ATOMIC: i32 = SQLITE_IOERR | (30 << 8);
    pub const SQLITE_IOERR_ROLLBACK_ATOMIC: i32 = SQLITE_IOERR | (31 << 8);
    pub const SQLITE_IOERR_DATA: i32 = SQLITE_IOERR | (32 << 8);
    pub const SQLITE_IOERR_CORRUPTFS: i32 = SQLITE_IOERR | (33 << 8);
    pub const SQLITE_LOCKED_SHAREDCACHE: i32 = SQLITE_LOCKED | (1 << 8);
    pub const SQLITE_LOCKED_VTAB: i32 = SQLITE_LOCKED | (2 << 8);
    pub const SQLITE_BUSY_RECOVERY: i32 = SQLITE_BUSY | (1 << 8);
    pub const SQLITE_BUSY_SNAPSHOT: i32 = SQLITE_BUSY | (2 << 8);
    pub const SQLITE_BUSY_TIMEOUT: i32 = SQLITE_BUSY | (3 << 8);
    pub const SQLITE_CANTOPEN_NOTEMPDIR: i32 = SQLITE_CANTOPEN | (1 << 8);
    pub const SQLITE_CANTOPEN_ISDIR: i32 = SQLITE_CANTOPEN | (2 << 8);
    pub const SQLITE_CANTOPEN_FULLPATH: i32 = SQLITE_CANTOPEN | (3 << 8);
    pub const SQLITE_CANTOPEN_CONVPATH: i32 = SQLITE_CANTOPEN | (4 << 8);
    pub const SQLITE_CANTOPEN_SYMLINK: i32 = SQLITE_CANTOPEN | (6 << 8);
    pub const SQLITE_CORRUPT_VTAB: i32 = SQLITE_CORRUPT | (1 << 8);
    pub const SQLITE_CORRUPT_SEQUENCE: i32 = SQLITE_CORRUPT | (2 << 8);
    pub const SQLITE_CORRUPT_INDEX: i32 = SQLITE_CORRUPT | (3 << 8);
    pub const SQLITE_READONLY_RECOVERY: i32 = SQLITE_READONLY | (1 << 8);
    pub const SQLITE_READONLY_CANTLOCK: i32 = SQLITE_READONLY | (2 << 8);
    pub const SQLITE_READONLY_ROLLBACK: i32 = SQLITE_READONLY | (3 << 8);
    pub const SQLITE_READONLY_DBMOVED: i32 = SQLITE_READONLY | (4 << 8);
    pub const SQLITE_READONLY_CANTINIT: i32 = SQLITE_READONLY | (5 << 8);
    pub const SQLITE_READONLY_DIRECTORY: i32 = SQLITE_READONLY | (6 << 8);
    pub const SQLITE_ABORT_ROLLBACK: i32 = SQLITE_ABORT | (2 << 8);
    pub const SQLITE_CONSTRAINT_CHECK: i32 = SQLITE_CONSTRAINT | (1 << 8);
    pub const SQLITE_CONSTRAINT_COMMITHOOK: i32 = SQLITE_CONSTRAINT | (2 << 8);
    pub const SQLITE_CONSTRAINT_FOREIGNKEY: i32 = SQLITE_CONSTRAINT | (3 << 8);
    pub const SQLITE_CONSTRAINT_FUNCTION: i32 = SQLITE_CONSTRAINT | (4 << 8);
    pub const SQLITE_CONSTRAINT_NOTNULL: i32 = SQLITE_CONSTRAINT | (5 << 8);
    pub const SQLITE_CONSTRAINT_PRIMARYKEY: i32 = SQLITE_CONSTRAINT | (6 << 8);
    pub const SQLITE_CONSTRAINT_TRIGGER: i32 = SQLITE_CONSTRAINT | (7 << 8);
    pub const SQLITE_CONSTRAINT_UNIQUE: i32 = SQLITE_CONSTRAINT | (8 << 8);
    pub const SQLITE_CONSTRAINT_VTAB: i32 = SQLITE_CONSTRAINT | (9 << 8);
    pub const SQLITE_CONSTRAINT_ROWID: i32 = SQLITE_CONSTRAINT | (10 << 8);
    pub const SQLITE_CONSTRAINT_PINNED: i32 = SQLITE_CONSTRAINT | (11 << 8);
    pub const SQLITE_CONSTRAINT_DATATYPE: i32 = SQLITE_CONSTRAINT | (12 << 8);
    pub const SQLITE_NOTICE_RECOVER_WAL: i32 = SQLITE_NOTICE | (1 << 8);
    pub const SQLITE_NOTICE_RECOVER_ROLLBACK: i32 = SQLITE_NOTICE | (2 << 8);
    pub const SQLITE_WARNING_AUTOINDEX: i32 = SQLITE_WARNING | (1 << 8);
    pub const SQLITE_AUTH_USER: i32 = SQLITE_AUTH | (1 << 8);
    pub const SQLITE_OK_LOAD_PERMANENTLY: i32 = SQLITE_OK | (1 << 8);
    pub const SQLITE_OK_SYMLINK: i32 = SQLITE_OK | (2 << 8);
}

use codes::*;

/// SQLite's `sqlite3ErrStr()`: the default message for a (primary or extended) result code.
pub fn errstr(code: i32) -> &'static str {
    match code {
        SQLITE_ABORT_ROLLBACK => "abort due to ROLLBACK",
        SQLITE_ROW => "another row available",
        SQLITE_DONE => "no more rows available",
        _ => match code & 0xff {
            SQLITE_OK => "not an error",
            SQLITE_ERROR => "SQL logic error",
            SQLITE_INTERNAL => "unknown error",
            SQLITE_PERM => "access permission denied",
            SQLITE_ABORT => "query aborted",
            SQLITE_BUSY => "database is locked",
            SQLITE_LOCKED => "database table is locked",
            SQLITE_NOMEM => "out of memory",
            SQLITE_READONLY => "attempt to write a readonly database",
            SQLITE_INTERRUPT => "interrupted",
            SQLITE_IOERR => "disk I/O error",
            SQLITE_CORRUPT => "database disk image is malformed",
            SQLITE_NOTFOUND => "unknown operation",
            SQLITE_FULL => "database or disk is full",
            SQLITE_CANTOPEN => "unable to open database file",
            SQLITE_PROTOCOL => "locking protocol",
            SQLITE_EMPTY => "unknown error",
            SQLITE_SCHEMA => "database schema has changed",
            SQLITE_TOOBIG => "string or blob too big",
            SQLITE_CONSTRAINT => "constraint failed",
            SQLITE_MISMATCH => "datatype mismatch",
            SQLITE_MISUSE => "bad parameter or other API misuse",
            SQLITE_NOLFS => "large file support is disabled",
            SQLITE_AUTH => "authorization denied",
            SQLITE_FORMAT => "unknown error",
            SQLITE_RANGE => "column index out of range",
            SQLITE_NOTADB => "file is not a database",
            SQLITE_NOTICE => "notification message",
            SQLITE_WARNING => "warning message",
            _ => "unknown error",
        },
    }
}

/// The core error: an extended result code and the message `sqlite3_errmsg()` shows.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    /// Extended result code (the primary code is `code & 0xff`).
    pub code: i32,
    /// Message for `sqlite3_errmsg`.
    pub msg: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with an explicit message.
    pub fn new(code: i32, msg: impl Into<String>) -> Error {
        Error {
            code,
            msg: msg.into(),
        }
    }
    /// An error with SQLite's default message for `code`.
    pub fn code(code: i32) -> Error {
        Error {
            code,
            msg: errstr(code).to_string(),
        }
    }
    /// `SQLITE_ERROR` with a message (the common case for SQL errors).
    pub fn sql(msg: impl Into<String>) -> Error {
        Error::new(SQLITE_ERROR, msg)
    }
    pub fn primary(&self) -> i32 {
        self.code & 0xff
    }
    pub fn is_busy(&self) -> bool {
        self.primary() == SQLITE_BUSY
    }
    pub fn busy() -> Error {
        Error::code(SQLITE_BUSY)
    }
    pub fn notadb() -> Error {
        Error::code(SQLITE_NOTADB)
    }
    pub fn readonly() -> Error {
        Error::code(SQLITE_READONLY)
    }
    pub fn full() -> Error {
        Error::code(SQLITE_FULL)
    }
    pub fn nomem() -> Error {
        Error::code(SQLITE_NOMEM)
    }
    pub fn misuse() -> Error {
        Error::code(SQLITE_MISUSE)
    }
    pub fn range() -> Error {
        Error::code(SQLITE_RANGE)
    }
    pub fn interrupt() -> Error {
        Error::code(SQLITE_INTERRUPT)
    }
    /// Use [`corrupt!`] instead, so the source line is recorded.
    #[doc(hidden)]
    pub fn corrupt_at(file: &'static str, line: u32, pgno: u32) -> Error {
        crate::error::log_corruption(file, line, pgno);
        Error::code(SQLITE_CORRUPT)
    }
    /// An I/O error with an extended code (e.g. `SQLITE_IOERR_WRITE`), from an OS error.
    pub fn io(extended: i32, err: &std::io::Error) -> Error {
        match err.raw_os_error() {
            Some(libc::ENOSPC) => Error::full(),
            _ => Error::new(extended, errstr(extended)),
        }
    }
}

/// Where corruption was detected (for `sqlite3_log` with `SQLITE_CORRUPT`). Kept cheap.
pub fn log_corruption(file: &'static str, line: u32, pgno: u32) {
    LAST_CORRUPTION.with(|c| c.set(Some((file, line, pgno))));
}

thread_local! {
    /// The last corruption site seen on this thread (file, line, page): one place to look.
    pub static LAST_CORRUPTION: std::cell::Cell<Option<(&'static str, u32, u32)>> =
        const { std::cell::Cell::new(None) };
}

/// Build a `SQLITE_CORRUPT` error, recording the source line and (optionally) the page number.
/// Anything decided by bytes from a file goes through here.
#[macro_export]
macro_rules! corrupt {
    () => {
        $crate::error::Error::corrupt_at(file!(), line!(), 0)
    };
    ($pgno:expr) => {
        $crate::error::Error::corrupt_at(file!(), line!(), ($pgno) as u32)
    };
}

/// Our own "cannot happen" condition: asserts in debug builds, returns `SQLITE_INTERNAL` in
/// release. Never for conditions decided by file bytes (those are `corrupt!`).
#[macro_export]
macro_rules! never {
    ($cond:expr) => {{
        let c: bool = $cond;
        debug_assert!(!c, "never!({}) failed", stringify!($cond));
        c
    }};
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({}: {})", self.code, self.msg)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn messages_match_sqlite() {
        assert_eq!(errstr(SQLITE_BUSY), "database is locked");
        assert_eq!(errstr(SQLITE_NOTADB), "file is not a database");
        assert_eq!(
            errstr(SQLITE_CORRUPT_INDEX),
            "database disk image is malformed"
        );
        assert_eq!(
            Error::code(SQLITE_CONSTRAINT_UNIQUE).primary(),
            SQLITE_CONSTRAINT
        );
        assert_eq!(corrupt!(3).code, SQLITE_CORRUPT);
    }
}
