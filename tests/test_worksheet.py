"""The printable journal-club worksheet: built from its markdown, self-contained, print-ready.

The last tests print the worksheet and the filled-in handout of notebook 07 to PDF with headless
Chromium (Playwright ``page.pdf``, A4 and US Letter) and count the pages: one each. Without
Chromium they are skipped with a message (an error when CI=true), as in ``tests/test_browser.py``.
"""

import html
import re
import subprocess
import sys

import pytest

from tests.browser_support import chromium, need_chromium
from tools import worksheet

MARKDOWN = worksheet.SOURCE.read_text(encoding="utf-8")
HANDOUT = worksheet.ROOT / "worksheet" / "handout_07_article.md"
SECTIONS = ["claim", "Source, interests, cited evidence", "selected", "Comparison group", "Co-interventions",
            "attrition", "noise", "Regression to the mean", "Surrogate", "Safety: n, follow-up, 3/n, background rate",
            "What trial would settle it", "Verdict"]


def headings(markdown_text):
    """Text of every markdown heading, inline markup removed."""
    found = []
    for line in markdown_text.splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            found.append(re.sub(r"[*_`]", "", match.group(1)).strip())
    return found


def visible_text(document):
    return html.unescape(re.sub(r"<[^>]+>", " ", document))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    target = worksheet.build(worksheet.SOURCE, tmp_path_factory.mktemp("worksheet") / "worksheet.html")
    return target.read_text(encoding="utf-8")


def test_build_writes_into_the_given_path(tmp_path):
    target = worksheet.build(worksheet.SOURCE, tmp_path / "sub" / "out.html")
    assert target == tmp_path / "sub" / "out.html"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_every_markdown_heading_is_in_the_html(built):
    expected = headings(MARKDOWN)
    assert len(expected) >= 13  # the title and the twelve sections
    text = " ".join(visible_text(built).split())
    for heading in expected:
        assert " ".join(heading.split()) in text, heading


def test_the_twelve_sections_a_resident_fills_in(built):
    assert built.count("<section>") == 12
    for topic in SECTIONS:
        assert topic in built, topic


def test_regression_to_the_mean_is_optional_without_numbers():
    box = MARKDOWN.split("## 8. Regression to the mean check")[1].split("\n## ")[0]
    assert "Optional when the source gives no numbers" in box and "no numbers given" in box


def test_safety_box_asks_for_n_follow_up_three_over_n_and_background_rate():
    box = MARKDOWN.split("## 10. Safety")[1].split("\n## ")[0]
    for item in ["n = ____", "followed ____", "3/n", "Background rate", "Serious adverse events"]:
        assert item in box, item


def test_more_writing_space_than_the_first_edition():
    lines = sum(int(n) for n in worksheet.WRITE_MARKER.findall(MARKDOWN))
    assert lines >= 28  # the first edition (ten boxes) had 22 ruled lines


def test_handout_fills_in_every_box_of_the_worksheet():
    handout = HANDOUT.read_text(encoding="utf-8")
    assert headings(handout)[1:] == headings(MARKDOWN)[1:]
    assert "write:" not in handout
    assert "a commercial clinic's web article" in handout
    assert "Vega" not in handout  # the clinic is never named


def test_no_resource_is_loaded_from_elsewhere(built):
    assert worksheet.external_resources(built) == []
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", built, re.I)
    assert not re.search(r"<link\b[^>]*\bhref\s*=", built, re.I)
    assert not re.search(r"<img\b[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", built, re.I)
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*https?://", built, re.I)


def test_css_is_inline_with_print_styles(built):
    assert re.search(r"<style>.*@page\s*\{[^}]*margin", built, re.S)  # paper size left to the printer: A4 or Letter
    assert "@media print" in built
    assert "break-inside: avoid" in built


def test_write_markers_become_ruled_lines():
    document = worksheet.build_html("# T\n\n## One\n\nPrompt.\n\n<!-- write: 3 -->\n")
    assert document.count('<div class="line"></div>') == 3
    assert "write:" not in document


def test_external_resources_are_detected():
    assert worksheet.external_resources('<script src="https://cdn.example/x.js"></script>') == ["script with src"]
    assert worksheet.external_resources('<link rel="stylesheet" href="s.css">') == ["link with href"]
    assert worksheet.external_resources('<img src="https://example.org/a.png">') == ["remote image"]
    with pytest.raises(ValueError, match="external resources"):
        worksheet.build_html("# T\n\n<img src='https://example.org/a.png'>\n")


def test_output_is_deterministic():
    assert worksheet.build_html(MARKDOWN) == worksheet.build_html(MARKDOWN)


def test_committed_html_matches_the_markdown():
    committed = worksheet.TARGET.read_text(encoding="utf-8")
    assert committed == worksheet.build_html(MARKDOWN), (
        "worksheet/journal_club_worksheet.html is stale: run `python -m tools.worksheet`")


def test_command_line(tmp_path):
    out = tmp_path / "w.html"
    result = subprocess.run([sys.executable, "-m", "tools.worksheet", str(worksheet.SOURCE), "-o", str(out)],
                            cwd=worksheet.ROOT, capture_output=True, text=True, check=True)
    assert "wrote" in result.stdout
    assert out.read_text(encoding="utf-8") == worksheet.build_html(MARKDOWN)


def test_footer_names_the_source(tmp_path):
    target = worksheet.build(HANDOUT, tmp_path / "handout.html")
    assert "generated from worksheet/handout_07_article.md" in target.read_text(encoding="utf-8")


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.fixture(scope="module")
def chromium_page():
    with chromium(need_chromium("check that the worksheet prints on one page")) as browser:
        yield browser.new_page()


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("source", ["worksheet", "handout"])
def test_prints_on_one_page(chromium_page, tmp_path, source, paper):
    markdown = worksheet.SOURCE if source == "worksheet" else HANDOUT
    target = worksheet.build(markdown, tmp_path / f"{source}.html")
    chromium_page.goto(target.resolve().as_uri())
    pdf = chromium_page.pdf(format=paper, print_background=True)
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf) == 1, f"{markdown.name} prints on {pdf_pages(pdf)} {paper} pages: shorten it"


def test_page_count_sees_an_overflow(chromium_page, tmp_path):
    long = "# T\n\n" + "".join(f"## Box {i}\n\nPrompt.\n\n<!-- write: 8 -->\n\n" for i in range(20))
    target = tmp_path / "long.html"
    target.write_text(worksheet.build_html(long), encoding="utf-8")
    chromium_page.goto(target.resolve().as_uri())
    assert pdf_pages(chromium_page.pdf(format="A4")) >= 2
