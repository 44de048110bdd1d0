"""GFMA/s of the Gram builds' register tiles, one thread, CPU time (a shared-machine proxy).

``python -m bench.gram_tile [--repeat K]`` (from the checkout root, so its fastnorm is imported)

* the working set's Gram block of 80 new columns against the 84 of the set and the target,
  X 200,000 x 200 F order (the seeded tall fit's block): ``gram_block``
  (:func:`fastnorm._simd.outer_tile`) against OpenBLAS on the gathered columns
  (``B.T @ B``, one thread), interleaved, and the tile alone (``gram_block`` on rows already
  in cache, loads skipped).  The 4 x 4 dot-product tile it replaced (``gram_ws``, removed)
  measured 16.8 GFMA/s there (bench/README.md, "200,000 x 200, continued");
* the Gram pass (``gram_stats``) of 25,000 x 200 rows (the subsample's statistics).

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args(argv)
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
