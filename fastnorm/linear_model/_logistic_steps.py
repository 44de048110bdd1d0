"""The logistic solvers' steps that do not depend on where X lives: the stopping measure, the
proximal step, the accelerated proximal-gradient loop and the SGD solvers' epoch loop.  The
in-memory solvers (:mod:`fastnorm.linear_model._logistic`) and the Dask fit
(:mod:`fastnorm.linear_model._logistic_dask`) run the same loop over their own
``loss_grad(W, B, grad=True) -> (loss, GW, gB)``."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from fastnorm._kernels import logistic as _kl

__all__ = ["prox", "prox_grad", "sgd_epochs", "sgd_steps", "violation"]


def violation(pen, W, GW, gB, fit_intercept) -> float:
    """The largest distance of ``-grad`` to the penalty's subdifferential over the
    coefficients (and ``|gB|`` for the intercepts): every solver's stopping measure."""
    v = 0.0
    for w, g in zip(W, GW, strict=True):
        if w.size:
            v = max(v, float(np.max(pen.subdiff_distance(w, g))))
    if fit_intercept and gB.size:
        v = max(v, float(np.max(np.abs(gB))))
    return v


def prox(pen, V, step):
    """The penalty's proximal step on each row of ``V`` (the kernels' ``prox_enet_vec``)."""
    l1, l2, _ = pen.lower()
    out = np.empty_like(V)
    for k in range(V.shape[0]):
        _kl.prox_enet_vec(V[k], step, l1, l2, out[k])
    return out


def prox_grad(loss_grad: Callable, pen, fit_intercept, W, B, max_iter, tol, report, L):
    """Accelerated proximal gradient with backtracking and adaptive (function) restart, from
    the step ``1 / L``: ``(W, B, n_iter, violation, stopped)``."""
    Wy, By = W.copy(), B.copy()
    tk = 1.0
    obj = math.inf
    it = 0
    stopped = False
    for it in range(1, max_iter + 1):
        fy, GW, gB = loss_grad(Wy, By)
        if not fit_intercept:
            gB = np.zeros_like(gB)
        for _ in range(60):
            Wn = prox(pen, Wy - GW / L, 1.0 / L)
            Bn = By - gB / L
            dW, dB = Wn - Wy, Bn - By
            fn = loss_grad(Wn, Bn, False)[0]
            quad = (
                fy + float(np.sum(GW * dW) + gB @ dB) + 0.5 * L * float(np.sum(dW * dW) + dB @ dB)
            )
            if fn <= quad + 1e-12 * abs(fy):
                break
            L *= 2.0
        new_obj = fn + sum(pen.value(w) for w in Wn)
        viol = L * max(float(np.max(np.abs(dW))) if dW.size else 0.0,
                       float(np.max(np.abs(dB))) if fit_intercept else 0.0)  # fmt: skip
        # restart the momentum when F went up (O'Donoghue and Candes); a step taken
        # without momentum is a plain prox-gradient step, kept even when rounding makes F
        # look higher (else the solver would restart forever at machine precision)
        if new_obj > obj and tk > 1.0:
            tk = 1.0
            Wy, By = W.copy(), B.copy()
            continue
        t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * tk * tk))
        beta = (tk - 1.0) / t_next
        Wy = Wn + beta * (Wn - W)
        By = Bn + beta * (Bn - B)
        W, B, obj, tk = Wn, Bn, new_obj, t_next
        L *= 0.9
        if report(it, obj, viol):
            stopped = True
            break
        if viol <= tol:
            break
    _, GW, gB = loss_grad(W, B)
    return W, B, it, violation(pen, W, GW, gB, fit_intercept), stopped


def sgd_epochs(n, epoch, objective, max_iter, tol, report, random_state) -> tuple[int, bool]:
    """The SGD solvers' epoch loop (binary and multinomial): each epoch visits the n rows in
    a fresh random order (``epoch(order)``), then ``objective()``; stops on the callback or
    when the objective has not improved by ``tol`` for 5 epochs (scikit-learn's
    SGDClassifier rule).  Returns ``(epochs, stopped)``."""
    rng = np.random.default_rng(random_state)
    best = math.inf
    no_change = 0
    it = 0
    for it in range(1, max_iter + 1):
        epoch(rng.permutation(n).astype(np.intp))
        obj = objective()
        if report(it, obj, math.nan):
            return it, True
        if obj > best - tol:
            no_change += 1
            if no_change >= 5:
                return it, True
        else:
            no_change = 0
        best = min(best, obj)
    return it, False


def sgd_steps(X, sw, S, l2, fit_intercept, curvature) -> tuple[float, float]:
    """``(eta0, decay)`` of the SGD solvers' steps ``eta0 / (1 + decay t)``: ``eta0`` the
    inverse of the largest per-sample curvature (``curvature`` times the squared row norm,
    intercept included, in the scale of F, plus ``l2``); ``decay`` the ``1 / (mu t)`` rule
    for a ``mu = l2`` strongly convex F, but at least 1 / epoch (l2 is often tiny at
    scikit-learn's scale 1 / (C S)): the noise floor then falls as 1 / epoch."""
    n = X.shape[0]
    rows = np.einsum("ij,ij->i", X, X, dtype=np.float64)
    scale = n * sw / S
    Lmax = curvature * float(np.max(scale * (rows + (1.0 if fit_intercept else 0.0))))
    eta0 = 1.0 / max(Lmax + l2, 1e-12)
    return eta0, max(eta0 * l2, 1.0 / n)
