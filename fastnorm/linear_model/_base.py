"""Shared plumbing of the linear models: the scikit-learn guard, input validation, the
data-pass interface the solvers run on, the duality gap and the fit loop over targets.

The data pass
-------------
Solvers never touch X.  They call a *data pass* object (``NumpyPass`` here; a Dask backend
can provide the same three methods by summing the same partial sums over its chunks):

``moments() -> Moments``
    one-time weighted moments: ``sw_sum``, column sums ``X.T @ sw``, column sums of squares
    ``(X**2).T @ sw``, ``y_sum = sw @ y`` and ``yy = sw @ y**2``;
``epoch(w, b) -> (g, s_r, s_rr, s_ry)``
    one fused pass at the point ``(w, b)``: with ``r = X @ w + b - y``, the sums
    ``g = X.T @ (sw * r)``, ``sum(sw * r)``, ``sum(sw * r**2)`` and ``sum(sw * r * y)``;
``n_samples``, ``n_features``
    the shape.

The intercept is fitted through the column means (``b = y_mean - X_mean @ w``), never by
centring X: with that ``b`` the residual is the residual of the centred problem, and the
centred gradient is ``(g - X_mean * s_r) / n``.  Weights are rescaled to sum to
``n_samples`` as scikit-learn does.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from fastnorm._config import run
from fastnorm._kernels import epoch as _k
from fastnorm._kernels import penalty as _kp

_SKLEARN_MSG = (
    "fastnorm.linear_model needs scikit-learn: pip install fastnorm[sklearn] "
    "(or pip install scikit-learn)"
)

try:
    import sklearn  # noqa: F401
    from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model._base import LinearModel
    from sklearn.utils._param_validation import Interval, StrOptions
    from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(_SKLEARN_MSG) from exc

__all__ = [
    "BaseEstimator",
    "ConvergenceWarning",
    "LinearModel",
    "Moments",
    "NumpyPass",
    "RegressorMixin",
    "check_is_fitted",
    "enet_gap",
]


# ----------------------------------------------------------------------------- data pass
@dataclass
class Moments:
    """Weighted one-pass moments of (X, y) used to centre implicitly."""

    sw_sum: float
    colsum: np.ndarray  # X.T @ sw
    colsq: np.ndarray  # (X**2).T @ sw
    y_sum: float
    yy: float


def _layout(X: np.ndarray) -> str:
    if X.flags.c_contiguous:
        return "C"
    if X.flags.f_contiguous:
        return "F"
    return "A"


class NumpyPass:
    """Fused passes over an in-memory (or memory-mapped) array, without copying it.

    Parameters
    ----------
    X : ndarray (n, p), float32 or float64
        C- or F-contiguous arrays are used in place (also read-only ones and memmaps); any
        other layout is copied once to C order.
    y : ndarray (n,)
        Converted to float64 (a copy of one column is cheap next to X).
    sample_weight : ndarray (n,) or None
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        X = np.asarray(X)  # memmap -> plain ndarray view, no copy
        layout = _layout(X)
        if layout == "A":
            X = np.ascontiguousarray(X)
            layout = "C"
        self.X = X
        self.layout = layout
        self._Xk = X if layout == "C" else X.T  # what the kernels see: always C-contiguous
        self.n_samples, self.n_features = X.shape
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.sw = (
            np.empty(0, dtype=np.float64)
            if sample_weight is None
            else np.ascontiguousarray(sample_weight, dtype=np.float64)
        )
        self.rpb = _k.block_rows(self.n_features, layout)
        self._moments: Moments | None = None
        self._y_moments: tuple[float, float, float] | None = None

    @property
    def size(self) -> int:
        return self.n_samples * self.n_features

    def y_moments(self) -> tuple[float, float, float]:
        """``(sum(sw), sw @ y, sw @ y**2)``: cheap, no pass over X."""
        if self._y_moments is None:
            y = self.y
            if self.sw.shape[0]:
                sw_y = self.sw * y
                self._y_moments = (float(self.sw.sum()), float(sw_y.sum()), float(sw_y @ y))
            else:
                self._y_moments = (float(self.n_samples), float(y.sum()), float(y @ y))
        return self._y_moments

    def moments(self) -> Moments:
        if self._moments is None:
            p = self.n_features
            s = np.empty(p)
            q = np.empty(p)
            k = _k.colstats_rows if self.layout == "C" else _k.colstats_cols
            run(k, self.size, self._Xk, self.sw, self.rpb, s, q)
            self._moments = Moments(self.y_moments()[0], s, q, *self.y_moments()[1:])
        return self._moments

    def epoch(
        self, w: np.ndarray, b: float, r_out: np.ndarray | None = None
    ) -> tuple[np.ndarray, float, float, float]:
        return self._epoch(w, b, r_out, False)

    def epoch_with_moments(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float, float, float]:
        """:meth:`epoch`, computing :meth:`moments` in the same pass (C order; otherwise two
        passes)."""
        if self._moments is not None or self.layout != "C":
            self.moments()
            return self.epoch(w, b)
        return self._epoch(w, b, None, True)

    def _epoch(self, w, b, r_out, with_moments):
        p = self.n_features
        g = np.empty(p)
        s = np.empty(3)
        r = np.empty(0) if r_out is None else r_out
        w = np.ascontiguousarray(w, dtype=np.float64)
        args = (self._Xk, self.y, self.sw, w, float(b), self.rpb, g, s, r)
        if self.layout == "C":
            ms = np.empty(p if with_moments else 0)
            mq = np.empty(p if with_moments else 0)
            run(_k.epoch_lsq_rows, self.size, *args, ms, mq)
            if with_moments:
                self._moments = Moments(self.y_moments()[0], ms, mq, *self.y_moments()[1:])
        else:
            run(_k.epoch_lsq_cols, self.size, *args)
        return g, float(s[0]), float(s[1]), float(s[2])

    def sgd_epoch(
        self, w, order, xm, y_off, lr, l1, l2, proximal, positive, batch, rsnap=None,
        gfull=None,
    ) -> int:  # fmt: skip
        """One SGD epoch in place on ``w`` (float64); see ``_kernels.epoch.sgd_epoch_rows``."""
        empty = np.empty(0)
        return _k.sgd_epoch_rows.serial(
            self.X, self.y, self.sw, order, w, xm, float(y_off), float(lr), float(l1),
            float(l2), bool(proximal), bool(positive), int(batch),
            empty if rsnap is None else rsnap, empty if gfull is None else gfull,
        )  # fmt: skip


