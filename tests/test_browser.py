"""Browser checks with headless Chromium (Debian's /usr/bin/chromium) driven by Playwright.

1. The course website, built here into a temporary folder (``python -m tools.book``) and served
   on 127.0.0.1: every page of both editions loads with no console error and no request to
   another host, its images decode, its links resolve, and the student edition shows no solution.
2. JupyterLab on 127.0.0.1 opens ``notebooks/05_regression_to_the_mean.ipynb``, runs all cells,
   and a widget's value changed with the keyboard changes the figure it drives.
3. Accessibility (issue 21): axe-core (``axe-playwright-python``, which ships it) finds no
   violation of the WCAG 2.0/2.1 A and AA rules on every page of the site (at 1280 and 320 px),
   every slide of the journal-club deck and its handout, and notebooks 02 and 05 opened and run
   in JupyterLab (``LIVERLAB_AXE_NOTEBOOKS="00 01 ..."`` runs others, locally); the only rules
   set aside are those of JupyterLab's own elements, in ``JUPYTERLAB_ALLOWED``, each with its
   reason. No code cell is clipped at 1280, 640 or 320 px.

Screenshots land in ``_build/artifacts/``. Playwright never downloads a browser here: it is given
Chromium's path. Without Chromium the whole module is skipped with a message saying how to get it.
All tests live in this one module, so ``pytest -n 2 --dist loadscope`` runs them on one worker.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import nbformat
import pytest

from tests.browser_support import chromium, need_chromium, serve
from tools import book
from tools.authoring import BEGIN, END, NOTEBOOKS, ROOT, SOLUTIONS, read, solution_lines

sync_api = need_chromium("run the browser tests", module_level=True)

ARTIFACTS = ROOT / "_build" / "artifacts"
ARTIFACTS.mkdir(parents=True, exist_ok=True)  # every test may write here, whichever runs first
SELF_CHECK = re.compile(
    r"^\s*[✅❌⏳⚠]\S*\s+Exercise (\d+\.\d+):.*$", re.M
)  # liverlab.checks' lines
CHECK_CALL = re.compile(r"""\bcheck\(\s*["'](\d+\.\d+)["']""")
SLIDER_NOTEBOOK = "05_regression_to_the_mean.ipynb"
TIMINGS: dict[str, float] = {}

# A code cell is clipped when part of its code or text output cannot be seen or scrolled to: the
# text is wider than what an ancestor with overflow hidden shows, or than the page itself.
CLIPPED_CODE = """() => {
    const pageRight = document.documentElement.clientWidth;
    const cells = [...document.querySelectorAll('.jp-CodeCell')];
    const clipped = [];
    for (const cell of cells) {
        for (const pre of cell.querySelectorAll('.jp-InputArea-editor pre, .jp-OutputArea-output pre')) {
            const rect = pre.getBoundingClientRect();
            if (rect.width === 0) continue;
            const scrolls = ['auto', 'scroll'].includes(getComputedStyle(pre).overflowX);
            const right = scrolls ? rect.right : rect.left + Math.max(pre.scrollWidth, rect.width);
            let hidden = false, reachable = scrolls;
            for (let el = pre.parentElement; el && el !== document.body && !reachable; el = el.parentElement) {
                const overflow = getComputedStyle(el).overflowX;
                if (overflow === 'visible' || el.getBoundingClientRect().right >= right - 1) continue;
                if (overflow === 'auto' || overflow === 'scroll') reachable = true;
                else hidden = true;
            }
            if (hidden || (!reachable && right > pageRight + 1)) {
                clipped.push(`${cell.id}: ${pre.textContent.trim().slice(0, 50)}`);
                break;
            }
        }
    }
    return {cells: cells.length, clipped};
}"""


def record(name: str, seconds: float) -> None:
    TIMINGS[name] = round(seconds, 1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "browser-timings.json").write_text(json.dumps(TIMINGS, indent=1) + "\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------------------------------
# Fixtures: the built site, a local web server, the browser
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(nbval_student_runs, tmp_path_factory) -> Path:
    """The whole site, as `make book` builds it, without executing a notebook a second time.

    The student edition shows each student notebook executed top to bottom; nbval has just done
    that in this run (tests/conftest.py keeps the outputs it received), so those executions are
    rendered. A notebook that nbval does not run in this session (e.g. this module run alone) is
    executed here, as `make book` would.
    """
    out = tmp_path_factory.mktemp("book") / "site"
    executed = tmp_path_factory.mktemp("executed-students")
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb") if book.NOTEBOOK_NAME.match(p.name))
    start = time.perf_counter()
    found = nbval_student_runs(names)
    record("waiting for nbval's student runs (s)", time.perf_counter() - start)
    record("student notebooks reused from nbval", sum(nb is not None for nb in found.values()))
    for name, nb in found.items():
        if nb is None:
            nb = book.execute(read(NOTEBOOKS / name), NOTEBOOKS)
        nbformat.write(nb, executed / name)
    start = time.perf_counter()
    log = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(book.EDITIONS["student"], "source", executed)
        book.build(out, jobs=1, execute_students=False, log=log.append)
    record("site build (s)", time.perf_counter() - start)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "site-build.log").write_text("\n".join(map(str, log)) + "\n")
    return out


@pytest.fixture(scope="module")
def server(site):
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium(sync_api) as launched:
        yield launched


def pages_of(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


@pytest.fixture(scope="module")
def visited(site, server, browser):
    """Every page loaded once in Chromium: what it logged, requested, and shows."""
    local = urlsplit(server).netloc
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # Anything not on the local server is refused (and recorded): the site must not need it.
    context.route(
        "**/*",
        lambda route: (
            route.continue_() if urlsplit(route.request.url).netloc == local else route.abort()
        ),
    )
    page = context.new_page()
    seen = {"console": [], "requests": [], "failed": [], "status": []}
    page.on(
        "console", lambda m: m.type == "error" and seen["console"].append(f"{page.url}: {m.text}")
    )
    page.on("pageerror", lambda e: seen["console"].append(f"{page.url}: {e}"))
    page.on("request", lambda r: seen["requests"].append((page.url, r.url)))
    page.on("requestfailed", lambda r: seen["failed"].append(f"{page.url}: {r.url} ({r.failure})"))
    page.on(
        "response",
        lambda r: r.status >= 400 and seen["status"].append(f"{page.url}: {r.url} {r.status}"),
    )
    results = {}
    start = time.perf_counter()
    for name in pages_of(site):
        page.goto(urljoin(server, name), wait_until="load")
        results[name] = page.evaluate("""() => ({
            text: document.body.innerText,
            title: document.title,
            images: [...document.images].map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0,
                                                   src: i.getAttribute('src').slice(0, 40)})),
            links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
            maths: [...document.querySelectorAll('math')].map(m => m.getBoundingClientRect().width),
        })""")
        if name == "index.html":
            page.screenshot(path=str(ARTIFACTS / "site-front-page.png"))
        if name == "instructor/01_meld_math.html" and page.locator("math[display=block]").count():
            page.locator("math[display=block]").nth(
                1 if page.locator("math[display=block]").count() > 1 else 0
            ).scroll_into_view_if_needed()
            page.evaluate("window.scrollBy(0, -250)")
            page.screenshot(path=str(ARTIFACTS / "site-instructor-01-maths.png"))
    record("site pages visited (s)", time.perf_counter() - start)
    context.close()
    return seen, results


# ----------------------------------------------------------------------------------------------
# The website
# ----------------------------------------------------------------------------------------------
# ----------------------------------------------------------------------------------------------
# Accessibility: axe-core, WCAG 2.0/2.1 A and AA
# ----------------------------------------------------------------------------------------------
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


# What changes with the page's width: a region that starts to scroll. At 320 px only this rule runs
# again (the colour rules, most of axe's time, give the same answer at any width).
WIDTH_RULES = ["scrollable-region-focusable"]


def axe_violations(page, context=None, rules: list[str] | None = None) -> list[dict]:
    """axe-core's violations of the WCAG 2.0/2.1 A and AA rules (or of ``rules``) on the page now."""
    from axe_playwright_python.sync_playwright import Axe

    run_only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    options = {"runOnly": run_only, "resultTypes": ["violations"]}
    return Axe().run(page, context=context, options=options).response["violations"]


def summary_of(violations: list[dict]) -> list[str]:
    """One line per violated rule: its id, how many elements, and the first two of them."""
    return [f"{v['id']} ({len(v['nodes'])}): {v['help']}: "
            + " | ".join(n["html"][:120].replace("\n", " ") for n in v["nodes"][:2])
            for v in violations]


def test_axe_finds_no_wcag_violation_on_any_site_page(site, server, browser):
    found = {}
    start = time.perf_counter()
    for width in (1280, 320):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for name in pages_of(site):
            if width == 320 and name.endswith("index.html"):
                continue  # the maps and front page: plain HTML, checked at 1280
            page.goto(urljoin(server, name), wait_until="load")
            violations = summary_of(axe_violations(page, rules=WIDTH_RULES if width == 320 else None))
            if violations:
                found[f"{name} at {width} px"] = violations
        context.close()
    record("axe-core on the site (s)", time.perf_counter() - start)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-site.json").write_text(json.dumps(found, indent=1) + "\n")
    assert found == {}


def test_no_code_cell_is_clipped_at_any_width(site, server, browser):
    """Code and text outputs wrap or scroll at 1280, 640 (200 % zoom) and 320 px (WCAG 1.4.4, 1.4.10)."""
    notebooks = [name for name in pages_of(site) if re.match(r"(student|instructor)/\d\d_", name)]
    clipped, cells = {}, 0
    for width in (1280, 640, 320):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for name in notebooks:
            page.goto(urljoin(server, name), wait_until="load")
            result = page.evaluate(CLIPPED_CODE)
            cells += result["cells"]
            if result["clipped"]:
                clipped[f"{name} at {width} px"] = result["clipped"][:3]
        context.close()
    assert cells > 100 and clipped == {}


def test_tab_reaches_links_not_every_cell(site, server, browser):
    """Tab stops are links (and a region only while it scrolls): not nbconvert's one per cell and output."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(urljoin(server, "student/05_regression_to_the_mean.html"), wait_until="load")
        stops = page.evaluate("""() => [...document.querySelectorAll('a[href], [tabindex]')]
            .filter(e => e.tabIndex >= 0 && e.getClientRects().length)
            .map(e => e.tagName === 'A' ? 'link' : e.className)""")
        cells = page.locator(".jp-Cell").count()
        others = [s for s in stops if s != "link"]
        assert cells > 50 and len(others) <= 3, others     # before: 127 tab stops on this page
        page.keyboard.press("Tab")
        outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert page.evaluate("() => document.activeElement.textContent") == "Skip to the notebook"
        assert outline == "solid"
    finally:
        context.close()


def test_axe_finds_no_wcag_violation_in_the_deck_and_the_handout(browser, tmp_path):
    """Every slide of the journal-club deck (made current one by one) and the handout (``make slides``)."""
    from tools import slides

    slides.build(tmp_path / "slides")
    found = {}
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        with serve(tmp_path / "slides") as url:
            page.goto(urljoin(url, "handout.html"), wait_until="load")
            found["handout.html"] = summary_of(axe_violations(page))
            page.goto(urljoin(url, slides.DECK_NAME), wait_until="load")
            page.wait_for_function("() => window.Reveal && Reveal.isReady()")
            for index in range(page.evaluate("() => Reveal.getTotalSlides()")):
                page.evaluate("""(i) => { const at = Reveal.getIndices(Reveal.getSlides()[i]);
                                          Reveal.slide(at.h, at.v); }""", index)
                page.wait_for_timeout(50)
                found[f"deck slide {index + 1}"] = summary_of(axe_violations(page))
    finally:
        context.close()
    found = {where: lines for where, lines in found.items() if lines}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe-deck.json").write_text(json.dumps(found, indent=1) + "\n")
    assert found == {}


def test_site_has_both_editions_of_every_notebook(site):
    pages = pages_of(site)
    for edition, source in (("student", NOTEBOOKS), ("instructor", SOLUTIONS)):
        expected = sorted(
            f"{edition}/{p.stem}.html"
            for p in source.glob("*.ipynb")
            if book.NOTEBOOK_NAME.match(p.name)
        )
        assert (
            expected
            and [p for p in pages if p.startswith(f"{edition}/") and p != f"{edition}/index.html"]
            == expected
        )
    assert {"index.html", "student/index.html", "instructor/index.html"} <= set(pages)
    record("pages", len(pages))


def test_every_page_loads_offline_without_errors(visited, server):
    seen, results = visited
    local = urlsplit(server).netloc
    remote = [
        f"{page}: {url}"
        for page, url in seen["requests"]
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != local
    ]
    assert remote == [], "requests to other hosts"
    assert seen["console"] == [] and seen["failed"] == [] and seen["status"] == []
    assert all(result["title"] for result in results.values())


def test_every_image_decodes_and_has_alt_text(visited):
    _, results = visited
    images = [(page, image) for page, result in results.items() for image in result["images"]]
    assert len(images) >= 20
    broken = [(page, image["src"]) for page, image in images if not image["ok"]]
    no_alt = [
        (page, image["src"])
        for page, image in images
        if not image["alt"].strip() or image["alt"].startswith("No description")
    ]
    assert broken == [] and no_alt == []


def test_maths_is_rendered_as_mathml(visited):
    _, results = visited
    maths = [width for result in results.values() for width in result["maths"]]
    assert len(maths) >= 20, "the course has formulas in notebooks 01, 02, 05, 06 and 07"
    assert all(width > 0 for width in maths), "every formula takes up space on the page"
    assert not any("$$" in result["text"] for result in results.values())


def test_no_broken_internal_links(site, server, visited, browser):
    _, results = visited
    assert book.link_problems(site) == []
    targets = set()
    for page, result in results.items():
        for href in result["links"]:
            url = urljoin(urljoin(server, page), href)
            if urlsplit(url).netloc == urlsplit(server).netloc:
                targets.add(url.split("#")[0])
    assert {urljoin(server, page) for page in results} <= targets, (
        "every page is linked from another"
    )
    missing = []
    for url in sorted(targets):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                ok = response.status == 200
        except OSError:
            ok = False
        if not ok:
            missing.append(url)
    assert missing == []


def test_navigation_follows_the_course_order(visited):
    _, results = visited
    for edition in ("student", "instructor"):
        names = [p for p in results if p.startswith(f"{edition}/") and not p.endswith("index.html")]
        index_links = [
            h for h in results[f"{edition}/index.html"]["links"] if re.match(r"\d\d_", h)
        ]
        assert index_links == [n.split("/")[1] for n in names]
        other = "instructor" if edition == "student" else "student"
        assert f"../{other}/index.html" in results[f"{edition}/index.html"]["links"]
        for i, name in enumerate(names):
            links = results[name]["links"]
            if i > 0:
                assert names[i - 1].split("/")[1] in links, name
            if i + 1 < len(names):
                assert names[i + 1].split("/")[1] in links, name


def test_student_edition_shows_no_solution(visited):
    _, results = visited
    student = {
        p: r
        for p, r in results.items()
        if p.startswith("student/") and not p.endswith("index.html")
    }
    assert student
    for page, result in student.items():
        text, stem = result["text"], page.split("/")[1][:-5]
        assert BEGIN not in text and END not in text, page
        lines = {line.strip() for line in text.splitlines()}
        if (SOLUTIONS / f"{stem}.ipynb").exists():
            leaked = lines & solution_lines(read(SOLUTIONS / f"{stem}.ipynb"))
            assert not leaked, f"{page}: solution lines shown: {sorted(leaked)[:5]}"
        checks = SELF_CHECK.findall(text)
        check_lines = [m.group(0) for m in SELF_CHECK.finditer(text)]
        assert all("not answered yet" in line for line in check_lines), (page, check_lines)
        expected = set(
            CHECK_CALL.findall("\n".join(c.source for c in read(NOTEBOOKS / f"{stem}.ipynb").cells))
        )
        assert set(checks) == expected, f"{page}: every self-check ran and reads 'not answered yet'"


CHECK_EMOJI = ("✅", "❌", "⏳", "⚠️")  # liverlab.checks' verdicts


def coloured_pixels(png: bytes) -> int:
    """Pixels that are clearly not grey: a colour emoji has many; text, or a missing glyph's
    box, has none (grayscale antialiasing)."""
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return int((rgb.max(axis=2) - rgb.min(axis=2) > 60).sum())


def test_check_emoji_render_with_a_colour_font(server, browser):
    """Each verdict emoji of the self-checks, written where a check line is (same element, same
    CSS, so the same font fallback), is drawn in colour by an emoji font (issue 15). Without one
    (Debian: fonts-noto-color-emoji, which .ci/run installs) Chromium draws an empty box."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(urljoin(server, "student/00_start_here.html"), wait_until="load")
        line = page.locator(".jp-OutputArea-output pre", has_text="⏳").first
        line.scroll_into_view_if_needed()
        line.screenshot(path=str(ARTIFACTS / "site-check-line.png"))
        counts = {}
        for emoji in CHECK_EMOJI:
            probe = page.evaluate_handle(
                """(text) => {
                    const line = [...document.querySelectorAll('.jp-OutputArea-output pre')]
                        .find(p => p.textContent.includes('⏳'));
                    const copy = line.cloneNode(false);
                    copy.textContent = text;
                    copy.style.display = 'inline-block';
                    line.parentNode.appendChild(copy);
                    return copy;
                }""",
                emoji,
            ).as_element()
            counts[emoji] = coloured_pixels(probe.screenshot())
        assert all(n >= 20 for n in counts.values()), f"coloured pixels per emoji: {counts}"
    finally:
        context.close()


# ----------------------------------------------------------------------------------------------
# JupyterLab: run the widget notebook and move a slider
# ----------------------------------------------------------------------------------------------
FIXTURE_SOURCE = """\
import ipywidgets as widgets

slider = widgets.BoundedIntText(value=3, min=0, max=10, description="n")
result = widgets.Label()

def show(change=None):
    result.value = f"n squared = {slider.value ** 2}"

slider.observe(show, names="value")
show()
widgets.VBox([slider, result])
"""


def widget_notebook(root: Path, name: str = SLIDER_NOTEBOOK) -> tuple[str, str]:
    """The notebook to drive (05, or a tiny fixture while 05 is missing) and what its widget shows."""
    if (NOTEBOOKS / name).exists():
        # The course's layout: the notebook beside its answer keys, data/ one folder up (where
        # liverlab looks for them, from the kernel's working folder).
        (root / "notebooks").mkdir(exist_ok=True)
        for copied in (name, "answer_keys.json"):
            if (NOTEBOOKS / copied).exists():
                shutil.copy(NOTEBOOKS / copied, root / "notebooks" / copied)
        for folder in ("data", "tests"):  # the data, and R's reference results (tests/r_reference)
            if not (root / folder).exists():
                (root / folder).symlink_to(ROOT / folder, target_is_directory=True)
        return f"notebooks/{name}", "image"
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Widget fixture"),
        nbformat.v4.new_code_cell(FIXTURE_SOURCE),
    ]
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nbformat.write(nb, root / "widget_fixture.ipynb")
    return "widget_fixture.ipynb", "label"


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextmanager
def jupyterlab(root: Path, home: Path):
    """JupyterLab on 127.0.0.1 with a random token and throwaway config/runtime/data folders."""
    for name in ("config", "runtime", "data", "ipython"):
        (home / name).mkdir(parents=True, exist_ok=True)
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab"
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True})
    )
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"})
    )  # every cell in the DOM, however long the notebook
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"} | {
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "IPYTHONDIR": str(home / "ipython"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings.parent),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    token = secrets.token_hex(16)
    jupyter = Path(sys.executable).parent / "jupyter"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = (ARTIFACTS / "jupyterlab.log").open("w")
    for attempt in range(3):  # a port taken between our probe and its bind
        port = free_port()
        cmd = [
            str(jupyter),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--allow-root",
        ]
        server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2
                ):
                    break
            except OSError:
                time.sleep(0.3)
        if server.poll() is None:
            break
    else:
        raise RuntimeError(f"JupyterLab did not start; see {ARTIFACTS / 'jupyterlab.log'}")
    kernels: set[int] = set()
    try:
        yield f"http://127.0.0.1:{port}", token, lambda: kernels.update(descendants(server.pid))
    finally:
        kernels |= descendants(server.pid)
        server.send_signal(signal.SIGTERM)  # by PID: the server shuts its kernels down
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(pid) for pid in kernels):
            time.sleep(0.2)
        left = sorted(pid for pid in kernels if alive(pid))
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        log.close()
        assert left == [], f"processes left behind by JupyterLab: {left}"


