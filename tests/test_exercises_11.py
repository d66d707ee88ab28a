"""Lesson 11's exercise checks reject the wrong answers a student would write and accept
right answers in other forms."""

import functools

import numpy as np
import pytest

from course_lib import autodiff, lagrange
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


# -- Exercise 2: reach(s, r) by its recurrence -------------------------------------------------

@functools.cache
def longest_chain(s, r):
    if r == 0:
        return 1
    if s == 1:
        return r + 1
    return longest_chain(s - 1, r) + longest_chain(s, r - 1)


def by_loops(s, r):  # the same recurrence as a table: also right
    table = [[1] * (r + 1) for _ in range(s + 1)]
    for a in range(1, s + 1):
        for b in range(1, r + 1):
            table[a][b] = table[a - 1][b] + table[a][b - 1]
    return table[s][r]


def uses_comb(s, r):
    import math
    return math.comb(s + r, s)


def wrong_base(s, r):  # reach(1, r) = r instead of r + 1
    if r == 0:
        return 1
    if s == 1:
        return r
    return wrong_base(s - 1, r) + wrong_base(s, r - 1)


def diagonal_step(s, r):  # steps both indices at once
    if r == 0:
        return 1
    if s == 1:
        return r + 1
    return diagonal_step(s - 1, r - 1) + diagonal_step(s, r - 1)


def product_instead_of_sum(s, r):
    if r == 0 or s == 1:
        return r + 1
    return product_instead_of_sum(s - 1, r) * product_instead_of_sum(s, r - 1)


def hard_coded(s, r):
    return 286  # C(13, 10), the reach of 10 snapshots with r = 3, a number from the lesson


@pytest.mark.parametrize("wrong", [uses_comb, wrong_base, diagonal_step,
                                   product_instead_of_sum, hard_coded, None])
def test_longest_chain_check_rejects(wrong):
    with pytest.raises(AssertionError) as err:
        check.longest_chain_function(wrong, rng=RNG)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("right", [longest_chain, by_loops])
def test_longest_chain_check_accepts(right):
    check.longest_chain_function(right, rng=RNG)


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
