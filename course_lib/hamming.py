r"""The Hamming(7,4) code over a binary symmetric channel, decoded by belief propagation.

Four data bits d are encoded as the codeword ``c = d G (mod 2)`` with the systematic
generator ``G = [I₄ | P]``; every codeword satisfies the three parity checks ``H c = 0
(mod 2)``, ``H = [Pᵀ | I₃]``. The binary symmetric channel flips each bit independently
with probability ``p``. Given the received word y, the posterior over the sent bits is

    p(x | y) ∝ Π_{i=1}^{7} p(y_i | x_i) Π_{j=1}^{3} 1[ Σ_{i ∈ check j} x_i = 0 (mod 2) ],
    p(y_i | x_i) = 1 − p if y_i = x_i, else p

— a factor graph with 7 bit variables, 7 channel factors and 3 parity factors of 4 bits
each. Its Tanner graph has cycles, so BP is *loopy* here (:func:`decode_bp`); the exact
bitwise MAP decision sums over the 16 codewords (:func:`decode_map_bitwise`).

Loopy BP depends on which checks describe the code. With the 3 rows of H
(``checks="minimal"``) the parity bits 4, 5, 6 sit in one check each, and BP does *not*
correct a single flip of one of them (at p = 0.1 it ends near P = 0.59 for the flipped
bit where the exact posterior is 0.28); flips of the data bits are corrected. With all 7
nonzero sums of rows of H (``checks="redundant"``: same code, every bit in 4 checks) BP
corrects every single flip, and converges in a few iterations. The decoders default to
``"redundant"``; :func:`parity_factor_graph` defaults to the 3 checks of H.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
import warnings

import numpy as np
from scipy.special import logsumexp

from course_lib.bp import belief_propagation, flood
from course_lib.bp_messages import (
    SMALL_REDUCTION,
    Plan,
    compile_plan,
    send_variable_messages,
    uniform_messages,
    variable_log_beliefs,
)
from course_lib.enumeration import assignments
from course_lib.factor_graph import FactorGraph
from course_lib.rng import as_generator

__all__ = [
    "generator_matrix", "parity_check_matrix", "codewords", "encode", "syndrome",
    "binary_symmetric_channel", "parity_checks", "parity_factor_graph", "bit_posteriors_bp",
    "bit_posteriors_exact", "decode_bp", "decode_map_bitwise", "bit_error_rate", "keep_every_word",
    "BIT_NAMES",
]

#: Variable names of the 7 bits in :func:`parity_factor_graph`.
BIT_NAMES = ("b0", "b1", "b2", "b3", "b4", "b5", "b6")

_P_ROWS = ((1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1))  # the parity part P of G = [I | P]


def generator_matrix() -> np.ndarray:
    r"""G = [I₄ | P] (4 × 7): the codeword of data bits d is ``d G mod 2``."""
    return np.hstack([np.eye(4, dtype=int), np.array(_P_ROWS)])


def parity_check_matrix() -> np.ndarray:
    r"""H = [Pᵀ | I₃] (3 × 7), with ``H Gᵀ = 0 (mod 2)``: check j involves the bits with H[j] = 1."""
    return np.hstack([np.array(_P_ROWS).T, np.eye(3, dtype=int)])


def _bits(word, length: int, name: str) -> np.ndarray:
    arr = np.asarray(word)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of bits (0/1), got dtype {arr.dtype}")
    if arr.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},), got {arr.shape}")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError(f"{name} must contain only 0 and 1, got {arr.tolist()}")
    return arr.astype(int)


def _probability(p, name: str = "flip_probability", open_interval: bool = False) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{name} must be a number, got {p!r}")
    p = float(p)
    ok = 0.0 < p < 1.0 if open_interval else 0.0 <= p <= 1.0
    if not ok:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise ValueError(f"{name} must be in {interval}, got {p!r}")
    return p


def encode(bits4) -> np.ndarray:
    r"""The codeword ``c = d G (mod 2)`` of four data bits d (the first 4 bits of c are d)."""
    d = _bits(bits4, 4, "bits4")
    return d @ generator_matrix() % 2


def codewords() -> np.ndarray:
    r"""All 16 codewords (16 × 7), in the order of their data bits 0000, 0001, …, 1111."""
    return assignments((2,) * 4) @ generator_matrix() % 2  # d G mod 2 for every d


def syndrome(word) -> np.ndarray:
    r"""s = H w (mod 2): zero exactly for codewords."""
    return parity_check_matrix() @ _bits(word, 7, "word") % 2


def binary_symmetric_channel(codeword, flip_probability: float, rng=None) -> np.ndarray:
    r"""Flip each bit independently with probability p: ``y_i = x_i ⊕ [u_i < p]``, u_i ~ U(0, 1).

    ``rng`` is a numpy Generator or an integer seed (None: fresh entropy).
    """
    x = _bits(codeword, len(np.asarray(codeword).reshape(-1)), "codeword")
    p = _probability(flip_probability)
    gen = as_generator(rng)
    return x ^ (gen.random(x.shape) < p).astype(int)


def parity_checks(checks: str = "minimal") -> np.ndarray:
    r"""The parity checks as rows of 0/1: ``"minimal"`` = H (3 × 7), ``"redundant"`` = all 7 nonzero
    sums ``u H (mod 2)``, u ∈ {0,1}³ ∖ {0} (each has 4 bits; every bit is in 4 of them).

    Both describe the same code: ``{x : C x = 0 (mod 2)}``.
    """
    h = parity_check_matrix()
    if checks == "minimal":
        return h
    if checks == "redundant":
        return assignments((2,) * 3)[1:] @ h % 2  # u H for every u ≠ 0
    raise ValueError(f"checks must be 'minimal' or 'redundant', got {checks!r}")


def _parity_table(size: int) -> np.ndarray:
    r"""1[Σ_i x_i = 0 mod 2] over ``size`` bits."""
    even = assignments((2,) * size).sum(axis=1) % 2 == 0
    return even.reshape((2,) * size).astype(float)


def parity_factor_graph(received, flip_probability: float,
                        checks: str = "minimal") -> FactorGraph:
    r"""The posterior factor graph of the sent bits given the received word y.

        p(x | y) ∝ Π_i p(y_i | x_i) Π_j 1[ Σ_{i: C[j,i]=1} x_i = 0 (mod 2) ]

    Variables ``b0 … b6`` (2 states); factors 0–6 are the channel likelihoods
    ``p(y_i | x_i)`` as tables over x_i, then one factor per parity check: the 3 rows of H
    (``checks="minimal"``) or the 7 redundant checks (see :func:`parity_checks`). Both give
    the same distribution; loopy BP behaves differently on them.
    """
    y = _bits(received, 7, "received")
    p = _probability(flip_probability, open_interval=True)
    rows = parity_checks(checks)
    fg = FactorGraph({name: 2 for name in BIT_NAMES})
    for i, name in enumerate(BIT_NAMES):
        likelihood = np.where(np.arange(2) == y[i], 1 - p, p)  # p(y_i | x_i) over x_i
        fg.add_factor((name,), likelihood)
    for row in rows:
        scope = tuple(BIT_NAMES[i] for i in np.flatnonzero(row))
        fg.add_factor(scope, _parity_table(len(scope)))
    return fg


def bit_posteriors_bp(received, flip_probability: float, checks: str = "redundant",
                      max_iters: int = 500, damping: float = 0.0, tol: float = 1e-8
                      ) -> np.ndarray:
    r"""``P(x_i = 1 | y)`` for each bit, estimated by loopy BP on :func:`parity_factor_graph`.

    Flooding BP converges to 1e-8 within ~10 iterations on the redundant checks and within
    ~150 on the minimal ones for every received word (checked for p from 0.001 to 0.5), hence
    ``max_iters=500``; if it does not converge, :func:`~course_lib.bp.belief_propagation` warns.
    """
    fg = parity_factor_graph(received, flip_probability, checks)
    result = belief_propagation(fg, max_iters=max_iters, damping=damping, tol=tol,
                                record_history=False)
    return np.array([result.marginals[name][1] for name in BIT_NAMES])


def bit_posteriors_exact(received, flip_probability: float) -> np.ndarray:
    r"""``P(x_i = 1 | y)`` exactly, as a sum over the 16 codewords c:

        P(x_i = 1 | y) = Σ_{c: c_i = 1} p^{d(c,y)} (1 − p)^{7 − d(c,y)} / Σ_c p^{d(c,y)} (1 − p)^{7 − d(c,y)}

    (d = Hamming distance; the codewords are equally likely a priori).
    """
    y = _bits(received, 7, "received")
    p = _probability(flip_probability, open_interval=True)
    words = codewords()
    distance = (words != y).sum(axis=1)
    log_weight = distance * np.log(p) + (7 - distance) * np.log1p(-p)  # log p(y | c)
    weight = np.exp(log_weight - log_weight.max())
    return weight @ words / weight.sum()


#: Received words decoded together in one BP run (at most 128 words exist).
WORDS_PER_RUN = 64


@functools.cache
def _copies_plan(checks: str) -> tuple[Plan, int]:
    r"""The BP plan of as many disjoint copies of the decoder graph as one batch of words holds.

    A batch holds as many words as keep the message arrays (2 entries an edge, 7 + Σ_j |check j|
    edges a word) below ``SMALL_REDUCTION`` entries, the size below which a word's own run
    normalises its messages the same way (``np.logaddexp.reduce``); the factor sends are cut to match
    (:func:`course_lib.bp_messages.split_batches`). Each word then gets exactly the numbers
    of its own run. The channel tables here are placeholders; a batch sets them
    (``unary_log``). Kept per ``checks``: the structure never changes.
    """
    rows = parity_checks(checks)
    copies = min(WORDS_PER_RUN, (SMALL_REDUCTION - 1) // (2 * (7 + int(rows.sum()))))
    fg = FactorGraph({f"{name}_{c}": 2 for c in range(copies) for name in BIT_NAMES})
    for c in range(copies):  # copy c: its 7 channel factors, then its checks (as one word's)
        for name in BIT_NAMES:
            fg.add_factor((f"{name}_{c}",), np.full(2, 0.5))
        for row in rows:
            fg.add_factor(tuple(f"{BIT_NAMES[i]}_{c}" for i in np.flatnonzero(row)),
                          _parity_table(int(row.sum())))
    return compile_plan(fg, {}), copies


def _bit_posteriors_bp_words(words: np.ndarray, p: float, checks: str, max_iters: int = 500,
                             damping: float = 0.0, tol: float = 1e-8) -> np.ndarray:
    r""":func:`bit_posteriors_bp` of every row of ``words`` (W × 7), several words per BP run.

    The words of a batch are disjoint copies of the decoder graph in one flooding run
    (:func:`course_lib.bp.flood` with ``copies``), each stopping on its own: every row equals,
    to the last bit, what :func:`bit_posteriors_bp` returns for that word
    (``tests/test_hamming.py`` checks all 128 words).
    """
    template, copies = _copies_plan(checks)
    posteriors = np.empty(words.shape)
    for start in range(0, len(words), copies):
        block = words[start:start + copies]
        filled = np.concatenate([block, np.repeat(block[-1:], copies - len(block), axis=0)])
        # (the copies past the block are idle placeholders)
        likelihood = np.where(np.arange(2) == filled.reshape(-1, 1), 1 - p, p)  # p(y_i | x_i)
        log_tables = np.log(likelihood)
        plan = dataclasses.replace(  # as compile_plan normalises one-variable factors
            template, unary_log=log_tables - logsumexp(log_tables, axis=1, keepdims=True))
        log_fv, log_vf = uniform_messages(plan)
        send_variable_messages(plan, log_fv, log_vf, plan.all_variables)
        log_fv, _, done = flood(plan, log_fv, log_vf, max_iters, damping, tol, copies=copies,
                                idle=np.arange(copies) >= len(block))
        if not done[:len(block)].all():
            warnings.warn(f"belief propagation did not converge in {max_iters} iterations for "
                          f"{int((~done[:len(block)]).sum())} received words", RuntimeWarning,
                          stacklevel=3)
        beliefs = np.exp(variable_log_beliefs(plan, log_fv))[:, 1].reshape(copies, 7)
        posteriors[start:start + len(block)] = beliefs[:len(block)]
    return posteriors


def decode_bp(received, flip_probability: float, checks: str = "redundant",
              max_iters: int = 500, damping: float = 0.0, tol: float = 1e-8) -> np.ndarray:
    r"""Bitwise decision from loopy BP: ``x̂_i = 1[P_BP(x_i = 1 | y) > 1/2]`` (7 bits).

    With the default ``checks="redundant"`` every single flipped bit is corrected; with
    ``"minimal"`` (the 3 rows of H) flips of the parity bits 4–6 are not (see the module notes).
    """
    posteriors = bit_posteriors_bp(received, flip_probability, checks, max_iters, damping, tol)
    return (posteriors > 0.5).astype(int)


def decode_map_bitwise(received, flip_probability: float) -> np.ndarray:
    r"""Exact bitwise MAP: ``x̂_i = argmax_{x_i} P(x_i | y)``, by enumerating the 16 codewords."""
    return (bit_posteriors_exact(received, flip_probability) > 0.5).astype(int)


def _decode_words(words: np.ndarray, p: float, decoder: str, checks: str,
                  kept: dict) -> np.ndarray:
    r"""The decoder's 7 bits for every row of ``words``; decodes already in ``kept`` are reused."""
    keys = [(decoder, checks if decoder == "bp" else "", p, w.astype(np.int8).tobytes())
            for w in words]
    new = [i for i, key in enumerate(keys) if key not in kept]
    if new and decoder == "bp":
        fresh = (_bit_posteriors_bp_words(words[new], p, checks) > 0.5).astype(int)
    elif new and decoder == "map":
        fresh = np.array([decode_map_bitwise(y, p) for y in words[new]])
    else:
        fresh = words[new]
    for i, bits in zip(new, fresh):
        kept[keys[i]] = bits
    return np.array([kept[key] for key in keys]).reshape(len(words), 7)


