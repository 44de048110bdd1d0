"""Vector and matrix norms: a multithreaded, overflow-safe drop-in for ``numpy.linalg.norm``.

Each wrapper reproduces numpy's argument handling, result dtypes, shapes and exceptions, and
hands the data, without copying it, to one reduction kernel in :mod:`fastnorm._kernels.reduce`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from fastnorm._config import run
from fastnorm._kernels import reduce as K

__all__ = ["matrix_norm", "norm", "vector_norm"]

# A raw sum of squares (or of |x|**p) below this may have lost precision to underflow.
_TINY = 1e-280
_MASKS = {
    8: (np.uint64, np.uint64(0x7FFFFFFFFFFFFFFF), np.float64),
    4: (np.uint32, np.uint64(0x7FFFFFFF), np.float32),
}
_FAST_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
_MIN_MSG = "zero-size array to reduction operation minimum which has no identity"


def _is_dask(x: Any) -> bool:
    mod = type(x).__module__
    return mod.startswith("dask.") and type(x).__name__ == "Array"


# ----------------------------------------------------------------------------- input handling
def _as_float(x: Any) -> tuple[np.ndarray | None, np.ndarray]:
    """numpy's ``asarray`` + cast of non-inexact input to float64.

    Returns ``(x, work)``: ``x`` the array numpy's norm would see (None for dtypes we leave to
    numpy itself: object, strings, datetimes), and ``work`` a native-byte-order float32/64 or
    complex array for the kernels.
    """
    x = np.asarray(x)
    kind = x.dtype.kind
    if kind in "biu":
        x = x.astype(np.float64)
    elif kind not in "fc":
        return None, x
    work = x
    if not work.dtype.isnative:
        work = work.astype(work.dtype.newbyteorder("="))
    if work.dtype == np.float16:
        work = work.astype(np.float32)  # numba has no float16 arithmetic; exact upcast
    elif work.dtype.kind == "f" and work.dtype not in _FAST_DTYPES:  # longdouble
        return None, x
    return x, work


def _result_dtype(x: np.ndarray) -> np.dtype:
    dt = x.real.dtype if x.dtype.kind == "c" else x.dtype
    return dt.newbyteorder("=")  # numpy's reductions return native byte order


# ----------------------------------------------------------------------------- stride algebra
def _merge_axes(shape: tuple[int, ...], strides: tuple[int, ...], axes: list[int]) -> list:
    """Sort ``axes`` by decreasing |stride| and merge neighbours that are contiguous with each
    other. Returns a list of ``[length, stride, [original axes]]`` (outer to inner)."""
    ax = sorted((a for a in axes if shape[a] != 1), key=lambda a: -abs(strides[a]))
    merged: list = []
    for a in ax:
        if merged and merged[-1][1] == strides[a] * shape[a]:
            merged[-1][0] *= shape[a]
            merged[-1][1] = strides[a]
            merged[-1][2].append(a)
        else:
            merged.append([shape[a], strides[a], [a]])
    return merged


def _view(x: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    return np.lib.stride_tricks.as_strided(x, shape=shape, strides=strides, writeable=False)


def _uint_view(x: np.ndarray) -> tuple[np.ndarray, np.uint64, Any]:
    utype, mask, ftype = _MASKS[x.dtype.itemsize]
    return x.view(utype), mask, ftype


def _bits_to_float(bits: Any, ftype: Any) -> np.ndarray:
    arr = np.asarray(bits, dtype=np.uint64)
    if ftype is np.float32:
        return arr.astype(np.uint32).view(np.float32).astype(np.float64)
    return arr.view(np.float64)


# ----------------------------------------------------------------------------- reductions
class _Plan:
    """How to feed one single-axis (or full) reduction of ``x`` to a kernel."""

    __slots__ = ("kind", "n", "out_shape", "perm", "view")

    def __init__(self, x: np.ndarray, axis: int | None) -> None:
        shape, strides = x.shape, x.strides
        self.n = x.size
        if axis is None:
            merged = _merge_axes(shape, strides, list(range(x.ndim)))
            if x.size == 0 or not merged:
                self.kind, self.view = "flat", x.reshape(-1)
            elif len(merged) == 1:
                self.kind, self.view = "flat", _view(x, (merged[0][0],), (merged[0][1],))
            elif len(merged) == 2:
                (a, sa, _), (b, sb, _) = merged
                self.kind, self.view = "allrows", _view(x, (a, b), (sa, sb))
            else:  # three or more non-mergeable axes: one contiguous copy (as numpy's ravel)
                self.kind, self.view = "flat", np.ascontiguousarray(x).reshape(-1)
            self.out_shape, self.perm = (), None
            return
        n, sk = shape[axis], strides[axis]
        others = [a for a in range(x.ndim) if a != axis]
        self.out_shape = tuple(shape[a] for a in others)
        if n == 0 or x.size == 0:
            self.kind, self.view, self.perm = "empty", x, None
            return
        merged = _merge_axes(shape, strides, others)
        kept = [a for g in merged for a in g[2]]
        # Order of the kernel's output axes, as positions in out_shape.
        self.perm = [others.index(a) for a in kept]
        if not merged:
            self.kind, self.view = "rows", _view(x, (1, n), (0, sk))
        elif len(merged) == 1 and abs(sk) <= abs(merged[0][1]):
            m, sm, _ = merged[0]
            self.kind, self.view = "rows", _view(x, (m, n), (sm, sk))
        elif len(merged) == 1:
            m, sm, _ = merged[0]
            self.kind, self.view = "cols", _view(x, (1, n, m), (0, sk, sm))
        elif len(merged) == 2 and abs(merged[1][1]) < abs(sk):
            (o, so, _), (m, sm, _) = merged
            self.kind, self.view = "cols", _view(x, (o, n, m), (so, sk, sm))
        else:  # awkward strides: reduce a contiguous copy instead
            c = np.ascontiguousarray(x)
            p = _Plan(c, axis)
            self.kind, self.view, self.perm = p.kind, p.view, p.perm

    def kshape(self) -> tuple[int, ...]:
        return tuple(self.out_shape[i] for i in self.perm)

    def finish(self, raw: np.ndarray) -> np.ndarray:
        """Kernel-order raw output -> array of ``out_shape`` (C order)."""
        if self.kind == "empty":
            return raw.reshape(self.out_shape)
        raw = raw.reshape(self.kshape())
        if len(self.perm) > 1:
            raw = np.ascontiguousarray(raw.transpose(np.argsort(self.perm)))
        return raw.reshape(self.out_shape)


def _raw(plan: _Plan, op: int, p: float) -> Any:
    """Raw float64 accumulation(s) of ``op`` per the plan (kernel order)."""
    v = plan.view
    if plan.kind == "flat":
        return run(K.reduce_flat, plan.n, v, op, p)
    if plan.kind == "allrows":
        out = np.empty(v.shape[0])
        run(K.reduce_rows, plan.n, v, op, p, out)
        return out.sum() if op != K.OP_COUNTNZ else float(out.sum())
    if plan.kind == "rows":
        out = np.empty(v.shape[0])
        run(K.reduce_rows, plan.n, v, op, p, out)
        return out
    if plan.kind == "cols":
        out = np.empty((v.shape[0], v.shape[2]))
        run(K.reduce_cols, plan.n, v, op, p, out)
        return out.reshape(-1)
    return np.zeros(math.prod(plan.out_shape))  # empty reduced axis: identity 0


def _raw_maxmin(plan: _Plan) -> tuple[Any, Any]:
    """(max |x|, min |x|) as float64, NaN if any NaN, in kernel order."""
    v = plan.view
    if plan.kind == "empty":
        size = math.prod(plan.out_shape)
        return np.zeros(size), np.full(size, np.inf)
    u, mask, ftype = _uint_view(v)
    if plan.kind == "flat":
        mx, mn = run(K.maxmin_flat, plan.n, u, mask)
        mx, mn = _bits_to_float(mx, ftype)[()], _bits_to_float(mn, ftype)[()]
        if v.size == 0:
            mn = math.inf
    elif plan.kind in ("allrows", "rows"):
        omx = np.empty(u.shape[0], np.uint64)
        omn = np.empty(u.shape[0], np.uint64)
        run(K.maxmin_rows, plan.n, u, mask, omx, omn)
        mx, mn = _bits_to_float(omx, ftype), _bits_to_float(omn, ftype)
        if plan.kind == "allrows":
            mx, mn = mx.max(), mn.min()
    else:
        omx = np.empty((u.shape[0], u.shape[2]), np.uint64)
        omn = np.empty((u.shape[0], u.shape[2]), np.uint64)
        run(K.maxmin_cols, plan.n, u, mask, omx, omn)
        mx, mn = _bits_to_float(omx, ftype).reshape(-1), _bits_to_float(omn, ftype).reshape(-1)
    # A NaN sorts above every other bit pattern: where the max is NaN so is the min (numpy).
    mn = np.where(np.isnan(mx), mx, mn)
    return mx, mn


def _raw_scaled(plan: _Plan, p: float, scale: Any) -> Any:
    v = plan.view
    if plan.kind == "flat":
        return run(K.reduce_flat_scaled, plan.n, v, p, float(scale))
    if plan.kind == "allrows":
        out = np.empty(v.shape[0])
        run(K.reduce_rows_scaled, plan.n, v, p, np.full(v.shape[0], float(scale)), out)
        return out.sum()
    if plan.kind == "rows":
        out = np.empty(v.shape[0])
        run(K.reduce_rows_scaled, plan.n, v, p, np.ascontiguousarray(scale, float), out)
        return out
    out = np.empty((v.shape[0], v.shape[2]))
    sc = np.ascontiguousarray(scale, float).reshape(out.shape)
    run(K.reduce_cols_scaled, plan.n, v, p, sc, out)
    return out.reshape(-1)


def _power_sum(plan: _Plan, p: float, safe: bool) -> Any:
    """(sum |x|**p) ** (1/p) in float64, rescaled by max|x| where the one-pass sum over- or
    underflowed while the answer is representable."""
    op = K.OP_SUMSQ if p == 2.0 else K.OP_POW
    raw = _raw(plan, op, p)
    raw_a = np.asarray(raw, dtype=np.float64)
    if not safe:
        with np.errstate(divide="ignore", over="ignore"):
            res = raw_a ** (1.0 / p)
        return res[()] if res.ndim == 0 else res
    bad = np.isinf(raw_a) | (raw_a < _TINY)
    if not bad.any():
        return np.sqrt(raw) if p == 2.0 else raw ** (1.0 / p)
    amax, _ = _raw_maxmin(plan)
    amax = np.asarray(amax, dtype=np.float64)
    # Rescale where the one-pass sum failed and max|x| is finite and non-zero.
    redo = bad & np.isfinite(amax) & (amax > 0)
    if not redo.any():
        res = np.sqrt(raw_a) if p == 2.0 else raw_a ** (1.0 / p)
        res = np.where(np.isinf(amax), amax, res)
        return res[()] if res.ndim == 0 else res
    # A power of two near max|x|: dividing by it is exact, so only the sum rounds.
    scale = np.where(redo, np.ldexp(1.0, np.frexp(np.where(redo, amax, 1.0))[1] - 1), 1.0)
    scaled = np.asarray(_raw_scaled(plan, p, scale), dtype=np.float64)
    with np.errstate(over="ignore"):
        fixed = scale * (np.sqrt(scaled) if p == 2.0 else scaled ** (1.0 / p))
        res = np.where(redo, fixed, np.sqrt(raw_a) if p == 2.0 else raw_a ** (1.0 / p))
    res = np.where(np.isinf(amax), amax, res)
    return res[()] if res.ndim == 0 else res


def _vector_reduce(work: np.ndarray, ord: Any, axis: int | None) -> Any:
    """float64 vector norm of ``work`` over ``axis`` (None: everything), numpy semantics.

    Returns a float64 scalar (axis None) or an array of the reduced shape.
    """
    if work.dtype.kind == "c":
        if ord is None or ord == 2:
            # |z|^2 = re^2 + im^2 over two strided real views: no temporary.
            with np.errstate(over="ignore", invalid="ignore"):
                raw = _vector_sumsq_raw(work.real, axis) + _vector_sumsq_raw(work.imag, axis)
            if np.all((np.isfinite(raw) & (raw >= _TINY)) | np.isnan(raw)):
                return np.sqrt(raw)
        work = np.abs(work)  # |z| (hypot: overflow-safe), one real temporary
    plan = _Plan(work, axis)
    if ord == math.inf or ord == -math.inf:
        mx, mn = _raw_maxmin(plan)
        if ord == math.inf:
            res = mx
        else:
            if plan.kind == "empty" or work.size == 0:
                size = 1 if axis is None else math.prod(plan.out_shape)
                if size > 0:
                    raise ValueError(_MIN_MSG)
            res = mn
    elif ord == 0:
        res = _raw(plan, K.OP_COUNTNZ, 0.0)
    elif ord == 1:
        res = _raw(plan, K.OP_SUMABS, 1.0)
    elif ord is None or ord == 2:
        res = _power_sum(plan, 2.0, safe=work.dtype == np.float64)
    else:
        p = float(ord)
        res = _power_sum(plan, p, safe=p > 0)
    return res if axis is None else plan.finish(np.asarray(res, dtype=np.float64))


def _vector_sumsq_raw(part: np.ndarray, axis: int | None) -> Any:
    plan = _Plan(part, axis)
    raw = _raw(plan, K.OP_SUMSQ, 2.0)
    return raw if axis is None else plan.finish(np.asarray(raw, dtype=np.float64))


def _cast(res: Any, dtype: np.dtype) -> Any:
    if np.ndim(res) == 0:
        with np.errstate(over="ignore"):
            return dtype.type(res)
    with np.errstate(over="ignore"):
        return np.asarray(res).astype(dtype, copy=False)


# ----------------------------------------------------------------------------- public API
def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Matrix or vector norm: a drop-in replacement for :func:`numpy.linalg.norm`.

    Same arguments, result values, dtypes, shapes and exceptions as numpy, computed by
    multithreaded numba kernels without temporaries, and overflow-safe: the 2-norm (and 'fro'
    and p-norms) of a representable result never overflows or underflows, and float32 input
    is accumulated in float64.

    Parameters
    ----------
    x : array_like
        Input array. Integer and boolean input is cast to float64 as numpy does.
    ord : {None, int, float, inf, -inf, 'fro', 'nuc'}, optional
        Order of the norm (see :func:`numpy.linalg.norm`).
    axis : None, int or 2-tuple of ints, optional
        Axis or axes along which to compute the norms.
    keepdims : bool, optional
        Keep the reduced axes as dimensions of size one.

    Returns
    -------
    float or ndarray
        Norm(s) of ``x``, with numpy's result dtype (float64 for integer input, the real
        dtype for complex input).

    Examples
    --------
    >>> import numpy as np
    >>> import fastnorm
    >>> x = np.array([3.0, 4.0])
    >>> float(fastnorm.norm(x)), float(fastnorm.norm(x, 1)), float(fastnorm.norm(x, np.inf))
    (5.0, 7.0, 4.0)
    >>> float(fastnorm.norm([1e200, 1e200]))  # numpy returns inf here
    1.4142135623730951e+200
    >>> fastnorm.norm(np.arange(6.0).reshape(2, 3), axis=1)
    array([2.23606798, 7.07106781])
    """
    if _is_dask(x):
        from fastnorm import _dask

        return _dask.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    xa, work = _as_float(x)
    if xa is None:
        return np.linalg.norm(work, ord=ord, axis=axis, keepdims=keepdims)
    rdt = _result_dtype(xa)
    nd = xa.ndim

    if axis is None:
        if (
            ord is None
            or (_is_str(ord) and ord in ("f", "fro") and nd == 2)
            or (not _is_str(ord) and ord == 2 and nd == 1)
        ):
            ret = _cast(_vector_reduce(work, None, None), rdt)
            return np.reshape(ret, nd * [1]) if keepdims else ret
        axis = tuple(range(nd))
    elif not isinstance(axis, tuple):
        try:
            axis = int(axis)
        except Exception as e:
            raise TypeError("'axis' must be None, an integer or a tuple of integers") from e
        axis = (axis,)

    if len(axis) == 1:
        if _is_str(ord):
            raise ValueError(f"Invalid norm order '{ord}' for vectors")
        if not _is_real_number(ord):
            return np.linalg.norm(xa, ord=ord, axis=axis, keepdims=keepdims)
        ax = normalize_axis_index(axis[0], nd)
        if nd == 1 and not keepdims:
            return _cast(_vector_reduce(work, ord, None), rdt)
        res = _cast(_vector_reduce(work, ord, ax), rdt)
        if keepdims:
            res = np.expand_dims(res, ax)
        return res[()] if np.ndim(res) == 0 else res
    if len(axis) == 2:
        return _matrix(xa, work, ord, axis, keepdims, rdt)
    raise ValueError("Improper number of dimensions to norm.")


