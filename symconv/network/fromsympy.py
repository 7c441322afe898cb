"""SymPy expressions (framework rules, front-end parameters) as plain trees
(:mod:`symconv.network.trees`), from which light terms are built. Imported only where SymPy
expressions are read: the generator of ``rulebook.py`` and front-ends that hand over size
expressions (``size_symbol`` parameters)."""

from __future__ import annotations

import sympy as sp

from symconv.intfuncs import FloorDiv, FloorMod
from symconv.network import terms as T
from symconv.network.trees import Env, NotPresburger, Tree, build_lin

_RELATIONS: dict[type[sp.Basic], str] = {
    sp.Eq: "eq", sp.Ne: "ne", sp.Lt: "lt", sp.Le: "le", sp.Gt: "gt", sp.Ge: "ge",
}
_CACHE: dict[sp.Basic, Tree] = {}


def to_tree(expr: sp.Basic) -> Tree:
    """The tree of ``expr``; raises :class:`NotPresburger` for a construct with no tree."""
    cached = _CACHE.get(expr)
    if cached is None:
        cached = _CACHE[expr] = _tree(expr)
    return cached


def _tree(expr: sp.Basic) -> Tree:
    if isinstance(expr, sp.Symbol):
        return ("sym", expr.name)
    if isinstance(expr, sp.Integer):
        return ("int", int(expr))
    if expr is sp.true:
        return ("true",)
    if expr is sp.false:
        return ("false",)
    if isinstance(expr, sp.Rational):
        return ("rat", int(expr.p), int(expr.q))
    if isinstance(expr, sp.Add):
        return ("add", *(to_tree(a) for a in expr.args))
    if isinstance(expr, sp.Mul):
        if sp.fraction(expr)[1] != 1:
            raise NotPresburger(f"division outside floor/ceil: {expr}")
        return ("mul", *(to_tree(a) for a in expr.args))
    if isinstance(expr, sp.Pow):
        base, exp = expr.args
        if not exp.is_Integer:
            raise NotPresburger(f"power {expr} with a non-integer exponent")
        return ("pow", to_tree(base), int(exp))
    if isinstance(expr, sp.floor | sp.ceiling):
        num, den = sp.fraction(sp.together(expr.args[0]))
        head = "ceil" if isinstance(expr, sp.ceiling) else "floor"
        return (head, to_tree(num), to_tree(den))
    if isinstance(expr, FloorDiv):
        return ("floordiv", *(to_tree(a) for a in expr.args))
    if isinstance(expr, sp.Mod | FloorMod):
        return ("mod", *(to_tree(a) for a in expr.args))
    if isinstance(expr, sp.Min | sp.Max):
        return ("max" if isinstance(expr, sp.Max) else "min", *(to_tree(a) for a in expr.args))
    if isinstance(expr, sp.Abs):
        return ("abs", to_tree(expr.args[0]))
    if isinstance(expr, sp.Piecewise):
        return ("piecewise", *((to_tree(p.expr), to_tree(p.cond)) for p in expr.args))
    for cls, head in _RELATIONS.items():
        if isinstance(expr, cls):
            return (head, *(to_tree(a) for a in expr.args))
    if isinstance(expr, sp.And | sp.Or):
        return ("and" if isinstance(expr, sp.And) else "or", *(to_tree(a) for a in expr.args))
    if isinstance(expr, sp.Not):
        return ("not", to_tree(expr.args[0]))
    raise NotPresburger(f"cannot read {type(expr).__name__}: {expr}")


def sympy_lin(expr: sp.Basic, env: Env) -> T.Lin:
    """The light term of a SymPy integer expression under ``env``."""
    return build_lin(to_tree(expr), env)
