"""Gram solver (gram_stats, cd_gram, ridge_gram) and the Gram paths, against numpy and
scikit-learn at tight tolerance."""

from __future__ import annotations

import multiprocessing
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from fastnorm.linear_model._gram import cd_gram, gram_stats, ridge_gram
from fastnorm.linear_model._path import enet_path, lasso_path

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import ElasticNet, Lasso, Ridge  # noqa: E402
from sklearn.linear_model import enet_path as sk_enet_path  # noqa: E402
from sklearn.linear_model import lasso_path as sk_lasso_path  # noqa: E402


# ------------------------------------------------------------------------------- data / refs
def _synthetic(n=600, p=12, corr=0.0, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    if corr:
        Z = np.sqrt(1 - corr) * Z + np.sqrt(corr) * rng.standard_normal((n, 1))
    X = Z + offset
    w = np.zeros(p)
    w[: max(1, p // 4)] = rng.standard_normal(max(1, p // 4)) * 3
    y = X @ w + 0.5 * rng.standard_normal(n) + 2.0
    return X, y


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X, y


def _ref_stats(X, y, sw=None, fit_intercept=True):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    s = np.ones(n) if sw is None else np.asarray(sw, float) * n / np.sum(sw)
    if fit_intercept:
        mu = np.average(X, axis=0, weights=s)
        ym = np.average(y, weights=s)
    else:
        mu = np.zeros(X.shape[1])
        ym = 0.0
    Xc = X - mu
    yc = y - ym
    return (Xc * s[:, None]).T @ Xc, (Xc * s[:, None]).T @ yc, mu, ym, float(s @ yc**2)


def _layouts(X):
    yield "C", np.ascontiguousarray(X)
    yield "F", np.asfortranarray(X)
    big = np.zeros((X.shape[0] * 2, X.shape[1] + 3), dtype=X.dtype)
    big[::2, 1 : X.shape[1] + 1] = X
    yield "strided", big[::2, 1 : X.shape[1] + 1]
    yield "negative", np.ascontiguousarray(X[::-1])[::-1]


def _objective(X, y, w, b, l1, l2):
    r = y - X @ w - b
    return r @ r / (2 * len(y)) + l1 * np.abs(w).sum() + 0.5 * l2 * w @ w


# ----------------------------------------------------------------------------------- gram_stats
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gram_stats_matches_numpy(dtype, weighted, fit_intercept):
    X, y = _synthetic(n=700, p=7, offset=3.0)
    X = X.astype(dtype)
    sw = np.random.default_rng(1).uniform(0.2, 3.0, X.shape[0]) if weighted else None
    G, Xty, mu, ym, yty = _ref_stats(X, y, sw, fit_intercept)
    for layout, Xl in _layouts(X):
        X0 = Xl.copy()
        st = gram_stats(Xl, y, sample_weight=sw, fit_intercept=fit_intercept)
        assert np.array_equal(Xl, X0), layout
        assert st.G.dtype == np.float64 and st.G.shape == (7, 7)
        assert st.Xty.shape == (7,) and st.X_offset.shape == (7,)
        assert st.dtype == dtype
        np.testing.assert_allclose(st.G, G, rtol=1e-12, atol=1e-11 * np.abs(G).max())
        np.testing.assert_allclose(st.Xty, Xty, rtol=1e-12, atol=1e-11 * np.abs(Xty).max())
        np.testing.assert_allclose(st.X_offset, mu, rtol=1e-13, atol=1e-13)
        assert st.y_offset == pytest.approx(ym, rel=1e-13, abs=1e-13)
        assert st.yty == pytest.approx(yty, rel=1e-12)
        assert st.n == X.shape[0]
        assert np.array_equal(st.G, st.G.T)


@pytest.mark.parametrize("n", [1, 2, 7, 64, 65, 200])
def test_pick_shift_is_numpys_median(n):
    """The Gram pass's shift (a partition, not np.median's machinery) is np.median of the
    first 65 rows, column by column and for y, in float64; zeros when they are not finite."""
    from fastnorm.linear_model._gram import _pick_shift

    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 5)).astype(np.float32)
    y = rng.standard_normal(n)
    X0 = X.copy()
    shift, y_shift = _pick_shift(X, y, True)
    k = min(n, 65)
    np.testing.assert_array_equal(shift, np.median(X[:k].astype(np.float64), axis=0))
    assert y_shift == float(np.median(y[:k]))
    assert shift.dtype == np.float64 and shift.flags.c_contiguous
    np.testing.assert_array_equal(X, X0)  # X's rows are copied before the partition
    X[0, 1] = np.nan
    shift, y_shift = _pick_shift(X, y, True)
    assert not shift.any() and y_shift == 0.0


def test_gram_stats_large_offset_precision():
    # data far from the origin: X^T X - n mu mu^T would lose ~8 digits here
    X, y = _synthetic(n=3000, p=5, offset=1e4)
    G, Xty, *_ = _ref_stats(X, y)
    st = gram_stats(X, y)
    np.testing.assert_allclose(st.G, G, rtol=1e-9, atol=1e-9 * np.abs(G).max())
    np.testing.assert_allclose(st.Xty, Xty, rtol=1e-9, atol=1e-9 * np.abs(Xty).max())


@pytest.fixture
def parallel_gram(monkeypatch):
    """Force the Gram pass's parallel build (small passes run serially)."""
    import fastnorm._config as cfg

    monkeypatch.setattr(cfg, "GRAM_PARALLEL_MIN", 0)


def test_gram_stats_parallel_path_and_memmap(tmp_path, parallel_gram):
    # the parallel build (n * p > PARALLEL_MIN, and forced), odd n for a partial block
    X, y = _synthetic(n=20001, p=9, corr=0.5)
    G, Xty, mu, ym, yty = _ref_stats(X, y)
    path = tmp_path / "X.npy"
    np.save(path, np.asfortranarray(X))
    Xm = np.load(path, mmap_mode="r")
    for Xl in (X, Xm):
        st = gram_stats(Xl, y)
        np.testing.assert_allclose(st.G, G, rtol=1e-11, atol=1e-11 * np.abs(G).max())
        np.testing.assert_allclose(st.Xty, Xty, rtol=1e-11, atol=1e-11 * np.abs(Xty).max())
        assert st.yty == pytest.approx(yty, rel=1e-12)


def test_gram_stats_no_copy_of_X():
    import tracemalloc

    X, y = _synthetic(n=40000, p=20)  # 6.4 MB
    for Xl in (X, np.asfortranarray(X), X.astype(np.float32)):
        gram_stats(Xl, y)  # compile outside the measurement
        tracemalloc.start()
        gram_stats(Xl, y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < Xl.nbytes / 4, (peak, Xl.nbytes)


def test_gram_stats_deterministic_across_threads(parallel_gram):
    import fastnorm

    X, y = _synthetic(n=30000, p=6)
    a = gram_stats(X, y)
    fastnorm.set_num_threads(1)
    try:
        b = gram_stats(X, y)
    finally:
        fastnorm.set_num_threads(None)
    assert np.array_equal(a.G, b.G) and np.array_equal(a.Xty, b.Xty)


def test_gram_stats_thread_pool(parallel_gram):
    X, y = _synthetic(n=30000, p=6)
    ref = gram_stats(X, y)
    with ThreadPoolExecutor(4) as ex:
        res = list(ex.map(lambda _: gram_stats(X, y), range(8)))
    for r in res:
        np.testing.assert_allclose(r.G, ref.G, rtol=1e-12)


def _child(q):
    X, y = _synthetic(n=30000, p=6)
    q.put(float(gram_stats(X, y).G.sum()))


def test_gram_stats_fork(parallel_gram):
    X, y = _synthetic(n=30000, p=6)
    ref = float(gram_stats(X, y).G.sum())  # parent has started the threading layer
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    proc = ctx.Process(target=_child, args=(q,))
    proc.start()
    proc.join(120)
    if proc.is_alive():
        proc.kill()
        pytest.fail("forked child hung")
    assert proc.exitcode == 0
    assert q.get(timeout=5) == pytest.approx(ref, rel=1e-12)


def test_gram_stats_bad_input():
    X, y = _synthetic(n=50, p=3)
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        gram_stats(Xn, y)
    Xi = X.copy()
    Xi[7, 0] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        gram_stats(Xi, y)
    yn = y.copy()
    yn[0] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        gram_stats(X, yn)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        gram_stats(X, y[:-1])
    with pytest.raises(ValueError, match="Expected 2D array"):
        gram_stats(X[:, 0], y)
    with pytest.raises(ValueError, match="0 sample"):
        gram_stats(X[:0], y[:0])
    with pytest.raises(ValueError, match="sample_weight.shape"):
        gram_stats(X, y, sample_weight=np.ones(3))
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="Sparse data"):
        gram_stats(sp.csr_matrix(X), y)


def test_kernels_as_python_with_jit_disabled():
    # covers the kernel bodies as plain Python (prange -> range), on tiny data
    import os
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from fastnorm.linear_model._gram import gram_stats, cd_gram\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.standard_normal((70, 3)); y = X[:, 0] + 0.1 * rng.standard_normal(70)\n"
        "Xc = X - X.mean(0); sw = rng.uniform(0.5, 2, 70)\n"
        "st = gram_stats(np.asfortranarray(X), y)\n"
        "assert np.allclose(st.G, Xc.T @ Xc, rtol=1e-12, atol=1e-12)\n"
        "st32 = gram_stats(X.astype(np.float32), y, sw)\n"
        "w, gap, it, h = cd_gram(st, 0.05, 0.01, None, 1000, 1e-10, True)\n"
        "assert it > 0 and (w >= 0).all() and abs(w[0] - 0.94) < 0.05, w\n"
    )
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    res = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr[-2000:]


