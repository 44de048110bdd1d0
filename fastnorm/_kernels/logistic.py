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
from fastnorm._kernels.penalty import (
    cd_solve,
    enet_subgrad,
    enet_value,
    prox_enet,
    uses_helpers,
)

__all__ = [
    "binom_fused_rows",
    "binom_loss_step",
    "binom_stats",
    "cd_cols_quad",
    "cd_gram_quad",
    "fista_binary_small",
    "gather_rows_t",
    "gram_t_blocks",
    "log1pexp",
    "log1pexp_sigmoid",
    "matvec_rows",
    "multi_loss_step",
    "multi_stats",
    "newton_binary_small",
    "prox_enet_vec",
    "rmatvec_rows",
    "sgd_logistic_epoch",
    "sgd_multinomial_epoch",
    "sigmoid",
    "ws_newton_binary",
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


@helper
def log1pexp_sigmoid(z):
    """``(log1pexp(z), sigmoid(z))`` from one ``exp``: the same formulas, so the same bits, as
    the two helpers (the exponentials dominate the per-row cost of small problems)."""
    if z > 0.0:
        e = math.exp(-z)
        return z + math.log1p(e), 1.0 / (1.0 + e)
    e = math.exp(z)
    return math.log1p(e), (0.5 if z == 0.0 else e / (1.0 + e))


# ------------------------------------------------------------------------------- X passes
@helper
def dot4(x0, x1, x2, x3, w):
    """``(x0 @ w, x1 @ w, x2 @ w, x3 @ w)`` in float64: four rows' sums sharing each load of
    ``w`` (four independent chains, each in the row's order: the same bits as one row's)."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for j in range(w.shape[0]):
        wj = w[j]
        s0 += x0[j] * wj
        s1 += x1[j] * wj
        s2 += x2[j] * wj
        s3 += x3[j] * wj
    return s0, s1, s2, s3


@kernel
def matvec_rows(X, w, b, n_groups, out):
    """``out = X @ w + b`` (float64 accumulation, any layout and float dtype of X); four rows
    at a time, sharing each load of ``w`` (four independent sums)."""
    n, p = X.shape
    per = (n + n_groups - 1) // n_groups
    for g in prange(n_groups):
        lo = g * per
        hi = min(n, lo + per)
        i = lo
        while i + 4 <= hi:
            x0 = X[i]
            x1 = X[i + 1]
            x2 = X[i + 2]
            x3 = X[i + 3]
            s0, s1, s2, s3 = dot4(x0, x1, x2, x3, w)
            out[i] = s0 + b
            out[i + 1] = s1 + b
            out[i + 2] = s2 + b
            out[i + 3] = s3 + b
            i += 4
        while i < hi:
            s = 0.0
            for j in range(p):
                s += X[i, j] * w[j]
            out[i] = s + b
            i += 1


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
    """``out = X.T @ r`` (length p), one float64 partial per row group, added in order; four
    rows per update of the partial."""
    n, p = X.shape
    per = (n + n_groups - 1) // n_groups
    acc = np.zeros((n_groups, p))
    for g in prange(n_groups):
        lo = g * per
        hi = min(n, lo + per)
        a = acc[g]
        i = lo
        while i + 4 <= hi:
            x0 = X[i]
            x1 = X[i + 1]
            x2 = X[i + 2]
            x3 = X[i + 3]
            r0 = r[i]
            r1 = r[i + 1]
            r2 = r[i + 2]
            r3 = r[i + 3]
            for j in range(p):
                a[j] += r0 * x0[j] + r1 * x1[j] + r2 * x2[j] + r3 * x3[j]
            i += 4
        while i < hi:
            ri = r[i]
            for j in range(p):
                a[j] += ri * X[i, j]
            i += 1
    out[:] = 0.0
    for g in range(n_groups):
        out += acc[g]


@kernel
@uses_helpers
def binom_fused_rows(X, w, b, y, sw, n_groups, g_out, z_out):
    """The fused streaming epoch of the binary loss, one read of X: per row the margin
    ``z_i = x_i w + b`` (into ``z_out``), then ``r_i = sw_i (sigmoid(z_i) - y_i)`` and
    ``g += r_i x_i`` while the row is in cache.  ``g_out`` receives ``X.T @ r``; returns
    ``(sum_i sw_i loss_i, sum_i r_i)``.  Four rows at a time: the four margins share each
    load of ``w`` (four independent sums, no loop-carried latency) and each update of the
    gradient partial is amortised over four rows (scalars only: no allocation per block)."""
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
        while i + 4 <= hi:
            x0 = X[i]
            x1 = X[i + 1]
            x2 = X[i + 2]
            x3 = X[i + 3]
            s0, s1, s2, s3 = dot4(x0, x1, x2, x3, w)
            z0 = s0 + b
            z1 = s1 + b
            z2 = s2 + b
            z3 = s3 + b
            z_out[i] = z0
            z_out[i + 1] = z1
            z_out[i + 2] = z2
            z_out[i + 3] = z3
            l0, q0 = log1pexp_sigmoid(z0)
            l1, q1 = log1pexp_sigmoid(z1)
            l2, q2 = log1pexp_sigmoid(z2)
            l3, q3 = log1pexp_sigmoid(z3)
            ls += sw[i] * (l0 - y[i] * z0) + sw[i + 1] * (l1 - y[i + 1] * z1)
            ls += sw[i + 2] * (l2 - y[i + 2] * z2)
            ls += sw[i + 3] * (l3 - y[i + 3] * z3)
            r0 = sw[i] * (q0 - y[i])
            r1 = sw[i + 1] * (q1 - y[i + 1])
            r2 = sw[i + 2] * (q2 - y[i + 2])
            r3 = sw[i + 3] * (q3 - y[i + 3])
            rs += (r0 + r1) + (r2 + r3)
            for j in range(p):
                a[j] += r0 * x0[j] + r1 * x1[j] + r2 * x2[j] + r3 * x3[j]
            i += 4
        while i < hi:
            xk = X[i]
            s = 0.0
            for j in range(p):
                s += xk[j] * w[j]
            zi = s + b
            z_out[i] = zi
            lz, qz = log1pexp_sigmoid(zi)
            ls += sw[i] * (lz - y[i] * zi)
            rk = sw[i] * (qz - y[i])
            rs += rk
            for j in range(p):
                a[j] += rk * xk[j]
            i += 1
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
def gather_rows_t(X, idx, h, intercept, out):
    """``out[j, t] = h[t] X[idx[t], j]`` (and ``out[p, t] = h[t]`` when ``intercept``): the
    scaled rows ``idx`` of X, transposed, for :func:`gram_t_blocks`.  Eight rows per task,
    the column index outside: each write of eight fills one cache line of ``out`` (a row at
    a time, writing a column of ``out`` per row, was 5x slower at 3000 x 400)."""
    p = X.shape[1]
    m = idx.shape[0]
    for c in prange((m + 7) // 8):
        lo = 8 * c
        hi = min(m, lo + 8)
        for j in range(p):
            for t in range(lo, hi):
                out[j, t] = h[t] * X[idx[t], j]
        if intercept:
            for t in range(lo, hi):
                out[p, t] = h[t]


@helper
def _tile4x4_in(At, j0, k0, m, out):
    """``out[j0 + u, k0 + v] = sum_{r < m} At[j0 + u, r] At[k0 + v, r]`` for u, v < 4, the
    sums in ``At``'s own dtype (float32: twice the lanes of float64).  Each pair of loaded
    rows feeds 16 independent sums, which LLVM vectorises along ``r`` under ``reassoc``; a
    fixed order of operations, so the bits do not depend on where it is called from."""
    a0 = At[j0]
    a1 = At[j0 + 1]
    a2 = At[j0 + 2]
    a3 = At[j0 + 3]
    c0 = At[k0]
    c1 = At[k0 + 1]
    c2 = At[k0 + 2]
    c3 = At[k0 + 3]
    zero = np.zeros(1, At.dtype)[0]
    s00 = s01 = s02 = s03 = zero
    s10 = s11 = s12 = s13 = zero
    s20 = s21 = s22 = s23 = zero
    s30 = s31 = s32 = s33 = zero
    for r in range(m):
        x0 = a0[r]
        x1 = a1[r]
        x2 = a2[r]
        x3 = a3[r]
        z0 = c0[r]
        z1 = c1[r]
        z2 = c2[r]
        z3 = c3[r]
        s00 += x0 * z0
        s01 += x0 * z1
        s02 += x0 * z2
        s03 += x0 * z3
        s10 += x1 * z0
        s11 += x1 * z1
        s12 += x1 * z2
        s13 += x1 * z3
        s20 += x2 * z0
        s21 += x2 * z1
        s22 += x2 * z2
        s23 += x2 * z3
        s30 += x3 * z0
        s31 += x3 * z1
        s32 += x3 * z2
        s33 += x3 * z3
    out[j0, k0] = s00
    out[j0, k0 + 1] = s01
    out[j0, k0 + 2] = s02
    out[j0, k0 + 3] = s03
    out[j0 + 1, k0] = s10
    out[j0 + 1, k0 + 1] = s11
    out[j0 + 1, k0 + 2] = s12
    out[j0 + 1, k0 + 3] = s13
    out[j0 + 2, k0] = s20
    out[j0 + 2, k0 + 1] = s21
    out[j0 + 2, k0 + 2] = s22
    out[j0 + 2, k0 + 3] = s23
    out[j0 + 3, k0] = s30
    out[j0 + 3, k0 + 1] = s31
    out[j0 + 3, k0 + 2] = s32
    out[j0 + 3, k0 + 3] = s33


@kernel
@uses_helpers
def gram_t_blocks(At, out):
    """``out = At @ At.T`` for a contiguous ``At`` of shape (P, m), ``P`` a multiple of 4 (the
    sampled Hessian of the tall L-BFGS preconditioner, rows scaled and transposed by the
    wrapper).  4 x 4 blocks of dot products over the contiguous ``m`` axis: each pair of
    loaded vectors feeds 16 independent sums.  Task ``q`` takes block rows ``q`` and
    ``nb - 1 - q`` of the lower triangle (equal work per task); each entry is one sum in a
    fixed order, so results do not depend on the thread count.  The sums are in ``At``'s
    dtype: float32 halves the time (a preconditioner needs no more digits)."""
    P, m = At.shape
    nb = P // 4
    for q in prange((nb + 1) // 2):
        qq = np.int64(q)  # prange's index may be unsigned: keep the block arithmetic signed
        for side in range(2):
            bj = qq if side == 0 else nb - 1 - qq
            if side == 1 and bj == qq:
                continue
            j0 = 4 * bj
            for bk in range(bj + 1):
                _tile4x4_in(At, j0, 4 * bk, m, out)
    for j in range(P):
        for k in range(j + 1, P):
            out[j, k] = out[k, j]


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
@helper
def _binom_stats(z, y, sw, r_out, h_out):
    s = 0.0
    for i in range(z.shape[0]):
        zi = z[i]
        lz, pi = log1pexp_sigmoid(zi)
        s += sw[i] * (lz - y[i] * zi)
        r_out[i] = sw[i] * (pi - y[i])
        h_out[i] = sw[i] * pi * (1.0 - pi)
    return s


@helper
def _binom_loss_step(z, xd, t, y, sw):
    s = 0.0
    for i in range(z.shape[0]):
        zi = z[i] + t * xd[i]
        s += sw[i] * (log1pexp(zi) - y[i] * zi)
    return s


@kernel(fastmath=False)
def binom_stats(z, y, sw, r_out, h_out):
    """At margins ``z``: the raw weighted loss sum; ``r_out = sw (sigmoid(z) - y)`` (the
    gradient weights) and ``h_out = sw p (1 - p)`` (the Hessian weights)."""
    return _binom_stats(z, y, sw, r_out, h_out)


@kernel(fastmath=False)
def binom_loss_step(z, xd, t, y, sw):
    """Raw weighted loss sum at margins ``z + t * xd`` (the line search)."""
    return _binom_loss_step(z, xd, t, y, sw)


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
@helper
def _cd_quad(H, g, w, v, l1, l2, fit_intercept, max_sweeps, tol):
    """(Body of :func:`cd_gram_quad`, inlined also into :func:`newton_binary_small`.)
    Coordinate descent on the proximal Newton model around ``w``::

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
def cd_gram_quad(H, g, w, v, l1, l2, fit_intercept, max_sweeps, tol):
    """Coordinate descent on the proximal Newton model (see :func:`_cd_quad`); returns the
    number of sweeps."""
    return _cd_quad(H, g, w, v, l1, l2, fit_intercept, max_sweeps, tol)


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


# ------------------------------------------------------------------------------- multinomial SGD
@kernel(fastmath=False)
@uses_helpers
def sgd_multinomial_epoch(X, yi, sw, order, W, B, eta0, t0, decay, l1, l2, S, fit_intercept):
    """One epoch of proximal SGD on the multinomial ``(1/S) sum_i sw_i loss_i + sum_k P(W_k)``
    (:func:`sgd_logistic_epoch` with the softmax gradient): for each row ``i`` (in ``order``)
    the margins ``z_k = x_i W_k + B_k``, ``p = softmax(z)`` (max-shifted), then for every class
    ``W_k <- prox_{lr P}(W_k - lr * n sw_i / S * (p_k - [y_i = k]) x_i)``, ``lr_t = eta0 /
    (1 + decay * t)``.  ``W`` (K, p) and ``B`` (K) in/out.  Returns the updated row counter."""
    n, p = X.shape
    K = W.shape[0]
    z = np.empty(K)
    t = t0
    for ii in range(order.shape[0]):
        i = order[ii]
        m = -math.inf
        for k in range(K):
            s = B[k]
            for j in range(p):
                s += X[i, j] * W[k, j]
            z[k] = s
            if s > m:
                m = s
        tot = 0.0
        for k in range(K):
            z[k] = math.exp(z[k] - m)
            tot += z[k]
        lr = eta0 / (1.0 + decay * t)
        c = n * sw[i] / S
        for k in range(K):
            gi = c * (z[k] / tot - (1.0 if yi[i] == k else 0.0))
            for j in range(p):
                W[k, j] = prox_enet(W[k, j] - lr * gi * X[i, j], lr, l1, l2, False)
            if fit_intercept:
                B[k] -= lr * gi
        t += 1.0
    return t


# ------------------------------------------------------------------------------- working set
@helper
def _violation(w, g, l1, l2, fit_intercept):
    """The largest distance of ``-g`` to the penalty's subdifferential over the k
    coefficients ``w`` (and ``|g[k]|``, the intercept's gradient): the binary kernels' stopping
    measure, :func:`fastnorm.linear_model._logistic_steps.violation`'s twin."""
    k = w.shape[0]
    viol = 0.0
    for j in range(k):
        e = enet_subgrad(w[j], g[j], l1, l2, False)
        if not e <= viol:
            viol = e
    if fit_intercept and not abs(g[k]) <= viol:
        viol = abs(g[k])
    return viol


@helper
def _armijo_step(z, xd, y, sw, S, w, wv, v, wt, l1, l2, obj, delta, flat, armijo):
    """The step of a binary proximal Newton direction ``v - wv`` (margins ``z``, their
    change ``xd``; ``delta`` the model's decrease): 1 when ``delta`` is under the
    objective's rounding (``flat``), else the first of 1, 1/2, ... (60 halvings) meeting
    Armijo's condition on the exact objective, 0 when none does.  ``wt`` is scratch."""
    if abs(delta) <= flat * abs(obj):
        return 1.0
    dec = delta if delta < 0.0 else 0.0
    t = 1.0
    for _ in range(60):
        for j in range(w.shape[0]):
            wt[j] = w[j] + t * (v[j] - wv[j])
        new_obj = _binom_loss_step(z, xd, t, y, sw) / S + enet_value(wt, l1, l2)
        if new_obj <= obj + armijo * t * dec:
            return t
        t *= 0.5
    return 0.0


@helper
def _cd_rows_active(Bk, hs, hd, hsum, g, w, v, l1, l2, fit_intercept, max_sweeps, tol, xd,
                    active):  # fmt: skip
    """Coordinate descent on the proximal Newton model (the model of :func:`cd_cols_quad`)
    over the features' rows ``Bk`` (m, n): a working set's gathered columns, or ``X.T``
    (``xd = Bk^T (v - w)[:m] + (v - w)[m]`` kept in/out; the intercept is ``g[m]``,
    ``v[m]``), sweeping only the nonzero coordinates between full sweeps (glmnet's active
    set): with L1 on wide X most coordinates stay at zero and a full sweep is needed only to
    confirm it.  Stops after a full sweep that moved no coordinate by more than ``tol``
    (gradient units).  ``active`` (m, bool) is scratch.  Returns the sweeps."""
    m, n = Bk.shape
    for j in range(m):
        active[j] = w[j] != 0.0
    full = True
    it = 0
    for _ in range(max_sweeps):
        it += 1
        dmax = 0.0
        if fit_intercept and hsum > 0.0:
            c = g[m]
            for i in range(n):
                c += hs[i] * xd[i]
            d = -c / hsum
            if d != 0.0:
                v[m] += d
                for i in range(n):
                    xd[i] += d
                dmax = abs(d) * hsum
        for j in range(m):
            if not (full or active[j]):
                continue
            L = hd[j]
            if L + l2 <= 0.0:
                continue
            row = Bk[j]
            c = g[j]
            for i in range(n):
                c += hs[i] * row[i] * xd[i]
            new = cd_solve(L * v[j] - c, L, l1, l2, False)
            if new != 0.0:
                active[j] = True
            d = new - v[j]
            if d != 0.0:
                v[j] = new
                for i in range(n):
                    xd[i] += d * row[i]
                a = abs(d) * L
                if a > dmax:
                    dmax = a
        if dmax <= tol:
            if full:
                break
            full = True
        else:
            full = False
    return it


@kernel(fastmath=False)
@uses_helpers
def ws_newton_binary(Bk, y, sw, S, l1, l2, fit_intercept, w, b, z, max_steps, max_sweeps, tol,
                     armijo, flat):  # fmt: skip
    """Proximal Newton for the binary problem restricted to a working set: the features whose
    columns are gathered in ``Bk`` (m, n) (one float64 row per feature), every other feature
    held at 0.  The steps of :func:`newton_binary_small` on the columns (diagonal-scaled
    active-set coordinate descent on the model, Armijo backtracking by halves on the exact
    objective), reading ``Bk`` row by row.  ``w`` (m), ``b`` (length 1) and the margins
    ``z = Bk^T w + b`` (n) in/out.  Stops when the optimality violation on the set (intercept
    included) is at most ``tol``, or after ``max_steps`` steps; each model is minimised by at
    most ``max_sweeps`` sweeps.  Returns ``(steps, violation,
    status)``; status 1 when no step decreased the objective (machine precision)."""
    m, n = Bk.shape
    r = np.empty(n)
    h = np.empty(n)
    hs = np.empty(n)
    xd = np.empty(n)
    g = np.empty(m + 1)
    hd = np.empty(m)
    wv = np.empty(m + 1)
    v = np.empty(m + 1)
    wt = np.empty(m)
    active = np.empty(m, dtype=np.bool_)
    obj = _binom_stats(z, y, sw, r, h) / S + enet_value(w, l1, l2)
    viol = math.inf
    it = 0
    status = 0
    for step in range(1, max_steps + 2):
        # the gradient and the model's diagonal in one read of the block
        rs = 0.0
        hsum = 0.0
        for i in range(n):
            rs += r[i]
            hi = h[i] / S
            hs[i] = hi
            hsum += hi
        dmax = 1.0
        for j in range(m):
            row = Bk[j]
            s = 0.0
            q = 0.0
            for i in range(n):
                x = row[i]
                s += x * r[i]
                q += hs[i] * x * x
            g[j] = s / S
            hd[j] = q
            if q > dmax:
                dmax = q
        g[m] = rs / S
        viol = _violation(w, g, l1, l2, fit_intercept)
        if viol <= tol or viol != viol or step > max_steps:
            break
        it = step
        for i in range(n):
            xd[i] = 0.0
        for j in range(m):
            hd[j] += 1e-12 * dmax  # as newton_binary_small: bounded on separable data
            wv[j] = w[j]
            v[j] = w[j]
        wv[m] = b[0]
        v[m] = b[0]
        itol = 1e-2 * viol
        if itol < 0.1 * tol:
            itol = 0.1 * tol
        _cd_rows_active(Bk, hs, hd, hsum, g, wv, v, l1, l2, fit_intercept, max_sweeps, itol, xd,
                        active)  # fmt: skip
        delta = 0.0
        for j in range(m + 1):
            delta += g[j] * (v[j] - wv[j])
        delta += enet_value(v[:m], l1, l2) - enet_value(w, l1, l2)
        t = _armijo_step(z, xd, y, sw, S, w, wv, v, wt, l1, l2, obj, delta, flat, armijo)
        if t == 0.0:
            it -= 1
            status = 1
            break
        for j in range(m):
            w[j] = w[j] + t * (v[j] - wv[j])
        b[0] += t * (v[m] - wv[m])
        for i in range(n):
            z[i] += t * xd[i]
        obj = _binom_stats(z, y, sw, r, h) / S + enet_value(w, l1, l2)
    return it, viol, status


# ------------------------------------------------------------------------------- small
@helper
def _chol_solve(A, rhs, k):
    """Solve ``A[:k, :k] x = rhs[:k]`` in place in ``rhs`` (``A`` symmetric positive definite,
    overwritten by its Cholesky factor).  Returns False if ``A`` is not positive definite."""
    for j in range(k):
        s = A[j, j]
        for q in range(j):
            s -= A[j, q] * A[j, q]
        if not s > 0.0:
            return False
        d = math.sqrt(s)
        A[j, j] = d
        for i in range(j + 1, k):
            t = A[i, j]
            for q in range(j):
                t -= A[i, q] * A[j, q]
            A[i, j] = t / d
    for i in range(k):
        t = rhs[i]
        for q in range(i):
            t -= A[i, q] * rhs[q]
        rhs[i] = t / A[i, i]
    for i in range(k - 1, -1, -1):
        t = rhs[i]
        for q in range(i + 1, k):
            t -= A[q, i] * rhs[q]
        rhs[i] = t / A[i, i]
    return True


@kernel
@uses_helpers
def newton_binary_small(
    X, y, sw, S, l1, l2, fit_intercept, w, b, max_iter, tol, armijo, flat, cols
):
    """The proximal Newton solver of the binary problem, whole, for small X (no Python per
    step): the same steps as ``_newton_binary`` in :mod:`fastnorm.linear_model._logistic`
    (weighted Gram model; Cholesky for a smooth penalty, coordinate descent with L1; Armijo
    backtracking by halves on the exact objective).  ``cols``: no Gram matrix, the model is
    minimised by active-set coordinate descent on the columns (wide X with L1).  ``w`` (p)
    and ``b`` (length 1) in/out.  Returns ``(iterations, violation, objective, status)``;
    status 1 when the solver stopped with no decrease along its step (machine precision)."""
    n, p = X.shape
    m = p + 1
    z = np.empty(n)
    r = np.empty(n)
    h = np.empty(n)
    xd = np.empty(n)
    g = np.empty(m)
    mm = 1 if cols else m  # no Gram matrix on the columns
    H = np.empty((mm, mm))
    A = np.empty((mm, mm))
    wv = np.empty(m)
    v = np.empty(m)
    wt = np.empty(p)
    hd = np.empty(p)
    hs = np.empty(n)
    status = 0
    for i in range(n):
        s = b[0]
        for j in range(p):
            s += X[i, j] * w[j]
        z[i] = s
    loss = _binom_stats(z, y, sw, r, h) / S
    obj = loss + enet_value(w, l1, l2)
    viol = math.inf
    it = 0
    for step in range(1, max_iter + 2):
        # gradient (over S) and the optimality violation
        for j in range(m):
            g[j] = 0.0
        for i in range(n):
            ri = r[i]
            for j in range(p):
                g[j] += ri * X[i, j]
            g[p] += ri
        for j in range(m):
            g[j] /= S
        viol = _violation(w, g, l1, l2, fit_intercept)
        if viol <= tol or viol != viol or step > max_iter:
            break
        it = step
        for j in range(p):
            wv[j] = w[j]
        wv[p] = b[0]
        for j in range(m):
            v[j] = wv[j]
        if cols:
            # the diagonal of the model only; xd maintained by the coordinate descent
            hsum = 0.0
            for j in range(p):
                hd[j] = 0.0
            for i in range(n):
                hi = h[i] / S
                hs[i] = hi
                hsum += hi
                xd[i] = 0.0
                for j in range(p):
                    hd[j] += hi * X[i, j] * X[i, j]
            dmax = 1.0
            for j in range(p):
                if hd[j] > dmax:
                    dmax = hd[j]
            for j in range(p):
                hd[j] += 1e-12 * dmax
            itol = 1e-2 * viol
            if itol < 0.1 * tol:
                itol = 0.1 * tol
            # X.T: one row per feature, as the working set's gathered block (strided here)
            _cd_rows_active(X.T, hs, hd, hsum, g, wv, v, l1, l2, fit_intercept, 10 * m + 100,
                            itol, xd, np.zeros(p, dtype=np.bool_))  # fmt: skip
        else:
            # the model: [X 1]^T diag(h / S) [X 1], lower triangle then mirrored
            for j in range(m):
                for k in range(m):
                    H[j, k] = 0.0
            for i in range(n):
                hi = h[i] / S
                for j in range(p):
                    xj = hi * X[i, j]
                    for k in range(j + 1):
                        H[j, k] += xj * X[i, k]
                    H[p, j] += xj
                H[p, p] += hi
            dmax = 1.0
            for j in range(m):
                for k in range(j + 1, m):
                    H[j, k] = H[k, j]
                if H[j, j] > dmax:
                    dmax = H[j, j]
            for j in range(m):
                H[j, j] += 1e-12 * dmax
            if l1 > 0.0:
                itol = 1e-3 * viol
                if itol < 0.1 * tol:
                    itol = 0.1 * tol
                _cd_quad(H, g, wv, v, l1, l2, fit_intercept, 10 * m + 100, itol)
            else:
                k = m if fit_intercept else p
                for j in range(k):
                    for q in range(k):
                        A[j, q] = H[j, q]
                for j in range(p):
                    A[j, j] += l2
                for j in range(k):
                    v[j] = -g[j] - (l2 * wv[j] if j < p else 0.0)
                if not _chol_solve(A, v, k):
                    status = 1
                    break
                for j in range(k):
                    v[j] += wv[j]
            for i in range(n):
                s = v[p] - wv[p]
                for j in range(p):
                    s += X[i, j] * (v[j] - wv[j])
                xd[i] = s
        # the model decrease g . d + P(v) - P(w)
        delta = 0.0
        for j in range(m):
            delta += g[j] * (v[j] - wv[j])
        delta += enet_value(v[:p], l1, l2) - enet_value(w, l1, l2)
        db = v[p] - wv[p]
        t = _armijo_step(z, xd, y, sw, S, w, wv, v, wt, l1, l2, obj, delta, flat, armijo)
        if t == 0.0:
            it -= 1
            status = 1
            break
        for j in range(p):
            w[j] = w[j] + t * (v[j] - wv[j])
        b[0] += t * db
        for i in range(n):
            z[i] += t * xd[i]
        loss = _binom_stats(z, y, sw, r, h) / S
        obj = loss + enet_value(w, l1, l2)
    return it, viol, obj, status


@helper
def _binom_loss_grad(X, w, b, y, sw, S, g):
    """Serial ``(loss, g[:p] = X^T r / S, g[p] = sum r / S)`` at ``(w, b)`` (one read of X)."""
    n, p = X.shape
    for j in range(p + 1):
        g[j] = 0.0
    ls = 0.0
    for i in range(n):
        s = b
        for j in range(p):
            s += X[i, j] * w[j]
        lz, pz = log1pexp_sigmoid(s)
        ls += sw[i] * (lz - y[i] * s)
        ri = sw[i] * (pz - y[i])
        for j in range(p):
            g[j] += ri * X[i, j]
        g[p] += ri
    for j in range(p + 1):
        g[j] /= S
    return ls / S


@helper
def _binom_loss(X, w, b, y, sw, S):
    n, p = X.shape
    ls = 0.0
    for i in range(n):
        s = b
        for j in range(p):
            s += X[i, j] * w[j]
        ls += sw[i] * (log1pexp(s) - y[i] * s)
    return ls / S


@kernel
@uses_helpers
def fista_binary_small(X, y, sw, S, l1, l2, fit_intercept, w, b, max_iter, tol, L):
    """The accelerated proximal gradient solver of the binary problem, whole, for small X
    (the steps of ``_fista`` in :mod:`fastnorm.linear_model._logistic`: backtracking on the
    quadratic bound, function restart, ``L`` shrunk by 0.9 per step).  ``w`` (p) and ``b``
    (length 1) in/out; ``L`` the first curvature estimate.  Returns the iterations."""
    n, p = X.shape
    wy = w.copy()
    by = b[0]
    wn = np.empty(p)
    g = np.empty(p + 1)
    tk = 1.0
    obj = math.inf
    it = 0
    for step in range(1, max_iter + 1):
        it = step
        fy = _binom_loss_grad(X, wy, by, y, sw, S, g)
        gb = g[p] if fit_intercept else 0.0
        fn = 0.0
        bn = by
        dmax = 0.0
        for _ in range(60):
            step = 1.0 / L
            dot = 0.0
            sq = 0.0
            dmax = 0.0
            for j in range(p):
                wn[j] = prox_enet(wy[j] - g[j] * step, step, l1, l2, False)
                d = wn[j] - wy[j]
                dot += g[j] * d
                sq += d * d
                if abs(d) > dmax:
                    dmax = abs(d)
            bn = by - gb * step
            db = bn - by
            fn = _binom_loss(X, wn, bn, y, sw, S)
            if fn <= fy + dot + gb * db + 0.5 * L * (sq + db * db) + 1e-12 * abs(fy):
                break
            L *= 2.0
        if fit_intercept and abs(bn - by) > dmax:
            dmax = abs(bn - by)
        viol = L * dmax
        new_obj = fn + enet_value(wn, l1, l2)
        if new_obj > obj and tk > 1.0:
            tk = 1.0
            for j in range(p):
                wy[j] = w[j]
            by = b[0]
            continue
        t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * tk * tk))
        beta = (tk - 1.0) / t_next
        for j in range(p):
            wy[j] = wn[j] + beta * (wn[j] - w[j])
            w[j] = wn[j]
        by = bn + beta * (bn - b[0])
        b[0] = bn
        obj = new_obj
        tk = t_next
        L *= 0.9
        if viol <= tol:
            break
    return it
