"""The grader's only way to run student code: one bubblewrap (``bwrap``) sandbox per submission.

What a sandbox sees and may do (see ``run``):

- no network (its own network namespace: only its own loopback), its own PID namespace, IPC and
  host name, a new terminal session;
- a read-only view of only the paths it is given (the Python environment, the ``liverlab``
  library, the data), a private size-capped tmpfs for ``/tmp``, ``HOME`` and the working folder,
  and the few result files it is given, one by one (it cannot create files outside its tmpfs);
- caps applied inside before the command runs: memory (``RLIMIT_AS``, per process), processes
  (``RLIMIT_NPROC``: in a user namespace, or under a uid of its own when the grader runs as root),
  file size (``RLIMIT_FSIZE``: bounds what it can write to a result file);
- no new session for the notebook's processes (``assessment.worker`` starts the kernel under a seccomp
  filter that refuses ``setsid``), so the scheduler's autogroups give a notebook one CPU share;
- a wall-clock cap: when it runs over, the whole sandbox is killed (the bwrap process group; the
  sandbox's init then dies and the kernel kills every process of its PID namespace), so no process
  outlives its submission. Nothing is read from a pipe the sandbox could hold open: its output goes
  to files, read after it has gone.

Everything a sandbox wrote is untrusted: read it with ``read_untrusted`` (size cap) and check it.
Where no sandbox can be made (not Linux, no bwrap, user namespaces disabled), ``problem()`` says
why and how to get one.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

GIB = 1024 ** 3
MIB = 1024 ** 2
HOME = "/home/student"
WORK = "/home/student/work"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc/alternatives", "/etc/fonts",
               "/etc/ssl", "/etc/localtime")
UID_BASE = 61000      # grading as root: each running sandbox gets a uid of its own from here (no user has it)
UID_COUNT = 2000
_uids = itertools.count()
_uid_lock = threading.Lock()

HOW_TO_GET_ONE = (
    "Grading for marks needs a sandbox (bubblewrap, Linux). Install it (Debian/Ubuntu: `sudo apt-get install "
    "bubblewrap`; Fedora: `sudo dnf install bubblewrap`) and allow user namespaces (Ubuntu 24.04: "
    "`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`, or grade as root in a throwaway VM or CI job). "
    "On macOS or Windows, grade in a Linux VM or container that allows it (e.g. `docker run --privileged ...`). "
    "`--no-sandbox` grades without one for practice only: every row is marked as such.")


@dataclass
class Limits:
    memory: int = 2 * GIB          # bytes of address space per process
    processes: int = 64            # tasks (processes and threads); grading notebook 02 uses 18
    file_size: int = 64 * MIB      # largest file it can write
    tmp_size: int = 256 * MIB      # each private tmpfs (/tmp, HOME)
    seconds: float = 900.0         # wall clock, then the whole sandbox is killed


@dataclass
class Outcome:
    returncode: int | None
    timed_out: bool
    seconds: float
    log: str = ""                  # the tail of what the sandbox printed (untrusted)
    notes: list[str] = field(default_factory=list)


# Runs first inside the sandbox (``python -S -c``): caps, then (grading as root) a uid of its own, then exec.
LAUNCHER = """\
import ctypes, json, os, resource, sys
spec = json.loads(sys.argv[1])
for name, value in spec["limits"].items():
    resource.setrlimit(getattr(resource, name), (value, value))
ctypes.CDLL(None).prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
if spec["uid"] is not None:
    os.setgroups([])
    os.setgid(spec["uid"])
    os.setuid(spec["uid"])
os.chdir(spec["cwd"])
os.execve(sys.argv[2], sys.argv[2:], spec["env"])
"""


def bwrap() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=None)
def _supports(option: str) -> bool:
    """Does this bwrap know ``option`` (``--disable-userns`` came in bubblewrap 0.8)?"""
    try:
        return option in subprocess.run([bwrap(), "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False


def python_paths() -> list[Path]:
    """What the Python environment needs, read-only: the interpreter's installation and the venv."""
    paths = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    if Path(sys.prefix) != Path(sys.prefix).resolve():
        paths.add(Path(sys.prefix))
    return sorted(paths)


@functools.lru_cache(maxsize=1)
def problem() -> str | None:
    """None when a sandbox can be made here, else why not and how to get one."""
    if not sys.platform.startswith("linux"):
        return f"no sandbox on {sys.platform}: bubblewrap needs Linux. " + HOW_TO_GET_ONE
    if bwrap() is None:
        return "bubblewrap (`bwrap`) is not installed. " + HOW_TO_GET_ONE
    try:
        outcome = run([sys.executable, "-S", "-c", "import os; os.getcwd()"], ro_binds=python_paths(),
                      limits=Limits(seconds=30))
    except OSError as exc:
        return f"bwrap could not start ({exc}). " + HOW_TO_GET_ONE
    if outcome.returncode != 0:
        return f"bwrap cannot make a sandbox here ({outcome.log.strip()[-300:] or outcome.returncode}). " \
               + HOW_TO_GET_ONE
    return None


