//! The VM's own record codec (SQLite's record format, `fileformat2.html` §2.1), used for
//! `MakeRecord`, `Column` and the in-memory sorters/ephemeral tables.
//!
//! Invariants: decoding never panics on any byte string; a malformed record yields
//! `SQLITE_CORRUPT` via `corrupt!`. Encoding uses serial types 8/9 for 0/1 (format 4) and the
//! smallest integer width, as SQLite does, so records are byte-identical to SQLite's.

use crate::error::Result;
use crate::value::Value;

pub fn put_varint(out: &mut Vec<u8>, v: u64) {
    if v <= 0x7f {
        out.push(v as u8);
        return;
    }
    if v > 0x00ff_ffff_ffff_ffff {
        let mut buf = [0u8; 9];
        buf[8] = v as u8;
        let mut x = v >> 8;
        for k in (0..8).rev() {
            buf[k] = ((x & 0x7f) as u8) | 0x80;
            x >>= 7;
        }
        out.extend_from_slice(&buf);
        return;
    }
    let mut tmp = [0u8; 9];
    let mut n = 0;
    let mut x = v;
    while x != 0 {
        tmp[n] = ((x & 0x7f) as u8) | 0x80;
        x >>= 7;
        n += 1;
    }
    tmp[0] &= 0x7f;
    for k in (0..n).rev() {
        out.push(tmp[k]);
    }
}

/// Returns (value, bytes used) or `None` if the buffer ends inside the varint. The b-tree's
/// varint reader (one implementation, with 1- and 2-byte fast paths).
#[inline]
pub fn get_varint(b: &[u8]) -> Option<(u64, usize)> {
    crate::btree::format::get_varint(b)
}

pub fn varint_len(v: u64) -> usize {
    // No allocation: 7 bits per byte, the 9th byte carries 8 (as `put_varint`).
    if v > 0x00ff_ffff_ffff_ffff {
        return 9;
    }
    let bits = 64 - v.leading_zeros() as usize;
    bits.div_ceil(7).max(1)
}

fn serial_type(v: &Value) -> (u64, usize) {
    match v {
        Value::Null => (0, 0),
        Value::Integer(i) => {
            let i = *i;
            if i == 0 {
                (8, 0)
            } else if i == 1 {
                (9, 0)
            } else if (-128..=127).contains(&i) {
                (1, 1)
            } else if (-32768..=32767).contains(&i) {
                (2, 2)
            } else if (-8388608..=8388607).contains(&i) {
                (3, 3)
            } else if (-2147483648..=2147483647).contains(&i) {
                (4, 4)
            } else if (-140737488355328..=140737488355327).contains(&i) {
                (5, 6)
            } else {
                (6, 8)
            }
        }
        Value::Real(_) => (7, 8),
        Value::Text(t) => (13 + 2 * t.len() as u64, t.len()),
        Value::Blob(b) => (12 + 2 * b.len() as u64, b.len()),
    }
}

/// Encode values as a record, appending to `out` (cleared first).
pub fn encode_into(vals: &[Value], out: &mut Vec<u8>) {
    out.clear();
    let mut hdr_len = 0usize;
    let mut body_len = 0usize;
    for v in vals {
        let (st, n) = serial_type(v);
        hdr_len += varint_len(st);
        body_len += n;
    }
    // The header length counts itself.
    let mut total_hdr = hdr_len + 1;
    if varint_len(total_hdr as u64) > 1 {
        total_hdr = hdr_len + varint_len((hdr_len + 2) as u64);
    }
    out.reserve(total_hdr + body_len);
    put_varint(out, total_hdr as u64);
    for v in vals {
        put_varint(out, serial_type(v).0);
    }
    for v in vals {
        match v {
            Value::Null => {}
            Value::Integer(i) => {
                let (_, n) = serial_type(v);
                let be = i.to_be_bytes();
                out.extend_from_slice(&be[8 - n..]);
            }
            Value::Real(r) => out.extend_from_slice(&r.to_bits().to_be_bytes()),
            Value::Text(t) | Value::Blob(t) => out.extend_from_slice(t),
        }
    }
}

pub fn encode(vals: &[Value]) -> Vec<u8> {
    let mut v = Vec::new();
    encode_into(vals, &mut v);
    v
}

/// Parsed record header: serial type and body offset of each column.
#[derive(Default, Clone, Debug)]
pub struct Header {
    pub cols: Vec<(u64, usize)>,
}

