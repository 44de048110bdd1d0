"""The working-set solver's Gram inner solver (tall data) against scikit-learn at tight tol.

The path is forced on small problems by lowering its thresholds (it starts at 20,000 rows).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from fastnorm.linear_model import _workset  # noqa: E402
from tests.test_workset import check_same, correlated  # noqa: E402


@pytest.fixture
def gram_path(monkeypatch):
    """Force the Gram inner solver from 100 rows and a first set of 8 columns; count its
    inner solves."""
    monkeypatch.setattr(_workset, "WS_GRAM_MIN_ROWS", 100)
    monkeypatch.setattr(_workset, "WS_GRAM_RATIO", 4)
    monkeypatch.setattr(_workset, "WS_GRAM_START", 8)
    monkeypatch.setattr(_workset, "WS_START", 8)
    monkeypatch.setattr(_workset, "WS_FULL_MAX", 1 << 15)  # growing sets on 3000 x 40
    calls = []
    step = _workset._gram_step

    def counted(*args, **kw):
        calls.append(args[1].shape[0])
        return step(*args, **kw)

    monkeypatch.setattr(_workset, "_gram_step", counted)
    return calls


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gram_inner_layouts(gram_path, layout, fit_intercept):
    X, y = correlated(3000, 40, 0.6, seed=21)
    X = np.asarray(X, order=layout)
    check_same(X, y, 0.01, fit_intercept=fit_intercept)
    assert len(gram_path) >= 2  # several outer steps: the Gram block grew


def test_gram_inner_weights_positive_float32(gram_path):
    X, y = correlated(3000, 40, 0.6, seed=22)
    sw = np.random.default_rng(2).uniform(0.2, 3.0, size=3000)
    check_same(np.asfortranarray(X), y, 0.02, sw=sw)
    check_same(X, y, 0.02, sw=sw)
    check_same(X, y, 0.02, positive=True)
    # coef_ is rounded to float32: the objective moves by ~1e-7 relative
    check_same(np.asfortranarray(X.astype(np.float32)), y, 0.02, rtol=1e-6)
    check_same(X.astype(np.float32), y, 0.02, rtol=1e-6, sw=sw)
    assert gram_path


@pytest.mark.parametrize("l1_ratio", [0.5, 0.9])
def test_gram_inner_elastic_net(gram_path, l1_ratio):
    X, y = correlated(3000, 40, 0.6, seed=23)
    check_same(np.asfortranarray(X), y, 0.02, l1_ratio=l1_ratio)
    assert gram_path


def test_gram_cache_restarts(gram_path, monkeypatch):
    """A cache smaller than the sets grown: it restarts from the working set, same optimum."""
    monkeypatch.setattr(_workset, "WS_GRAM_CACHE", 12)
    X, y = correlated(3000, 40, 0.0, seed=24)
    check_same(X, y, 0.005)
    assert max(gram_path) > 12


def test_gram_inner_gap_semantics(gram_path):
    """``dual_gap_`` is under ``tol * ||y_c||^2 / n`` (scikit-learn's rule) once converged."""
    from fastnorm.linear_model import Lasso

    X, y = correlated(3000, 40, 0.6, seed=25)
    for tol in (1e-4, 1e-8):
        est = Lasso(alpha=0.01, solver="workset", tol=tol).fit(np.asfortranarray(X), y)
        yc = y - y.mean()
        assert 0.0 <= est.dual_gap_ <= tol * (yc @ yc) / len(y)
    assert gram_path


def test_auto_rule_tall_and_wide(monkeypatch):
    """``solver="auto"`` takes the working set (Gram inner) on tall F-ordered data with enough
    features (thresholds lowered here), the Gram solver on tall data with few or C order."""
    from fastnorm.linear_model import Lasso, _coordinate

    X, y = correlated(3000, 40, 0.6, seed=26)
    assert Lasso(alpha=0.05).fit(X, y).solver_ == "gram"
    X = np.asfortranarray(X)
    assert Lasso(alpha=0.05).fit(X, y).solver_ == "gram"
    monkeypatch.setattr(_coordinate, "WS_GRAM_MIN_ROWS", 1000)
    monkeypatch.setattr(_coordinate, "AUTO_WS_GRAM_MIN_P", 40)
    assert Lasso(alpha=0.05).fit(X, y).solver_ == "workset"
    assert Lasso(alpha=0.05, precompute=True).fit(X, y).solver_ == "gram"
    assert Lasso(alpha=0.05).fit(X[:999], y[:999]).solver_ == "gram"
    assert Lasso(alpha=0.05).fit(np.ascontiguousarray(X), y).solver_ == "gram"  # C order


@pytest.fixture
def seed_path(gram_path, monkeypatch):
    """Force the seeded first working set (row-subsample fit) from 1000 rows and 100 rows per
    feature; record the sizes of the seeded sets."""
    monkeypatch.setattr(_workset, "WS_SEED_MIN_ROWS", 1000)
    monkeypatch.setattr(_workset, "WS_SEED_RATIO", 100)
    seeds = []
    seed = _workset._seed

    def counted(*args, **kw):
        out = seed(*args, **kw)
        if out is not None:
            seeds.append(out[0].shape[0])
        return out

    monkeypatch.setattr(_workset, "_seed", counted)
    return seeds


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_seeded_layouts(seed_path, layout, fit_intercept):
    X, y = correlated(6000, 40, 0.6, seed=31)
    X = np.asarray(X, order=layout)
    check_same(X, y, 0.01, fit_intercept=fit_intercept)
    assert seed_path  # the first set came from the subsample's fit


def test_seeded_weights_positive_float32(seed_path):
    X, y = correlated(6000, 40, 0.6, seed=32)
    sw = np.random.default_rng(3).uniform(0.2, 3.0, size=6000)
    check_same(np.asfortranarray(X), y, 0.02, sw=sw)
    sw[:100] = 0.0  # the first subsample block weighs nothing: skipped
    check_same(np.asfortranarray(X), y, 0.02, sw=sw)
    check_same(np.asfortranarray(X), y, 0.02, positive=True)
    check_same(np.asfortranarray(X.astype(np.float32)), y, 0.02, rtol=1e-6, sw=sw)
    assert len(seed_path) == 4


@pytest.mark.parametrize("l1_ratio", [0.5, 0.9])
def test_seeded_elastic_net(seed_path, l1_ratio):
    X, y = correlated(6000, 40, 0.6, seed=33)
    check_same(np.asfortranarray(X), y, 0.02, l1_ratio=l1_ratio, fit_intercept=False)
    assert seed_path


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_seeded_deferred_moments(seed_path, monkeypatch, fit_intercept):
    """The seeded fit takes the column moments from its first full pass (after the seeded
    set's Gram solve, centred by the subsample's means): scikit-learn's solution, and the
    all-zero one in one pass from alpha_max on."""
    passes = []
    defer = _workset._Prepared._defer_xtv
    monkeypatch.setattr(
        _workset._Prepared, "_defer_xtv", lambda s, V: passes.append(1) or defer(s, V)
    )
    X, y = correlated(6000, 40, 0.6, seed=34)
    rng = np.random.default_rng(4)
    X = np.asfortranarray(X * rng.uniform(0.5, 3.0, 40) + rng.uniform(-5.0, 5.0, 40))
    check_same(X, y + 2.0, 0.01, fit_intercept=fit_intercept)
    assert seed_path and passes == [1]
    for reg in (1.0, 1.5):  # alpha >= alpha_max
        est = check_same(X, y + 2.0, reg, fit_intercept=fit_intercept)
        assert not est.coef_.any() and est.n_iter_ == 1 and est.dual_gap_ <= 1e-12
    assert len(passes) == 3


@pytest.mark.parametrize("weighted", [False, True])
def test_subsample_stats(weighted):
    """The merged blocks' statistics equal those of the blocks' rows taken at once."""
    from fastnorm.linear_model._gram import gram_stats

    rng = np.random.default_rng(4)
    X = np.asfortranarray(rng.normal(size=(6400, 7)) + 50.0)  # far from the origin
    y = rng.normal(size=6400) + 3.0
    sw = rng.uniform(0.1, 2.0, size=6400) if weighted else None
    G, Xty, yty, n, _ = _workset._sub_stats(X, y, sw, True)
    rows = np.concatenate([np.arange(i * 800, i * 800 + 100) for i in range(8)])
    ref = gram_stats(X[rows], y[rows], None if sw is None else sw[rows], True)
    assert n == ref.n == 800
    np.testing.assert_allclose(G, ref.G, rtol=1e-9)
    np.testing.assert_allclose(Xty, ref.Xty, rtol=1e-9, atol=1e-9 * np.abs(ref.G).max())
    np.testing.assert_allclose(yty, ref.yty, rtol=1e-9)


def test_auto_rule_seeded(monkeypatch):
    """``solver="auto"`` takes the seeded working set on very tall F-ordered data (thresholds
    lowered here), the Gram solver on C order and on few features."""
    from fastnorm.linear_model import Lasso, _coordinate

    X, y = correlated(6000, 140, 0.6, seed=34)
    assert Lasso(alpha=0.05).fit(np.asfortranarray(X), y).solver_ == "gram"
    monkeypatch.setattr(_coordinate, "WS_SEED_MIN_ROWS", 1000)
    monkeypatch.setattr(_coordinate, "WS_SEED_RATIO", 40)
    assert Lasso(alpha=0.05).fit(np.asfortranarray(X), y).solver_ == "workset"
    assert Lasso(alpha=0.05).fit(X, y).solver_ == "gram"  # C order
    assert Lasso(alpha=0.05).fit(np.asfortranarray(X[:, :100]), y).solver_ == "gram"


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("row", [0, 3001])
def test_seeded_nonfinite_input_raises_sklearns_error(seed_path, bad, row, monkeypatch):
    # the seeded fit defers the column moments (and their finiteness check) to its first
    # full pass: a non-finite X still raises scikit-learn's error, inside or outside the
    # rows of the subsample, and X is left as it was
    from sklearn.linear_model import Lasso as SkLasso

    from fastnorm.linear_model import Lasso

    X, y = correlated(6000, 40, 0.6, seed=33)
    X = np.asfortranarray(X)
    X[row, 7] = bad
    before = X.copy()
    deferred = []
    defer_xtv = _workset._Prepared._defer_xtv

    def spy(self, V):
        deferred.append(1)
        return defer_xtv(self, V)

    monkeypatch.setattr(_workset._Prepared, "_defer_xtv", spy)
    with pytest.raises(ValueError) as ref:
        SkLasso(alpha=0.01).fit(X, y)
    with pytest.raises(ValueError) as ours:
        Lasso(alpha=0.01, solver="workset").fit(X, y)
    assert str(ours.value) == str(ref.value)
    assert deferred  # the check ran in the deferred first pass
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("p", [3, 8, 21])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_pass_and_residual_kernels(p, weighted, dtype):
    """The tall solver's fused pass (column sums, squared sums, ``X^T v``: eight columns per
    task) and its residual from the set's columns (four per sweep) against numpy, the
    parallel build equal to the serial one; inputs unchanged."""
    from fastnorm._kernels import workset as kw

    rng = np.random.default_rng(p)
    X = np.asfortranarray(rng.standard_normal((500, p)), dtype=dtype)
    X0 = X.copy()
    v = rng.standard_normal(500)
    sw = rng.random(500) if weighted else np.empty(0)
    s = sw if weighted else np.ones(500)
    Xd = X.astype(np.float64)
    outs = []
    for build in (kw.colstats_xtv_cols.serial, kw.colstats_xtv_cols.parallel):
        o = [np.empty(p) for _ in range(3)]
        build(X.T, sw, v, *o)
        outs.append(o)
    for got, want in zip(outs[0], (s @ Xd, s @ (Xd * Xd), Xd.T @ v), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    for a, b in zip(*outs, strict=True):
        np.testing.assert_array_equal(a, b)
    cols = rng.integers(0, p, 7).astype(np.int64)
    w = rng.standard_normal(7)
    w[2] = 0.0
    off = rng.standard_normal(p)
    q = np.sqrt(sw) if weighted else np.empty(0)
    R = np.empty(500)
    kw.residual_src.serial(X.T, cols, w, off, q, v, R)
    want = v - (q if weighted else 1.0) * ((Xd[:, cols] - off[cols]) @ w)
    np.testing.assert_allclose(R, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(X, X0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_subsample_stats_raw(dtype):
    """Without intercept nor weights (F-ordered X) the subsample's statistics are one
    ``gram_block`` over its rows: the raw sums, as ``gram_stats`` gives them."""
    from fastnorm.linear_model._gram import gram_stats

    rng = np.random.default_rng(5)
    X = np.asfortranarray(rng.normal(size=(6400, 7)) + 1.0, dtype=dtype)
    y = rng.normal(size=6400)
    G, Xty, yty, n, (mu, yb, wsum, los, b) = _workset._sub_stats(X, y, None, False)
    rows = np.concatenate([np.arange(i * 800, i * 800 + 100) for i in range(8)])
    ref = gram_stats(X[rows], y[rows], None, False)
    assert n == ref.n == wsum == 800 and b == 100 and not mu.any() and yb == 0.0
    np.testing.assert_array_equal(los, np.arange(8) * 800)
    np.testing.assert_allclose(G, ref.G, rtol=1e-12)
    np.testing.assert_allclose(Xty, ref.Xty, rtol=1e-12, atol=1e-12 * np.abs(ref.G).max())
    np.testing.assert_allclose(yty, ref.yty, rtol=1e-12)
