"""``--plot``: GB/s against size for fastnorm and its baselines, one panel per case."""

from __future__ import annotations

import math
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
    """Draw GB/s (bytes the call must move / median time) against bytes, per case and dtype;
    the dashed line is the streaming reference kernel measured beside each point."""
    matplotlib = require_matplotlib()
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from fastnorm.benchmarks.machine import short_header

    rows = [r for r in doc["results"] if r["status"] == "ok"]
    threads = max((r["threads"] for r in rows), default=None)
    rows = [r for r in rows if r["threads"] == threads]
    panels: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        panels.setdefault(f"{r['case']} ({r['dtype']})", []).append(r)
    n = max(1, len(panels))
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.6 * nrows), squeeze=False)
    for ax, (title, rs) in zip(axes.flat, panels.items(), strict=False):
        rs = sorted(rs, key=lambda r: r["nbytes"])
        x = [r["nbytes"] for r in rs]
        names = ["fastnorm", *[k for k in rs[0]["impls"] if k != "fastnorm"]]
        for name in names:
            pts = [
                (r["nbytes"], r["impls"][name]["gbps"])
                for r in rs
                if r["impls"].get(name, {}).get("gbps") is not None
            ]
            if pts:
                ax.plot(
                    *zip(*pts, strict=True),
                    marker="o",
                    label=name,
                    lw=2 if name == "fastnorm" else 1,
                )
        bw = [r["bw_gbps"] for r in rs]
        ax.plot(x, bw, ls="--", color="gray", label=f"stream {rs[0]['bw_kind']}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("bytes moved")
        ax.set_ylabel("GB/s")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    if not panels:
        axes.flat[0].text(0.5, 0.5, "no successful rows", ha="center")
    fig.suptitle(short_header(doc["machine"], threads), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
