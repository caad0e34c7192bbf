"""Per-student variants: each runs, and each key matches what its own solution computes."""

import json

import nbformat
import pytest
from nbclient import NotebookClient

from tools import authoring, variants


def test_seeds_are_shifted_and_nothing_else():
    source = "rng = np.random.default_rng(2024)\nsim(n=5, seed=7)\nx = 2024"
    assert variants.with_seeds_shifted(source, 2) == (
        "rng = np.random.default_rng(17862)\nsim(n=5, seed=15845)\nx = 2024")


def outputs_text(nb):
    return "\n".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                     for out in cell.outputs)


@pytest.mark.parametrize("variant", [1, 2])
def test_each_variant_runs_and_its_key_matches_its_solution(tmp_path, variant):
    folder = variants.build_variant(variant, tmp_path, ["00"])
    keys = json.loads((folder / "answer_keys.json").read_text())
    course_keys = json.loads(authoring.KEYS.read_text())
    assert keys["0.1"]["fingerprint"] != course_keys["0.1"]["fingerprint"], "data did not change"
    assert (folder / "answer_key.csv").read_text().splitlines()[0] == "exercise,notebook,answer"

    # The variant's student notebook runs top to bottom before anything is answered.
    student = nbformat.read(folder / "00_start_here.ipynb", as_version=4)
    NotebookClient(student, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(folder)}}).execute()
    assert outputs_text(student).count("not answered yet") == 2

    # The variant's solution, checked against the variant's keys (read from its folder): correct.
    solution = variants.variant_solution(authoring.read(authoring.SOLUTIONS / "00_start_here.ipynb"),
                                         variant)
    NotebookClient(solution, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(folder)}}).execute()
    text = outputs_text(solution)
    assert text.count("correct.") == 2 and "not yet" not in text


def test_variants_differ_from_each_other(tmp_path):
    first = variants.with_seeds_shifted("rng = np.random.default_rng(2024)", 1)
    second = variants.with_seeds_shifted("rng = np.random.default_rng(2024)", 2)
    assert first != second != "rng = np.random.default_rng(2024)"
