"""The suboptimality benchmark: benchopt's data regenerated, one objective for every solver,
the harness's document (what fastnorm.plot.suboptimality draws) and peers skipped cleanly."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

from fastnorm.benchmarks import subopt
from fastnorm.benchmarks.problems import (
    PROBLEMS,
    Problem,
    make_correlated_data,
    make_logreg_data,
    objective,
    select_problems,
)


# ------------------------------------------------------------------------------- the data
@pytest.mark.parametrize("rho", [0.0, 0.6])
def test_correlated_data_follows_benchopt(rho):
    n, p = 4000, 30
    X, y, w = make_correlated_data(n, p, rho=rho, random_state=27)
    assert X.shape == (n, p) and y.shape == (n,) and w.shape == (p,)
    assert X.dtype == y.dtype == np.float64
    # benchopt's layouts: the AR(1) design column by column (Fortran), else one randn call
    assert X.flags.f_contiguous if rho else X.flags.c_contiguous
    assert np.count_nonzero(w) == int(0.2 * p)
    # the noise is scaled to the signal-to-noise ratio exactly
    snr = np.linalg.norm(X @ w) / np.linalg.norm(y - X @ w)
    assert snr == pytest.approx(3.0, rel=1e-12)
    # unit variances and rho^|i-j| correlations (sampling error ~ 1/sqrt(n) = 0.016)
    C = np.corrcoef(X, rowvar=False)
    assert np.allclose(X.std(axis=0), 1.0, atol=0.06)
    for k in (1, 2, 3):
        assert np.mean(np.diagonal(C, k)) == pytest.approx(rho**k, abs=0.02)
    # deterministic, and the stream benchopt draws: the first column, then the innovations
    X2, y2, w2 = make_correlated_data(n, p, rho=rho, random_state=27)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(w, w2)
    rng = np.random.RandomState(27)
    if rho:
        x0 = rng.randn(n)
        np.testing.assert_array_equal(X[:, 0], x0)
        np.testing.assert_allclose(X[:, 1], rho * x0 + math.sqrt(1 - rho**2) * rng.randn(n))
    else:
        np.testing.assert_array_equal(X, rng.randn(n, p))
    assert not np.array_equal(X, make_correlated_data(n, p, rho=rho, random_state=28)[0])


def test_correlated_data_rejects_bad_parameters():
    with pytest.raises(ValueError, match="rho"):
        make_correlated_data(5, 3, rho=1.0)
    with pytest.raises(ValueError, match="density"):
        make_correlated_data(5, 3, density=0.0)


def test_logreg_data_and_problem_grid():
    X, y = make_logreg_data(50, 7)
    beta = np.random.RandomState(42).randn(7)
    np.testing.assert_array_equal(y, np.sign(X @ beta))
    grid = select_problems()
    assert len([p for p in grid if p.kind == "lasso"]) == 13  # 3 shapes x 2 rho x 2 reg + tall
    assert {(p.n, p.p, p.l1_ratio) for p in grid if p.kind == "enet"} == {
        (500, 5000, 0.5),
        (500, 5000, 0.9),
    }
    assert len(select_problems(["logreg"])) == 12
    assert all(p.kind != "logreg" for p in grid)
    assert {p.name for p in select_problems(quick=True)} <= set(PROBLEMS)


# -------------------------------------------------------------------------- the objective
@pytest.mark.parametrize("kind,l1_ratio", [("lasso", 1.0), ("enet", 0.5)])
def test_objective_is_sklearns(kind, l1_ratio):
    from sklearn.linear_model import ElasticNet

    prob = Problem("t", kind, 40, 12, reg=0.1, rho=0.5, l1_ratio=l1_ratio, fit_intercept=True)
    X, y = prob.data()
    y = y + 3.0  # a nonzero intercept
    alpha = prob.alpha(X, y)
    yc = y - y.mean()
    assert alpha == pytest.approx(np.max(np.abs(X.T @ yc)) / (40 * l1_ratio) * 0.1)
    est = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, tol=1e-12, max_iter=10**5).fit(X, y)
    w, b = est.coef_, est.intercept_
    r = y - X @ w - b
    ref = r @ r / 80 + alpha * (l1_ratio * np.abs(w).sum() + 0.5 * (1 - l1_ratio) * w @ w)
    assert objective(prob, X, y, w, b) == pytest.approx(ref, rel=1e-14)
    # the fitted optimum: every perturbation is worse
    f = objective(prob, X, y, w, b)
    assert objective(prob, X, y, w * 1.001, b) > f and objective(prob, X, y, w, b + 1e-3) > f


def test_logistic_objective_is_sklearns():
    from sklearn.linear_model import LogisticRegression

    prob = Problem("t", "logreg", 60, 5, reg=0.5, l1_ratio=0.0, seed=42)
    X, y = prob.data()
    est = LogisticRegression(C=2.0, fit_intercept=False, tol=1e-12, max_iter=1000).fit(X, y)
    w = est.coef_.ravel()
    ref = np.sum(np.log1p(np.exp(-y * (X @ w)))) + 0.5 * 0.5 * w @ w
    assert objective(prob, X, y, est.coef_, 0.0) == pytest.approx(ref, rel=1e-12)


def _converged(prob):
    """Each installed solver's objective at a tight tolerance on ``prob``."""
    X, y = prob.data()
    lam = prob.alpha(X, y)
    specs, _ = subopt.solvers_for(prob)
    out = {}
    for spec in specs:
        yy = (y > 0).astype(float) if spec.y01 else y
        _, est = subopt._fit(spec, prob, X, yy, lam, 1e-12)
        out[spec.name] = objective(prob, X, y, *subopt._coef(est), alpha=lam)
    return out


