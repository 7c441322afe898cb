"""``generated/rust/``: the guide's helpers and every framework rule as a Rust crate with no
dependencies (``#![no_std]``, ``#![forbid(unsafe_code)]``), and a network's shape function as one
Rust file (``generate --network``).

Every function takes ``i64`` arguments and returns ``Result<i64, ShapeError>`` (a tuple for
several results, ``()`` for none). It is the spec lowered mechanically
(:mod:`symconv.codegen.clower`, the C header's lowering) and printed in a small subset of Rust
that :mod:`symconv.codegen.rsparse` reads back: the parameter checks on ``i64``, then every value
widened to ``i128`` and computed with ``checked_add``/``checked_sub``/``checked_mul`` (a ``None``
returns ``ShapeError::Overflow``), floor division and modulo through the crate's ``floor_div``/
``floor_mod`` (truncating ``/`` and ``%`` corrected toward minus infinity: Rust's ``/`` truncates
like C's), requirements as early returns, and each result narrowed back to ``i64`` after a range
check. The inputs are ``i64``, so every product of two of them fits ``i128``: an answer exists for
every valid input whose result fits ``i64`` (:mod:`symconv.codegen.validate_rust` proves it).

Parameters are in the guide's order ``i, k, s, p, d, a`` (then a rule's extras), whatever order
the spec lists them in; they are checked in that order.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, reduce

import jinja2
import sympy as sp

from symconv.artifacts import banner
from symconv.codegen import c as cgen
from symconv.codegen.clower import lower
from symconv.codegen.spec import FUNCTIONS, ShapeFunction
from symconv.templating import environment
from symconv.walk import Walker, WalkError, negate, quotient

ROOT = "rust"
OVERFLOW = "Overflow"
OVERFLOW_MESSAGE = "the result does not fit in i64"


class RustPrintError(WalkError):
    """A SymPy node with no Rust rendering in the crate's subset."""


@dataclass(frozen=True, slots=True)
class Variant:
    """One ``ShapeError`` variant: the condition it names and its ``Display`` text."""

    name: str
    message: str


@dataclass(frozen=True, slots=True)
class RustFunction:
    """One emitted function: the lowered program, its parameters in Rust order, and the
    variant each parameter check and each requirement returns."""

    program: cgen.Program
    module: str  # guide, frameworks, or a network's file stem
    params: tuple[str, ...]
    param_variants: tuple[str, ...]  # aligned with params
    require_variants: tuple[str, ...]  # aligned with program.spec.requires
    doc: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.program.name

    @property
    def spec(self) -> ShapeFunction:
        return self.program.spec

    @property
    def checks(self) -> tuple[tuple[sp.Basic, str], ...]:
        """(condition, variant) of each parameter check, in Rust order."""
        by_name = {p_.name: p_ for p_ in self.spec.params}
        return tuple((by_name[n].check.condition, v)
                     for n, v in zip(self.params, self.param_variants, strict=True))

    @property
    def widened(self) -> tuple[str, ...]:
        """The parameters the arithmetic reads (widened to i128 after the checks)."""
        used: set[str] = set()
        for st in self.program.steps:
            for part in _step_parts(st):
                used |= {s_.name for s_ in part.free_symbols}
        for w in self.program.writes:
            used |= {s_.name for s_ in w.free_symbols}
        return tuple(n for n in self.params if n in used)

    @property
    def signature(self) -> str:
        return ", ".join(f"{n}: i64" for n in self.params)

    @property
    def returns(self) -> str:
        n = len(self.spec.results)
        inner = "i64" if n == 1 else "(" + ", ".join(["i64"] * n) + ")"
        return f"Result<{inner}, ShapeError>"

    @property
    def outputs(self) -> tuple[tuple[str, sp.Expr], ...]:
        """(local name, value) of each narrowed result."""
        names = self.spec.result_names
        return tuple((f"r_{n}", w) for n, w in zip(names, self.program.writes, strict=True))

    @property
    def ok(self) -> str:
        names = [n for n, _ in self.outputs]
        if len(names) == 1:
            return names[0]
        return "(" + ", ".join(names) + ")"

    @property
    def doc_lines(self) -> tuple[str, ...]:
        """The doc comment: the given lines, then the errors in the order they are checked."""
        errors = ", ".join(f"`ShapeError::{v}`" for v in dict.fromkeys(
            (*self.param_variants, *self.require_variants)))
        text = (f"Errors, in this order: {errors}, then `ShapeError::{OVERFLOW}` when a result "
                "does not fit in `i64`.")
        return (*self.doc, "", *textwrap.wrap(text, 95, break_on_hyphens=False))

    @property
    def rows(self) -> tuple[tuple[cgen.Step, str], ...]:
        """Each step with the variant it returns (a requirement's; "" for the others)."""
        variants = iter(self.require_variants)
        return tuple((st, next(variants) if isinstance(st, cgen.Require) else "")
                     for st in self.program.steps)


