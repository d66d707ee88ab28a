r"""Exercise checks for notebooks/13_elimination_and_gaussian_bp.ipynb (built on :mod:`.exercise`).

Exercise 1 writes one Gaussian BP message from the integral; exercise 2 the fill-in and induced
width of an elimination order on a graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import scipy.linalg

from course_lib import elimination, gaussian_bp, junction_tree
from course_lib.factor_graph import FactorGraph

from .exercise import agree, array, call, forbidding, fresh_rng, ok

__all__ = ["gaussian_message", "fill_in_function"]

_SOLVERS = {"np.linalg.solve": np.linalg.solve, "np.linalg.inv": np.linalg.inv,
            "np.linalg.pinv": np.linalg.pinv, "scipy.linalg.solve": scipy.linalg.solve,
            "scipy.linalg.inv": scipy.linalg.inv, "gaussian_bp.solve": gaussian_bp.solve}
_ELIMINATION = {"bp.eliminate": elimination.eliminate,
                "elimination.min_fill_order": elimination.min_fill_order,
                "elimination.min_degree_order": elimination.min_degree_order,
                "junction_tree.calibrate": junction_tree.calibrate}


def _random_tree_precision(rng: np.random.Generator, n: int) -> np.ndarray:
    r"""A random tree's precision matrix: diagonally dominant, couplings of either sign."""
    Q = np.diag(rng.uniform(2.0, 4.0, n))
    for k in range(1, n):
        parent = int(rng.integers(k))
        Q[k, parent] = Q[parent, k] = rng.uniform(0.3, 1.0) * rng.choice([-1, 1])
    perm = rng.permutation(n)
    return Q[np.ix_(perm, perm)]


def _pair(got, what: str) -> tuple[float, float]:
    if not (isinstance(got, (tuple, list)) and len(got) == 2):
        raise AssertionError(f"{what} should return the pair (Q_{{i→j}}, h_{{i→j}}) of two "
                             f"numbers, got {got!r}")
    return (float(array(got[0], f"{what}'s precision Q_{{i→j}}")),
            float(array(got[1], f"{what}'s potential h_{{i→j}}")))


def gaussian_message(message: Callable, rng: np.random.Generator | int | None = None) -> None:
    r"""``message(Q, h, i, j, Q_in, h_in)`` returns (Q_{i→j}, h_{i→j}) from the incoming
    messages ``Q_in[(k, i)]``, ``h_in[(k, i)]`` of every neighbour k of i:

        Q_{i→j} = −Q_ij² / Q_{i∖j},   h_{i→j} = −Q_ij h_{i∖j} / Q_{i∖j},
        Q_{i∖j} = Q_ii + Σ_{k∈∂i∖j} Q_{k→i},   h_{i∖j} = h_i + Σ_{k∈∂i∖j} h_{k→i},

    with ∂i the neighbours of i.

    Tried message by message on fresh random trees (every directed edge, random incoming
    messages), then used for whole flooding runs whose beliefs must be Q⁻¹h and diag Q⁻¹;
    no matrix solves or inverses.
    """
    r = fresh_rng(rng)
    for _ in range(3):
        n = int(r.integers(4, 8))
        Q = _random_tree_precision(r, n)
        h = r.normal(size=n)
        edges = [(i, j) for i in range(n) for j in range(n) if i != j and Q[i, j] != 0]
        Q_in = {e: float(r.uniform(-0.3, 0.8)) for e in edges}
        h_in = {e: float(r.normal()) for e in edges}
        expected = {}
        for i, j in edges:  # the oracle, by the Schur complement of x_i in (x_i, x_j)
            cavity_Q = Q[i, i] + sum(Q_in[(k, i)] for k in range(n) if (k, i) in Q_in and k != j)
            cavity_h = h[i] + sum(h_in[(k, i)] for k in range(n) if (k, i) in h_in and k != j)
            block = np.array([[cavity_Q, Q[i, j]], [Q[i, j], 0.0]])
            expected[i, j] = (block[1, 1] - block[1, 0] * block[0, 1] / block[0, 0],
                              0.0 - block[1, 0] * cavity_h / block[0, 0])
        with forbidding(_SOLVERS, "derive the message from the integral, without solving "
                        "Q x = h", message):
            answers = {(i, j): call(message, Q.copy(), h.copy(), i, j, dict(Q_in), dict(h_in),
                                    name="message") for i, j in edges}
        for i, j in edges:
            Q_ij, h_ij = _pair(answers[i, j], "message")
            agree(Q_ij, expected[i, j][0], f"Q_{{{i}→{j}}}", rtol=1e-9)
            agree(h_ij, expected[i, j][1], f"h_{{{i}→{j}}}", rtol=1e-9)
        # whole runs: on a tree, diameter + 1 flooding rounds give the exact beliefs
        Q_msg = dict.fromkeys(edges, 0.0)
        h_msg = dict.fromkeys(edges, 0.0)
        with forbidding(_SOLVERS, "derive the message from the integral", message):
            for _ in range(n):
                new = {e: _pair(call(message, Q.copy(), h.copy(), *e, Q_msg, h_msg,
                                     name="message"), "message") for e in edges}
                Q_msg = {e: v[0] for e, v in new.items()}
                h_msg = {e: v[1] for e, v in new.items()}
        Q_hat = np.array([Q[i, i] + sum(Q_msg[(k, i)] for k in range(n) if (k, i) in Q_msg)
                           for i in range(n)])
        h_hat = np.array([h[i] + sum(h_msg[(k, i)] for k in range(n) if (k, i) in h_msg)
                           for i in range(n)])
        agree(h_hat / Q_hat, np.linalg.solve(Q, h), "means ĥ_i / Q̂_i after a BP run on a tree")
        agree(1 / Q_hat, np.diag(np.linalg.inv(Q)), "variances 1 / Q̂_i after a BP run on a tree")
    ok("one Gaussian BP message from the integral: every message, and exact beliefs on trees")


