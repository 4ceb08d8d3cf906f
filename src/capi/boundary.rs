//! The panic boundary and the live-handle registry.
//!
//! Invariants:
//! 1. Every export body runs inside [`run`] (via `capi_boundary!`): a Rust panic never crosses
//!    into C. On a panic the export returns [`Fallback::panic_value`]; on a bad handle it returns
//!    [`Fallback::misuse_value`] (or an explicit value given to the handle macro).
//! 2. A handle pointer is dereferenced only after [`is_live`] says that the address is a live
//!    handle of the expected [`Kind`]. Handles are registered right after `Box::into_raw` and
//!    unregistered right before the box is dropped, so a closed / finalized handle is detected
//!    without touching freed memory (SQLite's `sqlite3SafetyCheckOk`, made exact).
//!    The answer is the registry's; a lock-free front table of live handles only short-cuts
//!    the locked lookup (see `FRONT`).
//! 3. A use of a dead or wrong-kind handle is logged through `sqlite3_log(SQLITE_MISUSE, ...)`
//!    as SQLite does ("misuse at line N of [source id]").

use crate::error::codes::*;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::LazyLock;

/// What a registered address is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Db,
    Stmt,
    Value,
    Context,
    Mutex,
    Str,
    Blob,
    Backup,
}

/// Hasher for handle addresses: one multiply (addresses are already well spread; SipHash's
/// DoS resistance buys nothing here and cost ~10% of a row loop).
#[derive(Default, Clone, Copy)]
pub struct AddrHasher(u64);
impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = ((n as u64) >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}
type AddrMap = HashMap<usize, Kind, std::hash::BuildHasherDefault<AddrHasher>>;

static LIVE: LazyLock<RwLock<AddrMap>> = LazyLock::new(|| RwLock::new(AddrMap::default()));

/// A lock-free front of the registry: a 2-way set-associative table of `address | kind` words.
/// Invariant: a slot holds `a | k` only while `a` is registered with kind `k`. Slots are set
/// under the registry's lock (write lock in `register`; read lock in `is_live` after a
/// positive lookup, so no unregister can run in between) and the slot of an address is
/// cleared under the write lock *before* the address leaves the registry. A slot that does
/// not match (empty, another handle, or a handle whose address is not 8-aligned) just sends
/// the lookup to the locked map, so the answer is always the registry's.
const FRONT_BITS: u32 = 8;
const FRONT_SLOTS: usize = 1 << FRONT_BITS;
// The kind must fit the 3 low bits of an 8-aligned address.
const _: () = assert!((Kind::Backup as usize) < 8);
static FRONT: [AtomicUsize; FRONT_SLOTS] = [const { AtomicUsize::new(0) }; FRONT_SLOTS];

