"""Time to suboptimality against peer libraries, following benchopt's protocol.

``python -m fastnorm subopt`` (or ``python -m fastnorm bench --subopt``) fits every problem of
:mod:`fastnorm.benchmarks.problems` with every installed solver:

* each solver sweeps a list of tolerances, loose to tight, the solvers interleaved at each
  tolerance (machine noise falls on all of them alike); each point is a fresh fit timed with
  :func:`time.perf_counter`, after one warm-up fit per solver and problem (numba's compilation
  and the peers' first-call costs are kept out);
* a short pause and a garbage collection between fits, outside the timing (OpenBLAS threads
  spin for about 0.1 s after a call and would steal the next solver's cores);
* the objective of each fit is recomputed in float64 from ``coef_`` and ``intercept_`` by
  :func:`fastnorm.benchmarks.problems.objective`, one function for every solver;
* the reference is the best objective any solver reached on the problem; a fit's relative
  suboptimality is ``(f - f_best) / |f_best|``, and a solver's score is the least time of its
  fits that reached ``target`` (1e-6);
* a solver's sweep stops early once it converged (three successive fits agree to ``1e-10``
  relative, at a tolerance of at most 1e-5), once a fit takes over ``max_fit_s``, or once
  its fits on the problem took ``budget_s`` in all.

Solvers: fastnorm (``auto`` and every registered L1-capable solver but ``sgd``),
scikit-learn, skglm, celer and glum, each one when installed (``pip install
fastnorm[peers]``), all mapped onto the same objective (glum and skglm's logistic losses are
means, so their alpha is ``lmbd / n``).  The result is one JSON document (``"kind":
"suboptimality"``, what :func:`fastnorm.plot.suboptimality` draws) and a table.
"""

from __future__ import annotations

import argparse
import fnmatch
import gc
import importlib
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fastnorm.benchmarks.machine import json_default
from fastnorm.benchmarks.problems import Problem, objective, select_problems

__all__ = [
    "SolverSpec",
    "add_parser",
    "format_markdown",
    "format_table",
    "merge_documents",
    "run_subopt",
    "solvers_for",
    "summarize",
]

TARGET = 1e-6
#: tolerance sweeps: full (half decades) and --quick (decades)
TOLS_FULL = tuple(float(f"{10.0 ** (-k / 2):.3g}") for k in range(2, 27))
TOLS_QUICK = tuple(10.0**-k for k in range(1, 13))
#: three successive fits this close (relative), at a tolerance <= PLATEAU_TOL, end a
#: solver's sweep: it has converged
PLATEAU = 1e-10
PLATEAU_TOL = 1e-5
#: Gram-based solvers are skipped above this many features (a p x p float64 matrix of
#: 800 MB at p = 10,000, and O(n p^2) to build, for a problem solved in milliseconds)
GRAM_MAX_P = 5000
MAX_ITER = 100_000
#: the warm-up fit's tolerance: every kernel runs (and compiles) in the first epochs, and a
#: loose tolerance keeps a slow solver's warm-up short
WARMUP_TOL = 1e-2


@dataclass(frozen=True)
class SolverSpec:
    """One solver of the comparison.

    ``make(problem, alpha, tol, n)`` returns an unfitted estimator (``alpha`` in the
    problem's scale, see :meth:`Problem.alpha`); ``module`` is imported to tell whether it is
    installed; ``gram``: it builds a p x p matrix (Gram, Hessian); ``y01``: it wants classification
    labels in {0, 1}.
    """

    name: str
    module: str
    kinds: tuple[str, ...]
    make: Callable[[Problem, float, float, int], Any]
    gram: bool = False
    y01: bool = False
    penalties: tuple[float, ...] | None = None  # l1_ratios handled (None: all)

    def available(self) -> bool:
        try:
            importlib.import_module(self.module)
        except ImportError:
            return False
        return True


