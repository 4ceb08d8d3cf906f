//! SQLite's record format: a header (varint header size, then one varint serial type per
//! column) followed by the column values.
//!
//! Serial types: 0 NULL, 1–6 big-endian two's-complement integers of 1,2,3,4,6,8 bytes,
//! 7 IEEE-754 double (big-endian), 8 integer 0, 9 integer 1, 10/11 reserved (corrupt),
//! N ≥ 12 even: BLOB of (N-12)/2 bytes, N ≥ 13 odd: TEXT of (N-13)/2 bytes.
//!
//! Invariants: `encode_record` always uses the smallest integer serial type (8/9 for 0/1,
//! schema format 4); decoding never panics on malformed input (it returns
//! `SQLITE_CORRUPT`), and a reader never reads outside the record slice.

use super::format::{get_varint, put_varint, varint_len};
use super::KeyInfo;
use crate::error::Result;
use crate::value::{int_real_cmp, Value};
use std::cmp::Ordering;

/// Byte length of the body of a value of serial type `t` (`None` for the reserved 10/11).
pub fn serial_size(t: u64) -> Option<usize> {
    Some(match t {
        0 | 8 | 9 => 0,
        1 => 1,
        2 => 2,
        3 => 3,
        4 => 4,
        5 => 6,
        6 | 7 => 8,
        10 | 11 => return None,
        n => usize::try_from((n - 12) / 2).ok()?,
    })
}

/// Serial type of an integer in its smallest form.
fn int_serial(i: i64) -> u64 {
    if i == 0 {
        return 8;
    }
    if i == 1 {
        return 9;
    }
    let u = if i < 0 { !(i as u64) } else { i as u64 };
    if u <= 127 {
        1
    } else if u <= 32767 {
        2
    } else if u <= 8_388_607 {
        3
    } else if u <= 2_147_483_647 {
        4
    } else if u <= 0x7fff_ffff_ffff {
        5
    } else {
        6
    }
}

/// Serial type SQLite uses for a value.
pub fn serial_type(v: &Value) -> u64 {
    match v {
        Value::Null => 0,
        Value::Integer(i) => int_serial(*i),
        Value::Real(_) => 7,
        Value::Text(t) => 13 + 2 * t.len() as u64,
        Value::Blob(b) => 12 + 2 * b.len() as u64,
    }
}

/// Encode values as a record.
pub fn encode_record(vals: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_record_into(vals, &mut out);
    out
}

/// Encode values as a record into `out` (cleared first), reusing its allocation.
pub fn encode_record_into(vals: &[Value], out: &mut Vec<u8>) {
    out.clear();
    let mut nhdr = 0usize;
    let mut nbody = 0usize;
    for v in vals {
        let t = serial_type(v);
        nhdr += varint_len(t);
        nbody += serial_size(t).unwrap_or(0);
    }
    // The header size counts its own varint.
    let mut hlen = nhdr + 1;
    while nhdr + varint_len(hlen as u64) > hlen {
        hlen = nhdr + varint_len(hlen as u64);
    }
    out.reserve(hlen + nbody);
    put_varint(out, hlen as u64);
    for v in vals {
        put_varint(out, serial_type(v));
    }
    for v in vals {
        match v {
            Value::Null => {}
            Value::Integer(i) => {
                let n = serial_size(int_serial(*i)).unwrap_or(0);
                let b = i.to_be_bytes();
                out.extend_from_slice(b.get(8 - n..).unwrap_or(&b));
            }
            Value::Real(r) => out.extend_from_slice(&r.to_bits().to_be_bytes()),
            Value::Text(t) => out.extend_from_slice(t),
            Value::Blob(b) => out.extend_from_slice(b),
        }
    }
}

/// A value borrowed from a record (no allocation).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

