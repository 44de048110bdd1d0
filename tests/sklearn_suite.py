"""scikit-learn's own linear-model tests as fastnorm's acceptance suite.

Runs the installed scikit-learn test modules (``sklearn/linear_model/tests/...``) with
``Lasso``, ``ElasticNet``, ``Ridge``, ``LinearRegression``, ``LassoCV``, ``ElasticNetCV``,
``lasso_path`` and ``enet_path`` swapped for fastnorm's, as a user who changes one import
would.  The swap is made in ``sklearn.linear_model`` before the test modules are imported (so
their ``from sklearn.linear_model import Lasso`` and ``linear_model.Lasso`` both name ours);
scikit-learn's own internals (``_coordinate_descent.Lasso`` used by its MultiTask models,
``_ridge.Ridge`` used by RidgeCV) are left alone.

Each test is classified:

* ``reached``: it called one of our estimators' ``fit`` or a path function;
* ``passed`` / ``failed`` (of those reached);
* ``out of scope``: a reached failure whose node id matches :data:`OUT_OF_SCOPE` (a feature
  fastnorm does not claim, with the reason);
* ``unexpected``: a reached, in-scope failure (the acceptance criterion is zero of these).

Usage::

    python tests/sklearn_suite.py                 # full run of MODULES (several minutes)
    python tests/sklearn_suite.py --subset        # the CI subset (tests/test_sklearn_suite.py)
    python tests/sklearn_suite.py --json out.json # also write the per-test results
    python tests/sklearn_suite.py -- -k lasso     # extra pytest arguments after --
"""

from __future__ import annotations

import argparse
import fnmatch
import functools
import json
import os
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

#: scikit-learn's linear-model test modules that exercise the swapped names.
MODULES = (
    "test_coordinate_descent.py",
    "test_ridge.py",
    "test_base.py",
    "test_common.py",
    "test_sparse_coordinate_descent.py",
)

#: The CI subset: modules and ``-k`` expression kept to well under a minute (warm cache).
SUBSET_MODULES = ("test_coordinate_descent.py", "test_base.py", "test_ridge.py")
SUBSET_K = (
    "(lasso_zero or lasso_toy or enet_toy or lasso_cv or enet_path or lasso_path "
    "or warm_start or check_input or positive or sample_weight_consistency "
    "or linear_regression or 1d_multioutput or readonly or dtype or copy_X or alpha_grid "
    "or ridge_regression or ridge_singular or regularization_limits) "
    "and not sparse and not csr and not csc and not coo and not lil"
)

#: Names swapped in ``sklearn.linear_model`` (and in each test module's namespace).
SWAPPED = (
    "Lasso",
    "ElasticNet",
    "Ridge",
    "LinearRegression",
    "LassoCV",
    "ElasticNetCV",
    "lasso_path",
    "enet_path",
)

#: Reached failures that test a feature fastnorm does not claim:
#: (node-id pattern, failure-message substring or None, reason).  Patterns are fnmatch-style
#: on the node id relative to ``sklearn/linear_model/tests``; a rule with a message matches
#: only failures whose first line contains it.  The README's "Out of scope" list says the
#: same in prose.
SPARSE = "sparse X (scipy.sparse input)"
PRECOMPUTE = "precompute= given as a Gram array (or Xy)"
SOLVERS = "scikit-learn's named Ridge solvers' own behaviour (solver_, n_iter_, positive)"
INPLACE = "copy_X=False modifying X in place (fastnorm never modifies its inputs)"
UNCHECKED = "check_input=False raising on unchecked input (fastnorm always validates)"
INTERNALS = "patches scikit-learn's private modules (sklearn.linear_model._coordinate_descent)"
OUT_OF_SCOPE: tuple[tuple[str, str | None, str], ...] = (
    ("test_sparse_coordinate_descent.py::*", None, SPARSE),
    ("*sparse*", None, SPARSE),
    ("*csr*", None, SPARSE),
    ("*csc*", None, SPARSE),
    ("*coo_*", None, SPARSE),
    ("*lil_*", None, SPARSE),
    ("*dok_*", None, SPARSE),
    ("test_coordinate_descent.py::test_lassoCV_does_not_set_precompute*", None, INTERNALS),
    ("*precompute*", None, PRECOMPUTE),
    ("*", "'precompute' parameter", PRECOMPUTE),
    ("test_coordinate_descent.py::test_overridden_gram_matrix", None, PRECOMPUTE),
    ("test_ridge.py::test_ridge_regression[*", "== '", SOLVERS),
    ("test_ridge.py::test_ridge_positive_error_test*", None, SOLVERS),
    ("test_ridge.py::test_n_iter", None, SOLVERS),
    ("test_ridge.py::test_lbfgs_solver_error", None, SOLVERS),
    ("*_sag*", None, SOLVERS),
    ("test_base.py::test_inplace_data_preprocessing*", None, INPLACE),
    ("test_coordinate_descent.py::test_enet_copy_X_False_check_input_False", None, INPLACE),
    ("test_coordinate_descent.py::test_check_input_false", None, UNCHECKED),
)


