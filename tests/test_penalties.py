"""fastnorm.penalties against direct numpy formulas, and against their kernel twins in
fastnorm._kernels.penalty (the solvers' penalty math)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fastnorm
from fastnorm._kernels import penalty as kp
from fastnorm.penalties import L1, L2, ElasticNet, MultiTaskElasticNet

W = np.array([-2.0, -0.3, 0.0, 0.1, 1.5])


def test_l1():
    pen = L1(0.5)
    assert pen.value(W) == pytest.approx(0.5 * np.abs(W).sum())
    np.testing.assert_array_equal(pen.subgradient(W), [-0.5, -0.5, 0.0, 0.5, 0.5])
    out = pen.prox(W, 0.4)  # threshold 0.2
    np.testing.assert_allclose(out, [-1.8, -0.1, 0.0, 0.0, 1.3])
    assert not np.signbit(out[2:4]).any()  # exact, positive zeros


def test_l2():
    # one convention everywhere: 0.5 * alpha * ||w||^2, scikit-learn's elastic-net scale
    pen = L2(0.25)
    assert pen.value(W) == pytest.approx(0.5 * 0.25 * (W**2).sum())
    np.testing.assert_allclose(pen.subgradient(W), 0.25 * W)
    np.testing.assert_allclose(pen.prox(W, 2.0), W / (1 + 2.0 * 0.25))
    assert L2(0.4).value(W) == pytest.approx(ElasticNet(0.4, 0.0).value(W))


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


# ------------------------------------------------------------------ kernel twins
# signed zeros, subnormals, the thresholds themselves, infinities and NaN
V = np.array(
    [-np.inf, -3.0, -0.7, -0.35, -5e-324, -0.0, 0.0, 5e-324, 0.35, 0.7, 3.0, np.inf, np.nan]
)
PENS = [
    L1(0.7),
    L1(0.7, positive=True),
    L2(0.3),
    L2(0.3, positive=True),
    ElasticNet(1.0, 0.7),
    ElasticNet(1.0, 0.7, positive=True),
    L1(0.0),
    ElasticNet(0.0, 0.5, positive=True),
]


def _same(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape
    np.testing.assert_array_equal(a, b)  # NaN == NaN here
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))  # and -0.0 != +0.0


@pytest.mark.parametrize("pen", PENS, ids=repr)
@pytest.mark.parametrize("step", [0.5, 1.0, 2.0])
def test_twin_prox(pen, step):
    l1, l2, pos = pen.lower()
    k = [kp.prox_enet(float(v), step, l1, l2, pos) for v in V]
    _same(pen.prox(V, step), k)
    out = np.empty_like(V)
    kp.prox_enet_array.serial(V, step, l1, l2, pos, out)  # the streaming solver's step
    _same(out, k)
    # no negative zeros out of the prox
    assert not np.signbit(np.asarray(k)[np.asarray(k) == 0]).any()


@pytest.mark.parametrize("pen", PENS, ids=repr)
def test_twin_soft_threshold_and_cd(pen):
    l1, l2, pos = pen.lower()
    if not pos:  # soft-thresholding is the prox of the L1 part at step 1
        _same(L1(l1).prox(V, 1.0), [kp.soft_threshold(float(v), l1) for v in V])
    for L in (0.5, 1.0, 4.0):
        # cd_solve(u, L) = argmin L/2 w^2 - u w + P(w): the prox at step 1/L of u/L, written
        # as scikit-learn writes the CD update (no division of u by L)
        got = np.array([kp.cd_solve(float(u), L, l1, l2, pos) for u in V])
        t = np.where(V > l1, V - l1, np.where(V < -l1, V + l1, np.where(np.isnan(V), V, 0.0)))
        if pos:
            t = np.where(V > l1, V - l1, np.where(np.isnan(V), V, 0.0))
        _same(got, t / (L + l2))
        fin = np.isfinite(V)
        z = V[fin]
        cd = np.array([kp.cd_update(float(v), L, l1, l2, pos) for v in z])
        np.testing.assert_allclose(cd, pen.prox(z, 1.0 / L), rtol=1e-15, atol=1e-300)


@pytest.mark.parametrize("pen", PENS, ids=repr)
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # 0 * inf in the grid
def test_twin_subgradient_and_distance(pen):
    l1, l2, pos = pen.lower()
    _same(pen.subgradient(V), [kp.enet_grad(float(v), l1, l2) for v in V])
    G = np.array([-2.0, -0.7, -0.1, -0.0, 0.0, 0.1, 0.7, 2.0, np.nan])
    w, g = (a.ravel() for a in np.meshgrid(V, G))
    k = [kp.enet_subgrad(float(a), float(b), l1, l2, pos) for a, b in zip(w, g, strict=True)]
    _same(pen.subdiff_distance(w, g), k)


def test_subdiff_distance_is_optimality():
    # at the prox output u = prox(v, 1) the data fit 0.5 (u - v)^2 has gradient u - v, and
    # u is optimal: the distance is 0; a perturbed point is not optimal
    rng = np.random.default_rng(3)
    for pen in PENS[:6]:
        v = rng.normal(size=50)
        u = pen.prox(v, 1.0)
        np.testing.assert_allclose(pen.subdiff_distance(u, u - v), 0.0, atol=1e-15)
        assert np.all(pen.subdiff_distance(u + 0.1, u + 0.1 - v)[u + 0.1 > 0] > 0)


@pytest.mark.parametrize("pen", PENS, ids=repr)
def test_twin_value_and_dual_norm(pen):
    l1, l2, pos = pen.lower()
    rng = np.random.default_rng(0)
    for w in (rng.integers(-8, 9, size=37) / 8.0, np.array([-0.0, 0.0]), np.zeros(0)):
        # dyadic entries: the sums are exact in any order, so twins agree to the bit
        if not (pos and np.any(w < 0)):
            assert pen.value(w) == kp.enet_value(w, l1, l2)
        else:
            assert pen.value(w) == np.inf
        assert pen.dual_norm(w) == kp.enet_dual_norm(w, l1, pos)
    assert pen.dual_norm(np.array([-5.0, 1.0])) == (max(l1, 1.0) if pos else max(l1, 5.0))


def test_twin_value_float32():
    w = np.random.default_rng(1).normal(size=1000).astype(np.float32)
    np.testing.assert_allclose(
        ElasticNet(0.3, 0.4).value(w), kp.enet_value(w, 0.12, 0.18), rtol=1e-13
    )


def test_enet_gap_matches_direct_formula():
    # scikit-learn's gap (primal minus dual at the rescaled residual) on a small problem
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 5))
    y = rng.normal(size=30)
    w = rng.normal(size=5) * (rng.random(5) > 0.4)
    n, l1r, l2r = 30, 0.2, 0.1
    alpha, beta = l1r * n, l2r * n
    for positive in (False, True):
        wp = np.abs(w) if positive else w
        R = y - X @ wp
        XtA = X.T @ R - beta * wp
        dn = ElasticNet(l1r + l2r, l1r / (l1r + l2r), positive=positive).dual_norm(XtA / n)
        dn *= n
        primal = 0.5 * (R @ R + beta * wp @ wp) + alpha * np.abs(wp).sum()
        s = min(1.0, alpha / (XtA.max() if positive else np.abs(XtA).max()))
        dual = -0.5 * s * s * (R @ R + beta * wp @ wp) + s * (R @ y)
        got = kp.enet_gap(R @ R, R @ y, np.abs(wp).sum(), wp @ wp, alpha, beta, dn)
        np.testing.assert_allclose(got, primal - dual, rtol=1e-12)
        assert got >= 0


def test_lower():
    assert L1(0.5).lower() == (0.5, 0.0, False)
    assert L2(0.5, positive=True).lower() == (0.0, 0.5, True)
    l1, l2, pos = ElasticNet(2.0, 0.25).lower()
    assert (l1, l2, pos) == (0.5, 1.5, False)
    assert repr(L1(1.0, positive=True)) == "L1(alpha=1.0, positive=True)"
    with pytest.raises(TypeError, match="positive"):
        L1(1.0, positive="yes")


def test_kernels_use_the_helpers():
    # the solver kernels carry the sources' hash in their cache identity (see the next test)
    from fastnorm._kernels import epoch, gram

    for k in (epoch.sgd_epoch_rows, gram.cd_gram_epochs, kp.prox_enet_array):
        assert kp.CACHE_SALT in k.serial.py_func.__qualname__
    assert kp.CACHE_SALT == kp.source_salt()
    assert len(kp.CACHE_SALT) == 16


PROBE = """from fastnorm._config import kernel
from fastnorm._kernels.penalty import soft_threshold, uses_helpers


