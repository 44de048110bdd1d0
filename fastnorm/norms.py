"""Vector and matrix norms: a multithreaded, overflow-safe drop-in for ``numpy.linalg.norm``.

Each wrapper reproduces numpy's argument handling, result dtypes, shapes and exceptions, and
hands the data, without copying it, to one reduction kernel in :mod:`fastnorm._kernels.reduce`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from fastnorm._config import POW2_SCALE_MAX_P, TINY, run
from fastnorm._kernels import reduce as K

__all__ = ["matrix_norm", "norm", "vector_norm"]

_TINY = TINY
# Unsigned view type, mask clearing the sign bit, and the bits of +inf, by itemsize.
_MASKS = {
    8: (np.uint64, np.uint64(0x7FFFFFFFFFFFFFFF), np.uint64(0x7FF0000000000000)),
    4: (np.uint32, np.uint64(0x7FFFFFFF), np.uint64(0x7F800000)),
}
_F64, _F32 = np.dtype(np.float64), np.dtype(np.float32)
_NOSCALE, _NOSCALE2 = np.empty(0), np.empty((0, 0))  # ``scale`` for ops that ignore it
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
    elif work.dtype.itemsize > (8 if kind == "f" else 16):  # (c)longdouble: numpy's own code
        return None, x
    return x, work


def _result_dtype(x: np.ndarray) -> np.dtype:
    dt = x.real.dtype if x.dtype.kind == "c" else x.dtype
    return dt if dt.isnative else dt.newbyteorder("=")  # numpy returns native byte order


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


def _view(x: np.ndarray, groups: list, lead: list[int]) -> np.ndarray:
    """A view of ``x`` whose axes are the merged axis ``groups`` (outer to inner), after
    ``len(lead)`` leading axes of length one.  Built by transpose + reshape, which numpy
    guarantees to be a view here because each group's axes are contiguous with each other."""
    order = [a for g in groups for a in g[2]]
    rest = [a for a in range(x.ndim) if a not in order]
    y = x.transpose(rest + order)
    shape = [1] * len(lead) + [g[0] for g in groups]
    try:
        return np.reshape(y, shape, copy=False)
    except ValueError:  # pragma: no cover - defensive: fall back to explicit strides
        st = [0] * len(lead) + [g[1] for g in groups]
        return np.lib.stride_tricks.as_strided(x, shape=shape, strides=st, writeable=False)


