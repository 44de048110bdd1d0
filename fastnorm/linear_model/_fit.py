"""The one fit loop of the linear models, for every backend and every solver.

``fit(est, X, y, sample_weight)`` validates the input (:mod:`._validation`), builds the
backend that reads X (:class:`~fastnorm.linear_model._data.NumpyBackend` for in-memory
arrays, :class:`~fastnorm.linear_model._dask_backend.DaskBackend` for Dask arrays: they
differ only in how a data pass, the Gram statistics and the kernel matrix are computed),
lowers the estimator to penalty scalars per target (``est._lower``), picks the solver from
the registry (``est._solver_key``, :mod:`._solvers`) and stores scikit-learn's fitted
attributes.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from fastnorm.linear_model._data import NumpyBackend
from fastnorm.linear_model._problem import Task
from fastnorm.linear_model._solvers import get
from fastnorm.linear_model._validation import is_dask, validate_fit_input

__all__ = ["fit", "fit_on", "make_backend"]


def make_backend(est: Any, X: Any, y: Any, sample_weight: Any) -> Any:
    """Validate and wrap ``(X, y, sample_weight)`` in the backend that reads them."""
    if is_dask(X) or is_dask(y) or is_dask(sample_weight):
        from fastnorm.linear_model._dask_backend import DaskBackend

        return DaskBackend(est, X, y, sample_weight)
    inp = validate_fit_input(est, X, y, sample_weight)
    return NumpyBackend(est, inp.X, inp.Y, inp.sw, inp.raw_sum, est.fit_intercept, inp.y_ndim)


def fit(est: Any, X: Any, y: Any, sample_weight: Any = None) -> Any:
    """``est.fit(X, y, sample_weight)`` for every estimator of the package."""
    est._validate_params()
    return fit_on(est, make_backend(est, X, y, sample_weight))


def fit_on(est: Any, backend: Any) -> Any:
    """Fit ``est`` on a ready backend (cross-validation passes one with known statistics)."""
    n, p, k = backend.n, backend.p, backend.k
    l1s, l2s = est._lower(backend.raw_sum, n, k)
    scale = est._obj_scale(backend.raw_sum, n)
    key = est._solver_key(n, p, backend)
    solver = get(key)
    if solver.needs not in backend.provides:
        raise NotImplementedError(
            f"solver={solver.name!r} needs {solver.needs!r} access to X, which "
            f"{type(backend).__name__} does not offer (sgd visits rows one at a time and "
            "cannot run on Dask arrays; use solver='stream' or 'gram', or compute X and y "
            "to NumPy arrays first)"
        )
    max_iter = est.max_iter if est.max_iter is not None else est._default_max_iter
    w_init = None
    states = [None] * k
    if est.warm_start and hasattr(est, "coef_"):
        c = np.asarray(est.coef_, dtype=np.float64).reshape(-1, p)
        if c.shape[0] == k:
            w_init = c
            # the solver's own state (momentum) continues where the last fit stopped when
            # coef_ is still its result (the solver checks) and the same solver runs
            prev = getattr(est, "solver_state_", None)
            if prev is not None and len(prev) == k and getattr(est, "solver_", None) == solver.name:
                states = list(prev)
    cb = est.callback
    if cb is not None and scale != 1.0:
        user_cb = cb

        def cb(e, obj, gap):
            return user_cb(e, obj * scale, gap * scale)

    coefs = np.zeros((k, p))
    intercepts = np.zeros(k)
    gaps = np.zeros(k)
    n_iters: list = []
    paths: list = []
    gap_paths: list = []
    new_states: list = []
    verbose = int(getattr(est, "verbose", 0) or 0)
    tasks = [
        Task(
            l1=float(l1s[t]),
            l2=float(l2s[t]),
            positive=bool(est.positive),
            fit_intercept=bool(est.fit_intercept),
            w0=w_init[t].copy() if w_init is not None else np.zeros(p),
            max_iter=int(max_iter),
            tol=float(est._solver_tol(key)),
            callback=cb,
            verbose=verbose,
            batch_size=int(getattr(est, "batch_size", 1)),
            eta0=getattr(est, "eta0", None),
            random_state=getattr(est, "random_state", None),
            selection=getattr(est, "selection", "cyclic"),
            state=states[t],
            datafit=est._datafit,
        )  # fmt: skip
        for t in range(k)
    ]
    if k > 1 and solver.solve_many is not None and cb is None and not verbose:
        # every target at once: one read of X, the targets solved in parallel
        results = solver.solve_many(backend, tasks)
    else:
        results = (solver.solve(backend, t, task) for t, task in enumerate(tasks))
    for t, res in enumerate(results):
        if not res.converged:
            convergence_warning(res.gap * scale, res.gap_tol * scale, res.n_iter, solver.name)
        coefs[t] = res.w
        intercepts[t] = res.intercept
        gaps[t] = res.gap * scale
        n_iters.append(res.n_iter)
        paths.append(np.asarray(res.objectives, dtype=np.float64) * scale)
        gap_paths.append(np.asarray(res.gaps, dtype=np.float64) * scale)
        new_states.append(res.state)
    est.solver_state_ = new_states if any(s is not None for s in new_states) else None
    if solver.exact:  # a direct solve has no iterations (Ridge: None, as scikit-learn)
        n_iters = [est._direct_n_iter] * k
    return set_fitted(est, backend, coefs, intercepts, gaps, n_iters, paths, gap_paths,
                      solver.name)  # fmt: skip


def convergence_warning(gap: float, tol: float, n_iter: int, solver: str) -> None:
    from sklearn.exceptions import ConvergenceWarning

    warnings.warn(
        "Objective did not converge. You might want to increase the number of iterations "
        "(max_iter), check the scale of the features or consider increasing regularisation. "
        f"Duality gap: {gap:.6e}, tolerance: {tol:.3e} after {n_iter} epochs "
        f"(solver={solver!r}).",
        ConvergenceWarning,
        stacklevel=5,
    )


def check_finite_coef(coef, intercept) -> None:
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ValueError(
            "Iterations resulted in non-finite parameter values. The input data may contain "
            "large values and need to be preprocessed."
        )


def set_fitted(est, backend, coefs, intercepts, gaps, n_iters, paths, gap_paths, solver):
    """Store the fitted attributes in scikit-learn's shapes, in X's dtype.

    1-D y: scalars.  y of shape (n, 1): ``coef_`` of shape (p,) and ``intercept_`` of shape
    (1,) (scikit-learn's Lasso, ElasticNet and Ridge; LinearRegression keeps (1, p)).
    """
    dtype = np.dtype(backend.dtype)
    check_finite_coef(coefs, intercepts)
    single = backend.y_ndim == 1
    squeeze = single or (backend.k == 1 and est._squeeze_single_target)
    if squeeze:
        est.coef_ = coefs[0].astype(dtype)
        if single:
            est.intercept_ = dtype.type(intercepts[0]) if est.fit_intercept else 0.0
        else:
            est.intercept_ = intercepts.astype(dtype) if est.fit_intercept else 0.0
        est.n_iter_ = n_iters[0]
        est.objective_path_ = paths[0]
        est.gap_path_ = gap_paths[0]
        if est._reports_gap:
            est.dual_gap_ = dtype.type(gaps[0])
    else:
        est.coef_ = coefs.astype(dtype)
        est.intercept_ = intercepts.astype(dtype) if est.fit_intercept else 0.0
        est.n_iter_ = n_iters
        est.objective_path_ = paths
        est.gap_path_ = gap_paths
        if est._reports_gap:
            est.dual_gap_ = gaps.astype(dtype)
    est.solver_ = solver
    return est
