//! `difftest`: random differential testing of a `libsqlite3.so.0` (ours) against the system
//! SQLite 3.40.1 (the reference), both `dlopen`ed with `RTLD_LOCAL` into one process.
//!
//! Process model:
//!
//! ```text
//! parent: generate rounds 0..R from --seed (gen::round is deterministic)
//!         spawn `difftest --child ... --from r` ──> child: dlopen ref + ours; per round: fresh
//!         read child's stdout, one line per statement:     :memory: db on each, run every
//!           "P"                      agreed                 statement on both, compare, print
//!           "F<TAB>kind<TAB>detail"  differed               one line; "E" when done
//!         child died / silent > --timeout: the statement it was on fails as crash/hang, the
//!         rest of that round fails as "lost-after-crash"; respawn at the next round
//! ```
//!
//! Visit order: a plain query whose outcomes differ is run once more on the reference with
//! `PRAGMA reverse_unordered_selects=1`. When that changes the reference's own outcome, the
//! result depends on the order rows are visited (sum/avg of reals, sum's integer overflow, the
//! row a bare column comes from, ties under LIMIT), which SQL leaves undefined and SQLite
//! itself changes with the plan; the query then passes ("O", tallied as order-dependent) when
//! ours equals either reference outcome or matches one up to that order: same rows as
//! multisets with numbers equal to 1e-9 relative, or an `integer overflow` error where one
//! reference outcome has it. Anything else is still a difference.
//!
//! Invariants: the parent never loads a library (a crash of ours cannot take it down); every
//! generated statement is counted exactly once, as passed or failed; after the first difference
//! of a setup/DML statement (or of the table check that follows each DML) the round is
//! *diverged* and later differences in it are counted under kind `after-divergence` (still
//! failures, but not shown in full: they are consequences, not new bugs).

mod ffi;
mod gen;

use ffi::{Db, Lib, Outcome, Val};
use gen::{Kind, Stmt};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const SYSTEM_LIB: &str = "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0";
const USAGE: &str =
    "usage: difftest --ours PATH/libsqlite3.so.0 [--ref PATH] [--seed S] [--queries N]
                [--per-round N] [--show K] [--timeout SECS] [--plant EVERY]
                [--lenient negzero,errchanges,rowidname,likeblob,distinctagg,nowindow,nojoin2]
  Runs N random statements (default 2000) on both libraries and compares result rows (types
  and values; reals bit-exact), column names, error code and message, and changes().
  --ref defaults to the system library; --show prints the first K differences in full
  (default 10); --plant EVERY corrupts every EVERY-th result of ours (harness self-check).
  --lenient skips known bug classes: negzero = generate no -0.0 literal; errchanges = compare
  changes() only after DML that succeeded; rowidname = the table check after DML names rowid
  `AS rowid_` (an IPK table's rowid column is named after the IPK column); likeblob = LIKE/GLOB only
  on CAST(x AS TEXT) with literal patterns; distinctagg = no DISTINCT aggregates;
  nowindow = no window functions; nojoin2 = no RIGHT/FULL joins.
  --crash-at N / --hang-at N make the child abort / hang before running the N-th statement
  on ours (counted from 1 in each child process; harness self-test).
  --script FILE runs FILE (one statement per line) on both in this process and prints both
  outcomes of each statement, marking those that differ.
  Exit status 1 when any statement differed.";

#[derive(Clone)]
struct Opts {
    ours: String,
    reference: String,
    seed: u64,
    queries: usize,
    per_round: usize,
    show: usize,
    timeout: u64,
    plant: usize,
    /// Harness self-test: the child aborts (`crash`) or hangs (`hang`) at this statement number.
    fault_at: Option<(String, usize)>,
    /// `--script FILE`: run this SQL (one statement per line) on both, in process, and print
    /// both outcomes of every statement (a repro helper).
    script: Option<String>,
    /// Known bug classes to stop generating/comparing (so that other bugs show through).
    lenient: Vec<String>,
}

fn parse(args: &[String]) -> Result<(Opts, Option<u64>), String> {
    let mut o = Opts {
        ours: String::new(),
        reference: SYSTEM_LIB.into(),
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1),
        queries: 2000,
        per_round: 40,
        show: 10,
        timeout: 20,
        plant: 0,
        lenient: Vec::new(),
        script: None,
        fault_at: None,
    };
    let mut child_from = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = |n: &str| it.next().cloned().ok_or(format!("{n} needs a value"));
        let num = |s: String| s.parse::<u64>().map_err(|e| format!("{s}: {e}"));
        match a.as_str() {
            "--ours" | "--lib" => o.ours = val(a)?,
            "--ref" => o.reference = val(a)?,
            "--seed" => o.seed = num(val(a)?)?,
            "--queries" => o.queries = num(val(a)?)? as usize,
            "--per-round" => o.per_round = (num(val(a)?)? as usize).max(1),
            "--show" => o.show = num(val(a)?)? as usize,
            "--timeout" => o.timeout = num(val(a)?)?.max(1),
            "--plant" => o.plant = num(val(a)?)? as usize,
            "--lenient" => o.lenient = val(a)?.split(',').map(str::to_string).collect(),
            "--script" => o.script = Some(val(a)?),
            "--crash-at" => o.fault_at = Some(("crash".into(), num(val(a)?)? as usize)),
            "--hang-at" => o.fault_at = Some(("hang".into(), num(val(a)?)? as usize)),
            "--child-from" => child_from = Some(num(val(a)?)?),
            "-h" | "--help" => return Err("help".into()),
            s => return Err(format!("unknown argument {s}")),
        }
    }
    if o.ours.is_empty() {
        return Err("--ours is required".into());
    }
    Ok((o, child_from))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args) {
        Ok((o, Some(from))) => std::process::exit(child_main(&o, from)),
        Ok((o, None)) if o.script.is_some() => std::process::exit(script_main(&o)),
        Ok((o, None)) => std::process::exit(parent_main(&o)),
        Err(e) => {
            eprintln!("difftest: {e}\n{USAGE}");
            std::process::exit(2);
        }
    }
}

