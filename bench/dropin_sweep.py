"""Default-tol fits against scikit-learn on shapes outside the issues' grids (a drop-in check).

For each shape (benchopt-style correlated X, rho 0.5): Lasso, ElasticNet, Ridge and binary
LogisticRegression (L2, and L1 against saga) at each library's defaults; the least of a few
fresh fits each after a warm-up, 0.1 s pauses (OpenBLAS threads spin after a BLAS call).
A ratio above 1 means fastnorm is faster.  ``python bench/dropin_sweep.py`` from the root.
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


def _best(f, r: int = 3) -> float:
    ts = []
    for _ in range(r):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
        time.sleep(0.1)
    return min(ts)


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
