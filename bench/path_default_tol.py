"""100-alpha ``lasso_path`` and ``LassoCV`` at the default tol against scikit-learn's, on
tall-ish X (p < n < 10 p), where the path's rule chooses the Gram matrix (bench/README.md,
"Paths on tall-ish X").  Least of 3 fresh calls after a warm-up, 0.15 s pauses; ratio =
scikit-learn / fastnorm.  ``python bench/path_default_tol.py`` from the repository root.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.linear_model import LassoCV as SkLassoCV
from sklearn.linear_model import lasso_path as sk_lasso_path

from fastnorm.benchmarks.problems import make_correlated_data
from fastnorm.linear_model import LassoCV, lasso_path

SHAPES = [(2000, 500, 0.6), (2000, 500, 0.0), (1000, 300, 0.6), (5000, 1000, 0.6),
          (360, 300, 0.6), (1200, 1000, 0.0)]  # fmt: skip


def _best(f, r: int = 3) -> float:
    ts = []
    for _ in range(r):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
        time.sleep(0.15)
    return min(ts)


def main() -> None:
    warnings.simplefilter("ignore")
    for n, p, rho in SHAPES:
        X, y, _ = make_correlated_data(n, p, rho=rho, random_state=27)
        X = np.asfortranarray(X)
        lasso_path(X, y)
        tf = _best(lambda: lasso_path(X, y))  # noqa: B023
        ts = _best(lambda: sk_lasso_path(X, y))  # noqa: B023
        print(f"path {n}x{p} rho{rho}: fastnorm {tf * 1e3:.0f} sklearn {ts * 1e3:.0f} "
              f"ratio {ts / tf:.2f}", flush=True)  # fmt: skip
    X, y, _ = make_correlated_data(2000, 500, rho=0.6, random_state=27)
    LassoCV(cv=5).fit(X, y)
    tf = _best(lambda: LassoCV(cv=5).fit(X, y), 2)
    ts = _best(lambda: SkLassoCV(cv=5).fit(X, y), 2)
    print(f"LassoCV 2000x500: fastnorm {tf * 1e3:.0f} sklearn {ts * 1e3:.0f} ratio {ts / tf:.2f}")


if __name__ == "__main__":
    main()
