r"""Whole-course timings: each notebook's Run-All, the whole nbval run, and widget latency.

1. **Run-All** of every notebook in a fresh ``python3`` kernel, as *Run → Run All Cells* after
   the kernel has started: from the first cell's ``execute_input`` to the last cell's
   ``execute_reply`` (nbclient's own per-cell timestamps). Target: at most 5 s each (issue 15:
   a lesson restarted and run at the start of a class must be ready at once).
2. **Widget latency, kernel side.** After the notebook's own cells, one extra cell (in a copy;
   the notebook file is never written) finds every panel the lesson made (an ``ipywidgets.VBox``
   with a ``refresh`` method, see :mod:`course_lib.widgets`), moves its first control through
   up to 12 values and times each change: the observer runs the computation, redraws, and
   encodes the PNG it sends to the browser. Median per widget; target ≤ 250 ms, a reply that
   still feels immediate when a slider is released. (The in-place update + draw of lesson 06's
   drag-driven panels, without the PNG, is held to 50 ms by bench_widgets.py.)
3. **The whole nbval run**: ``pytest notebooks`` with the project's nbval options (strict
   comparison of every stored output), wall clock. Target: under 90 s.

Run:  python benchmarks/bench_notebooks.py [--skip-nbval] [NOTEBOOK ...]
Times are wall clock and depend on the machine and on what else it is doing (the load average
is printed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
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
LATENCY_TARGET_MS = 250.0
MARKER = "BENCH_WIDGET_LATENCY "

# Appended to a copy of each notebook: time every panel's first control (see the docstring).
LATENCY_CELL = r'''
import json as _json
import statistics as _statistics
import time as _time

import ipywidgets as _ipw


def _control_values(control, count=12):
    if isinstance(control, _ipw.Dropdown | _ipw.ToggleButtons | _ipw.RadioButtons):
        options = [v for _, v in control.options] if isinstance(control.options[0], tuple) \
            else list(control.options)
        return (options * count)[:count]
    low, high = control.min, control.max
    values = [low + (high - low) * k / (count - 1) for k in range(count)]
    return [type(control.value)(round(v)) if isinstance(control.value, int) else v
            for v in values]


_latency, _seen = {}, set()
for _name, _box in list(globals().items()):
    if (_name.startswith("_") or id(_box) in _seen
            or not (isinstance(_box, _ipw.VBox) and callable(getattr(_box, "refresh", None)))):
        continue  # not a panel, or IPython's output history (_17) naming one already seen
    _seen.add(id(_box))
    _controls = [c for c in _box.children[0].children
                 if isinstance(c, _ipw.ValueWidget) and not isinstance(c, _ipw.Play)]
    _control = _controls[0]
    _start, _times = _control.value, []
    for _value in _control_values(_control):
        if _value == _control.value:
            continue
        _t = _time.perf_counter()
        _control.value = _value  # the observer recomputes, redraws and displays the PNG
        _times.append(_time.perf_counter() - _t)
    _control.value = _start
    _latency[_name] = {"control": _control.description, "changes": len(_times),
                       "median_ms": 1e3 * _statistics.median(_times),
                       "max_ms": 1e3 * max(_times)}
print("BENCH_WIDGET_LATENCY " + _json.dumps(_latency))
'''


def _timestamp(cell, key: str) -> dt.datetime:
    return dt.datetime.fromisoformat(cell.metadata["execution"][key].replace("Z", "+00:00"))


def time_notebook(path: Path, workdir: Path) -> dict:
    r"""Run a copy of ``path`` with the latency cell appended; return its timings."""
    nb = nbformat.read(path, as_version=4)
    own = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(LATENCY_CELL))
    copy = workdir / path.name
    nbformat.write(nb, copy)
    try:  # captured: the kernels' shutdown chatter stays out of the table
        wall = run_in_child(copy, copy, capture=True)
    except subprocess.CalledProcessError as err:
        raise RuntimeError(f"{path.name} failed to run:\n{err.stderr[-3000:]}") from None
    done = nbformat.read(copy, as_version=4)
    code = [c for c in done.cells[:own] if c.cell_type == "code"]
    run_all = (_timestamp(code[-1], "shell.execute_reply")
               - _timestamp(code[0], "iopub.execute_input")).total_seconds()
    slowest = max(code, key=lambda c: (_timestamp(c, "shell.execute_reply")
                                       - _timestamp(c, "iopub.execute_input")))
    slowest_s = (_timestamp(slowest, "shell.execute_reply")
                 - _timestamp(slowest, "iopub.execute_input")).total_seconds()
    latency = {}
    for out in done.cells[-1].outputs:
        for line in out.get("text", "").splitlines():
            if line.startswith(MARKER):
                latency = json.loads(line[len(MARKER):])
    return {"run_all": run_all, "wall": wall, "slowest_cell": (code.index(slowest), slowest_s),
            "latency": latency}


def live_widgets() -> set[str]:
    r"""Names of the course_lib.widgets constructors built on ``live_panel`` (in-place updates)."""
    import inspect

    from course_lib import widgets

    return {name for name, fn in vars(widgets).items()
            if inspect.isfunction(fn) and name.endswith(("explorer", "stepper"))
            and "live_panel(" in inspect.getsource(fn)}


def nbval_seconds() -> float:
    r"""Wall clock of the whole strict nbval run (the project's pytest options)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "notebooks", "-q"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def constructor_of(path: Path, variable: str) -> str:
    r"""The ``widgets.<constructor>`` a notebook assigned to ``variable``."""
    for cell in nbformat.read(path, as_version=4).cells:
        for line in cell.source.splitlines():
            if line.replace(" ", "").startswith(f"{variable}=widgets."):
                return line.split("widgets.", 1)[1].split("(", 1)[0]
    return "?"


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        default=sorted((ROOT / "notebooks").glob("*.ipynb")))
    parser.add_argument("--skip-nbval", action="store_true", help="leave out the nbval run")
    args = parser.parse_args(argv)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"notebook timings (fresh kernel each; load average {load})\n")
    live = live_widgets()
    targets, latency_rows = [], []
    print(f"{'notebook':<34} {'Run-All s':>9} {'with kernel start s':>20}  slowest cell")
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.notebooks:
            t = time_notebook(path, Path(tmp))
            index, seconds = t["slowest_cell"]
            print(f"{path.stem:<34} {t['run_all']:>9.1f} {t['wall']:>20.1f}  "
                  f"code cell {index}: {seconds:.1f} s")
            targets.append(Target(f"Run-All {path.stem}", f"≤ {RUN_ALL_TARGET_S:.0f} s",
                                  f"{t['run_all']:.1f} s", t["run_all"] <= RUN_ALL_TARGET_S))
            for name, lat in t["latency"].items():
                kind = constructor_of(path, name)
                kind += " (live)" if kind in live else ""
                latency_rows.append((path.stem[:2], name, kind, lat, LATENCY_TARGET_MS))
    print(f"\nwidget latency, kernel side (control change → recompute → redraw → PNG)\n"
          f"{'nb':<3} {'widget':<22} {'constructor':<35} {'control':<14} {'median ms':>9} "
          f"{'max ms':>7}  target")
    for nb, name, kind, lat, limit in latency_rows:
        print(f"{nb:<3} {name:<22} {kind:<35} {lat['control']:<14} {lat['median_ms']:>9.1f} "
              f"{lat['max_ms']:>7.1f}  ≤ {limit:.0f} ms")
        targets.append(Target(f"widget {nb} {name} ({lat['control']})", f"≤ {limit:.0f} ms",
                              f"{lat['median_ms']:.0f} ms (median)",
                              lat["median_ms"] <= limit))
    if not args.skip_nbval:
        seconds = nbval_seconds()
        print(f"\nwhole nbval run (pytest notebooks, strict): {seconds:.1f} s")
        targets.append(Target("whole nbval run (11 notebooks)", f"< {NBVAL_TARGET_S:.0f} s",
                              f"{seconds:.0f} s", seconds < NBVAL_TARGET_S))
    return targets


if __name__ == "__main__":
    main()
