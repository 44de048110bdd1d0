"""The logistic regularisation path and LogisticRegressionCV.

:func:`logistic_path` fits a grid of ``C`` with the solvers of
:mod:`fastnorm.linear_model._logistic`, each fit warm-started from the previous one (scikit-learn's
private ``_logistic_regression_path``: same grid, same return values).
:class:`LogisticRegressionCV` runs one path per fold and ``l1_ratio`` and picks the best
``(C, l1_ratio)`` by the summed fold scores, as scikit-learn 1.9 does.
"""

from __future__ import annotations

import inspect
import math
import warnings
from numbers import Integral, Real
from typing import Any

import numpy as np

from fastnorm.linear_model._logistic import (
    LogisticRegression,
    _Report,
    _resolve_solver,
    _run_solver,
)
from fastnorm.penalties import ElasticNet as _EnetPenalty

try:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import get_scorer_names
    from sklearn.utils._param_validation import Interval, StrOptions
    from sklearn.utils.class_weight import compute_class_weight
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import (
        _check_sample_weight,
        check_array,
        check_consistent_length,
        validate_data,
    )
except ImportError as exc:  # pragma: no cover - exercised through _base
    raise ImportError("fastnorm.linear_model needs scikit-learn") from exc

__all__ = ["LogisticRegressionCV", "logistic_path"]


def _weights(y, classes, sample_weight, class_weight, X):
    """``(yi, sw, S)``: class indices, sample times class weights (float64, a copy), sum."""
    yi = np.searchsorted(classes, y).astype(np.intp)
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, copy=True)
    if class_weight is not None:
        cw = compute_class_weight(class_weight, classes=classes, y=y, sample_weight=sample_weight)
        sw *= cw[yi]
    S = float(sw.sum())
    if not S > 0:
        raise ValueError("The sum of the sample weights must be positive.")
    return yi, sw, S


def _solve_one(solver, X, yi, sw, S, C, l1_ratio, fi, W, B, max_iter, tol, verbose,
               random_state):  # fmt: skip
    """One fit of the path at ``C`` from ``(W, B)`` (copied): ``(W, B, n_iter)``."""
    n, p = X.shape
    K = W.shape[0]
    alpha = 0.0 if math.isinf(C) else 1.0 / (C * S)
    pen = _EnetPenalty(alpha, l1_ratio=l1_ratio)
    solver, auto = _resolve_solver(solver, n, p, C, l1_ratio, K == 1)
    report = _Report(verbose, None, solver)
    W, B, it, viol, _ = _run_solver(solver, auto, X, yi, sw, S, pen, fi, W.copy(), B.copy(),
                                    max_iter, tol, report, random_state)  # fmt: skip
    if not viol <= tol and solver != "sgd":
        warnings.warn(
            f"logistic_path (solver={solver!r}) did not converge at C={C:.6g} in "
            f"max_iter={max_iter} iterations: the optimality violation {viol:.3e} is above "
            f"tol={tol:.3e}. Increase max_iter or scale the data.",
            ConvergenceWarning,
            stacklevel=3,
        )
    if not fi:
        B = np.zeros(K)
    return np.asarray(W, dtype=np.float64), np.asarray(B, dtype=np.float64), int(it)


def _path(X, yi, sw, S, K, Cs, l1_ratio, fi, solver, coef, max_iter, tol, verbose,
          random_state):  # fmt: skip
    """The path on validated data: coefs ``(n_cs, k_rows, p + fi)`` and ``n_iter``."""
    p = X.shape[1]
    k_rows = 1 if K == 2 else K
    W = np.zeros((k_rows, p))
    B = np.zeros(k_rows)
    if coef is not None:
        c = np.asarray(coef, dtype=np.float64)
        want = (k_rows, p + fi)
        if c.ndim == 1 and k_rows == 1:
            c = c[None]
        if c.shape != want:
            shapes = f"{want[1:]} or {want}" if k_rows == 1 else f"{want}"
            raise ValueError(
                f"Initialization coef is of shape {np.shape(coef)}, expected shape {shapes}"
            )
        W[:] = c[:, :p]
        if fi:
            B[:] = c[:, p]
    coefs = np.empty((len(Cs), k_rows, p + fi))
    n_iter = np.zeros(len(Cs), dtype=np.int32)
    for i, C in enumerate(Cs):
        W, B, n_iter[i] = _solve_one(solver, X, yi, sw, S, float(C), l1_ratio, fi, W, B,
                                     max_iter, tol, verbose, random_state)  # fmt: skip
        coefs[i, :, :p] = W
        if fi:
            coefs[i, :, p] = B
    return coefs, n_iter


