"""Runs CPython's own test_sqlite3 package (the interpreter's Lib/test/test_sqlite3) with
unittest and counts per TEST (a test with a failing subtest counts once as failed), the way
regrtest reports 'run=436 skipped=6'. Prints the source id first (swap proof), each non-passing
test, then 'N passed, M failed, K skipped'."""
import sqlite3
import sys
import unittest

print("source_id:", sqlite3.connect(":memory:").execute("select sqlite_source_id()").fetchone()[0])
sys.stdout.flush()


class Result(unittest.TextTestResult):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.bad = {}

    def _mark(self, test, kind, err):
        tid = test.id() if not hasattr(test, "test_case") else test.test_case.id()
        self.bad.setdefault(tid, kind)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._mark(test, "FAIL", err)

    def addError(self, test, err):
        super().addError(test, err)
        self._mark(test, "ERROR", err)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._mark(test, "FAIL", err)


suite = unittest.defaultTestLoader.loadTestsFromName("test.test_sqlite3")
runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=int(sys.argv[1]) if len(sys.argv) > 1 else 1,
                                 resultclass=Result)
res = runner.run(suite)
skipped = len(res.skipped)
failed = len(res.bad)
passed = res.testsRun - skipped - failed
for tid, kind in sorted(res.bad.items()):
    print(kind, tid)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
