"""Lesson 05's exercise checks reject the wrong answers a student would write and accept
every right one (course_lib.checks.reverse_mode)."""

import math

import numpy as np
import pytest

from course_lib import autodiff, lagrange
from course_lib.checks import reverse_mode
from course_lib.graph import Graph
from course_lib.substitution import backslash, forward_substitute

# -- Exercise 1: ∂y/∂x in the cheaper mode ------------------------------------------------


def jacobian_cheaply(graph, values, inputs, outputs):
    J = lagrange.jacobian_matrix(graph, values)
    eye = np.eye(len(graph.order))
    rows, cols = [graph.index(o) for o in outputs], [graph.index(x) for x in inputs]
    if len(outputs) <= len(inputs):
        return np.array([backslash(eye - J.T, eye[o])[cols] for o in rows])
    return np.array([forward_substitute(eye - J, eye[j])[rows] for j in cols]).T


def jacobian_by_lagrange_rows(graph, values, inputs, outputs):  # another right form: A λ = −e_o
    if len(outputs) <= len(inputs):
        rows = []
        for o in outputs:
            A, b = lagrange.lagrange_matrix(graph, values, o)
            lam = backslash(A, b)
            rows.append([lam[graph.index(x)] for x in inputs])
        return rows
    J = lagrange.jacobian_matrix(graph, values)
    columns = [forward_substitute(np.eye(len(J)) - J, np.eye(len(J))[graph.index(x)]) for x in inputs]
    return [[c[graph.index(o)] for c in columns] for o in outputs]


def always_reverse(graph, values, inputs, outputs):
    J = lagrange.jacobian_matrix(graph, values)
    eye = np.eye(len(graph.order))
    cols = [graph.index(x) for x in inputs]
    return np.array([backslash(eye - J.T, eye[graph.index(o)])[cols] for o in outputs])


def always_forward(graph, values, inputs, outputs):
    J = lagrange.jacobian_matrix(graph, values)
    eye = np.eye(len(graph.order))
    rows = [graph.index(o) for o in outputs]
    return np.array([forward_substitute(eye - J, eye[graph.index(x)])[rows] for x in inputs]).T


def mode_the_wrong_way_round(graph, values, inputs, outputs):
    if len(outputs) > len(inputs):
        return always_reverse(graph, values, inputs, outputs)
    return always_forward(graph, values, inputs, outputs)


def transposed(graph, values, inputs, outputs):
    return jacobian_cheaply(graph, values, inputs, outputs).T


def with_autodiff(graph, values, inputs, outputs):
    mode = "reverse" if len(outputs) <= len(inputs) else "forward"
    return autodiff.jacobian(graph, values, inputs, outputs, mode=mode)


def both_modes_to_be_safe(graph, values, inputs, outputs):
    assert np.allclose(always_reverse(graph, values, inputs, outputs),
                       always_forward(graph, values, inputs, outputs))
    return jacobian_cheaply(graph, values, inputs, outputs)


def dense_solve(graph, values, inputs, outputs):
    J = lagrange.jacobian_matrix(graph, values)
    lam = np.linalg.solve(np.eye(len(J)) - J.T, np.eye(len(J))[:, [graph.index(o) for o in outputs]])
    return lam[[graph.index(x) for x in inputs]].T


def forgot_the_transpose(graph, values, inputs, outputs):
    J = lagrange.jacobian_matrix(graph, values)
    eye = np.eye(len(graph.order))
    cols = [graph.index(x) for x in inputs]
    return np.array([backslash(eye - J, eye[graph.index(o)])[cols] for o in outputs])


