//! Seeded random workload generator: each *round* is a fresh database with a random schema
//! (2–3 tables, mixed declared types, INTEGER PRIMARY KEY or not, UNIQUE / NOT NULL / COLLATE
//! NOCASE columns, single- and multi-column indexes with DESC / COLLATE NOCASE), random data
//! (NULLs, negative and huge integers, reals, number-like texts, blobs, empty strings), then a
//! stream of queries and DML.
//!
//! Invariants: a round is a pure function of (seed, round number) — the parent and the child
//! regenerate identical SQL; a query whose row order SQL leaves undefined is marked
//! `ordered = false` (compared as a multiset) — ordered queries carry ORDER BY over every
//! output column; nothing generated depends on unspecified choices (no bare columns in
//! aggregates, scalar subqueries are aggregates, no group_concat, no random()).

#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability pct/100.
    pub fn pct(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// CREATE / initial INSERT.
    Setup,
    /// A SELECT; `ordered` false = compare rows as a multiset.
    Query { ordered: bool },
    /// INSERT / UPDATE / DELETE.
    Dml,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub sql: String,
    pub kind: Kind,
}

#[derive(Clone)]
struct Col {
    name: String,
    /// INTEGER PRIMARY KEY: never given i64::MAX (SQLite then picks random rowids).
    ipk: bool,
}

#[derive(Clone)]
struct Table {
    name: String,
    cols: Vec<Col>,
}

/// Columns visible to an expression: (qualifier, column name).
#[derive(Clone, Default)]
struct Scope {
    cols: Vec<(String, String)>,
}

const TYPES: &[&str] = &[
    "INTEGER",
    "TEXT",
    "REAL",
    "NUMERIC",
    "BLOB",
    "",
    "INT",
    "VARCHAR(10)",
];
const CAST_TYPES: &[&str] = &["INTEGER", "TEXT", "REAL", "NUMERIC", "BLOB"];

const LITERALS: &[&str] = &[
    "NULL",
    "0",
    "1",
    "2",
    "3",
    "-1",
    "-7",
    "10",
    "100",
    "9223372036854775807",
    "-9223372036854775808",
    "4294967296",
    "-2147483649",
    "0.5",
    "-1.25",
    "3.0",
    "2.5",
    "1e15",
    "100.75",
    "-0.0",
    "1.0e100",
    "''",
    "'a'",
    "'A'",
    "'abc'",
    "'ABC'",
    "'b'",
    "'10'",
    "'3.0'",
    "' 12'",
    "'1e3'",
    "'-7'",
    "'0x10'",
    "'x'",
    "'hello world'",
    "x''",
    "x'00'",
    "x'41'",
    "x'3132'",
    "x'FF00'",
];

const LIKE_PATS: &[&str] = &[
    "'%a%'", "'A%'", "'_'", "'1%'", "'%'", "'a_c'", "'%0'", "''", "'_b%'",
];
const GLOB_PATS: &[&str] = &[
    "'*a*'", "'A*'", "'?'", "'1*'", "'[a-c]*'", "'*[0-9]'", "'a?c'",
];

pub struct Gen {
    rng: Rng,
    tables: Vec<Table>,
    nalias: usize,
    /// Generate the literal -0.0.
    negzero: bool,
    /// Alias for rowid in the table check.
    rowid_as: &'static str,
    /// Known-bug classes to steer around (see `--lenient`).
    lenient: Vec<String>,
}

