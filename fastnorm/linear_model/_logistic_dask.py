"""LogisticRegression on Dask arrays: the first-order solvers on row chunks, one pass per
evaluation.

``X`` stays on the workers in row chunks (persisted once on a distributed cluster); the labels
and weights (length n) are small and are computed here, where the classes and class weights
are found as in memory.  Each evaluation of the data fit maps the logistic kernels of
:mod:`fastnorm._kernels.logistic` over the chunks (the fused margin/loss/gradient pass for a
binary problem, the margins, softmax and ``X^T R`` for a multinomial one), sums the partials
in a fixed-order tree on the workers (:func:`fastnorm.linear_model._dask_backend._sum_tree`)
and hands the ``1 + K (p + 1)`` numbers to the solver, which updates on the client:

* ``"stream"``: accelerated proximal gradient (FISTA with backtracking and adaptive restart,
  the in-memory ``"stream"`` solver's scheme), any penalty;
* ``"lbfgs"``: scipy's L-BFGS, L2 or no penalty (one fused pass per evaluation).

The iterates are the in-memory solvers' up to the rounding of the chunk sums, and the
stopping rule is the same optimality violation, so a tight ``tol`` gives the in-memory
``coef_``.  This module does not import :mod:`fastnorm.linear_model._logistic` (which
dispatches here): the estimator is passed in.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from fastnorm._kernels import logistic as _kl
from fastnorm.linear_model._dask_backend import _sum_tree, on_cluster
from fastnorm.linear_model._logistic_steps import prox_grad
from fastnorm.linear_model._logistic_steps import violation as _violation
from fastnorm.linear_model._validation import dask_module, is_dask, prepare_dask
from fastnorm.penalties import ElasticNet as _EnetPenalty

__all__ = ["fit_dask"]


# ----------------------------------------------------------------------------- chunk tasks
def _chunk_stats(Xb: np.ndarray, swb: np.ndarray) -> np.ndarray:
    """``[sum_i sw_i ||x_i||^2, finite]`` of one chunk (the first step size, NaN check)."""
    from fastnorm._dask import serial_in_worker

    serial_in_worker()
    rows = np.einsum("ij,ij->i", Xb, Xb, dtype=np.float64)
    return np.array([float(swb @ rows), float(np.isfinite(rows).all())])


def _chunk_loss_grad(
    Xb: np.ndarray, yb: np.ndarray, swb: np.ndarray, W: np.ndarray, B: np.ndarray, grad: bool
) -> np.ndarray:
    """Raw sums of one chunk: ``[loss]`` or ``[loss, X^T R (K p, row-major), sum R (K)]``."""
    from fastnorm._dask import serial_in_worker

    serial_in_worker()
    n, p = Xb.shape
    K = W.shape[0]
    if K == 1:
        z = np.empty(n)
        if grad:  # the fused epoch: margin, loss and gradient in one read of the chunk
            g = np.empty(p)
            ls, rs = _kl.binom_fused_rows(Xb, W[0], float(B[0]), yb, swb, 1, g, z)
            return np.concatenate(([ls], g, [rs]))
        _kl.matvec_rows(Xb, W[0], float(B[0]), 1, z)
        return np.array([_kl.binom_loss_step(z, np.zeros(n), 0.0, yb, swb)])
    yi = yb.astype(np.intp)
    Z = np.empty((n, K))
    _kl.matmat_rows(Xb, W, B, 1, Z)
    P = np.empty((n, K))
    ls = _kl.multi_stats(Z, yi, swb, P)
    if not grad:
        return np.array([ls])
    P[np.arange(n), yi] -= 1.0
    P *= swb[:, None]
    GW = np.empty((K, p))
    for k in range(K):
        _kl.rmatvec_rows(Xb, np.ascontiguousarray(P[:, k]), 1, GW[k])
    return np.concatenate(([ls], GW.ravel(), P.sum(axis=0)))


class _Chunks:
    """The row chunks of X, labels and weights, and the summed passes over them."""

    def __init__(self, X: Any, y: Any, sw: Any, S: float) -> None:
        self.n_passes = 0
        self.S = S
        self.xb = list(X.to_delayed().ravel())
        self.yb = list(y.to_delayed().ravel())
        self.sb = list(sw.to_delayed().ravel())

    def _sum(self, fn: Any, *extra: Any) -> np.ndarray:
        import dask
        from dask import delayed

        extra_d = [delayed(e) if isinstance(e, np.ndarray) else e for e in extra]
        parts = [
            delayed(fn, pure=True)(xb, yb, sb, *extra_d)
            for xb, yb, sb in zip(self.xb, self.yb, self.sb, strict=True)
        ]
        (total,) = dask.compute(_sum_tree(parts))
        self.n_passes += 1
        return np.asarray(total, dtype=np.float64)

    def row_sq(self) -> float:
        import dask
        from dask import delayed

        parts = [
            delayed(_chunk_stats, pure=True)(xb, sb)
            for xb, sb in zip(self.xb, self.sb, strict=True)
        ]
        (total,) = dask.compute(_sum_tree(parts))
        self.n_passes += 1
        if total[1] != len(parts):
            raise ValueError("Input X contains NaN or infinity.")
        return float(total[0])

    def loss_grad(self, W: np.ndarray, B: np.ndarray, grad: bool = True) -> tuple:
        """``(loss, GW, gB)`` of ``(1/S) sum_i s_i loss_i`` (``GW``, ``gB`` None without
        ``grad``)."""
        K, p = W.shape
        v = self._sum(_chunk_loss_grad, np.ascontiguousarray(W, dtype=np.float64),
                      np.ascontiguousarray(B, dtype=np.float64), grad) / self.S  # fmt: skip
        if not grad:
            return float(v[0]), None, None
        return float(v[0]), v[1 : 1 + K * p].reshape(K, p), v[1 + K * p :]


# ----------------------------------------------------------------------------- solvers
def _fista(data, pen, fit_intercept, W, B, max_iter, tol, report, L):
    """Accelerated proximal gradient with backtracking and adaptive restart (the scheme of
    the in-memory ``"stream"`` solver) on the chunk passes."""
    return prox_grad(data.loss_grad, pen, fit_intercept, W, B, max_iter, tol, report, L)


def _lbfgs(data, pen, fit_intercept, W, B, max_iter, tol, report):
    """scipy's L-BFGS (L2 or no penalty) on the chunk passes: one pass per evaluation."""
    from scipy.optimize import minimize

    K, p = W.shape
    _, l2, _ = pen.lower()
    it = [0]
    stopped = [False]

    def fg(x):
        Wx = x[: K * p].reshape(K, p)
        Bx = x[K * p :] if fit_intercept else B
        loss, GW, gB = data.loss_grad(Wx, Bx)
        g = (GW + l2 * Wx).ravel()
        f = loss + 0.5 * l2 * float(np.sum(Wx * Wx))
        return f, (np.concatenate([g, gB]) if fit_intercept else g)

    def cb(intermediate_result):
        it[0] += 1
        if report(it[0], float(intermediate_result.fun), math.nan):
            stopped[0] = True
            raise StopIteration

    x0 = np.concatenate([W.ravel(), B]) if fit_intercept else W.ravel().copy()
    res = minimize(fg, x0, jac=True, method="L-BFGS-B", callback=cb,
                   options={"maxiter": max_iter, "maxls": 50, "gtol": tol,
                            "ftol": 64 * np.finfo(float).eps})  # fmt: skip
    W = res.x[: K * p].reshape(K, p).copy()
    B = res.x[K * p :].copy() if fit_intercept else B
    _, GW, gB = data.loss_grad(W, B)
    viol = _violation(pen, W, GW, gB, fit_intercept)
    return W, B, int(res.nit), viol, stopped[0] or res.status == 0


