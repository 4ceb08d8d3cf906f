//! Variadic exports: Rust-owned symbols that jump into the C shim (`varargs.c`).
//!
//! A Rust cdylib exports only symbols Rust defines (rustc passes a version script), so the
//! exported `sqlite3_mprintf` & co. are `#[unsafe(naked)]` functions whose whole body is a
//! tail jump to the hidden C implementation: registers (including `%al` on x86_64) and the
//! stack arrive untouched, so the C side sees the caller's exact variadic call.
//! The `v`-variants (taking a `va_list`) are ordinary Rust exports: they hand the `va_list`
//! (passed as a pointer on x86_64 and aarch64 Linux) back to `epl_va_collect` in C, which
//! fetches the arguments, and format them with `func::printf` (the engine's printf, the only
//! one in the crate).
//!
//! Invariant: the C side walks no format. [`format_va`] asks `func::printf::arg_kinds` which C
//! type each argument has, `epl_va_fetch` fetches exactly those, and [`format_fetched`] turns
//! them into `PrintfArg`s (reading C strings, storing `%n` counts, freeing `%z` strings).

use super::boundary::capi_boundary;
use crate::func::printf::{self, ArgKind, PrintfArg};
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
    fn epl_va_fetch(ap: *mut c_void, out: *mut EplArg, n: c_int);
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

/// C type codes understood by `epl_va_fetch`.
const K_INT: c_int = 1;
const K_I64: c_int = 2;
const K_DBL: c_int = 3;
const K_PTR: c_int = 4;
const K_UINT: c_int = 5;

/// The fetch slots for a format: one per argument, `kind` set, value zero.
fn slots(fmt: &[u8]) -> (Vec<ArgKind>, Vec<EplArg>) {
    let kinds = printf::arg_kinds(fmt);
    let raw = kinds
        .iter()
        .map(|k| {
            let kind = match *k {
                ArgKind::Int {
                    long_level: 0,
                    signed: true,
                } => K_INT,
                ArgKind::Int {
                    long_level: 0,
                    signed: false,
                }
                | ArgKind::Char => K_UINT,
                ArgKind::Int { .. } => K_I64,
                ArgKind::Double => K_DBL,
                ArgKind::Str | ArgKind::DynStr | ArgKind::Ptr | ArgKind::Size => K_PTR,
            };
            EplArg { kind, pad: 0, u: 0 }
        })
        .collect();
    (kinds, raw)
}

/// Format `fmt` with arguments already fetched into `raw` (as [`slots`] laid them out).
/// `None` when the result is too big (SQLite's printf then yields NULL).
///
/// # Safety
/// Pointer arguments are what the conversions say (C strings for `%s %z %q %Q %w`, an `int*`
/// for `%n`, `%z` strings from `sqlite3_malloc`), as for C's printf.
unsafe fn format_fetched(fmt: &[u8], kinds: &[ArgKind], raw: &[EplArg]) -> Option<Vec<u8>> {
    let mut args: Vec<PrintfArg> = Vec::with_capacity(raw.len());
    for (k, a) in kinds.iter().zip(raw) {
        args.push(match *k {
            ArgKind::Double => PrintfArg::Double(f64::from_bits(a.u)),
            ArgKind::Str | ArgKind::DynStr => {
                let p = a.u as usize as *const c_char;
                if p.is_null() {
                    PrintfArg::Str(None)
                } else {
                    // SAFETY: string conversions take a NUL-terminated string (caller
                    // contract); it outlives this call.
                    PrintfArg::Str(Some(unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes()))
                }
            }
            ArgKind::Ptr | ArgKind::Size => PrintfArg::Ptr(a.u as usize),
            ArgKind::Int { .. } | ArgKind::Char => PrintfArg::Int(a.u as i64),
        });
    }
    let mut sizes = Vec::new();
    let out = printf::format_counting(fmt, &args, &mut sizes).ok();
    // Side effects in conversion order: `%n` stores the count, `%z` frees its string.
    let mut sizes = sizes.into_iter();
    for (k, a) in kinds.iter().zip(raw) {
        let p = a.u as usize as *mut c_void;
        match k {
            ArgKind::Size => {
                if let (Some(n), false) = (sizes.next(), p.is_null()) {
                    // SAFETY: `%n` takes an `int*` (printf contract, as in SQLite).
                    unsafe { *(p as *mut c_int) = n.min(i32::MAX as usize) as c_int };
                }
            }
            ArgKind::DynStr if !p.is_null() => {
                // SAFETY: `%z` hands over a string obtained from sqlite3_malloc, used no more.
                unsafe { super::mem::sqlite3_free(p) };
            }
            _ => {}
        }
    }
    out
}

/// Fetch the arguments of `fmt` from a `va_list` and format them (`None`: too big).
///
/// # Safety
/// `fmt` is a NUL-terminated string and `ap` a `va_list` holding what it asks for.
unsafe fn format_va(fmt: *const c_char, ap: *mut c_void) -> Option<Vec<u8>> {
    if fmt.is_null() {
        return Some(Vec::new());
    }
    // SAFETY: fmt is a valid C string (caller contract).
    let f = unsafe { std::ffi::CStr::from_ptr(fmt) }.to_bytes();
    let (kinds, mut raw) = slots(f);
    // SAFETY: `raw` has `raw.len()` entries with their kinds set; `ap` is the caller's
    // va_list holding (at least) those arguments.
    unsafe { epl_va_fetch(ap, raw.as_mut_ptr(), raw.len() as c_int) };
    // SAFETY: argument pointers are what the format says (printf contract).
    unsafe { format_fetched(f, &kinds, &raw) }
}

