"""Build the course website: a static, offline HTML site with two editions (``make book``).

``python -m tools.book [--out DIR] [--jobs N] [--only NN ...] [--no-execute] [--student-only]``

``--student-only`` (``make book-student``, into ``_build/site-student/``) builds the student
edition alone, with no page or link of the instructor edition: the site to publish.

- **Student edition** (``student/``): every ``notebooks/NN_slug.ipynb``, *executed at build
  time* as a student would first run it (answers absent, self-checks say "not answered yet").
- **Instructor edition** (``instructor/``): every ``solutions/NN_slug.ipynb`` with the outputs
  stored in it (already executed by ``make solutions``; not executed again).
- ``index.html`` (front page), ``student/index.html`` and ``instructor/index.html`` (course maps,
  titles from each notebook's first cell), previous/next links on every page, and a link from
  each edition to the other;
- ``glossary.html`` from ``GLOSSARY.md`` when the course has one; the notebooks' links to
  ``../GLOSSARY.md`` point to it.

The site loads nothing from outside. Pages are rendered by nbconvert's ``HTMLExporter``
(``lab`` template) with the blocks that load require.js, MathJax, Mermaid and the widget
manager from CDNs replaced by nothing; maths in markdown cells is converted to MathML at
build time (``latex2mathml``), which browsers render natively; figures are inline PNG
(``data:`` URIs) whose ``alt`` text is the one ``liverlab.style.show`` wrote into the output's
metadata (``{"image/png": {"alt": ...}}``, the Jupyter convention, which JupyterLab reads too);
the ``*Figure N.M. ...*`` caption cell that follows a figure is read as text, so it is not
repeated as alt. Live widgets need a kernel, so a widget output is replaced by a note saying
how to run it. ``offline_problems`` checks every page for resources on another host before
the build reports success.

Accessibility (WCAG 2.1 AA, checked by axe-core in tests/test_browser.py): code wraps instead
of being clipped at any width; code colours, prompts and links reach 4.5:1; links are
underlined and the focus outline is dark (>= 3:1); nbconvert's ``tabindex="0"`` on every cell
and output is removed, so that Tab moves between links (an output that may scroll sideways, a
table, and a display formula keep one tab stop so that a keyboard can scroll them).

Student notebooks are executed with nbclient in ``--jobs`` worker processes (default 2). The
kernels use the bytecode that ``make env`` writes (``tools/warm_bytecode.py``); when
``PYTHONDONTWRITEBYTECODE`` is set they may still write the ``.pyc`` of a module it missed.
"""

from __future__ import annotations

import argparse
import copy
import html
import os
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat

from tools.authoring import NOTEBOOK_NAME, NOTEBOOKS, ROOT, SOLUTIONS, read

OUT = ROOT / "_build" / "site"
COURSE = "Liver Evidence Lab"
EDITIONS = {
    "student": {
        "source": NOTEBOOKS,
        "label": "Student edition",
        "execute": True,
        "blurb": "Exercises are blank: run each notebook yourself (make lab) to fill them in. "
        "The outputs shown come from running the student notebook as it is, before "
        "any answer is written, so every self-check reads “not answered yet”.",
    },
    "instructor": {
        "source": SOLUTIONS,
        "label": "Instructor edition",
        "execute": False,
        "blurb": "Worked solutions, model answers and instructor notes, with the outputs "
        "stored in the solution notebooks.",
    },
}
OTHER = {"student": "instructor", "instructor": "student"}
CAPTION = re.compile(r"^\s*\*+\s*(Figure\s+\d+\.\d+\.)")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")
NBVAL_MARKER = re.compile(r"^\s*#\s*NBVAL_[A-Z_]+\s*$")
WIDGET_NOTE = (
    '<p class="ll-widget-note"><strong>Interactive widget.</strong> Sliders and boxes '
    "need a running notebook: open this notebook in JupyterLab (<code>make lab</code>) "
    "and run it to use them.</p>"
)


# ----------------------------------------------------------------------------------------------
# What a notebook says about itself
# ----------------------------------------------------------------------------------------------
def notebook_title(nb: nbformat.NotebookNode) -> str:
    """The first heading of the first cell, without the '#': '00 · Start here: ...'."""
    for cell in nb.cells[:1]:
        for line in cell.source.splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return ""


def notebook_time(nb: nbformat.NotebookNode) -> str:
    """The '**Time:** ...' value of the notebook's card, if any."""
    for cell in nb.cells[:3]:
        match = re.search(r"\*\*Time:\*\*\s*\|?\s*([^\n|]+)", cell.source)
        if match:
            return match.group(1).strip().rstrip(".")
    return ""


