"""dist, cdist and normalize against numpy, scipy and scikit-learn."""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastnorm
from fastnorm import distances as D
from fastnorm._config import PARALLEL_MIN
from fastnorm.distances import cdist, dist, normalize

INF = math.inf
VEC_ORDS = [None, 1, 2, 3, 0.5, INF, -INF, 0, -1, 2.5]


def rng(seed=0):
    return np.random.default_rng(seed)


def layouts(a):
    """C, F, strided and negative-stride versions of a 2-D array (same values)."""
    big = np.zeros((a.shape[0] * 2, a.shape[1] * 3), a.dtype)
    big[::2, ::3] = a
    rev = np.ascontiguousarray(a[::-1, ::-1])[::-1, ::-1]
    return {"C": a, "F": np.asfortranarray(a), "strided": big[::2, ::3], "neg": rev}


def ref_dist(x, y, ord=None, axis=None, keepdims=False):
    with np.errstate(over="ignore", invalid="ignore"):
        d = np.subtract(x, y)
    return fastnorm.norm(d, ord=ord, axis=axis, keepdims=keepdims)


def assert_same(got, want, rtol=1e-12):
    g, w = np.asarray(got), np.asarray(want)
    assert g.shape == w.shape, (g.shape, w.shape)
    assert g.dtype == w.dtype, (g.dtype, w.dtype)
    assert type(got) is type(want) or (np.ndim(got) == 0 and np.ndim(want) == 0)
    np.testing.assert_allclose(g, w, rtol=rtol, atol=0, equal_nan=True)


# ----------------------------------------------------------------------------- dist
@pytest.mark.parametrize(
    "dtype, lay",
    [(np.float64, lay) for lay in ("C", "F", "strided", "neg")]
    + [(np.float32, "C")],  # each layout pair is a compiled variant: float32 strided inputs
    # are covered by the hypothesis test and the normalize tests
)
def test_dist_layouts_ords_axes(dtype, lay):
    X = layouts(rng().standard_normal((37, 23)).astype(dtype))[lay]
    Y = layouts(rng(1).standard_normal((37, 23)).astype(dtype))["neg" if lay == "C" else "C"]
    c = rng(2).standard_normal(23).astype(dtype)[::-1]
    X0, Y0 = X.copy(), Y.copy()
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    for ord in VEC_ORDS:
        for axis in (0, 1, -1):
            for kd in (False, True):
                assert_same(dist(X, Y, ord, axis, kd), ref_dist(X, Y, ord, axis, kd), rtol)
                assert_same(dist(X, c, ord, axis, kd), ref_dist(X, c, ord, axis, kd), rtol)
                assert_same(dist(c, X, ord, axis, kd), ref_dist(c, X, ord, axis, kd), rtol)
    assert_same(dist(X, Y), ref_dist(X, Y), rtol)
    assert_same(dist(X, c, keepdims=True), ref_dist(X, c, keepdims=True), rtol)
    for ord in (None, "fro", 1, -1, INF, -INF, 2, "nuc"):
        assert_same(dist(X, Y, ord), ref_dist(X, Y, ord), rtol)
        assert_same(dist(X, c, ord, (1, 0)), ref_dist(X, c, ord, (1, 0)), rtol)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


@pytest.mark.parametrize(
    "sx, sy",
    [
        ((5, 1, 4), (3, 4)),
        ((6, 7), (6, 1)),
        ((1, 7), (6, 7)),
        ((4, 3, 5), (5,)),
        ((4, 3, 5), (4, 1, 5)),
        ((2, 3, 4, 5), (3, 1, 5)),
        ((9,), ()),
        ((), ()),
        ((1, 1), (3,)),
    ],
)
def test_dist_broadcasting(sx, sy):
    x = rng().standard_normal(sx)
    y = rng(1).standard_normal(sy)
    nd = len(np.broadcast_shapes(sx, sy))
    for ord in (None, 1, 2, 3, INF, -INF, 0):
        for axis in [None, *range(-nd, nd)]:
            if axis is None and ord is not None and nd != 1:
                continue
            for kd in (False, True):
                assert_same(dist(x, y, ord, axis, kd), ref_dist(x, y, ord, axis, kd))


