"""Distances and normalisation without temporaries: ``dist``, ``cdist``, ``normalize``.

``dist(x, y)`` is ``norm(x - y)`` computed by kernels that read both operands (broadcast as
numpy does, through zero-stride views) and accumulate f(x - y) chunk by chunk, so ``x - y`` is
never stored.  ``cdist`` is scipy's Minkowski ``cdist``, multithreaded and cache-blocked.
``normalize`` divides by the norm along an axis in one fused pass per row.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from fastnorm._config import run
from fastnorm._kernels import cdist as KC
from fastnorm._kernels import dist as K
from fastnorm._kernels import normalize as KN
from fastnorm.norms import (
    _TINY,
    _axis_tuple,
    _cast,
    _is_dask,
    _is_full_l2,
    _is_real_number,
    _root,
    _vector_reduce,
    norm,
    rescale_factor,
    vector_norm,
)

__all__ = ["cdist", "dist", "normalize"]

_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)
_FAST = (_F32, _F64)
#: Signed integers of each fast float's width (the bits of |x| for the max kernels).
_BITS = {_F32: np.dtype(np.int32), _F64: np.dtype(np.int64)}


# ----------------------------------------------------------------------------- joint plans
def _view(x: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    return np.lib.stride_tricks.as_strided(x, shape=shape, strides=strides, writeable=False)


def _ro(a: np.ndarray) -> np.ndarray:
    """A read-only view: kernels then see the same numba type as for the planned views (one
    compiled specialisation instead of a read-only and a writeable one)."""
    v = a.view()
    v.flags.writeable = False
    return v


def _wview(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """A writeable view of ``x`` (an output) with the shape and strides of plan view ``v``."""
    return np.lib.stride_tricks.as_strided(x, shape=v.shape, strides=v.strides)


def _merge_joint(shape: tuple[int, ...], strides: list[tuple[int, ...]], axes: Any) -> list:
    """Like :func:`fastnorm.norms._merge_axes` for several operands of one shape: axes merge
    only where they are contiguous with each other in every operand.  Returns a list of
    ``[length, [stride per operand], [axes]]`` (outer to inner)."""
    ax = sorted((a for a in axes if shape[a] != 1), key=lambda a: -max(abs(s[a]) for s in strides))
    merged: list = []
    for a in ax:
        if merged and all(
            g == s[a] * shape[a] for g, s in zip(merged[-1][1], strides, strict=True)
        ):
            merged[-1][0] *= shape[a]
            merged[-1][1] = [s[a] for s in strides]
            merged[-1][2].append(a)
        else:
            merged.append([shape[a], [s[a] for s in strides], [a]])
    return merged


def _key(ss: list[int]) -> int:
    return max(abs(s) for s in ss)


class _Plan2:
    """How to feed a reduction over ``axis`` (None: everything) of several same-shape operands
    (broadcast views allowed) to one kernel.  ``kind`` is ``flat``, ``allrows``, ``rows``,
    ``cols``, or None when the strides do not fit any layout.  In the outer (non-vector) axes
    of ``rows``/``cols`` an operand with stride 0 gets a view of length 1 there (the kernels
    then reuse its row 0)."""

    __slots__ = ("kind", "n", "out_shape", "perm", "shape", "views")

    @classmethod
    def direct(cls, kind: str, views: list[np.ndarray], shape: tuple, n: int) -> _Plan2:
        """A plan from views built by the caller (the common layouts, without stride algebra)."""
        self = cls.__new__(cls)
        self.kind, self.views, self.shape, self.n = kind, views, shape, n
        self.out_shape, self.perm = ((shape[0],), [0]) if kind == "rows" else ((), None)
        return self

    def __init__(self, ops: list[np.ndarray], axis: int | None) -> None:
        shape = ops[0].shape
        strides = [a.strides for a in ops]
        nd = len(shape)
        self.n = math.prod(shape)
        self.perm: list[int] | None = None
        self.kind: str | None
        if axis is None:
            self.out_shape: tuple[int, ...] = ()
            merged = _merge_joint(shape, strides, range(nd))
            if not merged:
                self.kind, self.shape = "flat", (self.n,)
                self.views = [a.reshape(-1) for a in ops]
            elif len(merged) == 1:
                (ln, ss, _) = merged[0]
                self.kind, self.shape = "flat", (ln,)
                self.views = [_view(a, (ln,), (s,)) for a, s in zip(ops, ss, strict=True)]
            elif len(merged) == 2:
                (a_, sa, _), (b_, sb, _) = merged
                self.kind, self.shape = "allrows", (a_, b_)
                self.views = [
                    _view(a, (1 if s0 == 0 else a_, b_), (s0, s1))
                    for a, s0, s1 in zip(ops, sa, sb, strict=True)
                ]
            else:
                self.kind = None
            return
        n = shape[axis]
        sk = [s[axis] for s in strides]
        others = [a for a in range(nd) if a != axis]
        self.out_shape = tuple(shape[a] for a in others)
        merged = _merge_joint(shape, strides, others)
        self.perm = [others.index(a) for g in merged for a in g[2]]
        if not merged:
            self.kind, self.shape = "rows", (1, n)
            self.views = [_view(a, (1, n), (0, s)) for a, s in zip(ops, sk, strict=True)]
        elif len(merged) == 1 and _key(sk) <= _key(merged[0][1]):
            m, sm, _ = merged[0]
            self.kind, self.shape = "rows", (m, n)
            self.views = [
                _view(a, (1 if s == 0 else m, n), (s, k))
                for a, s, k in zip(ops, sm, sk, strict=True)
            ]
        elif len(merged) == 1 or (len(merged) == 2 and _key(merged[1][1]) < _key(sk)):
            (o, so, _), (m, sm, _) = ([1, [0] * len(ops), []], *merged)[-2:]
            self.kind, self.shape = "cols", (o, n, m)
            self.views = [
                _view(a, (1 if s0 == 0 else o, 1 if s1 == 0 else n, m), (s0, s1, s2))
                for a, s0, s1, s2 in zip(ops, so, sk, sm, strict=True)
            ]
        else:
            self.kind = None

    def kshape(self) -> tuple[int, ...]:
        assert self.perm is not None
        return tuple(self.out_shape[i] for i in self.perm)

    def finish(self, raw: np.ndarray) -> np.ndarray:
        """Kernel-order raw output -> array of ``out_shape`` (C order)."""
        assert self.perm is not None
        raw = raw.reshape(self.kshape())
        if len(self.perm) > 1:
            raw = np.ascontiguousarray(raw.transpose(np.argsort(self.perm)))
        return raw.reshape(self.out_shape)


# ----------------------------------------------------------------------------- dist
def _draw(plan: _Plan2, op: int, p: float) -> Any:
    """Raw float64 accumulation(s) of ``op`` over x - y per the plan (kernel order)."""
    xv, yv = plan.views
    if plan.kind == "flat":
        return run(K.dist_flat, plan.n, xv, yv, op, p)
    if plan.kind in ("rows", "allrows"):
        out = np.empty(plan.shape[0])
        run(K.dist_rows, plan.n, xv, yv, op, p, out)
        if plan.kind == "rows":
            return out
        if op == K.OP_MAX:
            return out.max()
        if op == K.OP_MIN:
            return out.min()
        return out.sum()
    o, n, m = plan.shape
    out = np.empty((o, m))
    run(K.dist_cols, plan.n, xv, yv, n, op, p, out)
    return out.reshape(-1)


def _draw_scaled(plan: _Plan2, p: float, scale: Any) -> Any:
    xv, yv = plan.views
    if plan.kind == "flat":
        return run(K.dist_flat_scaled, plan.n, xv, yv, p, float(scale))
    if plan.kind == "allrows":
        out = np.empty(plan.shape[0])
        sc = np.full(plan.shape[0], float(scale))
        run(K.dist_rows_scaled, plan.n, xv, yv, p, sc, out)
        return out.sum()
    if plan.kind == "rows":
        out = np.empty(plan.shape[0])
        run(K.dist_rows_scaled, plan.n, xv, yv, p, np.ascontiguousarray(scale, float), out)
        return out
    o, n, m = plan.shape
    out = np.empty((o, m))
    sc = np.ascontiguousarray(scale, float).reshape(out.shape)
    run(K.dist_cols_scaled, plan.n, xv, yv, n, p, sc, out)
    return out.reshape(-1)


def _dpower_sum(plan: _Plan2, p: float, safe: bool) -> Any:
    """(sum |x - y|**p) ** (1/p), rescaled by a power of two near max|x - y| only where the
    one-pass sum over- or underflowed (as :func:`fastnorm.norms._power_sum`)."""
    op = K.OP_SUMSQ if p == 2.0 else K.OP_POW
    raw = _draw(plan, op, p)
    if isinstance(raw, float) and (not safe or _TINY <= raw < math.inf):
        try:  # the common scalar case, without numpy's overhead
            return math.sqrt(raw) if p == 2.0 else raw ** (1.0 / p)
        except (OverflowError, ValueError, ZeroDivisionError):
            pass
    raw_a = np.asarray(raw, dtype=np.float64)

    def root(v: Any) -> Any:
        return _root(v, p)

    if not safe:
        res = root(raw_a)
        return res[()] if res.ndim == 0 else res
    bad = np.isinf(raw_a) | (raw_a < _TINY)
    if not bad.any():
        res = root(raw_a)
        return res[()] if res.ndim == 0 else res
    amax = np.asarray(_draw(plan, K.OP_MAX, 0.0), dtype=np.float64)
    redo = bad & np.isfinite(amax) & (amax > 0)
    res = root(raw_a)
    if redo.any():
        scale = rescale_factor(amax, redo, p)
        scaled = np.asarray(_draw_scaled(plan, p, scale), dtype=np.float64)
        with np.errstate(over="ignore"):
            res = np.where(redo, scale * root(scaled), res)
    res = np.where(np.isinf(amax), amax, res)
    return res[()] if res.ndim == 0 else res


def _fast_plan(x: np.ndarray, y: np.ndarray, axis: int | None) -> _Plan2 | None:
    """The common layouts, planned without broadcasting views or stride algebra: C-contiguous
    operands of one shape (flat), and C-contiguous ``(m, n)`` against ``(n,)``, ``(1, n)`` or
    ``(m, n)`` along the last axis (rows)."""
    if not (x.flags.c_contiguous and y.flags.c_contiguous):
        return None
    if axis is None and x.shape == y.shape:
        return _Plan2.direct("flat", [_ro(x.reshape(-1)), _ro(y.reshape(-1))], (x.size,), x.size)
    if x.ndim == 2 and axis in (1, -1) and 1 <= y.ndim <= 2 and x.shape[1] == y.shape[-1]:
        m, n = x.shape
        yv = y.reshape(-1, n)
        if yv.shape[0] in (1, m):
            return _Plan2.direct("rows", [_ro(x), _ro(yv)], (m, n), x.size)
    return None


def _dist_reduce(
    x: np.ndarray, y: np.ndarray, ord: Any, axis: int | None, plan: _Plan2 | None = None
) -> Any:
    """float64 ``norm(x - y, ord, axis)`` (vector ords) of same-shape operands."""
    if plan is None:
        plan = _Plan2([x, y], axis)
    if plan.kind is None:  # strides fit no layout: the difference, then the norm kernels
        return _vector_reduce(np.subtract(x, y), ord, axis)
    if ord == math.inf:
        res = _draw(plan, K.OP_MAX, 0.0)
    elif ord == -math.inf:
        res = _draw(plan, K.OP_MIN, 0.0)
    elif ord == 0:
        res = _draw(plan, K.OP_COUNTNZ, 0.0)
    elif ord == 1:
        res = _draw(plan, K.OP_SUMABS, 1.0)
    elif ord is None or ord == 2:
        res = _dpower_sum(plan, 2.0, safe=np.result_type(x, y) == _F64)
    else:
        p = float(ord)
        res = _dpower_sum(plan, p, safe=p > 0)
    if axis is None:
        return res
    return plan.finish(np.asarray(res, dtype=np.float64))


def _is_pyscalar(v: Any) -> bool:
    return type(v) in (int, float, complex)


def _operands(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.dtype] | None:
    """``x`` and ``y`` as float32/float64 arrays and the dtype of ``np.subtract(x, y)``, or
    None where that subtraction is left to numpy (integers wrap, bool raises, ...)."""
    xa, ya = np.asarray(x), np.asarray(y)
    if xa.dtype.kind not in "fiu" or ya.dtype.kind not in "fiu":
        return None
    dt = np.result_type(x if _is_pyscalar(x) else xa, y if _is_pyscalar(y) else ya)
    if dt not in _FAST:
        return None

    def conv(a: np.ndarray) -> np.ndarray:
        # ints, float16, byte-swapped: cast to dt, as numpy's subtract does.  A float32
        # operand beside a float64 one is upcast too (exact) unless it is large, which saves
        # compiling the mixed-dtype kernels for the usual small centre/scalar operand.
        if a.dtype == dt or (a.dtype in _FAST and a.dtype.isnative and a.size > 1 << 16):
            return a
        return a.astype(dt)

    return conv(xa), conv(ya), dt


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
    ops = _operands(x, y)
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
        plan = _fast_plan(xa, ya, None)
        if plan is not None:
            return _cast(_dist_reduce(xa, ya, None, None, plan), dt)
    if (
        isinstance(axis, int)
        and axis in (1, -1)
        and xa.ndim == 2
        and not keepdims
        and xa.size
        and ya.ndim <= 2
        and _is_real_number(ord)
    ):
        plan = _fast_plan(xa, ya, axis)
        if plan is not None:
            return _cast(_dist_reduce(xa, ya, ord, 1, plan), dt)
    shape = np.broadcast_shapes(xa.shape, ya.shape)
    nd = len(shape)
    if math.prod(shape) == 0:  # nothing to read: numpy's semantics on the empty difference
        return norm(np.subtract(xa, ya, dtype=dt), ord=ord, axis=axis, keepdims=keepdims)
    xb = np.broadcast_to(xa, shape)
    yb = np.broadcast_to(ya, shape)

    if axis is None:
        if _is_full_l2(ord, nd):
            ret = _cast(_dist_reduce(xb, yb, None, None), dt)
            return np.reshape(ret, nd * [1]) if keepdims else ret
        axis = tuple(range(nd))
    else:
        axis = _axis_tuple(axis)

    if len(axis) == 1:
        if isinstance(ord, str):
            raise ValueError(f"Invalid norm order '{ord}' for vectors")
        if not _is_real_number(ord):
            return norm(np.subtract(xb, yb), ord=ord, axis=axis, keepdims=keepdims)
        ax = normalize_axis_index(axis[0], nd)
        if nd == 1 and not keepdims:
            return _cast(_dist_reduce(xb, yb, ord, None), dt)
        res = _cast(_dist_reduce(xb, yb, ord, ax), dt)
        if keepdims:
            res = np.expand_dims(res, ax)
        return res[()] if np.ndim(res) == 0 else res
    if len(axis) != 2:
        raise ValueError("Improper number of dimensions to norm.")
    # matrix norms: the difference is formed (they are not single-pass reductions anyway)
    return norm(np.subtract(xb, yb), ord=ord, axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- normalize
_SK_NORMS = {"l1": 1, "l2": 2, "max": math.inf}


def _op_for(ord: Any, dtype: np.dtype) -> tuple[int, float, bool]:
    """(kernel op, p, overflow-safe?) of a vector ``ord`` (as ``_vector_reduce`` decides)."""
    if ord == math.inf:
        return K.OP_MAX, 0.0, False
    if ord == -math.inf:
        return K.OP_MIN, 0.0, False
    if ord == 0:
        return K.OP_COUNTNZ, 0.0, False
    if ord == 1:
        return K.OP_SUMABS, 1.0, False
    if ord is None or ord == 2:
        return K.OP_SUMSQ, 2.0, dtype == _F64
    p = float(ord)
    return K.OP_POW, p, p > 0


def _check_out(out: Any, x: np.ndarray, rdt: np.dtype) -> bool:
    """Validate ``out``; True when it is ``x`` itself (in place)."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, not {type(out).__name__}")
    if out.shape != x.shape:
        raise ValueError(f"out has shape {out.shape}, expected {x.shape}")
    if out.dtype != rdt:
        raise TypeError(f"out has dtype {out.dtype}, expected {rdt} (the result dtype)")
    if not out.flags.writeable:
        raise ValueError("output array is read-only")
    same = (
        out.__array_interface__["data"][0] == x.__array_interface__["data"][0]
        and out.strides == x.strides
        and out.dtype == x.dtype
    )
    if not same and np.may_share_memory(out, x) and np.shares_memory(out, x):
        raise ValueError("out overlaps the input without being the input itself (out=x)")
    return same


