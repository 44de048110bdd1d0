"""Benchmark cases for the model shapes beyond one tall least-squares fit: logistic regression,
many targets, many small problems and wide X.

Every case is named ``linear/...``: the first table takes it at its ``"full"`` size (fits cost
flops, not bytes; see ``QUICK_FIXED`` in :mod:`fastnorm.benchmarks.runner`), chosen so that
the scikit-learn baselines stay around a second there; the issues' larger shapes are in
``bench/`` (``multitarget.py``, ``logistic_bench.py``, ``python -m fastnorm subopt``).  The
baselines are scikit-learn's estimators doing the same job at their defaults (imported
lazily: without scikit-learn the baseline is reported as skipped):

* ``linear/logistic-fit``: ``LogisticRegression(C=1)`` (L2) on ``size`` x 100 Gaussian X,
  against scikit-learn's default lbfgs;
* ``linear/multitarget-lasso``: ``Lasso`` with y of shape (``size``, 10) on ``size`` x 200,
  against scikit-learn's ``Lasso`` with the same 2-D y (which fits the targets one by one);
* ``linear/batch-lasso``: ``BatchLasso`` on ``size`` problems of 200 x 20 stacked, against a
  loop of scikit-learn ``Lasso`` fits;
* ``linear/wide-lasso``: ``Lasso`` on 500 x ``size`` (p >> n, the working-set solver),
  against scikit-learn's ``Lasso``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastnorm.benchmarks.cases_linear import _sklearn

__all__ = ["cases"]

#: Columns of the logistic case.
LOGISTIC_COLS = 100
#: Targets and columns of the multi-target case.
TARGETS, MT_COLS = 10, 200
#: Rows and columns of each problem of the batch case.
BATCH_ROWS, BATCH_COLS = 200, 20
#: Rows of the wide case.
WIDE_ROWS = 500
ALPHA = 0.01
WIDE_ALPHA = 0.1


def _sparse_w(rng: np.random.Generator, p: int, nnz: int, k: int | None = None) -> np.ndarray:
    shape = (p,) if k is None else (p, k)
    w = np.zeros(shape)
    w[rng.choice(p, nnz, replace=False)] = rng.uniform(1.0, 3.0, (nnz,) + shape[1:])
    return w


def _nbytes(args: tuple) -> int:
    return int(sum(a.nbytes for a in args))


def _check(scale: float):
    """Coefficients within ``scale`` x 1e-4 of the baseline's largest (both libraries stop on
    their default tolerance, not at the exact optimum)."""

    def check(fast: Any, base: Any, dtype: Any) -> None:
        f, b = np.asarray(fast, dtype=np.float64), np.asarray(base, dtype=np.float64)
        assert f.shape == b.shape, f"shape {f.shape} != {b.shape}"
        np.testing.assert_allclose(f, b, rtol=0, atol=scale * 1e-4 * np.abs(b).max())

    return check


# ------------------------------------------------------------------------------ logistic
def _make_logistic(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    X = rng.standard_normal((n, LOGISTIC_COLS))
    w = rng.standard_normal(LOGISTIC_COLS) / np.sqrt(LOGISTIC_COLS)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w)))).astype(np.int64)
    return X.astype(dtype, copy=False), y


def _fast_logistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    from fastnorm.linear_model import LogisticRegression

    return LogisticRegression(C=1.0).fit(X, y).coef_


def _sk_logistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _sklearn("LogisticRegression")(C=1.0).fit(X, y).coef_


# --------------------------------------------------------------------------- many targets
def _make_targets(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    X = rng.standard_normal((n, MT_COLS))
    Y = X @ _sparse_w(rng, MT_COLS, 10, TARGETS) + rng.standard_normal((n, TARGETS))
    return X.astype(dtype, copy=False), Y


def _fast_targets(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    from fastnorm.linear_model import Lasso

    return Lasso(alpha=ALPHA).fit(X, Y).coef_


def _sk_targets(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return _sklearn("Lasso")(alpha=ALPHA).fit(X, Y).coef_


# --------------------------------------------------------------------------- many problems
def _make_batch(b: int, dtype: Any, rng: np.random.Generator) -> tuple:
    X = rng.standard_normal((b, BATCH_ROWS, BATCH_COLS))
    w = rng.standard_normal((b, BATCH_COLS)) * (rng.random((b, BATCH_COLS)) < 0.3)
    y = np.einsum("bij,bj->bi", X, w) + rng.standard_normal((b, BATCH_ROWS))
    return X.astype(dtype, copy=False), y


def _fast_batch(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    from fastnorm.linear_model import BatchLasso

    return BatchLasso(alpha=ALPHA).fit(X, y).coef_


def _sk_batch(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    est = _sklearn("Lasso")(alpha=ALPHA)
    return np.stack([est.fit(X[i], y[i]).coef_ for i in range(X.shape[0])])


# -------------------------------------------------------------------------------- wide X
def _make_wide(p: int, dtype: Any, rng: np.random.Generator) -> tuple:
    X = rng.standard_normal((WIDE_ROWS, p))
    y = X @ _sparse_w(rng, p, 20) + rng.standard_normal(WIDE_ROWS)
    return X.astype(dtype, copy=False), y


def _fast_wide(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    from fastnorm.linear_model import Lasso

    return Lasso(alpha=WIDE_ALPHA).fit(X, y).coef_


def _sk_wide(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _sklearn("Lasso")(alpha=WIDE_ALPHA).fit(X, y).coef_


def cases() -> list:
    """The model-shape workloads (a list of :class:`fastnorm.benchmarks.cases.Case`)."""
    from fastnorm.benchmarks.cases import Case

    f64 = (np.float64,)
    return [
        Case("linear/logistic-fit", "linear_model", _make_logistic, _fast_logistic,
             {"sklearn-lbfgs": _sk_logistic}, _nbytes,
             {"small": 2_000, "quick": 20_000, "full": 100_000}, f64, _check(100.0)),
        Case("linear/multitarget-lasso", "linear_model", _make_targets, _fast_targets,
             {"sklearn": _sk_targets}, _nbytes,
             {"small": 2_000, "quick": 10_000, "full": 50_000}, f64, _check(50.0)),
        Case("linear/batch-lasso", "linear_model", _make_batch, _fast_batch,
             {"sklearn-loop": _sk_batch}, _nbytes,
             {"small": 20, "quick": 200, "full": 2_000}, f64, _check(50.0)),
        Case("linear/wide-lasso", "linear_model", _make_wide, _fast_wide,
             {"sklearn": _sk_wide}, _nbytes,
             {"small": 1_000, "quick": 2_000, "full": 5_000}, f64, _check(50.0)),
    ]  # fmt: skip
