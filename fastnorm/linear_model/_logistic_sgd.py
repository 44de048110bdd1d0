"""Proximal SGD for the multinomial problem (``LogisticRegression(solver="sgd")`` with three
or more classes): the binary solver's per-sample update rule (``_sgd`` in
:mod:`fastnorm.linear_model._logistic`) with the softmax gradient, each class's row then the
penalty's prox (``sgd_multinomial_epoch``).  Approximate, as every SGD: it stops when the
objective has not improved by ``tol`` for 5 epochs (scikit-learn's SGDClassifier rule)."""

from __future__ import annotations

import numpy as np

from fastnorm._kernels import logistic as _kl
from fastnorm.linear_model._logistic_steps import sgd_epochs, sgd_steps, violation

__all__ = ["sgd_multinomial"]


def _loss(X, W, B, yi, sw, S):
    """``(mean loss, softmax P)`` at ``(W, B)``: one pass over X."""
    Z = np.empty((X.shape[0], W.shape[0]))
    _kl.matmat_rows.serial(X, W, B, 1, Z)
    P = np.empty_like(Z)
    return _kl.multi_stats(Z, yi, sw, P) / S, P


def sgd_multinomial(X, yi, sw, S, pen, fit_intercept, W, B, max_iter, tol, report, random_state):
    """Fit ``W`` (K, p) and ``B`` (K) from the given start: ``(W, B, n_epochs, violation,
    stopped)`` (``stopped``: the callback or the no-improvement rule ended it)."""
    n = X.shape[0]
    l1, l2, _ = pen.lower()
    # the softmax loss's curvature along a margin direction is at most 1/2 (the largest
    # eigenvalue of diag(p) - p p^T), twice the binomial's 1/4
    eta0, decay = sgd_steps(X, sw, S, l2, fit_intercept, 0.5)
    W = np.array(W, dtype=np.float64)
    B = np.array(B, dtype=np.float64)
    t = 0.0

    def epoch(order):
        nonlocal t
        t = _kl.sgd_multinomial_epoch(X, yi, sw, order, W, B, eta0, t, decay, l1, l2, S,
                                      fit_intercept)  # fmt: skip

    def objective():
        return _loss(X, W, B, yi, sw, S)[0] + sum(pen.value(w) for w in W)

    it, stopped = sgd_epochs(n, epoch, objective, max_iter, tol, report, random_state)
    _, P = _loss(X, W, B, yi, sw, S)
    P[np.arange(n), yi] -= 1.0
    R = P * sw[:, None]
    GW = np.asarray(X.T @ R, dtype=np.float64).T / S
    viol = violation(pen, W, GW, R.sum(axis=0) / S, fit_intercept)
    return W, B, it, viol, stopped
