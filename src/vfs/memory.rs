//! In-memory VFS for tests (and anything that wants files without a disk), plus
//! [`FaultVfs`], a wrapper that injects I/O errors into any VFS.
//!
//! # MemoryVfs invariants
//! 1. Files are shared byte vectors by name inside one [`MemoryVfs`] instance: two opens of
//!    one name see the same bytes. `delete` unlinks the name; open handles keep the data.
//! 2. Locks are simulated with SQLite's semantics per file ([`MemLocks`]): any number of
//!    SHARED holders, at most one holder above SHARED (`writer`), `pending` set once the writer
//!    asked for EXCLUSIVE (new SHARED requests are then refused), EXCLUSIVE granted only when
//!    the writer is the only SHARED holder.
//!
//! 3. Each file also keeps the bytes it had at its last `sync` and the log of writes since;
//!    [`MemoryVfs::crash`] rebuilds every file from them, keeping a random subset of the
//!    unsynced writes (a power loss). The log grows until the next sync: a test VFS.
//!
//! # FaultVfs
//! Counts every mutating operation (write, truncate, sync) on every file it opened, in order,
//! starting at 1. When the count reaches `fail_at`, that operation fails with the configured
//! error (and, if `persistent`, every later mutating operation fails too), without touching
//! the file. Used to walk an error through every I/O of a commit.
//!
//! [`FaultKind`] picks what the failing operation does: a plain error (EIO/ENOSPC/failed
//! fsync, by code), a *short write* (half the buffer reaches the file, then the error), or a
//! *torn write* (half the buffer reaches the file and the "machine dies": that operation and
//! every later one fails, reads included, until the test rebuilds the files, e.g. with
//! [`MemoryVfs::crash`]). With [`FaultState::count_reads`] reads are counted and can fail too.

use super::{FileKind, LockLevel, OpenFlags, Vfs, VfsFile};
use crate::error::{codes::*, Error, Result};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Default)]
struct MemLocks {
    n_shared: u32,
    writer: Option<u64>,
    pending: bool,
    exclusive: bool,
}

#[derive(Default)]
struct MemData {
    bytes: Mutex<Vec<u8>>,
    /// The bytes as of the last sync, and the writes/truncates since, in order: what
    /// [`MemoryVfs::crash`] chooses from.
    durable: Mutex<Vec<u8>>,
    unsynced: Mutex<Vec<Unsynced>>,
    locks: Mutex<MemLocks>,
}

enum Unsynced {
    Write(u64, Vec<u8>),
    Truncate(u64),
}

fn apply_write(bytes: &mut Vec<u8>, offset: u64, buf: &[u8]) {
    let end = offset as usize + buf.len();
    if bytes.len() < end {
        bytes.resize(end, 0);
    }
    bytes[offset as usize..end].copy_from_slice(buf);
}

/// An in-memory VFS. Each instance is its own namespace of files.
#[derive(Default)]
pub struct MemoryVfs {
    files: Mutex<HashMap<String, Arc<MemData>>>,
    next_id: AtomicU64,
}

