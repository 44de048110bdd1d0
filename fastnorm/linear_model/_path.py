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

from fastnorm._kernels.gram import cd_gram_multitask
from fastnorm.linear_model._gram import (
    GramStats,
    _aug_gram,
    _finish_stats,
    _pick_shift,
    _raise_nonfinite,
    cd_gram,
    cd_gram_path,
    gram_stats,
    gram_stats_many,
)
from fastnorm.linear_model._problem import path_progress
from fastnorm.linear_model._validation import as_float_2d, check_finite, prepare_y
from fastnorm.linear_model._workset import (
    AUTO_WS_MIN_P,
    path_prepare,
    workset_path,
)

try:  # the CV estimators are scikit-learn estimators; the path functions do not need it
    from sklearn.base import RegressorMixin
    from sklearn.linear_model._base import LinearModel
    from sklearn.model_selection import check_cv
    from sklearn.utils._param_validation import Interval, StrOptions
    from sklearn.utils.validation import _check_sample_weight, column_or_1d, validate_data

    _HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - optional extra
    _HAVE_SKLEARN = False
    RegressorMixin = LinearModel = object  # type: ignore[assignment,misc]

__all__ = ["ElasticNetCV", "LassoCV", "enet_path", "lasso_path"]

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


def _deprecated_alphas(n_alphas: Any, alphas: Any, func: str) -> Any:
    """scikit-learn 1.9's deprecation of ``n_alphas`` and ``alphas=None`` (same warnings)."""
    import warnings

    n = 100
    if not (isinstance(n_alphas, str) and n_alphas == "deprecated"):
        if (
            isinstance(n_alphas, bool)
            or not isinstance(n_alphas, numbers.Integral)
            or (n_alphas < 1)
        ):
            _invalid(func, "n_alphas", n_alphas, "an int in the range [1, inf)")
        warnings.warn(
            "'n_alphas' was deprecated in 1.9 and will be removed in 1.11. 'alphas' now "
            "accepts an integer value which removes the need to pass 'n_alphas'. The "
            "default value of 'alphas' will change from None to 100 in 1.11. Pass an "
            "explicit value to 'alphas' and leave 'n_alphas' to its default value to "
            "silence this warning.",
            FutureWarning,
            stacklevel=3,
        )
        n = int(n_alphas)
    if isinstance(alphas, str) and alphas == "warn":
        return n
    if alphas is None:
        if isinstance(n_alphas, str):
            warnings.warn(
                "'alphas=None' is deprecated and will be removed in 1.11, at which point the "
                "default value will be set to 100. Set 'alphas=100' to silence this warning.",
                FutureWarning,
                stacklevel=3,
            )
        return n
    if isinstance(alphas, str) or isinstance(alphas, bool):
        _invalid(func, "alphas", alphas, "an int in the range [1, inf), an array-like or None")
    return alphas


