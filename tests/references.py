"""Reference implementations the tests compare fastnorm with (stumpy's ``naive.py`` idea).

Each reference is independent of fastnorm's kernels: numpy evaluated on a float64/complex128
upcast, and ``math.fsum`` with power-of-two scaling for results numpy cannot represent.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def upcast(x: np.ndarray) -> np.ndarray:
    """float64 (or complex128) copy of ``x``, so numpy's own rounding does not dominate."""
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return x.astype(np.complex128)
    if x.dtype.kind in "fbiu":
        return x.astype(np.float64)
    return x


def numpy_result_dtype(x: np.ndarray) -> np.dtype:
    """The dtype ``np.linalg.norm`` returns for input ``x``."""
    x = np.asarray(x)
    if x.dtype.kind in "biu":
        return np.dtype(np.float64)
    dt = x.real.dtype if x.dtype.kind == "c" else x.dtype
    return dt.newbyteorder("=")


def ref_norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """numpy.linalg.norm on the upcast array, cast to numpy's result dtype for ``x``."""
    x = np.asarray(x)
    with np.errstate(all="ignore"):
        r = np.linalg.norm(upcast(x), ord=ord, axis=axis, keepdims=keepdims)
        dt = numpy_result_dtype(x)
        return np.asarray(r).astype(dt) if np.ndim(r) else dt.type(r)


def fsum_pnorm(values: Any, p: float = 2.0) -> float:
    """Overflow-free p-norm of a flat sequence with ``math.fsum`` (exactly rounded sums).

    Scales by a power of two near max|x| so that neither the powers nor the sum over- or
    underflow; the only roundings are the power, the fsum and the final root.
    """
    a = [abs(float(v)) for v in np.ravel(values)]
    if not a:
        return 0.0
    m = max(a)
    if m == 0.0 or math.isinf(m) or math.isnan(m):
        return m if not any(math.isnan(v) for v in a) else math.nan
    e = math.frexp(m)[1] - 1
    s = math.ldexp(1.0, e)
    total = math.fsum((v / s) ** p for v in a)
    return s * total ** (1.0 / p)


def assert_same_result(got: Any, want: Any, rtol: float, dtype: Any = None) -> None:
    """Values (NaN == NaN), shape, dtype and scalar-vs-array kind all match."""
    assert np.shape(got) == np.shape(want), (np.shape(got), np.shape(want))
    want_dtype = np.dtype(dtype) if dtype is not None else np.asarray(want).dtype
    assert np.asarray(got).dtype == want_dtype, (np.asarray(got).dtype, want_dtype)
    assert isinstance(got, np.ndarray) == isinstance(want, np.ndarray), (type(got), type(want))
    np.testing.assert_allclose(
        np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64), rtol=rtol, atol=0
    )


def ref_logistic_objective(X, y, coef, intercept, C, l1_ratio, sample_weight=None) -> float:
    """scikit-learn's logistic objective ``C * sum_i s_i loss_i + penalty`` divided by
    ``C * sum_i s_i``, in float64 (``C = inf``: the mean loss alone).

    ``y`` holds class indices 0..K-1 (binary: 0/1 with one row in ``coef``); the loss is
    ``log(1 + e^z) - y z`` (binary) or ``logsumexp(z) - z_y`` (multinomial), the penalty
    ``l1_ratio ||W||_1 + (1 - l1_ratio) / 2 ||W||_F^2`` (intercepts not penalised).
    """
    X = np.asarray(X, dtype=np.float64)
    W = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    b = np.asarray(intercept, dtype=np.float64).reshape(-1)
    y = np.asarray(y).astype(np.intp)
    sw = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    S = math.fsum(sw)
    Z = X @ W.T + b
    if W.shape[0] == 1:
        z = Z[:, 0]
        loss = np.logaddexp(0.0, z) - y * z
    else:
        m = Z.max(axis=1)
        loss = m + np.log(np.exp(Z - m[:, None]).sum(axis=1)) - Z[np.arange(len(y)), y]
    data = math.fsum(sw * loss) / S
    if not np.isfinite(C):
        return data
    pen = l1_ratio * np.abs(W).sum() + 0.5 * (1.0 - l1_ratio) * (W * W).sum()
    return data + float(pen) / (C * S)
