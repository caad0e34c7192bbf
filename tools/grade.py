"""Grade a class: run a folder of submitted notebooks and write a gradebook, feedback and a summary.

``python -m tools.grade DIR [--notebook NN] [--roster roster.csv] [--out grading] [--jobs N]``
(``make grade SUBMISSIONS=DIR [NB=NN] [ROSTER=roster.csv]``)

Grading never trusts what a notebook printed or stored. For each submitted ``.ipynb`` in DIR
(any file name; one per student, or one per sub-folder named after the student):

1. read it (invalid JSON, or not a notebook: a row with an ``error``); find which course notebook
   it is (``metadata["liverlab"]["notebook"]``, else its title ``# NN · ...``) and its variant
   (``metadata["liverlab"]["variant"]``, checked against the roster when one is given);
2. copy it and insert, right after the cell of each exercise's check (found by the solution's cell
   id, which student notebooks keep, else by a cell containing ``check("N.M"``), a *recorder* cell:
   it evaluates the solution's own check expression (the second argument of ``check("N.M", ...)`` in
   ``solutions/NN_*.ipynb``) in the student's namespace (if that fails or is still ``...``: the
   expression the student's own check line passes, so a renamed variable is still graded) and writes
   the plain value to a file outside the notebook's folder. An edited check cell therefore changes
   nothing: the value is recomputed;
3. execute the copy in a fresh kernel, in a temporary folder that reaches the course's ``data/`` but
   holds no answer keys, with a time limit per cell (a cell that runs over is interrupted and the rest
   still runs) and per notebook; a kernel that dies keeps what was recorded before it died;
4. outside the kernel, compare each recorded value with the *plain* expected value (instructor side:
   ``solutions/answer_values.json``, or ``variants/variant_KK/answer_values.json`` for a variant)
   with ``liverlab.checks.evaluate``, the function behind the self-checks, so grading and ``check()``
   agree;
5. write into ``--out`` (default ``grading/``): ``gradebook.csv`` (one row per submission: 1 / 0 /
   blank for not answered per exercise, total, percent, error), ``feedback/<student>.md`` (right /
   not yet / not answered and the exercise's hint, never the expected value or solution code),
   ``summary.csv`` and ``summary.png`` (how many got each exercise right).

Bad submissions never stop the run: each gets a row whose ``error`` column says what was wrong, and the
run exits 0 after printing the number of problems (also for an empty DIR). Exit status 2 means the
command itself was wrong (DIR does not exist, unknown notebook, unreadable roster).

Grading executes student code: run it as an unprivileged user or in a container (INSTRUCTORS.md,
"Grading a class").
"""

from __future__ import annotations

import argparse
import ast
import collections
import contextlib
import csv
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
DATA = ROOT / "data"
VARIANTS = ROOT / "variants"
ANSWER_VALUES = SOLUTIONS / "answer_values.json"
PUBLIC_KEYS = NOTEBOOKS / "answer_keys.json"
RECORD_ENV = "LIVERLAB_RECORD_ANSWERS"

TITLE = re.compile(r"^\s*#\s+(\d{2})\s+·")
CHECK_OF = "check\\(\\s*[\"']{id}[\"']"
GRADE_KEY = "liverlab_grade"            # cell metadata of the instrumented copy
CELL_TIMEOUT = 60                       # seconds per cell
TOTAL_TIMEOUT = 900                     # seconds per notebook
HARD_MARGIN = 90                        # the worker process is killed this long after the total cap
MAX_ITEMS = 10_000                      # longer answers are recorded by their length only
PROBE_TIMEOUT = 15                      # seconds a kernel has to answer again after an interrupt

RESULT_WORDS = {"correct": "✅ right", "not yet": "❌ not yet", "not answered": "⏳ not answered"}
SCORE = {"correct": 1, "not yet": 0, "not answered": ""}


# ----------------------------------------------------------------------------------------
# What an exercise is, from the solution notebook
# ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Exercise:
    """One exercise as the solution checks it: ``check("0.1", <expression>, hint=...)``."""

    id: str
    expression: str
    hint: str | None
    cell_id: str | None


def _python_of(source: str) -> str:
    """A cell's source without IPython magics and shell escapes, so that ``ast`` can read it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def check_calls(source: str) -> list[tuple[str, str, str | None]]:
    """(exercise id, expression source, hint) of each ``check("N.M", expr, ...)`` call in code.

    >>> check_calls('x = 1\\ncheck("0.1", [x, y], sig=2, hint="add")')
    [('0.1', '[x, y]', 'add')]
    """
    code = _python_of(source)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"
                and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            hint = next((k.value.value for k in node.keywords if k.arg == "hint"
                         and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)), None)
            calls.append(((node.lineno, node.col_offset),
                          (node.args[0].value, ast.get_source_segment(code, node.args[1]), hint)))
    return [call for _, call in sorted(calls)]


def solution_path(number: str) -> Path | None:
    paths = sorted(SOLUTIONS.glob(f"{number}_*.ipynb"))
    return paths[0] if paths else None


def imported_modules(sources: list[str]) -> list[str]:
    """Modules that top-level ``import`` statements in these code sources load (for warming a kernel).

    >>> imported_modules(["import numpy as np\\nfrom liverlab import style"])
    ['numpy', 'liverlab', 'liverlab.style']
    """
    names: list[str] = []
    for source in sources:
        try:
            tree = ast.parse(_python_of(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names.extend(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return list(dict.fromkeys(names))


PRELOAD = """\
def __liverlab_grade_preload():
    import importlib
    for name in {names!r}:
        try:
            importlib.import_module(name)
        except Exception:
            pass