def _command(argv: list[str], ro_binds, rw_files, limits: Limits, cwd: str, env: dict,
             uid: int | None) -> list[str]:
    as_root = os.geteuid() == 0
    cmd = [bwrap(), "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
           "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grading"]
    if as_root:  # no user namespace: real root sets up, the launcher then drops to a uid of its own
        cmd += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        cmd += ["--unshare-user"] + (["--disable-userns"] if _supports("--disable-userns") else [])
    for path in SYSTEM_DIRS:
        if os.path.exists(path):
            cmd += ["--ro-bind", path, path]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    for path in ("/tmp", HOME, "/dev/shm"):
        cmd += ["--perms", "1777", "--size", str(limits.tmp_size), "--tmpfs", path]
    cmd += ["--perms", "1777", "--dir", WORK]
    if isinstance(ro_binds, dict):
        ro_binds = list(ro_binds.items())
    else:
        ro_binds = [(p, p) for p in ro_binds]
    targets = [str(t) for _, t in ro_binds] + [str(t) for t in rw_files.values()]
    parents = sorted({str(p) for t in targets for p in Path(t).parents if str(p) not in ("/", "/tmp", HOME, WORK)
                      and not any(str(p) == s or str(p).startswith(s + "/") for s in SYSTEM_DIRS)}, key=len)
    for parent in parents:  # bwrap would make them 0700 (root's): every uid must reach the binds
        cmd += ["--perms", "0755", "--dir", parent]
    for source, target in ro_binds:
        cmd += ["--ro-bind", str(source), str(target)]
    for source, target in rw_files.items():
        cmd += ["--bind", str(source), str(target)]
    cmd += ["--remount-ro", "/"]  # its root folder too: it may write only to its capped tmpfs and result files
    limit_spec = {"RLIMIT_AS": limits.memory, "RLIMIT_NPROC": limits.processes,
                  "RLIMIT_FSIZE": limits.file_size, "RLIMIT_CORE": 0}
    spec = {"limits": limit_spec, "uid": uid if as_root else None, "cwd": cwd, "env": env}
    return cmd + ["--", argv[0], "-S", "-c", LAUNCHER, json.dumps(spec), *argv]


def run(argv: list[str], *, ro_binds=(), rw_files: dict | None = None, stdin: Path | None = None,
        log: Path | None = None, limits: Limits = Limits(), cwd: str = WORK, env: dict | None = None) -> Outcome:
    """Run ``argv`` (``argv[0]``: a Python interpreter inside ``ro_binds``) in a fresh sandbox; wait at most
    ``limits.seconds``, then kill it whole.

    ``ro_binds``: host paths shown read-only at the same place, or a dict host path -> sandbox path.
    ``rw_files``: host *files* (created if missing) -> sandbox path, the only host files it can change.
    ``stdin``: a host file given as standard input (read it, then it is gone: it is nowhere in the sandbox).
    ``log``: a host file for its standard output and error (capped by ``limits.file_size``).
    """
    rw_files = dict(rw_files or {})
    env = {"HOME": HOME, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **(env or {})}
    with _own_uid() as uid:
        return _run(argv, ro_binds, rw_files, stdin, log, limits, cwd, env, uid)


@contextlib.contextmanager
def _own_uid():
    """Grading as root: a uid no other running sandbox has (a lock file per uid, shared by every grading
    process on this machine), so that caps counted per user and signals stay within one sandbox."""
    if os.geteuid() != 0:
        yield None
        return
    folder = Path(tempfile.gettempdir()) / "liverlab-grade-uids"
    folder.mkdir(mode=0o700, exist_ok=True)
    with _uid_lock:
        start = next(_uids)
    for k in range(UID_COUNT):
        uid = UID_BASE + (start + k) % UID_COUNT
        handle = open(folder / f"{uid}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        try:
            yield uid
        finally:
            handle.close()
        return
    raise OSError(f"all {UID_COUNT} sandbox user ids are in use")


def _run(argv, ro_binds, rw_files, stdin, log, limits, cwd, env, uid) -> Outcome:
    for path in [*rw_files, *([log] if log else [])]:
        Path(path).touch()
        if uid is not None:
            os.chown(path, uid, uid)
    command = _command(argv, ro_binds, rw_files, limits, cwd, env, uid)
    out = open(log, "ab") if log else subprocess.DEVNULL
    inp = open(stdin, "rb") if stdin else subprocess.DEVNULL
    start = time.monotonic()
    try:
        process = subprocess.Popen(command, stdin=inp, stdout=out, stderr=out, start_new_session=True,
                                   close_fds=True, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    finally:
        for handle in (out, inp):
            if handle is not subprocess.DEVNULL:
                handle.close()
    timed_out = False
    try:
        process.wait(timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        kill(process)
    tail = read_untrusted(log, 4000, tail=True) if log else ""
    return Outcome(process.returncode, timed_out, time.monotonic() - start, tail)


def kill(process: subprocess.Popen) -> None:
    """Kill bwrap and with it the sandbox's init (--die-with-parent), so its whole PID namespace dies.

    Returns once that init has exited: the kernel kills every other process of the namespace first.
    """
    inits = _children(process.pid)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in inits) and time.monotonic() < deadline:
        time.sleep(0.02)


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        return []


def _alive(pid: int) -> bool:
    """Running, not yet a zombie (a zombie's namespace is already empty)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def read_untrusted(path: Path, limit: int, tail: bool = False) -> str:
    """At most ``limit`` bytes of a file a sandbox wrote, as text ("" when missing); never follows a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return ""
    with os.fdopen(fd, "rb") as fh:
        if tail:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(max(0, size - limit))
        return fh.read(limit).decode("utf-8", errors="replace")
