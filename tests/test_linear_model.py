"""fastnorm.linear_model (Lasso, ElasticNet, Ridge, fused_epoch) against scikit-learn."""

from __future__ import annotations

import multiprocessing
import pickle
import subprocess
import sys
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import linear_model as sk  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_diabetes  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import fastnorm  # noqa: E402
from fastnorm._kernels import epoch as K  # noqa: E402
from fastnorm.linear_model import (  # noqa: E402
    ElasticNet,
    Lasso,
    LinearRegression,
    Ridge,
    fused_epoch,
)
from fastnorm.linear_model._data import NumpyPass  # noqa: E402
from fastnorm.penalties import L1, L2  # noqa: E402
from fastnorm.penalties import ElasticNet as ENetPenalty  # noqa: E402

TIGHT = dict(tol=1e-12, max_iter=200_000)


# ----------------------------------------------------------------------------- data
def _make(kind: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    if kind == "diabetes":
        return load_diabetes(return_X_y=True)
    if kind == "n>>p":
        X = rng.standard_normal((2000, 20))
        w = np.zeros(20)
        w[:5] = 3 * rng.normal(size=5)
    elif kind == "p>n":
        X = rng.standard_normal((50, 120))
        w = np.zeros(120)
        w[:8] = 3 * rng.normal(size=8)
    elif kind == "corr":
        Z = rng.standard_normal((300, 30))
        idx = np.arange(30)
        C = 0.9 ** np.abs(np.subtract.outer(idx, idx))
        X = Z @ np.linalg.cholesky(C).T + 3.0
        w = np.zeros(30)
        w[::6] = 2.0
    else:  # pragma: no cover
        raise ValueError(kind)
    y = X @ w + rng.normal(size=X.shape[0]) + 1.0
    return X, y


def _enet_obj(X, y, coef, b, alpha, l1_ratio, sw=None):
    r = y - X @ coef - b
    sw = np.ones(len(y)) if sw is None else sw / sw.mean()
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    return 0.5 * np.mean(sw * r * r) + l1 * np.abs(coef).sum() + 0.5 * l2 * coef @ coef


# -------------------------------------------------------------------- check_estimator
@parametrize_with_checks(
    [
        Lasso(),
        ElasticNet(),
        Ridge(),
        Lasso(solver="stream"),
        ElasticNet(solver="stream", l1_ratio=0.2),
        Ridge(solver="stream", tol=1e-10),
        LinearRegression(),
    ],
    # scikit-learn marks the same check for its own Ridge: a direct solve has n_iter_ None
    expected_failed_checks=lambda est: (
        {"check_non_transformer_estimators_n_iter": "direct solve: n_iter_ is None"}
        if type(est).__name__ == "Ridge" and est.solver == "auto"
        else {}
    ),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# ------------------------------------------------------------- agreement with sklearn
@pytest.mark.parametrize("kind", ["diabetes", "n>>p", "p>n", "corr"])
@pytest.mark.parametrize("solver", ["stream", "gram"])
@pytest.mark.parametrize("alpha", [0.05, 0.5])
def test_lasso_matches_sklearn(kind, solver, alpha):
    X, y = _make(kind)
    if kind == "diabetes":
        alpha *= 0.1
    ours = Lasso(alpha=alpha, solver=solver, **TIGHT).fit(X, y)
    ref = sk.Lasso(alpha=alpha, **TIGHT).fit(X, y)
    f_ours = _enet_obj(X, y, ours.coef_, ours.intercept_, alpha, 1.0)
    f_ref = _enet_obj(X, y, ref.coef_, ref.intercept_, alpha, 1.0)
    assert abs(f_ours - f_ref) <= 1e-8 * abs(f_ref)
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    np.testing.assert_allclose(
        ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6 * np.abs(ref.coef_).max()
    )
    assert ours.coef_.dtype == np.float64 and ours.coef_.shape == (X.shape[1],)
    assert ours.dual_gap_ <= 1e-12 * np.var(y) + 1e-15
    assert ours.objective_path_[-1] == pytest.approx(f_ours, rel=1e-10)
    assert len(ours.objective_path_) >= 1 and ours.n_iter_ >= 1


@pytest.mark.parametrize("kind", ["diabetes", "p>n", "corr"])
@pytest.mark.parametrize("solver", ["stream", "gram"])
@pytest.mark.parametrize("positive", [False, True])
def test_enet_matches_sklearn(kind, solver, positive):
    X, y = _make(kind, seed=1)
    alpha, l1_ratio = (0.01, 0.3) if kind == "diabetes" else (0.2, 0.7)
    kw = dict(alpha=alpha, l1_ratio=l1_ratio, positive=positive, **TIGHT)
    ours = ElasticNet(solver=solver, **kw).fit(X, y)
    ref = sk.ElasticNet(**kw).fit(X, y)
    f_ours = _enet_obj(X, y, ours.coef_, ours.intercept_, alpha, l1_ratio)
    f_ref = _enet_obj(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio)
    assert abs(f_ours - f_ref) <= 1e-8 * abs(f_ref)
    if positive:
        assert (ours.coef_ >= 0).all()


@pytest.mark.parametrize("kind", ["diabetes", "p>n", "corr"])
@pytest.mark.parametrize("solver", ["stream", "gram"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_matches_sklearn(kind, solver, fit_intercept):
    X, y = _make(kind, seed=2)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    # the ridge gap bounds the objective, not the coefficients: tighter tol than Lasso's
    ours = Ridge(alpha=2.0, solver=solver, fit_intercept=fit_intercept, tol=1e-16, max_iter=10**5)
    ours.fit(X, y, sample_weight=sw)
    ref = sk.Ridge(alpha=2.0, fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    # objective in Ridge's own scale
    r = y - X @ ours.coef_ - ours.intercept_
    obj = sw @ (r * r) + 2.0 * ours.coef_ @ ours.coef_
    assert ours.objective_path_[-1] == pytest.approx(obj, rel=1e-8)
    r_ref = y - X @ ref.coef_ - ref.intercept_
    obj_ref = sw @ (r_ref * r_ref) + 2.0 * ref.coef_ @ ref.coef_
    assert abs(obj - obj_ref) <= 1e-10 * obj_ref
    if solver == "gram" or fit_intercept:  # (no intercept + offset columns: ill-conditioned)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["diabetes", "p>n", "corr"])
@pytest.mark.parametrize("solver", ["stream", "gram"])
def test_linear_regression_matches_sklearn(kind, solver):
    X, y = _make(kind, seed=6)
    if kind == "corr":  # rank-deficient: a duplicated column -> minimum-norm solution
        X = np.column_stack([X, X[:, :1]])
    sw = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    ours = LinearRegression(solver=solver, tol=1e-20, max_iter=20_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # p>n stream: slow tail
        ours.fit(X, y, sample_weight=sw)
    ref = sk.LinearRegression().fit(X, y, sample_weight=sw)
    r, r_ref = y - ours.predict(X), y - ref.predict(X)
    f, f_ref = sw @ (r * r), sw @ (r_ref * r_ref)
    assert f - f_ref <= 1e-8 * max(f_ref, 1e-8 * (sw @ (y - y.mean()) ** 2))
    if kind != "p>n" or solver == "gram":
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


def test_ridge_alpha_per_target():
    X, y = _make("n>>p")
    Y = np.column_stack([y, 2 * y])
    alpha = np.array([1.0, 50.0])
    ours = Ridge(alpha=alpha).fit(X, Y)
    ref = sk.Ridge(alpha=alpha).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8)
    with pytest.raises(ValueError, match="do not correspond"):
        Ridge(alpha=[1.0, 2.0, 3.0]).fit(X, Y)


def test_fit_intercept_false_and_multitarget():
    X, y = _make("n>>p")
    Y = np.column_stack([y, -2 * y + 1])
    ours = Lasso(alpha=0.1, fit_intercept=False, solver="stream", **TIGHT).fit(X, Y)
    ref = sk.Lasso(alpha=0.1, fit_intercept=False, **TIGHT).fit(X, Y)
    assert ours.coef_.shape == (2, 20) and ours.intercept_ == 0.0
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-9)
    assert len(ours.n_iter_) == 2 and ours.dual_gap_.shape == (2,)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-6, atol=1e-6)
    ours = Ridge(alpha=1.0).fit(X, Y)
    assert ours.intercept_.shape == (2,)


# --------------------------------------------------------------------- weights, dtypes
@pytest.mark.parametrize("Est", [Lasso, ElasticNet, Ridge])
@pytest.mark.parametrize("solver", ["stream", "gram"])
def test_sample_weight_equals_repetition(Est, solver):
    X, y = _make("corr")
    X, y = X[:60], y[:60]
    sw = np.random.default_rng(0).integers(0, 4, size=60)
    Xr, yr = np.repeat(X, sw, axis=0), np.repeat(y, sw)
    kw = dict(alpha=0.05, solver=solver, **TIGHT)
    a = Est(**kw).fit(X, y, sample_weight=sw)
    b = Est(**kw).fit(Xr, yr)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-6, atol=1e-8)


def test_sample_weight_matches_sklearn():
    X, y = load_diabetes(return_X_y=True)
    sw = np.random.default_rng(5).uniform(0.1, 3.0, size=len(y))
    ours = Lasso(alpha=0.02, solver="stream", **TIGHT).fit(X, y, sample_weight=sw)
    ref = sk.Lasso(alpha=0.02, **TIGHT).fit(X, y, sample_weight=sw)
    f = [_enet_obj(X, y, m.coef_, m.intercept_, 0.02, 1.0, sw) for m in (ours, ref)]
    assert abs(f[0] - f[1]) <= 1e-8 * f[1]
    assert ours.dual_gap_ == pytest.approx(ref.dual_gap_, abs=1e-8)


@pytest.mark.parametrize("solver", ["stream", "gram", "sgd"])
def test_float32_stays_float32(solver):
    X, y = _make("n>>p")
    X32 = X.astype(np.float32)
    kw = dict(alpha=0.1, solver=solver, tol=1e-8, max_iter=5000, random_state=0)
    m32 = Lasso(**kw).fit(X32, y)
    m64 = Lasso(**kw).fit(X32.astype(np.float64), y)
    assert m32.coef_.dtype == np.float32
    assert isinstance(m32.intercept_, np.float32)
    assert m32.predict(X32).dtype == np.float32
    np.testing.assert_allclose(m32.coef_, m64.coef_, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", ["stream", "sgd"])
def test_layouts_and_inputs_unchanged(dtype, solver):
    X, y = _make("corr")
    X = X.astype(dtype)
    results = []
    Xs = np.repeat(X, 2, axis=0)[::2]  # row-strided view, equal values
    Xn = X[::-1][::-1]  # through a negative-stride view
    for Xl in (np.ascontiguousarray(X), np.asfortranarray(X), Xs, Xn, X[:, ::-1].T.T[:, ::-1]):
        X0, y0 = Xl.copy(), y.copy()
        m = ElasticNet(alpha=0.1, solver=solver, random_state=0, tol=1e-10, max_iter=3000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m.fit(Xl, y)
        np.testing.assert_array_equal(Xl, X0)
        np.testing.assert_array_equal(y, y0)
        results.append(m.coef_)
    rtol = 1e-9 if solver == "stream" else 1e-6
    for r in results[1:]:
        np.testing.assert_allclose(r, results[0], rtol=rtol, atol=1e-7)


def test_memmap_input(tmp_path):
    X, y = _make("n>>p")
    for order in "CF":
        path = tmp_path / f"X_{order}.npy"
        np.save(path, np.asarray(X, order=order))
        Xm = np.load(path, mmap_mode="r")
        assert not Xm.flags.writeable
        for solver in ("stream", "gram"):
            m = Lasso(alpha=0.1, solver=solver, **TIGHT).fit(Xm, y)
            ref = Lasso(alpha=0.1, solver=solver, **TIGHT).fit(X, y)
            np.testing.assert_allclose(m.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
        del Xm


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("Est", [Lasso, Ridge])
def test_no_copy_of_X(order, Est):
    rng = np.random.default_rng(0)
    X = np.asarray(rng.standard_normal((40_000, 50)), order=order)  # 16 MB
    y = X[:, 0] + 0.1 * rng.standard_normal(40_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Est(alpha=0.1, solver="stream", max_iter=1).fit(X, y)  # compile outside
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        Est(alpha=0.1, solver="stream", max_iter=20).fit(X, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < X.nbytes / 8, (peak, X.nbytes)


def test_numpy_pass_uses_X_in_place():
    X = np.asfortranarray(np.ones((10, 3)))
    assert NumpyPass(X, np.zeros(10), None).X is X
    Xc = np.ones((10, 3))
    assert NumpyPass(Xc, np.zeros(10), None).X is Xc


# -------------------------------------------------------------- solver behaviour / API
def test_warm_start_and_callback_and_verbose(capsys):
    X, y = _make("corr")
    m = Lasso(alpha=0.1, warm_start=True, solver="stream", tol=1e-10).fit(X, y)
    m.fit(X, y)
    assert m.n_iter_ == 0
    seen = []

    def cb(epoch, objective, gap):
        seen.append((epoch, objective, gap))
        return epoch >= 3

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # stopping early does not warn
        m = Lasso(alpha=0.1, solver="stream", callback=cb, tol=1e-14, verbose=1).fit(X, y)
    assert m.n_iter_ == seen[-1][0] and seen[-1][0] <= 6
    assert [s[1] for s in seen] == list(m.objective_path_[1:])
    assert "objective" in capsys.readouterr().out


def test_convergence_warning_carries_gap():
    X, y = _make("corr")
    with pytest.warns(ConvergenceWarning, match="Duality gap: .*tolerance"):
        m = Lasso(alpha=0.01, solver="stream", max_iter=3, tol=1e-12).fit(X, y)
    assert m.n_iter_ == 3 and m.dual_gap_ > 0
    assert np.all(np.isfinite(m.coef_))


def test_objective_path_decreases_to_optimum():
    X, y = _make("p>n")
    m = Lasso(alpha=0.1, solver="stream", **TIGHT).fit(X, y)
    path = m.objective_path_
    assert path[-1] <= path[0] and path[-1] == pytest.approx(path.min(), rel=1e-12)


def test_auto_solver_choice():
    # exact coordinate descent (scikit-learn's algorithm) on tall data or small p, the working
    # set on wide data (bench/README.md)
    X, y = _make("n>>p")
    assert Lasso(alpha=0.1).fit(X, y).solver_ == "gram"
    X, y = _make("p>n")
    assert Lasso(alpha=0.1).fit(X, y).solver_ == "gram"  # p <= 128
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 2049))
    m = Lasso(alpha=0.5).fit(X, X[:, 0])
    assert m.solver_ == "workset"


@pytest.mark.parametrize("Est", [Lasso, ElasticNet])
@pytest.mark.parametrize("batch_size", [1, 16])
def test_sgd_solver(Est, batch_size):
    X, y = _make("n>>p")
    X, y = X[:800], y[:800]
    ref = Est(alpha=0.3, solver="gram", **TIGHT).fit(X, y)
    m = Est(alpha=0.3, solver="sgd", batch_size=batch_size, random_state=0, tol=1e-10)
    m.fit(X, y)  # variance-reduced: converges to the gap tolerance, no warning
    assert m.n_iter_ < 100
    f = ref.objective_path_[-1]
    assert m.objective_path_[-1] == pytest.approx(f, rel=1e-9)
    np.testing.assert_array_equal(m.coef_ == 0, ref.coef_ == 0)  # exact zeros (prox)


def test_sgd_plain_rule_solver():
    from fastnorm.linear_model._problem import Problem
    from fastnorm.linear_model._stream import sgd

    X, y = _make("n>>p")
    prob = Problem.from_pass(NumpyPass(X[:800], y[:800], None), 0.3, 0.0, False, True)
    ref = Lasso(alpha=0.3, solver="gram", **TIGHT).fit(X[:800], y[:800])
    res = sgd(prob, np.zeros(20), 40, 1e-12, variance_reduction=False, random_state=0)
    assert res.objectives[-1] == pytest.approx(ref.objective_path_[-1], rel=1e-4)
    assert (res.w == 0).sum() >= 1


def test_sgd_diverging_rate_recovers():
    X, y = _make("n>>p")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = Lasso(alpha=0.1, solver="sgd", eta0=1e6, random_state=0, max_iter=40).fit(X, y)
    assert np.all(np.isfinite(m.coef_))
    assert m.objective_path_[-1] < m.objective_path_[0]


def test_sgd_kernel_rules():
    # the notes' subgradient rule oscillates around 0 and never lands on it; the prox rule
    # sets coefficients to exactly 0
    rng = np.random.default_rng(0)
    X = rng.standard_normal((500, 5))
    y = X[:, 0] * 2 + 0.1 * rng.standard_normal(500)
    order = np.arange(500, dtype=np.int64)
    zeros, e = np.zeros(5), np.empty(0)
    for proximal in (True, False):
        w = np.zeros(5)
        for _ in range(5):  # l1 = 0.25: the notes' lam1 = 0.5 on twice the objective
            K.sgd_epoch_rows(X, y, e, order, w, zeros, 0.0, 0.01, 0.25, 0.0, proximal, False, 1,
                             e, e)  # fmt: skip
        assert abs(w[0] - 1.75) < 0.1
        assert ((w[1:] == 0).sum() >= 2) == proximal


def test_overflow_raises_not_nan():
    X, y = _make("n>>p")
    X = X * 1e200
    with pytest.raises(ValueError, match="non-finite|large values"):
        Lasso(alpha=0.1, solver="stream").fit(X, y)


def test_sklearn_tools():
    X, y = load_diabetes(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), Lasso(solver="stream"))
    gs = GridSearchCV(pipe, {"lasso__alpha": [0.1, 1.0]}, cv=3).fit(X, y)
    assert gs.best_score_ > 0.3
    m = Lasso(alpha=0.1).fit(X, y)
    m2 = pickle.loads(pickle.dumps(m))
    np.testing.assert_array_equal(m.predict(X), m2.predict(X))
    assert clone(m).get_params() == m.get_params()


# ------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("Est", [Lasso, ElasticNet, Ridge])
def test_bad_input_messages_match_sklearn(Est):
    X, y = _make("n>>p")
    SkEst = getattr(sk, Est.__name__)
    cases = []
    Xn = X.copy()
    Xn[3, 4] = np.nan
    cases.append((Xn, y, {}))
    Xi = X.copy()
    Xi[0, 0] = np.inf
    cases.append((Xi, y, {}))
    yn = y.copy()
    yn[5] = np.nan
    cases.append((X, yn, {}))
    cases.append((X[:-1], y, {}))
    cases.append((X, y, {"alpha": -1.0}))
    if Est is ElasticNet:
        cases.append((X, y, {"l1_ratio": 1.5}))
    cases.append((X, y, {"sample_weight": np.ones(3)}))
    for Xb, yb, kw in cases:
        sw = kw.pop("sample_weight", None)
        with pytest.raises(Exception) as ref:
            SkEst(**kw).fit(Xb, yb, sample_weight=sw)
        with pytest.raises(type(ref.value)) as ours:
            Est(**kw).fit(Xb, yb, sample_weight=sw)
        assert str(ours.value).replace(Est.__name__, "E") == str(ref.value).replace(
            SkEst.__name__, "E"
        )


def test_sparse_rejected():
    sparse = pytest.importorskip("scipy.sparse")
    X, y = _make("n>>p")
    with pytest.raises(TypeError, match="dense data is required"):
        Lasso().fit(sparse.csr_matrix(X), y)


def test_one_sample_like_sklearn():
    X, y = np.array([[1.0, 2.0]]), np.array([3.0])
    ours = Lasso().fit(X, y)
    ref = sk.Lasso().fit(X, y)
    np.testing.assert_array_equal(ours.coef_, ref.coef_)
    assert ours.intercept_ == ref.intercept_
    with pytest.raises(ValueError, match="minimum of 1 is required"):
        Lasso().fit(np.empty((0, 2)), np.empty(0))


# ----------------------------------------------------------------- fused_epoch / kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_epoch_matches_numpy(dtype, order, weighted):
    rng = np.random.default_rng(0)
    X = np.asarray(rng.standard_normal((3000, 17)), dtype=dtype, order=order)
    y = rng.standard_normal(3000)
    w = rng.standard_normal(17)
    sw = rng.uniform(0, 2, 3000) if weighted else None
    X64 = X.astype(np.float64)
    r = X64 @ w + 0.5 - y
    s = np.ones(3000) if sw is None else sw
    res_out = np.empty(3000)
    res = fused_epoch(X, y, w.copy(), 0.5, sample_weight=sw, residual=res_out)
    np.testing.assert_allclose(res.loss, s @ (r * r) / s.sum(), rtol=1e-12)
    np.testing.assert_allclose(res.grad, 2 * X64.T @ (s * r) / s.sum(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.grad_intercept, 2 * s @ r / s.sum(), rtol=1e-10)
    np.testing.assert_allclose(res_out, r, rtol=1e-12, atol=1e-12)
    assert res.grad.dtype == np.float64 and res.grad.shape == (17,)


@pytest.mark.parametrize("pen", [L1(0.05), L2(0.05), ENetPenalty(0.05, 0.5)])
@pytest.mark.parametrize("proximal", [True, False])
def test_fused_epoch_step_in_place(pen, proximal):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 6))
    y = X[:, 0] - 2 * X[:, 1] + 0.5
    w = rng.standard_normal(6)
    w0 = w.copy()
    res = fused_epoch(X, y, w, 0.3, lr=0.1, penalty=pen, proximal=proximal)
    r = X @ w0 + 0.3 - y
    g = 2 * X.T @ r / 200
    expect = pen.prox(w0 - 0.1 * g, 0.1) if proximal else w0 - 0.1 * (g + pen.subgradient(w0))
    np.testing.assert_allclose(w, expect, rtol=1e-12)
    assert res.intercept == pytest.approx(0.3 - 0.1 * 2 * r.mean())
    assert res.objective == pytest.approx(np.mean(r * r) + pen.value(w0))


def test_fused_epoch_bad_input():
    X = np.ones((5, 2))
    with pytest.raises(ValueError, match="inconsistent"):
        fused_epoch(X, np.ones(4), np.zeros(2))
    with pytest.raises(ValueError, match="coef"):
        fused_epoch(X, np.ones(5), np.zeros(3))
    w = np.zeros(2)
    w.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        fused_epoch(X, np.ones(5), w, lr=0.1)
    with pytest.raises(FloatingPointError):
        fused_epoch(X * 1e300, np.ones(5), np.ones(2), lr=1e300)


def test_results_do_not_depend_on_thread_count():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100_000, 8))  # above PARALLEL_MIN: parallel build
    y = rng.standard_normal(100_000)
    w = rng.standard_normal(8)
    data = NumpyPass(X, y, None)
    fastnorm.set_num_threads(1)
    try:
        a = data.epoch(w, 0.1)
    finally:
        fastnorm.set_num_threads(None)
    b = data.epoch(w, 0.1)
    c = K.epoch_lsq_rows.parallel  # the parallel build equals the serial one bit for bit
    g, s = np.empty(8), np.empty(3)
    c(X, y, np.empty(0), w, 0.1, data.rpb, g, s, np.empty(0), np.empty(0), np.empty(0))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[0], g)
    assert a[1:] == b[1:]


