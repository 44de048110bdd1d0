"""Kernels for the Gram solver: one fused pass building X^T W X, X^T W y and the sums, and
coordinate descent on the resulting p x p system.

No validation here (see :mod:`fastnorm.linear_model._gram`).

Gram pass (``_gram_aug_rows``)
------------------------------
The kernel loads every block of ``GRAM_ROWS`` rows into a float64 buffer ``P`` of rows x
columns, *shifted*: columns ``0..p-1`` are ``X[:, j] - shift[j]``, column ``p`` is
``y - y_shift``, column ``p + 1`` is all ones, further columns (padding to the tile width)
are zero.  (``GRAM_ROWS`` = ``R``, chosen by :func:`gram_rows` from the width.)  ``Q`` is
``P`` with each row scaled by the sample weight.  The upper triangle of ``S += Q.T @ P``
then holds, in one rank-``GRAM_ROWS`` update, the shifted Gram matrix, the shifted X^T W y,
the weighted column sums, sum w (y - y_shift)^2, sum w (y - y_shift) and sum w: everything
the solvers need, from one read of X (C, F or any strides, float32 or float64; the buffer
converts to float64).  Shifting by a value close to the mean (the wrapper passes a median of
the first rows) keeps the later correction ``S - n d d^T`` well conditioned, without centring
or copying X.

The update is BLAS's outer-product register tile (:func:`fastnorm._simd.outer_tile`:
``TILE_MR`` rows x ``2 * SIMD_WIDTH`` columns of vector accumulators over ``GRAM_KC`` rows
of ``P`` at a time, an L1-sized slice).  It replaced 4 x 4 dot-product tiles that LLVM
vectorised on 256-bit registers only (bench/README.md, "200,000 x 200, continued").

Parallelism: ``n_groups`` is fixed by the wrapper from n and p only (never the thread count);
each group owns a private ``(pp, pp)`` accumulator; groups are summed in a fixed order.

Wide X (``p >= GRAM_PACK_P``) takes BLAS's packed route instead: ``GRAM_PACK_KC`` rows at a
time are packed (shifted, weighted, converted) into ``SIMD_WIDTH``-column micro-panels, the
register tile (:func:`fastnorm._simd.packed_tile`) runs on them with its accumulators in a
packed triangle, and the work is split by column strips, so no thread holds a p x p
accumulator of its own and every entry's sum does not depend on the split (see
``_gram_aug_rows``).  Unpacked, a tile's rows were ``pp`` doubles apart and its accumulators
were re-read every ``GRAM_KC`` rows from a p x p matrix out of cache.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastnorm._config import (
    GRAM_KC,
    GRAM_PACK_ACC_BYTES,
    GRAM_PACK_KC,
    GRAM_PACK_MC,
    GRAM_PACK_P,
    GRAM_PACK_ROWS,
    SIMD_WIDTH,
    TILE_MR,
    helper,
    kernel,
)
from fastnorm._kernels.penalty import (
    block_shrink,
    cd_solve,
    enet_dual_norm,
    enet_gap,
    enet_value,
    uses_helpers,
)
from fastnorm._simd import outer_tile, outer_tile1, packed_tile


def gram_rows(pp: int) -> int:
    """Rows per block of the Gram pass for an augmented width ``pp``: short enough that the
    block (R x pp float64, and its weighted copy) stays in L2, long enough for a few
    ``GRAM_KC`` slices per load.  Chosen for the former 4 x 4 dot-product tile (serial GFMA/s
    on the 2-core dev machine: p=50 R=64 11.3, R=256 7.2; p=200 R=256 15.7, R=64 14.3; p=800
    R=128 18.4, R=64 16.6, R=256 16.8) and kept: the pass's fits were as fast with R=512 at
    p=200 (bench/README.md, "200,000 x 200, continued").
    """
    if pp <= 96:
        return 64
    if pp <= 320:
        return 256
    if pp <= 1024:
        return 128
    return 64


@kernel
def _gram_aug_rows(X, y, sw, weighted, fortran, shift, y_shift, n_groups, R, out):
    """Accumulate the upper triangle of the augmented weighted Gram matrix into ``out``.

    ``y`` is (n, k) (k targets, ``y_shift`` of length k): ``out`` is (pp, pp) float64 zeros
    with pp = p + k + 1 rounded up to a multiple of 4, rows ``p .. p+k-1`` the targets and row
    ``p + k`` the ones.  Of the target x target block only the diagonal is kept (each
    target's ``sum w (y - y_shift)^2``; the rest is zero): the tiles wholly off its diagonal
    are skipped, so k targets cost about ``p k / 2`` more multiply-adds per row, not
    ``k^2 / 2``.  Every entry is one chain of fused multiply-adds over its row group's rows
    (:func:`fastnorm._simd.outer_tile`), whichever tile holds it: each target's statistics
    are bit-identical to its single-target pass.  With k = 1 this is the single-target pass.

    From ``GRAM_PACK_P`` columns on, BLAS's way: ``GRAM_PACK_KC`` rows at a time packed into
    ``W``-column micro-panels (:func:`_pack_panel`, ``W = SIMD_WIDTH``), the register tile
    (:func:`fastnorm._simd.packed_tile`) on them, its accumulators in a packed upper
    triangle (strips of ``NR = 2 W`` columns, the ``NR`` values of a row consecutive, so the
    tiles down a strip are consecutive in memory).  Row groups of ``GRAM_PACK_ROWS`` rows
    (a count fixed by n and p) own a triangle each, summed in a fixed order; each group's
    strips are split into about ``n_groups / groups`` chunks of equal work (``n_groups``:
    the thread count here).  Every entry is one chain of fused multiply-adds over its
    group's rows whichever chunk or tile holds it, so ``n_groups`` changes the split, never
    the sums.  This branch fills both triangles of ``out`` (the upper one ``+=``).
    """
    n, p = X.shape
    ky = y.shape[1]
    pp = out.shape[0]
    W = SIMD_WIDTH
    y_hi = p + ky
    if p >= GRAM_PACK_P:  # wide X: packed panels (_gram_packed_task; R not used)
        NR = 2 * W
        KC = GRAM_PACK_KC
        nj = (y_hi + NR) // NR  # column strips
        tri = NR * NR * (nj * (nj + 1) // 2)  # the packed triangle's size
        n_pan = (n + KC - 1) // KC
        # row groups from n and p only (the single-target width): every target's sums are
        # those of its own single-target pass
        nj1 = (p + 1 + NR) // NR
        tri1 = NR * NR * (nj1 * (nj1 + 1) // 2)
        g_n = max(1, min(32, n // GRAM_PACK_ROWS, GRAM_PACK_ACC_BYTES // (tri1 * 8)))
        gper = (n_pan + g_n - 1) // g_n  # panels per row group
        g_n = max(1, (n_pan + gper - 1) // gper)
        n_ch = max(1, min(nj, (n_groups + g_n - 1) // g_n))
        cb = np.empty(n_ch + 1, dtype=np.int64)
        for c in range(n_ch):  # strip j costs ~ j + 1: chunk c ends at nj sqrt(c / n_ch)
            cb[c] = int(nj * np.sqrt(c / n_ch) + 0.5)
        cb[n_ch] = nj
        tri_acc = np.empty((g_n, tri))
        for t in prange(g_n * n_ch):
            g = t // n_ch
            ch = t - g * n_ch
            lo = g * gper * KC
            hi = min(n, lo + gper * KC)
            _gram_packed_task(X, y, sw, weighted, fortran, shift, y_shift, lo, hi, cb[ch],
                              cb[ch + 1], tri_acc[g])  # fmt: skip
        for t in prange((nj + 1) // 2):  # strips t and nj - 1 - t: balanced pairs
            _unpack_strip(tri_acc, t, out)
            if nj - 1 - t != t:
                _unpack_strip(tri_acc, nj - 1 - t, out)
        for i in range(p, y_hi):  # the target x target block: its diagonal only
            for k in range(i + 1, y_hi):
                out[i, k] = 0.0
                out[k, i] = 0.0
        return
    ppc = (pp + W - 1) // W * W  # P's columns
    ppr = (pp + TILE_MR - 1) // TILE_MR * TILE_MR  # accumulator rows (tiles of TILE_MR)
    n_blocks = (n + R - 1) // R
    per = (n_blocks + n_groups - 1) // n_groups
    acc = np.zeros((n_groups, ppr, ppc))
    XT = X.T
    cols = np.arange(p)
    none = np.empty(0)
    for g in prange(n_groups):
        P = np.zeros((R, ppc))  # columns from p + k + 1 on stay zero
        if weighted:
            Q = np.zeros((R, ppc))
        else:
            Q = P
        A = acc[g]
        b_lo = g * per
        b_hi = min(n_blocks, b_lo + per)
        for b in range(b_lo, b_hi):
            lo = b * R
            hi = min(n, lo + R)
            m = hi - lo
            # load the block's rows as P's rows (shifted, converted to float64)
            if fortran:  # X.T's rows are X's columns: 4 contiguous values per row of P
                _load_set(XT, cols, shift, none, none, False, lo, m, P)
            else:
                for r in range(m):
                    row = X[lo + r]
                    pr = P[r]
                    for jj in range(p):
                        pr[jj] = row[jj] - shift[jj]
            for r in range(m):
                yr = y[lo + r]
                pr = P[r]
                for t in range(ky):
                    pr[p + t] = yr[t] - y_shift[t]
                pr[y_hi] = 1.0
            if weighted:
                for r in range(m):
                    wr = sw[lo + r]
                    pr = P[r]
                    qr = Q[r]
                    for jj in range(ppc):
                        qr[jj] = pr[jj] * wr
            # upper tiles of Q^T P, GRAM_KC rows at a time (an L1-sized slice of the block)
            for r0 in range(0, m, GRAM_KC):
                mr = min(GRAM_KC, m - r0)
                for i0 in range(0, ppr, TILE_MR):
                    k0 = i0 // W * W  # tiles from the diagonal on, the last one maybe half
                    while k0 < ppc:
                        nr = 2 * W if k0 + 2 * W <= ppc else W
                        # target x target, off the diagonal: not needed
                        skip = k0 >= i0 + TILE_MR and i0 >= p and k0 >= p and k0 + nr <= y_hi
                        if skip:
                            pass
                        elif nr == W:
                            outer_tile1(Q, P, r0, mr, i0, k0, A)
                        else:
                            outer_tile(Q, P, r0, mr, i0, k0, A)
                        k0 += nr
    for g in range(n_groups):  # fixed order: identical result whatever the thread count
        for i in range(pp):
            for k in range(i, pp):
                out[i, k] += acc[g, i, k]
    for i in range(p, y_hi):  # the target x target block: its diagonal only
        for k in range(i + 1, y_hi):
            out[i, k] = 0.0


@kernel(fastmath=False)
def centre_gram(S, dx, sw_tot, G):
    """``G[i, j] = S[i, j] - sw_tot * (dx[i] * dx[j])`` for ``i, j < p`` (``G`` (p, p)): the
    centring of the Gram statistics in one pass, each entry rounded exactly as numpy's
    ``S - sw_tot * np.outer(dx, dx)`` (no contraction), which took three passes and two
    temporaries."""
    p = G.shape[0]
    for i in prange(p):
        a = dx[i]
        for j in range(p):
            G[i, j] = S[i, j] - sw_tot * (a * dx[j])


@helper(inline="never")
def _gram_packed_task(X, y, sw, weighted, fortran, shift, y_shift, lo, hi, j0, j1, A):
    """The packed pass's task: strips ``j0 .. j1`` of the packed triangle ``A`` (strip ``j``
    at ``NR^2 j (j + 1) / 2``, ``NR (j + 1)`` rows of ``NR``) from the rows ``lo .. hi``:
    ``GRAM_PACK_KC`` rows at a time packed (the micro-panels of strips ``0 .. j1``), then
    for each L2-sized block of ``GRAM_PACK_MC`` tile rows, strip ``j``'s two micro-panels
    (in L1) against the block's.  A separate function, as ``_load_set``: the parallel build
    of inlined loaders has miscompiled (tests/test_gram_tiles.py)."""
    p = X.shape[1]
    ky = y.shape[1]
    y_hi = p + ky
    W = SIMD_WIDTH
    NR = 2 * W
    KC = GRAM_PACK_KC
    MC = GRAM_PACK_MC
    MR = TILE_MR
    if j1 <= j0:
        return
    Pk = np.empty((2 * j1, KC, W))
    Qk = np.empty((2 * j1, KC, W)) if weighted else Pk
    for r0 in range(lo, hi, KC):
        m = min(KC, hi - r0)
        _pack_panel(X, y, sw, weighted, fortran, shift, y_shift, r0, m, 2 * j1, Pk, Qk)
        first = r0 == lo
        for ib0 in range(0, j1 * NR, MC):
            ib1 = min(ib0 + MC, j1 * NR)
            for j in range(max(j0, ib0 // NR), j1):
                k0 = j * NR
                off = NR * NR * (j * (j + 1) // 2)
                Aj = A[off : off + (j + 1) * NR * NR].reshape((j + 1) * NR, NR)
                for i0 in range(ib0, min(ib1, k0 + NR), MR):
                    # target x target, off the diagonal: not needed (left unset)
                    if not (k0 >= i0 + MR and i0 >= p and k0 >= p and k0 + NR <= y_hi):
                        packed_tile(Qk, i0 // W, Pk, 2 * j, m, Aj, i0, 0, first)


@helper(inline="never")
def _unpack_strip(acc, j, out):
    """Strip ``j`` of the packed triangles ``acc`` (one per row group, summed in order) into
    both triangles of ``out`` (``out[i, k] += ...`` for ``i <= k``, then mirrored)."""
    g_n = acc.shape[0]
    po = out.shape[0]
    NR = 2 * SIMD_WIDTH
    k0 = j * NR
    off = NR * NR * (j * (j + 1) // 2)
    for i in range(min(po, k0 + NR)):
        for c in range(max(0, i - k0), min(NR, po - k0)):
            e = off + i * NR + c
            s = acc[0, e]
            for g in range(1, g_n):
                s += acc[g, e]
            v = out[i, k0 + c] + s
            out[i, k0 + c] = v
            out[k0 + c, i] = v


@helper(inline="never")
def _pack_panel(X, y, sw, weighted, fortran, shift, y_shift, r0, m, nmp, Pk, Qk):
    """``Pk[j, r, c]`` = column ``j * NR + c`` of the augmented shifted row ``r0 + r``
    (``X - shift``, then ``y - y_shift``, ones, zeros; float64) for ``r < m``, ``j < nmp``:
    micro-panels of ``NR = Pk.shape[2]`` columns, each row's ``NR`` values consecutive;
    ``Qk`` the same times the rows' weights when ``weighted``."""
    p = X.shape[1]
    ky = y.shape[1]
    NR = Pk.shape[2]
    ncol = nmp * NR
    pf = min(p, ncol)
    # C order: NR consecutive values of each row per micro-panel, for the whole panels;
    # F order (and C order's last columns): one column at a time, contiguous reads in F order
    nf = 0 if fortran else pf // NR
    for j in range(nf):
        Pj = Pk[j]
        c0 = j * NR
        for r in range(m):
            row = X[r0 + r]
            for c in range(NR):
                Pj[r, c] = np.float64(row[c0 + c]) - shift[c0 + c]
    for jj in range(nf * NR, pf):
        j = jj // NR
        c = jj - j * NR
        o = shift[jj]
        for r in range(m):
            Pk[j, r, c] = np.float64(X[r0 + r, jj]) - o
    for jj in range(pf, ncol):
        j = jj // NR
        c = jj - j * NR
        t = jj - p
        if t < ky:
            o = y_shift[t]
            for r in range(m):
                Pk[j, r, c] = y[r0 + r, t] - o
        else:
            v = 1.0 if t == ky else 0.0
            for r in range(m):
                Pk[j, r, c] = v
    if weighted:
        for j in range(nmp):
            for r in range(m):
                wr = sw[r0 + r]
                for c in range(NR):
                    Qk[j, r, c] = Pk[j, r, c] * wr


