"""The CLAIM/COND language of ``symconv check``, parsed by hand — never ``eval``.

Grammar (lowest precedence first; ``->`` is right-associative, comparisons chain)::

    implies := or ( "->" implies )?
    or      := and ( "or" and )*
    and     := not ( "and" not )*
    not     := "not" not | compare
    compare := shift ( ("<" | "<=" | ">" | ">=" | "==" | "!=") shift )*
    shift   := sum ( ("<<" | ">>") sum )*      (a constant shift amount >= 0)
    sum     := term ( ("+" | "-") term )*
    term    := unary ( ("*" | "//" | "%") unary )*
    unary   := ("-" | "+") unary | power
    power   := atom ( "**" unary )?            (a constant exponent >= 0; right-associative)
    atom    := INT | True | False | NAME | "(" implies ")" | NAME "(" args ")"
    args    := floor(sum "/" sum) | ceil(sum "/" sum) | min(sum, sum, ...) | max(...) | abs(sum)

INT is written as Python writes it: ``9223372036854775807``, ``1_000``, ``0x7fff``, ``0b101``,
``0o17``. ``True`` and ``False`` are the truth constants (not variables, and not integers).

Every value is an integer or a truth value; mixing them is an error pointing at the position.
Constants are folded exactly; none may exceed MAX_BITS bits (so ``2**63``, ``-2**63`` and
``(1 << 63) - 1`` are fine). A power of an expression with variables has an exponent of at most
MAX_POWER.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from symconv.errors import UsageError
from symconv.intfuncs import floordiv, floormod
from symconv.symbols import domains_for, symbol

MAX_LENGTH = 10_000
MAX_DEPTH = 50
MAX_DIGITS = 1_000
MAX_POWER = 16  # largest exponent of a non-constant base (the expansion is a polynomial)
MAX_BITS = 100_000  # of any integer constant the parser folds
_KEYWORDS = {"and", "or", "not"}
_CONSTANTS = {"True": sp.true, "False": sp.false}
_FUNCTIONS = {"floor", "ceil", "min", "max", "abs"}

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<int>0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|\d(?:_?\d)*)
      | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
      | (?P<op>->|<<|>>|<=|>=|==|!=|//|\*\*|[-+*%/<>(),])
    """,
    re.VERBOSE,
)


class ClaimSyntaxError(UsageError):
    """A malformed claim; the message shows the text with a caret under the position."""

    def __init__(self, text: str, pos: int, message: str) -> None:
        self.text, self.pos, self.reason = text, pos, message
        shown = text.replace("\n", " ").replace("\t", " ")
        if len(shown) > 120:
            start = max(0, pos - 60)
            shown, pos = shown[start : start + 120], pos - start
        super().__init__(f"{message} at position {self.pos + 1}\n  {shown}\n  {' ' * pos}^")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # "int", "name", "op", "end"
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ClaimSyntaxError(text, pos, f"unexpected character {text[pos]!r}")
        kind = m.lastgroup
        assert kind is not None
        if kind == "int" and len(m.group()) > MAX_DIGITS:
            raise ClaimSyntaxError(text, pos, f"integer literal longer than {MAX_DIGITS} digits")
        if kind != "ws":
            toks.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    toks.append(_Tok("end", "", len(text)))
    return toks