def _invalid(func: str, name: str, value: Any, what: str) -> None:
    msg = f"The {name!r} parameter of {func} must be {what}. Got {value!r} instead."
    try:
        from sklearn.utils._param_validation import InvalidParameterError
    except ImportError:  # pragma: no cover - the path functions work without scikit-learn
        raise ValueError(msg) from None
    raise InvalidParameterError(msg)


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
    selection: str = "cyclic",
    random_state: Any = None,
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Warm-started coordinate descent over ``alphas`` (descending) on one GramStats."""
    p = stats.Xty.shape[0]
    if selection == "cyclic" and not verbose:  # one compiled loop, same iterates
        W, gaps, n_iters = cd_gram_path(
            stats, alphas * l1_ratio, alphas * (1.0 - l1_ratio), coef_init, max_iter, tol,
            positive,
        )  # fmt: skip
        return W.astype(stats.dtype), gaps, n_iters
    coefs = np.empty((p, alphas.size), dtype=stats.dtype)
    gaps = np.empty(alphas.size)
    n_iters: list[int] = []
    w = np.zeros(p) if coef_init is None else np.asarray(coef_init, dtype=np.float64)
    for i, alpha in enumerate(alphas):
        w, gap, n_iter, _ = cd_gram(
            stats, alpha * l1_ratio, alpha * (1.0 - l1_ratio), w, max_iter, tol, positive,
            selection=selection, random_state=random_state,
        )  # fmt: skip
        coefs[:, i] = w
        gaps[i] = gap
        n_iters.append(n_iter)
        path_progress(i, alphas.size, verbose)
    return coefs, gaps, n_iters


def _wide(n: int, p: int, l1_ratio: float, precompute: Any, selection: str, alphas: Any) -> bool:
    """Whether a path runs on working sets: X wider than tall (n_samples < n_features, with
    n_features > 128) or n_features > 2048, with an L1 term, cyclic selection and no Gram
    matrix asked for."""
    if precompute is True or l1_ratio <= 0 or selection != "cyclic":
        return False
    if not isinstance(alphas, (numbers.Integral, str, type(None))):
        a = np.asarray(alphas, dtype=np.float64).reshape(-1)
        if a.size == 0 or not np.all(a > 0):  # alpha = 0 (no L1 term) or invalid: Gram
            return False
    if p > 2048:  # _base.AUTO_GRAM_MAX_P (_base needs scikit-learn; the paths do not)
        return True
    # unlike a single fit (AUTO_GRAM_MIN_RATIO), a path solves its ~100 alphas (and CV its
    # folds) on one Gram matrix: from n = p on, its n p^2 build costs less than the working
    # sets' passes over X (bench/README.md, "Paths on tall-ish X")
    return p > AUTO_WS_MIN_P and n < p


def enet_path(
    X: Any,
    y: Any,
    *,
    l1_ratio: float = 0.5,
    eps: float = 1e-3,
    n_alphas: Any = "deprecated",
    alphas: Any = "warn",
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
    works in float64 and coefficients take X's dtype.  A 2-D y gives scikit-learn's
    multi-task path (the L2,1 penalty ``alpha l1_ratio sum_j ||W_j||_2`` across targets,
    coefs of shape (n_targets, n_features, n_alphas), one gap per alpha; ``precompute``,
    ``Xy``, ``positive`` and ``selection`` do not apply to it), from one Gram pass.  A
    single target on wide X (n_samples < n_features, n_features > 128, or n_features >
    2048) runs warm-started working sets on X itself, without the O(p^2) Gram matrix;
    otherwise one Gram pass serves every alpha (scikit-learn's ``precompute="auto"``).

    Parameters
    ----------
    X : array_like (n_samples, n_features)
    y : array_like (n_samples,) or (n_samples, n_targets)
    l1_ratio : float in [0, 1]
    eps : float
        ``alpha_min / alpha_max`` of the automatic grid.
    n_alphas : int, deprecated
        Number of alphas of the automatic grid; deprecated as in scikit-learn 1.9 (a
        FutureWarning): pass ``alphas=n`` instead.
    alphas : int or array_like, default 100
        Grid size, or the alphas themselves (sorted in decreasing order).  ``None`` is
        deprecated as in scikit-learn 1.9 (a FutureWarning; it means 100).
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
        ``tol`` (1e-4), ``max_iter`` (1000), ``selection`` ('cyclic' or 'random', as in
        scikit-learn) and ``random_state``.

    Returns
    -------
    alphas : ndarray (n_alphas,)
    coefs : ndarray (n_features, n_alphas) or (n_targets, n_features, n_alphas)
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
    alphas = _deprecated_alphas(n_alphas, alphas, "enet_path")
    n_alphas = alphas if isinstance(alphas, numbers.Integral) else 100
    tol = params.pop("tol", 1e-4)
    max_iter = params.pop("max_iter", 1000)
    selection = params.pop("selection", "cyclic")
    random_state = params.pop("random_state", None)
    sample_weight = params.pop("sample_weight", None)
    params.pop("X_offset", None)
    params.pop("X_scale", None)
    params.pop("do_screening", None)
    if params:
        raise ValueError("Unexpected parameters in params", params.keys())
    if selection not in ("cyclic", "random"):
        raise ValueError("selection should be either random or cyclic.")
    if positive and np.ndim(y) > 1 and np.shape(y)[1] > 1:
        raise ValueError("positive=True is not allowed for multi-output (y.ndim != 1)")

    Xa = as_float_2d(X)
    n, p = Xa.shape
    if np.ndim(y) == 2:  # scikit-learn: the multi-task (L2,1) path, coefs (k, p, n_alphas)
        return _multitask_path(Xa, y, l1_ratio, eps, alphas, n_alphas, coef_init, max_iter,
                               tol, return_n_iter)  # fmt: skip
    if hasattr(precompute, "__array__") and not isinstance(precompute, (str, bool)):
        G = np.ascontiguousarray(precompute, dtype=np.float64)
        if G.shape != (p, p):
            raise ValueError(f"Gram matrix has shape {G.shape}, expected {(p, p)}.")
        yv = prepare_y(y, n)
        Xty = (
            np.asarray(Xy, dtype=np.float64).reshape(-1)
            if Xy is not None
            else Xa.T @ yv.astype(Xa.dtype, copy=False)
        )
        stats = GramStats(G, np.ascontiguousarray(Xty, dtype=np.float64), np.zeros(p), 0.0,
                          float(yv @ yv), float(n), n, 1.0, Xa.dtype)  # fmt: skip
    elif _wide(n, p, l1_ratio, precompute, selection, alphas):
        # wide X: warm-started working sets, never the O(p^2) Gram matrix (bench/README.md)
        del sample_weight
        pp = path_prepare(Xa, prepare_y(y, n))
        a = _resolve_alphas(alphas, n_alphas, pp.xty(), float(n), l1_ratio, eps, positive,
                            "enet_path")  # fmt: skip
        coefs, gaps, n_iters = workset_path(pp, a, l1_ratio, coef_init, max_iter, tol,
                                            positive, verbose)  # fmt: skip
        coefs = coefs.astype(Xa.dtype, copy=False)
        return (a, coefs, gaps, n_iters) if return_n_iter else (a, coefs, gaps)
    else:
        # like scikit-learn's path, sample_weight is not applied to dense data here
        del sample_weight
        stats = gram_stats(Xa, y, fit_intercept=False)
    a = _resolve_alphas(alphas, n_alphas, stats.Xty, stats.n, l1_ratio, eps, positive,
                        "enet_path")  # fmt: skip
    coefs, gaps, n_iters = _path_on_stats(
        stats, a, l1_ratio, coef_init, max_iter, tol, positive, verbose, selection, random_state
    )
    if return_n_iter:
        return a, coefs, gaps, n_iters
    return a, coefs, gaps


def _multitask_path(X, y, l1_ratio, eps, alphas, n_alphas, coef_init, max_iter, tol,
                    return_n_iter):  # fmt: skip
    """enet_path for 2-D y, as scikit-learn's: the multi-task elastic net
    ``1/(2n) ||Y - X W||_F^2 + alpha l1_ratio ||W||_21 + 0.5 alpha (1 - l1_ratio) ||W||_F^2``
    (one gap per alpha), by block coordinate descent on one Gram pass for every target."""
    Y = np.asarray(y, dtype=np.float64)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{X.shape[0]}, "
            f"{Y.shape[0]}]"
        )
    check_finite(Y, "y")
    n, p = X.shape
    k = Y.shape[1]
    stats = gram_stats_many(X, Y, fit_intercept=False)
    G = stats[0].G
    XtY = np.ascontiguousarray(np.array([s.Xty for s in stats]).T)  # (p, k)
    y_norm2 = float(np.sum(np.square(Y)))
    # scikit-learn's grid for multi-output: the largest row norm of X^T Y
    a = _resolve_alphas(alphas, n_alphas, np.sqrt(np.sum(XtY**2, axis=1)), float(n), l1_ratio,
                        eps, False, "enet_path")  # fmt: skip
    W = np.zeros((p, k)) if coef_init is None else np.array(coef_init, dtype=np.float64).T.copy()
    coefs = np.empty((k, p, a.size), dtype=X.dtype)
    gaps = np.empty(a.size)
    n_iters: list[int] = []
    QW, XtA, tmp = np.empty((p, k)), np.empty((p, k)), np.empty(k)
    for i, alpha in enumerate(a):
        gap, it = cd_gram_multitask(G, XtY, y_norm2, alpha * l1_ratio * n,
                                    alpha * (1.0 - l1_ratio) * n, W, QW, XtA, tmp,
                                    float(tol) * y_norm2, float(tol), int(max_iter))  # fmt: skip
        coefs[:, :, i] = W.T
        gaps[i] = gap / n
        n_iters.append(int(it))
    if return_n_iter:
        return a, coefs, gaps, n_iters
    return a, coefs, gaps


def lasso_path(
    X: Any,
    y: Any,
    *,
    eps: float = 1e-3,
    n_alphas: Any = "deprecated",
    alphas: Any = "warn",
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

    Drop-in for :func:`sklearn.linear_model.lasso_path` (dense; 2-D y: the multi-task path):
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
    alphas = _deprecated_alphas(n_alphas, alphas, "lasso_path")
    return enet_path(
        X,
        y,
        l1_ratio=1.0,
        eps=eps,
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


# ------------------------------------------------------------------------- cross-validation
def _contiguous(idx: np.ndarray) -> slice | None:
    """``slice`` equal to the sorted, gap-free index array ``idx`` (a KFold test fold)."""
    if idx.size and idx[-1] - idx[0] + 1 == idx.size and np.all(np.diff(idx) == 1):
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return None


def _test_mse(test: GramStats, S11: float, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Weighted mean squared error on a fold, for each column of W (intercepts b), from the
    fold's centred statistics: ``(w G w - 2 q w + yty) / sum(sw) + (mean residual)^2``."""
    GW = test.G @ W
    ss = np.einsum("ja,ja->a", W, GW) - 2.0 * (test.Xty @ W) + test.yty
    m = test.X_offset @ W + b - test.y_offset
    return np.maximum(ss, 0.0) / S11 + m * m


