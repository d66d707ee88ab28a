r"""Choose an elimination order on a small grid and watch the fill-in appear (lesson 13).

A thin wrapper: :func:`course_lib.bp.eliminate` on a binary grid model gives the cliques, the
induced width and the cost; :func:`course_lib.plots.elimination_picture` draws the graph and the
Cholesky factor's pattern, updated in place inside a
:func:`~course_lib.widgets.panels.live_panel`.
"""

from __future__ import annotations

import math

import ipywidgets as widgets
import matplotlib.pyplot as plt

from course_lib import bp, elimination
from course_lib.factor_graph import ising_grid
from course_lib.plots.elimination import elimination_picture, update_elimination_picture
from course_lib.widgets.panels import live_panel
from course_lib.widgets.probability import Results

__all__ = ["grid_orders", "elimination_explorer"]

TYPED = "typed below"


def grid_orders(rows: int, cols: int) -> dict[str, list[str]]:
    r"""Named elimination orders of the ``rows × cols`` grid x{r*cols + c}: row by row, column by
    column, min-degree, min-fill, and centre first (the worst of these)."""
    fg = ising_grid(rows, cols, 0.5)
    names = list(fg.variables)
    centre = ((rows - 1) / 2, (cols - 1) / 2)
    by_centre = sorted(range(rows * cols), key=lambda k: (abs(k // cols - centre[0])
                                                          + abs(k % cols - centre[1]), k))
    return {
        "row by row": names,
        "column by column": [f"x{r * cols + c}" for c in range(cols) for r in range(rows)],
        "min-degree": elimination.min_degree_order(fg),
        "min-fill": elimination.min_fill_order(fg),
        "centre first": [names[k] for k in by_centre],
    }


def elimination_explorer(rows: int = 4, cols: int = 4, order: str = "min-fill",
                         step: int | None = None) -> widgets.VBox:
    r"""A ``rows × cols`` binary grid: pick an order (or type one: variable names separated by
    spaces or commas) and a number of steps; the panel shows the graph with its fill-in and the
    Cholesky factor's pattern after that many eliminations, and says under the picture (its
    caption) the order's induced width w and its cost Σ_k 2^{|C_k|} (entries of the
    elimination's tables). A typed order that misses, repeats or invents a variable is named in
    the output area. The panel's ``state`` attribute
    holds what is shown (order, step, width, fill-in count, cost)."""
    for name, k in (("rows", rows), ("cols", cols)):
        if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= 6:
            raise ValueError(f"{name} must be an integer from 2 to 6, got {k!r}")
    fg = ising_grid(rows, cols, 0.5)
    n = rows * cols
    orders = grid_orders(rows, cols)
    if order not in orders:
        raise ValueError(f"order must be one of {sorted(orders)}, got {order!r}")
    edges = [tuple(f.variables) for f in fg.factors if len(f.variables) == 2]
    positions = {f"x{k}": (float(k % cols), float(-(k // cols))) for k in range(n)}
    choice = widgets.Dropdown(options=[*orders, TYPED], value=order, description="order")
    typed = widgets.Text(value=" ".join(orders[order]), description="names",
                         continuous_update=False, layout=widgets.Layout(width="420px"))
    slider = widgets.IntSlider(value=n if step is None else min(max(int(step), 0), n), min=0,
                               max=n, description="steps", continuous_update=True)
    results = Results(lambda key: bp.eliminate(fg, list(key)))

    def chosen(state: dict) -> list[str]:
        if state["order"] != TYPED:
            return orders[state["order"]]
        return typed.value.replace(",", " ").split()

    first = results(tuple(orders[order]))
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 4.6), gridspec_kw={"width_ratios": [1, 1.05]})
    artists = elimination_picture(positions, edges, orders[order], first.cliques, slider.value,
                                  axes=axes)
    fig.tight_layout()
    box_state: dict = {}

    def update(state: dict) -> str:
        names = chosen(state)
        r = results(tuple(names))  # ValueError naming a missing, repeated or unknown variable
        k = min(max(int(state["steps"]), 0), n)
        update_elimination_picture(artists, names, r.cliques, k)
        cost = sum(2 ** len(c) for c in r.cliques)
        box_state.update(order=names, step=k, width=r.induced_width, fill=len(r.fill_in),
                         cost=cost, shown_fill=artists["state"]["fill"])
        return (f"after {k} of {n} eliminations: {box_state['shown_fill']} fill-in edges; the "
                f"whole order: induced width {r.induced_width}, fill-in {len(r.fill_in)} edges, "
                f"cost Σ 2^|C_k| = {cost} table entries (≈ 2^{math.log2(cost):.1f}; "
                f"enumeration 2^{n})")  # the caption under the frame

    box = live_panel([choice, slider], fig, update,
                     changing=[artists["fill"], artists["veil"], artists["image"]])

    def use_typed(_change) -> None:  # typing switches to the typed order (and redraws once)
        if choice.value == TYPED:
            box.refresh()
        else:
            choice.value = TYPED

    typed.observe(use_typed, names="value")
    box.children = (box.children[0], typed, box.children[1])  # the names box below the controls
    box.typed = typed
    box.state = box_state
    box.artists = artists
    box.orders = orders
    return box
