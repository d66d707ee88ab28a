r"""Checkpointing: reversing a chain of n steps while keeping at most s states.

Reverse mode needs, to reverse step i (back-propagate through x_{i+1} = F_i(x_i)), the state
x_i that step i read. Keeping every state costs n of them; keeping few means recomputing the
others from the nearest stored one. A *schedule* says what to keep and what to recompute:

- ("store", i)    keep a copy of the current state i (it counts against the snapshots);
- ("restore", i)  make stored state i current (the copy stays stored);
- ("free", i)     drop the stored copy of state i;
- ("advance", i)  compute state i + 1 from the current state i;
- ("reverse", i)  back-propagate through step i; the current state must be i, and stays i.

A schedule starts with state 0 current and nothing stored, and reverses steps n−1, …, 0 in
that order.

The fewest advances. Let T(n, s) be the least number of advances that reverses n steps when
state 0 is current and stored and s snapshots may be held (state 0's among them). Reversing
step 0 needs no advance, T(1, s) = 0. With one snapshot the only way is to advance from state 0
to the last step not yet reversed each time: T(n, 1) = (n − 1) + T(n − 1, 1) = n(n − 1)/2.
With s ≥ 2, advance to some state m, store it, reverse the last n − m steps with the s − 1
snapshots left, free m, restore 0 and reverse the first m steps:

    T(n, s) = min_{1 ≤ m < n}  m + T(n − m, s − 1) + T(m, s).

Griewank (1992) solved this recurrence in closed form ("revolve", the binomial schedule): with
β(s, r) = C(s + r, s) the most steps s snapshots reverse with each step advanced at most r
times, and r the least repetition number with β(s, r) ≥ n,

    T(n, s) = r·n − β(s + 1, r − 1) = r·n − C(s + r, s + 1).

:func:`min_forward_steps` returns that number and :func:`schedule` a schedule that attains it
(its split m is the one the recurrence minimises; tests replay it in a simulator and compare it
with a brute-force search on small chains).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from math import comb
from typing import Any

__all__ = ["schedule", "min_forward_steps", "repetition_number", "store_every", "replay"]

Action = tuple[str, int]


def _check(n_steps, snapshots, second: str = "snapshots") -> tuple[int, int]:
    for name, v in (("n_steps", n_steps), (second, snapshots)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{name} must be an integer, got {v!r}")
        if v < 1:
            raise ValueError(f"{name} must be at least 1, got {v}")
    return n_steps, snapshots


def repetition_number(n_steps: int, snapshots: int) -> int:
    r"""The least r with β(s, r) = C(s + r, s) ≥ n: the most times any step is advanced."""
    n, s = _check(n_steps, snapshots)
    r = 0
    while comb(s + r, s) < n:
        r += 1
    return r


def min_forward_steps(n_steps: int, snapshots: int) -> int:
    r"""T(n, s) = r·n − C(s + r, s + 1): the advances of an optimal schedule (Griewank 1992)."""
    n, s = _check(n_steps, snapshots)
    r = repetition_number(n, s)
    if r == 0:  # n = 1: reversing step 0 needs nothing
        return 0
    return r * n - comb(s + r, s + 1)


def _cost(n: int, s: int) -> int:
    return min_forward_steps(n, s)


@cache
def _split(n: int, s: int) -> int:
    r"""The m of T(n, s) = m + T(n − m, s − 1) + T(m, s) (n ≥ 2, s ≥ 2): the least minimiser."""
    best, best_m = None, 1
    for m in range(1, n):
        c = m + _cost(n - m, s - 1) + _cost(m, s)
        if best is None or c < best:
            best, best_m = c, m
    return best_m


def _reverse(start: int, n: int, s: int, out: list[Action]) -> None:
    r"""Reverse steps start+n−1, …, start; state `start` is current and stored; s snapshots
    may be held in all (`start`'s among them). Leaves `start` current and still stored."""
    while n > 1:
        if s == 1:
            for i in range(start, start + n - 1):  # advance to the last step not yet reversed
                out.append(("advance", i))
            out.append(("reverse", start + n - 1))
            out.append(("restore", start))
            n -= 1
            continue
        m = _split(n, s)
        for i in range(start, start + m):
            out.append(("advance", i))
        out.append(("store", start + m))
        _reverse(start + m, n - m, s - 1, out)  # the tail, with one snapshot fewer
        out.append(("free", start + m))
        out.append(("restore", start))
        n = m  # then the head, with all s snapshots
    out.append(("reverse", start))


def schedule(n_steps: int, snapshots: int) -> list[Action]:
    r"""An optimal (binomial, "revolve") schedule reversing n steps with at most s stored states.

    Returns the list of actions described in the module docstring; its number of
    ("advance", i) actions is :func:`min_forward_steps`. ``snapshots`` larger than the number
    of steps is fine: then every state is stored once (n − 1 advances).
    """
    n, s = _check(n_steps, snapshots)
    s = min(s, n)
    out: list[Action] = [("store", 0)]
    _reverse(0, n, s, out)
    out.append(("free", 0))
    return out


def store_every(n_steps: int, k: int) -> list[Action]:
    r"""The simple schedule: store every k-th state on the way forward, then reverse each
    segment by re-advancing from its stored start, keeping the segment's states (≈ n/k + k
    states held; with k ≈ √n that is ≈ 2√n, and every step is advanced at most twice)."""
    n, k = _check(n_steps, k, "k")
    out: list[Action] = []
    starts = list(range(0, n, k))
    for i in range(n - 1):  # the forward sweep, keeping segment starts
        if i in starts:
            out.append(("store", i))
        out.append(("advance", i))
    if n - 1 in starts:
        out.append(("store", n - 1))
    for a in reversed(starts):
        b = min(a + k, n)  # segment a … b−1
        out.append(("restore", a))
        for i in range(a, b - 1):  # recompute the segment, storing its states
            out.append(("advance", i))
            out.append(("store", i + 1))
        for i in range(b - 1, a - 1, -1):
            if i != b - 1:
                out.append(("restore", i))
            out.append(("reverse", i))
            if i != a:
                out.append(("free", i))
        out.append(("free", a))
    return out


def replay(actions: Iterable[Action], state: Any, advance: Callable[[int, Any], Any],
           reverse: Callable[[int, Any], None]) -> None:
    r"""Carry out a schedule on real states: ``advance(i, x_i)`` returns x_{i+1}, and
    ``reverse(i, x_i)`` back-propagates through step i; stored states are kept in a dict."""
    stored: dict[int, Any] = {}
    for action, i in actions:
        if action == "store":
            stored[i] = state
        elif action == "restore":
            state = stored[i]
        elif action == "free":
            del stored[i]
        elif action == "advance":
            state = advance(i, state)
        elif action == "reverse":
            reverse(i, state)
        else:
            raise ValueError(f"unknown action {action!r}; expected store, restore, free, "
                             "advance or reverse")
