"""The Gram solver for n >> p: one fused pass over X, then work on the p x p system only.

:func:`gram_stats` reads X once (any layout, float32 or float64, memmaps included; never
copied, never centred) and returns the weighted, centred Gram matrix with X^T y, the means,
sum y and y^T y.  :func:`cd_gram` runs scikit-learn's Gram coordinate descent (same updates,
duality gap, gap-safe screening and stopping rule) on those statistics; :func:`ridge_gram`
solves the Ridge normal equations by Cholesky.  Estimators, paths and cross-validation reuse
one :class:`GramStats` for any number of fits.

Why a numba kernel and not ``X.T @ X``: OpenBLAS ``X.T @ X`` (SYRK) does not centre, weight,
upcast float32 or produce X^T y and the sums; a NumPy loop over shifted/weighted float64
blocks that does all of it was 1.4x slower than SYRK alone.  The fused numba pass does the
whole job, deterministically whatever the thread count, within 6% of SYRK alone on 2 threads and
7x faster on 16, where OpenBLAS SYRK scales poorly (X 200,000 x
200 float64, medians of one run each, ``fastnorm.benchmarks.cases_linear.gram_report``):

=====================  ==============  ==========  =======================
machine / threads      gram_stats (C)  BLAS X.T@X  one streaming read of X
=====================  ==============  ==========  =======================
16-core box, 2 thr.    180 ms          170 ms      25 ms
16-core box, 16 thr.   36 ms           248 ms      5.3 ms
=====================  ==============  ==========  =======================

The pass is compute-bound (n p^2 / 2 fused multiply-adds, about 7 reads of X worth of time),
which is why the kernel is register-blocked rather than streaming.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, NamedTuple

import numpy as np

from fastnorm import _config
from fastnorm._config import GRAM_PACK_P, run
from fastnorm._kernels.gram import (
    _gram_aug_rows,
    cd_gram_epochs,
    centre_gram,
    gram_aug_blocks,
    gram_rows,
)
from fastnorm._kernels.gram import cd_gram_many as _cd_gram_many
from fastnorm._kernels.gram import cd_gram_path as _cd_gram_path
from fastnorm.linear_model._validation import as_float_2d, check_finite, prepare_sw, prepare_y

#: scikit-learn's bound of its rand_r generator (``sklearn.utils._random.RAND_R_MAX``).
RAND_R_MAX = 2147483647

__all__ = [
    "GramStats",
    "cd_gram",
    "cd_gram_many",
    "cd_gram_path",
    "gram_stats",
    "gram_stats_many",
    "ridge_gram",
    "solve_pos",
]

#: Upper bound on the per-group accumulators of the Gram pass (bytes).
_ACC_BYTES = 1 << 28
#: Epochs whose objective and gap the Gram solver's first history arrays hold (doubled on).
_HIST_START = 1024
#: Number of row groups of the Gram pass (fixed, independent of the thread count).
_GROUPS = 32
#: Upper bound on the per-group accumulators of the many-target Gram pass (bytes); more
#: targets than fit are done in chunks of targets.
_MANY_ACC_BYTES = 1 << 29


class GramStats(NamedTuple):
    """Sufficient statistics of a weighted least-squares problem, centred if an intercept is
    fitted.

    With weights ``s`` rescaled to sum to ``n_samples`` (scikit-learn's convention for the
    elastic net) and ``mu``/``y_offset`` their weighted means (zeros without intercept):

    Attributes
    ----------
    G : ndarray (p, p) float64
        ``sum_i s_i (x_i - mu)(x_i - mu)^T``.
    Xty : ndarray (p,) float64
        ``sum_i s_i (x_i - mu) (y_i - y_offset)``.
    X_offset : ndarray (p,) float64
        ``mu`` (zeros when ``fit_intercept=False``).
    y_offset : float
    yty : float
        ``sum_i s_i (y_i - y_offset)^2``.
    n : float
        Sum of the rescaled weights, i.e. ``n_samples`` (the ``n`` of the objective).
    n_samples : int
    sw_scale : float
        ``n_samples / sum(sample_weight)`` (1.0 without weights): Ridge, whose weights are not
        rescaled, multiplies its alpha by this.
    dtype : numpy dtype
        dtype of X (float32 or float64): the dtype fitted coefficients should take.
    """

    G: np.ndarray
    Xty: np.ndarray
    X_offset: np.ndarray
    y_offset: float
    yty: float
    n: float
    n_samples: int
    sw_scale: float
    dtype: Any


def gram_stats(X: Any, y: Any, sample_weight: Any = None, fit_intercept: bool = True) -> GramStats:
    """Weighted, centred Gram matrix and cross-products of ``(X, y)`` in one pass over X.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
        float32 or float64 in any memory layout (C, F, strided, memmap): read in place, never
        copied or centred.  Other real dtypes are converted to float64.
    y : array_like of shape (n_samples,)
    sample_weight : array_like of shape (n_samples,), optional
        Rescaled internally to sum to ``n_samples`` (scikit-learn's elastic-net convention).
    fit_intercept : bool, default True
        Centre (by the weighted means) through a correction of the statistics, not of X.

    Returns
    -------
    GramStats

    Notes
    -----
    Every sum is accumulated in float64 about a shift close to the mean (the median of the
    first 65 rows), then corrected with ``S - n d d^T`` where ``d`` is the small difference
    between mean and shift: no catastrophic cancellation for data far from the origin, unlike
    ``X^T X - n mu mu^T``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._gram import gram_stats
    >>> X = np.array([[1.0, 2.0], [3.0, 5.0], [5.0, 11.0]])
    >>> st = gram_stats(X, np.array([1.0, 2.0, 4.0]))
    >>> st.G
    array([[ 8., 18.],
           [18., 42.]])
    >>> st.X_offset, st.y_offset, st.n
    (array([3., 6.]), 2.3333333333333335, 3.0)
    """
    X = as_float_2d(X)
    n, p = X.shape
    yv = prepare_y(y, n)
    sw, sw_scale = prepare_sw(sample_weight, n)
    shift, y_shift = _pick_shift(X, yv, fit_intercept)
    S = _aug_gram(X, yv, sw, shift, y_shift)
    if not np.isfinite(S).all():
        _raise_nonfinite(X, yv)
    return _finish_stats(S, shift, y_shift, fit_intercept, n, sw_scale, X.dtype)


def _pick_shift(X: np.ndarray, yv: np.ndarray, fit_intercept: bool) -> tuple[np.ndarray, float]:
    """A shift close to the column means (median of the first 65 rows), zeros without
    intercept; it only conditions the sums, any finite value gives the same statistics."""
    p = X.shape[1]
    if fit_intercept:
        k = min(X.shape[0], 65)
        a = np.array(X[:k], dtype=np.float64)
        b = np.array(yv[:k], dtype=np.float64).reshape(-1)
        if k and b.shape[0] and np.isfinite(a).all() and np.isfinite(b).all():
            return np.ascontiguousarray(_median0(a)), float(_median0(b))
    return np.zeros(p), 0.0


def _median0(a: np.ndarray) -> Any:
    """``np.median(a, axis=0)`` (non-empty, finite ``a``), partitioning ``a`` in place:
    np.median's own machinery cost ~0.1 ms, a fifth of a 50 x 50 Lasso fit."""
    k = a.shape[0]
    h = k // 2
    if k % 2:
        a.partition(h, axis=0)
        return a[h]
    a.partition((h - 1, h), axis=0)
    return (a[h - 1] + a[h]) / 2.0


def _aug_gram(
    X: np.ndarray, yv: np.ndarray, sw: np.ndarray | None, shift: np.ndarray, y_shift: Any
) -> np.ndarray:
    """Full symmetric (p + 2, p + 2) ``sum_i s_i a_i a_i^T`` with
    ``a_i = (x_i - shift, y_i - y_shift, 1)``: one pass over X (validated, 2-D float).

    ``yv`` of shape (n, k) (``y_shift`` of length k): the (p + k + 1) square with the k
    targets in rows ``p .. p+k-1`` and the ones last; only the diagonal of the target x
    target block is computed (the rest is zero).  Row blocks and row groups are those of the
    single-target pass (they depend on n and p only), so every target's statistics are
    bit-identical to its own single-target pass.
    """
    n, p = X.shape
    Y = yv.reshape(n, -1) if yv.ndim == 1 else yv
    ky = Y.shape[1]
    y_shifts = np.ascontiguousarray(np.reshape(y_shift, ky), dtype=np.float64)
    pp1 = (p + 2 + 3) // 4 * 4  # the single-target width: fixes blocks and groups
    pp = (p + ky + 1 + 3) // 4 * 4
    R = gram_rows(pp1)
    n_blocks = (n + R - 1) // R
    # >= 4 blocks per group so the private accumulators stay cheap for small n; depends on
    # n and p only (never the thread count), so results are identical for any thread count
    n_groups = max(1, min(_GROUPS, n_blocks // 4, _ACC_BYTES // (pp1 * pp1 * 8)))
    s0, s1 = X.strides
    fortran = abs(s0) < abs(s1) if n > 1 and p > 1 else bool(X.flags.f_contiguous)
    packed = p >= GRAM_PACK_P  # fills both triangles of an unpadded S
    S = np.zeros((p + ky + 1, p + ky + 1) if packed else (pp, pp))
    weighted = sw is not None
    wv = sw if sw is not None else Y[:, 0]
    # serial or parallel from the single-target cost, so every target's statistics come from
    # the same build as its own single-target pass (bit-identical); read at call time so tests
    # can force the parallel build
    serial = n * pp1 * pp1 // 2 < _config.GRAM_PARALLEL_MIN
    if packed:  # the packed pass's tasks (any count gives the same sums): one per thread
        n_groups = 1 if serial else _config.get_num_threads()
    args = (X, Y, wv, weighted, fortran, shift, y_shifts, n_groups, R, S)
    if serial:
        _gram_aug_rows.serial(*args)
    else:
        run(_gram_aug_rows, n * (p + ky), *args)
    if packed:
        return S
    S = np.triu(S)[: p + ky + 1, : p + ky + 1]
    return S + np.triu(S, 1).T


def gram_stats_blocks(
    X: np.ndarray, y: np.ndarray, sw: np.ndarray | None, fit_intercept: bool, los: np.ndarray,
    b: int,
) -> list[GramStats]:  # fmt: skip
    """``[gram_stats(X[lo:lo+b], y[lo:lo+b], sw[lo:lo+b], fit_intercept) for lo in los]``
    (validated 2-D float X, blocks of positive weight) in one parallel region over the
    blocks, each block's pass serial as :func:`gram_stats` runs it for ``b`` rows below
    ``GRAM_PARALLEL_MIN``: the seeded tall fit's subsample (8 blocks of 3,125 rows on 200,000
    x 200) ran its blocks one after the other on one thread."""
    n, p = X.shape
    k = los.shape[0]
    yv = np.ascontiguousarray(y, dtype=np.float64).reshape(n, 1)
    shifts = np.zeros((k, p))
    y_shifts = np.zeros(k)
    scales = np.ones(k)
    sws = np.empty((k, b if sw is not None else 0))
    for i, lo in enumerate(los):
        shifts[i], y_shifts[i] = _pick_shift(X[lo : lo + b], yv[lo : lo + b, 0], fit_intercept)
        if sw is not None:
            sws[i], scales[i] = prepare_sw(sw[lo : lo + b], b)
    if sw is None:
        sws = np.empty((k, b))  # not read
    pp1 = (p + 2 + 3) // 4 * 4
    R = gram_rows(pp1)
    n_groups = max(1, min(_GROUPS, (b + R - 1) // R // 4, _ACC_BYTES // (pp1 * pp1 * 8)))
    if p >= GRAM_PACK_P:  # the packed pass: one task per (serial) block
        n_groups = 1
    s0, s1 = X.strides
    fortran = abs(s0) < abs(s1) if b > 1 and p > 1 else bool(X.flags.f_contiguous)
    S = np.zeros((k, pp1, pp1))
    run(gram_aug_blocks, k * b * p, X, los, b, yv, sws, sw is not None, fortran, shifts,
        y_shifts, n_groups, R, S)  # fmt: skip
    out = []
    for i, lo in enumerate(los):
        Si = np.triu(S[i])[: p + 2, : p + 2]
        Si = Si + np.triu(Si, 1).T
        if not np.isfinite(Si).all():
            _raise_nonfinite(X[lo : lo + b], yv[lo : lo + b, 0])
        out.append(_finish_stats(Si, shifts[i], float(y_shifts[i]), fit_intercept, b,
                                 float(scales[i]), X.dtype))  # fmt: skip
    return out


def _raise_nonfinite(X: np.ndarray, yv: np.ndarray) -> None:
    # find the culprit only now: the fused pass already propagated NaN/inf
    check_finite(X, "X")
    check_finite(yv, "y")
    raise ValueError("Input contains values too large to square in float64; rescale the data.")


def _finish_stats(
    S: np.ndarray,
    shift: np.ndarray,
    y_shift: float,
    fit_intercept: bool,
    n_samples: int,
    sw_scale: float,
    dtype: Any,
) -> GramStats:
    """Centre the shifted sums ``S`` (from :func:`_aug_gram`, possibly summed over row
    subsets) by the weighted means: ``S - sw d d^T`` with ``d = mean - shift`` small."""
    p = S.shape[0] - 2
    Sxx = S[:p, :p]
    Sxy = S[:p, p]
    Syy = S[p, p]
    if fit_intercept:
        sw_tot = S[p + 1, p + 1]
        dx = S[:p, p + 1] / sw_tot
        dy = S[p, p + 1] / sw_tot
        G = np.empty((p, p))
        run(centre_gram, p * p, S, np.ascontiguousarray(dx), float(sw_tot), G)
        Xty = Sxy - sw_tot * dx * dy
        yty = float(Syy - sw_tot * dy * dy)
        X_offset = shift + dx
        y_offset = float(y_shift + dy)
    else:
        G = Sxx
        Xty = Sxy
        yty = float(Syy)
        X_offset = np.zeros(p)
        y_offset = 0.0
    return GramStats(
        G=np.ascontiguousarray(G),
        Xty=np.ascontiguousarray(Xty),
        X_offset=X_offset,
        y_offset=y_offset,
        yty=max(yty, 0.0),
        n=float(n_samples),
        n_samples=int(n_samples),
        sw_scale=sw_scale,
        dtype=dtype,
    )


def gram_stats_many(
    X: Any, Y: Any, sample_weight: Any = None, fit_intercept: bool = True
) -> list[GramStats]:
    """:func:`gram_stats` of every column of ``Y`` (n, k) from one pass over X.

    The statistics of target ``t`` are bit-identical to ``gram_stats(X, Y[:, t], ...)``; they
    share one ``G`` array (do not modify it).  The pass costs about ``(p + k) p / 2``
    multiply-adds per row, where k single passes cost ``k p^2 / 2``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._gram import gram_stats, gram_stats_many
    >>> X = np.array([[1.0, 2.0], [3.0, 5.0], [5.0, 11.0]])
    >>> Y = np.array([[1.0, 0.0], [2.0, 1.0], [4.0, 5.0]])
    >>> s0, s1 = gram_stats_many(X, Y)
    >>> bool(np.array_equal(s1.Xty, gram_stats(X, Y[:, 1]).Xty)), s0.G is s1.G
    (True, True)
    """
    X = as_float_2d(X)
    n, p = X.shape
    Yv = np.asarray(Y)
    if Yv.ndim != 2 or Yv.shape[0] != n:
        raise ValueError(f"Y should be an array of shape ({n}, n_targets), got {Yv.shape}.")
    Yv = np.ascontiguousarray(Yv, dtype=np.float64)
    k = Yv.shape[1]
    sw, sw_scale = prepare_sw(sample_weight, n)
    shift, _ = _pick_shift(X, Yv[:, 0], fit_intercept)
    y_shifts = np.zeros(k)
    if fit_intercept:
        m = min(n, 65)
        y_shifts = np.median(Yv[:m], axis=0)
        if not (np.isfinite(shift).all() and np.isfinite(y_shifts).all()):
            shift, y_shifts = np.zeros(p), np.zeros(k)
    if k == 0:
        return []
    # the pass keeps one (p + k + 1)^2 accumulator per row group (as many groups as the
    # single-target pass, for identical sums): beyond _MANY_ACC_BYTES, targets go in chunks,
    # one pass over X each
    pp1 = (p + 2 + 3) // 4 * 4
    R = gram_rows(pp1)
    groups = max(1, min(_GROUPS, (n + R - 1) // R // 4, _ACC_BYTES // (pp1 * pp1 * 8)))
    kc = max(64, int(math.sqrt(_MANY_ACC_BYTES / (8 * groups))) - p - 4)
    stats: list[GramStats] = []
    for c0 in range(0, k, kc):
        sl = slice(c0, min(k, c0 + kc))
        Yc = Yv if kc >= k else np.ascontiguousarray(Yv[:, sl])
        S = _aug_gram(X, Yc, sw, shift, y_shifts[sl])
        if not np.isfinite(S).all():
            _raise_nonfinite_many(X, Yv, S)
        part = _finish_stats_many(S, shift, y_shifts[sl], fit_intercept, n, sw_scale, X.dtype)
        if stats:  # the same G from every chunk: keep one
            part = [s._replace(G=stats[0].G) for s in part]
        stats += part
    return stats


def _raise_nonfinite_many(X: np.ndarray, Y: np.ndarray, S: np.ndarray) -> None:
    check_finite(X, "X")
    bad = [t for t in range(Y.shape[1]) if not np.isfinite(Y[:, t]).all()]
    if bad:
        raise ValueError(
            f"Input y contains NaN or infinity in target column(s) {bad[:10]}"
            f"{' ...' if len(bad) > 10 else ''}; no target was fitted."
        )
    raise ValueError("Input contains values too large to square in float64; rescale the data.")


def _finish_stats_many(
    S: np.ndarray,
    shift: np.ndarray,
    y_shifts: np.ndarray,
    fit_intercept: bool,
    n_samples: int,
    sw_scale: float,
    dtype: Any,
) -> list[GramStats]:
    """:func:`_finish_stats` for the k-target square of :func:`_aug_gram` (the same
    operations in the same order, so each target's result is the single-target one)."""
    k = y_shifts.shape[0]
    p = S.shape[0] - k - 1
    Sxx = S[:p, :p]
    Sxy = S[:p, p : p + k].T  # (k, p)
    Syy = np.diagonal(S)[p : p + k]
    if fit_intercept:
        sw_tot = S[p + k, p + k]
        dx = S[:p, p + k] / sw_tot
        dy = S[p : p + k, p + k] / sw_tot
        G = np.empty((p, p))
        run(centre_gram, p * p, S, np.ascontiguousarray(dx), float(sw_tot), G)
        Xty = Sxy - (sw_tot * dx)[None, :] * dy[:, None]
        yty = Syy - (sw_tot * dy) * dy
        X_offset = shift + dx
        y_offsets = y_shifts + dy
    else:
        G = Sxx
        Xty = Sxy
        yty = Syy
        X_offset = np.zeros(p)
        y_offsets = np.zeros(k)
    G = np.ascontiguousarray(G)
    Xty = np.ascontiguousarray(Xty)
    return [
        GramStats(
            G=G,
            Xty=Xty[t],
            X_offset=X_offset,
            y_offset=float(y_offsets[t]),
            yty=max(float(yty[t]), 0.0),
            n=float(n_samples),
            n_samples=int(n_samples),
            sw_scale=sw_scale,
            dtype=dtype,
        )  # fmt: skip
        for t in range(k)
    ]


def _convergence_warning() -> type[Warning]:
    try:
        from sklearn.exceptions import ConvergenceWarning
    except ImportError:  # pragma: no cover - sklearn is an optional extra

        class ConvergenceWarning(UserWarning):  # type: ignore[no-redef]
            pass

    return ConvergenceWarning


_MESSAGE_CONV = (
    "Objective did not converge. You might want to increase "
    "the number of iterations, check the scale of the "
    "features or consider increasing regularisation."
)
_MESSAGE_RIDGE = (
    "Linear regression models with a zero l1 penalization "
    "strength are more efficiently fitted using one of the "
    "solvers implemented in "
    "sklearn.linear_model.Ridge/RidgeCV instead."
)


def _warn_not_converged(gap: float, tol_abs: float, alpha: float, stacklevel: int) -> None:
    """scikit-learn's ConvergenceWarning of its Gram solver (n-scaled gap and tolerance)."""
    msg = _MESSAGE_CONV + f" Duality gap: {gap:.6e}, tolerance: {tol_abs:.3e}"
    if alpha < np.finfo(np.float64).eps:
        msg += "\n" + _MESSAGE_RIDGE
    warnings.warn(msg, _convergence_warning(), stacklevel=stacklevel)


def _check_finite(w: np.ndarray) -> None:
    if not np.isfinite(w).all():
        raise ValueError(
            "Coordinate descent iterations resulted in non-finite parameter"
            " values. The input data may contain large values and need to"
            " be preprocessed."
        )


def cd_gram(
    stats: GramStats,
    l1_reg: float,
    l2_reg: float,
    w0: Any = None,
    max_iter: int = 1000,
    tol: float = 1e-4,
    positive: bool = False,
    callback: Any = None,
    *,
    screening: bool = True,
    warn: bool = True,
    selection: str = "cyclic",
    random_state: Any = None,
    gap_history: bool = False,
) -> tuple:
    """Elastic-net coordinate descent on the Gram system (scikit-learn's Gram solver).

    Minimises ``(1/(2n)) ||y - Xw||^2 + l1_reg ||w||_1 + 0.5 l2_reg ||w||^2`` (X, y centred
    when ``stats`` was built with an intercept), i.e. scikit-learn's ElasticNet with
    ``l1_reg = alpha * l1_ratio`` and ``l2_reg = alpha * (1 - l1_ratio)``.

    Parameters
    ----------
    stats : GramStats
        From :func:`gram_stats`.
    l1_reg, l2_reg : float
        Non-negative penalties.
    w0 : array_like of shape (n_features,), optional
        Starting point (warm start); not modified.  Zeros by default.
    max_iter : int
        Maximum number of epochs (passes over the coordinates).
    tol : float
        scikit-learn's tolerance: the duality gap is checked when the largest coordinate update
        of an epoch is at most ``tol`` times the largest coefficient, and the fit stops when
        the gap (in the n-scaled units of the solver) is at most ``tol * yty``.
    positive : bool
        Constrain the coefficients to be non-negative.
    callback : callable ``(epoch, objective, gap) -> bool``, optional
        Called after each epoch with the objective and the duality gap (both in the units of
        the objective above); returning True stops the fit.
    screening : bool
        Gap-safe screening as scikit-learn does (same iterates either way up to rounding).
    warn : bool
        Emit scikit-learn's ConvergenceWarning (with the gap) when ``max_iter`` is reached.
    selection : {"cyclic", "random"}
        ``"random"``: each update picks a coordinate uniformly at random (with replacement),
        with scikit-learn's generator seeded as scikit-learn seeds it from ``random_state``.
    random_state : int, RandomState instance or None
        Seeds ``selection="random"``.
    gap_history : bool
        Also return the duality gap over n after each epoch.

    Returns
    -------
    w : ndarray (n_features,) float64
    dual_gap : float
        Final duality gap divided by n (scikit-learn's ``dual_gap_``).
    n_iter : int
        Epochs run (0 when ``w0`` already satisfies the gap), as scikit-learn counts them.
    history : ndarray (n_iter,) float64
        Objective after each epoch.
    gaps : ndarray (n_iter,) float64
        Only with ``gap_history``: the duality gap over n after each epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._gram import gram_stats, cd_gram
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = X @ np.array([1.0, 0.0, -2.0, 0.0, 0.0]) + 0.01 * rng.standard_normal(200)
    >>> w, gap, n_iter, hist = cd_gram(gram_stats(X, y), 0.1, 0.0, tol=1e-8)
    >>> np.round(w, 2) + 0.0
    array([ 0.87,  0.  , -1.89,  0.  ,  0.  ])
    >>> bool(np.all(np.diff(hist) <= 1e-12))
    True
    """
    l1_reg = float(l1_reg)
    l2_reg = float(l2_reg)
    if not l1_reg >= 0:
        raise ValueError(f"l1_reg must be a non-negative float, got {l1_reg!r}.")
    if not l2_reg >= 0:
        raise ValueError(f"l2_reg must be a non-negative float, got {l2_reg!r}.")
    max_iter = int(max_iter)
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}.")
    tol = float(tol)
    if not tol >= 0:
        raise ValueError(f"tol must be a non-negative float, got {tol!r}.")
    G, q = stats.G, stats.Xty
    p = q.shape[0]
    n = float(stats.n)
    if w0 is None:
        w = np.zeros(p)
    else:
        w = np.array(w0, dtype=np.float64, copy=True).reshape(-1)
        if w.shape[0] != p:
            raise ValueError(f"w0 has {w.shape[0]} coefficients, expected {p}.")
    alpha = l1_reg * n
    beta = l2_reg * n
    tol_abs = tol * stats.yty
    screening = bool(screening) and alpha != 0
    Qw = np.empty(p)
    XtA = np.empty(p)
    active = np.arange(p, dtype=np.int64)
    excluded = np.zeros(p, dtype=np.uint8)
    if selection not in ("cyclic", "random"):
        raise ValueError(f"selection should be either random or cyclic, got {selection!r}.")
    seed = 0
    if selection == "random":
        seed = int(_check_random_state(random_state).randint(0, RAND_R_MAX))
    state = np.array([p, 0, 0, max_iter, seed, selection == "random"], dtype=np.int64)
    # the histories grow by doubling, the epochs run in chunks (the kernel carries its state
    # across calls, results identical to one call): arrays of max_iter entries cost ~3 ms at
    # max_iter=10**6 (16 MB written), on a 0.4 ms 50 x 50 fit
    size = min(max_iter, _HIST_START)
    obj = np.empty(size)
    gaps = np.empty(size)
    args = (G, q, float(stats.yty), alpha, beta, w, Qw, XtA, active, excluded, state)
    tail = (tol_abs, tol, bool(positive), screening)
    if callback is None:
        it0 = 0
        while True:
            n_iter, gap = cd_gram_epochs(*args, *tail, it0, size, obj, gaps, n)
            if state[2] != 0 or size >= max_iter:
                break
            it0, size = size, min(max_iter, 2 * size)
            obj = np.concatenate((obj, np.empty(size - it0)))
            gaps = np.concatenate((gaps, np.empty(size - it0)))
    else:
        obj = np.empty(max_iter)
        gaps = np.empty(max_iter)
        n_iter, gap = 0, math.inf
        for e in range(max_iter):
            n_iter, gap = cd_gram_epochs(*args, *tail, e, e + 1, obj, gaps, n)
            if state[2] == 1 and n_iter == 0:
                break
            stop = callback(e, float(obj[e]), float(gaps[e]))
            if state[2] != 0:
                break
            if stop:
                n_iter, gap = e + 1, gaps[e] * n
                state[2] = 3
                break
    if state[2] == 2 and warn:
        _warn_not_converged(gap, tol_abs, alpha, stacklevel=3)
    _check_finite(w)
    if gap_history:
        return w, float(gap) / n, int(n_iter), obj[:n_iter].copy(), gaps[:n_iter].copy()
    return w, float(gap) / n, int(n_iter), obj[:n_iter].copy()


def cd_gram_many(
    G3: np.ndarray,
    gidx: np.ndarray,
    Xty: np.ndarray,
    yty: np.ndarray,
    n: np.ndarray,
    l1_reg: np.ndarray,
    l2_reg: np.ndarray,
    w0: np.ndarray | None = None,
    max_iter: int = 1000,
    tol: float = 1e-4,
    positive: bool = False,
    *,
    selection: str = "cyclic",
    random_state: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`cd_gram` on k problems at once, in parallel over the problems.

    Problem ``t`` has Gram matrix ``G3[gidx[t]]`` (so targets of one fit share one), cross
    products ``Xty[t]``, ``yty[t]``, ``n[t]`` and penalties ``l1_reg[t]``, ``l2_reg[t]``.  Each
    runs the serial solver of :func:`cd_gram` to its own duality gap, with the same
    arithmetic: the results equal k calls of :func:`cd_gram` (random selection draws the k
    seeds from ``random_state`` in order, as k calls would).  No warnings, no callback.

    Returns
    -------
    W : ndarray (k, p)
    dual_gap : ndarray (k,)
        Duality gaps divided by n.
    n_iter : ndarray (k,) int64
    obj, gaps : ndarray (k, max_iter)
        Objective and gap / n after each epoch (row ``t`` valid up to ``n_iter[t]``).

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._gram import cd_gram, cd_gram_many, gram_stats_many
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((50, 4)), rng.standard_normal((50, 3))
    >>> st = gram_stats_many(X, Y)
    >>> W, gap, it, _, _ = cd_gram_many(
    ...     st[0].G[None], np.zeros(3, np.int64), np.array([s.Xty for s in st]),
    ...     np.array([s.yty for s in st]), np.full(3, 50.0), np.full(3, 0.05), np.zeros(3))
    >>> w1, _, it1, _ = cd_gram(st[1], 0.05, 0.0)
    >>> bool(np.array_equal(W[1], w1)), int(it[1]) == it1
    (True, True)
    """
    k, p = Xty.shape
    max_iter = int(max_iter)
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}.")
    if selection not in ("cyclic", "random"):
        raise ValueError(f"selection should be either random or cyclic, got {selection!r}.")
    n = np.ascontiguousarray(n, dtype=np.float64)
    alpha = np.asarray(l1_reg, dtype=np.float64) * n
    beta = np.asarray(l2_reg, dtype=np.float64) * n
    if not (np.all(alpha >= 0) and np.all(beta >= 0)):
        raise ValueError("l1_reg and l2_reg must be non-negative.")
    W = np.zeros((k, p)) if w0 is None else np.array(w0, dtype=np.float64, copy=True)
    yty = np.ascontiguousarray(yty, dtype=np.float64)
    tol_abs = float(tol) * yty
    screening = (alpha != 0).astype(np.uint8)
    STATE = np.zeros((k, 6), dtype=np.int64)
    STATE[:, 0] = p
    STATE[:, 3] = max_iter
    if selection == "random":
        for t in range(k):  # as k calls of cd_gram draw them (an int seeds each alike)
            STATE[t, 4] = int(_check_random_state(random_state).randint(0, RAND_R_MAX))
        STATE[:, 5] = 1
    QW = np.empty((k, p))
    XTA = np.empty((k, p))
    ACTIVE = np.empty((k, p), dtype=np.int64)
    ACTIVE[:] = np.arange(p)
    EXCL = np.zeros((k, p), dtype=np.uint8)
    OBJ = np.empty((k, max_iter))
    GAPS = np.empty((k, max_iter))
    out_iter = np.zeros(k, dtype=np.int64)
    out_gap = np.zeros(k)
    run(_cd_gram_many, k * p * p * 8, np.ascontiguousarray(G3, dtype=np.float64),
        np.ascontiguousarray(gidx, dtype=np.int64), np.ascontiguousarray(Xty, dtype=np.float64),
        yty, alpha, beta, W, QW, XTA, ACTIVE, EXCL, STATE, tol_abs, float(tol), bool(positive),
        screening, max_iter, OBJ, GAPS, n, out_iter, out_gap)  # fmt: skip
    return W, out_gap / n, out_iter, OBJ, GAPS


def cd_gram_path(
    stats: GramStats,
    l1_regs: np.ndarray,
    l2_regs: np.ndarray,
    w0: Any = None,
    max_iter: int = 1000,
    tol: float = 1e-4,
    positive: bool = False,
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """:func:`cd_gram` (cyclic) for each ``(l1_regs[i], l2_regs[i])`` in turn, each warm-started
    from the last one's solution, in one compiled loop: the same iterates, gaps and warnings
    as a Python loop of :func:`cd_gram` calls, without its per-call overhead (measured in
    bench/README.md, "100-alpha paths").

    Returns
    -------
    W : ndarray (n_features, n_alphas) float64
    dual_gaps : ndarray (n_alphas,)
        Duality gaps divided by n.
    n_iters : list of int

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._gram import cd_gram, cd_gram_path, gram_stats
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 5)); y = X @ np.arange(5.0) + rng.standard_normal(60)
    >>> st = gram_stats(X, y)
    >>> W, gaps, its = cd_gram_path(st, np.array([0.5, 0.1]), np.zeros(2))
    >>> w1 = cd_gram(st, 0.5, 0.0)[0]
    >>> bool(np.array_equal(W[:, 1], cd_gram(st, 0.1, 0.0, w1)[0]))
    True
    """
    max_iter = int(max_iter)
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}.")
    G, q = stats.G, stats.Xty
    p = q.shape[0]
    n = float(stats.n)
    w = np.zeros(p) if w0 is None else np.array(w0, dtype=np.float64, copy=True).reshape(-1)
    if w.shape[0] != p:
        raise ValueError(f"w0 has {w.shape[0]} coefficients, expected {p}.")
    # the products as cd_gram forms them (l1_reg * n), so every alpha's arithmetic is its own
    alpha = np.array([float(a) * n for a in l1_regs])
    beta = np.array([float(b) * n for b in l2_regs])
    k = alpha.shape[0]
    tol_abs = float(tol) * stats.yty
    coefs = np.empty((k, p))
    out_iter = np.zeros(k, dtype=np.int64)
    out_gap = np.zeros(k)
    out_flag = np.zeros(k, dtype=np.int64)
    _cd_gram_path.serial(G, q, float(stats.yty), alpha, beta, w, tol_abs, float(tol),
                         bool(positive), True, max_iter, n, coefs, out_iter, out_gap,
                         out_flag)  # fmt: skip
    for i in np.flatnonzero(out_flag == 2):
        _warn_not_converged(out_gap[i], tol_abs, alpha[i], stacklevel=4)
    _check_finite(coefs)
    return coefs.T, out_gap / n, [int(i) for i in out_iter]


def _check_random_state(seed: Any) -> np.random.RandomState:
    if isinstance(seed, np.random.RandomState):
        return seed
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.RandomState(seed)
    raise ValueError(f"{seed!r} cannot be used to seed a numpy.random.RandomState instance")


def ridge_gram(stats: GramStats, alpha: float) -> np.ndarray:
    """Ridge coefficients from Gram statistics: scikit-learn's ``||y - Xw||^2 + alpha ||w||^2``.

    Sample weights enter unscaled, as in :class:`sklearn.linear_model.Ridge` (``stats`` holds
    them rescaled to sum to n; ``stats.sw_scale`` undoes that).  Solved by Cholesky (scipy if
    installed, else numpy); a singular system (alpha = 0 and rank-deficient X) falls back to a
    least-squares solution, as scikit-learn falls back to its SVD solver.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._gram import gram_stats, ridge_gram
    >>> X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.5]])
    >>> np.round(ridge_gram(gram_stats(X, np.array([0.0, 1.0, 2.0])), 1.0), 6)
    array([0.333333, 0.4     ])
    """
    alpha = float(alpha)
    if not alpha >= 0:
        raise ValueError(f"alpha must be a non-negative float, got {alpha!r}.")
    A = stats.G.copy()
    p = A.shape[0]
    A.flat[:: p + 1] += alpha * stats.sw_scale
    b = stats.Xty
    try:
        return solve_pos(A, b, overwrite_a=True)
    except (np.linalg.LinAlgError, ValueError):
        pass
    A = stats.G.copy()
    A.flat[:: p + 1] += alpha * stats.sw_scale
    return np.linalg.lstsq(A, b, rcond=None)[0]


def solve_pos(A: np.ndarray, b: np.ndarray, overwrite_a: bool = False) -> np.ndarray:
    """``A^-1 b`` by Cholesky for a symmetric positive definite float64 ``A`` (p, p).

    LAPACK's ``posv`` (scipy if installed, else numpy), on one BLAS thread up to
    ``ONE_THREAD_MAX`` multiply-adds (:mod:`fastnorm.linear_model._blas`): no spinning BLAS
    threads left behind to slow the next parallel pass.  Raises ``numpy.linalg.LinAlgError`` when
    ``A`` is not positive definite.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._gram import solve_pos
    >>> solve_pos(np.array([[4.0, 2.0], [2.0, 3.0]]), np.array([2.0, 1.0]))
    array([0.5, 0. ])
    """
    from fastnorm.linear_model._blas import blas_threads

    try:
        from scipy.linalg import lapack
    except ImportError:  # pragma: no cover - scipy is optional
        lapack = None
    p, k = A.shape[0], (np.shape(b)[1] if np.ndim(b) > 1 else 1)
    with blas_threads(p * p * (p + 3 * k) // 3):  # the factorisation, then 2 solves per column
        if lapack is None:  # pragma: no cover
            L = np.linalg.cholesky(A)
            return np.linalg.solve(L.T, np.linalg.solve(L, b))
        # A is symmetric: its transpose is the F-ordered array LAPACK wants, never copied
        At = A.T if A.flags.c_contiguous else A
        _, x, info = lapack.dposv(At, b, lower=0, overwrite_a=overwrite_a, overwrite_b=False)
    if info > 0:
        raise np.linalg.LinAlgError("Matrix is not positive definite")
    if info < 0:  # pragma: no cover - argument errors
        raise ValueError(f"illegal value in argument {-info} of dposv")
    return x
