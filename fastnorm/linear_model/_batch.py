"""Many independent small problems at once: :class:`BatchLasso`, :class:`BatchElasticNet`
and :class:`BatchRidge`.

One model per problem, the problems given either as a stack (X of shape (b, n, p), y of
shape (b, n); NumPy or a Dask stack chunked along the problems) or as one X with a
``groups`` label per row (one model per label).  One parallel kernel
(``_kernels/multitarget.py: batch_gram_cd``) takes each problem from its rows to its
coefficients: the shift, Gram statistics and centring of its single fit (grouped rows are
gathered into a small per-problem buffer: X is never copied), then that fit's serial
coordinate descent to its own duality gap.  Every problem's coefficients and ``n_iter_``
are those of its own single fit (``Lasso(...).fit(X[g], y[g])``): the statistics are
bit-identical and each problem runs the same coordinate descent.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np

from fastnorm._config import run
from fastnorm._kernels.gram import gram_rows
from fastnorm._kernels.multitarget import batch_gram_cd, group_order
from fastnorm.linear_model._base import BaseEstimator, Interval, check_is_fitted
from fastnorm.linear_model._gram import _ACC_BYTES, _GROUPS
from fastnorm.linear_model._validation import check_finite, is_dask, sparse_check

__all__ = ["BatchElasticNet", "BatchLasso", "BatchRidge"]


class _Batch:
    """The validated problems: rows ``starts[g]:starts[g+1]`` of ``X2[order]`` (of ``X2``
    when ``order`` is empty), with ``y`` and ``sw`` already in that order."""

    def __init__(self, X: Any, y: Any, groups: Any, sample_weight: Any, first: int = 0) -> None:
        sparse_check(X, "X")
        X = np.asarray(X)
        if X.dtype.kind == "c":
            raise ValueError("Complex data not supported")
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        y = np.asarray(y, dtype=np.float64)
        if groups is None:
            if X.ndim != 3:
                raise ValueError(
                    "Without groups, X must have shape (n_problems, n_samples, n_features); "
                    f"got {X.ndim}D. Pass groups= to fit one model per label of a 2D X."
                )
            b, n, p = X.shape
            if y.shape != (b, n):
                raise ValueError(f"y must have shape {(b, n)} (one row per problem); got {y.shape}")
            self.labels = np.arange(first, first + b)  # a Dask chunk's global numbers
            self.X2 = np.ascontiguousarray(X).reshape(b * n, p)  # a view when C-contiguous
            self.order = np.empty(0, dtype=np.int64)
            self.starts = np.arange(b + 1, dtype=np.int64) * n
            self.y = y.reshape(-1)
            sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
            if sw is not None and sw.shape != (b, n):
                raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(b, n)}!")
            self.sw = None if sw is None else sw.reshape(-1)
            what = "problem"
        else:
            if X.ndim != 2:
                raise ValueError(
                    f"With groups, X must be 2D (n_samples, n_features); got {X.ndim}D"
                )
            n, p = X.shape
            groups = np.asarray(groups)
            if y.shape != (n,) or groups.shape != (n,):
                raise ValueError(
                    f"y and groups must have shape ({n},); got {y.shape} and {groups.shape}"
                )
            if groups.dtype.kind == "f" and np.isnan(groups).any():
                raise ValueError("groups contains NaN")
            # one stable sort (none when the rows are already grouped): the labels come out
            # sorted, as np.unique's, without its second sort for the inverse
            if n > 1 and bool(np.all(groups[1:] >= groups[:-1])):
                self.order = np.empty(0, dtype=np.int64)
                gs = groups
            else:
                self.order = _group_order(groups)
                gs = groups[self.order]
            cut = np.flatnonzero(gs[1:] != gs[:-1]) + 1
            self.starts = np.concatenate(([0], cut, [n])).astype(np.int64)
            self.labels = gs[self.starts[:-1]]
            self.X2 = X
            self.y = y[self.order] if self.order.size else y
            sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
            if sw is not None and sw.shape != (n,):
                raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n,)}!")
            self.sw = sw[self.order] if sw is not None and self.order.size else sw
            what = "group"
        self.what = what
        self.p = p
        self.dtype = X.dtype
        if not (self.X2.flags.c_contiguous or self.X2.flags.f_contiguous):
            self.X2 = np.ascontiguousarray(self.X2)
        self.sizes = np.diff(self.starts)
        small = np.flatnonzero(self.sizes < 2)
        if small.size:
            raise ValueError(
                f"{what} {self.name(small[0])} has {self.sizes[small[0]]} sample(s); every "
                f"{what} needs at least 2 ({small.size} {what}(s) too small)"
            )
        self._check_finite_rows(self.y, "y")
        self.raw_sum = self.sizes.astype(np.float64)
        if self.sw is not None:
            self._check_finite_rows(self.sw, "sample_weight")
            if np.any(self.sw < 0):
                raise ValueError("Negative values in data passed to sample_weight")
            self._rescale_weights()

    @property
    def n_problems(self) -> int:
        return self.starts.shape[0] - 1

    def name(self, g: int) -> str:
        return repr(self.labels[g].item() if hasattr(self.labels[g], "item") else self.labels[g])

    def _check_finite_rows(self, v: np.ndarray, what: str) -> None:
        if np.isfinite(v).all():
            return
        g = int(np.searchsorted(self.starts, np.flatnonzero(~np.isfinite(v))[0], "right") - 1)
        raise ValueError(
            f"Input {what} contains NaN or infinity in {self.what} {self.name(g)}; no "
            f"{self.what} was fitted."
        )

    def _rescale_weights(self) -> None:
        # as the single fit: the estimator rescales the weights to sum to n, then the Gram
        # pass rescales them again (the same two roundings, per problem).  Equal sizes: one
        # (b, m) array, whose row sums are numpy's pairwise sums of each row, bit for bit.
        b = self.n_problems
        m = self.sizes
        if np.all(m == m[0]):
            s = self.sw.reshape(b, m[0])
            raw = s.sum(axis=1)
            self._check_weight_sums(raw)
            s1 = s * (m / raw)[:, None]
            scale2 = m / s1.sum(axis=1)
            sw = (s1 * scale2[:, None]).reshape(-1)
        else:
            sw = self.sw.copy()
            raw = np.empty(b)
            scale2 = np.empty(b)
            for g in range(b):
                lo, hi = self.starts[g], self.starts[g + 1]
                s = sw[lo:hi]
                raw[g] = float(s.sum())
                if not raw[g] > 0:
                    self._check_weight_sums(raw[: g + 1])
                s1 = s * ((hi - lo) / raw[g])
                scale2[g] = (hi - lo) / float(np.sum(s1))
                sw[lo:hi] = s1 * scale2[g]
        self.sw = sw
        self.raw_sum = raw
        self.sw_scale = scale2

    def _check_weight_sums(self, raw: np.ndarray) -> None:
        bad = np.flatnonzero(~(raw > 0))
        if bad.size:
            raise ValueError(
                f"The sum of sample_weight must be positive ({self.what} {self.name(bad[0])})."
            )

    def run(self, fit_intercept: bool, solve: bool, l1=None, l2=None, tol=None,
            d_w_tol=0.0, positive=False, max_iter=1):  # fmt: skip
        """One call of ``batch_gram_cd``: per problem the offsets and ``yty`` and, when
        ``solve``, coordinate descent (``W``, raw gaps, ``n_iter``), else the centred ``G``
        and ``Xty`` (as ``_finish_stats``).  Raises, naming the problem, on non-finite sums."""
        b, p = self.n_problems, self.p
        pp = (p + 2 + 3) // 4 * 4
        R = gram_rows(pp)
        n_blocks = (self.sizes + R - 1) // R
        cap = min(_GROUPS, _ACC_BYTES // (pp * pp * 8))
        n_groups = np.maximum(1, np.minimum(cap, n_blocks // 4)).astype(np.int64)
        X2 = self.X2
        fortran = bool(X2.flags.f_contiguous and not X2.flags.c_contiguous)
        weighted = self.sw is not None
        G = np.empty((b if not solve else 0, p, p))
        Xty = np.empty((b if not solve else 0, p))
        W = np.empty((b if solve else 0, p))
        X_off = np.empty((b, p))
        y_off = np.empty(b)
        yty = np.empty(b)
        n_iter = np.zeros(b, dtype=np.int64)
        gaps = np.zeros(b)
        bad = np.zeros(b, dtype=np.uint8)
        zero = np.zeros(b)
        run(batch_gram_cd, X2.shape[0] * p, X2, self.order, self.starts, self.y,
            self.sw if weighted else self.y, weighted, fortran, bool(fit_intercept), n_groups,
            R, pp, bool(solve), zero if l1 is None else l1, zero if l2 is None else l2,
            zero if tol is None else tol, float(d_w_tol), bool(positive), int(max_iter), G, Xty,
            W, X_off, y_off, yty, n_iter, gaps, bad)  # fmt: skip
        if bad.any():
            self._raise_bad(int(np.flatnonzero(bad)[0]))
        return G, Xty, W, X_off, y_off, yty, n_iter, gaps

    def _raise_bad(self, g: int) -> None:
        lo, hi = self.starts[g], self.starts[g + 1]
        rows = self.X2[self.order[lo:hi]] if self.order.size else self.X2[lo:hi]
        try:
            check_finite(rows, "X")
        except ValueError as exc:
            raise ValueError(
                f"{exc} ({self.what} {self.name(g)}); no {self.what} was fitted."
            ) from None
        raise ValueError(
            f"{self.what} {self.name(g)} has values too large to square in float64; "
            "rescale the data."
        )


def _fit_chunk(est: Any, X: Any, y: Any, sw: Any, first: int) -> tuple:
    """One chunk of a Dask stack: the NumPy batch fit, problems numbered from ``first``."""
    data = _Batch(X, y, None, sw, first=first)
    W, intercept, n_iter, gaps = est._fit_data(data)
    return W, intercept, n_iter, gaps, data.dtype


def _group_order(groups: np.ndarray) -> np.ndarray:
    """The stable sorting permutation of the labels: a counting sort for integer labels of
    a moderate range (O(n); a stable argsort of 2M labels took 0.35 s of a 0.8 s fit), else
    numpy's stable argsort."""
    n = groups.shape[0]
    if groups.dtype.kind in "iub" and n:
        lo, hi = int(groups.min()), int(groups.max())
        if hi - lo <= 4 * n + 1024:
            codes = (groups.astype(np.int64) - lo) if lo else groups.astype(np.int64, copy=False)
            counts = np.bincount(codes, minlength=hi - lo + 1)
            next_pos = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
            order = np.empty(n, dtype=np.int64)
            group_order(codes, next_pos, order)
            return order
    return np.argsort(groups, kind="stable").astype(np.int64)


