"""Fuzz the norm side of the public API against numpy and scipy (issue 16).

Every call draws a shape (0-d and empty included), a dtype (float16/32/64, complex, int,
bool), a memory layout (C, F, strided, negative strides), NaN/inf/zero/huge/tiny values and
parameters (ord, axis, keepdims).  Each call either

- raises the exception type numpy (or scipy) raises for the same call, or
- returns numpy's result dtype and shape, with values equal to a reference computed in long
  double (so that numpy's own float32 rounding or float64 overflow does not count against the
  overflow-safe kernels) to a tolerance of the result dtype, NaN exactly where the reference
  has NaN;

and never modifies its inputs.  Examples are few (the suite's time budget); the kernels are
compiled once per type signature and cached on disk, so a warm run takes seconds.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastnorm

scipy_distance = pytest.importorskip("scipy.spatial.distance")

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,  # the same examples in every CI run: a failure is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
INF = math.inf
DTYPES = [
    np.float64,
    np.float32,
    np.float16,
    np.complex128,
    np.complex64,
    np.int64,
    np.int8,
    np.uint8,
    np.bool_,
]
VEC_ORDS = [None, 2, 1, 0, -1, -2, 3, 0.5, 2.5, INF, -INF, 2000, 1e-300]
MAT_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, INF, -INF, 3, "f", "abc"]
# long double where it extends the exponent range (x86); else float64 (a weaker reference)
LD = np.longdouble if np.finfo(np.longdouble).maxexp > 1024 else np.float64
CLD = np.clongdouble if LD is np.longdouble else np.complex128


# ----------------------------------------------------------------------------- strategies
def _float_values(dtype):
    info = np.finfo(dtype)
    big = float(info.max) / 4
    special = [0.0, -0.0, 1.0, -2.5, math.nan, INF, -INF, big, -big, float(info.tiny), 1e-3]
    return st.one_of(
        st.sampled_from(special),
        st.floats(-1e3, 1e3, allow_nan=False, width=32 if dtype == np.float16 else 64),
    )


@st.composite
def arrays(draw, min_dims=0, max_dims=3, dtypes=DTYPES, shape=None):
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    if shape is None:
        nd = draw(st.integers(min_dims, max_dims))
        shape = tuple(draw(st.lists(st.integers(0, 4), min_size=nd, max_size=nd)))
    size = math.prod(shape)
    if dtype.kind == "b":
        vals = draw(st.lists(st.booleans(), min_size=size, max_size=size))
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        vals = draw(
            st.lists(st.integers(max(info.min, -1000), min(info.max, 1000)), min_size=size,
                     max_size=size)
        )  # fmt: skip
    else:
        real = np.float32 if dtype in (np.complex64, np.float32) else np.float64
        real = np.float16 if dtype == np.float16 else real
        fv = _float_values(real)
        vals = draw(st.lists(fv, min_size=size, max_size=size))
        if dtype.kind == "c":
            im = draw(st.lists(fv, min_size=size, max_size=size))
            vals = [complex(a, b) for a, b in zip(vals, im, strict=True)]
    with np.errstate(over="ignore"):
        a = np.array(vals, dtype=dtype).reshape(shape)
    return _layout(draw, a)


def _layout(draw, a):
    kind = draw(st.sampled_from(["C", "F", "strided", "neg", "T"]))
    if kind == "F":
        return np.asfortranarray(a)
    if kind == "strided" and a.ndim:
        big = np.zeros(tuple(2 * s + 1 for s in a.shape), a.dtype)
        sl = tuple(slice(1, None, 2) for _ in a.shape)
        big[sl] = a
        return big[sl]
    if kind == "neg" and a.ndim:
        flip = tuple(slice(None, None, -1) for _ in a.shape)
        return np.ascontiguousarray(a[flip])[flip]
    if kind == "T" and a.ndim >= 2:
        return np.ascontiguousarray(a.T).T
    return a


def _axis(draw, nd, allow_pairs=True):
    opts = [st.none(), st.integers(-nd - 1, nd)]
    if allow_pairs and nd:
        opts.append(st.tuples(st.integers(-nd, nd - 1), st.integers(-nd, nd - 1)))
        opts.append(st.just(tuple(range(nd))))
    return draw(st.one_of(*opts))


# ----------------------------------------------------------------------------- comparison
def _quiet(fn, *args, **kw):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _upcast(x):
    x = np.asarray(x)
    if x.dtype.kind == "c":
        return x.astype(CLD)
    return x.astype(LD)


def _ref_vec(a, ord_, axis=None, keepdims=False):
    """Long-double vector norm; for large p scaled by max|a| first (|a|**2000 overflows even
    long double), so that it stays a reference for fastnorm's scaled p-norms."""
    a = _upcast(a)
    if not (isinstance(ord_, int | float) and ord_ > 64 and a.size):
        return np.linalg.vector_norm(a, ord=ord_, axis=axis, keepdims=keepdims)
    a = np.abs(a)  # |z| first: complex / real divides as complex (inf -> NaN)
    m = np.linalg.vector_norm(a, ord=INF, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m) & (m > 0), m, 1)
    r = m * np.linalg.vector_norm(a / m, ord=ord_, axis=axis, keepdims=True)
    if keepdims:
        return r
    return r.reshape(()) if axis is None else np.squeeze(r, axis=axis)


