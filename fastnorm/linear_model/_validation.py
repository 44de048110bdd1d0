"""Validation of X, y, sample weights and parameters, for every estimator, path function,
the Dask backend and :func:`~fastnorm.linear_model.fused_epoch`.

The bottom layer of :mod:`fastnorm.linear_model`: it imports nothing from the package above
``fastnorm._kernels``.  scikit-learn is imported lazily (the path functions and
:func:`~fastnorm.linear_model._gram.gram_stats` work without it); Dask too.

X is never copied: float32 and float64 arrays in C or F order (memmaps included) are used in
place; other dtypes are converted to float64 once, other layouts are read through strides by
the Gram pass or copied once to C order by the epoch pass.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "FitInput",
    "as_float_2d",
    "check_all_finite",
    "check_finite",
    "check_min_shape",
    "is_dask",
    "per_target_alpha",
    "prepare_dask",
    "prepare_sw",
    "prepare_y",
    "validate_epoch_input",
    "validate_fit_input",
    "validate_params",
]


def per_target_alpha(alpha: Any, k: int) -> np.ndarray:
    """``alpha`` as float64 values, one or one per target (k), non-negative; scikit-learn's
    messages (Ridge's; an array alpha is fastnorm's extension for Lasso and ElasticNet)."""
    a = np.asarray(alpha, dtype=np.float64).ravel()
    if a.shape[0] not in (1, k):
        raise ValueError(
            f"Number of targets and number of penalties do not correspond: {a.shape[0]} != {k}"
        )
    if not np.all(a >= 0):
        raise ValueError("alpha values must be non-negative")
    return a


def is_dask(a: Any) -> bool:
    """True for a :class:`dask.array.Array` (without importing Dask)."""
    t = type(a)
    return t.__module__.startswith("dask.") and t.__name__ == "Array"


def sparse_check(a: Any, name: str) -> None:
    if hasattr(a, "tocsr") or type(a).__module__.startswith("scipy.sparse"):
        raise TypeError(
            f"Sparse data was passed for {name}, but dense data is required. Use '.toarray()' "
            "to convert to a dense numpy array."
        )


def check_min_shape(shape: tuple) -> None:
    """scikit-learn's errors for a 2-D X with no samples or no features."""
    for count, what in zip(shape, ("sample", "feature"), strict=True):
        if count < 1:
            raise ValueError(
                f"Found array with 0 {what}(s) (shape={tuple(shape)}) while a minimum of 1 "
                "is required."
            )


def check_finite(a: np.ndarray, name: str) -> None:
    if np.isnan(a).any():
        raise ValueError(f"Input {name} contains NaN.")
    if not np.isfinite(a).all():
        raise ValueError(
            f"Input {name} contains infinity or a value too large for {np.dtype(a.dtype)!r}."
        )


def as_float_2d(X: Any) -> np.ndarray:
    """A 2-D float32/float64 view of ``X`` (other real dtypes converted to float64)."""
    sparse_check(X, "X")
    X = np.asarray(X)  # memmap -> ndarray view, no copy
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {'scalar' if X.ndim == 0 else f'{X.ndim}D'} array instead"
        )
    if X.dtype.kind == "c":
        raise ValueError("Complex data not supported")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    check_min_shape(X.shape)
    return X


def prepare_y(y: Any, n: int) -> np.ndarray:
    """A 1-D float64 copy of ``y`` (an ``(n, 1)`` column is accepted)."""
    sparse_check(y, "y")
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")
    if y.shape[0] != n:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{n}, {y.shape[0]}]"
        )
    return np.ascontiguousarray(y, dtype=np.float64)  # n floats: cheap, X is never copied


