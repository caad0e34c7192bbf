"""Runs inside the grading sandbox: execute one instrumented notebook, cell by cell, in a fresh kernel.

``python worker.py STATUS CWD CELL_TIMEOUT TOTAL_TIMEOUT < graded.ipynb``

Stand-alone on purpose (only nbformat and nbclient): the sandbox shows it this one file. The
notebook comes on standard input, so it is nowhere on the sandbox's disk; what happened is appended
to STATUS as one JSON object per line (the grader reads the last complete line after the sandbox has
gone, and trusts none of it beyond the submission's own row).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import sys
import time

GRADE_KEY = "liverlab_grade"
PROBE_TIMEOUT = 15  # seconds a kernel has to answer again after an interrupt

# The kernel starts through this: a seccomp filter (inherited by everything the notebook starts) makes
# setsid() fail, so the notebook's processes stay in the kernel's session, which the scheduler's
# autogroups give one fair share of the CPU (a notebook cannot multiply its share with new sessions).
KERNEL_WRAPPER = """\
import ctypes, platform, struct, sys
arch, setsid = {"x86_64": (0xC000003E, 112), "aarch64": (0xC00000B7, 157)}.get(platform.machine(), (None, None))
if arch is not None:
    def op(code, k, jt=0, jf=0):
        return struct.pack("HBBI", code, jt, jf, k)
    deny, allow = 0x00050000 | 1, 0x7FFF0000            # SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_ALLOW
    prog = b"".join([op(0x20, 4), op(0x15, arch, 1, 0), op(0x06, deny),        # another ABI (i386): deny
                     op(0x20, 0), op(0x35, 0x40000000, 2, 0),                  # x32 calls: deny
                     op(0x15, setsid, 1, 0), op(0x06, allow), op(0x06, deny)])
    buf = ctypes.create_string_buffer(prog)
    fprog = struct.pack("HxxxxxxQ", len(prog) // 8, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(38, 1, 0, 0, 0)                              # PR_SET_NO_NEW_PRIVS
    if libc.prctl(22, 2, ctypes.c_char_p(fprog), 0, 0):     # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "seccomp filter refused")
sys.argv = ["ipykernel_launcher", *sys.argv[1:]]
import runpy
runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
"""


def install_kernelspec(home: str) -> None:
    """A ``python3`` kernel spec that starts the kernel through ``KERNEL_WRAPPER`` (found first via JUPYTER_PATH)."""
    import os

    folder = os.path.join(home, ".grading-kernels", "kernels", "python3")
    os.makedirs(folder, exist_ok=True)
    spec = {"argv": [sys.executable, "-c", KERNEL_WRAPPER, "-f", "{connection_file}"],
            "display_name": "Python 3 (grading)", "language": "python"}
    with open(os.path.join(folder, "kernel.json"), "w", encoding="utf-8") as fh:
        json.dump(spec, fh)
    os.environ["JUPYTER_PATH"] = os.path.join(home, ".grading-kernels")


def run_worker(notebook_text: str, cwd: str, status_path: str, cell_timeout: int, total_timeout: int) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    nb = nbformat.reads(notebook_text, as_version=4)
    del notebook_text
    status = {"timeouts": [], "errors": [], "crashed": None, "capped": None}
    log = open(status_path, "a", encoding="utf-8")

    def save():  # one complete line per save: a worker killed mid-write leaves the previous line
        status["cell"] = student_cell
        log.write(json.dumps(status) + "\n")
        log.flush()

    client = NotebookClient(
        nb, kernel_name="python3", timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        error_on_timeout={"ename": "GradingTimeout", "evalue": f"this cell ran longer than {cell_timeout} s "
                          "and was interrupted", "traceback": []},
        record_timing=False, store_widget_state=False, iopub_timeout=4, shutdown_kernel="immediate",
        resources={"metadata": {"path": cwd}})
    replies: dict[int, str] = {}  # cell index -> error name of its execute reply (a timeout is only there)
    client.on_cell_error = lambda cell, cell_index, execute_reply: replies.__setitem__(
        cell_index, str(execute_reply["content"].get("ename", "Error"))[:100])
    deadline = time.monotonic() + total_timeout
    student_cell = 0
    try:
        with client.setup_kernel():
            save()
            preload = nb.metadata.get(GRADE_KEY, {}).get("preload")
            if preload:  # warm the imports with the whole budget, so a slow import is not a "slow cell"
                run_extra(client, preload, int(max(1, deadline - time.monotonic())))
            for index, cell in enumerate(list(nb.cells)):
                meta = cell.metadata.get(GRADE_KEY, {})
                student_cell = meta.get("cell", student_cell)
                remaining = deadline - time.monotonic()
                if remaining < 1:
                    status["capped"] = student_cell
                    break
                client.timeout = int(max(1, min(cell_timeout, remaining)))
                client.execute_cell(cell, index)
                if cell.cell_type != "code" or "record" in meta:
                    continue
                error = replies.get(index)
                if error in ("GradingTimeout", "KeyboardInterrupt"):
                    status["timeouts"].append(student_cell)
                    if not responsive(client, min(PROBE_TIMEOUT, cell_timeout)):
                        status["stuck"] = student_cell  # the cell ignored the interrupt (e.g. SIGINT masked)
                        save()
                        break
                elif error is not None:
                    status["errors"].append([student_cell, error])
                save()
    except DeadKernelError:
        status["crashed"] = student_cell
    except Exception as exc:  # anything else nbclient raises: keep what was recorded
        status["crashed"] = student_cell
        status["failure"] = f"{type(exc).__name__}: {exc}"[:300]
    status["finished"] = True
    save()
    return 0


def run_extra(client, source: str, timeout: int) -> None:
    """Run code that is not one of the notebook's cells (nbclient stores a cell by index: add one, then drop it)."""
    import nbformat

    cells = client.nb.cells
    cells.append(nbformat.v4.new_code_cell(source))
    try:
        client.timeout = timeout
        client.execute_cell(cells[-1], len(cells) - 1, store_history=False)
    finally:
        cells.pop()


def responsive(client, timeout: int) -> bool:
    """After an interrupt: does the kernel run a trivial cell within ``timeout`` seconds?"""
    start = time.monotonic()
    run_extra(client, "pass", timeout)
    return time.monotonic() - start < timeout - 0.5


def main(argv: list[str]) -> int:
    status, cwd, cell_timeout, total_timeout = argv
    with contextlib.suppress(Exception):  # the kernel's code may not read this process's memory
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE 0
    text = sys.stdin.read()
    sys.stdin.close()
    if os.environ.get("LIVERLAB_GRADE_SECCOMP") == "1":
        install_kernelspec(os.environ["HOME"])
    return run_worker(text, cwd, status, int(cell_timeout), int(total_timeout))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
