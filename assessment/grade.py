"""Grade a class: run a folder of submitted notebooks and write a gradebook, feedback and a summary.

``python -m assessment.grade DIR [--notebook NN] [--roster roster.csv] [--out grading] [--jobs N]
[--marks written_marks.csv] [--no-sandbox]``
(``make grade SUBMISSIONS=DIR [NB=NN] [ROSTER=roster.csv] [MARKS=...] [NO_SANDBOX=1]``)

Grading never trusts what a notebook printed or stored. For each submitted ``.ipynb`` in DIR
(any file name; one per student, or one per sub-folder named after the student):

1. read it (invalid JSON, or not a notebook: a row with an ``error``; metadata of any type or size
   affects only its row); find which course notebook it is (``metadata["liverlab"]["notebook"]``,
   else its title ``# NN · ...``) and its variant (``metadata["liverlab"]["variant"]``, checked
   against the roster when one is given);
2. copy it and insert, right after the cell of each exercise's check (found by the solution's cell
   id, which student notebooks keep, else by a cell containing ``check("N.M"``), a *recorder* cell:
   it evaluates the solution's own check expression (the second argument of ``check("N.M", ...)`` in
   ``solutions/NN_*.ipynb``) in the student's namespace (if that fails or is still ``...``: the
   expression the student's own check line passes, so a renamed variable is still graded) and appends
   the plain value to a result file. An edited check cell therefore changes nothing;
3. execute the copy in a fresh kernel in its own sandbox (``assessment.sandbox``: no network, no view
   of the answers or the course, memory, process and wall-clock caps; ``assessment.worker`` runs it),
   with a time limit per cell (a cell that runs over is interrupted and the rest still runs) and per
   notebook; a kernel that dies keeps what was recorded before it died;
4. outside the sandbox, check what it wrote (untrusted: size, schema) and compare each recorded value
   with the *plain* expected value (``solutions/answer_values.json``, or a variant's
   ``answer_values.json`` / ``answer_key.csv``) with ``liverlab.checks.evaluate``, the function behind
   the self-checks, so grading and ``check()`` agree;
5. write into ``--out`` (default ``grading/``), each file atomically: ``gradebook.csv`` (one row per
   submission and per roster student without one), ``feedback/<student>.md``, ``summary.csv`` and
   ``summary.png``, and for the written answers ``written/<question>.html`` and ``written_marks.csv``
   (``assessment.written``). ``.cache/`` keeps each graded submission, so a re-run resumes.

Bad submissions never stop the run: each gets a row whose ``error`` column says what was wrong, and the
run exits 0 after printing the number of problems (also for an empty DIR). Exit status 2 means the
command itself was wrong (DIR does not exist, unknown notebook, unreadable roster or marks file);
3 that no sandbox can be made here (``--no-sandbox`` grades for practice, every row saying so).
"""

from __future__ import annotations

import argparse
import ast
import collections
import csv
import dataclasses
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import unicodedata
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from assessment import sandbox, written

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
HARD_MARGIN = 90                        # the sandbox is killed this long after the total cap
MAX_ITEMS = 10_000                      # longer answers are recorded by their length only
MAX_RECORD_BYTES = 8 * 2 ** 20          # what is read of a file the sandbox wrote
MAX_NOTEBOOK_BYTES = 20 * 2 ** 20       # a larger submission is not read
MAX_STUDENT_BYTES = 40 * 2 ** 20        # nor the files of one student beyond this total
MAX_CELLS = 3_000                       # a notebook with more cells is not graded (the course's have < 150)
WORKER = Path(__file__).resolve().parent / "worker.py"
SANDBOX_WORKER = "/grader/worker.py"    # where the sandbox sees the worker, its result files and the data
SANDBOX_RECORDS = "/grader/records.jsonl"
SANDBOX_STATUS = "/grader/status.jsonl"
SANDBOX_DATA = sandbox.HOME + "/data"
CACHE = ".cache"                        # in --out: one file per graded submission, so that a re-run resumes
NO_SANDBOX = "practice grading without a sandbox: not for marks"

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
    options: tuple = ()  # (name, value) of check()'s literal feedback options: names, choice, denominator, chi2_df


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


FEEDBACK_OPTIONS = ("names", "choice", "denominator", "chi2_df")


def check_options(source: str) -> dict[str, dict]:
    """Exercise id -> the literal feedback options of its ``check()`` call (what self-checks use too).

    >>> check_options('check("0.1", [a, b], names=["meld", "meld_na"], choice=False, denominator=n)')
    {'0.1': {'names': ['meld', 'meld_na'], 'choice': False}}
    """
    try:
        tree = ast.parse(_python_of(source))
    except SyntaxError:
        return {}
    found = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "check"
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            options = {}
            for keyword in node.keywords:
                if keyword.arg in FEEDBACK_OPTIONS:
                    try:
                        options[keyword.arg] = ast.literal_eval(keyword.value)
                    except ValueError:
                        pass  # not a literal (a variable of the notebook): left out
            found.setdefault(node.args[0].value, options)
    return found


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
            options = check_options(cell.source)
            for exercise_id, expression, hint in check_calls(cell.source):
                exercises.setdefault(exercise_id, Exercise(exercise_id, expression, hint, cell.get("id"),
                                                           tuple(options.get(exercise_id, {}).items())))
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


