//! On-disk format helpers: big-endian integers, SQLite varints, the database header and
//! b-tree page offsets, and the local-payload rule of `fileformat2.html` §1.6.
//!
//! ```text
//! Database header (page 1, bytes 0..100)          B-tree page (hdr at 100 on page 1, else 0)
//! off size                                        +0  u8   page type 2/5/10/13
//!   0  16  "SQLite format 3\0"                    +1  u16  first freeblock (0 = none)
//!  16   2  page size (1 = 65536)                  +3  u16  number of cells
//!  18   1  write version (1 legacy, 2 WAL)        +5  u16  cell content start (0 = 65536)
//!  19   1  read version                           +7  u8   fragmented free bytes
//!  20   1  reserved bytes per page                +8  u32  right child (interior only)
//!  21   1  max embedded payload fraction (64)     then: u16 cell pointer array
//!  22   1  min embedded payload fraction (32)     ... unallocated gap ...
//!  23   1  leaf payload fraction (32)             cell content area (cells, freeblocks)
//!  24   4  file change counter                    reserved bytes (usable_size..page_size)
//!  28   4  database size in pages
//!  32   4  first freelist trunk page          Cells:
//!  36   4  freelist page count                 table leaf 0x0d:  varint nPayload, varint rowid,
//!  40   4  schema cookie (meta 1)                                payload[local], [u32 ovfl]
//!  44   4  schema format (4)                   table interior 0x05: u32 child, varint rowid
//!  48   4  default cache size (meta 3)         index leaf 0x0a:  varint nPayload, payload[local],
//!  52   4  largest root page (autovacuum)                        [u32 ovfl]
//!  56   4  text encoding (1 = UTF-8)           index interior 0x02: u32 child + index leaf cell
//!  60   4  user_version                        Overflow page: u32 next, then usable-4 bytes.
//!  64   4  incremental vacuum                  Freelist trunk: u32 next trunk, u32 nLeaf,
//!  68   4  application id                                      u32 leaf[nLeaf]
//!  72  20  reserved (0)
//!  92   4  version-valid-for
//!  96   4  SQLITE_VERSION_NUMBER
//! ```
//!
//! Invariant: every on-disk integer of the b-tree layer is read and written through this
//! module (big-endian). Readers return `None` when the bytes run out; callers turn that into
//! `corrupt!(pgno)`.

pub const MAGIC: &[u8; 16] = b"SQLite format 3\0";
pub const HDR_PAGE_SIZE: usize = 16;
pub const HDR_WRITE_VERSION: usize = 18;
pub const HDR_READ_VERSION: usize = 19;
pub const HDR_RESERVED: usize = 20;
pub const HDR_MAX_FRAC: usize = 21;
pub const HDR_MIN_FRAC: usize = 22;
pub const HDR_LEAF_FRAC: usize = 23;
pub const HDR_CHANGE_COUNTER: usize = 24;
pub const HDR_DB_SIZE: usize = 28;
pub const HDR_FREELIST_TRUNK: usize = 32;
pub const HDR_FREELIST_COUNT: usize = 36;
pub const HDR_SCHEMA_FORMAT: usize = 44;
pub const HDR_TEXT_ENCODING: usize = 56;
pub const HDR_VERSION_VALID_FOR: usize = 92;
pub const HDR_VERSION_NUMBER: usize = 96;
/// Size of the database header at the start of page 1.
pub const DB_HEADER_SIZE: usize = 100;

pub const PTYPE_INDEX_INTERIOR: u8 = 0x02;
pub const PTYPE_TABLE_INTERIOR: u8 = 0x05;
pub const PTYPE_INDEX_LEAF: u8 = 0x0a;
pub const PTYPE_TABLE_LEAF: u8 = 0x0d;

/// Maximum b-tree depth (SQLite's BTCURSOR_MAX_DEPTH); deeper means corrupt.
pub const MAX_DEPTH: usize = 20;

