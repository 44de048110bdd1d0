"""fastnorm.norm / vector_norm / matrix_norm against numpy.linalg and exact references."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastnorm
from fastnorm._config import PARALLEL_MIN
from tests.references import assert_same_result, fsum_pnorm, numpy_result_dtype, ref_norm

VECTOR_ORDS = [None, 1, -1, 2, -2, np.inf, -np.inf, 0, 3, 0.5, -1.5, 4, 2.5]
MATRIX_ORDS = [None, "fro", "f", "nuc", 1, -1, 2, -2, np.inf, -np.inf]
RNG = np.random.default_rng(12345)


def rtol_for(x: np.ndarray) -> float:
    dt = numpy_result_dtype(x)
    return {2: 2e-3, 4: 2e-6}.get(dt.itemsize, 1e-12)


def layouts(a: np.ndarray) -> dict[str, np.ndarray]:
    """The same values in several memory layouts."""
    out = {"C": np.ascontiguousarray(a)}
    if a.ndim >= 2:
        out["F"] = np.asfortranarray(a)
        big = np.zeros(tuple(2 * s for s in a.shape), a.dtype)
        big[tuple(slice(None, None, 2) for _ in a.shape)] = a
        out["strided"] = big[tuple(slice(None, None, 2) for _ in a.shape)]
        out["negative"] = np.ascontiguousarray(a[::-1, ::-1])[::-1, ::-1]
        out["transposed"] = np.ascontiguousarray(a.T).T
    elif a.ndim == 1:
        big = np.zeros(3 * a.size, a.dtype)
        big[::3] = a
        out["strided"] = big[::3]
        out["negative"] = np.ascontiguousarray(a[::-1])[::-1]
    return out


def check_same(x, ord=None, axis=None, keepdims=False, fn=fastnorm.norm, ref=ref_norm):
    """fastnorm and the reference agree: values, dtype, shape, or exception and message."""
    before = np.array(x, copy=True)
    try:
        want = ref(x, ord=ord, axis=axis, keepdims=keepdims)
    except Exception as exc:  # numpy raises: fastnorm must raise the same
        with pytest.raises(type(exc)) as info:
            fn(x, ord=ord, axis=axis, keepdims=keepdims)
        assert str(info.value) == str(exc)
        return
    got = fn(x, ord=ord, axis=axis, keepdims=keepdims)
    assert_same_result(got, want, rtol_for(np.asarray(x)), dtype=np.asarray(want).dtype)
    np.testing.assert_array_equal(np.asarray(x), before)  # input untouched


# ----------------------------------------------------------------------------- exhaustive grid
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.int32])
@pytest.mark.parametrize("shape", [(7,), (5, 6), (3, 4, 5), (0,), (0, 3), (3, 0), ()])
def test_norm_matches_numpy_grid(dtype, shape):
    a = RNG.standard_normal(shape) * 3
    if np.dtype(dtype).kind == "c":
        a = a + 1j * RNG.standard_normal(shape)
    a = np.asarray(a).astype(dtype)
    nd = a.ndim
    axes = [None, *range(-nd, nd)]
    if nd >= 2:
        axes += [(0, 1), (1, 0), (-1, 0), (0, 0)]
    for name, x in layouts(a).items():
        for ord_, axis, keepdims in itertools.product(
            VECTOR_ORDS + ["fro", "nuc"], axes, [False, True]
        ):
            if name != "C" and (axis is None or keepdims):
                continue  # layouts are exercised on the axis reductions
            check_same(x, ord_, axis, keepdims)


@pytest.mark.parametrize("ord_", MATRIX_ORDS)
@pytest.mark.parametrize("layout", ["C", "F", "strided", "negative"])
def test_matrix_ords(ord_, layout):
    a = layouts(RNG.standard_normal((6, 9)))[layout]
    check_same(a, ord_)
    check_same(a, ord_, axis=(1, 0), keepdims=True)
    b = layouts(RNG.standard_normal((4, 5, 6)))["C" if layout == "negative" else layout]
    for axis in [(0, 2), (2, 1), (-1, -2)]:
        check_same(b, ord_, axis=axis)
        check_same(b, ord_, axis=axis, keepdims=True)


@pytest.mark.parametrize("ord_", VECTOR_ORDS)
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_3d_and_4d_axis_reductions(ord_, axis):
    a = RNG.standard_normal((5, 6, 7))
    for x in [a, np.asfortranarray(a), a[:, ::2, :], a[::-1, :, 1:6:2], a.transpose(2, 0, 1)]:
        check_same(x, ord_, axis=axis)
    b = RNG.standard_normal((3, 4, 5, 6)).transpose(2, 0, 3, 1)[:, ::2]
    check_same(b, ord_, axis=axis)


# ----------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize(
    "dtype",
    [
        np.float16,
        np.float32,
        np.float64,
        np.complex64,
        np.complex128,
        bool,
        np.int8,
        np.uint16,
        np.int64,
        ">f8",
        ">f4",
        ">c16",
    ],
)
@pytest.mark.parametrize("ord_", [None, 1, np.inf, -np.inf, 0, 3])
def test_dtypes(dtype, ord_):
    a = (RNG.standard_normal((4, 5)) * 4).astype(dtype)
    for axis in [None, 0, 1]:
        if axis is None and ord_ not in (None,):
            x = a.ravel()
        else:
            x = a
        check_same(x, ord_, axis)
    got = fastnorm.norm(a)
    assert type(got) is type(np.linalg.norm(a))


@pytest.mark.parametrize("dtype", [np.longdouble, np.clongdouble])
def test_long_double_is_left_to_numpy(dtype):
    a = (RNG.standard_normal((4, 5)) * 3).astype(dtype)
    for ord_, axis in [(None, None), (1, 0), (np.inf, 1), (3, 1), ("fro", None)]:
        got = fastnorm.norm(a, ord_, axis)
        want = np.linalg.norm(a, ord_, axis)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)


def test_python_scalars_and_lists():
    check_same([3, 4])
    check_same([[1, 2], [3, 4]], "fro")
    check_same(5.0)
    check_same(-2, keepdims=True)
    check_same([1.0, -2.0, 3.0], np.inf)
    assert fastnorm.norm([3, 4]) == 5.0
    assert isinstance(fastnorm.norm([3, 4]), np.float64)


def test_read_only_and_memmap(tmp_path):
    a = RNG.standard_normal((50, 40))
    a.setflags(write=False)
    for axis in [None, 0, 1]:
        check_same(a, None, axis)
        check_same(a, 1, axis)
    np.save(tmp_path / "a.npy", a)
    m = np.load(tmp_path / "a.npy", mmap_mode="r")
    assert_same_result(fastnorm.norm(m, axis=0), np.linalg.norm(a, axis=0), 1e-12)
    assert_same_result(fastnorm.norm(m), np.linalg.norm(a), 1e-12)


# ----------------------------------------------------------------------------- NaN / inf / empty
SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0]


@pytest.mark.parametrize("ord_", VECTOR_ORDS)
def test_nan_inf_propagate_like_numpy(ord_):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for combo in itertools.product(SPECIALS, repeat=3):
            a = np.array(combo)
            for x, axis in [(a, None), (a.reshape(1, 3), 1), (a.reshape(3, 1), 0)]:
                want = np.linalg.norm(x, ord_, axis)
                got = fastnorm.norm(x, ord_, axis)
                np.testing.assert_array_equal(got, want)  # NaN == NaN here


def test_empty_inputs():
    for ord_ in VECTOR_ORDS:
        for shape, axis in [
            ((0,), None),
            ((0,), 0),
            ((0, 3), 0),
            ((0, 3), 1),
            ((3, 0), 0),
            ((3, 0), 1),
            ((0, 0), 0),
        ]:
            check_same(np.zeros(shape), ord_, axis)
    for ord_ in MATRIX_ORDS:
        check_same(np.zeros((0, 3)), ord_)
        check_same(np.zeros((2, 0, 3)), ord_, axis=(0, 1))


# ----------------------------------------------------------------------------- overflow safety
def test_overflow_and_underflow_examples_from_the_issue():
    assert fastnorm.norm([1e200, 1e200]) == 1.4142135623730951e200
    assert fastnorm.norm([1e-200] * 4) == 2e-200
    r = fastnorm.norm(np.full(4, 1e30, np.float32))
    assert r.dtype == np.float32 and r == np.float32(2e30)


@pytest.mark.parametrize("scale", [1e200, 1e-200, 1e300, 1e-310, 1e154, 1e-160])
@pytest.mark.parametrize("p", [None, 2, 3, 0.5, 4])
def test_extremes_against_fsum(scale, p):
    base = RNG.uniform(0.5, 2.0, size=(7, 11))
    x = base * scale
    pp = 2.0 if p is None else float(p)
    rel = 1e-13 if scale > 1e-300 else 1e-9  # subnormal inputs carry fewer bits themselves
    got = fastnorm.norm(x.ravel(), p)
    assert math.isclose(got, fsum_pnorm(x, pp), rel_tol=rel)
    for axis in [0, 1]:
        got_ax = fastnorm.norm(x, p, axis=axis)
        want = [fsum_pnorm(v, pp) for v in np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])]
        np.testing.assert_allclose(got_ax, want, rtol=rel)
    if p in (None, 2):
        assert math.isclose(fastnorm.norm(x, "fro"), fsum_pnorm(x), rel_tol=rel)
        assert math.isclose(fastnorm.vector_norm(x), fsum_pnorm(x), rel_tol=rel)
        z = x + 1j * x[::-1]
        assert math.isclose(fastnorm.norm(z), fsum_pnorm(np.abs(z)), rel_tol=1e-12)


def test_overflow_mixed_rows_only_rescale_where_needed():
    x = RNG.standard_normal((6, 50))
    x[2] *= 1e200
    x[4] *= 1e-200
    x[5] = 0.0
    got = fastnorm.norm(x, axis=1)
    want = [fsum_pnorm(r) for r in x]
    np.testing.assert_allclose(got, want, rtol=1e-13)
    got_cols = fastnorm.norm(np.asfortranarray(x.T), axis=0)
    np.testing.assert_allclose(got_cols, want, rtol=1e-13)
    got_inf = fastnorm.norm(np.array([1e200, np.inf, 1.0]))
    assert got_inf == np.inf


def _pnorm_by_max(values, p):
    """Reference p-norm for large p: max|x| * fsum((|x|/max)**p) ** (1/p) (numpy gives inf)."""
    a = [abs(float(v)) for v in np.ravel(values)]
    m = max(a)
    return m * math.fsum((v / m) ** p for v in a) ** (1.0 / p)


def test_root_overflow_gives_inf_like_numpy():
    """Issue 16: the final **(1/p) ran on Python floats and raised OverflowError."""
    with np.errstate(over="ignore"):
        for x, p in [([1e308, 1e308], 0.5), (np.ones(3), 1e-300), (np.ones((2, 5)), 1e-300)]:
            want = np.linalg.norm(np.ravel(x), p)
            assert want == np.inf
            assert fastnorm.norm(np.ravel(x), p) == want
            assert fastnorm.vector_norm(x, ord=p) == want
        X = np.ones((3, 4))
        np.testing.assert_array_equal(
            fastnorm.norm(X, 1e-300, axis=1), np.linalg.norm(X, 1e-300, axis=1)
        )
        np.testing.assert_array_equal(
            fastnorm.norm(X, 1e-300, axis=0), np.linalg.norm(X, 1e-300, axis=0)
        )


@pytest.mark.parametrize("p", [700, 2000, 1e5])
def test_large_p_does_not_overflow(p):
    """Issue 16: norm([2., 3.], 2000) was inf; the overflow-safe pass scaled by a power of two,
    and (|x|/2**k)**p still overflows for p >= 1024.  Every layout path, both dtypes."""
    assert math.isclose(fastnorm.norm([2.0, 3.0], p), _pnorm_by_max([2.0, 3.0], p), rel_tol=1e-14)
    base = RNG.uniform(1.0, 3.0, size=(5, 40))
    for x in (base, base.astype(np.float32)):
        rel = 1e-13 if x.dtype == np.float64 else 1e-6
        want_rows = [_pnorm_by_max(r, p) for r in x]
        want_cols = [_pnorm_by_max(c, p) for c in x.T]
        for name, v in layouts(x).items():
            np.testing.assert_allclose(
                fastnorm.norm(v, p, axis=1), want_rows, rtol=rel, err_msg=name
            )
            np.testing.assert_allclose(
                fastnorm.norm(v, p, axis=0), want_cols, rtol=rel, err_msg=name
            )
            got = fastnorm.vector_norm(v, ord=p)
            assert math.isclose(got, _pnorm_by_max(x, p), rel_tol=rel), name
        x3 = np.stack([x, x[::-1]])
        np.testing.assert_allclose(
            fastnorm.norm(x3, p, axis=1),
            [[_pnorm_by_max(c, p) for c in m.T] for m in x3],
            rtol=rel,
        )


def test_float32_accumulates_in_float64():
    n = 2_000_000
    x = np.random.default_rng(7).random(n, dtype=np.float32)
    exact = math.sqrt(math.fsum(float(v) ** 2 for v in x.astype(np.float64)[:n]))
    got = fastnorm.norm(x)
    assert got.dtype == np.float32
    assert abs(float(got) - exact) / exact < 1e-6
    exact1 = math.fsum(x.astype(np.float64))
    assert abs(float(fastnorm.norm(x, 1)) - exact1) / exact1 < 1e-6


# ----------------------------------------------------------------------------- large inputs
@pytest.mark.parametrize("ord_", [None, 1, np.inf, -np.inf, 0, 3, -1])
def test_parallel_path_large(ord_):
    x = RNG.standard_normal(PARALLEL_MIN * 5 + 17)
    check_same(x, ord_)
    X = x[: 300 * 1000].reshape(300, 1000)
    for axis in [0, 1]:
        check_same(X, ord_, axis)
        check_same(np.asfortranarray(X), ord_, axis)
        check_same(X[:, ::3], ord_, axis)
    Y = RNG.standard_normal((3, 70000))
    for axis in [0, 1]:
        check_same(Y, ord_, axis)


def test_results_do_not_depend_on_thread_count():
    x = RNG.standard_normal(PARALLEL_MIN * 8 + 3)
    X = RNG.standard_normal((3000, 300))
    calls = [
        lambda: fastnorm.norm(x),
        lambda: fastnorm.norm(x, 3),
        lambda: fastnorm.norm(X, axis=0),
        lambda: fastnorm.norm(X, 1, axis=1),
    ]
    try:
        fastnorm.set_num_threads(1)
        one = [c() for c in calls]
        fastnorm.set_num_threads(None)
        many = [c() for c in calls]
    finally:
        fastnorm.set_num_threads(None)
    for a, b in zip(one, many, strict=True):
        np.testing.assert_array_equal(a, b)  # bit-identical


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((np.ones(3), "fro"), {}),
        ((np.ones(3), "nuc"), {}),
        ((np.ones((3, 3)), 3), {}),
        ((np.ones((3, 3)), "abc"), {}),
        ((np.ones((3, 3)),), {"axis": (0, 0)}),
        ((np.ones((3, 3)),), {"axis": (0, 2)}),
        ((np.ones(3),), {"axis": 1}),
        ((np.ones(3),), {"axis": -2}),
        ((np.ones((2, 2, 2)), 1), {}),
        ((np.ones((2, 2, 2)),), {"axis": (0, 1, 2)}),
        ((np.ones(3),), {"axis": "a"}),
        ((np.ones(3),), {"axis": [0]}),
        ((np.array(["a", "b"]),), {}),
        ((np.array([object()]),), {}),
        ((np.zeros((0,)), -np.inf), {}),
        ((np.zeros((3, 0)), -1), {}),
    ],
)
def test_errors_match_numpy(args, kwargs):
    x = args[0]
    ord_ = args[1] if len(args) > 1 else None
    check_same(x, ord_, kwargs.get("axis"), kwargs.get("keepdims", False))


def test_vector_and_matrix_norm_errors():
    for fn_fast, fn_np, args in [
        (fastnorm.vector_norm, np.linalg.vector_norm, {"ord": "fro"}),
        (fastnorm.vector_norm, np.linalg.vector_norm, {"axis": (0, 0)}),
        (fastnorm.vector_norm, np.linalg.vector_norm, {"axis": 3}),
        (fastnorm.matrix_norm, np.linalg.matrix_norm, {"ord": 3}),
    ]:
        with pytest.raises(Exception) as want:
            fn_np(np.ones((3, 3)), **args)
        with pytest.raises(type(want.value), match=None) as got:
            fn_fast(np.ones((3, 3)), **args)
        assert str(got.value) == str(want.value)
    with pytest.raises(np.exceptions.AxisError):
        fastnorm.matrix_norm(np.ones(3))


# ----------------------------------------------------------------------------- vector/matrix_norm
@pytest.mark.parametrize("ord_", [2, 1, np.inf, -np.inf, 0, 3, -2])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2), (2, 0, 1), (1,)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_vector_norm(ord_, axis, keepdims):
    a = RNG.standard_normal((3, 4, 5))
    for x in [a, np.asfortranarray(a), a[:, ::-1, ::2]]:

        def ref(x, ord, axis, keepdims):
            return np.linalg.vector_norm(x, ord=ord, axis=axis, keepdims=keepdims)

        def fn(x, ord, axis, keepdims):
            return fastnorm.vector_norm(x, ord=ord, axis=axis, keepdims=keepdims)

        check_same(x, ord_, axis, keepdims, fn=fn, ref=ref)


@pytest.mark.parametrize("ord_", ["fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
@pytest.mark.parametrize("keepdims", [False, True])
def test_matrix_norm(ord_, keepdims):
    a = RNG.standard_normal((2, 4, 5))
    got = fastnorm.matrix_norm(a, ord=ord_, keepdims=keepdims)
    want = np.linalg.matrix_norm(a, ord=ord_, keepdims=keepdims)
    assert_same_result(got, want, 1e-12)


# ----------------------------------------------------------------------------- property tests
def _arrays(draw, dtype):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    # Magnitudes where numpy itself neither over- nor underflows (extremes: tests above).
    elems = st.floats(-1e6, 1e6, allow_nan=False, width=64 if dtype == np.float64 else 32).map(
        lambda v: 0.0 if abs(v) < 1e-20 else v
    )
    a = draw(hnp.arrays(dtype, shape, elements=elems))
    kind = draw(st.sampled_from(["C", "F", "T", "neg", "slice"]))
    if kind == "F":
        a = np.asfortranarray(a)
    elif kind == "T":
        a = a.T
    elif kind == "neg" and a.ndim:
        a = a[::-1]
    elif kind == "slice" and a.ndim:
        a = np.repeat(a, 2, axis=0)[::2]
    return a


@st.composite
def norm_calls(draw):
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    a = _arrays(draw, dtype)
    nd = a.ndim
    ord_ = draw(st.sampled_from(VECTOR_ORDS + ["fro", "nuc"]))
    axis_choices = [None]
    if nd:
        axis_choices += [draw(st.integers(-nd, nd - 1))]
    if nd >= 2:
        axis_choices += [tuple(draw(st.permutations(range(nd)))[:2])]
    axis = draw(st.sampled_from(axis_choices))
    return a, ord_, axis, draw(st.booleans())


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(norm_calls())
def test_property_norm_matches_numpy(call):
    a, ord_, axis, keepdims = call
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ord_ in ("nuc", 2, -2) and isinstance(axis, tuple) or ord_ == "nuc":
            return  # SVD-based: numpy's own code path, covered by the grid tests
        check_same(a, ord_, axis, keepdims)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(norm_calls())
def test_property_vector_norm_matches_numpy(call):
    a, ord_, axis, keepdims = call
    if isinstance(ord_, str):
        ord_ = 2
    if isinstance(axis, tuple):
        axis = tuple(sorted(set(axis)))

    def ref(x, ord, axis, keepdims):
        return np.linalg.vector_norm(
            x.astype(np.float64), ord=ord, axis=axis, keepdims=keepdims
        ).astype(x.dtype)

    def fn(x, ord, axis, keepdims):
        return fastnorm.vector_norm(x, ord=ord, axis=axis, keepdims=keepdims)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = ref(a, ord_, axis, keepdims)
        except Exception as exc:
            with pytest.raises(type(exc)):
                fn(a, ord_, axis, keepdims)
            return
        got = fn(a, ord_, axis, keepdims)
    assert np.shape(got) == np.shape(want)
    assert np.asarray(got).dtype == a.dtype
    np.testing.assert_allclose(np.asarray(got, float), np.asarray(want, float), rtol=rtol_for(a))


# ----------------------------------------------------------------------------- no hidden copies
def _peak_bytes(fn):
    """Peak traced allocation of ``fn()``: the least of three calls.  tracemalloc sees every
    thread's allocations, and threads an earlier test left (dask's, distributed's) allocated
    270 KB during one call in a CI run; a copy the call itself makes shows in all three."""
    import tracemalloc

    fn()  # compile and warm first
    peaks = []
    for _ in range(3):
        tracemalloc.start()
        try:
            fn()
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    return min(peaks)


@pytest.mark.parametrize(
    ("shape", "axes", "fn"),
    [
        ((300, 400), (1, 0), "vector_norm"),
        ((60, 50, 70), (0, 2), "norm"),
        ((60, 50, 70), (2, 0), "vector_norm"),
        ((60, 50, 70), (0, 1, 2), "vector_norm"),
        ((20, 30, 40, 10), (3, 1), "vector_norm"),
    ],
)
def test_multi_axis_reductions_do_not_copy(shape, axes, fn):
    """Issue 16: axis=(1, 0) and (0, 2) made a hidden full copy (transpose + reshape); the
    order of the axes does not matter and non-adjacent axes reduce in stages."""
    x = RNG.standard_normal(shape)
    for v in (x, np.asfortranarray(x)):
        if fn == "norm":
            call = lambda v=v: fastnorm.norm(v, axis=axes)  # noqa: E731
            want = np.linalg.norm(v, axis=axes)
        else:
            call = lambda v=v: fastnorm.vector_norm(v, axis=axes, ord=3)  # noqa: E731
            want = np.linalg.vector_norm(v, axis=axes, ord=3)
        got = call()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-13)
        assert _peak_bytes(call) < x.nbytes / 4, (shape, axes)  # a copy: > x.nbytes


@pytest.mark.parametrize("ord_", [None, 1, 0, 3, -1, np.inf, -np.inf, 0.5])
def test_multi_axis_any_order_and_layout(ord_):
    x = RNG.standard_normal((6, 5, 7))
    x[1, 2, 3] = 0.0
    o = 2 if ord_ is None else ord_
    for name, v in {"C": x, "F": np.asfortranarray(x), "odd": x[::2, ::-1, 1::3]}.items():
        for axes in itertools.permutations(range(3), 2):
            with np.errstate(divide="ignore"):
                want = np.linalg.vector_norm(v, axis=axes, ord=o)
            got = fastnorm.vector_norm(v, axis=axes, ord=o)
            assert got.shape == want.shape, (name, axes)
            np.testing.assert_allclose(got, want, rtol=1e-13, err_msg=f"{name} {axes}")
            if ord_ is None:
                np.testing.assert_allclose(fastnorm.norm(v, axis=axes), want, rtol=1e-13)
