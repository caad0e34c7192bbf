"""Per-student variants: the same notebooks with different simulated data, each with its key.

``python -m tools.variants N [--notebooks 00 01 ...] [--out variants] [--roster students.csv]``
(``make variants N=30 ROSTER=students.csv``)

For variant k = 1..N:

1. copy each solution notebook and change every seed written as ``default_rng(<int>)``,
   ``seed=<int>`` or ``SEED = <int>`` (any upper-case name ending in SEED) to ``<int> + 7919 * k``; prose that quotes a seed (``seed 2024``, ``seed=7``,
   ``default_rng(14)``) is shifted the same way, so it names the variant's seed. Notebooks on
   real or committed data have no seed and stay the same (their answers do not vary);
2. mark every notebook of the variant: its first code cell sets ``LIVERLAB_VARIANT=k``, and the
   folder holds ``variant.json``; the self-checks refuse the keys of another variant (or of the
   course), so a variant notebook opened in the wrong folder never uses the wrong keys silently;
3. execute the copy with answer recording on (as ``make solutions`` does);
4. write ``OUT/variant_KK/`` with the student notebooks generated from it, ``answer_keys.json``
   (fingerprints, read by the self-checks from the notebook's folder), ``variant.json``, a
   student ``README.md`` and, for the instructor only, ``answer_key.csv`` (each answer rounded
   by its comparison rule, and the rule) and ``answer_values.json`` (plain values, the format of
   ``solutions/answer_values.json``). ``make release VARIANTS=variants`` copies the variants for
   students without these two files.

Then ``OUT/README.md`` and ``OUT/varying.csv`` list, exercise by exercise, whether the answer
differs between the variants and the course (computed from the rounded answers), and with
``--roster`` ``OUT/roster.csv`` assigns each student a variant (``student,variant``: in roster
order, variant 1, 2, ..., N, then 1 again).

Executing takes roughly the time of ``make solutions`` per variant; limit it with ``--notebooks``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
from pathlib import Path

from liverlab import checks
from tools import authoring

SEED_PATTERN = re.compile(r"(default_rng\(|seed=|\b[A-Z_]*SEED\s*=\s*)(\d+)")
PROSE_SEED_PATTERN = re.compile(r"(default_rng\(|seed=|\bseed |\b[A-Z_]*SEED\s*=\s*)(\d+)")
SEED_STEP = 7919
VARIANT_ENV = "LIVERLAB_VARIANT"
INSTRUCTOR_FILES = ("answer_key.csv", "answer_values.json")


def with_seeds_shifted(source: str, variant: int, pattern: re.Pattern = SEED_PATTERN) -> str:
    """Code with every literal seed moved to ``seed + 7919 * variant``."""
    return pattern.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + SEED_STEP * variant}", source)


def variant_line(variant: int) -> str:
    return (f'import os\nos.environ["{VARIANT_ENV}"] = "{variant}"  # variant {variant}: the self-checks '
            "use this folder's answer keys\n")


def variant_solution(nb, variant: int):
    """The solution of one variant: seeds shifted (code and the prose quoting them), variant marked."""
    new = authoring.clean_solution(nb)
    first_code = True
    for cell in new.cells:
        if cell.cell_type == "code":
            cell.source = with_seeds_shifted(cell.source, variant)
            if first_code:
                cell.source = variant_line(variant) + cell.source
                first_code = False
        else:
            cell.source = with_seeds_shifted(cell.source, variant, PROSE_SEED_PATTERN)
    return new


# ---- answers as an instructor reads them ----------------------------------------------------------
def rule_text(rule: dict) -> str:
    """The comparison rule of a key, in words."""
    kind = rule["kind"]
    if kind == "number":
        each = (f"rounded to {rule['decimals']} decimal place(s)" if rule.get("decimals") is not None
                else f"rounded to {rule['sig']} significant figures")
        each += "; the rounded key or one unit of its last digit either side is accepted"
    else:
        each = {"int": "whole number, exact", "bool": "True/False, exact",
                "text": "text, ignoring case and repeated spaces"}[kind]
    if rule["shape"] == "list":
        return f"{rule['length']} values in order, each {each}"
    if rule["shape"] == "set":
        return f"{rule['length']} values in any order, each {each}"
    return each


def rounded(value, rule: dict) -> str:
    """The answer as the self-check compares it (rounded by the rule)."""
    def one(x):
        if rule["kind"] == "number":
            return checks._number_text(float(x), rule)
        if rule["kind"] == "int":
            return str(int(x))
        return str(x)
    if rule["shape"] == "scalar":
        return one(value)
    return "; ".join(one(x) for x in value)


def build_variant(variant: int, out: Path, names: list[str] | None = None) -> Path:
    folder = out / f"variant_{variant:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    keys, values, rows = {}, {}, []
    for path in authoring.solution_paths(names):
        executed, entries = authoring.run_recording(variant_solution(authoring.read(path), variant),
                                                    path.parent, f"{path.relative_to(authoring.ROOT)} "
                                                                 f"(variant {variant})")
        authoring.write(authoring.student_version(executed, path.name[:2], variant), folder / path.name)
        for entry in entries:
            keys[entry["id"]] = entry["key"]
            values[entry["id"]] = entry["value"]
            rule = entry["key"]["rule"]
            rows.append((entry["id"], path.name, rounded(entry["value"], rule), rule_text(rule)))
    (folder / "answer_keys.json").write_text(json.dumps(keys, indent=1) + "\n")
    (folder / "variant.json").write_text(json.dumps({"variant": variant}) + "\n")
    (folder / "answer_values.json").write_text(json.dumps(values, indent=1, ensure_ascii=False) + "\n")
    with open(folder / "answer_key.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["exercise", "notebook", "answer", "rule"])
        writer.writerows(rows)
    (folder / "README.md").write_text(variant_readme(variant, sorted({r[1] for r in rows} |
                                                                     {p.name for p in folder.glob("*.ipynb")}),
                                                     instructor=True), encoding="utf-8")
    return folder


def variant_readme(variant: int, notebooks: list[str], instructor: bool) -> str:
    text = f"""# Liver Evidence Lab: variant {variant}

