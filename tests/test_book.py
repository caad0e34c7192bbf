"""The course website (`make book`, tools/book.py) and the accessibility rules it relies on.

No browser here (tests/test_browser.py drives Chromium over the whole site). The site is built
for notebook 00 only, into a temporary folder: both editions, the student page executed (by
nbval in the same run, whose outputs tests/conftest.py keeps, or here when nbval does not run).
"""

import re

import matplotlib as mpl
import nbformat
import pytest
from bs4 import BeautifulSoup

from tools import book
from tools.authoring import BEGIN, NOTEBOOKS, SOLUTIONS, read, solution_lines

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"
SOLUTION_NOTEBOOKS = sorted(
    p for p in SOLUTIONS.glob("*.ipynb") if book.NOTEBOOK_NAME.match(p.name)
)
SELF_CHECK = re.compile(r"^\s*[✅❌⏳⚠]\S*\s+Exercise \d+\.\d+:.*$", re.M)  # liverlab.checks' lines
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


def figure_cell(n=1):
    cell = nbformat.v4.new_code_cell("plot()")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})
        for _ in range(n)
    ]
    cell.execution_count = 1
    return cell


def text_of(html_text: str) -> str:
    return BeautifulSoup(html_text, "html.parser").get_text()


# ----------------------------------------------------------------------------------------------
# Accessibility rules of the course (no build needed)
# ----------------------------------------------------------------------------------------------
def test_palette_is_okabe_ito_and_the_course_style_uses_only_it():
    from liverlab import style

    assert len(style.OKABE_ITO) == 8 and {c.upper() for c in style.OKABE_ITO} == OKABE_ITO
    import seaborn as sns

    with mpl.rc_context():
        style.use()
        cycle = {
            mpl.colors.to_hex(c).upper() for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]
        }
        palette = {mpl.colors.to_hex(c).upper() for c in sns.color_palette()}
    assert cycle <= OKABE_ITO and palette <= OKABE_ITO


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_is_followed_by_its_caption(path):
    """Each figure output is followed by a '*Figure N.M. ...*' markdown cell (the site's alt)."""
    nb = read(path)
    assert book.caption_problems(nb) == []
    number = int(path.name[:2])
    for caption in book.figure_captions(nb).values():
        assert re.match(rf"Figure {number}\.\d+\. \S", caption), caption


def test_caption_becomes_alt_text_and_a_missing_one_is_reported():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 09 · Test"),
        figure_cell(),
        nbformat.v4.new_markdown_cell(
            "*Figure 9.1. Albumin `before` and $x_t$ after "
            "(dashed line: no change).*\n\nThe next paragraph."
        ),
        figure_cell(2),
        nbformat.v4.new_markdown_cell("Not a caption."),
    ]
    assert book.figure_captions(nb) == {
        1: "Figure 9.1. Albumin before and x_t after (dashed line: no change).",
        3: None,
    }
    assert book.caption_problems(nb) == [
        "cell 3: figure output without a '*Figure N.M. ...*' caption in the next cell"
    ]
    prepared, warnings = book.prepare(nb, "test 09")
    assert warnings == ["test 09: cell 3 has a figure without a caption"]
    alts = [
        o.metadata["liverlab_alt"]
        for c in prepared.cells
        if c.cell_type == "code"
        for o in c.outputs
    ]
    assert alts[0].startswith("Figure 9.1. Albumin")
    assert alts[1].endswith("(image 1 of 2)") and alts[2].endswith("(image 2 of 2)")
    assert "liverlab_alt" not in nb.cells[1].outputs[0].get(
        "metadata", {}
    )  # the input is untouched


def test_maths_becomes_mathml_at_build_time():
    inline = book.tex_to_mathml(r"\frac{d_t}{n_t} \le 1", "inline")
    assert inline.startswith("<math") and 'display="inline"' in inline and "<mfrac>" in inline
    aligned = book.tex_to_mathml(r"\begin{aligned} a = {} & b \\ & + c \end{aligned}", "block")
    assert "<mtable" in aligned and 'display="block"' in aligned
    assert not re.search(r"&(?!#?\w+;)", aligned), "a bare '&' would break the page"
    book.MATH_WARNINGS.clear()
    assert book.tex_to_mathml(r"\unknownmacro{x}", "inline").startswith('<code class="ll-tex">')
    assert book.MATH_WARNINGS and "unknownmacro" in book.MATH_WARNINGS[0]


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_formula_of_the_course_converts_to_mathml(path):
    book.MATH_WARNINGS.clear()
    for cell in read(path).cells:
        if cell.cell_type == "markdown":
            rendered = book.markdown_to_html(cell.source)
            assert not re.search(r"\$[^$<]*\\[A-Za-z]", rendered), (
                f"TeX left for MathJax: {rendered[:200]}"
            )
    assert book.MATH_WARNINGS == []


def test_offline_check_finds_remote_resources_but_not_plain_links():
    assert book.offline_problems('<script src="https://cdn.example.org/x.js"></script>')
    assert book.offline_problems('<link rel="stylesheet" href="//cdn.example.org/x.css">')
    assert book.offline_problems('<img alt="x" src="http://example.org/x.png">')
    assert book.offline_problems('<style>@import "https://fonts.example.org/f.css";</style>')
    assert book.offline_problems(
        "<style>body { background: url('https://example.org/bg.png') }</style>"
    )
    assert not book.offline_problems('<a href="https://doi.org/10.1000/1">a reference</a>')
    assert not book.offline_problems('<img alt="x" src="data:image/png;base64,AAAA">')