def _normalize_args(x: Any, ord: Any, axis: Any, norm_: Any) -> tuple[Any, Any]:
    """(ord, axis) of a normalize call, with ``norm=`` (scikit-learn's name) folded into
    ``ord`` and numpy's TypeError for a non-integer axis (``axis=1.5`` is not truncated)."""
    if norm_ is not None:
        if ord is not None:
            raise TypeError("normalize: give the order as ord= or as norm=, not both")
        ord = norm_
    if ord is None:
        ord = 2
    if isinstance(ord, str):
        if ord not in _SK_NORMS:
            raise ValueError(f"'{ord}' is not a supported norm")
        ord = _SK_NORMS[ord]
    elif not _is_real_number(ord):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if axis is not None:
        axis = operator.index(axis)
    return ord, axis


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
    ord, axis = _normalize_args(x, ord, axis, norm)
    if _is_dask(x):
        from fastnorm import _dask

        return _dask.normalize(x, ord=ord, axis=axis, out=out, return_norm=return_norm)
    xa = np.asarray(x)
    kind = xa.dtype.kind
    if kind not in "biufc":
        raise TypeError(f"normalize: unsupported input dtype {xa.dtype}")
    if kind in "biu":
        rdt = _F64
    else:
        rdt = xa.dtype.newbyteorder("=")
    ax = None if axis is None else normalize_axis_index(axis, xa.ndim)
    if not copy and out is None and xa is x and xa.dtype == rdt and xa.flags.writeable:
        out = xa  # scikit-learn's copy=False: in place where the dtype allows it
    inplace = False if out is None else _check_out(out, xa, rdt)

    if kind == "c" or rdt not in _FAST:  # complex, float16, longdouble: numpy does it
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
    op, p, safe = _op_for(ord, rdt)
    if ax is None:
        plan = _Plan2([work, out], None)
        nrm = _cast(_vector_reduce(work, ord, None), _F64)
        d = float(nrm) if nrm != 0 else 1.0
        if plan.kind == "flat":
            xv, ov = plan.views
            ov = _wview(out, ov)
            _scale(xv.reshape(1, -1), np.array([d]), ov.reshape(1, -1), plan.n)
        else:
            np.divide(work, d, out=out, casting="same_kind")
        nrm_r = _cast(nrm, rdt)
    else:
        if ax == work.ndim - 1 and work.flags.c_contiguous and out.flags.c_contiguous:
            n = work.shape[-1]
            m = work.size // n
            xv, ov = _ro(work.reshape(m, n)), out.reshape(m, n)
            plan = _Plan2.direct("rows", [xv, ov], (m, n), m * n)
            plan.out_shape, plan.perm = work.shape[:-1], list(range(work.ndim - 1))
        else:
            plan = _Plan2([work, out], ax)
        if plan.kind == "rows" and (plan.shape[0] >= 64 or plan.shape[1] <= 1 << 16):
            xv, ov = plan.views
            if not ov.flags.writeable:
                ov = _wview(out, ov)
            nk = np.empty(plan.shape[0])
            if op == K.OP_MAX and plan.shape[1] > 0:
                bits = xv.view(_BITS[rdt])  # same itemsize: a view whatever the strides
                mask = _BITS[rdt].type(np.iinfo(_BITS[rdt]).max)
                run(KN.normalize_rows_max, plan.n, xv, bits, mask, ov, nk)
            else:
                run(KN.normalize_rows, plan.n, xv, ov, op, p, safe, nk)
            nrm = plan.finish(nk)
        else:
            nrm = np.asarray(_vector_reduce(work, ord, ax), dtype=np.float64)
            d = np.where(nrm == 0, 1.0, nrm)
            if plan.kind == "rows":
                xv, ov = plan.views
                ov = _wview(out, ov)
                dk = np.ascontiguousarray(d.reshape(-1)) if len(plan.perm) <= 1 else None
                if dk is None:
                    dk = _kernel_order(d, plan.perm).reshape(-1)
                _scale(xv, dk, ov, plan.n)
            elif plan.kind == "cols":
                xv, ov = plan.views
                ov = _wview(out, ov)
                dk = _kernel_order(d, plan.perm).reshape(ov.shape[0], -1)
                run(KN.scale_cols, plan.n, xv, dk, ov)
            else:  # strides fit no layout
                np.divide(work, np.expand_dims(d, ax), out=out, casting="same_kind")
        nrm_r = _cast(nrm, rdt)
    return (res_out, nrm_r) if return_norm else res_out


