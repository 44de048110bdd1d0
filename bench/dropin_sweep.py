"""Default-tol fits against scikit-learn on shapes outside the issues' grids (a drop-in check).

For each shape (benchopt-style correlated X, rho 0.5): Lasso, ElasticNet, Ridge and binary
LogisticRegression (L2, and L1 against saga) at each library's defaults; the least of a few
fresh fits each after a warm-up, 0.1 s pauses (OpenBLAS threads spin after a BLAS call).
Then 100-alpha ``lasso_path`` and ``LassoCV`` at the default tol on tall-ish X (p < n < 10 p),
where the path's rule chooses the Gram matrix (bench/README.md, "Paths on tall-ish X").  A
ratio above 1 means fastnorm is faster.  ``PYTHONPATH=. python bench/dropin_sweep.py`` from
the root (without PYTHONPATH a script's own folder comes first on sys.path, and an installed
fastnorm is timed instead of the checkout's).

``--ridge [SHAPE ...]``: Ridge at its defaults against scikit-learn's on RIDGE_SHAPES (or the
shapes given, ``300x1000``), each with the RIDGE_VARIANTS (no intercept, sample weights,
float32, 3 targets, an alpha per target); fits interleaved with scikit-learn's, the median of
the rounds (a 0.1 s pause after each fit), and the largest relative coef_ difference.
"""

from __future__ import annotations

import sys
import time
import warnings
from functools import partial

import numpy as np
import sklearn.linear_model as S

import fastnorm.linear_model as F
from fastnorm.benchmarks.problems import make_correlated_data

SHAPES = [(300, 1000), (50, 2000), (5000, 20), (1500, 1500), (3000, 300)]
MODELS = [
    ("Lasso a=.1", lambda M: M.Lasso(alpha=0.1), False),
    ("ENet", lambda M: M.ElasticNet(alpha=0.05, l1_ratio=0.5), False),
    ("Ridge", lambda M: M.Ridge(alpha=1.0), False),
    ("LogReg L2", lambda M: M.LogisticRegression(C=1.0), True),
    (
        "LogReg L1",
        lambda M: M.LogisticRegression(C=1.0, l1_ratio=1.0, solver="saga" if M is S else "auto"),
        True,
    ),
]


PATH_SHAPES = [(2000, 500, 0.6), (2000, 500, 0.0), (1000, 300, 0.6), (5000, 1000, 0.6),
               (360, 300, 0.6), (1200, 1000, 0.0)]  # fmt: skip


def _best(f, r: int = 3, pause: float = 0.1) -> float:
    ts = []
    for _ in range(r):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
        time.sleep(pause)
    return min(ts)


def paths() -> None:
    for n, p, rho in PATH_SHAPES:
        X, y, _ = make_correlated_data(n, p, rho=rho, random_state=27)
        X = np.asfortranarray(X)
        F.lasso_path(X, y)
        tf = _best(lambda: F.lasso_path(X, y), pause=0.15)  # noqa: B023
        ts = _best(lambda: S.lasso_path(X, y), pause=0.15)  # noqa: B023
        print(f"path {n}x{p} rho{rho}: fastnorm {tf * 1e3:.0f} sklearn {ts * 1e3:.0f} "
              f"ratio {ts / tf:.2f}", flush=True)  # fmt: skip
    X, y, _ = make_correlated_data(2000, 500, rho=0.6, random_state=27)
    F.LassoCV(cv=5).fit(X, y)
    tf = _best(lambda: F.LassoCV(cv=5).fit(X, y), 2, 0.15)
    ts = _best(lambda: S.LassoCV(cv=5).fit(X, y), 2, 0.15)
    print(f"LassoCV 2000x500: fastnorm {tf * 1e3:.0f} sklearn {ts * 1e3:.0f} ratio {ts / tf:.2f}")


RIDGE_SHAPES = [(300, 1000), (50, 2000), (1000, 5000), (3000, 300), (1500, 1500), (100, 100),
                (20, 5), (10000, 50), (100000, 100), (20000, 500)]  # fmt: skip
