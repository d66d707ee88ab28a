"""The static site of `make html`, read in headless Chromium from file:// URLs.

The site is built once per run with tools/make_html.py into a temporary folder. Then index.html
and every lesson page are opened in Debian's Chromium through Python Playwright, and each must:

- load with no console error, no uncaught exception and no failed request;
- request nothing but files inside the site folder (no http(s), nothing outside the folder);
- show typeset equations: MathJax SVG output on every page whose markdown has math, every
  ``text/latex`` output typeset, no TeX error box, no ``$`` or ``\\(`` left in rendered text;
- draw every stored widget view: as many sliders as the stored widget state displays, all of them
  disabled (nothing recomputes without a kernel), and an image in every displayed Output widget
  whose stored outputs hold one;
- carry the banner linking back to the index; every local link must point at a file of the site.

The index must link every lesson, in order, under its notebook's title. Screenshots of the index
and of lesson 07's first widget go to ``screenshots/html-*.png``.

Skip rule (tests/browser_support.py): without Chromium, Playwright or the npm-installed browser
files (web/node_modules, installed by `make html` / `make test` when npm is there) the browser
tests skip, unless COURSE_REQUIRE_BROWSER is set, then they fail. The tool's own checks at the
top of this file need none of that.

Run:  .venv/bin/python -m pytest tests/test_html.py -o addopts="" -p no:cacheprovider -v
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
from browser_support import launched_chromium, require_playwright_and_chromium, unavailable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # make_html is a script, not a package
import make_html  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SCREENSHOT_DIR = ROOT / "screenshots"
SCREENSHOT_WIDGET_PAGE = "07_belief_propagation"

LOAD_TIMEOUT = 60_000  # ms: page load, MathJax typesetting, widgets drawn
SLIDER_MODELS = {"IntSliderModel", "FloatSliderModel", "FloatLogSliderModel",
                 "IntRangeSliderModel", "FloatRangeSliderModel"}
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


# --------------------------------------------------------------------------- the tool, no browser


def test_split_inline_math_is_joined_only_where_markdown_would_break_it():
    join = make_html.join_split_inline_math
    assert join("a $x\n+ y$ b") == "a $x + y$ b"
    assert join("a $x\n- y$ b\n\n- item $z$\n- item") == "a $x - y$ b\n\n- item $z$\n- item"
    assert join("$x$ and\n- a list") == "$x$ and\n- a list"  # math closed: a real list
    assert join("`$` open?\n- no") == "`$` open?\n- no"  # a dollar in code is not math
    assert join("a \\$ b\n- c") == "a \\$ b\n- c"  # nor an escaped one
    assert join("$$a\n+ b$$\n- c") == "$$a\n+ b$$\n- c"  # display math is left alone
    assert join("```\n$x\n- y\n```") == "```\n$x\n- y\n```"  # fenced code too


def test_notebook_links_point_at_pages():
    stems = {"01_a", "02_b"}
    text = '<a href="01_a.ipynb">x</a> <a href="./02_b.ipynb#goals">y</a> <a href="c.ipynb">z</a>'
    assert make_html.rewrite_notebook_links(text, stems) == (
        '<a href="01_a.html">x</a> <a href="02_b.html#goals">y</a> <a href="c.ipynb">z</a>'
    )


def test_code_is_escaped_in_the_page():
    """Code cells skip nbconvert's bleach pass (speed): the highlighter must escape them."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# 00 · t"),
                nbformat.v4.new_code_cell("s = '</div><script>alert(1)</script>'")]
    body, _ = make_html.make_exporter().from_notebook_node(nb, resources={"course": {
        "title": "t", "nav": "", "n_widget_views": 0, "problems": []}})
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_the_page_template_extends_nbconvert_and_copies_no_block():
    """The course template is nbconvert's `lab` template extended (conf.json base_template and
    {% extends %}); every block it defines either calls super() or is one the course replaces
    on purpose (MathJax 3 for MathJax 2, no Mermaid from a CDN) or adds to (the banner)."""
    folder = make_html.TEMPLATE_DIR / make_html.TEMPLATE_NAME
    assert json.loads((folder / "conf.json").read_text())["base_template"] == "lab"
    text = (folder / "index.html.j2").read_text()
    assert re.search(r"\{%-? extends 'lab/index\.html\.j2' -?%\}", text)
    blocks = re.findall(r"\{%-? block (\w+)[^%]*%\}(.*?)\{%-? endblock", text, re.DOTALL)
    replaced = {"html_head_js_mathjax", "html_head_js_mermaidjs", "extra_css"}
    for name, body in blocks:
        assert "super()" in body or name in replaced, f"block {name} replaces nbconvert's own"
    assert "input" not in {name for name, _ in blocks}
    assert "make_exporter" in make_html.__dict__ and "PAGE_TEMPLATE" not in make_html.__dict__


