"""The translator construct by construct, against Python's own integer semantics."""

from __future__ import annotations

import pytest
import sympy as sp
import z3
from hypothesis import given
from hypothesis import strategies as st

from symconv.evaluate import evaluate
from symconv.z3bridge import TranslationError, Z3Translator, floor_div, floor_mod

x, y, z = sp.symbols("x y z", integer=True)
ints = st.integers(-50, 50)
nonzero = ints.filter(lambda v: v != 0)


def z3_value(expr: sp.Basic, env: dict[str, int]) -> int | bool:
    tr = Z3Translator()
    term = tr.translate(expr)
    subs = [(var, z3.IntVal(env[name])) for name, var in tr.variables.items()]
    value = z3.simplify(z3.substitute(term, *subs))
    if z3.is_bool(value):
        return z3.is_true(value)
    return value.as_long()


@given(ints, nonzero)
def test_floor_div_and_mod_match_python_for_negative_operands(n: int, m: int) -> None:
    assert z3.simplify(floor_div(z3.IntVal(n), z3.IntVal(m))).as_long() == n // m
    assert z3.simplify(floor_mod(z3.IntVal(n), z3.IntVal(m))).as_long() == n % m


def test_euclidean_trap_is_avoided() -> None:
    # Z3's own div is Euclidean: 7 div -2 = -3, Python 7 // -2 = -4.
    assert z3.simplify(z3.IntVal(7) / z3.IntVal(-2)).as_long() == -3
    assert z3_value(sp.floor(x / y), {"x": 7, "y": -2}) == -4
    assert z3_value(sp.Mod(x, y), {"x": 7, "y": -2}) == -1
    assert z3_value(sp.ceiling(x / y), {"x": -7, "y": 2}) == -3


EXPRESSIONS = [
    x + y - 3 * z,
    x * y * z,
    x**3 - y**2,
    sp.floor(x / y),
    sp.floor((x + 2 * z - 3) / y) + 1,
    sp.ceiling(x / y),
    sp.ceiling((x - z) / 3),
    sp.floor(x / 2) + sp.floor((x + 1) / 2),
    sp.Mod(x, y),
    sp.Mod(x - 2 * z, y) + sp.Mod(x, 3),
    sp.Min(x, y, z),
    sp.Max(x, y - z),
    sp.Abs(x - y),
    sp.Piecewise((x, x > y), (y - 1, sp.Eq(x, y)), (z, True)),
]


@pytest.mark.parametrize("expr", EXPRESSIONS, ids=str)
@given(ints, nonzero, ints)
def test_integer_constructs_match_plain_python(expr: sp.Expr, xv: int, yv: int, zv: int) -> None:
    env = {"x": xv, "y": yv, "z": zv}
    assert z3_value(expr, env) == evaluate(expr, env)


FORMULAS = [
    sp.Eq(x, y),
    sp.Ne(x, y),
    sp.Lt(x, y),
    sp.Le(x, y),
    sp.Gt(x, y),
    sp.Ge(x, y),
    sp.And(x > 0, y > 0),
    sp.Or(x > 0, sp.Not(y > 0)),
    sp.Implies(x > y, sp.Ge(x - y, 1)),
    sp.Implies(sp.Eq(sp.Mod(x, y), 0), sp.Eq(y * sp.floor(x / y), x)),
]


@pytest.mark.parametrize("formula", FORMULAS, ids=str)
@given(ints, nonzero)
def test_boolean_constructs_match_plain_python(formula: sp.Basic, xv: int, yv: int) -> None:
    env = {"x": xv, "y": yv, "z": 0}
    assert z3_value(formula, env) == evaluate(formula, env)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (x / y, "division outside floor/ceil"),
        (x / 2 + 1, "division outside floor/ceil"),
        (sp.Rational(1, 2) * x, "division outside floor/ceil"),
        (sp.sin(x), "cannot translate sin"),
        (x**y, "unsupported power"),
        (sp.Piecewise((x, x > 0)), "without an otherwise branch"),
        (sp.Symbol("r") + 1, "not declared integer"),
    ],
    ids=str,
)
def test_untranslatable_constructs_raise_clear_errors(expr: sp.Basic, message: str) -> None:
    with pytest.raises(TranslationError, match=message):
        Z3Translator().translate(expr)


def test_divisors_become_obligations_under_their_path_condition() -> None:
    tr = Z3Translator()
    tr.translate(sp.Implies(sp.Ne(y, 0), sp.Eq(sp.floor(x / y), 1)))
    assert len(tr.obligations) == 1
    solver = z3.Solver()
    solver.add(z3.Not(tr.obligations[0]))
    assert solver.check() == z3.unsat  # guarded by y != 0: always discharged
    tr = Z3Translator()
    tr.translate(sp.floor(x / 4) + sp.Mod(x, 3))
    assert tr.obligations == []  # nonzero constant divisors need no obligation
