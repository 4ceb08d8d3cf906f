//! Unmodified clients on our `libsqlite3.so.0` use encryption through `PRAGMA key`: Python's
//! `sqlite3` module (and `sqlite3_key` / `sqlite3_rekey` through ctypes, as SEE/SQLCipher
//! programs call them) and the real `sqlite3` shell. Without the key, or on the real SQLite,
//! the file is "not a database".

mod capi_common;
mod crypto_common;
use capi_common::*;
use crypto_common::{marker_in_dir, MARKER};
use std::io::Write;
use std::process::{Command, Stdio};

fn python(script: &str, ours: bool) -> (bool, String) {
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(script);
    if ours {
        cmd.env("LD_LIBRARY_PATH", lib_dir());
    } else {
        cmd.env_remove("LD_LIBRARY_PATH");
    }
    let o = cmd.output().expect("python3 runs");
    (o.status.success(), text(&o))
}

fn shell(db: &str, input: &str, ours: bool) -> String {
    let mut cmd = Command::new("sqlite3");
    cmd.arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if ours {
        cmd.env("LD_LIBRARY_PATH", lib_dir());
    } else {
        cmd.env_remove("LD_LIBRARY_PATH");
    }
    let mut ch = cmd.spawn().expect("sqlite3 shell");
    ch.stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let o = ch.wait_with_output().unwrap();
    text(&o)
}

#[test]
fn python_sqlite3_module_with_pragma_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("py.db");
    let db = db.to_str().unwrap();
    let script = format!(
        r#"
import sqlite3
assert 'libepiloglite.so' in open('/proc/self/maps').read()
c = sqlite3.connect({db:?})
c.execute("PRAGMA key = 'py passphrase'")
c.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
c.executemany("INSERT INTO t(b) VALUES (?)", [("{MARKER}-%d" % i,) for i in range(200)])
c.commit()
c.close()
c = sqlite3.connect({db:?})
try:
    c.execute("SELECT count(*) FROM t").fetchall()
    print("no key: READ")
except sqlite3.DatabaseError as e:
    print("no key:", e)
c = sqlite3.connect({db:?})
c.execute("PRAGMA key = 'wrong'")
try:
    c.execute("SELECT count(*) FROM t").fetchall()
    print("wrong key: READ")
except sqlite3.DatabaseError as e:
    print("wrong key:", e)
c = sqlite3.connect({db:?})
c.execute("PRAGMA key = 'py passphrase'")
print("rows", c.execute("SELECT count(*), min(b) FROM t").fetchone())
c.execute("PRAGMA rekey = 'second'")
c.close()
c = sqlite3.connect({db:?})
c.execute("PRAGMA key = 'second'")
print("after rekey", c.execute("SELECT count(*) FROM t").fetchone()[0])
print(c.execute("PRAGMA integrity_check").fetchone()[0])
c.close()

# sqlite3_key / sqlite3_rekey as SEE and SQLCipher programs call them.
import ctypes
lib = ctypes.CDLL("libsqlite3.so.0")
h = ctypes.c_void_p()
assert lib.sqlite3_open({db:?}.encode(), ctypes.byref(h)) == 0
k = b"second"
print("key", lib.sqlite3_key(h, k, len(k)))
print("exec", lib.sqlite3_exec(h, b"INSERT INTO t(b) VALUES('via C')", None, None, None))
k2 = b"x'" + b"ab" * 32 + b"'"
print("rekey", lib.sqlite3_rekey_v2(h, b"main", k2, len(k2)))
lib.sqlite3_close(h)
c = sqlite3.connect("file:" + {db:?} + "?hexkey=" + "ab" * 32, uri=True)
print("uri hexkey", c.execute("SELECT count(*) FROM t").fetchone()[0])
"#
    );
    let (ok, out) = python(&script, true);
    assert!(ok, "{out}");
    assert_eq!(
        out,
        format!(
            "no key: file is not a database\nwrong key: file is not a database\n\
             rows (200, '{MARKER}-0')\nafter rekey 200\nok\nkey 0\nexec 0\nrekey 0\n\
             uri hexkey 201\n"
        )
    );
    assert!(marker_in_dir(dir.path()).is_empty());
    // The real SQLite (Python on the system library): not a database.
    let (ok, out) = python(
        &format!(
            "import sqlite3\ntry:\n    sqlite3.connect({db:?}).execute('SELECT 1 FROM t')\n\
             except sqlite3.DatabaseError as e:\n    print(e)\n"
        ),
        false,
    );
    assert!(ok, "{out}");
    assert_eq!(out, "file is not a database\n");
}

