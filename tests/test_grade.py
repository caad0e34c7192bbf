"""Grading a class (assessment.grade, in a sandbox): real fixture notebooks built from notebook 00, one grading run.

One module-level run grades a class folder holding every case at once (right, wrong and missing
answers; invalid JSON; another course notebook; a cell that sleeps; a deleted exercise cell; a kernel
crash; an edited check cell; duplicates; two variants, one submitted by a student the roster assigns
to the other), so the whole file costs two variant builds and about a dozen kernels.
"""

from __future__ import annotations

import copy
import csv
import json
import re
import time

import nbformat
import pytest

from assessment import grade
from tools import authoring, variants

NUMBER = "00"
STUDENT_NB = authoring.NOTEBOOKS / "00_start_here.ipynb"
CELL_TIMEOUT = 10  # seconds: the fixtures' "sleeping" cell sleeps far longer
HOSTILE_TEXT = "<script>alert(1)</script> The low scorers were chosen for low readings & drift back."


# ----------------------------------------------------------------------------------------
# Building fixture notebooks
# ----------------------------------------------------------------------------------------
def solution_lines() -> dict[str, str]:
    """Exercise id -> the solution's answer line(s) for notebook 00 (markers removed)."""
    solution = {c.get("id"): c.source for c in authoring.read(authoring.SOLUTIONS / "00_start_here.ipynb").cells}
    exercises, _ = grade.solution_exercises(NUMBER)
    lines = {}
    for exercise in exercises:
        source = solution[exercise.cell_id]
        block = source.split(authoring.BEGIN, 1)[1].split(authoring.END, 1)[0]
        lines[exercise.id] = block.strip()
    return lines


def answer_line(exercise_id: str, how: str, expected) -> str:
    """A right or wrong answer for notebook 00's exercises (wrong: a ×100 slip, or another option)."""
    right = solution_lines()[exercise_id]
    if how == "right":
        return right
    name = right.split("=", 1)[0].strip()
    if isinstance(expected, str):
        return f"{name} = {'a' if expected != 'a' else 'c'!r}"
    return f"{name} = ({right.split('=', 1)[1].strip()}) * 100"


def filled(base, answers: dict[str, str], expected: dict) -> nbformat.NotebookNode:
    """A copy of the student notebook ``base`` with each exercise answered "right", "wrong" or left blank."""
    nb = copy.deepcopy(base)
    placeholders = {}
    for exercise_id, line in solution_lines().items():
        name = line.split("=", 1)[0].strip()
        placeholders[f"{name} = ...  {authoring.PLACEHOLDER_COMMENT}"] = exercise_id
    for cell in nb.cells:
        for placeholder, exercise_id in placeholders.items():
            if placeholder in cell.source and answers.get(exercise_id):
                cell.source = cell.source.replace(
                    placeholder, answer_line(exercise_id, answers[exercise_id], expected[exercise_id]))
    return nb


def cell_index(nb, exercise_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if f'check("{exercise_id}"' in c.source)


def notebook_00():
    """The student notebook 00 and the recorded answers of its exercises 0.1 and 0.2."""
    values = json.loads(grade.ANSWER_VALUES.read_text())
    return nbformat.read(STUDENT_NB, as_version=4), {k: values[k] for k in ("0.1", "0.2")}


