"""The printable journal-club worksheet: built from its markdown, self-contained, print-ready."""

import html
import re
import subprocess
import sys

import pytest

from tools import worksheet

MARKDOWN = worksheet.SOURCE.read_text(encoding="utf-8")


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
    assert len(expected) >= 11  # the title and the ten sections
    text = " ".join(visible_text(built).split())
    for heading in expected:
        assert " ".join(heading.split()) in text, heading


def test_the_ten_sections_a_resident_fills_in(built):
    assert built.count("<section>") == 10
    for topic in ["claim", "selected", "Comparison group", "Co-interventions", "attrition", "noise",
                  "Regression to the mean", "Surrogate", "What trial would settle it", "Verdict"]:
        assert topic in built, topic


def test_no_resource_is_loaded_from_elsewhere(built):
    assert worksheet.external_resources(built) == []
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", built, re.I)
    assert not re.search(r"<link\b[^>]*\bhref\s*=", built, re.I)
    assert not re.search(r"<img\b[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", built, re.I)
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*https?://", built, re.I)


def test_css_is_inline_with_a4_print_styles(built):
    assert re.search(r"<style>.*@page\s*\{[^}]*size:\s*A4", built, re.S)
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
