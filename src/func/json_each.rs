//! `json_each` and `json_tree` (json1.html §4.22): eponymous virtual tables with SQLite
//! 3.40.1's columns `key, value, type, atom, id, parent, fullkey, path, json HIDDEN,
//! root HIDDEN`. A child module of `json.rs` (it uses the parser and node model there).
//!
//! Ids follow SQLite's node array: a pre-order numbering of the whole document in which
//! every value takes one slot and every object label one more (so a member's value has the
//! id after its label's). `fullkey` of json_each is the root text as given plus `[i]` or
//! `.label` (label text as written, no quoting, as 3.40); json_tree computes it from `$`.
//!
//! Invariant: a cursor's `rows` are computed by `filter` (one entry per output row, in
//! SQLite's order) and `pos` indexes them; EOF is `pos == rows.len()`.

use super::{lookup, node_at, parse, path_error, sql_value, Kind, Node};
use crate::error::{Error, Result};
use crate::func::FuncContext;
use crate::value::Value;
use crate::vtab::{op, IndexInfo, Module, Registry, VTab, VTabCursor};
use std::sync::Arc;

const SCHEMA: &str = "CREATE TABLE x(key,value,type,atom,id,parent,fullkey,path,\
                      json HIDDEN,root HIDDEN)";
const COL_JSON: i32 = 8;
const COL_ROOT: i32 = 9;

/// Register json_each and json_tree in a registry.
pub fn register(r: &Registry) {
    r.create_module("json_each", Some(Arc::new(EachModule { tree: false })));
    r.create_module("json_tree", Some(Arc::new(EachModule { tree: true })));
}

struct EachModule {
    tree: bool,
}

impl Module for EachModule {
    fn connect(&self, _args: &[String], _create: bool) -> Result<(String, Box<dyn VTab>)> {
        Ok((SCHEMA.to_string(), Box::new(EachTable { tree: self.tree })))
    }
    fn eponymous(&self) -> bool {
        true
    }
    fn eponymous_only(&self) -> bool {
        true
    }
}

struct EachTable {
    tree: bool,
}

impl VTab for EachTable {
    /// As `jsonEachBestIndex`: equality on `json` (argv 1) and `root` (argv 2), omitted.
    fn best_index(&mut self, info: &mut IndexInfo) -> Result<()> {
        let mut json = None;
        let mut root = None;
        let mut unusable_json = false;
        for (i, c) in info.constraints.iter().enumerate() {
            if c.op != op::EQ || (c.column != COL_JSON && c.column != COL_ROOT) {
                continue;
            }
            if !c.usable {
                if c.column == COL_JSON {
                    unusable_json = true;
                }
                continue;
            }
            if c.column == COL_JSON {
                json.get_or_insert(i);
            } else {
                root.get_or_insert(i);
            }
        }
        if unusable_json && json.is_none() {
            return Err(Error::new(crate::error::codes::SQLITE_CONSTRAINT, ""));
        }
        match json {
            None => {
                info.idx_num = 0;
                info.estimated_cost = 1e99;
            }
            Some(j) => {
                info.estimated_cost = 1.0;
                info.usage[j].argv_index = 1;
                info.usage[j].omit = true;
                match root {
                    None => info.idx_num = 1,
                    Some(r) => {
                        info.usage[r].argv_index = 2;
                        info.usage[r].omit = true;
                        info.idx_num = 3;
                    }
                }
            }
        }
        Ok(())
    }
    fn open(&mut self) -> Result<Box<dyn VTabCursor>> {
        Ok(Box::new(EachCursor {
            tree: self.tree,
            doc: None,
            json: Value::Null,
            root_text: None,
            ents: Vec::new(),
            rows: Vec::new(),
            begin: 0,
            pos: 0,
        }))
    }
}