class _GramCV(RegressorMixin, LinearModel):
    """Shared fit of LassoCV / ElasticNetCV: one pass over X for every fold."""

    _l1_ratios: Any = None

    def _get_l1_ratios(self) -> np.ndarray:
        return np.atleast_1d(np.asarray(getattr(self, "l1_ratio", 1.0), dtype=np.float64))

    def get_metadata_routing(self) -> Any:
        """Metadata routing as scikit-learn's CV estimators: ``fit(**params)`` reaches the
        splitter's ``split`` (e.g. ``groups=``) when metadata routing is enabled."""
        from sklearn.utils._metadata_requests import MetadataRouter, MethodMapping

        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            .add(
                splitter=check_cv(self.cv),
                method_mapping=MethodMapping().add(caller="fit", callee="split"),
            )
        )

    def _grids(self, Xty: np.ndarray, n: float, l1_ratios: np.ndarray) -> list:
        """The alpha grid of each l1_ratio: scikit-learn's from ``X_c^T W y_c`` of the
        full data, or the given alphas in decreasing order (with its checks)."""
        if isinstance(self.alphas, numbers.Integral):
            grids = [
                _alpha_grid_from_xy(Xty, n, r, self.eps, self.alphas, self.positive)
                for r in l1_ratios
            ]
        else:
            from sklearn.utils import check_scalar

            for i, v in enumerate(self.alphas):  # scikit-learn's checks and messages
                check_scalar(v, f"alphas[{i}]", target_type=numbers.Real, min_val=0.0,
                             include_boundaries="left")  # fmt: skip
            a = np.asarray(self.alphas, dtype=np.float64).reshape(-1)
            grids = [np.sort(a)[::-1]] * len(l1_ratios)
        return grids

    def _gram_cv(self, X, yv, sw, folds, l1_ratios, fit_intercept, rs):
        """Every fold's path on Gram matrices from one pass over X: ``(mse, grids, full)``,
        ``full`` the statistics of all the data (the refit's)."""
        n, p = X.shape
        shift, y_shift = _pick_shift(X, yv, fit_intercept)
        S_test = []
        for _, test in folds:
            test = np.asarray(test)
            sl = _contiguous(test)
            ix: Any = sl if sl is not None else test
            Xt = X[ix]  # a view for contiguous folds
            S_test.append(_aug_gram(Xt, yv[ix], None if sw is None else sw[ix], shift, y_shift))
        all_test = np.sort(np.concatenate([np.asarray(t) for _, t in folds]))
        if all_test.size == n and np.array_equal(all_test, np.arange(n)):
            S_total = np.sum(S_test, axis=0)  # the folds partition the rows: no extra pass
        else:
            S_total = _aug_gram(X, yv, sw, shift, y_shift)
        if not np.isfinite(S_total).all():
            _raise_nonfinite(X, yv)

        def stats_of(S: np.ndarray, n_rows: int) -> GramStats:
            c = n_rows / S[p + 1, p + 1] if sw is not None else 1.0
            return _finish_stats(c * S, shift, y_shift, fit_intercept, n_rows, c, X.dtype)

        full = stats_of(S_total, n)
        grids = self._grids(full.Xty, full.n, l1_ratios)
        mse = np.empty((len(l1_ratios), len(folds), grids[0].size))
        for r, (l1r, grid) in enumerate(zip(l1_ratios, grids, strict=True)):
            for k, ((train, test), S_k) in enumerate(zip(folds, S_test, strict=True)):
                n_test = int(np.asarray(test).size)
                n_train = int(np.asarray(train).size)
                if n_train + n_test == n:
                    S_train = S_total - S_k
                else:  # overlapping or partial splitters: read the training rows
                    tr = np.asarray(train)
                    S_train = _aug_gram(
                        X[tr], yv[tr], None if sw is None else sw[tr], shift, y_shift
                    )
                st = stats_of(S_train, n_train)
                W, _, _ = _path_on_stats(st, grid, float(l1r), None, self.max_iter, self.tol,
                                         self.positive, self.verbose, self.selection,
                                         rs)  # fmt: skip
                W = W.astype(np.float64)
                b = st.y_offset - st.X_offset @ W if fit_intercept else np.zeros(grid.size)
                te = _finish_stats(S_k, shift, y_shift, True, n_test, 1.0, X.dtype)
                mse[r, k] = _test_mse(te, S_k[p + 1, p + 1], W, b)

        return mse, grids, full

    def _workset_cv(self, X, yv, sw, folds, l1_ratios, fit_intercept):
        """Every fold's path on working sets (wide X): ``(mse, grids)``.

        A training fold is the full X with the test rows at weight zero (the working-set
        passes take weights: X is not copied; the other rows cost their share of each
        pass), the training weights rescaled to sum to n, so the objective is scikit-learn's
        on ``X[train]``.  The test rows are gathered once per fold for the errors."""
        from fastnorm.linear_model._data import NumpyPass
        from fastnorm.linear_model._workset import _Prepared

        n, p = X.shape
        s_all = np.ones(n) if sw is None else sw
        full = _Prepared(NumpyPass(X, yv, s_all * (n / s_all.sum())), fit_intercept, self, X)
        grids = self._grids(full.xty(), float(n), l1_ratios)
        mse = np.empty((len(l1_ratios), len(folds), grids[0].size))
        for k, (train, test) in enumerate(folds):
            train, test = np.asarray(train), np.asarray(test)
            w_fold = np.zeros(n)
            np.add.at(w_fold, train, s_all[train])  # a row drawn twice counts twice
            w_fold *= n / w_fold.sum()
            pp = _Prepared(NumpyPass(X, yv, w_fold), fit_intercept, None, X)
            Xt = np.asarray(X[test], dtype=np.float64)
            st = s_all[test]
            for r, (l1r, grid) in enumerate(zip(l1_ratios, grids, strict=True)):
                W, _, _ = workset_path(pp, grid, float(l1r), None, self.max_iter, self.tol,
                                       self.positive, self.verbose, polish=0)  # fmt: skip
                b = pp.y_off - pp.xoff @ W if fit_intercept else np.zeros(grid.size)
                res = Xt @ W + b - yv[test][:, None]
                mse[r, k] = (st @ (res * res)) / st.sum()
        return mse, grids

    def fit(self, X: Any, y: Any, sample_weight: Any = None, **params: Any) -> Any:
        """Fit the model along a path of alphas, choosing alpha (and l1_ratio) by
        cross-validation, then refit on all the data (through the estimator).

        X is read once for all folds: each test fold's statistics are accumulated (a
        contiguous fold, as KFold makes, is read in place; other splitters gather the fold's
        rows), the training statistics of a fold are the total minus the fold's, and the test
        error of every alpha comes from the fold's statistics too.

        Parameters
        ----------
        X : array_like (n_samples, n_features)
        y : array_like (n_samples,)
        sample_weight : float or array_like (n_samples,), optional
            Used for fitting and for the weighted test MSE of each fold, as scikit-learn does.
        **params
            Routed to the CV splitter (e.g. ``groups``) when scikit-learn's metadata routing
            is enabled (``sklearn.set_config(enable_metadata_routing=True)``), as
            scikit-learn's estimator does; an error otherwise.

        Returns
        -------
        self
        """
        from sklearn.utils._metadata_requests import _raise_for_params
        from sklearn.utils.metadata_routing import (
            _manual_routing,
            _routing_enabled,
            process_routing,
        )

        _raise_for_params(params, self, "fit")
        self._validate_params()
        X, y = validate_data(
            self, X, y, accept_sparse=False, dtype=[np.float64, np.float32],
            ensure_all_finite=False, y_numeric=True, multi_output=True,
        )  # fmt: skip
        if y.ndim > 1:
            if y.shape[1] > 1:
                raise ValueError(f"For multi-task outputs, use MultiTask{type(self).__name__}")
            y = column_or_1d(y, warn=True)
        X = as_float_2d(X)
        n, p = X.shape
        yv = prepare_y(y, n)
        sw = None
        if sample_weight is not None:
            sw = np.ascontiguousarray(
                _check_sample_weight(sample_weight, X, dtype=np.float64), dtype=np.float64
            )
        l1_ratios = self._get_l1_ratios()
        fit_intercept = bool(self.fit_intercept)
        if _routing_enabled():
            routed = process_routing(self, "fit", sample_weight=sample_weight, **params)
        else:
            routed = _manual_routing({"splitter": {}})
        folds = list(check_cv(self.cv).split(X, yv, **routed.splitter.split))
        rs = self.random_state

        if all(_wide(n, p, float(r), self.precompute, self.selection, self.alphas)
               for r in l1_ratios):  # fmt: skip
            # wide X: working sets per fold, warm-started along the path, never a p x p
            # Gram matrix per fold
            mse, grids = self._workset_cv(X, yv, sw, folds, l1_ratios, fit_intercept)
            full = None
        else:
            mse, grids, full = self._gram_cv(X, yv, sw, folds, l1_ratios, fit_intercept, rs)

        mean_mse = mse.mean(axis=1)
        self.mse_path_ = np.squeeze(np.moveaxis(mse, 2, 1))
        best = np.inf
        for l1r, grid, m in zip(l1_ratios, grids, mean_mse, strict=True):
            i = int(np.argmin(m))
            if m[i] < best:
                best, best_alpha, best_l1r = m[i], grid[i], float(l1r)
        self.alpha_ = float(best_alpha)
        if hasattr(self, "l1_ratio"):
            self.l1_ratio_ = best_l1r
        if isinstance(self.alphas, numbers.Integral):
            self.alphas_ = np.asarray(grids)
            if len(l1_ratios) == 1:
                self.alphas_ = self.alphas_[0]
        else:
            self.alphas_ = np.asarray(grids[0])

        # the refit is the estimator's own fit, on the statistics already computed
        from fastnorm.linear_model._coordinate import ElasticNet
        from fastnorm.linear_model._data import NumpyBackend
        from fastnorm.linear_model._fit import fit_on

        model = ElasticNet(
            alpha=self.alpha_, l1_ratio=best_l1r, fit_intercept=fit_intercept,
            max_iter=self.max_iter, tol=self.tol, positive=self.positive,
            solver="gram" if full is not None else "auto", selection=self.selection,
            random_state=rs,
        )  # fmt: skip
        if full is None:
            model.fit(X, yv, sample_weight=sw)
        else:
            raw_sum = float(sw.sum()) if sw is not None else float(n)
            swn = None if sw is None else sw * (n / raw_sum)
            backend = NumpyBackend(model, X, yv[:, None], swn, raw_sum, fit_intercept, 1,
                                   {0: full})  # fmt: skip
            fit_on(model, backend)
        self.coef_ = model.coef_
        self.intercept_ = model.intercept_
        self.dual_gap_ = model.dual_gap_
        self.n_iter_ = model.n_iter_
        return self