def test_widget_outputs_become_a_note_and_test_markers_disappear():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\nshow_rtm_explorer()")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                book.WIDGET_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
                "text/plain": "VBox(...)",
            },
        )
    ]
    nb.cells = [cell]
    prepared, _ = book.prepare(nb, "test")
    assert prepared.cells[0].source == "show_rtm_explorer()"
    assert prepared.cells[0].outputs[0]["data"] == {"text/html": book.WIDGET_NOTE}


# ----------------------------------------------------------------------------------------------
# A small real build: notebook 00, both editions
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site00(tmp_path_factory, nbval_student_runs):
    """Notebook 00's pages. The student page shows the notebook executed top to bottom: by nbval
    in this run when it runs notebooks/ (tests/conftest.py keeps its outputs), else here."""
    name = "00_start_here.ipynb"
    if not (NOTEBOOKS / name).exists():
        pytest.skip("notebooks/00_start_here.ipynb is missing")
    out = tmp_path_factory.mktemp("site") / "site"
    executed = nbval_student_runs([name])[name]
    if executed is None:
        return out, book.build(out, jobs=1, only=["00"], log=lambda *_: None)
    folder = tmp_path_factory.mktemp("executed")
    nbformat.write(executed, folder / name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(book.EDITIONS["student"], "source", folder)
        summary = book.build(out, jobs=1, only=["00"], execute_students=False,
                             log=lambda *_: None)
    return out, summary


def test_build_writes_both_editions_and_their_maps(site00):
    out, summary = site00
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    glossary = ["glossary.html"] if book.GLOSSARY.is_file() else []  # GLOSSARY.md -> glossary.html
    assert pages == glossary + [
        "index.html",
        "instructor/00_start_here.html",
        "instructor/index.html",
        "student/00_start_here.html",
        "student/index.html",
    ]
    assert summary["pages"] == 5 + len(glossary) and summary["warnings"] == []
    assert (out / "assets" / "course.css").is_file() and (
        out / "assets" / "jupyterlab.css"
    ).is_file()


def test_pages_load_nothing_from_outside(site00):
    out, _ = site00
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert book.offline_problems(text) == [], page
        for tag, _attr, value in book.references(text):
            if tag != "a":  # a plain link is followed only when clicked
                assert not re.match(r"(https?:)?//", value), (page, tag, value)
        assert (
            "mathjax" not in text.lower() and "require.js" not in text and "unpkg.com" not in text
        )


def test_every_image_has_its_caption_as_alt_text(site00):
    out, _ = site00
    images = []
    for page in out.rglob("*.html"):
        images += BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("img")
    assert len(images) >= 2, "notebook 00 has a figure in each edition"
    for img in images:
        alt = (img.get("alt") or "").strip()
        assert alt and alt != NBCONVERT_DEFAULT_ALT, img.get("src", "")[:40]
        assert alt.startswith("Figure 0.")


def test_navigation_and_internal_links(site00):
    out, _ = site00
    assert book.link_problems(out) == []

    def hrefs(path):
        return {
            v
            for tag, attr, v in book.references((out / path).read_text(encoding="utf-8"))
            if tag == "a"
        }

    assert {"student/index.html", "instructor/index.html", "student/00_start_here.html"} <= hrefs(
        "index.html"
    )
    assert {"00_start_here.html", "../instructor/index.html", "../index.html"} <= hrefs(
        "student/index.html"
    )
    assert {"00_start_here.html", "../student/index.html", "../index.html"} <= hrefs(
        "instructor/index.html"
    )
    assert {"index.html", "../index.html", "../instructor/00_start_here.html"} <= hrefs(
        "student/00_start_here.html"
    )
    assert {"index.html", "../student/00_start_here.html"} <= hrefs("instructor/00_start_here.html")
    title = book.notebook_title(read(SOLUTIONS / "00_start_here.ipynb"))
    assert title.startswith("00 · ") and title in text_of(
        (out / "student/index.html").read_text(encoding="utf-8")
    )


def test_student_page_is_executed_without_answers(site00):
    out, _ = site00
    text = text_of((out / "student/00_start_here.html").read_text(encoding="utf-8"))
    assert BEGIN not in text and "### END SOLUTION" not in text
    lines = {line.strip() for line in text.splitlines()}
    assert not lines & solution_lines(read(SOLUTIONS / "00_start_here.ipynb"))
    checks = SELF_CHECK.findall(text)
    assert checks and all("not answered yet" in line for line in checks), checks
    instructor = SELF_CHECK.findall(
        text_of((out / "instructor/00_start_here.html").read_text(encoding="utf-8"))
    )
    assert len(instructor) == len(checks) and all(
        line.endswith("correct.") for line in instructor
    ), instructor


def test_links_are_underlined_not_colour_alone():
    assert re.search(r"\ba\s*\{[^}]*text-decoration:\s*underline", book.CSS)
