"""``generated/c/convshape.h``: the per-axis shape functions as one C99 header.

Each function is a small straight-line program over ``int64_t`` (:class:`Program`): the spec's
parameter checks, then steps that are either overflow-checked helper calls (``Checked``), plain C
assignments (``Let``, proved overflow-free by :mod:`symconv.codegen.validate_c`) or requirement
checks (``Require``), then the writes through the out pointers. The C text stays inside the small
subset that ``validate_c`` parses back and proves equal to the spec.

Floor division and modulo are printed as calls of ``symconv__floordiv``/``symconv__floormod``,
never as C's ``/`` and ``%``: those truncate toward zero (``-7 / 2 == -3``, floor is ``-4``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, reduce

import jinja2

import sympy as sp

from symconv.artifacts import banner
from symconv.codegen.cparse import Unit, parse
from symconv.codegen.spec import BY_NAME, ShapeFunction
from symconv.printing import str_text
from symconv.symbols import a, d, i, k, o, p, s
from symconv.templating import environment
from symconv.walk import Walker, WalkError, negate, quotient

PATH = "c/convshape.h"


def _t(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True)


@dataclass(frozen=True, slots=True)
class Checked:
    """``name = x op y`` through ``symconv__<op>``; ``SYMCONV_E_OVERFLOW`` when it does not fit."""

    name: str
    op: str  # add, sub, mul
    x: sp.Expr
    y: sp.Expr
    kind: str = "checked"


@dataclass(frozen=True, slots=True)
class Let:
    """``name = expr`` in plain C; the validator proves it cannot overflow."""

    name: str
    expr: sp.Expr
    kind: str = "let"


@dataclass(frozen=True, slots=True)
class Require:
    """Return ``code`` unless ``condition`` holds."""

    condition: sp.Basic
    code: str
    kind: str = "require"


@dataclass(frozen=True, slots=True)
class Select:
    """``name = then`` if ``condition`` holds, else ``other`` (an ``if``/``else`` of two plain
    assignments of names or literals): a network's if-then-else size (PyTorch's broadcasting
    add, a size-1 axis meeting any size)."""

    name: str
    condition: sp.Basic
    then: sp.Expr
    other: sp.Expr
    kind: str = "select"


Step = Checked | Let | Require | Select


@dataclass(frozen=True, slots=True)
class ErrorCode:
    name: str
    value: int
    message: str


@dataclass(frozen=True, slots=True)
class Program:
    spec: ShapeFunction
    steps: tuple[Step, ...]
    writes: tuple[sp.Expr, ...]  # one per spec result, over parameters and step names
    require_codes: tuple[str, ...]  # one per spec.requires, in order
    code_prefix: str = "SYMCONV"  # parameter codes: <code_prefix>_E_<NAME>

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pointers(self) -> tuple[str, ...]:
        return ("out",) if len(self.spec.results) == 1 else self.spec.result_names

    @property
    def temps(self) -> tuple[str, ...]:
        return tuple(st.name for st in self.steps if not isinstance(st, Require))

    def values(self) -> dict[str, sp.Expr]:
        """Each step name's exact value, in terms of the parameters."""
        return dict(_step_values(self.steps))

    def substituted(self, expr: sp.Basic) -> sp.Basic:
        return expr.subs({_t(n): v for n, v in self.values().items()})

    def checked_values(self, before: int | None = None) -> list[sp.Expr]:
        """Exact values of the overflow-checked steps (the first ``before`` steps only)."""
        vals = self.values()
        return [vals[st.name] for st in self.steps[:before] if isinstance(st, Checked)]

    def param_code(self, name: str) -> str:
        return f"{self.code_prefix}_E_{name.upper()}"

    @property
    def coded_requires(self) -> tuple[tuple[sp.Basic, str], ...]:
        """Each requirement's condition with the code returned when it fails."""
        return tuple(zip((c_.condition for c_ in self.spec.requires), self.require_codes,
                         strict=True))

    @property
    def outputs(self) -> tuple[tuple[str, sp.Expr], ...]:
        return tuple(zip(self.pointers, self.writes, strict=True))

    @property
    def requirements(self) -> str:
        conds = [*(p_.check.condition for p_ in self.spec.params),
                 *(c_.condition for c_ in self.spec.requires)]
        return ", ".join(_formula_text(c_) for c_ in conds)

    @property
    def signature(self) -> str:
        params = [f"int64_t {p_.name}" for p_ in self.spec.params]
        return ", ".join([*params, *(f"int64_t *{ptr}" for ptr in self.pointers)])