def keep_every_word(flip_probability: float, decoder: str = "bp", checks: str = "redundant",
                    kept: dict | None = None) -> dict:
    r"""Decode all 128 possible received words into ``kept`` (a dict, as :func:`bit_error_rate`
    takes it; a new one if None) and return it: later rates at this p need no decoding."""
    p = _probability(flip_probability, open_interval=True)
    parity_checks(checks)  # validates checks
    if decoder not in ("bp", "map", "none"):
        raise ValueError(f"decoder must be one of ['bp', 'map', 'none'], got {decoder!r}")
    kept = {} if kept is None else kept
    _decode_words(assignments((2,) * 7), p, decoder, checks, kept)
    return kept


def bit_error_rate(flip_probability: float, n_words: int = 1000, decoder: str = "bp",
                   seed: int = 0, checks: str = "redundant", kept: dict | None = None) -> float:
    r"""Fraction of wrongly decoded *data* bits over ``n_words`` random words (seeded).

    Each word: 4 uniform data bits → :func:`encode` → :func:`binary_symmetric_channel` →
    decoder (``"bp"`` with the given ``checks``, ``"map"``, or ``"none"`` = read the received
    bits) → the first 4 bits compared with the data. The same seed gives the same words and
    flips for every decoder. A decoder sees only the received word y, so each distinct y is
    decoded once (BP: several words per run, each word's numbers exactly its own run's);
    ``kept``, a dict the caller holds, keeps those decodes from one call to the next.
    """
    p = _probability(flip_probability, open_interval=True)
    if isinstance(n_words, bool) or not isinstance(n_words, numbers.Integral) or n_words < 1:
        raise ValueError(f"n_words must be a positive integer, got {n_words!r}")
    parity_checks(checks)  # validates checks
    if decoder not in ("bp", "map", "none"):
        raise ValueError(f"decoder must be one of ['bp', 'map', 'none'], got {decoder!r}")
    if kept is not None and not isinstance(kept, dict):
        raise TypeError(f"kept must be a dict (or None), got {type(kept).__name__}")
    rng = as_generator(seed)
    data = rng.integers(0, 2, size=(n_words, 4))
    flips = rng.random((n_words, 7)) < p
    received = (data @ generator_matrix() % 2) ^ flips.astype(int)  # encode, then the channel
    words, which = np.unique(received, axis=0, return_inverse=True)
    decoded = _decode_words(words, p, decoder, checks, {} if kept is None else kept)
    errors = int(np.sum(decoded[which.reshape(-1), :4] != data))
    return errors / (4 * n_words)