def _step_parts(st: cgen.Step) -> tuple[sp.Basic, ...]:
    if isinstance(st, cgen.Checked):
        return (st.x, st.y)
    if isinstance(st, cgen.Let):
        return (st.expr,)
    if isinstance(st, cgen.Select):
        return (st.condition, st.then, st.other)
    return (st.condition,)


def rust_order(names: Sequence[str]) -> tuple[str, ...]:
    """The guide's order ``i, k, s, p, d, a``: ``a`` moves after ``d`` where it precedes it."""
    out = list(names)
    if "a" in out and "d" in out and out.index("a") < out.index("d"):
        out.remove("a")
        out.insert(out.index("d") + 1, "a")
    return tuple(out)


def camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:].lower() for part in re.split(r"_+", name) if part)


class Variants:
    """The variants of one ``ShapeError`` enum, in order of first use, one per distinct
    condition: a parameter's (by its message) or a requirement's (by its C code)."""

    def __init__(self) -> None:
        self.items: dict[str, Variant] = {}
        self._by_key: dict[tuple[str, str], str] = {}

    def get(self, key: tuple[str, str], base: str, message: str) -> str:
        hit = self._by_key.get(key)
        if hit is not None:
            return hit
        name = base
        n = 2
        while name in self.items:
            name = f"{base}{_SUFFIX.get(message.rsplit(' must be ', 1)[-1], n)}"
            n += 1
        self.items[name] = Variant(name, message)
        self._by_key[key] = name
        return name

    def param(self, param_message: str, name: str) -> str:
        message = param_message.split(", got ", 1)[0]
        message = re.sub(r" \([a-z_]+=\{[a-z_]+\}\)", "", message)
        return self.get(("param", message), camel(name), message)

    def code(self, code: str, message: str, prefix: str) -> str:
        return self.get(("code", code), camel(code.removeprefix(prefix)), message)

    def all(self) -> tuple[Variant, ...]:
        return (*self.items.values(), Variant(OVERFLOW, OVERFLOW_MESSAGE))


_SUFFIX = {">= 0": "Negative", ">= 1": "NotPositive"}


def rust_function(program: cgen.Program, module: str, variants: Variants,
                  messages: dict[str, str], code_prefix: str,
                  doc: Sequence[str] = ()) -> RustFunction:
    spec = program.spec
    params = rust_order([p_.name for p_ in spec.params])
    by_name = {p_.name: p_ for p_ in spec.params}
    param_variants = tuple(variants.param(by_name[n].check.message, n) for n in params)
    require_variants = tuple(variants.code(c_, messages[c_], code_prefix)
                             for c_ in program.require_codes)
    return RustFunction(program, module, params, param_variants, require_variants, tuple(doc))


# --- expression printing (the `rs` and `rs_not` filters) --------------------------------------