def _grid(Cs) -> np.ndarray:
    if isinstance(Cs, Integral):
        return np.logspace(-4, 4, int(Cs))
    return np.asarray(Cs, dtype=np.float64).reshape(-1)


def logistic_path(
    X: Any,
    y: Any,
    *,
    Cs: int | Any = 10,
    l1_ratio: float = 0.0,
    fit_intercept: bool = True,
    max_iter: int = 100,
    tol: float = 1e-4,
    solver: str = "auto",
    coef: Any = None,
    classes: Any = None,
    class_weight: Any = None,
    sample_weight: Any = None,
    random_state: Any = None,
    verbose: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Logistic regression fits for a grid of ``C``, each warm-started from the previous.

    The objective and the solvers are :class:`LogisticRegression`'s; the return values are
    those of scikit-learn's ``_logistic_regression_path``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
        Class labels.
    Cs : int or array-like of shape (n_cs,), default=10
        The values of C in the order they are fitted; an int ``k`` is
        ``np.logspace(-4, 4, k)`` (weakest penalty last, so each warm start is close).
    l1_ratio : float in [0, 1], default=0.0
        0 is the L2 penalty, 1 the L1 penalty.
    fit_intercept : bool, default=True
    max_iter : int, default=100
        Per C.
    tol : float, default=1e-4
        :class:`LogisticRegression`'s stopping rule, per C.
    solver : {"auto", "newton", "stream", "lbfgs", "sgd", "workset"}, default="auto"
        As in :class:`LogisticRegression` (``"auto"`` chooses per C).
    coef : array-like of shape (n_features + fit_intercept,), (1, ...) or (n_classes, ...)
        Starting point of the first fit (intercept last).
    classes : array-like, default=None
        All class labels (default: those in ``y``); a class absent from ``y`` keeps its row.
    class_weight : dict, "balanced" or None, default=None
    sample_weight : array-like of shape (n_samples,), default=None
    random_state : int, RandomState or None, default=None
        Row order of ``solver="sgd"``.
    verbose : int, default=0

    Returns
    -------
    coefs : ndarray of shape (n_cs, n_features + fit_intercept) or
        (n_cs, n_classes, n_features + fit_intercept)
        The intercept is the last column.  Binary problems have no class axis.
    Cs : ndarray of shape (n_cs,)
    n_iter : ndarray of shape (n_cs,)
        Iterations of each fit.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import logistic_path
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> coefs, Cs, n_iter = logistic_path(X, [0, 0, 1, 1], Cs=[0.1, 1.0, 10.0])
    >>> coefs.shape
    (3, 2)
    >>> bool(np.all(np.diff(coefs[:, 0]) > 0))  # a weaker penalty, a larger slope
    True
    """
    X = check_array(X, dtype=[np.float64, np.float32], order=None)
    y = np.asarray(y)
    check_consistent_length(X, y)
    check_classification_targets(y)
    classes = np.unique(y) if classes is None else np.unique(np.asarray(classes))
    if len(classes) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but the data "
            f"contains only one class: {classes[0]!r}"
        )
    if not set(np.unique(y)) <= set(classes):
        raise ValueError("y contains labels that are not in classes.")
    if not 0.0 <= float(l1_ratio) <= 1.0:
        raise ValueError(f"l1_ratio must be between 0 and 1; got (l1_ratio={l1_ratio!r})")
    Cs = _grid(Cs)
    if Cs.size and not np.all(Cs > 0):
        raise ValueError(f"Cs must be positive; got {Cs}")
    yi, sw, S = _weights(y, classes, sample_weight, class_weight, X)
    coefs, n_iter = _path(X, yi, sw, S, len(classes), Cs, float(l1_ratio), int(fit_intercept),
                          solver, coef, max_iter, tol, verbose, random_state)  # fmt: skip
    if len(classes) == 2:
        coefs = coefs[:, 0]
    return coefs.astype(X.dtype, copy=False), Cs, n_iter


# ----------------------------------------------------------------------------- CV
def _fold_scorer(scoring, classes):
    """scikit-learn's scorer for a fold: labels passed to the metrics that take them (a fold
    may lack a class), the positive label of a binary problem being ``classes[-1]``."""
    from sklearn.metrics import get_scorer, make_scorer

    scorer = get_scorer("accuracy" if scoring is None else scoring)
    sig = inspect.signature(scorer._score_func).parameters if hasattr(scorer, "_score_func") else []
    if "labels" in sig:
        pos = {"pos_label": classes[-1]} if len(classes) <= 2 and "pos_label" in sig else {}
        scorer = make_scorer(
            scorer._score_func,
            greater_is_better=scorer._sign == 1,
            response_method=scorer._response_method,
            labels=classes,
            **pos,
            **getattr(scorer, "_kwargs", {}),
        )
    return scorer


#: LogisticRegression's parameters that LogisticRegressionCV also takes.
_SHARED = ("tol", "fit_intercept", "class_weight", "random_state", "solver", "max_iter", "verbose")


class LogisticRegressionCV(LogisticRegression):
    """Logistic regression with ``C`` (and ``l1_ratio``) chosen by cross-validation.

    scikit-learn 1.9's estimator: for every fold and every ``l1_ratio`` a warm-started
    :func:`logistic_path` over ``Cs`` on the training rows, scored on the held-out rows; the
    ``(C, l1_ratio)`` with the best summed score is refitted on all rows (``refit=True``) or
    the best fold coefficients are averaged (``refit=False``).

    Parameters
    ----------
    Cs : int or array-like, default=10
        The grid of C; an int ``k`` is ``np.logspace(-4, 4, k)``.
    l1_ratios : array-like of floats in [0, 1] or None, default=None
        0 is the L2 penalty, 1 the L1 penalty.  ``None`` is the L2 penalty, and the legacy
        attributes then have no l1_ratio axis (as with scikit-learn 1.9's default; no
        FutureWarning here).
    fit_intercept : bool, default=True
    cv : int, cross-validation generator or iterable, default=None
        ``None`` is 5-fold :class:`~sklearn.model_selection.StratifiedKFold`.
    penalty : {"l1", "l2", "elasticnet"}, default="deprecated"
        Deprecated as in scikit-learn 1.8+ (use ``l1_ratios``); accepted with its warning.
    scoring : str, callable or None, default=None
        ``None`` is accuracy.
    solver : {"auto", "newton", "stream", "lbfgs", "sgd", "workset"}, default="auto"
        :class:`LogisticRegression`'s solvers.
    tol : float, default=1e-4
    max_iter : int, default=100
    class_weight : dict, "balanced" or None, default=None
        ``"balanced"`` weights come from all of ``y`` (the same in every fold).
    n_jobs : int or None, default=None
        Accepted for scikit-learn compatibility; the folds run one after the other (the data
        passes of each fit are already parallel).
    verbose : int, default=0
    refit : bool, default=True
    random_state : int, RandomState or None, default=None
        Row order of ``solver="sgd"`` (not the folds).
    use_legacy_attributes : bool or "warn", default="warn"
        False: scikit-learn 1.10's attributes (``C_`` and ``l1_ratio_`` floats,
        ``coefs_paths_`` (n_folds, n_l1_ratios, n_cs, n_classes or 1, n_dof), ``scores_`` and
        ``n_iter_`` (n_folds, n_l1_ratios, n_cs)).  True: scikit-learn 1.9's default layout
        (dicts keyed by class, ``C_`` an array).  ``"warn"`` is True with scikit-learn 1.9's
        FutureWarning, so code written for scikit-learn 1.9 reads the same attributes.

    Attributes
    ----------
    classes_, coef_, intercept_, C_, l1_ratio_, Cs_, l1_ratios_, coefs_paths_, scores_,
    n_iter_, n_features_in_
        As in scikit-learn (see ``use_legacy_attributes``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from fastnorm.linear_model import LogisticRegressionCV
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LogisticRegressionCV(Cs=4, cv=3, max_iter=200, use_legacy_attributes=False)
    >>> clf = clf.fit(X, y)
    >>> clf.coefs_paths_.shape  # folds, l1_ratios, Cs, classes, features + intercept
    (3, 1, 4, 3, 5)
    >>> clf.predict(X[:2]).tolist()
    [0, 0]
    """

    # only the parameters shared with LogisticRegression (one it gains later stays its own)
    _parameter_constraints: dict = {
        k: v for k, v in LogisticRegression._parameter_constraints.items() if k in _SHARED
    }
    _parameter_constraints.update(
        {
            "Cs": [Interval(Integral, 1, None, closed="left"), "array-like"],
            "l1_ratios": ["array-like", None],
            "cv": ["cv_object"],
            "scoring": [StrOptions(set(get_scorer_names())), callable, None],
            "refit": ["boolean"],
            "penalty": [StrOptions({"l1", "l2", "elasticnet", "deprecated"})],
            "n_jobs": [Integral, None],
            "use_legacy_attributes": [StrOptions({"warn"}), "boolean"],
        }
    )

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios=None,
        fit_intercept=True,
        cv=None,
        penalty="deprecated",
        scoring=None,
        solver="auto",
        tol=1e-4,
        max_iter=100,
        class_weight=None,
        n_jobs=None,
        verbose=0,
        refit=True,
        random_state=None,
        use_legacy_attributes="warn",
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.penalty = penalty
        self.scoring = scoring
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.refit = refit
        self.random_state = random_state
        self.use_legacy_attributes = use_legacy_attributes

    def _ratios(self) -> tuple[list, bool]:
        """``(l1_ratios, squeeze)`` after scikit-learn 1.9's handling of ``penalty`` (same
        warnings); ``squeeze``: legacy attributes drop the l1_ratio axis (``l1_ratios=None``)."""
        ratios = self.l1_ratios
        if self.penalty == "deprecated":
            if ratios is None:  # scikit-learn 1.9's default: L2 (no warning here)
                return [0.0], True
        else:
            warnings.warn(
                "'penalty' was deprecated in version 1.8 and will be removed in 1.10. To "
                "avoid this warning, leave 'penalty' set to its default value and use "
                "'l1_ratios' and 'Cs' instead. Use l1_ratios=(0,) instead of penalty='l2', "
                "l1_ratios=(1,) instead of penalty='l1', l1_ratios set to floats between 0 "
                "and 1 instead of penalty='elasticnet', and Cs=(np.inf,) instead of "
                "penalty=None.",
                FutureWarning,
                stacklevel=3,
            )
            if self.penalty != "elasticnet":
                if ratios is not None:
                    warnings.warn(
                        "l1_ratios parameter is only used when penalty is 'elasticnet'. Got "
                        f"(penalty={self.penalty})",
                        stacklevel=3,
                    )
                return [1.0 if self.penalty == "l1" else 0.0], ratios is None
            if ratios is None:
                ratios = []
        ratios = list(np.asarray(ratios, dtype=object).reshape(-1))
        if not ratios or any(
            isinstance(r, bool) or not isinstance(r, Real) or not 0 <= r <= 1 for r in ratios
        ):
            raise ValueError(
                "l1_ratios must be an array-like of numbers between 0 and 1; got "
                f"(l1_ratios={self.l1_ratios!r})"
            )
        return [float(r) for r in ratios], False

    def fit(self, X, y, sample_weight=None):
        """Fit the model: a path per fold and l1_ratio, then the best ``(C, l1_ratio)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Used in the fits and in the fold scores.

        Returns
        -------
        self : object
        """
        from sklearn.model_selection import check_cv

        self._validate_params()
        ratios, squeeze = self._ratios()
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], order=None)
        check_classification_targets(y)
        self.classes_ = classes = np.unique(y)
        K = len(classes)
        if K < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {classes[0]!r}."
            )
        n, p = X.shape
        fi = int(self.fit_intercept)
        sw_all = None
        if sample_weight is not None:
            sw_all = _check_sample_weight(sample_weight, X, dtype=np.float64)
        cw = self.class_weight
        if isinstance(cw, dict) and not set(cw) <= set(classes):
            raise ValueError(
                "The given class_weight dict must have the class labels as keys; "
                f"classes={classes} but key={cw.keys()}"
            )
        if cw == "balanced":  # from all of y, then fixed in every fold (scikit-learn)
            cw = dict(zip(classes, compute_class_weight(cw, classes=classes, y=y,
                                                        sample_weight=sample_weight),
                          strict=True))  # fmt: skip
        Cs = _grid(self.Cs)
        folds = list(check_cv(self.cv, y, classifier=True).split(X, y))
        scorer = _fold_scorer(self.scoring, classes)
        k_rows = 1 if K == 2 else K
        paths = np.empty((len(folds), len(ratios), len(Cs), k_rows, p + fi))
        scores = np.empty((len(folds), len(ratios), len(Cs)))
        n_iter = np.empty((len(folds), len(ratios), len(Cs)), dtype=np.int32)
        est = LogisticRegression()
        est.classes_ = classes
        est.n_features_in_ = p
        for f, (train, test) in enumerate(folds):
            Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
            swtr = None if sw_all is None else sw_all[train]
            kw = {} if sw_all is None else {"sample_weight": sw_all[test]}
            yi, sw, S = _weights(ytr, classes, swtr, cw, Xtr)
            for r, ratio in enumerate(ratios):
                paths[f, r], n_iter[f, r] = _path(
                    Xtr, yi, sw, S, K, Cs, ratio, fi, self.solver, None, self.max_iter,
                    self.tol, self.verbose, self.random_state,
                )  # fmt: skip
                for c in range(len(Cs)):
                    est.coef_ = paths[f, r, c, :, :p].astype(X.dtype)
                    est.intercept_ = paths[f, r, c, :, p].astype(X.dtype) if fi else 0.0
                    scores[f, r, c] = scorer(est, Xte, yte, **kw)

        if self.refit:
            # argmax over (C, l1_ratio) in that order: scikit-learn's tie-break
            total = scores.sum(axis=0).T
            ic, ir = np.unravel_index(np.argmax(total), total.shape)
            C_, ratio_ = float(Cs[ic]), ratios[ir]
            init = paths[:, ir, ic].mean(axis=0)
            yi, sw, S = _weights(y, classes, sw_all, cw, X)
            coef, _ = _path(X, yi, sw, S, K, np.array([C_]), ratio_, fi, self.solver, init,
                            self.max_iter, self.tol, max(0, self.verbose - 1),
                            self.random_state)  # fmt: skip
            w = coef[0]
        else:
            best = [np.unravel_index(np.argmax(s.T), s.T.shape) for s in scores]
            w = np.mean([paths[f, ir, ic] for f, (ic, ir) in enumerate(best)], axis=0)
            C_ = float(np.mean([Cs[ic] for ic, _ in best]))
            ratio_ = float(np.mean([ratios[ir] for _, ir in best]))

        self.coef_ = np.ascontiguousarray(w[:, :p], dtype=X.dtype)
        self.intercept_ = (w[:, p] if fi else np.zeros(k_rows)).astype(X.dtype)
        self.Cs_ = Cs
        self.l1_ratios_ = np.asarray([None] if self.l1_ratios is None else ratios)
        legacy = self.use_legacy_attributes
        if legacy == "warn":
            warnings.warn(
                f"The fitted attributes of {type(self).__name__} will be simplified in "
                "scikit-learn 1.10 to remove redundancy. Set`use_legacy_attributes=False` to "
                "enable the new behavior now, or set it to `True` to silence this warning "
                "during the transition period while keeping the deprecated behavior for the "
                "time being. The default value of use_legacy_attributes will change from True "
                "to False in scikit-learn 1.10. See the docstring of "
                f"{type(self).__name__} for more details.",
                FutureWarning,
                stacklevel=2,
            )
            legacy = True
        if not legacy:
            self.C_, self.l1_ratio_ = C_, ratio_
            self.coefs_paths_, self.scores_, self.n_iter_ = paths, scores, n_iter
            return self
        # scikit-learn 1.9's legacy layout: (n_folds, n_cs, n_l1_ratios, ...) keyed by class
        keys = classes[1:] if K == 2 else classes
        cp = np.transpose(paths, (3, 0, 2, 1, 4))  # (k_rows, folds, cs, l1, dof)
        sc = np.swapaxes(scores, 1, 2)
        it = np.swapaxes(n_iter, 1, 2)[None]
        if squeeze:
            cp, sc, it = cp[:, :, :, 0], sc[:, :, 0], it[..., 0]
        self.coefs_paths_ = dict(zip(keys, cp, strict=True))
        self.scores_ = {k: sc.copy() for k in keys}
        self.n_iter_ = it
        self.C_ = np.full(k_rows, C_)
        self.l1_ratio_ = np.full(k_rows, ratio_)
        return self

    def score(self, X, y, sample_weight=None):
        """The ``scoring`` of the model on ``(X, y)`` (accuracy by default).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        from sklearn.metrics import get_scorer

        scorer = get_scorer("accuracy" if self.scoring is None else self.scoring)
        kw = {} if sample_weight is None else {"sample_weight": sample_weight}
        return scorer(self, X, y, **kw)
