"""Prose in step with outputs: a number the text quotes from a result is caught when the result moves."""

import nbformat

from tools import quoted_numbers


def notebook(result: str, text: str):
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("print(result)")
    code.outputs = [nbformat.v4.new_output("stream", text=f"mean change {result} g/dL\n")]
    nb.cells = [code, nbformat.v4.new_markdown_cell(text),
                nbformat.v4.new_markdown_cell("## References\n1. Barnett 2005, 34:215–220.")]
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


def test_a_quoted_result_is_recorded_to_the_precision_the_text_gives():
    nb = notebook("0.8123", "The mean rose by **0.812** g/dL in 1,164 patients (Figure 5.1, Exercise 5.10, 2019).")
    assert quoted_numbers.quoted(nb) == [("c1", "0.812")]
    assert [t for _, t in quoted_numbers.prose_numbers(nb)] == ["0.812", "1,164"]  # labels and years left out


def test_a_result_that_moved_is_reported_until_the_text_changes(tmp_path):
    record = tmp_path / "quoted_numbers.json"
    before = notebook("0.8123", "The mean rose by 0.812 g/dL.")
    after = notebook("0.7519", "The mean rose by 0.812 g/dL.")  # a new seed, the same sentence
    quoted_numbers.record(record, "05_x.ipynb", before, after)
    problems = quoted_numbers.problems(after, "05_x.ipynb", record)
    assert len(problems) == 1 and "quotes 0.812" in problems[0] and "prose.say" in problems[0]
    fixed = notebook("0.7519", "The mean rose by 0.752 g/dL.")
    assert quoted_numbers.problems(fixed, "05_x.ipynb", record) == []
    assert quoted_numbers.problems(before, "05_x.ipynb", record) == []


def test_the_course_prose_agrees_with_its_outputs():
    from tools import authoring

    for path in authoring.solution_paths():
        assert quoted_numbers.problems(authoring.read(path), path.name, authoring.QUOTED) == [], path.name