_REL = {"StrictLessThan": "<", "LessThan": "<=", "StrictGreaterThan": ">",
        "GreaterThan": ">=", "Equality": "==", "Unequality": "!="}


class _RustPrinter(Walker[str]):
    """Rust text of a step's operand or condition: names, integer literals, helper calls,
    comparisons and ``&&``/``||``/``!``. ``prec``: 0 anywhere, 1 an operand."""

    error = RustPrintError
    refusal = "no Rust printing for {kind}: {node}"

    def visit_Symbol(self, expr: sp.Symbol, prec: int) -> str:
        return str(expr.name)

    def visit_Integer(self, expr: sp.Integer, prec: int) -> str:
        text = str(int(expr))
        return f"({text})" if int(expr) < 0 and prec > 0 else text

    def visit_Add(self, expr: sp.Add, prec: int) -> str:
        # plain + and - (a parameter check such as a <= s - 1, on i64): the validator proves
        # they cannot overflow where they run
        terms = sorted(expr.args, key=cgen._term_key)
        out = self.walk(terms[0], 1)
        for term in terms[1:]:
            coeff, rest = term.as_coeff_Mul()
            if coeff < 0:
                out += " - " + self.walk(-term, 2 if rest != 1 and coeff != -1 else 1)
            else:
                out += " + " + self.walk(term, 1)
        return f"({out})" if prec > 1 else out

    def visit_Mul(self, expr: sp.Mul, prec: int) -> str:
        factors = sp.Mul.make_args(expr)
        if any(not isinstance(f_, sp.Symbol | sp.Integer) for f_ in factors):
            raise RustPrintError(f"no Rust printing for the product {expr}")
        text = " * ".join(self.walk(f_, 2) for f_ in factors)
        return f"({text})" if prec > 2 else text

    def visit_floor(self, expr: sp.floor, prec: int) -> str:
        num, den = quotient(expr.args[0])
        return f"floor_div({self.walk(num, 0)}, {self.walk(den, 0)})"

    def visit_Mod(self, expr: sp.Basic, prec: int) -> str:
        return f"floor_mod({self.walk(expr.args[0], 0)}, {self.walk(expr.args[1], 0)})"

    def _extreme(self, name: str, expr: sp.Basic) -> str:
        return reduce(lambda l_, r_: f"{name}({l_}, {r_})",
                      (self.walk(x_, 0) for x_ in expr.args))

    def visit_Max(self, expr: sp.Max, prec: int) -> str:
        return self._extreme("max", expr)

    def visit_Min(self, expr: sp.Min, prec: int) -> str:
        return self._extreme("min", expr)

    def visit_Relational(self, expr: sp.Basic, prec: int) -> str:
        op = _REL.get(type(expr).__name__)
        if op is None:
            raise RustPrintError(f"no Rust printing for {type(expr).__name__}: {expr}")
        text = f"{self.walk(expr.lhs, 1)} {op} {self.walk(expr.rhs, 1)}"
        return f"({text})" if prec > 0 else text

    def _junction(self, op: str, expr: sp.Basic, prec: int) -> str:
        text = op.join(self.walk(x_, 1) for x_ in sorted(expr.args, key=str))
        return f"({text})" if prec > 0 else text

    def visit_And(self, expr: sp.And, prec: int) -> str:
        return self._junction(" && ", expr, prec)

    def visit_Or(self, expr: sp.Or, prec: int) -> str:
        return self._junction(" || ", expr, prec)

    def visit_Not(self, expr: sp.Not, prec: int) -> str:
        return f"!{self.walk(expr.args[0], 1)}"


_RS = _RustPrinter()


def rs_expr(expr: sp.Basic) -> str:
    return _RS.walk(expr, 0)


def rs_not(cond: sp.Basic) -> str:
    try:
        return rs_expr(negate(cond))
    except WalkError as exc:
        raise RustPrintError(str(exc)) from None


