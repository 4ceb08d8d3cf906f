//! Differential tests of the built-in functions against real SQLite 3.40.1 (the `sqlite3`
//! CLI): each case is a function call with literal arguments; SQLite evaluates
//! `SELECT quote(f(args))`, we evaluate `f` through `func::lookup` and format the result with
//! our own `quote`. Errors are compared by message. Skipped (with a note) if the CLI is absent.

use epiloglite::func::{self, scalar::quote_value, FuncContext, FuncKind};
use epiloglite::Value;
use std::process::Command;

fn lit(v: &Value) -> String {
    match v {
        Value::Real(r) if r.is_infinite() => {
            if *r > 0.0 {
                "1e999".into()
            } else {
                "-1e999".into()
            }
        }
        Value::Text(t) if std::str::from_utf8(t).is_err() || t.contains(&0) => {
            let b = quote_value(&Value::Blob(t.clone()));
            format!("CAST({} AS TEXT)", String::from_utf8_lossy(&b))
        }
        other => String::from_utf8_lossy(&quote_value(other)).into_owned(),
    }
}

fn sqlite(sql: &str) -> Result<String, String> {
    let out = Command::new("sqlite3")
        .arg(":memory:")
        .arg(sql)
        .output()
        .map_err(|e| format!("spawn: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout)
        .trim_end_matches('\n')
        .to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if !out.status.success() || !stderr.is_empty() {
        return Err(stderr);
    }
    Ok(stdout)
}

fn have_cli() -> bool {
    Command::new("sqlite3").arg("-version").output().is_ok()
}

enum Case {
    Scalar(&'static str, Vec<Value>),
    Agg(&'static str, Vec<Vec<Value>>),
}

fn ours(case: &Case) -> Result<String, String> {
    let mut ctx = FuncContext::default();
    let r = match case {
        Case::Scalar(name, args) => {
            let f = func::lookup(name, args.len() as i32).ok_or("no such function")?;
            match f.kind {
                FuncKind::Scalar(s) => s(&mut ctx, args),
                FuncKind::Aggregate(_) => return Err("aggregate".into()),
            }
        }
        Case::Agg(name, rows) => {
            let n = rows.first().map(|r| r.len()).unwrap_or(1) as i32;
            let f = func::lookup(name, n).ok_or("no such function")?;
            match f.kind {
                FuncKind::Aggregate(fac) => {
                    let mut st = fac();
                    let mut res = Ok(());
                    for r in rows {
                        res = st.step(&mut ctx, r);
                        if res.is_err() {
                            break;
                        }
                    }
                    res.and_then(|_| st.finalize(&mut ctx))
                }
                FuncKind::Scalar(_) => return Err("scalar".into()),
            }
        }
    };
    r.map(|v| String::from_utf8_lossy(&quote_value(&v)).into_owned())
        .map_err(|e| e.msg)
}

fn sql_of(case: &Case) -> String {
    match case {
        Case::Scalar(name, args) => {
            let a: Vec<String> = args.iter().map(lit).collect();
            if name.starts_with("->") && a.len() == 2 {
                return format!("SELECT quote(({}) {} ({}));", a[0], name, a[1]);
            }
            format!("SELECT quote({}({}));", name, a.join(", "))
        }
        Case::Agg(name, rows) => {
            let n = rows.first().map(|r| r.len()).unwrap_or(1);
            let cols: Vec<String> = (1..=n).map(|i| format!("column{i}")).collect();
            if rows.is_empty() {
                return format!(
                    "SELECT quote({}({})) FROM (SELECT 1 AS column1, 2 AS column2) WHERE 0;",
                    name,
                    cols.join(", ")
                );
            }
            let vals: Vec<String> = rows
                .iter()
                .map(|r| format!("({})", r.iter().map(lit).collect::<Vec<_>>().join(", ")))
                .collect();
            format!(
                "SELECT quote({}({})) FROM (VALUES {});",
                name,
                cols.join(", "),
                vals.join(", ")
            )
        }
    }
}

/// Run many `SELECT quote(...)` statements in one sqlite3 process. Each statement's output is
/// prefixed by a marker; statements that fail print nothing on stdout (their error message is
/// then obtained by running them alone).
fn sqlite_batch(sqls: &[String]) -> Vec<Result<String, String>> {
    use std::io::Write;
    let mut script = String::new();
    for (k, s) in sqls.iter().enumerate() {
        // "SELECT quote(x);" -> "SELECT '@@k@@' || quote(x);"
        let body = s.strip_prefix("SELECT ").unwrap_or(s);
        script.push_str(&format!("SELECT '@@{k}@@' || {body}\n"));
    }
    let mut child = match Command::new("sqlite3")
        .arg(":memory:")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return sqls.iter().map(|_| Err(format!("spawn: {e}"))).collect(),
    };
    // Feed stdin from another thread: with a large script both pipes can fill up.
    let feeder = child.stdin.take().map(|mut stdin| {
        std::thread::spawn(move || {
            let _ = stdin.write_all(script.as_bytes());
        })
    });
    let out = child.wait_with_output();
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let out = match out {
        Ok(o) => o,
        Err(e) => return sqls.iter().map(|_| Err(format!("wait: {e}"))).collect(),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut results: Vec<Option<String>> = vec![None; sqls.len()];
    let mut cur: Option<usize> = None;
    for line in stdout.split('\n') {
        if let Some(rest) = line.strip_prefix("@@") {
            if let Some(end) = rest.find("@@") {
                if let Ok(k) = rest[..end].parse::<usize>() {
                    if k < results.len() {
                        // A statement returning several rows prints the marker on each.
                        let row = &rest[end + 2..];
                        match results[k].as_mut() {
                            Some(r) => {
                                r.push('\n');
                                r.push_str(row);
                            }
                            None => results[k] = Some(row.to_string()),
                        }
                        cur = Some(k);
                        continue;
                    }
                }
            }
        }
        if let Some(k) = cur {
            if let Some(r) = results[k].as_mut() {
                r.push('\n');
                r.push_str(line);
            }
        }
    }
    results
        .into_iter()
        .enumerate()
        .map(|(k, r)| match r {
            Some(mut v) => {
                while v.ends_with('\n') {
                    v.pop();
                }
                Ok(v)
            }
            None => sqlite(&sqls[k]),
        })
        .collect()
}

fn check(cases: Vec<Case>) {
    if !have_cli() {
        eprintln!("sqlite3 CLI not found: differential test skipped");
        return;
    }
    let sqls: Vec<String> = cases.iter().map(sql_of).collect();
    eprintln!("{} differential cases", sqls.len());
    let theirs_all = sqlite_batch(&sqls);
    let mut failures = Vec::new();
    for ((c, sql), theirs) in cases.iter().zip(&sqls).zip(theirs_all) {
        let mine = ours(c);
        let ok = match (&theirs, &mine) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => a.contains(b.as_str()),
            _ => false,
        };
        if !ok {
            failures.push(format!("{sql}\n   sqlite: {theirs:?}\n   ours:   {mine:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn i(x: i64) -> Value {
    Value::Integer(x)
}
fn r(x: f64) -> Value {
    Value::Real(x)
}
fn t(x: &str) -> Value {
    Value::text(x)
}
fn tb(x: &[u8]) -> Value {
    Value::Text(x.to_vec())
}
fn b(x: &[u8]) -> Value {
    Value::Blob(x.to_vec())
}
const N: Value = Value::Null;

fn sc(name: &'static str, args: Vec<Value>) -> Case {
    Case::Scalar(name, args)
}

#[test]
fn diff_core_scalars() {
    let mut c = vec![
        sc("abs", vec![i(-5)]),
        sc("abs", vec![i(i64::MIN)]),
        sc("abs", vec![i(i64::MAX)]),
        sc("abs", vec![r(-2.5)]),
        sc("abs", vec![t("-7")]),
        sc("abs", vec![t("abc")]),
        sc("abs", vec![N]),
        sc("abs", vec![b(b"\x01")]),
        sc("char", vec![i(72), i(105), i(0x1F600)]),
        sc("char", vec![i(-1), i(0x110000), i(0xD800)]),
        sc("char", vec![]),
        sc("coalesce", vec![N, N, i(3)]),
        sc("coalesce", vec![N, N]),
        sc("ifnull", vec![N, t("x")]),
        sc("hex", vec![t("abc")]),
        sc("hex", vec![i(-12)]),
        sc("hex", vec![r(12.5)]),
        sc("hex", vec![N]),
        sc("hex", vec![b(b"\x00\xff")]),
        sc("iif", vec![i(1), t("a"), t("b")]),
        sc("iif", vec![t("0.0"), t("a"), t("b")]),
        sc("iif", vec![N, t("a"), t("b")]),
        sc("instr", vec![t("hello"), t("l")]),
        sc("instr", vec![t("h\u{e9}llo"), t("l")]),
        sc("instr", vec![t("hello"), t("")]),
        sc("instr", vec![t("hello"), t("z")]),
        sc("instr", vec![b(b"ab\x00c"), b(b"\x00c")]),
        sc("instr", vec![i(12345), i(34)]),
        sc("instr", vec![N, t("a")]),
        sc("length", vec![t("h\u{e9}llo")]),
        sc("length", vec![b(b"h\xc3\xa9")]),
        sc("length", vec![i(-123)]),
        sc("length", vec![r(1.5)]),
        sc("length", vec![N]),
        sc("length", vec![t("")]),
        sc("length", vec![tb(b"a\x00b")]),
        sc("length", vec![tb(b"\xff\xfe")]),
        sc("lower", vec![t("HeLLo \u{c9}")]),
        sc("upper", vec![t("heLLo \u{e9}")]),
        sc("upper", vec![i(5)]),
        sc("upper", vec![N]),
        sc("ltrim", vec![t("  ab  ")]),
        sc("rtrim", vec![t("  ab  ")]),
        sc("trim", vec![t("  ab  ")]),
        sc("trim", vec![t("xyabyx"), t("xy")]),
        sc("trim", vec![t("\u{e9}a\u{e9}"), t("\u{e9}")]),
        sc("trim", vec![t("abc"), N]),
        sc("trim", vec![t("abc"), t("")]),
        sc("ltrim", vec![i(1200), i(1)]),
        sc("rtrim", vec![r(1200.0), t("0.")]),
        sc("max", vec![i(1), r(2.5), i(2)]),
        sc("max", vec![i(1), N, i(2)]),
        sc("max", vec![i(1), t("a"), b(b"a")]),
        sc("min", vec![t("b"), t("a"), i(99)]),
        sc("min", vec![r(1.0), i(1)]),
        sc("nullif", vec![i(1), i(1)]),
        sc("nullif", vec![i(1), r(1.0)]),
        sc("nullif", vec![t("1"), i(1)]),
        sc("nullif", vec![N, i(1)]),
        sc("quote", vec![t("it's")]),
        sc("quote", vec![r(0.1)]),
        sc("quote", vec![r(1.0 / 3.0)]),
        sc("quote", vec![r(1e100)]),
        sc("quote", vec![r(-0.0)]),
        sc("quote", vec![r(123456789012345680.0)]),
        sc("quote", vec![b(b"\x00\x01\xab")]),
        sc("quote", vec![b(b"")]),
        sc("quote", vec![N]),
        sc("quote", vec![i(i64::MIN)]),
        sc("replace", vec![t("hello"), t("l"), t("L")]),
        sc("replace", vec![t("hello"), t(""), t("L")]),
        sc("replace", vec![i(5), t(""), N]),
        sc("replace", vec![t("hello"), N, t("x")]),
        sc("replace", vec![t("hello"), t("l"), N]),
        sc("replace", vec![t("aaaa"), t("aa"), t("b")]),
        sc("replace", vec![i(1231), i(1), r(2.5)]),
        sc("round", vec![r(2.5)]),
        sc("round", vec![r(-2.5)]),
        sc("round", vec![r(2.675), i(2)]),
        sc("round", vec![r(1.005), i(2)]),
        sc("round", vec![r(0.5)]),
        sc("round", vec![r(-0.4)]),
        sc("round", vec![r(1234.5678), i(-2)]),
        sc("round", vec![r(1.23456789), i(40)]),
        sc("round", vec![i(5)]),
        sc("round", vec![t("3.7")]),
        sc("round", vec![N]),
        sc("round", vec![r(1.5), N]),
        sc("round", vec![r(1e300), i(2)]),
        sc("round", vec![r(9007199254740993.0)]),
        sc("round", vec![r(0.1 + 0.2), i(15)]),
        sc("round", vec![r(123.456), i(1)]),
        sc("sign", vec![i(-3)]),
        sc("sign", vec![r(0.0)]),
        sc("sign", vec![t("2.5")]),
        sc("sign", vec![t("abc")]),
        sc("sign", vec![b(b"1")]),
        sc("sign", vec![N]),
        sc("substr", vec![t("hello"), i(2)]),
        sc("substr", vec![t("hello"), i(2), i(3)]),
        sc("substr", vec![t("hello"), i(0)]),
        sc("substr", vec![t("hello"), i(0), i(2)]),
        sc("substr", vec![t("hello"), i(-2)]),
        sc("substr", vec![t("hello"), i(-2), i(1)]),
        sc("substr", vec![t("hello"), i(-10), i(7)]),
        sc("substr", vec![t("hello"), i(3), i(-2)]),
        sc("substr", vec![t("hello"), i(1), i(-2)]),
        sc("substr", vec![t("hello"), i(10)]),
        sc("substr", vec![t("h\u{e9}llo"), i(2), i(2)]),
        sc("substr", vec![b(b"\x01\x02\x03\x04"), i(2), i(2)]),
        sc("substr", vec![b(b"\x01\x02\x03\x04"), i(-1)]),
        sc("substr", vec![b(b"\x01\x02\x03\x04"), i(0), i(-3)]),
        sc("substr", vec![i(12345), i(2), i(2)]),
        sc("substr", vec![t("hello"), N]),
        sc("substr", vec![N, i(1)]),
        sc("substr", vec![t("hello"), i(4294967298)]),
        sc("substring", vec![t("hello"), i(2), i(2)]),
        sc("typeof", vec![r(1.0)]),
        sc("typeof", vec![b(b"")]),
        sc("unicode", vec![t("\u{e9}x")]),
        sc("unicode", vec![t("")]),
        sc("unicode", vec![N]),
        sc("unicode", vec![i(7)]),
        sc("zeroblob", vec![i(3)]),
        sc("zeroblob", vec![i(-3)]),
        sc("zeroblob", vec![t("2")]),
        sc("likely", vec![i(4)]),
        sc("unlikely", vec![t("x")]),
        sc("likelihood", vec![i(4), r(0.5)]),
        sc("typeof", vec![N]),
        sc("length", vec![tb(b"\xc3")]),
        sc("substr", vec![tb(b"\xff\xfe\xfd"), i(2)]),
        sc("sqlite_version", vec![]),
    ];
    for (p, s) in [
        ("a%", "ABC"),
        ("%b_", "abc"),
        ("_", ""),
        ("%", ""),
        ("h_llo", "h\u{e9}llo"),
        ("\u{e9}", "\u{c9}"),
        ("a", "a\u{0}b"),
        ("%%%x", "abx"),
        ("a_c%", "abcdef"),
        ("abc", "ABC"),
    ] {
        c.push(sc("like", vec![t(p), t(s)]));
    }
    for (p, s, e) in [
        ("a\\%", "a%", "\\"),
        ("a\\%", "ab", "\\"),
        ("a%%", "a%", "%"),
        ("a__", "a_", "_"),
        ("a%", "abc", ""),
        ("a%", "abc", "xy"),
    ] {
        c.push(sc("like", vec![t(p), t(s), t(e)]));
    }
    c.push(sc("like", vec![t("a%"), t("abc"), N]));
    c.push(sc("like", vec![N, t("abc")]));
    c.push(sc("like", vec![i(1), i(1)]));
    for (p, s) in [
        ("a*", "abc"),
        ("A*", "abc"),
        ("?b?", "abc"),
        ("[a-c]x", "bx"),
        ("[^a-c]x", "bx"),
        ("[]]", "]"),
        ("[]-]", "-"),
        ("*[0-9]", "abc7"),
        ("[abc", "a"),
        ("a[-]b", "a-b"),
        ("*", ""),
        ("[\u{e9}-\u{ea}]", "\u{e9}"),
        ("*a*b*", "xxaxxbxx"),
        ("a?", "a"),
        ("[z-a]", "m"),
    ] {
        c.push(sc("glob", vec![t(p), t(s)]));
    }
    check(c);
}

#[test]
fn diff_printf() {
    let mut c = Vec::new();
    let fmts: Vec<(&str, Vec<Value>)> = vec![
        ("%d %i %u", vec![i(-5), r(3.9), i(-1)]),
        (
            "%5d|%-5d|%05d|%+d|% d",
            vec![i(42), i(42), i(-42), i(42), i(42)],
        ),
        (
            "%x %X %o %#x %#o %#X",
            vec![i(255), i(255), i(8), i(255), i(8), i(0)],
        ),
        ("%,d %,d %,d", vec![i(1234567), i(-1234), i(12)]),
        (
            "%f %.2f %10.3f %-10.1f| %e %E %g %G",
            vec![
                r(3.14159),
                r(2.675),
                r(-1.5),
                r(2.25),
                r(12345.678),
                r(1e-300),
                r(0.00001234),
                r(1e20),
            ],
        ),
        ("%.0f %.0f %.0f %.0f", vec![r(0.5), r(1.5), r(2.5), r(-0.5)]),
        (
            "%g %g %g %#g %!g %!.3g",
            vec![
                r(100000.0),
                r(1000000.0),
                r(0.0001),
                r(1.0),
                r(1e15),
                r(1.0),
            ],
        ),
        (
            "%.20f|%.30e|%!.25g",
            vec![r(0.1), r(1.0 / 3.0), r(2.0f64.sqrt())],
        ),
        (
            "%e %f %g",
            vec![r(f64::INFINITY), r(f64::NEG_INFINITY), r(1e308 * 10.0)],
        ),
        (
            "%s|%10s|%-10s|%.2s|%!.2s|%!5s",
            vec![
                t("abc"),
                t("abc"),
                t("abc"),
                t("abc"),
                t("\u{e9}\u{e9}\u{e9}"),
                t("\u{e9}"),
            ],
        ),
        (
            "%q|%Q|%Q|%w|%.3q",
            vec![t("it's"), t("it's"), N, t("a\"b"), t("a'b'c")],
        ),
        (
            "%c|%5c|%.3c|%-3c|",
            vec![t("xyz"), t("\u{e9}"), t("q"), t("r")],
        ),
        ("%s %s %s %s", vec![i(1), r(2.5), N, b(b"hi")]),
        ("%d %d", vec![t("12abc"), r(1e30)]),
        ("%%|%5%|%", vec![]),
        ("%z|%y|never", vec![t("z")]),
        (
            "%*d|%-*d|%.*f|%*.*f",
            vec![i(5), i(1), i(5), i(2), i(3), r(1.0), i(8), i(2), r(3.14159)],
        ),
        ("%lld %ld %hd", vec![i(1), i(2), i(3)]),
        ("missing %d %s %f", vec![]),
        ("%.3d|%8.3d|%-8.3x|%#10x", vec![i(7), i(-7), i(255), i(255)]),
        (
            "%r %r %r %r %r %r",
            vec![i(1), i(2), i(3), i(11), i(12), i(101)],
        ),
        ("%p", vec![i(255)]),
        (
            "%010.3f|%-010.3f|%+.3e|%010e",
            vec![r(-3.5), r(3.5), r(12.0), r(-1.0)],
        ),
        ("%.16g|%.17g|%.18g", vec![r(0.1), r(0.1), r(0.1)]),
        (
            "%!.15g|%!.15g|%!.15g|%!.15g",
            vec![r(1e-5), r(123456789.0), r(1e16), r(-1e-300)],
        ),
        ("%.100f", vec![r(1.0 / 7.0)]),
        ("%,.2f|%,f", vec![r(1234567.891), r(-1234.5)]),
        ("%#.3g|%#g|%#e", vec![r(1.0), r(0.0), r(0.0)]),
        ("%g|%g|%g", vec![r(0.0), r(-0.0), r(5e-324)]),
    ];
    for (f, mut args) in fmts {
        args.insert(0, t(f));
        c.push(sc("printf", args));
    }
    c.push(sc("printf", vec![N, i(1)]));
    c.push(sc("format", vec![t("%d-%s"), i(3), t("x")]));
    check(c);
}

#[test]
fn diff_real_rendering_via_quote_and_cast() {
    let vals = [
        0.1,
        0.2,
        0.3,
        1.0 / 3.0,
        2.0 / 3.0,
        100.0,
        1e15,
        1e16,
        1e17,
        123456789012345.6,
        1e-7,
        1e-5,
        0.0001,
        1.7976931348623157e308,
        2.2250738585072014e-308,
        5e-324,
        4.35,
        0.1 + 0.2,
        1e21,
        9.999999999999999e22,
        3.0e-7,
        1234.5,
        -987654.321,
        0.5,
        1.0 - 1e-16,
        299792458.0,
        6.02214076e23,
        1.602176634e-19,
    ];
    let mut c = Vec::new();
    for v in vals {
        c.push(sc("quote", vec![r(v)]));
        c.push(sc("quote", vec![r(-v)]));
        c.push(sc("printf", vec![t("%s"), r(v)]));
    }
    // text -> number through abs (value_double) and through arithmetic-free paths
    for s in [
        "12abc",
        " 3.5 ",
        "1e3",
        "1e",
        ".5",
        "-",
        "+7",
        "0x10",
        "1e400",
        "-1e400",
        "1.5e-3x",
        "  ",
        "9223372036854775808",
        "99999999999999999999",
    ] {
        c.push(sc("abs", vec![t(s)]));
        c.push(sc("printf", vec![t("%d|%f|%s"), t(s), t(s), t(s)]));
    }
    check(c);
}

fn ag(name: &'static str, rows: Vec<Vec<Value>>) -> Case {
    Case::Agg(name, rows)
}

#[test]
fn diff_aggregates() {
    let one = |v: Vec<Value>| v.into_iter().map(|x| vec![x]).collect::<Vec<_>>();
    let c = vec![
        ag("sum", one(vec![i(1), i(2), N])),
        ag("sum", one(vec![i(i64::MAX), i(1)])),
        ag("sum", one(vec![i(i64::MAX), r(1.0)])),
        ag("sum", one(vec![i(1), r(2.5)])),
        ag("sum", one(vec![t("3"), t("4.5")])),
        ag("sum", one(vec![t("x"), i(1)])),
        ag("sum", one(vec![N, N])),
        ag("total", one(vec![N])),
        ag("total", one(vec![i(1), i(2)])),
        ag("avg", one(vec![i(1), i(2), i(4)])),
        ag("avg", one(vec![N])),
        ag("count", one(vec![i(1), N, t("")])),
        ag("max", one(vec![i(1), t("a"), b(b"\x00"), N])),
        ag("min", one(vec![i(1), t("a"), b(b"\x00"), N, r(0.5)])),
        ag("min", one(vec![N])),
        ag("max", one(vec![r(1.0), i(1)])),
        ag("group_concat", one(vec![i(1), N, t("b"), r(2.5)])),
        ag("group_concat", one(vec![t("")])),
        ag("group_concat", one(vec![N])),
        ag(
            "group_concat",
            vec![vec![t("a"), t("-")], vec![t("b"), t("+")], vec![t("c"), N]],
        ),
        ag(
            "group_concat",
            vec![vec![t("a"), i(1)], vec![N, t("x")], vec![t("b"), r(0.5)]],
        ),
        ag("sum", vec![]),
        ag("count", vec![]),
        ag("group_concat", vec![]),
    ];
    check(c);
}

#[test]
fn diff_cast_and_affinity() {
    use epiloglite::func::text::{apply_affinity, cast, Affinity};
    if !have_cli() {
        return;
    }
    let vals = vec![
        t("12abc"),
        t(" 3.5 "),
        t("1e3"),
        t(" 1e3x"),
        t("1.0"),
        t("1e18"),
        t("-0"),
        t("9223372036854775808"),
        t("-9223372036854775808"),
        t("9223372036854775807.0"),
        t("0x10"),
        t(""),
        t("abc"),
        t("1e400"),
        t(".5"),
        t("5."),
        t("  12  "),
        t("+3"),
        t("1e-400"),
        t("4503599627370497"),
        t("2251799813685248.0"),
        i(5),
        i(i64::MIN),
        r(1.0),
        r(1.5),
        r(1e19),
        r(-1e19),
        r(-0.0),
        r(1e300),
        r(f64::INFINITY),
        b(b"12"),
        b(b"\x001"),
        b(b"3.0"),
        N,
    ];
    let affs = [
        ("INTEGER", Affinity::Integer),
        ("REAL", Affinity::Real),
        ("NUMERIC", Affinity::Numeric),
        ("TEXT", Affinity::Text),
        ("BLOB", Affinity::Blob),
    ];
    let mut failures = Vec::new();
    for v in &vals {
        let l = lit(v);
        // CAST
        let sql: Vec<String> = affs
            .iter()
            .map(|(n, _)| format!("quote(CAST({l} AS {n}))"))
            .collect();
        let theirs = sqlite(&format!("SELECT {};", sql.join(", ")));
        let mine: Vec<String> = affs
            .iter()
            .map(|(_, a)| String::from_utf8_lossy(&quote_value(&cast(v.clone(), *a))).into_owned())
            .collect();
        if theirs.as_deref() != Ok(mine.join("|").as_str()) {
            failures.push(format!("CAST {l}: sqlite {theirs:?} ours {mine:?}"));
        }
        // Column affinity on insert.
        let sql = format!(
            "CREATE TABLE t(a INTEGER, b REAL, c NUMERIC, d TEXT, e BLOB); \
             INSERT INTO t VALUES({l},{l},{l},{l},{l}); \
             SELECT quote(a), quote(b), quote(c), quote(d), quote(e) FROM t;"
        );
        let theirs = sqlite(&sql);
        let mine: Vec<String> = affs
            .iter()
            .map(|(_, a)| {
                String::from_utf8_lossy(&quote_value(&apply_affinity(v.clone(), *a))).into_owned()
            })
            .collect();
        if theirs.as_deref() != Ok(mine.join("|").as_str()) {
            failures.push(format!("affinity {l}: sqlite {theirs:?} ours {mine:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn diff_datetime() {
    let mut c = Vec::new();
    let inputs: Vec<Value> = vec![
        t("2024-03-05"),
        t("2024-03-05 12:34:56"),
        t("2024-03-05T12:34:56.789"),
        t("2024-03-05 12:34"),
        t("2024-03-05 12:34:56.1234567"),
        t("2024-03-05 12:34:56Z"),
        t("2024-03-05 12:34:56 +05:30"),
        t("2024-03-05 12:34:56-08:00"),
        t("2024-03-05 12:34:56 +5:30"),
        t("12:34"),
        t("12:34:56.5"),
        t("24:00"),
        t("2023-02-31"),
        t("2023-13-01"),
        t("2023-1-01"),
        t("0000-01-01"),
        t("9999-12-31 23:59:59.999"),
        t("-4713-11-24 12:00:00"),
        t("-0005-06-07"),
        t(" 2024-03-05"),
        t("2024-03-05 "),
        t("2024-03-05x"),
        t("bogus"),
        t(""),
        t("2460375.5"),
        t("1e3"),
        i(2460375),
        r(2460375.25),
        i(0),
        i(-1),
        r(5373484.4),
        r(5373484.5),
        i(1700000000),
        N,
        b(b"2024-01-01"),
        t("NOW_NOT"),
    ];
    for v in &inputs {
        for f in ["date", "time", "datetime", "julianday", "unixepoch"] {
            c.push(sc(f, vec![v.clone()]));
        }
    }
    let mods: Vec<(Value, Vec<&str>)> = vec![
        (t("2024-01-31"), vec!["+1 month"]),
        (t("2024-01-31"), vec!["-1 month"]),
        (t("2024-02-29"), vec!["+1 year"]),
        (t("2024-02-29"), vec!["+1.5 years"]),
        (t("2024-03-05 10:00"), vec!["+1.5 months"]),
        (
            t("2024-03-05 10:00"),
            vec!["+36 hours", "-30 minutes", "+90 seconds"],
        ),
        (t("2024-03-05 10:00"), vec!["+1.25 days"]),
        (t("2024-03-05 10:00"), vec!["-13 months"]),
        (t("2024-03-05 10:00"), vec!["+ 2 days"]),
        (t("2024-03-05 10:00"), vec!["+2 day"]),
        (t("2024-03-05 10:00"), vec!["+2 DAYS"]),
        (t("2024-03-05 10:00"), vec!["+2 fortnights"]),
        (t("2024-03-05 10:00"), vec!["+2"]),
        (t("2024-03-05 10:00"), vec!["+01:30"]),
        (t("2024-03-05 10:00"), vec!["-01:30:15.5"]),
        (t("2024-03-05 10:00"), vec!["+25:00"]),
        (t("2024-03-05 10:00"), vec!["start of month"]),
        (t("2024-03-05 10:00"), vec!["start of year"]),
        (t("2024-03-05 10:00"), vec!["start of day"]),
        (t("2024-03-05 10:00"), vec!["start of week"]),
        (t("2024-03-05 10:00"), vec!["weekday 0"]),
        (t("2024-03-05 10:00"), vec!["weekday 2"]),
        (t("2024-03-05 10:00"), vec!["weekday 7"]),
        (t("2024-03-05 10:00"), vec!["weekday 1.5"]),
        (
            t("2024-03-05 10:00"),
            vec!["start of month", "+1 month", "-1 day"],
        ),
        (i(1700000000), vec!["unixepoch"]),
        (r(1700000000.5), vec!["unixepoch"]),
        (t("1700000000"), vec!["unixepoch"]),
        (i(1700000000), vec!["auto"]),
        (i(2460000), vec!["auto"]),
        (r(2460000.5), vec!["julianday"]),
        (i(1700000000), vec!["julianday"]),
        (t("2024-01-01"), vec!["unixepoch"]),
        (i(0), vec!["unixepoch", "localtime"]),
        (t("2024-07-01 12:00"), vec!["localtime"]),
        (t("2024-07-01 12:00"), vec!["utc"]),
        (t("2024-07-01 12:00"), vec!["localtime", "utc"]),
        (t("2024-07-01 12:00 +02:00"), vec!["utc"]),
        (t("2024-07-01"), vec!["+1 day", "unixepoch"]),
        (t("2024-07-01"), vec!["bogus"]),
        (t("9999-12-31"), vec!["+1 day"]),
        (t("0000-01-01"), vec!["-1 day"]),
        (t("2024-07-01"), vec!["+10000000 days"]),
        (t("2024-07-01"), vec!["+176545 months"]),
        (t("2024-07-01"), vec!["+14712 years"]),
        (i(-1000), vec!["unixepoch"]),
        (t("12:00"), vec!["+1 day"]),
        (t("12:00"), vec!["start of day"]),
    ];
    for (v, m) in &mods {
        for f in ["datetime", "julianday"] {
            let mut args = vec![v.clone()];
            args.extend(m.iter().map(|s| t(s)));
            c.push(sc(f, args));
        }
    }
    let fmts = [
        "%d %m %Y %H %M %S %f",
        "%j %W %w %s %J",
        "%%|%Y-%m-%dT%H:%M:%fZ",
        "%e",
        "%k",
        "%",
        "abc",
        "",
        "%Y",
    ];
    for f in fmts {
        for v in [
            t("2024-03-05 12:34:56.789"),
            t("2024-01-01"),
            t("2023-12-31 23:59:59.9999"),
            t("-0100-02-03"),
            t("0001-01-01"),
            i(0),
        ] {
            c.push(sc("strftime", vec![t(f), v]));
        }
    }
    c.push(sc("strftime", vec![N, t("2024-01-01")]));
    c.push(sc("strftime", vec![t("%Y"), N]));
    check(c);
}

#[test]
fn diff_math() {
    let mut c = Vec::new();
    let vals = vec![
        i(0),
        i(1),
        i(-1),
        i(2),
        r(0.5),
        r(-0.5),
        r(1e308),
        r(-2.5),
        t("4"),
        t("2.5"),
        t("abc"),
        N,
        b(b"1"),
        i(i64::MAX),
        r(f64::INFINITY),
        r(1e-320),
    ];
    for f in [
        "acos", "asin", "atan", "acosh", "asinh", "atanh", "ceil", "ceiling", "cos", "cosh",
        "degrees", "exp", "floor", "ln", "log", "log10", "log2", "radians", "sin", "sinh", "sqrt",
        "tan", "tanh", "trunc",
    ] {
        for v in &vals {
            c.push(sc(f, vec![v.clone()]));
        }
    }
    let pairs = vec![
        (i(2), i(10)),
        (r(2.5), r(1.5)),
        (i(-8), r(1.0 / 3.0)),
        (i(0), i(0)),
        (i(7), i(-3)),
        (r(-7.5), i(2)),
        (i(1), i(5)),
        (r(0.5), i(8)),
        (t("x"), i(1)),
        (i(1), N),
        (i(10), i(0)),
        (i(2), t("abc")),
    ];
    for f in ["atan2", "mod", "pow", "power", "log"] {
        for (x, y) in &pairs {
            c.push(sc(f, vec![x.clone(), y.clone()]));
        }
    }
    c.push(sc("pi", vec![]));
    check(c);
}

#[test]
fn diff_json() {
    let j = |s: &str| t(s);
    let docs = [
        r#"{"a":1,"b":[1,2,{"c":"x"}],"d":{"e":null,"f":true,"g":false},"h":1.50,"i":"\u00e9\n","a":2}"#,
        r#"[1,-2,3.5e2,"s",null,true,[],{},9223372036854775807,9223372036854775808,-9223372036854775808,-9223372036854775809,1e400]"#,
        r#"  "top"  "#,
        "123",
        "-0.0",
        r#"{"k\"q":1,"a.b":2,"":3}"#,
        r#"["\ud83d\ude00","\u0000x","\ud800","\/"]"#,
    ];
    let paths = [
        "$",
        "$.a",
        "$.b",
        "$.b[2].c",
        "$.b[#-1]",
        "$.b[#]",
        "$.b[#-3]",
        "$.b[#-4]",
        "$.d",
        "$.d.e",
        "$.d.f",
        "$.h",
        "$.i",
        "$[0]",
        "$[1]",
        "$[2]",
        "$[3]",
        "$[8]",
        "$[9]",
        "$[10]",
        "$[11]",
        "$[12]",
        "$[99]",
        "$.\"k\\\"q\"",
        "$.\"a.b\"",
        "$.\"\"",
        "$[0]",
        "$[1]",
        "$[2]",
        "x",
        "$.",
        "$[",
        "$[a]",
        "$.a[",
        "$.\"unterminated",
        "$[#-]",
        "$x",
        "$.zz",
    ];
    let mut c = Vec::new();
    for d in docs {
        c.push(sc("json", vec![j(d)]));
        c.push(sc("json_valid", vec![j(d)]));
        c.push(sc("json_type", vec![j(d)]));
        c.push(sc("json_array_length", vec![j(d)]));
        for p in paths {
            c.push(sc("json_extract", vec![j(d), t(p)]));
            c.push(sc("json_type", vec![j(d), t(p)]));
            c.push(sc("json_array_length", vec![j(d), t(p)]));
            c.push(sc("->", vec![j(d), t(p)]));
            c.push(sc("->>", vec![j(d), t(p)]));
        }
        c.push(sc(
            "json_extract",
            vec![j(d), t("$.a"), t("$[0]"), N, t("$.b")],
        ));
        c.push(sc("->", vec![j(d), i(1)]));
        c.push(sc("->>", vec![j(d), t("a")]));
        c.push(sc("->>", vec![j(d), t("[0]")]));
        c.push(sc("->", vec![j(d), t("b[1]")]));
    }
    for bad in [
        "",
        "01",
        "1.",
        "-",
        "[1,]",
        "{\"a\"}",
        "nul",
        "[1] x",
        "{1:2}",
        ".5",
        "1e",
        "[\"\\x\"]",
        "\"\\u12g4\"",
        "tru",
        "nullx",
        " [1,2 ",
    ] {
        c.push(sc("json_valid", vec![t(bad)]));
        c.push(sc("json", vec![t(bad)]));
    }
    c.push(sc("json_valid", vec![N]));
    c.push(sc("json_valid", vec![i(5)]));
    c.push(sc("json", vec![N]));
    c.push(sc("json_extract", vec![N, t("$")]));
    c.push(sc("json_extract", vec![t("[1]"), N]));
    let vals = vec![
        i(1),
        r(1.5),
        r(1e300),
        r(f64::INFINITY),
        t("s\"\\\u{1}\u{7f}\n"),
        N,
        tb(b"a\x00b"),
    ];
    c.push(sc("json_array", vals.clone()));
    c.push(sc("json_array", vec![]));
    c.push(sc("json_array", vec![b(b"x")]));
    c.push(sc(
        "json_object",
        vec![t("a"), i(1), t("b"), r(0.5), t("a"), N],
    ));
    c.push(sc("json_object", vec![t("a")]));
    c.push(sc("json_object", vec![i(1), i(2)]));
    c.push(sc("json_object", vec![]));
    for v in &vals {
        c.push(sc("json_quote", vec![v.clone()]));
    }
    let base = r#"{"a":1,"b":[1,2],"c":{"d":4}}"#;
    let edits: Vec<(&'static str, Vec<Value>)> = vec![
        ("json_set", vec![t("$.a"), i(9)]),
        ("json_set", vec![t("$.z"), i(9)]),
        ("json_set", vec![t("$.c.e"), t("x")]),
        ("json_set", vec![t("$.b[#]"), i(3)]),
        ("json_set", vec![t("$.b[5]"), i(3)]),
        ("json_set", vec![t("$.b[0]"), N]),
        ("json_set", vec![t("$.n.m[0].k"), i(1)]),
        ("json_set", vec![t("$.n.m[1]"), i(1)]),
        ("json_set", vec![t("$"), i(1)]),
        ("json_set", vec![t("$.a"), i(1), t("$.a.x"), i(2)]),
        ("json_set", vec![t("$.a"), r(1.5), t("$.q"), t("[1]")]),
        ("json_set", vec![N, i(1)]),
        ("json_set", vec![t("bad"), i(1)]),
        ("json_set", vec![t("$.a")]),
        ("json_set", vec![t("$.a"), b(b"x")]),
        ("json_insert", vec![t("$.a"), i(9)]),
        ("json_insert", vec![t("$.z"), i(9)]),
        ("json_insert", vec![t("$.b[#]"), i(9), t("$.b[#]"), i(10)]),
        ("json_insert", vec![t("$.b[2]"), i(9)]),
        ("json_replace", vec![t("$.a"), i(9)]),
        ("json_replace", vec![t("$.z"), i(9)]),
        ("json_replace", vec![t("$.c.d"), t("{\"x\":1}")]),
        ("json_replace", vec![t("$"), t("x")]),
        ("json_remove", vec![t("$.a")]),
        ("json_remove", vec![t("$.b[0]"), t("$.b[0]")]),
        ("json_remove", vec![t("$.b[#-1]")]),
        ("json_remove", vec![t("$.zz")]),
        ("json_remove", vec![t("$")]),
        ("json_remove", vec![N]),
        ("json_remove", vec![]),
        ("json_remove", vec![t("$.c.d"), t("$.c")]),
    ];
    for (f, mut args) in edits {
        args.insert(0, t(base));
        c.push(sc(f, args));
    }
    let patches = [
        (r#"{"a":1,"b":2}"#, r#"{"a":null,"c":3}"#),
        (
            r#"{"a":{"x":1,"y":2}}"#,
            r#"{"a":{"x":null,"z":{"q":null,"r":1}}}"#,
        ),
        (r#"{"a":1}"#, r#"[1,2]"#),
        (r#"[1]"#, r#"{"a":null,"b":{"c":null}}"#),
        (r#"{"a":1,"a":2}"#, r#"{"a":3}"#),
        (r#"{"a":1}"#, r#"{"a":{"b":null}}"#),
        (r#"{"a":1}"#, r#"{"b":2,"b":3}"#),
        (r#"{}"#, r#"{}"#),
        (r#"null"#, r#"{"a":[null]}"#),
    ];
    for (a, p) in patches {
        c.push(sc("json_patch", vec![t(a), t(p)]));
    }
    c.push(sc("json_patch", vec![t("{"), t("{}")]));
    c.push(sc("json_patch", vec![N, t("{}")]));
    c.push(ag(
        "json_group_array",
        vec![vec![i(1)], vec![N], vec![t("x")], vec![r(2.5)]],
    ));
    c.push(ag("json_group_array", vec![]));
    c.push(ag(
        "json_group_object",
        vec![vec![t("a"), i(1)], vec![t("b"), N]],
    ));
    check(c);
}

/// The batch runner must attribute each output to its statement, keep multi-line values, and
/// fall back to a single run for statements that fail.
#[test]
fn batch_harness_sanity() {
    if !have_cli() {
        return;
    }
    let sqls = vec![
        "SELECT quote(1+1);".to_string(),
        "SELECT quote(abs(-9223372036854775807-1));".to_string(),
        "SELECT quote('a'||char(10)||'b');".to_string(),
        "SELECT quote(NULL);".to_string(),
    ];
    let r = sqlite_batch(&sqls);
    assert_eq!(r[0], Ok("2".to_string()));
    assert!(matches!(&r[1], Err(e) if e.contains("integer overflow")));
    assert_eq!(r[2], Ok("'a\nb'".to_string()));
    assert_eq!(r[3], Ok("NULL".to_string()));
}

/// Pseudo-random doubles (fixed seed) through quote() (`%!.15g` with `%!.20e` fallback) and
/// several printf conversions: checks the emulated long-double digit generation bit for bit.
#[test]
fn diff_random_doubles() {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut c = Vec::new();
    for k in 0..400 {
        let bits = next();
        let x = match k % 4 {
            // any finite double
            0 => f64::from_bits(bits),
            // moderate magnitudes
            1 => (bits >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((bits % 40) as i32 - 20),
            // short decimals like 12.345
            2 => ((bits % 1_000_000) as f64) / 1000.0,
            // integers near 2^53 and beyond
            _ => ((bits >> 8) as f64) * if bits & 1 == 0 { 1.0 } else { -1.0 },
        };
        if !x.is_finite() {
            continue;
        }
        c.push(sc("quote", vec![r(x)]));
        c.push(sc(
            "printf",
            vec![
                t("%.3f|%e|%.10g|%!.17g|%.25e|%15.4f"),
                r(x),
                r(x),
                r(x),
                r(x),
                r(x),
                r(x),
            ],
        ));
        c.push(sc("round", vec![r(x), i((bits % 12) as i64)]));
    }
    for s in ["0.1", "0.30000000000000004", "1e22", "1e23", "8.589973e9", "2.2250738585072011e-308", "4.9406564584124654e-324", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791", "123456789012345678901234567890", "0.000001234567890123456789"] {
        c.push(sc("quote", vec![r(s.parse().unwrap_or(0.0))]));
        c.push(sc("abs", vec![t(s)]));
        c.push(sc("quote", vec![Value::Real(epiloglite::func::text::atof(s.as_bytes()).0)]));
    }
    check(c);
}

/// Invalid UTF-8, embedded NULs, empty strings, i64 bounds, huge sizes.
#[test]
fn diff_edge_cases() {
    let bad = [
        tb(b"\xff"),
        tb(b"a\xc3"),
        tb(b"\xc3\xa9\xe2\x82"),
        tb(b"\xed\xa0\x80x"),
        tb(b"\xf4\x90\x80\x80"),
        tb(b"\xc0\x80z"),
        tb(b"ab\x00cd"),
        t(""),
    ];
    let mut c = Vec::new();
    for v in &bad {
        for f in [
            "length",
            "upper",
            "lower",
            "hex",
            "quote",
            "unicode",
            "typeof",
            "trim",
            "json_quote",
        ] {
            c.push(sc(f, vec![v.clone()]));
        }
        c.push(sc("substr", vec![v.clone(), i(2)]));
        c.push(sc("substr", vec![v.clone(), i(-1), i(1)]));
        c.push(sc("instr", vec![v.clone(), t("z")]));
        c.push(sc("instr", vec![v.clone(), tb(b"\x80")]));
        c.push(sc("like", vec![t("%"), v.clone()]));
        c.push(sc("like", vec![t("_%"), v.clone()]));
        c.push(sc("glob", vec![t("?*"), v.clone()]));
        c.push(sc("glob", vec![v.clone(), v.clone()]));
        c.push(sc("replace", vec![v.clone(), t("b"), t("X")]));
        c.push(sc(
            "printf",
            vec![
                t("%s|%q|%.1s|%!.1s|%5s|%c"),
                v.clone(),
                v.clone(),
                v.clone(),
                v.clone(),
                v.clone(),
                v.clone(),
            ],
        ));
        c.push(sc("ltrim", vec![v.clone(), tb(b"\xc3")]));
        c.push(sc("char", vec![i(0), i(0xdfff), i(i64::MAX)]));
    }
    for x in [
        i(i64::MIN),
        i(i64::MAX),
        i(i64::MIN + 1),
        r(9.2233720368547758e18),
        r(-9.2233720368547758e18),
    ] {
        for f in [
            "abs", "sign", "round", "quote", "hex", "length", "ceil", "trunc", "typeof",
        ] {
            c.push(sc(f, vec![x.clone()]));
        }
        c.push(sc("substr", vec![t("hello"), x.clone()]));
        c.push(sc("substr", vec![t("hello"), i(2), x.clone()]));
        c.push(sc("round", vec![r(1.5), x.clone()]));
        c.push(sc(
            "printf",
            vec![
                t("%d|%x|%o|%u|%,d|%c"),
                x.clone(),
                x.clone(),
                x.clone(),
                x.clone(),
                x.clone(),
                x.clone(),
            ],
        ));
        c.push(sc("zeroblob", vec![x.clone()]));
        c.push(sc("typeof", vec![x.clone()]));
    }
    c.push(sc("length", vec![Value::Blob(vec![0; 1000])]));
    c.push(sc("printf", vec![t("%2000000000d"), i(1)]));
    c.push(sc("printf", vec![t("%.*f"), i(-5), r(1.5)]));
    c.push(sc("printf", vec![t("%*d|"), i(i64::MIN), i(1)]));
    c.push(sc("like", vec![Value::Text(vec![b'%'; 50001]), t("x")]));
    c.push(sc("like", vec![Value::Text(vec![b'%'; 50000]), t("x")]));
    c.push(sc("likelihood", vec![i(1), r(1.5)]));
    check(c);
}

/// Non-deterministic functions: check shapes, not values.
#[test]
fn random_functions_shape() {
    let mut ctx = FuncContext::default();
    let f = |n: &str, k: i32| match func::lookup(n, k).map(|d| &d.kind) {
        Some(FuncKind::Scalar(s)) => *s,
        _ => panic!("{n} missing"),
    };
    for n in [i64::MIN, -1, 0, 1] {
        assert!(
            matches!(f("randomblob", 1)(&mut ctx, &[i(n)]), Ok(Value::Blob(ref b)) if b.len() == 1)
        );
    }
    assert!(
        matches!(f("randomblob", 1)(&mut ctx, &[i(33)]), Ok(Value::Blob(ref b)) if b.len() == 33)
    );
    assert!(f("randomblob", 1)(&mut ctx, &[i(i64::MAX)]).is_err());
    let mut seen = std::collections::HashSet::new();
    for _ in 0..100 {
        match f("random", 0)(&mut ctx, &[]) {
            Ok(Value::Integer(x)) => {
                assert_ne!(x, i64::MIN);
                seen.insert(x);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(seen.len() > 95);
}

/// Operators (arith.rs) against SQLite expressions: `a + b`, `a || b`, `a << b`, `a < b`, ….
#[test]
fn diff_operators() {
    use epiloglite::func::arith::{
        arith, bit_not, bitwise, compare, concat, logical_not, negate, ArithOp, BitOp,
    };
    use epiloglite::func::text::Affinity;
    if !have_cli() {
        return;
    }
    let vals = vec![
        i(0),
        i(1),
        i(-1),
        i(7),
        i(-7),
        i(i64::MAX),
        i(i64::MIN),
        r(0.0),
        r(2.5),
        r(-2.5),
        r(1e308),
        t("3"),
        t("3.0"),
        t(" 4 "),
        t("abc"),
        t("1e2"),
        t("0x5"),
        b(b"12"),
        N,
        t("9223372036854775808"),
    ];
    let mut sqls = Vec::new();
    let mut mine = Vec::new();
    let q = |v: Value| String::from_utf8_lossy(&quote_value(&v)).into_owned();
    for a in &vals {
        for bb in &vals {
            let (la, lb) = (lit(a), lit(bb));
            for (sym, op) in [
                ("+", ArithOp::Add),
                ("-", ArithOp::Subtract),
                ("*", ArithOp::Multiply),
                ("/", ArithOp::Divide),
                ("%", ArithOp::Remainder),
            ] {
                sqls.push(format!("SELECT quote(({la}) {sym} ({lb}));"));
                mine.push(q(arith(op, a, bb)));
            }
            for (sym, op) in [
                ("&", BitOp::And),
                ("|", BitOp::Or),
                ("<<", BitOp::ShiftLeft),
                (">>", BitOp::ShiftRight),
            ] {
                sqls.push(format!("SELECT quote(({la}) {sym} ({lb}));"));
                mine.push(q(bitwise(op, a, bb)));
            }
            sqls.push(format!("SELECT quote(({la}) || ({lb}));"));
            mine.push(q(concat(a, bb)));
            // Comparison with no affinity (expressions), numeric affinity (column), text affinity.
            let ord = |o: Option<std::cmp::Ordering>| match o {
                None => "NULL".to_string(),
                Some(o) => ((o == std::cmp::Ordering::Less) as i64).to_string(),
            };
            sqls.push(format!("SELECT quote(({la}) < ({lb}));"));
            mine.push(ord(compare(a, bb, None, None)));
            sqls.push(format!("SELECT quote((SELECT x < ({lb}) FROM (SELECT CAST(({la}) AS NUMERIC) AS x) WHERE typeof(({la})) IN ('integer','real')));"));
            let aa = match a {
                Value::Integer(_) | Value::Real(_) => Some(a),
                _ => None,
            };
            mine.push(match aa {
                None => "NULL".into(),
                Some(a) => ord(compare(a, bb, Some(Affinity::Numeric), None)),
            });
        }
        let la = lit(a);
        sqls.push(format!("SELECT quote(-({la}));"));
        mine.push(q(negate(a)));
        sqls.push(format!("SELECT quote(~({la}));"));
        mine.push(q(bit_not(a)));
        sqls.push(format!("SELECT quote(NOT ({la}));"));
        mine.push(q(logical_not(a)));
    }
    let theirs = sqlite_batch(&sqls);
    let mut failures = Vec::new();
    for ((s, m), t) in sqls.iter().zip(&mine).zip(&theirs) {
        if t.as_deref() != Ok(m.as_str()) {
            failures.push(format!("{s}: sqlite {t:?} ours {m}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        sqls.len(),
        failures.join("\n")
    );
}

/// Random LIKE/GLOB patterns over a small alphabet (wildcards, sets, escapes, case, UTF-8)
/// against real SQLite.
#[test]
fn diff_random_patterns() {
    let mut st: u64 = 0x1234_5678_9abc_def1;
    let mut next = move || {
        st ^= st << 13;
        st ^= st >> 7;
        st ^= st << 17;
        st
    };
    let pat_alpha = [
        "a", "b", "A", "%", "_", "*", "?", "[", "]", "^", "-", "\\", "\u{e9}", "\u{c9}", "c",
    ];
    let str_alpha = [
        "a", "b", "A", "B", "-", "]", "\u{e9}", "\u{c9}", "%", "_", "\\", "c", "[",
    ];
    let mut c = Vec::new();
    for k in 0..3000 {
        let (pm, sm) = if k % 2 == 0 { (8, 7) } else { (16, 14) };
        let pl = (next() % pm) as usize;
        let sl = (next() % sm) as usize;
        let p: String = (0..pl)
            .map(|_| pat_alpha[(next() % pat_alpha.len() as u64) as usize])
            .collect();
        let s: String = (0..sl)
            .map(|_| str_alpha[(next() % str_alpha.len() as u64) as usize])
            .collect();
        c.push(sc("like", vec![t(&p), t(&s)]));
        c.push(sc("glob", vec![t(&p), t(&s)]));
        c.push(sc("like", vec![t(&p), t(&s), t("\\")]));
    }
    check(c);
}

/// Aggregates and frame-value window functions over moving ROWS frames: our states driven with
/// step/inverse/value exactly as the window protocol says, against SQLite's window queries.
#[test]
fn diff_window_frames() {
    if !have_cli() {
        return;
    }
    let xs = vec![
        i(1),
        N,
        r(2.5),
        t("a"),
        i(3),
        N,
        i(7),
        i(-2),
        t("b"),
        i(i64::MAX),
    ];
    let n = xs.len();
    let frames: [(usize, usize, &str); 4] = [
        (1, 1, "ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING"),
        (2, 0, "ROWS BETWEEN 2 PRECEDING AND CURRENT ROW"),
        (
            usize::MAX,
            0,
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
        ),
        (0, 2, "ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING"),
    ];
    let funcs: [(&str, &str, Vec<Value>); 12] = [
        ("sum", "sum(column2)", vec![]),
        ("total", "total(column2)", vec![]),
        ("avg", "avg(column2)", vec![]),
        ("count", "count(column2)", vec![]),
        ("min", "min(column2)", vec![]),
        ("max", "max(column2)", vec![]),
        ("group_concat", "group_concat(column2, '-')", vec![t("-")]),
        ("first_value", "first_value(column2)", vec![]),
        ("last_value", "last_value(column2)", vec![]),
        ("nth_value", "nth_value(column2, 2)", vec![i(2)]),
        ("json_group_array", "json_group_array(column2)", vec![]),
        ("count", "count(*)", vec![]),
    ];
    let values: Vec<String> = xs
        .iter()
        .enumerate()
        .map(|(k, v)| format!("({}, {})", k, lit(v)))
        .collect();
    let mut sqls = Vec::new();
    let mut mine = Vec::new();
    for (pre, fol, fsql) in frames {
        for (name, call, extra) in &funcs {
            // sum() overflows on i64::MAX + 7 in some frames: SQLite reports the error.
            sqls.push(format!(
                "SELECT quote({call} OVER (ORDER BY column1 {fsql})) FROM (VALUES {}) ORDER BY column1;",
                values.join(", ")
            ));
            let nargs = if *call == "count(*)" {
                0
            } else {
                1 + extra.len() as i32
            };
            let fac = match func::lookup(name, nargs).map(|d| &d.kind) {
                Some(FuncKind::Aggregate(f)) => *f,
                _ => panic!("{name}/{nargs} missing"),
            };
            let args = |k: usize| -> Vec<Value> {
                if nargs == 0 {
                    vec![]
                } else {
                    let mut a = vec![xs[k].clone()];
                    a.extend(extra.iter().cloned());
                    a
                }
            };
            let mut ctx = FuncContext::default();
            let mut st = fac();
            let (mut s0, mut e0) = (0usize, 0usize);
            let mut lines = Vec::new();
            let mut err = None;
            for cur in 0..n {
                let s = if pre == usize::MAX {
                    0
                } else {
                    cur.saturating_sub(pre)
                };
                let e = (cur + fol + 1).min(n);
                while e0 < e {
                    if let Err(x) = st.step(&mut ctx, &args(e0)) {
                        err.get_or_insert(x.msg);
                    }
                    e0 += 1;
                }
                while s0 < s {
                    if let Err(x) = st.inverse(&mut ctx, &args(s0)) {
                        err.get_or_insert(x.msg);
                    }
                    s0 += 1;
                }
                match st.value(&mut ctx) {
                    Ok(v) => lines.push(String::from_utf8_lossy(&quote_value(&v)).into_owned()),
                    Err(x) => {
                        err.get_or_insert(x.msg);
                    }
                }
            }
            mine.push(match err {
                Some(m) => Err(m),
                None => Ok(lines.join("\n")),
            });
        }
    }
    let theirs = sqlite_batch(&sqls);
    let mut failures = Vec::new();
    for ((s, m), t) in sqls.iter().zip(&mine).zip(&theirs) {
        let ok = match (t, m) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => a.contains(b.as_str()),
            // SQLite prints the rows before the failing one, then the error.
            (Ok(_), Err(_)) | (Err(_), Ok(_)) => false,
        };
        if !ok {
            failures.push(format!("{s}\n  sqlite {t:?}\n  ours   {m:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        sqls.len(),
        failures.join("\n")
    );
}
