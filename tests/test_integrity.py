"""The grader against hostile submissions: each attack fails, and no other student's row changes.

Two grading runs of notebook 00 (the course's smallest): the honest students alone, then the same
students with a class of attackers. Every attacker answers exercise 0.1 right unless its attack is to
steal the answer, so its own row shows how far grading got; the honest rows must be identical in both
runs. Needs bubblewrap (Debian package ``bubblewrap``): skipped where it cannot run, except in CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest

from assessment import grade, sandbox
from tools import authoring

from test_grade import STUDENT_NB, cell_index, filled, notebook_00, write  # noqa: E402 (helpers of the grading tests)

if sandbox.problem():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"CI must be able to sandbox grading: {sandbox.problem()}")
    pytest.skip(f"no sandbox here: {sandbox.problem()}", allow_module_level=True)

ROOT = authoring.ROOT
TOKEN = "liverlab_integrity_" + os.urandom(4).hex()     # marks the attackers' processes
LIMITS = sandbox.Limits(tmp_size=32 * sandbox.MIB)      # small tmpfs: filling it is quick
HONEST = {"alice": {"0.1": "right", "0.2": "right"}, "bob": {"0.1": "wrong", "0.2": "right"}}


def attack(code: str):
    """A submission that answers 0.1 right and runs ``code`` just before exercise 0.1's cell."""
    def build(base, expected):
        nb = filled(base, {"0.1": "right", "0.2": "right"}, expected)
        nb.cells.insert(cell_index(nb, "0.1"), nbformat.v4.new_code_cell(code))
        return nb
    return build


def attacks(paths: dict) -> dict:
    p = {k: str(v) for k, v in paths.items()}
    return {
        # Find and read the answers: the course tree, variants, the environment, sys.path, the file system.
        "reader": lambda base, expected: steal(base, expected, p),
        # Write to another submission, the output folder, the course.
        "writer": attack(f"""
import os
for target, text in [({p['alice']!r}, "{{}}"), ({p['out']!r} + "/gradebook.csv", "pwned"),
                     ({p['out']!r} + "/pwned.txt", "pwned"), ({p['canary']!r}, "pwned")]:
    try:
        with open(target, "w") as fh:
            fh.write(text)
    except OSError:
        pass
try:
    open({str(ROOT / 'liverlab' / 'checks.py')!r}, "a").close()
    open({p['canary']!r} + ".checks_writable", "w").close()
except OSError:
    pass
"""),
        # Reach the network: a server the test runs on the host's loopback.
        "network": attack(f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {paths['port']}), timeout=3).sendall(b"stolen")
except OSError:
    pass
"""),
        # Leave processes behind: a double-forked writer, a sleep in a new session.
        "detached": attack(f"""
import os, subprocess, sys
if os.fork() == 0:
    try:
        os.setsid()
    except OSError:
        pass
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c",
                 "import time; time.sleep(30); open({p['out']!r} + '/late.txt', 'w').write('late')", {TOKEN!r}])
    os._exit(0)
subprocess.Popen(["sleep", "3000", {TOKEN!r}], start_new_session=True)
"""),
        # Allocate past the memory cap, in the kernel and in a child.
        "memory": attack("""
import subprocess, sys
subprocess.run([sys.executable, "-c", "bytearray(3 * 2 ** 30)"])
hog = bytearray(3 * 2 ** 30)
"""),
        # Kill every process it can see or signal (the classmates' kernels, the grader).
        "killer": attack("""
import os, subprocess
subprocess.run(["pkill", "-9", "python"])
os.kill(-1, 9)
"""),
        # Hold standard output and error open from a detached process.
        "holder": attack(f"""
import subprocess
subprocess.Popen(["sleep", "2000", {TOKEN!r}], start_new_session=True)
"""),
        # Fill the disk: the working folder, /tmp, HOME, the result files.
        "filler": attack("""
import os
chunk = b"x" * 2 ** 20
for folder in (".", "/tmp", os.path.expanduser("~"), "/grader/records.jsonl"):
    path = folder if folder.endswith(".jsonl") else os.path.join(folder, "fill.bin")
    with open(path, "ab") as fh:
        for _ in range(1024):
            fh.write(chunk)
"""),
        # Never end, and ignore the interrupt that ends a cell over its time limit.
        "stubborn": attack("""
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
"""),
        # A fork bomb (bounded, in case the cap failed).
        "forker": attack("""
import os, time
for _ in range(400):
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
"""),
    }


def steal(base, expected, p):
    code = f"""