fn nrounds(o: &Opts) -> u64 {
    o.queries.div_ceil(o.per_round).max(1) as u64
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

fn unesc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(x) => out.push(x),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Child: runs statements on both libraries and compares.

/// The original stdout for protocol lines; fd 1 is pointed at stderr so whatever a library
/// prints cannot corrupt the protocol.
fn protocol_channel() -> std::fs::File {
    use std::os::fd::FromRawFd;
    // SAFETY: dup/dup2 on the process's own standard descriptors; the duplicated descriptor
    // is owned by the returned File alone.
    unsafe {
        let fd = libc::dup(1);
        libc::dup2(2, 1);
        if fd < 0 {
            return std::fs::File::from_raw_fd(libc::dup(2));
        }
        std::fs::File::from_raw_fd(fd)
    }
}

fn child_main(o: &Opts, from: u64) -> i32 {
    let mut out = std::io::BufWriter::new(protocol_channel());
    let reference = match Lib::load(&o.reference) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("difftest child: {e}");
            return 3;
        }
    };
    let ours = match Lib::load(&o.ours) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("difftest child: {e}");
            return 3;
        }
    };
    let mut counter = 0usize;
    for r in from..nrounds(o) {
        let stmts = gen::round(o.seed, r, o.per_round, &o.lenient);
        let (da, db) = match (
            Db::open(&reference, ":memory:"),
            Db::open(&ours, ":memory:"),
        ) {
            (Ok(a), Ok(b)) => (a, b),
            (a, b) => {
                let e = format!("open: ref {:?} ours {:?}", a.err(), b.err());
                for _ in &stmts {
                    let _ = writeln!(out, "F\topen-failed\t{}", esc(&e));
                }
                continue;
            }
        };
        let mut diverged = false;
        for s in &stmts {
            let a = da.run(&s.sql);
            // Flush before running ours: if it crashes, the parent knows where.
            let _ = out.flush();
            counter += 1;
            match &o.fault_at {
                Some((k, n)) if *n == counter && k == "crash" => std::process::abort(),
                Some((k, n)) if *n == counter && k == "hang" => loop {
                    std::thread::sleep(Duration::from_secs(3600));
                },
                _ => {}
            }
            let mut b = db.run(&s.sql);
            if o.plant > 0 && counter % o.plant == 0 {
                if b.err.is_some() {
                    b.err = Some((-999, "planted".into()));
                } else {
                    b.rows.push(vec![Val::Text(b"planted".to_vec())]);
                }
            }
            let errchanges = o.lenient.iter().any(|l| l == "errchanges");
            let mut res = compare(s, &a, &b, errchanges);
            if res.is_some() && is_plain_query(s) && order_dependent_match(&da, s, &a, &b) {
                let _ = writeln!(out, "O");
                continue;
            }
            match res.take() {
                None => {
                    let _ = writeln!(out, "P");
                }
                Some((kind, detail)) => {
                    let kind = if diverged {
                        "after-divergence".to_string()
                    } else {
                        kind
                    };
                    if !is_plain_query(s) {
                        diverged = true;
                    }
                    let _ = writeln!(out, "F\t{}\t{}", esc(&kind), esc(&detail));
                }
            }
        }
        let _ = out.flush();
    }
    let _ = writeln!(out, "E");
    let _ = out.flush();
    0
}

