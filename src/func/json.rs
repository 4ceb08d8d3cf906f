//! JSON functions (`json1.html`) with SQLite 3.40.1 semantics: json json_valid json_type
//! json_extract json_array json_object json_array_length json_insert json_replace json_set
//! json_remove json_quote json_patch, the aggregates json_group_array/json_group_object, and
//! the operators `->` / `->>` (registered as functions named "->" and "->>"; the SQL layer
//! compiles `a -> b` into a call of "->"(a, b)).
//!
//! Like SQLite's json1 (before JSON5), the parser is strict RFC 8259 with a nesting limit of
//! 2000; parsed text keeps its original spelling (numbers and string escapes are echoed
//! verbatim, only whitespace is removed). Functions returning JSON text set
//! `ctx.result_subtype = JSON_SUBTYPE`; a TEXT argument whose subtype (from
//! `ctx.arg_subtypes`) is `JSON_SUBTYPE` is embedded as JSON instead of as a string.
//!
//! Invariants: the tree mirrors SQLite's node array: edits mark nodes (`replace`, `removed`,
//! `patched`) or append members, and rendering applies the marks; lookups follow SQLite's
//! rules (first matching key, removed array elements skipped when indexing).

#[path = "json_each.rs"]
pub mod each;

use super::printf::{format, PrintfArg};
use super::scalar::arg;
use super::text::value_text_cow;
use super::{AggState, FuncContext};
use crate::error::{Error, Result};
use crate::value::Value;
use std::collections::VecDeque;

/// SQLite's JSON subtype ('J').
pub const JSON_SUBTYPE: u32 = 74;
const MAX_DEPTH: usize = 2000;

#[derive(Clone, Debug)]
enum Kind {
    Null,
    True,
    False,
    Int(Vec<u8>),
    Real(Vec<u8>),
    /// Raw JSON string text including the quotes; `escaped` if it contains a backslash.
    Str(Vec<u8>, bool),
    /// A label created by an append: unescaped text, quoted/escaped on output.
    RawLabel(Vec<u8>),
    Array(Vec<Node>),
    Object(Vec<(Node, Node)>),
}

#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    removed: bool,
    /// Index of the SQL argument that replaces this node.
    replace: Option<usize>,
}

impl Node {
    fn new(kind: Kind) -> Node {
        Node {
            kind,
            removed: false,
            replace: None,
        }
    }
    fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::True => "true",
            Kind::False => "false",
            Kind::Int(_) => "integer",
            Kind::Real(_) => "real",
            Kind::Str(..) | Kind::RawLabel(_) => "text",
            Kind::Array(_) => "array",
            Kind::Object(_) => "object",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

struct Parser<'a> {
    z: &'a [u8],
    depth: usize,
}

impl<'a> Parser<'a> {
    fn at(&self, i: usize) -> u8 {
        self.z.get(i).copied().unwrap_or(0)
    }

