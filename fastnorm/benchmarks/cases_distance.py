"""Benchmark cases for ``dist``, ``normalize`` and ``cdist``.

Baselines are what users write today: ``np.linalg.norm(x - y)`` and ``norm(X - c, axis=1)``
(a full-size temporary, then the norm), ``X / norm(X, axis=1, keepdims=True)`` and
scikit-learn's ``normalize``, scipy's ``cdist``.  ``normalize`` is timed twice: returning a
new array (against a copy into a new array: fresh pages cost their first touch, for every
side alike) and with ``out=`` a warm buffer (against a copy into a warm buffer).  fastnorm is
imported inside the callables so that the registry imports on its own.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from fastnorm.benchmarks.cases import Case

__all__ = ["cases"]

#: Columns of the matrix cases (the size parameter is the number of rows).
NCOLS = 200
#: Features of the cdist cases.
CD_FEATURES = 64

VEC_SIZES = {"small": 10_000, "quick": 4_000_000, "full": 100_000_000}
MAT_SIZES = {"small": 50, "quick": 20_000, "full": 1_000_000}
CD_SIZES = {"small": 200, "quick": 500, "full": 2000}
DTYPES = (np.float64, np.float32)


# ----------------------------------------------------------------------------- data
def _pair(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    return rng.standard_normal(n, dtype=dtype), rng.standard_normal(n, dtype=dtype)


def _centre(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    return rng.standard_normal((n, NCOLS), dtype=dtype), rng.standard_normal(NCOLS, dtype=dtype)


def _mat(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    return (rng.standard_normal((n, NCOLS), dtype=dtype),)


def _mat_out(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    """X and two warm output buffers, one for fastnorm and one for numpy (each side writes
    its own, so the results can be compared)."""
    X = rng.standard_normal((n, NCOLS), dtype=dtype)
    return X, np.zeros_like(X), np.zeros_like(X)


def _two_mats(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    return (
        rng.standard_normal((n, CD_FEATURES), dtype=dtype),
        rng.standard_normal((n, CD_FEATURES), dtype=dtype),
    )


def _nbytes_inputs(args: tuple) -> int:
    return int(sum(a.nbytes for a in args))


def _nbytes_centre(args: tuple) -> int:
    X, c = args
    return int(X.nbytes + c.nbytes + X.shape[0] * X.itemsize)


def _nbytes_rw(args: tuple) -> int:
    return int(2 * args[0].nbytes)


def _nbytes_cdist(args: tuple) -> int:
    A, B = args
    return int(A.nbytes + B.nbytes + A.shape[0] * B.shape[0] * 8)


def check_same(fast: Any, base: Any, dtype: Any) -> None:
    """Values (float32: fastnorm accumulates in float64, numpy in float32), dtype, shape."""
    f, b = np.asarray(fast), np.asarray(base)
    assert f.shape == b.shape, f"shape {f.shape} != {b.shape}"
    assert f.dtype == b.dtype, f"dtype {f.dtype} != {b.dtype}"
    rtol = 2e-3 if np.dtype(dtype).itemsize <= 4 else 1e-9
    np.testing.assert_allclose(f, b, rtol=rtol, atol=1e-6 if rtol > 1e-3 else 1e-12)


def check_cdist(fast: Any, base: Any, dtype: Any) -> None:
    np.testing.assert_allclose(np.asarray(fast), np.asarray(base), rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------- callables
def _fn_dist(x: Any, y: Any, ord: Any = None, axis: Any = None) -> Any:
    from fastnorm.distances import dist

    return dist(x, y, ord=ord, axis=axis)


def _np_dist(x: Any, y: Any, ord: Any = None, axis: Any = None) -> Any:
    return np.linalg.norm(x - y, ord=ord, axis=axis)


def _fn_normalize(X: Any, ord: Any = 2) -> Any:
    from fastnorm.distances import normalize

    return normalize(X, ord)


def _np_normalize(X: Any, ord: Any = 2) -> Any:
    return X / np.linalg.norm(X, ord=ord, axis=1, keepdims=True)


def _fn_normalize_out(X: Any, out: Any, out_np: Any, ord: Any = 2) -> Any:
    from fastnorm.distances import normalize

    return normalize(X, ord, out=out)


def _np_normalize_out(X: Any, out: Any, out_np: Any, ord: Any = 2) -> Any:
    return np.divide(X, np.linalg.norm(X, ord=ord, axis=1, keepdims=True), out=out_np)


def _sk_normalize(X: Any, ord: Any = 2) -> Any:
    try:
        from sklearn.preprocessing import normalize
    except ImportError as exc:  # the runner reports the baseline as skipped
        raise ImportError(
            "sklearn baseline needs scikit-learn: pip install fastnorm[sklearn]"
        ) from exc
    return normalize(X, {1: "l1", 2: "l2", np.inf: "max"}[ord])


def _fn_cdist(A: Any, B: Any, ord: Any = 2) -> Any:
    from fastnorm.distances import cdist

    return cdist(A, B, ord)


def _scipy_cdist(A: Any, B: Any, ord: Any = 2) -> Any:
    try:
        from scipy.spatial.distance import cdist
    except ImportError as exc:
        raise ImportError("scipy baseline needs scipy: pip install fastnorm[bench]") from exc
    if ord == np.inf:
        return cdist(A, B, "chebyshev")
    if ord == 1:
        return cdist(A, B, "cityblock")
    if ord == 2:
        return cdist(A, B, "euclidean")
    return cdist(A, B, "minkowski", p=ord)


def _ord_name(o: Any) -> str:
    if o is None:
        return "None"
    if isinstance(o, float) and np.isinf(o):
        return "inf" if o > 0 else "-inf"
    return str(o)


def cases() -> list[Case]:
    # imported here: the registry imports this module while it is being initialised
    from fastnorm.benchmarks.cases import Case

    out: list[Case] = []
    out.extend(
        Case(
            name=f"dist/vec-ord={_ord_name(o)}",
            group="distance",
            make=_pair,
            fastnorm=partial(_fn_dist, ord=o),
            baselines={"numpy": partial(_np_dist, ord=o)},
            nbytes=_nbytes_inputs,
            sizes=VEC_SIZES,
            dtypes=DTYPES,
            check=check_same,
        )
        for o in (None, 1)
    )
    out.extend(
        Case(
            name=f"dist/rows-to-centre-ord={_ord_name(o)}",
            group="distance",
            make=_centre,
            fastnorm=partial(_fn_dist, ord=o, axis=1),
            baselines={"numpy": partial(_np_dist, ord=o, axis=1)},
            nbytes=_nbytes_centre,
            sizes=MAT_SIZES,
            dtypes=DTYPES,
            check=check_same,
        )
        for o in (None, 1)
    )
    out.extend(
        Case(
            name=f"normalize/rows-ord={_ord_name(o)}",
            group="distance",
            make=_mat,
            fastnorm=partial(_fn_normalize, ord=o),
            baselines={
                "numpy": partial(_np_normalize, ord=o),
                "sklearn": partial(_sk_normalize, ord=o),
            },
            nbytes=_nbytes_rw,
            sizes=MAT_SIZES,
            dtypes=DTYPES,
            check=check_same,
            tags=frozenset({"writes", "allocates"}),
        )
        for o in (2, 1, np.inf)
    )
    out.extend(
        Case(
            name=f"normalize/rows-out-ord={_ord_name(o)}",
            group="distance",
            make=_mat_out,
            fastnorm=partial(_fn_normalize_out, ord=o),
            baselines={"numpy": partial(_np_normalize_out, ord=o)},
            nbytes=_nbytes_rw,
            sizes=MAT_SIZES,
            dtypes=DTYPES,
            check=check_same,
            tags=frozenset({"writes"}),
        )
        for o in (2, 1, np.inf)
    )
    out.extend(
        Case(
            name=f"cdist/ord={_ord_name(o)}",
            group="distance",
            make=_two_mats,
            fastnorm=partial(_fn_cdist, ord=o),
            baselines={"scipy": partial(_scipy_cdist, ord=o)},
            nbytes=_nbytes_cdist,
            sizes=CD_SIZES,
            dtypes=(np.float64,),
            check=check_cdist,
        )
        for o in (1, 2, 3, np.inf)
    )
    return out
