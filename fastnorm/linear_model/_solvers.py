"""The solver registry: each solver states what it needs from the data and returns a
:class:`~fastnorm.linear_model._problem.SolveResult`.

A solver is ``solve(backend, t, task) -> SolveResult`` for target ``t``, where ``backend`` (a
:class:`~fastnorm.linear_model._data.NumpyBackend` or a Dask backend) gives, according to
``needs``:

``"pass"``
    ``backend.problem(t, task)``: a :class:`~fastnorm.linear_model._problem.Problem` whose
    data fit runs fused passes over X (every backend);
``"rows"``
    the same, plus row-wise updates (``problem.data.sgd_epoch``; in-memory arrays only);
``"gram"``
    ``backend.gram(t)``: :class:`~fastnorm.linear_model._gram.GramStats` (one pass);
``"kernel"``
    ``backend.kernel()`` and ``backend.rmatvec(A)``: the centred n x n kernel matrix and
    ``X_c^T A`` (the dual form when p > n).

Adding a solver is one call, in the solver's own module::

    from fastnorm.linear_model._solvers import Solver, register
    register(Solver("workset", needs="pass", solve=solve_workset))

and one import line in ``fastnorm/linear_model/__init__.py`` so that the module runs (the
estimators then accept ``solver="workset"``: :func:`names` lists what is registered).  A
new data fit plugs in through :class:`~fastnorm.linear_model._problem.Problem` (its
``datafit`` part; see :mod:`fastnorm.linear_model._datafit` for the interface).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fastnorm.linear_model._blas import blas_threads
from fastnorm.linear_model._datafit import Quadratic
from fastnorm.linear_model._gram import cd_gram, cd_gram_many, ridge_gram, solve_pos
from fastnorm.linear_model._problem import SolveResult, Task
from fastnorm.linear_model._stream import fista, fista_many, sgd

__all__ = ["PUBLIC", "RIDGE_PUBLIC", "SKLEARN_RIDGE_SOLVERS", "Solver", "get", "names", "register"]


@dataclass(frozen=True)
class Solver:
    """A registered solver.

    ``name`` is what ``solver_`` reports; ``needs`` one of ``"pass"``, ``"rows"``,
    ``"gram"``, ``"kernel"``; ``l1``: whether it handles an L1 term; ``positive``: whether it
    handles ``w >= 0``; ``exact``: a direct solve (no tolerance).
    """

    name: str
    needs: str
    solve: Callable[..., SolveResult]
    l1: bool = True
    positive: bool = True
    exact: bool = False
    #: ``solve_many(backend, tasks) -> list[SolveResult]``: every target of a multi-target
    #: fit at once (one read of X, targets solved in parallel), results equal to ``solve``
    #: per target.  Used when set, for k > 1 targets without callback or verbose.
    solve_many: Callable[..., list[SolveResult]] | None = None


_REGISTRY: dict[str, Solver] = {}

#: scikit-learn's Ridge solver names, mapped onto ours (so that a swapped import keeps
#: working): all of them to the exact direct solve, which meets the accuracy each of them
#: promises at its ``tol`` (our iterative solvers' ``tol`` is the duality-gap criterion of
#: the elastic net, not the residual or gradient tolerance of lsqr, cg, lbfgs or sag).
SKLEARN_RIDGE_SOLVERS = dict.fromkeys(
    ("svd", "cholesky", "lsqr", "sparse_cg", "lbfgs", "sag", "saga"), "direct"
)

#: The ``solver=`` values the estimators accept.  These sets are what their parameter
#: constraints hold (by reference), so a solver registered later is accepted too.
PUBLIC: set[str] = {"auto"}
RIDGE_PUBLIC: set[str] = {"auto", *SKLEARN_RIDGE_SOLVERS}


def register(solver: Solver, key: str | None = None) -> Solver:
    """Add ``solver`` under ``key``; without a key it is public: ``solver=solver.name``."""
    _REGISTRY[key or solver.name] = solver
    if key is None:
        PUBLIC.add(solver.name)
        RIDGE_PUBLIC.add(solver.name)
    return solver


def get(key: str) -> Solver:
    return _REGISTRY[key]


def names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


# ---------------------------------------------------------------------------- built-ins
def _cd_gram(backend, t: int, task: Task) -> SolveResult:
    stats = backend.gram(t)
    callback = task.callback
    if task.verbose:  # the same report as the streaming solvers, after each sweep
        user_cb = task.callback

        def callback(e, obj, gap):
            print(f"[fastnorm gram] epoch {e + 1:4d}  objective {obj:.10e}  gap {gap:.3e}")
            return user_cb(e, obj, gap) if user_cb is not None else False

    w, gap, n_iter, hist, ghist = cd_gram(
        stats, task.l1, task.l2, task.w0, task.max_iter, task.tol, task.positive,
        callback=callback, warn=False, selection=task.selection,
        random_state=task.random_state, gap_history=True,
    )  # fmt: skip
    w = np.asarray(w, dtype=np.float64)
    b = float(stats.y_offset - stats.X_offset @ w) if task.fit_intercept else 0.0
    gap_tol = task.tol * float(stats.yty) / float(stats.n)
    stopped = callback is not None and n_iter < task.max_iter and gap > gap_tol
    conv = gap <= gap_tol or stopped
    return SolveResult(w, float(gap), int(n_iter), list(hist), list(ghist), conv, stopped, b,
                       gap_tol)  # fmt: skip


def _shared_gram(stats: list) -> tuple[np.ndarray, np.ndarray]:
    """``(G3, gidx)``: one Gram matrix when the targets share it (one pass), else a stack."""
    G = stats[0].G
    if all(s.G is G for s in stats):
        return G[None], np.zeros(len(stats), dtype=np.int64)
    return np.stack([s.G for s in stats]), np.arange(len(stats), dtype=np.int64)


def _cd_gram_many(backend, tasks: list[Task]) -> list[SolveResult]:
    """:func:`_cd_gram` for every target: one Gram pass, targets solved in parallel."""
    k = len(tasks)
    stats = [backend.gram(t) for t in range(k)]
    G3, gidx = _shared_gram(stats)
    t0 = tasks[0]
    W, gaps, n_iters, obj, ghist = cd_gram_many(
        G3, gidx, np.array([s.Xty for s in stats]), np.array([s.yty for s in stats]),
        np.array([s.n for s in stats]), np.array([t.l1 for t in tasks]),
        np.array([t.l2 for t in tasks]), np.array([t.w0 for t in tasks]), t0.max_iter, t0.tol,
        t0.positive, selection=t0.selection, random_state=t0.random_state,
    )  # fmt: skip
    out = []
    for t, (st, task) in enumerate(zip(stats, tasks, strict=True)):
        w = W[t]
        b = float(st.y_offset - st.X_offset @ w) if task.fit_intercept else 0.0
        gap_tol = task.tol * float(st.yty) / float(st.n)
        it = int(n_iters[t])
        out.append(SolveResult(w, float(gaps[t]), it, list(obj[t, :it]), list(ghist[t, :it]),
                               bool(gaps[t] <= gap_tol), False, b, gap_tol))  # fmt: skip
    return out


def _iterative(kind: str) -> Callable[..., SolveResult]:
    def solve(backend, t: int, task: Task) -> SolveResult:
        prob = backend.problem(t, task)
        if kind == "sgd":
            res = sgd(prob, task.w0, task.max_iter, task.tol, task.callback, task.verbose,
                      batch_size=task.batch_size, eta0=task.eta0,
                      random_state=task.random_state)  # fmt: skip
        else:
            res = fista(prob, task.w0, task.max_iter, task.tol, task.callback, task.verbose,
                        state=task.state)  # fmt: skip
        res.intercept = prob.intercept(res.w)
        res.gap_tol = prob.gap_tol(task.tol)
        res.converged = res.converged or res.stopped
        return res

    return solve


def _stream_many(backend, tasks: list[Task]) -> list[SolveResult]:
    """:func:`fista` for every target: one fused pass over X per round for all running
    targets (:func:`fista_many`) where the backend offers it (in-memory X, least squares);
    otherwise (Dask) the targets one after the other."""
    make = getattr(backend, "problems_many", None)
    probs = None
    if make is not None and all(t.datafit is Quadratic for t in tasks):
        probs = make(tasks)
    if probs is None:
        one = _iterative("stream")
        return [one(backend, t, task) for t, task in enumerate(tasks)]
    t0 = tasks[0]
    results = fista_many(probs, [t.w0 for t in tasks], t0.max_iter, t0.tol,
                         [t.state for t in tasks])  # fmt: skip
    for prob, task, res in zip(probs, tasks, results, strict=True):
        res.intercept = prob.intercept(res.w)
        res.gap_tol = prob.gap_tol(task.tol)
        res.converged = res.converged or res.stopped
    return results


def _quad(G: np.ndarray, w: np.ndarray) -> float:
    """``w' G w`` on one BLAS thread (a p^2 product: BLAS's threads would spin after it)."""
    with blas_threads(G.shape[0] ** 2):
        return float(w @ G @ w)


def _ridge_result(w, b, rss, n, l2) -> SolveResult:
    obj = 0.5 * max(rss, 0.0) / n + 0.5 * l2 * float(w @ w)
    return SolveResult(w, 0.0, 1, [obj], [0.0], True, False, b, 0.0)


def _ridge_gram(backend, t: int, task: Task) -> SolveResult:
    """Cholesky on the (p x p) Gram system: exact, one pass over X."""
    stats = backend.gram(t)
    # stats carry weights normalised to sum n_samples: sum sw_n r^2 + alpha' ||w||^2 with
    # alpha' = l2 * n has the minimiser of sum sw_raw r^2 + alpha ||w||^2.
    w = np.asarray(ridge_gram(stats, task.l2 * float(stats.n)), dtype=np.float64)
    b = float(stats.y_offset - stats.X_offset @ w) if task.fit_intercept else 0.0
    G, Xty = np.asarray(stats.G), np.asarray(stats.Xty)
    rss = float(stats.yty) - 2.0 * float(w @ Xty) + _quad(G, w)
    return _ridge_result(w, b, rss, float(stats.n), task.l2)


def _ridge_gram_many(backend, tasks: list[Task]) -> list[SolveResult]:
    """:func:`_ridge_gram` for every target: one Gram pass and one Cholesky per distinct
    alpha (a matrix right-hand side: all targets sharing an alpha in one solve), or one
    eigendecomposition of G reused by all targets when the alphas are many and distinct."""
    k = len(tasks)
    stats = [backend.gram(t) for t in range(k)]
    G3, gidx = _shared_gram(stats)
    if G3.shape[0] > 1:  # statistics from elsewhere, not shared: one target at a time
        return [_ridge_gram(backend, t, task) for t, task in enumerate(tasks)]
    st0 = stats[0]
    G = G3[0]
    B = np.array([s.Xty for s in stats])  # (k, p)
    a = np.array([task.l2 * float(s.n) for s, task in zip(stats, tasks, strict=True)])
    W = np.empty_like(B)
    groups = _alpha_groups(a)
    if len(groups) <= _RIDGE_MAX_CHOLESKY:
        for ai, sel in groups:
            W[sel] = np.asarray(ridge_gram(st0._replace(Xty=B[sel].T), ai)).reshape(-1, len(sel)).T
    else:
        lam, V = np.linalg.eigh(G)
        C = B @ V  # (k, p): V^T Xty per target
        W = (C / (lam[None, :] + (a * st0.sw_scale)[:, None])) @ V.T
    return [
        _ridge_from_w(W[t], s, task) for t, (s, task) in enumerate(zip(stats, tasks, strict=True))
    ]


def _alpha_groups(a: np.ndarray) -> list[tuple[float, list[int]]]:
    """The targets sharing each distinct alpha, in increasing alpha (``np.unique``'s order,
    without its ~0.1 ms for a handful of targets)."""
    groups: dict[float, list[int]] = {}
    for t, ai in enumerate(a.tolist()):
        groups.setdefault(ai, []).append(t)
    return sorted(groups.items())


def _ridge_from_w(w, stats, task) -> SolveResult:
    w = np.ascontiguousarray(w, dtype=np.float64)
    b = float(stats.y_offset - stats.X_offset @ w) if task.fit_intercept else 0.0
    G, Xty = np.asarray(stats.G), np.asarray(stats.Xty)
    rss = float(stats.yty) - 2.0 * float(w @ Xty) + _quad(G, w)
    return _ridge_result(w, b, rss, float(stats.n), task.l2)


#: Distinct alphas up to which a multi-target Ridge factorises once per alpha (Cholesky,
#: p^3 / 3 each); beyond, one eigendecomposition of G (about 9 p^3) serves every alpha.
_RIDGE_MAX_CHOLESKY = 24


def _ridge_dual(backend, t: int, task: Task) -> SolveResult:
    """The n x n dual system ``(K + a I) c = y_c``, ``w = X_c^T c`` (kernel ridge form, as
    scikit-learn's Cholesky solver does when p > n): exact."""
    return _ridge_dual_targets(backend, [t], [task])[0]


def _ridge_dual_many(backend, tasks: list[Task]) -> list[SolveResult]:
    """:func:`_ridge_dual` for every target: one Cholesky per distinct alpha (the targets
    sharing it as a matrix right-hand side) and one ``X^T C`` product for all of them."""
    return _ridge_dual_targets(backend, list(range(len(tasks))), tasks)


def _ridge_dual_targets(backend, ts: list[int], tasks: list[Task]) -> list[SolveResult]:
    ks = backend.kernel()
    n = ks.K.shape[0]
    Yq = ks.Yq[:, ts]
    C = np.empty_like(Yq)
    a = np.array([task.l2 * ks.n for task in tasks])
    for ai, sel in _alpha_groups(a):
        C[:, sel] = _solve_shifted(ks.K, ai, Yq[:, sel]).reshape(n, len(sel))
    W = backend.rmatvec(C)  # (p, k)
    R = Yq - ks.K @ C  # the weighted residuals, from the dual solution: no pass over X
    out = []
    for j, (t, task) in enumerate(zip(ts, tasks, strict=True)):
        w = np.ascontiguousarray(W[:, j])
        b = float(ks.y_off[t] - ks.X_off @ w) if task.fit_intercept else 0.0
        out.append(_ridge_result(w, b, float(R[:, j] @ R[:, j]), ks.n, task.l2))
    return out


def _lstsq_gram_many(backend, tasks: list[Task]) -> list[SolveResult]:
    """:func:`_lstsq_gram` for every target: one Gram pass, one eigendecomposition."""
    k = len(tasks)
    stats = [backend.gram(t) for t in range(k)]
    G3, gidx = _shared_gram(stats)
    if G3.shape[0] > 1:
        return [_lstsq_gram(backend, t, task) for t, task in enumerate(tasks)]
    G = G3[0]
    lam, V = np.linalg.eigh(G)
    keep = lam > max(lam.max(initial=0.0), 0.0) * G.shape[0] * np.finfo(np.float64).eps
    B = np.array([s.Xty for s in stats])  # (k, p)
    W = ((B @ V[:, keep]) / lam[keep]) @ V[:, keep].T
    return [
        _ridge_from_w(W[t], s, task) for t, (s, task) in enumerate(zip(stats, tasks, strict=True))
    ]


def _solve_shifted(K: np.ndarray, a: float, B: np.ndarray) -> np.ndarray:
    """``(K + a I)^-1 B`` by Cholesky; least squares when singular (alpha = 0, rank-deficient
    X), as scikit-learn falls back from Cholesky."""
    A = K.copy()
    A.flat[:: A.shape[0] + 1] += a
    try:
        return solve_pos(A, B, overwrite_a=True)
    except (np.linalg.LinAlgError, ValueError):
        A = K.copy()
        A.flat[:: A.shape[0] + 1] += a
        return np.linalg.lstsq(A, B, rcond=None)[0]


def _lstsq_gram(backend, t: int, task: Task) -> SolveResult:
    """Minimum-norm least squares through the eigen-decomposition of the Gram matrix."""
    stats = backend.gram(t)
    G, Xty = np.asarray(stats.G), np.asarray(stats.Xty)
    # eigenvalues under G's rounding level (p * eps * max) count as zero, so a rank-deficient
    # X gives the minimum-norm solution, as scikit-learn's lstsq does (a Cholesky can succeed
    # on a numerically singular G and return another solution)
    lam, V = np.linalg.eigh(G)
    keep = lam > max(lam.max(initial=0.0), 0.0) * G.shape[0] * np.finfo(np.float64).eps
    w = V[:, keep] @ ((V[:, keep].T @ Xty) / lam[keep])
    b = float(stats.y_offset - stats.X_offset @ w) if task.fit_intercept else 0.0
    rss = float(stats.yty) - 2.0 * float(w @ Xty) + _quad(G, w)
    return _ridge_result(w, b, rss, float(stats.n), 0.0)


register(Solver("gram", needs="gram", solve=_cd_gram, solve_many=_cd_gram_many))
register(Solver("stream", needs="pass", solve=_iterative("stream"), solve_many=_stream_many))
register(Solver("sgd", needs="rows", solve=_iterative("sgd")))
register(Solver("gram", needs="gram", solve=_ridge_gram, l1=False, positive=False, exact=True,
                solve_many=_ridge_gram_many), key="ridge_gram")  # fmt: skip
register(Solver("dual", needs="kernel", solve=_ridge_dual, l1=False, positive=False,
                exact=True, solve_many=_ridge_dual_many), key="ridge_dual")  # fmt: skip
register(Solver("gram", needs="gram", solve=_lstsq_gram, l1=False, positive=False, exact=True,
                solve_many=_lstsq_gram_many), key="lstsq")  # fmt: skip
