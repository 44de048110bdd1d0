"""The model core: one fit loop over NumPy and Dask backends, the solver registry, exact
Ridge, random coordinate selection, and the fit-level defects of issue 16 (each test
names the case it keeps fixed).  References: scikit-learn's estimators."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sk = pytest.importorskip("sklearn.linear_model")
import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

import fastnorm  # noqa: E402
from fastnorm.linear_model import (  # noqa: E402
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LinearRegression,
    Ridge,
    _solvers,  # noqa: E402
)


def _data(n, p, seed=0, weights=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5
    y = X[:, : min(p, 5)] @ np.arange(1.0, min(p, 5) + 1) + rng.standard_normal(n) + 2.0
    sw = rng.uniform(0.2, 2.0, n) if weights else None
    return X, y, sw


# --------------------------------------------------------------------- exact Ridge
@pytest.mark.parametrize("shape", [(60, 200), (200, 20)], ids=["p>n", "n>p"])
@pytest.mark.parametrize("weights", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_default_equals_sklearn(shape, weights, fit_intercept):
    X, y, sw = _data(*shape, weights=weights)
    ours = Ridge(alpha=1.0, fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    ref = sk.Ridge(alpha=1.0, fit_intercept=fit_intercept).fit(X, y, sample_weight=sw)
    assert ours.solver_ == ("dual" if shape[1] > shape[0] else "gram")
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-10)
    assert abs(ours.intercept_ - ref.intercept_) <= 1e-10


def test_ridge_dual_multitarget_per_target_alpha():
    X, y, _ = _data(30, 80)
    Y = np.stack([y, -y + 1.0], axis=1)
    ours = Ridge(alpha=[0.5, 3.0]).fit(X, Y)
    ref = sk.Ridge(alpha=[0.5, 3.0]).fit(X, Y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-10)


def test_ridge_alpha0_small_no_intercept():
    # issue 16: Ridge(alpha=0, fit_intercept=False) on 5 x 4 stopped after 17 epochs, 43% off
    X, y, _ = _data(5, 4, seed=3)
    ours = Ridge(alpha=0, fit_intercept=False).fit(X, y)
    ref = sk.Ridge(alpha=0, fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-12)


def test_ridge_positive_as_accurate_as_sklearn():
    # issue 16: Ridge(alpha=1, positive=True) was 3.6e-3 from scikit-learn (stream at tol)
    from scipy.optimize import nnls

    rng = np.random.RandomState(0)
    X = np.abs(rng.randn(100, 10))
    y = X @ rng.randn(10) + rng.randn(100)
    ours = Ridge(alpha=1.0, positive=True).fit(X, y)
    ref = sk.Ridge(alpha=1.0, positive=True).fit(X, y)
    # the exact constrained solution: NNLS on the centred data stacked with sqrt(alpha) I
    A = np.vstack([X - X.mean(0), np.eye(10)])
    exact, _ = nnls(A, np.r_[y - y.mean(), np.zeros(10)])
    assert np.abs(ours.coef_ - exact).max() <= max(np.abs(ref.coef_ - exact).max(), 1e-9)
    np.testing.assert_allclose(ours.coef_, exact, atol=1e-8)
    # (scikit-learn's lbfgs is 2e-3 from it at its default tol, 4e-6 at tol=1e-10)


def test_ridge_score_unscaled_columns():
    # issue 16: Ridge().score was 0.72 against 0.9997 on columns scaled by logspace(0, 3)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 150)) * np.logspace(0, 3, 150)
    y = X[:, :5] @ np.ones(5) / 100 + rng.standard_normal(200)
    assert Ridge().fit(X, y).score(X, y) == pytest.approx(sk.Ridge().fit(X, y).score(X, y))


# ------------------------------------------------------- one loop: NumPy == Dask
RIDGE_SOLVERS = ["auto", "gram", "stream", "svd", "cholesky", "lsqr", "sparse_cg", "lbfgs"]


@pytest.mark.parametrize("solver", RIDGE_SOLVERS)
@pytest.mark.parametrize("shape", [(300, 20), (40, 90)], ids=["n>p", "p>n"])
def test_every_ridge_solver_same_on_numpy_and_dask(solver, shape):
    da = pytest.importorskip("dask.array")
    X, y, sw = _data(*shape, weights=True)
    rows = shape[0] // 3
    Xd, yd = da.from_array(X, chunks=(rows, -1)), da.from_array(y, chunks=rows)
    swd = da.from_array(sw, chunks=rows)
    kw = dict(alpha=2.0, solver=solver, tol=1e-12, max_iter=20000)
    a = Ridge(**kw).fit(X, y, sample_weight=sw)
    b = Ridge(**kw).fit(Xd, yd, sample_weight=swd)
    assert a.solver_ == b.solver_
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-11)
    assert a.intercept_ == pytest.approx(b.intercept_, rel=1e-9, abs=1e-11)
    if a.solver_ in ("gram", "dual"):  # exact: scikit-learn's default Ridge
        ref = sk.Ridge(alpha=2.0).fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(a.coef_, ref.coef_, atol=1e-10)


@pytest.mark.parametrize("Est", [Lasso, ElasticNet, LinearRegression])
@pytest.mark.parametrize("solver", ["auto", "gram", "stream"])
def test_every_solver_same_on_numpy_and_dask(Est, solver):
    da = pytest.importorskip("dask.array")
    X, y, _ = _data(240, 12)
    Xd, yd = da.from_array(X, chunks=(80, -1)), da.from_array(y, chunks=80)
    kw = dict(solver=solver, tol=1e-12, max_iter=20000)
    if Est is not LinearRegression:
        kw["alpha"] = 0.05
    a, b = Est(**kw).fit(X, y), Est(**kw).fit(Xd, yd)
    assert a.solver_ == b.solver_
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-11)


def test_sgd_refused_on_dask_clearly():
    da = pytest.importorskip("dask.array")
    X, y, _ = _data(90, 4)
    with pytest.raises(NotImplementedError, match="rows"):
        Lasso(solver="sgd").fit(da.from_array(X, chunks=(30, -1)), da.from_array(y, chunks=30))


# ------------------------------------------------------------- random selection
def test_selection_random_reproducible_and_optimal():
    X, y, _ = _data(200, 30, seed=4)
    kw = dict(alpha=0.05, tol=1e-10, solver="gram")
    a = Lasso(selection="random", random_state=7, **kw).fit(X, y)
    b = Lasso(selection="random", random_state=7, **kw).fit(X, y)
    c = Lasso(selection="cyclic", **kw).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)  # reproducible with a seed
    np.testing.assert_allclose(a.coef_, c.coef_, atol=1e-7)  # the same optimum
    assert a.n_iter_ != c.n_iter_  # and a different route to it
    # scikit-learn's own generator, seeded as scikit-learn seeds it: same sweeps
    ref = sk.Lasso(alpha=0.05, tol=1e-10, selection="random", random_state=7, precompute=True)
    ref.fit(X, y)
    assert a.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(a.coef_, ref.coef_, atol=1e-12)


def test_selection_random_other_solvers_refuse():
    X, y, _ = _data(50, 4)
    with pytest.raises(ValueError, match="selection='random'"):
        Lasso(selection="random", solver="stream").fit(X, y)


def test_selection_random_in_paths_and_cv():
    X, y, _ = _data(120, 8)
    m = LassoCV(selection="random", random_state=0, cv=3, tol=1e-12).fit(X, y)
    ref = LassoCV(cv=3, tol=1e-12).fit(X, y)
    assert m.alpha_ == pytest.approx(ref.alpha_)
    np.testing.assert_allclose(m.coef_, ref.coef_, atol=1e-4)


# ------------------------------------------------------------------- issue 16
def test_lasso_huge_entries_matches_sklearn():
    X = np.array([[1e20, 1.0, 0.0], [2.0, 1e19, 3.0], [0.0, 1.0, 1e18]])
    y = np.array([1e20, 2.0, 3.0])
    ours, ref = Lasso(alpha=0.1).fit(X, y), sk.Lasso(alpha=0.1).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-12)
    assert ours.dual_gap_ == pytest.approx(ref.dual_gap_, rel=1e-9)


def test_lasso_unscaled_columns_reaches_sklearn_objective():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 150)) * np.logspace(0, 3, 150)
    y = X[:, :5] @ np.ones(5) / 100 + rng.standard_normal(200)

    def obj(m):
        return 0.5 * np.mean((y - X @ m.coef_ - m.intercept_) ** 2) + 0.1 * np.abs(m.coef_).sum()

    ours, ref = Lasso(alpha=0.1).fit(X, y), sk.Lasso(alpha=0.1).fit(X, y)
    assert obj(ours) <= obj(ref) * (1 + 1e-9)


@pytest.mark.parametrize("name", ["Lasso", "ElasticNet", "Ridge", "LinearRegression"])
def test_single_column_y_shapes_match_sklearn(name):
    X, y, _ = _data(40, 6)
    Y = y[:, None]
    ours = getattr(fastnorm.linear_model, name)().fit(X, Y)
    ref = getattr(sk, name)().fit(X, Y)
    assert ours.coef_.shape == ref.coef_.shape
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    if hasattr(ref, "dual_gap_"):
        assert np.shape(ours.dual_gap_) == np.shape(ref.dual_gap_)
        assert np.ndim(ours.n_iter_) == np.ndim(ref.n_iter_)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), atol=1e-6)


@pytest.mark.parametrize("Est", [Lasso, ElasticNet])
def test_check_input_accepted(Est):
    X, y, _ = _data(40, 6)
    a = Est(alpha=0.1).fit(X, y, check_input=False)
    b = sk.__dict__[Est.__name__](alpha=0.1).fit(np.asfortranarray(X), y, check_input=False)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-6)


@pytest.mark.parametrize("CV", [LassoCV, ElasticNetCV])
def test_cv_fit_routes_groups_like_sklearn(CV):
    X, y, _ = _data(90, 5)
    groups = np.repeat(np.arange(9), 10)
    SkCV = getattr(sk, CV.__name__)
    with pytest.raises(ValueError, match="groups"):  # routing disabled: both refuse
        SkCV(cv=GroupKFold(3)).fit(X, y, groups=groups)
    with pytest.raises(ValueError, match="groups"):
        CV(cv=GroupKFold(3)).fit(X, y, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        ours = CV(cv=GroupKFold(3)).fit(X, y, groups=groups)
        ref = SkCV(cv=GroupKFold(3)).fit(X, y, groups=groups)
    assert ours.alpha_ == pytest.approx(ref.alpha_, rel=1e-6)
    np.testing.assert_allclose(ours.mse_path_, ref.mse_path_, rtol=1e-5)


def test_cv_refit_is_the_estimator_fit():
    X, y, _ = _data(100, 6)
    cv = LassoCV(cv=4).fit(X, y)
    direct = ElasticNet(alpha=cv.alpha_, l1_ratio=1.0, solver="gram").fit(X, y)
    # the CV's statistics are the sum of its folds': equal up to rounding
    np.testing.assert_allclose(cv.coef_, direct.coef_, rtol=1e-12)
    assert cv.n_iter_ == direct.n_iter_
    assert cv.dual_gap_ == pytest.approx(direct.dual_gap_, rel=1e-6, abs=1e-15)


@pytest.mark.parametrize("Est", [Ridge, Lasso])
def test_scalar_sample_weight_honoured(Est):
    X, y, _ = _data(50, 5)
    SkEst = getattr(sk, Est.__name__)
    ours = Est(alpha=10 if Est is Ridge else 0.1).fit(X, y, sample_weight=3.0)
    ref = SkEst(alpha=10 if Est is Ridge else 0.1).fit(X, y, sample_weight=3.0)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-8)
    full = Est(alpha=10 if Est is Ridge else 0.1).fit(X, y, sample_weight=np.full(50, 3.0))
    np.testing.assert_allclose(ours.coef_, full.coef_, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ElasticNet(alpha=0.1, solver="sgd", max_iter=5, random_state=0),
        lambda: ElasticNet(alpha=0.1, solver="stream", max_iter=5),
        lambda: ElasticNet(alpha=0.1, solver="gram", max_iter=5),
        lambda: Lasso(alpha=0.1, selection="random", random_state=0, max_iter=5),
        lambda: Ridge(alpha=1.0),
        lambda: Ridge(alpha=1.0, solver="stream", max_iter=5),
        lambda: LinearRegression(),
    ],
    ids=["enet-sgd", "enet-stream", "enet-gram", "lasso-random", "ridge", "ridge-stream", "ols"],
)
@pytest.mark.parametrize("setter", ["fastnorm", "numba"])
def test_results_independent_of_thread_count(make, setter):
    import numba

    X, y, _ = _data(100_000, 20, seed=5)  # above the parallel threshold
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 numba threads")
    set_threads = fastnorm.set_num_threads if setter == "fastnorm" else numba.set_num_threads
    out = []
    try:
        for t in (1, 2):
            set_threads(t)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                out.append(make().fit(X, y).coef_)
    finally:
        fastnorm.set_num_threads(None)
    np.testing.assert_array_equal(out[0], out[1])


def test_gap_path_recorded():
    X, y, _ = _data(100, 8)
    for solver in ("gram", "stream"):
        m = Lasso(alpha=0.1, solver=solver, tol=1e-8).fit(X, y)
        assert m.gap_path_.ndim == 1 and m.gap_path_.size >= 1
        assert m.gap_path_[-1] == pytest.approx(m.dual_gap_, rel=1e-9, abs=1e-15)


def test_solver_registry_hook():
    # a new solver registers with one call and the estimators accept its name
    calls = []

    def solve(backend, t, task):
        calls.append(t)
        return _solvers.get("gram").solve(backend, t, task)

    _solvers.register(_solvers.Solver("probe-solver", needs="gram", solve=solve))
    try:
        X, y, _ = _data(60, 4)
        m = Lasso(alpha=0.1, solver="probe-solver").fit(X, y)
        assert calls == [0] and m.solver_ == "probe-solver"
        np.testing.assert_array_equal(m.coef_, Lasso(alpha=0.1, solver="gram").fit(X, y).coef_)
    finally:
        _solvers._REGISTRY.pop("probe-solver")
        _solvers.PUBLIC.discard("probe-solver")
        _solvers.RIDGE_PUBLIC.discard("probe-solver")


@pytest.mark.filterwarnings(
    "ignore::RuntimeWarning", "ignore::sklearn.exceptions.ConvergenceWarning"
)
def test_validation_messages_match_sklearn():
    X, y, _ = _data(30, 3)
    for alphas in ([1, -1, 2], [1, 2, "1"]):
        with pytest.raises((ValueError, TypeError)) as ours:
            LassoCV(alphas=alphas, cv=3).fit(X, y)
        with pytest.raises((ValueError, TypeError)) as ref:
            sk.LassoCV(alphas=alphas, cv=3).fit(X, y)
        assert type(ours.value) is type(ref.value) and str(ours.value) == str(ref.value)
    for path in ("lasso_path", "enet_path"):
        with pytest.raises(TypeError) as ours:  # InvalidParameterError is a TypeError too
            getattr(fastnorm.linear_model, path)(X, y, alphas="1")
        with pytest.warns(FutureWarning, match="'n_alphas' was deprecated"):
            a = getattr(fastnorm.linear_model, path)(X, y, n_alphas=7)[0]
        assert a.shape == (7,)
        with pytest.warns(FutureWarning, match="'alphas=None' is deprecated"):
            getattr(fastnorm.linear_model, path)(X, y, alphas=None)
    big = np.finfo(np.float64).max * np.random.default_rng(0).uniform(size=(10, 2))
    with pytest.raises(ValueError) as ours:
        ElasticNet(alpha=0.1).fit(big, np.ones(10))
    with pytest.raises(ValueError) as ref:
        sk.ElasticNet(alpha=0.1).fit(big, np.ones(10))
    assert str(ours.value).split(".")[0] == str(ref.value).split(".")[0]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["stream", "gram"])
def test_warm_start_continues(solver):
    # issue 16: warm starts restarted the momentum, so 5 + 5 epochs differed from 10
    X, y, _ = _data(300, 40, seed=6)
    X[:, 1] = X[:, 0] + 0.01 * X[:, 2]
    kw = dict(alpha=0.05, solver=solver, tol=1e-14)
    once = ElasticNet(max_iter=10, **kw).fit(X, y)
    twice = ElasticNet(max_iter=5, warm_start=True, **kw).fit(X, y)
    twice.fit(X, y)
    if solver == "stream":  # momentum, step and previous iterate continue: the same bits
        np.testing.assert_array_equal(once.coef_, twice.coef_)
    else:  # coordinate descent re-screens at a new start: equal to rounding
        np.testing.assert_allclose(once.coef_, twice.coef_, rtol=1e-12, atol=1e-14)
    # a changed coef_ is a new start, not a continuation
    twice.coef_ = twice.coef_ * 0.5
    twice.fit(X, y)
    assert not np.array_equal(twice.coef_, once.coef_)


def test_verbose_reports_every_solver(capsys):
    X, y, _ = _data(80, 5)
    for solver in ("gram", "stream"):
        Lasso(alpha=0.1, solver=solver, verbose=1, tol=1e-8).fit(X, y)
        out = capsys.readouterr().out
        assert f"[fastnorm {solver}] epoch" in out and "gap" in out


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fast_validation_paths_match_sklearn():
    """The fit's fast paths (plain float ndarrays; parameter values checked once) keep
    scikit-learn's errors and attributes: a bad value after good fits still raises its
    error, bad targets raise its messages, other dtypes take its own path."""
    from sklearn.utils._param_validation import InvalidParameterError

    X, y, _ = _data(30, 4)
    m = Lasso(alpha=0.1).fit(X, y)
    assert m.n_features_in_ == 4 and not hasattr(m, "feature_names_in_")
    for bad in (dict(alpha=-1.0), dict(max_iter=0), dict(positive=1), dict(tol="1")):
        for M in (Lasso, sk.Lasso):
            with pytest.raises(InvalidParameterError) as exc:
                M(**{"alpha": 0.1, **bad}).fit(X, y)
            assert "must be" in str(exc.value)
        Lasso(alpha=0.1).fit(X, y)  # good values after the bad one still fit
    for y_bad in (np.where(np.arange(30) == 3, np.nan, y), np.where(np.arange(30) == 3, np.inf, y)):
        with pytest.raises(ValueError) as ours:
            Lasso(alpha=0.1).fit(X, y_bad)
        with pytest.raises(ValueError) as ref:
            sk.Lasso(alpha=0.1).fit(X, y_bad)
        assert str(ours.value) == str(ref.value)
    yi = np.round(y).astype(np.int64)
    np.testing.assert_allclose(Lasso(alpha=0.1).fit(X, yi).coef_,
                               Lasso(alpha=0.1).fit(X, yi.astype(float)).coef_)  # fmt: skip
    m.fit(X[:, :3], y)
    assert m.n_features_in_ == 3
