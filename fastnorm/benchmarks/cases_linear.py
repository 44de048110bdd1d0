"""Benchmark cases for the linear models (issue 3).

The data of every case: X of ``size`` x 200 standard normal in the case's dtype (C order, as
users usually hold it), 10 true non-zero coefficients, y = X w + noise.  ``"full"`` is the
issue's 200,000 x 200; ``"quick"`` 5,000 rows (scikit-learn fits dominate --quick).

Baselines are the scikit-learn estimators/functions doing the same job (imported lazily: a
missing scikit-learn raises ImportError, which the runner reports as a skipped baseline) and,
for the epoch, the NumPy epoch ``r = X @ w - y; g = X.T @ r / n`` (two BLAS passes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["cases"]

#: Columns of every case; the size parameter is the number of rows.
NCOLS = 200
#: True non-zero coefficients.
NNZ = 10
SIZES = {"small": 2_000, "quick": 5_000, "full": 200_000}
ALPHA = 0.01
#: Epochs of fastnorm's SGD solver in the SGD case.
SGD_EPOCHS = 8


def _make(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    X = rng.standard_normal((n, NCOLS), dtype=np.float64)
    w = np.zeros(NCOLS)
    w[rng.choice(NCOLS, NNZ, replace=False)] = rng.uniform(1.0, 3.0, NNZ) * rng.choice(
        [-1.0, 1.0], NNZ
    )
    y = X @ w + rng.standard_normal(n)
    return X.astype(dtype, copy=False), y.astype(dtype, copy=False)


def _make_epoch(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    X, y = _make(n, dtype, rng)
    coef = (0.1 * rng.standard_normal(NCOLS)).astype(dtype)
    return X, y, coef


def _nbytes(args: tuple) -> int:
    return int(args[0].nbytes + args[1].nbytes)


def _rtol(dtype: Any) -> float:
    return 2e-3 if np.dtype(dtype).itemsize <= 4 else 1e-6


def _sklearn(name: str) -> Any:
    try:
        import sklearn.linear_model as lm
    except ImportError as exc:  # pragma: no cover - optional extra
        raise ImportError(
            "this baseline needs scikit-learn: pip install fastnorm[sklearn]"
        ) from exc
    return getattr(lm, name)


# ---------------------------------------------------------------------------------- the epoch
def _fast_epoch(X: np.ndarray, y: np.ndarray, coef: np.ndarray) -> np.ndarray:
    from fastnorm.linear_model import fused_epoch

    # fused_epoch's gradient is that of mean((Xw - y)^2): twice the NumPy epoch's g
    return 0.5 * fused_epoch(X, y, coef, 0.0, fit_intercept=False).grad


def _numpy_epoch(X: np.ndarray, y: np.ndarray, coef: np.ndarray) -> np.ndarray:
    r = X @ coef - y
    return X.T @ r / X.shape[0]


def _check_grad(fast: Any, base: Any, dtype: Any) -> None:
    f, b = np.asarray(fast, dtype=np.float64), np.asarray(base, dtype=np.float64)
    assert f.shape == b.shape
    # numpy's float32 epoch sums in float32: compare relative to the gradient's scale
    np.testing.assert_allclose(f, b, rtol=0, atol=_rtol(dtype) * 10 * np.abs(b).max())


# ------------------------------------------------------------------------------- estimators
def _fast_lasso(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    from fastnorm.linear_model import Lasso

    return Lasso(alpha=ALPHA).fit(X, y).coef_


def _sk_lasso(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _sklearn("Lasso")(alpha=ALPHA).fit(X, y).coef_


def _sk_lasso_gram(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _sklearn("Lasso")(alpha=ALPHA, precompute=True).fit(X, y).coef_


def _fast_ridge(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    from fastnorm.linear_model import Ridge

    return Ridge(alpha=1.0).fit(X, y).coef_


def _sk_ridge(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _sklearn("Ridge")(alpha=1.0).fit(X, y).coef_


def _fast_sgd(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    import warnings

    from fastnorm.linear_model import Lasso

    # same objective as SGDRegressor(penalty="l1"): (1/2n)||y - Xw - b||^2 + alpha ||w||_1;
    # a fixed budget of epochs, about what SGDRegressor's tol=1e-3 stopping rule runs here
    est = Lasso(alpha=ALPHA, solver="sgd", tol=1e-3, max_iter=SGD_EPOCHS, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fixed budget stops before the gap test passes
        return est.fit(X, y).coef_


def _sk_sgd(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    est = _sklearn("SGDRegressor")(penalty="l1", alpha=ALPHA, tol=1e-3, random_state=0)
    return est.fit(X, y).coef_


def _check_coef(rtol_scale: float):
    def check(fast: Any, base: Any, dtype: Any) -> None:
        f, b = np.asarray(fast, dtype=np.float64), np.asarray(base, dtype=np.float64)
        assert f.shape == b.shape, f"shape {f.shape} != {b.shape}"
        assert np.asarray(fast).dtype == np.dtype(dtype), "coef_ must keep X's dtype"
        tol = rtol_scale * max(_rtol(dtype), 1e-4)
        np.testing.assert_allclose(f, b, rtol=0, atol=tol * np.abs(b).max())

    return check


# -------------------------------------------------------------------------------------- paths
def _fast_path(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    from fastnorm.linear_model._path import lasso_path

    return lasso_path(X, y, alphas=100)[1]


def _sk_path(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    return _sklearn("lasso_path")(X, y, alphas=100, precompute=True)[1]


# ----------------------------------------------------------------------------- Gram, read sum
def _fast_gram(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    from fastnorm.linear_model._gram import gram_stats

    return gram_stats(X, y).G


def _numpy_gram(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    # what the same statistics cost through BLAS (float64 accumulation, centred)
    X = np.asarray(X, dtype=np.float64)
    mu = X.mean(axis=0)
    X.T @ (y - y.mean())
    return X.T @ X - X.shape[0] * np.outer(mu, mu)


def _fast_read(X: np.ndarray, y: np.ndarray) -> float:
    from fastnorm._config import run
    from fastnorm._kernels.stream import stream_sum

    return run(stream_sum, X.size, X.reshape(-1))


def _numpy_read(X: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum(X, dtype=np.float64))


def _check_close(rtol: float):
    def check(fast: Any, base: Any, dtype: Any) -> None:
        f, b = np.asarray(fast, dtype=np.float64), np.asarray(base, dtype=np.float64)
        np.testing.assert_allclose(f, b, rtol=0, atol=rtol * np.abs(b).max())

    return check


def cases() -> list:
    """The linear-model workloads (a list of :class:`fastnorm.benchmarks.cases.Case`)."""
    # imported here: the registry imports this module while it is itself initialising
    from fastnorm.benchmarks.cases import Case

    both = (np.float64, np.float32)
    xb = _nbytes
    return [
        Case("linear/epoch", "linear_model", _make_epoch, _fast_epoch,
             {"numpy": _numpy_epoch}, xb, SIZES, both, _check_grad),
        Case("linear/lasso-fit", "linear_model", _make, _fast_lasso,
             {"sklearn": _sk_lasso, "sklearn-gram": _sk_lasso_gram}, xb, SIZES, both,
             _check_coef(50.0)),
        Case("linear/ridge-fit", "linear_model", _make, _fast_ridge,
             {"sklearn": _sk_ridge}, xb, SIZES, both, _check_coef(1.0)),
        Case("linear/sgd-fit", "linear_model", _make, _fast_sgd,
             {"sklearn-SGDRegressor": _sk_sgd}, xb, SIZES, (np.float64,),
             _check_coef(500.0)),
        Case("linear/lasso-path", "linear_model", _make, _fast_path,
             {"sklearn-gram": _sk_path}, xb, SIZES, (np.float64,), _check_coef(50.0)),
        Case("linear/gram-stats", "linear_model", _make, _fast_gram,
             {"numpy": _numpy_gram}, xb, SIZES, both, _check_close(1e-9)),
        Case("linear/read-sum", "linear_model", _make, _fast_read,
             {"numpy": _numpy_read}, lambda a: int(a[0].nbytes), SIZES, both,
             _check_close(1e-6), frozenset({"internal"})),  # a reference kernel, not a user case
    ]  # fmt: skip


def gram_report(n: int = 200_000, reps: int = 5, only: str | None = None) -> dict[str, float]:
    """Print the Gram-solver figures of the issue in one run: medians of interleaved repeats,
    beside the streaming-read bandwidth (a plain prange sum over the same X) measured in the
    same loop.  ``python -c "from fastnorm.benchmarks.cases_linear import gram_report as g;
    g()"``.  Needs scikit-learn.  Returns the medians (seconds).
    """
    import platform
    import time
    import warnings
    from time import perf_counter

    import numba
    import sklearn
    import sklearn.linear_model as lm

    from fastnorm._config import get_num_threads, run
    from fastnorm._kernels.stream import stream_sum
    from fastnorm.linear_model import Lasso
    from fastnorm.linear_model._gram import gram_stats
    from fastnorm.linear_model._path import LassoCV, lasso_path

    warnings.simplefilter("ignore")
    X, y = _make(n, np.float64, np.random.default_rng(0))
    X32, Xf = X.astype(np.float32), np.asfortranarray(X)
    calls = {
        "read-sum f64 (prange)": lambda: run(stream_sum, X.size, X.reshape(-1)),
        "gram_stats f64 C": lambda: gram_stats(X, y),
        "gram_stats f64 F": lambda: gram_stats(Xf, y),
        "gram_stats f32 C": lambda: gram_stats(X32, y),
        "numpy X.T@X f64 (BLAS)": lambda: X.T @ X,
        "lasso_path 100 fastnorm": lambda: lasso_path(X, y, n_alphas=100),
        "lasso_path 100 sklearn gram, C input": lambda: lm.lasso_path(
            X, y, alphas=100, precompute=True
        ),
        "lasso_path 100 sklearn gram, F input": lambda: lm.lasso_path(
            Xf, y, alphas=100, precompute=True
        ),
        "Lasso(0.01) fastnorm": lambda: Lasso(alpha=ALPHA).fit(X, y),
        "Lasso(0.01) sklearn": lambda: lm.Lasso(alpha=ALPHA).fit(X, y),
        "Lasso(0.01) sklearn precompute": lambda: lm.Lasso(alpha=ALPHA, precompute=True).fit(X, y),
        "LassoCV(cv=5) fastnorm": lambda: LassoCV(cv=5).fit(X, y),
        "LassoCV(cv=5) sklearn precompute": lambda: lm.LassoCV(cv=5, precompute=True).fit(X, y),
    }
    if only:
        keys = [o.strip() for o in only.split(",")]
        calls = {
            k: v for k, v in calls.items() if k.startswith("read") or any(o in k for o in keys)
        }
    for f in calls.values():
        f()
    times: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(reps):
        for k, f in calls.items():
            # let the previous call's idle BLAS/OpenMP threads stop spinning: OpenBLAS
            # threads busy-wait ~0.1 s after a call and slowed the next numba call 4x at 16
            # threads in a first run
            time.sleep(0.3)
            t = perf_counter()
            f()
            times[k].append(perf_counter() - t)
    med = {k: float(np.median(v)) for k, v in times.items()}
    read = med["read-sum f64 (prange)"]
    print(
        f"{platform.machine()}, {get_num_threads()} threads, numpy {np.__version__}, numba "
        f"{numba.__version__}, scikit-learn {sklearn.__version__}; X {n}x{NCOLS} float64 "
        f"({X.nbytes / 1e6:.0f} MB), streaming read {X.nbytes / read / 1e9:.1f} GB/s"
    )
    for k, v in med.items():
        print(f"  {k:40s} {v * 1e3:9.1f} ms  {v / read:7.1f} x one read of X")
    pairs = [
        ("lasso_path 100 sklearn gram, C input", "lasso_path 100 fastnorm"),
        ("lasso_path 100 sklearn gram, F input", "lasso_path 100 fastnorm"),
        ("Lasso(0.01) sklearn", "Lasso(0.01) fastnorm"),
        ("Lasso(0.01) sklearn precompute", "Lasso(0.01) fastnorm"),
        ("LassoCV(cv=5) sklearn precompute", "LassoCV(cv=5) fastnorm"),
        ("numpy X.T@X f64 (BLAS)", "gram_stats f64 C"),
    ]
    for base, fast in pairs:
        if base in med and fast in med:
            print(f"  speed-up {fast} vs {base}: {med[base] / med[fast]:.2f}x")
    return med
