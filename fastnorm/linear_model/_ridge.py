"""Ridge regression: scikit-learn's objective ``||y - Xw - b||^2 + alpha ||w||^2``."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from fastnorm.linear_model._base import (
    COMMON_CONSTRAINTS,
    SOLVERS,
    FusedLinearModel,
    Interval,
    StrOptions,
    choose_solver,
)

#: scikit-learn's Ridge solver names, mapped onto ours (so that a swapped import keeps working):
#: the exact direct solvers become the Gram solve, the iterative ones the streaming solver,
#: the stochastic ones SGD.
SKLEARN_RIDGE_SOLVERS = {
    "svd": "gram",
    "cholesky": "gram",
    "lsqr": "stream",
    "sparse_cg": "stream",
    "lbfgs": "stream",
    "sag": "sgd",
    "saga": "sgd",
}

__all__ = ["LinearRegression", "Ridge"]


class Ridge(FusedLinearModel):
    """Linear least squares with L2 regularisation, as scikit-learn's Ridge.

    Minimises ``||y - Xw - b||^2_2 + alpha * ||w||^2_2`` (with sample weights,
    ``sum_i sw_i (y_i - x_i w - b)^2 + alpha ||w||^2``, the weights *not* rescaled, as in
    scikit-learn).  X is never copied nor modified; float32 stays float32.

    Parameters
    ----------
    alpha : float or array of shape (n_targets,), default=1.0
    fit_intercept : bool, default=True
    max_iter : int or None, default=None
        Epochs of the iterative solvers (None: 1000).  Unused by ``"gram"``.
    tol : float, default=1e-4
        Iterative solvers stop when the ridge duality gap is at most
        ``tol * ||y - mean(y)||^2``.
    warm_start : bool, default=False
    positive : bool, default=False
        Non-negative coefficients (``"gram"`` then hands over to ``"stream"``, whose gap is
        the duality gap of the constrained problem).
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified nor copied.
    solver : {"auto", "gram", "stream", "sgd"} or a scikit-learn Ridge solver name, \
