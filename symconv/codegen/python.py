"""The Python target: ``generated/python/convshape.py`` rendered from the specs.

Expression printing is :mod:`symconv.codegen.pyprint` (integer floor division, never floats);
the template only lays out what this module computes. ``validate_python`` reads the rendered
text back and proves it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from symconv.artifacts import banner
from symconv.codegen.pyprint import py, py_failure
from symconv.codegen.spec import FUNCTIONS, Check, ShapeFunction
from symconv.relations import RELATIONS
from symconv.symbols import a, d, i, k, p, s
from symconv.templating import environment

MODULE_PATH = "python/convshape.py"
INIT_PATH = "python/__init__.py"

# Message placeholders that are not parameter names: what they stand for.
_DERIVED: dict[str, sp.Expr] = {
    "i_2p": i + 2 * p,
    "k_eff": d * (k - 1) + 1,
    "out": s * (i - 1) + a + d * (k - 1) + 1 - 2 * p,
}

# Functions returning range(lo, hi + 1) for results (lo, hi); the others return one int or a
# tuple of several.
RANGE_FUNCTIONS = frozenset({"input_size_range"})

_WIDTH = 78  # message pieces, so that generated lines stay under 100 columns


@dataclass(frozen=True, slots=True)
class _Check:
    fails: str
    message: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Param:
    name: str


@dataclass(frozen=True, slots=True)
class _Function:
    name: str
    signature: str
    returns: str
    summary: str
    doc: tuple[str, ...]
    params: tuple[_Param, ...]
    checks: tuple[_Check, ...]
    lets: tuple[tuple[str, str], ...]
    requires: tuple[_Check, ...]
    result: str


def _placeholder(name: str, f: ShapeFunction) -> str:
    if any(prm.name == name for prm in f.params):
        return name
    if name in _DERIVED:
        return py(_DERIVED[name])
    raise ValueError(f"{f.name}: unknown message placeholder {{{name}}}")


def _message(check: Check, f: ShapeFunction) -> tuple[str, ...]:
    """The check's message as adjacent f-string literals, each at most ``_WIDTH`` wide."""
    pieces = re.split(r"(\{[a-z_0-9]+\})", check.message)
    tokens: list[str] = []
    for piece in pieces:
        if piece.startswith("{") and piece.endswith("}"):
            tokens.append("{" + _placeholder(piece[1:-1], f) + "}")
        else:
            tokens.extend(re.split(r"(?<= )", piece.replace('"', '\\"')))
    return tuple(f'f"{line}"' if "{" in line else f'"{line}"' for line in pack(tokens, _WIDTH))


def pack(tokens: Sequence[str], width: int) -> list[str]:
    """``tokens`` joined into lines of at most ``width`` characters, greedily (a token longer
    than ``width`` gets a line of its own)."""
    lines: list[str] = []
    current = ""
    for tok in tokens:
        if current and len(current) + len(tok) > width:
            lines.append(current)
            current = ""
        current += tok
    if current:
        lines.append(current)
    return lines


def _signature(f: ShapeFunction) -> str:
    parts = [
        f"{prm.name}: int" + ("" if prm.default is None else f" = {prm.default}")
        for prm in f.params
    ]
    return ", ".join(parts)


def _returns(f: ShapeFunction) -> str:
    if f.name in RANGE_FUNCTIONS:
        return "range"
    if len(f.results) == 1:
        return "int"
    return "tuple[" + ", ".join("int" for _ in f.results) + "]"


def _body(
    f: ShapeFunction,
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], str]:
    """Shared subexpressions of the results and of the ``requires`` margins (``A - B`` for a
    check ``A >= B``) as local assignments, each check's raise condition over them, and the
    returned expression. The assignments run after the parameter checks, so any division in
    them has a checked divisor."""
    margins = [
        c.condition.lhs - c.condition.rhs if isinstance(c.condition, sp.GreaterThan) else None
        for c in f.requires
    ]
    pool = [m for m in margins if m is not None] + list(f.results)
    lets, reduced = sp.cse(
        pool, symbols=sp.numbered_symbols("t", integer=True), optimizations=None
    )
    reduced_margins = iter(reduced[: len(pool) - len(f.results)])
    fails = tuple(
        py_failure(c.condition) if m is None else py(sp.Lt(next(reduced_margins), 0))
        for c, m in zip(f.requires, margins, strict=True)
    )
    results = reduced[len(pool) - len(f.results):]
    if f.name in RANGE_FUNCTIONS:
        lo, hi = results
        result = f"range({py(lo)}, {py(hi + 1)})"
    elif len(results) == 1:
        result = py(results[0])
    else:
        result = "(" + ", ".join(py(r) for r in results) + ")"
    return tuple((str(name), py(value)) for name, value in lets), fails, result


