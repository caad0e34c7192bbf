"""The student distribution: what an nbgitpuller link, a hub folder or a zip for students holds.

``python -m tools.release [--out _build/release] [--variants variants] [--allow-stale]
[--assessed 02 04] [--feedback 02] [--allow-same 4.7 ...]``
(``make release``, ``make release VARIANTS=variants``, ``make release ASSESSED="02 04" VARIANTS=variants``,
after the deadline ``make release FEEDBACK="02 04" VARIANTS=variants``)

Writes ``OUT/`` (default ``_build/release/``) with

- ``notebooks/``: every student notebook, generated from its solution (answers removed), and
  ``answer_keys.json`` (fingerprints only: the self-checks read it from the notebook's folder);
- ``data/``: the data sets with their datasheets and ``SHA256SUMS`` (the notebooks find it from
  their folder), and ``data/r_reference/`` (R's reference values quoted by notebooks 02 and 06);
- ``liverlab/`` and ``pyproject.toml`` (the course library, installed with ``pip install .``),
  ``requirements-runtime.txt`` (the runtime lock) and ``environment.yml`` (conda / Binder);
- ``README.md`` for students, ``GLOSSARY.md`` (when the course has one), the licences, the
  citation file and ``RELEASE.json`` (what was released, from which commit);
- with ``--variants DIR``: ``variants/variant_KK/`` for each variant made by ``make variants``,
  without its instructor files (``answer_key.csv``, ``answer_values.json``).

Two modes per notebook:

- **practice** (the default): self-checks with their keys (salted fingerprints, an oracle by design:
  the salt is public, so anyone can recover the answers by brute force) and the collapsed model
  answers;
- **assessed** (``--assessed``): the graded exercises ship with no key and no model answer. Their key
  entry holds only the form of the answer (``liverlab.checks.assessed_key``), so ``check()`` confirms
  the form and says the answer will be marked; R's reference values that equal a graded answer (of
  the course or of any variant) are replaced by NaN in ``data/r_reference/``. An assessed notebook
  must vary between the variants in every graded number or count (``varying.csv`` of ``make
  variants``) unless ``--allow-same`` names the exercise (or ``all``, e.g. without variants).
  After the deadline ``--feedback`` names the notebooks whose keys and model answers are now
  published (their practice version). A release folder that held an assessed notebook is never
  overwritten with that notebook's keys unless it is named in ``--assessed`` or ``--feedback``.

Never: ``solutions/``, instructor notes (cells tagged ``instructor``), ``answer_values.json``,
``answer_key.csv``, ``quoted_numbers.json``, tests or tools. The release is checked before the command ends: the leak
test of ``make lint`` on every released notebook, and no forbidden file. It refuses to release stale
solutions (code changed since ``make solutions``) unless ``--allow-stale``.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from liverlab import checks
from tools import authoring, variants

ROOT = authoring.ROOT
DEFAULT_OUT = ROOT / "_build" / "release"
MARKER = "RELEASE.json"
COPIED = ("LICENSE", "LICENSE-CONTENT.md", "CITATION.cff", "GLOSSARY.md", "pyproject.toml",
          "requirements-runtime.in", "requirements-runtime.txt", "environment.yml")
R_REFERENCE = ("pbc_reference.json", "cohort_reference.json")
FORBIDDEN_NAMES = {"answer_values.json", "answer_key.csv", "executed_sources.json", "roster.csv",
                   "quoted_numbers.json", "varying.csv"}
MODEL_ANSWER_TAG = "model-answer"  # the collapsed model answer cell of tools.authoring.student_version
DAYS_PER_YEAR = 365.25
FORBIDDEN_FOLDERS = {"solutions", "tests", "tools", ".git"}

README = """# Liver Evidence Lab: student notebooks

Jupyter notebooks that teach how to read evidence about liver disease and regenerative therapies,
with numbers you compute yourself. Start with **`notebooks/00_start_here.ipynb`**.

> **Educational use only.** Nothing here is a clinical calculator or advice for the care of a patient.

## How to start

- **On your course's JupyterHub**: your instructor's link opens this folder; open
  `notebooks/00_start_here.ipynb`.
