"""What the norm and distance kernels share: the op vocabulary, the fast-path rule, the
per-element math, the accumulation loops and the chunk planning.

Every kernel family (:mod:`~fastnorm._kernels.reduce`, :mod:`~fastnorm._kernels.dist`,
:mod:`~fastnorm._kernels.normalize`, :mod:`~fastnorm._kernels.cdist`) takes an ``op`` code
from the one list below, so a code means the same accumulation everywhere.

One rule for fast paths
-----------------------
A wrapper passes ``OP_POW`` with any ``p``; each kernel first calls :func:`pow_op`, the only
place that decides which ``p`` get a dedicated loop (``p`` in 0.5, 3, 4 and -1: a
multiplication, ``sqrt`` or a division vectorises, ``**p`` is a call per element).  Each
accumulation loop is written out per op: a runtime op inside one loop did not vectorise
(float32 ran 2-7x slower), and a per-element helper inlined with a literal op made the
kernels take 2-3x (cdist: minutes) to compile.  The shared loops serve one operand (``y``
None) and two: :func:`_sum_at` (flat, rows and normalize) and :func:`_sum_row` (cols); with
``reduce._acc`` (stream layouts chosen by measurement) and the cdist tiles (only OP_CUBE)
they are the places a new fast path touches, besides :func:`pow_op` and an ``OP_*`` code.

The disk cache
--------------
numba files a cached function under its own source file only, and the kernels link in the
helpers below, so every function that calls them is marked with :func:`uses_helpers`: its
cache entry then changes whenever any kernel source (or ``_config.py``) changes.
"""

from __future__ import annotations

import math

import numpy as np

from fastnorm._config import CHUNK, COLW, FASTMATH, MIN_ROWS, POW2_SCALE_MAX_P, helper, jit
from fastnorm._kernels.penalty import CACHE_SALT, uses_helpers

__all__ = [
    "CACHE_SALT",
    "OP_COUNTNZ",
    "OP_CUBE",
    "OP_MAX",
    "OP_MIN",
    "OP_POW",
    "OP_QUAD",
    "OP_RECIP",
    "OP_SCALED",
    "OP_SQRT",
    "OP_SUMABS",
    "OP_SUMSQ",
    "pow_op",
    "uses_helpers",
]

# One vocabulary for every kernel family (of x, or of d = x - y in the distance kernels).
OP_SUMSQ = 0  # sum x**2
OP_SUMABS = 1  # sum |x|
OP_COUNTNZ = 2  # sum (x != 0); for d: not x != y, since inf - inf is NaN and counts (as numpy)
OP_POW = 3  # sum |x|**p (what the wrappers pass for any other p; see pow_op)
OP_MAX = 4  # max |x| (NaN if any NaN)
OP_MIN = 5  # min |x| (NaN if any NaN)
OP_SCALED = 6  # sum (|x|/scale)**p, the overflow-safe second pass (no reassociation inside)
# Fast paths of OP_POW, chosen by pow_op inside the kernels only (the wrappers never see them).
OP_CUBE = 7  # p == 3
OP_QUAD = 8  # p == 4
OP_SQRT = 9  # p == 0.5
OP_RECIP = 10  # p == -1

_FM = set(FASTMATH)


@jit
def pow_op(op, p):
    """The op a kernel runs for ``(op, p)``: OP_POW with a ``p`` that has a fast path becomes
    that path's code, everything else is unchanged.  The one place that rule is written."""
    if op != OP_POW:
        return op
    if p == 3.0:
        return OP_CUBE
    if p == 4.0:
        return OP_QUAD
    if p == 0.5:
        return OP_SQRT
    if p == -1.0:
        return OP_RECIP
    return op