default="auto"
        scikit-learn's names map to ours: ``"svd"``/``"cholesky"`` -> ``"gram"``,
        ``"lsqr"``/``"sparse_cg"``/``"lbfgs"`` -> ``"stream"``, ``"sag"``/``"saga"`` -> ``"sgd"``.
        ``"gram"``: one fused pass builds the Gram matrix, then a p x p solve (exact);
        ``"stream"``: accelerated gradient, one fused pass per epoch; ``"sgd"``: the notes'
        update rule ``w <- w - lr * (2 (w x + b - y) x + 2 alpha' w)``.  ``"auto"``:
        ``"gram"`` when n_samples >= 2 * n_features and n_features <= 2048, else
        ``"stream"``.
    verbose, callback, batch_size, eta0, random_state
        As in :class:`fastnorm.linear_model.Lasso`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
        Epochs of the iterative solvers; 1 for ``"gram"`` (one pass, one solve).
    objective_path_ : ndarray or list of ndarray
        ``||y - Xw - b||^2 + alpha ||w||^2`` after each epoch.
    solver_ : str
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import Ridge
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0]])
    >>> model = Ridge(alpha=1.0).fit(X, [1.0, 1.0, 3.0, 6.0])
    >>> model.coef_.round(4)
    array([0.8989, 0.8876])
    """

    _reports_gap = False
    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        **COMMON_CONSTRAINTS,
        "solver": [StrOptions(set(SOLVERS) | set(SKLEARN_RIDGE_SOLVERS))],
    }

    def _resolve_solver(self, n, p):
        solver = SKLEARN_RIDGE_SOLVERS.get(self.solver, self.solver)
        solver = choose_solver(solver, n, p, getattr(self, "_auto_gram_any_n", False))
        # positive=True: the accelerated projected gradient (its gap is the constrained one)
        return "stream" if self.positive and solver == "gram" else solver

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        copy_X=True,
        max_iter=None,
        tol=1e-4,
        solver="auto",
        positive=False,
        random_state=None,
        warm_start=False,
        verbose=0,
        callback=None,
        batch_size=1,
        eta0=None,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback
        self.batch_size = batch_size
        self.eta0 = eta0

    # (1/(2n)) sum sw_n r^2 + 0.5 l2 ||w||^2, times 2 * raw_sum, is sum sw_raw r^2 + alpha ||w||^2
    def _penalty(self, raw_sum, n):
        alpha = np.asarray(self.alpha, dtype=np.float64).ravel()
        n_targets = self._n_targets
        if alpha.shape[0] not in (1, n_targets):
            raise ValueError(
                "Number of targets and number of penalties do not correspond: "
                f"{alpha.shape[0]} != {n_targets}"
            )
        if not np.all(alpha >= 0):
            raise ValueError("alpha values must be non-negative")
        return 0.0, alpha / raw_sum

    def _obj_scale(self, raw_sum, n):
        return 2.0 * raw_sum

    def _solve_gram(self, X, y, sw, l1, l2, w0, max_iter, cb):
        if self.positive:
            return super()._solve_gram(X, y, sw, l1, l2, w0, max_iter, cb)
        from fastnorm.linear_model._base import gram_stats_checked
        from fastnorm.linear_model._gram import ridge_gram

        stats = gram_stats_checked(self, X, y, sw)
        self._last_yty = float(stats.yty) / float(stats.n)
        # stats carry weights normalised to sum n_samples: sum sw_n r^2 + alpha' ||w||^2 with
        # alpha' = l2 * n has the minimiser of sum sw_raw r^2 + alpha ||w||^2.
        w = np.asarray(ridge_gram(stats, l2 * float(stats.n)), dtype=np.float64)
        b = float(stats.y_offset - stats.X_offset @ w) if self.fit_intercept else 0.0
        G, Xty, n = np.asarray(stats.G), np.asarray(stats.Xty), float(stats.n)
        rss = float(stats.yty) - 2.0 * float(w @ Xty) + float(w @ G @ w)
        obj = 0.5 * rss / n + 0.5 * l2 * float(w @ w)  # scaled by 2 * raw_sum in fit
        return w, b, 0.0, 1, [obj], True  # n_iter_ = 1: one pass and one solve


class LinearRegression(Ridge):
    """Ordinary least squares, as scikit-learn's LinearRegression (``Ridge`` with alpha=0).

    Minimises ``||y - Xw - b||^2``.  ``solver="auto"`` uses the Gram solver whenever
    n_features <= 2048 (one fused pass, then a p x p solve that falls back to least squares
    for rank-deficient X, giving the minimum-norm solution as scikit-learn's lstsq does);
    ``"stream"`` runs accelerated gradient from zero, which also converges to the
    minimum-norm solution.  ``positive=True`` solves non-negative least squares.

    Parameters
    ----------
    fit_intercept : bool, default=True
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified nor copied.
    tol : float, default=1e-6
        Iterative solvers stop when ``||X_c' (y_c - X_c w)||^2 <= tol * ||y_c||^2``
        (scikit-learn's first-order criterion for alpha = 0).
    n_jobs : None
        Accepted for compatibility; threads are set with ``fastnorm.set_num_threads``.
    positive : bool, default=False
    solver, max_iter, warm_start, verbose, callback, batch_size, eta0, random_state
        As in :class:`Ridge`.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import LinearRegression
    >>> X = np.array([[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 3.0]])
    >>> y = X @ np.array([1.0, 2.0]) + 3.0
    >>> reg = LinearRegression().fit(X, y)
    >>> reg.coef_.round(6), round(float(reg.intercept_), 6)
    (array([1., 2.]), 3.0)
    """

    _auto_gram_any_n = True
    _parameter_constraints: dict = {
        **{k: v for k, v in Ridge._parameter_constraints.items() if k != "alpha"},
        "n_jobs": [None, Integral],
    }

    def __init__(
        self,
        *,
        fit_intercept=True,
        copy_X=True,
        tol=1e-6,
        n_jobs=None,
        positive=False,
        solver="auto",
        max_iter=None,
        warm_start=False,
        verbose=0,
        callback=None,
        batch_size=1,
        eta0=None,
        random_state=None,
    ):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.tol = tol
        self.n_jobs = n_jobs
        self.positive = positive
        self.solver = solver
        self.max_iter = max_iter
        self.warm_start = warm_start
        self.verbose = verbose
        self.callback = callback
        self.batch_size = batch_size
        self.eta0 = eta0
        self.random_state = random_state

    def _penalty(self, raw_sum, n):
        return 0.0, 0.0

    def _solve_gram(self, X, y, sw, l1, l2, w0, max_iter, cb):
        if self.positive:  # NNLS: coordinate descent on the Gram system
            return FusedLinearModel._solve_gram(self, X, y, sw, l1, l2, w0, max_iter, cb)
        from fastnorm.linear_model._base import gram_stats_checked

        stats = gram_stats_checked(self, X, y, sw)
        self._last_yty = float(stats.yty) / float(stats.n)
        G, Xty, n = np.asarray(stats.G), np.asarray(stats.Xty), float(stats.n)
        # Minimum-norm least squares through the eigen-decomposition of G: eigenvalues under
        # G's rounding level (p * eps * max) count as zero, so a rank-deficient X gives the
        # minimum-norm solution, as scikit-learn's lstsq does (a Cholesky can succeed on a
        # numerically singular G and return another solution).
        lam, V = np.linalg.eigh(G)
        keep = lam > max(lam.max(initial=0.0), 0.0) * G.shape[0] * np.finfo(np.float64).eps
        w = V[:, keep] @ ((V[:, keep].T @ Xty) / lam[keep])
        b = float(stats.y_offset - stats.X_offset @ w) if self.fit_intercept else 0.0
        rss = float(stats.yty) - 2.0 * float(w @ Xty) + float(w @ G @ w)
        return w, b, 0.0, 1, [0.5 * max(rss, 0.0) / n], True
