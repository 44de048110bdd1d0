"""The elastic-net penalty inside kernels: soft-thresholding, prox, coordinate update, value,
subgradient, dual norm and duality gap, as small inlined numba helpers.

Every solver kernel (Gram coordinate descent, SGD, the streaming prox, and the working-set and
logistic solvers) calls these, so the penalty math has one source.  The Python penalties of
:mod:`fastnorm.penalties` are their numpy twins (a test keeps them equal).

Convention (scikit-learn's elastic-net scale), for one coefficient ``w``::

    P(w) = l1 * |w| + 0.5 * l2 * w**2        (+ the constraint w >= 0 when ``positive``)

A penalty object lowers to the scalars ``(l1, l2, positive)`` at the kernel boundary (no
jitclass: numba's disk cache does not see through jitclass arguments).

The disk cache and helpers from another module
----------------------------------------------
numba files a cached kernel under its own source file's timestamp: an edit of a helper here
would leave stale machine code in the cache of every kernel that inlined it.  Kernels that
call these helpers are therefore decorated with :func:`uses_helpers` (under ``@kernel``),
which appends :data:`CACHE_SALT`, a hash of the sources of ``fastnorm/_kernels/*.py``, to
their qualified name, the key of numba's cache files: any edit of a kernel module gives the
kernels new cache entries.  Hashing the ~150 KB of sources costs well under a millisecond
at import.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from fastnorm._config import helper, kernel

__all__ = [
    "CACHE_SALT",
    "cd_solve",
    "cd_update",
    "enet_dual_norm",
    "enet_gap",
    "enet_grad",
    "enet_subgrad",
    "enet_value",
    "prox_enet",
    "prox_enet_array",
    "soft_threshold",
    "source_salt",
    "uses_helpers",
]


def source_salt(directory: str | None = None) -> str:
    """A short hash of the ``*.py`` sources in ``directory`` (default: this package)."""
    d = os.path.dirname(os.path.abspath(__file__)) if directory is None else directory
    h = hashlib.blake2b(digest_size=8)
    try:
        paths = [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".py")]
        if directory is None:
            # kernels freeze the constants of ``fastnorm/_config.py`` into their machine code
            # too: an edit there must reach the cache as well
            paths.append(os.path.join(os.path.dirname(d), "_config.py"))
        for path in paths:
            with open(path, "rb") as f:
                h.update(os.path.basename(path).encode())
                h.update(f.read())
    except OSError:  # pragma: no cover - sources unavailable (numba could not cache anyway)
        return "nosrc"
    return h.hexdigest()


#: Hash of the kernel sources, part of the cache identity of kernels that inline helpers.
CACHE_SALT = source_salt()


def uses_helpers(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a kernel that inlines helpers from this module: its cache entry then changes
    whenever any kernel source changes (see the module docstring).  Apply under ``@kernel``."""
    fn.__qualname__ = f"{fn.__qualname__}__{CACHE_SALT}"
    return fn


# ------------------------------------------------------------------------------- helpers
@helper
def soft_threshold(x, t):
    """``sign(x) * max(|x| - t, 0)`` for ``t >= 0``; exact ``+0.0`` inside ``[-t, t]``
    (also for ``x = -0.0``), NaN propagates."""
    if x > t:
        return x - t
    if x < -t:
        return x + t
    if x != x:
        return x
    return 0.0


@helper
def cd_solve(u, L, l1, l2, positive):
    """``argmin_w L/2 w^2 - u w + P(w)`` = ``soft_threshold(u, l1) / (L + l2)`` (clipped at 0
    when ``positive``); ``L + l2 > 0``.  The coordinate-descent update with ``u = L * z``
    (scikit-learn's form: ``u = X_j . R + L w_j``)."""
    if positive:
        if u > l1:
            return (u - l1) / (L + l2)
        if u != u:
            return u
        return 0.0
    return soft_threshold(u, l1) / (L + l2)


@helper
def cd_update(z, L, l1, l2, positive):
    """``argmin_w L/2 (w - z)^2 + P(w)`` (equal to ``prox_enet(z, 1 / L, ...)``)."""
    return cd_solve(L * z, L, l1, l2, positive)


