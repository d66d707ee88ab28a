"""Lesson 11's exercise checks reject the wrong answers a student would write and accept
right answers in other forms."""

import functools

import numpy as np
import pytest

from course_lib import autodiff, checkpoint, lagrange
from course_lib.checks import memory_second_order as check

RNG = 12345


# -- Exercise 1: a schedule simulator -----------------------------------------------------------

def simulator(actions, n, snapshots):
    current, stored, due, advances, peak = 0, set(), n - 1, 0, 0
    for action, i in actions:
        if action == "advance":
            if current != i or i >= n - 1:
                raise ValueError("advance from a state that is not current")
            current, advances = i + 1, advances + 1
        elif action == "store":
            if current != i or len(stored) >= snapshots:
                raise ValueError("cannot store")
            stored.add(i)
            peak = max(peak, len(stored))
        elif action == "restore":
            if i not in stored:
                raise ValueError("not stored")
            current = i
        elif action == "free":
            stored.remove(i)
        elif action == "reverse":
            if i != due or current != i:
                raise ValueError("reverse out of order")
            due -= 1
    if due != -1:
        raise ValueError("not every step reversed")
    return advances, peak


class ClassSimulator:  # the same rules, written as a class: another right form
    def __call__(self, actions, n, snapshots):
        self.state, self.held, self.next, count, top = 0, [], n - 1, 0, 0
        for action, i in actions:
            getattr(self, action)(i, snapshots)
            count += action == "advance"
            top = max(top, len(self.held))
        assert self.next == -1
        return count, top

    def advance(self, i, s):
        assert self.state == i
        self.state += 1

    def store(self, i, s):
        assert self.state == i and len(self.held) < s and i not in self.held
        self.held.append(i)

    def restore(self, i, s):
        assert i in self.held
        self.state = i

    def free(self, i, s):
        self.held.remove(i)

    def reverse(self, i, s):
        assert self.state == i == self.next
        self.next -= 1


def no_legality(actions, n, snapshots):  # counts, never refuses
    advances = sum(a == "advance" for a, _ in actions)
    held = np.cumsum([(a == "store") - (a == "free") for a, _ in actions])
    return advances, int(held.max())


def stores_never_freed(actions, n, snapshots):
    return simulator(actions, n, snapshots)[0], sum(a == "store" for a, _ in actions)


def reverse_counted_as_advance(actions, n, snapshots):
    a, p = simulator(actions, n, snapshots)
    return a + n, p


def refuses_everything(actions, n, snapshots):
    raise ValueError("illegal")


def only_the_count(actions, n, snapshots):
    return simulator(actions, n, snapshots)[0]


@pytest.mark.parametrize("wrong", [no_legality, stores_never_freed, reverse_counted_as_advance,
                                   refuses_everything, only_the_count, None])
def test_simulator_check_rejects(wrong):
    with pytest.raises(AssertionError) as err:
        check.schedule_simulator(wrong, rng=RNG)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("right", [simulator, ClassSimulator()])
def test_simulator_check_accepts(right, capsys):
    check.schedule_simulator(right, rng=RNG)
    assert capsys.readouterr().out.startswith("ok ")


# -- Exercise 2: T(n, s) from the recurrence ---------------------------------------------------

@functools.cache
def forward_steps(n, s):
    if n == 1:
        return 0
    if s == 1:
        return n * (n - 1) // 2
    return min(m + forward_steps(n - m, s - 1) + forward_steps(m, s) for m in range(1, n))


def closed_form(n, s):  # Griewank's closed form, written by the student: also right
    from math import comb
    r = 0
    while comb(s + r, s) < n:
        r += 1
    return 0 if r == 0 else r * n - comb(s + r, s + 1)


def calls_the_library(n, s):
    return checkpoint.min_forward_steps(n, s)


def off_by_one_base(n, s):
    if n == 1:
        return 0
    if s == 1:
        return n * (n + 1) // 2
    return min(m + off_by_one_base(n - m, s - 1) + off_by_one_base(m, s) for m in range(1, n))


def store_everything(n, s):
    return n - 1


def hard_coded(n, s):
    return 35  # a number the notebook printed


def head_without_snapshots(n, s):  # reverses the head with s − 1 snapshots too
    if n == 1:
        return 0
    if s == 1:
        return n * (n - 1) // 2
    return min(m + head_without_snapshots(n - m, s - 1) + head_without_snapshots(m, s - 1)
               for m in range(1, n))


@pytest.mark.parametrize("wrong", [calls_the_library, off_by_one_base, store_everything,
                                   hard_coded, head_without_snapshots, "T"])
def test_forward_steps_check_rejects(wrong):
    with pytest.raises(AssertionError) as err:
        check.forward_steps_function(wrong, rng=RNG)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("right", [forward_steps, closed_form])
def test_forward_steps_check_accepts(right):
    check.forward_steps_function(right, rng=RNG)


# -- Exercise 3: the Hessian by Hessian–vector products ----------------------------------------

def hessian(g, values, output):
    columns = [autodiff.hvp(g, values, output, {x: 1.0}) for x in g.inputs]  # H e_j
    return np.array([[column[i] for column in columns] for i in g.inputs])


def hessian_rows(g, values, output):  # rows instead of columns: H is symmetric, also right
    return np.array([list(autodiff.hvp(g, values, output, {x: 1.0}).values()) for x in g.inputs])


def finite_differences(g, values, output):
    h, n = 1e-5, len(g.inputs)
    H = np.zeros((n, n))
    for j, x in enumerate(g.inputs):
        up = lagrange.adjoints(g, {**values, x: values[x] + h}, output)
        down = lagrange.adjoints(g, {**values, x: values[x] - h}, output)
        H[:, j] = [(up[i] - down[i]) / (2 * h) for i in g.inputs]
    return H


def sign_slip(g, values, output):
    return -hessian(g, values, output)


def diagonal_only(g, values, output):
    return np.diag(np.diag(hessian(g, values, output)))


def two_calls_per_column(g, values, output):  # a central difference of hvp: wasteful
    cols = []
    for x in g.inputs:
        plus = autodiff.hvp(g, values, output, {x: 1.0})
        minus = autodiff.hvp(g, values, output, {x: -1.0})
        cols.append([(plus[i] - minus[i]) / 2 for i in g.inputs])
    return np.column_stack(cols)


def returns_a_dict(g, values, output):
    return {x: autodiff.hvp(g, values, output, {x: 1.0}) for x in g.inputs}


@pytest.mark.parametrize("wrong", [finite_differences, sign_slip, diagonal_only,
                                   two_calls_per_column, returns_a_dict])
def test_hessian_check_rejects(wrong):
    with pytest.raises(AssertionError) as err:
        check.hessian_function(wrong, rng=RNG)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("right", [hessian, hessian_rows])
def test_hessian_check_accepts(right):
    check.hessian_function(right, rng=RNG)