def grading_key(exercise_id: str, expected, rule: dict, options: dict | None = None) -> dict:
    """The key ``check()`` would use, rebuilt from the plain expected value, the exercise's rule and
    the check's literal ``denominator``/``chi2_df`` options (so graded feedback names the same slips)."""
    from liverlab.checks import make_key

    if rule.get("shape") == "set":
        expected = set(expected)
    rounding = {"decimals": rule["decimals"]} if rule.get("decimals") is not None else {"sig": rule.get("sig", 3)}
    extras = {name: value for name, value in (options or {}).items() if name in ("denominator", "chi2_df")}
    return make_key(exercise_id, expected, **rounding, **extras)


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
    """id -> entry; only a valid line carrying the exercise's own token counts, and the first one wins.

    The file was written inside the sandbox: at most ``MAX_RECORD_BYTES`` are read, and each entry must
    pass ``valid_entry`` (an entry that does not is ignored, as if the exercise had not been reached).
    """
    records: dict[str, dict] = {}
    for line in sandbox.read_untrusted(path, MAX_RECORD_BYTES).splitlines():
        try:
            entry = json.loads(line)
        except (json.JSONDecodeError, RecursionError, ValueError):
            continue
        if (isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"] in tokens
                and tokens[entry["id"]] == entry.get("token") and valid_entry(entry)):
            records.setdefault(entry["id"], entry)
    return records


def valid_entry(entry: dict) -> bool:
    """Does a recorded entry have the recorder's shape (status, and a plain value or an error text)?"""
    if entry.get("status") == "error":
        return isinstance(entry.get("error"), str) and len(entry["error"]) <= 1000
    return entry.get("status") == "value" and "value" in entry and valid_plain(entry["value"])


def valid_plain(value, depth: int = 0) -> bool:
    """A value as the recorder writes it: JSON scalars, or {"type", "items"/"length"/...} at most 4 deep.

    >>> valid_plain({"type": "list", "items": [1, 2.5, "a"]}), valid_plain({"type": "list", "items": [[1]]})
    (True, False)
    """
    if value is None or isinstance(value, (bool, int, float)):
        return not isinstance(value, int) or abs(value) < 10 ** 30
    if isinstance(value, str):
        return len(value) <= 10_000
    if not isinstance(value, dict) or depth > 4:
        return False
    if value.get("ellipsis") is True:
        return set(value) == {"ellipsis"}
    if not isinstance(value.get("type"), str) or len(value["type"]) > 100:
        return False
    if not set(value) <= {"type", "items", "length", "rows", "columns"}:
        return False
    counts = [value[k] for k in ("length", "rows", "columns") if k in value]
    if any(isinstance(c, bool) or not isinstance(c, int) or not 0 <= c <= MAX_ITEMS * 100 for c in counts):
        return False
    items = value.get("items", [])
    return isinstance(items, list) and len(items) <= MAX_ITEMS and all(valid_plain(i, depth + 1) for i in items)


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
    digest: str = ""          # SHA-256 of the file's text (a re-run skips what it already graded)


@dataclass
class Graded:
    submission: Submission
    verdicts: dict = field(default_factory=dict)   # id -> (status, message)
    notes: list[str] = field(default_factory=list)  # for the student's feedback
    answers: dict = field(default_factory=dict)    # written question id -> the student's text ("" blank)
    written: dict = field(default_factory=dict)    # written question id -> (mark, comment), None: not marked

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
        sub = Submission(path, student, relative.as_posix())
        if not regular_file(folder, relative):
            sub.problems.append("not graded: not a regular file (a link, a pipe or a device)")
            sub.gradable = False
        found.append(sub)
    flag_look_alikes(found)
    flag_oversized(found)
    return found


def regular_file(folder: Path, relative: Path) -> bool:
    """True when ``folder/relative`` is a regular file reached through no symbolic link.

    A link could point at the solutions or a classmate's file, and a named pipe would block the grader.
    """
    path = folder
    for part in relative.parts:
        path = path / part
        try:
            mode = path.lstat().st_mode
        except OSError:
            return False
        if stat.S_ISLNK(mode):
            return False
    return stat.S_ISREG(mode)


