"""The fused multinomial pass (fastnorm._kernels.multinomial) and the multinomial routes of
LogisticRegression's solver="auto", against numpy and scikit-learn."""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression as SkLR  # noqa: E402

import fastnorm  # noqa: E402
from fastnorm._kernels.multinomial import multi_fused_rows  # noqa: E402
from fastnorm.linear_model import LogisticRegression  # noqa: E402
from fastnorm.linear_model import _logistic as _lg  # noqa: E402
from tests.references import ref_logistic_objective  # noqa: E402


def _problem(n, p, K, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)).astype(dtype)
    W = rng.standard_normal((K, p))
    B = rng.standard_normal(K)
    yi = rng.integers(0, K, n).astype(np.intp)
    sw = rng.random(n) + 0.5
    return X, W, B, yi, sw


def _call(build, X, W, B, yi, sw, grad, groups):
    n, p = X.shape
    K = W.shape[0]
    out = (np.full((K, p), np.nan), np.full(K, np.nan), np.empty((n, K)), np.empty((n, K)))
    ls = build(X, W, B, yi, sw, grad, groups, *out)
    return (ls, *out)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(203, 7, 3), (37, 1, 5), (3, 4, 2)])
def test_fused_pass_matches_numpy(shape, dtype):
    X, W, B, yi, sw = _problem(*shape, dtype=dtype)
    X0 = X.copy()
    ls, G, gB, Z, P = _call(multi_fused_rows.serial, X, W, B, yi, sw, True, 4)
    Xd = X.astype(np.float64)
    Zr = Xd @ W.T + B
    m = Zr.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(Zr - m).sum(axis=1, keepdims=True)))[:, 0]
    Pr = np.exp(Zr - lse[:, None])
    R = sw[:, None] * (Pr - np.eye(W.shape[0])[yi])
    np.testing.assert_allclose(ls, np.sum(sw * (lse - Zr[np.arange(len(yi)), yi])), rtol=1e-12)
    np.testing.assert_allclose(G, R.T @ Xd, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(gB, R.sum(axis=0), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(Z, Zr, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(P, Pr, rtol=1e-12, atol=1e-15)
    assert G.shape == W.shape and G.dtype == np.float64
    np.testing.assert_array_equal(X, X0)
    # grad=False: the same margins, softmax and loss, a zero gradient
    ls2, G2, gB2, Z2, P2 = _call(multi_fused_rows.serial, X, W, B, yi, sw, False, 4)
    assert ls2 == ls
    np.testing.assert_array_equal(Z2, Z)
    np.testing.assert_array_equal(P2, P)
    assert not np.any(G2) and not np.any(gB2)


def test_fused_pass_large_margins_finite():
    X, W, B, yi, sw = _problem(50, 3, 4)
    ls, G, gB, Z, P = _call(multi_fused_rows.serial, X, 1e6 * W, B, yi, sw, True, 2)
    assert np.isfinite(ls) and np.all(np.isfinite(G)) and np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-15)


def test_fused_pass_serial_parallel_threads_equal_bits():
    X, W, B, yi, sw = _problem(1030, 9, 4, seed=1)
    ref = _call(multi_fused_rows.serial, X, W, B, yi, sw, True, 8)
    outs = [_call(multi_fused_rows.parallel, X, W, B, yi, sw, True, 8)]
    try:
        for t in (1, fastnorm.get_num_threads()):
            fastnorm.set_num_threads(t)
            outs.append(_call(multi_fused_rows.parallel, X, W, B, yi, sw, True, 8))
    finally:
        fastnorm.set_num_threads(None)
    for out in outs:
        for a, b in zip(ref, out, strict=True):
            np.testing.assert_array_equal(a, b)


def test_auto_multinomial_routes():
    # smooth: L-BFGS at every shape; an L1 part: Newton on tiny X, else the fused stream
    for n, p in [(150, 4), (5000, 50), (200, 1000)]:
        assert _lg._auto_solver(n, p, 1.0, 0.0, False) == "lbfgs"
        assert _lg._auto_solver(n, p, np.inf, 0.5, False) == "lbfgs"
    assert _lg._auto_solver(150, 4, 1.0, 1.0, False) == "newton"
    assert _lg._auto_solver(5000, 50, 1.0, 0.5, False) == "stream"
    assert _lg._auto_solver(200, 1000, 1.0, 1.0, False) == "stream"


def _data(n=240, p=6, K=3, seed=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = (X @ rng.standard_normal((p, K)) + rng.standard_normal((n, K))).argmax(axis=1)
    return X, y


@pytest.mark.parametrize(
    ("solver", "C", "l1_ratio", "sk_solver"),
    [
        ("auto", 1.0, 0.0, "lbfgs"),  # auto: L-BFGS, then Newton at tight tol
        ("lbfgs", 100.0, 0.0, "lbfgs"),
        ("newton", 0.05, 0.0, "lbfgs"),
        ("stream", 0.5, 1.0, "saga"),  # auto's route for L1 past tiny X
        ("stream", 0.5, 0.5, "saga"),
    ],
)
def test_multinomial_fits_match_sklearn(solver, C, l1_ratio, sk_solver):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = LogisticRegression(C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-10,
                                  max_iter=5000).fit(X, y)  # fmt: skip
        ref = SkLR(C=C, l1_ratio=l1_ratio, solver=sk_solver, tol=1e-12, max_iter=20000).fit(X, y)
    f = ref_logistic_objective(X, y, ours.coef_, ours.intercept_, C, l1_ratio)
    g = ref_logistic_objective(X, y, ref.coef_, ref.intercept_, C, l1_ratio)
    assert f <= g * (1 + 1e-8)
    assert abs(f - g) <= 1e-8 * abs(g)
    assert ours.coef_.shape == (3, X.shape[1])
    if l1_ratio == 1.0:
        np.testing.assert_array_equal(np.abs(ours.coef_) < 1e-9, np.abs(ref.coef_) < 1e-9)


def test_auto_lbfgs_hands_over_to_newton_at_tight_tol():
    # scipy's L-BFGS stops on ftol near 1e-9 on iris; auto then continues with Newton
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    est = LogisticRegression(tol=1e-10, max_iter=500).fit(X, y)
    GW, gB = _gradient(X, y, est.coef_, est.intercept_, 1.0)
    assert max(np.abs(GW).max(), np.abs(gB).max()) <= 1e-10


def _gradient(X, y, W, B, C):
    n = X.shape[0]
    Z = X @ W.T + B
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    R = (P - np.eye(W.shape[0])[y]) / n
    return R.T @ X + W / (C * n), R.sum(axis=0)
