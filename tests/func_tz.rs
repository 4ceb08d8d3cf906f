//! `localtime` / `utc` modifiers in a zone with DST, against real SQLite run with the same
//! `TZ`. This binary holds a single test because the zone is read once per process.

use epiloglite::func::{self, scalar::quote_value, FuncContext, FuncKind};
use epiloglite::Value;
use std::process::Command;

#[test]
fn localtime_and_utc_match_sqlite_in_new_york() {
    if !std::path::Path::new("/usr/share/zoneinfo/America/New_York").exists()
        || Command::new("sqlite3").arg("-version").output().is_err()
    {
        eprintln!("zoneinfo or sqlite3 missing: skipped");
        return;
    }
    std::env::set_var("TZ", "America/New_York");
    let dates = [
        "2024-07-01 12:00",
        "2024-01-01 12:00",
        "1900-03-12 12:00",
        "1900-04-05 12:00",
        "2050-04-01 12:00",
        "2051-04-05 12:00",
        "1970-04-20 12:00",
        "2038-03-20 12:00",
        "1969-12-31 23:00",
        "2024-03-10 06:59",
        "2024-03-10 07:00",
        "2024-11-03 05:59",
        "2024-11-03 06:00",
        "2024-03-10 02:30",
        "2024-11-03 01:30",
        "0001-07-01 12:00:00.250",
        "9999-12-31 23:00",
        "1883-11-18 17:00",
        "2024-07-01 12:00 +02:00",
    ];
    let mods: [&[&str]; 5] = [
        &["localtime"],
        &["utc"],
        &["localtime", "utc"],
        &["utc", "localtime"],
        &["utc", "utc"],
    ];
    let f = match func::lookup("datetime", 3).map(|d| &d.kind) {
        Some(FuncKind::Scalar(s)) => *s,
        _ => panic!("datetime missing"),
    };
    let mut failures = Vec::new();
    for d in dates {
        for m in mods {
            let mut args = vec![Value::text(d)];
            args.extend(m.iter().map(|s| Value::text(s)));
            let sql_args: Vec<String> = args
                .iter()
                .map(|v| String::from_utf8_lossy(&quote_value(v)).into_owned())
                .collect();
            let sql = format!("SELECT quote(datetime({}));", sql_args.join(", "));
            let out = Command::new("sqlite3")
                .env("TZ", "America/New_York")
                .arg(":memory:")
                .arg(&sql)
                .output();
            let theirs = out
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default();
            let mut ctx = FuncContext::default();
            let mine = match f(&mut ctx, &args) {
                Ok(v) => String::from_utf8_lossy(&quote_value(&v)).into_owned(),
                Err(e) => e.msg,
            };
            if theirs != mine {
                failures.push(format!("{sql}: sqlite {theirs} ours {mine}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
