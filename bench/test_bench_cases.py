"""pytest-benchmark over the case registry: fastnorm and its baselines side by side
(``benchmark.group`` per case and dtype).

The normal test run passes ``--benchmark-disable``: each call then runs once, on the
``small`` size, and fastnorm's answer is checked against the first baseline, so this file
doubles as a smoke test of every case.  For real timings:
``pytest bench --benchmark-enable`` (``FASTNORM_BENCH_SIZE=quick`` for bigger data).
"""

import os
from functools import lru_cache

import numpy as np
import pytest

from fastnorm.benchmarks.cases import CASES

SIZE = os.environ.get("FASTNORM_BENCH_SIZE", "small")
_BY_NAME = {c.name: c for c in CASES}


def _params():
    out = []
    for c in CASES:
        for dt in c.dtypes:
            for impl in ["fastnorm", *c.baselines]:
                dname = np.dtype(dt).name
                # a cluster that loses its workers waits forever: fail instead of hanging
                marks = [pytest.mark.timeout(300)] if c.group == "dask" else []
                pid = f"{c.name}-{dname}-{impl}"
                out.append(pytest.param(c.name, dname, impl, id=pid, marks=marks))
    return out


@lru_cache(maxsize=4)
def _args(name, dtype):
    case = _BY_NAME[name]
    return tuple(case.make(case.size(SIZE), np.dtype(dtype).type, np.random.default_rng(0)))


def _call(fn, args):
    try:
        return fn(*args)
    except ImportError as exc:  # a baseline whose library is not installed
        pytest.skip(str(exc))


@pytest.mark.parametrize(("name", "dtype", "impl"), _params())
def test_case(benchmark, name, dtype, impl):
    case = _BY_NAME[name]
    args = _args(name, dtype)
    fn = case.fastnorm if impl == "fastnorm" else case.baselines[impl]
    benchmark.group = f"{name} {dtype}"
    benchmark.name = impl
    result = _call(fn, args)  # compile outside the timing
    benchmark(fn, *args)
    if impl == "fastnorm":
        base_name, base = next(iter(case.baselines.items()))
        case.checker()(result, _call(base, args), dtype)
