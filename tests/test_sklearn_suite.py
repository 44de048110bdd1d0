"""scikit-learn's own linear-model tests pass with fastnorm's estimators swapped in (a
subset, for CI; ``python tests/sklearn_suite.py`` runs them all)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

SCRIPT = Path(__file__).with_name("sklearn_suite.py")


def test_sklearn_suite_subset_has_no_unexpected_failure(tmp_path):
    out = tmp_path / "suite.json"
    # a subprocess: the suite is a pytest run of its own, with the names swapped
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--subset", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=SCRIPT.parent.parent,
    )
    summary = proc.stdout[proc.stdout.find("scikit-learn linear-model tests") :]
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    s = json.loads(out.read_text())
    assert s["unexpected"] == [], summary
    assert s["reached"] >= 100, summary  # the swap worked: our estimators were exercised
    assert s["passed"] >= 100, summary


def test_out_of_scope_rules_name_their_reason():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import sklearn_suite as suite
    finally:
        sys.path.pop(0)
    assert suite.out_of_scope_reason("test_ridge.py::test_x[csr_matrix]") == suite.SPARSE
    assert suite.out_of_scope_reason("test_coordinate_descent.py::test_lasso_toy") is None
    msg = "InvalidParameterError: The 'precompute' parameter of ElasticNet must be ..."
    assert suite.out_of_scope_reason("test_coordinate_descent.py::test_enet_toy", msg)
