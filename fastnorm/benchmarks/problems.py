"""benchopt's simulated problems, regenerated here (nothing is downloaded), and the one
objective every solver of the suboptimality benchmark is scored with.

* :func:`make_correlated_data`: the same random stream as benchopt's helper of that name
  (``benchopt/datasets/simulated.py``): an AR(1) design whose columns have unit variance and
  correlation ``rho ** |i - j|``, a ``w_true`` with ``int(density * p)`` standard-normal
  nonzeros, and noise scaled so that ``||X w_true|| / ||noise|| == snr``.  With the same
  ``random_state`` the arrays are those benchopt's Lasso benchmark fits.
* :func:`make_logreg_data`: benchopt's L2-logistic simulated data set (Gaussian X, labels
  ``sign(X beta)`` in {-1, 1}).
* :class:`Problem` and :data:`PROBLEMS`: the Lasso grid, the elastic nets, the tall problem
  and the logistic problems of issues 11 and 13.
* :func:`objective`: the float64 objective of ``(coef, intercept)``, the penalty from
  :mod:`fastnorm.penalties` (the one penalty convention).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "PROBLEMS",
    "Problem",
    "make_correlated_data",
    "make_logreg_data",
    "objective",
    "select_problems",
]

#: benchopt's Lasso benchmark draws its simulated data with this seed.
BENCHOPT_SEED = 27
#: benchopt's logistic-regression benchmark draws its simulated data with this seed.
BENCHOPT_LOGREG_SEED = 42


def make_correlated_data(
    n_samples: int = 100,
    n_features: int = 50,
    rho: float = 0.6,
    snr: float = 3.0,
    density: float = 0.2,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A linear regression ``y = X w_true + noise`` with correlated Gaussian features.

    Draws in benchopt's order from a legacy :class:`numpy.random.RandomState` (so the same
    seed gives benchopt's arrays): the design column by column as the AR(1) process
    ``x_{j+1} = rho x_j + sqrt(1 - rho^2) e_j`` (a Fortran-ordered array; ``rho == 0``
    draws one C-ordered Gaussian matrix instead), then the support of ``w_true`` and its
    values, then the noise, rescaled to the signal-to-noise ratio ``snr``.

    Parameters
    ----------
    n_samples, n_features : int
    rho : float in [0, 1)
        Correlation of neighbouring features; features i and j correlate as rho^|i-j|.
    snr : float
        ``||X w_true|| / ||noise||`` (``np.inf``: no noise; 0: y is pure noise).
    density : float in (0, 1]
        Fraction of nonzero coefficients in ``w_true``.
    random_state : int, RandomState or None

    Returns
    -------
    X : ndarray (n_samples, n_features)
    y : ndarray (n_samples,)
    w_true : ndarray (n_features,)

    Examples
    --------
    >>> X, y, w = make_correlated_data(50, 20, rho=0.5, random_state=0)
    >>> X.shape, y.shape, int((w != 0).sum())
    ((50, 20), (50,), 4)
    >>> noise = y - X @ w
    >>> round(float(np.linalg.norm(X @ w) / np.linalg.norm(noise)), 12)
    3.0
    """
    if not 0 <= rho < 1:
        raise ValueError("rho must be in [0, 1)")
    if not 0 < density <= 1:
        raise ValueError("density must be in (0, 1]")
    if snr < 0:
        raise ValueError("snr must be >= 0")
    rng = (
        random_state
        if isinstance(random_state, np.random.RandomState)
        else np.random.RandomState(random_state)
    )
    n, p = int(n_samples), int(n_features)
    if rho == 0:
        X = rng.randn(n, p)
    else:
        # stationary AR(1) across columns: unit variance, since the innovation has
        # variance 1 - rho^2; drawn column after column, as benchopt draws them
        innov = math.sqrt(1.0 - rho * rho)
        X = np.empty((n, p), order="F")
        col = rng.randn(n)
        X[:, 0] = col
        for j in range(1, p):
            col *= rho
            col += innov * rng.randn(n)
            X[:, j] = col
    nnz = int(density * p)
    w_true = np.zeros(p)
    support = rng.choice(p, nnz, replace=False)
    w_true[support] = rng.randn(nnz, 1)[:, 0]
    y = X @ w_true
    noise = rng.randn(n, 1)[:, 0]
    if snr == 0:
        y = noise
    elif np.isfinite(snr):
        y += noise / np.linalg.norm(noise) * np.linalg.norm(y) / snr
    return X, y, w_true


