"""Ridge regression: scikit-learn's objective ``||y - Xw - b||^2 + alpha ||w||^2``."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from fastnorm.linear_model._base import (
    AUTO_GRAM_MAX_P,
    COMMON_CONSTRAINTS,
    FusedLinearModel,
    Interval,
    StrOptions,
)
from fastnorm.linear_model._solvers import RIDGE_PUBLIC, SKLEARN_RIDGE_SOLVERS
from fastnorm.linear_model._validation import per_target_alpha

#: Largest direct system (``min(n, p)^2`` float64) ``solver="auto"`` builds; beyond it the
#: streaming solver runs (and ``solver_`` says so).
DIRECT_BYTES = 1 << 31

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
        Non-negative coefficients: ``"auto"`` and the direct solvers then run coordinate
        descent on the Gram matrix (the duality gap of the constrained problem, to
        ``1e-8 * tol``: scikit-learn's lbfgs accuracy at ``tol`` or better).
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified nor copied.
    solver : {"auto", "gram", "stream", "sgd"} or a scikit-learn Ridge solver name, \
default="auto"
        ``"auto"``, ``"svd"`` and ``"cholesky"``: exact, as scikit-learn's default: one fused
        pass builds the p x p Gram matrix and Cholesky solves it (``solver_ == "gram"``), or,
        when n_features >= n_samples, the n x n dual (kernel ridge) system is solved
        (``solver_ == "dual"``).  ``"auto"`` alone falls back to ``"stream"`` when that
        system would exceed 2 GiB.  ``"gram"``: always the p x p system.  scikit-learn's
        iterative solvers ``"lsqr"``, ``"sparse_cg"``, ``"lbfgs"``, ``"sag"`` and
        ``"saga"`` also get the exact direct solve (it meets the accuracy each promises).
        ``"stream"``: accelerated gradient, one fused pass per epoch; ``"sgd"``: the per-sample
        update rule ``w <- w - lr * (2 (w x + b - y) x + 2 alpha' w)``.  The same choice is
        made for NumPy and Dask input.
    verbose, callback, batch_size, eta0, random_state
        As in :class:`fastnorm.linear_model.Lasso`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : None, int or list of int
        Epochs of the iterative solvers; None for the direct solves (as scikit-learn).
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
    _direct_n_iter = None  # scikit-learn's Ridge: n_iter_ is None for its direct solvers
    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), "array-like"],
        **COMMON_CONSTRAINTS,
        "solver": [StrOptions(RIDGE_PUBLIC)],
    }

    def _solver_key(self, n, p, backend):
        solver = SKLEARN_RIDGE_SOLVERS.get(self.solver, self.solver)
        if solver not in ("auto", "direct", "gram"):
            return solver
        if self.positive:  # coordinate descent on the Gram system, the constrained gap
            return "gram"
        if solver == "gram":
            return "ridge_gram"
        if solver == "auto" and min(n, p) ** 2 * 8 > DIRECT_BYTES:
            return "stream"
        # exact, as scikit-learn's default: Cholesky on the p x p Gram matrix, or on the
        # n x n kernel matrix when p >= n (at p == n both systems take the same multiply-
        # adds, and the kernel's are BLAS's SYRK: 1500 x 1500 in 113 ms of one core against
        # 237 ms for the Gram pass, bench/README.md "Ridge drop-in (stop 21)")
        return "ridge_gram" if p < n else "ridge_dual"

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

    def _solver_tol(self, key):
        # positive=True runs coordinate descent on the p x p Gram system (no pass over X per
        # epoch): run to 1e-8 * tol on the gap, which meets the accuracy scikit-learn's
        # lbfgs reaches at tol (its projected-gradient criterion); measured: 8e-10 from the
        # exact constrained solution at tol=1e-4, where lbfgs is 9e-6 from it
        if key == "gram" and self.positive and type(self) is not LinearRegression:
            return max(self.tol * 1e-8, min(self.tol, 1e-13))  # never below rounding
        return self.tol

    # (1/(2n)) sum sw_n r^2 + 0.5 l2 ||w||^2, times 2 * raw_sum, is sum sw_raw r^2 + alpha ||w||^2
    def _lower(self, raw_sum, n, k):
        alpha = per_target_alpha(self.alpha, k)
        return np.zeros(k), np.broadcast_to(alpha / raw_sum, (k,))

    def _obj_scale(self, raw_sum, n):
        return 2.0 * raw_sum


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

    _squeeze_single_target = False  # scikit-learn's LinearRegression keeps coef_ (1, p)
    _direct_n_iter = 1  # it has a max_iter here, so the estimator checks want n_iter_ >= 1

    def _lower(self, raw_sum, n, k):
        return np.zeros(k), np.zeros(k)

    def _solver_key(self, n, p, backend):
        solver = SKLEARN_RIDGE_SOLVERS.get(self.solver, self.solver)
        if solver not in ("auto", "direct", "gram"):
            return solver
        if self.positive:  # NNLS: coordinate descent on the Gram system
            return "gram"
        if solver == "auto" and p > AUTO_GRAM_MAX_P:
            return "stream"
        return "lstsq"  # minimum-norm least squares on the Gram matrix