def _doc(f: ShapeFunction) -> tuple[str, ...]:
    rel = RELATIONS[f.relation]
    requires = [py(prm.check.condition) for prm in f.params]
    requires += [py(c.condition) for c in f.requires]
    lines = [
        "The guide's semantics (Dumoulin & Visin); each framework's own rules, refusals"
        " included, are in frameworkshape.",
        f"Relation {rel.id} (guide section {rel.section}, {rel.title}):",
        *(f"    {part}" for part in f.formula.split("; ")),
        "Requires:",
        *(f"    {r}" for r in requires),
    ]
    lines.append("Takes any integer (int, or a type with __index__ such as numpy.int64); raises")
    lines.append("TypeError for anything else (bool and float included), ValueError naming the")
    lines.append("parameter and the condition it violates.")
    return tuple(_wrap_doc(lines))


def _wrap_doc(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        indent = line[: len(line) - len(line.lstrip())]
        current = indent
        for w in line.split():
            if current.strip() and len(current) + 1 + len(w) > 92:
                out.append(current)
                current = indent + "    " + w
            else:
                current = current + w if not current.strip() else current + " " + w
        out.append(current)
    return out


def _function(f: ShapeFunction) -> _Function:
    checks = [
        _Check(py_failure(prm.check.condition), _message(prm.check, f)) for prm in f.params
    ]
    lets, fails, result = _body(f)
    requires = [_Check(fail, _message(c, f)) for fail, c in zip(fails, f.requires, strict=True)]
    return _Function(
        name=f.name,
        signature=_signature(f),
        returns=_returns(f),
        summary=f.summary,
        doc=_doc(f),
        params=tuple(_Param(prm.name) for prm in f.params),
        checks=tuple(checks),
        lets=lets,
        requires=tuple(requires),
        result=result,
    )


WHOLE_TENSOR = ("conv_shape", "conv_transpose_shape", "pool_shape")


def render_module() -> str:
    functions = [_function(f) for f in FUNCTIONS]
    exports = sorted([f.name for f in FUNCTIONS] + list(WHOLE_TENSOR))
    template = environment().get_template("convshape.py.j2")
    return template.render(banner=banner(MODULE_PATH), functions=functions, exports=exports)


def render_init() -> str:
    return banner(INIT_PATH) + '"""Generated, verified shape helpers: see convshape."""\n'


def artifacts() -> dict[str, str]:
    return {MODULE_PATH: render_module(), INIT_PATH: render_init()}


def name_subterms(exprs: Sequence[sp.Basic]
                  ) -> tuple[list[tuple[sp.Symbol, sp.Basic]], list[sp.Basic]]:
    """Name every quotient (floor, ceiling, Mod), min/max and if-then-else, innermost first:
    each is computed once, and no printed line is long. Returns the names with their terms, in
    order, and ``exprs`` written with the names."""
    lets: list[tuple[sp.Symbol, sp.Basic]] = []
    names: dict[sp.Basic, sp.Symbol] = {}

    def visit(e: sp.Basic) -> sp.Basic:
        if not e.args:
            return e
        if isinstance(e, sp.Piecewise):
            e = sp.Piecewise(*((visit(v), visit(c)) for v, c in e.args), evaluate=False)
        else:
            e = e.func(*(visit(x) for x in e.args), evaluate=False)
        if isinstance(e, sp.floor | sp.ceiling | sp.Mod | sp.Min | sp.Max | sp.Piecewise):
            if e not in names:
                names[e] = sp.Symbol(f"t{len(names)}", integer=True)
                lets.append((names[e], e))
            return names[e]
        return e

    return lets, [visit(x) for x in exprs]
