"""Time to 1e-6 relative suboptimality of L1 logistic regression on wide X (the working-set
solver's workloads): benchopt's logistic data (``make_logreg_data``, no intercept, the sum of
losses + ``lmbd ||w||_1``) at ``lmbd = frac * lmbd_max``, ``lmbd_max = ||X^T y||_inf / 2``,
against the peers, with :func:`fastnorm.benchmarks.subopt.run_subopt`.

    python bench/logistic_wide.py 500x5000 200x20000 --frac 0.1 --frac 0.01 \\
        --solver 'fastnorm[auto]' --solver 'fastnorm[workset]' --solver skglm ...
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from fastnorm.benchmarks.problems import BENCHOPT_LOGREG_SEED, Problem, make_logreg_data
from fastnorm.benchmarks.subopt import TOLS_FULL, format_markdown, format_table, run_subopt


def problems(shapes, fracs):
    out = []
    for shape in shapes:
        n, p = (int(v) for v in shape.split("x"))
        X, y = make_logreg_data(n, p, BENCHOPT_LOGREG_SEED)
        lmax = float(np.max(np.abs(X.T @ y))) / 2.0
        seed = BENCHOPT_LOGREG_SEED
        out.extend(
            Problem(f"logreg-l1-{n}x{p}-frac{f:g}", "logreg", n, p, f * lmax, seed=seed)
            for f in fracs
        )
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shapes", nargs="+", help="NxP")
    ap.add_argument("--frac", type=float, action="append", help="lmbd / lmbd_max")
    ap.add_argument("--solver", action="append")
    ap.add_argument("--budget", type=float, default=8.0)
    ap.add_argument("--max-fit", type=float, default=4.0)
    ap.add_argument("--pause", type=float, default=0.1)
    a = ap.parse_args(argv)
    probs = problems(a.shapes, a.frac or [0.1, 0.01])
    doc = run_subopt(probs, solvers=a.solver, tols=TOLS_FULL, pause=a.pause,
                     max_fit_s=a.max_fit, budget_s=a.budget, argv=sys.argv,
                     log=lambda m: print(m, file=sys.stderr, flush=True))  # fmt: skip
    print(format_table(doc))
    print("\n" + format_markdown(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
