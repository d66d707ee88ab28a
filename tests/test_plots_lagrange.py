"""Lesson 03's plots and widget: a triangular solve shown one row at a time, log–log scaling."""

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import pytest
import sympy

from course_lib import plots, widgets
from course_lib.substitution import (
    back_substitution_steps,
    backslash,
    forward_substitution_steps,
)

U = np.array([[-1.0, 2.0, 0.0], [0.0, -1.0, -0.5], [0.0, 0.0, -1.0]])
B = np.array([0.0, 0.0, -1.0])
LABELS = ["p", "q", "r"]


def test_step_equation_states_the_row_and_its_solution():
    steps = list(back_substitution_steps(U, B))
    assert plots.step_equation(steps[0], LABELS) == (
        "row r:  −1·λ_r = −1\nλ_r = (−1) / (−1) = 1")
    assert plots.step_equation(steps[1], LABELS) == (
        "row q:  −1·λ_q − 0.5·λ_r = 0\nλ_q = (0 − [(−0.5)(1)]) / (−1) = −0.5")
    assert plots.step_equation(steps[2], LABELS, symbol="x").startswith(
        "row p:  −1·x_p + 2·x_q = 0\nx_p = (0 − [(2)(−0.5)]) / (−1) = −1")
    assert plots.step_equation(steps[2]).startswith("row 0:  −1·λ_0 + 2·λ_1")
    with pytest.raises(ValueError, match="labels has 2 names"):
        plots.step_equation(steps[0], ["p", "q"])


def test_step_equation_text_reproduces_each_value():
    """The numbers printed in the second line give back the solved value."""
    rng = np.random.default_rng(1)
    M = np.triu(rng.uniform(-2, 2, (5, 5)), 1) + np.diag(rng.uniform(1, 2, 5))
    rhs = rng.uniform(-1, 1, 5)
    for step in back_substitution_steps(M, rhs):
        recomputed = (step.rhs - sum(m * x for _, m, x in step.terms)) / step.diagonal
        assert recomputed == pytest.approx(step.value)
        assert plots.step_equation(step).rstrip().endswith(f"{step.value:.4g}".replace("-", "−"))


def test_step_equation_accepts_forward_steps_and_sympy():
    L = sympy.Matrix([[1, 0], [sympy.Symbol("a"), 1]])
    steps = list(forward_substitution_steps(L, sympy.Matrix([1, 0])))
    assert plots.step_equation(steps[1], ["x", "u"], symbol="t").splitlines()[0] == (
        "row u:  1·t_u + a·t_x = 0")


def test_solution_column_marks_known_current_and_used_rows():
    ax = plots.solution_column([None, 2.5, 1.0], LABELS, current=1, used=[2])
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["λ_p = ?", "λ_q = 2.5", "λ_r = 1"]
    assert ax.get_ylim() == (2.5, -0.5)  # row 0 on top, aligned with spy
    shown = [p for p in ax.patches if not p.get_fill() and p.get_visible()]
    colors = [matplotlib.colors.to_hex(p.get_edgecolor()) for p in shown]
    assert colors == [plots.palette.USED.lower(), plots.palette.CURRENT.lower()]
    assert [p.get_linestyle() for p in shown] == ["--", "solid"]  # told apart by dashes too
    assert [p.get_y() for p in shown] == [1.55, 0.5]  # used: row 2; current: row 1
    shaded = [p.get_y() for p in ax.patches if p.get_fill() and p.get_visible()]
    assert shaded == [0.5, 1.5]  # the solved rows 1 and 2


def test_substitution_step_draws_matrix_column_and_equation():
    steps = list(back_substitution_steps(U, B))
    ax_m, ax_c = plots.substitution_step(U, steps[1], LABELS, title="step 2 of 3")
    assert ax_m.get_title() == "the matrix: the row solved now is outlined"
    outline = [p for p in ax_m.patches if not p.get_fill()]
    assert len(outline) == 1 and outline[0].get_y() == 0.5  # row 1 outlined
    fig = ax_m.figure
    assert fig.texts[0].get_text() == plots.step_equation(steps[1], LABELS)
    assert fig._suptitle.get_text() == "step 2 of 3"
    assert [t.get_text() for t in ax_c.texts] == ["λ_p = ?", "λ_q = −0.5", "λ_r = 1"]
    with pytest.raises(ValueError, match="not 3 × 3"):
        plots.substitution_step(np.eye(2), steps[0])