/// One node of the document in pre-order.
struct Ent {
    route: Vec<usize>,
    id: i64,
    /// Index (in `ents`) of the containing array/object.
    up: Option<usize>,
    /// Member of an object: the label as written (with quotes) and its SQL text.
    label: Option<(Vec<u8>, Value)>,
    /// Element of an array: its index.
    index: Option<i64>,
    /// Canonical path from `$`.
    fullkey: Vec<u8>,
    /// Number of entries in this subtree (itself included).
    size: usize,
}

fn flatten(
    n: &Node,
    route: Vec<usize>,
    up: Option<usize>,
    fullkey: Vec<u8>,
    next_id: &mut i64,
    out: &mut Vec<Ent>,
) {
    let me = out.len();
    out.push(Ent {
        route: route.clone(),
        id: *next_id,
        up,
        label: None,
        index: None,
        fullkey,
        size: 1,
    });
    *next_id += 1;
    match &n.kind {
        Kind::Array(items) => {
            for (i, it) in items.iter().enumerate() {
                let k = out.len();
                let mut r = route.clone();
                r.push(i);
                let mut fk = out[me].fullkey.clone();
                fk.extend_from_slice(format!("[{i}]").as_bytes());
                flatten(it, r, Some(me), fk, next_id, out);
                out[k].index = Some(i as i64);
            }
        }
        Kind::Object(members) => {
            for (i, (label, v)) in members.iter().enumerate() {
                *next_id += 1; // the label's slot
                let k = out.len();
                let mut r = route.clone();
                r.push(i);
                let raw = match &label.kind {
                    Kind::Str(raw, _) => raw.clone(),
                    Kind::RawLabel(t) => t.clone(),
                    _ => Vec::new(),
                };
                let inner = raw
                    .get(1..raw.len().saturating_sub(1))
                    .unwrap_or(&[])
                    .to_vec();
                let mut fk = out[me].fullkey.clone();
                fk.push(b'.');
                fk.extend_from_slice(&inner);
                flatten(v, r, Some(me), fk, next_id, out);
                let mut ctx = FuncContext::default();
                let text = sql_value(&mut ctx, label).unwrap_or(Value::Null);
                out[k].label = Some((raw, text));
            }
        }
        _ => {}
    }
    out[me].size = out.len() - me;
}

struct EachCursor {
    tree: bool,
    doc: Option<Node>,
    json: Value,
    /// The path argument as given (None: `$`).
    root_text: Option<Vec<u8>>,
    ents: Vec<Ent>,
    /// Entries shown, in order.
    rows: Vec<usize>,
    /// The entry the walk starts at.
    begin: usize,
    pos: usize,
}

impl EachCursor {
    fn ent(&self) -> Result<&Ent> {
        self.rows
            .get(self.pos)
            .and_then(|&i| self.ents.get(i))
            .ok_or_else(|| Error::sql("json_each: no row"))
    }
    fn node(&self, e: &Ent) -> Option<&Node> {
        self.doc.as_ref().and_then(|d| node_at(d, &e.route))
    }
    fn root_value(&self) -> Value {
        match &self.root_text {
            Some(t) => Value::Text(t.clone()),
            None => Value::text("$"),
        }
    }
}

