r"""Export the executed notebooks to a static HTML site that reads offline.

    python tools/make_html.py [OUT]          (what `make html` runs; OUT defaults to html/)

Writes ``OUT/index.html`` (the course title and one line per lesson), one ``OUT/<stem>.html`` per
``notebooks/*.ipynb`` and ``OUT/_static/`` with every script the pages load, so the folder can be
opened from disk (``file://``) or zipped and handed out. Nothing is fetched from the network when
a page is read.

- The notebooks are *not* re-executed: the pages show the outputs stored in the ``.ipynb`` files
  (nbval keeps those current), exported with ``tools/html_template/course_page``: nbconvert's
  ``lab`` template *extended* (its ``conf.json`` names ``lab`` as ``base_template`` and its
  ``index.html.j2`` says ``{% extends 'lab/index.html.j2' %}``), replacing or wrapping only the
  blocks it changes, so nothing is copied from nbconvert to drift on an upgrade. Code cells skip
  bleach through this tool's ``clean_html`` filter (pygments' output, verified), not a copied block.
- Alt text: every image says what it shows. A figure's ``text/plain`` is its description when it
  is one (figures drawn after ``plots.describe_figures()``), else the alt text is a caption from
  the cell (the section heading and the cell's first comment); images inside widgets get theirs
  in the browser from the same descriptions (describe_images).
- Widgets: the stored widget state (``metadata.widgets``) is embedded in the page and drawn by the
  ipywidgets HTML manager (``embed-amd.js`` with ``require.js``), so each widget shows the
  controls and the output it had when the notebook was last run. There is no kernel, so nothing
  recomputes: the controls are embedded *disabled* (greyed out) and a banner on every page says so
  and points to ``make lab``. A widget that cannot be drawn (state missing, a widget library
  other than ipywidgets' own, JavaScript off, a missing ``_static`` file) is reported in the
  banner and in place of the widget instead of leaving a silent blank.
- Equations: MathJax 3 with SVG output (``tex-svg-full.js``: one file, every TeX extension
  inside, nothing loaded on demand). SVG output draws glyphs as paths, so it loads no web fonts,
  which browsers restrict on ``file://`` pages in differing ways. nbconvert's template configures
  MathJax 2 (``MathJax.Hub``), so the course template replaces that block with a MathJax 3
  configuration using the same delimiters (``$…$``, ``$$…$$``, ``\(…\)``, ``\[…\]``,
  environments, AMS numbering) and a small ``MathJax.Hub.Queue`` shim, which the widget manager
  calls to typeset widget labels. If MathJax does not load, the banner says that the equations
  show as TeX source.
- Inline math broken over a line that markdown would read as a list item (``$a\n+ b$``) is joined
  before export (JupyterLab renders it, nbconvert would not; see join_split_inline_math).
- Links between notebooks (``01_….ipynb``) are rewritten to the exported pages (``01_….html``).
- An output folder written by this tool before is emptied first; any other non-empty one is
  refused.

The browser files come from ``web/node_modules`` (``npm ci`` in ``web/``, pinned by
``web/package-lock.json``; the Makefile does this once). tests/test_html.py builds the site and
reads every page in headless Chromium.
"""

from __future__ import annotations

import copy
import functools
import html
import json
import multiprocessing
import os
import re
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import site_build  # tools/ is on the path: these tools are scripts, not a package
from site_build import BuildError, clear_output, mark_output

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NODE_MODULES = ROOT / "web" / "node_modules"
# The page template: a folder nbconvert finds by name, extending its ``lab`` template.
TEMPLATE_DIR = ROOT / "tools" / "html_template"
TEMPLATE_NAME = "course_page"
COURSE_TITLE = "Backprop as Linear Algebra"

