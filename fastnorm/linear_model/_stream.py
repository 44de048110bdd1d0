"""Streaming solvers: one fused pass over X per epoch.

``fista``
    Accelerated proximal gradient (FISTA) with adaptive restart and a Lipschitz backtracking
    that costs no extra pass.  Each pass evaluates the gradient, the objective and the
    duality gap *at the new iterate* ``x_k``; the gradient at the extrapolated point
    ``y_k = x_k + beta (x_k - x_{k-1})`` is the same affine combination of the two stored
    gradients (the gradient of a quadratic is affine), so one pass per iteration is enough
    and the returned iterate is a prox output (exact zeros) whose gap was measured.
    The step ``1/L`` is checked exactly: for a quadratic,
    ``f(x) - f(y) - grad f(y).(x - y) = 0.5 (grad f(x) - grad f(y)).(x - y)``, so a step is
    accepted when that curvature is at most ``L ||x - y||^2`` and otherwise redone with a larger
    ``L``.  A step can therefore never diverge; a non-finite pass raises.

``sgd``
    Per-sample / mini-batch SGD with the classic per-sample update rule,
    ``w <- w - lr * (2 (w x + b - y) x + penalty gradient)`` (or its proximal form that reaches
    exact zeros), one fused pass per epoch for the objective and the gap.

Both take a :class:`~fastnorm.linear_model._problem.Problem`, which reaches the data only
through its data fit and data pass (``moments()`` and ``epoch(w, b)``): a Dask backend plugs
in there.

``fista_many``
    :func:`fista` on every target of a multi-target fit: FISTA runs as a generator per
    target (it yields the point to evaluate), and each round evaluates every running
    target's point in one fused pass over X, whose per-target sums are the single pass's
    bits, so each target's iterates and ``n_iter`` are its single fit's.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from fastnorm._config import run
from fastnorm._kernels.multitarget import epoch_lsq_many_cols, epoch_lsq_many_rows
from fastnorm._kernels.penalty import prox_enet_array
from fastnorm.linear_model._problem import Problem, SolveResult

__all__ = ["fista", "fista_many", "sgd"]

_TINY = 1e-300
#: An objective increase below this (relative) is rounding, not a reason to restart the
#: momentum: the decision must not flip with the last bits of a sum (NumPy vs Dask chunks).
_RESTART_RTOL = 1e-13


def _prox(v: np.ndarray, step: float, l1: float, l2: float, positive: bool) -> np.ndarray:
    """The elastic-net prox of every coordinate (the kernels' own ``prox_enet``)."""
    v = np.ascontiguousarray(v, dtype=np.float64)
    out = np.empty_like(v)
    prox_enet_array.serial(v, float(step), float(l1), float(l2), bool(positive), out)
    return out


def _raise_nonfinite() -> None:
    raise ValueError(
        "The fused epoch produced non-finite values (overflow). The input data may contain "
        "large values and need to be preprocessed."
    )


def _check_random_state(seed):
    if isinstance(seed, np.random.RandomState):
        return seed
    if seed is None:
        return np.random.mtrand._rand
    return np.random.RandomState(seed)


def _report(verbose, solver, k, obj, gap) -> None:
    if verbose:
        print(f"[fastnorm {solver}] epoch {k:4d}  objective {obj:.10e}  gap {gap:.3e}")


def fista(
    prob: Problem,
    w0: np.ndarray,
    max_iter: int,
    tol: float,
    callback: Callable[[int, float, float], object] | None = None,
    verbose: int = 0,
    state: dict | None = None,
) -> SolveResult:
    """Minimise ``prob`` from ``w0`` until ``gap/n <= tol * ||y_c||^2 / n``.

    ``state`` (the ``state`` of an earlier result whose ``w`` is ``w0``) continues that run:
    momentum, previous iterate and step size are kept, so ``max_iter=5`` twice gives the
    iterates of ``max_iter=10`` once.  The result's ``state`` is what to continue from.
    """
    steps = _fista_steps(prob, w0, max_iter, tol, callback, verbose, state)
    try:
        x = next(steps)
        while True:
            x = steps.send(prob.evaluate(x))
    except StopIteration as done:
        return done.value


def _fista_steps(prob, w0, max_iter, tol, callback, verbose, state):
    """:func:`fista` as a generator: it yields each point to evaluate and is sent back
    ``prob.evaluate`` of it, so that :func:`fista_many` can evaluate the points of many
    targets in one pass over X with every target's own decisions unchanged."""
    x = np.array(w0, dtype=np.float64)
    if prob.positive:
        x = np.maximum(x, 0.0)
    grad, obj, gap = yield x
    if not (np.isfinite(obj) and np.all(np.isfinite(grad))):
        _raise_nonfinite()
    res = SolveResult(x, gap, 0, [obj], [gap])
    thr = prob.gap_tol(tol)
    if gap <= thr:
        res.converged = True
        return res
    if state is not None and np.array_equal(state["x"], x):
        x_prev, g_prev, t, L = state["x_prev"], state["g_prev"], state["t"], state["L"]
    else:
        d = prob.diag()
        # max diagonal of the Hessian: a lower bound of its largest eigenvalue (raised below)
        L = max(float(d.max()) if d.size else 0.0, _TINY)
        x_prev, g_prev = x, grad
        t = 1.0
    k = 0
    while k < max_iter:
        t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        beta = (t - 1.0) / t_next
        yv = x + beta * (x - x_prev)
        gy = grad + beta * (grad - g_prev)
        accepted = False
        while True:
            x_new = _prox(yv - gy / L, 1.0 / L, prob.l1, prob.l2, prob.positive)
            g_new, obj_new, gap_new = yield x_new
            k += 1
            if not (np.isfinite(obj_new) and np.all(np.isfinite(g_new))):
                _raise_nonfinite()
            dx = x_new - yv
            dd = float(dx @ dx)
            curv = float((g_new - gy) @ dx)
            if curv <= L * dd * (1.0 + 1e-10) or dd == 0.0:
                accepted = True
                break
            # The step was too long along dx: curv/dd is a Rayleigh quotient of the Hessian,
            # hence a lower bound of the true Lipschitz constant.
            L = max(1.1 * curv / dd, 1.25 * L)
            if k >= max_iter:
                break
        if not accepted:
            break  # max_iter hit during backtracking: keep the last accepted iterate
        # adaptive restart (O'Donoghue & Candes): gradient scheme, plus any objective increase
        if float((yv - x_new) @ (x_new - x)) > 0.0 or obj_new > obj + _RESTART_RTOL * abs(obj):
            t = 1.0
        else:
            t = t_next
        x_prev, g_prev = x, grad
        x, grad, obj, gap = x_new, g_new, obj_new, gap_new
        res.objectives.append(obj)
        res.gaps.append(gap)
        _report(verbose, "stream", k, obj, gap)
        if gap <= thr:
            res.converged = True
            break
        if callback is not None and callback(k, obj, gap):
            res.stopped = True
            break
    res.w, res.gap, res.n_iter = x, gap, k
    res.state = {"x": x.copy(), "x_prev": x_prev, "g_prev": g_prev, "t": t, "L": L}
    return res


def sgd(
    prob: Problem,
    w0: np.ndarray,
    max_iter: int,
    tol: float,
    callback: Callable[[int, float, float], object] | None = None,
    verbose: int = 0,
    *,
    batch_size: int = 1,
    eta0: float | None = None,
    variance_reduction: bool = True,
    random_state: int | np.random.RandomState | None = None,
) -> SolveResult:
    """Per-sample / mini-batch proximal SGD with the per-sample update rule.

    The per-sample loss ``(w x + b - y)^2 + lam1 |w| + lam2 w^2`` averages to twice
    the scikit-learn objective when ``lam1 = 2 * l1`` and ``lam2 = l2`` (the kernel takes
    ``l1``, ``l2`` in the one penalty convention and applies the factor); the intercept is
    handled by centring on the fly with the column means.  Each epoch is one serial sweep of
    the per-sample (or per-batch) rule in a random row order, then one fused pass that
    measures the objective and the duality gap and, with ``variance_reduction`` (prox-SVRG),
    provides the snapshot residuals and full gradient that the next sweep's correction uses.
    With variance reduction the learning rate is constant; without, it decays as
    ``eta0 / (1 + epoch / 2)``.  A diverging epoch is undone and retried with a quarter of the
    rate (a ``FloatingPointError`` after 30 such retries), so no NaN is ever returned.
    """
    data = prob.data
    if not hasattr(data, "sgd_epoch"):
        raise NotImplementedError("solver='sgd' needs in-memory data (a NumpyPass)")
    rng = _check_random_state(random_state)
    n = data.n_samples
    batch = int(min(max(batch_size, 1), max(n, 1)))
    w = np.array(w0, dtype=np.float64)
    if prob.positive:
        w = np.maximum(w, 0.0)
    r_snap = np.empty(n)
    grad, obj, gap = prob.evaluate(w, r_snap)
    if not np.isfinite(obj):
        _raise_nonfinite()
    res = SolveResult(w.copy(), gap, 0, [obj], [gap])
    thr = prob.gap_tol(tol)
    if gap <= thr:
        res.converged = True
        return res
    d = prob.diag()
    trace = float(d.sum()) if d.size else 0.0
    dmax = float(d.max()) if d.size else 0.0
    if eta0 is None:
        # per-sample curvature of (w x - y)^2 is 2 ||x||^2: average 2 * trace
        eta0 = 0.25 / max(2.0 * trace / batch + 2.0 * dmax, _TINY)
    lr0 = float(eta0)
    xm = np.ascontiguousarray(prob.X_off, dtype=np.float64)
    y_off = prob.y_off
    best_obj = obj
    retries = 0
    k = 0
    while k < max_iter:
        lr = lr0 if variance_reduction else lr0 / (1.0 + 0.5 * k)
        order = rng.permutation(n).astype(np.int64)
        w_try = w.copy()
        if variance_reduction:
            bad = data.sgd_epoch(w_try, order, xm, y_off, lr, prob.l1, prob.l2, True, prob.positive,
                                 batch, r_snap, 2.0 * grad)  # fmt: skip
        else:
            bad = data.sgd_epoch(w_try, order, xm, y_off, lr, prob.l1, prob.l2, True, prob.positive,
                                 batch)  # fmt: skip
        k += 1
        r_new = np.empty(n)
        g_new, obj_new, gap_new = (grad, math.inf, math.inf)
        if bad == 0:
            g_new, obj_new, gap_new = prob.evaluate(w_try, r_new)
        if not np.isfinite(obj_new) or obj_new > 10.0 * max(best_obj, _TINY) + 1e3:
            retries += 1
            if retries > 30:
                raise FloatingPointError(
                    "SGD diverged: the learning rate was reduced 30 times without a stable "
                    "epoch. Scale the features or pass a smaller eta0."
                )
            lr0 *= 0.25
            continue
        if obj_new > obj:
            lr0 *= 0.5  # no progress: a shorter step (the epoch is kept, it is finite)
        w, grad, r_snap, obj, gap = w_try, g_new, r_new, obj_new, gap_new
        best_obj = min(best_obj, obj)
        res.objectives.append(obj)
        res.gaps.append(gap)
        _report(verbose, "sgd", k, obj, gap)
        if gap <= thr:
            res.converged = True
            break
        if callback is not None and callback(k, obj, gap):
            res.stopped = True
            break
    res.w, res.gap, res.n_iter = w, gap, k
    return res


# ------------------------------------------------------------------------ many targets
#: Bytes of per-block gradient partials one multi-target pass may hold (``nblk x k x p``
#: float64): more targets go in chunks, one pass over X per chunk.
_MANY_PARTIAL_BYTES = 1 << 28


def fista_many(
    probs: list[Problem], w0s: list[np.ndarray], max_iter: int, tol: float, states: list
) -> list[SolveResult]:
    """:func:`fista` on every target of one X at once: each round, the points of all the
    targets still running are evaluated in one fused pass over X (``evaluate_many``), and
    each target takes its own step, backtracking, restart and stopping decision.  Each
    target's pass returns its single pass's bits, so its iterates and ``n_iter`` are those
    of its own :func:`fista` run.  ``probs`` come from :func:`problems_many`."""
    k = len(probs)
    steps = [_fista_steps(probs[t], w0s[t], max_iter, tol, None, 0, states[t]) for t in range(k)]
    pending = {t: next(steps[t]) for t in range(k)}
    out: list = [None] * k
    while pending:
        ts = list(pending)
        evals = evaluate_many([probs[t] for t in ts], ts, [pending[t] for t in ts])
        for t, ev in zip(ts, evals, strict=True):
            try:  # a generator's return value comes only this way
                pending[t] = steps[t].send(ev)
            except StopIteration as done:  # noqa: PERF203
                out[t] = done.value
                del pending[t]
    return out


class _TargetPass:
    """One target's data pass inside :func:`fista_many`: ``inner`` (its own pass, with the
    moments of X shared by all targets) answers everything but ``epoch``, which returns the
    target's part of the last fused multi-target pass (:func:`evaluate_many` sets
    ``result``)."""

    def __init__(self, inner, shared) -> None:
        self.inner = inner
        self.shared = shared  # X, Y, sw and the row blocks of the fused pass
        self.result = None

    n_samples = property(lambda self: self.inner.n_samples)
    n_features = property(lambda self: self.inner.n_features)
    has_moments = property(lambda self: True)

    def moments(self):
        return self.inner.moments()

    def y_moments(self):
        return self.inner.y_moments()

    def epoch(self, w, b, r_out=None):
        res, self.result = self.result, None
        if res is None or r_out is not None:  # not from a fused pass: the single one
            return self.inner.epoch(w, b, r_out)
        return res


def problems_many(passes: list, shared: dict, tasks: list) -> list[Problem]:
    """One :class:`Problem` per target for :func:`fista_many`, on the targets' own data
    passes ``passes`` (moments already known) and the fused pass's ``shared`` data
    (``X`` as the kernels read it, ``Y``, ``sw``, ``rpb`` and ``by_rows``: C-ordered X and
    Y (n, k), or ``X.T`` and Y (k, n) for F-ordered X)."""
    return [
        Problem.from_pass(
            _TargetPass(dp, shared),
            task.l1,
            task.l2,
            task.positive,
            task.fit_intercept,
            task.w0,
            task.datafit,
        )  # fmt: skip
        for dp, task in zip(passes, tasks, strict=True)
    ]


def evaluate_many(probs: list[Problem], cols: list[int], xs: list[np.ndarray]) -> list:
    """``probs[i].evaluate(xs[i])`` for every i from one fused pass over X (in chunks of
    targets when their block partials would pass ``_MANY_PARTIAL_BYTES``)."""
    sh = probs[0].datafit.data.shared
    X, Y, sw, rpb = sh["X"], sh["Y"], sh["sw"], sh["rpb"]
    kern = epoch_lsq_many_rows if sh["by_rows"] else epoch_lsq_many_cols
    n, p = X.shape if sh["by_rows"] else X.T.shape
    k = len(probs)
    W = np.empty((k, p))
    bs = np.empty(k)
    for i, (pr, x) in enumerate(zip(probs, xs, strict=True)):
        W[i] = x
        bs[i] = float(pr.datafit.intercept(x))
    G = np.empty((k, p))
    S = np.empty((k, 3))
    c = np.asarray(cols, dtype=np.int64)
    nblk = (n + rpb - 1) // rpb
    kc = max(1, _MANY_PARTIAL_BYTES // max(nblk * p * 8, 1))
    for lo in range(0, k, kc):
        hi = min(k, lo + kc)
        run(kern, n * p * (hi - lo), X, Y, c[lo:hi], sw, W[lo:hi], bs[lo:hi],
            rpb, G[lo:hi], S[lo:hi])  # fmt: skip
    out = []
    for i, (pr, x) in enumerate(zip(probs, xs, strict=True)):
        pr.datafit.data.result = (G[i], float(S[i, 0]), float(S[i, 1]), float(S[i, 2]))
        out.append(pr.evaluate(x))
    return out