# ----------------------------------------------------------------------------- reductions
class _Plan:
    """How to feed one single-axis (or full) reduction of ``x`` to a kernel."""

    __slots__ = ("kind", "n", "out_shape", "perm", "view")

    def __init__(self, x: np.ndarray, axis: int | None) -> None:
        shape, strides = x.shape, x.strides
        self.n = x.size
        self.out_shape: tuple[int, ...] = ()
        self.perm: list[int] = []
        if axis is None:
            if x.ndim == 1:
                self.kind, self.view = "flat", x
                return
            if x.flags.c_contiguous or x.flags.f_contiguous:
                self.kind, self.view = "flat", x.ravel(order="K")
                return
            merged = _merge_axes(shape, strides, list(range(x.ndim)))
            if x.size == 0 or not merged:
                self.kind, self.view = "flat", x.reshape(-1)
            elif len(merged) <= 2:
                kind = "flat" if len(merged) == 1 else "allrows"
                self.kind, self.view = kind, _view(x, merged, [])
            else:  # three or more non-mergeable axes: one contiguous copy (as numpy's ravel)
                self.kind, self.view = "flat", np.ascontiguousarray(x).reshape(-1)
            return
        n, sk = shape[axis], strides[axis]
        others = [a for a in range(x.ndim) if a != axis]
        self.out_shape = tuple(shape[a] for a in others)
        if n == 0 or x.size == 0:
            self.kind, self.view = "empty", x
            return
        if x.ndim == 2:  # the common case, without stride algebra
            other = others[0]
            self.perm = [0] if shape[other] != 1 else []
            if abs(sk) <= abs(strides[other]) or shape[other] == 1:
                self.kind, self.view = "rows", x if axis == 1 else x.T
            else:
                self.kind, self.view = "cols", (x.T if axis == 1 else x)[None]
            return
        merged = _merge_axes(shape, strides, others)
        kept = [a for g in merged for a in g[2]]
        # Order of the kernel's output axes, as positions in out_shape.
        self.perm = [others.index(a) for a in kept]
        red = [n, sk, [axis]]
        if not merged:
            self.kind, self.view = "rows", _view(x, [red], [1])
        elif len(merged) == 1 and abs(sk) <= abs(merged[0][1]):
            self.kind, self.view = "rows", _view(x, [merged[0], red], [])
        elif len(merged) == 1:
            self.kind, self.view = "cols", _view(x, [red, merged[0]], [1])
        elif len(merged) == 2 and abs(merged[1][1]) < abs(sk):
            self.kind, self.view = "cols", _view(x, [merged[0], red, merged[1]], [])
        else:  # awkward strides: reduce a contiguous copy instead
            c = np.ascontiguousarray(x)
            p = _Plan(c, axis)
            self.kind, self.view, self.perm = p.kind, p.view, p.perm

    def kshape(self) -> tuple[int, ...]:
        return tuple(self.out_shape[i] for i in self.perm)

    def finish(self, raw: Any) -> np.ndarray:
        """Kernel-order raw output -> array of ``out_shape`` (C order)."""
        raw = np.asarray(raw, dtype=np.float64)
        if self.kind == "empty":
            return raw.reshape(self.out_shape)
        raw = raw.reshape(self.kshape())
        if len(self.perm) > 1:
            raw = np.ascontiguousarray(raw.transpose(np.argsort(self.perm)))
        return raw.reshape(self.out_shape)


def _raw(plan: _Plan, op: int, p: float, scale: Any = None) -> Any:
    """Raw float64 accumulation(s) of ``op`` per the plan (kernel order).

    ``scale`` (OP_SCALED only): one divisor per output, in kernel order.
    """
    v = plan.view
    if plan.kind == "flat":
        return float(run(K.reduce_flat, plan.n, v, op, p, 1.0 if scale is None else float(scale)))
    if plan.kind in ("allrows", "rows"):
        m = v.shape[0]
        if scale is None:
            sc = _NOSCALE
        elif plan.kind == "allrows":
            sc = np.full(m, float(scale))
        else:
            sc = np.ascontiguousarray(scale, dtype=np.float64)
        out = np.empty(m)
        run(K.reduce_rows, plan.n, v, op, p, sc, out)
        return float(out.sum()) if plan.kind == "allrows" else out
    if plan.kind == "cols":
        out = np.empty((v.shape[0], v.shape[2]))
        sc = _NOSCALE2 if scale is None else np.ascontiguousarray(scale, float).reshape(out.shape)
        run(K.reduce_cols, plan.n, v, op, p, sc, out)
        return out.reshape(-1)
    return np.zeros(math.prod(plan.out_shape))  # empty reduced axis: identity 0


def _raw_maxmin(plan: _Plan) -> tuple[Any, Any]:
    """(max |x|, min |x|) in the input's float dtype, NaN where any NaN, in kernel order."""
    v = plan.view
    if plan.kind == "empty":
        size = math.prod(plan.out_shape)
        return np.zeros(size), np.full(size, np.inf)
    utype, mask, infbits = _MASKS[v.itemsize]
    u = v.view(utype)
    if plan.kind == "flat":
        out = np.empty(2, dtype=v.dtype)
        run(K.maxmin_flat, plan.n, u, mask, infbits, out.view(utype))
        if v.size == 0:
            out[1] = np.inf
        return out[0], out[1]
    if plan.kind == "cols":
        out = np.empty((u.shape[0] * u.shape[2], 2), dtype=v.dtype)
        run(K.maxmin_cols, plan.n, u, mask, infbits, out.view(utype).reshape(-1))
    else:
        out = np.empty((u.shape[0], 2), dtype=v.dtype)
        run(K.maxmin_rows, plan.n, u, mask, infbits, out.view(utype).reshape(-1))
    mx, mn = out[:, 0], out[:, 1]
    if plan.kind == "allrows":
        return mx.max(), mn.min()
    return mx, mn


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


