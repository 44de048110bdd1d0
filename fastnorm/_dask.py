"""Norms, distances and normalisation of :class:`dask.array.Array` input.

Each chunk is reduced by the same numba kernels as in-memory input (through
:func:`fastnorm._local.vector_reduce`, which returns float64 partials: float32 chunks lose
nothing), and the partials are combined in a tree by :func:`dask.array.reduction`.  That is
exact algebra, not an approximation: for every ``p != 0`` the p-norm of a union of chunks is
the p-norm of the chunks' p-norms (``inf``/``-inf`` take the max/min of the partials, ``0``
sums the counts), and the combining step goes through the same overflow-safe kernel, so the
distributed 2-norm of ``[1e200, 1e200]`` is finite exactly as the local one is.

Every argument is validated *before* any task is built, by the argument layer
(:mod:`fastnorm._args`) that also reads the arguments of NumPy input: invalid ``ord``, ``axis``
out of range, duplicate axes and non-numeric dtypes raise the same exceptions, with the same
messages, as on NumPy input, and the same layer gives the result dtype.  Where fastnorm hands
the work to numpy (an ``ord`` only numpy understands, the SVD norms, long doubles), numpy
judges the arguments, as it does for NumPy input.

Layer: imports the argument layer and the local (NumPy) layer, never the public modules;
:mod:`fastnorm.norms` and :mod:`fastnorm.distances` import it only when handed a Dask array,
so ``import fastnorm`` never imports Dask.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from fastnorm import _args as A
from fastnorm import _local as L

__all__ = ["dist", "matrix_norm", "norm", "normalize", "vector_norm"]

_DASK_MSG = "fastnorm's Dask support needs dask[array]: pip install fastnorm[dask]"


def _da() -> Any:
    try:
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - dask is installed wherever this is called
        raise ImportError(_DASK_MSG) from exc
    return da


# ----------------------------------------------------------------------------- validation
def _check_norm(nd: int, dtype: np.dtype, ord: Any, axis: Any, keepdims: bool) -> tuple:
    """``norm``'s arguments for ``nd``-dim input of ``dtype``, read as for NumPy input (the
    same exceptions): ``(how, axes, result dtype)``, see :func:`fastnorm._args.norm_args`."""
    A.check_numeric(dtype, "norm")
    if A.left_to_numpy(dtype):  # long double: numpy's own code and errors, as for NumPy input
        rdt = A.numpy_check(np.linalg.norm, nd, dtype, ord=ord, axis=axis, keepdims=keepdims)
        return (*A.norm_args(nd, ord, axis), rdt)
    how, axes = A.norm_args(nd, ord, axis)
    if how == "numpy" or (how == "matrix" and A.is_svd_ord(ord)):
        rdt = A.numpy_check(np.linalg.norm, nd, dtype, ord=ord, axis=axes, keepdims=keepdims)
    else:
        rdt = A.norm_dtype(dtype)
    return how, axes, rdt


def _known(x: Any, axes: tuple[int, ...], what: str) -> None:
    """Raise before any work where ``what`` needs the chunk sizes of ``axes`` and they are
    unknown (``np.nan``, e.g. after boolean indexing)."""
    for a in axes:
        if any(math.isnan(c) for c in x.chunks[a]):
            raise ValueError(
                f"fastnorm: {what} needs known chunk sizes, but axis {a} of the Dask array has "
                "unknown (NaN) chunk sizes; call x.compute_chunk_sizes() first"
            )


def _has_unknown(x: Any) -> bool:
    return any(math.isnan(c) for cs in x.chunks for c in cs)


def _empty_result(fn: Any, x: Any, *args: Any, **kw: Any) -> Any:
    """Zero-size input: NumPy semantics (errors included) on a zero-size array cost nothing."""
    da = _da()
    res = np.asarray(fn(np.zeros(x.shape, dtype=x.dtype), *args, **kw))
    return da.from_array(res, chunks=res.shape or ())


# ----------------------------------------------------------------------------- chunk kernels
_WORKER_SERIAL: list[bool] = []


def serial_in_worker() -> None:
    """In a Dask worker *process*, run fastnorm's kernels single-threaded (once per process).

    Dask already runs one task per worker thread; numba threads inside each task would
    oversubscribe the cores (the parallel build inside the workers was many times slower than
    the serial one; bench/README.md).  Dask's nanny sets OMP_NUM_THREADS=1
    in its workers for the same reason.  Threads of the client process (the local threaded
    scheduler) are left alone.
    """
    if _WORKER_SERIAL:
        return
    _WORKER_SERIAL.append(True)
    import multiprocessing

    if not multiprocessing.current_process().name.startswith("Dask Worker"):
        return
    from fastnorm._config import set_num_threads

    set_num_threads(1)


def _work(block: np.ndarray) -> np.ndarray:
    xa, work = A.as_float(block)
    if xa is None:  # long double: the kernels work in float64
        work = np.asarray(block, dtype=np.complex128 if block.dtype.kind == "c" else np.float64)
    return work


def _partial(work: np.ndarray, ord: Any, axes: tuple[int, ...]) -> np.ndarray:
    """float64 ``ord``-norm of ``work`` over ``axes``, dimensions kept."""
    nd = work.ndim
    axes = tuple(sorted(a % nd for a in axes)) if nd else ()
    kshape = tuple(1 if i in axes else s for i, s in enumerate(work.shape))
    if work.size == 0 or any(work.shape[a] == 0 for a in axes):
        # identity of the combine: 0 partial for every ord but -inf (+inf) and p < 0 (inf:
        # an empty sum of |x|**p is 0, and 0**(1/p) is inf, which contributes 0 again)
        neg = ord == -math.inf or (ord is not None and ord < 0)
        return np.full(kshape, math.inf if neg else 0.0)
    if len(axes) == nd:
        return np.full(kshape, L.vector_reduce(work, ord, None), dtype=np.float64)
    if len(axes) == 1:
        r = L.vector_reduce(work, ord, axes[0])
        return np.asarray(r, dtype=np.float64).reshape(kshape)
    return L.reduce_axes(work, ord, axes).reshape(kshape)  # no copy of the chunk


_combine_ord = A.combine_ord


def _chunk(x: np.ndarray, axis: tuple, keepdims: bool, ord: Any) -> np.ndarray:
    serial_in_worker()
    return _partial(_work(x), ord, axis)


def _combine(x: np.ndarray, axis: tuple, keepdims: bool, ord: Any) -> np.ndarray:
    return _partial(x, _combine_ord(ord), axis)


def _aggregate(x: np.ndarray, axis: tuple, keepdims: bool, ord: Any, rdt: Any) -> np.ndarray:
    r = _partial(x, _combine_ord(ord), axis)
    if not keepdims:
        r = r.reshape([s for i, s in enumerate(r.shape) if i not in axis])
    with np.errstate(over="ignore"):
        return r.astype(rdt)


def _vec(
    x: Any, ord: Any, axes: tuple[int, ...], keepdims: bool, rdt: Any, partials: bool = False
) -> Any:
    """Lazy ``ord``-norm of dask ``x`` over ``axes`` (normalised, non-empty), result ``rdt``.

    ``partials``: ``x`` already holds float64 per-chunk norms (e.g. of ``x - y``), combined
    as they are."""
    from functools import partial

    da = _da()
    out_nd = x.ndim if keepdims else x.ndim - len(axes)
    return da.reduction(
        x,
        partial(_combine if partials else _chunk, ord=ord),
        partial(_aggregate, ord=ord, rdt=np.dtype(rdt)),
        combine=partial(_combine, ord=ord),
        axis=axes,
        keepdims=keepdims,
        dtype=rdt,
        concatenate=True,
        meta=np.empty((0,) * out_nd, dtype=rdt),
        name="fastnorm-norm",
    )


def _cast_lazy(r: Any, rdt: Any) -> Any:
    return r.astype(rdt) if r.dtype != rdt else r


# ----------------------------------------------------------------------------- public API
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`fastnorm.norm` of a Dask array: a lazy Dask array with the same values.

    Called by :func:`fastnorm.norm` for Dask input; see there for the arguments.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> import fastnorm
    >>> x = da.from_array(np.arange(12.0).reshape(3, 4), chunks=2)
    >>> r = fastnorm.norm(x, ord=1, axis=0)
    >>> type(r).__name__, r.compute()
    ('Array', array([12., 15., 18., 21.]))
    >>> float(fastnorm.norm(x, "fro").compute()) == float(np.linalg.norm(np.arange(12.0)))
    True
    """
    da = _da()
    x = da.asarray(x)
    how, axes, rdt = _check_norm(x.ndim, x.dtype, ord, axis, keepdims)  # raises like numpy
    if not _has_unknown(x) and x.size == 0:
        return _empty_result(L.norm, x, ord=ord, axis=axis, keepdims=keepdims)
    if how == "l2":
        return _vec(x, None, axes, keepdims, rdt)
    if how == "numpy":
        return da.linalg.norm(x, ord=ord, axis=axes, keepdims=keepdims)
    if how == "vector":
        return _vec(x, ord, axes, keepdims, rdt)
    return _matrix(x, ord, axes, keepdims, rdt)