impl MemoryVfs {
    pub fn new() -> MemoryVfs {
        MemoryVfs::default()
    }
    /// A copy of a file's bytes (tests).
    pub fn contents(&self, path: &str) -> Option<Vec<u8>> {
        self.files.lock().get(path).map(|d| d.bytes.lock().clone())
    }
    /// Replace a file's bytes, creating it (tests). The new bytes count as synced.
    pub fn set_contents(&self, path: &str, bytes: Vec<u8>) {
        let d = self
            .files
            .lock()
            .entry(path.to_string())
            .or_default()
            .clone();
        *d.durable.lock() = bytes.clone();
        d.unsynced.lock().clear();
        *d.bytes.lock() = bytes;
    }
    /// Simulate a power loss: every file restarts from its content at its last sync (a file
    /// never synced is empty), and each write or truncate made since is kept or lost at
    /// random (`seed` 0: all lost). Deletions are immediate, hence durable. Locks are
    /// cleared; callers drop their handles first.
    pub fn crash(&self, seed: u64) {
        let mut x = seed;
        let mut keep = move || {
            if x == 0 {
                return false;
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x & 1 == 1
        };
        for d in self.files.lock().values() {
            let mut b = d.durable.lock().clone();
            for op in d.unsynced.lock().drain(..) {
                if keep() {
                    match op {
                        Unsynced::Write(off, data) => apply_write(&mut b, off, &data),
                        Unsynced::Truncate(n) => b.truncate(n as usize),
                    }
                }
            }
            *d.durable.lock() = b.clone();
            *d.bytes.lock() = b;
            *d.locks.lock() = MemLocks::default();
        }
    }
}

impl Vfs for MemoryVfs {
    fn name(&self) -> &str {
        "memory"
    }
    fn open(&self, path: &str, _kind: FileKind, flags: OpenFlags) -> Result<Box<dyn VfsFile>> {
        let mut files = self.files.lock();
        let data = match files.get(path) {
            Some(d) => {
                if flags.exclusive && flags.create {
                    return Err(Error::code(SQLITE_CANTOPEN));
                }
                d.clone()
            }
            None => {
                if !flags.create || flags.read_only {
                    return Err(Error::new(SQLITE_CANTOPEN, "unable to open database file"));
                }
                let d = Arc::new(MemData::default());
                files.insert(path.to_string(), d.clone());
                d
            }
        };
        if flags.delete_on_close {
            files.remove(path);
        }
        Ok(Box::new(MemFile {
            data,
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            level: LockLevel::None,
            read_only: flags.read_only,
        }))
    }
    fn delete(&self, path: &str, _sync_dir: bool) -> Result<()> {
        match self.files.lock().remove(path) {
            Some(_) => Ok(()),
            None => Err(Error::code(SQLITE_IOERR_DELETE_NOENT)),
        }
    }
    fn exists(&self, path: &str) -> Result<bool> {
        Ok(self.files.lock().contains_key(path))
    }
    fn writable(&self, path: &str) -> Result<bool> {
        self.exists(path)
    }
    fn full_pathname(&self, path: &str) -> Result<String> {
        Ok(path.to_string())
    }
    fn randomness(&self, buf: &mut [u8]) {
        super::unix::fill_random(buf);
    }
    fn sleep_micros(&self, micros: u64) {
        std::thread::sleep(std::time::Duration::from_micros(micros));
    }
    fn current_time_ms(&self) -> i64 {
        super::unix::unix_time_ms()
    }
}

/// A handle on a [`MemoryVfs`] file.
pub struct MemFile {
    data: Arc<MemData>,
    id: u64,
    level: LockLevel,
    read_only: bool,
}

impl VfsFile for MemFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<()> {
        let bytes = self.data.bytes.lock();
        let len = bytes.len() as u64;
        let avail = len.saturating_sub(offset).min(buf.len() as u64) as usize;
        if avail > 0 {
            let off = offset as usize;
            buf[..avail].copy_from_slice(&bytes[off..off + avail]);
        }
        if avail < buf.len() {
            buf[avail..].fill(0);
            return Err(Error::code(SQLITE_IOERR_SHORT_READ));
        }
        Ok(())
    }
    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()> {
        if self.read_only {
            return Err(Error::readonly());
        }
        apply_write(&mut self.data.bytes.lock(), offset, buf);
        self.data
            .unsynced
            .lock()
            .push(Unsynced::Write(offset, buf.to_vec()));
        Ok(())
    }
    fn truncate(&mut self, size: u64) -> Result<()> {
        let mut bytes = self.data.bytes.lock();
        if (size as usize) < bytes.len() {
            bytes.truncate(size as usize);
        }
        self.data.unsynced.lock().push(Unsynced::Truncate(size));
        Ok(())
    }
    fn sync(&mut self, _full: bool) -> Result<()> {
        let b = self.data.bytes.lock().clone();
        *self.data.durable.lock() = b;
        self.data.unsynced.lock().clear();
        Ok(())
    }
    fn size(&mut self) -> Result<u64> {
        Ok(self.data.bytes.lock().len() as u64)
    }
    fn lock(&mut self, level: LockLevel) -> Result<()> {
        use LockLevel::*;
        if self.level >= level {
            return Ok(());
        }
        if level == Pending || (level > Shared && self.level == None) {
            return Err(Error::misuse());
        }
        let mut l = self.data.locks.lock();
        match level {
            Shared => {
                if l.pending || l.exclusive {
                    return Err(Error::busy());
                }
                l.n_shared += 1;
            }
            Reserved => {
                if l.writer.is_some() {
                    return Err(Error::busy());
                }
                l.writer = Some(self.id);
            }
            Exclusive => {
                if l.writer.is_some() && l.writer != Some(self.id) {
                    return Err(Error::busy());
                }
                l.writer = Some(self.id);
                l.pending = true;
                if l.n_shared > 1 {
                    self.level = Pending;
                    return Err(Error::busy());
                }
                l.exclusive = true;
            }
            None | Pending => {}
        }
        self.level = level;
        Ok(())
    }
    fn unlock(&mut self, level: LockLevel) -> Result<()> {
        use LockLevel::*;
        if level > Shared {
            return Err(Error::misuse());
        }
        if self.level <= level {
            return Ok(());
        }
        let mut l = self.data.locks.lock();
        if self.level > Shared {
            l.writer = Option::None;
            l.pending = false;
            l.exclusive = false;
        }
        if level == None {
            l.n_shared = l.n_shared.saturating_sub(1);
        }
        self.level = level;
        Ok(())
    }
    fn check_reserved_lock(&mut self) -> Result<bool> {
        Ok(self.data.locks.lock().writer.is_some())
    }
    fn lock_level(&self) -> LockLevel {
        self.level
    }
    fn is_read_only(&self) -> bool {
        self.read_only
    }
}

