//! Shared memory for the WAL index (`<db>-shm`), as SQLite's unix VFS does it (`os_unix.c`,
//! `unixOpenSharedMemory` / `unixShmMap` / `unixShmLock`), so that real SQLite processes and
//! EpilogLite processes share one wal-index.
//!
//! - The `-shm` file is mapped in 32 KiB regions (`MAP_SHARED`); region `i` covers bytes
//!   `i*32768 .. (i+1)*32768` of the file.
//! - Locks: 8 slots (WRITE=0, CKPT=1, RECOVER=2, READ0..READ4=3..7) at file bytes 120..127,
//!   taken with `fcntl` so that other processes see them. The dead-man switch is byte 128: every
//!   process holding the shm open keeps a read lock on it; the first process to open it (nobody
//!   else holds that byte) takes it exclusively and truncates the file, so a stale wal-index
//!   left by crashed processes is rebuilt from the WAL.
//!
//! # Invariants
//! 1. One [`ShmNode`] per `-shm` inode per process (table `NODES`, keyed by (dev, ino)); all
//!    connections of the process share its descriptor and mappings (POSIX locks belong to the
//!    process, and closing any descriptor would drop them).
//! 2. `ShmNode::locks[i]`: 0 = no connection of this process holds slot `i`, `n > 0` = `n`
//!    connections hold it shared, `-1` = one holds it exclusively. The process holds the fcntl
//!    lock on byte `120+i` exactly while `locks[i] != 0`.
//! 3. A [`Shm`] handle's `shared`/`excl` bit masks say which slots it holds; they are released
//!    when the handle is dropped.
//! 4. Mapped regions stay mapped until the node's last handle is dropped, so region pointers
//!    cached in a handle stay valid for the handle's life.
//! 5. A heap handle ([`Shm::open_heap`], `locking_mode=EXCLUSIVE` before the WAL is opened, as
//!    SQLite's `WAL_HEAPMEMORY_MODE`) has no file, no node and no fcntl locks: its regions are
//!    zeroed heap blocks owned by the handle (`heap`), and locks always succeed (the database
//!    file's EXCLUSIVE lock keeps every other connection out).

use crate::error::{codes::*, Error, Result};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::os::unix::io::RawFd;
use std::sync::atomic::{fence, AtomicU16, AtomicU32, Ordering};
use std::sync::Arc;

/// Size of one wal-index region (SQLite's `WALINDEX_PGSZ`).
pub const SHM_REGION: usize = 32768;
/// Number of shm lock slots (`SQLITE_SHM_NLOCK`).
pub const SHM_NLOCK: usize = 8;
const SHM_BASE: u64 = 120;
const SHM_DMS: u64 = 128;

struct Region(*mut u8);
// SAFETY: the pointer designates a MAP_SHARED mapping that lives as long as the node (invariant
// 4); all accesses go through bounds-checked methods.
unsafe impl Send for Region {}
// SAFETY: as above.
unsafe impl Sync for Region {}

struct ShmNode {
    fd: RawFd,
    path: String,
    regions: Vec<Arc<Region>>,
    locks: [i32; SHM_NLOCK],
    n_ref: u32,
}

impl Drop for ShmNode {
    fn drop(&mut self) {
        for r in &self.regions {
            // SAFETY: r.0 was returned by mmap with length SHM_REGION and is unmapped once.
            unsafe { libc::munmap(r.0 as *mut libc::c_void, SHM_REGION) };
        }
        // SAFETY: fd is owned by the node and closed once.
        unsafe { libc::close(self.fd) };
    }
}

type Key = (u64, u64);
static NODES: Mutex<BTreeMap<Key, ShmNode>> = Mutex::new(BTreeMap::new());

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// One fcntl lock request; `Ok(false)` when another process holds a conflicting lock.
fn sys_lock(fd: RawFd, ltype: i32, start: u64, len: u64) -> Result<bool> {
    // SAFETY: flock is plain old data; zeroed is valid.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = ltype as _;
    fl.l_whence = libc::SEEK_SET as _;
    fl.l_start = start as libc::off_t;
    fl.l_len = len as libc::off_t;
    // SAFETY: fd is open; &fl is a valid flock.
    let rc = unsafe { libc::fcntl(fd, libc::F_SETLK, &fl as *const libc::flock) };
    if rc == 0 {
        return Ok(true);
    }
    match errno() {
        libc::EAGAIN | libc::EACCES | libc::EINTR | libc::ENOLCK | libc::EDEADLK => Ok(false),
        _ => Err(Error::code(SQLITE_IOERR_LOCK)),
    }
}

