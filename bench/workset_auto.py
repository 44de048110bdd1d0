"""Where ``solver="auto"`` switches from the Gram solver to the working-set solver.

Times fresh fits (minimum of ``--repeat``, after a warm-up) of ``solver="gram"`` and
``solver="workset"`` on benchopt-style correlated data (rho 0.6, fit_intercept=True) over a
grid of shapes, at scikit-learn's default ``tol=1e-4`` and at ``tol=1e-8``, and prints the
ratio gram / workset (> 1: workset faster).

    python bench/workset_auto.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from fastnorm.benchmarks.problems import make_correlated_data
from fastnorm.linear_model import Lasso

CLOCK = time.process_time  # CPU time of the process (all its threads): see workset_grid.py


def best(make, X, y, repeat):
    make().fit(X, y)
    ts = []
    for _ in range(repeat):
        t0 = CLOCK()
        make().fit(X, y)
        ts.append(CLOCK() - t0)
    return min(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shapes", default="2000x100,2000x200,2000x500,2000x1000,5000x200,"
                    "5000x500,5000x1000,20000x100,20000x300,20000x1000,1000x500")  # fmt: skip
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print("| n x p | reg | tol | gram ms | workset ms | gram / workset |")
    print("|---|---|---|---|---|---|")
    for shape in args.shapes.split(","):
        n, p = (int(v) for v in shape.split("x"))
        X, y, _ = make_correlated_data(n, p, 0.6, random_state=27)
        amax = np.max(np.abs((X - X.mean(0)).T @ (y - y.mean()))) / n
        for reg in (0.1, 0.01):
            for tol in (1e-4, 1e-8):
                a = reg * amax
                tg, tw = (
                    best(
                        lambda s=s, a=a, tol=tol: Lasso(alpha=a, tol=tol, solver=s, max_iter=10**5),
                        X,
                        y,
                        args.repeat,
                    )  # fmt: skip
                    for s in ("gram", "workset")
                )
                print(f"| {n} x {p} | {reg} | {tol:g} | {tg * 1e3:.1f} | {tw * 1e3:.1f} | "
                      f"{tg / tw:.2f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
