"""Kernels for many problems and many targets at once.

``batch_gram_cd``: every problem of a batch (rows ``starts[g]:starts[g+1]``) from its rows
to its coefficients in one parallel task: the shift, the Gram pass and the centring of its
single fit, then that fit's serial coordinate descent to its own duality gap.  Nothing of
size (problems x p x p) or (problems x max_iter) is allocated: each chunk of problems owns a
small scratch, so the whole batch reads X once and writes only the coefficients.  Each step
calls the single fit's own compiled code (``_batch_shift``, ``_gram_aug_rows.serial``,
``cd_gram_epochs.serial``) and repeats its centring operation by operation, so each problem's
statistics and iterates are bit-identical to its single fit.

No validation here (see :mod:`fastnorm.linear_model._batch`).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastnorm._config import helper, kernel
from fastnorm._kernels.gram import _batch_shift, _cd_gram_serial, _gram_aug_serial
from fastnorm._kernels.penalty import uses_helpers

__all__ = [
    "BATCH_CHUNK",
    "batch_gram_cd",
    "epoch_lsq_many_cols",
    "epoch_lsq_many_rows",
    "group_order",
]

#: Problems per parallel task of ``batch_gram_cd`` (one scratch each; a fixed number, so the
#: tasks do not depend on the thread count; each problem is serial anyway).
BATCH_CHUNK = 16


@kernel(fastmath=False)
@uses_helpers
def batch_gram_cd(
    X, order, starts, y, sw, weighted, fortran, fit_intercept, n_groups, R, pp, solve, l1, l2,
    tol, d_w_tol, positive, max_iter, G_out, Xty_out, W, X_off, y_off, yty_out, out_iter,
    out_gap, bad,
):  # fmt: skip
    """Problem ``g``: rows ``starts[g]:starts[g+1]`` of X (of ``X[order]`` when ``order`` is
    not empty) and of the ordered ``y`` and ``sw`` (``sw`` is ``y`` when not ``weighted``).
    Writes its offsets ``X_off[g]``, ``y_off[g]``, ``yty_out[g]`` (the centred, clipped
    ``||y||^2``); when ``solve``, the coordinate descent of ``cd_gram_many`` with penalties
    ``l1[g] * n``, ``l2[g] * n``, stopping at ``tol[g] * yty`` (``W[g]``, ``out_iter[g]``,
    ``out_gap[g]`` the raw gap), else the centred ``G_out[g]`` and ``Xty_out[g]``.
    ``bad[g] = 1`` (and nothing else for ``g``) when its sums are not finite."""
    b = starts.shape[0] - 1
    p = X.shape[1]
    gather = order.shape[0] > 0
    n_chunks = (b + BATCH_CHUNK - 1) // BATCH_CHUNK
    for c in prange(n_chunks):
        S = np.empty((pp, pp))
        Q = np.empty((p, p))
        q = np.empty(p)
        Qw = np.empty(p)
        XtA = np.empty(p)
        active = np.empty(p, dtype=np.int64)
        excluded = np.empty(p, dtype=np.uint8)
        state = np.empty(6, dtype=np.int64)
        obj = np.empty(max_iter)
        gaps = np.empty(max_iter)
        ysh = np.empty(1)
        for g in range(c * BATCH_CHUNK, min(b, (c + 1) * BATCH_CHUNK)):
            lo = starts[g]
            hi = starts[g + 1]
            m = hi - lo
            ys = y[lo:hi].reshape((m, 1))
            ws = sw[lo:hi]
            sh = X_off[g]
            S[:] = 0.0
            if gather:
                Xg = X[order[lo:hi]]
                _batch_shift(Xg, ys, fit_intercept, sh, ysh)
                _gram_aug_serial(Xg, ys, ws, weighted, False, sh, ysh, n_groups[g], R, S)
            else:
                Xv = X[lo:hi]
                _batch_shift(Xv, ys, fit_intercept, sh, ysh)
                _gram_aug_serial(Xv, ys, ws, weighted, fortran, sh, ysh, n_groups[g], R, S)
            finite = True
            for i in range(p + 2):
                for j in range(i, p + 2):
                    if not np.isfinite(S[i, j]):
                        finite = False
            if not finite:
                bad[g] = 1
                continue
            # _finish_stats, operation by operation (upper triangle S[min, max])
            if fit_intercept:
                sw_tot = S[p + 1, p + 1]
                dy = S[p, p + 1] / sw_tot
                for i in range(p):
                    q[i] = S[i, p + 1] / sw_tot  # dx for now
                for i in range(p):
                    for j in range(p):
                        sij = S[i, j] if i <= j else S[j, i]
                        Q[i, j] = sij - sw_tot * (q[i] * q[j])
                for i in range(p):
                    dx = q[i]
                    q[i] = S[i, p] - (sw_tot * dx) * dy
                    sh[i] = sh[i] + dx
                yty = S[p, p] - (sw_tot * dy) * dy
                y_off[g] = ysh[0] + dy
            else:
                for i in range(p):
                    for j in range(p):
                        Q[i, j] = S[i, j] if i <= j else S[j, i]
                    q[i] = S[i, p]
                    sh[i] = 0.0
                yty = S[p, p]
                y_off[g] = 0.0
            yty = max(yty, 0.0)
            yty_out[g] = yty
            if not solve:
                G_out[g] = Q
                Xty_out[g] = q
                continue
            # cd_gram_many's set-up for one problem, then its serial solver
            n = float(m)
            alpha = l1[g] * n
            beta = l2[g] * n
            w = W[g]
            w[:] = 0.0
            for j in range(p):
                active[j] = j
                excluded[j] = 0
            state[:] = 0
            state[0] = p
            state[3] = max_iter
            it, gap = _cd_gram_serial(
                Q, q, yty, alpha, beta, w, Qw, XtA, active, excluded, state, tol[g] * yty,
                d_w_tol, positive, alpha != 0, 0, max_iter, obj, gaps, n,
            )  # fmt: skip
            out_iter[g] = it
            out_gap[g] = gap


# ---------------------------------------------------------------------------------------------
# Many targets on the streaming solver: one pass over X per epoch for every target's residual.


@helper
def _combine(gpart, spart, G_out, S_out):
    """The row blocks' partial gradients and sums added in block order (the result does not
    depend on the thread count), as the single pass combines its own."""
    nblk, k, p = gpart.shape
    for t in range(k):
        for j in range(p):
            G_out[t, j] = 0.0
        for m in range(3):
            S_out[t, m] = 0.0
    for blk in range(nblk):
        for t in range(k):
            g = gpart[blk, t]
            for j in range(p):
                G_out[t, j] += g[j]
            for m in range(3):
                S_out[t, m] += spart[blk, t, m]


@kernel
def epoch_lsq_many_rows(X, Y, cols, sw, W, bs, rpb, G_out, S_out):
    """``epoch_lsq_rows`` for several targets in one pass over C-ordered ``X`` (n, p).

    Target ``t`` is column ``cols[t]`` of ``Y`` (n, K) at ``(W[t], bs[t])``: ``G_out[t] =
    X.T @ (sw * r_t)`` and ``S_out[t] = (sum(sw r_t), sum(sw r_t^2), sum(sw r_t y_t))``.
    Each target's operations, their order and the row blocks are those of
    ``epoch_lsq_rows`` (four rows at a time, one dot loop per row, the same block
    partials combined in block order), so each target gets its single pass's bits; the
    four rows stay in L1 while every target reads them.
    """
    n, p = X.shape
    k = W.shape[0]
    nblk = (n + rpb - 1) // rpb
    gpart = np.zeros((nblk, k, p), dtype=np.float64)
    spart = np.zeros((nblk, k, 3), dtype=np.float64)
    has_sw = sw.shape[0] == n
    for blk in prange(nblk):
        lo = blk * rpb
        hi = min(lo + rpb, n)
        sp = spart[blk]
        i = lo
        while i + 4 <= hi:
            x0 = X[i]
            x1 = X[i + 1]
            x2 = X[i + 2]
            x3 = X[i + 3]
            for t in range(k):
                w = W[t]
                b = bs[t]
                c = cols[t]
                g = gpart[blk, t]
                d0 = 0.0
                for j in range(p):
                    d0 += x0[j] * w[j]
                d1 = 0.0
                for j in range(p):
                    d1 += x1[j] * w[j]
                d2 = 0.0
                for j in range(p):
                    d2 += x2[j] * w[j]
                d3 = 0.0
                for j in range(p):
                    d3 += x3[j] * w[j]
                y0 = np.float64(Y[i, c])
                y1 = np.float64(Y[i + 1, c])
                y2 = np.float64(Y[i + 2, c])
                y3 = np.float64(Y[i + 3, c])
                r0 = d0 + b - y0
                r1 = d1 + b - y1
                r2 = d2 + b - y2
                r3 = d3 + b - y3
                if has_sw:
                    q0 = r0 * sw[i]
                    q1 = r1 * sw[i + 1]
                    q2 = r2 * sw[i + 2]
                    q3 = r3 * sw[i + 3]
                else:
                    q0 = r0
                    q1 = r1
                    q2 = r2
                    q3 = r3
                sp[t, 0] += (q0 + q1) + (q2 + q3)
                sp[t, 1] += (q0 * r0 + q1 * r1) + (q2 * r2 + q3 * r3)
                sp[t, 2] += (q0 * y0 + q1 * y1) + (q2 * y2 + q3 * y3)
                for j in range(p):
                    g[j] += (q0 * x0[j] + q1 * x1[j]) + (q2 * x2[j] + q3 * x3[j])
            i += 4
        while i < hi:
            xi = X[i]
            for t in range(k):
                w = W[t]
                g = gpart[blk, t]
                d = 0.0
                for j in range(p):
                    d += xi[j] * w[j]
                yi = np.float64(Y[i, cols[t]])
                r = d + bs[t] - yi
                q = r * sw[i] if has_sw else r
                sp[t, 0] += q
                sp[t, 1] += q * r
                sp[t, 2] += q * yi
                for j in range(p):
                    g[j] += q * xi[j]
            i += 1
    _combine(gpart, spart, G_out, S_out)


@kernel
def epoch_lsq_many_cols(XT, YT, cols, sw, W, bs, rpb, G_out, S_out):
    """:func:`epoch_lsq_many_rows` for F-ordered X, passed as ``XT = X.T`` (p, n) C-order,
    with the targets as rows of ``YT`` (K, n) C-order: each target's operations are those of
    ``epoch_lsq_cols`` (same row blocks, the residual built column by column, one dot per
    column, on the same contiguous slices), the block's columns read from L2 by every
    target in turn."""
    p, n = XT.shape
    k = W.shape[0]
    nblk = (n + rpb - 1) // rpb
    gpart = np.zeros((nblk, k, p), dtype=np.float64)
    spart = np.zeros((nblk, k, 3), dtype=np.float64)
    has_sw = sw.shape[0] == n
    for blk in prange(nblk):
        lo = blk * rpb
        hi = min(lo + rpb, n)
        m = hi - lo
        rb = np.empty(m, dtype=np.float64)
        for t in range(k):
            b = bs[t]
            w = W[t]
            yb = YT[cols[t], lo:hi]
            for i in range(m):
                rb[i] = b - yb[i]
            for j in range(p):
                xj = XT[j, lo:hi]
                wj = w[j]
                for i in range(m):
                    rb[i] += wj * xj[i]
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            if has_sw:
                swb = sw[lo:hi]
                for i in range(m):
                    r = rb[i]
                    wr = r * swb[i]
                    s0 += wr
                    s1 += wr * r
                    s2 += wr * yb[i]
                    rb[i] = wr
            else:
                for i in range(m):
                    r = rb[i]
                    s0 += r
                    s1 += r * r
                    s2 += r * yb[i]
            g = gpart[blk, t]
            for j in range(p):
                xj = XT[j, lo:hi]
                acc = 0.0
                for i in range(m):
                    acc += xj[i] * rb[i]
                g[j] = acc
            spart[blk, t, 0] = s0
            spart[blk, t, 1] = s1
            spart[blk, t, 2] = s2
    _combine(gpart, spart, G_out, S_out)


@kernel
def group_order(codes, next_pos, order):
    """Stable counting sort: row ``i`` (label code ``codes[i]``) goes to
    ``order[next_pos[codes[i]]]``, ``next_pos`` (the first row of each code in the grouped
    order) advancing as rows are placed.  O(n), where a comparison sort of the labels is
    O(n log n) (serial: the scatter is memory-bound)."""
    for i in range(codes.shape[0]):
        c = codes[i]
        order[next_pos[c]] = i
        next_pos[c] += 1
