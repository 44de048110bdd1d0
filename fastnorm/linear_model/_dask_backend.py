"""Fitting Lasso, ElasticNet and Ridge on Dask arrays: the data pass runs on the workers.

The solvers in :mod:`fastnorm.linear_model._stream` reach the data only through a *data pass*
(``moments()``, ``epoch(w, b)``, ``n_samples``, ``n_features``; see
:mod:`fastnorm.linear_model._base`).  :class:`DaskPass` provides it for a Dask array chunked by
rows: the row chunks of X, y (and the weights) are persisted on the workers once, and every
epoch maps the same fused numba kernel (:meth:`NumpyPass.epoch`) over the chunks, sums the
partial gradients and the loss/gap sums in a fixed-order tree on the workers, and hands the
``p + 3`` numbers to the solver, which updates on the client.  So one epoch is one pass over
the persisted chunks and the iterates are those of the in-memory fit up to the rounding of the
sums.  The Gram solver sums per-chunk *shifted, uncentred* ``(p+2) x (p+2)`` statistics about
one common shift (the in-memory solver's own :func:`~fastnorm.linear_model._gram._aug_gram`),
centres the total once on the client and runs :func:`~fastnorm.linear_model._gram.cd_gram`
(or :func:`~fastnorm.linear_model._gram.ridge_gram`) there.

Reliability comes from Dask: the persisted chunks keep their lineage, so when a worker dies the
scheduler recomputes the chunks it held and the epoch completes with the same sums.

Any Dask scheduler works (a ``distributed.Client`` in the session is used when there is one;
otherwise the local threaded scheduler).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fastnorm.linear_model._base import (
    Moments,
    NumpyPass,
    Problem,
    cd_on_stats,
    choose_solver,
    convergence_warning,
    set_fitted,
)

__all__ = ["DaskPass", "dask_gram_stats", "fit", "is_dask", "on_cluster"]

_DASK_MSG = "fitting on Dask arrays needs dask[array]: pip install fastnorm[dask]"
#: Partial sums combined per task of the summation tree (fixed: results do not depend on the
#: cluster, only on the chunking).
SPLIT_EVERY = 16


def is_dask(a: Any) -> bool:
    """True for a :class:`dask.array.Array` (without importing Dask)."""
    t = type(a)
    return t.__module__.startswith("dask.") and t.__name__ == "Array"


def _dask() -> Any:
    try:
        import dask
        import dask.array  # noqa: F401
    except ImportError as exc:  # pragma: no cover
        raise ImportError(_DASK_MSG) from exc
    return dask


def on_cluster() -> bool:
    """True when Dask computes on a ``distributed`` cluster (a default ``Client``, or one set
    as the scheduler).  Only then are the chunks persisted: on the local schedulers the data
    already live in this process, or in a file (a memory map) that persisting would load
    into memory in full; each epoch then reads the chunks from their source instead."""
    import dask.base

    sched = dask.base.get_scheduler()
    owner = getattr(sched, "__self__", None)
    return type(owner).__name__ == "Client" and type(owner).__module__.startswith("distributed")


# ----------------------------------------------------------------------------- validation
def _float_chunk(b: np.ndarray) -> np.ndarray:
    """A chunk as the kernels want it: float32/float64, C- or F-contiguous (copied only
    when it is neither)."""
    if b.dtype not in (np.float32, np.float64):
        b = b.astype(np.float64)
    if not (b.flags.c_contiguous or b.flags.f_contiguous):
        b = np.ascontiguousarray(b)
    return b


def _f64_chunk(b: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(b, dtype=np.float64)


def _unknown(a: Any) -> bool:
    return any(math.isnan(c) for cs in a.chunks for c in cs)


def _check_numeric(a: Any, name: str) -> None:
    k = np.dtype(a.dtype).kind
    if k == "c":
        raise ValueError("Complex data not supported")
    if k in "USO":
        raise ValueError(
            f"dtype='numeric' is not compatible with arrays of bytes/strings ({name} has "
            f"dtype {a.dtype}). Convert your data to numeric values explicitly instead."
        )
    if k not in "biuf":
        raise ValueError(f"{name} has a non-numeric dtype {a.dtype}.")


def prepare(X: Any, y: Any, sample_weight: Any = None) -> tuple[Any, Any, Any]:
    """Validate (before any work is scheduled) and lay out X, y and the weights as Dask
    arrays with the same row chunks, X in one column block.

    Returns lazy ``(X, y, sw)`` (``sw`` None or float64, *not* normalised).
    """
    _dask()
    import dask.array as da

    if not is_dask(X):  # NumPy X with Dask y: chunk X as y is chunked
        X = np.asarray(X)
        rows = y.chunks[0] if is_dask(y) and X.ndim == 2 and y.shape[0] == len(X) else -1
        X = da.from_array(X, chunks=(rows,) + (-1,) * (X.ndim - 1))
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {'scalar' if X.ndim == 0 else f'{X.ndim}D'} array instead"
        )
    _check_numeric(X, "X")
    if _unknown(X):
        raise ValueError(
            "X has unknown (NaN) chunk sizes; call X.compute_chunk_sizes() before fitting"
        )
    from fastnorm.linear_model._gram import check_min_shape

    n, p = X.shape
    check_min_shape(X.shape)
    if X.numblocks[1] > 1:  # chunked by rows only: each task needs whole rows
        X = X.rechunk({1: -1})
    X = X.map_blocks(_float_chunk, dtype=X.dtype if X.dtype.kind == "f" and
                     X.dtype.itemsize in (4, 8) else np.float64)  # fmt: skip

    if not is_dask(y):
        y = np.asarray(y)
        if y.ndim >= 1 and y.shape[0] == n:
            y = da.from_array(y, chunks=(X.chunks[0],) + tuple((s,) for s in y.shape[1:]))
        else:
            y = da.from_array(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim not in (1, 2):
        raise ValueError(f"y should be a 1d or 2d array, got an array of shape {y.shape}.")
    _check_numeric(y, "y")
    if _unknown(y):
        raise ValueError(
            "y has unknown (NaN) chunk sizes; call y.compute_chunk_sizes() before fitting"
        )
    if y.shape[0] != n:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{n}, {y.shape[0]}]"
        )
    if y.chunks[0] != X.chunks[0]:
        raise ValueError(
            "The row chunks of X and y are not aligned: X has "
            f"{X.chunks[0]}, y has {y.chunks[0]}. Rechunk one to match the other, e.g. "
            "y = y.rechunk({0: X.chunks[0]})."
        )
    if y.ndim == 2 and y.numblocks[1] > 1:
        y = y.rechunk({1: -1})
    y = y.map_blocks(_f64_chunk, dtype=np.float64)

    sw = None
    if sample_weight is not None and not np.isscalar(sample_weight):
        if not is_dask(sample_weight):
            s = np.asarray(sample_weight, dtype=np.float64)
            if s.ndim != 1 or s.shape[0] != n:
                raise ValueError(f"sample_weight.shape == {s.shape}, expected {(n,)}!")
            sw = da.from_array(s, chunks=(X.chunks[0],))
        else:
            sw = sample_weight
            if sw.ndim != 1 or sw.shape[0] != n:
                raise ValueError(f"sample_weight.shape == {sw.shape}, expected {(n,)}!")
            _check_numeric(sw, "sample_weight")
            if _unknown(sw) or sw.chunks[0] != X.chunks[0]:
                raise ValueError(
                    "The chunks of sample_weight are not aligned with the row chunks of X "
                    f"({X.chunks[0]}): rechunk it with sample_weight.rechunk({{0: X.chunks[0]}})"
                )
        sw = sw.map_blocks(_f64_chunk, dtype=np.float64)
    return X, y, sw


# ----------------------------------------------------------------------------- chunk tasks
def _pass(Xb: np.ndarray, yb: np.ndarray, swb: Any, scale: float) -> NumpyPass:
    from fastnorm._dask import serial_in_worker

    serial_in_worker()
    sw = None if swb is None else swb * scale
    return NumpyPass(Xb, yb, sw)


def _moments_chunk(Xb: np.ndarray, yb: np.ndarray, swb: Any, scale: float) -> np.ndarray:
    m = _pass(Xb, yb, swb, scale).moments()
    return np.concatenate(([m.sw_sum], m.colsum, m.colsq, [m.y_sum, m.yy]))


def _epoch_chunk(
    Xb: np.ndarray, yb: np.ndarray, swb: Any, scale: float, w: np.ndarray, b: float
) -> np.ndarray:
    g, s_r, s_rr, s_ry = _pass(Xb, yb, swb, scale).epoch(w, b)
    return np.concatenate((g, [s_r, s_rr, s_ry]))


def _gram_chunk(
    Xb: np.ndarray, yb: np.ndarray, swb: Any, scale: float, shift: np.ndarray, y_shift: float
) -> np.ndarray:
    from fastnorm._dask import serial_in_worker
    from fastnorm.linear_model._gram import _aug_gram

    serial_in_worker()
    sw = None if swb is None else np.ascontiguousarray(swb * scale)
    return _aug_gram(Xb, np.ascontiguousarray(yb, dtype=np.float64), sw, shift, y_shift)


def _add(*parts: np.ndarray) -> np.ndarray:
    out = np.array(parts[0], dtype=np.float64, copy=True)
    for q in parts[1:]:
        out += q
    return out


def _column(yb: np.ndarray, t: int) -> np.ndarray:
    return yb if yb.ndim == 1 else np.ascontiguousarray(yb[:, t])


def _sum_tree(parts: list) -> Any:
    """Fixed-shape summation tree of delayed partial sums (runs on the workers)."""
    from dask import delayed

    while len(parts) > 1:
        parts = [
            delayed(_add, pure=True)(*parts[i : i + SPLIT_EVERY])
            for i in range(0, len(parts), SPLIT_EVERY)
        ]
    return parts[0]


# ----------------------------------------------------------------------------- the data pass
class DaskPass:
    """The data-pass interface of the solvers over persisted row chunks of a Dask array.

    Parameters
    ----------
    X, y, sample_weight
        As returned by :func:`prepare`, or raw (then validated here).  ``y`` may be 2-D;
        ``target`` picks the column.
    persist : bool
        Persist the chunks on the workers (``dask.persist``) now when computing on a
        distributed cluster (see :func:`on_cluster`); set False when the caller already
        persisted them.
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        *,
        target: int = 0,
        persist: bool = True,
        _prepared: bool = False,
    ) -> None:
        dask = _dask()
        if not _prepared:
            X, y, sample_weight = prepare(X, y, sample_weight)
        if persist and on_cluster():
            X, y, sample_weight = dask.persist(X, y, sample_weight)
        self.X, self.y, self.sw = X, y, sample_weight
        self.n_samples, self.n_features = (int(s) for s in X.shape)
        self.target = int(target)
        self.dtype = X.dtype
        self._xb = list(X.to_delayed().ravel())
        self._yb = list(y.to_delayed().ravel())
        self._sb = (
            [None] * len(self._xb)
            if sample_weight is None
            else list(sample_weight.to_delayed().ravel())
        )
        self.scale = 1.0
        self.raw_sum = float(self.n_samples)
        if sample_weight is not None:
            self.raw_sum = float(sample_weight.sum().compute())
            if not self.raw_sum > 0:
                raise ValueError("The sum of sample_weight must be positive.")
            self.scale = self.n_samples / self.raw_sum  # scikit-learn: weights sum to n
        self._moments: Moments | None = None
        self.n_passes = 0

    @property
    def size(self) -> int:
        return self.n_samples * self.n_features

    def _map_sum(self, fn: Any, *extra: Any) -> np.ndarray:
        import dask
        from dask import delayed

        extra_d = [delayed(e) if isinstance(e, np.ndarray) else e for e in extra]
        t = self.target
        parts = [
            delayed(fn, pure=True)(
                xb, delayed(_column, pure=True)(yb, t), sb, self.scale, *extra_d
            )  # fmt: skip
            for xb, yb, sb in zip(self._xb, self._yb, self._sb, strict=True)
        ]
        (total,) = dask.compute(_sum_tree(parts))
        self.n_passes += 1
        return np.asarray(total, dtype=np.float64)

    def moments(self) -> Moments:
        if self._moments is None:
            p = self.n_features
            v = self._map_sum(_moments_chunk)
            if not np.isfinite(v).all():
                raise ValueError("Input X or y contains NaN or infinity.")
            self._moments = Moments(
                float(v[0]), v[1 : 1 + p], v[1 + p : 1 + 2 * p], float(v[-2]), float(v[-1])
            )
        return self._moments

    def epoch(self, w: np.ndarray, b: float, r_out: Any = None) -> tuple:
        if r_out is not None:  # the residual lives on the workers
            raise NotImplementedError("DaskPass.epoch cannot return the residual")
        w = np.ascontiguousarray(w, dtype=np.float64)
        v = self._map_sum(_epoch_chunk, w, float(b))
        p = self.n_features
        return v[:p], float(v[p]), float(v[p + 1]), float(v[p + 2])

    def head(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The first ``k`` rows of X and y (computed: for the Gram solver's shift)."""
        import dask

        k = min(k, self.n_samples)
        yh = self.y[:k] if self.y.ndim == 1 else self.y[:k, self.target]
        Xh, yh = dask.compute(self.X[:k], yh)
        return np.asarray(Xh, dtype=np.float64), np.asarray(yh, dtype=np.float64)


def dask_gram_stats(data: DaskPass, fit_intercept: bool = True) -> Any:
    """:func:`fastnorm.linear_model._gram.gram_stats` of a :class:`DaskPass`: per-chunk
    shifted sums about one common shift, added on the workers, centred once here."""
    from fastnorm.linear_model._gram import _finish_stats, _pick_shift

    Xh, yh = data.head(65)
    shift, y_shift = _pick_shift(Xh, yh, fit_intercept)
    S = data._map_sum(_gram_chunk, np.ascontiguousarray(shift), float(y_shift))
    if not np.isfinite(S).all():
        raise ValueError("Input X or y contains NaN or infinity, or values too large to square.")
    # sw_scale 1.0: the weights in S are already normalised to sum n_samples, as the
    # estimators pass them to gram_stats in memory
    return _finish_stats(S, shift, y_shift, fit_intercept, data.n_samples, 1.0, data.dtype)


# ----------------------------------------------------------------------------- estimator fit
def fit(est: Any, X: Any, y: Any, sample_weight: Any = None) -> Any:
    """``est.fit(X, y, sample_weight)`` for Dask ``X``/``y`` (Lasso, ElasticNet, Ridge).

    Same objective, intercept, stopping rule and fitted attributes as the in-memory fit;
    ``solver="sgd"`` (sequential by nature) is not available on Dask arrays.
    """
    from fastnorm.linear_model._ridge import Ridge

    est._validate_params()
    dask = _dask()
    X, y, sw = prepare(X, y, sample_weight)  # every check before any work
    n, p = (int(s) for s in X.shape)
    solver = choose_solver(est.solver, n, p)
    if solver == "sgd":
        raise NotImplementedError(
            "solver='sgd' visits rows one at a time and cannot run on Dask arrays; use "
            "solver='stream' or 'gram' (or compute X and y to NumPy arrays first)"
        )
    if on_cluster():  # one copy of the chunks on the workers, kept for every epoch
        X, y, sw = dask.persist(X, y, sw)
    n_targets = 1 if y.ndim == 1 else int(y.shape[1])
    passes = [DaskPass(X, y, sw, target=t, persist=False, _prepared=True) for t in range(n_targets)]
    raw_sum = passes[0].raw_sum
    est._n_targets = n_targets  # read by Ridge._penalty (per-target alphas)
    l1, l2 = est._penalty(raw_sum, n)
    l1s = np.broadcast_to(np.asarray(l1, dtype=np.float64), (n_targets,))
    l2s = np.broadcast_to(np.asarray(l2, dtype=np.float64), (n_targets,))
    scale = est._obj_scale(raw_sum, n)
    max_iter = est.max_iter if est.max_iter is not None else est._default_max_iter

    w_init = None
    if est.warm_start and hasattr(est, "coef_"):
        c = np.asarray(est.coef_, dtype=np.float64).reshape(-1, p)
        if c.shape[0] == n_targets:
            w_init = c
    cb = est.callback
    if cb is not None and scale != 1.0:
        user_cb = cb

        def cb(k, obj, gap):
            return user_cb(k, obj * scale, gap * scale)

    coefs = np.zeros((n_targets, p))
    intercepts = np.zeros(n_targets)
    gaps = np.zeros(n_targets)
    n_iters: list = []
    paths: list = []
    for t, data in enumerate(passes):
        w0 = w_init[t] if w_init is not None else np.zeros(p)
        l1, l2 = float(l1s[t]), float(l2s[t])
        if solver == "gram":
            stats = dask_gram_stats(data, est.fit_intercept)
            last_yty = float(stats.yty) / float(stats.n)
            if isinstance(est, Ridge) and not est.positive:
                w, b, gap, it, hist, conv = _ridge(stats, l2, est.fit_intercept)
            else:
                w, b, gap, it, hist, conv = cd_on_stats(
                    est, stats, l1, l2, w0, max_iter, cb, last_yty
                )
        else:
            from fastnorm.linear_model._stream import fista

            prob = Problem.from_pass(data, l1, l2, est.positive, est.fit_intercept)
            last_yty = prob.yty / prob.n
            res = fista(prob, w0, max_iter, est.tol, cb, est.verbose)
            w, b, gap, it = res.w, prob.intercept(res.w), res.gap, res.n_iter
            hist, conv = res.objectives, res.converged or res.stopped
        if not conv:
            convergence_warning(gap * scale, est.tol * last_yty * scale, it, solver)
        coefs[t], intercepts[t], gaps[t] = w, b, gap * scale
        n_iters.append(it)
        paths.append(np.asarray(hist, dtype=np.float64) * scale)

    est.n_features_in_ = p
    return set_fitted(est, X.dtype, y.ndim, coefs, intercepts, gaps, n_iters, paths, solver)


def _ridge(stats, l2, fit_intercept):
    from fastnorm.linear_model._gram import ridge_gram

    w = np.asarray(ridge_gram(stats, l2 * float(stats.n)), dtype=np.float64)
    b = float(stats.y_offset - stats.X_offset @ w) if fit_intercept else 0.0
    G, Xty, n = np.asarray(stats.G), np.asarray(stats.Xty), float(stats.n)
    rss = float(stats.yty) - 2.0 * float(w @ Xty) + float(w @ G @ w)
    obj = 0.5 * rss / n + 0.5 * l2 * float(w @ w)
    return w, b, 0.0, 1, [obj], True
