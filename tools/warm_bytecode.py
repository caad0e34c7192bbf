"""Write the compiled bytecode (``.pyc``) of everything a notebook kernel and the tests import.

``python -m tools.warm_bytecode``, run by ``tools/setup_env.sh`` after the packages are installed.

Why: neither uv nor ``pip install`` with ``PYTHONDONTWRITEBYTECODE`` set (as on these machines
and in many containers) leaves ``.pyc`` files, and a process that finds none compiles every
module it imports from source, every time: about 12 s for a kernel that imports the course's
stack, against about 4 s with bytecode (issue 14). Compiling the whole environment
(``compileall``, or ``uv pip sync --compile-bytecode``) costs about 27 s of CPU here, because
it compiles thousands of modules nothing imports (test suites of numpy, pandas and scipy,
pygments' lexers, ...). So this script compiles what is *used*, by using it, with bytecode
writing switched on, in two processes at once:

1. a real kernel (nbclient, as nbval and ``make book`` start them) runs :data:`FLOOR_CELL`: the
   imports of the notebooks plus a table and a figure (pandas' HTML formatter, the inline
   backend, PNG output); the kernel's own start-up (ipykernel, IPython, zmq, the debugger) is
   compiled with it. This is also the "per-notebook floor" that ``make bench`` times;
2. this process imports the tools: pytest and its plugins, nbclient, nbconvert (the site),
   JupyterLab's server, Playwright. A module that is not installed is skipped (a runtime-only
   environment has no test tools).

Python reads a ``.pyc`` whatever ``PYTHONDONTWRITEBYTECODE`` says; it is only about writing.
A module imported later that is not covered here still works; it is compiled in memory.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time

# The stack a notebook of the course imports, plus what displaying a table and a figure loads.
FLOOR_CELL = """\
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import scipy.optimize
import scipy.stats
import seaborn
import lifelines
import ipywidgets
import liverlab
from liverlab import checks, cohorts, data, rtm, scores, studies, style, units, widgets
display(pd.DataFrame({"x": np.arange(3.0)}))
plt.plot([0, 1], [0, 1])
plt.show()
"""

# Imported by the test processes, the site build and `make lab` (not by kernels).
TOOL_MODULES = (
    "pytest", "_pytest.pytester", "xdist", "xdist.looponfail", "nbval.plugin", "hypothesis",
    "hypothesis.extra.numpy", "hypothesis.extra.pandas", "nbclient", "nbformat",
    "nbformat.validator", "jupyter_client.manager", "nbconvert", "nbconvert.exporters.html",
    "nbconvert.preprocessors", "bs4", "latex2mathml.converter", "playwright.sync_api",
    "jupyterlab.labapp", "jupyter_server.serverapp", "jupyter_server.services.kernels.handlers",
    "jupyter_server.services.contents.handlers", "jupyter_server_terminals", "jupyter_lsp",
    "jupyterlab_server", "notebook_shim", "tools.authoring", "tools.book", "tools.variants",
)


def writing_env() -> dict[str, str]:
    """This environment with bytecode writing on and no separate cache folder."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def floor_notebook():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    return nb


def run_floor(env: dict[str, str] | None = None) -> float:
    """Execute the one-cell floor notebook in a fresh kernel; return the seconds it took."""
    from nbclient import NotebookClient

    nb = floor_notebook()
    start = time.perf_counter()
    NotebookClient(nb, kernel_name="python3", timeout=600,
                   extra_arguments=["--IPKernelApp.log_level=ERROR"]).execute(
                       env=dict(os.environ) if env is None else env)
    return time.perf_counter() - start


def import_tools() -> list[str]:
    skipped = []
    for name in TOOL_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - not installed here (runtime-only set): nothing to do
            skipped.append(name)
    return skipped


def main() -> int:
    start = time.perf_counter()
    sys.dont_write_bytecode = False
    sys.pycache_prefix = None
    env = writing_env()
    kernel = subprocess.Popen([sys.executable, "-c", "from tools.warm_bytecode import run_floor, "
                               "writing_env; run_floor(writing_env())"], env=env)
    skipped = import_tools()
    if kernel.wait() != 0:  # only slower kernels follow: not a reason to fail the set-up
        print("warning: the kernel's bytecode could not be written (see above); notebooks will "
              "start slower until `make env` runs again", file=sys.stderr)
    note = f" (not installed: {', '.join(skipped)})" if skipped else ""
    print(f"Bytecode written for the kernel stack and the tools in "
          f"{time.perf_counter() - start:.1f} s{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
