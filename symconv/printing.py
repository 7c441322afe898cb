"""SymPy expressions printed in the CLAIM language of ``symconv check`` (so they can be pasted
back), and in the guide's typography for people.

Walkers of their own (:mod:`symconv.walk`), not SymPy's ``StrPrinter``: what they print is fixed
here, whatever SymPy's printers do in another release. :class:`StrText` keeps the text
``StrPrinter`` gave (``i - k + 2*p``, ``-2*(d - 1)``, ``(k - 1)**2``, ``floor(-i/s)``);
:class:`ClaimPrinter` prints the claim language's own ``//``, ``%``, ``floor(n/d)``,
comparisons and ``and``/``or``/``not``/``->``.
"""

from __future__ import annotations

import sympy as sp
from sympy.core.mul import _keep_coeff

from symconv.intfuncs import FloorDiv, FloorMod
from symconv.walk import Walker, WalkError, quotient

# Binding strength of each kind of node, higher binds tighter (the values of SymPy's str
# printer, so parentheses fall where they always have).
_IMPLIES, _OR, _AND, _RELATIONAL, _ADD, _MUL, _POW, _FUNC, _NOT, _ATOM = (
    10, 20, 30, 35, 40, 50, 60, 70, 100, 1000)

_INTEGER_DIVISION = (sp.Mod, FloorDiv, FloorMod)


class _Precedence(Walker[int]):
    def visit_Integer(self, e: sp.Integer) -> int:
        return _ADD if e.p < 0 else _ATOM

    def visit_Rational(self, e: sp.Rational) -> int:
        return _ADD if e.p < 0 else _MUL

    def visit_Mul(self, e: sp.Mul) -> int:
        return _ADD if e.could_extract_minus_sign() else _MUL

    def visit_Add(self, e: sp.Basic) -> int:
        return _ADD

    def visit_Pow(self, e: sp.Basic) -> int:
        return _POW

    def visit_Mod(self, e: sp.Basic) -> int:
        return _MUL

    def visit_Function(self, e: sp.Basic) -> int:  # floor, ceiling, Abs, FloorDiv, FloorMod
        return _FUNC

    def visit_Equality(self, e: sp.Basic) -> int:
        return _MUL

    visit_Unequality = visit_Equality

    def visit_Relational(self, e: sp.Basic) -> int:
        return _RELATIONAL

    def visit_And(self, e: sp.Basic) -> int:
        return _AND

    def visit_Or(self, e: sp.Basic) -> int:
        return _OR

    def visit_Not(self, e: sp.Basic) -> int:
        return _NOT

    def visit_Implies(self, e: sp.Basic) -> int:
        return _IMPLIES

    def visit_Basic(self, e: sp.Basic) -> int:  # symbols, Min, Max, True, False
        return _ATOM

    def visit_int(self, e: int) -> int:  # a plain Python int inside a built expression
        return _ATOM


_PRECEDENCE = _Precedence()


def _prec(e: sp.Basic) -> int:
    return _PRECEDENCE.walk(e)


