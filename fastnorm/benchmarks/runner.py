"""The benchmark runner behind ``python -m fastnorm bench``.

For every selected case, size and dtype it builds the arguments once, calls fastnorm and each
baseline once (JIT compilation happens here, outside the timings), checks fastnorm's answer
against every baseline (a mismatch makes the row an error, never a win), then times all of
them, interleaved repeat by repeat on the same arrays, together with the streaming reference
kernel on an array of the same number of bytes.  Reported times are medians of the repeats;
every ratio is taken within one run.
"""

from __future__ import annotations

import functools
import gc
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from fastnorm.benchmarks.cases import Case, get_cases

__all__ = [
    "SCHEMA",
    "BenchOptions",
    "run_benchmarks",
    "stream_bandwidth",
    "warmup",
]

SCHEMA = "fastnorm-bench/1"

#: Default repeats (samples per implementation) and minimum seconds per sample, per mode.
REPEAT = {"small": 5, "quick": 3, "full": 7}
MIN_TIME = {"small": 2e-3, "quick": 2e-3, "full": 1e-2}
#: Seconds of timing per row before the default repeat count is cut (to no fewer than
#: MIN_REPEAT): one slow baseline must not blow the --quick budget.  --repeat is exact.
ROW_BUDGET = {"small": 0.5, "quick": 1.0, "full": 20.0}
MIN_REPEAT = 3
#: The first table's floor: two samples of each implementation (the streaming reference then
#: has at least four, timed between them, for the busy check).
QUICK_MIN_REPEAT = 2
MAX_NUMBER = 100_000


@dataclass
class BenchOptions:
    """What to run.  ``threads`` holds one entry per thread count (``None``: the default)."""

    mode: str = "quick"
    only: list[str] | None = None
    groups: list[str] | None = None
    dtypes: list[str] | None = None
    threads: list[int | None] = field(default_factory=lambda: [None])
    repeat: int | None = None
    min_time: float | None = None
    sweep: int = 0
    progress: bool = True
    seed: int = 0

    def first_table(self) -> bool:
        """A plain ``--quick``: the first table (:data:`QUICK_CASES`)."""
        return self.mode == "quick" and not self.only and not self.groups

    def nrepeat(self) -> int:
        return self.repeat if self.repeat is not None else REPEAT[self.mode]

    def row_budget(self) -> float | None:
        return None if self.repeat is not None else ROW_BUDGET[self.mode]

    def sample_time(self) -> float:
        return self.min_time if self.min_time is not None else MIN_TIME[self.mode]


# --------------------------------------------------------------------------- selection


#: The first table (a plain ``--quick``): a few rows per area, every one of them past the
#: last-level cache (see :func:`quick_size`).  The dask row runs when dask and distributed
#: are installed.  ``--only``/``--group`` select from every case instead.
QUICK_CASES = (
    "norm/vec-l2",
    "norm/vec-ord=1",
    "norm/vec-ord=inf",
    "norm/mat-axis=1-ord=2",
    "dist/vec-ord=None",
    "normalize/rows-ord=2",
    "cdist/ord=2",
    "linear/ridge-fit",
    "linear/lasso-path",
    "linear/wide-lasso",
    "linear/multitarget-lasso",
    "linear/batch-lasso",
    "linear/logistic-fit",
    "dask/norm ord=2",
)

#: Rows of the first table are sized to move at least this many times the last-level cache
#: (so the streaming reference and every row measure memory, not a cache), ...
QUICK_LLC_FACTOR = 4
#: ... at least this many bytes (machines that report a small or no last-level cache), ...
QUICK_MIN_BYTES = 256 * 2**20
#: ... at most this fraction of the available memory (numpy baselines make temporaries and
#: a row holds two results of the input's size while it checks them), ...
QUICK_MEM_FRACTION = 1 / 12
#: ... and at most this many bytes.  Virtual machines report the host's whole last-level
#: cache (480 MiB on the 2-core development VM), while reads from 256 MiB on already run at
#: memory speed there (bench/README.md, "The first table"); arrays of several GiB only made
#: numpy's full-size temporaries page-fault and the table take minutes.
QUICK_MAX_BYTES = 512 * 2**20
#: Cases whose cost grows faster than their bytes take their full size: cdist (n^2 pairs) and
#: the linear fits (n p^2 flops; their full size, 200,000 x 200, is already past the cache).
QUICK_FIXED = ("cdist/", "linear/")