/// The statements of round `round` of seed `seed`.
pub fn round(seed: u64, round: u64, nstmts: usize, lenient: &[String]) -> Vec<Stmt> {
    let mut g = Gen {
        negzero: !lenient.iter().any(|l| l == "negzero"),
        rowid_as: if lenient.iter().any(|l| l == "rowidname") {
            " AS rowid_"
        } else {
            ""
        },
        rng: Rng::new(seed.wrapping_mul(0x1000_0000_01B3).wrapping_add(round)),
        tables: Vec::new(),
        nalias: 0,
        lenient: lenient.to_vec(),
    };
    let mut v = g.schema();
    let mut n = 0;
    while n < nstmts {
        if g.rng.pct(25) {
            let (sql, t) = g.dml();
            v.push(Stmt {
                sql,
                kind: Kind::Dml,
            });
            // Check the table right after a change: detects silent divergence of data.
            v.push(Stmt {
                sql: format!("SELECT rowid{}, * FROM {t}", g.rowid_as),
                kind: Kind::Query { ordered: false },
            });
            n += 2;
        } else {
            let (sql, ordered) = g.query();
            v.push(Stmt {
                sql,
                kind: Kind::Query { ordered },
            });
            n += 1;
        }
    }
    v
}

impl Gen {
    fn has(&self, l: &str) -> bool {
        self.lenient.iter().any(|x| x == l)
    }

    /// LHS and pattern of LIKE / GLOB; with `likeblob` never a blob on either side.
    fn like_operands(&mut self, sc: &Scope, d: u32, pats: &[&str]) -> (String, String) {
        if self.has("likeblob") {
            let p = self.rng.pick(pats).to_string();
            return (format!("CAST({} AS TEXT)", self.expr(sc, d)), p);
        }
        let p = if self.rng.pct(70) {
            self.rng.pick(pats).to_string()
        } else {
            self.expr(sc, d)
        };
        (self.expr(sc, d), p)
    }

    fn lit(&mut self) -> String {
        let l = self.rng.pick(LITERALS);
        if !self.negzero && *l == "-0.0" {
            "0.0".into()
        } else {
            l.to_string()
        }
    }

    /// A literal for column `c`.
    fn lit_for(&mut self, c: &Col) -> String {
        let l = self.lit();
        if c.ipk && l == "9223372036854775807" {
            "7".into()
        } else {
            l
        }
    }

    fn schema(&mut self) -> Vec<Stmt> {
        let mut out = Vec::new();
        let nt = self.rng.range(2, 3);
        for ti in 0..nt {
            let name = format!("t{ti}");
            let nc = self.rng.range(2, 5);
            let ipk = self.rng.pct(35);
            let mut defs = Vec::new();
            let mut cols = Vec::new();
            for ci in 0..nc {
                let cname = format!("c{ci}");
                let mut d = if ci == 0 && ipk {
                    format!("{cname} INTEGER PRIMARY KEY")
                } else {
                    let ty = *self.rng.pick(TYPES);
                    let mut d = format!("{cname} {ty}");
                    if self.rng.pct(10) {
                        d.push_str(" NOT NULL");
                    }
                    if self.rng.pct(10) {
                        d.push_str(" UNIQUE");
                    }
                    if self.rng.pct(10) {
                        d.push_str(" COLLATE NOCASE");
                    }
                    if self.rng.pct(8) {
                        let l = self.lit();
                        d.push_str(&format!(" DEFAULT {l}"));
                    }
                    d
                };
                d = d.trim_end().to_string();
                defs.push(d);
                cols.push(Col {
                    name: cname,
                    ipk: ci == 0 && ipk,
                });
            }
            if !ipk && nc >= 3 && self.rng.pct(10) {
                defs.push("UNIQUE(c1, c2)".into());
            }
            out.push(Stmt {
                sql: format!("CREATE TABLE {name}({})", defs.join(", ")),
                kind: Kind::Setup,
            });
            self.tables.push(Table { name, cols });
        }
        // Indexes.
        for ti in 0..nt {
            let t = self.tables[ti].clone();
            for ii in 0..self.rng.below(3) {
                let n = self.rng.range(1, t.cols.len().min(3));
                let mut parts = Vec::new();
                for _ in 0..n {
                    let c = &self.rng.pick(&t.cols).name;
                    let mut p = c.clone();
                    if self.rng.pct(20) {
                        p.push_str(" COLLATE NOCASE");
                    }
                    if self.rng.pct(30) {
                        p.push_str(" DESC");
                    }
                    parts.push(p);
                }
                let uniq = if self.rng.pct(15) { "UNIQUE " } else { "" };
                out.push(Stmt {
                    sql: format!(
                        "CREATE {uniq}INDEX i{ti}_{ii} ON {}({})",
                        t.name,
                        parts.join(", ")
                    ),
                    kind: Kind::Setup,
                });
            }
        }
        // Data.
        for ti in 0..nt {
            let t = self.tables[ti].clone();
            let nrows = self.rng.range(3, 12);
            let mut r = 0;
            while r < nrows {
                let k = self.rng.range(1, 3);
                let rows: Vec<String> = (0..k)
                    .map(|_| {
                        let vs: Vec<String> = t.cols.iter().map(|c| self.lit_for(c)).collect();
                        format!("({})", vs.join(", "))
                    })
                    .collect();
                out.push(Stmt {
                    sql: format!("INSERT INTO {} VALUES {}", t.name, rows.join(", ")),
                    kind: Kind::Setup,
                });
                r += k;
            }
        }
        out
    }

