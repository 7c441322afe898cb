"""SymPy expressions (framework rules, front-end parameters) as builders of light terms.

A rule's expression is compiled once into a tree of closures; calling it with the layer's
parameters (integers, or terms for sizes) builds the layer's term through the smart
constructors of :mod:`symconv.network.terms`. Every division must have a constant divisor once
the parameters are bound: that is what keeps a network's arithmetic Presburger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import reduce

import sympy as sp

from symconv.intfuncs import FloorDiv, FloorMod
from symconv.network import terms as T

Env = Mapping[str, "T.Lin | int"]
Built = T.Lin | T.Cond
Builder = Callable[[Env], Built]


class NotPresburger(ValueError):
    """The expression is not integer-linear with constant divisors once its parameters are
    bound (a product of two sizes, a division by a size, a non-integer constant)."""


def _lin(x: Built) -> T.Lin:
    if not isinstance(x, T.Lin):
        raise NotPresburger("expected an integer, got a condition")
    return x


def _cond(x: Built) -> T.Cond:
    if not isinstance(x, T.Cond):
        raise NotPresburger("expected a condition, got an integer")
    return x


def _constant(x: Built, what: str) -> int:
    term = _lin(x)
    if not term.is_const:
        raise NotPresburger(f"{what} must be a constant, got a size-dependent term")
    return term.const


def _floor_quotient(num: T.Lin, den: int) -> T.Lin:
    if den == 0:
        raise NotPresburger("division by zero")
    return T.floor_div(num, den) if den > 0 else T.floor_div(-num, -den)


_CACHE: dict[sp.Basic, Builder] = {}


def compile_expr(expr: sp.Basic) -> Builder:
    """A builder for ``expr``; raises :class:`NotPresburger` for a construct it cannot build."""
    cached = _CACHE.get(expr)
    if cached is None:
        cached = _CACHE[expr] = _compile(expr)
    return cached


def build(expr: sp.Basic, env: Env) -> Built:
    return compile_expr(expr)(env)


def build_lin(expr: sp.Basic | int, env: Env) -> T.Lin:
    if isinstance(expr, int) and not isinstance(expr, bool):
        return T.const(expr)
    assert isinstance(expr, sp.Basic)
    return _lin(build(expr, env))


def _symbol(name: str) -> Builder:
    def run(env: Env) -> Built:
        try:
            return T.as_lin(env[name])
        except KeyError:
            raise NotPresburger(f"no value for {name}") from None
    return run


def _quotient(arg: sp.Expr, ceil: bool) -> Builder:
    num, den = sp.fraction(sp.together(arg))
    n, d = compile_expr(num), compile_expr(den)

    def run(env: Env) -> Built:
        divisor = _constant(d(env), "a divisor")
        numerator = _lin(n(env))
        if ceil:
            return -_floor_quotient(-numerator, divisor)
        return _floor_quotient(numerator, divisor)
    return run


def _mod(x: sp.Expr, y: sp.Expr) -> Builder:
    a, b = compile_expr(x), compile_expr(y)

    def run(env: Env) -> Built:
        divisor = _constant(b(env), "a modulus")
        value = _lin(a(env))
        return value - _floor_quotient(value, divisor) * divisor
    return run


def _floordiv(x: sp.Expr, y: sp.Expr) -> Builder:
    a, b = compile_expr(x), compile_expr(y)
    return lambda env: _floor_quotient(_lin(a(env)), _constant(b(env), "a divisor"))


def _mul(args: tuple[sp.Basic, ...]) -> Builder:
    parts = [compile_expr(a) for a in args]

    def run(env: Env) -> Built:
        values = [_lin(p(env)) for p in parts]
        sizes = [v for v in values if not v.is_const]
        if len(sizes) > 1:
            raise NotPresburger("a product of two size-dependent terms")
        factor = reduce(lambda x, y: x * y, (v.const for v in values if v.is_const), 1)
        return T.scale(sizes[0], factor) if sizes else T.const(factor)
    return run


def _pow(base: sp.Basic, exp: sp.Basic) -> Builder:
    if not (exp.is_Integer and int(exp) >= 0):
        raise NotPresburger(f"power {base}**{exp} outside floor/ceil")
    b, e = compile_expr(base), int(exp)
    return lambda env: T.const(_constant(b(env), "a power's base") ** e)


def _piecewise(pieces: tuple[tuple[sp.Basic, sp.Basic], ...]) -> Builder:
    if pieces[-1][1] is not sp.true:
        raise NotPresburger("Piecewise without an otherwise branch")
    compiled = [(compile_expr(v), compile_expr(c)) for v, c in pieces]

    def run(env: Env) -> Built:
        out = _lin(compiled[-1][0](env))
        for value, cond in reversed(compiled[:-1]):
            out = T.ite(_cond(cond(env)), _lin(value(env)), out)
        return out
    return run


_RELATIONS: Mapping[type[sp.Basic], Callable[[T.Lin, T.Lin], T.Cond]] = {
    sp.Eq: T.eq, sp.Ne: T.ne, sp.Lt: T.lt, sp.Le: T.le, sp.Gt: T.gt, sp.Ge: T.ge,
}


def _relation(op: Callable[[T.Lin, T.Lin], T.Cond], lhs: sp.Basic, rhs: sp.Basic) -> Builder:
    a, b = compile_expr(lhs), compile_expr(rhs)
    return lambda env: op(_lin(a(env)), _lin(b(env)))


def _compile(expr: sp.Basic) -> Builder:
    if isinstance(expr, sp.Symbol):
        return _symbol(expr.name)
    if isinstance(expr, sp.Integer):
        value = int(expr)
        return lambda env: T.const(value)
    if expr is sp.true or expr is sp.false:
        truth = T.truth(expr is sp.true)
        return lambda env: truth
    if isinstance(expr, sp.Rational):
        raise NotPresburger(f"non-integer constant {expr} outside floor/ceil")
    if isinstance(expr, sp.Add):
        parts = [compile_expr(a) for a in expr.args]
        return lambda env: T.add(*(_lin(p(env)) for p in parts))
    if isinstance(expr, sp.Mul):
        if sp.fraction(expr)[1] != 1:
            raise NotPresburger(f"division outside floor/ceil: {expr}")
        return _mul(expr.args)
    if isinstance(expr, sp.Pow):
        return _pow(*expr.args)
    if isinstance(expr, sp.floor | sp.ceiling):
        return _quotient(expr.args[0], isinstance(expr, sp.ceiling))
    if isinstance(expr, FloorDiv):
        return _floordiv(*expr.args)
    if isinstance(expr, sp.Mod | FloorMod):
        return _mod(*expr.args)
    if isinstance(expr, sp.Min | sp.Max):
        parts = [compile_expr(a) for a in expr.args]
        is_max = isinstance(expr, sp.Max)
        return lambda env: T.extreme(is_max, [_lin(p(env)) for p in parts])
    if isinstance(expr, sp.Abs):
        inner = compile_expr(expr.args[0])
        return lambda env: T.maximum(_lin(inner(env)), -_lin(inner(env)))
    if isinstance(expr, sp.Piecewise):
        return _piecewise(tuple((p.expr, p.cond) for p in expr.args))
    for cls, op in _RELATIONS.items():
        if isinstance(expr, cls):
            return _relation(op, *expr.args)
    if isinstance(expr, sp.And | sp.Or):
        parts = [compile_expr(a) for a in expr.args]
        is_and = isinstance(expr, sp.And)
        return lambda env: T.junction(is_and, [_cond(p(env)) for p in parts])
    if isinstance(expr, sp.Not):
        inner = compile_expr(expr.args[0])
        return lambda env: T.negate(_cond(inner(env)))
    raise NotPresburger(f"cannot build {type(expr).__name__}: {expr}")