def _per_problem(value: Any, b: int, name: str) -> np.ndarray:
    v = np.asarray(value, dtype=np.float64).reshape(-1)
    if v.shape[0] not in (1, b):
        raise ValueError(f"{name} must be a float or an array of one value per problem ({b})")
    if not np.all(v >= 0):
        raise ValueError(f"{name} values must be non-negative")
    return np.broadcast_to(v, (b,)).copy()


class _BatchModel(BaseEstimator):
    """The shared fit and predict of the Batch estimators."""

    _reports_gap = True

    def fit(self, X: Any, y: Any, groups: Any = None, sample_weight: Any = None) -> Any:
        """Fit one model per problem.

        Parameters
        ----------
        X : ndarray of shape (n_problems, n_samples, n_features), or (n_samples, n_features)
            with ``groups``
            float32 or float64 (float32 stays float32 in ``coef_``, accumulated in float64).
            A Dask array (a stack, chunked along the problems) is fitted chunk by chunk
            where it lives, with the same result as the NumPy stack.
        y : ndarray of shape (n_problems, n_samples), or (n_samples,) with ``groups``
        groups : array-like of shape (n_samples,), optional
            One model per distinct label (sorted, as ``np.unique``; ``groups_`` lists them).
            A group needs at least 2 rows.
        sample_weight : ndarray of the shape of ``y``, optional
            Per problem, as the single estimator's ``sample_weight``.

        Returns
        -------
        self : object
        """
        self._validate_params()
        if is_dask(X) or is_dask(y) or is_dask(sample_weight):
            W, intercept, n_iter, gaps, dtype = self._fit_dask(X, y, groups, sample_weight)
            labels = None
        else:
            data = _Batch(X, y, groups, sample_weight)
            W, intercept, n_iter, gaps = self._fit_data(data)
            dtype, labels = data.dtype, data.labels
        self.coef_ = W.astype(dtype)
        self.intercept_ = intercept.astype(dtype)
        self.n_iter_ = n_iter
        if self._reports_gap:
            self.dual_gap_ = gaps.astype(dtype)
        self.groups_ = labels if groups is not None else None
        self.n_features_in_ = W.shape[1]
        return self

    def _fit_data(self, data: _Batch) -> tuple:
        W, gaps, n_iter, X_off, y_off = self._solve(data)
        if not np.all(np.isfinite(W)):
            raise ValueError(
                "Coordinate descent iterations resulted in non-finite parameter values. The "
                "input data may contain large values and need to be preprocessed."
            )
        if self.fit_intercept:
            intercept = y_off - np.einsum("bp,bp->b", X_off, W)
        else:
            intercept = np.zeros(data.n_problems)
        return W, intercept, n_iter, gaps

    def _fit_dask(self, X: Any, y: Any, groups: Any, sample_weight: Any) -> tuple:
        """A stack of problems as Dask arrays (chunked along the problems): each chunk of
        problems is fitted as a NumPy batch where it lives, the results gathered in order
        (each problem's result is the NumPy batch's, bit for bit)."""
        import dask
        import dask.array as da

        if groups is not None:
            raise NotImplementedError(
                "groups= with Dask arrays is not supported (a group's rows may span chunks); "
                "pass a stack X of shape (n_problems, n_samples, n_features) chunked along "
                "the problems, or NumPy arrays"
            )
        X = da.asarray(X)
        if X.ndim != 3:
            raise ValueError(
                "Dask input must be a stack: X of shape (n_problems, n_samples, n_features); "
                f"got {X.ndim}D"
            )
        X = X.rechunk({1: -1, 2: -1})
        b = X.shape[0]
        bounds = np.concatenate(([0], np.cumsum(X.chunks[0]))).astype(int)
        y = da.asarray(y)
        if y.shape != X.shape[:2]:
            raise ValueError(
                f"y must have shape {X.shape[:2]} (one row per problem); got {y.shape}"
            )
        y = y.rechunk((X.chunks[0], -1))
        sw = None
        if sample_weight is not None:
            sw = da.asarray(sample_weight)
            if sw.shape != X.shape[:2]:
                raise ValueError(f"sample_weight.shape == {sw.shape}, expected {X.shape[:2]}!")
            sw = sw.rechunk((X.chunks[0], -1))
        alpha = _per_problem(self.alpha, b, "alpha")
        params = self.get_params()
        parts = []
        for i, (xb, yb) in enumerate(zip(X.to_delayed().ravel(), y.to_delayed().ravel(),
                                         strict=True)):  # fmt: skip
            lo, hi = int(bounds[i]), int(bounds[i + 1])
            swb = None if sw is None else sw.blocks[i].to_delayed().ravel()[0]
            est = type(self)(**{**params, "alpha": alpha[lo:hi]})
            parts.append(dask.delayed(_fit_chunk)(est, xb, yb, swb, lo))
        res = dask.compute(*parts)
        W = np.concatenate([r[0] for r in res])
        intercept = np.concatenate([r[1] for r in res])
        n_iter = None if res[0][2] is None else np.concatenate([r[2] for r in res])
        gaps = np.concatenate([r[3] for r in res])
        return W, intercept, n_iter, gaps, res[0][4]

    def _cd(self, data, l1, l2, tol):
        b = data.n_problems
        _, _, W, X_off, y_off, yty, n_iter, gaps = data.run(
            self.fit_intercept, True, l1, l2, np.full(b, tol), tol, self.positive,
            self.max_iter,
        )  # fmt: skip
        n = data.sizes.astype(np.float64)
        gaps = gaps / n
        bad = np.flatnonzero(gaps > tol * yty / n)
        if bad.size:
            from sklearn.exceptions import ConvergenceWarning

            warnings.warn(
                f"Objective did not converge for {bad.size} of {b} problems (first: "
                f"{data.what} {data.name(bad[0])}, duality gap {gaps[bad[0]]:.3e}). You might "
                "want to increase the number of iterations (max_iter) or the regularisation.",
                ConvergenceWarning,
                stacklevel=4,
            )
        return W, gaps, n_iter, X_off, y_off

    def predict(self, X: Any, groups: Any = None) -> np.ndarray:
        """Predict with each problem's model.

        Parameters
        ----------
        X : ndarray of shape (n_problems, m, n_features), or (m, n_features) with ``groups``
        groups : array-like of shape (m,), optional
            The label of each row (labels seen in ``fit``).

        Returns
        -------
        ndarray of shape (n_problems, m), or (m,) with ``groups``
        """
        check_is_fitted(self, "coef_")
        X = np.asarray(X)
        coef, b0 = self.coef_, self.intercept_
        if groups is None:
            if X.ndim != 3 or X.shape[0] != coef.shape[0] or X.shape[2] != coef.shape[1]:
                raise ValueError(
                    f"X must have shape ({coef.shape[0]}, m, {coef.shape[1]}) without groups; "
                    f"got {X.shape}"
                )
            return np.einsum("bmp,bp->bm", X, coef) + b0[:, None]
        if self.groups_ is None:
            raise ValueError("groups= given to predict but the model was fitted without groups")
        groups = np.asarray(groups)
        if X.ndim != 2 or X.shape[1] != coef.shape[1] or groups.shape != (X.shape[0],):
            raise ValueError(
                f"X must have shape (m, {coef.shape[1]}) and groups shape (m,); got {X.shape} "
                f"and {groups.shape}"
            )
        idx = np.searchsorted(self.groups_, groups)
        idx_c = np.minimum(idx, len(self.groups_) - 1)
        unknown = self.groups_[idx_c] != groups
        if np.any(unknown):
            raise ValueError(f"unknown group label {groups[np.flatnonzero(unknown)[0]]!r}")
        return np.einsum("mp,mp->m", X, coef[idx_c]) + b0[idx_c]


