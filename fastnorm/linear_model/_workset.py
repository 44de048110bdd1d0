"""The working-set solver of Lasso and ElasticNet (``solver="workset"``).

The idea of celer, skglm and blitz: most features are zero at the optimum, so solve a
sequence of small problems on the features that matter.  Each outer step is

1. one pass over X: ``X_c^T W R`` from the residual the inner solver kept (the centring is
   one ``x_mean * sum(W R)`` term, X is never centred nor copied), then the objective and
   scikit-learn's duality gap (residual rescaling), so ``dual_gap_``, ``tol`` and the
   stopping rule are scikit-learn's: stop when the gap is at most ``tol * ||y_c||^2 / n``;
   serial below ``WS_PARALLEL_MIN`` elements, one parallel region above;
2. gap-safe screening (features proved zero leave for good) and the working set: the
   support plus the features whose dual constraint is closest to violated, ``max(WS_START,
   2 * nnz)`` of them (celer's and skglm's pruning), doubling while the gap stalls;
3. the working set's columns gathered (weighted, centred through the column means) into a
   contiguous float64 block kept across outer steps (only new columns are read), then
   cyclic coordinate descent with Anderson acceleration on that block until the restricted
   gap is under ``WS_INNER_FRAC`` times the outer gap (to the final tolerance once the set
   holds every unscreened feature).

On tall data (``n >= WS_GRAM_MIN_ROWS`` and ``n >= WS_GRAM_RATIO * |WS|``) step 3 is
instead coordinate descent on the working set's Gram matrix, kept by feature across steps
(only the new columns' rows are computed; F-ordered X is read in place), solved to the
final tolerance: one pass over X per outer step and ``|WS|^2`` per epoch.

``n_iter_`` counts the outer steps (passes over X).  Needs in-memory X (C or F order; the
data pass copies other layouts once to C order, as every pass-based solver does).
"""

from __future__ import annotations

import numpy as np

from fastnorm._config import get_num_threads, run
from fastnorm._kernels import epoch as _ke
from fastnorm._kernels import gram as _kg
from fastnorm._kernels import penalty as _kp
from fastnorm._kernels import workset as _kw
from fastnorm.linear_model._datafit import Quadratic, enet_gap
from fastnorm.linear_model._problem import SolveResult, Task, path_progress
from fastnorm.linear_model._solvers import Solver, get, register
from fastnorm.linear_model._validation import check_all_finite

__all__ = ["path_prepare", "solve_workset", "workset_path"]

#: First working-set size (celer starts at 100 features and skglm at 10; 32 measured best
#: between them on benchopt's Lasso grid, see bench/README.md).
WS_START = 32
#: Inner stopping: restricted gap <= WS_INNER_FRAC * outer gap (celer's 0.3).
WS_INNER_FRAC = 0.3
#: Anderson extrapolation from the last WS_ANDERSON + 1 iterates (skglm's K = 5).
WS_ANDERSON = 5
#: Dual extrapolation (celer's) from the residuals of the inner solver's last WS_DUAL_K + 1
#: epochs; 0 disables it.  Off: beside the primal Anderson extrapolation it never cut the
#: outer steps of benchopt's grid and cost 5-10% CPU time (its extra sweep per gap check);
#: 100 x 10000 reg 0.01 took 11 outer steps with it against 9 without (bench/README.md).
#: It pays without Anderson (1400-epoch inner solves then ended on its gap).
WS_DUAL_K = 0
#: A path's alpha whose warm start (the previous alpha's solution) is already within tol
#: still gets one inner solve, to WS_INNER_FRAC times its gap in at most WS_PATH_POLISH
#: epochs, on its support and ``nnz / WS_POLISH_MARGIN`` more features (0 disables).  The
#: gap bounds the suboptimality only loosely where the support nears n: on 1000 x 5000 the
#: path's last alphas ended at relative gaps of 1e-3 with the previous alpha's coefficients
#: unchanged (max relative suboptimality 2.6e-3 at tol 1e-5), while a few hundred epochs
#: take them to 1e-7 (bench/README.md, "Wide paths").  On well-conditioned alphas the
#: restricted gap meets its target at the first check (WS_CHECK epochs).  Not in the CV
#: paths: their test errors do not need it.
WS_PATH_POLISH = 480
WS_POLISH_MARGIN = 8
#: The inner solve goes to the final tolerance once every feature outside the working set
#: has ``|x_j^T theta| < WS_SETTLED`` times the dual norm (1 disables).
WS_SETTLED = 0.99
#: The restricted gap costs one sweep: computed every WS_CHECK epochs.
WS_CHECK = 12
#: Zero coordinates skipped in the inner epochs between the first and last of each
#: WS_CHECK period, unless the previous epoch brought a zero coordinate in (0: never).
WS_LAZY = 12
#: A rejected Anderson extrapolation is retried with the coordinates it moves off zero or
#: across it held, while the working set has at most WS_HOLD_NNZ * n non-zeros and p is at
#: most WS_HOLD_P_RATIO * n (inner epochs: 500 x 600 reg 0.01 84 -> 60; on 100 x 10000,
#: supports of 0.99 n, the retries stalled final solves: benchopt's rho 0 reg 0.01 problem
#: took 20 ms instead of 11; bench/README.md).
WS_HOLD_NNZ = 0.9
WS_HOLD_P_RATIO = 5
#: Inner epochs per outer step at most (celer's max_epochs is 50000).
WS_MAX_EPOCHS = 50_000
#: Elements of X below which the outer passes run serially.  A fit makes one pass per outer
#: step (10-20 of them): on 2 cores shared with another CPU-bound process, each parallel
#: region waited ~70 ms for a descheduled thread (100 x 10000: 1 s against 40 ms serial),
#: while a serial pass over 16M elements takes ~5-15 ms; at the former 4M threshold the
#: 5M-element large-support fits (1000 x 5000, 5000 x 1000) were 2-2.5x slower parallel
#: than serial with one other process on the 2 cores (bench/README.md).
WS_PARALLEL_MIN = 1 << 24
#: Elements (p * n) up to which a single fit's working set is every feature, when p is at
#: most WS_FULL_P_RATIO * n: on such small problems an outer step's Python (~0.1 ms) costs
#: more than epochs over all columns, which the inner solver's lazy sweeps soon narrow
#: (100 x 128: 0.48 ms against 0.57 from 32 features and scikit-learn's 0.49).  Raised from
#: 2^15 at stop 21: 300 x 300 to 500 x 500 took 10-40% less CPU time with every feature
#: (300 x 300 float32 reg 0.01: 3 outer steps fewer), except 500 x 500 rho 0.6 reg 0.1 (6%
#: more); on wide data (20 x 1500 reg 0.01: 15 ms against 1.3) the growing set wins
#: (bench/README.md, "Small and mid shapes (stop 21)").
WS_FULL_MAX = 1 << 18
WS_FULL_P_RATIO = 1.5
#: A larger cold fit (p at most WS_FULL_P_RATIO * n) takes every feature after its first
#: pass when at least WS_VIOL_ALL * p of them violate their KKT condition at w = 0: the
#: support is then a large share of p (1500 x 1500 alpha 0.1: 86% violate, 610 non-zeros),
#: and growing a set towards it cost three inner restarts (0.92x scikit-learn against 1.19x
#: with every feature); with fewer violators the growing set wins (2000 x 2000 rho 0.9,
#: 74%: 2.14x against 1.84x; bench/README.md, "Mid shapes with a large support (stop 21)").
WS_VIOL_ALL = 0.75
#: Elements (p * n) up to which the gathered block is allocated for all p columns at once: its
#: untouched rows cost nothing (no page is faulted in before a gather writes it), and the
#: doubling growth's row copies were ~10% of a 500 x 600 fit.
WS_BLOCK_FULL = 1 << 23
#: The inner solver runs coordinate descent on the working set's Gram matrix (``|WS|^2 n / 2``
#: multiply-adds for the new columns' block, then epochs of ``|WS|^2``) instead of on its
#: columns (``2 |WS| n`` per epoch) when n is at least WS_GRAM_MIN_ROWS and at least
#: WS_GRAM_RATIO times the working set's size (bench/README.md, "Gram inner solver").
WS_GRAM_MIN_ROWS = 10_000
WS_GRAM_RATIO = 16
#: ... and its first working set (not grown from WS_START: each growth step costs a pass
#: over X, while a 64-column block costs a third of one on 200000 x 200)
WS_GRAM_START = 64
#: Bytes of the gathered block reserved at once for the Gram inner solver's growing sets.
WS_GRAM_BLOCK = 1 << 30
#: Columns whose Gram rows the cache keeps at most (it restarts from the working set beyond).
WS_GRAM_CACHE = 2048
#: On tall data (n >= WS_SEED_MIN_ROWS and n >= WS_SEED_RATIO * p) the first working set is
#: seeded from a fit on every WS_SEED_STRIDE-th row (its own p x p Gram system, ``n p^2 / 2``
#: divided by the stride, to the relative gap WS_SEED_TOL): its support plus its
#: WS_SEED_MARGIN * support + WS_SEED_EXTRA strongest violators, warm-started from its
#: coefficients.  On 200000 x 200 rho 0.6 reg 0.01 the 64 columns of largest |x_j^T y| missed
#: 12 of the 40 support members (three inner solves, four passes), the seed misses none
#: (bench/README.md, "Seeding tall working sets").  The seed only moves the starting point.
#: The subsample's support already overshoots the full one (57 for 40 there; 43 for 39 at
#: rho 0): a margin of 1.25 made the set 79 columns, and the set's Gram block grows as its
#: square, so 1.0 (65 columns; the same passes on six tall problems, bench/README.md, "Tall
#: working set (stop 21)").
WS_SEED_MIN_ROWS = 50_000
WS_SEED_RATIO = 500
WS_SEED_STRIDE = 8
WS_SEED_PARTS = 8
WS_SEED_TOL = 1e-4
WS_SEED_MARGIN = 1.0
WS_SEED_EXTRA = 8
#: ... and every unscreened feature once that set holds WS_SEED_ALL of them: the rest cost
#: less than the pass a missed feature costs (100000 x 200 reg 0.001, support 134: 187
#: columns took two passes, 545 ms against 395 for all 200 in one, bench/README.md).
WS_SEED_ALL = 0.75


