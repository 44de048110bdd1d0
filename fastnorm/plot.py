"""Pictures of the geometry fastnorm computes: unit balls, why L1 gives zeros, paths, benchmarks.

Every function computes its data with fastnorm itself (norms, estimators, paths), draws it
with matplotlib's object API (:class:`matplotlib.figure.Figure`, no pyplot state, so any
backend and no display work) and returns the Figure.  Pass ``ax=`` to draw on your own Axes
instead; the function then returns that Axes' figure.  Nothing here calls ``plt.show()``.

matplotlib is an optional dependency (``pip install fastnorm[plot]``), imported when a
function is called: ``import fastnorm`` and ``import fastnorm.plot`` never import it.
The estimators come from :mod:`fastnorm.linear_model` (needs scikit-learn).

* :func:`unit_balls`: the unit circles ``{x : ||x||_p = 1}`` (or the 3-D unit spheres).
* :func:`regularisation_geometry`: loss contours of a two-feature least-squares problem, the
  penalty's constraint region at the budget where they touch, and the fitted optimum.
* :func:`path`: coefficient paths against alpha, and the cross-validation error curve.
* :func:`convergence`: objective (and duality gap, when recorded) per epoch of a fit.
* :func:`benchmark`: speed-ups, thread scaling and GB/s from ``python -m fastnorm bench --json``.
* :func:`suboptimality`: suboptimality against time per solver, from a ``"suboptimality"`` JSON.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_ALPHA",
    "benchmark",
    "convergence",
    "geometry_problem",
    "path",
    "regularisation_geometry",
    "suboptimality",
    "unit_ball_points",
    "unit_balls",
]

_MPL_MSG = "fastnorm.plot needs matplotlib: pip install fastnorm[plot] (or pip install matplotlib)"

#: Default ``alpha`` of :func:`regularisation_geometry` for each penalty, in each estimator's
#: own scale (Lasso/ElasticNet divide the loss by n_samples, Ridge does not), chosen on
#: :func:`geometry_problem` so that the L1 optimum sits on a corner and the L2 one does not.
DEFAULT_ALPHA: dict[str, float] = {"l1": 1.0, "l2": 50.0, "elasticnet": 1.0}
_PENALTIES = ("l1", "l2", "elasticnet")


# ----------------------------------------------------------------------------- plumbing
def _require_matplotlib() -> Any:
    """The Figure class, or an ImportError that says how to install matplotlib."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(_MPL_MSG) from exc
    return Figure


def _new_figure(figsize: tuple[float, float]) -> Figure:
    return _require_matplotlib()(figsize=figsize, layout="constrained")


def _root_figure(ax: Axes) -> Figure:
    fig = ax.figure
    while getattr(fig, "figure", fig) is not fig:  # a SubFigure: its parent Figure
        fig = fig.figure
    return fig


def _axes_list(ax: Any, n: int, what: str) -> list[Axes]:
    """``ax`` as a list of ``n`` Axes (one Axes counts as a list of one)."""
    axes = list(np.ravel(ax)) if isinstance(ax, (Sequence, np.ndarray)) else [ax]
    if len(axes) != n:
        raise ValueError(f"{what} draws {n} panel(s): pass {n} Axes as ax (got {len(axes)})")
    for a in axes:
        if not hasattr(a, "plot") or not hasattr(a, "figure"):
            raise TypeError(f"ax must be matplotlib Axes, got {type(a).__name__}")
    return axes


def _panels(ax: Any, n: int, what: str, figsize: tuple[float, float], **kw: Any):
    """(figure, axes list): new side-by-side panels, or the caller's Axes."""
    if ax is None:
        fig = _new_figure(figsize)
        axes = [fig.add_subplot(1, n, i + 1, **kw) for i in range(n)]
        return fig, axes
    _require_matplotlib()
    axes = _axes_list(ax, n, what)
    return _root_figure(axes[0]), axes


def _check_ord(p: Any) -> float:
    """A p > 0 (or inf) as a float; anything else raises ValueError."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, numbers.Real):
        raise ValueError(f"unit ball order must be a real p > 0 or inf, got {p!r}")
    p = float(p)
    if not p > 0:  # also rejects nan and -inf
        raise ValueError(
            f"unit ball order must be p > 0 or inf, got {p!r} (for p <= 0 ||x||_p = 1 is not "
            "the unit sphere of a (quasi-)norm)"
        )
    return p


def _ord_label(p: float) -> str:
    return "\\infty" if math.isinf(p) else f"{p:g}"


def _formula(p: float, dim: int) -> str:
    """The unit sphere's equation, as matplotlib mathtext."""
    xs = [f"x_{i + 1}" for i in range(dim)]
    if math.isinf(p):
        return "$\\max(" + ", ".join(f"|{x}|" for x in xs) + ") = 1$"
    if p == 1:
        return "$" + " + ".join(f"|{x}|" for x in xs) + " = 1$"
    if p == 2:
        return "$" + " + ".join(f"{x}^2" for x in xs) + " = 1$"
    return "$" + " + ".join(f"|{x}|^{{{p:g}}}" for x in xs) + " = 1$"


def _directions(n_points: int, dim: int) -> np.ndarray:
    """Directions to scale radially: a closed circle (n, 2), or the surface of the cube
    [-1, 1]^3 as six (n, n) face grids (6, n, n, 3).

    The cube's faces (rather than polar angles) parametrise the sphere so that the edges and
    corners of the L-inf ball, the edges of the L1 octahedron (a coordinate is 0: the middle
    grid lines for odd n) and its vertices and the cusps of p < 1 (face centres) are on the
    grid, and no grid points crowd at poles."""
    if dim == 2:
        t = np.linspace(0.0, 2.0 * np.pi, n_points)
        u = np.column_stack([np.cos(t), np.sin(t)])
        # exact zeros on the axes (cos(pi/2) is 6e-17): corners of the L1 ball and the cusps
        # of p < 1 land exactly on the axes
        u[np.abs(u) < 1e-15] = 0.0
        return u
    s = np.linspace(-1.0, 1.0, n_points)
    s[np.abs(s) < 1e-15] = 0.0
    a, b = np.meshgrid(s, s, indexing="ij")
    faces = []
    for k in range(3):
        for sign in (-1.0, 1.0):
            f = np.empty((n_points, n_points, 3))
            others = [j for j in range(3) if j != k]
            f[..., k] = sign
            f[..., others[0]] = a
            f[..., others[1]] = b
            faces.append(f)
    return np.stack(faces)


