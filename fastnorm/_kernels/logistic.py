"""Kernels of the logistic data fits (binary and multinomial): the stable loss, the sigmoid
and softmax for large margins, the gradient and Hessian weights, the row passes over X and
the inner coordinate descent of the proximal Newton solver.

No validation here (see :mod:`fastnorm.linear_model._logistic`).  The penalty math comes from
:mod:`fastnorm._kernels.penalty` (``cd_solve``, ``prox_enet``): it is not repeated here.

Scale: every sum is raw (``sum_i sw_i ...``); the wrapper divides by ``S = sum_i sw_i``.
Binary labels are ``y in {0, 1}``; the loss of a margin ``z`` is ``log(1 + e^z) - y z``.

Parallel passes split the rows into ``n_groups`` contiguous groups (fixed by the wrapper from
the shape, never from the thread count), keep one float64 partial per group and add the
partials in a fixed order: results do not depend on the number of threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastnorm._config import helper, kernel
from fastnorm._kernels.penalty import cd_solve, prox_enet, uses_helpers

__all__ = [
    "binom_fused_rows",
    "binom_loss_step",
    "binom_stats",
    "cd_cols_quad",
    "cd_gram_quad",
    "log1pexp",
    "matvec_rows",
    "multi_loss_step",
    "multi_stats",
    "prox_enet_vec",
    "rmatvec_rows",
    "sgd_logistic_epoch",
    "sigmoid",
]


# ------------------------------------------------------------------------------- helpers
@helper
def log1pexp(z):
    """``log(1 + exp(z))`` without overflow (``z`` for large ``z``, ``exp(z)`` for very
    negative ``z``)."""
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


@helper
def sigmoid(z):
    """``1 / (1 + exp(-z))`` without overflow for either sign of ``z``."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


# ------------------------------------------------------------------------------- X passes
@kernel
def matvec_rows(X, w, b, n_groups, out):
    """``out = X @ w + b`` (float64 accumulation, any layout and float dtype of X)."""
    n, p = X.shape
    per = (n + n_groups - 1) // n_groups
    for g in prange(n_groups):
        lo = g * per
        hi = min(n, lo + per)
        for i in range(lo, hi):
            s = 0.0
            for j in range(p):
                s += X[i, j] * w[j]
            out[i] = s + b


@kernel
def matmat_rows(X, W, b, n_groups, out):
    """``out = X @ W.T + b`` for ``W`` (K, p): the multinomial margins."""
    n, p = X.shape
    K = W.shape[0]
    per = (n + n_groups - 1) // n_groups
    for g in prange(n_groups):
        lo = g * per
        hi = min(n, lo + per)
        acc = np.zeros(K)
        for i in range(lo, hi):
            acc[:] = 0.0
            for j in range(p):
                x = X[i, j]
                for k in range(K):
                    acc[k] += x * W[k, j]
            for k in range(K):
                out[i, k] = acc[k] + b[k]


@kernel
def rmatvec_rows(X, r, n_groups, out):
    """``out = X.T @ r`` (length p), one float64 partial per row group, added in order."""
    n, p = X.shape
    per = (n + n_groups - 1) // n_groups
    acc = np.zeros((n_groups, p))
    for g in prange(n_groups):
        lo = g * per
        hi = min(n, lo + per)
        a = acc[g]
        for i in range(lo, hi):
            ri = r[i]
            if ri != 0.0:
                for j in range(p):
                    a[j] += ri * X[i, j]
    out[:] = 0.0
    for g in range(n_groups):
        out += acc[g]


