"""Terms as text: for people (``⌊(H + 1)/2⌋``), as Python (``(H + 1) // 2``, what the JSON
carries: a Python expression in the axis names, with Python's floor division) and as LaTeX."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from dataclasses import dataclass

from symconv.network.terms import (
    Atom,
    Cmp,
    Extreme,
    Floor,
    Ite,
    Junction,
    Lin,
    Node,
    Not,
    Product,
    Truth,
    Var,
)


@dataclass(frozen=True, slots=True)
class Style:
    times: str
    minus: str
    ge: str
    le: str
    eq: str
    ne: str
    and_: str
    or_: str
    not_: str
    true: str
    false: str
    floor: Callable[[str, str, bool], str]  # numerator, denominator, numerator is simple
    ceil: Callable[[str, str, bool], str] | None
    call: Callable[[str, list[str]], str]
    ite: Callable[[str, str, str], str]
    name: Callable[[str], str]
    wrap_scaled_floor: bool = False  # Python: -(x // 2) and 2*(x // 2) need parentheses


def _py_floor(num: str, den: str, simple: bool) -> str:
    return f"{num if simple else f'({num})'} // {den}"


def _pretty_floor(num: str, den: str, simple: bool) -> str:
    return f"⌊{num if simple else f'({num})'}/{den}⌋"


def _pretty_ceil(num: str, den: str, simple: bool) -> str:
    return f"⌈{num if simple else f'({num})'}/{den}⌉"


def _tex_floor(num: str, den: str, simple: bool) -> str:
    return rf"\lfloor {num if simple else f'({num})'}/{den} \rfloor"


def _tex_ceil(num: str, den: str, simple: bool) -> str:
    return rf"\lceil {num if simple else f'({num})'}/{den} \rceil"


# \allowbreak after commas and around "if" and "else": inline math breaks only after operators,
# and a long size must still fit a narrow table column; \mbox, not amsmath's \text: the table
# needs only booktabs, longtable and array
_TEX_BREAK = r", \allowbreak "


def _tex_call(function: str, args: list[str]) -> str:
    return rf"\{function}(" + _TEX_BREAK.join(args) + ")"


def _tex_ite(cond: str, then: str, other: str) -> str:
    return rf"({then} \allowbreak\mbox{{ if }} {cond} \allowbreak\mbox{{ else }} {other})"


def _tex_name(name: str) -> str:
    # names are ASCII identifiers (spec.py); "_" would be a subscript in math mode
    if name.isalnum() and len(name) == 1:
        return name
    return r"\mathit{" + name.replace("_", r"\_") + "}"


PYTHON = Style("*", "-", ">=", "<=", "==", "!=", " and ", " or ", "not ", "True", "False",
               _py_floor, None, lambda f, xs: f"{f}({', '.join(xs)})",
               lambda c, a, b: f"({a} if {c} else {b})", lambda n: n, wrap_scaled_floor=True)
PRETTY = Style("·", "−", "≥", "≤", "=", "≠", " ∧ ", " ∨ ", "¬", "true", "false",
               _pretty_floor, _pretty_ceil, lambda f, xs: f"{f}({', '.join(xs)})",
               lambda c, a, b: f"({a} if {c} else {b})", lambda n: n)
LATEX = Style(r" \cdot ", "-", r"\ge", r"\le", "=", r"\ne", r" \land ", r" \lor ", r"\lnot ",
              r"\top", r"\bot", _tex_floor, _tex_ceil, _tex_call, _tex_ite, _tex_name)


def render(node: Node, style: Style = PRETTY) -> str:
    if isinstance(node, Lin):
        return _lin(node, style)
    if isinstance(node, Atom):
        return _atom(node, style)
    return _cond(node, style)


def pretty(node: Node) -> str:
    return render(node, PRETTY)


def python(node: Node) -> str:
    return render(node, PYTHON)


def claim(node: Node) -> str:
    """Python syntax (``//``), the form ``repr`` and the JSON use."""
    return render(node, PYTHON)


def latex(node: Node) -> str:
    return render(node, LATEX)


def _is_ceil(atom: Atom, coeff: int, style: Style) -> bool:
    return (style.ceil is not None and coeff < 0 and isinstance(atom, Floor)
            and all(c < 0 for _, c in atom.num.parts))


def _term(atom: Atom, coeff: int, style: Style) -> tuple[int, str]:
    """(sign, text of |coeff|·atom)."""
    if _is_ceil(atom, coeff, style):
        assert isinstance(atom, Floor)
        assert style.ceil is not None
        num = -atom.num
        text = style.ceil(_lin(num, style), str(atom.den), _simple(num))
        magnitude = -coeff
        sign = 1
    else:
        text = _atom(atom, style)
        magnitude = abs(coeff)
        sign = 1 if coeff > 0 else -1
        if style.wrap_scaled_floor and isinstance(atom, Floor) and coeff != 1:
            text = f"({text})"
    if magnitude != 1:
        text = f"{magnitude}{style.times}{text}"
    return sign, text


def _order(parts: tuple[tuple[Atom, int], ...]) -> list[tuple[Atom, int]]:
    # variables first, then the rest in construction order
    return sorted(parts, key=lambda ac: (not isinstance(ac[0], Var), ac[0].serial))


def _lin(term: Lin, style: Style) -> str:
    pieces: list[tuple[int, str]] = [_term(a, c, style) for a, c in _order(term.parts)]
    if term.const or not pieces:
        pieces.append((1 if term.const >= 0 else -1, str(abs(term.const))))
    out = ""
    for index, (sign, text) in enumerate(pieces):
        if index == 0:
            out = text if sign > 0 else f"{style.minus}{text}"
        else:
            out += f" + {text}" if sign > 0 else f" {style.minus} {text}"
    return out


def _simple(term: Lin) -> bool:
    return term.const == 0 and len(term.parts) == 1 and term.parts[0][1] == 1 and isinstance(
        term.parts[0][0], Var)


def _atom(atom: Atom, style: Style) -> str:
    if isinstance(atom, Var):
        return style.name(atom.name)
    if isinstance(atom, Floor):
        return style.floor(_lin(atom.num, style), str(atom.den), _simple(atom.num))
    if isinstance(atom, Extreme):
        return style.call("max" if atom.is_max else "min", [_lin(a, style) for a in atom.args])
    if isinstance(atom, Ite):
        return style.ite(_cond(atom.cond, style), _lin(atom.then, style),
                         _lin(atom.other, style))
    raise TypeError(f"unknown atom {type(atom).__name__}")


def _sides(term: Lin) -> tuple[Lin, Lin]:
    """term = left − right with every coefficient and constant of left and right positive."""
    from symconv.network.terms import _lin as make

    left = make(max(term.const, 0), {a: c for a, c in term.parts if c > 0})
    right = make(max(-term.const, 0), {a: -c for a, c in term.parts if c < 0})
    return left, right


def _cond(node: Node, style: Style) -> str:
    if isinstance(node, Truth):
        return style.true if node.value else style.false
    if isinstance(node, Cmp):
        left, right = _sides(node.lin)
        if left.is_const and not right.is_const:
            op = style.eq if node.eq else style.le
            return f"{_lin(right, style)} {op} {_lin(left, style)}"
        return f"{_lin(left, style)} {style.eq if node.eq else style.ge} {_lin(right, style)}"
    if isinstance(node, Not):
        if isinstance(node.arg, Cmp) and node.arg.eq:
            left, right = _sides(node.arg.lin)
            return f"{_lin(left, style)} {style.ne} {_lin(right, style)}"
        return f"{style.not_}({_cond(node.arg, style)})"
    if isinstance(node, Junction):
        joiner = style.and_ if node.is_and else style.or_
        return joiner.join(
            f"({_cond(a, style)})" if isinstance(a, Junction) else _cond(a, style)
            for a in node.args)
    if isinstance(node, Product):
        factors = style.times.join(
            _lin(f, style) if _simple(f) or (not f.const and len(f.parts) == 1)
            else f"({_lin(f, style)})" for f in node.factors)
        return f"{node.coeff}{style.times}{factors} {style.eq} {node.rhs}"
    raise TypeError(f"not a condition: {type(node).__name__}")


def to_sympy(node: Node) -> Any:
    """The term as a SymPy expression (or boolean) in the axis symbols
    (:func:`~symconv.network.ir.axis_symbol`), for code generators that print and prove SymPy:
    ``⌊n/d⌋`` becomes ``floor(n/d)``, an if-then-else a ``Piecewise``, ``coeff·∏f = n`` an
    equation. An if-then-else inside a condition has no such form (SymPy turns it into an
    ``ITE`` that nothing here evaluates): that raises ``ValueError``; use the terms themselves
    (``terms.evaluate``, ``proofs.Z3Terms``) there."""
    import sympy as sp

    from symconv.network.ir import axis_symbol
    from symconv.network.terms import children, postorder

    built: dict[int, Any] = {}
    for n in postorder([node]):
        kids = [built[c.serial] for c in children(n)]
        if isinstance(n, Var):
            built[n.serial] = axis_symbol(n.name)
        elif isinstance(n, Lin):
            built[n.serial] = sp.Add(sp.Integer(n.const), *(
                sp.Integer(c) * kid for (_, c), kid in zip(n.parts, kids, strict=True)))
        elif isinstance(n, Floor):
            built[n.serial] = sp.floor(kids[0] / sp.Integer(n.den))
        elif isinstance(n, Extreme):
            built[n.serial] = (sp.Max if n.is_max else sp.Min)(*kids)
        elif isinstance(n, Ite):
            built[n.serial] = sp.Piecewise((kids[1], kids[0]), (kids[2], True), evaluate=False)
        elif isinstance(n, Truth):
            built[n.serial] = sp.true if n.value else sp.false
        elif isinstance(n, Cmp):
            if any(isinstance(m, Ite) for m in postorder([n])):
                raise ValueError("an if-then-else inside a condition has no SymPy form here")
            built[n.serial] = (sp.Eq(kids[0], 0, evaluate=False) if n.eq
                               else sp.Ge(kids[0], 0, evaluate=False))
        elif isinstance(n, Not):
            built[n.serial] = sp.Not(kids[0])
        elif isinstance(n, Junction):
            built[n.serial] = (sp.And if n.is_and else sp.Or)(*kids)
        elif isinstance(n, Product):
            built[n.serial] = sp.Eq(sp.Integer(n.coeff) * sp.Mul(*kids), n.rhs, evaluate=False)
    return built[node.serial]
