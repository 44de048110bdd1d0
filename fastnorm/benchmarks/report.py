"""Turn a benchmark report (the dict :func:`~fastnorm.benchmarks.runner.run_benchmarks`
returns, or its ``--json`` file) into text tables, a markdown table for the README and a
thread-scaling table."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "README_END",
    "README_START",
    "format_report",
    "load_report",
    "markdown_table",
    "rewrite_readme",
    "scaling_table",
    "summary_line",
    "user_rows",
    "validate_report",
]

#: ``runner.BUSY_SPREAD`` in percent (not imported: reading a report needs no runner).
BUSY_PCT = 20

README_START = "<!-- bench-table:start -->"
README_END = "<!-- bench-table:end -->"


def load_report(path: str | Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    validate_report(doc)
    return doc


def validate_report(doc: dict[str, Any]) -> None:
    """Raise ValueError unless ``doc`` looks like a fastnorm benchmark report."""
    from fastnorm.benchmarks.runner import SCHEMA

    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ValueError(f"not a fastnorm benchmark report (schema {SCHEMA!r} expected)")
    for key in ("machine", "config", "stream", "results"):
        if key not in doc:
            raise ValueError(f"benchmark report lacks {key!r}")


# --------------------------------------------------------------------------- formatting


def fmt_time(t: float | None) -> str:
    if t is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def fmt_count(n: int) -> str:
    """1e8, 2.5e6, 200: short, exact where it can be."""
    if n < 10_000:
        return str(n)
    e = len(str(n)) - 1
    m = n / 10**e
    if abs(m - round(m, 2)) < 1e-9:
        ms = f"{round(m, 2):g}"
        return f"{ms}e{e}"
    return f"{n:.3g}".replace("e+0", "e").replace("e+", "e")


def fmt_shape(row: dict[str, Any]) -> str:
    shape = row.get("shape")
    if not shape:
        return fmt_count(row["size"])
    return "x".join(fmt_count(int(s)) for s in shape)


def _f(x: float | None, spec: str, suffix: str = "") -> str:
    return "-" if x is None else f"{x:{spec}}{suffix}"


def _impl_cell(row: dict[str, Any], name: str) -> str:
    e = row["impls"].get(name)
    if e is None:
        return ""
    if e.get("status") == "ok":
        return fmt_time(e.get("median_s"))
    return e.get("status", "?")


def _others_cell(row: dict[str, Any]) -> str:
    """Baselines after the reference: ``name time (ratio)``, ``;``-separated."""
    tf = row["impls"]["fastnorm"].get("median_s")
    cells = []
    for name, e in row["impls"].items():
        if name in ("fastnorm", row.get("reference")):
            continue
        if e.get("status") == "ok" and e.get("median_s") and tf:
            cells.append(f"{name} {fmt_time(e['median_s'])} ({e['median_s'] / tf:.2f}x)")
        else:
            cells.append(f"{name} {e.get('status', '?')}")
    return "; ".join(cells)


#: Columns of the per-row tables (text and markdown); the first three are left-aligned.
COLUMNS = ["case", "size", "dtype", "fastnorm", "baseline", "baseline time", "speed-up"]
COLUMNS += ["GB/s", "% of BW", "other baselines"]


def _rows_table(rows: Sequence[dict[str, Any]], markdown: bool) -> list[list[str]]:
    out = [list(COLUMNS)]
    for r in rows:
        ok = r["status"] == "ok"
        ref = r.get("reference") if ok else None
        pct = _f(r.get("pct_bw"), ".0f", "%")
        if ok and r.get("bw_kind") in ("copy", "copy-new"):
            pct += " (copy)" if r["bw_kind"] == "copy" else " (new copy)"
        if not ok:
            first = next((n for n in r["impls"] if n != "fastnorm"), "-")
            out.append(
                [r["case"], fmt_shape(r), r["dtype"], "-", first, "-", r["status"].upper()]
                + ["-", "-", ""]
            )
            continue
        busy = bool(r.get("busy"))
        out.append(
            [
                r["case"],
                fmt_shape(r),
                r["dtype"],
                _impl_cell(r, "fastnorm"),
                ref or "-",
                _impl_cell(r, ref) if ref else "-",
                "busy" if busy else _f(r.get("speedup"), ".2f", "x"),
                _f(r.get("gbps"), ".1f"),
                "busy" if busy else pct,
                _others_cell(r),
            ]
        )
    return out


_TEXT_COLUMNS = ("case", "size", "dtype", "baseline", "other baselines")


def _render(table: list[list[str]], markdown: bool) -> str:
    left = [i < 3 or h in _TEXT_COLUMNS for i, h in enumerate(table[0])]
    if markdown:
        lines = ["| " + " | ".join(table[0]) + " |"]
        aligns = ["---" if lf else "---:" for lf in left]
        lines.append("|" + "|".join(aligns) + "|")
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in table[1:]]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = []
    for k, r in enumerate(table):
        cells = [
            c.ljust(w) if left[i] else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _stream_line(doc: dict[str, Any], threads: int | None = None) -> str:
    parts = []
    for s in doc["stream"]:
        if threads is not None and s["threads"] != threads:
            continue
        parts.append(
            f"{s['read_gbps']:.1f} GB/s read, {s['copy_gbps']:.1f} GB/s copy "
            f"({s['threads']} threads, {s['nbytes'] / 2**20:.0f} MiB)"
        )
    return "streaming reference: " + "; ".join(parts)


def _header(doc: dict[str, Any], threads: Any = None) -> str:
    from fastnorm.benchmarks.machine import short_header

    return short_header(doc["machine"], threads)


FAILED = ("error", "mismatch")


def _errors(rows: Sequence[dict[str, Any]], status: Sequence[str] = FAILED) -> list[str]:
    return [
        f"  {r['case']} {fmt_shape(r)} {r['dtype']} ({r['threads']} threads): {r['error']}"
        for r in rows
        if r["status"] in status
    ]


def _footnote(doc: dict[str, Any]) -> str:
    cfg = doc["config"]
    rep = f"{cfg['repeat']}"
    if cfg.get("row_budget_s"):
        lo = cfg.get("min_repeat", 3)
        rep = f"up to {rep} (at least {lo}, fewer for calls slower than {cfg['row_budget_s']:g} s)"
    return (
        f"Medians of {rep} interleaved repeats after a warm-up call; speed-up = first "
        "baseline's median / fastnorm's (same arrays, same run); GB/s = bytes the call must "
        "move / fastnorm's median; % of BW = that over the streaming reference kernel timed "
        "in the same loop on an array of the same byte count (read; for cases that write, "
        "a copy into a warm buffer, or into a new array for calls that return one)."
    )


#: A row counts as faster than its baseline above this speed-up (below it is noise).
FASTER = 1.05


def summary_line(rows: Sequence[dict[str, Any]]) -> str:
    """One line: rows where fastnorm beat its baseline (by more than 5%), the median
    speed-up, and how many rows were not trusted because the machine was busy.

    >>> summary_line([{"status": "ok", "speedup": 3.0}, {"status": "ok", "speedup": 0.5}])
    'summary: fastnorm faster than the baseline in 1 of 2 rows, median speed-up 1.75x'
    """
    timed = [r for r in rows if r["status"] == "ok" and r.get("speedup")]
    busy = [r for r in timed if r.get("busy")]
    ok = [r for r in timed if not r.get("busy")]
    trusted = ""
    if ok:
        sp = [float(r["speedup"]) for r in ok]
        faster = sum(x > FASTER for x in sp)
        trusted = (
            f"fastnorm faster than the baseline in {faster} of {len(ok)} rows, "
            f"median speed-up {float(np.median(sp)):.2f}x"
        )
    if busy and len(busy) >= len(ok):
        line = (
            f"summary: machine busy - the streaming reference read more than {BUSY_PCT}% slower "
            f"than its median at least twice in {len(busy)} of {len(timed)} rows, whose ratios "
            "are not shown; rerun on a quiet machine"
        )
        return line + (f" (trusted rows: {trusted})" if trusted else "")
    if not ok:
        return "summary: no row was timed"
    line = f"summary: {trusted}"
    if busy:
        line += f" ({len(busy)} more row(s) not counted: machine busy)"
    return line


def format_report(doc: dict[str, Any]) -> str:
    """The text report ``python -m fastnorm bench`` prints (one table per thread count, then
    a scaling table when several thread counts ran)."""
    rows = doc["results"]
    threads = sorted({r["threads"] for r in rows}) or [s["threads"] for s in doc["stream"]]
    out = []
    for t in threads:
        sel = [r for r in rows if r["threads"] == t]
        out.append(_header(doc, t))
        out.append(_stream_line(doc, t))
        out.append("")
        out.append(_render(_rows_table(sel, False), False))
        out.append("")
    if len(threads) > 1:
        out.append(scaling_table(doc))
        out.append("")
    errs = _errors(rows)
    if errs:
        out.append(f"{len(errs)} row(s) failed (not timed):")
        out += errs
        out.append("")
    skipped = _errors(rows, ("skipped",))
    if skipped:
        out.append(f"{len(skipped)} row(s) skipped (an optional extra is not installed):")
        out += skipped
        out.append("")
    if doc.get("skipped_areas"):
        out.append(
            "skipped areas: " + ", ".join(f"{k} ({v})" for k, v in doc["skipped_areas"].items())
        )
    out.append(_footnote(doc))
    if doc.get("interrupted"):
        out.append("INTERRUPTED: the table holds the rows measured before the stop.")
    cfg = doc["config"]
    if cfg.get("mode") == "quick" and not cfg.get("only") and not cfg.get("groups"):
        out.append(
            "--quick: a few rows per area at sizes past the last-level cache; every case: "
            "python -m fastnorm bench --full (or --only/--group with --quick)."
        )
    if any(r.get("busy") for r in rows):
        out.append(
            f"busy: the streaming reference read more than {BUSY_PCT}% slower than its median "
            "at least twice in that row (another process was using the cores or the memory "
            "bus); its ratios are not shown."
        )
    out.append(f"total {doc.get('elapsed_s', 0):.1f} s")
    for t in threads:
        sel = [r for r in rows if r["threads"] == t]
        out.append(summary_line(sel) + (f" [{t} threads]" if len(threads) > 1 else ""))
    return "\n".join(out)


def scaling_table(doc: dict[str, Any], markdown: bool = False) -> str:
    """fastnorm's time and GB/s per thread count (and the first baseline's), per case."""
    rows = [r for r in doc["results"] if r["status"] == "ok"]
    threads = sorted({r["threads"] for r in rows})
    keyed: dict[tuple, dict[int, dict[str, Any]]] = {}
    for r in rows:
        keyed.setdefault((r["case"], fmt_shape(r), r["dtype"]), {})[r["threads"]] = r
    head = ["case", "size", "dtype"]
    for t in threads:
        head += [f"{t}T fastnorm", f"{t}T GB/s", f"{t}T ref"]
    head += [f"scaling {threads[0]}->{threads[-1]}T" if threads else "scaling"]
    table = [head]
    for (name, shape, dt), byt in keyed.items():
        cells = [name, shape, dt]
        for t in threads:
            r = byt.get(t)
            if r is None:
                cells += ["-", "-", "-"]
                continue
            ref = r.get("reference")
            cells += [
                _impl_cell(r, "fastnorm"),
                _f(r.get("gbps"), ".1f"),
                _impl_cell(r, ref) if ref else "-",
            ]
        lo, hi = byt.get(threads[0]), byt.get(threads[-1])
        sc = None
        if lo and hi:
            sc = lo["impls"]["fastnorm"]["median_s"] / hi["impls"]["fastnorm"]["median_s"]
        cells.append(_f(sc, ".2f", "x"))
        table.append(cells)
    bw = ", ".join(f"{s['threads']}T {s['read_gbps']:.1f}" for s in doc["stream"])
    title = (
        f"thread scaling (ref = first baseline, BLAS limited to the same threads); read GB/s: {bw}"
    )
    return title + "\n" + _render(table, markdown)


#: Reference kernels timed by older runs (tagged ``internal`` in the registry now): never a
#: row of a user-facing table.
INTERNAL_CASES = frozenset({"linear/read-sum"})


def user_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` without internal reference kernels."""
    return [r for r in rows if r["case"] not in INTERNAL_CASES]


