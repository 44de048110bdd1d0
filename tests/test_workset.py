"""The working-set solver (``solver="workset"``) against scikit-learn at tight tolerance."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import linear_model as sk  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from fastnorm.linear_model import ElasticNet, Lasso  # noqa: E402

TIGHT = dict(tol=1e-12, max_iter=200_000)


def correlated(n, p, rho, seed=0, dtype=np.float64):
    """AR(1) design (benchopt's ``make_correlated_data``): corr(X_j, X_k) = rho^|j-k|,
    20% of the true coefficients non-zero, signal-to-noise ratio 3."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = np.empty((n, p))
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = rho * X[:, j - 1] + np.sqrt(1.0 - rho * rho) * Z[:, j]
    w = np.zeros(p)
    supp = rng.choice(p, max(1, p // 5), replace=False)
    w[supp] = rng.standard_normal(supp.size)
    y = X @ w
    y += rng.standard_normal(n) * np.linalg.norm(y) / np.sqrt(n) / 3.0 + 0.5
    return X.astype(dtype), y


def objective(X, y, coef, b, alpha, l1_ratio=1.0, sw=None):
    """scikit-learn's elastic-net objective in float64 from the fitted attributes."""
    X = np.asarray(X, dtype=np.float64)
    coef = np.asarray(coef, dtype=np.float64)
    sw = np.ones(len(y)) if sw is None else np.asarray(sw, dtype=np.float64)
    r = y - X @ coef - float(b)
    return (0.5 * (sw * r) @ r / sw.sum() + alpha * l1_ratio * np.abs(coef).sum()
            + 0.5 * alpha * (1 - l1_ratio) * coef @ coef)  # fmt: skip


def alpha_max(X, y, fit_intercept=True):
    yc = y - y.mean() if fit_intercept else y
    Xc = X - X.mean(axis=0) if fit_intercept else X
    return np.max(np.abs(Xc.T @ yc)) / len(y)


def check_same(X, y, reg, *, l1_ratio=1.0, rtol=1e-8, sw=None, **kw):
    a = reg * alpha_max(np.asarray(X, np.float64), y, kw.get("fit_intercept", True))
    X0, y0 = np.array(X, copy=True), y.copy()
    est = ElasticNet(alpha=a, l1_ratio=l1_ratio, solver="workset", **TIGHT, **kw)
    est.fit(X, y, sample_weight=sw)
    ref = sk.ElasticNet(alpha=a, l1_ratio=l1_ratio, **TIGHT, **kw)
    ref.fit(np.asarray(X, np.float64), y, sample_weight=sw)
    assert est.solver_ == "workset"
    assert est.coef_.dtype == np.asarray(X).dtype
    f = objective(X, y, est.coef_, est.intercept_, a, l1_ratio, sw)
    f_ref = objective(X, y, ref.coef_, ref.intercept_, a, l1_ratio, sw)
    assert f <= f_ref * (1 + rtol)
    assert f >= f_ref * (1 - rtol)
    np.testing.assert_array_equal(est.coef_ == 0, ref.coef_ == 0)
    np.testing.assert_array_equal(X, X0)  # inputs never modified
    np.testing.assert_array_equal(y, y0)
    return est


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("reg", [0.1, 0.01])
def test_wide(fit_intercept, reg):
    X, y = correlated(30, 600, 0.6, seed=1)  # p = 20 n
    check_same(X, y, reg, fit_intercept=fit_intercept)


def test_highly_correlated():
    X, y = correlated(60, 200, 0.9, seed=2)
    check_same(X, y, 0.05)


@pytest.mark.parametrize("layout", ["F", "strided"])
def test_layouts(layout):
    X, y = correlated(40, 300, 0.6, seed=3)
    X = np.asfortranarray(X) if layout == "F" else np.repeat(X, 2, axis=1)[:, ::2]
    check_same(X, y, 0.05)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.8])
def test_f_order_read_in_place(monkeypatch, l1_ratio):
    """F-ordered float64 X without intercept nor weights: the inner solver reads X's columns
    in place (no gather), with the same optimum; a read-only X is gathered as before."""
    from fastnorm.linear_model import _workset

    calls = []
    gather = _workset._kw.gather_ws.serial
    monkeypatch.setattr(_workset._kw.gather_ws, "serial", lambda *a: calls.append(1) or gather(*a))
    X, y = correlated(60, 80, 0.6, seed=12)  # square: the last working set holds every column
    X = np.asfortranarray(X)
    for reg in (0.1, 0.01):
        check_same(X, y, reg, l1_ratio=l1_ratio, fit_intercept=False)
        check_same(X, y, reg, l1_ratio=l1_ratio, fit_intercept=False, positive=True)
    assert not calls
    X.setflags(write=False)
    check_same(X, y, 0.01, l1_ratio=l1_ratio, fit_intercept=False)
    assert calls


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_square_low_regularisation(fit_intercept):
    """n ~ p at low regularisation (benchopt's 500 x 600 in small): the final working set is
    every column and the inner solver drops screened coordinates while extrapolating."""
    X, y = correlated(70, 90, 0.6, seed=13)
    for reg in (0.1, 0.01, 0.001):
        check_same(X, y, reg, fit_intercept=fit_intercept)


def test_float32():
    X, y = correlated(40, 400, 0.6, seed=4, dtype=np.float32)
    # coef_ is rounded to float32: the objective moves by ~1e-7 relative
    check_same(X, y, 0.05, rtol=1e-6)


def test_positive_and_sample_weight():
    X, y = correlated(50, 300, 0.6, seed=5)
    sw = np.random.default_rng(0).uniform(0.2, 3.0, size=50)
    check_same(X, y, 0.02, positive=True)
    check_same(X, y, 0.02, sw=sw)


@pytest.mark.parametrize("l1_ratio", [0.5, 0.9])
def test_elastic_net(l1_ratio):
    X, y = correlated(50, 500, 0.6, seed=6)
    check_same(X, y, 0.05, l1_ratio=l1_ratio)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.7])
