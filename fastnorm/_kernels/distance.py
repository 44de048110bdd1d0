"""Kernels behind ``dist``, ``cdist`` and ``normalize``.

``dist`` kernels read two operands and accumulate f(x - y) chunk by chunk; ``x - y`` is never
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

``cdist`` kernels tile XB (transposed, ``(d, mB)``) so that a tile stays in L2 and vectorise
along XB's rows; ``normalize`` fuses the norm of a row with its scaling while the row is in
cache.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from fastnorm._config import (
    CD_ROWS,
    CD_TILE,
    CHUNK,
    FASTMATH,
    FLOAT_MAX,
    POW2_SCALE_MAX_P,
    TINY,
    helper,
    jit,
    kernel,
)
from fastnorm._kernels.ops import (
    OP_COUNTNZ,
    OP_MAX,
    OP_MIN,
    OP_POW,
    OP_SUMABS,
    OP_SUMSQ,
    _cols_plan,
    _nchunks,
    uses_helpers,
)

_FM = set(FASTMATH)


@jit
def _rescale(amax, p):
    """Divisor of the overflow-safe second pass (as ``fastnorms.norms.rescale_factor``): a
    power of two near ``amax`` (exact division) up to POW2_SCALE_MAX_P, ``amax`` above."""
    if p > POW2_SCALE_MAX_P:
        return amax
    return math.ldexp(1.0, math.frexp(amax)[1] - 1)


@helper
def _absd(xs, ys, i):
    """|xs[i] - ys[i]|, or |xs[i]| when ``ys`` is None: numba prunes the other branch at
    compile time (``ys`` is typed), so the ``ys=None`` build of a caller has no subtraction."""
    if ys is None:
        return abs(xs[i])
    return abs(xs[i] - ys[i])


@jit(fastmath=_FM, error_model="numpy")
def _absmax(xs, ys, mx):
    """Max (``mx``) or min of |xs - ys| (of |xs| when ``ys`` is None) over a non-empty 1-D
    slice, as float64, NaN if any NaN.

    Eight running max/min (they vectorise; a single one does not) in the input's own
    dtype (exact), and a NaN detector t += a - a (NaN for a NaN or an inf); only a slice
    that trips it is scanned again with an exact NaN count."""
    n = xs.size
    i = 0
    a = _absd(xs, ys, i)
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = a
    t = a - a
    n8 = n - n % 8
    if mx:
        for i in range(0, n8, 8):
            a0 = _absd(xs, ys, i + 0)
            a1 = _absd(xs, ys, i + 1)
            a2 = _absd(xs, ys, i + 2)
            a3 = _absd(xs, ys, i + 3)
            a4 = _absd(xs, ys, i + 4)
            a5 = _absd(xs, ys, i + 5)
            a6 = _absd(xs, ys, i + 6)
            a7 = _absd(xs, ys, i + 7)
            s0 = max(s0, a0)
            s1 = max(s1, a1)
            s2 = max(s2, a2)
            s3 = max(s3, a3)
            s4 = max(s4, a4)
            s5 = max(s5, a5)
            s6 = max(s6, a6)
            s7 = max(s7, a7)
            t += ((a0 - a0) + (a1 - a1) + (a2 - a2) + (a3 - a3)) + (
                (a4 - a4) + (a5 - a5) + (a6 - a6) + (a7 - a7)
            )
        for i in range(n8, n):
            a = _absd(xs, ys, i)
            s0 = max(s0, a)
            t += a - a
        r = max(max(max(s0, s1), max(s2, s3)), max(max(s4, s5), max(s6, s7)))
    else:
        for i in range(0, n8, 8):
            a0 = _absd(xs, ys, i + 0)
            a1 = _absd(xs, ys, i + 1)
            a2 = _absd(xs, ys, i + 2)
            a3 = _absd(xs, ys, i + 3)
            a4 = _absd(xs, ys, i + 4)
            a5 = _absd(xs, ys, i + 5)
            a6 = _absd(xs, ys, i + 6)
            a7 = _absd(xs, ys, i + 7)
            s0 = min(s0, a0)
            s1 = min(s1, a1)
            s2 = min(s2, a2)
            s3 = min(s3, a3)
            s4 = min(s4, a4)
            s5 = min(s5, a5)
            s6 = min(s6, a6)
            s7 = min(s7, a7)
            t += ((a0 - a0) + (a1 - a1) + (a2 - a2) + (a3 - a3)) + (
                (a4 - a4) + (a5 - a5) + (a6 - a6) + (a7 - a7)
            )
        for i in range(n8, n):
            a = _absd(xs, ys, i)
            s0 = min(s0, a)
            t += a - a
        r = min(min(min(s0, s1), min(s2, s3)), min(min(s4, s5), min(s6, s7)))
    if t == 0:
        return np.float64(r)
    # a NaN or an inf somewhere: exact pass
    s = 0.0 if mx else np.inf
    for i in range(n):
        v = np.float64(_absd(xs, ys, i))
        if v != v:
            return np.nan
        s = max(s, v) if mx else min(s, v)
    return s


@jit(fastmath=_FM, error_model="numpy")
def _dacc(xs, ys, op, p):
    """Raw accumulation of ``op`` over d = xs - ys (1-D slices of one length)."""
    n = xs.size
    s = 0.0
    if op == OP_SUMSQ:
        for i in range(n):
            d = np.float64(xs[i] - ys[i])
            s += d * d
    elif op == OP_SUMABS:
        for i in range(n):
            s += abs(np.float64(xs[i] - ys[i]))
    elif op == OP_COUNTNZ:
        cnt = 0  # an integer count vectorises (as in reduce._acc)
        for i in range(n):
            if (xs[i] - ys[i]) != 0:
                cnt += 1
        s = np.float64(cnt)
    elif op == OP_MAX or op == OP_MIN:
        if n == 0:
            return 0.0 if op == OP_MAX else np.inf
        s = _absmax(xs, ys, op == OP_MAX)
    elif p == 3.0:
        for i in range(n):
            a = abs(np.float64(xs[i] - ys[i]))
            s += a * a * a
    elif p == 4.0:
        for i in range(n):
            a = np.float64(xs[i] - ys[i])
            a = a * a
            s += a * a
    elif p == 0.5:
        for i in range(n):
            s += np.sqrt(abs(np.float64(xs[i] - ys[i])))
    elif p == -1.0:
        for i in range(n):
            s += 1.0 / abs(np.float64(xs[i] - ys[i]))
    else:
        for i in range(n):
            s += abs(np.float64(xs[i] - ys[i])) ** p
    return s


@jit(fastmath=_FM, error_model="numpy")
def _dacc_full(x, rx, y, ry, op, p):
    """:func:`_dacc` over the whole rows x[rx] - y[ry] of 2-D arrays, indexing them over
    range(n): row views (made here or passed in) cost their reference counting, ~30 ns a row,
    which made float32 rows of 200 elements 1.4x slower (measured)."""
    n = x.shape[1]
    s = 0.0
    if op == OP_SUMSQ:
        for i in range(n):
            d = np.float64(x[rx, i] - y[ry, i])
            s += d * d
    elif op == OP_SUMABS:
        for i in range(n):
            s += abs(np.float64(x[rx, i] - y[ry, i]))
    elif op == OP_COUNTNZ:
        for i in range(n):
            s += np.float64((x[rx, i] - y[ry, i]) != 0)
    elif op == OP_MAX or op == OP_MIN:
        if n == 0:
            return 0.0 if op == OP_MAX else np.inf
        s = _absmax(x[rx], y[ry], op == OP_MAX)
    elif p == 3.0:
        for i in range(n):
            a = abs(np.float64(x[rx, i] - y[ry, i]))
            s += a * a * a
    else:
        for i in range(n):
            s += abs(np.float64(x[rx, i] - y[ry, i])) ** p
    return s


@jit(fastmath=_FM, error_model="numpy")
def _dacc_at(x, rx, y, ry, lo, hi, op, p):
    """:func:`_dacc` over the chunk x[rx, lo:hi] - y[ry, lo:hi] (long rows: the views' cost
    is spread over a whole chunk)."""
    xs = x[rx, lo:hi]
    ys = y[ry, lo:hi]
    n = xs.size
    s = 0.0
    if op == OP_SUMSQ:
        for i in range(n):
            d = np.float64(xs[i] - ys[i])
            s += d * d
    elif op == OP_SUMABS:
        for i in range(n):
            s += abs(np.float64(xs[i] - ys[i]))
    elif op == OP_COUNTNZ:
        for i in range(n):
            s += np.float64((xs[i] - ys[i]) != 0)
    elif op == OP_MAX or op == OP_MIN:
        if n == 0:
            return 0.0 if op == OP_MAX else np.inf
        s = _absmax(xs, ys, op == OP_MAX)
    elif p == 3.0:
        for i in range(n):
            a = abs(np.float64(xs[i] - ys[i]))
            s += a * a * a
    else:
        for i in range(n):
            s += abs(np.float64(xs[i] - ys[i])) ** p
    return s


@jit(fastmath=_FM, error_model="numpy")
def _dacc_row(xs, ys, acc, nan, op, p):
    """acc[j] (+)= f(xs[j] - ys[j]) for one row of the ``cols`` layout; nan[j] counts NaNs
    for the max/min ops."""
    n = xs.size
    if op == OP_SUMSQ:
        for j in range(n):
            d = np.float64(xs[j] - ys[j])
            acc[j] += d * d
    elif op == OP_SUMABS:
        for j in range(n):
            acc[j] += abs(np.float64(xs[j] - ys[j]))
    elif op == OP_COUNTNZ:
        for j in range(n):
            acc[j] += np.float64((xs[j] - ys[j]) != 0)
    elif op == OP_MAX:
        for j in range(n):
            a = abs(np.float64(xs[j] - ys[j]))
            acc[j] = max(acc[j], a)
            nan[j] += np.float64(a != a)
    elif op == OP_MIN:
        for j in range(n):
            a = abs(np.float64(xs[j] - ys[j]))
            acc[j] = min(acc[j], a)
            nan[j] += np.float64(a != a)
    elif p == 3.0:
        for j in range(n):
            a = abs(np.float64(xs[j] - ys[j]))
            acc[j] += a * a * a
    else:
        for j in range(n):
            acc[j] += abs(np.float64(xs[j] - ys[j])) ** p


# Rescaled accumulations for the rare overflow/underflow pass.  Compiled WITHOUT reassoc:
# with it LLVM may rewrite (d/s)*(d/s) as (d*d)/(s*s), which overflows again.
@jit(error_model="numpy")
def _dacc_scaled(xs, ys, p, scale):
    s = 0.0
    if p == 2.0:
        for i in range(xs.size):
            v = np.float64(xs[i] - ys[i]) / scale
            s += v * v
    else:
        for i in range(xs.size):
            s += (abs(np.float64(xs[i] - ys[i])) / scale) ** p
    return s


@jit(error_model="numpy")
def _dacc_row_scaled(xs, ys, acc, p, scale):
    if p == 2.0:
        for j in range(xs.size):
            v = np.float64(xs[j] - ys[j]) / scale[j]
            acc[j] += v * v
    else:
        for j in range(xs.size):
            acc[j] += (abs(np.float64(xs[j] - ys[j])) / scale[j]) ** p


@jit
def _combine(a, b, op):
    """Fold partial ``b`` into ``a`` (fixed order; NaN-propagating for max/min)."""
    if op == OP_MAX or op == OP_MIN:
        if a != a or b != b:
            return np.nan
        return max(a, b) if op == OP_MAX else min(a, b)
    return a + b


# ----------------------------------------------------------------------------- dist: flat
@kernel
@uses_helpers
def dist_flat(x, y, op, p):
    """Raw accumulation of ``op`` over x - y for 1-D arrays of one length."""
    n = x.size
    nck = _nchunks(n)
    part = np.empty(nck)
    for c in prange(nck):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        part[c] = _dacc(x[lo:hi], y[lo:hi], op, p)
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
        part[c] = _dacc_scaled(x[lo:hi], y[lo:hi], p, scale)
    s = 0.0
    for c in range(nck):
        s += part[c]
    return s


# ----------------------------------------------------------------------------- dist: rows
@kernel
@uses_helpers
def dist_rows(x, y, op, p, out):
    """out[r] = raw accumulation of ``op`` over x[r] - y[r] (row 0 of a 1-row operand)."""
    m = out.size
    n = x.shape[1]
    sx = 1 if x.shape[0] > 1 else 0
    sy = 1 if y.shape[0] > 1 else 0
    nck = _nchunks(n)
    if nck == 1:
        # the two common ops inline: a call per short row costs ~30 ns (measured 1.4x on
        # float32 rows of 200), and LLVM does not inline the many-branch helper
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
                out[r] = _dacc_full(x, r * sx, y, r * sy, op, p)
        return
    part = np.empty((m, nck))
    for t in prange(m * nck):
        r = t // nck
        c = t - r * nck
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        part[r, c] = _dacc_at(x, r * sx, y, r * sy, lo, hi, op, p)
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
        part[r, c] = _dacc_scaled(x[r * sx, lo:hi], y[r * sy, lo:hi], p, scale[r])
    for r in range(m):
        s = 0.0
        for c in range(nck):
            s += part[r, c]
        out[r] = s


# ----------------------------------------------------------------------------- dist: cols
@kernel
@uses_helpers
def dist_cols(x, y, n, op, p, out):
    """out[k, j] = raw accumulation of ``op`` over x[k, :, j] - y[k, :, j] for 3-D operands
    (leading axes of length 1 broadcast); ``n`` is the reduced length."""
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
        k = t // (nrb * ncb)
        rem = t - k * nrb * ncb
        rb = rem // ncb
        cb = rem - rb * ncb
        r1 = min(rb * rows + rows, n)
        c0 = cb * w
        c1 = min(c0 + w, m)
        acc = part[k, rb, c0:c1]
        nn = nan[k, rb, c0:c1]
        for i in range(rb * rows, r1):
            _dacc_row(x[k * xo, i * xn, c0:c1], y[k * yo, i * yn, c0:c1], acc, nn, op, p)
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
        k = t // (nrb * ncb)
        rem = t - k * nrb * ncb
        rb = rem // ncb
        cb = rem - rb * ncb
        r1 = min(rb * rows + rows, n)
        c0 = cb * w
        c1 = min(c0 + w, m)
        acc = part[k, rb, c0:c1]
        sc = scale[k, c0:c1]
        for i in range(rb * rows, r1):
            _dacc_row_scaled(x[k * xo, i * xn, c0:c1], y[k * yo, i * yn, c0:c1], acc, p, sc)
    for k in range(o):
        for j in range(m):
            s = part[k, 0, j]
            for rb in range(1, nrb):
                s += part[k, rb, j]
            out[k, j] = s


# ----------------------------------------------------------------------------- normalize
@jit(fastmath=_FM, error_model="numpy")
def _acc1_at(x, r, op, p):
    """:func:`_acc1` of row ``r`` of a 2-D array, indexing it (see :func:`_dacc_at`)."""
    n = x.shape[1]
    s = 0.0
    if op == OP_SUMSQ:
        for i in range(n):
            d = np.float64(x[r, i])
            s += d * d
    elif op == OP_SUMABS:
        for i in range(n):
            s += abs(np.float64(x[r, i]))
    elif op == OP_COUNTNZ:
        for i in range(n):
            s += np.float64(x[r, i] != 0)
    elif op == OP_MAX or op == OP_MIN:
        if n == 0:
            return 0.0 if op == OP_MAX else np.inf
        s = _absmax(x[r], None, op == OP_MAX)
    elif p == 3.0:
        for i in range(n):
            a = abs(np.float64(x[r, i]))
            s += a * a * a
    else:
        for i in range(n):
            s += abs(np.float64(x[r, i])) ** p
    return s


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
def _row_norm(x, r, op, p, safe):
    """Finalised float64 norm of row ``r`` of a 2-D array, rescaled by a power of two near
    max|x| only where the one-pass sum over- or underflowed (as ``norms._power_sum``)."""
    if op == OP_MAX or op == OP_MIN or op == OP_SUMABS or op == OP_COUNTNZ:
        return _acc1_at(x, r, op, p)
    raw = _acc1_at(x, r, op, p)
    if safe and (raw > FLOAT_MAX or raw < TINY):
        xs = x[r]
        amax = _acc1(xs, OP_MAX, 0.0)
        if amax > 0.0 and amax <= FLOAT_MAX:
            scale = _rescale(amax, p)
            s = 0.0
            if p == 2.0:
                for i in range(xs.size):
                    v = np.float64(xs[i]) / scale
                    s += v * v
                return scale * np.sqrt(s)
            for i in range(xs.size):
                s += (abs(np.float64(xs[i])) / scale) ** p
            return scale * s ** (1.0 / p)
        if amax > 1.0:  # inf
            return amax
    if p == 2.0:
        return np.sqrt(raw)
    return raw ** (1.0 / p)


@jit(fastmath=_FM, error_model="numpy")
def _acc1(xs, op, p):
    """Raw accumulation of ``op`` over a 1-D slice (one operand)."""
    n = xs.size
    s = 0.0
    if op == OP_SUMSQ:
        for i in range(n):
            d = np.float64(xs[i])
            s += d * d
    elif op == OP_SUMABS:
        for i in range(n):
            s += abs(np.float64(xs[i]))
    elif op == OP_COUNTNZ:
        for i in range(n):
            s += np.float64(xs[i] != 0)
    elif op == OP_MAX or op == OP_MIN:
        if n == 0:
            return 0.0 if op == OP_MAX else np.inf
        s = _absmax(xs, None, op == OP_MAX)
    elif p == 3.0:
        for i in range(n):
            a = abs(np.float64(xs[i]))
            s += a * a * a
    elif p == 4.0:
        for i in range(n):
            a = np.float64(xs[i])
            a = a * a
            s += a * a
    else:
        for i in range(n):
            s += abs(np.float64(xs[i])) ** p
    return s


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


#: Rows per task of :func:`normalize_rows_max` (one scratch cell per task, not per row).
MAX_ROWS = 64


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
    nb = (m + MAX_ROWS - 1) // MAX_ROWS
    for blk in prange(nb):
        cell = np.empty(1, dtype=u.dtype)  # the max's bits go in, the float comes out
        fcell = cell.view(x.dtype)
        for r in range(blk * MAX_ROWS, min(m, blk * MAX_ROWS + MAX_ROWS)):
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
        k = t // (nrb * ncb)
        rem = t - k * nrb * ncb
        rb = rem // ncb
        cb = rem - rb * ncb
        r1 = min(rb * rows + rows, n)
        c0 = cb * w
        c1 = min(c0 + w, m)
        ds = d[k, c0:c1]
        for i in range(rb * rows, r1):
            xs = x[k * xo, i * xn, c0:c1]
            os = out[k, i, c0:c1]
            for j in range(c1 - c0):
                os[j] = np.float64(xs[j]) / ds[j]


# ----------------------------------------------------------------------------- cdist
@jit(error_model="numpy")
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
def _tile4(a, i, bt, j0, j1, op, p, out):
    """Raw accumulations of ``op`` for rows i..i+3 of ``a`` against columns j0:j1 of ``bt``
    into out[i:i+4, j0:j1]: vectorised along j, the four output rows (in L1) as
    accumulators, four features per pass so that each accumulator is loaded and
    stored once per four features.  (Max drops NaN here; the wrapper fixes those rows.)"""
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
        elif p == 3.0:
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
        elif p == 3.0:
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
        elif p == 3.0:
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
        elif p == 3.0:
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
            _tile4(a, i, bt, j0, j1, op, p, out)
            i += 4
        while i < i1:
            _tile1(a, i, bt, j0, j1, op, p, out)
            i += 1
        if op != OP_MAX:
            for q in range(i0, i1):
                _finish_row(a, q, bt, j0, j1, op, p, out)


@jit(error_model="numpy")
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
