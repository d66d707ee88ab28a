"""The self-checks of 02_symbolic_backprop reject realistic wrong answers and accept right
ones in other forms (fresh random points and graphs; the tests seed them)."""

import functools

import pytest
import sympy

from course_lib import symbolic
from course_lib.checks import symbolic_derivation as sd

x, y, u, s, c, f = sympy.symbols("x y u s c f")
lu, ls, lc, lf = sympy.symbols("lambda_u lambda_s lambda_c lambda_f")
SEEDS = [0, 1, 2]

L1 = f - lu * (u - x * y) - ls * (s - sympy.sin(u)) - lc * (c - u**2) - lf * (f - (s + c))
RULE = ls * sympy.cos(u) + 2 * lc * u


def _one_or_two_lines(err) -> None:
    assert 1 <= len(str(err.value).strip().splitlines()) <= 3, str(err.value)


# -- Exercise 1: the Lagrangian and the condition of u ------------------------------------------

@pytest.mark.parametrize("lagrangian, rule", [
    (L1, RULE),
    (sympy.expand(L1), lc * 2 * u + sympy.cos(u) * ls),                      # expanded, reordered
    (L1, ls * sympy.cos(x * y) + 2 * lc * x * y),                            # u written as x y
])
def test_stationarity_accepts(lagrangian, rule, capsys):
    sd.stationarity_of_u(lagrangian, rule, rng=0)
    assert capsys.readouterr().out.startswith("ok")


@pytest.mark.parametrize("lagrangian, rule, message", [
    (f + lu * (u - x * y) + ls * (s - sympy.sin(u)) + lc * (c - u**2) + lf * (f - s - c),
     RULE, "L1 differs"),                                                     # + instead of −
    (L1 + lf * (f - (s + c)), RULE, "L1 differs"),                            # output term left out
    (L1.subs(u, x * y), RULE, "L1 differs"),                                  # f_u put into the others
    (L1, -RULE, "lambda_u_rule differs"),                                     # sign slip
    (L1, ls * sympy.cos(u), "lambda_u_rule differs"),                         # one user forgotten
    (L1, sympy.cos(u) + 2 * u, "lambda_u_rule differs"),                      # λ's put in as 1
    (L1, lc * sympy.cos(u) + 2 * ls * u, "lambda_u_rule differs"),            # multipliers swapped
    (L1, ls * sympy.sin(u) + lc * u**2, "lambda_u_rule differs"),             # f_k, not ∂f_k/∂u
    (L1, None, "no answer yet"),
    ("f - lambda_u*(u - x*y)", RULE, "string"),
])
def test_stationarity_rejects(lagrangian, rule, message):
    with pytest.raises(AssertionError, match=message) as err:
        sd.stationarity_of_u(lagrangian, rule, rng=0)
    _one_or_two_lines(err)


# -- Exercise 2: the input gradients ------------------------------------------------------------

GX = y * sympy.cos(x * y) + 2 * x * y**2
GY = x * sympy.cos(x * y) + 2 * x**2 * y


@pytest.mark.parametrize("gx, gy", [
    (GX, GY),
    ((sympy.cos(u) + 2 * u) * y, (sympy.cos(u) + 2 * u) * x),               # through u = x y
    (sympy.diff(sympy.sin(x * y) + x**2 * y**2, x), sympy.factor(GY)),
])
def test_gradients_accept(gx, gy, capsys):
    sd.input_gradients(gx, gy, rng=0)
    assert capsys.readouterr().out.startswith("ok")


@pytest.mark.parametrize("gx, gy", [
    (y * sympy.cos(x * y), GY),                                               # path through c lost
    (sympy.cos(x * y) + 2 * x * y, GY),                                       # ∂u/∂x = y left out
    (GY, GX),                                                                 # x and y swapped
    (GX, -GY),                                                                # sign slip
    (sympy.sin(x * y) + (x * y) ** 2, GY),                                    # the forward value f
    (GX, (sympy.cos(u) + 2 * u)),                                             # λ_u, not λ_y
    (GX, None),
])
def test_gradients_reject(gx, gy):
    with pytest.raises(AssertionError) as err:
        sd.input_gradients(gx, gy, rng=0)
    _one_or_two_lines(err)