def _power_sum(plan: _Plan, p: float, safe: bool) -> Any:
    """(sum |x|**p) ** (1/p) in float64, rescaled by max|x| where the one-pass sum over- or
    underflowed while the answer is representable."""
    op = K.OP_SUMSQ if p == 2.0 else K.OP_POW
    raw = _raw(plan, op, p)
    if type(raw) is float:  # full reduction: finish in Python floats when nothing is special
        if (_TINY <= raw < math.inf) or (not safe and 0.0 < raw < math.inf):
            try:
                return math.sqrt(raw) if p == 2.0 else raw ** (1.0 / p)
            except OverflowError:  # e.g. p < 1: the result itself overflows
                pass
    elif safe and K.all_normal(raw) or not safe and p == 2.0:
        return np.sqrt(raw, out=raw) if p == 2.0 else np.power(raw, 1.0 / p, out=raw)
    raw_a = np.asarray(raw, dtype=np.float64)
    if not safe:
        res = _root(raw_a, p)
        return res[()] if res.ndim == 0 else res
    bad = np.isinf(raw_a) | (raw_a < _TINY)
    if not bad.any():
        res = _root(raw_a, p)
        return res[()] if res.ndim == 0 else res
    amax, _ = _raw_maxmin(plan)
    amax = np.asarray(amax, dtype=np.float64)
    # Rescale where the one-pass sum failed and max|x| is finite and non-zero.
    redo = bad & np.isfinite(amax) & (amax > 0)
    if not redo.any():
        res = _root(raw_a, p)
        res = np.where(np.isinf(amax), amax, res)
        return res[()] if res.ndim == 0 else res
    scale = rescale_factor(amax, redo, p)
    scaled = np.asarray(_raw(plan, K.OP_SCALED, p, scale), dtype=np.float64)
    with np.errstate(over="ignore"):
        res = np.where(redo, scale * _root(scaled, p), _root(raw_a, p))
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
            # overflow-safe pass on |z|; NaN stays where numpy's sum(re**2 + im**2) is NaN
            # (|nan + inf*j| is inf, but numpy's 2-norm of it is NaN)
            res = _vector_reduce(np.abs(work), ord, axis)
            return np.where(np.isnan(raw), np.nan, res) if np.isnan(raw).any() else res
        work = np.abs(work)  # |z| (hypot: overflow-safe), one real temporary
    plan = _Plan(work, axis)
    if ord == math.inf or ord == -math.inf:
        mx, mn = _raw_maxmin(plan)
        if ord == math.inf:
            res = mx
        else:
            if work.size == 0 if axis is None else work.shape[axis] == 0:
                raise ValueError(_MIN_MSG)  # numpy's min over an empty axis has no identity
            res = mn
    elif ord == 0:
        res = _raw(plan, K.OP_COUNTNZ, 0.0)
    elif ord == 1:
        res = _raw(plan, K.OP_SUMABS, 1.0)
    elif ord is None or ord == 2:
        res = _power_sum(plan, 2.0, safe=work.itemsize == 8)  # f32: f64 sums never overflow
    else:
        p = float(ord)
        res = _power_sum(plan, p, safe=p > 0)
    return res if axis is None else plan.finish(res)


