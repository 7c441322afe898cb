"""One dispatch for every walker over SymPy expressions: evaluation (:mod:`symconv.evaluate`,
:mod:`symconv.frameworks.compiled`), Z3 (:mod:`symconv.z3bridge`), the claim language
(:mod:`symconv.printing`), Python and C source (:mod:`symconv.codegen.pyprint`,
:mod:`symconv.codegen.c`) and the C lowering (:mod:`symconv.codegen.clower`).

A walker subclasses :class:`Walker` and defines one ``visit_<Class>`` method per node kind.
:meth:`Walker.walk` calls the method of the nearest class in the node's MRO, as SymPy's
``Printer._print`` finds ``_print_<Class>``: ``visit_Relational`` serves ``Eq``, ``Lt``, ...
unless a walker also defines ``visit_Equality``; ``visit_Integer`` serves ``Zero``, ``One`` and
``NegativeOne``. A node kind without a method raises the walker's :attr:`Walker.error` (a
:class:`WalkError`) naming it -- never a fallback to ``str()``. Only the dispatch is shared with
SymPy: no walker inherits a SymPy printer's output, so what they print does not change with
SymPy's printers.

The node kinds, and what they mean to every walker (integers; Python's floor semantics):

==============================  ==============================================================
``Symbol``, ``Integer``         an integer variable, an integer constant
``Rational`` (non-integer)      not integer arithmetic: refused
``BooleanTrue/False``           truth values
``Add``, ``Mul``                sum, product; a ``Mul`` with a denominator (:func:`is_division`)
                                is a division outside ``floor``/``ceiling``: refused
``Pow``                         a constant exponent >= 0 (:func:`exponent`), else refused
``floor``, ``ceiling``          of a quotient n/d (:func:`quotient`): ``n // d``,
                                ``-(-n // d)``; undefined where d = 0
``Mod``, ``FloorMod``           Python's ``%`` (the sign of the divisor); undefined where 0
``FloorDiv``                    Python's ``//``; undefined where the divisor is 0
``Min``, ``Max``, ``Abs``       as Python's ``min``, ``max``, ``abs``
``Piecewise``                   the first branch whose condition holds
``Relational``                  ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=`` of integers
``And``, ``Or``, ``Not``,       of truth values
``Implies``
==============================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, ClassVar, Generic, TypeVar

import sympy as sp

R = TypeVar("R")


class WalkError(ValueError):
    """A node a walker cannot handle: a kind it has no method for, or a node outside integer
    arithmetic (a division outside floor, a symbolic exponent)."""


class Walker(Generic[R]):
    """The base of every walker: ``walk(node, *args)`` calls ``visit_<Class>(node, *args)`` for
    the nearest class in ``type(node).__mro__`` that has one."""

    error: ClassVar[type[WalkError]] = WalkError
    refusal: ClassVar[str] = "cannot walk {kind}: {node}"  # the error for an unknown kind

    def walk(self, node: sp.Basic, *args: Any) -> R:
        method = _method(type(self), type(node))
        if method is None:
            raise self.error(self.refusal.format(kind=type(node).__name__, node=node))
        result: R = method(self, node, *args)
        return result


_METHODS: dict[tuple[type, type], Callable[..., Any] | None] = {}


def _method(walker: type, node: type) -> Callable[..., Any] | None:
    key = (walker, node)
    if key not in _METHODS:
        _METHODS[key] = next((getattr(walker, f"visit_{cls.__name__}") for cls in node.__mro__
                              if hasattr(walker, f"visit_{cls.__name__}")), None)
    return _METHODS[key]


@lru_cache(maxsize=4096)
def quotient(arg: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """The argument of ``floor``/``ceiling`` as numerator and denominator, both integer
    expressions: ``floor(arg)`` is ``num // den``. Remembered: every walker meets the same
    arguments again and again, and ``together`` is the slow part of a walk."""
    num, den = sp.fraction(sp.together(arg))
    return num, den


def is_division(mul: sp.Basic) -> bool:
    """A product with a denominator (``i/2``, ``i/s``): a division outside floor/ceiling."""
    return bool(sp.fraction(mul)[1] != 1)


def exponent(power: sp.Pow) -> int | None:
    """The exponent of ``power`` when it is a constant integer >= 0, else None."""
    exp = power.exp
    return int(exp) if exp.is_Integer and int(exp) >= 0 else None


def is_condition(node: sp.Basic) -> bool:
    """A truth-valued node (a comparison, And/Or/Not/Implies, True/False); a Symbol is an
    integer here, though SymPy lets it stand in logic too."""
    return isinstance(node, sp.logic.boolalg.Boolean) and not isinstance(node, sp.Expr)


def negate(cond: sp.Basic) -> sp.Basic:
    """``not cond`` with the negation pushed onto the comparisons (And and Or swap, ``not``
    disappears), unevaluated: the result names the same values as ``cond``."""
    return _NEGATE.walk(cond)


_NEGATED: dict[type[sp.Basic], type[sp.Basic]] = {
    sp.Eq: sp.Ne, sp.Ne: sp.Eq, sp.Lt: sp.Ge, sp.Le: sp.Gt, sp.Gt: sp.Le, sp.Ge: sp.Lt,
}


class _Negate(Walker[sp.Basic]):
    refusal = "cannot negate {node}"

    def visit_And(self, node: sp.And) -> sp.Basic:
        return sp.Or(*(self.walk(x) for x in node.args), evaluate=False)

    def visit_Or(self, node: sp.Or) -> sp.Basic:
        return sp.And(*(self.walk(x) for x in node.args), evaluate=False)

    def visit_Not(self, node: sp.Not) -> sp.Basic:
        return node.args[0]

    def visit_Relational(self, node: sp.core.relational.Relational) -> sp.Basic:
        return _NEGATED[type(node)](node.lhs, node.rhs, evaluate=False)


_NEGATE = _Negate()
