"""fastnorm's Lasso against scikit-learn's on shapes outside benchopt's grid (issue 11).

For each problem (AR(1) design of ``make_correlated_data``, ``alpha = reg * alpha_max``),
fresh fits of ``fastnorm.linear_model.Lasso`` and ``sklearn.linear_model.Lasso`` at the same
settings (default ``tol=1e-4``: both stop on scikit-learn's duality gap), timed interleaved
(one fit of each per round, ``--pause`` seconds between rounds) after a warm-up fit, median
wall times (``--clock cpu``: the process's CPU time, every thread counted, which is what a
loaded machine leaves comparable); scikit-learn's ``precompute=True`` too where ``n >= p``
(its Gram solver). The ratio is the best scikit-learn time over fastnorm's (> 1: fastnorm
faster); ``dobj`` is fastnorm's objective minus scikit-learn's, relative (negative: fastnorm lower).

    python bench/shapes_lasso.py                   # the default sweep (~2 minutes)
    python bench/shapes_lasso.py --shapes 500x2000,2000x500 --rho 0,0.9 --reg 0.1,0.01
    python bench/shapes_lasso.py --variants        # float32, fit_intercept=False, F order
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

DEFAULT_SHAPES = "50x50,300x300,1000x1000,2000x500,500x2000"


def _objective(X, y, alpha, coef, intercept):
    r = y - X.astype(np.float64) @ coef.astype(np.float64) - float(np.mean(intercept))
    return 0.5 * float(r @ r) / y.shape[0] + alpha * float(np.abs(coef).sum())


_CLOCK = time.perf_counter


def _time(fit, X, y):
    t0 = _CLOCK()
    est = fit(X, y)
    return _CLOCK() - t0, est


def run_one(n, p, rho, reg, dtype, order, fit_intercept, repeat, pause, max_s):
    from sklearn.linear_model import Lasso as SkLasso

    from fastnorm.benchmarks.problems import make_correlated_data
    from fastnorm.linear_model import Lasso

    X, y, _ = make_correlated_data(n, p, rho=rho, random_state=0)
    X = np.asarray(X, dtype=dtype, order=order)
    yc = y - y.mean() if fit_intercept else y
    Xc = X - X.mean(axis=0) if fit_intercept else X
    alpha = reg * float(np.max(np.abs(Xc.astype(np.float64).T @ yc))) / n
    kw = dict(alpha=alpha, fit_intercept=fit_intercept, max_iter=100_000)
    sides = {
        "fastnorm": lambda X, y: Lasso(**kw).fit(X, y),
        "sklearn": lambda X, y: SkLasso(**kw).fit(X, y),
    }
    if n >= p:
        sides["sk_pre"] = lambda X, y: SkLasso(precompute=True, **kw).fit(X, y)
    times: dict[str, list[float]] = {k: [] for k in sides}
    ests = {}
    for k, f in sides.items():  # warm-up (numba compiles or loads from its cache here)
        dt, ests[k] = _time(f, X, y)
        if dt > max_s:
            times[k].append(dt)
    for _ in range(repeat):
        for k, f in sides.items():
            if len(times[k]) and times[k][0] > max_s:
                continue  # one timing of a slow side is enough
            times[k].append(_time(f, X, y)[0])
            time.sleep(pause)
    med = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
    objs = {k: _objective(X, y, alpha, e.coef_, e.intercept_) for k, e in ests.items()}
    best_sk = min(v for k, v in med.items() if k != "fastnorm")
    return {
        "problem": f"{n}x{p} rho{rho} reg{reg} {np.dtype(dtype).name} {order}"
        f"{'' if fit_intercept else ' noint'}",
        "fastnorm": med["fastnorm"],
        "sklearn": med["sklearn"],
        "sk_pre": med.get("sk_pre"),
        "ratio": best_sk / med["fastnorm"],
        "dobj": (objs["fastnorm"] - objs["sklearn"]) / abs(objs["sklearn"]),
        "solver": getattr(ests["fastnorm"], "solver_", "?"),
        "nnz": int(np.count_nonzero(ests["sklearn"].coef_)),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shapes", default=DEFAULT_SHAPES, help="n x p list, e.g. 500x2000,50x50")
    ap.add_argument("--rho", default="0,0.9", help="AR(1) correlations")
    ap.add_argument("--reg", default="0.1,0.01,0.001", help="alpha / alpha_max values")
    ap.add_argument("--dtype", default="float64", help="float64 and/or float32")
    ap.add_argument("--order", default="C", help="C and/or F")
    ap.add_argument("--intercept", default="1", help="1 (fit_intercept=True) and/or 0")
    ap.add_argument("--variants", action="store_true",
                    help="float32, fit_intercept=False and F order, one at a time")  # fmt: skip
    ap.add_argument("--repeat", type=int, default=5, help="timed rounds (median)")
    ap.add_argument("--pause", type=float, default=0.1, help="seconds between fits")
    ap.add_argument("--max-s", type=float, default=2.0, help="time a side once above this")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="cpu: the process's CPU time (every thread)")  # fmt: skip
    a = ap.parse_args(argv)
    global _CLOCK
    _CLOCK = time.process_time if a.clock == "cpu" else time.perf_counter
    warnings.filterwarnings("ignore")
    shapes = [tuple(int(v) for v in s.split("x")) for s in a.shapes.split(",")]
    combos = [
        (dt, o, bool(int(i)))
        for dt in a.dtype.split(",")
        for o in a.order.split(",")
        for i in a.intercept.split(",")
    ]
    if a.variants:
        combos = [("float32", "C", True), ("float64", "C", False), ("float64", "F", True)]
    print("| problem | fastnorm ms | sklearn ms | sklearn precompute ms | ratio | dobj | "
          "solver | nnz |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for n, p in shapes:
        for rho in (float(r) for r in a.rho.split(",")):
            for reg in (float(r) for r in a.reg.split(",")):
                for dt, o, fi in combos:
                    r = run_one(n, p, rho, reg, np.dtype(dt), o, fi, a.repeat, a.pause, a.max_s)
                    pre = "" if r["sk_pre"] is None else f"{r['sk_pre']:.2f}"
                    print(f"| {r['problem']} | {r['fastnorm']:.2f} | {r['sklearn']:.2f} | {pre} | "
                          f"{r['ratio']:.2f}x | {r['dobj']:.1e} | {r['solver']} | {r['nnz']} |",
                          flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