import glob, json, os, sys
names = ("answer_values.json", "answer_key.csv", "answer_keys.json")
places = [{p['root']!r}, {p['variants']!r}, {p['root']!r} + "/solutions", os.path.expanduser("~"), os.getcwd(), "/",
          "/tmp", *sys.path, *[v for k, v in os.environ.items() if "/" in v]]
stolen = None
for place in places:
    for sub in place.split(":"):
        for depth in ("", "*/", "*/*/", "*/*/*/"):
            for name in names:
                for path in glob.glob(sub.rstrip("/") + "/" + depth + name):
                    try:
                        values = json.load(open(path))
                        stolen = stolen or values.get("0.1")
                    except Exception:
                        pass
"""
    nb = filled(base, {"0.2": "right"}, expected)
    nb.cells.insert(cell_index(nb, "0.1"), nbformat.v4.new_code_cell(code))
    cell = nb.cells[cell_index(nb, "0.1")]
    name = cell.source.split("=", 1)[0].strip()
    cell.source = cell.source.replace(f"{name} = ...  {authoring.PLACEHOLDER_COMMENT}",
                                      f"{name} = stolen if isinstance(stolen, float) else -1.0")
    return nb


HOSTILE_METADATA = {  # raw JSON text of the notebook's "liverlab" metadata
    "infinity": '{"notebook": "00", "variant": Infinity}',
    "huge_number": '{"notebook": "00", "variant": ' + "9" * 300 + "}",
    "nested": '{"notebook": {"a": [1, {"b": null}]}, "variant": {"c": [[[[]]]]}}',
    "not_a_dict": '[1, 2, 3]',
    "long_text": '{"notebook": "' + "0" * 100_000 + '", "variant": "' + "x" * 100_000 + '"}',
    "bool": '{"notebook": true, "variant": true}',
    "deep": "[" * 100_000 + "]" * 100_000,
}


def with_metadata(base, raw: str) -> str:
    text = nbformat.writes(base)
    document = json.loads(text)
    document["metadata"]["liverlab"] = "__RAW__"
    return json.dumps(document).replace('"__RAW__"', raw)


def rows_of(out: Path) -> dict:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as fh:
        return {(r["student"], r["file"]): r for r in csv.DictReader(fh)}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Listener:
    """A TCP server on the host's loopback that records every connection."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen()
        self.server.settimeout(0.2)
        self.port, self.connections, self.stop = self.server.getsockname()[1], [], False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop:
            try:
                conn, _ = self.server.accept()
                self.connections.append(conn.recv(100))
                conn.close()
            except OSError:
                continue

    def close(self):
        self.stop = True
        self.thread.join()
        self.server.close()


def survivors() -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if TOKEN in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(proc.name)
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("integrity")
    base, expected = notebook_00()
    honest, hostile = tmp / "honest", tmp / "class"
    for folder in (honest, hostile):
        for student, answers in HONEST.items():
            write(filled(base, answers, expected), folder / f"{student}.ipynb")
    listener = Listener()
    canary = ROOT / "liverlab" / f"_{TOKEN}.py"
    paths = {"alice": hostile / "alice.ipynb", "out": tmp / "out", "canary": canary, "root": ROOT,
             "variants": grade.VARIANTS, "port": listener.port}
    for name, build in attacks(paths).items():
        write(build(base, expected), hostile / f"{name}.ipynb")
    for name, raw in HOSTILE_METADATA.items():
        (hostile / f"meta_{name}.ipynb").write_text(with_metadata(base, raw), encoding="utf-8")
    alice_before = digest(hostile / "alice.ipynb")
    checks_before = (ROOT / "liverlab" / "checks.py").stat()

    common = dict(notebook="00", jobs=2, cell_timeout=10, total_timeout=120, progress=False, limits=LIMITS)
    grade.grade(honest, tmp / "honest_out", **common)
    start = time.monotonic()
    result = grade.grade(hostile, tmp / "out", **common)
    seconds = time.monotonic() - start
    alive = survivors()
    listener.close()
    leftovers = [p for p in (canary, Path(f"{canary}.checks_writable")) if p.exists()]
    for path in leftovers:
        path.unlink()
    return {"honest": rows_of(tmp / "honest_out"), "rows": rows_of(tmp / "out"), "result": result,
            "seconds": seconds, "alive": alive, "connections": listener.connections, "leftovers": leftovers,
            "alice_same": digest(hostile / "alice.ipynb") == alice_before, "out": tmp / "out",
            "checks_same": (ROOT / "liverlab" / "checks.py").stat().st_mtime == checks_before.st_mtime}