# ----------------------------------------------------------------------------- the fit
def _labels(y: Any) -> np.ndarray:
    y = y.compute() if is_dask(y) else y
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    return y


def fit_dask(est: Any, X: Any, y: Any, sample_weight: Any = None) -> Any:
    """:meth:`LogisticRegression.fit` for Dask input (``X``, ``y`` or ``sample_weight`` a
    Dask array).  Returns ``est``, fitted."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.class_weight import compute_class_weight
    from sklearn.utils.multiclass import check_classification_targets

    dask = dask_module()
    est._validate_params()
    C, l1_ratio = est._resolve_penalty()
    if not is_dask(X):  # chunk X's rows as the Dask y or weights are chunked
        other = y if is_dask(y) else sample_weight
        X = np.asarray(X)
        if X.ndim == 2 and is_dask(other) and other.shape[0] == X.shape[0]:
            X = dask.array.from_array(X, chunks=(other.chunks[0], -1))
    y = _labels(y)
    if y.ndim != 1:
        raise ValueError(f"y should be a 1d array, got an array of shape {y.shape} instead.")
    check_classification_targets(y)
    classes = np.unique(y)
    yi = np.searchsorted(classes, y).astype(np.intp)
    # the labels as floats go through the regressors' validation and chunking
    X, yf, sw = prepare_dask(X, yi.astype(np.float64), sample_weight)
    n, p = (int(s) for s in X.shape)
    est.classes_ = classes
    est.n_features_in_ = p
    K = len(classes)
    if K < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the data "
            f"contains only one class: {classes[0]!r}"
        )
    s = np.ones(n) if sw is None else np.asarray(sw.compute(), dtype=np.float64)
    if est.class_weight is not None:
        sw_raw = None if sample_weight is None else s
        cw = compute_class_weight(est.class_weight, classes=classes, y=y, sample_weight=sw_raw)
        s = s * cw[yi]
    S = float(s.sum())
    if not S > 0:
        raise ValueError("The sum of the sample weights must be positive.")
    import dask.array as da

    sw = da.from_array(s, chunks=(X.chunks[0],))
    if on_cluster():  # one copy of the chunks on the workers, kept for every pass
        X, yf, sw = dask.persist(X, yf, sw)
    data = _Chunks(X, yf, sw, S)
    row_sq = data.row_sq()  # one pass: NaN and inf in X raise before any solve

    alpha = 0.0 if math.isinf(C) else 1.0 / (C * S)
    pen = _EnetPenalty(alpha, l1_ratio=l1_ratio)
    k_rows = 1 if K == 2 else K
    W = np.zeros((k_rows, p))
    B = np.zeros(k_rows)
    if est.warm_start and getattr(est, "coef_", None) is not None:
        if est.coef_.shape == (k_rows, p):
            W[:] = est.coef_
            if est.fit_intercept:
                B[:] = est.intercept_
    solver = est.solver
    smooth = l1_ratio == 0 or math.isinf(C)
    if solver == "auto":
        solver = "lbfgs" if smooth else "stream"
    if solver in ("newton", "sgd", "workset"):
        raise ValueError(
            f"solver={solver!r} cannot run on Dask arrays (it needs the rows in memory); "
            "use solver='stream' or 'lbfgs', or compute X and y first."
        )
    if solver == "lbfgs" and not smooth:
        raise ValueError("solver='lbfgs' supports only the L2 penalty (l1_ratio=0) or "
                         "no penalty (C=np.inf); use 'stream'.")  # fmt: skip
    fi = bool(est.fit_intercept)

    def report(it, obj, viol):
        if est.verbose:
            print(f"[{solver}, dask] iter {it}: objective {obj:.12g}, violation {viol:.3e}")
        return bool(est.callback is not None and est.callback(it, obj, viol))

    if solver == "stream":
        # the in-memory stream solver's first step: the mean curvature bound over features
        L = max(0.25 * row_sq / S / max(p, 1), 1e-12)
        W, B, it, viol, stopped = _fista(data, pen, fi, W, B, est.max_iter, est.tol, report, L)
    else:
        W, B, it, viol, stopped = _lbfgs(data, pen, fi, W, B, est.max_iter, est.tol, report)
    if not np.all(np.isfinite(W)) or not np.all(np.isfinite(B)):
        raise ValueError("Input X contains NaN or infinity.")
    if k_rows > 1 and fi:
        B = B - B.mean()  # the softmax is shift invariant: scikit-learn's choice
    if not stopped and not viol <= est.tol:
        warnings.warn(
            f"LogisticRegression (solver={solver!r}, Dask) did not converge in "
            f"max_iter={est.max_iter} iterations: the optimality violation {viol:.3e} is "
            f"above tol={est.tol:.3e}. Increase max_iter or scale the data.",
            ConvergenceWarning,
            stacklevel=3,
        )
    est.coef_ = np.ascontiguousarray(W, dtype=X.dtype)
    est.intercept_ = np.asarray(B if fi else np.zeros(k_rows), dtype=X.dtype)
    est.n_iter_ = np.array([it], dtype=np.int32)
    return est
