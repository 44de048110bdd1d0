"""Vector and matrix norms: a multithreaded, overflow-safe drop-in for ``numpy.linalg.norm``.

Each wrapper reproduces numpy's argument handling, result dtypes, shapes and exceptions, and
hands the data, without copying it, to one reduction kernel in :mod:`fastnorm._kernels.reduce`.

The public layer: the commonest calls on NumPy arrays take a fast path here (a few
microseconds matter on small arrays); everything else goes to the local (NumPy) layer
:mod:`fastnorm._local` or, for Dask input, to the Dask backend :mod:`fastnorm._dask`
(imported only then).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fastnorm import _local as L
from fastnorm._args import F32 as _F32
from fastnorm._args import F64 as _F64
from fastnorm._args import cast as _cast
from fastnorm._args import is_dask as _is_dask
from fastnorm._config import TINY as _TINY
from fastnorm._config import run
from fastnorm._kernels import reduce as K
from fastnorm._kernels.ops import OP_SUMABS, OP_SUMSQ

__all__ = ["matrix_norm", "norm", "vector_norm"]

_norm = L.norm
_rows_or_cols_fast = L.rows_or_cols_fast
_maxmin_flat = L.maxmin_flat
_vector_reduce = L.vector_reduce


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
                raw = run(K.reduce_flat, x.size, x, OP_SUMSQ, 2.0, 1.0)
                if _TINY <= raw < math.inf or (dt is _F32 and raw < 1e76):
                    return dt.type(math.sqrt(raw))
            elif ord == 1:
                return dt.type(run(K.reduce_flat, x.size, x, OP_SUMABS, 1.0, 1.0))
            elif ord == math.inf or (ord == -math.inf and x.size):
                mx, mn = _maxmin_flat(x)
                return mx if ord > 0 else mn
            else:  # any other real ord: the local reduction, without reading the arguments
                return _cast(_vector_reduce(x, ord, None), dt)
    elif type(axis) is int and x.ndim == 2 and not keepdims:
        res = _rows_or_cols_fast(x, ord, axis)
        if res is not None:
            return res
    if _is_dask(x):
        from fastnorm import _dask

        return _dask.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return _norm(x, ord, axis, keepdims)


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
    if (
        type(x) is np.ndarray
        and x.ndim == 1
        and not keepdims
        and (axis is None or (type(axis) is int and -1 <= axis <= 0))  # numpy refuses axis=0.0
    ):
        dt = x.dtype  # a 1-D float64/float32 vector: the local reduction, as norm's fast path
        if (dt is _F64 or dt is _F32) and type(ord) in (int, float):
            return _cast(_vector_reduce(x, ord, None), dt)
    if _is_dask(x):
        from fastnorm import _dask

        return _dask.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
    return L.vector_norm(x, axis, keepdims, ord)


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
    return L.matrix_norm(x, keepdims, ord)