PROMPT_DONE = re.compile(r"\[\d+\]")


def wait_until_all_cells_ran(page, timeout: float) -> list[str]:
    """Poll the input prompts until every code cell shows its execution number ([*]: queued)."""
    deadline = time.monotonic() + timeout
    while True:
        prompts = page.evaluate(
            "() => [...document.querySelectorAll("
            "'.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent)"
        )
        if (prompts and all(PROMPT_DONE.search(p) for p in prompts)) or time.monotonic() > deadline:
            return prompts
        dismiss_kernel_dialog(page, 0)
        time.sleep(0.5)


def dismiss_kernel_dialog(page, wait_ms: int) -> bool:
    """Accept a "Select Kernel" dialog if one shows up within ``wait_ms`` (it can block Run All)."""
    button = page.locator(".jp-Dialog button.jp-mod-accept").first
    if wait_ms > 0:  # (Playwright reads a timeout of 0 as "no limit")
        try:
            button.wait_for(state="visible", timeout=wait_ms)
        except sync_api.TimeoutError:
            return False
    elif not button.is_visible():
        return False
    button.click()
    return True


# Rules that JupyterLab's own elements break, whatever a notebook contains: (reason, the mark of
# the JupyterLab element in axe's HTML snippet). A node of the course's (a cell's output, a widget
# of liverlab) that breaks one of these rules still fails the test.
JUPYTERLAB_ALLOWED = {
    "aria-allowed-attr": ("JupyterLab's toolbar buttons (the jp-button web component of its UI "
                          "toolkit) carry aria-pressed, which axe does not allow on them",
                          "<jp-button"),
    "aria-input-field-name": ("JupyterLab's cell editors (CodeMirror's contenteditable, role "
                              "textbox) have no accessible name", 'class="cm-content"'),
    "aria-required-children": ("JupyterLab's notebook panel has role feed but its cells are not "
                               "role article", "jp-WindowedPanel-viewport"),
    "button-name": ("JupyterLab's button that collapses a markdown heading has no text",
                    "jp-collapseHeadingButton"),
    "scrollable-region-focusable": ("CodeMirror's scroller around a cell editor: the keyboard "
                                    "scrolls it from the editor inside, which axe does not count",
                                    "cm-scroller"),
    # The course writes each figure's alt text where Jupyter puts it (the output's metadata,
    # {"image/png": {"alt": ...}}; the test checks every figure of the run notebook has it), but
    # JupyterLab 4.6's image renderer passes only width, height and background to the <img>
    # (jupyter/enhancement-proposals#120, open). Widget images are the course's: they carry alt.
    "image-alt": ("JupyterLab's image renderer ignores the alt text in the output metadata",
                  '<img src="data:image/png;base6...">'),
}
AXE_NOTEBOOKS = os.environ.get("LIVERLAB_AXE_NOTEBOOKS", "02 05").split()


