"""100-alpha Lasso / ElasticNet paths: fastnorm against scikit-learn, celer, skglm and glum.

``python bench/path_bench.py [--shapes 200x10000,10000x200] [--rho 0.6] [--enet] ...``

benchopt's simulated data (``make_correlated_data(n, p, rho, random_state=27)``) and one
alpha grid for every solver: scikit-learn's default, ``n_alphas`` alphas from alpha_max down
to ``eps * alpha_max`` (geometric).  The solvers' tolerances mean different things (a
duality gap scaled by ``||y||^2 / n`` in scikit-learn, fastnorm and celer, a KKT violation
in skglm, a gradient norm in glum), so, as benchopt does, each path solver runs at every
tolerance of a small sweep; every point is a fresh path after a warm-up (the JIT kept out),
the rounds interleave the solvers (with a pause between calls: OpenBLAS threads spin), and
every objective is recomputed in float64 from the returned coefficients.  A solver's time
is the least median time of a tolerance whose path is within ``--target`` (1e-6) relative
suboptimality at *every* alpha of the grid, against the best objective any run reached at
that alpha.  Prints a Markdown table (ms, ratio to fastnorm, reached suboptimality) and the
load average; ``--json`` writes the raw medians.  Paths fit no intercept (as the path
functions); ``--intercept`` centres X and y first (what the estimators do).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings

import numpy as np

# measure this checkout's fastnorm, not an installed one (a script's sys.path[0] is bench/)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _grid(X, y, l1_ratio, n_alphas, eps):
    amax = np.abs(X.T @ y).max() / (X.shape[0] * l1_ratio)
    return np.geomspace(amax, amax * eps, n_alphas)


def _solvers(X, y, alphas, l1_ratio, tall, peers, glum=False, before=False):
    """name -> f(tol) returning coefs (p, n_alphas)."""
    from fastnorm.linear_model import enet_path as fn_enet_path

    out = {"fastnorm": lambda tol: fn_enet_path(X, y, l1_ratio=l1_ratio, alphas=alphas, tol=tol)[1]}
    if before:
        from fastnorm.linear_model import _workset

        def unpolished(tol):
            # the wide paths before branch path11b: no inner solve for a warm start within tol
            keep, _workset.WS_PATH_POLISH = _workset.WS_PATH_POLISH, 0
            try:
                return fn_enet_path(X, y, l1_ratio=l1_ratio, alphas=alphas, tol=tol)[1]
            finally:
                _workset.WS_PATH_POLISH = keep

        out["fastnorm unpolished"] = unpolished
    if not peers:
        return out
    from sklearn.linear_model import enet_path as sk_enet_path

    out["sklearn"] = lambda tol: sk_enet_path(X, y, l1_ratio=l1_ratio, alphas=alphas, tol=tol)[1]
    if tall:
        out["sklearn precompute"] = lambda tol: sk_enet_path(
            X, y, l1_ratio=l1_ratio, alphas=alphas, tol=tol, precompute=True
        )[1]
    try:
        import celer

        # celer's elastic net is alpha (l1_ratio |w| + 0.5 (1 - l1_ratio) w^2): scikit-learn's;
        # prune=True is what celer's estimators use
        out["celer"] = lambda tol: celer.celer_path(
            X, y, "lasso", alphas=alphas, l1_ratio=l1_ratio, tol=tol, prune=True
        )[1]
    except ImportError:
        pass
    try:
        import skglm

        def sk_glm(tol):
            if l1_ratio == 1.0:
                est = skglm.Lasso(alpha=alphas[0], fit_intercept=False, tol=tol)
            else:
                est = skglm.ElasticNet(
                    alpha=alphas[0], l1_ratio=l1_ratio, fit_intercept=False, tol=tol
                )
            return est.path(X, y, alphas)[1]

        out["skglm"] = sk_glm
    except ImportError:
        pass
    if not glum:
        return out
    try:
        from glum import GeneralizedLinearRegressor

        # glum's normal objective is 1/(2 n) ||y - Xw||^2 + alpha (l1_ratio |w|_1 +
        # 0.5 (1 - l1_ratio) |w|^2): scikit-learn's; gradient_tol is its tolerance
        def glum_path(tol):
            m = GeneralizedLinearRegressor(
                family="normal", l1_ratio=l1_ratio, alphas=alphas, alpha_search=True,
                fit_intercept=False, gradient_tol=tol, max_iter=1000,
            )  # fmt: skip
            with warnings.catch_warnings():  # ``alphas=`` is deprecated; ``alpha=`` a scalar
                warnings.simplefilter("ignore")
                m.fit(X, y)
            return m.coef_path_.T

        out["glum"] = glum_path
    except ImportError:
        pass
    return out


def _objectives(X, y, coefs, alphas, l1_ratio):
    from fastnorm.penalties import ElasticNet

    C = np.asarray(coefs, dtype=np.float64)
    R = y[:, None] - X @ C
    fit = 0.5 * np.einsum("ij,ij->j", R, R) / X.shape[0]
    pen = np.array([ElasticNet(a, l1_ratio).value(C[:, k]) for k, a in enumerate(alphas)])
    return fit + pen


def run_case(n, p, rho, l1_ratio, args):
    from fastnorm.benchmarks.problems import make_correlated_data

    X, y, _ = make_correlated_data(n, p, rho=rho, random_state=27)
    if args.intercept:
        X = X - X.mean(axis=0)
        y = y - y.mean()
    alphas = _grid(X, y, l1_ratio, args.n_alphas, args.eps)
    solvers = _solvers(X, y, alphas, l1_ratio, n >= 2 * p, not args.no_peers, args.glum,
                       args.unpolished)  # fmt: skip
    if args.solvers:
        keep = args.solvers.split(",")
        solvers = {k: v for k, v in solvers.items() if k in keep}
    tols = sorted((float(t) for t in args.tols.split(",")), reverse=True)
    # the reference: fastnorm at a tight tolerance (untimed); any run that goes lower counts
    best = _objectives(X, y, _solvers(X, y, alphas, l1_ratio, False, False)["fastnorm"](
        args.ref_tol), alphas, l1_ratio)  # fmt: skip
    objs: dict = {}
    swept: dict = {s: [] for s in solvers}
    for s, f in solvers.items():  # warm-up, loosest tolerance first
        f(tols[0])  # compile (numba in fastnorm and skglm) outside every measurement
        for t in tols:
            t0 = time.perf_counter()
            objs[(s, t)] = _objectives(X, y, f(t), alphas, l1_ratio)
            dt = time.perf_counter() - t0
            swept[s].append(t)
            best = np.minimum(best, objs[(s, t)])
            sub = float(np.max((objs[(s, t)] - best) / best))
            if args.verbose:
                print(f"  warm-up {n}x{p} rho={rho} {s} tol={t:g}: {dt:.3f} s, subopt {sub:.1e}",
                      file=sys.stderr, flush=True)  # fmt: skip
            # a tighter tolerance only costs more once the target is reached (with a margin
            # for a better reference found later), or when one path already took too long
            if sub <= 0.1 * args.target or dt > args.max_seconds:
                break
    # time the tolerances that reached the target (or, if none did, the closest one)
    timed: dict = {}
    for s in solvers:
        subs = {t: float(np.max((objs[(s, t)] - best) / best)) for t in swept[s]}
        ok = [t for t in swept[s] if subs[t] <= args.target]
        timed[s] = ok or [min(subs, key=subs.get)]
    times: dict = {(s, t): [] for s in solvers for t in timed[s]}
    for _ in range(args.rounds):
        for s, f in solvers.items():
            for t in timed[s]:
                time.sleep(args.pause)
                t0 = time.perf_counter()
                f(t)
                times[(s, t)].append(time.perf_counter() - t0)
    rows = {}
    for s in solvers:
        cand = []
        for t in timed[s]:
            sub = float(np.max((objs[(s, t)] - best) / best))
            med = statistics.median(times[(s, t)])
            cand.append((sub <= args.target, med, t, sub))
        ok = [c for c in cand if c[0]]
        if ok:
            _, med, t, sub = min(ok, key=lambda c: c[1])
            rows[s] = {"ms": 1e3 * med, "tol": t, "subopt": sub, "reached": True}
        else:
            _, med, t, sub = min(cand, key=lambda c: c[3])
            rows[s] = {"ms": 1e3 * med, "tol": t, "subopt": sub, "reached": False}
    raw = {f"{s} tol={t}": 1e3 * statistics.median(v) for (s, t), v in times.items()}
    return rows, raw


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shapes", default="200x10000,10000x200", help="n x p, comma-separated")
    ap.add_argument("--rho", default="0.6", help="comma-separated correlations")
    ap.add_argument("--enet", action="store_true", help="ElasticNet l1_ratio=0.5, not Lasso")
    ap.add_argument("--intercept", action="store_true", help="centre X and y first")
    ap.add_argument("--n-alphas", type=int, default=100)
    ap.add_argument("--eps", type=float, default=1e-3)
    ap.add_argument("--tols", default="1e-3,1e-4,1e-5,1e-6,1e-7,1e-8",
                    help="the tolerance sweep (tighter ones are skipped once a solver reached"
                    " the target with a 10x margin)")  # fmt: skip
    ap.add_argument("--ref-tol", type=float, default=1e-10, help="fastnorm's reference run")
    ap.add_argument("--max-seconds", type=float, default=10.0,
                    help="no tighter tolerance for a solver after a path this slow")  # fmt: skip
    ap.add_argument("--glum", action="store_true", help="also glum (slow on wide data)")
    ap.add_argument("--target", type=float, default=1e-6, help="relative suboptimality")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pause", type=float, default=0.1, help="seconds between calls")
    ap.add_argument("--solvers", default="", help="comma-separated subset (default: all)")
    ap.add_argument("--no-peers", action="store_true", help="fastnorm alone")
    ap.add_argument("--unpolished", action="store_true",
                    help="also fastnorm's wide paths with WS_PATH_POLISH = 0")  # fmt: skip
    ap.add_argument("--verbose", action="store_true", help="warm-up times on stderr")
    ap.add_argument("--json", default="", help="write the raw medians here")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    l1r = 0.5 if args.enet else 1.0
    print(f"load average before: {os.getloadavg()}")
    print(f"{'ElasticNet l1_ratio=0.5' if args.enet else 'Lasso'} path, {args.n_alphas} alphas,"
          f" eps={args.eps}, tols {args.tols}, target {args.target:g}, {args.rounds} rounds"
          f"{', centred' if args.intercept else ''}\n")  # fmt: skip
    print("| n x p, rho | solver | ms | vs fastnorm | tol | max rel. subopt |")
    print("|---|---|---|---|---|---|")
    allraw = {}
    for shape in args.shapes.split(","):
        n, p = (int(v) for v in shape.lower().split("x"))
        for rho in (float(r) for r in args.rho.split(",")):
            rows, raw = run_case(n, p, rho, l1r, args)
            allraw[f"{n}x{p} rho={rho}"] = {"rows": rows, "raw_ms": raw}
            ref = rows.get("fastnorm", {}).get("ms", np.nan)
            for s, r in sorted(rows.items(), key=lambda kv: (not kv[1]["reached"], kv[1]["ms"])):
                ratio = f"{r['ms'] / ref:.2f}" if r["reached"] else "not reached"
                print(f"| {n} x {p}, {rho} | {s} | {r['ms']:.1f} | {ratio} | {r['tol']:g} |"
                      f" {r['subopt']:.1e} |", flush=True)  # fmt: skip
    print(f"\nload average after: {os.getloadavg()}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(allraw, fh, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
