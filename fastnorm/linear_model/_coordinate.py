"""Lasso and ElasticNet: scikit-learn's objectives, fitted by fused epochs."""

from __future__ import annotations

import warnings
from numbers import Real

import numpy as np

from fastnorm.linear_model._base import (
    AUTO_GRAM_MAX_P,
    COMMON_CONSTRAINTS,
    FusedLinearModel,
    Hidden,
    Interval,
    StrOptions,
)
from fastnorm.linear_model._validation import per_target_alpha
from fastnorm.linear_model._workset import (
    AUTO_GRAM_MIN_RATIO,
    AUTO_WS_GRAM_MIN_P,
    AUTO_WS_MIN_P,
    WS_GRAM_MIN_ROWS,
    WS_SEED_MIN_ROWS,
    WS_SEED_RATIO,
)

_ENET_EXTRA = {
    "precompute": ["boolean", StrOptions({"auto"}), "array-like"],
    "selection": [StrOptions({"cyclic", "random"})],
}

__all__ = ["ElasticNet", "Lasso"]

_SOLVER_DOC = """
    solver : {"auto", "gram", "stream", "sgd"}, default="auto"
        ``"gram"``: one fused pass builds ``X.T @ X``, ``X.T @ y`` and the column means, then
        coordinate descent runs on the p x p system (best when n_samples >> n_features).
        ``"stream"``: accelerated proximal gradient with restart; each epoch is one fused
        parallel pass over the rows of X giving the residual, gradient, objective and
        duality gap.  ``"sgd"``: per-sample (or mini-batch) proximal SGD with the update
        ``w <- w - lr * (2 (w x + b - y) x + penalty gradient)``; one extra fused pass per
        epoch measures the gap.  ``"workset"``: working sets (celer's and skglm's idea):
        one fused pass gives the gradient, the duality gap and gap-safe screening, then
        coordinate descent with Anderson acceleration runs on the most violating features
        only (best on wide data).  ``"auto"`` picks ``"gram"`` (exact coordinate descent,
        scikit-learn's algorithm) when n_samples >= 10 n_features or n_features <= 128 (and
        n_features <= 2048), else ``"workset"`` (``"gram"``, or ``"stream"`` above 2048
        features, without an L1 term or on Dask arrays).  Every solver stops on
        scikit-learn's duality-gap criterion.
    verbose : int, default=0
        Print the objective and the gap after every epoch.
    callback : callable ``(epoch, objective, gap) -> bool`` or None
        Called after every epoch; returning True stops the fit (no ConvergenceWarning).
    batch_size : int, default=1
        Rows per update of the ``"sgd"`` solver.
    eta0 : float or None, default=None
        Initial learning rate of the ``"sgd"`` solver (None: from the data's scale).
    random_state : int, RandomState instance or None, default=None
        Row order of the ``"sgd"`` solver, coordinate order of ``selection="random"``.
    precompute : bool, "auto" or array of shape (n_features, n_features), default=False
        scikit-learn's switch for the Gram matrix: True makes ``solver="auto"`` use the
        ``"gram"`` solver whatever the shape.  An array is used as the Gram matrix
        ``X.T @ X`` (weighted by the rescaled ``sample_weight``) by the ``"gram"`` solver, as
        scikit-learn uses it: one of its entries is checked against X (ValueError when it
        differs), and with ``fit_intercept=True`` on X whose columns are not centred it is
        recomputed, with scikit-learn's UserWarning.
    selection : {"cyclic", "random"}, default="cyclic"
        Coordinate order of the ``"gram"`` solver, as in scikit-learn: ``"random"`` updates
        a coordinate drawn at random (seeded by ``random_state``, scikit-learn's generator)
        at each step.  The other solvers have no coordinates to select and raise ValueError
        with it (also ``"auto"`` when it resolves to ``"stream"``)."""

_ATTR_DOC = """
    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Same dtype as X (float32 stays float32).
    intercept_ : float or ndarray of shape (n_targets,)
    n_iter_ : int or list of int
        Epochs (passes over X, or coordinate-descent sweeps for ``"gram"``).
    dual_gap_ : float or ndarray of shape (n_targets,)
        Duality gap at the end, in scikit-learn's scale (divided by n_samples).
    objective_path_ : ndarray or list of ndarray
        The objective after each epoch, starting with the initial point.
    solver_ : str
        The solver used (``"auto"`` resolved).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X has feature names."""