__liverlab_grade_preload()
del __liverlab_grade_preload
"""


def solution_exercises(number: str) -> tuple[list[Exercise], str]:
    """The exercises of course notebook ``number`` in order, and the notebook's title."""
    import nbformat

    path = solution_path(number)
    if path is None:
        raise FileNotFoundError(f"there is no solutions/{number}_*.ipynb")
    nb = nbformat.read(path, as_version=4)
    exercises: dict[str, Exercise] = {}
    for cell in nb.cells:
        if cell.cell_type == "code":
            for exercise_id, expression, hint in check_calls(cell.source):
                exercises.setdefault(exercise_id, Exercise(exercise_id, expression, hint, cell.get("id")))
    title = nb.cells[0].source.splitlines()[0].lstrip("# ").strip() if nb.cells else path.stem
    return list(exercises.values()), title


def solution_modules(number: str) -> list[str]:
    import nbformat

    nb = nbformat.read(solution_path(number), as_version=4)
    return imported_modules([c.source for c in nb.cells if c.cell_type == "code"])


# ----------------------------------------------------------------------------------------
# Expected values (instructor side) and the keys built from them
# ----------------------------------------------------------------------------------------
class KeyProblem(Exception):
    """The instructor-side answers for a notebook or variant cannot be found or read."""


def variant_folder(variants_dir: Path, variant: int) -> Path:
    return variants_dir / f"variant_{variant:02d}"


def expected_answers(number: str, variant: int | None, variants_dir: Path) -> tuple[dict, dict]:
    """(id -> plain expected value, id -> rule) for one notebook, course version or a variant."""
    prefix = f"{int(number)}."
    if variant is None:
        values_path, keys_path = ANSWER_VALUES, PUBLIC_KEYS
    else:
        folder = variant_folder(variants_dir, variant)
        values_path, keys_path = folder / "answer_values.json", folder / "answer_keys.json"
        if not folder.is_dir():
            raise KeyProblem(f"variant {variant} has no key folder ({folder}): build it with "
                             f"`make variants`, or pass --variants")
    if not keys_path.is_file():
        raise KeyProblem(f"no answer keys at {keys_path} (run `make solutions` / `make variants`)")
    keys = json.loads(keys_path.read_text(encoding="utf-8"))
    rules = {k: v["rule"] for k, v in keys.items() if k.startswith(prefix)}
    if values_path.is_file():
        values = json.loads(values_path.read_text(encoding="utf-8"))
    elif variant is not None and (values_path.parent / "answer_key.csv").is_file():
        values = _values_from_key_csv(values_path.parent / "answer_key.csv", rules)
    else:
        raise KeyProblem(f"no expected values at {values_path}")
    values = {k: v for k, v in values.items() if k.startswith(prefix)}
    return values, rules


def _values_from_key_csv(path: Path, rules: dict) -> dict:
    """Expected values from a variant's ``answer_key.csv`` when it has no ``answer_values.json``.

    Reads both layouts ``tools.variants`` has written: the plain value as JSON (text raw), or the
    value rounded by its rule, list elements joined by "; " (a key rebuilt from the rounded value with
    the same rule accepts the same answers; only the named slips in the feedback are computed from the
    rounded value).
    """
    def one(text: str, kind: str):
        text = text.strip()
        if kind == "bool":
            return text.lower() == "true"
        if kind == "int":
            return int(float(text))
        if kind == "number":
            return float(text)
        return text

    values = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text, rule = row["answer"], rules.get(row["exercise"])
            if rule is None:
                continue
            if text.lstrip().startswith("[") or (rule["kind"] != "text" and text.strip() in ("true", "false")):
                values[row["exercise"]] = json.loads(text)
            elif rule["shape"] == "scalar":
                values[row["exercise"]] = one(text, rule["kind"])
            else:
                values[row["exercise"]] = [one(part, rule["kind"]) for part in text.split("; ")]
    return values


def grading_key(exercise_id: str, expected, rule: dict) -> dict:
    """The key ``check()`` would use, rebuilt from the plain expected value and the exercise's rule."""
    from liverlab.checks import make_key

    if rule.get("shape") == "set":
        expected = set(expected)
    rounding = {"decimals": rule["decimals"]} if rule.get("decimals") is not None else {"sig": rule.get("sig", 3)}
    return make_key(exercise_id, expected, **rounding)