def _fastnorm_specs() -> list[SolverSpec]:
    from fastnorm.linear_model import _solvers

    names = ["auto"]
    for key in _solvers.names():
        s = _solvers.get(key)
        # public L1 solvers; sgd's stochastic steps do not reach 1e-6 in a useful time
        if key == s.name and s.l1 and key != "sgd" and key not in names:
            names.append(key)

    def make_reg(solver: str) -> Callable[..., Any]:
        def make(prob: Problem, alpha: float, tol: float, n: int) -> Any:
            from fastnorm.linear_model import ElasticNet, Lasso

            kw = dict(
                alpha=alpha,
                fit_intercept=prob.fit_intercept,
                tol=tol,
                max_iter=MAX_ITER,
                solver=solver,
            )
            if prob.kind == "lasso":
                return Lasso(**kw)
            return ElasticNet(l1_ratio=prob.l1_ratio, **kw)

        return make

    def make_log(solver: str) -> Callable[..., Any]:
        def make(prob: Problem, lmbd: float, tol: float, n: int) -> Any:
            from fastnorm.linear_model import LogisticRegression  # type: ignore[attr-defined]

            return LogisticRegression(
                C=1.0 / lmbd,
                l1_ratio=prob.l1_ratio,
                tol=tol,
                fit_intercept=prob.fit_intercept,
                max_iter=MAX_ITER,
                solver=solver,
            )

        return make

    specs = [
        SolverSpec(
            f"fastnorm[{s}]",
            "fastnorm.linear_model",
            ("lasso", "enet"),
            make_reg(s),
            gram=s == "gram",
        )
        for s in names
    ]
    import fastnorm.linear_model as lm

    if hasattr(lm, "LogisticRegression"):
        # the classifier's own solvers (its parameter constraint lists them); sgd is
        # approximate by design and never reaches 1e-6
        opts = lm.LogisticRegression._parameter_constraints["solver"][0].options
        log_names = ["auto", *sorted(s for s in opts if s not in ("auto", "sgd"))]
        specs += [
            SolverSpec(
                f"fastnorm[{s}]",
                "fastnorm.linear_model",
                ("logreg",),
                make_log(s),
                # workset runs the auto solver without an L1 part: no row of its own there
                penalties={"lbfgs": (0.0,), "workset": (1.0,)}.get(s),
            )
            for s in log_names
        ]
    return specs


def _sk_reg(precompute: bool) -> Callable[..., Any]:
    def make(prob: Problem, alpha: float, tol: float, n: int) -> Any:
        from sklearn.linear_model import ElasticNet, Lasso

        kw = dict(
            alpha=alpha,
            fit_intercept=prob.fit_intercept,
            tol=tol,
            max_iter=MAX_ITER,
            precompute=precompute,
        )
        if prob.kind == "lasso":
            return Lasso(**kw)
        return ElasticNet(l1_ratio=prob.l1_ratio, **kw)

    return make


def _sk_log(solver: str) -> Callable[..., Any]:
    def make(prob: Problem, lmbd: float, tol: float, n: int) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=1.0 / lmbd,
            l1_ratio=prob.l1_ratio,
            solver=solver,
            tol=tol,
            fit_intercept=prob.fit_intercept,
            max_iter=MAX_ITER,
        )

    return make


def _skglm(prob: Problem, alpha: float, tol: float, n: int) -> Any:
    import skglm

    kw = dict(fit_intercept=prob.fit_intercept, tol=tol, max_iter=1000)
    if prob.kind == "lasso":
        return skglm.Lasso(alpha=alpha, **kw)
    if prob.kind == "enet":
        return skglm.ElasticNet(alpha=alpha, l1_ratio=prob.l1_ratio, **kw)
    # skglm's logistic loss is the mean over samples: alpha = lmbd / n
    return skglm.SparseLogisticRegression(alpha=alpha / n, l1_ratio=prob.l1_ratio, **kw)


def _celer(prob: Problem, alpha: float, tol: float, n: int) -> Any:
    import celer

    kw = dict(fit_intercept=prob.fit_intercept, tol=tol, max_iter=1000)
    if prob.kind == "lasso":
        return celer.Lasso(alpha=alpha, **kw)
    if prob.kind == "enet":
        return celer.ElasticNet(alpha=alpha, l1_ratio=prob.l1_ratio, **kw)
    return celer.LogisticRegression(C=1.0 / alpha, penalty="l1", **kw)  # sum of losses