def _fit_task(seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((20_000, 8))  # 160,000 elements: the parallel kernels run
    y = X[:, 0] - X[:, 3] + rng.standard_normal(20_000)
    m = Lasso(alpha=0.1, solver="stream", tol=1e-10).fit(X, y)
    return m.coef_


def test_thread_pool():
    expected = [_fit_task(s) for s in range(3)]
    with ThreadPoolExecutor(4) as ex:
        got = list(ex.map(_fit_task, [0, 1, 2, 0, 1, 2]))  # concurrent callers
    for i, g in enumerate(got):
        np.testing.assert_allclose(g, expected[i % 3], rtol=1e-12)


def test_fork():
    expected = _fit_task(0)  # the parent has started the threading layer
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        got = pool.map_async(_fit_task, [0, 1]).get(timeout=240)
    np.testing.assert_allclose(got[0], expected, rtol=1e-12)


def test_import_guard_without_sklearn():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "import fastnorm\n"
        "assert 'sklearn' not in [m.split('.')[0] for m in sys.modules if sys.modules[m]]\n"
        "try:\n"
        "    import fastnorm.linear_model\n"
        "except ImportError as e:\n"
        "    assert 'pip install fastnorm[sklearn]' in str(e), e\n"
        "else:\n"
        "    raise SystemExit('no ImportError')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.parametrize("weighted", [False, True])
def test_first_epoch_computes_moments_in_the_same_pass(weighted):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((1001, 13)) + 2.0
    y = rng.standard_normal(1001)
    sw = rng.uniform(0.5, 2, 1001) if weighted else None
    w = rng.standard_normal(13)
    fused = NumpyPass(X, y, sw)
    raw = fused.epoch_with_moments(w, 0.7)
    ref = NumpyPass(X, y, sw)
    m, m_ref = fused.moments(), ref.moments()
    np.testing.assert_allclose(m.colsum, m_ref.colsum, rtol=1e-13)
    np.testing.assert_allclose(m.colsq, m_ref.colsq, rtol=1e-13)
    assert (m.sw_sum, m.y_sum, m.yy) == (m_ref.sw_sum, m_ref.y_sum, m_ref.yy)
    raw_ref = ref.epoch(w, 0.7)
    np.testing.assert_allclose(raw[0], raw_ref[0], rtol=1e-13)
    np.testing.assert_allclose(raw[1:], raw_ref[1:], rtol=1e-13)


def test_sklearn_parameter_names_accepted():
    X, y = _make("p>n")
    m = Lasso(alpha=0.1, precompute=True, selection="random", **TIGHT).fit(X, y)
    assert m.solver_ == "gram"
    assert m.sparse_coef_.shape == (1, X.shape[1])
    assert m.sparse_coef_.nnz == int((m.coef_ != 0).sum())
    ref = sk.Lasso(alpha=0.1, precompute=True, selection="random", random_state=0, **TIGHT)
    np.testing.assert_allclose(m.coef_, ref.fit(X, y).coef_, atol=1e-6)
    X, y = _make("n>>p")
    # every scikit-learn Ridge solver name gets the exact direct solve
    for name, ours in [("cholesky", "gram"), ("svd", "gram"), ("lsqr", "gram"), ("sag", "gram")]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            r = Ridge(alpha=1.0, solver=name, random_state=0).fit(X, y)
        assert r.solver_ == ours
        np.testing.assert_allclose(r.coef_, sk.Ridge(alpha=1.0).fit(X, y).coef_, atol=1e-10)


@pytest.mark.parametrize("solver", ["stream", "gram"])
def test_ridge_positive_matches_sklearn(solver):
    X, y = _make("corr", seed=8)
    y = y - 2 * X[:, 3]  # one coefficient would be negative
    ours = Ridge(alpha=3.0, positive=True, solver=solver, tol=1e-14, max_iter=10**5).fit(X, y)
    ref = sk.Ridge(alpha=3.0, positive=True, tol=1e-12).fit(X, y)
    assert (ours.coef_ >= 0).all()

    def obj(m):
        r = y - X @ m.coef_ - m.intercept_
        return r @ r + 3.0 * m.coef_ @ m.coef_

    assert obj(ours) <= obj(ref) * (1 + 1e-8)