/// The front-table set (two adjacent slots, so two handles of one row loop that hash alike
/// do not evict each other) and word of a handle; `None` if its address has no room for the
/// kind in its 3 low bits.
#[inline]
fn front_word(a: usize, k: Kind) -> Option<(usize, usize)> {
    if a & 7 != 0 {
        return None;
    }
    let slot =
        (a >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> (usize::BITS - FRONT_BITS);
    Some((slot & !1, a | k as usize))
}

#[inline]
fn front_hit(a: usize, k: Kind) -> bool {
    match front_word(a, k) {
        Some((s, w)) => {
            FRONT[s].load(AtomicOrdering::Acquire) == w
                || FRONT[s + 1].load(AtomicOrdering::Acquire) == w
        }
        None => false,
    }
}

/// Put a handle in the front. Only under the registry's lock, with `a` registered as `k`.
fn front_fill(a: usize, k: Kind) {
    if let Some((s, w)) = front_word(a, k) {
        let first = FRONT[s].load(AtomicOrdering::Acquire);
        let i = if first == 0 || first == w { s } else { s + 1 };
        FRONT[i].store(w, AtomicOrdering::Release);
    }
}

/// Take a handle out of the front. Only under the registry's write lock.
fn front_clear(a: usize, k: Kind) {
    if let Some((s, w)) = front_word(a, k) {
        for slot in &FRONT[s..s + 2] {
            let _ = slot.compare_exchange(w, 0, AtomicOrdering::AcqRel, AtomicOrdering::Relaxed);
        }
    }
}

/// Record `p` as a live handle of kind `k`.
pub fn register<T>(p: *const T, k: Kind) {
    let mut live = LIVE.write();
    if let Some(old) = live.insert(p as usize, k) {
        // Re-registered without an unregister: the front may hold the old kind.
        front_clear(p as usize, old);
    }
    front_fill(p as usize, k);
}

/// Forget `p`; returns whether it was live with kind `k` (a second call returns false).
pub fn unregister<T>(p: *const T, k: Kind) -> bool {
    let mut live = LIVE.write();
    if live.get(&(p as usize)) == Some(&k) {
        // Cleared before the removal (front invariant).
        front_clear(p as usize, k);
        live.remove(&(p as usize));
        true
    } else {
        false
    }
}

/// Calls `f` with the address of every live handle of kind `k`, holding the registry's read
/// lock throughout: a handle cannot be unregistered (hence not freed) while `f` looks at it.
/// `f` must not call the registry (register/unregister/is_live) nor block on a connection
/// mutex (use `try_lock`).
pub fn for_each_live(k: Kind, mut f: impl FnMut(usize)) {
    let live = LIVE.read();
    for (a, kind) in live.iter() {
        if *kind == k {
            f(*a);
        }
    }
}

/// Whether `p` is a live handle of kind `k`.
///
/// O(1) and lock-free when the handle is in the front table (the usual case in a row loop);
/// otherwise the registry is read under its lock and a live handle is put in the front.
pub fn is_live<T>(p: *const T, k: Kind) -> bool {
    if p.is_null() {
        return false;
    }
    let a = p as usize;
    if front_hit(a, k) {
        return true;
    }
    let reg = LIVE.read();
    let live = reg.get(&a) == Some(&k);
    if live {
        // Under the read lock: `a` cannot be unregistered before this store lands.
        front_fill(a, k);
    }
    live
}

/// Per-return-type answers for a panic and for a bad handle (rustls-ffi's `PanicOrDefault`).
pub trait Fallback {
    fn panic_value() -> Self;
    fn misuse_value() -> Self;
}
impl Fallback for c_int {
    fn panic_value() -> Self {
        SQLITE_INTERNAL
    }
    fn misuse_value() -> Self {
        SQLITE_MISUSE
    }
}
impl Fallback for i64 {
    fn panic_value() -> Self {
        0
    }
    fn misuse_value() -> Self {
        0
    }
}
impl Fallback for u64 {
    fn panic_value() -> Self {
        0
    }
    fn misuse_value() -> Self {
        0
    }
}
impl Fallback for u32 {
    fn panic_value() -> Self {
        0
    }
    fn misuse_value() -> Self {
        0
    }
}
impl Fallback for f64 {
    fn panic_value() -> Self {
        0.0
    }
    fn misuse_value() -> Self {
        0.0
    }
}
impl Fallback for () {
    fn panic_value() -> Self {}
    fn misuse_value() -> Self {}
}
impl<T> Fallback for *mut T {
    fn panic_value() -> Self {
        std::ptr::null_mut()
    }
    fn misuse_value() -> Self {
        std::ptr::null_mut()
    }
}
impl<T> Fallback for *const T {
    fn panic_value() -> Self {
        std::ptr::null()
    }
    fn misuse_value() -> Self {
        std::ptr::null()
    }
}

/// Run an export body, turning a panic into the return type's panic value.
pub fn run<R: Fallback>(f: impl FnOnce() -> R) -> R {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => {
            log_message(
                SQLITE_INTERNAL,
                "internal error: panic caught at the C boundary",
            );
            R::panic_value()
        }
    }
}

/// The process-wide `SQLITE_CONFIG_LOG` callback: (function, argument) as addresses.
static LOGGER: RwLock<Option<(usize, usize)>> = RwLock::new(None);

pub type LogFn = unsafe extern "C" fn(*mut c_void, c_int, *const c_char);

pub fn set_logger(f: Option<LogFn>, arg: *mut c_void) {
    *LOGGER.write() = f.map(|f| (f as usize, arg as usize));
}

pub fn logger_enabled() -> bool {
    LOGGER.read().is_some()
}

/// `sqlite3_log` with an already formatted message.
pub fn log_message(code: c_int, msg: &str) {
    let l = *LOGGER.read();
    if let Some((f, arg)) = l {
        let Ok(c) = std::ffi::CString::new(msg.replace('\0', "")) else {
            return;
        };
        // SAFETY: `f` was stored from a `LogFn` by `set_logger`; the callback receives the
        // argument the application registered with it and a valid NUL-terminated string.
        unsafe {
            let f: LogFn = std::mem::transmute::<usize, LogFn>(f);
            f(arg as *mut c_void, code, c.as_ptr());
        }
    }
}

/// Log an API misuse the way SQLite's `SQLITE_MISUSE_BKPT` does.
pub fn log_misuse(line: u32) {
    let id = crate::SQLITE_SOURCE_ID.get(20..30).unwrap_or("");
    log_message(SQLITE_MISUSE, &format!("misuse at line {line} of [{id}]"));
}

/// Wrap an export body: `capi_boundary! { body }`.
macro_rules! capi_boundary {
    ($($body:tt)*) => {
        $crate::capi::boundary::run(move || { $($body)* })
    };
}
pub(crate) use capi_boundary;

