"""The working-set solver of binary logistic regression with an L1 part
(``LogisticRegression(solver="workset")``), for wide X.

The design of the Lasso's working-set solver (:mod:`fastnorm.linear_model._workset`) and of
celer's and skglm's logistic solvers: most features are zero at the optimum, so solve a
sequence of small problems on the features that matter.  Each outer step is

1. one fused pass over X (``binom_fused_rows``): the margins, the loss and the gradient
   ``X^T r`` in one read; from the gradient, every feature's optimality violation (the
   distance of ``-grad`` to the penalty's subdifferential, :meth:`Penalty.subdiff_distance`)
   and so the stopping measure of the other solvers: stop when the largest violation,
   intercept included, is at most ``tol``;
2. the working set: the support plus the most violating features, ``max(WS_START, 2 nnz)``
   of them (skglm's and celer's pruning), doubling when the violation fell less than half;
3. the set's columns gathered (float64, one contiguous row per feature), then proximal
   Newton on them (``ws_newton_binary``: the Hessian diagonal, active-set coordinate descent
   on the model, Armijo backtracking on the exact objective; skglm's ProxNewton), with the
   intercept, until the violation on the set is under ``WS_INNER_FRAC`` times the outer one
   (to ``tol`` once the features outside the set are strictly inside their constraint).

On F-ordered X the outer pass reads columns instead (``xtv_cols``: one dot per column, the
margins kept by the inner solver and recomputed from the set's columns), as fast as the row
pass on C-ordered X (a row pass over F-ordered X read it ~7x slower at 500 x 5000).

``n_iter_`` counts the outer steps (passes over X).  Without an L1 part (nothing to select
by) and for multinomial problems the estimator runs its ``"auto"`` choice instead.
"""

from __future__ import annotations

import math

import numpy as np

from fastnorm._config import run
from fastnorm._kernels import logistic as _kl
from fastnorm._kernels import workset as _kw

# elements of X below which the outer pass runs serially: the Lasso working set's bound (on
# 2 shared cores a parallel region waits for a descheduled thread)
from fastnorm.linear_model._workset import WS_PARALLEL_MIN

__all__ = ["AUTO_MIN_SIZE", "workset_binary"]

#: First working-set size (skglm's ProxNewton starts at 10, celer at 100).
WS_START = 32
#: Inner stopping: the violation on the set at most WS_INNER_FRAC times the outer one
#: (skglm's EPS_TOL, celer's 0.3).
WS_INNER_FRAC = 0.3
#: Proximal Newton steps per inner solve at most (skglm's max_pn_iter).
WS_NEWTON_STEPS = 50
#: Coordinate-descent sweeps per Newton model at most (skglm's max_cd_iter = 20).
WS_CD_SWEEPS = 10
#: The inner solve goes to ``tol`` once every feature outside the last set has
#: ``|grad_j| < WS_SETTLED * l1`` (strictly inside its constraint: the set has settled).
WS_SETTLED = 0.99
#: ``solver="auto"`` takes the working set for wide X (p > n) of more than this many
#: elements (binary, with an L1 part): below it the one-call compiled accelerated gradient
#: (``"stream"``) was faster at benchopt's small lambdas (200 x 500, bench/README.md).
AUTO_MIN_SIZE = 1 << 17
#: Armijo constant of the line search and the relative objective change below which the
#: model decrease is rounding (as ``_logistic``'s ``_ARMIJO`` and ``_FLAT``).
_ARMIJO = 1e-4
_FLAT = 1e-14


