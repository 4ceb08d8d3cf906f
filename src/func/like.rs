//! LIKE and GLOB matching (SQLite's `patternCompare`), for the SQL functions `like()` /
//! `glob()` and for the VM/optimizer.
//!
//! - [`like_match`]: `%` any sequence, `_` one character, optional escape character,
//!   case-insensitive for ASCII only (unless `case_sensitive`, i.e. `PRAGMA
//!   case_sensitive_like`).
//! - [`glob_match`]: `*`, `?`, `[...]` sets with ranges and `[^...]`, case-sensitive.
//!
//! Both work on UTF-8 bytes decoded leniently like `sqlite3Utf8Read` (invalid sequences never
//! panic) and, like SQLite's C strings, treat a NUL byte as the end of the text or pattern.
//! Matching is iterative (no recursion), O(pattern × text) in the worst case; `like()` and
//! `glob()` refuse patterns longer than [`MAX_PATTERN_LEN`] as SQLite does.

/// `SQLITE_MAX_LIKE_PATTERN_LENGTH`: longer patterns are an error in `like()`/`glob()`.
pub const MAX_PATTERN_LEN: usize = 50000;

struct Info {
    match_all: u32,
    match_one: u32,
    match_set: u32,
    no_case: bool,
}

/// Cursor over a NUL-terminated view of bytes.
#[derive(Clone, Copy)]
struct Cur<'a> {
    s: &'a [u8],
    i: usize,
}

const TRANS1: [u8; 64] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, 0x01, 0x02, 0x03, 0x00, 0x01, 0x00, 0x00,
];

impl<'a> Cur<'a> {
    fn peek(&self) -> u8 {
        self.s.get(self.i).copied().unwrap_or(0)
    }
    /// `sqlite3Utf8Read`: one code point (0 at the end).
    fn read(&mut self) -> u32 {
        let c = self.peek();
        if c == 0 {
            return 0;
        }
        self.i += 1;
        let mut c = c as u32;
        if c >= 0xc0 {
            c = TRANS1[(c - 0xc0) as usize] as u32;
            while self.peek() & 0xc0 == 0x80 {
                c = (c << 6) + (0x3f & self.peek() as u32);
                self.i += 1;
            }
            if c < 0x80 || (c & 0xFFFF_F800) == 0xD800 || (c & 0xFFFF_FFFE) == 0xFFFE {
                c = 0xFFFD;
            }
        }
        c
    }
    fn skip(&mut self) {
        let c = self.peek();
        if c == 0 {
            return;
        }
        self.i += 1;
        if c >= 0xc0 {
            while self.peek() & 0xc0 == 0x80 {
                self.i += 1;
            }
        }
    }
}

/// Decode one character the way `sqlite3Utf8Read` does; returns (code point, bytes used).
pub fn utf8_read(s: &[u8]) -> (u32, usize) {
    let mut c = Cur { s, i: 0 };
    let cp = c.read();
    (cp, c.i)
}

fn lower(c: u32) -> u32 {
    if (b'A' as u32..=b'Z' as u32).contains(&c) {
        c + 32
    } else {
        c
    }
}

/// One pattern element matched against one character (`c2`, never 0).
enum Elem {
    /// A literal code point; `wild_one` if it is an unescaped `_`/`?`.
    Lit { c: u32, wild_one: bool },
    /// A `[...]` set: (start, end) byte range of the set body in the pattern, inverted?
    Set {
        start: usize,
        end: usize,
        invert: bool,
    },
}

/// Read the next non-star element at `pat`; `None` if the pattern is malformed there
/// (escape at the end, unterminated set): such an element never matches.
fn read_elem(pat: &mut Cur, c: u32, info: &Info, match_other: u32) -> Option<Elem> {
    if c == match_other && match_other != 0 {
        if info.match_set == 0 {
            let e = pat.read();
            if e == 0 {
                return None;
            }
            return Some(Elem::Lit {
                c: e,
                wild_one: false,
            });
        }
        // "[...]": find the end the way SQLite scans it.
        let mut invert = false;
        if pat.peek() == b'^' {
            invert = true;
            pat.i += 1;
        }
        let start = pat.i;
        if pat.peek() == b']' {
            pat.i += 1;
        }
        loop {
            let c2 = pat.read();
            if c2 == 0 {
                return None;
            }
            if c2 == b']' as u32 {
                return Some(Elem::Set {
                    start,
                    end: pat.i - 1,
                    invert,
                });
            }
        }
    }
    Some(Elem::Lit {
        c,
        wild_one: c == info.match_one && info.match_one != 0,
    })
}

fn set_contains(body: &[u8], ch: u32) -> bool {
    let mut p = Cur { s: body, i: 0 };
    let mut seen = false;
    let mut prior_c = 0u32;
    let mut c2 = p.read();
    if c2 == b']' as u32 {
        if ch == b']' as u32 {
            seen = true;
        }
        c2 = p.read();
    }
    while c2 != 0 {
        if c2 == b'-' as u32 && p.peek() != 0 && prior_c > 0 {
            c2 = p.read();
            if ch >= prior_c && ch <= c2 {
                seen = true;
            }
            prior_c = 0;
        } else {
            if ch == c2 {
                seen = true;
            }
            prior_c = c2;
        }
        c2 = p.read();
    }
    seen
}

