"""The journal-club presenter pack: an offline reveal.js deck and a filled-in handout.

    python -m tools.slides                 # (make slides) writes _build/slides/
    python -m tools.slides --out DIR

Steps:

1. read ``solutions/07_journal_club.ipynb`` (the source of truth; its stored outputs are used,
   nothing is executed);
2. keep the cells tagged ``slide`` (each starts a new slide), ``slide-continue`` (added to the slide
   before it) and ``slide-notes`` (the speaker notes of the slide before it, reveal.js ``<aside class="notes">``),
   in notebook order, behind a title slide made from the notebook's title. Each slide starts with a markdown
   cell and gets one heading, a figure's caption cell shows only its caption, and every
   figure keeps the alt text ``liverlab.style.show`` wrote; a deck that would show a notebook variable name or a
   "Presenter slide" label is refused (``leak_problems``);
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
speaker view with the notes, which hold each slide's timing and answers) or serve the folder:
``python -m http.server -d _build/slides``.
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
NOTES_TAG = "slide-notes"
MIN_SLIDES, MAX_SLIDES = 8, 12

# nbconvert's reveal template loads jQuery, require.js, mermaid and MathJax from CDNs and
# reveal.js through require.js. These blocks replace them with local files only; figures get
# the alt text that liverlab.style.show wrote to the output metadata (nbconvert's default is
# "No description has been provided for this image").
TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{% block data_png scoped %}
<div class="jp-RenderedImage jp-OutputArea-output">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="{{ output.metadata['image/png']['alt'] | escape_html }}">
</div>
{%- endblock data_png %}
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
# Slide number white on #222 (15.9:1; reveal's default, white on 40% black over white, is 2.8:1).
# Markdown blocks never scroll: a heading's line box 2 px taller than its block made it a scrolling region that
# keyboard users cannot reach (axe scrollable-region-focusable); the deck test checks that each slide fits.
DECK_CSS = """
<link rel="icon" href="data:,">
<style>
.reveal { font-size: 28px; }
.reveal .slides section { text-align: left; }
.reveal h1 { font-size: 1.7em; } .reveal h2 { font-size: 1.3em; }
.reveal table { font-size: 0.46em; border-collapse: collapse; margin: 0; }
.reveal .jp-MarkdownCell:has(table) p { font-size: 0.6em; }
.reveal .jp-MarkdownCell:has(table) table { font-size: 0.6em; }
.reveal table th, .reveal table td { border-bottom: 1px solid #767676; padding: 0.15em 0.3em; vertical-align: top; }
.reveal .jp-RenderedImage img { display: block; width: 100%; max-height: 540px; object-fit: contain; margin: 0; }
.reveal .figure-caption { font-size: 0.6em; color: #333; }
.reveal em { color: #333; }
.reveal .slide-number { color: #fff; background-color: #222; font-size: 16px; }
.reveal a.anchor-link { display: none; }
.reveal .jp-RenderedHTMLCommon { overflow: visible; }
</style>
"""

# What must never be on a slide: notebook variable names, presenter labels, nbconvert's placeholder alt.
CONSTANT_NAME = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")  # N_PATIENTS, HAZARD_RATIO
FORBIDDEN_ON_SLIDE = ["Presenter slide", "No description has been provided"]
HEADING_LINE = re.compile(r"^(#{1,6})\s+(.*)$", re.M)


def _tags(cell) -> list:
    return cell.get("metadata", {}).get("tags", [])


def _markdown(source: str, kind: str, tags=()) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata = {"slideshow": {"slide_type": kind}, "tags": list(tags)}
    return cell


def one_heading(source: str) -> str:
    """The slide's first heading as a level-2 heading, any further heading as bold text (one heading per slide)."""
    seen = []

    def fix(match):
        seen.append(match)
        return f"## {match.group(2)}" if len(seen) == 1 else f"**{match.group(2)}**"

    return HEADING_LINE.sub(fix, source)


def caption_only(source: str) -> str:
    """A figure's caption cell on a slide: the caption paragraph alone, without the discussion under it."""
    first = source.strip().split("\n\n")[0]
    return f'<p class="figure-caption">{first.strip().strip("*")}</p>' if first.startswith("*Figure") else source


def slide_cells(nb: nbformat.NotebookNode) -> list:
    """The cells of the deck, with nbconvert's slideshow metadata set from the course's tags.

    ``slide`` starts a slide, ``slide-continue`` adds a cell to the slide before it, ``slide-notes`` becomes the
    speaker notes of the slide before it. A slide starts with a markdown cell (its heading); figures must carry
    alt text (``liverlab.style.show``).
    """
    cells = []
    for cell in nb.cells:
        tags = _tags(cell)
        if not {SLIDE_TAG, CONTINUE_TAG, NOTES_TAG} & set(tags):
            continue
        new = copy.deepcopy(cell)
        if NOTES_TAG in tags:
            new.metadata = {"slideshow": {"slide_type": "notes"}, "tags": list(tags)}
            cells.append(new)
            continue
        kind = "slide" if SLIDE_TAG in tags else "-"
        new.metadata = {"slideshow": {"slide_type": kind}, "tags": list(tags)}
        if new.cell_type == "code":
            new.outputs = [output_for_slide(o) for o in new.outputs if o.get("output_type") != "stream"]
            if kind == "slide":
                raise ValueError(f"code cell {cell.get('id')} starts a slide: give the slide a heading in a markdown "
                                 f"cell tagged '{SLIDE_TAG}' before it, and tag the code cell '{CONTINUE_TAG}'")
        elif kind == "slide":
            new.source = one_heading(new.source)
        else:
            new.source = caption_only(new.source)
        cells.append(new)
    if cells and cells[0].metadata["slideshow"]["slide_type"] != "slide":
        cells[0].metadata["slideshow"]["slide_type"] = "slide"
    return cells


def output_for_slide(output):
    """A figure keeps only its PNG, and must have alt text; the ``<Figure size ...>`` text beside it goes."""
    data = output.get("data")
    if data and "image/png" in data:
        alt = output.get("metadata", {}).get("image/png", {}).get("alt")
        if not alt:
            raise ValueError("a figure on a slide has no alt text: display it with liverlab.style.show(alt=...)")
        output = copy.deepcopy(output)
        output["data"] = {"image/png": data["image/png"]}
    return output


TITLE_NOTES = """**Speaker notes: a 15-minute talk.** Title and claims 0–2 min; trials and the balanced reading 2–6;
Figure 7.1 6–8; safety and Figure 7.2 8–11; surrogates and the trial that would settle it 11–13; verdict, audience questions,
references 13–15. Each slide's notes give its timing and the answers. Press `s` for the speaker view, Esc for the overview."""


def title_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    first = nb.cells[0].source.splitlines()[0].lstrip("# ").strip()
    text = (f"# {first}\n\n"
            "**A commercial clinic's web article on umbilical-cord stem cells for end-stage liver disease, "
            "appraised claim by claim.**\n\n"
            "Liver Evidence Lab · journal club of notebook 07 · educational use only, not advice for the care of a patient")
    return _markdown(text, "slide")


def deck_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    deck = nbformat.v4.new_notebook()
    deck.metadata = {"kernelspec": nb.metadata.get("kernelspec", {}),
                     "language_info": nb.metadata.get("language_info", {}), "title": "Journal club 07"}
    deck.cells = [title_cell(nb), _markdown(TITLE_NOTES, "notes")] + slide_cells(nb)
    return deck


def leak_problems(deck: nbformat.NotebookNode) -> list[str]:
    """What a slide shows but must not (speaker notes excluded): variable names, presenter labels."""
    problems = []
    for cell in deck.cells:
        if cell.metadata.get("slideshow", {}).get("slide_type") == "notes" or cell.cell_type != "markdown":
            continue
        for name in CONSTANT_NAME.findall(cell.source):
            problems.append(f"variable name {name} on a slide: {cell.source[:60]!r}")
        problems += [f"{text!r} on a slide" for text in FORBIDDEN_ON_SLIDE if text in cell.source]
    return problems


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
    if FORBIDDEN_ON_SLIDE[1] in html:
        raise ValueError("a figure of the deck has nbconvert's placeholder alt text")
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
    leaks = leak_problems(deck)
    if leaks:
        raise ValueError("the deck would show: " + "; ".join(leaks[:5]))
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
