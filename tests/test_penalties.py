"""fastnorm.penalties against direct numpy formulas."""

import subprocess
import sys

import numpy as np
import pytest

from fastnorm.penalties import L1, L2, ElasticNet

W = np.array([-2.0, -0.3, 0.0, 0.1, 1.5])


def test_l1():
    pen = L1(0.5)
    assert pen.value(W) == pytest.approx(0.5 * np.abs(W).sum())
    np.testing.assert_array_equal(pen.subgradient(W), [-0.5, -0.5, 0.0, 0.5, 0.5])
    out = pen.prox(W, 0.4)  # threshold 0.2
    np.testing.assert_allclose(out, [-1.8, -0.1, 0.0, 0.0, 1.3])
    assert not np.signbit(out[2:4]).any()  # exact, positive zeros


def test_l2():
    pen = L2(0.25)
    assert pen.value(W) == pytest.approx(0.25 * (W**2).sum())
    np.testing.assert_allclose(pen.subgradient(W), 2 * 0.25 * W)
    np.testing.assert_allclose(pen.prox(W, 2.0), W / (1 + 2 * 2.0 * 0.25))


@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 1.0])
def test_elastic_net(l1_ratio):
    a = 0.7
    pen = ElasticNet(a, l1_ratio)
    l1, l2 = a * l1_ratio, a * (1 - l1_ratio)
    assert pen.value(W) == pytest.approx(l1 * np.abs(W).sum() + 0.5 * l2 * (W**2).sum())
    np.testing.assert_allclose(pen.subgradient(W), l1 * np.sign(W) + l2 * W)
    step = 0.5
    ref = np.sign(W) * np.maximum(np.abs(W) - step * l1, 0) / (1 + step * l2)
    np.testing.assert_allclose(pen.prox(W, step), ref)


@pytest.mark.parametrize("pen", [L1(0.3), L2(0.3), ElasticNet(0.3, 0.6)])
def test_prox_is_argmin(pen):
    # prox(v, s) minimises 0.5 ||u - v||^2 + s * value(u): no grid point does better
    rng = np.random.default_rng(0)
    for v in rng.normal(size=5):
        u = float(pen.prox(np.array([v]), 0.8)[0])
        grid = np.linspace(-3, 3, 6001)
        f = 0.5 * (grid - v) ** 2 + 0.8 * np.array([pen.value(np.array([g])) for g in grid])
        fu = 0.5 * (u - v) ** 2 + 0.8 * pen.value(np.array([u]))
        assert fu <= f.min() + 1e-9


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_and_inputs_unchanged(dtype):
    w = W.astype(dtype)
    w0 = w.copy()
    for pen in (L1(0.1), L2(0.1), ElasticNet(0.1, 0.5)):
        assert pen.subgradient(w).dtype == dtype
        assert pen.prox(w, 0.1).dtype == dtype
        assert pen.prox(w, 0.1).shape == w.shape
        assert isinstance(pen.value(w), float)
    np.testing.assert_array_equal(w, w0)


def test_vectorised_2d_and_int():
    w = np.arange(-3, 3).reshape(2, 3)
    assert L1(1.0).prox(w, 1.0).shape == (2, 3)
    assert L1(1.0).subgradient(w).dtype == np.float64


def test_update_rule_step():
    # one step of the notes' rule w <- w - lr * (2 (wx + b - y) x + lam * sign(w))
    x, y, b, w, lr, lam = 2.0, 1.0, 0.5, np.array([0.3]), 0.1, 0.2
    step = w - lr * (2 * (w * x + b - y) * x + L1(lam).subgradient(w))
    np.testing.assert_allclose(step, 0.3 - 0.1 * (2 * 0.1 * 2 + 0.2))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: L1(-1.0), "alpha"),
        (lambda: L2(float("nan")), "alpha"),
        (lambda: ElasticNet(1.0, 1.5), "l1_ratio"),
        (lambda: ElasticNet(1.0, -0.1), "l1_ratio"),
    ],
)
def test_bad_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_type_errors():
    with pytest.raises(TypeError):
        L1("1")
    with pytest.raises(TypeError):
        ElasticNet(1.0, None)


def test_repr_eq():
    assert L1(0.5) == L1(0.5) and L1(0.5) != L2(0.5)
    assert "ElasticNet(alpha=1.0, l1_ratio=0.5)" == repr(ElasticNet())
    assert hash(L1(0.5)) == hash(L1(0.5))


def test_no_sklearn_import():
    code = "import sys, fastnorm.penalties; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