# -------------------------------------------------------------------------------------- cd_gram
def _datasets():
    yield "diabetes", _diabetes()
    yield "n>>p", _synthetic(n=2000, p=15)
    yield "correlated", _synthetic(n=800, p=20, corr=0.9, seed=3)


@pytest.mark.parametrize("name", ["diabetes", "n>>p", "correlated"])
@pytest.mark.parametrize(
    "alpha,l1_ratio,positive",
    [(0.1, 1.0, False), (0.01, 1.0, False), (0.05, 0.5, False), (0.02, 1.0, True)],
)
def test_cd_gram_matches_sklearn(name, alpha, l1_ratio, positive):
    X, y = dict(_datasets())[name]
    tol = 1e-10
    est = ElasticNet(
        alpha=alpha, l1_ratio=l1_ratio, precompute=True, tol=tol, max_iter=100000,
        positive=positive,
    ).fit(X, y)  # fmt: skip
    st = gram_stats(X, y)
    w, gap, n_iter, hist = cd_gram(
        st, alpha * l1_ratio, alpha * (1 - l1_ratio), None, 100000, tol, positive
    )
    b = st.y_offset - st.X_offset @ w
    assert w.dtype == np.float64 and w.shape == (X.shape[1],)
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    f_ours = _objective(X, y, w, b, l1, l2)
    f_sk = _objective(X, y, est.coef_, est.intercept_, l1, l2)
    assert abs(f_ours - f_sk) <= 1e-8 * abs(f_sk)
    assert np.array_equal(w == 0, est.coef_ == 0)
    assert n_iter == est.n_iter_
    assert gap == pytest.approx(est.dual_gap_, rel=1e-3, abs=1e-12)
    assert hist.shape == (n_iter,)
    if n_iter:
        assert hist[-1] == pytest.approx(f_ours, rel=1e-9)
        assert np.all(np.diff(hist) <= 1e-9 * abs(hist[0]))  # CD never increases it
    if positive:
        assert (w >= 0).all()


