"""The student distribution: what an nbgitpuller link, a hub folder or a zip for students holds.

``python -m tools.release [--out _build/release] [--variants variants] [--allow-stale]``
(``make release``, ``make release VARIANTS=variants``)

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

Never: ``solutions/``, instructor notes (cells tagged ``instructor``), ``answer_values.json``,
``answer_key.csv``, tests or tools. The release is checked before the command ends: the leak test of
``make lint`` on every released notebook, and no forbidden file. It refuses to release stale
solutions (code changed since ``make solutions``) unless ``--allow-stale``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from tools import authoring, variants

ROOT = authoring.ROOT
DEFAULT_OUT = ROOT / "_build" / "release"
MARKER = "RELEASE.json"
COPIED = ("LICENSE", "LICENSE-CONTENT.md", "CITATION.cff", "GLOSSARY.md", "pyproject.toml",
          "requirements-runtime.in", "requirements-runtime.txt", "environment.yml")
R_REFERENCE = ("pbc_reference.json", "cohort_reference.json")
FORBIDDEN_NAMES = {"answer_values.json", "answer_key.csv", "executed_sources.json", "roster.csv"}
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
- Terms: [`GLOSSARY.md`](GLOSSARY.md).

## What is here

```
notebooks/   the course notebooks, 00 to {last}, and their answer keys
data/        data sets, datasheets, checksums and R's reference values
liverlab/    the small course library the notebooks import (scores, simulators, self-checks)
```
{variants}
Code: MIT (`LICENSE`). Text and figures: CC BY 4.0 (`LICENSE-CONTENT.md`). How to cite: `CITATION.cff`.
"""

VARIANTS_README = """
## Variants

`variants/variant_KK/` holds the same notebooks with different simulated data, one folder per
variant. If your instructor gave you a variant number, open the notebooks in **your** variant's folder:
their self-checks use that folder's keys.
"""


def release(out: Path = DEFAULT_OUT, variants_dir: Path | None = None, allow_stale: bool = False) -> Path:
    """Write the student distribution into ``out`` and check it; return ``out``."""
    paths = authoring.solution_paths()
    if not allow_stale:
        executed = json.loads(authoring.EXECUTED.read_text()) if authoring.EXECUTED.exists() else {}
        stale = [p for path in paths for p in authoring.stale_problems(authoring.read(path), path.name, executed)]
        if stale:
            raise SystemExit("make release: the solutions are not in step with their outputs and keys:\n  "
                             + "\n  ".join(stale) + "\n(or release anyway with --allow-stale)")
    clear(out)
    (out / "notebooks").mkdir(parents=True)
    for path in paths:
        authoring.write(authoring.student_version(authoring.read(path), path.name[:2]),
                        out / "notebooks" / path.name)
    shutil.copy(authoring.KEYS, out / "notebooks" / authoring.KEYS.name)
    shutil.copytree(ROOT / "data", out / "data")
    (out / "data" / "r_reference").mkdir()
    for name in R_REFERENCE:
        shutil.copy(ROOT / "tests" / "r_reference" / name, out / "data" / "r_reference" / name)
    shutil.copytree(ROOT / "liverlab", out / "liverlab",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in COPIED:
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, out / name)
    if variants_dir is not None:
        copy_variants(Path(variants_dir), out / "variants")
    (out / "README.md").write_text(README.format(last=paths[-1].name[:2],
                                                 variants=VARIANTS_README if variants_dir else ""),
                                   encoding="utf-8")
    (out / MARKER).write_text(json.dumps({"course": "Liver Evidence Lab", "commit": commit(),
                                          "notebooks": [p.name for p in paths],
                                          "variants": sorted(p.name for p in (out / "variants").glob("variant_*"))
                                          if variants_dir else []}, indent=1) + "\n")
    problems = check(out)
    if problems:
        raise SystemExit("make release: the release is not safe to hand out:\n  " + "\n  ".join(problems))
    return out


def copy_variants(source: Path, target: Path) -> None:
    folders = sorted(p for p in source.glob("variant_[0-9][0-9]") if p.is_dir())
    if not folders:
        raise SystemExit(f"make release: no variant_KK folders in {source}: run `make variants` first")
    for folder in folders:
        shutil.copytree(folder, target / folder.name,
                        ignore=shutil.ignore_patterns(*variants.INSTRUCTOR_FILES, "README.md"))
        number = json.loads((folder / "variant.json").read_text())["variant"]
        (target / folder.name / "README.md").write_text(
            variants.variant_readme(number, sorted(p.name for p in folder.glob("*.ipynb")), instructor=False),
            encoding="utf-8")


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


def check(out: Path) -> list[str]:
    """Leaks and forbidden files in a release folder (empty list: safe to hand out)."""
    problems = []
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
            if set(key) - {"rule", "fingerprints", "slips"}:
                problems.append(f"{keys_file.relative_to(out)}: key {exercise_id} holds more than fingerprints")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.release", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--variants", type=Path, default=None, help="folder written by `make variants`")
    parser.add_argument("--allow-stale", action="store_true",
                        help="release even if a solution's code changed since `make solutions`")
    args = parser.parse_args(argv)
    out = release(args.out, args.variants, args.allow_stale)
    count = len(list((out / "notebooks").glob("*.ipynb")))
    print(f"wrote {out}: {count} student notebooks, keys, data, runtime requirements, README; "
          "checked: no solutions, no instructor notes, no answer values, no leaks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
