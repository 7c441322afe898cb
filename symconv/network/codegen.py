"""A network's shape function as code: ``symconv generate --network FILE``.

The study of a network (:mod:`symconv.network.study`) gives, per layer, its conditions (the
framework's refusals, in the framework's order) and closed forms. This module turns them into
one :class:`~symconv.codegen.spec.ShapeFunction` — parameters the input's spatial sizes, each
checked ``>= 1``; requirements every other layer condition in topological order; results the
output's spatial sizes — and renders it with the generators of the core helpers: Python
(``<name>_shape.py``, standard library only) and C (``<name>_shape.h``, lowered by
:mod:`symconv.codegen.clower`, beside a copy of ``convshape.h`` for its checked helpers).
:mod:`symconv.network.codegen_proofs` proves both texts. Pure: values in, text out.

A condition equal to an earlier one (the same term) is emitted once: it can never be the first
to fail. Several outputs: the results are every output's spatial sizes, outputs in the
network's order; an output with no spatial axes (flattened) contributes none, so a classifier's
function returns ``()`` and only decides validity.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from symconv.artifacts import banner
from symconv.codegen import c as cgen
from symconv.codegen import rust as rgen
from symconv.codegen.c import piecewise
from symconv.codegen.clower import lower
from symconv.codegen.pyprint import py, py_failure
from symconv.codegen.python import _wrap_doc, name_subterms, pack
from symconv.codegen.spec import Check, Param, ShapeFunction
from symconv.network import terms as T
from symconv.network.analysis import INPUT_MESSAGE
from symconv.network.ir import NetworkError
from symconv.network.study import Study
from symconv.network.textual import pretty
from symconv.templating import environment
from symconv.walk import WalkError

FIRST_CODE = 100  # network codes start here: clear of convshape.h's and frameworkshape.h's
_C_KEYWORDS = frozenset((
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "int64_t", "out"))
# Rust's keywords and the generated Rust's own names (a local shadows a function of that name)
_RUST_NAMES = frozenset((
    "as", "async", "await", "box", "crate", "dyn", "else", "enum", "false", "fn", "impl", "in",
    "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "self", "super", "trait", "true",
    "type", "unsafe", "use", "where", "yield", "abstract", "become", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "floor_div", "floor_mod", "max",
    "min", "narrow"))
_WIDTH = 72  # message pieces per line in the Python text


class CodegenError(NetworkError):
    """The network's arithmetic has something the code generators do not cover."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """One emitted requirement, refused with ``message``: by layer ``layer`` (the framework's
    message), or where ``layer`` is None by the model as a whole (a traced model's V); the C
    function returns ``code`` there."""

    layer: str | None
    message: str
    code: str

    @property
    def said(self) -> str:
        """What the refusal says (the C strerror text)."""
        if self.layer is None:
            return self.message
        return f"layer {self.layer!r} refuses the input: {self.message}"


# (outputs' spatial sizes, None) where the network runs at a point (axis -> size), else
# (None, (refusing layer or None, message)): the dumb reference a counterexample is re-evaluated by
Reference = Callable[[Mapping[str, int]],
                     tuple[tuple[int, ...] | None, tuple[str | None, str] | None]]


@dataclass(frozen=True)
class Subject:
    """What a shape function is generated from: the network's name and input axes, its V (text
    and the docstring's lines) and the reference that re-evaluates counterexamples."""

    name: str
    axes: tuple[str, ...]
    valid_text: str
    valid_doc: tuple[str, ...]
    reference: Reference
    # after a size below 1, what refuses an input (the docs' words)
    refuses: str = ("the first layer that refuses the input (in topological order, each "
                    "layer's checks in its framework's order), with the framework's own message")
    # what the function returns on V (the docs' words)
    forms: str = "the composition of the layers' closed forms"


def study_subject(st: Study) -> Subject:
    """A studied IR network as a subject: the reference evaluates its terms layer by layer."""
    analysis = st.analysis

    def reference(env: Mapping[str, int]
                  ) -> tuple[tuple[int, ...] | None, tuple[str | None, str] | None]:
        refusal = analysis.first_refusal(env)
        if refusal is not None:
            return None, (refusal.layer, refusal.message)
        memo: dict[int, T.Value] = {}
        return tuple(T.value(s, env, memo) for layer in analysis.outputs
                     for s in (layer.shape.sizes or ())), None

    doc = ["Valid exactly on V, the conjunction of every layer's conditions:"]
    if st.valid.boxes is not None and st.valid.status.value == "proved":
        doc.append(f"    V: {st.valid.text()}")
        if st.valid.empty and st.valid.empty_by is not None:
            doc.append(f"    first layer making V empty: {st.valid.empty_by.layer}")
    else:
        doc.append("    (no normal form of V was proved; the checks below are V)")
    return Subject(analysis.network.name, tuple(analysis.axes), st.valid.text(), tuple(doc),
                   reference)


@dataclass(frozen=True)
class NetworkCode:
    """Everything generated for one network; ``source`` is the file name banners show."""

    subject: Subject
    stem: str  # identifier: unet_2015
    source: str
    params: tuple[str, ...]  # per input axis, the function's parameter name
    refusals: tuple[Refusal, ...]  # aligned with spec.requires
    outputs: tuple[tuple[str, str], ...]  # (output node, axis) per result
    spec: ShapeFunction

    @property
    def function(self) -> str:
        return self.spec.name

    @property
    def python_path(self) -> str:
        return f"{self.function}.py"

    @property
    def c_path(self) -> str:
        return f"{self.function}.h"

    @property
    def rust_path(self) -> str:
        return f"{self.function}.rs"

    @property
    def proof_dir(self) -> str:
        return f"proofs/{self.function}"

    @property
    def prefix(self) -> str:
        """The C macro prefix: ``SYMCONV_UNET_2015``."""
        return "SYMCONV_" + self.stem.upper()

    @property
    def command(self) -> str:
        return f"symconv generate --network {self.source}"

    def param_message(self, j: int) -> str:
        return f"{self.subject.axes[j]} must be >= 1, got {{{self.params[j]}}}"

    def refusal_message(self, r: Refusal) -> str:
        """The ValueError text (``{h}`` stands for the value of parameter ``h``)."""
        point = ", ".join(f"{axis}={{{p}}}" for axis, p in zip(self.subject.axes, self.params,
                                                                strict=True))
        if r.layer is None:
            return f"{point}: {r.message}"
        return f"{point}: layer {r.layer!r} refuses it: {r.message}"

    @cached_property
    def codes(self) -> tuple[cgen.ErrorCode, ...]:
        own = [cgen.ErrorCode(self.program.param_code(p), FIRST_CODE + j, f"{axis} must be >= 1")
               for j, (axis, p) in enumerate(zip(self.subject.axes, self.params, strict=True))]
        seen: set[str] = set()
        for r in self.refusals:
            if r.code not in seen:
                seen.add(r.code)
                own.append(cgen.ErrorCode(r.code, FIRST_CODE + len(own), r.said))
        return tuple(own)

    @cached_property
    def program(self) -> cgen.Program:
        try:
            program = lower(self.spec, [r.code for r in self.refusals])
        except WalkError as exc:
            raise CodegenError(f"network {self.subject.name!r}: no C code: {exc}"
                               ) from None
        return cgen.Program(program.spec, program.steps, program.writes, program.require_codes,
                            code_prefix=self.prefix)

    @cached_property
    def header(self) -> cgen.Header:
        return cgen.Header(self.c_path, (self.program,), (*cgen.ERROR_CODES, *self.codes),
                           self.render_c, "net.c", self.proof_dir, includes=(cgen.HEADER,),
                           strerror=f"symconv_{self.stem}_strerror")

    def render_python(self) -> str:
        return self._python_text

    @cached_property
    def rust(self) -> tuple[rgen.RustFunction, tuple[rgen.Variant, ...]]:
        """The Rust function and its ``ShapeError`` variants (the C codes, by name)."""
        variants = rgen.Variants()
        messages = {c_.name: c_.message for c_ in self.codes}
        prefix = f"{self.prefix}_E_"
        program = self.program
        names = [variants.code(program.param_code(p_), messages[program.param_code(p_)],
                               prefix) for p_ in self.params]
        f = rgen.RustFunction(program, self.stem, self.params, tuple(names),
                              tuple(variants.code(c_, messages[c_], prefix)
                                    for c_ in program.require_codes),
                              (f"{self.spec.summary}", "", f"`{self.spec.formula}`"
                               if self.spec.results else "Decides validity only."))
        return f, variants.all()

    def render_rust(self) -> str:
        return self._rust_text

    @cached_property
    def _rust_text(self) -> str:
        f, variants = self.rust
        return rgen.render_network(f, variants, self.rust_path, self.command,
                                   self.subject.name, self.source, self.subject.refuses)

    def render_c(self) -> str:
        return self._c_text

    @cached_property
    def _python_text(self) -> str:
        return render_python(self)

    @cached_property
    def _c_text(self) -> str:
        return render_c(self)


# --- the spec ---------------------------------------------------------------------------------


def network_code(st: Study, source: str) -> NetworkCode:
    """The shape function of the studied network (``source``: the file name for banners).

    Raises :class:`CodegenError` where a condition or size has no integer code form here (an
    if-then-else inside a condition)."""
    analysis = st.analysis
    stem = identifier(analysis.network.name)
    params = param_names(analysis.axes)
    symbols = {axis: sp.Symbol(name, integer=True) for axis, name in zip(analysis.axes, params,
                                                                         strict=True)}
    convert = _ToSympy(symbols)
    seen: set[int] = set()
    emitted: set[sp.Basic] = {sp.Ge(x, 1) for x in symbols.values()}
    refusals: list[Refusal] = []
    requires: list[Check] = []
    codes: dict[tuple[str, str], str] = {}
    used = {f"SYMCONV_{stem.upper()}_E_{p.upper()}" for p in params}
    for condition in analysis.conditions:
        if condition.cond.serial in seen:
            continue
        seen.add(condition.cond.serial)
        if condition.index == 0 and condition.message == INPUT_MESSAGE:
            continue  # the parameter checks
        convert.layer = condition.layer
        cond = convert.cond(condition.cond)
        if cond in emitted:
            continue
        emitted.add(cond)
        key = (condition.layer, condition.message)
        if key not in codes:
            codes[key] = _unique(f"SYMCONV_{stem.upper()}_E_{_macro(condition.layer)}", used)
        refusals.append(Refusal(condition.layer, condition.message, codes[key]))
        requires.append(Check(cond, condition.message))
    outputs: list[tuple[str, str]] = []
    results: list[sp.Expr] = []
    for layer in analysis.outputs:
        for axis, size in zip(analysis.axes, layer.shape.sizes or (), strict=False):
            outputs.append((layer.node.name, axis))
            results.append(convert.expr(size))
    spec_params = tuple(
        Param(name, symbols[axis], None, Check(sp.Ge(symbols[axis], 1), f"{axis} >= 1"))
        for axis, name in zip(analysis.axes, params, strict=True))
    names = result_names(outputs)
    spec = ShapeFunction(f"{stem}_shape", "network", f"Output sizes of {analysis.network.name}.",
                         spec_params, tuple(requires), tuple(results), names,
                         "; ".join(f"{n} = {py(r)}" for n, r in zip(names, results,
                                                                     strict=True)))
    return NetworkCode(study_subject(st), stem, source, params, tuple(refusals), tuple(outputs),
                       spec)


class _ToSympy:
    """Terms → SymPy over the parameter symbols, each shared node once. Comparisons become
    ``left >= right`` / ``left == right`` with non-negative coefficients on both sides (the C
    lowering then multiplies by no negative coefficient); nothing is evaluated or simplified
    (SymPy would turn a comparison of if-then-else values into its own ``ITE``)."""

    def __init__(self, mapping: Mapping[str, sp.Symbol], layer: str = "") -> None:
        self.mapping = mapping
        self.layer = layer
        self.memo: dict[int, sp.Basic] = {}

    def expr(self, lin: T.Lin) -> sp.Expr:
        hit = self.memo.get(lin.serial)
        if hit is None:
            terms = [sp.Integer(c) * self.atom(a) if c != 1 else self.atom(a)
                     for a, c in lin.parts]
            hit = self.memo[lin.serial] = sp.Add(*terms, sp.Integer(lin.const))
        assert isinstance(hit, sp.Expr)
        return hit

    def sides(self, lin: T.Lin) -> tuple[sp.Expr, sp.Expr]:
        left = [sp.Integer(c) * self.atom(a) for a, c in lin.parts if c > 0]
        right = [sp.Integer(-c) * self.atom(a) for a, c in lin.parts if c < 0]
        return (sp.Add(*left, sp.Integer(max(lin.const, 0))),
                sp.Add(*right, sp.Integer(max(-lin.const, 0))))

    def atom(self, a: T.Atom) -> sp.Expr:
        hit = self.memo.get(a.serial)
        if hit is not None:
            assert isinstance(hit, sp.Expr)
            return hit
        out: sp.Expr
        if isinstance(a, T.Var):
            out = self.mapping[a.name]
        elif isinstance(a, T.Floor):
            out = sp.floor(self.expr(a.num) / sp.Integer(a.den))
        elif isinstance(a, T.Extreme):
            out = (sp.Max if a.is_max else sp.Min)(*(self.expr(x) for x in a.args),
                                                   evaluate=False)
        elif isinstance(a, T.Ite):
            if any(isinstance(n, T.Ite) for n in T.postorder([a.cond])):
                raise CodegenError(
                    f"layer {self.layer!r}: an if-then-else decided by another one "
                    f"({pretty(a.cond)}) is beyond the code generators: no code generated")
            out = piecewise(self.expr(a.then), self.cond(a.cond), self.expr(a.other))
        else:  # pragma: no cover - every atom kind is above
            raise CodegenError(f"layer {self.layer!r}: no code for {type(a).__name__}")
        self.memo[a.serial] = out
        return out

    def cond(self, c: T.Cond) -> sp.Basic:
        hit = self.memo.get(c.serial)
        if hit is None:
            hit = self.memo[c.serial] = self._cond(c)
        return hit

    def _cond(self, c: T.Cond) -> sp.Basic:
        if isinstance(c, T.Truth):
            return sp.true if c.value else sp.false
        if isinstance(c, T.Cmp):
            return (sp.Eq if c.eq else sp.Ge)(*self.sides(c.lin), evaluate=False)
        if isinstance(c, T.Not):
            if isinstance(c.arg, T.Cmp):
                return (sp.Ne if c.arg.eq else sp.Lt)(*self.sides(c.arg.lin), evaluate=False)
            return sp.Not(self.cond(c.arg), evaluate=False)
        if isinstance(c, T.Junction):
            return (sp.And if c.is_and else sp.Or)(*(self.cond(x) for x in c.args),
                                                   evaluate=False)
        if isinstance(c, T.Product):
            return self.product(c)
        raise CodegenError(f"layer {self.layer!r}: no code for {type(c).__name__}")

    def product(self, c: T.Product) -> sp.Basic:
        """``c·∏f = n`` (n ≠ 0) as ``every f ∈ [−|n|, |n|] and c·∏ clamp(f) = n``: equivalent
        (a factor beyond |n| makes |c·∏f| > |n| or the product 0), and no value in it is wider
        than the factors and c·|n|^k — so the C function answers with the layer's code, not an
        overflow, for every int64 size, and the proofs' bit widths stay bounded."""
        factors = [self.expr(f) for f in c.factors]
        if c.rhs == 0 or c.coeff == 0:
            return sp.Eq(sp.Mul(sp.Integer(c.coeff), *factors, evaluate=False), c.rhs,
                         evaluate=False)
        bound = abs(c.rhs)
        clamped = [sp.Max(-bound, sp.Min(x, bound, evaluate=False), evaluate=False)
                   for x in factors]
        parts = [sp.Eq(k, x, evaluate=False) for k, x in zip(clamped, factors, strict=True)]
        product = sp.Mul(sp.Integer(c.coeff), *clamped, evaluate=False)
        return sp.And(*parts, sp.Eq(product, c.rhs, evaluate=False), evaluate=False)


def identifier(name: str) -> str:
    """``unet-2015`` → ``unet_2015``: a C and Python identifier (lower case)."""
    out = re.sub(r"\W+", "_", name.lower(), flags=re.ASCII).strip("_") or "network"
    return f"net_{out}" if out[0].isdigit() else out


def _macro(name: str) -> str:
    return re.sub(r"\W+", "_", name.upper(), flags=re.ASCII).strip("_") or "X"


def _unique(name: str, used: set[str]) -> str:
    out, n = name, 2
    while out in used:
        out, n = f"{name}_{n}", n + 1
    used.add(out)
    return out


def param_names(axes: Sequence[str]) -> tuple[str, ...]:
    """Each axis's parameter name: its name in lower case, where that is a free identifier in
    both languages, else ``size<j>``."""
    names: list[str] = []
    for j, axis in enumerate(axes):
        name = axis.lower()
        if (not name.isidentifier() or keyword.iskeyword(name) or name in _C_KEYWORDS
                or name in _RUST_NAMES
                or re.fullmatch(r"t\d+|size\d+|out_.*|r_.*|symconv.*", name) or name in names):
            name = f"size{j}"
        names.append(name)
    return tuple(names)


def result_names(outputs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    single = len({layer for layer, _ in outputs}) <= 1
    used: set[str] = set()
    return tuple(_unique("out_" + (axis.lower() if single else
                                   f"{identifier(layer)}_{axis.lower()}"), used)
                 for layer, axis in outputs)


# --- Python -----------------------------------------------------------------------------------


def python_message(code: NetworkCode, template: str) -> tuple[str, ...]:
    """The message as adjacent literals: ``{name}`` placeholders of parameters become f-string
    fields, everything else is literal text (braces in a framework's message included)."""
    fields = "|".join(re.escape("{" + p + "}") for p in code.params)
    out: list[str] = []
    for line in pack(re.split(r"(?<= )", template), _WIDTH):
        pieces = re.split(f"({fields})", line) if fields else [line]
        if len(pieces) == 1:
            out.append(json.dumps(line, ensure_ascii=False))
            continue
        text = "".join(p if p in {"{" + q + "}" for q in code.params}
                       else p.replace("{", "{{").replace("}", "}}") for p in pieces)
        out.append("f" + json.dumps(text, ensure_ascii=False))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _PyCheck:
    fails: str
    message: tuple[str, ...]


def _returned(results: Sequence[sp.Basic]) -> str:
    if not results:
        return "()"
    if len(results) == 1:
        return f"({py(results[0])},)"
    return "(" + ", ".join(py(r) for r in results) + ")"


def render_python(code: NetworkCode) -> str:
    spec = code.spec
    lets, reduced = name_subterms([*spec.results, *(c.condition for c in spec.requires)])
    results = reduced[:len(spec.results)]
    conditions = reduced[len(spec.results):]
    checks = [_PyCheck(py_failure(p.check.condition), python_message(code, code.param_message(j)))
              for j, p in enumerate(spec.params)]
    requires = [_PyCheck(py_failure(c), python_message(code, code.refusal_message(r)))
                for c, r in zip(conditions, code.refusals, strict=True)]
    template = environment().get_template("networkshape.py.j2")
    return str(template.render(
        banner=banner(code.python_path, code.command), code=code, doc=_doc(code),
        signature=", ".join(f"{p}: int" for p in code.params),
        returns="tuple[" + (", ".join("int" for _ in results) or "()") + "]",
        checks=checks, lets=[(str(n), py(v)) for n, v in lets], requires=requires,
        result=_returned(results)))


def _doc(code: NetworkCode) -> list[str]:
    axes = ", ".join(code.subject.axes)
    lines = [f"Network {code.subject.name} ({code.source}): input sizes ({axes}) ->"]
    if code.outputs:
        lines.append("    (" + ", ".join(f"{layer} {axis}" for layer, axis in code.outputs)
                     + ")")
        for (layer, axis), r in zip(code.outputs, code.spec.results, strict=True):
            lines.append(f"    {layer} {axis} = {py(r)}")
    else:
        lines.append("    () (the output has no spatial axes: the function decides validity)")
    lines += code.subject.valid_doc
    lines += ["Takes any integer (int, or a type with __index__ such as numpy.int64); raises "
              "TypeError for anything else (bool and float included), ValueError naming "
              f"{code.subject.refuses}."]
    return _wrap_doc(lines)


# --- C ----------------------------------------------------------------------------------------


def _comment(text: str) -> str:
    return text.replace("*/", "* /").replace("/*", "/ *")


def render_c(code: NetworkCode) -> str:
    env = cgen.c_environment()
    env.filters["comment"] = _comment
    env.filters["py"] = py
    template = env.get_template("networkshape.h.j2")
    return str(template.render(
        banner=banner(code.c_path, code.command), code=code, f=code.program,
        codes=code.codes, include=cgen.HEADER.file_name, overflow=cgen.OVERFLOW.name,
        guard=f"{code.prefix}_SHAPE_H", doc=_doc(code)))


def files(code: NetworkCode) -> dict[str, str]:
    """The generated sources (proof files are :func:`codegen_proofs.proof_files`)."""
    return {code.python_path: code.render_python(), code.c_path: code.render_c(),
            cgen.HEADER.file_name: cgen.render(), code.rust_path: code.render_rust()}
