//! Replays every input saved under `fuzz/regressions/<target>/` (crashes found by
//! `scripts/fuzz.sh`, kept as regression tests, plus hand-made seeds) through the same bodies
//! the libFuzzer targets run (`fuzz/src/bodies.rs`), in the normal test run.

#[path = "../fuzz/src/bodies.rs"]
mod bodies;

fn replay(target: &str, body: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("regressions dir").flatten() {
        let path = entry.path();
        if path
            .file_name()
            .is_some_and(|f| f.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let data = std::fs::read(&path).expect("read input");
        let r = std::panic::catch_unwind(|| body(&data));
        assert!(r.is_ok(), "{target}: {} panics", path.display());
        n += 1;
    }
    println!("{target}: {n} inputs replayed");
    assert!(n > 0, "no inputs for {target}");
}

#[test]
fn record_inputs() {
    replay("record", bodies::record);
}

#[test]
fn btree_page_inputs() {
    replay("btree_page", bodies::btree_page);
}

#[test]
fn sql_inputs() {
    replay("sql", bodies::sql);
}

#[test]
fn api_sequence_inputs() {
    replay("api_sequence", bodies::api_sequence);
}