def look_alike(name: str) -> str:
    """A student name with case, spaces and compatibility characters (e.g. U+3000) folded away."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


def flag_look_alikes(subs: list[Submission]) -> None:
    """Names that differ only in case, spaces or look-alike characters are flagged on every row they touch."""
    groups = collections.defaultdict(set)
    for sub in subs:
        groups[look_alike(sub.student)].add(sub.student)
    for sub in subs:
        if len(groups[look_alike(sub.student)]) > 1:
            sub.problems.append("check by hand: another submission's name differs from this one only in case, "
                                "spaces or look-alike characters")


def flag_oversized(subs: list[Submission]) -> None:
    """Files of one student beyond ``MAX_STUDENT_BYTES`` in all are not read (one student, one budget)."""
    used = collections.Counter()
    for sub in subs:
        if not sub.gradable:
            continue
        try:
            size = sub.path.lstat().st_size
        except OSError:
            continue
        used[sub.student] += size
        if used[sub.student] > MAX_STUDENT_BYTES:
            sub.problems.append(f"not graded: this student's files exceed {MAX_STUDENT_BYTES // 2 ** 20} MB in all")
            sub.gradable = False


def read_regular(path: Path, limit: int) -> str:
    """The UTF-8 text of a regular file, opened without following a link or blocking on a pipe."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OverflowError("it is not a regular file")
        if info.st_size > limit:
            raise OverflowError(f"the file is larger than {limit // 2 ** 20} MB")
        return fh.read(limit + 1).decode("utf-8")


def read_submission(sub: Submission) -> None:
    """Parse the file and find its course notebook number and variant (problems are noted, never raised).

    Everything in the file is hostile input: a value of any type or size in the metadata or the cells
    affects only this submission's row.
    """
    import nbformat

    try:
        text = read_regular(sub.path, MAX_NOTEBOOK_BYTES)
        sub.digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
        if not isinstance(nb.get("cells"), list) or not all(isinstance(c, dict) for c in nb.cells):
            raise ValueError("it has no list of cells")
        if len(nb.cells) > MAX_CELLS:
            raise OverflowError(f"it has more than {MAX_CELLS:,} cells")
        if not isinstance(nb.get("metadata"), dict):
            raise ValueError("its metadata is not an object")
        for cell in nb.cells:  # a cell of the wrong shape must not crash the grader later
            if not isinstance(cell.get("source"), str) or not isinstance(cell.get("cell_type"), str):
                raise ValueError("a cell has no text source")
            if not isinstance(cell.get("metadata", {}), dict):
                cell["metadata"] = nbformat.NotebookNode()
            if cell.get("id") is not None and not isinstance(cell.get("id"), str):
                cell["id"] = None
    except UnicodeDecodeError:
        sub.problems.append("not a notebook: the file is not text (UTF-8)")
        sub.gradable = False
        return
    except OverflowError as exc:
        sub.problems.append(f"could not read the file: {exc}")
        sub.gradable = False
        return
    except Exception as exc:  # nbformat raises several kinds for a file that is not a notebook
        reason = "invalid JSON" if "JSON" in type(exc).__name__ or isinstance(exc, json.JSONDecodeError) \
            else f"not a Jupyter notebook ({type(exc).__name__}: {short(exc)})"
        sub.problems.append(f"could not read the file: {reason}")
        sub.gradable = False
        return
    sub.nb = nb
    course = nb.metadata.get("liverlab") if isinstance(nb.metadata.get("liverlab"), dict) else {}
    if nb.metadata.get("liverlab") is not None and not isinstance(nb.metadata.get("liverlab"), dict):
        sub.problems.append("its liverlab metadata is not an object; ignored")
    meta_number = course.get("notebook")
    from_meta = None
    if isinstance(meta_number, str) and re.fullmatch(r"\d{1,2}", meta_number.strip()):
        from_meta = meta_number.strip().zfill(2)
    elif isinstance(meta_number, int) and not isinstance(meta_number, bool) and 0 <= meta_number < 100:
        from_meta = f"{meta_number:02d}"
    elif meta_number is not None:
        sub.problems.append(f"unreadable notebook number {short(meta_number)} in its metadata; ignored")
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    match = TITLE.match(first)
    from_title = match.group(1) if match else None
    if from_meta and from_title and from_meta != from_title:
        sub.problems.append(f"its metadata says notebook {from_meta} but its title says {from_title}; "
                            f"graded as {from_meta}")
    sub.notebook = from_meta or from_title
    variant = course.get("variant")
    if variant is not None:
        sub.variant = variant_number(variant)
        if sub.variant is None:
            sub.problems.append(f"unreadable variant id {short(variant)} in its metadata; graded as the course "
                                "version")


