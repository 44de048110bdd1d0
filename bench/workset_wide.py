"""Large-support shapes for the working-set solver, against scikit-learn and celer.

Gaussian X with 5% true non-zeros of value 1 and noise 1 (``fit_intercept=True``) and a few
of benchopt's problems (``fit_intercept=False``); ``alpha = reg * alpha_max``, default tol.
Prints one JSON line: per problem and solver, the wall median (ms) of ``--repeat`` fresh
fits after a warm-up, and the objective (float64, from ``coef_`` and ``intercept_``).  To
compare two checkouts, run it in alternating processes with each on ``PYTHONPATH``:

    PYTHONPATH=. python bench/workset_wide.py [--peers] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np

from fastnorm.benchmarks.problems import make_correlated_data


def problems():
    rng = np.random.default_rng(1)
    out = []
    for n, p, dt, l1r, reg in [
        (5000, 1000, np.float64, 1.0, 0.01),
        (1000, 5000, np.float32, 0.5, 0.05),
        (1000, 5000, np.float64, 0.5, 0.05),
    ]:
        X = rng.standard_normal((n, p)).astype(dt)
        w = np.zeros(p)
        w[: max(1, p // 20)] = 1.0
        y = (X @ w + rng.standard_normal(n)).astype(dt)
        amax = np.abs(X.T @ (y - y.mean())).max() / n / l1r
        name = f"{n}x{p} {np.dtype(dt).name} l1r={l1r} reg={reg}"
        out.append((name, X, y, float(reg * amax), l1r, True))
    for n, p, rho, reg, l1r in [
        (500, 600, 0.0, 0.01, 1.0),
        (500, 600, 0.6, 0.01, 1.0),
        (100, 10000, 0.6, 0.1, 1.0),
        (500, 5000, 0.6, 0.1, 0.5),
    ]:
        X, y, _ = make_correlated_data(n, p, rho, 3.0, 0.2, 27)
        amax = np.abs(X.T @ y).max() / n / l1r
        out.append(
            (f"benchopt {n}x{p} rho={rho} reg={reg} l1r={l1r}", X, y, reg * amax, l1r, False)
        )
    return out


def makers(a: float, l1r: float, fi: bool, peers: bool) -> dict:
    """Estimator factories for one problem."""
    from fastnorm.linear_model import ElasticNet

    kw = dict(alpha=a, l1_ratio=l1r, fit_intercept=fi)
    mks = {s: (lambda s=s: ElasticNet(**kw, solver=s)) for s in ("auto", "workset")}
    if peers:
        import celer
        from sklearn.linear_model import ElasticNet as SkElasticNet

        mks["sklearn"] = lambda: SkElasticNet(**kw)
        if l1r == 1.0:
            mks["celer"] = lambda: celer.Lasso(alpha=a, fit_intercept=fi)
        else:
            mks["celer"] = lambda: celer.ElasticNet(**kw)
    return mks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", action="store_true", help="also time scikit-learn and celer")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    res: dict = {}
    for name, X, y, a, l1r, fi in problems():
        mks = makers(a, l1r, fi, args.peers)
        for key, mk in mks.items():
            m = mk().fit(X, y)
            ts = []
            for _ in range(args.repeat):
                time.sleep(0.05)
                t = time.perf_counter()
                m = mk().fit(X, y)
                ts.append(time.perf_counter() - t)
            c = np.asarray(m.coef_, dtype=np.float64)
            r = y.astype(np.float64) - X.astype(np.float64) @ c - float(m.intercept_)
            obj = 0.5 * r @ r / len(y) + a * l1r * np.abs(c).sum() + 0.5 * a * (1 - l1r) * c @ c
            res.setdefault(name, {})[key] = (float(np.median(ts)) * 1e3, float(obj))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