def test_cd_gram_sample_weight_and_float32():
    X, y = _diabetes()
    sw = np.random.default_rng(0).uniform(0.1, 3.0, X.shape[0])
    est = Lasso(alpha=0.05, precompute=True, tol=1e-10, max_iter=100000)
    est.fit(X, y, sample_weight=sw)
    w, *_ = cd_gram(gram_stats(X, y, sw), 0.05, 0.0, None, 100000, 1e-10)
    np.testing.assert_allclose(w, est.coef_, rtol=1e-7, atol=1e-9 * np.abs(w).max())
    # integer weights == repeated rows
    rep = np.random.default_rng(1).integers(1, 4, X.shape[0])
    w1, *_ = cd_gram(gram_stats(X, y, rep), 0.05, 0.0, None, 100000, 1e-12)
    w2, *_ = cd_gram(gram_stats(np.repeat(X, rep, 0), np.repeat(y, rep)), 0.05, 0.0, None,
                     100000, 1e-12)  # fmt: skip
    np.testing.assert_allclose(w1, w2, rtol=1e-8, atol=1e-10 * np.abs(w2).max())
    # float32 X: float64 statistics of the upcast data
    X32 = X.astype(np.float32)
    st32 = gram_stats(X32, y)
    st64 = gram_stats(X32.astype(np.float64), y)
    np.testing.assert_allclose(st32.G, st64.G, rtol=1e-12, atol=1e-14)
    assert st32.dtype == np.float32


