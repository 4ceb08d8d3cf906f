//! Expression code generation with SQLite's semantics.
//!
//! Invariants:
//! - `expr(e, target)` leaves the value of `e` in register `target` and touches no register it
//!   did not allocate itself (other than `target`).
//! - Comparisons follow SQLite's opcode convention: `Lt P1 P2 P3` jumps when r[P3] < r[P1], so
//!   the left operand goes in P3. The affinity for the comparison (datatype3.html §4.2) and
//!   the `JUMPIFNULL`/`NULLEQ` flags go in P5, the collation in P4.
//! - Expression depth is limited to [`MAX_EXPR_DEPTH`]; deeper trees fail with SQLite's
//!   message instead of overflowing the stack.

use super::build::{is_rowid_name, Builder, ColRef, MAX_EXPR_DEPTH};
use super::schema::{
    affinity_of_type, dequote, AFF_BLOB, AFF_INTEGER, AFF_NONE, AFF_NUMERIC, AFF_TEXT,
};
use crate::error::{Error, Result};
use crate::func::FuncKind;
use crate::value::Value;
use crate::vdbe::{FuncRef, Opcode, P4};
use sqlite3_parser::ast::{self, Expr, Operator, UnaryOperator};

pub const JUMPIFNULL: u16 = 0x10;
pub const NULLEQ: u16 = 0x80;

/// What the select compiler must do for a subquery expression.
pub enum SubDest {
    /// Store the first column of the first row in the register (NULL if no row).
    Scalar(i32),
    /// Set the register to 1 if there is a row.
    Exists(i32),
    /// Insert each row's first column into the ephemeral index `cursor` with affinity.
    InIndex(i32, u8),
}

pub fn is_numeric_aff(a: u8) -> bool {
    a >= AFF_NUMERIC
}

pub(crate) fn cmp_affinity(a1: u8, a2: u8) -> u8 {
    if a1 > 0x40 && a2 > 0x40 {
        if is_numeric_aff(a1) || is_numeric_aff(a2) {
            AFF_NUMERIC
        } else {
            AFF_BLOB
        }
    } else if a1 <= 0x40 && a2 <= 0x40 {
        0x40
    } else if a1 <= 0x40 {
        a2
    } else {
        a1
    }
}

/// Parse a numeric literal as SQLite does.
pub fn numeric_literal(s: &str) -> Result<Value> {
    let t = s.replace('_', "");
    if t.len() > 2 && (t.starts_with("0x") || t.starts_with("0X")) {
        let h = &t[2..];
        let h = h.trim_start_matches('0');
        if h.len() > 16 {
            return Err(Error::sql(format!("hex literal too big: {s}")));
        }
        let v = if h.is_empty() {
            0
        } else {
            u64::from_str_radix(h, 16)
                .map_err(|_| Error::sql(format!("malformed hex integer: {s}")))?
        };
        return Ok(Value::Integer(v as i64));
    }
    if !t.contains(['.', 'e', 'E']) {
        if let Ok(v) = t.parse::<i64>() {
            return Ok(Value::Integer(v));
        }
    }
    t.parse::<f64>()
        .map(Value::Real)
        .map_err(|_| Error::sql(format!("unrecognized token: \"{s}\"")))
}

pub fn unquote_string(s: &str) -> String {
    if s.len() >= 2 && s.starts_with('\'') && s.ends_with('\'') {
        s[1..s.len() - 1].replace("''", "'")
    } else {
        s.to_string()
    }
}

fn hex_blob(h: &str) -> Result<Vec<u8>> {
    let h = h.trim_start_matches(['x', 'X']).trim_matches('\'');
    if h.len() % 2 != 0 {
        return Err(Error::sql(format!("malformed blob literal: X'{h}'")));
    }
    let mut out = Vec::with_capacity(h.len() / 2);
    let b = h.as_bytes();
    let mut i = 0;
    while i + 1 < b.len() {
        let s = std::str::from_utf8(&b[i..i + 2]).map_err(|_| Error::sql("malformed blob"))?;
        out.push(u8::from_str_radix(s, 16).map_err(|_| Error::sql("malformed blob literal"))?);
        i += 2;
    }
    Ok(out)
}

/// Names of the functions this layer implements itself (constant results).
fn builtin_constant(name: &str) -> Option<String> {
    match name.to_ascii_lowercase().as_str() {
        "epiloglite_version" => Some(crate::EPILOGLITE_VERSION.to_string()),
        "sqlite_version" => Some(crate::SQLITE_VERSION.to_string()),
        "sqlite_source_id" => Some(crate::SQLITE_SOURCE_ID.to_string()),
        _ => None,
    }
}

pub fn func_args(e: &Expr) -> Option<(String, Vec<Expr>, bool)> {
    match e {
        Expr::FunctionCall {
            name,
            args,
            distinctness,
            ..
        } => Some((
            dequote(&name.0),
            args.clone().unwrap_or_default(),
            *distinctness == Some(ast::Distinctness::Distinct),
        )),
        Expr::FunctionCallStar { name, .. } => Some((dequote(&name.0), vec![], false)),
        _ => None,
    }
}

