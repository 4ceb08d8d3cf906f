//! Several threads, each with its own pager (connection) on one file, increment a counter in
//! a write transaction with busy retries; readers check consistency meanwhile. Exercises the
//! in-process lock table, PENDING, commit retry and cache invalidation together.

use epiloglite::pager::Pager;
use epiloglite::vfs::unix::default_vfs;
use epiloglite::vfs::OpenFlags;
use std::time::Duration;

fn open(path: &str) -> Pager {
    let mut p = Pager::open(
        default_vfs(),
        path,
        OpenFlags {
            create: true,
            ..Default::default()
        },
    )
    .unwrap();
    p.set_cache_size(10);
    // No fsync: this test is about locking, and must stay fast on a shared machine.
    p.set_synchronous(0);
    p
}

fn counter(b: &[u8]) -> u64 {
    u64::from_be_bytes(b[8..16].try_into().unwrap())
}

#[test]
fn threads_increment_a_counter_without_lost_updates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db").to_str().unwrap().to_string();
    {
        let mut p = open(&path);
        p.set_page_size(1024).unwrap();
        p.begin_write(false).unwrap();
        let b = p.write(1).unwrap();
        b[..16].copy_from_slice(b"SQLite format 3\0");
        b[16..18].copy_from_slice(&1024u16.to_be_bytes());
        b[18] = 1;
        b[19] = 1;
        b[21] = 64;
        b[22] = 32;
        b[23] = 32;
        for _ in 0..30 {
            p.allocate().unwrap();
        }
        p.commit().unwrap();
        p.end_read();
    }
    const WRITERS: u64 = 3;
    const N: u64 = 100;
    let mut hs = vec![];
    for t in 0..WRITERS {
        let path = path.clone();
        hs.push(std::thread::spawn(move || {
            let mut p = open(&path);
            for i in 0..N {
                loop {
                    match p.begin_write(false) {
                        Ok(()) => break,
                        Err(e) if e.is_busy() => {
                            p.end_read();
                            std::thread::sleep(Duration::from_micros(200));
                        }
                        Err(e) => panic!("{e:?}"),
                    }
                }
                let c = counter(p.read(2).unwrap());
                p.write(2).unwrap()[8..16].copy_from_slice(&(c + 1).to_be_bytes());
                // Touch more pages than the cache holds, so that spills happen too.
                for pg in 3..=30 {
                    p.write(pg).unwrap()[0] = (t * 100 + i) as u8;
                }
                loop {
                    match p.commit() {
                        Ok(()) => break,
                        Err(e) if e.is_busy() => std::thread::sleep(Duration::from_micros(200)),
                        Err(e) => panic!("{e:?}"),
                    }
                }
                p.end_read();
            }
        }));
    }
    let reader = {
        let path = path.clone();
        std::thread::spawn(move || {
            let mut p = open(&path);
            let mut last = 0;
            for _ in 0..200 {
                match p.begin_read() {
                    Ok(()) => {
                        let c = counter(p.read(2).unwrap());
                        assert!(c >= last, "counter went back: {c} < {last}");
                        last = c;
                        // All of pages 3..=30 come from one transaction.
                        let v = p.read(3).unwrap()[0];
                        for pg in 4..=30 {
                            assert_eq!(p.read(pg).unwrap()[0], v, "torn read");
                        }
                        p.end_read();
                    }
                    Err(e) if e.is_busy() => {}
                    Err(e) => panic!("{e:?}"),
                }
                std::thread::sleep(Duration::from_micros(300));
            }
        })
    };
    for h in hs {
        h.join().unwrap();
    }
    reader.join().unwrap();
    let mut p = open(&path);
    p.begin_read().unwrap();
    assert_eq!(counter(p.read(2).unwrap()), WRITERS * N);
    assert!(!std::path::Path::new(&format!("{path}-journal")).exists());
}