def _tol(dt):
    """(rtol, atol) for results of dtype ``dt`` (complex: of its real part)."""
    real = np.empty(0, dt).real.dtype
    return {2: 2e-3, 4: 2e-5}.get(real.itemsize, 1e-11), float(np.finfo(real).tiny) * 8


def _is_svd(ord_, axis, nd):
    """A norm of the singular values: fastnorm hands those to numpy (which is then the
    reference: long double has no SVD)."""
    two = (isinstance(axis, tuple) and len(axis) == 2) or (axis is None and nd == 2)
    return two and not isinstance(ord_, float) and ord_ in (2, -2, "nuc")


def _check_value(got, want_np, want_ref):
    """``got`` has ``want_np``'s dtype, shape and kind (scalar or array) and the values of
    ``want_ref`` (the long-double reference, cast to that dtype)."""
    assert np.shape(got) == np.shape(want_np), (np.shape(got), np.shape(want_np))
    gdt, wdt = np.asarray(got).dtype, np.asarray(want_np).dtype
    assert gdt == wdt, (gdt, wdt)
    assert np.ndim(got) == 0 or isinstance(got, np.ndarray), type(got)
    ref = _quiet(lambda: np.asarray(want_ref).astype(wdt))
    g = np.asarray(got)
    rtol, atol = _tol(wdt)
    assert np.array_equal(np.isnan(g), np.isnan(ref)), (g, ref)
    parts = [(g.real, ref.real), (g.imag, ref.imag)] if wdt.kind == "c" else [(g, ref)]
    for gp, rp in parts:  # complex: each part (assert_allclose mishandles inf + 1j)
        assert np.array_equal(np.isnan(gp), np.isnan(rp)), (g, ref)
        fin = ~np.isnan(rp)
        g64 = _quiet(lambda gp=gp, fin=fin: gp.astype(np.float64)[fin])
        r64 = _quiet(lambda rp=rp, fin=fin: rp.astype(np.float64)[fin])
        assert np.array_equal(np.isinf(g64), np.isinf(r64)), (g, ref)
        np.testing.assert_allclose(g64, r64, rtol=rtol, atol=atol)


def _snapshot(*arrays_):
    return [(a, np.array(a, copy=True)) for a in arrays_ if isinstance(a, np.ndarray)]


def _unchanged(snap):
    for a, before in snap:
        assert a.tobytes() == before.tobytes(), "input modified"


def _compare(fast, ref_np, ref_value, snap):
    """Run the numpy reference; then fastnorm must raise the same type or match it."""
    try:
        want = _quiet(ref_np)
    except Exception as e:  # noqa: BLE001 - any numpy error is the behaviour to reproduce
        with pytest.raises(type(e)):
            _quiet(fast)
        _unchanged(snap)
        return
    got = _quiet(fast)
    _unchanged(snap)
    try:
        ref = _quiet(ref_value)
    except (TypeError, ValueError, np.linalg.LinAlgError):  # long double has no SVD
        ref = want
    try:
        _check_value(got, want, ref)
    except AssertionError:
        # a drop-in may also give numpy's own value where numpy's intermediate over- or
        # underflows and the exact value differs (e.g. ord=-2 with a 1e-231 entry: 0.0)
        _check_value(got, want, want)