@helper(inline="never")
def _load_set(S, rc, off, q, yq, has_q, lo, m, P):
    """``P[r, k] = q * (S[rc[k], lo + r] - off[rc[k]])`` (``yq[lo + r]`` where ``rc[k] < 0``)
    for ``r < m``: ``gram_block``'s chunk and the Gram pass's block of F-ordered X (``S =
    X.T``), loaded 4 columns at a time (each row of ``P`` gets
    4 contiguous values per pass; column by column, every value was a store to another cache
    line).  A separate function: inlined in the ``prange`` body, the parallel build gave wrong
    values in the third of each 4 columns (tests/test_gram_tiles.py), the serial one right."""
    mc = rc.shape[0]
    hi = lo + m
    k = 0
    while k < mc:
        j0 = rc[k]
        four = k + 4 <= mc and j0 >= 0
        if four:
            j1 = rc[k + 1]
            j2 = rc[k + 2]
            j3 = rc[k + 3]
            four = j1 >= 0 and j2 >= 0 and j3 >= 0
        if four:
            s0 = S[j0, lo:hi]
            s1 = S[j1, lo:hi]
            s2 = S[j2, lo:hi]
            s3 = S[j3, lo:hi]
            o0 = off[j0]
            o1 = off[j1]
            o2 = off[j2]
            o3 = off[j3]
            if has_q:
                for r in range(m):
                    qr = q[lo + r]
                    P[r, k] = (np.float64(s0[r]) - o0) * qr
                    P[r, k + 1] = (np.float64(s1[r]) - o1) * qr
                    P[r, k + 2] = (np.float64(s2[r]) - o2) * qr
                    P[r, k + 3] = (np.float64(s3[r]) - o3) * qr
            else:
                for r in range(m):
                    P[r, k] = np.float64(s0[r]) - o0
                    P[r, k + 1] = np.float64(s1[r]) - o1
                    P[r, k + 2] = np.float64(s2[r]) - o2
                    P[r, k + 3] = np.float64(s3[r]) - o3
            k += 4
            continue
        if j0 < 0:
            for r in range(m):
                P[r, k] = yq[lo + r]
        else:
            src = S[j0]
            o = off[j0]
            if has_q:
                for r in range(m):
                    P[r, k] = (np.float64(src[lo + r]) - o) * q[lo + r]
            else:
                for r in range(m):
                    P[r, k] = np.float64(src[lo + r]) - o
        k += 1