def variant_number(value) -> int | None:
    """A variant id from metadata: a whole number 1-9999 (or its text), else None.

    >>> [variant_number(v) for v in (3, "07", 2.0, float("inf"), 10 ** 300, True, {"a": 1}, "1e9")]
    [3, 7, 2, None, None, None, None, None]
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,4}\s*", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 10_000:
        value = int(value)
    if isinstance(value, int) and 1 <= value <= 9999:
        return value
    return None


def short(value, limit: int = 60) -> str:
    """A hostile value as a short, single-line text for the gradebook.

    >>> short("x" * 100, 10)
    "'xxxxx...'"
    """
    try:
        text = repr(value) if not isinstance(value, BaseException) else str(value)
    except Exception:  # e.g. an int too long to print, a recursion
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 4] + "...'"


def grade_submission(sub: Submission, exercises: list[Exercise], answers: tuple[dict, dict] | None,
                     run_dir: Path, cell_timeout: int, total_timeout: int, setup: "RunSetup",
                     preload: list[str] = ()) -> Graded:
    """Execute one submission with recorders (in its own sandbox) and compare what they recorded with the
    expected values, outside it."""
    graded = Graded(sub)
    if not sub.gradable or answers is None:
        return graded
    private = run_dir / "private"
    private.mkdir(parents=True)
    nb, tokens, missing = instrumented(sub.nb, exercises, Path(SANDBOX_RECORDS), preload)
    import nbformat

    notebook = private / "graded.ipynb"  # given on standard input: it holds the recorders' tokens
    nbformat.write(nb, notebook)
    records_path, status_path, log_path = private / "records.jsonl", private / "status.jsonl", private / "log.txt"
    hard = total_timeout + HARD_MARGIN
    outcome = execute(notebook, records_path, status_path, log_path, cell_timeout, total_timeout, setup,
                      data_dir(sub.variant, setup.variants_dir))
    notebook.unlink()
    status = read_status(status_path)
    if outcome.timed_out:
        sub.problems.append(f"grading was stopped after {hard} s (the whole sandbox was killed); "
                            "answers recorded before then are kept")
    elif not status:
        sub.problems.append("the grading worker failed: " + (" ".join(outcome.log.split())[-300:]
                                                             or f"exit status {outcome.returncode}"))
    elif not status["finished"]:
        sub.problems.append(f"grading stopped early, after cell {status['cell']} (the notebook's code killed the "
                            "grading process, or it died); exercises after it were not graded")
        graded.notes.append(f"Grading stopped after cell {status['cell']} of your notebook (its code stopped the "
                            "grading process); the exercises after it could not be graded.")
    records = read_records(records_path, tokens)
    shutil.rmtree(run_dir, ignore_errors=True)  # up to 3 x 64 MiB the sandbox could fill: gone now
    return judge(graded, exercises, answers, records, status, missing, cell_timeout, total_timeout)


def judge(graded: Graded, exercises: list[Exercise], answers: tuple[dict, dict], records: dict, status: dict,
          missing: list[str], cell_timeout: int, total_timeout: int) -> Graded:
    """Verdicts from what the sandbox recorded (already checked by ``read_records`` / ``read_status``)."""
    from liverlab.checks import evaluate

    sub = graded.submission
    values, rules = answers
    for cell_no in [c for c in status.get("timeouts", []) if c != status.get("stuck")]:
        sub.problems.append(f"cell {cell_no} ran over the {cell_timeout} s limit and was interrupted")
        graded.notes.append(f"Cell {cell_no} of your notebook (counting every cell from the top) ran longer than "
                            f"{cell_timeout} seconds and was stopped; the cells after it were still run.")
    if status.get("crashed") is not None:
        where = f"cell {status['crashed']}" if status["crashed"] else "start-up, before the first cell"
        sub.problems.append(f"the kernel died while running {where} "
                            f"({status.get('failure') or 'e.g. os._exit, a crash or out of memory'}); "
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
        listed = ", ".join(errors[:10]) + (" ..." if len(errors) > 10 else "")
        sub.problems.append(f"cell(s) raised an error: {listed}")
        graded.notes.append(f"When run from top to bottom in a fresh kernel, these cells raised an error: {listed}.")
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
                                            f"({entry['error'][:300]})." + hint)
        elif exercise.id not in values or exercise.id not in rules:
            sub.problems.append(f"no expected value for exercise {exercise.id}: ask the instructor")
            graded.verdicts[exercise.id] = ("not answered", "This exercise could not be graded.")
        elif not finite(entry["value"]):
            graded.verdicts[exercise.id] = ("not yet", "Your answer is not a finite number (NaN or infinity)."
                                            + hint)
        else:
            options = dict(exercise.options)
            key = grading_key(exercise.id, values[exercise.id], rules[exercise.id], options)
            try:
                verdict = evaluate(exercise.id, from_plain(entry["value"]), key, hint=exercise.hint,
                                   names=options.get("names"), choice=bool(options.get("choice")))
            except Exception as exc:  # an odd value must cost only this exercise
                sub.problems.append(f"exercise {exercise.id} could not be compared ({type(exc).__name__})")
                graded.verdicts[exercise.id] = ("not yet", "Your answer could not be compared with the expected "
                                                "one (an unexpected kind of value)." + hint)
                continue
            if verdict.status == "not answered":
                message = "The placeholder `...` is still in your answer." + hint
            else:
                message = re.sub(r"^\S+ Exercise [\d.]+: (correct|not yet)\.\s*", "", verdict.message)
            graded.verdicts[exercise.id] = (verdict.status, message)
    return graded


def finite(value) -> bool:
    """No NaN or infinity anywhere in a recorded value.

    >>> finite({"type": "list", "items": [1.0, 2]}), finite({"type": "list", "items": [float("nan")]})
    (True, False)
    """
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.get("items", []))
    return True


STATUS_FIELDS = ("crashed", "capped", "stuck", "cell")


def read_status(path: Path) -> dict:
    """The worker's last complete status line, checked field by field ({} when there is none)."""
    status: dict = {}
    for line in reversed(sandbox.read_untrusted(path, MAX_RECORD_BYTES).splitlines()):
        try:
            raw = json.loads(line)
        except (json.JSONDecodeError, RecursionError, ValueError):
            continue
        if isinstance(raw, dict):
            status = raw
            break
    if not status:
        return {}

    def cell_no(v):
        return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 100_000 else None

    clean = {k: cell_no(status.get(k)) for k in STATUS_FIELDS}
    clean["timeouts"] = [c for c in map(cell_no, status.get("timeouts") or [] if isinstance(
        status.get("timeouts"), list) else []) if c is not None][:1000]
    errors = status.get("errors") if isinstance(status.get("errors"), list) else []
    clean["errors"] = [[e[0], e[1][:100]] for e in errors[:1000] if isinstance(e, list) and len(e) == 2
                       and cell_no(e[0]) is not None and isinstance(e[1], str)]
    failure = status.get("failure")
    clean["failure"] = " ".join(failure.split())[:300] if isinstance(failure, str) else None
    clean["finished"] = status.get("finished") is True
    return clean


