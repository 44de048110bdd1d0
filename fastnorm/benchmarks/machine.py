"""What machine and software a benchmark ran on (``python -m fastnorm info`` and the headers
of ``python -m fastnorm bench``)."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

__all__ = [
    "cache_dir",
    "cpu_model",
    "json_default",
    "llc_bytes",
    "machine_info",
    "probe_threading_layer",
]

#: Distributions whose versions a report lists (missing ones are reported as None).
PACKAGES = (
    "fastnorm",
    "numpy",
    "numba",
    "llvmlite",
    "scipy",
    "scikit-learn",
    "dask",
    "distributed",
    "threadpoolctl",
    "tqdm",
    "matplotlib",
)

#: Environment variables that change what a benchmark measures.  Reported, never changed.
ENV_VARS = (
    "NUMBA_NUM_THREADS",
    "NUMBA_THREADING_LAYER",
    "NUMBA_CACHE_DIR",
    "NUMBA_DISABLE_JIT",
    "FASTNORM_PARALLEL_MIN",
    "FASTNORM_NO_CACHE",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "MKL_NUM_THREADS",
)


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` on Linux, else :func:`platform.processor`)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":  # pragma: no cover - not exercised on Linux CI
        import subprocess

        try:
            return subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown"


def _memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return None


#: Last-level cache assumed when the OS does not say (a large current server's L3).
DEFAULT_LLC = 64 * 2**20


def llc_bytes() -> int:
    """Size in bytes of the largest CPU cache the OS reports (sysfs on Linux; else
    ``DEFAULT_LLC``).

    >>> llc_bytes() >= 32 * 1024
    True
    """
    best = 0
    base = "/sys/devices/system/cpu/cpu0/cache"
    try:
        entries = os.listdir(base)
    except OSError:
        entries = []
    for e in entries:
        if not e.startswith("index"):
            continue
        try:
            with open(f"{base}/{e}/size", encoding="ascii") as f:
                txt = f.read().strip().upper()
        except OSError:
            continue
        mult = {"K": 2**10, "M": 2**20, "G": 2**30}.get(txt[-1:], 1)
        digits = txt.rstrip("KMG")
        if digits.isdigit():
            best = max(best, int(digits) * mult)
    return best or DEFAULT_LLC


def available_bytes() -> int | None:
    """Memory available to a new allocation (``MemAvailable`` on Linux), or None."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def probe_threading_layer() -> str | None:
    """Start numba's threading layer with one tiny parallel kernel call and name it."""
    import numpy as np

    from fastnorm._config import run, threading_layer
    from fastnorm._kernels.stream import stream_sum

    # n is only the size hint run() decides serial/parallel on: force the parallel build
    run(stream_sum, 1 << 62, np.ones(64))
    layer = threading_layer()
    if layer is None:
        import numba

        try:
            layer = numba.threading_layer()
        except ValueError:
            layer = None
    return layer


def cache_dir() -> str | None:
    """Where numba caches fastnorm's compiled kernels."""
    from fastnorm._kernels.stream import stream_sum

    cache = getattr(stream_sum.serial, "_cache", None)
    return getattr(cache, "_cache_path", None)


def _blas_info() -> list[dict[str, Any]] | None:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    import numpy  # noqa: F401  (load numpy's BLAS so threadpoolctl can see it)

    keep = ("user_api", "internal_api", "prefix", "version", "num_threads", "threading_layer")
    keep += ("architecture",)
    return [{k: d.get(k) for k in keep if k in d} for d in threadpool_info()]


def machine_info(probe_layer: bool = True) -> dict[str, Any]:
    """Machine, versions, thread settings and relevant environment variables, as a dict.

    ``probe_layer`` runs one tiny parallel kernel so that numba's threading layer is known.
    """
    import numba

    import fastnorm

    info: dict[str, Any] = {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": _usable_cpus(),
        "memory_gib": _memory_gib(),
        "llc_bytes": llc_bytes(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "versions": {p: _version(p) for p in PACKAGES},
        "fastnorm_threads": fastnorm.get_num_threads(),
        "numba_num_threads": int(numba.config.NUMBA_NUM_THREADS),
        "numba_threading_layer_setting": str(numba.config.THREADING_LAYER),
        "threading_layer": probe_threading_layer() if probe_layer else None,
        "numba_cache_dir": cache_dir(),
        "env": {k: os.environ[k] for k in ENV_VARS if k in os.environ},
        "blas": _blas_info(),
    }
    info["versions"]["fastnorm"] = getattr(fastnorm, "__version__", info["versions"]["fastnorm"])
    return info


def format_info(info: dict[str, Any]) -> str:
    """``info`` as aligned ``key: value`` lines (what ``python -m fastnorm info`` prints)."""
    lines = [
        f"fastnorm {info['versions'].get('fastnorm')}",
        f"python {info['python']} ({info['implementation']}) on {info['platform']}",
        f"cpu: {info['cpu_model']}, {info['cpu_count']} logical cpus "
        f"({info['usable_cpus']} usable), {info['memory_gib']} GiB memory",
        f"threads: fastnorm {info['fastnorm_threads']}, "
        f"NUMBA_NUM_THREADS {info['numba_num_threads']}",
        f"threading layer: {info['threading_layer'] or 'not started'} "
        f"(setting: {info['numba_threading_layer_setting']})",
        f"numba cache dir: {info['numba_cache_dir']}",
        "versions:",
    ]
    lines += [
        f"  {k}: {v if v is not None else 'not installed'}" for k, v in info["versions"].items()
    ]
    lines.append("environment:" + ("" if info["env"] else " (none of the relevant variables set)"))
    lines += [f"  {k}={v}" for k, v in info["env"].items()]
    blas = info.get("blas")
    if blas is None:
        lines.append("threadpoolctl: not installed (pip install fastnorm[bench])")
    else:
        lines.append("thread pools (threadpoolctl):")
        for d in blas:
            desc = ", ".join(f"{k}={d[k]}" for k in d if k != "prefix")
            lines.append(f"  {d.get('prefix')}: {desc}")
    return "\n".join(lines)


def short_header(info: dict[str, Any], threads: Any = None) -> str:
    """One or two lines naming the machine, for table headers and the README."""
    v = info["versions"]
    blas = info.get("blas") or []
    blas_s = ", ".join(
        f"{d.get('internal_api')} {d.get('version')} {d.get('architecture') or ''}".strip()
        for d in blas
        if d.get("user_api") == "blas"
    )
    thr = threads if threads is not None else info["fastnorm_threads"]
    return (
        f"{info['cpu_model']}, {info['usable_cpus']} cpus, {info['memory_gib']} GiB; "
        f"threads {thr} (layer {info['threading_layer'] or '?'}); python {info['python']}, "
        f"numpy {v.get('numpy')}, numba {v.get('numba')}, scipy {v.get('scipy')}, "
        f"scikit-learn {v.get('scikit-learn')}" + (f"; BLAS {blas_s}" if blas_s else "")
    )


def json_default(o: Any) -> Any:
    """``json.dump``'s ``default`` for benchmark documents: numpy scalars as Python numbers,
    sets and tuples as lists, anything else as its string."""
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    return str(o)