    fn alias(&mut self) -> String {
        self.nalias += 1;
        format!("a{}", self.nalias)
    }

    fn colref(&mut self, sc: &Scope) -> String {
        let (q, c) = self.rng.pick(&sc.cols).clone();
        if q.is_empty() {
            c
        } else {
            format!("{q}.{c}")
        }
    }

    fn leaf(&mut self, sc: &Scope) -> String {
        if !sc.cols.is_empty() && self.rng.pct(65) {
            self.colref(sc)
        } else {
            self.lit()
        }
    }

    /// A random expression over `sc` (which includes outer columns for correlation).
    fn expr(&mut self, sc: &Scope, depth: u32) -> String {
        if depth == 0 || self.rng.pct(25) {
            return self.leaf(sc);
        }
        let d = depth - 1;
        match self.rng.below(24) {
            0..=2 => {
                let op = *self
                    .rng
                    .pick(&["+", "-", "*", "/", "%", "||", "&", "|", "<<"]);
                format!("({} {op} {})", self.expr(sc, d), self.expr(sc, d))
            }
            3..=6 => self.cond(sc, depth),
            7 => format!("(- {})", self.expr(sc, d)),
            8 => {
                let n = self.rng.range(1, 3);
                let mut s = String::from("CASE");
                let simple = self.rng.pct(40);
                if simple {
                    s.push(' ');
                    s.push_str(&self.expr(sc, d));
                }
                for _ in 0..n {
                    let w = if simple {
                        self.expr(sc, d)
                    } else {
                        self.cond(sc, d)
                    };
                    let t = self.expr(sc, d);
                    s.push_str(&format!(" WHEN {w} THEN {t}"));
                }
                if self.rng.pct(60) {
                    s.push_str(&format!(" ELSE {}", self.expr(sc, d)));
                }
                s.push_str(" END");
                s
            }
            9 | 10 => {
                let ty = *self.rng.pick(CAST_TYPES);
                format!("CAST({} AS {ty})", self.expr(sc, d))
            }
            11 => format!("({} COLLATE NOCASE)", self.expr(sc, d)),
            12 => format!("({})", self.scalar_subquery(sc)),
            _ => self.func(sc, d),
        }
    }

