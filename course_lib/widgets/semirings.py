r"""The one back substitution over a semiring, stepped row by row on a small DAG (lesson 12).

A thin wrapper: a ``rows solved`` slider and a ``semiring`` dropdown; each change reads the
sweep of :func:`sweep_states` (computed once per semiring by
:func:`course_lib.substitution.substitute` on a :class:`~course_lib.substitution.PlainSystem`
with the semiring as its algebra) and updates :func:`course_lib.plots.semirings.sweep_dag` in
place inside a :func:`~course_lib.widgets.panels.live_panel`.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib import semiring, substitution
from course_lib.plots.semirings import format_value, sweep_dag, update_sweep_dag
from course_lib.widgets.panels import live_panel

__all__ = ["sweep_states", "semiring_sweep_explorer"]

_FORM = {  # how a row's ⊕ of terms is written, and how one term N_ij ⊗ x_j is
    "sum-product": ("{b} + {terms}", " + ", "{w}·{x}"),
    "max-product": ("max({b}, {terms})", ", ", "{w}·{x}"),
    "max-plus": ("max({b}, {terms})", ", ", "{w} + {x}"),
    "min-plus": ("min({b}, {terms})", ", ", "{w} + {x}"),
    "log-sum-exp": ("logaddexp({b}, {terms})", ", ", "{w} + {x}"),
}


def _operand(v: float) -> str:
    text = format_value(v)
    return f"({text})" if text.startswith(("-", "−")) else text  # 0.5 + (−0.1), not 0.5 + −0.1


def _system(edges: dict, n: int, ring) -> tuple[np.ndarray, np.ndarray]:
    r"""(N, b) of the DAG in ``ring``: weights as given (their logs in log-sum-exp), b = 1̄ at
    the last node (the target) and 0̄ elsewhere, so x_i = ⊕ over the paths i → … → n−1."""
    N = np.full((n, n), ring.zero)
    for (i, j), w in edges.items():
        N[i, j] = np.log(w) if ring.name == "log-sum-exp" else w
    b = np.full(n, ring.zero)
    b[-1] = ring.one
    return N, b


def _best_path(N: np.ndarray, b: np.ndarray, x: list, i: int, ring) -> list[int]:
    r"""For max or min: from node i follow the term that attains x_k until b_k does."""
    path = [i]
    while True:
        k = path[-1]
        if np.isclose(b[k], x[k]) and b[k] != ring.zero:
            return path
        options = [(j, ring.mul(N[k, j], x[j])) for j in range(k + 1, len(b))
                   if N[k, j] != ring.zero]
        j = next(j for j, v in options if np.isclose(v, x[k]))
        path.append(j)


def sweep_states(edges: dict[tuple[int, int], float], n: int, semiring_name: str) -> list[dict]:
    r"""The back substitution x_i = b_i ⊕ ⊕_{j>i} N_ij ⊗ x_j on the DAG, one record per row
    solved (rows n−1, …, 0): ``{"x", "current", "highlight", "path", "equation"}``; record 0 is
    the start (nothing solved). ``highlight``: for max and min the edges of the best path from
    the row just solved, for a sum every edge that row read."""
    ring = semiring.get(semiring_name)
    N, b = _system(edges, n, ring)
    system = substitution.PlainSystem(N, b, ring)
    whole, join, term = _FORM[ring.name]
    states = [{"x": [None] * n, "current": None, "highlight": [], "path": [], "equation": ""}]
    for i, terms in substitution.substitute(system, range(n - 1, -1, -1)):
        x = [None if v is None else float(v) for v in system.x]
        parts = join.join(term.format(w=_operand(m), x=_operand(x[j])) for j, m in terms)
        rhs = whole.format(b=format_value(b[i]), terms=parts) if terms else format_value(b[i])
        equation = f"x{i} = {rhs} = {format_value(x[i])}"
        if ring.name in ("sum-product", "log-sum-exp"):
            highlight, path = [(i, j) for j, _ in terms], []
        elif x[i] == ring.zero:
            highlight, path = [], []
        else:
            path = _best_path(N, b, x, i, ring)
            highlight = list(zip(path, path[1:]))
        states.append({"x": x, "current": i, "highlight": highlight, "path": path,
                       "equation": equation})
    return states


def semiring_sweep_explorer(edges: dict[tuple[int, int], float], n: int,
                            names: Sequence[str] | None = None,
                            positions: Sequence[tuple[float, float]] | None = None,
                            start: str = "min-plus") -> widgets.VBox:
    r"""Step the back substitution x = b ⊕ (N ⊗ x) of a small DAG row by row, in any semiring.

    ``edges`` {(i, j): weight > 0} with i < j; node n−1 is the target (b = 1̄ there). The
    ``rows solved`` slider runs 0 … n (clamped), the ``semiring`` dropdown picks one of
    :data:`course_lib.semiring.SEMIRINGS`: weights are lengths in max-plus and min-plus,
    probabilities in max-product and sum-product, and enter log-sum-exp as their logs. The best
    path (max, min) or the edges read (sums) are highlighted. Attributes: ``figure``,
    ``artists``, ``update(state)``, ``states(semiring)`` (the records of :func:`sweep_states`).
    """
    if start not in semiring.SEMIRINGS:
        raise ValueError(f"unknown semiring {start!r}; expected one of {', '.join(semiring.SEMIRINGS)}")
    for (i, j), w in edges.items():
        if not (np.isfinite(w) and w > 0):
            raise ValueError(f"edge ({i}, {j}) must have a positive finite weight, got {w!r}")
    cache: dict[str, list[dict]] = {}

    def states(name: str) -> list[dict]:
        if name not in cache:
            cache[name] = sweep_states(edges, n, name)
        return cache[name]

    states(start)  # checks the DAG before anything is drawn
    fig, ax = plt.subplots(figsize=(8.0, 3.6))
    artists = sweep_dag(edges, n, names, positions, ax=ax)
    controls = [widgets.IntSlider(value=0, min=0, max=n, description="rows solved",
                                  continuous_update=True),
                widgets.Dropdown(options=list(semiring.SEMIRINGS), value=start,
                                 description="semiring")]

    def update(state: dict) -> None:
        s = min(max(int(state["rows solved"]), 0), n)  # clamped
        name = state["semiring"]
        record = states(name)[s]
        title = f"{name}: {s} of {n} rows solved" + (", bottom row first" if s < n else "")
        update_sweep_dag(artists, record["x"], record["current"], record["highlight"],
                         record["path"], title=title, equation=record["equation"])

    changing = [artists["edges"], artists["nodes"], *artists["values"], artists["title"],
                artists["equation"]]
    box = live_panel(controls, fig, update, changing=changing)
    box.figure, box.artists, box.update, box.states = fig, artists, update, states
    return box
