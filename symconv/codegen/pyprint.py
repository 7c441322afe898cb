"""SymPy → Python source text with exact integer semantics.

Not SymPy's ``pycode``: that prints ``floor(x/s)`` as ``math.floor(x/s)``, a float division that
is wrong above 2**53. Here every ``floor(n/m)`` is ``n // m``, ``ceiling(n/m)`` is
``-(-n // m)``, ``Mod`` is ``%`` (Python's floor semantics), and a rational constant anywhere
else is an error. Translation validation (``validate_python``) proves what this prints.
"""

from __future__ import annotations

import sympy as sp

from symconv.walk import Walker, WalkError, exponent, is_division, negate, quotient

# Python operator precedence, higher binds tighter.
_IF, _OR, _AND, _NOT, _CMP, _ADD, _MUL, _UNARY, _ATOM = 0, 1, 2, 3, 4, 5, 6, 7, 9

_CMP_OP = {
    sp.Eq: "==", sp.Ne: "!=", sp.Lt: "<", sp.Le: "<=", sp.Gt: ">", sp.Ge: ">=",
}


class PrintError(WalkError):
    """A SymPy node with no exact integer Python rendering."""


def _wrap(text: str, prec: int, need: int) -> str:
    return f"({text})" if prec < need else text


def ordered_terms(expr: sp.Add) -> list[sp.Expr]:
    """Positive terms first (in SymPy's order), constants last: ``i + 2*p - d*(k-1) - 1``."""
    ordered = list(expr.as_ordered_terms())
    pos = [t for t in ordered if not t.could_extract_minus_sign() and not t.is_Number]
    neg = [t for t in ordered if t.could_extract_minus_sign() and not t.is_Number]
    num = [t for t in ordered if t.is_Number]
    return pos + neg + num