# ----------------------------------------------------------------------------------------
# The recorder cell: evaluates the solution's check expression in the student's namespace
# ----------------------------------------------------------------------------------------
RECORDER = '''\
def __liverlab_grade_record():
    import json, sys
    expressions, exercise_id, token, path = {expressions!r}, {exercise_id!r}, {token!r}, {path!r}

    def plain(v, depth=0):
        np = sys.modules.get("numpy")
        pd = sys.modules.get("pandas")
        if v is Ellipsis:
            return {{"ellipsis": True}}
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if np is not None and isinstance(v, np.generic):
            return plain(v.item(), depth)
        if depth > 2:
            return {{"type": type(v).__name__}}
        if pd is not None and isinstance(v, pd.DataFrame):
            return {{"type": "DataFrame", "rows": int(v.shape[0]), "columns": int(v.shape[1])}}
        if pd is not None and isinstance(v, (pd.Series, pd.Index)):
            kind, items = "Series", list(v)
        elif np is not None and isinstance(v, np.ndarray):
            kind, items = "ndarray", v.ravel().tolist()
        elif isinstance(v, (list, tuple, set, frozenset)):
            kind, items = ("set" if isinstance(v, frozenset) else type(v).__name__), list(v)
        elif isinstance(v, dict):
            kind, items = "dict", list(v.values())
        elif callable(v):
            return {{"type": "function"}}
        else:
            return {{"type": type(v).__name__}}
        if len(items) > {max_items}:
            return {{"type": kind, "length": len(items)}}
        return {{"type": kind, "items": [plain(i, depth + 1) for i in items]}}

    # The solution's check expression first; if it fails or is still the placeholder, the expression
    # the student's own check line passes (a renamed variable is still graded, never trusted unchecked).
    entry = None
    for expression in expressions:
        try:
            found = {{"status": "value", "value": plain(eval(compile(expression, "<exercise " + exercise_id + ">",
                                                                 "eval"), globals()))}}
        except KeyboardInterrupt:
            found = {{"status": "error", "error": "computing the answer ran over the time limit"}}
        except Exception as exc:
            found = {{"status": "error", "error": type(exc).__name__ + ": " + str(exc)[:300]}}
        entry = entry or found
        if found["status"] == "value" and '"ellipsis": true' not in json.dumps(found["value"]):
            entry = found
            break
        if found.get("error", "").startswith("computing"):
            break
    entry.update(id=exercise_id, token=token)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\\n")
    try:
        import liverlab.checks
        liverlab.checks.PASSED[exercise_id] = True  # so that guarded later cells run
    except Exception:
        pass


__liverlab_grade_record()
del __liverlab_grade_record
'''


def recorder_cell(exercise: Exercise, token: str, path: Path, student_expression: str | None = None):
    import nbformat

    expressions = [exercise.expression] + ([student_expression] if student_expression
                                           and student_expression != exercise.expression else [])
    cell = nbformat.v4.new_code_cell(RECORDER.format(expressions=expressions, exercise_id=exercise.id,
                                                     token=token, path=str(path), max_items=MAX_ITEMS))
    cell.metadata[GRADE_KEY] = {"record": exercise.id}
    return cell


def find_exercise_cell(nb, exercise: Exercise) -> int | None:
    """Index of the student's cell that holds the exercise's check: same cell id, else a ``check("N.M"``."""
    if exercise.cell_id:
        for i, cell in enumerate(nb.cells):
            if cell.get("id") == exercise.cell_id and cell.cell_type == "code":
                return i
    pattern = re.compile(CHECK_OF.format(id=re.escape(exercise.id)))
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and pattern.search(cell.source):
            return i
    return None


def instrumented(nb, exercises: list[Exercise], record_path: Path,
                 preload: list[str] = ()) -> tuple[object, dict, list[str]]:
    """A copy of ``nb`` with a recorder cell after each exercise; (copy, id -> token, ids not found).

    ``preload``: modules the worker imports before the first cell, outside the per-cell time limit
    (``importlib.import_module``: nothing is added to the student's namespace).
    """
    import copy

    new = copy.deepcopy(nb)
    new.metadata[GRADE_KEY] = {"preload": PRELOAD.format(names=list(preload))}
    for i, cell in enumerate(new.cells):
        cell.metadata[GRADE_KEY] = {"cell": i + 1}  # cells counted from 1, markdown included
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    after: dict[int, list] = collections.defaultdict(list)
    tokens, missing = {}, []
    for exercise in exercises:
        index = find_exercise_cell(new, exercise)
        if index is None:
            missing.append(exercise.id)
            continue
        tokens[exercise.id] = secrets.token_hex(16)
        student_expression = next((expression for exercise_id, expression, _ in check_calls(new.cells[index].source)
                                   if exercise_id == exercise.id), None)
        after[index].append(recorder_cell(exercise, tokens[exercise.id], record_path, student_expression))
    cells = []
    for i, cell in enumerate(new.cells):
        cells.append(cell)
        cells.extend(after.get(i, []))
    new.cells = cells
    new.metadata.pop("widgets", None)
    return new, tokens, missing


def read_records(path: Path, tokens: dict) -> dict:
    """id -> entry; only a line carrying the exercise's own token counts, and the first one wins."""
    records: dict[str, dict] = {}
    if not path.is_file():
        return records
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and tokens.get(entry.get("id")) == entry.get("token"):
            records.setdefault(entry["id"], entry)
    return records


def from_plain(value):
    """The learner's value rebuilt from its recorded form (same kind, so ``evaluate`` says the same)."""
    import numpy as np
    import pandas as pd

    if not isinstance(value, dict):
        return value
    if value.get("ellipsis"):
        return Ellipsis
    kind = value.get("type", "object")
    items = [from_plain(v) for v in value["items"]] if "items" in value else [None] * value.get("length", 0)
    if kind == "list":
        return items
    if kind == "tuple":
        return tuple(items)
    if kind == "set":
        try:
            return set(items)
        except TypeError:
            return items
    if kind == "Series":
        return pd.Series(items, dtype=object)
    if kind == "ndarray":
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return array
    if kind == "DataFrame":
        return pd.DataFrame(index=range(value.get("rows", 0)), columns=range(value.get("columns", 0)))
    if kind == "dict":
        return dict(enumerate(items))
    if kind == "function":
        return lambda *args, **kwargs: None
    return type(kind, (), {})()