/// The reference's outcome depends on the visit order (it changes under
/// `reverse_unordered_selects`) and ours is one of the outcomes that order allows (see the
/// module header).
fn order_dependent_match(da: &Db, s: &Stmt, a: &Outcome, b: &Outcome) -> bool {
    let on = da.run("PRAGMA reverse_unordered_selects=1");
    let a2 = da.run(&s.sql);
    let off = da.run("PRAGMA reverse_unordered_selects=0");
    if on.err.is_some() || off.err.is_some() || a2 == *a {
        return false;
    }
    if a2 == *b {
        return true;
    }
    let overflow = |o: &Outcome| o.err.as_ref().map_or(false, |e| e.1 == "integer overflow");
    // Either reference outcome may be an overflow error (the intermediate sum overflows in
    // one order only): ours may then be the error or match the other outcome.
    if overflow(b) && (overflow(a) || overflow(&a2)) {
        return true;
    }
    let reference = [a, &a2];
    reference.iter().any(|r| loosely_equal(r, b))
}

/// Same columns, no errors, same rows as multisets with numbers (integer or real) equal to a
/// relative 1e-9 and everything else equal.
fn loosely_equal(a: &Outcome, b: &Outcome) -> bool {
    if a.err.is_some() || b.err.is_some() || a.cols != b.cols || a.rows.len() != b.rows.len() {
        return false;
    }
    let key = |r: &Vec<Val>| -> Vec<(u8, f64, Vec<u8>)> {
        r.iter()
            .map(|v| match v {
                Val::Null => (0, 0.0, vec![]),
                Val::Int(i) => (1, *i as f64, vec![]),
                Val::Real(x) => (1, f64::from_bits(*x), vec![]),
                Val::Text(t) => (2, 0.0, t.clone()),
                Val::Blob(t) => (3, 0.0, t.clone()),
            })
            .collect()
    };
    let sorted = |o: &Outcome| {
        let mut k: Vec<_> = o.rows.iter().map(key).collect();
        k.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
        k
    };
    let (ka, kb) = (sorted(a), sorted(b));
    ka.iter().zip(&kb).all(|(x, y)| {
        x.len() == y.len()
            && x.iter().zip(y).all(|(u, v)| {
                u.0 == v.0
                    && u.2 == v.2
                    && (u.1 == v.1 || (u.1 - v.1).abs() <= 1e-9 * u.1.abs().max(v.1.abs()))
            })
    })
}

/// An ordered query sorts by every output column, but rows whose columns are numerically
/// equal (1 and 1.0, 0 and -0.0; collations do not apply to numbers) or identical still tie,
/// and SQL leaves the order of tied rows undefined: sort each run of such rows canonically.
fn canon_ties(rows: &mut [Vec<Val>]) {
    let norm = |v: &Val| -> Val {
        match v {
            Val::Int(i) => Val::Real((*i as f64 + 0.0).to_bits()),
            Val::Real(x) => Val::Real((f64::from_bits(*x) + 0.0).to_bits()),
            o => o.clone(),
        }
    };
    let same = |x: &Vec<Val>, y: &Vec<Val>| {
        x.len() == y.len()
            && x.iter().zip(y).all(|(u, v)| match (u, v) {
                // i64 -> f64 may round: only exactly equal values tie.
                (Val::Int(i), Val::Int(j)) => i == j,
                (Val::Int(i), Val::Real(r)) | (Val::Real(r), Val::Int(i)) => {
                    // SQLite compares an integer and a real exactly.
                    let f = f64::from_bits(*r);
                    f.fract() == 0.0
                        && (-9.223372036854775808e18..9.223372036854775808e18).contains(&f)
                        && f as i64 == *i
                }
                _ => norm(u) == norm(v),
            })
    };
    let mut i = 0;
    while i < rows.len() {
        let mut j = i + 1;
        while j < rows.len() && same(&rows[i], &rows[j]) {
            j += 1;
        }
        rows[i..j].sort();
        i = j;
    }
}