_COMMON = {
    "fit_intercept": ["boolean"],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "positive": ["boolean"],
}


class BatchElasticNet(_BatchModel):
    """One :class:`~fastnorm.linear_model.ElasticNet` per problem, fitted in parallel.

    The same objective, solver (coordinate descent on the Gram matrix) and stopping rule as
    ``ElasticNet(solver="gram")`` fitted on each problem alone, with the same result
    (coefficients and ``n_iter_``), for thousands of problems at once.

    Parameters
    ----------
    alpha : float or array of shape (n_problems,), default=1.0
    l1_ratio : float in [0, 1], default=0.5
    fit_intercept : bool, default=True
    max_iter : int, default=1000
    tol : float, default=1e-4
    positive : bool, default=False

    Attributes
    ----------
    coef_ : ndarray of shape (n_problems, n_features)
    intercept_ : ndarray of shape (n_problems,)
    n_iter_ : ndarray of shape (n_problems,)
    dual_gap_ : ndarray of shape (n_problems,)
    groups_ : ndarray or None
        The labels, one per problem (row ``g`` of ``coef_`` is ``groups_[g]``'s model), when
        fitted with ``groups``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import BatchElasticNet
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((3, 50, 4))      # 3 problems of 50 x 4
    >>> y = X[:, :, 0] * np.array([[1.0], [2.0], [3.0]])
    >>> m = BatchElasticNet(alpha=0.01, l1_ratio=0.5).fit(X, y)
    >>> m.coef_.shape, m.predict(X).shape
    ((3, 4), (3, 50))
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        **_COMMON,
    }

    def __init__(self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, max_iter=1000, tol=1e-4,
                 positive=False):  # fmt: skip
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.positive = positive

    def _solve(self, data):
        alpha = _per_problem(self.alpha, data.n_problems, "alpha")
        l1 = alpha * self.l1_ratio
        l2 = alpha * (1.0 - self.l1_ratio)
        return self._cd(data, l1, l2, float(self.tol))


class BatchLasso(BatchElasticNet):
    """One :class:`~fastnorm.linear_model.Lasso` per problem, fitted in parallel.

    Parameters and attributes as :class:`BatchElasticNet` (``l1_ratio=1``).

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import BatchLasso, Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 3))
    >>> groups = rng.integers(0, 4, 300)          # one model per store, say
    >>> y = X[:, 0] * (groups + 1) + 0.1 * rng.standard_normal(300)
    >>> m = BatchLasso(alpha=0.05).fit(X, y, groups=groups)
    >>> one = Lasso(alpha=0.05).fit(X[groups == 2], y[groups == 2])
    >>> bool(np.allclose(m.coef_[2], one.coef_, rtol=0, atol=1e-12))
    True
    >>> m.predict(X[:2], groups=groups[:2]).shape
    (2,)
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        **_COMMON,
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, max_iter=1000, tol=1e-4,
                 positive=False):  # fmt: skip
        super().__init__(alpha=alpha, l1_ratio=1.0, fit_intercept=fit_intercept,
                         max_iter=max_iter, tol=tol, positive=positive)  # fmt: skip


