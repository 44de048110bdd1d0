"""Fused least-squares epoch kernels: one pass over the rows of X per call.

Everything here is numba code only (no validation, no Python objects).  The wrappers live in
``fastnorm.linear_model._base`` (``NumpyPass``) and ``fastnorm.linear_model.epoch``.

Conventions
-----------
* ``r = X @ w + b - y`` (the residual written ``wx + b - y`` in SGD texts), weighted by
  ``sw`` when ``sw`` has ``n`` entries (an empty ``sw`` means unit weights, so no array of
  ones is read).
* The epoch returns the *sums* ``g = X.T @ (sw * r)``, ``sum(sw * r)``, ``sum(sw * r**2)`` and
  ``sum(sw * r * y)``: with them a solver has the gradient, the objective and the duality gap
  of the current point without a second pass (``fastnorm.linear_model._base``).
* Row blocks have a fixed size (a function of ``n_features`` only), each block accumulates a
  private float64 gradient, and blocks are combined serially in block order after the
  ``prange``: the result does not depend on the number of threads.
* C-ordered X is walked row by row (a dot and an axpy per row, both over contiguous memory);
  F-ordered X is passed transposed (``XT = X.T``, C-contiguous, shape ``(p, n)``) and walked
  column by column inside each row block, so neither layout is copied.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastnorm._config import helper, kernel
from fastnorm._kernels.penalty import enet_grad, prox_enet, uses_helpers

__all__ = [
    "block_rows",
    "colstats_cols",
    "colstats_rows",
    "epoch_lsq_cols",
    "epoch_lsq_rows",
    "sgd_epoch_rows",
]


def block_rows(n_features: int, layout: str) -> int:
    """Rows per block: fixed by ``n_features`` (never by the thread count).

    C order: ~64K elements (512 KiB of float64) per block keeps the number of private
    gradients small.  F order: ~32K elements so the block, read twice (once for the residual,
    once for the gradient), stays in L2 between the two reads.
    """
    p = max(int(n_features), 1)
    if layout == "C":
        return max(16, ((1 << 16) // p) & ~3)  # a multiple of 4 (the kernel's row group)
    return max(64, (1 << 15) // p)


@helper
def _moments4(X, sw, has_sw, i, ma, mq):
    """Add rows ``i .. i+3`` of C-ordered X to the weighted column sums ``ma`` and sums of
    squares ``mq`` (one helper for both kernels that compute moments: the same bits)."""
    x0 = X[i]
    x1 = X[i + 1]
    x2 = X[i + 2]
    x3 = X[i + 3]
    if has_sw:
        c0 = sw[i]
        c1 = sw[i + 1]
        c2 = sw[i + 2]
        c3 = sw[i + 3]
    else:
        c0 = 1.0
        c1 = 1.0
        c2 = 1.0
        c3 = 1.0
    for j in range(x0.shape[0]):
        v0 = np.float64(x0[j])
        v1 = np.float64(x1[j])
        v2 = np.float64(x2[j])
        v3 = np.float64(x3[j])
        ma[j] += (c0 * v0 + c1 * v1) + (c2 * v2 + c3 * v3)
        mq[j] += (c0 * v0 * v0 + c1 * v1 * v1) + (c2 * v2 * v2 + c3 * v3 * v3)


@kernel
def epoch_lsq_rows(X, y, sw, w, b, rpb, g_out, s_out, r_out, sum_out, sq_out):  # noqa: PLR0913
    """One fused pass over C-ordered ``X`` (n, p).

    Writes ``g_out[:] = X.T @ (sw * r)``, ``s_out[:3] = (sum(sw*r), sum(sw*r*r),
    sum(sw*r*y))`` and, if ``r_out`` has ``n`` entries, ``r_out[:] = r``.  If ``sum_out`` has
    ``p`` entries, the same pass also writes the column moments of :func:`colstats_rows`
    into ``sum_out`` and ``sq_out`` (a solver's first epoch: no separate pass for the means).

    Rows go four at a time: four dots, then one sweep of the private gradient adds all four
    rows (a quarter of the gradient loads/stores of a row-at-a-time loop; measured 1.2-1.8x
    faster on float64), the rows still in L1 from the dots.
    """
    n, p = X.shape
    nblk = (n + rpb - 1) // rpb
    gpart = np.zeros((nblk, p), dtype=np.float64)
    spart = np.zeros((nblk, 3), dtype=np.float64)
    has_sw = sw.shape[0] == n
    has_r = r_out.shape[0] == n
    stats = sum_out.shape[0] == p
    mpart = np.zeros((nblk if stats else 0, 2, p), dtype=np.float64)
    for blk in prange(nblk):
        lo = blk * rpb
        hi = min(lo + rpb, n)
        g = gpart[blk]
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        i = lo
        ma = mpart[blk, 0] if stats else g
        mq = mpart[blk, 1] if stats else g
        while i + 4 <= hi:
            x0 = X[i]
            x1 = X[i + 1]
            x2 = X[i + 2]
            x3 = X[i + 3]
            # one dot loop per row: a single loop carrying four reductions ran at half the
            # speed (bench/README.md)
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
            y0 = np.float64(y[i])
            y1 = np.float64(y[i + 1])
            y2 = np.float64(y[i + 2])
            y3 = np.float64(y[i + 3])
            r0 = d0 + b - y0
            r1 = d1 + b - y1
            r2 = d2 + b - y2
            r3 = d3 + b - y3
            if has_r:
                r_out[i] = r0
                r_out[i + 1] = r1
                r_out[i + 2] = r2
                r_out[i + 3] = r3
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
            s0 += (q0 + q1) + (q2 + q3)
            s1 += (q0 * r0 + q1 * r1) + (q2 * r2 + q3 * r3)
            s2 += (q0 * y0 + q1 * y1) + (q2 * y2 + q3 * y3)
            for j in range(p):
                g[j] += (q0 * x0[j] + q1 * x1[j]) + (q2 * x2[j] + q3 * x3[j])
            if stats:  # column moments while the four rows are in L1
                _moments4(X, sw, has_sw, i, ma, mq)
            i += 4
        while i < hi:
            xi = X[i]
            d = 0.0
            for j in range(p):
                d += xi[j] * w[j]
            yi = np.float64(y[i])
            r = d + b - yi
            if has_r:
                r_out[i] = r
            q = r * sw[i] if has_sw else r
            s0 += q
            s1 += q * r
            s2 += q * yi
            for j in range(p):
                g[j] += q * xi[j]
            if stats:
                c = sw[i] if has_sw else 1.0
                for j in range(p):
                    v = np.float64(xi[j])
                    ma[j] += c * v
                    mq[j] += c * v * v
            i += 1
        spart[blk, 0] = s0
        spart[blk, 1] = s1
        spart[blk, 2] = s2
    for j in range(p):
        g_out[j] = 0.0
    for k in range(3):
        s_out[k] = 0.0
    for blk in range(nblk):  # fixed-order combine
        g = gpart[blk]
        for j in range(p):
            g_out[j] += g[j]
        for k in range(3):
            s_out[k] += spart[blk, k]
    if stats:
        for j in range(p):
            sum_out[j] = 0.0
            sq_out[j] = 0.0
        for blk in range(nblk):
            for j in range(p):
                sum_out[j] += mpart[blk, 0, j]
                sq_out[j] += mpart[blk, 1, j]


@kernel
def epoch_lsq_cols(XT, y, sw, w, b, rpb, g_out, s_out, r_out):  # noqa: PLR0913
    """As :func:`epoch_lsq_rows` for F-ordered ``X``, passed as ``XT = X.T`` (p, n) C-order."""
    p, n = XT.shape
    nblk = (n + rpb - 1) // rpb
    gpart = np.zeros((nblk, p), dtype=np.float64)
    spart = np.zeros((nblk, 3), dtype=np.float64)
    has_sw = sw.shape[0] == n
    has_r = r_out.shape[0] == n
    for blk in prange(nblk):
        lo = blk * rpb
        hi = min(lo + rpb, n)
        m = hi - lo
        rb = np.empty(m, dtype=np.float64)
        yb = y[lo:hi]
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
        if has_r:
            rr = r_out[lo:hi]
            for i in range(m):
                rr[i] = rb[i]
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
        g = gpart[blk]
        for j in range(p):
            xj = XT[j, lo:hi]
            acc = 0.0
            for i in range(m):
                acc += xj[i] * rb[i]
            g[j] = acc
        spart[blk, 0] = s0
        spart[blk, 1] = s1
        spart[blk, 2] = s2
    for j in range(p):
        g_out[j] = 0.0
    for k in range(3):
        s_out[k] = 0.0
    for blk in range(nblk):
        g = gpart[blk]
        for j in range(p):
            g_out[j] += g[j]
        for k in range(3):
            s_out[k] += spart[blk, k]


@kernel
def colstats_rows(X, sw, rpb, sum_out, sq_out):
    """Weighted column sums ``X.T @ sw`` and sums of squares ``(X**2).T @ sw``, C order.

    Same blocks, row grouping and sums (``_moments4``) as the moments
    :func:`epoch_lsq_rows` computes in its first pass, so the moments are the same bits
    whichever kernel computed them (a warm start then continues a fit exactly).
    """
    n, p = X.shape
    nblk = (n + rpb - 1) // rpb
    part = np.zeros((nblk, 2, p), dtype=np.float64)
    has_sw = sw.shape[0] == n
    for blk in prange(nblk):
        lo = blk * rpb
        hi = min(lo + rpb, n)
        ma = part[blk, 0]
        mq = part[blk, 1]
        i = lo
        while i + 4 <= hi:
            _moments4(X, sw, has_sw, i, ma, mq)
            i += 4
        while i < hi:
            xi = X[i]
            c = sw[i] if has_sw else 1.0
            for j in range(p):
                v = np.float64(xi[j])
                ma[j] += c * v
                mq[j] += c * v * v
            i += 1
    for j in range(p):
        sum_out[j] = 0.0
        sq_out[j] = 0.0
    for blk in range(nblk):
        for j in range(p):
            sum_out[j] += part[blk, 0, j]
            sq_out[j] += part[blk, 1, j]


@kernel
def colstats_cols(XT, sw, rpb, sum_out, sq_out):
    """As :func:`colstats_rows` for ``XT = X.T`` (F-ordered X): one column per task."""
    p, n = XT.shape
    has_sw = sw.shape[0] == n
    for j in prange(p):
        xj = XT[j]
        a = 0.0
        q = 0.0
        if has_sw:
            for i in range(n):
                v = np.float64(xj[i])
                a += sw[i] * v
                q += sw[i] * v * v
        else:
            for i in range(n):
                v = np.float64(xj[i])
                a += v
                q += v * v
        sum_out[j] = a
        sq_out[j] = q


@kernel(fastmath=False)
@uses_helpers
def sgd_epoch_rows(  # noqa: PLR0913
    X, y, sw, order, w, xm, y_off, lr, l1, l2, proximal, positive, batch, rsnap, gfull
):
    """One epoch of (mini-batch) SGD on the centred least-squares loss, in place on ``w``.

    The per-sample loss ``(w x + b - y)^2`` plus the penalty is twice the objective
    ``(1/(2n)) sum sw r^2 + P(w)`` with ``P(w) = l1 |w|_1 + 0.5 l2 ||w||^2`` (the one penalty
    convention of :mod:`fastnorm._kernels.penalty`).  Per batch ``B`` of rows (taken in the
    sequence ``order``) with residuals ``r_i = (x_i - xm) . w + y_off - y_i``:

        grad = mean_i 2 * sw_i * r_i * (x_i - xm)              (the usual 2 (wx + b - y) x)
        subgradient variant:  w <- w - lr * (grad + 2 * enet_grad(w, l1, l2))
        proximal variant:     w <- prox_enet(w - lr * grad, 2 * lr, l1, l2, positive)

    ``positive`` also clips the subgradient variant at zero after each update.

    Variance reduction (prox-SVRG) when ``rsnap`` has ``n`` entries: ``rsnap`` holds the
    residuals at a snapshot ``w~`` and ``gfull`` the full gradient there (both from the fused
    epoch), and ``grad`` becomes ``mean_i 2 sw_i (r_i - rsnap_i) (x_i - xm) + gfull``: the same
    per-sample rule with a correction that vanishes at the optimum, so a constant ``lr``
    converges to the exact minimiser instead of a noise ball.
    Inherently sequential: this kernel runs serially whatever build is called.
    Returns the number of non-finite updates seen (0 when all went well).
    """
    n, p = X.shape
    has_sw = sw.shape[0] == n
    vr = rsnap.shape[0] == n
    g = np.zeros(p, dtype=np.float64)
    # c = xm . w, maintained incrementally as w changes
    c = 0.0
    for j in range(p):
        c += xm[j] * w[j]
    nb = (n + batch - 1) // batch
    step = 2.0 * lr  # the prox step of P for a step lr on twice the objective
    for k in range(nb):
        lo = k * batch
        hi = min(lo + batch, n)
        for j in range(p):
            g[j] = 0.0
        gb = 0.0  # sum of 2 * sw * r over the batch (times -xm it is the centring term)
        for t in range(lo, hi):
            i = order[t]
            xi = X[i]
            d = 0.0
            for j in range(p):
                d += xi[j] * w[j]
            r = d - c + y_off - y[i]
            if vr:
                r -= rsnap[i]
            wr = 2.0 * (r * sw[i] if has_sw else r)
            gb += wr
            for j in range(p):
                g[j] += wr * xi[j]
        scale = 1.0 / (hi - lo)
        c = 0.0
        for j in range(p):
            gj = (g[j] - gb * xm[j]) * scale
            if vr:
                gj += gfull[j]
            wj = w[j]
            if proximal:
                v = prox_enet(wj - lr * gj, step, l1, l2, positive)
            else:
                v = wj - lr * (gj + 2.0 * enet_grad(wj, l1, l2))
                if positive and v < 0.0:
                    v = 0.0
            w[j] = v
            c += xm[j] * v
    bad = 0
    for j in range(p):
        if not np.isfinite(w[j]):
            bad += 1
    return bad
