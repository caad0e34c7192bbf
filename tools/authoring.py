"""Build the course's notebooks from their single source, ``solutions/NN_slug.ipynb``.

Commands (each has a ``make`` target):

``python -m tools.authoring student``   (``make student``)
    1. read every ``solutions/NN_slug.ipynb``;
    2. drop the cells tagged ``instructor``;
    3. replace code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` by a
       placeholder: ``name = ...  # your code here`` for each name the solution assigns;
    4. replace markdown cells tagged ``solution`` by an answer prompt, followed by the model answer
       in a collapsed ``<details>`` block (open it after writing your own);
    5. clear outputs and execution counts, set the kernelspec to ``python3``;
    6. write ``notebooks/NN_slug.ipynb``.

``python -m tools.authoring solutions [NN ...]``   (``make solutions``)
    Execute the solution notebooks in place (outputs kept), recording each
    exercise's answer key from the value the solution computes
    (``notebooks/answer_keys.json``; plain values for instructors in
    ``solutions/answer_values.json``), then build the student notebooks.

``python -m tools.authoring lint``
    Report notebooks that lack a required section, exercises without a self-check,
    unbalanced solution markers, stale student notebooks, and leaks of solution code
    or answer values into a student notebook, stated times shorter than the estimate, Going-deeper
    sections out of style, model answers too short to compare with, core text that uses a listed term
    undefined or points to files students do not have (``tools.terms``), and figure outputs without
    alt text (``alt_problems``). Exit status 1 if anything is wrong.

``python -m tools.authoring times``
    Estimated minutes of each notebook's core path and optional sections (``tools.pacing``).

Problems are collected per notebook and reported together.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import json
import os
import re
import sys
import tempfile
import textwrap
from pathlib import Path

import nbformat

from tools import pacing, quoted_numbers, terms

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
NOTEBOOKS = ROOT / "notebooks"
KEYS = NOTEBOOKS / "answer_keys.json"  # read by the notebooks from their own folder
ANSWER_VALUES = SOLUTIONS / "answer_values.json"
# Hash of each code cell's source when `make solutions` last executed a solution: the lint compares
# it with the current sources to find stored outputs that are stale.
EXECUTED = SOLUTIONS / "executed_sources.json"
QUOTED = SOLUTIONS / "quoted_numbers.json"  # numbers the prose quotes from outputs (tools.quoted_numbers)
# The kernel's own log (e.g. "Kernel is running over TCP without encryption") is noise here.
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
SOLUTION_TAG = "solution"
INSTRUCTOR_TAG = "instructor"
PLACEHOLDER_COMMENT = "# your code here"
ANSWER_PROMPT = "✍️ **Your answer:** *double-click this cell and write your answer here.*"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
RECORD_ENV = "LIVERLAB_RECORD_ANSWERS"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
NOTEBOOK_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
EXERCISE_HEADING = re.compile(r"^#{2,4}\s+Exercise\s+(\d+\.\d+)\b", re.MULTILINE)
CHECK_CALL = re.compile(r"""\bcheck\(\s*["'](\d+\.\d+)["']""")

# What every notebook must contain (requirement -> pattern searched in its markdown).
REQUIRED_SECTIONS = {
    "title ('# NN · Title' in the first cell)": None,  # checked separately
    "audience ('**For:**')": re.compile(r"\*\*For:\*\*"),
    "time estimate ('**Time:**')": re.compile(r"\*\*Time:\*\*"),
    "prerequisites ('**Prerequisites:**')": re.compile(r"\*\*Prerequisites:\*\*"),
    "glossary link ('**Glossary:** | [GLOSSARY.md](../GLOSSARY.md)')": re.compile(
        r"\*\*Glossary:\*\*.*\]\(\.\./GLOSSARY\.md\)"),
    "learning objectives ('## Learning objectives')": re.compile(r"^##\s+Learning objectives", re.M),
    "key points ('## Key points')": re.compile(r"^##\s+Key points", re.M),
    "references ('## References')": re.compile(r"^##\s+References", re.M),
}


# ----------------------------------------------------------------------------------------
# Reading and writing
# ----------------------------------------------------------------------------------------
def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def dumps(nb: nbformat.NotebookNode) -> str:
    """The exact text written to disk (stable key order, one trailing newline)."""
    return nbformat.writes(nb) + "\n"


def write(nb: nbformat.NotebookNode, path: Path) -> None:
    path.write_text(dumps(nb), encoding="utf-8")


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


# ----------------------------------------------------------------------------------------
# Student version: pure functions nb -> new nb
# ----------------------------------------------------------------------------------------
def assigned_names(code: str) -> list[str]:
    """Top-level names a solution block assigns or defines, in order, without repeats."""
    names: list[str] = []

    def add_target(target):
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                add_target(element)
        elif isinstance(target, ast.Starred):
            add_target(target.value)

    for node in ast.parse(textwrap.dedent(code)).body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                add_target(target)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            add_target(node.target)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
    return list(dict.fromkeys(names))


def placeholder(code: str, indent: str) -> list[str]:
    """The lines that replace one solution block."""
    names = assigned_names(code)
    if not names:
        return [f"{indent}...  {PLACEHOLDER_COMMENT}"]
    return [f"{indent}{name} = ...  {PLACEHOLDER_COMMENT}" for name in names]


def strip_solution_code(source: str) -> str:
    """Replace every BEGIN/END SOLUTION block of a code cell's source by placeholders."""
    out: list[str] = []
    block: list[str] | None = None
    indent = ""
    for line in source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            if block is not None:
                raise ValueError(f"'{BEGIN}' inside another solution block")
            block, indent = [], line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            if block is None:
                raise ValueError(f"'{END}' without a matching '{BEGIN}'")
            out.extend(placeholder("\n".join(block), indent))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise ValueError(f"'{BEGIN}' without a matching '{END}'")
    return "\n".join(out)


MODEL_ANSWER = ("<details>\n<summary>📖 <b>Model answer{of}</b>: open it after you have written yours</summary>\n\n"
                "{answer}\n\n</details>")


def model_answer_cell(cell, exercise_id: str | None):
    """The collapsed model answer shown under a student's answer prompt (from a ``solution`` markdown cell)."""
    of = f" for Exercise {exercise_id}" if exercise_id else ""
    new = nbformat.v4.new_markdown_cell(MODEL_ANSWER.format(of=of, answer=cell.source.strip()))
    new.id = f"{cell.get('id') or 'cell'}-model"
    new.metadata = {"tags": ["model-answer"]}
    return new


def student_cell(cell):
    cell = copy.deepcopy(cell)
    cell_tags = tags(cell)
    if cell.cell_type == "code":
        if SOLUTION_TAG in cell_tags:
            cell.source = "\n".join(placeholder(cell.source, ""))
        else:
            cell.source = strip_solution_code(cell.source)
        cell.outputs = []
        cell.execution_count = None
    elif cell.cell_type == "markdown" and SOLUTION_TAG in cell_tags:
        cell.source = ANSWER_PROMPT
    kept_tags = [t for t in cell_tags if t != SOLUTION_TAG]
    cell.metadata = {"tags": kept_tags} if kept_tags else {}
    return cell


def student_version(nb: nbformat.NotebookNode, number: str | None = None,
                    variant: int | None = None) -> nbformat.NotebookNode:
    """The student notebook: answers removed, each written answer's model answer collapsed under its prompt.

    ``number`` ("02") and ``variant`` are stored in the notebook's metadata (``liverlab``), so a
    submitted notebook says which course notebook and which variant it is (``tools.grade``).
    """
    new = copy.deepcopy(nb)
    cells, exercise_id = [], None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = EXERCISE_HEADING.search(cell.source)
            if heading:
                exercise_id = heading.group(1)
            elif re.match(r"^#{1,4}\s", cell.source):
                exercise_id = None
        if INSTRUCTOR_TAG in tags(cell):
            continue
        cells.append(student_cell(cell))
        if cell.cell_type == "markdown" and SOLUTION_TAG in tags(cell):
            cells.append(model_answer_cell(cell, exercise_id))
    new.cells = cells
    new.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    course = {k: v for k, v in (("notebook", number), ("variant", variant)) if v is not None}
    if course:
        new.metadata["liverlab"] = course
    return new


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout (or stderr) outputs: the kernel may split one print in two."""
    merged: list = []
    for output in outputs:
        if (output.get("output_type") == "stream" and merged
                and merged[-1].get("output_type") == "stream" and merged[-1].name == output.name):
            merged[-1].text += output.text
        else:
            merged.append(output)
    return merged


def clean_solution(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Solution metadata that does not vary from machine to machine, and merged streams."""
    new = copy.deepcopy(nb)
    new.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for i, cell in enumerate(new.cells):
        cell.id = cell.get("id") or f"cell-{i:03d}"
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
            stable_widget_ids(cell)
    return new


def stable_widget_ids(cell) -> None:
    """Replace random widget model ids (the widget state is not stored anyway) by stable ones."""
    for k, output in enumerate(cell.outputs):
        view = output.get("data", {}).get(WIDGET_VIEW)
        if view is not None:
            view["model_id"] = f"{cell.id}-widget-{k}"


def build_students(names: list[str] | None = None) -> list[Path]:
    written = []
    NOTEBOOKS.mkdir(exist_ok=True)
    for path in solution_paths(names):
        target = NOTEBOOKS / path.name
        write(student_version(read(path), path.name[:2]), target)
        written.append(target)
    return written


def solution_paths(names: list[str] | None = None) -> list[Path]:
    paths = sorted(p for p in SOLUTIONS.glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
    if names:
        paths = [p for p in paths if any(p.name.startswith(n) for n in names)]
    return paths


# ----------------------------------------------------------------------------------------
# Executing the solutions and recording the answer keys
# ----------------------------------------------------------------------------------------
class NotebookError(RuntimeError):
    """A cell of a notebook raised while the build executed it; the message names notebook and cell."""


def failed_cell_message(nb: nbformat.NotebookNode, name: str, exc: Exception) -> str:
    """'NAME, cell K (code cell J, line L): Error: message' from a partly executed notebook."""
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    code_number = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_number += 1
        error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
        if error is None:
            continue
        arrows = [ansi.sub("", line) for frame in error.get("traceback", [])
                  for line in frame.splitlines() if "---->" in ansi.sub("", line)]
        line = re.search(r"---->\s*(\d+)", arrows[0]) if arrows else None
        first = next((text for text in cell.source.splitlines() if text.strip()), "")
        where = f"cell {index} (code cell {code_number}" + (f", line {line.group(1)}" if line else "") + ")"
        return (f"{name}, {where}, which starts `{first.strip()[:70]}`:\n"
                f"    {error.get('ename', 'Error')}: {ansi.sub('', error.get('evalue', ''))}")
    return f"{name}: {type(exc).__name__}: {ansi.sub('', str(exc)).strip().splitlines()[-1:]}"


def run_recording(nb: nbformat.NotebookNode, cwd: Path,
                  name: str = "notebook") -> tuple[nbformat.NotebookNode, list[dict]]:
    """Execute a notebook in ``cwd`` with answer recording on; return it and the recorded answers.

    A cell that raises ends the run with ``NotebookError`` naming ``name`` and the cell.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = clean_solution(nb)
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "answers.jsonl"
        record.touch()
        os.environ[RECORD_ENV] = str(record)
        try:
            NotebookClient(nb, kernel_name="python3", timeout=600, record_timing=False,
                           store_widget_state=False, extra_arguments=KERNEL_ARGS,
                           resources={"metadata": {"path": str(cwd)}}).execute()
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            raise NotebookError(failed_cell_message(nb, name, exc)) from None
        finally:
            del os.environ[RECORD_ENV]
        entries = [json.loads(line) for line in record.read_text().splitlines()]
    return clean_solution(nb), entries


def execute_solutions(names: list[str] | None = None) -> None:
    for path in solution_paths(names):
        before = read(path)
        nb, entries = run_recording(before, path.parent, str(path.relative_to(ROOT)))
        write(nb, path)
        quoted_numbers.record(QUOTED, path.name, before, nb)
        update_keys(int(path.name[:2]), entries)
        record_sources(path.name, nb)
        print(f"executed {path.relative_to(ROOT)}: {len(entries)} answer key(s) recorded")


def update_keys(number: int, entries: list[dict]) -> None:
    """Replace notebook ``number``'s keys (ids "number.x"); a file lock keeps parallel builds safe."""
    import fcntl

    with open(KEYS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        keys = json.loads(KEYS.read_text()) if KEYS.exists() else {}
        values = json.loads(ANSWER_VALUES.read_text()) if ANSWER_VALUES.exists() else {}
        for key in [k for k in keys if k.split(".")[0] == str(number)]:
            keys.pop(key)
        for key in [k for k in values if k.split(".")[0] == str(number)]:
            values.pop(key)
        for entry in entries:
            keys[entry["id"]] = entry["key"]
            values[entry["id"]] = entry["value"]
        KEYS.write_text(json.dumps(dict(sorted(keys.items(), key=_id_order)), indent=1) + "\n")
        ANSWER_VALUES.write_text(json.dumps(dict(sorted(values.items(), key=_id_order)), indent=1,
                                            ensure_ascii=False) + "\n")


def source_hashes(nb: nbformat.NotebookNode) -> list[str]:
    """A short hash of each code cell's source, in order (cheap: no execution)."""
    return [hashlib.sha256(c.source.encode()).hexdigest()[:12] for c in nb.cells if c.cell_type == "code"]


def record_sources(name: str, nb: nbformat.NotebookNode) -> None:
    """Remember which code produced the stored outputs of solution ``name`` (see ``stale_problems``)."""
    import fcntl

    with open(KEYS.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        record = json.loads(EXECUTED.read_text()) if EXECUTED.exists() else {}
        record[name] = source_hashes(nb)
        EXECUTED.write_text(json.dumps(dict(sorted(record.items())), indent=1) + "\n")


def stale_problems(nb: nbformat.NotebookNode, name: str, record: dict) -> list[str]:
    """Code changed since `make solutions` made the stored outputs (and the answer keys)."""
    rerun = f"run `make solutions NB={name[:2]}`"
    if name not in record:
        return [f"no record of the code that made the stored outputs: {rerun}"]
    now, then = source_hashes(nb), record[name]
    if now == then:
        return []
    changed = next((i for i, (a, b) in enumerate(zip(now, then)) if a != b), min(len(now), len(then)))
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    where = f"cell {code_cells[changed]}" if changed < len(code_cells) else "a deleted code cell"
    return [f"stale outputs and answer keys: the code changed since they were made (first at {where}): {rerun}"]


def _id_order(item):
    return tuple(int(part) for part in item[0].split("."))


# ----------------------------------------------------------------------------------------
# Lint: structure, self-checks, freshness, leaks
# ----------------------------------------------------------------------------------------
def structure_problems(nb: nbformat.NotebookNode, name: str) -> list[str]:
    problems = []
    markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    first = nb.cells[0].source if nb.cells else ""
    number = name[:2]
    if not (nb.cells and nb.cells[0].cell_type == "markdown"
            and re.match(rf"#\s+{number}\s+·\s+\S", first)):
        problems.append(f"missing title: the first cell must start with '# {number} · Title'")
    for requirement, pattern in REQUIRED_SECTIONS.items():
        if pattern is not None and not pattern.search(markdown):
            problems.append(f"missing {requirement}")
    return problems


def exercise_problems(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """Every exercise has a self-check in its section; every check names an exercise."""
    problems = []
    number = int(name[:2])
    current, declared, checked, solved = None, [], set(), set()
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heading = EXERCISE_HEADING.search(cell.source)
            if heading:
                current = heading.group(1)
                declared.append(current)
            elif re.match(r"^#{1,4}\s", cell.source):
                current = None
            elif SOLUTION_TAG in tags(cell) and current:
                solved.add(current)
        else:
            if current and (SOLUTION_TAG in tags(cell) or BEGIN in cell.source):
                solved.add(current)
            for exercise_id in CHECK_CALL.findall(cell.source):
                if exercise_id == current:
                    checked.add(exercise_id)
                elif exercise_id not in declared:
                    problems.append(f"check('{exercise_id}') has no '### Exercise {exercise_id}' heading")
    for exercise_id in declared:
        if int(exercise_id.split(".")[0]) != number:
            problems.append(f"Exercise {exercise_id} should be numbered {number}.x in notebook {name}")
        if exercise_id not in solved:
            problems.append(f"Exercise {exercise_id} has no solution: put the answer code between "
                            f"'{BEGIN}' and '{END}' (or tag the cell '{SOLUTION_TAG}')")
        if exercise_id not in checked:
            problems.append(f"Exercise {exercise_id} has no self-check: add check(\"{exercise_id}\", ...) "
                            "in a code cell of its section")
    if len(declared) != len(set(declared)):
        problems.append("two exercises share a number")
    return problems


def marker_problems(nb: nbformat.NotebookNode) -> list[str]:
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            try:
                strip_solution_code(cell.source)
            except ValueError as exc:
                problems.append(f"cell {i}: {exc}")
            except SyntaxError as exc:
                problems.append(f"cell {i}: solution block is not valid Python ({exc.msg})")
        elif BEGIN in cell.source or END in cell.source:
            problems.append(f"cell {i}: solution markers belong in code cells; tag markdown "
                            f"answers '{SOLUTION_TAG}' instead")
    return problems


def prompt_problems(nb: nbformat.NotebookNode) -> list[str]:
    """A written-answer prompt typed into a solution has no model answer: tag the answer cell instead."""
    return [f"cell {i}: an answer prompt written by hand has no model answer: put the model answer in a "
            f"markdown cell tagged '{SOLUTION_TAG}' (students get the prompt and the collapsed model answer)"
            for i, cell in enumerate(nb.cells)
            if cell.cell_type == "markdown" and SOLUTION_TAG not in tags(cell)
            and ("**Your answer:**" in cell.source or ANSWER_PROMPT in cell.source)]


def solution_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Distinctive lines of solution code and answers (not also used outside a solution)."""
    secret, public = set(), set()
    for cell in nb.cells:
        cell_tags = tags(cell)
        if cell.cell_type == "markdown" and SOLUTION_TAG in cell_tags:
            continue  # a written model answer is shown to students, collapsed under their answer
        if INSTRUCTOR_TAG in cell_tags or SOLUTION_TAG in cell_tags:
            secret.update(cell.source.splitlines())
            continue
        inside = False
        for line in cell.source.splitlines():
            if line.strip() in (BEGIN, END):
                inside = line.strip() == BEGIN
                continue
            (secret if inside else public).add(line)
    public = {line.strip() for line in public}
    return {line.strip() for line in secret
            if len(line.strip()) >= 8 and line.strip() not in public
            and not line.strip().startswith("#")}


def _significant_digits(text: str) -> int:
    return len(text.lstrip("-").replace(".", "").lstrip("0"))


def answer_patterns(values: dict, keys: dict, number: int) -> list[tuple[str, re.Pattern]]:
    """Distinctive renderings of this notebook's answers (3+ significant digits)."""
    patterns = []
    for exercise_id, value in values.items():
        if exercise_id.split(".")[0] != str(number) or exercise_id not in keys:
            continue
        rule = keys[exercise_id]["rule"]
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                continue
            if rule["kind"] == "int":
                text = str(int(item))
            elif rule.get("decimals") is not None:
                text = f"{item:.{rule['decimals']}f}"
            else:
                text = f"{item:.{rule['sig']}g}"
            if _significant_digits(text) >= 3:
                patterns.append((exercise_id, re.compile(rf"(?<![\d.]){re.escape(text)}(?![\d])")))
    return patterns


def leak_problems(solution: nbformat.NotebookNode, student: nbformat.NotebookNode,
                  values: dict, keys: dict, number: int) -> list[str]:
    problems = []
    student_text = "\n".join(c.source for c in student.cells)
    for marker in (BEGIN, END):
        if marker in student_text:
            problems.append(f"solution marker '{marker}' in the student notebook")
    student_lines = {line.strip() for line in student_text.splitlines()}
    for line in sorted(solution_lines(solution) & student_lines):
        problems.append(f"solution line in the student notebook: {line!r}")
    for exercise_id, pattern in answer_patterns(values, keys, number):
        if pattern.search(student_text):
            problems.append(f"the answer to Exercise {exercise_id} appears in the student notebook")
    return problems


PARAMETERS_TAG = "parameters"
PARAMETERS_HEADER = "# Parameters: values an instructor may change (then run make solutions NB={number})"


def parameter_problems(nb: nbformat.NotebookNode, name: str) -> list[str]:
    """One code cell tagged 'parameters' among the first 6 cells, opening with the header comment."""
    header = PARAMETERS_HEADER.format(number=name[:2])
    tagged = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and PARAMETERS_TAG in tags(c)]
    if not tagged:
        return [f"no parameter cell: add a code cell tagged '{PARAMETERS_TAG}' right after the setup cell, whose "
                f"first line is '{header}', with the values an instructor may change (seeds, sample sizes, ...)"]
    problems = []
    if len(tagged) > 1:
        problems.append(f"{len(tagged)} code cells tagged '{PARAMETERS_TAG}' (cells {tagged}): keep one")
    if tagged[0] >= 6:
        problems.append(f"the parameter cell is cell {tagged[0]}: put it among the first 6 cells, after the setup cell")
    if nb.cells[tagged[0]].source.split("\n", 1)[0].strip() != header:
        problems.append(f"the parameter cell's first line must be '{header}'")
    return problems


IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")


def alt_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Figure outputs without alt text in their metadata (``{"image/png": {"alt": "..."}}``, as
    ``liverlab.style.show(alt=...)`` writes it): a screen reader, JupyterLab, the site and the
    deck have nothing to say about them (WCAG 1.1.1)."""
    problems = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            mimes = [m for m in IMAGE_MIMES if m in output.get("data", {})]
            metadata = output.get("metadata", {})
            alts = [metadata.get(m, {}).get("alt", "") if isinstance(metadata.get(m), dict) else ""
                    for m in mimes]
            if mimes and not any(isinstance(a, str) and a.strip() for a in alts):
                problems.append(f"cell {i}: figure without alt text: display it with "
                                "liverlab.style.show(alt=\"<the finding in a sentence>\") "
                                "instead of plt.show()")
    return problems


def lint(names: list[str] | None = None) -> dict[str, list[str]]:
    keys = json.loads(KEYS.read_text()) if KEYS.exists() else {}
    values = json.loads(ANSWER_VALUES.read_text()) if ANSWER_VALUES.exists() else {}
    executed = json.loads(EXECUTED.read_text()) if EXECUTED.exists() else {}
    report = {}
    for path in solution_paths(names):
        solution = read(path)
        stale = stale_problems(solution, path.name, executed)
        problems = (structure_problems(solution, path.name) + exercise_problems(solution, path.name)
                    + marker_problems(solution) + pacing.problems(solution) + prompt_problems(solution)
                    + parameter_problems(solution, path.name)
                    + quoted_numbers.problems(solution, path.name, QUOTED)
                    + terms.problems(solution))
        student_path = NOTEBOOKS / path.name
        if not student_path.exists():
            problems.append(f"notebooks/{path.name} is missing: run `make student`")
        elif not problems:
            expected = dumps(student_version(solution, path.name[:2]))
            found = student_path.read_text(encoding="utf-8")
            if found != expected:
                problems.append(f"notebooks/{path.name} differs from what `make student` generates "
                                "from the solution (stale or edited by hand): run `make student`")
            problems += leak_problems(solution, nbformat.reads(found, as_version=4), values, keys,
                                      int(path.name[:2]))
        for exercise_id in CHECK_CALL.findall("\n".join(c.source for c in solution.cells)):
            if exercise_id not in keys:
                problems.append(f"no answer key for Exercise {exercise_id}: run `make solutions`")
        report[path.name] = stale + alt_problems(solution) + problems
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if not (SOLUTIONS / path.name).exists():
            report[path.name] = [f"notebooks/{path.name} has no source in solutions/"]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.authoring", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["student", "solutions", "lint", "times"])
    parser.add_argument("notebooks", nargs="*", help="notebook numbers, e.g. 01 02 (default: all)")
    args = parser.parse_args(argv)
    if args.command == "solutions":
        try:
            execute_solutions(args.notebooks)
        except NotebookError as exc:
            which = f' NB="{" ".join(args.notebooks)}"' if len(args.notebooks) > 1 else \
                f" NB={args.notebooks[0]}" if args.notebooks else ""
            print(f"make solutions stopped: {exc}\nFix the solution, then run `make solutions{which}` again.",
                  file=sys.stderr)
            return 1
    if args.command in ("student", "solutions"):
        for path in build_students(args.notebooks):
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if args.command == "times":
        print(pacing.table({p.name: read(p) for p in solution_paths(args.notebooks)}))
        return 0
    report = lint(args.notebooks)
    bad = {name: problems for name, problems in report.items() if problems}
    for name, problems in bad.items():
        print(f"{name}:", *(f"  - {p}" for p in problems), sep="\n", file=sys.stderr)
    print(f"lint: {len(report) - len(bad)} notebook(s) fine, {len(bad)} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
