"""Repeated calls leak nothing: resident memory stays flat over 10,000 calls of each public
norm/distance function and 500 fits of each estimator on tiny data.

Measured in a subprocess (a fresh interpreter, so other tests' allocations do not move the
numbers) with psutil when installed, else ``/proc/self/statm``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

if not Path("/proc/self/statm").exists():  # pragma: no cover - non-Linux without psutil
    pytest.importorskip("psutil")

#: Allowed growth of the resident set after the warm-up calls (allocator noise, numba's
#: dispatcher caches): a leak of one small array per call would be far above it.
TOLERANCE_MB = 4.0

SCRIPT = r"""
import gc, json, os, sys, warnings
import numpy as np
import fastnorm

def rss_mb():
    try:
        import psutil
        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

rng = np.random.default_rng(0)
x = rng.standard_normal(100)
y = rng.standard_normal(100)
X = rng.standard_normal((20, 5))
Y = rng.standard_normal((7, 5))
calls = {
    "norm": (lambda: fastnorm.norm(x), 10_000),
    "norm-axis": (lambda: fastnorm.norm(X, axis=1), 10_000),
    "vector_norm": (lambda: fastnorm.vector_norm(x, ord=3), 10_000),
    "matrix_norm": (lambda: fastnorm.matrix_norm(X, ord=1), 10_000),
    "dist": (lambda: fastnorm.dist(x, y), 10_000),
    "normalize": (lambda: fastnorm.normalize(X, axis=1), 10_000),
    "cdist": (lambda: fastnorm.cdist(X, Y), 10_000),
}
if "sklearn" in sys.argv[1:]:
    from fastnorm.linear_model import ElasticNet, Lasso, LinearRegression, Ridge, lasso_path
    Xf, yf = X, X @ np.arange(5.0) + 0.1 * rng.standard_normal(20)
    calls.update({
        "Lasso.fit": (lambda: Lasso(alpha=0.1).fit(Xf, yf), 500),
        "ElasticNet.fit-sgd": (
            lambda: ElasticNet(alpha=0.1, solver="sgd", max_iter=3, random_state=0).fit(Xf, yf),
            500,
        ),
        "Ridge.fit": (lambda: Ridge().fit(Xf, yf), 500),
        "LinearRegression.fit": (lambda: LinearRegression().fit(Xf, yf), 500),
        "lasso_path": (lambda: lasso_path(Xf, yf, alphas=5), 500),
    })
warnings.simplefilter("ignore")
out = {}
for name, (fn, n) in calls.items():
    for _ in range(max(200, n // 10)):  # warm-up: compile, first-call caches, allocator pools
        fn()
    gc.collect()
    before = rss_mb()
    for _ in range(n):
        fn()
    gc.collect()
    out[name] = rss_mb() - before
print(json.dumps(out))
"""


def _growth(*extra: str) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, *extra],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_norms_and_distances_do_not_leak():
    growth = _growth()
    leaks = {k: v for k, v in growth.items() if v > TOLERANCE_MB}
    assert not leaks, f"resident memory grew (MB) over 10,000 calls: {growth}"


def test_estimator_fits_do_not_leak():
    pytest.importorskip("sklearn")
    growth = _growth("sklearn")
    leaks = {k: v for k, v in growth.items() if v > TOLERANCE_MB}
    assert not leaks, f"resident memory grew (MB) over repeated calls: {growth}"
