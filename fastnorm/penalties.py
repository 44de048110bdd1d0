"""L1, L2 and elastic-net penalties: value, subgradient, proximal operator and the pieces a
solver's stopping rule needs, in one convention shared with every solver.

Every penalty here is a separable elastic net with an optional sign constraint::

    P(w) = l1 * ||w||_1 + 0.5 * l2 * ||w||^2      (and w >= 0 when ``positive``)

which is scikit-learn's elastic-net scale (``l1 = alpha * l1_ratio``, ``l2 = alpha * (1 -
l1_ratio)``).  :meth:`Penalty.lower` returns the scalars ``(l1, l2, positive)`` that the
numba kernels take; the methods here are the numpy twins of the kernels' helpers in
:mod:`fastnorm._kernels.penalty` (a test keeps the two equal, signed zeros and NaN included).

Each penalty enters a gradient step on a loss ``L(w) = data_fit(w) + P(w)`` the way the
update rule ``w <- w - lr * dL/dw`` says:

* the plain (sub)gradient step adds ``lr * penalty.subgradient(w)`` to the data-fit step,
  e.g. for one sample ``w <- w - lr * (2 * (w x + b - y) * x + penalty.subgradient(w))``;
* the proximal step applies the data-fit step first and then the penalty's proximal operator
  with the same step size, ``w <- penalty.prox(w - lr * d data_fit / dw, lr)``.  For L1 this
  sets small weights to *exactly* zero, which the plain subgradient step never does (it makes
  them oscillate around zero).

.. versionchanged:: 0.2
   ``L2(alpha)`` is ``0.5 * alpha * ||w||^2`` (gradient ``alpha * w``), the scale of
   scikit-learn's elastic net and of every solver here; it was ``alpha * ||w||^2`` before.
   ``L2(alpha / 2)`` gives the old values.  ``ElasticNet(alpha, 0)`` equals ``L2(alpha)``.

No scikit-learn import: this module only needs numpy.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["L1", "L2", "ElasticNet", "MultiTaskElasticNet", "Penalty"]


def _check_alpha(alpha: object, name: str = "alpha") -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, Real):
        raise TypeError(f"{name} must be a real number, got {type(alpha).__name__}")
    alpha = float(alpha)
    if not 0.0 <= alpha < np.inf:  # also catches NaN
        raise ValueError(
            f"The '{name}' parameter must be a float in the range [0.0, inf). Got {alpha!r} "
            "instead."
        )
    return alpha


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def _as_float(w: ArrayLike) -> np.ndarray:
    w = np.asarray(w)
    if w.dtype.kind not in "f":
        w = w.astype(np.float64)
    return w


class Penalty:
    """Base class: a separable penalty ``l1 ||w||_1 + 0.5 l2 ||w||^2`` (+ ``w >= 0``).

    Subclasses define :meth:`lower`; every other method follows from its three scalars, so a
    new penalty of this family is one small class.
    """

    positive: bool = False

    def lower(self) -> tuple[float, float, bool]:  # pragma: no cover - abstract
        """``(l1, l2, positive)``: the scalars the kernels take."""
        raise NotImplementedError

    # -------------------------------------------------------------------- the numpy twins
    def value(self, w: ArrayLike) -> float:
        """``l1 * ||w||_1 + 0.5 * l2 * ||w||^2`` (float64 accumulation); ``inf`` when
        ``positive`` and some ``w < 0`` (the constraint's indicator)."""
        l1, l2, positive = self.lower()
        w64 = _as_float(w).astype(np.float64, copy=False)
        if positive and np.any(w64 < 0):
            return float("inf")
        return float(l1 * np.sum(np.abs(w64)) + 0.5 * l2 * np.sum(w64 * w64))

    def subgradient(self, w: ArrayLike) -> np.ndarray:
        """``l1 * sign(w) + l2 * w``: the element of the subdifferential a subgradient step
        uses (0 from the L1 part at ``w == 0``).  ``positive`` does not enter: a subgradient
        step enforces it by clipping."""
        l1, l2, _ = self.lower()
        w = _as_float(w)
        return (l1 * np.sign(w) + l2 * w).astype(w.dtype, copy=False)

    def prox(self, w: ArrayLike, step: float) -> np.ndarray:
        """``argmin_u ||u - w||^2 / (2 step) + P(u)``: soft-threshold by ``step * l1`` (with
        ``positive``: keep only what exceeds ``step * l1``), then shrink by
        ``1 + step * l2``.  Exact ``+0.0`` where the threshold applies; NaN propagates."""
        l1, l2, positive = self.lower()
        v = _as_float(w)
        t = step * l1
        nan_or_zero = np.where(np.isnan(v), v, 0.0)
        if positive:
            r = np.where(v > t, v - t, nan_or_zero)
        else:
            r = np.where(v > t, v - t, np.where(v < -t, v + t, nan_or_zero))
        return (r / (1.0 + step * l2)).astype(v.dtype, copy=False)

    def subdiff_distance(self, w: ArrayLike, grad: ArrayLike) -> np.ndarray:
        """Per coordinate, the distance of ``-grad`` to the subdifferential of ``P`` at ``w``:
        0 where ``w`` is optimal given the data-fit gradient ``grad`` (stopping rules and
        working-set scores).  With ``positive``, ``w < 0`` gives inf."""
        l1, l2, positive = self.lower()
        w = _as_float(w).astype(np.float64, copy=False)
        g = np.asarray(grad, dtype=np.float64)
        d = -g - l1 if positive else np.abs(g) - l1
        at0 = np.where(d > 0, d, np.where(np.isnan(d), d, 0.0))
        neg = np.full_like(w, np.inf) if positive else np.abs(g - l1 + l2 * w)
        return np.where(w > 0, np.abs(g + l1 + l2 * w), np.where(w < 0, neg, at0))

    def dual_norm(self, v: ArrayLike) -> float:
        """``max(l1, max_j |v_j|)`` (``max_j v_j`` with ``positive``): ``v * l1 / dual_norm``
        is the dual-feasible rescaling of ``v = X^T R - l2 w`` in the duality gap."""
        l1, _, positive = self.lower()
        v = np.asarray(v, dtype=np.float64).reshape(-1)
        if v.size == 0:
            return float(l1)
        m = float(np.max(v)) if positive else float(np.max(np.abs(v)))
        return max(float(l1), m)

    # ---------------------------------------------------------------------------- plumbing
    def _params(self) -> dict:
        d = dict(self.__dict__)
        if not d.get("positive", False):
            d.pop("positive", None)
        return d

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
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
    positive : bool, default=False
        Constrain ``w >= 0``.

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
    >>> L1(0.5, positive=True).prox([1.0, -2.0], step=1.0)
    array([0.5, 0. ])
    >>> pen.lower()
    (0.5, 0.0, False)
    """

    def __init__(self, alpha: float = 1.0, *, positive: bool = False) -> None:
        self.alpha = _check_alpha(alpha)
        self.positive = _check_bool(positive, "positive")

    def lower(self) -> tuple[float, float, bool]:
        return self.alpha, 0.0, self.positive


class L2(Penalty):
    """L2 penalty ``0.5 * alpha * sum(w**2)`` (scikit-learn's elastic-net scale).

    Parameters
    ----------
    alpha : float, >= 0
    positive : bool, default=False
        Constrain ``w >= 0``.

    Notes
    -----
    In the update ``w <- w - lr * dL/dw`` the L2 term contributes ``lr * alpha * w``
    (``subgradient``, here the gradient): weight decay by the factor ``1 - lr * alpha``.
    The proximal form is the shrinkage ``prox(v, lr) = v / (1 + lr * alpha)``, which never
    reaches exact zeros.  scikit-learn's ``Ridge(alpha)`` objective ``||y - Xw||^2 +
    alpha ||w||^2`` is twice ``0.5 ||y - Xw||^2 + L2(alpha).value(w)``.

    .. versionchanged:: 0.2
       The value was ``alpha * sum(w**2)``; ``L2(alpha / 2)`` gives it now.

    Examples
    --------
    >>> from fastnorm.penalties import L2
    >>> pen = L2(0.5)
    >>> pen.value([1.0, -2.0])
    1.25
    >>> pen.subgradient([1.0, -2.0])
    array([ 0.5, -1. ])
    >>> pen.prox([3.0, -1.5], step=1.0)
    array([ 2., -1.])
    """

    def __init__(self, alpha: float = 1.0, *, positive: bool = False) -> None:
        self.alpha = _check_alpha(alpha)
        self.positive = _check_bool(positive, "positive")

    def lower(self) -> tuple[float, float, bool]:
        return 0.0, self.alpha, self.positive


class ElasticNet(Penalty):
    """Elastic-net penalty as in scikit-learn:
    ``alpha * l1_ratio * ||w||_1 + 0.5 * alpha * (1 - l1_ratio) * ||w||^2``.

    Parameters
    ----------
    alpha : float, >= 0
    l1_ratio : float in [0, 1]
        1 gives ``L1(alpha)``; 0 gives ``L2(alpha)``.
    positive : bool, default=False
        Constrain ``w >= 0``.

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
    >>> pen.lower()
    (0.5, 0.5, False)
    """

    def __init__(
        self, alpha: float = 1.0, l1_ratio: float = 0.5, *, positive: bool = False
    ) -> None:
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
        self.positive = _check_bool(positive, "positive")

    @property
    def l1(self) -> float:
        """Weight of ``||w||_1``: ``alpha * l1_ratio``."""
        return self.alpha * self.l1_ratio

    @property
    def l2(self) -> float:
        """Weight of ``0.5 * ||w||^2``: ``alpha * (1 - l1_ratio)``."""
        return self.alpha * (1.0 - self.l1_ratio)

    def lower(self) -> tuple[float, float, bool]:
        return self.l1, self.l2, self.positive


class MultiTaskElasticNet:
    """The multi-task (row-group) elastic net of scikit-learn's ``MultiTaskElasticNet``:
    ``alpha * l1_ratio * sum_j ||W_j||_2 + 0.5 * alpha * (1 - l1_ratio) * ||W||_F^2`` for
    ``W`` of shape ``(n_features, n_targets)``, whose rows ``W_j`` are the groups.

    The L2,1 term zeroes whole rows (a feature is dropped for every target at once); it is not
    separable, so it is not a :class:`Penalty`.  :meth:`prox` is the numpy twin of the block
    update of the multi-task solvers (``block_shrink`` in :mod:`fastnorm._kernels.penalty`).

    Parameters
    ----------
    alpha : float, >= 0
    l1_ratio : float in [0, 1], default=1.0
        1 gives the multi-task Lasso's ``alpha * ||W||_21``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.penalties import MultiTaskElasticNet
    >>> pen = MultiTaskElasticNet(1.0)
    >>> W = np.array([[3.0, 4.0], [0.3, 0.4]])
    >>> pen.value(W)
    5.5
    >>> pen.prox(W, step=1.0)  # row norms 5 and 0.5: the first shrinks by 1, the second drops
    array([[2.4, 3.2],
           [0. , 0. ]])
    """

    def __init__(self, alpha: float = 1.0, l1_ratio: float = 1.0) -> None:
        self._pen = ElasticNet(alpha, l1_ratio)
        self.alpha = self._pen.alpha
        self.l1_ratio = self._pen.l1_ratio

    def lower(self) -> tuple[float, float]:
        """``(l1, l2)``: the weights of ``||W||_21`` and ``0.5 ||W||_F^2`` the kernels take."""
        return self._pen.l1, self._pen.l2

    @staticmethod
    def _rows(W: ArrayLike) -> np.ndarray:
        W = _as_float(W)
        if W.ndim != 2:
            raise ValueError(f"W must be 2-D (n_features, n_targets), got {W.ndim}-D")
        return W

    def value(self, W: ArrayLike) -> float:
        """``l1 * sum_j ||W_j||_2 + 0.5 * l2 * ||W||_F^2`` (float64 accumulation)."""
        l1, l2 = self.lower()
        W64 = self._rows(W).astype(np.float64, copy=False)
        return float(l1 * np.sum(np.sqrt(np.sum(W64 * W64, axis=1))) + 0.5 * l2 * np.sum(W64 * W64))

    def prox(self, W: ArrayLike, step: float) -> np.ndarray:
        """``argmin_U ||U - W||_F^2 / (2 step) + P(U)``: each row scaled by
        ``max(1 - step * l1 / ||W_j||, 0) / (1 + step * l2)`` (a row of norm at most
        ``step * l1`` becomes exactly zero)."""
        l1, l2 = self.lower()
        W = self._rows(W)
        norms = np.sqrt(np.sum(W.astype(np.float64) ** 2, axis=1))
        t = step * l1
        with np.errstate(divide="ignore", invalid="ignore"):
            shrink = np.where(norms > t, 1.0 - t / norms, 0.0)
        return (W * (shrink / (1.0 + step * l2))[:, None]).astype(W.dtype, copy=False)

    def __repr__(self) -> str:
        return f"MultiTaskElasticNet(alpha={self.alpha!r}, l1_ratio={self.l1_ratio!r})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.lower() == other.lower()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(("MultiTaskElasticNet", *self.lower()))
