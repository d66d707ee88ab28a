r"""Whole-course timings: each notebook's Run-All, the whole nbval run, and widget latency.

1. **Run-All** of every notebook in a fresh ``python3`` kernel, as *Run → Run All Cells* after
   the kernel has started: from the first cell's ``execute_input`` to the last cell's
   ``execute_reply`` (nbclient's own per-cell timestamps), less the probe cells below. Each
   notebook is run ``--repeat`` times (3 by default), each time in a new kernel, and the
   fastest run is the figure compared with the target, as ``timeit`` reports the best of its
   repeats: on a shared 2-core machine the same notebook's Run-All varies by a factor of about
   1.5 from one minute to the next (measured), and the slower runs measure the neighbours, not
   the notebook. Every run is printed. Target: at most 5 s each (issue 15: a lesson restarted
   and run at the start of a class must be ready at once).
2. **Widget latency, kernel side, of every widget cell.** A *widget cell* is found by reading
   the notebook (:func:`widget_cells`): a code cell whose stored outputs hold a widget view, or
   whose source builds one (``widgets.…(``, ``ipywidgets``, ``interact``). In a copy (the
   notebook file is never written), a probe cell after each widget cell collects the panels
   that cell made — every live ipywidgets instance that is a course panel (an
   ``ipywidgets.VBox`` with a ``refresh`` method, see :mod:`course_lib.widgets`) or an
   ``ipywidgets.interactive`` — and one last cell moves every control of every panel through
   up to 8 values, timing each change: the observer runs the computation, redraws, and encodes
   the PNG it sends to the browser. Median per control, as process CPU time and wall clock;
   target ≤ 50 ms CPU (issue 19), the same as bench_widgets.py. A widget cell that made no
   panel the bench can drive is reported as a target not met.
3. **The whole nbval run**: ``pytest notebooks`` with the project's nbval options (strict
   comparison of every stored output), wall clock. Target: under 90 s.

Run:  python benchmarks/bench_notebooks.py [--skip-nbval] [--repeat N] [NOTEBOOK ...]
Times depend on the machine and on what else it is doing (the load average is printed); the
CPU time beside the wall clock is the less disturbed of the two.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from run_notebooks import run_in_child  # noqa: E402
from targets import Target  # noqa: E402

RUN_ALL_TARGET_S = 5.0
NBVAL_TARGET_S = 90.0
LATENCY_TARGET_MS = 50.0
MARKER = "BENCH_WIDGET_LATENCY "
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BUILDS_A_WIDGET = re.compile(r"\bwidgets\.\w+\(|\bipywidgets\b|\binteract(ive)?\(")

# Inserted once before the notebook's own cells: the probe's bookkeeping.
SETUP_CELL = r"""
import ipywidgets as _bench_ipw
from ipywidgets.widgets import widget as _bench_widget


def _bench_is_panel(w):
    return isinstance(w, _bench_ipw.interactive) or (
        isinstance(w, _bench_ipw.VBox) and callable(getattr(w, "refresh", None)))


_bench_seen = {id(w) for w in list(_bench_widget._instances.values())}
_bench_panels = []  # (cell index, panel)


def _bench_probe(cell):
    for w in list(_bench_widget._instances.values()):
        if id(w) not in _bench_seen:
            _bench_seen.add(id(w))
            if _bench_is_panel(w):
                _bench_panels.append((cell, w))
"""

# Appended at the end: time every control of every panel found (see the docstring).
LATENCY_CELL = r"""
import json as _json
import statistics as _statistics
import time as _time