@kernel
def gram_block(S, rc, ma, off, q, yq, n_groups, chunk, segs, out):
    """``out[i, k] = c_i . c_k`` (``i < ma``) with ``c_k = q * (S[rc[k]] - off[rc[k]])`` (``yq``
    where ``rc[k] < 0``): the working set's Gram block of its new columns (the first ``ma`` of
    ``rc``) against every column of the set and the weighted target.  ``S`` (m, n) holds
    columns as rows: ``X.T`` of an F-ordered X (read in place, centred and weighted on the fly)
    or a gathered block (``off`` zeros, ``q`` empty).  The square ``out[:, :ma]`` comes out
    symmetric (its lower triangle copied from the upper one).  The sums run over the rows
    ``segs[s, 0] <= r < segs[s, 1]`` of every segment (sorted, disjoint), or over all n rows
    when ``segs`` is empty: a seeded set's block leaves out the subsample, whose part its
    statistics already hold.

    Each ``chunk`` of rows is loaded (float64, centred, weighted) into a private buffer of
    rows x columns that stays in L2, then :func:`fastnorm._simd.outer_tile` accumulates the
    upper tiles over ``GRAM_KC`` rows at a time (an L1-sized slice of it): BLAS's outer-product
    form, whose accumulators stay in registers.  ``n_groups`` (fixed by the driver from n
    only) ranges of chunks with private partials summed in a fixed order: the result does not
    depend on the thread count."""
    n = S.shape[1]
    mc = rc.shape[0]
    W = SIMD_WIDTH
    mcp = (mc + W - 1) // W * W
    mar = (ma + TILE_MR - 1) // TILE_MR * TILE_MR
    has_q = q.shape[0] == n
    if segs.shape[0]:
        bounds = segs
    else:
        bounds = np.empty((1, 2), dtype=np.int64)
        bounds[0, 0] = 0
        bounds[0, 1] = n
    n_chunks = 0
    for t in range(bounds.shape[0]):
        n_chunks += (bounds[t, 1] - bounds[t, 0] + chunk - 1) // chunk
    c_los = np.empty(n_chunks, dtype=np.int64)
    c_his = np.empty(n_chunks, dtype=np.int64)
    c = 0
    for t in range(bounds.shape[0]):
        s_lo = bounds[t, 0]
        s_hi = bounds[t, 1]
        for lo in range(s_lo, s_hi, chunk):
            c_los[c] = lo
            c_his[c] = min(s_hi, lo + chunk)
            c += 1
    per = (n_chunks + n_groups - 1) // n_groups
    acc = np.zeros((n_groups, mar, mcp))
    for g in prange(n_groups):
        A = acc[g]
        P = np.zeros((chunk, mcp))
        c_lo = g * per
        c_hi = min(n_chunks, c_lo + per)
        for c in range(c_lo, c_hi):
            lo = c_los[c]
            m = c_his[c] - lo
            _load_set(S, rc, off, q, yq, has_q, lo, m, P)
            for r0 in range(0, m, GRAM_KC):
                mr = min(GRAM_KC, m - r0)
                for i0 in range(0, mar, TILE_MR):
                    k0 = i0 // W * W  # tiles from the diagonal on, the last one maybe half
                    while k0 < mcp:
                        if k0 + 2 * W <= mcp:
                            outer_tile(P, P, r0, mr, i0, k0, A)
                            k0 += 2 * W
                        else:
                            outer_tile1(P, P, r0, mr, i0, k0, A)
                            k0 += W
    for i in range(ma):
        for k in range(mc):
            out[i, k] = 0.0
    for g in range(n_groups):  # fixed order: identical whatever the thread count
        for i in range(ma):
            for k in range(mc):
                out[i, k] += acc[g, i, k]
    for i in range(ma):  # the square's lower triangle from its upper one
        for k in range(i):
            out[i, k] = out[k, i]