def piecewise(then: sp.Expr, cond: sp.Basic, other: sp.Expr) -> sp.Expr:
    """``Piecewise((then, cond), (other, True))`` built as is: SymPy's constructor folds a
    condition that holds a Piecewise (an if-then-else deciding another one's condition), a
    set computation that takes minutes on a U-Net's cropping arithmetic."""
    from sympy.core.containers import Tuple
    from sympy.functions.elementary.piecewise import ExprCondPair

    pairs = (Tuple.__new__(ExprCondPair, then, cond), Tuple.__new__(ExprCondPair, other, sp.true))
    out: sp.Expr = sp.Basic.__new__(sp.Piecewise, *pairs)
    return out


@cache
def _step_values(steps: tuple[Step, ...]) -> tuple[tuple[str, sp.Expr], ...]:
    # cached: rebuilding SymPy terms costs milliseconds, and the template, the statements and the
    # validator each ask for every program's values
    env: dict[sp.Symbol, sp.Expr] = {}
    for st in steps:
        if isinstance(st, Checked):
            x, y = st.x.xreplace(env), st.y.xreplace(env)
            env[_t(st.name)] = {"add": x + y, "sub": x - y, "mul": x * y}[st.op]
        elif isinstance(st, Let):
            env[_t(st.name)] = st.expr.xreplace(env)
        elif isinstance(st, Select):
            env[_t(st.name)] = piecewise(st.then.xreplace(env), st.condition.xreplace(env),
                                         st.other.xreplace(env))
    return tuple((sym.name, val) for sym, val in env.items())


OVERFLOW = ErrorCode("SYMCONV_E_OVERFLOW", 9,
                      "the result or an intermediate does not fit in int64_t")

ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode("SYMCONV_OK", 0, "success"),
    ErrorCode("SYMCONV_E_I", 1, "i must be >= 1"),
    ErrorCode("SYMCONV_E_O", 2, "o must be >= 1"),
    ErrorCode("SYMCONV_E_K", 3, "k must be >= 1"),
    ErrorCode("SYMCONV_E_S", 4, "s must be >= 1"),
    ErrorCode("SYMCONV_E_P", 5, "p must be >= 0"),
    ErrorCode("SYMCONV_E_A", 6, "a must be in 0..s-1"),
    ErrorCode("SYMCONV_E_D", 7, "d must be >= 1"),
    ErrorCode("SYMCONV_E_WINDOW", 8,
              "window does not fit: i + 2p < d(k-1) + 1 (output would be < 1)"),
    OVERFLOW,
    ErrorCode("SYMCONV_E_OUTPUT", 10, "output would be < 1: s(i-1) + a + d(k-1) + 1 - 2p < 1"),
)
CODE_VALUES: Mapping[str, int] = {c.name: c.value for c in ERROR_CODES}

ke, ip, ipp, o1 = _t("ke"), _t("ip"), _t("ipp"), _t("o1")
si, u, v, x, y = _t("si"), _t("u"), _t("v"), _t("x"), _t("y")
ce, ce1, cs, t1, t2, t3, total = (_t(n) for n in ("ce", "ce1", "cs", "t1", "t2", "t3", "total"))
os_, lo0, hi0 = _t("os"), _t("lo0"), _t("hi0")

# i + 2p and d(k-1) = k̂ - 1 first: the window fits iff i + 2p > d(k-1), and then
# i + 2p - d(k-1) - 1 >= 0 cannot overflow.
_PADDED = (
    Checked("ke", "mul", d, k - 1),
    Checked("ip", "add", i, p),
    Checked("ipp", "add", ip, p),
    Require(sp.Gt(ipp, ke), "SYMCONV_E_WINDOW"),
)
_CONV = (*_PADDED, Checked("o1", "add", sp.floor((ipp - ke - 1) / s), sp.Integer(1)))