impl Drop for MemFile {
    fn drop(&mut self) {
        let _ = self.unlock(LockLevel::None);
    }
}

/// Shared control block of a [`FaultVfs`].
#[derive(Debug)]
pub struct FaultState {
    count: AtomicU64,
    fail_at: AtomicU64,
    code: AtomicI32,
    persistent: std::sync::atomic::AtomicBool,
    fired: std::sync::atomic::AtomicBool,
    kind: AtomicI32,
    reads: std::sync::atomic::AtomicBool,
}

/// What the failing operation does (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The operation fails with the code, leaving the file untouched.
    Error,
    /// A write stores its first half, then fails with the code.
    ShortWrite,
    /// A write stores its first half, then this and every later operation fails (power loss).
    TornWrite,
    /// The write reports success but never reaches the file (a lying disk). No engine can
    /// survive this; it exists so tests can prove their checks catch damage.
    LostWrite,
}

/// Outcome of [`FaultState::check_op`] for a write.
enum Verdict {
    Proceed,
    Fail(i32),
    Partial(i32),
    Lost,
}

impl FaultState {
    /// Number of mutating operations seen so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }
    /// Whether the fault has fired.
    pub fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
    /// Fail the `n`-th mutating operation from now (1 = the next one) with `code`
    /// (`SQLITE_IOERR_WRITE`, `SQLITE_FULL`, ...). `n == 0` disables faults.
    pub fn arm(&self, n: u64, code: i32, persistent: bool) {
        self.arm_kind(n, code, persistent, FaultKind::Error);
    }
    /// As [`FaultState::arm`], choosing what the failing operation does. A torn write is
    /// always persistent.
    pub fn arm_kind(&self, n: u64, code: i32, persistent: bool, kind: FaultKind) {
        self.count.store(0, Ordering::SeqCst);
        self.fired.store(false, Ordering::SeqCst);
        self.fail_at.store(n, Ordering::SeqCst);
        self.code.store(code, Ordering::SeqCst);
        self.persistent
            .store(persistent || kind == FaultKind::TornWrite, Ordering::SeqCst);
        self.kind.store(kind as i32, Ordering::SeqCst);
    }
    /// Count (and fail) reads as well as mutating operations.
    pub fn count_reads(&self, on: bool) {
        self.reads.store(on, Ordering::SeqCst);
    }
    fn check(&self, op_code: i32) -> Result<()> {
        match self.check_op(op_code) {
            Verdict::Proceed | Verdict::Lost => Ok(()),
            Verdict::Fail(c) | Verdict::Partial(c) => Err(Error::code(c)),
        }
    }
    fn check_read(&self) -> Result<()> {
        if self.reads.load(Ordering::SeqCst) {
            return self.check(SQLITE_IOERR_READ);
        }
        // A dead machine reads nothing either.
        if self.fired() && self.kind.load(Ordering::SeqCst) == FaultKind::TornWrite as i32 {
            return Err(Error::code(SQLITE_IOERR_READ));
        }
        Ok(())
    }
    fn check_op(&self, op_code: i32) -> Verdict {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        let at = self.fail_at.load(Ordering::SeqCst);
        if at != 0 && (n == at || (n > at && self.persistent.load(Ordering::SeqCst))) {
            self.fired.store(true, Ordering::SeqCst);
            let code = self.code.load(Ordering::SeqCst);
            let code = if code == 0 { op_code } else { code };
            let kind = self.kind.load(Ordering::SeqCst);
            if n == at && kind == FaultKind::LostWrite as i32 {
                return Verdict::Lost;
            }
            if n == at && kind != FaultKind::Error as i32 {
                return Verdict::Partial(code);
            }
            return Verdict::Fail(code);
        }
        Verdict::Proceed
    }
}