RIDGE_VARIANTS = ["default", "no-intercept", "sample-weight", "float32", "multi-target",
                  "alpha-array"]  # fmt: skip


def _ridge_case(n: int, p: int, variant: str):
    X, y, _ = make_correlated_data(n, p, rho=0.5, random_state=1)
    rng = np.random.default_rng(0)
    kw: dict = {}
    fit_kw: dict = {}
    if variant == "no-intercept":
        kw["fit_intercept"] = False
    elif variant == "sample-weight":
        fit_kw["sample_weight"] = rng.uniform(0.5, 2.0, n)
    elif variant == "float32":
        X = X.astype(np.float32)
    elif variant in ("multi-target", "alpha-array"):
        y = np.column_stack([y, y + rng.standard_normal(n), X[:, 0] - y])
        if variant == "alpha-array":
            kw["alpha"] = np.array([0.5, 1.0, 3.0])
    return X, y, kw, fit_kw


def _interleaved(fa, fb, rounds: int, pause: float = 0.1) -> tuple[float, float]:
    ta, tb = [], []
    for i in range(rounds):
        for f, ts in ((fa, ta), (fb, tb)) if i % 2 == 0 else ((fb, tb), (fa, ta)):
            t = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t)
            time.sleep(pause)
    return float(np.median(ta)), float(np.median(tb))


def _ridge_fit(M, X, y, kw, fit_kw):
    return M.Ridge(**kw).fit(X, y, **fit_kw)


def ridge(shapes=None, variants=None) -> None:
    """Ridge at the defaults against scikit-learn's, interleaved (see the module docstring)."""
    for n, p in shapes or RIDGE_SHAPES:
        for variant in variants or RIDGE_VARIANTS:
            X, y, kw, fit_kw = _ridge_case(n, p, variant)
            mf = F.Ridge(**kw).fit(X, y, **fit_kw)
            ms = S.Ridge(**kw).fit(X, y, **fit_kw)
            err = float(np.max(np.abs(mf.coef_ - ms.coef_)) / np.max(np.abs(ms.coef_)))
            rounds = 3 if n * p > 5e6 else 5 if n * p > 5e5 else 9
            fa = partial(_ridge_fit, F, X, y, kw, fit_kw)
            fb = partial(_ridge_fit, S, X, y, kw, fit_kw)
            tf, ts = _interleaved(fa, fb, rounds)
            print(f"ridge {n}x{p} {variant:13s} {mf.solver_:5s}: fastnorm {tf * 1e3:8.2f} ms "
                  f"sklearn {ts * 1e3:8.2f} ms ratio {ts / tf:5.2f}  coef rel diff {err:.1e}",
                  flush=True)  # fmt: skip


def main() -> None:
    warnings.simplefilter("ignore")
    for n, p in SHAPES:
        X, y, _ = make_correlated_data(n, p, rho=0.5, random_state=1)
        yb = (y > np.median(y)).astype(int)
        for name, make, classify in MODELS:
            if name == "LogReg L1" and n * p > 3e6:
                continue
            yy = yb if classify else y
            make(F).fit(X, yy)
            tf = _best(lambda: make(F).fit(X, yy))  # noqa: B023
            ts = _best(lambda: make(S).fit(X, yy), 2 if n * p > 1e6 else 3)  # noqa: B023
            print(f"{n}x{p} {name}: fastnorm {tf * 1e3:.1f} sklearn {ts * 1e3:.1f} "
                  f"ratio {ts / tf:.2f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    if "--ridge" in sys.argv:
        warnings.simplefilter("ignore")
        args = [a for a in sys.argv[1:] if a != "--ridge"]
        shapes = [tuple(int(v) for v in a.split("x")) for a in args if "x" in a and a[0] != "-"]
        variants = [a[2:] for a in args if a.startswith("--") and a[2:] in RIDGE_VARIANTS]
        ridge(shapes or None, variants or None)
    else:
        main()
        paths()
