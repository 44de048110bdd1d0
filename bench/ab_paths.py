"""A/B of two checkouts on the kernel paths that the issue-15 fast-path rule changed.

``python bench/ab_paths.py OLD_TREE NEW_TREE [--rounds R] [--repeat N]``

The registry cases (``bench/ab_trees.py``) do not reach every path: this times, in one short
process per tree and round (old/new order swapped every round, as ``ab_trees.py``), the
public calls whose kernel path moved: p = 3, 4, 0.5 and 2.5 on short rows (``axis=1``), on
the ``cols`` layout (``axis=0``) and flat, ``dist`` of rows, and ``normalize`` of rows with
ord 3.  Medians of ``--repeat`` calls after a warm-up call; the table gives new/old.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

_CHILD = r"""
import json, sys, time
import numpy as np
import fastnorm as fn
repeat = int(sys.argv[1])
rng = np.random.default_rng(0)
X = rng.standard_normal((20000, 200))
Y = rng.standard_normal((20000, 200))
v = rng.standard_normal(1_000_000)
calls = {}
for p in (3, 4, 0.5, 2.5):
    calls[f"norm rows ord={p}"] = lambda p=p: fn.norm(X, ord=p, axis=1)
    calls[f"norm cols ord={p}"] = lambda p=p: fn.norm(X, ord=p, axis=0)
    calls[f"norm flat ord={p}"] = lambda p=p: fn.norm(v, ord=p)
    calls[f"dist rows ord={p}"] = lambda p=p: fn.dist(X, Y, ord=p, axis=1)
calls["dist rows ord=0"] = lambda: fn.dist(X, Y, ord=0, axis=1)
calls["dist rows ord=-inf"] = lambda: fn.dist(X, Y, ord=-np.inf, axis=1)
calls["normalize rows ord=3"] = lambda: fn.normalize(X, ord=3, axis=1)
out = {}
for name, f in calls.items():
    f()
    ts = []
    for _ in range(repeat):
        time.sleep(0.05)
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    out[name] = sorted(ts)[len(ts) // 2]
print(json.dumps(out))
"""


def _run(tree: str, repeat: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    cmd = [sys.executable, "-c", _CHILD, str(repeat)]
    res = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for r in range(a.rounds):
        for side in ("old", "new") if r % 2 == 0 else ("new", "old"):
            runs[side].append(_run(getattr(a, side), a.repeat))
            print(f"round {r + 1}/{a.rounds} {side} done", file=sys.stderr)
    print(f"{'call':24s} {'old (ms)':>9s} {'new (ms)':>9s} {'new/old':>8s}")
    for k in runs["old"][0]:
        o = statistics.median(d[k] for d in runs["old"]) * 1e3
        n = statistics.median(d[k] for d in runs["new"]) * 1e3
        print(f"{k:24s} {o:9.2f} {n:9.2f} {n / o:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
