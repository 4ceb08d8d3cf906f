//! `sqlite3_malloc` & co. and the `sqlite3_str` dynamic string.
//!
//! Invariants:
//! 1. Every block handed out by `sqlite3_malloc*`/`sqlite3_realloc*` is preceded by a 16-byte
//!    header holding its usable size (so `sqlite3_msize` works and alignment stays 16).
//! 2. `MEM_USED` is the sum of the usable sizes of live blocks; `MEM_HIGH` its high-water mark.
//! 3. A `sqlite3_str` is registered (kind `Str`) from `str_new` until `str_finish`; its buffer
//!    always has a NUL after the content once `str_value` has been called.

use super::boundary::{capi_boundary, handle, is_live, register, unregister, Kind};
#[allow(unused_imports)]
use super::{sqlite3_int64, sqlite3_uint64};
use crate::error::codes::*;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicI64, Ordering};

const HDR: usize = 16;
/// SQLite refuses single allocations above this (SQLITE_MAX_ALLOCATION_SIZE default 2^31-1 - ).
const MAX_ALLOC: u64 = 0x7fff_fe00;

pub static MEM_USED: AtomicI64 = AtomicI64::new(0);
pub static MEM_HIGH: AtomicI64 = AtomicI64::new(0);

fn account(delta: i64) {
    let now = MEM_USED.fetch_add(delta, Ordering::Relaxed) + delta;
    MEM_HIGH.fetch_max(now, Ordering::Relaxed);
}

/// Allocate `n` bytes (n > 0) with the size header.
pub fn raw_malloc(n: u64) -> *mut c_void {
    if n == 0 || n > MAX_ALLOC {
        return std::ptr::null_mut();
    }
    // SQLite's system allocator rounds up to a multiple of 8 (what sqlite3_msize reports).
    let n = (n + 7) & !7;
    // SAFETY: plain libc allocation of n + HDR bytes.
    let base = unsafe { libc::malloc(n as usize + HDR) } as *mut u8;
    if base.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: base points to at least HDR bytes, 16-aligned (malloc's guarantee on 64-bit).
    unsafe { (base as *mut u64).write(n) };
    account(n as i64);
    // SAFETY: HDR < n + HDR, within the allocation.
    unsafe { base.add(HDR) as *mut c_void }
}

/// # Safety
/// `p` came from `raw_malloc`/`raw_realloc` and is live.
unsafe fn size_of_block(p: *mut c_void) -> u64 {
    // SAFETY: the header precedes every block (invariant 1).
    unsafe { ((p as *mut u8).sub(HDR) as *const u64).read() }
}

/// # Safety
/// `p` is NULL or a live block from this allocator.
pub unsafe fn raw_free(p: *mut c_void) {
    if p.is_null() {
        return;
    }
    // SAFETY: caller contract; header precedes the block.
    unsafe {
        let n = size_of_block(p);
        account(-(n as i64));
        libc::free((p as *mut u8).sub(HDR) as *mut c_void);
    }
}

/// # Safety
/// `p` is NULL or a live block from this allocator.
pub unsafe fn raw_realloc(p: *mut c_void, n: u64) -> *mut c_void {
    if p.is_null() {
        return raw_malloc(n);
    }
    if n == 0 {
        // SAFETY: caller contract.
        unsafe { raw_free(p) };
        return std::ptr::null_mut();
    }
    if n > MAX_ALLOC {
        return std::ptr::null_mut();
    }
    let n = (n + 7) & !7;
    // SAFETY: caller contract; realloc of the base pointer, header rewritten.
    unsafe {
        let old = size_of_block(p);
        let base =
            libc::realloc((p as *mut u8).sub(HDR) as *mut c_void, n as usize + HDR) as *mut u8;
        if base.is_null() {
            return std::ptr::null_mut();
        }
        (base as *mut u64).write(n);
        account(n as i64 - old as i64);
        base.add(HDR) as *mut c_void
    }
}

/// Copy `s` into a NUL-terminated `sqlite3_malloc` block (NULL on OOM).
pub fn malloc_cstring(s: &[u8]) -> *mut c_char {
    let p = raw_malloc(s.len() as u64 + 1) as *mut u8;
    if !p.is_null() {
        // SAFETY: p has s.len() + 1 bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
            *p.add(s.len()) = 0;
        }
    }
    p as *mut c_char
}