def test_cd_gram_warm_start_callback_and_warning():
    X, y = _diabetes()
    st = gram_stats(X, y)
    w, gap, n_iter, hist = cd_gram(st, 0.01, 0.0, None, 1000, 1e-8)
    # warm start at the solution: converged before the first epoch
    w2, gap2, n2, h2 = cd_gram(st, 0.01, 0.0, w, 1000, 1e-8)
    assert n2 == 0 and h2.shape == (0,)
    np.testing.assert_array_equal(w2, w)
    w0 = w.copy()
    cd_gram(st, 0.02, 0.0, w0, 1000, 1e-8)
    np.testing.assert_array_equal(w0, w)  # w0 not modified
    # callback: identical iterates, early stop
    seen = []
    w3, _, n3, h3 = cd_gram(
        st, 0.01, 0.0, None, 1000, 1e-8, callback=lambda e, o, g: seen.append((e, o, g))
    )
    np.testing.assert_array_equal(w3, w)
    assert n3 == n_iter and len(seen) == n_iter
    np.testing.assert_array_equal([s[1] for s in seen], hist)
    _, _, n4, h4 = cd_gram(st, 0.01, 0.0, None, 1000, 1e-8, callback=lambda e, o, g: e >= 2)
    assert n4 == 3 and h4.shape == (3,)
    with pytest.warns(ConvergenceWarning, match="Duality gap"):
        cd_gram(st, 1e-5, 0.0, None, 2, 1e-12)


def test_cd_gram_bad_input():
    st = gram_stats(*_diabetes())
    with pytest.raises(ValueError):
        cd_gram(st, -1.0, 0.0)
    with pytest.raises(ValueError):
        cd_gram(st, 0.1, -1.0)
    with pytest.raises(ValueError):
        cd_gram(st, float("nan"), 0.0)
    with pytest.raises(ValueError):
        cd_gram(st, 0.1, 0.0, np.zeros(3))


# ------------------------------------------------------------------------------------ ridge_gram
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_gram_matches_sklearn(fit_intercept, weighted):
    X, y = _synthetic(n=500, p=10, corr=0.8)
    sw = np.random.default_rng(2).uniform(0.5, 5.0, X.shape[0]) if weighted else None
    for alpha in (1e-3, 1.0, 100.0):
        ref = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="cholesky")
        ref.fit(X, y, sample_weight=sw)
        st = gram_stats(X, y, sample_weight=sw, fit_intercept=fit_intercept)
        w = ridge_gram(st, alpha)
        np.testing.assert_allclose(w, ref.coef_, rtol=1e-9, atol=1e-11)
        b = st.y_offset - st.X_offset @ w
        assert b == pytest.approx(ref.intercept_, rel=1e-9, abs=1e-10)
    with pytest.raises(ValueError):
        ridge_gram(st, -1.0)