/// Check a handle pointer and borrow it: `handle!(p, Kind, Type)` returns the export's misuse
/// value on a bad handle; `handle!(p, Kind, Type, else value)` returns `value` instead.
macro_rules! handle {
    ($p:expr, $kind:ident, $ty:ty) => {
        handle!($p, $kind, $ty, else $crate::capi::boundary::Fallback::misuse_value())
    };
    ($p:expr, $kind:ident, $ty:ty, else $v:expr) => {{
        let p: *const $ty = $p as *const $ty;
        if !$crate::capi::boundary::is_live(p, $crate::capi::boundary::Kind::$kind) {
            if !p.is_null() {
                $crate::capi::boundary::log_misuse(line!());
            }
            return $v;
        }
        // SAFETY: the registry says `p` is a live handle of this kind (boundary invariant 2);
        // handles are only freed after being unregistered.
        unsafe { &*p }
    }};
}
pub(crate) use handle;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_fallback_values() {
        let r: c_int = run(|| panic!("boom"));
        assert_eq!(r, SQLITE_INTERNAL);
        let p: *mut u8 = run(|| panic!("boom"));
        assert!(p.is_null());
        let v: i64 = run(|| panic!("boom"));
        assert_eq!(v, 0);
        let ok: c_int = run(|| 7);
        assert_eq!(ok, 7);
    }

    #[test]
    fn registry_tracks_kind_and_life() {
        let b = Box::into_raw(Box::new(5u64));
        assert!(!is_live(b, Kind::Stmt));
        register(b, Kind::Stmt);
        assert!(is_live(b, Kind::Stmt));
        assert!(!is_live(b, Kind::Db), "wrong kind is not live");
        assert!(!unregister(b, Kind::Db));
        assert!(unregister(b, Kind::Stmt));
        assert!(!unregister(b, Kind::Stmt), "second unregister fails");
        assert!(!is_live(b, Kind::Stmt));
        assert!(!is_live(std::ptr::null::<u64>(), Kind::Stmt));
        // SAFETY: allocated above, no longer registered.
        drop(unsafe { Box::from_raw(b) });
    }

    #[test]
    fn front_table_answers_die_with_the_handle() {
        // A positive answer cached in the front table must not outlive an unregister done by
        // another thread, nor survive a re-registration under another kind.
        let b = Box::into_raw(Box::new(7u64));
        register(b, Kind::Stmt);
        for _ in 0..3 {
            assert!(is_live(b, Kind::Stmt));
        }
        let a = b as usize;
        std::thread::spawn(move || assert!(unregister(a as *const u64, Kind::Stmt)))
            .join()
            .unwrap();
        assert!(
            !is_live(b, Kind::Stmt),
            "stale front entry after unregister"
        );
        register(b, Kind::Stmt);
        assert!(is_live(b, Kind::Stmt));
        std::thread::spawn(move || register(a as *const u64, Kind::Value))
            .join()
            .unwrap();
        assert!(
            !is_live(b, Kind::Stmt),
            "stale front entry after re-registration"
        );
        assert!(is_live(b, Kind::Value));
        // More live handles than front slots (collisions): every answer stays right.
        let many: Vec<*mut u64> = (0..FRONT_SLOTS as u64 * 2 + 1)
            .map(|i| Box::into_raw(Box::new(i)))
            .collect();
        for &h in &many {
            register(h, Kind::Db);
        }
        for _ in 0..3 {
            for &h in &many {
                assert!(is_live(h, Kind::Db));
                assert!(!is_live(h, Kind::Stmt));
            }
        }
        for (i, &h) in many.iter().enumerate() {
            if i % 2 == 0 {
                assert!(unregister(h, Kind::Db));
            }
        }
        for (i, &h) in many.iter().enumerate() {
            assert_eq!(is_live(h, Kind::Db), i % 2 == 1);
        }
        for (i, &h) in many.iter().enumerate() {
            if i % 2 == 1 {
                assert!(unregister(h, Kind::Db));
            }
            // SAFETY: allocated above, no longer registered.
            drop(unsafe { Box::from_raw(h) });
        }
        assert!(unregister(b, Kind::Value));
        // SAFETY: allocated above, no longer registered.
        drop(unsafe { Box::from_raw(b) });
    }

    fn misuse_export(p: *mut u64) -> c_int {
        capi_boundary! { let _v = handle!(p, Db, u64); SQLITE_OK }
    }

    #[test]
    fn handle_macro_rejects_dead_handles() {
        let b = Box::into_raw(Box::new(1u64));
        assert_eq!(misuse_export(b), SQLITE_MISUSE);
        register(b, Kind::Db);
        assert_eq!(misuse_export(b), SQLITE_OK);
        unregister(b, Kind::Db);
        assert_eq!(misuse_export(b), SQLITE_MISUSE);
        assert_eq!(misuse_export(std::ptr::null_mut()), SQLITE_MISUSE);
        // SAFETY: allocated above, no longer registered.
        drop(unsafe { Box::from_raw(b) });
    }
}