# --------------------------------------------------------------------------- the problem
@dataclass
class Problem:
    """One target of ``(1/(2n)) sum sw (y - Xw - b)^2 + l1 ||w||_1 + 0.5 l2 ||w||^2``.

    ``n`` is the (normalised) sum of weights, ``X_off``/``y_off`` the weighted means (zeros
    without intercept) and ``yty`` the weighted sum of squares of the centred y.
    """

    data: Any
    l1: float
    l2: float
    n: float
    X_off: np.ndarray
    y_off: float
    yty: float
    positive: bool
    fit_intercept: bool

    @classmethod
    def from_pass(cls, data, l1, l2, positive, fit_intercept, w0=None) -> Problem:
        """The problem on ``data``.  Starting from ``w0 == 0`` the intercept ``mean(y)`` needs
        no column means, so a data pass offering ``epoch_with_moments`` computes the first
        epoch and the moments in one pass (kept for the solver's first ``evaluate``)."""
        first = None
        if (
            w0 is not None
            and not np.any(w0)
            and hasattr(data, "epoch_with_moments")
            and getattr(data, "_moments", 1) is None
        ):
            sw_sum, y_sum, _ = data.y_moments()
            b0 = y_sum / sw_sum if fit_intercept else 0.0
            first = data.epoch_with_moments(np.zeros(data.n_features), b0)
        m = data.moments()
        n = m.sw_sum
        if fit_intercept:
            X_off = m.colsum / n
            y_off = m.y_sum / n
            yty = max(m.yy - n * y_off * y_off, 0.0)
        else:
            X_off = np.zeros(data.n_features)
            y_off = 0.0
            yty = m.yy
        prob = cls(data, float(l1), float(l2), n, X_off, y_off, yty, positive, fit_intercept)
        prob._first = first
        return prob

    _first = None  # the raw sums of the first epoch at w = 0, when from_pass computed them

    def intercept(self, w: np.ndarray) -> float:
        return self.y_off - float(self.X_off @ w) if self.fit_intercept else 0.0

    def evaluate(self, w: np.ndarray, r_out=None) -> tuple[np.ndarray, float, float]:
        """One fused pass: (centred gradient of the data term / n, objective, gap / n).

        ``r_out`` (optional, n float64) receives the residual ``X_c w - y_c``."""
        b = self.intercept(w)
        if self._first is not None and r_out is None and not np.any(w):
            (g, s_r, s_rr, s_ry), self._first = self._first, None
        elif r_out is None:
            g, s_r, s_rr, s_ry = self.data.epoch(w, b)
        else:
            g, s_r, s_rr, s_ry = self.data.epoch(w, b, r_out)
        n = self.n
        grad = (g - self.X_off * s_r) / n
        R_norm2 = s_rr
        Ry = -(s_ry - self.y_off * s_r)  # R = -(r) against the centred y
        obj = 0.5 * R_norm2 / n + self.l1 * np.abs(w).sum() + 0.5 * self.l2 * (w @ w)
        gap = enet_gap(w, -n * grad, R_norm2, Ry, self.l1 * n, self.l2 * n, self.positive)
        return grad, float(obj), gap / n

    def gap_tol(self, tol: float) -> float:
        """Stopping threshold on ``gap / n``: scikit-learn's ``tol * ||y_c||^2 / n``."""
        return tol * self.yty / self.n


