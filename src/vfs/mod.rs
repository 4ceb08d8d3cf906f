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

/// First of the 128 code points (U+10FF80..=U+10FFFF, the end of supplementary private use
/// plane 16) that stand for the raw bytes 0x80..=0xFF of a filename that is not UTF-8.
const PATH_BYTE_ESCAPE: u32 = 0x10_FF00;

/// A filename from the C API as the engine's `String` path. Unix filenames are any bytes;
/// every byte of an invalid UTF-8 sequence — and, so that the mapping stays one-to-one, every
/// byte of a genuine U+10FF80..U+10FFFF character — becomes U+10FF00 + byte.
/// [`path_to_bytes`] undoes it exactly, so undecodable names reach the OS unchanged (SQLite
/// passes them through as bytes; CPython's test_sqlite3 opens such a file).
pub fn path_from_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    let mut rest = b;
    while !rest.is_empty() {
        let (good, bad) = match std::str::from_utf8(rest) {
            Ok(s) => (s, &[][..]),
            Err(e) => {
                let (ok, tail) = rest.split_at(e.valid_up_to());
                let n = e.error_len().unwrap_or(tail.len());
                // `ok` is valid UTF-8 by `valid_up_to`.
                (std::str::from_utf8(ok).unwrap_or(""), &tail[..n])
            }
        };
        for ch in good.chars() {
            if (ch as u32) >= PATH_BYTE_ESCAPE + 0x80 {
                let mut buf = [0u8; 4];
                push_escaped(&mut out, ch.encode_utf8(&mut buf).as_bytes());
            } else {
                out.push(ch);
            }
        }
        push_escaped(&mut out, bad);
        rest = &rest[good.len() + bad.len()..];
    }
    out
}

fn push_escaped(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        if let Some(c) = char::from_u32(PATH_BYTE_ESCAPE + b as u32) {
            out.push(c);
        }
    }
}

/// The OS bytes of an engine path (inverse of [`path_from_bytes`]).
pub fn path_to_bytes(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for ch in s.chars() {
        let c = ch as u32;
        if c >= PATH_BYTE_ESCAPE + 0x80 {
            out.push((c - PATH_BYTE_ESCAPE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

/// An engine path as an OS path (for `std::fs`).
pub fn os_path(s: &str) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStringExt;
    std::path::PathBuf::from(std::ffi::OsString::from_vec(path_to_bytes(s)))
}

/// An OS path as an engine path.
pub fn path_from_os(p: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    path_from_bytes(p.as_os_str().as_bytes())
}

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

#[cfg(test)]
mod path_tests {
    use super::*;

    #[test]
    fn undecodable_paths_round_trip() {
        let cases: [&[u8]; 6] = [
            b"plain.db",
            "caf\u{e9}.db".as_bytes(),
            b"bad\xff\xfe.db",
            b"\xc3",
            "\u{10FFAB}x".as_bytes(),
            b"mix\xe2\x82-\xf4\x8f\xbf\xbf",
        ];
        for b in cases {
            let s = path_from_bytes(b);
            assert_eq!(path_to_bytes(&s), b, "{b:?}");
            let j = format!("{s}-journal");
            assert_eq!(path_to_bytes(&j), [b, &b"-journal"[..]].concat());
        }
        assert_eq!(path_from_bytes("caf\u{e9}".as_bytes()), "caf\u{e9}");
    }

    #[test]
    fn unix_vfs_creates_the_exact_undecodable_name() {
        use std::os::unix::ffi::OsStrExt;
        let dir = std::env::temp_dir().join(format!("el-undec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let raw = [dir.as_os_str().as_bytes(), b"/db\xff.sqlite"].concat();
        let path = path_from_bytes(&raw);
        let v = unix::default_vfs();
        let flags = OpenFlags {
            create: true,
            ..OpenFlags::default()
        };
        let f = v.open(&path, FileKind::MainDb, flags);
        assert!(f.is_ok());
        drop(f);
        let names: Vec<Vec<u8>> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().as_bytes().to_vec())
            .collect();
        assert_eq!(names, vec![b"db\xff.sqlite".to_vec()]);
        assert!(v.exists(&path).is_ok());
        v.delete(&path, false).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