# Files copied into OUT/_static: name there -> path under web/node_modules.
STATIC_FILES = {
    "require.js": "requirejs/require.js",
    "tex-svg-full.js": "mathjax/es5/tex-svg-full.js",
    "embed-amd.js": "@jupyter-widgets/html-manager/dist/embed-amd.js",
}
# Next to embed-amd.js: the Font Awesome fonts its CSS refers to (icons of Play/Button widgets);
# the .eot/.ttf/.svg fallbacks for old browsers are left out.
WIDGET_FONT_SUFFIXES = (".woff2", ".woff")  # every current browser reads woff2
# The packages (and versions) web/package.json pins; checked against what npm installed.
PINNED_PACKAGES = ("@jupyter-widgets/html-manager", "mathjax", "requirejs")

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Widget libraries the HTML manager has built in; any other would be fetched from a CDN.
BUILTIN_WIDGET_MODULES = {"@jupyter-widgets/base", "@jupyter-widgets/controls",
                          "@jupyter-widgets/output"}

HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


class SiteError(BuildError):
    r"""The site cannot be built (browser files not installed, a notebook never executed, ...)."""


@dataclass
class Lesson:
    r"""One exported notebook: where it came from, its page, and what its widgets need."""

    source: Path
    page: str
    title: str
    n_widget_views: int = 0
    problems: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- notebooks


def notebook_title(nb) -> str:
    r"""The text of the first markdown heading (``# 03 · The Lagrange matrix $A = J^\top - I$``)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = HEADING.search(cell.source)
            if m:
                return m.group(1)
    raise SiteError("no markdown heading to take the title from")


def plain_text(title: str) -> str:
    r"""A title without TeX markup, for ``<title>`` (``$A = J^\top - I$`` -> ``A = Jᵀ − I``)."""
    text = title.replace("^\\top", "ᵀ").replace("^T", "ᵀ").replace("$", "")
    text = re.sub(r"\\([a-zA-Z]+)", r"\1", text)
    return text.replace(" - ", " − ").replace("{", "").replace("}", "")


def widget_refs(value) -> set[str]:
    r"""Model ids a piece of widget state refers to (``"IPY_MODEL_<id>"`` strings, nested)."""
    if isinstance(value, str):
        return {value[len("IPY_MODEL_"):]} if value.startswith("IPY_MODEL_") else set()
    if isinstance(value, dict):
        return set().union(*(widget_refs(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(widget_refs(v) for v in value)) if value else set()
    return set()


def widget_views(nb) -> list[str]:
    r"""Model ids of the widget views in the stored outputs, in notebook order."""
    return [out.data[WIDGET_VIEW]["model_id"]
            for cell in nb.cells if cell.cell_type == "code"
            for out in cell.get("outputs", [])
            if WIDGET_VIEW in out.get("data", {})]


def displayed_models(state: dict, view_ids) -> set[str]:
    r"""Every model a displayed view needs: the views' models and everything they refer to."""
    seen: set[str] = set()
    todo = list(view_ids)
    while todo:
        mid = todo.pop()
        if mid in seen or mid not in state:
            continue
        seen.add(mid)
        todo.extend(widget_refs(state[mid].get("state", {})))
    return seen


def check_widgets(nb) -> tuple[int, list[str]]:
    r"""(number of widget views, problems that would leave a widget blank in a static page)."""
    views = widget_views(nb)
    if not views:
        return 0, []
    problems = []
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state")
    if not state:
        return len(views), ["the notebook stores no widget state (re-run it with `make notebooks`)"]
    missing = [v for v in views if v not in state]
    if missing:
        problems.append(f"{len(missing)} of {len(views)} widget views have no stored state")
    foreign = sorted({m.get("model_module", "?") for m in state.values()}
                     - BUILTIN_WIDGET_MODULES)
    if foreign:
        problems.append("widget libraries not available offline: " + ", ".join(foreign))
    return len(views), problems


# A line that markdown reads as the start of a new block (list item, quote, heading, setext
# underline, table row); see join_split_inline_math.
BLOCK_START = re.compile(r"[ \t]{0,3}(?:[-+*][ \t]|\d{1,9}[.)][ \t]|>|#{1,6}[ \t]|[=-]+[ \t]*$|\|)")
FENCE = re.compile(r"[ \t]{0,3}(```|~~~)")