impl<'a> Builder<'a> {
    /// Resolve a function: user functions first, then built-ins. Returns (func, is_aggregate).
    pub fn resolve_func(&self, name: &str, nargs: usize) -> Result<(FuncRef, bool)> {
        if let Some(max) = self.ctx.limit(super::LIMIT_FUNCTION_ARG) {
            if nargs > max.max(0) as usize {
                return Err(Error::sql(format!("too many arguments on function {name}")));
            }
        }
        let n = nargs as i32;
        let uf = &self.ctx.user_functions;
        let pick = uf
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name) && f.nargs == n)
            .or_else(|| {
                uf.iter()
                    .find(|f| f.name.eq_ignore_ascii_case(name) && f.nargs < 0)
            });
        if let Some(f) = pick {
            let agg = matches!(f.imp, crate::db::UserFuncImpl::Aggregate(_));
            return Ok((
                FuncRef::User {
                    name: f.name.clone(),
                    imp: f.imp.clone(),
                },
                agg,
            ));
        }
        if let Some(d) = crate::func::lookup(name, n) {
            let agg = matches!(d.kind, FuncKind::Aggregate(_));
            return Ok((FuncRef::Builtin(d), agg));
        }
        let exists = uf.iter().any(|f| f.name.eq_ignore_ascii_case(name))
            || (0..8).any(|k| k != n && crate::func::lookup(name, k).is_some());
        if exists {
            Err(Error::sql(format!(
                "wrong number of arguments to function {name}()"
            )))
        } else {
            Err(Error::sql(format!("no such function: {name}")))
        }
    }

    pub fn is_agg_call(&self, e: &Expr) -> bool {
        if let Some((name, args, _)) = func_args(e) {
            if super::window::is_window_call(e) {
                return false;
            }
            if crate::func::window::window_only(&name)
                && !self
                    .ctx
                    .user_functions
                    .iter()
                    .any(|f| f.name.eq_ignore_ascii_case(&name))
            {
                return false;
            }
            if let Ok((_, agg)) = self.resolve_func(&name, args.len()) {
                return agg;
            }
        }
        false
    }

    /// Collect aggregate calls in `e` (not descending into subqueries).
    pub fn collect_aggs(&self, e: &Expr, out: &mut Vec<Expr>) {
        if self.is_agg_call(e) {
            if !out.contains(e) {
                out.push(e.clone());
            }
            return;
        }
        walk_children(e, &mut |c| self.collect_aggs(c, out));
    }

    pub fn expr_reg(&mut self, e: &Expr) -> Result<i32> {
        let r = self.reg();
        self.expr(e, r)?;
        Ok(r)
    }

    fn lookup_override(&self, e: &Expr) -> Option<i32> {
        for s in self.scopes.iter().rev() {
            if let Some((_, r)) = s.overrides.iter().find(|(x, _)| x == e) {
                return Some(*r);
            }
        }
        None
    }

    /// Resolve an identifier-like expression to a column, if it is one.
    pub fn column_of(&self, e: &Expr) -> Result<Option<ColRef>> {
        match e {
            Expr::Id(id) => self.resolve_column(None, &dequote(&id.0)),
            Expr::Name(n) => self.resolve_column(None, &dequote(&n.0)),
            Expr::Qualified(t, c) => {
                let r = self.resolve_column(Some(&dequote(&t.0)), &dequote(&c.0))?;
                match r {
                    Some(r) => Ok(Some(r)),
                    None => Err(Error::sql(format!(
                        "no such column: {}.{}",
                        dequote(&t.0),
                        dequote(&c.0)
                    ))),
                }
            }
            Expr::DoublyQualified(_, t, c) => {
                let r = self.resolve_column(Some(&dequote(&t.0)), &dequote(&c.0))?;
                match r {
                    Some(r) => Ok(Some(r)),
                    None => Err(Error::sql(format!(
                        "no such column: {}.{}",
                        dequote(&t.0),
                        dequote(&c.0)
                    ))),
                }
            }
            _ => Ok(None),
        }
    }

    fn alias_expr(&self, name: &str) -> Option<Expr> {
        for s in self.scopes.iter().rev() {
            if let Some((_, e)) = s.aliases.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
                return Some(e.clone());
            }
        }
        None
    }

    /// Affinity of an expression (0 = none).
    pub fn affinity(&self, e: &Expr) -> u8 {
        match e {
            Expr::Id(_) | Expr::Name(_) | Expr::Qualified(..) | Expr::DoublyQualified(..) => {
                match self.column_of(e) {
                    Ok(Some(c)) => c.affinity,
                    _ => AFF_NONE,
                }
            }
            Expr::Cast { type_name, .. } => {
                affinity_of_type(type_name.as_ref().map(|t| t.name.as_str()))
            }
            Expr::Collate(x, _) => self.affinity(x),
            Expr::Parenthesized(v) if v.len() == 1 => self.affinity(&v[0]),
            Expr::Subquery(s) => self.select_affinity(s),
            _ => AFF_NONE,
        }
    }

    /// Affinity of the first result column of a subquery, as SQLite's `sqlite3ExprAffinity`
    /// of a `TK_SELECT` (for a compound: its last arm). The subquery's scope is not active
    /// here, so only CASTs and plain column references to tables (or views) named in the
    /// arm's FROM clause are resolved; anything else has no affinity.
    pub fn select_affinity(&self, s: &ast::Select) -> u8 {
        let one = match s.body.compounds.as_ref().and_then(|c| c.last()) {
            Some(c) => &c.select,
            None => &s.body.select,
        };
        let (columns, from) = match one {
            ast::OneSelect::Select { columns, from, .. } => (columns, from),
            _ => return AFF_NONE,
        };
        let x = match columns.first() {
            Some(ast::ResultColumn::Expr(x, _)) => x,
            _ => return AFF_NONE,
        };
        let mut x = x;
        while let Expr::Parenthesized(v) = x {
            match v.first() {
                Some(e) if v.len() == 1 => x = e,
                _ => return AFF_NONE,
            }
        }
        let (qual, col) = match x {
            Expr::Cast { type_name, .. } => {
                return affinity_of_type(type_name.as_ref().map(|t| t.name.as_str()))
            }
            Expr::Collate(inner, _) => {
                // Only a column reference under COLLATE keeps its affinity.
                match &**inner {
                    Expr::Id(id) => (None, dequote(&id.0)),
                    _ => return AFF_NONE,
                }
            }
            Expr::Id(id) => (None, dequote(&id.0)),
            Expr::Qualified(t, c) => (Some(dequote(&t.0)), dequote(&c.0)),
            _ => return AFF_NONE,
        };
        let from = match from {
            Some(f) => f,
            None => return AFF_NONE,
        };
        let mut items: Vec<&ast::SelectTable> = Vec::new();
        if let Some(t) = &from.select {
            items.push(t);
        }
        if let Some(j) = &from.joins {
            items.extend(j.iter().map(|j| &j.table));
        }
        for it in items {
            if let ast::SelectTable::Table(q, alias, _) = it {
                let tname = dequote(&q.name.0);
                let visible = match alias {
                    Some(ast::As::As(n)) | Some(ast::As::Elided(n)) => dequote(&n.0),
                    None => tname.clone(),
                };
                if let Some(qn) = &qual {
                    if !qn.eq_ignore_ascii_case(&visible) {
                        continue;
                    }
                }
                // A CTE of that name shadows tables: unknown affinity.
                if self
                    .ctes
                    .iter()
                    .any(|c| c.name.eq_ignore_ascii_case(&tname))
                {
                    return AFF_NONE;
                }
                let db = q.db_name.as_ref().map(|d| dequote(&d.0));
                if let Ok((_, t)) = self.find_table(db.as_deref(), &tname) {
                    if t.is_view {
                        return AFF_NONE;
                    }
                    if let Some(i) = t.column_index(&col) {
                        return t.columns.get(i).map(|c| c.affinity).unwrap_or(AFF_NONE);
                    }
                    if is_rowid_name(&col) && qual.is_some() {
                        return AFF_INTEGER;
                    }
                }
            }
        }
        AFF_NONE
    }

    /// Explicit (COLLATE) or column collation of an expression: (name, explicit).
    pub fn collation_of(&self, e: &Expr) -> Option<(String, bool)> {
        match e {
            Expr::Collate(_, c) => Some((dequote(c), true)),
            Expr::Parenthesized(v) if v.len() == 1 => self.collation_of(&v[0]),
            // SQLite's sqlite3ExprCollSeq looks through CAST and unary plus.
            Expr::Cast { expr, .. } => self.collation_of(expr),
            Expr::Unary(UnaryOperator::Positive, x) => self.collation_of(x),
            Expr::Id(_) | Expr::Name(_) | Expr::Qualified(..) | Expr::DoublyQualified(..) => {
                match self.column_of(e) {
                    Ok(Some(c)) => c.collation.map(|n| (n, false)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Collation of a comparison (SQLite's `sqlite3BinaryCompareCollSeq`): an explicit
    /// COLLATE on the left, then on the right, then the left operand's collation — a column
    /// always has one (BINARY by default), so a plain left column wins — then the right's.
    pub fn binary_collation(&self, l: &Expr, r: &Expr) -> Option<String> {
        let cl = self.collation_of(l);
        let cr = self.collation_of(r);
        match (cl, cr) {
            (Some((n, true)), _) => Some(n),
            (_, Some((n, true))) => Some(n),
            (Some((n, false)), _) => Some(n),
            (None, _) if self.is_column_expr(l) => None,
            (_, Some((n, false))) => Some(n),
            _ => None,
        }
    }

    /// `e` is (through parentheses, CAST and unary plus) a column reference.
    fn is_column_expr(&self, e: &Expr) -> bool {
        match e {
            Expr::Parenthesized(v) if v.len() == 1 => self.is_column_expr(&v[0]),
            Expr::Cast { expr, .. } => self.is_column_expr(expr),
            Expr::Unary(UnaryOperator::Positive, x) => self.is_column_expr(x),
            Expr::Id(_) | Expr::Name(_) | Expr::Qualified(..) | Expr::DoublyQualified(..) => {
                matches!(self.column_of(e), Ok(Some(_)))
            }
            _ => false,
        }
    }

    /// Emit a comparison jump: jumps to `dest` when `l op r` holds.
    fn emit_compare(
        &mut self,
        op: Opcode,
        l: &Expr,
        r: &Expr,
        dest: i32,
        flags: u16,
    ) -> Result<()> {
        let aff = cmp_affinity(self.affinity(l), self.affinity(r));
        let coll = self.binary_collation(l, r);
        let c = self.collation(coll.as_deref())?;
        let rl = self.expr_reg(l)?;
        let rr = self.expr_reg(r)?;
        self.emit4(op, rr, dest, rl, P4::Coll(c), (aff as u16) | flags);
        Ok(())
    }

    fn check_depth(&mut self) -> Result<()> {
        if self.depth > MAX_EXPR_DEPTH {
            return Err(Error::sql(format!(
                "Expression tree is too large (maximum depth {MAX_EXPR_DEPTH})"
            )));
        }
        Ok(())
    }

    /// Compile `e` into register `target`.
    pub fn expr(&mut self, mut e: &Expr, target: i32) -> Result<()> {
        while let Expr::Parenthesized(v) = e {
            match v.as_slice() {
                [x] => e = x,
                _ => break,
            }
        }
        self.depth += 1;
        let r = self.check_depth().and_then(|_| self.expr_inner(e, target));
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, e: &Expr, target: i32) -> Result<()> {
        if let Some(r) = self.lookup_override(e) {
            self.emit(Opcode::SCopy, r, target, 0);
            return Ok(());
        }
        match e {
            Expr::Binary(l, op, r) => self.binary(l, *op, r, target),
            _ => self.expr_big(e, target),
        }
    }

    #[inline(never)]
    fn expr_big(&mut self, e: &Expr, target: i32) -> Result<()> {
        if let Some(r) = self.lookup_override(e) {
            self.emit(Opcode::SCopy, r, target, 0);
            return Ok(());
        }
        match e {
            Expr::Literal(l) => self.literal(l, target)?,
            Expr::Id(id) => {
                let name = dequote(&id.0);
                match self.column_of(e)? {
                    Some(c) => self.read_column(&c, target),
                    None => {
                        if let Some(a) = self.alias_expr(&name) {
                            let self_ref = matches!(&a, Expr::Id(i) if dequote(&i.0).eq_ignore_ascii_case(&name));
                            if !self_ref {
                                return self.expr(&a, target);
                            }
                        }
                        if id.0.starts_with('"') {
                            self.string(&name, target);
                        } else if name.eq_ignore_ascii_case("true") {
                            self.int(1, target);
                        } else if name.eq_ignore_ascii_case("false") {
                            self.int(0, target);
                        } else {
                            return Err(Error::sql(format!("no such column: {name}")));
                        }
                    }
                }
            }
            Expr::Name(n) => match self.column_of(e)? {
                Some(c) => self.read_column(&c, target),
                None => {
                    let name = dequote(&n.0);
                    if n.0.starts_with('"') || n.0.starts_with('\'') {
                        self.string(&name, target);
                    } else {
                        return Err(Error::sql(format!("no such column: {name}")));
                    }
                }
            },
            Expr::Qualified(..) | Expr::DoublyQualified(..) => {
                let c = self
                    .column_of(e)?
                    .ok_or_else(|| Error::sql("no such column"))?;
                self.read_column(&c, target);
            }
            Expr::Variable(v) => {
                let name = if v.is_empty() {
                    "?".to_string()
                } else {
                    v.clone()
                };
                let name = if name.starts_with(['?', ':', '@', '$', '#']) {
                    name
                } else {
                    format!("?{name}")
                };
                let n = self.param(&name)?;
                self.emit(Opcode::Variable, n, target, 0);
            }
            Expr::Parenthesized(v) => {
                if v.len() != 1 {
                    return Err(Error::sql("row value misused"));
                }
                self.expr(&v[0], target)?;
            }
            Expr::Collate(x, c) => {
                self.collation(Some(&dequote(c)))?;
                self.expr(x, target)?;
            }
            Expr::Unary(op, x) => match op {
                UnaryOperator::Positive => self.expr(x, target)?,
                UnaryOperator::Negative => {
                    if let Expr::Literal(ast::Literal::Numeric(s)) = &**x {
                        match numeric_literal(s)? {
                            Value::Integer(i) => {
                                if i == i64::MIN {
                                    // 0x8000000000000000 negated stays itself as an integer
                                    self.int(i, target)
                                } else {
                                    self.int(-i, target)
                                }
                            }
                            Value::Real(f) => {
                                if s.trim() == "9223372036854775808" {
                                    self.int(i64::MIN, target)
                                } else {
                                    self.emit4(Opcode::Real, 0, target, 0, P4::Real(-f), 0);
                                }
                            }
                            _ => {}
                        }
                    } else {
                        let z = self.reg();
                        self.int(0, z);
                        let r = self.expr_reg(x)?;
                        self.emit(Opcode::Subtract, r, z, target);
                    }
                }
                UnaryOperator::Not => {
                    let r = self.expr_reg(x)?;
                    self.emit(Opcode::Not, r, target, 0);
                }
                UnaryOperator::BitwiseNot => {
                    let r = self.expr_reg(x)?;
                    self.emit(Opcode::BitNot, r, target, 0);
                }
            },
            Expr::Binary(l, op, r) => self.binary(l, *op, r, target)?,
            Expr::IsNull(x) | Expr::NotNull(x) => {
                let r = self.expr_reg(x)?;
                let done = self.label();
                self.int(1, target);
                let op = if matches!(e, Expr::IsNull(_)) {
                    Opcode::IsNull
                } else {
                    Opcode::NotNull
                };
                self.emit(op, r, done, 0);
                self.int(0, target);
                self.resolve(done);
            }
            Expr::Between {
                lhs,
                not,
                start,
                end,
            } => {
                let both = Expr::Binary(
                    Box::new(Expr::Binary(
                        lhs.clone(),
                        Operator::GreaterEquals,
                        start.clone(),
                    )),
                    Operator::And,
                    Box::new(Expr::Binary(lhs.clone(), Operator::LessEquals, end.clone())),
                );
                if *not {
                    let r = self.expr_reg(&both)?;
                    self.emit(Opcode::Not, r, target, 0);
                } else {
                    self.expr(&both, target)?;
                }
            }
            Expr::Case {
                base,
                when_then_pairs,
                else_expr,
            } => {
                let done = self.label();
                let base_reg = match base {
                    Some(b) => Some(self.expr_reg(b)?),
                    None => None,
                };
                for (w, t) in when_then_pairs {
                    let next = self.label();
                    match (&base_reg, base) {
                        (Some(br), Some(b)) => {
                            let aff = cmp_affinity(self.affinity(b), self.affinity(w));
                            let coll = self.binary_collation(b, w);
                            let c = self.collation(coll.as_deref())?;
                            let wr = self.expr_reg(w)?;
                            self.emit4(
                                Opcode::Ne,
                                wr,
                                next,
                                *br,
                                P4::Coll(c),
                                aff as u16 | JUMPIFNULL,
                            );
                        }
                        _ => self.jump_if_false(w, next, true)?,
                    }
                    self.expr(t, target)?;
                    self.goto(done);
                    self.resolve(next);
                }
                match else_expr {
                    Some(x) => self.expr(x, target)?,
                    None => self.null(target),
                }
                self.resolve(done);
            }
            Expr::Cast { expr, type_name } => {
                self.expr(expr, target)?;
                let aff = affinity_of_type(type_name.as_ref().map(|t| t.name.as_str()));
                self.emit(Opcode::Cast, target, aff as i32, 0);
            }
            Expr::Like {
                lhs,
                not,
                op,
                rhs,
                escape,
            } => {
                let fname = match op {
                    ast::LikeOperator::Like => "like",
                    ast::LikeOperator::Glob => "glob",
                    ast::LikeOperator::Match => "match",
                    ast::LikeOperator::Regexp => "regexp",
                };
                let mut args = vec![(**rhs).clone(), (**lhs).clone()];
                if let Some(x) = escape {
                    args.push((**x).clone());
                }
                let (f, _) = self.resolve_func(fname, args.len())?;
                let base = self.regs(args.len());
                for (i, a) in args.iter().enumerate() {
                    self.expr(a, base + i as i32)?;
                }
                self.emit4(
                    Opcode::Function,
                    0,
                    base,
                    target,
                    P4::Func(f),
                    args.len() as u16,
                );
                if *not {
                    self.emit(Opcode::Not, target, target, 0);
                }
            }
            Expr::FunctionCall {
                name,
                args,
                filter_over,
                ..
            } => {
                let name = dequote(&name.0);
                if let Some(ft) = filter_over {
                    if ft.over_clause.is_some() {
                        return Err(Error::sql(format!("misuse of window function {name}()")));
                    }
                    let nargs = args.as_ref().map(|a| a.len()).unwrap_or(0);
                    let (_, agg) = self.resolve_func(&name, nargs)?;
                    if !agg {
                        return Err(Error::sql(format!(
                            "FILTER may not be used with non-aggregate {name}()"
                        )));
                    }
                    return Err(Error::sql(format!("misuse of aggregate function {name}()")));
                }
                if crate::func::window::window_only(&name)
                    && crate::func::lookup(
                        &name,
                        args.as_ref().map(|a| a.len()).unwrap_or(0) as i32,
                    )
                    .is_some()
                    && !self
                        .ctx
                        .user_functions
                        .iter()
                        .any(|f| f.name.eq_ignore_ascii_case(&name))
                {
                    return Err(Error::sql(format!("misuse of window function {name}()")));
                }
                let args = args.clone().unwrap_or_default();
                self.call(&name, &args, target)?;
            }
            Expr::FunctionCallStar { name, .. } => {
                let name = dequote(&name.0);
                let (_, agg) = self.resolve_func(&name, 0)?;
                if agg {
                    return Err(Error::sql(format!("misuse of aggregate function {name}()")));
                }
                self.call(&name, &[], target)?;
            }
            Expr::InList { lhs, not, rhs } => {
                self.in_list(lhs, *not, rhs.as_deref().unwrap_or(&[]), target)?
            }
            Expr::InSelect { lhs, not, rhs } => self.in_select(lhs, *not, rhs, target)?,
            Expr::InTable { lhs, not, rhs, .. } => {
                let sel = table_select(rhs)?;
                self.in_select(lhs, *not, &sel, target)?
            }
            Expr::Exists(sel) => {
                let r = self.reg();
                self.once_if_uncorrelated(|b| {
                    b.int(0, r);
                    b.subquery(sel, SubDest::Exists(r))
                })?;
                self.emit(Opcode::SCopy, r, target, 0);
            }
            Expr::Subquery(sel) => {
                let r = self.reg();
                self.once_if_uncorrelated(|b| {
                    b.null(r);
                    b.subquery(sel, SubDest::Scalar(r))
                })?;
                self.emit(Opcode::SCopy, r, target, 0);
            }
            Expr::Raise(rt, msg) => self.raise(*rt, msg.as_deref(), target)?,
        }
        Ok(())
    }

    fn literal(&mut self, l: &ast::Literal, target: i32) -> Result<()> {
        match l {
            ast::Literal::Numeric(s) => match numeric_literal(s)? {
                Value::Integer(i) => self.int(i, target),
                Value::Real(f) => {
                    self.emit4(Opcode::Real, 0, target, 0, P4::Real(f), 0);
                }
                _ => {}
            },
            ast::Literal::String(s) => self.string(&unquote_string(s), target),
            ast::Literal::Blob(h) => {
                let b = hex_blob(h)?;
                self.emit4(Opcode::Blob, b.len() as i32, target, 0, P4::Blob(b), 0);
            }
            ast::Literal::Keyword(k) => self.string(k, target),
            ast::Literal::Null => self.null(target),
            ast::Literal::CurrentDate => self.call("current_date", &[], target)?,
            ast::Literal::CurrentTime => self.call("current_time", &[], target)?,
            ast::Literal::CurrentTimestamp => self.call("current_timestamp", &[], target)?,
        }
        Ok(())
    }

    fn call(&mut self, name: &str, args: &[Expr], target: i32) -> Result<()> {
        if args.is_empty() {
            if let Some(s) = builtin_constant(name) {
                let overridden = self
                    .ctx
                    .user_functions
                    .iter()
                    .any(|f| f.name.eq_ignore_ascii_case(name));
                if !overridden {
                    self.string(&s, target);
                    return Ok(());
                }
            }
        }
        let (f, agg) = self.resolve_func(name, args.len())?;
        if agg {
            return Err(Error::sql(format!("misuse of aggregate function {name}()")));
        }
        let base = self.regs(args.len().max(1));
        for (i, a) in args.iter().enumerate() {
            self.expr(a, base + i as i32)?;
        }
        // Collation-sensitive built-ins (min/max/instr...) get the collation of the first
        // argument that has one (SQLite's loop over sqlite3ExprCollSeq): a column always has
        // one, BINARY by default, so a plain column ends the search.
        for a in args {
            if let Some((c, _)) = self.collation_of(a) {
                let coll = self.collation(Some(&c))?;
                if coll.is_some() {
                    self.emit4(Opcode::CollSeq, 0, 0, 0, P4::Coll(coll), 0);
                }
                break;
            }
            if self.is_column_expr(a) {
                break;
            }
        }
        self.emit4(
            Opcode::Function,
            0,
            base,
            target,
            P4::Func(f),
            args.len() as u16,
        );
        Ok(())
    }

    #[inline(never)]
    fn binary(&mut self, l: &Expr, op: Operator, r: &Expr, target: i32) -> Result<()> {
        let cmp = match op {
            Operator::Equals => Some(Opcode::Eq),
            Operator::NotEquals => Some(Opcode::Ne),
            Operator::Less => Some(Opcode::Lt),
            Operator::LessEquals => Some(Opcode::Le),
            Operator::Greater => Some(Opcode::Gt),
            Operator::GreaterEquals => Some(Opcode::Ge),
            _ => None,
        };
        if let Some(opc) = cmp {
            let done = self.label();
            self.int(1, target);
            let aff = cmp_affinity(self.affinity(l), self.affinity(r));
            let coll = self.binary_collation(l, r);
            let c = self.collation(coll.as_deref())?;
            let rl = self.expr_reg(l)?;
            let rr = self.expr_reg(r)?;
            self.emit4(opc, rr, done, rl, P4::Coll(c), aff as u16);
            self.emit(Opcode::ZeroOrNull, rl, target, rr);
            self.resolve(done);
            return Ok(());
        }
        match op {
            Operator::Is | Operator::IsNot => {
                let done = self.label();
                let opc = if op == Operator::Is {
                    Opcode::Eq
                } else {
                    Opcode::Ne
                };
                self.int(1, target);
                self.emit_compare(opc, l, r, done, NULLEQ)?;
                self.int(0, target);
                self.resolve(done);
            }
            Operator::And | Operator::Or => {
                let rl = self.expr_reg(l)?;
                let rr = self.expr_reg(r)?;
                let opc = if op == Operator::And {
                    Opcode::And
                } else {
                    Opcode::Or
                };
                self.emit(opc, rl, rr, target);
            }
            Operator::ArrowRight | Operator::ArrowRightShift => {
                let fname = if op == Operator::ArrowRight {
                    "->"
                } else {
                    "->>"
                };
                let (f, _) = self.resolve_func(fname, 2)?;
                let base = self.regs(2);
                self.expr(l, base)?;
                self.expr(r, base + 1)?;
                self.emit4(Opcode::Function, 0, base, target, P4::Func(f), 2);
            }
            _ => {
                let rl = self.expr_reg(l)?;
                let rr = self.expr_reg(r)?;
                let (opc, p1, p2) = match op {
                    Operator::Add => (Opcode::Add, rl, rr),
                    Operator::Multiply => (Opcode::Multiply, rl, rr),
                    Operator::Substract => (Opcode::Subtract, rr, rl),
                    Operator::Divide => (Opcode::Divide, rr, rl),
                    Operator::Modulus => (Opcode::Remainder, rr, rl),
                    Operator::Concat => (Opcode::Concat, rr, rl),
                    Operator::BitwiseAnd => (Opcode::BitAnd, rl, rr),
                    Operator::BitwiseOr => (Opcode::BitOr, rl, rr),
                    Operator::LeftShift => (Opcode::ShiftLeft, rr, rl),
                    Operator::RightShift => (Opcode::ShiftRight, rr, rl),
                    _ => return Err(Error::sql("unsupported operator")),
                };
                self.emit(opc, p1, p2, target);
            }
        }
        Ok(())
    }

    fn in_list(&mut self, lhs: &Expr, not: bool, items: &[Expr], target: i32) -> Result<()> {
        let done = self.label();
        let found = self.label();
        if items.is_empty() {
            self.int(if not { 1 } else { 0 }, target);
            return Ok(());
        }
        self.null(target);
        let l = self.expr_reg(lhs)?;
        self.emit(Opcode::IsNull, l, done, 0);
        let nullflag = self.reg();
        self.int(0, nullflag);
        // SQLite applies the LEFT operand's affinity and collation to every list item.
        let aff = self.affinity(lhs);
        let coll = self.collation_of(lhs).map(|c| c.0);
        let c = self.collation(coll.as_deref())?;
        for it in items {
            let c = c.clone();
            let ri = self.expr_reg(it)?;
            self.emit4(Opcode::Eq, ri, found, l, P4::Coll(c), aff as u16);
            let next = self.label();
            self.emit(Opcode::NotNull, ri, next, 0);
            self.int(1, nullflag);
            self.resolve(next);
        }
        self.emit(Opcode::If, nullflag, done, 0);
        self.int(if not { 1 } else { 0 }, target);
        self.goto(done);
        self.resolve(found);
        self.int(if not { 0 } else { 1 }, target);
        self.resolve(done);
        Ok(())
    }

    fn in_select(&mut self, lhs: &Expr, not: bool, sel: &ast::Select, target: i32) -> Result<()> {
        let cur = self.cursor();
        // exprINAffinity: the comparison affinity of the subquery's column and the LHS.
        let aff = cmp_affinity(self.select_affinity(sel), self.affinity(lhs));
        let aff = if aff <= 0x40 { AFF_BLOB } else { aff };
        let ki = self.key_info(&[(false, self.collation_of(lhs).map(|c| c.0))])?;
        self.once_if_uncorrelated(|b| {
            b.emit4(Opcode::OpenEphemeral, cur, 1, 0, P4::KeyInfo(ki), 0);
            b.subquery(sel, SubDest::InIndex(cur, aff))
        })?;
        let done = self.label();
        let found = self.label();
        let notfound = self.label();
        self.null(target);
        let l = self.expr_reg(lhs)?;
        // A NULL left operand gives NULL, unless the set is empty (then false).
        let nonnull = self.label();
        self.emit(Opcode::NotNull, l, nonnull, 0);
        self.emit(Opcode::Rewind, cur, notfound, 0);
        self.goto(done);
        self.resolve(nonnull);
        let probe = self.reg();
        self.emit(Opcode::SCopy, l, probe, 0);
        self.emit4(
            Opcode::Affinity,
            probe,
            1,
            0,
            P4::Affinity((aff as char).to_string()),
            0,
        );
        self.emit4(Opcode::Found, cur, found, probe, P4::Int32(1), 0);
        // Not found: NULL if the set holds a NULL (NULLs sort first), else false. SQLite
        // 3.40.1 reads only the first entry of the b-tree it probes; when that is an existing
        // index in DESC order, the first entry is the largest, so a NULL is seen only when
        // every value is NULL: look at our set's last entry then.
        let first_op = if self.in_rhs_desc_index(lhs, sel) {
            Opcode::Last
        } else {
            Opcode::Rewind
        };
        self.emit(first_op, cur, notfound, 0);
        let first = self.reg();
        self.emit(Opcode::Column, cur, 0, first);
        self.emit(Opcode::IsNull, first, done, 0);
        self.resolve(notfound);
        self.int(if not { 1 } else { 0 }, target);
        self.goto(done);
        self.resolve(found);
        self.int(if not { 0 } else { 1 }, target);
        self.resolve(done);
        Ok(())
    }

    /// Whether SQLite's `sqlite3FindInIndex` would probe an existing index whose first column
    /// is DESC for `lhs IN (sel)`: `sel` is `SELECT col FROM tbl` (no WHERE, GROUP BY,
    /// DISTINCT, LIMIT or compound; `col` not the rowid), the comparison affinity allows an
    /// index, and the first index of the table in SQLite's list order (newest first) that
    /// starts with `col` in the comparison's collation, and is not partial, is DESC.
    fn in_rhs_desc_index(&self, lhs: &Expr, sel: &ast::Select) -> bool {
        if sel.body.compounds.is_some() || sel.limit.is_some() || sel.with.is_some() {
            return false;
        }
        let ast::OneSelect::Select {
            distinctness,
            columns,
            from: Some(from),
            where_clause: None,
            group_by: None,
            ..
        } = &sel.body.select
        else {
            return false;
        };
        if distinctness.is_some() || from.joins.as_ref().map_or(false, |j| !j.is_empty()) {
            return false;
        }
        let Some(ast::SelectTable::Table(q, alias, _)) = from.select.as_deref() else {
            return false;
        };
        let [ast::ResultColumn::Expr(col, _)] = columns.as_slice() else {
            return false;
        };
        let mut col = col;
        while let Expr::Parenthesized(v) = col {
            match v.as_slice() {
                [x] => col = x,
                _ => return false,
            }
        }
        let tname = dequote(&q.name.0);
        let visible = match alias {
            Some(ast::As::As(n)) | Some(ast::As::Elided(n)) => dequote(&n.0),
            None => tname.clone(),
        };
        let cname = match col {
            Expr::Id(id) => dequote(&id.0),
            Expr::Qualified(t, c) if dequote(&t.0).eq_ignore_ascii_case(&visible) => dequote(&c.0),
            _ => return false,
        };
        if self
            .ctes
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&tname))
        {
            return false;
        }
        let db = q.db_name.as_ref().map(|d| dequote(&d.0));
        let Ok((d, t)) = self.find_table(db.as_deref(), &tname) else {
            return false;
        };
        if t.is_view || t.without_rowid {
            return false;
        }
        let Some(ci) = t.column_index(&cname) else {
            return false;
        };
        let Some(column) = t.columns.get(ci) else {
            return false;
        };
        if t.ipk == Some(ci) {
            return false;
        }
        let is_num = |a: u8| a >= AFF_NUMERIC;
        let lhs_aff = self.affinity(lhs);
        if lhs_aff > AFF_NONE && is_num(lhs_aff) && !is_num(column.affinity) {
            return false;
        }
        // sqlite3BinaryCompareCollSeq(lhs, col): the left's collation (a column has one),
        // else the right column's.
        let req = match self.collation_of(lhs) {
            Some((n, _)) => n,
            None if self.is_column_expr(lhs) => "BINARY".to_string(),
            None => column
                .collation
                .clone()
                .unwrap_or_else(|| "BINARY".to_string()),
        };
        let Some(schema) = self.schema(d) else {
            return false;
        };
        for &ix in t.indexes.iter().rev() {
            let Some(idx) = schema.indexes.get(ix) else {
                continue;
            };
            if idx.partial.is_some() {
                continue;
            }
            let Some(first) = idx.columns.first() else {
                continue;
            };
            let coll = first.collation.as_deref().unwrap_or("BINARY");
            if first.column == ci && coll.eq_ignore_ascii_case(&req) {
                return first.desc;
            }
        }
        false
    }

    /// Run `f` (code computing a subquery); if it referenced no outer column, guard it with
    /// `Once` so that it runs a single time per statement execution.
    pub fn once_if_uncorrelated(&mut self, f: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        let at = self.emit(Opcode::Noop, 0, 0, 0);
        self.corr.borrow_mut().push((self.scopes.len(), false));
        let r = f(self);
        let correlated = self.corr.borrow_mut().pop().map(|m| m.1).unwrap_or(true);
        r?;
        if !correlated {
            let skip = self.addr();
            if let Some(op) = self.ops.get_mut(at as usize) {
                op.opcode = Opcode::Once;
                op.p2 = skip;
            }
        }
        Ok(())
    }

    /// Jump to `dest` if `e` is false (or NULL when `null_jumps`).
    pub fn jump_if_false(&mut self, e: &Expr, dest: i32, null_jumps: bool) -> Result<()> {
        self.depth += 1;
        let r = self
            .check_depth()
            .and_then(|_| self.jif_inner(e, dest, null_jumps));
        self.depth -= 1;
        r
    }

    fn jif_inner(&mut self, e: &Expr, dest: i32, null_jumps: bool) -> Result<()> {
        let flag = if null_jumps { JUMPIFNULL } else { 0 };
        if self.lookup_override(e).is_none() {
            match e {
                Expr::Binary(l, Operator::And, r) => {
                    self.jump_if_false(l, dest, null_jumps)?;
                    return self.jump_if_false(r, dest, null_jumps);
                }
                Expr::Binary(l, Operator::Or, r) => {
                    let t = self.label();
                    self.jump_if_true(l, t, false)?;
                    self.jump_if_false(r, dest, null_jumps)?;
                    self.resolve(t);
                    return Ok(());
                }
                Expr::Unary(UnaryOperator::Not, x) => {
                    return self.jump_if_true(x, dest, null_jumps)
                }
                Expr::Parenthesized(v) if v.len() == 1 => {
                    return self.jump_if_false(&v[0], dest, null_jumps)
                }
                Expr::Binary(l, op, r) => {
                    let opc = match op {
                        Operator::Equals => Some(Opcode::Ne),
                        Operator::NotEquals => Some(Opcode::Eq),
                        Operator::Less => Some(Opcode::Ge),
                        Operator::LessEquals => Some(Opcode::Gt),
                        Operator::Greater => Some(Opcode::Le),
                        Operator::GreaterEquals => Some(Opcode::Lt),
                        _ => None,
                    };
                    if let Some(opc) = opc {
                        return self.emit_compare(opc, l, r, dest, flag);
                    }
                    if *op == Operator::Is {
                        return self.emit_compare(Opcode::Ne, l, r, dest, NULLEQ);
                    }
                    if *op == Operator::IsNot {
                        return self.emit_compare(Opcode::Eq, l, r, dest, NULLEQ);
                    }
                }
                Expr::IsNull(x) => {
                    let r = self.expr_reg(x)?;
                    self.emit(Opcode::NotNull, r, dest, 0);
                    return Ok(());
                }
                Expr::NotNull(x) => {
                    let r = self.expr_reg(x)?;
                    self.emit(Opcode::IsNull, r, dest, 0);
                    return Ok(());
                }
                _ => {}
            }
        }
        let r = self.expr_reg(e)?;
        self.emit(Opcode::IfNot, r, dest, if null_jumps { 1 } else { 0 });
        Ok(())
    }

    /// Jump to `dest` if `e` is true (or NULL when `null_jumps`).
    pub fn jump_if_true(&mut self, e: &Expr, dest: i32, null_jumps: bool) -> Result<()> {
        self.depth += 1;
        let r = self
            .check_depth()
            .and_then(|_| self.jit_inner(e, dest, null_jumps));
        self.depth -= 1;
        r
    }

    fn jit_inner(&mut self, e: &Expr, dest: i32, null_jumps: bool) -> Result<()> {
        let flag = if null_jumps { JUMPIFNULL } else { 0 };
        if self.lookup_override(e).is_none() {
            match e {
                Expr::Binary(l, Operator::Or, r) => {
                    self.jump_if_true(l, dest, null_jumps)?;
                    return self.jump_if_true(r, dest, null_jumps);
                }
                Expr::Binary(l, Operator::And, r) => {
                    let f = self.label();
                    self.jump_if_false(l, f, !null_jumps)?;
                    self.jump_if_true(r, dest, null_jumps)?;
                    self.resolve(f);
                    return Ok(());
                }
                Expr::Unary(UnaryOperator::Not, x) => {
                    return self.jump_if_false(x, dest, null_jumps)
                }
                Expr::Parenthesized(v) if v.len() == 1 => {
                    return self.jump_if_true(&v[0], dest, null_jumps)
                }
                Expr::Binary(l, op, r) => {
                    let opc = match op {
                        Operator::Equals => Some(Opcode::Eq),
                        Operator::NotEquals => Some(Opcode::Ne),
                        Operator::Less => Some(Opcode::Lt),
                        Operator::LessEquals => Some(Opcode::Le),
                        Operator::Greater => Some(Opcode::Gt),
                        Operator::GreaterEquals => Some(Opcode::Ge),
                        _ => None,
                    };
                    if let Some(opc) = opc {
                        return self.emit_compare(opc, l, r, dest, flag);
                    }
                    if *op == Operator::Is {
                        return self.emit_compare(Opcode::Eq, l, r, dest, NULLEQ);
                    }
                    if *op == Operator::IsNot {
                        return self.emit_compare(Opcode::Ne, l, r, dest, NULLEQ);
                    }
                }
                Expr::IsNull(x) => {
                    let r = self.expr_reg(x)?;
                    self.emit(Opcode::IsNull, r, dest, 0);
                    return Ok(());
                }
                Expr::NotNull(x) => {
                    let r = self.expr_reg(x)?;
                    self.emit(Opcode::NotNull, r, dest, 0);
                    return Ok(());
                }
                _ => {}
            }
        }
        let r = self.expr_reg(e)?;
        self.emit(Opcode::If, r, dest, if null_jumps { 1 } else { 0 });
        Ok(())
    }

    /// Apply affinity `aff` to `n` registers from `base` (no-op for BLOB/none).
    pub fn apply_affinity(&mut self, base: i32, affs: &[u8]) {
        if affs.iter().all(|a| *a == AFF_BLOB || *a == AFF_NONE) {
            return;
        }
        let s: String = affs
            .iter()
            .map(|a| {
                if *a == AFF_NONE {
                    AFF_BLOB as char
                } else {
                    *a as char
                }
            })
            .collect();
        self.emit4(
            Opcode::Affinity,
            base,
            affs.len() as i32,
            0,
            P4::Affinity(s),
            0,
        );
    }

    pub fn text_affinity() -> u8 {
        AFF_TEXT
    }
    pub fn int_affinity() -> u8 {
        AFF_INTEGER
    }
}

/// `x IN tbl` → `x IN (SELECT * FROM tbl)` (built by parsing, the AST constructors are private).
fn table_select(q: &ast::QualifiedName) -> Result<ast::Select> {
    let text = match &q.db_name {
        Some(d) => format!("SELECT * FROM {}.{}", d.0, q.name.0),
        None => format!("SELECT * FROM {}", q.name.0),
    };
    match super::schema::parse_one(&text) {
        Ok(ast::Stmt::Select(s)) => Ok(s),
        _ => Err(Error::sql("syntax error")),
    }
}

/// Visit the direct sub-expressions of `e` (not subqueries).
pub fn walk_children(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    match e {
        Expr::Between {
            lhs, start, end, ..
        } => {
            f(lhs);
            f(start);
            f(end);
        }
        Expr::Binary(l, _, r) => {
            f(l);
            f(r);
        }
        Expr::Case {
            base,
            when_then_pairs,
            else_expr,
        } => {
            if let Some(b) = base {
                f(b);
            }
            for (w, t) in when_then_pairs {
                f(w);
                f(t);
            }
            if let Some(x) = else_expr {
                f(x);
            }
        }
        Expr::Cast { expr, .. } => f(expr),
        Expr::Collate(x, _) => f(x),
        Expr::FunctionCall { args, .. } => {
            if let Some(a) = args {
                for x in a {
                    f(x);
                }
            }
        }
        Expr::InList { lhs, rhs, .. } => {
            f(lhs);
            if let Some(r) = rhs {
                for x in r {
                    f(x);
                }
            }
        }
        Expr::InSelect { lhs, .. } | Expr::InTable { lhs, .. } => f(lhs),
        Expr::IsNull(x) | Expr::NotNull(x) | Expr::Unary(_, x) => f(x),
        Expr::Like {
            lhs, rhs, escape, ..
        } => {
            f(lhs);
            f(rhs);
            if let Some(x) = escape {
                f(x);
            }
        }
        Expr::Parenthesized(v) => {
            for x in v {
                f(x);
            }
        }
        _ => {}
    }
}
