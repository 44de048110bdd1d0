"""BLAS and LAPACK in the direct Ridge solves: on one thread up to a size, then BLAS's own.

Two measured reasons (bench/README.md, "Ridge drop-in (stop 21)"):

* OpenBLAS's idle threads spin for about 0.1 s after a call and take the second core from
  the next numba parallel region (the next fit's Gram pass), and on a busy machine a
  two-thread SYRK or Cholesky of a few hundred rows waits for a descheduled thread (a
  300 x 300 Cholesky: 0.6 ms on one thread, 9 ms on two with another job running);
* on one thread OpenBLAS's result does not depend on the thread count of its pool (a
  two-thread SYRK rounds some entries differently), so the small systems give the same
  coefficients under any BLAS or fastnorm thread setting.

fastnorm's thread setting never reaches BLAS, so a result never depends on it; above
``ONE_THREAD_MAX`` BLAS's threads run, and the last bits of a result may follow BLAS's own
thread count, as scikit-learn's do.
threadpoolctl (a scikit-learn dependency) sets the limit; without it BLAS keeps its threads.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from typing import Any

__all__ = ["ONE_THREAD_MAX", "ONE_THREAD_MIN", "blas_threads"]

#: Most multiply-adds of a BLAS or LAPACK call run on one thread: ~15 ms on one core (a
#: 1150 x 1150 Cholesky); larger calls keep BLAS's threads, which then pay.
ONE_THREAD_MAX = 1 << 29

#: Below this many multiply-adds OpenBLAS stays on one thread by itself (its threading
#: threshold): no limit to set (setting and restoring it costs ~8 us).
ONE_THREAD_MIN = 1 << 18

_libs: Any = None  # threadpoolctl's BLAS controllers, found once (a scan of the loaded libs)


class _OneThread:
    """BLAS on one thread inside the block, its thread counts restored after it.

    Calls the libraries' own setters through threadpoolctl's per-library controllers
    (a few microseconds), not ``threadpool_limits`` (which rescans the loaded libraries,
    about 1 ms a call).  The limit is process-wide: with fits in several Python threads the
    first to enter saves the counts and the last to leave restores them (a counter under a
    lock), so no thread restores a count another one set."""

    _lock = threading.Lock()
    _depth = 0
    _saved: list = []

    def __init__(self, libs):
        self.libs = libs

    def __enter__(self):
        cls = _OneThread
        with cls._lock:
            if cls._depth == 0:
                cls._saved = [lc.get_num_threads() for lc in self.libs]
                for lc, n in zip(self.libs, cls._saved, strict=True):
                    if n != 1:
                        lc.set_num_threads(1)
            cls._depth += 1
        return self

    def __exit__(self, *exc):
        cls = _OneThread
        with cls._lock:
            cls._depth -= 1
            if cls._depth == 0:
                for lc, n in zip(self.libs, cls._saved, strict=True):
                    if n != 1:
                        lc.set_num_threads(n)
        return False


def blas_threads(work: int) -> Any:
    """A context manager: BLAS on one thread for a call of ``work`` multiply-adds between
    ``ONE_THREAD_MIN`` and ``ONE_THREAD_MAX``, else unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from fastnorm.linear_model._blas import blas_threads
    >>> with blas_threads(1 << 20):
    ...     float(np.ones(3) @ np.ones(3))
    3.0
    """
    global _libs
    if not ONE_THREAD_MIN <= work <= ONE_THREAD_MAX:
        return nullcontext()
    if _libs is None:
        try:
            import scipy.linalg  # noqa: F401  (load scipy's BLAS too, so the limit covers it)
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            _libs = []
        else:
            _libs = list(ThreadpoolController().select(user_api="blas").lib_controllers)
    if not _libs:  # pragma: no cover
        return nullcontext()
    return _OneThread(_libs)
