"""``--plot``: GB/s against size, one panel per case; the drawing lives in :mod:`fastnorm.plot`
(one plotting module), this keeps the bench command's entry points."""

from __future__ import annotations

from typing import Any

__all__ = ["plot_report", "require_matplotlib"]


def require_matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "--plot needs matplotlib: pip install fastnorm[plot] (or pip install matplotlib)"
        ) from exc
    return matplotlib


def plot_report(doc: dict[str, Any], path: str) -> None:
    """Draw GB/s (bytes the call must move / median time) against bytes, per case and dtype
    (:func:`fastnorm.plot.benchmark` with ``kind="bandwidth"``), titled with the machine."""
    require_matplotlib()
    from fastnorm.benchmarks.machine import short_header
    from fastnorm.plot import benchmark

    fig = benchmark(doc, kind="bandwidth")
    threads = max((r["threads"] for r in doc["results"] if r["status"] == "ok"), default=None)
    fig.suptitle(short_header(doc["machine"], threads), fontsize=8)
    fig.savefig(path, dpi=110)