_CV_DOC = """
    Cross-validation over a path of alphas, fitted by coordinate descent on Gram matrices:
    X is read once for every fold (a fold's training Gram matrix is the total minus the
    held-out fold's), and the held-out errors come from the held-out statistics, so the cost
    beyond one pass over X is independent of n_samples.  Same parameters, attributes and
    selection rule as scikit-learn's estimator of the same name (``selection="random"`` with
    ``random_state`` as in scikit-learn); ``precompute``, ``copy_X`` and ``n_jobs`` are
    accepted for compatibility (X is never copied, the folds share one pass over X instead
    of jobs).  On wide X (n_samples < n_features, n_features > 128, or n_features > 2048;
    with an L1 term and cyclic selection) each fold's path runs warm-started working sets
    on X itself, the held-out rows at weight zero, and no p x p matrix is formed.  The final
    refit is :class:`~fastnorm.linear_model.ElasticNet`'s own fit on the statistics of the
    full data.

    Attributes
    ----------
    alpha_ : float
    alphas_ : ndarray
    mse_path_ : ndarray of shape (n_alphas, n_folds) (with a leading l1_ratio axis when
        several are tried)
    coef_ : ndarray of shape (n_features,), X's dtype
    intercept_ : float
    dual_gap_ : float
    n_iter_ : int
"""