def test_ridge_gram_singular_alpha0():
    X, y = _synthetic(n=100, p=4)
    X = np.hstack([X, X[:, :1]])  # rank deficient
    w = ridge_gram(gram_stats(X, y), 0.0)
    assert np.isfinite(w).all()
    Xc = X - X.mean(0)
    ref = np.linalg.lstsq(Xc, y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(Xc @ w, Xc @ ref, rtol=1e-7, atol=1e-7)


# ----------------------------------------------------------------------------------------- paths
@pytest.mark.parametrize("name", ["diabetes", "correlated"])
@pytest.mark.parametrize("positive", [False, True])
def test_lasso_path_matches_sklearn(name, positive):
    X, y = dict(_datasets())[name]
    X0, y0 = X.copy(), y.copy()
    kw = dict(eps=1e-3, tol=1e-10, max_iter=100000, positive=positive, return_n_iter=True)
    a, c, g, it = lasso_path(X, y, **kw)
    a2, c2, g2, it2 = sk_lasso_path(X, y, alphas=100, precompute=True, **kw)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)
    np.testing.assert_allclose(a, a2, rtol=1e-13)
    assert c.shape == c2.shape == (X.shape[1], 100) and c.dtype == np.float64
    np.testing.assert_allclose(c, c2, rtol=1e-6, atol=1e-8 * np.abs(c2).max())
    assert np.array_equal(c == 0, c2 == 0)
    assert it == it2
    np.testing.assert_allclose(g, g2, rtol=1e-2, atol=1e-10)


def test_enet_path_matches_sklearn():
    X, y = _synthetic(n=400, p=10, corr=0.5)
    for l1_ratio in (0.2, 0.8):
        a, c, g = enet_path(X, y, l1_ratio=l1_ratio, alphas=30, tol=1e-10, max_iter=10**5)
        a2, c2, g2 = sk_enet_path(
            X, y, l1_ratio=l1_ratio, alphas=30, tol=1e-10, max_iter=10**5, precompute=True
        )
        np.testing.assert_allclose(a, a2, rtol=1e-13)
        np.testing.assert_allclose(c, c2, rtol=1e-7, atol=1e-9 * np.abs(c2).max())
    # explicit alphas, returned in decreasing order; float32 -> float32 coefs
    a, c, g = enet_path(X.astype(np.float32), y, alphas=[0.01, 1.0, 0.1])
    np.testing.assert_array_equal(a, [1.0, 0.1, 0.01])
    assert c.dtype == np.float32 and c.shape == (10, 3)
    # F-ordered input and a precomputed Gram give the same path
    a3, c3, _ = lasso_path(np.asfortranarray(X), y, alphas=10)
    a4, c4, _ = lasso_path(X, y, alphas=10, precompute=X.T @ X, Xy=X.T @ y)
    np.testing.assert_allclose(c3, c4, rtol=1e-9, atol=1e-12)


def test_path_bad_input():
    X, y = _synthetic(n=50, p=3)
    with pytest.raises(ValueError, match="l1_ratio"):
        enet_path(X, y, l1_ratio=1.5)
    with pytest.raises(ValueError, match="eps"):
        lasso_path(X, y, eps=-1.0)
    with pytest.raises(ValueError, match="l1_ratio=0"):
        enet_path(X, y, l1_ratio=0.0)
    with pytest.raises(ValueError, match="non-negative"):
        lasso_path(X, y, alphas=[0.1, -0.1])
    with pytest.raises(ValueError, match="Unexpected parameters"):
        lasso_path(X, y, foo=1)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        lasso_path(Xn, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lasso_path(X, y, alphas=5)  # no deprecation noise for the documented signature
    with pytest.warns(FutureWarning, match="n_alphas"):  # deprecated as in scikit-learn 1.9
        lasso_path(X, y, n_alphas=5)


# ------------------------------------------------------------------------ LassoCV/ElasticNetCV
from fastnorm.linear_model._path import ElasticNetCV, LassoCV  # noqa: E402


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"cv": 3, "fit_intercept": False},
        {"cv": "kfold-shuffled"},
        {"positive": True, "alphas": [1.0, 0.1, 0.01, 0.001]},
        {"cv": "shuffle-split"},
    ],
)
def test_lasso_cv_matches_sklearn(kw):
    from sklearn.linear_model import LassoCV as SkLassoCV
    from sklearn.model_selection import KFold, ShuffleSplit

    kw = dict(kw)
    if kw.get("cv") == "kfold-shuffled":
        kw["cv"] = KFold(4, shuffle=True, random_state=0)
    elif kw.get("cv") == "shuffle-split":
        kw["cv"] = ShuffleSplit(3, test_size=0.3, random_state=0)
    X, y = _diabetes()
    X0 = X.copy()
    kw.update(tol=1e-10, max_iter=100000)
    a = LassoCV(**kw).fit(X, y)
    b = SkLassoCV(precompute=True, **kw).fit(X, y)
    assert np.array_equal(X, X0)
    np.testing.assert_allclose(a.alphas_, b.alphas_, rtol=1e-13)
    assert a.alpha_ == pytest.approx(b.alpha_, rel=1e-12)
    assert a.mse_path_.shape == b.mse_path_.shape
    np.testing.assert_allclose(a.mse_path_, b.mse_path_, rtol=1e-10)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-8)
    assert a.intercept_ == pytest.approx(b.intercept_, rel=1e-9, abs=1e-9)
    assert a.coef_.dtype == np.float64


