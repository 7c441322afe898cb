"""The CLAIM/COND language of ``symconv check`` (``--assume``, ``compare --where``): a subset of
Python's expression syntax, read by Python's own parser (:func:`ast.parse`, which builds a
syntax tree and never evaluates it) and translated node by node from a whitelist.

Precedence and associativity are therefore Python's by construction. The one operator Python
lacks, ``->`` (implies), binds loosest of all and is right-associative: it is read as Python's
``or`` (the loosest binary operator), and each ``or`` chain is then split at the arrows.

What the language has (everything else is refused with a caret under the position):

- integers written as Python writes them (``9223372036854775807``, ``1_000``, ``0x7fff``,
  ``0b101``, ``0o17``), variables, ``True`` and ``False`` (truth values, not integers);
- ``+ - * // % **``, ``<<`` and ``>>``, unary ``-`` and ``+``; ``//`` and ``%`` floor;
- ``floor(x)``, ``ceil(x)``: ``x`` is any integer expression of the language in which ``/`` is
  exact rational division (``floor(i/2 + 1)`` is ``(i + 2) // 2``); ``/`` anywhere else is
  refused;
- ``min(x, y, ...)``, ``max(x, y, ...)``, ``abs(x)`` (inside floor/ceil, of fractions too);
- comparisons (chains), ``and``, ``or``, ``not``, ``->``.

Every value is an integer or a truth value; mixing them is an error pointing at the position.
Constants are folded exactly; none may exceed MAX_BITS bits (so ``2**63``, ``-2**63`` and
``(1 << 63) - 1`` are fine). A power of an expression with variables has an exponent of at most
MAX_POWER. Every divisor that can be zero stays in the result as a divisor (a ``FloorDiv``), so
the prover reports a zero divisor as a counterexample: through floor/ceil arguments written over
a common denominator, and through SymPy's own cancellation (``i // k - i // k == 0`` is read as
``0 // k == 0``).
"""

from __future__ import annotations

import ast
import keyword
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sympy as sp

from symconv.errors import UsageError
from symconv.intfuncs import FloorDiv, FloorMod, floordiv, floormod
from symconv.symbols import domains_for, symbol

MAX_LENGTH = 10_000
MAX_DEPTH = 50
MAX_DIGITS = 1_000
MAX_POWER = 16  # largest exponent of a non-constant base (the expansion is a polynomial)
MAX_BITS = 100_000  # of any integer constant the parser folds
MAX_SIZE = 20_000  # nodes of a floor/ceil argument written over a common denominator
_OPERATOR_WORDS = {"and", "or", "not"}
_CONSTANTS = {"True": sp.true, "False": sp.false}
_FUNCTIONS = {"floor", "ceil", "min", "max", "abs"}
_PYTHON_KEYWORDS = set(keyword.kwlist) - _OPERATOR_WORDS - {"True", "False", "None"}

