"""Lesson 12's exercise checks reject the wrong answers a student would write and accept right
answers in other forms."""

import numpy as np
import pytest
from scipy.sparse.csgraph import shortest_path

from course_lib import semiring
from course_lib.checks import semirings as check

RNG = 1212


# -- Exercise 1: the (min, +) back substitution ---------------------------------------------------

def min_plus_solve(N, b):
    n = len(b)
    x = np.full(n, np.inf)
    for i in range(n - 1, -1, -1):
        x[i] = min(b[i], min((N[i, j] + x[j] for j in range(i + 1, n)), default=np.inf))
    return x


def min_plus_vectorised(N, b):  # another right form: one numpy reduction per row, a list out
    x = np.array(b, dtype=float)
    for i in reversed(range(len(b))):
        x[i] = np.minimum(b[i], np.min(N[i, i + 1:] + x[i + 1:], initial=np.inf))
    return list(x)


def max_instead_of_min(N, b):
    n = len(b)
    x = np.full(n, -np.inf)
    for i in range(n - 1, -1, -1):
        reach = [N[i, j] + x[j] for j in range(i + 1, n) if np.isfinite(N[i, j])]
        x[i] = max([b[i]] + reach)
    return x


def times_instead_of_plus(N, b):
    n = len(b)
    x = np.full(n, np.inf)
    for i in range(n - 1, -1, -1):
        with np.errstate(invalid="ignore"):  # inf · 0 = nan: part of this wrong answer
            x[i] = min(b[i], min((N[i, j] * x[j] for j in range(i + 1, n)), default=np.inf))
    return x


def forgets_b(N, b):  # only the last node keeps its b
    n = len(b)
    x = np.full(n, np.inf)
    x[-1] = b[-1]
    for i in range(n - 2, -1, -1):
        x[i] = min(N[i, j] + x[j] for j in range(i + 1, n))
    return x


def top_row_first(N, b):  # reads x_j before it is known
    n = len(b)
    x = np.array(b, dtype=float)
    for i in range(n):
        x[i] = min(b[i], min((N[i, j] + x[j] for j in range(i + 1, n)), default=np.inf))
    return x


def skips_the_next_node(N, b):  # off by one: j from i + 2
    n = len(b)
    x = np.full(n, np.inf)
    for i in range(n - 1, -1, -1):
        x[i] = min(b[i], min((N[i, j] + x[j] for j in range(i + 2, n)), default=np.inf))
    return x


def scipy_shortest_path(N, b):
    d = shortest_path(np.where(np.isinf(N), 0, N), directed=True)
    return np.min(d + b[None, :], axis=1)


def library_solve(N, b):
    return semiring.closure_solve(N, b, "min-plus")


def printed_numbers(N, b):
    return np.array([3.2, 1.5, 0.0, 0.0])


@pytest.mark.parametrize("answer", [min_plus_solve, min_plus_vectorised])
def test_min_plus_accepts_right_answers(answer, capsys):
    check.min_plus_function(answer, rng=RNG)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer", [max_instead_of_min, times_instead_of_plus, forgets_b,
                                    top_row_first, skips_the_next_node, scipy_shortest_path,
                                    library_solve, printed_numbers, None])
def test_min_plus_rejects_wrong_answers(answer):
    with pytest.raises(AssertionError) as err:
        check.min_plus_function(answer, rng=RNG)
    assert 1 <= len(str(err.value).splitlines()) <= 2


def jacobi_rounds(N, b):  # n synchronous rounds: not a back substitution, yet right
    x = np.full(len(b), np.inf)
    for _ in range(len(b)):
        x = np.minimum(b, np.min(N + x[None, :], axis=1))
    return x


def test_min_plus_checks_the_answer_not_the_method(capsys):  # as the prompt says
    check.min_plus_function(jacobi_rounds, rng=RNG)
    assert capsys.readouterr().out.startswith("ok ")


def test_min_plus_forbidden_shortcut_is_named():
    with pytest.raises(AssertionError, match="write the back substitution yourself.*shortest_path"):
        check.min_plus_function(scipy_shortest_path, rng=RNG)


# -- Exercise 2: Viterbi with back-pointers -------------------------------------------------------

