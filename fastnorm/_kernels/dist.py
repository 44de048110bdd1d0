"""Kernels behind ``dist``: raw accumulations of f(x - y), chunk by chunk; ``x - y`` is never
stored.  The layouts mirror :mod:`fastnorm._kernels.reduce`:

- ``flat``: 1-D ``x`` and ``y`` (either may have stride 0), reduced to a scalar;
- ``rows``: ``(mx, n)`` and ``(my, n)`` reduced along axis 1, where a leading length of 1 means
  the operand is broadcast over the rows (its row 0 is used for every output row);
- ``cols``: ``(ox, nx, m)`` and ``(oy, ny, m)`` reduced along axis 1, vectorised along ``m``,
  with the same length-1 broadcasting convention for the two leading axes.

The difference is taken in the operands' own arithmetic (float32 - float32 rounds to float32
as ``np.subtract`` does) and accumulated in float64.  Every reduction runs over fixed-size
chunks whose partials are combined in a fixed order: results do not depend on the thread
count.  Max/min |x - y| keep a count of NaNs beside the float max (``max`` alone drops NaN).
The accumulation loops are the shared ones of :mod:`fastnorm._kernels.ops`.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastnorm._config import CHUNK, kernel
from fastnorm._kernels.ops import (  # noqa: F401 - the wrappers read the op codes from here
    OP_COUNTNZ,
    OP_MAX,
    OP_MIN,
    OP_POW,
    OP_SUMABS,
    OP_SUMSQ,
    _cols_plan,
    _cols_task,
    _combine,
    _nchunks,
    _row_scaled,
    _sum_at,
    _sum_row,
    _sum_scaled,
    pow_op,
    uses_helpers,
)


# ----------------------------------------------------------------------------- flat
@kernel
@uses_helpers
def dist_flat(x, y, op, p):
    """Raw accumulation of ``op`` over x - y for 1-D arrays of one length."""
    op = pow_op(op, p)
    n = x.size
    x2 = x[np.newaxis, :]  # the shared loops index rows of 2-D arrays
    y2 = y[np.newaxis, :]
    nck = _nchunks(n)
    part = np.empty(nck)
    for c in prange(nck):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        part[c] = _sum_at(x2, 0, y2, 0, lo, hi, op, p)
    s = part[0]
    for c in range(1, nck):
        s = _combine(s, part[c], op)
    return s


@kernel(fastmath=False)
@uses_helpers
def dist_flat_scaled(x, y, p, scale):
    """sum((|x - y|/scale)**p) over 1-D arrays, without reassociation."""
    n = x.size
    nck = _nchunks(n)
    part = np.empty(nck)
    for c in prange(nck):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        part[c] = _sum_scaled(x[lo:hi], y[lo:hi], p, scale)
    s = 0.0
    for c in range(nck):
        s += part[c]
    return s


# ----------------------------------------------------------------------------- rows
@kernel
@uses_helpers
def dist_rows(x, y, op, p, out):
    """out[r] = raw accumulation of ``op`` over x[r] - y[r] (row 0 of a 1-row operand)."""
    op = pow_op(op, p)
    m = out.size
    n = x.shape[1]
    sx = 1 if x.shape[0] > 1 else 0
    sy = 1 if y.shape[0] > 1 else 0
    nck = _nchunks(n)
    if nck == 1:
        # the two common ops inline: a call per short row costs ~30 ns (measured 1.4x on
        # float32 rows of 200), and LLVM does not inline the many-branch _sum_at
        if op == OP_SUMSQ:
            for r in prange(m):
                rx = r * sx
                ry = r * sy
                s = 0.0
                for i in range(n):
                    d = np.float64(x[rx, i] - y[ry, i])
                    s += d * d
                out[r] = s
        elif op == OP_SUMABS:
            for r in prange(m):
                rx = r * sx
                ry = r * sy
                s = 0.0
                for i in range(n):
                    s += abs(np.float64(x[rx, i] - y[ry, i]))
                out[r] = s
        else:
            for r in prange(m):
                out[r] = _sum_at(x, r * sx, y, r * sy, 0, n, op, p)
        return
    part = np.empty((m, nck))
    for t in prange(m * nck):
        r = t // nck
        c = t - r * nck
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        part[r, c] = _sum_at(x, r * sx, y, r * sy, lo, hi, op, p)
    for r in range(m):
        s = part[r, 0]
        for c in range(1, nck):
            s = _combine(s, part[r, c], op)
        out[r] = s


@kernel(fastmath=False)
@uses_helpers
def dist_rows_scaled(x, y, p, scale, out):
    """out[r] = sum((|x[r] - y[r]|/scale[r])**p), without reassociation."""
    m = out.size
    n = x.shape[1]
    sx = 1 if x.shape[0] > 1 else 0
    sy = 1 if y.shape[0] > 1 else 0
    nck = _nchunks(n)
    part = np.empty((m, nck))
    for t in prange(m * nck):
        r = t // nck
        c = t - r * nck
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        part[r, c] = _sum_scaled(x[r * sx, lo:hi], y[r * sy, lo:hi], p, scale[r])
    for r in range(m):
        s = 0.0
        for c in range(nck):
            s += part[r, c]
        out[r] = s


# ----------------------------------------------------------------------------- cols
@kernel
@uses_helpers
def dist_cols(x, y, n, op, p, out):
    """out[k, j] = raw accumulation of ``op`` over x[k, :, j] - y[k, :, j] for 3-D operands
    (leading axes of length 1 broadcast); ``n`` is the reduced length."""
    op = pow_op(op, p)
    o, m = out.shape
    if o == 0 or m == 0:
        return
    xo = 1 if x.shape[0] > 1 else 0
    xn = 1 if x.shape[1] > 1 else 0
    yo = 1 if y.shape[0] > 1 else 0
    yn = 1 if y.shape[1] > 1 else 0
    w, ncb, rows, nrb = _cols_plan(n, m)
    init = np.inf if op == OP_MIN else 0.0
    part = np.full((o, nrb, m), init)
    nan = np.zeros((o, nrb, m))
    for t in prange(o * nrb * ncb):
        k, rb, r0, r1, c0, c1 = _cols_task(t, n, m, w, ncb, rows, nrb)
        acc = part[k, rb, c0:c1]
        nn = nan[k, rb, c0:c1]
        for i in range(r0, r1):
            _sum_row(x[k * xo, i * xn, c0:c1], y[k * yo, i * yn, c0:c1], acc, nn, op, p)
    for k in range(o):
        for j in range(m):
            s = part[k, 0, j]
            cnt = nan[k, 0, j]
            for rb in range(1, nrb):
                s = _combine(s, part[k, rb, j], op)
                cnt += nan[k, rb, j]
            out[k, j] = np.nan if cnt > 0 else s


@kernel(fastmath=False)
@uses_helpers
def dist_cols_scaled(x, y, n, p, scale, out):
    """out[k, j] = sum((|x[k, :, j] - y[k, :, j]|/scale[k, j])**p), without reassociation."""
    o, m = out.shape
    if o == 0 or m == 0:
        return
    xo = 1 if x.shape[0] > 1 else 0
    xn = 1 if x.shape[1] > 1 else 0
    yo = 1 if y.shape[0] > 1 else 0
    yn = 1 if y.shape[1] > 1 else 0
    w, ncb, rows, nrb = _cols_plan(n, m)
    part = np.zeros((o, nrb, m))
    for t in prange(o * nrb * ncb):
        k, rb, r0, r1, c0, c1 = _cols_task(t, n, m, w, ncb, rows, nrb)
        acc = part[k, rb, c0:c1]
        sc = scale[k, c0:c1]
        for i in range(r0, r1):
            _row_scaled(x[k * xo, i * xn, c0:c1], y[k * yo, i * yn, c0:c1], acc, p, sc)
    for k in range(o):
        for j in range(m):
            s = part[k, 0, j]
            for rb in range(1, nrb):
                s += part[k, rb, j]
            out[k, j] = s