def _is_str(o: Any) -> bool:
    return isinstance(o, str)


def _is_real_number(o: Any) -> bool:
    """ord values our kernels handle: None or a real scalar (others go to numpy itself)."""
    if o is None:
        return True
    if isinstance(o, complex | np.complexfloating) or (isinstance(o, np.ndarray) and o.ndim):
        return False
    try:
        float(o)
    except (TypeError, ValueError):
        return False
    return True


def _matrix(
    xa: np.ndarray, work: np.ndarray, ord: Any, axis: tuple, keepdims: bool, rdt: np.dtype
) -> Any:
    nd = xa.ndim
    row_axis, col_axis = axis
    row_axis = normalize_axis_index(row_axis, nd)
    col_axis = normalize_axis_index(col_axis, nd)
    if row_axis == col_axis:
        raise ValueError("Duplicate axes given.")
    if _is_str(ord):
        if ord not in ("fro", "f", "nuc"):
            raise ValueError("Invalid norm order for matrices.")
    elif ord is not None and ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise ValueError("Invalid norm order for matrices.")
    if (not _is_str(ord) and ord in (2, -2)) or ord == "nuc":
        # Functions of the singular values: numpy's SVD does the work.
        return np.linalg.norm(xa, ord=ord, axis=axis, keepdims=keepdims)
    if ord in (1, -1):
        s = _vector_reduce(work, 1, row_axis)  # column sums of |x|, float64
        c = col_axis - 1 if col_axis > row_axis else col_axis
        ret = s.max(axis=c, initial=0) if ord == 1 else s.min(axis=c)
    elif ord in (math.inf, -math.inf):
        s = _vector_reduce(work, 1, col_axis)  # row sums of |x|
        r = row_axis - 1 if row_axis > col_axis else row_axis
        ret = s.max(axis=r, initial=0) if ord == math.inf else s.min(axis=r)
    else:  # None, 'fro', 'f'
        if nd == 2:
            ret = _vector_reduce(work, None, None)
        else:
            y = np.moveaxis(work, (row_axis, col_axis), (-2, -1))
            y = y.reshape(y.shape[:-2] + (-1,))  # a copy only where the two axes do not merge
            ret = _vector_reduce(y, 2, y.ndim - 1)
    ret = _cast(ret, rdt)
    if keepdims:
        shape = list(xa.shape)
        shape[axis[0]] = 1
        shape[axis[1]] = 1
        ret = np.reshape(ret, shape)
    return ret


