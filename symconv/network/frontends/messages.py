"""PyTorch's refusal message at numbers: a message a symbolic trace raised (its sizes printed
as SymPy expressions in the trace's symbols, ``Expected size (((s36 - 1)//2)) + 1 but got size
2*(((s36 - 1)//4)) + 2``) rewritten as the eager forward words it at one size (``Expected size
33 but got size 34``): each printed size expression that mentions a symbol is read by a small
parser (never ``eval``), computed exactly at the sizes, and replaced by its value.

What PyTorch prints (torch 2.13, ``str`` of a ``SymInt``, SymPy's ``StrPrinter``):

- ``+ - *`` and ``**`` as SymPy writes them (``3*s36*s98``, ``-s0 + 5``, ``s0**2``);
- ``FloorDiv(a, b)`` as ``(a//b)``, its arguments parenthesised unless atoms, and one more pair
  of parentheses where a sum or a product holds it (``2*(((s98 - 1)//2)) + 2``): Python's ``//``;
- other functions as calls: ``Max``/``Min``, ``Mod``/``PythonMod`` (Python's ``%``, the sign of
  the divisor), ``Abs``, ``CeilToInt``/``FloorToInt``/``TruncToInt`` of ``IntTrueDiv(a, b)``
  (the exact rational a/b rounded; a float size is not an integer and is left alone).

A size in a message is often in the message's own parentheses (``tensor a (s36)``, ``((s36//2)
x (s98//2))``); at numbers the eager message keeps those and only those (``tensor a (33)``,
``(16 x 16)``): the parentheses ``FloorDiv`` prints around itself are the expression's. Text that
mentions no symbol is PyTorch's own (``divisible by 2**5``) and stays as it is; so does an
expression with a symbol not given, or one that does not parse whole (no guess). Pure: no torch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["at_numbers", "computed"]


@dataclass(frozen=True, slots=True)
class Num:
    value: int


@dataclass(frozen=True, slots=True)
class Float:
    text: str  # a float as SymPy prints it (15 digits): not the double it stands for


@dataclass(frozen=True, slots=True)
class Sym:
    name: str


@dataclass(frozen=True, slots=True)
class Neg:
    arg: Node


@dataclass(frozen=True, slots=True)
class Bin:
    op: str  # + - * // % **
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call:
    fn: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Paren:
    inner: Node


Node = Num | Float | Sym | Neg | Bin | Call | Paren


def _int(x: Fraction) -> int | None:
    return x.numerator if x.denominator == 1 else None


def _floordiv(a: Fraction, b: Fraction) -> Fraction | None:
    x, y = _int(a), _int(b)
    return Fraction(x // y) if x is not None and y is not None and y != 0 else None


def _mod(a: Fraction, b: Fraction) -> Fraction | None:
    x, y = _int(a), _int(b)
    return Fraction(x % y) if x is not None and y is not None and y != 0 else None


def _truediv(a: Fraction, b: Fraction) -> Fraction | None:
    return a / b if b != 0 and _int(a) is not None and _int(b) is not None else None


def _rounding(f: Callable[[Fraction], int]) -> Callable[[Fraction], Fraction]:
    return lambda q: Fraction(f(q))


_UNARY: dict[str, Callable[[Fraction], Fraction]] = {
    "CeilToInt": _rounding(math.ceil), "FloorToInt": _rounding(math.floor),
    "TruncToInt": _rounding(math.trunc), "Abs": abs,
}
_BINARY: dict[str, Callable[[Fraction, Fraction], Fraction | None]] = {
    "FloorDiv": _floordiv, "Mod": _mod, "PythonMod": _mod, "IntTrueDiv": _truediv,
}
_VARIADIC: dict[str, Callable[[Sequence[Fraction]], Fraction]] = {"Max": max, "Min": min}
_FUNCTIONS = frozenset({*_UNARY, *_BINARY, *_VARIADIC})
_CALL = re.compile(r"([A-Za-z][A-Za-z_]*)\(")  # a function as SymPy prints it: Max(, exp(
_FLOAT = re.compile(r"[0-9]+\.[0-9]+(?:e[+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_]+[0-9]+")  # a SymPy symbol as PyTorch names them: s36, u0
_NUMBER = re.compile(r"[0-9]+")
_POW_BITS = 64  # a power past a 64-bit size is no size PyTorch printed: left as text


class _Parser:
    """The longest integer expression at a position of a text: recursive descent over the text
    itself (Python's precedence: ``**`` over unary minus over ``* // %`` over ``+ -``)."""

    def __init__(self, text: str) -> None:
        self.s = text

    def _ws(self, i: int) -> int:
        while i < len(self.s) and self.s[i] == " ":
            i += 1
        return i

    def expr(self, i: int) -> tuple[Node, int] | None:
        got = self.term(i)
        if got is None:
            return None
        node, i = got
        while True:
            j = self._ws(i)
            if j < len(self.s) and self.s[j] in "+-":
                rhs = self.term(self._ws(j + 1))
                if rhs is None:
                    return node, i
                node, i = Bin(self.s[j], node, rhs[0]), rhs[1]
            else:
                return node, i

    def term(self, i: int) -> tuple[Node, int] | None:
        got = self.unary(i)
        if got is None:
            return None
        node, i = got
        while True:
            j = self._ws(i)
            op = next((o for o in ("//", "*", "%") if self.s.startswith(o, j)), None)
            if op is None or self.s.startswith("**", j):
                return node, i
            rhs = self.unary(self._ws(j + len(op)))
            if rhs is None:
                return node, i
            node, i = Bin(op, node, rhs[0]), rhs[1]

    def unary(self, i: int) -> tuple[Node, int] | None:
        if i < len(self.s) and self.s[i] == "-":
            got = self.unary(self._ws(i + 1))
            return (Neg(got[0]), got[1]) if got is not None else None
        return self.power(i)

    def power(self, i: int) -> tuple[Node, int] | None:
        got = self.atom(i)
        if got is None:
            return None
        node, i = got
        j = self._ws(i)
        if self.s.startswith("**", j):
            rhs = self.unary(self._ws(j + 2))
            if rhs is not None:
                return Bin("**", node, rhs[0]), rhs[1]
        return node, i

    def atom(self, i: int) -> tuple[Node, int] | None:
        s = self.s
        if i >= len(s):
            return None
        if (m := _FLOAT.match(s, i)) or (m := _NUMBER.match(s, i)):
            j = m.end()
            if j < len(s) and ((s[j].isalpha() and s[j] != "x") or s[j] == "_" or (
                    s[j] == "." and j + 1 < len(s) and s[j + 1].isalnum())):
                return None  # part of a word, or of a version number (a full stop ends it)
            return (Float(m.group()) if "." in m.group() else Num(int(m.group()))), j
        if m := _CALL.match(s, i):
            args: list[Node] = []
            j = m.end()
            while True:
                got = self.expr(self._ws(j))
                if got is None:
                    return None
                args.append(got[0])
                j = self._ws(got[1])
                if j < len(s) and s[j] == ",":
                    j += 1
                    continue
                if j < len(s) and s[j] == ")":
                    return Call(m.group(1), tuple(args)), j + 1
                return None
        if m := _NAME.match(s, i):
            j = m.end()
            # a symbol ends a word, or is followed by PyTorch's size separator (3xs36xs98)
            if j < len(s) and ((s[j].isalpha() and s[j] != "x") or s[j] == "_"):
                return None
            return Sym(m.group()), j
        if s[i] == "(":
            got = self.expr(self._ws(i + 1))
            if got is None:
                return None
            j = self._ws(got[1])
            if j < len(s) and s[j] == ")":
                return Paren(got[0]), j + 1
        return None


def _value(node: Node, sizes: Mapping[str, int]) -> Fraction | None:
    """The node's exact value at ``sizes`` (None: a symbol not given, a division by zero, a
    non-integer where an integer is needed, an unknown arity)."""
    if isinstance(node, Num):
        return Fraction(node.value)
    if isinstance(node, Float):
        return None  # the printed digits are not the double (a scale 1/3 prints 0.333…)
    if isinstance(node, Sym):
        n = sizes.get(node.name)
        return None if n is None else Fraction(n)
    if isinstance(node, Paren):
        return _value(node.inner, sizes)
    if isinstance(node, Neg):
        v = _value(node.arg, sizes)
        return None if v is None else -v
    if isinstance(node, Bin):
        a, b = _value(node.left, sizes), _value(node.right, sizes)
        if a is None or b is None:
            return None
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "//":
            return _floordiv(a, b)
        if node.op == "%":
            return _mod(a, b)
        base, exp = _int(a), _int(b)  # **: an integer power of an integer, of bounded size
        if base is None or exp is None or exp < 0:
            return None
        if abs(base) > 1 and exp * abs(base).bit_length() > _POW_BITS:
            return None
        return Fraction(base**exp)
    args = [_value(a, sizes) for a in node.args]
    if any(a is None for a in args):
        return None
    got = [a for a in args if a is not None]
    if node.fn not in _FUNCTIONS:
        return None  # ToFloat, FloatTrueDiv, Eq, ...: not an integer size read exactly
    if node.fn in _VARIADIC:
        return _VARIADIC[node.fn](got)
    if node.fn in _BINARY:
        return _BINARY[node.fn](got[0], got[1]) if len(got) == 2 else None
    return _UNARY[node.fn](got[0]) if len(got) == 1 else None


def _mentions_symbol(node: Node) -> bool:
    if isinstance(node, Sym):
        return True
    if isinstance(node, Num | Float):
        return False
    if isinstance(node, Paren):
        return _mentions_symbol(node.inner)
    if isinstance(node, Neg):
        return _mentions_symbol(node.arg)
    if isinstance(node, Bin):
        return _mentions_symbol(node.left) or _mentions_symbol(node.right)
    return any(_mentions_symbol(a) for a in node.args)


def _own_parentheses(node: Node) -> int:
    """How many pairs of parentheses around the expression are the message's own: all of them
    down to the pair ``FloorDiv`` prints around ``a//b`` (that pair is the expression's)."""
    pairs = 0
    while isinstance(node, Paren) and not (isinstance(node.inner, Bin)
                                          and node.inner.op == "//"):
        pairs += 1
        node = node.inner
    return pairs


def _starts(text: str, i: int) -> bool:
    """Whether an expression may start at ``i``: not inside a word or a number, but after
    PyTorch's size separator ``x`` (``64x1xs98``, ``3xs36x1``)."""
    if i == 0:
        return True
    before = text[i - 1]
    if text[i] == "x" and (before.isdigit() or before == ")"):
        return False  # the separator itself
    if before == "x" and i >= 2:
        return text[i - 2].isdigit() or text[i - 2] == ")"
    return not (before.isalnum() or before in "_.")


def _renamed(text: str, names: Mapping[str, str]) -> str:
    for sym in sorted(names, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(sym)}(?![0-9_])", names[sym], text)
    return text


def at_numbers(message: str, sizes: Mapping[str, int],
               names: Mapping[str, str] | None = None) -> str:
    """``message`` with every printed size expression that mentions a symbol of ``sizes``
    (symbol name → size) replaced by its value there: PyTorch's message at those numbers. An
    expression not computed (a float scale, a symbol not in ``sizes``) is kept whole, its
    symbols renamed by ``names`` (symbol name → axis, H) where given."""
    return computed(message, sizes, names)[0]


def computed(message: str, sizes: Mapping[str, int],
             names: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """:func:`at_numbers`, and whether every size expression in it was computed."""
    parser = _Parser(message)
    complete = True
    out: list[str] = []
    i = 0
    while i < len(message):
        if _starts(message, i) and (message[i].isalnum() or message[i] in "(-"):
            got = parser.expr(i)
            if got is not None:
                node, end = got
                value = _value(node, sizes) if _mentions_symbol(node) else None
                if value is not None and value.denominator == 1:
                    pairs = _own_parentheses(node)
                    out.append("(" * pairs + str(value.numerator) + ")" * pairs)
                else:
                    # PyTorch's own text, or an expression not computed: kept whole (a part
                    # of it is not computed on its own)
                    span = message[i:end]
                    complete = complete and not _mentions_symbol(node)
                    out.append(_renamed(span, names) if names and _mentions_symbol(node)
                               else span)
                i = end
                continue
        out.append(message[i])
        i += 1
    return "".join(out), complete
