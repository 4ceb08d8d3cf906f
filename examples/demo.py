#!/usr/bin/env python3
"""EpilogLite demo: Python's stdlib sqlite3 on EpilogLite, then real SQLite reads the file.

Run through the launcher (`./epiloglite` with no arguments), which puts EpilogLite's
libsqlite3.so.0 first on LD_LIBRARY_PATH. The last step starts the system `sqlite3` CLI with
the ORIGINAL environment (so it runs on real SQLite) and checks that it reads what EpilogLite
wrote. Exits non-zero if any check fails.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile


def original_env():
    """The environment the launcher was started with: real SQLite for child processes."""
    env = dict(os.environ)
    if os.environ.get("EPILOGLITE_ORIG_LD_SET") == "1":
        env["LD_LIBRARY_PATH"] = os.environ.get("EPILOGLITE_ORIG_LD_LIBRARY_PATH", "")
    else:
        env.pop("LD_LIBRARY_PATH", None)
    return env


def main():
    workdir = tempfile.mkdtemp(prefix="epiloglite-demo-")
    path = os.path.join(workdir, "demo.db")
    ok = True
    try:
        con = sqlite3.connect(path)
        version, = con.execute("select sqlite_version()").fetchone()
        try:
            ours, = con.execute("select epiloglite_version()").fetchone()
        except sqlite3.OperationalError as e:
            ours = f"not EpilogLite ({e})"
        print(f"select sqlite_version(), epiloglite_version() -> {version!r}, {ours!r}")
        print(f"sqlite3_sourceid: {con.execute('select sqlite_source_id()').fetchone()[0]}")
        print(f"database file: {path}")

        con.execute(
            "create table people(id integer primary key, name text not null unique,"
            " age integer, note text)"
        )
        con.execute("create index people_age on people(age)")
        # Create, in one transaction, with parameters (qmark and named).
        with con:
            con.executemany(
                "insert into people(name, age, note) values (?, ?, ?)",
                [("Ada", 36, "math"), ("Alan", 41, "machines"), ("Grace", 85, "compilers"),
                 ("Edsger", 72, None), ("Barbara", 30, "abstraction")],
            )
            con.execute("insert into people(name, age) values (:n, :a)", {"n": "Ken", "a": 79})
        # Update and delete, committed.
        with con:
            con.execute("update people set age = age + 1 where name = ?", ("Ada",))
            con.execute("delete from people where age < ?", (31,))
        # A transaction that is rolled back leaves no trace.
        try:
            with con:
                con.execute("insert into people(name, age) values ('Nobody', 1)")
                con.execute("insert into people(name, age) values ('Ada', 2)")  # UNIQUE fails
        except sqlite3.IntegrityError as e:
            print(f"rolled back a transaction: IntegrityError: {e}")
        rows = con.execute("select id, name, age, note from people order by id").fetchall()
        print("Python, on the launched library, sees:")
        for r in rows:
            print("   ", r)
        con.close()

        expected = "\n".join(
            "|".join("" if v is None else str(v) for v in r) for r in rows
        )
        sqlite3_cli = shutil.which("sqlite3", path=original_env().get("PATH"))
        if not sqlite3_cli:
            print("FAIL: the sqlite3 CLI is not installed (scripts/install-deps.sh)")
            return 1
        sql = ("PRAGMA integrity_check;\n"
               "SELECT sqlite_source_id();\n"
               "SELECT id, name, age, note FROM people ORDER BY id;\n")
        res = subprocess.run([sqlite3_cli, "-batch", path], input=sql, text=True,
                             capture_output=True, env=original_env())
        out = res.stdout.strip().split("\n")
        print(f"real sqlite3 CLI ({sqlite3_cli}), original environment:")
        print("    PRAGMA integrity_check ->", out[0] if out else "(nothing)")
        print("    sqlite_source_id()     ->", out[1] if len(out) > 1 else "(nothing)")
        print("    SELECT ... ORDER BY id ->")
        for line in out[2:]:
            print("       ", line)
        if res.returncode != 0 or res.stderr:
            print(f"FAIL: sqlite3 exited {res.returncode}: {res.stderr.strip()}")
            ok = False
        if not out or out[0] != "ok":
            print("FAIL: real SQLite's integrity_check is not ok")
            ok = False
        if "\n".join(out[2:]) != expected:
            print("FAIL: real SQLite reads different rows than EpilogLite wrote")
            ok = False
    except sqlite3.Error as e:
        print(f"FAIL: {type(e).__name__}: {e}")
        ok = False
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("demo: OK — real SQLite reads what EpilogLite wrote" if ok else "demo: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
