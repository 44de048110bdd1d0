"""``fused_epoch``: one fused pass over X for users writing their own training loops."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from fastnorm.linear_model._data import NumpyPass
from fastnorm.linear_model._validation import validate_epoch_input

__all__ = ["EpochResult", "fused_epoch"]


class EpochResult(NamedTuple):
    """What one fused epoch measured, at the point ``(coef, intercept)`` it started from."""

    loss: float  #: mean squared error ``sum(sw * r**2) / sum(sw)``
    objective: float  #: ``loss + penalty.value(coef)``
    grad: np.ndarray  #: ``d loss / d coef = 2 X.T @ (sw * r) / sum(sw)``, float64
    grad_intercept: float  #: ``d loss / d intercept = 2 sum(sw * r) / sum(sw)``
    intercept: float  #: the intercept after the update (unchanged when ``lr`` is None)


def fused_epoch(
    X: ArrayLike,
    y: ArrayLike,
    coef: np.ndarray,
    intercept: float = 0.0,
    *,
    lr: float | None = None,
    penalty=None,
    proximal: bool = True,
    sample_weight: ArrayLike | None = None,
    fit_intercept: bool = True,
    residual: np.ndarray | None = None,
) -> EpochResult:
    """Run one fused, multithreaded pass over the rows of X and optionally step in place.

    The pass computes the residual ``r = X @ coef + intercept - y``, the mean squared error
    (the per-sample loss ``(w x + b - y)^2`` averaged) and its gradient
    ``2 X.T @ (sw * r) / n`` together, reading X once (row blocks with private float64
    gradients, combined in a fixed order: the result does not depend on the thread count).
    With ``lr`` it then applies the update ``w <- w - lr * (dL/dw)`` to ``coef`` *in place*:

    * ``proximal=True`` (default): ``coef <- penalty.prox(coef - lr * grad, lr)``, which gives
      exact zeros for L1;
    * ``proximal=False``: ``coef <- coef - lr * (grad + penalty.subgradient(coef))``.

    and ``intercept <- intercept - lr * grad_intercept`` (returned, since a float cannot be
    updated in place) when ``fit_intercept``.

    Parameters
    ----------
    X : array_like (n_samples, n_features), float32 or float64
        C- or F-contiguous arrays (and memmaps) are read in place; never copied or modified.
    y : array_like (n_samples,)
    coef : ndarray (n_features,), float
        Updated in place when ``lr`` is given (then it must be writeable).
    intercept : float
    lr : float or None
        Learning rate; None only measures.
    penalty : fastnorm.penalties.L1, L2, ElasticNet or None
    proximal : bool
    sample_weight : array_like (n_samples,) or None
    fit_intercept : bool
        Whether the step also updates the intercept.
    residual : ndarray (n_samples,) float64 or None
        If given, receives ``r``.

    Returns
    -------
    EpochResult
        ``loss``, ``objective``, ``grad``, ``grad_intercept`` at the starting point and the
        new ``intercept``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import fused_epoch
    >>> from fastnorm.penalties import L1
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> y = np.array([1.0, 0.0, 1.0])
    >>> w = np.zeros(2)
    >>> b = 0.0
    >>> for _ in range(200):
    ...     res = fused_epoch(X, y, w, b, lr=0.2, penalty=L1(0.05))
    ...     b = res.intercept
    >>> w.round(3), round(b, 3)
    (array([0.887, 0.   ]), 0.075)
    >>> round(res.objective, 4)
    0.0472
    """
    X, y, sw = validate_epoch_input(X, y, coef, sample_weight, residual)
    data = NumpyPass(X, y, sw)
    w = np.asarray(coef, dtype=np.float64)
    g, s_r, s_rr, _ = data.epoch(w, float(intercept), residual)
    total = float(sw.sum()) if sw is not None else float(X.shape[0])
    total = total if total > 0 else 1.0
    loss = s_rr / total
    grad = 2.0 * g / total
    grad_b = 2.0 * s_r / total
    pen_value = 0.0 if penalty is None else penalty.value(w)
    new_b = float(intercept)
    if lr is not None:
        if not coef.flags.writeable:
            raise ValueError("coef is read-only; fused_epoch updates it in place")
        v = w - lr * grad
        if penalty is None:
            new = v
        elif proximal:
            new = penalty.prox(v, lr)
        else:
            new = v - lr * penalty.subgradient(w)
        if not np.all(np.isfinite(new)):
            raise FloatingPointError(
                "fused_epoch: the step produced non-finite coefficients; lower lr"
            )
        coef[...] = new
        if fit_intercept:
            new_b = float(intercept) - lr * grad_b
    return EpochResult(loss, loss + pen_value, grad, grad_b, new_b)