PROGRAMS: tuple[Program, ...] = (
    Program(BY_NAME["conv_output_size"], _CONV, (o1,), ("SYMCONV_E_WINDOW",)),
    Program(
        BY_NAME["transposed_conv_output_size"],
        (
            Checked("si", "mul", s, i - 1),
            Checked("ke", "mul", d, k - 1),
            Let("u", si - p),
            Let("v", ke - p),
            Checked("x", "add", u, v),
            Checked("y", "add", x, a),
            Checked("o1", "add", y, sp.Integer(1)),
            Require(sp.Ge(o1, 1), "SYMCONV_E_OUTPUT"),
        ),
        (o1,),
        ("SYMCONV_E_OUTPUT",),
    ),
    Program(BY_NAME["transposed_conv_a"], _PADDED, (sp.Mod(ipp - ke - 1, s),),
            ("SYMCONV_E_WINDOW",)),
    Program(BY_NAME["pool_output_size"], _CONV, (o1,), ("SYMCONV_E_WINDOW",)),
    Program(
        BY_NAME["same_padding"],
        (
            # ceil(i/s) = -floor(-i/s); every step after a division is checked rather than
            # proved safe from bounds on the quotient.
            Checked("ce", "sub", sp.Integer(0), sp.floor(-i / s)),
            Checked("ce1", "sub", ce, sp.Integer(1)),
            Checked("cs", "mul", ce1, s),
            Checked("t1", "sub", cs, i),
            Checked("ke", "mul", d, k - 1),
            Checked("t2", "add", t1, ke),
            Checked("t3", "add", t2, sp.Integer(1)),
            Let("total", sp.Max(0, t3)),
        ),
        (sp.floor(total / 2), total - sp.floor(total / 2)),
        (),
    ),
    Program(
        BY_NAME["input_size_range"],
        (
            Checked("os", "mul", o - 1, s),
            Checked("ke", "mul", d, k - 1),
            Let("u", os_ - p),
            Let("v", ke - p),
            Checked("x", "add", u, v),
            Checked("lo0", "add", x, sp.Integer(1)),
            Checked("hi0", "add", x, s),
        ),
        (sp.Max(1, lo0), hi0),
        (),
    ),
)

BY_PROGRAM = {pr.name: pr for pr in PROGRAMS}


# --- expression printing (the `c` and `c_not` filters) ---------------------------------------

_REL = {"StrictLessThan": "<", "LessThan": "<=", "StrictGreaterThan": ">",
        "GreaterThan": ">=", "Equality": "==", "Unequality": "!="}


class CPrintError(WalkError):
    """A SymPy node with no C99 rendering in the header's subset."""


class _CPrinter(Walker[str]):
    """C99 text; ``prec`` is where the text goes: 0 anywhere, 1 operand of + -, 2 operand of
    *, 3 unary operand."""

    error = CPrintError
    refusal = "no C printing for {kind}: {node}"

    def visit_Symbol(self, expr: sp.Symbol, prec: int) -> str:
        return str(expr.name)

    def visit_Integer(self, expr: sp.Integer, prec: int) -> str:
        text = str(int(expr))
        return f"({text})" if int(expr) < 0 and prec > 0 else text

    def visit_Add(self, expr: sp.Add, prec: int) -> str:
        terms = sorted(expr.args, key=_term_key)
        out = self.walk(terms[0], 1)
        for term in terms[1:]:
            coeff, rest = term.as_coeff_Mul()
            if coeff < 0:
                out += " - " + self.walk(-term, 2 if rest != 1 and coeff != -1 else 1)
            else:
                out += " + " + self.walk(term, 1)
        return f"({out})" if prec > 1 else out

    def visit_Mul(self, expr: sp.Mul, prec: int) -> str:
        coeff, rest = expr.as_coeff_Mul()
        if coeff == -1:
            return "-" + self.walk(rest, 3)
        factors = [*([coeff] if coeff != 1 else []), *sp.Mul.make_args(rest)]
        if any(isinstance(f_, sp.Pow) for f_ in factors):
            raise CPrintError(f"no C for a power or quotient outside floor: {expr}")
        text = " * ".join(self.walk(f_, 2) for f_ in factors)
        return f"({text})" if prec > 2 else text

    def floordiv(self, num: sp.Basic, den: sp.Basic) -> str:
        return f"symconv__floordiv({self.walk(num, 0)}, {self.walk(den, 0)})"

    def visit_floor(self, expr: sp.floor, prec: int) -> str:
        return self.floordiv(*quotient(expr.args[0]))

    def visit_ceiling(self, expr: sp.ceiling, prec: int) -> str:
        num, den = quotient(expr.args[0])
        return f"-{self.floordiv(-num, den)}"

    def visit_FloorDiv(self, expr: sp.Basic, prec: int) -> str:
        return self.floordiv(*expr.args)

    def visit_Mod(self, expr: sp.Basic, prec: int) -> str:
        return f"symconv__floormod({self.walk(expr.args[0], 0)}, {self.walk(expr.args[1], 0)})"

    visit_FloorMod = visit_Mod

    def extreme(self, name: str, expr: sp.Basic) -> str:
        return reduce(lambda l_, r_: f"symconv__{name}({l_}, {r_})",
                      (self.walk(x_, 0) for x_ in expr.args))

    def visit_Max(self, expr: sp.Max, prec: int) -> str:
        return self.extreme("max", expr)

    def visit_Min(self, expr: sp.Min, prec: int) -> str:
        return self.extreme("min", expr)

    def visit_Relational(self, expr: sp.Basic, prec: int) -> str:
        op = _REL.get(type(expr).__name__)
        if op is None:
            raise CPrintError(f"no C printing for {type(expr).__name__}: {expr}")
        text = f"{self.walk(expr.lhs, 1)} {op} {self.walk(expr.rhs, 1)}"
        return f"({text})" if prec > 0 else text

    def junction(self, op: str, expr: sp.Basic, prec: int) -> str:
        text = op.join(self.walk(x_, 1) for x_ in sorted(expr.args, key=str))
        return f"({text})" if prec > 0 else text

    def visit_And(self, expr: sp.And, prec: int) -> str:
        return self.junction(" && ", expr, prec)

    def visit_Or(self, expr: sp.Or, prec: int) -> str:
        return self.junction(" || ", expr, prec)

    def visit_Not(self, expr: sp.Not, prec: int) -> str:
        return f"!{self.walk(expr.args[0], 3)}"


