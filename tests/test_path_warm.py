"""The regularisation paths' warm starts (``lasso_path``, ``enet_path``) against scikit-learn's
paths at tight tolerance: the objective of every alpha to 1e-8 relative, the same zeros."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import linear_model as sk  # noqa: E402

from fastnorm.benchmarks.problems import make_correlated_data  # noqa: E402
from fastnorm.linear_model import enet_path  # noqa: E402

TIGHT = dict(tol=1e-12, max_iter=100_000)


def _objectives(X, y, coefs, alphas, l1_ratio):
    R = y[:, None] - X @ coefs.astype(np.float64)
    fit = 0.5 * np.einsum("ij,ij->j", R, R) / X.shape[0]
    l1 = np.abs(coefs).sum(axis=0)
    l2 = np.square(coefs).sum(axis=0)
    return fit + alphas * (l1_ratio * l1 + 0.5 * (1.0 - l1_ratio) * l2)


def _check_same_path(X, y, l1_ratio, positive=False, n_alphas=12):
    alphas, coefs, gaps = enet_path(X, y, l1_ratio=l1_ratio, alphas=n_alphas, eps=1e-2,
                                    positive=positive, **TIGHT)  # fmt: skip
    a_ref, c_ref, _ = sk.enet_path(X, y, l1_ratio=l1_ratio, alphas=alphas, positive=positive,
                                   **TIGHT)  # fmt: skip
    np.testing.assert_allclose(alphas, a_ref, rtol=1e-12)
    f = _objectives(X, y, coefs, alphas, l1_ratio)
    f_ref = _objectives(X, y, c_ref, alphas, l1_ratio)
    np.testing.assert_array_less(f - f_ref, 1e-8 * f_ref)
    np.testing.assert_array_less(f_ref - f, 1e-8 * f_ref)
    np.testing.assert_array_equal(coefs != 0, c_ref != 0)
    assert np.all(gaps <= 1e-12 * (y @ y) / len(y))
    return coefs


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_wide_path_matches_sklearn(l1_ratio):
    """Wide X (working sets, each alpha's first gap read from the previous alpha's last
    pass over X)."""
    X, y, _ = make_correlated_data(25, 500, rho=0.6, random_state=27)
    _check_same_path(X, y, l1_ratio)


def test_wide_path_positive_and_uncorrelated():
    X, y, _ = make_correlated_data(30, 400, rho=0.0, random_state=3)
    _check_same_path(X, y, 1.0, positive=True, n_alphas=6)


def test_wide_path_reuses_the_last_gradient_exactly():
    """Passing each alpha's last ``X^T R`` on changes no bit: the path equals independent
    warm-started solves (each polished as the path's), and a solve stopped by ``max_iter``
    hands nothing on."""
    import warnings

    from fastnorm.linear_model._workset import (
        WS_PATH_POLISH,
        _solve_from,
        path_prepare,
        workset_path,
    )

    X, y, _ = make_correlated_data(20, 300, rho=0.6, random_state=5)
    pp = path_prepare(X, y)
    amax = np.abs(X.T @ y).max() / len(y)
    alphas = np.geomspace(amax, amax * 0.01, 8)
    for max_iter, tol in ((1000, 1e-10), (2, 1e-14)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            coefs, gaps, _ = workset_path(pp, alphas, 0.8, None, max_iter, tol, False)
            w = np.zeros(X.shape[1])
            Rq = pp.residual(w)
            for i, a in enumerate(alphas):
                l1, l2 = a * 0.8, a * (1.0 - 0.8)  # as the path splits alpha
                res, Rq, _ = _solve_from(path_prepare(X, y), l1, l2, False, w, Rq, max_iter,
                                         tol, None, WS_PATH_POLISH)  # fmt: skip
                np.testing.assert_array_equal(coefs[:, i], w)
                assert gaps[i] == res.gap


def test_wide_path_polishes_warm_starts_within_tol():
    """Where the support nears n the gap bounds the suboptimality loosely: an alpha whose
    warm start (the previous alpha's solution) is already within tol still gets an inner
    solve, so a loose-tol path ends much closer to scikit-learn's tight optimum than the
    unpolished one, each gap still within tol and still the gap of the returned
    coefficients."""
    from fastnorm.linear_model._datafit import enet_gap
    from fastnorm.linear_model._workset import path_prepare, workset_path

    X, y, _ = make_correlated_data(60, 600, rho=0.6, random_state=27)
    n = X.shape[0]
    amax = np.abs(X.T @ y).max() / n
    alphas = np.geomspace(amax, amax * 1e-3, 30)
    tol = 1e-4
    _, c_ref, _ = sk.enet_path(X, y, l1_ratio=1.0, alphas=alphas, **TIGHT)
    f_ref = _objectives(X, y, c_ref, alphas, 1.0)
    sub = {}
    for polish in (0, 480):
        coefs, gaps, _ = workset_path(path_prepare(X, y), alphas, 1.0, None, 1000, tol, False,
                                      polish=polish)  # fmt: skip
        assert np.all(gaps <= tol * (y @ y) / n)
        for i, a in enumerate(alphas):
            w = coefs[:, i]
            R = y - X @ w
            g = enet_gap(w, X.T @ R, float(R @ R), float(R @ y), a * n, 0.0, False) / n
            np.testing.assert_allclose(gaps[i], g, rtol=1e-6, atol=1e-12 * (y @ y))
        sub[polish] = np.max((_objectives(X, y, coefs, alphas, 1.0) - f_ref) / f_ref)
    assert sub[480] < 1e-2 * sub[0]


def test_path_bench_smoke(capsys):
    """bench/path_bench.py runs end to end (fastnorm alone, a tiny path)."""
    from bench import path_bench

    assert path_bench.main(["--shapes", "20x60,200x10", "--n-alphas", "4", "--rounds", "1",
                            "--tols", "1e-4,1e-8", "--pause", "0", "--no-peers"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "| 20 x 60, 0.6 | fastnorm |" in out and "| 200 x 10, 0.6 | fastnorm |" in out


def test_path_on_tall_ish_x_solves_on_one_gram_matrix(monkeypatch):
    # a single fit on 300 x 200 takes working sets (n < 10 p), but a path amortises one
    # Gram matrix over its alphas: from n = p on it runs on the Gram matrix, as scikit-learn's
    # precompute="auto" does, and reaches the same optimum per alpha
    from fastnorm.linear_model import _path

    called = []
    monkeypatch.setattr(_path, "workset_path", lambda *a, **k: called.append(1))
    X, y, _ = make_correlated_data(300, 200, rho=0.6, random_state=3)
    _check_same_path(X, y, 1.0)
    assert not called
    assert _path._wide(199, 200, 1.0, "auto", "cyclic", None)
