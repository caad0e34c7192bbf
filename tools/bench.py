"""Benchmark the course against its budgets; prints a table and writes bench/results/bench.json.

Measured (wall-clock seconds, this machine):

1. the environment step from scratch: a copy of the committed files in a temporary folder,
   an empty uv cache and no uv on PATH, so uv itself is fetched too (budget 30 s);
2. each notebook's execution, solution and student version, kernel start included
   (budget 15 s each);
3. the full test suite, as `make test` runs it once the environment exists (budget 90 s);
4. library hot spots: ``liverlab.scores.meld3`` on 1,000,000 patients in a DataFrame
   (budget 0.5 s), when the module exists.

    python -m tools.bench [--skip-env] [--skip-tests] [--notebooks 00 01]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BUDGETS = {"environment": 30.0, "notebook": 15.0, "test_suite": 90.0, "meld3_1e6": 0.5}


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def bench_environment() -> float:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            target = Path(tmp) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
        env = dict(os.environ, UV_CACHE_DIR=str(Path(tmp) / "uv-cache"))
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                      if not (Path(p) / "uv").exists())
        env.pop("VIRTUAL_ENV", None)
        seconds, _ = timed(subprocess.run, ["bash", "tools/setup_env.sh"], cwd=tmp, env=env,
                           check=True, capture_output=True)
    return seconds


def bench_notebook(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            resources={"metadata": {"path": str(path.parent)}})
    seconds, _ = timed(client.execute)
    return seconds


def bench_tests() -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadscope", "--nbval",
               "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
               "--doctest-modules", "liverlab", "tests", "solutions", "notebooks"]
    seconds, result = timed(subprocess.run, command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-2000:], file=sys.stderr)
    return seconds


def bench_meld3() -> float | None:
    try:
        from liverlab.scores import meld3
    except ImportError:
        return None
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    n = 1_000_000
    df = pd.DataFrame({
        "bilirubin": rng.lognormal(0.5, 0.8, n).clip(0.2, 50), "inr": rng.lognormal(0.3, 0.2, n),
        "creatinine": rng.lognormal(0.1, 0.4, n).clip(0.3, 12), "sodium": rng.normal(135, 4, n),
        "albumin": rng.normal(3.0, 0.5, n).clip(1.0, 5.0), "female": rng.random(n) < 0.4,
    })
    runs = [timed(meld3, df.bilirubin, df.inr, df.creatinine, df.sodium, df.albumin,
                  female=df.female)[0] for _ in range(3)]
    return sorted(runs)[1]


def bench_widgets(repeats: int = 21) -> list[tuple[str, float | None, float]]:
    """Median seconds of one RTM-explorer update and one claim-calculator call (budget 0.1 s each).

    The explorer is timed two ways: as its pure functions run (data + a new figure, then
    ``plt.close``) and as the widget redraws (data + blitted PNG). Rows as in ``main``.
    """
    budget = 0.1
    names = ("RTM explorer update: data + figure (median of 21)",
             "RTM explorer widget redraw: data + PNG (median of 21)",
             "claim calculator call (median of 21)")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from liverlab import style
        from liverlab.widgets import (RtmExplorerPlot, claim_calculator, rtm_explorer_data,
                                      rtm_explorer_figure)
    except ImportError:
        return [(name, None, budget) for name in names]
    style.use()
    settings = [(0.3 + 0.05 * (i % 12), 2.4 + 0.1 * (i % 9), 1 + i % 4) for i in range(repeats)]

    def explorer_update(r, cutoff, m):
        plt.close(rtm_explorer_figure(rtm_explorer_data(r, cutoff, m, seed=2024)))

    plot = RtmExplorerPlot()
    calls = [explorer_update, lambda r, c, m: plot.png(rtm_explorer_data(r, c, m, seed=2024)),
             lambda r, c, m: claim_calculator(0.4, 0.6, r, c, 2.9, direction="below",
                                              n_baseline=m)]
    rows = []
    for name, call in zip(names, calls):
        call(*settings[0])                       # warm-up: imports, cached draws
        runs = sorted(timed(call, *args)[0] for args in settings)
        rows.append((name, runs[len(runs) // 2], budget))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-env", action="store_true")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--notebooks", nargs="*", default=None)
    args = parser.parse_args(argv)
    rows: list[tuple[str, float | None, float]] = []
    if not args.skip_env:
        rows.append(("environment step from scratch (cold cache)", bench_environment(),
                     BUDGETS["environment"]))
    for folder in ("solutions", "notebooks"):
        for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
            if args.notebooks is None or path.name[:2] in args.notebooks:
                rows.append((f"{folder}/{path.name}", bench_notebook(path), BUDGETS["notebook"]))
    if not args.skip_tests:
        rows.append(("full test suite (make test, env ready)", bench_tests(), BUDGETS["test_suite"]))
    rows.append(("meld3, 1,000,000 patients (median of 3)", bench_meld3(), BUDGETS["meld3_1e6"]))
    rows.extend(bench_widgets())
    from tools.grade import bench_grading  # issue 13: 40 submissions of one notebook, 2 cores, budget 3 min

    rows.append(("grading 40 submissions of notebook 00 (2 jobs)", bench_grading(40, "00", jobs=2), 180.0))

    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'seconds':>8}  {'budget':>7}  verdict")
    for name, seconds, budget in rows:
        shown = "n/a" if seconds is None else f"{seconds:.2f}"
        verdict = "-" if seconds is None else ("ok" if seconds <= budget else "OVER BUDGET")
        print(f"{name:<{width}}  {shown:>8}  {budget:>7.1f}  {verdict}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()},
              "results": [{"what": n, "seconds": s, "budget_seconds": b} for n, s, b in rows]}
    (RESULTS / "bench.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {(RESULTS / 'bench.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
