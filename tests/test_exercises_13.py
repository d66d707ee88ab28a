"""Lesson 13's exercise checks reject the wrong answers a student would write and accept right
answers in other forms."""

import collections
import itertools

import numpy as np
import pytest

from course_lib import bp
from course_lib.checks import elimination_gaussian as check
from course_lib.factor_graph import FactorGraph

RNG = 2026


# -- Exercise 1: one Gaussian BP message ---------------------------------------------------------

def neighbours(Q, i):
    return [k for k in range(len(Q)) if k != i and Q[i, k] != 0]


def message(Q, h, i, j, Q_in, h_in):
    Q_cav = Q[i, i] + sum(Q_in[(k, i)] for k in neighbours(Q, i) if k != j)
    h_cav = h[i] + sum(h_in[(k, i)] for k in neighbours(Q, i) if k != j)
    return -Q[i, j] ** 2 / Q_cav, -Q[i, j] * h_cav / Q_cav


def message_other_form(Q, h, i, j, Q_in, h_in):
    # all incoming, then take j's own message back out; a list instead of a tuple
    Q_all = Q[i, i] + sum(Q_in[(k, i)] for k in neighbours(Q, i))
    h_all = h[i] + sum(h_in[(k, i)] for k in neighbours(Q, i))
    a, c = Q_all - Q_in[(j, i)], h_all - h_in[(j, i)]
    variance = 1.0 / a
    return [-(Q[i, j] * variance * Q[i, j]), -(Q[i, j] * variance) * c]


def message_keeps_j(Q, h, i, j, Q_in, h_in):  # j's own message echoed back
    Q_cav = Q[i, i] + sum(Q_in[(k, i)] for k in neighbours(Q, i))
    h_cav = h[i] + sum(h_in[(k, i)] for k in neighbours(Q, i))
    return -Q[i, j] ** 2 / Q_cav, -Q[i, j] * h_cav / Q_cav


def message_sign_slip(Q, h, i, j, Q_in, h_in):
    Q_ij, h_ij = message(Q, h, i, j, Q_in, h_in)
    return -Q_ij, h_ij


def message_potential_sign(Q, h, i, j, Q_in, h_in):
    Q_ij, h_ij = message(Q, h, i, j, Q_in, h_in)
    return Q_ij, -h_ij


def message_no_incoming(Q, h, i, j, Q_in, h_in):  # only node i's own factor
    return -Q[i, j] ** 2 / Q[i, i], -Q[i, j] * h[i] / Q[i, i]


def message_by_inverse(Q, h, i, j, Q_in, h_in):  # the forbidden shortcut: the exact answer
    cov = np.linalg.inv(Q)
    return Q[j, j] - 1 / cov[j, j], 0.0


def message_variance(Q, h, i, j, Q_in, h_in):  # returns 1/Q_{i→j} instead of Q_{i→j}
    Q_ij, h_ij = message(Q, h, i, j, Q_in, h_in)
    return 1 / Q_ij, h_ij


def test_message_accepts_right_answers():
    check.gaussian_message(message, rng=RNG)
    check.gaussian_message(message_other_form, rng=RNG + 1)


@pytest.mark.parametrize("wrong", [message_keeps_j, message_sign_slip, message_potential_sign,
                                   message_no_incoming, message_by_inverse, message_variance,
                                   None, lambda *a: 3.0])
def test_message_rejects_wrong_answers(wrong):
    with pytest.raises(AssertionError):
        check.gaussian_message(wrong, rng=RNG)


def test_message_rejection_is_short():
    with pytest.raises(AssertionError) as err:
        check.gaussian_message(message_sign_slip, rng=RNG)
    assert 1 <= len(str(err.value).splitlines()) <= 2
    with pytest.raises(AssertionError, match="np.linalg.inv"):
        check.gaussian_message(message_by_inverse, rng=RNG)


# -- Exercise 2: fill-in and induced width ------------------------------------------------------

def fill_in(edges, order):
    adjacency = {v: set() for v in order}
    for u, w in edges:
        adjacency[u].add(w)
        adjacency[w].add(u)
    fill, width = set(), 0
    for v in order:
        nb = adjacency.pop(v)
        width = max(width, len(nb))
        for a, b in itertools.combinations(nb, 2):
            if b not in adjacency[a]:
                adjacency[a].add(b)
                adjacency[b].add(a)
                fill.add(frozenset((a, b)))
        for u in nb:
            adjacency[u].discard(v)
    return fill, width


def fill_in_by_matrix(edges, order):  # symbolic Cholesky on a boolean matrix; a list of tuples
    index = {v: k for k, v in enumerate(order)}
    n = len(order)
    M = np.eye(n, dtype=bool)
    for u, w in edges:
        M[index[u], index[w]] = M[index[w], index[u]] = True
    original = M.copy()
    width = 0
    for k in range(n):
        later = [j for j in range(k + 1, n) if M[k, j]]
        width = max(width, len(later))
        for a in later:
            for b in later:
                M[a, b] = True
    fill = [(order[a], order[b]) for a in range(n) for b in range(a + 1, n)
            if M[a, b] and not original[a, b]]
    return fill, width


