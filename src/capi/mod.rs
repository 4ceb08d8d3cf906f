//! The C ABI: every `sqlite3_*` export. The only `extern "C"` code. (capi agent)
