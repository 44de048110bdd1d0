"""fastnorm: numba-compiled, multithreaded norms, distances and regularised linear models.

Subpackages imported on first use: :mod:`fastnorm.linear_model` (needs scikit-learn) and
:mod:`fastnorm.penalties`.
"""

from typing import Any

from fastnorm._config import get_num_threads, set_num_threads
from fastnorm._warmup import warmup
from fastnorm.distances import cdist, dist, normalize
from fastnorm.norms import matrix_norm, norm, vector_norm

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "cdist",
    "dist",
    "get_num_threads",
    "linear_model",
    "matrix_norm",
    "norm",
    "normalize",
    "penalties",
    "set_num_threads",
    "vector_norm",
    "warmup",
]


def __getattr__(name: str) -> Any:
    if name in ("linear_model", "penalties"):
        import importlib

        return importlib.import_module(f"fastnorm.{name}")
    raise AttributeError(f"module 'fastnorm' has no attribute {name!r}")