/// # Safety
/// C printf contract.
#[no_mangle]
pub unsafe extern "C" fn sqlite3_vmprintf(fmt: *const c_char, ap: *mut c_void) -> *mut c_char {
    capi_boundary! {
        if fmt.is_null() { return std::ptr::null_mut(); }
        // SAFETY: forwarded caller contract.
        match unsafe { format_va(fmt, ap) } {
            Some(s) => super::mem::malloc_cstring(&s),
            None => std::ptr::null_mut(),
        }
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
        let s = unsafe { format_va(fmt, ap) }.unwrap_or_default();
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
        match unsafe { format_va(fmt, ap) } {
            Some(out) => super::mem::str_append_bytes(s, &out),
            None => super::mem::str_set_toobig(s),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The C API's printf path (kinds → fetched slots → `func::printf`), without a `va_list`.
    use super::*;

    enum A {
        I(i64),
        D(f64),
        P(*const c_char),
    }
    use A::*;

    fn f(fmt: &str, a: &[A]) -> String {
        let (kinds, mut raw) = slots(fmt.as_bytes());
        for (slot, v) in raw.iter_mut().zip(a) {
            slot.u = match *v {
                I(i) if slot.kind == K_INT => i as i32 as i64 as u64,
                I(i) if slot.kind == K_UINT => i as u32 as u64,
                I(i) => i as u64,
                D(d) => d.to_bits(),
                P(p) => p as usize as u64,
            };
        }
        // SAFETY: the tests pass valid C strings for string conversions.
        let out = unsafe { format_fetched(fmt.as_bytes(), &kinds, &raw) };
        String::from_utf8(out.unwrap_or_default()).unwrap_or_default()
    }

    #[test]
    fn integers() {
        assert_eq!(
            f("%d|%5d|%-5d|%05d", &[I(42), I(42), I(42), I(-42)]),
            "42|   42|42   |-0042"
        );
        assert_eq!(f("%lld", &[I(i64::MIN)]), "-9223372036854775808");
        assert_eq!(
            f("%u %x %X %o", &[I(-1), I(255), I(255), I(8)]),
            "4294967295 ff FF 10"
        );
        assert_eq!(
            f("%#x %#o %+d % d", &[I(255), I(8), I(5), I(5)]),
            "0xff 010 +5  5"
        );
        assert_eq!(
            f("%,d %r %r %r", &[I(1234567), I(1), I(12), I(23)]),
            "1,234,567 1st 12th 23rd"
        );
        assert_eq!(f("%*d|%.*d", &[I(4), I(7), I(3), I(7)]), "   7|007");
        assert_eq!(f("100%% %", &[]), "100% %");
    }

    #[test]
    fn floats_match_sqlite() {
        // Expected values from SQLite 3.40.1's printf().
        assert_eq!(f("%f", &[D(3.14159)]), "3.141590");
        assert_eq!(f("%.2f", &[D(2.675)]), "2.68");
        assert_eq!(f("%e", &[D(12345.678)]), "1.234568e+04");
        assert_eq!(f("%g", &[D(0.0001)]), "0.0001");
        assert_eq!(f("%g", &[D(100000.0)]), "100000");
        assert_eq!(f("%g", &[D(1e6)]), "1e+06");
        assert_eq!(f("%!.15g", &[D(1.0)]), "1.0");
        assert_eq!(f("%!.15g", &[D(0.1)]), "0.1");
        assert_eq!(f("%!.15g", &[D(1e20)]), "1.0e+20");
        assert_eq!(f("%.20f", &[D(0.1)]), "0.10000000000000000000");
        assert_eq!(
            f("%8.3f|%-8.1e|%08.2f", &[D(-1.5), D(1.5), D(-1.5)]),
            "  -1.500|1.5e+00 |-0001.50"
        );
    }

    #[test]
    fn strings() {
        let s = c"it's";
        let p = s.as_ptr();
        assert_eq!(
            f("%s|%.2s|%5s|%-5s|", &[P(p), P(p), P(p), P(p)]),
            "it's|it| it's|it's |"
        );
        assert_eq!(
            f(
                "%q|%Q|%Q|%w",
                &[P(p), P(p), P(std::ptr::null()), P(c"a\"b".as_ptr())]
            ),
            "it''s|'it''s'|NULL|a\"\"b"
        );
        assert_eq!(
            f("%s|%q", &[P(std::ptr::null()), P(std::ptr::null())]),
            "|(NULL)"
        );
        assert_eq!(f("%c%c", &[I(65), I(0xe9)]), "Aé");
        assert_eq!(f("a%Tb", &[]), "a");
    }

    #[test]
    fn percent_n_stores_count_and_z_frees() {
        let mut n: c_int = -1;
        let out = f(
            "abc%n|%d",
            &[P(&mut n as *mut c_int as *const c_char), I(5)],
        );
        assert_eq!((out.as_str(), n), ("abc|5", 3));
        let z = super::super::mem::malloc_cstring(b"dyn");
        assert!(!z.is_null());
        assert_eq!(f("<%z>", &[P(z)]), "<dyn>");
    }
}
