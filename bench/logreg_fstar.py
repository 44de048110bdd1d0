"""One fit of one solver on one of ``python -m fastnorm subopt``'s logistic problems, its
relative suboptimality against a known optimum f* (not against the best objective a sweep
reached), as one JSON line.  For problems where no solver reaches the optimum within the
harness's per-fit limit (benchopt's L1 logistic on 100,000 x 400: f* from a projected
Newton run to a violation of 1e-13, bench/README.md "Tall logistic, continued").

``timeout 80 python bench/logreg_fstar.py logreg-l1-100000x400-lmbd1 glum 1e-6``
"""

from __future__ import annotations

import json
import sys

from fastnorm.benchmarks import subopt as so
from fastnorm.benchmarks.problems import PROBLEMS, objective

FSTAR = {
    "logreg-l1-100000x400-lmbd0.01": 129.998527117816,
    "logreg-l1-100000x400-lmbd1": 1969.961452318847,
}


def main(argv: list[str]) -> None:
    name, solver, tol = argv[0], argv[1], float(argv[2])
    prob = PROBLEMS[name]
    X, y = prob.data()
    spec = so.solvers_for(prob, [solver])[0][0]
    lam = prob.alpha(X, y)
    dt, est = so._fit(spec, prob, X, (y > 0).astype(float) if spec.y01 else y, lam, tol)
    w, b = so._coef(est)
    f = objective(prob, X, y, w, b, lam)
    print(json.dumps({"problem": name, "solver": solver, "tol": tol, "time_s": dt,
                      "subopt": (f - FSTAR[name]) / FSTAR[name]}))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1:])