def _combine_ord(ord: Any) -> Any:
    """The ord that combines partial ``ord``-norms into the norm of their union: the p-norm of
    p-norms is the p-norm (any p != 0), max of maxes, min of mins; counts of non-zeros add."""
    return 1 if ord == 0 else ord


def _reduce_axes(work: np.ndarray, ord: Any, axes: tuple[int, ...]) -> np.ndarray:
    """float64 vector ``ord``-norm of ``work`` over the (sorted, distinct, >= 2) ``axes``,
    as an array of the kept axes' shape (C order); without copying ``work``.

    The order of ``axes`` does not matter.  Axes that are contiguous with each other in
    memory merge into one view axis (a transpose + reshape that numpy makes a view); where
    they do not (``axis=(0, 2)`` of a C array), the longest group is reduced first and its
    norms, an array smaller than ``work`` by that group's length, are reduced over the
    remaining axes with :func:`_combine_ord` (exact algebra, as the Dask backend combines
    chunks).
    """
    shape = work.shape
    rest = [i for i in range(work.ndim) if i not in axes]
    kept = tuple(shape[i] for i in rest)
    groups = _merge_axes(shape, work.strides, list(axes))
    unit = [a for a in axes if shape[a] == 1]
    if work.size == 0 or len(groups) <= 1:
        inner = [a for g in groups for a in g[2]] + unit
        y = work.transpose(rest + inner).reshape((*kept, math.prod(shape[a] for a in axes)))
        if not rest:
            return np.asarray(_vector_reduce(y, ord, None), dtype=np.float64)
        return np.asarray(_vector_reduce(y, ord, len(rest)), dtype=np.float64)
    # the longest group first (the smallest partial array); on a tie the contiguous-most one
    inner = max(reversed(groups), key=lambda g: g[0])[2]
    others = [a for a in axes if a not in inner]
    y = work.transpose(rest + others + inner)
    y = y.reshape((*kept, *(shape[a] for a in others), math.prod(shape[a] for a in inner)))
    part = np.asarray(_vector_reduce(y, ord, y.ndim - 1), dtype=np.float64)
    left = tuple(range(len(rest), len(rest) + len(others)))
    if len(left) == 1:
        return np.asarray(_vector_reduce(part, _combine_ord(ord), left[0]), dtype=np.float64)
    return _reduce_axes(part, _combine_ord(ord), left)


def _vector_sumsq_raw(part: np.ndarray, axis: int | None) -> Any:
    plan = _Plan(part, axis)
    raw = _raw(plan, K.OP_SUMSQ, 2.0)
    return raw if axis is None else plan.finish(np.asarray(raw, dtype=np.float64))