These are the course notebooks with **your own simulated data**: the simulations use different
random seeds from your classmates', so your numbers (and the answers the self-checks accept) are
yours. Notebooks on real data (the Mayo Clinic PBC trial) and on the course's committed teaching
cohort are the same for everybody.

- Open the notebooks **from this folder**: each one's first cell says it is variant {variant}, and
  its self-checks read `answer_keys.json` in this folder. Opened from another folder, a check says
  the keys belong to another variant instead of checking against the wrong answers.
- The data sets are in the course's `data/` folder, found from here or a folder above
  (keep this folder inside the course folder you were given).
- Where the text quotes a number from a simulation, trust **your** output: the cells print the
  numbers of your data.

Notebooks: {", ".join(notebooks)}.
"""
    if instructor:
        text += f"""
## For the instructor (remove before handing out)

`answer_key.csv` (each answer rounded by its comparison rule, and the rule) and `answer_values.json`
(plain values, as in `solutions/answer_values.json`; the grader reads it) are **answers**: give
students this folder without them, e.g. with `make release VARIANTS=variants`, which leaves them out.
"""
    return text


# ---- which exercises vary, and the roster ---------------------------------------------------------
def varying_table(out: Path, variants: list[int]) -> list[dict]:
    """Per exercise: the distinct rounded answers over the course and the variants."""
    course_keys = json.loads(authoring.KEYS.read_text())
    course_values = json.loads(authoring.ANSWER_VALUES.read_text())
    table = {}
    for variant in variants:
        folder = out / f"variant_{variant:02d}"
        with open(folder / "answer_key.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                entry = table.setdefault(row["exercise"], {"exercise": row["exercise"],
                                                           "notebook": row["notebook"], "answers": set()})
                entry["answers"].add(row["answer"])
    rows = []
    for exercise_id, entry in sorted(table.items(), key=lambda item: authoring._id_order(item)):
        answers = set(entry["answers"])
        if exercise_id in course_values and exercise_id in course_keys:
            answers.add(rounded(course_values[exercise_id], course_keys[exercise_id]["rule"]))
        rows.append({"exercise": exercise_id, "notebook": entry["notebook"],
                     "varies": "yes" if len(answers) > 1 else "no",
                     "distinct_answers": len(answers)})
    return rows


def write_overview(out: Path, variants: list[int], roster: list[tuple[str, int]] | None) -> None:
    rows = varying_table(out, variants)
    with open(out / "varying.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["exercise", "notebook", "varies", "distinct_answers"])
        writer.writeheader()
        writer.writerows(rows)
    same = [r["exercise"] for r in rows if r["varies"] == "no"]
    vary = [r["exercise"] for r in rows if r["varies"] == "yes"]
    lines = [f"# Variants of the Liver Evidence Lab ({len(variants)})", "",
             f"Made by `make variants N={len(variants)}` (`python -m tools.variants`). Each "
             "`variant_KK/` folder holds the student notebooks of one variant (seeds shifted by "
             f"{SEED_STEP} × K), its answer keys and `variant.json`, a README for the student, and for the "
             "instructor only `answer_key.csv` and `answer_values.json` (leave them out when handing out: "
             "`make release VARIANTS=variants`).", "",
             "## Which exercises vary", "",
             f"Computed from the rounded answers of the {len(variants)} variant(s) and the course: "
             f"**{len(vary)} of {len(rows)} exercises differ**, {len(same)} have the same answer in every "
             "variant (they use real data, the committed teaching cohort, a formula with given inputs, or "
             "a conclusion that does not depend on the seed). Per exercise: `varying.csv`.", "",
             f"- Vary: {', '.join(vary) or 'none'}",
             f"- Same everywhere: {', '.join(same) or 'none'}", ""]
    if roster:
        lines += ["## Roster", "", f"`roster.csv` assigns {len(roster)} students to the variants "
                  "(`student,variant`, in roster order, cycling through the variants).", ""]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


def read_roster(path: Path) -> list[str]:
    """Student names or ids from a CSV with a ``student`` column (other columns are ignored)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "student" not in [f.strip().lower() for f in reader.fieldnames]:
            raise SystemExit(f"{path}: the roster needs a header row with a column named 'student'")
        column = next(f for f in reader.fieldnames if f.strip().lower() == "student")
        students = [row[column].strip() for row in reader if (row[column] or "").strip()]
    duplicates = sorted({s for s in students if students.count(s) > 1})
    if duplicates:
        raise SystemExit(f"{path}: students listed twice: {', '.join(duplicates)}")
    if not students:
        raise SystemExit(f"{path}: no students in the roster")
    return students


