"""A/B of one working-set knob: outer iterations and time, on (the default) and off.

For each problem of benchopt's Lasso grid (and ElasticNet 500 x 5000, Lasso 1000 x 1000
rho 0.9), fit with ``solver="workset"`` at a few tolerances with the knob of
``fastnorm.linear_model._workset`` at its default and at ``--off`` (by default
``WS_DUAL_K``: 5 is celer's dual extrapolation, 0 the rescaled residual alone),
interleaved; print the outer steps (``n_iter_``), the median time of ``--repeat`` fits and
the ratio off/on.

    PYTHONPATH=. python bench/workset_extrap.py [--knob WS_DUAL_K] [--off 0] [--only S]
        [--repeat 5] [--tol 1e-4 1e-6 1e-8] [--clock cpu|wall]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from fastnorm.benchmarks.problems import make_correlated_data
from fastnorm.linear_model import ElasticNet
from fastnorm.linear_model import _workset as ws


def problems():
    out = [
        (f"lasso {n}x{p} rho={rho} reg={reg}", n, p, rho, reg, 1.0)
        for n, p in [(100, 10000), (500, 600), (10000, 100)]
        for rho in (0.0, 0.6)
        for reg in (0.1, 0.01)
    ]
    out += [(f"enet{r} 500x5000 rho=0.6 reg=0.1", 500, 5000, 0.6, 0.1, r) for r in (0.5, 0.9)]
    out.append(("lasso 1000x1000 rho=0.9 reg=0.01", 1000, 1000, 0.9, 0.01, 1.0))
    return out


KNOB = "WS_DUAL_K"
#: CPU time of the process by default: the fits at these sizes run serially, and on the
#: shared machine CPU time moved far less between runs than wall time.
CLOCK = time.process_time


def fit(X, y, a, l1r, tol, K):
    setattr(ws, KNOB, K)
    est = ElasticNet(alpha=a, l1_ratio=l1r, tol=tol, solver="workset", fit_intercept=False,
                     max_iter=10_000)  # fmt: skip
    t0 = CLOCK()
    est.fit(X, y)
    return CLOCK() - t0, est.n_iter_


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--knob", default="WS_DUAL_K")
    ap.add_argument("--off", type=float, default=0.0)
    ap.add_argument("--only", default="")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="cpu")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--tol", type=float, nargs="+", default=[1e-4, 1e-6, 1e-8])
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    global KNOB, CLOCK
    KNOB = args.knob
    CLOCK = time.perf_counter if args.clock == "wall" else time.process_time
    K0 = getattr(ws, KNOB)
    off = type(K0)(args.off)
    print(f"{KNOB}: on {K0}, off {off}")
    print("| problem | tol | outer off | outer on | ms off | ms on | off/on |")
    print("|---|---|---|---|---|---|---|")
    for name, n, p, rho, reg, l1r in problems():
        if args.only and args.only not in name:
            continue
        X, y, _ = make_correlated_data(n, p, rho, 3.0, 0.2, 27)
        a = reg * np.max(np.abs(X.T @ y)) / n / l1r
        fit(X, y, a, l1r, 1e-2, K0)
        fit(X, y, a, l1r, 1e-2, off)
        for tol in args.tol:
            t_on, t_off = [], []
            for _ in range(args.repeat):  # interleaved: the load hits both alike
                t, it_off = fit(X, y, a, l1r, tol, off)
                t_off.append(t)
                t, it_on = fit(X, y, a, l1r, tol, K0)
                t_on.append(t)
            m_off, m_on = np.median(t_off) * 1e3, np.median(t_on) * 1e3
            print(f"| {name} | {tol:.0e} | {it_off} | {it_on} | {m_off:.1f} | {m_on:.1f} | "
                  f"{m_off / m_on:.2f} |", flush=True)  # fmt: skip
    setattr(ws, KNOB, K0)


if __name__ == "__main__":
    main()
