//! Rough throughput numbers (ignored by default; run with
//! `cargo test --release --test btree_bench -- --ignored --nocapture`).
mod btree_common;
use btree_common::*;
use epiloglite::btree::record::encode_record;
use epiloglite::btree::BtCursor;
use epiloglite::Value;
use std::time::Instant;

#[test]
#[ignore]
fn bench_insert_scan_seek_delete() {
    let n = 300_000i64;
    let mut bt = mem_btree(4096);
    bt.begin_write(false).unwrap();
    let t = bt.create_tree(true).unwrap();
    let ix = bt.create_tree(false).unwrap();
    let mut c = BtCursor::new(t, true, None);
    let mut ci = BtCursor::new(ix, false, None);
    let recs: Vec<Vec<u8>> = (0..n)
        .map(|i| encode_record(&[Value::Integer(i), Value::text("some text value here")]))
        .collect();
    let t0 = Instant::now();
    for i in 0..n {
        c.insert(&mut bt, i + 1, &recs[i as usize]).unwrap();
    }
    let d_ins = t0.elapsed();
    let mut rng = Rng(1);
    let keys: Vec<Vec<u8>> = (0..n)
        .map(|i| encode_record(&[Value::Integer(rng.below(1 << 40) as i64), Value::Integer(i)]))
        .collect();
    let t0 = Instant::now();
    for k in &keys {
        ci.insert_index(&mut bt, k).unwrap();
    }
    let d_idx = t0.elapsed();
    let t0 = Instant::now();
    let mut ok = c.first(&mut bt).unwrap();
    let mut buf = Vec::new();
    let mut tot = 0usize;
    while ok {
        c.payload_into(&mut bt, &mut buf).unwrap();
        tot += buf.len();
        ok = c.next(&mut bt).unwrap();
    }
    let d_scan = t0.elapsed();
    let t0 = Instant::now();
    for _ in 0..n {
        c.seek_rowid(&mut bt, rng.below(n as u64) as i64 + 1)
            .unwrap();
    }
    let d_seek = t0.elapsed();
    let t0 = Instant::now();
    let mut ok = c.first(&mut bt).unwrap();
    while ok {
        c.delete(&mut bt).unwrap();
        ok = c.next(&mut bt).unwrap();
    }
    let d_del = t0.elapsed();
    println!(
        "n={n}: append {:?} ({:.0} ns/row), index insert {:?}, scan {:?} ({tot} bytes), seek {:?}, delete-all {:?}",
        d_ins,
        d_ins.as_nanos() as f64 / n as f64,
        d_idx,
        d_scan,
        d_seek,
        d_del
    );
}