def enet_gap(w, XtR, R_norm2, Ry, alpha, beta, positive) -> float:
    """scikit-learn's duality gap (``_cd_fast.gap_enet``) from the pass statistics.

    ``XtR = X_c.T @ W (y_c - X_c w)``, ``R_norm2 = ||R||_W^2``, ``Ry = R @ W y_c``; ``alpha``
    and ``beta`` are the L1 and L2 weights in the unnormalised scale (times n).
    """
    w_l2 = float(w @ w) if beta > 0 else 0.0
    if alpha == 0 and positive:
        # w >= 0: the conjugate of beta/2 ||w||^2 + (w >= 0) is ||max(v, 0)||^2 / (2 beta);
        # with v = X'R the gap is a sum of non-negative terms (no cancellation).  OLS (beta=0):
        # the projected gradient's squared norm, the first-order condition of NNLS.
        v = XtR
        if beta == 0:
            pg = np.where(w > 0, v, np.maximum(v, 0.0))
            return float(pg @ pg)
        vp = np.maximum(v, 0.0)
        return float(0.5 * beta * (w @ w) - w @ v + (vp @ vp) / (2.0 * beta))
    if alpha == 0:
        if beta == 0:  # OLS: no dual gap; the first-order condition ||X'R||^2 as sklearn
            return float(XtR @ XtR)
        # Ridge: sklearn's formulation B, R^2 + beta w^2 / 2 - R.y + ||X'R||^2 / (2 beta),
        # equals ||X'R - beta w||^2 / (2 beta) (use R.y = R^2 + R.Xw); this form has no
        # cancellation, so tiny tolerances stay meaningful.
        grad = XtR - beta * w
        return float(grad @ grad) / (2.0 * beta)
    XtA = np.ascontiguousarray(XtR - beta * w, dtype=np.float64)
    dn = _kp.enet_dual_norm(XtA, float(alpha), bool(positive))
    w_l1 = float(np.abs(w).sum())
    return float(_kp.enet_gap(float(R_norm2), float(Ry), w_l1, w_l2, float(alpha), float(beta), dn))


# ------------------------------------------------------------------------ validation
def validate_fit_input(est, X, y, sample_weight):
    """validate_data as scikit-learn's linear models do, without copying X.

    Returns ``X`` (float32/float64, C/F layout kept), ``y`` (float64, 1-D or 2-D),
    normalised ``sample_weight`` (sum = n_samples, or None) and the raw weight sum.
    """
    X, y = validate_data(
        est,
        X,
        y,
        accept_sparse=False,
        dtype=[np.float64, np.float32],
        copy=False,
        # X's NaN/inf check (a full single-threaded pass) is left to the first fused epoch:
        # non-finite column moments send X through check_array for scikit-learn's message
        ensure_all_finite=False,
        multi_output=True,
        y_numeric=True,
    )
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    if isinstance(sample_weight, numbers.Number):
        sample_weight = None
    raw_sum = float(n)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        raw_sum = float(sample_weight.sum())
        if not raw_sum > 0:
            raise ValueError("The sum of sample_weight must be positive.")
        sample_weight = sample_weight * (n / raw_sum)
    return X, y, sample_weight, raw_sum


def _is_dask(a: Any) -> bool:
    t = type(a)
    return t.__module__.startswith("dask.") and t.__name__ == "Array"


def gram_available() -> bool:
    try:
        from fastnorm.linear_model import _gram  # noqa: F401
    except ImportError:
        return False
    return True