def _glum(prob: Problem, alpha: float, tol: float, n: int) -> Any:
    import glum

    # glum minimises mean(deviance) / 2 + alpha * (l1_ratio |w|_1 + (1 - l1_ratio) |w|^2 / 2):
    # scikit-learn's scale for least squares, lmbd / n for the logistic sum
    family = "binomial" if prob.kind == "logreg" else "normal"
    a = alpha / n if prob.kind == "logreg" else alpha
    return glum.GeneralizedLinearRegressor(
        family=family,
        alpha=a,
        l1_ratio=prob.l1_ratio,
        fit_intercept=prob.fit_intercept,
        gradient_tol=tol,
        max_iter=1000,
    )


def _peer_specs() -> list[SolverSpec]:
    reg, log = ("lasso", "enet"), ("logreg",)
    return [
        SolverSpec("sklearn", "sklearn", reg, _sk_reg(False)),
        SolverSpec("sklearn[precompute]", "sklearn", reg, _sk_reg(True), gram=True),
        SolverSpec("sklearn[lbfgs]", "sklearn", log, _sk_log("lbfgs"), penalties=(0.0,)),
        SolverSpec("sklearn[saga]", "sklearn", log, _sk_log("saga")),
        SolverSpec("sklearn[liblinear]", "sklearn", log, _sk_log("liblinear")),
        SolverSpec("skglm", "skglm", (*reg, *log), _skglm),
        SolverSpec("celer", "celer", reg, _celer),
        SolverSpec("celer", "celer", log, _celer, penalties=(1.0,)),
        # glum's IRLS forms the p x p Hessian X^T W X: tens of seconds a fit at p = 10,000
        SolverSpec("glum", "glum", reg, _glum, gram=True),
        SolverSpec("glum", "glum", log, _glum, y01=True),
    ]


def _matches(name: str, pattern: str, names: set[str]) -> bool:
    """``name`` itself; else, when ``pattern`` is no solver's name, its library (``glum``,
    ``fastnorm`` for every ``fastnorm[...]``) or an fnmatch pattern (``fastnorm[[]s*``)."""
    if pattern in names:
        return name == pattern
    return name.split("[")[0] == pattern or fnmatch.fnmatchcase(name, pattern)


def solvers_for(
    problem: Problem, patterns: Sequence[str] | None = None
) -> tuple[list[SolverSpec], dict[str, str]]:
    """The solvers that run on ``problem`` (only those matching one of ``patterns`` when
    given: a solver's name, a library or an fnmatch pattern) and, for the others, why not."""
    run: list[SolverSpec] = []
    skipped: dict[str, str] = {}
    specs = [*_fastnorm_specs(), *_peer_specs()]
    names = {s.name for s in specs}
    for spec in specs:
        if patterns and not any(_matches(spec.name, pat, names) for pat in patterns):
            continue
        if problem.kind not in spec.kinds:
            continue
        if spec.penalties is not None and problem.l1_ratio not in spec.penalties:
            continue
        if not spec.available():
            skipped[spec.name] = f"{spec.module} is not installed"
        elif spec.gram and problem.p > GRAM_MAX_P:
            skipped[spec.name] = f"p = {problem.p} > {GRAM_MAX_P}: it builds a p x p matrix"
        else:
            run.append(spec)
    return run, skipped


def _coef(est: Any) -> tuple[np.ndarray, float]:
    coef = np.asarray(est.coef_, dtype=np.float64).ravel()
    b = np.asarray(getattr(est, "intercept_", 0.0), dtype=np.float64).ravel()
    return coef, float(b[0]) if b.size else 0.0


def _fit(spec: SolverSpec, prob: Problem, X: Any, y: Any, lam: float, tol: float) -> tuple:
    est = spec.make(prob, lam, tol, X.shape[0])
    with warnings.catch_warnings():
        # tolerance sweeps hit max_iter and loose tolerances on purpose
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        est.fit(X, y)
        dt = time.perf_counter() - t0
    return dt, est


def _converged(hist: list[float], tol: float) -> bool:
    """Whether a solver's sweep is over: its last three objectives agree to ``PLATEAU`` at a
    tolerance of at most ``PLATEAU_TOL``.  Equal fits at loose tolerances prove nothing:
    several solvers return the same iterate for two or three loose tolerances in a row
    (skglm at 1e-2 and 3e-3 on a wide problem, 1e-5 above its optimum)."""

    def same(a: float, b: float) -> bool:
        return abs(a - b) <= PLATEAU * abs(b)

    return tol <= PLATEAU_TOL and len(hist) >= 3 and same(hist[-3], hist[-1])


