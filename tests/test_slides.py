"""The journal-club presenter deck (``make slides``): built offline, and it works in Chromium.

1. ``python -m tools.slides --out TMP`` writes the deck, the vendored reveal.js and the handout;
   the HTML references no other host, and the deck has 8 to 12 slides.
2. The deck is served on 127.0.0.1 and opened in headless Chromium (Debian's /usr/bin/chromium,
   driven by Playwright; never downloaded): every slide renders (text or a decoded image, no
   console error), ArrowRight advances to the next slide, and no request leaves 127.0.0.1.

Without Chromium the browser tests are skipped with a message (an error when CI=true), as in
``tests/test_browser.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser_support import chromium, need_chromium, serve
from tools import slides

ROOT = slides.ROOT
ARTIFACTS = ROOT / "_build" / "artifacts"


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


def test_deck_has_eight_to_twelve_slides_from_tagged_cells(deck_html):
    deck = slides.deck_notebook(slides.nbformat.read(slides.SOURCE, as_version=4))
    count = slides.count_slides(deck)
    assert slides.MIN_SLIDES <= count <= slides.MAX_SLIDES
    assert deck_html.count('<section') >= count
    assert "Figure 7.1" in deck_html and "Figure 7.3" in deck_html
    assert deck_html.count('src="data:image/png') >= 2


@pytest.fixture(scope="module")
def server(built):
    with serve(built) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium(need_chromium("run the slide-deck browser test")) as launched:
        yield launched


def test_every_slide_renders_and_arrow_keys_advance_offline(server, browser):
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
    try:
        page.goto(server + slides.DECK_NAME, wait_until="load")
        page.wait_for_function("() => window.Reveal && window.Reveal.isReady()", timeout=30_000)
        total = page.evaluate("() => Reveal.getTotalSlides()")
        assert slides.MIN_SLIDES <= total <= slides.MAX_SLIDES
        page.locator("body").click(position={"x": 5, "y": 5})  # focus the deck for the keyboard
        seen = []
        for index in range(total):
            state = page.evaluate("""() => {
                const s = Reveal.getCurrentSlide();
                const r = s.getBoundingClientRect();
                const imgs = [...s.querySelectorAll('img')];
                return {h: Reveal.getIndices().h, text: s.innerText.trim().length,
                        width: r.width, height: r.height,
                        images: imgs.length, decoded: imgs.every(i => i.complete && i.naturalWidth > 0),
                        visible: getComputedStyle(s).display !== 'none'};
            }""")
            page.screenshot(path=str(ARTIFACTS / "slides" / f"slide-{index + 1:02d}.png"))
            assert state["h"] == index, state
            assert state["visible"] and state["width"] > 0 and state["height"] > 0, (index, state)
            assert state["text"] > 0 or state["images"] > 0, (index, state)
            assert state["decoded"], f"slide {index + 1}: an image did not decode"
            seen.append(state)
            if index + 1 < total:
                page.keyboard.press("ArrowRight")
                page.wait_for_function("(h) => Reveal.getIndices().h === h", arg=index + 1, timeout=5_000)
        assert [s["h"] for s in seen] == list(range(total))
        assert any(s["images"] for s in seen), "the deck shows the figures"
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("(h) => Reveal.getIndices().h === h", arg=total - 2, timeout=5_000)
        assert errors == [], errors
        assert remote == [], f"the deck requested other hosts: {remote}"
    finally:
        context.close()
