#!/usr/bin/env python3
"""Summarises a benches/run.sh run: best ops/s per scenario and library, ratio, geometric mean,
issue-8 seed targets, peak RSS; writes latest.json, latest.csv and latest.svg (no plotting
library needed: the SVG is written here).

    report.py RAW OUTDIR N REPEAT

RAW lines: "LIB MODE/SCENARIO OPS SECONDS OPS_PER_S CHECKSUM PEAK_RSS_KB" or "LIB MODE/ERROR ..".
Exit status 1 if a checksum differs between the libraries (or between repetitions), or if a
scenario is missing or failed on either library.
"""
import json
import math
import sys
import time

LIBS = ("system", "epiloglite")
# issue 8's seed targets (ops/s on one core) and the scenarios that measure them
SEEDS = [
    ("sequential writes", 100_000, ["mem/insert_batch", "wal/insert_batch"]),
    ("random writes", 50_000, ["mem/insert_random", "wal/insert_random"]),
    ("cached reads", 200_000, ["mem/lookup_rowid", "wal/lookup_rowid"]),
    ("indexed reads", 500_000, ["mem/lookup_index", "wal/lookup_index"]),
    ("transactions", 50_000, ["mem/insert_txn", "wal/insert_txn"]),
]


def load(path):
    best = {}  # (lib, scenario) -> dict
    order = []
    errors = []
    rss = {}  # (lib, mode) -> max kB
    for line in open(path):
        f = line.split()
        if len(f) >= 2 and f[1].endswith("/ERROR"):
            errors.append(f"{f[0]} {f[1].split('/')[0]}: {' '.join(f[2:])}")
            continue
        if len(f) != 7 or f[0] not in LIBS:
            continue
        lib, name, ops, secs, ops_s, check, kb = f
        if name not in order:
            order.append(name)
        mode = name.split("/")[0]
        rss[(lib, mode)] = max(rss.get((lib, mode), 0), int(kb))
        cur = best.get((lib, name))
        row = {"ops": int(ops), "ops_per_s": float(ops_s), "checksum": check,
               "rss_kb": int(kb), "consistent": True}
        if cur is not None:
            row["consistent"] = cur["consistent"] and cur["checksum"] == check
            if cur["ops_per_s"] >= row["ops_per_s"]:
                cur["consistent"] = row["consistent"]
                continue
        best[(lib, name)] = row
    return best, order, errors, rss


def svg(rows, path):
    h = 22 * len(rows) + 60
    w = 760
    x0, x1 = 220, 740
    top = max([2.0] + [r["ratio"] for r in rows if r["ratio"]])
    sx = (x1 - x0) / top
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="11">',
           f'<text x="10" y="18" font-size="14">EpilogLite / system SQLite throughput '
           f'(ratio; &gt; 1 is faster)</text>']
    for i, r in enumerate(rows):
        y = 34 + 22 * i
        ratio = r["ratio"] or 0
        color = "#2a9d4a" if ratio >= 1 else "#d1495b"
        out.append(f'<text x="{x0 - 6}" y="{y + 13}" text-anchor="end">{r["scenario"]}</text>')
        out.append(f'<rect x="{x0}" y="{y}" width="{max(1, ratio * sx):.1f}" height="16" '
                   f'fill="{color}"/>')
        label = f"{ratio:.2f}" if r["ratio"] is not None else "failed"
        out.append(f'<text x="{x0 + max(1, ratio * sx) + 4:.1f}" y="{y + 13}">{label}</text>')
    for v in (1.0,):
        x = x0 + v * sx
        out.append(f'<line x1="{x:.1f}" y1="28" x2="{x:.1f}" y2="{h - 20}" stroke="black" '
                   f'stroke-dasharray="4,3"/>')
        out.append(f'<text x="{x:.1f}" y="{h - 6}" text-anchor="middle">1.0</text>')
    out.append("</svg>")
    open(path, "w").write("\n".join(out) + "\n")