def unit_ball_points(ord: Any = 2, n_points: int | None = None, dim: int = 2) -> np.ndarray:
    """Points on the unit sphere ``{x : ||x||_ord = 1}``, by radial scaling of directions.

    Each Euclidean direction ``u`` is scaled to ``u / fastnorm.norm(u, ord)``, which lies on
    the sphere for any p > 0 (a norm for p >= 1, a non-convex quasi-norm for p < 1) and inf.

    Parameters
    ----------
    ord : float > 0 or inf
    n_points : int, optional
        Points around the circle (``dim=2``, default 721; the first equals the last, so the
        curve is closed; with ``n_points - 1`` a multiple of 8 the corners of the L1 and
        L-inf balls are among them), or along each edge of the six face grids that cover the
        sphere (``dim=3``, default 25; odd keeps the coordinate planes on the grid).
    dim : {2, 3}

    Returns
    -------
    ndarray
        ``(n_points, 2)`` for ``dim=2``; ``(6, n_points, n_points, 3)`` for ``dim=3``: the
        six faces of the cube ``[-1, 1]^3`` scaled radially onto the sphere, each a grid
        for a surface plot.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.plot import unit_ball_points
    >>> x = unit_ball_points(1, n_points=9)
    >>> np.round(x[:3], 3)
    array([[1. , 0. ],
           [0.5, 0.5],
           [0. , 1. ]])
    >>> float(np.abs(np.linalg.norm(unit_ball_points(0.5, dim=3), 0.5, axis=-1) - 1).max()) < 1e-12
    True
    """
    from fastnorm import norm

    p = _check_ord(ord)
    if dim not in (2, 3):
        raise ValueError(f"dim must be 2 or 3, got {dim!r}")
    if n_points is None:
        n_points = 721 if dim == 2 else 25
    if int(n_points) < 3:
        raise ValueError(f"n_points must be >= 3, got {n_points!r}")
    u = _directions(int(n_points), dim)
    flat = u.reshape(-1, dim)
    return (flat / norm(flat, p, axis=1)[:, None]).reshape(u.shape)


# ----------------------------------------------------------------------------- unit balls
def _quads(faces: np.ndarray) -> np.ndarray:
    """The quadrilaterals (k, 4, 3) of grids (..., n, n, 3): one collection for the whole
    surface, so matplotlib depth-sorts all its faces together."""
    g = faces.reshape(-1, *faces.shape[-3:])
    q = np.stack([g[:, :-1, :-1], g[:, 1:, :-1], g[:, 1:, 1:], g[:, :-1, 1:]], axis=-2)
    q = q.reshape(-1, 4, 3)
    # outward vertex order everywhere (shading takes the normal from it): flip the quads
    # whose normal points to the origin (half the cube's faces are parametrised inward)
    normal = np.cross(q[:, 2] - q[:, 0], q[:, 3] - q[:, 1])
    inward = np.einsum("ij,ij->i", normal, q.mean(axis=1)) < 0
    q[inward] = q[inward, ::-1]
    return q


def unit_balls(
    ords: Sequence[Any] = (0.5, 1, 2, np.inf),
    ax: Any = None,
    dim: int = 2,
    *,
    n_points: int | None = None,
) -> Figure:
    """Draw the unit circles ``{x : ||x||_p = 1}`` (``dim=3``: the unit spheres).

    The curves come from :func:`unit_ball_points` (fastnorm's own norm), each labelled with
    its equation: the L1 circle is the diamond ``|x1| + |x2| = 1``, the L2 circle the round
    ``x1^2 + x2^2 = 1``, L-inf the square, and p < 1 a non-convex star.

    Parameters
    ----------
    ords : sequence of float > 0 or inf
    ax : matplotlib Axes, optional
        Draw here (``dim=3``: one 3-D Axes for all the spheres, or one per order).  By
        default a new figure: one panel for ``dim=2``, one 3-D panel per order for ``dim=3``.
    dim : {2, 3}
    n_points : int, optional
        Resolution (default 721 around a circle, 41 along a sphere's meridian).

    Returns
    -------
    matplotlib.figure.Figure
        The curves (2-D) have gid ``"ball"``; the surfaces (3-D) are Poly3DCollections with
        gid ``"sphere"``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.plot import unit_balls
    >>> fig = unit_balls((1, 2, np.inf))
    >>> balls = [line for line in fig.axes[0].lines if line.get_gid() == "ball"]
    >>> for line in balls:
    ...     print(line.get_label())
    p = 1: $|x_1| + |x_2| = 1$
    p = 2: $x_1^2 + x_2^2 = 1$
    p = inf: $\\max(|x_1|, |x_2|) = 1$
    >>> xy = balls[0].get_xydata()
    >>> float(np.abs(np.abs(xy).sum(axis=1) - 1).max()) < 1e-12
    True
    """
    if isinstance(ords, (numbers.Real, str)):
        ords = (ords,)
    ps = [_check_ord(p) for p in ords]
    if not ps:
        raise ValueError("ords is empty: give at least one order p")
    if dim not in (2, 3):
        raise ValueError(f"dim must be 2 or 3, got {dim!r}")
    n = n_points if n_points is not None else (721 if dim == 2 else 25)
    colors = [f"C{i}" for i in range(len(ps))]

    if dim == 2:
        fig, (a,) = _panels(ax, 1, "unit_balls", (5.2, 5.2))
        for p, c in zip(ps, colors, strict=True):
            xy = unit_ball_points(p, n, 2)
            a.plot(xy[:, 0], xy[:, 1], color=c, lw=2, label=f"p = {p:g}: {_formula(p, 2)}",
                   gid="ball")  # fmt: skip
        a.axhline(0.0, color="0.6", lw=0.6, zorder=0)
        a.axvline(0.0, color="0.6", lw=0.6, zorder=0)
        a.set_aspect("equal")
        a.set_xlim(-1.25, 1.25)
        a.set_ylim(-1.25, 1.25)
        a.set_xlabel("$x_1$")
        a.set_ylabel("$x_2$")
        a.set_title("Unit circles $\\|x\\|_p = 1$")
        a.legend(loc="upper left", fontsize=8, bbox_to_anchor=(0.0, -0.12), frameon=False)
        return fig

    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    if ax is None:
        fig = _new_figure((3.4 * len(ps), 4.0))
        axes = [fig.add_subplot(1, len(ps), i + 1, projection="3d") for i in range(len(ps))]
    else:
        _require_matplotlib()
        axes = list(np.ravel(ax)) if isinstance(ax, (Sequence, np.ndarray)) else [ax]
        if len(axes) == 1:
            axes = axes * len(ps)
        if len(axes) != len(ps):
            raise ValueError(f"unit_balls(dim=3): pass one 3-D Axes or {len(ps)} of them")
        if any(getattr(a, "name", None) != "3d" for a in axes):
            raise ValueError("unit_balls(dim=3) needs 3-D Axes: fig.add_subplot(projection='3d')")
        fig = _root_figure(axes[0])
    for a, p, c in zip(axes, ps, colors, strict=True):
        a.add_collection3d(
            Poly3DCollection(_quads(unit_ball_points(p, n, 3)), facecolors=c, shade=True,
                             edgecolor=(0, 0, 0, 0.25), linewidth=0.2, gid="sphere")
        )  # fmt: skip
        a.set_box_aspect((1, 1, 1))
        for setlim in (a.set_xlim, a.set_ylim, a.set_zlim):
            setlim(-1.05, 1.05)
        a.set_xlabel("$x_1$", labelpad=-8)
        a.set_ylabel("$x_2$", labelpad=-8)
        a.set_zlabel("$x_3$", labelpad=-8)
        a.tick_params(labelsize=6, pad=-2)
        for setticks in (a.set_xticks, a.set_yticks, a.set_zticks):
            setticks([-1, 0, 1])
        a.set_title(f"$p = {_ord_label(p)}$: {_formula(p, 3)}", fontsize=8)
    return fig


