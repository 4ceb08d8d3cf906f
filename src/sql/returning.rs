//! RETURNING on INSERT / UPDATE / DELETE.
//!
//! SQLite semantics: every row is written first; the RETURNING values of each row are
//! computed right after that row is written (from the NEW image for INSERT/UPDATE, the OLD
//! image for DELETE) and stored in an ephemeral table; only when the statement has finished
//! are the stored rows returned, one per `sqlite3_step`.
//!
//! Invariants:
//! - The ephemeral table is opened before the statement's row loop and read after it; the
//!   row loop only appends to it.
//! - Column names follow SQLite: the alias, else a plain column's name (a rowid reference is
//!   named after the INTEGER PRIMARY KEY column when there is one), else the expression's text
//!   as written (taken from the statement text by [`returning_column_texts`]).

use super::build::{Builder, Scope, Source, SrcCol};
use super::schema::dequote;
use super::trigger::RowRegs;
use crate::error::{Error, Result};
use crate::vdbe::Opcode;
use sqlite3_parser::ast::{self, Expr, ResultColumn};

/// A RETURNING clause being compiled.
#[derive(Clone)]
pub struct Returning {
    eph: i32,
    exprs: Vec<Expr>,
    pub names: Vec<String>,
    /// An error to report once the terms have been resolved.
    deferred: Option<String>,
}

/// Text of each RETURNING term of a DML statement, as written.
pub fn returning_column_texts(text: &str) -> Vec<String> {
    use sqlite3_parser::lexer::sql::{TokenType::*, Tokenizer};
    use sqlite3_parser::lexer::Scanner;
    let b = text.as_bytes();
    let mut sc = Scanner::new(Tokenizer::new());
    let mut toks = Vec::new();
    while let Ok((start, Some((_, tt)), end)) = sc.scan(b) {
        toks.push((tt, start, end));
    }
    // The last RETURNING at nesting depth 0.
    let mut depth = 0i32;
    let mut at = None;
    for (i, (tt, _, _)) in toks.iter().enumerate() {
        match tt {
            TK_LP => depth += 1,
            TK_RP => depth -= 1,
            TK_RETURNING if depth == 0 => at = Some(i),
            _ => {}
        }
    }
    let Some(at) = at else {
        return vec![];
    };
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut first: Option<usize> = None;
    let mut last = 0;
    for &(tt, st, en) in toks.iter().skip(at + 1) {
        if depth == 0 && tt == TK_SEMI {
            break;
        }
        match tt {
            TK_LP => depth += 1,
            TK_RP => depth -= 1,
            _ => {}
        }
        if depth == 0 && tt == TK_COMMA {
            out.push(first.map(|f| text[f..last].to_string()).unwrap_or_default());
            first = None;
        } else {
            if first.is_none() {
                first = Some(st);
            }
            last = en;
        }
    }
    if let Some(f) = first {
        out.push(text[f..last].to_string());
    }
    out
}

