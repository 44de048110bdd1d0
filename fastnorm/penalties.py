"""L1, L2 and elastic-net penalties: value, subgradient and proximal operator.

Each penalty enters a gradient step on a loss ``L(w) = data_fit(w) + penalty(w)`` the way the
update rule ``w <- w - lr * dL/dw`` says:

* the plain (sub)gradient step adds ``lr * penalty.subgradient(w)`` to the data-fit step,
  e.g. for one sample ``w <- w - lr * (2 * (w x + b - y) * x + penalty.subgradient(w))``;
* the proximal step applies the data-fit step first and then the penalty's proximal operator
  with the same step size, ``w <- penalty.prox(w - lr * d data_fit / dw, lr)``.  For L1 this
  sets small weights to *exactly* zero, which the plain subgradient step never does (it makes
  them oscillate around zero).

The penalties follow the written forms ``alpha * |w|`` and ``alpha * w**2`` (so the L2
subgradient is ``2 * alpha * w``).  scikit-learn's elastic net writes the L2 part as
``0.5 * alpha * (1 - l1_ratio) * ||w||^2``; :class:`ElasticNet` here follows scikit-learn so
that ``fastnorm.linear_model.ElasticNet(alpha, l1_ratio)`` minimises
``data_fit + ElasticNet(alpha, l1_ratio).value(w)``.

No scikit-learn import: this module only needs numpy.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["L1", "L2", "ElasticNet", "Penalty"]


def _check_alpha(alpha: object, name: str = "alpha") -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, Real):
        raise TypeError(f"{name} must be a real number, got {type(alpha).__name__}")
    alpha = float(alpha)
    if not alpha >= 0.0:  # also catches NaN
        raise ValueError(
            f"The '{name}' parameter must be a float in the range [0.0, inf). Got {alpha!r} "
            "instead."
        )
    return alpha


def _as_float(w: ArrayLike) -> np.ndarray:
    w = np.asarray(w)
    if w.dtype.kind not in "f":
        w = w.astype(np.float64)
    return w


def _soft_threshold(w: np.ndarray, t: float) -> np.ndarray:
    # "+ 0.0" turns the -0.0 of negative entries thresholded to zero into +0.0
    return (np.sign(w) * np.maximum(np.abs(w) - t, 0.0) + 0.0).astype(w.dtype, copy=False)


class Penalty:
    """Base class: ``value``, ``subgradient`` and ``prox`` of a separable penalty."""

    def value(self, w: ArrayLike) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def subgradient(self, w: ArrayLike) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def prox(self, w: ArrayLike, step: float) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self.__dict__.values()))


class L1(Penalty):
    """L1 penalty ``alpha * sum(|w|)`` (the Lasso).

    Parameters
    ----------
    alpha : float, >= 0

    Notes
    -----
    In the update ``w <- w - lr * dL/dw`` the L1 term contributes ``lr * alpha * sign(w)``
    (``subgradient``): ``+alpha`` where ``w > 0``, ``-alpha`` where ``w < 0`` and ``0`` at
    ``w == 0`` (the minimum-norm element of the subdifferential ``[-alpha, alpha]``).  The
    proximal form of the step is soft-thresholding, ``prox(v, lr) = sign(v) * max(|v| -
    lr * alpha, 0)``, which produces exact zeros.

    Examples
    --------
    >>> from fastnorm.penalties import L1
    >>> pen = L1(0.5)
    >>> pen.value([1.0, -2.0, 0.0])
    1.5
    >>> pen.subgradient([1.0, -2.0, 0.0])
    array([ 0.5, -0.5,  0. ])
    >>> pen.prox([1.0, -0.2, 0.3], step=1.0)
    array([0.5, 0. , 0. ])
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = _check_alpha(alpha)

    def value(self, w: ArrayLike) -> float:
        """``alpha * sum(|w|)`` (accumulated in float64)."""
        w = _as_float(w)
        return float(self.alpha * np.sum(np.abs(w), dtype=np.float64))

    def subgradient(self, w: ArrayLike) -> np.ndarray:
        """``alpha * sign(w)``: +alpha for w > 0, -alpha for w < 0, 0 at 0."""
        w = _as_float(w)
        return (self.alpha * np.sign(w)).astype(w.dtype, copy=False)

    def prox(self, w: ArrayLike, step: float) -> np.ndarray:
        """Soft-thresholding: ``argmin_u 0.5 ||u - w||^2 + step * alpha * ||u||_1``."""
        w = _as_float(w)
        return _soft_threshold(w, step * self.alpha)


