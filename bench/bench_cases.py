"""asv benchmarks over the case registry: cases x sizes x dtypes x implementations.

``setup`` builds the data and calls the implementation once (JIT compilation and the first
touch of the data stay out of the timings); for fastnorm it also checks the answer against the
first baseline, so a wrong fast answer fails the benchmark instead of winning it.  Sizes are
``small`` (cache-resident) and ``quick``; set ``FASTNORM_ASV_FULL=1`` to add ``full`` (well
beyond the last-level cache; minutes and gigabytes).
"""

import os
import timeit

import numpy as np

from fastnorm.benchmarks.cases import CASES

_BY_NAME = {c.name: c for c in CASES}
SIZES = ["small", "quick"] + (["full"] if os.environ.get("FASTNORM_ASV_FULL") else [])
DTYPES = sorted({np.dtype(d).name for c in CASES for d in c.dtypes}, reverse=True)
# "case:impl", fastnorm first then its baselines, so the two sit side by side in asv's tables
CALLS = [f"{c.name}:{impl}" for c in CASES for impl in ["fastnorm", *c.baselines]]


class TimeCases:
    """Wall-clock time of one call (fastnorm or a baseline) on one case's data."""

    params = [CALLS or ["none:none"], SIZES, DTYPES]
    param_names = ["call", "size", "dtype"]
    timer = timeit.default_timer  # wall clock: process time would add up all threads' CPU
    timeout = 600

    def setup(self, call, size, dtype):
        name, _, impl = call.rpartition(":")
        case = _BY_NAME.get(name)
        if case is None or np.dtype(dtype) not in {np.dtype(d) for d in case.dtypes}:
            raise NotImplementedError  # asv: skip this combination
        rng = np.random.default_rng(0)
        self.args = tuple(case.make(case.size(size), np.dtype(dtype).type, rng))
        fn = case.fastnorm if impl == "fastnorm" else case.baselines[impl]
        try:
            result = fn(*self.args)  # compile / warm up outside the timing
        except ImportError as exc:  # a baseline's library is not installed
            raise NotImplementedError(str(exc)) from exc
        if impl == "fastnorm":
            for base in case.baselines.values():
                try:
                    expected = base(*self.args)
                except ImportError:
                    continue
                case.checker()(result, expected, dtype)  # AssertionError fails the benchmark
                break
        self.fn = fn

    def time_call(self, call, size, dtype):
        self.fn(*self.args)