# The lexical gate: only these characters and tokens reach Python's parser (ASCII only, so
# the parser's byte offsets are character offsets).
_TOKEN = re.compile(
    r"""(?P<ws>\s+)
      | (?P<int>0[xX](?:_?[0-9a-fA-F])+|0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|\d(?:_?\d)*)
      | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
      | (?P<op>->|<<|>>|<=|>=|==|!=|//|\*\*|[-+*%/<>(),])
    """,
    re.VERBOSE | re.ASCII,
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

    @property
    def operand(self) -> bool:
        """Ends (or starts) an operand: a literal or a name that is not an operator word."""
        return self.kind == "int" or (self.kind == "name" and self.text not in _OPERATOR_WORDS)


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


def _check_tokens(text: str, toks: list[_Tok]) -> dict[int, int]:
    """Refuse what Python would read differently or report less clearly: keywords outside the
    language, two operands in a row (``1 2``, ``0x_``, ``1if``), unbalanced or too deeply
    nested parentheses. Returns each '(' token's index mapped to its ')' token's index."""
    opened: list[int] = []
    match: dict[int, int] = {}
    for n, tok in enumerate(toks):
        prev = toks[n - 1] if n else None
        if tok.kind == "name" and tok.text in _PYTHON_KEYWORDS:
            raise ClaimSyntaxError(text, tok.pos, f"unexpected keyword {tok.text!r}")
        if prev is not None and (prev.operand or prev.text == ")") and (
                tok.operand or (tok.text == "(" and prev.kind != "name")):
            raise ClaimSyntaxError(text, tok.pos, f"unexpected {tok.text!r}")
        if tok.text == "(":
            opened.append(n)
            if len(opened) > MAX_DEPTH:
                raise ClaimSyntaxError(text, tok.pos, f"nesting deeper than {MAX_DEPTH}")
        elif tok.text == ")":
            if not opened:
                raise ClaimSyntaxError(text, tok.pos, "unexpected ')'")
            match[opened.pop()] = n
    if opened:
        raise ClaimSyntaxError(text, len(text), "expected ')', found end of input")
    return match


_COMPARE: dict[type[ast.cmpop], type[sp.Basic]] = {
    ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Eq: sp.Eq, ast.NotEq: sp.Ne,
}
_OP_TEXT: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>",
}
# Left-associative operators of one precedence level: a chain of them is read in a loop, not
# by recursion (``i + i + ... + i`` is one flat chain, however long).
_LEVEL: dict[type[ast.operator], int] = {
    ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2, ast.FloorDiv: 2, ast.Mod: 2,
    ast.LShift: 0, ast.RShift: 0,
}


@contextmanager
def _stack(frames: int) -> Iterator[None]:
    """Room for ``frames`` more levels of recursion. Python's parser builds the tree of
    ``i + i + ... + i`` recursively, one level per ``+`` (RecursionError at about 1000 by
    default, well inside MAX_LENGTH); its own limit (MemoryError) stops at some thousands."""
    old = sys.getrecursionlimit()
    depth, frame = 0, sys._getframe()
    while frame is not None and depth < old:
        depth, frame = depth + 1, frame.f_back  # type: ignore[assignment]
    sys.setrecursionlimit(max(old, depth + frames + 200))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


@dataclass(frozen=True, slots=True)
class _Q:
    """A fraction num/den of integer expressions inside floor/ceil, with the divisors met on
    the way (``guards``: each must be nonzero; den is zero exactly when one of its own factors
    is, so a guard that is a factor of den needs nothing more). ``nsize`` and ``dsize`` bound
    the trees of num and den (counted without sharing, as every walker visits them)."""

    num: sp.Expr
    den: sp.Expr
    guards: tuple[sp.Expr, ...] = ()
    nsize: int = 1
    dsize: int = 1


_Met = tuple[sp.Expr, sp.Basic]  # a divisor and where it must be nonzero