def course_violations(violations: list[dict]) -> list[str]:
    """The violations left once JupyterLab's own elements (``JUPYTERLAB_ALLOWED``) are set aside."""
    left = []
    for violation in violations:
        mark = JUPYTERLAB_ALLOWED.get(violation["id"], (None, None))[1]
        nodes = [n for n in violation["nodes"] if not (mark and mark in n["html"])]
        if nodes:
            left += summary_of([{**violation, "nodes": nodes}])
    return left


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab server for the module's notebooks."""
    root = tmp_path_factory.mktemp("course")
    start = time.perf_counter()
    with jupyterlab(root, tmp_path_factory.mktemp("jupyter")) as (url, token, note_kernels):
        record("jupyterlab start (s)", time.perf_counter() - start)
        yield root, url, token, note_kernels


def figures_without_alt(page, root: Path, name: str) -> list[int]:
    """Save the run notebook (Ctrl+S) and list the code cells whose figure output has no alt text
    in its metadata: the course's part of image-alt, which JupyterLab cannot show yet."""
    from tools.authoring import alt_problems

    path = root / name
    before = path.stat().st_mtime_ns
    page.locator(".jp-NotebookPanel").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while path.stat().st_mtime_ns == before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert path.stat().st_mtime_ns != before, "the notebook was not saved"
    time.sleep(0.5)
    saved = nbformat.read(path, as_version=4)
    figures = sum("image/png" in o.get("data", {}) for c in saved.cells for o in c.get("outputs", []))
    assert figures or "fixture" in name, "the run notebook has no figure: was it saved after running?"
    return alt_problems(saved)