def _inline_math_open(line: str, is_open: bool) -> bool:
    r"""Whether an inline ``$…$`` is still open at the end of ``line`` (``$$``, ``\$``, code skipped)."""
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c == "`" and not is_open:
            ticks = len(line[i:]) - len(line[i:].lstrip("`"))
            end = line.find("`" * ticks, i + ticks)
            i = n if end < 0 else end + ticks
            continue
        if c == "$":
            if line.startswith("$$", i):
                i += 2  # display math: nbconvert protects it at block level already
                continue
            is_open = not is_open
        i += 1
    return is_open


def join_split_inline_math(source: str) -> str:
    r"""Join a line that continues an inline ``$…$`` but would start a markdown block.

    JupyterLab takes the math out before parsing markdown; nbconvert's parser finds inline math
    only inside a paragraph, so in ``$a = b\n+ c$`` the ``+ c$`` line becomes a list item and the
    TeX shows raw. Joining that line to the previous one (a space instead of the line break)
    changes neither the TeX nor the paragraph.
    """
    lines = source.split("\n")
    out: list[str] = []
    is_open = in_fence = False
    for line in lines:
        if FENCE.match(line):
            in_fence = not in_fence
            is_open = False
        elif not in_fence and not line.strip():
            is_open = False  # a blank line ends the paragraph, and any math in it
        elif not in_fence and is_open and out and BLOCK_START.match(line):
            out[-1] += " " + line.lstrip()
            is_open = _inline_math_open(line, is_open)
            continue
        elif not in_fence:
            is_open = _inline_math_open(line, is_open)
        out.append(line)
    return "\n".join(out)


# A figure's text/plain that says nothing about what it shows (see /work/notes/figure_alt.md:
# figures made after `plots.describe_figures()` carry a description there instead).
GENERIC_PLAIN = re.compile(r"^<(Figure size \d+x\d+ with \d+ Axes?|IPython\.core\.display\.Image "
                           r"object|matplotlib\.[\w.]+ object at [^>]*)>$")
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")


def plain_of(output) -> str:
    text = output.get("data", {}).get("text/plain", "")
    return ("".join(text) if isinstance(text, list) else text).strip()


def caption_of(cell, heading: str | None) -> str:
    r"""A caption-like alt text from the cell when its figure describes nothing: the section it
    is in and the cell's first plain comment (``# NBVAL_…`` markers skipped)."""
    comment = next((line.lstrip("# ").strip() for line in cell.source.splitlines()
                    if line.startswith("#") and "NBVAL" not in line
                    and line.lstrip("# ").strip()), "")
    text = f"Figure in “{heading}”" if heading else "Figure"
    return f"{text}: {comment}" if comment else text


def image_alt(output, cell, heading: str | None) -> str:
    r"""What the image of ``output`` shows: its text/plain when that is a description (not
    matplotlib's ``<Figure size …>``), else a caption from the cell (caption_of)."""
    plain = plain_of(output)
    if plain and not GENERIC_PLAIN.match(plain):
        return plain
    return caption_of(cell, heading)


def data_url_key(mime: str, b64: str) -> str:
    r"""How the page's script finds a widget image's alt text: the ``data:`` URL's length and
    last 40 characters (the whole URL would double the page)."""
    url = f"data:{mime};base64,{b64}"
    return f"{len(url)}:{url[-40:]}"


