"""Local (NumPy) reductions: norms, distances and normalize of in-memory arrays.

Everything between a planned view and a finished result: one entry :func:`raw` that runs a
kernel op over a :class:`~fastnorm._plan.Plan` of one operand (the reduction kernels) or two
(the distance kernels, on ``x - y``), one overflow-safe :func:`power_sum` over either (an
``ord`` becomes a kernel op in :func:`fastnorm._args.op_for` only), and on top the NumPy-input
implementations of ``norm``, ``vector_norm``, ``matrix_norm``, ``dist`` and ``normalize``
(which the public wrappers call after their fast paths, and the Dask backend calls for its
chunks and zero-size inputs).

Layer: imports the configuration, the kernels, the argument layer and the planner.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from fastnorm._args import (
    F32,
    F64,
    FAST,
    MIN_MSG,
    as_float,
    cast,
    check_out,
    combine_ord,
    is_real_number,
    is_svd_ord,
    norm_args,
    normalize_dtype,
    op_for,
    operands,
    result_dtype,
    vector_args,
)
from fastnorm._config import POW2_SCALE_MAX_P, TINY, run
from fastnorm._kernels import dist as KD
from fastnorm._kernels import normalize as KN
from fastnorm._kernels import reduce as KR
from fastnorm._kernels.ops import OP_MAX, OP_MIN, OP_POW, OP_SCALED, OP_SUMABS, OP_SUMSQ
from fastnorm._plan import Plan, merge_axes, readonly, writeable_view

__all__ = [
    "dist",
    "dist_reduce",
    "matrix_norm",
    "maxmin_flat",
    "norm",
    "normalize",
    "reduce_axes",
    "rows_or_cols_fast",
    "vector_norm",
    "vector_reduce",
]

# Unsigned view type, mask clearing the sign bit, and the bits of +inf, by itemsize.
MASKS = {
    8: (np.uint64, np.uint64(0x7FFFFFFFFFFFFFFF), np.uint64(0x7FF0000000000000)),
    4: (np.uint32, np.uint64(0x7FFFFFFF), np.uint64(0x7F800000)),
}
#: Signed integers of each fast float's width (the bits of |x| for the normalize max kernel).
_BITS = {F32: np.dtype(np.int32), F64: np.dtype(np.int64)}
NOSCALE, NOSCALE2 = np.empty(0), np.empty((0, 0))  # ``scale`` for ops that ignore it


# ----------------------------------------------------------------------------- raw accumulations
def maxmin_flat(v: np.ndarray) -> tuple[Any, Any]:
    """(max |v|, min |v|) of a 1-D float array, in its dtype, NaN where any NaN."""
    utype, mask, infbits = MASKS[v.itemsize]
    out = np.empty(2, dtype=v.dtype)
    run(KR.maxmin_flat, v.size, v.view(utype), mask, infbits, out.view(utype))
    if v.size == 0:
        out[1] = np.inf
    return out[0], out[1]


def maxmin(plan: Plan) -> tuple[Any, Any]:
    """(max |x|, min |x|) of a one-operand plan in the input's float dtype, NaN where any NaN,
    in kernel order."""
    v = plan.views[0]
    if plan.kind == "empty":
        size = math.prod(plan.out_shape)
        return np.zeros(size), np.full(size, np.inf)
    if plan.kind == "flat":
        return maxmin_flat(v)
    utype, mask, infbits = MASKS[v.itemsize]
    u = v.view(utype)
    if plan.kind == "cols":
        out = np.empty((u.shape[0] * u.shape[2], 2), dtype=v.dtype)
        run(KR.maxmin_cols, plan.n, u, mask, infbits, out.view(utype).reshape(-1))
    else:
        out = np.empty((u.shape[0], 2), dtype=v.dtype)
        run(KR.maxmin_rows, plan.n, u, mask, infbits, out.view(utype).reshape(-1))
    mx, mn = out[:, 0], out[:, 1]
    if plan.kind == "allrows":
        return mx.max(), mn.min()
    return mx, mn


def raw(plan: Plan, op: int, p: float, scale: Any = None) -> Any:
    """Raw accumulation(s) of ``op`` per the plan (kernel order): a float for a full
    reduction, a float64 array otherwise (max/min of one operand: its float dtype).  One
    operand: the reduction kernels on ``x``; two: the distance kernels on ``x - y``.

    ``scale`` (OP_SCALED only): the divisor, one per output in kernel order.
    """
    if len(plan.views) == 1:
        return _raw1(plan, op, p, scale)
    return _raw2(plan, op, p, scale)


def _raw1(plan: Plan, op: int, p: float, scale: Any) -> Any:
    if op == OP_MAX or op == OP_MIN:
        return maxmin(plan)[0 if op == OP_MAX else 1]
    v = plan.views[0]
    if plan.kind == "flat":
        return float(run(KR.reduce_flat, plan.n, v, op, p, 1.0 if scale is None else float(scale)))
    if plan.kind in ("allrows", "rows"):
        m = v.shape[0]
        if scale is None:
            sc = NOSCALE
        elif plan.kind == "allrows":
            sc = np.full(m, float(scale))
        else:
            sc = np.ascontiguousarray(scale, dtype=np.float64)
        out = np.empty(m)
        run(KR.reduce_rows, plan.n, v, op, p, sc, out)
        return float(out.sum()) if plan.kind == "allrows" else out
    if plan.kind == "cols":
        out = np.empty((v.shape[0], v.shape[2]))
        sc = NOSCALE2 if scale is None else np.ascontiguousarray(scale, float).reshape(out.shape)
        run(KR.reduce_cols, plan.n, v, op, p, sc, out)
        return out.reshape(-1)
    return np.zeros(math.prod(plan.out_shape))  # empty reduced axis: identity 0


def _raw2(plan: Plan, op: int, p: float, scale: Any) -> Any:
    xv, yv = plan.views
    scaled = op == OP_SCALED
    if plan.kind == "flat":
        if scaled:
            return run(KD.dist_flat_scaled, plan.n, xv, yv, p, float(scale))
        return run(KD.dist_flat, plan.n, xv, yv, op, p)
    if plan.kind in ("rows", "allrows"):
        m = plan.shape[0]
        out = np.empty(m)
        if scaled:
            sc = np.full(m, float(scale)) if plan.kind == "allrows" else scale
            run(KD.dist_rows_scaled, plan.n, xv, yv, p, np.ascontiguousarray(sc, float), out)
        else:
            run(KD.dist_rows, plan.n, xv, yv, op, p, out)
        if plan.kind == "rows":
            return out
        if op == OP_MAX:
            return out.max()
        if op == OP_MIN:
            return out.min()
        return out.sum()
    if plan.kind == "cols":
        o, n, m = plan.shape
        out = np.empty((o, m))
        if scaled:
            sc = np.ascontiguousarray(scale, float).reshape(out.shape)
            run(KD.dist_cols_scaled, plan.n, xv, yv, n, p, sc, out)
        else:
            run(KD.dist_cols, plan.n, xv, yv, n, op, p, out)
        return out.reshape(-1)
    return np.zeros(math.prod(plan.out_shape))  # pragma: no cover - callers skip empties


# ----------------------------------------------------------------------------- power sums
def _root(raw: np.ndarray, p: float) -> np.ndarray:
    """``raw ** (1/p)`` in numpy floats: inf (not Python's OverflowError) where it overflows,
    as numpy's norm gives for e.g. ``p = 0.5`` on huge or ``p = 1e-300`` on any input."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return np.sqrt(raw) if p == 2.0 else np.power(raw, 1.0 / p)


def rescale_factor(amax: np.ndarray, redo: np.ndarray, p: float) -> np.ndarray:
    """Divisor of the overflow-safe second pass where ``redo`` (1 elsewhere).

    A power of two near max|x| makes the division exact, so only the sum rounds; its terms
    (|x|/s)**p are then below 2**p, which overflows for large p (``norm([2., 3.], 2000)``):
    there we divide by max|x| itself, which bounds every term by 1 (one rounding per element,
    whose relative effect the final ``**(1/p)`` divides by p again)."""
    safe_amax = np.where(redo, amax, 1.0)
    if p > POW2_SCALE_MAX_P:
        return safe_amax
    return np.where(redo, np.ldexp(1.0, np.frexp(safe_amax)[1] - 1), 1.0)


def power_sum(plan: Plan, p: float, safe: bool) -> Any:
    """(sum |x|**p) ** (1/p) in float64 (``x - y`` for a two-operand plan), rescaled by
    max|x| where the one-pass sum over- or underflowed while the answer is representable."""
    op = OP_SUMSQ if p == 2.0 else OP_POW
    raw_ = _raw1 if len(plan.views) == 1 else _raw2  # as raw(), chosen once
    r = raw_(plan, op, p, None)
    if isinstance(r, float):  # full reduction: finish in Python floats when nothing is special
        if (TINY <= r < math.inf) or (not safe and 0.0 < r < math.inf):
            try:
                return math.sqrt(r) if p == 2.0 else r ** (1.0 / p)
            except OverflowError:  # e.g. p < 1: the result itself overflows
                pass
    elif safe and KR.all_normal(r) or not safe and p == 2.0:
        return np.sqrt(r, out=r) if p == 2.0 else np.power(r, 1.0 / p, out=r)
    raw_a = np.asarray(r, dtype=np.float64)
    if not safe:
        res = _root(raw_a, p)
        return res[()] if res.ndim == 0 else res
    bad = np.isinf(raw_a) | (raw_a < TINY)
    if not bad.any():
        res = _root(raw_a, p)
        return res[()] if res.ndim == 0 else res
    amax = np.asarray(raw_(plan, OP_MAX, 0.0, None), dtype=np.float64)
    # Rescale where the one-pass sum failed and max|x| is finite and non-zero.
    redo = bad & np.isfinite(amax) & (amax > 0)
    if not redo.any():
        res = _root(raw_a, p)
        res = np.where(np.isinf(amax), amax, res)
        return res[()] if res.ndim == 0 else res
    scale = rescale_factor(amax, redo, p)
    scaled = np.asarray(raw_(plan, OP_SCALED, p, scale), dtype=np.float64)
    with np.errstate(over="ignore"):
        res = np.where(redo, scale * _root(scaled, p), _root(raw_a, p))
    res = np.where(np.isinf(amax), amax, res)
    return res[()] if res.ndim == 0 else res


# ----------------------------------------------------------------------------- vector norms
def vector_reduce(work: np.ndarray, ord: Any, axis: int | None) -> Any:
    """float64 vector norm of ``work`` over ``axis`` (None: everything), numpy semantics.

    Returns a float64 scalar (axis None) or an array of the reduced shape.
    """
    if work.dtype.kind == "c":
        if ord is None or ord == 2:
            # |z|^2 = re^2 + im^2 over two strided real views: no temporary.
            with np.errstate(over="ignore", invalid="ignore"):
                raw_ = sumsq_raw(work.real, axis) + sumsq_raw(work.imag, axis)
            if np.all((np.isfinite(raw_) & (raw_ >= TINY)) | np.isnan(raw_)):
                return np.sqrt(raw_)
            # overflow-safe pass on |z|; NaN stays where numpy's sum(re**2 + im**2) is NaN
            # (|nan + inf*j| is inf, but numpy's 2-norm of it is NaN)
            res = vector_reduce(np.abs(work), ord, axis)
            return np.where(np.isnan(raw_), np.nan, res) if np.isnan(raw_).any() else res
        work = np.abs(work)  # |z| (hypot: overflow-safe), one real temporary
    plan = Plan([work], axis)
    if ord is None:  # the default 2-norm, as op_for reads it, without its call
        res = power_sum(plan, 2.0, work.itemsize == 8)
    else:
        if ord == -math.inf and (work.size == 0 if axis is None else work.shape[axis] == 0):
            raise ValueError(MIN_MSG)  # numpy's min over an empty axis has no identity
        op, p, safe = op_for(ord, work.dtype)
        res = power_sum(plan, p, safe) if op == OP_SUMSQ or op == OP_POW else raw(plan, op, p)
    return res if axis is None else plan.finish(res)


def sumsq_raw(part: np.ndarray, axis: int | None) -> Any:
    plan = Plan([part], axis)
    r = raw(plan, OP_SUMSQ, 2.0)
    return r if axis is None else plan.finish(r)


def reduce_axes(work: np.ndarray, ord: Any, axes: tuple[int, ...]) -> np.ndarray:
    """float64 vector ``ord``-norm of ``work`` over the (sorted, distinct, >= 2) ``axes``,
    as an array of the kept axes' shape (C order); without copying ``work``.

    The order of ``axes`` does not matter.  Axes that are contiguous with each other in
    memory merge into one view axis (a transpose + reshape that numpy makes a view); where
    they do not (``axis=(0, 2)`` of a C array), the longest group is reduced first and its
    norms, an array smaller than ``work`` by that group's length, are reduced over the
    remaining axes with :func:`~fastnorm._args.combine_ord` (exact algebra, as the Dask
    backend combines chunks).
    """
    shape = work.shape
    rest = [i for i in range(work.ndim) if i not in axes]
    kept = tuple(shape[i] for i in rest)
    groups = merge_axes(shape, [work.strides], list(axes))
    unit = [a for a in axes if shape[a] == 1]
    if work.size == 0 or len(groups) <= 1:
        inner = [a for g in groups for a in g[2]] + unit
        y = work.transpose(rest + inner).reshape((*kept, math.prod(shape[a] for a in axes)))
        if not rest:
            return np.asarray(vector_reduce(y, ord, None), dtype=np.float64)
        return np.asarray(vector_reduce(y, ord, len(rest)), dtype=np.float64)
    # the longest group first (the smallest partial array); on a tie the contiguous-most one
    inner = max(reversed(groups), key=lambda g: g[0])[2]
    others = [a for a in axes if a not in inner]
    y = work.transpose(rest + others + inner)
    y = y.reshape((*kept, *(shape[a] for a in others), math.prod(shape[a] for a in inner)))
    part = np.asarray(vector_reduce(y, ord, y.ndim - 1), dtype=np.float64)
    left = tuple(range(len(rest), len(rest) + len(others)))
    if len(left) == 1:
        return np.asarray(vector_reduce(part, combine_ord(ord), left[0]), dtype=np.float64)
    return reduce_axes(part, combine_ord(ord), left)


# ----------------------------------------------------------------------------- norm (NumPy input)
def rows_or_cols_fast(x: np.ndarray, ord: Any, axis: int) -> np.ndarray | None:
    """2-D float64/float32 ``x``, a real ord along one axis, without the general plumbing (a
    few microseconds matter for small matrices).  None: take the general path."""
    dt = x.dtype
    if not (dt is F64 or dt is F32):
        return None
    if axis < 0:
        axis += 2
    if axis not in (0, 1) or 0 in x.shape:
        return None
    if not (ord is None or ord == 1 or ord == 2 or ord == math.inf or ord == -math.inf):
        if type(ord) in (int, float):  # other real ords: the local reduction directly
            return cast(vector_reduce(x, ord, axis), dt)
        return None
    st = x.strides
    m = x.shape[1 - axis]
    if ord == math.inf or ord == -math.inf:  # max/min |x| on the bits, in x's dtype
        utype, mask, infbits = MASKS[dt.itemsize]
        u = x.view(utype)
        res = np.empty((m, 2), dtype=dt)
        bits = res.view(utype).reshape(-1)
        if abs(st[axis]) <= abs(st[1 - axis]):
            run(KR.maxmin_rows, x.size, u if axis == 1 else u.T, mask, infbits, bits)
        else:
            run(KR.maxmin_cols, x.size, (u.T if axis == 1 else u)[None], mask, infbits, bits)
        return res[:, 0 if ord > 0 else 1].copy()
    op = OP_SUMABS if ord == 1 else OP_SUMSQ
    if abs(st[axis]) <= abs(st[1 - axis]):
        out = np.empty(m)
        run(KR.reduce_rows, x.size, x if axis == 1 else x.T, op, 2.0, NOSCALE, out)
    else:
        out = np.empty((1, m))
        run(KR.reduce_cols, x.size, (x.T if axis == 1 else x)[None], op, 2.0, NOSCALE2, out)
        out = out.reshape(m)
    if op == OP_SUMSQ:
        if dt is F64 and not KR.all_normal(out):
            return None  # over/underflow, zeros or NaN: the general path sorts it out
        np.sqrt(out, out=out)
    return out if dt is F64 else out.astype(F32)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`fastnorm.norm` of NumPy input (array_like), every case (no fast path)."""
    xa, work = as_float(x)
    if xa is None:
        return np.linalg.norm(work, ord=ord, axis=axis, keepdims=keepdims)
    nd = xa.ndim
    rdt = result_dtype(xa)
    # numpy's commonest case (the 2-norm of everything) without the argument reading
    how, axes = ("l2", ()) if axis is None and ord is None else norm_args(nd, ord, axis)
    if how == "l2":
        ret = cast(vector_reduce(work, None, None), rdt)
        return np.reshape(ret, nd * [1]) if keepdims else ret
    if how == "numpy":
        return np.linalg.norm(xa, ord=ord, axis=axes, keepdims=keepdims)
    if how == "vector":
        ax = axes[0]
        if nd == 1 and not keepdims:
            return cast(vector_reduce(work, ord, None), rdt)
        res = cast(vector_reduce(work, ord, ax), rdt)
        if keepdims:
            res = np.expand_dims(res, ax)
        return res[()] if np.ndim(res) == 0 else res
    return _matrix(xa, work, ord, axes, keepdims, rdt)


def _matrix(
    xa: np.ndarray, work: np.ndarray, ord: Any, axes: tuple, keepdims: bool, rdt: np.dtype
) -> Any:
    nd = xa.ndim
    row_axis, col_axis = axes
    if is_svd_ord(ord):
        # Functions of the singular values: numpy's SVD does the work.
        return np.linalg.norm(xa, ord=ord, axis=axes, keepdims=keepdims)
    if ord in (1, -1):
        s = vector_reduce(work, 1, row_axis)  # column sums of |x|, float64
        c = col_axis - 1 if col_axis > row_axis else col_axis
        ret = s.max(axis=c, initial=0) if ord == 1 else s.min(axis=c)
    elif ord in (math.inf, -math.inf):
        s = vector_reduce(work, 1, col_axis)  # row sums of |x|
        r = row_axis - 1 if row_axis > col_axis else row_axis
        ret = s.max(axis=r, initial=0) if ord == math.inf else s.min(axis=r)
    else:  # None, 'fro', 'f'
        if nd == 2:
            ret = vector_reduce(work, None, None)
        else:
            # ord None (the 2-norm) takes vector_reduce's shortest route
            ret = reduce_axes(work, None, tuple(sorted((row_axis, col_axis))))
    ret = cast(ret, rdt)
    if keepdims:
        shape = list(xa.shape)
        shape[row_axis] = 1
        shape[col_axis] = 1
        ret = np.reshape(ret, shape)
    return ret


def vector_norm(
    x: Any, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, ord: Any = 2
) -> Any:
    """:func:`fastnorm.vector_norm` of NumPy input (array_like)."""
    xa, work = as_float(x)
    if xa is None:
        return np.linalg.vector_norm(work, axis=axis, keepdims=keepdims, ord=ord)
    axes = vector_args(xa.ndim, ord, axis)
    if axes is None:
        return np.linalg.vector_norm(xa, axis=axis, keepdims=keepdims, ord=ord)
    rdt = result_dtype(xa)
    if axis is None:
        res = cast(vector_reduce(work, ord, None), rdt)
    elif len(axes) == 1:
        res = cast(vector_reduce(work, ord, axes[0]), rdt)
    else:
        res = cast(reduce_axes(work, ord, tuple(sorted(axes))), rdt)
    if keepdims:
        shape = list(xa.shape)
        for i in axes:
            shape[i] = 1
        return np.reshape(res, tuple(shape))
    return res[()] if isinstance(res, np.ndarray) and res.ndim == 0 else res


def matrix_norm(x: Any, keepdims: bool = False, ord: Any = "fro") -> Any:
    """:func:`fastnorm.matrix_norm` of NumPy input (array_like)."""
    return norm(np.asarray(x), axis=(-2, -1), keepdims=keepdims, ord=ord)


# ----------------------------------------------------------------------------- dist (NumPy input)
def dist_reduce(
    x: np.ndarray,
    y: np.ndarray,
    ord: Any,
    axis: int | None,
    dtype: np.dtype,
    plan: Plan | None = None,
) -> Any:
    """float64 ``norm(x - y, ord, axis)`` (vector ords) of same-shape float operands whose
    difference has dtype ``dtype``."""
    if plan is None:
        plan = Plan([x, y], axis)
    if plan.kind is None:  # strides fit no layout: the difference, then the norm kernels
        return vector_reduce(np.subtract(x, y), ord, axis)
    op, p, safe = op_for(ord, dtype)
    res = power_sum(plan, p, safe) if op == OP_SUMSQ or op == OP_POW else raw(plan, op, p)
    if axis is None:
        return res
    return plan.finish(res)


def fast_plan(x: np.ndarray, y: np.ndarray, axis: int | None) -> Plan | None:
    """The common layouts, planned without broadcasting views or stride algebra: C-contiguous
    operands of one shape (flat), and C-contiguous ``(m, n)`` against ``(n,)``, ``(1, n)`` or
    ``(m, n)`` along the last axis (rows)."""
    if not (x.flags.c_contiguous and y.flags.c_contiguous):
        return None
    if axis is None and x.shape == y.shape:
        return Plan.direct(
            "flat", [readonly(x.reshape(-1)), readonly(y.reshape(-1))], (x.size,), x.size
        )
    if x.ndim == 2 and axis in (1, -1) and 1 <= y.ndim <= 2 and x.shape[1] == y.shape[-1]:
        m, n = x.shape
        yv = y.reshape(-1, n)
        if yv.shape[0] in (1, m):
            return Plan.direct("rows", [readonly(x), readonly(yv)], (m, n), x.size)
    return None


def dist(x: Any, y: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """:func:`fastnorm.distances.dist` of NumPy input (array_like)."""
    ops = operands(x, y)
    if ops is None:
        return norm(np.subtract(x, y), ord=ord, axis=axis, keepdims=keepdims)
    xa, ya, dt = ops
    if (
        axis is None
        and ord is None
        and xa.shape == ya.shape
        and xa.ndim <= 2
        and xa.size
        and not keepdims
    ):
        plan = fast_plan(xa, ya, None)
        if plan is not None:
            return cast(dist_reduce(xa, ya, None, None, dt, plan), dt)
    if (
        isinstance(axis, int)
        and axis in (1, -1)
        and xa.ndim == 2
        and not keepdims
        and xa.size
        and ya.ndim <= 2
        and is_real_number(ord)
    ):
        plan = fast_plan(xa, ya, axis)
        if plan is not None:
            return cast(dist_reduce(xa, ya, ord, 1, dt, plan), dt)
    shape = np.broadcast_shapes(xa.shape, ya.shape)
    nd = len(shape)
    if math.prod(shape) == 0:  # nothing to read: numpy's semantics on the empty difference
        return norm(np.subtract(xa, ya, dtype=dt), ord=ord, axis=axis, keepdims=keepdims)
    xb = np.broadcast_to(xa, shape)
    yb = np.broadcast_to(ya, shape)
    how, axes = norm_args(nd, ord, axis)
    if how == "l2":
        ret = cast(dist_reduce(xb, yb, None, None, dt), dt)
        return np.reshape(ret, nd * [1]) if keepdims else ret
    if how == "vector":
        ax = axes[0]
        if nd == 1 and not keepdims:
            return cast(dist_reduce(xb, yb, ord, None, dt), dt)
        res = cast(dist_reduce(xb, yb, ord, ax, dt), dt)
        if keepdims:
            res = np.expand_dims(res, ax)
        return res[()] if np.ndim(res) == 0 else res
    # matrix norms and ords only numpy knows: the difference is formed (they are not
    # single-pass reductions anyway)
    return norm(np.subtract(xb, yb), ord=ord, axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- normalize
def normalize(
    x: Any, ord: Any, axis: int | None, out: np.ndarray | None, return_norm: bool, copy: bool
) -> Any:
    """:func:`fastnorm.distances.normalize` of NumPy input, ``ord`` and ``axis`` read by
    :func:`~fastnorm._args.normalize_args`."""
    xa = np.asarray(x)
    kind = xa.dtype.kind
    rdt = normalize_dtype(xa.dtype)
    ax = None if axis is None else normalize_axis_index(axis, xa.ndim)
    if not copy and out is None and xa is x and xa.dtype == rdt and xa.flags.writeable:
        out = xa  # scikit-learn's copy=False: in place where the dtype allows it
    inplace = False if out is None else check_out(out, xa, rdt)

    if kind == "c" or rdt not in FAST:  # complex, float16, longdouble: numpy does it
        # vector_norm, not norm: with axis=None norm would take a matrix norm of 2-D input
        nrm = vector_norm(xa, ord=ord, axis=ax, keepdims=True)
        d = np.where(nrm == 0, 1, nrm).astype(nrm.dtype)
        res = np.empty(xa.shape, rdt)
        if kind == "c":
            # the parts by the real norm: numpy's complex division (by norm + 0j) turns
            # inf + 0j / 1 into inf + nan*j and 5e-324j / 5e-324 into nan + inf*j
            np.divide(xa.real, d, out=res.real)
            np.divide(xa.imag, d, out=res.imag)
        else:
            np.divide(xa, d.astype(rdt), out=res, dtype=rdt)
        if out is not None:
            out[...] = res
            res = out
        nrm = np.reshape(nrm, ()) if ax is None else np.squeeze(nrm, ax)
        return (res, nrm[()] if nrm.ndim == 0 else nrm) if return_norm else res

    work = xa
    if work.dtype != rdt:
        work = work.astype(rdt)  # ints, bool, byte-swapped: one converted copy
    elif inplace:
        work = out  # the same memory and layout as x
    if out is None:
        out = np.empty_like(work, dtype=rdt)  # x's memory order (K)
    res_out = out
    if xa.size == 0:
        nrm = vector_norm(work, ord=ord, axis=ax)
        return (res_out, nrm) if return_norm else res_out
    op, p, safe = op_for(ord, rdt)
    if ax is None:
        plan = Plan([work, out], None)
        nrm = cast(vector_reduce(work, ord, None), F64)
        d = float(nrm) if nrm != 0 else 1.0
        if plan.kind == "flat":
            xv, ov = plan.views
            ov = writeable_view(out, ov)
            _scale(xv.reshape(1, -1), np.array([d]), ov.reshape(1, -1), plan.n)
        else:
            np.divide(work, d, out=out, casting="same_kind")
        nrm_r = cast(nrm, rdt)
    else:
        if ax == work.ndim - 1 and work.flags.c_contiguous and out.flags.c_contiguous:
            n = work.shape[-1]
            m = work.size // n
            xv, ov = readonly(work.reshape(m, n)), out.reshape(m, n)
            plan = Plan.direct("rows", [xv, ov], (m, n), m * n)
            plan.out_shape, plan.perm = work.shape[:-1], list(range(work.ndim - 1))
        else:
            plan = Plan([work, out], ax)
        if plan.kind == "rows" and (plan.shape[0] >= 64 or plan.shape[1] <= 1 << 16):
            xv, ov = plan.views
            if not ov.flags.writeable:
                ov = writeable_view(out, ov)
            nk = np.empty(plan.shape[0])
            if op == OP_MAX and plan.shape[1] > 0:
                bits = xv.view(_BITS[rdt])  # same itemsize: a view whatever the strides
                mask = _BITS[rdt].type(np.iinfo(_BITS[rdt]).max)
                run(KN.normalize_rows_max, plan.n, xv, bits, mask, ov, nk)
            else:
                run(KN.normalize_rows, plan.n, xv, ov, op, p, safe, nk)
            nrm = plan.finish(nk)
        else:
            nrm = np.asarray(vector_reduce(work, ord, ax), dtype=np.float64)
            d = np.where(nrm == 0, 1.0, nrm)
            if plan.kind == "rows":
                xv, ov = plan.views
                ov = writeable_view(out, ov)
                dk = np.ascontiguousarray(d.reshape(-1)) if len(plan.perm) <= 1 else None
                if dk is None:
                    dk = _kernel_order(d, plan.perm).reshape(-1)
                _scale(xv, dk, ov, plan.n)
            elif plan.kind == "cols":
                xv, ov = plan.views
                ov = writeable_view(out, ov)
                dk = _kernel_order(d, plan.perm).reshape(ov.shape[0], -1)
                run(KN.scale_cols, plan.n, xv, dk, ov)
            else:  # strides fit no layout
                np.divide(work, np.expand_dims(d, ax), out=out, casting="same_kind")
        nrm_r = cast(nrm, rdt)
    return (res_out, nrm_r) if return_norm else res_out


def _kernel_order(d: np.ndarray, perm: list[int]) -> np.ndarray:
    """Norms ``d`` (the kept axes, in order) as a C array in the plan's kernel order.  The
    plan leaves length-1 axes out of ``perm``; they go last (they change no memory order)."""
    rest = [i for i in range(d.ndim) if i not in perm]
    return np.ascontiguousarray(d.transpose(list(perm) + rest))


def _scale(xv: np.ndarray, d: np.ndarray, ov: np.ndarray, n: int) -> None:
    run(KN.scale_rows, n, xv, d, ov)
