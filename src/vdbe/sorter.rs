//! The VM's sorter (`SorterOpen`/`SorterInsert`/`SorterSort`/`SorterData`/`SorterNext`):
//! serialized records sorted by their leading key fields, as SQLite's `vdbesort.c` does.
//!
//! Layout: every record is appended to ONE byte arena (`data`); an [`Entry`] per row holds
//! its offset and length plus a normalised "fast key" made from the first key field (an
//! integer, or the first 8 bytes of a BINARY-collated text). Sorting permutes the entries
//! only: no allocation or copy per row, and most comparisons are one integer compare. When
//! the fast keys cannot decide (equal text prefixes, reals, blobs, user collations, a tie on
//! the first field with more key fields) the two records are compared field by field,
//! decoded in place (borrowed, no allocation).
//!
//! State:
//! ```text
//!   (open, unsorted) --push--> (unsorted) --sort--> (sorted; pos = 0..len readable)
//!          ^-------------------clear------------------/      \--push--> (unsorted)
//! ```
//! Invariants:
//! - Every record in the arena had a well-formed header whose body fits its length when it
//!   was pushed (`push` checks; a malformed record is `SQLITE_CORRUPT` and is not stored), so
//!   decoding during comparisons cannot fail; if it ever did it would compare equal, never
//!   panic.
//! - Only the key fields order rows (the `KeyInfo`'s count; all fields without one) and the
//!   sort is stable, so ties keep insertion order, as SQLite's sorter does.
//! - The fast key agrees with the full comparison whenever it decides: tag order is SQLite's
//!   class order (NULL < numbers < text < blob), integers compare exactly, text prefixes are
//!   compared only under BINARY collation and a tie falls through to the full comparison.

use super::rec;
use crate::btree::record::{decode_ref, ValueRef};
use crate::btree::KeyInfo;
use crate::error::Result;
use std::cmp::Ordering;

/// Fast-key tags, in SQLite's class order where they are exact.
const T_NULL: u8 = 0;
const T_INT: u8 = 1;
/// A number that is not an integer (real): compared through the full comparison only.
const T_NUM: u8 = 2;
/// Text under BINARY collation; `key` holds its first 8 bytes (big-endian, zero-padded).
const T_TEXT: u8 = 3;
/// Anything else (blob, text under another collation, no field): full comparison.
const T_OTHER: u8 = 4;

#[derive(Clone, Copy, Debug)]
struct Entry {
    key: u64,
    off: u64,
    len: u32,
    tag: u8,
}

/// Rows of one `SorterOpen` cursor.
#[derive(Default)]
pub struct Sorter {
    pub key_info: Option<KeyInfo>,
    data: Vec<u8>,
    entries: Vec<Entry>,
    sorted: bool,
    /// Read position (after `sort`).
    pub pos: usize,
}

/// Walks a record's fields (borrowed) in order.
struct Fields<'a> {
    rec: &'a [u8],
    p: usize,
    hlen: usize,
    body: usize,
}

impl<'a> Fields<'a> {
    fn new(rec: &'a [u8]) -> Option<Fields<'a>> {
        if rec.is_empty() {
            return Some(Fields {
                rec,
                p: 0,
                hlen: 0,
                body: 0,
            });
        }
        let (hlen, p) = rec::get_varint(rec)?;
        let hlen = usize::try_from(hlen).ok()?;
        if hlen > rec.len() || hlen < p {
            return None;
        }
        Some(Fields {
            rec,
            p,
            hlen,
            body: hlen,
        })
    }

    /// The next field; `Some(Err(()))` on a malformed record.
    fn next_field(&mut self) -> Option<std::result::Result<ValueRef<'a>, ()>> {
        if self.p >= self.hlen {
            return None;
        }
        let Some((t, n)) = rec::get_varint(self.rec.get(self.p..self.hlen).unwrap_or(&[])) else {
            return Some(Err(()));
        };
        self.p += n;
        let sz = rec::serial_len(t);
        let Some(b) = self.rec.get(self.body..self.body + sz) else {
            return Some(Err(()));
        };
        self.body += sz;
        // As `rec::decode`: a NaN real reads as NULL.
        Some(Ok(match decode_ref(t, b) {
            ValueRef::Real(r) if r.is_nan() => ValueRef::Null,
            v => v,
        }))
    }
}

