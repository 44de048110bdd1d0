"""Benchmark cases for Dask arrays, clusters and memory-mapped files.

The Dask cases run on one ``distributed`` cluster per process: the scheduler at
``$FASTNORM_DASK_SCHEDULER`` if set (an existing cluster), else a ``LocalCluster`` of 2 worker
processes with 1 thread each, started on first use and closed at exit.  Data are generated on
the workers and persisted there, so timings are compute + scheduling, not transfers.

* ``dask/norm ord=...``: ``fastnorm.norm(x, ord)`` against ``dask.array.linalg.norm`` on the
  same persisted 1-D array (both compute the scalar).
* ``dask/lasso``: ``Lasso.fit`` on Dask X, y (Gram solver: one pass over the persisted chunks)
  against scikit-learn on the same data gathered in memory, and dask-ml's ``LinearRegression``
  (``penalty='l1'``, ``solver='proximal_grad'``) on the Dask arrays when dask-ml is installed
  (in ``--full`` runs, or with ``FASTNORM_BENCH_DASKML=1``: it takes tens of seconds a fit).
* ``dask/npy-file ord=2``: a ``.npy`` file read chunk by chunk through ``np.load(mmap_mode='r')``
  by the workers (no persist: the read is timed), fastnorm against dask.
* ``memmap/norm ord=2``: ``fastnorm.norm`` of a ``np.load(mmap_mode='r')`` array against
  ``np.linalg.norm`` on it, in this process.  The file was just written, so it is read from the
  page cache: that is the throughput of the norm on a memory map, not of the disk.
"""

from __future__ import annotations

import atexit
import os
import tempfile
from functools import partial
from typing import Any

import numpy as np

__all__ = ["cases", "get_client"]

#: 1-D norm sizes (elements); chunks of CHUNK elements (32 MiB of float64: a task costs the
#: scheduler ~1 ms or more on a busy machine, so smaller chunks measure Dask's overhead).
NORM_SIZES = {"small": 1 << 20, "quick": 1 << 26, "full": 1 << 28}
CHUNK = 1 << 22
#: Lasso: rows (the size parameter) x LASSO_P features.
LASSO_P = 50
LASSO_SIZES = {"small": 20_000, "quick": 200_000, "full": 2_000_000}
LASSO_ALPHA = 0.01
FILE_SIZES = {"small": 1 << 20, "quick": 1 << 25, "full": 1 << 27}

_STATE: dict[str, Any] = {}


def get_client() -> Any:
    """The benchmark cluster's client (see the module docstring)."""
    if "client" not in _STATE:
        import logging

        from distributed import Client, LocalCluster

        address = os.environ.get("FASTNORM_DASK_SCHEDULER")
        if address:
            client = Client(address, set_as_default=False)
        else:
            cluster = LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            # not the process's default scheduler: the cases pass it explicitly, so importing
            # the registry (e.g. in the test suite) leaves every other Dask call alone
            client = Client(cluster, set_as_default=False)
            _STATE["cluster"] = cluster
        client.wait_for_workers(1, timeout=120)
        _STATE["client"] = client
        atexit.register(_close)
    return _STATE["client"]


def _on_cluster() -> Any:
    """Context in which ``.compute()``, ``dask.persist`` and the fits use the cluster."""
    import dask

    return dask.config.set(scheduler=get_client())


def _close() -> None:
    c = _STATE.pop("client", None)
    if c is not None:
        c.close()
    cl = _STATE.pop("cluster", None)
    if cl is not None:
        cl.close()


def _persisted(x: Any) -> Any:
    from distributed import wait

    client = get_client()
    x = client.persist(x)
    with client.as_current():
        wait(x)
    return x