def _kernel_order(d: np.ndarray, perm: list[int]) -> np.ndarray:
    """Norms ``d`` (the kept axes, in order) as a C array in the plan's kernel order.  The
    plan leaves length-1 axes out of ``perm``; they go last (they change no memory order)."""
    rest = [i for i in range(d.ndim) if i not in perm]
    return np.ascontiguousarray(d.transpose(list(perm) + rest))


def _scale(xv: np.ndarray, d: np.ndarray, ov: np.ndarray, n: int) -> None:
    run(KN.scale_rows, n, xv, d, ov)


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


def _cdist_operand(X: Any, name: str) -> np.ndarray:
    Xa = np.asarray(X)
    if Xa.dtype.kind not in "biuf":
        raise ValueError(f"Unsupported dtype {Xa.dtype}")
    if Xa.ndim != 2:
        raise ValueError(f"{name} must be a 2-dimensional array.")
    return Xa


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
    A = _cdist_operand(XA, "XA")
    B = _cdist_operand(XB, "XB")
    if A.shape[1] != B.shape[1]:
        raise ValueError("XA and XB must have the same number of columns (i.e. feature dimension.)")
    try:
        p = float(ord)
    except (TypeError, ValueError) as e:
        raise TypeError(f"ord must be a real number, not {ord!r}") from e
    if not p > 0:
        raise ValueError(f"p must be greater than 0 (got {ord!r})")
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
    op = {1.0: K.OP_SUMABS, 2.0: K.OP_SUMSQ, math.inf: K.OP_MAX}.get(p, K.OP_POW)
    run(KC.cdist_tiles, work, A, np.ascontiguousarray(B.T), op, p, out)
    if op == K.OP_MAX:
        # the kernel's max drops NaN: recompute (numpy propagates it) the rows that hold a
        # NaN, or an inf (inf - inf is NaN)
        with np.errstate(invalid="ignore"):
            for i in np.flatnonzero(~np.isfinite(A).all(axis=1)):
                out[i] = np.max(np.abs(A[i] - B), axis=1)
            for j in np.flatnonzero(~np.isfinite(B).all(axis=1)):
                out[:, j] = np.max(np.abs(A - B[j]), axis=1)
    return out
