"""LogisticRegression(solver="workset") (the working-set solver of wide L1 problems) against
scikit-learn at tight tolerances: the objective (``tests.references.ref_logistic_objective``)
to 1e-8 relative and the same zero pattern."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sk = pytest.importorskip("sklearn.linear_model")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils.class_weight import compute_class_weight  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from fastnorm.linear_model import LogisticRegression  # noqa: E402
from tests.references import ref_logistic_objective  # noqa: E402
from tests.test_logistic import _cancer, _iris, _synthetic  # noqa: E402

TIGHT = {"tol": 1e-10, "max_iter": 500}


def _ref(X, y, C, l1_ratio, fit_intercept=True, sample_weight=None, class_weight=None):
    """liblinear (exact L1 without intercept: it penalises an intercept) or saga."""
    solver = "liblinear" if l1_ratio == 1.0 and not fit_intercept else "saga"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sk.LogisticRegression(
            C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-13 if solver == "saga" else 1e-10,
            max_iter=50_000, fit_intercept=fit_intercept, class_weight=class_weight,
        ).fit(X, y, sample_weight=sample_weight)  # fmt: skip


def _agree(X, y, ours, ref, C, l1_ratio, sw=None, cw=None):
    yi = np.searchsorted(ref.classes_, y)
    if cw is not None:  # class weights are sample weights
        sw = (np.ones(len(y)) if sw is None else sw) * cw[yi]
    f_o = ref_logistic_objective(X, yi, ours.coef_, ours.intercept_, C, l1_ratio, sw)
    f_r = ref_logistic_objective(X, yi, ref.coef_, ref.intercept_, C, l1_ratio, sw)
    assert f_o <= f_r * (1 + 1e-8)
    assert abs(f_o - f_r) <= 1e-8 * abs(f_r)
    np.testing.assert_array_equal(ours.coef_ == 0, np.abs(ref.coef_) < 1e-9)
    assert np.count_nonzero(ours.coef_) > 0


@pytest.mark.parametrize(("fit_intercept", "l1_ratio"), [(True, 1.0), (False, 1.0), (True, 0.5)])
def test_breast_cancer(fit_intercept, l1_ratio):
    X, y = _cancer()
    C = 0.1
    ours = LogisticRegression(C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                              solver="workset", **TIGHT).fit(X, y)  # fmt: skip
    ref = _ref(X, y, C, l1_ratio, fit_intercept)
    _agree(X, y, ours, ref, C, l1_ratio)
    assert ours.coef_.shape == (1, X.shape[1]) and ours.n_iter_[0] >= 1
    if not fit_intercept:
        assert ours.intercept_.tolist() == [0.0]


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_wide(fit_intercept):
    X, y = _synthetic(60, 400, seed=1)
    C = 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = LogisticRegression(C=C, l1_ratio=1.0, fit_intercept=fit_intercept,
                                  solver="workset", **TIGHT).fit(X, y)  # fmt: skip
    _agree(X, y, ours, _ref(X, y, C, 1.0, fit_intercept), C, 1.0)
    # the same optimum as the full-problem solvers
    full = LogisticRegression(C=C, l1_ratio=1.0, fit_intercept=fit_intercept, solver="newton",
                              **TIGHT).fit(X, y)  # fmt: skip
    np.testing.assert_allclose(ours.coef_, full.coef_, atol=1e-7)


def test_wide_weights_float32():
    X, y = _synthetic(60, 400, seed=2, imbalance=0.4)
    C = 1.0
    sw = np.random.default_rng(0).integers(1, 4, size=len(y)).astype(float)
    X0, sw0 = X.copy(), sw.copy()
    ours = LogisticRegression(C=C, l1_ratio=1.0, solver="workset", class_weight="balanced",
                              **TIGHT).fit(X, y, sample_weight=sw)  # fmt: skip
    ref = _ref(X, y, C, 1.0, sample_weight=sw, class_weight="balanced")
    cw = compute_class_weight("balanced", classes=np.unique(y), y=y, sample_weight=sw)
    _agree(X, y, ours, ref, C, 1.0, sw=sw, cw=cw)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(sw, sw0)
    # float32 (C and F order): kept, same solution as the float64 data in float32
    X32 = X.astype(np.float32)
    for Xc in (X32, np.asfortranarray(X32)):
        m = LogisticRegression(C=C, l1_ratio=1.0, solver="workset", **TIGHT).fit(Xc, y)
        r = LogisticRegression(C=C, l1_ratio=1.0, solver="newton", **TIGHT).fit(
            X32.astype(np.float64), y
        )
        assert m.coef_.dtype == np.float32
        np.testing.assert_allclose(m.coef_, r.coef_, atol=1e-5)
        np.testing.assert_array_equal(m.coef_ == 0, r.coef_ == 0)


def test_fallbacks_and_warning():
    # no L1 part, or several classes: the auto solver's fit
    X, y = _cancer()
    a = LogisticRegression(C=0.1, solver="workset", **TIGHT).fit(X, y)
    b = LogisticRegression(C=0.1, **TIGHT).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    Xi, yi = _iris()
    a = LogisticRegression(l1_ratio=1.0, solver="workset", **TIGHT).fit(Xi, yi)
    b = LogisticRegression(l1_ratio=1.0, **TIGHT).fit(Xi, yi)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    with pytest.warns(ConvergenceWarning, match="workset"):
        LogisticRegression(C=1.0, l1_ratio=1.0, solver="workset", tol=1e-12,
                           max_iter=1).fit(*_synthetic(60, 400, seed=1))  # fmt: skip


def test_auto_rule_and_path(capsys):
    from fastnorm.linear_model import logistic_path

    X, y = _synthetic(50, 3000, seed=3)  # 150,000 elements: past AUTO_MIN_SIZE
    LogisticRegression(C=1.0, l1_ratio=1.0, verbose=1).fit(X, y)
    assert "[workset] iter" in capsys.readouterr().out
    LogisticRegression(C=1.0, l1_ratio=1.0, verbose=1).fit(X[:, :400], y)  # small: stream
    assert "[stream] iter" in capsys.readouterr().out
    Cs = [0.05, 0.5]
    a, _, _ = logistic_path(X[:, :400], y, Cs=Cs, l1_ratio=1.0, solver="workset", tol=1e-10)
    b, _, _ = logistic_path(X[:, :400], y, Cs=Cs, l1_ratio=1.0, solver="newton", tol=1e-10)
    np.testing.assert_allclose(a, b, atol=1e-7)
    np.testing.assert_array_equal(a == 0, b == 0)


@parametrize_with_checks([LogisticRegression(solver="workset", l1_ratio=1.0, C=10.0)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("order", ["C", "F"])
def test_warm_start(order):
    X, y = _synthetic(60, 400, seed=4)
    X = np.asarray(X, order=order)
    kw = dict(l1_ratio=1.0, solver="workset", **TIGHT)
    cold = LogisticRegression(C=0.3, **kw).fit(X, y)
    m = LogisticRegression(C=1.0, warm_start=True, **kw).fit(X, y)
    m.set_params(C=0.3).fit(X, y)
    np.testing.assert_allclose(m.coef_, cold.coef_, atol=1e-8)
    np.testing.assert_allclose(m.intercept_, cold.intercept_, atol=1e-8)


def test_strided_zero_weights_tiny_C():
    X, y = _synthetic(60, 400, seed=1)
    kw = dict(C=1.0, l1_ratio=1.0, **TIGHT)
    ref = LogisticRegression(solver="newton", **kw).fit(X, y)
    big = np.zeros((60, 800))
    big[:, ::2] = X
    m = LogisticRegression(solver="workset", **kw).fit(big[:, ::2], y)  # neither C nor F
    np.testing.assert_allclose(m.coef_, ref.coef_, atol=1e-7)
    sw = np.ones(60)
    sw[:10] = 0.0  # zero weights are dropped rows
    m = LogisticRegression(solver="workset", **kw).fit(X, y, sample_weight=sw)
    r = LogisticRegression(solver="newton", **kw).fit(X[10:], y[10:])
    np.testing.assert_allclose(m.coef_, r.coef_, atol=1e-7)
    # C below the all-zero threshold: only the intercept
    m = LogisticRegression(solver="workset", C=1e-4, l1_ratio=1.0, **TIGHT).fit(X, y)
    assert not np.any(m.coef_)
    np.testing.assert_allclose(m.intercept_, [np.log(y.mean() / (1 - y.mean()))], rtol=1e-8)


def test_auto_takes_lbfgs_on_wide_smooth_problems(monkeypatch):
    # wide X with an L2 penalty: auto's L-BFGS (no Newton hand-over there: a (p + 1)^2
    # model per step) reaches scikit-learn's lbfgs optimum on correlated columns, where the
    # accelerated gradient crawled
    from fastnorm.linear_model import _logistic
    from tests.test_logistic import _check_agree, _sk_ref

    def forbidden(*a, **k):
        raise AssertionError("auto took another solver")

    monkeypatch.setattr(_logistic, "_fista", forbidden)
    monkeypatch.setattr(_logistic, "_newton_binary", forbidden)
    rng = np.random.default_rng(8)
    X = rng.standard_normal((60, 240))
    X[:, 1:] = 0.7 * X[:, :1] + 0.3 * X[:, 1:]  # strongly correlated columns
    y = (X @ rng.standard_normal(240) + rng.standard_normal(60) > 0).astype(int)
    ours = LogisticRegression(C=0.5, tol=1e-10, max_iter=10_000).fit(X, y)
    _check_agree(X, y, ours, _sk_ref(X, y, 0.5, 0.0), 0.5, 0.0)
