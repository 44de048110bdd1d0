"""The benchmark registry, runner, CLI (``python -m fastnorm``) and README table script."""

from __future__ import annotations

import json
import math
import multiprocessing
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from fastnorm.__main__ import build_parser, main, parse_threads
from fastnorm._config import run
from fastnorm._kernels.stream import stream_copy, stream_sum
from fastnorm.benchmarks import report, runner
from fastnorm.benchmarks.cases import CASES, Case, default_check, get_cases

ROOT = Path(__file__).resolve().parents[1]
GROUPS = {"norms", "distance", "linear_model", "dask"}


# --------------------------------------------------------------------------- registry


def test_registry_is_well_formed():
    assert CASES, "no benchmark cases registered"
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))
    for c in CASES:
        assert c.group in GROUPS, c.name
        assert "/" in c.name, c.name
        assert {"quick", "full"} <= set(c.sizes), c.name
        assert 1 <= c.size("small") <= c.size("quick") <= c.size("full"), c.name
        assert c.baselines, c.name
        assert len(c.dtypes) >= 1
        assert callable(c.make) and callable(c.fastnorm) and callable(c.nbytes)


def test_get_cases_patterns():
    assert get_cases() == CASES
    assert all("vec" in c.name for c in get_cases("vec"))
    assert [c.name for c in get_cases("norm/vec-l2")] == ["norm/vec-l2"]
    assert all(c.name.startswith("norm/") for c in get_cases("norm/*"))
    assert get_cases("no-such-case") == []
    assert all(c.group == "norms" for c in get_cases(None, ["norms"]))


def _marks(case):
    # a cluster that loses its workers waits forever in gather(): fail instead of hanging
    return [pytest.mark.timeout(300)] if case.group == "dask" else []


def _case_params():
    return [
        pytest.param(c.name, np.dtype(d).name, id=f"{c.name}-{np.dtype(d).name}", marks=_marks(c))
        for c in CASES
        for d in c.dtypes
    ]


@pytest.mark.parametrize(("name", "dtype"), _case_params())
def test_case_agrees_with_every_baseline(name, dtype):
    """At the small size, fastnorm matches each baseline and inputs are left unchanged."""
    case = next(c for c in CASES if c.name == name)
    args = case.make(case.size("small"), np.dtype(dtype).type, np.random.default_rng(1))
    before = [a.copy() if isinstance(a, np.ndarray) else None for a in args]
    assert case.nbytes(args) > 0
    fast = case.fastnorm(*args)
    results = [fast]
    ran = 0
    for base in case.baselines.values():
        try:
            expected = base(*args)
        except ImportError:
            continue
        case.checker()(fast, expected, dtype)
        results.append(expected)
        ran += 1
    assert ran >= 1, f"{name}: no baseline could run"
    for a, b in zip(args, before, strict=True):
        if b is not None and not any(a is r for r in results):  # out= buffers are results
            np.testing.assert_array_equal(a, b)


def test_default_check_rejects_wrong_answers():
    default_check(1.0, 1.0 + 1e-12, np.float64)
    with pytest.raises(AssertionError):
        default_check(1.0, 1.001, np.float64)
    default_check(np.float32(1.0), np.float32(1.00001), np.float32)
    with pytest.raises(AssertionError):
        default_check(np.float32(1.0), np.float32(1.01), np.float32)


def test_norm_check_wants_input_dtype():
    from fastnorm.benchmarks.cases_norms import check_norm

    check_norm(np.float32(2.0), np.float32(2.0), np.float32)
    with pytest.raises(AssertionError, match="dtype"):
        check_norm(np.float64(2.0), np.float32(2.0), np.float32)
    with pytest.raises(AssertionError, match="shape"):
        check_norm(np.ones(3), np.ones(4), np.float64)


# --------------------------------------------------------------------------- stream kernels


