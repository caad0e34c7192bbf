"""The journal-club presenter deck (``make slides``): built offline, presentable, and it works in Chromium.

1. ``python -m tools.slides --out TMP`` writes the deck, the vendored reveal.js and the handout;
   the HTML references no other host, and the deck has 8 to 12 slides.
2. The deck is refused when a figure has no alt text or a slide would show a notebook variable
   name or a "Presenter slide" label.
3. The deck is served on 127.0.0.1 and opened in headless Chromium (Debian's /usr/bin/chromium,
   driven by Playwright; never downloaded). On every slide: one heading, speaker notes, content that
   fits the slide, figures at full width with their alt text from the notebook, no variable name and
   no answer from the notes on the slide itself; the slide number has a contrast of at least 4.5:1;
   ArrowRight advances to the next slide, and no request leaves 127.0.0.1.

Without Chromium the browser tests are skipped with a message (an error when CI=true), as in
``tests/test_browser.py``.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest

from tests.browser_support import chromium, need_chromium, serve
from tools import slides

ROOT = slides.ROOT
ARTIFACTS = ROOT / "_build" / "artifacts"
SOURCE = nbformat.read(slides.SOURCE, as_version=4)
ASSIGNED = re.compile(r"^([A-Za-z_]\w*)\s*=", re.M)


def notebook_variable_names() -> set[str]:
    """Names the solution notebook assigns that a reader could mistake for words only if they contain '_'."""
    names = set()
    for cell in SOURCE.cells:
        if cell.cell_type == "code":
            names.update(name for name in ASSIGNED.findall(cell.source) if "_" in name.strip("_"))
    return names


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("slides")
    run = subprocess.run([sys.executable, "-m", "tools.slides", "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "wrote deck" in run.stdout
    return out


@pytest.fixture(scope="module")
def deck_html(built) -> str:
    return (built / slides.DECK_NAME).read_text(encoding="utf-8")


def test_deck_and_handout_are_written_with_the_vendored_reveal(built):
    assert (built / slides.DECK_NAME).is_file()
    assert (built / "handout.html").is_file()
    for name in ["dist/reveal.js", "dist/reveal.css", "dist/theme/white.css", "dist/plugin/notes.js", "LICENSE"]:
        assert (built / "reveal.js" / name).is_file(), name
    assert "MIT" in (slides.VENDOR / "LICENSE").read_text() or "Permission is hereby granted" in (
        slides.VENDOR / "LICENSE").read_text()


def test_deck_references_no_other_host(deck_html):
    assert slides.offline_problems(deck_html) == []
    assert "://" not in deck_html, re.findall(r".{40}://.{40}", deck_html)[:3]
    text = re.sub(r"data:[^\"')\s]+", "data:", deck_html)  # embedded images are data, not addresses
    assert "cdn" not in text.lower()
    assert not re.search(r"require\.js|mathjax|mermaid|jquery", text, re.I)
    loaded = re.findall(r"""<(?:script|link|img)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)""", deck_html)
    assert loaded and all(url.startswith(("reveal.js/", "data:")) for url in loaded), loaded


def test_offline_check_catches_remote_resources():
    assert slides.offline_problems('<script src="https://cdn.example/x.js"></script>')
    assert slides.offline_problems('<link href="//fonts.example/f.css" rel="stylesheet">')
    assert slides.offline_problems("body { background: url('https://example.org/a.png'); }")
    assert slides.offline_problems('@import url("https://fonts.example/css");')
    assert slides.offline_problems('<script src="reveal.js/dist/reveal.js"></script>') == []


def test_deck_has_eight_to_twelve_slides_with_the_trials_the_trial_size_and_references(deck_html):
    deck = slides.deck_notebook(SOURCE)
    count = slides.count_slides(deck)
    assert slides.MIN_SLIDES <= count <= slides.MAX_SLIDES
    assert deck_html.count("<section") >= count
    assert "Figure 7.1" in deck_html and "Figure 7.2" in deck_html
    assert deck_html.count('src="data:image/png') >= 2
    for must in ["Spahr 2013", "Mohamadnejad 2013", "Shi 2021", "247 deaths", "1,434 patients", "References",
                 "illustrative"]:
        assert must in deck_html, must


def test_every_slide_of_the_source_has_notes_and_one_heading():
    deck = slides.deck_notebook(SOURCE)
    current = None
    per_slide = []
    for cell in deck.cells:
        kind = cell.metadata["slideshow"]["slide_type"]
        if kind == "slide":
            current = {"headings": 0, "notes": 0}
            per_slide.append(current)
        if kind == "notes":
            current["notes"] += 1
        elif cell.cell_type == "markdown":
            current["headings"] += len(re.findall(r"^#{1,6}\s", cell.source, re.M))
    assert per_slide and all(s == {"headings": 1, "notes": 1} for s in per_slide), per_slide


def test_a_figure_without_alt_text_is_refused():
    nb = copy.deepcopy(SOURCE)
    figure = next(c for c in nb.cells if c.cell_type == "code" and slides.CONTINUE_TAG in c.metadata.get("tags", [])
                  and any("image/png" in o.get("data", {}) for o in c.outputs))
    for output in figure.outputs:
        output.get("metadata", {}).pop("image/png", None)
    with pytest.raises(ValueError, match="alt text"):
        slides.deck_notebook(nb)


def test_variable_names_and_presenter_labels_are_refused():
    nb = copy.deepcopy(SOURCE)
    slide = next(c for c in nb.cells if slides.SLIDE_TAG in c.metadata.get("tags", []) and c.cell_type == "markdown")
    assert slides.leak_problems(slides.deck_notebook(nb)) == []
    slide.source += "\n\nA trial of `N_PATIENTS` patients. **Presenter slide: answers.**"
    problems = slides.leak_problems(slides.deck_notebook(nb))
    assert any("N_PATIENTS" in p for p in problems) and any("Presenter slide" in p for p in problems), problems


def test_contrast_of_the_old_slide_number_fails_and_the_new_passes():
    assert _contrast("rgb(255, 255, 255)", "rgba(0, 0, 0, 0.4)") < 4.5  # reveal.js's default: about 2.8:1
    assert _contrast("rgb(255, 255, 255)", "rgb(153, 153, 153)") < 4.5  # white on #999
    assert _contrast("rgb(255, 255, 255)", "rgb(34, 34, 34)") > 15


def test_one_heading_and_caption_only():
    assert slides.one_heading("### A\ntext\n## B\n") == "## A\ntext\n**B**\n"
    caption = slides.caption_only("*Figure 7.9. What it shows.*\n\nDiscussion that stays in the notebook.")
    assert "Figure 7.9. What it shows." in caption and "Discussion" not in caption and "*" not in caption


@pytest.fixture(scope="module")
def server(built):
    with serve(built) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium(need_chromium("run the slide-deck browser test")) as launched:
        yield launched


def _luminance(css_colour: str) -> float:
    """Relative luminance (WCAG 2.1) of an rgb()/rgba() colour, a translucent one composited over the white page."""
    values = [float(v) for v in re.findall(r"[\d.]+", css_colour)]
    alpha = values[3] if len(values) > 3 else 1.0
    r, g, b = ((alpha * v + (1 - alpha) * 255) / 255 for v in values[:3])
    channel = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * channel[0] + 0.7152 * channel[1] + 0.0722 * channel[2]


def _contrast(foreground: str, background: str) -> float:
    light, dark = sorted([_luminance(foreground), _luminance(background)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


SLIDE_STATE = """() => {
    const s = Reveal.getCurrentSlide();
    const visible = s.cloneNode(true);
    visible.querySelectorAll('aside.notes').forEach(n => n.remove());
    const r = s.getBoundingClientRect();
    const imgs = [...s.querySelectorAll('img')];
    const headings = [...visible.querySelectorAll('h1, h2, h3, h4, h5, h6')];
    return {h: Reveal.getIndices().h, text: visible.textContent.replace(/\\s+/g, ' ').trim(),
            headings: headings.map(e => e.textContent.replace('¶', '').trim()),
            notes: [...s.querySelectorAll('aside.notes')].map(n => n.textContent.trim()),
            noteItems: [...s.querySelectorAll('aside.notes li')].map(n => n.textContent.trim()),
            width: r.width, height: r.height, scrollHeight: s.scrollHeight, configHeight: Reveal.getConfig().height,
            images: imgs.map(i => ({alt: i.getAttribute('alt') || '', decoded: i.complete && i.naturalWidth > 0,
                                    share: i.getBoundingClientRect().width / r.width})),
            visible: getComputedStyle(s).display !== 'none'};
}"""


def test_every_slide_is_presentable_offline(server, browser):
    local = urlsplit(server).netloc
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    remote, errors = [], []
    context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).netloc == local
                  else (remote.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: urlsplit(r.url).scheme in ("http", "https")
            and urlsplit(r.url).netloc != local and remote.append(r.url))
    (ARTIFACTS / "slides").mkdir(parents=True, exist_ok=True)
    alts = [o["metadata"]["image/png"]["alt"] for c in SOURCE.cells if c.cell_type == "code"
            and slides.CONTINUE_TAG in c.metadata.get("tags", []) for o in c.outputs if "image/png" in o.get("data", {})]
    names = notebook_variable_names()
    assert {"meld_changes", "trial_size"} <= names  # the list the leak check uses is not empty
    try:
        page.goto(server + slides.DECK_NAME, wait_until="load")
        page.wait_for_function("() => window.Reveal && window.Reveal.isReady()", timeout=30_000)
        total = page.evaluate("() => Reveal.getTotalSlides()")
        assert slides.MIN_SLIDES <= total <= slides.MAX_SLIDES
        number = page.evaluate("""() => { const n = document.querySelector('.reveal .slide-number');
            const digits = n.querySelector('span') || n;
            return [getComputedStyle(digits).color, getComputedStyle(n).backgroundColor,
                    n.textContent.replace(/\\s+/g, ' ').trim()]; }""")
        assert number[2] == f"1 / {total}", number
        assert _contrast(number[0], number[1]) >= 4.5, number
        page.locator("body").click(position={"x": 5, "y": 5})  # focus the deck for the keyboard
        seen = []
        for index in range(total):
            state = page.evaluate(SLIDE_STATE)
            page.screenshot(path=str(ARTIFACTS / "slides" / f"slide-{index + 1:02d}.png"))
            where = f"slide {index + 1} ({state['headings']})"
            assert state["h"] == index, state
            assert state["visible"] and state["width"] > 0 and state["height"] > 0, where
            assert len(state["headings"]) == 1 and state["headings"][0], where
            assert state["notes"] and len(" ".join(state["notes"]).split()) >= 15, f"{where}: no speaker notes"
            assert state["scrollHeight"] <= state["configHeight"], f"{where}: content taller than the slide"
            for image in state["images"]:
                assert image["decoded"], f"{where}: an image did not decode"
                assert image["alt"] in alts and "No description" not in image["alt"], f"{where}: {image['alt']!r}"
                assert image["share"] > 0.9, f"{where}: figure uses {image['share']:.0%} of the width"
            text = state["text"]
            assert not slides.CONSTANT_NAME.search(text), f"{where}: {slides.CONSTANT_NAME.findall(text)}"
            leaked = sorted(name for name in names if re.search(rf"\b{name}\b", text))
            assert not leaked, f"{where} shows notebook variable names {leaked}"
            assert "Presenter" not in text, where
            seen.append(state)
            if index + 1 < total:
                page.keyboard.press("ArrowRight")
                page.wait_for_function("(h) => Reveal.getIndices().h === h", arg=index + 1, timeout=5_000)
        assert [s["h"] for s in seen] == list(range(total))
        assert sum(len(s["images"]) for s in seen) >= 2, "the deck shows the figures"
        questions = [s for s in seen if "question" in s["headings"][0].lower()]
        assert len(questions) == 1 and len(questions[0]["noteItems"]) >= 5, "an audience-question slide with answers in its notes"
        answers = [item for s in seen for item in s["noteItems"]]
        for state in seen:
            for answer in answers:
                assert answer not in state["text"], f"an answer from the notes is on a slide: {answer!r}"
        assert "3/56" in " ".join(questions[0]["notes"]) and "3/56" not in questions[0]["text"]
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("(h) => Reveal.getIndices().h === h", arg=total - 2, timeout=5_000)
        assert errors == [], errors
        assert remote == [], f"the deck requested other hosts: {remote}"
    finally:
        context.close()