# ---------------------------------------------------------------------------------------------
# Coordinate descent on the Gram system (port of scikit-learn's enet_coordinate_descent_gram,
# same update order, gap, gap-safe screening and stopping rule; float64 throughout).


@helper(inline="never")
@uses_helpers
def _gap_enet_gram(w, alpha, beta, Qw, q, y_norm2, XtA, positive):
    """Duality gap (in sklearn's n-scaled units) and ``enet_dual_norm`` of X^T R - beta w."""
    p = w.shape[0]
    w_l2_norm2 = 0.0
    if beta > 0:
        for j in range(p):
            w_l2_norm2 += w[j] * w[j]
    q_dot_w = 0.0
    wQw = 0.0
    for j in range(p):
        q_dot_w += w[j] * q[j]
        wQw += w[j] * Qw[j]
    R_norm2 = y_norm2 + wQw - 2.0 * q_dot_w
    Ry = y_norm2 - q_dot_w
    if alpha == 0 and positive:
        # w >= 0 (as fastnorm.linear_model._datafit.enet_gap): the conjugate of
        # beta/2 ||w||^2 + (w >= 0) is ||max(v, 0)||^2 / (2 beta), v = X'R; a sum of
        # non-negative terms.  beta = 0 (NNLS): the projected gradient's squared norm.
        g2 = 0.0
        wv = 0.0
        for j in range(p):
            v = q[j] - Qw[j]
            XtA[j] = v
            wv += w[j] * v
            vp = v if v > 0 else 0.0
            if beta == 0 and w[j] > 0:
                vp = v
            g2 += vp * vp
        if beta == 0:
            return g2, g2
        wsq = 0.0
        for j in range(p):
            wsq += w[j] * w[j]
        return 0.5 * beta * wsq - wv + g2 / (2.0 * beta), g2
    if alpha == 0:
        dn = 0.0
        for j in range(p):
            XtA[j] = q[j] - Qw[j]
            dn += XtA[j] * XtA[j]
        if beta == 0:
            return dn, dn
        gap = R_norm2 + 0.5 * beta * w_l2_norm2 - Ry
        gap += 1 / (2 * beta) * dn
        return gap, dn
    w_l1 = 0.0
    for j in range(p):
        XtA[j] = q[j] - Qw[j] - beta * w[j]
        w_l1 += abs(w[j])
    dn = enet_dual_norm(XtA, alpha, positive)
    return enet_gap(R_norm2, Ry, w_l1, w_l2_norm2, alpha, beta, dn), dn


