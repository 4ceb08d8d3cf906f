//! Codec and key tests. The fixed vectors come from `gen_vectors.py` (OpenSSL through Python's
//! `cryptography`, an implementation independent of ours), so the format cannot drift.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;
use crate::error::codes::{SQLITE_CORRUPT, SQLITE_ERROR, SQLITE_MISUSE, SQLITE_NOTADB};

const P: usize = 512;

fn key() -> Key {
    let mut k = [0u8; 32];
    for (i, b) in k.iter_mut().enumerate() {
        *b = i as u8;
    }
    Key::from_bytes(k)
}

fn salt() -> [u8; 16] {
    let mut s = [0u8; 16];
    for (i, b) in s.iter_mut().enumerate() {
        *b = 0xA0 + i as u8;
    }
    s
}

fn nonce() -> [u8; 12] {
    let mut n = [0u8; 12];
    for (i, b) in n.iter_mut().enumerate() {
        *b = 0xC0 + i as u8;
    }
    n
}

/// Page 1 plaintext as `gen_vectors.py` builds it, for any page size.
fn plain_page1(page_size: usize) -> Vec<u8> {
    let mut p: Vec<u8> = (0..page_size).map(|i| ((i * 7 + 3) & 0xff) as u8).collect();
    p[..16].copy_from_slice(SQLITE_MAGIC);
    let ps = if page_size == 65536 {
        1u16
    } else {
        page_size as u16
    };
    p[16..18].copy_from_slice(&ps.to_be_bytes());
    p[18..24].copy_from_slice(&[1, 1, RESERVED as u8, 64, 32, 32]);
    p
}

fn plain_page(pgno: u32, page_size: usize) -> Vec<u8> {
    if pgno == 1 {
        return plain_page1(page_size);
    }
    (0..page_size)
        .map(|i| ((i * 13 + pgno as usize) & 0xff) as u8)
        .collect()
}