def _guarded(formula: sp.Basic, where: sp.Basic = sp.true) -> Iterator[_Met]:
    """The divisors of ``formula`` with where the prover requires each nonzero: the consequent
    of an ``->`` only where its hypothesis holds; inside a Piecewise none (not needed here)."""
    if isinstance(formula, sp.Implies):
        yield from _guarded(formula.args[0], where)
        yield from _guarded(formula.args[1], sp.And(where, formula.args[0]))
        return
    if isinstance(formula, FloorDiv | FloorMod | sp.Mod):
        yield formula.args[1], where
    if isinstance(formula, sp.Piecewise):
        return
    for arg in formula.args:
        yield from _guarded(arg, where)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        if len(text) > MAX_LENGTH:
            raise ClaimSyntaxError(text, MAX_LENGTH, f"longer than {MAX_LENGTH} characters")
        self.toks = _tokenize(text)
        if self.toks[0].kind == "end":
            raise ClaimSyntaxError(text, self.toks[0].pos, "empty claim")
        self.match = _check_tokens(text, self.toks)
        self.index = {t.pos: n for n, t in enumerate(self.toks)}
        # Python's text: one line in parentheses, "->" read as "or"; back[j] is the position in
        # the user's text of character j of Python's
        source, back = ["("], [0]
        arrows = {t.pos for t in self.toks if t.text == "->"}
        pos = 0
        while pos < len(text):
            if pos in arrows:
                source.append(" or ")
                back += [pos] * 4
                pos += 2
                continue
            source.append(" " if text[pos].isspace() else text[pos])
            back.append(pos)
            pos += 1
        source.append(")")
        back += [len(text), len(text)]
        self.source, self.back, self.arrows = "".join(source), back, arrows
        # for each position of the text: the last token before it, the first token at or after it
        self.before, self.after = [-1] * (len(text) + 1), [0] * (len(text) + 1)
        n = 0
        for p in range(len(text) + 1):
            while self.toks[n].pos < p:
                n += 1
            self.after[p], self.before[p] = n, n - 1
        self.depth = 0
        # the divisors met, each with where it must be nonzero (a consequent's only where its
        # hypothesis holds): (divisor, condition relative to the innermost frame)
        self.divisors: list[list[_Met]] = [[]]

    # -- positions -------------------------------------------------------------------------
    def _error(self, pos: int, message: str) -> ClaimSyntaxError:
        return ClaimSyntaxError(self.text, pos, message)

    def at(self, node: ast.AST) -> int:
        return self.back[node.col_offset]  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.back[node.end_col_offset]  # type: ignore[attr-defined]

    def start(self, node: ast.AST) -> int:
        """Where ``node`` starts, with the parentheses around it."""
        first, last = self.index[self.at(node)], self._last(node)
        while (first > 0 and self.toks[first - 1].text == "("
               and self.match.get(first - 1) == last + 1
               and (first < 2 or self.toks[first - 2].kind != "name"
                    or self.toks[first - 2].text in _OPERATOR_WORDS)):
            first, last = first - 1, last + 1
        return self.toks[first].pos

    def _last(self, node: ast.AST) -> int:
        return self.before[self.end(node)]

    def op(self, left: ast.AST, right: ast.AST, *texts: str) -> int:
        """The position of the operator token between two operands."""
        lo, hi = self.end(left), self.at(right)
        n = self.after[lo]
        while self.toks[n].pos < hi:
            if self.toks[n].text in texts:
                return self.toks[n].pos
            n += 1
        return lo

    # -- the whole text --------------------------------------------------------------------
    def read(self) -> sp.Basic:
        try:
            with _stack(4 * len(self.toks)), warnings.catch_warnings():
                warnings.simplefilter("error")
                tree = ast.parse(self.source, mode="eval")
        except SyntaxError as exc:
            raise self._syntax(exc) from None
        except (RecursionError, MemoryError):
            raise self._error(0, f"nesting deeper than {MAX_DEPTH}") from None
        with _stack(40 * MAX_DEPTH):
            return self.value(tree.body)

    def _syntax(self, exc: SyntaxError) -> ClaimSyntaxError:
        offset = max(0, min((exc.offset or 1) - 1, len(self.back) - 1))
        pos = self.back[offset]
        tok = next((t for t in self.toks if t.pos >= pos), self.toks[-1])
        if tok.kind == "end":
            return self._error(tok.pos, "unexpected end of input")
        if "literal" in exc.msg:  # Python's own words on a literal ("leading zeros in ...")
            return self._error(tok.pos, exc.msg)
        if tok.text in _OPERATOR_WORDS:
            return self._error(tok.pos, f"unexpected keyword {tok.text!r}")
        return self._error(tok.pos, f"unexpected {tok.text!r}")

    # -- helpers ---------------------------------------------------------------------------
    def _int(self, value: sp.Basic, pos: int) -> sp.Expr:
        if isinstance(value, sp.Expr):
            return value
        raise self._error(pos, "expected an integer expression, found a truth value")

    def _bool(self, value: sp.Basic, pos: int) -> sp.Basic:
        if isinstance(value, sp.Expr):
            raise self._error(pos, "expected a truth value (a comparison), found an integer")
        return value

    def _enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self._error(pos, f"nesting deeper than {MAX_DEPTH}")

    def value(self, node: ast.expr) -> sp.Basic:
        """An integer expression or a truth value; parentheses count towards MAX_DEPTH."""
        nested = self.start(node) < self.at(node)
        if nested:
            self._enter(self.start(node))
        out = self._value(node)
        if nested:
            self.depth -= 1
        return out

    def integer(self, node: ast.expr, pos: int | None = None) -> sp.Expr:
        return self._int(self.value(node), self.start(node) if pos is None else pos)

    def truth(self, node: ast.expr, pos: int | None = None) -> sp.Basic:
        return self._bool(self.value(node), self.start(node) if pos is None else pos)

    def _refuse(self, node: ast.AST) -> ClaimSyntaxError:
        pos = self.at(node)
        if isinstance(node, ast.Tuple) and node.elts:
            after = node.elts[1] if len(node.elts) > 1 else None
            lo = self.end(node.elts[0])
            hi = self.at(after) if after is not None else self.end(node)
            pos = next((t.pos for t in self.toks if lo <= t.pos <= hi and t.text == ","), pos)
        tok = self.toks[self.index.get(pos, 0)]
        return self._error(pos, f"unexpected {tok.text!r}")

    # -- integers and truth values ---------------------------------------------------------
    def _value(self, node: ast.expr) -> sp.Basic:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            if node.id in _FUNCTIONS:
                raise self._error(self.at(node), f"{node.id} needs arguments: {node.id}(...)")
            return symbol(node.id)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                return self.power(node)
            if type(node.op) in _LEVEL:
                return self.chain(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            return self.boolean(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self._refuse(node)

    def constant(self, node: ast.Constant) -> sp.Basic:
        value = node.value
        if isinstance(value, bool):
            return sp.true if value else sp.false
        if isinstance(value, int):
            return sp.Integer(value)
        if value is None:
            raise self._error(self.at(node), "None is not an integer or a truth value")
        raise self._refuse(node)

    def unary(self, node: ast.UnaryOp) -> sp.Basic:
        pos = self.at(node)
        self._enter(pos)
        if isinstance(node.op, ast.Not):
            out: sp.Basic = sp.Not(self.truth(node.operand, pos))
        elif isinstance(node.op, ast.USub | ast.UAdd):
            value = self.integer(node.operand, pos)
            out = -value if isinstance(node.op, ast.USub) else value
        else:
            raise self._refuse(node)
        self.depth -= 1
        return out

    def _spine(self, node: ast.BinOp) -> tuple[ast.expr, list[tuple[ast.BinOp, ast.expr]]]:
        level = _LEVEL[type(node.op)]
        steps: list[tuple[ast.BinOp, ast.expr]] = [(node, node.right)]
        left: ast.expr = node.left
        while (isinstance(left, ast.BinOp) and _LEVEL.get(type(left.op)) == level
               and self.start(left) == self.at(left)):
            steps.append((left, left.right))
            left = left.left
        steps.reverse()
        return left, steps

    def chain(self, node: ast.BinOp) -> sp.Expr:
        first, steps = self._spine(node)
        value = self.integer(first)
        for step, right in steps:
            pos = self.op(step.left, right, _OP_TEXT[type(step.op)])
            if isinstance(step.op, ast.Div):
                raise self._error(pos, "'/' is only allowed inside floor(...) or ceil(...), "
                                       "where it is exact division; use // for floor division")
            rv = self.integer(right, pos)
            value = self.arith(step.op, value, rv, pos, right)
        return value

    def arith(self, op: ast.operator, x: sp.Expr, y: sp.Expr, pos: int,
              right: ast.expr) -> sp.Expr:
        if isinstance(op, ast.Add):
            return x + y
        if isinstance(op, ast.Sub):
            return x - y
        if isinstance(op, ast.Mult):
            return self._bounded(x, y, 1, pos)
        if isinstance(op, ast.FloorDiv | ast.Mod):
            if y == 0:
                raise self._error(pos, "division by the constant 0")
            self._divisor(y)
            return floordiv(x, y) if isinstance(op, ast.FloorDiv) else floormod(x, y)
        # a shift: the amount is a constant >= 0
        amount = self._constant(y, self.start(right), "shift amount")
        factor = self._bounded(sp.Integer(2), sp.Integer(1), amount, pos)
        if isinstance(op, ast.LShift):
            return self._bounded(x, factor, 1, pos)
        return floordiv(x, factor)

    def _divisor(self, den: sp.Expr) -> None:
        if not den.is_Integer:
            self.divisors[-1].append((den, sp.true))

    def _constant(self, value: sp.Expr, pos: int, what: str) -> int:
        if not value.is_Integer:
            raise self._error(pos, f"the {what} must be a constant integer, found {value}")
        if int(value) < 0:
            raise self._error(pos, f"the {what} must be >= 0 (integer arithmetic), got {value}")
        return int(value)

    def _bounded(self, x: sp.Expr, y: sp.Expr, exp: int, pos: int) -> sp.Expr:
        """``x * y`` or ``x ** exp``, refusing a constant of more than MAX_BITS bits (and never
        computing one of more than twice that)."""
        consts = [int(v) for v in (x, y) if v.is_Integer and int(v) not in (0, 1, -1)]
        # a lower bound on the result's bits: (bits(b) - 1) * exp + 1 for a power, and
        # bits(x) + bits(y) - 1 for a product
        low = sum(c.bit_length() - 1 for c in consts) * exp + 1
        if low > MAX_BITS:
            raise self._error(pos, f"constant larger than {MAX_BITS} bits")
        value = x**exp if exp != 1 else x * y
        if value.is_Integer and int(value).bit_length() > MAX_BITS:
            raise self._error(pos, f"constant larger than {MAX_BITS} bits")
        return value

    def exponent(self, node: ast.BinOp, base_is_constant: bool) -> tuple[int, int]:
        exp_pos = self.start(node.right)
        self._enter(exp_pos)
        exp = self._constant(self.integer(node.right), exp_pos, "exponent")
        self.depth -= 1
        if not base_is_constant and exp > MAX_POWER:
            raise self._error(exp_pos, f"the exponent of an expression with variables must be "
                                       f"at most {MAX_POWER}, got {exp}")
        return exp, exp_pos

    def power(self, node: ast.BinOp) -> sp.Expr:
        base = self.integer(node.left)
        exp, exp_pos = self.exponent(node, bool(base.is_Integer))
        return self._bounded(base, sp.Integer(1), exp, exp_pos)

    def compare(self, node: ast.Compare) -> sp.Basic:
        self.divisors.append([])
        operands = [self.integer(x) for x in (node.left, *node.comparators)]
        met = self.divisors.pop()
        operands[0] += self._lost_divisors(operands, met)
        parts: list[sp.Basic] = []
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            relation = _COMPARE.get(type(op))
            if relation is None:
                raise self._refuse(node)
            parts.append(relation(left, right, evaluate=False))
        # SymPy decides a chain whose parts contradict (``a >= i > a`` is False), dropping
        # its divisors with it: _keep puts them back
        return self._keep(parts[0] if len(parts) == 1 else sp.And(*parts), met)

    @staticmethod
    def _lost_divisors(operands: list[sp.Expr], met: list[_Met]) -> sp.Expr:
        """SymPy cancels ``i // k - i // k`` to 0 and ``0 * (i // k)`` to 0, and with them the
        divisor k that Python divides by: each divisor met in a comparison but gone from it
        comes back as a term ``0 // k`` (0 where k != 0, undefined where k == 0, as Python's
        division), so that k = 0 stays a counterexample, under ``not`` too."""
        present = {f.args[1] for x in operands for f in x.atoms(FloorDiv, FloorMod, sp.Mod)}
        lost = dict.fromkeys(d for d, c in met if c is sp.true and d not in present)
        return sp.Add(*(FloorDiv(0, d) for d in lost))

    def boolean(self, node: ast.BoolOp) -> sp.Basic:
        values: list[sp.Basic] = []
        met: list[list[sp.Expr]] = []
        for v in node.values:
            self.divisors.append([])
            values.append(self.truth(v))
            met.append(self.divisors.pop())
        if isinstance(node.op, ast.And):  # every operand evaluated (README: the claim language)
            return self._keep(sp.And(*values), [d for m in met for d in m])
        # an "or" chain; the arrows among its operators split it, right-associatively
        groups: list[list[int]] = [[0]]
        for n, (left, right) in enumerate(zip(node.values, node.values[1:], strict=False)):
            if self.op(left, right, "or", "->") in self.arrows:
                groups.append([])
            groups[-1].append(n + 1)
        parts: list[sp.Basic] = []
        needed: list[_Met] = []
        held: sp.Basic = sp.true  # a group is evaluated where the hypotheses before it hold
        for g in groups:
            parts.append(sp.Or(*(values[n] for n in g)))
            needed += [(d, sp.And(held, c)) for n in g for d, c in met[n]]
            held = sp.And(held, parts[-1])
        out = parts[-1]
        for part in reversed(parts[:-1]):
            out = sp.Implies(part, out)
        return self._keep(out, needed)

    def _keep(self, formula: sp.Basic, met: list[_Met]) -> sp.Basic:
        """SymPy simplifies ``i // k > 0 or True`` to True, dropping the divisor k: the divisors
        gone come back as ``0 // k == 0`` (true where k != 0, undefined where k == 0), or as
        ``0 // k == 1`` in place of False; one evaluated only where c holds as
        ``c -> 0 // k == 0`` (negated in place of False)."""
        self.divisors[-1].extend(met)
        covered = set(_guarded(formula))
        always = {d for d, c in met if c is sp.true}  # present, or restored unconditionally
        lost = dict.fromkeys((d, c) for d, c in met if c is not sp.false and (d, sp.true)
                             not in covered and (d, c) not in covered
                             and (c is sp.true or d not in always))
        if not lost:
            return formula
        zero = sp.Add(*(FloorDiv(0, d) for d, c in lost if c is sp.true))
        where = [sp.Implies(c, sp.Eq(FloorDiv(0, d), 0, evaluate=False))
                 for d, c in lost if c is not sp.true]
        if formula is sp.false:  # And(False, ...) is False again, whatever it holds
            if not where:
                return sp.Eq(zero, 1, evaluate=False)
            return sp.Not(sp.And(*where, *([sp.Eq(zero, 0, evaluate=False)] if zero else [])))
        return sp.And(formula, *([sp.Eq(zero, 0, evaluate=False)] if zero else []), *where)

    def call(self, node: ast.Call) -> sp.Basic:
        func = node.func
        if not isinstance(func, ast.Name) or func.id not in _FUNCTIONS:
            name = func.id if isinstance(func, ast.Name) else "this"
            raise self._error(self.start(func), f"unknown function {name!r} (allowed: "
                                                f"{', '.join(sorted(_FUNCTIONS))})")
        pos = self.at(func)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self._refuse(arg)
        self._enter(pos)
        if func.id in ("floor", "ceil"):
            if len(node.args) != 1:
                raise self._error(pos, f"{func.id} takes one argument: {func.id}(x), where / "
                                       "in x is exact division")
            q = self.fraction(node.args[0])
            value: sp.Expr = self._floor(q, ceil=func.id == "ceil")
        else:
            args = [self.integer(a) for a in node.args]
            if func.id == "abs":
                if len(args) != 1:
                    raise self._error(pos, "abs takes one argument")
                value = sp.Abs(args[0])
            else:
                if len(args) < 2:
                    raise self._error(pos, f"{func.id} takes at least two arguments")
                value = (sp.Min if func.id == "min" else sp.Max)(*args)
        self.depth -= 1
        return value

    # -- inside floor/ceil: fractions ------------------------------------------------------
    def _floor(self, q: _Q, ceil: bool) -> sp.Expr:
        # a guard not already a factor of den joins both sides: num*g / (den*g) is the same
        # fraction wherever g != 0, and undefined where g == 0, as Python's is
        covered = set()
        for f in sp.Mul.make_args(q.den):
            base = f.base if isinstance(f, sp.Pow) else f
            covered.add(base)
            if isinstance(base, sp.Abs):
                covered.add(base.args[0])
        extra = sp.Mul(*dict.fromkeys(g for g in q.guards if g not in covered))
        num, den = q.num * extra, q.den * extra
        if den == 1:
            return num
        self._divisor(den)
        return -floordiv(-num, den) if ceil else floordiv(num, den)

    @staticmethod
    def _has_division(node: ast.AST) -> bool:
        """A ``/`` in ``node`` outside a nested floor/ceil (which makes an integer)."""
        todo = [node]
        while todo:
            item = todo.pop()
            if isinstance(item, ast.BinOp) and isinstance(item.op, ast.Div):
                return True
            if not (isinstance(item, ast.Call) and isinstance(item.func, ast.Name)
                    and item.func.id in ("floor", "ceil")):
                todo.extend(ast.iter_child_nodes(item))
        return False

    def fraction(self, node: ast.expr) -> _Q:
        """The value of ``node`` with ``/`` as exact division, as num/den."""
        if not self._has_division(node):
            return _Q(self.integer(node), sp.Integer(1))
        nested = self.start(node) < self.at(node)
        if nested:
            self._enter(self.start(node))
        out = self._fraction(node)
        if nested:
            self.depth -= 1
        return out

    def _sized(self, nsize: int, dsize: int, pos: int) -> None:
        """Refuse a fraction too large to build (before building it)."""
        if nsize + dsize > MAX_SIZE:
            raise self._error(pos, f"the floor/ceil argument is larger than {MAX_SIZE} terms "
                                   "over a common denominator")

    def _fraction(self, node: ast.expr) -> _Q:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            pos = self.at(node)
            self._enter(pos)
            q = self.fraction(node.operand)
            self.depth -= 1
            return _Q(-q.num, q.den, q.guards, q.nsize + 1, q.dsize) if isinstance(
                node.op, ast.USub) else q
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            q = self.fraction(node.left)
            exp, exp_pos = self.exponent(node, False)
            if exp == 0:
                # 1, and q's divisors still divide
                return _Q(q.den, q.den, q.guards, q.dsize, q.dsize)
            return _Q(self._bounded(q.num, sp.Integer(1), exp, exp_pos),
                      self._bounded(q.den, sp.Integer(1), exp, exp_pos), q.guards,
                      q.nsize + 1, q.dsize + 1)
        if isinstance(node, ast.BinOp) and type(node.op) in _LEVEL:
            first, steps = self._spine(node)
            q = self.fraction(first)
            for step, right in steps:
                pos = self.op(step.left, right, _OP_TEXT[type(step.op)])
                if isinstance(step.op, ast.LShift | ast.RShift):
                    raise self._error(pos, "a shift takes integers, found a fraction (a / "
                                           "inside it)")
                q = self._arith(step.op, q, self.fraction(right), pos, right)
            return q
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
                node.func.id in ("min", "max", "abs")):
            return self._extreme(node)
        if isinstance(node, ast.Compare | ast.BoolOp) or (
                isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)):
            raise self._error(self.start(node), "expected an integer expression, found a truth "
                                                "value")
        # anything else is no integer either (an unknown call, a tuple): integer() says why
        return _Q(self.integer(node), sp.Integer(1))

    def _arith(self, op: ast.operator, x: _Q, y: _Q, pos: int, right: ast.expr) -> _Q:
        guards = tuple(dict.fromkeys((*x.guards, *y.guards)))
        if isinstance(op, ast.Add | ast.Sub):
            sign = 1 if isinstance(op, ast.Add) else -1
            if x.den == y.den:
                self._sized(x.nsize + y.nsize, x.dsize, pos)
                return _Q(x.num + sign * y.num, x.den, guards, x.nsize + y.nsize, x.dsize)
            nsize, dsize = x.nsize + y.dsize + y.nsize + x.dsize, x.dsize + y.dsize
            self._sized(nsize, dsize, pos)
            return _Q(x.num * y.den + sign * y.num * x.den, x.den * y.den, guards, nsize, dsize)
        if isinstance(op, ast.Mult):
            self._sized(x.nsize + y.nsize, x.dsize + y.dsize, pos)
            return _Q(self._bounded(x.num, y.num, 1, pos), self._bounded(x.den, y.den, 1, pos),
                      guards, x.nsize + y.nsize, x.dsize + y.dsize)
        # a division by y = c/d: c must be nonzero (d is among y's guards already)
        if y.num == 0:
            raise self._error(pos if not isinstance(op, ast.Div) else self.start(right),
                              "division by the constant 0")
        if not y.num.is_Integer:
            guards = tuple(dict.fromkeys((*guards, y.num)))
        nsize, dsize = x.nsize + y.dsize, x.dsize + y.nsize
        self._sized(2 * (nsize + dsize), 0, pos)  # a guard may join both sides
        quotient = _Q(self._bounded(x.num, y.den, 1, pos), self._bounded(x.den, y.num, 1, pos),
                      guards, nsize, dsize)
        if isinstance(op, ast.Div):
            return quotient
        whole = _Q(self._floor(quotient, ceil=False), sp.Integer(1), (), 2 * (nsize + dsize))
        if isinstance(op, ast.FloorDiv):
            return whole
        # x % y = x - y * (x // y), as Fraction computes it
        product = _Q(y.num * whole.num, y.den, (), y.nsize + whole.nsize, y.dsize)
        return self._arith(ast.Sub(), x, product, pos, right)

    def _extreme(self, node: ast.Call) -> _Q:
        func = node.func
        assert isinstance(func, ast.Name)
        pos = self.at(func)
        self._enter(pos)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self._refuse(arg)
        qs = [self.fraction(a) for a in node.args]
        if func.id == "abs":
            if len(qs) != 1:
                raise self._error(pos, "abs takes one argument")
            self.depth -= 1
            q = qs[0]
            return _Q(sp.Abs(q.num), sp.Abs(q.den), q.guards, q.nsize + 1, q.dsize + 1)
        if len(qs) < 2:
            raise self._error(pos, f"{func.id} takes at least two arguments")
        self.depth -= 1
        guards = tuple(dict.fromkeys(g for q in qs for g in q.guards))
        dsize = sum(q.dsize for q in qs)
        nsize = sum(q.nsize for q in qs) + len(qs) * dsize
        self._sized(nsize + len(qs) * dsize, 2 * dsize, pos)
        common = sp.Mul(*dict.fromkeys(q.den for q in qs))
        nums = [q.num * sp.Mul(*dict.fromkeys(r.den for r in qs if r.den != q.den)) for q in qs]
        pick = sp.Min if func.id == "min" else sp.Max
        if common.is_Integer and common > 0:
            return _Q(pick(*nums), common, guards, nsize, dsize)
        # the sign of the common denominator is unknown: over its square, which is positive
        square = common**2
        if any(f.is_Pow and f.exp > MAX_POWER for f in sp.Mul.make_args(square)):
            raise self._error(pos, f"{func.id} of fractions nested too deeply: a denominator "
                                   f"with a power above {MAX_POWER}")
        return _Q(pick(*(n * common for n in nums)), square, guards,
                  nsize + len(qs) * dsize, dsize)


def parse(text: str) -> sp.Basic:
    """An integer expression or a formula."""
    try:
        return _Reader(text).read()
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