@kernel
@uses_helpers
def probe(x):
    return soft_threshold(x, 1.0)
"""


def test_disk_cache_sees_helper_edits(tmp_path):
    # numba's cache keys a kernel on its own file only: without the salt, editing a helper
    # it inlines from penalty.py would leave the old machine code in use
    src = tmp_path / "src"
    shutil.copytree(
        Path(fastnorm.__file__).parent,
        src / "fastnorm",
        ignore=shutil.ignore_patterns("__pycache__", "benchmarks"),
    )
    (src / "fastnorm" / "_kernels" / "probe.py").write_text(PROBE)
    env = {**os.environ, "PYTHONPATH": str(src), "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("FASTNORM_NO_CACHE", None)
    env.pop("NUMBA_DISABLE_JIT", None)
    code = "from fastnorm._kernels.probe import probe; print(probe(3.0))"

    def run():
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert run() == "2.0"
    assert run() == "2.0"  # now from the cache
    assert list((tmp_path / "cache").rglob("*.nbi"))
    pen = src / "fastnorm" / "_kernels" / "penalty.py"
    text = pen.read_text()
    assert text.count("        return x - t\n") == 1
    pen.write_text(text.replace("        return x - t\n", "        return x - 2.0 * t\n"))
    assert run() == "1.0"


# ------------------------------------------------------------ the multi-task (L2,1) twin
@pytest.mark.parametrize("l1_ratio", [1.0, 0.6, 0.0])
def test_multitask_prox_is_the_block_update(l1_ratio):
    # the multi-task CD update of feature j is tmp * block_shrink(||tmp||, l1) / (q + l2),
    # i.e. the prox at step 1/q of tmp/q; rows of norm <= l1 become exact zeros
    rng = np.random.default_rng(5)
    pen = MultiTaskElasticNet(0.8, l1_ratio)
    l1, l2 = pen.lower()
    T = rng.normal(size=(40, 3)) * rng.choice([0.05, 1.0], size=(40, 1))
    T[3] = 0.0
    for q in (0.5, 2.0):
        want = np.array([t * kp.block_shrink(float(np.sqrt(t @ t)), l1) / (q + l2) for t in T])
        np.testing.assert_allclose(pen.prox(T / q, 1.0 / q), want, rtol=1e-14, atol=0)
        assert np.array_equal(pen.prox(T / q, 1.0 / q) == 0, want == 0)


def test_multitask_prox_is_argmin():
    # optimality: a kept row satisfies (U_j - W_j) / step + l1 U_j / ||U_j|| + l2 U_j = 0;
    # a dropped row has ||W_j|| <= step * l1
    rng = np.random.default_rng(6)
    pen = MultiTaskElasticNet(1.5, 0.7)
    l1, l2 = pen.lower()
    W = rng.normal(size=(30, 4)) * rng.choice([0.05, 1.0], size=(30, 1))
    step = 0.4
    U = pen.prox(W, step)
    nU = np.linalg.norm(U, axis=1)
    kept = nU > 0
    resid = (U - W) / step + l1 * U / np.where(kept, nU, 1.0)[:, None] + l2 * U
    np.testing.assert_allclose(resid[kept], 0.0, atol=1e-12)
    assert np.all(np.linalg.norm(W[~kept], axis=1) <= step * l1)
    assert kept.any() and (~kept).any()


def test_multitask_value_and_inputs():
    W = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    W0 = W.copy()
    pen = MultiTaskElasticNet(2.0, 0.5)
    assert pen.value(W) == pytest.approx(1.0 * (5.0 + 1.0) + 0.5 * 1.0 * 26.0, rel=1e-15)
    assert pen.prox(W, 0.1).dtype == np.float32
    np.testing.assert_array_equal(W, W0)
    with pytest.raises(ValueError, match="2-D"):
        pen.value(np.ones(3))
    with pytest.raises(ValueError, match="l1_ratio"):
        MultiTaskElasticNet(1.0, 1.5)
    assert pen == MultiTaskElasticNet(2.0, 0.5) and pen != MultiTaskElasticNet(2.0, 0.6)