impl Header {
    /// Parse the header of `rec` into `self` (reusing the allocation).
    pub fn parse(&mut self, rec: &[u8]) -> Result<()> {
        self.cols.clear();
        if rec.is_empty() {
            return Ok(());
        }
        let (hlen, mut p) = get_varint(rec).ok_or_else(|| crate::corrupt!())?;
        let hlen = hlen as usize;
        if hlen > rec.len() || hlen < p {
            return Err(crate::corrupt!());
        }
        let mut off = hlen;
        let hdr = rec.get(..hlen).ok_or_else(|| crate::corrupt!())?;
        while p < hlen {
            // Serial types below 0x80 (NULL, numbers, strings up to 57 bytes) are one byte.
            let (st, n) = match hdr.get(p) {
                Some(&c) if c < 0x80 => (u64::from(c), 1),
                _ => get_varint(hdr.get(p..).unwrap_or(&[])).ok_or_else(|| crate::corrupt!())?,
            };
            p += n;
            self.cols.push((st, off));
            off = off.saturating_add(serial_len(st));
        }
        if off > rec.len() {
            return Err(crate::corrupt!());
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.cols.len()
    }
    pub fn is_empty(&self) -> bool {
        self.cols.is_empty()
    }

    /// Decode column `i` of `rec` (which this header was parsed from); `None` if absent.
    pub fn column(&self, rec: &[u8], i: usize) -> Result<Option<Value>> {
        match self.cols.get(i) {
            None => Ok(None),
            Some(&(st, off)) => decode_value(rec, st, off).map(Some),
        }
    }
}

impl Header {
    /// Like [`column`](Self::column), decoding into `out` and reusing its text/blob buffer
    /// (no allocation per row once the register has grown). `false` if the column is absent.
    pub fn column_into(&self, rec: &[u8], i: usize, out: &mut Value) -> Result<bool> {
        let Some(&(st, off)) = self.cols.get(i) else {
            return Ok(false);
        };
        if st >= 12 {
            let n = serial_len(st);
            let b = rec
                .get(off..off.saturating_add(n))
                .ok_or_else(|| crate::corrupt!())?;
            let mut buf = match std::mem::take(out) {
                Value::Text(v) | Value::Blob(v) => v,
                _ => Vec::new(),
            };
            buf.clear();
            buf.extend_from_slice(b);
            *out = if st % 2 == 0 {
                Value::Blob(buf)
            } else {
                Value::Text(buf)
            };
            return Ok(true);
        }
        *out = decode_value(rec, st, off)?;
        Ok(true)
    }
}

pub fn serial_len(st: u64) -> usize {
    match st {
        0 | 8 | 9 | 10 | 11 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        4 => 4,
        5 => 6,
        6 | 7 => 8,
        n => ((n - 12) / 2) as usize,
    }
}

fn decode_value(rec: &[u8], st: u64, off: usize) -> Result<Value> {
    let n = serial_len(st);
    let b = rec
        .get(off..off.saturating_add(n))
        .ok_or_else(|| crate::corrupt!())?;
    Ok(match st {
        0 | 10 | 11 => Value::Null,
        1..=6 => {
            let mut v: i64 = if b.first().is_some_and(|c| c & 0x80 != 0) {
                -1
            } else {
                0
            };
            for c in b {
                v = (v << 8) | *c as i64;
            }
            Value::Integer(v)
        }
        7 => {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            let r = f64::from_bits(u64::from_be_bytes(a));
            if r.is_nan() {
                Value::Null
            } else {
                Value::Real(r)
            }
        }
        8 => Value::Integer(0),
        9 => Value::Integer(1),
        n if n % 2 == 0 => Value::Blob(b.to_vec()),
        _ => Value::Text(b.to_vec()),
    })
}

/// Decode a whole record into `out` (cleared first).
pub fn decode_into(rec: &[u8], out: &mut Vec<Value>) -> Result<()> {
    out.clear();
    let mut h = Header::default();
    h.parse(rec)?;
    for &(st, off) in &h.cols {
        out.push(decode_value(rec, st, off)?);
    }
    Ok(())
}

pub fn decode(rec: &[u8]) -> Result<Vec<Value>> {
    let mut v = Vec::new();
    decode_into(rec, &mut v)?;
    Ok(v)
}

#[cfg(test)]
mod varint_len_tests {
    #[test]
    fn varint_len_matches_put_varint() {
        let mut vals: Vec<u64> = vec![0, 1, 0x7f, 0x80, 0x3fff, 0x4000, u64::MAX];
        for s in 0..64 {
            vals.push(1u64 << s);
            vals.push((1u64 << s) - 1);
            vals.push((1u64 << s) + 1);
        }
        for v in vals {
            let mut b = Vec::new();
            super::put_varint(&mut b, v);
            assert_eq!(super::varint_len(v), b.len(), "v={v:#x}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_roundtrip_and_sqlite_bytes() {
        // sqlite3: SELECT hex(...) is not available for records; this is the documented
        // layout: header len 4, types 8 (0), 9 (1), 0x17 (text len 5), then "hello".
        let r = encode(&[Value::Integer(0), Value::Integer(1), Value::text("hello")]);
        assert_eq!(r, b"\x04\x08\x09\x17hello");
        let vals = vec![
            Value::Null,
            Value::Integer(-1),
            Value::Integer(300),
            Value::Integer(-8388608),
            Value::Integer(1 << 40),
            Value::Integer(i64::MIN),
            Value::Real(2.5),
            Value::Blob(vec![1, 2, 3]),
            Value::Text(vec![b'x'; 200]),
        ];
        let enc = encode(&vals);
        let dec = decode(&enc).unwrap();
        assert_eq!(dec.len(), vals.len());
        for (a, b) in vals.iter().zip(dec.iter()) {
            assert_eq!(a.cmp_binary(b), std::cmp::Ordering::Equal, "{a:?} {b:?}");
            assert_eq!(a.type_code(), b.type_code());
        }
        for v in [0u64, 127, 128, 16383, 16384, u32::MAX as u64, u64::MAX] {
            let mut b = Vec::new();
            put_varint(&mut b, v);
            assert_eq!(get_varint(&b), Some((v, b.len())));
        }
    }

    #[test]
    fn malformed_records_are_corrupt_not_panics() {
        for bad in [&b"\x05\x01"[..], b"\x02\x0f", b"\x81", b"\x03\x06\x06\x01"] {
            let r = decode(bad);
            assert!(r.is_err(), "{bad:?}");
        }
        // Header claims a text column of 100 bytes with no body.
        assert!(decode(b"\x03\xcd\x01").is_err());
    }
}