    fn func(&mut self, sc: &Scope, d: u32) -> String {
        let a = self.expr(sc, d);
        match self.rng.below(17) {
            0 => format!("abs({a})"),
            1 => format!("coalesce({a}, {})", self.expr(sc, d)),
            2 => format!("ifnull({a}, {})", self.expr(sc, d)),
            3 => format!("nullif({a}, {})", self.expr(sc, d)),
            4 => format!("length({a})"),
            5 => format!("upper({a})"),
            6 => format!("lower({a})"),
            7 => format!("typeof({a})"),
            8 => format!("substr({a}, {}, {})", self.expr(sc, d), self.expr(sc, d)),
            9 => format!("instr({a}, {})", self.expr(sc, d)),
            10 => format!("round({a})"),
            11 => format!("round({a}, {})", self.rng.range(0, 3)),
            12 => format!("min({a}, {})", self.expr(sc, d)),
            13 => format!("max({a}, {})", self.expr(sc, d)),
            14 => format!("hex({a})"),
            15 => format!("quote({a})"),
            _ => format!("trim({a})"),
        }
    }

    /// A boolean-ish expression.
    fn cond(&mut self, sc: &Scope, depth: u32) -> String {
        let d = depth.saturating_sub(1);
        if depth == 0 {
            let a = self.leaf(sc);
            let b = self.leaf(sc);
            let op = *self
                .rng
                .pick(&["=", "<", ">", "<=", ">=", "<>", "IS", "IS NOT"]);
            return format!("({a} {op} {b})");
        }
        let not = if self.rng.pct(20) { "NOT " } else { "" };
        match self.rng.below(16) {
            0..=3 => {
                let op = *self
                    .rng
                    .pick(&["=", "<", ">", "<=", ">=", "<>", "!=", "==", "IS", "IS NOT"]);
                format!("({} {op} {})", self.expr(sc, d), self.expr(sc, d))
            }
            4 => format!("({} AND {})", self.cond(sc, d), self.cond(sc, d)),
            5 => format!("({} OR {})", self.cond(sc, d), self.cond(sc, d)),
            6 => format!("(NOT {})", self.cond(sc, d)),
            7 => {
                let n = self.rng.range(1, 4);
                let items: Vec<String> = (0..n).map(|_| self.expr(sc, 0)).collect();
                format!("({} {not}IN ({}))", self.expr(sc, d), items.join(", "))
            }
            8 => {
                let sub = self.sub_select_col(sc);
                format!("({} {not}IN ({sub}))", self.expr(sc, d))
            }
            9 => format!(
                "({} {not}BETWEEN {} AND {})",
                self.expr(sc, d),
                self.expr(sc, d),
                self.expr(sc, d)
            ),
            10 => {
                let (x, p) = self.like_operands(sc, d, LIKE_PATS);
                format!("({x} {not}LIKE {p})")
            }
            11 => {
                let (x, p) = self.like_operands(sc, d, GLOB_PATS);
                format!("({x} {not}GLOB {p})")
            }
            12 => format!("({} IS {not}NULL)", self.expr(sc, d)),
            13 => {
                let sub = self.exists_body(sc);
                format!("({not}EXISTS ({sub}))")
            }
            14 => {
                let a = self.expr(sc, d);
                let b = self.expr(sc, d);
                format!(
                    "({a} COLLATE NOCASE {} {b})",
                    self.rng.pick(&["=", "<", ">", "<>"])
                )
            }
            _ => format!(
                "({} {} {})",
                self.leaf(sc),
                self.rng.pick(&["=", "<", ">="]),
                self.leaf(sc)
            ),
        }
    }

    /// FROM one random table with a fresh alias; returns (from text, scope of that table).
    fn one_table(&mut self) -> (String, Scope) {
        let t = self.rng.pick(&self.tables).clone();
        let a = self.alias();
        let sc = Scope {
            cols: t.cols.iter().map(|c| (a.clone(), c.name.clone())).collect(),
        };
        (format!("{} AS {a}", t.name), sc)
    }

    fn merged(outer: &Scope, inner: &Scope) -> Scope {
        let mut s = inner.clone();
        s.cols.extend(outer.cols.iter().cloned());
        s
    }