impl ValueRef<'_> {
    pub fn to_value(&self) -> Value {
        match *self {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(t) => Value::Text(t.to_vec()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            ValueRef::Null => 0,
            ValueRef::Integer(_) | ValueRef::Real(_) => 1,
            ValueRef::Text(_) => 2,
            ValueRef::Blob(_) => 3,
        }
    }

    /// Compare with an owned value (SQLite's cross-class order; text through `coll`).
    pub fn cmp_value(&self, v: &Value, coll: Option<&super::Collation>) -> Ordering {
        self.cmp_ref(&v.key_ref(), coll)
    }

    /// Compare two borrowed values (SQLite's cross-class order; text through `coll`).
    pub fn cmp_ref(&self, v: &ValueRef<'_>, coll: Option<&super::Collation>) -> Ordering {
        match (self, v) {
            (ValueRef::Integer(a), ValueRef::Integer(b)) => a.cmp(b),
            (ValueRef::Real(a), ValueRef::Real(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (ValueRef::Integer(a), ValueRef::Real(b)) => int_real_cmp(*a, *b),
            (ValueRef::Real(a), ValueRef::Integer(b)) => int_real_cmp(*b, *a).reverse(),
            (ValueRef::Text(a), ValueRef::Text(b)) => match coll {
                Some(c) => c(a, b),
                None => a.cmp(b),
            },
            (ValueRef::Blob(a), ValueRef::Blob(b)) => a.cmp(b),
            _ => self.rank().cmp(&v.rank()),
        }
    }
}

/// Something an index key can be made of: an owned [`Value`] or a borrowed [`ValueRef`].
pub trait KeyField {
    fn key_ref(&self) -> ValueRef<'_>;
}

impl KeyField for Value {
    fn key_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl KeyField for ValueRef<'_> {
    fn key_ref(&self) -> ValueRef<'_> {
        *self
    }
}

/// Decode a record into borrowed values (one allocation for the vector, none per value).
pub fn decode_refs(data: &[u8]) -> Result<Vec<ValueRef<'_>>> {
    let r = RecordReader::new(data)?;
    (0..r.column_count())
        .map(|i| r.column_ref(data, i))
        .collect()
}

/// Decode the body bytes of serial type `t` (caller checked the length).
pub fn decode_ref(t: u64, b: &[u8]) -> ValueRef<'_> {
    let int = |b: &[u8]| -> i64 {
        let mut v: i64 = if b.first().is_some_and(|x| x & 0x80 != 0) {
            -1
        } else {
            0
        };
        for &x in b {
            v = (v << 8) | i64::from(x);
        }
        v
    };
    match t {
        0 => ValueRef::Null,
        1..=6 => ValueRef::Integer(int(b)),
        7 => {
            let mut a = [0u8; 8];
            if b.len() == 8 {
                a.copy_from_slice(b);
            }
            ValueRef::Real(f64::from_bits(u64::from_be_bytes(a)))
        }
        8 => ValueRef::Integer(0),
        9 => ValueRef::Integer(1),
        n if n >= 12 && n % 2 == 0 => ValueRef::Blob(b),
        n if n >= 13 => ValueRef::Text(b),
        _ => ValueRef::Null,
    }
}

/// Lazy record reader: parses the header once, decodes single columns on demand.
/// Columns past the end of the record read as NULL (as SQLite does for added columns).
#[derive(Debug, Default, Clone)]
pub struct RecordReader {
    /// (serial type, body offset) per column.
    cols: Vec<(u64, usize)>,
    len: usize,
}

impl RecordReader {
    /// Parse the header of `data`. Malformed header or a body running past the end of `data`
    /// is `SQLITE_CORRUPT`.
    pub fn new(data: &[u8]) -> Result<RecordReader> {
        let mut r = RecordReader::default();
        r.parse(data)?;
        Ok(r)
    }

    /// Re-parse for a new record, reusing the allocation.
    pub fn parse(&mut self, data: &[u8]) -> Result<()> {
        self.cols.clear();
        self.len = data.len();
        let (hlen, mut p) = get_varint(data).ok_or_else(|| crate::corrupt!())?;
        let hlen = usize::try_from(hlen).map_err(|_| crate::corrupt!())?;
        if hlen > data.len() || hlen < p {
            return Err(crate::corrupt!());
        }
        let mut body = hlen;
        while p < hlen {
            let (t, n) =
                get_varint(data.get(p..hlen).unwrap_or(&[])).ok_or_else(|| crate::corrupt!())?;
            p += n;
            let sz = serial_size(t).ok_or_else(|| crate::corrupt!())?;
            self.cols.push((t, body));
            body = body.checked_add(sz).ok_or_else(|| crate::corrupt!())?;
            if body > data.len() {
                return Err(crate::corrupt!());
            }
        }
        Ok(())
    }

    pub fn column_count(&self) -> usize {
        self.cols.len()
    }

