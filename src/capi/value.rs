//! `sqlite3_value`: a value handle with SQLite's conversion and pointer-lifetime rules.
//!
//! Invariants:
//! 1. A handle owns a [`Value`] that never changes; conversions (`text`, `text16`) are computed
//!    once into `OnceCell`s, so a returned pointer stays valid until the handle is freed (by
//!    the next step/reset/finalize for column values, the end of the call for function
//!    arguments, `sqlite3_value_free` for duplicates).
//! 2. `value_type` reports the original storage class, even after a conversion.
//! 3. Handles are registered (kind `Value`) for their whole life (boundary invariant 2).

use super::boundary::{capi_boundary, handle, register, unregister, Kind};
use super::util::*;
#[allow(unused_imports)]
use super::{sqlite3_int64, sqlite3_uint64};
use crate::value::Value;
use std::cell::{Cell, OnceCell};
use std::os::raw::{c_char, c_int, c_uint, c_void};

#[allow(non_camel_case_types)]
pub struct sqlite3_value {
    pub v: Value,
    text: OnceCell<Vec<u8>>,
    text16: OnceCell<Vec<u16>>,
    text16be: OnceCell<Vec<u16>>,
    /// The buffer of a previous row's `text`, reused by the next conversion (a column slot
    /// refilled per row allocates nothing once warm).
    spare: Cell<Vec<u8>>,
    pub subtype: u32,
    pub frombind: bool,
    pub nochange: bool,
}

impl sqlite3_value {
    pub fn new(v: Value) -> sqlite3_value {
        sqlite3_value {
            v,
            text: OnceCell::new(),
            text16: OnceCell::new(),
            text16be: OnceCell::new(),
            spare: Cell::new(Vec::new()),
            subtype: 0,
            frombind: false,
            nochange: false,
        }
    }
    /// Replace the value (a column slot moving to the next row); conversions are recomputed.
    pub fn refill(&mut self, v: Value) {
        self.v = v;
        self.text = OnceCell::new();
        self.text16 = OnceCell::new();
        self.text16be = OnceCell::new();
        self.subtype = 0;
    }
    /// [`refill`](Self::refill) with a copy of `v`, reusing this handle's buffers: the value's
    /// own text/blob vector and the NUL-terminated text of the previous row.
    pub fn refill_from(&mut self, v: &Value) {
        match (&mut self.v, v) {
            (Value::Text(d), Value::Text(s)) | (Value::Blob(d), Value::Blob(s)) => {
                d.clear();
                d.extend_from_slice(s);
            }
            (d, s) => *d = s.clone(),
        }
        if let Some(t) = self.text.take() {
            self.spare.set(t);
        }
        if self.text16.get().is_some() {
            self.text16 = OnceCell::new();
        }
        if self.text16be.get().is_some() {
            self.text16be = OnceCell::new();
        }
        self.subtype = 0;
    }
    /// Box and register a handle.
    pub fn boxed(v: Value) -> *mut sqlite3_value {
        let p = Box::into_raw(Box::new(sqlite3_value::new(v)));
        register(p, Kind::Value);
        p
    }
    /// Unregister and free a handle from [`boxed`].
    pub fn free(p: *mut sqlite3_value) {
        if unregister(p, Kind::Value) {
            // SAFETY: was live and is now unregistered: we own the box.
            drop(unsafe { Box::from_raw(p) });
        }
    }
    /// Text with a NUL after it (None for NULL).
    pub fn text(&self) -> Option<&Vec<u8>> {
        if self.v.is_null() {
            return None;
        }
        Some(self.text.get_or_init(|| {
            let mut b = self.spare.take();
            b.clear();
            match &self.v {
                Value::Text(t) | Value::Blob(t) => b.extend_from_slice(t),
                v => b.extend_from_slice(&value_to_text(v)),
            }
            b.push(0);
            b
        }))
    }
    pub fn text16(&self, be: bool) -> Option<&Vec<u16>> {
        let t = self.text()?;
        let body = &t[..t.len().saturating_sub(1)];
        let cell = if be { &self.text16be } else { &self.text16 };
        Some(cell.get_or_init(|| {
            let mut v = to_utf16z(body);
            if be != cfg!(target_endian = "big") {
                for u in v.iter_mut() {
                    *u = u.swap_bytes();
                }
            }
            v
        }))
    }
}

/// The text form of a value (SQLite's `sqlite3VdbeMemStringify`); empty for NULL.
/// All number<->text conversions of the C API go through `func::text` (one implementation).
pub fn value_to_text(v: &Value) -> Vec<u8> {
    crate::func::text::value_to_text(v).unwrap_or_default()
}

/// SQLite's `sqlite3AtoF` on a prefix: 0.0 if nothing numeric.
pub fn text_to_f64(s: &[u8]) -> f64 {
    crate::func::text::atof(s).0
}

/// SQLite's `sqlite3Atoi64` on a prefix (saturating).
pub fn text_to_i64(s: &[u8]) -> i64 {
    crate::func::text::atoi64(s).0
}

/// `sqlite3_value_int64`.
pub fn value_i64(v: &Value) -> i64 {
    crate::func::text::value_to_i64(v)
}

/// `sqlite3_value_double`.
pub fn value_f64(v: &Value) -> f64 {
    crate::func::text::value_to_f64(v)
}

/// `sqlite3_value_numeric_type`: the type after numeric affinity.
pub fn numeric_type(v: &Value) -> c_int {
    crate::func::text::numeric_value(v).type_code()
}

// ---------------------------------------------------------------------------------------------
// Exports