def describe_images(nb) -> dict[str, str]:
    r"""Give every image output of ``nb`` its alt text (``output.metadata["course_alt"]``, read by
    the template); return ``{data_url_key: alt}`` for the images inside Output widgets, which
    the widget manager draws in the browser."""
    heading = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = HEADING.findall(cell.source)
            heading = plain_text(found[-1]) if found else heading
            continue
        for output in cell.get("outputs", []):
            if any(m in output.get("data", {}) for m in IMAGE_MIMES):
                output.setdefault("metadata", {})["course_alt"] = image_alt(output, cell, heading)
    widget_alts = {}
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for model in state.values():
        for output in model.get("state", {}).get("outputs", []) or []:
            data = output.get("data", {})
            for mime in ("image/png", "image/jpeg"):
                if mime in data:
                    plain = plain_of(output)
                    alt = plain if plain and not GENERIC_PLAIN.match(plain) else (
                        "Figure drawn by the interactive widget, in its stored state")
                    widget_alts[data_url_key(mime, "".join(data[mime]).strip())] = alt
    return widget_alts


def static_copy(nb):
    r"""A copy of the notebook for export: widget controls disabled (nothing would recompute),
    inline math that markdown would split repaired (see join_split_inline_math), every image
    given its alt text (describe_images; the widget images' map in ``metadata.course_alts``)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = join_split_inline_math(cell.source)
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for model in state.values():
        s = model.get("state", {})
        if "disabled" in s:
            s["disabled"] = True
    nb.metadata["course_alts"] = describe_images(nb)
    return nb


def check_executed(nb, name: str) -> None:
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    if code and all(c.get("execution_count") is None for c in code):
        raise SiteError(f"{name} has no executed cell: run `make notebooks` first")


# --------------------------------------------------------------------------- static files


def copy_static(static: Path, node_modules: Path = NODE_MODULES) -> list[Path]:
    r"""Copy the browser files from ``web/node_modules`` into ``static``; return what was written."""
    missing = [rel for rel in STATIC_FILES.values() if not (node_modules / rel).is_file()]
    if missing:
        raise SiteError(
            f"browser files missing under {node_modules}: {', '.join(missing)}\n"
            "install them with `make html` (runs `npm ci` in web/; needs npm)"
        )
    check_versions(node_modules)
    static.mkdir(parents=True, exist_ok=True)
    written = []
    for name, rel in STATIC_FILES.items():
        written.append(Path(shutil.copyfile(node_modules / rel, static / name)))
    fonts = (node_modules / STATIC_FILES["embed-amd.js"]).parent
    for f in sorted(fonts.iterdir()):
        if f.suffix in WIDGET_FONT_SUFFIXES:
            written.append(Path(shutil.copyfile(f, static / f.name)))
    return written


def check_versions(node_modules: Path = NODE_MODULES) -> None:
    r"""The installed packages must be the versions ``web/package.json`` pins."""
    pins = json.loads((node_modules.parent / "package.json").read_text())["dependencies"]
    for pkg in PINNED_PACKAGES:
        meta = node_modules / pkg / "package.json"
        got = json.loads(meta.read_text())["version"] if meta.is_file() else None
        if got != pins[pkg]:
            raise SiteError(f"web/node_modules has {pkg} {got}, web/package.json pins "
                            f"{pins[pkg]}: run `make html` (it re-runs `npm ci`)")


# --------------------------------------------------------------------------- templates

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
{mathjax}
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 52em;
       margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #222; }}
h1 {{ font-size: 1.8em; margin-bottom: 0.2em; }}
.note {{ background: #fff8e1; border: 1px solid #e0c36c; padding: 0.6em 1em; border-radius: 4px; }}
ol.lessons {{ list-style: none; padding-left: 0; }}
ol.lessons li {{ margin: 0.35em 0; font-size: 1.1em; }}
.widgets {{ color: #666; font-size: 0.85em; }}
.course-warning {{ color: #a40000; font-weight: bold; }}
</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p>Reverse-mode differentiation as the solution of a triangular linear system: eleven lessons,
from a computation written as equations to belief propagation, KL projections and
sum&ndash;product networks.</p>
<div class="note" role="note">
<p><strong>This is a static copy of the course notebooks.</strong> Each page shows the outputs
stored when its notebook was last run: text, equations and figures. Widgets show their stored
state and do not recompute &mdash; their sliders are disabled, because moving one needs a running
Python kernel. For the live notebooks, run <code>make lab</code> in the course repository.</p>
<p>Everything here (MathJax, the widget renderer) is loaded from <code>_static/</code> in this
folder: the pages read offline, straight from disk, and the folder can be zipped and handed out
as it is.
<span id="course-mathjax-status" class="course-warning"></span></p>
<noscript><p class="course-warning">JavaScript is off: equations show as TeX source and widgets
are not drawn.</p></noscript>
</div>
<h2>Lessons</h2>
<ol class="lessons">
{items}
</ol>
</main>
</body>
</html>
"""


