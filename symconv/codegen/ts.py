"""The TypeScript target: a :class:`~symconv.codegen.spec.ShapeFunction` as a TypeScript function,
an ES module (``.js``) of the same text without types, and its declarations (``.d.ts``).

Arguments and results are ``number``s; the arithmetic is BigInt's. Each argument must be a safe
integer (``Number.isSafeInteger``: |x| <= 2**53 - 1) and is converted with ``BigInt`` (exact);
every intermediate is an exact BigInt whatever its size; each result is converted back with
``Number`` only if it is a safe integer (exact there). Anything else — a fraction, NaN, ±Infinity,
an unsafe integer, a result outside the safe range — throws the module's own ``ShapeError``. The
checks and their messages are the Python helper's, in the same order (``kind`` "value"); the
conversions' refusals have ``kind`` "type" and "range".

Floor division and modulo are the module's ``floorDiv``/``floorMod`` over BigInt's ``/`` and
``%``, which truncate toward zero (``-7n / 2n === -3n``; floor is -4). The text stays inside the
subset that :mod:`symconv.codegen.tsparse` reads back and :mod:`symconv.codegen.validate_ts`
proves. Pure: specs in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from symconv.codegen.python import _DERIVED, name_subterms
from symconv.codegen.pyprint import ordered_terms
from symconv.codegen.spec import ShapeFunction
from symconv.templating import environment
from symconv.walk import Walker, WalkError, exponent, is_division, negate, quotient

MAX_SAFE = 2**53 - 1

# Words a JavaScript/TypeScript binding cannot take (reserved in strict mode and in modules).
JS_RESERVED = frozenset((
    "arguments", "await", "break", "case", "catch", "class", "const", "continue", "debugger",
    "default", "delete", "do", "else", "enum", "eval", "export", "extends", "false", "finally",
    "for", "function", "if", "implements", "import", "in", "instanceof", "interface", "let",
    "new", "null", "package", "private", "protected", "public", "return", "static", "super",
    "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with",
    "yield", "number", "bigint", "string", "undefined", "NaN", "Infinity", "Number", "BigInt",
    "ShapeError", "MAX_SAFE", "toBig", "toNum", "floorDiv", "floorMod", "max", "min"))


# What each per-axis parameter is, for TSDoc.
PARAM_TEXT = {"i": "input size", "o": "output size", "k": "kernel size", "s": "stride",
              "p": "padding (each side)", "p_begin": "padding before", "p_end": "padding after",
              "d": "dilation", "a": "output padding"}


def camel(name: str) -> str:
    """``conv_output_size`` -> ``convOutputSize``; ``p_begin`` -> ``pBegin``."""
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def local(name: str) -> str:
    """The BigInt binding of a parameter or temporary: ``_`` before its name (no parameter
    name starts with one)."""
    return "_" + name


# --- expressions ------------------------------------------------------------------------------

# JavaScript precedence, higher binds tighter.
_COND, _OR, _AND, _EQ, _REL, _ADD, _MUL, _UNARY, _ATOM = 2, 3, 4, 8, 9, 11, 12, 14, 20

_CMP = {sp.Eq: ("===", _EQ), sp.Ne: ("!==", _EQ), sp.Lt: ("<", _REL), sp.Le: ("<=", _REL),
        sp.Gt: (">", _REL), sp.Ge: (">=", _REL)}


class TsPrintError(WalkError):
    """A SymPy node with no BigInt TypeScript rendering here."""


class _TsPrinter(Walker[tuple[str, int]]):
    """(text, precedence of its outermost operator); symbols print as their BigInt binding."""

    error = TsPrintError
    refusal = "no BigInt TypeScript for {kind}: {node}"

    def text(self, expr: sp.Basic, need: int) -> str:
        out, prec = self.walk(expr)
        return f"({out})" if prec < need else out

    def visit_Symbol(self, expr: sp.Symbol) -> tuple[str, int]:
        return local(expr.name), _ATOM

    def visit_Integer(self, expr: sp.Integer) -> tuple[str, int]:
        v = int(expr)
        return (f"{v}n", _ATOM) if v >= 0 else (f"-{-v}n", _UNARY)

    def visit_Rational(self, expr: sp.Rational) -> tuple[str, int]:
        raise TsPrintError(f"non-integer constant {expr}")

    def visit_BooleanTrue(self, expr: sp.Basic) -> tuple[str, int]:
        return "true", _ATOM

    def visit_BooleanFalse(self, expr: sp.Basic) -> tuple[str, int]:
        return "false", _ATOM

    def visit_Add(self, expr: sp.Add) -> tuple[str, int]:
        terms = ordered_terms(expr)
        first = terms[0]
        out = ("-" + self.text(-first, _UNARY) if first.could_extract_minus_sign()
               else self.text(first, _ADD))
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                out += " - " + self.text(-term, _ADD + 1)
            else:
                out += " + " + self.text(term, _ADD + 1)
        return out, _ADD

    def visit_Mul(self, expr: sp.Mul) -> tuple[str, int]:
        if is_division(expr):
            raise TsPrintError(f"division outside floor/ceiling: {expr}")
        coeff, rest = expr.as_coeff_Mul()
        if coeff == -1:
            return "-" + self.text(rest, _UNARY), _UNARY
        factors = ([coeff] if coeff != 1 else []) + list(sp.Mul.make_args(rest))
        parts = [self.text(f, _MUL if j == 0 else _MUL + 1) for j, f in enumerate(factors)]
        return " * ".join(parts), _MUL

    def visit_Pow(self, expr: sp.Pow) -> tuple[str, int]:
        power = exponent(expr)
        if power is None:
            raise TsPrintError(f"non-integer power {expr}")
        if power == 0:
            return "1n", _ATOM
        return " * ".join([self.text(expr.base, _MUL + 1)] * power), _MUL

    def call(self, name: str, *args: sp.Basic) -> tuple[str, int]:
        return f"{name}({', '.join(self.walk(a)[0] for a in args)})", _ATOM

    def visit_floor(self, expr: sp.floor) -> tuple[str, int]:
        return self.call("floorDiv", *quotient(expr.args[0]))

    def visit_ceiling(self, expr: sp.ceiling) -> tuple[str, int]:
        num, den = quotient(expr.args[0])
        return "-" + self.call("floorDiv", -num, den)[0], _UNARY

    def visit_FloorDiv(self, expr: sp.Basic) -> tuple[str, int]:
        return self.call("floorDiv", *expr.args)

    def visit_Mod(self, expr: sp.Basic) -> tuple[str, int]:
        return self.call("floorMod", *expr.args)

    visit_FloorMod = visit_Mod

    def extreme(self, name: str, expr: sp.Basic) -> tuple[str, int]:
        args = sorted(expr.args, key=lambda x: (not x.is_Number, sp.default_sort_key(x)))
        out = self.walk(args[0])[0]
        for arg in args[1:]:
            out = f"{name}({out}, {self.walk(arg)[0]})"
        return out, _ATOM

    def visit_Max(self, expr: sp.Max) -> tuple[str, int]:
        return self.extreme("max", expr)

    def visit_Min(self, expr: sp.Min) -> tuple[str, int]:
        return self.extreme("min", expr)

    def visit_Relational(self, expr: sp.Basic) -> tuple[str, int]:
        found = _CMP.get(type(expr))
        if found is None:
            raise TsPrintError(f"no TypeScript for {type(expr).__name__}: {expr}")
        op, prec = found
        return f"{self.text(expr.lhs, _ADD)} {op} {self.text(expr.rhs, _ADD)}", prec

    def visit_And(self, expr: sp.And) -> tuple[str, int]:
        return " && ".join(self.text(x, _AND + 1) for x in expr.args), _AND

    def visit_Or(self, expr: sp.Or) -> tuple[str, int]:
        return " || ".join(self.text(x, _OR + 1) for x in expr.args), _OR

    def visit_Not(self, expr: sp.Not) -> tuple[str, int]:
        return "!" + self.text(expr.args[0], _UNARY), _UNARY

    def visit_Piecewise(self, expr: sp.Piecewise) -> tuple[str, int]:
        *branches, (last, otherwise) = expr.args
        if otherwise is not sp.true:
            raise TsPrintError(f"Piecewise without an otherwise branch: {expr}")
        out = self.text(last, _COND)
        for value, cond in reversed(branches):
            out = f"{self.text(cond, _OR)} ? {self.text(value, _COND)} : {out}"
        return out, _COND


_PRINTER = _TsPrinter()


def ts(expr: sp.Basic) -> str:
    """BigInt TypeScript for an integer expression or a condition over the parameters'
    BigInt bindings."""
    return _PRINTER.walk(expr)[0]


def ts_failure(cond: sp.Basic) -> str:
    try:
        return ts(negate(cond))
    except WalkError as exc:
        raise TsPrintError(str(exc)) from None


def template_literal(message: str, values: Mapping[str, sp.Expr]) -> str:
    """The message as a template literal: ``{name}`` for a name in ``values`` becomes
    ``${...}`` (a BigInt prints as Python prints the int), the rest is literal text."""
    out = []
    fields = "|".join(re.escape("{" + n + "}") for n in values)
    for piece in re.split(f"({fields})", message) if fields else [message]:
        if fields and re.fullmatch(fields, piece):
            out.append("${" + ts(values[piece[1:-1]]) + "}")
        else:
            out.append(piece.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${"))
    return "`" + "".join(out) + "`"


# --- functions ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TsFunction:
    """One emitted function: the spec it renders, its TypeScript name, TSDoc lines, each
    check's message (Python's template: parameter checks, then requirements), the values of
    message placeholders that are not parameters, and how it returns (``"int"``: one number;
    ``"tuple"``: a fixed-length array, one number per result)."""

    spec: ShapeFunction
    name: str
    doc: tuple[str, ...]
    messages: tuple[str, ...]
    derived: Mapping[str, sp.Expr]
    returns: str = "int"

    @property
    def placeholders(self) -> dict[str, sp.Expr]:
        return {**{p.name: p.symbol for p in self.spec.params}, **self.derived}


def spec_function(spec: ShapeFunction, doc: tuple[str, ...]) -> TsFunction:
    """A guide helper's or a framework rule's TypeScript function: its checks' messages in
    order, Python's derived placeholders, one number or a tuple returned."""
    return TsFunction(spec, camel(spec.name), doc,
                      tuple(c.message for c in (*(p.check for p in spec.params), *spec.requires)),
                      dict(_DERIVED), "int" if len(spec.results) == 1 else "tuple")


