"""Distances and normalisation without temporaries: ``dist``, ``cdist``, ``normalize``.

``dist(x, y)`` is ``norm(x - y)`` computed by kernels that read both operands (broadcast as
numpy does, through zero-stride views) and accumulate f(x - y) chunk by chunk, so ``x - y`` is
never stored.  ``cdist`` is scipy's Minkowski ``cdist``, multithreaded and cache-blocked.
``normalize`` divides by the norm along an axis in one fused pass per row.

The public layer: ``dist`` and ``normalize`` hand NumPy input to :mod:`fastnorm._local` and
Dask input to :mod:`fastnorm._dask` (imported only then); ``cdist`` (NumPy only) calls its
kernels here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fastnorm import _local as L
from fastnorm._args import cdist_operand, minkowski_p, normalize_args
from fastnorm._args import is_dask as _is_dask
from fastnorm._config import run
from fastnorm._kernels import cdist as KC
from fastnorm._kernels.ops import OP_MAX, OP_POW, OP_SUMABS, OP_SUMSQ

__all__ = ["cdist", "dist", "normalize"]

_dist = L.dist
_normalize = L.normalize


# ----------------------------------------------------------------------------- dist
def dist(x: Any, y: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Norm of the difference ``x - y`` without forming it: ``norm(np.subtract(x, y), ...)``.

    Same result, dtype, shape and exceptions as ``fastnorm.norm(np.subtract(x, y), ord, axis,
    keepdims)`` (hence as :func:`numpy.linalg.norm`), with numpy broadcasting between ``x``
    and ``y`` (``dist(X, c, axis=1)`` is each row's distance to a centre), but the kernels
    read both operands and accumulate f(x - y) chunk by chunk: no full-size temporary, one
    pass over the data, multithreaded, and overflow-safe like :func:`fastnorm.norm`.

    Matrix norms (``axis`` a 2-tuple, or 2-D input with ``axis=None`` and an ``ord`` other
    than None/'fro'), integer operands (whose difference numpy computes in integers, with
    wrap-around) and complex, float16 or long-double operands compute the difference first.

    Parameters
    ----------
    x, y : array_like
        Operands; their shapes must broadcast together.
    ord : {None, int, float, inf, -inf, 'fro', 'nuc'}, optional
        Order of the norm (see :func:`numpy.linalg.norm`).
    axis : None, int or 2-tuple of ints, optional
        Axis or axes of the broadcast shape along which to compute the norms.
    keepdims : bool, optional
        Keep the reduced axes as dimensions of size one.

    Returns
    -------
    float or ndarray
        Norm(s) of ``x - y`` with the dtype numpy's norm gives ``np.subtract(x, y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.distances import dist
    >>> float(dist([4.0, 6.0], [1.0, 2.0]))
    5.0
    >>> X = np.array([[1.0, 1.0], [4.0, 5.0]])
    >>> dist(X, [1.0, 1.0], axis=1)  # each row's distance to a centre
    array([0., 5.])
    >>> float(dist([1e200, 0.0], [-1e200, 0.0]))  # numpy overflows to inf here
    2e+200
    """
    if _is_dask(x) or _is_dask(y):
        from fastnorm import _dask

        return _dask.dist(x, y, ord=ord, axis=axis, keepdims=keepdims)
    return _dist(x, y, ord, axis, keepdims)


# ----------------------------------------------------------------------------- normalize
def normalize(
    x: Any,
    ord: Any = None,
    axis: int | None = -1,
    out: np.ndarray | None = None,
    return_norm: bool = False,
    *,
    norm: Any = None,
    copy: bool = True,
) -> Any:
    """Divide ``x`` by its norm along ``axis``; slices whose norm is zero are left unchanged.

    ``normalize(X, 'l2', axis=1)`` equals :func:`sklearn.preprocessing.normalize` on 2-D input
    (``norm='l2'``, ``axis=1``; also ``'l1'``, ``'max'``), and any vector ``ord`` of
    :func:`fastnorm.norm` is accepted.  For ``axis=-1`` on C-ordered input each row's norm and
    its scaling run in one pass while the row is in cache (one read and one write of the data);
    other layouts compute the norms first.  The norms are overflow-safe as in
    :func:`fastnorm.norm`.

    Differences from scikit-learn: only exactly-zero norms leave a slice unchanged (sklearn also
    skips norms below ``10 * eps`` of the dtype); float32 input is divided in float64 before
    rounding to float32; the returned norms are the true norms (sklearn returns 1 where it
    skipped); non-finite input is not rejected (a NaN propagates through its slice).

    Parameters
    ----------
    x : array_like
        Input. Integer and boolean input gives a float64 result; float32 stays float32.
    ord : {None, 2, 1, inf, -inf, 0, float, 'l1', 'l2', 'max'}, optional
        Order of the norm (as :func:`fastnorm.norm`; None is 2), or scikit-learn's name for it.
    axis : int or None, optional
        Axis along which to normalise (default: the last, i.e. rows of a matrix). None
        normalises the whole array by its vector norm (for every dtype and dimension).
    out : ndarray, optional
        Where to write the result: the result's shape and dtype. ``out=x`` works in place;
        any other overlap with ``x`` raises ValueError.
    return_norm : bool, optional
        Also return the norms (the reduced shape, float dtype of the result).
    norm : {'l1', 'l2', 'max'} or float, optional
        scikit-learn's name for ``ord`` (``normalize(X, norm="l1", axis=1)`` runs unchanged);
        give one of the two.
    copy : bool, optional
        scikit-learn's keyword: ``copy=False`` normalises ``x`` in place when it is an array of
        the result dtype (as ``out=x``), and copies otherwise.

    Returns
    -------
    ndarray, or (ndarray, ndarray or float) when ``return_norm``

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.distances import normalize
    >>> normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    array([[0.6, 0.8],
           [0. , 0. ]])
    >>> normalize([[1, 3]], "l1")
    array([[0.25, 0.75]])
    >>> x = np.array([[2.0, 0.0], [0.0, 5.0]])
    >>> _, n = normalize(x, out=x, return_norm=True)  # in place
    >>> x, n
    (array([[1., 0.],
           [0., 1.]]), array([2., 5.]))
    """
    ord, axis = normalize_args(ord, axis, norm)
    if _is_dask(x):
        from fastnorm import _dask

        return _dask.normalize(x, ord=ord, axis=axis, out=out, return_norm=return_norm)
    return _normalize(x, ord, axis, out, return_norm, copy)