    /// `SELECT <one column> FROM t [WHERE correlated]` for IN (...).
    fn sub_select_col(&mut self, outer: &Scope) -> String {
        let (from, inner) = self.one_table();
        let all = Self::merged(outer, &inner);
        let c = self.colref(&inner);
        let w = if self.rng.pct(50) {
            format!(" WHERE {}", self.cond(&all, 1))
        } else {
            String::new()
        };
        format!("SELECT {c} FROM {from}{w}")
    }

    fn exists_body(&mut self, outer: &Scope) -> String {
        let (from, inner) = self.one_table();
        let all = Self::merged(outer, &inner);
        format!("SELECT 1 FROM {from} WHERE {}", self.cond(&all, 1))
    }

    /// A scalar subquery whose value is well defined (an aggregate).
    fn scalar_subquery(&mut self, outer: &Scope) -> String {
        let (from, inner) = self.one_table();
        let all = Self::merged(outer, &inner);
        let c = self.colref(&inner);
        let agg = match self.rng.below(4) {
            0 => "count(*)".to_string(),
            1 => format!("max({c})"),
            2 => format!("min({c})"),
            _ => format!("count({c})"),
        };
        let w = if self.rng.pct(70) {
            format!(" WHERE {}", self.cond(&all, 1))
        } else {
            String::new()
        };
        format!("SELECT {agg} FROM {from}{w}")
    }

    fn aggregate(&mut self, sc: &Scope) -> String {
        let e = if self.rng.pct(70) {
            self.colref(sc)
        } else {
            self.expr(sc, 1)
        };
        match self.rng.below(9) {
            0 => "count(*)".into(),
            1 => format!("count({e})"),
            2 if self.has("distinctagg") => format!("count({e})"),
            2 => format!("count(DISTINCT {e})"),
            3 => format!("sum({e})"),
            4 => format!("total({e})"),
            5 => format!("min({e})"),
            6 => format!("max({e})"),
            7 => format!("avg({e})"),
            _ if self.has("distinctagg") => format!("sum({e})"),
            _ => format!("sum(DISTINCT {e})"),
        }
    }

    /// A window function call whose value does not depend on the order of peers (ties):
    /// peer-based frames (RANGE/GROUPS) and functions that see whole peer groups.
    fn window_call(&mut self, sc: &Scope) -> String {
        let arg = self.colref(sc);
        let f = match self.rng.below(8) {
            0 => "rank()".to_string(),
            1 => "dense_rank()".to_string(),
            2 => "percent_rank()".to_string(),
            3 => "cume_dist()".to_string(),
            4 => format!("count({arg})"),
            5 => format!("min({arg})"),
            6 => format!("max({arg})"),
            _ => "count(*)".to_string(),
        };
        let filter = if f.starts_with("count") && self.rng.pct(20) {
            format!(" FILTER (WHERE {})", self.cond(sc, 1))
        } else {
            String::new()
        };
        let mut spec = Vec::new();
        if self.rng.pct(50) {
            spec.push(format!("PARTITION BY {}", self.colref(sc)));
        }
        if self.rng.pct(70) {
            let dir = *self.rng.pick(&["", " DESC", " NULLS LAST"]);
            spec.push(format!("ORDER BY {}{dir}", self.colref(sc)));
            if self.rng.pct(40) {
                let unit = *self.rng.pick(&["RANGE", "GROUPS"]);
                let (a, b) = match self.rng.below(4) {
                    0 => ("UNBOUNDED PRECEDING", "CURRENT ROW"),
                    1 => ("CURRENT ROW", "UNBOUNDED FOLLOWING"),
                    2 => ("UNBOUNDED PRECEDING", "UNBOUNDED FOLLOWING"),
                    _ => ("CURRENT ROW", "CURRENT ROW"),
                };
                let (a, b) = if unit == "GROUPS" && self.rng.pct(50) {
                    ("1 PRECEDING", "1 FOLLOWING")
                } else {
                    (a, b)
                };
                spec.push(format!("{unit} BETWEEN {a} AND {b}"));
            }
        }
        format!("{f}{filter} OVER ({})", spec.join(" "))
    }

