//! Variadic exports: Rust-owned symbols that jump into the C shim (`varargs.c`).
//!
//! A Rust cdylib exports only symbols Rust defines (rustc passes a version script), so the
//! exported `sqlite3_mprintf` & co. are `#[unsafe(naked)]` functions whose whole body is a
//! tail jump to the hidden C implementation: registers (including `%al` on x86_64) and the
//! stack arrive untouched, so the C side sees the caller's exact variadic call.
//! The `v`-variants (taking a `va_list`) are ordinary Rust exports: they hand the `va_list`
//! (passed as a pointer on x86_64 and aarch64 Linux) back to `epl_va_collect` in C, which
//! fetches the arguments, and format them with [`super::printf`].

use super::boundary::capi_boundary;
use super::printf::{self, Arg};
use std::os::raw::{c_char, c_int, c_void};

#[repr(C)]
#[derive(Clone, Copy)]
struct EplArg {
    kind: c_int,
    pad: c_int,
    u: u64,
}

#[repr(C)]
struct EplVtable {
    config: extern "C" fn(c_int, i64, i64, i64) -> c_int,
    db_config: extern "C" fn(*mut super::db::sqlite3, c_int, i64, i64, i64) -> c_int,
    log: extern "C" fn(c_int, *const c_char),
    log_enabled: extern "C" fn() -> c_int,
}

static VTABLE: EplVtable = EplVtable {
    config: super::config::config_impl,
    db_config: super::config::db_config_impl,
    log: log_sink,
    log_enabled: log_enabled,
};

extern "C" fn log_sink(code: c_int, msg: *const c_char) {
    capi_boundary! {
        if msg.is_null() { return; }
        // SAFETY: the shim passes a NUL-terminated string it formatted.
        let s = unsafe { std::ffi::CStr::from_ptr(msg) }.to_string_lossy();
        super::boundary::log_message(code, &s);
    }
}

extern "C" fn log_enabled() -> c_int {
    super::boundary::logger_enabled() as c_int
}

extern "C" {
    fn epl_register(vt: *const EplVtable);
    fn epl_format_arg_bound(fmt: *const c_char) -> c_int;
    fn epl_va_collect(fmt: *const c_char, ap: *mut c_void, out: *mut EplArg, cap: c_int) -> c_int;
    fn epl_mprintf(fmt: *const c_char, ...) -> *mut c_char;
    fn epl_snprintf(n: c_int, buf: *mut c_char, fmt: *const c_char, ...) -> *mut c_char;
    fn epl_str_appendf(s: *mut c_void, fmt: *const c_char, ...);
    fn epl_log(code: c_int, fmt: *const c_char, ...);
    fn epl_config(op: c_int, ...) -> c_int;
    fn epl_db_config(db: *mut c_void, op: c_int, ...) -> c_int;
    fn epl_vtab_config(db: *mut c_void, op: c_int, ...) -> c_int;
    fn epl_test_control(op: c_int, ...) -> c_int;
}

/// Give the C shim its table of Rust callbacks.
pub fn register_with_shim() {
    // SAFETY: VTABLE is a static that lives for the whole process.
    unsafe { epl_register(&VTABLE) };
}

extern "C" fn init_shim() {
    register_with_shim();
}

/// ELF constructor: runs when the library is loaded (or `dlopen`ed), before any export.
#[used]
#[link_section = ".init_array"]
static INIT_SHIM: extern "C" fn() = init_shim;

macro_rules! trampoline {
    ($name:ident => $target:ident) => {
        /// Variadic export (see the module comment): jumps to the C shim.
        #[unsafe(naked)]
        #[no_mangle]
        pub unsafe extern "C" fn $name() {
            #[cfg(target_arch = "x86_64")]
            core::arch::naked_asm!("jmp {0}", sym $target);
            #[cfg(target_arch = "aarch64")]
            core::arch::naked_asm!("b {0}", sym $target);
        }
    };
}

trampoline!(sqlite3_mprintf => epl_mprintf);
trampoline!(sqlite3_snprintf => epl_snprintf);
trampoline!(sqlite3_str_appendf => epl_str_appendf);
trampoline!(sqlite3_log => epl_log);
trampoline!(sqlite3_config => epl_config);
trampoline!(sqlite3_db_config => epl_db_config);
trampoline!(sqlite3_vtab_config => epl_vtab_config);
trampoline!(sqlite3_test_control => epl_test_control);

/// Fetch the arguments of `fmt` from a `va_list` and format them.
///
/// # Safety
/// `fmt` is a NUL-terminated string and `ap` a `va_list` holding what it asks for.
unsafe fn format_va(fmt: *const c_char, ap: *mut c_void) -> Vec<u8> {
    let mut out = Vec::new();
    if fmt.is_null() {
        return out;
    }
    // SAFETY: fmt is a valid C string (caller contract).
    let cap = unsafe { epl_format_arg_bound(fmt) }.max(0) as usize;
    let mut raw = vec![
        EplArg {
            kind: 0,
            pad: 0,
            u: 0
        };
        cap
    ];
    // SAFETY: `raw` has room for `cap` entries; `ap` is the caller's va_list.
    let n = unsafe { epl_va_collect(fmt, ap, raw.as_mut_ptr(), cap as c_int) }.max(0) as usize;
    let args: Vec<Arg> = raw
        .iter()
        .take(n)
        .map(|a| match a.kind {
            1 => Arg::Int(a.u as i64),
            2 => Arg::Int64(a.u as i64),
            3 => Arg::Double(f64::from_bits(a.u)),
            _ => Arg::Ptr(a.u as usize as *const c_char),
        })
        .collect();
    // SAFETY: fmt is a valid C string; args were fetched per the same grammar.
    let f = unsafe { std::ffi::CStr::from_ptr(fmt) }.to_bytes();
    // SAFETY: argument pointers are what the format says (printf contract).
    unsafe { printf::format(&mut out, f, &args) };
    out
}

/// # Safety
/// C printf contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_vmprintf(fmt: *const c_char, ap: *mut c_void) -> *mut c_char {
    capi_boundary! {
        if fmt.is_null() { return std::ptr::null_mut(); }
        // SAFETY: forwarded caller contract.
        let s = unsafe { format_va(fmt, ap) };
        super::mem::malloc_cstring(&s)
    }
}

/// # Safety
/// C printf contract; `buf` has room for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_vsnprintf(
    n: c_int,
    buf: *mut c_char,
    fmt: *const c_char,
    ap: *mut c_void,
) -> *mut c_char {
    capi_boundary! {
        if n <= 0 || buf.is_null() { return buf; }
        if fmt.is_null() {
            // SAFETY: buf has room for at least 1 byte (n > 0).
            unsafe { *buf = 0 };
            return buf;
        }
        // SAFETY: forwarded caller contract.
        let s = unsafe { format_va(fmt, ap) };
        let k = s.len().min(n as usize - 1);
        // SAFETY: k + 1 <= n bytes are written into the caller's buffer of n bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), buf as *mut u8, k);
            *buf.add(k) = 0;
        }
        buf
    }
}

/// # Safety
/// C printf contract; `s` from `sqlite3_str_new`.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_str_vappendf(
    s: *mut super::mem::sqlite3_str,
    fmt: *const c_char,
    ap: *mut c_void,
) {
    capi_boundary! {
        if fmt.is_null() { return; }
        // SAFETY: forwarded caller contract.
        let out = unsafe { format_va(fmt, ap) };
        super::mem::str_append_bytes(s, &out);
    }
}
