"""SymPy → Python source text with exact integer semantics.

Not SymPy's ``pycode``: that prints ``floor(x/s)`` as ``math.floor(x/s)``, a float division that
is wrong above 2**53. Here every ``floor(n/m)`` is ``n // m``, ``ceiling(n/m)`` is
``-(-n // m)``, ``Mod`` is ``%`` (Python's floor semantics), and a rational constant anywhere
else is an error. Translation validation (``validate_python``) proves what this prints.
"""

from __future__ import annotations

import sympy as sp

# Python operator precedence, higher binds tighter.
_OR, _AND, _NOT, _CMP, _ADD, _MUL, _UNARY, _ATOM = 1, 2, 3, 4, 5, 6, 7, 9

_CMP_OP = {
    sp.Eq: "==", sp.Ne: "!=", sp.Lt: "<", sp.Le: "<=", sp.Gt: ">", sp.Ge: ">=",
}
_NEGATED = {sp.Eq: sp.Ne, sp.Ne: sp.Eq, sp.Lt: sp.Ge, sp.Le: sp.Gt, sp.Gt: sp.Le, sp.Ge: sp.Lt}


class PrintError(ValueError):
    """A SymPy node with no exact integer Python rendering."""


def _wrap(text: str, prec: int, need: int) -> str:
    return f"({text})" if prec < need else text


def _terms(expr: sp.Add) -> list[sp.Expr]:
    """Positive terms first (in SymPy's order), constants last: ``i + 2*p - d*(k-1) - 1``."""
    ordered = list(expr.as_ordered_terms())
    pos = [t for t in ordered if not t.could_extract_minus_sign() and not t.is_Number]
    neg = [t for t in ordered if t.could_extract_minus_sign() and not t.is_Number]
    num = [t for t in ordered if t.is_Number]
    return pos + neg + num


def _quotient(arg: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    num, den = sp.fraction(sp.together(arg))
    return num, den


def _p(expr: sp.Basic) -> tuple[str, int]:
    if isinstance(expr, sp.Symbol):
        return expr.name, _ATOM
    if isinstance(expr, sp.Integer):
        v = int(expr)
        return (str(v), _ATOM) if v >= 0 else (str(v), _UNARY)
    if isinstance(expr, sp.Rational):
        raise PrintError(f"non-integer constant {expr}")
    if isinstance(expr, sp.Add):
        terms = _terms(expr)
        first = terms[0]
        if first.could_extract_minus_sign():
            inner, prec = _p(-first)
            out = "-" + _wrap(inner, prec, _UNARY)
        else:
            inner, prec = _p(first)
            out = _wrap(inner, prec, _ADD)
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                inner, prec = _p(-term)
                out += " - " + _wrap(inner, prec, _ADD + 1)
            else:
                inner, prec = _p(term)
                out += " + " + _wrap(inner, prec, _ADD)
        return out, _ADD
    if isinstance(expr, sp.Mul):
        num, den = sp.fraction(expr)
        if den != 1:
            raise PrintError(f"division outside floor/ceiling: {expr}")
        coeff, rest = expr.as_coeff_Mul()
        if coeff == -1:
            inner, prec = _p(rest)
            return "-" + _wrap(inner, prec, _UNARY), _UNARY
        factors = [coeff] if coeff != 1 else []
        factors += list(sp.Mul.make_args(rest))
        parts = []
        for j, f in enumerate(factors):
            inner, prec = _p(f)
            parts.append(_wrap(inner, prec, _MUL if j == 0 else _MUL + 1))
        return " * ".join(parts), _MUL
    if isinstance(expr, sp.Pow):
        base, exp = expr.args
        if not (exp.is_Integer and int(exp) >= 0):
            raise PrintError(f"non-integer power {expr}")
        inner, prec = _p(base)
        return f"{_wrap(inner, prec, _ATOM)} ** {int(exp)}", _UNARY
    if isinstance(expr, sp.floor):
        num, den = _quotient(expr.args[0])
        return _floordiv(num, den), _MUL
    if isinstance(expr, sp.ceiling):
        num, den = _quotient(expr.args[0])
        return f"-({_floordiv(-num, den)})", _UNARY
    if isinstance(expr, sp.Mod):
        x, y = expr.args
        lx, px = _p(x)
        ly, py_ = _p(y)
        return f"{_wrap(lx, px, _MUL)} % {_wrap(ly, py_, _MUL + 1)}", _MUL
    if isinstance(expr, (sp.Max, sp.Min)):
        name = "max" if isinstance(expr, sp.Max) else "min"
        args = sorted(expr.args, key=lambda x: (not x.is_Number, sp.default_sort_key(x)))
        return f"{name}({', '.join(py(x) for x in args)})", _ATOM
    for cls, op in _CMP_OP.items():
        if isinstance(expr, cls):
            lhs, lp = _p(expr.lhs)
            rhs, rp = _p(expr.rhs)
            return f"{_wrap(lhs, lp, _ADD)} {op} {_wrap(rhs, rp, _ADD)}", _CMP
    if isinstance(expr, sp.And):
        return " and ".join(_wrap(*_p(x), _AND + 1) for x in expr.args), _AND
    if isinstance(expr, sp.Or):
        return " or ".join(_wrap(*_p(x), _OR + 1) for x in expr.args), _OR
    raise PrintError(f"cannot print {type(expr).__name__} as integer Python: {expr}")


def _floordiv(num: sp.Expr, den: sp.Expr) -> str:
    ln, pn = _p(num)
    ld, pd = _p(den)
    return f"{_wrap(ln, pn, _MUL)} // {_wrap(ld, pd, _MUL + 1)}"


def py(expr: sp.Basic) -> str:
    """Python source for an integer expression or a condition."""
    return _p(expr)[0]


def py_failure(cond: sp.Basic) -> str:
    """Python source that is true exactly when ``cond`` is false (the check's raise condition)."""
    return _p(failure(cond))[0]


def failure(cond: sp.Basic) -> sp.Basic:
    """¬cond with negations pushed onto the comparisons (And ↦ Or)."""
    if isinstance(cond, sp.And):
        return sp.Or(*(failure(x) for x in cond.args), evaluate=False)
    if isinstance(cond, sp.Or):
        return sp.And(*(failure(x) for x in cond.args), evaluate=False)
    for cls, neg in _NEGATED.items():
        if isinstance(cond, cls):
            return neg(cond.lhs, cond.rhs, evaluate=False)
    raise PrintError(f"cannot negate {cond}")