def _normalised_edges(got, what: str) -> set[frozenset]:
    try:
        edges = {frozenset(e) for e in got}
    except TypeError:
        raise AssertionError(f"{what} should be a set of edges {{u, v}}, got {got!r}") from None
    for e in edges:
        if len(e) != 2:
            raise AssertionError(f"{what} holds {set(e)!r}, which is not an edge between two "
                                 "variables")
    return edges


def _random_graph(rng: np.random.Generator) -> tuple[list[str], list[tuple[str, str]]]:
    n = int(rng.integers(5, 10))
    names = [f"v{k}" for k in range(n)]
    pairs = list(itertools.combinations(names, 2))
    keep = rng.random(len(pairs)) < rng.uniform(0.25, 0.5)
    edges = [p for p, k in zip(pairs, keep) if k]
    touched = {v for e in edges for v in e}
    for v in names:  # every vertex on an edge: the prompt's graph is given by its edges alone
        if v not in touched:
            u = names[(names.index(v) + int(rng.integers(1, n))) % n]
            edges.append((min(u, v), max(u, v)))
            touched |= {u, v}
    return names, sorted(set(edges))


def fill_in_function(fill_in: Callable, rng: np.random.Generator | int | None = None) -> None:
    r"""``fill_in(edges, order)`` returns (the fill-in edges, the induced width) of eliminating
    the vertices in ``order`` from the graph with ``edges``: eliminating vertex k joins its
    remaining neighbours ∂k pairwise; the new pairs are the fill-in, and the width is max |∂k|
    at elimination. Compared with :func:`course_lib.elimination.eliminate` on fresh random graphs
    and orders; without calling it (or the library's orders)."""
    r = fresh_rng(rng)
    for _ in range(6):
        names, edges = _random_graph(r)
        order = [str(v) for v in r.permutation(names)]
        fg = FactorGraph(dict.fromkeys(names, 2))
        for v in names:
            fg.add_factor((v,), np.ones(2))
        for u, w in edges:
            fg.add_factor((u, w), np.ones((2, 2)))
        expected = elimination.eliminate(fg, order)
        with forbidding(_ELIMINATION, "eliminate the vertices yourself", fill_in):
            got = call(fill_in, list(edges), list(order), name="fill_in")
        if not (isinstance(got, (tuple, list)) and len(got) == 2):
            raise AssertionError(f"fill_in should return (fill-in edges, induced width), got "
                                 f"{got!r}")
        fill = _normalised_edges(got[0], "the fill-in")
        if fill != expected.fill_in:
            extra = sorted(sorted(e) for e in fill - expected.fill_in)
            missing = sorted(sorted(e) for e in expected.fill_in - fill)
            raise AssertionError(f"the fill-in of {len(edges)} edges in order {' '.join(order)} "
                                 f"is off: {len(missing)} edges missing (e.g. {missing[:1]}), "
                                 f"{len(extra)} too many (e.g. {extra[:1]})")
        agree(got[1], expected.induced_width, f"the induced width of order {' '.join(order)}")
    ok("the fill-in and the induced width of an elimination order")
