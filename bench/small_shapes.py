"""Default-tol fits of fastnorm against scikit-learn on small and mid shapes (stop 21).

For each case (``make_correlated_data(n, p, rho, random_state=0)``, ``alpha = reg *
||X^T y||_inf / n``): a warm-up fit of each side, then interleaved fresh fits (one of each
per round, ``--pause`` seconds before each) for about ``--budget`` seconds per case; the
median times (``--clock cpu``: the process's CPU time, steadier on a shared machine where
these serial fits are descheduled) and their ratio (> 1: fastnorm faster).
``python bench/small_shapes.py [--only 50x50] [--clock cpu]`` from the root.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import sklearn.linear_model as S

import fastnorm.linear_model as F
from fastnorm.benchmarks.problems import make_correlated_data


def _cases():
    out = []

    def add(name, n, p, rho=0.6, reg=0.1, dtype=np.float64, model="Lasso", **kw):
        out.append((name, n, p, rho, reg, dtype, model, kw))

    for reg in (0.1, 0.01):
        add(f"50x50 reg{reg}", 50, 50, reg=reg)
        add(f"300x300 f32 reg{reg}", 300, 300, reg=reg, dtype=np.float32)
        add(f"1500x1500 reg{reg}", 1500, 1500, reg=reg)
        add(f"20x20 reg{reg}", 20, 20, reg=reg)
        add(f"100x30 reg{reg}", 100, 30, reg=reg)
        add(f"200x200 reg{reg}", 200, 200, reg=reg)
        add(f"1000x50 reg{reg}", 1000, 50, reg=reg)
        add(f"2000x2000 rho.9 reg{reg}", 2000, 2000, rho=0.9, reg=reg)
        add(f"1000x1000 f32 reg{reg}", 1000, 1000, reg=reg, dtype=np.float32)
        add(f"ENet.5 300x300 reg{reg}", 300, 300, reg=reg, model="ElasticNet", l1_ratio=0.5)
        add(f"positive 300x300 reg{reg}", 300, 300, reg=reg, positive=True)
        add(f"grid 500x600 reg{reg}", 500, 600, reg=reg)
        add(f"grid 10000x100 reg{reg}", 10000, 100, reg=reg)
    add("LassoCV cv3 300x300", 300, 300, model="LassoCV", cv=3)
    add("grid ENet.5 500x5000", 500, 5000, model="ElasticNet", l1_ratio=0.5)
    return out


_CLOCK = time.perf_counter


def run(case, budget, pause):
    name, n, p, rho, reg, dtype, model, kw = case
    X, y, _ = make_correlated_data(n, p, rho=rho, random_state=0)
    X = np.asarray(X, dtype=dtype)
    y = np.asarray(y, dtype=dtype)
    if model != "LassoCV":
        kw = dict(kw, alpha=reg * float(np.max(np.abs(X.T.astype(np.float64) @ y))) / n)
    sides = {M: (lambda M=M: getattr(M, model)(**kw).fit(X, y)) for M in (F, S)}
    ests = {M: f() for M, f in sides.items()}
    t = {F: [], S: []}
    t_end = time.perf_counter() + budget
    while len(t[F]) < 3 or (time.perf_counter() < t_end and len(t[F]) < 200):
        for M, f in sides.items():
            time.sleep(pause)
            t0 = _CLOCK()
            f()
            t[M].append(_CLOCK() - t0)
    mf, ms = (1e3 * float(np.median(t[M])) for M in (F, S))
    c = ests[F].coef_, ests[S].coef_
    solver = getattr(ests[F], "solver_", "")
    return f"| {name} | {mf:.3f} | {ms:.3f} | {ms / mf:.2f}x | {solver} | " \
           f"{np.count_nonzero(c[0])}/{np.count_nonzero(c[1])} |"  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="comma-separated substrings of case names")
    ap.add_argument("--budget", type=float, default=1.5, help="seconds per case")
    ap.add_argument("--pause", type=float, default=0.002, help="seconds before each fit")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    a = ap.parse_args()
    global _CLOCK
    _CLOCK = time.process_time if a.clock == "cpu" else time.perf_counter
    warnings.simplefilter("ignore")
    keys = [k for k in a.only.split(",") if k]
    print("| case | fastnorm ms | sklearn ms | ratio | solver_ | nnz f/s |")
    print("|---|---|---|---|---|---|")
    for c in _cases():
        if not keys or any(k in c[0] for k in keys):
            print(run(c, a.budget, a.pause), flush=True)


if __name__ == "__main__":
    main()
