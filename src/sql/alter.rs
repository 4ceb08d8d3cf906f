//! ALTER TABLE: RENAME TO, RENAME COLUMN, ADD COLUMN, DROP COLUMN (SQLite 3.40.1 semantics).
//!
//! Approach (SQLite rewrites the schema with `sqlite_rename_*` SQL functions working on the
//! parse tree's token positions; we do the same edits on the token stream of each stored
//! statement, at compile time):
//! - The new `sql` text of every affected `sqlite_schema` row is computed when the ALTER
//!   statement is compiled, from the schema it was prepared with; the program rewrites those
//!   rows in place (same rowid, so `sqlite_schema` keeps SQLite's row order), bumps the
//!   schema cookie and reloads the schema (`ParseSchema`). A stale program fails its
//!   `Transaction` cookie check and is recompiled, so the texts are never computed from an
//!   outdated schema.
//! - Identifier edits keep the rest of the text byte for byte. A replacement is written as
//!   SQLite's `renameEditSql` does: quoted (`"new"`) when the new name was quoted in the ALTER
//!   statement or the replaced token was quoted, plain otherwise.
//! - Which tokens of a view or trigger name the table or column is decided by a token-level
//!   analysis (FROM/JOIN/INTO/UPDATE/ON positions, `x.col` qualifiers, aliases), not by full
//!   name resolution: an alias spelt like the renamed table, or an unqualified column that
//!   SQLite would resolve to an outer query, can be edited differently from SQLite.
//! - DROP COLUMN rewrites every row of the table without the column (same rowid); ADD COLUMN
//!   only edits the text (old rows are shorter; readers supply the DEFAULT), as SQLite.
//! - Checks SQLite makes only when the table is not empty (non-constant default, NOT NULL
//!   without default, STORED column) are emitted as a run-time test that halts with SQLite's
//!   message when the table has a row.

use super::build::Builder;
use super::schema::{dequote, table_from_create, SchemaRow, Table};
use crate::error::{codes, Error, Result};
use crate::vdbe::exec::OE_ABORT;
use crate::vdbe::{Opcode, P4};
use sqlite3_parser::ast;

/// One token of a statement: byte span.
#[derive(Clone, Copy, Debug)]
pub struct Tok {
    pub s: usize,
    pub e: usize,
}

/// The tokens of `sql` (whitespace and comments skipped). Stops at the first lexer error.
pub fn tokens(sql: &str) -> Vec<Tok> {
    use sqlite3_parser::lexer::sql::Tokenizer;
    use sqlite3_parser::lexer::Scanner;
    let mut sc = Scanner::new(Tokenizer::new());
    let mut v = Vec::new();
    while let Ok((s, Some(_), e)) = sc.scan(sql.as_bytes()) {
        v.push(Tok { s, e });
    }
    v
}

