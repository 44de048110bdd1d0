"""fastnorm.plot: the data behind each drawing, checked against numpy / scikit-learn."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
pytest.importorskip("sklearn")

from matplotlib.figure import Figure  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

import fastnorm.plot as fp  # noqa: E402
from fastnorm.__main__ import main  # noqa: E402
from fastnorm.linear_model import (  # noqa: E402
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    Ridge,
    enet_path,
    lasso_path,
)

MPL_VERSION = tuple(int(v) for v in matplotlib.__version__.split(".")[:2])
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_JSON = os.path.join(ROOT, "bench", "results", "scaling-2core.json")


def _gid(ax, gid):
    return [line for line in ax.lines if line.get_gid() == gid]


def _np_norm(x, p):
    """numpy's vector norm of each row (the reference, not fastnorm's)."""
    return np.linalg.norm(x, ord=p, axis=-1)


# ------------------------------------------------------------------------------ imports
def _run(code):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )


def test_importing_fastnorm_and_plot_does_not_import_matplotlib():
    r = _run(
        "import sys, fastnorm, fastnorm.plot\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
        "print('ok')"
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_missing_matplotlib_raises_a_clear_importerror():
    r = _run(
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "import fastnorm.plot as fp\n"
        "doc = {'kind': 'suboptimality', 'records': [{'problem': 'a', 'solver': 'b', "
        "'time': 1.0, 'subopt': 0.1}]}\n"
        "for call in (lambda: fp.unit_balls(), lambda: fp.suboptimality(doc)):\n"
        "    try:\n"
        "        call()\n"
        "    except ImportError as e:\n"
        "        print(e)\n"
        "    else:\n"
        "        raise SystemExit('no ImportError')\n"
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert len(lines) == 2
    assert all("pip install fastnorm[plot]" in line for line in lines)


# --------------------------------------------------------------------------- unit balls
ORDS = (0.3, 0.5, 1, 1.5, 2, 3, np.inf)


def test_unit_ball_lines_have_norm_one():
    fig = fp.unit_balls(ORDS)
    assert isinstance(fig, Figure)
    balls = _gid(fig.axes[0], "ball")
    assert len(balls) == len(ORDS)
    for p, line in zip(ORDS, balls, strict=True):
        xy = line.get_xydata()
        assert xy.shape == (721, 2)
        np.testing.assert_allclose(_np_norm(xy, p), 1.0, rtol=0, atol=1e-12)
        assert np.array_equal(xy[0], xy[-1])  # closed
        # the directions cover the circle: every quadrant, and the axis points exactly
        assert {tuple(np.sign(v)) for v in xy} >= {(1, 1), (-1, 1), (-1, -1), (1, -1)}
        for corner in ([1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]):
            assert (xy == corner).all(axis=1).any()
        assert f"p = {p:g}" in line.get_label()
    labels = [line.get_label() for line in balls]
    assert "$|x_1| + |x_2| = 1$" in labels[2]
    assert "$x_1^2 + x_2^2 = 1$" in labels[4]
    assert "\\max(|x_1|, |x_2|)" in labels[6]


def test_unit_ball_p_below_one_is_non_convex():
    xy = fp.unit_ball_points(0.5)
    mid = 0.5 * (np.array([1.0, 0.0]) + np.array([0.0, 1.0]))  # the chord between two points
    assert _np_norm(mid, 0.5) > 1  # lies outside the ball: not convex
    assert np.isclose(np.abs(xy).max(), 1.0)


def test_unit_spheres_3d_surfaces_have_norm_one():
    fig = fp.unit_balls(ORDS, dim=3, n_points=15)
    assert len(fig.axes) == len(ORDS)
    for p, ax in zip(ORDS, fig.axes, strict=True):
        assert ax.name == "3d"
        (coll,) = [c for c in ax.collections if c.get_gid() == "sphere"]
        # the 3-D vertices matplotlib draws (private attribute; _vec in older versions)
        faces = getattr(coll, "_faces", None)
        if faces is None:
            faces = np.asarray(coll._vec)[:3].T
        v = np.asarray(faces, dtype=np.float64).reshape(-1, 3)
        assert v.shape[0] == 6 * 14 * 14 * 4
        np.testing.assert_allclose(_np_norm(v, p), 1.0, rtol=0, atol=1e-12)
        # the surface reaches every octant and the six axis points
        assert {tuple(np.sign(x)) for x in v[np.all(v != 0, axis=1)]} == {
            (a, b, c) for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)
        }
        for k in range(3):
            for s in (-1.0, 1.0):
                e = np.zeros(3)
                e[k] = s
                assert (v == e).all(axis=1).any()
    pts = fp.unit_ball_points(0.7, n_points=9, dim=3)
    assert pts.shape == (6, 9, 9, 3)
    np.testing.assert_allclose(_np_norm(pts, 0.7), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("p", [0, -1, -np.inf, np.nan, "fro", "nuc", True, None])
def test_unit_balls_reject_orders_that_are_not_p_positive(p):
    with pytest.raises(ValueError, match="p > 0"):
        fp.unit_balls((1, p))
    with pytest.raises(ValueError, match="p > 0"):
        fp.unit_ball_points(p)


def test_unit_balls_other_bad_input():
    with pytest.raises(ValueError, match="dim must be 2 or 3"):
        fp.unit_balls(dim=4)
    with pytest.raises(ValueError, match="empty"):
        fp.unit_balls(())
    fig = Figure()
    with pytest.raises(ValueError, match="3-D Axes"):
        fp.unit_balls((1, 2), ax=fig.add_subplot(), dim=3)


def test_unit_balls_honour_ax():
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    assert fp.unit_balls((1, 2), ax=ax) is fig
    assert len(_gid(ax, "ball")) == 2
    ax3 = fig.add_subplot(1, 2, 1, projection="3d")
    assert fp.unit_balls((1, 2), ax=ax3, dim=3, n_points=5) is fig
    assert len(ax3.collections) == 2


# ----------------------------------------------------------------------------- geometry
def _lsq(X, y, w):
    r = y - X @ w
    return 0.5 * r @ r / len(y)


def _refit(pen, X, y, alpha, l1_ratio=0.5):
    if pen == "l1":
        return Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(X, y)
    if pen == "l2":
        return Ridge(alpha=alpha, fit_intercept=False).fit(X, y)
    return ElasticNet(
        alpha=alpha, l1_ratio=l1_ratio, fit_intercept=False, tol=1e-12, max_iter=100_000
    ).fit(X, y)


def _optimum(ax):
    (line,) = _gid(ax, "optimum")
    return line.get_xydata()[0]


def test_geometry_default_l1_on_a_corner_l2_off_the_axes():
    fig = fp.regularisation_geometry(("l1", "l2"))
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    X, y = fp.geometry_problem()
    w1, w2 = _optimum(fig.axes[0]), _optimum(fig.axes[1])
    np.testing.assert_allclose(w1, _refit("l1", X, y, fp.DEFAULT_ALPHA["l1"]).coef_, rtol=1e-12)
    np.testing.assert_allclose(w2, _refit("l2", X, y, fp.DEFAULT_ALPHA["l2"]).coef_, rtol=1e-12)
    assert np.count_nonzero(w1 == 0.0) == 1  # the L1 optimum: a corner, one exact zero
    assert np.all(w2 != 0.0) and np.abs(w2).min() > 0.1  # the L2 optimum: off the axes

    # scikit-learn agrees with the drawn optima (the reference)
    from sklearn.linear_model import Lasso as SkLasso
    from sklearn.linear_model import Ridge as SkRidge

    sk1 = SkLasso(alpha=fp.DEFAULT_ALPHA["l1"], fit_intercept=False, tol=1e-12).fit(X, y)
    sk2 = SkRidge(alpha=fp.DEFAULT_ALPHA["l2"], fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(w1, sk1.coef_, atol=1e-9)
    np.testing.assert_allclose(w2, sk2.coef_, rtol=1e-10)
    assert sk1.coef_[1] == 0.0


@pytest.mark.parametrize("pen,p", [("l1", 1), ("l2", 2)])
def test_geometry_region_is_the_ball_at_the_optimums_norm(pen, p):
    fig = fp.regularisation_geometry(pen)
    ax = fig.axes[0]
    w = _optimum(ax)
    (edge,) = _gid(ax, "region_edge")
    np.testing.assert_allclose(_np_norm(edge.get_xydata(), p), _np_norm(w, p), rtol=1e-12)
    # the bold contour is the loss level through the optimum
    X, y = fp.geometry_problem()
    levels = [list(c.levels) for c in ax.collections if hasattr(c, "levels")]
    if levels or MPL_VERSION >= (3, 8):  # a ContourSet is an Axes collection since 3.8
        assert [pytest.approx(_lsq(X, y, w), rel=1e-12)] in levels
    # and the optimum is the lowest loss on the region's boundary (the touching point)
    losses = [_lsq(X, y, v) for v in edge.get_xydata()]
    assert _lsq(X, y, w) <= min(losses) + 1e-9


def test_geometry_elastic_net_and_explicit_problem():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((80, 2))
    y = X @ np.array([-1.0, 2.0]) + 0.3 * rng.standard_normal(80)
    fig = Figure()
    axes = fig.subplots(1, 3)
    out = fp.regularisation_geometry(
        ("l1", "l2", "elasticnet"), X, y, alpha=(0.8, 30.0, 0.5), l1_ratio=0.3, ax=axes
    )
    assert out is fig
    for ax, pen, a in zip(axes, ("l1", "l2", "elasticnet"), (0.8, 30.0, 0.5), strict=True):
        np.testing.assert_allclose(_optimum(ax), _refit(pen, X, y, a, 0.3).coef_, rtol=1e-12)
    w = _optimum(axes[2])
    (edge,) = _gid(axes[2], "region_edge")
    e = edge.get_xydata()
    pen = 0.3 * _np_norm(e, 1) + 0.35 * _np_norm(e, 2) ** 2
    np.testing.assert_allclose(pen, 0.3 * _np_norm(w, 1) + 0.35 * _np_norm(w, 2) ** 2, rtol=1e-12)


def test_geometry_bad_input():
    with pytest.raises(ValueError, match="penalty must be one of"):
        fp.regularisation_geometry("l3")
    with pytest.raises(ValueError, match="shape \\(n_samples, 2\\)"):
        fp.regularisation_geometry("l1", np.ones((5, 3)), np.ones(5))
    with pytest.raises(ValueError, match="both X and y"):
        fp.regularisation_geometry("l1", np.ones((5, 2)))
    with pytest.raises(ValueError, match="2 penalties"):
        fp.regularisation_geometry(("l1", "l2"), alpha=(1.0,))
    with pytest.raises(ValueError, match="pass 2 Axes"):
        fp.regularisation_geometry(("l1", "l2"), ax=Figure().add_subplot())


# -------------------------------------------------------------------------------- paths
@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 5))
    y = X @ np.array([3.0, 0.0, -2.0, 0.0, 1.0]) + 0.5 * rng.standard_normal(120) + 4.0
    return X, y


def _coef_lines(ax):
    return _gid(ax, "coef")


def test_path_equals_lasso_path(data):
    X, y = data
    fig = fp.path(X, y, fit_intercept=False, n_alphas=30)
    alphas, coefs, _ = lasso_path(X, y, alphas=30)
    lines = _coef_lines(fig.axes[0])
    assert len(lines) == 5
    for line, c in zip(lines, coefs, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), alphas)
        np.testing.assert_array_equal(line.get_ydata(), c)
    assert fig.axes[0].get_xscale() == "log"
    assert [line.get_label() for line in lines] == [f"x{j}" for j in range(5)]


def test_path_centres_for_the_intercept_and_enet(data):
    X, y = data
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    fig = fp.path(X, y, l1_ratio=0.4, n_alphas=20, feature_names=list("abcde"))
    alphas, coefs, _ = enet_path(Xc, yc, l1_ratio=0.4, alphas=20)
    lines = _coef_lines(fig.axes[0])
    for line, c in zip(lines, coefs, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), alphas)
        np.testing.assert_allclose(line.get_ydata(), c, rtol=1e-12, atol=1e-14)
    assert [line.get_label() for line in lines] == list("abcde")


def test_path_with_lasso_cv_marks_alpha_and_draws_the_cv_curve(data):
    X, y = data
    est = LassoCV(cv=4, alphas=25).fit(X, y)
    fig = fp.path(X, y, estimator=est)
    assert len(fig.axes) == 2
    a_path, a_cv = fig.axes
    _, coefs, _ = lasso_path(X - X.mean(axis=0), y - y.mean(), alphas=est.alphas_)
    for line, c in zip(_coef_lines(a_path), coefs, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), est.alphas_)
        np.testing.assert_allclose(line.get_ydata(), c, rtol=1e-12, atol=1e-14)
    # the path at alpha_ is the refit's coefficients (to the solvers' tol=1e-4: warm vs cold)
    i = int(np.flatnonzero(est.alphas_ == est.alpha_)[0])
    np.testing.assert_allclose(coefs[:, i], est.coef_, rtol=0, atol=1e-4)
    (mean,) = _gid(a_cv, "cv_mean")
    np.testing.assert_array_equal(mean.get_xdata(), est.alphas_)
    np.testing.assert_allclose(mean.get_ydata(), est.mse_path_.mean(axis=1), rtol=1e-15)
    assert len(_gid(a_cv, "cv_fold")) == 4
    for ax in fig.axes:
        (mark,) = _gid(ax, "alpha")
        assert mark.get_xdata()[0] == est.alpha_


def test_path_of_a_cv_estimator_alone_and_several_l1_ratios(data):
    X, y = data
    est = ElasticNetCV(l1_ratio=[0.3, 0.9], cv=3, alphas=15).fit(X, y)
    fig = fp.path(est)
    assert len(fig.axes) == 1
    r = [0.3, 0.9].index(est.l1_ratio_)
    (mean,) = _gid(fig.axes[0], "cv_mean")
    np.testing.assert_array_equal(mean.get_xdata(), est.alphas_[r])
    np.testing.assert_allclose(mean.get_ydata(), est.mse_path_[r].mean(axis=1), rtol=1e-15)
    fig = fp.path(X, y, estimator=est)  # the path at the chosen l1_ratio_
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    if est.l1_ratio_ == 1.0:  # pragma: no cover
        _, coefs, _ = lasso_path(Xc, yc, alphas=est.alphas_[r])
    else:
        _, coefs, _ = enet_path(Xc, yc, l1_ratio=est.l1_ratio_, alphas=est.alphas_[r])
    np.testing.assert_allclose(
        np.array([line.get_ydata() for line in _coef_lines(fig.axes[0])]), coefs, rtol=1e-12,
        atol=1e-14,
    )  # fmt: skip


def test_path_feature_names_from_a_dataframe(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    df = pd.DataFrame(X, columns=["u", "v", "w", "x", "z"])
    fig = fp.path(df, y, n_alphas=10)
    assert [line.get_label() for line in _coef_lines(fig.axes[0])] == list("uvwxz")


def test_path_bad_input(data):
    X, y = data
    with pytest.raises(NotFittedError):
        fp.path(LassoCV())
    with pytest.raises(NotFittedError):
        fp.path(X, y, estimator=Lasso())
    with pytest.raises(TypeError, match="needs LassoCV/ElasticNetCV"):
        fp.path(Lasso(alpha=0.1).fit(X, y))
    with pytest.raises(TypeError, match="y is missing"):
        fp.path(X)
    with pytest.raises(ValueError, match="l1_ratio"):
        fp.path(X, y, l1_ratio=0.0)
    with pytest.raises(ValueError, match="feature_names"):
        fp.path(X, y, feature_names=["a"])
    est = LassoCV(cv=3, alphas=10).fit(X, y)
    with pytest.raises(ValueError, match="pass 2 Axes"):
        fp.path(X, y, estimator=est, ax=Figure().add_subplot())


def test_path_honours_ax(data):
    X, y = data
    fig = Figure()
    ax = fig.add_subplot()
    assert fp.path(X, y, n_alphas=10, ax=ax) is fig
    assert len(_coef_lines(ax)) == 5


# -------------------------------------------------------------------------- convergence
def test_convergence_draws_the_objective_history(data):
    X, y = data
    est = Lasso(alpha=0.05, solver="stream").fit(X, y)
    fig = fp.convergence(est)
    assert len(fig.axes) == 2
    obj = np.asarray(est.objective_path_)
    sub = obj - obj.min()
    (line,) = _gid(fig.axes[0], "objective")
    np.testing.assert_array_equal(line.get_ydata(), sub[sub > 0])
    np.testing.assert_array_equal(line.get_xdata(), np.flatnonzero(sub > 0))
    # the per-epoch gap history (gap_path_) is drawn as it is and ends at dual_gap_
    (gap,) = _gid(fig.axes[1], "gap")
    np.testing.assert_array_equal(gap.get_ydata(), est.gap_path_)
    assert gap.get_ydata()[-1] == pytest.approx(float(est.dual_gap_))
    # an estimator without a gap history: the final dual_gap_ at the last epoch
    del est.gap_path_
    fig = fp.convergence(est)
    (gap,) = _gid(fig.axes[1], "gap")
    assert gap.get_ydata()[0] == pytest.approx(float(est.dual_gap_))
    assert gap.get_xdata()[0] == len(est.objective_path_) - 1


def test_convergence_bad_input():
    with pytest.raises(NotFittedError):
        fp.convergence(Lasso())


# ----------------------------------------------------------------------------- benchmark
def test_benchmark_bars_are_the_speedups_of_the_file():
    doc = json.load(open(BENCH_JSON, encoding="utf-8"))
    fig = fp.benchmark(BENCH_JSON)
    assert len(fig.axes) == 2  # speed-up and thread scaling (the file has threads 1 and 2)
    a_bar, a_scale = fig.axes
    top = max(r["threads"] for r in doc["results"])
    want = {
        f"{r['case']} ({r['dtype']}) vs {r['reference']}": r["speedup"]
        for r in doc["results"]
        if r["status"] == "ok" and r["threads"] == top
    }
    got = {
        t.get_text(): p.get_width()
        for t, p in zip(a_bar.get_yticklabels(), a_bar.patches, strict=True)
    }
    assert got == pytest.approx(want, rel=1e-15)
    for line in _gid(a_scale, "scaling"):
        case, dt = line.get_label().rsplit(" (", 1)
        rows = {
            r["threads"]: r["impls"]["fastnorm"]["median_s"]
            for r in doc["results"]
            if r["case"] == case and r["dtype"] == dt.rstrip(")")
        }
        t = sorted(rows)
        np.testing.assert_array_equal(line.get_xdata(), t)
        np.testing.assert_allclose(line.get_ydata(), [rows[1] / rows[k] for k in t], rtol=1e-12)
    assert len(_gid(a_scale, "scaling")) == len(want)


def test_benchmark_bandwidth_panels_and_ax():
    doc = json.load(open(BENCH_JSON, encoding="utf-8"))
    fig = fp.benchmark(doc, kind="bandwidth")
    assert len(fig.axes) == len({r["case"] for r in doc["results"]})
    ax = fig.axes[0]
    for line in _gid(ax, "gbps"):
        rows = [r for r in doc["results"] if r["threads"] == 2 and ax.get_title().startswith(
            r["case"] + " ")]  # fmt: skip
        want = sorted((r["nbytes"], r["impls"][line.get_label()]["gbps"]) for r in rows)
        np.testing.assert_array_equal(line.get_xydata(), want)
    f2 = Figure()
    ax = f2.add_subplot()
    assert fp.benchmark(doc, ax=ax) is f2
    assert len(ax.patches) == 5


def test_benchmark_rejects_files_that_are_not_benchmarks(tmp_path):
    sub = tmp_path / "subopt.json"
    sub.write_text(json.dumps({"kind": "suboptimality", "records": []}))
    with pytest.raises(ValueError, match="not a benchmark file"):
        fp.benchmark(sub)
    txt = tmp_path / "x.json"
    txt.write_text("not json")
    with pytest.raises(ValueError, match="not a JSON file"):
        fp.benchmark(str(txt))
    lst = tmp_path / "l.json"
    lst.write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a benchmark file"):
        fp.benchmark(lst)
    with pytest.raises(FileNotFoundError):
        fp.benchmark(tmp_path / "missing.json")
    doc = json.load(open(BENCH_JSON, encoding="utf-8"))
    doc["results"] = [r for r in doc["results"] if r["threads"] == 1]
    with pytest.raises(ValueError, match="several thread counts"):
        fp.benchmark(doc, kind="scaling")
    with pytest.raises(ValueError, match="kind must be"):
        fp.benchmark(doc, kind="pie")


# -------------------------------------------------------------------------- suboptimality
def _subopt_doc():
    recs = []
    for prob in ("tall", "wide"):
        for solver, scale in (("fastnorm", 1.0), ("sklearn", 3.0)):
            # a noisy sweep: the 1e-4 fit took longer than the 1e-6 one
            for tol, time, sub in ((1e-2, 1.0, 1e-2), (1e-6, 2.0, 1e-7), (1e-4, 2.5, 1e-4)):
                recs.append(
                    {"problem": prob, "solver": solver, "tol": tol, "time": scale * time,
                     "objective": 1.0 + sub, "subopt": sub if scale > 1 or tol > 1e-6 else 0.0}
                )  # fmt: skip
    return {"kind": "suboptimality", "machine": {}, "config": {"target": 1e-6}, "records": recs}


def test_suboptimality_curves_are_the_records(tmp_path):
    doc = _subopt_doc()
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    fig = fp.suboptimality(str(path))
    assert [ax.get_title() for ax in fig.axes] == ["tall", "wide"]
    floor = 1e-7 / 10  # below the smallest positive subopt: where subopt == 0 is drawn
    for ax in fig.axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        curves = {line.get_label(): line for line in _gid(ax, "subopt")}
        dots = _gid(ax, "subopt_fits")
        assert set(curves) == {"fastnorm", "sklearn"} and len(dots) == 2
        for (solver, curve), dot in zip(curves.items(), dots, strict=True):
            rs = sorted(
                (r for r in doc["records"]
                 if r["problem"] == ax.get_title() and r["solver"] == solver),
                key=lambda r: r["time"],
            )  # fmt: skip
            t = [r["time"] for r in rs]
            e = [max(r["subopt"], floor) for r in rs]
            np.testing.assert_array_equal(dot.get_xdata(), t)
            np.testing.assert_array_equal(dot.get_ydata(), e)
            np.testing.assert_array_equal(curve.get_xdata(), t)
            np.testing.assert_array_equal(curve.get_ydata(), np.minimum.accumulate(e))
        assert curves["fastnorm"].get_ydata().tolist() == [1e-2, floor, floor]
        assert curves["sklearn"].get_ydata().tolist() == [1e-2, 1e-7, 1e-7]
        targets = [ln for ln in ax.lines if ln.get_label() == "target 1e-06"]
        assert len(targets) == 1 and targets[0].get_ydata()[0] == 1e-6
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert fp.suboptimality(doc, ax=axes) is fig
    assert len(_gid(axes[1], "subopt")) == 2


def test_suboptimality_rejects_other_files():
    with pytest.raises(ValueError, match="not a suboptimality file"):
        fp.suboptimality(BENCH_JSON)
    with pytest.raises(ValueError, match="lacks"):
        fp.suboptimality({"kind": "suboptimality", "records": [{"problem": "a"}]})
    with pytest.raises(ValueError, match="no records"):
        fp.suboptimality({"kind": "suboptimality", "records": []})


# ---------------------------------------------------------------------------------- CLI
def _is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "args",
    [
        ["unit-balls", "--ord", "0.5,1,inf"],
        ["unit-balls", "--dim", "3", "--ord", "1"],
        ["geometry", "--penalty", "l1,l2,elasticnet"],
        ["path", "--cv", "3"],
        ["bench", BENCH_JSON, "--kind", "scaling"],
    ],
)
def test_cli_plot_writes_an_image(tmp_path, args):
    out = tmp_path / "fig.png"
    assert main(["plot", *args, "-o", str(out), "--dpi", "40"]) == 0
    assert _is_png(out)


def test_cli_plot_subopt_and_errors(tmp_path, capsys):
    sub = tmp_path / "s.json"
    sub.write_text(json.dumps(_subopt_doc()))
    out = tmp_path / "s.png"
    assert main(["plot", "subopt", str(sub), "-o", str(out), "--dpi", "40"]) == 0
    assert _is_png(out)
    assert main(["plot", "bench", str(sub), "-o", str(out)]) == 2
    assert "not a benchmark file" in capsys.readouterr().err
    assert main(["plot", "unit-balls", "--ord", "0", "-o", str(out)]) == 2
    assert "p > 0" in capsys.readouterr().err
    assert main(["plot", "geometry"]) == 2  # -o is required


# ----------------------------------------------------------------------- README figures
def test_make_figures_script_regenerates_the_readme_images(tmp_path):
    script = os.path.join(ROOT, "docs", "make_figures.py")
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "MPLBACKEND": "Agg"}  # fmt: skip
    r = subprocess.run(
        [sys.executable, script, "--out", str(tmp_path), "--dpi", "40"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    names = sorted(os.listdir(tmp_path))
    committed = sorted(f for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".png"))
    assert names == committed
    assert all(_is_png(tmp_path / n) for n in names)
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    for n in names:
        assert f"docs/{n}" in readme


def test_cli_plot_without_matplotlib(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["plot", "unit-balls", "-o", str(tmp_path / "x.png")]) == 2
    assert "pip install fastnorm[plot]" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_path_marks_a_fitted_lasso_and_passes_through_its_coef(data):
    X, y = data
    est = Lasso(alpha=0.1).fit(X, y)
    fig = fp.path(X, y, estimator=est, alphas=[1.0, 0.1, 0.01])
    (mark,) = _gid(fig.axes[0], "alpha")
    assert mark.get_xdata()[0] == 0.1
    at = np.array([line.get_ydata()[1] for line in _coef_lines(fig.axes[0])])
    np.testing.assert_allclose(at, est.coef_, rtol=0, atol=1e-4)  # both at tol=1e-4
