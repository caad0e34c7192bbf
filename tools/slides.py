"""The journal-club presenter pack: an offline reveal.js deck and a filled-in handout.

    python -m tools.slides                 # (make slides) writes _build/slides/
    python -m tools.slides --out DIR

Steps:

1. read ``solutions/07_journal_club.ipynb`` (the source of truth; its stored outputs are used,
   nothing is executed);
2. keep the cells tagged ``slide`` (each starts a new slide) and ``slide-continue`` (added to the
   slide before it), in notebook order, behind a title slide made from the notebook's title;
3. export them with nbconvert's ``SlidesExporter``: code hidden, outputs (figures) shown,
   ``reveal_url_prefix`` pointing at the vendored copy of reveal.js (``vendor/reveal.js``,
   copied beside the deck);
4. replace the template's remote scripts (require.js, jQuery, mermaid and MathJax come from a
   CDN by default) by two local script tags, so the deck loads nothing from another host;
   refuse to write a deck that would (``offline_problems``);
5. render the filled-in answer handout (``worksheet/handout_07_article.md``) with the worksheet
   builder, for printing on one page.

Output: ``_build/slides/journal_club_07.html``, ``_build/slides/reveal.js/``,
``_build/slides/handout.html``. Open the deck in a browser (arrow keys move; ``s`` opens the
speaker notes) or serve the folder: ``python -m http.server -d _build/slides``.
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import sys
from pathlib import Path

import nbformat

from tools import worksheet

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "solutions" / "07_journal_club.ipynb"
OUT = ROOT / "_build" / "slides"
DECK_NAME = "journal_club_07.html"
HANDOUT_SOURCE = ROOT / "worksheet" / "handout_07_article.md"
VENDOR = ROOT / "vendor" / "reveal.js"
REVEAL_PREFIX = "reveal.js"  # relative to the deck: the vendored copy is copied beside it

SLIDE_TAG = "slide"
CONTINUE_TAG = "slide-continue"
MIN_SLIDES, MAX_SLIDES = 8, 12

# nbconvert's reveal template loads jQuery, require.js, mermaid and MathJax from CDNs and
# reveal.js through require.js. These blocks replace them with local files only.
TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{% block footer_js %}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/dist/plugin/notes.js"></script>
<script>
Reveal.initialize({
    controls: true,
    progress: true,
    hash: true,
    transition: "none",
    slideNumber: "c/t",
    plugins: [RevealNotes],
    width: 1200,
    height: 800,
});
</script>
{% endblock footer_js %}
"""

# The print-pdf stylesheet snippet of the template creates an empty <link>; harmless, but drop it.
PRINT_PDF_SCRIPT = re.compile(r"<script>\s*if\( window\.location\.search\.match\( /print-pdf/gi \) \).*?</script>",
                              re.S)
URL_COMMENT = re.compile(r"/\*(?:(?!\*/).)*?https?://.*?\*/", re.S)
DECK_CSS = """
<link rel="icon" href="data:,">
<style>
.reveal { font-size: 28px; }
.reveal .slides section { text-align: left; }
.reveal h1 { font-size: 1.7em; } .reveal h2 { font-size: 1.3em; } .reveal h3 { font-size: 1.1em; }
.reveal table { font-size: 0.62em; border-collapse: collapse; }
.reveal table th, .reveal table td { border-bottom: 1px solid #bbb; padding: 0.2em 0.4em; vertical-align: top; }
.reveal .jp-OutputArea-output img { max-height: 480px; }
.reveal em { color: #333; }
</style>
"""


def slide_cells(nb: nbformat.NotebookNode) -> list:
    """The cells of the deck, with nbconvert's slideshow metadata set from the course's tags."""
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if SLIDE_TAG in tags or CONTINUE_TAG in tags:
            new = copy.deepcopy(cell)
            kind = "slide" if SLIDE_TAG in tags else "-"
            new.metadata = {"slideshow": {"slide_type": kind}, "tags": list(tags)}
            if new.cell_type == "code":
                new.outputs = [output_for_slide(o) for o in new.outputs if o.get("output_type") != "stream"
                               or o.get("name") != "stderr"]
            cells.append(new)
    if cells and cells[0].metadata["slideshow"]["slide_type"] != "slide":
        cells[0].metadata["slideshow"]["slide_type"] = "slide"
    return cells


