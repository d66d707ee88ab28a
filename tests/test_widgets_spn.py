"""The marginal bars and the SPN evidence explorer (lesson 09) work without a browser."""

import ipywidgets
import numpy as np
import pytest

from course_lib import plots, spn, widgets


@pytest.fixture
def root():
    r"""A → B, A → C as an SPN: Σ_a θ_a λ_a (Σ_b θ_{b|a} λ_b)(Σ_c θ_{c|a} λ_c)."""
    b = [[0.875, 0.125], [0.25, 0.75]]
    c = [[0.75, 0.25], [0.125, 0.875]]
    return spn.Sum([spn.Product([spn.Indicator("A", a), spn.Categorical("B", b[a]),
                                 spn.Categorical("C", c[a])]) for a in (0, 1)], [0.75, 0.25])


def _joint(root, weights=None):
    r"""P(a, b, c) by enumeration: S(x) at every complete assignment, normalised."""
    s = root if weights is None else spn.Sum(root.children, weights)
    table = np.array([[[spn.value(s, {"A": a, "B": b, "C": c}) for c in (0, 1)]
                       for b in (0, 1)] for a in (0, 1)])
    return table / table.sum()


def _heights(ax):
    return {p.get_gid(): p.get_height() for p in ax.patches if p.get_gid()}


def test_marginal_bars_draw_one_labelled_bar_per_state():
    ax = plots.marginal_bars({"A": [0.25, 0.75], "B": np.array([0.1, 0.2, 0.7])},
                             observed={"B": 2}, title="t")
    assert _heights(ax) == pytest.approx({"A=0": 0.25, "A=1": 0.75, "B=0": 0.1, "B=1": 0.2,
                                          "B=2": 0.7})
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A=0", "A=1", "B=0", "B=1", "B=2"]
    labels = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert labels["B=2"] == "0.70" and ax.get_title() == "t"
    bars = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    assert bars["B=2"].get_linewidth() == 2.0 and bars["B=1"].get_linewidth() == 0.0
    assert bars["A=0"].get_facecolor() != bars["B=0"].get_facecolor()  # observed is coloured
    with pytest.raises(ValueError, match="empty"):
        plots.marginal_bars({})


def test_update_marginal_bars_changes_the_same_artists_in_place():
    ax = plots.marginal_bars({"A": [0.5, 0.5]})
    patches = list(ax.patches)
    assert plots.update_marginal_bars(ax, {"A": [0.9, 0.1]}, title="new") is ax
    assert list(ax.patches) == patches and _heights(ax) == pytest.approx({"A=0": 0.9, "A=1": 0.1})
    assert ax.get_title() == "new"
    with pytest.raises(ValueError, match="no bar for C=0"):
        plots.update_marginal_bars(ax, {"C": [1.0]})


def test_explorer_has_a_weight_slider_first_then_a_dropdown_per_variable(root):
    box = widgets.evidence_explorer(root)
    controls = box.children[0].children
    assert isinstance(controls[0], ipywidgets.FloatSlider)
    assert controls[0].value == pytest.approx(0.75)
    assert [c.description for c in controls[1:]] == ["A", "B", "C"]
    assert all(isinstance(c, ipywidgets.Dropdown) and c.value == -1 for c in controls[1:])
    joint = _joint(root)
    assert _heights(box.axes)["A=1"] == pytest.approx(joint.sum(axis=(1, 2))[1])


def test_explorer_bars_follow_the_evidence_and_match_enumeration(root):
    box = widgets.evidence_explorer(root)
    _, _, drop_b, drop_c = box.children[0].children
    drop_b.value = 1
    drop_c.value = 0
    joint = _joint(root)
    given = joint[:, 1, 0] / joint[:, 1, 0].sum()  # P(A | B=1, C=0)
    heights = _heights(box.axes)
    assert [heights["A=0"], heights["A=1"]] == pytest.approx(given)
    p_c = joint[:, 1, :].sum(axis=0) / joint[:, 1, :].sum()  # P(C | B=1): C's own evidence left out
    assert [heights["C=0"], heights["C=1"]] == pytest.approx(p_c)
    frame, caption = box.output.outputs  # the bars, and the evidence's P(e) as text
    assert caption["data"]["text/plain"] == (f"evidence: B=1, C=0;  "
                                             f"P(e) = {joint[:, 1, 0].sum():.4f}")


def test_explorer_slider_reweights_the_root(root):
    box = widgets.evidence_explorer(root)
    slider, _, drop_b, _ = box.children[0].children
    drop_b.value = 1
    before = _heights(box.axes)["A=0"]
    slider.value = 0.3
    joint = _joint(root, [0.3, 0.7])
    after = _heights(box.axes)
    assert after["A=0"] != pytest.approx(before)
    assert after["A=0"] == pytest.approx(joint[0, 1, :].sum() / joint[:, 1, :].sum())


def test_explorer_without_a_root_sum_has_no_slider_and_shows_errors_in_its_output():
    root = spn.Product([spn.Indicator("X", 0), spn.Categorical("Y", [0.5, 0.5])])
    box = widgets.evidence_explorer(root)
    controls = box.children[0].children
    assert [type(c) for c in controls] == [ipywidgets.Dropdown, ipywidgets.Dropdown]
    assert [label for label, _ in controls[0].options] == ["unobserved", "0"]  # |X| = 1
    controls[1].value = 1
    assert _heights(box.axes)["X=0"] == pytest.approx(1.0)
    assert not any("cannot draw" in o.get("text", "") for o in box.output.outputs)
    with pytest.raises(TypeError, match="SPN node"):
        widgets.evidence_explorer("not an spn")


def test_explorer_reports_zero_probability_evidence_inside_the_panel():
    root = spn.Sum([spn.Product([spn.Indicator("X", 0), spn.Categorical("Y", [1.0, 0.0])]),
                    spn.Product([spn.Indicator("X", 1), spn.Categorical("Y", [0.5, 0.5])])],
                   [0.5, 0.5])
    box = widgets.evidence_explorer(root)
    slider, drop_x, drop_y = box.children[0].children
    drop_y.value = 1
    slider.value = 1.0  # all weight on X=0, where Y=1 is impossible: P(e) = 0
    shown = "".join(o.get("text", "") for o in box.output.outputs)
    assert "cannot draw this setting" in shown and "probability zero" in shown
