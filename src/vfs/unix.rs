//! Unix VFS: files through `libc`, POSIX advisory locks at SQLite's byte offsets, and a
//! process-wide inode table (SQLite's `unixInodeInfo`, `os_unix.c`).
//!
//! Entry point: [`default_vfs()`] returns the shared `Arc<dyn Vfs>` named `"unix"`.
//!
//! # Locks (`lockingv3.html`)
//!
//! ```text
//!             lock(Shared)          lock(Reserved)          lock(Exclusive)
//!   NONE ─────────────────▶ SHARED ──────────────▶ RESERVED ───────────────▶ EXCLUSIVE
//!     ▲                      ▲  │                     │ (BUSY: left in PENDING)  │
//!     │   unlock(None)       │  └─────────────────────┴──▶ PENDING ──────────────┘
//!     └──────────────────────┴──── unlock(Shared) from any level ≥ RESERVED
//! ```
//! Byte-level protocol, identical to `unixLock`/`posixUnlock`:
//! - NONE→SHARED: read-lock PENDING, read-lock the SHARED range, release PENDING.
//! - SHARED→RESERVED: write-lock RESERVED.
//! - →EXCLUSIVE: write-lock PENDING (state becomes PENDING), then write-lock the SHARED range.
//! - →SHARED from above: read-lock the SHARED range, release PENDING and RESERVED.
//! - →NONE: release every byte (only when no other connection of this process holds SHARED).
//!
//! # Inode table invariants
//! POSIX locks belong to the process, so connections of this process on one file share one
//! [`InodeInfo`] keyed by (dev, ino), guarded by the single table mutex `INODES` (the only lock
//! in this module; never held while calling into another layer):
//! 1. `n_shared` = number of our files on the inode holding SHARED or more.
//! 2. `level` = strongest lock held by any of our files; at most one of our files is above
//!    SHARED, and if one is, `level` equals its level.
//! 3. `n_lock` = number of our files holding any lock. While `n_lock > 0`, closing a file's
//!    descriptor would drop the process's locks, so its fd is parked in `pending_close` and
//!    closed when `n_lock` drops to 0 (SQLite's "pending close" list).
//! 4. The entry is removed when its last file is dropped (`n_ref == 0`).

use super::{FileKind, LockLevel, OpenFlags, Vfs, VfsFile};
use super::{PENDING_BYTE, RESERVED_BYTE, SHARED_FIRST, SHARED_SIZE};
use crate::error::{codes::*, Error, Result};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::os::unix::io::RawFd;
use std::sync::{Arc, OnceLock};

#[derive(Debug, Default)]
struct InodeInfo {
    n_shared: u32,
    level: Option<LockLevel>,
    n_lock: u32,
    n_ref: u32,
    pending_close: Vec<RawFd>,
}

impl InodeInfo {
    fn level(&self) -> LockLevel {
        self.level.unwrap_or(LockLevel::None)
    }
}

type InodeKey = (u64, u64);

static INODES: Mutex<BTreeMap<InodeKey, InodeInfo>> = Mutex::new(BTreeMap::new());

/// The process-wide default unix VFS.
pub fn default_vfs() -> Arc<dyn Vfs> {
    static VFS: OnceLock<Arc<dyn Vfs>> = OnceLock::new();
    VFS.get_or_init(|| Arc::new(UnixVfs)).clone()
}

/// The unix VFS (stateless; all state lives in the inode table and the files).
pub struct UnixVfs;

