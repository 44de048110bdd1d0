"""LogisticRegression against scikit-learn at tight tolerances (objective in float64 from
``tests.references.ref_logistic_objective``), label errors, solvers and input handling."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sk = pytest.importorskip("sklearn.linear_model")

from sklearn.datasets import load_breast_cancer, load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from fastnorm.linear_model import LogisticRegression, _logistic  # noqa: E402
from tests.references import ref_logistic_objective  # noqa: E402

TIGHT = {"tol": 1e-10, "max_iter": 500}


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _synthetic(n, p, seed=0, separable=False, imbalance=0.5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[: max(1, p // 5)] = rng.standard_normal(max(1, p // 5))
    z = X @ w + 0.3
    if separable:
        y = (z > 0).astype(int)
    else:
        y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    if imbalance != 0.5:  # keep a fraction of the positives
        keep = (y == 0) | (rng.random(n) < imbalance)
        X, y = X[keep], y[keep]
    return X, y


def _sk_ref(X, y, C, l1_ratio, sample_weight=None, class_weight=None):
    """scikit-learn at a tight tolerance: lbfgs for L2, saga otherwise."""
    solver = "lbfgs" if l1_ratio == 0 else "saga"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return sk.LogisticRegression(
            C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-13, max_iter=50_000,
            class_weight=class_weight,
        ).fit(X, y, sample_weight=sample_weight)  # fmt: skip


def _labels(est, y):
    return np.searchsorted(est.classes_, y)


def _check_agree(X, y, ours, ref, C, l1_ratio, sw=None, coef_rtol=1e-6):
    yi = _labels(ref, y)
    f_ours = ref_logistic_objective(X, yi, ours.coef_, ours.intercept_, C, l1_ratio, sw)
    f_ref = ref_logistic_objective(X, yi, ref.coef_, ref.intercept_, C, l1_ratio, sw)
    # ours is at least as good as scikit-learn's and equal to 1e-8 relative
    assert f_ours <= f_ref * (1 + 1e-8)
    assert abs(f_ours - f_ref) <= 1e-8 * abs(f_ref)
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=coef_rtol * scale)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=coef_rtol * scale)
    if l1_ratio == 1:
        np.testing.assert_array_equal(ours.coef_ == 0, np.abs(ref.coef_) < 1e-10)


# -------------------------------------------------------------------- check_estimator
@parametrize_with_checks(
    [
        LogisticRegression(),
        LogisticRegression(l1_ratio=1.0, C=10.0),
        LogisticRegression(solver="stream", l1_ratio=0.5, max_iter=2000),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------- agreement with sklearn
@pytest.mark.parametrize(("C", "l1_ratio"), [(1.0, 0.0), (0.1, 1.0), (1.0, 0.5), (np.inf, 0.0)])
def test_breast_cancer(C, l1_ratio):
    X, y = _cancer()
    if np.isinf(C):  # without a penalty the data are nearly separable: keep 5 features
        X = X[:, :5]
    ours = LogisticRegression(C=C, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    _check_agree(X, y, ours, _sk_ref(X, y, C, l1_ratio), C, l1_ratio)
    assert ours.coef_.shape == (1, X.shape[1])
    assert ours.intercept_.shape == (1,)
    assert ours.n_iter_.shape == (1,)


@pytest.mark.parametrize(("C", "l1_ratio"), [(1.0, 0.0), (1.0, 1.0)])
def test_iris_multinomial(C, l1_ratio):
    X, y = _iris()
    ours = LogisticRegression(C=C, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    ref = _sk_ref(X, y, C, l1_ratio)
    assert ours.coef_.shape == (3, 4)
    yi = _labels(ref, y)
    f_ours = ref_logistic_objective(X, yi, ours.coef_, ours.intercept_, C, l1_ratio)
    f_ref = ref_logistic_objective(X, yi, ref.coef_, ref.intercept_, C, l1_ratio)
    assert abs(f_ours - f_ref) <= 1e-8 * f_ref
    if l1_ratio == 0:  # unique solution (L2 fixes the softmax shift)
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("kind", ["n>>p", "p>n"])
@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
@pytest.mark.parametrize("solver", ["auto", "newton"])
def test_synthetic(kind, l1_ratio, solver):
    X, y = _synthetic(2000, 10) if kind == "n>>p" else _synthetic(60, 150, seed=1)
    C = 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        ours = LogisticRegression(C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-10,
                                  max_iter=5000).fit(X, y)  # fmt: skip
    _check_agree(X, y, ours, _sk_ref(X, y, C, l1_ratio), C, l1_ratio, coef_rtol=1e-5)


def test_wide_column_solver_matches_gram(monkeypatch):
    X, y = _synthetic(60, 150, seed=1)
    ref = LogisticRegression(C=0.5, l1_ratio=1.0, solver="newton", **TIGHT).fit(X, y)
    monkeypatch.setattr(_logistic, "GRAM_MAX_P", 10)
    ours = LogisticRegression(C=0.5, l1_ratio=1.0, solver="newton", **TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-7)
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    Xi, yi = _iris()
    r3 = LogisticRegression(**TIGHT).fit(Xi, yi)
    o3 = LogisticRegression(**TIGHT).fit(Xi, yi)
    np.testing.assert_allclose(o3.coef_, r3.coef_, atol=1e-7)


def test_imbalanced_class_weight():
    X, y = _synthetic(600, 8, seed=2, imbalance=0.2)
    ours = LogisticRegression(C=1.0, class_weight="balanced", **TIGHT).fit(X, y)
    ref = _sk_ref(X, y, 1.0, 0.0, class_weight="balanced")
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    # class weights are sample weights
    cw = len(y) / (2 * np.bincount(y))
    sw = LogisticRegression(C=1.0, **TIGHT).fit(X, y, sample_weight=cw[y])
    np.testing.assert_allclose(ours.coef_, sw.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_sample_weight_is_repetition(l1_ratio):
    X, y = _synthetic(150, 6, seed=3)
    reps = np.random.default_rng(0).integers(0, 4, size=len(y))
    a = LogisticRegression(C=0.3, l1_ratio=l1_ratio, **TIGHT).fit(X, y, sample_weight=reps)
    b = LogisticRegression(C=0.3, l1_ratio=l1_ratio, **TIGHT).fit(
        np.repeat(X, reps, axis=0), np.repeat(y, reps)
    )
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-8, atol=1e-10)
    ref = _sk_ref(X, y, 0.3, l1_ratio, sample_weight=reps)
    _check_agree(X, y, a, ref, 0.3, l1_ratio, sw=reps, coef_rtol=1e-5)


# ------------------------------------------------------------- separable data, warnings
def test_separable_no_nan():
    X, y = _synthetic(200, 3, seed=4, separable=True)
    ours = LogisticRegression(C=1.0, **TIGHT).fit(X, y)
    _check_agree(X, y, ours, _sk_ref(X, y, 1.0, 0.0), 1.0, 0.0, coef_rtol=1e-5)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        free = LogisticRegression(C=np.inf, tol=1e-10, max_iter=8).fit(X, y)
    assert np.all(np.isfinite(free.coef_)) and np.all(np.isfinite(free.intercept_))
    assert np.all(np.isfinite(free.predict_proba(X)))
    assert (free.predict(X) == y).all()


def test_large_margins_stay_finite():
    X, y = _synthetic(100, 3, seed=5)
    ours = LogisticRegression(C=1.0).fit(X * 1e6, y)
    assert np.all(np.isfinite(ours.coef_))
    assert np.all(np.isfinite(ours.predict_log_proba(X)) | (ours.predict_proba(X) == 0))


# ------------------------------------------------------------- other solvers
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_stream_solver(l1_ratio):
    X, y = _cancer()
    C = 0.1
    ours = LogisticRegression(C=C, l1_ratio=l1_ratio, solver="stream", tol=1e-9,
                              max_iter=5000).fit(X, y)  # fmt: skip
    ref = LogisticRegression(C=C, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    f_o = ref_logistic_objective(X, y, ours.coef_, ours.intercept_, C, l1_ratio)
    f_r = ref_logistic_objective(X, y, ref.coef_, ref.intercept_, C, l1_ratio)
    assert abs(f_o - f_r) <= 1e-8 * f_r
    Xi, yi = _iris()
    m = LogisticRegression(solver="stream", tol=1e-9, max_iter=5000).fit(Xi, yi)
    r = LogisticRegression(**TIGHT).fit(Xi, yi)
    f_o = ref_logistic_objective(Xi, yi, m.coef_, m.intercept_, 1.0, 0.0)
    f_r = ref_logistic_objective(Xi, yi, r.coef_, r.intercept_, 1.0, 0.0)
    assert abs(f_o - f_r) <= 1e-8 * f_r


def test_sgd_solver():
    X, y = _synthetic(500, 5, seed=6)
    ours = LogisticRegression(C=1.0, solver="sgd", max_iter=50, random_state=0).fit(X, y)
    ref = LogisticRegression(C=1.0, **TIGHT).fit(X, y)
    f_o = ref_logistic_objective(X, y, ours.coef_, ours.intercept_, 1.0, 0.0)
    f_r = ref_logistic_objective(X, y, ref.coef_, ref.intercept_, 1.0, 0.0)
    assert f_r <= f_o <= f_r * (1 + 1e-2)


# ------------------------------------------------------------- API
@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.zeros(20), "only one class"),
        (np.linspace(0, 1, 20), "Unknown label type"),
        (np.r_[np.zeros(10), np.ones(9), np.nan], "NaN"),
    ],
)
def test_bad_labels(y, match):
    X = np.random.default_rng(0).standard_normal((20, 3))
    with pytest.raises(ValueError, match=match):
        LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=match):
        sk.LogisticRegression().fit(X, y)


def test_inputs_not_modified_float32_memmap(tmp_path):
    X, y = _synthetic(300, 5, seed=7)
    X32 = np.asfortranarray(X, dtype=np.float32)
    sw = np.linspace(0.5, 2.0, len(y))
    copies = X32.copy(), y.copy(), sw.copy()
    est = LogisticRegression(C=1.0, class_weight="balanced", **TIGHT).fit(X32, y, sw)
    for a, b in zip((X32, y, sw), copies, strict=True):
        np.testing.assert_array_equal(a, b)
    assert est.coef_.dtype == np.float32
    ref = LogisticRegression(C=1.0, class_weight="balanced", **TIGHT).fit(
        X32.astype(np.float64), y, sw
    )
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-5)
    path = tmp_path / "X.dat"
    mm = np.memmap(path, dtype=np.float64, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    ro = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    a = LogisticRegression(**TIGHT).fit(ro, y)
    b = LogisticRegression(**TIGHT).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_predict_api_and_string_labels():
    X, y = _iris()
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    est = LogisticRegression().fit(X, labels)
    assert list(est.classes_) == list(labels[[0, 50, 100]])
    P = est.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(est.predict_log_proba(X), np.log(P))
    assert est.decision_function(X).shape == (150, 3)
    assert (est.predict(X) == labels).mean() > 0.9
    Xb, yb = _cancer()
    est = LogisticRegression().fit(Xb, np.where(yb == 1, "pos", "neg"))
    assert est.decision_function(Xb).shape == (len(yb),)


def test_deprecated_penalty():
    X, y = _cancer()
    new = LogisticRegression(C=0.1, l1_ratio=1.0, **TIGHT).fit(X, y)
    with pytest.warns(FutureWarning, match="'penalty' was deprecated"):
        old = LogisticRegression(penalty="l1", C=0.1, l1_ratio=1.0, **TIGHT).fit(X, y)
    np.testing.assert_array_equal(new.coef_, old.coef_)
    with pytest.warns(FutureWarning), pytest.warns(UserWarning, match="Inconsistent"):
        LogisticRegression(penalty="l1", C=0.1, **TIGHT).fit(X, y)
    with pytest.warns(FutureWarning):
        none = LogisticRegression(penalty=None, max_iter=3).fit(X[:, :3], y)
    inf = LogisticRegression(C=np.inf, max_iter=3).fit(X[:, :3], y)
    np.testing.assert_array_equal(none.coef_, inf.coef_)


def test_warm_start_and_callback():
    X, y = _cancer()
    est = LogisticRegression(C=0.5, l1_ratio=0.5, warm_start=True, **TIGHT).fit(X, y)
    first = est.n_iter_[0]
    est.fit(X, y)
    assert est.n_iter_[0] < first
    seen = []
    LogisticRegression(callback=lambda it, obj, viol: seen.append(obj) or it >= 2).fit(X, y)
    assert len(seen) == 2


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_tall_subsampled_curvature(l1_ratio, monkeypatch):
    # n >= 16 * 64 * (p + 1): the first Newton steps use a row-subsampled Gram matrix (on
    # the Python steps: the compiled small-problem solver would take this size)
    monkeypatch.setattr(_logistic, "_SMALL_NEWTON", 0)
    X, y = _synthetic(5000, 3, seed=8)
    assert _logistic._Curvature(*X.shape, True).sub
    ours = LogisticRegression(C=0.01, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    _check_agree(X, y, ours, _sk_ref(X, y, 0.01, l1_ratio), 0.01, l1_ratio, coef_rtol=1e-5)


def test_lbfgs_and_fused_epoch():
    X, y = _cancer()
    a = LogisticRegression(solver="lbfgs", tol=1e-10, max_iter=2000).fit(X, y)
    b = LogisticRegression(solver="newton", **TIGHT).fit(X, y)
    f_a = ref_logistic_objective(X, y, a.coef_, a.intercept_, 1.0, 0.0)
    f_b = ref_logistic_objective(X, y, b.coef_, b.intercept_, 1.0, 0.0)
    assert abs(f_a - f_b) <= 1e-8 * f_b
    Xi, yi = _iris()
    m = LogisticRegression(solver="lbfgs", tol=1e-10, max_iter=2000).fit(Xi, yi)
    r = LogisticRegression(**TIGHT).fit(Xi, yi)
    np.testing.assert_allclose(m.predict_proba(Xi), r.predict_proba(Xi), atol=1e-6)
    with pytest.raises(ValueError, match="L2"):
        LogisticRegression(solver="lbfgs", l1_ratio=0.5).fit(X, y)
    # the fused epoch equals the two separate passes
    rng = np.random.default_rng(0)
    w, sw = rng.standard_normal(X.shape[1]), rng.random(len(y))
    loss, GW, gB = _logistic._loss_grad(X, None, y.astype(float), sw, 2.0, w[None], [0.5])
    z = X @ w + 0.5
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(loss, sw @ (np.logaddexp(0, z) - y * z) / 2.0, rtol=1e-12)
    np.testing.assert_allclose(GW[0], X.T @ (sw * (p - y)) / 2.0, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gB[0], sw @ (p - y) / 2.0, rtol=1e-10)


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_small_compiled_newton_matches_python_steps(l1_ratio, fit_intercept, monkeypatch):
    # the one-call compiled solver of small problems and the Python steps solve the same
    # problem to the same point
    X, y = _synthetic(300, 8, seed=11)
    kw = dict(C=0.5, l1_ratio=l1_ratio, fit_intercept=fit_intercept, solver="newton", **TIGHT)
    small = LogisticRegression(**kw).fit(X, y)
    monkeypatch.setattr(_logistic, "_SMALL_NEWTON", 0)
    steps = LogisticRegression(**kw).fit(X, y)
    np.testing.assert_allclose(small.coef_, steps.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(small.intercept_, steps.intercept_, rtol=0, atol=1e-8)
    if l1_ratio == 1:
        np.testing.assert_array_equal(small.coef_ == 0, steps.coef_ == 0)
    if fit_intercept:  # the scikit-learn reference fits an intercept
        _check_agree(X, y, small, _sk_ref(X, y, 0.5, l1_ratio), 0.5, l1_ratio)


@pytest.mark.parametrize("classes", [2, 3])
def test_lbfgs_subsample_start(classes):
    # n >= 16 * 8 * K (p + 1): L-BFGS first solves on every 16th row, then on all rows
    X, y = _synthetic(6000, 4, seed=13)
    if classes == 3:
        y = y + (X[:, 1] > 0.5)
    assert X.shape[0] >= _logistic._LBFGS_SUB * _logistic._LBFGS_SUB_ROWS * 3 * 5
    a = LogisticRegression(solver="lbfgs", C=0.05, tol=1e-10, max_iter=2000).fit(X, y)
    b = LogisticRegression(solver="newton", C=0.05, **TIGHT).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    if classes == 2:
        _check_agree(X, y, a, _sk_ref(X, y, 0.05, 0.0), 0.05, 0.0)


def _spy_hessian(monkeypatch):
    calls = []
    real = _logistic._sampled_hessian

    def spy(*args):
        calls.append(args[4])  # the rows drawn
        return real(*args)

    monkeypatch.setattr(_logistic, "_sampled_hessian", spy)
    return calls


@pytest.mark.parametrize(
    "fit_intercept, weighted, dtype",
    [(True, False, np.float64), (False, True, np.float64), (True, True, np.float32)],
)
def test_lbfgs_tall_preconditioned(fit_intercept, weighted, dtype, monkeypatch):
    # binary, n >= 16 * 8 (p + 1) from zero: every 16th row, every 4th row, then all rows
    # with the sampled-Hessian metric; the result is scikit-learn's lbfgs at a tight tol
    calls = _spy_hessian(monkeypatch)
    rng = np.random.default_rng(21)
    X = rng.standard_normal((4000, 6))
    y = (X @ rng.standard_normal(6) > 0).astype(int)  # separable through the origin
    sw = rng.uniform(0.2, 2.0, len(y)) if weighted else None
    X = X.astype(dtype)
    kw = dict(C=0.5, fit_intercept=fit_intercept)
    ours = LogisticRegression(solver="lbfgs", tol=1e-10, max_iter=2000, **kw)
    ours.fit(X, y, sample_weight=sw)
    assert calls and calls[0] == int(_logistic._HESS_ROWS * 7)
    assert ours.coef_.dtype == dtype
    assert 0 < ours.n_iter_[0] <= 60
    X64 = X.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk.LogisticRegression(solver="lbfgs", tol=1e-13, max_iter=50_000, **kw)
        ref.fit(X64, y, sample_weight=sw)
    rtol = 1e-6 if dtype == np.float64 else 1e-4
    _check_agree(X64, y, ours, ref, 0.5, 0.0, sw, coef_rtol=rtol)


def test_lbfgs_tall_weights_repeat_rows_and_multinomial(monkeypatch):
    # integer sample weights fit as repeated rows; noisy labels and three classes keep the
    # route without the sampled Hessian (the metric is binary only) and match scikit-learn
    calls = _spy_hessian(monkeypatch)
    rng = np.random.default_rng(22)
    X = rng.standard_normal((3000, 5))
    y = (X @ rng.standard_normal(5) > 0.2).astype(int)  # separable
    reps = rng.integers(1, 3, len(y))
    kw = dict(solver="lbfgs", C=5.0, tol=1e-10, max_iter=2000)
    a = LogisticRegression(**kw).fit(X, y, sample_weight=reps)
    b = LogisticRegression(**kw).fit(np.repeat(X, reps, axis=0), np.repeat(y, reps))
    assert len(calls) >= 2
    f_a = ref_logistic_objective(X, y, a.coef_, a.intercept_, 5.0, 0.0, reps)
    f_b = ref_logistic_objective(X, y, b.coef_, b.intercept_, 5.0, 0.0, reps)
    assert abs(f_a - f_b) <= 1e-8 * f_b
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=0, atol=1e-6 * np.abs(b.coef_).max())
    calls.clear()
    Xn, yn = _synthetic(3000, 5, seed=23)  # noisy: the Hessian weights spread over all rows
    kw["C"] = 0.2
    ours = LogisticRegression(**kw).fit(Xn, yn)
    assert not calls
    _check_agree(Xn, yn, ours, _sk_ref(Xn, yn, 0.2, 0.0), 0.2, 0.0)
    y3 = yn + (Xn[:, 1] > 0.5)
    X = Xn
    with warnings.catch_warnings():  # scipy's lbfgs may stop on ftol just above 1e-10
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = LogisticRegression(**kw).fit(X, y3)
    assert not calls
    _check_agree(X, y3, m, _sk_ref(X, y3, 0.2, 0.0), 0.2, 0.0)


def test_lbfgs_tall_thread_count_independent(monkeypatch):
    import fastnorm

    calls = _spy_hessian(monkeypatch)
    import fastnorm._config

    monkeypatch.setattr(_logistic, "PARALLEL_MIN", 0)  # the parallel builds at this size too
    monkeypatch.setattr(fastnorm._config, "PARALLEL_MIN", 0)
    monkeypatch.setattr(_logistic, "_call", _logistic._Pace())
    rng = np.random.default_rng(24)
    X = rng.standard_normal((4200, 6))
    y = (X @ rng.standard_normal(6) > 0).astype(int)
    fits = []
    for nt in (1, None):
        fastnorm.set_num_threads(nt)
        try:
            fits.append(LogisticRegression(solver="lbfgs", C=2.0, tol=1e-8).fit(X, y))
        finally:
            fastnorm.set_num_threads(None)
    assert calls
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    np.testing.assert_array_equal(fits[0].intercept_, fits[1].intercept_)


def test_gram_t_blocks_kernel():
    from fastnorm._kernels import logistic as kl

    At = np.random.default_rng(5).standard_normal((12, 301))
    outs = []
    for build in (kl.gram_t_blocks.serial, kl.gram_t_blocks.parallel):
        G = np.empty((12, 12))
        build(At, G)
        outs.append(G)
    np.testing.assert_array_equal(outs[0], outs[1])
    np.testing.assert_allclose(outs[0], At @ At.T, rtol=1e-12, atol=1e-12)
    # float32 input: float32 sums (the preconditioner's), the same bits either build
    A32 = At.astype(np.float32)
    outs = []
    for build in (kl.gram_t_blocks.serial, kl.gram_t_blocks.parallel):
        G = np.empty((12, 12))
        build(A32, G)
        outs.append(G)
    np.testing.assert_array_equal(outs[0], outs[1])
    A64 = A32.astype(np.float64)
    np.testing.assert_allclose(outs[0], A64 @ A64.T, rtol=0, atol=1e-5 * 301)
    # the scaled, transposed row gather that feeds it (float32 X read as is)
    X = np.random.default_rng(6).standard_normal((50, 7)).astype(np.float32)
    idx, h = np.array([3, 4, 9, 20, 21, 22, 40, 41, 49], dtype=np.intp), np.arange(1.0, 10.0)
    out = np.zeros((8, idx.size))
    kl.gather_rows_t.parallel(X, idx, h, True, out)
    np.testing.assert_array_equal(out[:7], (X[idx].astype(np.float64) * h[:, None]).T)
    np.testing.assert_array_equal(out[7], h)


def test_serial_and_parallel_passes_bit_identical():
    # _Pace picks the serial or the parallel build by measured speed: they must agree bit
    # for bit, or the choice would change results
    from fastnorm._kernels import logistic as kl

    rng = np.random.default_rng(12)
    for n, p in [(5000, 10), (3001, 37)]:
        X = rng.standard_normal((n, p))
        X = X if p == 10 else np.asfortranarray(X)
        y, sw, w = (rng.random(n) > 0.5) * 1.0, rng.random(n), rng.standard_normal(p)
        G = _logistic._groups(n)
        outs = []
        for build in (kl.binom_fused_rows.serial, kl.binom_fused_rows.parallel):
            g, z = np.empty(p), np.empty(n)
            outs.append((build(X, w, 0.3, y, sw, G, g, z), g, z))
        assert outs[0][0] == outs[1][0]
        np.testing.assert_array_equal(outs[0][1], outs[1][1])
        np.testing.assert_array_equal(outs[0][2], outs[1][2])
        for k, args in [(kl.matvec_rows, (X, w, 0.3, G)), (kl.rmatvec_rows, (X, sw, G))]:
            a = np.empty(n if k is kl.matvec_rows else p)
            b = np.empty_like(a)
            k.serial(*args, a)
            k.parallel(*args, b)
            np.testing.assert_array_equal(a, b)


def test_thread_count_independent(monkeypatch):
    import fastnorm

    monkeypatch.setattr(_logistic, "_SMALL_NEWTON", 0)  # the parallel passes, not one call
    X, y = _synthetic(4096, 20, seed=9)  # enough rows for several groups, parallel builds
    fits = []
    for nt in (1, None):
        fastnorm.set_num_threads(nt)
        try:
            fits.append(LogisticRegression(C=0.1, l1_ratio=0.5, solver="newton").fit(X, y))
        finally:
            fastnorm.set_num_threads(None)
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)
    np.testing.assert_array_equal(fits[0].intercept_, fits[1].intercept_)


@pytest.mark.parametrize("classes", [2, 3])
def test_auto_lbfgs_falls_back_to_newton(classes, monkeypatch):
    # badly scaled columns: auto's L-BFGS stops at its iteration cap and Newton finishes
    # from its point; the result is the optimum all the same
    monkeypatch.setattr(_logistic, "_LBFGS_MIN", 1)
    monkeypatch.setattr(_logistic, "_AUTO_LBFGS_ITERS", 2)
    X, y = _synthetic(400, 6, seed=3)
    X = X * np.array([1.0, 3.0, 10.0, 30.0, 100.0, 0.3])
    if classes == 3:
        y = y + (X[:, 0] > 0.5)
    calls = []
    for name in ("_newton_binary", "_newton_multi"):
        real = getattr(_logistic, name)
        monkeypatch.setattr(
            _logistic, name, lambda *a, _r=real, **k: calls.append(1) or _r(*a, **k)
        )
    a = LogisticRegression(C=0.5, **TIGHT).fit(X, y)
    assert calls and a.n_iter_[0] > 2
    b = LogisticRegression(solver="newton", C=0.5, **TIGHT).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-8)
    if classes == 2:
        _check_agree(X, y, a, _sk_ref(X, y, 0.5, 0.0), 0.5, 0.0)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_X_on_deferred_check(bad):
    # binary L-BFGS leaves X's NaN/inf check to its passes: scikit-learn's error wherever
    # the value is (a row of the 1/16 and 1/4 subsamples or not, a zero-weight row), on the
    # tall route and the plain one, and X unchanged
    rng = np.random.default_rng(31)
    X0 = rng.standard_normal((4000, 6))
    y = (X0 @ rng.standard_normal(6) > 0).astype(int)
    for rows, row in ((4000, 0), (4000, 4001 // 2), (4000, 3999), (60, 7)):
        X = X0[:rows].copy()
        X[row, 2] = bad
        X_before = X.copy()
        sw = np.ones(rows)
        sw[row] = 0.0
        for solver, C, weights in (("lbfgs", 1.0, None), ("auto", np.inf, sw)):
            with pytest.raises(ValueError, match="Input X contains") as ours:
                LogisticRegression(solver=solver, C=C).fit(X, y[:rows], weights)
            with pytest.raises(ValueError, match="Input X contains") as ref:
                sk.LogisticRegression(C=C).fit(X, y[:rows], weights)
            assert str(ours.value).split("\n")[0] == str(ref.value).split("\n")[0]
        np.testing.assert_array_equal(X, X_before)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_newton_l1_orthant_step(fit_intercept, monkeypatch):
    # separable data, L1: the solution is large and dense, the Newton model ill-conditioned;
    # the exact step on the support's orthant (a Cholesky solve) is taken when it keeps the
    # signs and the zeros' conditions, and the fit is scikit-learn's (liblinear: the same
    # objective without an intercept; saga with one) and the coordinate-descent steps'
    calls = []
    orig = _logistic._orthant_step

    def spy(*args):
        d = orig(*args)
        calls.append(d is not None)
        return d

    monkeypatch.setattr(_logistic, "_orthant_step", spy)
    rng = np.random.default_rng(41)
    X = rng.standard_normal((300, 6))
    y = (X @ rng.standard_normal(6) > 0.1).astype(int)
    kw = dict(C=2.0, l1_ratio=1.0, fit_intercept=fit_intercept)
    # a callback keeps the Python steps (the compiled small-problem solver has no such step)
    ours = LogisticRegression(solver="newton", callback=lambda *a: False, **TIGHT, **kw)
    ours.fit(X, y)
    assert any(calls)
    monkeypatch.setattr(_logistic, "_orthant_step", lambda *a: None)
    cd = LogisticRegression(solver="newton", callback=lambda *a: False, **TIGHT, **kw)
    cd.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        solver = "saga" if fit_intercept else "liblinear"
        ref = sk.LogisticRegression(solver=solver, tol=1e-13, max_iter=100_000, **kw)
        ref.fit(X, y)
    _check_agree(X, y, ours, ref, 2.0, 1.0, coef_rtol=1e-5)
    _check_agree(X, y, ours, cd, 2.0, 1.0)