# ----------------------------------------------------------------------------- cdist
#: ``cdist(..., exact=False)`` with ord=2 takes the Gram-matrix route (BLAS ``XA @ XB.T``, then
#: sqrt(|a|^2 + |b|^2 - 2 a.b)) from this many features on; below it the direct kernel wins
#: (GEMM with a thin inner dimension).  Not the default: its cancellation costs digits (up to
#: 5.7e-15 relative on uniform data, scipy 3.8e-16), and it was not faster on a loaded 2-core
#: machine (bench/README.md).
GRAM_MIN_FEATURES = 16
#: Gram route guard: a squared distance below this fraction of |a|^2 + |b|^2 has lost too many
#: digits to cancellation (its absolute error is ~ eps * (|a|^2 + |b|^2)) and is recomputed
#: directly, as are non-finite ones and those whose norms underflow.  Relative error of the
#: distances kept: ~ eps * 2^8 / 2 in the worst case, ~1e-13 (measured 1e-15 on random data).
GRAM_GUARD = 2.0**-8


def cdist(XA: Any, XB: Any, ord: float = 2, *, exact: bool = True) -> np.ndarray:
    """Minkowski distances between the rows of two matrices (scipy's ``cdist``).

    Equals ``scipy.spatial.distance.cdist(XA, XB, "minkowski", p=ord)`` ("cityblock" for
    ``ord=1``, "euclidean" for 2, "chebyshev" for ``inf``): an ``(mA, mB)`` float64 matrix.
    Multithreaded over blocks of XA's rows, with XB transposed and tiled so that a tile stays
    in L2 while the inner loop runs along XB's rows (vectorised, no horizontal sums).  float32
    input is accumulated in float64 (as scipy, which converts it).  Overflow-safe: a pair
    whose one-pass sum over- or underflows is recomputed with a power-of-two rescaling.

    Parameters
    ----------
    XA : array_like, shape (mA, n)
    XB : array_like, shape (mB, n)
    ord : float, optional
        The Minkowski ``p`` (> 0), ``inf`` for the Chebyshev distance.
    exact : bool, optional
        True (default): every distance from the differences ``a - b``, as scipy computes it
        (the same accuracy: a few units in the last place).  False, for ``ord=2`` with 16 or
        more features: the Gram-matrix route ``sqrt(|a|^2 + |b|^2 - 2 a.b)`` with BLAS's
        matrix product, which can be faster for wide data on a quiet machine but trades
        accuracy: its rounding is relative to ``|a|^2 + |b|^2``, not to the distance, so
        nearby points lose digits (pairs that lose more than 8 bits are recomputed directly;
        the others may be off by ~1e-14 relative, against scipy's ~1e-16).

    Returns
    -------
    ndarray of float64, shape (mA, mB)

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.distances import cdist
    >>> A = np.array([[0.0, 0.0], [3.0, 0.0]])
    >>> B = np.array([[3.0, 4.0], [0.0, 0.0]])
    >>> cdist(A, B)
    array([[5., 0.],
           [4., 3.]])
    >>> cdist(A, B, 1)
    array([[7., 0.],
           [4., 3.]])
    >>> cdist(A, B, np.inf)
    array([[4., 0.],
           [4., 3.]])
    """
    A = cdist_operand(XA, "XA")
    B = cdist_operand(XB, "XB")
    if A.shape[1] != B.shape[1]:
        raise ValueError("XA and XB must have the same number of columns (i.e. feature dimension.)")
    p = minkowski_p(ord)
    ma, mb, d = A.shape[0], B.shape[0], A.shape[1]
    out = np.empty((ma, mb))
    if out.size == 0:
        return out
    if d == 0:
        out[...] = 0.0
        return out
    A = np.ascontiguousarray(A, dtype=np.float64)
    B = np.ascontiguousarray(B, dtype=np.float64)
    work = ma * mb * d
    if p == 2.0 and d >= GRAM_MIN_FEATURES and not exact:
        with np.errstate(over="ignore", invalid="ignore"):
            g = A @ B.T
            na = np.einsum("ij,ij->i", A, A)
            nb = np.einsum("ij,ij->i", B, B)
        run(KC.cdist_gram_fix, work, g, na, nb, A, B, GRAM_GUARD, g)
        return g
    op = {1.0: OP_SUMABS, 2.0: OP_SUMSQ, math.inf: OP_MAX}.get(p, OP_POW)
    run(KC.cdist_tiles, work, A, np.ascontiguousarray(B.T), op, p, out)
    if op == OP_MAX:
        # the kernel's max drops NaN: recompute (numpy propagates it) the rows that hold a
        # NaN, or an inf (inf - inf is NaN)
        with np.errstate(invalid="ignore"):
            for i in np.flatnonzero(~np.isfinite(A).all(axis=1)):
                out[i] = np.max(np.abs(A[i] - B), axis=1)
            for j in np.flatnonzero(~np.isfinite(B).all(axis=1)):
                out[:, j] = np.max(np.abs(A - B[j]), axis=1)
    return out