def _matrix(x: Any, ord: Any, axes: tuple[int, int], keepdims: bool, rdt: Any) -> Any:
    ra, ca = axes
    if ord in (None, "fro", "f"):
        return _vec(x, None, tuple(sorted((ra, ca))), keepdims, rdt)
    if isinstance(ord, str) or ord in (2, -2):  # 'nuc', 2, -2: singular values
        res = _svd_norm(x, ord, ra, ca)
    elif ord in (1, -1):
        s = _vec(x, 1, (ra,), True, np.float64)  # column sums of |x|
        res = s.max(axis=ca, keepdims=True) if ord == 1 else s.min(axis=ca, keepdims=True)
    else:  # inf, -inf
        s = _vec(x, 1, (ca,), True, np.float64)  # row sums of |x|
        res = s.max(axis=ra, keepdims=True) if ord > 0 else s.min(axis=ra, keepdims=True)
    if not keepdims:
        res = res.squeeze(axis=(ra, ca))
    return _cast_lazy(res, rdt)


def _svd_norm(x: Any, ord: Any, ra: int, ca: int) -> Any:
    """Norms that are functions of the singular values (2-D only): dask's tall-and-skinny
    SVD does the work."""
    da = _da()
    if x.ndim != 2:
        raise NotImplementedError(
            f"fastnorm: ord={ord!r} of a stack of matrices is not implemented for Dask arrays "
            "(2-D arrays only); compute it per matrix or on a NumPy array"
        )
    _known(x, (0, 1), f"ord={ord!r}")
    a = x if ra == 0 else x.T
    if a.dtype.kind not in "fc":
        a = a.astype(np.float64)
    elif a.dtype == np.float16:
        a = a.astype(np.float32)
    if a.numblocks[0] > 1 and a.numblocks[1] > 1:
        a = a.rechunk({1: -1}) if a.shape[0] >= a.shape[1] else a.rechunk({0: -1})
    try:
        s = da.linalg.svd(a)[1]
    except ValueError as exc:
        raise NotImplementedError(
            f"fastnorm: ord={ord!r} on this Dask array needs an SVD that dask cannot compute "
            f"with its chunking ({exc}); rechunk to one block of columns or rows"
        ) from exc
    s = s.astype(np.float64)
    if ord == 2:
        r = s.max()
    elif ord == -2:
        r = s.min()
    else:
        r = s.sum()
    return r.reshape((1, 1))


