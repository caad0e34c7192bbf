"""Single-source authoring: the student version, and the checks that make `make test` fail.

Each failure mode has a tiny fixture notebook built here, as nmaci does, plus one
test that the course's real notebooks pass every check.
"""

import copy
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from tools import authoring
from tools.authoring import BEGIN, END

CARD = ("| | |\n|---|---|\n| **For:** | students |\n| **Time:** | 5 min |\n"
        "| **Prerequisites:** | none |\n| **Glossary:** | [GLOSSARY.md](../GLOSSARY.md) |\n\n"
        "## Learning objectives\n1. compute a mean")


def md(source, *cell_tags):
    cell = nbformat.v4.new_markdown_cell(source)
    if cell_tags:
        cell.metadata["tags"] = list(cell_tags)
    return cell


def code(source, *cell_tags, outputs=()):
    cell = nbformat.v4.new_code_cell(source)
    if cell_tags:
        cell.metadata["tags"] = list(cell_tags)
    cell.outputs = [nbformat.v4.new_output("stream", text=text) for text in outputs]
    cell.execution_count = 1 if outputs else None
    return cell


def fixture_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md("# 09 · A fixture notebook\n\nWhat it asks."),
        md(CARD),
        code("from liverlab.checks import check", "setup"),
        md("### Exercise 9.1\nCompute the mean MELD."),
        code(f"scores = [12, 18, 30]\n{BEGIN}\nmean_meld = sum(scores) / len(scores)\n"
             f"spread_meld, top_meld = max(scores) - min(scores), max(scores)\n{END}\n"
             'check("9.1", mean_meld)', outputs=["✅ Exercise 9.1: correct.\n"]),
        md("### Exercise 9.2\nIs a change of 3 MELD points beyond noise?"),
        md("Model answer: within the noise of a stable patient's labs.", "solution"),
        code(f"{BEGIN}\nverdict = 'within noise'\n{END}\ncheck(\"9.2\", verdict)"),
        md("Instructor: the class usually says 'beyond noise' first.", "instructor"),
        md("## Key points\n- one\n\n## References\n1. A source."),
    ]
    for i, cell in enumerate(nb.cells):
        cell.id = f"fixture-{i:02d}"
    return nb


def sources(nb):
    return "\n".join(cell.source for cell in nb.cells)


# ---------------------------------------------------------------------------------------------
# The student version
# ---------------------------------------------------------------------------------------------
def test_solution_code_becomes_named_placeholders():
    student = authoring.student_version(fixture_notebook())
    cell = student.cells[4]
    assert cell.source == ("scores = [12, 18, 30]\n"
                           "mean_meld = ...  # your code here\n"
                           "spread_meld = ...  # your code here\n"
                           "top_meld = ...  # your code here\n"
                           'check("9.1", mean_meld)')


def test_instructor_cells_dropped_and_markdown_answers_prompted_with_a_collapsed_model_answer():
    student = authoring.student_version(fixture_notebook())
    assert len(student.cells) == len(fixture_notebook().cells)  # one instructor cell out, one model answer in
    assert "Instructor:" not in sources(student)
    assert student.cells[6].source == authoring.ANSWER_PROMPT
    assert "solution" not in student.cells[6].metadata.get("tags", [])
    model = student.cells[7]
    assert model.source.startswith("<details>") and model.source.endswith("</details>")
    assert "Model answer for Exercise 9.2" in model.source
    assert "within the noise of a stable patient's labs." in model.source
    assert student.cells[8].source.startswith("### BEGIN") is False  # the code answer stays hidden
    assert "verdict = 'within noise'" not in sources(student)


def test_student_notebook_says_which_notebook_and_variant_it_is():
    assert "liverlab" not in authoring.student_version(fixture_notebook()).metadata
    assert authoring.student_version(fixture_notebook(), "09").metadata["liverlab"] == {"notebook": "09"}
    assert authoring.student_version(fixture_notebook(), "09", 3).metadata["liverlab"] == {
        "notebook": "09", "variant": 3}


def test_outputs_counts_and_kernelspec_cleared():
    student = authoring.student_version(fixture_notebook())
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    assert student.metadata["kernelspec"]["name"] == "python3"


def test_student_version_is_deterministic_and_does_not_touch_its_input():
    nb = fixture_notebook()
    before = copy.deepcopy(nb)
    assert authoring.dumps(authoring.student_version(nb)) == authoring.dumps(authoring.student_version(nb))
    assert nb == before


