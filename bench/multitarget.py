"""Many targets and many problems: fastnorm against scikit-learn and against loops.

Run from the repository root (each part well under two minutes on 2 cores)::

    python -m bench.multitarget targets [--n 200000] [--p 200] [--ks 1,10,100,1000]
    python -m bench.multitarget batch [--b 10000] [--n 200] [--p 20] [--loop 300]
    python -m bench.multitarget stream [--n 50000] [--p 200] [--ks 1,10,100]

``targets``: Lasso with y of shape (n, k), one fit per k (medians of ``--repeat`` runs),
against scikit-learn's own multi-target Lasso (2-D y; it fits the targets one after the
other), measured directly at each k of ``--sk-ks`` whose predicted time (the last measured
time per target times k) fits ``--sk-budget`` seconds; beyond, the table says it scaled
the last measured time per target by k.
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


def _sk_threads(n):
    """scikit-learn's BLAS threads (its coordinate descent calls a BLAS dot and axpy per
    coordinate: with 2 OpenBLAS threads on a loaded 2-core machine a fit ran 20-60x slower
    than with 1, so the baseline runs with ``--sk-threads`` (1 by default), its fastest here)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(n if n > 0 else None)


def targets(n, p, ks, repeat, sk_ks, sk_budget, alpha, solver, sk_threads):
    from sklearn.linear_model import Lasso as SkLasso

    from fastnorm.linear_model import Lasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    kmax = max(ks)
    W = rng.standard_normal((10, kmax))
    Y = X[:, :10] @ W
    Y += rng.standard_normal((n, kmax))
    kw = {"alpha": alpha, "solver": solver}
    Lasso(**kw).fit(X, Y[:, :2])  # compile and load the parallel builds outside the timings
    Lasso(**kw).fit(X, Y[:, 0].copy())
    SkLasso(alpha=alpha).fit(X[:2000], Y[:2000, :2])  # scikit-learn's first-call costs too
    rows = []
    t1 = None
    for k in ks:
        Yk = np.ascontiguousarray(Y[:, :k]) if k > 1 else Y[:, 0].copy()
        t = _time(lambda Yk=Yk: Lasso(**kw).fit(X, Yk), repeat)
        t1 = t if k == 1 else t1
        rows.append((k, t))
        del Yk
    # scikit-learn's own multi-target fit (2-D y: it fits the targets one after the other),
    # measured directly at each k of sk_ks while the previous k's time allows it
    sk = {}
    per = None
    for k in sk_ks:
        if per is not None and per * k > sk_budget:
            break
        Yk = np.ascontiguousarray(Y[:, :k]) if k > 1 else Y[:, 0].copy()
        with _sk_threads(sk_threads):
            sk[k] = _time(lambda Yk=Yk: SkLasso(alpha=alpha).fit(X, Yk), 1 if k > 1 else repeat)
        per = sk[k] / k
        del Yk
    print(f"X {n} x {p} float64, Lasso(alpha={alpha}, solver={solver!r}); fastnorm medians of "
          f"{repeat} runs; scikit-learn {SkLasso.__module__.split('.')[0]} Lasso with 2-D y, "
          f"measured at k in {sorted(sk)}, BLAS threads {sk_threads or 'default'}")  # fmt: skip
    print(f"{'k':>5} {'fastnorm s':>11} {'x k=1':>7} {'sklearn s':>10} {'':9} {'speed-up':>9}")
    for k, t in rows:
        if k in sk:
            s_k, how = sk[k], "measured"
        else:
            s_k, how = per * k, f"= {per:.2f} x k"
        print(f"{k:>5} {t:11.3f} {t / t1:7.2f} {s_k:10.2f} {how:>12} {s_k / t:9.1f}")


def stream(n, p, ks, repeat, alpha):
    """solver='stream' with y (n, k): the fused pass (all running targets per pass over X)
    against a loop of single-target stream fits (k passes per round)."""
    from fastnorm.linear_model import Lasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    kmax = max(ks)
    Y = X[:, :10] @ rng.standard_normal((10, kmax)) + rng.standard_normal((n, kmax))
    kw = {"alpha": alpha, "solver": "stream"}
    Lasso(**kw).fit(X, Y[:, :2])
    Lasso(**kw).fit(X, Y[:, 0].copy())
    print(f"X {n} x {p} float64, Lasso(alpha={alpha}, solver='stream'), medians of {repeat}")
    print(f"{'k':>5} {'fused s':>9} {'loop s':>9} {'loop/fused':>11} {'max n_iter':>11}")
    for k in ks:
        Yk = np.ascontiguousarray(Y[:, :k])
        cols = [Yk[:, t].copy() for t in range(k)]
        tf = _time(lambda Yk=Yk: Lasso(**kw).fit(X, Yk), repeat)
        tl = _time(lambda cols=cols: [Lasso(**kw).fit(X, c) for c in cols], repeat)
        it = int(np.max(Lasso(**kw).fit(X, Yk).n_iter_))
        print(f"{k:>5} {tf:9.3f} {tl:9.3f} {tl / tf:11.1f} {it:>11}")


def batch(b, n, p, loop, repeat, alpha, sk_threads):
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
        with _sk_threads(sk_threads):
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
    ap.add_argument("what", choices=["targets", "batch", "stream"])
    ap.add_argument("--n", type=int)
    ap.add_argument("--p", type=int)
    ap.add_argument("--ks", default="1,10,100,1000")
    ap.add_argument("--sk-ks", default="1,10,100")
    ap.add_argument("--sk-budget", type=float, default=120.0, help="seconds per sklearn fit")
    ap.add_argument("--solver", default="auto")
    ap.add_argument("--sk-threads", type=int, default=1, help="0: scikit-learn's default")
    ap.add_argument("--b", type=int, default=10000)
    ap.add_argument("--loop", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--alpha", type=float, default=0.05)
    a = ap.parse_args()
    if a.what == "targets":
        ks = [int(k) for k in a.ks.split(",")]
        sk_ks = [int(k) for k in a.sk_ks.split(",")]
        targets(
            a.n or 200_000,
            a.p or 200,
            ks,
            a.repeat,
            sk_ks,
            a.sk_budget,
            a.alpha,
            a.solver,
            a.sk_threads,
        )
    elif a.what == "stream":
        stream(a.n or 50_000, a.p or 200, [int(k) for k in a.ks.split(",")], a.repeat, a.alpha)
    else:
        batch(a.b, a.n or 200, a.p or 20, a.loop, a.repeat, a.alpha, a.sk_threads)


if __name__ == "__main__":
    main()