# ----------------------------------------------------------------------------------------
# Executing one instrumented notebook (in a worker process, so it can be killed as a whole)
# ----------------------------------------------------------------------------------------
def run_worker(notebook: Path, cwd: Path, status_path: Path, cell_timeout: int, total_timeout: int) -> int:
    """Execute ``notebook`` cell by cell in ``cwd``; write what happened to ``status_path`` as it goes."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    nb = nbformat.read(notebook, as_version=4)
    notebook.unlink()  # the student's code must not read the recorders' tokens from disk
    status = {"timeouts": [], "errors": [], "crashed": None, "capped": None, "kernel_pgid": None}

    def save():  # atomically, so that a worker killed mid-write leaves the previous status
        partial = status_path.with_suffix(".partial")
        partial.write_text(json.dumps(status), encoding="utf-8")
        os.replace(partial, status_path)

    client = NotebookClient(
        nb, kernel_name="python3", timeout=cell_timeout, interrupt_on_timeout=True, allow_errors=True,
        error_on_timeout={"ename": "GradingTimeout", "evalue": f"this cell ran longer than {cell_timeout} s "
                          "and was interrupted", "traceback": []},
        record_timing=False, store_widget_state=False, iopub_timeout=10, shutdown_kernel="immediate",
        resources={"metadata": {"path": str(cwd)}})
    replies: dict[int, str] = {}  # cell index -> error name of its execute reply (a timeout is only there)
    client.on_cell_error = lambda cell, cell_index, execute_reply: replies.__setitem__(
        cell_index, execute_reply["content"].get("ename", "Error"))
    deadline = time.monotonic() + total_timeout
    student_cell = None
    try:
        with client.setup_kernel():
            with contextlib.suppress(Exception):
                status["kernel_pgid"] = client.km.provisioner.pgid
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
        status["crashed"] = student_cell or 0
    except Exception as exc:  # anything else nbclient raises: keep what was recorded
        status["crashed"] = student_cell or 0
        status["failure"] = f"{type(exc).__name__}: {exc}"[:300]
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


# ----------------------------------------------------------------------------------------
# One submission, from file to graded row
# ----------------------------------------------------------------------------------------
@dataclass
class Submission:
    path: Path
    student: str
    file: str
    notebook: str | None = None
    variant: int | None = None
    problems: list[str] = field(default_factory=list)
    nb: object = None
    gradable: bool = True


@dataclass
class Graded:
    submission: Submission
    verdicts: dict = field(default_factory=dict)   # id -> (status, message)
    notes: list[str] = field(default_factory=list)  # for the student's feedback

    @property
    def total(self) -> int:
        return sum(1 for status, _ in self.verdicts.values() if status == "correct")


def find_submissions(folder: Path, out: Path | None = None) -> list[Submission]:
    """Every ``.ipynb`` in ``folder``: a top-level file is its stem's, one in a sub-folder that folder's."""
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue  # .ipynb_checkpoints, hidden files
        if out is not None and out.resolve() in path.resolve().parents:
            continue
        student = relative.parts[0] if len(relative.parts) > 1 else path.stem
        found.append(Submission(path, student, relative.as_posix()))
    return found


def read_submission(sub: Submission) -> None:
    """Parse the file and find its course notebook number and variant (problems are noted, never raised)."""
    import nbformat

    try:
        text = sub.path.read_text(encoding="utf-8")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no cells")
    except UnicodeDecodeError:
        sub.problems.append("not a notebook: the file is not text (UTF-8)")
        sub.gradable = False
        return
    except Exception as exc:  # nbformat raises several kinds for a file that is not a notebook
        reason = "invalid JSON" if "JSON" in type(exc).__name__ or isinstance(exc, json.JSONDecodeError) \
            else f"not a Jupyter notebook ({type(exc).__name__})"
        sub.problems.append(f"could not read the file: {reason}")
        sub.gradable = False
        return
    sub.nb = nb
    course = nb.metadata.get("liverlab", {}) if isinstance(nb.metadata.get("liverlab"), dict) else {}
    from_meta = str(course["notebook"]).zfill(2) if course.get("notebook") is not None else None
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    match = TITLE.match(first)
    from_title = match.group(1) if match else None
    if from_meta and from_title and from_meta != from_title:
        sub.problems.append(f"its metadata says notebook {from_meta} but its title says {from_title}; "
                            f"graded as {from_meta}")
    sub.notebook = from_meta or from_title
    variant = course.get("variant")
    if variant is not None:
        try:
            sub.variant = int(variant)
        except (TypeError, ValueError):
            sub.problems.append(f"unreadable variant id {variant!r} in its metadata; graded as the course version")


def grade_submission(sub: Submission, exercises: list[Exercise], answers: tuple[dict, dict] | None,
                     run_dir: Path, cell_timeout: int, total_timeout: int, env: dict,
                     preload: list[str] = ()) -> Graded:
    """Execute one submission with recorders and compare what they recorded with the expected values."""
    from liverlab.checks import evaluate

    graded = Graded(sub)
    if not sub.gradable or answers is None:
        return graded
    values, rules = answers
    work, private = run_dir / "work", run_dir / "private"
    work.mkdir(parents=True)
    private.mkdir()
    (work / "data").symlink_to(DATA, target_is_directory=True)
    record_path = private / "answers.jsonl"
    nb, tokens, missing = instrumented(sub.nb, exercises, record_path, preload)
    import nbformat

    notebook = private / "graded.ipynb"
    nbformat.write(nb, notebook)
    status_path = private / "status.json"
    command = [sys.executable, "-m", "tools.grade", "--worker", str(notebook), str(work), str(status_path),
               str(cell_timeout), str(total_timeout)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        _, stderr = process.communicate(timeout=total_timeout + HARD_MARGIN)
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        _, stderr = process.communicate()
        pgid = _read_status(status_path).get("kernel_pgid")
        if pgid:  # the worker could not shut its kernel down: stop that kernel too
            _kill_group(pgid)
        sub.problems.append(f"grading was stopped after {total_timeout + HARD_MARGIN} s; "
                            "answers recorded before then are kept")
    status = _read_status(status_path)
    if not status_path.is_file() and process.returncode:
        sub.problems.append("the grading worker failed: " + stderr.decode(errors="replace").strip()[-300:])

    records = read_records(record_path, tokens)
    for cell_no in [c for c in status.get("timeouts", []) if c != status.get("stuck")]:
        sub.problems.append(f"cell {cell_no} ran over the {cell_timeout} s limit and was interrupted")
        graded.notes.append(f"Cell {cell_no} of your notebook (counting every cell from the top) ran longer than "
                            f"{cell_timeout} seconds and was stopped; the cells after it were still run.")
    if status.get("crashed") is not None:
        where = f"cell {status['crashed']}" if status["crashed"] else "start-up, before the first cell"
        sub.problems.append(f"the kernel died while running {where} "
                            f"({status.get('failure', 'e.g. os._exit, a crash or out of memory')}); "
                            "exercises after it were not graded")
        graded.notes.append(f"Python stopped (the kernel died) while running {where}; the exercises after it "
                            "could not be graded.")
    if status.get("stuck") is not None:
        sub.problems.append(f"cell {status['stuck']} ran over the {cell_timeout} s limit and did not stop when "
                            "interrupted; grading stopped there and exercises after it were not graded")
        graded.notes.append(f"Cell {status['stuck']} of your notebook could not be interrupted; the exercises after "
                            "it could not be graded.")
    if status.get("capped") is not None:
        sub.problems.append(f"the notebook ran over the {total_timeout} s total limit at cell "
                            f"{status['capped']}; exercises after it were not graded")
        graded.notes.append(f"Your notebook took longer than {total_timeout} seconds in all; grading stopped "
                            f"at cell {status['capped']}.")
    errors = [f"{cell} ({name})" for cell, name in status.get("errors", [])]
    if errors:
        graded.notes.append("When run from top to bottom in a fresh kernel, these cells raised an error: "
                            + ", ".join(errors[:10]) + (" ..." if len(errors) > 10 else "") + ".")
    if missing:
        sub.problems.append("exercise cell(s) not found (deleted or renamed?): " + ", ".join(missing))
    for exercise in exercises:
        hint = f" Hint: {exercise.hint}" if exercise.hint else ""
        if exercise.id in missing:
            graded.verdicts[exercise.id] = ("not answered", "The cell of this exercise was not found in your "
                                            "notebook (deleted, or its check line changed)." + hint)
            continue
        entry = records.get(exercise.id)
        if entry is None:
            graded.verdicts[exercise.id] = ("not answered", "Grading did not reach this exercise (see the notes "
                                            "below)." + hint)
        elif entry["status"] == "error":
            graded.verdicts[exercise.id] = ("not answered", f"Your answer could not be computed "
                                            f"({entry['error']})." + hint)
        elif exercise.id not in values or exercise.id not in rules:
            sub.problems.append(f"no expected value for exercise {exercise.id}: ask the instructor")
            graded.verdicts[exercise.id] = ("not answered", "This exercise could not be graded.")
        else:
            key = grading_key(exercise.id, values[exercise.id], rules[exercise.id])
            verdict = evaluate(exercise.id, from_plain(entry["value"]), key, hint=exercise.hint)
            if verdict.status == "not answered":
                message = "The placeholder `...` is still in your answer." + hint
            else:
                message = re.sub(r"^\S+ Exercise [\d.]+: (correct|not yet)\.\s*", "", verdict.message)
            graded.verdicts[exercise.id] = (verdict.status, message)
    return graded


def cores() -> int:
    """The cores this process may use (a container's CPU set, not the host's count when they differ)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def _read_status(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(pgid, signal.SIGKILL)


def kernel_env(cache: Path) -> dict:
    """Environment of the grading workers and kernels: no answer recording, a non-GUI plot backend."""
    env = {k: v for k, v in os.environ.items() if k != RECORD_ENV}
    env["MPLBACKEND"] = "Agg"
    env["LIVERLAB_DATA"] = str(DATA)  # liverlab.data.find_data_dir: also found through work/data
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    if env.get("PYTHONDONTWRITEBYTECODE") and "PYTHONPYCACHEPREFIX" not in env and not has_bytecode():
        # No .pyc beside the packages and none may be written: every kernel would recompile numpy,
        # pandas, seaborn, ... (seconds each). Keep compiled files in a cache outside the course and
        # the environment instead (`tools.warm_bytecode` avoids this by compiling into the environment).
        env.pop("PYTHONDONTWRITEBYTECODE")
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def has_bytecode(module: str = "pandas") -> bool:
    """Does the environment hold compiled bytecode beside ``module``'s source (``__pycache__``)?"""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.origin:
        return True
    origin = Path(spec.origin)
    return (origin.parent / "__pycache__" / f"{origin.stem}.{sys.implementation.cache_tag}.pyc").is_file()


def bytecode_cache(fallback: Path) -> Path:
    """Where grading kernels keep compiled bytecode when the environment forbids writing it beside the code."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "liverlab-grade" / "pycache"
    try:
        base.mkdir(parents=True, exist_ok=True)
        return base if os.access(base, os.W_OK) else fallback
    except OSError:
        return fallback


# ----------------------------------------------------------------------------------------
# The class: roster, variants, parallel runs, outputs
# ----------------------------------------------------------------------------------------
def read_roster(path: Path) -> dict[str, int | None]:
    """student -> variant from a CSV with columns ``student`` and ``variant`` (blank: the course version)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        columns = {c.strip().lower(): c for c in reader.fieldnames or []}
        if not {"student", "variant"} <= set(columns):
            raise ValueError(f"the roster {path} needs the columns student,variant; it has {reader.fieldnames}")
        roster: dict[str, int | None] = {}
        for row in reader:
            student, variant = (row[columns["student"]] or "").strip(), (row[columns["variant"]] or "").strip()
            if student:
                roster[student] = int(variant) if variant else None  # blank: the course version
    return roster


def resolve_variants(subs: list[Submission], roster: dict[str, int | None] | None) -> None:
    """Compare each submission's variant with the roster's; the notebook's own id wins, and we say so."""
    if roster is None:
        return
    for sub in subs:
        if not sub.gradable:
            continue
        assigned = roster.get(sub.student)
        if sub.student not in roster:
            sub.problems.append(f"student {sub.student!r} is not in the roster")
        elif sub.variant == assigned:
            continue
        elif sub.variant is None:
            sub.variant = assigned
            sub.problems.append(f"the notebook carries no variant id; graded against the roster's variant {assigned}")
        else:
            assigned_text = "the course version" if assigned is None else f"variant {assigned}"
            sub.problems.append(f"wrong variant: the roster assigns {assigned_text} but this notebook is "
                                f"variant {sub.variant}; graded against variant {sub.variant} (the notebook's own)")


def flag_duplicates(subs: list[Submission]) -> None:
    by_student = collections.defaultdict(list)
    for sub in subs:
        by_student[sub.student].append(sub)
    for student, group in by_student.items():
        if len(group) > 1:
            files = ", ".join(s.file for s in group)
            for sub in group:
                sub.problems.append(f"duplicate: {len(group)} submissions for student {student!r} ({files}); "
                                    "each graded")


def feedback_names(subs: list[Submission]) -> dict[int, str]:
    """A file name per submission: the student's name, plus the file's stem when a student has several."""
    counts = collections.Counter(s.student for s in subs)
    names, used = {}, set()
    for i, sub in enumerate(subs):
        base = re.sub(r"[^\w.-]+", "_", sub.student).strip("._") or "student"
        if counts[sub.student] > 1:
            base += "__" + re.sub(r"[^\w.-]+", "_", Path(sub.file).with_suffix("").as_posix())
        name, k = base, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        names[i] = name
    return names


def write_gradebook(path: Path, graded: list[Graded], exercise_ids: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "file", "notebook", "variant", *exercise_ids, "total", "percent", "error"])
        for g in graded:
            sub = g.submission
            if g.verdicts:
                scores = [SCORE[g.verdicts[e][0]] if e in g.verdicts else "" for e in exercise_ids]
                total, percent = g.total, f"{100 * g.total / len(exercise_ids):.1f}" if exercise_ids else ""
            else:
                scores, total, percent = [""] * len(exercise_ids), "", ""
            writer.writerow([sub.student, sub.file, sub.notebook or "", "" if sub.variant is None else sub.variant,
                             *scores, total, percent, "; ".join(sub.problems)])


