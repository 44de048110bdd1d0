"""A problem (data fit + penalty scalars), what a solver is asked (:class:`Task`) and what
every solver returns (:class:`SolveResult`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fastnorm._kernels import penalty as _kp
from fastnorm.linear_model._datafit import Quadratic

__all__ = ["Problem", "SolveResult", "Task", "path_progress"]


@dataclass
class Task:
    """One target's fit, as the estimator lowered it: the penalty scalars (one convention,
    :mod:`fastnorm.penalties`), the start, the stopping rule and solver options."""

    l1: float
    l2: float
    positive: bool
    fit_intercept: bool
    w0: np.ndarray
    max_iter: int
    tol: float
    callback: Callable[[int, float, float], object] | None = None
    verbose: int = 0
    batch_size: int = 1
    eta0: float | None = None
    random_state: Any = None
    selection: str = "cyclic"
    state: Any = None  # a previous result's ``state`` to continue from (warm start)
    datafit: Any = Quadratic  # the data-fit class (the estimator's ``_datafit``)


@dataclass
class SolveResult:
    """What every solver returns (new solvers too)."""

    w: np.ndarray  # (p,) float64
    gap: float  # duality gap / n (scikit-learn's dual_gap_ scale)
    n_iter: int  # epochs (passes over X, or coordinate sweeps)
    objectives: list[float] = field(default_factory=list)  # objective history
    gaps: list[float] = field(default_factory=list)  # gap / n history
    converged: bool = False
    stopped: bool = False  # the callback asked to stop
    intercept: float = 0.0
    gap_tol: float = 0.0  # the gap / n at which the solver stops (scikit-learn's tol scale)
    state: Any = None  # what a warm start continues from (momentum etc.), or None


@dataclass
class Problem:
    """``datafit(w) + l1 ||w||_1 + 0.5 l2 ||w||^2`` (``w >= 0`` if ``positive``)."""

    datafit: Any
    l1: float
    l2: float
    positive: bool

    @classmethod
    def from_pass(
        cls, data, l1, l2, positive, fit_intercept, w0=None, datafit=Quadratic
    ) -> Problem:
        """``datafit`` (a class with :class:`~fastnorm.linear_model._datafit.Quadratic`'s
        interface; least squares by default) on the data pass ``data``, starting from
        ``w0``."""
        zero = w0 is not None and not np.any(w0)
        return cls(datafit(data, fit_intercept, start_at_zero=zero), float(l1), float(l2),
                   bool(positive))  # fmt: skip

    # the data fit's centring, for solvers that work on centred rows (SGD)
    data = property(lambda self: self.datafit.data)
    n = property(lambda self: self.datafit.n)
    X_off = property(lambda self: self.datafit.X_off)
    y_off = property(lambda self: self.datafit.y_off)
    yty = property(lambda self: self.datafit.yty)
    fit_intercept = property(lambda self: self.datafit.fit_intercept)

    def intercept(self, w: np.ndarray) -> float:
        return self.datafit.intercept(w)

    def evaluate(self, w: np.ndarray, r_out=None) -> tuple[np.ndarray, float, float]:
        """One pass: (gradient of the data fit, objective, duality gap / n)."""
        grad, value, XtR, R_norm2, Ry = self.datafit.evaluate(w, r_out)
        w64 = np.ascontiguousarray(w, dtype=np.float64)
        obj = value + _kp.enet_value(w64, self.l1, self.l2)
        gap = self.datafit.gap(w, XtR, R_norm2, Ry, self.l1, self.l2, self.positive)
        return grad, float(obj), gap

    def gap_tol(self, tol: float) -> float:
        return self.datafit.gap_tol(tol)

    def diag(self) -> np.ndarray:
        return self.datafit.diag()


def path_progress(i: int, n_alphas: int, verbose: Any) -> None:
    """scikit-learn's path report after alpha ``i``: a line with ``verbose > 1``, else a dot."""
    if verbose > 1:
        print(f"Path: {i:03d} out of {n_alphas:03d}")
    elif verbose:
        import sys

        sys.stderr.write(".")