/// A generated query that is not the table check following a DML statement.
fn is_plain_query(s: &Stmt) -> bool {
    matches!(s.kind, Kind::Query { .. }) && !s.sql.starts_with("SELECT rowid")
}

fn show_outcome(o: &Outcome) -> String {
    let mut s = String::new();
    if let Some((c, m)) = &o.err {
        s.push_str(&format!("  error {c}: {m}\n"));
    }
    s.push_str(&format!("  changes={} cols={:?}\n", o.changes, o.cols));
    for r in o.rows.iter().take(25) {
        let v: Vec<String> = r.iter().map(Val::show).collect();
        s.push_str(&format!("  | {}\n", v.join(" | ")));
    }
    if o.rows.len() > 25 {
        s.push_str(&format!("  ... {} rows in all\n", o.rows.len()));
    }
    s
}

fn short_msg(m: &str) -> String {
    let m = m.split(':').next().unwrap_or(m);
    m.chars().take(48).collect()
}

/// None when the outcomes agree, else (kind, human-readable detail).
fn compare(s: &Stmt, a: &Outcome, b: &Outcome, errchanges: bool) -> Option<(String, String)> {
    let cat = match s.kind {
        Kind::Setup => "setup",
        Kind::Dml => "dml",
        Kind::Query { .. } => "query",
    };
    let class = classify(s, a, b, errchanges)?;
    let detail = format!("reference:\n{}ours:\n{}", show_outcome(a), show_outcome(b));
    Some((format!("{cat} {class}"), detail))
}

fn classify(s: &Stmt, a: &Outcome, b: &Outcome, errchanges: bool) -> Option<String> {
    match (&a.err, &b.err) {
        (Some((ca, ma)), Some((cb, mb))) => {
            if ca != cb {
                return Some(format!("errcode {ca}/{cb}: {}", short_msg(ma)));
            }
            if ma != mb {
                return Some(format!("errmsg: {}", short_msg(ma)));
            }
            if a.changes != b.changes && !errchanges {
                return Some("changes".into());
            }
            return None;
        }
        (None, Some((_, mb))) => return Some(format!("ours-error-only: {}", short_msg(mb))),
        (Some((_, ma)), None) => return Some(format!("ref-error-only: {}", short_msg(ma))),
        (None, None) => {}
    }
    if a.cols.len() != b.cols.len() {
        return Some("column-count".into());
    }
    let ordered = s.kind == Kind::Query { ordered: true };
    let (mut ra, mut rb) = (a.rows.clone(), b.rows.clone());
    if !ordered {
        ra.sort();
        rb.sort();
    } else {
        canon_ties(&mut ra);
        canon_ties(&mut rb);
    }
    if ra != rb {
        if ra.len() != rb.len() {
            return Some("row-count".into());
        }
        if ordered {
            let (mut sa, mut sb) = (ra.clone(), rb.clone());
            sa.sort();
            sb.sort();
            if sa == sb {
                return Some("row-order".into());
            }
        }
        for (x, y) in ra.iter().zip(&rb) {
            for (u, v) in x.iter().zip(y) {
                if u != v {
                    return Some(if u.type_name() != v.type_name() {
                        format!("type {}/{}", u.type_name(), v.type_name())
                    } else if u.type_name() == "real" {
                        "real-bits".into()
                    } else {
                        format!("value {}", u.type_name())
                    });
                }
            }
            if x.len() != y.len() {
                return Some("row-width".into());
            }
        }
        return Some("rows".into());
    }
    // changes() is stale after a statement that is not DML; with errchanges it is compared only
    // after DML (a stale value carried over from a failed statement is the known bug).
    if a.changes != b.changes && (!errchanges || s.kind == Kind::Dml) {
        return Some("changes".into());
    }
    if a.cols != b.cols {
        return Some("column-names".into());
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Parent: generates the same rounds, supervises the child, reports.

enum Msg {
    Line(String),
    Eof,
}

struct Tally {
    passed: usize,
    /// Of `passed`: queries whose result SQLite itself changes with the visit order.
    order_dependent: usize,
    failed: usize,
    kinds: BTreeMap<String, usize>,
    shown: usize,
}

fn parent_main(o: &Opts) -> i32 {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("difftest: current_exe: {e}");
            return 2;
        }
    };
    println!(
        "difftest: seed {} queries {} per-round {} ref {} ours {}",
        o.seed, o.queries, o.per_round, o.reference, o.ours
    );
    let total_rounds = nrounds(o);
    let mut t = Tally {
        passed: 0,
        order_dependent: 0,
        failed: 0,
        kinds: BTreeMap::new(),
        shown: 0,
    };
    let mut next_round = 0u64;
    while next_round < total_rounds {
        next_round = run_child(o, &exe, next_round, total_rounds, &mut t);
    }
    println!("difference kinds:");
    for (k, n) in &t.kinds {
        println!("  {n:6}  {k}");
    }
    println!(
        "order-dependent queries (the reference changes under reverse_unordered_selects; \
         passed as matching up to visit order): {}",
        t.order_dependent
    );
    println!("seed {}: {} passed, {} failed", o.seed, t.passed, t.failed);
    println!("{} passed, {} failed", t.passed, t.failed);
    if t.failed == 0 {
        0
    } else {
        1
    }
}