def assign(students: list[str], n: int) -> list[tuple[str, int]]:
    """Student -> variant, in roster order: 1, 2, ..., n, 1, 2, ..."""
    return [(student, i % n + 1) for i, student in enumerate(students)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.variants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, help="number of variants")
    parser.add_argument("--notebooks", nargs="*", default=None, help="e.g. 00 01 (default: all)")
    parser.add_argument("--out", type=Path, default=authoring.ROOT / "variants")
    parser.add_argument("--roster", type=Path, default=None,
                        help="CSV with a 'student' column: writes OUT/roster.csv (student,variant)")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("N must be at least 1")
    roster = assign(read_roster(args.roster), args.n) if args.roster else None
    for old in sorted(args.out.glob("variant_[0-9][0-9]")) if args.out.is_dir() else []:
        if int(old.name[-2:]) > args.n:  # a previous, larger run: its folders would mislead
            shutil.rmtree(old)
    for variant in range(1, args.n + 1):
        try:
            folder = build_variant(variant, args.out, args.notebooks)
        except authoring.NotebookError as exc:
            print(f"make variants stopped: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {folder}")
    if roster:
        with open(args.out / "roster.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["student", "variant"])
            writer.writerows(roster)
        print(f"wrote {args.out / 'roster.csv'} ({len(roster)} students)")
    write_overview(args.out, list(range(1, args.n + 1)), roster)
    print(f"wrote {args.out / 'README.md'} and {args.out / 'varying.csv'} (which exercises vary)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