def vector_norm(
    x: Any, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, ord: Any = 2
) -> Any:
    """:func:`fastnorm.vector_norm` of a Dask array (lazy).

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> import fastnorm
    >>> x = da.from_array(np.arange(1.0, 10.0).reshape(3, 3), chunks=2)
    >>> r = fastnorm.vector_norm(x, ord=3)  # lazy: nothing computed yet
    >>> bool(np.isclose(r.compute(), np.linalg.vector_norm(np.arange(1.0, 10.0), ord=3)))
    True
    """
    da = _da()
    x = da.asarray(x)
    A.check_numeric(x.dtype, "norm")
    if A.left_to_numpy(x.dtype):  # long double: numpy's own code and errors
        A.numpy_check(np.linalg.vector_norm, x.ndim, x.dtype, axis=axis, keepdims=keepdims,
                      ord=ord)  # fmt: skip
    axes = A.vector_args(x.ndim, ord, axis)  # raises like numpy
    if axes is None:  # an ord only numpy understands: numpy judges it
        A.numpy_check(np.linalg.vector_norm, x.ndim, x.dtype, axis=axis, keepdims=keepdims,
                      ord=ord)  # fmt: skip
    if not _has_unknown(x) and x.size == 0:
        return _empty_result(L.vector_norm, x, axis=axis, keepdims=keepdims, ord=ord)
    if axes is None:
        return da.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    return _vec(x, ord, tuple(sorted(axes)), keepdims, A.norm_dtype(x.dtype))


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """:func:`fastnorm.matrix_norm` of a Dask array (lazy).

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> import fastnorm
    >>> x = da.from_array((np.arange(9.0) - 4).reshape(3, 3), chunks=2)
    >>> float(fastnorm.matrix_norm(x, ord=np.inf).compute())
    9.0
    """
    # norm's argument checks give numpy's errors (a 1-D x: axis -2 out of range)
    return norm(_da().asarray(x), axis=(-2, -1), keepdims=keepdims, ord=ord)