def test_dist_1d_and_centre():
    x = rng().standard_normal(100_003)
    y = rng(1).standard_normal(100_003)
    for ord in VEC_ORDS:
        assert_same(dist(x, y, ord), ref_dist(x, y, ord))
        assert_same(dist(x[::-3], y[::3], ord), ref_dist(x[::-3], y[::3], ord))
    assert_same(dist(x, 1.5), ref_dist(x, 1.5))
    X = rng(2).standard_normal((3000, 40))
    c = X.mean(axis=0)
    assert_same(dist(X, c, axis=1), np.linalg.norm(X - c, axis=1))
    assert_same(dist(X, c, 1, axis=1), np.linalg.norm(X - c, 1, axis=1))


@pytest.mark.parametrize(
    "x, y",
    [
        (np.arange(10, dtype=np.uint8), np.arange(10, dtype=np.uint8)[::-1]),  # wraps
        (np.arange(10), np.arange(10.0)[::-1]),
        (np.arange(10, dtype=np.int8), np.ones(10, np.float32)),
        (np.ones(4, np.float32), 2.5),  # weak Python scalar: float32 result
        (np.ones(4, np.float32), np.float64(2.5)),  # strong numpy scalar: float64
        (np.ones(4, np.float32), np.ones(4)),
        (np.ones(4, np.float16), np.zeros(4, np.float16)),
        (np.ones(4, ">f8") * 3, np.zeros(4, "<f4")),
        (np.array([1 + 2j, 3j]), np.array([1.0, 0.0])),
        ([3, 4], [0, 0]),
        (np.array([True, False]), 1.0),
    ],
)
def test_dist_dtypes_match_numpy_subtract(x, y):
    for ord in (None, 1, INF, 3):
        assert_same(dist(x, y, ord), ref_dist(x, y, ord))
        assert_same(dist(x, y, ord, 0, True), ref_dist(x, y, ord, 0, True))


def test_dist_extremes():
    big = np.array([1e200, -1e200, 3e199])
    assert float(dist(big, -big)) == pytest.approx(2e200 * math.sqrt(2.09), rel=1e-14)
    tiny = np.full((4, 3), 1e-200)
    np.testing.assert_allclose(dist(tiny, -tiny, axis=1), np.full(4, 2e-200 * math.sqrt(3)))
    np.testing.assert_allclose(dist(tiny, -tiny, axis=0), np.full(3, 4e-200))
    np.testing.assert_allclose(dist(tiny.T, 0.0, 3, axis=0), np.full(4, 1e-200 * 3 ** (1 / 3)))
    assert dist([np.inf, 1.0], [0.0, 0.0]) == np.inf
    assert dist([np.inf, 1.0], [np.inf, 0.0]) != dist([np.inf, 1.0], [np.inf, 0.0])  # NaN
    for ord in VEC_ORDS:
        for vals in ([np.nan, 1.0], [np.inf, np.nan], [np.nan, np.inf], [0.0, 0.0]):
            v = np.array(vals)
            assert_same(dist(v, 0.0, ord), ref_dist(v, 0.0, ord))
        M = np.array([[np.nan, 1.0], [2.0, np.inf], [0.0, 0.0]])
        for axis in (0, 1):
            assert_same(dist(M, 0.0, ord, axis), ref_dist(M, 0.0, ord, axis))
    f32 = np.full(4, 3e38, np.float32)
    assert_same(dist(f32, -f32), ref_dist(f32, -f32))  # float32 subtract overflows to inf
    X = np.full((70, 1000), 1e-200)  # > one CHUNK per row: partials and rescale per chunk
    assert_same(dist(X, 0.0, axis=1), np.full(70, 1e-200 * math.sqrt(1000)), 1e-13)


def test_dist_empty():
    for sx, sy in [((0,), (0,)), ((0, 3), (3,)), ((3, 0), (1, 0))]:
        x, y = np.ones(sx), np.ones(sy)
        for ord in (None, 1, 2, 0) if len(sx) == 1 else (None, 1, "fro"):
            assert_same(dist(x, y, ord), ref_dist(x, y, ord))
        assert_same(dist(x, y, axis=-1), ref_dist(x, y, axis=-1))
    with pytest.raises(ValueError):
        dist(np.ones((0, 3)), np.ones(3), -INF, axis=0)


