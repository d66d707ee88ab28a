"""The self-checks of 00_start_here reject realistic wrong answers and accept right ones in
other forms (each check is fed fresh random inputs; the tests seed them)."""

import math

import pytest
import sympy

from course_lib.checks import first_steps

x = sympy.Symbol("x")
SEEDS = [0, 1, 2]


def _one_or_two_lines(err) -> None:
    assert 1 <= len(str(err.value).strip().splitlines()) <= 2, str(err.value)


# -- Exercise 1: d/dx x³ sin x ---------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    3 * x**2 * sympy.sin(x) + x**3 * sympy.cos(x),
    x**2 * (3 * sympy.sin(x) + x * sympy.cos(x)),                   # factored
    sympy.diff(x**3 * sympy.sin(x), x),                              # sympy did it
])
def test_derivative_accepts_every_form(answer, capsys):
    first_steps.derivative(answer, rng=0)
    assert capsys.readouterr().out.startswith("ok")


@pytest.mark.parametrize("wrong, message", [
    (3 * x**2 * sympy.cos(x), "differs"),                            # derivative of each factor
    (3 * x**2 * sympy.sin(x) - x**3 * sympy.cos(x), "differs"),      # sign slip on cos
    (3 * x**2 * sympy.sin(x), "differs"),                            # product rule half done
    ("3*x**2*sin(x) + x**3*cos(x)", "string"),                       # typed as text
    (None, "no answer yet"),                                          # the reset line left
    (sympy.Symbol("t") ** 2, "does not define"),                     # wrong symbol
    (sympy.Float(0.6), "differs"),                                    # a number at one point
])
def test_derivative_rejects(wrong, message):
    with pytest.raises(AssertionError, match=message) as err:
        first_steps.derivative(wrong, rng=0)
    if message == "differs":
        assert "the right one is" in str(err.value)  # values at a point, not the formula


# -- Exercise 2: users from arguments ---------------------------------------------------------

def users_right(arguments):
    return {i: [k for k in arguments if i in arguments[k]] for i in arguments}


def users_other_form(arguments):
    users = {i: set() for i in arguments}
    for k, args in arguments.items():
        for i in args:
            users[i].add(k)
    return users


@pytest.mark.parametrize("seed", SEEDS)
def test_users_accepts_lists_and_sets(seed, capsys):
    first_steps.users_function(users_right, rng=seed)
    first_steps.users_function(users_other_form, rng=seed)
    assert capsys.readouterr().out.count("ok") == 2


def users_returns_arguments(arguments):          # a(i) instead of b(i)
    return dict(arguments)


def users_skips_sinks(arguments):                # nodes nobody reads are left out
    users = {}
    for k, args in arguments.items():
        for i in args:
            users.setdefault(i, []).append(k)
    return users


def users_first_argument_only(arguments):        # only a(k)[0] counted
    users = {i: [] for i in arguments}
    for k, args in arguments.items():
        if args:
            users[args[0]].append(k)
    return users


def users_include_self(arguments):               # i listed among its own users
    return {i: [i] + [k for k in arguments if i in arguments[k]] for i in arguments}


def users_raises(arguments):
    return {i: arguments[i].users for i in arguments}


@pytest.mark.parametrize("wrong", [users_returns_arguments, users_skips_sinks,
                                   users_first_argument_only, users_include_self, users_raises,
                                   None, "b(i)"])
@pytest.mark.parametrize("seed", SEEDS)
def test_users_rejects(wrong, seed):
    with pytest.raises(AssertionError) as err:
        first_steps.users_function(wrong, rng=seed)
    _one_or_two_lines(err)


# -- Exercise 3: the chain rule as a mechanism -----------------------------------------------

def chain_forward_then_multiply(functions, derivatives, x):
    z = [x]
    for f in functions[:-1]:
        z.append(f(z[-1]))
    product = 1.0
    for d, zk in zip(derivatives, z):
        product *= d(zk)
    return product


def chain_reverse_accumulation(functions, derivatives, x):
    values = []
    for f in functions:
        values.append(x)
        x = f(x)
    adjoint = 1.0
    for d, z in zip(reversed(derivatives), reversed(values)):
        adjoint = adjoint * d(z)
    return adjoint


@pytest.mark.parametrize("seed", SEEDS)
def test_chain_accepts_forward_and_reverse_order(seed, capsys):
    first_steps.chain_derivative_function(chain_forward_then_multiply, rng=seed)
    first_steps.chain_derivative_function(chain_reverse_accumulation, rng=seed)
    assert capsys.readouterr().out.count("ok") == 2


def chain_all_at_x(functions, derivatives, x):          # every f_k′ evaluated at the input
    return math.prod(d(x) for d in derivatives)


def chain_at_own_output(functions, derivatives, x):     # f_k′(z_k) instead of f_k′(z_{k−1})
    product = 1.0
    for f, d in zip(functions, derivatives):
        x = f(x)
        product *= d(x)
    return product


def chain_sum(functions, derivatives, x):               # adds the local derivatives
    total = 0.0
    for f, d in zip(functions, derivatives):
        total += d(x)
        x = f(x)
    return total


def chain_recomputes(functions, derivatives, x):        # a forward pass per factor
    def z(k):
        v = x
        for f in functions[:k]:
            v = f(v)
        return v
    return math.prod(d(z(k)) for k, d in enumerate(derivatives))


def chain_finite_difference(functions, derivatives, x, h=1e-6):
    def run(v):
        for f in functions:
            v = f(v)
        return v
    return (run(x + h) - run(x - h)) / (2 * h)


def chain_value_not_derivative(functions, derivatives, x):
    for f in functions:
        x = f(x)
    return x


def chain_skips_first(functions, derivatives, x):       # index off by one: f_1′ left out
    z = x
    product = 1.0
    for k, f in enumerate(functions):
        if k > 0:
            product *= derivatives[k](z)
        z = f(z)
    return product


@pytest.mark.parametrize("wrong", [chain_all_at_x, chain_at_own_output, chain_sum,
                                   chain_recomputes, chain_finite_difference,
                                   chain_value_not_derivative, chain_skips_first, None])
@pytest.mark.parametrize("seed", SEEDS)
def test_chain_rejects(wrong, seed):
    with pytest.raises(AssertionError) as err:
        first_steps.chain_derivative_function(wrong, rng=seed)
    _one_or_two_lines(err)


def test_chain_rejects_the_printed_number():
    printed = 0.4  # a number typed in: right once at best, never on the next fresh chain
    def typed(functions, derivatives, x):
        for d in derivatives:
            d(x)
        return printed

    with pytest.raises(AssertionError, match="expected"):
        first_steps.chain_derivative_function(typed, rng=0)
