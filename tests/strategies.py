r"""Hypothesis strategies shared by the test files: random computation graphs.

``random_graphs()`` draws a random DAG ``z_i = f_i(z_a(i))`` whose expressions mix
products, sums, differences, tanh, sin, cos, sigmoid, squares, ``exp`` of small
arguments and ``log(1 + x²)``, together with an output node and input values.

The expressions are kept numerically tame: every node carries a bound on ``|z_i|``
(inputs lie in [−1.5, 1.5]); an operation whose bound would exceed ``BOUND`` is
squashed by ``tanh``, and ``exp`` only sees arguments of size ≤ 1. Values and local
partials therefore stay moderate, so central finite differences are accurate.

Also two fixed example graphs: ``article_network()`` (the source article's small
network) and ``small_graph()``.

Use it as ``from strategies import random_graphs``::

    @given(random_graphs())
    def test_something(case):
        g, output, values = case
"""

from __future__ import annotations

from typing import NamedTuple

import sympy
from hypothesis import strategies as st

from course_lib.graph import Graph

BOUND = 4.0  # every node satisfies |z_i| ≤ BOUND
INPUT_RANGE = 1.5  # inputs are drawn from [−INPUT_RANGE, INPUT_RANGE]


class RandomGraph(NamedTuple):
    r"""A drawn case: the graph, the output node ``z_n`` (an assigned node), input values."""

    graph: Graph
    output: str
    values: dict[str, float]


def _sigmoid(x):
    return 1 / (1 + sympy.exp(-x))


# Unary operations: (name, function, bound of the result given the bound B of the argument).
UNARY = [
    ("identity", lambda x: x, lambda B: B),
    ("tanh", sympy.tanh, lambda B: 1.0),
    ("sin", sympy.sin, lambda B: 1.0),
    ("cos", sympy.cos, lambda B: 1.0),
    ("sigmoid", _sigmoid, lambda B: 1.0),
    ("square", lambda x: x**2, lambda B: B * B),
    ("exp_small", lambda x: sympy.exp(x / 4), lambda B: 2.72),  # |x| ≤ 4 ⇒ |x/4| ≤ 1
    ("log1p_square", lambda x: sympy.log(1 + x**2), lambda B: 2.84),  # log(17)
]

# Ways to combine the arguments: (name, number of arguments, function, bound).
COMBINE = [
    ("first", 1, lambda a: a[0], lambda b: b[0]),
    ("product", 2, lambda a: a[0] * a[1], lambda b: b[0] * b[1]),
    ("sum", 2, lambda a: a[0] + a[1], lambda b: b[0] + b[1]),
    ("difference", 2, lambda a: a[0] - a[1], lambda b: b[0] + b[1]),
    ("product_plus", 3, lambda a: a[0] * a[1] + a[2], lambda b: b[0] * b[1] + b[2]),
    ("triple_product", 3, lambda a: a[0] * a[1] * a[2], lambda b: b[0] * b[1] * b[2]),
    ("sum3", 3, lambda a: a[0] + a[1] + a[2], lambda b: b[0] + b[1] + b[2]),
]


@st.composite
def random_graphs(draw, min_inputs: int = 1, max_inputs: int = 3,
                  min_assigned: int = 1, max_assigned: int = 7) -> RandomGraph:
    r"""A random DAG ``Graph`` with tame smooth expressions, an output and input values.

    Inputs are ``z1 … zm`` and assigned nodes ``z(m+1) …``, assigned in order; each
    reads one to three earlier nodes (recent ones more often, so graphs have depth).
    The output is usually the last node, sometimes an earlier one (so some nodes do
    not reach it).
    """
    m = draw(st.integers(min_inputs, max_inputs))
    n_assigned = draw(st.integers(min_assigned, max_assigned))
    names = [f"z{i}" for i in range(1, m + n_assigned + 1)]
    symbols = [sympy.Symbol(name) for name in names]
    bound = [INPUT_RANGE] * m
    assignments = []
    for j in range(m, m + n_assigned):
        _, arity, combine, combine_bound = draw(
            st.sampled_from([c for c in COMBINE if c[1] <= j]))
        # arguments: distinct earlier nodes, one of the three most recent always among them
        recent = draw(st.integers(max(0, j - 3), j - 1))
        others = []
        if arity > 1:
            others = draw(st.lists(st.sampled_from([i for i in range(j) if i != recent]),
                                   min_size=arity - 1, max_size=arity - 1, unique=True))
        args = [recent, *others]
        expr = combine([symbols[a] for a in args])
        b = combine_bound([bound[a] for a in args])
        if b > BOUND:  # squash before the unary op sees it
            expr, b = sympy.tanh(expr), 1.0
        _, unary, unary_bound = draw(st.sampled_from(UNARY))
        expr, b = unary(expr), unary_bound(b)
        if b > BOUND:
            expr, b = sympy.tanh(expr), 1.0
        assignments.append((names[j], expr))
        bound.append(b)
    g = Graph.from_assignments(assignments, inputs=names[:m])
    output = draw(st.one_of(st.just(g.assigned[-1]), st.sampled_from(g.assigned)))
    x = st.floats(-INPUT_RANGE, INPUT_RANGE, allow_nan=False, allow_infinity=False)
    values = {name: draw(x) for name in g.inputs}
    return RandomGraph(g, output, values)


# ----------------------------------------------------------- fixed examples


#: The source article's network, written here from the article, not imported from course_lib
#: (course_lib.figures.SMALL_NETWORK): what the tests check cannot move with the code they test.
ARTICLE_NETWORK = [("z5", "z1*z3"), ("z6", "sigmoid(z5)"), ("z7", "z6*z4"),
                   ("z8", "exp(z7)/(exp(z7) + exp(0))"),
                   ("z9", "-(z2*log(z8) + (1 - z2)*log(1 - z8))")]
ARTICLE_INPUTS = ["z1", "z2", "z3", "z4"]


def article_network() -> Graph:
    r"""The source article's network, inputs z1 = x, z2 = y, z3 = w1, z4 = w2 (output z9).

    z5 = x w1, z6 = σ(z5), z7 = z6 w2, z8 = softmax, z9 = loss(z8, y). The softmax is
    the two-class one with logits (z7, 0): P(class 1) = e^{z7} / (e^{z7} + e^0); the loss
    is the binary cross-entropy against the label y ∈ {0, 1}.
    """
    return Graph.from_assignments(ARTICLE_NETWORK, inputs=ARTICLE_INPUTS)


def small_graph() -> Graph:
    r"""z3 = z1 z2, z4 = tanh(z3): the smallest graph with a product and a nonlinearity."""
    return Graph.from_assignments([("z3", "z1*z2"), ("z4", "tanh(z3)")], inputs=["z1", "z2"])
