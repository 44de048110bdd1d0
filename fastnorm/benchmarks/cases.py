"""Every benchmark workload, declared once.

A :class:`Case` says how to make the data, what fastnorm call to time and which baseline calls
(numpy always; scipy or scikit-learn where they do the same job) it is compared with.  Three
consumers read :data:`CASES`: the ``python -m fastnorm bench`` runner, the asv classes in
``bench/`` and the pytest-benchmark tests in ``bench/``.  Each area contributes its cases from
its own module (``cases_norms``, ``cases_distance``, ``cases_linear``, ``cases_dask``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CASES", "Case", "default_check", "get_cases"]


@dataclass(frozen=True)
class Case:
    """One workload.

    Attributes
    ----------
    name : str
        Unique, ``area/what`` (e.g. ``"norm/ord=1"``).
    group : str
        ``"norms"``, ``"distance"``, ``"linear_model"`` or ``"dask"``.
    make : callable ``(size, dtype, rng) -> tuple``
        Builds the positional arguments shared by fastnorm and every baseline.
    fastnorm : callable ``(*args) -> result``
    baselines : dict of name -> callable ``(*args) -> result``
        The first entry is the reference the speed-up is quoted against.  A baseline whose
        library is not installed is skipped (the callable raises ImportError).
    nbytes : callable ``(args) -> int``
        Bytes the call must move at the least (inputs read once, outputs written once); used
        for GB/s and percent of the measured streaming-read bandwidth.
    sizes : dict of str -> int
        ``"quick"``, ``"full"`` (and optionally ``"small"``): the size parameter for ``make``.
        ``"small"`` should be cache-resident and fast (smoke tests, asv); when absent it is
        ``quick // 1000`` (see :meth:`size`).  ``"quick"`` must keep ``fastnorm bench
        --quick`` (all cases, numba compile included) within about two minutes on 2 cores;
        ``"full"`` should be well beyond the last-level cache.
    dtypes : sequence of numpy dtypes
    check : callable ``(fast_result, baseline_result, dtype) -> None``
        Raises AssertionError when results disagree (a wrong fast answer must fail, not win).
        ``None`` means :func:`default_check`.
    tags : frozenset of str
        ``"writes"``: the call writes about as many bytes as it reads, so its percentage is
        quoted against the measured copy bandwidth instead of the read bandwidth.
    """

    name: str
    group: str
    make: Callable[[int, np.dtype, np.random.Generator], tuple]
    fastnorm: Callable[..., Any]
    baselines: dict[str, Callable[..., Any]]
    nbytes: Callable[[tuple], int]
    sizes: dict[str, int]
    dtypes: Sequence[Any] = (np.float64,)
    check: Callable[[Any, Any, Any], None] | None = None
    tags: frozenset[str] = field(default_factory=frozenset)

    def size(self, label: str) -> int:
        """The ``make`` size for ``label`` (``"small"``, ``"quick"`` or ``"full"``)."""
        if label in self.sizes:
            return int(self.sizes[label])
        if label == "small":
            return max(1, int(self.sizes["quick"]) // 1000)
        raise KeyError(f"case {self.name!r} has no size {label!r}")

    def checker(self) -> Callable[[Any, Any, Any], None]:
        """``check`` or :func:`default_check`."""
        return self.check if self.check is not None else default_check


def default_check(fast: Any, base: Any, dtype: Any) -> None:
    """Assert ``fast`` matches ``base`` to a tolerance suited to ``dtype``."""
    rtol = 1e-4 if np.dtype(dtype).itemsize <= 4 else 1e-9
    np.testing.assert_allclose(np.asarray(fast), np.asarray(base), rtol=rtol, atol=0)


#: Modules that contribute cases, in table order.
AREAS = ("cases_norms", "cases_distance", "cases_linear", "cases_models", "cases_dask")

#: Areas skipped at import because an optional dependency is missing: module -> reason.
SKIPPED: dict[str, str] = {}


def _collect() -> list[Case]:
    import importlib

    out: list[Case] = []
    for mod in AREAS:
        try:
            m = importlib.import_module(f"{__package__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(__package__ or "fastnorm"):
                continue  # an area not written yet
            # an optional extra (dask, sklearn, ...) is not installed: skip that area only
            SKIPPED[mod] = f"{exc.name} not installed"
            continue
        out.extend(m.cases())
    names = [c.name for c in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise RuntimeError(f"duplicate benchmark case names: {sorted(dup)}")
    return out


CASES: list[Case] = _collect()


def get_cases(pattern: str | None = None, groups: Sequence[str] | None = None) -> list[Case]:
    """Cases whose name contains ``pattern`` (fnmatch-style if it has ``*``) and group is in
    ``groups``."""
    import fnmatch

    sel = CASES
    if groups:
        sel = [c for c in sel if c.group in groups]
    if pattern:
        if any(ch in pattern for ch in "*?["):
            sel = [c for c in sel if fnmatch.fnmatch(c.name, pattern)]
        else:
            sel = [c for c in sel if pattern in c.name]
    return sel