def test_dual_extrapolation(monkeypatch, l1_ratio):
    """With celer's dual extrapolation on (off by default), the same optimum, and a
    ``dual_gap_`` that still bounds the suboptimality (the extrapolated point's gap)."""
    from fastnorm.linear_model import _workset

    monkeypatch.setattr(_workset, "WS_ANDERSON", 0)  # long inner solves: extrapolation wins
    monkeypatch.setattr(_workset, "WS_DUAL_K", 5)
    X, y = correlated(30, 600, 0.6, seed=11)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, size=30)
    for kw in ({}, {"positive": True}, {"sw": sw}):
        est = check_same(X, y, 0.02, l1_ratio=l1_ratio, **kw)
        a = est.alpha
        ref = sk.ElasticNet(alpha=a, l1_ratio=l1_ratio, **TIGHT, positive=kw.get("positive",
                            False)).fit(X, y, sample_weight=kw.get("sw"))  # fmt: skip
        f = objective(X, y, est.coef_, est.intercept_, a, l1_ratio, kw.get("sw"))
        f_ref = objective(X, y, ref.coef_, ref.intercept_, a, l1_ratio, kw.get("sw"))
        assert 0.0 <= est.dual_gap_
        assert f - f_ref <= est.dual_gap_ * (1 + 1e-9) + 1e-14


def test_gap_and_tol():
    """``dual_gap_`` is scikit-learn's gap, under ``tol * ||y_c||^2 / n`` once converged."""
    X, y = correlated(40, 800, 0.6, seed=7)
    a = 0.05 * alpha_max(X, y)
    for tol in (1e-4, 1e-8):
        est = Lasso(alpha=a, tol=tol, solver="workset").fit(X, y)
        yc = y - y.mean()
        assert est.dual_gap_ <= tol * (yc @ yc) / len(y)
        assert est.n_iter_ >= 1
        # the gap bounds the suboptimality
        ref = sk.Lasso(alpha=a, **TIGHT).fit(X, y)
        f = objective(X, y, est.coef_, est.intercept_, a)
        f_ref = objective(X, y, ref.coef_, ref.intercept_, a)
        assert f - f_ref <= est.dual_gap_ * (1 + 1e-9) + 1e-14


