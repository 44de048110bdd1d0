"""Argument handling for norms, distances and normalize: one reading of the arguments for
every backend.

numpy's rules, written once: which dtypes the kernels take and which are left to numpy, the
result dtype, how ``ord`` and ``axis`` are read (with numpy's exceptions and messages), which
kernel op computes an ``ord``, and how to tell a Dask array.  The local (NumPy) layer and the
Dask backend both read their arguments here, so bad arguments raise the same errors on both;
nothing here computes a norm.

Layer: imports only numpy and the op codes of :mod:`fastnorm._kernels.ops`.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from fastnorm._kernels.ops import OP_COUNTNZ, OP_MAX, OP_MIN, OP_POW, OP_SUMABS, OP_SUMSQ

F64, F32 = np.dtype(np.float64), np.dtype(np.float32)
FAST = (F32, F64)  # the float dtypes every kernel takes as they are
MIN_MSG = "zero-size array to reduction operation minimum which has no identity"
#: scikit-learn's names of the normalize orders.
SK_NORMS = {"l1": 1, "l2": 2, "max": math.inf}
NUMERIC = "biufc"


# ----------------------------------------------------------------------------- backends
def is_dask(x: Any) -> bool:
    """True for a :class:`dask.array.Array`, without importing Dask."""
    mod = type(x).__module__
    return mod.startswith("dask.") and type(x).__name__ == "Array"


# ----------------------------------------------------------------------------- dtypes
def as_float(x: Any) -> tuple[np.ndarray | None, np.ndarray]:
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


def left_to_numpy(dtype: np.dtype) -> bool:
    """Dtypes whose norms numpy computes itself (:func:`as_float` returns None for them)."""
    kind = dtype.kind
    return kind not in NUMERIC or (kind in "fc" and dtype.itemsize > (8 if kind == "f" else 16))


def result_dtype(x: np.ndarray) -> np.dtype:
    """numpy's norm result dtype for ``x`` (float or complex, as :func:`as_float` returns
    it): the real dtype, in native byte order."""
    dt = x.real.dtype if x.dtype.kind == "c" else x.dtype
    return dt if dt.isnative else dt.newbyteorder("=")  # numpy returns native byte order


def norm_dtype(dtype: np.dtype) -> np.dtype:
    """numpy's norm result dtype for input of ``dtype``: float64 for bool and integers."""
    return F64 if dtype.kind in "biu" else result_dtype(np.empty(0, dtype))


def cast(res: Any, dtype: np.dtype) -> Any:
    """float64 result(s) -> numpy's result dtype (a numpy scalar for 0-d results)."""
    if dtype is F64:
        return np.float64(res) if np.ndim(res) == 0 else np.asarray(res, dtype=F64)
    with np.errstate(over="ignore"):  # a float32/float16 norm may overflow its dtype
        if np.ndim(res) == 0:
            return dtype.type(res)
        return np.asarray(res).astype(dtype, copy=False)


def check_numeric(dtype: np.dtype, what: str) -> None:
    """TypeError before any work for a (Dask) array whose dtype has no norm."""
    if dtype.kind not in NUMERIC:
        raise TypeError(
            f"fastnorm: the {what} of a Dask array of dtype {dtype} is not defined "
            "(numeric dtypes only: bool, integer, float, complex)"
        )


def difference_dtype(xdt: np.dtype, ydt: np.dtype) -> np.dtype:
    """dtype of ``np.subtract`` on arrays of these dtypes, with numpy's error (bool - bool)."""
    return np.subtract.resolve_dtypes((xdt, ydt, None))[2]


def _is_pyscalar(v: Any) -> bool:
    return type(v) in (int, float, complex)