# -- Exercise 3: the backward recurrence as a mechanism -----------------------------------------

def adjoints_reverse_order(graph, output):
    lam = {}
    for i in reversed(graph.order):
        seed = 1 if i == output else 0
        lam[i] = seed + sum(lam[k] * graph.partial(k, i) for k in graph.users(i))
    return lam


def adjoints_recursive(graph, output):
    @functools.cache
    def lam(i):
        if i == output:
            return sympy.S.One
        return sum((lam(k) * sympy.diff(graph.expressions[k], graph.symbols[i])
                    for k in graph.users(i)), sympy.S.Zero)
    return {i: lam(i) for i in graph.order}


@pytest.mark.parametrize("answer", [adjoints_reverse_order, adjoints_recursive])
@pytest.mark.parametrize("seed", SEEDS)
def test_adjoints_accept(answer, seed, capsys):
    sd.adjoint_formulas_function(answer, rng=seed)
    assert capsys.readouterr().out.startswith("ok")


def adjoints_first_user_only(graph, output):
    lam = {}
    for i in reversed(graph.order):
        users = graph.users(i)
        lam[i] = 1 if i == output else (lam[users[0]] * graph.partial(users[0], i) if users else 0)
    return lam


def adjoints_no_seed(graph, output):
    lam = {}
    for i in reversed(graph.order):
        lam[i] = sum(lam[k] * graph.partial(k, i) for k in graph.users(i))
    return lam


def adjoints_transposed_partial(graph, output):
    lam = {}
    for i in reversed(graph.order):
        seed = 1 if i == output else 0
        lam[i] = seed + sum(lam[k] * graph.partial(i, k) for k in graph.users(i))
    return lam


def adjoints_forward_order(graph, output):
    lam = {output: 1}
    for i in graph.order:
        if i != output:
            lam[i] = sum(lam.get(k, 0) * graph.partial(k, i) for k in graph.users(i))
    return lam


def adjoints_without_lambda(graph, output):
    lam = {}
    for i in reversed(graph.order):
        lam[i] = 1 if i == output else sum(graph.partial(k, i) for k in graph.users(i))
    return lam


def adjoints_library(graph, output):
    return symbolic.solve_adjoints(graph, output)


def adjoints_by_solve(graph, output):
    lagrangian = symbolic.lagrangian(graph, output)
    lams = [sympy.Symbol(f"lambda_{k}") for k in graph.assigned]
    eqs = [sympy.diff(lagrangian, graph.symbols[k]) for k in graph.assigned]
    sol = sympy.solve(eqs, lams, dict=True)[0]
    return {i: sympy.diff(lagrangian, graph.symbols[i]).subs(sol) if i in graph.inputs
            else sol[sympy.Symbol(f"lambda_{i}")] for i in graph.order}


def adjoints_recurrence_symbols(graph, output):     # λ's of the users left as symbols
    return {i: 1 if i == output else sum(sympy.Symbol(f"lambda_{k}") * graph.partial(k, i)
                                         for k in graph.users(i)) for i in graph.order}


@pytest.mark.parametrize("wrong", [adjoints_first_user_only, adjoints_no_seed,
                                   adjoints_transposed_partial, adjoints_forward_order,
                                   adjoints_without_lambda, adjoints_library, adjoints_by_solve,
                                   adjoints_recurrence_symbols, None])
def test_adjoints_reject(wrong):
    with pytest.raises(AssertionError) as err:
        sd.adjoint_formulas_function(wrong, rng=0)
    _one_or_two_lines(err)


def test_adjoints_forbidden_routes_are_named():
    with pytest.raises(AssertionError, match="write the backward recurrence yourself"):
        sd.adjoint_formulas_function(adjoints_library, rng=0)
    with pytest.raises(AssertionError, match="sympy.solve"):
        sd.adjoint_formulas_function(adjoints_by_solve, rng=0)