# ----------------------------------------------------------------------------- dist, normalize
def _dist_chunk(xb: np.ndarray, yb: np.ndarray, ord: Any, axes: tuple[int, ...]) -> np.ndarray:
    """float64 partial ``ord``-norms of ``xb - yb`` over ``axes`` (dims kept), without
    forming the difference where the distance kernels can read both operands."""
    serial_in_worker()
    shape = np.broadcast_shapes(xb.shape, yb.shape)
    nd = len(shape)
    ops = A.operands(xb, yb)
    empty = math.prod(shape) == 0
    if ops is None or empty or (len(axes) not in (1, nd)) or xb.dtype.kind == "c":
        return _partial(_work(np.subtract(xb, yb)), ord, axes)
    xa, ya, dt = ops
    xa, ya = np.broadcast_to(xa, shape), np.broadcast_to(ya, shape)
    kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))
    if len(axes) == nd:
        return np.full(kshape, L.dist_reduce(xa, ya, ord, None, dt), dtype=np.float64)
    r = L.dist_reduce(xa, ya, ord, axes[0], dt)
    return np.asarray(r, dtype=np.float64).reshape(kshape)


def dist(x: Any, y: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`fastnorm.distances.dist` with a Dask operand: lazy ``norm(x - y)``.

    Each pair of aligned chunks is reduced by the distance kernels (no ``x - y`` chunk is
    stored for vector norms), the partials are combined as in :func:`norm`.  Matrix norms
    form the difference lazily and take :func:`norm`'s route.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from fastnorm.distances import dist
    >>> x = da.from_array(np.array([[1.0, 1.0], [4.0, 5.0]]), chunks=1)
    >>> dist(x, np.array([1.0, 1.0]), axis=1).compute()
    array([0., 5.])
    """
    da = _da()
    x, y = da.asarray(x), da.asarray(y)
    if _has_unknown(x) or _has_unknown(y):
        # numpy's broadcast_shapes rejects NaN lengths (TypeError); dask's keeps them
        shape = da.core.broadcast_shapes(x.shape, y.shape)
    else:
        shape = np.broadcast_shapes(x.shape, y.shape)  # numpy's error for shapes that do not fit
    nd = len(shape)
    for a, name in ((x, "x"), (y, "y")):
        if a.dtype.kind not in "biufc":
            raise TypeError(
                f"fastnorm: dist of a Dask array {name} of dtype {a.dtype} is not defined"
            )
    ddt = A.difference_dtype(x.dtype, y.dtype)  # numpy's error for bool - bool
    how, axes, rdt = _check_norm(nd, ddt, ord, axis, keepdims)  # norm(x - y)'s errors
    if math.prod(s for s in shape if not math.isnan(s)) == 0 and not (
        _has_unknown(x) or _has_unknown(y)
    ):
        return _empty_result(lambda z, **kw: L.dist(z, np.zeros(y.shape, y.dtype), **kw),
                             da.zeros(x.shape, dtype=x.dtype), ord=ord, axis=axis,
                             keepdims=keepdims)  # fmt: skip
    vector = how in ("l2", "vector")
    vord = None if how == "l2" else ord
    if not vector or _has_unknown(x) or _has_unknown(y):
        # unknown (NaN) chunk sizes, e.g. after boolean indexing: dask cannot broadcast or
        # align such operands (broadcast_arrays raises), but its elementwise x - y can:
        # the difference chunk by chunk, then norm's route (which handles unknown chunks)
        return norm(x - y, ord=ord, axis=axis, keepdims=keepdims)
    from functools import partial

    idx = "abcdefghijklmnopqrstuvwxyz"[:nd]
    xb, yb = da.broadcast_arrays(x, y)
    _, (xb, yb) = da.core.unify_chunks(xb, idx, yb, idx)
    parts = da.map_blocks(
        partial(_dist_chunk, ord=vord, axes=axes),
        xb,
        yb,
        dtype=np.float64,
        chunks=tuple((1,) * len(c) if i in axes else c for i, c in enumerate(xb.chunks)),
        meta=np.empty((0,) * nd, dtype=np.float64),
        name="fastnorm-dist",
    )
    return _vec(parts, vord, axes, keepdims, rdt, partials=True)


def normalize(
    x: Any, ord: Any = 2, axis: int | None = -1, out: Any = None, return_norm: bool = False
) -> Any:
    """:func:`fastnorm.distances.normalize` of a Dask array (lazy).

    The norms are reduced as in :func:`vector_norm` (a tree over the chunks of ``axis``),
    then every chunk is divided by its slice's norm (slices of norm 0 unchanged), in float64
    before rounding to the result dtype, as for NumPy input.

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from fastnorm.distances import normalize
    >>> x = da.from_array(np.array([[3.0, 4.0], [0.0, 0.0]]), chunks=1)
    >>> normalize(x).compute()
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    da = _da()
    x = da.asarray(x)
    if out is not None:
        raise TypeError("normalize: out= is not supported for Dask arrays (results are lazy)")
    rdt = A.normalize_dtype(x.dtype)  # raises like numpy input
    ndt = A.norm_dtype(rdt)
    if isinstance(ord, str):
        ord = A.SK_NORMS[ord]
    axes = tuple(range(x.ndim)) if axis is None else (normalize_axis_index(int(axis), x.ndim),)
    if not _has_unknown(x) and x.size == 0:
        res = da.zeros(x.shape, dtype=rdt, chunks=x.chunks)
        nrm = _empty_result(L.vector_norm, x, ord=ord, axis=axis)
        return (res, nrm.astype(ndt)) if return_norm else res
    nrm = _vec(x, ord, axes, True, np.float64)
    d = da.where(nrm == 0, 1.0, nrm)
    work = x if x.dtype.kind in "fc" and x.dtype.itemsize >= 8 else x.astype(
        np.complex128 if x.dtype.kind == "c" else np.float64)  # fmt: skip
    res = _cast_lazy(work / d, rdt)
    if not return_norm:
        return res
    nrm = nrm.reshape(()) if axis is None else nrm.squeeze(axis=axes)
    return res, _cast_lazy(nrm, ndt)