fn cpath(path: &str) -> Result<CString> {
    CString::new(super::path_to_bytes(path))
        .map_err(|_| Error::new(SQLITE_CANTOPEN, "unable to open database file"))
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn os_err(extended: i32) -> Error {
    Error::io(extended, &std::io::Error::last_os_error())
}

/// Apply one fcntl lock. `Ok(true)` = granted, `Ok(false)` = conflicting lock elsewhere.
fn fcntl_lock(fd: RawFd, ltype: i32, start: u64, len: u64) -> Result<bool> {
    // SAFETY: flock is plain old data; zeroed is a valid value for every field.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = ltype as _;
    fl.l_whence = libc::SEEK_SET as _;
    fl.l_start = start as libc::off_t;
    fl.l_len = len as libc::off_t;
    // SAFETY: fd is an open descriptor owned by the caller; &fl is a valid flock.
    let rc = unsafe { libc::fcntl(fd, libc::F_SETLK, &fl as *const libc::flock) };
    if rc == 0 {
        return Ok(true);
    }
    match errno() {
        libc::EAGAIN | libc::EACCES | libc::EINTR | libc::ENOLCK | libc::EDEADLK => Ok(false),
        _ => Err(Error::code(SQLITE_IOERR_LOCK)),
    }
}

impl Vfs for UnixVfs {
    fn name(&self) -> &str {
        "unix"
    }

    fn open(&self, path: &str, kind: FileKind, flags: OpenFlags) -> Result<Box<dyn VfsFile>> {
        let c = cpath(path)?;
        let mut oflags = libc::O_CLOEXEC;
        oflags |= if flags.read_only {
            libc::O_RDONLY
        } else {
            libc::O_RDWR
        };
        if flags.create && !flags.read_only {
            oflags |= libc::O_CREAT;
        }
        if flags.exclusive && !flags.read_only {
            oflags |= libc::O_EXCL;
        }
        let mut read_only = flags.read_only;
        // SAFETY: c is a valid NUL-terminated string.
        let mut fd = unsafe { libc::open(c.as_ptr(), oflags, 0o644 as libc::c_uint) };
        if fd < 0 && !flags.read_only && errno() != libc::EISDIR && errno() != libc::ENOENT {
            // As SQLite: fall back to read-only when the file cannot be opened read-write.
            // SAFETY: as above.
            fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
            read_only = true;
        }
        if fd < 0 {
            // As SQLite's unixOpen: plain CANTOPEN, also for a directory (CANTOPEN_ISDIR is
            // only used by the Windows VFS).
            return Err(Error::new(SQLITE_CANTOPEN, "unable to open database file"));
        }
        // SAFETY: stat is plain old data.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fd is open, &mut st is valid for writes.
        if unsafe { libc::fstat(fd, &mut st) } != 0 {
            // SAFETY: fd is open and owned here.
            unsafe { libc::close(fd) };
            return Err(Error::code(SQLITE_IOERR_FSTAT));
        }
        let key = (st.st_dev as u64, st.st_ino as u64);
        INODES.lock().entry(key).or_default().n_ref += 1;
        if flags.delete_on_close {
            // SAFETY: c is a valid path string.
            unsafe { libc::unlink(c.as_ptr()) };
        }
        // As SQLite (UNIXFILE_DIRSYNC): a newly created journal's directory entry is made
        // durable at the journal's first sync, so that a hot journal survives power loss.
        let dir_sync = (flags.create && matches!(kind, FileKind::MainJournal | FileKind::Wal))
            .then(|| parent_dir(path));
        Ok(Box::new(UnixFile {
            fd,
            key,
            level: LockLevel::None,
            read_only,
            dir_sync,
        }))
    }

    fn delete(&self, path: &str, sync_dir: bool) -> Result<()> {
        let c = cpath(path)?;
        // SAFETY: c is a valid path string.
        if unsafe { libc::unlink(c.as_ptr()) } != 0 {
            if errno() == libc::ENOENT {
                return Err(Error::code(SQLITE_IOERR_DELETE_NOENT));
            }
            return Err(Error::code(SQLITE_IOERR_DELETE));
        }
        if sync_dir {
            fsync_dir(&parent_dir(path))?;
        }
        Ok(())
    }

    /// As SQLite's `unixAccess(SQLITE_ACCESS_EXISTS)`: an empty regular file does not count
    /// as existing (an empty journal or super-journal is not hot).
    fn exists(&self, path: &str) -> Result<bool> {
        match std::fs::metadata(super::os_path(path)) {
            Ok(m) => Ok(!m.is_file() || m.len() > 0),
            Err(_) => Ok(false),
        }
    }

    fn writable(&self, path: &str) -> Result<bool> {
        let c = cpath(path)?;
        // SAFETY: c is a valid path string.
        Ok(unsafe { libc::access(c.as_ptr(), libc::W_OK) } == 0)
    }

    fn full_pathname(&self, path: &str) -> Result<String> {
        if path.starts_with('/') {
            return Ok(path.to_string());
        }
        let cwd = std::env::current_dir().map_err(|_| Error::code(SQLITE_CANTOPEN_FULLPATH))?;
        Ok(super::path_from_os(&cwd.join(super::os_path(path))))
    }

    fn randomness(&self, buf: &mut [u8]) {
        fill_random(buf);
    }

    fn sleep_micros(&self, micros: u64) {
        std::thread::sleep(std::time::Duration::from_micros(micros));
    }

    fn current_time_ms(&self) -> i64 {
        unix_time_ms()
    }

    fn supports_shm(&self) -> bool {
        true
    }
}

fn parent_dir(path: &str) -> String {
    match super::os_path(path).parent() {
        Some(d) if !d.as_os_str().is_empty() => super::path_from_os(d),
        _ => ".".to_string(),
    }
}

/// fsync a directory (a missing or unopenable directory is ignored, as SQLite does).
fn fsync_dir(dir: &str) -> Result<()> {
    let cd = cpath(dir)?;
    // SAFETY: cd is a valid path string.
    let dfd = unsafe { libc::open(cd.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if dfd >= 0 {
        // SAFETY: dfd is open and owned here.
        let rc = unsafe { libc::fsync(dfd) };
        // SAFETY: dfd is open and owned here.
        unsafe { libc::close(dfd) };
        if rc != 0 {
            return Err(Error::code(SQLITE_IOERR_DIR_FSYNC));
        }
    }
    Ok(())
}

/// Random bytes from the kernel (`getrandom`), falling back to a time-seeded mix.
pub(crate) fn fill_random(buf: &mut [u8]) {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: rest is a valid writable buffer of rest.len() bytes.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n <= 0 {
            break;
        }
        done += n as usize;
    }
    if done < buf.len() {
        let mut x = unix_time_ms() as u64 ^ (std::process::id() as u64) << 32;
        for b in &mut buf[done..] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
}

/// Milliseconds since the Unix epoch (`clock_gettime(CLOCK_REALTIME)`).
pub(crate) fn unix_time_ms() -> i64 {
    // SAFETY: timespec is plain old data.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: &mut ts is valid for writes.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    ts.tv_sec as i64 * 1000 + ts.tv_nsec as i64 / 1_000_000
}

/// One open file. Its lock level is mirrored in the inode table (see module invariants).
pub struct UnixFile {
    fd: RawFd,
    key: InodeKey,
    level: LockLevel,
    read_only: bool,
    /// Directory to fsync after the first successful sync (new journals).
    dir_sync: Option<String>,
}

impl UnixFile {
    fn lock_inner(&mut self, want: LockLevel, inode: &mut InodeInfo) -> Result<()> {
        use LockLevel::*;
        let ilevel = inode.level();
        // Another of our connections holds a different lock that conflicts.
        if self.level != ilevel && (ilevel >= Pending || want > Shared) {
            return Err(Error::busy());
        }
        // Another of our connections already holds SHARED or RESERVED: just count.
        if want == Shared && (ilevel == Shared || ilevel == Reserved) {
            self.level = Shared;
            inode.n_shared += 1;
            inode.n_lock += 1;
            return Ok(());
        }
        // Acquire PENDING for SHARED (read) and for EXCLUSIVE from below PENDING (write).
        if want == Shared || (want == Exclusive && self.level < Pending) {
            let t = if want == Shared {
                libc::F_RDLCK
            } else {
                libc::F_WRLCK
            };
            if !fcntl_lock(self.fd, t, PENDING_BYTE, 1)? {
                return Err(Error::busy());
            }
            if want == Exclusive {
                self.level = Pending;
                inode.level = Some(Pending);
            }
        }
        if want == Shared {
            let got = fcntl_lock(self.fd, libc::F_RDLCK, SHARED_FIRST, SHARED_SIZE);
            let rel = fcntl_lock(self.fd, libc::F_UNLCK, PENDING_BYTE, 1);
            let got = got?;
            if !rel? {
                return Err(Error::code(SQLITE_IOERR_UNLOCK));
            }
            if !got {
                return Err(Error::busy());
            }
            self.level = Shared;
            inode.level = Some(Shared);
            inode.n_lock += 1;
            inode.n_shared = 1;
            return Ok(());
        }
        if want == Exclusive && inode.n_shared > 1 {
            // Another connection of this process still reads: stay in PENDING.
            return Err(Error::busy());
        }
        let (start, len) = if want == Reserved {
            (RESERVED_BYTE, 1)
        } else {
            (SHARED_FIRST, SHARED_SIZE)
        };
        if !fcntl_lock(self.fd, libc::F_WRLCK, start, len)? {
            return Err(Error::busy());
        }
        self.level = want;
        inode.level = Some(want);
        Ok(())
    }

    fn unlock_inner(&mut self, to: LockLevel, inode: &mut InodeInfo) -> Result<()> {
        use LockLevel::*;
        if self.level <= to {
            return Ok(());
        }
        let mut rc = Ok(());
        if self.level > Shared {
            if to == Shared && !fcntl_lock(self.fd, libc::F_RDLCK, SHARED_FIRST, SHARED_SIZE)? {
                rc = Err(Error::code(SQLITE_IOERR_RDLOCK));
            }
            if !fcntl_lock(self.fd, libc::F_UNLCK, PENDING_BYTE, 2)? {
                rc = Err(Error::code(SQLITE_IOERR_UNLOCK));
            }
            inode.level = Some(Shared);
        }
        if to == None {
            inode.n_shared = inode.n_shared.saturating_sub(1);
            if inode.n_shared == 0 {
                if !fcntl_lock(self.fd, libc::F_UNLCK, 0, 0)? {
                    rc = Err(Error::code(SQLITE_IOERR_UNLOCK));
                }
                inode.level = Some(None);
            }
            inode.n_lock = inode.n_lock.saturating_sub(1);
            if inode.n_lock == 0 {
                for fd in inode.pending_close.drain(..) {
                    // SAFETY: parked descriptors are owned by the table and still open.
                    unsafe { libc::close(fd) };
                }
            }
        }
        self.level = to;
        rc
    }
}

impl VfsFile for UnixFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<()> {
        let mut done = 0usize;
        while done < buf.len() {
            let rest = &mut buf[done..];
            // SAFETY: fd is open; rest is valid for rest.len() bytes of writes.
            let n = unsafe {
                libc::pread(
                    self.fd,
                    rest.as_mut_ptr().cast(),
                    rest.len(),
                    (offset + done as u64) as libc::off_t,
                )
            };
            if n < 0 {
                if errno() == libc::EINTR {
                    continue;
                }
                return Err(os_err(SQLITE_IOERR_READ));
            }
            if n == 0 {
                buf[done..].fill(0);
                return Err(Error::code(SQLITE_IOERR_SHORT_READ));
            }
            done += n as usize;
        }
        Ok(())
    }

    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()> {
        let mut done = 0usize;
        while done < buf.len() {
            let rest = &buf[done..];
            // SAFETY: fd is open; rest is valid for rest.len() bytes of reads.
            let n = unsafe {
                libc::pwrite(
                    self.fd,
                    rest.as_ptr().cast(),
                    rest.len(),
                    (offset + done as u64) as libc::off_t,
                )
            };
            if n < 0 {
                if errno() == libc::EINTR {
                    continue;
                }
                return Err(os_err(SQLITE_IOERR_WRITE));
            }
            if n == 0 {
                return Err(Error::full());
            }
            done += n as usize;
        }
        Ok(())
    }

    fn truncate(&mut self, size: u64) -> Result<()> {
        // SAFETY: fd is open.
        if unsafe { libc::ftruncate(self.fd, size as libc::off_t) } != 0 {
            return Err(os_err(SQLITE_IOERR_TRUNCATE));
        }
        Ok(())
    }

    fn sync(&mut self, full: bool) -> Result<()> {
        // SAFETY: fd is open.
        let rc = unsafe {
            if full {
                libc::fsync(self.fd)
            } else {
                libc::fdatasync(self.fd)
            }
        };
        if rc != 0 {
            return Err(os_err(SQLITE_IOERR_FSYNC));
        }
        if let Some(dir) = self.dir_sync.take() {
            fsync_dir(&dir)?;
        }
        Ok(())
    }

    fn size(&mut self) -> Result<u64> {
        // SAFETY: stat is plain old data.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fd is open; &mut st is valid for writes.
        if unsafe { libc::fstat(self.fd, &mut st) } != 0 {
            return Err(Error::code(SQLITE_IOERR_FSTAT));
        }
        Ok(st.st_size as u64)
    }

    fn lock(&mut self, level: LockLevel) -> Result<()> {
        if self.level >= level {
            return Ok(());
        }
        if level == LockLevel::Pending
            || (level > LockLevel::Shared && self.level == LockLevel::None)
        {
            // As SQLite: PENDING is only reached internally; RESERVED/EXCLUSIVE need SHARED.
            return Err(Error::misuse());
        }
        let mut table = INODES.lock();
        let inode = table
            .get_mut(&self.key)
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        self.lock_inner(level, inode)
    }

    fn unlock(&mut self, level: LockLevel) -> Result<()> {
        if level > LockLevel::Shared {
            return Err(Error::misuse());
        }
        let mut table = INODES.lock();
        let inode = table
            .get_mut(&self.key)
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        self.unlock_inner(level, inode)
    }

    fn check_reserved_lock(&mut self) -> Result<bool> {
        let table = INODES.lock();
        if let Some(inode) = table.get(&self.key) {
            if inode.level() > LockLevel::Shared {
                return Ok(true);
            }
        }
        // SAFETY: flock is plain old data.
        let mut fl: libc::flock = unsafe { std::mem::zeroed() };
        fl.l_type = libc::F_WRLCK as _;
        fl.l_whence = libc::SEEK_SET as _;
        fl.l_start = RESERVED_BYTE as libc::off_t;
        fl.l_len = 1;
        // SAFETY: fd is open; &mut fl is a valid flock.
        if unsafe { libc::fcntl(self.fd, libc::F_GETLK, &mut fl as *mut libc::flock) } != 0 {
            return Err(Error::code(SQLITE_IOERR_CHECKRESERVEDLOCK));
        }
        Ok(fl.l_type != libc::F_UNLCK as _)
    }

    fn lock_level(&self) -> LockLevel {
        self.level
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }
}

impl Drop for UnixFile {
    fn drop(&mut self) {
        let mut table = INODES.lock();
        if let Some(inode) = table.get_mut(&self.key) {
            let _ = self.unlock_inner(LockLevel::None, inode);
            if inode.n_lock > 0 {
                // Closing now would drop the locks other connections of this process hold.
                inode.pending_close.push(self.fd);
            } else {
                // SAFETY: fd is open and owned by this file.
                unsafe { libc::close(self.fd) };
            }
            inode.n_ref = inode.n_ref.saturating_sub(1);
            if inode.n_ref == 0 {
                for fd in inode.pending_close.drain(..) {
                    // SAFETY: parked descriptors are owned by the table and still open.
                    unsafe { libc::close(fd) };
                }
                table.remove(&self.key);
            }
        } else {
            // SAFETY: fd is open and owned by this file.
            unsafe { libc::close(self.fd) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &str) -> Box<dyn VfsFile> {
        let flags = OpenFlags {
            create: true,
            ..Default::default()
        };
        default_vfs().open(path, FileKind::MainDb, flags).unwrap()
    }

    #[test]
    fn read_write_truncate_size() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.db");
        let mut f = open(p.to_str().unwrap());
        f.write_at(b"hello", 10).unwrap();
        assert_eq!(f.size().unwrap(), 15);
        let mut b = [9u8; 5];
        f.read_at(&mut b, 10).unwrap();
        assert_eq!(&b, b"hello");
        let mut b = [9u8; 8];
        let e = f.read_at(&mut b, 12).unwrap_err();
        assert_eq!(e.code, SQLITE_IOERR_SHORT_READ);
        assert_eq!(&b, b"llo\0\0\0\0\0");
        f.truncate(3).unwrap();
        assert_eq!(f.size().unwrap(), 3);
        f.sync(true).unwrap();
        f.sync(false).unwrap();
        let v = default_vfs();
        assert!(v.exists(p.to_str().unwrap()).unwrap());
        f.truncate(0).unwrap();
        assert!(
            !v.exists(p.to_str().unwrap()).unwrap(),
            "empty = absent, as SQLite"
        );
        assert!(v.exists(dir.path().to_str().unwrap()).unwrap());
        drop(f);
        v.delete(p.to_str().unwrap(), true).unwrap();
        assert!(!v.exists(p.to_str().unwrap()).unwrap());
        assert_eq!(
            v.delete(p.to_str().unwrap(), false).unwrap_err().code,
            SQLITE_IOERR_DELETE_NOENT
        );
        assert!(v.full_pathname("x").unwrap().starts_with('/'));
        let mut r1 = [0u8; 16];
        let mut r2 = [0u8; 16];
        v.randomness(&mut r1);
        v.randomness(&mut r2);
        assert_ne!(r1, r2);
        assert!(v.current_time_ms() > 1_600_000_000_000);
    }

    #[test]
    fn lock_state_machine_two_connections() {
        use LockLevel::*;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("l.db");
        let p = p.to_str().unwrap();
        let mut a = open(p);
        let mut b = open(p);
        assert_eq!(a.lock(Reserved).unwrap_err().code, SQLITE_MISUSE);
        a.lock(Shared).unwrap();
        b.lock(Shared).unwrap();
        assert!(!b.check_reserved_lock().unwrap());
        a.lock(Reserved).unwrap();
        assert!(b.check_reserved_lock().unwrap());
        assert!(b.lock(Reserved).unwrap_err().is_busy());
        // EXCLUSIVE blocked by b's SHARED; a is left in PENDING.
        assert!(a.lock(Exclusive).unwrap_err().is_busy());
        assert_eq!(a.lock_level(), Pending);
        // A new reader cannot start while PENDING is held.
        let mut c = open(p);
        assert!(c.lock(Shared).unwrap_err().is_busy());
        b.unlock(None).unwrap();
        a.lock(Exclusive).unwrap();
        assert_eq!(a.lock_level(), Exclusive);
        assert!(c.lock(Shared).unwrap_err().is_busy());
        // Dropping another handle while a holds locks must not drop the process's locks.
        drop(b);
        assert!(c.check_reserved_lock().unwrap());
        a.unlock(Shared).unwrap();
        assert_eq!(a.lock_level(), Shared);
        c.lock(Shared).unwrap();
        c.lock(Reserved).unwrap();
        assert!(a.lock(Reserved).unwrap_err().is_busy());
        c.unlock(None).unwrap();
        a.lock(Reserved).unwrap();
        a.unlock(None).unwrap();
        assert_eq!(a.lock_level(), None);
        c.lock(Shared).unwrap();
        c.lock(Exclusive).unwrap();
        c.unlock(None).unwrap();
    }

    /// Threads with their own files on one inode: at most one holds RESERVED or more at any
    /// time, EXCLUSIVE only without other readers; the table ends empty.
    #[test]
    fn threads_exclude_each_other() {
        use std::sync::atomic::{AtomicI32, Ordering};
        use std::sync::Arc;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.db").to_str().unwrap().to_string();
        let writers = Arc::new(AtomicI32::new(0));
        let readers = Arc::new(AtomicI32::new(0));
        let mut hs = vec![];
        for _ in 0..4 {
            let (p, writers, readers) = (p.clone(), writers.clone(), readers.clone());
            hs.push(std::thread::spawn(move || {
                let mut f = open(&p);
                let mut wrote = 0;
                for _ in 0..300 {
                    if f.lock(LockLevel::Shared).is_err() {
                        continue;
                    }
                    readers.fetch_add(1, Ordering::SeqCst);
                    if f.lock(LockLevel::Reserved).is_ok() {
                        assert_eq!(writers.fetch_add(1, Ordering::SeqCst), 0);
                        // Our own read does not count against EXCLUSIVE.
                        readers.fetch_sub(1, Ordering::SeqCst);
                        if f.lock(LockLevel::Exclusive).is_ok() {
                            assert_eq!(readers.load(Ordering::SeqCst), 0, "reader under EXCLUSIVE");
                            wrote += 1;
                        }
                        readers.fetch_add(1, Ordering::SeqCst);
                        writers.fetch_sub(1, Ordering::SeqCst);
                        f.unlock(LockLevel::Shared).unwrap();
                    }
                    readers.fetch_sub(1, Ordering::SeqCst);
                    f.unlock(LockLevel::None).unwrap();
                }
                wrote
            }));
        }
        let total: i32 = hs.into_iter().map(|h| h.join().unwrap()).sum();
        assert!(total > 0);
        // This inode's entry is gone (other tests may have their own files open).
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(&p).unwrap();
        assert!(!INODES.lock().contains_key(&(m.dev(), m.ino())));
    }
}