def vector_norm(
    x: Any, /, *, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, ord: Any = 2
) -> Any:
    """Vector norm over ``axis`` (all elements by default): :func:`numpy.linalg.vector_norm`.

    Unlike numpy's, it takes the fast single-pass kernels for every ``ord`` (numpy's default
    path copies the input).

    Examples
    --------
    >>> import numpy as np
    >>> import fastnorm
    >>> b = (np.arange(9) + 1).reshape(3, 3)
    >>> float(fastnorm.vector_norm(b)), float(fastnorm.vector_norm(b, ord=1))
    (16.881943016134134, 45.0)
    >>> fastnorm.vector_norm(b, axis=(0, 1), keepdims=True).shape
    (1, 1)
    """
    if _is_dask(x):
        from fastnorm import _dask

        return _dask.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    xa, work = _as_float(x)
    if xa is None:
        return np.linalg.vector_norm(work, axis=axis, keepdims=keepdims, ord=ord)
    if _is_str(ord):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if not _is_real_number(ord):
        return np.linalg.vector_norm(xa, axis=axis, keepdims=keepdims, ord=ord)
    rdt = _result_dtype(xa)
    shape = list(xa.shape)
    if axis is None:
        res = _cast(_vector_reduce(work, ord, None), rdt)
        axes = tuple(range(len(shape)))
    else:
        if isinstance(axis, tuple):
            from numpy.lib.array_utils import normalize_axis_tuple

            axes = normalize_axis_tuple(axis, xa.ndim)
        else:
            axes = (normalize_axis_index(axis, xa.ndim),)
        if len(axes) == 1:
            res = _cast(_vector_reduce(work, ord, axes[0]), rdt)
        else:
            rest = tuple(i for i in range(xa.ndim) if i not in axes)
            y = work.transpose(axes + rest).reshape((-1, *[shape[i] for i in rest]))
            res = _cast(_vector_reduce(y, ord, 0), rdt)
    if keepdims:
        for i in axes:
            shape[i] = 1
        return np.reshape(res, tuple(shape))
    return res[()] if isinstance(res, np.ndarray) and res.ndim == 0 else res


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """Matrix norm of each matrix in the last two axes: :func:`numpy.linalg.matrix_norm`.

    Examples
    --------
    >>> import numpy as np
    >>> import fastnorm
    >>> b = (np.arange(9) - 4).reshape(3, 3)
    >>> float(fastnorm.matrix_norm(b, ord=np.inf)), float(fastnorm.matrix_norm(b, ord=1))
    (9.0, 7.0)
    """
    if _is_dask(x):
        from fastnorm import _dask

        return _dask.matrix_norm(x, keepdims=keepdims, ord=ord)
    return norm(np.asarray(x), axis=(-2, -1), keepdims=keepdims, ord=ord)