def write(nb, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


# ----------------------------------------------------------------------------------------
# The class folder, graded once
# ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grade")
    base, expected = notebook_00()
    subs = tmp / "submissions"
    subs.mkdir()

    alice = filled(base, {"0.1": "right", "0.2": "right"}, expected)
    question = grade.written.questions(grade.solution_path(NUMBER))[0]
    next(c for c in alice.cells if c.get("id") == question.cell_id).source = HOSTILE_TEXT
    write(alice, subs / "alice.ipynb")
    write(filled(base, {"0.1": "wrong", "0.2": "right"}, expected), subs / "bob.ipynb")
    write(base, subs / "carol" / "00_start_here.ipynb")                      # nothing answered
    (subs / "dave.ipynb").write_text('{"cells": [ not json', encoding="utf-8")
    other = filled(base, {"0.1": "right"}, expected)                         # another course notebook
    other.metadata["liverlab"]["notebook"] = "03"
    other.cells[0].source = other.cells[0].source.replace("# 00 ·", "# 03 ·", 1)
    write(other, subs / "erin.ipynb")

    sleeper = filled(base, {"0.1": "right", "0.2": "right"}, expected)       # a cell that sleeps
    sleeper.cells.insert(cell_index(sleeper, "0.1"), nbformat.v4.new_code_cell("import time\ntime.sleep(600)"))
    write(sleeper, subs / "frank.ipynb")

    deleted = filled(base, {"0.1": "right", "0.2": "right"}, expected)       # exercise 0.2's cell deleted
    del deleted.cells[cell_index(deleted, "0.2")]
    write(deleted, subs / "grace.ipynb")

    crash = filled(base, {"0.1": "right", "0.2": "right"}, expected)         # the kernel dies after 0.1
    crash.cells.insert(cell_index(crash, "0.1") + 1, nbformat.v4.new_code_cell("import os\nos._exit(1)"))
    write(crash, subs / "heidi.ipynb")

    edited = filled(base, {"0.1": "wrong", "0.2": "wrong"}, expected)        # check cells print "correct"
    for exercise_id in ("0.1", "0.2"):
        cell = edited.cells[cell_index(edited, exercise_id)]
        cell.source = re.sub(r"check\(.*\)", f'print("✅ Exercise {exercise_id}: correct.")', cell.source)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                               text=f"✅ Exercise {exercise_id}: correct.\n")]
    write(edited, subs / "ivan.ipynb")

    renamed = filled(base, {"0.1": "right", "0.2": "right"}, expected)      # 0.1's variable renamed
    name = solution_lines()["0.1"].split("=", 1)[0].strip()
    cell = renamed.cells[cell_index(renamed, "0.1")]
    cell.source = re.sub(rf"\b{name}\b", "my_change", cell.source)
    write(renamed, subs / "judy" / "first.ipynb")
    write(base, subs / "judy" / "second.ipynb")                               # duplicate, blank

    # Two variants of notebook 00: kim submits variant 1 (the roster says 2), liz variant 2.
    folder = tmp / "variants"
    for k in (1, 2):
        variants.build_variant(k, folder, [NUMBER])
    (folder / "variant_02" / "answer_values.json").unlink(missing_ok=True)    # exercise the CSV fallback
    variant_expected = {}
    for k, who, answers in ((1, "kim", {"0.1": "right", "0.2": "wrong"}), (2, "liz", {"0.1": "wrong", "0.2": "right"})):
        values_k, _ = grade.expected_answers(NUMBER, k, folder)
        variant_expected[who] = values_k
        variant_nb = nbformat.read(folder / f"variant_{k:02d}" / STUDENT_NB.name, as_version=4)
        write(filled(variant_nb, answers, values_k), subs / who / STUDENT_NB.name)
    roster = tmp / "roster.csv"
    roster.write_text("student,variant\nkim,2\nliz,2\nmia,1\n" + "".join(
        f"{name},\n" for name in ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan",
                                  "judy")), encoding="utf-8")

    out = tmp / "grading"
    result = grade.grade(subs, out, notebook=NUMBER, roster=roster, variants_dir=folder, jobs=2,
                         cell_timeout=CELL_TIMEOUT, total_timeout=300, progress=False)
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as fh:
        rows = {(r["student"], r["file"]): r for r in csv.DictReader(fh)}
    return {"result": result, "rows": rows, "out": out, "expected": expected,
            "variant_expected": variant_expected, "subs": subs, "roster": roster, "variants": folder}


def row(graded, student, file=None):
    matches = [r for (s, f), r in graded["rows"].items() if s == student and (file is None or f == file)]
    assert len(matches) == 1, matches
    return matches[0]


