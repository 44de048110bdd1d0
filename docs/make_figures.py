"""Regenerate the README's figures: ``python docs/make_figures.py [--out DIR]``.

Writes ``unit-balls.png``, ``unit-spheres.png``, ``l1-l2-geometry.png`` and
``diabetes-lasso-path.png`` into ``docs/`` (or DIR).  Everything is computed by fastnorm
(norms, Lasso/Ridge fits, lasso_path, LassoCV) on data that ships with the code: the
two-feature problem of :func:`fastnorm.plot.geometry_problem` and scikit-learn's bundled
diabetes data (no download).  A test runs this script into a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np


def make_figures(out: str, dpi: int = 110) -> list[str]:
    """Draw the figures into ``out``; return the files written."""
    from sklearn.datasets import load_diabetes

    import fastnorm.plot as fp
    from fastnorm.linear_model import LassoCV

    os.makedirs(out, exist_ok=True)
    written = []

    def save(fig, name: str) -> None:
        path = os.path.join(out, name)
        # no date or software stamp: the same data gives the same bytes
        fig.savefig(path, dpi=dpi, metadata={"Software": None})
        written.append(path)

    save(fp.unit_balls((0.5, 1, 2, np.inf)), "unit-balls.png")
    save(fp.unit_balls((0.5, 1, 2, np.inf), dim=3), "unit-spheres.png")
    save(fp.regularisation_geometry(("l1", "l2")), "l1-l2-geometry.png")

    d = load_diabetes(as_frame=True)
    # KFold without shuffling: the folds, hence alpha_, are the same on every run
    est = LassoCV(cv=5).fit(d.data, d.target)
    save(fp.path(d.data, d.target, estimator=est), "diabetes-lasso-path.png")
    return written


def main(argv: list[str] | None = None) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=here, help="output directory (default: docs/)")
    p.add_argument("--dpi", type=int, default=110)
    args = p.parse_args(argv)
    for path in make_figures(args.out, args.dpi):
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
