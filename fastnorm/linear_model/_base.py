"""The estimator base of the linear models: the scikit-learn guard, the shared parameter
constraints and :class:`FusedLinearModel`, whose ``fit`` is the one fit loop
(:mod:`fastnorm.linear_model._fit`).

Layers of :mod:`fastnorm.linear_model`, each importing only those above it in this list:
``_validation`` -> ``_datafit``, ``_problem``, ``_gram`` -> ``_stream`` -> ``_solvers`` ->
``_data`` (NumPy backend), ``_dask_backend`` -> ``_fit`` -> ``_base`` -> estimators
(``_coordinate``, ``_ridge``) -> ``_path`` (paths and CV).  ``tests/test_imports.py`` keeps
it so.
"""

from __future__ import annotations

from numbers import Integral, Real

from fastnorm.linear_model._data import NumpyPass  # noqa: F401  (re-export for bench/)
from fastnorm.linear_model._datafit import Moments, Quadratic  # noqa: F401
from fastnorm.linear_model._fit import fit as _fit
from fastnorm.linear_model._solvers import PUBLIC
from fastnorm.linear_model._validation import validate_params

_SKLEARN_MSG = (
    "fastnorm.linear_model needs scikit-learn: pip install fastnorm[sklearn] "
    "(or pip install scikit-learn)"
)

try:
    import sklearn  # noqa: F401
    from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model._base import LinearModel
    from sklearn.utils._param_validation import Hidden, Interval, StrOptions
    from sklearn.utils.validation import check_is_fitted
except ImportError as exc:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(_SKLEARN_MSG) from exc

__all__ = [
    "BaseEstimator",
    "ConvergenceWarning",
    "FusedLinearModel",
    "Hidden",
    "LinearModel",
    "RegressorMixin",
    "check_is_fitted",
]

#: ``solver=`` values: "auto" and the registered public solvers (a live set: see
#: ``fastnorm.linear_model._solvers.register``).
SOLVERS = PUBLIC

#: Largest p (Lasso, ElasticNet) for which ``solver="auto"`` takes the Gram solver: exact
#: coordinate descent, scikit-learn's algorithm, at p^2 floats of memory.
AUTO_GRAM_MAX_P = 2048

COMMON_CONSTRAINTS: dict = {
    "fit_intercept": ["boolean"],
    "max_iter": [Interval(Integral, 1, None, closed="left"), None],
    "tol": [Interval(Real, 0, None, closed="left")],
    "warm_start": ["boolean"],
    "positive": ["boolean"],
    "copy_X": ["boolean"],
    "solver": [StrOptions(SOLVERS)],
    "verbose": ["verbose"],
    "callback": [callable, None],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "eta0": [Interval(Real, 0, None, closed="neither"), None],
    "random_state": ["random_state"],
}


class FusedLinearModel(MultiOutputMixin, RegressorMixin, LinearModel):
    """Shared ``fit`` of Lasso, ElasticNet, Ridge and LinearRegression (one problem per
    target).

    Subclasses define how they lower to the solvers' scale,
    ``(1/(2n)) ||y - Xw - b||^2 + l1 ||w||_1 + 0.5 l2 ||w||^2``:

    ``_lower(raw_sw_sum, n, n_targets) -> (l1s, l2s)``
        per-target penalty scalars (arrays of length ``n_targets``);
    ``_obj_scale(raw_sw_sum, n)``
        the factor from that scale to the estimator's own objective;
    ``_solver_key(n, p, backend)``
        the registry key of the solver to run (``"auto"`` resolved);
    ``_solver_tol(key)``
        the tolerance handed to it (default: ``tol``).
    """

    _reports_gap = True
    _default_max_iter = 1000
    _squeeze_single_target = True  # y (n, 1) -> coef_ (p,), as scikit-learn's Lasso/Ridge
    #: The data fit of the pass-based solvers (``fastnorm.linear_model._datafit``): a new
    #: estimator (logistic) sets its own class here; the fit loop is unchanged.
    _datafit = Quadratic
    #: ``n_iter_`` after a direct (exact) solve.
    _direct_n_iter: int | None = 1

    def _validate_params(self) -> None:
        validate_params(self)  # scikit-learn's check, its constraint objects made once

    def _lower(self, raw_sum: float, n: int, k: int):  # pragma: no cover - abstract
        raise NotImplementedError

    def _obj_scale(self, raw_sum: float, n: int) -> float:
        return 1.0

    def _solver_key(self, n: int, p: int, backend) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _solver_tol(self, key: str) -> float:
        """The ``tol`` the solver ``key`` is given (the estimator's, in scikit-learn's
        duality-gap scale)."""
        return self.tol

    def fit(self, X, y, sample_weight=None):
        """Fit the model.

        Parameters
        ----------
        X : ndarray or Dask array of shape (n_samples, n_features)
            float32 or float64 data; C- or F-contiguous arrays (and read-only memmaps) are
            used in place, never copied nor modified.  Other dtypes are converted to float64.
            A Dask array is fitted on its chunks (the data passes run on the workers).
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None
            A float is a constant weight.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return _fit(self, X, y, sample_weight)
