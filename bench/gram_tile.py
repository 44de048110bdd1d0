"""GFMA/s of the Gram builds' register tiles, one thread, CPU time (a shared-machine proxy).

``python -m bench.gram_tile [--repeat K] [--pass]`` (from the checkout root, so its fastnorm is
imported)

* the working set's Gram block of 80 new columns against the 84 of the set and the target,
  X 200,000 x 200 F order (the seeded tall fit's block): ``gram_block``
  (:func:`fastnorm._simd.outer_tile`) against OpenBLAS on the gathered columns
  (``B.T @ B``, one thread), interleaved, and the tile alone (``gram_block`` on rows already
  in cache, loads skipped).  The 4 x 4 dot-product tile it replaced (``gram_ws``, removed)
  measured 16.8 GFMA/s there (bench/README.md, "200,000 x 200, continued");
* the Gram pass (``gram_stats``) of 25,000 x 200 rows (the subsample's statistics).

``--pass``: the whole Gram pass (``gram_stats``: X^T X, X^T y and the sums, 2 threads, wall
time) against OpenBLAS's ``X.T @ X`` (numpy's syrk, 2 threads) on the shapes of issue 11's
drop-ins, interleaved with 0.1 s pauses (OpenBLAS threads spin after a call); medians.

GFMA/s count the multiply-adds the result needs (the upper triangle of the square plus the
rectangle), not those a tile spends below the diagonal.  Minimum over ``--repeat`` calls.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def _best(f, repeat: int) -> float:
    f()
    ts = []
    for _ in range(repeat):
        t0 = time.process_time()
        f()
        ts.append(time.process_time() - t0)
    return min(ts)


PASS_SHAPES = [
    (3000, 300, "F", np.float64),
    (1500, 1500, "F", np.float64),
    (5000, 1000, "F", np.float64),
    (1200, 1000, "F", np.float64),
    (1500, 1500, "C", np.float64),
    (3000, 1000, "F", np.float32),
    (40000, 2000, "F", np.float64),
    (20000, 200, "F", np.float64),
    (200000, 200, "F", np.float64),
]


def pass_table(repeat: int, shapes: list | None = None) -> None:
    """The Gram pass against OpenBLAS's ``X.T @ X``, 2 threads each, interleaved."""
    import numba

    from fastnorm.linear_model._gram import gram_stats

    numba.set_num_threads(2)
    rng = np.random.default_rng(0)
    print("| n x p | order, dtype | gram_stats ms | GFMA/s/thread | X.T @ X ms | GFMA/s/thread "
          "| ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for n, p, order, dt in shapes or PASS_SHAPES:
        X = np.asarray(rng.standard_normal((n, p)) + 1.0, dtype=dt, order=order)
        y = rng.standard_normal(n)
        gram_stats(X, y)
        X.T @ X
        reps = max(3, min(repeat, int(2e9 / (n * p * p))))
        tf, tb = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            gram_stats(X, y)
            tf.append(time.perf_counter() - t0)
            time.sleep(0.1)
            t0 = time.perf_counter()
            X.T @ X
            tb.append(time.perf_counter() - t0)
            time.sleep(0.1)
        f, b = float(np.median(tf)), float(np.median(tb))
        fma = n * p * (p + 1) / 2 / 2e9  # per thread
        print(f"| {n} x {p} | {order}, {np.dtype(dt).name} | {f * 1e3:.1f} | {fma / f:.1f} | "
              f"{b * 1e3:.1f} | {fma / b:.1f} | {b / f:.2f} |", flush=True)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--pass", dest="whole", action="store_true")
    a = ap.parse_args(argv)
    if a.whole:
        pass_table(a.repeat)
        return 0
    from threadpoolctl import threadpool_limits

    from fastnorm._config import GRAM_KC, SIMD_WIDTH, TILE_MR
    from fastnorm._kernels import gram as _kg
    from fastnorm.linear_model._gram import gram_stats

    rng = np.random.default_rng(0)
    n, p, ma = 200_000, 200, 80
    X = np.asfortranarray(rng.standard_normal((n, p)))
    S = X.T
    rc = np.concatenate((np.arange(0, 2 * ma, 2), [-1, -1, -1, -1])).astype(np.int64)
    mc = rc.shape[0]
    off = np.zeros(p)
    q = np.empty(0)
    yq = rng.standard_normal(n)
    out = np.empty((ma, mc))
    B = np.column_stack([X[:, j] if j >= 0 else yq for j in rc])  # the set, gathered
    need = n * (ma * mc - ma * (ma - 1) / 2)
    every = np.empty((0, 2), dtype=np.int64)  # gram_block's row segments: all rows
    rows = []
    for _ in range(a.repeat):  # interleaved
        with threadpool_limits(1):
            t_ws = _best(lambda: B.T @ B, 1)
        t_bl = _best(lambda: _kg.gram_block.serial(S, rc, ma, off, q, yq, 16, 512, every, out), 1)
        rows.append((t_ws, t_bl))
    t_ws = min(r[0] for r in rows)
    t_bl = min(r[1] for r in rows)
    # the tile alone: the block of 16,384 rows (in cache) many times
    m = 16_384
    Sc = np.ascontiguousarray(S[:, :m])
    yc = yq[:m].copy()
    reps = 12

    def cached(k):
        return lambda: [k(Sc, rc, ma, off, q, yc, 1, 512, every, out) for _ in range(reps)]

    c_bl = _best(cached(_kg.gram_block.serial), a.repeat) / reps * n / m
    Xs = np.asfortranarray(rng.standard_normal((25_000, p)))
    ys = rng.standard_normal(25_000)
    t_gs = _best(lambda: gram_stats(Xs, ys), a.repeat)
    need_gs = 25_000 * (p + 2) * (p + 3) / 2
    print(f"SIMD_WIDTH {SIMD_WIDTH}, TILE_MR {TILE_MR}, GRAM_KC {GRAM_KC}; one thread, CPU time")
    print("| build | ms | GFMA/s |")
    print("|---|---|---|")
    for name, t, k in [
        ("set block 80 x 84, 200000 rows: OpenBLAS B.T @ B (gathered)", t_ws, need),
        ("set block 80 x 84, 200000 rows: gram_block (outer tile)", t_bl, need),
        ("same, rows in cache: gram_block", c_bl, need),
        ("Gram pass 25000 x 200 (gram_stats)", t_gs, need_gs),
    ]:
        print(f"| {name} | {t * 1e3:.1f} | {k / t / 1e9:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