class BatchRidge(_BatchModel):
    """One :class:`~fastnorm.linear_model.Ridge` per problem: ``||y - Xw - b||^2 + alpha
    ||w||^2`` (weights not rescaled, as scikit-learn's Ridge), solved exactly (a batched
    solve of the p x p systems), or by coordinate descent with ``positive=True``.

    Parameters
    ----------
    alpha : float or array of shape (n_problems,), default=1.0
    fit_intercept : bool, default=True
    max_iter : int, default=1000
        Only for ``positive=True``.
    tol : float, default=1e-4
        Only for ``positive=True`` (as :class:`~fastnorm.linear_model.Ridge`).
    positive : bool, default=False

    Attributes
    ----------
    coef_ : ndarray of shape (n_problems, n_features)
    intercept_ : ndarray of shape (n_problems,)
    n_iter_ : None or ndarray of shape (n_problems,)
        None for the exact solve (as scikit-learn's Ridge).
    groups_ : ndarray or None

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import BatchRidge, Ridge
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.standard_normal((5, 40, 3)), rng.standard_normal((5, 40))
    >>> m = BatchRidge(alpha=2.0).fit(X, y)
    >>> bool(np.allclose(m.coef_[4], Ridge(alpha=2.0).fit(X[4], y[4]).coef_, atol=1e-12))
    True
    """

    _reports_gap = False
    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        **_COMMON,
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, max_iter=1000, tol=1e-4,
                 positive=False):  # fmt: skip
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.positive = positive

    def _solve(self, data):
        b, p = data.n_problems, data.p
        l2 = _per_problem(self.alpha, b, "alpha") / data.raw_sum
        if self.positive:  # as Ridge(positive=True): CD on the Gram system to 1e-8 * tol
            tol = max(self.tol * 1e-8, min(self.tol, 1e-13))
            return self._cd(data, np.zeros(b), l2, tol)
        G, Xty, _, X_off, y_off, _, _, _ = data.run(self.fit_intercept, False)
        n = data.sizes.astype(np.float64)
        sw_scale = getattr(data, "sw_scale", np.ones(b))
        A = G.copy()
        A[:, np.arange(p), np.arange(p)] += (l2 * n * sw_scale)[:, None]
        try:
            W = np.linalg.solve(A, Xty[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:  # a singular system: least squares, one at a time
            W = np.stack([np.linalg.lstsq(A[g], Xty[g], rcond=None)[0] for g in range(b)])
        return W, np.zeros(b), None, X_off, y_off