#[no_mangle]
pub extern "C" fn sqlite3_malloc(n: c_int) -> *mut c_void {
    capi_boundary! { if n <= 0 { std::ptr::null_mut() } else { raw_malloc(n as u64) } }
}

#[no_mangle]
pub extern "C" fn sqlite3_malloc64(n: sqlite3_uint64) -> *mut c_void {
    capi_boundary! { raw_malloc(n) }
}

/// # Safety
/// `p` is NULL or from `sqlite3_malloc*`.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_realloc(p: *mut c_void, n: c_int) -> *mut c_void {
    // SAFETY: caller contract.
    capi_boundary! { unsafe { raw_realloc(p, n.max(0) as u64) } }
}

/// # Safety
/// `p` is NULL or from `sqlite3_malloc*`.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_realloc64(p: *mut c_void, n: sqlite3_uint64) -> *mut c_void {
    // SAFETY: caller contract.
    capi_boundary! { unsafe { raw_realloc(p, n) } }
}

/// # Safety
/// `p` is NULL or from `sqlite3_malloc*`.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_free(p: *mut c_void) {
    // SAFETY: caller contract.
    capi_boundary! { unsafe { raw_free(p) } }
}

/// # Safety
/// `p` is NULL or from `sqlite3_malloc*`.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_msize(p: *mut c_void) -> sqlite3_uint64 {
    // SAFETY: caller contract.
    capi_boundary! { if p.is_null() { 0 } else { unsafe { size_of_block(p) } } }
}

#[no_mangle]
pub extern "C" fn sqlite3_memory_used() -> sqlite3_int64 {
    capi_boundary! { MEM_USED.load(Ordering::Relaxed) }
}