@pytest.mark.parametrize("code_text, names", [
    ("x = 1", ["x"]),
    ("a, (b, *c) = f()", ["a", "b", "c"]),
    ("total: float = 0\ntotal += 1", ["total"]),
    ("def score(x):\n    y = 2\n    return y", ["score"]),
    ("df['meld'] = 1\nprint(df)", []),
    ("    indented = 1", ["indented"]),
])
def test_assigned_names(code_text, names):
    assert authoring.assigned_names(code_text) == names


def test_indented_solution_keeps_its_indentation():
    source = f"for x in range(3):\n    {BEGIN}\n    y = x * 2\n    {END}\n    print(y)"
    assert authoring.strip_solution_code(source) == (
        "for x in range(3):\n    y = ...  # your code here\n    print(y)")


def test_block_without_names_becomes_ellipsis():
    assert authoring.strip_solution_code(f"{BEGIN}\nprint(1)\n{END}") == "...  # your code here"


# ---------------------------------------------------------------------------------------------
# Lint: each failure mode is reported
# ---------------------------------------------------------------------------------------------
def test_fixture_is_clean():
    nb = fixture_notebook()
    assert authoring.structure_problems(nb, "09_fixture.ipynb") == []
    assert authoring.exercise_problems(nb, "09_fixture.ipynb") == []
    assert authoring.marker_problems(nb) == []


@pytest.mark.parametrize("remove, message", [
    ("**For:**", "missing audience"),
    ("**Time:**", "missing time estimate"),
    ("**Prerequisites:**", "missing prerequisites"),
    ("**Glossary:**", "missing glossary link"),
    ("## Learning objectives", "missing learning objectives"),
    ("## Key points", "missing key points"),
    ("## References", "missing references"),
    ("# 09 · ", "missing title"),
])
def test_missing_section_is_reported(remove, message):
    nb = fixture_notebook()
    for cell in nb.cells:
        cell.source = cell.source.replace(remove, "")
    problems = authoring.structure_problems(nb, "09_fixture.ipynb")
    assert any(message in p for p in problems), problems


def test_exercise_without_self_check_is_reported():
    nb = fixture_notebook()
    nb.cells[7].source = f"{BEGIN}\nverdict = 'within noise'\n{END}"
    problems = authoring.exercise_problems(nb, "09_fixture.ipynb")
    assert problems == ['Exercise 9.2 has no self-check: add check("9.2", ...) in a code cell of its section']


def test_removing_both_markers_is_reported():
    nb = fixture_notebook()
    nb.cells[7].source = "verdict = 'within noise'\ncheck(\"9.2\", verdict)"
    nb.cells[6].metadata = {}
    problems = authoring.exercise_problems(nb, "09_fixture.ipynb")
    assert any("Exercise 9.2 has no solution" in p for p in problems)


@pytest.mark.parametrize("drop", [BEGIN, END])
def test_removing_one_marker_is_reported(drop):
    nb = fixture_notebook()
    nb.cells[4].source = nb.cells[4].source.replace(drop + "\n", "")
    problems = authoring.marker_problems(nb)
    assert len(problems) == 1 and "without a matching" in problems[0]


def test_leaked_solution_line_marker_and_answer_are_reported():
    solution = fixture_notebook()
    student = authoring.student_version(solution)
    values, keys = {"9.1": 20.0, "9.2": "within noise"}, {"9.1": {"rule": {"kind": "int"}}}
    assert authoring.leak_problems(solution, student, values, keys, 9) == []
    student.cells[4].source += "\nmean_meld = sum(scores) / len(scores)"
    student.cells[3].source += f"\n{END}"
    problems = authoring.leak_problems(solution, student, values, keys, 9)
    assert any("solution line" in p for p in problems)
    assert any("solution marker" in p for p in problems)
    student = authoring.student_version(solution)
    values, keys = {"9.1": 0.11507}, {"9.1": {"rule": {"kind": "number", "sig": 3}}}
    student.cells[3].source += "\n(The mean change is 0.115 g/dL.)"
    assert authoring.leak_problems(solution, student, values, keys, 9) == [
        "the answer to Exercise 9.1 appears in the student notebook"]


