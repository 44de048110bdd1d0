"""Kernels behind ``cdist``: pairwise Minkowski distances between the rows of two matrices.

XB comes in transposed, ``(d, mB)``, and is cut into tiles that stay in L2; a task runs a few
rows of XA against one tile, vectorised along XB's rows, with the output rows in L1 as
accumulators.  The op comes from :func:`fastnorm._kernels.ops.pow_op`, as in the other
families.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastnorm._config import CD_ROWS, CD_TILE, FASTMATH, FLOAT_MAX, TINY, jit, kernel
from fastnorm._kernels.ops import (
    OP_CUBE,
    OP_MAX,
    OP_POW,
    OP_SUMABS,
    OP_SUMSQ,
    _rescale,
    pow_op,
    uses_helpers,
)

_FM = set(FASTMATH)


# ----------------------------------------------------------------------------- cdist
@jit(error_model="numpy")
@uses_helpers
def _pair_exact(a, b, p):
    """(sum |a - b|**p) ** (1/p) for one pair of rows, rescaled by a power of two near the
    max |a - b| (the rare path after the one-pass sum over- or underflowed)."""
    d = a.size
    amax = 0.0
    for k in range(d):
        v = abs(a[k] - b[k])
        if v > amax or v != v:
            amax = v
    if amax != amax or amax == 0.0 or amax > FLOAT_MAX:
        return amax
    scale = _rescale(amax, p)
    s = 0.0
    for k in range(d):
        s += (abs(a[k] - b[k]) / scale) ** p
    if p == 2.0:
        return scale * np.sqrt(s)
    return scale * s ** (1.0 / p)


@jit(fastmath=_FM, error_model="numpy")
@uses_helpers
def _tile4(a, i, bt, j0, j1, op, p, out):
    """Raw accumulations of ``op`` (as returned by ``pow_op``) for rows i..i+3 of ``a``
    against columns j0:j1 of ``bt`` into out[i:i+4, j0:j1]: vectorised along j, the four
    output rows (in L1) as accumulators, four features per pass so that each accumulator is
    loaded and stored once per four features.  (Max drops NaN here; the wrapper fixes those rows.)

    Only OP_CUBE of pow_op's fast paths has a loop here; p = 4, 0.5 and -1 take the generic
    ``**p`` loop.  The tiles are written out per op (an inlined per-element helper made this
    function take minutes to compile), so each fast path costs two blocks here and two in
    :func:`_tile1`."""
    d = a.shape[1]
    w = j1 - j0
    o0 = out[i + 0, j0:j1]
    o1 = out[i + 1, j0:j1]
    o2 = out[i + 2, j0:j1]
    o3 = out[i + 3, j0:j1]
    for j in range(w):
        o0[j] = 0.0
        o1[j] = 0.0
        o2[j] = 0.0
        o3[j] = 0.0
    k = 0
    while k + 4 <= d:
        b0 = bt[k, j0:j1]
        b1 = bt[k + 1, j0:j1]
        b2 = bt[k + 2, j0:j1]
        b3 = bt[k + 3, j0:j1]
        c00 = a[i + 0, k + 0]
        c01 = a[i + 0, k + 1]
        c02 = a[i + 0, k + 2]
        c03 = a[i + 0, k + 3]
        c10 = a[i + 1, k + 0]
        c11 = a[i + 1, k + 1]
        c12 = a[i + 1, k + 2]
        c13 = a[i + 1, k + 3]
        c20 = a[i + 2, k + 0]
        c21 = a[i + 2, k + 1]
        c22 = a[i + 2, k + 2]
        c23 = a[i + 2, k + 3]
        c30 = a[i + 3, k + 0]
        c31 = a[i + 3, k + 1]
        c32 = a[i + 3, k + 2]
        c33 = a[i + 3, k + 3]
        if op == OP_SUMSQ:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                v0 = c00 - x0
                v1 = c01 - x1
                v2 = c02 - x2
                v3 = c03 - x3
                o0[j] += (v0 * v0 + v1 * v1) + (v2 * v2 + v3 * v3)
                v0 = c10 - x0
                v1 = c11 - x1
                v2 = c12 - x2
                v3 = c13 - x3
                o1[j] += (v0 * v0 + v1 * v1) + (v2 * v2 + v3 * v3)
                v0 = c20 - x0
                v1 = c21 - x1
                v2 = c22 - x2
                v3 = c23 - x3
                o2[j] += (v0 * v0 + v1 * v1) + (v2 * v2 + v3 * v3)
                v0 = c30 - x0
                v1 = c31 - x1
                v2 = c32 - x2
                v3 = c33 - x3
                o3[j] += (v0 * v0 + v1 * v1) + (v2 * v2 + v3 * v3)
        elif op == OP_SUMABS:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                o0[j] += (abs(c00 - x0) + abs(c01 - x1)) + (abs(c02 - x2) + abs(c03 - x3))
                o1[j] += (abs(c10 - x0) + abs(c11 - x1)) + (abs(c12 - x2) + abs(c13 - x3))
                o2[j] += (abs(c20 - x0) + abs(c21 - x1)) + (abs(c22 - x2) + abs(c23 - x3))
                o3[j] += (abs(c30 - x0) + abs(c31 - x1)) + (abs(c32 - x2) + abs(c33 - x3))
        elif op == OP_MAX:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                o0[j] = max(
                    o0[j], max(max(abs(c00 - x0), abs(c01 - x1)), max(abs(c02 - x2), abs(c03 - x3)))
                )
                o1[j] = max(
                    o1[j], max(max(abs(c10 - x0), abs(c11 - x1)), max(abs(c12 - x2), abs(c13 - x3)))
                )
                o2[j] = max(
                    o2[j], max(max(abs(c20 - x0), abs(c21 - x1)), max(abs(c22 - x2), abs(c23 - x3)))
                )
                o3[j] = max(
                    o3[j], max(max(abs(c30 - x0), abs(c31 - x1)), max(abs(c32 - x2), abs(c33 - x3)))
                )
        elif op == OP_CUBE:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                v0 = abs(c00 - x0)
                v1 = abs(c01 - x1)
                v2 = abs(c02 - x2)
                v3 = abs(c03 - x3)
                o0[j] += (v0 * v0 * v0 + v1 * v1 * v1) + (v2 * v2 * v2 + v3 * v3 * v3)
                v0 = abs(c10 - x0)
                v1 = abs(c11 - x1)
                v2 = abs(c12 - x2)
                v3 = abs(c13 - x3)
                o1[j] += (v0 * v0 * v0 + v1 * v1 * v1) + (v2 * v2 * v2 + v3 * v3 * v3)
                v0 = abs(c20 - x0)
                v1 = abs(c21 - x1)
                v2 = abs(c22 - x2)
                v3 = abs(c23 - x3)
                o2[j] += (v0 * v0 * v0 + v1 * v1 * v1) + (v2 * v2 * v2 + v3 * v3 * v3)
                v0 = abs(c30 - x0)
                v1 = abs(c31 - x1)
                v2 = abs(c32 - x2)
                v3 = abs(c33 - x3)
                o3[j] += (v0 * v0 * v0 + v1 * v1 * v1) + (v2 * v2 * v2 + v3 * v3 * v3)
        else:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                o0[j] += (abs(c00 - x0) ** p + abs(c01 - x1) ** p) + (
                    abs(c02 - x2) ** p + abs(c03 - x3) ** p
                )
                o1[j] += (abs(c10 - x0) ** p + abs(c11 - x1) ** p) + (
                    abs(c12 - x2) ** p + abs(c13 - x3) ** p
                )
                o2[j] += (abs(c20 - x0) ** p + abs(c21 - x1) ** p) + (
                    abs(c22 - x2) ** p + abs(c23 - x3) ** p
                )
                o3[j] += (abs(c30 - x0) ** p + abs(c31 - x1) ** p) + (
                    abs(c32 - x2) ** p + abs(c33 - x3) ** p
                )
        k += 4
    while k < d:
        bk = bt[k, j0:j1]
        c0 = a[i + 0, k]
        c1 = a[i + 1, k]
        c2 = a[i + 2, k]
        c3 = a[i + 3, k]
        if op == OP_SUMSQ:
            for j in range(w):
                x = bk[j]
                v0 = c0 - x
                o0[j] += v0 * v0
                v0 = c1 - x
                o1[j] += v0 * v0
                v0 = c2 - x
                o2[j] += v0 * v0
                v0 = c3 - x
                o3[j] += v0 * v0
        elif op == OP_SUMABS:
            for j in range(w):
                x = bk[j]
                o0[j] += abs(c0 - x)
                o1[j] += abs(c1 - x)
                o2[j] += abs(c2 - x)
                o3[j] += abs(c3 - x)
        elif op == OP_MAX:
            for j in range(w):
                x = bk[j]
                o0[j] = max(o0[j], abs(c0 - x))
                o1[j] = max(o1[j], abs(c1 - x))
                o2[j] = max(o2[j], abs(c2 - x))
                o3[j] = max(o3[j], abs(c3 - x))
        elif op == OP_CUBE:
            for j in range(w):
                x = bk[j]
                v0 = abs(c0 - x)
                o0[j] += v0 * v0 * v0
                v0 = abs(c1 - x)
                o1[j] += v0 * v0 * v0
                v0 = abs(c2 - x)
                o2[j] += v0 * v0 * v0
                v0 = abs(c3 - x)
                o3[j] += v0 * v0 * v0
        else:
            for j in range(w):
                x = bk[j]
                o0[j] += abs(c0 - x) ** p
                o1[j] += abs(c1 - x) ** p
                o2[j] += abs(c2 - x) ** p
                o3[j] += abs(c3 - x) ** p
        k += 1


@jit(fastmath=_FM, error_model="numpy")
@uses_helpers
def _tile1(a, i, bt, j0, j1, op, p, out):
    """:func:`_tile4` for one row of ``a``."""
    d = a.shape[1]
    w = j1 - j0
    o0 = out[i + 0, j0:j1]
    for j in range(w):
        o0[j] = 0.0
    k = 0
    while k + 4 <= d:
        b0 = bt[k, j0:j1]
        b1 = bt[k + 1, j0:j1]
        b2 = bt[k + 2, j0:j1]
        b3 = bt[k + 3, j0:j1]
        c00 = a[i + 0, k + 0]
        c01 = a[i + 0, k + 1]
        c02 = a[i + 0, k + 2]
        c03 = a[i + 0, k + 3]
        if op == OP_SUMSQ:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                v0 = c00 - x0
                v1 = c01 - x1
                v2 = c02 - x2
                v3 = c03 - x3
                o0[j] += (v0 * v0 + v1 * v1) + (v2 * v2 + v3 * v3)
        elif op == OP_SUMABS:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                o0[j] += (abs(c00 - x0) + abs(c01 - x1)) + (abs(c02 - x2) + abs(c03 - x3))
        elif op == OP_MAX:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                o0[j] = max(
                    o0[j], max(max(abs(c00 - x0), abs(c01 - x1)), max(abs(c02 - x2), abs(c03 - x3)))
                )
        elif op == OP_CUBE:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                v0 = abs(c00 - x0)
                v1 = abs(c01 - x1)
                v2 = abs(c02 - x2)
                v3 = abs(c03 - x3)
                o0[j] += (v0 * v0 * v0 + v1 * v1 * v1) + (v2 * v2 * v2 + v3 * v3 * v3)
        else:
            for j in range(w):
                x0 = b0[j]
                x1 = b1[j]
                x2 = b2[j]
                x3 = b3[j]
                o0[j] += (abs(c00 - x0) ** p + abs(c01 - x1) ** p) + (
                    abs(c02 - x2) ** p + abs(c03 - x3) ** p
                )
        k += 4
    while k < d:
        bk = bt[k, j0:j1]
        c0 = a[i + 0, k]
        if op == OP_SUMSQ:
            for j in range(w):
                x = bk[j]
                v0 = c0 - x
                o0[j] += v0 * v0
        elif op == OP_SUMABS:
            for j in range(w):
                x = bk[j]
                o0[j] += abs(c0 - x)
        elif op == OP_MAX:
            for j in range(w):
                x = bk[j]
                o0[j] = max(o0[j], abs(c0 - x))
        elif op == OP_CUBE:
            for j in range(w):
                x = bk[j]
                v0 = abs(c0 - x)
                o0[j] += v0 * v0 * v0
        else:
            for j in range(w):
                x = bk[j]
                o0[j] += abs(c0 - x) ** p
        k += 1


@kernel
@uses_helpers
def cdist_tiles(a, bt, op, p, out):
    """out[i, j] = Minkowski distance (op SUMSQ, SUMABS, POW or MAX) between a[i] and
    bt[:, j]; a (mA, d) and bt (d, mB) float64.  Tasks are (CD_ROWS rows of a) x (CD_TILE
    columns of bt): the bt tile (d x CD_TILE) stays in L2 and the accumulators in L1."""
    k = pow_op(op, p)  # the tiles' op; _finish_row takes the roots of ``op``
    ma = a.shape[0]
    mb = bt.shape[1]
    nrb = (ma + CD_ROWS - 1) // CD_ROWS
    ntb = (mb + CD_TILE - 1) // CD_TILE
    for t in prange(nrb * ntb):
        rb = t // ntb
        tb = t - rb * ntb
        i0 = rb * CD_ROWS
        i1 = min(i0 + CD_ROWS, ma)
        j0 = tb * CD_TILE
        j1 = min(j0 + CD_TILE, mb)
        i = i0
        while i + 4 <= i1:
            _tile4(a, i, bt, j0, j1, k, p, out)
            i += 4
        while i < i1:
            _tile1(a, i, bt, j0, j1, k, p, out)
            i += 1
        if op != OP_MAX:
            for q in range(i0, i1):
                _finish_row(a, q, bt, j0, j1, op, p, out)


@jit(error_model="numpy")
@uses_helpers
def _finish_row(a, q, bt, j0, j1, op, p, out):
    """Roots of raw Minkowski sums in out[q, j0:j1]; a sum that over- or underflowed is
    recomputed with a power-of-two rescaling (rare)."""
    oq = out[q, j0:j1]
    w = j1 - j0
    redo = 0
    for j in range(w):
        redo += (oq[j] > FLOAT_MAX) | (oq[j] < TINY)
    flag = np.zeros(w if redo > 0 else 0, dtype=np.bool_)
    for j in range(flag.size):
        flag[j] = oq[j] > FLOAT_MAX or oq[j] < TINY
    if op == OP_SUMSQ:
        for j in range(w):
            oq[j] = np.sqrt(oq[j])
    elif op == OP_POW:
        ip = 1.0 / p
        for j in range(w):
            oq[j] = oq[j] ** ip
    for j in range(flag.size):
        if flag[j]:
            oq[j] = _pair_exact(a[q], bt[:, j0 + j], p)


@kernel
@uses_helpers
def cdist_gram_fix(g, na, nb, a, b, guard, out):
    """Euclidean distances from the Gram matrix ``g = a @ b.T``: out = sqrt(na + nb - 2 g),
    recomputed exactly where cancellation makes that inaccurate (d2 < guard * (na + nb)) or
    where it is not finite.  ``out`` may be ``g`` itself."""
    ma, mb = g.shape
    for i in prange(ma):
        gi = g[i]
        oi = out[i]
        ni = na[i]
        ai = a[i]
        for j in range(mb):
            t = ni + nb[j]
            d2 = t - 2.0 * gi[j]
            if d2 >= guard * t and t >= TINY and d2 <= FLOAT_MAX:
                oi[j] = np.sqrt(d2)
            else:
                oi[j] = _pair_exact(ai, b[j], 2.0)