# ------------------------------------------------------------------------------ geometry
def geometry_problem(n_samples: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The two-feature least-squares problem of :func:`regularisation_geometry`.

    Built exactly: ``X.T @ X / n = [[1, 0.5], [0.5, 1]]`` (correlated features, so the loss
    contours are tilted ellipses) and the least-squares solution is ``(1.5, 0.5)``, with the
    noise orthogonal to the columns of X.  No intercept.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.plot import geometry_problem
    >>> X, y = geometry_problem()
    >>> np.round(X.T @ X / len(y), 12)
    array([[1. , 0.5],
           [0.5, 1. ]])
    >>> np.round(np.linalg.lstsq(X, y, rcond=None)[0], 12)
    array([1.5, 0.5])
    """
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((n_samples, 3)))
    root = np.linalg.cholesky(np.array([[1.0, 0.5], [0.5, 1.0]]))
    X = math.sqrt(n_samples) * q[:, :2] @ root.T
    y = X @ np.array([1.5, 0.5]) + 0.5 * math.sqrt(n_samples) * q[:, 2]
    return X, y


def _penalty_value(w: np.ndarray, penalty: str, l1_ratio: float) -> np.ndarray:
    """The constraint function at each row of w: ||w||_1, ||w||_2, or the elastic-net
    ``l1_ratio ||w||_1 + (1 - l1_ratio) ||w||^2 / 2`` (the penalty convention per unit alpha)."""
    from fastnorm import norm

    w = np.atleast_2d(w)
    if penalty == "l1":
        return norm(w, 1, axis=1)
    if penalty == "l2":
        return norm(w, 2, axis=1)
    return l1_ratio * norm(w, 1, axis=1) + 0.5 * (1.0 - l1_ratio) * norm(w, 2, axis=1) ** 2


def _region(penalty: str, budget: float, l1_ratio: float, n_points: int) -> np.ndarray:
    """Boundary of ``{w : penalty(w) <= budget}``: directions scaled radially onto it."""
    if penalty in ("l1", "l2"):
        return budget * unit_ball_points(1 if penalty == "l1" else 2, n_points, 2)
    from fastnorm import norm

    u = _directions(n_points, 2)
    a = 0.5 * (1.0 - l1_ratio) * norm(u, 2, axis=1) ** 2
    b = l1_ratio * norm(u, 1, axis=1)
    # s >= 0 with a s^2 + b s = budget (the stable root: no cancellation)
    s = 2.0 * budget / (b + np.sqrt(b * b + 4.0 * a * budget)) if budget > 0 else 0.0 * a
    return u * np.asarray(s)[:, None]


def _fit_two_feature(penalty: str, X: np.ndarray, y: np.ndarray, alpha: float, l1_ratio: float):
    from fastnorm.linear_model import ElasticNet, Lasso, Ridge

    if penalty == "l1":
        est = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100_000)
    elif penalty == "l2":
        est = Ridge(alpha=alpha, fit_intercept=False)
    else:
        est = ElasticNet(
            alpha=alpha, l1_ratio=l1_ratio, fit_intercept=False, tol=1e-12, max_iter=100_000
        )
    return est.fit(X, y)


def regularisation_geometry(
    penalty: str | Sequence[str] = "l1",
    X: Any = None,
    y: Any = None,
    *,
    alpha: float | Sequence[float] | None = None,
    l1_ratio: float = 0.5,
    ax: Any = None,
    n_points: int = 721,
) -> Figure:
    """Why L1 gives zeros: loss contours meet the penalty's constraint region.

    A penalised fit ``min_w loss(w) + alpha * penalty(w)`` is also the constrained fit
    ``min_w loss(w)`` subject to ``penalty(w) <= t`` at the budget ``t = penalty(w_hat)`` of
    its solution ``w_hat``.  The panel draws the least-squares loss contours of a
    two-feature problem (the one through ``w_hat`` in bold), the region
    ``{w : penalty(w) <= t}`` and ``w_hat`` fitted by fastnorm's own estimator
    (:class:`~fastnorm.linear_model.Lasso`, :class:`~fastnorm.linear_model.Ridge`,
    :class:`~fastnorm.linear_model.ElasticNet`, no intercept).  The contour touches the L1
    diamond at a corner, where a coefficient is exactly zero; it touches the L2 disc off the
    axes.  ``penalty=("l1", "l2")`` draws the two side by side.

    Parameters
    ----------
    penalty : {"l1", "l2", "elasticnet"} or a sequence of them (one panel each)
    X, y : array_like (n_samples, 2) and (n_samples,), optional
        The problem; default :func:`geometry_problem`.
    alpha : float or sequence of floats (one per panel), optional
        Each estimator's ``alpha``, in its own scale (:data:`DEFAULT_ALPHA` by default).
    l1_ratio : float
        The elastic net's mix (used for ``"elasticnet"`` only).
    ax : matplotlib Axes or a sequence of them (one per panel), optional
    n_points : int
        Points on the region's boundary.

    Returns
    -------
    matplotlib.figure.Figure
        The marker with gid ``"optimum"`` is the estimator's ``coef_``; the filled patch
        with gid ``"region"`` is the constraint region.

    Examples
    --------
    >>> from fastnorm.plot import regularisation_geometry
    >>> fig = regularisation_geometry(("l1", "l2"))
    >>> [[round(float(v), 6) for v in line.get_xydata()[0]]
    ...  for a in fig.axes for line in a.lines if line.get_gid() == "optimum"]
    [[0.75, 0.0], [0.766667, 0.433333]]
    """
    pens = [penalty] if isinstance(penalty, str) else list(penalty)
    if not pens:
        raise ValueError("penalty is empty: give 'l1', 'l2' or 'elasticnet'")
    for p in pens:
        if p not in _PENALTIES:
            raise ValueError(f"penalty must be one of {_PENALTIES}, got {p!r}")
    if alpha is None:
        alphas = [DEFAULT_ALPHA[p] for p in pens]
    elif isinstance(alpha, numbers.Real):
        alphas = [float(alpha)] * len(pens)
    else:
        alphas = [float(a) for a in alpha]
        if len(alphas) != len(pens):
            raise ValueError(f"alpha: {len(alphas)} values for {len(pens)} penalties")
    if (X is None) != (y is None):
        raise ValueError("give both X and y, or neither (the default problem)")
    if X is None:
        X, y = geometry_problem()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (n_samples, 2) for a 2-D picture, got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")

    n = X.shape[0]
    w_ls = np.linalg.lstsq(X, y, rcond=None)[0]

    def loss(w: np.ndarray) -> np.ndarray:  # rows of w -> 1/(2n) ||y - X w||^2
        r = y[:, None] - X @ np.atleast_2d(w).T
        return 0.5 * np.einsum("ij,ij->j", r, r) / n

    fig, axes = _panels(ax, len(pens), "regularisation_geometry", (5.0 * len(pens), 5.0))
    names = {"l1": "L1 (Lasso)", "l2": "L2 (Ridge)", "elasticnet": "elastic net"}
    for a, pen, alph in zip(axes, pens, alphas, strict=True):
        est = _fit_two_feature(pen, X, y, alph, l1_ratio)
        w_hat = np.asarray(est.coef_, dtype=np.float64).reshape(2)
        budget = float(_penalty_value(w_hat, pen, l1_ratio)[0])
        edge = _region(pen, budget, l1_ratio, n_points)

        half = 1.25 * max(np.abs(w_ls).max(), np.abs(edge).max(), 1e-12)
        centre = 0.5 * w_ls
        lo, hi = centre - half, centre + half
        g0, g1 = np.meshgrid(np.linspace(lo[0], hi[0], 241), np.linspace(lo[1], hi[1], 241))
        L = loss(np.column_stack([g0.ravel(), g1.ravel()])).reshape(g0.shape)
        l_min, l_hat = float(loss(w_ls)[0]), float(loss(w_hat)[0])
        step = max(l_hat - l_min, 1e-12 * max(abs(l_min), 1.0))
        others = l_min + step * np.array([0.05, 0.2, 0.45, 1.6, 2.5, 3.6, 5.0, 6.5])
        a.contour(g0, g1, L, levels=others, colors="0.55", linewidths=0.8)
        a.contour(g0, g1, L, levels=[l_hat], colors="C3", linewidths=2.0)

        a.fill(edge[:, 0], edge[:, 1], color="C0", alpha=0.25, lw=0, gid="region")
        a.plot(edge[:, 0], edge[:, 1], color="C0", lw=1.8, gid="region_edge")
        a.axhline(0.0, color="0.3", lw=0.7, zorder=0)
        a.axvline(0.0, color="0.3", lw=0.7, zorder=0)
        a.plot(*w_ls, marker="x", color="k", ms=8, ls="none", gid="least_squares",
               label=f"least squares ({w_ls[0]:.3g}, {w_ls[1]:.3g})")  # fmt: skip
        a.plot(*w_hat, marker="o", color="C3", ms=8, ls="none", gid="optimum", zorder=5,
               label=f"{type(est).__name__} fit ({w_hat[0]:.3g}, {w_hat[1]:.3g})")  # fmt: skip
        zeros = [f"$w_{j + 1} = 0$" for j in range(2) if w_hat[j] == 0.0]
        if zeros:  # the point of the picture: the optimum on a corner is exactly sparse
            a.annotate(f"corner: {', '.join(zeros)} exactly", w_hat, xytext=(12, -22),
                       textcoords="offset points", fontsize=8, color="C3")  # fmt: skip
        what = {"l1": "$\\|w\\|_1$", "l2": "$\\|w\\|_2$"}.get(
            pen, f"${l1_ratio:g}\\|w\\|_1 + {0.5 * (1 - l1_ratio):g}\\|w\\|_2^2$"
        )
        a.set_title(f"{names[pen]}: {what} $\\leq$ {budget:.3g}  (alpha = {alph:g})", fontsize=9)
        a.set_aspect("equal")
        a.set_xlim(lo[0], hi[0])
        a.set_ylim(lo[1], hi[1])
        a.set_xlabel("$w_1$")
        a.set_ylabel("$w_2$")
        a.legend(loc="lower right", fontsize=8)
    return fig


# ---------------------------------------------------------------------------------- paths
def _is_estimator(obj: Any) -> bool:
    return hasattr(obj, "fit") and hasattr(obj, "get_params")


def _check_fitted(est: Any) -> None:
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(est)  # sklearn's NotFittedError, with its message


def path(
    X: Any,
    y: Any = None,
    *,
    estimator: Any = None,
    l1_ratio: float | None = None,
    alphas: Any = None,
    n_alphas: int = 100,
    eps: float = 1e-3,
    fit_intercept: bool = True,
    feature_names: Sequence[str] | None = None,
    ax: Any = None,
) -> Figure:
    """Coefficient paths against alpha, and the cross-validation error curve.

    ``path(X, y)`` draws every coefficient along the alphas of
    :func:`~fastnorm.linear_model.lasso_path` (or :func:`~fastnorm.linear_model.enet_path`
    for ``l1_ratio < 1``), on a log alpha axis, on X and y centred first when
    ``fit_intercept`` (as the estimators do).  With a fitted ``estimator`` its alpha is
    marked: for :class:`~fastnorm.linear_model.LassoCV` /
    :class:`~fastnorm.linear_model.ElasticNetCV` the path runs on its ``alphas_`` (its
    ``l1_ratio_`` and ``fit_intercept``), ``alpha_`` is marked, and a second panel draws
    the mean held-out error of ``mse_path_`` with one standard deviation across folds.
    ``path(fitted_cv_estimator)`` alone draws the error curve only.

    Parameters
    ----------
    X : array_like (n_samples, n_features), or a fitted estimator
        A pandas DataFrame's columns name the curves.
    y : array_like (n_samples,), optional
    estimator : fitted Lasso, ElasticNet, LassoCV or ElasticNetCV, optional
    l1_ratio : float in (0, 1], optional
        Default 1 (Lasso), or the estimator's.
    alphas : array_like, optional
        The path's alphas (default: the estimator's grid, else an automatic grid of
        ``n_alphas`` from ``alpha_max`` down to ``eps * alpha_max``).
    n_alphas, eps
        The automatic grid.
    fit_intercept : bool
        Centre X and y before the path (ignored with an estimator: its own setting is used).
    feature_names : sequence of str, optional
        Curve labels (default: DataFrame columns, the estimator's ``feature_names_in_``).
    ax : matplotlib Axes, or two Axes when both panels are drawn, optional

    Returns
    -------
    matplotlib.figure.Figure
        Coefficient curves have gid ``"coef"``, the mean CV error ``"cv_mean"``, the alpha
        marker ``"alpha"``.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import lasso_path
    >>> from fastnorm.plot import path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 3))
    >>> y = X @ [1.0, 0.0, -2.0]
    >>> fig = path(X, y, fit_intercept=False, n_alphas=20)
    >>> lines = [line for line in fig.axes[0].lines if line.get_gid() == "coef"]
    >>> alphas, coefs, _ = lasso_path(X, y, alphas=20)
    >>> bool(np.array_equal(lines[2].get_ydata(), coefs[2]))
    True
    """
    if _is_estimator(X):
        if estimator is not None or y is not None:
            raise TypeError("path(estimator) takes no y/estimator; use path(X, y, estimator=...)")
        estimator, X = X, None
    if X is not None and y is None:
        raise TypeError("path(X, y): y is missing")

    mark = None
    cv = False
    if estimator is not None:
        _check_fitted(estimator)
        fit_intercept = bool(getattr(estimator, "fit_intercept", fit_intercept))
        cv = hasattr(estimator, "mse_path_") and hasattr(estimator, "alphas_")
        mark = float(estimator.alpha_ if cv else estimator.alpha)
        if l1_ratio is None:
            l1_ratio = float(getattr(estimator, "l1_ratio_", getattr(estimator, "l1_ratio", 1.0)))
        if feature_names is None and hasattr(estimator, "feature_names_in_"):
            feature_names = list(estimator.feature_names_in_)
        if X is None and not cv:
            raise TypeError(
                f"path({type(estimator).__name__}) without X, y has nothing to draw: the "
                "cross-validation curve needs LassoCV/ElasticNetCV; pass X, y for the path"
            )
    l1r = 1.0 if l1_ratio is None else float(l1_ratio)
    if not 0.0 < l1r <= 1.0:
        raise ValueError(f"l1_ratio must be in (0, 1] for a path, got {l1_ratio!r}")

    cv_alphas = cv_mse = None
    if cv:
        grid = np.asarray(estimator.alphas_, dtype=np.float64)
        mse = np.asarray(estimator.mse_path_, dtype=np.float64)
        if mse.ndim == 3:  # several l1_ratios: the chosen one's curve
            i = int(np.flatnonzero(np.atleast_1d(estimator.l1_ratio) == estimator.l1_ratio_)[0])
            mse = mse[i]
            grid = grid[i] if grid.ndim == 2 else grid
        cv_alphas, cv_mse = grid, mse
        if alphas is None:
            alphas = grid

    n_panels = (X is not None) + cv
    fig, axes = _panels(ax, n_panels, "path", (6.4 * n_panels, 4.6))

    if X is not None:
        if feature_names is None and hasattr(X, "columns"):
            feature_names = [str(c) for c in X.columns]
        Xa = np.asarray(X, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64).reshape(-1)
        if Xa.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {Xa.shape}")
        if fit_intercept:
            Xa = Xa - Xa.mean(axis=0)
            ya = ya - ya.mean()
        from fastnorm.linear_model import enet_path, lasso_path

        # scikit-learn 1.9 takes the grid size as ``alphas=int`` (``n_alphas`` warns)
        grid_arg = n_alphas if alphas is None else alphas
        if l1r == 1.0:
            a_path, coefs, _ = lasso_path(Xa, ya, alphas=grid_arg, eps=eps)
        else:
            a_path, coefs, _ = enet_path(Xa, ya, l1_ratio=l1r, alphas=grid_arg, eps=eps)
        names = (
            list(feature_names)
            if feature_names is not None
            else [f"x{j}" for j in range(coefs.shape[0])]
        )
        if len(names) != coefs.shape[0]:
            raise ValueError(f"{len(names)} feature_names for {coefs.shape[0]} features")
        a = axes[0]
        for j, (name, c) in enumerate(zip(names, coefs, strict=True)):
            a.plot(a_path, c, color=f"C{j % 10}", lw=1.6, gid="coef", label=name,
                   ls="-" if j < 10 else "--")  # fmt: skip
        a.axhline(0.0, color="0.4", lw=0.7)
        a.set_xscale("log")
        a.set_xlabel("alpha (log scale)")
        a.set_ylabel("coefficient")
        kind = "Lasso" if l1r == 1.0 else f"elastic net (l1_ratio = {l1r:g})"
        a.set_title(f"{kind} path: {coefs.shape[0]} coefficients", fontsize=10)
        if len(names) <= 20:
            a.legend(fontsize=7, ncol=2 if len(names) > 6 else 1, loc="best")
        a.grid(True, which="major", alpha=0.3)
    if cv:
        a = axes[-1]
        mean, sd = cv_mse.mean(axis=1), cv_mse.std(axis=1)
        for k in range(cv_mse.shape[1]):
            a.plot(cv_alphas, cv_mse[:, k], color="0.7", lw=0.7, gid="cv_fold",
                   label="folds" if k == 0 else None)  # fmt: skip
        a.fill_between(cv_alphas, mean - sd, mean + sd, color="C0", alpha=0.25,
                       label="mean ± 1 sd over folds")  # fmt: skip
        a.plot(cv_alphas, mean, color="C0", lw=2, gid="cv_mean", label="mean held-out MSE")
        a.set_xscale("log")
        a.set_xlabel("alpha (log scale)")
        a.set_ylabel("held-out mean squared error")
        a.set_title(f"{type(estimator).__name__}: {cv_mse.shape[1]}-fold CV error", fontsize=10)
        a.grid(True, which="major", alpha=0.3)
    if mark is not None:
        for a in axes:
            a.axvline(mark, color="k", ls="--", lw=1.2, gid="alpha",
                      label=f"alpha{'_' if cv else ''} = {mark:.3g}")  # fmt: skip
            n_feat = len(a.get_legend_handles_labels()[0])
            if n_feat <= 21:  # features (at most 20 are named) and the marker
                a.legend(fontsize=7, loc="best", ncol=2 if n_feat > 7 else 1)
    return fig


# ---------------------------------------------------------------------------- convergence
def convergence(estimator: Any, ax: Any = None) -> Figure:
    """Objective and duality gap per epoch of a fitted estimator.

    Left: ``objective_path_`` (the objective after each epoch, from the initial point) minus
    the lowest objective reached, on a log scale.  Right: the duality gap per epoch when the
    estimator records it (``gap_path_``); otherwise the final ``dual_gap_`` at ``n_iter_``.
    Multi-target fits draw one curve per target.

    Parameters
    ----------
    estimator : fitted fastnorm estimator with ``objective_path_``
    ax : two matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model import Lasso
    >>> from fastnorm.plot import convergence
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 30))
    >>> est = Lasso(alpha=0.01, solver="stream").fit(X, X[:, 0] - X[:, 1])
    >>> fig = convergence(est)
    >>> len(fig.axes)
    2
    """
    _check_fitted(estimator)
    if not hasattr(estimator, "objective_path_"):
        raise TypeError(
            f"{type(estimator).__name__} has no objective_path_: convergence() draws fastnorm "
            "estimators' fit history"
        )

    def per_target(h: Any) -> list[Any]:  # one history (1-D y) or one per target
        return [h] if len(h) == 0 or np.ndim(h[0]) == 0 else list(h)

    paths = per_target(estimator.objective_path_)
    gaps = getattr(estimator, "gap_path_", None)
    if gaps is not None:
        gaps = per_target(gaps)
    fig, (a_obj, a_gap) = _panels(ax, 2, "convergence", (10.0, 4.0))
    many = len(paths) > 1
    for k, obj in enumerate(paths):
        obj = np.asarray(obj, dtype=np.float64)
        sub = obj - obj.min()
        keep = sub > 0
        a_obj.plot(np.arange(obj.size)[keep], sub[keep], marker=".", gid="objective",
                   label=f"target {k}" if many else None)  # fmt: skip
    if not a_obj.lines:  # e.g. Ridge: one direct solve, a history of one objective
        a_obj.text(0.5, 0.5, f"{sum(len(p) for p in paths)} objective value(s): no decrease to "
                   "draw", ha="center", transform=a_obj.transAxes, fontsize=8)  # fmt: skip
    a_obj.set_yscale("log")
    a_obj.set_xlabel("epoch")
    a_obj.set_ylabel("objective − lowest objective reached")
    a_obj.set_title(f"{type(estimator).__name__} ({getattr(estimator, 'solver_', '?')})")
    if gaps is not None:
        for k, g in enumerate(gaps):
            g = np.asarray(g, dtype=np.float64)
            a_gap.plot(np.arange(g.size), g, marker=".", gid="gap",
                       label=f"target {k}" if many else None)  # fmt: skip
        a_gap.set_title("duality gap per epoch")
    elif hasattr(estimator, "dual_gap_"):
        gap = np.atleast_1d(np.asarray(estimator.dual_gap_, dtype=np.float64))
        last = np.array([len(p) - 1 for p in paths])  # the last epoch of each history
        a_gap.plot(np.broadcast_to(last, gap.shape), gap, marker="o", ls="none", gid="gap",
                   label="final dual_gap_")  # fmt: skip
        a_gap.set_title("final duality gap (per-epoch gap not recorded)", fontsize=9)
    else:
        a_gap.text(0.5, 0.5, "no duality gap recorded", ha="center", transform=a_gap.transAxes)
    a_gap.set_yscale("log")
    right = max(len(p) for p in paths) - 0.5
    for a in (a_obj, a_gap):  # the same epochs on both panels
        a.set_xlim(-0.5, max(right, 0.5))
    a_gap.set_xlabel("epoch")
    a_gap.set_ylabel("duality gap")
    for a in (a_obj, a_gap):
        a.grid(True, which="major", alpha=0.3)
        if many or a is a_gap:
            handles = a.get_legend_handles_labels()[0]
            if handles:
                a.legend(fontsize=7)
    return fig


# ----------------------------------------------------------------------------- benchmarks
def _load_json(source: Any, what: str) -> dict[str, Any]:
    if isinstance(source, Mapping):
        return dict(source)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"{what}: expected a JSON file name or a dict, got {type(source).__name__}")
    try:
        with open(source, encoding="utf-8") as f:
            doc = json.load(f)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{os.fspath(source)} is not a JSON file ({exc})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{os.fspath(source)} is not a {what} file (not a JSON object)")
    return doc


def _bench_doc(source: Any) -> dict[str, Any]:
    doc = _load_json(source, "benchmark")
    if not str(doc.get("schema", "")).startswith("fastnorm-bench") or not isinstance(
        doc.get("results"), list
    ):
        name = source if not isinstance(source, Mapping) else "this document"
        raise ValueError(
            f"{name} is not a benchmark file: expected the JSON of `python -m fastnorm bench "
            "--json FILE` (a 'schema': 'fastnorm-bench/...' and a 'results' list)"
        )
    return doc


def _largest_per_case(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        key = f"{r['case']} ({r['dtype']})"
        if key not in out or r.get("nbytes", 0) > out[key].get("nbytes", 0):
            out[key] = r
    return out


def _draw_speedup(a: Axes, rows: list[dict[str, Any]]) -> None:
    threads = max((r["threads"] for r in rows), default=None)
    best = _largest_per_case([r for r in rows if r["threads"] == threads and r.get("speedup")])
    keys = sorted(best)[::-1]
    vals = np.array([float(best[k]["speedup"]) for k in keys])
    refs = [best[k].get("reference", "?") for k in keys]
    ypos = np.arange(len(keys))
    colors = ["C2" if v >= 1 else "C3" for v in vals]
    a.barh(ypos, vals, color=colors, gid="speedup")
    a.axvline(1.0, color="k", lw=0.8)
    a.set_xscale("log")
    a.set_yticks(ypos, [f"{k} vs {r}" for k, r in zip(keys, refs, strict=True)], fontsize=7)
    for yv, v in zip(ypos, vals, strict=True):
        a.text(v, yv, f" {v:.2f}x", va="center", fontsize=7)
    a.set_xlabel("speed-up of fastnorm (reference median time / fastnorm median time)")
    a.set_title(f"Speed-up over the reference, {threads} thread(s), largest size", fontsize=9)
    a.grid(True, axis="x", which="both", alpha=0.3)
    if not keys:
        a.text(0.5, 0.5, "no successful rows", ha="center", transform=a.transAxes)


def _draw_scaling(a: Axes, rows: list[dict[str, Any]]) -> None:
    groups: dict[tuple[str, str, Any], dict[int, float]] = {}
    for r in rows:
        t = r["impls"].get("fastnorm", {}).get("median_s")
        if t:
            groups.setdefault((r["case"], r["dtype"], r.get("size")), {})[r["threads"]] = t
    # largest size per case and dtype, and only those measured at 2+ thread counts
    chosen: dict[tuple[str, str], tuple[Any, dict[int, float]]] = {}
    for (case, dt, size), ts in groups.items():
        if len(ts) > 1 and ((case, dt) not in chosen or (size or 0) > (chosen[case, dt][0] or 0)):
            chosen[case, dt] = (size, ts)
    all_t: set[int] = set()
    for i, ((case, dt), (_, ts)) in enumerate(sorted(chosen.items())):
        t = sorted(ts)
        base = ts[t[0]] * t[0]  # time x threads at the fewest threads
        a.plot(t, [base / ts[k] for k in t], marker="o", color=f"C{i % 10}", gid="scaling",
               label=f"{case} ({dt})")  # fmt: skip
        all_t.update(t)
    if all_t:
        t = sorted(all_t)
        a.plot(t, t, ls="--", color="gray", label="ideal")
        a.set_xscale("log", base=2)
        a.set_yscale("log", base=2)
        a.set_xticks(t, [str(k) for k in t])
        a.yaxis.set_major_formatter("{x:g}")
    a.set_xlabel("threads")
    a.set_ylabel("fastnorm speed-up over 1 thread")
    a.set_title("Thread scaling (fastnorm median time)", fontsize=9)
    a.grid(True, which="both", alpha=0.3)
    a.legend(fontsize=6)


def _draw_bandwidth(a: Axes, title: str, rs: list[dict[str, Any]]) -> None:
    """GB/s (bytes the call must move / median time) against bytes moved; the dashed line
    is the streaming reference kernel measured beside each point."""
    rs = sorted(rs, key=lambda r: r["nbytes"])
    names = ["fastnorm", *[k for k in rs[0]["impls"] if k != "fastnorm"]]
    for name in names:
        pts = [
            (r["nbytes"], r["impls"][name]["gbps"])
            for r in rs
            if r["impls"].get(name, {}).get("gbps") is not None
        ]
        if pts:
            a.plot(*zip(*pts, strict=True), marker="o", label=name, gid="gbps",
                   lw=2 if name == "fastnorm" else 1)  # fmt: skip
    if all(r.get("bw_gbps") is not None for r in rs):
        a.plot([r["nbytes"] for r in rs], [r["bw_gbps"] for r in rs], ls="--", color="gray",
               label=f"stream {rs[0].get('bw_kind', '')}")  # fmt: skip
    a.set_xscale("log")
    a.set_yscale("log")
    a.yaxis.set_major_formatter("{x:g}")
    a.yaxis.set_minor_formatter("{x:g}")
    a.tick_params(axis="y", which="minor", labelsize=6)
    a.set_title(title, fontsize=9)
    a.set_xlabel("bytes moved")
    a.set_ylabel("GB/s")
    a.grid(True, which="both", alpha=0.3)
    a.legend(fontsize=7)


def benchmark(source: Any, kind: str | None = None, ax: Any = None) -> Figure:
    """Draw a ``python -m fastnorm bench --json`` file.

    Parameters
    ----------
    source : str, path or dict
        The JSON file (or its parsed document).
    kind : {"speedup", "scaling", "bandwidth"}, optional
        ``"speedup"``: bars of fastnorm's speed-up over each case's reference (numpy, scipy
        or scikit-learn), at the most threads and the largest size measured.  ``"scaling"``:
        fastnorm's speed-up over its fewest-thread time against threads (needs a run with
        ``--threads 1,2,..``), with the ideal line.  ``"bandwidth"``: GB/s against bytes per
        case and dtype beside the streaming bandwidth measured in the same run (a
        ``--sweep`` run; the bench command's ``--plot``).  Default: speed-up, plus scaling
        when the run has several thread counts (speed-up only with ``ax=``).
    ax : matplotlib Axes (``"bandwidth"``: one per panel), optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If the file is not a benchmark file, or ``kind="scaling"`` on a one-thread run.

    Examples
    --------
    >>> from fastnorm.plot import benchmark
    >>> row = {"case": "norm/vec-l2", "dtype": "float64", "size": 10, "nbytes": 80,
    ...        "status": "ok", "reference": "numpy"}
    >>> doc = {"schema": "fastnorm-bench/1", "results": [
    ...     {**row, "threads": 1, "speedup": 1.5, "impls": {"fastnorm": {"median_s": 2.0}}},
    ...     {**row, "threads": 2, "speedup": 2.8, "impls": {"fastnorm": {"median_s": 1.1}}}]}
    >>> fig = benchmark(doc)  # bars at the most threads, and the thread scaling
    >>> [float(bar.get_width()) for bar in fig.axes[0].patches]
    [2.8]
    >>> [line.get_ydata().round(3).tolist() for line in fig.axes[1].lines
    ...  if line.get_gid() == "scaling"]
    [[1.0, 1.818]]
    """
    doc = _bench_doc(source)
    rows = [r for r in doc["results"] if r.get("status") == "ok"]
    n_threads = len({r["threads"] for r in rows})
    if kind is None:
        kinds = ["speedup", "scaling"] if n_threads > 1 and ax is None else ["speedup"]
    elif kind in ("speedup", "scaling", "bandwidth"):
        kinds = [kind]
    else:
        raise ValueError(f"kind must be 'speedup', 'scaling' or 'bandwidth', got {kind!r}")
    if kinds == ["scaling"] and n_threads < 2:
        raise ValueError(
            "kind='scaling' needs a run at several thread counts "
            "(python -m fastnorm bench --threads 1,2,.. --json FILE)"
        )
    if kinds == ["bandwidth"]:
        threads = max((r["threads"] for r in rows), default=None)
        panels: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            if r["threads"] == threads:
                panels.setdefault(f"{r['case']} ({r['dtype']})", []).append(r)
        n = max(1, len(panels))
        if ax is None:
            ncols = min(3, n)
            nrows = math.ceil(n / ncols)
            fig = _new_figure((5.0 * ncols, 3.6 * nrows))
            axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]
        else:
            fig, axes = _panels(ax, n, "benchmark(kind='bandwidth')", (0, 0))
        for a, (title, rs) in zip(axes, panels.items(), strict=False):
            _draw_bandwidth(a, title, rs)
        if not panels:
            axes[0].text(0.5, 0.5, "no successful rows", ha="center")
        return fig
    n_cases = len(_largest_per_case(rows))
    height = max(3.0, 0.28 * n_cases + 1.2)
    fig, axes = _panels(ax, len(kinds), "benchmark", (6.5 * len(kinds), height))
    for a, k in zip(axes, kinds, strict=True):
        (_draw_speedup if k == "speedup" else _draw_scaling)(a, rows)
    return fig


_SUBOPT_KEYS = ("problem", "solver", "time", "subopt")


def suboptimality(source: Any, ax: Any = None) -> Figure:
    """Relative suboptimality against time, one curve per solver, one panel per problem.

    Reads the ``"kind": "suboptimality"`` JSON (records of ``problem``, ``solver``, ``tol``,
    ``time`` in seconds, ``objective`` and relative ``subopt``), as the benchmarks' peers
    comparison writes it.  Each record (one fit at one ``tol``) is a dot; the curve is the
    best suboptimality the solver reached within each time (the running minimum over its fits
    sorted by time, a staircase), so noisy timings of a tolerance sweep do not zig-zag.
    Fits that reached the best objective (``subopt <= 0``) sit on a dotted floor line below
    the smallest positive value; ``config.target``, when present, is a dashed line.

    Parameters
    ----------
    source : str, path or dict
    ax : matplotlib Axes, one per problem, optional
        By default a new figure with up to three panels a row.

    Returns
    -------
    matplotlib.figure.Figure
        Curves have gid ``"subopt"`` and the solver as label; dots gid ``"subopt_fits"``.

    Examples
    --------
    >>> from fastnorm.plot import suboptimality
    >>> fits = [(1e-2, 0.1, 1e-3), (1e-3, 0.15, 1e-2), (1e-4, 0.2, 1e-6)]  # a noisy sweep
    >>> doc = {"kind": "suboptimality", "machine": {}, "records": [
    ...     {"problem": "tall", "solver": "fastnorm", "tol": t, "time": s, "objective": 1.0,
    ...      "subopt": e} for t, s, e in fits]}
    >>> fig = suboptimality(doc)
    >>> [line.get_ydata().tolist() for line in fig.axes[0].lines if line.get_gid() == "subopt"]
    [[0.001, 0.001, 1e-06]]
    """
    doc = _load_json(source, "suboptimality")
    recs = doc.get("records")
    if doc.get("kind") != "suboptimality" or not isinstance(recs, list):
        raise ValueError(
            "not a suboptimality file: expected a JSON object with 'kind': 'suboptimality' "
            "and a 'records' list"
        )
    for i, r in enumerate(recs):
        missing = [k for k in _SUBOPT_KEYS if k not in r]
        if missing:
            raise ValueError(f"suboptimality record {i} lacks {missing}")
    problems = list(dict.fromkeys(r["problem"] for r in recs))
    if not problems:
        raise ValueError("the suboptimality file has no records")
    solvers = list(dict.fromkeys(r["solver"] for r in recs))
    color = {s: f"C{i % 10}" for i, s in enumerate(solvers)}
    style = {s: ("-", "--", ":", "-.")[(i // 10) % 4] for i, s in enumerate(solvers)}
    pos = [float(r["subopt"]) for r in recs if float(r["subopt"]) > 0]
    floor = min(pos) / 10.0 if pos else 1e-16
    target = (doc.get("config") or {}).get("target")
    n = len(problems)
    if ax is None:
        ncols = min(3, n)
        nrows = math.ceil(n / ncols)
        fig = _new_figure((5.0 * ncols, 3.9 * nrows))
        axes = [fig.add_subplot(nrows, ncols, i + 1) for i in range(n)]
    else:
        fig, axes = _panels(ax, n, "suboptimality", (0, 0))
    for a, prob in zip(axes, problems, strict=True):
        for s in solvers:
            rs = sorted((r for r in recs if r["problem"] == prob and r["solver"] == s),
                        key=lambda r: float(r["time"]))  # fmt: skip
            if rs:
                t = np.array([float(r["time"]) for r in rs])
                e = np.maximum([float(r["subopt"]) for r in rs], floor)
                lw = 2.0 if s.startswith("fastnorm") else 1.2
                a.plot(t, np.minimum.accumulate(e), color=color[s], ls=style[s], lw=lw,
                       drawstyle="steps-post", label=s, gid="subopt")  # fmt: skip
                a.plot(t, e, "o", color=color[s], ms=3.5, alpha=0.6, gid="subopt_fits")
        if any(float(r["subopt"]) <= 0 for r in recs if r["problem"] == prob):
            a.axhline(floor, color="0.5", ls=":", lw=1, label="reached the best objective")
        if target:
            a.axhline(float(target), color="k", ls="--", lw=0.8, label=f"target {target:g}")
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("time (s)")
        a.set_ylabel("relative suboptimality")
        a.set_title(str(prob), fontsize=9)
        a.grid(True, which="both", alpha=0.3)
        a.legend(fontsize=6, loc="best")
    return fig