    /// Serial type of column `i` (0 = NULL for columns past the end).
    pub fn serial_type(&self, i: usize) -> u64 {
        self.cols.get(i).map_or(0, |c| c.0)
    }

    /// Column `i` borrowed from `data` (the same bytes given to `parse`).
    pub fn column_ref<'a>(&self, data: &'a [u8], i: usize) -> Result<ValueRef<'a>> {
        let Some(&(t, off)) = self.cols.get(i) else {
            return Ok(ValueRef::Null);
        };
        if data.len() != self.len {
            return Err(crate::corrupt!());
        }
        let sz = serial_size(t).ok_or_else(|| crate::corrupt!())?;
        let b = data.get(off..off + sz).ok_or_else(|| crate::corrupt!())?;
        Ok(decode_ref(t, b))
    }

    /// Column `i` as an owned value.
    pub fn column(&self, data: &[u8], i: usize) -> Result<Value> {
        Ok(self.column_ref(data, i)?.to_value())
    }
}

/// Decode a whole record.
pub fn decode_record(data: &[u8]) -> Result<Vec<Value>> {
    let r = RecordReader::new(data)?;
    (0..r.column_count()).map(|i| r.column(data, i)).collect()
}

/// Compare a record with an unpacked key, as `sqlite3VdbeRecordCompare`: fields in order,
/// NULL < numbers < text < blob, text through the column's collation, DESC columns reversed.
/// If all compared fields are equal (the shorter of the two decides how many), the result is
/// `tie`: `Equal` for an ordinary comparison, `Less`/`Greater` to seek past / before all
/// entries that share the key prefix.
pub fn try_compare_record_to_key<K: KeyField>(
    record: &[u8],
    key: &[K],
    ki: &KeyInfo,
    tie: Ordering,
) -> Result<Ordering> {
    let (hlen, mut p) = get_varint(record).ok_or_else(|| crate::corrupt!())?;
    let hlen = usize::try_from(hlen).map_err(|_| crate::corrupt!())?;
    if hlen > record.len() || hlen < p {
        return Err(crate::corrupt!());
    }
    let mut body = hlen;
    for (i, kv) in key.iter().enumerate() {
        if p >= hlen {
            break;
        }
        let (t, n) =
            get_varint(record.get(p..hlen).unwrap_or(&[])).ok_or_else(|| crate::corrupt!())?;
        p += n;
        let sz = serial_size(t).ok_or_else(|| crate::corrupt!())?;
        let b = record
            .get(body..body + sz)
            .ok_or_else(|| crate::corrupt!())?;
        body += sz;
        let coll = ki.collations.get(i).and_then(|c| c.as_ref());
        let mut o = decode_ref(t, b).cmp_ref(&kv.key_ref(), coll);
        if ki.desc.get(i).copied().unwrap_or(false) {
            o = o.reverse();
        }
        if o != Ordering::Equal {
            return Ok(o);
        }
    }
    Ok(tie)
}