@kernel
@uses_helpers
def binom_fused_rows(X, w, b, y, sw, n_groups, g_out, z_out):
    """The fused streaming epoch of the binary loss, one read of X: per row the margin
    ``z_i = x_i w + b`` (into ``z_out``), then ``r_i = sw_i (sigmoid(z_i) - y_i)`` and
    ``g += r_i x_i`` while the row is in cache.  ``g_out`` receives ``X.T @ r``; returns
    ``(sum_i sw_i loss_i, sum_i r_i)``.  Four rows at a time, so each update of the
    gradient partial is amortised over four rows."""
    n, p = X.shape
    per = (n + n_groups - 1) // n_groups
    acc = np.zeros((n_groups, p))
    part = np.zeros((n_groups, 2))
    for g in prange(n_groups):
        lo = g * per
        hi = min(n, lo + per)
        a = acc[g]
        ls = 0.0
        rs = 0.0
        i = lo
        while i < hi:
            m = min(4, hi - i)
            rr = np.zeros(4)
            for k in range(m):
                s = 0.0
                row = X[i + k]
                for j in range(p):
                    s += row[j] * w[j]
                zi = s + b
                z_out[i + k] = zi
                ls += sw[i + k] * (log1pexp(zi) - y[i + k] * zi)
                rr[k] = sw[i + k] * (sigmoid(zi) - y[i + k])
                rs += rr[k]
            if m == 4:
                x0 = X[i]
                x1 = X[i + 1]
                x2 = X[i + 2]
                x3 = X[i + 3]
                r0 = rr[0]
                r1 = rr[1]
                r2 = rr[2]
                r3 = rr[3]
                for j in range(p):
                    a[j] += r0 * x0[j] + r1 * x1[j] + r2 * x2[j] + r3 * x3[j]
            else:
                for k in range(m):
                    xk = X[i + k]
                    rk = rr[k]
                    for j in range(p):
                        a[j] += rk * xk[j]
            i += m
        part[g, 0] = ls
        part[g, 1] = rs
    g_out[:] = 0.0
    ls = 0.0
    rs = 0.0
    for g in range(n_groups):
        g_out += acc[g]
        ls += part[g, 0]
        rs += part[g, 1]
    return ls, rs


@kernel
def col_sq_weighted(X, h, n_groups, out):
    """``out[j] = sum_i h_i X[i, j]^2`` (the Hessian diagonal of the column solver)."""
    n, p = X.shape
    per = (n + n_groups - 1) // n_groups
    acc = np.zeros((n_groups, p))
    for g in prange(n_groups):
        lo = g * per
        hi = min(n, lo + per)
        a = acc[g]
        for i in range(lo, hi):
            hi_ = h[i]
            for j in range(p):
                x = X[i, j]
                a[j] += hi_ * x * x
    out[:] = 0.0
    for g in range(n_groups):
        out += acc[g]


# ------------------------------------------------------------------------------- binomial
@kernel(fastmath=False)
def binom_stats(z, y, sw, r_out, h_out):
    """At margins ``z``: the raw weighted loss sum; ``r_out = sw (sigmoid(z) - y)`` (the
    gradient weights) and ``h_out = sw p (1 - p)`` (the Hessian weights)."""
    s = 0.0
    for i in range(z.shape[0]):
        zi = z[i]
        pi = sigmoid(zi)
        s += sw[i] * (log1pexp(zi) - y[i] * zi)
        r_out[i] = sw[i] * (pi - y[i])
        h_out[i] = sw[i] * pi * (1.0 - pi)
    return s


@kernel(fastmath=False)
def binom_loss_step(z, xd, t, y, sw):
    """Raw weighted loss sum at margins ``z + t * xd`` (the line search)."""
    s = 0.0
    for i in range(z.shape[0]):
        zi = z[i] + t * xd[i]
        s += sw[i] * (log1pexp(zi) - y[i] * zi)
    return s


# ------------------------------------------------------------------------------- multinomial
@kernel(fastmath=False)
def multi_stats(Z, yi, sw, P_out):
    """At margins ``Z`` (n, K) and class indices ``yi``: the raw weighted loss sum
    ``sum_i sw_i (logsumexp(Z_i) - Z_i[yi_i])``; ``P_out`` receives the softmax."""
    n, K = Z.shape
    s = 0.0
    for i in range(n):
        m = Z[i, 0]
        for k in range(1, K):
            if Z[i, k] > m:
                m = Z[i, k]
        t = 0.0
        for k in range(K):
            e = math.exp(Z[i, k] - m)
            P_out[i, k] = e
            t += e
        for k in range(K):
            P_out[i, k] /= t
        s += sw[i] * (m + math.log(t) - Z[i, yi[i]])
    return s


@kernel(fastmath=False)
def multi_loss_step(Z, c, xd, t, yi, sw):
    """Raw weighted multinomial loss with column ``c`` of the margins moved to
    ``Z[:, c] + t * xd`` (the line search of the block Newton step)."""
    n, K = Z.shape
    s = 0.0
    for i in range(n):
        zc = Z[i, c] + t * xd[i]
        m = zc
        for k in range(K):
            if k != c and Z[i, k] > m:
                m = Z[i, k]
        acc = math.exp(zc - m)
        for k in range(K):
            if k != c:
                acc += math.exp(Z[i, k] - m)
        zy = zc if yi[i] == c else Z[i, yi[i]]
        s += sw[i] * (m + math.log(acc) - zy)
    return s


