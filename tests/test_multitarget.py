"""Many targets (y of shape (n, k)) and many problems (the Batch estimators): every target
and every problem equals its own single fit."""

from __future__ import annotations

import numpy as np
import pytest

from fastnorm.linear_model import ElasticNet, Lasso, LinearRegression, Ridge


def _data(n=120, p=6, k=4, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, p)) + 2.0).astype(dtype)
    W = rng.standard_normal((p, k)) * (rng.random((p, k)) < 0.6)
    Y = X.astype(np.float64) @ W + 0.3 * rng.standard_normal((n, k)) + 1.0
    sw = rng.random(n) + 0.5
    return X, Y, sw


def _single(est, X, Y, t, alpha, sw):
    one = est.set_params(alpha=alpha) if alpha is not None else est
    return one.fit(X, Y[:, t], sample_weight=sw)


CASES = [
    (Lasso, {"alpha": 0.05, "tol": 1e-8}),
    (ElasticNet, {"alpha": 0.05, "l1_ratio": 0.4, "tol": 1e-8}),
    (Lasso, {"alpha": 0.02, "positive": True, "fit_intercept": False}),
    (Ridge, {"alpha": 2.0}),
    (LinearRegression, {}),
]


@pytest.mark.parametrize(("cls", "params"), CASES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_each_target_equals_its_single_fit(cls, params, weighted, dtype):
    X, Y, sw = _data(dtype=dtype)
    sw = sw if weighted else None
    X0, Y0 = X.copy(), Y.copy()
    multi = cls(**params).fit(X, Y, sample_weight=sw)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
    k = Y.shape[1]
    assert multi.coef_.shape == (k, X.shape[1]) and multi.coef_.dtype == dtype
    for t in range(k):
        one = cls(**params).fit(X, Y[:, t], sample_weight=sw)
        np.testing.assert_allclose(multi.coef_[t], np.ravel(one.coef_), rtol=0, atol=1e-10)
        if multi.fit_intercept:
            np.testing.assert_allclose(multi.intercept_[t], one.intercept_, rtol=0, atol=1e-10)
        if cls in (Lasso, ElasticNet):
            assert multi.n_iter_[t] == one.n_iter_
            np.testing.assert_allclose(multi.dual_gap_[t], one.dual_gap_, rtol=1e-10, atol=0)


@pytest.mark.parametrize("cls", [Lasso, ElasticNet, Ridge])
def test_per_target_alphas(cls):
    X, Y, sw = _data()
    alphas = np.array([0.01, 0.1, 0.03, 0.01])
    multi = cls(alpha=alphas, tol=1e-8).fit(X, Y, sample_weight=sw)
    for t in range(Y.shape[1]):
        one = cls(alpha=alphas[t], tol=1e-8).fit(X, Y[:, t], sample_weight=sw)
        np.testing.assert_allclose(multi.coef_[t], one.coef_, rtol=0, atol=1e-10)
        if cls is not Ridge:
            assert multi.n_iter_[t] == one.n_iter_
    with pytest.raises(ValueError, match="Number of targets and number of penalties"):
        cls(alpha=alphas[:3]).fit(X, Y)


def test_ridge_many_distinct_alphas_uses_one_decomposition():
    X, Y, _ = _data(k=30)
    alphas = np.linspace(0.1, 10.0, 30)
    multi = Ridge(alpha=alphas).fit(X, Y)
    for t in (0, 13, 29):
        one = Ridge(alpha=alphas[t]).fit(X, Y[:, t])
        np.testing.assert_allclose(multi.coef_[t], one.coef_, rtol=0, atol=1e-10)


def test_random_selection_matches_single_fits():
    X, Y, _ = _data()
    kw = {"alpha": 0.03, "selection": "random", "random_state": 3, "tol": 1e-8}
    multi = Lasso(**kw).fit(X, Y)
    for t in range(Y.shape[1]):
        one = Lasso(**kw).fit(X, Y[:, t])
        np.testing.assert_allclose(multi.coef_[t], one.coef_, rtol=0, atol=1e-10)
        assert multi.n_iter_[t] == one.n_iter_


def test_nan_in_one_target_raises():
    X, Y, _ = _data()
    Y[5, 2] = np.nan
    Y[7, 3] = np.inf
    with pytest.raises(ValueError, match="Input y contains NaN in target 2"):
        Lasso(alpha=0.1).fit(X, Y)
    with pytest.raises(ValueError, match=r"Input y contains infinity.* in target 3"):
        Ridge().fit(X, np.nan_to_num(Y, nan=0.0, posinf=np.inf))


# ------------------------------------------------------------------------------ many problems
from fastnorm.linear_model import BatchElasticNet, BatchLasso, BatchRidge  # noqa: E402

BATCH = [
    (BatchLasso, Lasso, {"alpha": 0.05, "tol": 1e-8}),
    (BatchElasticNet, ElasticNet, {"alpha": 0.05, "l1_ratio": 0.3}),
    (BatchLasso, Lasso, {"alpha": 0.02, "positive": True, "fit_intercept": False}),
    (BatchRidge, Ridge, {"alpha": 3.0}),
    (BatchRidge, Ridge, {"alpha": 1.0, "positive": True}),
]


def _check_equal(batch, single, g, cls):
    np.testing.assert_allclose(batch.coef_[g], single.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(batch.intercept_[g], single.intercept_, rtol=0, atol=1e-10)
    assert batch.coef_.dtype == single.coef_.dtype
    if cls is not Ridge or single.n_iter_ is not None:
        assert batch.n_iter_[g] == single.n_iter_
    if cls is not Ridge:
        np.testing.assert_allclose(batch.dual_gap_[g], single.dual_gap_, rtol=1e-10, atol=0)


@pytest.mark.parametrize(("bcls", "cls", "params"), BATCH)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_each_stacked_problem_equals_its_single_fit(bcls, cls, params, weighted, dtype):
    rng = np.random.default_rng(1)
    b, n, p = 5, 40, 4
    X = (rng.standard_normal((b, n, p)) + 1.0).astype(dtype)
    y = np.einsum("bnp,bp->bn", X.astype(np.float64), rng.standard_normal((b, p)))
    y += 0.2 * rng.standard_normal((b, n))
    sw = rng.random((b, n)) + 0.2 if weighted else None
    X0, y0 = X.copy(), y.copy()
    m = bcls(**params).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert m.coef_.shape == (b, p) and m.intercept_.shape == (b,)
    for g in range(b):
        one = cls(**params).fit(X[g], y[g], sample_weight=None if sw is None else sw[g])
        _check_equal(m, one, g, cls)
    np.testing.assert_allclose(
        m.predict(X), np.einsum("bnp,bp->bn", X, m.coef_) + m.intercept_[:, None], rtol=1e-6
    )


@pytest.mark.parametrize(("bcls", "cls"), [(BatchLasso, Lasso), (BatchRidge, Ridge)])
def test_groups_equal_single_fits_and_predict(bcls, cls):
    rng = np.random.default_rng(2)
    n, p = 300, 5
    X = rng.standard_normal((n, p))
    labels = np.array(["north", "south", "east", "west"])
    groups = labels[rng.integers(0, 4, n)]  # unsorted: rows gathered per group
    y = X @ rng.standard_normal(p) + 0.3 * rng.standard_normal(n)
    sw = rng.random(n) + 0.5
    alphas = np.array([0.01, 0.05, 0.1, 0.2])  # one per group, in sorted label order
    m = bcls(alpha=alphas).fit(X, y, groups=groups, sample_weight=sw)
    np.testing.assert_array_equal(m.groups_, np.unique(groups))
    for g, lab in enumerate(m.groups_):
        rows = groups == lab
        one = cls(alpha=alphas[g]).fit(X[rows], y[rows], sample_weight=sw[rows])
        _check_equal(m, one, g, cls)
        np.testing.assert_allclose(
            m.predict(X[rows], groups=groups[rows]), one.predict(X[rows]), rtol=1e-10, atol=1e-10
        )
    with pytest.raises(ValueError, match="unknown group label"):
        m.predict(X[:2], groups=["north", "mars"])


def test_sorted_groups_use_rows_in_place():
    rng = np.random.default_rng(3)
    X = np.asfortranarray(rng.standard_normal((90, 3)))
    groups = np.repeat([0, 1, 2], 30)
    y = rng.standard_normal(90)
    m = BatchElasticNet(alpha=0.02).fit(X, y, groups=groups)
    for g in range(3):
        one = ElasticNet(alpha=0.02).fit(X[groups == g], y[groups == g])
        _check_equal(m, one, g, ElasticNet)


def test_batch_bad_input_names_the_group():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((20, 3))
    y = rng.standard_normal(20)
    groups = np.array([0] * 9 + [7] + [1] * 10)
    with pytest.raises(ValueError, match="group 7 has 1 sample"):
        BatchLasso(alpha=0.1).fit(X, y, groups=groups)
    groups = np.array([0] * 10 + [1] * 10)
    yn = y.copy()
    yn[15] = np.nan
    with pytest.raises(ValueError, match="y contains NaN or infinity in group 1"):
        BatchLasso(alpha=0.1).fit(X, yn, groups=groups)
    Xn = X.copy()
    Xn[3, 1] = np.inf
    with pytest.raises(ValueError, match=r"X contains infinity.*group 0"):
        BatchLasso(alpha=0.1).fit(Xn, y, groups=groups)
    X3 = rng.standard_normal((3, 10, 2))
    y3 = rng.standard_normal((3, 10))
    y3[2, 4] = np.nan
    with pytest.raises(ValueError, match="problem 2"):
        BatchRidge().fit(X3, y3)
    with pytest.raises(ValueError, match="one value per problem"):
        BatchRidge(alpha=[1.0, 2.0]).fit(X3, np.nan_to_num(y3))


# ------------------------------------------------------------------------------ Dask
@pytest.mark.parametrize("cls", [Lasso, Ridge])
def test_dask_multitarget_equals_numpy(cls):
    da = pytest.importorskip("dask.array")
    X, Y, sw = _data(n=90)
    Xd = da.from_array(X, chunks=(25, -1))
    Yd = da.from_array(Y, chunks=(25, -1))
    swd = da.from_array(sw, chunks=25)
    kw = {"alpha": np.array([0.05, 0.02, 0.1, 0.05]), "tol": 1e-10}
    ref = cls(**kw).fit(X, Y, sample_weight=sw)
    got = cls(**kw).fit(Xd, Yd, sample_weight=swd)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.intercept_, ref.intercept_, rtol=0, atol=1e-9)
    for t in range(Y.shape[1]):  # each target as its own single Dask fit
        one = cls(alpha=kw["alpha"][t], tol=1e-10).fit(Xd, Yd[:, t], sample_weight=swd)
        np.testing.assert_allclose(got.coef_[t], one.coef_, rtol=0, atol=1e-10)
        if cls is Lasso:
            assert got.n_iter_[t] == one.n_iter_


def test_dask_multitarget_is_one_pass_over_the_chunks(monkeypatch):
    da = pytest.importorskip("dask.array")
    import fastnorm.linear_model._dask_backend as db

    calls = []
    real = db._gram_chunk

    def counting(*a):
        calls.append(1)
        return real(*a)

    monkeypatch.setattr(db, "_gram_chunk", counting)
    X, Y, _ = _data(n=90)
    Lasso(alpha=0.05).fit(da.from_array(X, chunks=(30, -1)), da.from_array(Y, chunks=(30, -1)))
    assert len(calls) == 3  # 3 chunks, once: not once per target


def test_parallel_builds_equal_serial(monkeypatch):
    """The prange over targets/problems gives the serial result (each problem is serial)."""
    import fastnorm
    import fastnorm._config as cfg

    rng = np.random.default_rng(5)
    X3 = rng.standard_normal((6, 30, 3))
    y3 = rng.standard_normal((6, 30))
    X, Y, _ = _data()
    ref_b = BatchLasso(alpha=0.05).fit(X3, y3)
    ref_t = Lasso(alpha=0.05).fit(X, Y)
    ref_s = Lasso(alpha=0.05, solver="stream").fit(X, Y)
    monkeypatch.setattr(cfg, "PARALLEL_MIN", 0)  # force the parallel builds
    monkeypatch.setattr(cfg, "GRAM_PARALLEL_MIN", 0)
    for threads in (None, 1):
        fastnorm.set_num_threads(threads)
        try:
            got_b = BatchLasso(alpha=0.05).fit(X3, y3)
            got_t = Lasso(alpha=0.05).fit(X, Y)
            got_s = Lasso(alpha=0.05, solver="stream").fit(X, Y)
        finally:
            fastnorm.set_num_threads(None)
        np.testing.assert_array_equal(got_b.coef_, ref_b.coef_)
        np.testing.assert_array_equal(got_b.n_iter_, ref_b.n_iter_)
        np.testing.assert_array_equal(got_t.coef_, ref_t.coef_)
        assert got_t.n_iter_ == ref_t.n_iter_
        np.testing.assert_array_equal(got_s.coef_, ref_s.coef_)  # the fused stream pass
        assert got_s.n_iter_ == ref_s.n_iter_


# ------------------------------------------------------------------------------ paths, 2-D y
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_path_with_2d_y_equals_sklearn_multitask_path(l1_ratio):
    from sklearn.linear_model import enet_path as sk_enet_path

    from fastnorm.linear_model import enet_path, lasso_path

    rng = np.random.default_rng(6)
    X = rng.standard_normal((60, 6))
    Y = X[:, :3] @ rng.standard_normal((3, 4)) + 0.5 * rng.standard_normal((60, 4))
    Y0 = Y.copy()
    kw = {"alphas": 8, "tol": 1e-12, "max_iter": 10**5, "return_n_iter": True}
    a, c, g, it = enet_path(X, Y, l1_ratio=l1_ratio, **kw)
    a2, c2, g2, it2 = sk_enet_path(X, Y, l1_ratio=l1_ratio, **kw)
    np.testing.assert_array_equal(Y, Y0)
    assert c.shape == c2.shape == (4, 6, 8)
    np.testing.assert_allclose(a, a2, rtol=1e-12)
    np.testing.assert_allclose(c, c2, rtol=0, atol=1e-10)
    np.testing.assert_allclose(g, g2, rtol=0, atol=1e-10)
    assert list(it) == list(it2)
    if l1_ratio == 1.0:
        _, c3, _ = lasso_path(X, Y, alphas=a, tol=1e-12, max_iter=10**5)
        np.testing.assert_allclose(c3, c2, rtol=0, atol=1e-10)


def test_many_targets_in_chunks_equal_single_fits(monkeypatch):
    import fastnorm.linear_model._gram as gram

    monkeypatch.setattr(gram, "_MANY_ACC_BYTES", 8 * 80**2)  # chunks of 64 targets
    X, Y, sw = _data(k=70)
    multi = Lasso(alpha=0.05).fit(X, Y, sample_weight=sw)
    for t in (0, 63, 64, 69):
        one = Lasso(alpha=0.05).fit(X, Y[:, t], sample_weight=sw)
        np.testing.assert_allclose(multi.coef_[t], one.coef_, rtol=0, atol=1e-10)
        assert multi.n_iter_[t] == one.n_iter_


def test_thread_pool_callers_get_the_serial_result(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import fastnorm._config as cfg

    rng = np.random.default_rng(7)
    X3 = rng.standard_normal((6, 30, 3))
    y3 = rng.standard_normal((6, 30))
    X, Y, _ = _data()
    ref_b = BatchLasso(alpha=0.05).fit(X3, y3).coef_
    ref_t = Lasso(alpha=0.05).fit(X, Y).coef_
    monkeypatch.setattr(cfg, "PARALLEL_MIN", 0)
    monkeypatch.setattr(cfg, "GRAM_PARALLEL_MIN", 0)

    def job(i):
        if i % 2:
            return BatchLasso(alpha=0.05).fit(X3, y3).coef_, ref_b
        return Lasso(alpha=0.05).fit(X, Y).coef_, ref_t

    with ThreadPoolExecutor(4) as pool:
        for got, ref in pool.map(job, range(8)):
            np.testing.assert_array_equal(got, ref)


# ------------------------------------------------------------------------------ stream, 2-D y
@pytest.mark.parametrize(("cls", "params"), CASES[:3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stream_targets_equal_single_fits_in_one_pass_per_round(cls, params, dtype, monkeypatch):
    """solver='stream' with y (n, k): every round evaluates all running targets in one fused
    pass (the single-target pass never runs), and each target's iterates are its own
    single fit's: the fused pass gives each target its single pass's bits."""
    import fastnorm.linear_model._data as data_mod
    import fastnorm.linear_model._stream as stream_mod

    X, Y, sw = _data(dtype=dtype)
    sw = sw if dtype == np.float64 else None  # weighted and unweighted passes
    alphas = np.array([0.05, 0.01, 0.1, 0.03]) if "l1_ratio" in params else params["alpha"]
    kw = {**params, "alpha": alphas, "solver": "stream", "max_iter": 3000}
    singles = []
    for t in range(Y.shape[1]):
        a = alphas[t] if np.ndim(alphas) else alphas
        singles.append(cls(**{**kw, "alpha": a}).fit(X, Y[:, t], sample_weight=sw))
    rounds = []
    real_many = stream_mod.evaluate_many
    monkeypatch.setattr(stream_mod, "evaluate_many", lambda *a: rounds.append(1) or real_many(*a))
    monkeypatch.setattr(data_mod.NumpyPass, "_epoch", None)  # a single pass would fail
    multi = cls(**kw).fit(X, Y, sample_weight=sw)
    for t, one in enumerate(singles):
        np.testing.assert_allclose(multi.coef_[t], one.coef_, rtol=0, atol=1e-10)
        assert multi.n_iter_[t] == one.n_iter_
        np.testing.assert_allclose(multi.dual_gap_[t], one.dual_gap_, rtol=1e-10, atol=0)
        if multi.fit_intercept:
            np.testing.assert_allclose(multi.intercept_[t], one.intercept_, rtol=0, atol=1e-10)
    assert len(rounds) == max(multi.n_iter_) + 1  # one pass per round (+ the start)


def test_integer_groups_in_any_order_equal_single_fits():
    rng = np.random.default_rng(8)
    X = rng.standard_normal((150, 3))
    groups = rng.choice(np.array([-3, 0, 5]), 150)  # counting-sort path (integer labels)
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.2 * rng.standard_normal(150)
    m = BatchLasso(alpha=0.02).fit(X, y, groups=groups)
    np.testing.assert_array_equal(m.groups_, [-3, 0, 5])
    for g, lab in enumerate(m.groups_):
        one = Lasso(alpha=0.02).fit(X[groups == lab], y[groups == lab])
        _check_equal(m, one, g, Lasso)
    with pytest.raises(ValueError, match="groups contains NaN"):
        BatchLasso().fit(X, y, groups=np.where(groups == 0, np.nan, groups))


@pytest.mark.parametrize("bcls", [BatchLasso, BatchRidge])
def test_dask_stack_equals_numpy_stack(bcls):
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(9)
    X = rng.standard_normal((7, 30, 3))
    y = np.einsum("bnp,bp->bn", X, rng.standard_normal((7, 3))) + rng.standard_normal((7, 30))
    sw = rng.random((7, 30)) + 0.5
    alphas = np.linspace(0.01, 0.2, 7)
    ref = bcls(alpha=alphas).fit(X, y, sample_weight=sw)
    got = bcls(alpha=alphas).fit(
        da.from_array(X, chunks=(3, 10, -1)),
        da.from_array(y, chunks=(3, -1)),
        sample_weight=da.from_array(sw, chunks=(2, -1)),
    )
    np.testing.assert_array_equal(got.coef_, ref.coef_)
    np.testing.assert_array_equal(got.intercept_, ref.intercept_)
    if bcls is BatchLasso:
        np.testing.assert_array_equal(got.n_iter_, ref.n_iter_)
    y[5, 3] = np.nan  # the error names the problem by its global number
    with pytest.raises(ValueError, match="problem 5"):
        bcls().fit(da.from_array(X, chunks=(3, -1, -1)), da.from_array(y, chunks=(3, -1)))
    with pytest.raises(NotImplementedError, match="groups="):
        bcls().fit(da.from_array(X[0]), da.from_array(y[0]), groups=np.zeros(30))


@pytest.mark.parametrize("layout", ["F", "strided"])
def test_stream_targets_other_layouts_equal_single_fits(layout, monkeypatch):
    import fastnorm.linear_model._data as data_mod

    X, Y, sw = _data()
    X = np.asfortranarray(X) if layout == "F" else np.repeat(X, 2, axis=1)[:, ::2]
    kw = {"alpha": 0.03, "solver": "stream", "tol": 1e-8, "max_iter": 3000}
    singles = [Lasso(**kw).fit(X, Y[:, t], sample_weight=sw) for t in range(Y.shape[1])]
    monkeypatch.setattr(data_mod.NumpyPass, "_epoch", None)  # one fused pass per round
    multi = Lasso(**kw).fit(X, Y, sample_weight=sw)
    for t, one in enumerate(singles):
        np.testing.assert_allclose(multi.coef_[t], one.coef_, rtol=0, atol=1e-10)
        assert multi.n_iter_[t] == one.n_iter_


def _fork_child(q):  # pragma: no cover - runs in the forked child
    rng = np.random.default_rng(10)
    X3 = rng.standard_normal((6, 30, 3))
    y3 = rng.standard_normal((6, 30))
    X, Y, _ = _data()
    q.put(
        (
            BatchLasso(alpha=0.05).fit(X3, y3).coef_,
            Lasso(alpha=0.05, solver="stream").fit(X, Y).coef_,
        )
    )


def test_fork_after_parallel_calls(monkeypatch):
    """A child forked after the parent ran the parallel builds (GNU OpenMP is not fork-safe)
    fits batches and fused stream passes, with the parent's result."""
    import multiprocessing

    import fastnorm._config as cfg

    monkeypatch.setattr(cfg, "PARALLEL_MIN", 0)  # the parent starts the threading layer
    rng = np.random.default_rng(10)
    X3 = rng.standard_normal((6, 30, 3))
    y3 = rng.standard_normal((6, 30))
    X, Y, _ = _data()
    want = (
        BatchLasso(alpha=0.05).fit(X3, y3).coef_,
        Lasso(alpha=0.05, solver="stream").fit(X, Y).coef_,
    )
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=_fork_child, args=(q,))
    proc.start()
    proc.join(120)
    if proc.is_alive():
        proc.kill()
        pytest.fail("forked child hung")
    assert proc.exitcode == 0
    for got, ref in zip(q.get(timeout=5), want, strict=True):
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize(("cls", "params"), CASES[:3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("order", ["C", "F"])
def test_workset_targets_equal_single_fits_in_one_pass_per_round(cls, params, weighted, order,
                                                                 monkeypatch):  # fmt: skip
    """solver='workset' with y (n, k) on wide X: each outer round computes X^T R for every
    running target in one pass, and each target's iterates are its single fit's (same bits,
    same n_iter_)."""
    import fastnorm.linear_model._workset as ws_mod

    rng = np.random.default_rng(4)
    n, p, k = 40, 300, 4
    X = np.asarray(rng.standard_normal((n, p)) + 0.5, order=order)
    W = np.zeros((p, k))
    W[:8] = rng.standard_normal((8, k))
    Y = X @ W + 0.2 * rng.standard_normal((n, k))
    sw = rng.random(n) + 0.5 if weighted else None
    alphas = np.array([0.05, 0.02, 0.1, 0.03])
    kw = {**params, "alpha": alphas, "solver": "workset", "tol": 1e-8}
    singles = [cls(**{**kw, "alpha": a}).fit(X, Y[:, t], sample_weight=sw)
               for t, a in enumerate(alphas)]  # fmt: skip
    passes = []
    real = ws_mod._Prepared.xtv
    monkeypatch.setattr(ws_mod._Prepared, "xtv", lambda s, V: passes.append(len(V)) or real(s, V))
    X0, Y0 = X.copy(), Y.copy()
    multi = cls(**kw).fit(X, Y, sample_weight=sw)
    for t, one in enumerate(singles):
        np.testing.assert_array_equal(multi.coef_[t], one.coef_)
        assert multi.n_iter_[t] == one.n_iter_
        assert multi.dual_gap_[t] == pytest.approx(one.dual_gap_, rel=1e-12, abs=0)
        b = np.broadcast_to(multi.intercept_, (k,))[t]  # 0.0 without an intercept
        assert b == pytest.approx(one.intercept_, rel=1e-12, abs=1e-14)
    assert len(passes) == max(multi.n_iter_)  # one pass per outer round, all targets in it
    assert passes[0] == k
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)
