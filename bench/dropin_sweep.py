"""Default-tol fits against scikit-learn on shapes outside the issues' grids (a drop-in check).

For each shape (benchopt-style correlated X, rho 0.5): Lasso, ElasticNet, Ridge and binary
LogisticRegression (L2, and L1 against saga) at each library's defaults; the least of a few
fresh fits each after a warm-up, 0.1 s pauses (OpenBLAS threads spin after a BLAS call).
Then 100-alpha ``lasso_path`` and ``LassoCV`` at the default tol on tall-ish X (p < n < 10 p),
where the path's rule chooses the Gram matrix (bench/README.md, "Paths on tall-ish X").  A
ratio above 1 means fastnorm is faster.  ``python bench/dropin_sweep.py`` from the root.
"""

from __future__ import annotations

import time
import warnings

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
    main()
    paths()