class L2(Penalty):
    """L2 penalty ``alpha * sum(w**2)`` (ridge, as written ``lambda * w^2``).

    Parameters
    ----------
    alpha : float, >= 0

    Notes
    -----
    In the update ``w <- w - lr * dL/dw`` the L2 term contributes ``lr * 2 * alpha * w``
    (``subgradient``, here the gradient): weight decay by the factor ``1 - 2 * lr * alpha``.
    The proximal form is the shrinkage ``prox(v, lr) = v / (1 + 2 * lr * alpha)``, which never
    reaches exact zeros.  scikit-learn's ``Ridge(alpha)`` objective ``||y - Xw||^2 +
    alpha ||w||^2`` uses this penalty with the same ``alpha``.

    Examples
    --------
    >>> from fastnorm.penalties import L2
    >>> pen = L2(0.5)
    >>> pen.value([1.0, -2.0])
    2.5
    >>> pen.subgradient([1.0, -2.0])
    array([ 1., -2.])
    >>> pen.prox([3.0, -1.5], step=1.0)
    array([ 1.5 , -0.75])
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = _check_alpha(alpha)

    def value(self, w: ArrayLike) -> float:
        """``alpha * sum(w**2)`` (accumulated in float64)."""
        w = _as_float(w)
        w64 = w.astype(np.float64, copy=False)
        return float(self.alpha * np.sum(w64 * w64))

    def subgradient(self, w: ArrayLike) -> np.ndarray:
        """``2 * alpha * w``."""
        w = _as_float(w)
        return (2.0 * self.alpha * w).astype(w.dtype, copy=False)

    def prox(self, w: ArrayLike, step: float) -> np.ndarray:
        """Shrinkage: ``argmin_u 0.5 ||u - w||^2 + step * alpha * ||u||^2``."""
        w = _as_float(w)
        return (w / (1.0 + 2.0 * step * self.alpha)).astype(w.dtype, copy=False)


class ElasticNet(Penalty):
    """Elastic-net penalty as in scikit-learn:
    ``alpha * l1_ratio * ||w||_1 + 0.5 * alpha * (1 - l1_ratio) * ||w||^2``.

    Parameters
    ----------
    alpha : float, >= 0
    l1_ratio : float in [0, 1]
        1 gives the L1 penalty ``L1(alpha)``; 0 gives ``L2(alpha / 2)``.

    Notes
    -----
    In the update ``w <- w - lr * dL/dw`` the penalty contributes
    ``lr * (alpha * l1_ratio * sign(w) + alpha * (1 - l1_ratio) * w)``.  The proximal form
    soft-thresholds by ``lr * alpha * l1_ratio`` and then shrinks by
    ``1 + lr * alpha * (1 - l1_ratio)``, which is the exact proximal operator of the sum.

    Examples
    --------
    >>> from fastnorm.penalties import ElasticNet
    >>> pen = ElasticNet(1.0, l1_ratio=0.5)
    >>> pen.value([2.0, 0.0])
    2.0
    >>> pen.subgradient([2.0, -1.0, 0.0])
    array([ 1.5, -1. ,  0. ])
    >>> pen.prox([2.0, 0.25], step=1.0)
    array([1., 0.])
    """

    def __init__(self, alpha: float = 1.0, l1_ratio: float = 0.5) -> None:
        self.alpha = _check_alpha(alpha)
        if isinstance(l1_ratio, bool) or not isinstance(l1_ratio, Real):
            raise TypeError(f"l1_ratio must be a real number, got {type(l1_ratio).__name__}")
        l1_ratio = float(l1_ratio)
        if not 0.0 <= l1_ratio <= 1.0:
            raise ValueError(
                "The 'l1_ratio' parameter must be a float in the range [0.0, 1.0]. "
                f"Got {l1_ratio!r} instead."
            )
        self.l1_ratio = l1_ratio

    @property
    def l1(self) -> float:
        """Weight of ``||w||_1``: ``alpha * l1_ratio``."""
        return self.alpha * self.l1_ratio

    @property
    def l2(self) -> float:
        """Weight of ``0.5 * ||w||^2``: ``alpha * (1 - l1_ratio)``."""
        return self.alpha * (1.0 - self.l1_ratio)

    def value(self, w: ArrayLike) -> float:
        """``l1 * ||w||_1 + 0.5 * l2 * ||w||^2`` (accumulated in float64)."""
        w64 = _as_float(w).astype(np.float64, copy=False)
        return float(self.l1 * np.sum(np.abs(w64)) + 0.5 * self.l2 * np.sum(w64 * w64))

    def subgradient(self, w: ArrayLike) -> np.ndarray:
        """``l1 * sign(w) + l2 * w`` (0 from the L1 part at w == 0)."""
        w = _as_float(w)
        return (self.l1 * np.sign(w) + self.l2 * w).astype(w.dtype, copy=False)

    def prox(self, w: ArrayLike, step: float) -> np.ndarray:
        """Soft-threshold by ``step * l1``, then shrink by ``1 + step * l2``."""
        w = _as_float(w)
        out = _soft_threshold(w, step * self.l1) / (1.0 + step * self.l2)
        return out.astype(w.dtype, copy=False)
