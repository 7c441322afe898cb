"""The LaTeX target: ``generated/latex/`` — the relations table, the guide's worked examples
(computed by the engine) and a standalone document inputting both.

Typeset as the guide does: i′ as ``i'``, ĩ′ as ``\\tilde{i}'``, floor as ⌊ ⌋. Expression printing
is a :class:`~sympy.printing.latex.LatexPrinter` with the guide's term order (positive terms
first), used as a template filter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from symconv.artifacts import banner
from symconv.evaluate import evaluate
from symconv.relations import RELATIONS, Kind, Relation
from symconv.symbols import SYMBOLS, a, d, i, i_prime, i_tilde, k, p, p_prime, s
from symconv.templating import environment

RELATIONS_PATH = "latex/relations.tex"
EXAMPLES_PATH = "latex/examples.tex"
TABLES_PATH = "latex/tables.tex"


class _GuidePrinter(LatexPrinter):  # type: ignore[misc]
    r"""SymPy's LaTeX printer with the guide's symbol names and term order.

    ``and``/``or`` and ``min``/``max`` stay at the top level of the formula, parenthesised with
    ``\bigl(`` rather than ``\left(``: TeX breaks an inline formula only after a top-level
    operator, relation or ``\allowbreak``, never inside ``\left…\right``, so a long formula can
    wrap in a table cell."""

    def __init__(self, names: Mapping[sp.Symbol, str] | None = None) -> None:
        table = {info.symbol: info.latex for info in SYMBOLS.values()}
        table.update(names or {})
        super().__init__({"symbol_names": table})

    def _as_ordered_terms(self, expr: sp.Basic, order: Any = None) -> list[sp.Basic]:
        if isinstance(expr, sp.Add):
            terms = list(expr.as_ordered_terms())
            pos = [t for t in terms if not t.could_extract_minus_sign() and not t.is_Number]
            neg = [t for t in terms if t.could_extract_minus_sign() and not t.is_Number]
            return pos + neg + [t for t in terms if t.is_Number]
        result: list[sp.Basic] = super()._as_ordered_terms(expr, order=order)
        return result

    def _print_floor(self, expr: sp.floor, exp: Any = None) -> str:
        num, den = sp.fraction(sp.together(expr.args[0]))
        body = self._print(expr.args[0]) if den == 1 else (
            rf"\frac{{{self._print(num)}}}{{{self._print(den)}}}"
        )
        return rf"\left\lfloor {body} \right\rfloor"

    def _print_Mod(self, expr: sp.Mod, exp: Any = None) -> str:
        x, y = expr.args
        left = self._print(x)
        if isinstance(x, sp.Add):
            left = rf"\left({left}\right)"
        return rf"{left} \bmod {self._print(y)}"

    # SymPy brackets every term or factor with a Mod anywhere inside it (a floor of a max of a
    # Mod gets "\left(\left\lfloor…"); only a Mod at the top needs it, as \bmod binds loosely.
    def _needs_add_brackets(self, expr: sp.Basic) -> bool:
        top = isinstance(expr, sp.Mod) or (
            isinstance(expr, sp.Mul) and any(isinstance(f, sp.Mod) for f in expr.args))
        return top or bool(super()._needs_add_brackets(_hide_mod(expr)))

    def _needs_mul_brackets(self, expr: sp.Basic, first: bool = False, last: bool = False) -> bool:
        return isinstance(expr, sp.Mod) or bool(
            super()._needs_mul_brackets(_hide_mod(expr), first=first, last=last))

    def _print_Min(self, expr: sp.Min, exp: Any = None) -> str:
        return self._extremum(r"\min", expr, exp)

    def _print_Max(self, expr: sp.Max, exp: Any = None) -> str:
        return self._extremum(r"\max", expr, exp)

    def _extremum(self, name: str, expr: sp.Basic, exp: Any) -> str:
        # \bigl( rather than \left(, and \allowbreak after each comma: a long min/max can wrap
        # (also where the argument holds a floor, whose \left\lfloor is about \bigl's size).
        tall = any(arg.has(sp.floor, sp.ceiling) for arg in expr.args)
        left, right = (r"\bigl(", r"\bigr)") if tall else ("(", ")")
        args = sorted(expr.args, key=sp.default_sort_key)
        body = rf"{name}{left}" + r", \allowbreak ".join(self._print(x) for x in args) + right
        return f"{body}^{{{exp}}}" if exp else body

    def _print_And(self, expr: sp.And) -> str:
        return self._join(expr, r"\wedge")

    def _print_Or(self, expr: sp.Or) -> str:
        return self._join(expr, r"\vee")

    def _join(self, expr: sp.Basic, op: str) -> str:
        parts = []
        for arg in sorted(expr.args, key=sp.default_sort_key):
            body = self._print(arg)
            parts.append(rf"\bigl({body}\bigr)" if isinstance(arg, sp.And | sp.Or) else body)
        return f" {op} ".join(parts)


def _hide_mod(expr: sp.Basic) -> sp.Basic:
    """``expr`` with each Mod as an opaque function call, for SymPy's bracket checks only."""
    return expr.replace(sp.Mod, sp.Function("_mod")) if expr.has(sp.Mod) else expr


def tex(expr: sp.Basic, names: Mapping[sp.Symbol, str] | None = None) -> str:
    """LaTeX math (no dollars) for an expression or condition, typeset as the guide; ``names``
    adds or overrides symbol spellings."""
    out: str = _GuidePrinter(names).doprint(expr)
    return out


@dataclass(frozen=True, slots=True)
class _Row:
    number: int
    title: str
    conditions: tuple[str, ...]
    formula: str
    section: str


def _relation_row(rel: Relation) -> _Row:
    return _Row(
        rel.number,
        rel.title,
        tuple(tex(c) for c in rel.conditions),
        f"{tex(rel.output)} = {tex(rel.expr)}",
        rel.section,
    )


@dataclass(frozen=True, slots=True)
class Example:
    """A worked example of one of the guide's figures: its parameters as printed (``given``) and
    the relation that computes it."""

    figure: str
    relation: str
    given: Mapping[sp.Symbol, int]
    note: str = ""


# Parameters from the figure captions and the text that cites them
# (shared/guide/conv-arithmetic-guide.zh.md).
EXAMPLES: tuple[Example, ...] = (
    Example("1.2", "R6", {i: 5, k: 3, s: 2, p: 1}, "$N = 2$"),
    Example("2.1", "R1", {i: 4, k: 3, s: 1, p: 0}),
    Example("2.2", "R2", {i: 5, k: 4, s: 1, p: 2}),
    Example("2.3", "R3", {i: 5, k: 3, s: 1, p: 1},
            r"the caption prints $p = 2$; \S2.2.1 and half padding give $p = 1$"),
    Example("2.4", "R4", {i: 5, k: 3, s: 1, p: 2}),
    Example("2.5", "R5", {i: 5, k: 3, s: 2, p: 0}),
    Example("2.6", "R6", {i: 5, k: 3, s: 2, p: 1}),
    Example("2.7", "R6", {i: 6, k: 3, s: 2, p: 1}),
    Example("2.8a", "R1", {i: 5, k: 3, s: 1, p: 0},
            r"$i, k$ not printed: two unit steps and a $3 \times 3$ output"),
    Example("2.8b", "R5", {i: 5, k: 3, s: 2, p: 0},
            r"$i, k$ not printed: one step of 2 and a $2 \times 2$ output"),
    Example("4.1", "R8", {i: 4, k: 3, s: 1, p: 0}),
    Example("4.2", "R9", {i: 5, k: 4, s: 1, p: 2}),
    Example("4.3", "R10", {i: 5, k: 3, s: 1, p: 1}),
    Example("4.4", "R11", {i: 5, k: 3, s: 1, p: 2}),
    Example("4.5", "R12", {i: 5, k: 3, s: 2, p: 0}),
    Example("4.6", "R13", {i: 5, k: 3, s: 2, p: 1}),
    Example("4.7", "R14", {i: 6, k: 3, s: 2, p: 1},
            r"the caption calls the input $2 \times 2$; $i' = 3$"),
    Example("5.1", "R15", {i: 7, k: 3, s: 1, p: 0, d: 2}),
)


@dataclass(frozen=True, slots=True)
class ComputedExample:
    figure: str
    relation: str
    section: str
    parameters: tuple[str, ...]  # "i = 5", … (each set unbreakable)
    output: str
    equivalent: tuple[str, ...]
    note: str


def compute(ex: Example) -> dict[str, int]:
    """Every value of the example: the given parameters, the direct output o, and for a
    transposed relation i′, ĩ′, a, p′ and o′ — each from the engine's relation expressions, with
    the relation's conditions checked at the point."""
    rel = RELATIONS[ex.relation]
    env = {sym.name: v for sym, v in ex.given.items()}
    env.setdefault("d", 1)
    env["n"] = (env["k"] - 1) // 2
    direct = RELATIONS["R15"].expr
    env["o"] = _int(direct, env)
    if rel.kind is Kind.TRANSPOSED:
        env["i_prime"] = env["o"]
        env["a"] = _int(sp.Mod(i + 2 * p - k, s), env)
        eq = rel.equivalent
        env["i_tilde"] = _int(eq.get(i_tilde, i_prime), env)
        env["p_prime"] = _int(eq[p_prime], env)
        env["o_prime"] = _int(rel.expr, env)
        if env["o_prime"] != env["i"]:
            raise ValueError(f"figure {ex.figure}: o' = {env['o_prime']} does not restore i")
    else:
        if _int(rel.expr, env) != env["o"]:
            raise ValueError(f"figure {ex.figure}: {rel.id} disagrees with R15")
    for cond in rel.conditions:
        if evaluate(cond, env) is not True:
            raise ValueError(f"figure {ex.figure}: {rel.id} condition {cond} fails")
    return env


def _int(expr: sp.Basic | int, env: Mapping[str, int]) -> int:
    value = evaluate(sp.sympify(expr), env)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{expr} is not an integer at {dict(env)}")
    return value


def _computed(ex: Example) -> ComputedExample:
    rel = RELATIONS[ex.relation]
    env = compute(ex)
    given = [f"{tex(sym)} = {v}" for sym, v in ex.given.items()]
    if rel.kind is Kind.TRANSPOSED:
        parts = [rf"i' = {env['i_prime']}"]
        if i_tilde in rel.equivalent:
            parts.append(rf"\tilde{{i}}' = {env['i_tilde']}")
        if a in rel.expr.free_symbols:
            parts.append(f"a = {env['a']}")
        parts += [f"k' = {env['k']}", "s' = 1" if i_tilde in rel.equivalent
                  else f"s' = {env['s']}", f"p' = {env['p_prime']}"]
        equivalent = tuple(parts)
        output = f"o' = {env['o_prime']}"
    else:
        equivalent = ()
        output = f"o = {env['o']}"
    return ComputedExample(ex.figure, rel.id, rel.section, tuple(given), output, equivalent,
                           ex.note)


def _render(name: str, path: str, **context: Any) -> str:
    env = environment(tex=True, filters={"tex": tex})
    body: str = env.get_template(name).render(**context)
    return banner(path) + body


def artifacts() -> dict[str, str]:
    rows = [_relation_row(r) for r in sorted(RELATIONS.values(), key=lambda r: r.number)]
    examples = [_computed(ex) for ex in EXAMPLES]
    return {
        RELATIONS_PATH: _render("relations.tex.j2", RELATIONS_PATH, rows=rows),
        EXAMPLES_PATH: _render("examples.tex.j2", EXAMPLES_PATH, examples=examples),
        TABLES_PATH: _render("tables.tex.j2", TABLES_PATH),
    }

