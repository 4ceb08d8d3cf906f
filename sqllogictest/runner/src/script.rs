//! Parser for sqllogictest `.test` scripts (SQLite's `sqllogictest.c` conventions).
//!
//! A script is a sequence of records separated by blank lines; `#` lines between records are
//! comments. Trailing whitespace (including `\r`) is stripped from every line, and a line that
//! is only whitespace is blank. Conditions (`skipif ENGINE`, `onlyif ENGINE`) precede the
//! record they apply to. `parse` never fails: an unknown record header becomes
//! `Kind::Unknown`, which the runner counts as a failed record.

/// The engine name records are matched against.
pub const ENGINE: &str = "sqlite";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    No,
    Row,
    Value,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Statement {
        expect_ok: bool,
        sql: String,
    },
    Query {
        types: String,
        sort: Sort,
        label: Option<String>,
        sql: String,
        expected: Vec<String>,
    },
    HashThreshold(usize),
    Halt,
    Unknown(String),
}

#[derive(Debug, Clone)]
pub struct Record {
    /// 1-based line number of the record header.
    pub line: usize,
    /// False when `skipif sqlite` or `onlyif <other engine>` applies.
    pub runs: bool,
    pub kind: Kind,
}

impl Record {
    /// True for records that are scored (statements and queries, and unknown headers).
    pub fn scored(&self) -> bool {
        matches!(
            self.kind,
            Kind::Statement { .. } | Kind::Query { .. } | Kind::Unknown(_)
        )
    }
}

/// Parses a whole script.
pub fn parse(text: &str) -> Vec<Record> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        // Skip blank and comment lines between records.
        let l = lines[i];
        if l.is_empty() || l.starts_with('#') {
            i += 1;
            continue;
        }
        let mut runs = true;
        // Conditions.
        loop {
            let toks: Vec<&str> = lines
                .get(i)
                .copied()
                .unwrap_or("")
                .split_whitespace()
                .collect();
            match toks.first().copied() {
                Some("skipif") => {
                    if toks.get(1).copied() == Some(ENGINE) {
                        runs = false;
                    }
                    i += 1;
                }
                Some("onlyif") => {
                    if toks.get(1).copied() != Some(ENGINE) {
                        runs = false;
                    }
                    i += 1;
                }
                Some(t) if t.starts_with('#') => i += 1,
                _ => break,
            }
        }
        let header_line = i + 1;
        let header = lines.get(i).copied().unwrap_or("");
        let toks: Vec<&str> = header.split_whitespace().collect();
        i += 1;
        // The body: lines up to the next blank line.
        let body_start = i;
        while i < lines.len() && !lines[i].is_empty() {
            i += 1;
        }
        let body = &lines[body_start..i];
        let kind = match toks.first().copied() {
            Some("statement") => Kind::Statement {
                expect_ok: toks.get(1).copied() != Some("error"),
                sql: body.join("\n"),
            },
            Some("query") => {
                let types = toks.get(1).copied().unwrap_or("").to_string();
                let mut sort = Sort::No;
                let mut label = None;
                if let Some(&s) = toks.get(2) {
                    match s {
                        "nosort" => sort = Sort::No,
                        "rowsort" => sort = Sort::Row,
                        "valuesort" => sort = Sort::Value,
                        other => label = Some(other.to_string()),
                    }
                }
                if let Some(&l) = toks.get(3) {
                    label = Some(l.to_string());
                }
                let sep = body.iter().position(|l| *l == "----");
                let (sql, expected) = match sep {
                    Some(p) => (
                        body[..p].join("\n"),
                        body[p + 1..].iter().map(|s| s.to_string()).collect(),
                    ),
                    None => (body.join("\n"), Vec::new()),
                };
                Kind::Query {
                    types,
                    sort,
                    label,
                    sql,
                    expected,
                }
            }
            Some("hash-threshold") => {
                Kind::HashThreshold(toks.get(1).and_then(|n| n.parse().ok()).unwrap_or(0))
            }
            Some("halt") => Kind::Halt,
            Some(_) => Kind::Unknown(header.to_string()),
            None => continue, // conditions followed by a blank line: nothing to run
        };
        out.push(Record {
            line: header_line,
            runs,
            kind,
        });
    }
    out
}

/// The records that run, in order, up to (not including) the first `halt` that runs.
pub fn runnable(records: &[Record]) -> Vec<&Record> {
    let mut out = Vec::new();
    for r in records {
        if !r.runs {
            continue;
        }
        if matches!(r.kind, Kind::Halt) {
            break;
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# comment\nstatement ok\r\nCREATE TABLE t(a)\n\nskipif sqlite\nstatement ok\nBAD\n\nonlyif mysql  # note\nquery I\nSELECT 1\n----\n1\n\nquery IT rowsort label-7\nSELECT a,\n b FROM t\n----\n1\nx\n\nhash-threshold 8\n\nstatement error\nNOPE\n\nonlyif mssql\nhalt\n\nhalt\n\nstatement ok\nSELECT 1\n";

    #[test]
    fn parses_records_conditions_and_halt() {
        let recs = parse(SAMPLE);
        assert_eq!(recs.len(), 9);
        assert!(recs[0].runs);
        assert!(!recs[1].runs, "skipif sqlite");
        assert!(!recs[2].runs, "onlyif mysql");
        match &recs[3].kind {
            Kind::Query {
                types,
                sort,
                label,
                sql,
                expected,
            } => {
                assert_eq!(types, "IT");
                assert_eq!(*sort, Sort::Row);
                assert_eq!(label.as_deref(), Some("label-7"));
                assert_eq!(sql, "SELECT a,\n b FROM t");
                assert_eq!(expected, &["1", "x"]);
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(recs[3].line, 15);
        assert!(matches!(recs[4].kind, Kind::HashThreshold(8)));
        assert!(matches!(
            recs[5].kind,
            Kind::Statement {
                expect_ok: false,
                ..
            }
        ));
        assert!(!recs[6].runs, "onlyif mssql halt does not halt sqlite");
        let run = runnable(&recs);
        // statement, query(label), hash-threshold, statement error; then halt.
        assert_eq!(run.len(), 4);
        assert_eq!(run.iter().filter(|r| r.scored()).count(), 3);
    }
}