@pytest.mark.parametrize("n", [0, 1, 1000, 3 * (1 << 14) + 5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stream_kernels(n, dtype):
    x = np.random.default_rng(0).standard_normal(n).astype(dtype)
    for k in ("serial", "parallel"):
        s = getattr(stream_sum, k)(x)
        assert math.isclose(s, math.fsum(x.astype(np.float64)), rel_tol=1e-9, abs_tol=1e-9)
        out = np.zeros_like(x)
        getattr(stream_copy, k)(x, out)
        np.testing.assert_array_equal(out, x)


def test_stream_sum_thread_pool():
    x = np.ones(1 << 18)
    with ThreadPoolExecutor(4) as ex:
        res = list(ex.map(lambda _: run(stream_sum, x.size, x), range(16)))
    assert res == [float(x.size)] * 16


def _child_sum(q):  # pragma: no cover - runs in a forked child
    x = np.ones(1 << 18)
    q.put(run(stream_sum, x.size, x))


def test_stream_sum_after_fork():
    x = np.ones(1 << 18)
    run(stream_sum, x.size, x)  # start the threading layer in the parent first
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child_sum, args=(q,))
    p.start()
    try:
        assert q.get(timeout=60) == float(1 << 18)
    finally:
        p.join(timeout=10)
        if p.is_alive():  # pragma: no cover
            p.kill()
    assert p.exitcode == 0


def test_stream_bandwidth_is_positive():
    assert runner.stream_bandwidth(1 << 20, repeat=2) > 0
    assert runner.stream_bandwidth(1 << 20, repeat=2, kind="copy") > 0


# --------------------------------------------------------------------------- runner


def _vec(n, dtype, rng):
    return (rng.standard_normal(n).astype(dtype),)


def _fake(name="fake/sum", fast=None, baselines=None, **kw):
    return Case(
        name=name,
        group="norms",
        make=_vec,
        fastnorm=fast or (lambda x: np.sum(x, dtype=np.float64)),
        baselines=baselines or {"numpy": lambda x: np.sum(x, dtype=np.float64)},
        nbytes=lambda a: a[0].nbytes,
        sizes={"small": 100, "quick": 1000, "full": 10_000},
        **kw,
    )


def test_measure_ok_row():
    row = runner.measure(_fake(), 1000, np.float64, repeat=3, min_time=1e-4)
    assert row["status"] == "ok", row["error"]
    assert row["nbytes"] == 8000 and row["shape"] == [1000] and row["dtype"] == "float64"
    assert row["reference"] == "numpy"
    for name in ("fastnorm", "numpy"):
        e = row["impls"][name]
        assert len(e["times_s"]) == 3 and e["median_s"] > 0 and e["number"] >= 1
    assert row["speedup"] > 0 and row["gbps"] > 0 and row["bw_gbps"] > 0 and row["pct_bw"] > 0
    assert row["bw_kind"] == "read"


def test_measure_wrong_answer_is_an_error_not_a_win():
    calls = []

    def wrong(x):
        calls.append(1)
        return np.sum(x) + 1.0

    row = runner.measure(_fake(fast=wrong), 1000, np.float64, repeat=3)
    assert row["status"] == "mismatch"
    assert "fastnorm != numpy" in row["error"]
    assert row["speedup"] is None and "median_s" not in row["impls"]["fastnorm"]
    assert len(calls) == 1  # checked once, never timed


def test_measure_missing_baseline_library_is_skipped():
    def needs_lib(x):
        raise ImportError("no such lib: pip install fastnorm[bench]")

    case = _fake(baselines={"lib": needs_lib, "numpy": np.sum}, tags=frozenset({"writes"}))
    row = runner.measure(case, 1000, np.float64, repeat=2)
    assert row["status"] == "ok"
    assert row["impls"]["lib"]["status"] == "skipped"
    assert row["reference"] == "numpy"
    assert row["bw_kind"] == "copy"


@pytest.mark.parametrize(
    ("tags", "kind"),
    [((), "read"), (("writes",), "copy"), (("writes", "allocates"), "copy-new")],
)
def test_bandwidth_reference_kind(tags, kind):
    row = runner.measure(_fake(tags=frozenset(tags)), 1000, np.float64, repeat=2)
    assert row["status"] == "ok" and row["bw_kind"] == kind
    assert row["bw_gbps"] > 0 and row["pct_bw"] > 0
    fn, args, moved = runner._Stream().callable_for(1 << 16, kind)
    fn(*args)
    assert moved == (1 << 16 if kind == "read" else 2 * ((1 << 16) // 16) * 8)


def test_normalize_out_cases_write_their_own_buffers():
    """The out= cases hand fastnorm and numpy separate buffers, so the check compares two
    results, never one buffer with itself."""
    case = get_cases("normalize/rows-out-ord=2")[0]
    X, a, b = case.make(50, np.float64, np.random.default_rng(0))
    r_fast = case.fastnorm(X, a, b)
    r_np = case.baselines["numpy"](X, a, b)
    assert r_fast is a and r_np is b
    np.testing.assert_allclose(a, X / np.linalg.norm(X, axis=1, keepdims=True), rtol=1e-14)
    case.checker()(r_fast, r_np, np.float64)


def test_measure_fastnorm_error():
    def boom(x):
        raise RuntimeError("kaput")

    row = runner.measure(_fake(fast=boom), 1000, np.float64, repeat=2)
    assert row["status"] == "error" and "kaput" in row["error"]


def test_case_sizes_sweep(monkeypatch):
    c = _fake()
    monkeypatch.setattr(runner, "quick_bytes", lambda: 4000)  # below the declared quick size
    assert runner.case_sizes(c, "quick") == [("quick", 1000)]
    sw = runner.case_sizes(c, "full", 3)
    assert [s for _, s in sw] == [100, 1000, 10_000]
    assert sw[0][0] == "small" and sw[-1][0] == "full"


def test_quick_sizes_are_past_the_last_level_cache(monkeypatch):
    from fastnorm.benchmarks.machine import llc_bytes

    assert llc_bytes() > 0
    qb = runner.quick_bytes()
    assert qb >= runner.QUICK_MIN_BYTES
    # 4 x the LLC unless memory is short
    assert qb >= runner.QUICK_LLC_FACTOR * llc_bytes() or qb >= runner.QUICK_MIN_BYTES
    monkeypatch.setattr(runner, "quick_bytes", lambda: 8_000_000)
    # 8 bytes per element of the fake case: its inputs then hold quick_bytes bytes
    assert runner.case_sizes(_fake(), "quick") == [("quick", 1_000_000)]
    for c in runner.select_cases(runner.BenchOptions()):
        if c.group in ("norms", "linear_model") or c.name.startswith(("dist/", "normalize/")):
            args = c.make(c.size("small"), np.dtype(c.dtypes[0]).type, np.random.default_rng())
            per = sum(a.nbytes for a in args if isinstance(a, np.ndarray)) / c.size("small")
            assert runner.quick_size(c) * per >= 8_000_000 * 0.99, c.name


def test_first_table_selection():
    names = [c.name for c in runner.select_cases(runner.BenchOptions())]
    assert set(names) <= set(runner.QUICK_CASES)
    groups = {c.group for c in runner.select_cases(runner.BenchOptions())}
    assert {"norms", "distance", "linear_model"} <= groups
    assert "linear/read-sum" not in names  # an internal reference kernel, not a user case
    everything = runner.select_cases(runner.BenchOptions(mode="full"))
    assert "linear/read-sum" not in [c.name for c in everything]
    only = runner.select_cases(runner.BenchOptions(only=["linear/read-sum"]))
    assert [c.name for c in only] == ["linear/read-sum"]


def test_busy_machine_prints_no_ratio(monkeypatch):
    monkeypatch.setattr(runner, "BUSY_SPREAD", -1.0)  # every row's reference "varies"
    row = runner.measure(_fake(), 1000, np.float64, repeat=3, min_time=1e-4)
    assert row["status"] == "ok" and row["busy"] is True
    doc = _sample_doc()
    doc["results"] = [row]
    text = report.format_report(doc)
    table_row = next(ln for ln in text.splitlines() if ln.startswith("fake/sum"))
    assert "busy" in table_row and "x " not in table_row
    assert "summary: machine busy" in text


def test_summary_line():
    def r(sp, busy=False):
        return {"status": "ok", "speedup": sp, "busy": busy}

    line = report.summary_line([r(2.0), r(0.5), r(4.0), r(1.01), r(9.0, busy=True)])
    assert "faster than the baseline in 2 of 4 rows" in line  # 1.01x is noise, not faster
    assert "median speed-up 1.50x" in line and "1 more row(s) not counted" in line
    line = report.summary_line([r(2.0), r(9.0, busy=True), r(9.0, busy=True)])
    assert line.startswith("summary: machine busy") and "in 2 of 3 rows" in line
    assert "trusted rows: fastnorm faster than the baseline in 1 of 1 rows" in line


# --------------------------------------------------------------------------- CLI


def test_parse_threads():
    assert parse_threads("4") == [4]
    assert parse_threads("1,2,4,2") == [1, 2, 4]
    import numba

    sc = parse_threads("scale")
    assert sc[0] == 1 and sc[-1] == numba.config.NUMBA_NUM_THREADS
    for bad in ("0", "a", "1,-2", ""):
        with pytest.raises(Exception):  # noqa: B017 - argparse.ArgumentTypeError
            parse_threads(bad)


def test_parser_defaults_and_flags():
    p = build_parser()
    a = p.parse_args(["bench"])
    assert a.mode == "quick" and a.only is None and a.threads is None and a.json is None
    a = p.parse_args(
        ["bench", "--full", "--only", "norm/vec,dist", "--threads", "1,2", "--repeat", "3"]
    )
    assert a.mode == "full" and a.only == ["norm/vec", "dist"]
    assert a.threads == [1, 2] and a.repeat == 3
    with pytest.raises(SystemExit):
        p.parse_args(["bench", "--quick", "--full"])
    with pytest.raises(SystemExit):
        p.parse_args(["bench", "--repeat", "0"])


def test_main_usage_errors(capsys):
    assert main([]) == 2
    assert main(["bench", "--only", "no-such-case"]) == 2
    assert main(["bench", "--threads", "100000"]) == 2
    assert "NUMBA_NUM_THREADS" in capsys.readouterr().err
    assert main(["--help"]) == 0


def test_main_list(capsys):
    assert main(["bench", "--list", "--only", "norm/vec-l2"]) == 0
    out = capsys.readouterr().out
    assert "norm/vec-l2" in out and "quick=" in out


def test_main_info(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "numba cache dir" in out and "threading layer" in out and "numpy" in out
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["versions"]["numba"] and info["fastnorm_threads"] >= 1


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "run.json"
    argv = ["bench", "--small", "--only", "norm/vec-l2", "--repeat", "2"]
    argv += ["--dtype", "float64", "--threads", "1,2", "--json", str(path), "--no-progress"]
    code = main(argv)
    return code, path


def test_main_bench_json_schema(small_run, capsys):
    code, path = small_run
    assert code == 0
    doc = report.load_report(path)
    assert doc["schema"] == runner.SCHEMA
    m = doc["machine"]
    for k in ("cpu_model", "versions", "fastnorm_threads", "threading_layer", "numba_cache_dir"):
        assert k in m
    assert doc["config"]["mode"] == "small" and doc["config"]["repeat"] == 2
    assert [s["threads"] for s in doc["stream"]] == [1, 2]
    assert all(s["read_gbps"] > 0 and s["copy_gbps"] > 0 for s in doc["stream"])
    rows = doc["results"]
    assert [r["threads"] for r in rows] == [1, 2]
    for r in rows:
        assert r["case"] == "norm/vec-l2" and r["dtype"] == "float64" and r["status"] == "ok"
        assert set(r["impls"]) >= {"fastnorm", "numpy"}
        assert len(r["impls"]["fastnorm"]["times_s"]) == 2
        for k in ("speedup", "gbps", "bw_gbps", "pct_bw", "nbytes", "size", "shape"):
            assert r[k] is not None, k
    text = report.format_report(doc)
    assert "thread scaling" in text and "norm/vec-l2" in text


def test_main_bench_plot(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "p.png"
    argv = ["bench", "--small", "--only", "norm/vec-ord=1", "--dtype", "float64"]
    argv += ["--repeat", "1", "--sweep", "2", "--plot", str(png), "--no-progress"]
    assert main(argv) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["bench", "--small", "--only", "norm/vec-l2", "--plot", "x.png"]) == 2
    assert "pip install fastnorm[plot]" in capsys.readouterr().err


def test_warmup_runs(capsys):
    res = runner.warmup(groups=["no-such-group"])
    assert res["cases"] == 0 and res["errors"] == {}


# --------------------------------------------------------------------------- README table


def _sample_doc():
    return {
        "schema": runner.SCHEMA,
        "created": "2026-11-28T18:00:00Z",
        "config": {"mode": "full", "repeat": 5},
        "machine": {
            "cpu_model": "Test CPU",
            "usable_cpus": 2,
            "memory_gib": 8.0,
            "python": "3.11.7",
            "versions": {"numpy": "2.4", "numba": "0.68", "scipy": "1.17", "scikit-learn": "1.9"},
            "fastnorm_threads": 2,
            "threading_layer": "omp",
            "env": {"OPENBLAS_CORETYPE": "Haswell"},
            "blas": [],
        },
        "stream": [{"threads": 2, "nbytes": 2**28, "read_gbps": 30.0, "copy_gbps": 25.0}],
        "results": [
            {
                "case": "norm/vec-l2",
                "size": 10**8,
                "shape": [10**8],
                "dtype": "float64",
                "threads": 2,
                "status": "ok",
                "error": None,
                "reference": "numpy",
                "impls": {
                    "fastnorm": {"status": "ok", "median_s": 0.03, "gbps": 26.7},
                    "numpy": {"status": "ok", "median_s": 0.3, "gbps": 2.67},
                },
                "speedup": 10.0,
                "gbps": 26.7,
                "bw_kind": "read",
                "bw_gbps": 30.0,
                "pct_bw": 89.0,
            },
            {
                "case": "norm/mat-fro",
                "size": 10**6,
                "shape": [10**6, 200],
                "dtype": "float32",
                "threads": 2,
                "status": "mismatch",
                "error": "fastnorm != numpy: AssertionError",
                "reference": None,
                "impls": {"fastnorm": {"status": "ok"}, "numpy": {"status": "mismatch"}},
                "speedup": None,
                "gbps": None,
                "bw_kind": "read",
                "bw_gbps": None,
                "pct_bw": None,
            },
        ],
    }


def test_markdown_table_from_sample():
    md = report.markdown_table(_sample_doc())
    lines = md.splitlines()
    assert lines[0].startswith("| case | size | dtype | fastnorm | baseline | baseline time |")
    assert "| norm/vec-l2 | 1e8 | float64 | 30 ms | numpy | 300 ms | 10.00x | 26.7 | 89% |" in md
    assert "1e6x200" in md and "MISMATCH" in md
    assert "Test CPU" in md and "numpy 2.4" in md and "threads 2" in md
    assert "30.0 GB/s read" in md and "OPENBLAS_CORETYPE=Haswell" in md


def test_validate_report_rejects_other_json():
    with pytest.raises(ValueError, match="schema"):
        report.validate_report({"foo": 1})
    doc = _sample_doc()
    del doc["results"]
    with pytest.raises(ValueError, match="results"):
        report.validate_report(doc)


def test_rewrite_readme(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        f"# x\n\nintro\n\n{report.README_START}\nold table\n{report.README_END}\n\nafter\n"
    )
    assert report.rewrite_readme(readme, "| new |") is True
    text = readme.read_text()
    assert "old table" not in text and "| new |" in text
    assert text.startswith("# x\n\nintro\n\n") and text.endswith("\n\nafter\n")
    assert report.rewrite_readme(readme, "| new |") is False
    (tmp_path / "bare.md").write_text("no markers")
    with pytest.raises(ValueError, match="bench-table"):
        report.rewrite_readme(tmp_path / "bare.md", "x")


def test_readme_table_script(tmp_path):
    js = tmp_path / "run.json"
    js.write_text(json.dumps(_sample_doc()))
    readme = tmp_path / "README.md"
    readme.write_text(f"a\n{report.README_START}\n{report.README_END}\nb\n")
    script = str(ROOT / "bench" / "readme_table.py")
    out = subprocess.run(
        [sys.executable, script, str(js)], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "norm/vec-l2" in out.stdout
    out = subprocess.run(
        [sys.executable, script, str(js), "--readme", str(readme)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "norm/vec-l2" in readme.read_text()
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    out = subprocess.run([sys.executable, script, str(bad)], capture_output=True, text=True)
    assert out.returncode == 2 and "schema" in out.stderr


def test_fmt_count():
    assert report.fmt_count(200) == "200"
    assert report.fmt_count(10**8) == "1e8"
    assert report.fmt_count(2 * 10**7) == "2e7"
    assert report.fmt_count(2_500_000) == "2.5e6"
    assert report.fmt_count(123_457) == "1.23e5"


def test_markdown_table_leaves_out_internal_rows():
    doc = _sample_doc()
    internal = dict(doc["results"][0], case="linear/read-sum")
    doc["results"].append(internal)
    assert "linear/read-sum" not in report.markdown_table(doc)
    assert "norm/vec-l2" in report.markdown_table(doc)