#: A row whose streaming reference read more than this above its median at least twice says
#: the machine was busy: its ratios are not printed.
BUSY_SPREAD = 0.20


@functools.cache
def quick_bytes() -> int:
    """Bytes each ``--quick`` row moves: ``QUICK_LLC_FACTOR`` x the last-level cache, within
    ``QUICK_MIN_BYTES``, ``QUICK_MAX_BYTES`` and ``QUICK_MEM_FRACTION`` of the memory (read once per
    process, so cases sharing a ``make`` share one size)."""
    from fastnorm.benchmarks.machine import available_bytes, llc_bytes

    want = min(max(QUICK_LLC_FACTOR * llc_bytes(), QUICK_MIN_BYTES), QUICK_MAX_BYTES)
    avail = available_bytes()
    if avail:
        want = min(want, max(QUICK_MIN_BYTES, int(avail * QUICK_MEM_FRACTION)))
    return int(want)


_QUICK_SIZE: dict[tuple[str, int], int] = {}


def quick_size(case: Case) -> int:
    """The ``make`` size at which ``case`` moves :func:`quick_bytes` bytes (its bytes scale
    linearly with the size), never below its declared quick size."""
    key = (case.name, quick_bytes())
    if key in _QUICK_SIZE:
        return _QUICK_SIZE[key]
    size = case.size("quick")
    if case.name.startswith(QUICK_FIXED):
        size = case.size("full")  # compute-bound: the full table's size (a fraction of a s)
    elif case.group != "dask":
        small = case.size("small")
        # input bytes, not case.nbytes: cases sharing a make then share one size (and arrays)
        args = case.make(small, np.dtype(case.dtypes[0]).type, _rng0())
        per = sum(a.nbytes for a in args if isinstance(a, np.ndarray)) / small
        if per > 0:
            size = max(size, int(quick_bytes() / per))
    if case.group == "dask":  # dask sizes are element counts of a 1-D float64 array
        size = max(size, quick_bytes() // 8)
    _QUICK_SIZE[key] = int(size)
    return int(size)


def _rng0() -> np.random.Generator:
    return np.random.default_rng(0)


def select_cases(opts: BenchOptions) -> list[Case]:
    """Cases matching any of ``opts.only`` (substring, or fnmatch with ``*?[``); a plain
    ``--quick`` selects :data:`QUICK_CASES`.  ``internal`` cases (reference kernels) run only
    when ``--only`` names them."""
    pats = opts.only or [None]
    seen: dict[str, Case] = {}
    for p in pats:
        for c in get_cases(p, opts.groups):
            seen.setdefault(c.name, c)
    out = [c for c in get_cases(None, opts.groups) if c.name in seen]  # registry order
    if not opts.only:
        out = [c for c in out if "internal" not in c.tags]
    if opts.first_table():
        out = [c for c in out if c.name in QUICK_CASES]
    return out


def case_sizes(case: Case, mode: str, sweep: int = 0) -> list[tuple[str, int]]:
    """(label, size) pairs: the mode's size, or ``sweep`` sizes from small up to it.  The
    quick size is :func:`quick_size` (past the last-level cache)."""
    top = quick_size(case) if mode == "quick" else case.size(mode)
    if sweep <= 1:
        return [(mode, top)]
    lo = min(case.size("small"), top)
    vals = sorted({int(round(v)) for v in np.geomspace(max(lo, 1), top, sweep)})
    return [("small" if v == lo else (mode if v == top else "sweep"), v) for v in vals]


def tasks_for(cases: Sequence[Case], opts: BenchOptions) -> list[tuple[Case, str, int, Any]]:
    """(case, size label, size, dtype) in run order.  ``--quick`` without ``--dtype`` takes
    each case's first dtype only (every extra dtype is another round of JIT compilation)."""
    out = []
    want = {np.dtype(d) for d in opts.dtypes} if opts.dtypes else None
    for c in cases:
        dtypes = c.dtypes[:1] if (want is None and opts.mode == "quick") else c.dtypes
        for dt in dtypes:
            if want is not None and np.dtype(dt) not in want:
                continue
            for label, size in case_sizes(c, opts.mode, opts.sweep):
                out.append((c, label, size, dt))
    return out


# --------------------------------------------------------------------------- helpers


class _DataCache:
    """Arguments of the last few (make, size, dtype): cases sharing a ``make`` share arrays."""

    def __init__(self, maxsize: int = 2, seed: int = 0) -> None:
        self.maxsize = maxsize
        self.seed = seed
        self._d: OrderedDict[tuple, tuple] = OrderedDict()

    def get(self, make: Callable, size: int, dtype: Any) -> tuple:
        key = (make, size, np.dtype(dtype).str)
        if key in self._d:
            self._d.move_to_end(key)
            return self._d[key]
        while len(self._d) >= self.maxsize:
            self._d.popitem(last=False)
        gc.collect()
        rng = np.random.default_rng(self.seed)
        args = tuple(make(size, np.dtype(dtype).type, rng))
        self._d[key] = args
        return args

    def clear(self) -> None:
        self._d.clear()


def _shape(args: tuple) -> list[int] | None:
    for a in args:
        if isinstance(a, np.ndarray):
            return list(a.shape)
        shape = getattr(a, "shape", None)  # dask arrays and the like
        if shape is not None:
            try:
                return [int(s) for s in shape]
            except (TypeError, ValueError):
                return None
    return None


def _err(exc: BaseException, limit: int = 300) -> str:
    s = f"{type(exc).__name__}: {exc}".strip()
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


#: Pause between rounds of a row's interleaved repeats (see ``time_row``).
SETTLE_S = 0.1


def _time_once(fn: Callable, args: tuple, number: int) -> float:
    t0 = time.perf_counter()
    for _ in range(number):
        fn(*args)
    return (time.perf_counter() - t0) / number


def _number_for(t: float, min_time: float) -> int:
    if t <= 0:
        return MAX_NUMBER
    return int(min(MAX_NUMBER, max(1, math.ceil(min_time / t))))


class _Stream:
    """Reference kernels on arrays of a given byte count, one array pair kept at a time."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._x: np.ndarray | None = None
        self._out: np.ndarray | None = None

    def callable_for(self, nbytes: int, kind: str) -> tuple[Callable, tuple, int]:
        """(fn, args, bytes moved) timing the read (or copy) of ``nbytes`` bytes."""
        from fastnorm._config import run
        from fastnorm._kernels.stream import stream_copy, stream_sum

        n = max(1024, int(nbytes) // (8 if kind == "read" else 16))
        key = (n, kind)
        if key != self._key:
            self._x = self._out = None
            gc.collect()
            self._x = np.ones(n)
            self._out = np.zeros(n) if kind == "copy" else None
            self._key = key
        x, out = self._x, self._out
        if kind == "copy":
            return (lambda: run(stream_copy, n, x, out)), (), 2 * x.nbytes
        if kind == "copy-new":
            # into a new array each call, as a function that returns its result must: the
            # first touch of fresh pages (the kernel zeroes each one) is part of the cost
            return (lambda: run(stream_copy, n, x, np.empty_like(x))), (), 2 * x.nbytes
        return (lambda: run(stream_sum, n, x)), (), x.nbytes

    def clear(self) -> None:
        self._key = self._x = self._out = None


def _bw_kind(tags: frozenset[str]) -> str:
    """The streaming reference of a case: a read, a copy into a warm buffer (``writes``), or a
    copy into a new array (``writes`` and ``allocates``: the call returns a new array)."""
    if "writes" not in tags:
        return "read"
    return "copy-new" if "allocates" in tags else "copy"


def stream_bandwidth(
    nbytes: int = 256 * 2**20, repeat: int = 7, kind: str = "read", min_time: float = 2e-3
) -> float:
    """Median GB/s of the streaming reference kernel on ``nbytes`` bytes (``kind`` ``"read"``,
    ``"copy"`` or ``"copy-new"``), with fastnorm's current thread setting."""
    s = _Stream()
    fn, args, moved = s.callable_for(nbytes, kind)
    fn()  # compile / first touch
    number = _number_for(_time_once(fn, args, 1), min_time)
    times = [_time_once(fn, args, number) for _ in range(repeat)]
    return moved / float(np.median(times)) / 1e9


class _ThreadSetting:
    """Set fastnorm's threads (and the BLAS pools', via threadpoolctl if installed)."""

    def __init__(self, n: int | None) -> None:
        self.n = n
        self._limits: Any = None

    def __enter__(self) -> _ThreadSetting:
        import fastnorm

        self._old = fastnorm.get_num_threads()
        if self.n is not None:
            fastnorm.set_num_threads(self.n)
            try:
                from threadpoolctl import threadpool_limits
            except ImportError:
                pass
            else:
                self._limits = threadpool_limits(limits=self.n)
        return self

    def __exit__(self, *exc: Any) -> None:
        import fastnorm

        if self._limits is not None:
            self._limits.unregister()
        if self.n is not None:
            fastnorm.set_num_threads(None)


# --------------------------------------------------------------------------- one row


def measure(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Check, then time, one case at one size and dtype (see :func:`_measure`)."""
    t0 = time.perf_counter()
    row = _measure(*args, **kwargs)
    row["wall_s"] = time.perf_counter() - t0
    return row


def _measure(
    case: Case,
    size: int,
    dtype: Any,
    *,
    repeat: int = 5,
    min_time: float = 2e-3,
    data: _DataCache | None = None,
    stream: _Stream | None = None,
    size_label: str = "",
    budget: float | None = None,
    min_repeat: int = MIN_REPEAT,
    reference_only: bool = False,
) -> dict[str, Any]:
    """Check, then time, one case at one size and dtype.  Returns a result row (a dict).

    ``repeat`` samples of every implementation, interleaved; with ``budget`` (seconds) the
    repeat count is lowered, to no fewer than ``MIN_REPEAT``, when one round of samples
    would take longer than ``budget / repeat``.
    """
    import fastnorm

    data = data if data is not None else _DataCache(1)
    stream = stream if stream is not None else _Stream()
    row: dict[str, Any] = {
        "case": case.name,
        "group": case.group,
        "size_label": size_label,
        "size": int(size),
        "dtype": np.dtype(dtype).name,
        "threads": fastnorm.get_num_threads(),
        "shape": None,
        "nbytes": None,
        "status": "ok",
        "error": None,
        "reference": None,
        "impls": {},
        "speedup": None,
        "gbps": None,
        "bw_kind": _bw_kind(case.tags),
        "bw_gbps": None,
        "pct_bw": None,
        "wall_s": None,
        "busy": False,
    }
    try:
        args = data.get(case.make, size, dtype)
        row["shape"] = _shape(args)
        row["nbytes"] = int(case.nbytes(args))
    except ImportError as exc:  # the area's optional extra (e.g. dask) is not installed
        row.update(status="skipped", error=f"make: {_err(exc)}")
        return row
    except Exception as exc:
        row.update(status="error", error=f"make: {_err(exc)}")
        return row

    baselines = dict(case.baselines)
    if reference_only:  # the first table: the baseline a speed-up is quoted against, only
        baselines = dict(list(baselines.items())[:1])
    impls: dict[str, Callable] = {"fastnorm": case.fastnorm, **baselines}
    results: dict[str, Any] = {}
    first: dict[str, float] = {}
    for name, fn in impls.items():
        entry: dict[str, Any] = {"status": "ok"}
        row["impls"][name] = entry
        try:
            t0 = time.perf_counter()
            results[name] = fn(*args)
            first[name] = time.perf_counter() - t0
            entry["first_call_s"] = first[name]
        except ImportError as exc:
            entry.update(status="skipped", error=_err(exc))
        except Exception as exc:
            entry.update(status="error", error=_err(exc))
    fast = row["impls"]["fastnorm"]
    if fast["status"] == "skipped":  # an optional extra (e.g. scikit-learn) is not installed
        row.update(status="skipped", error=f"fastnorm: {fast['error']}")
        return row
    if fast["status"] != "ok":
        row.update(status="error", error=f"fastnorm: {fast['error']}")
        return row

    # a wrong fast answer must fail the row, not win it
    check = case.checker()
    for name in baselines:
        if row["impls"][name]["status"] != "ok":
            continue
        try:
            check(results["fastnorm"], results[name], dtype)
        except AssertionError as exc:
            row["impls"][name]["status"] = "mismatch"
            row.update(status="mismatch", error=f"fastnorm != {name}: {_err(exc)}")
        except Exception as exc:
            row.update(status="error", error=f"check vs {name}: {_err(exc)}")
    if row["status"] != "ok":
        return row
    del results

    timed = [n for n in impls if row["impls"][n]["status"] == "ok"]
    # first fastnorm call compiled; a second one gives its real time for choosing `number`
    first["fastnorm"] = _time_once(impls["fastnorm"], args, 1)
    calls: dict[str, tuple[Callable, tuple]] = {n: (impls[n], args) for n in timed}
    number = {n: _number_for(first[n], min_time) for n in timed}

    sfn, sargs, moved = stream.callable_for(row["nbytes"], row["bw_kind"])
    sfn()
    calls["_stream"] = (sfn, sargs)
    number["_stream"] = _number_for(_time_once(sfn, sargs, 1), min_time)

    if budget is not None:
        round_s = sum(number[n] * first[n] for n in timed)
        if round_s > 0:
            repeat = max(min(repeat, min_repeat), min(repeat, int(budget / round_s)))
    row["repeat"] = repeat
    times: dict[str, list[float]] = {n: [] for n in calls}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        # Interleaved: every implementation sees the same conditions.  fastnorm and the
        # streaming reference go first in each round, after a pause: OpenBLAS's idle threads
        # spin for ~0.1 s after a BLAS call (a numpy baseline) and would slow the next call.
        # The streaming reference is timed again after every other implementation: its
        # spread over the row is what says whether the machine was quiet (see BUSY_SPREAD).
        order = ["fastnorm", "_stream"]
        for n in calls:
            if n not in ("fastnorm", "_stream"):
                order += [n, "_stream"]
        for i in range(repeat):
            if i:
                time.sleep(SETTLE_S)
            prev = None
            for n in order:
                if prev not in (None, "fastnorm", "_stream"):
                    # after a baseline: BLAS threads spinning and the pages of its freed
                    # temporaries slowed the next read by up to 1.5x on a quiet machine,
                    # which the spread check then took for a busy one
                    time.sleep(SETTLE_S)
                fn, a = calls[n]
                times[n].append(_time_once(fn, a, number[n]))
                prev = n
    finally:
        if gc_was:
            gc.enable()

    nbytes = row["nbytes"]
    for n in timed:
        med = float(np.median(times[n]))
        row["impls"][n].update(
            median_s=med,
            number=number[n],
            times_s=times[n],
            gbps=(nbytes / med / 1e9) if med > 0 else None,
        )
    st = float(np.median(times["_stream"]))
    row["bw_gbps"] = moved / st / 1e9 if st > 0 else None
    spread = (max(times["_stream"]) - min(times["_stream"])) / st if st > 0 else 0.0
    row["bw_spread"] = spread
    # busy: at least two reference reads more than BUSY_SPREAD above their median.  One slow
    # read (a page reclaim, a timer tick) is not a busy machine; a busy one slows many.
    slow = sum(t > (1.0 + BUSY_SPREAD) * st for t in times["_stream"])
    row["busy"] = bool(len(times["_stream"]) > 1 and slow >= 2)
    row["bw_times_s"] = times["_stream"]
    row["bw_nbytes"] = moved
    tf = row["impls"]["fastnorm"]["median_s"]
    row["gbps"] = row["impls"]["fastnorm"]["gbps"]
    ref = next((n for n in baselines if n in timed), None)
    row["reference"] = ref
    if ref is not None and tf > 0:
        row["speedup"] = row["impls"][ref]["median_s"] / tf
    if row["gbps"] and row["bw_gbps"]:
        row["pct_bw"] = 100.0 * row["gbps"] / row["bw_gbps"]
    return row


# --------------------------------------------------------------------------- the run


def _progress(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="case", leave=False, dynamic_ncols=True)


def run_benchmarks(
    opts: BenchOptions,
    cases: Sequence[Case] | None = None,
    argv: Sequence[str] | None = None,
    log: Callable[[str], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run the selected cases and return the whole report as a JSON-able dict.

    ``on_row(doc)`` is called after every row with the report so far (``--json`` rewrites
    its file then, so a long run that is stopped keeps what it measured).  Ctrl-C (SIGINT)
    stops the run after the current row and returns what was measured, with
    ``doc["interrupted"] = True``.
    """
    from fastnorm.benchmarks.cases import SKIPPED
    from fastnorm.benchmarks.machine import machine_info

    t_start = time.perf_counter()
    cases = list(cases) if cases is not None else select_cases(opts)
    tasks = tasks_for(cases, opts)
    info = machine_info(probe_layer=True)
    repeat, min_time = opts.nrepeat(), opts.sample_time()

    # the headline bandwidth: one read of a large array, per thread setting
    stream_hdr: list[dict[str, Any]] = []
    # --full: 1 GiB, beyond the last-level caches of current servers (480 MiB on the 2-core
    # VM here); a 256 MiB array can be partly cache-resident there
    hdr_bytes = {"small": 16 * 2**20, "quick": quick_bytes(), "full": 2**30}[opts.mode]
    for t in opts.threads:
        with _ThreadSetting(t):
            import fastnorm

            stream_hdr.append(
                {
                    "threads": fastnorm.get_num_threads(),
                    "nbytes": hdr_bytes,
                    "read_gbps": stream_bandwidth(hdr_bytes, repeat, "read", min_time),
                    "copy_gbps": stream_bandwidth(hdr_bytes, repeat, "copy", min_time),
                }
            )
    if log:
        for s in stream_hdr:
            log(
                f"streaming read {s['read_gbps']:.1f} GB/s, copy {s['copy_gbps']:.1f} GB/s "
                f"({s['nbytes'] / 2**20:.0f} MiB, {s['threads']} threads)"
            )

    cfg = asdict(opts)
    cfg.update(repeat=repeat, min_time=min_time, row_budget_s=opts.row_budget())
    cfg["min_repeat"] = min(repeat, QUICK_MIN_REPEAT if opts.first_table() else MIN_REPEAT)
    rows: list[dict[str, Any]] = []
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "argv": list(argv) if argv is not None else None,
        "config": cfg,
        "machine": info,
        "stream": stream_hdr,
        "skipped_areas": dict(SKIPPED),
        "results": rows,
        "interrupted": False,
        "elapsed_s": 0.0,
    }
    # the first table's arrays are several times the last-level cache: one set at a time
    data, stream = _DataCache(1 if opts.first_table() else 2, opts.seed), _Stream()
    bar = _progress(len(tasks) * len(opts.threads), opts.progress)
    try:
        for case, label, size, dt in tasks:
            for t in opts.threads:
                if bar is not None:
                    bar.set_description(f"{case.name} {np.dtype(dt).name}", refresh=False)
                with _ThreadSetting(t):
                    row = measure(
                        case,
                        size,
                        dt,
                        repeat=repeat,
                        min_time=min_time,
                        data=data,
                        stream=stream,
                        size_label=label,
                        budget=opts.row_budget(),
                        min_repeat=QUICK_MIN_REPEAT if opts.first_table() else MIN_REPEAT,
                        reference_only=opts.first_table(),
                    )
                rows.append(row)
                doc["elapsed_s"] = time.perf_counter() - t_start
                if on_row is not None:
                    on_row(doc)
                if bar is not None:
                    bar.update(1)
    except KeyboardInterrupt:
        doc["interrupted"] = True
        if log:
            log(f"interrupted after {len(rows)} of {len(tasks) * len(opts.threads)} rows")
    finally:
        if bar is not None:
            bar.close()
        data.clear()
        stream.clear()
    doc["elapsed_s"] = time.perf_counter() - t_start
    return doc


# --------------------------------------------------------------------------- warm-up


def warmup(
    groups: Sequence[str] | None = None, log: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Compile (or load from numba's cache) the kernels every benchmark case uses, serial and
    parallel builds, for each case's dtypes, on small C-contiguous inputs."""
    import fastnorm._config as cfg
    from fastnorm._config import run
    from fastnorm._kernels.stream import stream_copy, stream_sum

    t0 = time.perf_counter()
    x = np.ones(4096)
    for n in (0, 1 << 62):  # serial, then parallel
        run(stream_sum, n, x)
        run(stream_copy, n, x, np.empty_like(x))
    skip = {"dask"} if groups is None else set()
    cases = [c for c in get_cases(None, groups) if c.group not in skip]
    errors: dict[str, str] = {}
    old = cfg.PARALLEL_MIN
    rng = np.random.default_rng(0)
    try:
        for c in cases:
            for dt in c.dtypes:
                err = _warm_one(c, dt, rng, cfg)
                if err:
                    errors[f"{c.name} {np.dtype(dt).name}"] = err
            if log:
                log(f"  {c.name}")
    finally:
        cfg.PARALLEL_MIN = old
    return {"cases": len(cases), "errors": errors, "seconds": time.perf_counter() - t0}


def _warm_one(c: Case, dt: Any, rng: np.random.Generator, cfg: Any) -> str | None:
    old = cfg.PARALLEL_MIN
    try:
        args = c.make(c.size("small"), np.dtype(dt).type, rng)
        for pmin in (1 << 62, 0):  # serial builds, then parallel builds
            cfg.PARALLEL_MIN = pmin
            c.fastnorm(*args)
    except Exception as exc:
        return _err(exc)
    finally:
        cfg.PARALLEL_MIN = old
    return None