def _bench_values(control, count=8):
    if isinstance(control, _bench_ipw.Dropdown | _bench_ipw.ToggleButtons
                  | _bench_ipw.RadioButtons | _bench_ipw.Select):
        options = [v for _, v in control.options] if isinstance(control.options[0], tuple) \
            else list(control.options)
        return (options * count)[:count]
    if isinstance(control, _bench_ipw.Checkbox | _bench_ipw.ToggleButton):
        return [not control.value, control.value] * (count // 2)
    low, high = control.min, control.max
    values = [low + (high - low) * k / (count - 1) for k in range(count)]
    return [type(control.value)(round(v)) if isinstance(control.value, int) else v
            for v in values]


def _bench_controls(panel):
    children = (panel.children if isinstance(panel, _bench_ipw.interactive)
                else panel.children[0].children)
    return [c for c in children if isinstance(c, _bench_ipw.ValueWidget)
            and not isinstance(c, _bench_ipw.Play | _bench_ipw.Output)
            and (hasattr(c, "min") or hasattr(c, "options") or isinstance(c.value, bool))]


_latency = []
for _cell, _panel in _bench_panels:
    for _control in _bench_controls(_panel):
        _start, _wall, _cpu = _control.value, [], []
        for _value in _bench_values(_control):
            if _value == _control.value:
                continue
            _t, _c = _time.perf_counter(), _time.process_time()
            _control.value = _value  # the observer recomputes, redraws and displays the PNG
            _wall.append(_time.perf_counter() - _t)
            _cpu.append(_time.process_time() - _c)
        _control.value = _start
        if _wall:
            _latency.append({"cell": _cell, "panel": type(_panel).__name__,
                             "control": _control.description, "changes": len(_wall),
                             "cpu_ms": 1e3 * _statistics.median(_cpu),
                             "wall_ms": 1e3 * _statistics.median(_wall),
                             "max_wall_ms": 1e3 * max(_wall)})
print("BENCH_WIDGET_LATENCY " + _json.dumps(_latency))
"""


def widget_cells(nb) -> dict[int, str]:
    r"""The notebook's widget cells: ``{code-cell index: what builds the widget}``.

    A code cell is one if a stored output holds a widget view or its source builds a widget
    (``widgets.<name>(``, ``ipywidgets``, ``interact(``); the label is the first
    ``widgets.<name>`` it calls (``"?"`` if none). Indices count code cells only.
    """
    found = {}
    code = [c for c in nb.cells if c.cell_type == "code"]
    for k, cell in enumerate(code):
        shows = any(WIDGET_VIEW in out.get("data", {}) for out in cell.get("outputs", []))
        builds = BUILDS_A_WIDGET.search(cell.source)
        if shows or builds:
            called = re.search(r"\bwidgets\.(\w+)\(", cell.source)
            found[k] = called.group(1) if called else ("interact" if builds else "?")
    return found


def _timestamp(cell, key: str) -> dt.datetime:
    return dt.datetime.fromisoformat(cell.metadata["execution"][key].replace("Z", "+00:00"))


def _seconds(cell) -> float:
    return (_timestamp(cell, "shell.execute_reply")
            - _timestamp(cell, "iopub.execute_input")).total_seconds()


def _run_all(code: list) -> float:
    r"""Run-All of executed code cells: the first one's execute_input to the last one's reply."""
    return (_timestamp(code[-1], "shell.execute_reply")
            - _timestamp(code[0], "iopub.execute_input")).total_seconds()


def time_notebook(path: Path, workdir: Path) -> dict:
    r"""Run a copy of ``path`` with the probe and latency cells; return its timings."""
    nb = nbformat.read(path, as_version=4)
    cells = widget_cells(nb)
    copy_cells, own, k = [nbformat.v4.new_code_cell(SETUP_CELL)], [], 0
    for cell in nb.cells:
        copy_cells.append(cell)
        if cell.cell_type != "code":
            continue
        own.append(cell)
        if k in cells:
            copy_cells.append(nbformat.v4.new_code_cell(f"_bench_probe({k})"))
        k += 1
    copy_cells.append(nbformat.v4.new_code_cell(LATENCY_CELL))
    nb.cells = copy_cells
    copy = workdir / path.name
    nbformat.write(nb, copy)
    try:  # captured: the kernels' shutdown chatter stays out of the table
        wall = run_in_child(copy, copy, capture=True)
    except subprocess.CalledProcessError as err:
        raise RuntimeError(f"{path.name} failed to run:\n{err.stderr[-3000:]}") from None
    done = [c for c in nbformat.read(copy, as_version=4).cells if c.cell_type == "code"]
    probes = [c for c in done if c.source.startswith("_bench_probe(")]
    code = [c for c in done[1:-1] if not c.source.startswith("_bench_probe(")]
    run_all = _run_all(code) - sum(_seconds(c) for c in probes)
    slowest = max(range(len(code)), key=lambda i: _seconds(code[i]))
    latency = []
    for out in done[-1].outputs:
        for line in out.get("text", "").splitlines():
            if line.startswith(MARKER):
                latency = json.loads(line[len(MARKER):])
    return {"run_all": run_all, "wall": wall, "slowest_cell": (slowest, _seconds(code[slowest])),
            "latency": latency, "widget_cells": cells}


def run_all_seconds(path: Path, workdir: Path) -> float:
    r"""One more Run-All of ``path`` in a fresh kernel, as it stands (no probes), in seconds."""
    copy = workdir / f"plain-{path.name}"
    copy.write_bytes(path.read_bytes())
    try:
        run_in_child(copy, copy, capture=True)
    except subprocess.CalledProcessError as err:
        raise RuntimeError(f"{path.name} failed to run:\n{err.stderr[-3000:]}") from None
    return _run_all([c for c in nbformat.read(copy, as_version=4).cells if c.cell_type == "code"])


def nbval_seconds() -> float:
    r"""Wall clock of the whole strict nbval run (the project's pytest options)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "notebooks", "-q"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        default=sorted((ROOT / "notebooks").glob("*.ipynb")))
    parser.add_argument("--skip-nbval", action="store_true", help="leave out the nbval run")
    parser.add_argument("--repeat", type=int, default=3,
                        help="Run-Alls per notebook, each in a new kernel; the fastest counts")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"notebook timings (fresh kernel each; load average {load})\n")
    targets, latency_rows = [], []
    print(f"{'notebook':<34} {'Run-All s (best)':>16} {'every run s':>18} "
          f"{'with kernel start s':>20}  slowest cell")
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.notebooks:
            t = time_notebook(path, Path(tmp))
            runs = [t["run_all"]] + [run_all_seconds(path, Path(tmp))
                                     for _ in range(args.repeat - 1)]
            best = min(runs)
            index, seconds = t["slowest_cell"]
            print(f"{path.stem:<34} {best:>16.1f} {', '.join(f'{r:.1f}' for r in runs):>18} "
                  f"{t['wall']:>20.1f}  code cell {index}: {seconds:.1f} s")
            targets.append(Target(f"Run-All {path.stem}", f"≤ {RUN_ALL_TARGET_S:.0f} s",
                                  f"{best:.1f} s (best of {len(runs)}: "
                                  f"{', '.join(f'{r:.1f}' for r in runs)})",
                                  best <= RUN_ALL_TARGET_S))
            timed = {row["cell"] for row in t["latency"]}
            for cell, kind in t["widget_cells"].items():
                if cell not in timed:  # a widget the bench cannot drive is a finding, not a skip
                    targets.append(Target(f"widget {path.stem[:2]} code cell {cell} ({kind})",
                                          "a panel to time", "no panel found", False))
            for row in t["latency"]:
                kind = t["widget_cells"].get(row["cell"], "?")
                latency_rows.append((path.stem[:2], kind, row))
    print(f"\nwidget latency, kernel side (control change → recompute → redraw → PNG), every "
          f"control of every widget cell\n"
          f"{'nb':<3} {'cell':>4} {'constructor':<30} {'control':<14} {'cpu ms':>7} "
          f"{'wall ms':>8} {'max wall':>8}  target")
    for nb, kind, row in latency_rows:
        print(f"{nb:<3} {row['cell']:>4} {kind:<30} {row['control']:<14} {row['cpu_ms']:>7.1f} "
              f"{row['wall_ms']:>8.1f} {row['max_wall_ms']:>8.1f}  ≤ {LATENCY_TARGET_MS:.0f} ms")
        targets.append(Target(f"widget {nb} {kind} ({row['control']})",
                              f"≤ {LATENCY_TARGET_MS:.0f} ms CPU",
                              f"{row['cpu_ms']:.0f} ms CPU, {row['wall_ms']:.0f} ms wall (median)",
                              row["cpu_ms"] <= LATENCY_TARGET_MS))
    if not args.skip_nbval:
        seconds = nbval_seconds()
        print(f"\nwhole nbval run (pytest notebooks, strict): {seconds:.1f} s")
        count = len(list((ROOT / "notebooks").glob("*.ipynb")))
        targets.append(Target(f"whole nbval run ({count} notebooks)", f"< {NBVAL_TARGET_S:.0f} s",
                              f"{seconds:.0f} s", seconds < NBVAL_TARGET_S))
    return targets


if __name__ == "__main__":
    main()