@pytest.mark.parametrize(
    "prob",
    [
        Problem("lasso", "lasso", 50, 20, reg=0.1, rho=0.5),
        Problem("enet", "enet", 50, 20, reg=0.1, rho=0.5, l1_ratio=0.5),
        Problem("logreg-l2", "logreg", 50, 8, reg=0.1, l1_ratio=0.0, seed=42),
        Problem("logreg-l1", "logreg", 50, 8, reg=1.0, l1_ratio=1.0, seed=42),
    ],
    ids=lambda p: p.name,
)
def test_every_solver_minimises_the_same_objective(prob):
    """Each peer's parameters are mapped onto one objective: converged fits agree with
    scikit-learn's to 1e-6 (peers not installed are simply absent)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        objs = _converged(prob)
    ref = objs["sklearn" if prob.kind != "logreg" else "sklearn[liblinear]"]
    for name, f in objs.items():
        assert f == pytest.approx(ref, rel=1e-6), name


# ----------------------------------------------------------------------------- the harness
def test_harness_document_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    import fastnorm.plot as fp

    prob = Problem("tiny", "lasso", 40, 10, reg=0.1, rho=0.6)
    doc = subopt.run_subopt(
        [prob], solvers=["fastnorm[auto]", "sklearn"], tols=[1e-1, 1e-4, 1e-10, 1e-12], pause=0
    )
    assert doc["kind"] == "suboptimality" and doc["config"]["target"] == 1e-6
    recs = doc["records"]
    assert {r["solver"] for r in recs} == {"fastnorm[auto]", "sklearn"}
    for r in recs:
        assert set(r) >= {"problem", "solver", "tol", "time", "objective", "subopt"}
        assert r["time"] > 0 and r["subopt"] >= 0
    best = min(r["objective"] for r in recs)
    assert min(r["subopt"] for r in recs) == 0.0
    assert all(r["subopt"] == (r["objective"] - best) / best for r in recs)
    s = doc["summary"]["tiny"]
    assert s["best_objective"] == best
    for name in ("fastnorm[auto]", "sklearn"):
        t = s["time_to_target"][name]
        ok = [r["time"] for r in recs if r["solver"] == name and r["subopt"] <= 1e-6]
        assert t == min(ok)
    assert s["ratio"] == s["best_peer_time"] / s["fastnorm"]
    path = tmp_path / "s.json"
    subopt.write_json(doc, str(path))
    back = json.loads(path.read_text())
    fig = fp.suboptimality(str(path))
    curves = [ln for ln in fig.axes[0].lines if ln.get_gid() == "subopt"]
    assert sorted(ln.get_label() for ln in curves) == ["fastnorm[auto]", "sklearn"]
    table = subopt.format_table(back)
    assert "tiny" in table and "ratio" in table
    merged = subopt.merge_documents([back, back])
    assert len(merged["records"]) == len(recs) and merged["summary"]["tiny"]["ratio"] == s["ratio"]


def test_peers_skipped_when_missing(monkeypatch):
    real = subopt.importlib.import_module

    def fake(name, *a, **k):
        if name.split(".")[0] in ("skglm", "celer", "glum"):
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(subopt.importlib, "import_module", fake)
    prob = Problem("tiny", "lasso", 30, 6, reg=0.1)
    run, skipped = subopt.solvers_for(prob)
    names = {s.name for s in run}
    assert {"fastnorm[auto]", "sklearn"} <= names
    assert not names & {"skglm", "celer", "glum"}
    assert set(skipped) == {"skglm", "celer", "glum"}
    assert all("not installed" in v for v in skipped.values())
    wide = Problem("wide", "lasso", 10, subopt.GRAM_MAX_P + 1, reg=0.1)
    assert "sklearn[precompute]" in subopt.solvers_for(wide)[1]


def test_cli_bench_subopt_list(capsys):
    from fastnorm.__main__ import main

    assert main(["bench", "--subopt", "--list", "--problem", "tall"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("lasso-200000x200-rho0.6-reg0.01:") and "fastnorm[auto]" in out


class _FakeLogisticRegression:
    """Stands in for fastnorm's LogisticRegression until it lands: scikit-learn's liblinear
    behind the keyword arguments the harness passes, solver='auto' only."""

    def __init__(self, *, C, l1_ratio, tol, fit_intercept, max_iter, solver):
        if solver != "auto":
            raise ValueError(f"unknown solver {solver!r}")
        self.kw = dict(C=C, l1_ratio=l1_ratio, tol=tol, fit_intercept=fit_intercept)

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression

        est = LogisticRegression(solver="liblinear", max_iter=10**4, **self.kw).fit(X, y)
        self.coef_, self.intercept_, self.solver_ = est.coef_, est.intercept_, "auto"
        return self


def test_logistic_problems_wait_for_fastnorms_estimator(monkeypatch, capsys):
    import fastnorm.linear_model as lm
    from fastnorm.__main__ import main

    prob = Problem("tiny-logreg", "logreg", 40, 5, reg=0.1, l1_ratio=1.0, seed=42)
    if not hasattr(lm, "LogisticRegression"):
        assert not any(s.name.startswith("fastnorm") for s in subopt.solvers_for(prob)[0])
        assert main(["subopt", "--list", "--problem", "logreg"]) == 2
        assert "no LogisticRegression" in capsys.readouterr().err
        monkeypatch.setattr(lm, "LogisticRegression", _FakeLogisticRegression, raising=False)
    run, _ = subopt.solvers_for(prob)
    assert "fastnorm[auto]" in {s.name for s in run}
    doc = subopt.run_subopt(
        [prob], solvers=["fastnorm", "sklearn[liblinear]"], tols=[1e-2, 1e-8, 1e-10], pause=0
    )
    s = doc["summary"]["tiny-logreg"]
    assert s["time_to_target"]["fastnorm[auto]"] is not None
    assert s["time_to_target"]["sklearn[liblinear]"] is not None
