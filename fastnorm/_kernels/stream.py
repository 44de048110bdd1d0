"""Streaming reference kernels: what "the machine's memory bandwidth" means in benchmarks.

``stream_sum`` reads a flat array once and does nothing else worth mentioning (one add per
element, vectorised by ``reassoc``): its GB/s is the read bandwidth a norm can hope for.
``stream_copy`` reads one array and writes another of the same size: the reference for
workloads that write as much as they read (normalising, scaling).  Both follow the kernel
rules: ``prange`` over fixed-size chunks, partials combined serially in a fixed order.

They are the only bandwidth references: the norm benchmarks and the linear-model benchmarks
(``benchmarks.cases_linear``, ``bench/linear_epoch.py``) time the same ``stream_sum``, so
their GB/s figures compare (a 2-D ``X`` is read as ``X.reshape(-1)``, a view when contiguous).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from fastnorm._config import CHUNK, kernel

__all__ = ["stream_copy", "stream_sum"]


@kernel
def stream_sum(x):  # pragma: no cover - compiled
    """Sum of a contiguous 1-D array, accumulated in float64 per chunk."""
    n = x.size
    nchunks = (n + CHUNK - 1) // CHUNK
    partial = np.empty(nchunks, dtype=np.float64)
    for c in prange(nchunks):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        xs = x[lo:hi]
        acc = 0.0
        for i in range(xs.size):
            acc += xs[i]
        partial[c] = acc
    total = 0.0
    for c in range(nchunks):
        total += partial[c]
    return total


@kernel
def stream_copy(x, out):  # pragma: no cover - compiled
    """``out[:] = x`` for contiguous 1-D arrays of one size, chunk by chunk."""
    n = x.size
    nchunks = (n + CHUNK - 1) // CHUNK
    for c in prange(nchunks):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        xs = x[lo:hi]
        os_ = out[lo:hi]
        for i in range(xs.size):
            os_[i] = xs[i]