impl VTabCursor for EachCursor {
    fn filter(&mut self, idx_num: i32, _idx_str: Option<&str>, args: &[Value]) -> Result<()> {
        self.doc = None;
        self.ents.clear();
        self.rows.clear();
        self.pos = 0;
        self.root_text = None;
        if idx_num == 0 {
            return Ok(());
        }
        let j = args.first().cloned().unwrap_or(Value::Null);
        let text = match super::value_text_cow(&j) {
            None => return Ok(()),
            Some(t) => t.into_owned(),
        };
        let mut doc = parse(&text).ok_or_else(super::malformed)?;
        self.json = j;
        let route = if idx_num & 2 != 0 {
            let p = match args.get(1).and_then(|v| super::value_text_cow(v)) {
                None => return Ok(()),
                Some(p) => p.into_owned(),
            };
            if p.first() != Some(&b'$') {
                return Err(path_error(&p));
            }
            let r = lookup(&mut doc, Some(&p), false, &mut false)?;
            self.root_text = Some(p);
            match r {
                Some(r) => r,
                None => return Ok(()),
            }
        } else {
            vec![]
        };
        let mut next_id = 0i64;
        flatten(
            &doc,
            vec![],
            None,
            b"$".to_vec(),
            &mut next_id,
            &mut self.ents,
        );
        let begin = self
            .ents
            .iter()
            .position(|e| e.route == route)
            .ok_or_else(|| Error::sql("json_each: path"))?;
        self.begin = begin;
        let size = self.ents[begin].size;
        let is_container = matches!(
            node_at(&doc, &route).map(|n| &n.kind),
            Some(Kind::Array(_)) | Some(Kind::Object(_))
        );
        if self.tree {
            self.rows = (begin..begin + size).collect();
        } else if is_container {
            self.rows = (begin + 1..begin + size)
                .filter(|&i| self.ents[i].up == Some(begin))
                .collect();
        } else {
            self.rows = vec![begin];
        }
        self.doc = Some(doc);
        Ok(())
    }
    fn next(&mut self) -> Result<()> {
        self.pos += 1;
        Ok(())
    }
    fn eof(&self) -> bool {
        self.pos >= self.rows.len()
    }
    fn column(&mut self, i: i32, _nochange: bool) -> Result<Value> {
        let e = self.ent()?;
        let idx = self.rows.get(self.pos).copied().unwrap_or(0);
        let is_root = idx == self.begin;
        let node = self.node(e);
        let mut ctx = FuncContext::default();
        Ok(match i {
            0 => {
                // key
                if is_root {
                    if !self.tree || e.id == 0 {
                        Value::Null
                    } else {
                        let container = matches!(
                            node.map(|n| &n.kind),
                            Some(Kind::Array(_)) | Some(Kind::Object(_))
                        );
                        match (&e.label, container) {
                            (Some((_, t)), true) => t.clone(),
                            _ => Value::Null,
                        }
                    }
                } else if let Some((_, t)) = &e.label {
                    t.clone()
                } else {
                    e.index.map(Value::Integer).unwrap_or(Value::Null)
                }
            }
            1 => match node {
                Some(n) => sql_value(&mut ctx, n)?,
                None => Value::Null,
            },
            2 => match node {
                Some(n) => Value::text(n.type_name()),
                None => Value::Null,
            },
            3 => match node {
                Some(n) if !matches!(n.kind, Kind::Array(_) | Kind::Object(_)) => {
                    sql_value(&mut ctx, n)?
                }
                _ => Value::Null,
            },
            4 => Value::Integer(e.id),
            5 => {
                if self.tree && !is_root {
                    e.up.and_then(|u| self.ents.get(u))
                        .map(|p| Value::Integer(p.id))
                        .unwrap_or(Value::Null)
                } else {
                    Value::Null
                }
            }
            6 => {
                if self.tree {
                    Value::Text(e.fullkey.clone())
                } else {
                    let mut s = match &self.root_text {
                        Some(t) => t.clone(),
                        None => b"$".to_vec(),
                    };
                    if !is_root {
                        if let Some((raw, _)) = &e.label {
                            s.push(b'.');
                            s.extend_from_slice(
                                raw.get(1..raw.len().saturating_sub(1)).unwrap_or(&[]),
                            );
                        } else if let Some(k) = e.index {
                            s.extend_from_slice(format!("[{k}]").as_bytes());
                        }
                    }
                    Value::Text(s)
                }
            }
            7 => {
                if self.tree {
                    match e.up.and_then(|u| self.ents.get(u)) {
                        Some(p) => Value::Text(p.fullkey.clone()),
                        None => Value::text("$"),
                    }
                } else {
                    self.root_value()
                }
            }
            8 => self.json.clone(),
            9 => self.root_value(),
            _ => Value::Null,
        })
    }
    fn rowid(&mut self) -> Result<i64> {
        Ok(self.pos as i64)
    }
}