def choose_solver(solver: str, n: int, p: int, any_n: bool = False) -> str:
    """``"auto"``: the Gram solver when n >> p and p is moderate (``any_n``: whatever n, for
    least squares, where the exact solve is what users expect), else the streaming one."""
    if solver != "auto":
        return solver
    if p <= 2048 and (any_n or n >= 2 * p) and gram_available():
        return "gram"
    return "stream"


def convergence_warning(gap: float, tol: float, n_iter: int, solver: str) -> None:
    warnings.warn(
        "Objective did not converge. You might want to increase the number of iterations "
        "(max_iter), check the scale of the features or consider increasing regularisation. "
        f"Duality gap: {gap:.6e}, tolerance: {tol:.3e} after {n_iter} epochs "
        f"(solver={solver!r}).",
        ConvergenceWarning,
        stacklevel=4,
    )


def cd_on_stats(est, stats, l1, l2, w0, max_iter, cb, last_yty):
    """Gram coordinate descent for ``est`` on ready statistics (in memory or summed over Dask
    chunks): ``(w, intercept, gap, n_iter, history, converged)``."""
    from fastnorm.linear_model._gram import cd_gram

    w, gap, n_iter, hist = cd_gram(
        stats, l1, l2, np.asarray(w0, dtype=np.float64), max_iter, est.tol, est.positive,
        callback=cb, warn=False,  # the estimator warns, once
    )  # fmt: skip
    w = np.asarray(w, dtype=np.float64)
    b = float(stats.y_offset - stats.X_offset @ w) if est.fit_intercept else 0.0
    conv = gap <= est.tol * last_yty or (cb is not None and n_iter < max_iter)
    return w, b, float(gap), int(n_iter), list(hist), conv


def set_fitted(est, dtype, y_ndim, coefs, intercepts, gaps, n_iters, paths, solver):
    """Store the fitted attributes in scikit-learn's shapes (1-D y: scalars), in X's dtype."""
    dtype = np.dtype(dtype)
    check_finite_coef(coefs, intercepts)
    if y_ndim == 1:
        est.coef_ = coefs[0].astype(dtype)
        est.intercept_ = dtype.type(intercepts[0]) if est.fit_intercept else 0.0
        est.n_iter_ = n_iters[0]
        est.objective_path_ = paths[0]
        if est._reports_gap:
            est.dual_gap_ = dtype.type(gaps[0])
    else:
        est.coef_ = coefs.astype(dtype)
        est.intercept_ = intercepts.astype(dtype) if est.fit_intercept else 0.0
        est.n_iter_ = n_iters
        est.objective_path_ = paths
        if est._reports_gap:
            est.dual_gap_ = gaps.astype(dtype)
    est.solver_ = solver
    return est


def gram_stats_checked(est, X, y, sw):
    """``gram_stats`` without a separate finiteness pass over X: its own pass detects NaN/inf,
    and only then does ``check_all_finite`` run, for scikit-learn's message naming ``est``."""
    from fastnorm.linear_model._gram import gram_stats

    try:
        return gram_stats(X, y, sample_weight=sw, fit_intercept=est.fit_intercept)
    except ValueError as exc:
        if "Input X contains" in str(exc):
            check_all_finite(est, X)
        raise


def check_all_finite(est, X) -> None:
    """scikit-learn's NaN/inf check of X, with its messages (raises ValueError)."""
    from sklearn.utils.validation import _assert_all_finite

    _assert_all_finite(X, input_name="X", estimator_name=type(est).__name__)


def check_finite_coef(coef, intercept) -> None:
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ValueError(
            "Iterations resulted in non-finite parameter values. The input data may contain "
            "large values and need to be preprocessed."
        )


# ------------------------------------------------------------------------ estimator base

SOLVERS = ("auto", "gram", "stream", "sgd")

COMMON_CONSTRAINTS: dict = {
    "fit_intercept": ["boolean"],
    "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    "tol": [Interval(Real, 0, None, closed="left")],
    "warm_start": ["boolean"],
    "positive": ["boolean"],
    "copy_X": ["boolean"],
    "solver": [StrOptions(set(SOLVERS))],
    "verbose": ["verbose"],
    "callback": [callable, None],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "eta0": [Interval(Real, 0, None, closed="neither"), None],
    "random_state": ["random_state"],
}


