"""Many targets and many problems: fastnorm against scikit-learn and against loops.

Run from the repository root (each part well under two minutes on 2 cores)::

    python -m bench.multitarget targets [--n 200000] [--p 200] [--ks 1,10,100,1000]
    python -m bench.multitarget batch [--b 10000] [--n 200] [--p 20] [--loop 300]

``targets``: Lasso with y of shape (n, k), one fit per k (medians of ``--repeat`` interleaved
runs), against scikit-learn's multi-target Lasso (default ``precompute=False``: it fits the
targets one after the other, so its k-target time is k times its single fit: measured at
k = 1 and scaled; and ``precompute=True``, measured at the largest k it is given).
``batch``: ``BatchLasso`` on b problems of n x p, against Python loops of
``fastnorm.linear_model.Lasso`` and ``sklearn.linear_model.Lasso`` fits over ``--loop``
problems, scaled to b.  Numbers from one run go in bench/README.md with the machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _time(fn, repeat):
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def targets(n, p, ks, repeat, sk_k, alpha):
    from sklearn.linear_model import Lasso as SkLasso

    from fastnorm.linear_model import Lasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    kmax = max(ks)
    W = rng.standard_normal((10, kmax))
    Y = X[:, :10] @ W
    Y += rng.standard_normal((n, kmax))
    Lasso(alpha=alpha).fit(X[:2000], Y[:2000, :2])  # compile outside the timings
    Lasso(alpha=alpha).fit(X[:2000], Y[:2000, 0].copy())
    rows = []
    t1 = None
    for k in ks:
        Yk = np.ascontiguousarray(Y[:, :k]) if k > 1 else Y[:, 0].copy()
        t = _time(lambda Yk=Yk: Lasso(alpha=alpha).fit(X, Yk), repeat)
        t1 = t if k == 1 else t1
        rows.append((k, t))
    y1 = Y[:, 0].copy()
    sk1 = _time(lambda: SkLasso(alpha=alpha).fit(X, y1), max(1, repeat - 1))
    Ysk = np.ascontiguousarray(Y[:, :sk_k])
    skpre = _time(lambda: SkLasso(alpha=alpha, precompute=True).fit(X, Ysk), 1)
    print(f"X {n} x {p} float64, Lasso(alpha={alpha}), medians of {repeat} runs")
    print(
        f"{'k':>5} {'fastnorm s':>11} {'x k=1':>7} {'sklearn s (k x single)':>23} {'speed-up':>9}"
    )
    for k, t in rows:
        sk = sk1 * k
        print(f"{k:>5} {t:11.3f} {t / t1:7.2f} {sk:23.2f} {sk / t:9.1f}")
    tk = dict(rows).get(sk_k)
    line = f"sklearn precompute=True, k={sk_k}: {skpre:.2f} s"
    if tk:
        line += f" (fastnorm {skpre / tk:.1f}x faster)"
    print(line)


def batch(b, n, p, loop, repeat, alpha):
    from sklearn.linear_model import Lasso as SkLasso

    from fastnorm.linear_model import BatchLasso, Lasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((b, n, p))
    w = rng.standard_normal((b, p)) * (rng.random((b, p)) < 0.3)
    y = np.einsum("bnp,bp->bn", X, w) + 0.5 * rng.standard_normal((b, n))
    groups = np.repeat(np.arange(b), n)  # the same problems as one X with a label per row
    perm = rng.permutation(b * n)
    X2, y2 = X.reshape(b * n, p), y.reshape(-1)
    Xs, ys, gs = X2[perm], y2[perm], groups[perm]
    # warm-up at full size: the parallel builds load from numba's cache on their first call
    BatchLasso(alpha=alpha).fit(X, y)
    BatchLasso(alpha=alpha).fit(Xs, ys, groups=gs)
    Lasso(alpha=alpha).fit(X[0], y[0])
    SkLasso(alpha=alpha).fit(X[0], y[0])
    tb = _time(lambda: BatchLasso(alpha=alpha).fit(X, y), repeat)
    tg = _time(lambda: BatchLasso(alpha=alpha).fit(X2, y2, groups=groups), repeat)
    tgs = _time(lambda: BatchLasso(alpha=alpha).fit(Xs, ys, groups=gs), repeat)

    def fn_loop():
        for g in range(loop):
            Lasso(alpha=alpha).fit(X[g], y[g])

    def sk_loop():
        for g in range(loop):
            SkLasso(alpha=alpha).fit(X[g], y[g])

    tf = _time(fn_loop, repeat) * b / loop
    ts = _time(sk_loop, repeat) * b / loop
    print(
        f"{b} problems of {n} x {p} float64, Lasso(alpha={alpha}); loops timed on {loop} "
        f"problems and scaled to {b}; medians of {repeat} runs"
    )
    print(f"BatchLasso, stack (b, n, p)       {tb:8.3f} s")
    print(f"BatchLasso, groups= (rows sorted) {tg:8.3f} s")
    print(f"BatchLasso, groups= (rows mixed)  {tgs:8.3f} s")
    print(
        f"loop of fastnorm Lasso            {tf:8.3f} s   ({tf / tb:6.1f}x stack, "
        f"{tf / tg:6.1f}x sorted, {tf / tgs:6.1f}x mixed)"
    )
    print(
        f"loop of sklearn Lasso             {ts:8.3f} s   ({ts / tb:6.1f}x stack, "
        f"{ts / tg:6.1f}x sorted, {ts / tgs:6.1f}x mixed)"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["targets", "batch"])
    ap.add_argument("--n", type=int)
    ap.add_argument("--p", type=int)
    ap.add_argument("--ks", default="1,10,100,1000")
    ap.add_argument("--sk-k", type=int, default=100)
    ap.add_argument("--b", type=int, default=10000)
    ap.add_argument("--loop", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--alpha", type=float, default=0.05)
    a = ap.parse_args()
    if a.what == "targets":
        ks = [int(k) for k in a.ks.split(",")]
        targets(a.n or 200_000, a.p or 200, ks, a.repeat, a.sk_k, a.alpha)
    else:
        batch(a.b, a.n or 200, a.p or 20, a.loop, a.repeat, a.alpha)


if __name__ == "__main__":
    main()
