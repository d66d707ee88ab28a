r"""Figures say what they show: every plot function describes its Axes, a Figure's text/plain is
its description once a notebook calls ``plots.describe_figures()``, and the text is
deterministic (nbval compares it)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from IPython.core.formatters import PlainTextFormatter
from IPython.core.interactiveshell import InteractiveShell
from matplotlib.figure import Figure

from course_lib import bp, kl, plots
from course_lib.factor_graph import ising_cycle
from course_lib.graph import Graph
from course_lib.substitution import back_substitution_steps


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture
def g():
    return Graph.from_assignments([("u", "x*y"), ("v", "log(u)"), ("w", "v + y")], ["x", "y"])


def drawn_by_every_plot_function(g) -> dict:
    r"""One Axes (or artists dict) per public plot function, drawn on small inputs."""
    ring = ising_cycle(3, 0.8, [0.2, -0.1, 0.3])
    r = bp.belief_propagation(ring, max_iters=20)
    U = np.array([[-1.0, 2.0], [0.0, -1.0]])
    step = list(back_substitution_steps(U, np.array([0.0, -1.0])))[1]
    status = plots.adjoint_status([[0, 0, 0, 0, 0], [0, 0, 0, 0, 1.0]], [1, 1, 1, 1, 1.0])
    p = np.array([[0.3, 0.2], [0.1, 0.4]])
    return {
        "draw_graph": plots.draw_graph(g, values={"x": 1.0, "y": 2.0, "u": 2.0}, highlight=["u"]),
        "status_graph": plots.status_graph(g, status[-1])["ax"],
        "draw_factor_graph": plots.draw_factor_graph(ring, evidence={"x0": 1}),
        "spy": plots.spy(U, highlight_row=1),
        "solution_column": plots.solution_column([None, 1.0], current=0, used=[1]),
        "substitution_step": plots.substitution_step(U, step)[0],
        "status_history": plots.status_history(status, g.order, t=1),
        "loglog_scaling": plots.loglog_scaling([10, 100], {"solve": [1e-3, 1e-2]}),
        "bp_trajectories": plots.bp_trajectories(r.history, r.residuals, tol=1e-10)["axes"][0],
        "series_plot": plots.series_plot([0, 1], {"a": [1, 2]}, xlabel="t", ylabel="y"),
        "convergence_plot": plots.convergence_plot([1.0, 0.5, 0.25], 0.5)["ax"],
        "eigenvalue_plot": plots.eigenvalue_plot([0.5, 0.2j])["ax"],
        "training_curves": plots.training_curves([1.0, 0.5], [2.0, 1.0]),
        "marginal_bars": plots.marginal_bars({"A": [0.25, 0.75]}, observed={"A": 1}),
        "named_bars": plots.named_bars({"a": 0.1, "b": 0.3}, ylabel="rate"),
        "marginal_dots": plots.marginal_dots({"exact": [0.5, 0.25]}, ["A", "B"]),
        "sweeps_histogram": plots.sweeps_histogram([1, 2, 2], marks={"reverse": 1}),
        "simplex_picture": plots.simplex_picture(points={"p": [0.2, 0.3, 0.5]}),
        "contour_map": plots.contour_map([0, 1], [0, 1], [[0, 1], [1, 2]], xlabel="a",
                                         ylabel="b"),
        "ipf_progress": plots.ipf_progress([0.1, 0.01], p, 1,
                                           targets=(kl.marginal(p, [0]), kl.marginal(p, [1])))
                             ["axes"][1],
        "schedule_diagram": plots.schedule_diagram([("store", 0), ("advance", 0), ("reverse", 1),
                                                    ("restore", 0), ("reverse", 0), ("free", 0)]),
        "sweep_dag": plots.sweep_dag({(0, 1): 0.5, (1, 2): 0.7, (0, 2): 0.2}, 3)["ax"],
        "alpha_projection_plot": plots.alpha_projection_plot([0, 1, 2], [0.2, 0.6, 0.2],
                                                             [0.3, 0.4, 0.3], 0.5, 1.0, 0.8)["ax"],
    }


@pytest.mark.filterwarnings("ignore:belief propagation did not converge")
def test_every_plot_function_describes_what_it_drew(g):
    with plt.rc_context({"figure.max_open_warning": 0}):  # every figure is kept, on purpose
        drawn = drawn_by_every_plot_function(g)
    public = {name for name in plots.__all__ if callable(getattr(plots, name))
              and not name.startswith(("update_", "describe", "description"))
              and name not in {"depths", "graph_layout", "factor_graph_layout", "nonzero_pattern",
                               "step_equation", "adjoint_status", "simplex_xy",
                               "plain_log_labels", "show_substitution_step",
                               "schedule_timeline", "value_texts", "ipf_table_text"}}
    assert public == set(drawn)  # a new plot function must be added here, described
    for name, ax in drawn.items():
        own = getattr(ax, "course_description", None)
        assert own, f"{name} attached no description"
        text = plots.description(ax)
        assert len(text) > 30 and "\n" not in text and "0x" not in text, (name, text)
    plt.close("all")  # the figures were kept for the checks above; let them go


def test_descriptions_say_what_the_plot_shows(g):
    ax = plots.draw_graph(g, values={"x": 1.0, "y": 2.0, "u": 2.0}, highlight=["u"], title="t")
    assert plots.description(ax) == (
        "t: Computation graph drawn left to right in topological order: 5 nodes, inputs x, y in "
        "square boxes, 5 arrows from each argument to the node that uses it. Highlighted (thick "
        "black rim, bold): u. Nodes: x = 1; y = 2; u = 2; v; w.")
    bars = plots.marginal_bars({"A": [0.25, 0.75], "B": [0.5, 0.5]}, observed={"A": 1})
    assert plots.description(bars).endswith("A=0 0.25, A=1 0.75, B=0 0.50, B=1 0.50.")
    plots.update_marginal_bars(bars, {"A": [0.1, 0.9], "B": [0.4, 0.6]})  # read when asked
    assert plots.description(bars).endswith("A=0 0.10, A=1 0.90, B=0 0.40, B=1 0.60.")


def test_a_figure_description_numbers_its_panels_and_reads_plain_axes():
    fig, (left, right) = plt.subplots(1, 2)
    fig.suptitle("Two views")
    plots.spy(np.triu(np.ones((3, 3))), ax=left, title="pattern")
    right.semilogy([1, 2], [1, 10], label="cost")
    right.set_xlabel("n")
    right.legend()
    text = plots.description(fig)
    assert text.startswith("Two views. Panel 1 of 2: pattern: Spy plot of a 3 × 3 matrix: "
                           "6 nonzero entries, 3 of them on the diagonal")
    assert text.endswith("Panel 2 of 2: A plot of 1 line (x: n); legend: cost.")
    plots.describe(fig, "A hand-written description.")
    assert plots.description(fig) == "A hand-written description."
    with pytest.raises(TypeError, match="Axes or Figure"):
        plots.describe("not a figure", "text")


def test_describe_figures_makes_a_figures_text_plain_its_description(g):
    shell = InteractiveShell.instance()
    formatter = shell.display_formatter.formatters["text/plain"]
    fig = plots.draw_graph(g, title="the graph").figure
    before = formatter(fig)
    assert before.startswith("<Figure size")
    try:
        assert plots.describe_figures(shell) is True
        after = shell.display_formatter.format(fig)[0]["text/plain"]
        assert after == plots.description(fig) and after.startswith("the graph: Computation")
        assert shell.display_formatter.format(fig)[0]["text/plain"] == after  # deterministic
    finally:
        formatter.type_printers.pop(Figure, None)
        shell.events.callbacks["pre_execute"].clear()
        InteractiveShell.clear_instance()
    assert plots.describe_figures(None) is False  # outside IPython: nothing to register


def test_the_same_figure_gets_the_same_text_every_time(g):
    texts = {plots.description(plots.draw_graph(g, values={"x": 0.5, "y": 1.5}).figure)
             for _ in range(3)}
    assert len(texts) == 1 and PlainTextFormatter()(1.0) == "1.0"


def test_in_a_real_kernel_the_inline_figure_is_stored_with_its_description():
    r"""ipykernel's inline backend drops Figure formatters when it sets itself up (at the first
    figure, and again at ``%matplotlib inline``): the description must survive both."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (
        "import numpy as np\nfrom course_lib import plots\nplots.describe_figures()",
        "ax = plots.spy(np.triu(np.ones((3, 3))), title='a spy plot')",
        "%matplotlib inline",
        "ax = plots.named_bars({'a': 0.5}, ylabel='rate')",
    )]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    shown = [o["data"]["text/plain"] for c in nb.cells for o in c.outputs
             if o.get("output_type") == "display_data"]
    assert shown == [
        "a spy plot: Spy plot of a 3 × 3 matrix: 6 nonzero entries, 3 of them on the diagonal "
        "(dark), the others blue; upper triangular.",
        "Bar chart of rate, one labelled bar each: a 0.5.",
    ]