def fill_in_keeps_eliminated(edges, order):  # never removes v: neighbours include the dead
    adjacency = {v: set() for v in order}
    for u, w in edges:
        adjacency[u].add(w)
        adjacency[w].add(u)
    fill, width = set(), 0
    for v in order:
        nb = set(adjacency[v])
        width = max(width, len(nb))
        for a, b in itertools.combinations(nb, 2):
            if b not in adjacency[a]:
                adjacency[a].add(b)
                adjacency[b].add(a)
                fill.add(frozenset((a, b)))
    return fill, width


def fill_in_clique_size(edges, order):  # the width counted as the clique's size
    fill, width = fill_in(edges, order)
    return fill, width + 1


def fill_in_all_pairs(edges, order):  # every pair of neighbours, existing edges included
    adjacency = {v: set() for v in order}
    for u, w in edges:
        adjacency[u].add(w)
        adjacency[w].add(u)
    fill, width = set(), 0
    for v in order:
        nb = adjacency.pop(v)
        width = max(width, len(nb))
        for a, b in itertools.combinations(nb, 2):
            adjacency[a].add(b)
            adjacency[b].add(a)
            fill.add(frozenset((a, b)))
        for u in nb:
            adjacency[u].discard(v)
    return fill, width


def fill_in_original_graph_only(edges, order):  # fill never feeds later steps
    adjacency = {v: set() for v in order}
    for u, w in edges:
        adjacency[u].add(w)
        adjacency[w].add(u)
    fill, width, gone = set(), 0, set()
    for v in order:
        nb = adjacency[v] - gone
        width = max(width, len(nb))
        for a, b in itertools.combinations(nb, 2):
            if b not in adjacency[a]:
                fill.add(frozenset((a, b)))
        gone.add(v)
    return fill, width


def fill_in_by_library(edges, order):  # the forbidden shortcut
    fg = FactorGraph(dict.fromkeys(order, 2))
    for u, w in edges:
        fg.add_factor((u, w), np.ones((2, 2)))
    r = bp.eliminate(fg, order)
    return r.fill_in, r.induced_width


def fill_in_from_edges(edges, order):  # neighbour lists built from the edges alone (defaultdict)
    adjacency = collections.defaultdict(set)
    for u, w in edges:
        adjacency[u].add(w)
        adjacency[w].add(u)
    fill, width = set(), 0
    for v in order:
        nb = adjacency.pop(v)
        width = max(width, len(nb))
        for a, b in itertools.combinations(sorted(nb), 2):
            if b not in adjacency[a]:
                adjacency[a].add(b)
                adjacency[b].add(a)
                fill.add(frozenset((a, b)))
        for u in nb:
            adjacency[u].discard(v)
    return fill, width


def test_fill_in_accepts_right_answers():
    check.fill_in_function(fill_in, rng=RNG)
    check.fill_in_function(fill_in_by_matrix, rng=RNG + 1)
    for seed in range(8):  # every vertex of the check's graphs is on an edge (a reviewer's catch)
        check.fill_in_function(fill_in_from_edges, rng=seed)


@pytest.mark.parametrize("wrong", [fill_in_keeps_eliminated, fill_in_clique_size,
                                   fill_in_all_pairs, fill_in_original_graph_only,
                                   fill_in_by_library, None, lambda e, o: (set(), 0),
                                   lambda e, o: set()])
def test_fill_in_rejects_wrong_answers(wrong):
    with pytest.raises(AssertionError):
        check.fill_in_function(wrong, rng=RNG)


def test_fill_in_rejection_is_short():
    with pytest.raises(AssertionError) as err:
        check.fill_in_function(fill_in_clique_size, rng=RNG)
    assert 1 <= len(str(err.value).splitlines()) <= 2
    with pytest.raises(AssertionError, match="bp.eliminate"):
        check.fill_in_function(fill_in_by_library, rng=RNG)


# -- the lesson's prose: "None has width 3: the 4×4 grid's treewidth is 4" ----------------------


def test_four_by_four_grid_has_treewidth_four():
    """Exact treewidth by the dynamic programme over vertex subsets (Bodlaender, Fomin, Koster,
    Kratsch & Thilikos 2006): TW(S) = min over v in S of max(TW(S − v), |Q(S − v, v)|), where
    Q(S, v) are the vertices outside S ∪ {v} reachable from v through S (v's neighbours when
    the vertices S were eliminated first). ~1.5 s CPU."""
    n = 4
    adjacency = [0] * (n * n)
    for r, c in itertools.product(range(n), repeat=2):
        for rr, cc in ((r, c + 1), (r + 1, c)):
            if rr < n and cc < n:
                adjacency[r * n + c] |= 1 << (rr * n + cc)
                adjacency[rr * n + cc] |= 1 << (r * n + c)

    def remaining_neighbours(S, v):
        seen = frontier = 1 << v
        outside = 0
        while frontier:
            reached = 0
            for u in range(n * n):
                if frontier >> u & 1:
                    reached |= adjacency[u] & ~seen
            seen |= reached
            outside |= reached & ~S
            frontier = reached & S
        return bin(outside).count("1")

    width = {0: -1}
    for S in range(1, 1 << (n * n)):
        width[S] = min(max(width[S & ~(1 << v)], remaining_neighbours(S & ~(1 << v), v))
                       for v in range(n * n) if S >> v & 1)
    assert width[(1 << (n * n)) - 1] == 4
