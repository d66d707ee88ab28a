"""The self-checks of 01_computation_as_equations reject realistic wrong answers and accept
right ones in other forms (fresh random inputs; the tests seed them)."""

import math

import pytest

from course_lib.checks import computation
from course_lib.graph import Graph

SEEDS = [0, 1, 2]


def _one_or_two_lines(err) -> None:
    assert 1 <= len(str(err.value).strip().splitlines()) <= 2, str(err.value)


# -- Exercise 1: the recurrent unit unrolled ------------------------------------------------

RNN_RIGHT = [
    Graph.from_assignments([(f"s{t}", f"tanh(w*s{t - 1} + u)") for t in (1, 2, 3)],
                           inputs=["s0", "w", "u"]),
    # with the pre-activations as nodes of their own, inputs listed in another order
    Graph.from_assignments([(f"a{t}", f"s{t - 1}*w + u") for t in (1, 2, 3)]
                           + [(f"s{t}", f"tanh(a{t})") for t in (1, 2, 3)],
                           inputs=["u", "w", "s0"]),
]

RNN_WRONG = {
    "s0 in every step": [(f"s{t}", "tanh(w*s0 + u)") for t in (1, 2, 3)],
    "u subtracted": [(f"s{t}", f"tanh(w*s{t - 1} - u)") for t in (1, 2, 3)],
    "u outside tanh": [(f"s{t}", f"tanh(w*s{t - 1}) + u") for t in (1, 2, 3)],
    "one step short": [("s1", "s0"), ("s2", "tanh(w*s1 + u)"), ("s3", "tanh(w*s2 + u)")],
    "two steps only": [("s1", "tanh(w*s0 + u)"), ("s2", "tanh(w*s1 + u)")],
}


@pytest.mark.parametrize("graph", RNN_RIGHT)
@pytest.mark.parametrize("seed", SEEDS)
def test_rnn_accepts(graph, seed, capsys):
    computation.unrolled_rnn(graph, rng=seed)
    assert capsys.readouterr().out.startswith("ok")


@pytest.mark.parametrize("name", sorted(RNN_WRONG))
@pytest.mark.parametrize("seed", SEEDS)
def test_rnn_rejects(name, seed):
    g = Graph.from_assignments(RNN_WRONG[name], inputs=["s0", "w", "u"])
    with pytest.raises(AssertionError) as err:
        computation.unrolled_rnn(g, rng=seed)
    _one_or_two_lines(err)


@pytest.mark.parametrize("wrong, message", [
    (None, "no answer yet"),
    ([(f"s{t}", f"tanh(w*s{t - 1} + u)") for t in (1, 2, 3)], "should be a Graph"),
    (Graph.from_assignments([("s1", "tanh(0.9*s0 + 0.1)"), ("s2", "tanh(0.9*s1 + 0.1)"),
                             ("s3", "tanh(0.9*s2 + 0.1)")], inputs=["s0"]), "inputs"),
])
def test_rnn_rejects_wrong_kinds(wrong, message):
    with pytest.raises(AssertionError, match=message):
        computation.unrolled_rnn(wrong, rng=0)


# -- Exercise 2: clip with indicator functions ------------------------------------------------

CLIP_RIGHT = [
    [("c", "Piecewise((0, x < 0), (x, x < 1), (1, True))")],
    [("c", "Heaviside(x)*(1 - Heaviside(x - 1))*x + Heaviside(x - 1)")],
    # in two steps, like the two ifs
    [("m", "Piecewise((x, x > 0), (0, True))"), ("c", "Piecewise((m, m < 1), (1, True))")],
]


@pytest.mark.parametrize("assignments", CLIP_RIGHT)
@pytest.mark.parametrize("seed", SEEDS)
def test_clip_accepts(assignments, seed, capsys):
    computation.clip_graph(Graph.from_assignments(assignments, ["x"]), rng=seed)
    assert capsys.readouterr().out.startswith("ok")


@pytest.mark.parametrize("assignments, message", [
    ([("c", "Min(Max(x, 0), 1)")], "uses Min: the exercise asks for indicator functions"),
    ([("m", "Max(x, 0)"), ("c", "Piecewise((m, m < 1), (1, True))")], "uses Max"),
    ([("c", "(Abs(x) - Abs(x - 1) + 1)/2")], "uses Abs"),
    ([("c", "Piecewise((0, x < 0), (x, True))")], "clip"),                 # no upper clip
    ([("c", "Heaviside(x)*x + Heaviside(x - 1)")], "clip"),                # pieces added, not switched
    ([("c", "Piecewise((0, x < 0), (1, x < 1), (x, True))")], "clip"),     # pieces swapped
    ([("c", "x")], "indicator functions"),                                  # no branch at all
])
def test_clip_rejects(assignments, message):
    with pytest.raises(AssertionError, match=message) as err:
        computation.clip_graph(Graph.from_assignments(assignments, ["x"]), rng=0)
    _one_or_two_lines(err)