# --------------------------------------------------------------------------------------------
# the plugin


class SwapPlugin:
    """pytest plugin: swaps the names, records which tests reached fastnorm and the outcomes."""

    def __init__(self) -> None:
        self.current: str | None = None
        self.reached: set[str] = set()
        self.outcomes: dict[str, str] = {}
        self.messages: dict[str, str] = {}
        self._swap()

    def _record(self) -> None:
        if self.current is not None:
            self.reached.add(self.current)

    def _wrap(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            self._record()
            return func(*args, **kwargs)

        return wrapper

    def _swap(self) -> None:
        import sklearn.linear_model as sk

        import fastnorm.linear_model as fl

        self.originals = {name: getattr(sk, name) for name in SWAPPED}
        self.ours = {}
        for name in SWAPPED:
            obj = getattr(fl, name)
            if isinstance(obj, type):
                # record on fit, defined on the class or inherited (a subclass of a swapped
                # class may be wrapped twice: harmless, it records the same test)
                if not getattr(vars(obj).get("fit"), "_fastnorm_suite", False):
                    wrapped = self._wrap(obj.fit)
                    wrapped._fastnorm_suite = True
                    obj.fit = wrapped
                self.ours[name] = obj
            else:
                self.ours[name] = self._wrap(obj)
            setattr(sk, name, self.ours[name])

    # hooks ---------------------------------------------------------------------------------

    def pytest_collection_modifyitems(self, session, config, items):
        # names a test module bound before the swap (e.g. from a private module) are rebound
        seen = set()
        for item in items:
            mod = getattr(item, "module", None)
            if mod is None or id(mod) in seen:
                continue
            seen.add(id(mod))
            for name, orig in self.originals.items():
                if getattr(mod, name, None) is orig:
                    setattr(mod, name, self.ours[name])

    def pytest_runtest_setup(self, item):
        self.current = _short(item.nodeid)

    def pytest_runtest_logreport(self, report):
        nid = _short(report.nodeid)
        if report.when == "call" or report.outcome != "passed":
            prev = self.outcomes.get(nid)
            if prev != "failed":
                self.outcomes[nid] = report.outcome
            if report.outcome == "failed" and nid not in self.messages:
                crash = getattr(report.longrepr, "reprcrash", None)
                msg = crash.message if crash is not None else str(report.longrepr)
                self.messages[nid] = msg.strip().splitlines()[0][:200] if msg else ""

    def pytest_runtest_teardown(self, item, nextitem):
        self.current = None


def _short(nodeid: str) -> str:
    marker = "linear_model/tests/"
    i = nodeid.find(marker)
    return nodeid[i + len(marker) :] if i >= 0 else nodeid


def out_of_scope_reason(nodeid: str, message: str = "") -> str | None:
    """The reason the failure of ``nodeid`` (with ``message``) is out of scope, or None."""
    for pattern, text, reason in OUT_OF_SCOPE:
        if fnmatch.fnmatchcase(nodeid, pattern) and (text is None or text in message):
            return reason
    return None


# --------------------------------------------------------------------------------------------
# running and reporting


def sklearn_tests_dir() -> Path:
    import sklearn

    return Path(sklearn.__file__).parent / "linear_model" / "tests"


def run_suite(
    modules=MODULES, k: str | None = None, extra: list[str] | None = None, quiet: bool = True
) -> dict:
    """Run the modules with the names swapped; return the summary dict."""
    import pytest

    d = sklearn_tests_dir()
    root = d.parent.parent.parent  # site-packages: sklearn/conftest.py is then found
    args = [str(d / m) for m in modules]
    args += ["-p", "no:cacheprovider", "-c", os.devnull, "--rootdir", str(root)]
    args += ["-o", "addopts=", "-W", "ignore::DeprecationWarning"]
    args += ["-q", "--tb=no", "-p", "no:randomly"] if quiet else ["--tb=short"]
    if k:
        args += ["-k", k]
    args += list(extra or [])
    plugin = SwapPlugin()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        rc = pytest.main(args, plugins=[plugin])
    elapsed = time.perf_counter() - t0
    return summarize(plugin, rc, elapsed)


def summarize(plugin: SwapPlugin, rc: int, elapsed: float) -> dict:
    reached = {n: o for n, o in plugin.outcomes.items() if n in plugin.reached}
    failed = [n for n, o in reached.items() if o == "failed"]
    oos = {n: out_of_scope_reason(n, plugin.messages.get(n, "")) for n in failed}
    unexpected = sorted(n for n, r in oos.items() if r is None)
    not_reached_failed = sorted(
        n for n, o in plugin.outcomes.items() if o == "failed" and n not in plugin.reached
    )
    return {
        "rc": int(rc),
        "seconds": round(elapsed, 1),
        "collected": len(plugin.outcomes),
        "reached": len(reached),
        "passed": sum(o == "passed" for o in reached.values()),
        "skipped": sum(o == "skipped" for o in reached.values()),
        "failed": len(failed),
        "out_of_scope": dict(Counter(r for r in oos.values() if r is not None)),
        "out_of_scope_tests": {n: r for n, r in sorted(oos.items()) if r is not None},
        "unexpected": unexpected,
        "messages": {n: plugin.messages.get(n, "") for n in unexpected},
        "failed_not_reached": not_reached_failed,
        "passed_tests": sorted(n for n, o in reached.items() if o == "passed"),
    }


def format_summary(s: dict) -> str:
    lines = [
        f"scikit-learn linear-model tests with fastnorm's estimators ({s['seconds']} s)",
        f"  collected {s['collected']}, reached fastnorm {s['reached']}: "
        f"passed {s['passed']}, skipped {s['skipped']}, failed {s['failed']} "
        f"(out of scope {sum(s['out_of_scope'].values())}, "
        f"unexpected {len(s['unexpected'])})",
    ]
    if s["out_of_scope"]:
        lines.append("  out of scope, by reason:")
        lines += [f"    {v:4d}  {r}" for r, v in sorted(s["out_of_scope"].items())]
    if s["unexpected"]:
        lines.append("  UNEXPECTED (in scope) failures:")
        lines += [f"    {n}: {s['messages'].get(n, '')}" for n in s["unexpected"]]
    if s["failed_not_reached"]:
        lines.append(
            f"  {len(s['failed_not_reached'])} failures never reached fastnorm "
            "(scikit-learn's own estimators; not counted)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1 :]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subset", action="store_true", help="the fast CI subset")
    ap.add_argument("--json", help="write the summary (with per-test lists) here")
    ap.add_argument("--verbose", action="store_true", help="pytest's own failure output")
    a = ap.parse_args(argv)
    if a.subset:
        s = run_suite(SUBSET_MODULES, SUBSET_K, extra, quiet=not a.verbose)
    else:
        s = run_suite(MODULES, None, extra, quiet=not a.verbose)
    print(format_summary(s))
    if a.json:
        Path(a.json).write_text(json.dumps(s, indent=1, sort_keys=True) + "\n")
    return 1 if s["unexpected"] else 0


if __name__ == "__main__":
    # run as a script, sys.path[0] is tests/: put the checkout first so its fastnorm is tested
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
