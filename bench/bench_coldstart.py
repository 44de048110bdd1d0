"""asv cold-start benchmarks: a fresh process's ``import fastnorm`` plus its first call.

``warm``: numba's on-disk cache already holds the kernels (the usual case after the first run
or ``python -m fastnorm warmup``).  ``cold``: an empty cache directory, so the first call pays
for compiling the kernels it needs (serial and parallel builds).
"""

import os
import shutil
import subprocess
import sys
import tempfile

import fastnorm

# the timed child imports the same fastnorm as this process, installed or not
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fastnorm.__file__)))

_CALLS = {
    # 2**17 elements: above the parallel threshold, so the parallel build is loaded too
    "norm": "fastnorm.norm(x)",
    "norm_ord1": "fastnorm.norm(x, 1)",
}


class ColdStart:
    params = [["warm", "cold"], list(_CALLS)]
    param_names = ["cache", "call"]
    number = 1
    repeat = 3
    timeout = 600

    def setup(self, cache, call):
        self.tmp = tempfile.mkdtemp(prefix="fastnorm-asv-cold-")
        if cache == "warm":  # make sure the default cache holds the kernels
            code = self._setup("warm", None) + "\n" + self._stmt(call)
            subprocess.run([sys.executable, "-c", code], check=True, timeout=600)

    def teardown(self, cache, call):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _setup(self, cache, tmp):
        lines = ["import os, sys, tempfile", f"sys.path.insert(0, {_ROOT!r})"]
        if cache == "cold":
            lines.append(f"os.environ['NUMBA_CACHE_DIR'] = tempfile.mkdtemp(dir={tmp!r})")
        lines += ["import numpy as np", "x = np.ones(1 << 17)"]
        return "\n".join(lines)

    def _stmt(self, call):
        return f"import fastnorm\n{_CALLS[call]}"

    def timeraw_import_and_first_call(self, cache, call):
        return self._stmt(call), self._setup(cache, self.tmp)


def timeraw_import_numba():
    """The floor under any numba library's start-up."""
    return "import numba"


def timeraw_import_fastnorm():
    """``import fastnorm`` alone (kernels compile lazily, so this should stay cheap)."""
    return "import fastnorm", f"import sys; sys.path.insert(0, {_ROOT!r})"