def row(runs, student):
    matches = [r for (s, _), r in runs["rows"].items() if s == student]
    assert len(matches) == 1, (student, matches)
    return matches[0]


def test_no_honest_row_changes(runs):
    for key, honest_row in runs["honest"].items():
        assert runs["rows"][key] == honest_row, key
    assert runs["honest"][("alice", "alice.ipynb")]["0.1"] == "1"
    assert runs["honest"][("bob", "bob.ipynb")]["0.1"] == "0"


def test_every_submission_has_a_row_and_the_run_ends(runs):
    assert len(runs["rows"]) == len(HONEST) + 10 + len(HOSTILE_METADATA)
    assert runs["seconds"] < 240, "a held pipe or a detached process stretched the run"


def test_answers_cannot_be_found(runs):
    assert row(runs, "reader")["0.1"] == "0"


def test_nothing_outside_the_sandbox_is_written(runs):
    assert runs["alice_same"], "a classmate's submission was changed"
    assert runs["checks_same"] and not runs["leftovers"], "the course was written to"
    assert not (runs["out"] / "pwned.txt").exists() and not (runs["out"] / "late.txt").exists()
    gradebook = (runs["out"] / "gradebook.csv").read_text(encoding="utf-8")
    assert "pwned" not in gradebook.splitlines()[0]


def test_no_network(runs):
    assert runs["connections"] == []


def test_no_process_outlives_grading(runs):
    assert runs["alive"] == []
    assert row(runs, "detached")["0.1"] == "1" and row(runs, "holder")["0.1"] == "1"


def test_a_notebook_cannot_start_a_new_session(runs):
    # setsid() is refused (seccomp): the notebook's processes share one scheduler autogroup
    assert "PermissionError" in row(runs, "holder")["error"]


def test_memory_disk_and_process_caps_hold(runs):
    memory, filler, forker = row(runs, "memory"), row(runs, "filler"), row(runs, "forker")
    assert "MemoryError" in memory["error"] and memory["0.1"] == "1"
    assert "OSError" in filler["error"] and filler["0.1"] == "1"
    assert "BlockingIOError" in forker["error"] and forker["0.1"] == "1"


def test_a_notebook_that_never_ends_is_stopped(runs):
    assert "did not stop when interrupted; grading stopped there" in row(runs, "stubborn")["error"]


def test_a_killer_only_kills_its_own_kernel(runs):
    error = row(runs, "killer")["error"]
    assert "the kernel died" in error or "grading stopped early" in error


@pytest.mark.parametrize("name", sorted(HOSTILE_METADATA))
def test_hostile_metadata_costs_only_its_row(runs, name):
    r = row(runs, f"meta_{name}")
    assert len(r["error"]) < 1000
    if name in ("infinity", "huge_number", "nested", "bool"):
        assert "unreadable variant id" in r["error"] or "unreadable notebook number" in r["error"]


def test_a_sandbox_that_runs_over_is_killed_whole(tmp_path):
    code = (f"import subprocess, time\nsubprocess.Popen(['sleep', '999', {TOKEN!r}], start_new_session=True)\n"
            "open('/grader/out.txt', 'w').write('started')\ntime.sleep(999)\n")
    start = time.monotonic()
    outcome = sandbox.run([os.sys.executable, "-c", code], ro_binds=sandbox.python_paths(),
                          rw_files={tmp_path / "out.txt": "/grader/out.txt"}, log=tmp_path / "log.txt",
                          limits=sandbox.Limits(seconds=5))
    assert outcome.timed_out and time.monotonic() - start < 15
    assert (tmp_path / "out.txt").read_text() == "started"
    assert survivors() == []


def test_records_the_sandbox_wrote_are_checked(tmp_path):
    path = tmp_path / "records.jsonl"
    lines = ['{"id": "0.1", "token": "t", "status": "value", "value": {"type": "list", "items": [[1]]}}',
             '{"id": "0.1", "token": "t", "status": "value", "value": ' + "1" * 40 + "}",
             '{"id": "0.1", "token": "t", "status": "error", "error": ' + json.dumps("x" * 5000) + "}",
             "[" * 100_000,
             '{"id": "0.1", "token": "t", "status": "value", "value": 0.5}']
    path.write_text("\n".join(lines) + "\n")
    assert grade.read_records(path, {"0.1": "t"})["0.1"]["value"] == 0.5
    (tmp_path / "status.jsonl").write_text('{"crashed": "x", "errors": [[1, "E"], ["y", 2]], "timeouts": 5}\n')
    status = grade.read_status(tmp_path / "status.jsonl")
    assert status["crashed"] is None and status["errors"] == [[1, "E"]] and status["timeouts"] == []


