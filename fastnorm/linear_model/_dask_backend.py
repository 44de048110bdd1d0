"""The Dask backend of the one fit loop: data passes, Gram statistics and the kernel matrix
computed over row chunks, on the workers.

The solvers reach the data only through a *data pass* (``moments()``, ``epoch(w, b)``,
``n_samples``, ``n_features``; see :mod:`fastnorm.linear_model._datafit`) or the Gram
statistics; :class:`DaskBackend` provides both, as ``NumpyBackend`` does for arrays in memory,
and :func:`fastnorm.linear_model._fit.fit` runs the same loop on either.

:class:`DaskPass` is the data pass of a Dask array chunked by rows: the row chunks of X, y (and
the weights) are persisted on the workers once, and every epoch maps the same fused numba
kernel (:meth:`NumpyPass.epoch`) over the chunks, sums the partial gradients and the loss/gap
sums in a fixed-order tree on the workers, and hands the ``p + 3`` numbers to the solver, which
updates on the client. So one epoch is one pass over the persisted chunks and the iterates are
those of the in-memory fit up to the rounding of the sums. The Gram solver sums per-chunk
*shifted, uncentred* ``(p+2) x (p+2)`` statistics about one common shift (the in-memory
solver's own :func:`~fastnorm.linear_model._gram._aug_gram`), centres the total once on the
client, where the solvers run on it; the dual Ridge form computes the n x n kernel matrix with
Dask.

Reliability comes from Dask: the persisted chunks keep their lineage, so when a worker dies the
scheduler recomputes the chunks it held and the epoch completes with the same sums.

Any Dask scheduler works (a ``distributed.Client`` in the session is used when there is one;
otherwise the local threaded scheduler).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from fastnorm.linear_model._data import KernelStats, NumpyPass
from fastnorm.linear_model._datafit import Moments
from fastnorm.linear_model._gram import _aug_gram, _finish_stats, _finish_stats_many, _pick_shift
from fastnorm.linear_model._problem import Problem
from fastnorm.linear_model._validation import dask_module, is_dask, prepare_dask

__all__ = ["DaskBackend", "DaskPass", "dask_gram_stats", "is_dask", "on_cluster", "prepare"]

#: Validation and layout of Dask input (kept under its old name).
prepare = prepare_dask
#: Partial sums combined per task of the summation tree (fixed: results do not depend on the
#: cluster, only on the chunking).
SPLIT_EVERY = 16


def on_cluster() -> bool:
    """True when Dask computes on a ``distributed`` cluster (a default ``Client``, or one set
    as the scheduler).  Only then are the chunks persisted: on the local schedulers the data
    already live in this process, or in a file (a memory map) that persisting would load
    into memory in full; each epoch then reads the chunks from their source instead."""
    import dask.base

    sched = dask.base.get_scheduler()
    owner = getattr(sched, "__self__", None)
    return type(owner).__name__ == "Client" and type(owner).__module__.startswith("distributed")


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
        dask = dask_module()
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

    @property
    def has_moments(self) -> bool:
        return self._moments is not None

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
    Xh, yh = data.head(65)
    shift, y_shift = _pick_shift(Xh, yh, fit_intercept)
    S = data._map_sum(_gram_chunk, np.ascontiguousarray(shift), float(y_shift))
    if not np.isfinite(S).all():
        raise ValueError("Input X or y contains NaN or infinity, or values too large to square.")
    # sw_scale 1.0: the weights in S are already normalised to sum n_samples, as the
    # estimators pass them to gram_stats in memory
    return _finish_stats(S, shift, y_shift, fit_intercept, data.n_samples, 1.0, data.dtype)


def _dask_gram_stats_many(data: DaskPass, y: Any, fit_intercept: bool) -> list:
    """:func:`dask_gram_stats` of every column of a 2-D ``y`` from one pass over the chunks
    (each target's statistics equal its own single-target pass)."""
    import dask
    from dask import delayed

    k = int(y.shape[1])
    m = min(65, data.n_samples)
    Xh, Yh = dask.compute(data.X[:m], y[:m])
    Xh = np.asarray(Xh, dtype=np.float64)
    Yh = np.asarray(Yh, dtype=np.float64)
    shift, _ = _pick_shift(Xh, Yh[:, 0], fit_intercept)
    y_shifts = np.median(Yh, axis=0) if fit_intercept else np.zeros(k)
    if not (np.isfinite(shift).all() and np.isfinite(y_shifts).all()):
        shift, y_shifts = np.zeros(data.n_features), np.zeros(k)
    sh, ysh = delayed(np.ascontiguousarray(shift)), delayed(np.ascontiguousarray(y_shifts))
    parts = [
        delayed(_gram_chunk, pure=True)(xb, yb, sb, data.scale, sh, ysh)
        for xb, yb, sb in zip(data._xb, data._yb, data._sb, strict=True)
    ]
    (S,) = dask.compute(_sum_tree(parts))
    S = np.asarray(S, dtype=np.float64)
    if not np.isfinite(S).all():
        bad = np.flatnonzero(~np.isfinite(np.diagonal(S)[data.n_features : -1]))
        raise ValueError(
            "Input X or y contains NaN or infinity, or values too large to square"
            + (f" (target column(s) {bad[:10].tolist()})." if bad.size else ".")
        )
    return _finish_stats_many(S, shift, y_shifts, fit_intercept, data.n_samples, 1.0,
                              data.dtype)  # fmt: skip


# ----------------------------------------------------------------------------- the backend
class DaskBackend:
    """How one fit reads a Dask X: the same methods as
    :class:`~fastnorm.linear_model._data.NumpyBackend`, computed over the row chunks.

    Validation happens here, before any work is scheduled; on a distributed cluster the
    chunks are persisted once, for every pass of every target.
    """

    #: ``"rows"`` (row-wise SGD updates) is sequential by nature: not on Dask arrays.
    provides = frozenset({"pass", "gram", "kernel"})

    def __init__(self, owner: Any, X: Any, y: Any, sample_weight: Any = None) -> None:
        dask = dask_module()
        X, y, sw = prepare_dask(X, y, sample_weight)
        if on_cluster():  # one copy of the chunks on the workers, kept for every epoch
            X, y, sw = dask.persist(X, y, sw)
        self.owner = owner
        self.X, self.y, self.sw = X, y, sw
        self.n, self.p = (int(s) for s in X.shape)
        self.y_ndim = y.ndim
        self.k = 1 if y.ndim == 1 else int(y.shape[1])
        self.dtype = X.dtype
        self.fit_intercept = bool(owner.fit_intercept)
        self._passes = [
            DaskPass(X, y, sw, target=t, persist=False, _prepared=True) for t in range(self.k)
        ]
        self.raw_sum = self._passes[0].raw_sum
        self._kernel = None
        self._gram: list | None = None
        owner.n_features_in_ = self.p

    def data_pass(self, t: int) -> DaskPass:
        return self._passes[t]

    def problem(self, t: int, task: Any) -> Problem:
        return Problem.from_pass(
            self._passes[t], task.l1, task.l2, task.positive, task.fit_intercept, None, task.datafit
        )

    def gram(self, t: int) -> Any:
        if self.k == 1:
            return dask_gram_stats(self._passes[t], self.fit_intercept)
        if self._gram is None:  # every target from one pass over the chunks
            self._gram = _dask_gram_stats_many(self._passes[0], self.y, self.fit_intercept)
        return self._gram[t]

    def kernel(self) -> KernelStats:
        """The centred, weighted n x n kernel matrix, computed by Dask (n is small when the
        dual form is chosen: p > n)."""
        if self._kernel is None:
            import dask

            m = self._passes[0].moments()
            n_w = m.sw_sum
            Y = self.y if self.y.ndim == 2 else self.y[:, None]
            scale = self._passes[0].scale
            s = None if self.sw is None else self.sw * scale
            if self.fit_intercept:
                X_off = m.colsum / n_w
                y_sum = (Y * s[:, None]).sum(axis=0) if s is not None else Y.sum(axis=0)
                (y_sum,) = dask.compute(y_sum)
                y_off = np.asarray(y_sum, dtype=np.float64) / n_w
            else:
                X_off = np.zeros(self.p)
                y_off = np.zeros(self.k)
            Xq, Yq, q = self._weighted(X_off, y_off, Y, s)
            K, Yq, q = dask.compute(Xq @ Xq.T, Yq, q)
            self._kernel = KernelStats(np.asarray(K, dtype=np.float64), np.asarray(Yq),
                                       None if q is None else np.asarray(q), X_off, y_off,
                                       float(n_w))  # fmt: skip
        return self._kernel

    def _weighted(self, X_off, y_off, Y, s):
        Xc = self.X.astype(np.float64) - X_off
        Yc = Y - y_off
        q = None
        if s is not None:
            q = s**0.5
            Xc = Xc * q[:, None]
            Yc = Yc * q[:, None]
        return Xc, Yc, q

    def rmatvec(self, A: np.ndarray) -> np.ndarray:
        """``Xq^T A`` for ``A`` (n, k): the primal coefficients of dual ones, (p, k)."""
        import dask
        import dask.array as da

        ks = self.kernel()
        s = None if self.sw is None else self.sw * self._passes[0].scale
        Y = self.y if self.y.ndim == 2 else self.y[:, None]
        Xq, _, _ = self._weighted(ks.X_off, ks.y_off, Y, s)
        Ad = da.from_array(np.asarray(A, dtype=np.float64), chunks=(self.X.chunks[0], -1))
        (out,) = dask.compute(Xq.T @ Ad)
        return np.asarray(out, dtype=np.float64)