@dataclass(frozen=True, slots=True)
class _Check:
    fails: str
    message: str


@dataclass(frozen=True, slots=True)
class _Rendered:
    name: str
    params: tuple[tuple[str, str, int | None], ...]  # (TS name, Python name, default)
    doc: tuple[str, ...]
    checks: tuple[_Check, ...]
    lets: tuple[tuple[str, str], ...]
    requires: tuple[_Check, ...]
    results: tuple[tuple[str, str], ...]  # (result name, BigInt expression)
    returns: str  # "number" or "[number, number]"


def _render(f: TsFunction) -> _Rendered:
    spec = f.spec
    messages = list(f.messages)
    if len(messages) != len(spec.params) + len(spec.requires):
        raise ValueError(f"{spec.name}: {len(messages)} messages for "
                         f"{len(spec.params) + len(spec.requires)} checks")
    values = f.placeholders
    checks = [_Check(ts_failure(p.check.condition), template_literal(m, values))
              for p, m in zip(spec.params, messages, strict=False)]
    lets, reduced = name_subterms([*spec.results, *(c.condition for c in spec.requires)])
    requires = [_Check(ts_failure(c), template_literal(m, values))
                for c, m in zip(reduced[len(spec.results):], messages[len(spec.params):],
                                strict=True)]
    results = tuple((n, ts(r)) for n, r in zip(spec.result_names, reduced[:len(spec.results)],
                                               strict=True))
    for p in spec.params:
        if camel(p.name) in JS_RESERVED or not p.name.isidentifier() or p.name.startswith("_"):
            raise TsPrintError(f"{spec.name}: parameter {p.name} is no free TypeScript name")
    returns = ("number" if f.returns == "int" else
               "[" + ", ".join("number" for _ in results) + "]")
    return _Rendered(
        f.name, tuple((camel(p.name), p.name, p.default) for p in spec.params), f.doc,
        tuple(checks), tuple((local(str(n)), ts(v)) for n, v in lets), tuple(requires),
        results, returns)