# ----------------------------------------------------------------------------------------
# The grader's own handling of files and names (found by an independent red team): a link to the
# solutions or to a classmate, a named pipe, a look-alike name, a formula in a name, one student's
# oversized files. None of these needs a kernel: the grader must refuse them before anything runs.
# ----------------------------------------------------------------------------------------
def test_links_and_pipes_are_not_graded_and_never_block(tmp_path):
    subs = tmp_path / "subs"
    (subs / "carol").mkdir(parents=True)
    write(nbformat.read(STUDENT_NB, as_version=4), subs / "alice.ipynb")
    (subs / "mallory.ipynb").symlink_to(ROOT / "solutions" / "00_start_here.ipynb")
    (subs / "copycat.ipynb").symlink_to(subs / "alice.ipynb")
    (subs / "carol" / "00_start_here.ipynb").symlink_to(ROOT / "solutions" / "00_start_here.ipynb")
    os.mkfifo(subs / "pipe.ipynb")
    found = {s.file: s for s in grade.find_submissions(subs)}
    assert found["alice.ipynb"].gradable and not found["alice.ipynb"].problems
    for name in ("mallory.ipynb", "copycat.ipynb", "carol/00_start_here.ipynb", "pipe.ipynb"):
        assert not found[name].gradable and "not a regular file" in found[name].problems[0], name
    # Reading a pipe directly (a race between the check and the read) fails at once instead of blocking.
    started = time.monotonic()
    done = threading.Event()
    sub = grade.Submission(subs / "pipe.ipynb", "pipe", "pipe.ipynb")
    threading.Thread(target=lambda: (grade.read_submission(sub), done.set()), daemon=True).start()
    assert done.wait(10) and time.monotonic() - started < 10
    assert not sub.gradable and "not a regular file" in sub.problems[0]


def test_look_alike_names_are_flagged_and_marks_are_keyed_exactly(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("alice", "\u3000alice", "Alice ", "bob"):
        write(nbformat.read(STUDENT_NB, as_version=4), subs / f"{name}.ipynb")
    found = {s.student: s for s in grade.find_submissions(subs)}
    for name in ("alice", "\u3000alice", "Alice "):
        assert any("look-alike" in p for p in found[name].problems), name
    assert not found["bob"].problems
    question = grade.written.questions(grade.solution_path("00"))[0]
    marks = tmp_path / "marks.csv"
    with open(marks, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["question", "student", "file", "out_of", "mark", "comment"])
        w.writerow([question.id, "alice", "alice.ipynb", "1", "1", "Clear."])
        w.writerow([question.id, "\u3000alice", "\u3000alice.ipynb", "1", "0", "nonsense"])
        w.writerow([question.id, "alice ", "alice .ipynb", "1", "0", "nonsense"])
    given = grade.written.read_marks(marks, [question])
    assert given[("alice", "alice.ipynb", question.id)] == (1.0, "Clear.")
    assert len(given) == 3


def test_a_formula_in_a_name_reaches_no_spreadsheet_as_a_formula():
    assert grade.written.cell_text('=HYPERLINK("http://x","y")').startswith("'=")
    for text in ("+1", "-1", "@SUM(A1)", "alice"):
        assert grade.written.plain_text(grade.written.cell_text(text)) == text


def test_one_student_cannot_spend_more_than_its_byte_budget(tmp_path, monkeypatch):
    subs = tmp_path / "subs"
    (subs / "mallory").mkdir(parents=True)
    size = (STUDENT_NB).stat().st_size
    monkeypatch.setattr(grade, "MAX_STUDENT_BYTES", int(2.5 * size))
    for k in range(4):
        write(nbformat.read(STUDENT_NB, as_version=4), subs / "mallory" / f"try{k}.ipynb")
    write(nbformat.read(STUDENT_NB, as_version=4), subs / "alice.ipynb")
    found = grade.find_submissions(subs)
    mallory = [s for s in found if s.student == "mallory"]
    assert [s.gradable for s in mallory] == [True, True, False, False]
    assert all(s.gradable for s in found if s.student == "alice")
