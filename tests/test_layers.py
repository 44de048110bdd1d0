"""The layers under norms and distances: argument handling, the one planner, the local path.

The public wrappers' fast paths must give exactly what the local (general) path gives; the
planner must plan one operand and several operands alike; the Dask backend must raise the
NumPy path's errors without calling the public API.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import fastnorm
from fastnorm import _args as A
from fastnorm import _local as L
from fastnorm._kernels.ops import OP_COUNTNZ, OP_MAX, OP_MIN, OP_POW, OP_SUMABS, OP_SUMSQ
from fastnorm._plan import Plan

RNG = np.random.default_rng(15)
ORDS = [None, 0, 1, 2, 3, 0.5, -1, -2.5, math.inf, -math.inf]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ord", ORDS)
def test_fast_paths_equal_the_local_path(ord, dtype):
    x = RNG.standard_normal(13).astype(dtype)
    X = RNG.standard_normal((7, 5)).astype(dtype)
    for got, ref in (
        (fastnorm.norm(x, ord), L.norm(x, ord)),
        (fastnorm.vector_norm(x, ord=2 if ord is None else ord),
         L.vector_norm(x, ord=2 if ord is None else ord)),
        (fastnorm.norm(X, ord, axis=1), L.norm(X, ord, 1)),
        (fastnorm.norm(X, ord, axis=-2), L.norm(X, ord, -2)),
        (fastnorm.norm(X.T, ord, axis=0), L.norm(X.T, ord, 0)),
    ):  # fmt: skip
        assert type(got) is type(ref) and np.asarray(got).dtype == np.asarray(ref).dtype
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize(
    "make, axis",
    [
        (lambda a: a, None),
        (lambda a: a, 1),
        (lambda a: a[:, ::2], 0),
        (lambda a: a[::-1].transpose(2, 0, 1), 2),
        (lambda a: a.transpose(1, 0, 2)[:, :, ::3], 1),
        (lambda a: a[:, 0], None),
        (lambda a: a[:, :, ::2], None),
    ],
)
@pytest.mark.parametrize(
    "op, p", [(OP_SUMSQ, 2.0), (OP_SUMABS, 1.0), (OP_COUNTNZ, 0.0), (OP_POW, 3.0), (OP_MAX, 0.0),
              (OP_MIN, 0.0)],
)  # fmt: skip
def test_one_and_two_operand_plans_agree(make, axis, op, p):
    """One op vocabulary, one planner: the reduction of ``x`` and the distance ``x - 0`` (a
    broadcast zero operand) plan the same layout and accumulate the same values."""
    a = RNG.standard_normal((6, 5, 8))
    a[1, 2, 3] = 0.0
    x = make(a)
    zero = np.broadcast_to(np.zeros(1), x.shape)
    one, two = Plan([x], axis), Plan([x, zero], axis)
    assert one.kind == two.kind and one.kind in ("flat", "allrows", "rows", "cols")
    assert np.shares_memory(one.views[0], a)  # no copy for any of these layouts
    assert not two.views[0].flags.writeable and np.shares_memory(two.views[0], a)
    r1 = np.asarray(L.raw(one, op, p), dtype=np.float64)
    r2 = np.asarray(L.raw(two, op, p), dtype=np.float64)
    np.testing.assert_allclose(r1, r2, rtol=1e-14)
    if axis is not None:  # finished in the input's axis order, against numpy
        o = {OP_SUMSQ: 2, OP_SUMABS: 1, OP_COUNTNZ: 0, OP_POW: 3, OP_MAX: math.inf,
             OP_MIN: -math.inf}[op]  # fmt: skip
        got = two.finish(L.power_sum(two, p, True) if op in (OP_SUMSQ, OP_POW) else r2)
        np.testing.assert_allclose(got, np.linalg.norm(x, o, axis=axis), rtol=1e-13)


def test_argument_layer_reads_like_numpy():
    assert A.norm_args(2, None, None) == ("l2", (0, 1))
    assert A.norm_args(2, "fro", None) == ("l2", (0, 1))
    assert A.norm_args(3, 1, -1) == ("vector", (2,))
    assert A.norm_args(3, "nuc", (2, 0)) == ("matrix", (2, 0))
    assert A.norm_args(1, 1j, 0) == ("numpy", (0,))
    for nd, ord, axis in ((2, "bad", None), (2, 7, (0, 1)), (2, None, 5), (2, None, (0, 0)),
                          (3, None, (0, 1, 2)), (2, None, "a"), (1, "fro", 0)):  # fmt: skip
        a = np.ones((2,) * nd)
        with pytest.raises(Exception) as ref:
            np.linalg.norm(a, ord=ord, axis=axis)
        with pytest.raises(type(ref.value)) as got:
            A.norm_args(nd, ord, axis)
        assert str(got.value) == str(ref.value)
    assert A.norm_dtype(np.dtype(np.int8)) == np.float64
    assert A.norm_dtype(np.dtype(">c8")) == np.dtype(np.float32)
    assert A.op_for(None, np.dtype(np.float32)) == (OP_SUMSQ, 2.0, False)
    assert A.op_for(-3, np.dtype(np.float64)) == (OP_POW, -3.0, False)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.norm(x, ord=7, axis=(0, 1)),
        lambda m, x: m.norm(x, axis=(0, 0)),
        lambda m, x: m.vector_norm(x, ord="fro"),
        lambda m, x: m.vector_norm(x, axis=(0, 4)),
        lambda m, x: m.matrix_norm(x[0], ord=1),
        lambda m, x: m.dist(x, x, ord="bad", axis=None),
        lambda m, x: m.dist(x > 0, x > 0),
        lambda m, x: m.normalize(x, axis=3),
        lambda m, x: m.norm(x.astype(np.float16), "nuc"),
    ],
)
def test_dask_raises_numpy_errors_without_the_public_api(call, monkeypatch):
    da = pytest.importorskip("dask.array")
    from fastnorm import _dask

    a = RNG.standard_normal((4, 3))
    with pytest.raises(Exception) as ref:
        call(fastnorm, a)
    for mod, names in ((fastnorm.norms, ("norm", "vector_norm", "matrix_norm")),
                       (fastnorm.distances, ("dist", "normalize"))):  # fmt: skip
        for name in names:  # the Dask backend must not call back up the stack
            monkeypatch.setattr(mod, name, lambda *a, **k: pytest.fail("public API called"))
    with pytest.raises(type(ref.value)) as got:
        call(_dask, da.from_array(a, chunks=2))
    assert str(got.value) == str(ref.value)