/// Number of fields of a well-formed record (header parses, bodies fit), or `None` when it
/// is malformed. Only the header is walked; no field is decoded.
fn check_record(rec: &[u8]) -> Option<usize> {
    if rec.is_empty() {
        return Some(0);
    }
    let (hlen, mut p) = rec::get_varint(rec)?;
    let hlen = usize::try_from(hlen).ok()?;
    if hlen > rec.len() || hlen < p {
        return None;
    }
    let mut body = hlen;
    let mut n = 0;
    while p < hlen {
        let t = match rec.get(p) {
            Some(&b) if b < 0x80 => {
                p += 1;
                u64::from(b)
            }
            _ => {
                let (t, k) = rec::get_varint(rec.get(p..hlen)?)?;
                p += k;
                t
            }
        };
        body = body.checked_add(rec::serial_len(t))?;
        n += 1;
    }
    (p == hlen && body <= rec.len()).then_some(n)
}

/// Compare the first `nk` fields of two records (fewer if either has fewer), honouring the
/// key's collations and DESC flags.
pub fn cmp_records(a: &[u8], b: &[u8], nk: usize, ki: Option<&KeyInfo>) -> Ordering {
    let (Some(mut fa), Some(mut fb)) = (Fields::new(a), Fields::new(b)) else {
        return Ordering::Equal;
    };
    for i in 0..nk {
        let (Some(Ok(x)), Some(Ok(y))) = (fa.next_field(), fb.next_field()) else {
            return Ordering::Equal;
        };
        let coll = ki
            .and_then(|k| k.collations.get(i))
            .and_then(|c| c.as_ref());
        let mut o = x.cmp_ref(&y, coll);
        if ki.and_then(|k| k.desc.get(i)).copied().unwrap_or(false) {
            o = o.reverse();
        }
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

impl Sorter {
    pub fn new(key_info: Option<KeyInfo>) -> Sorter {
        Sorter {
            key_info,
            ..Sorter::default()
        }
    }

    /// Number of key fields compared (`usize::MAX`: all of them).
    fn nk(&self) -> usize {
        self.key_info
            .as_ref()
            .map(|k| k.desc.len())
            .unwrap_or(usize::MAX)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.data.clear();
        self.entries.clear();
        self.sorted = false;
        self.pos = 0;
    }

    /// Append one record (copied into the arena). A malformed record is `SQLITE_CORRUPT`.
    pub fn push(&mut self, record: &[u8]) -> Result<()> {
        check_record(record).ok_or_else(|| crate::corrupt!())?;
        let len = u32::try_from(record.len())
            .map_err(|_| crate::error::Error::code(crate::error::codes::SQLITE_TOOBIG))?;
        let (tag, key) = self.fast_key(record);
        let off = self.data.len() as u64;
        self.data.extend_from_slice(record);
        self.entries.push(Entry { key, off, len, tag });
        self.sorted = false;
        Ok(())
    }

    fn fast_key(&self, record: &[u8]) -> (u8, u64) {
        if self.nk() == 0 {
            return (T_OTHER, 0);
        }
        let Some(mut f) = Fields::new(record) else {
            return (T_OTHER, 0);
        };
        match f.next_field() {
            Some(Ok(ValueRef::Null)) => (T_NULL, 0),
            Some(Ok(ValueRef::Integer(i))) => (T_INT, i as u64),
            Some(Ok(ValueRef::Real(_))) => (T_NUM, 0),
            Some(Ok(ValueRef::Text(t))) => {
                let binary = self
                    .key_info
                    .as_ref()
                    .and_then(|k| k.collations.first())
                    .map(|c| c.is_none())
                    .unwrap_or(true);
                if binary {
                    let mut b = [0u8; 8];
                    let n = t.len().min(8);
                    b[..n].copy_from_slice(&t[..n]);
                    (T_TEXT, u64::from_be_bytes(b))
                } else {
                    (T_OTHER, 0)
                }
            }
            _ => (T_OTHER, 0),
        }
    }

    fn rec_of<'s>(data: &'s [u8], e: &Entry) -> &'s [u8] {
        let start = e.off as usize;
        data.get(start..start + e.len as usize).unwrap_or(&[])
    }

    /// Sort the rows by their key fields (stable). Idempotent until the next `push`.
    pub fn sort(&mut self) -> Result<()> {
        self.pos = 0;
        if self.sorted || self.entries.len() < 2 {
            self.sorted = true;
            return Ok(());
        }
        let nk = self.nk();
        let ki = self.key_info.as_ref();
        let desc0 = ki.and_then(|k| k.desc.first()).copied().unwrap_or(false);
        let data = &self.data[..];
        self.entries.sort_by(|a, b| {
            let fast = match (a.tag, b.tag) {
                (T_INT, T_INT) => match (a.key as i64).cmp(&(b.key as i64)) {
                    Ordering::Equal if nk == 1 => Some(Ordering::Equal),
                    Ordering::Equal => None,
                    o => Some(o),
                },
                (T_NULL, T_NULL) if nk == 1 => Some(Ordering::Equal),
                (T_NULL, T_NULL) => None,
                (T_NULL, _) => Some(Ordering::Less),
                (_, T_NULL) => Some(Ordering::Greater),
                (T_INT | T_NUM, T_TEXT) => Some(Ordering::Less),
                (T_TEXT, T_INT | T_NUM) => Some(Ordering::Greater),
                (T_TEXT, T_TEXT) if a.key != b.key => Some(a.key.cmp(&b.key)),
                _ => None,
            };
            match fast {
                Some(o) if desc0 => o.reverse(),
                Some(o) => o,
                None => cmp_records(Self::rec_of(data, a), Self::rec_of(data, b), nk, ki),
            }
        });
        self.sorted = true;
        Ok(())
    }

    /// ORDER BY ... LIMIT: only the first `k` rows in sort order can ever be read, so once
    /// the sorter holds well over `k` rows it is sorted and cut to `k` (amortised
    /// O(n log k) time and O(k) memory, SQLite's bounded sorter). Ties still keep insertion
    /// order: the rows kept were all inserted before any later row.
    pub fn bound(&mut self, k: usize) -> Result<()> {
        if self.entries.len() <= k.saturating_mul(2).max(64) {
            return Ok(());
        }
        self.sort()?;
        self.entries.truncate(k);
        let mut data = Vec::with_capacity(self.entries.iter().map(|e| e.len as usize).sum());
        for e in &mut self.entries {
            let r = Self::rec_of(&self.data, e);
            let off = data.len() as u64;
            data.extend_from_slice(r);
            e.off = off;
        }
        self.data = data;
        // Still in order, but later pushes must re-sort.
        self.sorted = false;
        Ok(())
    }

    /// The record at `i` (in sorted order after `sort`).
    pub fn row(&self, i: usize) -> Option<&[u8]> {
        self.entries.get(i).map(|e| Self::rec_of(&self.data, e))
    }

    /// The record under the read position.
    pub fn current(&self) -> Option<&[u8]> {
        self.row(self.pos)
    }

    /// `SorterCompare`: does the current row differ from `other` in its first `n` fields?
    /// (Also when either has fewer than `n` fields.)
    pub fn current_differs(&self, other: &[u8], n: usize) -> Result<bool> {
        let Some(row) = self.current() else {
            return Ok(true);
        };
        let na = check_record(row).ok_or_else(|| crate::corrupt!())?;
        let nb = check_record(other).ok_or_else(|| crate::corrupt!())?;
        let k = n.min(na).min(nb);
        Ok(cmp_records(row, other, k, self.key_info.as_ref()) != Ordering::Equal || k < n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Value;

    fn rec(vals: &[Value]) -> Vec<u8> {
        let mut out = Vec::new();
        rec::encode_into(vals, &mut out);
        out
    }

    fn sorted(ki: Option<KeyInfo>, rows: &[Vec<Value>]) -> Vec<Vec<u8>> {
        let mut s = Sorter::new(ki);
        for r in rows {
            s.push(&rec(r)).unwrap();
        }
        s.sort().unwrap();
        (0..s.len()).map(|i| s.row(i).unwrap().to_vec()).collect()
    }

    /// Reference: stable sort by the generic comparison (the old sorter's semantics).
    fn reference(ki: Option<KeyInfo>, rows: &[Vec<Value>]) -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> = rows.iter().map(|r| rec(r)).collect();
        let nk = ki.as_ref().map(|k| k.desc.len()).unwrap_or(usize::MAX);
        v.sort_by(|a, b| cmp_records(a, b, nk, ki.as_ref()));
        v
    }

    fn mixed_rows() -> Vec<Vec<Value>> {
        let mut rows = Vec::new();
        let mut x: u64 = 12345;
        for i in 0..600 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = match (x >> 33) % 9 {
                0 => Value::Null,
                1 => Value::Real(((x >> 40) % 50) as f64 / 4.0),
                2 => Value::Text(format!("abcdefgh{}", (x >> 40) % 7).into_bytes()),
                3 => Value::Text(format!("k{}", (x >> 40) % 30).into_bytes()),
                4 => Value::Blob(vec![(x >> 40) as u8; 3]),
                5 => Value::Integer(i64::MIN + ((x >> 40) % 3) as i64),
                6 => Value::Integer(i64::MAX - ((x >> 40) % 3) as i64),
                _ => Value::Integer(((x >> 40) % 20) as i64 - 10),
            };
            let k2 = Value::Integer(((x >> 20) % 5) as i64);
            rows.push(vec![k, k2, Value::Integer(i)]);
        }
        rows
    }

    #[test]
    fn sorts_like_generic_comparison_all_classes() {
        let rows = mixed_rows();
        for (desc, nk) in [(false, 1), (true, 1), (false, 2), (true, 2)] {
            let ki = KeyInfo {
                desc: vec![desc, false][..nk].to_vec(),
                collations: vec![None; nk],
            };
            assert_eq!(
                sorted(Some(ki.clone()), &rows),
                reference(Some(ki), &rows),
                "desc={desc} nk={nk}"
            );
        }
        assert_eq!(sorted(None, &rows), reference(None, &rows));
    }

    #[test]
    fn stable_on_ties_and_integer_extremes() {
        let rows: Vec<Vec<Value>> = (0..50)
            .map(|i| {
                vec![
                    Value::Integer(if i % 2 == 0 { i64::MIN } else { i64::MAX }),
                    Value::Integer(i),
                ]
            })
            .collect();
        let ki = KeyInfo {
            desc: vec![false],
            collations: vec![None],
        };
        let out = sorted(Some(ki), &rows);
        let firsts: Vec<Vec<u8>> = rows
            .iter()
            .filter(|r| matches!(r[0], Value::Integer(i64::MIN)))
            .chain(
                rows.iter()
                    .filter(|r| matches!(r[0], Value::Integer(i64::MAX))),
            )
            .map(|r| rec(r))
            .collect();
        assert_eq!(out, firsts);
    }

    #[test]
    fn text_prefix_ties_fall_through() {
        let rows = vec![
            vec![Value::Text(b"abcdefghZ".to_vec())],
            vec![Value::Text(b"ab\0".to_vec())],
            vec![Value::Text(b"abcdefghA".to_vec())],
            vec![Value::Text(b"ab".to_vec())],
        ];
        let ki = KeyInfo {
            desc: vec![false],
            collations: vec![None],
        };
        let out = sorted(Some(ki), &rows);
        assert_eq!(
            out,
            vec![rec(&rows[3]), rec(&rows[1]), rec(&rows[2]), rec(&rows[0])]
        );
    }

    #[test]
    fn bounded_sorter_keeps_the_first_k_in_order() {
        let rows = mixed_rows();
        let ki = KeyInfo {
            desc: vec![false],
            collations: vec![None],
        };
        let full = reference(Some(ki.clone()), &rows);
        for k in [0usize, 1, 7, 40, 599, 1000] {
            let mut s = Sorter::new(Some(ki.clone()));
            for r in &rows {
                s.push(&rec(r)).unwrap();
                s.bound(k).unwrap();
            }
            assert!(s.len() <= (2 * k).max(64));
            s.sort().unwrap();
            let got: Vec<Vec<u8>> = (0..s.len().min(k))
                .map(|i| s.row(i).unwrap().to_vec())
                .collect();
            assert_eq!(got, full[..k.min(full.len())].to_vec(), "k={k}");
        }
    }

    #[test]
    fn malformed_record_is_corrupt_not_stored() {
        let mut s = Sorter::new(None);
        assert!(s.push(&[5, 1, 1]).is_err());
        assert!(s.push(&[0x80]).is_err());
        assert_eq!(s.len(), 0);
        s.push(&rec(&[Value::Integer(3)])).unwrap();
        assert!(s
            .current_differs(&rec(&[Value::Integer(3)]), 1)
            .map(|d| !d)
            .unwrap());
        assert!(s.current_differs(&rec(&[Value::Integer(4)]), 1).unwrap());
        assert!(s.current_differs(&rec(&[Value::Integer(3)]), 2).unwrap());
    }
}