def test_dist_bad_input():
    x, y = np.ones((3, 4)), np.ones(5)
    with pytest.raises(ValueError) as e1:
        dist(x, y)
    with pytest.raises(ValueError) as e2:
        np.broadcast_shapes((3, 4), (5,))
    assert str(e1.value) == str(e2.value)
    with pytest.raises(TypeError):
        dist(np.ones(3, bool), np.zeros(3, bool))
    with pytest.raises(TypeError):
        dist(np.array(["a"]), np.array(["b"]))
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        dist(np.ones(3), 0.0, "fro")
    with pytest.raises(ValueError, match="Invalid norm order"):
        dist(np.ones((3, 3)), 0.0, "bad", axis=(0, 1))
    with pytest.raises(np.exceptions.AxisError):
        dist(np.ones((3, 3)), 0.0, axis=2)
    with pytest.raises(TypeError):
        dist(np.ones(3), 0.0, axis="x")
    with pytest.raises(ValueError, match="Improper number of dimensions"):
        dist(np.ones((2, 2, 2)), 0.0, 1)
    with pytest.raises(ValueError, match="Improper number of dimensions"):
        dist(np.ones((2, 2, 2)), 0.0, axis=(0, 1, 2))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    dtype=st.sampled_from([np.float64, np.float32]),
    ord=st.sampled_from([None, 1, 2, 3, INF, -INF, 0, 0.5]),
)
def test_dist_property_matches_norm_of_subtract(data, dtype, ord):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6))
    bshape = data.draw(hnp.broadcastable_shapes(shape, min_dims=0, max_dims=3))
    elems = st.floats(-1e6, 1e6, allow_nan=False, width=32)
    x = data.draw(hnp.arrays(dtype, shape, elements=elems))
    y = data.draw(hnp.arrays(dtype, bshape, elements=elems))
    if data.draw(st.booleans()):
        x = x[..., ::-1]
    nd = len(np.broadcast_shapes(shape, bshape))
    axis = data.draw(st.sampled_from([None, *range(-nd, nd)]))
    if axis is None and ord is not None and nd != 1:
        axis = -1
    keep = data.draw(st.booleans())
    want = ref_dist(x, y, ord, axis, keep)
    got = dist(x, y, ord, axis, keep)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    assert_same(got, want, rtol)


# ----------------------------------------------------------------------------- cdist
def _scipy_cdist(A, B, ord):
    sd = pytest.importorskip("scipy.spatial.distance")
    if ord == INF:
        return sd.cdist(A, B, "chebyshev")
    if ord == 1:
        return sd.cdist(A, B, "cityblock")
    return sd.cdist(A, B, "minkowski", p=ord)


CD_ORDS = [1, 2, 3, INF, 0.5, 2.5]