def _image_output(plain: str) -> dict:
    return nbformat.from_dict({"output_type": "display_data", "metadata": {},
                               "data": {"image/png": "iVBORw0KGgo=", "text/plain": plain}})


def test_images_get_their_description_or_a_caption_as_alt_text():
    described = "Panel 1 of 2: spy plot of A for a chain; Panel 2 of 2: its back substitution"
    nb = nbformat.v4.new_notebook()
    nb.metadata["language_info"] = {"name": "python"}
    first = nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\n# the sparsity of A\nplot()",
                                      execution_count=1)
    first.outputs = [_image_output("<Figure size 640x480 with 1 Axes>")]
    second = nbformat.v4.new_code_cell("plot()", execution_count=2)
    second.outputs = [_image_output(described)]
    third = nbformat.v4.new_code_cell("plot()", execution_count=3)
    third.outputs = [_image_output('<Figure size 640x480 with 2 Axes>')]
    nb.cells = [nbformat.v4.new_markdown_cell("# 00 · t\n## The matrix $A$"), first, second,
                third]
    static = make_html.static_copy(nb)
    alts = [c.outputs[0].metadata["course_alt"] for c in static.cells[1:]]
    assert alts == ["Figure in “The matrix A”: the sparsity of A", described,
                    "Figure in “The matrix A”"]
    body, _ = make_html.make_exporter().from_notebook_node(static, resources={"course": {
        "title": "t", "nav": "", "n_widget_views": 0, "problems": []}})
    imgs = re.findall(r"<img\b[^>]*>", body)
    assert len(imgs) == 3
    got = [re.search(r'alt="([^"]*)"', tag).group(1) for tag in imgs]
    assert got == [html.escape(a, quote=True) for a in alts]
    assert make_html.with_alt('<img src="x" alt="old">', 'a "b"') == (
        '<img alt="a &quot;b&quot;" src="x">')
    # a description may quote LaTeX: its backslashes reach the page as they are
    assert make_html.with_alt('<img src="x">', r"x = \sum_i \sigma(z_i)") == (
        r'<img alt="x = \sum_i \sigma(z_i)" src="x">')


def _view(model_id: str) -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {make_html.WIDGET_VIEW: {"model_id": model_id, "version_major": 2}}}


def test_widgets_that_would_be_blank_are_reported():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("w", execution_count=1)
    cell.outputs = [nbformat.from_dict(_view("a")), nbformat.from_dict(_view("b"))]
    nb.cells = [cell]
    assert make_html.check_widgets(nb) == (2, [
        "the notebook stores no widget state (re-run it with `make notebooks`)"])
    model = {"model_module": "@jupyter-widgets/controls", "model_name": "IntSliderModel",
             "state": {"disabled": False}}
    foreign = {"model_module": "ipympl", "model_name": "MPLCanvasModel", "state": {}}
    nb.metadata["widgets"] = {make_html.WIDGET_STATE: {"state": {"a": model, "c": foreign}}}
    n, problems = make_html.check_widgets(nb)
    assert n == 2 and len(problems) == 2
    assert "1 of 2 widget views have no stored state" in problems[0]
    assert "ipympl" in problems[1]
    # The page gets disabled controls; the notebook itself is not touched.
    static = make_html.static_copy(nb)
    assert static.metadata["widgets"][make_html.WIDGET_STATE]["state"]["a"]["state"]["disabled"]
    assert not model["state"]["disabled"]


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_exportable(nb_path):
    """Every notebook has a title heading and, where it shows widgets, their complete state."""
    nb = nbformat.read(nb_path, as_version=4)
    assert make_html.notebook_title(nb).startswith(nb_path.stem[:2])
    make_html.check_executed(nb, nb_path.name)
    n_views, problems = make_html.check_widgets(nb)
    assert problems == [], f"{nb_path.name}: widgets would be blank in the static page: {problems}"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def chromium():
    return require_playwright_and_chromium()