    /// FROM clause with 1–3 tables and a random join shape.
    fn from_clause(&mut self) -> (String, Scope) {
        let n = match self.rng.below(100) {
            0..=44 => 1,
            45..=84 => 2,
            _ => 3,
        };
        let (mut from, mut sc) = self.one_table();
        for _ in 1..n {
            let (f, s) = self.one_table();
            let both = Self::merged(&sc, &s);
            match self.rng.below(if self.has("nojoin2") { 5 } else { 7 }) {
                0 => from = format!("{from}, {f}"),
                1 => from = format!("{from} CROSS JOIN {f}"),
                k => {
                    let on = if self.rng.pct(70) {
                        let a = self.colref(&s);
                        let b = self.colref(&sc);
                        format!("{a} = {b}")
                    } else {
                        self.cond(&both, 1)
                    };
                    let kw = match k {
                        2 => "JOIN",
                        3 => "INNER JOIN",
                        4 => "LEFT JOIN",
                        5 => "RIGHT JOIN",
                        _ => "FULL JOIN",
                    };
                    from = format!("{from} {kw} {f} ON {on}");
                }
            }
            sc = both;
        }
        (from, sc)
    }

    /// A simple SELECT core with exactly `ncols` columns (if given); returns (sql, ncols).
    fn core(&mut self, ncols: Option<usize>) -> (String, usize) {
        let (from, sc) = self.from_clause();
        let where_ = if self.rng.pct(70) {
            format!(" WHERE {}", self.cond(&sc, 2))
        } else {
            String::new()
        };
        if self.rng.pct(30) {
            // Aggregate query: only grouping expressions and aggregates are selected.
            let ng = self.rng.below(3);
            let groups: Vec<String> = (0..ng)
                .map(|_| {
                    if self.rng.pct(75) {
                        self.colref(&sc)
                    } else {
                        self.expr(&sc, 1)
                    }
                })
                .collect();
            let n = ncols.unwrap_or_else(|| ng + self.rng.range(1, 2));
            let mut items = Vec::new();
            for i in 0..n {
                if i < groups.len() && self.rng.pct(80) {
                    items.push(groups[i].clone());
                } else {
                    items.push(self.aggregate(&sc));
                }
            }
            let mut sql = format!("SELECT {} FROM {from}{where_}", items.join(", "));
            if !groups.is_empty() {
                sql.push_str(&format!(" GROUP BY {}", groups.join(", ")));
                if self.rng.pct(30) {
                    let a = self.aggregate(&sc);
                    let op = *self.rng.pick(&["=", "<", ">", "<>", ">="]);
                    let l = self.lit();
                    sql.push_str(&format!(" HAVING {a} {op} {l}"));
                }
            }
            return (sql, n);
        }
        let distinct = if self.rng.pct(15) { "DISTINCT " } else { "" };
        if ncols.is_none() && self.rng.pct(8) {
            let n = sc.cols.len();
            return (format!("SELECT {distinct}* FROM {from}{where_}"), n);
        }
        let n = ncols.unwrap_or_else(|| self.rng.range(1, 4));
        let win = !self.has("nowindow") && self.rng.pct(25);
        let items: Vec<String> = (0..n)
            .map(|_| {
                if win && self.rng.pct(50) {
                    self.window_call(&sc)
                } else {
                    self.expr(&sc, 3)
                }
            })
            .collect();
        (
            format!("SELECT {distinct}{} FROM {from}{where_}", items.join(", ")),
            n,
        )
    }