# ----------------------------------------------------------------------------- planning
@jit
def _nchunks(n):
    """Number of fixed-size chunks of a length-``n`` reduction (at least one)."""
    return max(1, (n + CHUNK - 1) // CHUNK)


@jit
def _cols_plan(n, m):
    """Tasks of a ``cols`` layout ``(o, n, m)`` reduced along ``n``: column width, column
    blocks, rows per block and row blocks."""
    w = min(m, COLW)
    ncb = (m + w - 1) // w
    rows = max(CHUNK // w, MIN_ROWS)
    nrb = max(1, (n + rows - 1) // rows)
    return w, ncb, rows, nrb


@jit
def _cols_task(t, n, m, w, ncb, rows, nrb):
    """Task ``t`` of the ``cols`` layout: (outer index, row block, its rows, its columns)."""
    k = t // (nrb * ncb)
    rem = t - k * nrb * ncb
    rb = rem // ncb
    cb = rem - rb * ncb
    r0 = rb * rows
    c0 = cb * w
    return k, rb, r0, min(r0 + rows, n), c0, min(c0 + w, m)


@jit
def _rescale(amax, p):
    """Divisor of the overflow-safe second pass (as ``norms.rescale_factor``): a power of two
    near ``amax`` (exact division) up to POW2_SCALE_MAX_P, ``amax`` above."""
    if p > POW2_SCALE_MAX_P:
        return amax
    return math.ldexp(1.0, math.frexp(amax)[1] - 1)


@jit
def _combine(a, b, op):
    """Fold partial ``b`` into ``a`` (fixed order; NaN-propagating for max/min)."""
    if op == OP_MAX or op == OP_MIN:
        if a != a or b != b:
            return np.nan
        return max(a, b) if op == OP_MAX else min(a, b)
    return a + b


# ----------------------------------------------------------------------------- one or two operands
# ``y`` (or ``ys``) None means one operand: numba prunes the other branch at compile time
# (``y`` is typed), so the one-operand builds have no subtraction.
@helper
def _absd(xs, ys, i):
    """|xs[i] - ys[i]|, or |xs[i]| when ``ys`` is None, in the operands' dtype."""
    if ys is None:
        return abs(xs[i])
    return abs(xs[i] - ys[i])


@helper
def _val(x, rx, y, ry, i):
    """x[rx, i] - y[ry, i] (x[rx, i] when ``y`` is None) rounded in the operands' dtype, as
    float64 (float32 - float32 rounds to float32 as ``np.subtract`` does)."""
    if y is None:
        return np.float64(x[rx, i])
    return np.float64(x[rx, i] - y[ry, i])


@helper
def _rowslice(y, ry, lo, hi):
    """y[ry, lo:hi], or None when ``y`` is None."""
    if y is None:
        return None
    return y[ry, lo:hi]


@jit(fastmath=_FM, error_model="numpy")
@uses_helpers
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
@uses_helpers
def _sum_at(x, rx, y, ry, lo, hi, op, p):
    """Raw accumulation of ``op`` over x[rx, lo:hi] - y[ry, lo:hi] (of x[rx, lo:hi] when
    ``y`` is None); ``op`` as returned by :func:`pow_op`.

    It indexes the 2-D arrays instead of taking row views: a view costs its reference
    counting, ~30 ns a row, which made float32 rows of 200 elements 1.4x slower (measured);
    flat operands come in as ``x[np.newaxis]``."""
    s = 0.0
    if op == OP_SUMSQ:
        for i in range(lo, hi):
            d = _val(x, rx, y, ry, i)
            s += d * d
    elif op == OP_SUMABS:
        for i in range(lo, hi):
            s += abs(_val(x, rx, y, ry, i))
    elif op == OP_COUNTNZ:
        cnt = 0  # an integer count vectorises; a float one ran at 40% of the read speed
        for i in range(lo, hi):
            if _val(x, rx, y, ry, i) != 0:
                cnt += 1
        s = np.float64(cnt)
    elif op == OP_MAX or op == OP_MIN:
        if hi == lo:
            return 0.0 if op == OP_MAX else np.inf
        s = _absmax(x[rx, lo:hi], _rowslice(y, ry, lo, hi), op == OP_MAX)
    elif op == OP_CUBE:
        for i in range(lo, hi):
            a = abs(_val(x, rx, y, ry, i))
            s += a * a * a
    elif op == OP_QUAD:
        for i in range(lo, hi):
            a = _val(x, rx, y, ry, i)
            a = a * a
            s += a * a
    elif op == OP_SQRT:
        for i in range(lo, hi):
            s += np.sqrt(abs(_val(x, rx, y, ry, i)))
    elif op == OP_RECIP:
        for i in range(lo, hi):
            s += 1.0 / abs(_val(x, rx, y, ry, i))
    else:
        for i in range(lo, hi):
            s += abs(_val(x, rx, y, ry, i)) ** p
    return s


@helper
def _val1(xs, ys, j):
    """xs[j] - ys[j] (xs[j] when ``ys`` is None) rounded in the operands' dtype, as float64."""
    if ys is None:
        return np.float64(xs[j])
    return np.float64(xs[j] - ys[j])


@jit(fastmath=_FM, error_model="numpy")
@uses_helpers
def _sum_row(xs, ys, acc, nan, op, p):
    """acc[j] (+)= f(xs[j] - ys[j]) (of xs[j] when ``ys`` is None) for one row of a ``cols``
    layout, vectorised along j; nan[j] counts NaNs for the max/min ops (``max`` alone drops
    NaN)."""
    n = xs.size
    if op == OP_SUMSQ:
        for j in range(n):
            d = _val1(xs, ys, j)
            acc[j] += d * d
    elif op == OP_SUMABS:
        for j in range(n):
            acc[j] += abs(_val1(xs, ys, j))
    elif op == OP_COUNTNZ:
        for j in range(n):
            acc[j] += np.float64(_val1(xs, ys, j) != 0)
    elif op == OP_MAX:
        for j in range(n):
            a = abs(_val1(xs, ys, j))
            acc[j] = max(acc[j], a)
            nan[j] += np.float64(a != a)
    elif op == OP_MIN:
        for j in range(n):
            a = abs(_val1(xs, ys, j))
            acc[j] = min(acc[j], a)
            nan[j] += np.float64(a != a)
    elif op == OP_CUBE:
        for j in range(n):
            a = abs(_val1(xs, ys, j))
            acc[j] += a * a * a
    elif op == OP_QUAD:
        for j in range(n):
            a = _val1(xs, ys, j)
            a = a * a
            acc[j] += a * a
    elif op == OP_SQRT:
        for j in range(n):
            acc[j] += np.sqrt(abs(_val1(xs, ys, j)))
    elif op == OP_RECIP:
        for j in range(n):
            acc[j] += 1.0 / abs(_val1(xs, ys, j))
    else:
        for j in range(n):
            acc[j] += abs(_val1(xs, ys, j)) ** p


# Rescaled accumulations for the rare overflow/underflow pass.  Compiled WITHOUT reassoc:
# with it LLVM may rewrite (d/s)*(d/s) as (d*d)/(s*s), which overflows again.
@jit(error_model="numpy")
@uses_helpers
def _sum_scaled(xs, ys, p, scale):
    """sum((|xs - ys|/scale)**p) (of |xs| when ``ys`` is None) over 1-D slices."""
    s = 0.0
    for i in range(xs.size):
        v = _val1(xs, ys, i) / scale
        s += v * v if p == 2.0 else abs(v) ** p
    return s


@jit(error_model="numpy")
@uses_helpers
def _row_scaled(xs, ys, acc, p, scale):
    """acc[j] += (|xs[j] - ys[j]|/scale[j])**p for one row of a ``cols`` layout."""
    for j in range(xs.size):
        v = _val1(xs, ys, j) / scale[j]
        acc[j] += v * v if p == 2.0 else abs(v) ** p