@pytest.fixture(scope="module")
def site(chromium, tmp_path_factory):
    missing = [rel for rel in make_html.STATIC_FILES.values()
               if not (make_html.NODE_MODULES / rel).is_file()]
    if missing:
        unavailable(f"the static site's browser files are not installed ({', '.join(missing)} "
                    "under web/node_modules): run `make html`, which needs npm")
    out = tmp_path_factory.mktemp("site") / "html"
    t0 = time.monotonic()
    lessons = make_html.build_site(out)
    print(f"\nsite built in {time.monotonic() - t0:.1f} s: {out}")
    return out, {lesson.source.stem: lesson for lesson in lessons}


@pytest.fixture(scope="module")
def browser(chromium, site):
    with launched_chromium(chromium) as b:
        yield b


# --------------------------------------------------------------------------- in-page JS

# Ready when MathJax has started and every widget view has been drawn by the widget manager.
VIEW = "div.jupyter-widgets.jp-OutputArea-output"  # one per stored widget view

JS_READY = """
(nViews) => {
  if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return false;
  const drawn = Array.from(document.querySelectorAll('VIEW > .widget-subarea'))
    .filter(e => e.children.length > 0).length;
  return drawn >= nViews;
}
""".replace("VIEW", VIEW)

JS_STATE = """
() => {
  const prose = [];
  for (const e of document.querySelectorAll(
      '.jp-RenderedMarkdown, .jp-RenderedLatex, .jp-RenderedHTMLCommon, ol.lessons')) {
    const c = e.cloneNode(true);
    c.querySelectorAll('code, pre, mjx-container').forEach(x => x.remove());
    prose.push(c.textContent);
  }
  const text = prose.join('\\n');
  const raw = [];
  for (const re of [/\\$/g, /\\\\\\(/g, /\\\\\\[/g, /\\\\begin\\{/g]) {
    let m;
    while ((m = re.exec(text)) !== null && raw.length < 5)
      raw.push(text.slice(Math.max(0, m.index - 60), m.index + 60));
  }
  const widgets = document.querySelectorAll('VIEW');
  const controls = Array.from(document.querySelectorAll(
    '.jupyter-widgets input, .jupyter-widgets select, .jupyter-widgets button, ' +
    '.jupyter-widgets textarea'));
  return {
    mathjax: !!(window.MathJax && MathJax.startup),
    equations: document.querySelectorAll('mjx-container').length,
    texErrors: Array.from(document.querySelectorAll('mjx-merror'))
      .map(e => e.getAttribute('data-mjx-error') || e.textContent).slice(0, 5),
    latexOutputs: document.querySelectorAll('.jp-RenderedLatex').length,
    latexUntypeset: Array.from(document.querySelectorAll('.jp-RenderedLatex'))
      .filter(e => !e.querySelector('mjx-container')).length,
    rawTex: raw,
    widgetViews: widgets.length,
    widgetsDrawn: Array.from(document.querySelectorAll('VIEW > .widget-subarea'))
      .filter(e => e.children.length > 0).length,
    sliders: document.querySelectorAll('.widget-slider').length,
    slidersEnabled: Array.from(document.querySelectorAll('.widget-slider .noUi-target'))
      .filter(e => !e.hasAttribute('disabled')).length,
    controlsEnabled: controls.filter(e => !e.disabled).map(e => e.outerHTML.slice(0, 80)),
    outputsWithImage: Array.from(document.querySelectorAll('.widget-output'))
      .filter(e => e.querySelector('img')).length,
    imagesWithoutAlt: Array.from(document.querySelectorAll('img'))
      .filter(e => !(e.getAttribute('alt') || '').trim()).map(e => e.outerHTML.slice(0, 80)),
    banner: !!document.querySelector('.course-banner a[href="index.html"]'),
    warnings: Array.from(document.querySelectorAll(
      '.course-warning, .course-widget-missing, #course-mathjax-status, #course-widget-status'))
      .map(e => e.textContent.trim()).filter(t => t),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
    lessonLinks: Array.from(document.querySelectorAll('ol.lessons a')).map(a => ({
      href: a.getAttribute('href'), text: a.textContent.trim(),
      math: !!a.querySelector('mjx-container')})),
  };
}
""".replace("VIEW", VIEW)


# --------------------------------------------------------------------------- helpers