def write_feedback(path: Path, g: Graded, title: str, exercise_ids: list[str]) -> None:
    sub = g.submission
    lines = [f"# Feedback: {title}", "",
             f"- Student: {sub.student}", f"- File: `{sub.file}`"]
    if sub.variant is not None:
        lines.append(f"- Variant: {sub.variant}")
    if g.verdicts:
        lines.append(f"- Score: {g.total} of {len(exercise_ids)} exercises right")
    lines.append("")
    if not g.verdicts:
        lines += ["Your notebook could not be graded:", "", *[f"- {p}" for p in sub.problems], "",
                  "Please contact your instructor.", ""]
    for exercise_id in exercise_ids if g.verdicts else []:
        status, message = g.verdicts.get(exercise_id, ("not answered", ""))
        lines += [f"## Exercise {exercise_id}: {RESULT_WORDS[status]}", ""]
        if message:
            lines += [message, ""]
    if g.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in g.notes], ""]
    lines += ["---", "", "*How this was graded: your notebook was run again from top to bottom in a fresh kernel, "
              "and each answer was recomputed from your code; what the notebook showed when you saved it was not "
              "used.*", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def summarise(graded: list[Graded], exercise_ids: list[str]) -> list[dict]:
    rows = []
    counted = [g for g in graded if g.verdicts]
    for exercise_id in exercise_ids:
        statuses = collections.Counter(g.verdicts.get(exercise_id, ("not answered",))[0] for g in counted)
        n = len(counted)
        rows.append({"exercise": exercise_id, "right": statuses["correct"], "not_yet": statuses["not yet"],
                     "not_answered": statuses["not answered"], "graded": n,
                     "percent_right": f"{100 * statuses['correct'] / n:.1f}" if n else ""})
    return rows


def write_summary(folder: Path, rows: list[dict], title: str) -> None:
    with open(folder / "summary.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["exercise", "right", "not_yet", "not_answered", "graded",
                                                "percent_right"])
        writer.writeheader()
        writer.writerows(rows)
    summary_figure(rows, title).savefig(folder / "summary.png", dpi=120, bbox_inches="tight")