def prepare_sw(sample_weight: Any, n: int) -> tuple[np.ndarray | None, float]:
    """Weights rescaled to sum to ``n`` (scikit-learn's elastic-net convention) and the
    factor ``n / sum(sample_weight)``; a scalar weight is a constant array."""
    if sample_weight is None:
        return None, 1.0
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n, float(sw))
    if sw.ndim != 1 or sw.shape[0] != n:
        raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n,)}!")
    check_finite(sw, "sample_weight")
    total = float(np.sum(sw))
    if not total > 0:
        raise ValueError("The sum of sample_weight must be positive.")
    scale = n / total
    return np.ascontiguousarray(sw * scale), scale


@dataclass
class FitInput:
    """Validated in-memory fit input."""

    X: np.ndarray  # (n, p) float32/float64, layout kept
    Y: np.ndarray  # (n, k) float64
    y_ndim: int  # 1 or 2, as given
    sw: np.ndarray | None  # rescaled to sum to n
    raw_sum: float  # sum of the weights as given (n without weights)


def validate_fit_input(est: Any, X: Any, y: Any, sample_weight: Any) -> FitInput:
    """``validate_data`` as scikit-learn's linear models do, without copying X.

    A scalar ``sample_weight`` is a constant weight (it matters for Ridge, whose weights are
    not rescaled).  X's NaN/inf check (a full single-threaded pass) is left to the first fused
    pass, which sends X through :func:`check_all_finite` for scikit-learn's message.
    """
    from sklearn.utils.validation import _check_sample_weight, validate_data

    if _plain_input(X, y):
        # what validate_data does to a float ndarray X and finite float y, at a tenth of its
        # ~100 us (half of a 20 x 20 fit): the feature count, no feature names
        X = np.asarray(X)  # a memmap -> its ndarray view, as check_array returns it
        est.n_features_in_ = X.shape[1]
        if hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    else:
        try:
            X, y = validate_data(
                est,
                X,
                y,
                accept_sparse=False,
                dtype=[np.float64, np.float32],
                copy=False,
                ensure_all_finite=False,
                multi_output=True,
                y_numeric=True,
            )
        except ValueError as exc:
            _name_bad_target(exc, y)
            raise
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    raw_sum = float(n)
    sw = None
    if sample_weight is not None:
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        raw_sum = float(sw.sum())
        if not raw_sum > 0:
            raise ValueError("The sum of sample_weight must be positive.")
        sw = sw * (n / raw_sum)
    Y = y.reshape(n, -1)
    return FitInput(X, Y, y.ndim, sw, raw_sum)


def _plain_input(X: Any, y: Any) -> bool:
    """Whether ``validate_data`` would return ``(X, y)`` unchanged: X a float32/float64
    ndarray (or memmap) of shape at least (1, 1), y a finite float ndarray of shape (n,) or
    (n, k >= 1).  Anything else (and every error) takes scikit-learn's own path."""
    if not (type(X) is np.ndarray or type(X) is np.memmap) or type(y) is not np.ndarray:
        return False
    if X.ndim != 2 or X.dtype not in (np.float64, np.float32) or min(X.shape) < 1:
        return False
    if y.dtype.kind != "f" or y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
        return False
    if y.ndim == 2 and y.shape[1] < 1:
        return False
    return bool(np.isfinite(y).all())


def validate_params(est: Any) -> None:
    """``est._validate_params()`` of scikit-learn, with the constraint objects and the
    parameter names made once per class (scikit-learn remakes them on every call: ~70 us,
    a fifth of a 20 x 20 fit).  A value that meets no constraint goes to scikit-learn's
    check, which raises its own error."""
    cls = type(est)
    cached = _CONSTRAINTS.get(cls)
    if cached is None or cached[0] is not cls._parameter_constraints:
        from sklearn.utils._param_validation import make_constraint

        made = {
            k: [make_constraint(c) for c in cs]
            for k, cs in cls._parameter_constraints.items()
            if not (isinstance(cs, str) and cs == "no_validation")
        }
        cached = (cls._parameter_constraints, cls._get_param_names(), made, set())
        _CONSTRAINTS[cls] = cached
    _, names, made, passed = cached
    for name in names:
        cs = made.get(name)
        if cs is None:
            continue
        v = getattr(est, name)
        # a plain scalar that met the constraints once meets them again (the type is in the
        # key: True is not 1); constraint objects' checks cost ~1 us each
        key = (name, type(v), v) if type(v) in _SCALARS else None
        if key is not None and key in passed:
            continue
        if not any(c.is_satisfied_by(v) for c in cs):
            from sklearn.base import BaseEstimator

            BaseEstimator._validate_params(est)
            return
        if key is not None and len(passed) < _PASSED_MAX:
            passed.add(key)