# --------------------------------------------------------------------------- export


@functools.cache
def make_exporter():
    r"""nbconvert's HTML exporter with the course's template (``tools/html_template/course_page``:
    nbconvert's ``lab`` template extended, see its conf.json), its filters and local URLs."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        filters={"clean_html": clean_html, "with_alt": with_alt},
        require_js_url="_static/require.js",
        mathjax_url="_static/tex-svg-full.js",
        widget_renderer_url="_static/embed-amd.js",
        embed_images=True,  # markdown images, if any, go into the page
    )


# Pygments' highlighted code: a wrapper and <span class="..."> tags around text it escaped itself.
PYGMENTS_BLOCK = re.compile(r'\s*<div class="highlight[\w -]*"><pre>(.*)</pre></div>\s*', re.DOTALL)
PYGMENTS_TAG = re.compile(r'</?span(?: class="[\w -]*")?>')


def clean_html(element) -> str:
    r"""nbconvert's ``clean_html`` (bleach), except for code that pygments highlighted: that
    holds only ``<span>`` tags around text the highlighter escaped, so it is passed as it is
    (checked here, not assumed). Bleach took a third of the export time on the code cells."""
    from nbconvert.filters import clean_html as bleach_clean

    text = element.decode() if isinstance(element, bytes) else str(element)
    m = PYGMENTS_BLOCK.fullmatch(text)
    if m and "<" not in PYGMENTS_TAG.sub("", m.group(1)):
        return text
    return bleach_clean(text)


IMG_TAG = re.compile(r"<img\b")


def with_alt(html_text: str, alt: str | None) -> str:
    r"""nbconvert's image output with ``alt="…"`` on its ``<img>`` (an existing alt replaced)."""
    alt = html.escape(alt or "Figure", quote=True)
    text = re.sub(r'(<img\b[^>]*?)\s+alt="[^"]*"', r"\1", str(html_text), count=1)
    return IMG_TAG.sub(lambda _: f'<img alt="{alt}"', text, count=1)  # alt may hold "\\"


def rewrite_notebook_links(text: str, stems: set[str]) -> str:
    r"""``href="07_x.ipynb#sec"`` -> ``href="07_x.html#sec"`` for the notebooks being exported."""

    def fix(m: re.Match) -> str:
        stem = m.group(2)
        if stem not in stems:
            return m.group(0)
        return f'{m.group(1)}{stem}.html{m.group(3) or ""}"'

    return re.sub(r'(href=")(?:\./)?([^"/#:]+)\.ipynb(#[^"]*)?"', fix, text)


def nav_html(lessons: list[Lesson], i: int) -> str:
    parts = []
    if i > 0:
        parts.append(f'<a href="{lessons[i - 1].page}" rel="prev">&larr; previous</a>')
    parts.append('<a href="index.html">all lessons</a>')
    if i + 1 < len(lessons):
        parts.append(f'<a href="{lessons[i + 1].page}" rel="next">next &rarr;</a>')
    return " · ".join(parts)


def prepare_output(out: Path) -> None:
    r"""An empty ``out`` this tool owns (see :mod:`site_build`)."""
    clear_output(out, "make_html", SiteError)
    mark_output(out, "make_html")