@pytest.mark.parametrize("answer", [jacobian_cheaply, jacobian_by_lagrange_rows])
def test_cheaper_jacobian_accepts_right_answers(answer, capsys):
    reverse_mode.cheaper_jacobian(answer, rng=1)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer, message", [
    (always_reverse, "cheaper mode"), (always_forward, "cheaper mode"),
    (mode_the_wrong_way_round, "cheaper mode"), (transposed, "shape"),
    (with_autodiff, "autodiff.jacobian"), (both_modes_to_be_safe, "cheaper mode"),
    (dense_solve, "np.linalg.solve"), (forgot_the_transpose, "raised ValueError"), (None, "no answer"),
])
def test_cheaper_jacobian_rejects_wrong_answers(answer, message):
    with pytest.raises(AssertionError, match=message) as err:
        reverse_mode.cheaper_jacobian(answer, rng=2)
    assert str(err.value).count("\n") <= 1


# -- Exercise 2: the tape ------------------------------------------------------------------


class Value:
    def __init__(self, data, parents=(), partials=()):
        self.data, self.parents, self.partials, self.grad = float(data), parents, partials, 0.0

    def __add__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        return type(self)(self.data + other.data, (self, other), (1.0, 1.0))

    __radd__ = __add__

    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        return type(self)(self.data * other.data, (self, other), (other.data, self.data))

    __rmul__ = __mul__

    def tanh(self):
        t = math.tanh(self.data)
        return type(self)(t, (self,), (1 - t * t,))

    def exp(self):
        e = math.exp(self.data)
        return type(self)(e, (self,), (e,))

    def topological(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node.parents:
                    visit(parent)
                order.append(node)

        visit(self)
        return order

    def backward(self):
        self.grad = 1.0
        for node in reversed(self.topological()):  # users before their arguments
            for parent, partial in zip(node.parents, node.partials):
                parent.grad += node.grad * partial


class PullValue(Value):
    """Another right form: Kahn's algorithm; each node pulls λ_i = Σ_k λ_k ∂f_k/∂z_i."""

    def tanh(self):
        return PullValue(math.tanh(self.data), (self,), (1 / math.cosh(self.data) ** 2,))

    def backward(self):
        users, stack, seen = {}, [self], {id(self)}
        while stack:
            node = stack.pop()
            for parent, partial in zip(node.parents, node.partials):
                users.setdefault(id(parent), []).append((node, partial))
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
        waiting = {key: len(v) for key, v in users.items()}
        ready, self.grad = [self], 1.0
        while ready:
            node = ready.pop()
            if node is not self:
                node.grad = sum(user.grad * partial for user, partial in users[id(node)])
            for parent in set(node.parents):
                waiting[id(parent)] -= node.parents.count(parent)
                if waiting[id(parent)] == 0:
                    ready.append(parent)


class StackNoOrder(Value):
    def backward(self):  # pushes a node's grad once per visit, before all its users are in
        self.grad, stack = 1.0, [self]
        while stack:
            node = stack.pop()
            for parent, partial in zip(node.parents, node.partials):
                parent.grad += node.grad * partial
                stack.append(parent)


class EveryPath(Value):
    def backward(self, upstream=1.0):  # the sum over paths: right numbers, 2^depth work
        self.grad += upstream
        for parent, partial in zip(self.parents, self.partials):
            parent.backward(upstream * partial)


class Overwrites(Value):
    def backward(self):
        self.grad = 1.0
        for node in reversed(self.topological()):
            for parent, partial in zip(node.parents, node.partials):
                parent.grad = node.grad * partial  # = instead of +=


class TopologicalNotReversed(Value):
    def backward(self):
        self.grad = 1.0
        for node in self.topological():  # arguments first: users not done yet
            for parent, partial in zip(node.parents, node.partials):
                parent.grad += node.grad * partial


class TanhSlopeOfInput(Value):
    def tanh(self):
        return type(self)(math.tanh(self.data), (self,), (1 - self.data ** 2,))


class SwappedProduct(Value):
    def __mul__(self, other):
        other = other if isinstance(other, Value) else type(self)(other)
        return type(self)(self.data * other.data, (self, other), (self.data, other.data))

    __rmul__ = __mul__


class NoReflected(Value):
    __radd__ = None


class UsesTheCourse(Value):
    def backward(self):
        lagrange.adjoints(Graph.from_assignments([("y", "x")], inputs=["x"]), {"x": 1.0}, "y")


@pytest.mark.parametrize("answer", [Value, PullValue])
def test_tape_accepts_right_answers(answer, capsys):
    reverse_mode.tape(answer, rng=3)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer, message", [
    (StackNoOrder, "expected"), (EveryPath, "every path"), (Overwrites, "expected"),
    (TopologicalNotReversed, "expected"),
    (TanhSlopeOfInput, "expected"), (SwappedProduct, "expected"),
    (NoReflected, "raised TypeError"), (UsesTheCourse, "lagrange.adjoints"), (None, "no answer yet"),
    (lambda data: data, "should be a class"),
])
def test_tape_rejects_wrong_answers(answer, message):
    with pytest.raises(AssertionError, match=message) as err:
        reverse_mode.tape(answer, rng=4)
    assert str(err.value).count("\n") <= 1