    /// A top-level query; returns (sql, ordered).
    pub fn query(&mut self) -> (String, bool) {
        self.nalias = 0;
        let (mut sql, n) = if self.rng.pct(12) {
            let (a, n) = self.core(None);
            let (b, _) = self.core(Some(n));
            let op = *self
                .rng
                .pick(&["UNION", "UNION ALL", "INTERSECT", "EXCEPT"]);
            (format!("{a} {op} {b}"), n)
        } else {
            self.core(None)
        };
        if self.rng.pct(50) {
            let terms: Vec<String> = (1..=n)
                .map(|i| {
                    let dir = *self.rng.pick(&["", " ASC", " DESC"]);
                    let nulls = *self.rng.pick(&["", "", " NULLS FIRST", " NULLS LAST"]);
                    format!("{i}{dir}{nulls}")
                })
                .collect();
            sql.push_str(&format!(" ORDER BY {}", terms.join(", ")));
            if self.rng.pct(40) {
                sql.push_str(&format!(" LIMIT {}", self.rng.range(0, 6)));
                if self.rng.pct(40) {
                    sql.push_str(&format!(" OFFSET {}", self.rng.range(0, 4)));
                }
            }
            (sql, true)
        } else {
            (sql, false)
        }
    }

    /// A DML statement; returns (sql, name of the table it changes).
    fn dml(&mut self) -> (String, String) {
        self.nalias = 0;
        let t = self.rng.pick(&self.tables).clone();
        let sc = Scope {
            cols: t
                .cols
                .iter()
                .map(|c| (String::new(), c.name.clone()))
                .collect(),
        };
        let or = *self
            .rng
            .pick(&["", "", "OR REPLACE ", "OR IGNORE ", "OR ABORT ", "OR FAIL "]);
        let sql = match self.rng.below(10) {
            0..=3 => {
                let k = self.rng.range(1, 3);
                let (cols, n) = if self.rng.pct(30) {
                    let m = self.rng.range(1, t.cols.len());
                    let names: Vec<String> = t.cols[..m].iter().map(|c| c.name.clone()).collect();
                    (format!("({})", names.join(", ")), m)
                } else {
                    (String::new(), t.cols.len())
                };
                let rows: Vec<String> = (0..k)
                    .map(|_| {
                        let vs: Vec<String> = t.cols[..n]
                            .iter()
                            .map(|c| {
                                if c.ipk || self.rng.pct(85) {
                                    self.lit_for(c)
                                } else {
                                    self.expr(&Scope::default(), 2)
                                }
                            })
                            .collect();
                        format!("({})", vs.join(", "))
                    })
                    .collect();
                format!(
                    "INSERT {or}INTO {}{cols} VALUES {}",
                    t.name,
                    rows.join(", ")
                )
            }
            4 => {
                let (from, src) = self.one_table();
                let items: Vec<String> = t.cols.iter().map(|_| self.expr(&src, 1)).collect();
                let order: Vec<String> = (1..=items.len()).map(|i| i.to_string()).collect();
                format!(
                    "INSERT {or}INTO {} SELECT {} FROM {from} ORDER BY {} LIMIT {}",
                    t.name,
                    items.join(", "),
                    order.join(", "),
                    self.rng.range(1, 4)
                )
            }
            5..=7 => {
                let m = self.rng.range(1, 2.min(t.cols.len()));
                let sets: Vec<String> = (0..m)
                    .map(|_| {
                        let c = self.rng.pick(&t.cols).clone();
                        let e = if c.ipk || self.rng.pct(50) {
                            self.lit_for(&c)
                        } else {
                            self.expr(&sc, 2)
                        };
                        format!("{} = {e}", c.name)
                    })
                    .collect();
                let w = if self.rng.pct(80) {
                    format!(" WHERE {}", self.cond(&sc, 2))
                } else {
                    String::new()
                };
                format!("UPDATE {or}{} SET {}{w}", t.name, sets.join(", "))
            }
            _ => {
                let w = if self.rng.pct(90) {
                    format!(" WHERE {}", self.cond(&sc, 2))
                } else {
                    String::new()
                };
                format!("DELETE FROM {}{w}", t.name)
            }
        };
        (sql, t.name)
    }
}