def operands(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.dtype] | None:
    """``x`` and ``y`` as float32/float64 arrays and the dtype of ``np.subtract(x, y)``, or
    None where that subtraction is left to numpy (integers wrap, bool raises, ...)."""
    xa, ya = np.asarray(x), np.asarray(y)
    if xa.dtype.kind not in "fiu" or ya.dtype.kind not in "fiu":
        return None
    dt = np.result_type(x if _is_pyscalar(x) else xa, y if _is_pyscalar(y) else ya)
    if dt not in FAST:
        return None

    def conv(a: np.ndarray) -> np.ndarray:
        # ints, float16, byte-swapped: cast to dt, as numpy's subtract does.  A float32
        # operand beside a float64 one is upcast too (exact) unless it is large, which saves
        # compiling the mixed-dtype kernels for the usual small centre/scalar operand.
        if a.dtype == dt or (a.dtype in FAST and a.dtype.isnative and a.size > 1 << 16):
            return a
        return a.astype(dt)

    return conv(xa), conv(ya), dt


# ----------------------------------------------------------------------------- ord
def is_str(o: Any) -> bool:
    return isinstance(o, str)


def is_real_number(o: Any) -> bool:
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


def is_full_l2(ord: Any, nd: int) -> bool:
    """numpy's fast case with ``axis=None``: the 2-norm of all elements (ord None, 'fro'/'f'
    on 2-D, or 2 on 1-D)."""
    if ord is None:
        return True
    if is_str(ord):
        return ord in ("f", "fro") and nd == 2
    return ord == 2 and nd == 1


def op_for(ord: Any, dtype: np.dtype) -> tuple[int, float, bool]:
    """(kernel op, p, overflow-safe?) of a real vector ``ord`` on real ``dtype`` data: the one
    place an ``ord`` becomes a kernel op.  Sums of float32 data accumulate in float64 and
    cannot overflow: only float64 2-norms need the safe second pass."""
    if ord == math.inf:
        return OP_MAX, 0.0, False
    if ord == -math.inf:
        return OP_MIN, 0.0, False
    if ord == 0:
        return OP_COUNTNZ, 0.0, False
    if ord == 1:
        return OP_SUMABS, 1.0, False
    if ord is None or ord == 2:
        return OP_SUMSQ, 2.0, dtype == F64
    p = float(ord)
    return OP_POW, p, p > 0


def combine_ord(ord: Any) -> Any:
    """The ord that combines partial ``ord``-norms into the norm of their union: the p-norm of
    p-norms is the p-norm (any p != 0), max of maxes, min of mins; counts of non-zeros add."""
    return 1 if ord == 0 else ord


# ----------------------------------------------------------------------------- axis
def axis_tuple(axis: Any) -> tuple:
    """A non-None ``axis`` argument as a tuple, with numpy's TypeError for anything else."""
    if isinstance(axis, tuple):
        return axis
    try:
        return (int(axis),)
    except Exception as e:
        raise TypeError("'axis' must be None, an integer or a tuple of integers") from e


def norm_args(nd: int, ord: Any, axis: Any) -> tuple[str, tuple]:
    """numpy.linalg.norm's reading of ``ord`` and ``axis`` for ``nd``-dim input, raising its
    exceptions.  Returns ``(how, axes)``:

    - ``"l2"``: the 2-norm of all elements (``axes`` all of them);
    - ``"vector"``: a vector ``ord``-norm along ``axes = (axis,)``, normalised;
    - ``"numpy"``: an ``ord`` only numpy understands, along ``axes`` (as given);
    - ``"matrix"``: a matrix norm over ``axes = (row, col)``, normalised; ``ord`` 2, -2 and
      'nuc' (functions of the singular values) are numpy's work.
    """
    if axis is None:
        if is_full_l2(ord, nd):
            return "l2", tuple(range(nd))
        axis = tuple(range(nd))
    else:
        axis = axis_tuple(axis)
    if len(axis) == 1:
        if is_str(ord):
            raise ValueError(f"Invalid norm order '{ord}' for vectors")
        if not is_real_number(ord):
            return "numpy", axis
        return "vector", (normalize_axis_index(axis[0], nd),)
    if len(axis) != 2:
        raise ValueError("Improper number of dimensions to norm.")
    row_axis = normalize_axis_index(axis[0], nd)
    col_axis = normalize_axis_index(axis[1], nd)
    if row_axis == col_axis:
        raise ValueError("Duplicate axes given.")
    if is_str(ord):
        if ord not in ("fro", "f", "nuc"):
            raise ValueError("Invalid norm order for matrices.")
    elif ord is not None and ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise ValueError("Invalid norm order for matrices.")
    return "matrix", (row_axis, col_axis)


