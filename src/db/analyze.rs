//! ANALYZE on the connection (schema engineer; compiled in `sql/ddl.rs`).
//!
//! Writes `sqlite_stat1` rows as SQLite's `analyzeOneTable` does: for each index of each
//! ordinary table (not `sqlite_*`) with rows, `"nRow a1 … aN"` where `aK` is the average
//! number of rows per distinct value of the first K key columns, rounded up
//! (`(nRow + d - 1) / d`, NULLs equal, compared with the index's collations); a table with
//! rows and no index gets one row with a NULL `idx` and `"nRow"`. The previous rows of the
//! analysed tables (or of the one index) are deleted first.
//!
//! Invariant: runs inside the ANALYZE statement's write transaction on the database (the
//! program created `sqlite_stat1` if needed and reloaded the schema before calling here), so
//! the statements it runs join that transaction. The planner does not read the statistics
//! yet.

use super::Connection;
use crate::error::{Error, Result};
use crate::value::Value;

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn exec(c: &mut Connection, sql: &str, binds: &[Value]) -> Result<Option<Value>> {
    let (st, _) = c.prepare(sql.as_bytes())?;
    let Some(mut st) = st else { return Ok(None) };
    for (i, v) in binds.iter().enumerate() {
        st.bind(i + 1, v.clone())?;
    }
    let r = (|| {
        let mut first = None;
        while st.step(c)? {
            if first.is_none() {
                first = Some(st.column_value(0).clone());
            }
        }
        Ok(first)
    })();
    st.finalize(c);
    r
}

fn count(c: &mut Connection, sql: &str) -> Result<i64> {
    Ok(match exec(c, sql, &[])? {
        Some(Value::Integer(i)) => i,
        _ => 0,
    })
}

impl Connection {
    /// `Noop` with `P4::Pragma("analyze")`: P1 = database, `target` = a table or index name
    /// (NULL: every table).
    pub(super) fn analyze_op(&mut self, db: usize, target: Option<&Value>) -> Result<Value> {
        let target = match target {
            Some(Value::Text(t)) => Some(String::from_utf8_lossy(t).into_owned()),
            _ => None,
        };
        let slot = self
            .dbs
            .get(db)
            .ok_or_else(|| Error::sql("no such database"))?;
        let schema = slot.schema.clone();
        let q = quote_ident(&slot.name);
        let internal = |n: &str| n.len() >= 7 && n[..7].eq_ignore_ascii_case("sqlite_");
        // (table, only this index)
        let mut work: Vec<(String, Option<String>)> = Vec::new();
        match &target {
            Some(n) => {
                if let Some(i) = schema.index(n) {
                    work.push((i.table.clone(), Some(i.name.clone())));
                } else if let Some(t) = schema.table(n) {
                    work.push((t.name.clone(), None));
                }
            }
            None => {
                for t in schema.tables.iter().skip(1) {
                    work.push((t.name.clone(), None));
                }
            }
        }
        for (tname, only) in work {
            let Some(t) = schema.table(&tname) else {
                continue;
            };
            if t.is_view || t.root == 0 || internal(&t.name) {
                continue;
            }
            let qt = quote_ident(&t.name);
            match &only {
                Some(i) => exec(
                    self,
                    &format!("DELETE FROM {q}.sqlite_stat1 WHERE tbl = ?1 AND idx = ?2"),
                    &[Value::text(&t.name), Value::text(i)],
                )?,
                None => exec(
                    self,
                    &format!("DELETE FROM {q}.sqlite_stat1 WHERE tbl = ?1"),
                    &[Value::text(&t.name)],
                )?,
            };
            let n = count(self, &format!("SELECT count(*) FROM {q}.{qt}"))?;
            // SQLite walks the index list most recent first.
            let idxs: Vec<_> = schema
                .table_indexes(t)
                .filter(|i| {
                    only.as_deref()
                        .map_or(true, |o| o.eq_ignore_ascii_case(&i.name))
                })
                .cloned()
                .collect();
            let insert = format!("INSERT INTO {q}.sqlite_stat1 VALUES(?1, ?2, ?3)");
            if idxs.is_empty() {
                if only.is_none() && n > 0 {
                    exec(
                        self,
                        &insert,
                        &[
                            Value::text(&t.name),
                            Value::Null,
                            Value::text(&n.to_string()),
                        ],
                    )?;
                }
                continue;
            }
            if n == 0 {
                continue;
            }
            for idx in idxs.iter().rev() {
                let mut stat = n.to_string();
                let mut cols: Vec<String> = Vec::new();
                for ic in &idx.columns {
                    let name = t
                        .columns
                        .get(ic.column)
                        .map(|c| quote_ident(&c.name))
                        .unwrap_or_default();
                    cols.push(match &ic.collation {
                        Some(c) => format!("{name} COLLATE {}", quote_ident(c)),
                        None => name,
                    });
                    let d = count(
                        self,
                        &format!(
                            "SELECT count(*) FROM (SELECT DISTINCT {} FROM {q}.{qt})",
                            cols.join(", ")
                        ),
                    )?
                    .max(1);
                    stat.push_str(&format!(" {}", (n + d - 1) / d));
                }
                exec(
                    self,
                    &insert,
                    &[
                        Value::text(&t.name),
                        Value::text(&idx.name),
                        Value::text(&stat),
                    ],
                )?;
            }
        }
        Ok(Value::Null)
    }
}