def test_large_alpha_and_warm_start():
    X, y = correlated(30, 100, 0.6, seed=8)
    a = alpha_max(X, y)
    est = Lasso(alpha=1.01 * a, solver="workset").fit(X, y)
    assert not np.any(est.coef_)
    assert est.intercept_ == pytest.approx(y.mean())
    est = Lasso(alpha=0.1 * a, solver="workset", warm_start=True, tol=1e-10).fit(X, y)
    n_first = est.n_iter_
    est.fit(X, y)  # from the optimum: converged at the first pass
    assert est.n_iter_ <= min(n_first, 2)


def test_memmap_and_negative_strides(tmp_path):
    X, y = correlated(40, 300, 0.6, seed=9)
    kw = dict(alpha=0.05 * alpha_max(X, y), solver="workset", **TIGHT)
    ref = Lasso(**kw).fit(X, y)
    path = tmp_path / "X.npy"
    np.save(path, np.asfortranarray(X))
    Xm = np.load(path, mmap_mode="r")
    for Xl in (Xm, X[::-1][::-1], X[:, ::-1].T.T[:, ::-1]):
        m = Lasso(**kw).fit(Xl, y)  # F vs C order: other rounding, the same optimum
        np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    del Xm


def test_auto_picks_workset_on_wide_data():
    X, y = correlated(30, 300, 0.6, seed=10)
    a = 0.1 * alpha_max(X, y)
    m = Lasso(alpha=a).fit(X, y)
    assert m.solver_ == "workset"
    assert Lasso(alpha=a, precompute=True).fit(X, y).solver_ == "gram"
    assert ElasticNet(alpha=a, l1_ratio=0.0).fit(X, y).solver_ == "gram"  # no L1 term
    X, y = correlated(2000, 150, 0.6, seed=10)
    assert Lasso(alpha=a).fit(X, y).solver_ == "gram"  # tall: the Gram solver