def summary_figure(rows: list[dict], title: str):
    """Stacked horizontal bars: the share of submissions right, not yet right and not answered, per exercise."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from liverlab import style

    style.use()
    fig, ax = plt.subplots(figsize=(7.0, 0.45 * max(len(rows), 2) + 1.6))
    labels = [r["exercise"] for r in rows][::-1]
    left = [0.0] * len(rows)
    parts = (("right", "right", style.OKABE_ITO[0], ""), ("not_yet", "not yet right", style.OKABE_ITO[1], "//"),
             ("not_answered", "not answered", style.OKABE_ITO[4], ".."))
    for column, label, colour, hatch in parts:
        shares = [100 * r[column] / r["graded"] if r["graded"] else 0.0 for r in rows][::-1]
        ax.barh(labels, shares, left=left, color=colour, hatch=hatch, edgecolor="white", label=label)
        left = [a + b for a, b in zip(left, shares)]
    graded = f", {rows[0]['graded']} graded" if rows else ""
    ax.set(xlim=(0, 100), xlabel="Submissions graded (%)", ylabel="Exercise",
           title=f"Which exercises did the class find hard? ({title}{graded})")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.tight_layout()
    return fig


class Progress:
    """A progress bar on stderr (tqdm when installed, else one line that updates in place)."""

    def __init__(self, total: int):
        self.total, self.done, self.bar = total, 0, None
        try:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr)
        except ImportError:
            self._draw()

    def update(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update()
        else:
            self._draw()

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        end = "\n" if self.done >= self.total else ""
        print(f"\rgrading [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}", end=end,
              file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def grade(folder: Path, out: Path, *, notebook: str | None = None, roster: Path | None = None,
          variants_dir: Path = VARIANTS, jobs: int | None = None, cell_timeout: int = CELL_TIMEOUT,
          total_timeout: int = TOTAL_TIMEOUT, progress: bool = True) -> dict:
    """Grade every submission in ``folder`` into ``out``; return a summary (also printed by ``main``).

    Returns a dict with ``submissions``, ``problems`` (rows with an error, plus an empty folder), the
    ``notebook`` graded, ``seconds`` and the path of the ``gradebook``.
    """
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    subs = find_submissions(folder, out)
    for sub in subs:
        read_submission(sub)
    numbers = collections.Counter(s.notebook for s in subs if s.gradable and s.notebook)
    if notebook is None:
        notebook = numbers.most_common(1)[0][0] if numbers else None
    exercises, title = solution_exercises(notebook) if notebook else ([], "no notebook")
    exercise_ids = [e.id for e in exercises]
    preload = solution_modules(notebook) if notebook else []
    for sub in subs:
        if not sub.gradable:
            continue
        if sub.notebook is None:
            sub.problems.append(f"cannot tell which course notebook this is (no metadata, no '# NN · ' title); "
                                f"graded as notebook {notebook}")
            sub.notebook = notebook
        elif sub.notebook != notebook:
            sub.problems.append(f"this is notebook {sub.notebook}, not notebook {notebook} (the one being graded); "
                                "not graded")
            sub.gradable = False
    resolve_variants(subs, read_roster(roster) if roster else None)
    flag_duplicates(subs)

    answers: dict = {}
    for sub in subs:
        if sub.gradable and sub.variant not in answers:
            try:
                answers[sub.variant] = expected_answers(notebook, sub.variant, variants_dir)
            except KeyProblem as exc:
                answers[sub.variant] = exc
        if sub.gradable and isinstance(answers.get(sub.variant), KeyProblem):
            sub.problems.append(f"not graded: {answers[sub.variant]}")
            sub.gradable = False

    graded: list[Graded | None] = [None] * len(subs)
    with tempfile.TemporaryDirectory(prefix="liverlab-grade-") as tmp:
        env = kernel_env(bytecode_cache(Path(tmp) / "pycache"))
        bar = Progress(len(subs)) if progress and subs else None
        with ThreadPoolExecutor(max_workers=max(1, jobs or cores())) as pool:
            futures = {pool.submit(grade_submission, sub, exercises, answers.get(sub.variant)
                                   if sub.gradable else None, Path(tmp) / f"submission_{i:04d}",
                                   cell_timeout, total_timeout, env, preload): i for i, sub in enumerate(subs)}
            for future in as_completed(futures):
                i = futures[future]
                try:
                    graded[i] = future.result()
                except Exception as exc:  # a bug or an odd file must never lose a student
                    subs[i].problems.append(f"grading failed ({type(exc).__name__}: {exc})")
                    graded[i] = Graded(subs[i])
                if bar:
                    bar.update()
        if bar:
            bar.close()

    write_gradebook(out / "gradebook.csv", graded, exercise_ids)
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    names = feedback_names(subs)
    for i, g in enumerate(graded):
        write_feedback(feedback / f"{names[i]}.md", g, f"notebook {title}", exercise_ids)
    rows = summarise(graded, exercise_ids)
    write_summary(out, rows, f"notebook {notebook}" if notebook else "no submissions")
    problems = sum(1 for s in subs if s.problems) + (0 if subs else 1)
    return {"submissions": len(subs), "problems": problems, "notebook": notebook,
            "seconds": time.perf_counter() - start, "gradebook": out / "gradebook.csv"}


# ----------------------------------------------------------------------------------------
# Benchmark: a class of filled-in submissions, graded in parallel
# ----------------------------------------------------------------------------------------
def answered_notebook(number: str, answer: set[str] | None = None, folder: Path | None = None):
    """The student notebook of ``number`` with the solution's code for the exercises in ``answer``.

    ``answer=None`` answers every exercise; an id not in it keeps its placeholder. ``folder``: where the
    student notebook is (default ``notebooks/``; a variant's folder for that variant). Built from the
    solution's code cells (matched by cell id), so it works for any notebook.
    """
    import nbformat

    from tools import authoring

    source = solution_path(number)
    student_path = (folder or NOTEBOOKS) / source.name
    student = nbformat.read(student_path, as_version=4)
    solution = {c.get("id"): c for c in nbformat.read(source, as_version=4).cells}
    current = None
    for cell in student.cells:
        if cell.cell_type == "markdown":
            heading = authoring.EXERCISE_HEADING.search(cell.source)
            current = heading.group(1) if heading else (None if re.match(r"^#{1,4}\s", cell.source) else current)
        elif (authoring.PLACEHOLDER_COMMENT in cell.source and cell.get("id") in solution
              and (answer is None or current in answer)):
            solved = solution[cell.get("id")].source
            cell.source = "\n".join(line for line in solved.splitlines()
                                    if line.strip() not in (authoring.BEGIN, authoring.END))
    return student


def bench_grading(n: int = 40, notebook: str = "00", jobs: int = 2) -> float:
    """Seconds to grade ``n`` submissions of ``notebook`` (half answered in full, half blank) with ``jobs``.

    Called by ``tools.bench``; the issue's budget is 180 s for 40 submissions on 2 cores.
    """
    import nbformat

    with tempfile.TemporaryDirectory(prefix="liverlab-bench-grade-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        full, blank = answered_notebook(notebook), answered_notebook(notebook, set())
        for k in range(n):
            nbformat.write(full if k % 2 == 0 else blank, folder / f"student_{k:03d}.ipynb")
        result = grade(folder, Path(tmp) / "grading", notebook=notebook, jobs=jobs, progress=False)
    return result["seconds"]


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        notebook, cwd, status, cell_timeout, total_timeout = argv[1:6]
        return run_worker(Path(notebook), Path(cwd), Path(status), int(cell_timeout), int(total_timeout))
    parser = argparse.ArgumentParser(prog="python -m tools.grade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="folder of submitted notebooks")
    parser.add_argument("--notebook", help="course notebook number, e.g. 02 (default: the most common one)")
    parser.add_argument("--roster", type=Path, help="CSV with columns student,variant")
    parser.add_argument("--variants", type=Path, default=VARIANTS, help="folder of variant_KK/ (default: variants/)")
    parser.add_argument("--out", type=Path, default=Path("grading"), help="output folder (default: grading/)")
    parser.add_argument("--jobs", type=int, default=cores(), help="notebooks run at once (default: cores)")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help=f"seconds per cell ({CELL_TIMEOUT})")
    parser.add_argument("--total-timeout", type=int, default=TOTAL_TIMEOUT,
                        help=f"seconds per notebook ({TOTAL_TIMEOUT})")
    args = parser.parse_args(argv)
    if sys.dont_write_bytecode and sys.pycache_prefix is None and not has_bytecode():  # as in kernel_env
        sys.pycache_prefix = str(bytecode_cache(Path(tempfile.gettempdir()) / "liverlab-grade-pycache"))
        sys.dont_write_bytecode = False
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder")
    if args.notebook is not None:
        args.notebook = args.notebook.zfill(2)
        if solution_path(args.notebook) is None:
            parser.error(f"there is no course notebook {args.notebook} (solutions/{args.notebook}_*.ipynb)")
    if args.roster is not None:
        try:
            read_roster(args.roster)
        except (OSError, ValueError, KeyError) as exc:
            parser.error(f"cannot read the roster: {exc}")
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be at least 1")
    result = grade(args.submissions, args.out, notebook=args.notebook, roster=args.roster,
                   variants_dir=args.variants, jobs=args.jobs, cell_timeout=args.timeout,
                   total_timeout=args.total_timeout)
    if result["submissions"] == 0:
        print(f"No submissions: no .ipynb files in {args.submissions}. Wrote an empty gradebook to {args.out}.")
    else:
        print(f"Graded {result['submissions']} submission(s) of notebook {result['notebook']} in "
              f"{result['seconds']:.0f} s; wrote {args.out / 'gradebook.csv'}, {args.out / 'feedback'}/, "
              f"{args.out / 'summary.csv'} and {args.out / 'summary.png'}.")
    print(f"{result['problems']} problem(s)" + (": see the error column of the gradebook." if
                                                result["problems"] and result["submissions"] else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