/// Runs one child from round `from`; returns the round to resume at.
fn run_child(o: &Opts, exe: &std::path::Path, from: u64, total: u64, t: &mut Tally) -> u64 {
    let mut cmd = Command::new(exe);
    cmd.args(["--ours", &o.ours, "--ref", &o.reference])
        .args([
            "--seed",
            &o.seed.to_string(),
            "--queries",
            &o.queries.to_string(),
        ])
        .args([
            "--per-round",
            &o.per_round.to_string(),
            "--plant",
            &o.plant.to_string(),
        ])
        .args(["--child-from", &from.to_string()])
        .args(match &o.fault_at {
            Some((k, n)) if from == 0 => vec![format!("--{k}-at"), n.to_string()],
            _ => vec![],
        })
        .args(["--lenient", &o.lenient.join(",")])
        .args(["--timeout", &o.timeout.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("difftest: spawn child: {e}");
            std::process::exit(2);
        }
    };
    let (tx, rx) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for l in BufReader::new(stdout).lines() {
                match l {
                    Ok(l) => {
                        if tx.send(Msg::Line(l)).is_err() {
                            return;
                        }
                    }
                    Err(_) => break,
                }
            }
            let _ = tx.send(Msg::Eof);
        });
    }
    let mut r = from;
    let mut stmts = gen::round(o.seed, r, o.per_round, &o.lenient);
    let mut i = 0usize;
    let outcome: Result<(), &str> = loop {
        if r >= total {
            break Ok(());
        }
        if i == stmts.len() {
            r += 1;
            i = 0;
            if r < total {
                stmts = gen::round(o.seed, r, o.per_round, &o.lenient);
            }
            continue;
        }
        match rx.recv_timeout(Duration::from_secs(o.timeout)) {
            Ok(Msg::Line(l)) => {
                if l == "P" {
                    t.passed += 1;
                } else if l == "O" {
                    t.passed += 1;
                    t.order_dependent += 1;
                } else if let Some(rest) = l.strip_prefix("F\t") {
                    let mut p = rest.splitn(2, '\t');
                    let kind = unesc(p.next().unwrap_or(""));
                    let detail = unesc(p.next().unwrap_or(""));
                    record(o, t, r, &stmts, i, &kind, &detail);
                } else if l == "E" {
                    break Err("child ended early");
                } else {
                    continue;
                }
                i += 1;
            }
            Ok(Msg::Eof) | Err(mpsc::RecvTimeoutError::Disconnected) => break Err("crash"),
            Err(mpsc::RecvTimeoutError::Timeout) => break Err("hang"),
        }
    };
    match outcome {
        Ok(()) => {
            let _ = child.wait();
            total
        }
        Err(kind) => {
            let _ = child.kill();
            let status = child.wait().map(|s| format!("{s}")).unwrap_or_default();
            if r >= total {
                return total;
            }
            let detail = format!("child {kind} ({status}) while running this statement");
            record(o, t, r, &stmts, i, &format!("{kind}"), &detail);
            for _ in i + 1..stmts.len() {
                t.failed += 1;
                *t.kinds.entry("lost-after-crash".into()).or_default() += 1;
            }
            r + 1
        }
    }
}