#[no_mangle]
pub extern "C" fn sqlite3_memory_highwater(reset: c_int) -> sqlite3_int64 {
    capi_boundary! {
        let h = MEM_HIGH.load(Ordering::Relaxed);
        if reset != 0 { MEM_HIGH.store(MEM_USED.load(Ordering::Relaxed), Ordering::Relaxed); }
        h
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_release_memory(_n: c_int) -> c_int {
    0
}

static SOFT_LIMIT: AtomicI64 = AtomicI64::new(0);
static HARD_LIMIT: AtomicI64 = AtomicI64::new(0);

/// Stored and reported; not enforced (documented in COMPAT).
#[no_mangle]
pub extern "C" fn sqlite3_soft_heap_limit64(n: sqlite3_int64) -> sqlite3_int64 {
    capi_boundary! {
        let old = SOFT_LIMIT.load(Ordering::Relaxed);
        if n >= 0 { SOFT_LIMIT.store(n, Ordering::Relaxed); }
        old
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_hard_heap_limit64(n: sqlite3_int64) -> sqlite3_int64 {
    capi_boundary! {
        let old = HARD_LIMIT.load(Ordering::Relaxed);
        if n >= 0 { HARD_LIMIT.store(n, Ordering::Relaxed); }
        old
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_soft_heap_limit(n: c_int) {
    capi_boundary! { sqlite3_soft_heap_limit64(n as i64); }
}

// ---------------------------------------------------------------------------------------------
// sqlite3_str

/// The dynamic string object.
#[allow(non_camel_case_types)]
pub struct sqlite3_str {
    buf: Vec<u8>,
    err: c_int,
}

const STR_MAX: usize = 1_000_000_000;

/// Append bytes to a `sqlite3_str` (no-op on a bad handle or after an error).
pub fn str_append_bytes(s: *mut sqlite3_str, bytes: &[u8]) {
    if !is_live(s, Kind::Str) {
        return;
    }
    // SAFETY: registry says live (boundary invariant 2); callers do not share a str across
    // threads concurrently (SQLite's contract).
    let st = unsafe { &mut *s };
    if st.err != 0 {
        return;
    }
    if st.buf.len() + bytes.len() > STR_MAX {
        st.err = SQLITE_TOOBIG;
        return;
    }
    st.buf.extend_from_slice(bytes);
}

/// Put a `sqlite3_str` in the SQLITE_TOOBIG error state (printf output over the limit).
pub fn str_set_toobig(s: *mut sqlite3_str) {
    if !is_live(s, Kind::Str) {
        return;
    }
    // SAFETY: as in `str_append_bytes`.
    let st = unsafe { &mut *s };
    if st.err == 0 {
        st.err = SQLITE_TOOBIG;
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_str_new(_db: *mut super::db::sqlite3) -> *mut sqlite3_str {
    capi_boundary! {
        let p = Box::into_raw(Box::new(sqlite3_str { buf: Vec::new(), err: 0 }));
        register(p, Kind::Str);
        p
    }
}

/// # Safety
/// `s` from `sqlite3_str_new`.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_str_finish(s: *mut sqlite3_str) -> *mut c_char {
    capi_boundary! {
        if !unregister(s, Kind::Str) { return std::ptr::null_mut(); }
        // SAFETY: s was live and is now unregistered; we own it.
        let b = unsafe { Box::from_raw(s) };
        if b.err != 0 || b.buf.is_empty() { return std::ptr::null_mut(); }
        malloc_cstring(&b.buf)
    }
}

/// # Safety
/// `z` points to `n` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_str_append(s: *mut sqlite3_str, z: *const c_char, n: c_int) {
    capi_boundary! {
        if z.is_null() || n <= 0 { return; }
        // SAFETY: caller contract: n bytes at z.
        let b = unsafe { std::slice::from_raw_parts(z as *const u8, n as usize) };
        str_append_bytes(s, b);
    }
}

/// # Safety
/// `z` is a C string.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_str_appendall(s: *mut sqlite3_str, z: *const c_char) {
    capi_boundary! {
        if z.is_null() { return; }
        // SAFETY: caller contract.
        let b = unsafe { std::ffi::CStr::from_ptr(z) }.to_bytes();
        str_append_bytes(s, b);
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_str_appendchar(s: *mut sqlite3_str, n: c_int, c: c_char) {
    capi_boundary! {
        if n <= 0 { return; }
        str_append_bytes(s, &vec![c as u8; n as usize]);
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_str_reset(s: *mut sqlite3_str) {
    capi_boundary! {
        if !is_live(s, Kind::Str) { return; }
        // SAFETY: live per registry.
        let st = unsafe { &mut *s };
        st.buf.clear();
        st.err = 0;
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_str_errcode(s: *mut sqlite3_str) -> c_int {
    capi_boundary! { let st = handle!(s, Str, sqlite3_str, else SQLITE_NOMEM); st.err }
}

#[no_mangle]
pub extern "C" fn sqlite3_str_length(s: *mut sqlite3_str) -> c_int {
    capi_boundary! { let st = handle!(s, Str, sqlite3_str, else 0); st.buf.len() as c_int }
}

#[no_mangle]
pub extern "C" fn sqlite3_str_value(s: *mut sqlite3_str) -> *mut c_char {
    capi_boundary! {
        if !is_live(s, Kind::Str) { return std::ptr::null_mut(); }
        // SAFETY: live per registry.
        let st = unsafe { &mut *s };
        if st.err != 0 || st.buf.is_empty() { return std::ptr::null_mut(); }
        st.buf.reserve(1);
        let n = st.buf.len();
        // SAFETY: capacity > len after reserve(1); the NUL is written past the content, which
        // stays untouched (invariant 3).
        unsafe { *st.buf.as_mut_ptr().add(n) = 0 };
        st.buf.as_mut_ptr() as *mut c_char
    }
}