# -- Exercise 3: copies of a shared weight ---------------------------------------------------


def copied_rnn(xs):
    T = len(xs)
    return Graph.from_assignments(
        [(f"w{t}", "w") for t in range(1, T + 1)]
        + [(f"s{t}", f"tanh(w{t}*s{t - 1} + u*({xs[t - 1]}))") for t in range(1, T + 1)]
        + [("l", f"(s{T} - 0.2)**2/2")], inputs=["s0", "w", "u"])


def copied_rnn_other_form(xs):
    steps = []
    for t, x in enumerate(xs, start=1):
        steps += [(f"w{t}", "1*w"), (f"a{t}", f"w{t}*s{t - 1} + {x}*u"), (f"s{t}", f"tanh(a{t})")]
    return Graph.from_assignments(steps + [("l", f"0.5*(s{len(xs)} - 0.2)**2")], inputs=["w", "u", "s0"])


def _rnn(xs, weight_of_step, loss="(s{T} - 0.2)**2/2"):
    T = len(xs)
    return Graph.from_assignments(
        [(f"w{t}", "w") for t in range(1, T + 1)]
        + [(f"s{t}", f"tanh({weight_of_step(t, T)}*s{t - 1} + u*({xs[t - 1]}))") for t in range(1, T + 1)]
        + [("l", loss.format(T=T))], inputs=["s0", "w", "u"])


WRONG_COPIES = [
    (lambda xs: _rnn(xs, lambda t, T: "w1"), "the adjoint of copy"),          # every step reads w1
    (lambda xs: _rnn(xs, lambda t, T: "w"), "the adjoint of copy"),           # copies unused
    (lambda xs: _rnn(xs, lambda t, T: f"w{T + 1 - t}"), "the adjoint of copy"),  # copies reversed
    (lambda xs: _rnn(xs, lambda t, T: f"w{t}", "(s{T} - 0.2)**2"), "the loss"),  # no ½
    (lambda xs: _rnn([0.5, -1.0, 0.8, 0.3], lambda t, T: f"w{t}"), "lacks the nodes|the loss"),
    (lambda xs: lagrange.adjoints(copied_rnn(xs), {"s0": 0.1, "w": 0.8, "u": 1.3}, "l"), "return a Graph"),
    (lambda xs: _rnn(xs[::-1], lambda t, T: f"w{t}"), "the loss"),          # sequence reversed
]


@pytest.mark.parametrize("answer", [copied_rnn, copied_rnn_other_form])
def test_weight_copies_accepts_right_answers(answer, capsys):
    reverse_mode.weight_copies(answer, rng=5)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer, message", WRONG_COPIES)
def test_weight_copies_rejects_wrong_answers(answer, message):
    with pytest.raises(AssertionError, match=message) as err:
        reverse_mode.weight_copies(answer, rng=6)
    assert str(err.value).count("\n") <= 1


def test_weight_copies_rejects_the_sum_spread_over_the_copies():
    """The fault of the old check: per-copy adjoints wrong, their sum right."""
    with pytest.raises(AssertionError, match=r"λ_w\d, the adjoint of copy"):
        reverse_mode.weight_copies(lambda xs: _rnn(xs, lambda t, T: "w1"), rng=7)
