"""Kernels behind ``normalize``: the norm of a row fused with its scaling while the row is in
cache, and the scaling passes for the norms computed by :mod:`fastnorm._kernels.reduce`.

The norms use the shared accumulation loops of :mod:`fastnorm._kernels.ops` (one operand:
``y`` is None), so ``normalize(x, ord)`` and ``norm(x, ord, axis)`` take the same fast paths.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastnorm._config import CHUNK, FASTMATH, FLOAT_MAX, NORM_MAX_ROWS, TINY, jit, kernel
from fastnorm._kernels.ops import (
    OP_COUNTNZ,
    OP_MAX,
    OP_MIN,
    OP_SUMABS,
    OP_SUMSQ,
    _cols_plan,
    _cols_task,
    _nchunks,
    _rescale,
    _sum_at,
    _sum_scaled,
    pow_op,
    uses_helpers,
)

_FM = set(FASTMATH)


@jit(fastmath=_FM, error_model="numpy")
def _scale_row_at(x, rx, out, r, v):
    """out[r] = x[rx] / v in float64, rounded to the output dtype; a copy where v == 0."""
    n = out.shape[1]
    if v == 0.0:
        for j in range(n):
            out[r, j] = x[rx, j]
    else:
        for j in range(n):
            out[r, j] = np.float64(x[rx, j]) / v


@jit(error_model="numpy")
@uses_helpers
def _row_norm(x, r, op, p, safe):
    """Finalised float64 norm of row ``r`` of a 2-D array (``op`` as returned by ``pow_op``),
    rescaled by a power of two near max|x| only where the one-pass sum over- or underflowed
    (as ``norms._power_sum``)."""
    n = x.shape[1]
    raw = _sum_at(x, r, None, 0, 0, n, op, p)
    if op == OP_MAX or op == OP_MIN or op == OP_SUMABS or op == OP_COUNTNZ:
        return raw
    if safe and (raw > FLOAT_MAX or raw < TINY):
        amax = _sum_at(x, r, None, 0, 0, n, OP_MAX, 0.0)
        if amax > 0.0 and amax <= FLOAT_MAX:
            scale = _rescale(amax, p)
            s = _sum_scaled(x[r], None, p, scale)
            if p == 2.0:
                return scale * np.sqrt(s)
            return scale * s ** (1.0 / p)
        if amax > 1.0:  # inf
            return amax
    if p == 2.0:
        return np.sqrt(raw)
    return raw ** (1.0 / p)


@jit(fastmath=_FM, error_model="numpy")
def _scale_row(xs, os, v):
    """os[j] = xs[j] / v in float64, rounded to the output dtype; copy where v == 0."""
    if v == 0.0:
        for j in range(xs.size):
            os[j] = xs[j]
    else:
        for j in range(xs.size):
            os[j] = np.float64(xs[j]) / v


@kernel
@uses_helpers
def normalize_rows(x, out, op, p, safe, nrm):
    """Fused: nrm[r] = norm of x[r] (finalised), out[r] = x[r] / nrm[r] (unchanged where the
    norm is 0), one row at a time while it is in cache.  ``x`` may have one row (broadcast)."""
    op = pow_op(op, p)
    m = out.shape[0]
    sx = 1 if x.shape[0] > 1 else 0
    n = out.shape[1]
    if op == OP_SUMSQ or op == OP_SUMABS:
        # inline (a helper call per short row costs ~30 ns); the rare rows whose one-pass sum
        # over- or underflowed (zero rows included) go through _row_norm
        for r in prange(m):
            rx = r * sx
            s = 0.0
            if op == OP_SUMSQ:
                for i in range(n):
                    d = np.float64(x[rx, i])
                    s += d * d
            else:
                for i in range(n):
                    s += abs(np.float64(x[rx, i]))
            if s > FLOAT_MAX or s < TINY:
                v = _row_norm(x, rx, op, p, safe)
            elif op == OP_SUMSQ:
                v = np.sqrt(s)
            else:
                v = s
            nrm[r] = v
            if v == 0.0:
                for j in range(n):
                    out[r, j] = x[rx, j]
            else:
                for j in range(n):
                    out[r, j] = np.float64(x[rx, j]) / v
        return
    for r in prange(m):
        v = _row_norm(x, r * sx, op, p, safe)
        nrm[r] = v
        _scale_row_at(x, r * sx, out, r, v)


@kernel
@uses_helpers
def normalize_rows_max(x, u, mask, out, nrm):
    """Fused max-normalisation: nrm[r] = max|x[r]|, out[r] = x[r] / nrm[r] (unchanged where
    it is 0).  ``u`` is ``x`` viewed as signed integers of its width and ``mask`` clears the
    sign bit, so the max runs on the bits of |x|: an integer max vectorises (the float max of
    :func:`_absmax` with ``ys=None`` ran at 76% (float64) and 51% (float32) of a copy, this
    one at ~100%), and
    NaN patterns sort above inf, so a NaN row's norm is NaN as in numpy."""
    m, n = out.shape
    sx = 1 if x.shape[0] > 1 else 0
    nb = (m + NORM_MAX_ROWS - 1) // NORM_MAX_ROWS
    for blk in prange(nb):
        cell = np.empty(1, dtype=u.dtype)  # the max's bits go in, the float comes out
        fcell = cell.view(x.dtype)
        for r in range(blk * NORM_MAX_ROWS, min(m, blk * NORM_MAX_ROWS + NORM_MAX_ROWS)):
            rx = r * sx
            mx = u[rx, 0] & mask
            for i in range(n):
                b = u[rx, i] & mask
                mx = max(mx, b)
            cell[0] = mx
            v = np.float64(fcell[0])
            nrm[r] = v
            _scale_row_at(x, rx, out, r, v)


@kernel
@uses_helpers
def scale_rows(x, d, out):
    """out[r] = x[r] / d[r] (copy where d[r] == 0), chunked along the rows."""
    m, n = out.shape
    sx = 1 if x.shape[0] > 1 else 0
    nck = _nchunks(n)
    for t in prange(m * nck):
        r = t // nck
        c = t - r * nck
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        _scale_row(x[r * sx, lo:hi], out[r, lo:hi], d[r])


@kernel
@uses_helpers
def scale_cols(x, d, out):
    """out[k, i, j] = x[k, i, j] / d[k, j]; the wrapper passes d = 1.0 for zero norms."""
    o, n, m = out.shape
    if o == 0 or m == 0:
        return
    xo = 1 if x.shape[0] > 1 else 0
    xn = 1 if x.shape[1] > 1 else 0
    w, ncb, rows, nrb = _cols_plan(n, m)
    for t in prange(o * nrb * ncb):
        k, rb, r0, r1, c0, c1 = _cols_task(t, n, m, w, ncb, rows, nrb)
        ds = d[k, c0:c1]
        for i in range(r0, r1):
            xs = x[k * xo, i * xn, c0:c1]
            os = out[k, i, c0:c1]
            for j in range(c1 - c0):
                os[j] = np.float64(xs[j]) / ds[j]