_CV_CONSTRAINTS: dict = (
    {
        "eps": [Interval(numbers.Real, 0, None, closed="neither")],
        "alphas": [Interval(numbers.Integral, 1, None, closed="left"), "array-like"],
        "fit_intercept": ["boolean"],
        "precompute": [StrOptions({"auto"}), "array-like", "boolean"],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "copy_X": ["boolean"],
        "cv": ["cv_object"],
        "verbose": ["verbose"],
        "n_jobs": [numbers.Integral, None],
        "positive": ["boolean"],
        "random_state": ["random_state"],
        "selection": [StrOptions({"cyclic", "random"})],
    }
    if _HAVE_SKLEARN
    else {}
)


class LassoCV(_GramCV):
    __doc__ = (
        """Lasso with the regularisation chosen by cross-validation (scikit-learn's LassoCV).
"""
        + _CV_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import LassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 6))
    >>> y = X @ np.array([2.0, 0.0, 0.0, -1.0, 0.0, 0.0]) + 0.1 * rng.standard_normal(200)
    >>> model = LassoCV(cv=5).fit(X, y)
    >>> np.flatnonzero(np.abs(model.coef_) > 0.1)
    array([0, 3])
    """
    )

    _parameter_constraints: dict = _CV_CONSTRAINTS

    def __init__(
        self,
        *,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        copy_X=True,
        cv=None,
        verbose=False,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
    ):
        if not _HAVE_SKLEARN:  # pragma: no cover
            raise ImportError("LassoCV needs scikit-learn: pip install fastnorm[sklearn]")
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.copy_X = copy_X
        self.cv = cv
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection


class ElasticNetCV(_GramCV):
    __doc__ = (
        """Elastic net with alpha and l1_ratio chosen by cross-validation (scikit-learn's
    ElasticNetCV); ``l1_ratio`` may be a list, tried in turn on the same fold statistics.
