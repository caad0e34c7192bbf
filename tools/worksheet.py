"""Turn the journal-club worksheet (markdown) into a printable, self-contained one-page HTML.

    python -m tools.worksheet                      # worksheet/journal_club_worksheet.md -> .html beside it
    python -m tools.worksheet SOURCE.md -o OUT.html

The markdown stays the single source: edit ``worksheet/journal_club_worksheet.md``, then run the
command. The HTML has its CSS inline (``@page`` margins, print styles, two columns) and loads nothing
from anywhere, so it prints the same offline, from a USB stick or an e-mail attachment. Open it in
a browser and print (Ctrl+P / Cmd+P): it fits one A4 or US Letter page at 100% scale
(``tests/test_worksheet.py`` prints it with headless Chromium and counts the pages).

Writing space: an HTML comment ``<!-- write: N -->`` in the markdown becomes N ruled lines. Markdown
viewers (GitHub, JupyterLab) hide the comment, so the source reads cleanly too.

Markdown is rendered with ``mistune`` (installed with nbconvert) or, failing that, ``markdown``.
The output is deterministic: no dates, no absolute paths.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "worksheet" / "journal_club_worksheet.md"
TARGET = SOURCE.with_suffix(".html")

WRITE_MARKER = re.compile(r"<!--\s*write:\s*(\d+)\s*-->")
H2_START = re.compile(r"(?=<h2[\s>])")

# Anything that would make a browser fetch a resource from elsewhere.
EXTERNAL = {
    "script with src": re.compile(r"<script\b[^>]*\bsrc\s*=", re.I),
    "link with href": re.compile(r"<link\b[^>]*\bhref\s*=", re.I),
    "remote image": re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", re.I),
    "remote url() in CSS": re.compile(r"url\(\s*[\"']?\s*(https?:)?//", re.I),
    "CSS @import": re.compile(r"@import\b", re.I),
    "iframe, object or embed": re.compile(r"<(iframe|object|embed)\b", re.I),
}

CSS = """
@page { margin: 8mm 10mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 190mm; color: #111;
       font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 8.3pt; line-height: 1.24; }
header h1 { font-size: 12pt; margin: 0 0 1mm; color: #0b3d66; }
header p { margin: 0 0 0.8mm; }
main { column-count: 2; column-gap: 5mm; margin-top: 1.5mm; }
section { break-inside: avoid; page-break-inside: avoid; border: 0.6pt solid #8a8a8a; border-radius: 1.5mm;
          padding: 1.1mm 2mm 1.2mm; margin: 0 0 1.7mm; }
h2 { font-size: 9pt; margin: 0 0 0.5mm; color: #0b3d66; break-after: avoid; }
p { margin: 0 0 0.5mm; }
sub { font-size: 70%; }
.write { margin-top: 0.3mm; }
.write .line { height: 5.9mm; border-bottom: 0.6pt dotted #555; }
footer { margin-top: 0.5mm; font-size: 6.5pt; color: #555; }
@media screen { body { padding: 8mm; } }
@media print { body { max-width: none; } a { color: inherit; text-decoration: none; } }
""".strip()


def render_markdown(text: str) -> str:
    """Markdown to an HTML fragment (raw HTML such as the write markers passes through)."""
    try:
        import mistune
    except ImportError:
        mistune = None
    if mistune is not None:
        return mistune.html(text)
    try:
        import markdown
    except ImportError as exc:
        raise SystemExit("tools.worksheet needs the 'mistune' or 'markdown' package "
                         "(mistune comes with nbconvert: run `make env`).") from exc
    return markdown.markdown(text, extensions=["tables"])


def writing_lines(fragment: str) -> str:
    """Replace each ``<!-- write: N -->`` by N ruled writing lines."""
    def lines(match: re.Match) -> str:
        count = int(match.group(1))
        return '<div class="write">' + '<div class="line"></div>' * count + "</div>"
    return WRITE_MARKER.sub(lines, fragment)


def sections(fragment: str) -> tuple[str, list[str]]:
    """Split at each <h2>: (the part before the first one, [each h2 and what follows it])."""
    parts = H2_START.split(fragment)
    return parts[0], [part for part in parts[1:] if part.strip()]


def build_html(markdown_text: str, source_name: str = "worksheet/journal_club_worksheet.md") -> str:
    """The complete, self-contained HTML document for a worksheet written in markdown.

    ``source_name`` is the markdown file named in the footer (a path relative to the repository).
    """
    header, blocks = sections(writing_lines(render_markdown(markdown_text)))
    title_match = re.search(r"<h1[^>]*>(.*?)</h1>", header, re.S)
    title = html.unescape(re.sub(r"<[^>]+>", "", title_match.group(1))).strip() if title_match else "Worksheet"
    body = "\n".join(f"<section>\n{block.strip()}\n</section>" for block in blocks)
    document = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n"
        f"<header>\n{header.strip()}\n</header>\n<main>\n{body}\n</main>\n"
        f"<footer>Liver Evidence Lab · text CC BY 4.0 · generated from {html.escape(source_name)} "
        "by <code>python -m tools.worksheet</code></footer>\n"
        "</body>\n</html>\n"
    )
    problems = external_resources(document)
    if problems:
        raise ValueError(f"the worksheet would load external resources: {', '.join(problems)}")
    return document


def external_resources(document: str) -> list[str]:
    """Names of the kinds of external resource the document would load (empty when self-contained)."""
    return [name for name, pattern in EXTERNAL.items() if pattern.search(document)]


def build(source: Path = SOURCE, target: Path = TARGET) -> Path:
    """Render ``source`` (markdown) to ``target`` (HTML); return the target path."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = Path(source)
    try:
        name = source.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        name = source.name
    target.write_text(build_html(source.read_text(encoding="utf-8"), name), encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.worksheet", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", nargs="?", type=Path, default=SOURCE, help="worksheet markdown")
    parser.add_argument("-o", "--out", type=Path, default=None,
                        help="HTML to write (default: the source with .html)")
    args = parser.parse_args(argv)
    target = build(args.source, args.out or args.source.with_suffix(".html"))
    try:
        shown = target.resolve().relative_to(ROOT)
    except ValueError:
        shown = target
    print(f"wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