def test_clip_rejects_wrong_input_name():
    g = Graph.from_assignments([("c", "Piecewise((0, t < 0), (t, t < 1), (1, True))")], ["t"])
    with pytest.raises(AssertionError, match="inputs"):
        computation.clip_graph(g, rng=0)


# -- Exercise 3: the forward pass as a mechanism ----------------------------------------------

def forward_by_rounds(equations, inputs):
    z = dict(inputs)
    waiting = dict(equations)
    while waiting:
        ready = [k for k, (_, args) in waiting.items() if all(a in z for a in args)]
        if not ready:
            raise ValueError(f"a cycle among {sorted(waiting)}")
        for k in ready:
            function, args = waiting.pop(k)
            z[k] = function(*(z[a] for a in args))
    return z


def forward_recursive(equations, inputs):
    z = dict(inputs)
    busy = set()

    def value(name):
        if name not in z:
            if name in busy:
                raise ValueError(f"{name} depends on itself")
            busy.add(name)
            function, args = equations[name]
            z[name] = function(*[value(a) for a in args])
        return z[name]

    for name in equations:
        value(name)
    return z


@pytest.mark.parametrize("answer", [forward_by_rounds, forward_recursive])
@pytest.mark.parametrize("seed", SEEDS)
def test_forward_pass_accepts(answer, seed, capsys):
    computation.forward_pass_function(answer, rng=seed)
    assert capsys.readouterr().out.startswith("ok")


def forward_in_given_order(equations, inputs):          # assumes the dict is sorted already
    z = dict(inputs)
    for k, (function, args) in equations.items():
        z[k] = function(*(z[a] for a in args))
    return z


def forward_recursive_no_memo(equations, inputs):       # recomputes shared nodes
    def value(name):
        if name in inputs:
            return inputs[name]
        function, args = equations[name]
        return function(*[value(a) for a in args])
    return {**inputs, **{name: value(name) for name in equations}}


def forward_arguments_reversed(equations, inputs):      # f(b, a) for f(a, b)
    z = dict(inputs)
    waiting = dict(equations)
    while waiting:
        for k in [k for k, (_, a) in waiting.items() if all(n in z for n in a)]:
            function, args = waiting.pop(k)
            z[k] = function(*(z[a] for a in reversed(args)))
        if waiting and not any(all(n in z for n in a) for _, a in waiting.values()):
            raise ValueError("cycle")
    return z


def forward_without_inputs(equations, inputs):          # only the computed nodes returned
    z = forward_by_rounds(equations, inputs)
    return {k: z[k] for k in equations}


def forward_cycle_skipped(equations, inputs):           # gives up silently on a cycle
    z = dict(inputs)
    for _ in range(len(equations)):
        for k, (function, args) in equations.items():
            if k not in z and all(a in z for a in args):
                z[k] = function(*(z[a] for a in args))
    return z


def forward_cycle_loops(equations, inputs):             # waits forever for a cycle
    z = dict(inputs)
    waiting = dict(equations)
    while waiting:
        for k in [k for k, (_, a) in waiting.items() if all(n in z for n in a)]:
            function, args = waiting.pop(k)
            z[k] = function(*(z[a] for a in args))
    return z


@pytest.mark.parametrize("wrong", [forward_in_given_order, forward_recursive_no_memo,
                                   forward_arguments_reversed, forward_without_inputs,
                                   forward_cycle_skipped, None])
@pytest.mark.parametrize("seed", SEEDS)
def test_forward_pass_rejects(wrong, seed):
    with pytest.raises(AssertionError) as err:
        computation.forward_pass_function(wrong, rng=seed)
    _one_or_two_lines(err)


def test_forward_pass_stops_an_endless_loop_on_a_cycle():
    with pytest.raises(AssertionError, match="did not finish"):
        computation.forward_pass_function(forward_cycle_loops, rng=0)


def test_forward_pass_oracle_is_the_loop_itself():
    r"""The check's random systems evaluate to what their Graph says (the oracle is sound)."""
    import numpy as np

    from course_lib.checks.computation import _random_system
    for seed in range(5):
        equations, inputs, graph = _random_system(np.random.default_rng(seed))
        got = forward_by_rounds(equations, inputs)
        want = graph.forward(inputs)
        assert all(math.isclose(got[k], want[k], rel_tol=1e-12, abs_tol=1e-12) for k in want)
