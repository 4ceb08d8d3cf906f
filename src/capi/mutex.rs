//! `sqlite3_mutex_*`: real recursive mutexes (SQLite's pthread implementation semantics).
//!
//! Invariants:
//! 1. Dynamic mutexes (`SQLITE_MUTEX_FAST` = 0, `SQLITE_MUTEX_RECURSIVE` = 1) are boxed and
//!    registered (kind `Mutex`) until `sqlite3_mutex_free`; static ones (types 2..=13) live in a
//!    process-wide array and are never freed.
//! 2. Every mutex is recursive (a FAST mutex used correctly never notices).
//! 3. Operations on a pointer that is neither are ignored (enter/leave) or report "not held".
//! 4. After `SQLITE_CONFIG_SINGLETHREAD`, `sqlite3_mutex_alloc` returns SQLite's no-op mutex,
//!    the pointer value 8, which is never registered (so 3 applies to it).

use super::boundary::{capi_boundary, is_live, register, unregister, Kind};
use crate::error::codes::*;
use parking_lot::lock_api::RawReentrantMutex;
use parking_lot::{RawMutex, RawThreadId};
use std::os::raw::{c_int, c_void};

#[allow(non_camel_case_types)]
pub struct sqlite3_mutex {
    raw: RawReentrantMutex<RawMutex, RawThreadId>,
}

const NSTATIC: usize = 14;

#[allow(clippy::declare_interior_mutable_const)]
const INIT: sqlite3_mutex = sqlite3_mutex {
    raw: RawReentrantMutex::INIT,
};
static STATIC: [sqlite3_mutex; NSTATIC] = [INIT; NSTATIC];

/// Pointer to static mutex `t` (2..=13).
pub fn static_mutex(t: usize) -> *mut c_void {
    STATIC
        .get(t)
        .map(|m| m as *const sqlite3_mutex as *mut c_void)
        .unwrap_or(std::ptr::null_mut())
}

fn get<'a>(p: *mut sqlite3_mutex) -> Option<&'a sqlite3_mutex> {
    if p.is_null() {
        return None;
    }
    let a = p as usize;
    let base = STATIC.as_ptr() as usize;
    if a >= base && a < base + NSTATIC * std::mem::size_of::<sqlite3_mutex>() {
        // SAFETY: inside the static array.
        return Some(unsafe { &*p });
    }
    if is_live(p, Kind::Mutex) {
        // SAFETY: live per registry.
        Some(unsafe { &*p })
    } else {
        None
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_mutex_alloc(t: c_int) -> *mut sqlite3_mutex {
    capi_boundary! {
        if super::config::single_thread() && (0..=13).contains(&t) {
            // SQLite's no-op mutex implementation (noopMutexAlloc): a dummy non-NULL pointer.
            // It is never registered, so enter/try/leave/free on it do nothing.
            return 8usize as *mut sqlite3_mutex;
        }
        match t {
            0 | 1 => {
                let p = Box::into_raw(Box::new(sqlite3_mutex { raw: RawReentrantMutex::INIT }));
                register(p, Kind::Mutex);
                p
            }
            2..=13 => static_mutex(t as usize) as *mut sqlite3_mutex,
            _ => std::ptr::null_mut(),
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_mutex_free(p: *mut sqlite3_mutex) {
    capi_boundary! {
        if unregister(p, Kind::Mutex) {
            // SAFETY: was live; now unregistered, so we own the box.
            drop(unsafe { Box::from_raw(p) });
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_mutex_enter(p: *mut sqlite3_mutex) {
    capi_boundary! { if let Some(m) = get(p) { m.raw.lock(); } }
}

#[no_mangle]
pub extern "C" fn sqlite3_mutex_try(p: *mut sqlite3_mutex) -> c_int {
    capi_boundary! {
        match get(p) {
            Some(m) => if m.raw.try_lock() { SQLITE_OK } else { SQLITE_BUSY },
            None => SQLITE_OK,
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_mutex_leave(p: *mut sqlite3_mutex) {
    capi_boundary! {
        if let Some(m) = get(p) {
            if m.raw.is_owned_by_current_thread() {
                // SAFETY: the current thread holds the lock (checked just above).
                unsafe { m.raw.unlock() };
            }
        }
    }
}

/// Not exported: SQLite 3.40.1 release builds export it only with SQLITE_DEBUG.
pub extern "C" fn sqlite3_mutex_held(p: *mut sqlite3_mutex) -> c_int {
    capi_boundary! {
        if p.is_null() { return 1; }
        get(p).map(|m| m.raw.is_owned_by_current_thread() as c_int).unwrap_or(0)
    }
}

/// Not exported: SQLite 3.40.1 release builds export it only with SQLITE_DEBUG.
pub extern "C" fn sqlite3_mutex_notheld(p: *mut sqlite3_mutex) -> c_int {
    capi_boundary! {
        if p.is_null() { return 1; }
        get(p).map(|m| (!m.raw.is_owned_by_current_thread()) as c_int).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn recursive_and_exclusive() {
        let m = sqlite3_mutex_alloc(0);
        assert!(!m.is_null() && m as usize != 8);
        sqlite3_mutex_enter(m);
        sqlite3_mutex_enter(m);
        assert_eq!(sqlite3_mutex_held(m), 1);
        let addr = m as usize;
        let other = std::thread::spawn(move || sqlite3_mutex_try(addr as *mut sqlite3_mutex))
            .join()
            .unwrap();
        assert_eq!(other, SQLITE_BUSY);
        sqlite3_mutex_leave(m);
        sqlite3_mutex_leave(m);
        assert_eq!(sqlite3_mutex_notheld(m), 1);
        let other = std::thread::spawn(move || {
            let p = addr as *mut sqlite3_mutex;
            let r = sqlite3_mutex_try(p);
            sqlite3_mutex_leave(p);
            r
        })
        .join()
        .unwrap();
        assert_eq!(other, SQLITE_OK);
        sqlite3_mutex_free(m);
        assert_eq!(sqlite3_mutex_held(m), 0);
        assert_eq!(sqlite3_mutex_alloc(2), sqlite3_mutex_alloc(2));
    }
}
