"""``fastnorm.warmup()``: compile (or load from numba's disk cache) the common kernels now."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from fastnorm._config import PARALLEL_MIN

__all__ = ["warmup"]


def warmup(dtypes: Iterable[Any] = ("float64", "float32"), parallel: bool = True) -> float:
    """Compile the norm, ``dist`` and ``normalize`` kernels for the common dtypes and layouts,
    so that the first real call pays no compilation.

    Kernels compile lazily on first use and are cached on disk (numba's ``__pycache__`` beside
    the package, or ``NUMBA_CACHE_DIR``); a warm-up in a fresh process with a warm cache
    only loads them. The serial builds serve inputs under ``PARALLEL_MIN`` elements, the
    parallel builds larger ones; ``parallel=False`` skips the latter.

    Parameters
    ----------
    dtypes : iterable of dtype-like
        Input dtypes to compile for.
    parallel : bool
        Also compile the multithreaded builds.

    Returns
    -------
    float
        Seconds taken.

    Examples
    --------
    >>> import fastnorm
    >>> fastnorm.warmup(dtypes=["float64"], parallel=False) >= 0
    True
    """
    from fastnorm.distances import dist, normalize
    from fastnorm.norms import norm

    t0 = time.perf_counter()
    sizes = [64, PARALLEL_MIN * 2] if parallel else [64]
    for dt in dtypes:
        for n in sizes:
            x = np.ones(n, dtype=dt)
            X = x.reshape(-1, 16)
            for a in (x, x[::2]):
                for ord_ in (None, 1, np.inf, 3):
                    norm(a, ord_)
            for A in (X, np.asfortranarray(X), X[:, ::2]):
                for axis in (0, 1):
                    for ord_ in (None, 1, np.inf, 3):
                        norm(A, ord_, axis=axis)
            for ord_ in (None, 1, np.inf):
                dist(x, x, ord_)
                dist(X, X[0], ord_, axis=1)
                normalize(X, ord_ if ord_ is not None else 2)
    return time.perf_counter() - t0
