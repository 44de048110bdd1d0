"""Fused epoch and Lasso fit against NumPy and scikit-learn, beside the streaming read.

Run: ``python bench/linear_epoch.py [n_samples] [n_features] [repeats] [fits]`` (defaults
200000 200 15 all; ``fits=lasso`` times only the Lasso fits).  Data: X standard normal
(C order), 10 true nonzeros, y = X w + noise.  Prints medians (ms) and ratios measured in
this one run, with the plain streaming read of X (a prange sum, the memory-bandwidth
yardstick) and its GB/s.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
import warnings


def _median_ms(fn, repeats: int) -> float:
    fn()  # JIT and caches outside the timing
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main(argv: list[str]) -> None:
    import numba
    import numpy as np

    import fastnorm
    from fastnorm._config import run
    from fastnorm._kernels.stream import stream_sum
    from fastnorm.linear_model._base import NumpyPass

    n = int(argv[1]) if len(argv) > 1 else 200_000
    p = int(argv[2]) if len(argv) > 2 else 200
    reps = int(argv[3]) if len(argv) > 3 else 15
    which = argv[4] if len(argv) > 4 else "all"
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    w_true = np.zeros(p)
    w_true[rng.choice(p, 10, replace=False)] = rng.normal(0, 3, 10)
    y = X @ w_true + rng.standard_normal(n)
    X32 = X.astype(np.float32)
    XF = np.asfortranarray(X)
    w = rng.standard_normal(p) * 0.1
    y32 = y.astype(np.float32)
    w32 = w.astype(np.float32)

    print(f"# fastnorm {fastnorm.__version__}  numpy {np.__version__}  numba {numba.__version__}")
    print(f"# {platform.processor() or platform.machine()}  cpus={os.cpu_count()}  "
          f"threads={fastnorm.get_num_threads()}  X=({n}, {p})")  # fmt: skip
    rows = []

    def read(A):
        return lambda: run(stream_sum, A.size, A.reshape(-1))

    t_read64 = _median_ms(read(X), reps)
    t_read32 = _median_ms(read(X32), reps)
    bw64 = X.nbytes / t_read64 / 1e6
    bw32 = X32.nbytes / t_read32 / 1e6
    rows.append(("streaming read f64 (prange sum)", t_read64, f"{bw64:.1f} GB/s"))
    rows.append(("streaming read f32 (prange sum)", t_read32, f"{bw32:.1f} GB/s"))

    d64, d32, dF = NumpyPass(X, y, None), NumpyPass(X32, y, None), NumpyPass(XF, y, None)
    t_f64 = _median_ms(lambda: d64.epoch(w, 0.0), reps)
    t_f32 = _median_ms(lambda: d32.epoch(w, 0.0), reps)
    t_fF = _median_ms(lambda: dF.epoch(w, 0.0), reps)

    def np_epoch(A, yy, ww):
        def f():
            r = A @ ww - yy
            return A.T @ r / len(yy), r @ r

        return f

    t_np64 = _median_ms(np_epoch(X, y, w), reps)
    t_np32 = _median_ms(np_epoch(X32, y32, w32), reps)
    rows.append(("numpy epoch f64 (X@w-y; X.T@r/n)", t_np64, ""))
    rows.append(("fused epoch f64 C", t_f64, f"{t_np64 / t_f64:.2f}x numpy, "
                 f"{t_f64 / t_read64:.2f}x read"))  # fmt: skip
    rows.append(("fused epoch f64 F", t_fF, f"{t_np64 / t_fF:.2f}x numpy, "
                 f"{t_fF / t_read64:.2f}x read"))  # fmt: skip
    rows.append(("numpy epoch f32", t_np32, ""))
    rows.append(("fused epoch f32 C", t_f32, f"{t_np32 / t_f32:.2f}x numpy, "
                 f"{t_f32 / t_read32:.2f}x read"))  # fmt: skip

    # Lasso(alpha=0.01) to scikit-learn's default duality-gap tolerance, C-ordered X
    from sklearn import linear_model as sk

    from fastnorm.linear_model import ElasticNet, Lasso, Ridge

    fit_reps = max(3, reps // 5)
    warnings.simplefilter("ignore")
    res = {}

    def fit(name, make):
        def f():
            res[name] = make().fit(X, y)

        return f

    cases = [
        ("sklearn Lasso(0.01)", lambda: sk.Lasso(alpha=0.01)),
        ("fastnorm Lasso(0.01) stream", lambda: Lasso(alpha=0.01, solver="stream")),
        ("fastnorm Lasso(0.01) gram", lambda: Lasso(alpha=0.01, solver="gram")),
        ("fastnorm Lasso(0.01) sgd", lambda: Lasso(alpha=0.01, solver="sgd", random_state=0)),
        ("sklearn ElasticNet(0.01)", lambda: sk.ElasticNet(alpha=0.01)),
        ("fastnorm ElasticNet(0.01) stream", lambda: ElasticNet(alpha=0.01, solver="stream")),
        ("sklearn Ridge(1.0)", lambda: sk.Ridge(alpha=1.0)),
        ("fastnorm Ridge(1.0) stream", lambda: Ridge(alpha=1.0, solver="stream")),
        ("fastnorm Ridge(1.0) gram", lambda: Ridge(alpha=1.0, solver="gram")),
    ]
    if which == "lasso":
        cases = [c for c in cases if "Lasso" in c[0] and "sgd" not in c[0]]
    times = {name: _median_ms(fit(name, make), fit_reps) for name, make in cases}

    def obj(m, a, l1r=1.0):
        r = y - X @ m.coef_ - m.intercept_
        c = m.coef_
        return 0.5 * r @ r / n + a * l1r * np.abs(c).sum() + 0.5 * a * (1 - l1r) * c @ c

    base = {"Lasso": "sklearn Lasso(0.01)", "ElasticNet": "sklearn ElasticNet(0.01)",
            "Ridge": "sklearn Ridge(1.0)"}  # fmt: skip
    for name, _ in cases:
        kind = name.split()[1].split("(")[0]
        if base[kind] not in times:
            continue
        ref = base[kind]
        m = res[name]
        info = f"{times[ref] / times[name]:.2f}x sklearn"
        if kind != "Ridge":
            l1r = 1.0 if kind == "Lasso" else 0.5
            f_ours, f_ref = obj(m, 0.01, l1r), obj(res[ref], 0.01, l1r)
            info += f", n_iter={m.n_iter_}, obj rel diff {(f_ours - f_ref) / f_ref:+.1e}"
            info += f", nnz={int((m.coef_ != 0).sum())}"
        rows.append((name, times[name], info if name != ref else f"n_iter={m.n_iter_}"))

    width = max(len(r[0]) for r in rows)
    print(f"{'case':<{width}}  {'median ms':>10}  note")
    for name, t, note in rows:
        print(f"{name:<{width}}  {t:10.2f}  {note}")


if __name__ == "__main__":
    main(sys.argv)
