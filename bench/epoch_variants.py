"""A/B of fused-epoch loop shapes (C order), beside the streaming read, in one run.

Run: ``python bench/epoch_variants.py [n_samples] [n_features] [repeats]``.  Prints the median
time of each variant for float64 and float32 and its ratio to the plain read of X.  Variants:
``x1`` one row at a time; ``x4`` (the shipped kernel) four rows per gradient sweep, one dot
loop per row; ``x4j`` the same with the four dots in one loop (the shipped kernel until it
measured 2x slower on Zen 4); ``x4s`` four rows converted once to a float64 scratch shared by
the dots and the sweep (for float32).  Variants are timed interleaved, round by round.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np
from numba import prange

from fastnorm._config import kernel, run
from fastnorm._kernels import epoch as K
from fastnorm._kernels.stream import stream_sum


@kernel
def _x1(X, y, w, b, rpb, g_out):
    n, p = X.shape
    nblk = (n + rpb - 1) // rpb
    gpart = np.zeros((nblk, p))
    for blk in prange(nblk):
        lo = blk * rpb
        hi = min(lo + rpb, n)
        g = gpart[blk]
        for i in range(lo, hi):
            xi = X[i]
            d = 0.0
            for j in range(p):
                d += xi[j] * w[j]
            r = d + b - y[i]
            for j in range(p):
                g[j] += r * xi[j]
    for j in range(p):
        g_out[j] = 0.0
    for blk in range(nblk):
        for j in range(p):
            g_out[j] += gpart[blk, j]


@kernel
def _x4s(X, y, w, b, rpb, g_out):
    n, p = X.shape
    nblk = (n + rpb - 1) // rpb
    gpart = np.zeros((nblk, p))
    for blk in prange(nblk):
        lo = blk * rpb
        hi = min(lo + rpb, n)
        g = gpart[blk]
        t = np.empty((4, p))
        t0 = t[0]
        t1 = t[1]
        t2 = t[2]
        t3 = t[3]
        i = lo
        while i + 4 <= hi:
            x0 = X[i]
            x1 = X[i + 1]
            x2 = X[i + 2]
            x3 = X[i + 3]
            d0 = 0.0
            d1 = 0.0
            d2 = 0.0
            d3 = 0.0
            for j in range(p):
                wj = w[j]
                v0 = np.float64(x0[j])
                v1 = np.float64(x1[j])
                v2 = np.float64(x2[j])
                v3 = np.float64(x3[j])
                t0[j] = v0
                t1[j] = v1
                t2[j] = v2
                t3[j] = v3
                d0 += v0 * wj
                d1 += v1 * wj
                d2 += v2 * wj
                d3 += v3 * wj
            q0 = d0 + b - y[i]
            q1 = d1 + b - y[i + 1]
            q2 = d2 + b - y[i + 2]
            q3 = d3 + b - y[i + 3]
            for j in range(p):
                g[j] += (q0 * t0[j] + q1 * t1[j]) + (q2 * t2[j] + q3 * t3[j])
            i += 4
        while i < hi:
            xi = X[i]
            d = 0.0
            for j in range(p):
                d += xi[j] * w[j]
            r = d + b - y[i]
            for j in range(p):
                g[j] += r * xi[j]
            i += 1
    for j in range(p):
        g_out[j] = 0.0
    for blk in range(nblk):
        for j in range(p):
            g_out[j] += gpart[blk, j]


@kernel
def _x4j(X, y, w, b, rpb, g_out):
    n, p = X.shape
    nblk = (n + rpb - 1) // rpb
    gpart = np.zeros((nblk, p))
    for blk in prange(nblk):
        lo = blk * rpb
        hi = min(lo + rpb, n)
        g = gpart[blk]
        i = lo
        while i + 4 <= hi:
            x0 = X[i]
            x1 = X[i + 1]
            x2 = X[i + 2]
            x3 = X[i + 3]
            d0 = 0.0
            d1 = 0.0
            d2 = 0.0
            d3 = 0.0
            for j in range(p):
                wj = w[j]
                d0 += x0[j] * wj
                d1 += x1[j] * wj
                d2 += x2[j] * wj
                d3 += x3[j] * wj
            q0 = d0 + b - y[i]
            q1 = d1 + b - y[i + 1]
            q2 = d2 + b - y[i + 2]
            q3 = d3 + b - y[i + 3]
            for j in range(p):
                g[j] += (q0 * x0[j] + q1 * x1[j]) + (q2 * x2[j] + q3 * x3[j])
            i += 4
        while i < hi:
            xi = X[i]
            d = 0.0
            for j in range(p):
                d += xi[j] * w[j]
            r = d + b - y[i]
            for j in range(p):
                g[j] += r * xi[j]
            i += 1
    for j in range(p):
        g_out[j] = 0.0
    for blk in range(nblk):
        for j in range(p):
            g_out[j] += gpart[blk, j]


def _median_ms(fn, reps):
    fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(ts)


def _one(X, y, w, reps):
    p = X.shape[1]
    e = np.empty(0)
    rpb = K.block_rows(p, "C")
    g = np.empty(p)
    s = np.empty(3)
    t_read = _median_ms(lambda: run(stream_sum, X.size, X.reshape(-1)), reps)
    ref = X.astype(np.float64).T @ (X.astype(np.float64) @ w + 0.1 - y)
    calls = {
        "x1": lambda: run(_x1, X.size, X, y, w, 0.1, rpb, g),
        "x4": lambda: run(K.epoch_lsq_rows, X.size, X, y, e, w, 0.1, rpb, g, s, e, e, e),
        "x4j": lambda: run(_x4j, X.size, X, y, w, 0.1, rpb, g),
        "x4s": lambda: run(_x4s, X.size, X, y, w, 0.1, rpb, g),
    }
    for call in calls.values():
        call()  # compile outside the timings
        np.testing.assert_allclose(g, ref, rtol=1e-9, atol=1e-6)
    times: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(reps):  # interleaved: drift on a shared machine hits every variant alike
        for k, call in calls.items():
            t0 = time.perf_counter()
            call()
            times[k].append(time.perf_counter() - t0)
    out = {k: 1e3 * statistics.median(v) for k, v in times.items()}
    cells = "  ".join(f"{k} {v:7.2f} ({v / t_read:.2f}x)" for k, v in out.items())
    print(f"{X.dtype}: read {t_read:7.2f} ms  {cells}", flush=True)


def main(argv):
    n = int(argv[1]) if len(argv) > 1 else 200_000
    p = int(argv[2]) if len(argv) > 2 else 200
    reps = int(argv[3]) if len(argv) > 3 else 15
    rng = np.random.default_rng(0)
    X64 = rng.standard_normal((n, p))
    y = rng.standard_normal(n)
    w = rng.standard_normal(p)
    for X in (X64, X64.astype(np.float32)):
        _one(X, y, w, reps)


if __name__ == "__main__":
    main(sys.argv)
