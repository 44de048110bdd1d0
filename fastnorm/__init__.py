"""fastnorm: numba-compiled, multithreaded norms, distances and regularised linear models."""

from fastnorm._config import get_num_threads, set_num_threads
from fastnorm.norms import matrix_norm, norm, vector_norm

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "get_num_threads",
    "matrix_norm",
    "norm",
    "set_num_threads",
    "vector_norm",
]
