//! The OS layer: files and locks. Only this module (and `capi`) may use `unsafe`.
//!
//! CONTRACT (owned by the vfs agent; other layers use only what is declared here):
//! - [`Vfs`] opens files by path; [`VfsFile`] reads/writes at offsets, syncs, truncates,
//!   and takes SQLite's file locks with SQLite's state machine (`lockingv3.html`):
//!   NONE → SHARED → RESERVED → (PENDING) → EXCLUSIVE, using POSIX fcntl locks at SQLite's byte
//!   offsets so that real SQLite processes and EpilogLite exclude each other.
//! - `unix` keeps one lock table per inode inside the process and shares the descriptor,
//!   since closing any descriptor of a file drops all of the process's POSIX locks on it.
//! - `memory` is an in-process VFS for `:memory:` and tests (with fault injection hooks).

pub mod memory;
pub mod shm;
pub mod unix;

use crate::error::Result;

/// Lock levels, as SQLite's `SQLITE_LOCK_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockLevel {
    None = 0,
    Shared = 1,
    Reserved = 2,
    Pending = 3,
    Exclusive = 4,
}

/// SQLite's lock byte offsets (`os.h`).
pub const PENDING_BYTE: u64 = 0x4000_0000;
pub const RESERVED_BYTE: u64 = PENDING_BYTE + 1;
pub const SHARED_FIRST: u64 = PENDING_BYTE + 2;
pub const SHARED_SIZE: u64 = 510;

/// What kind of file is being opened (affects locking and sync behaviour).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    MainDb,
    MainJournal,
    TempDb,
    TempJournal,
    Wal,
    Other,
}

/// Open flags (a subset of `SQLITE_OPEN_*` meaningful to a VFS).
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenFlags {
    pub read_only: bool,
    pub create: bool,
    pub exclusive: bool,
    pub delete_on_close: bool,
}

pub trait VfsFile: Send {
    /// Read exactly `buf.len()` bytes at `offset`. A read past the end fills the rest with
    /// zeros and returns `SQLITE_IOERR_SHORT_READ` (as SQLite's xRead); callers that expect a
    /// short read (page 1 of a new file) handle that code.
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<()>;
    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()>;
    fn truncate(&mut self, size: u64) -> Result<()>;
    /// `full`: fsync (SQLITE_SYNC_FULL); else fdatasync-equivalent.
    fn sync(&mut self, full: bool) -> Result<()>;
    fn size(&mut self) -> Result<u64>;
    /// Move up to `level` (no-op if already held); `SQLITE_BUSY` if another holder blocks it.
    fn lock(&mut self, level: LockLevel) -> Result<()>;
    /// Move down to `level` (`None` or `Shared`).
    fn unlock(&mut self, level: LockLevel) -> Result<()>;
    /// Whether any connection (in any process) holds RESERVED or higher.
    fn check_reserved_lock(&mut self) -> Result<bool>;
    fn lock_level(&self) -> LockLevel;
    fn sector_size(&self) -> u32 {
        4096
    }
    /// Whether writes are refused (opened read-only, or the VFS fell back to read-only
    /// because the file could not be opened for writing).
    fn is_read_only(&self) -> bool {
        false
    }
}

pub trait Vfs: Send + Sync {
    fn name(&self) -> &str;
    fn open(&self, path: &str, kind: FileKind, flags: OpenFlags) -> Result<Box<dyn VfsFile>>;
    fn delete(&self, path: &str, sync_dir: bool) -> Result<()>;
    fn exists(&self, path: &str) -> Result<bool>;
    /// Whether the file can be opened for writing.
    fn writable(&self, path: &str) -> Result<bool>;
    fn full_pathname(&self, path: &str) -> Result<String>;
    fn randomness(&self, buf: &mut [u8]);
    fn sleep_micros(&self, micros: u64);
    fn current_time_ms(&self) -> i64;
    /// Whether `<db>-shm` wal-index files can be mapped for files of this VFS (WAL mode with
    /// shared memory needs real files on the local disk).
    fn supports_shm(&self) -> bool {
        false
    }
}
