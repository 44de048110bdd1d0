"""Dask and out-of-core support: norms, dist, normalize and fits on Dask arrays and memmaps.

Most tests run on Dask's local threaded scheduler; the ``client`` fixture starts a real
``distributed.LocalCluster`` (2 worker processes, 1 thread each) for the cluster tests,
including the killed-worker tests.  Every result is compared with the NumPy path.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
pytest.importorskip("sklearn")


import fastnorm  # noqa: E402
from fastnorm.distances import dist, normalize  # noqa: E402
from fastnorm.linear_model import ElasticNet, Lasso, Ridge  # noqa: E402
from fastnorm.linear_model import _dask_backend as B  # noqa: E402

INF = math.inf
RNG = np.random.default_rng(20261128)
A3 = RNG.standard_normal((37, 23, 5))
A3[3, 4, 1] = 0.0
X3 = da.from_array(A3, chunks=(10, 7, 2))  # uneven chunks on every axis
A2 = RNG.standard_normal((41, 19))
X2 = da.from_array(A2, chunks=(9, 7))
VEC_ORDS = [None, 0, 1, 2, 3, 0.5, -1, -2.5, INF, -INF]
AXES3 = [None, 0, 1, 2, -1, (0, 1), (0, 2), (1, 2), (2, 0), (0, 1, 2)]


def _boom(b):  # a chunk function that fails: proves a call scheduled no work
    raise RuntimeError("computed")


def _lazy_boom(a, chunks):
    return da.from_array(a, chunks=chunks).map_blocks(_boom, dtype=a.dtype)


def _check(res, ref, rtol=1e-12):
    assert isinstance(res, da.Array)
    got = res.compute()
    ref = np.asarray(ref)
    assert got.shape == ref.shape
    assert got.dtype == ref.dtype
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=0)


def test_import_fastnorm_does_not_import_dask():
    code = "import fastnorm, sys; fastnorm.norm([1.0]); assert 'dask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


# ----------------------------------------------------------------------------- norms
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES3)
@pytest.mark.parametrize("ord", VEC_ORDS)
def test_vector_norm_matches_numpy(ord, axis, keepdims):
    o = 2 if ord is None else ord
    with np.errstate(divide="ignore"):
        ref = np.linalg.vector_norm(A3, ord=o, axis=axis, keepdims=keepdims)
    _check(fastnorm.vector_norm(X3, ord=o, axis=axis, keepdims=keepdims), ref)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), (1, 0)])
@pytest.mark.parametrize("ord", [None, "fro", "nuc", 0, 1, -1, 2, -2, 3, INF, -INF])
def test_norm_2d_matches_numpy(ord, axis, keepdims):
    try:
        with np.errstate(divide="ignore"):
            ref = np.linalg.norm(A2, ord=ord, axis=axis, keepdims=keepdims)
    except ValueError as exc:
        with pytest.raises(ValueError, match=str(exc)):
            fastnorm.norm(X2, ord=ord, axis=axis, keepdims=keepdims)
        return
    _check(fastnorm.norm(X2, ord=ord, axis=axis, keepdims=keepdims), ref, rtol=1e-10)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [(0, 1), (2, 0), (1, 2), (-1, -3)])
@pytest.mark.parametrize("ord", [None, "fro", 1, -1, INF, -INF])
def test_matrix_norm_stacked_matches_numpy(ord, axis, keepdims):
    ref = np.linalg.norm(A3, ord=ord, axis=axis, keepdims=keepdims)
    _check(fastnorm.norm(X3, ord=ord, axis=axis, keepdims=keepdims), ref, rtol=1e-12)


@pytest.mark.parametrize("ord", ["fro", 1, INF, -1])
def test_matrix_norm_function(ord):
    _check(fastnorm.matrix_norm(X3, ord=ord), np.linalg.matrix_norm(A3, ord=ord))


def test_nuclear_norm_of_stack_is_not_implemented():
    with pytest.raises(NotImplementedError, match="2-D"):
        fastnorm.norm(X3, "nuc", axis=(0, 1))


@pytest.mark.parametrize(
    "dtype, rtol",
    [
        (np.float32, 2e-6),
        (np.float16, 2e-3),
        (np.int64, 1e-12),
        (np.int8, 1e-12),
        (np.bool_, 1e-12),
        (np.complex128, 1e-12),
        (np.complex64, 2e-6),
    ],
)
@pytest.mark.parametrize("ord", [None, 1, 3, INF])
def test_dtypes_as_numpy(dtype, rtol, ord):
    a = (A2 * 10).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * a[::-1].astype(dtype)
    ref = np.linalg.norm(a, ord=ord, axis=0)
    # numpy's float16/float32 sums round in the low precision; compare values in float64
    res = fastnorm.norm(da.from_array(a, chunks=(9, 7)), ord=ord, axis=0)
    assert res.dtype == ref.dtype
    got = res.compute()
    assert got.dtype == ref.dtype
    exact = np.linalg.norm(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                           ord=ord, axis=0)  # fmt: skip
    np.testing.assert_allclose(got.astype(np.float64), exact, rtol=rtol)


def test_overflow_safe_like_local():
    big = np.full(10, 1e200)
    r = fastnorm.norm(da.from_array(big, chunks=3))
    assert float(r.compute()) == pytest.approx(1e200 * math.sqrt(10), rel=1e-14)
    tiny = np.full(10, 1e-200)
    assert float(fastnorm.norm(da.from_array(tiny, chunks=3)).compute()) == pytest.approx(
        1e-200 * math.sqrt(10), rel=1e-14
    )
    p3 = np.full(9, 1e120)
    assert float(fastnorm.norm(da.from_array(p3, chunks=2), 3).compute()) == pytest.approx(
        1e120 * 9 ** (1 / 3), rel=1e-14
    )
    f32 = np.full(1000, 3e30, dtype=np.float32)  # squares overflow float32, not float64
    r32 = fastnorm.norm(da.from_array(f32, chunks=100)).compute()
    assert r32.dtype == np.float32 and r32 == pytest.approx(3e30 * math.sqrt(1000), rel=1e-6)


@pytest.mark.parametrize("ord", [None, 1, 3, -1, INF, -INF, 0])
def test_nan_and_inf_propagate(ord):
    a = A2.copy()
    a[5, 3] = np.nan
    a[30, 10] = np.inf
    x = da.from_array(a, chunks=(9, 7))
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.linalg.norm(a, ord=ord, axis=0)
        _check(fastnorm.norm(x, ord=ord, axis=0), ref)


@pytest.mark.parametrize("ord", [None, 0, 1, 2, -1, INF])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_empty(ord, axis):
    a = np.zeros((0, 3))
    x = da.from_array(a)
    if axis is None and ord not in (None, 2):
        return  # matrix norms of an empty matrix: numpy raises for some, covered elsewhere
    ref = np.linalg.norm(a, ord=ord, axis=axis)
    _check(fastnorm.norm(x, ord=ord, axis=axis), ref)


def test_empty_min_raises_like_numpy():
    with pytest.raises(ValueError, match="zero-size array"):
        fastnorm.norm(da.zeros((0, 3)), -INF, axis=0)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(ord="fro", axis=0),
        dict(ord=7, axis=(0, 1)),
        dict(axis=5),
        dict(axis=(0, 0)),
        dict(axis=(0, 1, 2)),
        dict(ord="bad"),
        dict(axis="a"),
    ],
)
def test_errors_eager_and_same_as_numpy(kwargs):
    x = _lazy_boom(A2, (9, 7))  # computing it would raise RuntimeError
    with pytest.raises(Exception) as ref:
        np.linalg.norm(A2, **kwargs)
    with pytest.raises(type(ref.value)) as got:
        fastnorm.norm(x, **kwargs)
    assert str(got.value) == str(ref.value)


def test_vector_norm_errors_eager():
    x = _lazy_boom(A2, (9, 7))
    with pytest.raises(ValueError, match="Invalid norm order 'fro' for vectors"):
        fastnorm.vector_norm(x, ord="fro")
    with pytest.raises(np.exceptions.AxisError):
        fastnorm.vector_norm(x, axis=(0, 4))


def test_non_numeric_dtype_raises_eagerly():
    s = da.from_array(np.array(["a", "b", "c"]), chunks=1)
    with pytest.raises(TypeError):
        fastnorm.norm(s)
    o = da.from_array(np.array([1.0, 2.0], dtype=object), chunks=1)
    with pytest.raises(TypeError, match="dtype object"):
        fastnorm.norm(o)


def test_results_are_lazy():
    x = _lazy_boom(A3, (10, 7, 2))
    for res in (
        fastnorm.norm(x),
        fastnorm.norm(x, 3, axis=1),
        fastnorm.vector_norm(x, ord=INF, axis=(0, 2)),
        fastnorm.norm(x, 1, axis=(0, 1)),
        dist(x, x, axis=0),
        normalize(x),
    ):
        assert isinstance(res, da.Array)
        with pytest.raises(RuntimeError, match="computed"):
            res.compute()


def test_unknown_chunk_sizes():
    x = da.from_array(A2.ravel(), chunks=50)
    pos = x[x > 0]  # NaN chunk sizes
    assert any(math.isnan(c) for c in pos.chunks[0])
    ref = A2.ravel()[A2.ravel() > 0]
    for ord in (None, 1, 3, INF):
        _check(fastnorm.norm(pos, ord), np.linalg.norm(ref, ord))
    m = da.from_array(A2, chunks=(9, 19))
    m = m[m[:, 0] > 0]
    with pytest.raises(ValueError, match="unknown"):
        fastnorm.norm(m, "nuc")


def test_dist_with_unknown_chunk_sizes():
    """Issue 16: dist raised TypeError ('float' object cannot be interpreted as an integer)
    on a Dask array with unknown chunk sizes where norm worked."""
    x = da.from_array(A2.ravel(), chunks=50)
    keep = x > 0
    pos, shifted = x[keep], (x + 1.5)[keep]
    ref = A2.ravel()[A2.ravel() > 0]
    for ord in (None, 1, 0, 3, INF):
        _check(dist(pos, shifted, ord), np.linalg.norm(ref - (ref + 1.5), ord))
        _check(dist(pos, 0.25, ord), np.linalg.norm(ref - 0.25, ord))
    m = da.from_array(A2, chunks=(9, 19))
    sel = m[:, 0] > 0
    ref2 = A2[A2[:, 0] > 0]
    c = A2[0]
    _check(dist(m[sel], c, axis=1), np.linalg.norm(ref2 - c, axis=1))
    _check(dist(m[sel], c, 1, axis=0), np.linalg.norm(ref2 - c, 1, axis=0))
    _check(dist(m[sel], c), np.linalg.norm(ref2 - c))


def test_input_unchanged_and_numpy_input_chunks_not_copied():
    a = A2.copy()
    before = a.copy()
    fastnorm.norm(da.from_array(a, chunks=5), 3, axis=1).compute()
    normalize(da.from_array(a, chunks=5)).compute()
    np.testing.assert_array_equal(a, before)


def test_thread_pool():
    from concurrent.futures import ThreadPoolExecutor

    big = RNG.standard_normal((300_000,))
    x = da.from_array(big, chunks=70_000)
    ref = [np.linalg.norm(big, o) for o in (1, 2, 3, INF)]
    with ThreadPoolExecutor(4) as ex:
        futs = [ex.submit(lambda o: fastnorm.norm(x, o).compute(), o) for o in (1, 2, 3, INF) * 3]
        got = [f.result(timeout=120) for f in futs]
    for g, r in zip(got, ref * 3, strict=True):
        assert float(g) == pytest.approx(r, rel=1e-12)


def _child_norm(q):
    import dask as _dask

    with _dask.config.set(scheduler="sync"):
        q.put(float(fastnorm.vector_norm(da.from_array(A2, chunks=5), ord=3).compute()))


def test_fork():
    import multiprocessing

    fastnorm.vector_norm(X2, ord=3).compute()  # kernels started in the parent first
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=_child_norm, args=(q,))
    proc.start()
    try:
        got = q.get(timeout=120)
    finally:
        proc.join(timeout=60)
    assert got == pytest.approx(float(np.linalg.norm(A2.ravel(), 3)), rel=1e-12)


# ----------------------------------------------------------------------------- dist, normalize
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("ord", [None, 0, 1, 2, 3, -1.5, INF, -INF, "fro", "nuc"])
def test_dist_matches_numpy(ord, axis, keepdims):
    b = RNG.standard_normal(A2.shape)
    c = RNG.standard_normal(A2.shape[1])
    xb = da.from_array(b, chunks=(10, 6))
    for X, Y, ref_x, ref_y in ((X2, xb, A2, b), (X2, c, A2, c), (b, X2, b, A2)):
        try:
            with np.errstate(divide="ignore"):
                ref = np.linalg.norm(ref_x - ref_y, ord=ord, axis=axis, keepdims=keepdims)
        except ValueError as exc:
            with pytest.raises(ValueError, match=str(exc)):
                dist(X, Y, ord, axis, keepdims)
            continue
        _check(dist(X, Y, ord, axis, keepdims), ref, rtol=1e-10)


def test_dist_dtypes_and_shapes():
    f = da.from_array(A2.astype(np.float32), chunks=7)
    assert dist(f, f[0]).dtype == np.float32
    assert dist(f, f[0], axis=1).compute().dtype == np.float32
    i = da.from_array(np.arange(12).reshape(3, 4), chunks=2)
    _check(
        dist(i, i[::-1], axis=0),
        np.linalg.norm(np.arange(12).reshape(3, 4) - np.arange(12).reshape(3, 4)[::-1], axis=0),
    )
    with pytest.raises(ValueError):
        dist(X2, da.ones(5))


@pytest.mark.parametrize("axis", [-1, 0, None])
@pytest.mark.parametrize("ord", [2, 1, "l1", "l2", "max", INF, 3])
def test_normalize_matches_numpy_path(ord, axis):
    a = A2.copy()
    a[4] = 0.0  # a zero row is left unchanged
    res, nrm = normalize(da.from_array(a, chunks=(9, 7)), ord, axis, return_norm=True)
    ref, ref_n = normalize(a, ord, axis, return_norm=True)
    _check(res, ref)
    _check(nrm, ref_n)


def test_normalize_float32_and_errors():
    f = da.from_array(A2.astype(np.float32), chunks=7)
    r = normalize(f)
    assert r.dtype == np.float32 and r.compute().dtype == np.float32
    with pytest.raises(TypeError, match="out"):
        normalize(f, out=np.empty(f.shape, np.float32))
    with pytest.raises(ValueError):
        normalize(f, "l7")


# ----------------------------------------------------------------------------- memmap
@pytest.fixture(scope="module")
def mm_data(tmp_path_factory):
    d = tmp_path_factory.mktemp("mm")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3000, 12)) + 2.0
    y = X @ rng.standard_normal(12) + 0.1 * rng.standard_normal(3000)
    np.save(d / "X.npy", X)
    np.save(d / "y.npy", y)
    return np.load(d / "X.npy", mmap_mode="r"), np.load(d / "y.npy", mmap_mode="r"), X, y


@pytest.mark.parametrize("ord", [None, 1, 3, INF])
def test_memmap_norms(mm_data, ord):
    Xm, _, X, _ = mm_data
    assert isinstance(Xm, np.memmap)
    np.testing.assert_allclose(fastnorm.norm(Xm, ord, axis=0), np.linalg.norm(X, ord, axis=0),
                               rtol=1e-12)  # fmt: skip
    _check(fastnorm.norm(da.from_array(Xm, chunks=(500, 12)), ord, axis=0),
           np.linalg.norm(X, ord, axis=0))  # fmt: skip


def test_memmap_fits(mm_data):
    Xm, ym, X, y = mm_data
    for solver in ("gram", "stream"):
        ref = Lasso(alpha=0.01, tol=1e-10, solver=solver).fit(X, y)
        mem = Lasso(alpha=0.01, tol=1e-10, solver=solver).fit(Xm, ym)
        np.testing.assert_allclose(mem.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
        Xd = da.from_array(Xm, chunks=(700, 12))
        yd = da.from_array(ym, chunks=700)
        dk = Lasso(alpha=0.01, tol=1e-10, solver=solver).fit(Xd, yd)
        np.testing.assert_allclose(dk.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
        assert dk.intercept_ == pytest.approx(ref.intercept_, rel=1e-8)


# ----------------------------------------------------------------------------- fits (local)
def _problem(n=2000, p=15, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, p)) + 3.0).astype(dtype)
    w = rng.standard_normal(p) * (rng.random(p) < 0.6)
    y = X @ w + 0.5 + 0.1 * rng.standard_normal(n)
    sw = rng.uniform(0.5, 2.0, n)
    return X, y, sw


ESTIMATORS = [
    lambda s: Lasso(alpha=0.05, tol=1e-10, solver=s),
    lambda s: ElasticNet(alpha=0.05, l1_ratio=0.3, tol=1e-10, solver=s),
    lambda s: Ridge(alpha=5.0, tol=1e-12, solver=s),
    lambda s: Lasso(alpha=0.05, tol=1e-10, solver=s, fit_intercept=False, positive=True),
]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("solver", ["gram", "stream"])
@pytest.mark.parametrize("make", range(len(ESTIMATORS)))
def test_fit_matches_in_memory(make, solver, weighted):
    X, y, sw = _problem()
    sw = sw if weighted else None
    ref = ESTIMATORS[make](solver).fit(X, y, sample_weight=sw)
    Xd, yd = da.from_array(X, chunks=(450, 15)), da.from_array(y, chunks=450)
    swd = None if sw is None else da.from_array(sw, chunks=450)
    est = ESTIMATORS[make](solver).fit(Xd, yd, sample_weight=swd)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-8, abs=1e-10)
    assert est.n_iter_ == ref.n_iter_
    assert est.coef_.dtype == ref.coef_.dtype
    assert est.solver_ == ref.solver_
    if hasattr(ref, "dual_gap_"):
        assert est.dual_gap_ == pytest.approx(ref.dual_gap_, rel=1e-4, abs=1e-12)


def test_fit_float32_multitarget_columns_chunked_numpy_y():
    X, y, _ = _problem(dtype=np.float32)
    Y = np.stack([y, 2 * y + 1], axis=1)
    ref = Lasso(alpha=0.05, tol=1e-8, solver="stream").fit(X, Y)
    Xd = da.from_array(X, chunks=(500, 5))  # column chunks: rechunked to one block
    est = Lasso(alpha=0.05, tol=1e-8, solver="stream").fit(Xd, Y)
    assert est.coef_.dtype == np.float32 and est.coef_.shape == (2, 15)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-5)


def test_estimator_fit_numpy_X_dask_y():
    X, y, _ = _problem(n=800)
    ref = Ridge(alpha=2.0).fit(X, y)
    est = Ridge(alpha=2.0).fit(X, da.from_array(y, chunks=300))
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-9)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)


def test_fit_warm_start():
    X, y, _ = _problem()
    Xd, yd = da.from_array(X, chunks=(450, 15)), da.from_array(y, chunks=450)
    est = Lasso(alpha=0.05, tol=1e-10, solver="stream", warm_start=True)
    est.fit(Xd, yd)
    est.fit(Xd, yd)
    assert est.n_iter_ <= 1


def test_fit_errors_before_any_work():
    X, y, sw = _problem(n=1000)
    Xb, yb = _lazy_boom(X, (100, 15)), _lazy_boom(y, (100,))
    with pytest.raises(ValueError, match="not aligned"):
        Lasso().fit(Xb, _lazy_boom(y, (50,)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Lasso().fit(Xb, _lazy_boom(y[:900], (100,)))
    with pytest.raises(ValueError, match="sample_weight"):
        Lasso().fit(Xb, yb, sample_weight=_lazy_boom(sw, (50,)))
    with pytest.raises(ValueError, match="Complex"):
        Lasso().fit(Xb.astype(np.complex128), yb)
    with pytest.raises(ValueError, match="strings"):
        Lasso().fit(da.from_array(np.array([["a"]] * 4), chunks=2), yb[:4])
    with pytest.raises(ValueError, match="2D"):
        Lasso().fit(Xb[:, 0], yb)
    with pytest.raises(NotImplementedError, match="sgd"):
        Lasso(solver="sgd").fit(Xb, yb)
    Xu = da.from_array(X, chunks=(100, 15))
    Xu = Xu[Xu[:, 0] > -100]  # unknown chunk sizes
    with pytest.raises(ValueError, match="unknown"):
        Lasso().fit(Xu, yb)
    with pytest.raises(ValueError):  # invalid hyper-parameter: sklearn's check comes first
        Lasso(alpha=-1.0).fit(Xb, yb)


def test_fit_non_finite_raises():
    X, y, _ = _problem(n=500)
    X[7, 3] = np.nan
    Xd, yd = da.from_array(X, chunks=(100, 15)), da.from_array(y, chunks=100)
    for solver in ("gram", "stream"):
        with pytest.raises(ValueError, match="NaN"):
            Lasso(solver=solver).fit(Xd, yd)


def test_estimator_fit_routes_dask(monkeypatch):
    # one fit loop: Dask input goes through the Dask backend's passes (no second loop)
    called = []
    real = B.DaskPass.epoch

    def spy(self, *a, **k):
        called.append(1)
        return real(self, *a, **k)

    monkeypatch.setattr(B.DaskPass, "epoch", spy)
    X, y, _ = _problem(n=500)
    est = Lasso(alpha=0.1, solver="stream")
    est.fit(da.from_array(X, chunks=(100, 15)), da.from_array(y, chunks=100))
    assert called and est.n_features_in_ == 15


# ----------------------------------------------------------------------------- on a cluster
@pytest.fixture(scope="module")
def client():
    import cloudpickle
    from distributed import Client, LocalCluster

    # the workers unpickle this module's helpers by value, whatever their sys.path
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=50,
        )
    c = Client(cluster)
    try:
        c.wait_for_workers(2, timeout=120)
        yield c
    finally:
        c.close()
        cluster.close()
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def _worker_pids(client):
    client.wait_for_workers(2, timeout=120)
    return client.run(os.getpid)


def _die_once(b, marker):
    """Kill this worker process the first time any chunk gets here (atomic marker file)."""
    import multiprocessing

    if b.size == 0 or not multiprocessing.current_process().name.startswith("Dask Worker"):
        return b  # dask's meta inference, or not in a worker process: never kill pytest
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return b
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
    return b  # pragma: no cover


@pytest.mark.timeout(300)
def test_cluster_norms_dist_normalize(client):
    pids = _worker_pids(client)
    assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
    a = RNG.standard_normal((4000, 30))
    x = client.persist(da.from_array(a, chunks=(500, 15)))
    for ord in (None, 1, INF, 3, -INF, 0):
        for axis in (None, 0, 1):
            if axis is None and ord not in (None,):
                ref = np.linalg.vector_norm(a, ord=ord)
                res = fastnorm.vector_norm(x, ord=ord)
            else:
                ref = np.linalg.norm(a, ord=ord, axis=axis)
                res = fastnorm.norm(x, ord=ord, axis=axis)
            _check(res, ref, rtol=1e-11)
    _check(fastnorm.norm(x, "fro"), np.linalg.norm(a, "fro"))
    _check(fastnorm.norm(x, 1), np.linalg.norm(a, 1))
    _check(dist(x, x[::-1], axis=1), np.linalg.norm(a - a[::-1], axis=1))
    _check(normalize(x, 1), normalize(a, 1))


@pytest.mark.timeout(300)
def test_cluster_fits(client):
    _worker_pids(client)
    assert B.on_cluster()  # the chunks are persisted on the workers
    X, y, sw = _problem(n=4000, p=20, seed=1)
    Xd, yd = da.from_array(X, chunks=(500, 20)), da.from_array(y, chunks=500)
    swd = da.from_array(sw, chunks=500)
    for make, solver, w in (
        (0, "stream", None),
        (1, "gram", sw),
        (2, "gram", sw),
        (2, "stream", None),
    ):
        ref = ESTIMATORS[make](solver).fit(X, y, sample_weight=w)
        est = ESTIMATORS[make](solver).fit(Xd, yd, sample_weight=None if w is None else swd)
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
        assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-8, abs=1e-10)
        assert est.n_iter_ == ref.n_iter_


@pytest.mark.timeout(300)
def test_killed_worker_during_norm(client, tmp_path):
    _worker_pids(client)
    a = RNG.standard_normal((120_000, 8))  # < 10 MB: no "large graph" warning
    marker = str(tmp_path / "died")
    x = da.from_array(a, chunks=(15_000, 8)).map_blocks(
        _die_once, marker, dtype=a.dtype, meta=np.empty((0, 0))
    )
    for ord in (1, 3):
        res = fastnorm.norm(x, ord=ord, axis=0).compute()
        np.testing.assert_allclose(res, np.linalg.norm(a, ord, axis=0), rtol=1e-12)
    assert os.path.exists(marker)  # a worker really died mid-computation
    _worker_pids(client)  # and the nanny brought it back


@pytest.mark.timeout(300)
def test_killed_worker_during_fit(client, tmp_path):
    pids = _worker_pids(client)
    X, y, _ = _problem(n=6000, p=20, seed=2)
    ref = Lasso(alpha=0.02, tol=1e-10, solver="stream").fit(X, y)
    assert ref.n_iter_ > 5
    killed = []

    def kill_one(k, obj, gap):  # runs on the client after each epoch
        if k >= 3 and not killed:
            pid = sorted(pids.values())[0]
            os.kill(pid, signal.SIGKILL)  # its persisted chunks are lost with it
            killed.append(pid)
        return False

    Xd, yd = da.from_array(X, chunks=(500, 20)), da.from_array(y, chunks=500)
    est = Lasso(alpha=0.02, tol=1e-10, solver="stream", callback=kill_one).fit(Xd, yd)
    assert killed
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert est.intercept_ == pytest.approx(ref.intercept_, rel=1e-8)
    assert est.n_iter_ == ref.n_iter_
    new = _worker_pids(client)
    assert killed[0] not in new.values()

    # and a worker dying inside a task while the chunks are first persisted (Gram solver)
    marker = str(tmp_path / "died")
    Xk = Xd.map_blocks(_die_once, marker, dtype=X.dtype, meta=np.empty((0, 0)))
    ref_g = Lasso(alpha=0.02, tol=1e-10, solver="gram").fit(X, y)
    est_g = Lasso(alpha=0.02, tol=1e-10, solver="gram").fit(Xk, yd)
    assert os.path.exists(marker)
    np.testing.assert_allclose(est_g.coef_, ref_g.coef_, rtol=1e-8, atol=1e-10)
    _worker_pids(client)
