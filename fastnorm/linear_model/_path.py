"""Regularisation paths (``lasso_path``, ``enet_path``) and their cross-validated estimators,
on the Gram solver: X is read once for the whole path (once for all folds in CV).

Same signatures, defaults, alpha grids and return values as scikit-learn's functions of the
same names; like scikit-learn's, the paths fit no intercept (centre X and y yourself, or use
the estimators).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from fastnorm.linear_model._gram import (
    GramStats,
    _as_float_2d,
    _prepare_y,
    cd_gram,
    gram_stats,
)

__all__ = ["enet_path", "lasso_path"]

_RESOLUTION = np.finfo(np.float64).resolution


def _alpha_grid_from_xy(
    Xy: np.ndarray, n: float, l1_ratio: float, eps: float, n_alphas: int, positive: bool
) -> np.ndarray:
    """scikit-learn's ``_alpha_grid`` given X^T y (centred and weighted as the fit is)."""
    if l1_ratio == 0:
        raise ValueError(
            "Automatic alpha grid generation is not supported for"
            " l1_ratio=0. Please supply a grid by providing "
            "your estimator with the appropriate `alphas=` "
            "argument."
        )
    if not positive:
        alpha_max = np.sqrt(np.max(Xy**2)) / (n * l1_ratio)
    else:
        alpha_max = max(0, np.max(Xy)) / (n * l1_ratio)
    if alpha_max <= _RESOLUTION:
        return np.full(n_alphas, _RESOLUTION)
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas)


def _check_real(value: Any, name: str, func: str, lo: float, hi: float | None, closed: str):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        v = float(value)
        ok = (v >= lo if closed[0] == "[" else v > lo) and (
            hi is None or (v <= hi if closed[1] == "]" else v < hi)
        )
    if not ok:
        rng = f"{closed[0]}{lo}, {'inf' if hi is None else hi}{closed[1]}"
        raise ValueError(
            f"The '{name}' parameter of {func} must be a float in the range {rng}. "
            f"Got {value!r} instead."
        )


def _resolve_alphas(
    alphas: Any, n_alphas: int, stats_xy: np.ndarray, n: float, l1_ratio: float, eps: float,
    positive: bool, func: str,
) -> np.ndarray:  # fmt: skip
    if alphas is None or isinstance(alphas, str):
        alphas = int(n_alphas)
    if isinstance(alphas, numbers.Integral) and not isinstance(alphas, bool):
        if alphas < 1:
            raise ValueError(
                f"The 'alphas' parameter of {func} must be an int in the range [1, inf) or "
                f"an array-like. Got {alphas!r} instead."
            )
        return _alpha_grid_from_xy(stats_xy, n, l1_ratio, eps, int(alphas), positive)
    a = np.asarray(alphas, dtype=np.float64).reshape(-1)
    if a.size == 0:
        raise ValueError("alphas must contain at least one value.")
    if not np.isfinite(a).all() or (a < 0).any():
        raise ValueError("alphas must be non-negative finite numbers.")
    if a.size > 1:
        a = np.sort(a)[::-1]
    return a


