"""Tests for course_lib.hamming.

Oracles: brute force over all 2^7 words with the parity-check matrix (independent of the
generator used by the decoders), enumeration of the posterior factor graph, and the
defining properties of the code (minimum distance 3, 16 codewords).
"""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import bp
from course_lib import hamming as hm

ALL_WORDS = np.array(list(itertools.product((0, 1), repeat=7)))


def test_generator_and_parity_check_are_orthogonal():
    G, H = hm.generator_matrix(), hm.parity_check_matrix()
    assert G.shape == (4, 7) and H.shape == (3, 7)
    assert not np.any(H @ G.T % 2)
    assert np.linalg.matrix_rank(H) == 3


def test_every_encoding_has_zero_syndrome_and_the_code_has_distance_three():
    words = [hm.encode(d) for d in itertools.product((0, 1), repeat=4)]
    for d, c in zip(itertools.product((0, 1), repeat=4), words):
        assert not hm.syndrome(c).any()
        np.testing.assert_array_equal(c[:4], d)  # systematic
    zero_syndrome = ALL_WORDS[~(ALL_WORDS @ hm.parity_check_matrix().T % 2).any(axis=1)]
    assert sorted(map(tuple, words)) == sorted(map(tuple, zero_syndrome))
    assert min(int(np.sum(a != b)) for a, b in itertools.combinations(words, 2)) == 3
    np.testing.assert_array_equal(hm.codewords(), words)


def test_redundant_checks_describe_the_same_code():
    for checks in ("minimal", "redundant"):
        rows = hm.parity_checks(checks)
        satisfied = ALL_WORDS[~(ALL_WORDS @ rows.T % 2).any(axis=1)]
        assert sorted(map(tuple, satisfied)) == sorted(map(tuple, hm.codewords()))
    assert (hm.parity_checks("redundant").sum(axis=0) == 4).all()  # every bit in 4 checks


def brute_force_bitwise_map(received, p):
    """Oracle: posterior over all 128 words, restricted to H x = 0, then bitwise argmax."""
    H = hm.parity_check_matrix()
    valid = ~(ALL_WORDS @ H.T % 2).any(axis=1)
    distance = (ALL_WORDS != received).sum(axis=1)
    weight = np.where(valid, p**distance * (1 - p) ** (7 - distance), 0.0)
    posterior_one = weight @ ALL_WORDS / weight.sum()
    return posterior_one, (posterior_one > 0.5).astype(int)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 1), min_size=7, max_size=7), st.floats(0.01, 0.45))
def test_exact_map_equals_brute_force_and_enumeration(received, p):
    received = np.array(received)
    posterior_one, decision = brute_force_bitwise_map(received, p)
    np.testing.assert_allclose(hm.bit_posteriors_exact(received, p), posterior_one, atol=1e-12)
    np.testing.assert_array_equal(hm.decode_map_bitwise(received, p), decision)
    fg = hm.parity_factor_graph(received, p)
    exact = bp.exact_marginals(fg)
    np.testing.assert_allclose([exact[b][1] for b in hm.BIT_NAMES], posterior_one, atol=1e-12)


@pytest.mark.parametrize("p", [0.01, 0.1, 0.2])
def test_bp_corrects_every_single_flip(p):
    for c in hm.codewords():
        for i in range(7):
            y = c.copy()
            y[i] ^= 1
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)  # and it converges
                np.testing.assert_array_equal(hm.decode_bp(y, p), c)
            np.testing.assert_array_equal(hm.decode_map_bitwise(y, p), c)


def test_bp_with_the_three_checks_of_h_misses_flips_of_parity_bits():
    """Loopy BP is not exact: on the 3-check Tanner graph a flip of a parity bit survives."""
    failures = set()
    for c in hm.codewords():
        for i in range(7):
            y = c.copy()
            y[i] ^= 1
            if not np.array_equal(hm.decode_bp(y, 0.1, checks="minimal"), c):
                failures.add(i)
    assert failures == {4, 5, 6}
    y = np.zeros(7, dtype=int)
    y[4] = 1
    assert hm.bit_posteriors_bp(y, 0.1, checks="minimal")[4] > 0.5
    assert hm.bit_posteriors_exact(y, 0.1)[4] == pytest.approx(0.2756, abs=1e-4)


def test_codewords_are_decoded_as_themselves():
    for c in hm.codewords():
        np.testing.assert_array_equal(hm.decode_bp(c, 0.1, checks="minimal"), c)
        np.testing.assert_array_equal(hm.decode_bp(c, 0.1), c)


def test_factor_graph_layout():
    fg = hm.parity_factor_graph([1, 0, 0, 0, 0, 0, 0], 0.1)
    assert fg.variables == hm.BIT_NAMES and len(fg.factors) == 10
    np.testing.assert_allclose(fg.factors[0].table, [0.1, 0.9])
    np.testing.assert_allclose(fg.factors[1].table, [0.9, 0.1])
    assert [len(f.variables) for f in fg.factors[7:]] == [4, 4, 4]
    assert fg.find_cycle() is not None  # loopy
    assert len(hm.parity_factor_graph(np.zeros(7, int), 0.1, checks="redundant").factors) == 14


