"""logistic_path and LogisticRegressionCV against scikit-learn 1.9 (same grid, same folds,
tightly converged on both sides), and LogisticRegression on Dask arrays against the
in-memory fit."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sk = pytest.importorskip("sklearn.linear_model")

from sklearn.datasets import load_breast_cancer, load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model._logistic import _logistic_regression_path  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.class_weight import compute_class_weight  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from fastnorm.linear_model import (  # noqa: E402
    LogisticRegression,
    LogisticRegressionCV,
    logistic_path,
)
from tests.references import ref_logistic_objective  # noqa: E402

TIGHT = {"tol": 1e-10, "max_iter": 500}
NEW = {"use_legacy_attributes": False}  # scikit-learn 1.10's layout
SK_TIGHT = {"tol": 1e-12, "max_iter": 20_000}


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _sk_cv(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sk.LogisticRegressionCV(**kw)


# -------------------------------------------------------------------- logistic_path
@pytest.mark.parametrize("data", ["cancer", "iris"])
def test_path_matches_sklearn(data):
    X, y = _cancer() if data == "cancer" else _iris()
    Cs = [1e-3, 1e-2, 0.1, 1.0]
    coefs, Cs_out, n_iter = logistic_path(X, y, Cs=Cs, **TIGHT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref, _, _ = _logistic_regression_path(X, y, classes=np.unique(y), Cs=Cs, **SK_TIGHT)
    assert coefs.shape == ref.shape
    assert n_iter.shape == (4,) and n_iter.dtype == np.int32
    np.testing.assert_array_equal(Cs_out, Cs)
    yi = np.searchsorted(np.unique(y), y)
    for c, r, C in zip(coefs, ref, Cs, strict=True):
        c2, r2 = np.atleast_2d(c), np.atleast_2d(r)
        f = ref_logistic_objective(X, yi, c2[:, :-1], c2[:, -1], C, 0.0)
        g = ref_logistic_objective(X, yi, r2[:, :-1], r2[:, -1], C, 0.0)
        assert f <= g * (1 + 1e-10)
        assert abs(f - g) <= 1e-9 * abs(g)
        np.testing.assert_allclose(c, r, rtol=0, atol=1e-5 * np.abs(r).max())


def test_path_l1_equals_single_fits_and_int_grid():
    X, y = _cancer()
    with warnings.catch_warnings():  # C=1e4: nearly separable, 1e-10 is out of reach
        warnings.simplefilter("ignore", ConvergenceWarning)
        coefs, Cs, _ = logistic_path(X, y, Cs=3, l1_ratio=1.0, fit_intercept=False, **TIGHT)
    np.testing.assert_array_equal(Cs, np.logspace(-4, 4, 3))
    assert coefs.shape == (3, X.shape[1])  # no intercept column
    for c, C in zip(coefs, Cs[:2], strict=False):  # warm start moves nothing
        one = LogisticRegression(C=C, l1_ratio=1.0, fit_intercept=False, **TIGHT).fit(X, y)
        np.testing.assert_allclose(c, one.coef_[0], rtol=0, atol=1e-7)
        np.testing.assert_array_equal(c == 0, one.coef_[0] == 0)
    assert np.all(coefs[0] == 0)  # C=1e-4: everything thresholded


def test_path_warm_start_coef_and_errors():
    X, y = _iris()
    coefs, _, _ = logistic_path(X, y, Cs=[1.0], **TIGHT)
    again, _, n_iter = logistic_path(X, y, Cs=[1.0], coef=coefs[0], **TIGHT)
    assert n_iter[0] <= 1  # started at the solution
    np.testing.assert_allclose(again, coefs, rtol=0, atol=1e-8)
    with pytest.raises(ValueError, match="Initialization coef"):
        logistic_path(X, y, Cs=[1.0], coef=np.zeros(5))
    with pytest.raises(ValueError, match="2 classes"):
        logistic_path(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="Unknown label type"):
        logistic_path(X, y + 0.5)


# -------------------------------------------------------------------- LogisticRegressionCV
@pytest.mark.parametrize("data", ["cancer", "iris"])
def test_cv_matches_sklearn(data):
    X, y = _cancer() if data == "cancer" else _iris()
    # up to C=1: beyond, scikit-learn's lbfgs stops on ftol before 1e-7 of the log loss
    kw = {"Cs": [1e-3, 1e-2, 0.1, 1.0], "cv": 3, "l1_ratios": (0.0,), "scoring": "neg_log_loss"}
    ours = LogisticRegressionCV(**kw, **TIGHT, **NEW).fit(X, y)
    ref = _sk_cv(**kw, **SK_TIGHT, use_legacy_attributes=False).fit(X, y)
    assert ours.C_ == ref.C_ and ours.l1_ratio_ == ref.l1_ratio_
    np.testing.assert_array_equal(ours.Cs_, ref.Cs_)
    for name in ("scores_", "coefs_paths_", "n_iter_"):
        assert getattr(ours, name).shape == getattr(ref, name).shape, name
    np.testing.assert_allclose(ours.scores_, ref.scores_, rtol=1e-6)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-6 * np.abs(ref.coef_).max())
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-5)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    assert ours.score(X, y) == pytest.approx(ref.score(X, y), rel=1e-6)


def test_cv_accuracy_legacy_layout_and_refit_false():
    X, y = _iris()
    # an array: scikit-learn 1.9 indexes l1_ratios with an array when refit=False
    kw = {"Cs": [0.1, 1.0, 10.0], "cv": 3, "l1_ratios": np.array([0.0, 0.5])}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk.LogisticRegressionCV(**kw, solver="saga", tol=1e-10, max_iter=20_000,
                                      scoring="accuracy", use_legacy_attributes=True,
                                      refit=False).fit(X, y)  # fmt: skip
    ours = LogisticRegressionCV(**kw, use_legacy_attributes=True, refit=False, **TIGHT).fit(X, y)
    assert list(ours.coefs_paths_) == list(ref.coefs_paths_)
    a, b = (np.stack(list(m.coefs_paths_.values())) for m in (ours, ref))
    assert a.shape == b.shape == (3, 3, 3, 2, 5)
    # saga leaves the intercepts' common shift free (the softmax ignores it): centre both
    a[..., -1] -= a[..., -1].mean(axis=0)
    b[..., -1] -= b[..., -1].mean(axis=0)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-4)
    for k in ref.scores_:
        np.testing.assert_array_equal(ours.scores_[k], ref.scores_[k])
    assert ours.n_iter_.shape == ref.n_iter_.shape == (1, 3, 3, 2)
    np.testing.assert_allclose(ours.C_, ref.C_)
    np.testing.assert_allclose(ours.l1_ratio_, ref.l1_ratio_)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-4)


def test_cv_weights_and_binary_legacy():
    X, y = _cancer()
    X = X[:, :8]
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    kw = {"Cs": [0.01, 0.1, 1.0], "cv": 3, "l1_ratios": (0.0,), "class_weight": "balanced"}
    ref = _sk_cv(**kw, **SK_TIGHT, scoring="accuracy", use_legacy_attributes=True).fit(
        X, y, sample_weight=sw
    )
    X0, sw0 = X.copy(), sw.copy()
    ours = LogisticRegressionCV(**kw, **TIGHT, use_legacy_attributes=True).fit(
        X, y, sample_weight=sw
    )
    np.testing.assert_array_equal(X, X0)  # inputs not modified
    np.testing.assert_array_equal(sw, sw0)
    assert list(ours.scores_) == [1] and ours.scores_[1].shape == (3, 3, 1)
    np.testing.assert_array_equal(ours.scores_[1], ref.scores_[1])
    np.testing.assert_array_equal(ours.C_, ref.C_)
    # the refit: ours at least as low an objective (scikit-learn's lbfgs stops on ftol)
    s = sw * compute_class_weight("balanced", classes=ours.classes_, y=y, sample_weight=sw)[y]
    f = ref_logistic_objective(X, y, ours.coef_, ours.intercept_, ours.C_[0], 0.0, s)
    g = ref_logistic_objective(X, y, ref.coef_, ref.intercept_, ref.C_[0], 0.0, s)
    assert f <= g * (1 + 1e-12) and abs(f - g) <= 1e-10 * g
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-5 * np.abs(ref.coef_).max())


def test_cv_deprecated_penalty_and_l1_ratios_none():
    X, y = _iris()
    with pytest.warns(FutureWarning, match="'penalty' was deprecated"):
        old = LogisticRegressionCV(Cs=[0.1, 1.0], cv=3, penalty="l1", l1_ratios=None,
                                   **TIGHT, **NEW).fit(X, y)  # fmt: skip
    new = LogisticRegressionCV(Cs=[0.1, 1.0], cv=3, l1_ratios=(1.0,), **TIGHT, **NEW).fit(X, y)
    np.testing.assert_allclose(old.coefs_paths_, new.coefs_paths_, rtol=0, atol=1e-8)
    leg = LogisticRegressionCV(Cs=3, cv=3, use_legacy_attributes=True).fit(X, y)
    assert leg.l1_ratios_.tolist() == [None] and leg.l1_ratio_.tolist() == [0.0] * 3
    assert leg.coefs_paths_[0].shape == (3, 3, 5)  # no l1_ratio axis, as scikit-learn 1.9
    assert leg.scores_[0].shape == (3, 3) and leg.n_iter_.shape == (1, 3, 3)
    # the default is scikit-learn 1.9's: the legacy layout, with its FutureWarning
    with pytest.warns(FutureWarning, match="use_legacy_attributes=False"):
        dflt = LogisticRegressionCV(Cs=3, cv=3).fit(X, y)
    ref = _sk_cv(Cs=3, cv=3, l1_ratios=None, scoring=None, use_legacy_attributes=True).fit(X, y)
    for got in (dflt, leg):
        assert sorted(got.coefs_paths_) == sorted(ref.coefs_paths_)
        assert got.coefs_paths_[0].shape == ref.coefs_paths_[0].shape
        assert got.C_.shape == ref.C_.shape and got.n_iter_.shape == ref.n_iter_.shape


def test_cv_float32_and_errors():
    X, y = _iris()
    m = LogisticRegressionCV(Cs=3, cv=3).fit(X.astype(np.float32), y)
    assert m.coef_.dtype == np.float32 and m.coef_.shape == (3, 4)
    with pytest.raises(ValueError, match="l1_ratios must be"):
        LogisticRegressionCV(l1_ratios=(2.0,)).fit(X, y)
    with pytest.raises(ValueError, match="class_weight dict"):
        LogisticRegressionCV(class_weight={7: 1.0}).fit(X, y)


@parametrize_with_checks([LogisticRegressionCV(Cs=3, cv=3)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


# -------------------------------------------------------------------- Dask input
def _dask_data(n=240, p=5, K=2, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    Z = X @ rng.standard_normal((p, K)) + rng.standard_normal(K)
    y = np.argmax(Z + rng.gumbel(size=(n, K)), axis=1)  # a softmax sample: not separable
    return X, y


@pytest.mark.parametrize(
    ("K", "kw"),
    [
        (2, {"C": 1.0}),  # auto: L-BFGS on the chunk passes
        (2, {"C": 0.5, "l1_ratio": 1.0, "class_weight": "balanced"}),  # stream, L1
        (3, {"C": 1.0, "l1_ratio": 0.5, "solver": "stream", "fit_intercept": False}),
    ],
)
def test_dask_matches_numpy(K, kw):
    da = pytest.importorskip("dask.array")
    import dask

    X, y = _dask_data(K=K)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    ref_kw = {**kw, "solver": "newton"}  # the in-memory reference, converged tightly
    ref = LogisticRegression(**ref_kw, tol=1e-12, max_iter=500).fit(X, y, sample_weight=sw)
    Xd = da.from_array(X, chunks=(70, 2))  # uneven row chunks, split columns
    with dask.config.set(scheduler="threads"):
        m = LogisticRegression(**kw, tol=1e-10, max_iter=3000).fit(
            Xd, da.from_array(y, chunks=(70,)), sample_weight=sw
        )
    assert m.coef_.shape == ref.coef_.shape and m.coef_.dtype == np.float64
    np.testing.assert_array_equal(m.classes_, ref.classes_)
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(m.intercept_, ref.intercept_, rtol=0, atol=1e-6 * scale)
    if kw.get("l1_ratio") == 1.0:
        np.testing.assert_array_equal(m.coef_ == 0, ref.coef_ == 0)
    np.testing.assert_array_equal(m.predict(X), ref.predict(X))


def test_dask_float32_numpy_x_dask_weights():
    da = pytest.importorskip("dask.array")
    X, y = _dask_data(n=120)
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    X32 = X.astype(np.float32)
    ref = LogisticRegression(solver="newton", tol=1e-12).fit(X32, y, sample_weight=sw)
    m = LogisticRegression(solver="stream", tol=1e-10, max_iter=3000).fit(
        X32, y, sample_weight=da.from_array(sw, chunks=(50,))
    )
    assert m.coef_.dtype == np.float32
    np.testing.assert_allclose(m.coef_, ref.coef_, rtol=0, atol=1e-5)


def test_dask_errors():
    da = pytest.importorskip("dask.array")
    X, y = _dask_data(n=40)
    Xd = da.from_array(X, chunks=(20, -1))
    with pytest.raises(ValueError, match="cannot run on Dask"):
        LogisticRegression(solver="newton").fit(Xd, y)
    with pytest.raises(ValueError, match="2 classes"):
        LogisticRegression().fit(Xd, np.zeros(40))
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(Xd, y + 0.5)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(da.from_array(bad, chunks=(20, -1)), y)