fn record(o: &Opts, t: &mut Tally, r: u64, stmts: &[Stmt], i: usize, kind: &str, detail: &str) {
    t.failed += 1;
    *t.kinds.entry(kind.to_string()).or_default() += 1;
    if kind == "after-divergence" || t.shown >= o.show {
        return;
    }
    t.shown += 1;
    let mut s = format!(
        "==== DIFFERENCE #{} [{kind}] seed {} round {r} statement {i}\n-- setup and preceding changes:\n",
        t.shown, o.seed
    );
    for p in &stmts[..i] {
        if !matches!(p.kind, Kind::Query { .. }) {
            s.push_str(&p.sql);
            s.push_str(";\n");
        }
    }
    s.push_str(&format!("-- statement:\n{};\n{detail}", stmts[i].sql));
    println!("{s}");
    let _ = std::io::stdout().flush();
}

/// `--script`: both libraries in this process; prints every statement's outcomes.
fn script_main(o: &Opts) -> i32 {
    let path = o.script.clone().unwrap_or_default();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("difftest: {path}: {e}");
            return 2;
        }
    };
    let (ra, rb) = (Lib::load(&o.reference), Lib::load(&o.ours));
    let (Ok(la), Ok(lb)) = (ra, rb) else {
        eprintln!("difftest: cannot load a library");
        return 2;
    };
    let (Ok(da), Ok(db)) = (Db::open(&la, ":memory:"), Db::open(&lb, ":memory:")) else {
        eprintln!("difftest: cannot open databases");
        return 2;
    };
    let mut ndiff = 0;
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("--"))
    {
        let sql = line.trim_end_matches(';');
        let st = Stmt {
            sql: sql.to_string(),
            kind: Kind::Query { ordered: true },
        };
        let (a, b) = (da.run(sql), db.run(sql));
        match classify(&st, &a, &b, false) {
            None => println!("same   {sql};\n{}", show_outcome(&a)),
            Some(k) => {
                ndiff += 1;
                println!(
                    "DIFF [{k}] {sql};\nreference:\n{}ours:\n{}",
                    show_outcome(&a),
                    show_outcome(&b)
                );
            }
        }
    }
    println!("{ndiff} statements differ");
    i32::from(ndiff > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(ordered: bool) -> Stmt {
        Stmt {
            sql: "SELECT 1".into(),
            kind: Kind::Query { ordered },
        }
    }

    fn rows(v: &[&[Val]]) -> Outcome {
        Outcome {
            cols: vec!["x".into(); v.first().map_or(1, |r| r.len())],
            rows: v.iter().map(|r| r.to_vec()).collect(),
            ..Outcome::default()
        }
    }

    #[test]
    fn rounds_are_deterministic_and_seed_dependent() {
        let a: Vec<String> = gen::round(9, 3, 40, &[])
            .into_iter()
            .map(|s| s.sql)
            .collect();
        let b: Vec<String> = gen::round(9, 3, 40, &[])
            .into_iter()
            .map(|s| s.sql)
            .collect();
        let c: Vec<String> = gen::round(10, 3, 40, &[])
            .into_iter()
            .map(|s| s.sql)
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn ordered_queries_ignore_the_order_of_numerically_equal_rows() {
        let r = |x: f64| Val::Real(x.to_bits());
        let a = rows(&[&[Val::Int(0)], &[r(-0.0)], &[r(0.0)], &[Val::Int(1)]]);
        let b = rows(&[&[r(0.0)], &[Val::Int(0)], &[r(-0.0)], &[Val::Int(1)]]);
        assert_eq!(classify(&q(true), &a, &b, false), None);
        // Different values, or a tie broken differently from a non-tie, still differ.
        let c = rows(&[&[Val::Int(1)], &[Val::Int(0)], &[r(-0.0)], &[r(0.0)]]);
        assert_eq!(
            classify(&q(true), &a, &c, false).as_deref(),
            Some("row-order")
        );
        let t = rows(&[&[Val::Text(b"ABC".to_vec())], &[Val::Text(b"abc".to_vec())]]);
        let u = rows(&[&[Val::Text(b"abc".to_vec())], &[Val::Text(b"ABC".to_vec())]]);
        assert_eq!(
            classify(&q(true), &t, &u, false).as_deref(),
            Some("row-order")
        );
        let big = rows(&[&[Val::Int(i64::MAX)], &[r(9.223372036854775807e18)]]);
        let big2 = rows(&[&[r(9.223372036854775807e18)], &[Val::Int(i64::MAX)]]);
        assert_eq!(
            classify(&q(true), &big, &big2, false).as_deref(),
            Some("row-order")
        );
    }

    #[test]
    fn loose_equality_is_only_up_to_summation_order() {
        let r = |x: f64| Val::Real(x.to_bits());
        let a = rows(&[&[r(0.1 + 0.2 + 0.3), Val::Int(1)], &[r(2.0), Val::Int(2)]]);
        let b = rows(&[&[r(2.0), Val::Int(2)], &[r(0.3 + 0.2 + 0.1), Val::Int(1)]]);
        assert!(loosely_equal(&a, &b));
        // An integer and the equal real are loosely equal (a bare column's row).
        let c = rows(&[&[Val::Int(2), Val::Int(2)], &[r(0.6), Val::Int(1)]]);
        assert!(loosely_equal(&a, &c));
        // Anything beyond rounding is not.
        let d = rows(&[&[r(2.0), Val::Int(2)], &[r(0.6000001), Val::Int(1)]]);
        assert!(!loosely_equal(&a, &d));
        let e = rows(&[&[r(2.0), Val::Int(2)], &[r(0.6), Val::Int(3)]]);
        assert!(!loosely_equal(&a, &e));
        let f = rows(&[&[r(2.0), Val::Int(2)]]);
        assert!(!loosely_equal(&a, &f));
        let t = rows(&[
            &[Val::Text(b"1".to_vec()), Val::Int(2)],
            &[r(0.6), Val::Int(1)],
        ]);
        assert!(!loosely_equal(&a, &t));
        let mut err = a.clone();
        err.err = Some((1, "integer overflow".into()));
        assert!(!loosely_equal(&a, &err));
    }

    #[test]
    fn integer_and_real_of_equal_value_differ() {
        let a = rows(&[&[Val::Int(1)]]);
        let b = rows(&[&[Val::Real(1f64.to_bits())]]);
        assert_eq!(
            classify(&q(false), &a, &b, false).as_deref(),
            Some("type integer/real")
        );
        let z = rows(&[&[Val::Real(0f64.to_bits())]]);
        let nz = rows(&[&[Val::Real((-0f64).to_bits())]]);
        assert_eq!(
            classify(&q(false), &z, &nz, false).as_deref(),
            Some("real-bits")
        );
        let t = rows(&[&[Val::Text(b"a".to_vec())]]);
        let bl = rows(&[&[Val::Blob(b"a".to_vec())]]);
        assert_eq!(
            classify(&q(false), &t, &bl, false).as_deref(),
            Some("type text/blob")
        );
    }

    #[test]
    fn order_matters_only_for_ordered_queries() {
        let a = rows(&[&[Val::Int(1)], &[Val::Int(2)]]);
        let b = rows(&[&[Val::Int(2)], &[Val::Int(1)]]);
        assert_eq!(classify(&q(false), &a, &b, false), None);
        assert_eq!(
            classify(&q(true), &a, &b, false).as_deref(),
            Some("row-order")
        );
        let c = rows(&[&[Val::Int(1)], &[Val::Int(1)]]);
        assert!(
            classify(&q(false), &a, &c, false).is_some(),
            "multisets, not sets"
        );
    }

    #[test]
    fn errors_changes_and_names_are_compared() {
        let ok = rows(&[]);
        let mut e1 = ok.clone();
        e1.err = Some((19, "UNIQUE constraint failed: t.a".into()));
        let mut e2 = e1.clone();
        e2.err = Some((2067, "UNIQUE constraint failed: t.a".into()));
        assert!(classify(&q(false), &ok, &e1, false)
            .unwrap()
            .starts_with("ours-error-only"));
        assert!(classify(&q(false), &e1, &e2, false)
            .unwrap()
            .starts_with("errcode"));
        let mut ch = ok.clone();
        ch.changes = 3;
        assert_eq!(
            classify(&q(false), &ok, &ch, false).as_deref(),
            Some("changes")
        );
        let mut nm = ok.clone();
        nm.cols = vec!["y".into()];
        assert_eq!(
            classify(&q(false), &ok, &nm, false).as_deref(),
            Some("column-names")
        );
    }

    #[test]
    fn escaping_round_trips() {
        let s = "a\tb\nc\\d";
        assert_eq!(unesc(&esc(s)), s);
        assert!(!esc(s).contains('\n') && !esc(s).contains('\t'));
    }
}
