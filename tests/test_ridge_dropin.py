"""Ridge at its defaults as a drop-in for scikit-learn's: the dual (p > n) and Gram routes
against scikit-learn at tight tolerance, for the variants bench/dropin_sweep.py times."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.linear_model as sk

import fastnorm
from fastnorm.linear_model import Ridge
from fastnorm.linear_model._blas import blas_threads
from fastnorm.linear_model._gram import solve_pos

SHAPES = {"dual": (40, 120), "gram": (120, 30)}


def _data(shape, offset=0.0, seed=0):
    n, p = shape
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + offset
    Y = np.column_stack([X[:, :5].sum(axis=1), rng.standard_normal(n), np.arange(n) / n])
    return X, Y, rng.uniform(0.5, 2.0, n)


def _rel(a, b):
    return np.max(np.abs(np.asarray(a) - b)) / max(np.max(np.abs(b)), 1e-300)


@pytest.mark.parametrize("route", ["dual", "gram"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("targets", ["one", "three", "alphas"])
def test_matches_sklearn(route, fit_intercept, weighted, targets):
    X, Y, sw = _data(SHAPES[route], offset=2.0)
    y = Y[:, 0] if targets == "one" else Y
    alpha = np.array([0.5, 1.0, 3.0]) if targets == "alphas" else 1.0
    kw = dict(alpha=alpha, fit_intercept=fit_intercept)
    fit = dict(sample_weight=sw if weighted else None)
    X0, y0 = X.copy(), y.copy()
    ours = Ridge(**kw).fit(np.asfortranarray(X), y, **fit)
    ref = sk.Ridge(**kw).fit(X, y, **fit)
    assert ours.solver_ == route
    assert ours.coef_.shape == ref.coef_.shape
    assert _rel(ours.coef_, ref.coef_) < 1e-10
    assert np.max(np.abs(np.asarray(ours.intercept_) - ref.intercept_)) < 1e-9
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize("route", ["dual", "gram"])
def test_float32_against_float64(route):
    X, Y, _ = _data(SHAPES[route])
    ours = Ridge().fit(X.astype(np.float32), Y)
    ref = sk.Ridge().fit(X.astype(np.float32).astype(np.float64), Y)
    assert ours.coef_.dtype == np.float32
    assert _rel(ours.coef_, ref.coef_) < 1e-4


def test_dual_large_offset():
    # columns far from zero: the kernel is built from centred columns, as scikit-learn's
    X, Y, sw = _data(SHAPES["dual"], offset=1e3)
    ours = Ridge(alpha=0.1).fit(X, Y, sample_weight=sw)
    ref = sk.Ridge(alpha=0.1).fit(X, Y, sample_weight=sw)
    assert _rel(ours.coef_, ref.coef_) < 1e-8


@pytest.mark.parametrize("route", ["dual", "gram"])
def test_independent_of_thread_count(route):
    X, Y, sw = _data(SHAPES[route])
    before = fastnorm.get_num_threads()
    try:
        coefs = []
        for n in (1, 2):
            fastnorm.set_num_threads(n)
            coefs.append(Ridge().fit(X, Y, sample_weight=sw).coef_)
    finally:
        fastnorm.set_num_threads(before)
    np.testing.assert_array_equal(coefs[0], coefs[1])


def test_blas_threads_restored():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    info = [d["num_threads"] for d in threadpoolctl.threadpool_info()]
    with blas_threads(1 << 20):
        inside = threadpoolctl.threadpool_info()
    assert all(d["num_threads"] == 1 for d in inside if d["user_api"] == "blas")
    assert [d["num_threads"] for d in threadpoolctl.threadpool_info()] == info
    Ridge().fit(*_data((80, 200))[:2])
    assert [d["num_threads"] for d in threadpoolctl.threadpool_info()] == info


def test_solve_pos():
    rng = np.random.default_rng(1)
    M = rng.standard_normal((70, 90))
    A = M @ M.T + np.eye(70)
    B = rng.standard_normal((70, 2))
    A0 = A.copy()
    np.testing.assert_allclose(solve_pos(A, B), np.linalg.solve(A0, B), rtol=1e-10)
    np.testing.assert_array_equal(A, A0)
    with pytest.raises(np.linalg.LinAlgError):
        solve_pos(-A, B)


def test_dual_singular_alpha_zero_interpolates():
    X, Y, _ = _data(SHAPES["dual"])
    m = Ridge(alpha=0.0).fit(X, Y[:, 1])
    assert m.solver_ == "dual"
    np.testing.assert_allclose(m.predict(X), Y[:, 1], atol=1e-8)


def test_dual_nan_message():
    X, Y, _ = _data(SHAPES["dual"])
    X[3, 7] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        Ridge().fit(X, Y)


def test_blas_threads_restored_with_concurrent_fits():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from concurrent.futures import ThreadPoolExecutor

    info = [d["num_threads"] for d in threadpoolctl.threadpool_info()]
    X, Y, _ = _data((80, 200))  # a SYRK of 640,000 multiply-adds: run under the limit
    ref = Ridge().fit(X, Y).coef_
    with ThreadPoolExecutor(4) as ex:
        coefs = list(ex.map(lambda _: Ridge().fit(X, Y).coef_, range(16)))
    for c in coefs:
        np.testing.assert_array_equal(c, ref)
    assert [d["num_threads"] for d in threadpoolctl.threadpool_info()] == info