@helper
def _rand_int(end, state):
    """scikit-learn's ``rand_int(end, seed)``: its 32-bit xorshift ``our_rand_r`` on the seed
    in ``state[4]``, modulo ``end`` (same sequence as scikit-learn for the same seed)."""
    s = state[4]
    if s == 0:
        s = 1
    s ^= (s << 13) & 0xFFFFFFFF
    s ^= s >> 17
    s ^= (s << 5) & 0xFFFFFFFF
    state[4] = s
    return (s % 2147483648) % end


@helper(inline="never")
@uses_helpers
def _screen(Q, w, Qw, XtA, alpha, beta, gap, dn, active, excluded, first):
    """Gap-safe screening (Fercoq et al., Eq. 11), as in scikit-learn; returns n_active."""
    p = w.shape[0]
    radius = np.sqrt(2 * abs(gap)) / alpha
    n_active = 0
    for j in range(p):
        if first:
            if Q[j, j] == 0:
                w[j] = 0
                excluded[j] = 1
                continue
        elif excluded[j]:
            continue
        xj_theta = XtA[j] / dn  # dn = max(alpha, dual norm): enet_dual_norm
        d_j = (1 - abs(xj_theta)) / np.sqrt(Q[j, j] + beta)
        if d_j <= radius:
            active[n_active] = j
            excluded[j] = 0
            n_active += 1
        else:
            if w[j] != 0:
                wj = w[j]
                for k in range(p):
                    Qw[k] -= wj * Q[j, k]
                w[j] = 0
            excluded[j] = 1
    return n_active