class ElasticNet(FusedLinearModel):
    __doc__ = (
        """Linear regression with combined L1 and L2 priors, as scikit-learn's ElasticNet.

    Minimises ``1 / (2 * n_samples) * ||y - Xw - b||^2_2 + alpha * l1_ratio * ||w||_1
    + 0.5 * alpha * (1 - l1_ratio) * ||w||^2_2``.  X is never copied (the intercept is fitted
    through the column means) and float32 stays float32 with float64 accumulation.

    Parameters
    ----------
    alpha : float or array of shape (n_targets,), default=1.0
        An array gives each target of a 2-D y its own alpha (an extension: scikit-learn's
        ElasticNet takes a float; its Ridge takes such an array).
    l1_ratio : float in [0, 1], default=0.5
    fit_intercept : bool, default=True
    max_iter : int, default=1000
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y - mean(y)||^2 / n_samples``
        (scikit-learn's criterion).
    warm_start : bool, default=False
    positive : bool, default=False
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified nor copied, whatever its value.
"""
        + _SOLVER_DOC
        + "\n"
        + _ATTR_DOC
        + """

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import ElasticNet
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0]])
    >>> model = ElasticNet(alpha=0.1, l1_ratio=0.5).fit(X, [1.0, 1.0, 3.0, 6.0])
    >>> model.predict([[4.0, 4.0]]).round(3)
    array([7.754])
    """
    )

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), Hidden("array-like")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        **COMMON_CONSTRAINTS,
        **_ENET_EXTRA,
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        l1_ratio=0.5,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        positive=False,
        copy_X=True,
        solver="auto",
        verbose=0,
        callback=None,
        batch_size=1,
        eta0=None,
        random_state=None,
        precompute=False,
        selection="cyclic",
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.precompute = precompute
        self.selection = selection
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.copy_X = copy_X
        self.solver = solver
        self.verbose = verbose
        self.callback = callback
        self.batch_size = batch_size
        self.eta0 = eta0
        self.random_state = random_state

    @property
    def sparse_coef_(self):
        """Sparse representation of the fitted ``coef_`` (needs scipy)."""
        from scipy import sparse

        return sparse.csr_array(np.atleast_2d(self.coef_))

    def fit(self, X, y, sample_weight=None, check_input=True):
        """Fit the model.

        Parameters
        ----------
        X : ndarray or Dask array of shape (n_samples, n_features)
            float32 or float64 data; C- or F-contiguous arrays (and read-only memmaps) are
            used in place, never copied nor modified.  Other dtypes are converted to float64.
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : float or array-like of shape (n_samples,), default=None
            Rescaled internally to sum to n_samples (as scikit-learn does).
        check_input : bool, default=True
            Accepted as scikit-learn's: validation never copies X here and is cheap, so it
            always runs.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if _is_gram_array(self.precompute):
            return _fit_precomputed(self, X, y, sample_weight)
        return super().fit(X, y, sample_weight)

    def _solver_key(self, n, p, backend):
        solver = self.solver
        if solver == "auto":
            solver = self._auto_solver(n, p, backend)
        if self.selection == "random" and solver != "gram":
            raise ValueError(
                f"selection='random' chooses coordinates of coordinate descent; solver="
                f"{solver!r} has none. Use solver='gram' (or 'auto'), or selection='cyclic'."
            )
        return solver

    def _auto_solver(self, n, p, backend):
        """The cost rule of ``solver="auto"`` (measurements: bench/README.md, "solver='auto'").

        The Gram solver pays one pass of ``n p^2`` flops, then ``p^2`` per sweep; the working
        set pays ~10-20 passes of ``n p`` plus sweeps over a few columns.  Gram wins on tall
        data (``n >= AUTO_GRAM_MIN_RATIO * p``, p at most ``AUTO_GRAM_MAX_P``) and on small p
        (``p <= AUTO_WS_MIN_P``: a cheap Gram system, and scikit-learn's own iterates), the
        working set everywhere else, and on tall F-ordered data with ``p >=
        AUTO_WS_GRAM_MIN_P`` and ``n >= WS_GRAM_MIN_ROWS``, where its inner solver runs on
        the set's Gram matrix (``|WS|^2 n / 2`` instead of ``p^2 n / 2``, plus 3-7 passes of
        ``n p``), and on very tall F-ordered data (``n >= WS_SEED_RATIO * p``, ``n >=
        WS_SEED_MIN_ROWS``, ``p > AUTO_WS_MIN_P``), where the first working set is seeded
        from a row subsample's fit (one Gram block of the set, then 1-2 passes).
        ``precompute=True``, ``selection="random"`` (coordinates of the full problem), a zero
        L1 term (nothing to screen) and arrays not in memory (Dask) keep the rule without
        working sets: Gram up to ``AUTO_GRAM_MAX_P`` features, streaming above.
        """
        gram_ok = p <= AUTO_GRAM_MAX_P
        if self.precompute is True or _is_gram_array(self.precompute):
            return "gram"
        if self.selection == "random" and gram_ok:
            return "gram"
        # alpha may hold one value per target: every target needs an L1 term to screen
        a = self.alpha
        if type(a) in (float, int):  # a plain number: no array (~5 us)
            l1_pos = a * self.l1_ratio > 0
        else:
            l1_pos = bool(np.all(np.asarray(a, dtype=np.float64) * self.l1_ratio > 0))
        ws_ok = "rows" in backend.provides and l1_pos
        tall_or_small = n >= AUTO_GRAM_MIN_RATIO * p or p <= AUTO_WS_MIN_P
        # tall and wide: the inner solver runs on the set's Gram matrix; very tall: the first
        # set is seeded from a row subsample's fit, then one Gram block of the set and 1-2
        # passes (bench/README.md, "Seeding tall working sets").  Both read F-ordered X in
        # place; C order pays a serial transposing gather of the set's columns
        tall_wide = n >= WS_GRAM_MIN_ROWS and p >= AUTO_WS_GRAM_MIN_P
        very_tall = n >= max(WS_SEED_MIN_ROWS, WS_SEED_RATIO * p) and p > AUTO_WS_MIN_P
        if ws_ok and (tall_wide or very_tall):
            X = getattr(backend, "X", None)
            if isinstance(X, np.ndarray) and np.isfortran(X):
                return "workset"
        if ws_ok and not (gram_ok and tall_or_small):
            return "workset"
        return "gram" if gram_ok else "stream"

    def _lower(self, raw_sum, n, k):
        a = self.alpha
        if type(a) is float and a > 0:  # the common case, without the array checks (~20 us)
            return np.full(k, a * self.l1_ratio), np.full(k, a * (1.0 - self.l1_ratio))
        alpha = per_target_alpha(a, k)
        if np.any(alpha == 0):
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to use "
                "the LinearRegression estimator",
                stacklevel=4,
            )
        l1 = alpha * self.l1_ratio
        l2 = alpha * (1.0 - self.l1_ratio)
        return np.broadcast_to(l1, (k,)), np.broadcast_to(l2, (k,))


def _is_gram_array(precompute) -> bool:
    return hasattr(precompute, "__array__") and not isinstance(precompute, (str, bool))


def _fit_precomputed(est, X, y, sample_weight):
    """``fit`` with a user's Gram matrix, as scikit-learn's ``_pre_fit`` takes it.

    The weighted column means decide (scikit-learn's rule): with ``fit_intercept`` and means
    not all close to zero the Gram is recomputed (UserWarning); otherwise one entry is
    checked against X, and the ``"gram"`` solver runs on the array with ``X_c^T W y_c``,
    ``y_c^T W y_c`` and the means computed from the data (one matrix-vector product).
    """
    from fastnorm.linear_model._data import NumpyBackend
    from fastnorm.linear_model._fit import fit_on, make_backend
    from fastnorm.linear_model._gram import GramStats

    est._validate_params()
    backend = make_backend(est, X, y, sample_weight)
    if not isinstance(backend, NumpyBackend):  # Dask: the Gram comes from the chunks
        return fit_on(est, backend)
    Xa, Y, sw = backend.X, backend.Y, backend.sw
    n, p = Xa.shape
    s = np.ones(n) if sw is None else sw
    if est.fit_intercept:
        x_off = (s @ Xa) / n if sw is not None else np.asarray(Xa.mean(axis=0), np.float64)
        y_off = (s @ Y) / n
    else:
        x_off, y_off = np.zeros(p), np.zeros(Y.shape[1])
    G = np.asarray(est.precompute)
    if est.fit_intercept and not np.allclose(x_off, np.zeros(p)):
        warnings.warn(
            "Gram matrix was provided but X was centered to fit intercept: recomputing Gram "
            "matrix.",
            UserWarning,
            stacklevel=3,
        )
        return fit_on(est, backend)
    if G.shape != (p, p):
        raise ValueError(f"precompute should be of shape {(p, p)}, got {G.shape}.")
    _check_gram_entry(Xa, G, x_off, s)
    Gf = np.ascontiguousarray(G, dtype=np.float64)
    Yc = (Y - y_off) * s[:, None]
    Xty = np.asarray(Xa.T @ Yc, dtype=np.float64) - np.outer(x_off, Yc.sum(axis=0))
    yty = np.einsum("ik,ik->k", Y - y_off, Yc)
    raw_scale = n / backend.raw_sum
    gram = {
        t: GramStats(
            Gf,
            np.ascontiguousarray(Xty[:, t]),
            x_off,
            float(y_off[t]),
            float(yty[t]),
            float(n),
            n,
            raw_scale,
            Xa.dtype,
        )  # fmt: skip
        for t in range(Y.shape[1])
    }
    backend._gram.update(gram)
    return fit_on(est, backend)


def _check_gram_entry(X, G, x_off, s) -> None:
    """scikit-learn's ``_check_precomputed_gram_matrix``: the entry ``(p // 2, p // 2 + 1)``
    against the weighted, centred columns of X (rtol 1e-4 for float32, else 1e-7; atol
    1e-5), with its message."""
    p = X.shape[1]
    f1 = p // 2
    f2 = min(f1 + 1, p - 1)
    q = np.sqrt(s)
    v1 = (X[:, f1] - x_off[f1]) * q
    v2 = (X[:, f2] - x_off[f2]) * q
    expected = np.dot(v1, v2)
    actual = G[f1, f2]
    rtol = max(1e-4 if d == np.float32 else 1e-7 for d in (G.dtype, X.dtype))
    if not np.isclose(expected, actual, rtol=rtol, atol=1e-5):
        raise ValueError(
            "Gram matrix passed in via 'precompute' parameter did not pass validation when "
            "a single element was checked - please check that it was computed properly. For "
            f"element ({f1},{f2}) we computed {expected} but the user-supplied value was "
            f"{actual}."
        )


class Lasso(ElasticNet):
    __doc__ = (
        """Linear model trained with an L1 prior, as scikit-learn's Lasso.

    Minimises ``(1 / (2 * n_samples)) * ||y - Xw - b||^2_2 + alpha * ||w||_1``.  X is never
    copied (the intercept is fitted through the column means) and float32 stays float32.

    Parameters
    ----------
    alpha : float or array of shape (n_targets,), default=1.0
        An array gives each target of a 2-D y its own alpha (an extension: scikit-learn's
        Lasso takes a float; its Ridge takes such an array).
    fit_intercept : bool, default=True
    max_iter : int, default=1000
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y - mean(y)||^2 / n_samples``.
    warm_start : bool, default=False
    positive : bool, default=False
    copy_X : bool, default=True
        Accepted for compatibility: X is never modified nor copied.
"""
        + _SOLVER_DOC
        + "\n"
        + _ATTR_DOC
        + """

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import Lasso
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0]])
    >>> model = Lasso(alpha=0.1).fit(X, [1.0, 1.0, 3.0, 6.0])
    >>> model.coef_.round(3), round(float(model.intercept_), 3)
    (array([0.957, 0.948]), 0.13)
    """
    )

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left"), Hidden("array-like")],
        **COMMON_CONSTRAINTS,
        **_ENET_EXTRA,
    }

    def __init__(
        self,
        alpha=1.0,
        *,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-4,
        warm_start=False,
        positive=False,
        copy_X=True,
        solver="auto",
        verbose=0,
        callback=None,
        batch_size=1,
        eta0=None,
        random_state=None,
        precompute=False,
        selection="cyclic",
    ):
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
            copy_X=copy_X,
            solver=solver,
            verbose=verbose,
            callback=callback,
            batch_size=batch_size,
            eta0=eta0,
            random_state=random_state,
            precompute=precompute,
            selection=selection,
        )