# ------------------------------------------------------------------------------- inner CD
@kernel(fastmath=False)
@uses_helpers
def cd_gram_quad(H, g, w, v, l1, l2, fit_intercept, max_sweeps, tol):
    """Coordinate descent on the proximal Newton model around ``w``::

        min_v  g . (v - w) + 0.5 (v - w)^T H (v - w) + l1 ||v[:p]||_1 + 0.5 l2 ||v[:p]||^2

    ``H`` is (p + 1, p + 1) with the intercept last (unpenalised; ignored unless
    ``fit_intercept``), ``g``, ``w``, ``v`` have length p + 1; ``v`` (in/out) starts at the
    current iterate.  Stops when a sweep moves no coordinate by more than ``tol`` in gradient
    units (``H_jj |dv_j|``).  Returns the number of sweeps.
    """
    m = H.shape[0]
    p = m - 1
    q = np.zeros(m)  # H (v - w)
    for j in range(m):
        dj = v[j] - w[j]
        if dj != 0.0:
            for k in range(m):
                q[k] += H[k, j] * dj
    it = 0
    for _ in range(max_sweeps):
        it += 1
        dmax = 0.0
        for j in range(m):
            L = H[j, j]
            if j == p:
                if not fit_intercept or L <= 0.0:
                    continue
                new = v[j] - (g[j] + q[j]) / L
            else:
                if L + l2 <= 0.0:
                    continue
                u = L * v[j] - (g[j] + q[j])
                new = cd_solve(u, L, l1, l2, False)
            d = new - v[j]
            if d != 0.0:
                v[j] = new
                for k in range(m):
                    q[k] += H[k, j] * d
                a = abs(d) * L
                if a > dmax:
                    dmax = a
        if dmax <= tol:
            break
    return it


@kernel(fastmath=False)
@uses_helpers
def cd_cols_quad(X, h, hdiag, hsum, g, w, v, l1, l2, fit_intercept, max_sweeps, tol, xd):
    """The same model as :func:`cd_gram_quad` with ``H = X_1^T diag(h) X_1`` never formed
    (wide X): coordinate descent on the columns, keeping ``xd = X (v - w)[:p] + (v - w)[p]``
    (in/out, length n).  ``hdiag[j] = sum_i h_i X[i, j]^2``, ``hsum = sum_i h_i``; ``h``,
    ``g``, ``hdiag`` and ``hsum`` in the same (raw or scaled) units.  Returns the sweeps."""
    n, p = X.shape
    it = 0
    for _ in range(max_sweeps):
        it += 1
        dmax = 0.0
        for j in range(p + 1):
            if j == p:
                if not fit_intercept or hsum <= 0.0:
                    continue
                c = g[p]
                for i in range(n):
                    c += h[i] * xd[i]
                d = -c / hsum
                v[p] += d
                for i in range(n):
                    xd[i] += d
                a = abs(d) * hsum
            else:
                L = hdiag[j]
                if L + l2 <= 0.0:
                    continue
                c = g[j]
                for i in range(n):
                    c += h[i] * X[i, j] * xd[i]
                new = cd_solve(L * v[j] - c, L, l1, l2, False)
                d = new - v[j]
                if d == 0.0:
                    continue
                v[j] = new
                for i in range(n):
                    xd[i] += d * X[i, j]
                a = abs(d) * L
            if a > dmax:
                dmax = a
        if dmax <= tol:
            break
    return it


# ------------------------------------------------------------------------------- first order
@kernel(fastmath=False)
@uses_helpers
def prox_enet_vec(v, step, l1, l2, out):
    """``out = prox(v)`` of the elastic net (the accelerated prox-gradient step)."""
    for j in range(v.shape[0]):
        out[j] = prox_enet(v[j], step, l1, l2, False)


@kernel(fastmath=False)
@uses_helpers
def sgd_logistic_epoch(X, y, sw, order, w, b, eta0, t0, decay, l1, l2, S, fit_intercept):
    """One epoch of proximal SGD on ``(1/S) sum_i sw_i loss_i + P(w)``: for each row ``i``
    (in ``order``) the step ``lr_t = eta0 / (1 + decay * t)`` (``t`` counts rows, from
    ``t0``), ``w <- prox_{lr P}(w - lr * n sw_i / S * (sigmoid(z_i) - y_i) x_i)``.  ``b``
    is a length-1 array (in/out).  Returns the updated row counter."""
    n, p = X.shape
    t = t0
    for ii in range(order.shape[0]):
        i = order[ii]
        z = b[0]
        for j in range(p):
            z += X[i, j] * w[j]
        lr = eta0 / (1.0 + decay * t)
        gi = n * sw[i] / S * (sigmoid(z) - y[i])
        for j in range(p):
            w[j] = prox_enet(w[j] - lr * gi * X[i, j], lr, l1, l2, False)
        if fit_intercept:
            b[0] -= lr * gi
        t += 1.0
    return t
