"""Compilation flags, size thresholds and the threading-layer policy.

Every kernel module builds its dispatchers with :func:`kernel`, which compiles the same Python
function twice (lazily, on first call): once with ``parallel=True`` and once serial (``prange``
becomes ``range``).  Wrappers then call :func:`run`, which picks the serial build for small
inputs, for concurrent callers under numba's ``workqueue`` layer (which aborts the process when
two Python threads enter it at once), and in a child process forked after the GNU OpenMP layer
was started (libgomp is not fork-safe).  The choice never depends on the thread count, and the
kernels reduce over fixed-size chunks and combine partials in a fixed order, so results are
bit-identical for any number of threads (the two builds may differ in rounding, which is why
one thread still runs the parallel build).
"""

from __future__ import annotations

import os
import threading
import types
import warnings
from collections.abc import Callable
from typing import Any

import numba

__all__ = [
    "CD_ROWS",
    "CD_TILE",
    "CHUNK",
    "COLW",
    "FASTMATH",
    "FLOAT_MAX",
    "GRAM_KC",
    "GRAM_PACK_ACC_BYTES",
    "GRAM_PACK_KC",
    "GRAM_PACK_MC",
    "GRAM_PACK_P",
    "GRAM_PACK_ROWS",
    "GRAM_PARALLEL_MIN",
    "MIN_ROWS",
    "PARALLEL_MIN",
    "POW2_SCALE_MAX_P",
    "SIMD_WIDTH",
    "TILE_MR",
    "TINY",
    "get_num_threads",
    "helper",
    "jit",
    "kernel",
    "run",
    "set_num_threads",
]

#: Elements per reduction chunk.  Fixed (not derived from the thread count) so that results
#: are bit-identical whatever the number of threads.  128 KiB of float64: L2-resident.
CHUNK = 1 << 14

#: A raw float64 sum of squares (or of |x|**p) below this may have lost precision to
#: underflow: the wrappers and kernels then take the overflow-safe rescaled pass.
TINY = 1e-280

#: The largest finite float64 (``np.finfo(np.float64).max``), written out for the kernels.
FLOAT_MAX = 1.7976931348623157e308

#: Columns per task in the ``cols`` layouts: the accumulator row stays in L1.
COLW = 512

#: At least this many rows per task in the ``cols`` layouts, bounding the partials to n*m/64.
MIN_ROWS = 64

#: Rows per task of the fused max-normalisation (one scratch cell per task, not per row).
NORM_MAX_ROWS = 64

#: cdist tiles: rows of XA per task and rows of XB per L2-resident tile.
CD_ROWS = 16
CD_TILE = 256

#: Overflow-safe second pass of a p-norm: up to this p it divides by a power of two near
#: max|x| (exact division; each term below 2**p, so a sum of n terms stays finite), above it
#: by max|x| itself (terms at most 1; a power of two overflows for p >= 1024).
POW2_SCALE_MAX_P = 64.0

#: Inputs with fewer elements than this take the serial build: below it, a parallel launch
#: costs more than splitting the pass saves (measurements in bench/README.md).
PARALLEL_MIN = int(os.environ.get("FASTNORM_PARALLEL_MIN", 1 << 16))

#: A Gram pass (``n * p^2 / 2`` multiply-adds) smaller than this runs serially: ~5 ms on one
#: core.  A parallel region waits at its end for its slowest thread, and on a shared machine
#: a descheduled thread stalls a short pass for a whole time slice or more (10,000 x 100 on
#: 2 busy cores: medians of 80-120 ms parallel against 4 ms serial, bench/README.md).
GRAM_PARALLEL_MIN = int(os.environ.get("FASTNORM_GRAM_PARALLEL_MIN", 1 << 26))

#: The working-set solver's dual extrapolation drops a combination whose affine weights sum
#: (in absolute value) past this: the extrapolated point would lose digits to cancellation.
WS_DUAL_MAX_COEF = 1e4

#: ``reassoc`` is what lets LLVM vectorise float reductions; we never pass ``nnan``/``ninf``
#: so NaN and inf propagate exactly as in numpy.
FASTMATH = frozenset({"reassoc", "contract"})


def _simd_width() -> int:
    """Doubles per vector of the explicit SIMD code (:mod:`fastnorm._simd`): 8 where the CPU
    numba compiles for has AVX-512 (numba's host CPU, unless NUMBA_CPU_NAME names another),
    else 4 (two 128-bit halves on SSE2, one 256-bit register on AVX2)."""
    if numba.config.CPU_NAME is not None:
        feats = numba.config.CPU_FEATURES or ""
        return 8 if "+avx512f" in feats else 4
    try:
        import llvmlite.binding as ll

        ll.initialize_native_target()
        return 8 if ll.get_host_cpu_features().get("avx512f", False) else 4
    except Exception:  # pragma: no cover - no host feature query
        return 4