#: Per estimator class: (its constraints dict, its parameter names, the constraint objects,
#: the (name, type, value) of plain scalars that passed).
_CONSTRAINTS: dict = {}
_SCALARS = frozenset((bool, int, float, str, type(None)))
_PASSED_MAX = 4096


def _name_bad_target(exc: ValueError, y: Any) -> None:
    """scikit-learn's "Input y contains NaN." for a 2-D y, with the first such target named
    (raises; returns when ``exc`` is another error or y has one column)."""
    msg = str(exc)
    if not msg.startswith("Input y contains"):
        return
    try:
        Y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        return
    if Y.ndim != 2 or Y.shape[1] < 2:
        return
    bad = np.flatnonzero(~np.isfinite(Y).all(axis=0))
    if bad.size:
        raise ValueError(
            f"{msg.rstrip('.')} in target {bad[0]} (column {bad[0]} of y); no target was fitted."
        ) from None


def check_all_finite(est: Any, X: Any) -> None:
    """scikit-learn's NaN/inf check of X, with its messages (raises ValueError)."""
    from sklearn.utils.validation import _assert_all_finite

    _assert_all_finite(X, input_name="X", estimator_name=type(est).__name__)


def validate_epoch_input(
    X: Any, y: Any, coef: Any, sample_weight: Any, residual: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The checks of :func:`~fastnorm.linear_model.fused_epoch`: ``(X, y, sw)``."""
    X = np.asarray(X)
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if X.ndim != 2:
        raise ValueError(f"Expected 2D array, got {X.ndim}D array instead")
    n, p = X.shape
    y = np.asarray(y, dtype=np.float64)
    if y.shape != (n,):
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{n}, {y.shape[0]}]"
        )
    if not isinstance(coef, np.ndarray) or coef.shape != (p,):
        raise ValueError(f"coef must be an ndarray of shape ({p},)")
    sw = None
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float64)
        if sw.ndim == 0:
            sw = np.full(n, float(sw))
        if sw.shape != (n,):
            raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n,)}!")
    if residual is not None and (
        residual.shape != (n,) or residual.dtype != np.float64 or not residual.flags.c_contiguous
    ):
        raise ValueError(f"residual must be a C-contiguous float64 array of shape ({n},)")
    return X, y, sw


# ----------------------------------------------------------------------------- Dask input
_DASK_MSG = "fitting on Dask arrays needs dask[array]: pip install fastnorm[dask]"


def dask_module() -> Any:
    try:
        import dask
        import dask.array  # noqa: F401
    except ImportError as exc:  # pragma: no cover
        raise ImportError(_DASK_MSG) from exc
    return dask


def _float_chunk(b: np.ndarray) -> np.ndarray:
    """A chunk as the kernels want it: float32/float64, C- or F-contiguous (copied only
    when it is neither)."""
    if b.dtype not in (np.float32, np.float64):
        b = b.astype(np.float64)
    if not (b.flags.c_contiguous or b.flags.f_contiguous):
        b = np.ascontiguousarray(b)
    return b


def _f64_chunk(b: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(b, dtype=np.float64)


def _unknown(a: Any) -> bool:
    return any(math.isnan(c) for cs in a.chunks for c in cs)


def _check_numeric(a: Any, name: str) -> None:
    k = np.dtype(a.dtype).kind
    if k == "c":
        raise ValueError("Complex data not supported")
    if k in "USO":
        raise ValueError(
            f"dtype='numeric' is not compatible with arrays of bytes/strings ({name} has "
            f"dtype {a.dtype}). Convert your data to numeric values explicitly instead."
        )
    if k not in "biuf":
        raise ValueError(f"{name} has a non-numeric dtype {a.dtype}.")


def prepare_dask(X: Any, y: Any, sample_weight: Any = None) -> tuple[Any, Any, Any]:
    """Validate (before any work is scheduled) and lay out X, y and the weights as Dask
    arrays with the same row chunks, X in one column block.

    Returns lazy ``(X, y, sw)`` (``sw`` None or float64, *not* normalised; a scalar weight
    becomes a constant array).
    """
    dask_module()
    import dask.array as da

    if not is_dask(X):  # NumPy X with Dask y: chunk X as y is chunked
        X = np.asarray(X)
        rows = y.chunks[0] if is_dask(y) and X.ndim == 2 and y.shape[0] == len(X) else -1
        X = da.from_array(X, chunks=(rows,) + (-1,) * (X.ndim - 1))
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {'scalar' if X.ndim == 0 else f'{X.ndim}D'} array instead"
        )
    _check_numeric(X, "X")
    if _unknown(X):
        raise ValueError(
            "X has unknown (NaN) chunk sizes; call X.compute_chunk_sizes() before fitting"
        )
    n, p = X.shape
    check_min_shape(X.shape)
    if X.numblocks[1] > 1:  # chunked by rows only: each task needs whole rows
        X = X.rechunk({1: -1})
    fdtype = X.dtype if X.dtype.kind == "f" and X.dtype.itemsize in (4, 8) else np.float64
    X = X.map_blocks(_float_chunk, dtype=fdtype)

    if not is_dask(y):
        y = np.asarray(y)
        if y.ndim >= 1 and y.shape[0] == n:
            y = da.from_array(y, chunks=(X.chunks[0],) + tuple((s,) for s in y.shape[1:]))
        else:
            y = da.from_array(y)
    if y.ndim not in (1, 2):
        raise ValueError(f"y should be a 1d or 2d array, got an array of shape {y.shape}.")
    _check_numeric(y, "y")
    if _unknown(y):
        raise ValueError(
            "y has unknown (NaN) chunk sizes; call y.compute_chunk_sizes() before fitting"
        )
    if y.shape[0] != n:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{n}, {y.shape[0]}]"
        )
    if y.chunks[0] != X.chunks[0]:
        raise ValueError(
            "The row chunks of X and y are not aligned: X has "
            f"{X.chunks[0]}, y has {y.chunks[0]}. Rechunk one to match the other, e.g. "
            "y = y.rechunk({0: X.chunks[0]})."
        )
    if y.ndim == 2 and y.numblocks[1] > 1:
        y = y.rechunk({1: -1})
    y = y.map_blocks(_f64_chunk, dtype=np.float64)

    sw = None
    if sample_weight is not None:
        if isinstance(sample_weight, numbers.Number) or np.ndim(sample_weight) == 0:
            if not is_dask(sample_weight):
                sample_weight = np.full(n, float(sample_weight))
        if not is_dask(sample_weight):
            s = np.asarray(sample_weight, dtype=np.float64)
            if s.ndim != 1 or s.shape[0] != n:
                raise ValueError(f"sample_weight.shape == {s.shape}, expected {(n,)}!")
            check_finite(s, "sample_weight")
            sw = da.from_array(s, chunks=(X.chunks[0],))
        else:
            sw = sample_weight
            if sw.ndim != 1 or sw.shape[0] != n:
                raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n,)}!")
            _check_numeric(sw, "sample_weight")
            if _unknown(sw) or sw.chunks[0] != X.chunks[0]:
                raise ValueError(
                    "The chunks of sample_weight are not aligned with the row chunks of X "
                    f"({X.chunks[0]}): rechunk it with sample_weight.rechunk({{0: X.chunks[0]}})"
                )
        sw = sw.map_blocks(_f64_chunk, dtype=np.float64)
    return X, y, sw