/// A connection's handle on the wal-index of one database.
pub struct Shm {
    key: Key,
    regions: Vec<Arc<Region>>,
    shared: u8,
    excl: u8,
    /// Invariant 5: the heap regions of a heap handle (`None` for a file-backed one).
    heap: Option<Vec<Box<[u64]>>>,
    /// Locks are granted without asking anyone (heap handles, and `set_locks_off`).
    no_locks: bool,
}

/// Key of handles that are in no node (heap handles, closed handles).
const NO_KEY: Key = (u64::MAX, u64::MAX);

impl Shm {
    /// Open (creating) `path` (normally `<db>-shm`) and run the dead-man switch if this is the
    /// process's first handle on it.
    pub fn open(path: &str) -> Result<Shm> {
        // Invariant 1: reuse the process's node without opening a second descriptor (closing
        // it would drop every fcntl lock this process holds on the file).
        if let Ok(m) = std::fs::metadata(super::os_path(path)) {
            use std::os::unix::fs::MetadataExt;
            let key = (m.dev(), m.ino());
            let mut nodes = NODES.lock();
            if let Some(node) = nodes.get_mut(&key) {
                node.n_ref += 1;
                return Ok(Shm {
                    key,
                    regions: node.regions.clone(),
                    shared: 0,
                    excl: 0,
                    heap: None,
                    no_locks: false,
                });
            }
        }
        let c =
            CString::new(super::path_to_bytes(path)).map_err(|_| Error::code(SQLITE_CANTOPEN))?;
        // SAFETY: c is a valid NUL-terminated path.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_RDWR | libc::O_CREAT | libc::O_CLOEXEC,
                0o644,
            )
        };
        if fd < 0 {
            return Err(Error::new(SQLITE_CANTOPEN, "unable to open database file"));
        }
        // SAFETY: stat is plain old data.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fd is open; &mut st is valid.
        if unsafe { libc::fstat(fd, &mut st) } != 0 {
            // SAFETY: fd is ours.
            unsafe { libc::close(fd) };
            return Err(Error::code(SQLITE_IOERR_FSTAT));
        }
        let key = (st.st_dev as u64, st.st_ino as u64);
        let mut nodes = NODES.lock();
        if let Some(node) = nodes.get_mut(&key) {
            node.n_ref += 1;
            // SAFETY: the second descriptor is ours; the node keeps its own (invariant 1).
            unsafe { libc::close(fd) };
            return Ok(Shm {
                key,
                regions: node.regions.clone(),
                shared: 0,
                excl: 0,
                heap: None,
                no_locks: false,
            });
        }
        // Dead-man switch (unixLockSharedMemory).
        // SAFETY: flock is plain old data.
        let mut fl: libc::flock = unsafe { std::mem::zeroed() };
        fl.l_type = libc::F_WRLCK as _;
        fl.l_whence = libc::SEEK_SET as _;
        fl.l_start = SHM_DMS as libc::off_t;
        fl.l_len = 1;
        // SAFETY: fd is open; &mut fl is a valid flock.
        let rc = unsafe { libc::fcntl(fd, libc::F_GETLK, &mut fl as *mut libc::flock) };
        let fail = |code: i32| {
            // SAFETY: fd is ours and not stored anywhere yet.
            unsafe { libc::close(fd) };
            Err(Error::code(code))
        };
        if rc != 0 {
            return fail(SQLITE_IOERR_LOCK);
        }
        if fl.l_type == libc::F_UNLCK as _ {
            match sys_lock(fd, libc::F_WRLCK, SHM_DMS, 1) {
                Ok(true) => {
                    // SAFETY: fd is open.
                    if unsafe { libc::ftruncate(fd, 3) } != 0 {
                        return fail(SQLITE_IOERR_SHMOPEN);
                    }
                }
                Ok(false) => return fail(SQLITE_BUSY),
                Err(e) => {
                    // SAFETY: fd is ours.
                    unsafe { libc::close(fd) };
                    return Err(e);
                }
            }
        } else if fl.l_type == libc::F_WRLCK as _ {
            return fail(SQLITE_BUSY);
        }
        match sys_lock(fd, libc::F_RDLCK, SHM_DMS, 1) {
            Ok(true) => {}
            Ok(false) => return fail(SQLITE_BUSY),
            Err(e) => {
                // SAFETY: fd is ours.
                unsafe { libc::close(fd) };
                return Err(e);
            }
        }
        nodes.insert(
            key,
            ShmNode {
                fd,
                path: path.to_string(),
                regions: Vec::new(),
                locks: [0; SHM_NLOCK],
                n_ref: 1,
            },
        );
        Ok(Shm {
            key,
            regions: Vec::new(),
            shared: 0,
            excl: 0,
            heap: None,
            no_locks: false,
        })
    }

    /// A wal-index in this handle's own heap memory (invariant 5): no `-shm` file, locks
    /// always granted.
    pub fn open_heap() -> Shm {
        Shm {
            key: NO_KEY,
            regions: Vec::new(),
            shared: 0,
            excl: 0,
            heap: Some(Vec::new()),
            no_locks: true,
        }
    }

    /// From now on this handle's locks are granted without asking other connections or
    /// processes (SQLite's WAL_EXCLUSIVE_MODE, as `sqlite3WalClose` uses it): only for a
    /// caller holding EXCLUSIVE on the database file, i.e. alone on the database. Must be
    /// called while the handle holds no lock.
    pub fn set_locks_off(&mut self) {
        if self.shared == 0 && self.excl == 0 {
            self.no_locks = true;
        }
    }

    /// Whether this is a heap handle (no `-shm` file).
    pub fn is_heap(&self) -> bool {
        self.heap.is_some()
    }

    /// Make region `i` available; `extend`: grow the file if it is too short. `Ok(false)`: the
    /// file does not have that region (and `extend` was false).
    pub fn map(&mut self, i: usize, extend: bool) -> Result<bool> {
        if i < self.regions.len() {
            return Ok(true);
        }
        if let Some(heap) = self.heap.as_mut() {
            while heap.len() <= i {
                let mut block = vec![0u64; SHM_REGION / 8].into_boxed_slice();
                // The block's heap memory does not move when the Box itself moves.
                let p = block.as_mut_ptr() as *mut u8;
                heap.push(block);
                self.regions.push(Arc::new(Region(p)));
            }
            return Ok(true);
        }
        let mut nodes = NODES.lock();
        let node = nodes
            .get_mut(&self.key)
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        if i >= node.regions.len() {
            // SAFETY: stat is plain old data.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            // SAFETY: node.fd is open.
            if unsafe { libc::fstat(node.fd, &mut st) } != 0 {
                return Err(Error::code(SQLITE_IOERR_SHMSIZE));
            }
            let need = ((i + 1) * SHM_REGION) as i64;
            if (st.st_size as i64) < need {
                if !extend {
                    return Ok(false);
                }
                // SAFETY: node.fd is open.
                if unsafe { libc::ftruncate(node.fd, need as libc::off_t) } != 0 {
                    return Err(Error::code(SQLITE_IOERR_SHMSIZE));
                }
            }
            while node.regions.len() <= i {
                let off = node.regions.len() * SHM_REGION;
                // SAFETY: mapping SHM_REGION bytes of an open file that is at least that long;
                // the kernel chooses the address.
                let p = unsafe {
                    libc::mmap(
                        std::ptr::null_mut(),
                        SHM_REGION,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_SHARED,
                        node.fd,
                        off as libc::off_t,
                    )
                };
                if p == libc::MAP_FAILED {
                    return Err(Error::code(SQLITE_IOERR_SHMMAP));
                }
                node.regions.push(Arc::new(Region(p as *mut u8)));
            }
        }
        self.regions = node.regions.clone();
        Ok(true)
    }

    fn region(&self, i: usize, off: usize, len: usize) -> Result<*mut u8> {
        let r = self
            .regions
            .get(i)
            .ok_or_else(|| Error::code(SQLITE_IOERR_SHMMAP))?;
        if off.checked_add(len).is_none_or(|e| e > SHM_REGION) {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        // SAFETY: off + len <= SHM_REGION, inside the mapping (invariant 4).
        Ok(unsafe { r.0.add(off) })
    }

    /// Copy bytes out of region `i` at `off`.
    pub fn read(&self, i: usize, off: usize, buf: &mut [u8]) -> Result<()> {
        let p = self.region(i, off, buf.len())?;
        fence(Ordering::SeqCst);
        // SAFETY: p..p+len is inside a live mapping; buf is a distinct Rust buffer. Other
        // processes may write concurrently (as in SQLite); callers validate with checksums.
        unsafe { std::ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    /// Copy bytes into region `i` at `off`.
    pub fn write(&self, i: usize, off: usize, buf: &[u8]) -> Result<()> {
        let p = self.region(i, off, buf.len())?;
        // SAFETY: as in `read`.
        unsafe { std::ptr::copy_nonoverlapping(buf.as_ptr(), p, buf.len()) };
        fence(Ordering::SeqCst);
        Ok(())
    }

    /// Fill `len` bytes of region `i` at `off` with zeros.
    pub fn zero(&self, i: usize, off: usize, len: usize) -> Result<()> {
        let p = self.region(i, off, len)?;
        // SAFETY: as in `read`.
        unsafe { std::ptr::write_bytes(p, 0, len) };
        fence(Ordering::SeqCst);
        Ok(())
    }

    /// Atomic native-endian u32 at a 4-aligned offset.
    pub fn load_u32(&self, i: usize, off: usize) -> Result<u32> {
        if !off.is_multiple_of(4) {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        let p = self.region(i, off, 4)?;
        // SAFETY: p is 4-aligned (mappings are page-aligned) and inside a live mapping.
        Ok(unsafe { AtomicU32::from_ptr(p as *mut u32) }.load(Ordering::SeqCst))
    }
    pub fn store_u32(&self, i: usize, off: usize, v: u32) -> Result<()> {
        if !off.is_multiple_of(4) {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        let p = self.region(i, off, 4)?;
        // SAFETY: as in `load_u32`.
        unsafe { AtomicU32::from_ptr(p as *mut u32) }.store(v, Ordering::SeqCst);
        Ok(())
    }
    /// Atomic native-endian u16 at a 2-aligned offset.
    pub fn load_u16(&self, i: usize, off: usize) -> Result<u16> {
        if !off.is_multiple_of(2) {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        let p = self.region(i, off, 2)?;
        // SAFETY: p is 2-aligned and inside a live mapping.
        Ok(unsafe { AtomicU16::from_ptr(p as *mut u16) }.load(Ordering::SeqCst))
    }
    pub fn store_u16(&self, i: usize, off: usize, v: u16) -> Result<()> {
        if !off.is_multiple_of(2) {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        let p = self.region(i, off, 2)?;
        // SAFETY: as in `load_u16`.
        unsafe { AtomicU16::from_ptr(p as *mut u16) }.store(v, Ordering::SeqCst);
        Ok(())
    }

    /// `n` native-endian `u16` slots of region `i` from `off` (2-aligned) as atomics, for the
    /// wal-index hash probes: a load is one instruction instead of a checked call each. The
    /// view borrows the handle, and the region stays mapped as long as it (invariant 4).
    pub fn u16_slots(&self, i: usize, off: usize, n: usize) -> Result<&[AtomicU16]> {
        if !off.is_multiple_of(2) {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        let p = self.region(i, off, n * 2)?;
        // SAFETY: p..p+2n is inside a live mapping (checked by `region`), 2-aligned (regions
        // are page-aligned, off is even); AtomicU16 has u16's layout, and every access to the
        // shared memory from Rust is atomic or a bulk copy validated by checksums (as SQLite).
        Ok(unsafe { std::slice::from_raw_parts(p as *const AtomicU16, n) })
    }

    /// `n` native-endian `u32` slots of region `i` from `off` (4-aligned) as atomics (see
    /// [`Shm::u16_slots`]).
    pub fn u32_slots(&self, i: usize, off: usize, n: usize) -> Result<&[AtomicU32]> {
        if !off.is_multiple_of(4) {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        let p = self.region(i, off, n * 4)?;
        // SAFETY: as in `u16_slots`, with 4-alignment (off is a multiple of 4).
        Ok(unsafe { std::slice::from_raw_parts(p as *const AtomicU32, n) })
    }

    /// Take slots `ofst..ofst+n` (SQLite's `unixShmLock`): shared (n must be 1) or exclusive.
    /// `SQLITE_BUSY` if a connection of this or another process holds a conflicting lock.
    pub fn lock(&mut self, ofst: usize, n: usize, exclusive: bool) -> Result<()> {
        if n == 0 || ofst + n > SHM_NLOCK || (!exclusive && n != 1) {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        let mask: u8 = (((1u16 << (ofst + n)) - (1u16 << ofst)) & 0xff) as u8;
        if exclusive && self.excl & mask == mask {
            return Ok(());
        }
        if !exclusive && (self.shared | self.excl) & mask == mask {
            return Ok(());
        }
        if self.no_locks {
            if exclusive {
                self.excl |= mask;
            } else {
                self.shared |= mask;
            }
            return Ok(());
        }
        let mut nodes = NODES.lock();
        let node = nodes
            .get_mut(&self.key)
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        let busy = || Error::code(SQLITE_BUSY);
        if exclusive {
            if (ofst..ofst + n).any(|i| node.locks.get(i).copied().unwrap_or(0) != 0) {
                return Err(busy());
            }
            if !sys_lock(node.fd, libc::F_WRLCK, SHM_BASE + ofst as u64, n as u64)? {
                return Err(busy());
            }
            for l in node.locks.iter_mut().skip(ofst).take(n) {
                *l = -1;
            }
            self.excl |= mask;
        } else {
            let cur = node.locks.get(ofst).copied().unwrap_or(0);
            if cur < 0 {
                return Err(busy());
            }
            if cur == 0 && !sys_lock(node.fd, libc::F_RDLCK, SHM_BASE + ofst as u64, 1)? {
                return Err(busy());
            }
            if let Some(l) = node.locks.get_mut(ofst) {
                *l += 1;
            }
            self.shared |= mask;
        }
        Ok(())
    }

    /// Release whatever this handle holds on slots `ofst..ofst+n`.
    pub fn unlock(&mut self, ofst: usize, n: usize) -> Result<()> {
        if ofst + n > SHM_NLOCK {
            return Err(Error::code(SQLITE_INTERNAL));
        }
        if self.no_locks {
            let mask: u8 = (((1u16 << (ofst + n)) - (1u16 << ofst)) & 0xff) as u8;
            self.excl &= !mask;
            self.shared &= !mask;
            return Ok(());
        }
        let mut nodes = NODES.lock();
        let node = nodes
            .get_mut(&self.key)
            .ok_or_else(|| Error::code(SQLITE_INTERNAL))?;
        for i in ofst..ofst + n {
            let bit = 1u8 << i;
            let held_excl = self.excl & bit != 0;
            let held_shared = self.shared & bit != 0;
            if !held_excl && !held_shared {
                continue;
            }
            let Some(l) = node.locks.get_mut(i) else {
                continue;
            };
            if held_excl || *l <= 1 {
                sys_lock(node.fd, libc::F_UNLCK, SHM_BASE + i as u64, 1)?;
                *l = 0;
            } else {
                *l -= 1;
            }
            self.excl &= !bit;
            self.shared &= !bit;
        }
        Ok(())
    }

    /// Whether this handle holds slot `i` exclusively.
    pub fn holds_exclusive(&self, i: usize) -> bool {
        i < SHM_NLOCK && self.excl & (1 << i) != 0
    }

    /// Drop the handle; `delete`: unlink the `-shm` file if this was the process's last
    /// handle on it (the caller holds an EXCLUSIVE lock on the database file).
    pub fn close(mut self, delete: bool) {
        if self.heap.is_some() {
            return;
        }
        let _ = self.unlock(0, SHM_NLOCK);
        self.no_locks = false;
        let key = self.key;
        self.regions.clear();
        let mut nodes = NODES.lock();
        let last = match nodes.get_mut(&key) {
            Some(n) => {
                n.n_ref = n.n_ref.saturating_sub(1);
                n.n_ref == 0
            }
            None => false,
        };
        if last {
            if let Some(node) = nodes.remove(&key) {
                if delete {
                    if let Ok(c) = CString::new(super::path_to_bytes(&node.path)) {
                        // SAFETY: c is a valid path.
                        unsafe { libc::unlink(c.as_ptr()) };
                    }
                }
                drop(node);
            }
        }
        self.key = NO_KEY;
    }
}

impl Drop for Shm {
    fn drop(&mut self) {
        if self.key == NO_KEY {
            // A heap handle (its blocks are freed with it) or an already closed one.
            self.regions.clear();
            return;
        }
        let _ = self.unlock(0, SHM_NLOCK);
        self.regions.clear();
        let mut nodes = NODES.lock();
        let last = match nodes.get_mut(&self.key) {
            Some(n) => {
                n.n_ref = n.n_ref.saturating_sub(1);
                n.n_ref == 0
            }
            None => false,
        };
        if last {
            nodes.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_handles_share_memory_and_exclude() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x-shm");
        let p = p.to_str().unwrap();
        let mut a = Shm::open(p).unwrap();
        let mut b = Shm::open(p).unwrap();
        assert!(!b.map(0, false).unwrap());
        assert!(a.map(0, true).unwrap());
        assert!(b.map(0, false).unwrap());
        a.store_u32(0, 96, 0xdead_beef).unwrap();
        assert_eq!(b.load_u32(0, 96).unwrap(), 0xdead_beef);
        a.lock(0, 1, true).unwrap();
        assert_eq!(b.lock(0, 1, true).unwrap_err().code, SQLITE_BUSY);
        assert_eq!(b.lock(0, 1, false).unwrap_err().code, SQLITE_BUSY);
        a.unlock(0, 1).unwrap();
        b.lock(3, 1, false).unwrap();
        a.lock(3, 1, false).unwrap();
        assert_eq!(a.lock(3, 5, true).unwrap_err().code, SQLITE_BUSY);
        b.unlock(3, 1).unwrap();
        a.unlock(3, 1).unwrap();
        a.lock(3, 5, true).unwrap();
        drop(a);
        b.lock(3, 5, true).unwrap();
        b.close(true);
        assert!(!std::path::Path::new(p).exists());
    }
}

#[cfg(test)]
mod heap_tests {
    use super::*;

    /// A heap wal-index: no file, zeroed regions that keep their contents, locks always
    /// granted (and tracked, so `holds_exclusive` answers), slot views over the same memory.
    #[test]
    fn heap_handle_has_memory_and_free_locks() {
        let mut a = Shm::open_heap();
        assert!(a.is_heap());
        assert!(a.map(2, false).unwrap());
        assert_eq!(a.load_u32(2, 4096).unwrap(), 0);
        a.store_u32(1, 8, 77).unwrap();
        a.store_u16(0, 16384, 5).unwrap();
        assert!(a.map(3, true).unwrap());
        assert_eq!(a.load_u32(1, 8).unwrap(), 77);
        assert_eq!(
            a.u16_slots(0, 16384, 8192).unwrap()[0].load(Ordering::Relaxed),
            5
        );
        assert_eq!(a.u32_slots(1, 0, 4).unwrap()[2].load(Ordering::Relaxed), 77);
        assert!(a.u16_slots(0, 16384, 8193).is_err());
        a.lock(0, 1, true).unwrap();
        assert!(a.holds_exclusive(0));
        let mut b = Shm::open_heap();
        b.lock(0, 1, true).unwrap();
        a.unlock(0, 1).unwrap();
        assert!(!a.holds_exclusive(0));
        a.close(true);
    }
}

#[cfg(test)]
mod lock_tests {
    use super::*;

    /// A second handle in the same process must not drop the first one's fcntl locks (POSIX
    /// locks vanish when any descriptor of the file is closed): another process still sees
    /// them.
    #[test]
    fn second_open_keeps_the_process_locks() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("y-shm");
        let p = p.to_str().unwrap();
        let mut a = Shm::open(p).unwrap();
        a.map(0, true).unwrap();
        a.lock(0, 1, true).unwrap();
        let b = Shm::open(p).unwrap();
        // Ask the kernel (as another process would): byte 120 must still be write-locked.
        let script = format!(
            "import fcntl,os\nfd=os.open({p:?}, os.O_RDWR)\ntry:\n    fcntl.lockf(fd, fcntl.LOCK_EX|fcntl.LOCK_NB, 1, 120)\n    print('free')\nexcept OSError:\n    print('held')\n"
        );
        let out = std::process::Command::new("python3")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "held");
        drop(b);
        a.unlock(0, 1).unwrap();
    }
}
