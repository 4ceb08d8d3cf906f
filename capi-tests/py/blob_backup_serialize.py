"""Python's sqlite3 Connection.blobopen / backup / serialize / deserialize. Prints results; the
Rust test (tests/capi_python.rs) runs it on system SQLite and on EpilogLite and compares."""
import sqlite3

src = sqlite3.connect(":memory:", isolation_level=None)
src.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)")
src.execute("BEGIN")
for i in range(150):
    src.execute("INSERT INTO t(b) VALUES(?)", (bytes([i % 256]) * 400,))
src.execute("COMMIT")
src.execute("INSERT INTO t(id, b) VALUES(1000, zeroblob(16))")

# blobopen: read, write in place, seek, size errors
with src.blobopen("t", "b", 1000) as blob:
    print("len", len(blob))
    blob.write(b"hello")
    blob.seek(10)
    blob.write(b"world!")
    blob.seek(0)
    print("read", blob.read())
    try:
        blob.write(b"x" * 100)
    except ValueError as e:
        print("too long:", e)
print("stored", src.execute("SELECT b FROM t WHERE id=1000").fetchone()[0])
with src.blobopen("t", "b", 1000, readonly=True) as blob:
    try:
        blob.write(b"a")
    except sqlite3.OperationalError as e:
        print("readonly:", e)
try:
    src.blobopen("t", "b", 99999)
except sqlite3.OperationalError as e:
    print("missing:", e)

# backup with progress, in small steps
progress = []
dst = sqlite3.connect(":memory:")
src.backup(dst, pages=3, progress=lambda status, remaining, total: progress.append(remaining <= total))
print("backup steps > 1:", len(progress) > 1, all(progress))
print("dst rows", dst.execute("SELECT count(*), sum(length(b)) FROM t").fetchone())
print("dst integrity", dst.execute("PRAGMA integrity_check").fetchone()[0])

# serialize / deserialize
img = src.serialize()
print("image", len(img) % 4096 == 0, img[:15])
other = sqlite3.connect(":memory:")
other.deserialize(img)
print("deserialized", other.execute("SELECT count(*) FROM t").fetchone())
other.execute("INSERT INTO t(b) VALUES(x'00')")
print("after insert", other.execute("SELECT count(*) FROM t").fetchone())
print("round trip", sqlite3.connect(":memory:").deserialize(other.serialize()) is None)