/// Offset of the b-tree page header inside page `pgno`.
pub fn hdr_offset(pgno: u32) -> usize {
    if pgno == 1 {
        DB_HEADER_SIZE
    } else {
        0
    }
}

#[inline]
pub fn get_u16(b: &[u8], off: usize) -> Option<u16> {
    let s = b.get(off..off.checked_add(2)?)?;
    Some(u16::from_be_bytes([*s.first()?, *s.get(1)?]))
}

#[inline]
pub fn get_u32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Some(u32::from_be_bytes(a))
}

/// Write a big-endian u16; `false` if out of bounds.
pub fn put_u16(b: &mut [u8], off: usize, v: u16) -> bool {
    match b.get_mut(off..off + 2) {
        Some(s) => {
            s.copy_from_slice(&v.to_be_bytes());
            true
        }
        None => false,
    }
}

pub fn put_u32(b: &mut [u8], off: usize, v: u32) -> bool {
    match b.get_mut(off..off + 4) {
        Some(s) => {
            s.copy_from_slice(&v.to_be_bytes());
            true
        }
        None => false,
    }
}

/// Decode a SQLite varint (1–9 bytes). Returns the value and its length.
#[inline]
pub fn get_varint(b: &[u8]) -> Option<(u64, usize)> {
    // Fast paths: 1 and 2 bytes cover most keys, sizes and serial types.
    let c0 = *b.first()?;
    if c0 < 0x80 {
        return Some((u64::from(c0), 1));
    }
    let c1 = *b.get(1)?;
    if c1 < 0x80 {
        return Some(((u64::from(c0 & 0x7f) << 7) | u64::from(c1), 2));
    }
    if let Some(a) = b.first_chunk::<9>() {
        // Whole varint in bounds (the usual case inside a page): no per-byte checks, and
        // 9-byte varints (large rowids) cost a straight-line loop.
        let mut v: u64 = 0;
        for (i, &c) in a.iter().take(8).enumerate() {
            v = (v << 7) | u64::from(c & 0x7f);
            if c & 0x80 == 0 {
                return Some((v, i + 1));
            }
        }
        return Some(((v << 8) | u64::from(a[8]), 9));
    }
    let mut v: u64 = 0;
    for i in 0..8 {
        let c = *b.get(i)?;
        v = (v << 7) | u64::from(c & 0x7f);
        if c & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    let c = *b.get(8)?;
    Some(((v << 8) | u64::from(c), 9))
}

/// Length of the varint at the start of `b` without decoding it (SQLite's cellSizePtr skip
/// of the rowid): one 8-byte load finds the first byte with the high bit clear. `None`
/// if `b` ends first.
#[inline]
pub fn varint_skip(b: &[u8]) -> Option<usize> {
    if let Some(a) = b.first_chunk::<8>() {
        let stop = !u64::from_le_bytes(*a) & 0x8080_8080_8080_8080;
        let n = if stop == 0 {
            9
        } else {
            (stop.trailing_zeros() / 8) as usize + 1
        };
        return (n <= b.len()).then_some(n);
    }
    get_varint(b).map(|(_, n)| n)
}

/// Number of bytes `put_varint` uses for `v`.
pub fn varint_len(v: u64) -> usize {
    if v >> 56 != 0 {
        return 9;
    }
    let mut n = 1;
    let mut x = v >> 7;
    while x != 0 {
        n += 1;
        x >>= 7;
    }
    n
}

/// Append the varint encoding of `v`.
pub fn put_varint(out: &mut Vec<u8>, v: u64) {
    if v >> 56 != 0 {
        let mut buf = [0u8; 9];
        buf[8] = v as u8;
        let mut x = v >> 8;
        for b in buf[..8].iter_mut().rev() {
            *b = (x & 0x7f) as u8 | 0x80;
            x >>= 7;
        }
        out.extend_from_slice(&buf);
        return;
    }
    let n = varint_len(v);
    for i in (0..n).rev() {
        let byte = ((v >> (7 * i)) & 0x7f) as u8;
        out.push(if i == 0 { byte } else { byte | 0x80 });
    }
}

/// Largest payload stored entirely on a b-tree page (X in fileformat2 §1.6).
pub fn max_local(usable: usize, table_leaf: bool) -> usize {
    if table_leaf {
        usable - 35
    } else {
        (usable - 12) * 64 / 255 - 23
    }
}

/// M in fileformat2 §1.6 (same for all page types).
pub fn min_local(usable: usize) -> usize {
    (usable - 12) * 32 / 255 - 23
}

/// Bytes of a payload of `payload` bytes kept on the page (the rest goes to overflow pages).
pub fn local_size(payload: u64, usable: usize, table_leaf: bool) -> usize {
    let x = max_local(usable, table_leaf);
    if payload <= x as u64 {
        return payload as usize;
    }
    let m = min_local(usable) as u64;
    let k = m + (payload - m) % (usable as u64 - 4);
    if k <= x as u64 {
        k as usize
    } else {
        m as usize
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    /// `varint_skip` agrees with `get_varint` on every length, with and without bytes
    /// following, and refuses a varint cut short.
    #[test]
    fn varint_skip_matches_decode() {
        for shift in 0..64 {
            for v in [1u64 << shift, (1u64 << shift) - 1, u64::MAX >> (63 - shift)] {
                let mut b = Vec::new();
                super::put_varint(&mut b, v);
                let n = b.len();
                for tail in [0usize, 1, 8] {
                    let mut t = b.clone();
                    t.extend(std::iter::repeat(0xffu8).take(tail));
                    assert_eq!(super::varint_skip(&t), Some(n), "v {v} tail {tail}");
                    assert_eq!(super::get_varint(&t), Some((v, n)));
                }
                assert_eq!(super::varint_skip(&b[..n - 1]), None, "v {v} cut");
            }
        }
    }

    use super::*;

    #[test]
    fn varint_round_trip_and_lengths() {
        let cases: [(u64, usize); 12] = [
            (0, 1),
            (127, 1),
            (128, 2),
            (16383, 2),
            (16384, 3),
            (2097151, 3),
            (2097152, 4),
            ((1 << 56) - 1, 8),
            (1 << 56, 9),
            (u64::MAX, 9),
            (i64::MIN as u64, 9),
            (0x0123_4567_89ab_cdef, 9),
        ];
        for (v, n) in cases {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(out.len(), n, "len of {v:#x}");
            assert_eq!(varint_len(v), n);
            assert_eq!(get_varint(&out), Some((v, n)), "{v:#x}");
            assert_eq!(get_varint(&out[..n - 1]), None);
        }
        // 9th byte carries 8 bits.
        assert_eq!(get_varint(&[0xff; 9]), Some((u64::MAX, 9)));
        assert_eq!(get_varint(&[0x81, 0x00]), Some((128, 2)));
    }

    #[test]
    fn local_payload_rule() {
        // usable 4096: table leaf X = 4061, index X = 1002, M = 489.
        assert_eq!(max_local(4096, true), 4061);
        assert_eq!(max_local(4096, false), 1002);
        assert_eq!(min_local(4096), 489);
        assert_eq!(local_size(4061, 4096, true), 4061);
        // P = 4062: K = 489 + (4062-489) % 4092 = 4062 > X -> M
        assert_eq!(local_size(4062, 4096, true), 489);
        // P = 5000: K = 489 + 4511 % 4092 = 908 <= X -> K
        assert_eq!(local_size(5000, 4096, true), 908);
        // index P = 1003: K = 489 + 514 % 4092 = 1003 > 1002 -> M
        assert_eq!(local_size(1003, 4096, false), 489);
        // index P = 5000: K = 908 <= 1002 -> K
        assert_eq!(local_size(5000, 4096, false), 908);
        // 512-byte pages: table leaf X = 477
        assert_eq!(max_local(512, true), 477);
        assert_eq!(min_local(512), 39);
    }
}