- **On your own computer** (Python 3.10 or newer):

  ```bash
  python -m venv .venv
  .venv/bin/python -m pip install -r requirements-runtime.txt    # the tested versions
  .venv/bin/python -m pip install --no-deps .                    # the course library, liverlab
  .venv/bin/jupyter lab notebooks/00_start_here.ipynb
  ```

  (On Windows use `.venv\\Scripts\\python` and `.venv\\Scripts\\jupyter`.) With conda:
  `conda env create -f environment.yml`, `conda activate liver-evidence-lab`, then
  `jupyter lab notebooks/00_start_here.ipynb`.

## How the notebooks work

- Each exercise ends with a **self-check**: run it and it says ✅ correct, ❌ not yet (with a hint), or
  ⏳ not answered yet. The checks read `notebooks/answer_keys.json` (fingerprints, not answers), so keep
  the notebooks in `notebooks/`.
- The data sets are in `data/` (with their datasheets, `data/README*.md`); the notebooks find this
  folder from their own folder, so keep `notebooks/` and `data/` side by side.
- Written answers: type yours in the ✍️ cell, then open the collapsed model answer under it to compare.
{assessed}- Terms: [`GLOSSARY.md`](GLOSSARY.md).

## What is here

```
notebooks/   the course notebooks, 00 to {last}, and their answer keys
data/        data sets, datasheets, checksums and R's reference values
liverlab/    the small course library the notebooks import (scores, simulators, self-checks)
```
{variants}
Code: MIT (`LICENSE`). Text and figures: CC BY 4.0 (`LICENSE-CONTENT.md`). How to cite: `CITATION.cff`.
"""

ASSESSED_README = """- **Assessed notebooks ({numbers})**: these are marked. Their self-checks (📝) only confirm that
  your answer has the expected form (a number, 3 values, True/False) and never say whether it is
  right; there is no model answer to open. Keys and model answers are published after the deadline.
"""

VARIANTS_README = """
## Variants