fn tok_text<'s>(sql: &'s str, t: &Tok) -> &'s str {
    sql.get(t.s..t.e).unwrap_or("")
}

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The identifier a token spells, dequoted, if it can be one (plain word or `"x"`, `[x]`,
/// `` `x` ``).
fn tok_ident(sql: &str, t: &Tok) -> Option<String> {
    let s = tok_text(sql, t);
    let b = s.as_bytes();
    match b.first() {
        Some(b'"') | Some(b'[') | Some(b'`') => Some(dequote(s)),
        Some(c) if is_id_char(*c) && !c.is_ascii_digit() => {
            if b.iter().all(|c| is_id_char(*c)) {
                Some(s.to_string())
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Upper-case text of a token (for keyword and punctuation tests).
fn kw(sql: &str, toks: &[Tok], i: usize) -> String {
    toks.get(i)
        .map(|t| tok_text(sql, t).to_ascii_uppercase())
        .unwrap_or_default()
}

fn ident_is(sql: &str, toks: &[Tok], i: usize, name: &str) -> bool {
    toks.get(i)
        .and_then(|t| tok_ident(sql, t))
        .map(|n| n.eq_ignore_ascii_case(name))
        .unwrap_or(false)
}

/// The new name of a rename, and whether it was quoted in the ALTER statement.
struct NewName {
    name: String,
    quoted: bool,
}

impl NewName {
    fn from(n: &ast::Name) -> NewName {
        let quoted = matches!(n.0.as_bytes().first(), Some(b'"' | b'[' | b'`' | b'\''));
        NewName {
            name: dequote(&n.0),
            quoted,
        }
    }
    /// What replaces token text `orig` (SQLite's `renameEditSql`).
    fn replacement(&self, orig: &str) -> String {
        let plain_orig = orig
            .as_bytes()
            .first()
            .map(|c| is_id_char(*c))
            .unwrap_or(false);
        if self.quoted || !plain_orig {
            format!("\"{}\"", self.name.replace('"', "\"\""))
        } else {
            self.name.clone()
        }
    }
}

/// Apply (start, end, replacement) edits to `sql` (edits must not overlap).
fn apply_edits(sql: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|e| e.0);
    edits.dedup_by_key(|e| e.0);
    let mut out = String::with_capacity(sql.len() + 16);
    let mut at = 0;
    for (s, e, r) in edits {
        if s < at || e > sql.len() {
            continue;
        }
        out.push_str(sql.get(at..s).unwrap_or(""));
        out.push_str(&r);
        at = e;
    }
    out.push_str(sql.get(at..).unwrap_or(""));
    out
}

/// Index of the object-name token of a CREATE statement (after `IF NOT EXISTS` and a
/// `schema.` prefix).
pub fn create_name_tok(sql: &str, toks: &[Tok]) -> Option<usize> {
    let mut i = 1;
    while i < toks.len() {
        match kw(sql, toks, i).as_str() {
            "TEMP" | "TEMPORARY" | "UNIQUE" | "VIRTUAL" | "TABLE" | "INDEX" | "VIEW"
            | "TRIGGER" => i += 1,
            "IF" => i += 3,
            _ => break,
        }
    }
    if kw(sql, toks, i + 1) == "." {
        i += 2;
    }
    (i < toks.len()).then_some(i)
}

/// Keywords after which an identifier cannot be a table alias.
const NOT_ALIAS: &[&str] = &[
    "WHERE",
    "JOIN",
    "ON",
    "USING",
    "LEFT",
    "RIGHT",
    "FULL",
    "INNER",
    "CROSS",
    "NATURAL",
    "OUTER",
    "GROUP",
    "ORDER",
    "LIMIT",
    "HAVING",
    "WINDOW",
    "UNION",
    "EXCEPT",
    "INTERSECT",
    "INDEXED",
    "NOT",
    "SET",
    "VALUES",
    "SELECT",
    "DEFAULT",
    "RETURNING",
    "BEGIN",
    "FOR",
    "WHEN",
    "END",
    "DO",
];

/// Token-level analysis of a view, trigger or index text: which tokens name tables.
#[derive(Default)]
struct Refs {
    /// Token indices that are table names (FROM/JOIN/INTO/UPDATE/ON/REFERENCES positions).
    tables: Vec<usize>,
    /// (alias, table) pairs from FROM lists.
    aliases: Vec<(String, String)>,
    /// Tokens that are aliases or names declared by the statement (not column references).
    declared: Vec<usize>,
    /// The table a trigger or index is ON.
    on_table: Option<String>,
}

fn analyze(sql: &str, toks: &[Tok]) -> Refs {
    let mut r = Refs::default();
    let head = kw(sql, toks, 1);
    let is_trigger = head == "TRIGGER" || kw(sql, toks, 2) == "TRIGGER";
    let is_index = head == "INDEX" || head == "UNIQUE";
    let mut depth = 0usize;
    let mut in_from: Vec<bool> = vec![false];
    let mut seen_on_top = false;
    let mut i = 0;
    while i < toks.len() {
        let k = kw(sql, toks, i);
        match k.as_str() {
            "(" => {
                depth += 1;
                in_from.push(false);
                i += 1;
                continue;
            }
            ")" => {
                depth = depth.saturating_sub(1);
                in_from.pop();
                if in_from.is_empty() {
                    in_from.push(false);
                }
                i += 1;
                continue;
            }
            "FROM" | "JOIN" => {
                if let Some(f) = in_from.last_mut() {
                    *f = true;
                }
            }
            "WHERE" | "GROUP" | "HAVING" | "ORDER" | "LIMIT" | "WINDOW" | "UNION" | "EXCEPT"
            | "INTERSECT" | "ON" | "USING" | "SET" | "VALUES" | "SELECT" | "RETURNING"
            | "BEGIN" | "END" | ";" => {
                if let Some(f) = in_from.last_mut() {
                    *f = false;
                }
            }
            _ => {}
        }
        // Is token i+1 in a table-name position?
        let next = i + 1;
        let table_pos = match k.as_str() {
            "FROM" | "JOIN" | "INTO" | "UPDATE" | "REFERENCES" => true,
            "," => in_from.last().copied().unwrap_or(false),
            "ON" if (is_trigger || is_index) && depth == 0 && !seen_on_top => {
                seen_on_top = true;
                true
            }
            "REPLACE" | "ROLLBACK" | "ABORT" | "FAIL" | "IGNORE" => {
                i >= 2 && kw(sql, toks, i - 1) == "OR" && kw(sql, toks, i - 2) == "UPDATE"
            }
            _ => false,
        };
        if table_pos
            && tok_ident(sql, &toks.get(next).copied().unwrap_or(Tok { s: 0, e: 0 })).is_some()
        {
            let ti = if kw(sql, toks, next + 1) == "." {
                next + 2
            } else {
                next
            };
            if let Some(name) = toks.get(ti).and_then(|t| tok_ident(sql, t)) {
                if kw(sql, toks, i) == "ON" {
                    r.on_table = Some(name.clone());
                }
                r.tables.push(ti);
                // Alias?
                let mut a = ti + 1;
                if kw(sql, toks, a) == "AS" {
                    a += 1;
                }
                let ak = kw(sql, toks, a);
                if matches!(k.as_str(), "FROM" | "JOIN" | ",") && !NOT_ALIAS.contains(&ak.as_str())
                {
                    if let Some(alias) = toks.get(a).and_then(|t| tok_ident(sql, t)) {
                        r.aliases.push((alias, name));
                        r.declared.push(a);
                    }
                }
                i = ti + 1;
                continue;
            }
        }
        if k == "AS" {
            r.declared.push(next);
        }
        i += 1;
    }
    r
}

/// Edits renaming table `old` to `new` in one stored statement.
fn rename_table_edits(
    sql: &str,
    kind: &str,
    row_name: &str,
    old: &str,
    new: &NewName,
) -> Vec<(usize, usize, String)> {
    let toks = tokens(sql);
    let mut edits = Vec::new();
    let mut push = |t: &Tok| edits.push((t.s, t.e, new.replacement(tok_text(sql, t))));
    match kind {
        "table" => {
            if row_name.eq_ignore_ascii_case(old) {
                if let Some(i) = create_name_tok(sql, &toks) {
                    if let Some(t) = toks.get(i) {
                        push(t);
                    }
                }
            }
            for i in 0..toks.len() {
                if kw(sql, &toks, i) == "REFERENCES" && ident_is(sql, &toks, i + 1, old) {
                    if let Some(t) = toks.get(i + 1) {
                        push(t);
                    }
                }
            }
        }
        _ => {
            let refs = analyze(sql, &toks);
            let aliased = refs
                .aliases
                .iter()
                .any(|(a, _)| a.eq_ignore_ascii_case(old));
            for &i in &refs.tables {
                if ident_is(sql, &toks, i, old) {
                    if let Some(t) = toks.get(i) {
                        push(t);
                    }
                }
            }
            if kind != "index" && !aliased {
                // Qualifiers `old.col` (not `x.old.col`'s schema part).
                for i in 0..toks.len() {
                    if ident_is(sql, &toks, i, old)
                        && kw(sql, &toks, i + 1) == "."
                        && !refs.tables.contains(&i)
                        && !(i >= 1 && kw(sql, &toks, i - 1) == "." && kw(sql, &toks, i + 3) == ".")
                    {
                        if let Some(t) = toks.get(i) {
                            push(t);
                        }
                    }
                }
            }
        }
    }
    edits
}

/// Edits renaming column `old` of table `tbl` to `new` in one stored statement. `others`
/// gives the columns of every table (to leave unqualified names of other tables alone).
fn rename_column_edits(
    sql: &str,
    kind: &str,
    row_name: &str,
    tbl: &str,
    old: &str,
    new: &NewName,
    col_of_other: &dyn Fn(&str, &str) -> bool,
) -> Vec<(usize, usize, String)> {
    let toks = tokens(sql);
    let mut edits = Vec::new();
    let mut push = |t: &Tok| edits.push((t.s, t.e, new.replacement(tok_text(sql, t))));
    if kind == "table" {
        let own = row_name.eq_ignore_ascii_case(tbl);
        // Walk the column list.
        let mut depth = 0usize;
        let mut at_start = false;
        // Depth at which a REFERENCES <other> (...) list is being skipped, and whether it
        // names our table.
        let mut refs_list: Option<(usize, bool)> = None;
        let mut pending_refs: Option<bool> = None;
        let mut i = 0;
        while i < toks.len() {
            let k = kw(sql, &toks, i);
            match k.as_str() {
                "(" => {
                    depth += 1;
                    if let Some(ours) = pending_refs.take() {
                        refs_list = Some((depth, ours));
                    }
                    at_start = depth == 1;
                    i += 1;
                    continue;
                }
                ")" => {
                    if let Some((d, _)) = refs_list {
                        if d == depth {
                            refs_list = None;
                        }
                    }
                    depth = depth.saturating_sub(1);
                    i += 1;
                    continue;
                }
                "," => {
                    at_start = depth == 1;
                    i += 1;
                    continue;
                }
                "REFERENCES" => {
                    pending_refs = Some(ident_is(sql, &toks, i + 1, tbl));
                    i += 2;
                    continue;
                }
                "COLLATE" | "CONSTRAINT" => {
                    i += 2;
                    at_start = false;
                    continue;
                }
                _ => {}
            }
            if depth == 1 && at_start {
                at_start = false;
                if own
                    && !matches!(
                        k.as_str(),
                        "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN"
                    )
                    && ident_is(sql, &toks, i, old)
                {
                    if let Some(t) = toks.get(i) {
                        push(t);
                    }
                }
                i += 1;
                continue;
            }
            if depth >= 2 && ident_is(sql, &toks, i, old) && kw(sql, &toks, i + 1) != "(" {
                let in_refs = refs_list.map(|(_, ours)| ours);
                let qualified_other =
                    i >= 2 && kw(sql, &toks, i - 1) == "." && !ident_is(sql, &toks, i - 2, tbl);
                let rename = match in_refs {
                    Some(ours) => ours,
                    None => own && !qualified_other,
                };
                if rename {
                    if let Some(t) = toks.get(i) {
                        push(t);
                    }
                }
            }
            i += 1;
        }
        return edits;
    }
    let refs = analyze(sql, &toks);
    if kind == "index" {
        if refs
            .on_table
            .as_deref()
            .map(|t| t.eq_ignore_ascii_case(tbl))
            .unwrap_or(false)
        {
            let start = refs.tables.first().copied().unwrap_or(0) + 1;
            for i in start..toks.len() {
                if ident_is(sql, &toks, i, old)
                    && kw(sql, &toks, i + 1) != "("
                    && kw(sql, &toks, i.saturating_sub(1)) != "COLLATE"
                {
                    if let Some(t) = toks.get(i) {
                        push(t);
                    }
                }
            }
        }
        return edits;
    }
    // View or trigger.
    let trigger_on_tbl = kind == "trigger"
        && refs
            .on_table
            .as_deref()
            .map(|t| t.eq_ignore_ascii_case(tbl))
            .unwrap_or(false);
    let mut qualifiers: Vec<String> = vec![tbl.to_string()];
    for (a, t) in &refs.aliases {
        if t.eq_ignore_ascii_case(tbl) {
            qualifiers.push(a.clone());
        }
    }
    if trigger_on_tbl {
        qualifiers.push("new".into());
        qualifiers.push("old".into());
    }
    let referenced: Vec<String> = refs
        .tables
        .iter()
        .filter_map(|&i| toks.get(i).and_then(|t| tok_ident(sql, t)))
        .collect();
    let uses_tbl = trigger_on_tbl || referenced.iter().any(|t| t.eq_ignore_ascii_case(tbl));
    if !uses_tbl {
        return edits;
    }
    let ambiguous = referenced
        .iter()
        .any(|t| !t.eq_ignore_ascii_case(tbl) && col_of_other(t, old));
    for i in 0..toks.len() {
        if !ident_is(sql, &toks, i, old)
            || refs.tables.contains(&i)
            || refs.declared.contains(&i)
            || kw(sql, &toks, i + 1) == "("
            || kw(sql, &toks, i + 1) == "."
        {
            continue;
        }
        let prev = kw(sql, &toks, i.saturating_sub(1));
        if prev == "COLLATE" || prev == "TRIGGER" {
            continue;
        }
        let rename = if i >= 2 && prev == "." {
            toks.get(i - 2)
                .and_then(|t| tok_ident(sql, t))
                .map(|q| qualifiers.iter().any(|x| x.eq_ignore_ascii_case(&q)))
                .unwrap_or(false)
        } else {
            !ambiguous
        };
        if rename {
            if let Some(t) = toks.get(i) {
                push(t);
            }
        }
    }
    edits
}

/// Does the stored statement mention column `col` of table `tbl` (for DROP COLUMN's check)?
fn mentions_column(sql: &str, kind: &str, tbl: &str, col: &str) -> bool {
    let probe = NewName {
        name: "\u{1}".into(),
        quoted: false,
    };
    !rename_column_edits(sql, kind, tbl, tbl, col, &probe, &|_, _| false).is_empty()
}

/// Text of a table's CREATE statement with the definition of column `iCol` removed
/// (SQLite's `sqlite_drop_column`).
fn drop_column_text(sql: &str, icol: usize, ncol: usize) -> Option<String> {
    let toks = tokens(sql);
    // Start token of each column definition, and the "add column offset" (the comma before
    // the first table constraint, or the closing parenthesis).
    let mut starts: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut at_start = false;
    let mut end_off = None;
    let mut prev_comma: Option<usize> = None;
    for (i, t) in toks.iter().enumerate() {
        let k = kw(sql, &toks, i);
        match k.as_str() {
            "(" => {
                depth += 1;
                at_start = depth == 1;
                continue;
            }
            ")" => {
                if depth == 1 && end_off.is_none() {
                    end_off = Some(t.s);
                }
                depth = depth.saturating_sub(1);
                continue;
            }
            "," if depth == 1 => {
                at_start = true;
                prev_comma = Some(t.s);
                continue;
            }
            _ => {}
        }
        if depth == 1 && at_start {
            at_start = false;
            if matches!(
                k.as_str(),
                "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN"
            ) {
                if end_off.is_none() {
                    end_off = prev_comma;
                }
            } else if end_off.is_none() {
                starts.push(t.s);
            }
        }
    }
    if starts.len() != ncol {
        return None;
    }
    let end_off = end_off?;
    let start = *starts.get(icol)?;
    if icol + 1 < ncol {
        let next = *starts.get(icol + 1)?;
        Some(format!("{}{}", sql.get(..start)?, sql.get(next..)?))
    } else {
        // Back up to the comma before the column.
        let before = sql.get(..start)?;
        let comma = before.rfind(',')?;
        Some(format!("{}{}", sql.get(..comma)?, sql.get(end_off..)?))
    }
}

/// Offset where ADD COLUMN inserts its text: the comma before the first table constraint,
/// or the closing parenthesis of the column list.
fn add_column_offset(sql: &str) -> Option<usize> {
    let toks = tokens(sql);
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        match kw(sql, &toks, i).as_str() {
            "(" => depth += 1,
            ")" => {
                if depth == 1 {
                    return Some(t.s);
                }
                depth = depth.saturating_sub(1);
            }
            "," if depth == 1 => {
                let n = kw(sql, &toks, i + 1);
                if matches!(
                    n.as_str(),
                    "CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN"
                ) {
                    return Some(t.s);
                }
            }
            _ => {}
        }
    }
    None
}

/// A row update of an (intkey) table: rows whose columns equal `matches` get `sets`.
struct RowUpdate {
    matches: Vec<(usize, String)>,
    sets: Vec<(usize, Option<String>)>,
}

impl<'a> Builder<'a> {
    /// Rewrite in place (same rowid) the rows of table `root` in `db` chosen by `updates`.
    fn emit_row_updates(
        &mut self,
        db: usize,
        root: i32,
        ncol: usize,
        aff: &str,
        table: &str,
        updates: &[RowUpdate],
    ) {
        if updates.is_empty() {
            return;
        }
        let c = self.cursor();
        self.emit4(
            Opcode::OpenWrite,
            c,
            root,
            db as i32,
            P4::Int32(ncol as i32),
            0,
        );
        let cols = self.regs(ncol);
        let cmp = self.reg();
        let rec = self.reg();
        let rid = self.reg();
        let done = self.label();
        let next = self.label();
        self.emit(Opcode::Rewind, c, done, 0);
        let top = self.addr();
        for i in 0..ncol {
            self.emit(Opcode::Column, c, i as i32, cols + i as i32);
        }
        for u in updates {
            let skip = self.label();
            for (col, val) in &u.matches {
                self.string(val, cmp);
                self.emit4(
                    Opcode::Ne,
                    cmp,
                    skip,
                    cols + *col as i32,
                    P4::Coll(None),
                    0x10,
                );
            }
            for (col, val) in &u.sets {
                match val {
                    Some(v) => self.string(v, cols + *col as i32),
                    None => self.null(cols + *col as i32),
                }
            }
            self.emit4(
                Opcode::MakeRecord,
                cols,
                ncol as i32,
                rec,
                P4::Affinity(aff.to_string()),
                0,
            );
            self.emit(Opcode::Rowid, c, rid, 0);
            self.emit4(Opcode::Insert, c, rec, rid, P4::Table(table.to_string()), 0);
            self.goto(next);
            self.resolve(skip);
        }
        self.resolve(next);
        self.emit(Opcode::Next, c, top, 0);
        self.resolve(done);
        self.emit(Opcode::Close, c, 0, 0);
    }

    /// Halt with SQLITE_ERROR `msg` when table `t` of `db` has a row
    /// (SQLite's `sqlite3ErrorIfNotEmpty`).
    fn error_if_not_empty(&mut self, db: usize, t: &Table, msg: &str) {
        let c = self.cursor();
        self.emit4(
            Opcode::OpenRead,
            c,
            t.root as i32,
            db as i32,
            P4::Int32(t.columns.len() as i32),
            0,
        );
        let ok = self.label();
        self.emit(Opcode::Rewind, c, ok, 0);
        self.emit4(
            Opcode::Halt,
            codes::SQLITE_ERROR,
            OE_ABORT,
            0,
            P4::Text(msg.to_string()),
            0,
        );
        self.resolve(ok);
        self.emit(Opcode::Close, c, 0, 0);
    }

    fn finish_schema_change(&mut self, db: usize) {
        let cookie = self.schema(db).map(|s| s.cookie).unwrap_or(0);
        self.emit(
            Opcode::SetCookie,
            db as i32,
            1,
            cookie.wrapping_add(1) as i32,
        );
        self.emit4(Opcode::ParseSchema, db as i32, 0, 0, P4::None, 0);
    }

    /// `ALTER TABLE`.
    pub fn alter_table(
        &mut self,
        q: &ast::QualifiedName,
        body: &ast::AlterTableBody,
        text: &str,
    ) -> Result<()> {
        let dbn = q.db_name.as_ref().map(|d| dequote(&d.0));
        let tname = dequote(&q.name.0);
        let (db, t) = self.find_table(dbn.as_deref(), &tname)?;
        let t = t.clone();
        let schema = self
            .schema(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        let rows: Vec<SchemaRow> = schema.rows.clone();
        let not_alterable = || {
            let n = if t.root == 1 {
                if db == 1 {
                    "sqlite_temp_master".to_string()
                } else {
                    "sqlite_master".to_string()
                }
            } else {
                t.name.clone()
            };
            Error::sql(format!("table {n} may not be altered"))
        };
        let reserved =
            t.root == 1 || t.name.len() >= 7 && t.name[..7].eq_ignore_ascii_case("sqlite_");
        self.use_db(db, true);
        match body {
            ast::AlterTableBody::RenameTo(new) => {
                // sqlite_rename_table always writes the new name quoted.
                let new = NewName {
                    name: dequote(&new.0),
                    quoted: true,
                };
                if schema.table(&new.name).is_some() || schema.index(&new.name).is_some() {
                    return Err(Error::sql(format!(
                        "there is already another table or index with this name: {}",
                        new.name
                    )));
                }
                if reserved {
                    return Err(not_alterable());
                }
                if new.name.len() >= 7 && new.name[..7].eq_ignore_ascii_case("sqlite_") {
                    return Err(Error::sql(format!(
                        "object name reserved for internal use: {}",
                        new.name
                    )));
                }
                if t.is_view {
                    return Err(Error::sql(format!("view {} may not be altered", t.name)));
                }
                let old = t.name.clone();
                if db != 1 && self.ctx.schemas.len() > 1 {
                    // SQLite also rewrites temp triggers, which opens the temp database
                    // (visible in PRAGMA database_list).
                    self.use_db(1, true);
                }
                let mut ups = Vec::new();
                for r in &rows {
                    let Some(sql) = r.sql.as_deref() else {
                        // Automatic index: renamed with its table.
                        if r.kind == "index" && r.tbl_name.eq_ignore_ascii_case(&old) {
                            let suffix = r.name.get(17 + old.len()..).unwrap_or("");
                            ups.push(RowUpdate {
                                matches: vec![(0, r.kind.clone()), (1, r.name.clone())],
                                sets: vec![
                                    (1, Some(format!("sqlite_autoindex_{}{}", new.name, suffix))),
                                    (2, Some(new.name.clone())),
                                ],
                            });
                        }
                        continue;
                    };
                    let edits = if r.kind == "index" && !r.tbl_name.eq_ignore_ascii_case(&old) {
                        Vec::new()
                    } else {
                        rename_table_edits(sql, &r.kind, &r.name, &old, &new)
                    };
                    let owned = r.tbl_name.eq_ignore_ascii_case(&old);
                    if edits.is_empty() && !owned {
                        continue;
                    }
                    let mut sets = vec![(4, Some(apply_edits(sql, edits)))];
                    if owned {
                        sets.push((2, Some(new.name.clone())));
                        if r.kind == "table" {
                            sets.push((1, Some(new.name.clone())));
                        }
                    }
                    ups.push(RowUpdate {
                        matches: vec![(0, r.kind.clone()), (1, r.name.clone())],
                        sets,
                    });
                }
                self.emit_row_updates(db, 1, 5, "BBBDB", "sqlite_schema", &ups);
                if t.autoincrement {
                    if let Some(seq) = schema.table("sqlite_sequence") {
                        let up = RowUpdate {
                            matches: vec![(0, old.clone())],
                            sets: vec![(0, Some(new.name.clone()))],
                        };
                        self.emit_row_updates(db, seq.root as i32, 2, "", "sqlite_sequence", &[up]);
                    }
                }
                self.finish_schema_change(db);
                Ok(())
            }
            ast::AlterTableBody::RenameColumn { old, new } => {
                if reserved {
                    return Err(not_alterable());
                }
                if t.is_view {
                    return Err(Error::sql(format!(
                        "cannot rename columns of view \"{}\"",
                        t.name
                    )));
                }
                let oldn = dequote(&old.0);
                let Some(ci) = t.column_index(&oldn) else {
                    return Err(Error::sql(format!("no such column: \"{}\"", old.0)));
                };
                let new = NewName::from(new);
                if t.columns
                    .iter()
                    .enumerate()
                    .any(|(i, c)| i != ci && c.name.eq_ignore_ascii_case(&new.name))
                {
                    return Err(Error::sql(format!(
                        "error in table {} after rename: duplicate column name: {}",
                        t.name, new.name
                    )));
                }
                let oldc = t.columns[ci].name.clone();
                let col_of_other = |tb: &str, c: &str| -> bool {
                    schema
                        .table(tb)
                        .map(|x| x.column_index(c).is_some())
                        .unwrap_or(false)
                };
                let mut ups = Vec::new();
                for r in &rows {
                    let Some(sql) = r.sql.as_deref() else {
                        continue;
                    };
                    let edits = rename_column_edits(
                        sql,
                        &r.kind,
                        &r.name,
                        &t.name,
                        &oldc,
                        &new,
                        &col_of_other,
                    );
                    if edits.is_empty() {
                        continue;
                    }
                    ups.push(RowUpdate {
                        matches: vec![(0, r.kind.clone()), (1, r.name.clone())],
                        sets: vec![(4, Some(apply_edits(sql, edits)))],
                    });
                }
                self.emit_row_updates(db, 1, 5, "BBBDB", "sqlite_schema", &ups);
                self.finish_schema_change(db);
                Ok(())
            }
            ast::AlterTableBody::AddColumn(cd) => self.add_column(db, &t, cd, text, reserved),
            ast::AlterTableBody::DropColumn(col) => {
                if reserved {
                    return Err(not_alterable());
                }
                if t.is_view {
                    return Err(Error::sql(format!(
                        "cannot drop column from view \"{}\"",
                        t.name
                    )));
                }
                let cn = dequote(&col.0);
                let Some(ci) = t.column_index(&cn) else {
                    return Err(Error::sql(format!("no such column: \"{}\"", col.0)));
                };
                let cname = t.columns[ci].name.clone();
                let in_pk = t.columns[ci].pk > 0;
                let unique = schema.table_indexes(&t).any(|i| {
                    i.origin == super::schema::IndexOrigin::Unique
                        && i.columns.iter().any(|c| c.column == ci)
                });
                if in_pk || unique {
                    return Err(Error::sql(format!(
                        "cannot drop {} column: \"{}\"",
                        if in_pk { "PRIMARY KEY" } else { "UNIQUE" },
                        cname
                    )));
                }
                if t.columns.len() <= 1 {
                    return Err(Error::sql(format!(
                        "cannot drop column \"{cname}\": no other columns exist"
                    )));
                }
                let tsql = t.sql.clone().unwrap_or_default();
                let new_sql = drop_column_text(&tsql, ci, t.columns.len())
                    .ok_or_else(|| Error::sql(format!("malformed database schema ({})", t.name)))?;
                // The schema must still make sense without the column.
                let after = |what: &str, name: &str| {
                    Error::sql(format!(
                        "error in {what} {name} after drop column: no such column: {cname}"
                    ))
                };
                let check_tbl = super::schema::parse_one(&new_sql)
                    .ok()
                    .and_then(|s| match s {
                        ast::Stmt::CreateTable { body, .. } => {
                            table_from_create(&t.name, &body).ok()
                        }
                        _ => None,
                    });
                if check_tbl.is_none() || mentions_column(&new_sql, "table", &t.name, &cname) {
                    return Err(after("table", &t.name));
                }
                for r in &rows {
                    let Some(sql) = r.sql.as_deref() else {
                        continue;
                    };
                    if r.kind == "table" {
                        continue;
                    }
                    if r.kind == "index" && !r.tbl_name.eq_ignore_ascii_case(&t.name) {
                        continue;
                    }
                    if mentions_column(sql, &r.kind, &t.name, &cname) {
                        return Err(after(&r.kind, &r.name));
                    }
                }
                let up = RowUpdate {
                    matches: vec![(0, "table".into()), (1, t.name.clone())],
                    sets: vec![(4, Some(new_sql))],
                };
                self.emit_row_updates(db, 1, 5, "BBBDB", "sqlite_schema", &[up]);
                // Rewrite every row without the column.
                let n = t.columns.len();
                let c = self.cursor();
                self.emit4(
                    Opcode::OpenWrite,
                    c,
                    t.root as i32,
                    db as i32,
                    P4::Int32(n as i32),
                    0,
                );
                let base = self.regs(n - 1);
                let rec = self.reg();
                let rid = self.reg();
                let done = self.label();
                self.emit(Opcode::Rewind, c, done, 0);
                let top = self.addr();
                let mut k = 0;
                for j in 0..n {
                    if j == ci {
                        continue;
                    }
                    if t.ipk == Some(j) {
                        self.null(base + k);
                    } else {
                        let p4 = super::schema::column_default_p4(&t.columns[j]);
                        self.emit4(Opcode::Column, c, j as i32, base + k, p4, 0);
                    }
                    k += 1;
                }
                self.emit(Opcode::MakeRecord, base, (n - 1) as i32, rec);
                self.emit(Opcode::Rowid, c, rid, 0);
                self.emit4(Opcode::Insert, c, rec, rid, P4::Table(t.name.clone()), 0);
                self.emit(Opcode::Next, c, top, 0);
                self.resolve(done);
                self.emit(Opcode::Close, c, 0, 0);
                self.finish_schema_change(db);
                Ok(())
            }
        }
    }

    fn add_column(
        &mut self,
        db: usize,
        t: &Table,
        cd: &ast::ColumnDefinition,
        text: &str,
        reserved: bool,
    ) -> Result<()> {
        if reserved {
            return Err(Error::sql(format!("table {} may not be altered", t.name)));
        }
        if t.is_view {
            return Err(Error::sql("Cannot add a column to a view"));
        }
        let cname = dequote(&cd.col_name.0);
        if t.column_index(&cname).is_some() {
            return Err(Error::sql(format!("duplicate column name: {cname}")));
        }
        // The column definition as typed: from the token after ADD [COLUMN] to the end.
        let toks = tokens(text);
        let mut i = 0;
        while i < toks.len() && kw(text, &toks, i) != "ADD" {
            i += 1;
        }
        i += 1;
        if kw(text, &toks, i) == "COLUMN" {
            i += 1;
        }
        let start = toks.get(i).map(|t| t.s).unwrap_or(text.len());
        let coldef = text
            .get(start..)
            .unwrap_or("")
            .trim_end_matches(|c: char| c == ';' || c.is_ascii_whitespace())
            .to_string();
        let mut dflt: Option<&ast::Expr> = None;
        let mut notnull = false;
        let mut generated = None;
        let mut fk = false;
        for c in &cd.constraints {
            match &c.constraint {
                ast::ColumnConstraint::PrimaryKey { .. } => {
                    return Err(Error::sql("Cannot add a PRIMARY KEY column"))
                }
                ast::ColumnConstraint::Unique(_) => {
                    return Err(Error::sql("Cannot add a UNIQUE column"))
                }
                ast::ColumnConstraint::Default(e) => dflt = Some(e),
                ast::ColumnConstraint::NotNull { nullable, .. } => notnull = !nullable,
                ast::ColumnConstraint::Generated { typ, .. } => {
                    generated = Some(
                        typ.as_ref()
                            .map(|t| t.0.eq_ignore_ascii_case("stored"))
                            .unwrap_or(false),
                    )
                }
                ast::ColumnConstraint::ForeignKey { .. } => fk = true,
                _ => {}
            }
        }
        let tsql = t.sql.clone().unwrap_or_default();
        let off = add_column_offset(&tsql)
            .ok_or_else(|| Error::sql(format!("malformed database schema ({})", t.name)))?;
        let new_sql = format!(
            "{}, {}{}",
            tsql.get(..off).unwrap_or(""),
            coldef,
            tsql.get(off..).unwrap_or("")
        );
        // The new text must describe a valid table.
        let parsed = super::schema::parse_one(&new_sql)
            .map_err(|_| Error::sql(format!("malformed database schema ({})", t.name)))?;
        if let ast::Stmt::CreateTable { body, .. } = &parsed {
            table_from_create(&t.name, body)?;
        }
        match generated {
            Some(true) => self.error_if_not_empty(db, t, "cannot add a STORED column"),
            Some(false) => {}
            None => {
                let d = dflt.filter(|e| !matches!(e, ast::Expr::Literal(ast::Literal::Null)));
                let d = d.filter(|e| {
                    !matches!(e, ast::Expr::Parenthesized(v) if v.len() == 1 && matches!(v[0], ast::Expr::Literal(ast::Literal::Null)))
                });
                if fk && d.is_some() && self.ctx_foreign_keys() {
                    self.error_if_not_empty(
                        db,
                        t,
                        "Cannot add a REFERENCES column with non-NULL default value",
                    );
                }
                if notnull && d.is_none() {
                    self.error_if_not_empty(
                        db,
                        t,
                        "Cannot add a NOT NULL column with default value NULL",
                    );
                }
                if let Some(e) = d {
                    if !super::ddl::is_constant(e) {
                        return Err(Error::sql(format!(
                            "default value of column [{cname}] is not constant"
                        )));
                    }
                    if super::schema::const_value(e).is_none() {
                        self.error_if_not_empty(
                            db,
                            t,
                            "Cannot add a column with non-constant default",
                        );
                    }
                }
            }
        }
        let up = RowUpdate {
            matches: vec![(0, "table".into()), (1, t.name.clone())],
            sets: vec![(4, Some(new_sql))],
        };
        self.emit_row_updates(db, 1, 5, "BBBDB", "sqlite_schema", &[up]);
        self.finish_schema_change(db);
        Ok(())
    }

    /// Whether `PRAGMA foreign_keys` is on (not visible to the compiler yet: off).
    fn ctx_foreign_keys(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nn(s: &str) -> NewName {
        NewName::from(&ast::Name(s.to_string()))
    }

    #[test]
    fn rename_table_in_create_and_references() {
        let e = rename_table_edits(
            "CREATE TABLE \"t1\"(a REFERENCES t1(a))",
            "table",
            "t1",
            "t1",
            &nn("t2"),
        );
        assert_eq!(
            apply_edits("CREATE TABLE \"t1\"(a REFERENCES t1(a))", e),
            "CREATE TABLE \"t2\"(a REFERENCES t2(a))"
        );
        let s = "CREATE VIEW v AS SELECT t1.a, x.b FROM t1, u AS x JOIN main.t1 ON t1.a=x.a";
        let e = rename_table_edits(s, "view", "v", "t1", &nn("\"n n\""));
        assert_eq!(
            apply_edits(s, e),
            "CREATE VIEW v AS SELECT \"n n\".a, x.b FROM \"n n\", u AS x JOIN main.\"n n\" ON \"n n\".a=x.a"
        );
    }

    #[test]
    fn rename_column_everywhere() {
        let none = |_: &str, _: &str| false;
        let s = "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT CHECK(b<>''), UNIQUE(a,b), FOREIGN KEY(b) REFERENCES u(b))";
        let e = rename_column_edits(s, "table", "t", "t", "b", &nn("c"), &none);
        assert_eq!(
            apply_edits(s, e),
            "CREATE TABLE t(a INTEGER PRIMARY KEY, c TEXT CHECK(c<>''), UNIQUE(a,c), FOREIGN KEY(c) REFERENCES u(b))"
        );
        let s = "CREATE INDEX i ON t(b COLLATE nocase, a) WHERE b>0";
        let e = rename_column_edits(s, "index", "i", "t", "b", &nn("c"), &none);
        assert_eq!(
            apply_edits(s, e),
            "CREATE INDEX i ON t(c COLLATE nocase, a) WHERE c>0"
        );
        let s = "CREATE VIEW v AS SELECT b, x.b AS bb FROM t AS x WHERE b > 1";
        let e = rename_column_edits(s, "view", "v", "t", "b", &nn("c"), &none);
        assert_eq!(
            apply_edits(s, e),
            "CREATE VIEW v AS SELECT c, x.c AS bb FROM t AS x WHERE c > 1"
        );
    }

    #[test]
    fn drop_and_add_column_text() {
        assert_eq!(
            drop_column_text("CREATE TABLE t(a, b INT, c)", 1, 3).as_deref(),
            Some("CREATE TABLE t(a, c)")
        );
        assert_eq!(
            drop_column_text("CREATE TABLE t(a, b INT, c , PRIMARY KEY(a))", 2, 3).as_deref(),
            Some("CREATE TABLE t(a, b INT, PRIMARY KEY(a))")
        );
        assert_eq!(
            add_column_offset("CREATE TABLE t(a, b, PRIMARY KEY(a))"),
            Some(19)
        );
        assert_eq!(add_column_offset("CREATE TABLE t(a)"), Some(16));
    }
}