class FusedLinearModel(MultiOutputMixin, RegressorMixin, LinearModel):
    """Fit loop shared by Lasso, ElasticNet and Ridge (one problem per target).

    Subclasses define ``_penalty(raw_sw_sum) -> (l1, l2)`` in the normalised scale
    ``(1/(2n)) ||y - Xw - b||^2 + l1 ||w||_1 + 0.5 l2 ||w||^2`` and ``_obj_scale(raw)``, the
    factor from that scale to the estimator's own objective.
    """

    _reports_gap = True
    _default_max_iter = 1000

    def _penalty(self, raw_sum: float, n: int) -> tuple[float, float]:  # pragma: no cover
        raise NotImplementedError

    def _obj_scale(self, raw_sum: float, n: int) -> float:
        return 1.0

    def _resolve_solver(self, n: int, p: int) -> str:
        return choose_solver(self.solver, n, p, getattr(self, "_auto_gram_any_n", False))

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            float32 or float64 data; C- or F-contiguous arrays (and read-only memmaps) are
            used in place, never copied nor modified.  Other dtypes are converted to float64.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None
            Rescaled internally to sum to n_samples (as scikit-learn does).

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if _is_dask(X) or _is_dask(y):  # the data pass runs on the Dask workers
            from fastnorm.linear_model import _dask_backend

            return _dask_backend.fit(self, X, y, sample_weight)
        self._validate_params()
        X, y, sw, raw_sum = validate_fit_input(self, X, y, sample_weight)
        n, p = X.shape
        y2 = y.reshape(n, -1)
        n_targets = y2.shape[1]
        self._n_targets = n_targets
        l1, l2 = self._penalty(raw_sum, n)
        l1s = np.broadcast_to(np.asarray(l1, dtype=np.float64), (n_targets,))
        l2s = np.broadcast_to(np.asarray(l2, dtype=np.float64), (n_targets,))
        scale = self._obj_scale(raw_sum, n)
        solver = self._resolve_solver(n, p)
        if solver == "gram" and not gram_available():
            raise ImportError("solver='gram' needs fastnorm.linear_model._gram")
        max_iter = self.max_iter if self.max_iter is not None else self._default_max_iter

        w_init = None
        if self.warm_start and hasattr(self, "coef_"):
            c = np.asarray(self.coef_, dtype=np.float64).reshape(-1, p)
            if c.shape[0] == n_targets:
                w_init = c

        coefs = np.zeros((n_targets, p), dtype=np.float64)
        intercepts = np.zeros(n_targets, dtype=np.float64)
        gaps = np.zeros(n_targets, dtype=np.float64)
        n_iters: list = []
        paths: list = []
        cb = self.callback
        if cb is not None and scale != 1.0:
            user_cb = cb

            def cb(k, obj, gap):
                return user_cb(k, obj * scale, gap * scale)

        for t in range(n_targets):
            w0 = w_init[t] if w_init is not None else np.zeros(p)
            w, b, gap, it, hist, conv = self._solve_one(
                solver, X, y2[:, t], sw, float(l1s[t]), float(l2s[t]), w0, max_iter, cb
            )
            if not conv:
                convergence_warning(gap * scale, self.tol * self._last_yty * scale, it, solver)
            coefs[t] = w
            intercepts[t] = b
            gaps[t] = gap * scale
            n_iters.append(it)
            paths.append(np.asarray(hist, dtype=np.float64) * scale)

        return set_fitted(self, X.dtype, y.ndim, coefs, intercepts, gaps, n_iters, paths, solver)

    def _solve_one(self, solver, X, y, sw, l1, l2, w0, max_iter, cb):
        if solver == "gram":
            return self._solve_gram(X, y, sw, l1, l2, w0, max_iter, cb)
        from fastnorm.linear_model._stream import fista, sgd

        data = NumpyPass(X, y, sw)
        prob = Problem.from_pass(data, l1, l2, self.positive, self.fit_intercept, w0)
        m = data.moments()
        if not (np.all(np.isfinite(m.colsum)) and np.all(np.isfinite(m.colsq))):
            check_all_finite(self, X)
        self._last_yty = prob.yty / prob.n
        if solver == "sgd":
            res = sgd(
                prob, w0, max_iter, self.tol, cb, self.verbose,
                batch_size=self.batch_size, eta0=self.eta0, random_state=self.random_state,
            )  # fmt: skip
        else:
            res = fista(prob, w0, max_iter, self.tol, cb, self.verbose)
        conv = res.converged or res.stopped
        return res.w, prob.intercept(res.w), res.gap, res.n_iter, res.objectives, conv

    def _solve_gram(self, X, y, sw, l1, l2, w0, max_iter, cb):
        stats = gram_stats_checked(self, X, y, sw)
        self._last_yty = float(stats.yty) / float(stats.n)
        return cd_on_stats(self, stats, l1, l2, w0, max_iter, cb, self._last_yty)
