"""LogisticRegression(solver="sgd") on multinomial problems (the softmax gradient's proximal
per-sample rule) against scikit-learn's tightly converged multinomial fit.  SGD is
approximate: the objective is compared within 1e-2 relative after its epochs, and the
predicted classes on iris."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sk = pytest.importorskip("sklearn.linear_model")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from fastnorm.linear_model import LogisticRegression, logistic_path  # noqa: E402
from tests.references import ref_logistic_objective  # noqa: E402
from tests.test_logistic import _iris  # noqa: E402


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_iris_multinomial_sgd(l1_ratio):
    X, y = _iris()
    C = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = sk.LogisticRegression(C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-12,
                                    max_iter=50_000).fit(X, y)  # fmt: skip
    X0 = X.copy()
    ours = LogisticRegression(C=C, l1_ratio=l1_ratio, solver="sgd", max_iter=200,
                              random_state=0).fit(X, y)  # fmt: skip
    np.testing.assert_array_equal(X, X0)
    assert ours.coef_.shape == (3, 4) and ours.intercept_.shape == (3,)
    f_o = ref_logistic_objective(X, y, ours.coef_, ours.intercept_, C, l1_ratio)
    f_r = ref_logistic_objective(X, y, ref.coef_, ref.intercept_, C, l1_ratio)
    assert f_r * (1 - 1e-9) <= f_o <= f_r * (1 + 1e-2)
    # the same classes on at least 147 of the 150 flowers
    assert np.count_nonzero(ours.predict(X) != ref.predict(X)) <= 3
    np.testing.assert_allclose(ours.predict_proba(X).sum(axis=1), 1.0)
    # reproducible from random_state, float32 kept
    again = LogisticRegression(C=C, l1_ratio=l1_ratio, solver="sgd", max_iter=200,
                               random_state=0).fit(X, y)  # fmt: skip
    np.testing.assert_array_equal(ours.coef_, again.coef_)
    m32 = LogisticRegression(C=C, l1_ratio=l1_ratio, solver="sgd", max_iter=200,
                             random_state=0).fit(X.astype(np.float32), y)  # fmt: skip
    assert m32.coef_.dtype == np.float32


def test_path_multinomial_sgd():
    X, y = _iris()
    coefs, Cs, n_iter = logistic_path(X, y, Cs=[0.05, 0.1], solver="sgd", random_state=0,
                                      max_iter=200)  # fmt: skip
    assert coefs.shape == (2, 3, 5) and n_iter.shape == (2,)
    assert np.all(np.isfinite(coefs))
