"""Every linear-model entry point gives bit-identical results for 1 and 2 threads (the
estimators' fits are in tests/test_fit_core.py; here the paths, the CV estimators, float32
and F-ordered X, and the SGD solver's documented condition: a fixed ``random_state``)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import fastnorm  # noqa: E402
from fastnorm.linear_model import (  # noqa: E402
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    Ridge,
    enet_path,
    lasso_path,
)


def _data(n=40_000, p=12, dtype=np.float64, order="C"):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    return np.asarray(X, dtype=dtype, order=order), y.astype(dtype)


CALLS = {
    "lasso_path": lambda X, y: lasso_path(X, y, alphas=8)[1],
    "enet_path": lambda X, y: enet_path(X, y, l1_ratio=0.5, alphas=8)[1],
    "LassoCV": lambda X, y: LassoCV(alphas=6, cv=3).fit(X, y).coef_,
    "ElasticNetCV": lambda X, y: ElasticNetCV(alphas=6, cv=3, l1_ratio=0.5).fit(X, y).coef_,
    "Lasso-stream-F": lambda X, y: (
        Lasso(alpha=0.05, solver="stream", max_iter=5).fit(np.asfortranarray(X), y).coef_
    ),
    "Lasso-f32": lambda X, y: Lasso(alpha=0.05).fit(X.astype(np.float32), y).coef_,
    "Ridge-f32": lambda X, y: Ridge().fit(X.astype(np.float32), y.astype(np.float32)).coef_,
    "ElasticNet-sgd": lambda X, y: (
        ElasticNet(alpha=0.05, solver="sgd", max_iter=3, random_state=0).fit(X, y).coef_
    ),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_bit_identical_for_1_and_2_threads(name):
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs 2 numba threads")
    X, y = _data()
    out = []
    try:
        for t in (1, 2):
            fastnorm.set_num_threads(t)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                out.append(np.asarray(CALLS[name](X, y)))
    finally:
        fastnorm.set_num_threads(None)
    np.testing.assert_array_equal(out[0], out[1])


def test_sgd_default_random_state_draws_a_new_order_each_fit():
    # random_state=None follows scikit-learn: a fresh row order from numpy's global generator
    # on every fit, so two fits differ whatever the thread count; a fixed seed (above) makes
    # them bit-identical.
    X, y = _data(2_000, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        np.random.seed(0)
        a = ElasticNet(alpha=0.05, solver="sgd", max_iter=2).fit(X, y).coef_
        np.random.seed(0)
        b = ElasticNet(alpha=0.05, solver="sgd", max_iter=2).fit(X, y).coef_
        c = ElasticNet(alpha=0.05, solver="sgd", max_iter=2).fit(X, y).coef_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