class StrText(Walker[str]):
    """The text ``str()`` gives for an expression (with SymPy 1.14), fixed here: ``floor(x)``,
    ``Mod(x, y)``, ``Min(x, y)``, ``Eq(x, y)`` as calls."""

    refusal = "cannot print {kind}: {node}"

    def paren(self, item: sp.Basic, level: int, strict: bool = False) -> str:
        if _prec(item) < level or (not strict and _prec(item) <= level):
            return f"({self.walk(item)})"
        return self.walk(item)

    def visit_Symbol(self, e: sp.Symbol) -> str:
        return str(e.name)

    def visit_Integer(self, e: sp.Integer) -> str:
        return str(e.p)

    def visit_int(self, e: int) -> str:  # a plain Python int (bool too) passed for a node
        return str(e)

    def visit_Rational(self, e: sp.Rational) -> str:
        return f"{e.p}/{e.q}"

    def visit_BooleanTrue(self, e: sp.Basic) -> str:
        return "True"

    def visit_BooleanFalse(self, e: sp.Basic) -> str:
        return "False"

    def visit_Add(self, e: sp.Add) -> str:
        parts: list[str] = []
        for term in e.as_ordered_terms():
            t = self.walk(term)
            sign = "+"
            if t.startswith("-") and not term.is_Add:
                sign, t = "-", t[1:]
            parts += [sign, f"({t})" if _prec(term) < _ADD or term.is_Add else t]
        sign = parts.pop(0)
        return ("" if sign == "+" else sign) + " ".join(parts)

    def visit_Mul(self, e: sp.Mul) -> str:
        args = e.args
        if args[0] is sp.S.One or any(
                isinstance(a, sp.Number) or (a.is_Pow and all(x.is_Integer for x in a.args))
                for a in args[1:]):
            return self._unevaluated_mul(e)
        return self._mul(e)

    def _mul(self, e: sp.Mul) -> str:
        """A product as numerator/denominator factors, the sign in front."""
        prec = _prec(e)
        c, rest = e.as_coeff_Mul()
        sign = ""
        if c < 0:
            e, sign = _keep_coeff(-c, rest), "-"
        num: list[sp.Basic] = []
        den: list[sp.Basic] = []
        paren_den: list[sp.Basic] = []  # 1/(x*y) as a factor keeps its parentheses
        for item in e.as_ordered_factors():
            if item.is_commutative and isinstance(item, sp.Pow) and bool(
                    item.exp.as_coeff_Mul()[0] < 0):
                if item.exp is not sp.S.NegativeOne:
                    den.append(sp.Pow(item.base, -item.exp, evaluate=False))
                else:
                    if len(item.args[0].args) != 1 and isinstance(item.base, sp.Mul | sp.Pow):
                        paren_den.append(item)
                    den.append(item.base)
            elif item.is_Rational and item is not sp.S.Infinity:
                if item.p != 1:
                    num.append(sp.Rational(item.p))
                if item.q != 1:
                    den.append(sp.Rational(item.q))
            else:
                num.append(item)
        num = num or [sp.S.One]
        num_text = [self.paren(x, prec) for x in num]
        den_text = [self.paren(x, prec) for x in den]
        for item in paren_den:
            if item.base in den:
                den_text[den.index(item.base)] = f"({den_text[den.index(item.base)]})"
        if not den:
            return sign + "*".join(num_text)
        if len(den) == 1:
            return sign + "*".join(num_text) + "/" + den_text[0]
        return sign + "*".join(num_text) + "/({})".format("*".join(den_text))

    def _unevaluated_mul(self, e: sp.Mul) -> str:
        """A product built unevaluated: every factor shown, in its order."""
        prec = _prec(e)
        num: list[sp.Basic] = []
        den: list[sp.Basic] = []
        for a in e.args:
            if isinstance(a, sp.Pow) and bool(a.exp.as_coeff_Mul()[0] < 0):
                den.append(sp.Pow(a.base, -a.exp, evaluate=False) if -a.exp - 1 else a.base)
            else:
                num.append(a)
        first = [self.walk(num.pop(0))] if num and not num[0].is_Add and \
            num[0].could_extract_minus_sign() else []
        num_text = first + [self.paren(a, prec) for a in num] or ["1"]
        first = [self.walk(den.pop(0))] if len(den) > 1 and \
            den[0].could_extract_minus_sign() else []
        den_text = first + [self.paren(a, prec) for a in den]
        if len(den_text) > 1:
            return "{}/({})".format("*".join(num_text), "*".join(den_text))
        if den_text:
            return "{}/{}".format("*".join(num_text), den_text[0])
        return "*".join(num_text)

    def visit_Pow(self, e: sp.Pow) -> str:
        if e.exp is sp.S.Half:
            return f"sqrt({self.walk(e.base)})"
        if -e.exp is sp.S.Half:
            return f"1/sqrt({self.walk(e.base)})"
        if e.exp is sp.S.NegativeOne:
            return f"1/{self.paren(e.base, _POW)}"
        return f"{self.paren(e.base, _POW)}**{self.paren(e.exp, _POW)}"

    def call(self, name: str, e: sp.Basic) -> str:
        return f"{name}({', '.join(self.walk(a) for a in e.args)})"

    def visit_Function(self, e: sp.Basic) -> str:  # floor, ceiling, Mod, Abs, FloorDiv...
        return self.call(type(e).__name__, e)

    def visit_MinMaxBase(self, e: sp.Basic) -> str:
        args = sorted(e.args, key=sp.default_sort_key)
        return f"{type(e).__name__}({', '.join(self.walk(a) for a in args)})"

    def visit_Equality(self, e: sp.Basic) -> str:
        return self.call("Eq", e)

    def visit_Unequality(self, e: sp.Basic) -> str:
        return self.call("Ne", e)

    def visit_Relational(self, e: sp.Basic) -> str:
        return f"{self.paren(e.lhs, _RELATIONAL)} {e.rel_op} {self.paren(e.rhs, _RELATIONAL)}"