/// A VFS wrapper that fails the N-th write/truncate/sync (see module docs).
pub struct FaultVfs {
    inner: Arc<dyn Vfs>,
    state: Arc<FaultState>,
}

impl FaultVfs {
    pub fn new(inner: Arc<dyn Vfs>) -> FaultVfs {
        FaultVfs {
            inner,
            state: Arc::new(FaultState {
                count: AtomicU64::new(0),
                fail_at: AtomicU64::new(0),
                code: AtomicI32::new(0),
                persistent: std::sync::atomic::AtomicBool::new(false),
                fired: std::sync::atomic::AtomicBool::new(false),
                kind: AtomicI32::new(FaultKind::Error as i32),
                reads: std::sync::atomic::AtomicBool::new(false),
            }),
        }
    }
    pub fn state(&self) -> Arc<FaultState> {
        self.state.clone()
    }
}

impl Vfs for FaultVfs {
    fn name(&self) -> &str {
        "fault"
    }
    fn open(&self, path: &str, kind: FileKind, flags: OpenFlags) -> Result<Box<dyn VfsFile>> {
        let inner = self.inner.open(path, kind, flags)?;
        Ok(Box::new(FaultFile {
            inner,
            state: self.state.clone(),
        }))
    }
    fn delete(&self, path: &str, sync_dir: bool) -> Result<()> {
        self.state.check(SQLITE_IOERR_DELETE)?;
        self.inner.delete(path, sync_dir)
    }
    fn exists(&self, path: &str) -> Result<bool> {
        self.inner.exists(path)
    }
    fn writable(&self, path: &str) -> Result<bool> {
        self.inner.writable(path)
    }
    fn full_pathname(&self, path: &str) -> Result<String> {
        self.inner.full_pathname(path)
    }
    fn randomness(&self, buf: &mut [u8]) {
        self.inner.randomness(buf)
    }
    fn sleep_micros(&self, micros: u64) {
        self.inner.sleep_micros(micros)
    }
    fn current_time_ms(&self) -> i64 {
        self.inner.current_time_ms()
    }
    fn supports_shm(&self) -> bool {
        self.inner.supports_shm()
    }
}

struct FaultFile {
    inner: Box<dyn VfsFile>,
    state: Arc<FaultState>,
}

