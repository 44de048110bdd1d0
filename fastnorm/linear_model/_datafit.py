"""Data fits: the loss part of ``datafit(w) + penalty(w)`` (skglm's datafit/penalty split).

A data fit reaches X only through a *data pass* object (``NumpyPass`` for in-memory arrays,
``DaskPass`` for Dask arrays), whose interface is:

``moments() -> Moments``, ``has_moments``
    one-time weighted moments: ``sw_sum``, column sums ``X.T @ sw``, column sums of squares
    ``(X**2).T @ sw``, ``y_sum = sw @ y`` and ``yy = sw @ y**2``;
``epoch(w, b, r_out=None) -> (g, s_r, s_rr, s_ry)``
    one fused pass at ``(w, b)``: with ``r = X @ w + b - y``, ``g = X.T @ (sw * r)``,
    ``sum(sw * r)``, ``sum(sw * r**2)``, ``sum(sw * r * y)`` (``r_out`` receives ``r``);
``n_samples``, ``n_features``; optionally ``epoch_with_moments`` (both in one pass) and
``sgd_epoch`` (row-wise updates; in-memory only).

What a data fit offers the solvers (the interface a new one, e.g. logistic, implements):

``evaluate(w, r_out=None) -> (grad, value, XtR, R_norm2, Ry)``
    one pass: the gradient of the data fit (per coordinate, over n), its value, and the
    pieces of the duality gap;
``gap(w, XtR, R_norm2, Ry, l1, l2, positive)`` and ``gap_tol(tol)``
    the duality gap over n (scikit-learn's ``dual_gap_``) and scikit-learn's stopping level;
``diag()``
    per-coordinate Lipschitz constants of the gradient (step sizes, SGD rates);
``intercept(w)``, ``n``, ``X_off``, ``y_off``, ``fit_intercept``, ``finite()``
    (False when the moments show NaN/inf in X).

A new data fit is a class with this interface, constructed as ``cls(data, fit_intercept,
start_at_zero=...)``; an estimator selects it with its ``_datafit`` class attribute and the
one fit loop, the backends and the pass-based solvers run it unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fastnorm._kernels import penalty as _kp

__all__ = ["Moments", "Quadratic", "enet_gap"]


@dataclass
class Moments:
    """Weighted one-pass moments of (X, y) used to centre implicitly."""

    sw_sum: float
    colsum: np.ndarray  # X.T @ sw
    colsq: np.ndarray  # (X**2).T @ sw
    y_sum: float
    yy: float


def enet_gap(w, XtR, R_norm2, Ry, alpha, beta, positive) -> float:
    """scikit-learn's duality gap (``_cd_fast.gap_enet``) from the pass statistics.

    ``XtR = X_c.T @ W (y_c - X_c w)``, ``R_norm2 = ||R||_W^2``, ``Ry = R @ W y_c``; ``alpha``
    and ``beta`` are the L1 and L2 weights in the unnormalised scale (times n).
    """
    w_l2 = float(w @ w) if beta > 0 else 0.0
    if alpha == 0 and positive:
        # w >= 0: the conjugate of beta/2 ||w||^2 + (w >= 0) is ||max(v, 0)||^2 / (2 beta);
        # with v = X'R the gap is a sum of non-negative terms (no cancellation).  OLS (beta=0):
        # the projected gradient's squared norm, the first-order condition of NNLS.
        v = XtR
        if beta == 0:
            pg = np.where(w > 0, v, np.maximum(v, 0.0))
            return float(pg @ pg)
        vp = np.maximum(v, 0.0)
        return float(0.5 * beta * (w @ w) - w @ v + (vp @ vp) / (2.0 * beta))
    if alpha == 0:
        if beta == 0:  # OLS: no dual gap; the first-order condition ||X'R||^2 as sklearn
            return float(XtR @ XtR)
        # Ridge: sklearn's formulation B, R^2 + beta w^2 / 2 - R.y + ||X'R||^2 / (2 beta),
        # equals ||X'R - beta w||^2 / (2 beta) (use R.y = R^2 + R.Xw); this form has no
        # cancellation, so tiny tolerances stay meaningful.
        grad = XtR - beta * w
        return float(grad @ grad) / (2.0 * beta)
    XtA = np.ascontiguousarray(XtR - beta * w, dtype=np.float64)
    dn = _kp.enet_dual_norm(XtA, float(alpha), bool(positive))
    w_l1 = float(np.abs(w).sum())
    return float(_kp.enet_gap(float(R_norm2), float(Ry), w_l1, w_l2, float(alpha), float(beta), dn))


class Quadratic:
    """Least squares ``(1/(2n)) sum_i sw_i (y_i - x_i w - b)^2`` on a data pass.

    The intercept is fitted through the column means (``b = y_mean - X_mean @ w``), never by
    centring X: with that ``b`` the residual is the residual of the centred problem, and the
    centred gradient is ``(g - X_mean * s_r) / n``.  ``n`` is the sum of the (rescaled)
    weights, ``yty`` the weighted sum of squares of the centred y.

    ``start_at_zero``: a data pass that offers ``epoch_with_moments`` computes the moments
    and the first epoch at ``w = 0`` in one pass; that epoch is kept for the first
    :meth:`evaluate` at zero.
    """

    name = "quadratic"

    def __init__(self, data: Any, fit_intercept: bool, *, start_at_zero: bool = False) -> None:
        self.data = data
        self.fit_intercept = bool(fit_intercept)
        self._first = None  # raw sums of the first epoch at w = 0, when computed with moments
        if start_at_zero and hasattr(data, "epoch_with_moments") and not data.has_moments:
            sw_sum, y_sum, _ = data.y_moments()
            b0 = y_sum / sw_sum if fit_intercept else 0.0
            self._first = data.epoch_with_moments(np.zeros(data.n_features), b0)
        m = data.moments()
        self.moments = m
        n = m.sw_sum
        self.n = n
        if fit_intercept:
            self.X_off = m.colsum / n
            self.y_off = m.y_sum / n
            self.yty = max(m.yy - n * self.y_off * self.y_off, 0.0)
        else:
            self.X_off = np.zeros(data.n_features)
            self.y_off = 0.0
            self.yty = m.yy

    def finite(self) -> bool:
        """False when the moments show NaN/inf in X."""
        m = self.moments
        return bool(np.all(np.isfinite(m.colsum)) and np.all(np.isfinite(m.colsq)))

    def intercept(self, w: np.ndarray) -> float:
        return self.y_off - float(self.X_off @ w) if self.fit_intercept else 0.0

    def evaluate(self, w: np.ndarray, r_out: np.ndarray | None = None) -> tuple:
        """One fused pass: ``(grad, value, XtR, R_norm2, Ry)`` at ``w`` (``r_out``, optional,
        receives the residual ``X_c w - y_c``)."""
        b = self.intercept(w)
        if self._first is not None and r_out is None and not np.any(w):
            (g, s_r, s_rr, s_ry), self._first = self._first, None
        elif r_out is None:
            g, s_r, s_rr, s_ry = self.data.epoch(w, b)
        else:
            g, s_r, s_rr, s_ry = self.data.epoch(w, b, r_out)
        n = self.n
        grad = (g - self.X_off * s_r) / n
        Ry = -(s_ry - self.y_off * s_r)  # R = -(r) against the centred y
        return grad, 0.5 * s_rr / n, -n * grad, s_rr, Ry

    def gap(self, w, XtR, R_norm2, Ry, l1, l2, positive) -> float:
        """Duality gap over n of ``self + l1 ||w||_1 + 0.5 l2 ||w||^2`` (scikit-learn's)."""
        n = self.n
        return enet_gap(w, XtR, R_norm2, Ry, l1 * n, l2 * n, positive) / n

    def gap_tol(self, tol: float) -> float:
        """Stopping threshold on the gap over n: scikit-learn's ``tol * ||y_c||^2 / n``."""
        return tol * self.yty / self.n

    def diag(self) -> np.ndarray:
        """Per-coordinate Lipschitz constants ``||X_c[:, j]||_W^2 / n``."""
        with np.errstate(over="ignore", invalid="ignore"):  # huge X: the pass raises next
            d = self.moments.colsq / self.n
            if self.fit_intercept:
                d = d - self.X_off * self.X_off
        return np.maximum(d, 0.0)
