"""Fused row pass of the multinomial logistic loss: one read of X gives the K margins of
every row, the softmax, the loss and the K-row gradient ``(P - Y)^T X``, where the
per-class passes read X K + 1 times (margins, then one ``X.T @ r_k`` per class).

No validation here (see :mod:`fastnorm.linear_model._logistic`).  Scale: every sum is raw
(``sum_i sw_i ...``); the wrapper divides by ``S = sum_i sw_i``.

The rows are split into ``n_groups`` contiguous groups (fixed by the wrapper from the
shape, never from the thread count), each with its own float64 partials, added in group
order at the end: results do not depend on the number of threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastnorm._config import helper, kernel
from fastnorm._kernels.logistic import dot4
from fastnorm._kernels.penalty import uses_helpers

__all__ = ["multi_fused_rows"]


@helper
def _softmax_row(z, yk, swi, p_out, r_out):
    """Softmax of the K margins ``z`` into ``p_out``, ``r_out = swi (p - onehot(yk))``;
    returns ``swi (logsumexp(z) - z[yk])``.  The max is taken out first, so no exp
    overflows (the formulas of ``logistic.multi_stats``)."""
    K = z.shape[0]
    m = z[0]
    for k in range(1, K):
        if z[k] > m:
            m = z[k]
    t = 0.0
    for k in range(K):
        e = math.exp(z[k] - m)
        p_out[k] = e
        t += e
    for k in range(K):
        q = p_out[k] / t
        p_out[k] = q
        r_out[k] = swi * (q - 1.0) if k == yk else swi * q
    return swi * (m + math.log(t) - z[yk])


@kernel
@uses_helpers
def multi_fused_rows(X, W, B, yi, sw, grad, n_groups, G_out, gB_out, Z_out, P_out):
    """The fused multinomial pass, one read of X.  Per row the margins
    ``Z_i = W x_i + B`` (into ``Z_out``), the softmax (into ``P_out``), ``r_ik = sw_i
    (P_ik - [yi_i == k])`` and ``G[k] += r_ik x_i`` while the row is in cache.  ``G_out``
    (K, p) receives ``R.T @ X``, ``gB_out`` (K,) ``R.sum(0)``; returns ``sum_i sw_i
    (logsumexp(Z_i) - Z_i[yi_i])``.  Four rows at a time: their margins share each load
    of ``W[k, j]`` (four independent sums) and each update of a gradient partial row is
    amortised over four rows.  ``grad=False``: the margins, softmax and loss only (the
    line searches), ``G_out`` and ``gB_out`` left zero."""
    n, p = X.shape
    K = W.shape[0]
    per = (n + n_groups - 1) // n_groups
    acc = np.zeros((n_groups, K, p))
    accb = np.zeros((n_groups, K))
    part = np.zeros(n_groups)
    for g in prange(n_groups):
        lo = g * per
        hi = min(n, lo + per)
        a = acc[g]
        ab = accb[g]
        zb = np.empty((4, K))
        rb = np.empty((4, K))
        ls = 0.0
        i = lo
        while i + 4 <= hi:
            x0 = X[i]
            x1 = X[i + 1]
            x2 = X[i + 2]
            x3 = X[i + 3]
            for k in range(K):
                s0, s1, s2, s3 = dot4(x0, x1, x2, x3, W[k])
                bk = B[k]
                zb[0, k] = s0 + bk
                zb[1, k] = s1 + bk
                zb[2, k] = s2 + bk
                zb[3, k] = s3 + bk
            for t in range(4):
                ls += _softmax_row(zb[t], yi[i + t], sw[i + t], P_out[i + t], rb[t])
                for k in range(K):
                    Z_out[i + t, k] = zb[t, k]
            for k in range(K if grad else 0):
                r0 = rb[0, k]
                r1 = rb[1, k]
                r2 = rb[2, k]
                r3 = rb[3, k]
                ab[k] += (r0 + r1) + (r2 + r3)
                ak = a[k]
                for j in range(p):
                    ak[j] += r0 * x0[j] + r1 * x1[j] + r2 * x2[j] + r3 * x3[j]
            i += 4
        while i < hi:
            xi = X[i]
            for k in range(K):
                wk = W[k]
                s = 0.0
                for j in range(p):
                    s += xi[j] * wk[j]
                zb[0, k] = s + B[k]
            ls += _softmax_row(zb[0], yi[i], sw[i], P_out[i], rb[0])
            for k in range(K):
                Z_out[i, k] = zb[0, k]
            for k in range(K if grad else 0):
                rk = rb[0, k]
                ab[k] += rk
                ak = a[k]
                for j in range(p):
                    ak[j] += rk * xi[j]
            i += 1
        part[g] = ls
    G_out[:] = 0.0
    gB_out[:] = 0.0
    ls = 0.0
    for g in range(n_groups):
        G_out += acc[g]
        gB_out += accb[g]
        ls += part[g]
    return ls