"""
        + _CV_DOC
        + """    l1_ratio_ : float

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import ElasticNetCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 6))
    >>> y = X @ np.array([2.0, 0.0, 0.0, -1.0, 0.0, 0.0]) + 0.1 * rng.standard_normal(200)
    >>> model = ElasticNetCV(l1_ratio=[0.5, 0.9], cv=5).fit(X, y)
    >>> model.mse_path_.shape
    (2, 100, 5)
    """
    )

    _parameter_constraints: dict = (
        {
            **_CV_CONSTRAINTS,
            "l1_ratio": [Interval(numbers.Real, 0, 1, closed="both"), "array-like"],
        }  # fmt: skip
        if _HAVE_SKLEARN
        else {}
    )

    def __init__(
        self,
        *,
        l1_ratio=0.5,
        eps=1e-3,
        alphas=100,
        fit_intercept=True,
        precompute="auto",
        max_iter=1000,
        tol=1e-4,
        cv=None,
        copy_X=True,
        verbose=0,
        n_jobs=None,
        positive=False,
        random_state=None,
        selection="cyclic",
    ):
        if not _HAVE_SKLEARN:  # pragma: no cover
            raise ImportError("ElasticNetCV needs scikit-learn: pip install fastnorm[sklearn]")
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.alphas = alphas
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.tol = tol
        self.cv = cv
        self.copy_X = copy_X
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