@pytest.mark.parametrize("shape", [(7, 5, 3), (33, 18, 1), (5, 300, 9), (40, 41, 64), (1, 1, 2)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_cdist_matches_scipy(shape, dtype):
    ma, mb, d = shape
    A = (rng().standard_normal((ma, d)) * 10).astype(dtype)
    B = (rng(1).standard_normal((mb, d)) * 10).astype(dtype)
    A0, B0 = A.copy(), B.copy()
    for ord in CD_ORDS:
        got = cdist(A, B, ord)
        want = _scipy_cdist(A, B, ord)
        assert got.dtype == np.float64 and got.shape == (ma, mb)
        # ord 2 with >= GRAM_MIN_FEATURES features takes the guarded Gram route
        np.testing.assert_allclose(got, want, rtol=1e-12 if ord != 2 else 1e-11, atol=0)
        # layouts: F order and strided views
        np.testing.assert_allclose(cdist(np.asfortranarray(A), B[::-1], ord), want[:, ::-1])
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(B, B0)


@pytest.mark.parametrize("gram", [False, True])
def test_cdist_euclidean_near_duplicates_and_extremes(gram, monkeypatch):
    if gram:
        monkeypatch.setattr(D, "GRAM_MIN_FEATURES", 1)
    A = rng().standard_normal((50, 16)) * 1e3
    B = A + 1e-9 * rng(1).standard_normal((50, 16))  # cancellation in ||a||^2+||b||^2-2ab
    B = np.vstack([B, A[:3]])
    want = _scipy_cdist(A, B, 2)
    np.testing.assert_allclose(cdist(A, B, exact=not gram), want, rtol=1e-10, atol=0)
    assert np.all(np.diag(cdist(A, A, exact=not gram)) == 0)
    big = np.array([[1e200, -1e200], [0.0, 0.0]])
    np.testing.assert_allclose(
        cdist(big, -big),
        [[math.sqrt(8) * 1e200, math.sqrt(2) * 1e200], [math.sqrt(2) * 1e200, 0.0]],
        rtol=1e-14,
    )
    tiny = np.array([[1e-200, 1e-200]])
    np.testing.assert_allclose(cdist(tiny, -tiny), [[math.sqrt(8) * 1e-200]], rtol=1e-14)
    np.testing.assert_allclose(cdist(tiny, -tiny, 3), [[2e-200 * 2 ** (1 / 3)]], rtol=1e-14)


@pytest.mark.parametrize("d", [16, 64])
def test_cdist_euclidean_default_is_as_exact_as_scipy(d):
    """Issue 16: with >= 16 features the default went through the Gram matrix and landed
    up to 5.7e-15 (relative) from scipy on uniform data; scipy's own tests ask 1e-15."""
    A = rng(8).random((120, d))
    B = rng(9).random((130, d))
    want = _scipy_cdist(A, B, 2)
    np.testing.assert_allclose(cdist(A, B), want, rtol=1e-15, atol=0)
    # the opt-in Gram route trades accuracy as its docstring says (~1e-14, not 1e-15)
    np.testing.assert_allclose(cdist(A, B, exact=False), want, rtol=1e-13, atol=0)


def test_cdist_nonfinite_propagates_like_numpy():
    # numpy semantics: NaN (and inf - inf) propagate.  scipy's C loops do not agree with
    # each other here (its cityblock drops NaN), so numpy is the reference.
    A = np.array([[np.nan, 1.0], [np.inf, 0.0], [1.0, 2.0]])
    B = np.array([[0.0, 0.0], [np.inf, 1.0], [1.0, np.nan], [-np.inf, 0.0]])
    for ord in (1, 2, 3, INF):
        with np.errstate(invalid="ignore"):
            want = np.linalg.norm(A[:, None, :] - B[None, :, :], ord, axis=-1)
        np.testing.assert_array_equal(cdist(A, B, ord), want)


def test_cdist_bad_input():
    with pytest.raises(ValueError, match="same number of columns"):
        cdist(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="XA must be a 2-dimensional array"):
        cdist(np.ones(3), np.ones((3, 3)))
    with pytest.raises(ValueError, match="XB must be a 2-dimensional array"):
        cdist(np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match="Unsupported dtype"):
        cdist(np.array([["a"]]), np.array([["b"]]))
    with pytest.raises(ValueError, match="Unsupported dtype"):
        cdist(np.ones((2, 2), complex), np.ones((2, 2)))
    for p in (0, -1, np.nan):
        with pytest.raises(ValueError, match="greater than 0"):
            cdist(np.ones((2, 2)), np.ones((2, 2)), p)
    with pytest.raises(TypeError):
        cdist(np.ones((2, 2)), np.ones((2, 2)), "x")
    assert cdist(np.ones((0, 3)), np.ones((2, 3))).shape == (0, 2)
    assert np.all(cdist(np.ones((2, 0)), np.ones((3, 0))) == 0)


# ----------------------------------------------------------------------------- normalize
def _sk():
    return pytest.importorskip("sklearn.preprocessing")


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
@pytest.mark.parametrize("lay", ["C", "F", "strided", "neg"])
@pytest.mark.parametrize("name", ["l1", "l2", "max"])
def test_normalize_matches_sklearn(dtype, lay, name):
    X = layouts((rng().standard_normal((90, 13)) * 5).astype(dtype))[lay]
    X0 = X.copy()
    for axis, skaxis in ((-1, 1), (1, 1), (0, 0)):
        got, n = normalize(X, name, axis=axis, return_norm=True)
        want, wn = _sk().normalize(X, name, axis=skaxis, return_norm=True)
        assert got.dtype == want.dtype and got.shape == want.shape
        rtol = 1e-13 if dtype != np.float32 else 1e-6
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-15)
        np.testing.assert_allclose(n, wn, rtol=rtol)
        assert n.dtype == want.dtype
    np.testing.assert_array_equal(X, X0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normalize_any_ord_and_shapes(dtype):
    X = rng().standard_normal((6, 70, 9)).astype(dtype)
    rtol = 1e-13 if dtype == np.float64 else 1e-6
    for ord in VEC_ORDS:
        for axis in (None, 0, 1, 2, -1):
            n = fastnorm.norm(X.reshape(-1) if axis is None else X, ord, axis, keepdims=True)
            n64 = np.asarray(n, dtype=np.float64)
            want = (X / np.where(n64 == 0, 1, n64)).astype(dtype)
            got = normalize(X, ord, axis)
            assert got.dtype == dtype and got.shape == X.shape
            np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-30)
    v = rng().standard_normal(1000)
    np.testing.assert_allclose(normalize(v), v / np.linalg.norm(v), rtol=1e-14)
    got, n = normalize(v, 1, return_norm=True)
    assert n == pytest.approx(np.abs(v).sum(), rel=1e-14) and np.ndim(n) == 0


def test_normalize_zero_rows_extremes_no_nan():
    X = np.zeros((80, 5))
    X[1] = 1e200
    X[2] = 1e-200
    X[3] = [3.0, 4.0, 0, 0, 0]
    for ord in (2, 1, INF, 3):
        for A, axis in ((X, 1), (X.T, 0), (np.asfortranarray(X), 1)):
            got = normalize(A, ord, axis=axis)
            assert not np.isnan(got).any()
            g = got if axis == 1 else got.T
            np.testing.assert_array_equal(g[0], 0.0)  # zero row unchanged
            np.testing.assert_allclose(g[1], np.full(5, 5 ** (-1 / ord)), rtol=1e-14)
            np.testing.assert_allclose(g[2], np.full(5, 5 ** (-1 / ord)), rtol=1e-14)
    r = normalize(np.array([[np.nan, 1.0], [1.0, 1.0]]))
    assert np.isnan(r[0]).all() and np.allclose(r[1], 2**-0.5)


@pytest.mark.parametrize("lay", ["C", "F", "strided", "neg"])
def test_normalize_in_place(lay):
    X = layouts(rng().standard_normal((200, 30)))[lay]
    want = X / np.linalg.norm(X, axis=1, keepdims=True)
    got = normalize(X, out=X)
    assert got is X
    np.testing.assert_allclose(X, want, rtol=1e-14)
    Y = layouts(rng(1).standard_normal((200, 30)).astype(np.float32))[lay]
    want = Y / np.linalg.norm(Y.astype(np.float64), axis=0, keepdims=True)
    normalize(Y, axis=0, out=Y)
    np.testing.assert_allclose(Y, want, rtol=1e-6)
    out = np.empty((200, 30), order="F")
    X = layouts(rng(2).standard_normal((200, 30)))[lay]
    assert normalize(X, "l1", out=out) is out
    np.testing.assert_allclose(out, X / np.abs(X).sum(axis=1, keepdims=True), rtol=1e-14)


def test_normalize_bad_input_leaves_arrays_untouched():
    X = rng().standard_normal((10, 4))
    X0 = X.copy()
    bad_outs = [
        (np.empty((10, 5)), ValueError),  # shape
        (np.empty((10, 4), np.float32), TypeError),  # dtype
        ([[0.0] * 4] * 10, TypeError),  # not an array
        (X[::-1], ValueError),  # overlaps x without being x
        (np.lib.stride_tricks.as_strided(X, (10, 4), (32, 8)), None),  # same memory = x: ok
    ]
    for out, exc in bad_outs:
        if exc is None:
            continue
        with pytest.raises(exc):
            normalize(X, out=out)
        np.testing.assert_array_equal(X, X0)
    buf = np.zeros(44)
    Xb = buf[:40].reshape(10, 4)
    Xb[...] = X0
    with pytest.raises(ValueError, match="overlaps"):
        normalize(Xb, out=buf[4:].reshape(10, 4))
    np.testing.assert_array_equal(Xb, X0)
    ro = np.empty((10, 4))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        normalize(X, out=ro)
    with pytest.raises(TypeError):
        normalize(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="not a supported norm"):
        normalize(X, "l3")
    with pytest.raises(np.exceptions.AxisError):
        normalize(X, axis=2)
    with pytest.raises(TypeError):
        normalize(np.arange(4), out=np.arange(4))  # int out for a float result
    np.testing.assert_array_equal(X, X0)


def test_normalize_other_dtypes():
    assert normalize(np.array([[3, 4]], np.int8)).dtype == np.float64
    assert normalize(np.array([[True, True]])).dtype == np.float64
    h = normalize(np.array([[3.0, 4.0]], np.float16))
    assert h.dtype == np.float16 and np.allclose(h, [[0.6, 0.8]], rtol=1e-3)
    z = np.array([[3j, 4.0], [0, 0]])
    np.testing.assert_allclose(normalize(z), [[0.6j, 0.8], [0, 0]])
    assert normalize(np.ones((0, 3))).shape == (0, 3)


# ----------------------------------------------------------------------------- threads, fork
def _big():
    X = rng(5).standard_normal((PARALLEL_MIN // 32, 64))
    c = rng(6).standard_normal(64)
    A = rng(7).standard_normal((300, 16))
    return X, c, A


def _calls(X, c, A):
    return (
        dist(X, c, axis=1),
        dist(X, c[None, :]),
        dist(X, c, 1, axis=0),
        normalize(X),
        normalize(X, INF, axis=0),
        cdist(A, A, 1),
        cdist(A, A),
        cdist(A, A, INF),
    )


def test_thread_pool_and_thread_counts_agree():
    X, c, A = _big()
    want = _calls(X, c, A)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: _calls(X, c, A), range(8)))
    fastnorm.set_num_threads(1)
    try:
        got.append(_calls(X, c, A))
    finally:
        fastnorm.set_num_threads(None)
    for g in got:
        for a, b in zip(g, want, strict=True):
            np.testing.assert_array_equal(a, b)


def _child(q):  # pragma: no cover - runs in a forked child
    X, c, A = _big()
    q.put([np.asarray(r).copy() for r in _calls(X, c, A)])


def test_fork_after_parallel_calls():
    X, c, A = _big()
    want = _calls(X, c, A)  # parallel layer started in the parent
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(q,))
    p.start()
    got = q.get(timeout=120)
    p.join(timeout=60)
    assert p.exitcode == 0
    for a, b in zip(got, want, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lay", ["C", "F", "strided", "neg"])
def test_normalize_max_bits_kernel_matches_numpy_exactly(dtype, lay):
    """ord=inf along rows runs the max on the bits of |x|: NaN rows, inf, -0.0, zero and
    subnormal rows must come out as numpy's ``X / max|X|`` (bit for bit: the max is exact and
    the division correctly rounded)."""
    info = np.finfo(dtype)
    X = (rng().standard_normal((70, 21)) * 3).astype(dtype)
    X[1] = 0.0
    X[2, 4] = np.nan
    X[3, 5] = -np.inf
    X[4] = -0.0
    X[5] = info.smallest_subnormal * np.arange(21)
    X[6, :] = -info.max
    X[7, 9] = np.nan
    X[7, 10] = np.inf
    X = layouts(X)[lay]
    X0 = X.copy()
    got, n = normalize(X, np.inf, return_norm=True)
    a = np.abs(X).max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        want = X / np.where(a == 0, 1, a)
    assert got.dtype == dtype and n.dtype == dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(n, a[:, 0])
    np.testing.assert_array_equal(X, X0)
    assert np.signbit(got[4]).all()  # -0.0 rows unchanged


# ----------------------------------------------------------------------------- issue 16 defects
def test_dist_ord0_counts_inf_minus_inf_like_numpy():
    """inf - inf is NaN, which numpy's norm(x - y, 0) counts; the kernels compared x != y."""
    x = np.array([[np.inf, 1.0, -np.inf, 2.0], [np.inf, np.nan, 3.0, 3.0]])
    y = np.array([[np.inf, 2.0, -np.inf, 2.0], [-np.inf, 1.0, 3.0, np.inf]])
    with np.errstate(invalid="ignore"):
        d = x - y
    assert dist(x[0, :2], y[0, :2], 0) == np.linalg.norm(d[0, :2], 0) == 2.0
    for name, xv in layouts(x).items():
        for yv in (y, np.asfortranarray(y)):
            for axis in (0, 1):
                ref = np.linalg.norm(d, 0, axis=axis)
                np.testing.assert_array_equal(dist(xv, yv, 0, axis=axis), ref, err_msg=name)
        assert dist(xv[::-1].ravel(), y[::-1].ravel(), 0) == np.linalg.norm(d.ravel(), 0)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    np.testing.assert_array_equal(dist(x32, y32, 0, axis=1), np.linalg.norm(d, 0, axis=1))


@pytest.mark.parametrize("p", [700, 2000])
def test_large_p_distances_do_not_overflow(p):
    """Issue 16: a scaled p-norm in every path (dist layouts, cdist, normalize)."""

    def ref(v):
        a = np.abs(np.ravel(v)).astype(np.float64)
        m = a.max()
        return m * math.fsum((a / m) ** p) ** (1.0 / p)

    X = rng(3).uniform(1.0, 3.0, size=(6, 30))
    c = np.zeros(30)
    assert math.isclose(dist([2.0, 3.0], [0.0, 0.0], p), 3.0, rel_tol=1e-14)
    np.testing.assert_allclose(dist(X, c, p, axis=1), [ref(r) for r in X], rtol=1e-13)
    for name, Xv in layouts(X).items():
        np.testing.assert_allclose(dist(Xv, 0.0, p, axis=0), [ref(v) for v in X.T], rtol=1e-13)
        np.testing.assert_allclose(dist(Xv, 0.0, p, axis=1), [ref(r) for r in X], rtol=1e-13)
        assert math.isclose(dist(Xv.ravel(), 0.0, p), ref(X), rel_tol=1e-13), name
    np.testing.assert_allclose(cdist(X, X[:2] * 0, p), [[ref(r)] * 2 for r in X], rtol=1e-13)
    res, nrm = normalize(X, p, return_norm=True)
    np.testing.assert_allclose(nrm, [ref(r) for r in X], rtol=1e-13)
    np.testing.assert_allclose(res, X / nrm[:, None], rtol=1e-13)
    _, nrm0 = normalize(X, p, axis=0, return_norm=True)
    np.testing.assert_allclose(nrm0, [ref(v) for v in X.T], rtol=1e-13)


def test_normalize_root_overflow_gives_inf_norm():
    """normalize(np.ones((2, 2)), 1e-300, axis=None) raised OverflowError (numpy: norm inf)."""
    with np.errstate(over="ignore"):
        for axis in (None, 0, 1):
            res, nrm = normalize(np.ones((2, 2)), 1e-300, axis=axis, return_norm=True)
            want = np.linalg.norm(
                np.ones(4) if axis is None else np.ones((2, 2)), 1e-300, axis=axis
            )
            np.testing.assert_array_equal(nrm, want)
            np.testing.assert_array_equal(res, np.zeros((2, 2)))


@pytest.mark.parametrize(
    "x",
    [
        np.array([[3, 0], [0, 1]]) + 0j,
        np.array([[3, 0], [0, 1]], dtype=np.float16),
        np.array([[3, 0], [0, 1]], dtype=np.longdouble),
        np.arange(8.0).reshape(2, 2, 2) * (1 - 2j),
    ],
    ids=["complex", "float16", "longdouble", "complex-3d"],
)
@pytest.mark.parametrize("ord_", [2, 1, INF, 3])
def test_normalize_axis_none_is_the_vector_norm_for_every_dtype(x, ord_):
    """Issue 16: complex/float16/long double 2-D input was divided by a matrix norm (3.0 for
    [[3, 0], [0, 1]] + 0j instead of sqrt(10)); float16 ord 2 raised, 3-D complex raised."""
    want_n = np.linalg.norm(
        x.astype(np.complex256 if x.dtype.kind == "c" else np.longdouble).ravel(), ord_
    )
    res, nrm = normalize(x, ord_, axis=None, return_norm=True)
    rdt = x.dtype
    assert res.dtype == rdt and res.shape == x.shape
    assert np.asarray(nrm).dtype == x.real.dtype and np.ndim(nrm) == 0
    rtol = 2e-3 if x.dtype == np.float16 else 1e-15
    np.testing.assert_allclose(np.float64(nrm), np.float64(want_n), rtol=rtol)
    np.testing.assert_allclose(
        res.astype(np.complex128), (x / want_n).astype(np.complex128), rtol=rtol
    )
    # the same as float64 input of the same values (where that is defined)
    if x.dtype.kind == "f":
        _, n64 = normalize(x.astype(np.float64), ord_, axis=None, return_norm=True)
        np.testing.assert_allclose(np.float64(nrm), n64, rtol=rtol)


def test_normalize_accepts_scikit_learn_keywords():
    """Issue 16: normalize(X, norm="l1") raised TypeError; copy= was missing."""
    sk = pytest.importorskip("sklearn.preprocessing")
    X = rng(4).standard_normal((5, 4))
    for kw in [{"norm": "l1"}, {"norm": "max", "axis": 0}, {"norm": "l2", "axis": 1}]:
        np.testing.assert_allclose(normalize(X, **kw), sk.normalize(X, **kw), rtol=1e-15)
        r, n = normalize(X, **kw, return_norm=True)
        r2, n2 = sk.normalize(X, **kw, return_norm=True)
        np.testing.assert_allclose(n, n2, rtol=1e-15)
    Y = X.copy()
    res = normalize(Y, norm="l2", copy=False)
    assert res is Y  # in place, as scikit-learn's copy=False
    np.testing.assert_allclose(Y, sk.normalize(X), rtol=1e-15)
    Z = X.copy()
    res = normalize(Z, norm="l2", copy=True)
    assert res is not Z and np.array_equal(Z, X)
    Xi = np.arange(6).reshape(2, 3)
    res = normalize(Xi, norm="l1", copy=False)  # ints: a float result, the input untouched
    np.testing.assert_array_equal(Xi, np.arange(6).reshape(2, 3))
    np.testing.assert_allclose(res, sk.normalize(Xi, norm="l1"))
    with pytest.raises(TypeError):
        normalize(X, 1, norm="l1")
    with pytest.raises(ValueError):
        normalize(X, norm="l3")


def test_normalize_non_integer_axis_raises_like_numpy():
    """Issue 16: axis=1.5 was silently truncated to 1; numpy's reductions (np.sum) raise
    TypeError.  (np.linalg.norm itself truncates, and fastnorm.norm follows it.)"""
    X = np.ones((2, 3))
    with pytest.raises(TypeError):
        np.sum(X, axis=1.5)
    for bad in (1.5, 1.0, "1"):
        with pytest.raises(TypeError):
            normalize(X, axis=bad)
    np.testing.assert_array_equal(normalize(X, axis=np.int64(1)), normalize(X, axis=1))


def test_normalize_complex_divides_parts_by_the_real_norm():
    """Found by the fuzz test: numpy's complex division by norm + 0j changed zero-norm slices
    (inf + 0j -> inf + nan*j) and overflowed for subnormal norms (5e-324j -> nan + inf*j)."""
    x = np.array([[0j, complex(np.inf, 0)], [5e-324j, 0j], [3 + 4j, 0j]])
    res, nrm = normalize(x, -INF, axis=1, return_norm=True)  # row norms 0, 0, 0: unchanged
    np.testing.assert_array_equal(nrm, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(res, x)
    res = normalize(x[1:2, :1], axis=1)
    np.testing.assert_array_equal(res, [[1j]])
    with np.errstate(invalid="ignore"):  # inf / inf, as numpy's x / norm
        res, nrm = normalize(x, 2, axis=1, return_norm=True)
        want = np.array([np.inf, 5e-324, 5.0])  # underflow-safe (numpy's is 0 for 5e-324j)
        np.testing.assert_array_equal(nrm, want)
        np.testing.assert_array_equal(res.real, x.real / want[:, None])
        np.testing.assert_array_equal(res.imag, x.imag / want[:, None])


def test_normalize_with_length_one_kept_axes():
    """Found by the fuzz test: a (2, 1, 2) array along axis 0 (a length-1 kept axis beside
    another) raised "axes don't match array" when the norms were put in kernel order."""
    x = np.arange(1.0, 5.0).reshape(2, 1, 2)
    for v in (x, x.astype(np.int64), np.asfortranarray(x), x[:, :, ::-1]):
        for axis in (0, 1, 2):
            want_n = np.linalg.norm(v.astype(np.float64), axis=axis, keepdims=True)
            res, nrm = normalize(v, axis=axis, return_norm=True)
            np.testing.assert_allclose(nrm, np.squeeze(want_n, axis), rtol=1e-15)
            np.testing.assert_allclose(res, v / want_n, rtol=1e-15)


def test_complex_two_norm_keeps_numpy_nan():
    """Found by the fuzz test: where the one-pass sum needed the overflow-safe pass on |z|,
    |nan + inf*j| = inf replaced numpy's NaN (numpy sums re**2 + im**2)."""
    x = np.array([[0j, 0j], [complex(np.nan, np.inf), 1e200 + 0j]])
    with np.errstate(all="ignore"):
        want = np.linalg.norm(x, axis=0)
    got = fastnorm.norm(x, axis=0)
    assert np.isnan(got[0]) and np.isnan(want[0])
    assert got[1] == 1e200  # overflow-safe (numpy: inf)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(dist(x, np.zeros((2, 2)), axis=0), got)