# ----------------------------------------------------------------------------- norms
def _make_vec(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    import dask.array as da

    seed = int(rng.integers(1 << 31))
    x = da.random.default_rng(seed).standard_normal(n, chunks=CHUNK, dtype=dtype)
    return (_persisted(x),)


def _fn_norm(x: Any, ord: Any = None) -> Any:
    import fastnorm

    with _on_cluster():
        return fastnorm.norm(x, ord).compute()


def _dask_norm(x: Any, ord: Any = None) -> Any:
    import dask.array as da

    with _on_cluster():
        return da.linalg.norm(x, ord).compute()


def _nbytes(args: tuple) -> int:
    return int(args[0].nbytes)


def _check_scalar(fast: Any, base: Any, dtype: Any) -> None:
    f, b = np.asarray(fast), np.asarray(base)
    assert f.shape == b.shape and f.dtype == b.dtype, (f.shape, f.dtype, b.shape, b.dtype)
    rtol = 1e-3 if np.dtype(dtype).itemsize <= 4 else 1e-9  # dask sums float32 in float32
    np.testing.assert_allclose(f, b, rtol=rtol)


# ----------------------------------------------------------------------------- lasso
def _make_lasso(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    import dask.array as da

    seed = int(rng.integers(1 << 31))
    g = da.random.default_rng(seed)
    rows = max(1000, min(n // 8, 250_000))
    X = g.standard_normal((n, LASSO_P), chunks=(rows, LASSO_P), dtype=dtype)
    w = np.random.default_rng(seed).standard_normal(LASSO_P) * (np.arange(LASSO_P) < 10)
    y = X.astype(np.float64) @ w + 1.0 + 0.1 * g.standard_normal(n, chunks=rows)
    X, y = _persisted(X), _persisted(y)
    Xn, yn = get_client().compute([X, y], sync=True)  # the gathered copy for scikit-learn
    return X, y, Xn, yn


def _fn_lasso(X: Any, y: Any, Xn: Any, yn: Any) -> np.ndarray:
    from fastnorm.linear_model import Lasso

    with _on_cluster():
        m = Lasso(alpha=LASSO_ALPHA).fit(X, y)
    return np.append(m.coef_, m.intercept_)


def _sk_lasso(X: Any, y: Any, Xn: Any, yn: Any) -> np.ndarray:
    from sklearn.linear_model import Lasso

    m = Lasso(alpha=LASSO_ALPHA).fit(Xn, yn)
    return np.append(m.coef_, m.intercept_)


def _daskml_lasso(X: Any, y: Any, Xn: Any, yn: Any) -> np.ndarray:
    import warnings

    if X.shape[0] < LASSO_SIZES["full"] and not os.environ.get("FASTNORM_BENCH_DASKML"):
        # dask-ml's solver takes tens of seconds whatever the size (per-iteration scheduling)
        raise ImportError("dask-ml baseline: only with --full or FASTNORM_BENCH_DASKML=1")
    from dask_ml.linear_model import LinearRegression

    # dask-glm minimises 0.5 ||y - Xw||^2 + lambda ||w||_1: lambda = n * alpha is
    # scikit-learn's (1/(2n)) scaling; C = 1 / lambda.
    m = LinearRegression(penalty="l1", C=1.0 / (LASSO_ALPHA * X.shape[0]), solver="proximal_grad")
    with warnings.catch_warnings(), _on_cluster():
        warnings.simplefilter("ignore")
        m.fit(X, y)
    return np.append(np.asarray(m.coef_, dtype=np.float64), float(m.intercept_))


def _check_lasso(fast: Any, base: Any, dtype: Any) -> None:
    # different solvers stop at different points within their tolerance: compare loosely
    f, b = np.asarray(fast, dtype=np.float64), np.asarray(base, dtype=np.float64)
    np.testing.assert_allclose(f, b, rtol=0, atol=2e-2 * max(1.0, float(np.abs(b).max())))


def _lasso_nbytes(args: tuple) -> int:
    return int(args[0].nbytes + args[1].nbytes)


# ----------------------------------------------------------------------------- files
def _write_npy(n: int, dtype: Any, rng: np.random.Generator) -> str:
    d = _STATE.get("tmpdir")
    if d is None:
        d = _STATE["tmpdir"] = tempfile.TemporaryDirectory(prefix="fastnorm-bench-")
    path = os.path.join(d.name, f"x-{n}-{np.dtype(dtype).name}.npy")
    if not os.path.exists(path):
        mm = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(n,))
        step = 1 << 22
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            mm[lo:hi] = rng.standard_normal(hi - lo, dtype=dtype)
        mm.flush()
        del mm
    return path


def _make_memmap(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    return (np.load(_write_npy(n, dtype, rng), mmap_mode="r"),)


def _load_rows(path: str, lo: int, hi: int) -> np.ndarray:
    return np.load(path, mmap_mode="r")[lo:hi]


def _make_file_dask(n: int, dtype: Any, rng: np.random.Generator) -> tuple:
    """A Dask array whose chunks the workers read from the ``.npy`` file (not persisted)."""
    import dask.array as da
    from dask import delayed

    path = _write_npy(n, dtype, rng)
    get_client()
    blocks = [
        da.from_delayed(
            delayed(_load_rows, pure=True)(path, lo, min(n, lo + CHUNK)),
            shape=(min(n, lo + CHUNK) - lo,),
            dtype=dtype,
        )
        for lo in range(0, n, CHUNK)
    ]
    return (da.concatenate(blocks),)


def _fn_np_norm(x: Any, ord: Any = None) -> Any:
    import fastnorm

    return fastnorm.norm(x, ord)


def _np_norm(x: Any, ord: Any = None) -> Any:
    return np.linalg.norm(x, ord)


# ----------------------------------------------------------------------------- registry
def cases() -> list:
    from fastnorm.benchmarks.cases import Case  # here: the registry imports this module

    out = [
        Case(
            name=f"dask/norm ord={name}",
            group="dask",
            make=_make_vec,
            fastnorm=partial(_fn_norm, ord=ord),
            baselines={"dask": partial(_dask_norm, ord=ord)},
            nbytes=_nbytes,
            sizes=NORM_SIZES,
            dtypes=(np.float64, np.float32),
            check=_check_scalar,
        )
        for name, ord in (("1", 1), ("inf", np.inf), ("3", 3), ("2", None))
    ]
    out.append(
        Case(
            name="dask/lasso",
            group="dask",
            make=_make_lasso,
            fastnorm=_fn_lasso,
            baselines={"scikit-learn (gathered)": _sk_lasso, "dask-ml": _daskml_lasso},
            nbytes=_lasso_nbytes,
            sizes=LASSO_SIZES,
            check=_check_lasso,
        )
    )
    out.append(
        Case(
            name="dask/npy-file ord=2",
            group="dask",
            make=_make_file_dask,
            fastnorm=partial(_fn_norm, ord=None),
            baselines={"dask": partial(_dask_norm, ord=None)},
            nbytes=_nbytes,
            sizes=FILE_SIZES,
            check=_check_scalar,
        )
    )
    out.append(
        Case(
            name="memmap/norm ord=2",
            group="dask",
            make=_make_memmap,
            fastnorm=partial(_fn_np_norm, ord=None),
            baselines={"numpy": partial(_np_norm, ord=None)},
            nbytes=_nbytes,
            sizes=FILE_SIZES,
            dtypes=(np.float64, np.float32),
            check=_check_scalar,
        )
    )
    return out
