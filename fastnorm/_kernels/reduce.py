"""Reduction kernels behind every norm: raw accumulations over one axis or over everything.

Kernels return *raw* float64 accumulations (sum of squares, sum of |x|, count of non-zeros,
sum of |x|**p, or the bit patterns of max/min |x|); the wrapper finalises them (sqrt, ``**1/p``,
result dtype) and decides whether an overflow-safe rescaled pass is needed.

Layouts:
- ``flat``: a 1-D array (any stride), reduced to a scalar;
- ``rows``: a 2-D ``(m, n)`` view reduced along axis 1 (the reduced axis is the inner one);
- ``cols``: a 3-D ``(o, n, m)`` view reduced along axis 1, vectorised along the inner ``m``.

All of them split the work into fixed-size chunks and combine partials in a fixed order, so a
result does not depend on the number of threads.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastnorm._config import CHUNK, FASTMATH, TINY, jit, kernel
from fastnorm._kernels.ops import (  # noqa: F401 - the wrappers read the op codes from here
    OP_COUNTNZ,
    OP_CUBE,
    OP_POW,
    OP_QUAD,
    OP_RECIP,
    OP_SCALED,
    OP_SQRT,
    OP_SUMABS,
    OP_SUMSQ,
    _cols_plan,
    _cols_task,
    _nchunks,
    _row_scaled,
    _sum_at,
    _sum_row,
    _sum_scaled,
    pow_op,
    uses_helpers,
)

_FM = set(FASTMATH)


@jit(fastmath=_FM, error_model="numpy")
@uses_helpers
def _acc(xs, op, p):
    """Raw accumulation of ``op`` (as returned by ``pow_op``) over a 1-D slice, vectorised
    with reassoc: the one-operand twin of ``ops._sum_at`` over slices, kept for the stream
    layouts the measurements chose (two streams for long float64 sums of squares and for
    cubes)."""
    s = 0.0
    n = xs.size
    if op == OP_SUMSQ and (xs.itemsize == 4 or n < 4096):
        # One stream for float32 and for short slices: float32 with two streams ran well below
        # the read speed (each load already feeds two float64 vectors), and short rows split
        # in two half-rows took over twice the time of one stream (bench/README.md).
        for i in range(n):
            v = np.float64(xs[i])
            s += v * v
    elif op == OP_SUMSQ:
        # float64: two half-chunk streams in one loop break the dependency chain of one
        # accumulator; on one machine it reached the speed of a plain sum (memory-bound),
        # on another one stream was marginally faster (bench/README.md).
        h = n // 2
        a = xs[:h]
        b = xs[h : 2 * h]
        s2 = 0.0
        for i in range(h):
            u = np.float64(a[i])
            v = np.float64(b[i])
            s += u * u
            s2 += v * v
        for i in range(2 * h, n):
            v = np.float64(xs[i])
            s += v * v
        s += s2
    elif op == OP_SUMABS:
        for i in range(n):
            s += abs(np.float64(xs[i]))
    elif op == OP_COUNTNZ:
        cnt = 0  # an integer count vectorises; a float one ran at 40% of the read speed
        for i in range(n):
            if xs[i] != 0:
                cnt += 1
        s = np.float64(cnt)
    elif op == OP_CUBE:
        h = n // 2
        a = xs[:h]
        b = xs[h : 2 * h]
        s2 = 0.0
        for i in range(h):
            u = abs(np.float64(a[i]))
            v = abs(np.float64(b[i]))
            s += u * u * u
            s2 += v * v * v
        for i in range(2 * h, n):
            v = abs(np.float64(xs[i]))
            s += v * v * v
        s += s2
    elif op == OP_QUAD:
        for i in range(n):
            a = np.float64(xs[i])
            a = a * a
            s += a * a
    elif op == OP_SQRT:
        for i in range(n):
            s += np.sqrt(abs(np.float64(xs[i])))
    elif op == OP_RECIP:
        for i in range(n):
            s += 1.0 / abs(np.float64(xs[i]))
    else:
        for i in range(n):
            s += abs(np.float64(xs[i])) ** p
    return s


@jit
def _maxmin(us, mask):
    """Max and min of ``us & mask`` (the bits of |x|; NaN patterns sort above inf)."""
    mx = np.uint64(0)
    mn = np.uint64(0xFFFFFFFFFFFFFFFF)
    for i in range(us.size):
        v = np.uint64(us[i]) & mask
        mx = max(mx, v)
        mn = min(mn, v)
    return mx, mn


@jit
def all_normal(raw):
    """True when every raw sum is in [TINY, inf): no rescaled pass is needed."""
    for v in raw.flat:
        if not (v >= TINY and v < np.inf):
            return False
    return True


# ----------------------------------------------------------------------------- flat (1-D)
@kernel
@uses_helpers
def reduce_flat(x, op, p, scale):
    """Raw accumulation of ``op`` over a 1-D array (``scale`` serves OP_SCALED)."""
    op = pow_op(op, p)
    n = x.size
    nck = _nchunks(n)
    part = np.empty(nck)
    for c in prange(nck):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        if op == OP_SCALED:
            part[c] = _sum_scaled(x[lo:hi], None, p, scale)
        else:
            part[c] = _acc(x[lo:hi], op, p)
    s = 0.0
    for c in range(nck):
        s += part[c]
    return s


@jit
def _store(out, i, mx, mn, infbits):
    """Write max and min bits; where the max is a NaN pattern the min is NaN too (numpy)."""
    out[i] = mx
    out[i + 1] = mx if mx > infbits else mn


@kernel(fastmath=False)
@uses_helpers
def maxmin_flat(u, mask, infbits, out):
    """out[0], out[1] = bits of max |x|, min |x| for a 1-D unsigned view of a float array.

    ``out`` is an unsigned view of a 2-element float array of the input's dtype.
    """
    n = u.size
    nck = _nchunks(n)
    pmx = np.empty(nck, dtype=np.uint64)
    pmn = np.empty(nck, dtype=np.uint64)
    for c in prange(nck):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        a, b = _maxmin(u[lo:hi], mask)
        pmx[c] = a
        pmn[c] = b
    mx = np.uint64(0)
    mn = np.uint64(0xFFFFFFFFFFFFFFFF)
    for c in range(nck):
        mx = max(mx, pmx[c])
        mn = min(mn, pmn[c])
    _store(out, 0, mx, mn, infbits)


# ----------------------------------------------------------------------------- rows (m, n)
@kernel
@uses_helpers
def reduce_rows(x, op, p, scale, out):
    """out[r] = raw accumulation of ``op`` over x[r, :] for a 2-D ``(m, n)`` array
    (OP_SCALED divides row r by ``scale[r]``; other ops ignore ``scale``)."""
    op = pow_op(op, p)
    m, n = x.shape
    nck = _nchunks(n)
    if nck == 1 and op != OP_SCALED:
        # short rows: one pass over x[r, i] per row (a row view costs ~30 ns a row), and the
        # two common ops inline (a call per row too: float32 rows of 200 ran at ~60% of the
        # read with both, bench/README.md)
        if op == OP_SUMSQ:
            for r in prange(m):
                s = 0.0
                for i in range(n):
                    v = np.float64(x[r, i])
                    s += v * v
                out[r] = s
        elif op == OP_SUMABS:
            for r in prange(m):
                s = 0.0
                for i in range(n):
                    s += abs(np.float64(x[r, i]))
                out[r] = s
        else:
            for r in prange(m):
                out[r] = _sum_at(x, r, None, 0, 0, n, op, p)
        return
    part = np.empty((m, nck))
    for t in prange(m * nck):
        r = t // nck
        c = t - r * nck
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        if op == OP_SCALED:
            part[r, c] = _sum_scaled(x[r, lo:hi], None, p, scale[r])
        else:
            part[r, c] = _acc(x[r, lo:hi], op, p)
    for r in range(m):
        s = 0.0
        for c in range(nck):
            s += part[r, c]
        out[r] = s


@kernel(fastmath=False)
@uses_helpers
def maxmin_rows(u, mask, infbits, out):
    """out[2r], out[2r+1] = bits of max, min |x[r, :]| for a 2-D unsigned view."""
    m, n = u.shape
    nck = _nchunks(n)
    pmx = np.empty((m, nck), dtype=np.uint64)
    pmn = np.empty((m, nck), dtype=np.uint64)
    for t in prange(m * nck):
        r = t // nck
        c = t - r * nck
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        a, b = _maxmin(u[r, lo:hi], mask)
        pmx[r, c] = a
        pmn[r, c] = b
    for r in range(m):
        mx = np.uint64(0)
        mn = np.uint64(0xFFFFFFFFFFFFFFFF)
        for c in range(nck):
            mx = max(mx, pmx[r, c])
            mn = min(mn, pmn[r, c])
        _store(out, 2 * r, mx, mn, infbits)


# ----------------------------------------------------------------------------- cols (o, n, m)
@kernel
@uses_helpers
def reduce_cols(x, op, p, scale, out):
    """out[k, j] = raw accumulation of ``op`` over x[k, :, j] for a 3-D ``(o, n, m)`` array
    (OP_SCALED divides by ``scale[k, j]``; other ops ignore ``scale``)."""
    op = pow_op(op, p)
    o, n, m = x.shape
    if o == 0 or m == 0:
        return
    w, ncb, rows, nrb = _cols_plan(n, m)
    part = np.zeros((o, nrb, m))
    for t in prange(o * nrb * ncb):
        k, rb, r0, r1, c0, c1 = _cols_task(t, n, m, w, ncb, rows, nrb)
        acc = part[k, rb, c0:c1]
        if op == OP_SCALED:
            sc = scale[k, c0:c1]
            for i in range(r0, r1):
                _row_scaled(x[k, i, c0:c1], None, acc, p, sc)
        else:
            for i in range(r0, r1):
                # no NaN count: max/min never come here (maxmin_cols runs them on the bits)
                _sum_row(x[k, i, c0:c1], None, acc, acc, op, p)
    for k in range(o):
        for j in range(m):
            out[k, j] = part[k, 0, j]
        for rb in range(1, nrb):
            for j in range(m):
                out[k, j] += part[k, rb, j]


@kernel(fastmath=False)
@uses_helpers
def maxmin_cols(u, mask, infbits, out):
    """out[2(k*m+j)], out[2(k*m+j)+1] = bits of max, min |x[k, :, j]| for a 3-D unsigned view."""
    o, n, m = u.shape
    if o == 0 or m == 0:
        return
    w, ncb, rows, nrb = _cols_plan(n, m)
    pmx = np.zeros((o, nrb, m), dtype=np.uint64)
    pmn = np.full((o, nrb, m), np.uint64(0xFFFFFFFFFFFFFFFF), dtype=np.uint64)
    for t in prange(o * nrb * ncb):
        k, rb, r0, r1, c0, c1 = _cols_task(t, n, m, w, ncb, rows, nrb)
        amx = pmx[k, rb, c0:c1]
        amn = pmn[k, rb, c0:c1]
        for i in range(r0, r1):
            row = u[k, i, c0:c1]
            for j in range(c1 - c0):
                v = np.uint64(row[j]) & mask
                amx[j] = max(amx[j], v)
                amn[j] = min(amn[j], v)
    for k in range(o):
        for j in range(m):
            mx = np.uint64(0)
            mn = np.uint64(0xFFFFFFFFFFFFFFFF)
            for rb in range(nrb):
                mx = max(mx, pmx[k, rb, j])
                mn = min(mn, pmn[k, rb, j])
            _store(out, 2 * (k * m + j), mx, mn, infbits)