def run_all_cells(page, url: str, token: str, name: str, note_kernels) -> None:
    """Open ``name`` in JupyterLab, run all its cells, and check that none wrote to stderr."""
    start = time.perf_counter()
    # A workspace of its own, reset: only this notebook open (not the last one's tabs too).
    workspace = re.sub(r"\W", "", Path(name).stem)
    page.goto(f"{url}/lab/workspaces/{workspace}/tree/{name}?reset&token={token}",
              wait_until="domcontentloaded")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=120_000)
    record(f"{Path(name).stem}: notebook open (s)", time.perf_counter() - start)
    # Run All before the kernel is connected runs nothing: wait for "... | Idle",
    # accepting a "Select Kernel" dialog if one shows up meanwhile (it would block it).
    idle = page.locator(".jp-StatusBar-Widget", has_text=re.compile(r"\|\s*Idle")).first
    deadline = time.monotonic() + 120
    while not idle.is_visible():
        assert time.monotonic() < deadline, "the kernel never became idle"
        dismiss_kernel_dialog(page, 0)
        time.sleep(0.2)
    started = time.perf_counter()
    for attempt in range(2):
        page.get_by_role("menuitem", name="Run", exact=True).click()  # the Run menu
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        dismiss_kernel_dialog(page, 2000)
        prompts = wait_until_all_cells_ran(page, timeout=300 if attempt else 20)
        if any(re.search(r"\[(\d+|\*)\]", p) for p in prompts):
            break  # running (or done): no second click
    note_kernels()
    prompts = wait_until_all_cells_ran(page, timeout=300)
    assert prompts and all(PROMPT_DONE.search(p) for p in prompts), f"cells not run: {prompts}"
    record(f"{Path(name).stem}: run all cells (s)", time.perf_counter() - started)
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    assert errors.count() == 0, errors.first.inner_text()