def test_channel_is_seeded_and_flips_at_the_right_rate():
    c = np.zeros(10_000, dtype=int)
    a = hm.binary_symmetric_channel(c, 0.2, rng=5)
    np.testing.assert_array_equal(a, hm.binary_symmetric_channel(c, 0.2, np.random.default_rng(5)))
    assert abs(a.mean() - 0.2) < 0.02
    np.testing.assert_array_equal(hm.binary_symmetric_channel(c[:7], 0.0, rng=1), c[:7])
    np.testing.assert_array_equal(hm.binary_symmetric_channel(c[:7], 1.0, rng=1), 1 - c[:7])


def test_bit_error_rate_simulation():
    none = hm.bit_error_rate(0.05, 200, "none", seed=3)
    map_ = hm.bit_error_rate(0.05, 200, "map", seed=3)
    bp_ = hm.bit_error_rate(0.05, 200, "bp", seed=3)
    assert none == pytest.approx(0.05, abs=0.02)
    assert map_ < none / 2 and bp_ < none / 2
    assert bp_ == hm.bit_error_rate(0.05, 200, "bp", seed=3)  # seeded


@pytest.mark.parametrize("p", [0.01, 0.3])
@pytest.mark.parametrize("checks", ["minimal", "redundant"])
def test_words_decoded_together_get_their_own_runs_numbers_to_the_last_bit(p, checks):
    together = hm._bit_posteriors_bp_words(ALL_WORDS, p, checks)   # 128 words, several runs
    alone = np.array([hm.bit_posteriors_bp(y, p, checks) for y in ALL_WORDS])
    assert np.array_equal(together, alone)


def plain_bit_error_rate(p, n_words, decoder, seed, checks):
    """Oracle: the simulation written out, one decoder call per word, nothing kept."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 2, size=(n_words, 4))
    flips = rng.random((n_words, 7)) < p
    decode = {"bp": lambda y: hm.decode_bp(y, p, checks),
              "map": lambda y: hm.decode_map_bitwise(y, p), "none": lambda y: y}[decoder]
    errors = sum(int(np.sum(decode(hm.encode(d) ^ f.astype(int))[:4] != d))
                 for d, f in zip(data, flips))
    return errors / (4 * n_words)


@pytest.mark.parametrize("decoder, checks", [("bp", "minimal"), ("bp", "redundant"),
                                             ("map", "redundant"), ("none", "redundant")])
def test_bit_error_rate_equals_the_plain_simulation_and_keeps_decodes(decoder, checks):
    kept: dict = {}
    for p, n, seed in [(0.07, 40, 1), (0.31, 25, 2), (0.07, 60, 3)]:
        expected = plain_bit_error_rate(p, n, decoder, seed, checks)
        assert hm.bit_error_rate(p, n, decoder, seed=seed, checks=checks) == expected
        assert hm.bit_error_rate(p, n, decoder, seed=seed, checks=checks, kept=kept) == expected
    assert kept and all(key[0] == decoder and key[2] in (0.07, 0.31) for key in kept)
    assert len(kept) <= 2 * 128                     # each distinct word once per p
    assert hm.keep_every_word(0.07, decoder, checks, kept) is kept
    assert sum(key[2] == 0.07 for key in kept) == 128
    assert hm.bit_error_rate(0.07, 40, decoder, seed=1, checks=checks, kept=kept) == \
        plain_bit_error_rate(0.07, 40, decoder, 1, checks)
    with pytest.raises(TypeError, match="kept must be a dict"):
        hm.bit_error_rate(0.1, 5, decoder, checks=checks, kept=[])


def test_bad_input():
    with pytest.raises(ValueError, match=r"bits4 must have shape \(4,\)"):
        hm.encode([1, 0, 1])
    with pytest.raises(ValueError, match="only 0 and 1"):
        hm.encode([1, 0, 2, 0])
    with pytest.raises(TypeError, match="bits"):
        hm.encode(["1", "0", "1", "0"])
    with pytest.raises(ValueError, match=r"word must have shape \(7,\)"):
        hm.syndrome(np.zeros(6))
    with pytest.raises(ValueError, match=r"flip_probability must be in \[0, 1\]"):
        hm.binary_symmetric_channel(np.zeros(7, int), 1.5, rng=0)
    with pytest.raises(TypeError, match="rng"):
        hm.binary_symmetric_channel(np.zeros(7, int), 0.1, rng="x")
    with pytest.raises(ValueError, match=r"flip_probability must be in \(0, 1\)"):
        hm.parity_factor_graph(np.zeros(7, int), 0.0)
    with pytest.raises(TypeError, match="flip_probability must be a number"):
        hm.decode_bp(np.zeros(7, int), "0.1")
    with pytest.raises(ValueError, match="received must have shape"):
        hm.decode_map_bitwise(np.zeros(8, int), 0.1)
    with pytest.raises(ValueError, match="only 0 and 1"):
        hm.bit_posteriors_exact(np.full(7, 2), 0.1)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        hm.bit_posteriors_bp(np.zeros(7, int), 1.0)
    with pytest.raises(ValueError, match="checks must be"):
        hm.parity_checks("full")
    with pytest.raises(ValueError, match="checks must be 'minimal' or 'redundant'"):
        hm.decode_bp(np.zeros(7, int), 0.1, checks="all")
    with pytest.raises(ValueError, match="decoder must be one of"):
        hm.bit_error_rate(0.1, 10, decoder="viterbi")
    with pytest.raises(ValueError, match="n_words"):
        hm.bit_error_rate(0.1, 0)
