"""Count what adding an ord fast path or an op touches in the norm/distance kernels.

``python bench/kernel_counts.py TREE`` parses ``TREE/fastnorm/_kernels`` (the norm and
distance families) and prints: the op-code definitions, the functions that dispatch on
``op`` (two or more ``op == OP_*`` comparisons), the functions with a fast-path branch for a
special ``p`` (``p == 3.0`` and the like, or the ``OP_*`` codes ``pow_op`` maps them to) and
the number of ``p == 3.0`` in ``TREE/fastnorm``.  Static counts, for bench/README.md.
"""

from __future__ import annotations

import ast
import glob
import os
import re
import sys

FAMILY = ("ops.py", "reduce.py", "distance.py", "dist.py", "normalize.py", "cdist.py")
FAST_P = (3.0, 4.0, 0.5)
FAST_OPS = ("OP_CUBE", "OP_QUAD", "OP_SQRT", "OP_RECIP")


def main(root: str) -> None:
    files = [f for f in sorted(glob.glob(f"{root}/fastnorm/_kernels/*.py"))]
    files = [f for f in files if os.path.basename(f) in FAMILY]
    disp, fast, opdefs = [], [], 0
    for f in files:
        src = open(f).read()
        opdefs += len(re.findall(r"^OP_\w+ = ", src, re.M))
        for fn in [n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef)]:
            n_op = n_p = 0
            for c in ast.walk(fn):
                if not (isinstance(c, ast.Compare) and isinstance(c.left, ast.Name)):
                    continue
                rhs = c.comparators[0]
                if c.left.id == "op" and isinstance(rhs, ast.Name) and rhs.id.startswith("OP_"):
                    n_op += 1
                    n_p += rhs.id in FAST_OPS
                if c.left.id == "p" and isinstance(rhs, ast.Constant) and rhs.value in FAST_P:
                    n_p += 1
            name = f"{os.path.basename(f)}:{fn.name}"
            if n_op >= 2:
                disp.append(name)
            if n_p:
                fast.append(f"{name} ({n_p})")
    p3 = 0
    for f in glob.glob(f"{root}/fastnorm/**/*.py", recursive=True):
        p3 += len(re.findall(r"p == 3\.0", open(f).read()))
    print("op-code definitions:", opdefs)
    print(f"functions dispatching on op: {len(disp)}: {', '.join(disp)}")
    print(f"functions with a p fast-path branch: {len(fast)}: {', '.join(fast)}")
    print("`p == 3.0` in fastnorm/:", p3)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
