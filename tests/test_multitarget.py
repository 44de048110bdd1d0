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
    with pytest.raises(ValueError, match="NaN"):
        Lasso(alpha=0.1).fit(X, Y)
