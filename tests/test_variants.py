"""Per-student variants: each runs, each key matches what its own solution computes, a variant's
notebooks refuse other keys, and the instructor files (rounded answers, rules, values) are right."""

import csv
import json

import nbformat
import pytest
from nbclient import NotebookClient

from tools import authoring, variants


def test_seeds_are_shifted_and_nothing_else():
    source = "rng = np.random.default_rng(2024)\nsim(n=5, seed=7)\nx = 2024\nCLINIC_SEED = 3\nseed = 4"
    assert variants.with_seeds_shifted(source, 2) == (
        "rng = np.random.default_rng(17862)\nsim(n=5, seed=15845)\nx = 2024\nCLINIC_SEED = 15841\nseed = 4")


def test_prose_quoting_a_seed_names_the_variants_seed():
    prose = "Run the clinic with seed 2024 (`seed=7`); seeds 1 to 20; about 1 seed in 20."
    assert variants.with_seeds_shifted(prose, 1, variants.PROSE_SEED_PATTERN) == (
        "Run the clinic with seed 9943 (`seed=7926`); seeds 1 to 20; about 1 seed in 20.")


def test_rules_and_rounding_in_words():
    rule = {"shape": "scalar", "kind": "number", "sig": 3}
    assert variants.rounded(0.123456, rule) == "0.123"
    assert "3 significant figures" in variants.rule_text(rule)
    listed = {"shape": "list", "kind": "number", "decimals": 2, "length": 2}
    assert variants.rounded([0.1234, 2.0], listed) == "0.12; 2.00"
    assert variants.rule_text(listed).startswith("2 values in order, each rounded to 2 decimal place(s)")
    assert variants.rule_text({"shape": "scalar", "kind": "int"}) == "whole number, exact"


def test_roster_is_assigned_in_order_and_checked(tmp_path):
    roster = tmp_path / "students.csv"
    roster.write_text("Student,email\nana,a@x\nben,b@x\ncy,c@x\n")
    assert variants.assign(variants.read_roster(roster), 2) == [("ana", 1), ("ben", 2), ("cy", 1)]
    roster.write_text("name\nana\n")
    with pytest.raises(SystemExit, match="column named 'student'"):
        variants.read_roster(roster)
    roster.write_text("student\nana\nana\n")
    with pytest.raises(SystemExit, match="listed twice: ana"):
        variants.read_roster(roster)


def outputs_text(nb):
    return "\n".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                     for out in cell.outputs)


def run(nb, folder):
    NotebookClient(nb, kernel_name="python3", timeout=300, extra_arguments=authoring.KERNEL_ARGS,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return outputs_text(nb)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("variants")
    roster = out / "students.csv"
    roster.write_text("student\nana\nben\ncy\n")
    assert variants.main(["2", "--notebooks", "00", "--out", str(out), "--roster", str(roster)]) == 0
    return out


@pytest.mark.parametrize("variant", [1, 2])
def test_each_variant_runs_and_its_key_matches_its_solution(built, variant):
    folder = built / f"variant_{variant:02d}"
    keys = json.loads((folder / "answer_keys.json").read_text())
    course_keys = json.loads(authoring.KEYS.read_text())
    assert keys["0.1"]["fingerprints"] != course_keys["0.1"]["fingerprints"], "data did not change"
    assert json.loads((folder / "variant.json").read_text()) == {"variant": variant}

    # The variant's student notebook runs top to bottom before anything is answered.
    student = nbformat.read(folder / "00_start_here.ipynb", as_version=4)
    assert student.metadata["liverlab"] == {"notebook": "00", "variant": variant}
    assert f'os.environ["LIVERLAB_VARIANT"] = "{variant}"' in student.cells[
        next(i for i, c in enumerate(student.cells) if c.cell_type == "code")].source
    assert run(student, folder).count("not answered yet") == 3  # 0.1, 0.2, 0.3

    # The variant's solution, checked against the variant's keys (read from its folder): correct.
    solution = variants.variant_solution(authoring.read(authoring.SOLUTIONS / "00_start_here.ipynb"), variant)
    text = run(solution, folder)
    assert text.count("correct.") == 3 and "not yet" not in text  # 0.1, 0.2, 0.3


def test_a_variant_notebook_in_another_folder_refuses_the_keys(built):
    solution = variants.variant_solution(authoring.read(authoring.SOLUTIONS / "00_start_here.ipynb"), 1)
    text = run(solution, built / "variant_02")                     # variant 1 with variant 2's keys
    assert "correct." not in text and text.count("are for variant 2, but this notebook is variant 1") == 3
    course = authoring.read(authoring.SOLUTIONS / "00_start_here.ipynb")
    text = run(authoring.clean_solution(course), built / "variant_01")  # the course's notebook, variant keys
    assert "correct." not in text and "the course's own notebooks" in text


def test_instructor_files_and_overview(built):
    folder = built / "variant_01"
    with open(folder / "answer_key.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["exercise", "notebook", "answer", "rule"]
    values = json.loads((folder / "answer_values.json").read_text())
    keys = json.loads((folder / "answer_keys.json").read_text())
    assert set(values) == set(keys) == {row["exercise"] for row in rows}
    for row in rows:
        assert row["answer"] == variants.rounded(values[row["exercise"]], keys[row["exercise"]]["rule"])
    assert "remove before handing out" in (folder / "README.md").read_text()
    with open(built / "roster.csv", newline="") as fh:
        assert list(csv.reader(fh)) == [["student", "variant"], ["ana", "1"], ["ben", "2"], ["cy", "1"]]
    with open(built / "varying.csv", newline="") as fh:
        varying = {row["exercise"]: row for row in csv.DictReader(fh)}
    assert set(varying) == set(values)
    assert varying["0.1"]["varies"] == "yes" and int(varying["0.1"]["distinct_answers"]) >= 2
    assert "Which exercises vary" in (built / "README.md").read_text()