@parametrize_with_checks([Lasso(solver="workset"), ElasticNet(solver="workset", l1_ratio=0.3)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_lasso_path_on_wide_data():
    """Wide X: the path runs on working sets (no p x p Gram matrix), same optimum per alpha."""
    from sklearn.linear_model import lasso_path as sk_lasso_path

    from fastnorm.linear_model import enet_path, lasso_path

    X, y = correlated(30, 400, 0.6, seed=11)
    y = y - y.mean()
    alphas, coefs, gaps = lasso_path(X, y, alphas=8, eps=0.05, tol=1e-12, max_iter=100_000)
    a_ref, c_ref, _ = sk_lasso_path(X, y, alphas=alphas, tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(alphas, a_ref)
    assert coefs.shape == (400, 8) and coefs.dtype == np.float64
    for i, a in enumerate(alphas):
        f = objective(X, y, coefs[:, i], 0.0, a)
        f_ref = objective(X, y, c_ref[:, i], 0.0, a)
        assert abs(f - f_ref) <= 1e-8 * f_ref
    assert np.all(gaps <= 1e-12 * (y @ y) / len(y))
    _, c32, _ = enet_path(X.astype(np.float32), y, l1_ratio=0.7, alphas=alphas[:3], tol=1e-10)
    assert c32.dtype == np.float32


def test_callback_stops_and_objective_path():
    import warnings

    X, y = correlated(30, 300, 0.6, seed=12)
    a = 0.05 * alpha_max(X, y)
    calls = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a stop asked by the callback is no ConvergenceWarning
        m = Lasso(alpha=a, solver="workset", callback=lambda e, f, g: calls.append(e) or True)
        m.fit(X, y)
    assert calls == [0] and m.n_iter_ == 1
    m = Lasso(alpha=a, solver="workset", tol=1e-10).fit(X, y)
    path = m.objective_path_
    assert np.all(np.diff(path) <= 1e-12 * path[0])  # every outer step lowers the objective
    assert path[-1] == pytest.approx(objective(X, y, m.coef_, m.intercept_, a), rel=1e-10)


def test_precompute_gram_array():
    """``precompute=`` a Gram array is used as scikit-learn uses it: same coefficients from
    the same array (even one that is not X^T X away from the checked entry), the checked
    entry's ValueError, and the recompute warning on uncentred X with an intercept."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 20))
    y = X[:, :4] @ np.arange(1.0, 5.0) + rng.standard_normal(60)
    sw = rng.uniform(0.5, 2.0, 60)
    s = sw * 60 / sw.sum()
    Xc = X - X.mean(axis=0)
    ridge = 0.5 * np.eye(20)  # off the checked entry: the array, not X, sets the problem
    cases = [
        (X, X.T @ X + ridge, False, None, 0.7),
        (Xc, Xc.T @ Xc, True, None, 1.0),
        (X, X.T @ (s[:, None] * X), False, sw, 0.5),
        (X, X.T @ X, False, None, 1.0),
    ]
    for XX, G, fi, w, l1r in cases:
        G0 = G.copy()
        kw = dict(alpha=0.05, l1_ratio=l1r, precompute=G, fit_intercept=fi, **TIGHT)
        est = ElasticNet(**kw).fit(XX, y, sample_weight=w)
        ref = sk.ElasticNet(**kw).fit(XX, y, sample_weight=w)
        assert est.solver_ == "gram"
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(est.coef_ == 0, ref.coef_ == 0)
        np.testing.assert_array_equal(G, G0)
    Y = np.c_[y, 2.0 * y + 1.0]
    est = Lasso(alpha=0.05, precompute=X.T @ X, fit_intercept=False, **TIGHT).fit(X, Y)
    ref = sk.Lasso(alpha=0.05, precompute=X.T @ X, fit_intercept=False, **TIGHT).fit(X, Y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    bad = X.T @ X
    bad[10, 11] += 1.0
    for cls in (Lasso, sk.Lasso):
        with pytest.raises(ValueError, match="did not pass validation"):
            cls(precompute=bad, fit_intercept=False).fit(X, y)
    with pytest.warns(UserWarning, match="recomputing Gram matrix"):
        est = Lasso(alpha=0.05, precompute=X.T @ X, **TIGHT).fit(X + 3.0, y)
    with pytest.warns(UserWarning, match="recomputing Gram matrix"):
        ref = sk.Lasso(alpha=0.05, precompute=X.T @ X, **TIGHT).fit(X + 3.0, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "cls, ref_cls, kw, weighted",
    [
        ("LassoCV", "LassoCV", {}, False),
        ("LassoCV", "LassoCV", {"fit_intercept": False}, True),
        ("ElasticNetCV", "ElasticNetCV", {"l1_ratio": [0.5, 0.9]}, False),
    ],
)
def test_cv_on_wide_data(monkeypatch, cls, ref_cls, kw, weighted):
    """LassoCV / ElasticNetCV on wide X run working sets per fold (no p x p Gram matrix):
    the same alpha_, mse_path_ and refit as scikit-learn's."""
    import fastnorm.linear_model as fl
    from fastnorm.linear_model import _path

    X, y = correlated(40, 300, 0.6, seed=12)
    sw = np.random.default_rng(2).uniform(0.5, 2.0, 40) if weighted else None
    args = dict(kw, alphas=8, eps=1e-2, tol=1e-10, max_iter=100_000, cv=4)
    calls = []
    orig = _path._aug_gram
    monkeypatch.setattr(_path, "_aug_gram", lambda *a: calls.append(1) or orig(*a))
    fl.LassoCV(alphas=3, cv=2).fit(X[:, :20], y)  # tall: Gram passes (the spy sees them)
    assert calls
    calls.clear()
    est = getattr(fl, cls)(**args).fit(X, y, sample_weight=sw)
    ref = getattr(sk, ref_cls)(**args).fit(X, y, sample_weight=sw)
    assert not calls  # no Gram pass
    np.testing.assert_allclose(est.alphas_, ref.alphas_, rtol=1e-12)
    assert est.alpha_ == pytest.approx(ref.alpha_, rel=1e-12)
    np.testing.assert_allclose(est.mse_path_, ref.mse_path_, rtol=1e-6)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("l2n", [0.0, 3.0])
@pytest.mark.parametrize("lazy", [0, 4])
def test_inner_cd_residual_stays_exact(l2n, lazy):
    """The inner solver's deferred residual updates and its extrapolated residual (an affine
    combination of kept residuals, restarted when screening zeroes a coefficient; retried
    with coordinates held, corrected by axpys), with or without the active-set epochs
    (``lazy``), leave ``R`` equal to ``yq - B^T w`` and the restricted optimum of
    scikit-learn's ElasticNet."""
    from fastnorm._kernels import workset as kw

    rng = np.random.default_rng(14)
    n, m = 40, 60
    B = rng.standard_normal((m + 3, n))  # rows 0..2 unused: rows[] maps into the block
    rows = rng.permutation(m) + 3
    L = np.einsum("ij,ij->i", B, B)
    yq = B[rows[:5]].T @ rng.standard_normal(5) + 0.1 * rng.standard_normal(n)
    Bk = B[rows]
    l1n = 0.01 * np.abs(Bk @ yq).max()  # ~18 non-zeros: extrapolations are accepted
    w, R = np.zeros(m), yq.copy()
    out = np.zeros(3)
    kw.inner_cd.serial(B, rows.astype(np.int64), L, w, R, yq, l1n, l2n, False, 5000, 1e-12,
                       5, 4, 0, np.empty(n), np.zeros(m), out, lazy, n)  # fmt: skip
    np.testing.assert_allclose(R, yq - Bk.T @ w, rtol=0, atol=1e-10 * np.abs(yq).max())
    assert abs(out[0]) <= 1e-12  # a converged gap rounds to either side of zero
    a, l1r = (l1n + l2n) / n, l1n / (l1n + l2n)
    ref = sk.ElasticNet(alpha=a, l1_ratio=l1r, fit_intercept=False, **TIGHT).fit(Bk.T, yq)
    np.testing.assert_array_equal(w == 0, ref.coef_ == 0)
    np.testing.assert_allclose(w, ref.coef_, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_feature_route(dtype):
    """A single fit of up to WS_FULL_MAX elements (here 250 x 250) solves every feature at
    once (no growing set): the same optimum and zero pattern as scikit-learn."""
    from fastnorm.linear_model import _workset

    X, y = correlated(250, 250, 0.6, seed=21, dtype=dtype)
    assert 250 * 250 <= _workset.WS_FULL_MAX
    rtol = 1e-8 if dtype == np.float64 else 1e-6  # float32 coef_ rounding
    for reg in (0.1, 0.01):
        check_same(X, y, reg, rtol=rtol)
    check_same(X, y, 0.05, rtol=rtol, positive=True)
    check_same(X, y, 0.05, rtol=rtol, l1_ratio=0.5)


def test_every_feature_after_first_pass(monkeypatch):
    """A cold fit past WS_FULL_MAX whose features mostly violate their KKT condition at
    w = 0 (WS_VIOL_ALL) takes every feature after its first pass: the same optimum and zero
    pattern as scikit-learn, with the rule on and off."""
    from fastnorm.linear_model import _workset

    X, y = correlated(560, 500, 0.6, seed=22)
    assert 560 * 500 > _workset.WS_FULL_MAX
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    n_viol = np.count_nonzero(np.abs(Xc.T @ yc) / 560 > 0.01 * alpha_max(X, y, True))
    assert n_viol >= _workset.WS_VIOL_ALL * 500  # the rule's case
    on = check_same(X, y, 0.01)
    monkeypatch.setattr(_workset, "WS_VIOL_ALL", 2.0)
    off = check_same(X, y, 0.01)
    assert on.n_iter_ <= off.n_iter_  # one inner solve instead of a growing set's several
