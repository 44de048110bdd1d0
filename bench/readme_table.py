"""Turn a ``python -m fastnorm bench --json RUN.json`` run into the README performance table.

Usage::

    python -m fastnorm bench --full --json run.json
    python bench/readme_table.py run.json                   # print the markdown
    python bench/readme_table.py run.json --readme README.md  # rewrite the README section

The README section lies between ``<!-- bench-table:start -->`` and
``<!-- bench-table:end -->``; everything between the markers is replaced.  The table is never
typed by hand: rerun this script on a new run instead.
"""

import argparse
import os
import sys

try:
    import fastnorm  # noqa: F401
except ImportError:  # pragma: no cover - run from a clean clone without installing
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fastnorm.benchmarks.report import load_report, markdown_table, rewrite_readme


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("json", help="a file written by python -m fastnorm bench --json")
    p.add_argument("--readme", help="rewrite the bench-table section of this file")
    p.add_argument("--threads", type=int, default=None, help="which thread count's rows")
    args = p.parse_args(argv)
    try:
        doc = load_report(args.json)
    except (OSError, ValueError) as exc:
        print(f"readme_table: {exc}", file=sys.stderr)
        return 2
    table = markdown_table(doc, threads=args.threads)
    if args.readme:
        try:
            changed = rewrite_readme(args.readme, table)
        except (OSError, ValueError) as exc:
            print(f"readme_table: {exc}", file=sys.stderr)
            return 2
        print(f"{args.readme}: {'updated' if changed else 'unchanged'}")
    else:
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
