"""SymPy expressions printed in the CLAIM language of ``symconv check`` (so they can be pasted
back), and in the guide's typography for people."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from symconv.intfuncs import FloorDiv, FloorMod


_MUL = 50  # SymPy's precedence of Mul, and of Python's * // %


class ClaimPrinter(StrPrinter):  # type: ignore[misc]
    def parenthesize(self, item: Any, level: int, strict: bool = False) -> str:
        # // and % bind like *, left to right: inside a product they need parentheses.
        if isinstance(item, sp.Mod | FloorDiv | FloorMod) and level >= _MUL:
            return f"({self._print(item)})"
        return str(super().parenthesize(item, level, strict))

    def _print_Mul(self, expr: Any) -> str:
        if not any(isinstance(f, sp.Mod | FloorDiv | FloorMod) for f in expr.args):
            return str(super()._print_Mul(expr))
        coeff, factors = expr.as_coeff_mul()
        text = "*".join(self.parenthesize(f, _MUL) for f in factors)
        if coeff == 1:
            return text
        return f"-{text}" if coeff == -1 else f"{self._print(coeff)}*{text}"

    def _rel(self, expr: Any, op: str) -> str:
        return f"{self._print(expr.lhs)} {op} {self._print(expr.rhs)}"

    def _print_Equality(self, expr: Any) -> str:
        return self._rel(expr, "==")

    def _print_Unequality(self, expr: Any) -> str:
        return self._rel(expr, "!=")

    def _print_Relational(self, expr: Any) -> str:
        return self._rel(expr, expr.rel_op)

    def _print_Mod(self, expr: Any) -> str:
        x, y = expr.args
        return f"{self.parenthesize(x, _MUL, strict=True)} % {self.parenthesize(y, _MUL)}"

    def _quotient(self, name: str, expr: Any) -> str:
        num, den = sp.fraction(sp.together(expr.args[0]))
        if den == 1:
            return f"{name}({self._print(num)})"
        prec = precedence(sp.Mul(num, 1 / den, evaluate=False))
        return f"{name}({self.parenthesize(num, prec)}/{self.parenthesize(den, prec + 1)})"

    def _print_floor(self, expr: Any) -> str:
        return self._quotient("floor", expr)

    def _print_FloorDiv(self, expr: Any) -> str:
        x, y = expr.args
        return f"{self.parenthesize(x, _MUL, strict=True)} // {self.parenthesize(y, _MUL)}"

    def _print_FloorMod(self, expr: Any) -> str:
        return self._print_Mod(expr)

    def _print_ceiling(self, expr: Any) -> str:
        return self._quotient("ceil", expr)

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Min(self, expr: Any) -> str:
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Max(self, expr: Any) -> str:
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _bool(self, expr: Any) -> str:
        text = self._print(expr)
        return f"({text})" if isinstance(expr, (sp.And, sp.Or, sp.Implies)) else text

    def _print_And(self, expr: Any) -> str:
        return " and ".join(self._bool(a) for a in expr.args)

    def _print_Or(self, expr: Any) -> str:
        return " or ".join(self._bool(a) for a in expr.args)

    def _print_Not(self, expr: Any) -> str:
        return f"not {self._bool(expr.args[0])}"

    def _print_Implies(self, expr: Any) -> str:
        return f"{self._bool(expr.args[0])} -> {self._bool(expr.args[1])}"


_CLAIM = ClaimPrinter()


def claim_text(expr: sp.Basic) -> str:
    """``expr`` in the claim language, parseable by :func:`symconv.claims.parse`."""
    return str(_CLAIM.doprint(expr))


def pretty(expr: sp.Basic) -> str:
    """Guide typography for reading: i′, ĩ′. Not parseable."""
    text = claim_text(expr)
    return text.replace("i_tilde", "ĩ′").replace("_prime", "′")