def rs_receiver(expr: sp.Basic) -> str:
    """A method call's receiver: a name, or a literal typed ``i128``."""
    if isinstance(expr, sp.Integer):
        return f"({int(expr)}_i128)" if int(expr) < 0 else f"{int(expr)}_i128"
    return rs_expr(expr)


def rust_environment() -> jinja2.Environment:
    return environment(filters={"rs": rs_expr, "rs_not": rs_not, "rs_receiver": rs_receiver,
                                "format_variant": lambda v: f"`ShapeError::{v}`"})


# --- the crate ---------------------------------------------------------------------------------

CARGO_PATH = f"{ROOT}/Cargo.toml"
MODULES = ("guide", "frameworks")


def _guide_doc(spec: ShapeFunction) -> tuple[str, ...]:
    return (spec.summary, "", f"{spec.relation}: `{spec.formula}`")


@cache
def crate() -> tuple[tuple[RustFunction, ...], tuple[Variant, ...]]:
    """Every function of the crate (the guide's helpers, then the framework rules) and the
    crate's ``ShapeError`` variants."""
    from symconv.frameworks import all_rules
    from symconv.frameworks.ccodegen import codes as fw_codes
    from symconv.frameworks.ccodegen import programs as fw_programs

    messages = {c_.name: c_.message for c_ in (*cgen.ERROR_CODES, *fw_codes())}
    variants = Variants()
    out = []
    for spec in FUNCTIONS:
        codes = cgen.BY_PROGRAM[spec.name].require_codes
        out.append(rust_function(lower(spec, codes), "guide", variants, messages, "SYMCONV_E_",
                                 _guide_doc(spec)))
    rules = {r.id: r for r in all_rules()}
    for program in fw_programs():
        rule = rules[program.spec.relation]
        doc = (f"{rule.title} (`{rule.id}`).", "", f"Source: {rule.source}.", "",
               f"`{program.spec.formula}`")
        out.append(rust_function(program, "frameworks", variants, messages, "SYMCONV_E_", doc))
    return tuple(out), variants.all()


def functions(module: str | None = None) -> tuple[RustFunction, ...]:
    return tuple(f for f in crate()[0] if module is None or f.module == module)


def module_path(module: str) -> str:
    return f"{ROOT}/src/{module}.rs"


def _render(template: str, path: str, **values: object) -> str:
    text = str(rust_environment().get_template(template).render(
        banner=banner(path), overflow=OVERFLOW, **values))
    return text.rstrip("\n") + "\n"


HELPERS = ("floor_div", "floor_mod", "max", "min", "narrow")


def render_function(f: RustFunction) -> str:
    template = rust_environment().get_template("rust_function.rs.j2")
    return str(template.render(f=f, overflow=OVERFLOW)).rstrip("\n")


def helpers_used(bodies: Sequence[str]) -> tuple[str, ...]:
    return tuple(h for h in HELPERS if any(re.search(rf"\b{h}\(", b) for b in bodies))


@cache
def render_module(module: str) -> str:
    path = module_path(module)
    bodies = [render_function(f) for f in functions(module)]
    return _render("rust_module.rs.j2", path, title=_TITLES[module], bodies=bodies,
                   helpers=helpers_used(bodies))


_TITLES = {
    "guide": "The guide's per-axis helpers (Dumoulin & Visin, relations 1-15).",
    "frameworks": "Per-axis output sizes exactly as PyTorch, TensorFlow/Keras, ONNX and JAX "
                  "compute them (and the guide's own rules), with each framework's refusals.",
}