impl VfsFile for FaultFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<()> {
        self.state.check_read()?;
        self.inner.read_at(buf, offset)
    }
    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()> {
        match self.state.check_op(SQLITE_IOERR_WRITE) {
            Verdict::Proceed => self.inner.write_at(buf, offset),
            Verdict::Fail(c) => Err(Error::code(c)),
            Verdict::Lost => Ok(()),
            Verdict::Partial(c) => {
                let half = buf.len() / 2;
                if half > 0 {
                    self.inner.write_at(&buf[..half], offset)?;
                }
                Err(Error::code(c))
            }
        }
    }
    fn truncate(&mut self, size: u64) -> Result<()> {
        self.state.check(SQLITE_IOERR_TRUNCATE)?;
        self.inner.truncate(size)
    }
    fn sync(&mut self, full: bool) -> Result<()> {
        self.state.check(SQLITE_IOERR_FSYNC)?;
        self.inner.sync(full)
    }
    fn size(&mut self) -> Result<u64> {
        self.inner.size()
    }
    fn lock(&mut self, level: LockLevel) -> Result<()> {
        self.inner.lock(level)
    }
    fn unlock(&mut self, level: LockLevel) -> Result<()> {
        self.inner.unlock(level)
    }
    fn check_reserved_lock(&mut self) -> Result<bool> {
        self.inner.check_reserved_lock()
    }
    fn lock_level(&self) -> LockLevel {
        self.inner.lock_level()
    }
    fn sector_size(&self) -> u32 {
        self.inner.sector_size()
    }
    fn is_read_only(&self) -> bool {
        self.inner.is_read_only()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LockLevel::*;

    fn flags() -> OpenFlags {
        OpenFlags {
            create: true,
            ..Default::default()
        }
    }

    #[test]
    fn shared_bytes_and_delete() {
        let v = MemoryVfs::new();
        let mut a = v.open("x", FileKind::MainDb, flags()).unwrap();
        let mut b = v.open("x", FileKind::MainDb, flags()).unwrap();
        a.write_at(b"abc", 2).unwrap();
        let mut buf = [1u8; 5];
        b.read_at(&mut buf, 0).unwrap();
        assert_eq!(&buf, b"\0\0abc");
        assert_eq!(
            b.read_at(&mut buf, 3).unwrap_err().code,
            SQLITE_IOERR_SHORT_READ
        );
        assert_eq!(&buf, b"bc\0\0\0");
        v.delete("x", false).unwrap();
        assert!(!v.exists("x").unwrap());
        assert_eq!(b.size().unwrap(), 5);
        assert!(v.open("y", FileKind::MainDb, OpenFlags::default()).is_err());
    }

    #[test]
    fn simulated_locks() {
        let v = MemoryVfs::new();
        let mut a = v.open("x", FileKind::MainDb, flags()).unwrap();
        let mut b = v.open("x", FileKind::MainDb, flags()).unwrap();
        a.lock(Shared).unwrap();
        b.lock(Shared).unwrap();
        a.lock(Reserved).unwrap();
        assert!(b.check_reserved_lock().unwrap());
        assert!(b.lock(Reserved).unwrap_err().is_busy());
        assert!(a.lock(Exclusive).unwrap_err().is_busy());
        assert_eq!(a.lock_level(), Pending);
        b.unlock(None).unwrap();
        assert!(b.lock(Shared).unwrap_err().is_busy());
        a.lock(Exclusive).unwrap();
        a.unlock(Shared).unwrap();
        b.lock(Shared).unwrap();
        drop(a);
        b.lock(Reserved).unwrap();
        b.lock(Exclusive).unwrap();
    }

    #[test]
    fn fault_fires_on_nth_mutation() {
        let f = FaultVfs::new(Arc::new(MemoryVfs::new()));
        let st = f.state();
        let mut a = f.open("x", FileKind::MainDb, flags()).unwrap();
        st.arm(2, SQLITE_FULL, false);
        a.write_at(b"a", 0).unwrap();
        assert_eq!(a.sync(true).unwrap_err().code, SQLITE_FULL);
        assert!(st.fired());
        a.write_at(b"b", 1).unwrap();
        st.arm(1, 0, true);
        assert_eq!(a.write_at(b"c", 0).unwrap_err().code, SQLITE_IOERR_WRITE);
        assert_eq!(a.truncate(0).unwrap_err().code, SQLITE_IOERR_TRUNCATE);
        st.arm(0, 0, false);
        a.truncate(1).unwrap();
        assert_eq!(a.size().unwrap(), 1);
    }
}
