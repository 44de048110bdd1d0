"""Every kernel variant of every op on the same data, against one math.fsum reference.

The norm and distance kernels reach an op through several paths (flat, rows with short and
long rows, cols, the fused normalize rows, the cdist tiles with their 4-row and 1-row passes,
the rescaled second pass), and ``ops.pow_op`` gives some ``p`` a dedicated loop.  This file
runs each path for each op, including every special-cased ``p``, and checks them against a
float64 ``math.fsum`` reference, so they also agree with each other.  Kernels are called
directly (their serial builds: the parallel builds compile the same source); the max/min
bit kernels are reached through ``fastnorm.norm``.  Arrays are small: the cost is compiling.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import fastnorm
from fastnorm._config import CHUNK
from fastnorm._kernels import cdist as KC
from fastnorm._kernels import dist as KD
from fastnorm._kernels import normalize as KN
from fastnorm._kernels import ops
from fastnorm._kernels import reduce as KR

# (ord, op, p): every op code and every p that pow_op special-cases, and a generic p
ORDS = [
    (0, ops.OP_COUNTNZ, 0.0),
    (1, ops.OP_SUMABS, 1.0),
    (2, ops.OP_SUMSQ, 2.0),
    (0.5, ops.OP_POW, 0.5),
    (3, ops.OP_POW, 3.0),
    (4, ops.OP_POW, 4.0),
    (-1, ops.OP_POW, -1.0),
    (2.5, ops.OP_POW, 2.5),
    (math.inf, ops.OP_MAX, 0.0),
    (-math.inf, ops.OP_MIN, 0.0),
]
IDS = [str(o) for o, _, _ in ORDS]
RTOL = 1e-12


def _data(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    x.flat[::7] = 0.0  # zeros for ord 0 (and 1/|0| = inf for ord -1)
    return x


def _raw_ref(v, op, p):
    """Raw accumulation of ``op`` over the float64 values ``v`` (math.fsum)."""
    a = [abs(float(t)) for t in np.ravel(v)]
    if op == ops.OP_MAX:
        return max(a, default=0.0)
    if op == ops.OP_MIN:
        return min(a, default=math.inf)
    if op == ops.OP_COUNTNZ:
        return float(sum(t != 0 for t in a))
    if op == ops.OP_SUMABS:
        return math.fsum(a)
    if p == -1.0 and 0.0 in a:
        return math.inf
    return math.fsum(t**p for t in a)


def _check(got, want):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=RTOL, atol=0)


def test_pow_op_is_the_one_rule():
    fast = {3.0: ops.OP_CUBE, 4.0: ops.OP_QUAD, 0.5: ops.OP_SQRT, -1.0: ops.OP_RECIP}
    for p, code in fast.items():
        assert ops.pow_op(ops.OP_POW, p) == code
    assert ops.pow_op(ops.OP_POW, 2.5) == ops.OP_POW
    for op in (ops.OP_SUMSQ, ops.OP_SUMABS, ops.OP_COUNTNZ, ops.OP_MAX, ops.OP_SCALED):
        assert ops.pow_op(op, 3.0) == op
    codes = [getattr(ops, n) for n in ops.__all__ if n.startswith("OP_")]
    assert len(codes) == len(set(codes))  # one meaning per code


@pytest.mark.parametrize(("ord", "op", "p"), ORDS, ids=IDS)
def test_reduce_layouts_agree(ord, op, p):
    short = _data((5, 37), 0)  # rows shorter than a chunk: the inline/one-call-per-row path
    long_ = _data((2, CHUNK + 37), 1)  # two chunks per row: the chunked path
    if op in (ops.OP_MAX, ops.OP_MIN):
        # max/min |x| run on the bits (maxmin_*): reached through the public norm
        for x in (short, long_):
            want = [_raw_ref(r, op, p) for r in x]
            _check(fastnorm.norm(x, ord=ord, axis=1), want)
            _check(fastnorm.norm(x.T, ord=ord, axis=0), want)  # cols
            _check(fastnorm.norm(x[0], ord=ord), want[0])  # flat
        return
    for x in (short, long_):
        want = [_raw_ref(r, op, p) for r in x]
        out = np.empty(x.shape[0])
        KR.reduce_rows(x, op, p, np.ones(x.shape[0]), out)
        _check(out, want)
        out = np.empty((1, x.shape[0]))
        KR.reduce_cols(np.ascontiguousarray(x.T)[None], op, p, np.ones((1, x.shape[0])), out)
        _check(out[0], want)
        _check(KR.reduce_flat(x[0], op, p, 1.0), want[0])
        _check(KR.reduce_flat(x[0, ::-3], op, p, 1.0), _raw_ref(x[0, ::-3], op, p))


@pytest.mark.parametrize(("ord", "op", "p"), ORDS, ids=IDS)
def test_dist_layouts_agree(ord, op, p):
    for shape, seed in (((5, 37), 2), ((2, CHUNK + 37), 3)):
        x = _data(shape, seed)
        y = _data(shape, seed + 10)
        want = [_raw_ref(x[r] - y[r], op, p) for r in range(shape[0])]
        out = np.empty(shape[0])
        KD.dist_rows(x, y, op, p, out)
        _check(out, want)
        # y broadcast over the rows (a 1-row operand)
        out = np.empty(shape[0])
        KD.dist_rows(x, y[:1], op, p, out)
        _check(out, [_raw_ref(x[r] - y[0], op, p) for r in range(shape[0])])
        out = np.empty((1, shape[0]))
        xt = np.ascontiguousarray(x.T)[None]
        yt = np.ascontiguousarray(y.T)[None]
        KD.dist_cols(xt, yt, shape[1], op, p, out)
        _check(out[0], want)
        _check(KD.dist_flat(x[0], y[0], op, p), want[0])
        if shape[0] > 1:  # stride 0 (a broadcast operand) in the flat layout
            yb = np.broadcast_to(y[0, :1], (shape[1],))
            _check(KD.dist_flat(x[0], yb, op, p), _raw_ref(x[0] - y[0, 0], op, p))


@pytest.mark.parametrize(("ord", "op", "p"), ORDS, ids=IDS)
def test_normalize_rows_agrees(ord, op, p):
    x = _data((5, 37), 4)
    raw = [_raw_ref(r, op, p) for r in x]
    finalised = op in (ops.OP_MAX, ops.OP_MIN, ops.OP_SUMABS, ops.OP_COUNTNZ)
    want = raw if finalised else [v ** (1.0 / p) for v in raw]
    out = np.empty_like(x)
    nrm = np.empty(x.shape[0])
    KN.normalize_rows(x, out, op, p, True, nrm)
    _check(nrm, want)
    for r in range(x.shape[0]):
        np.testing.assert_allclose(out[r], x[r] / want[r] if want[r] != 0 else x[r], rtol=RTOL)


def test_rescaled_pass_agrees():
    # OP_SCALED (reduce) and the *_scaled dist kernels: sum (|x|/s)**p on every layout
    x = _data((3, 37), 5)
    y = _data((3, 37), 6)
    for p in (2.0, 3.0, 2.5):
        s = 2.0
        want = [_raw_ref(r / s, ops.OP_POW, p) for r in x]
        _check(KR.reduce_flat(x[0], ops.OP_SCALED, p, s), want[0])
        out = np.empty(3)
        KR.reduce_rows(x, ops.OP_SCALED, p, np.full(3, s), out)
        _check(out, want)
        out = np.empty((1, 3))
        xt = np.ascontiguousarray(x.T)[None]
        KR.reduce_cols(xt, ops.OP_SCALED, p, np.full((1, 3), s), out)
        _check(out[0], want)
        dwant = [_raw_ref((x[r] - y[r]) / s, ops.OP_POW, p) for r in range(3)]
        _check(KD.dist_flat_scaled(x[0], y[0], p, s), dwant[0])
        out = np.empty(3)
        KD.dist_rows_scaled(x, y, p, np.full(3, s), out)
        _check(out, dwant)
        out = np.empty((1, 3))
        yt = np.ascontiguousarray(y.T)[None]
        KD.dist_cols_scaled(xt, yt, 37, p, np.full((1, 3), s), out)
        _check(out[0], dwant)


@pytest.mark.parametrize("p", [1.0, 2.0, 0.5, 3.0, 4.0, 2.5, math.inf])
def test_cdist_tiles_agree(p):
    # 7 rows of a: one 4-row pass and three 1-row passes; 6 features: a 4-feature pass and
    # two single ones
    a = _data((7, 6), 7)
    b = _data((5, 6), 8)
    op = {1.0: ops.OP_SUMABS, 2.0: ops.OP_SUMSQ, math.inf: ops.OP_MAX}.get(p, ops.OP_POW)
    out = np.empty((7, 5))
    KC.cdist_tiles(a, np.ascontiguousarray(b.T), op, p, out)
    for i in range(7):
        for j in range(5):
            raw = _raw_ref(a[i] - b[j], op, p)
            want = raw if op in (ops.OP_MAX, ops.OP_SUMABS) else raw ** (1.0 / p)
            _check(out[i, j], want)