def _path_on_stats(
    stats: GramStats,
    alphas: np.ndarray,
    l1_ratio: float,
    coef_init: Any,
    max_iter: int,
    tol: float,
    positive: bool,
    verbose: Any = False,
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Warm-started coordinate descent over ``alphas`` (descending) on one GramStats."""
    p = stats.Xty.shape[0]
    coefs = np.empty((p, alphas.size), dtype=stats.dtype)
    gaps = np.empty(alphas.size)
    n_iters: list[int] = []
    w = np.zeros(p) if coef_init is None else np.asarray(coef_init, dtype=np.float64)
    for i, alpha in enumerate(alphas):
        w, gap, n_iter, _ = cd_gram(
            stats, alpha * l1_ratio, alpha * (1.0 - l1_ratio), w, max_iter, tol, positive
        )
        coefs[:, i] = w
        gaps[i] = gap
        n_iters.append(n_iter)
        if verbose:
            if verbose > 1:
                print(f"Path: {i:03d} out of {alphas.size:03d}")
            else:
                import sys

                sys.stderr.write(".")
    return coefs, gaps, n_iters


def enet_path(
    X: Any,
    y: Any,
    *,
    l1_ratio: float = 0.5,
    eps: float = 1e-3,
    n_alphas: int = 100,
    alphas: Any = None,
    precompute: Any = "auto",
    Xy: Any = None,
    copy_X: bool = True,
    coef_init: Any = None,
    verbose: Any = False,
    return_n_iter: bool = False,
    positive: bool = False,
    check_input: bool = True,
    **params: Any,
) -> tuple:
    """Elastic-net path by coordinate descent on the Gram matrix (computed once).

    Drop-in for :func:`sklearn.linear_model.enet_path` (dense, single target): minimises
    ``1/(2n) ||y - Xw||^2 + alpha l1_ratio ||w||_1 + 0.5 alpha (1 - l1_ratio) ||w||^2`` for
    each alpha, from the largest, each fit warm-started from the previous one.  No intercept
    is fitted (as in scikit-learn).  X is read once, in place (never copied); the solver
    works in float64 and coefficients take X's dtype.

    Parameters
    ----------
    X : array_like (n_samples, n_features)
    y : array_like (n_samples,)
    l1_ratio : float in [0, 1]
    eps : float
        ``alpha_min / alpha_max`` of the automatic grid.
    n_alphas : int
        Number of alphas of the automatic grid (when ``alphas`` is None).
    alphas : int or array_like, optional
        Grid size, or the alphas themselves (sorted in decreasing order).
    precompute : 'auto', bool or array_like (n_features, n_features)
        A precomputed Gram matrix ``X.T @ X`` is used as is; any other value computes it.
    Xy : array_like (n_features,), optional
        Precomputed ``X.T @ y`` (used only with a precomputed Gram matrix).
    copy_X, check_input : bool
        Accepted for compatibility; X is never copied or modified.
    coef_init : array_like (n_features,), optional
    verbose : bool or int
    return_n_iter : bool
    positive : bool
    **params
        ``tol`` (1e-4), ``max_iter`` (1000), ``selection`` ('cyclic' only).

    Returns
    -------
    alphas : ndarray (n_alphas,)
    coefs : ndarray (n_features, n_alphas)
    dual_gaps : ndarray (n_alphas,)
    n_iters : list of int, if ``return_n_iter``

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._path import enet_path
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    >>> alphas, coefs, gaps = enet_path(X, np.array([1.0, 2.0, 3.1]), alphas=3)
    >>> alphas.shape, coefs.shape
    ((3,), (2, 3))
    """
    _check_real(l1_ratio, "l1_ratio", "enet_path", 0.0, 1.0, "[]")
    _check_real(eps, "eps", "enet_path", 0.0, None, "()")
    tol = params.pop("tol", 1e-4)
    max_iter = params.pop("max_iter", 1000)
    selection = params.pop("selection", "cyclic")
    params.pop("random_state", None)
    sample_weight = params.pop("sample_weight", None)
    params.pop("X_offset", None)
    params.pop("X_scale", None)
    params.pop("do_screening", None)
    if params:
        raise ValueError("Unexpected parameters in params", params.keys())
    if selection != "cyclic":
        raise ValueError("selection should be 'cyclic' (fastnorm has no random selection).")
    if positive and np.ndim(y) > 1 and np.shape(y)[1] > 1:
        raise ValueError("positive=True is not allowed for multi-output (y.ndim != 1)")

    Xa = _as_float_2d(X)
    n, p = Xa.shape
    if hasattr(precompute, "__array__") and not isinstance(precompute, (str, bool)):
        G = np.ascontiguousarray(precompute, dtype=np.float64)
        if G.shape != (p, p):
            raise ValueError(f"Gram matrix has shape {G.shape}, expected {(p, p)}.")
        yv = _prepare_y(y, n)
        Xty = (
            np.asarray(Xy, dtype=np.float64).reshape(-1)
            if Xy is not None
            else Xa.T @ yv.astype(Xa.dtype, copy=False)
        )
        stats = GramStats(G, np.ascontiguousarray(Xty, dtype=np.float64), np.zeros(p), 0.0,
                          float(yv @ yv), float(n), n, 1.0, Xa.dtype)  # fmt: skip
    else:
        # like scikit-learn's path, sample_weight is not applied to dense data here
        del sample_weight
        stats = gram_stats(Xa, y, fit_intercept=False)
    a = _resolve_alphas(alphas, n_alphas, stats.Xty, stats.n, l1_ratio, eps, positive,
                        "enet_path")  # fmt: skip
    coefs, gaps, n_iters = _path_on_stats(
        stats, a, l1_ratio, coef_init, max_iter, tol, positive, verbose
    )
    if return_n_iter:
        return a, coefs, gaps, n_iters
    return a, coefs, gaps


def lasso_path(
    X: Any,
    y: Any,
    *,
    eps: float = 1e-3,
    n_alphas: int = 100,
    alphas: Any = None,
    precompute: Any = "auto",
    Xy: Any = None,
    copy_X: bool = True,
    coef_init: Any = None,
    verbose: Any = False,
    return_n_iter: bool = False,
    positive: bool = False,
    **params: Any,
) -> tuple:
    """Lasso path by coordinate descent on the Gram matrix (computed once).

    Drop-in for :func:`sklearn.linear_model.lasso_path` (dense, single target):
    :func:`enet_path` with ``l1_ratio=1``.  No intercept is fitted (as in scikit-learn).

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._path import lasso_path
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    >>> alphas, coefs, gaps = lasso_path(X, np.array([1.0, 2.0, 3.1]), alphas=[5.0, 1.0, 0.5])
    >>> np.round(coefs, 4)
    array([[0.    , 0.    , 0.    ],
           [0.242 , 0.4159, 0.4377]])
    """
    _check_real(eps, "eps", "lasso_path", 0.0, None, "()")
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
        n_alphas=n_alphas,
        alphas=alphas,
        precompute=precompute,
        Xy=Xy,
        copy_X=copy_X,
        coef_init=coef_init,
        verbose=verbose,
        return_n_iter=return_n_iter,
        positive=positive,
        **params,
    )
