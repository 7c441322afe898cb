"""A parser for the small C99 subset that ``generated/c/convshape.h`` is written in.

Top level: ``static inline`` function definitions (functions returning ``const char *`` are
skipped: they compute nothing), ``#define NAME <integer>`` constants, include guards, and
``#ifdef __cplusplus`` blocks (skipped: the C compilation is modelled). Statements: declarations
with an initialiser, assignments, stores through an out pointer, ``if``/``else``, blocks,
``return``. Expressions: integer literals, names, calls, ``&name`` (call arguments only), casts to
``int64_t``/``uint64_t``, unary ``-``/``!``, ``* / % + - < <= > >= == != && ||``. Anything else
is a :class:`CSyntaxError` — the validator never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass


class CSyntaxError(ValueError):
    """C text outside the modelled subset."""


@dataclass(frozen=True, slots=True)
class Num:
    value: int
    unsigned: bool


@dataclass(frozen=True, slots=True)
class Name:
    id: str
    line: int


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Expr, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Addr:
    name: str


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
    ctype: str
    x: Expr
    line: int


Expr = Num | Name | Call | Addr | Unary | Bin | Cast


@dataclass(frozen=True, slots=True)
class Decl:
    ctype: str
    name: str
    init: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Assign:
    name: str
    value: Expr
    line: int


@dataclass(frozen=True, slots=True)
class Store:
    pointer: str
    value: Expr
    line: int


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    other: tuple[Stmt, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Return:
    value: Expr
    line: int


Stmt = Decl | Assign | Store | If | Return


@dataclass(frozen=True, slots=True)
class Param:
    ctype: str
    pointer: bool
    name: str


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    ret: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]
    line: int

    @property
    def pure(self) -> bool:
        return not any(p.pointer for p in self.params)


@dataclass(frozen=True, slots=True)
class Unit:
    functions: dict[str, Function]
    defines: dict[str, int]


_TYPES = ("int", "int64_t", "uint64_t")
_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<comment>/\*.*?\*/|//[^\n]*)|(?P<num>\d+[uUlL]*)"
    r"|(?P<name>[A-Za-z_]\w*)|(?P<str>\"(?:[^\"\\\n]|\\.)*\")"
    r"|(?P<op>&&|\|\||==|!=|<=|>=|[-+*/%<>=!&(){},;:])",
    re.S,
)
_DEFINE = re.compile(r"#\s*define\s+(\w+)(?:\s+(.*?))?\s*(?:/\*.*\*/)?\s*$")


def _preprocess(text: str, includes: Mapping[str, str]) -> tuple[str, dict[str, int]]:
    defines: dict[str, int] = {}
    skipping: list[bool] = []
    lines: list[str] = []
    in_comment = False
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not in_comment and stripped.startswith("#"):
            words = stripped[1:].split()
            directive = words[0] if words else ""
            if directive == "ifdef":
                skipping.append(words[1] == "__cplusplus")
            elif directive == "ifndef":
                skipping.append(False)
            elif directive == "endif":
                if not skipping:
                    raise CSyntaxError(f"unbalanced #endif: {raw!r}")
                skipping.pop()
            elif directive == "include":
                quoted = words[1][1:-1] if len(words) == 2 and words[1][0] == '"' else None
                if quoted is not None and quoted in includes and not any(skipping):
                    # the included header is preprocessed on its own and spliced in; its
                    # defines join ours (one translation unit, as the compiler sees it)
                    rest = {n: t for n, t in includes.items() if n != quoted}  # no cycles
                    code, more = _preprocess(includes[quoted], rest)
                    defines.update(more)
                    lines.append(code)
                    continue
                if words[1:] != ["<stdint.h>"]:
                    raise CSyntaxError(f"unsupported include: {raw!r}")
            elif directive == "define":
                m = _DEFINE.match(stripped)
                if m is None:
                    raise CSyntaxError(f"unsupported #define: {raw!r}")
                if m.group(2) and not any(skipping):
                    if not re.fullmatch(r"-?\d+", m.group(2)):
                        raise CSyntaxError(f"#define of a non-integer: {raw!r}")
                    defines[m.group(1)] = int(m.group(2))
            else:
                raise CSyntaxError(f"unsupported directive: {raw!r}")
            lines.append("")
            continue
        lines.append("" if any(skipping) else raw)
        # track block comments so a '#' inside one is not a directive
        pos = 0
        while True:
            if in_comment:
                end = raw.find("*/", pos)
                if end < 0:
                    break
                in_comment, pos = False, end + 2
            else:
                start = raw.find("/*", pos)
                if start < 0:
                    break
                in_comment, pos = True, start + 2
    if skipping:
        raise CSyntaxError("unterminated #if")
    return "\n".join(lines), defines


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos, line = 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise CSyntaxError(f"line {line}: unexpected character {text[pos]!r}")
        kind = m.lastgroup or ""
        if kind not in ("ws", "comment"):
            out.append((kind, m.group(), line))
        line += m.group().count("\n")
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]) -> None:
        self.toks = tokens
        self.pos = 0

    def peek(self, offset: int = 0) -> str:
        idx = self.pos + offset
        return self.toks[idx][1] if idx < len(self.toks) else ""

    @property
    def line(self) -> int:
        return self.toks[min(self.pos, len(self.toks) - 1)][2]

    def take(self, want: str | None = None) -> str:
        if self.pos >= len(self.toks):
            raise CSyntaxError("unexpected end of input")
        text = self.toks[self.pos][1]
        if want is not None and text != want:
            raise CSyntaxError(f"line {self.line}: expected {want!r}, got {text!r}")
        self.pos += 1
        return text

    def name(self) -> str:
        kind, text, line = self.toks[self.pos]
        if kind != "name":
            raise CSyntaxError(f"line {line}: expected a name, got {text!r}")
        self.pos += 1
        return text

    def unit(self, defines: dict[str, int]) -> Unit:
        funcs: dict[str, Function] = {}
        while self.pos < len(self.toks):
            line = self.line
            self.take("static")
            self.take("inline")
            if self.peek() == "const":
                self._skip_function()
                continue
            ret = self.take()
            if ret not in _TYPES:
                raise CSyntaxError(f"line {line}: unsupported return type {ret!r}")
            fname = self.name()
            self.take("(")
            params: list[Param] = []
            while self.peek() != ")":
                ctype = self.take()
                if ctype not in _TYPES:
                    raise CSyntaxError(f"line {self.line}: unsupported parameter type {ctype!r}")
                pointer = self.peek() == "*"
                if pointer:
                    self.take("*")
                params.append(Param(ctype, pointer, self.name()))
                if self.peek() == ",":
                    self.take(",")
            self.take(")")
            if fname in funcs:
                raise CSyntaxError(f"line {line}: {fname} defined twice")
            funcs[fname] = Function(fname, ret, tuple(params), self.block(), line)
        return Unit(funcs, defines)

    def _skip_function(self) -> None:
        while self.peek() != "{":
            self.take()
        depth = 0
        while True:
            tok = self.take()
            depth += {"{": 1, "}": -1}.get(tok, 0)
            if depth == 0:
                return

    def block(self) -> tuple[Stmt, ...]:
        self.take("{")
        stmts: list[Stmt] = []
        while self.peek() != "}":
            stmts.extend(self.statement())
        self.take("}")
        return tuple(stmts)

    def statement(self) -> tuple[Stmt, ...]:
        line = self.line
        tok = self.peek()
        if tok == "{":
            return self.block()
        if tok == "if":
            self.take()
            self.take("(")
            cond = self.expr()
            self.take(")")
            then = self.statement()
            other: tuple[Stmt, ...] = ()
            if self.peek() == "else":
                self.take()
                other = self.statement()
            return (If(cond, then, other, line),)
        if tok == "return":
            self.take()
            value = self.expr()
            self.take(";")
            return (Return(value, line),)
        if tok in _TYPES:
            ctype = self.take()
            name = self.name()
            self.take("=")
            init = self.expr()
            self.take(";")
            return (Decl(ctype, name, init, line),)
        if tok == "*":
            self.take()
            pointer = self.name()
            self.take("=")
            value = self.expr()
            self.take(";")
            return (Store(pointer, value, line),)
        name = self.name()
        self.take("=")
        value = self.expr()
        self.take(";")
        return (Assign(name, value, line),)

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("||",), ("&&",), ("==", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "/", "%"),
    )

    def expr(self, level: int = 0) -> Expr:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.expr(level + 1)
        while self.peek() in self._LEVELS[level]:
            line = self.line
            op = self.take()
            left = Bin(op, left, self.expr(level + 1), line)
        return left

    def unary(self) -> Expr:
        line = self.line
        tok = self.peek()
        if tok in ("-", "!"):
            self.take()
            return Unary(tok, self.unary(), line)
        if tok == "&":
            self.take()
            return Addr(self.name())
        if tok == "(" and self.peek(1) in ("int64_t", "uint64_t") and self.peek(2) == ")":
            self.take()
            ctype = self.take()
            self.take(")")
            return Cast(ctype, self.unary(), line)
        if tok == "(":
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        kind, text, _ = self.toks[self.pos]
        if kind == "num":
            self.take()
            digits = text.rstrip("uUlL")
            return Num(int(digits), "u" in text.lower())
        name = self.name()
        if self.peek() == "(":
            self.take()
            args: list[Expr] = []
            while self.peek() != ")":
                args.append(self.expr())
                if self.peek() == ",":
                    self.take(",")
            self.take(")")
            return Call(name, tuple(args), line)
        return Name(name, line)


def parse(text: str, includes: Mapping[str, str] | None = None) -> Unit:
    """Parse a header of the subset; raises :class:`CSyntaxError` outside it. ``includes`` maps
    the file names of ``#include "name"`` to their text (nothing is read from disk)."""
    code, defines = _preprocess(text, includes or {})
    parser = _Parser(_tokens(code))
    return parser.unit(defines)