fn elem_matches(e: &Elem, pattern: &[u8], c2: u32, info: &Info) -> bool {
    match *e {
        Elem::Lit { c, wild_one } => {
            wild_one || c == c2 || (info.no_case && c < 0x80 && c2 < 0x80 && lower(c) == lower(c2))
        }
        Elem::Set { start, end, invert } => set_contains(&pattern[start..end], c2) != invert,
    }
}

/// SQLite's `patternCompare`, done iteratively (backtracking to the last `%`/`*` only, which
/// is complete because every other element matches exactly one character), so deep patterns
/// cannot overflow the stack.
fn pattern_compare(pattern: &[u8], string: &[u8], info: &Info, match_other: u32) -> bool {
    let mut pat = Cur { s: pattern, i: 0 };
    let mut s = Cur { s: string, i: 0 };
    // (pattern position just after the last star run, string position it is retried from)
    let mut star: Option<(usize, usize)> = None;
    loop {
        let c = pat.read();
        let ok = if c == 0 {
            if s.peek() == 0 {
                return true;
            }
            false
        } else if c == info.match_all && info.match_all != 0 {
            while pat.peek() != 0 {
                let mut q = pat;
                if q.read() == info.match_all {
                    pat = q;
                } else {
                    break;
                }
            }
            if pat.peek() == 0 {
                return true;
            }
            star = Some((pat.i, s.i));
            continue;
        } else {
            match read_elem(&mut pat, c, info, match_other) {
                None => false,
                Some(e) => {
                    let c2 = s.read();
                    c2 != 0 && elem_matches(&e, pattern, c2, info)
                }
            }
        };
        if ok {
            continue;
        }
        // Backtrack: let the last star swallow one more character.
        match star {
            None => return false,
            Some((sp, ss)) => {
                let mut t = Cur { s: string, i: ss };
                if t.peek() == 0 {
                    return false;
                }
                t.skip();
                star = Some((sp, t.i));
                pat.i = sp;
                s.i = t.i;
            }
        }
    }
}

/// `string LIKE pattern [ESCAPE escape]`. `escape` is a code point (`None` = no escape).
/// An escape equal to `%` or `_` disables that wildcard (SQLite 3.40 behaviour).
pub fn like_match(
    pattern: &[u8],
    string: &[u8],
    escape: Option<u32>,
    case_sensitive: bool,
) -> bool {
    let mut info = Info {
        match_all: b'%' as u32,
        match_one: b'_' as u32,
        match_set: 0,
        no_case: !case_sensitive,
    };
    let esc = escape.unwrap_or(0);
    if esc != 0 {
        if esc == info.match_all {
            info.match_all = 0;
        }
        if esc == info.match_one {
            info.match_one = 0;
        }
    }
    pattern_compare(pattern, string, &info, esc)
}

/// `string GLOB pattern`.
pub fn glob_match(pattern: &[u8], string: &[u8]) -> bool {
    let info = Info {
        match_all: b'*' as u32,
        match_one: b'?' as u32,
        match_set: b'[' as u32,
        no_case: false,
    };
    pattern_compare(pattern, string, &info, b'[' as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn like_cases() {
        assert!(like_match(b"a%", b"ABC", None, false));
        assert!(!like_match(b"a%", b"ABC", None, true));
        assert!(like_match(b"_b_", b"abc", None, false));
        assert!(!like_match(b"_b", b"abc", None, false));
        assert!(like_match(b"%", b"", None, false));
        assert!(like_match(b"a\\%", b"a%", Some(b'\\' as u32), false));
        assert!(!like_match(b"a\\%", b"ab", Some(b'\\' as u32), false));
        assert!(like_match(
            "h_llo".as_bytes(),
            "h\u{e9}llo".as_bytes(),
            None,
            false
        ));
        assert!(!like_match(
            "\u{e9}".as_bytes(),
            "\u{c9}".as_bytes(),
            None,
            false
        ));
        assert!(like_match(b"%b%", b"abc", None, false));
        assert!(like_match(b"%%_c", b"abc", None, false));
        assert!(like_match(b"a%%", b"a%", Some(b'%' as u32), false));
    }
    #[test]
    fn glob_cases() {
        assert!(glob_match(b"a*", b"abc"));
        assert!(!glob_match(b"A*", b"abc"));
        assert!(glob_match(b"?b?", b"abc"));
        assert!(glob_match(b"[a-c]x", b"bx"));
        assert!(!glob_match(b"[^a-c]x", b"bx"));
        assert!(glob_match(b"[]]", b"]"));
        assert!(glob_match(b"*[0-9]", b"abc7"));
        assert!(!glob_match(b"[abc", b"a"));
        assert!(glob_match(b"a[-]b", b"a-b"));
        assert!(!glob_match(b"abc", b"abcd"));
        // Invalid UTF-8 does not panic.
        assert!(!glob_match(b"\xff\xfe*", b"\xc0"));
    }
}