def render(figure) -> np.ndarray:
    """The figure's pixels, drawn by Agg."""
    canvas = figure.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()


@pytest.mark.parametrize("labels", [LABELS, None])
def test_show_substitution_step_redraws_as_a_new_figure_would(labels):
    r"""A figure made for step 1 and moved to steps 3, then 2, has every pixel of the figure
    made for that step directly (the stepper relies on it)."""
    steps = list(back_substitution_steps(U, B))
    axes = plots.substitution_step(U, steps[0], labels, title="step 1 of 3")
    for k in (2, 1):
        plots.show_substitution_step(axes, steps[k], labels, title=f"step {k + 1} of 3")
        fresh = plots.substitution_step(U, steps[k], labels, title=f"step {k + 1} of 3")
        assert np.array_equal(render(axes[0].figure), render(fresh[0].figure))
        plt.close(fresh[0].figure)
    with pytest.raises(ValueError, match="not made by substitution_step for a solve of this size"):
        plots.show_substitution_step(axes, list(back_substitution_steps(np.eye(2) * -1,
                                                                        [1.0, 1.0]))[0])
    plt.close("all")


def test_back_substitution_stepper_walks_the_rows_bottom_up(monkeypatch):
    shown, draw, redraw = [], plots.substitution_step, plots.show_substitution_step

    def recording(A, step, labels, symbol, equation):
        shown.append(step.row)
        return draw(A, step, labels, symbol=symbol, equation=equation)

    def re_recording(axes, step, labels, symbol):
        shown.append(step.row)
        return redraw(axes, step, labels, symbol=symbol)

    def caption() -> str:  # the text under the frame: the step and the row's equation
        frame, text = box.output.outputs
        assert "image/png" in frame["data"]
        return text["data"]["text/plain"]

    monkeypatch.setattr(plots, "substitution_step", recording)
    monkeypatch.setattr(plots, "show_substitution_step", re_recording)
    box = widgets.back_substitution_stepper(U, B, LABELS)
    play, slider = box.children[0].children
    assert slider.description == "step" and (slider.min, slider.max) == (1, 3)
    steps = list(back_substitution_steps(U, B))
    assert shown == [2]
    assert caption() == "back substitution, step 1 of 3\n" + plots.step_equation(steps[0], LABELS)
    slider.value = 3
    assert shown[-1] == 0
    assert caption() == "back substitution, step 3 of 3\n" + plots.step_equation(steps[2], LABELS)
    assert box.caption(3) == caption()
    play.value = 2  # the Play button drives the slider
    assert slider.value == 2 and shown[-1] == 1 and caption().startswith("back substitution, step 2")
    assert np.allclose(box.steps[-1].solution, backslash(U, B))
    slider.value, slider.value = 3, 1  # steps seen before are shown again, not redrawn
    assert len(shown) == 3 and not plt.get_fignums()  # and no figure is left open
    assert caption().startswith("back substitution, step 1 of 3")


def test_back_substitution_stepper_rejects_a_bad_system_at_once():
    with pytest.raises(ValueError, match="not upper triangular"):
        widgets.back_substitution_stepper(U.T, B)


def test_loglog_scaling_draws_series_and_reference_line():
    n = [1e3, 1e4, 1e5]
    ax = plots.loglog_scaling(n, {"solve": [1e-3, 1e-2, 1e-1]}, slope=1.0, title="t")
    solve, ref = ax.get_lines()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert np.allclose(ref.get_ydata(), [1e-3, 1e-2, 1e-1])  # through the last point, slope 1
    assert ref.get_label() == "∝ n^1"
    with pytest.raises(ValueError, match="2 values for 3 sizes"):
        plots.loglog_scaling(n, {"bad": [1.0, 2.0]})