# ----------------------------------------------------------------------------- the fuzz tests
@SETTINGS
@given(st.data())
def test_fuzz_norm(data):
    x = data.draw(arrays())
    ord_ = data.draw(st.sampled_from(VEC_ORDS + MAT_ORDS))
    axis = _axis(data.draw, x.ndim)
    keepdims = data.draw(st.booleans())
    snap = _snapshot(x)
    svd = _is_svd(ord_, axis, x.ndim)
    _compare(
        lambda: fastnorm.norm(x, ord_, axis, keepdims),
        lambda: np.linalg.norm(x, ord_, axis, keepdims),
        # SVD-based norms are numpy's own code in fastnorm too: numpy is the reference
        (lambda: np.linalg.norm(x, ord_, axis, keepdims))
        if svd
        else (lambda: _ref_norm(x, ord_, axis, keepdims)),
        snap,
    )


def _ref_norm(x, ord_, axis, keepdims):
    if ord_ == 2000:  # a vector norm wherever numpy accepts it
        return _ref_vec(x, ord_, axis, keepdims)
    return np.linalg.norm(_upcast(x), ord_, axis, keepdims)


@SETTINGS
@given(st.data())
def test_fuzz_vector_and_matrix_norm(data):
    x = data.draw(arrays())
    snap = _snapshot(x)
    keepdims = data.draw(st.booleans())
    if data.draw(st.booleans()):
        ord_ = data.draw(st.sampled_from([2, 1, 0, -1, 3, 0.5, 2000, INF, -INF, "fro"]))
        axis = _axis(data.draw, x.ndim)
        if isinstance(axis, tuple) and data.draw(st.booleans()):
            axis = axis[::-1]
        _compare(
            lambda: fastnorm.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord_),
            lambda: np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord_),
            lambda: _ref_vec(x, ord_, axis, keepdims),
            snap,
        )
    else:
        ord_ = data.draw(st.sampled_from(["fro", "nuc", 1, -1, 2, -2, INF, -INF, 3]))
        svd = ord_ in (2, -2, "nuc")
        _compare(
            lambda: fastnorm.matrix_norm(x, keepdims=keepdims, ord=ord_),
            lambda: np.linalg.matrix_norm(x, keepdims=keepdims, ord=ord_),
            (lambda: np.linalg.matrix_norm(x, keepdims=keepdims, ord=ord_))
            if svd
            else (lambda: np.linalg.matrix_norm(_upcast(x), keepdims=keepdims, ord=ord_)),
            snap,
        )


@SETTINGS
@given(st.data())
def test_fuzz_dist(data):
    x = data.draw(arrays())
    how = data.draw(st.sampled_from(["same", "near", "bcast", "scalar", "other-dtype"]))
    if how == "same":
        y = data.draw(arrays(shape=x.shape, dtypes=[x.dtype.type]))
    elif how == "near":  # equal in places (inf - inf, nan - nan, exact zeros)
        other = data.draw(arrays(shape=x.shape, dtypes=[x.dtype.type]))
        keep = np.array(data.draw(st.lists(st.booleans(), min_size=x.size, max_size=x.size)))
        y = np.where(keep.reshape(x.shape), x, other)
    elif how == "bcast":
        shape = tuple(data.draw(st.sampled_from([1, s])) for s in x.shape)
        y = data.draw(arrays(shape=shape[data.draw(st.integers(0, len(shape))) :]))
    elif how == "scalar":
        y = data.draw(st.sampled_from([0.0, 1.5, -3, INF, math.nan]))
    else:
        y = data.draw(arrays(shape=x.shape))
    ord_ = data.draw(st.sampled_from(VEC_ORDS + ["fro", "nuc"]))
    axis = _axis(data.draw, x.ndim)
    keepdims = data.draw(st.booleans())
    snap = _snapshot(x, y)

    def diff():
        return np.subtract(x, y)

    def ref_value():
        d = diff()  # numpy's arithmetic for the difference (float32 rounds, ints wrap)
        if _is_svd(ord_, axis, d.ndim):
            return np.linalg.norm(d, ord_, axis, keepdims)
        return _ref_norm(d, ord_, axis, keepdims)

    _compare(
        lambda: fastnorm.dist(x, y, ord_, axis, keepdims),
        lambda: np.linalg.norm(diff(), ord_, axis, keepdims),
        ref_value,
        snap,
    )


