//! The built-in collating sequences BINARY, NOCASE and RTRIM (`datatype3.html` §7.1).
//!
//! Each is a total order on byte strings (no allocation, no panics):
//! - BINARY: `memcmp`, then the shorter string first.
//! - NOCASE: like BINARY after folding ASCII `A-Z` to lower case (no Unicode folding).
//! - RTRIM: like BINARY after dropping trailing spaces (0x20 only).

use crate::btree::Collation;
use std::cmp::Ordering;
use std::sync::Arc;

pub fn binary_cmp(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

pub fn nocase_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().min(b.len());
    for i in 0..n {
        let x = a[i].to_ascii_lowercase();
        let y = b[i].to_ascii_lowercase();
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

pub fn rtrim_cmp(a: &[u8], b: &[u8]) -> Ordering {
    fn trim(s: &[u8]) -> &[u8] {
        let mut n = s.len();
        while n > 0 && s[n - 1] == b' ' {
            n -= 1;
        }
        &s[..n]
    }
    trim(a).cmp(trim(b))
}

/// A built-in collation by (case-insensitive) name.
pub fn builtin_collation(name: &str) -> Option<Collation> {
    if name.eq_ignore_ascii_case("BINARY") {
        Some(Arc::new(binary_cmp))
    } else if name.eq_ignore_ascii_case("NOCASE") {
        Some(Arc::new(nocase_cmp))
    } else if name.eq_ignore_ascii_case("RTRIM") {
        Some(Arc::new(rtrim_cmp))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn collations() {
        assert_eq!(nocase_cmp(b"ABC", b"abc"), Ordering::Equal);
        assert_eq!(nocase_cmp(b"abc", b"ABD"), Ordering::Less);
        assert_eq!(nocase_cmp(b"ab", b"ABC"), Ordering::Less);
        // '_' (0x5f) sorts after 'a' once 'A' is folded (SQLite folds to lower case).
        assert_eq!(nocase_cmp(b"_", b"A"), Ordering::Less);
        assert_eq!(
            nocase_cmp("\u{c9}".as_bytes(), "\u{e9}".as_bytes()),
            Ordering::Less
        );
        assert_eq!(rtrim_cmp(b"a  ", b"a"), Ordering::Equal);
        assert_eq!(rtrim_cmp(b" a", b"a"), Ordering::Less);
        assert_eq!(binary_cmp(b"a", b"A"), Ordering::Greater);
        let c = builtin_collation("nocase").expect("NOCASE is built in");
        assert_eq!(c(b"X", b"x"), Ordering::Equal);
        assert!(builtin_collation("nope").is_none());
    }
}