#[test]
fn sqlite3_shell_with_pragma_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sh.db");
    let db = db.to_str().unwrap();
    let out = shell(
        db,
        &format!(
            "PRAGMA key = 'shell key';\nCREATE TABLE t(x);\n\
             INSERT INTO t VALUES('{MARKER}'), (2), (3);\nSELECT count(*) FROM t;\n"
        ),
        true,
    );
    assert_eq!(out, "3\n");
    assert!(marker_in_dir(dir.path()).is_empty());
    let out = shell(
        db,
        "PRAGMA key = 'shell key';\nPRAGMA journal_mode = wal;\nINSERT INTO t VALUES(4);\n\
         SELECT sum(x) FROM t WHERE typeof(x) = 'integer';\n",
        true,
    );
    assert_eq!(out, "wal\n9\n");
    let out = shell(db, "SELECT count(*) FROM t;\n", true);
    assert!(out.contains("file is not a database"), "{out}");
    // The real sqlite3 on its own library.
    let out = shell(db, "SELECT count(*) FROM t;\n", false);
    assert!(out.contains("file is not a database"), "{out}");
}

#[test]
fn no_plaintext_in_temporary_files() {
    // Temp tables, big sorts, index builds and a statement journal with TMPDIR (and
    // SQLITE_TMPDIR) pointing at an empty directory: while the connection is still open no
    // file there or beside the database holds the marker (EpilogLite keeps all of these in
    // memory today; a future temp file must be encrypted for this to keep passing).
    let dir = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let db = dir.path().join("tmp.db");
    let db = db.to_str().unwrap();
    let script = format!(
        r#"
import sqlite3, os
c = sqlite3.connect({db:?}, isolation_level=None)
c.execute("PRAGMA key = 'temp files'")
c.execute("PRAGMA temp_store = FILE")
c.execute("PRAGMA cache_size = 10")
c.execute("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)")
c.execute("BEGIN")
c.executemany("INSERT INTO t(b) VALUES (?)", [("{MARKER}-%06d-" % ((i * 7919) % 1500) + "y" * 300,) for i in range(1500)])
c.execute("CREATE TEMP TABLE tt AS SELECT b FROM t")
c.execute("CREATE INDEX ib ON t(b)")
n = len(c.execute("SELECT b FROM t ORDER BY b DESC").fetchall())
g = len(c.execute("SELECT substr(b, 1, 30), count(*) FROM tt GROUP BY 1 ORDER BY 2, 1").fetchall())
c.execute("SAVEPOINT s")
c.execute("UPDATE t SET b = b || 'z'")
c.execute("ROLLBACK TO s")
c.execute("COMMIT")
found = []
for d in ({tmp:?}, os.path.dirname({db:?})):
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            try:
                if b"{MARKER}" in open(p, "rb").read():
                    found.append(p)
            except OSError:
                pass
print(n, g, found)
c.close()
"#,
        tmp = tmp.path().to_str().unwrap()
    );
    let mut cmd = Command::new("python3");
    cmd.arg("-c")
        .arg(&script)
        .env("LD_LIBRARY_PATH", lib_dir())
        .env("TMPDIR", tmp.path())
        .env("SQLITE_TMPDIR", tmp.path());
    let o = cmd.output().expect("python3 runs");
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(text(&o), "1500 1500 []\n");
}

#[test]
fn backup_api_between_keyed_databases() {
    // Python's Connection.backup (sqlite3_backup_*): encrypted → encrypted under the
    // destination's own key, and encrypted → plain (which the real sqlite3 reads).
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let (a, b, c) = (p("a.db"), p("b.db"), p("c.db"));
    let script = format!(
        r#"
import sqlite3
src = sqlite3.connect({a:?}); src.execute("PRAGMA key='k1'")
src.execute("CREATE TABLE t(a, b)")
src.executemany("INSERT INTO t VALUES(?,?)", [(i, "{MARKER}-%d" % i) for i in range(500)])
src.commit()
dst = sqlite3.connect({b:?}); dst.execute("PRAGMA key='k2'")
src.backup(dst); dst.close()
d = sqlite3.connect({b:?}); d.execute("PRAGMA key='k2'")
print(d.execute("SELECT count(*) FROM t").fetchone()[0], d.execute("PRAGMA integrity_check").fetchone()[0])
d = sqlite3.connect({b:?}); d.execute("PRAGMA key='k1'")
try:
    d.execute("SELECT count(*) FROM t").fetchone()
    print("k1 READ")
except sqlite3.DatabaseError as e:
    print(e)
dst = sqlite3.connect({c:?}); src.backup(dst); dst.close()
"#
    );
    let (ok, out) = python(&script, true);
    assert!(ok, "{out}");
    assert_eq!(out, "500 ok\nfile is not a database\n");
    for f in [&a, &b] {
        assert!(!crypto_common::contains(
            &std::fs::read(f).unwrap(),
            MARKER.as_bytes()
        ));
    }
    let o = Command::new("sqlite3")
        .arg(&c)
        .arg("PRAGMA integrity_check; SELECT count(*) FROM t;")
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap();
    assert_eq!(text(&o), "ok\n500\n");
}