def export_page(source: Path, target: Path, resources: dict, stems: set[str]) -> Path:
    r"""Export one notebook (its stored outputs, controls disabled) to the HTML page ``target``."""
    nb = static_copy(nbformat.read(source, as_version=4))
    nb.metadata["title"] = resources["course"]["title"]
    resources = {"metadata": {"name": source.stem, "path": str(source.parent)}, **resources,
                 "course": {**resources["course"], "widget_alts": nb.metadata.pop("course_alts"),
                            "course_title": COURSE_TITLE}}
    body, _ = make_exporter().from_notebook_node(nb, resources=resources)
    target.write_text(rewrite_notebook_links(body, stems), encoding="utf-8")
    return target


def build_site(out: Path, notebooks: list[Path] | None = None,
               node_modules: Path = NODE_MODULES, jobs: int | None = None) -> list[Lesson]:
    r"""Write the site to ``out`` (index.html, one page per notebook, _static/); return lessons.

    nbconvert needs 1-4 s per page here, so the pages are exported by ``jobs`` processes
    (default: one per CPU).
    """
    notebooks = sorted(NOTEBOOKS.glob("*.ipynb")) if notebooks is None else list(notebooks)
    if not notebooks:
        raise SiteError("no notebooks to export")
    out = Path(out)
    prepare_output(out)
    copy_static(out / "_static", node_modules)

    lessons = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        check_executed(nb, path.name)
        try:
            title = notebook_title(nb)
        except SiteError as exc:
            raise SiteError(f"{path.name}: {exc}") from None
        n_views, problems = check_widgets(nb)
        lessons.append(Lesson(path, f"{path.stem}.html", title, n_views, problems))

    stems = {p.stem for p in notebooks}
    tasks = []
    for i, lesson in enumerate(lessons):
        resources = {"course": {
            "title": plain_text(lesson.title),
            "nav": nav_html(lessons, i),
            "n_widget_views": lesson.n_widget_views,
            "problems": lesson.problems,
        }}
        tasks.append((lesson.source, out / lesson.page, resources, stems))
    jobs = min(len(tasks), jobs or os.cpu_count() or 1)
    if jobs == 1:
        for task in tasks:
            export_page(*task)
    else:
        # spawn, not fork: the caller may be a test process with threads (a browser driver).
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
            for future in [pool.submit(export_page, *task) for task in tasks]:
                future.result()

    (out / "index.html").write_text(index_html(lessons), encoding="utf-8")
    return lessons


def mathjax_block(url: str) -> str:
    r"""The template's MathJax 3 block (``course_mathjax.html.j2``) for a page written without Jinja."""
    text = (TEMPLATE_DIR / TEMPLATE_NAME / "course_mathjax.html.j2").read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.DOTALL)
    return text.replace("{{ resources.mathjax_url }}", url)


def index_html(lessons: list[Lesson]) -> str:
    items = []
    for lesson in lessons:
        extra = ""
        if lesson.n_widget_views:
            extra = ' <span class="widgets">(widgets: stored state)</span>'
        for p in lesson.problems:
            extra += f' <span class="course-warning">widgets will not render: {html.escape(p)}</span>'
        items.append(f'<li><a href="{html.escape(lesson.page)}">{html.escape(lesson.title)}</a>'
                     f"{extra}</li>")
    mathjax = mathjax_block("_static/tex-svg-full.js")
    return INDEX_TEMPLATE.format(title=html.escape(COURSE_TITLE), mathjax=mathjax.strip(),
                                 items="\n".join(items))


def report(out: Path, lessons: list) -> None:
    for lesson in lessons:
        note = f"  [{'; '.join(lesson.problems)}]" if lesson.problems else ""
        print(f"{out / lesson.page}{note}")
    print(f"{out / 'index.html'}  ({len(lessons)} lessons; open it in a browser)")


def main(argv: list[str]) -> int:
    return site_build.main(argv, "make_html", ROOT / "html", build_site, report)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