_C = _CPrinter()


def c_expr(expr: sp.Basic) -> str:
    """C99 text of an integer SymPy expression: + - and constant multiples in plain C, floor
    division, modulo, ceiling, Max and Min through the header's helpers."""
    return _C.walk(expr, 0)


def _term_key(term: sp.Expr) -> tuple[int, str]:
    # positive terms first, so a sum never starts with a subtraction
    coeff, _ = term.as_coeff_Mul()
    return (1 if coeff < 0 else 0, str(term))


def c_not(cond: sp.Basic) -> str:
    """C text of ``not cond``, the negation pushed to the comparisons."""
    try:
        return c_expr(negate(cond))
    except WalkError as exc:
        raise CPrintError(str(exc)) from None


def _formula_text(expr: sp.Basic) -> str:
    if isinstance(expr, sp.And | sp.Or):
        op = " and " if isinstance(expr, sp.And) else " or "
        return op.join(_formula_text(x_) for x_ in expr.args)
    return str_text(expr).replace("**", "^")


def c_environment() -> jinja2.Environment:
    return environment(filters={"c": c_expr, "c_not": c_not, "text": _formula_text})


@cache
def render() -> str:
    template = c_environment().get_template("convshape.h.j2")
    return str(template.render(
        banner=banner(PATH),
        codes=ERROR_CODES,
        programs=PROGRAMS,
        overflow=OVERFLOW.name,
    ))


@dataclass(frozen=True, slots=True)
class Header:
    """A generated C header as translation validation sees it: its functions, the codes they
    return, its text, and the generated headers it ``#include``s by file name."""

    path: str  # relative to generated/
    programs: tuple[Program, ...]
    codes: tuple[ErrorCode, ...]  # every code its functions return, included headers' too
    render: Callable[[], str]
    tid_prefix: str  # theorem ids: <prefix>.<function>.<property>
    proof_dir: str  # SMT-LIB files: <proof_dir>/<function>-<property>.smt2, under generated/
    includes: tuple[Header, ...] = ()
    helpers: bool = False  # defines (and so proves) the symconv__* helpers itself
    strerror: str = "symconv_strerror"  # names every code its functions return

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def code_values(self) -> Mapping[str, int]:
        return {c_.name: c_.value for c_ in self.codes}

    def program(self, name: str) -> Program:
        return next(pr for pr in self.programs if pr.name == name)

    def included_texts(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for h in self.includes:
            out.update(h.included_texts())
            out[h.file_name] = h.render()
        return out

    def unit(self, text: str | None = None) -> Unit:
        """The parsed translation unit: ``text`` (default: the rendered header) with its
        includes spliced in."""
        return parse(self.render() if text is None else text, self.included_texts())


HEADER = Header(PATH, PROGRAMS, ERROR_CODES, render, "gen.c", "proofs/c", helpers=True)


def artifacts() -> dict[str, str]:
    return {PATH: render()}
