r"""Update latency of lesson 06's live widgets: one control change, redrawn, against 50 ms.

Each widget is built as in notebooks/06_adjoints_converging.ipynb (same graphs, same implicit
layer) on the Agg backend. For every control the benchmark cycles through its values and times

* update + draw   — the widget's ``update(state)`` (what a control change calls) followed by
                    ``figure.canvas.draw()``: the target, ≤ 50 ms (median);
* + PNG           — the same followed by the PNG the notebook's inline backend sends to the
                    browser (``IPython``'s ``print_figure(fig, "png", bbox_inches="tight")``,
                    which draws again to find the tight box); shown for information.

Times are wall clock (``time.perf_counter``), median and 90th percentile over many changes
after a few warm-up changes; ``cpu`` is the median process time, which other programs on a
busy machine do not inflate. Matplotlib's cost is dominated by text (tick labels, node names),
so these widgets keep their text to a minimum and change only colours, line data and titles.

Run:  python benchmarks/bench_widgets.py [--repeats 40]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import time
from collections.abc import Callable, Iterable

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from targets import Target  # noqa: E402

from course_lib import iterative, widgets  # noqa: E402
from course_lib.graph import Graph  # noqa: E402

TARGET_MS = 50.0


def lesson_graphs() -> dict:
    """The four graphs of lesson 06: small network, chain, DenseNet block, random DAG."""
    small = Graph.from_assignments(
        [("z5", "z1*z3"), ("z6", "sigmoid(z5)"), ("z7", "z6*z4"), ("z8", "exp(z7)/(exp(z7) + 1)"),
         ("z9", "-(z2*log(z8) + (1 - z2)*log(1 - z8))")], inputs=["z1", "z2", "z3", "z4"])
    chain = Graph.from_assignments([(f"y{k}", f"sin(y{k - 1})") for k in range(1, 9)], ["y0"])
    w = np.random.default_rng(0).uniform(-1, 1, size=(6, 6)).round(2)
    dense = Graph.from_assignments(
        [(f"d{k}", "sigmoid(" + " + ".join(f"({w[k - 1, j]})*d{j}" for j in range(k)) + ")")
         for k in range(1, 7)], inputs=["d0"])
    pick = np.random.default_rng(0)  # random DAG: each node reads an unread node and another
    names, unread, assignments = ["x1", "x2", "x3"], ["x1", "x2", "x3"], []
    for k in range(1, 10):
        first = unread.pop(int(pick.integers(len(unread))))
        second = pick.choice([name for name in names if name != first])
        if second in unread:
            unread.remove(second)
        op = "tanh({} + {})" if pick.random() < 0.5 else "{}*{}"
        assignments.append((f"v{k}", op.format(first, second)))
        names.append(f"v{k}")
        unread.append(f"v{k}")
    random_dag = Graph.from_assignments(assignments, inputs=["x1", "x2", "x3"])
    return {
        "small network": (small, {"z1": 0.5, "z2": 1.0, "z3": -0.8, "z4": 1.5}, "z9"),
        "chain": (chain, {"y0": 0.7}, "y8"),
        "DenseNet block": (dense, {"d0": 0.5}, "d6"),
        "random DAG": (random_dag, {"x1": 0.3, "x2": -0.6, "x3": 0.8}, "v9"),
    }


def layer_system() -> Callable[[float], tuple[np.ndarray, np.ndarray]]:
    """(J, v) at the fixed point of z = tanh(c W0 z + u), found by Newton's method."""
    rng = np.random.default_rng(1)
    m = 5
    B = rng.normal(size=(m, m))
    S = B @ B.T / m + 0.1 * np.eye(m)
    W0 = -S / iterative.spectral_radius(S)
    u = rng.normal(size=m)

    def system(c: float):
        f, jac = iterative.tanh_layer(c * W0, u)
        z = np.zeros(m)
        for _ in range(20):
            z = z - np.linalg.solve(np.eye(m) - jac(z), z - f(z))
        return jac(z), z - 0.5

    return system


