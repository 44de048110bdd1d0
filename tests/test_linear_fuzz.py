"""Hypothesis fuzz of the linear-model estimators and :mod:`fastnorm.penalties` against
scikit-learn and numpy: random shapes (n = 1, p = 1, p > n), dtypes (float32, float64, int),
layouts, NaN/inf placement and parameter values.  Each call matches the reference at a tight
tolerance or raises the same exception type, and never modifies its inputs.

Examples are few (``max_examples``) and tiny so the module runs in well under a minute with
a warm numba cache.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
hyp = pytest.importorskip("hypothesis")
import sklearn.linear_model as sk  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import fastnorm.linear_model as fl  # noqa: E402
from fastnorm import penalties  # noqa: E402

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples in every CI run: a failure is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

ESTIMATORS = ("Lasso", "ElasticNet", "Ridge", "LinearRegression")


@st.composite
def problems(draw, name):
    n = draw(st.integers(1, 9))
    p = draw(st.integers(1, 7))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    if dtype is np.int64:
        X = rng.integers(-5, 6, size=(n, p)).astype(np.int64)
    else:
        X = rng.standard_normal((n, p)).astype(dtype)
    y = X.astype(np.float64) @ rng.standard_normal(p) + 0.1 * rng.standard_normal(n)
    if draw(st.booleans()):
        y = y.astype(X.dtype if dtype is not np.int64 else np.float64)
    bad = draw(st.sampled_from(["none", "none", "none", "X-nan", "X-inf", "y-nan", "y-inf"]))
    if bad != "none" and dtype is not np.int64:
        arr = X if bad.startswith("X") else y
        idx = tuple(rng.integers(0, s) for s in arr.shape)
        arr[idx] = np.nan if bad.endswith("nan") else np.inf
    elif bad.startswith("y"):
        y[rng.integers(0, n)] = np.nan if bad.endswith("nan") else np.inf
    layout = draw(st.sampled_from(["C", "F", "strided"]))
    if layout == "F":
        X = np.asfortranarray(X)
    elif layout == "strided":  # a non-contiguous view (every other column of a wider array)
        X = np.repeat(X, 2, axis=1)[:, ::2]
    params = {"fit_intercept": draw(st.booleans())}
    if name != "LinearRegression":
        params["alpha"] = draw(
            st.sampled_from([1e-3, 0.1, 1.0, 10.0])
            if name != "Ridge"
            else st.sampled_from([1e-3, 0.1, 1.0, 10.0, 0.0])
        )
    if name in ("Lasso", "ElasticNet"):
        params.update(tol=1e-10, max_iter=100_000)
        params["positive"] = draw(st.booleans())
    if name == "ElasticNet":
        params["l1_ratio"] = draw(st.sampled_from([0.0, 0.3, 1.0]))
    sw = None
    if draw(st.booleans()):
        sw = rng.uniform(0.5, 2.0, n)
    return name, params, X, y, sw


def _fit(mod, name, params, X, y, sw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return mod.__dict__[name](**params).fit(X, y, sample_weight=sw), None
        except Exception as exc:  # the exception type is compared
            return None, exc


def _objective(m, X, y, sw, params, name):
    """scikit-learn's objective of the fitted model (Lasso/ElasticNet scale)."""
    X = X.astype(np.float64)
    r = y - X @ np.asarray(m.coef_, dtype=np.float64) - m.intercept_
    w = np.ones(len(y)) if sw is None else sw * len(y) / sw.sum()
    a = params["alpha"]
    l1r = params.get("l1_ratio", 1.0)
    coef = np.asarray(m.coef_, dtype=np.float64)
    return (
        0.5 * np.mean(w * r**2) + a * l1r * np.abs(coef).sum() + 0.5 * a * (1 - l1r) * coef @ coef
    )


