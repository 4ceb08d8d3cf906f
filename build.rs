//! Build script: sets the soname, compiles the C varargs shim, and makes
//! `target/<profile>/lib/libsqlite3.so.0` (a link to the cdylib) for `LD_LIBRARY_PATH`.
use std::path::PathBuf;

fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libsqlite3.so.0");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/capi/varargs.c");
    cc::Build::new()
        .file("src/capi/varargs.c")
        .flag("-fvisibility=hidden")
        .warnings(true)
        .compile("epiloglite_varargs");

    // OUT_DIR is target/<profile>/build/<pkg>-<hash>/out: three levels up is target/<profile>.
    if let Some(profile_dir) = std::env::var_os("OUT_DIR")
        .map(PathBuf::from)
        .and_then(|p| p.ancestors().nth(3).map(|p| p.to_path_buf()))
    {
        let lib = profile_dir.join("lib");
        let _ = std::fs::create_dir_all(&lib);
        let link = lib.join("libsqlite3.so.0");
        let target = PathBuf::from("../libepiloglite.so");
        if std::fs::read_link(&link).ok().as_deref() != Some(target.as_path()) {
            let _ = std::fs::remove_file(&link);
            #[cfg(unix)]
            let _ = std::os::unix::fs::symlink(&target, &link);
        }
    }
}
