"""Tall Lasso: ``solver="auto"`` of two checkouts (and scikit-learn), interleaved.

``python bench/workset_gram.py OLD_TREE NEW_TREE [--rounds R] [--repeat K] [--sklearn]
[--cpu1] [PROBLEM ...]``

A problem is a name of :data:`fastnorm.benchmarks.problems.PROBLEMS` or ``n,p,rho,reg,order,
fit_intercept[,l1_ratio]`` (benchopt's ``make_correlated_data``, seed 27; ``alpha = reg *
alpha_max``).  Each round runs one process per tree (the order swapped every other round),
which fits every problem with ``solver="auto"`` and ``tol=1e-8``: a warm-up fit (compilation
kept out), then the median of ``--repeat`` fits with a 0.1 s pause before each.  ``--sklearn``
adds scikit-learn's ``Lasso``/``ElasticNet`` with ``precompute=True`` (its fastest on tall
data) in its own process.  The table gives each side's median over the rounds, the ratios to
the old tree and to scikit-learn, the solver auto took, and the load average.  ``--cpu1``: one
thread, CPU time (``time.process_time``), a quiet-machine proxy when the machine is shared.
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
side, repeat, cpu = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
clock = time.process_time if cpu else time.perf_counter
from fastnorm.benchmarks.problems import PROBLEMS, make_correlated_data
if side == "sklearn":
    from sklearn.linear_model import ElasticNet
else:
    from fastnorm.linear_model import ElasticNet
out = {}
for spec in sys.argv[4:]:
    if spec in PROBLEMS:
        prob = PROBLEMS[spec]
        X, y = prob.data()
        a, fi, l1r = prob.alpha(X, y), prob.fit_intercept, prob.l1_ratio
    else:
        f = spec.split(",")
        X, y, _ = make_correlated_data(int(f[0]), int(f[1]), rho=float(f[2]), random_state=27)
        X = np.asarray(X, order=f[4])
        fi = f[5] == "1"
        l1r = float(f[6]) if len(f) > 6 else 1.0
        yc = y - y.mean() if fi else y
        Xc = X - X.mean(axis=0) if fi else X
        a = float(f[3]) * float(np.max(np.abs(Xc.T @ yc))) / (X.shape[0] * l1r)
    kw = dict(alpha=a, l1_ratio=l1r, fit_intercept=fi, tol=1e-8, max_iter=100_000)
    if side == "sklearn":
        kw["precompute"] = True
    ElasticNet(**kw).fit(X, y)
    ts = []
    for _ in range(repeat):
        time.sleep(0.1)
        t0 = clock()
        m = ElasticNet(**kw).fit(X, y)
        ts.append(clock() - t0)
    r = y - X @ m.coef_ - m.intercept_
    obj = 0.5 * float(r @ r) / len(y) + a * l1r * float(np.abs(m.coef_).sum())
    obj += 0.5 * a * (1 - l1r) * float(m.coef_ @ m.coef_)
    out[spec] = [sorted(ts)[len(ts) // 2], getattr(m, "solver_", "sklearn"), obj]
print(json.dumps(out))
"""


def _run(tree: str, side: str, a: argparse.Namespace) -> dict:
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    if a.cpu1:
        env.update(NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, "-c", _CHILD, side, str(a.repeat), "1" if a.cpu1 else "0"]
    res = subprocess.run(cmd + a.problems, cwd=tree, env=env, capture_output=True, text=True,
                         check=True)  # fmt: skip
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("problems", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sklearn", action="store_true")
    ap.add_argument("--cpu1", action="store_true")
    a = ap.parse_args(argv)
    sides = ["old", "new"] + (["sklearn"] if a.sklearn else [])
    runs: dict[str, list[dict]] = {s: [] for s in sides}
    load0 = os.getloadavg()[0]
    for r in range(a.rounds):
        for side in sides if r % 2 == 0 else sides[::-1]:
            tree = a.new if side == "sklearn" else getattr(a, side)
            runs[side].append(_run(tree, side, a))
            print(f"round {r + 1}/{a.rounds} {side} done", file=sys.stderr)
    load1 = os.getloadavg()[0]
    med = {s: {k: statistics.median(d[k][0] for d in runs[s]) for k in a.problems} for s in sides}
    head = "| problem | old auto (ms) | new auto (ms) | new/old |"
    if a.sklearn:
        head += " sklearn precompute (ms) | sklearn/new |"
    print(head + " new solver | objective new/old - 1 |")
    print("|---" * (head.count("|") + 1) + "|")
    for k in a.problems:
        o, n = med["old"][k], med["new"][k]
        row = f"| {k} | {o * 1e3:.1f} | {n * 1e3:.1f} | {n / o:.2f} |"
        if a.sklearn:
            s = med["sklearn"][k]
            row += f" {s * 1e3:.1f} | {s / n:.2f} |"
        dobj = runs["new"][-1][k][2] / runs["old"][-1][k][2] - 1.0
        print(row + f" {runs['new'][-1][k][1]} | {dobj:.1e} |")
    print(f"\nload average (1 min) {load0:.2f} before, {load1:.2f} after; cpu1={a.cpu1}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