SIMD_WIDTH = _simd_width()

#: Rows of the outer-product Gram tile (:func:`fastnorm._simd.outer_tile`, ``2 * SIMD_WIDTH``
#: columns): ``2 * TILE_MR`` vector accumulators, 16 of the 32 AVX-512 registers (8 of the 16
#: AVX2 ones), the rest for the row's two vectors and its broadcasts.
TILE_MR = 8 if SIMD_WIDTH == 8 else 4

#: Rows of a Gram build's buffer that the register tiles sweep at a time: an L1-sized slice
#: (32 rows x 96 columns: 24 KiB), the tile's accumulators loaded and stored once per slice.
GRAM_KC = 32

#: The Gram pass packs X (BLAS's packed panels, ``_gram_aug_rows``) from this many columns
#: on: ``GRAM_PACK_KC`` rows at a time into ``2 * SIMD_WIDTH``-column micro-panels, so a
#: tile's rows are consecutive and its accumulators are read and written once per panel, not
#: once per ``GRAM_KC`` rows from a p x p matrix that has left the cache.  Below it the
#: unpacked pass (an L2-sized accumulator) is as fast (bench/README.md, "Packed Gram panels").
GRAM_PACK_P = 240
#: Rows per packed panel: one micro-panel (``GRAM_PACK_KC x 2 SIMD_WIDTH`` float64, 32 KiB)
#: stays in L1 while the tiles of its columns sweep the panel's other columns.
GRAM_PACK_KC = 256
#: Columns of the packed panel a sweep keeps in L2 (``GRAM_PACK_MC x GRAM_PACK_KC`` float64).
GRAM_PACK_MC = 384
#: Rows per row group of the packed pass (each group a private p x p accumulator, summed in
#: a fixed order; their count depends on n and p only, never on the thread count).
GRAM_PACK_ROWS = 16384
#: Cap on the packed pass's private accumulators, in bytes.
GRAM_PACK_ACC_BYTES = 1 << 28

#: Set FASTNORM_NO_CACHE=1 to disable numba's on-disk cache (e.g. when profiling compiles).
CACHE = os.environ.get("FASTNORM_NO_CACHE", "") in ("", "0")


class Kernel:
    """A serial and a parallel build of one kernel function, both compiled lazily."""

    __slots__ = ("__name__", "parallel", "py_func", "serial")

    def __init__(self, fn: Callable[..., Any], fastmath: bool) -> None:
        self.py_func = fn
        self.__name__ = fn.__name__

        opts: dict[str, Any] = {"error_model": "numpy", "nogil": True}
        if fastmath:
            opts["fastmath"] = set(FASTMATH)
        tag = "" if fastmath else "_exact"
        self.serial = _njit(_clone(fn, tag + "__serial"), parallel=False, **opts)
        self.parallel = _njit(_clone(fn, tag + "__parallel"), parallel=True, **opts)

    def __call__(self, *args: Any) -> Any:
        """Call the serial build (convenient in tests and for tiny inputs)."""
        return self.serial(*args)

    def prepare(self, *args: Any) -> None:
        """Compile (or load from the disk cache) both builds for these arguments' types."""
        sig = tuple(numba.typeof(a) for a in args)
        self.serial.compile(sig)
        self.parallel.compile(sig)

    def compiled(self) -> int:
        """How many argument-type signatures the two builds hold (grows when a call compiles)."""
        return len(self.serial.overloads) + len(self.parallel.overloads)


def _clone(fn: Callable[..., Any], suffix: str) -> Any:
    """A copy of ``fn`` under another qualified name.

    numba's disk cache files a function under its qualified name and line number only, not its
    compile flags: the serial and parallel builds of one function must not share that name.
    """
    g = types.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__ + suffix, fn.__defaults__, fn.__closure__
    )
    g.__qualname__ = fn.__qualname__ + suffix
    g.__module__ = fn.__module__
    g.__doc__ = fn.__doc__
    return g


def _njit(fn: Callable[..., Any], **opts: Any) -> Any:
    """``numba.njit`` with the on-disk cache when a cache directory is writable.

    numba raises at decoration time when ``cache=True`` finds no writable cache location
    (a read-only install without NUMBA_CACHE_DIR); we then compile in memory instead.
    """
    if CACHE:
        try:
            return numba.njit(cache=True, **opts)(fn)
        except RuntimeError as exc:  # "cannot cache function ...: no locator available"
            warnings.warn(
                f"fastnorm: numba cache unavailable ({exc}); kernels will compile in memory. "
                "Set NUMBA_CACHE_DIR to a writable directory to cache them.",
                RuntimeWarning,
                stacklevel=3,
            )
    return numba.njit(cache=False, **opts)(fn)


def kernel(fn: Callable[..., Any] | None = None, *, fastmath: bool = True) -> Any:
    """Decorator: build serial and parallel dispatchers for ``fn`` (see :class:`Kernel`)."""
    if fn is None:
        return lambda f: Kernel(f, fastmath)
    return Kernel(fn, fastmath)


