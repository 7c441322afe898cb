"""A parser for the subset of TypeScript (and of JavaScript: the same text without types) that
:mod:`symconv.codegen.ts` emits, for translation validation. Anything else is a
:class:`TsParseError` naming the line: the proofs never guess at text they cannot read.

The subset: comments; ``export type ShapeErrorKind = "type" | "value" | "range";``; the
``ShapeError`` class exactly as emitted; ``const NAME = <BigInt literal>;``; functions
``[export] function f(x[: T] [= n], ...)[: T] { body }`` whose body is ``const`` bindings,
``if (c) { throw new ShapeError(kind, message); }`` and one final ``return e;``. Expressions:
number, BigInt, string and template literals, names, ``[e, ...]``, calls of names and of
``Number.isInteger``/``Number.isSafeInteger``, ``typeof``, unary ``-``/``!``, binary
``* / % + - < <= > >= === !== && ||`` and ``c ? a : b`` with JavaScript's precedence. Types
(``number``, ``bigint``, ``string``, ``ShapeErrorKind``, tuples of them) are read and dropped:
they do not change what the code computes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class TsParseError(ValueError):
    """The text leaves the subset."""


# --- syntax tree ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Num:
    value: int
    big: bool  # a BigInt literal (``2n``)


@dataclass(frozen=True, slots=True)
class Str:
    value: str


@dataclass(frozen=True, slots=True)
class Name:
    id: str


@dataclass(frozen=True, slots=True)
class Template:
    strings: tuple[str, ...]  # one more than exprs
    exprs: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-", "!", "typeof"
    arg: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Cond:
    test: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True, slots=True)
class Call:
    func: str  # a name or "Number.isInteger"
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Array:
    items: tuple[Expr, ...]


Expr = Num | Str | Name | Template | Unary | Binary | Cond | Call | Array


@dataclass(frozen=True, slots=True)
class Const:
    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class IfThrow:
    test: Expr
    kind: Expr
    message: Expr


@dataclass(frozen=True, slots=True)
class Return:
    value: Expr


Stmt = Const | IfThrow | Return


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    exported: bool
    params: tuple[tuple[str, int | None], ...]  # (name, default)
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class Module:
    consts: dict[str, int]  # module-level BigInt constants
    functions: dict[str, Function]
    error_class: bool  # ShapeError is defined, as emitted

    def function(self, name: str) -> Function:
        found = self.functions.get(name)
        if found is None:
            raise TsParseError(f"no function {name}")
        return found


# --- tokens -----------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<num>\d+n?)
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<str>"(?:[^"\\\n]|\\.)*")
  | (?P<tpl>`)
  | (?P<op>===|!==|<=|>=|&&|\|\||[-+*/%<>!?:;,.=(){}\[\]|])
""", re.VERBOSE | re.DOTALL)

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "`": "`", "$": "$", "'": "'"}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # num, name, str, tpl, op, end
    text: str
    line: int
    value: object = None