def _cast(res: Any, dtype: np.dtype) -> Any:
    """float64 result(s) -> numpy's result dtype (a numpy scalar for 0-d results)."""
    if dtype is _F64:
        return np.float64(res) if np.ndim(res) == 0 else np.asarray(res, dtype=_F64)
    with np.errstate(over="ignore"):  # a float32/float16 norm may overflow its dtype
        if np.ndim(res) == 0:
            return dtype.type(res)
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
    1.414213562373095e+200
    >>> fastnorm.norm(np.arange(6.0).reshape(2, 3), axis=1)
    array([2.23606798, 7.07106781])
    """
    if type(x) is not np.ndarray:
        pass
    elif x.ndim == 1 and not keepdims and axis in (None, 0, -1):
        # Fast path for the commonest calls: a 1-D float64/float32 vector.
        dt = x.dtype
        if (dt is _F64 or dt is _F32) and (ord is None or type(ord) in (int, float)):
            if ord is None or ord == 2:
                raw = run(K.reduce_flat, x.size, x, K.OP_SUMSQ, 2.0, 1.0)
                if _TINY <= raw < math.inf or (dt is _F32 and raw < 1e76):
                    return dt.type(math.sqrt(raw))
            elif ord == 1:
                return dt.type(run(K.reduce_flat, x.size, x, K.OP_SUMABS, 1.0, 1.0))
            elif ord == math.inf or (ord == -math.inf and x.size):
                mx, mn = _raw_maxmin(_Plan(x, None))
                return mx if ord > 0 else mn
    elif type(axis) is int and x.ndim == 2 and not keepdims:
        res = _rows_or_cols_fast(x, ord, axis)
        if res is not None:
            return res
    if _is_dask(x):
        from fastnorm import _dask

        return _dask.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    xa, work = _as_float(x)
    if xa is None:
        return np.linalg.norm(work, ord=ord, axis=axis, keepdims=keepdims)
    rdt = _result_dtype(xa)
    nd = xa.ndim

    if axis is None:
        if _is_full_l2(ord, nd):
            ret = _cast(_vector_reduce(work, None, None), rdt)
            return np.reshape(ret, nd * [1]) if keepdims else ret
        axis = tuple(range(nd))
    else:
        axis = _axis_tuple(axis)

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


def _rows_or_cols_fast(x: np.ndarray, ord: Any, axis: int) -> np.ndarray | None:
    """2-D float64/float32 ``x``, ord None/1/2/±inf along one axis, without the general plumbing
    (a few microseconds matter for small matrices).  None: take the general path."""
    dt = x.dtype
    if not (dt is _F64 or dt is _F32) or not (
        ord is None or ord == 1 or ord == 2 or ord == math.inf or ord == -math.inf
    ):
        return None
    if axis < 0:
        axis += 2
    if axis not in (0, 1) or 0 in x.shape:
        return None
    st = x.strides
    m = x.shape[1 - axis]
    if ord == math.inf or ord == -math.inf:  # max/min |x| on the bits, in x's dtype
        utype, mask, infbits = _MASKS[dt.itemsize]
        u = x.view(utype)
        res = np.empty((m, 2), dtype=dt)
        bits = res.view(utype).reshape(-1)
        if abs(st[axis]) <= abs(st[1 - axis]):
            run(K.maxmin_rows, x.size, u if axis == 1 else u.T, mask, infbits, bits)
        else:
            run(K.maxmin_cols, x.size, (u.T if axis == 1 else u)[None], mask, infbits, bits)
        return res[:, 0 if ord > 0 else 1].copy()
    op = K.OP_SUMABS if ord == 1 else K.OP_SUMSQ
    if abs(st[axis]) <= abs(st[1 - axis]):
        out = np.empty(m)
        run(K.reduce_rows, x.size, x if axis == 1 else x.T, op, 2.0, _NOSCALE, out)
    else:
        out = np.empty((1, m))
        run(K.reduce_cols, x.size, (x.T if axis == 1 else x)[None], op, 2.0, _NOSCALE2, out)
        out = out.reshape(m)
    if op == K.OP_SUMSQ:
        if dt is _F64 and not K.all_normal(out):
            return None  # over/underflow, zeros or NaN: the general path sorts it out
        np.sqrt(out, out=out)
    return out if dt is _F64 else out.astype(_F32)


def _is_full_l2(ord: Any, nd: int) -> bool:
    """numpy's fast case with ``axis=None``: the 2-norm of all elements (ord None, 'fro'/'f'
    on 2-D, or 2 on 1-D)."""
    if ord is None:
        return True
    if _is_str(ord):
        return ord in ("f", "fro") and nd == 2
    return ord == 2 and nd == 1


def _axis_tuple(axis: Any) -> tuple:
    """A non-None ``axis`` argument as a tuple, with numpy's TypeError for anything else."""
    if isinstance(axis, tuple):
        return axis
    try:
        return (int(axis),)
    except Exception as e:
        raise TypeError("'axis' must be None, an integer or a tuple of integers") from e


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
            ret = _reduce_axes(work, 2, tuple(sorted((row_axis, col_axis))))
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
            res = _cast(_reduce_axes(work, ord, tuple(sorted(axes))), rdt)
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
