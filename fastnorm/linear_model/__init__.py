"""scikit-learn estimators for L1/L2-regularised linear regression fitted by fused epochs.

Needs scikit-learn (``pip install fastnorm[sklearn]``); importing :mod:`fastnorm` alone never
imports it.

* :class:`Lasso`, :class:`ElasticNet`, :class:`Ridge`, :class:`LinearRegression`: drop-in
  replacements for scikit-learn's, with ``solver`` in ``{"auto", "gram", "stream", "sgd"}``.
* :func:`lasso_path`, :func:`enet_path`, :class:`LassoCV`, :class:`ElasticNetCV`: warm-started
  paths on one Gram pass.
* :class:`BatchLasso`, :class:`BatchElasticNet`, :class:`BatchRidge`: thousands of small
  independent problems (a stack X (b, n, p), or one X with ``groups=``) fitted in parallel.
* :class:`LogisticRegression`, :class:`LogisticRegressionCV`, :func:`logistic_path`: L1, L2
  and elastic-net logistic regression (binary and multinomial), paths warm-started over C.
* :func:`fused_epoch`: one fused pass over X (residual, loss, gradient) and an optional
  in-place proximal step, for hand-written training loops.
"""

from fastnorm.linear_model._base import _SKLEARN_MSG  # noqa: F401  (raises without sklearn)
from fastnorm.linear_model._batch import BatchElasticNet, BatchLasso, BatchRidge
from fastnorm.linear_model._coordinate import ElasticNet, Lasso
from fastnorm.linear_model._logistic import LogisticRegression
from fastnorm.linear_model._logistic_path import LogisticRegressionCV, logistic_path
from fastnorm.linear_model._path import ElasticNetCV, LassoCV, enet_path, lasso_path
from fastnorm.linear_model._ridge import LinearRegression, Ridge
from fastnorm.linear_model._workset import solve_workset as _solve_workset  # noqa: F401 (registers)
from fastnorm.linear_model.epoch import EpochResult, fused_epoch

__all__ = [
    "BatchElasticNet",
    "BatchLasso",
    "BatchRidge",
    "ElasticNet",
    "ElasticNetCV",
    "EpochResult",
    "Lasso",
    "LassoCV",
    "LinearRegression",
    "LogisticRegression",
    "LogisticRegressionCV",
    "Ridge",
    "enet_path",
    "fused_epoch",
    "lasso_path",
    "logistic_path",
]