def output_for_slide(output):
    """Drop the ``<Figure size ...>`` text that stands beside a figure's image."""
    data = output.get("data")
    if data and "image/png" in data:
        output = copy.deepcopy(output)
        output["data"] = {key: value for key, value in data.items() if key != "text/plain"}
    return output


def title_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    first = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
    text = (f"# {first}\n\n"
            "**A commercial clinic's web article on umbilical-cord stem cells for end-stage liver disease, "
            "appraised claim by claim.**\n\n"
            "Liver Evidence Lab · presenter deck generated from `solutions/07_journal_club.ipynb` "
            "(`make slides`) · educational use only, not advice for the care of a patient")
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata = {"slideshow": {"slide_type": "slide"}}
    return cell


def deck_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    deck = nbformat.v4.new_notebook()
    deck.metadata = {"kernelspec": nb.metadata.get("kernelspec", {}),
                     "language_info": nb.metadata.get("language_info", {}), "title": "Journal club 07"}
    deck.cells = [title_cell(nb)] + slide_cells(nb)
    return deck


def count_slides(deck: nbformat.NotebookNode) -> int:
    return sum(cell.metadata.get("slideshow", {}).get("slide_type") == "slide" for cell in deck.cells)


def export(deck: nbformat.NotebookNode) -> str:
    """The deck as one HTML page that loads only ``reveal.js/...`` beside it."""
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(
        reveal_url_prefix=REVEAL_PREFIX,
        reveal_theme="white",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        extra_loaders=[DictLoader({"liverlab_slides.html.j2": TEMPLATE})],
        template_file="liverlab_slides.html.j2",
    )
    html, _ = exporter.from_notebook_node(deck, resources={"metadata": {"name": "journal_club_07"}})
    html = PRINT_PDF_SCRIPT.sub("", html)
    html = URL_COMMENT.sub("", html)  # credits in nbconvert's CSS comments: not loaded, but not wanted
    html = html.replace("</head>", DECK_CSS + "</head>", 1)
    problems = offline_problems(html)
    if problems:
        raise ValueError(f"the deck would load resources from other hosts: {problems[:5]}")
    return html


# Anything a browser would fetch from another host: src/href of any element, CSS url() and @import.
REMOTE = re.compile(
    r"""(?:\b(?:src|href|data-src|data-background(?:-image)?)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//)""",
    re.I,
)


def offline_problems(html: str) -> list[str]:
    """Each reference in ``html`` that points at another host (empty when the page is offline)."""
    return [html[max(0, m.start() - 40): m.end() + 60] for m in REMOTE.finditer(html)]


def copy_reveal(out: Path) -> Path:
    target = out / REVEAL_PREFIX
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(VENDOR, target)
    return target


def build(out: Path = OUT, source: Path = SOURCE) -> dict[str, Path]:
    """Write the deck, the vendored reveal.js and the handout into ``out``; return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    deck = deck_notebook(nbformat.read(source, as_version=4))
    slides = count_slides(deck)
    if not MIN_SLIDES <= slides <= MAX_SLIDES:
        raise ValueError(f"the deck has {slides} slides; tag between {MIN_SLIDES - 1} and {MAX_SLIDES - 1} "
                         f"cells of {source.name} '{SLIDE_TAG}' (the title slide is added)")
    copy_reveal(out)
    deck_path = out / DECK_NAME
    deck_path.write_text(export(deck), encoding="utf-8")
    handout = worksheet.build(HANDOUT_SOURCE, out / "handout.html")
    return {"deck": deck_path, "reveal": out / REVEAL_PREFIX, "handout": handout}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.slides", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write (default: _build/slides)")
    args = parser.parse_args(argv)
    written = build(args.out)
    for name, path in written.items():
        try:
            shown = path.resolve().relative_to(ROOT)
        except ValueError:
            shown = path
        print(f"wrote {name}: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