def time_updates(box, states: Iterable[dict], repeats: int, png: bool) -> dict[str, float]:
    """Median and 90th percentile (ms) of update(state) + draw [+ PNG], cycling through states."""
    FigureCanvasAgg(box.figure)  # live_panel closed the figure: give it a drawing canvas again
    states = list(states)
    walls, cpus = [], []
    for k, state in enumerate(itertools.islice(itertools.cycle(states), repeats + 5)):
        wall, cpu = time.perf_counter(), time.process_time()
        box.update(state)
        box.figure.canvas.draw()
        if png:
            print_figure(box.figure, "png", bbox_inches="tight")
        if k >= 5:  # warm-up: caches of text layout and compiled graphs
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    walls_ms = np.array(walls) * 1e3
    return {"median": float(np.median(walls_ms)), "p90": float(np.percentile(walls_ms, 90)),
            "cpu": float(np.median(cpus) * 1e3)}


def cases() -> list[tuple[str, str, object, list[dict]]]:
    """(widget, control, box, states): the states move one control, the others stay fixed."""
    graphs = lesson_graphs()
    with contextlib.redirect_stdout(io.StringIO()):  # outside IPython, display() prints a repr
        jacobi = widgets.adjoint_iteration_explorer(graphs, start=2)
        sweeps = widgets.adjoint_iteration_explorer(graphs, orderings=True, start=1)
        coupling = widgets.implicit_adjoint_explorer(layer_system(), coupling=0.8)
    orderings = list(sweeps.children[0].children[1].options)
    gs = "Gauss–Seidel, random order (seed 0)"
    return [
        ("Jacobi explorer", "iteration slider", jacobi,
         [{"iteration": t, "graph": "DenseNet block"} for t in range(10)]),
        ("Jacobi explorer", "graph dropdown", jacobi,
         [{"iteration": 3, "graph": name} for name in graphs]),
        ("Gauss–Seidel explorer", "sweep slider", sweeps,
         [{"sweep": s, "ordering": gs, "graph": "random DAG"} for s in range(10)]),
        ("Gauss–Seidel explorer", "ordering dropdown", sweeps,
         [{"sweep": 2, "ordering": o, "graph": "random DAG"} for o in orderings]),
        ("Gauss–Seidel explorer", "graph dropdown", sweeps,
         [{"sweep": 2, "ordering": gs, "graph": name} for name in graphs]),
        ("coupling explorer", "coupling slider", coupling,
         [{"coupling c": c} for c in np.linspace(0.0, 2.0, 21)]),
    ]


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=60, help="timed changes per control")
    args = parser.parse_args(argv)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"update latency of lesson 06's widgets (Agg, {args.repeats} changes per control; "
          f"load average {load})\n")
    header = (f"{'widget':<22} {'control':<18} {'update+draw ms':>15} {'p90':>6} {'cpu':>6}"
              f" {'+PNG ms':>8}  target {TARGET_MS:.0f} ms")
    print(header)
    print("-" * len(header))
    worst = 0.0
    for widget, control, box, states in cases():
        drawn = time_updates(box, states, args.repeats, png=False)
        shipped = time_updates(box, states, max(args.repeats // 4, 5), png=True)
        verdict = "ok" if drawn["median"] <= TARGET_MS else "SLOW"
        worst = max(worst, drawn["median"])
        print(f"{widget:<22} {control:<18} {drawn['median']:>15.1f} {drawn['p90']:>6.1f} "
              f"{drawn['cpu']:>6.1f} {shipped['median']:>8.1f}  {verdict}")
    print(f"\nslowest median update+draw: {worst:.1f} ms "
          f"({'within' if worst <= TARGET_MS else 'over'} the {TARGET_MS:.0f} ms target)")
    return [Target("lesson 06 widgets: update + draw, slowest control (median)",
                   f"≤ {TARGET_MS:.0f} ms", f"{worst:.0f} ms", worst <= TARGET_MS)]


if __name__ == "__main__":
    main()
