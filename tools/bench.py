"""Benchmark the course against its budgets (issue 14); prints a table, writes bench/results/bench.json.

Measured, in wall-clock seconds on this machine (a shared 2-core machine gives noisy numbers:
run it when the machine is otherwise idle, and read each number with that in mind):

1. the environment step of a fresh clone (a copy of the committed files in a temporary folder,
   no uv on PATH, so uv itself is fetched too), twice: with an empty uv cache (everything
   downloaded: bound by the network) and with the uv cache of this machine (budget 30 s);
2. the per-notebook floor: a one-cell notebook that imports the course's stack
   (``tools.warm_bytecode.FLOOR_CELL``) in a fresh kernel, median of 3;
3. JupyterLab: from ``jupyter lab`` starting to its first kernel having imported the stack
   (budget 5 s);
4. each notebook's execution, solution and student version, kernel start included;
5. the full test suite as ``make test`` runs it once the environment exists (budget 90 s), with
   the number of kernels it starts (counted by an IPython start-up file) and the ratio
   suite / (kernels x floor / cores): 1 means the suite costs no more than starting its kernels
   on every core (budget 1.5); the slowest tests are listed;
6. library hot spots: ``liverlab.scores.meld3`` on 1,000,000 patients, the widgets' callbacks;
7. grading (``bench_sandboxed_grading``): ``make grade`` of 40 answered submissions of notebook 02, each in
   its own sandbox, with 2 jobs, beside the floor 40 x (one plain run of notebook 02) / 2; budget: grading
   at most 1.3 x the floor (skipped with --skip-tests).

    python -m tools.bench [--skip-env] [--skip-tests] [--skip-notebooks] [--notebooks 00 01]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BUDGETS = {"environment": 30.0, "notebook": 15.0, "test_suite": 90.0, "meld3_1e6": 0.5,
           "lab_kernel": 5.0, "ratio": 1.5, "grading_ratio": 1.3}
TEST_COMMAND = ["-m", "pytest", "-n", "2", "--dist", "loadscope", "-rs", "--nbval",
                "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
                "--doctest-modules", "liverlab", "tests", "solutions", "notebooks"]


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def bench_environment(cold_cache: bool) -> float:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            target = Path(tmp) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
        env = dict(os.environ)
        if cold_cache:
            env["UV_CACHE_DIR"] = str(Path(tmp) / "uv-cache")
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                      if not (Path(p) / "uv").exists())
        env.pop("VIRTUAL_ENV", None)
        seconds, _ = timed(subprocess.run, ["bash", "tools/setup_env.sh"], cwd=tmp, env=env,
                           check=True, capture_output=True)
    return seconds


def bench_floor(repeats: int = 3) -> float:
    from tools.warm_bytecode import run_floor

    return sorted(run_floor() for _ in range(repeats))[repeats // 2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_lab() -> float | None:
    """Seconds from `jupyter lab` starting to its first kernel having imported the stack."""
    from jupyter_client import BlockingKernelClient

    from tools.warm_bytecode import FLOOR_CELL

    with tempfile.TemporaryDirectory() as tmp:
        runtime, token, port = Path(tmp) / "runtime", "bench" + os.urandom(8).hex(), free_port()
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime),
                   JUPYTER_CONFIG_DIR=str(Path(tmp) / "config"))
        start = time.perf_counter()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
             "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT / 'notebooks'}",
             "--allow-root"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}/api"
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/status?token={token}", timeout=2):
                        break
                except OSError:
                    if server.poll() is not None or time.perf_counter() - start > 120:
                        return None
                    time.sleep(0.05)
            request = urllib.request.Request(f"{base}/kernels?token={token}", data=b"{}",
                                             method="POST")
            with urllib.request.urlopen(request, timeout=60) as response:
                kernel_id = json.loads(response.read())["id"]
            client = BlockingKernelClient(connection_file=str(runtime / f"kernel-{kernel_id}.json"))
            client.load_connection_file()
            client.start_channels()
            while True:  # no heartbeat yet reads as "died": the kernel may still be starting
                try:
                    client.wait_for_ready(timeout=60)
                    break
                except RuntimeError:
                    if time.perf_counter() - start > 120:
                        return None
                    time.sleep(0.05)
            client.execute_interactive(FLOOR_CELL.split("display(")[0], timeout=120)
            seconds = time.perf_counter() - start
            client.stop_channels()
            return seconds
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def bench_notebook(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="python3", timeout=600,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(path.parent)}})
    seconds, _ = timed(client.execute)
    return seconds


def bench_tests() -> dict:
    """The suite as `make test` runs it; kernels counted by an IPython start-up file."""
    with tempfile.TemporaryDirectory() as tmp:
        count = Path(tmp) / "kernels.txt"
        startup = Path(tmp) / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-count.py").write_text(
            f"with open({str(count)!r}, 'a') as _f:\n    _f.write('kernel\\n')\ndel _f\n")
        env = dict(os.environ, IPYTHONDIR=str(Path(tmp) / "ipython"))
        seconds, result = timed(subprocess.run, [sys.executable, *TEST_COMMAND,
                                                 "--durations=0"],
                                cwd=ROOT, capture_output=True, text=True, env=env)
        kernels = len(count.read_text().splitlines()) if count.exists() else 0
    out = result.stdout
    if result.returncode != 0:
        print(out[-3000:], file=sys.stderr)
    summary = re.findall(r"^=+ (.*(?:passed|failed).*) =+$", out, re.M)
    durations = [line.strip() for line in out.split("slowest durations", 1)[-1].splitlines()
                 if re.match(r"\s*\d+\.\d+s ", line)]
    by_module: dict[str, float] = {}
    for line in durations:  # "12.34s call     tests/test_x.py::test_y[...]"
        value, _, nodeid = line.split(None, 2)
        module = nodeid.split("::", 1)[0]
        by_module[module] = by_module.get(module, 0.0) + float(value.rstrip("s"))
    return {"seconds": seconds, "kernels": kernels, "returncode": result.returncode,
            "summary": summary[-1] if summary else "", "slowest": durations[:15],
            "worker_seconds_by_module": dict(sorted(by_module.items(), key=lambda kv: -kv[1]))}


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
        "bilirubin": rng.lognormal(0.5, 0.8, n).clip(0.2, 30), "inr": rng.lognormal(0.3, 0.2, n),
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


def bench_sandboxed_grading(n: int = 40, notebook: str = "02", jobs: int = 2) -> list[tuple]:
    """Rows: one plain run of ``notebook`` (the floor's unit), the floor n x run / jobs, sandboxed grading
    of ``n`` answered submissions with ``jobs``, and their ratio (budget 1.3)."""
    from assessment.grade import bench_grading

    result = bench_grading(n, notebook, jobs=jobs)
    floor = n * result["floor"] / jobs
    return [(f"one plain run of notebook {notebook} (fresh kernel, no sandbox, median of 3)", result["floor"], None),
            (f"floor: {n} x that run / {jobs} jobs", floor, None),
            (f"make grade: {n} answered submissions of notebook {notebook}, sandboxed, --jobs {jobs}",
             result["seconds"], 1.3 * floor),
            ("grading / floor (a ratio, not seconds)", result["ratio"], BUDGETS["grading_ratio"])]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-env", action="store_true")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--skip-notebooks", action="store_true")
    parser.add_argument("--notebooks", nargs="*", default=None)
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    rows: list[tuple[str, float | None, float | None]] = []
    extra: dict = {}
    if not args.skip_env:
        rows.append(("environment, fresh clone, empty uv cache (network-bound)",
                     bench_environment(cold_cache=True), BUDGETS["environment"]))
        rows.append(("environment, fresh clone, this machine's uv cache",
                     bench_environment(cold_cache=False), BUDGETS["environment"]))
    floor = bench_floor()
    rows.append(("per-notebook floor: kernel + imports of the stack (median of 3)", floor, None))
    rows.append(("JupyterLab start to first kernel with the stack imported", bench_lab(),
                 BUDGETS["lab_kernel"]))
    if not args.skip_notebooks:
        for folder in ("solutions", "notebooks"):
            for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
                if args.notebooks is None or path.name[:2] in args.notebooks:
                    rows.append((f"{folder}/{path.name}", bench_notebook(path),
                                 BUDGETS["notebook"]))
    if not args.skip_tests:
        suite = bench_tests()
        extra["test_suite"] = suite
        rows.append((f"full test suite (make test, env ready): {suite['summary']}",
                     suite["seconds"], BUDGETS["test_suite"]))
        rows.append((f"kernels started by the suite (count, not seconds)", suite["kernels"], None))
        ideal = suite["kernels"] * floor / cores
        rows.append((f"suite / (kernels x floor / {cores} cores)",
                     suite["seconds"] / ideal if ideal else None, BUDGETS["ratio"]))
    rows.append(("meld3, 1,000,000 patients (median of 3)", bench_meld3(), BUDGETS["meld3_1e6"]))
    rows.extend(bench_widgets())
    if not args.skip_tests:
        rows.extend(bench_sandboxed_grading())

    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'seconds':>8}  {'budget':>7}  verdict")
    for name, seconds, budget in rows:
        shown = "n/a" if seconds is None else f"{seconds:.2f}"
        if seconds is None or budget is None:
            verdict, shown_budget = "-", "-"
        else:
            verdict = "ok" if seconds <= budget else "OVER BUDGET"
            shown_budget = f"{budget:.1f}"
        print(f"{name:<{width}}  {shown:>8}  {shown_budget:>7}  {verdict}")
    if "test_suite" in extra:
        print("slowest tests:\n  " + "\n  ".join(extra["test_suite"]["slowest"]))
        where = list(extra["test_suite"]["worker_seconds_by_module"].items())[:15]
        print("worker-seconds by module (both workers together):\n  "
              + "\n  ".join(f"{seconds:7.1f}  {module}" for module, seconds in where))
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"machine": {"python": platform.python_version(), "cpus": cores,
                          "platform": platform.platform(),
                          "load_average_at_end": os.getloadavg()},
              "results": [{"what": n, "seconds": s, "budget_seconds": b} for n, s, b in rows],
              **extra}
    (RESULTS / "bench.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {(RESULTS / 'bench.json').relative_to(ROOT)} "
          f"(load average {os.getloadavg()[0]:.1f} on {cores} cores: read the numbers with it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