def markdown_table(doc: dict[str, Any], threads: int | None = None) -> str:
    """The README performance table, with machine, threads and versions beneath it."""
    rows = user_rows(doc["results"])
    tset = sorted({r["threads"] for r in rows})
    if threads is None and tset:
        threads = tset[-1]
    sel = [r for r in rows if r["threads"] == threads]
    parts = [_render(_rows_table(sel, True), True), ""]
    m = doc["machine"]
    mode = doc["config"]["mode"]
    parts.append(
        f"Measured {doc.get('created', '?')} with `python -m fastnorm bench --{mode}`"
        f" on: {_header(doc, threads)}."
    )
    sl = _stream_line(doc, threads)
    parts.append(f"{sl[:1].upper()}{sl[1:]}.")
    env = m.get("env") or {}
    if env:
        parts.append("Environment: " + ", ".join(f"`{k}={v}`" for k, v in env.items()) + ".")
    parts.append(_footnote(doc))
    if any(r["status"] in FAILED for r in sel):
        parts.append(
            "Rows marked MISMATCH or ERROR failed their correctness check and were not timed."
        )
    return "\n".join(p if p else "" for p in parts).replace("\n\n\n", "\n\n")


def rewrite_readme(readme: str | Path, table_md: str) -> bool:
    """Replace the text between the bench-table markers in ``readme``.  Returns whether the
    file changed; raises ValueError when the markers are missing."""
    path = Path(readme)
    text = path.read_text(encoding="utf-8")
    pat = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.S)
    if not pat.search(text):
        raise ValueError(f"{path} has no {README_START} ... {README_END} section")
    note = "<!-- generated by bench/readme_table.py from a --json run; do not edit -->"
    block = f"{README_START}\n{note}\n\n{table_md}\n\n{README_END}"
    new = pat.sub(lambda _m: block, text, count=1)
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True