impl<'a> Builder<'a> {
    /// Expand `*`, name the columns and open the ephemeral table. `cols` are the target's
    /// columns, `tname` its name (or alias).
    pub(super) fn returning_begin(
        &mut self,
        rc: &[ResultColumn],
        cols: &[SrcCol],
        tname: &str,
    ) -> Result<Returning> {
        let spans = self.trig_returning_spans();
        let mut exprs = Vec::new();
        let mut names = Vec::new();
        let mut deferred: Option<String> = None;
        for (k, c) in rc.iter().enumerate() {
            match c {
                ResultColumn::Star => {
                    for sc in cols {
                        exprs.push(Expr::Qualified(
                            ast::Name(format!("\"{}\"", tname.replace('"', "\"\""))),
                            ast::Name(format!("\"{}\"", sc.name.replace('"', "\"\""))),
                        ));
                        names.push(sc.name.clone());
                    }
                }
                ResultColumn::TableStar(t) => {
                    // SQLite reports this after resolving the other terms.
                    if deferred.is_none() {
                        let t = dequote(&t.0);
                        deferred = Some(if t.eq_ignore_ascii_case(tname) {
                            "RETURNING may not use \"TABLE.*\" wildcards".to_string()
                        } else {
                            format!("no such table: {t}")
                        });
                    }
                }
                ResultColumn::Expr(e, alias) => {
                    let name = match alias {
                        Some(ast::As::As(n)) | Some(ast::As::Elided(n)) => dequote(&n.0),
                        None => match e {
                            Expr::Id(_)
                            | Expr::Name(_)
                            | Expr::Qualified(..)
                            | Expr::DoublyQualified(..) => {
                                let mut n = None;
                                let cname = match e {
                                    Expr::Id(i) => dequote(&i.0),
                                    Expr::Name(i) => dequote(&i.0),
                                    Expr::Qualified(_, c) | Expr::DoublyQualified(_, _, c) => {
                                        dequote(&c.0)
                                    }
                                    _ => String::new(),
                                };
                                if let Some(c) =
                                    cols.iter().find(|c| c.name.eq_ignore_ascii_case(&cname))
                                {
                                    n = Some(c.name.clone());
                                } else if super::build::is_rowid_name(&cname) {
                                    n = Some(
                                        cols.iter()
                                            .find(|c| c.is_rowid)
                                            .map(|c| c.name.clone())
                                            .unwrap_or(cname.clone()),
                                    );
                                }
                                n.or_else(|| spans.get(k).cloned())
                                    .unwrap_or_else(|| super::schema::expr_text(e))
                            }
                            _ => spans
                                .get(k)
                                .cloned()
                                .unwrap_or_else(|| super::schema::expr_text(e)),
                        },
                    };
                    exprs.push(e.clone());
                    names.push(name);
                }
            }
        }
        let eph = self.cursor();
        self.emit(Opcode::OpenEphemeral, eph, exprs.len().max(1) as i32, 0);
        Ok(Returning {
            eph,
            exprs,
            names,
            deferred,
        })
    }

    fn trig_returning_spans(&self) -> Vec<String> {
        self.trig.returning_spans.clone().unwrap_or_default()
    }

    /// Compute one row's RETURNING values from the row image `img` and store them.
    pub(super) fn returning_row(
        &mut self,
        r: &Returning,
        cols: &[SrcCol],
        tname: &str,
        table: Option<(usize, super::schema::Table)>,
        img: RowRegs,
    ) -> Result<()> {
        let cur = self.cursor();
        let mut scope = Scope::default();
        scope.sources.push(Source {
            name: tname.to_string(),
            cursor: cur,
            cols: cols.to_vec(),
            table,
            using_hidden: vec![],
        });
        scope.col_regs.push(((cur, -1), img.rowid));
        for i in 0..cols.len() {
            scope.col_regs.push(((cur, i as i32), img.cols + i as i32));
        }
        // RETURNING sees only the target table.
        let saved = std::mem::replace(&mut self.scopes, vec![scope]);
        let n = r.exprs.len();
        let base = self.regs(n.max(1));
        let mut res = Ok(());
        for (i, e) in r.exprs.iter().enumerate() {
            res = self.expr(e, base + i as i32);
            if res.is_err() {
                break;
            }
        }
        self.scopes = saved;
        res?;
        if let Some(e) = &r.deferred {
            return Err(Error::sql(e.clone()));
        }
        let rec = self.reg();
        let rid = self.reg();
        self.emit(Opcode::MakeRecord, base, n as i32, rec);
        self.emit(Opcode::NewRowid, r.eph, rid, 0);
        self.emit(Opcode::Insert, r.eph, rec, rid);
        Ok(())
    }

    /// After the statement: return the stored rows.
    pub(super) fn returning_end(&mut self, r: &Returning) {
        let n = r.exprs.len();
        let base = self.regs(n.max(1));
        let done = self.label();
        self.emit(Opcode::Rewind, r.eph, done, 0);
        let top = self.addr();
        for i in 0..n {
            self.emit(Opcode::Column, r.eph, i as i32, base + i as i32);
        }
        self.emit(Opcode::ResultRow, base, n as i32, 0);
        self.emit(Opcode::Next, r.eph, top, 0);
        self.resolve(done);
    }
}