def make_logreg_data(
    n_samples: int, n_features: int, random_state: int = BENCHOPT_LOGREG_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """benchopt's simulated logistic data: ``X`` standard Gaussian, ``y = sign(X beta)``.

    Examples
    --------
    >>> X, y = make_logreg_data(30, 4)
    >>> X.shape, sorted(set(y.tolist()))
    ((30, 4), [-1.0, 1.0])
    """
    rng = np.random.RandomState(random_state)
    beta = rng.randn(n_features)
    X = rng.randn(n_samples, n_features)
    return X, np.sign(X @ beta)


@dataclass(frozen=True)
class Problem:
    """One benchmark problem.

    ``kind`` is ``"lasso"``, ``"enet"`` (both: ``0.5/n ||y - Xw - b||^2 + P(w)``, scikit-learn's
    ``alpha``, ``alpha = reg * alpha_max`` with ``alpha_max = ||X^T y||_inf / (n l1_ratio)``,
    the smallest alpha whose solution is 0) or ``"logreg"`` (``sum_i log(1 + exp(-y_i x_i w))
    + lmbd * P(w)``, benchopt's scale, i.e. scikit-learn's ``C = 1 / lmbd``; ``reg`` is
    ``lmbd``).  ``P`` is the elastic net of ``l1_ratio`` (1: L1, 0: L2).
    """

    name: str
    kind: str
    n: int
    p: int
    reg: float
    rho: float = 0.0
    l1_ratio: float = 1.0
    fit_intercept: bool = False
    seed: int = BENCHOPT_SEED
    tags: frozenset[str] = field(default_factory=frozenset)

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)``, regenerated (deterministic)."""
        if self.kind == "logreg":
            return make_logreg_data(self.n, self.p, self.seed)
        X, y, _ = make_correlated_data(self.n, self.p, rho=self.rho, random_state=self.seed)
        return X, y

    def alpha(self, X: np.ndarray, y: np.ndarray) -> float:
        """The regularisation in the solvers' own (scikit-learn's) scale: ``alpha`` for the
        least-squares problems, ``lmbd`` for logistic regression."""
        if self.kind == "logreg":
            return float(self.reg)
        yc = y - y.mean() if self.fit_intercept else y
        alpha_max = float(np.max(np.abs(X.T @ yc))) / (X.shape[0] * self.l1_ratio)
        return float(self.reg) * alpha_max

    def describe(self, X: np.ndarray | None = None, y: np.ndarray | None = None) -> dict:
        d: dict[str, Any] = {
            "name": self.name, "kind": self.kind, "n": self.n, "p": self.p, "reg": self.reg,
            "rho": self.rho, "l1_ratio": self.l1_ratio, "fit_intercept": self.fit_intercept,
            "seed": self.seed,
        }  # fmt: skip
        if X is not None and y is not None:
            d["alpha"] = self.alpha(X, y)
            d["objective_at_zero"] = objective(self, X, y, np.zeros(X.shape[1]), 0.0)
        return d


def objective(
    problem: Problem,
    X: np.ndarray,
    y: np.ndarray,
    coef: Any,
    intercept: Any = 0.0,
    alpha: float | None = None,
) -> float:
    """The problem's objective at ``(coef, intercept)``, in float64, whoever fitted them
    (``alpha``: :meth:`Problem.alpha`, passed to save its pass over X).

    Examples
    --------
    >>> prob = Problem("t", "lasso", 3, 2, reg=0.5)
    >>> X = np.eye(3, 2); y = np.array([1.0, 2.0, 3.0])
    >>> objective(prob, X, y, [0.0, 0.0])  # 0.5 * (1 + 4 + 9) / 3
    2.3333333333333335
    """
    from fastnorm.penalties import ElasticNet

    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(coef, dtype=np.float64).ravel()
    b = float(np.asarray(intercept, dtype=np.float64).ravel()[0]) if np.size(intercept) else 0.0
    if w.shape != (X.shape[1],):
        raise ValueError(f"coef has {w.size} entries, X has {X.shape[1]} columns")
    lam = problem.alpha(X, y) if alpha is None else float(alpha)
    pen = ElasticNet(lam, problem.l1_ratio).value(w)
    z = X @ w + b
    if problem.kind == "logreg":
        return float(np.sum(np.logaddexp(0.0, -y * z))) + pen
    r = y - z
    return 0.5 * float(r @ r) / X.shape[0] + pen


def _grid() -> list[Problem]:
    probs = []
    quick = {(500, 600, 0.6, 0.1), (10_000, 100, 0.6, 0.01)}
    for n, p in ((100, 10_000), (500, 600), (10_000, 100)):
        for rho in (0.0, 0.6):
            for reg in (0.1, 0.01):
                tags = {"lasso", "grid"} | ({"quick"} if (n, p, rho, reg) in quick else set())
                name = f"lasso-{n}x{p}-rho{rho:g}-reg{reg:g}"
                probs.append(Problem(name, "lasso", n, p, reg, rho, tags=frozenset(tags)))
    enet = frozenset({"enet", "grid"})
    probs += [
        Problem(f"enet-500x5000-rho0.6-reg0.1-l1r{r:g}", "enet", 500, 5000, 0.1, 0.6, r, tags=enet)
        for r in (0.5, 0.9)
    ]
    tall = frozenset({"lasso", "grid", "tall"})
    probs.append(
        Problem("lasso-200000x200-rho0.6-reg0.01", "lasso", 200_000, 200, 0.01, 0.6, tags=tall)
    )
    probs += [
        Problem(
            f"logreg-{pen}-{n}x{p}-lmbd{lmbd:g}",
            "logreg",
            n,
            p,
            lmbd,
            l1_ratio=l1r,
            seed=BENCHOPT_LOGREG_SEED,
            tags=frozenset({"logreg", pen}),
        )
        for n, p in ((200, 500), (1000, 10), (100_000, 400))
        for l1r, pen in ((0.0, "l2"), (1.0, "l1"))
        for lmbd in (1.0, 0.01)
    ]
    return probs


#: Every problem, by name.
PROBLEMS: dict[str, Problem] = {p.name: p for p in _grid()}


def select_problems(patterns: list[str] | None = None, quick: bool = False) -> list[Problem]:
    """Problems whose name contains a pattern (fnmatch when it has ``*?[``) or that carry it
    as a tag (``lasso``, ``enet``, ``grid``, ``tall``, ``logreg``, ``quick``); without
    patterns the Lasso/ElasticNet grid (``quick``: two small problems of it).

    Examples
    --------
    >>> [p.name for p in select_problems(["tall"])]
    ['lasso-200000x200-rho0.6-reg0.01']
    """
    import fnmatch

    if not patterns:
        patterns = ["quick"] if quick else ["grid"]
    out = []
    for prob in PROBLEMS.values():
        for pat in patterns:
            if (
                pat in prob.tags
                or (any(c in pat for c in "*?[") and fnmatch.fnmatchcase(prob.name, pat))
                or pat in prob.name
            ):
                out.append(prob)
                break
    return out
