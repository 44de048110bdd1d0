"""scikit-learn estimators for L1/L2-regularised linear regression fitted by fused epochs.

Needs scikit-learn (``pip install fastnorm[sklearn]``); importing :mod:`fastnorm` alone never
imports it.
"""

from fastnorm.linear_model._base import _SKLEARN_MSG  # noqa: F401  (raises without sklearn)
from fastnorm.linear_model._coordinate import ElasticNet, Lasso
from fastnorm.linear_model._ridge import LinearRegression, Ridge
from fastnorm.linear_model.epoch import fused_epoch

__all__ = ["ElasticNet", "Lasso", "LinearRegression", "Ridge", "fused_epoch"]


def __getattr__(name):  # the Gram helper's path functions, when present
    if name in ("lasso_path", "enet_path", "LassoCV", "ElasticNetCV"):
        from fastnorm.linear_model import _path

        return getattr(_path, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