`variants/variant_KK/` holds the same notebooks with different simulated data, one folder per
variant. If your instructor gave you a variant number, open the notebooks in **your** variant's folder:
their self-checks use that folder's keys.
"""


def release(out: Path = DEFAULT_OUT, variants_dir: Path | None = None, allow_stale: bool = False,
            assessed: list[str] = (), feedback: list[str] = (), allow_same: list[str] = ()) -> Path:
    """Write the student distribution into ``out`` and check it; return ``out``."""
    paths = authoring.solution_paths()
    assessed, feedback = notebook_numbers(assessed, paths), notebook_numbers(feedback, paths)
    if set(assessed) & set(feedback):
        raise SystemExit(f"make release: notebook(s) {', '.join(sorted(set(assessed) & set(feedback)))} "
                         "named both ASSESSED and FEEDBACK: choose one")
    if not allow_stale:
        executed = json.loads(authoring.EXECUTED.read_text()) if authoring.EXECUTED.exists() else {}
        stale = [p for path in paths for p in authoring.stale_problems(authoring.read(path), path.name, executed)]
        if stale:
            raise SystemExit("make release: the solutions are not in step with their outputs and keys:\n  "
                             + "\n  ".join(stale) + "\n(or release anyway with --allow-stale)")
    still_assessed = previously_assessed(out) - set(assessed) - set(feedback)
    if still_assessed:
        numbers = " ".join(sorted(still_assessed))
        raise SystemExit(f"make release: {out} holds an assessed release of {numbers}. Publishing their keys "
                         f"and model answers needs FEEDBACK=\"{numbers}\" (after the deadline); to keep them "
                         f"assessed, name them in ASSESSED=\"{numbers}\" (or use another OUT)")
    if assessed:
        refuse_same_answers(assessed, variants_dir, allow_same)
    answers = graded_answers(assessed, variants_dir)
    clear(out)
    (out / "notebooks").mkdir(parents=True)
    for path in paths:
        student = authoring.student_version(authoring.read(path), path.name[:2])
        if path.name[:2] in assessed:
            student = assessed_version(student)
        authoring.write(student, out / "notebooks" / path.name)
    write_keys(authoring.KEYS, out / "notebooks" / authoring.KEYS.name, assessed)
    shutil.copytree(ROOT / "data", out / "data")
    (out / "data" / "r_reference").mkdir()
    for name in R_REFERENCE:
        shutil.copy(ROOT / "tests" / "r_reference" / name, out / "data" / "r_reference" / name)
    for path in (out / "data" / "r_reference").glob("*.json"):
        withhold_answers(path, answers_read_from(path, answers))
    shutil.copytree(ROOT / "liverlab", out / "liverlab",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in COPIED:
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, out / name)
    if variants_dir is not None:
        copy_variants(Path(variants_dir), out / "variants", assessed, answers)
    assessed_text = ASSESSED_README.format(numbers=", ".join(assessed)) if assessed else ""
    (out / "README.md").write_text(README.format(last=paths[-1].name[:2], assessed=assessed_text,
                                                 variants=VARIANTS_README if variants_dir else ""),
                                   encoding="utf-8")
    (out / MARKER).write_text(json.dumps({"course": "Liver Evidence Lab", "commit": commit(),
                                          "notebooks": [p.name for p in paths],
                                          "assessed": assessed, "feedback": feedback,
                                          "variants": sorted(p.name for p in (out / "variants").glob("variant_*"))
                                          if variants_dir else []}, indent=1) + "\n")
    problems = check(out, answers)
    if problems:
        raise SystemExit("make release: the release is not safe to hand out:\n  " + "\n  ".join(problems))
    return out


# ---- assessed notebooks -----------------------------------------------------------------------------
def notebook_numbers(names, paths) -> list[str]:
    """ "2", "02" or "02_cirrhosis_survival" -> "02"; an unknown notebook is an error."""
    known = {p.name[:2] for p in paths}
    numbers = []
    for name in names:
        text = str(name).strip()
        number = text[:2] if len(text) >= 2 and text[:2].isdigit() else text.zfill(2)
        if number not in known:
            raise SystemExit(f"make release: no course notebook {name!r} (the notebooks are {' '.join(sorted(known))})")
        numbers.append(number)
    return sorted(set(numbers))


def previously_assessed(out: Path) -> set[str]:
    marker = out / MARKER
    if not marker.is_file():
        return set()
    try:
        return set(json.loads(marker.read_text()).get("assessed", []))
    except (ValueError, AttributeError):
        return set()


def assessed_version(student):
    """The assessed form of a student notebook: no model answer (the answer prompt stays)."""
    new = copy.deepcopy(student)
    new.cells = [c for c in new.cells if MODEL_ANSWER_TAG not in authoring.tags(c)]
    new.metadata.setdefault("liverlab", {})["assessed"] = True
    return new


def write_keys(source: Path, target: Path, assessed: list[str]) -> None:
    """Copy a key file; the keys of assessed notebooks keep only the form of the answer."""
    keys = json.loads(source.read_text())
    keys = {i: checks.assessed_key(k) if i.split(".")[0].zfill(2) in assessed else k for i, k in keys.items()}
    target.write_text(json.dumps(keys, indent=1) + "\n")


def graded_answers(assessed: list[str], variants_dir: Path | None) -> dict[str, list]:
    """Exercise id -> every graded answer (course and each variant) of the assessed notebooks."""
    sources = [authoring.ANSWER_VALUES]
    if variants_dir is not None:
        sources += sorted(Path(variants_dir).glob("variant_[0-9][0-9]/answer_values.json"))
    answers: dict[str, list] = {}
    for source in sources:
        for exercise_id, value in json.loads(source.read_text()).items():
            if exercise_id.split(".")[0].zfill(2) in assessed:
                answers.setdefault(exercise_id, []).append(value)
    return answers


REFERENCE_CALL = re.compile(r"""r_reference\(\s*["'](\w+)["']""")


def reference_readers(name: str) -> set[str]:
    """The notebooks (numbers) whose solution reads R's reference file ``name`` (e.g. cohort_reference.json)."""
    wanted = name.removesuffix("_reference.json")
    return {path.name[:2] for path in authoring.solution_paths()
            if wanted in REFERENCE_CALL.findall("\n".join(c.source for c in authoring.read(path).cells))}


def answers_read_from(path: Path, answers: dict[str, list]) -> dict[str, list]:
    """The graded answers of the notebooks that read the reference file ``path`` (numbers that match another
    notebook's answers there do so by chance and tell nothing)."""
    readers = reference_readers(path.name)
    return {i: v for i, v in answers.items() if i.split(".")[0].zfill(2) in readers}


def answer_numbers(answers: dict[str, list]) -> set[str]:
    """The distinctive numbers among graded answers, at 3 significant figures (whole numbers below 10 and
    True/False left out: they occur everywhere by chance and tell nothing)."""
    found = set()
    for values in answers.values():
        for value in values:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, bool) or not isinstance(item, (int, float)) or not math.isfinite(item):
                    continue
                if float(item).is_integer() and abs(item) < 10:
                    continue
                found.add(f"{item:.3g}")
    return found


def reveals(x: float, numbers: set[str]) -> bool:
    """Does ``x`` give away a graded answer: itself, in days for years, as a percentage, or as 1 - x?"""
    return any(f"{y:.3g}" in numbers for y in (x, x / DAYS_PER_YEAR, x / 100, 1 - x, -x))


def withhold_answers(path: Path, answers: dict[str, list]) -> int:
    """Replace by NaN every number of a reference JSON that reveals a graded answer; return how many."""
    numbers = answer_numbers(answers)
    if not numbers:
        return 0
    count = 0

    def walk(node):
        nonlocal count
        if isinstance(node, dict):
            return {k: (v if k == "provenance" else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, (int, float)) and not isinstance(node, bool) and math.isfinite(node) \
                and reveals(float(node), numbers):
            count += 1
            return math.nan
        return node

    data = walk(json.loads(path.read_text()))
    if count:
        data.setdefault("provenance", {})["withheld"] = (
            f"{count} value(s) equal to graded answers of an assessed release are NaN; they are published "
            "with the keys after the deadline")
        path.write_text(json.dumps(data, indent=2) + "\n")
    return count


def refuse_same_answers(assessed: list[str], variants_dir: Path | None, allow_same: list[str]) -> None:
    """Refuse an assessed notebook whose graded number or count is the same for every student."""
    if "all" in allow_same:
        return
    keys = json.loads(authoring.KEYS.read_text())
    numeric = sorted((i for i, k in keys.items() if i.split(".")[0].zfill(2) in assessed
                      and k["rule"]["kind"] in ("number", "int")), key=lambda i: authoring._id_order((i, 0)))
    if variants_dir is None:
        same = numeric
        why = "without VARIANTS=variants every student has the same answers"
    else:
        table = Path(variants_dir) / "varying.csv"
        if not table.is_file():
            raise SystemExit(f"make release: {table} is missing: run `make variants` (it lists which answers vary)")
        with open(table, newline="", encoding="utf-8") as fh:
            rows = {row["exercise"]: row for row in csv.DictReader(fh)}
        same = [i for i in numeric if i not in rows or rows[i]["varies"] != "yes"]
        why = f"their answer is the same in every variant of {variants_dir} (or they have no variant)"
    same = [i for i in same if i not in allow_same]
    if same:
        raise SystemExit(f"make release: assessed exercise(s) {', '.join(same)}: {why}, so a classmate's number "
                         f"scores. Vary them (`make variants NB=\"{' '.join(assessed)}\"`), keep the notebook as "
                         f"practice, or accept it with ALLOW_SAME=\"{' '.join(same)}\"")


def copy_variants(source: Path, target: Path, assessed: list[str] = (), answers: dict | None = None) -> None:
    folders = sorted(p for p in source.glob("variant_[0-9][0-9]") if p.is_dir())
    if not folders:
        raise SystemExit(f"make release: no variant_KK folders in {source}: run `make variants` first")
    for folder in folders:
        shutil.copytree(folder, target / folder.name,
                        ignore=shutil.ignore_patterns(*variants.INSTRUCTOR_FILES, "README.md"))
        copied = target / folder.name
        number = json.loads((folder / "variant.json").read_text())["variant"]
        (copied / "README.md").write_text(
            variants.variant_readme(number, sorted(p.name for p in folder.glob("*.ipynb")), instructor=False),
            encoding="utf-8")
        if assessed:
            write_keys(copied / authoring.KEYS.name, copied / authoring.KEYS.name, assessed)
            for path in copied.glob("*.ipynb"):
                if path.name[:2] in assessed:
                    authoring.write(assessed_version(nbformat.read(path, as_version=4)), path)
        for path in (copied / "data" / "r_reference").glob("*.json"):
            withhold_answers(path, answers_read_from(path, answers or {}))


def clear(out: Path) -> None:
    """Remove a previous release; never a folder that is not one."""
    if out.exists():
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise SystemExit(f"make release: {out} exists and is not a release folder (no {MARKER}); "
                             "choose another --out")
        shutil.rmtree(out)


def commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def check(out: Path, answers: dict | None = None) -> list[str]:
    """Leaks and forbidden files in a release folder (empty list: safe to hand out).

    ``answers``: the graded answers of the assessed notebooks (``graded_answers``), sought in R's reference
    values; the assessed notebooks are read from ``RELEASE.json``."""
    problems = []
    assessed = set(previously_assessed(out))
    for path in out.rglob("*"):
        relative = path.relative_to(out)
        if path.name in FORBIDDEN_NAMES:
            problems.append(f"{relative}: instructor file")
        if path.is_dir() and path.name in FORBIDDEN_FOLDERS:
            problems.append(f"{relative}/: not for students")
    keys = json.loads(authoring.KEYS.read_text())
    values = json.loads(authoring.ANSWER_VALUES.read_text())
    for notebook in sorted(out.rglob("*.ipynb")):
        relative = notebook.relative_to(out)
        solution_path = authoring.SOLUTIONS / notebook.name
        if not solution_path.exists():
            problems.append(f"{relative}: no such course notebook")
            continue
        student = nbformat.read(notebook, as_version=4)
        solution = authoring.read(solution_path)
        number = int(notebook.name[:2])
        in_variant = notebook.parent.name.startswith("variant_")
        # a variant's answers differ from the course's: its own keys are checked by their fingerprints only
        for problem in authoring.leak_problems(solution, student, {} if in_variant else values, keys, number):
            problems.append(f"{relative}: {problem}")
        instructor = [c.source.strip() for c in solution.cells if authoring.INSTRUCTOR_TAG in authoring.tags(c)]
        text = "\n".join(c.source for c in student.cells)
        problems += [f"{relative}: an instructor note is in the student notebook" for note in instructor
                     if note and note in text]
        if any(c.get("outputs") for c in student.cells if c.cell_type == "code"):
            problems.append(f"{relative}: has stored outputs")
    for keys_file in out.rglob(authoring.KEYS.name):
        for exercise_id, key in json.loads(keys_file.read_text()).items():
            if exercise_id.split(".")[0].zfill(2) in assessed:
                if key.get("assessed") is not True or set(key) - {"assessed", "shape", "kind", "length"}:
                    problems.append(f"{keys_file.relative_to(out)}: key {exercise_id} of an assessed notebook "
                                    "holds more than the form of the answer")
            elif set(key) - {"rule", "fingerprints", "slips"}:
                problems.append(f"{keys_file.relative_to(out)}: key {exercise_id} holds more than fingerprints")
    for notebook in out.rglob("*.ipynb"):
        if notebook.name[:2] in assessed and any(MODEL_ANSWER_TAG in authoring.tags(c)
                                                  for c in nbformat.read(notebook, as_version=4).cells):
            problems.append(f"{notebook.relative_to(out)}: an assessed notebook shows a model answer")
    for reference in out.rglob("r_reference/*.json"):
        numbers = answer_numbers(answers_read_from(reference, answers or {}))
        def walk(node):
            if isinstance(node, dict):
                return [hit for k, v in node.items() if k != "provenance" for hit in walk(v)]
            if isinstance(node, list):
                return [hit for v in node for hit in walk(v)]
            ok = isinstance(node, (int, float)) and not isinstance(node, bool) and math.isfinite(node)
            return [node] if ok and reveals(float(node), numbers) else []
        for hit in walk(json.loads(reference.read_text()))[:3]:
            problems.append(f"{reference.relative_to(out)}: holds {hit}, a graded answer of an assessed notebook")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--variants", type=Path, default=None, help="folder written by `make variants`")
    parser.add_argument("--allow-stale", action="store_true",
                        help="release even if a solution's code changed since `make solutions`")
    parser.add_argument("--assessed", nargs="*", default=[],
                        help="notebooks released for marks: no keys, no model answers (e.g. 02 04)")
    parser.add_argument("--feedback", nargs="*", default=[],
                        help="previously assessed notebooks whose keys and model answers are now published")
    parser.add_argument("--allow-same", nargs="*", default=[],
                        help="assessed exercises allowed to have the same answer in every variant (e.g. 2.8), or all")
    args = parser.parse_args(argv)
    out = release(args.out, args.variants, args.allow_stale, args.assessed, args.feedback, args.allow_same)
    count = len(list((out / "notebooks").glob("*.ipynb")))
    paths = authoring.solution_paths()
    modes = (f" Assessed (no keys, no model answers): {' '.join(notebook_numbers(args.assessed, paths))}."
             if args.assessed else "")
    modes += (f" Published after the deadline: {' '.join(notebook_numbers(args.feedback, paths))}."
              if args.feedback else "")
    print(f"wrote {out}: {count} student notebooks, keys, data, runtime requirements, README; "
          f"checked: no solutions, no instructor notes, no answer values, no leaks.{modes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