class _PyPrinter(Walker[tuple[str, int]]):
    """Each node as (Python text, the precedence of its outermost operator)."""

    error = PrintError
    refusal = "cannot print {kind} as integer Python: {node}"

    def text(self, expr: sp.Basic, need: int) -> str:
        """``expr`` parenthesized unless it binds at least as tightly as ``need``."""
        return _wrap(*self.walk(expr), need)

    def visit_Symbol(self, expr: sp.Symbol) -> tuple[str, int]:
        return expr.name, _ATOM

    def visit_Integer(self, expr: sp.Integer) -> tuple[str, int]:
        v = int(expr)
        return (str(v), _ATOM) if v >= 0 else (str(v), _UNARY)

    def visit_Rational(self, expr: sp.Rational) -> tuple[str, int]:
        raise PrintError(f"non-integer constant {expr}")

    def visit_BooleanTrue(self, expr: sp.Basic) -> tuple[str, int]:
        return "True", _ATOM

    def visit_BooleanFalse(self, expr: sp.Basic) -> tuple[str, int]:
        return "False", _ATOM

    def visit_Add(self, expr: sp.Add) -> tuple[str, int]:
        terms = ordered_terms(expr)
        first = terms[0]
        if first.could_extract_minus_sign():
            out = "-" + self.text(-first, _UNARY)
        else:
            out = self.text(first, _ADD)
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                out += " - " + self.text(-term, _ADD + 1)
            else:
                out += " + " + self.text(term, _ADD)
        return out, _ADD

    def visit_Mul(self, expr: sp.Mul) -> tuple[str, int]:
        if is_division(expr):
            raise PrintError(f"division outside floor/ceiling: {expr}")
        coeff, rest = expr.as_coeff_Mul()
        if coeff == -1:
            return "-" + self.text(rest, _UNARY), _UNARY
        factors = [coeff] if coeff != 1 else []
        factors += list(sp.Mul.make_args(rest))
        parts = [self.text(f, _MUL if j == 0 else _MUL + 1) for j, f in enumerate(factors)]
        return " * ".join(parts), _MUL

    def visit_Pow(self, expr: sp.Pow) -> tuple[str, int]:
        exp = exponent(expr)
        if exp is None:
            raise PrintError(f"non-integer power {expr}")
        return f"{self.text(expr.base, _ATOM)} ** {exp}", _UNARY

    def floordiv(self, num: sp.Basic, den: sp.Basic) -> str:
        return f"{self.text(num, _MUL)} // {self.text(den, _MUL + 1)}"

    def visit_floor(self, expr: sp.floor) -> tuple[str, int]:
        return self.floordiv(*quotient(expr.args[0])), _MUL

    def visit_ceiling(self, expr: sp.ceiling) -> tuple[str, int]:
        num, den = quotient(expr.args[0])
        return f"-({self.floordiv(-num, den)})", _UNARY

    def visit_FloorDiv(self, expr: sp.Basic) -> tuple[str, int]:
        return self.floordiv(*expr.args), _MUL

    def visit_Mod(self, expr: sp.Basic) -> tuple[str, int]:
        x, y = expr.args
        return f"{self.text(x, _MUL)} % {self.text(y, _MUL + 1)}", _MUL

    visit_FloorMod = visit_Mod

    def extreme(self, name: str, expr: sp.Basic) -> tuple[str, int]:
        args = sorted(expr.args, key=lambda x: (not x.is_Number, sp.default_sort_key(x)))
        return f"{name}({', '.join(py(x) for x in args)})", _ATOM

    def visit_Max(self, expr: sp.Max) -> tuple[str, int]:
        return self.extreme("max", expr)

    def visit_Min(self, expr: sp.Min) -> tuple[str, int]:
        return self.extreme("min", expr)

    def visit_Abs(self, expr: sp.Abs) -> tuple[str, int]:
        return f"abs({py(expr.args[0])})", _ATOM

    def visit_Relational(self, expr: sp.Basic) -> tuple[str, int]:
        op = _CMP_OP.get(type(expr))
        if op is None:
            raise PrintError(f"cannot print {type(expr).__name__} as integer Python: {expr}")
        return f"{self.text(expr.lhs, _ADD)} {op} {self.text(expr.rhs, _ADD)}", _CMP

    def visit_And(self, expr: sp.And) -> tuple[str, int]:
        return " and ".join(self.text(x, _AND + 1) for x in expr.args), _AND

    def visit_Or(self, expr: sp.Or) -> tuple[str, int]:
        return " or ".join(self.text(x, _OR + 1) for x in expr.args), _OR

    def visit_Not(self, expr: sp.Not) -> tuple[str, int]:
        return f"not {self.text(expr.args[0], _NOT)}", _NOT

    def visit_Implies(self, expr: sp.Implies) -> tuple[str, int]:
        hyp, goal = expr.args
        return f"not {self.text(hyp, _NOT)} or {self.text(goal, _OR + 1)}", _OR

    def visit_Piecewise(self, expr: sp.Piecewise) -> tuple[str, int]:
        *branches, (last, otherwise) = expr.args
        if otherwise is not sp.true:
            raise PrintError(f"Piecewise without an otherwise branch: {expr}")
        text = self.text(last, _IF)
        for value, cond in reversed(branches):
            text = f"{self.text(value, _OR)} if {self.text(cond, _OR)} else {text}"
        return text, _IF


_PRINTER = _PyPrinter()


def py(expr: sp.Basic) -> str:
    """Python source for an integer expression or a condition."""
    return _PRINTER.walk(expr)[0]


def py_failure(cond: sp.Basic) -> str:
    """Python source that is true exactly when ``cond`` is false (the check's raise condition)."""
    return py(failure(cond))


def failure(cond: sp.Basic) -> sp.Basic:
    """¬cond with negations pushed onto the comparisons (And ↦ Or)."""
    try:
        return negate(cond)
    except WalkError as exc:
        raise PrintError(str(exc)) from None