/// What decryption gives back: the plaintext with the reserved tail zeroed.
fn expected_plain(pt: &[u8]) -> Vec<u8> {
    let mut e = pt.to_vec();
    let n = e.len();
    e[n - RESERVED..].fill(0);
    e
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const VEC_PAGE1: &str = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf020001011c402020abfa9ea7b0b643827b330c5acdaae5425751ca0f0bdc5af679992a62580b023237040e07d575f0bf0b8785c12622887d7667d66ac5d38535b71f6f98adb16679665ef2bd6e48e930c13fa9a44b91d2529ea4435f31f32081b034953b997a2e868bd329c72162bed482810397c774bb7d61954ca7a03f5653e0d15174a52dfa32104632031ecd4f9f1318441f139976fe34db830764f94ea49e7dbfd28afc07b5674cf2104696d55ce30d7f4734c9d0dd654784f40954f574013089688989bb0647098ea658a2b8b5665f9569b63d019081d7bce81c34d1fd1157e2581787b141ebe6ed0ab06ec13e7ff54c49c91eb13a92b7c90d64939dc18eaee8addcefc62bf746ad214112604998358e9dace321607ee5fb68ce221da6e8fdd059fad3208f380dfd54d5221857cad64db58e1e401d62a8a9edc2aa5503df0bf824cada0419d113bb27af18f7cad2d9215c1b359439861d368d4c07db90484963119252a7778665121f883e7a3d56a7b9a24265e12061f4baa435ef26ebad7bebd6912f398c9c2d4a0ce7d26fee87caa6fa4dc1eacfbc10ace8515fcb1ac4114d505d56c75c5a1025fcf1df11f344263fda2ab490fc5cacf3259feaeb62814fb191931c14d06416b130cfd7bdb44d876c6ac0c1c2c3c4c5c6c7c8c9cacbe0863c71e2eaa03aea259ba14bc899a5";
const VEC_PAGE2: &str = "02473b4e413bc603f2ae7933ac0750939eac0fc63af13f9710841f6b5906f7231e392b6ea438b5fec25a7028c78f3decff1a53e3747e60d45ec2dad1ecfc13284f63d7549f45ec31c822dccd2abce78357598696805e45e0d9a920b218f7db17226e8cae502ffb954b5cf67e26598e6c68e849ae9112b3b2090c643de4608f63b9fb97eaef40ca1e9a8531767234c32ffd2646ce55d42bc5f7608adb8bf1f2a44e71d77937db901d2ad08aaed564654cec3a017db8f91095e8ed3c21c8c4ce576e34ab4fa9afbdb46f42e000d7103441482a7921ad99b49c78ca57d1960a44d0425b4863c123847fb628b9a02833842b9bcacc0455be78206773dde49da2b37a5efb08c8b09fe5c811a8fbf4cd4e94b1b7183ea1ff0f78c781e0e550fbded59e1130d83da46f5d16030bb85c6fb3f58cebd52c647307b0e236d64d6d8b977148f82e9ece5e15f2cbdbc454357a18a1e84fe0f344fdaabef121d4d69813df52e62fd8b776f9733f7c9f7a4c4ba348d4316889bfad04c2c30a44a6de9fd0624cdd3590efe5165fea6f0e57d3932c6c5f1e75ed69216072ae7bad0c78595c5b324d732d0095809254b28dfbca33cb19256dd5d176ac2e470e83689204d8d25161814d2b94d93edab8b5449a1903514e1689b0aede97b1b9caa20c3736ec55beebe4abda294bc0c1c2c3c4c5c6c7c8c9cacbf640ef2470dd3d848c03dcf2be1e3e64";
const VEC_ARGON2: &str = "a5c018c64ca4a709c5efa5b79d9a277befaee6d7fa15d98d82f337c8cfd20be1";

fn codec() -> PageCodec {
    PageCodec::new(&key(), salt())
}

fn encrypt_fixed(c: &PageCodec, pgno: u32) -> Vec<u8> {
    c.encrypt_page_with_nonce(pgno, P, &plain_page(pgno, P), &nonce())
        .unwrap()
}

#[test]
fn vector_page1_matches_independent_implementation() {
    assert_eq!(hex(&encrypt_fixed(&codec(), 1)), VEC_PAGE1);
}

#[test]
fn vector_page2_matches_independent_implementation() {
    assert_eq!(hex(&encrypt_fixed(&codec(), 2)), VEC_PAGE2);
}

#[test]
fn vectors_decrypt_to_the_plaintext() {
    let c = codec();
    for (pgno, v) in [(1u32, VEC_PAGE1), (2, VEC_PAGE2)] {
        let disk: Vec<u8> = (0..v.len() / 2)
            .map(|i| u8::from_str_radix(&v[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let mut out = vec![0xEEu8; P];
        c.decrypt_page(pgno, P, &disk, &mut out).unwrap();
        assert_eq!(out, expected_plain(&plain_page(pgno, P)), "page {pgno}");
    }
}

#[test]
fn page1_layout_on_disk() {
    let disk = codec().encrypt_page(1, P, &plain_page1(P)).unwrap();
    assert_eq!(&disk[..16], &salt(), "salt replaces the magic");
    assert_eq!(
        &disk[16..24],
        &plain_page1(P)[16..24],
        "header 16..24 in clear"
    );
    assert_eq!(disk[20] as usize, RESERVED);
    assert_eq!(salt_of(&disk).unwrap(), salt());
    assert!(!disk.windows(16).any(|w| w == SQLITE_MAGIC));
}

#[test]
fn fresh_nonce_every_write() {
    let c = codec();
    let pt = plain_page(5, P);
    let a = c.encrypt_page(5, P, &pt).unwrap();
    let b = c.encrypt_page(5, P, &pt).unwrap();
    assert_ne!(a[P - RESERVED..P - TAG_LEN], b[P - RESERVED..P - TAG_LEN]);
    assert_ne!(a[..P - RESERVED], b[..P - RESERVED]);
    let mut out = vec![0u8; P];
    c.decrypt_page(5, P, &a, &mut out).unwrap();
    c.decrypt_page(5, P, &b, &mut out).unwrap();
    assert_eq!(out, expected_plain(&pt));
}

#[test]
fn round_trip_all_page_sizes() {
    let c = codec();
    let mut ps = 512;
    while ps <= 65536 {
        for pgno in [1u32, 2, 3, 1000, u32::MAX] {
            let pt = plain_page(pgno, ps);
            let disk = c.encrypt_page(pgno, ps, &pt).unwrap();
            assert_eq!(disk.len(), ps);
            // No run of 16 plaintext bytes survives (the pattern repeats, so this is strong).
            let plain16: std::collections::HashSet<&[u8]> =
                pt[24..ps - RESERVED].windows(16).collect();
            assert!(!disk[24..ps - RESERVED]
                .windows(16)
                .any(|w| plain16.contains(w)));
            let mut out = vec![0u8; ps];
            c.decrypt_page(pgno, ps, &disk, &mut out).unwrap();
            assert_eq!(out, expected_plain(&pt), "page size {ps}, page {pgno}");
        }
        ps *= 2;
    }
}

#[test]
fn tamper_any_bit_is_detected() {
    // Flip every 7th bit of every byte position class over the whole page (page 1 and page 2):
    // nonce, tag, ciphertext, and page 1's clear salt and header.
    for pgno in [1u32, 2] {
        let c = codec();
        let good = c.encrypt_page(pgno, P, &plain_page(pgno, P)).unwrap();
        let mut out = vec![0u8; P];
        let mut flips = 0;
        for bit in (0..P * 8).step_by(7) {
            let mut bad = good.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            let fresh = codec(); // key not yet proven: page 1 failure reads as a wrong key
            let e = fresh.decrypt_page(pgno, P, &bad, &mut out).unwrap_err();
            let want = if pgno == 1 {
                SQLITE_NOTADB
            } else {
                SQLITE_CORRUPT
            };
            assert_eq!(e.code, want, "page {pgno} bit {bit}");
            assert!(out.iter().all(|&b| b == 0), "no unauthenticated output");
            // Once the key is proven, the same damage is corruption.
            c.decrypt_page(
                2,
                P,
                &c.encrypt_page(2, P, &plain_page(2, P)).unwrap(),
                &mut out,
            )
            .unwrap();
            let e = c.decrypt_page(pgno, P, &bad, &mut out).unwrap_err();
            assert_eq!(e.code, SQLITE_CORRUPT, "page {pgno} bit {bit} (key proven)");
            flips += 1;
        }
        assert!(flips > 500);
    }
}

#[test]
fn swapped_page_numbers_are_corrupt() {
    let c = codec();
    let d2 = c.encrypt_page(2, P, &plain_page(2, P)).unwrap();
    let d3 = c.encrypt_page(3, P, &plain_page(3, P)).unwrap();
    let mut out = vec![0u8; P];
    assert_eq!(
        c.decrypt_page(3, P, &d2, &mut out).unwrap_err().code,
        SQLITE_CORRUPT
    );
    assert_eq!(
        c.decrypt_page(2, P, &d3, &mut out).unwrap_err().code,
        SQLITE_CORRUPT
    );
    // A non-1 page presented as page 1 is rejected too (wrong key/file before any proof).
    assert_eq!(
        c.decrypt_page(1, P, &d2, &mut out).unwrap_err().code,
        SQLITE_NOTADB
    );
    // corrupt!(pgno) recorded the page that failed.
    assert_eq!(
        c.decrypt_page(3, P, &d2, &mut out).unwrap_err().code,
        SQLITE_CORRUPT
    );
    assert_eq!(
        crate::error::LAST_CORRUPTION.with(|l| l.get()).map(|l| l.2),
        Some(3)
    );
}

#[test]
fn page_from_another_salt_is_corrupt() {
    // Same key, different salt: only the AAD differs, which isolates the salt binding.
    let mut other_salt = salt();
    other_salt[0] ^= 1;
    let other = PageCodec::new(&key(), other_salt);
    let c = codec();
    let foreign = other.encrypt_page(2, P, &plain_page(2, P)).unwrap();
    let mut out = vec![0u8; P];
    assert_eq!(
        c.decrypt_page(2, P, &foreign, &mut out).unwrap_err().code,
        SQLITE_CORRUPT
    );
    let foreign1 = other.encrypt_page(1, P, &plain_page1(P)).unwrap();
    assert_eq!(
        c.decrypt_page(1, P, &foreign1, &mut out).unwrap_err().code,
        SQLITE_NOTADB
    );
}

#[test]
fn wrong_key_is_notadb() {
    let good = codec().encrypt_page(1, P, &plain_page1(P)).unwrap();
    let mut k = *key().as_bytes();
    k[31] ^= 0x80;
    let wrong = PageCodec::new(&Key::from_bytes(k), salt());
    let mut out = vec![0u8; P];
    let e = wrong.decrypt_page(1, P, &good, &mut out).unwrap_err();
    assert_eq!(e.code, SQLITE_NOTADB);
    assert_eq!(e.msg, "file is not a database");
    assert!(!wrong.key_proven());
    let right = codec();
    right.decrypt_page(1, P, &good, &mut out).unwrap();
    assert!(right.key_proven());
}

#[test]
fn page1_must_reserve_28_bytes_and_carry_the_header() {
    let c = codec();
    let mut pt = plain_page1(P);
    pt[20] = 0;
    assert_eq!(c.encrypt_page(1, P, &pt).unwrap_err().code, SQLITE_MISUSE);
    let mut pt = plain_page1(P);
    pt[0] = b's';
    assert_eq!(c.encrypt_page(1, P, &pt).unwrap_err().code, SQLITE_MISUSE);
    // Header says 512, caller says 1024.
    let mut pt = plain_page1(1024);
    pt[16..18].copy_from_slice(&512u16.to_be_bytes());
    assert_eq!(
        c.encrypt_page(1, 1024, &pt).unwrap_err().code,
        SQLITE_MISUSE
    );
}

#[test]
fn bad_geometry_is_an_error_not_a_panic() {
    let c = codec();
    let mut out = vec![0u8; P];
    for (pgno, ps, len) in [
        (0u32, P, P),
        (2, 500, 500),
        (2, 131072, 131072),
        (2, P, P - 1),
    ] {
        let pt = vec![0u8; len];
        assert_eq!(
            c.encrypt_page(pgno, ps, &pt).unwrap_err().code,
            SQLITE_MISUSE
        );
        let mut o = vec![0u8; len];
        assert_eq!(
            c.decrypt_page(pgno, ps, &pt, &mut o).unwrap_err().code,
            SQLITE_MISUSE
        );
    }
    let disk = c.encrypt_page(2, P, &plain_page(2, P)).unwrap();
    let mut short = vec![0u8; P - 1];
    assert!(c.decrypt_page(2, P, &disk, &mut short).is_err());
    c.decrypt_page(2, P, &disk, &mut out).unwrap();
}

#[test]
fn salt_of_rejects_plain_and_short_files() {
    assert_eq!(salt_of(&plain_page1(P)).unwrap_err().code, SQLITE_NOTADB);
    assert_eq!(salt_of(&[1, 2, 3]).unwrap_err().code, SQLITE_NOTADB);
    let a = new_salt().unwrap();
    let b = new_salt().unwrap();
    assert_ne!(a, b);
}

#[test]
fn parse_key_values() {
    assert!(KeySpec::parse(b"").unwrap().is_none());
    match KeySpec::parse(b"secret").unwrap().unwrap() {
        KeySpec::Passphrase(p) => assert_eq!(&p[..], b"secret"),
        KeySpec::Raw(_) => panic!("passphrase parsed as raw"),
    }
    let hexkey = "000102030405060708090a0B0C0D0E0F101112131415161718191a1b1c1d1e1f";
    for wrapped in [format!("x'{hexkey}'"), format!("X'{hexkey}'")] {
        match KeySpec::parse(wrapped.as_bytes()).unwrap().unwrap() {
            KeySpec::Raw(k) => assert_eq!(k, key()),
            KeySpec::Passphrase(_) => panic!("raw key parsed as passphrase"),
        }
    }
    match KeySpec::from_hex(hexkey.as_bytes()).unwrap() {
        KeySpec::Raw(k) => assert_eq!(k, key()),
        KeySpec::Passphrase(_) => panic!(),
    }
    // A raw key derives to itself, whatever the salt.
    let raw = KeySpec::parse(format!("x'{hexkey}'").as_bytes())
        .unwrap()
        .unwrap();
    assert_eq!(raw.derive(&[9; 16]).unwrap(), key());
    // Bad raw keys: wrong length, non-hex digit, empty.
    for bad in [
        format!("x'{}'", &hexkey[..62]),
        format!("x'{hexkey}00'"),
        format!("x'{}g'", &hexkey[..63]),
        "x''".to_string(),
    ] {
        let e = KeySpec::parse(bad.as_bytes()).unwrap_err();
        assert_eq!(e.code, SQLITE_ERROR, "{bad}");
    }
    assert_eq!(KeySpec::from_hex(b"zz").unwrap_err().code, SQLITE_ERROR);
    // Not of the x'…' form: passphrases.
    for p in ["x'abc", "xabc'", "'x'"] {
        assert!(matches!(
            KeySpec::parse(p.as_bytes()).unwrap().unwrap(),
            KeySpec::Passphrase(_)
        ));
    }
    // Debug never shows key bytes.
    assert_eq!(format!("{:?}", key()), "Key(<redacted>)");
    assert!(!format!("{:?}", KeySpec::parse(b"hunter2").unwrap()).contains("hunter2"));
}

#[test]
fn argon2id_matches_independent_implementation_and_timing() {
    let spec = KeySpec::parse(b"correct horse battery staple")
        .unwrap()
        .unwrap();
    let t = std::time::Instant::now();
    let k = spec.derive(&salt()).unwrap();
    let dt = t.elapsed();
    eprintln!("argon2id m=64MiB t=3 p=4 derivation took {dt:?}");
    assert_eq!(hex(k.as_bytes()), VEC_ARGON2);
    // The salt matters.
    let mut s2 = salt();
    s2[15] ^= 1;
    assert_ne!(spec.derive(&s2).unwrap(), k);
}

#[test]
fn key_schedules_are_zeroized_on_drop() {
    // Checked at compile time: this test does not build unless our Key implements
    // ZeroizeOnDrop. (ring's key schedule is overwritten by `Cipher::drop`, see codec.rs.)
    fn zod<T: zeroize::ZeroizeOnDrop>() {}
    zod::<Key>();
}

#[test]
fn random_bytes_never_decrypt_and_never_panic() {
    // xorshift: deterministic garbage, including page 1 images whose clear header is valid.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let c = codec();
    for ps in [512usize, 4096, 65536] {
        for round in 0..20 {
            let mut page: Vec<u8> = (0..ps).map(|_| next() as u8).collect();
            let pgno = (round % 3 + 1) as u32;
            if round % 2 == 0 {
                page[..16].copy_from_slice(&salt());
                page[16..24].copy_from_slice(&plain_page1(ps)[16..24]);
            }
            let mut out = vec![0xAAu8; ps];
            let e = c.decrypt_page(pgno, ps, &page, &mut out).unwrap_err();
            assert!(e.code == SQLITE_CORRUPT || e.code == SQLITE_NOTADB);
            assert!(out.iter().all(|&b| b == 0));
        }
    }
}

#[test]
fn random_keys_differ_and_work() {
    let a = Key::random().unwrap();
    let b = Key::random().unwrap();
    assert_ne!(a, b);
    assert_ne!(a.as_bytes(), &[0u8; 32]);
    let c = PageCodec::new(&a, new_salt().unwrap());
    let pt = plain_page(4, P);
    let disk = c.encrypt_page(4, P, &pt).unwrap();
    let mut out = vec![0u8; P];
    c.decrypt_page(4, P, &disk, &mut out).unwrap();
    assert_eq!(out, expected_plain(&pt));
    let other = PageCodec::new(&b, *c.salt());
    assert_eq!(
        other.decrypt_page(4, P, &disk, &mut out).unwrap_err().code,
        SQLITE_CORRUPT
    );
}