def _fused(X, w, b, y, sw, g, z):
    """One read of X: margins into ``z``, ``X^T r`` into ``g``; ``(loss sum, r sum)``."""
    n = X.shape[0]
    G = max(1, min(32, n // 1024))  # fixed row groups: results independent of threads
    if G == 1 or X.size < WS_PARALLEL_MIN:
        return _kl.binom_fused_rows.serial(X, w, float(b), y, sw, G, g, z)
    return run(_kl.binom_fused_rows, X.size, X, w, float(b), y, sw, G, g, z)


def _pass_cols(X, w, b, y, sw, g, z):
    """:func:`_fused` for F-ordered X, whose rows are strided (a row pass read it ~7x slower
    at 500 x 5000): the margins ``z`` are given (the inner solver keeps them), the gradient
    is one contiguous dot per column."""
    r = np.empty(X.shape[0])
    ls = _kl.binom_stats(z, y, sw, r, np.empty(X.shape[0]))
    out = g[None, :]
    if X.size < WS_PARALLEL_MIN:
        _kw.xtv_cols.serial(X.T, r[None, :], out)
    else:
        run(_kw.xtv_cols, X.size, X.T, r[None, :], out)
    return ls, float(r.sum())


def _gather(X, ws, zoff):
    """The columns ``ws`` of X as a (m, n) float64 block, one contiguous row per column."""
    m, n = ws.shape[0], X.shape[0]
    Bk = np.empty((m, n))
    if X.flags.c_contiguous or X.flags.f_contiguous:
        by_cols = not X.flags.c_contiguous
        _kw.gather_ws.serial(X.T if by_cols else X, by_cols, ws, zoff, np.empty(0), Bk,
                             np.empty(m), np.arange(m, dtype=np.int64))  # fmt: skip
    else:
        Bk[:] = X[:, ws].T
    return Bk


def workset_binary(X, y, sw, S, pen, fit_intercept, w, b, max_iter, tol, report):
    """Fit the binary problem (labels ``y`` in {0, 1}, float64) with working sets from
    ``(w, b)``: ``(w, b, n_iter, violation, stopped)``; ``pen.lower()`` has ``l1 > 0``."""
    n, p = X.shape
    l1, l2, _ = pen.lower()
    w = np.array(w, dtype=np.float64)
    bb = np.array([b if fit_intercept else 0.0], dtype=np.float64)
    g = np.empty(p)
    z = np.empty(n)
    zoff = np.zeros(p)
    by_cols = X.flags.f_contiguous and not X.flags.c_contiguous
    if by_cols:
        nz = np.flatnonzero(w)
        z[:] = X[:, nz] @ w[nz] + bb[0] if nz.size else bb[0]
    ws_prev = None
    ws_size = 0
    prev_viol = math.inf
    viol = math.inf
    stopped = False
    it = 0
    while True:
        ls, rs = (_pass_cols if by_cols else _fused)(X, w, bb[0], y, sw, g, z)
        g /= S
        dist = pen.subdiff_distance(w, g)
        viol = float(np.max(dist)) if p else 0.0
        if fit_intercept:
            viol = max(viol, abs(rs / S))
        if it and report(it, ls / S + pen.value(w), viol):
            stopped = True
            break
        if not viol > tol or it >= max_iter:  # NaN stops too (the estimator warns)
            break
        it += 1
        nnz = int(np.count_nonzero(w))
        size = max(WS_START, 2 * nnz)
        if viol > 0.5 * prev_viol and size <= ws_size:
            size = 2 * ws_size  # stalled: grow the set geometrically
        prev_viol = viol
        ws_size = min(size, p)
        # the set has settled when every feature outside the last one sits strictly inside
        # its constraint: solve to the end (each 0.3 step costs a pass over X)
        settled = False
        if ws_prev is not None:
            out = np.abs(g)
            out[ws_prev] = 0.0
            settled = float(out.max()) < WS_SETTLED * l1
        # the support stays in the set; the others by |grad_j| - l1: the violation where it
        # is positive, and below 0 how near the feature is to entering (a clipped score
        # would fill the set's free places with arbitrary features)
        scores = np.abs(g) - l1
        scores[w != 0.0] = np.inf
        if ws_size < p:
            ws = np.argpartition(-scores, ws_size - 1)[:ws_size]
        else:
            ws = np.arange(p)
        ws = np.sort(ws).astype(np.int64)  # X's order: sequential gathers
        ws_prev = ws
        # (half of tol: the outer pass must see it below tol through its own rounding)
        tol_in = 0.5 * tol if settled or ws_size == p else max(WS_INNER_FRAC * viol, 0.5 * tol)
        Bk = _gather(X, ws, zoff)
        w_ws = w[ws]
        # z is the margins of w (the fused pass), whose support lies in the set
        steps, _, status = _kl.ws_newton_binary(Bk, y, sw, S, l1, l2, fit_intercept, w_ws, bb,
                                                z, WS_NEWTON_STEPS, WS_CD_SWEEPS, tol_in,
                                                _ARMIJO, _FLAT)  # fmt: skip
        w[:] = 0.0
        w[ws] = w_ws
        if by_cols:  # the margins afresh from the set's columns: no drift across steps
            z[:] = w_ws @ Bk + bb[0]
        if status == 1 and steps == 0:
            # no step lowered the objective (machine precision): the next outer step would
            # repeat this one unless a violating feature was left out of the set
            dist[ws] = 0.0
            if not np.any(dist > 0.0):
                break
    return w, float(bb[0]), it, viol, stopped