@cache
def render_files() -> dict[str, str]:
    variants = crate()[1]
    files = {
        CARGO_PATH: _render("rust_cargo.toml.j2", CARGO_PATH),
        f"{ROOT}/.gitignore": _render("rust_gitignore.j2", f"{ROOT}/.gitignore"),
        f"{ROOT}/src/lib.rs": _render("rust_lib.rs.j2", f"{ROOT}/src/lib.rs",
                                      modules=MODULES),
        f"{ROOT}/src/error.rs": _render("rust_error.rs.j2", f"{ROOT}/src/error.rs",
                                        variants=variants),
        f"{ROOT}/src/arith.rs": _render("rust_arith.rs.j2", f"{ROOT}/src/arith.rs",
                                        helpers=HELPERS),
        f"{ROOT}/tests/agree.rs": _render("rust_agree.rs.j2", f"{ROOT}/tests/agree.rs",
                                          functions=functions(), variants=variants,
                                          consts=[const_case(f) for f in functions()]),
    }
    for module in MODULES:
        files[module_path(module)] = render_module(module)
    return files


def render_network(f: RustFunction, variants: Sequence[Variant], path: str, command: str,
                   network: str, source: str, refuses: str) -> str:
    """A network's shape function as one self-contained file (its own ``ShapeError``, only the
    helpers it calls)."""
    body = render_function(f)
    text = str(rust_environment().get_template("rust_network.rs.j2").render(
        banner=banner(path, command), f=f, variants=variants, helpers=helpers_used([body]),
        body=body, command=command, network=network, source=source,
        intro=textwrap.wrap(
            f"the output's spatial sizes, or `Err(ShapeError)` naming the first violated "
            f"condition: a size below 1, else {refuses}, else `ShapeError::Overflow` when a "
            "result does not fit in `i64`. Intermediates are `i128` with checked operations: "
            "every valid input whose result fits has its answer, and nothing panics, overflows "
            "or wraps.", 92)))
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def source_files() -> dict[str, str]:
    """The crate's ``src/`` files, read back by the validator (file name → text)."""
    return {p.rsplit("/", 1)[-1]: t for p, t in render_files().items()
            if p.startswith(f"{ROOT}/src/")}


def artifacts() -> dict[str, str]:
    return dict(render_files())


def artifact_parts() -> list[tuple[str, str, Callable[[], dict[str, str]]]]:
    return [(f"{ROOT}/", "", render_files)]


# --- the oracle: what a function must answer, from its spec ----------------------------------

CONST_POINT = {"i": 9, "o": 3, "k": 3, "s": 2, "p": 1, "d": 1, "a": 1, "p_begin": 1, "p_end": 0}


def const_case(f: RustFunction) -> tuple[RustFunction, tuple[int, ...], str]:
    """A call the crate's test evaluates at compile time, with the spec's answer as a Rust
    pattern."""
    args = tuple(CONST_POINT.get(n, 64) for n in f.params)
    kind, value = expected(f, dict(zip(f.params, args, strict=True)))
    if kind == "err":
        return f, args, f"Err(ShapeError::{value})"
    assert isinstance(value, tuple)
    inner = str(value[0]) if len(value) == 1 else "(" + ", ".join(map(str, value)) + ")"
    return f, args, f"Ok({inner})"


I64_MIN, I64_MAX = -(2**63), 2**63 - 1


def expected(f: RustFunction, args: dict[str, int]) -> tuple[str, tuple[int, ...] | str]:
    """``("ok", results)`` or ``("err", variant)`` as the spec decides it, in plain Python
    over unbounded integers: the first violated parameter check (Rust order), else the first
    violated requirement, else ``Overflow`` when a result leaves ``i64``."""
    from symconv.evaluate import evaluate

    for cond, variant in f.checks:
        if evaluate(cond, args) is not True:
            return ("err", variant)
    for req, variant in zip(f.spec.requires, f.require_variants, strict=True):
        if evaluate(req.condition, args) is not True:
            return ("err", variant)
    values = tuple(int(evaluate(r, args)) for r in f.spec.results)
    if not all(I64_MIN <= v <= I64_MAX for v in values):
        return ("err", OVERFLOW)
    return ("ok", values)