# ---------------------------------------------------------------------------------------------
# The real course: every notebook passes, and tampering is caught
# ---------------------------------------------------------------------------------------------
def test_course_notebooks_pass_lint():
    report = authoring.lint()
    assert report, "no notebooks found"
    assert {name: p for name, p in report.items() if p} == {}


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A copy of solutions/, notebooks/ and the keys, with the module pointed at it."""
    for folder in ("solutions", "notebooks"):
        shutil.copytree(authoring.ROOT / folder, tmp_path / folder)
    shutil.copy(authoring.KEYS, tmp_path / "answer_keys.json")
    monkeypatch.setattr(authoring, "SOLUTIONS", tmp_path / "solutions")
    monkeypatch.setattr(authoring, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(authoring, "KEYS", tmp_path / "answer_keys.json")
    monkeypatch.setattr(authoring, "ANSWER_VALUES", tmp_path / "solutions" / "answer_values.json")
    return tmp_path


def test_hand_edited_student_notebook_is_caught(course_copy):
    path = course_copy / "notebooks" / "00_start_here.ipynb"
    path.write_text(path.read_text().replace("Run a cell with", "Run each cell with"))
    problems = authoring.lint(["00"])["00_start_here.ipynb"]
    assert any("differs from what `make student` generates" in p for p in problems)


def test_student_notebook_without_solution_source_is_caught(course_copy):
    shutil.copy(course_copy / "notebooks" / "00_start_here.ipynb", course_copy / "notebooks" / "99_orphan.ipynb")
    assert authoring.lint()["99_orphan.ipynb"] == ["notebooks/99_orphan.ipynb has no source in solutions/"]


def test_cli_exits_nonzero_on_problems(course_copy):
    path = course_copy / "notebooks" / "00_start_here.ipynb"
    path.write_text(path.read_text().replace("Run a cell with", "Run each cell with"))
    script = ("import sys, pathlib; from tools import authoring as a; r = pathlib.Path(sys.argv[1]); "
              "a.SOLUTIONS, a.NOTEBOOKS = r / 'solutions', r / 'notebooks'; sys.exit(a.main(['lint']))")
    result = subprocess.run([sys.executable, "-c", script, str(course_copy)], capture_output=True,
                            text=True, cwd=authoring.ROOT)
    assert result.returncode == 1
    assert "00_start_here.ipynb" in result.stderr and "make student" in result.stderr


def test_split_prints_are_merged_so_stored_outputs_do_not_depend_on_timing():
    nb = fixture_notebook()
    nb.cells[4].outputs = [nbformat.v4.new_output("stream", text="✅ Exercise 9.1: correct."),
                           nbformat.v4.new_output("stream", text="\n"),
                           nbformat.v4.new_output("stream", name="stderr", text="warn\n")]
    cleaned = authoring.clean_solution(nb)
    assert [(o.name, o.text) for o in cleaned.cells[4].outputs] == [
        ("stdout", "✅ Exercise 9.1: correct.\n"), ("stderr", "warn\n")]


def test_readme_course_map_states_each_notebooks_own_times():
    """The README's course map and each notebook's card give the same core (and optional) minutes."""
    from tools import pacing

    readme = (authoring.ROOT / "README.md").read_text(encoding="utf-8")
    for path in authoring.solution_paths():
        core, optional = pacing.stated_minutes(authoring.read(path))
        row = re.search(rf"^\| {path.name[:2]} \| .*$", readme, re.M)
        assert row, f"README course map has no row for {path.name}"
        time_cell = row.group(0).split(" | ")[3]
        assert re.match(rf"(\d+–)?{core} min", time_cell), (path.name, time_cell, core)  # "60–75 min": upper end
        if optional and optional >= 10:  # a few optional minutes need no mention
            stated = re.search(r"\+(\d+) optional", time_cell)
            assert stated and abs(int(stated.group(1)) - optional) <= 5, (path.name, time_cell, optional)


def test_start_here_course_map_states_each_notebooks_own_times():
    """Notebook 00's course map gives each notebook's card times too (it fell behind the cards once)."""
    from tools import pacing

    start = authoring.read(authoring.solution_paths()[0])
    course_map = next(c.source for c in start.cells if c.source.startswith("## The course map"))
    for path in authoring.solution_paths():
        core, optional = pacing.stated_minutes(authoring.read(path))
        row = re.search(rf"^\| \*\*{path.name[:2]} · .*\| (?:\d+–)?(\d+) min(?: \(\+(\d+) optional\))? \|$", course_map, re.M)
        assert row, f"00's course map has no row with a time for {path.name}"
        assert int(row.group(1)) == core, (path.name, row.group(0), core)
        if optional and optional >= 10:
            assert row.group(2) and abs(int(row.group(2)) - optional) <= 5, (path.name, row.group(0), optional)


def test_instructors_total_is_the_sum_of_the_cards():
    """INSTRUCTORS.md's "About N hours ... about M more" is the cards' total, to the nearest quarter hour."""
    from tools import pacing

    stated = [pacing.stated_minutes(authoring.read(path)) for path in authoring.solution_paths()]
    text = (authoring.ROOT / "INSTRUCTORS.md").read_text(encoding="utf-8")
    found = re.search(r"About (\d+)([¼½¾]?) hours of notebook work on the core paths \(course-map times; "
                      r"about (\d+)([¼½¾]?) more", text)
    assert found, "INSTRUCTORS.md states no total"
    quarter = {"": 0, "¼": 15, "½": 30, "¾": 45}
    core = 60 * int(found.group(1)) + quarter[found.group(2)]
    optional = 60 * int(found.group(3)) + quarter[found.group(4)]
    assert abs(core - sum(c for c, _ in stated)) <= 7.5, (core, stated)
    assert abs(optional - sum(o or 0 for _, o in stated)) <= 7.5, (optional, stated)


# ---------------------------------------------------------------------------------------------
# Parameter cells (issue 15): one per notebook, and a variant shifts the seeds it holds
# ---------------------------------------------------------------------------------------------
PARAMETER_HEADER_09 = "# Parameters: values an instructor may change (then run make solutions NB=09)"


def with_parameter_cell(source=PARAMETER_HEADER_09 + "\nSEED = 1  # random seed", position=3):
    nb = fixture_notebook()
    nb.cells.insert(position, code(source, "parameters"))
    return nb


def test_parameter_cell_rule_reports_each_failure():
    assert authoring.parameter_problems(with_parameter_cell(), "09_fixture.ipynb") == []
    assert "no parameter cell" in authoring.parameter_problems(fixture_notebook(), "09_fixture.ipynb")[0]
    late = with_parameter_cell(position=7)
    assert any("first 6 cells" in p for p in authoring.parameter_problems(late, "09_fixture.ipynb"))
    two = with_parameter_cell()
    two.cells.insert(4, code(PARAMETER_HEADER_09 + "\nN = 2", "parameters"))
    assert any("keep one" in p for p in authoring.parameter_problems(two, "09_fixture.ipynb"))
    headless = with_parameter_cell("SEED = 1")
    assert any("first line" in p for p in authoring.parameter_problems(headless, "09_fixture.ipynb"))
    markdown_only = fixture_notebook()
    markdown_only.cells.insert(3, md(PARAMETER_HEADER_09, "parameters"))
    assert "no parameter cell" in authoring.parameter_problems(markdown_only, "09_fixture.ipynb")[0]


@pytest.mark.parametrize("path", authoring.solution_paths(), ids=lambda p: p.name[:2])
def test_each_course_notebook_has_one_parameter_cell(path):
    assert authoring.parameter_problems(authoring.read(path), path.name) == []


@pytest.mark.parametrize("path", authoring.solution_paths(), ids=lambda p: p.name[:2])
def test_variants_shift_every_seed_of_the_parameter_cell(path):
    """Each seed constant the code uses (``seed=NAME``, ``default_rng(NAME)``) is an integer in the parameter
    cell, which ``tools.variants`` shifts by 7919 x k; the other parameters stay as they are."""
    from tools import variants

    nb = authoring.read(path)
    cell = next((c for c in nb.cells if c.cell_type == "code" and authoring.PARAMETERS_TAG in authoring.tags(c)), None)
    assert cell is not None, f"{path.name} has no parameter cell"
    code_text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    used = set(re.findall(r"(?:default_rng\(|seed=)([A-Z_][A-Z0-9_]*)\b", code_text))
    defined = dict(re.findall(r"^([A-Z_][A-Z0-9_]*)\s*=\s*(\d+)\b", cell.source, re.M))
    assert used <= set(defined), f"{path.name}: seeds used but not set to an integer in the parameter cell: {used - set(defined)}"
    shifted = variants.with_seeds_shifted(cell.source, 3)
    for name, value in defined.items():
        expected = int(value) + 3 * variants.SEED_STEP if name.endswith("SEED") else int(value)
        assert re.search(rf"^{name}\s*=\s*{expected}\b", shifted, re.M), (path.name, name, shifted)
    for name in used:
        assert name.endswith("SEED"), f"{path.name}: name the seed constant {name} ...SEED so that variants shift it"


def test_course_times_reads_a_card_range_and_rounds_hours_to_quarters():
    from tools import course_times

    nb = fixture_notebook()
    nb.cells[1].source = "| **Time:** | about 65–75 minutes (core path); the optional sections add about 45 minutes |"
    assert course_times.card_times(nb) == ("65–75", 45, 75)
    nb.cells[1].source = "| **Time:** | about 70 minutes (core path) |"
    assert course_times.card_times(nb) == ("70", None, 70)
    assert [course_times.hours(m) for m in (480, 525, 530, 373, 7)] == ["8", "8¾", "8¾", "6¼", "0"]