@kernel(fastmath=False)
@uses_helpers
def cd_gram_epochs(
    Q, q, y_norm2, alpha, beta, w, Qw, XtA, active, excluded, state, tol, d_w_tol, positive,
    screening, it0, it1, obj_hist, gap_hist, n,
):  # fmt: skip
    """Epochs ``it0 .. it1-1`` of coordinate descent (sklearn's enet gram solver, cyclic or
    random selection).

    ``alpha``, ``beta`` and ``tol`` are in sklearn's n-scaled units (``alpha = l1_reg * n``,
    ``tol = tol * y_norm2``; ``d_w_tol`` is the user's tol).  ``state`` (int64[6]) carries
    n_active, the "initialised" flag, the result flag (0 running, 1 converged, 2 stopped at
    max_iter), max_iter, the seed of the random selection and its on/off flag across calls,
    so a Python
    loop can call this one epoch at a time (for a callback) with results identical to one call.
    ``obj_hist[e]`` gets the objective (1/(2n))||y - Xw||^2 + pen after epoch e and
    ``gap_hist[e]`` the duality gap / n at that point (always computed: it costs O(p) here).
    Returns (n_iter, gap) with sklearn's n_iter convention once state[2] != 0.
    """
    p = w.shape[0]
    gap = tol + 1.0
    random = state[5] != 0
    if state[1] == 0:
        # initial Qw, gap check and first screening (sklearn does this before its loop)
        for k in range(p):
            s = 0.0
            for j in range(p):
                s += Q[k, j] * w[j]
            Qw[k] = s
        state[1] = 1
        gap, dn = _gap_enet_gram(w, alpha, beta, Qw, q, y_norm2, XtA, positive)
        if 0 <= gap <= tol:
            state[2] = 1
            return 0, gap
        if screening:
            state[0] = _screen(Q, w, Qw, XtA, alpha, beta, gap, dn, active, excluded, True)
        else:
            state[0] = p
    n_active = state[0]
    for n_iter in range(it0, it1):
        w_max = 0.0
        d_w_max = 0.0
        for f_iter in range(n_active):
            jj = _rand_int(n_active, state) if random else f_iter
            j = active[jj] if screening else jj
            qjj = Q[j, j]
            if qjj == 0.0:
                continue
            w_j = w[j]
            tmp = q[j] - Qw[j] + w_j * qjj
            new = cd_solve(tmp, qjj, alpha, beta, positive)
            w[j] = new
            if new != w_j:
                d = new - w_j
                Qj = Q[j]
                for k in range(p):
                    Qw[k] += d * Qj[k]
            d_w_j = abs(new - w_j)
            if d_w_j > d_w_max:
                d_w_max = d_w_j
            if abs(new) > w_max:
                w_max = abs(new)
        # objective and gap after this epoch (O(p): Qw is maintained)
        g_e, dn = _gap_enet_gram(w, alpha, beta, Qw, q, y_norm2, XtA, positive)
        wqw = 0.0
        qw = 0.0
        for k in range(p):
            wqw += w[k] * Qw[k]
            qw += w[k] * q[k]
        obj_hist[n_iter] = (0.5 * (y_norm2 + wqw - 2.0 * qw) + enet_value(w, alpha, beta)) / n
        gap_hist[n_iter] = g_e / n
        if w_max == 0.0 or d_w_max / w_max <= d_w_tol or n_iter == state[3] - 1:
            gap = g_e
            if gap <= tol:
                state[2] = 1
                return n_iter + 1, gap
            if screening:
                n_active = _screen(Q, w, Qw, XtA, alpha, beta, gap, dn, active, excluded, False)
                state[0] = n_active
        if n_iter == state[3] - 1:
            state[2] = 2
            return n_iter + 1, gap
        gap = g_e
    return it1, gap


# ---------------------------------------------------------------------------------------------
# Many independent coordinate-descent problems at once (targets of one fit, or a batch of
# problems): a prange over the problems, each running the serial solver above to its own
# duality gap.  Each problem's arithmetic is exactly that of its single fit.

_cd_gram_serial = cd_gram_epochs.serial


@kernel(fastmath=False)
def cd_gram_many(
    G3, gidx, Q, y_norm2, alpha, beta, W, QW, XTA, ACTIVE, EXCL, STATE, tol, d_w_tol, positive,
    screening, max_iter, OBJ, GAPS, n, out_iter, out_gap,
):  # fmt: skip
    """Problem ``t`` is ``cd_gram_epochs`` on ``G3[gidx[t]]`` and row ``t`` of every other
    (k, .) array (``screening`` a uint8 flag per problem); ``out_iter[t]``/``out_gap[t]``
    get its ``(n_iter, gap)``."""
    k = Q.shape[0]
    for t in prange(k):
        it, g = _cd_gram_serial(
            G3[gidx[t]], Q[t], y_norm2[t], alpha[t], beta[t], W[t], QW[t], XTA[t], ACTIVE[t],
            EXCL[t], STATE[t], tol[t], d_w_tol, positive, screening[t] != 0, 0, max_iter,
            OBJ[t], GAPS[t], n[t],
        )  # fmt: skip
        out_iter[t] = it
        out_gap[t] = g


