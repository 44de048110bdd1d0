"""BLAS and LAPACK in the direct Ridge solves: on one thread up to a size, then BLAS's own.

Two measured reasons (bench/README.md, "Ridge drop-in (stop 21)"):

* OpenBLAS's idle threads spin for about 0.1 s after a call and take the second core from
  the next numba parallel region (the next fit's Gram pass), and on a busy machine a
  two-thread SYRK or Cholesky of a few hundred rows waits for a descheduled thread (a
  300 x 300 Cholesky: 0.6 ms on one thread, 9 ms on two with another job running);
* on one thread OpenBLAS's result does not depend on the thread count of its pool (a
  two-thread SYRK rounds some entries differently), so the small systems give the same
  coefficients under any BLAS or fastnorm thread setting.

fastnorm's thread setting never reaches BLAS, so a result never depends on it.
threadpoolctl (a scikit-learn dependency) sets the limit; without it BLAS keeps its threads.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

__all__ = ["ONE_THREAD_MAX", "blas_threads"]

#: Largest order of a Cholesky solve (and row count of a kernel matrix) run on one BLAS
#: thread: a 1024 x 1024 Cholesky is ~0.36 GFLOP, ~10 ms on one core.
ONE_THREAD_MAX = 1024

_controller: Any = None  # threadpoolctl's controller, built once (it scans the loaded libs)


def blas_threads(size: int) -> Any:
    """A context manager: BLAS on one thread when ``size <= ONE_THREAD_MAX``, else unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._blas import blas_threads
    >>> with blas_threads(3):
    ...     float(np.ones(3) @ np.ones(3))
    3.0
    """
    global _controller
    if size > ONE_THREAD_MAX:
        return nullcontext()
    if _controller is None:
        try:
            import scipy.linalg  # noqa: F401  (load scipy's BLAS too, so the limit covers it)
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            _controller = False
        else:
            _controller = ThreadpoolController()
    if _controller is False:  # pragma: no cover
        return nullcontext()
    return _controller.limit(limits=1, user_api="blas")