def render_module(banner: str, summary: Sequence[str], functions: Sequence[TsFunction],
                  kind: str, extra: Mapping[str, object] | None = None,
                  rendered: Sequence[_Rendered] | None = None) -> str:
    """The module as ``kind``: ``"ts"`` (TypeScript), ``"js"`` (the same without types) or
    ``"d.ts"`` (declarations). ``rendered``: the functions already rendered."""
    template = environment().get_template("tsmodule.j2")
    done = [_render(f) for f in functions] if rendered is None else rendered
    return str(template.render(banner=banner, summary=summary, kind=kind, functions=done,
                               max_safe=MAX_SAFE, extra=extra or {}))


def module_files(stem: str, banner: Callable[[str], str], summary: Sequence[str],
                 functions: Sequence[TsFunction]) -> dict[str, str]:
    """``<stem>.ts``, ``<stem>.js`` and ``<stem>.d.ts`` (``banner(path)``: each file's first
    line)."""
    rendered = [_render(f) for f in functions]
    return {f"{stem}.{kind}": render_module(banner(f"{stem}.{kind}"), summary, functions, kind,
                                            rendered=rendered)
            for kind in ("ts", "js", "d.ts")}


def wrap(lines: Sequence[str], width: int = 92) -> list[str]:
    out: list[str] = []
    for line in lines:
        indent = line[: len(line) - len(line.lstrip())]
        current = indent
        for w in line.split():
            if current.strip() and len(current) + 1 + len(w) > width:
                out.append(current)
                current = indent + "    " + w
            else:
                current = current + w if not current.strip() else current + " " + w
        out.append(current.rstrip())
    return [x.replace("*/", "* /") for x in out]