@kernel(fastmath=False)
def cd_gram_path(
    Q, q, y_norm2, alpha, beta, w, tol, d_w_tol, positive, screening, max_iter, n, coefs,
    out_iter, out_gap, out_flag,
):  # fmt: skip
    """A warm-started path: ``cd_gram_epochs`` (cyclic) for ``alpha[i]``, ``beta[i]`` in turn,
    each starting from the last one's ``w``, exactly as one ``cd_gram`` call per alpha (fresh
    screening state each time) but without a return to Python between alphas.  Row ``i`` of
    ``coefs`` (n_alphas, p) gets the coefficients; ``out_iter[i]``, ``out_gap[i]`` (n-scaled)
    and ``out_flag[i]`` (1 converged, 2 stopped at ``max_iter``) the rest."""
    p = w.shape[0]
    Qw = np.empty(p)
    XtA = np.empty(p)
    active = np.empty(p, dtype=np.int64)
    excluded = np.zeros(p, dtype=np.uint8)
    state = np.zeros(6, dtype=np.int64)
    obj = np.empty(max_iter)
    gaps = np.empty(max_iter)
    for i in range(alpha.shape[0]):
        for j in range(p):
            active[j] = j
            excluded[j] = 0
        for k in range(6):
            state[k] = 0
        state[0] = p
        state[3] = max_iter
        it, g = _cd_gram_serial(
            Q, q, y_norm2, alpha[i], beta[i], w, Qw, XtA, active, excluded, state, tol,
            d_w_tol, positive, screening and alpha[i] != 0, 0, max_iter, obj, gaps, n,
        )  # fmt: skip
        for j in range(p):
            coefs[i, j] = w[j]
        out_iter[i] = it
        out_gap[i] = g
        out_flag[i] = state[2]


# ---------------------------------------------------------------------------------------------
# Many small problems (the Batch estimators): per-problem Gram statistics in one parallel
# pass over the rows grouped by problem, each problem through the serial single-target pass
# with the shift, row blocks and row groups of its own single fit (bit-identical statistics).

_gram_aug_serial = _gram_aug_rows.serial


@helper
def _median_inplace(a, k):
    """np.median's value of the finite ``a[:k]`` (the middle one, or the mean of the middle
    two), by quickselect in place with a branchless Lomuto partition and a median-of-3
    pivot: numba's np.median and ndarray.sort (which allocate or sort fully) were 4-6x
    slower, a Hoare partition 3x slower, for the 65 values per column here."""
    h = k // 2
    lo = 0
    hi = k - 1
    while lo < hi:
        mid = (lo + hi) // 2
        x = a[lo]
        y = a[mid]
        z = a[hi]
        if (x <= y) == (y <= z):
            pi = mid
        elif (y <= x) == (x <= z):
            pi = lo
        else:
            pi = hi
        pv = a[pi]
        a[pi] = a[hi]
        a[hi] = pv
        s = lo
        for i in range(lo, hi):  # unconditional swap, conditional advance: no branch
            v = a[i]
            a[i] = a[s]
            a[s] = v
            s += v < pv
        a[hi] = a[s]
        a[s] = pv
        if s == h:
            break
        if s < h:
            lo = s + 1
        else:
            hi = s - 1
    if k % 2 == 1:
        return a[h]
    below = a[0]  # a[:h] holds the h smallest: the largest of them is the lower middle
    for r in range(1, h):
        if a[r] > below:
            below = a[r]
    return (below + a[h]) / 2.0


@helper
def _batch_shift(Xg, ys, fit_intercept, shift, y_shift):
    """``_pick_shift`` of one problem (median of its first 65 rows, in float64)."""
    m, p = Xg.shape
    for j in range(p):
        shift[j] = 0.0
    y_shift[0] = 0.0
    if not fit_intercept:
        return
    k = min(m, 65)
    tmp = np.empty(k)
    ok = True
    for j in range(p + 1):
        if j < p:
            for r in range(k):
                tmp[r] = Xg[r, j]
        else:
            for r in range(k):
                tmp[r] = ys[r, 0]
        v = 0.0
        for r in range(k):
            if not np.isfinite(tmp[r]):
                ok = False
        if ok:
            v = _median_inplace(tmp, k)
        if j < p:
            shift[j] = v
        else:
            y_shift[0] = v
    if not ok:
        for j in range(p):
            shift[j] = 0.0
        y_shift[0] = 0.0


@kernel
def gram_aug_batch(
    X, order, starts, y, sw, weighted, fortran, fit_intercept, n_groups, R, shifts, y_shifts,
    out,
):  # fmt: skip
    """Problem ``g`` has the rows ``starts[g]:starts[g+1]`` of X (of ``X[order]`` when
    ``order`` is not empty: gathered into a private buffer, X is not copied) and of the
    already ordered ``y`` and ``sw`` (``sw`` is ``y`` when not ``weighted``).  ``out[g]``
    (zeros, (pp, pp)) gets its full symmetric augmented Gram square,
    ``shifts[g]``/``y_shifts[g]`` its shift; ``n_groups[g]`` and ``R`` are those its single
    fit would use."""
    b = starts.shape[0] - 1
    pp = out.shape[1]
    gather = order.shape[0] > 0
    for g in prange(b):
        lo = starts[g]
        hi = starts[g + 1]
        m = hi - lo
        ys = y[lo:hi].reshape((m, 1))
        ws = sw[lo:hi]
        sh = shifts[g]
        ysh = y_shifts[g : g + 1]
        if gather:
            Xg = X[order[lo:hi]]
            _batch_shift(Xg, ys, fit_intercept, sh, ysh)
            _gram_aug_serial(Xg, ys, ws, weighted, False, sh, ysh, n_groups[g], R, out[g])
        else:
            Xv = X[lo:hi]
            _batch_shift(Xv, ys, fit_intercept, sh, ysh)
            _gram_aug_serial(Xv, ys, ws, weighted, fortran, sh, ysh, n_groups[g], R, out[g])
        S = out[g]  # the lower triangle from the upper one (the single fit's np.triu step)
        for i in range(pp):
            for j in range(i):
                S[i, j] = S[j, i]