#[no_mangle]
pub extern "C" fn sqlite3_value_type(v: *mut sqlite3_value) -> c_int {
    capi_boundary! { let v = handle!(v, Value, sqlite3_value, else crate::value::SQLITE_NULL); v.v.type_code() }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_numeric_type(v: *mut sqlite3_value) -> c_int {
    capi_boundary! { let v = handle!(v, Value, sqlite3_value, else crate::value::SQLITE_NULL); numeric_type(&v.v) }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_int(v: *mut sqlite3_value) -> c_int {
    capi_boundary! { let v = handle!(v, Value, sqlite3_value, else 0); value_i64(&v.v) as c_int }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_int64(v: *mut sqlite3_value) -> sqlite3_int64 {
    capi_boundary! { let v = handle!(v, Value, sqlite3_value); value_i64(&v.v) }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_double(v: *mut sqlite3_value) -> f64 {
    capi_boundary! { let v = handle!(v, Value, sqlite3_value); value_f64(&v.v) }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_text(v: *mut sqlite3_value) -> *const u8 {
    capi_boundary! {
        let v = handle!(v, Value, sqlite3_value);
        v.text().map(|t| t.as_ptr()).unwrap_or(std::ptr::null())
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_text16(v: *mut sqlite3_value) -> *const c_void {
    capi_boundary! {
        let v = handle!(v, Value, sqlite3_value);
        v.text16(cfg!(target_endian = "big")).map(|t| t.as_ptr() as *const c_void).unwrap_or(std::ptr::null())
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_text16le(v: *mut sqlite3_value) -> *const c_void {
    capi_boundary! {
        let v = handle!(v, Value, sqlite3_value);
        v.text16(false).map(|t| t.as_ptr() as *const c_void).unwrap_or(std::ptr::null())
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_text16be(v: *mut sqlite3_value) -> *const c_void {
    capi_boundary! {
        let v = handle!(v, Value, sqlite3_value);
        v.text16(true).map(|t| t.as_ptr() as *const c_void).unwrap_or(std::ptr::null())
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_blob(v: *mut sqlite3_value) -> *const c_void {
    capi_boundary! {
        let v = handle!(v, Value, sqlite3_value);
        match &v.v {
            Value::Blob(b) if b.is_empty() => std::ptr::null(),
            Value::Blob(b) => b.as_ptr() as *const c_void,
            _ => match v.text() {
                Some(t) if t.len() > 1 => t.as_ptr() as *const c_void,
                _ => std::ptr::null(),
            },
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_bytes(v: *mut sqlite3_value) -> c_int {
    capi_boundary! {
        let v = handle!(v, Value, sqlite3_value, else 0);
        match &v.v {
            Value::Blob(b) => b.len() as c_int,
            _ => v.text().map(|t| t.len() as c_int - 1).unwrap_or(0),
        }
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_bytes16(v: *mut sqlite3_value) -> c_int {
    capi_boundary! {
        let v = handle!(v, Value, sqlite3_value, else 0);
        v.text16(false).map(|t| (t.len() as c_int - 1) * 2).unwrap_or(0)
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_subtype(v: *mut sqlite3_value) -> c_uint {
    capi_boundary! { let v = handle!(v, Value, sqlite3_value, else 0); v.subtype }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_nochange(v: *mut sqlite3_value) -> c_int {
    capi_boundary! { let v = handle!(v, Value, sqlite3_value, else 0); v.nochange as c_int }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_frombind(v: *mut sqlite3_value) -> c_int {
    capi_boundary! { let v = handle!(v, Value, sqlite3_value, else 0); v.frombind as c_int }
}

/// Pointer values are not carried by the engine: always NULL (see COMPAT).
#[no_mangle]
pub extern "C" fn sqlite3_value_pointer(_v: *mut sqlite3_value, _ty: *const c_char) -> *mut c_void {
    std::ptr::null_mut()
}

#[no_mangle]
pub extern "C" fn sqlite3_value_dup(v: *const sqlite3_value) -> *mut sqlite3_value {
    capi_boundary! {
        let v = handle!(v, Value, sqlite3_value);
        let p = sqlite3_value::boxed(v.v.clone());
        // SAFETY: freshly boxed and registered.
        unsafe { (*p).subtype = v.subtype };
        p
    }
}

#[no_mangle]
pub extern "C" fn sqlite3_value_free(v: *mut sqlite3_value) {
    capi_boundary! { sqlite3_value::free(v) }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn conversions_follow_sqlite() {
        assert_eq!(text_to_i64(b"  -12abc"), -12);
        assert_eq!(text_to_i64(b"99999999999999999999"), i64::MAX);
        assert_eq!(text_to_f64(b"1e3xyz"), 1000.0);
        assert_eq!(text_to_f64(b".5"), 0.5);
        assert_eq!(text_to_f64(b"abc"), 0.0);
        assert_eq!(value_to_text(&Value::Real(1.0)), b"1.0");
        assert_eq!(value_to_text(&Value::Real(0.1)), b"0.1");
        assert_eq!(
            numeric_type(&Value::text(" 12 ")),
            crate::value::SQLITE_INTEGER
        );
        assert_eq!(
            numeric_type(&Value::text("3.0")),
            crate::value::SQLITE_FLOAT
        );
        assert_eq!(numeric_type(&Value::text("3x")), crate::value::SQLITE_TEXT);
    }
    #[test]
    fn value_handles_detect_free() {
        let p = sqlite3_value::boxed(Value::Integer(7));
        assert_eq!(sqlite3_value_int(p), 7);
        let t = sqlite3_value_text(p);
        assert!(!t.is_null());
        assert_eq!(sqlite3_value_bytes(p), 1);
        sqlite3_value_free(p);
        assert_eq!(sqlite3_value_type(p), crate::value::SQLITE_NULL);
        assert_eq!(sqlite3_value_int(p), 0);
    }
}