def test_cv_sample_weight_l1_ratios_and_float32():
    from sklearn.linear_model import ElasticNetCV as SkENCV
    from sklearn.linear_model import LassoCV as SkLassoCV

    X, y = _diabetes()
    sw = np.random.default_rng(0).uniform(0.2, 3.0, X.shape[0])
    kw = dict(tol=1e-10, max_iter=100000)
    a = LassoCV(**kw).fit(X, y, sample_weight=sw)
    b = SkLassoCV(precompute=True, **kw).fit(X, y, sample_weight=sw)
    assert a.alpha_ == pytest.approx(b.alpha_, rel=1e-12)
    np.testing.assert_allclose(a.mse_path_, b.mse_path_, rtol=1e-9)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-8)
    a = ElasticNetCV(l1_ratio=[0.2, 0.7], n_jobs=None, **kw).fit(X, y)
    b = SkENCV(l1_ratio=[0.2, 0.7], precompute=True, **kw).fit(X, y)
    assert a.l1_ratio_ == b.l1_ratio_ and a.alpha_ == pytest.approx(b.alpha_, rel=1e-12)
    assert a.mse_path_.shape == b.mse_path_.shape == (2, 100, 5)
    np.testing.assert_allclose(a.mse_path_, b.mse_path_, rtol=1e-10)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-8)
    m = LassoCV(cv=3).fit(X.astype(np.float32), y)
    assert m.coef_.dtype == np.float32
    assert m.predict(X[:3].astype(np.float32)).shape == (3,)


def test_cv_bad_input_and_clone():
    import pickle

    from sklearn.base import clone

    X, y = _synthetic(n=60, p=4)
    with pytest.raises(ValueError):
        LassoCV(eps=-1.0).fit(X, y)
    with pytest.raises(ValueError):
        ElasticNetCV(l1_ratio=2.0).fit(X, y)
    with pytest.raises(ValueError, match="must be >= 0"):
        LassoCV(alphas=[0.1, -1.0]).fit(X, y)
    Xn = X.copy()
    Xn[5, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        LassoCV(cv=3).fit(Xn, y)
    with pytest.raises(ValueError, match="MultiTask"):
        LassoCV(cv=3).fit(X, np.c_[y, y])
    m = LassoCV(cv=3, alphas=5).fit(X, y)
    m2 = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(m2.predict(X), m.predict(X))
    assert clone(m).get_params() == m.get_params()


def test_cv_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    for est in (LassoCV(cv=3, alphas=5), ElasticNetCV(cv=3, alphas=5)):
        check_estimator(est)


@pytest.mark.parametrize("max_iter", [20, 5000])
def test_cd_gram_history_chunks_give_the_same_fit(monkeypatch, max_iter):
    """The Gram solver runs its epochs in chunks as its history arrays grow: the iterates,
    gap and histories equal those of one chunk, converged or stopped at ``max_iter``."""
    import fastnorm.linear_model._gram as gm

    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 80))
    y = X[:, :5] @ rng.standard_normal(5) + rng.standard_normal(60)
    st = gram_stats(X, y)
    a = 0.001 * np.abs(st.Xty).max() / 60
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one = cd_gram(st, a, 0.0, np.zeros(80), max_iter, 1e-10, False, gap_history=True)
        monkeypatch.setattr(gm, "_HIST_START", 7)
        many = cd_gram(st, a, 0.0, np.zeros(80), max_iter, 1e-10, False, gap_history=True)
    assert one[2] == many[2] and one[2] > 7 and one[1] == many[1]
    for u, v in zip(one, many, strict=True):
        np.testing.assert_array_equal(u, v)