def main():
    raw, outdir, n, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    best, order, errors, rss = load(raw)
    rows, bad = [], list(errors)
    print(f"\n{'scenario':<26} {'ops':>8} {'system ops/s':>14} {'epiloglite ops/s':>17} "
          f"{'ratio':>7}")
    for name in order:
        s, o = best.get(("system", name)), best.get(("epiloglite", name))
        row = {"scenario": name, "ops": (s or o)["ops"],
               "system_ops_per_s": s and s["ops_per_s"],
               "epiloglite_ops_per_s": o and o["ops_per_s"], "ratio": None,
               "checksums_match": False,
               "system_rss_kb": s and s["rss_kb"], "epiloglite_rss_kb": o and o["rss_kb"]}
        note = ""
        if s is None or o is None:
            note = "  MISSING (failed on " + ("system" if s is None else "epiloglite") + ")"
            bad.append(f"{name}: missing")
        else:
            row["ratio"] = o["ops_per_s"] / s["ops_per_s"] if s["ops_per_s"] else None
            row["checksums_match"] = (s["checksum"] == o["checksum"] and s["ops"] == o["ops"]
                                      and s["consistent"] and o["consistent"])
            if not row["checksums_match"]:
                note = "  CHECKSUM MISMATCH"
                bad.append(f"{name}: checksum mismatch")
        rows.append(row)
        fmt = lambda v: f"{v:,.0f}" if v is not None else "-"
        rt = f"{row['ratio']:.2f}" if row["ratio"] else "-"
        print(f"{name:<26} {row['ops']:>8} {fmt(row['system_ops_per_s']):>14} "
              f"{fmt(row['epiloglite_ops_per_s']):>17} "
              f"{rt:>7}{note}")
    ratios = [r["ratio"] for r in rows if r["ratio"]]
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios)) if ratios else 0.0
    at_least_1 = sum(r >= 1.0 for r in ratios)
    print(f"\ngeometric mean ratio: {geo:.2f} over {len(ratios)} scenarios; "
          f"{at_least_1} at >= 1.0x (targets: every scenario >= 1.0, mean >= 1.2)")
    print("peak RSS (kB), per mode: " + ", ".join(
        f"{m}: system {rss.get(('system', m), 0)} / epiloglite {rss.get(('epiloglite', m), 0)}"
        for m in sorted({k[1] for k in rss})))
    seeds = []
    print("issue-8 seed targets (EpilogLite ops/s):")
    for what, target, names in SEEDS:
        got = {nm: best[("epiloglite", nm)]["ops_per_s"] for nm in names
               if ("epiloglite", nm) in best}
        seeds.append({"target": what, "ops_per_s": target, "measured": got})
        print(f"  {what:<18} target {target:>9,}: " + ", ".join(
            f"{nm} {v:,.0f} ({'met' if v >= target else 'not met'})" for nm, v in got.items()))
    result = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "n": n,
              "repetitions": repeat, "geometric_mean_ratio": geo,
              "scenarios_at_least_1x": at_least_1, "scenarios": rows, "errors": errors,
              "peak_rss_kb": {f"{lib}/{m}": v for (lib, m), v in sorted(rss.items())},
              "seed_targets": seeds}
    with open(f"{outdir}/latest.json", "w") as fh:
        json.dump(result, fh, indent=1)
    with open(f"{outdir}/latest.csv", "w") as fh:
        fh.write("scenario,ops,system_ops_per_s,epiloglite_ops_per_s,ratio,checksums_match,"
                 "system_rss_kb,epiloglite_rss_kb\n")
        for r in rows:
            fh.write(",".join("" if v is None else (f"{v:.3f}" if isinstance(v, float) else
                                                    str(v).lower() if isinstance(v, bool)
                                                    else str(v))
                              for v in r.values()) + "\n")
    svg(rows, f"{outdir}/latest.svg")
    with open(f"{outdir}/latest.md", "w") as fh:
        fh.write("| scenario | ops | system SQLite ops/s | EpilogLite ops/s | ratio |\n")
        fh.write("| --- | ---: | ---: | ---: | ---: |\n")
        for r in rows:
            f = lambda v: f"{v:,.0f}" if v is not None else "failed"
            rt = f"{r['ratio']:.2f}" if r["ratio"] else "-"
            fh.write(f"| {r['scenario']} | {r['ops']:,} | {f(r['system_ops_per_s'])} | "
                     f"{f(r['epiloglite_ops_per_s'])} | {rt} |\n")
        fh.write(f"\nGeometric mean ratio {geo:.2f} over {len(ratios)} scenarios; "
                 f"{at_least_1} at >= 1.0. Peak RSS (kB, max over a mode's process): " +
                 ", ".join(f"{m} {rss.get(('system', m), 0):,} / {rss.get(('epiloglite', m), 0):,}"
                           for m in sorted({k[1] for k in rss})) + " (system / EpilogLite).\n")
    print(f"written: {outdir}/latest.json, latest.csv, latest.svg, latest.md")
    if bad:
        print("FAILED: " + "; ".join(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
