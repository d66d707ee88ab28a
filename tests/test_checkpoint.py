"""Checkpoint schedules: replayed in an independent simulator (legal actions only, never more
than `snapshots` held, every step reversed once in order n−1, …, 0), their advance counts against
the closed form, and the closed form against a brute-force search over every schedule."""

import heapq
from math import comb

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course_lib import checkpoint


def replay(actions, n, snapshots):
    r"""Run a schedule on a chain whose state i is the number i; return (advances, peak held).

    Fails on any illegal action: advancing past the last step, restoring or freeing a state that
    is not stored, storing twice, holding more than `snapshots`, reversing a step other than the
    next one due or with the wrong state current."""
    current, stored, due, advances, peak = 0, set(), n - 1, 0, 0
    for action, i in actions:
        if action == "advance":
            assert current == i and i < n - 1, f"advance {i} with state {current} current"
            current, advances = i + 1, advances + 1
        elif action == "store":
            assert current == i and i not in stored, f"store {i} with state {current} current"
            stored.add(i)
            peak = max(peak, len(stored))
            assert len(stored) <= snapshots, f"{len(stored)} states held, limit {snapshots}"
        elif action == "restore":
            assert i in stored, f"restore {i}, which is not stored"
            current = i
        elif action == "free":
            assert i in stored, f"free {i}, which is not stored"
            stored.remove(i)
        elif action == "reverse":
            assert i == due and current == i, f"reverse {i}: due {due}, current {current}"
            due -= 1
        else:
            raise AssertionError(f"unknown action {action!r}")
    assert due == -1, f"steps {due}..0 never reversed"
    return advances, peak


def brute_force_min_advances(n, snapshots):
    r"""Dijkstra over (current state, stored set, next step due): advances cost 1, the rest 0."""
    start = (0, frozenset(), n - 1)
    best = {start: 0}
    heap = [(0, 0, frozenset(), n - 1)]
    while heap:
        cost, cur, stored, due = heapq.heappop(heap)
        if due == -1:
            return cost
        if best.get((cur, stored, due), 1 << 30) < cost:
            continue
        moves = []
        if cur < due:  # advancing past the next step due is never useful
            moves.append((cost + 1, cur + 1, stored, due))
        if cur not in stored and len(stored) < snapshots:
            moves.append((cost, cur, stored | {cur}, due))
        moves += [(cost, s, stored, due) for s in stored]
        moves += [(cost, cur, stored - {s}, due) for s in stored]
        if cur == due:
            moves.append((cost, cur, stored, due - 1))
        for c, *key in moves:
            key = tuple(key)
            if c < best.get(key, 1 << 30):
                best[key] = c
                heapq.heappush(heap, (c, *key))
    raise AssertionError("no schedule found")


@pytest.mark.parametrize("n", range(1, 8))
@pytest.mark.parametrize("s", range(1, 5))
def test_closed_form_equals_brute_force_search(n, s):
    assert checkpoint.min_forward_steps(n, s) == brute_force_min_advances(n, s)


@given(st.integers(1, 120), st.integers(1, 12))
def test_schedule_is_legal_within_snapshots_and_optimal(n, s):
    advances, peak = replay(checkpoint.schedule(n, s), n, s)
    assert peak <= s
    assert advances == checkpoint.min_forward_steps(n, s)


@given(st.integers(1, 200), st.integers(1, 15))
def test_closed_form_solves_the_recurrence(n, s):
    # T(n, s) = min_m m + T(n − m, s − 1) + T(m, s), T(1, s) = 0, T(n, 1) = n(n − 1)/2
    T = checkpoint.min_forward_steps
    if n == 1:
        assert T(n, s) == 0
    elif s == 1:
        assert T(n, 1) == n * (n - 1) // 2
    else:
        assert T(n, s) == min(m + T(n - m, s - 1) + T(m, s) for m in range(1, n))


def test_repetition_number_and_limits():
    # β(s, r) = C(s + r, s): 3 snapshots reverse up to C(5, 3) = 10 steps advancing each ≤ 2 times
    assert checkpoint.repetition_number(10, 3) == 2 and comb(5, 3) == 10
    assert checkpoint.repetition_number(11, 3) == 3
    n = 30
    assert checkpoint.min_forward_steps(n, n) == n - 1  # store everything: one forward sweep
    assert checkpoint.min_forward_steps(n, 1) == n * (n - 1) // 2
    advances, peak = replay(checkpoint.schedule(n, 100), n, 100)  # more snapshots than steps
    assert (advances, peak) == (n - 1, n)


@given(st.integers(1, 80), st.integers(1, 12))
def test_store_every_k_is_legal_and_never_beats_the_optimum(n, k):
    actions = checkpoint.store_every(n, k)
    held = len(range(0, n, k)) + min(k, n) - 1
    advances, peak = replay(actions, n, held)
    assert peak <= held
    assert advances >= checkpoint.min_forward_steps(n, peak)


@pytest.mark.parametrize("args, error, message", [
    ((0, 2), ValueError, "n_steps must be at least 1"),
    ((5, 0), ValueError, "snapshots must be at least 1"),
    ((5.0, 2), TypeError, "n_steps must be an integer"),
    ((5, True), TypeError, "snapshots must be an integer"),
    ((-3, 2), ValueError, "n_steps must be at least 1, got -3"),
    ((5, -1), ValueError, "snapshots must be at least 1, got -1"),
    ((5, 2.5), TypeError, "snapshots must be an integer, got 2.5"),
    ((5, 2.0), TypeError, "snapshots must be an integer"),
    (("5", 2), TypeError, "n_steps must be an integer, got '5'"),
    ((5, None), TypeError, "snapshots must be an integer, got None"),
])
def test_bad_input_is_named(args, error, message):
    for f in (checkpoint.schedule, checkpoint.min_forward_steps, checkpoint.repetition_number,
              checkpoint.store_every):
        with pytest.raises(error, match=message.replace("snapshots", "k")
                           if f is checkpoint.store_every else message):
            f(*args)


@pytest.mark.parametrize("n, s", [(1, 1), (1, 5), (4, 5), (7, 100)])
def test_more_snapshots_than_steps_is_fine_and_stores_every_state_once(n, s):
    advances, peak = replay(checkpoint.schedule(n, s), n, s)
    assert (advances, peak) == (n - 1, n) == (checkpoint.min_forward_steps(n, s), n)