    /// Parse a value starting at `i` (after skipping whitespace). Returns the end index.
    fn value(&mut self, mut i: usize) -> Option<(Node, usize)> {
        while is_ws(self.at(i)) {
            i += 1;
        }
        let c = self.at(i);
        match c {
            b'{' => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                let mut members = Vec::new();
                let mut j = i + 1;
                loop {
                    while is_ws(self.at(j)) {
                        j += 1;
                    }
                    if self.at(j) == b'}' && members.is_empty() {
                        j += 1;
                        break;
                    }
                    let (label, nj) = self.value(j)?;
                    if !matches!(label.kind, Kind::Str(..)) {
                        return None;
                    }
                    j = nj;
                    while is_ws(self.at(j)) {
                        j += 1;
                    }
                    if self.at(j) != b':' {
                        return None;
                    }
                    let (v, nj) = self.value(j + 1)?;
                    members.push((label, v));
                    j = nj;
                    while is_ws(self.at(j)) {
                        j += 1;
                    }
                    match self.at(j) {
                        b',' => j += 1,
                        b'}' => {
                            j += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                self.depth -= 1;
                Some((Node::new(Kind::Object(members)), j))
            }
            b'[' => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return None;
                }
                let mut items = Vec::new();
                let mut j = i + 1;
                loop {
                    while is_ws(self.at(j)) {
                        j += 1;
                    }
                    if self.at(j) == b']' && items.is_empty() {
                        j += 1;
                        break;
                    }
                    let (v, nj) = self.value(j)?;
                    items.push(v);
                    j = nj;
                    while is_ws(self.at(j)) {
                        j += 1;
                    }
                    match self.at(j) {
                        b',' => j += 1,
                        b']' => {
                            j += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
                self.depth -= 1;
                Some((Node::new(Kind::Array(items)), j))
            }
            b'"' => {
                let mut j = i + 1;
                let mut escaped = false;
                loop {
                    let c = self.at(j);
                    if j >= self.z.len() || c & !0x1f == 0 {
                        return None;
                    }
                    if c == b'\\' {
                        j += 1;
                        let c = self.at(j);
                        let ok =
                            matches!(c, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't')
                                || (c == b'u'
                                    && (1..=4).all(|k| self.at(j + k).is_ascii_hexdigit()));
                        if !ok {
                            return None;
                        }
                        escaped = true;
                    } else if c == b'"' {
                        break;
                    }
                    j += 1;
                }
                Some((Node::new(Kind::Str(self.z[i..=j].to_vec(), escaped)), j + 1))
            }
            b'n' | b't' | b'f' => {
                let (word, kind): (&[u8], Kind) = match c {
                    b'n' => (b"null", Kind::Null),
                    b't' => (b"true", Kind::True),
                    _ => (b"false", Kind::False),
                };
                if self.z.get(i..i + word.len()) == Some(word)
                    && !self.at(i + word.len()).is_ascii_alphanumeric()
                {
                    Some((Node::new(kind), i + word.len()))
                } else {
                    None
                }
            }
            b'-' | b'0'..=b'9' => {
                let mut seen_dp = false;
                let mut seen_e = false;
                if c <= b'0' {
                    let j = if c == b'-' { i + 1 } else { i };
                    if self.at(j) == b'0' && self.at(j + 1).is_ascii_digit() {
                        return None;
                    }
                }
                let mut j = i + 1;
                loop {
                    let c = self.at(j);
                    if c.is_ascii_digit() {
                        j += 1;
                        continue;
                    }
                    if c == b'.' {
                        if self.at(j - 1) == b'-' || seen_dp {
                            return None;
                        }
                        seen_dp = true;
                        j += 1;
                        continue;
                    }
                    if c == b'e' || c == b'E' {
                        if self.at(j - 1) < b'0' || seen_e {
                            return None;
                        }
                        seen_dp = true;
                        seen_e = true;
                        let mut c2 = self.at(j + 1);
                        if c2 == b'+' || c2 == b'-' {
                            j += 1;
                            c2 = self.at(j + 1);
                        }
                        if !c2.is_ascii_digit() {
                            return None;
                        }
                        j += 1;
                        continue;
                    }
                    break;
                }
                if self.at(j - 1) < b'0' {
                    return None;
                }
                let raw = self.z[i..j].to_vec();
                Some((
                    Node::new(if seen_dp {
                        Kind::Real(raw)
                    } else {
                        Kind::Int(raw)
                    }),
                    j,
                ))
            }
            _ => None,
        }
    }
}

/// Parse a whole JSON text (`None` if malformed).
fn parse(z: &[u8]) -> Option<Node> {
    let z = super::scalar::cut_nul(z);
    let mut p = Parser { z, depth: 0 };
    let (n, mut i) = p.value(0)?;
    while is_ws(p.at(i)) {
        i += 1;
    }
    if i != z.len() {
        return None;
    }
    Some(n)
}

fn malformed() -> Error {
    Error::sql("malformed JSON")
}

/// Parse argument 0: Ok(None) for NULL, error for malformed JSON.
fn parse_arg(a: &[Value]) -> Result<Option<Node>> {
    match value_text_cow(arg(a, 0)) {
        None => Ok(None),
        Some(t) => parse(&t).map(Some).ok_or_else(malformed),
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering

fn append_string(out: &mut Vec<u8>, z: &[u8]) {
    out.push(b'"');
    for &c in z {
        match c {
            b'"' | b'\\' => {
                out.push(b'\\');
                out.push(c);
            }
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            c if c <= 0x1f => {
                out.extend_from_slice(b"\\u00");
                out.push(b'0' + (c >> 4));
                out.push(b"0123456789abcdef"[(c & 0xf) as usize]);
            }
            c => out.push(c),
        }
    }
    out.push(b'"');
}

/// `jsonAppendValue`: an SQL value as JSON. `subtype` is the value's subtype.
fn append_value(out: &mut Vec<u8>, v: &Value, subtype: u32) -> Result<()> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Real(r) => out.extend_from_slice(&format(b"%!0.15g", &[PrintfArg::Double(*r)])?),
        Value::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Text(t) => {
            if subtype == JSON_SUBTYPE {
                out.extend_from_slice(t);
            } else {
                append_string(out, t);
            }
        }
        Value::Blob(_) => return Err(Error::sql("JSON cannot hold BLOB values")),
    }
    Ok(())
}

fn separator(out: &mut Vec<u8>) {
    if let Some(&c) = out.last() {
        if c != b'[' && c != b'{' {
            out.push(b',');
        }
    }
}

struct Repl<'a> {
    args: &'a [Value],
    subtypes: &'a [u32],
}

fn render(n: &Node, out: &mut Vec<u8>, repl: Option<&Repl>) -> Result<()> {
    if let (Some(k), Some(r)) = (n.replace, repl) {
        let st = r.subtypes.get(k).copied().unwrap_or(0);
        return append_value(out, arg(r.args, k), st);
    }
    match &n.kind {
        Kind::Null => out.extend_from_slice(b"null"),
        Kind::True => out.extend_from_slice(b"true"),
        Kind::False => out.extend_from_slice(b"false"),
        Kind::Int(t) | Kind::Real(t) | Kind::Str(t, _) => out.extend_from_slice(t),
        Kind::RawLabel(t) => append_string(out, t),
        Kind::Array(items) => {
            out.push(b'[');
            for it in items {
                if !it.removed {
                    separator(out);
                    render(it, out, repl)?;
                }
            }
            out.push(b']');
        }
        Kind::Object(members) => {
            out.push(b'{');
            for (k, v) in members {
                if !v.removed {
                    separator(out);
                    render(k, out, repl)?;
                    out.push(b':');
                    render(v, out, repl)?;
                }
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn json_result(ctx: &mut FuncContext, n: &Node, repl: Option<&Repl>) -> Result<Value> {
    let mut out = Vec::new();
    render(n, &mut out, repl)?;
    ctx.result_subtype = JSON_SUBTYPE;
    Ok(Value::Text(out))
}

fn hex4(z: &[u8], i: usize) -> u32 {
    let mut v = 0u32;
    for k in 0..4 {
        let c = z.get(i + k).copied().unwrap_or(b'0');
        let d = (c as char).to_digit(16).unwrap_or(0);
        v = v * 16 + d;
    }
    v
}

/// Unescape the raw text of a JSON string (with quotes) as `jsonReturn` does.
fn unescape(raw: &[u8]) -> Vec<u8> {
    let z = raw.get(1..raw.len().saturating_sub(1)).unwrap_or(&[]);
    let n = z.len();
    let mut out = Vec::with_capacity(n);
    let mut i = 0;
    while i < n {
        let c = z[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let c = z.get(i).copied().unwrap_or(0);
        if c == b'u' {
            let mut v = hex4(z, i + 1);
            i += 4;
            if v == 0 {
                break;
            }
            if v <= 0x7f {
                out.push(v as u8);
            } else if v <= 0x7ff {
                out.push(0xc0 | (v >> 6) as u8);
                out.push(0x80 | (v & 63) as u8);
            } else {
                let lo = hex4(z, i + 3);
                if v & 0xfc00 == 0xd800
                    && i + 6 < n
                    && z.get(i + 1) == Some(&b'\\')
                    && z.get(i + 2) == Some(&b'u')
                    && lo & 0xfc00 == 0xdc00
                {
                    v = ((v & 0x3ff) << 10) + (lo & 0x3ff) + 0x10000;
                    i += 6;
                    out.push(0xf0 | (v >> 18) as u8);
                    out.push(0x80 | ((v >> 12) & 63) as u8);
                    out.push(0x80 | ((v >> 6) & 63) as u8);
                    out.push(0x80 | (v & 63) as u8);
                } else {
                    out.push(0xe0 | (v >> 12) as u8);
                    out.push(0x80 | ((v >> 6) & 63) as u8);
                    out.push(0x80 | (v & 63) as u8);
                }
            }
        } else {
            out.push(match c {
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                other => other,
            });
        }
        i += 1;
    }
    out
}

/// `jsonReturn`: the SQL value of a node.
fn sql_value(ctx: &mut FuncContext, n: &Node) -> Result<Value> {
    Ok(match &n.kind {
        Kind::Null => Value::Null,
        Kind::True => Value::Integer(1),
        Kind::False => Value::Integer(0),
        Kind::Int(t) => {
            let neg = t.first() == Some(&b'-');
            let digits = if neg { &t[1..] } else { &t[..] };
            let mut i: i64 = 0;
            let mut as_real = false;
            let mut k = 0;
            let mut special_min = false;
            while k < digits.len() {
                let v = (digits[k] - b'0') as i64;
                k += 1;
                if i >= i64::MAX / 10 {
                    if i > i64::MAX / 10 || k < digits.len() || v == 9 {
                        as_real = true;
                        break;
                    }
                    if v == 8 {
                        if neg {
                            special_min = true;
                            break;
                        }
                        as_real = true;
                        break;
                    }
                }
                i = i * 10 + v;
            }
            if special_min {
                Value::Integer(i64::MIN)
            } else if as_real {
                super::math::real(super::text::atof(t).0)
            } else {
                Value::Integer(if neg { -i } else { i })
            }
        }
        Kind::Real(t) => super::math::real(super::text::atof(t).0),
        Kind::Str(raw, escaped) => {
            if *escaped {
                Value::Text(unescape(raw))
            } else {
                Value::Text(
                    raw.get(1..raw.len().saturating_sub(1))
                        .unwrap_or(&[])
                        .to_vec(),
                )
            }
        }
        Kind::RawLabel(t) => Value::Text(t.clone()),
        Kind::Array(_) | Kind::Object(_) => return json_result(ctx, n, None),
    })
}

// ---------------------------------------------------------------------------------------------
// Paths

enum Look {
    /// Found: a path of child indices from the root.
    Found(Vec<usize>),
    NotFound,
    /// Syntax error near this (remaining) path text.
    Err(Vec<u8>),
}

fn path_error(near: &[u8]) -> Error {
    let q = format(b"JSON path error near '%q'", &[PrintfArg::Str(Some(near))]).unwrap_or_default();
    Error::sql(String::from_utf8_lossy(&q).into_owned())
}

/// Access a node by a child-index route. For objects, index k means member k's value.
fn node_at<'a>(root: &'a Node, route: &[usize]) -> Option<&'a Node> {
    let mut n = root;
    for &k in route {
        n = match &n.kind {
            Kind::Array(items) => items.get(k)?,
            Kind::Object(m) => &m.get(k)?.1,
            _ => return None,
        };
    }
    Some(n)
}

fn node_at_mut<'a>(root: &'a mut Node, route: &[usize]) -> Option<&'a mut Node> {
    let mut n = root;
    for &k in route {
        n = match &mut n.kind {
            Kind::Array(items) => items.get_mut(k)?,
            Kind::Object(m) => &mut m.get_mut(k)?.1,
            _ => return None,
        };
    }
    Some(n)
}

fn label_eq(label: &Node, key: &[u8]) -> bool {
    match &label.kind {
        Kind::Str(raw, _) => raw.get(1..raw.len().saturating_sub(1)) == Some(key),
        Kind::RawLabel(t) => t == key,
        _ => false,
    }
}

/// SQLite's `jsonLookupStep` (+ `jsonLookupAppend` when `append`): walks `path` from the node
/// at `route`; with `append`, missing object members / the array element just past the end are
/// created. Returns the route of the found node and whether it was appended.
fn lookup_step(
    root: &mut Node,
    base: usize,
    route: Vec<usize>,
    path: &[u8],
    append: bool,
    appended: &mut bool,
) -> Look {
    let Some(node) = node_at_mut(root, &route) else {
        return Look::NotFound;
    };
    if path.is_empty() {
        return Look::Found(route);
    }
    if node.replace.is_some() {
        return Look::NotFound;
    }
    let at = |i: usize| path.get(i).copied().unwrap_or(0);
    if path[0] == b'.' {
        let Kind::Object(members) = &mut node.kind else {
            return Look::NotFound;
        };
        let p = &path[1..];
        let (key, rest): (&[u8], &[u8]);
        if p.first() == Some(&b'"') {
            let mut i = 1;
            while i < p.len() && p[i] != b'"' {
                i += 1;
            }
            if i >= p.len() {
                return Look::Err(p.to_vec());
            }
            key = &p[1..i];
            rest = &p[i + 1..];
        } else {
            let mut i = 0;
            while i < p.len() && p[i] != b'.' && p[i] != b'[' {
                i += 1;
            }
            if i == 0 {
                return Look::Err(p.to_vec());
            }
            key = &p[..i];
            rest = &p[i..];
        }
        if let Some(k) = members.iter().position(|(l, _)| label_eq(l, key)) {
            let mut r = route;
            r.push(k);
            return lookup_step(root, base, r, rest, append, appended);
        }
        if append && base + route.len() < MAX_DEPTH {
            // Build the missing member, then continue the path inside it (never deeper than
            // the parser's nesting limit, so rendering cannot recurse without bound).
            let mut child = match new_container(rest) {
                Some(c) => c,
                None => return Look::NotFound,
            };
            let mut sub_app = false;
            let res = lookup_step(
                &mut child,
                base + route.len() + 1,
                vec![],
                rest,
                true,
                &mut sub_app,
            );
            if let Look::Found(sub) = res {
                *appended = true;
                let Some(Node {
                    kind: Kind::Object(members),
                    ..
                }) = node_at_mut(root, &route)
                else {
                    return Look::NotFound;
                };
                members.push((Node::new(Kind::RawLabel(key.to_vec())), child));
                let mut r = route;
                r.push(members.len() - 1);
                r.extend(sub);
                return Look::Found(r);
            }
            return res;
        }
        Look::NotFound
    } else if path[0] == b'[' {
        let mut i: u64 = 0;
        let mut j = 1;
        while at(j).is_ascii_digit() {
            i = i.saturating_mul(10).saturating_add((at(j) - b'0') as u64);
            j += 1;
        }
        if j < 2 || at(j) != b']' {
            if at(1) == b'#' {
                let Kind::Array(items) = &node.kind else {
                    return Look::NotFound;
                };
                let mut cnt = items.iter().filter(|n| !n.removed).count() as u64;
                j = 2;
                if at(2) == b'-' && at(3).is_ascii_digit() {
                    let mut x: u64 = 0;
                    j = 3;
                    while at(j).is_ascii_digit() {
                        x = x.saturating_mul(10).saturating_add((at(j) - b'0') as u64);
                        j += 1;
                    }
                    if x > cnt {
                        return Look::NotFound;
                    }
                    cnt -= x;
                }
                if at(j) != b']' {
                    return Look::Err(path.to_vec());
                }
                i = cnt;
            } else {
                return Look::Err(path.to_vec());
            }
        }
        let Kind::Array(items) = &mut node.kind else {
            return Look::NotFound;
        };
        let rest = &path[j + 1..];
        let mut remaining = i;
        let mut hit = None;
        for (k, it) in items.iter().enumerate() {
            if it.removed {
                continue;
            }
            if remaining == 0 {
                hit = Some(k);
                break;
            }
            remaining -= 1;
        }
        if let Some(k) = hit {
            let mut r = route;
            r.push(k);
            return lookup_step(root, base, r, rest, append, appended);
        }
        if remaining == 0 && append && base + route.len() < MAX_DEPTH {
            let mut child = match new_container(rest) {
                Some(c) => c,
                None => return Look::NotFound,
            };
            let mut sub_app = false;
            let res = lookup_step(
                &mut child,
                base + route.len() + 1,
                vec![],
                rest,
                true,
                &mut sub_app,
            );
            if let Look::Found(sub) = res {
                *appended = true;
                let Some(Node {
                    kind: Kind::Array(items),
                    ..
                }) = node_at_mut(root, &route)
                else {
                    return Look::NotFound;
                };
                items.push(child);
                let mut r = route;
                r.push(items.len() - 1);
                r.extend(sub);
                return Look::Found(r);
            }
            return res;
        }
        Look::NotFound
    } else {
        Look::Err(path.to_vec())
    }
}

/// The container `jsonLookupAppend` creates for the rest of a path (None: cannot append).
fn new_container(rest: &[u8]) -> Option<Node> {
    if rest.is_empty() {
        Some(Node::new(Kind::Null))
    } else if rest[0] == b'.' {
        Some(Node::new(Kind::Object(Vec::new())))
    } else if rest.starts_with(b"[0]") {
        Some(Node::new(Kind::Array(Vec::new())))
    } else {
        None
    }
}

/// `jsonLookup`: `Ok(None)` not found (or NULL path), `Err` for a path syntax error.
fn lookup(
    root: &mut Node,
    path: Option<&[u8]>,
    append: bool,
    appended: &mut bool,
) -> Result<Option<Vec<usize>>> {
    let Some(path) = path else { return Ok(None) };
    let path = super::scalar::cut_nul(path);
    if path.first() != Some(&b'$') {
        return Err(path_error(path));
    }
    match lookup_step(root, 0, vec![], &path[1..], append, appended) {
        Look::Found(r) => Ok(Some(r)),
        Look::NotFound => Ok(None),
        Look::Err(near) => Err(path_error(&near)),
    }
}

fn subtypes(ctx: &FuncContext) -> Vec<u32> {
    ctx.arg_subtypes.clone()
}

// ---------------------------------------------------------------------------------------------
// SQL functions

pub fn json(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    match parse_arg(a)? {
        None => Ok(Value::Null),
        Some(n) => json_result(ctx, &n, None),
    }
}

pub fn json_valid(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    Ok(match value_text_cow(arg(a, 0)) {
        None => Value::Integer(0),
        Some(t) => Value::Integer(parse(&t).is_some() as i64),
    })
}

fn path_arg(v: &Value) -> Option<Vec<u8>> {
    value_text_cow(v).map(|c| c.into_owned())
}

pub fn json_type(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let Some(mut root) = parse_arg(a)? else {
        return Ok(Value::Null);
    };
    let route = if a.len() >= 2 {
        let p = path_arg(arg(a, 1));
        match lookup(&mut root, p.as_deref(), false, &mut false)? {
            Some(r) => r,
            None => return Ok(Value::Null),
        }
    } else {
        vec![]
    };
    Ok(match node_at(&root, &route) {
        Some(n) => Value::text(n.type_name()),
        None => Value::Null,
    })
}

pub fn json_array_length(_: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let Some(mut root) = parse_arg(a)? else {
        return Ok(Value::Null);
    };
    let route = if a.len() >= 2 {
        let p = path_arg(arg(a, 1));
        match lookup(&mut root, p.as_deref(), false, &mut false)? {
            Some(r) => r,
            None => return Ok(Value::Null),
        }
    } else {
        vec![]
    };
    Ok(match node_at(&root, &route) {
        Some(Node {
            kind: Kind::Array(items),
            ..
        }) => Value::Integer(items.len() as i64),
        Some(_) => Value::Integer(0),
        None => Value::Null,
    })
}

pub fn json_extract(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    if a.len() < 2 {
        return Ok(Value::Null);
    }
    let Some(mut root) = parse_arg(a)? else {
        return Ok(Value::Null);
    };
    if a.len() == 2 {
        let Some(p) = path_arg(arg(a, 1)) else {
            return Ok(Value::Null);
        };
        return match lookup(&mut root, Some(&p), false, &mut false)? {
            Some(r) => match node_at(&root, &r) {
                Some(n) => {
                    let n = n.clone();
                    sql_value(ctx, &n)
                }
                None => Ok(Value::Null),
            },
            None => Ok(Value::Null),
        };
    }
    let mut out = vec![b'['];
    for v in &a[1..] {
        let p = path_arg(v);
        let found = lookup(&mut root, p.as_deref(), false, &mut false)?;
        separator(&mut out);
        match found.and_then(|r| node_at(&root, &r)) {
            Some(n) => render(n, &mut out, None)?,
            None => out.extend_from_slice(b"null"),
        }
    }
    out.push(b']');
    ctx.result_subtype = JSON_SUBTYPE;
    Ok(Value::Text(out))
}

/// `->` (`json` = true) and `->>` (false): abbreviated paths allowed.
fn arrow(ctx: &mut FuncContext, a: &[Value], as_json: bool) -> Result<Value> {
    let Some(mut root) = parse_arg(a)? else {
        return Ok(Value::Null);
    };
    let Some(p) = path_arg(arg(a, 1)) else {
        return Ok(Value::Null);
    };
    let p = super::scalar::cut_nul(&p).to_vec();
    let full = if p.first() == Some(&b'$') {
        p
    } else if p.first().is_some_and(|c| c.is_ascii_digit()) {
        let mut f = b"$[".to_vec();
        f.extend_from_slice(&p);
        f.push(b']');
        f
    } else {
        let mut f = if p.first() == Some(&b'[') {
            b"$".to_vec()
        } else {
            b"$.".to_vec()
        };
        f.extend_from_slice(&p);
        f
    };
    match lookup(&mut root, Some(&full), false, &mut false)? {
        Some(r) => match node_at(&root, &r) {
            Some(n) => {
                let n = n.clone();
                if as_json {
                    json_result(ctx, &n, None)
                } else {
                    let v = sql_value(ctx, &n)?;
                    ctx.result_subtype = 0;
                    Ok(v)
                }
            }
            None => Ok(Value::Null),
        },
        None => Ok(Value::Null),
    }
}

pub fn arrow_json(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    arrow(ctx, a, true)
}

pub fn arrow_sql(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    arrow(ctx, a, false)
}

/// json_set (mode 2), json_insert (mode 1), json_replace (mode 0).
fn edit(ctx: &mut FuncContext, a: &[Value], mode: u8, name: &str) -> Result<Value> {
    if a.is_empty() {
        return Ok(Value::Null);
    }
    if a.len() % 2 == 0 {
        return Err(Error::sql(format!(
            "json_{name}() needs an odd number of arguments"
        )));
    }
    let Some(mut root) = parse_arg(a)? else {
        return Ok(Value::Null);
    };
    let mut i = 1;
    while i < a.len() {
        let p = path_arg(arg(a, i));
        let mut appended = false;
        let found = lookup(&mut root, p.as_deref(), mode != 0, &mut appended)?;
        if let Some(r) = found {
            if mode == 0 || appended || mode == 2 {
                if let Some(n) = node_at_mut(&mut root, &r) {
                    n.replace = Some(i + 1);
                }
            }
        }
        i += 2;
    }
    if let Some(k) = root.replace {
        let v = arg(a, k).clone();
        ctx.result_subtype = ctx.arg_subtypes.get(k).copied().unwrap_or(0);
        return Ok(v);
    }
    let st = subtypes(ctx);
    json_result(
        ctx,
        &root,
        Some(&Repl {
            args: a,
            subtypes: &st,
        }),
    )
}

pub fn json_set(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    edit(ctx, a, 2, "set")
}
pub fn json_insert(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    edit(ctx, a, 1, "insert")
}
pub fn json_replace(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    edit(ctx, a, 0, "replace")
}

pub fn json_remove(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    if a.is_empty() {
        return Ok(Value::Null);
    }
    let Some(mut root) = parse_arg(a)? else {
        return Ok(Value::Null);
    };
    for v in &a[1..] {
        let Some(p) = path_arg(v) else {
            return Ok(Value::Null);
        };
        if let Some(r) = lookup(&mut root, Some(&p), false, &mut false)? {
            if let Some(n) = node_at_mut(&mut root, &r) {
                n.removed = true;
            }
        }
    }
    if root.removed {
        return Ok(Value::Null);
    }
    json_result(ctx, &root, None)
}

pub fn json_array(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let mut out = vec![b'['];
    for (k, v) in a.iter().enumerate() {
        separator(&mut out);
        append_value(&mut out, v, ctx.arg_subtypes.get(k).copied().unwrap_or(0))?;
    }
    out.push(b']');
    ctx.result_subtype = JSON_SUBTYPE;
    Ok(Value::Text(out))
}

pub fn json_object(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    if a.len() % 2 == 1 {
        return Err(Error::sql(
            "json_object() requires an even number of arguments",
        ));
    }
    let mut out = vec![b'{'];
    for k in (0..a.len()).step_by(2) {
        let Value::Text(label) = &a[k] else {
            return Err(Error::sql("json_object() labels must be TEXT"));
        };
        separator(&mut out);
        append_string(&mut out, label);
        out.push(b':');
        append_value(
            &mut out,
            arg(a, k + 1),
            ctx.arg_subtypes.get(k + 1).copied().unwrap_or(0),
        )?;
    }
    out.push(b'}');
    ctx.result_subtype = JSON_SUBTYPE;
    Ok(Value::Text(out))
}

pub fn json_quote(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let mut out = Vec::new();
    append_value(
        &mut out,
        arg(a, 0),
        ctx.arg_subtypes.first().copied().unwrap_or(0),
    )?;
    ctx.result_subtype = JSON_SUBTYPE;
    Ok(Value::Text(out))
}

/// Remove null-valued members of objects, recursively through objects (`jsonRemoveAllNulls`).
fn remove_all_nulls(n: &mut Node) {
    if let Kind::Object(m) = &mut n.kind {
        for (_, v) in m.iter_mut() {
            match v.kind {
                Kind::Null => v.removed = true,
                Kind::Object(_) => remove_all_nulls(v),
                _ => {}
            }
        }
    }
}

fn raw_label(l: &Node) -> Vec<u8> {
    match &l.kind {
        Kind::Str(raw, _) => raw.clone(),
        Kind::RawLabel(t) => {
            let mut o = Vec::new();
            append_string(&mut o, t);
            o
        }
        _ => Vec::new(),
    }
}

/// RFC 7396 MergePatch as SQLite's `jsonMergePatch`.
fn merge_patch(target: Node, mut patch: Node) -> Node {
    if !matches!(patch.kind, Kind::Object(_)) {
        return patch;
    }
    let Kind::Object(mut tm) = target.kind else {
        remove_all_nulls(&mut patch);
        return patch;
    };
    let Kind::Object(pm) = patch.kind else {
        return Node::new(Kind::Null);
    };
    let orig = tm.len();
    let mut patched = vec![false; orig];
    for (pk, pv) in pm {
        let key = raw_label(&pk);
        let mut found = false;
        for j in 0..orig {
            if raw_label(&tm[j].0) == key {
                found = true;
                if tm[j].1.removed || patched[j] {
                    break;
                }
                if matches!(pv.kind, Kind::Null) {
                    tm[j].1.removed = true;
                } else {
                    let old = std::mem::replace(&mut tm[j].1, Node::new(Kind::Null));
                    tm[j].1 = merge_patch(old, pv.clone());
                    patched[j] = true;
                }
                break;
            }
        }
        if !found && !matches!(pv.kind, Kind::Null) {
            let mut v = pv;
            remove_all_nulls(&mut v);
            tm.push((pk, v));
        }
    }
    Node {
        kind: Kind::Object(tm),
        removed: target.removed,
        replace: None,
    }
}

pub fn json_patch(ctx: &mut FuncContext, a: &[Value]) -> Result<Value> {
    let Some(target) = parse_arg(a)? else {
        return Ok(Value::Null);
    };
    let Some(patch) = parse_arg(&a[1.min(a.len())..])? else {
        return Ok(Value::Null);
    };
    let r = merge_patch(target, patch);
    json_result(ctx, &r, None)
}

// ---------------------------------------------------------------------------------------------
// Aggregates

/// json_group_array(X) / json_group_object(N, V): each element rendered as it arrives.
struct Group {
    object: bool,
    items: VecDeque<Vec<u8>>,
    len: usize,
}

impl AggState for Group {
    fn step(&mut self, ctx: &mut FuncContext, a: &[Value]) -> Result<()> {
        let mut e = Vec::new();
        if self.object {
            if let Some(t) = value_text_cow(arg(a, 0)) {
                append_string(&mut e, &t);
            }
            e.push(b':');
            append_value(
                &mut e,
                arg(a, 1),
                ctx.arg_subtypes.get(1).copied().unwrap_or(0),
            )?;
        } else {
            append_value(
                &mut e,
                arg(a, 0),
                ctx.arg_subtypes.first().copied().unwrap_or(0),
            )?;
        }
        self.len += e.len() + 1;
        if self.len > super::printf::MAX_LEN {
            return Err(super::scalar::too_big());
        }
        self.items.push_back(e);
        Ok(())
    }
    fn inverse(&mut self, _: &mut FuncContext, _: &[Value]) -> Result<()> {
        if let Some(e) = self.items.pop_front() {
            self.len -= e.len() + 1;
        }
        Ok(())
    }
    fn value(&mut self, ctx: &mut FuncContext) -> Result<Value> {
        let (open, close) = if self.object {
            (b'{', b'}')
        } else {
            (b'[', b']')
        };
        let mut out = Vec::with_capacity(self.len + 2);
        out.push(open);
        for (k, e) in self.items.iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            out.extend_from_slice(e);
        }
        out.push(close);
        ctx.result_subtype = JSON_SUBTYPE;
        Ok(Value::Text(out))
    }
    fn finalize(&mut self, ctx: &mut FuncContext) -> Result<Value> {
        self.value(ctx)
    }
}

pub fn group_array_factory() -> Box<dyn AggState> {
    Box::new(Group {
        object: false,
        items: VecDeque::new(),
        len: 0,
    })
}

pub fn group_object_factory() -> Box<dyn AggState> {
    Box::new(Group {
        object: true,
        items: VecDeque::new(),
        len: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    fn t(s: &str) -> Value {
        Value::text(s)
    }
    fn s(v: Value) -> String {
        match v {
            Value::Text(t) => String::from_utf8_lossy(&t).into_owned(),
            other => format!("{other:?}"),
        }
    }
    #[test]
    fn parse_and_render() {
        let mut c = FuncContext::default();
        assert_eq!(
            s(json(&mut c, &[t(" { \"a\" : \"\\u0041\" , \"b\":1.50e3 } ")]).unwrap()),
            "{\"a\":\"\\u0041\",\"b\":1.50e3}"
        );
        assert_eq!(c.result_subtype, JSON_SUBTYPE);
        for bad in [
            "", "01", "1.", "-", "[1,]", "{\"a\"}", "nul", "\"\t\"", "[1] x", "{1:2}",
        ] {
            assert!(parse(bad.as_bytes()).is_none(), "{bad}");
        }
        let deep = "[".repeat(2001) + &"]".repeat(2001);
        assert!(parse(deep.as_bytes()).is_none());
        let ok = "[".repeat(2000) + &"]".repeat(2000);
        assert!(parse(ok.as_bytes()).is_some());
    }
    #[test]
    fn edits() {
        let mut c = FuncContext::default();
        let r = json_set(&mut c, &[t("{\"a\":1}"), t("$.b.c[0]"), Value::Integer(2)]).unwrap();
        assert_eq!(s(r), "{\"a\":1,\"b\":{\"c\":[2]}}");
        let r = json_set(&mut c, &[t("{\"a\":1}"), t("$.b.c[1]"), Value::Integer(2)]).unwrap();
        assert_eq!(s(r), "{\"a\":1}");
        let r = json_set(&mut c, &[t("{\"a\":1}"), t("$.b.c"), Value::Integer(2)]).unwrap();
        assert_eq!(s(r), "{\"a\":1,\"b\":{\"c\":2}}");
        let r = json_insert(&mut c, &[t("[1,2]"), t("$[#]"), t("x")]).unwrap();
        assert_eq!(s(r), "[1,2,\"x\"]");
        let r = json_remove(&mut c, &[t("[1,2,3]"), t("$[0]"), t("$[0]")]).unwrap();
        assert_eq!(s(r), "[3]");
        // Deep documents and paths do not exhaust the stack (test threads have 2 MiB).
        let deep = "[".repeat(2000) + "7" + &"]".repeat(2000);
        let path = "$".to_string() + &"[0]".repeat(2000);
        assert!(matches!(
            json_extract(&mut c, &[t(&deep), t(&path)]).unwrap(),
            Value::Integer(7)
        ));
        let long = "$".to_string() + &".a".repeat(5000);
        assert_eq!(
            s(json_set(&mut c, &[t("{}"), t(&long), Value::Integer(1)]).unwrap()),
            "{}"
        );
        let e = json_extract(&mut c, &[t("[1]"), t("x")]).unwrap_err();
        assert_eq!(e.msg, "JSON path error near 'x'");
    }
}