@SETTINGS
@given(st.data())
def test_fuzz_cdist(data):
    real = [np.float64, np.float32, np.float16, np.int64, np.uint8, np.bool_]
    d = data.draw(st.sampled_from([0, 1, 3, 5, 17]))  # 17: the Gram-matrix route
    ma, mb = data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4))
    A = data.draw(arrays(shape=(ma, d), dtypes=real))
    B = data.draw(arrays(shape=(mb, d), dtypes=real))
    p = data.draw(st.sampled_from([1, 2, 3, 0.5, 2.5, 2000, INF]))
    snap = _snapshot(A, B)

    def ref(Aa, Bb):
        if p == INF:
            return scipy_distance.cdist(Aa, Bb, "chebyshev")
        return scipy_distance.cdist(Aa, Bb, "minkowski", p=p)

    def ref_value():
        # long-double direct differences (scipy converts to float64 first, as we do)
        a = np.asarray(A, dtype=np.float64).astype(LD)
        b = np.asarray(B, dtype=np.float64).astype(LD)
        diff = a[:, None, :] - b[None, :, :]
        return _ref_vec(diff.reshape(-1, d), p, 1).reshape(ma, mb) if d else np.zeros((ma, mb))

    _compare(lambda: fastnorm.cdist(A, B, p), lambda: ref(A, B), ref_value, snap)


@SETTINGS
@given(st.data())
def test_fuzz_normalize(data):
    x = data.draw(arrays())
    ord_ = data.draw(
        st.sampled_from([None, 2, 1, INF, -INF, 0, 3, 0.5, -1, 2000, 1e-300, "l1", "l2", "max"])
    )
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim - 1, x.ndim)))
    snap = _snapshot(x)
    num = {"l1": 1, "l2": 2, "max": INF, None: 2}.get(ord_, ord_)
    rdt = np.dtype(np.float64) if x.dtype.kind in "biu" else x.dtype
    vaxis = axis

    def ref_norms(a):
        if a.dtype in (LD, CLD):
            return _ref_vec(a, num, vaxis, keepdims=True)
        return np.linalg.vector_norm(a, ord=num, axis=vaxis, keepdims=True)

    def want_np():
        n = ref_norms(x)  # numpy's exceptions (empty -inf, bad axis)
        return np.empty(x.shape, rdt), n

    try:
        _quiet(want_np)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            _quiet(fastnorm.normalize, x, ord_, axis, return_norm=True)
        _unchanged(snap)
        return
    res, nrm = _quiet(fastnorm.normalize, x, ord_, axis, return_norm=True)
    _unchanged(snap)
    n = _quiet(ref_norms, _upcast(x))
    d = np.where(n == 0, 1, n)
    u = _upcast(x)
    # real and imaginary parts divided by the real norm (numpy's complex / complex division
    # makes (0+0j) / inf NaN in long double; fastnorm's result is 0, as in complex128)
    want_res = _quiet(lambda: u / d)
    if u.dtype.kind == "c":
        want_res = np.empty(u.shape, u.dtype)
        want_res.real, want_res.imag = _quiet(lambda: (u.real / d, u.imag / d))
    ndt = rdt.type(0).real.dtype
    want_n = np.reshape(n, ()) if axis is None else np.squeeze(n, axis)
    _check_value(res, np.empty(x.shape, rdt), want_res)
    _check_value(nrm, np.asarray(want_n).astype(ndt)[()], want_n)