# ----------------------------------------------------------------------------------------
# The exact gradebook (end to end, two variants included)
# ----------------------------------------------------------------------------------------
EXACT = {  # (student, file): (0.1, 0.2, total, percent, variant); the written answer 0.2 is worth 1, unmarked;
    # exercise 0.3 (a choice) is unanswered in these fixtures, so every percentage is out of 4 points
    ("alice", "alice.ipynb"): ("1", "1", "2", "50.0", ""),
    ("bob", "bob.ipynb"): ("0", "1", "1", "25.0", ""),
    ("carol", "carol/00_start_here.ipynb"): ("", "", "0", "0.0", ""),
    ("dave", "dave.ipynb"): ("", "", "", "", ""),
    ("erin", "erin.ipynb"): ("", "", "", "", ""),
    ("frank", "frank.ipynb"): ("1", "1", "2", "50.0", ""),
    ("grace", "grace.ipynb"): ("1", "", "1", "25.0", ""),
    ("heidi", "heidi.ipynb"): ("1", "", "1", "25.0", ""),
    ("ivan", "ivan.ipynb"): ("0", "0", "0", "0.0", ""),
    ("judy", "judy/first.ipynb"): ("1", "1", "2", "50.0", ""),
    ("judy", "judy/second.ipynb"): ("", "", "0", "0.0", ""),
    ("kim", "kim/00_start_here.ipynb"): ("1", "0", "1", "25.0", "1"),
    ("liz", "liz/00_start_here.ipynb"): ("0", "1", "1", "25.0", "2"),
    ("mia", ""): ("", "", "", "", "1"),                                    # on the roster, nothing submitted
}


