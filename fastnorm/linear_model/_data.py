"""The in-memory data pass: fused passes over a NumPy array (or memmap), never copied.

See :mod:`fastnorm.linear_model._datafit` for the data-pass interface the data fits use;
the Dask backend provides the same one over chunks.
"""

from __future__ import annotations

import numpy as np

from fastnorm._config import run
from fastnorm._kernels import epoch as _k
from fastnorm.linear_model._blas import blas_threads
from fastnorm.linear_model._datafit import Moments
from fastnorm.linear_model._gram import gram_stats, gram_stats_many
from fastnorm.linear_model._problem import Problem
from fastnorm.linear_model._validation import check_all_finite

__all__ = ["KernelStats", "NumpyBackend", "NumpyPass"]


def _layout(X: np.ndarray) -> str:
    if X.flags.c_contiguous:
        return "C"
    if X.flags.f_contiguous:
        return "F"
    return "A"


class NumpyPass:
    """Fused passes over an in-memory (or memory-mapped) array, without copying it.

    Parameters
    ----------
    X : ndarray (n, p), float32 or float64
        C- or F-contiguous arrays are used in place (also read-only ones and memmaps); any
        other layout is copied once to C order.
    y : ndarray (n,)
        Converted to float64 (a copy of one column is cheap next to X).
    sample_weight : ndarray (n,) or None
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None) -> None:
        X = np.asarray(X)  # memmap -> plain ndarray view, no copy
        layout = _layout(X)
        if layout == "A":
            X = np.ascontiguousarray(X)
            layout = "C"
        self.X = X
        self.layout = layout
        self._Xk = X if layout == "C" else X.T  # what the kernels see: always C-contiguous
        self.n_samples, self.n_features = X.shape
        self.y = np.ascontiguousarray(y, dtype=np.float64)
        self.sw = (
            np.empty(0, dtype=np.float64)
            if sample_weight is None
            else np.ascontiguousarray(sample_weight, dtype=np.float64)
        )
        self.rpb = _k.block_rows(self.n_features, layout)
        self._moments: Moments | None = None
        self._y_moments: tuple[float, float, float] | None = None

    def with_y(self, y: np.ndarray) -> NumpyPass:
        """The pass over the same X (no second layout copy) and weights for another target."""
        return NumpyPass(self.X, y, self.sw if self.sw.shape[0] else None)

    @property
    def size(self) -> int:
        return self.n_samples * self.n_features

    @property
    def has_moments(self) -> bool:
        """Whether :meth:`moments` is already known (then it costs no pass)."""
        return self._moments is not None

    def y_moments(self) -> tuple[float, float, float]:
        """``(sum(sw), sw @ y, sw @ y**2)``: cheap, no pass over X."""
        if self._y_moments is None:
            y = self.y
            # einsum, not ``@``: a threaded BLAS call leaves its threads spinning beside the
            # fit's first parallel passes (200,000 x 200 Lasso: ~25% slower on 2 cores)
            if self.sw.shape[0]:
                sw_y = self.sw * y
                yy = float(np.einsum("i,i->", sw_y, y))
                self._y_moments = (float(self.sw.sum()), float(sw_y.sum()), yy)
            else:
                yy = float(np.einsum("i,i->", y, y))
                self._y_moments = (float(self.n_samples), float(y.sum()), yy)
        return self._y_moments

    def moments(self) -> Moments:
        if self._moments is None:
            p = self.n_features
            s = np.empty(p)
            q = np.empty(p)
            k = _k.colstats_rows if self.layout == "C" else _k.colstats_cols
            run(k, self.size, self._Xk, self.sw, self.rpb, s, q)
            self._moments = Moments(self.y_moments()[0], s, q, *self.y_moments()[1:])
        return self._moments

    def epoch(
        self, w: np.ndarray, b: float, r_out: np.ndarray | None = None
    ) -> tuple[np.ndarray, float, float, float]:
        return self._epoch(w, b, r_out, False)

    def epoch_with_moments(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float, float, float]:
        """:meth:`epoch`, computing :meth:`moments` in the same pass (C order; otherwise two
        passes)."""
        if self._moments is not None or self.layout != "C":
            self.moments()
            return self.epoch(w, b)
        return self._epoch(w, b, None, True)

    def _epoch(self, w, b, r_out, with_moments):
        p = self.n_features
        g = np.empty(p)
        s = np.empty(3)
        r = np.empty(0) if r_out is None else r_out
        w = np.ascontiguousarray(w, dtype=np.float64)
        args = (self._Xk, self.y, self.sw, w, float(b), self.rpb, g, s, r)
        if self.layout == "C":
            ms = np.empty(p if with_moments else 0)
            mq = np.empty(p if with_moments else 0)
            run(_k.epoch_lsq_rows, self.size, *args, ms, mq)
            if with_moments:
                self._moments = Moments(self.y_moments()[0], ms, mq, *self.y_moments()[1:])
        else:
            run(_k.epoch_lsq_cols, self.size, *args)
        return g, float(s[0]), float(s[1]), float(s[2])

    def sgd_epoch(
        self, w, order, xm, y_off, lr, l1, l2, proximal, positive, batch, rsnap=None,
        gfull=None,
    ) -> int:  # fmt: skip
        """One SGD epoch in place on ``w`` (float64); see ``_kernels.epoch.sgd_epoch_rows``."""
        empty = np.empty(0)
        return _k.sgd_epoch_rows.serial(
            self.X, self.y, self.sw, order, w, xm, float(y_off), float(lr), float(l1),
            float(l2), bool(proximal), bool(positive), int(batch),
            empty if rsnap is None else rsnap, empty if gfull is None else gfull,
        )  # fmt: skip


# ----------------------------------------------------------------------------- backends
class KernelStats:
    """The weighted, centred ``n x n`` kernel ``K = Xq Xq^T`` (``Xq = diag(sqrt(sw)) X_c``)
    and ``Yq = diag(sqrt(sw)) Y_c``: the dual (kernel ridge) form when p > n."""

    def __init__(self, K, Yq, q, X_off, y_off, n):
        self.K, self.Yq, self.q, self.X_off, self.y_off, self.n = K, Yq, q, X_off, y_off, n


class NumpyBackend:
    """How one fit reads in-memory X: data passes, Gram statistics and the kernel matrix.

    Every solver reaches X through one of these (``needs`` of the solver, see
    :mod:`fastnorm.linear_model._solvers`); :class:`~fastnorm.linear_model._dask_backend.
    DaskBackend` offers the same methods over Dask chunks.
    """

    provides = frozenset({"pass", "rows", "gram", "kernel"})
    #: Columns per block of the kernel-matrix pass: a centred float64 block of at most
    #: ~32 MB at a time, never a centred copy of X.
    _KERNEL_BLOCK = 1 << 22

    def __init__(self, owner, X, Y, sw, raw_sum, fit_intercept, y_ndim=2, gram=None):
        self.owner = owner  # the estimator, for scikit-learn's error messages
        self.X, self.Y, self.sw = X, Y, sw
        self.y_ndim = y_ndim
        self._gram = dict(gram or {})  # GramStats per target, when the caller has them
        self.n, self.p = X.shape
        self.k = Y.shape[1]
        self.dtype = X.dtype
        self.raw_sum = raw_sum
        self.fit_intercept = fit_intercept
        self._kernel = None

    def data_pass(self, t: int) -> NumpyPass:
        return NumpyPass(self.X, self.Y[:, t], self.sw)

    def problem(self, t: int, task) -> Problem:
        prob = Problem.from_pass(
            self.data_pass(t),
            task.l1,
            task.l2,
            task.positive,
            task.fit_intercept,
            task.w0,
            task.datafit,
        )
        if not prob.datafit.finite():
            check_all_finite(self.owner, self.X)
        return prob

    def problems_many(self, tasks) -> list:
        """One problem per target for the fused multi-target stream solver (``fista_many``):
        their data passes share one moments pass over X (copied once to C order when it is
        neither C- nor F-contiguous, as a single pass copies it)."""
        from fastnorm.linear_model._stream import problems_many

        base = NumpyPass(self.X, self.Y[:, 0], self.sw)
        m = base.moments()
        passes = []
        for t in range(self.k):
            dp = NumpyPass(base.X, self.Y[:, t], self.sw)
            sw_sum, y_sum, yy = dp.y_moments()
            dp._moments = Moments(sw_sum, m.colsum, m.colsq, y_sum, yy)
            passes.append(dp)
        # the fused kernels read each target's y as the single passes do: a row of Y (k, n)
        # by columns, a column of Y (n, k) by rows
        by_rows = base.layout == "C"
        Y = np.ascontiguousarray(self.Y if by_rows else self.Y.T, dtype=np.float64)
        shared = {"X": base._Xk, "Y": Y, "sw": base.sw, "rpb": base.rpb, "by_rows": by_rows}
        probs = problems_many(passes, shared, tasks)
        if not probs[0].datafit.finite():
            check_all_finite(self.owner, self.X)
        return probs

    def gram(self, t: int):
        """``gram_stats`` without a separate finiteness pass over X: its own pass detects
        NaN/inf, and only then does ``check_all_finite`` run, for scikit-learn's message.
        Statistics given to the constructor (``gram={t: GramStats}``) are used as they are."""
        if t in self._gram:
            return self._gram[t]
        try:
            if self.k == 1:
                return gram_stats(self.X, self.Y[:, t], sample_weight=self.sw,
                                  fit_intercept=self.fit_intercept)  # fmt: skip
            # k targets: one pass for all of them (bit-identical to k single passes), kept
            # for the other targets' calls
            stats = gram_stats_many(self.X, self.Y, sample_weight=self.sw,
                                    fit_intercept=self.fit_intercept)  # fmt: skip
            for i, s in enumerate(stats):
                self._gram.setdefault(i, s)
            return self._gram[t]
        except ValueError as exc:
            if "Input X contains" in str(exc):
                check_all_finite(self.owner, self.X)
            if "too large to square" in str(exc):  # finite X whose squares overflow
                raise ValueError(
                    "Coordinate descent iterations resulted in non-finite parameter values. "
                    "The input data may contain large values and need to be preprocessed."
                ) from exc
            raise

    def kernel(self) -> KernelStats:
        """The centred, weighted kernel matrix (computed once for every target).

        BLAS builds it, as scikit-learn does (``B @ B.T`` on the centred columns, a SYRK
        in X's dtype):
        it runs several times faster than our numba Gram loop at these sizes.  fastnorm's
        thread setting never reaches BLAS; a SYRK of up to ``ONE_THREAD_MAX`` multiply-adds
        runs on one BLAS thread (:mod:`._blas`), where its rounding does not depend on
        BLAS's thread count either.  The column means are numpy's pairwise sums (no parallel
        launch: the dual route is for p > n, where a pass over X is short).
        """
        if self._kernel is None:
            X, n, p = self.X, self.n, self.p
            s = self.sw
            sw_sum = float(n) if s is None else float(s.sum())
            if self.fit_intercept:
                X_off = self._col_means(s, sw_sum)
                if not np.all(np.isfinite(X_off)):
                    check_all_finite(self.owner, X)
                y_off = (self.Y.T @ s if s is not None else self.Y.sum(axis=0)) / sw_sum
            else:
                X_off = None
                y_off = np.zeros(self.k)
            q = np.sqrt(s) if s is not None else None
            blocks = self._blocks()
            with blas_threads(n * n * p // 2):
                if len(blocks) == 1:
                    B = self._centred(slice(0, p), X_off, q)
                    K = np.asarray(B @ B.T, dtype=np.float64)
                else:
                    K = np.zeros((n, n))
                    tmp = np.empty((n, n), dtype=X.dtype)
                    for blk in blocks:
                        B = self._centred(blk, X_off, q)
                        K += np.matmul(B, B.T, out=tmp)
            if not np.all(np.isfinite(K.diagonal())):  # NaN/inf in X, or squares overflowing
                check_all_finite(self.owner, X)
            Yq = self.Y - y_off
            if q is not None:
                Yq = Yq * q[:, None]
            X_off = np.zeros(p) if X_off is None else X_off
            self._kernel = KernelStats(K, Yq, q, X_off, y_off, sw_sum)
        return self._kernel

    def _col_means(self, s, sw_sum):
        if s is None:  # float32 summed in float64, without an upcast copy
            return self.X.sum(axis=0, dtype=np.float64) / sw_sum
        if self.X.dtype == np.float64:
            return (s @ self.X) / sw_sum
        out = np.empty(self.p)
        for blk in self._blocks():  # float32 and weights: upcast a block at a time
            out[blk] = s @ np.asarray(self.X[:, blk], dtype=np.float64)
        return out / sw_sum

    def rmatvec(self, A: np.ndarray) -> np.ndarray:
        """``Xq^T A`` for ``A`` (n, k): the primal coefficients of dual ones, (p, k).

        Computed as ``X^T (q A) - X_off (q^T A)^T`` (BLAS, no centred copy of X): with an
        intercept the dual solution has ``q^T A = 0`` up to rounding, so the correction is
        tiny and nothing cancels."""
        ks = self.kernel()
        V = np.asarray(A, dtype=np.float64)
        if ks.q is not None:
            V = V * ks.q[:, None]
        with blas_threads(self.n * self.p * V.shape[1]):
            # float32 X: a float32 product, as scikit-learn's (coef_ is float32 then)
            out = np.asarray(self.X.T @ V.astype(self.X.dtype, copy=False), dtype=np.float64)
        if self.fit_intercept:
            out -= np.outer(ks.X_off, V.sum(axis=0))
        return out

    def _blocks(self):
        bs = max(1, self._KERNEL_BLOCK // max(self.n, 1))
        return [slice(j, min(j + bs, self.p)) for j in range(0, self.p, bs)]

    def _centred(self, blk, X_off, q):
        """``X[:, blk]`` centred and weighted, in X's dtype (X itself when nothing changes).

        float32 X gives a float32 SYRK, as scikit-learn's: twice the speed of a float64
        one, with sums as accurate as scikit-learn's (the float32 data's own rounding,
        ``sqrt(p)`` times over at most)."""
        B = self.X[:, blk]
        dt = B.dtype
        if X_off is not None:
            B = B - X_off[blk].astype(dt)
        elif q is not None:
            B = B.copy()
        if q is not None:
            B *= q[:, None].astype(dt)
        return B