@helper
def prox_enet(v, step, l1, l2, positive):
    """``argmin_w (w - v)^2 / (2 step) + P(w)``: soft-threshold by ``step * l1`` (or clip at
    ``step * l1`` from below when ``positive``), then shrink by ``1 + step * l2``."""
    t = step * l1
    if positive:
        if v > t:
            r = v - t
        elif v != v:
            r = v
        else:
            return 0.0
    else:
        r = soft_threshold(v, t)
    return r / (1.0 + step * l2)


@helper
def enet_grad(w, l1, l2):
    """The subgradient a subgradient step uses: ``l1 * sign(w) + l2 * w`` (0 from the L1
    part at ``w == 0``: the minimum-norm element there)."""
    s = 0.0
    if w > 0:
        s = l1
    elif w < 0:
        s = -l1
    return s + l2 * w


@helper
def enet_subgrad(w, g, l1, l2, positive):
    """Distance of ``-g`` to the subdifferential of ``P`` at ``w``: 0 exactly where ``w`` is
    optimal for a coordinate with data-fit gradient ``g`` (stopping rules, working-set
    scores).  With ``positive``, ``w < 0`` is infeasible (inf) and at ``w == 0`` the
    subdifferential is ``(-inf, l1]``."""
    if w > 0:
        return abs(g + l1 + l2 * w)
    if w < 0:
        if positive:
            return math.inf
        return abs(g - l1 + l2 * w)
    d = -g - l1 if positive else abs(g) - l1
    if d > 0:
        return d
    if d != d:
        return d
    return 0.0


@helper
def enet_value(w, l1, l2):
    """``l1 * ||w||_1 + 0.5 * l2 * ||w||^2`` of a 1-D array, accumulated in float64."""
    a = 0.0
    q = 0.0
    for j in range(w.shape[0]):
        wj = np.float64(w[j])
        a += abs(wj)
        q += wj * wj
    return l1 * a + 0.5 * l2 * q


@helper
def enet_dual_norm(v, l1, positive):
    """``max(l1, max_j |v_j|)`` (``max_j v_j`` when ``positive``): ``v * l1 / enet_dual_norm``
    is the scaling of ``v = X^T R - l2 w`` into the dual feasible set (and the denominator of
    gap-safe screening)."""
    dn = l1
    for j in range(v.shape[0]):
        a = v[j] if positive else abs(v[j])
        if a > dn:
            dn = a
    return dn


@helper
def enet_gap(R_norm2, Ry, w_l1, w_sq, l1, l2, dnorm):
    """scikit-learn's elastic-net duality gap (``l1 > 0``) in the unnormalised scale.

    ``R_norm2 = ||R||^2`` and ``Ry = R . y`` for the residual ``R = y - Xw`` (weighted,
    centred), ``w_l1 = ||w||_1``, ``w_sq = ||w||^2``, ``l1``/``l2`` the penalty times n and
    ``dnorm = enet_dual_norm(X^T R - l2 w, l1, positive)``.
    """
    primal = 0.5 * (R_norm2 + l2 * w_sq) + l1 * w_l1
    scale = l1 / dnorm
    dual = -0.5 * (scale * scale) * (R_norm2 + l2 * w_sq) + scale * Ry
    return primal - dual


@helper
def block_shrink(norm, l1):
    """Factor of the L2,1 (group) prox of a block of norm ``norm``: ``max(1 - l1 / norm, 0)``
    (the multi-task elastic net's update scales the block by it)."""
    if norm <= l1:
        return 0.0
    return 1.0 - l1 / norm


# ------------------------------------------------------------------------------- kernels
@kernel(fastmath=False)
@uses_helpers
def prox_enet_array(v, step, l1, l2, positive, out):
    """``out[j] = prox_enet(v[j], step, l1, l2, positive)`` (the streaming solver's step)."""
    for j in range(v.shape[0]):
        out[j] = prox_enet(v[j], step, l1, l2, positive)
