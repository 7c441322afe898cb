"""One dispatch for the SymPy walkers (symconv.walk), and one test that they agree.

Every walker is fed the same node kinds. At every point of a small grid (zero divisors
included) it must give the value of a brute-force Python reference, be undefined exactly where
the reference divides by zero, and refuse -- with a WalkError -- exactly the kinds it declares
below. A printer is judged by what its text computes: the Python is translated by
symconv.pysem, the C is run by symconv.codegen.cinterp, the claim text is parsed back; the C
lowering's steps are run here.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

import pytest
import sympy as sp
import z3

from symconv import printing
from symconv.claims import parse
from symconv.codegen import c as cgen
from symconv.codegen.c import Checked, Let, Require, Select
from symconv.codegen.cinterp import Interpreter, Undefined
from symconv.codegen.clower import _Lowering
from symconv.codegen.cparse import parse as parse_c
from symconv.codegen.csem import CSemantics, Encoding
from symconv.codegen.cspec import SpecEncoder
from symconv.codegen.pyprint import py
from symconv.errors import UsageError
from symconv.evaluate import EvaluationError, evaluate
from symconv.frameworks import compiled
from symconv.intfuncs import FloorDiv, FloorMod
from symconv.pysem import Kind, as_python, translate_function
from symconv.walk import Walker, WalkError, is_condition, negate
from symconv.z3bridge import Z3Translator

x, y, z = sp.symbols("x y z", integer=True)
Ref = Callable[[int, int, int], int | bool]

# kind -> (node, reference); the reference raises ZeroDivisionError where the node is undefined
NODES: dict[str, tuple[sp.Basic, Ref | None]] = {
    "Symbol": (x, lambda x, y, z: x),
    "Integer": (sp.Integer(-7), lambda x, y, z: -7),
    "Zero": (sp.Integer(0), lambda x, y, z: 0),
    "true": (sp.true, lambda x, y, z: True),
    "false": (sp.false, lambda x, y, z: False),
    "Add": (x - 2 * y + z + 3, lambda x, y, z: x - 2 * y + z + 3),
    "Mul": (-3 * x * (y - 1), lambda x, y, z: -3 * x * (y - 1)),
    "Pow": ((x - y) ** 3, lambda x, y, z: (x - y) ** 3),
    "floor": (sp.floor((x - 1) / y), lambda x, y, z: (x - 1) // y),
    "ceiling": (sp.ceiling(x / (y + z)), lambda x, y, z: -(-x // (y + z))),
    "Mod": (sp.Mod(x - 3, y), lambda x, y, z: (x - 3) % y),
    "FloorDiv": (FloorDiv(x, y), lambda x, y, z: x // y),
    "FloorMod": (FloorMod(x, y - z), lambda x, y, z: x % (y - z)),
    "Min": (sp.Min(x, y, 2 * z), lambda x, y, z: min(x, y, 2 * z)),
    "Max": (sp.Max(x, -y), lambda x, y, z: max(x, -y)),
    "Abs": (sp.Abs(x - y), lambda x, y, z: abs(x - y)),
    "Piecewise": (sp.Piecewise((x, y > 0), (2 * z, True)),
                  lambda x, y, z: x if y > 0 else 2 * z),
    "Eq": (sp.Eq(x, y + 1), lambda x, y, z: x == y + 1),
    "Ne": (sp.Ne(x, 2 * y), lambda x, y, z: x != 2 * y),
    "Lt": (sp.Lt(x, y), lambda x, y, z: x < y),
    "Le": (sp.Le(x, z - 1), lambda x, y, z: x <= z - 1),
    "Gt": (sp.Gt(x + y, 0), lambda x, y, z: x + y > 0),
    "Ge": (sp.Ge(y, z), lambda x, y, z: y >= z),
    "And": (sp.And(x > 0, y <= z), lambda x, y, z: x > 0 and y <= z),
    "Or": (sp.Or(sp.Eq(x, 0), y > z), lambda x, y, z: x == 0 or y > z),
    "Not": (sp.Not(sp.And(x > 0, y > 0)), lambda x, y, z: not (x > 0 and y > 0)),
    "Implies": (sp.Implies(x > 0, y > x), lambda x, y, z: x <= 0 or y > x),
    # outside integer arithmetic: every walker refuses these
    "Rational": (x * sp.Rational(1, 2), None),
    "division": (x / y, None),
    "symbolic power": (x**y, None),
}

OUTSIDE = {"Rational", "division", "symbolic power"}
# What each walker refuses beyond OUTSIDE, and why.
REFUSES: dict[str, set[str]] = {
    "evaluate": set(),
    "compiled": set(),
    "z3": set(),
    "python": set(),
    # the header has no helper for powers or abs, and conditions are only C's comparisons
    "c": {"Pow", "Abs", "Piecewise", "true", "false", "Implies"},
    "clower": {"Abs", "true", "false", "Implies"},
    # the claim language has no conditional expression
    "claim": {"Piecewise"},
    # the C validator's spec side encodes what the specs use: no abs, no implication, and
    # SymPy's own floor and Mod (not the claim language's FloorDiv/FloorMod)
    "spec": {"Abs", "Implies", "FloorDiv", "FloorMod"},
}

# Walkers whose value where a divisor is 0 is unspecified rather than undefined: the C
# validator's spec side is only read under the spec's conditions, which exclude a zero divisor,
# and Z3's integer division by zero is a total function of unspecified value.
UNSPECIFIED_AT_ZERO = {"spec"}

GRID = [*itertools.product(range(-2, 3), repeat=3), (7, -3, 2), (-9, 4, 4), (10**20, 3, -1)]
UNDEFINED = "undefined"
Run = Callable[[Mapping[str, int]], object]


def reference(ref: Ref, point: tuple[int, int, int]) -> object:
    try:
        return ref(*point)
    except ZeroDivisionError:
        return UNDEFINED


# --- one adapter per walker: build (refusing with a WalkError), then run at a point ---------


def _undefined_on(errors: type[Exception] | tuple[type[Exception], ...], run: Run) -> Run:
    def guarded(env: Mapping[str, int]) -> object:
        try:
            return run(env)
        except errors:
            return UNDEFINED

    return guarded


def with_evaluate(e: sp.Basic) -> Run:
    return _undefined_on(EvaluationError, lambda env: evaluate(e, env))


def with_compiled(e: sp.Basic) -> Run:
    fn: Callable[[Mapping[str, int]], object] = (
        compiled.pred(e) if is_condition(e) else compiled.expr(e))
    return _undefined_on(EvaluationError, fn)


def with_z3(e: sp.Basic) -> Run:
    tr = Z3Translator()
    term = tr.translate(e)
    defined = z3.And(*tr.obligations)

    def run(env: Mapping[str, int]) -> object:
        subst = [(z3.Int(n), z3.IntVal(v)) for n, v in env.items()]
        if z3.is_false(z3.simplify(z3.substitute(defined, *subst))):
            return UNDEFINED
        value = z3.simplify(z3.substitute(term, *subst))
        return z3.is_true(value) if z3.is_bool(value) else value.as_long()

    return run


def with_python(e: sp.Basic) -> Run:
    sem = translate_function(f"def f(x, y, z):\n    return {py(e)}\n", "f")

    def run(env: Mapping[str, int]) -> object:
        out = sem.at(env)
        if out.kind is Kind.ZERO_DIVISION:
            return UNDEFINED
        assert out.kind is Kind.RETURN, out.describe()
        return as_python(out.value)

    return run


_HEADER = {"convshape.h": cgen.render()}


def with_c(e: sp.Basic) -> Run:
    text = (f'#include "convshape.h"\nstatic inline int64_t f(int64_t x, int64_t y, '
            f"int64_t z) {{\n    return {cgen.c_expr(e)};\n}}\n")
    machine = Interpreter(parse_c(text, _HEADER))

    def run(env: Mapping[str, int]) -> object:
        try:
            value, _ = machine.call("f", env)
        except Undefined as exc:
            return UNDEFINED if exc.kind == "div-zero" else f"C undefined behaviour: {exc}"
        return bool(value) if is_condition(e) else value

    return run


def _lowered(name: sp.Basic, env: dict[str, int]) -> int:
    return int(name) if isinstance(name, sp.Integer) else env[name.name]


def _let(expr: sp.Basic, env: dict[str, int]) -> int:
    """A Let step: one floor, Mod, Max or Min of named values."""
    if isinstance(expr, sp.floor):
        num, den = sp.fraction(expr.args[0])
        return _lowered(num, env) // _lowered(den, env)
    args = [_lowered(a, env) for a in expr.args]
    ops: dict[type, Callable[..., int]] = {sp.Mod: lambda a, b: a % b, sp.Max: max, sp.Min: min}
    return ops[type(expr)](*args)


def _truth(cond: sp.Basic, env: dict[str, int]) -> bool:
    if isinstance(cond, sp.And | sp.Or):
        parts = [_truth(c, env) for c in cond.args]
        return all(parts) if isinstance(cond, sp.And) else any(parts)
    if isinstance(cond, sp.Not):
        return not _truth(cond.args[0], env)
    lhs, rhs = _lowered(cond.lhs, env), _lowered(cond.rhs, env)
    return {sp.Eq: lhs == rhs, sp.Ne: lhs != rhs, sp.Lt: lhs < rhs, sp.Le: lhs <= rhs,
            sp.Gt: lhs > rhs, sp.Ge: lhs >= rhs}[type(cond)]


def with_clower(e: sp.Basic) -> Run:
    low = _Lowering()
    result = low.condition(e) if is_condition(e) else low.value(e)

    def run(env: Mapping[str, int]) -> object:
        values = dict(env)
        for step in low.steps:
            if isinstance(step, Checked):
                a, b = _lowered(step.x, values), _lowered(step.y, values)
                values[step.name] = {"add": a + b, "sub": a - b, "mul": a * b}[step.op]
            elif isinstance(step, Let):
                values[step.name] = _let(step.expr, values)
            elif isinstance(step, Select):
                values[step.name] = _lowered(
                    step.then if _truth(step.condition, values) else step.other, values)
            else:
                assert not isinstance(step, Require)
        return _truth(result, values) if is_condition(e) else _lowered(result, values)

    return _undefined_on(ZeroDivisionError, run)


def with_claim(e: sp.Basic) -> Run:
    text = printing.claim_text(e)
    try:
        back = parse(text)
    except UsageError as exc:
        raise WalkError(f"{text!r} does not read back: {exc}") from None
    return with_evaluate(back)


def with_spec(e: sp.Basic) -> Run:
    """The exact integer encoding, evaluated by substituting the point: Z3 leaves a division
    by zero uninterpreted, so no numeral comes out there."""
    model = CSemantics(z3.Context(), Encoding.INTEGER)
    spec = SpecEncoder(model)
    term = spec.formula(e) if is_condition(e) else model.z(spec.value(e))

    def run(env: Mapping[str, int]) -> object:
        subst = [(model.inputs[n], z3.IntVal(v, model.ctx)) for n, v in env.items()
                 if n in model.inputs]
        value = z3.simplify(z3.substitute(term, *subst) if subst else term)
        if z3.is_true(value) or z3.is_false(value):
            return z3.is_true(value)
        return value.as_long() if z3.is_int_value(value) else UNDEFINED

    return run


WALKERS: dict[str, Callable[[sp.Basic], Run]] = {
    "evaluate": with_evaluate, "compiled": with_compiled, "z3": with_z3,
    "python": with_python, "c": with_c, "clower": with_clower, "claim": with_claim,
    "spec": with_spec,
}


def grid(walker: str) -> list[tuple[int, int, int]]:
    """The grid, within int64 for C."""
    return [p for p in GRID if walker != "c" or max(map(abs, p)) < 2**31]


def results(walker: str, node: sp.Basic) -> list[object] | WalkError:
    try:
        run = WALKERS[walker](node)
        return [run(dict(zip("xyz", point, strict=True))) for point in grid(walker)]
    except WalkError as exc:
        return exc


@pytest.mark.parametrize("walker", sorted(WALKERS))
@pytest.mark.parametrize("kind", sorted(NODES))
def test_every_walker_agrees_with_the_reference_or_refuses_as_declared(walker: str,
                                                                        kind: str) -> None:
    node, ref = NODES[kind]
    got = results(walker, node)
    refused = isinstance(got, WalkError) or (
        # evaluation walks at run time: a refused kind raises at every point, also where the
        # reference is defined
        walker in ("evaluate", "claim") and all(v == UNDEFINED for v in got)
        and (ref is None or any(reference(ref, p) != UNDEFINED for p in grid(walker))))
    if kind in OUTSIDE or kind in REFUSES[walker]:
        assert refused, (walker, kind, got)
        return
    assert ref is not None
    assert not isinstance(got, WalkError), got
    for point, have in zip(grid(walker), got, strict=True):
        want = reference(ref, point)
        if want == UNDEFINED and walker in UNSPECIFIED_AT_ZERO:
            continue
        assert have == want, (walker, kind, point, have, want)
        assert type(have) is type(want), (walker, kind, point, have, want)


def test_the_error_of_every_walker_is_a_walk_error() -> None:
    from symconv.codegen.c import CPrintError
    from symconv.codegen.clower import LoweringError
    from symconv.codegen.pyprint import PrintError
    from symconv.z3bridge import TranslationError

    from symconv.codegen.csem import ValidationError

    for error in (EvaluationError, TranslationError, PrintError, CPrintError, LoweringError,
                  ValidationError):
        assert issubclass(error, WalkError)
        assert issubclass(error, ValueError)  # callers that catch ValueError still do
    with pytest.raises(EvaluationError, match="cannot compile sin"):
        compiled.expr(sp.sin(x))
    with pytest.raises(EvaluationError, match="division by zero"):
        compiled.expr(sp.floor(x / y))({"x": 1, "y": 0})


# --- the dispatch itself ----------------------------------------------------------------------


class _Names(Walker[str]):
    def visit_Relational(self, node: sp.Basic) -> str:
        return "relational"

    def visit_Equality(self, node: sp.Basic) -> str:
        return "equality"

    def visit_Integer(self, node: sp.Basic) -> str:
        return "integer"

    def visit_Atom(self, node: sp.Basic) -> str:
        return "atom"


@pytest.mark.parametrize(("node", "name"), [
    (sp.Eq(x, 1), "equality"), (sp.Lt(x, 1), "relational"), (sp.Ge(x, 1), "relational"),
    (sp.Integer(5), "integer"), (sp.S.Zero, "integer"), (sp.S.NegativeOne, "integer"),
    (sp.Rational(1, 2), "atom"), (x, "atom"),
])
def test_the_nearest_class_in_the_mro_decides(node: sp.Basic, name: str) -> None:
    assert _Names().walk(node) == name


def test_an_unknown_kind_is_refused_by_name() -> None:
    with pytest.raises(WalkError, match="cannot walk Add: x"):
        _Names().walk(x + 1)


@pytest.mark.parametrize("cond", [
    sp.And(x > 0, sp.Or(sp.Eq(y, 1), y < z)), sp.Not(sp.Ge(x, y)), sp.Ne(x, 3), sp.Le(x, y),
])
def test_negate_is_the_negation(cond: sp.Basic) -> None:
    for point in GRID[:40]:
        env = dict(zip("xyz", point, strict=True))
        assert evaluate(negate(cond), env) is (not evaluate(cond, env))


STR_TEXT: list[tuple[sp.Basic, str]] = [
    (sp.floor(-x / y), "floor(-x/y)"),
    (-sp.floor(-x / y) - 1, "-floor(-x/y) - 1"),
    (sp.Eq(y, 1), "Eq(y, 1)"),
    (sp.Min(sp.floor((x + 2 * y) / z) + 1, sp.Max(y, 3 - x)) >= 1,
     "Min(floor((x + 2*y)/z) + 1, Max(y, 3 - x)) >= 1"),
    (2 * sp.Mod(x, y), "2*(Mod(x, y))"),
    (x * (y - 1) ** 2 - 3, "x*(y - 1)**2 - 3"),
]


@pytest.mark.parametrize(("expr", "text"), STR_TEXT)
def test_str_text_is_fixed_here(expr: sp.Basic, text: str) -> None:
    """The C headers' comments: str()'s text as SymPy 1.14 printed it, now symconv's own."""
    assert printing.str_text(expr) == text
