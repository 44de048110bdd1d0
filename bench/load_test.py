"""Fits under load: each fit timed alone, then beside one and two CPU-bound processes.

The issue's load test: on a 2-core machine a parallel pass that waits at its barrier for a
descheduled thread can stall a whole fit; a fit should slow down, relatively, no more than
scikit-learn's beside the same load.  For every case, fastnorm and scikit-learn are timed
interleaved (median of ``--repeat`` fresh fits after a warm-up), quiet and with 1 and 2
busy processes (``python -c "while True: pass"``, started here and stopped by their pid);
the table gives the medians and the slowdown ratios loaded / quiet.  Whatever else runs
on the machine is load too: say what it was beside the numbers.

    PYTHONPATH=. python bench/load_test.py [--repeat 5] [--only SUBSTRING] [--busy 0 1 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import warnings

import numpy as np

from fastnorm.benchmarks.problems import make_correlated_data


def cases():
    return [
        ("Lasso 500x5000 reg 0.1", 500, 5000, 0.1, 1.0),
        ("Lasso 200000x200 reg 0.01", 200_000, 200, 0.01, 1.0),
        ("ElasticNet 500x5000 reg 0.1 l1 0.5", 500, 5000, 0.1, 0.5),
    ]


def fitters(a, l1r):
    from sklearn import linear_model as sk

    from fastnorm.linear_model import ElasticNet

    return {
        "fastnorm": lambda: ElasticNet(alpha=a, l1_ratio=l1r, fit_intercept=False),
        "sklearn": lambda: sk.ElasticNet(alpha=a, l1_ratio=l1r, fit_intercept=False),
    }


def busy(k: int) -> list:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(k)]


def stop(procs: list) -> None:
    for pr in procs:
        pr.terminate()
    for pr in procs:
        pr.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--busy", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"cores {os.cpu_count()}, load average before {os.getloadavg()}")
    rows = []
    for name, n, p, reg, l1r in cases():
        if args.only and args.only not in name:
            continue
        X, y, _ = make_correlated_data(n, p, 0.6, 3.0, 0.2, 27)
        a = reg * np.max(np.abs(X.T @ y)) / n / l1r
        fs = fitters(a, l1r)
        for make in fs.values():
            make().fit(X, y)  # warm-up (compilation)
        med = {}
        for k in args.busy:
            procs = busy(k)
            try:
                time.sleep(0.5)  # let the busy processes take their cores
                ts = {s: [] for s in fs}
                for _ in range(args.repeat):  # interleaved: the load hits both alike
                    for s, make in fs.items():
                        est = make()
                        t0 = time.perf_counter()
                        est.fit(X, y)
                        ts[s].append(time.perf_counter() - t0)
            finally:
                stop(procs)
            for s in fs:
                med[s, k] = float(np.median(ts[s]))
        rows.append((name, med))
        for s in fs:
            cells = " | ".join(f"{med[s, k] * 1e3:.1f}" for k in args.busy)
            ratios = " | ".join(f"{med[s, k] / med[s, args.busy[0]]:.2f}x"
                                for k in args.busy[1:])  # fmt: skip
            print(f"| {name} | {s} | {cells} | {ratios} |", flush=True)
    print(f"load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
