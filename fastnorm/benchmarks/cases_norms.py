"""Benchmark cases for ``fastnorm.norm``, ``vector_norm`` and ``matrix_norm``.

Baselines: ``numpy.linalg`` always; ``scipy.linalg.norm`` where it takes a different route
(BLAS ``nrm2`` for the 2-norm of a vector and the Frobenius norm of a matrix; for every other
``ord`` it calls numpy's code, so it would only repeat the numpy column).
fastnorm is imported inside the callables so that the registry imports on its own.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from fastnorm.benchmarks.cases import Case

__all__ = ["cases"]

#: Columns of the matrix cases (the size parameter is the number of rows).
NCOLS = 200

VEC_SIZES = {"small": 10_000, "quick": 4_000_000, "full": 100_000_000}
MAT_SIZES = {"small": 50, "quick": 20_000, "full": 1_000_000}
DTYPES = (np.float64, np.float32)


def _vec(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    return (rng.standard_normal(n, dtype=dtype),)


def _mat(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    return (rng.standard_normal((n, NCOLS), dtype=dtype),)


def _nbytes(args: tuple) -> int:
    # the input read once; outputs (a scalar, or one value per row/column) are negligible
    # except for axis reductions, where they are counted
    return int(args[0].nbytes)


def _nbytes_axis(axis: int, args: tuple) -> int:
    x = args[0]
    return int(x.nbytes + x.shape[1 - axis] * x.itemsize)


def check_norm(fast: Any, base: Any, dtype: Any) -> None:
    """Values to a dtype-appropriate tolerance; the result has the baseline's shape and the
    input's dtype (as numpy's does).

    float32: numpy accumulates float32 sums in float32 (relative error ~1e-4 at 1e7 and more
    beyond), fastnorm in float64, so the baseline is the less accurate side: 2e-3.
    """
    f, b = np.asarray(fast), np.asarray(base)
    assert f.shape == b.shape, f"shape {f.shape} != {b.shape}"
    # numpy keeps the input's float dtype (scipy's nrm2 returns float64 for float32 input)
    assert f.dtype == np.dtype(dtype), f"result dtype {f.dtype}, expected {np.dtype(dtype)}"
    rtol = 2e-3 if np.dtype(dtype).itemsize <= 4 else 1e-9
    np.testing.assert_allclose(f, b, rtol=rtol, atol=0)


# fastnorm side: imported at call time (the registry must import without the wrappers)
def _fn_norm(x: Any, ord: Any = None, axis: Any = None) -> Any:
    import fastnorm

    return fastnorm.norm(x, ord=ord, axis=axis)


def _fn_vector_norm(x: Any, ord: Any = 2, axis: Any = None) -> Any:
    import fastnorm

    return fastnorm.vector_norm(x, ord=ord, axis=axis)


def _fn_matrix_norm(x: Any, ord: Any = "fro") -> Any:
    import fastnorm

    return fastnorm.matrix_norm(x, ord=ord)


def _np_norm(x: Any, ord: Any = None, axis: Any = None) -> Any:
    return np.linalg.norm(x, ord=ord, axis=axis)


def _np_vector_norm(x: Any, ord: Any = 2, axis: Any = None) -> Any:
    return np.linalg.vector_norm(x, ord=ord, axis=axis)


def _np_matrix_norm(x: Any, ord: Any = "fro") -> Any:
    return np.linalg.matrix_norm(x, ord=ord)


def _scipy_norm(x: Any, ord: Any = None, axis: Any = None) -> Any:
    try:
        import scipy.linalg
    except ImportError as exc:  # the runner reports the baseline as skipped
        raise ImportError("scipy baseline needs scipy: pip install fastnorm[bench]") from exc
    return scipy.linalg.norm(x, ord=ord, axis=axis)


def _ord_name(o: Any) -> str:
    if o is None:
        return "None"
    if isinstance(o, float) and np.isinf(o):
        return "inf" if o > 0 else "-inf"
    return str(o)


def cases() -> list[Case]:
    out: list[Case] = []

    def vec(name: str, fast: Any, baselines: dict[str, Any]) -> None:
        out.append(
            Case(
                name=name,
                group="norms",
                make=_vec,
                fastnorm=fast,
                baselines=baselines,
                nbytes=_nbytes,
                sizes=VEC_SIZES,
                dtypes=DTYPES,
                check=check_norm,
            )
        )

    def mat(name: str, fast: Any, baselines: dict[str, Any], nbytes: Any = _nbytes) -> None:
        out.append(
            Case(
                name=name,
                group="norms",
                make=_mat,
                fastnorm=fast,
                baselines=baselines,
                nbytes=nbytes,
                sizes=MAT_SIZES,
                dtypes=DTYPES,
                check=check_norm,
            )
        )

    # 1-D: the 2-norm (numpy: ravel + BLAS dot; scipy: BLAS nrm2), then numpy's slow paths
    vec("norm/vec-l2", _fn_norm, {"numpy": _np_norm, "scipy": _scipy_norm})
    for o in (1, np.inf, 3, 0.5):
        vec(
            f"norm/vec-ord={_ord_name(o)}",
            partial(_fn_norm, ord=o),
            {"numpy": partial(_np_norm, ord=o)},
        )
    # numpy's vector_norm never takes the dot fast path; numpy's norm is shown beside it
    vec(
        "vector_norm/vec-default",
        _fn_vector_norm,
        {"numpy": _np_vector_norm, "numpy.norm": _np_norm},
    )

    # 2-D (n, 200) C-contiguous
    mat("norm/mat-fro", _fn_norm, {"numpy": _np_norm, "scipy": _scipy_norm})
    for axis in (0, 1):
        for o in (2, 1):
            mat(
                f"norm/mat-axis={axis}-ord={o}",
                partial(_fn_norm, ord=o, axis=axis),
                {"numpy": partial(_np_norm, ord=o, axis=axis)},
                nbytes=partial(_nbytes_axis, axis),
            )
    for o in (1, np.inf):
        mat(
            f"matrix_norm/mat-ord={_ord_name(o)}",
            partial(_fn_matrix_norm, ord=o),
            {"numpy": partial(_np_matrix_norm, ord=o)},
        )
    return out
