"""A/B timing of two checkouts of fastnorm on the same registry cases, interleaved.

``python bench/ab_trees.py OLD_TREE NEW_TREE [--group linear_model] [--size N] [--rounds R]``

Each round runs one short process per tree (old, then new, then the order swapped on the next
round), and each process times the fastnorm call of every selected case from *its own*
registry (``fastnorm.benchmarks.cases``) on the same generated arrays: a warm-up call (numba
compile kept out), then the median of ``--repeat`` calls with a 0.1 s pause before each (BLAS
threads spin after a call).  The table gives each tree's median over the rounds and the
ratio new/old.  Interleaving rounds spreads a busy machine's noise over both trees; the ratio
is what to read, not the digits.
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
from fastnorm.benchmarks.cases import get_cases
group, size, dtype, repeat, only = sys.argv[1:6]
size, repeat = int(size), int(repeat)
out = {}
for case in get_cases():
    if case.group != group or (only and only not in case.name):
        continue
    if np.dtype(dtype) not in [np.dtype(d) for d in case.dtypes]:
        continue
    args = case.make(size, np.dtype(dtype), np.random.default_rng(0))
    case.fastnorm(*args)
    ts = []
    for _ in range(repeat):
        time.sleep(0.1)
        t0 = time.perf_counter()
        case.fastnorm(*args)
        ts.append(time.perf_counter() - t0)
    out[case.name] = sorted(ts)[len(ts) // 2]
print(json.dumps(out))
"""


def _run(tree: str, a: argparse.Namespace) -> dict[str, float]:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    cmd = [sys.executable, "-c", _CHILD, a.group, str(a.size), a.dtype, str(a.repeat), a.only]
    res = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--group", default="linear_model")
    ap.add_argument("--only", default="", help="substring of the case names")
    ap.add_argument("--size", type=int, default=200_000)
    ap.add_argument("--dtype", default="float64")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", default=None, help="write the per-round medians here")
    a = ap.parse_args(argv)
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for r in range(a.rounds):
        order = ("old", "new") if r % 2 == 0 else ("new", "old")
        for side in order:
            runs[side].append(_run(getattr(a, side), a))
            print(f"round {r + 1}/{a.rounds} {side} done", file=sys.stderr)
    names = [k for k in runs["old"][0] if k in runs["new"][0]]
    print(f"{'case':24s} {'old (s)':>9s} {'new (s)':>9s} {'new/old':>8s}")
    for k in names:
        o = statistics.median(d[k] for d in runs["old"])
        n = statistics.median(d[k] for d in runs["new"])
        print(f"{k:24s} {o:9.4f} {n:9.4f} {n / o:8.2f}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"args": vars(a), "runs": runs}, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