def _unescape(text: str, line: int) -> str:
    out = []
    j = 0
    while j < len(text):
        ch = text[j]
        if ch == "\\":
            if j + 1 >= len(text) or text[j + 1] not in _ESCAPES:
                raise TsParseError(f"line {line}: escape {text[j:j + 2]!r} outside the subset")
            out.append(_ESCAPES[text[j + 1]])
            j += 2
        else:
            out.append(ch)
            j += 1
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    line = 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise TsParseError(f"line {line}: unexpected {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        assert kind is not None
        if kind == "tpl":
            end, value = _template(text, m.end(), line)
            out.append(Token("tpl", text[pos:end], line, value))
            line += text.count("\n", pos, end)
            pos = end
            continue
        if kind == "str":
            out.append(Token("str", m.group(), line, _unescape(m.group()[1:-1], line)))
        elif kind not in ("ws", "comment"):
            out.append(Token(kind, m.group(), line))
        line += m.group().count("\n")
        pos = m.end()
    out.append(Token("end", "", line))
    return out


def _template(text: str, pos: int, line: int) -> tuple[int, Template]:
    """The template literal starting after the backquote at ``pos``: its end and its parts."""
    strings: list[str] = []
    exprs: list[Expr] = []
    current: list[str] = []
    while True:
        if pos >= len(text):
            raise TsParseError(f"line {line}: unterminated template literal")
        ch = text[pos]
        if ch == "`":
            strings.append(_unescape("".join(current), line))
            return pos + 1, Template(tuple(strings), tuple(exprs))
        if ch == "\\":
            current.append(text[pos:pos + 2])
            pos += 2
            continue
        if text.startswith("${", pos):
            strings.append(_unescape("".join(current), line))
            current = []
            depth, end = 1, pos + 2
            while depth:
                if end >= len(text):
                    raise TsParseError(f"line {line}: unterminated ${{ in a template literal")
                if text[end] == "`":
                    end = _template(text, end + 1, line)[0]
                    continue
                if text[end] == '"':
                    close = _TOKEN.match(text, end)
                    if close is None or close.lastgroup != "str":
                        raise TsParseError(f"line {line}: bad string in a template literal")
                    end = close.end()
                    continue
                depth += {"{": 1, "}": -1}.get(text[end], 0)
                end += 1
            exprs.append(_Parser(tokenize(text[pos + 2:end - 1])).expression_only())
            pos = end
            continue
        current.append(ch)
        pos += 1


# --- parser -----------------------------------------------------------------------------------

_BINARY = {"||": 3, "&&": 4, "===": 8, "!==": 8, "<": 9, "<=": 9, ">": 9, ">=": 9,
           "+": 11, "-": 11, "*": 12, "/": 12, "%": 12}
_TYPES = frozenset(("number", "bigint", "string", "boolean", "ShapeErrorKind"))
_CLASS_BODY = ["constructor", "(", "kind", ",", "message", ")", "{", "super", "(", "message",
               ")", ";", "this", ".", "name", "=", '"ShapeError"', ";", "this", ".", "kind", "=",
               "kind", ";", "}"]


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.pos = 0

    # helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.pos]

    def fail(self, what: str) -> TsParseError:
        t = self.tok
        return TsParseError(f"line {t.line}: {what}, found {t.text or 'the end'!r}")

    def at(self, text: str) -> bool:
        return self.tok.kind in ("op", "name") and self.tok.text == text

    def take(self, text: str) -> Token:
        if not self.at(text):
            raise self.fail(f"expected {text!r}")
        t = self.tok
        self.pos += 1
        return t

    def name(self) -> str:
        if self.tok.kind != "name":
            raise self.fail("expected a name")
        t = self.tok
        self.pos += 1
        return t.text

    # types (read and dropped)
    def type_(self) -> None:
        if self.at("["):
            self.take("[")
            while not self.at("]"):
                self.type_()
                if not self.at("]"):
                    self.take(",")
            self.take("]")
            return
        if self.tok.kind == "name" and self.tok.text in _TYPES:
            self.pos += 1
            return
        raise self.fail("expected a type")

    def annotation(self) -> None:
        if self.at(":"):
            self.take(":")
            self.type_()

    # module
    def module(self) -> Module:
        consts: dict[str, int] = {}
        functions: dict[str, Function] = {}
        error_class = False
        while self.tok.kind != "end":
            exported = self.at("export")
            if exported:
                self.take("export")
            if self.at("type") and exported:
                self._kind_alias()
            elif self.at("class") and exported:
                self._error_class()
                error_class = True
            elif self.at("const") and not exported:
                self.take("const")
                name = self.name()
                self.take("=")
                negative = self.at("-")
                if negative:
                    self.take("-")
                if self.tok.kind != "num" or not self.tok.text.endswith("n"):
                    raise self.fail("expected a BigInt literal")
                consts[name] = int(self.tok.text[:-1]) * (-1 if negative else 1)
                self.pos += 1
                self.take(";")
            elif self.at("function"):
                f = self.function(exported)
                if f.name in functions or f.name in consts:
                    raise TsParseError(f"{f.name} is defined twice")
                functions[f.name] = f
            else:
                raise self.fail("expected a declaration of the subset")
        return Module(consts, functions, error_class)

    def _kind_alias(self) -> None:
        for text in ("type", "ShapeErrorKind", "="):
            self.take(text)
        kinds = []
        while True:
            if self.tok.kind != "str":
                raise self.fail("expected a string type")
            kinds.append(self.tok.value)
            self.pos += 1
            if not self.at("|"):
                break
            self.take("|")
        self.take(";")
        if kinds != ["type", "value", "range"]:
            raise TsParseError(f"ShapeErrorKind is {kinds}")

    def _error_class(self) -> None:
        for text in ("class", "ShapeError", "extends", "Error", "{"):
            self.take(text)
        if self.at("readonly"):
            for text in ("readonly", "kind", ":", "ShapeErrorKind", ";"):
                self.take(text)
        seen: list[str] = []
        while len(seen) < len(_CLASS_BODY):
            if self.at(":"):  # the constructor's parameter types
                self.annotation()
                continue
            seen.append(self.tok.text)
            self.pos += 1
        if seen != _CLASS_BODY:
            raise TsParseError(f"line {self.tok.line}: ShapeError is not the class emitted")
        self.take("}")

    def function(self, exported: bool) -> Function:
        self.take("function")
        name = self.name()
        self.take("(")
        params: list[tuple[str, int | None]] = []
        while not self.at(")"):
            pname = self.name()
            self.annotation()
            default = None
            if self.at("="):
                self.take("=")
                negative = self.at("-")
                if negative:
                    self.take("-")
                if self.tok.kind != "num" or self.tok.text.endswith("n"):
                    raise self.fail("expected a number default")
                default = int(self.tok.text) * (-1 if negative else 1)
                self.pos += 1
            params.append((pname, default))
            if not self.at(")"):
                self.take(",")
        self.take(")")
        self.annotation()
        self.take("{")
        body: list[Stmt] = []
        while not self.at("return"):
            body.append(self.statement())
        self.take("return")
        body.append(Return(self.expression()))
        self.take(";")
        self.take("}")
        if len({p for p, _ in params}) != len(params):
            raise TsParseError(f"{name}: a parameter named twice")
        return Function(name, exported, tuple(params), tuple(body))

    def statement(self) -> Stmt:
        if self.at("const"):
            self.take("const")
            name = self.name()
            self.annotation()
            self.take("=")
            value = self.expression()
            self.take(";")
            return Const(name, value)
        if self.at("if"):
            self.take("if")
            self.take("(")
            test = self.expression()
            for text in (")", "{", "throw", "new", "ShapeError", "("):
                self.take(text)
            kind = self.expression()
            self.take(",")
            message = self.expression()
            for text in (")", ";", "}"):
                self.take(text)
            return IfThrow(test, kind, message)
        raise self.fail("expected const, if or return")

    # expressions
    def expression_only(self) -> Expr:
        e = self.expression()
        if self.tok.kind != "end":
            raise self.fail("expected the end of the expression")
        return e

    def expression(self) -> Expr:
        test = self.binary(0)
        if self.at("?"):
            self.take("?")
            then = self.expression()
            self.take(":")
            return Cond(test, then, self.expression())
        return test

    def binary(self, floor: int) -> Expr:
        left = self.unary()
        while self.tok.kind == "op" and _BINARY.get(self.tok.text, -1) > floor:
            op = self.tok.text
            self.pos += 1
            left = Binary(op, left, self.binary(_BINARY[op]))
        return left

    def unary(self) -> Expr:
        for op in ("-", "!", "typeof"):
            if self.at(op):
                self.take(op)
                return Unary(op, self.unary())
        return self.primary()

    def primary(self) -> Expr:
        t = self.tok
        if t.kind == "num":
            self.pos += 1
            big = t.text.endswith("n")
            return Num(int(t.text[:-1] if big else t.text), big)
        if t.kind == "str":
            self.pos += 1
            assert isinstance(t.value, str)
            return Str(t.value)
        if t.kind == "tpl":
            self.pos += 1
            assert isinstance(t.value, Template)
            return t.value
        if self.at("("):
            self.take("(")
            e = self.expression()
            self.take(")")
            return e
        if self.at("["):
            self.take("[")
            items: list[Expr] = []
            while not self.at("]"):
                items.append(self.expression())
                if not self.at("]"):
                    self.take(",")
            self.take("]")
            return Array(tuple(items))
        if t.kind == "name":
            name = self.name()
            if self.at("."):
                self.take(".")
                name += "." + self.name()
                if name not in ("Number.isInteger", "Number.isSafeInteger"):
                    raise TsParseError(f"line {t.line}: {name} is outside the subset")
            if self.at("("):
                self.take("(")
                args: list[Expr] = []
                while not self.at(")"):
                    args.append(self.expression())
                    if not self.at(")"):
                        self.take(",")
                self.take(")")
                return Call(name, tuple(args))
            if "." in name:
                raise TsParseError(f"line {t.line}: {name} is not called")
            return Name(name)
        raise self.fail("expected an expression")


def parse(text: str) -> Module:
    """The module in ``text`` (TypeScript or its JavaScript: the types are dropped)."""
    return _Parser(tokenize(text)).module()
