"""Command line: ``python -m fastnorm {bench,info,warmup,plot}`` (also the ``fastnorm`` script).

Examples
--------
``python -m fastnorm bench --quick``                 the first table (1-2 min, cold)
``python -m fastnorm bench --full --json run.json``  the README table's data
``python -m fastnorm bench --only norm/vec --threads 1,2,4``   a thread-scaling report
``python -m fastnorm bench --only norm/vec-l2 --sweep 6 --plot l2.png``  GB/s against size
``python -m fastnorm info``                          versions, threads, threading layer, cache
``python -m fastnorm warmup``                        compile (and cache) the kernels now
``python -m fastnorm plot geometry -o l1-l2.png``    pictures (unit-balls, geometry, path, ...)
``python -m fastnorm subopt --quick``                time to 1e-6 suboptimality against the peers
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["build_parser", "main", "parse_threads"]


def parse_threads(spec: str) -> list[int]:
    """``"4"`` -> [4]; ``"1,2,4"`` -> [1, 2, 4]; ``"scale"`` -> 1, 2, 4, ... up to numba's
    thread count (always including it)."""
    spec = spec.strip().lower()
    if spec in ("scale", "scaling", "all"):
        import numba

        top = int(numba.config.NUMBA_NUM_THREADS)
        out, t = [], 1
        while t < top:
            out.append(t)
            t *= 2
        return [*out, top]
    try:
        vals = [int(s) for s in spec.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--threads takes N, a list like 1,2,4, or 'scale' (got {spec!r})"
        ) from None
    if not vals or any(v < 1 for v in vals):
        raise argparse.ArgumentTypeError(f"thread counts must be >= 1 (got {spec!r})")
    return list(dict.fromkeys(vals))


def _positive_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}")
    return v


def _csv(s: str) -> list[str]:
    return [p.strip() for p in s.split(",") if p.strip()]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fastnorm",
        description="fastnorm: numba-compiled norms, distances and regularised linear models.",
    )
    sub = p.add_subparsers(dest="command", metavar="{bench,info,warmup,plot,subopt}")
    sub.required = True

    b = sub.add_parser(
        "bench",
        help="benchmark fastnorm against numpy/scipy/scikit-learn on this machine",
        description=(
            "Time every selected case (fastnorm and its baselines on the same arrays, results "
            "checked equal first), beside this machine's streaming read bandwidth measured in "
            "the same run.  Prints a table; exits 1 if any case failed its check."
        ),
    )
    mode = b.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help="quick sizes, each case's first dtype, no dask group (the default; about a minute "
        "warm, 1-2 min with a cold numba cache on 2 cores)",
    )
    mode.add_argument(
        "--full",
        dest="mode",
        action="store_const",
        const="full",
        help="full sizes, well beyond the last-level cache (minutes)",
    )
    mode.add_argument(
        "--small",
        dest="mode",
        action="store_const",
        const="small",
        help="cache-resident sizes (seconds; a smoke test)",
    )
    b.set_defaults(mode="quick")
    b.add_argument(
        "--only",
        metavar="PATTERN",
        type=_csv,
        default=None,
        help="cases whose name contains PATTERN (fnmatch if it has *?[); comma-separated list",
    )
    b.add_argument(
        "--group",
        type=_csv,
        default=None,
        help="only these groups (norms, distance, linear_model, dask), comma-separated",
    )
    b.add_argument(
        "--dtype", type=_csv, default=None, help="only these dtypes, e.g. float64,float32"
    )
    b.add_argument(
        "--threads",
        metavar="N|N,M,..|scale",
        type=parse_threads,
        default=None,
        help="fastnorm threads (and BLAS threads via threadpoolctl); several values give a "
        "thread-scaling report; 'scale' = 1,2,4,.. up to NUMBA_NUM_THREADS",
    )
    b.add_argument(
        "--repeat", metavar="K", type=_positive_int, default=None, help="timed repeats per call"
    )
    b.add_argument(
        "--sweep",
        metavar="N",
        type=_positive_int,
        default=None,
        help="N sizes from cache-resident up to the mode's size (default 1; 5 with --plot)",
    )
    b.add_argument("--json", metavar="FILE", default=None, help="write the whole run as JSON")
    b.add_argument(
        "--plot", metavar="FILE.png", default=None, help="plot GB/s against size (matplotlib)"
    )
    b.add_argument("--no-progress", action="store_true", help="no progress bar")
    b.add_argument("--list", action="store_true", help="list the selected cases and exit")
    b.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    b.set_defaults(func=_cmd_bench)

    i = sub.add_parser("info", help="versions, threads, threading layer and numba cache dir")
    i.add_argument("--json", action="store_true", help="print as JSON")
    i.set_defaults(func=_cmd_info)

    w = sub.add_parser(
        "warmup", help="compile the kernels the benchmark cases use (fills numba's cache)"
    )
    w.add_argument("--group", type=_csv, default=None, help="only these groups")
    w.set_defaults(func=_cmd_warmup)
    _add_plot_parser(sub)
    from fastnorm.benchmarks.subopt import add_parser as _add_subopt_parser

    _add_subopt_parser(sub)
    return p


def _err(msg: str) -> None:
    print(f"fastnorm: error: {msg}", file=sys.stderr)


def _cmd_bench(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from fastnorm.benchmarks.runner import BenchOptions, run_benchmarks, select_cases, tasks_for

    if args.plot:
        from fastnorm.benchmarks.plot import require_matplotlib

        try:
            require_matplotlib()
        except ImportError as exc:
            _err(str(exc))
            return 2
    threads: list[Any] = args.threads or [None]
    if args.threads:
        import numba

        limit = int(numba.config.NUMBA_NUM_THREADS)
        bad = [t for t in threads if t > limit]
        if bad:
            _err(
                f"--threads {','.join(map(str, bad))} exceeds NUMBA_NUM_THREADS={limit} "
                "(set NUMBA_NUM_THREADS before starting Python to raise it)"
            )
            return 2
    sweep = args.sweep if args.sweep is not None else (5 if args.plot else 1)
    opts = BenchOptions(
        mode=args.mode,
        only=args.only,
        groups=args.group,
        dtypes=args.dtype,
        threads=threads,
        repeat=args.repeat,
        sweep=sweep,
        progress=not args.no_progress and sys.stderr.isatty(),
        seed=args.seed,
    )
    try:
        cases = select_cases(opts)
        tasks = tasks_for(cases, opts)
    except TypeError as exc:  # a bad --dtype
        _err(str(exc))
        return 2
    if not tasks:
        _err("no benchmark case matches the selection (try: python -m fastnorm bench --list)")
        return 2
    if args.list:
        for case, label, size, dt in tasks:
            import numpy as np

            print(f"{case.name:40s} {case.group:14s} {np.dtype(dt).name:8s} {label}={size}")
        return 0

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def write_json(doc: dict[str, Any]) -> None:
        tmp = f"{args.json}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            from fastnorm.benchmarks.machine import json_default

            json.dump(doc, f, indent=1, default=json_default)
            f.write("\n")
        os.replace(tmp, args.json)

    doc = run_benchmarks(
        opts, cases, argv=list(argv), log=log, on_row=write_json if args.json else None
    )
    from fastnorm.benchmarks.report import format_report

    print(format_report(doc), flush=True)
    if args.json:
        write_json(doc)
        log(f"wrote {args.json}")
    if args.plot:
        from fastnorm.benchmarks.plot import plot_report

        plot_report(doc, args.plot)
        log(f"wrote {args.plot}")
    failed = sum(r["status"] in ("error", "mismatch") for r in doc["results"])
    if doc.get("interrupted"):
        return 130
    return 1 if failed else 0


def _cmd_info(args: argparse.Namespace, argv: Sequence[str]) -> int:
    from fastnorm.benchmarks.machine import format_info, json_default, machine_info

    info = machine_info(probe_layer=True)
    if args.json:
        print(json.dumps(info, indent=1, default=json_default))
    else:
        print(format_info(info))
    return 0


def _cmd_warmup(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import fastnorm
    from fastnorm.benchmarks.machine import cache_dir
    from fastnorm.benchmarks.runner import warmup

    t_norms = 0.0
    if hasattr(fastnorm, "warmup") and (not args.group or "norms" in args.group):
        # the library's own warm-up: norm kernels over the common dtypes and layouts
        t_norms = fastnorm.warmup()
        print(f"norm kernels (dtypes x layouts): {t_norms:.1f} s", flush=True)
    res = warmup(args.group, log=print)
    print(
        f"warmed {res['cases']} benchmark cases in {t_norms + res['seconds']:.1f} s; "
        f"numba cache: {cache_dir()}",
        flush=True,
    )
    for k, v in res["errors"].items():
        _err(f"{k}: {v}")
    return 1 if res["errors"] else 0


def _add_plot_parser(sub: Any) -> None:
    """``plot``: the pictures of :mod:`fastnorm.plot`, written to a file."""
    p = sub.add_parser(
        "plot",
        help="draw unit balls, the L1/L2 geometry, a regularisation path or a benchmark file",
        description="Draw one of fastnorm.plot's figures into FILE (png, svg, pdf: by suffix).",
    )
    what = p.add_subparsers(dest="figure", metavar="{unit-balls,geometry,path,bench,subopt}")
    what.required = True

    def add(name: str, help: str) -> argparse.ArgumentParser:
        q = what.add_parser(name, help=help, description=help)
        q.add_argument("-o", "--output", metavar="FILE", required=True, help="image file")
        q.add_argument("--dpi", type=_positive_int, default=120)
        return q

    q = add("unit-balls", "unit circles ||x||_p = 1 (or spheres with --dim 3)")
    q.add_argument("--ord", type=_csv, default=["0.5", "1", "2", "inf"], help="p values")
    q.add_argument("--dim", type=int, choices=(2, 3), default=2)
    q = add("geometry", "loss contours meeting the penalty's region at the fitted optimum")
    q.add_argument("--penalty", type=_csv, default=["l1", "l2"], help="l1, l2, elasticnet")
    q.add_argument("--l1-ratio", type=float, default=0.5, help="elastic-net mix")
    q = add("path", "coefficient path (and CV error with --cv) on a data set")
    q.add_argument(
        "--data", metavar="diabetes|FILE.npz", default="diabetes",
        help="scikit-learn's bundled diabetes data (default) or an .npz with X and y",
    )  # fmt: skip
    q.add_argument("--l1-ratio", type=float, default=1.0, help="1 = Lasso, < 1 elastic net")
    q.add_argument("--cv", type=int, default=0, help="K-fold LassoCV/ElasticNetCV: mark alpha_")
    q = add("bench", "speed-ups and thread scaling from `fastnorm bench --json FILE`")
    q.add_argument("json_file")
    q.add_argument("--kind", choices=("speedup", "scaling", "bandwidth"), default=None)
    q = add("subopt", "suboptimality against time per solver from a suboptimality JSON")
    q.add_argument("json_file")
    p.set_defaults(func=_cmd_plot)


def _cmd_plot(args: argparse.Namespace, argv: Sequence[str]) -> int:
    import fastnorm.plot as fp

    try:
        if args.figure == "unit-balls":
            ords = [float(o) for o in args.ord]
            fig = fp.unit_balls(ords, dim=args.dim)
        elif args.figure == "geometry":
            fig = fp.regularisation_geometry(args.penalty, l1_ratio=args.l1_ratio)
        elif args.figure == "path":
            import numpy as np

            names = None
            if args.data == "diabetes":
                from sklearn.datasets import load_diabetes

                d = load_diabetes()
                X, y, names = d.data, d.target, list(d.feature_names)
            else:
                with np.load(args.data, allow_pickle=False) as f:
                    X, y = f["X"], f["y"]
            est = None
            if args.cv:
                from fastnorm.linear_model import ElasticNetCV, LassoCV

                est = (
                    LassoCV(cv=args.cv)
                    if args.l1_ratio == 1.0
                    else ElasticNetCV(l1_ratio=args.l1_ratio, cv=args.cv)
                ).fit(X, y)
            l1r = None if est is not None else args.l1_ratio
            fig = fp.path(X, y, estimator=est, l1_ratio=l1r, feature_names=names)
        elif args.figure == "bench":
            fig = fp.benchmark(args.json_file, kind=args.kind)
        else:
            fig = fp.suboptimality(args.json_file)
        fig.savefig(args.output, dpi=args.dpi)
    except (ImportError, ValueError, TypeError, OSError, KeyError) as exc:
        _err(str(exc))
        return 2
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m fastnorm`` and the ``fastnorm`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"] and "--subopt" in argv:  # `bench --subopt` is `subopt`
        argv = ["subopt", *(a for a in argv[1:] if a != "--subopt")]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    try:
        return int(args.func(args, argv))
    except KeyboardInterrupt:
        _err("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