def viterbi_path(initial, transition, emission, observations):
    log_a, log_b = np.log(transition), np.log(emission)
    delta = np.log(initial) + log_b[:, observations[0]]
    pointers = []
    for o in observations[1:]:
        scores = delta[:, None] + log_a
        pointers.append(scores.argmax(axis=0))
        delta = scores.max(axis=0) + log_b[:, o]
    path = [int(delta.argmax())]
    for back in reversed(pointers):
        path.append(int(back[path[-1]]))
    return path[::-1], float(delta.max())


def viterbi_loops(initial, transition, emission, observations):  # plain loops, math.log
    import math
    S = len(initial)
    delta = [math.log(initial[s]) + math.log(emission[s][observations[0]]) for s in range(S)]
    pointers = []
    for o in observations[1:]:
        step, new = [], []
        for s in range(S):
            best = max(range(S), key=lambda p: delta[p] + math.log(transition[p][s]))
            step.append(best)
            new.append(delta[best] + math.log(transition[best][s]) + math.log(emission[s][o]))
        pointers.append(step)
        delta = new
    last = max(range(S), key=lambda s: delta[s])
    path = [last]
    for step in reversed(pointers):
        path.insert(0, step[path[0]])
    return tuple(path), delta[last]


def in_probabilities(initial, transition, emission, observations):  # underflows on long chains
    delta = np.asarray(initial) * emission[:, observations[0]]
    pointers = []
    for o in observations[1:]:
        scores = delta[:, None] * transition
        pointers.append(scores.argmax(axis=0))
        delta = scores.max(axis=0) * emission[:, o]
    path = [int(delta.argmax())]
    for back in reversed(pointers):
        path.append(int(back[path[-1]]))
    with np.errstate(divide="ignore"):
        return path[::-1], float(np.log(delta.max()))


def multiplies_logs(initial, transition, emission, observations):  # ⊗ taken as × in log space
    log_a, log_b = np.log(transition), np.log(emission)
    delta = np.log(initial) * log_b[:, observations[0]]
    pointers = []
    for o in observations[1:]:
        scores = delta[:, None] * log_a
        pointers.append(scores.argmax(axis=0))
        delta = scores.max(axis=0) * log_b[:, o]
    path = [int(delta.argmax())]
    for back in reversed(pointers):
        path.append(int(back[path[-1]]))
    return path[::-1], float(delta.max())


def greedy_path(initial, transition, emission, observations):  # no back-pointers
    log_a, log_b = np.log(transition), np.log(emission)
    delta = np.log(initial) + log_b[:, observations[0]]
    path = [int(delta.argmax())]
    for o in observations[1:]:
        delta = (delta[:, None] + log_a).max(axis=0) + log_b[:, o]
        path.append(int(delta.argmax()))
    return path, float(delta.max())


def pointers_off_by_one(initial, transition, emission, observations):
    path, log_p = viterbi_path(initial, transition, emission, observations)
    return path[1:] + path[-1:], log_p


def forward_algorithm(initial, transition, emission, observations):  # sum instead of max
    log_a, log_b = np.log(transition), np.log(emission)
    alpha = np.log(initial) + log_b[:, observations[0]]
    pointers = []
    for o in observations[1:]:
        scores = alpha[:, None] + log_a
        pointers.append(scores.argmax(axis=0))
        alpha = np.logaddexp.reduce(scores, axis=0) + log_b[:, o]
    path = [int(alpha.argmax())]
    for back in reversed(pointers):
        path.append(int(back[path[-1]]))
    return path[::-1], float(np.logaddexp.reduce(alpha))


def library_viterbi(initial, transition, emission, observations):
    return semiring.viterbi(initial, transition, emission, observations)


def path_only(initial, transition, emission, observations):
    return viterbi_path(initial, transition, emission, observations)[0]


@pytest.mark.parametrize("answer", [viterbi_path, viterbi_loops])
def test_viterbi_accepts_right_answers(answer, capsys):
    check.viterbi_function(answer, rng=RNG)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer", [in_probabilities, multiplies_logs, greedy_path,
                                    pointers_off_by_one, forward_algorithm, library_viterbi,
                                    path_only, None])
def test_viterbi_rejects_wrong_answers(answer):
    with pytest.raises(AssertionError) as err:
        check.viterbi_function(answer, rng=RNG)
    assert 1 <= len(str(err.value).splitlines()) <= 2


@pytest.mark.parametrize("seed", range(5))
def test_viterbi_rejects_greedy_and_off_by_one_on_any_seed(seed):
    for answer in (greedy_path, pointers_off_by_one):
        with pytest.raises(AssertionError):
            check.viterbi_function(answer, rng=seed)