#: ``solver="auto"`` takes the Gram solver when ``n >= AUTO_GRAM_MIN_RATIO * p`` (and p is
#: at most ``AUTO_GRAM_MAX_P``), the working set otherwise (bench/README.md).
AUTO_GRAM_MIN_RATIO = 10
#: ... and when p is at most AUTO_WS_MIN_P: such a Gram system costs little, and the Gram
#: solver runs scikit-learn's own iterates (the same coefficients at the default ``tol``,
#: which is what a user who swapped the import compares).
AUTO_WS_MIN_P = 128
#: ... except on tall data with at least AUTO_WS_GRAM_MIN_P features (and WS_GRAM_MIN_ROWS
#: rows): there the working set with its Gram inner solver (a few passes and the Gram matrix
#: of the set only) beat the full Gram system (``p^2 n / 2``) 1.2-6.7x at p = 1000-2000; at
#: p = 200-700 it won 2-4x on small supports but lost up to 1.5x on supports of a quarter
#: of the features (bench/README.md, "Gram inner solver").
AUTO_WS_GRAM_MIN_P = 1000


_ALL_ROWS = np.empty((0, 2), dtype=np.int64)  # gram_block's segments: every row


def _small(pp) -> bool:
    """Whether a single fit takes every feature at once (``WS_FULL_MAX``)."""
    return pp.size <= WS_FULL_MAX and pp.p <= WS_FULL_P_RATIO * pp.n_rows


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``a @ b`` of two long vectors without BLAS: numpy's ``@`` hands them to the threaded
    BLAS, whose threads wake on every call and, beside the kernels' own threads on a busy
    machine, wait for a core (200,000 float64 right after a parallel pass: 8-20 ms against
    0.3 ms here, bench/README.md, "Tall working set (stop 21)")."""
    return float(np.einsum("i,i->", a, b))


def _run(k, size: int, *args):
    if size < WS_PARALLEL_MIN:
        return k.serial(*args)
    return run(k, size, *args)


class _Prepared:
    """What every solve on one (X, y, sample_weight) shares: the layout, the centring through
    the column means, the column norms and the weighted centred y (one pass over X)."""

    def __init__(self, data, fit_intercept: bool, owner, X, defer: bool = False) -> None:
        self.data = data
        p = self.p = data.n_features
        self.n_rows, self.size = data.n_samples, data.size
        self.Xk, sw = data._Xk, data.sw
        self.by_cols = data.layout == "F"
        self.fit_intercept = bool(fit_intercept)
        self.q = np.sqrt(sw) if sw.shape[0] else np.empty(0)
        # a single fit of a small problem works on every feature at once (WS_FULL_MAX; a
        # path's warm starts keep the growing sets: 60 x 500, 100 alphas, 2x slower so)
        self.full_ws = False
        # an F-ordered float64 X without centring nor weights already holds the block's rows:
        # the inner solver reads its columns in place (no gather: 5-10% of a 500 x 600 fit)
        self.direct = (
            self.by_cols and not fit_intercept and not sw.shape[0]
            and self.Xk.dtype == np.float64 and self.Xk.flags.writeable
        )  # fmt: skip
        if defer:  # a seeded tall fit: the moments come with its first pass (see _defer_xtv)
            self.n = data.y_moments()[0]
            self._deferred = (owner, X)
            self.xoff = np.zeros(p)
            self._target(data)
            return
        # moments (column means and norms) in one pass of our own, serial when X is small
        colsum, colsq = np.empty(p), np.empty(p)
        kern = _ke.colstats_cols if self.by_cols else _ke.colstats_rows
        if self.by_cols and self.n_rows >= WS_GRAM_MIN_ROWS:
            self._colstats_xtv0(data, fit_intercept, sw, colsum, colsq)
        else:
            _run(kern, self.size, self.Xk, sw, data.rpb, colsum, colsq)
        self.n = data.y_moments()[0]  # sum(sw): the same for every target
        self._moments(colsum, colsq, owner, X)
        self._target(data)

    def _moments(self, colsum, colsq, owner, X) -> None:
        """The centring ``xoff`` and the centred squared norms ``L`` from the column sums of
        X (and of its squares); a non-finite X raises scikit-learn's message (numpy's for
        the path functions, ``owner`` None)."""
        if not (np.all(np.isfinite(colsum)) and np.all(np.isfinite(colsq))):
            if owner is None:
                raise ValueError("Input X contains NaN or infinity.")
            check_all_finite(owner, X)
        if self.fit_intercept:
            self.xoff = colsum / self.n
            self.L = np.maximum(colsq - self.n * self.xoff * self.xoff, 0.0)
        else:
            self.xoff = np.zeros(self.p)
            self.L = colsq

    def _colstats_xtv0(self, data, fit_intercept, sw, colsum, colsq) -> None:
        """The column moments and the first outer step's ``X^T W y_c`` (from zero
        coefficients) in one pass over a tall F-ordered X: that pass was a third of a tall
        fit's passes.  :meth:`xtv` hands the product out once, when asked for it."""
        n, y_sum, _ = data.y_moments()
        yq = data.y - (y_sum / n if fit_intercept else 0.0)
        if sw.shape[0]:  # the vector _steps asks for: yq * q, yq = (y - y_off) * q
            q = np.sqrt(sw)
            v0 = (yq * q) * q
        else:
            v0 = yq
        v0 = np.ascontiguousarray(v0, dtype=np.float64)
        raw = np.empty(self.p)
        _run(_kw.colstats_xtv_cols, self.size, self.Xk, sw, v0, colsum, colsq, raw)
        self._xtv0 = (v0, raw)

    def _defer_xtv(self, V: np.ndarray) -> np.ndarray:
        """The deferred moments and ``X_c^T V[0]`` in one pass (:func:`_steps` seeds first).
        The moments replace the subsample's column means that centred the seeded set: the
        caller shifts its residual and the kept Gram block by the difference."""
        owner, X = self.__dict__.pop("_deferred")
        p = self.p
        colsum, colsq, raw = np.empty(p), np.empty(p), np.empty(p)
        v = np.ascontiguousarray(V[0], dtype=np.float64)
        _run(_kw.colstats_xtv_cols, self.size, self.Xk, self.data.sw, v, colsum, colsq, raw)
        self._moments(colsum, colsq, owner, X)
        if self.fit_intercept:
            raw -= float(v.sum()) * self.xoff
        return raw[None, :]

    def _target(self, data) -> None:
        """The target's part: its centred, weighted y and ``||y_c||^2`` (no pass over X)."""
        self.data = data
        n, y_sum, yy = data.y_moments()
        self.y_off = y_sum / n if self.fit_intercept else 0.0
        self.yty = max(yy - n * self.y_off * self.y_off, 0.0) if self.fit_intercept else yy
        yq = data.y - self.y_off
        self.yq = yq * self.q if self.q.shape[0] else yq

    def for_target(self, data) -> _Prepared:
        """The same X (layout, moments: no pass) for another target ``data`` (a data pass
        over the same X); the gathered block is the target's own (its working sets)."""
        other = object.__new__(_Prepared)
        other.__dict__.update(
            {
                k: v
                for k, v in self.__dict__.items()
                if k not in ("_buf", "_slot", "_Lbuf", "_wsgram")
            }
        )
        other._target(data)
        return other

    def gathered(self, ws: np.ndarray, keep: bool = False):
        """``(B, L, rows)``: the columns ``ws`` gathered (weighted, centred, float64) into
        the kept block ``B`` at ``B[rows]``, their squared norms at ``L[rows]``.

        Only the columns no earlier outer step (or a path's earlier alpha) gathered are read
        from X: successive working sets share their support, and on C-ordered X a gather is
        a transpose, the outer step's costliest part after the inner solve (5000 x 1000:
        7 outer steps gathered 32 + 64 + ... + 798 columns).  One buffer, grown by
        doubling: a fresh multi-MB array per step cost more in page faults than the gather
        itself (500 x 5000 ElasticNet: ~40% of the fit); a grown buffer takes the kept rows
        by one sequential copy.  When more than p columns would be kept, the block restarts
        with ``ws`` alone."""
        if self.direct:
            return self.Xk, self.L, ws
        m = ws.shape[0]
        buf = getattr(self, "_buf", None)
        slot = getattr(self, "_slot", None)
        if slot is None:
            slot = self._slot = np.full(self.p, -1, dtype=np.int64)
            self._used = 0
        if self.by_cols and not keep:  # keep: the Gram inner solver reads only new columns
            # F-ordered X: a gather is a sequential column copy, no dearer than moving kept
            # rows on growth, and a fresh gather keeps the rows in CD order in memory
            slot[:] = -1
            self._used = 0
        new = ws[slot[ws] < 0]
        cap = 0 if buf is None else buf.shape[0]
        need = self._used + new.shape[0]
        if need > cap:
            if need > self.p:  # stale columns fill the block: start again from ws
                slot[:] = -1
                self._used = 0
                new = ws
                need = m
            if need > cap:
                cap = min(self.p, max(need, 2 * cap))
                if self.p * self.n_rows <= WS_BLOCK_FULL:
                    cap = self.p
                elif keep:  # room to grow without copies (untouched rows cost no page)
                    cap = max(cap, min(self.p, WS_GRAM_BLOCK // (8 * self.n_rows)))
                grown = np.empty((cap, self.n_rows))
                Lg = np.empty(cap)
                if self._used:
                    grown[: self._used] = buf[: self._used]
                    Lg[: self._used] = self._Lbuf[: self._used]
                buf = self._buf = grown
                self._Lbuf = Lg
        rows_new = np.arange(self._used, self._used + new.shape[0], dtype=np.int64)
        slot[new] = rows_new
        self._used += new.shape[0]
        if new.shape[0]:
            _kw.gather_ws.serial(self.Xk, self.by_cols, new, self.xoff, self.q, buf,
                                 self._Lbuf, rows_new)  # fmt: skip
        return buf, self._Lbuf, slot[ws]

    def gram_source(self, ws: np.ndarray):
        """``(S, rows, off, q)``: where the Gram inner solver reads column ``ws[k]``, as
        ``q * (S[rows[k]] - off[rows[k]])``.  F-ordered X is read in place (its columns are
        ``X.T``'s rows: nothing gathered; a fresh block of the set's columns cost more in
        page faults than its Gram block in arithmetic); C-ordered X through the gathered
        block (a transpose, kept across steps: only new columns are read)."""
        if self.by_cols:
            return self.Xk, ws, self.xoff, self.q
        B, _, rows = self.gathered(ws, True)
        if getattr(self, "_zoff", None) is None:
            self._zoff = np.zeros(B.shape[0])
        if self._zoff.shape[0] < B.shape[0]:
            self._zoff = np.zeros(B.shape[0])
        return B, rows, self._zoff, np.empty(0)

    def residual_ws(self, ws: np.ndarray, w_ws: np.ndarray) -> np.ndarray:
        """The weighted residual of coefficients ``w_ws`` on ``ws`` (zero elsewhere), from the
        set's columns only (see :meth:`gram_source`)."""
        S, rows, off, q = self.gram_source(ws)
        R = np.empty(self.n_rows)
        nz = w_ws != 0.0
        _kw.residual_src.serial(S, rows[nz], w_ws[nz], off, q, self.yq, R)
        return R

    def residual(self, w: np.ndarray) -> np.ndarray:
        """The weighted residual ``q * (y_c - X_c w)``."""
        if not np.any(w):
            return self.yq.copy()
        r = np.empty(self.n_rows)  # one data epoch
        self.data.epoch(w, self.y_off - float(self.xoff @ w), r)
        return -r * self.q if self.q.shape[0] else -r

    def intercept(self, w: np.ndarray) -> float:
        return self.y_off - float(self.xoff @ w) if self.fit_intercept else 0.0

    def xty(self) -> np.ndarray:
        """``X_c^T W y_c`` (the alpha grid's statistic): one pass."""
        v = self.yq * self.q if self.q.shape[0] else self.yq
        return self.xtv(v[None, :])[0]

    def xtv(self, V: np.ndarray) -> np.ndarray:
        """``X_c^T V[t]`` for each row of ``V`` (k, n): one pass over X."""
        if "_deferred" in self.__dict__:
            return self._defer_xtv(V)
        out = np.empty((V.shape[0], self.p))
        x0 = self.__dict__.pop("_xtv0", None)  # the preparation's product (once)
        if x0 is not None and V.shape[0] == 1 and np.array_equal(V[0], x0[0]):
            out[0] = x0[1]
        elif self.by_cols:
            _run(_kw.xtv_cols, self.size, self.Xk, V, out)
        else:
            _run(_kw.xtv_rows, self.size, self.Xk, V, self.data.rpb, out)
        if self.fit_intercept:
            out -= np.outer(V.sum(axis=1), self.xoff)
        return out


class _WsGram:
    """The Gram matrix of the gathered columns and their products with the weighted target,
    kept by feature across outer steps (and a path's alphas): a new working set costs only the
    rows of its new columns, ``|new| x |WS|`` dot products of length n (the Gram inner
    solver's one pass over the gathered block)."""

    def __init__(self, p: int) -> None:
        self.slot = np.full(p, -1, dtype=np.int64)
        self.limit = min(p, WS_GRAM_CACHE)
        self.used = 0
        self.G = np.empty((0, 0))
        self.ok = np.zeros((0, 0), dtype=np.bool_)  # which entries of G were computed
        self.qy = np.empty(0)

    def shift(self, d: np.ndarray, n: float) -> None:
        """Re-centre the kept block from column means ``m`` to ``m + d`` (no weights):
        ``G -= n d d^T``; the products with the centred target do not move."""
        u = self.used
        dk = np.zeros(u)
        kept = np.flatnonzero(self.slot >= 0)
        dk[self.slot[kept]] = d[kept]
        self.G[:u, :u] -= n * np.outer(dk, dk)

    def block(self, S, rows, off, q, ws, yq, sub=None):
        """``(Q, qy)``: the working set's Gram matrix (m, m) and its columns' products with
        ``yq``; column ``ws[k]`` is ``q * (S[rows[k]] - off[rows[k]])`` (see ``gram_block``).
        ``sub``: ``(segs, Gs, qys)`` on an empty cache, the rows ``segs`` to read and the
        rest's block and products (a seeded set's subsample, see :func:`_seed`)."""
        m = ws.shape[0]
        s = self.slot[ws]
        new = s < 0
        n_new = int(np.count_nonzero(new))
        lim = max(self.limit, m)
        if self.used + n_new > lim:  # full: start again from the working set
            self.slot[:] = -1
            self.used = 0
            s[:] = -1
            new[:] = True
            n_new = m
        cap = self.G.shape[0]
        if self.used + n_new > cap:
            cap = min(lim, max(self.used + n_new, 2 * cap))
            G = np.empty((cap, cap))
            ok = np.zeros((cap, cap), dtype=np.bool_)
            qy = np.empty(cap)
            u = self.used
            G[:u, :u] = self.G[:u, :u]
            ok[:u, :u] = self.ok[:u, :u]
            qy[:u] = self.qy[:u]
            self.G, self.ok, self.qy = G, ok, qy
        s[new] = np.arange(self.used, self.used + n_new)
        self.slot[ws[new]] = s[new]
        self.ok[s[new], :] = False
        self.ok[:, s[new]] = False
        self.used += n_new
        # columns lacking an entry against another column of the set (they met only now)
        redo = new | ~self.ok[np.ix_(s, s)].all(axis=1)
        ia = np.flatnonzero(redo)
        if ia.shape[0]:
            oth = np.flatnonzero(~redo)
            na, no = ia.shape[0], oth.shape[0]
            ra = rows[ia]
            ra = np.concatenate((ra, np.full(-na % 4, ra[-1], dtype=np.int64)))
            ma = ra.shape[0]
            rc = np.concatenate((ra, rows[oth], np.full(1 + (-(ma + no + 1)) % 4, -1, np.int64)))
            n = yq.shape[0]
            chunk = 512 if rc.shape[0] <= 96 else 256  # the chunk's columns stay in L2
            n_groups = max(1, min(16, n // (8 * chunk)))  # never from the thread count
            out = np.empty((ma, rc.shape[0]))
            # the size the parallel threshold reads: multiply-adds per 4 (a pass reads 4
            # bytes of float32 per multiply-add): a compute-bound block of tens of ms
            segs = _ALL_ROWS if sub is None else sub[0]
            _run(_kg.gram_block, ma * rc.shape[0] * n // 4, S, rc, ma, off, q, yq, n_groups,
                 chunk, segs, out)  # fmt: skip
            if sub is not None:  # every column is new: ia is the whole set, oth empty
                out[:na, :na] += sub[1]
                out[:na, ma + no] += sub[2]
            sq = out[:na, :na]  # symmetric (gram_block mirrors it)
            si, so = s[ia], s[oth]
            self.G[np.ix_(si, si)] = sq
            self.G[np.ix_(si, so)] = out[:na, ma : ma + no]
            self.G[np.ix_(so, si)] = out[:na, ma : ma + no].T
            self.ok[np.ix_(si, s)] = True
            self.ok[np.ix_(s, si)] = True
            self.qy[si] = out[:na, ma + no]
        return self.G[np.ix_(s, s)], self.qy[s]


def _sub_stats(X, y, sw, fit_intercept: bool):
    """The Gram statistics ``(G, Xty, yty, n, (mu, yb, W, los, b))`` of a row subsample (``mu``,
    ``yb`` its weighted means, ``W`` its raw weight, ``los`` and ``b`` its blocks' first rows
    and length): WS_SEED_PARTS evenly
    spaced blocks of contiguous rows, ``1 / WS_SEED_STRIDE`` of the rows in all (a strided
    view ``X[::8]`` of F-ordered float64 X reads every cache line: 47 ms against 28 ms for
    the same rows in one block, 200000 x 200, one thread).  The blocks' centred statistics
    are merged about the overall weighted means (Chan's parallel update: no cancellation),
    weights rescaled to sum to the subsample's rows as :func:`gram_stats` does.  The blocks'
    passes run in one parallel region (:func:`gram_stats_blocks`), each block serial."""
    from fastnorm.linear_model._gram import gram_stats_blocks

    n = X.shape[0]
    parts = WS_SEED_PARTS
    b = max(1, n // (WS_SEED_STRIDE * parts))
    step = n // parts
    los = np.arange(parts, dtype=np.int64) * step
    if sw is None and not fit_intercept and X.flags.f_contiguous:  # float64 or float32
        return _sub_stats_raw(X, y, los, b)
    if sw is not None:  # a block of zero weights holds nothing (gram_stats refuses it)
        los = los[[float(sw[lo : lo + b].sum()) > 0.0 for lo in los]]
    sts = gram_stats_blocks(X, y, sw, fit_intercept, los, b) if los.shape[0] else []
    if not sts:
        return None
    W = np.array([st.n / st.sw_scale for st in sts])  # each block's raw weight
    mu = sum(Wk * st.X_offset for Wk, st in zip(W, sts, strict=True)) / W.sum()
    yb = sum(Wk * st.y_offset for Wk, st in zip(W, sts, strict=True)) / W.sum()
    G = np.zeros((X.shape[1], X.shape[1]))
    Xty = np.zeros(X.shape[1])
    yty = 0.0
    for Wk, st in zip(W, sts, strict=True):
        d, e = st.X_offset - mu, st.y_offset - yb
        G += st.G / st.sw_scale + Wk * np.outer(d, d)
        Xty += st.Xty / st.sw_scale + Wk * e * d
        yty += st.yty / st.sw_scale + Wk * e * e
    ns = float(b * len(sts))
    c = ns / W.sum()
    return G * c, Xty * c, yty * c, ns, (mu, yb, float(W.sum()), los, b)


def _sub_stats_raw(X, y, los, b):
    """:func:`_sub_stats` without intercept nor weights on F-ordered X: the raw sums
    over the blocks' rows, as one ``gram_block`` over them (``X.T`` read in place; no shifts,
    no per-block accumulators to merge: 200000 x 200, one thread, 19 ms against 27)."""
    n, p = X.shape
    yv = np.ascontiguousarray(y, dtype=np.float64)
    segs = np.column_stack((los, los + b)).astype(np.int64)
    ra = np.arange(p, dtype=np.int64)
    ra = np.concatenate((ra, np.full(-p % 4, p - 1, dtype=np.int64)))
    ma = ra.shape[0]
    rc = np.concatenate((ra, np.full(1 + (-(ma + 1)) % 4, -1, dtype=np.int64)))
    ns = float(b * los.shape[0])
    n_groups = max(1, min(16, int(ns) // (8 * 256)))  # never from the thread count
    out = np.empty((ma, rc.shape[0]))
    _run(_kg.gram_block, int(ns) * ma * rc.shape[0] // 4, X.T, rc, ma, np.zeros(p),
         np.empty(0), yv, n_groups, 256, segs, out)  # fmt: skip
    if not np.isfinite(out).all():
        raise ValueError("Input X contains NaN or infinity.")
    yty = sum(_dot(yv[lo : lo + b], yv[lo : lo + b]) for lo in los)
    return out[:p, :p].copy(), out[:p, ma].copy(), yty, ns, (np.zeros(p), 0.0, ns, los, b)


def _seeds(n_rows: int, p: int) -> bool:
    """Whether a cold-started fit of this shape seeds its first working set (:func:`_seed`)."""
    return n_rows >= max(WS_SEED_MIN_ROWS, WS_SEED_RATIO * p, WS_GRAM_MIN_ROWS) and (
        n_rows >= WS_GRAM_RATIO * p
    )


def _seed(pp, l1, l2, positive, screened):
    """The first working set of a tall problem from a fit on a row subsample: its support
    and its strongest violators (``screened`` features left out), or None when that fit is
    all zero; ``(ws, w_ws)`` with its coefficients on ``ws``."""
    d = pp.data
    # the subsample's own centring (its means) and weights
    sub = _sub_stats(d.X, d.y, d.sw if d.sw.shape[0] else None, pp.fit_intercept)
    if sub is None:
        return None
    sG, sXty, syty, ns, (mu, yb, wsum, los, b) = sub
    pp.sub_mean = mu
    w = np.zeros(pp.p)
    _gram_inner(sG, sXty, syty, w, l1 * ns, l2 * ns, positive, WS_SEED_TOL * syty,
                WS_SEED_TOL, ns)  # fmt: skip
    sup = np.flatnonzero(w)
    if sup.shape[0] == 0:
        return None
    # the subsample's gradient (its violators); einsum, not a threaded BLAS call (see _dot)
    g = sXty - np.einsum("ij,j->i", sG, w) - (l2 * ns) * w
    v = g if positive else np.abs(g)
    v[sup] = np.inf
    v[screened] = -np.inf  # proved zero on the full data
    n_cand = int(np.count_nonzero(v > -np.inf))
    m = min(int(WS_SEED_MARGIN * sup.shape[0]) + WS_SEED_EXTRA, n_cand)
    if m >= WS_SEED_ALL * n_cand:
        m = n_cand
    if m == 0:
        return None
    ws = np.sort(np.argpartition(-v, m - 1)[:m]).astype(np.int64)
    # the set's Gram block over the subsample's rows, raw weights, about the subsample's
    # means: the first block (_gram_step) reads the other rows only (1/WS_SEED_STRIDE fewer)
    c = ns / wsum
    ends = np.append(los, pp.n_rows)
    segs = np.array([[lo + b, hi] for lo, hi in zip(ends[:-1], ends[1:], strict=True)]
                    + [[0, int(los[0])]], dtype=np.int64)  # fmt: skip
    segs = segs[segs[:, 1] > segs[:, 0]]
    if segs.shape[0]:  # (an empty list would read every row)
        pp._sub_block = (ws, segs[np.argsort(segs[:, 0])], sG[np.ix_(ws, ws)] / c,
                         sXty[ws] / c, mu[ws], yb, wsum)  # fmt: skip
    return ws, w[ws]


def _gram_step(pp, ws, w, l1n, l2n, positive, tol_in, d_w_tol):
    """The inner solve of a tall problem, in place on ``w`` (zero outside ``ws``): coordinate
    descent on the working set's Gram matrix, cheap enough to go to the final tolerance (the
    next pass then only checks the features outside the set)."""
    cache = pp.__dict__.setdefault("_wsgram", _WsGram(pp.p))
    sub = pp.__dict__.pop("_sub_block", None)
    if sub is not None and (cache.used or not np.array_equal(sub[0], ws)):
        sub = None
    if sub is not None:
        # the subsample's part about the block's centring ``off``: its sums about its own
        # means ``mu`` plus ``W (mu - off)(mu - off)^T`` (and ``W (mu - off)(yb - y_off)``)
        _, segs, Gs, qys, mu, yb, wsum = sub
        dm = mu - pp.xoff[ws]
        sub = (segs, Gs + wsum * np.outer(dm, dm), qys + (wsum * (yb - pp.y_off)) * dm)
    Q, qy = cache.block(*pp.gram_source(ws), ws, pp.yq, sub)
    w_ws = w[ws]
    _gram_inner(Q, qy, pp.yty, w_ws, l1n, l2n, positive, tol_in, d_w_tol, pp.n)
    w[:] = 0.0
    w[ws] = w_ws


def _gram_inner(Q, qy, yty, w, l1n, l2n, positive, tol_in, d_w_tol, n):
    """Coordinate descent on the working set's Gram system (scikit-learn's Gram solver, its
    gap and screening), in place on ``w``, to the restricted gap ``tol_in`` (``l1n`` scale)."""
    m = w.shape[0]
    state = np.array([m, 0, 0, WS_MAX_EPOCHS, 0, 0], dtype=np.int64)
    hist = np.empty(WS_MAX_EPOCHS)
    ghist = np.empty(WS_MAX_EPOCHS)
    _kg.cd_gram_epochs(Q, qy, yty, l1n, l2n, w, np.empty(m), np.empty(m),
                       np.arange(m, dtype=np.int64), np.zeros(m, dtype=np.uint8), state, tol_in,
                       d_w_tol, positive, True, 0, WS_MAX_EPOCHS, hist, ghist, n)  # fmt: skip


def path_prepare(X: np.ndarray, y: np.ndarray) -> _Prepared:
    """The preparation of :func:`workset_path` (no intercept, no weights: the paths')."""
    from fastnorm.linear_model._data import NumpyPass

    return _Prepared(NumpyPass(X, y, None), False, None, X)


def workset_path(pp: _Prepared, alphas, l1_ratio, coef_init, max_iter, tol, positive,
                 verbose=False, polish=None):  # fmt: skip
    """Warm-started working-set fits over ``alphas`` (descending, all > 0, ``l1_ratio > 0``):
    ``(coefs (p, n_alphas) float64, gaps (over n), n_iters)``.  Each alpha starts from the
    previous solution and its residual: the first outer pass screens and the working set
    starts at the previous support (sequential screening); a warm start already within
    ``tol`` still gets one inner solve of at most ``polish`` epochs (None:
    ``WS_PATH_POLISH``)."""
    if polish is None:
        polish = WS_PATH_POLISH
    w = np.zeros(pp.p) if coef_init is None else np.array(coef_init, dtype=np.float64)
    if positive:
        w = np.maximum(w, 0.0)
    Rq = pp.residual(w)
    coefs = np.empty((pp.p, len(alphas)))
    gaps = np.empty(len(alphas))
    n_iters: list[int] = []
    G0 = None
    for i, a in enumerate(alphas):
        res, Rq, G0 = _solve_from(pp, a * l1_ratio, a * (1.0 - l1_ratio), positive, w, Rq,
                                  max_iter, tol, G0, polish)  # fmt: skip
        coefs[:, i] = w
        gaps[i] = res.gap
        n_iters.append(res.n_iter)
        if not res.converged:
            import warnings

            from sklearn.exceptions import ConvergenceWarning

            warnings.warn(
                "Objective did not converge. You might want to increase the number of "
                f"iterations. Duality gap: {res.gap:.6e}, tolerance: {res.gap_tol:.3e}",
                ConvergenceWarning,
                stacklevel=3,
            )
        path_progress(i, len(alphas), verbose)
    return coefs, gaps, n_iters


def solve_workset(backend, t: int, task: Task) -> SolveResult:
    """Fit one target of Lasso/ElasticNet with working sets (see the module docstring)."""
    if task.l1 <= 0.0 or task.datafit is not Quadratic:  # no L1 term: nothing to screen
        return get("gram" if backend.p <= 2048 else "stream").solve(backend, t, task)
    w = np.array(task.w0, dtype=np.float64)
    if task.positive:
        w = np.maximum(w, 0.0)
    data = backend.data_pass(t)
    # a seeded fit (see _steps) without weights takes the moments from its first full pass,
    # after the seeded set's Gram solve: one read of X fewer (200000 x 200: 35 ms of ~150)
    defer = (
        data.layout == "F" and not data.sw.shape[0] and task.max_iter >= 1 and not np.any(w)
        and _seeds(data.n_samples, data.n_features)
    )  # fmt: skip
    pp = _Prepared(data, task.fit_intercept, backend.owner, backend.X, defer)
    pp.full_ws = _small(pp)
    res, _ = _solve(pp, task.l1, task.l2, bool(task.positive), w, pp.residual(w), task.max_iter,
                 task.tol, task.callback, task.verbose)  # fmt: skip
    res.intercept = pp.intercept(res.w)
    return res


def solve_workset_many(backend, tasks: list[Task]) -> list[SolveResult]:
    """Every target of a multi-target fit with working sets: each outer round is one pass over
    X computing ``X_c^T W R`` for the residuals of every target still running (:func:`_drive`);
    the targets' inner solves run in parallel between the passes, and each target stops on its
    own gap.  Each target's iterates are those of its single fit (same bits)."""
    if any(t.l1 <= 0.0 or t.datafit is not Quadratic for t in tasks):
        return [solve_workset(backend, t, task) for t, task in enumerate(tasks)]
    t0 = tasks[0]
    pp0 = _Prepared(backend.data_pass(0), t0.fit_intercept, backend.owner, backend.X)
    pp0.full_ws = _small(pp0)
    pps = [pp0] + [pp0.for_target(pp0.data.with_y(backend.Y[:, t])) for t in range(1, len(tasks))]
    steps = []
    for pp, task in zip(pps, tasks, strict=True):
        w = np.array(task.w0, dtype=np.float64)
        if task.positive:
            w = np.maximum(w, 0.0)
        steps.append(_steps(pp, task.l1, task.l2, bool(task.positive), w, pp.residual(w),
                            task.max_iter, task.tol))  # fmt: skip
    results = [res for res, _ in _drive(pp0, steps)]
    for pp, res in zip(pps, results, strict=True):
        res.intercept = pp.intercept(res.w)
    return results


def _candidate_gap(r_a, g_a, w_a, w, R2, yq, l1n, l2n, positive):
    """The duality gap of ``w`` at the dual point ``r_a`` (the inner solver's extrapolated
    residual, weighted; ``g_a = X_c^T W r_a`` its gradient, ``w_a`` its coefficients for the
    elastic net's augmented residual) rescaled into the feasible set, and its
    ``X^T theta - l2n w_a`` (what the screening reads)."""
    v_a = g_a - l2n * w_a if l2n > 0.0 else g_a
    dn_a = _kp.enet_dual_norm(np.ascontiguousarray(v_a), l1n, positive)
    R2a = float(r_a @ r_a)
    wsq = float(w @ w) if l2n > 0.0 else 0.0
    wsq_a = float(w_a @ w_a) if l2n > 0.0 else 0.0
    # the penalty's gap is primal(r_a, w_a) - dual(theta_a): add the primal's difference to
    # get primal(w) - dual(theta_a)
    gap_a = _kp.enet_gap(R2a, float(r_a @ yq), float(np.abs(w).sum()), wsq_a, l1n, l2n, dn_a)
    return gap_a + 0.5 * (R2 - R2a) + 0.5 * l2n * (wsq - wsq_a), v_a


def _solve(pp, l1, l2, positive, w, Rq, max_iter, tol, cb=None, verbose=0):
    """The outer loop, in place on ``w`` and its weighted residual ``Rq``: ``(result, Rq)``."""
    return _drive(pp, [_steps(pp, l1, l2, positive, w, Rq, max_iter, tol, cb, verbose)])[0]


def _solve_from(pp, l1, l2, positive, w, Rq, max_iter, tol, G0, polish=0):
    """:func:`_solve` for a path: ``(result, Rq, G)``, ``G0`` (when not None) the product
    ``X_c^T V`` for the first vector the outer loop asks for, and ``G`` the product it
    received last, when that was for its final ``(w, Rq)`` (a converged loop stops right
    after its gap check), None otherwise.

    The first outer step of a warm start reads ``X_c^T W R`` at the previous alpha's
    solution, which that alpha's last outer step has just computed (the gradient does not
    depend on alpha): passing it on saves one pass over X per alpha, about half the passes
    of a path whose alphas each converge after one inner solve."""
    gen = _steps(pp, l1, l2, positive, w, Rq, max_iter, tol, polish=polish)
    V = next(gen)
    G = G0 if G0 is not None and V.shape[0] == 1 else pp.xtv(V)
    while True:
        try:
            V = gen.send(G)
        except StopIteration as stop:
            res, Rq = stop.value
            # converged: the loop broke at its gap check, before touching w and Rq, so the
            # last product is that of the returned residual (its first row, X_c^T W R)
            return res, Rq, (G[:1] if res.converged and not res.stopped else None)
        G = pp.xtv(V)


def _drive(pp, steps: list) -> list:
    """Run outer loops (:func:`_steps` generators over the same X) to their ends: each round,
    one pass over X gives ``X_c^T V`` for the vectors ``V`` every running loop yielded, and
    each loop resumes with its rows.  Between passes the loops' inner solves run on a thread
    each (the compiled inner solver releases the GIL); a loop's iterates do not depend on
    the others (``xtv`` sums each vector in the same order whatever the others are)."""
    out: list = [None] * len(steps)
    pending = {i: next(g) for i, g in enumerate(steps)}
    pool = None
    if len(steps) > 1:
        from concurrent.futures import ThreadPoolExecutor

        # fastnorm's thread count: set_num_threads and joblib's worker limits hold here too
        pool = ThreadPoolExecutor(max_workers=max(1, min(get_num_threads(), len(steps))))

    def resume(i, G):
        try:
            return steps[i].send(G), None
        except StopIteration as stop:
            return None, stop.value

    try:
        while pending:
            idx = list(pending)
            V = pending[idx[0]] if len(idx) == 1 else np.concatenate([pending[i] for i in idx])
            G = pp.xtv(V)
            row = np.cumsum([0] + [pending[i].shape[0] for i in idx])
            parts = [G[row[j] : row[j + 1]] for j in range(len(idx))]
            if pool is None or len(idx) == 1:
                done = [resume(i, g) for i, g in zip(idx, parts, strict=True)]
            else:
                done = list(pool.map(resume, idx, parts))
            for i, (nxt, value) in zip(idx, done, strict=True):
                if nxt is None:
                    out[i] = value
                    del pending[i]
                else:
                    pending[i] = nxt
    finally:
        if pool is not None:
            pool.shutdown()
    return out


def _steps(pp, l1, l2, positive, w, Rq, max_iter, tol, cb=None, verbose=0, polish=0):
    """The outer loop of one target as a generator: it yields the vectors ``V`` (m, n) whose
    ``X_c^T V`` it needs, is sent that product, and returns ``(result, Rq)``."""
    p, n, q, yq = pp.p, pp.n, pp.q, pp.yq
    l1n, l2n = l1 * n, l2 * n
    gap_tol = tol * pp.yty / n
    screened = np.zeros(p, dtype=np.bool_)
    scores = np.empty(p)
    stats = np.zeros(3)
    theta = np.empty(pp.n_rows)  # the inner solver's extrapolated dual point (weighted)
    w_theta = np.zeros(p)
    has_theta = False
    ws_prev = None
    hist: list[float] = []
    ghist: list[float] = []
    ws_size = 0
    gap = prev_gap_n = np.inf
    stopped = False
    n_iter = 0
    # seed the first set from a row subsample: tall, cold-started fits with the Gram inner
    # solver (a warm start, a path's next alpha, already knows its support)
    seed_ok = not np.any(w) and _seeds(pp.n_rows, pp.p)
    shift = None
    zero_check = False
    if "_deferred" in pp.__dict__ and seed_ok:
        # the moments wait for the first full pass: seed and solve the seeded set first, its
        # columns centred by the subsample's means (the first pass corrects both below)
        seed_ok = False
        try:
            sd = _seed(pp, l1, l2, positive, screened)
        except ValueError:  # non-finite X: the first pass raises scikit-learn's message
            sd = None
        if sd is not None:
            ws, w[ws] = sd
            if pp.fit_intercept:
                # the set's own means (a read of its columns, ~0.4 pass on 200000 x 200): with
                # the subsample's, the seeded solve missed the tolerance and cost a pass more
                for j in ws:
                    pp.sub_mean[j] = float(np.sum(pp.Xk[j], dtype=np.float64)) / n
            pp.xoff = pp.sub_mean
            ws_prev, ws_size = ws, ws.shape[0]
            _gram_step(pp, ws, w, l1n, l2n, positive, WS_INNER_FRAC * gap_tol * n, tol)
            Rq = pp.residual_ws(ws, w[ws])
            shift = pp.sub_mean
            # from alpha_max on, a cold fit ends at w = 0 after one pass (its gap there): keep
            # that when the set's own products allow it (rare: one more pass then)
            qy_ws = pp._wsgram.qy[pp._wsgram.slot[ws]]
            zero_check = float(np.abs(qy_ws).max()) <= l1n * (1.0 + 1e-9)

    def col_solve(ws, tol_in, max_epochs):
        """Coordinate descent on the gathered columns ``ws``, in place on ``w``:
        ``(Rq, has_theta)``."""
        B, L, rows = pp.gathered(ws)
        w_ws = w[ws]
        R = np.empty(pp.n_rows)
        _kw.residual_ws.serial(B, rows, w_ws, yq, R)  # from scratch: no drift
        w_th = np.zeros(ws.shape[0])
        # the held-coordinate retry (WS_HOLD_NNZ) only where p is at most WS_HOLD_P_RATIO n
        hold = int(WS_HOLD_NNZ * pp.n_rows) if pp.p <= WS_HOLD_P_RATIO * pp.n_rows else -1
        _kw.inner_cd.serial(B, rows, L, w_ws, R, yq, l1n, l2n, positive, max_epochs, tol_in,
                            WS_ANDERSON, WS_CHECK, WS_DUAL_K, theta, w_th, stats, WS_LAZY,
                            hold)  # fmt: skip
        th = stats[2] == 1.0
        if th and l2n > 0.0:
            w_theta[:] = 0.0
            w_theta[ws] = w_th
        w[:] = 0.0
        w[ws] = w_ws
        return R, th

    # a cold single fit of a small problem (WS_FULL_MAX) works on every feature from the
    # start: that solve needs no gradient, and gap-safe screening at the cold start's gap
    # removes nothing, so it runs before the first pass over X (a pass, a gap and a scoring
    # fewer: ~10% of a 300 x 300 fit); the pass after it checks the gap as usual.  Not where
    # the set's inner solver is the Gram one (tall data: its own route below)
    col_inner = pp.n_rows < max(WS_GRAM_MIN_ROWS, WS_GRAM_RATIO * p)
    cold = not np.any(w)
    if pp.full_ws and col_inner and max_iter > 1 and cb is None and not polish and cold:
        ws_prev = np.arange(p, dtype=np.int64)
        ws_size = p
        Rq, has_theta = col_solve(ws_prev, gap_tol * n, WS_MAX_EPOCHS)
    for it in range(max_iter):
        # X_c^T W R, and X_c^T W theta in the same read of X when the inner solver left one
        V = np.stack((Rq, theta)) if has_theta else Rq[None, :]
        if q.shape[0]:
            V = V * q
        G = yield V
        if shift is not None:
            # the residual and the kept Gram block were centred by the subsample's means:
            # X_c^T 1 = 0, so only the residual moves (by a constant) and G by a rank one
            d = pp.xoff - shift
            Rq = Rq + float(d @ w)
            pp._wsgram.shift(d, n)
            shift = None
            if zero_check:
                G0 = pp.xtv(yq[None, :])
                yy = float(yq @ yq)
                if enet_gap(np.zeros(p), G0[0], yy, yy, l1n, l2n, positive) <= gap_tol * n:
                    w[:] = 0.0
                    Rq, G = yq.copy(), G0
        XtR = G[0]
        R2 = _dot(Rq, Rq)
        gap_n = enet_gap(w, XtR, R2, _dot(Rq, yq), l1n, l2n, positive)
        XtR_d = XtR
        if has_theta:
            gap_a, v_a = _candidate_gap(theta, G[1], w_theta, w, R2, yq, l1n, l2n, positive)
            if gap_a < gap_n:
                gap_n = max(gap_a, 0.0)
                XtR_d = v_a + l2n * w  # ws_scores reads XtR_d - l2n w
        gap = gap_n / n
        obj = 0.5 * R2 / n + _kp.enet_value(w, l1, l2)
        n_iter = it + 1
        hist.append(obj)
        ghist.append(gap)
        if verbose:
            print(f"[fastnorm workset] outer {it + 1:4d}  objective {obj:.10e}  gap {gap:.3e}"
                  f"  working set {ws_size}")  # fmt: skip
        if cb is not None and cb(it, obj, gap):
            stopped = gap > gap_tol
            break
        # a path's warm start already within tol still gets one inner solve of at most
        # ``polish`` epochs (WS_PATH_POLISH), when a gap check can follow it
        forced = gap <= gap_tol
        if forced and not (polish and it == 0 and it + 1 < max_iter and np.any(w)):
            break
        _kw.ws_scores.serial(XtR_d, w, pp.L, l1n, l2n, positive, gap_n, screened, scores)
        if it == 0 and seed_ok:
            sd = _seed(pp, l1, l2, positive, screened)
            if sd is not None:  # the Gram inner solve on the seeded set, to the end
                ws, w[ws] = sd
                ws_prev, ws_size, prev_gap_n = ws, ws.shape[0], gap_n
                _gram_step(pp, ws, w, l1n, l2n, positive, WS_INNER_FRAC * gap_tol * n, tol)
                Rq = pp.residual_ws(ws, w[ws])
                continue
        nnz = int(np.count_nonzero(w))
        n_cand = p - int(np.count_nonzero(screened & (w == 0.0)))
        size_ws = max(WS_START, 2 * nnz)  # celer's and skglm's pruning rule
        if forced:
            size_ws = max(WS_START, nnz + nnz // WS_POLISH_MARGIN)
        if pp.n_rows >= WS_GRAM_MIN_ROWS:
            size_ws = max(size_ws, WS_GRAM_START)
        if pp.full_ws:
            size_ws = p
        if it == 0:
            # the features violating the KKT at the start (|x_j^T r| > l1 n) announce a large
            # support: up to n / 2 of them seed the first set, so it is not reached by
            # 32 -> 64 -> ... outer steps (5000 x 1000: 7 -> 3 passes); seeding up to n lost
            # on correlated designs (the inner solve on many correlated columns)
            viol = XtR - l2n * w
            n_viol = int(np.count_nonzero((viol if positive else np.abs(viol)) > l1n))
            # not on tall data, where the set grows through Gram inner solves instead: the
            # seeded set cost more (|WS|^2 n / 2, or column sweeps) than the passes it saves
            # (200000 x 200: 189 columns seeded; 10000 x 1000 reg 0.01: 928 seeded, 1.2x)
            if pp.n_rows < max(WS_GRAM_MIN_ROWS, AUTO_GRAM_MIN_RATIO * p):
                size_ws = max(size_ws, min(n_viol, pp.n_rows // 2))
                # ... and from a cold start, WS_VIOL_ALL * p of them announce a support of a
                # large share of p (WS_FULL_P_RATIO): every feature, solved to the end
                if cold and n_viol >= WS_VIOL_ALL * p and p <= WS_FULL_P_RATIO * pp.n_rows:
                    size_ws = p
        if gap_n > 0.5 * prev_gap_n and size_ws <= ws_size:
            size_ws = 2 * ws_size  # stalled: grow the set geometrically
        prev_gap_n = gap_n
        ws_size = max(min(size_ws, n_cand, p), min(p, 1))
        # a working set holding every candidate is the whole problem: solve it to the end;
        # so is one whose outside features all sit strictly inside their dual constraint at
        # the last solution's dual point (the set has settled: the 0.3-gap steps that
        # remained each cost a pass over X and an inner restart)
        settled = False
        if ws_prev is not None and WS_SETTLED < 1.0:
            va = XtR_d - l2n * w
            if not positive:
                va = np.abs(va)
            dn = max(float(va.max()), l1n)
            va[ws_prev] = -np.inf
            settled = float(va.max()) < WS_SETTLED * dn
        tol_in = gap_tol * n if ws_size >= n_cand or settled else WS_INNER_FRAC * gap_n
        if forced:
            tol_in = WS_INNER_FRAC * gap_n
        if ws_size < p:
            ws = np.argpartition(-scores, ws_size - 1)[:ws_size]
        else:
            ws = np.arange(p)
        ws = np.sort(ws).astype(np.int64)  # X's order: contiguous reads, cyclic CD order
        ws_prev = ws
        if pp.n_rows >= max(WS_GRAM_MIN_ROWS, WS_GRAM_RATIO * ws_size):
            _gram_step(pp, ws, w, l1n, l2n, positive, min(tol_in, WS_INNER_FRAC * gap_tol * n),
                       tol)  # fmt: skip
            Rq = pp.residual_ws(ws, w[ws])
            has_theta = False
            continue
        Rq, has_theta = col_solve(ws, tol_in, polish if forced else WS_MAX_EPOCHS)
    converged = gap <= gap_tol or stopped
    res = SolveResult(w, float(gap), n_iter, hist, ghist, converged, stopped, 0.0, gap_tol)
    return res, Rq  # Rq: the residual of w (a path's next alpha starts from it)


# ``needs="rows"``: the gathered columns need X in memory (the Dask backend does not offer it)
register(Solver("workset", needs="rows", solve=solve_workset, solve_many=solve_workset_many))
