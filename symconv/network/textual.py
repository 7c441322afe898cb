"""Terms as text: for people (``⌊(H + 1)/2⌋``), as Python (``(H + 1) // 2``, what the JSON
carries: a Python expression in the axis names, with Python's floor division) and as LaTeX."""

from __future__ import annotations

from collections.abc import Callable
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


def _tex_name(name: str) -> str:
    return name if name.isalnum() and len(name) == 1 else rf"\mathit{{{name}}}"


PYTHON = Style("*", "-", ">=", "<=", "==", "!=", " and ", " or ", "not ", "True", "False",
               _py_floor, None, lambda f, xs: f"{f}({', '.join(xs)})",
               lambda c, a, b: f"({a} if {c} else {b})", lambda n: n, wrap_scaled_floor=True)
PRETTY = Style("·", "−", "≥", "≤", "=", "≠", " ∧ ", " ∨ ", "¬", "true", "false",
               _pretty_floor, _pretty_ceil, lambda f, xs: f"{f}({', '.join(xs)})",
               lambda c, a, b: f"({a} if {c} else {b})", lambda n: n)
LATEX = Style(r" \cdot ", "-", r"\ge", r"\le", "=", r"\ne", r" \land ", r" \lor ", r"\lnot ",
              r"\top", r"\bot", _tex_floor, _tex_ceil,
              lambda f, xs: rf"\{f}({', '.join(xs)})",
              lambda c, a, b: rf"({a} \text{{ if }} {c} \text{{ else }} {b})", _tex_name)


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