_COMPARE = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne}


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.at = 0
        self.depth = 0
        self.slash_ends: list[bool] = [False]  # True while parsing x in floor(x / y)

    # -- helpers ---------------------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        return self.toks[self.at]

    def _error(self, message: str, tok: _Tok | None = None) -> ClaimSyntaxError:
        return ClaimSyntaxError(self.text, (tok or self.tok).pos, message)

    def _take(self, text: str) -> bool:
        if self.tok.text == text and self.tok.kind in ("op", "name"):
            self.at += 1
            return True
        return False

    def _expect(self, text: str) -> None:
        if not self._take(text):
            found = repr(self.tok.text) if self.tok.kind != "end" else "end of input"
            raise self._error(f"expected {text!r}, found {found}")

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(f"nesting deeper than {MAX_DEPTH}")

    def _int(self, value: sp.Basic, tok: _Tok) -> sp.Expr:
        if isinstance(value, sp.Expr):
            return value
        raise self._error("expected an integer expression, found a truth value", tok)

    def _bool(self, value: sp.Basic, tok: _Tok) -> sp.Basic:
        if isinstance(value, sp.Expr):
            raise self._error("expected a truth value (a comparison), found an integer", tok)
        return value

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> sp.Basic:
        if len(self.text) > MAX_LENGTH:
            raise ClaimSyntaxError(self.text, MAX_LENGTH, f"longer than {MAX_LENGTH} characters")
        if self.tok.kind == "end":
            raise self._error("empty claim")
        value = self.implies()
        if self.tok.kind != "end":
            raise self._error(f"unexpected {self.tok.text!r}")
        return value

    def implies(self) -> sp.Basic:
        self._enter()
        start = self.tok
        left = self.disjunction()
        if self.tok.text == "->":
            arrow = self.tok
            self.at += 1
            right = self.implies()
            left = sp.Implies(self._bool(left, start), self._bool(right, arrow))
        self.depth -= 1
        return left

    def disjunction(self) -> sp.Basic:
        start = self.tok
        left = self.conjunction()
        while self.tok.text == "or":
            op = self.tok
            self.at += 1
            right = self.conjunction()
            left = sp.Or(self._bool(left, start), self._bool(right, op))
        return left

    def conjunction(self) -> sp.Basic:
        start = self.tok
        left = self.negation()
        while self.tok.text == "and":
            op = self.tok
            self.at += 1
            right = self.negation()
            left = sp.And(self._bool(left, start), self._bool(right, op))
        return left

    def negation(self) -> sp.Basic:
        if self.tok.text == "not":
            op = self.tok
            self.at += 1
            self._enter()
            value = sp.Not(self._bool(self.negation(), op))
            self.depth -= 1
            return value
        return self.comparison()

    def comparison(self) -> sp.Basic:
        start = self.tok
        left = self.shift()
        parts: list[sp.Basic] = []
        while self.tok.text in _COMPARE:
            op = self.tok
            self.at += 1
            right_tok = self.tok
            right = self.shift()
            parts.append(
                _COMPARE[op.text](self._int(left, start), self._int(right, right_tok),
                                  evaluate=False)
            )
            left, start = right, right_tok
        if not parts:
            return left
        return parts[0] if len(parts) == 1 else sp.And(*parts)

    def shift(self) -> sp.Basic:
        start = self.tok
        left = self.sum()
        while self.tok.text in ("<<", ">>"):
            op = self.tok
            self.at += 1
            amount_tok = self.tok
            lv = self._int(left, start)
            amount = self._constant(self._int(self.sum(), amount_tok), amount_tok, "shift amount")
            factor = self._bounded(sp.Integer(2), sp.Integer(1), amount, op)
            left = self._bounded(lv, factor, 1, op) if op.text == "<<" else floordiv(lv, factor)
        return left

    def _constant(self, value: sp.Expr, tok: _Tok, what: str) -> int:
        if not value.is_Integer:
            raise self._error(f"the {what} must be a constant integer, found {value}", tok)
        if int(value) < 0:
            raise self._error(f"the {what} must be >= 0 (integer arithmetic), got {value}", tok)
        return int(value)

    def sum(self) -> sp.Basic:
        start = self.tok
        left = self.term()
        while self.tok.text in ("+", "-"):
            op = self.tok
            self.at += 1
            right = self.term()
            lv, rv = self._int(left, start), self._int(right, op)
            left = lv + rv if op.text == "+" else lv - rv
        return left

    def term(self) -> sp.Basic:
        start = self.tok
        left = self.unary()
        while self.tok.text in ("*", "//", "%", "/"):
            op = self.tok
            if op.text == "/" and self.slash_ends[-1]:
                break
            if op.text == "/":
                raise self._error(
                    "'/' is only allowed as floor(x/y) or ceil(x/y); use // for floor division"
                )
            self.at += 1
            right = self.unary()
            lv, rv = self._int(left, start), self._int(right, op)
            if op.text == "*":
                left = self._bounded(lv, rv, 1, op)
            elif op.text == "//":
                left = floordiv(lv, rv) if rv != 0 else self._zero(op)
            else:
                left = floormod(lv, rv) if rv != 0 else self._zero(op)
        return left

    def _bounded(self, x: sp.Expr, y: sp.Expr, exp: int, op: _Tok) -> sp.Expr:
        """``x * y`` or ``x ** exp``, refusing a constant of more than MAX_BITS bits (and never
        computing one of more than twice that)."""
        consts = [int(v) for v in (x, y) if v.is_Integer and int(v) not in (0, 1, -1)]
        # a lower bound on the result's bits: (bits(b) - 1) * exp + 1 for a power, and
        # bits(x) + bits(y) - 1 for a product
        low = sum(c.bit_length() - 1 for c in consts) * exp + 1
        if low > MAX_BITS:
            raise self._error(f"constant larger than {MAX_BITS} bits", op)
        value = x**exp if exp != 1 else x * y
        if value.is_Integer and int(value).bit_length() > MAX_BITS:
            raise self._error(f"constant larger than {MAX_BITS} bits", op)
        return value

    def _zero(self, op: _Tok) -> sp.Expr:
        raise self._error("division by the constant 0", op)

    def unary(self) -> sp.Basic:
        if self.tok.text in ("-", "+"):
            op = self.tok
            self.at += 1
            self._enter()
            value = self._int(self.unary(), op)
            self.depth -= 1
            return -value if op.text == "-" else value
        return self.power()

    def power(self) -> sp.Basic:
        start = self.tok
        base = self.atom()
        if self.tok.text != "**":
            return base
        self.at += 1
        exp_tok = self.tok
        self._enter()
        exp = self._constant(self._int(self.unary(), exp_tok), exp_tok, "exponent")
        self.depth -= 1
        value = self._int(base, start)
        if not value.is_Integer and exp > MAX_POWER:
            raise self._error(f"the exponent of an expression with variables must be at most "
                              f"{MAX_POWER}, got {exp}", exp_tok)
        return self._bounded(value, sp.Integer(1), exp, exp_tok)

    def atom(self) -> sp.Basic:
        tok = self.tok
        if tok.kind == "int":
            self.at += 1
            text = tok.text.replace("_", "")
            return sp.Integer(int(text, 0) if text[:2].lower() in ("0x", "0b", "0o")
                              else int(text))
        if tok.kind == "name" and tok.text in _CONSTANTS:
            self.at += 1
            return _CONSTANTS[tok.text]
        if tok.kind == "name" and tok.text == "None":
            raise self._error("None is not an integer or a truth value")
        if tok.text == "(":
            self.at += 1
            self.slash_ends.append(False)
            value = self.implies()
            self.slash_ends.pop()
            self._expect(")")
            return value
        if tok.kind == "name":
            if tok.text in _KEYWORDS:
                raise self._error(f"unexpected keyword {tok.text!r}")
            self.at += 1
            if self.tok.text == "(":
                return self.call(tok)
            if tok.text in _FUNCTIONS:
                raise self._error(f"{tok.text} needs arguments: {tok.text}(...)", tok)
            return symbol(tok.text)
        if tok.kind == "end":
            raise self._error("unexpected end of input")
        raise self._error(f"unexpected {tok.text!r}")

    def call(self, name: _Tok) -> sp.Basic:
        if name.text not in _FUNCTIONS:
            raise self._error(
                f"unknown function {name.text!r} (allowed: {', '.join(sorted(_FUNCTIONS))})", name
            )
        self._expect("(")
        self._enter()
        if name.text in ("floor", "ceil"):
            num_tok = self.tok
            self.slash_ends.append(True)
            num = self._int(self.sum(), num_tok)
            self.slash_ends.pop()
            if self.tok.text != "/":
                raise self._error(f"{name.text} takes a quotient: {name.text}(x / y)")
            self.at += 1
            den_tok = self.tok
            den = self._int(self.sum(), den_tok)
            if den == 0:
                raise self._error("division by the constant 0", den_tok)
            value: sp.Basic = (
                floordiv(num, den) if name.text == "floor" else -floordiv(-num, den)
            )
        else:
            self.slash_ends.append(False)
            args = [self._int_arg()]
            while self._take(","):
                args.append(self._int_arg())
            if name.text == "abs":
                if len(args) != 1:
                    raise self._error("abs takes one argument", name)
                value = sp.Abs(args[0])
            else:
                if len(args) < 2:
                    raise self._error(f"{name.text} takes at least two arguments", name)
                value = (sp.Min if name.text == "min" else sp.Max)(*args)
            self.slash_ends.pop()
        self._expect(")")
        self.depth -= 1
        return value

    def _int_arg(self) -> sp.Expr:
        tok = self.tok
        return self._int(self.sum(), tok)


def parse(text: str) -> sp.Basic:
    """An integer expression or a formula."""
    try:
        return _Parser(text).parse()
    except RecursionError:  # SymPy's own recursion on a pathological but shallow input
        raise ClaimSyntaxError(text, 0, "expression too deeply nested") from None


def parse_condition(text: str) -> sp.Basic:
    value = parse(text)
    if isinstance(value, sp.Expr):
        raise ClaimSyntaxError(text, 0, "expected a truth value (a comparison), found an integer")
    return value


def default_domains(*formulas: sp.Basic) -> list[sp.Basic]:
    """Domain assumptions for the guide's symbols among the formulas' free symbols."""
    free: set[sp.Symbol] = set()
    for f in formulas:
        free |= f.free_symbols
    return domains_for(free)