def helper(fn: Callable[..., Any] | None = None, *, inline: str = "always") -> Any:
    """Decorator for a small serial device function called from kernels.  ``inline="always"``
    (default): numba splices its IR into each caller, which compiles it with its own flags;
    ``"never"``: a separate function, for larger pieces called from several places."""
    if fn is None:
        return lambda f: _njit(f, inline=inline, error_model="numpy")
    return _njit(fn, inline=inline, error_model="numpy")


def jit(fn: Callable[..., Any] | None = None, **opts: Any) -> Any:
    """Decorator: ``numba.njit(**opts)`` (serial, compiled lazily) through :func:`_njit`, so it
    is cached on disk when a cache directory is writable and compiled in memory otherwise.
    For the few serial functions that are neither a :func:`kernel` nor an inlined
    :func:`helper`; never call ``numba.njit`` directly."""
    if fn is None:
        return lambda f: _njit(f, **opts)
    return _njit(fn, **opts)


class _State:
    nthreads: int | None = None  # set by set_num_threads; None means numba's default
    layer: str | None = None  # numba's threading layer once a parallel kernel has run
    serial_only = False  # True in a child forked after the GNU OpenMP layer started


_state = _State()
_first_lock = threading.Lock()  # guards parallel calls while the layer is unknown/unsafe
_SAFE_LAYERS = ("omp", "tbb")


def _after_fork_in_child() -> None:
    # libgomp's thread pool does not survive fork: numba aborts or hangs in the child.  The
    # child keeps working, on the serial builds.  (workqueue and tbb are fork-safe.)
    global _first_lock
    if _state.layer == "omp":
        _state.serial_only = True
    _first_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def run(k: Kernel, n: int, *args: Any) -> Any:
    """Call kernel ``k`` on ``args``: the parallel build if ``n`` elements justify it and it is
    safe in this thread and process, else the serial build."""
    # The choice of build depends on the size, never on the thread count: the serial and the
    # parallel builds are compiled separately and LLVM may vectorise (or contract into FMAs)
    # their loops differently, which gave 1-ulp differences between 1 and 2 threads on short
    # rows where set_num_threads(1) used to select the serial build.  With one thread the
    # parallel build runs in the calling thread.
    if n < PARALLEL_MIN or _state.serial_only:
        return k.serial(*args)
    if _state.layer in _SAFE_LAYERS:
        _apply_threads()
        return k.parallel(*args)
    # Layer unknown (first call) or workqueue: one parallel caller at a time, the others
    # run serially instead of waiting (workqueue aborts on concurrent entry).
    lock = _first_lock
    if not lock.acquire(blocking=False):
        return k.serial(*args)
    try:
        _apply_threads()
        return k.parallel(*args)
    finally:
        if _state.layer is None:
            try:
                _state.layer = numba.threading_layer()
            except ValueError:  # pragma: no cover - layer not initialised
                pass
        lock.release()


def _apply_threads() -> None:
    # numba's thread count is thread-local (a new Python thread starts from the launching
    # thread's count, and keeps its own): set it from fastnorm's global before every launch,
    # also when the global is None, so set_num_threads(None) reaches threads that ran before.
    want = _state.nthreads if _state.nthreads is not None else numba.config.NUMBA_NUM_THREADS
    if numba.get_num_threads() != want:
        numba.set_num_threads(want)


def set_num_threads(n: int | None) -> None:
    """Set the number of threads fastnorm's parallel kernels use (``None``: all of numba's).

    Unlike :func:`numba.set_num_threads`, the setting applies to calls from every Python
    thread.  It cannot exceed ``numba.config.NUMBA_NUM_THREADS`` (set the environment variable
    ``NUMBA_NUM_THREADS`` before import to raise that).

    Examples
    --------
    >>> import fastnorm
    >>> fastnorm.set_num_threads(1)
    >>> fastnorm.get_num_threads()
    1
    >>> fastnorm.set_num_threads(None)
    """
    if n is None:
        _state.nthreads = None
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        return
    n = int(n)
    limit = numba.config.NUMBA_NUM_THREADS
    if not 1 <= n <= limit:
        raise ValueError(f"number of threads must be between 1 and {limit} (got {n})")
    _state.nthreads = n
    numba.set_num_threads(n)


def get_num_threads() -> int:
    """Number of threads fastnorm's parallel kernels use.

    Examples
    --------
    >>> import fastnorm
    >>> fastnorm.get_num_threads() >= 1
    True
    """
    if _state.nthreads is not None:
        return _state.nthreads
    return int(numba.config.NUMBA_NUM_THREADS)


def threading_layer() -> str | None:
    """numba's threading layer once a parallel kernel has run in this process, else None."""
    return _state.layer