class ClaimPrinter(StrText):
    """The claim language: ``x // y``, ``x % y``, ``floor(n/d)``, ``min``, ``==``, ``and``."""

    refusal = "cannot print {kind} in the claim language: {node}"

    def paren(self, item: sp.Basic, level: int, strict: bool = False) -> str:
        # // and % bind like *, left to right: inside a product they need parentheses.
        if isinstance(item, _INTEGER_DIVISION) and level >= _MUL:
            return f"({self.walk(item)})"
        return super().paren(item, level, strict)

    def visit_Mul(self, e: sp.Mul) -> str:
        if any(isinstance(f, _INTEGER_DIVISION) for f in e.args):
            coeff, factors = e.as_coeff_mul()
            text = "*".join(self.paren(f, _MUL) for f in factors)
            if coeff == 1:
                return text
            return f"-{text}" if coeff == -1 else f"{self.walk(coeff)}*{text}"
        return super().visit_Mul(e)

    def _rel(self, e: sp.Basic, op: str) -> str:
        return f"{self.walk(e.lhs)} {op} {self.walk(e.rhs)}"

    def visit_Equality(self, e: sp.Basic) -> str:
        return self._rel(e, "==")

    def visit_Unequality(self, e: sp.Basic) -> str:
        return self._rel(e, "!=")

    def visit_Relational(self, e: sp.Basic) -> str:
        return self._rel(e, e.rel_op)

    def _binary(self, e: sp.Basic, op: str) -> str:
        x, y = e.args
        return f"{self.paren(x, _MUL, strict=True)} {op} {self.paren(y, _MUL)}"

    def visit_Mod(self, e: sp.Basic) -> str:
        return self._binary(e, "%")

    visit_FloorMod = visit_Mod

    def visit_FloorDiv(self, e: sp.Basic) -> str:
        return self._binary(e, "//")

    def _quotient(self, name: str, e: sp.Basic) -> str:
        num, den = quotient(e.args[0])
        if den == 1:
            return f"{name}({self.walk(num)})"
        prec = _prec(sp.Mul(num, 1 / den, evaluate=False))
        return f"{name}({self.paren(num, prec)}/{self.paren(den, prec + 1)})"

    def visit_floor(self, e: sp.floor) -> str:
        return self._quotient("floor", e)

    def visit_ceiling(self, e: sp.ceiling) -> str:
        return self._quotient("ceil", e)

    def visit_Abs(self, e: sp.Abs) -> str:
        return f"abs({self.walk(e.args[0])})"

    def visit_Min(self, e: sp.Min) -> str:
        return f"min({', '.join(self.walk(a) for a in e.args)})"

    def visit_Max(self, e: sp.Max) -> str:
        return f"max({', '.join(self.walk(a) for a in e.args)})"

    def _bool(self, e: sp.Basic) -> str:
        text = self.walk(e)
        return f"({text})" if isinstance(e, sp.And | sp.Or | sp.Implies) else text

    def visit_And(self, e: sp.And) -> str:
        return " and ".join(self._bool(a) for a in e.args)

    def visit_Or(self, e: sp.Or) -> str:
        return " or ".join(self._bool(a) for a in e.args)

    def visit_Not(self, e: sp.Not) -> str:
        return f"not {self._bool(e.args[0])}"

    def visit_Implies(self, e: sp.Implies) -> str:
        return f"{self._bool(e.args[0])} -> {self._bool(e.args[1])}"


_CLAIM = ClaimPrinter()
_STR = StrText()


def claim_text(expr: sp.Basic) -> str:
    """``expr`` in the claim language, parseable by :func:`symconv.claims.parse`."""
    return _CLAIM.walk(expr)


def str_text(expr: sp.Basic) -> str:
    """``expr`` as ``str(expr)`` printed it with SymPy 1.14, but fixed here (the comments of
    the generated C headers)."""
    return _STR.walk(expr)


def pretty(expr: sp.Basic) -> str:
    """Guide typography for reading: i′, ĩ′. Not parseable."""
    text = claim_text(expr)
    return text.replace("i_tilde", "ĩ′").replace("_prime", "′")


__all__ = ["ClaimPrinter", "StrText", "WalkError", "claim_text", "pretty", "str_text"]