def check_widget_keyboard(page, result_kind: str, name: str) -> None:
    """The widget's number boxes have their visible label as accessible name, whole; a focused box
    shows an outline; a value stepped with the keyboard changes what the widget shows."""
    widget = page.locator(".jp-OutputArea-output").filter(has=page.locator(".widget-text")).first
    widget.scroll_into_view_if_needed()
    box = widget.locator("input[type=number]").last            # "baselines" (05) or "n" (fixture)
    label = box.evaluate("(el) => el.labels.length ? el.labels[0].textContent : ''")
    assert label and page.get_by_role("spinbutton", name=label, exact=True).count() >= 1
    for each in widget.locator("label.widget-label").all():
        assert each.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1"), each.inner_text()
    shown = (
        (lambda: widget.locator("img").first.get_attribute("src"))
        if result_kind == "image"
        else (lambda: widget.locator(".widget-label").last.inner_text())
    )
    page.wait_for_function(
        "(el) => el.querySelector('img') === null || el.querySelector('img').src",
        arg=widget.element_handle(), timeout=30_000)
    before_value, before_result = box.input_value(), shown()
    box.focus()
    if result_kind == "image":
        outline = box.evaluate("(el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
        assert outline.startswith("solid") and not outline.endswith(" 0px"), outline
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    moved = time.perf_counter()
    deadline = time.monotonic() + 60
    while shown() == before_result and time.monotonic() < deadline:
        time.sleep(0.2)
    after_value, after_result = box.input_value(), shown()
    record("widget round trip (s)", time.perf_counter() - moved)
    page.screenshot(path=str(ARTIFACTS / f"jupyterlab-{Path(name).stem}.png"))
    (ARTIFACTS / "slider-result.txt").write_text(
        f"{name}: {label} {before_value!r} -> {after_value!r}; {result_kind} changed: "
        f"{after_result != before_result}\n")
    assert float(after_value) > float(before_value)
    assert after_result != before_result, f"the {result_kind} did not change after the value changed"
    if result_kind == "image":
        alt = widget.locator("img").first.get_attribute("alt") or ""
        assert alt.startswith("With no treatment") or alt.startswith("No simulated patient"), alt


@pytest.mark.parametrize("number", AXE_NOTEBOOKS)
def test_jupyterlab_runs_the_notebook_with_no_wcag_violation_of_the_course(browser, lab, number):
    """The notebook run in JupyterLab: no cell error, no request to another host, no axe violation
    but JupyterLab's own (``JUPYTERLAB_ALLOWED``); in 05, a widget driven from the keyboard."""
    root, url, token, note_kernels = lab
    names = sorted(p.name for p in NOTEBOOKS.glob(f"{number}_*.ipynb"))
    if number == SLIDER_NOTEBOOK[:2] and not names:
        name, result_kind = widget_notebook(root)          # the fixture while 05 is missing
    else:
        assert names, f"no notebooks/{number}_*.ipynb"
        name, result_kind = widget_notebook(root, names[0])
    (ARTIFACTS / "jupyterlab-failure.png").unlink(missing_ok=True)   # from an earlier run
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    remote = []
    page.on("request", lambda r: (urlsplit(r.url).hostname not in ("127.0.0.1", None)
                                  and urlsplit(r.url).scheme in ("http", "https")
                                  and remote.append(r.url)))
    try:
        run_all_cells(page, url, token, name, note_kernels)
        if number == SLIDER_NOTEBOOK[:2]:
            check_widget_keyboard(page, result_kind, name)
        start = time.perf_counter()
        violations = axe_violations(page)
        record(f"{number}: axe-core in JupyterLab (s)", time.perf_counter() - start)
        (ARTIFACTS / f"axe-jupyterlab-{number}.json").write_text(json.dumps(violations, indent=1) + "\n")
        assert course_violations(violations) == []
        assert figures_without_alt(page, root, name) == []
        assert remote == [], f"JupyterLab page requested other hosts: {remote}"
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-failure.png"))
        raise
    finally:
        page.close()
        context.close()
