"""Term lint (tools/terms.py): terms defined at first use or in the glossary; no paths students lack."""

import nbformat
import pytest

from tools import authoring, pacing, terms

TERMS = [terms.Term(spellings[0], terms._pattern(spellings)) for spellings in (
    ["ISI", "international sensitivity index"], ["log-normal", "lognormal"], ["c-statistic"],
    ["immortal time", "immortal-time bias"], ["hazard ratio"])]
GLOSSARY = "Hazard ratio (HR)\nImmortal-time bias"


def notebook(*sources, tags=None):
    cells = [nbformat.v4.new_markdown_cell(s) for s in sources]
    for index, tag in (tags or {}).items():
        cells[index].metadata["tags"] = [tag]
    return nbformat.v4.new_notebook(cells=cells)


def undefined(*sources, **kwargs):
    return [term for term, _ in terms.undefined_terms(notebook(*sources, **kwargs), TERMS, GLOSSARY)]


def test_a_term_used_as_if_known_is_reported_at_its_first_use():
    assert undefined("# 09", "INR depends on the ISI of the reagent.", "The ISI (international ...)") == ["ISI"]
    found = terms.undefined_terms(notebook("# 09", "No term here.", "Wiesner reported a c-statistic of 0.83."),
                                  TERMS, GLOSSARY)
    assert found == [("c-statistic", 2)]


@pytest.mark.parametrize("source", [
    "The ISI (international sensitivity index) of the reagent.",
    "The **log-normal** distribution: the logarithm is normal.",
    "The *c-statistic* is the fraction of pairs ranked right.",
    "A c-statistic: the fraction of pairs ranked right.",
    "The international sensitivity index (ISI) of the reagent.",
])
def test_a_definition_at_first_use_passes(source):
    assert undefined("# 09", source) == []


def test_a_citation_in_brackets_is_not_a_definition():
    assert undefined("# 09", "The log-normal form (Fokkema et al. 2006) works there.") == ["log-normal"]


def test_glossary_titles_count_in_any_spelling():
    assert undefined("# 09", "A hazard ratio of 0.7; immortal time again.") == []
    assert "Hazard ratio" in terms.glossary_titles() and "Concordance (C-index)" in terms.glossary_titles()


def test_capitals_match_only_capitals_and_spellings_match_across_hyphens():
    assert undefined("# 09", "Each visit within the window.") == []          # 'visit' is not ISI
    assert undefined("# 09", "The lognormal form works.") == ["log-normal"]
    assert undefined("# 09", "The log–normal form works.") == ["log-normal"]  # an en dash


def test_optional_sections_references_and_instructor_notes_are_not_core():
    deeper = f"### 🔭 Going deeper (optional): More\n{pacing.GOING_DEEPER_BOX}\n\nThe ISI of the reagent."
    assert undefined("# 09", deeper) == []
    assert undefined("# 09", "## References\nA c-statistic paper.") == []
    assert undefined("# 09", "The ISI of the reagent.", tags={1: "instructor"}) == []
    assert undefined("# 09", deeper, "## Key points\nThe ISI of the reagent.") == ["ISI"]


def test_paths_students_do_not_have_are_reported_in_core_text_only():
    nb = notebook("# 09", "The R cross-check (`tests/test_cohort_against_r.py`) agrees.",
                  "See [the glossary](../GLOSSARY.md) and ../solutions/02_x.ipynb, or tools/pacing.py.",
                  "The bugs/ folder and my_tests/x are fine.", "`tests/r_reference/` too.")
    nb.cells[4].metadata["tags"] = ["instructor"]
    assert terms.missing_files(nb) == [("tests/test_cohort_against_r.py", 1), ("solutions/02_x.ipynb", 2),
                                       ("tools/pacing.py", 2)]
    messages = terms.problems(nb, TERMS, GLOSSARY)
    assert any("tests/test_cohort_against_r.py, which students do not have" in m for m in messages)


def test_the_maintained_list_parses_and_holds_the_terms_of_issue_20():
    names = {t.name for t in terms.load_terms()}
    assert {"ISI", "CVVHD", "log-normal", "c-statistic", "stratify", "marginal structural model",
            "clone–censor–weight", "identifiable"} <= names
    assert all(t.pattern.search(t.name) for t in terms.load_terms())


def test_make_lint_runs_the_term_rule(monkeypatch):
    monkeypatch.setattr(terms, "problems", lambda nb, *a, **k: ["the term rule ran"])
    report = authoring.lint(["00"])
    assert "the term rule ran" in report["00_start_here.ipynb"]