def is_svd_ord(ord: Any) -> bool:
    """Matrix ords that are functions of the singular values (numpy's SVD computes them)."""
    return (not is_str(ord) and ord in (2, -2)) or ord == "nuc"


def vector_args(nd: int, ord: Any, axis: Any) -> tuple[int, ...] | None:
    """numpy.linalg.vector_norm's reading of ``ord`` and ``axis``, raising its exceptions:
    the normalised axes (in the given order), or None for an ``ord`` only numpy understands."""
    if is_str(ord):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if not is_real_number(ord):
        return None
    if axis is None:
        return tuple(range(nd))
    if isinstance(axis, tuple):
        return normalize_axis_tuple(axis, nd)
    return (normalize_axis_index(axis, nd),)


def numpy_check(fn: Any, nd: int, dtype: np.dtype, *args: Any, **kw: Any) -> np.dtype:
    """Where fastnorm hands the work to numpy (an ``ord`` only numpy understands, the SVD
    norms, long doubles), numpy also judges the arguments: ``fn`` (a numpy function) runs on a
    one-element array of the input's ``ndim`` and dtype, raising numpy's own exception, and
    gives the result dtype."""
    probe = np.ones((1,) * nd, dtype=dtype)
    if dtype.kind in "biu":
        probe = probe.astype(np.float64)  # as the local path casts before numpy sees it
    return np.asarray(fn(probe, *args, **kw)).dtype


# ----------------------------------------------------------------------------- normalize
def normalize_args(ord: Any, axis: Any, norm_: Any) -> tuple[Any, Any]:
    """(ord, axis) of a normalize call, with ``norm=`` (scikit-learn's name) folded into
    ``ord`` and numpy's TypeError for a non-integer axis (``axis=1.5`` is not truncated)."""
    if norm_ is not None:
        if ord is not None:
            raise TypeError("normalize: give the order as ord= or as norm=, not both")
        ord = norm_
    if ord is None:
        ord = 2
    if isinstance(ord, str):
        if ord not in SK_NORMS:
            raise ValueError(f"'{ord}' is not a supported norm")
        ord = SK_NORMS[ord]
    elif not is_real_number(ord):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if axis is not None:
        axis = operator.index(axis)
    return ord, axis


def normalize_dtype(dtype: np.dtype) -> np.dtype:
    """The result dtype of normalize: float64 for bool and integers, the input's dtype in
    native byte order otherwise (the norms come in its real dtype, :func:`norm_dtype`).
    TypeError for a dtype with no norm."""
    if dtype.kind not in NUMERIC:
        raise TypeError(f"normalize: unsupported input dtype {dtype}")
    return F64 if dtype.kind in "biu" else dtype.newbyteorder("=")


def check_out(out: Any, x: np.ndarray, rdt: np.dtype) -> bool:
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


# ----------------------------------------------------------------------------- cdist
def cdist_operand(X: Any, name: str) -> np.ndarray:
    Xa = np.asarray(X)
    if Xa.dtype.kind not in "biuf":
        raise ValueError(f"Unsupported dtype {Xa.dtype}")
    if Xa.ndim != 2:
        raise ValueError(f"{name} must be a 2-dimensional array.")
    return Xa


def minkowski_p(ord: Any) -> float:
    """cdist's ``ord`` as a float > 0 (scipy's errors)."""
    try:
        p = float(ord)
    except (TypeError, ValueError) as e:
        raise TypeError(f"ord must be a real number, not {ord!r}") from e
    if not p > 0:
        raise ValueError(f"p must be greater than 0 (got {ord!r})")
    return p