def test_the_exact_gradebook(graded):
    got = {key: (r["0.1"], r["0.2"], r["total"], r["percent"], r["variant"]) for key, r in graded["rows"].items()}
    assert got == EXACT
    with open(graded["out"] / "gradebook.csv", newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == ["student", "file", "notebook", "variant", "0.1", "0.2", "0.3", "0.2 written", "total", "percent",
                      "error"]


def test_clean_submissions_have_no_error(graded):
    for student in ("alice", "bob", "carol", "liz"):
        assert row(graded, student)["error"] == "", student


def test_problems_are_counted_and_the_run_finishes(graded):
    # dave, erin, frank, grace, heidi, judy x2, kim, and mia (no submission): nine rows with an error
    assert graded["result"]["problems"] == 9
    assert graded["result"]["submissions"] == len(EXACT) - 1 and graded["result"]["missing"] == 1


@pytest.mark.parametrize("student, text", [
    ("dave", "invalid JSON"),
    ("erin", "this is notebook 03, not notebook 00"),
    ("frank", f"ran over the {CELL_TIMEOUT} s limit"),
    ("grace", "exercise cell(s) not found (deleted or renamed?): 0.2"),
    ("heidi", "the kernel died"),
    ("mia", "no submission"),
    ("kim", "wrong variant: the roster assigns variant 2 but this notebook is variant 1; graded against variant 1"),
])
def test_each_bad_submission_says_what_went_wrong(graded, student, text):
    assert text in row(graded, student)["error"]


def test_duplicates_are_both_graded_and_flagged(graded):
    for file in ("judy/first.ipynb", "judy/second.ipynb"):
        assert "duplicate: 2 submissions for student 'judy'" in row(graded, "judy", file)["error"]
    assert len(list((graded["out"] / "feedback").glob("judy__*.md"))) == 2


def test_a_renamed_answer_variable_is_graded_from_the_check_line(graded):
    assert row(graded, "judy", "judy/first.ipynb")["0.1"] == "1"


def test_an_edited_check_cell_changes_nothing(graded):
    feedback = (graded["out"] / "feedback" / "ivan.md").read_text(encoding="utf-8")
    assert "Exercise 0.1: ❌ not yet" in feedback and "Exercise 0.2: ❌ not yet" in feedback


def test_feedback_explains_a_slip_and_gives_the_hint(graded):
    feedback = (graded["out"] / "feedback" / "bob.md").read_text(encoding="utf-8")
    exercises = {e.id: e for e in grade.solution_exercises(NUMBER)[0]}
    assert "Exercise 0.1: ❌ not yet" in feedback and "percentage" in feedback
    assert exercises["0.1"].hint in feedback
    assert "Exercise 0.2: ✅ right" in feedback


def test_summary_counts_each_exercise(graded):
    with open(graded["out"] / "summary.csv", newline="", encoding="utf-8") as fh:
        summary = {r["exercise"]: r for r in csv.DictReader(fh)}
    graded_rows = [r for r in EXACT.values() if r[2] != ""]
    for k, exercise_id in enumerate(("0.1", "0.2")):
        right = sum(r[k] == "1" for r in graded_rows)
        assert summary[exercise_id]["right"] == str(right)
        assert summary[exercise_id]["graded"] == str(len(graded_rows))
        assert summary[exercise_id]["percent_right"] == f"{100 * right / len(graded_rows):.1f}"
    assert (graded["out"] / "summary.png").stat().st_size > 1000


def renderings(value) -> list[str]:
    """Ways an expected value could appear in text (numbers: at least the key's precision)."""
    if isinstance(value, list):
        return [text for v in value for text in renderings(v)]
    if isinstance(value, bool):
        return []
    if isinstance(value, str):
        return [rf"[\"'(]{re.escape(value)}[\"')]", rf"\b(option|answer|choice)\s+{re.escape(value)}\b"]
    texts = {repr(value), *(f"{value:.{n}g}" for n in range(2, 7)), *(f"{value:.{n}f}" for n in range(2, 5))}
    return [rf"(?<![\d.]){re.escape(t)}(?!\d)" for t in texts]


def test_no_feedback_file_contains_an_expected_value(graded):
    feedback = graded["out"] / "feedback"
    solution_code = list(solution_lines().values())
    checked = 0
    for path in feedback.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        student = path.stem.split("__")[0]
        expected = graded["variant_expected"].get(student, graded["expected"])
        for exercise_id in ("0.1", "0.2"):
            for pattern in renderings(expected[exercise_id]):
                assert not re.search(pattern, text, flags=re.IGNORECASE), (path.name, pattern)
        for line in solution_code:
            assert line.split("=", 1)[1].strip() not in text, path.name
        checked += 1
    assert checked == len(EXACT) - 1  # mia submitted nothing: no feedback file


def test_an_empty_folder_gives_a_clear_message_and_exit_0(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert grade.main([str(empty), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "No submissions: no .ipynb files in" in printed and "1 problem(s)" in printed
    gradebook = (tmp_path / "out" / "gradebook.csv").read_text(encoding="utf-8").splitlines()
    assert gradebook == ["student,file,notebook,variant,total,percent,error"]


def test_a_missing_folder_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        grade.main([str(tmp_path / "nope")])
    assert exit_info.value.code == 2


def test_recorded_values_are_rebuilt_as_the_same_kind():
    import numpy as np
    import pandas as pd

    assert grade.from_plain({"ellipsis": True}) is Ellipsis
    assert isinstance(grade.from_plain({"type": "Series", "items": [1.0, 2.0]}), pd.Series)
    assert isinstance(grade.from_plain({"type": "ndarray", "items": [1.0]}), np.ndarray)
    assert grade.from_plain({"type": "set", "items": ["a", "b"]}) == {"a", "b"}
    assert grade.from_plain({"type": "list", "length": 3}) == [None, None, None]
    assert type(grade.from_plain({"type": "Timestamp"})).__name__ == "Timestamp"


def test_only_the_first_record_with_its_own_token_counts(tmp_path):
    path = tmp_path / "answers.jsonl"
    lines = [{"id": "0.1", "token": "forged", "status": "value", "value": 1},
             {"id": "0.1", "token": "t1", "status": "value", "value": 2},
             {"id": "0.1", "token": "t1", "status": "value", "value": 3}]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nnot json\n")
    assert grade.read_records(path, {"0.1": "t1"})["0.1"]["value"] == 2


@pytest.mark.parametrize("layout", ["plain JSON", "rounded by the rule"])
def test_expected_values_from_a_variant_key_csv(tmp_path, layout):
    rules = {"0.1": {"shape": "scalar", "kind": "number", "sig": 2}, "0.2": {"shape": "scalar", "kind": "text"},
             "1.2": {"shape": "list", "kind": "int", "length": 2},
             "3.6": {"shape": "list", "kind": "bool", "length": 3}}
    rows = ([("0.1", "0.1150735"), ("0.2", "b"), ("1.2", "[15.0, 22.0]"), ("3.6", "[false, true, false]")]
            if layout == "plain JSON" else
            [("0.1", "0.12"), ("0.2", "b"), ("1.2", "15; 22"), ("3.6", "False; True; False")])
    path = tmp_path / "answer_key.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["exercise", "notebook", "answer"])
        writer.writerows((e, "x.ipynb", a) for e, a in rows)
    values = grade._values_from_key_csv(path, rules)
    assert values["0.2"] == "b" and values["1.2"] == [15, 22] and values["3.6"] == [False, True, False]
    # Either way, the key rebuilt from the value accepts exactly what the true answer's key accepts.
    rebuilt, true = grade.grading_key("0.1", values["0.1"], rules["0.1"]), grade.grading_key("0.1", 0.1150735,
                                                                                           rules["0.1"])
    assert (rebuilt["rule"], rebuilt["fingerprints"]) == (true["rule"], true["fingerprints"])


def submission_of(nb, tmp_path, name="sam.ipynb"):
    path = tmp_path / name
    if isinstance(nb, str):
        path.write_text(nb, encoding="utf-8")
    else:
        nbformat.write(nb, path)
    sub = grade.find_submissions(tmp_path)[0]
    grade.read_submission(sub)
    return sub


def test_the_notebook_number_comes_from_metadata_else_from_the_title(tmp_path):
    nb = nbformat.read(STUDENT_NB, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("# 00 ·", "# 03 ·", 1)
    sub = submission_of(nb, tmp_path)
    assert sub.notebook == "00" and "its metadata says notebook 00 but its title says 03; graded as 00" in sub.problems
    del nb.metadata["liverlab"]
    sub = submission_of(nb, tmp_path)
    assert sub.notebook == "03" and sub.problems == []
    sub = submission_of('{"nbformat": 4, "metadata": {}}', tmp_path)
    assert not sub.gradable and sub.problems[0].startswith("could not read the file: not a Jupyter notebook")


def test_roster_checks(tmp_path):
    subs = [grade.Submission(tmp_path / f"{s}.ipynb", s, f"{s}.ipynb", "00", v)
            for s, v in (("ann", 1), ("ben", None), ("cat", None), ("dan", 2))]
    grade.resolve_variants(subs, {"ann": 1, "ben": 3, "dan": None})
    assert [s.variant for s in subs] == [1, 3, None, 2]
    assert subs[0].problems == []
    assert subs[1].problems == ["the notebook carries no variant id; graded against the roster's variant 3"]
    assert subs[2].problems == ["student 'cat' is not in the roster"]
    assert subs[3].problems[0].startswith("wrong variant: the roster assigns the course version but this notebook "
                                          "is variant 2")


def test_check_calls_are_read_in_order_from_the_solution():
    exercises, title = grade.solution_exercises(NUMBER)
    assert [e.id for e in exercises] == ["0.1", "0.2", "0.3"] and title.startswith("00 · ")
    assert all(e.expression and e.hint and e.cell_id for e in exercises)


# ----------------------------------------------------------------------------------------
# Written answers, marks, a re-run that resumes, grading without a sandbox
# ----------------------------------------------------------------------------------------
def test_written_answers_get_a_marking_page_with_the_text_escaped(graded):
    question = grade.written.questions(grade.solution_path(NUMBER))[0]
    assert question.id == "0.2" and question.marks == 1
    page = (graded["out"] / "written" / "0.2.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert question.model.split("\n")[0][:40] in page.replace("&#x27;", "'")
    assert '<th scope="col">Mark (out of 1)</th>' in page and '<html lang="en">' in page
    with open(graded["out"] / "written_marks.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["question", "student", "file", "out_of", "mark", "comment"]
    assert {(r["student"], r["file"]) for r in rows} == {k for k, v in EXACT.items() if v[2] != ""}


def test_marks_merge_and_a_rerun_resumes(graded, tmp_path):
    with open(graded["out"] / "written_marks.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["mark"], r["comment"] = {"alice": ("1", "Clear."), "bob": ("0,5", "Say why the scores drift back.")}.get(
            r["student"], ("", ""))
    marks = tmp_path / "marks.csv"
    with open(marks, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    start = time.monotonic()
    result = grade.grade(graded["subs"], graded["out"], notebook=NUMBER, roster=graded["roster"],
                         variants_dir=graded["variants"], jobs=2, cell_timeout=CELL_TIMEOUT, total_timeout=300,
                         progress=False, marks=marks)
    assert result["resumed"] == 11 and time.monotonic() - start < 30  # every gradable submission, no kernel
    with open(graded["out"] / "gradebook.csv", newline="", encoding="utf-8") as fh:
        book = {(r["student"], r["file"]): r for r in csv.DictReader(fh)}
    assert {k: (r["0.1"], r["0.2"], r["total"], r["percent"]) for k, r in book.items()} == {
        **{k: (v[0], v[1], v[2], v[3]) for k, v in EXACT.items()},
        ("alice", "alice.ipynb"): ("1", "1", "3", "75.0"), ("bob", "bob.ipynb"): ("0", "1", "1.5", "37.5")}
    assert book[("alice", "alice.ipynb")]["0.2 written"] == "1" and book[("bob", "bob.ipynb")]["0.2 written"] == "0.5"
    assert book[("bob", "bob.ipynb")]["error"] == row(graded, "bob")["error"]
    feedback = (graded["out"] / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert "Written answer, question 0.2: no answer written: 0.5 of 1 mark(s)" in feedback
    assert "Say why the scores drift back." in feedback
    kept = (graded["out"] / "written_marks.csv").read_text(encoding="utf-8")
    assert "Say why the scores drift back." in kept  # a re-run keeps the marks given


def test_a_mark_out_of_range_is_refused_with_its_line(graded, tmp_path):
    marks = tmp_path / "marks.csv"
    marks.write_text("question,student,file,out_of,mark,comment\n0.2,bob,bob.ipynb,1,2,\n9.9,bob,bob.ipynb,1,1,\n")
    question = grade.written.questions(grade.solution_path(NUMBER))
    with pytest.raises(grade.written.MarksProblem, match=r"line 2: mark '2' is not a number from 0 to 1; "
                                                         r"line 3: no written question '9.9'"):
        grade.written.read_marks(marks, question)


def test_without_a_sandbox_grading_for_marks_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(grade.sandbox, "problem", lambda: "bubblewrap (`bwrap`) is not installed. Install it")
    (tmp_path / "subs").mkdir()
    assert grade.main([str(tmp_path / "subs"), "--out", str(tmp_path / "out")]) == 3
    assert "Not grading: bubblewrap (`bwrap`) is not installed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_practice_grading_without_a_sandbox_marks_every_row(tmp_path):
    values = json.loads(grade.ANSWER_VALUES.read_text())
    base = nbformat.read(STUDENT_NB, as_version=4)
    write(filled(base, {"0.1": "right"}, {k: values[k] for k in ("0.1", "0.2")}), tmp_path / "subs" / "sam.ipynb")
    (tmp_path / "subs" / "tom.ipynb").write_text("not json")
    grade.grade(tmp_path / "subs", tmp_path / "out", notebook=NUMBER, jobs=1, progress=False, sandboxed=False)
    with open(tmp_path / "out" / "gradebook.csv", newline="", encoding="utf-8") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert rows["sam"]["0.1"] == "1" and all(r["error"].startswith(grade.NO_SANDBOX) for r in rows.values())


@pytest.mark.parametrize("module", ["grade", "sandbox", "written"])
def test_the_examples_in_the_assessment_docstrings(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"assessment.{module}"))
    assert result.failed == 0 and (result.attempted > 0 or module == "sandbox")