def _expected(nb_path: Path) -> dict:
    """What the page must show, from the stored notebook."""
    nb = nbformat.read(nb_path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    views = make_html.widget_views(nb)
    state = nb.metadata.get("widgets", {}).get(make_html.WIDGET_STATE, {}).get("state", {})
    shown = [state[m] for m in make_html.displayed_models(state, views)]
    return {
        "math": bool(re.search(r"\$|\\\(|\\\[|\\begin\{", markdown)),
        "views": len(views),
        "sliders": sum(m["model_name"] in SLIDER_MODELS for m in shown),
        "outputs_with_image": sum(
            m["model_name"] == "OutputModel"
            and any(t in o.get("data", {}) for o in m["state"].get("outputs", [])
                    for t in IMAGE_TYPES)
            for m in shown),
    }


@dataclass
class Rendered:
    """What one page showed in the browser."""

    state: dict | None = None  # JS_STATE's answer
    log: list[str] = field(default_factory=list)  # console errors, page errors, failed requests
    requests: list[str] = field(default_factory=list)
    text: str = ""  # the page's visible text
    seconds: float = 0.0
    error: str = ""  # a timeout or driver error


def _render_all(browser, jobs: list[tuple[str, Path, int]], shots: dict[str, Path],
                in_flight: int = 3) -> dict[str, Rendered]:
    """Open every page (``in_flight`` at a time, so they load in parallel); read their state.

    jobs: (name, file, number of widget views to wait for); shots: name -> screenshot path.
    A page is read once MathJax has typeset it and every widget view has been drawn.
    """
    results: dict[str, Rendered] = {}
    todo = list(jobs)
    open_pages: list[tuple] = []
    while todo or open_pages:
        while todo and len(open_pages) < in_flight:
            name, file, n_views = todo.pop(0)
            r = results[name] = Rendered()
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.on("console", lambda m, r=r: r.log.append(f"[{m.type}] {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda e, r=r: r.log.append(f"[pageerror] {e}"))
            page.on("requestfailed",
                    lambda q, r=r: r.log.append(f"[requestfailed] {q.url[:200]} {q.failure}"))
            page.on("request", lambda q, r=r: r.requests.append(q.url))
            t0 = time.monotonic()
            try:
                page.goto(file.as_uri(), wait_until="commit", timeout=LOAD_TIMEOUT)
            except Exception as exc:  # reported by the page's test
                r.error = f"{type(exc).__name__}: {exc}"
            open_pages.append((name, n_views, page, context, r, t0))
        name, n_views, page, context, r, t0 = open_pages.pop(0)
        try:
            if not r.error:
                page.wait_for_load_state("load", timeout=LOAD_TIMEOUT)
                page.wait_for_function(JS_READY, arg=n_views, timeout=LOAD_TIMEOUT, polling=100)
                # The page's typesetting, then the widget labels' (queued behind it), finished.
                page.evaluate("() => MathJax.startup.promise.then(() => true)")
                page.wait_for_timeout(200)
                page.evaluate("() => MathJax.startup.promise.then(() => true)")
                r.state = page.evaluate(JS_STATE)
                r.text = page.inner_text("body")
                r.seconds = time.monotonic() - t0
                if name in shots:
                    if n_views:  # the first widget at the top of the screen
                        page.evaluate(f"() => {{ document.querySelector('{VIEW}')"
                                      ".scrollIntoView(); window.scrollBy(0, -60); }")
                    shots[name].parent.mkdir(exist_ok=True)
                    page.screenshot(path=str(shots[name]), full_page=not n_views)
        except Exception as exc:  # reported by the page's test
            r.error = f"{type(exc).__name__}: {exc}"
        finally:
            context.close()
    return results


def _outside_requests(requests: list[str], root: Path) -> list[str]:
    """Requests that leave the site folder: another scheme, or a file outside ``root``."""
    bad = []
    for url in requests:
        parsed = urllib.parse.urlparse(url)
        if parsed.scheme in ("data", "blob"):
            continue
        if parsed.scheme != "file":
            bad.append(url)
            continue
        path = Path(urllib.request.url2pathname(parsed.path)).resolve()
        if not path.is_relative_to(root.resolve()):
            bad.append(url)
    return bad


def _broken_links(links: list[str], page_file: Path, root: Path) -> list[str]:
    """Local links whose file is missing or lies outside the site (a leftover .ipynb link too)."""
    bad = []
    for href in links:
        parsed = urllib.parse.urlparse(href)
        if parsed.scheme or href.startswith("#") or not parsed.path:
            continue  # external (http, mailto) or on this page
        target = (page_file.parent / urllib.parse.unquote(parsed.path)).resolve()
        if not target.is_file() or not target.is_relative_to(root.resolve()):
            bad.append(href)
    return bad


def _network_refs(html_text: str) -> list[str]:
    """Scripts, styles, images or frames the page itself would load from the network."""
    return re.findall(r'<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)="'
                      r'((?:https?:)?//[^"]*)"', html_text)


# --------------------------------------------------------------------------- browser tests


@pytest.fixture(scope="module")
def rendered(site, browser) -> dict[str, Rendered]:
    root, lessons = site
    jobs = [("index", root / "index.html", 0)]
    jobs += [(p.stem, root / lessons[p.stem].page, _expected(p)["views"]) for p in NOTEBOOKS]
    shots = {"index": SCREENSHOT_DIR / "html-index.png",
             SCREENSHOT_WIDGET_PAGE: SCREENSHOT_DIR / f"html-{SCREENSHOT_WIDGET_PAGE}.png"}
    t0 = time.monotonic()
    results = _render_all(browser, jobs, shots)
    print(f"\n{len(jobs)} pages read in {time.monotonic() - t0:.1f} s: " + ", ".join(
        f"{name} {r.seconds:.1f} s" for name, r in results.items()))
    return results


def _check_common(r: Rendered, page_file: Path, root: Path) -> dict:
    assert not r.error, r.error
    assert r.log == [], "console errors / failed requests:\n" + "\n".join(r.log)
    assert _outside_requests(r.requests, root) == []
    got = r.state
    assert got["mathjax"], "MathJax did not start"
    assert got["texErrors"] == [], f"TeX errors: {got['texErrors']}"
    assert got["rawTex"] == [], "TeX left as source in the rendered text:\n" + "\n".join(
        got["rawTex"])
    assert got["warnings"] == [], f"the page shows warnings: {got['warnings']}"
    assert _broken_links(got["links"], page_file, root) == []
    assert _network_refs(page_file.read_text(encoding="utf-8")) == []
    return got


@pytest.mark.browser
@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_page(nb_path, site, rendered):
    root, lessons = site
    page_file = root / lessons[nb_path.stem].page
    want = _expected(nb_path)
    got = _check_common(rendered[nb_path.stem], page_file, root)
    # Equations
    if want["math"]:
        assert got["equations"] > 0, "the markdown has math but nothing was typeset"
    assert got["latexUntypeset"] == 0, f"{got['latexUntypeset']} text/latex outputs not typeset"
    # Widgets: all drawn, in their stored state, controls disabled
    assert got["widgetViews"] == want["views"]
    assert got["widgetsDrawn"] == want["views"]
    assert got["sliders"] == want["sliders"]
    assert got["slidersEnabled"] == 0 and got["controlsEnabled"] == []
    assert got["outputsWithImage"] == want["outputs_with_image"]
    # Every image, widget images included, has alt text
    assert got["imagesWithoutAlt"] == []
    # The banner says what this is and links back
    assert got["banner"], "no banner linking back to index.html"
    assert "Static copy" in rendered[nb_path.stem].text


@pytest.mark.browser
def test_index_page(site, rendered):
    root, lessons = site
    r = rendered["index"]
    got = _check_common(r, root / "index.html", root)
    ordered = [lessons[p.stem] for p in NOTEBOOKS]
    assert [a["href"] for a in got["lessonLinks"]] == [lesson.page for lesson in ordered]
    for link, lesson in zip(got["lessonLinks"], ordered):
        assert (root / link["href"]).is_file()
        if "$" in lesson.title:
            assert link["math"], f"the title of {lesson.page} was not typeset"
        else:
            assert link["text"] == lesson.title
    assert "static copy" in r.text and "make lab" in r.text and "do not recompute" in r.text


@pytest.mark.browser
def test_site_is_self_contained(site):
    """Every file a page can need is in the site folder: the _static files, no symlinks out."""
    root, lessons = site
    static = root / "_static"
    for name in make_html.STATIC_FILES:
        assert (static / name).is_file() and not (static / name).is_symlink()
    assert sorted(p.name for p in root.glob("*.html")) == sorted(
        ["index.html", *(lesson.page for lesson in lessons.values())])
    manifest = json.loads((ROOT / "web" / "package.json").read_text())["dependencies"]
    assert set(make_html.PINNED_PACKAGES) == set(manifest)