def has_image(cell) -> bool:
    return cell.cell_type == "code" and any(
        mime in output.get("data", {}) for output in cell.get("outputs", []) for mime in IMAGE_MIMES
    )


def caption_text(markdown: str) -> str:
    """A '*Figure N.M. ...*' markdown caption as plain text (for alt): markup gone, TeX kept."""
    paragraph = markdown.strip().split("\n\n")[0]
    pieces = re.split(r"(\$[^$]+\$)", paragraph)
    for i, piece in enumerate(pieces):
        if i % 2:  # inline maths: the TeX without the dollars
            pieces[i] = piece.strip("$")
        else:
            piece = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", piece)  # links: their text
            piece = re.sub(r"(?<!\w)_(\S(?:.*?\S)?)_(?!\w)", r"\1", piece)  # _emphasis_
            pieces[i] = re.sub(r"[*`]", "", piece).replace("\\", "")
    return " ".join("".join(pieces).split())


def figure_captions(nb: nbformat.NotebookNode) -> dict[int, str | None]:
    """For every code cell with an image output: its caption (None when it has none)."""
    captions = {}
    for i, cell in enumerate(nb.cells):
        if has_image(cell):
            following = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
            ok = (
                following is not None
                and following.cell_type == "markdown"
                and CAPTION.match(following.source)
            )
            captions[i] = caption_text(following.source) if ok else None
    return captions


def caption_problems(nb: nbformat.NotebookNode) -> list[str]:
    """Figures not followed by a '*Figure N.M. ...*' caption cell."""
    return [
        f"cell {i}: figure output without a '*Figure N.M. ...*' caption in the next cell"
        for i, caption in figure_captions(nb).items()
        if caption is None
    ]


# ----------------------------------------------------------------------------------------------
# Preparing a notebook for the site
# ----------------------------------------------------------------------------------------------
MISSING_ALT = "No description written yet: see the caption below the figure."


def output_alt(output) -> str:
    """The alt text that ``liverlab.style.show`` stored in an image output's metadata ('' if none)."""
    metadata = output.get("metadata", {})
    for mime in IMAGE_MIMES:
        alt = metadata.get(mime, {}).get("alt") if isinstance(metadata.get(mime), dict) else None
        if isinstance(alt, str) and alt.strip():
            return " ".join(alt.split())
    return ""


def prepare(nb: nbformat.NotebookNode, label: str) -> tuple[nbformat.NotebookNode, list[str]]:
    """A copy ready to render: alt text on figures, widget notes, no test markers."""
    nb = copy.deepcopy(nb)
    warnings = []
    for i, caption in figure_captions(nb).items():
        if caption is None:
            warnings.append(f"{label}: cell {i} has a figure without a caption")
        images = [
            o for o in nb.cells[i].outputs if any(m in o.get("data", {}) for m in IMAGE_MIMES)
        ]
        for output in images:
            alt = output_alt(output)
            if not alt:
                warnings.append(f"{label}: cell {i} has a figure without alt text "
                                "(display it with liverlab.style.show(alt=...))")
                alt = MISSING_ALT
            output.setdefault("metadata", {})["liverlab_alt"] = alt
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.source = "\n".join(
            line for line in cell.source.splitlines() if not NBVAL_MARKER.match(line)
        )
        for output in cell.get("outputs", []):
            if WIDGET_MIME in output.get("data", {}):
                output["data"] = {"text/html": WIDGET_NOTE}
    nb.metadata.pop("widgets", None)
    return nb, warnings


def kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a prefix (PYTHONPYCACHEPREFIX) would hide make env's bytecode
    return env


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in ``cwd`` as JupyterLab would (widget state not kept)."""
    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
    NotebookClient(
        nb,
        kernel_name="python3",
        timeout=600,
        record_timing=False,
        store_widget_state=False,
        extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no "running over TCP" warning
        resources={"metadata": {"path": str(cwd)}},
    ).execute(env=kernel_env())
    return nb


# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------
TEMPLATE = r"""
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block notebook_css -%}
<link rel="stylesheet" href="../assets/jupyterlab.css">
<link rel="stylesheet" href="../assets/course.css">
{%- endblock notebook_css -%}
{%- block body_header -%}
<body class="jp-Notebook ll-page ll-{{ resources.liverlab.edition }}" data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<a class="ll-skip" href="#content">Skip to the notebook</a>
<header class="ll-header">{{ resources.liverlab.nav }}
<p class="ll-banner"><strong>{{ resources.liverlab.label }}.</strong> {{ resources.liverlab.blurb }}</p>
</header>
<main id="content">
{%- endblock body_header -%}
{% block body_footer %}
</main>
<footer class="ll-footer">{{ resources.liverlab.nav }}</footer>
</body>
{% endblock body_footer %}
{#- code is highlighted by pygments, which escapes it: no need for bleach (a third of the time) -#}
{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
<div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
</div>
</div>
{%- endblock input %}
{% block data_png scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" alt="{{ output.metadata.get('liverlab_alt', '') | e }}">
</div>
{%- endblock data_png %}
{% block data_jpg scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/jpeg;base64,{{ output.data['image/jpeg'] | escape_html }}" alt="{{ output.metadata.get('liverlab_alt', '') | e }}">
</div>
{%- endblock data_jpg %}
{% block data_svg scoped -%}
<div class="jp-RenderedSVG jp-OutputArea-output {{ extra_class }}">
<img src="data:image/svg+xml;base64,{{ output.data['image/svg+xml'] | text_base64 | escape_html }}" alt="{{ output.metadata.get('liverlab_alt', '') | e }}">
</div>
{%- endblock data_svg %}
"""

CSS = """\
/* Liver Evidence Lab site: Okabe-Ito blue for links, always underlined (never colour alone). */
:root { --ll-blue: #0072B2; --ll-orange: #E69F00; --ll-green: #009E73; --ll-ink: #1a1a1a; }
body.ll-site { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ll-ink);
  max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.5; }
a { color: var(--ll-blue); text-decoration: underline; }
/* Focus: a dark outline (17:1 on white, >= 3:1 on every background of the site), not colour alone. */
:focus-visible { outline: 3px solid var(--ll-ink); outline-offset: 2px; }
.jp-RenderedHTMLCommon a:link, .jp-RenderedHTMLCommon a:visited, .jp-RenderedText pre a:link { color: var(--ll-blue); text-decoration: underline; }
.ll-skip { position: absolute; left: -999px; }
.ll-skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
.ll-nav { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; align-items: baseline;
  border-bottom: 2px solid var(--ll-blue); padding: .6rem 0; font-size: .95rem; }
.ll-footer .ll-nav { border-bottom: none; border-top: 2px solid var(--ll-blue); margin-top: 2rem; }
.ll-nav .ll-course { font-weight: bold; }
.ll-nav .ll-edition { margin-left: auto; }
.ll-banner { border-left: 6px solid var(--ll-orange); background: #fff8e6; padding: .5rem .8rem; margin: .8rem 0; }
.ll-instructor .ll-banner { border-left-color: var(--ll-green); background: #e8f6f1; }
.ll-map { border-collapse: collapse; width: 100%; margin: 1rem 0; }
.ll-map th, .ll-map td { border-bottom: 1px solid #ccc; padding: .45rem .6rem; text-align: left; vertical-align: top; }
.ll-map th { border-bottom: 2px solid var(--ll-ink); }
.ll-cards { display: flex; flex-wrap: wrap; gap: 1rem; }
.ll-card { flex: 1 1 16rem; border: 2px solid var(--ll-blue); border-radius: 6px; padding: .8rem 1rem; }
.ll-card h2 { margin-top: 0; font-size: 1.2rem; }
.ll-note { font-size: .9rem; color: #444; }
.ll-widget-note { border: 2px dashed var(--ll-blue); padding: .5rem .8rem; margin: .3rem 0; }
/* Notebook pages: nbconvert's JupyterLab styles, plus the navigation above. */
body.ll-page { padding: 0 1.5rem 2rem; }
body.ll-page .ll-header, body.ll-page .ll-footer { font-family: var(--jp-ui-font-family); font-size: 14px; }
.ll-instructor .celltag_instructor, .ll-instructor .celltag_solution { border-left: 6px solid var(--ll-green); padding-left: .5rem; }
.ll-instructor .celltag_instructor::before { content: "Instructor note"; font-weight: bold; font-size: .85rem; }
.ll-instructor .celltag_solution::before { content: "Model answer"; font-weight: bold; font-size: .85rem; }
/* MathML rendered at build time (latex2mathml); Chromium, Firefox and Safari draw it natively. */
math { font-size: 1.12em; }
math[display="block"] { display: block math; margin: .8em 0; }
/* A display formula wider than the page scrolls sideways; its wrapper takes the focus for the keyboard. */
.ll-formula { display: block; overflow-x: auto; }
mtd[columnalign="left"] { text-align: left; }
mtd[columnalign="right"] { text-align: right; }
"""


# What nbconvert's lab template inlines in every page, written once to assets/jupyterlab.css.
LAB_CSS_FILES = ("static/index.css", "static/theme-light.css")
LAB_CSS_EXTRA = """
* { -webkit-print-color-adjust: exact; }
a.anchor-link { display: none; }
.cm-editor.cm-s-jupyter .highlight pre { padding: var(--jp-code-padding) 4px; margin: 0;
  font-family: inherit; font-size: inherit; line-height: inherit; color: inherit; }
.jp-OutputArea-output pre { line-height: inherit; font-family: inherit; }
/* Code and text outputs wrap at any width and zoom: nothing is clipped (WCAG 1.4.4, 1.4.10). */
.jp-InputArea, .jp-InputArea-editor, .jp-Cell-inputWrapper { overflow: visible; min-width: 0; }
.cm-editor.cm-s-jupyter .highlight pre, .jp-RenderedText pre {
  white-space: pre-wrap; overflow-wrap: anywhere; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
.jp-RenderedHTMLCommon code { white-space: pre-wrap; overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { overflow-wrap: anywhere; }
/* Prompts and code colours at >= 4.5:1 on the cell background (#f5f5f5) and on white (WCAG 1.4.3). */
.jp-InputPrompt, .jp-OutputPrompt { opacity: 1; color: #595959; }
:root {
  --jp-cell-prompt-not-active-opacity: 1;
  --jp-cell-prompt-not-active-font-color: #595959;
  --jp-cell-inprompt-font-color: #595959;
  --jp-cell-outprompt-font-color: #595959;
  --jp-mirror-editor-keyword-color: #0a6e0a;
  --jp-mirror-editor-builtin-color: #0a6e0a;
  --jp-mirror-editor-number-color: #116329;
  --jp-mirror-editor-operator-color: #7d29d1;
  --jp-mirror-editor-meta-color: #7d29d1;
  --jp-mirror-editor-comment-color: #3b6e6e;
  --jp-mirror-editor-atom-color: #4b4bb8;
  --jp-mirror-editor-bracket-color: #6a6a2a;
  --jp-mirror-editor-quote-color: #137113;
  --jp-mirror-editor-error-color: #c00000;
  --jp-mirror-editor-hr-color: #707070;
}
.jp-RenderedText pre { color: var(--jp-content-font-color1); font-size: var(--jp-code-font-size); }
.jp-Collapser { display: none; }
@media print { .jp-Cell-inputWrapper, .jp-Cell-outputWrapper { display: block; } }
"""


def lab_css(exporter) -> str:
    """nbconvert's JupyterLab light theme CSS (code highlighting stays inline in each page)."""
    parts = []
    for name in LAB_CSS_FILES:
        path = next(
            (Path(d) / name for d in exporter.template_paths if (Path(d) / name).is_file()), None
        )
        if path is None:
            raise RuntimeError(f"nbconvert's lab template has no {name}")
        parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts) + LAB_CSS_EXTRA


MATH_WARNINGS: list[str] = []  # formulas shown as TeX because latex2mathml could not convert them


def tex_to_mathml(tex: str, display: str) -> str:
    """LaTeX -> MathML (build time); the TeX itself in <code> if it cannot be converted."""
    from latex2mathml.converter import convert

    source = tex.strip()
    source = source.replace(r"\begin{aligned}", r"\begin{align*}").replace(
        r"\end{aligned}", r"\end{align*}"
    )
    try:
        mathml = convert(source, display=display)
    except Exception as exc:  # noqa: BLE001 - show the TeX rather than fail the build
        mathml, reason = "", f"{type(exc).__name__}: {exc}"
    else:
        unknown = re.findall(
            r">(\\[A-Za-z]+)<", mathml
        )  # latex2mathml keeps unknown macros as text
        reason = f"unknown macro(s) {', '.join(sorted(set(unknown)))}" if unknown else ""
    if reason:
        MATH_WARNINGS.append(f"formula shown as TeX ({reason}): {tex.strip()[:80]}")
        return f'<code class="ll-tex">{html.escape(tex)}</code>'
    mathml = re.sub(r"&(?!#?\w+;)", "&amp;", mathml)
    return mathml.replace("<math ", f'<math alttext="{html.escape(tex.strip(), quote=True)}" ', 1)


def formula_block(mathml: str) -> str:
    """A display formula in a wrapper that scrolls sideways when the page is narrower than the
    formula (``SCROLL_FOCUS`` lets the keyboard focus it then)."""
    if not mathml.startswith("<math"):
        return mathml
    return f'<span class="ll-formula">{mathml}</span>'


def markdown_to_html(
    source: str, attachments: dict | None = None, anchor_link_text: str = "¶"
) -> str:
    """nbconvert's markdown rendering, with maths as MathML instead of $...$ for MathJax."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class MathMLRenderer(IPythonRenderer):
        def block_math(self, body):
            return formula_block(tex_to_mathml(body, "block"))

        def inline_math(self, body):
            return tex_to_mathml(body, "inline")

        def latex_environment(self, name, body):
            return formula_block(tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", "block"))

    renderer = MathMLRenderer(
        escape=False,
        attachments=attachments or {},
        embed_images=True,
        anchor_link_text=anchor_link_text,
    )
    return MarkdownWithMath(renderer=renderer).render(source)


def make_exporter():
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    class CourseExporter(HTMLExporter):
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            return markdown_to_html(source, cell.get("attachments", {}), self.anchor_link_text)

    CourseExporter.markdown2html = _contextfilter(CourseExporter.markdown2html)
    return CourseExporter(
        template_name="lab",
        template_file="liverlab_page.html.j2",
        extra_loaders=[DictLoader({"liverlab_page.html.j2": TEMPLATE})],
        embed_images=True,
    )


def _contextfilter(function):
    try:
        from jinja2 import pass_context
    except ImportError:  # pragma: no cover - jinja2 < 3
        from jinja2 import contextfilter as pass_context
    return pass_context(function)


# Resources that a page would load from elsewhere: src/href of loading elements, CSS url()/@import.
REMOTE_RESOURCE = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio|embed|object|track|input)\b[^>]*?"
    r"\b(?:src|href|data|poster|srcset)\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|url\(\s*[\"']?\s*(?:https?:)?//|@import\s+[\"']?\s*(?:https?:)?//",
    re.I,
)


def offline_problems(text: str) -> list[str]:
    """Every place where an HTML page would load something from another host."""
    return [
        text[max(m.start() - 40, 0) : m.end() + 60].replace("\n", " ")
        for m in REMOTE_RESOURCE.finditer(text)
    ]


class _References(HTMLParser):
    """Every (tag, attribute, value) of a page that points somewhere: href, src."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.found.append((tag, name, value))


def references(text: str) -> list[tuple[str, str, str]]:
    parser = _References()
    parser.feed(text)
    return parser.found


def link_problems(out: Path) -> list[str]:
    """Relative links and image sources of every page that do not resolve to a file of the site."""
    problems = []
    out = Path(out).resolve()
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        anchors = set(re.findall(r'\bid="([^"]+)"', text))
        for tag, attr, value in references(text):
            parts = urlsplit(value)
            if parts.scheme or parts.netloc:  # https:, data:, mailto: ... not a file of the site
                continue
            if not parts.path:  # '#section' on the same page
                if parts.fragment and parts.fragment not in anchors:
                    problems.append(
                        f"{page.relative_to(out)}: <{tag} {attr}={value!r}>: no such anchor"
                    )
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or out not in target.parents:
                problems.append(
                    f"{page.relative_to(out)}: <{tag} {attr}={value!r}> does not resolve"
                )
    return problems


# ----------------------------------------------------------------------------------------------
# The site
# ----------------------------------------------------------------------------------------------
@dataclass
class Page:
    edition: str
    source: Path
    title: str
    time: str

    @property
    def name(self) -> str:
        return self.source.stem

    @property
    def href(self) -> str:
        return f"{self.name}.html"


@dataclass
class Site:
    out: Path
    pages: dict[str, list[Page]] = field(default_factory=dict)  # only the editions being built
    execute: dict[str, bool] = field(default_factory=dict)
    glossary: bool = False  # GLOSSARY.md exists: glossary.html is built and linked

    def page(self, edition: str, name: str) -> Page | None:
        return next((p for p in self.pages.get(edition, []) if p.name == name), None)


def discover(
    out: Path, only: list[str] | None = None, execute_students: bool = True, student_only: bool = False
) -> Site:
    """Whatever notebooks exist now, in course order (their NN prefix)."""
    site = Site(
        out,
        execute={e: spec["execute"] and execute_students for e, spec in EDITIONS.items()},
        glossary=GLOSSARY.is_file(),
    )
    for edition, spec in EDITIONS.items():
        if student_only and edition != "student":
            continue
        pages = []
        for path in sorted(spec["source"].glob("*.ipynb")):
            if not NOTEBOOK_NAME.match(path.name) or (
                only and not any(path.name.startswith(n) for n in only)
            ):
                continue
            nb = read(path)
            pages.append(Page(edition, path, notebook_title(nb) or path.stem, notebook_time(nb)))
        site.pages[edition] = pages
    return site


def nav_html(site: Site, page: Page) -> str:
    pages = site.pages[page.edition]
    i = pages.index(page)
    label = EDITIONS[page.edition]["label"]
    other = OTHER[page.edition]
    twin = site.page(other, page.name)
    parts = [
        f'<a class="ll-course" href="../index.html">{COURSE}</a>',
        f'<a href="index.html">Course map ({label.lower()})</a>',
    ]
    if i > 0:
        parts.append(
            f'<a rel="prev" href="{pages[i - 1].href}">← Previous: {html.escape(pages[i - 1].title)}</a>'
        )
    if i + 1 < len(pages):
        parts.append(
            f'<a rel="next" href="{pages[i + 1].href}">Next: {html.escape(pages[i + 1].title)} →</a>'
        )
    if site.glossary:
        parts.append('<a href="../glossary.html">Glossary</a>')
    if other not in site.pages:  # --student-only: no link to an edition that is not published
        pass
    elif twin:
        parts.append(
            f'<a class="ll-edition" href="../{other}/{twin.href}">'
            f"{EDITIONS[other]['label']} of this notebook</a>"
        )
    else:
        parts.append(
            f'<a class="ll-edition" href="../{other}/index.html">{EDITIONS[other]["label"]}</a>'
        )
    return f'<nav class="ll-nav" aria-label="Course navigation">{" ".join(parts)}</nav>'


def render_page(site: Site, page: Page, nb: nbformat.NotebookNode) -> tuple[str, list[str]]:
    label = f"{EDITIONS[page.edition]['label'].lower()} {page.name}"
    nb, warnings = prepare(nb, label)
    nb.metadata["title"] = f"{page.title} · {COURSE} ({EDITIONS[page.edition]['label'].lower()})"
    resources = {
        "metadata": {"name": page.name, "path": str(page.source.parent)},
        "liverlab": {
            "edition": page.edition,
            "nav": nav_html(site, page),
            "label": EDITIONS[page.edition]["label"],
            "blurb": EDITIONS[page.edition]["blurb"],
        },
    }
    MATH_WARNINGS.clear()
    body, _ = make_exporter().from_notebook_node(nb, resources=resources)
    warnings += [f"{label}: {w}" for w in dict.fromkeys(MATH_WARNINGS)]
    # links between notebooks: NN_slug.ipynb -> NN_slug.html when that page exists
    body = re.sub(
        r'href="(?:\.\./(?:notebooks|solutions)/)?(\d\d_[a-z0-9_]+)\.ipynb(#[^"]*)?"',
        lambda m: (
            f'href="{m.group(1)}.html{m.group(2) or ""}"'
            if site.page(page.edition, m.group(1))
            else m.group(0)
        ),
        body,
    )
    if site.glossary:
        body = GLOSSARY_LINK.sub(lambda m: f'href="../glossary.html{m.group(1) or ""}"', body)
        body = GLOSSARY_FILE_NAME.sub(r"\1the course glossary</a>", body)
    return tab_stops(body), warnings


GLOSSARY = ROOT / "GLOSSARY.md"
GLOSSARY_LINK = re.compile(r'href="(?:\.\./)?GLOSSARY\.md(#[^"]*)?"')
# A link whose text is the file name says nothing to a screen reader listing the page's links.
GLOSSARY_FILE_NAME = re.compile(r'(<a href="\.\./glossary\.html[^"]*">)GLOSSARY\.md</a>')
FOCUSABLE_DIV = re.compile(r'<div class="([^"]*)"([^>]*?) tabindex="0">')


# Whatever is wider than the page scrolls sideways (a table, a long formula at 320 px); such a
# region, and only while it is one, gets a tab stop so that a keyboard can scroll it (WCAG 2.1.1).
SCROLL_FOCUS = """<script>
(function () {
  var selector = ".ll-formula, .jp-RenderedMarkdown, .jp-OutputArea-output";
  function mark() {
    document.querySelectorAll(selector).forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1 && /auto|scroll/.test(getComputedStyle(el).overflowX);
      if (scrolls) { el.setAttribute("tabindex", "0"); }
      else if (el.getAttribute("tabindex") === "0") { el.removeAttribute("tabindex"); }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
</script>
"""


def tab_stops(body: str) -> str:
    """Remove nbconvert's ``tabindex="0"`` from every cell and output (774 tab stops on the site
    before): Tab moves between links, and ``SCROLL_FOCUS`` adds one to a region only while it
    scrolls."""
    body = FOCUSABLE_DIV.sub(r'<div class="\1"\2>', body)
    return body.replace("</main>", "</main>\n" + SCROLL_FOCUS, 1)


def glossary_page(site: Site) -> str:
    """GLOSSARY.md as a page at the site's root; its links to notebooks point to student pages."""
    body = markdown_to_html(GLOSSARY.read_text(encoding="utf-8"))
    body = re.sub(  # a notebook that is not in this site (--only) stays as plain text
        r'<a href="(?:\.\./)?notebooks/(\d\d_[a-z0-9_]+)\.ipynb(#[^"]*)?">(.*?)</a>',
        lambda m: (
            f'<a href="student/{m.group(1)}.html{m.group(2) or ""}">{m.group(3)}</a>'
            if site.page("student", m.group(1))
            else m.group(3)
        ),
        body,
        flags=re.S,
    )
    nav = (
        f'<nav class="ll-nav" aria-label="Course navigation"><a class="ll-course" href="index.html">{COURSE}</a>'
        ' <a href="student/index.html">Course map</a></nav>'
    )
    return standalone(f"Glossary · {COURSE}", f'<header>{nav}</header>\n<main id="content">\n{body}\n</main>',
                      "assets/course.css")


def build_page(site: Site, page: Page) -> dict:
    start = time.perf_counter()
    try:
        nb = read(page.source)
        if site.execute[page.edition]:
            nb = execute(nb, page.source.parent)
        body, warnings = render_page(site, page, nb)
    except Exception as exc:  # noqa: BLE001 - say which page, keep the cause
        raise RuntimeError(
            f"{page.edition}/{page.source.name}: {type(exc).__name__}: {exc}"
        ) from exc
    problems = offline_problems(body)
    if problems:
        raise RuntimeError(
            f"{page.edition}/{page.href} would load remote resources: {problems[:3]}"
        )
    target = site.out / page.edition / page.href
    target.write_text(body, encoding="utf-8")
    return {
        "page": f"{page.edition}/{page.href}",
        "seconds": time.perf_counter() - start,
        "warnings": warnings,
    }


def _build_page_task(args):
    return build_page(*args)


def standalone(title: str, body: str, css_href: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{css_href}">\n</head>\n<body class="ll-site">\n{body}\n</body>\n</html>\n'
    )


def map_table(site: Site, edition: str, prefix: str = "") -> str:
    rows = []
    for page in site.pages[edition]:
        rows.append(
            f'<tr><td>{page.name[:2]}</td><td><a href="{prefix}{page.href}">{html.escape(page.title)}</a>'
            f"</td><td>{html.escape(page.time)}</td></tr>"
        )
    if not rows:
        return "<p>No notebooks yet.</p>"
    return (
        '<table class="ll-map"><thead><tr><th scope="col">#</th><th scope="col">Notebook</th>'
        f'<th scope="col">Time</th></tr></thead><tbody>\n{chr(10).join(rows)}\n</tbody></table>'
    )


def edition_index(site: Site, edition: str) -> str:
    spec, other = EDITIONS[edition], OTHER[edition]
    switch = (
        f' <a class="ll-edition" href="../{other}/index.html">Switch to the {EDITIONS[other]["label"].lower()}</a>'
        if other in site.pages
        else ""
    )
    glossary = ' <a href="../glossary.html">Glossary</a>' if site.glossary else ""
    nav = (
        f'<nav class="ll-nav" aria-label="Course navigation"><a class="ll-course" href="../index.html">{COURSE}</a>'
        f"{glossary}{switch}</nav>"
    )
    body = (
        f'<header>{nav}</header>\n<main id="content">\n<h1>{COURSE}: {spec["label"].lower()}</h1>\n'
        f'<p class="ll-banner">{spec["blurb"]}</p>\n<h2>Course map</h2>\n{map_table(site, edition)}\n'
        f'<p class="ll-note">Educational use only: nothing here is a clinical calculator or advice for '
        f"the care of a patient.</p>\n</main>"
    )
    return standalone(f"{spec['label']} · {COURSE}", body, "../assets/course.css")


def _count(n: int) -> str:
    return f"{n} notebook" + ("" if n == 1 else "s")


def front_page(site: Site) -> str:
    cards = "".join(
        f'<section class="ll-card"><h2><a href="{edition}/index.html">{spec["label"]}</a></h2>'
        f"<p>{spec['blurb']}</p><p>{_count(len(site.pages[edition]))}.</p></section>"
        for edition, spec in EDITIONS.items()
        if edition in site.pages
    )
    glossary = (
        '<p>Terms: the <a href="glossary.html">glossary</a>, the course\'s terms in one page.</p>\n'
        if site.glossary
        else ""
    )
    body = (
        f'<main id="content">\n<h1>{COURSE}</h1>\n'
        "<p>A sequenced course of Jupyter notebooks on reading evidence about liver disease and "
        "regenerative therapies, with numbers you compute yourself: MELD, survival curves, "
        "regression to the mean, before-after studies and a randomized trial.</p>\n"
        f'<div class="ll-cards">{cards}</div>\n<h2>Course map</h2>\n'
        f"{map_table(site, 'student', 'student/')}\n{glossary}"
        '<p class="ll-note">This site works offline: every page, figure and formula is in these '
        "files. Educational use only: nothing here is a clinical calculator or advice for the "
        "care of a patient.</p>\n</main>"
    )
    return standalone(COURSE, body, "assets/course.css")


def build(
    out: Path = OUT,
    *,
    jobs: int = 2,
    only: list[str] | None = None,
    execute_students: bool = True,
    student_only: bool = False,
    log=print,
) -> dict:
    """Build the whole site into ``out`` (replaced); return a summary with timings."""
    start = time.perf_counter()
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    site = discover(out, only, execute_students, student_only)
    for edition in site.pages:
        (out / edition).mkdir(parents=True, exist_ok=True)
    (out / "assets").mkdir(parents=True, exist_ok=True)
    (out / "assets" / "course.css").write_text(CSS, encoding="utf-8")
    (out / "assets" / "jupyterlab.css").write_text(lab_css(make_exporter()), encoding="utf-8")
    # executed pages first, longest (largest file) first: the pool finishes sooner
    tasks = sorted(
        (p for pages in site.pages.values() for p in pages),
        key=lambda p: (not site.execute[p.edition], -p.source.stat().st_size),
    )
    results = []
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for result in pool.map(_build_page_task, [(site, page) for page in tasks]):
                log(f"  {result['page']:<48} {result['seconds']:6.1f} s")
                results.append(result)
    else:
        for page in tasks:
            result = build_page(site, page)
            log(f"  {result['page']:<48} {result['seconds']:6.1f} s")
            results.append(result)
    for edition in site.pages:
        (out / edition / "index.html").write_text(edition_index(site, edition), encoding="utf-8")
    (out / "index.html").write_text(front_page(site), encoding="utf-8")
    if site.glossary:
        (out / "glossary.html").write_text(glossary_page(site), encoding="utf-8")
    html_files = sorted(out.rglob("*.html"))
    for path in html_files:
        problems = offline_problems(path.read_text(encoding="utf-8"))
        if problems:
            raise RuntimeError(f"{path} would load remote resources: {problems[:3]}")
    broken = link_problems(out)
    if broken:
        raise RuntimeError(f"{len(broken)} broken internal link(s): {broken[:5]}")
    warnings = [w for r in results for w in r["warnings"]]
    for warning in warnings:
        log(f"warning: {warning}")
    seconds = time.perf_counter() - start
    summary = {
        "out": out,
        "pages": len(html_files),
        "notebook_pages": len(results),
        "seconds": seconds,
        "warnings": warnings,
        "editions": {e: [p.name for p in pages] for e, pages in site.pages.items()},
    }
    log(
        f"built {len(html_files)} pages ({len(site.pages['student'])} student, "
        f"{len(site.pages.get('instructor', []))} instructor, {len(site.pages) + 1} index"
        f"{', glossary' if site.glossary else ''}) in {seconds:.1f} s "
        f"with {jobs} job(s): {out}/index.html"
    )
    return summary


def cache_bytecode() -> None:
    """With PYTHONDONTWRITEBYTECODE set, let this process write the .pyc of any module that
    ``make env`` (tools/warm_bytecode.py) did not compile, beside the module as usual."""
    sys.dont_write_bytecode = False


def main(argv: list[str] | None = None) -> int:
    cache_bytecode()
    parser = argparse.ArgumentParser(
        prog="python -m tools.book",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help=f"output folder (default {OUT.relative_to(ROOT)})"
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--only", nargs="*", help="notebook numbers, e.g. 00 01 (default: all)")
    parser.add_argument(
        "--no-execute",
        action="store_true",
        help="do not execute the student notebooks (a quick preview without outputs)",
    )
    parser.add_argument(
        "--student-only",
        action="store_true",
        help="the student edition alone, without any link to the instructor edition (for publishing)",
    )
    args = parser.parse_args(argv)
    try:
        build(args.out, jobs=args.jobs, only=args.only, execute_students=not args.no_execute,
              student_only=args.student_only)
    except Exception as exc:  # noqa: BLE001 - one readable line for `make book`
        print(f"book: build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