/// [`try_compare_record_to_key`] with `tie = Equal`; a malformed record compares `Less`.
pub fn compare_record_to_key(record: &[u8], key: &[Value], ki: &KeyInfo) -> Ordering {
    try_compare_record_to_key(record, key, ki, Ordering::Equal).unwrap_or(Ordering::Less)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn rt(vals: Vec<Value>) {
        let rec = encode_record(&vals);
        let back = decode_record(&rec).unwrap();
        assert_eq!(back.len(), vals.len());
        for (a, b) in vals.iter().zip(back.iter()) {
            match (a, b) {
                (Value::Real(x), Value::Real(y)) => assert_eq!(x.to_bits(), y.to_bits()),
                _ => assert_eq!(format!("{a:?}"), format!("{b:?}")),
            }
        }
    }

    #[test]
    fn round_trips() {
        let ints = [
            0i64,
            1,
            -1,
            2,
            127,
            128,
            -128,
            -129,
            32767,
            32768,
            -32768,
            -32769,
            8_388_607,
            8_388_608,
            -8_388_608,
            -8_388_609,
            2_147_483_647,
            2_147_483_648,
            -2_147_483_648,
            -2_147_483_649,
            0x7fff_ffff_ffff,
            0x8000_0000_0000,
            -0x8000_0000_0000,
            -0x8000_0000_0001,
            i64::MAX,
            i64::MIN,
        ];
        rt(ints.iter().map(|&i| Value::Integer(i)).collect());
        rt(vec![
            Value::Real(-0.0),
            Value::Real(0.0),
            Value::Real(1.5),
            Value::Real(f64::INFINITY),
            Value::Real(f64::MIN_POSITIVE),
            Value::Null,
            Value::text(""),
            Value::Blob(vec![]),
            Value::text("héllo"),
            Value::Blob(vec![0, 1, 2, 255]),
        ]);
        rt(vec![
            Value::Blob(vec![7u8; 100_000]),
            Value::text(&"x".repeat(70_000)),
        ]);
        // Header longer than 127 bytes: its size varint takes 2 bytes.
        rt((0..200).map(|i| Value::Integer(i * 1000)).collect());
        rt(vec![]);
    }

    #[test]
    fn minimal_integer_sizes() {
        let sizes = [
            (0i64, 8u64),
            (1, 9),
            (2, 1),
            (-1, 1),
            (128, 2),
            (-129, 2),
            (1 << 23, 4),
        ];
        for (i, t) in sizes {
            assert_eq!(serial_type(&Value::Integer(i)), t, "{i}");
        }
        assert_eq!(serial_type(&Value::Integer(1 << 40)), 5);
        assert_eq!(serial_type(&Value::Integer(1 << 47)), 6);
        // Exactly what sqlite3 writes for (1, 'ab', NULL, 2.5): hdr 5, types 9, 17, 0, 7.
        let r = encode_record(&[
            Value::Integer(1),
            Value::text("ab"),
            Value::Null,
            Value::Real(2.5),
        ]);
        assert_eq!(&r[..5], &[5, 9, 17, 0, 7]);
        assert_eq!(&r[5..7], b"ab");
        assert_eq!(&r[7..], &2.5f64.to_bits().to_be_bytes());
    }

    #[test]
    fn malformed_records_are_errors() {
        assert!(RecordReader::new(&[]).is_err());
        assert!(RecordReader::new(&[5, 1]).is_err()); // header longer than data
        assert!(RecordReader::new(&[2, 10]).is_err()); // reserved type
        assert!(RecordReader::new(&[2, 6, 1]).is_err()); // body too short
        assert!(RecordReader::new(&[0x81]).is_err());
        let r = RecordReader::new(&[2, 1, 5]).unwrap();
        assert_eq!(
            r.column(&[2, 1, 5], 0)
                .unwrap()
                .cmp_binary(&Value::Integer(5)),
            Ordering::Equal
        );
        assert!(r.column(&[2, 1, 5], 7).unwrap().is_null());
    }

    #[test]
    fn compare_semantics() {
        let ki = KeyInfo::default();
        let rec = encode_record(&[Value::Integer(5), Value::text("b"), Value::Integer(9)]);
        let c = |k: &[Value]| compare_record_to_key(&rec, k, &ki);
        assert_eq!(c(&[Value::Integer(5)]), Ordering::Equal);
        assert_eq!(c(&[Value::Real(5.0)]), Ordering::Equal);
        assert_eq!(c(&[Value::Real(5.5)]), Ordering::Less);
        assert_eq!(c(&[Value::Null]), Ordering::Greater);
        assert_eq!(c(&[Value::text("a")]), Ordering::Less);
        assert_eq!(c(&[Value::Integer(5), Value::text("a")]), Ordering::Greater);
        assert_eq!(c(&[Value::Integer(5), Value::Blob(vec![])]), Ordering::Less);
        assert_eq!(
            c(&[
                Value::Integer(5),
                Value::text("b"),
                Value::Integer(9),
                Value::Null
            ]),
            Ordering::Equal
        );
        assert_eq!(
            try_compare_record_to_key(&rec, &[Value::Integer(5)], &ki, Ordering::Greater).unwrap(),
            Ordering::Greater
        );
        let desc = KeyInfo {
            desc: vec![true],
            collations: vec![],
        };
        assert_eq!(
            compare_record_to_key(&rec, &[Value::Integer(4)], &desc),
            Ordering::Less
        );
        let nocase: crate::btree::Collation =
            Arc::new(|a: &[u8], b: &[u8]| a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()));
        let ki2 = KeyInfo {
            desc: vec![],
            collations: vec![None, Some(nocase)],
        };
        assert_eq!(
            compare_record_to_key(&rec, &[Value::Integer(5), Value::text("B")], &ki2),
            Ordering::Equal
        );
    }
}
