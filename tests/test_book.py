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


def test_alt_text_comes_from_the_output_metadata_not_the_caption():
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
    nb.cells[1].outputs[0].metadata = {"image/png": {"alt": "Albumin rose by 0.4 g/dL\n with no treatment."}}
    nb.cells[3].outputs[1].metadata = {"image/png": {"alt": "   "}}  # blank: no alt
    assert book.figure_captions(nb) == {
        1: "Figure 9.1. Albumin before and x_t after (dashed line: no change).",
        3: None,
    }
    assert book.caption_problems(nb) == [
        "cell 3: figure output without a '*Figure N.M. ...*' caption in the next cell"
    ]
    prepared, warnings = book.prepare(nb, "test 09")
    missing = "(display it with liverlab.style.show(alt=...))"
    assert warnings == ["test 09: cell 3 has a figure without a caption",
                        f"test 09: cell 3 has a figure without alt text {missing}",
                        f"test 09: cell 3 has a figure without alt text {missing}"]
    alts = [o.metadata["liverlab_alt"] for c in prepared.cells if c.cell_type == "code"
            for o in c.outputs]
    assert alts == ["Albumin rose by 0.4 g/dL with no treatment.", book.MISSING_ALT, book.MISSING_ALT]
    assert "liverlab_alt" not in nb.cells[1].outputs[0].metadata  # the input is untouched
    body, _ = book.make_exporter().from_notebook_node(
        prepared, resources={"liverlab": {"edition": "student", "nav": "", "label": "", "blurb": ""}})
    assert 'alt="Albumin rose by 0.4 g/dL with no treatment."' in body
    assert NBCONVERT_DEFAULT_ALT not in body and 'alt="Figure 9.1.' not in body


def test_lint_finds_figures_without_alt_text():
    from tools.authoring import alt_problems

    nb = nbformat.v4.new_notebook()
    nb.cells = [figure_cell(), figure_cell(2), nbformat.v4.new_markdown_cell("![x](y.png)")]
    nb.cells[0].outputs[0].metadata = {"image/png": {"alt": "Survival is lower in the second group."}}
    nb.cells[1].outputs[0].metadata = {"image/png": {"alt": ""}}
    assert alt_problems(nb) == [
        f"cell 1: figure without alt text: display it with liverlab.style.show("
        f'alt="<the finding in a sentence>") instead of plt.show()'] * 2


def test_style_show_writes_the_alt_text_that_the_lint_reads():
    from IPython.core.interactiveshell import InteractiveShell
    import matplotlib.pyplot as plt

    from liverlab import style
    from tools.authoring import alt_problems

    shell = InteractiveShell.instance()
    shown = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(shell.display_pub, "publish", lambda data, metadata=None, **kw: shown.append((data, metadata)))
        plt.plot([0, 1], [1, 0])
        style.show(alt="The line falls from 1 to 0 over the interval.")
        with pytest.raises(ValueError, match="at least five words"):
            style.show(alt="a line")
    (data, metadata), = shown
    cell = figure_cell()
    cell.outputs[0].metadata = metadata
    assert metadata == {"image/png": {"alt": "The line falls from 1 to 0 over the interval."}}
    assert "image/png" in data and alt_problems(nbformat.v4.new_notebook(cells=[cell])) == []


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_of_every_solution_has_alt_text(path):
    """Each figure output carries its finding as alt text (liverlab.style.show(alt=...)): JupyterLab,
    the site and the deck read it (issue 21). Fails until every notebook displays its figures so."""
    from tools.authoring import alt_problems

    assert alt_problems(read(path)) == []


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
    assert summary["pages"] == 5 + len(glossary)
    # (a figure without alt text is test_every_figure_of_every_solution_has_alt_text's to report)
    assert [w for w in summary["warnings"] if "without alt text" not in w] == []
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


def test_every_image_has_alt_text_that_is_not_its_caption(site00):
    out, _ = site00
    images = []
    for page in out.rglob("*.html"):
        images += BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find_all("img")
    assert len(images) >= 2, "notebook 00 has a figure in each edition"
    for img in images:
        alt = (img.get("alt") or "").strip()
        assert alt and alt != NBCONVERT_DEFAULT_ALT, img.get("src", "")[:40]
        assert not alt.startswith("Figure 0."), "the caption is read as text already"


def test_cells_and_outputs_are_not_tab_stops_and_the_glossary_link_says_what_it_is(site00):
    out, _ = site00
    text = (out / "student/00_start_here.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(text, "html.parser")
    assert soup.select("div.jp-Cell-inputWrapper") and soup.select("div.jp-OutputArea-output")
    assert soup.select("[tabindex]") == [], "nbconvert's tabindex=0 on every cell and output"
    assert book.SCROLL_FOCUS.strip() in text      # a region that scrolls gets one, in the browser
    if book.GLOSSARY.is_file():
        links = [a.get_text() for a in soup.select('a[href^="../glossary.html"]')]
        assert links and "GLOSSARY.md" not in links and "the course glossary" in links


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


def _contrast(a: str, b: str) -> float:
    def luminance(colour):
        r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
        f = lambda c: c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4  # noqa: E731
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_helper_matches_published_ratios():
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic 4.5:1 grey


def test_code_colours_prompts_and_focus_reach_wcag_contrast():
    """Code colours and prompts >= 4.5:1 on the cell background (#f5f5f5) and white; focus >= 3:1."""
    colours = dict(re.findall(r"--jp-(mirror-editor-[a-z]+-color|cell-[a-z-]+-font-color):\s*(#[0-9a-f]{6})",
                              book.LAB_CSS_EXTRA))
    assert len(colours) >= 14
    low = {name: round(min(_contrast(c, "#f5f5f5"), _contrast(c, "#ffffff")), 2)
           for name, c in colours.items() if min(_contrast(c, "#f5f5f5"), _contrast(c, "#ffffff")) < 4.5}
    assert low == {}
    assert "--jp-cell-prompt-not-active-opacity: 1" in book.LAB_CSS_EXTRA
    assert "overflow: hidden" not in book.LAB_CSS_EXTRA
    focus = re.search(r":focus-visible \{ outline: 3px solid var\(--ll-ink\)", book.CSS)
    ink = re.search(r"--ll-ink: (#[0-9a-f]{6})", book.CSS).group(1)
    assert focus and _contrast(ink, "#ffffff") >= 3 and "#E69F00" not in book.CSS.split(":focus")[1][:60]


def test_low_contrast_palette_colours_are_the_ones_below_3_to_1_on_white():
    """style.LOW_CONTRAST names exactly the Okabe-Ito colours under 3:1 on the white axes (WCAG
    1.4.11): those need a second cue (line style, marker, hatch), as style.py documents."""
    from liverlab import style

    below = {c.upper() for c in style.OKABE_ITO if _contrast(c, "#ffffff") < 3}
    assert below == {c.upper() for c in style.LOW_CONTRAST} == {"#E69F00", "#56B4E9", "#F0E442"}
