"""The working-set solver of Lasso and ElasticNet (``solver="workset"``).

The idea of celer, skglm and blitz: most features are zero at the optimum, so solve a
sequence of small problems on the features that matter.  Each outer step is

1. one fused pass over X (:meth:`Quadratic.evaluate`, parallel when X is large): the
   gradient ``X_c^T W R``, the objective and scikit-learn's duality gap (residual
   rescaling), so ``dual_gap_``, ``tol`` and the stopping rule are scikit-learn's: stop when
   the gap is at most ``tol * ||y_c||^2 / n``;
2. gap-safe screening (features proved zero leave for good) and the working set: the
   support plus the features whose dual constraint is closest to violated, ``max(p0, 2 *
   nnz)`` of them, at least doubling while the support does not grow (celer's rule);
3. the working set's columns gathered (weighted, centred through the column means) into a
   contiguous float64 block, then cyclic coordinate descent with Anderson acceleration on
   that block until the restricted gap is under a fraction of the outer gap.

``n_iter_`` counts the outer steps (passes over X).  Needs in-memory X (C or F order; the
data pass copies other layouts once to C order, as every pass-based solver does).
"""

from __future__ import annotations

import numpy as np

from fastnorm._kernels import workset as _kw
from fastnorm.linear_model._problem import SolveResult, Task
from fastnorm.linear_model._solvers import Solver, get, register

__all__ = ["solve_workset"]

#: First working-set size (celer starts at 100 features and skglm at 10; 32 measured best
#: between them on benchopt's Lasso grid, see bench/README.md).
WS_START = 32
#: Inner stopping: restricted gap <= WS_INNER_FRAC * outer gap (celer's 0.3).
WS_INNER_FRAC = 0.3
#: Anderson extrapolation from the last WS_ANDERSON + 1 iterates (skglm's K = 5).
WS_ANDERSON = 5
#: The restricted gap costs one sweep: computed every WS_CHECK epochs.
WS_CHECK = 10
#: Inner epochs per outer step at most (celer's max_epochs is 50000).
WS_MAX_EPOCHS = 50_000


def solve_workset(backend, t: int, task: Task) -> SolveResult:
    """Fit one target of Lasso/ElasticNet with working sets (see the module docstring)."""
    if task.l1 <= 0.0:  # no L1 term: nothing to screen, every feature is active
        return get("gram" if backend.p <= 2048 else "stream").solve(backend, t, task)
    prob = backend.problem(t, task)
    df = prob.datafit
    data = df.data
    n = float(df.n)
    p = data.n_features
    l1n = task.l1 * n
    l2n = task.l2 * n
    positive = bool(task.positive)
    by_cols = data.layout == "F"
    Xk = data._Xk
    xoff = np.ascontiguousarray(df.X_off, dtype=np.float64)
    q = np.sqrt(data.sw) if data.sw.shape[0] else np.empty(0)
    yq = data.y - df.y_off
    if q.shape[0]:
        yq = yq * q
    Lall = df.diag() * n
    gap_tol = df.gap_tol(task.tol)
    w = np.array(task.w0, dtype=np.float64)
    if positive:
        w = np.maximum(w, 0.0)
    screened = np.zeros(p, dtype=np.bool_)
    scores = np.empty(p)
    stats = np.zeros(2)
    hist: list[float] = []
    ghist: list[float] = []
    cb = task.callback
    ws_size = 0
    gap = np.inf
    stopped = False
    n_iter = 0
    for it in range(task.max_iter):
        grad, obj, gap = prob.evaluate(w)
        n_iter = it + 1
        hist.append(obj)
        ghist.append(gap)
        if task.verbose:
            print(f"[fastnorm workset] outer {it + 1:4d}  objective {obj:.10e}  gap {gap:.3e}"
                  f"  working set {ws_size}")  # fmt: skip
        if cb is not None and cb(it, obj, gap):
            stopped = gap > gap_tol
            break
        if gap <= gap_tol:
            break
        gap_n = gap * n
        XtR = np.ascontiguousarray(-n * grad)
        _kw.ws_scores.serial(XtR, w, Lall, l1n, l2n, positive, gap_n, screened, scores)
        nnz = int(np.count_nonzero(w))
        n_cand = p - int(np.count_nonzero(screened & (w == 0.0)))
        size = max(WS_START, 2 * nnz)
        if size <= ws_size:  # the support did not grow: grow the set anyway (celer)
            size = 2 * ws_size
        ws_size = min(size, n_cand, p)
        if ws_size < 1:
            ws_size = min(p, 1)
        if ws_size < p:
            ws = np.argpartition(-scores, ws_size - 1)[:ws_size]
        else:
            ws = np.arange(p)
        ws = np.sort(ws).astype(np.int64)  # X's order: contiguous reads, cyclic CD order
        B = np.empty((ws.shape[0], data.n_samples))
        L = np.empty(ws.shape[0])
        _kw.gather_ws.serial(Xk, by_cols, ws, xoff, q, B, L)
        w_ws = w[ws]
        R = yq - w_ws @ B if np.any(w_ws) else yq.copy()
        _kw.inner_cd.serial(B, L, w_ws, R, yq, l1n, l2n, positive, WS_MAX_EPOCHS,
                            WS_INNER_FRAC * gap_n, WS_ANDERSON, WS_CHECK, stats)  # fmt: skip
        w[:] = 0.0
        w[ws] = w_ws
    converged = gap <= gap_tol or stopped
    return SolveResult(w, float(gap), n_iter, hist, ghist, converged, stopped,
                       prob.intercept(w), gap_tol)  # fmt: skip


# ``needs="rows"``: the gathered columns need X in memory (the Dask backend does not offer it)
register(Solver("workset", needs="rows", solve=solve_workset))
