"""fastnorm's benchmark suite: asv classes (``bench_*.py``), pytest-benchmark tests
(``test_*.py``) and ``readme_table.py``.  Every workload is declared once, in
``fastnorm/benchmarks/cases*.py``.

asv imports this package without putting the repository on ``sys.path``; from a clean clone
where fastnorm is not installed, fall back to the checkout the suite lives in.
"""

import importlib.util
import os
import sys

if importlib.util.find_spec("fastnorm") is None:  # pragma: no cover - clean clone, no install
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
