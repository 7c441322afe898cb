"""A parser for the small Rust subset the generated crate is written in
(:mod:`symconv.codegen.rust`).

Items: ``const fn`` definitions (``pub``, ``pub(crate)`` or private), ``enum`` declarations of
unit variants; ``use``, ``mod``, ``extern crate`` and attributes are skipped, and so are ``impl``
blocks (``Display``, ``message``: they compute no size). Types: ``i64``, ``i128``, ``bool``,
``()``, tuples, ``Option<T>``, ``Result<T, E>``. Statements: ``let x = e;``,
``let Some(x) = e else { … };``, ``if``/``else`` blocks, ``return e;`` and a block's tail
expression. Expressions: integer literals (``_i128``/``i64`` suffixes), names, paths
(``i64::MIN``, ``ShapeError::Window``), calls, method calls, tuples, ``if`` expressions, ``as``
casts, unary ``-``/``!`` and ``* / % + - < <= > >= == != && ||`` with Rust's precedence.
Anything else is a :class:`RustSyntaxError`: the validator never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


class RustSyntaxError(ValueError):
    """Rust text outside the modelled subset."""


@dataclass(frozen=True, slots=True)
class Lit:
    value: int
    suffix: str  # "", "i64", "i128"
    line: int


@dataclass(frozen=True, slots=True)
class Name:
    id: str
    line: int


@dataclass(frozen=True, slots=True)
class PathE:
    parts: tuple[str, ...]  # i64::MIN, ShapeError::Window, None
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # a function, Some, Ok or Err
    args: tuple[Expr, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Method:
    receiver: Expr
    name: str
    args: tuple[Expr, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    x: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Bin:
    op: str
    left: Expr
    right: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Cast:
    x: Expr
    ty: str
    line: int


@dataclass(frozen=True, slots=True)
class Tuple:
    items: tuple[Expr, ...]
    line: int


@dataclass(frozen=True, slots=True)
class IfExpr:
    cond: Expr
    then: Block
    other: Block
    line: int


Expr = Lit | Name | PathE | Call | Method | Unary | Bin | Cast | Tuple | IfExpr


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Expr
    line: int


@dataclass(frozen=True, slots=True)
class LetElse:
    """``let Some(name) = value else { other };`` (``other`` must return)."""

    name: str
    value: Expr
    other: Block
    line: int


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: Block
    other: Block | None
    line: int


@dataclass(frozen=True, slots=True)
class Return:
    value: Expr
    line: int


Stmt = Let | LetElse | If | Return


@dataclass(frozen=True, slots=True)
class Block:
    stmts: tuple[Stmt, ...]
    tail: Expr | None


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    ty: str


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    params: tuple[Param, ...]
    ret: str  # the return type's text, e.g. "Result<(i64,i64),ShapeError>"
    body: Block
    public: bool
    line: int


@dataclass(frozen=True, slots=True)
class Unit:
    functions: dict[str, Function]
    enums: dict[str, tuple[str, ...]]


_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<comment>//[^\n]*|/\*.*?\*/)"
    r"|(?P<num>\d[\d_]*(?:_?(?:i64|i128))?)"
    r"|(?P<name>[A-Za-z_]\w*)|(?P<str>\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<op>::|->|=>|&&|\|\||==|!=|<=|>=|[-+*/%<>=!&(){}\[\],;:.#?'|])",
    re.S,
)
_TYPES = frozenset(("i64", "i128", "bool"))


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos, line = 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise RustSyntaxError(f"line {line}: unexpected character {text[pos]!r}")
        kind = m.lastgroup or ""
        if kind not in ("ws", "comment"):
            out.append((kind, m.group(), line))
        line += m.group().count("\n")
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]], file: str) -> None:
        self.toks = tokens
        self.pos = 0
        self.file = file

    def peek(self, offset: int = 0) -> str:
        idx = self.pos + offset
        return self.toks[idx][1] if idx < len(self.toks) else ""

    def kind(self, offset: int = 0) -> str:
        idx = self.pos + offset
        return self.toks[idx][0] if idx < len(self.toks) else ""

    @property
    def line(self) -> int:
        return self.toks[min(self.pos, len(self.toks) - 1)][2] if self.toks else 0

    def fail(self, what: str) -> RustSyntaxError:
        return RustSyntaxError(f"{self.file} line {self.line}: {what}")

    def take(self, want: str | None = None) -> str:
        if self.pos >= len(self.toks):
            raise self.fail("unexpected end of input")
        text = self.toks[self.pos][1]
        if want is not None and text != want:
            raise self.fail(f"expected {want!r}, got {text!r}")
        self.pos += 1
        return text

    def name(self) -> str:
        if self.kind() != "name":
            raise self.fail(f"expected a name, got {self.peek()!r}")
        return self.take()

    def skip_balanced(self, open_: str, close: str) -> None:
        depth = 0
        while True:
            tok = self.take()
            depth += (tok == open_) - (tok == close)
            if depth == 0:
                return

    # --- items -----------------------------------------------------------------------------
    def unit(self, functions: dict[str, Function], enums: dict[str, tuple[str, ...]]) -> None:
        while self.pos < len(self.toks):
            tok = self.peek()
            if tok == "#":
                self.take()
                if self.peek() == "!":
                    self.take()
                self.skip_balanced("[", "]")
                continue
            if tok in ("use", "mod") or (tok == "extern" and self.peek(1) == "crate"):
                while self.take() != ";":
                    pass
                continue
            if tok == "impl":
                while self.peek() != "{":
                    self.take()
                self.skip_balanced("{", "}")
                continue
            public = False
            if tok == "pub":
                self.take()
                public = True
                if self.peek() == "(":
                    self.take("(")
                    self.take("crate")
                    self.take(")")
                    public = False
                if self.peek() in ("use", "mod"):
                    while self.take() != ";":
                        pass
                    continue
            if self.peek() == "enum":
                self.take()
                name = self.name()
                enums[name] = self.enum_body()
                continue
            line = self.line
            self.take("const")
            self.take("fn")
            fname = self.name()
            if fname in functions:
                raise self.fail(f"{fname} defined twice")
            self.take("(")
            params: list[Param] = []
            while self.peek() != ")":
                pname = self.name()
                self.take(":")
                ty = self.take()
                if ty not in _TYPES:
                    raise self.fail(f"unsupported parameter type {ty!r}")
                params.append(Param(pname, ty))
                if self.peek() == ",":
                    self.take(",")
            self.take(")")
            self.take("->")
            ret = self.type_text()
            functions[fname] = Function(fname, tuple(params), ret, self.block(), public, line)

    def enum_body(self) -> tuple[str, ...]:
        self.take("{")
        variants: list[str] = []
        while self.peek() != "}":
            if self.peek() == "#":
                self.take()
                self.skip_balanced("[", "]")
                continue
            variants.append(self.name())
            if self.peek() == ",":
                self.take(",")
            elif self.peek() != "}":
                raise self.fail("only unit variants are supported")
        self.take("}")
        return tuple(variants)

    def type_text(self) -> str:
        if self.peek() == "(":
            self.take("(")
            items: list[str] = []
            while self.peek() != ")":
                items.append(self.type_text())
                if self.peek() == ",":
                    self.take(",")
            self.take(")")
            return "(" + ",".join(items) + ")"
        name = self.name()
        if name in ("Option", "Result"):
            self.take("<")
            inner = [self.type_text()]
            while self.peek() == ",":
                self.take(",")
                inner.append(self.type_text())
            self.take(">")
            if len(inner) != (1 if name == "Option" else 2):
                raise self.fail(f"{name} with {len(inner)} type arguments")
            return f"{name}<{','.join(inner)}>"
        if name not in _TYPES and self.peek() != "::" and not name[:1].isupper():
            raise self.fail(f"unsupported type {name!r}")
        return name

    # --- statements -------------------------------------------------------------------------
    def block(self) -> Block:
        self.take("{")
        stmts: list[Stmt] = []
        tail: Expr | None = None
        while self.peek() != "}":
            line = self.line
            tok = self.peek()
            if tok == "let":
                self.take()
                if self.peek() == "Some" and self.peek(1) == "(":
                    self.take()
                    self.take("(")
                    name = self.name()
                    self.take(")")
                    self.take("=")
                    value = self.expr()
                    self.take("else")
                    stmts.append(LetElse(name, value, self.block(), line))
                    self.take(";")
                    continue
                name = self.name()
                self.take("=")
                value = self.expr()
                self.take(";")
                stmts.append(Let(name, value, line))
                continue
            if tok == "return":
                self.take()
                value = self.expr()
                self.take(";")
                stmts.append(Return(value, line))
                continue
            if tok == "if":
                self.take()
                cond = self.expr(no_struct=True)
                then = self.block()
                other: Block | None = None
                if self.peek() == "else":
                    self.take()
                    other = self.block()
                if self.peek() == "}" and other is not None:
                    tail = IfExpr(cond, then, other, line)
                    break
                stmts.append(If(cond, then, other, line))
                continue
            tail = self.expr()
            if self.peek() != "}":
                raise self.fail(f"expected '}}' after the tail expression, got {self.peek()!r}")
        self.take("}")
        return Block(tuple(stmts), tail)

    # --- expressions ------------------------------------------------------------------------
    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",), ("&&",), ("==", "!=", "<", "<=", ">", ">="), ("+", "-"), ("*", "/", "%"),
    )

    def expr(self, level: int = 0, no_struct: bool = False) -> Expr:
        if level == len(self._LEVELS):
            return self.cast(no_struct)
        left = self.expr(level + 1, no_struct)
        while self.peek() in self._LEVELS[level]:
            line = self.line
            op = self.take()
            right = self.expr(level + 1, no_struct)
            if level == 2 and self.peek() in self._LEVELS[2]:
                raise self.fail("chained comparison")  # Rust rejects a < b < c
            left = Bin(op, left, right, line)
        return left

    def cast(self, no_struct: bool) -> Expr:
        x = self.unary(no_struct)
        while self.peek() == "as":
            line = self.line
            self.take()
            ty = self.take()
            if ty not in ("i64", "i128"):
                raise self.fail(f"unsupported cast to {ty!r}")
            x = Cast(x, ty, line)
        return x

    def unary(self, no_struct: bool) -> Expr:
        line = self.line
        if self.peek() in ("-", "!"):
            op = self.take()
            return Unary(op, self.unary(no_struct), line)
        return self.postfix(self.primary(no_struct))

    def postfix(self, x: Expr) -> Expr:
        while self.peek() == ".":
            line = self.line
            self.take()
            name = self.name()
            self.take("(")
            args = self.args()
            x = Method(x, name, args, line)
        return x

    def args(self) -> tuple[Expr, ...]:
        out: list[Expr] = []
        while self.peek() != ")":
            out.append(self.expr())
            if self.peek() == ",":
                self.take(",")
        self.take(")")
        return tuple(out)

    def primary(self, no_struct: bool) -> Expr:
        line = self.line
        kind, tok = self.kind(), self.peek()
        if kind == "num":
            self.take()
            digits = tok.replace("_", "")
            suffix = ""
            for s_ in ("i128", "i64"):
                if digits.endswith(s_):
                    digits, suffix = digits[: -len(s_)], s_
            return Lit(int(digits), suffix, line)
        if tok == "(":
            self.take()
            items: list[Expr] = []
            trailing = False
            while self.peek() != ")":
                items.append(self.expr())
                trailing = False
                if self.peek() == ",":
                    self.take(",")
                    trailing = True
            self.take(")")
            if len(items) == 1 and not trailing:
                return items[0]
            return Tuple(tuple(items), line)
        if tok == "if":
            self.take()
            cond = self.expr(no_struct=True)
            then = self.block()
            self.take("else")
            return IfExpr(cond, then, self.block(), line)
        name = self.name()
        if self.peek() == "::":
            parts = [name]
            while self.peek() == "::":
                self.take()
                parts.append(self.name())
            return PathE(tuple(parts), line)
        if self.peek() == "(":
            self.take()
            return Call(name, self.args(), line)
        if name == "None":
            return PathE(("None",), line)
        return Name(name, line)


def parse(files: Mapping[str, str]) -> Unit:
    """Parse the crate's source files (file name → text) into one unit; raises
    :class:`RustSyntaxError` outside the subset."""
    functions: dict[str, Function] = {}
    enums: dict[str, tuple[str, ...]] = {}
    for file, text in sorted(files.items()):
        _Parser(_tokens(text), file).unit(functions, enums)
    return Unit(functions, enums)