def _rest(pause: float) -> None:
    if pause > 0:
        gc.collect()
        time.sleep(pause)


def _err(exc: BaseException) -> str:
    s = f"{type(exc).__name__}: {exc}"
    return s if len(s) < 300 else s[:297] + "..."


def run_problem(
    prob: Problem,
    *,
    solvers: Sequence[str] | None = None,
    tols: Sequence[float] = TOLS_FULL,
    repeat: int = 1,
    pause: float = 0.15,
    max_fit_s: float = 10.0,
    budget_s: float = 60.0,
    log: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Sweep every solver over ``tols`` on ``prob``: ``(problem description, records)``.

    The records' ``subopt`` are relative to this run's best objective on the problem
    (recomputed by :func:`summarize` when documents are merged).
    """
    X, y = prob.data()
    lam = prob.alpha(X, y)
    y01 = (y > 0).astype(np.float64)
    desc = prob.describe(X, y)
    specs, skipped = solvers_for(prob, solvers)
    desc["skipped"] = dict(skipped)
    desc["warmup_s"] = {}
    active: list[SolverSpec] = []
    auto: str | None = None
    for spec in specs:  # warm-up: compilation and first-call costs out of the timings
        yy = y01 if spec.y01 else y
        try:
            dt, est = _fit(spec, prob, X, yy, lam, WARMUP_TOL)
        except Exception as exc:  # a solver that cannot fit this problem is reported
            desc["skipped"][spec.name] = _err(exc)
            continue
        desc["warmup_s"][spec.name] = dt
        _rest(pause)
        if spec.name == "fastnorm[auto]":
            auto = getattr(est, "solver_", None)
            desc["auto_solver"] = auto
        elif auto is not None and spec.name == f"fastnorm[{auto}]":
            # the same fits as fastnorm[auto]'s: its timings would only double the run
            desc["skipped"][spec.name] = f"fastnorm[auto] chose it (solver_ = {auto!r})"
            continue
        active.append(spec)
    records: list[dict[str, Any]] = []
    last: dict[str, list[float]] = {}
    spent: dict[str, float] = dict.fromkeys((s.name for s in active), 0.0)
    for tol in tols:
        for spec in list(active):
            yy = y01 if spec.y01 else y
            times = []
            try:
                for _ in range(repeat):
                    dt, est = _fit(spec, prob, X, yy, lam, tol)
                    times.append(dt)
                    _rest(pause)
                coef, b = _coef(est)
                obj = objective(prob, X, y, coef, b, alpha=lam)
                # the objective's X @ w is a threaded BLAS call: rest again, or its spinning
                # threads share the next fit's cores (fastnorm's 200,000 x 200 fit: 2x)
                _rest(pause)
            except Exception as exc:
                desc["skipped"][spec.name] = f"at tol {tol:g}: {_err(exc)}"
                active.remove(spec)
                continue
            t = min(times)
            spent[spec.name] += sum(times)
            rec = {
                "problem": prob.name,
                "solver": spec.name,
                "tol": tol,
                "time": t,
                "objective": obj,
                "subopt": np.nan,
                "nnz": int(np.count_nonzero(coef)),
            }
            if getattr(est, "solver_", None) is not None:
                rec["solver_"] = str(est.solver_)
            n_iter = getattr(est, "n_iter_", None)
            if n_iter is not None:
                rec["n_iter"] = int(np.max(n_iter))
            records.append(rec)
            if log:
                log(
                    f"  {prob.name:34s} {spec.name:22s} tol {tol:8.1e} {1e3 * t:10.2f} ms  "
                    f"f {obj:.15e}"
                )
            hist = last.setdefault(spec.name, [])
            hist.append(obj)
            if _converged(hist, tol) or t > max_fit_s or spent[spec.name] > budget_s:
                active.remove(spec)
        if not active:
            break
    best = min((r["objective"] for r in records), default=np.nan)
    for r in records:
        r["subopt"] = (r["objective"] - best) / abs(best) if best else r["objective"] - best
    return desc, records


def _fastest(times: dict, names: list[str]) -> tuple[str | None, float | None]:
    done = [(times[s], s) for s in names if times.get(s) is not None]
    return (min(done)[1], min(done)[0]) if done else (None, None)


def summarize(doc: dict[str, Any]) -> dict[str, Any]:
    """Recompute every record's ``subopt`` from the best objective per problem and fill
    ``doc["summary"]``: per problem, the best objective and each solver's time to
    ``config.target`` (None when it never got there), the fastest fastnorm solver, the
    fastest peer and ``ratio`` = best peer's time / ``fastnorm[auto]``'s (> 1: fastnorm is
    faster)."""
    target = float((doc.get("config") or {}).get("target", TARGET))
    recs = doc["records"]
    summary: dict[str, Any] = {}
    for prob in dict.fromkeys(r["problem"] for r in recs):
        rs = [r for r in recs if r["problem"] == prob]
        best = min(r["objective"] for r in rs)
        for r in rs:
            r["subopt"] = (r["objective"] - best) / abs(best) if best else r["objective"] - best
        times: dict[str, float | None] = {}
        reached: dict[str, float] = {}
        reached_t: dict[str, float] = {}
        for s in dict.fromkeys(r["solver"] for r in rs):
            mine = [r for r in rs if r["solver"] == s]
            ok = [r["time"] for r in mine if r["subopt"] <= target]
            times[s] = min(ok) if ok else None
            low = min(mine, key=lambda r: (r["subopt"], r["time"]))
            reached[s] = low["subopt"]
            reached_t[s] = low["time"]

        fn = [s for s in times if s.startswith("fastnorm")]
        peers = [s for s in times if not s.startswith("fastnorm")]
        fbest, ft = _fastest(times, fn)
        pbest, pt = _fastest(times, peers)
        auto = times.get("fastnorm[auto]")
        summary[prob] = {
            "best_objective": best,
            "best_solver": min(rs, key=lambda r: r["objective"])["solver"],
            "time_to_target": times,
            "min_subopt": reached,
            "min_subopt_time": reached_t,
            "fastnorm": auto,
            "best_fastnorm": fbest,
            "best_fastnorm_time": ft,
            "best_peer": pbest,
            "best_peer_time": pt,
            "ratio": (pt / auto) if (pt is not None and auto) else None,
            "ratio_best_fastnorm": (pt / ft) if (pt is not None and ft) else None,
        }
    doc["summary"] = summary
    return doc


def run_subopt(
    problems: Sequence[Problem],
    *,
    solvers: Sequence[str] | None = None,
    tols: Sequence[float] = TOLS_FULL,
    repeat: int = 1,
    pause: float = 0.15,
    max_fit_s: float = 10.0,
    budget_s: float = 60.0,
    target: float = TARGET,
    argv: Sequence[str] | None = None,
    log: Callable[[str], None] | None = None,
    on_problem: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run the benchmark on ``problems``; the ``"kind": "suboptimality"`` document.

    Examples
    --------
    >>> from fastnorm.benchmarks.problems import Problem
    >>> prob = Problem("tiny", "lasso", 40, 8, reg=0.1, rho=0.5)
    >>> doc = run_subopt([prob], solvers=["fastnorm[auto]"], tols=[1e-3, 1e-8], pause=0)
    >>> doc["kind"], sorted(doc["summary"]["tiny"]["time_to_target"])
    ('suboptimality', ['fastnorm[auto]'])
    """
    from fastnorm.benchmarks.machine import machine_info

    doc: dict[str, Any] = {
        "kind": "suboptimality",
        "argv": list(argv) if argv is not None else None,
        "machine": machine_info(probe_layer=False),
        "config": {
            "target": target,
            "tols": list(tols),
            "repeat": repeat,
            "pause_s": pause,
            "max_fit_s": max_fit_s,
            "budget_s": budget_s,
            "plateau": PLATEAU,
            "plateau_tol": PLATEAU_TOL,
            "gram_max_p": GRAM_MAX_P,
            "max_iter": MAX_ITER,
            "subopt": "(f - f_best) / |f_best|, f_best the best objective of the run",
        },
        "loadavg_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "problems": [],
        "records": [],
    }
    t0 = time.perf_counter()
    for prob in problems:
        if log:
            log(f"{prob.name}")
        desc, recs = run_problem(
            prob,
            solvers=solvers,
            tols=tols,
            repeat=repeat,
            pause=pause,
            max_fit_s=max_fit_s,
            budget_s=budget_s,
            log=log,
        )
        doc["problems"].append(desc)
        doc["records"].extend(recs)
        summarize(doc)
        if on_problem:
            on_problem(doc)
    doc["wall_s"] = time.perf_counter() - t0
    doc["loadavg_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return summarize(doc)


def merge_documents(docs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One document from several runs (e.g. one process per problem): problems and records
    concatenated (a problem in several documents keeps its last run), summary recomputed."""
    if not docs:
        raise ValueError("nothing to merge")
    out = dict(docs[0])
    probs: dict[str, dict] = {}
    recs: dict[str, list] = {}
    for d in docs:
        if d.get("kind") != "suboptimality":
            raise ValueError("not a suboptimality document")
        for p in d["problems"]:
            probs[p["name"]] = p
            recs[p["name"]] = [r for r in d["records"] if r["problem"] == p["name"]]
    out["problems"] = list(probs.values())
    out["records"] = [r for name in probs for r in recs[name]]
    out["argv"] = [d.get("argv") for d in docs]
    out["wall_s"] = sum(float(d.get("wall_s") or 0.0) for d in docs)
    out["loadavg_end"] = docs[-1].get("loadavg_end")
    return summarize(out)


def _ms(t: float | None) -> str:
    return "-" if t is None else f"{1e3 * t:.1f}"


def format_table(doc: dict[str, Any]) -> str:
    """Two tables: per problem fastnorm against the best peer (time to target, ms, and the
    ratio best peer / fastnorm), then every solver's time to target."""
    target = (doc.get("config") or {}).get("target", TARGET)
    summ = doc.get("summary") or summarize(doc)["summary"]
    m = doc.get("machine") or {}
    lines = [
        f"time to {target:g} relative suboptimality (ms; fresh fit after a warm-up; "
        f"- = not reached); {m.get('cpu_model', '?')}, {m.get('usable_cpus', '?')} cpus, "
        f"load average {doc.get('loadavg_start')} -> {doc.get('loadavg_end')}",
        "",
        f"{'problem':38s} {'fastnorm[auto]':>14s} {'best fastnorm':>26s} {'best peer':>30s} "
        f"{'ratio':>7s} {'ratio*':>7s}",
    ]
    for prob, s in summ.items():
        bf = f"{s['best_fastnorm'] or '-'} {_ms(s['best_fastnorm_time'])}"
        bp = f"{s['best_peer'] or '-'} {_ms(s['best_peer_time'])}"
        r = "-" if s["ratio"] is None else f"{s['ratio']:.2f}x"
        r2 = "-" if s["ratio_best_fastnorm"] is None else f"{s['ratio_best_fastnorm']:.2f}x"
        lines.append(f"{prob:38s} {_ms(s['fastnorm']):>14s} {bf:>26s} {bp:>30s} {r:>7s} {r2:>7s}")
    lines.append(
        "ratio = best peer time / fastnorm[auto] time (> 1: fastnorm faster); "
        "ratio* = the same against the fastest fastnorm solver"
    )
    solvers = list(dict.fromkeys(r["solver"] for r in doc["records"]))
    if solvers:
        lines += ["", "every solver (ms to target; '-' not reached, blank: not run):"]
        w = max(10, *(len(s) for s in solvers))
        for prob, s in summ.items():
            lines.append(f"{prob}")
            for name in solvers:
                if name in s["time_to_target"]:
                    t = s["time_to_target"][name]
                    low, lt = s["min_subopt"][name], s.get("min_subopt_time", {}).get(name)
                    lines.append(
                        f"    {name:{w}s} {_ms(t):>10s}   (best fit {low:.1e} in {_ms(lt)} ms)"
                    )
    skipped = [(p["name"], k, v) for p in doc.get("problems", []) for k, v in p["skipped"].items()]
    if skipped:
        lines += ["", "skipped:"]
        lines += [f"    {p}: {k}: {v}" for p, k, v in skipped]
    return "\n".join(lines)


def format_markdown(doc: dict[str, Any]) -> str:
    """Every problem x every solver (ms to target; '-' not reached), the best peer and the
    ratio best peer / ``fastnorm[auto]``, as a markdown table (for notes and issues)."""
    summ = doc.get("summary") or summarize(doc)["summary"]
    solvers = list(dict.fromkeys(r["solver"] for r in doc["records"]))
    head = ["problem", *solvers, "best peer", "ratio"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for prob, s in summ.items():
        tt = s["time_to_target"]
        cells = [prob, *(_ms(tt[name]) if name in tt else "" for name in solvers)]
        cells.append(s["best_peer"] or "-")
        cells.append("-" if s["ratio"] is None else f"{s['ratio']:.2f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -------------------------------------------------------------------------------- command line
def add_parser(sub: Any) -> argparse.ArgumentParser:
    """The ``subopt`` subcommand of ``python -m fastnorm``."""
    q = sub.add_parser(
        "subopt",
        help="time to 1e-6 suboptimality against scikit-learn, skglm, celer, glum (benchopt)",
        description=(
            "benchopt's protocol on its simulated problems: for every installed solver a sweep "
            "of tolerances, each a fresh fit after a warm-up; the least time to reach 1e-6 "
            "relative suboptimality.  Also `python -m fastnorm bench --subopt`."
        ),
    )
    q.add_argument(
        "--problem",
        action="append",
        default=None,
        metavar="PATTERN",
        help="a problem name part or tag (lasso, enet, grid, tall, logreg, "
        "quick); repeatable; default: the Lasso/ENet grid",
    )
    q.add_argument(
        "--solver",
        action="append",
        default=None,
        metavar="PATTERN",
        help="only this solver (sklearn[precompute]), library (fastnorm) or fnmatch "
        "pattern; repeatable",
    )
    q.add_argument(
        "--quick", action="store_true", help="two small problems, decade tolerances (< 2 min)"
    )
    q.add_argument("--json", metavar="FILE", default=None, help="write the document here")
    q.add_argument(
        "--plot",
        metavar="FILE",
        default=None,
        help="draw suboptimality against time per solver (matplotlib)",
    )
    q.add_argument("--repeat", type=int, default=1, help="fits per point (the least time kept)")
    q.add_argument("--pause", type=float, default=0.15, help="seconds between fits")
    q.add_argument("--budget", type=float, default=None, help="seconds of fits per solver")
    q.add_argument("--max-fit", type=float, default=None, help="a slower fit ends a sweep (s)")
    q.add_argument("--markdown", action="store_true", help="also print a markdown table")
    q.add_argument("--list", action="store_true", help="list problems and solvers, and exit")
    q.set_defaults(func=_cmd_subopt)
    return q


def write_json(doc: dict[str, Any], path: str) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, default=json_default)
        f.write("\n")
    os.replace(tmp, path)


def _cmd_subopt(args: argparse.Namespace, argv: Sequence[str]) -> int:
    probs = select_problems(args.problem, quick=args.quick)
    import fastnorm.linear_model as lm

    if not hasattr(lm, "LogisticRegression"):
        dropped = [p.name for p in probs if p.kind == "logreg"]
        probs = [p for p in probs if p.kind != "logreg"]
        if dropped:
            print(
                f"skipped (fastnorm has no LogisticRegression yet): {', '.join(dropped)}",
                file=sys.stderr,
            )
    if not probs:
        print("fastnorm: error: no problem matches the selection", file=sys.stderr)
        return 2
    if args.list:
        for p in probs:
            run, skipped = solvers_for(p, args.solver)
            print(
                f"{p.name}: {', '.join(s.name for s in run)}"
                + (f" (skipped: {', '.join(skipped)})" if skipped else "")
            )
        return 0
    if args.plot:
        from fastnorm.benchmarks.plot import require_matplotlib

        require_matplotlib()
    quick = args.quick
    kw = dict(
        tols=TOLS_QUICK if quick else TOLS_FULL,
        repeat=max(1, args.repeat),
        pause=args.pause,
        max_fit_s=args.max_fit or (1.0 if quick else 10.0),
        budget_s=args.budget or (3.0 if quick else 60.0),
    )

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def save(doc: dict[str, Any]) -> None:
        if args.json:
            write_json(doc, args.json)

    doc = run_subopt(probs, solvers=args.solver, argv=list(argv), log=log, on_problem=save, **kw)
    save(doc)
    print(format_table(doc), flush=True)
    if args.markdown:
        print("\n" + format_markdown(doc), flush=True)
    if args.json:
        log(f"wrote {args.json}")
    if args.plot:
        from fastnorm.plot import suboptimality

        suboptimality(doc).savefig(args.plot, dpi=110)
        log(f"wrote {args.plot}")
    return 0