@kernel
def gram_aug_blocks(X, los, b, y, sw, weighted, fortran, shifts, y_shifts, n_groups, R, out):
    """``out[g]`` (zeros, (pp, pp)) gets the serial Gram pass of the rows ``los[g] ..
    los[g] + b`` of X and ``y`` (n, 1), with the weights ``sw[g]`` (read when ``weighted``)
    and the shift ``shifts[g]``/``y_shifts[g]``: the row blocks of a seeded tall fit's
    subsample, one block per task (each block's sums those of its own serial pass, whatever
    the thread count)."""
    for g in prange(los.shape[0]):
        lo = los[g]
        _gram_aug_serial(X[lo : lo + b], y[lo : lo + b], sw[g], weighted, fortran, shifts[g],
                         y_shifts[g : g + 1], n_groups, R, out[g])  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Multi-task elastic net (L2,1 penalty: scikit-learn's enet_path / lasso_path with 2-D y) by
# block coordinate descent on the Gram system: scikit-learn's enet_coordinate_descent_multi_task
# (same updates, gap and stopping rule; without its gap-safe screening, which changes the
# iterates only by rounding) with X^T R maintained as X^T Y - G W.


@kernel(fastmath=False)
@uses_helpers
def cd_gram_multitask(Q, XtY, y_norm2, alpha, beta, W, QW, XtA, tmp, tol, d_w_tol, max_iter):
    """Block CD on ``0.5 ||Y - X W||_F^2 + alpha ||W||_21 + 0.5 beta ||W||_F^2`` (n-scaled
    ``alpha``/``beta``; ``W`` (p, k) in place, ``tol`` already times ``||Y||_F^2``).
    Returns ``(gap, n_iter)`` with scikit-learn's conventions."""
    p, k = W.shape
    for i in range(p):
        for t in range(k):
            s = 0.0
            for j in range(p):
                s += Q[i, j] * W[j, t]
            QW[i, t] = s
    gap = _gap_multitask(Q, XtY, y_norm2, alpha, beta, W, QW, XtA)
    if gap <= tol:
        return gap, 0
    n_iter = 0
    for n_iter in range(max_iter):
        w_max = 0.0
        d_w_max = 0.0
        for j in range(p):
            qjj = Q[j, j]
            if qjj == 0.0:
                continue
            nn = 0.0
            for t in range(k):
                tmp[t] = XtY[j, t] - QW[j, t] + W[j, t] * qjj
                nn += tmp[t] * tmp[t]
            scale = block_shrink(np.sqrt(nn), alpha) / (qjj + beta)
            d_w_j = 0.0
            w_j_max = 0.0
            for t in range(k):
                new = tmp[t] * scale
                d = new - W[j, t]
                if d != 0.0:
                    for i in range(p):
                        QW[i, t] += d * Q[j, i]
                W[j, t] = new
                if abs(d) > d_w_j:
                    d_w_j = abs(d)
                if abs(new) > w_j_max:
                    w_j_max = abs(new)
            if d_w_j > d_w_max:
                d_w_max = d_w_j
            if w_j_max > w_max:
                w_max = w_j_max
        if w_max == 0.0 or d_w_max / w_max <= d_w_tol or n_iter == max_iter - 1:
            gap = _gap_multitask(Q, XtY, y_norm2, alpha, beta, W, QW, XtA)
            if gap <= tol:
                break
    return gap, n_iter + 1


@helper(inline="never")
@uses_helpers
def _gap_multitask(Q, XtY, y_norm2, alpha, beta, W, QW, XtA):
    """scikit-learn's ``gap_enet_multi_task`` from the Gram statistics."""
    p, k = W.shape
    w_sq = 0.0
    wq = 0.0
    wqw = 0.0
    w_l21 = 0.0
    for j in range(p):
        rn = 0.0
        for t in range(k):
            w = W[j, t]
            w_sq += w * w
            wq += w * XtY[j, t]
            wqw += w * QW[j, t]
            rn += w * w
        w_l21 += np.sqrt(rn)
    R_norm2 = y_norm2 + wqw - 2.0 * wq
    Ry = y_norm2 - wq
    dn2 = 0.0
    dn = alpha
    for j in range(p):
        rn = 0.0
        for t in range(k):
            v = XtY[j, t] - QW[j, t] - beta * W[j, t]
            XtA[j, t] = v
            rn += v * v
        dn2 += rn
        if np.sqrt(rn) > dn:
            dn = np.sqrt(rn)
    if alpha == 0:  # scikit-learn's ridge / OLS formulations
        if beta == 0:
            return dn2
        return R_norm2 + 0.5 * beta * w_sq - Ry + dn2 / (2.0 * beta)
    return enet_gap(R_norm2, Ry, w_l21, w_sq, alpha, beta, dn)
