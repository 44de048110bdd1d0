"""What the norm and distance kernels share: one op vocabulary and the chunk planning.

The reduction kernels (:mod:`fastnorm._kernels.reduce`) and the distance, normalize and cdist
kernels (:mod:`fastnorm._kernels.distance`) take an ``op`` code from this one list, so a code
means the same accumulation in every kernel family, and they cut the work with the same
planners.  Kernels that call these helpers are compiled together with them (numba links the
callee's code into the caller), so they are marked with :func:`uses_helpers`: numba keys a
cached kernel on its own source file only, and the salt renews their cache entries when any
kernel source changes.
"""

from __future__ import annotations

from fastnorm._config import CHUNK, COLW, MIN_ROWS, jit
from fastnorm._kernels.penalty import CACHE_SALT, uses_helpers

__all__ = [
    "CACHE_SALT",
    "OP_COUNTNZ",
    "OP_MAX",
    "OP_MIN",
    "OP_POW",
    "OP_SCALED",
    "OP_SUMABS",
    "OP_SUMSQ",
    "uses_helpers",
]

# One vocabulary for every kernel family (of x, or of d = x - y in the distance kernels).
OP_SUMSQ = 0  # sum x**2
OP_SUMABS = 1  # sum |x|
OP_COUNTNZ = 2  # sum (x != 0); for d: not x != y, since inf - inf is NaN and counts (as numpy)
OP_POW = 3  # sum |x|**p
OP_MAX = 4  # max |x| (NaN if any NaN)
OP_MIN = 5  # min |x| (NaN if any NaN)
OP_SCALED = 6  # sum (|x|/scale)**p, the overflow-safe second pass (no reassociation inside)


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