@pytest.mark.parametrize("name", ESTIMATORS)
@SETTINGS
@given(data=st.data())
def test_estimators_match_sklearn_or_raise_alike(name, data):
    name, params, X, y, sw = data.draw(problems(name))
    X0, y0, xflags = X.copy(order="K"), y.copy(), (X.flags.c_contiguous, X.flags.f_contiguous)
    sw0 = None if sw is None else sw.copy()
    ours, err = _fit(fl, name, params, X, y, sw)
    # never modifies its inputs (NaN compares equal to NaN here)
    np.testing.assert_array_equal(X, X0)
    assert (X.flags.c_contiguous, X.flags.f_contiguous) == xflags
    np.testing.assert_array_equal(y, y0)
    if sw is not None:
        np.testing.assert_array_equal(sw, sw0)
    ref, ref_err = _fit(sk, name, params, X, y0, sw0)
    hyp.event(f"{name}: {str(ref_err)[:60] if ref_err is not None else 'compared'}")
    if ref_err is not None:
        assert err is not None, f"scikit-learn raised {ref_err!r}, fastnorm did not"
        assert type(err) is type(ref_err), (err, ref_err)
        return
    assert err is None, f"fastnorm raised {err!r}, scikit-learn did not"
    assert np.shape(ours.coef_) == np.shape(ref.coef_)
    assert np.shape(ours.intercept_) == np.shape(ref.intercept_)
    assert np.all(np.isfinite(ours.coef_)) or not np.all(np.isfinite(ref.coef_))
    lo = np.finfo(np.float32).eps ** 0.5 if X.dtype == np.float32 or y.dtype == np.float32 else 0
    scale = 1.0 + np.abs(ref.predict(X0)).max()
    if name in ("Lasso", "ElasticNet"):
        # the minimiser may be non-unique (p > n, integer columns): compare the objective
        fo = _objective(ours, X0, y0, sw0, params, name)
        fr = _objective(ref, X0, y0, sw0, params, name)
        assert fo <= fr + 1e-7 * (1 + abs(fr)) + lo * (1 + abs(fr)), (fo, fr)
    else:
        # Ridge alpha=0 / LinearRegression with p > n: compare fitted values (min-norm coef
        # is not what every solver returns); otherwise the coefficients themselves
        tol = max(1e-7, 10 * lo)
        np.testing.assert_allclose(ours.predict(X0), ref.predict(X0), atol=tol * scale, rtol=0)
        if name == "Ridge" and params["alpha"] > 0:
            np.testing.assert_allclose(ours.coef_, ref.coef_, atol=tol * scale, rtol=tol)


@st.composite
def penalty_cases(draw):
    kind = draw(st.sampled_from(["L1", "L2", "ElasticNet"]))
    alpha = draw(st.sampled_from([0.0, 1e-3, 0.5, 2.0, 1e300]))
    positive = draw(st.booleans())
    n = draw(st.integers(0, 6))
    vals = st.sampled_from([0.0, -0.0, 1.5, -2.0, 1e-300, -1e300, np.inf, -np.inf, np.nan])
    w = np.array(draw(st.lists(vals, min_size=n, max_size=n)), dtype=np.float64)
    step = draw(st.sampled_from([0.0, 0.1, 1.0, 3.0]))
    l1_ratio = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return kind, alpha, positive, w, step, l1_ratio


def _ref_penalty(kind, alpha, l1_ratio):
    if kind == "L1":
        return alpha, 0.0
    if kind == "L2":
        return 0.0, alpha
    return alpha * l1_ratio, alpha * (1 - l1_ratio)


@SETTINGS
@given(penalty_cases())
def test_penalties_match_numpy_formulas(case):
    kind, alpha, positive, w, step, l1_ratio = case
    if kind == "ElasticNet":
        pen = penalties.ElasticNet(alpha, l1_ratio, positive=positive)
    else:
        pen = getattr(penalties, kind)(alpha, positive=positive)
    l1, l2 = _ref_penalty(kind, alpha, l1_ratio)
    w0 = w.copy()
    with np.errstate(all="ignore"):
        value = pen.value(w)
        fin = w[np.isfinite(w)]
        if np.isfinite(w).all():
            ref = l1 * np.abs(w).sum() + 0.5 * l2 * (w @ w)
            if positive and (w < 0).any():
                ref = np.inf
            if np.isfinite(ref):
                assert value == pytest.approx(ref, rel=1e-12, abs=1e-300)
        prox = pen.prox(w, step)
        # closed-form prox of l1|.| + 0.5 l2 (.)^2 with step s: soft-threshold, then shrink
        ref_prox = np.sign(w) * np.maximum(np.abs(w) - step * l1, 0.0) / (1.0 + step * l2)
        if positive:
            ref_prox = np.maximum(w - step * l1, 0.0) / (1.0 + step * l2)
        ok = np.isfinite(w) & np.isfinite(ref_prox)
        np.testing.assert_allclose(prox[ok], ref_prox[ok], rtol=1e-12, atol=0)
        assert prox.shape == w.shape and prox.dtype == np.float64
    del fin
    np.testing.assert_array_equal(w, w0)  # never modified