@dataclass
class RunSetup:
    """How the notebooks of one grading run are executed."""

    sandboxed: bool
    variants_dir: Path
    pycache: Path | None = None   # compiled bytecode for the kernels (read-only in the sandbox)
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)


def data_dir(variant: int | None, variants_dir: Path) -> Path:
    """The data folder a submission's notebook reads: the variant's own ``data/`` if it has one, else the course's."""
    if variant is not None:
        own = variant_folder(variants_dir, variant) / "data"
        if own.is_dir():
            return own
    return DATA


def library_dir() -> Path:
    import liverlab

    return Path(liverlab.__file__).resolve().parent


def execute(notebook: Path, records: Path, status: Path, log: Path, cell_timeout: int, total_timeout: int,
            setup: RunSetup, data: Path) -> sandbox.Outcome:
    """Run the worker on one instrumented notebook: in a sandbox, or (practice grading) as a plain process."""
    records.touch()
    env = {"MPLBACKEND": "Agg", "LIVERLAB_DATA": SANDBOX_DATA, "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": str(library_dir().parent), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1", "JUPYTER_PLATFORM_DIRS": "1"}
    if setup.pycache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(setup.pycache)
    args = [SANDBOX_STATUS, sandbox.WORK, str(cell_timeout), str(total_timeout)]
    limits = dataclasses.replace(setup.limits, seconds=total_timeout + HARD_MARGIN)
    if setup.sandboxed:
        ro = {p: p for p in sandbox.python_paths()}
        ro.update({library_dir(): library_dir(), WORKER: SANDBOX_WORKER, data: SANDBOX_DATA})
        if setup.pycache is not None:
            ro[setup.pycache] = setup.pycache
        env["LIVERLAB_GRADE_SECCOMP"] = "1"
        return sandbox.run([sys.executable, SANDBOX_WORKER, *args], ro_binds=ro, stdin=notebook, log=log,
                           rw_files={records: SANDBOX_RECORDS, status: SANDBOX_STATUS}, limits=limits, env=env)
    return unsandboxed(notebook, records, status, log, args, env, limits, data)


def unsandboxed(notebook: Path, records: Path, status: Path, log: Path, args: list[str], env: dict,
                limits: sandbox.Limits, data: Path) -> sandbox.Outcome:
    """Practice grading without a sandbox: the same worker as a plain process with the grader's rights.

    The sandbox's paths are replaced by real ones (a temporary folder per submission); the wall-clock cap
    kills the process group, which a detached process escapes. Never for marks.
    """
    folder = notebook.parent
    work = folder / "work"
    work.mkdir()
    (folder / "data").symlink_to(data, target_is_directory=True)
    env = {**{k: v for k, v in os.environ.items() if k != RECORD_ENV}, **env, "LIVERLAB_DATA": str(data)}
    text = notebook.read_text(encoding="utf-8").replace(SANDBOX_RECORDS, str(records))
    notebook.write_text(text, encoding="utf-8")
    args = [str(status), str(work), *args[2:]]
    start = time.monotonic()
    with open(notebook, "rb") as inp, open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, str(WORKER), *args], stdin=inp, stdout=out, stderr=out,
                                   cwd=work, env=env, start_new_session=True)
    timed_out = False
    try:
        process.wait(timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        timed_out = True
    sandbox.kill(process)
    return sandbox.Outcome(process.returncode, timed_out, time.monotonic() - start,
                           sandbox.read_untrusted(log, 4000, tail=True))


def cores() -> int:
    """The cores this process may use (a container's CPU set, not the host's count when they differ)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS
        return os.cpu_count() or 1









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


def write_gradebook(path: Path, graded: list[Graded], exercise_ids: list[str], questions: list = ()) -> None:
    """One row per submission and per roster student without one; written atomically.

    ``total``: exercises right plus written marks awarded; ``percent``: of every mark there is (a written
    answer not marked yet counts 0 until ``MARKS=`` merges it).
    """
    import io

    possible = len(exercise_ids) + sum(q.marks for q in questions)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "file", "notebook", "variant", *exercise_ids,
                     *[written.column(q) for q in questions], "total", "percent", "error"])
    for g in graded:
        sub = g.submission
        marks = [g.written.get(q.id) for q in questions]
        if g.verdicts:
            scores = [SCORE[g.verdicts[e][0]] if e in g.verdicts else "" for e in exercise_ids]
            total = g.total + sum(m[0] for m in marks if m and m[0] is not None)
            percent = f"{100 * total / possible:.1f}" if possible else ""
            total = written.number(total)
        else:
            scores, total, percent = [""] * len(exercise_ids), "", ""
        shown = [written.number(m[0]) if m and m[0] is not None else "" for m in marks]
        writer.writerow([written.cell_text(sub.student), written.cell_text(sub.file), sub.notebook or "",
                         "" if sub.variant is None else sub.variant, *scores, *shown, total, percent,
                         written.cell_text("; ".join(sub.problems))])
    atomic_write(path, buffer.getvalue())


def feedback_text(g: Graded, title: str, exercise_ids: list[str], questions: list = ()) -> str:
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
    for q in questions if g.verdicts else []:
        lines += written.feedback_lines(q, g.written.get(q.id), g.answers.get(q.id, ""))
    if g.notes:
        lines += ["## Notes", "", *[f"- {n}" for n in g.notes], ""]
    lines += ["---", "", "*How this was graded: your notebook was run again from top to bottom in a fresh kernel, "
              "and each answer was recomputed from your code; what the notebook showed when you saved it was not "
              "used.*", ""]
    return "\n".join(lines)





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
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["exercise", "right", "not_yet", "not_answered", "graded",
                                                "percent_right"])
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(folder / "summary.csv", buffer.getvalue())
    partial = folder / f".summary.{os.getpid()}.partial.png"
    summary_figure(rows, title).savefig(partial, dpi=120, bbox_inches="tight")
    os.replace(partial, folder / "summary.png")


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


def progress_bar(total: int):
    """tqdm's bar on stderr; a plain count per finished notebook where tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        class Plain:
            done = 0

            def update(self, n=1):
                self.done += n
                print(f"graded {self.done}/{total}", file=sys.stderr, flush=True)

            def close(self):
                pass
        return Plain()
    return tqdm(total=total, desc="grading", unit="notebook", file=sys.stderr)


class SandboxUnavailable(Exception):
    """Grading for marks was asked for where no sandbox can be made."""


def grade(folder: Path, out: Path, *, notebook: str | None = None, roster: Path | None = None,
          variants_dir: Path = VARIANTS, jobs: int | None = None, cell_timeout: int = CELL_TIMEOUT,
          total_timeout: int = TOTAL_TIMEOUT, progress: bool = True, sandboxed: bool = True,
          marks: Path | None = None, limits: sandbox.Limits | None = None) -> dict:
    """Grade every submission in ``folder`` into ``out``; return a summary (also printed by ``main``).

    ``sandboxed=False`` is practice grading (every row says so). ``marks``: a filled-in written-answer
    CSV (``written_marks.csv``) to merge. Returns a dict with ``submissions``, ``problems`` (rows with an
    error, plus an empty folder), the ``notebook`` graded, ``seconds``, ``resumed`` (submissions whose
    result a previous, interrupted run had kept) and the path of the ``gradebook``.
    Raises ``SandboxUnavailable`` when ``sandboxed`` and no sandbox can be made.
    """
    start = time.perf_counter()
    if sandboxed and sandbox.problem():
        raise SandboxUnavailable(sandbox.problem())
    out.mkdir(parents=True, exist_ok=True)
    subs = find_submissions(folder, out)
    for sub in subs:
        try:
            read_submission(sub)
        except Exception as exc:  # never expected: still only this row
            sub.problems.append(f"could not read the file ({type(exc).__name__}: {short(exc)})")
            sub.gradable = False
    numbers = collections.Counter(s.notebook for s in subs if s.gradable and s.notebook)
    if notebook is None:
        notebook = numbers.most_common(1)[0][0] if numbers else None
    exercises, title = solution_exercises(notebook) if notebook else ([], "no notebook")
    exercise_ids = [e.id for e in exercises]
    questions = written.questions(solution_path(notebook)) if notebook else []
    given = written.read_marks(marks, questions) if marks else {}  # a bad marks file stops before any work
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
    roster_map = read_roster(roster) if roster else None
    resolve_variants(subs, roster_map)
    flag_duplicates(subs)
    if not sandboxed:
        for sub in subs:
            sub.problems.insert(0, NO_SANDBOX)

    answers: dict = {}
    for sub in subs:
        if sub.gradable and sub.variant not in answers:
            try:
                answers[sub.variant] = expected_answers(notebook, sub.variant, variants_dir)
            except Exception as exc:  # KeyProblem, or a key file that cannot be read
                answers[sub.variant] = exc if isinstance(exc, KeyProblem) else KeyProblem(
                    f"the answers of variant {sub.variant} cannot be read ({type(exc).__name__}: {short(exc)})")
        if sub.gradable and isinstance(answers.get(sub.variant), KeyProblem):
            sub.problems.append(f"not graded: {answers[sub.variant]}")
            sub.gradable = False

    cache = out / CACHE
    cache.mkdir(exist_ok=True)
    graded: list[Graded | None] = [None] * len(subs)
    resumed = 0
    setup = RunSetup(sandboxed=sandboxed, variants_dir=variants_dir, limits=limits or sandbox.Limits())
    with tempfile.TemporaryDirectory(prefix="liverlab-grade-") as tmp:
        todo, before = [], {}
        for i, sub in enumerate(subs):
            before[i] = len(sub.problems)
            key = cache_key(sub, answers.get(sub.variant), notebook, cell_timeout, total_timeout, sandboxed)
            kept = load_cached(cache, key, sub) if key else None
            if kept is not None:
                graded[i], resumed = kept, resumed + 1
            else:
                todo.append((i, key))
        if todo:
            setup.pycache = warm_pycache(preload, Path(tmp) / "pycache")
        bar = progress_bar(len(subs)) if progress and subs else None
        if bar and resumed:
            bar.update(resumed)
        with ThreadPoolExecutor(max_workers=max(1, jobs or cores())) as pool:
            futures = {pool.submit(grade_submission, subs[i], exercises, answers.get(subs[i].variant)
                                   if subs[i].gradable else None, Path(tmp) / f"submission_{i:04d}",
                                   cell_timeout, total_timeout, setup, preload): (i, key) for i, key in todo}
            for future in as_completed(futures):
                i, key = futures[future]
                try:
                    graded[i] = future.result()
                except Exception as exc:  # a bug or an odd file must never lose a student
                    subs[i].problems.append(f"grading failed ({type(exc).__name__}: {short(exc, 200)})")
                    graded[i] = Graded(subs[i])
                else:
                    if key:
                        save_cached(cache, key, graded[i], before[i])
                if bar:
                    bar.update()
        if bar:
            bar.close()

    for sub, g in zip(subs, graded):
        g.answers = {q.id: written.student_answer(sub.nb, q) for q in questions} if sub.nb is not None else {}
    rows = graded + [Graded(Submission(None, student, "", notebook, variant, ["no submission"], gradable=False))
                     for student, variant in (roster_map or {}).items()
                     if student not in {s.student for s in subs}]
    for g in rows:
        g.written = {q.id: given.get((g.submission.student, g.submission.file, q.id)) for q in questions}
    if questions:
        written.write_marking(out, questions, rows, f"notebook {title}", keep=[p for p in (marks,) if p])
    write_gradebook(out / "gradebook.csv", rows, exercise_ids, questions)
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    names = feedback_names(subs)
    for i, g in enumerate(graded):
        atomic_write(feedback / f"{names[i]}.md", feedback_text(g, f"notebook {title}", exercise_ids, questions))
    summary = summarise(graded, exercise_ids)
    write_summary(out, summary, f"notebook {notebook}" if notebook else "no submissions")
    problems = sum(1 for g in rows if g.submission.problems) + (0 if subs else 1)
    return {"submissions": len(subs), "problems": problems, "notebook": notebook, "resumed": resumed,
            "missing": len(rows) - len(subs), "written": [q.id for q in questions],
            "seconds": time.perf_counter() - start, "gradebook": out / "gradebook.csv"}


def cache_key(sub: Submission, answers, notebook, cell_timeout: int, total_timeout: int, sandboxed: bool) -> str:
    """What a submission's result depends on: its text, its expected answers, the grader and its limits."""
    if not sub.gradable or not sub.digest or not isinstance(answers, tuple):
        return ""
    grader = b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py")))
    parts = [sub.digest, json.dumps(answers, sort_keys=True, default=str), str(notebook), str(cell_timeout),
             str(total_timeout), str(sandboxed), hashlib.sha256(grader).hexdigest()]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def load_cached(cache: Path, key: str, sub: Submission) -> Graded | None:
    """A result the grader wrote itself in an earlier run (same key), or None."""
    try:
        kept = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
        graded = Graded(sub, {k: tuple(v) for k, v in kept["verdicts"].items()}, list(kept["notes"]))
        sub.problems.extend(kept["problems"])
        return graded
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_cached(cache: Path, key: str, graded: Graded, before: int) -> None:
    """Keep a submission's result (the problems the run itself found: those after ``before``)."""
    atomic_write(cache / f"{key}.json", json.dumps({"verdicts": graded.verdicts, "notes": graded.notes,
                                                    "problems": graded.submission.problems[before:]}))


def atomic_write(path: Path, text: str) -> None:
    """Write a file whole or not at all (a temporary file beside it, then ``os.replace``)."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def warm_pycache(modules: list[str], fallback: Path) -> Path | None:
    """Compiled bytecode for the kernels when the environment has none beside its packages, else None.

    Written here, by the grader, before any student code runs; the sandboxes read it only.
    """
    if has_bytecode():
        return None
    cache = bytecode_cache(fallback)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    imports = ["ipykernel.kernelapp", "ipykernel.ipkernel", "nbclient", "nbformat", *modules]
    code = "import importlib\nfor m in %r:\n    try:\n        importlib.import_module(m)\n    except Exception:\n" \
           "        pass\n" % imports
    subprocess.run([sys.executable, "-c", code], env=env, cwd=tempfile.gettempdir(), check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    return cache


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


def bench_grading(n: int = 40, notebook: str = "02", jobs: int = 2, answered: float = 1.0) -> dict:
    """Grade ``n`` submissions of ``notebook`` with ``jobs`` (a share ``answered`` answered in full, the rest
    blank) and time one plain run of the answered notebook (no sandbox, no recorders): the floor.

    Called by ``tools.bench``: returns ``seconds`` (grading), ``floor`` (one run) and ``ratio`` =
    seconds / (n × floor / jobs); the issue's budget is a ratio of 1.3.
    """
    import copy

    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="liverlab-bench-grade-") as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        full, blank = answered_notebook(notebook), answered_notebook(notebook, set())
        for k in range(n):
            nbformat.write(full if k < round(n * answered) else blank, folder / f"student_{k:03d}.ipynb")
        work = Path(tmp) / "floor"
        work.mkdir()
        (work / "data").symlink_to(DATA, target_is_directory=True)
        runs = []
        for _ in range(3):  # median of 3: the machine's load changes under a long measurement
            start = time.perf_counter()
            NotebookClient(copy.deepcopy(full), kernel_name="python3", timeout=600, allow_errors=True,
                           resources={"metadata": {"path": str(work)}}).execute()
            runs.append(time.perf_counter() - start)
        floor = sorted(runs)[1]
        result = grade(folder, Path(tmp) / "grading", notebook=notebook, jobs=jobs, progress=False)
    ideal = n * floor / jobs
    return {"seconds": result["seconds"], "floor": floor, "ratio": result["seconds"] / ideal,
            "problems": result["problems"]}


# ----------------------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m assessment.grade", description=__doc__,
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
    parser.add_argument("--marks", type=Path, help="the filled-in written_marks.csv to merge")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="practice grading without a sandbox (every row says: not for marks)")
    args = parser.parse_args(argv)
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
    if args.marks is not None and not args.marks.is_file():
        parser.error(f"the marks file {args.marks} does not exist")
    try:
        result = grade(args.submissions, args.out, notebook=args.notebook, roster=args.roster,
                       variants_dir=args.variants, jobs=args.jobs, cell_timeout=args.timeout,
                       total_timeout=args.total_timeout, sandboxed=not args.no_sandbox, marks=args.marks)
    except SandboxUnavailable as exc:
        print(f"Not grading: {exc}", file=sys.stderr)
        return 3
    except written.MarksProblem as exc:
        print(f"Not merged: {exc}", file=sys.stderr)
        return 2
    if result["submissions"] == 0:
        print(f"No submissions: no .ipynb files in {args.submissions}. Wrote an empty gradebook to {args.out}.")
    else:
        print(f"Graded {result['submissions']} submission(s) of notebook {result['notebook']} in "
              f"{result['seconds']:.0f} s; wrote {args.out / 'gradebook.csv'}, {args.out / 'feedback'}/, "
              f"{args.out / 'summary.csv'} and {args.out / 'summary.png'}.")
    if result["resumed"]:
        print(f"{result['resumed']} submission(s) were already graded by an earlier run (same file, same key): "
              f"kept from {args.out / CACHE}/.")
    if result["missing"]:
        print(f"{result['missing']} roster student(s) have no submission (a row each, error 'no submission').")
    if result["written"]:
        print(f"Written answers ({', '.join(result['written'])}): read {args.out / 'written'}/, fill "
              f"{args.out / written.MARKS_CSV} and merge it with MARKS={args.out / written.MARKS_CSV}"
              + ("; merged." if args.marks else "; until then they count 0 in total and percent."))
    if args.no_sandbox:
        print("PRACTICE GRADING without a sandbox: not for marks (every row says so).")
    print(f"{result['problems']} problem(s)" + (": see the error column of the gradebook." if
                                                result["problems"] and result["submissions"] else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
