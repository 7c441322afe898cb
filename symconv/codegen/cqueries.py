"""Translation validation's queries: each property of each generated C function (and of the
helpers' contracts) as one Z3 formula whose unsatisfiability proves it, with its statement and
its SMT-LIB2 text (``generated/proofs/c/…``).

Properties per function (theorem ``gen.c.<function>.<property>``): ``no-overflow``,
``no-div-zero``, ``correct`` (return 0 ⇒ inputs in the domain and every output equals the spec
result over unbounded integers; nonzero ⇒ outputs untouched), ``complete`` (domain and every
overflow-checked intermediate fits ⇒ return 0), ``error-codes`` (the first violated parameter
condition gets its code; a violated requirement gets its code).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import z3

from symconv.artifacts import banner
from symconv.codegen import c as cgen
from symconv.codegen.cexec import Model, Path
from symconv.codegen.cinterp import INT64_MAX, INT64_MIN
from symconv.codegen.cparse import Function, Unit
from symconv.codegen.cpoly import Poly
from symconv.codegen.csem import (
    W, Cond, Encoding, ValidationError, Val, conj, defined, disj, division_fact_list, lnot,
    truncating_quotient,
)
from symconv.codegen.cspec import SpecEncoder, magnitude_bits

PROPERTIES = ("no-overflow", "no-div-zero", "correct", "complete", "error-codes")


@dataclass(frozen=True, slots=True)
class Query:
    """A property as a Z3 formula whose unsatisfiability proves it."""

    tid: str
    function: str
    prop: str
    statement: str
    negation: z3.BoolRef
    inputs: tuple[str, ...]
    variables: dict[str, z3.ArithRef]
    header: cgen.Header
    abstract: bool = False
    # abstract only: each quotient and remainder with its numerator and divisor (n, d, q, r)
    divisions: tuple[tuple[z3.ArithRef, z3.ArithRef, z3.ArithRef, z3.ArithRef], ...] = ()

    @property
    def path(self) -> str:
        return f"{self.header.proof_dir}/{self.function}-{self.prop}.smt2"

    def smt2(self) -> str:
        solver = z3.Solver(ctx=self.negation.ctx)
        solver.add(self.negation)
        path = self.path
        head = banner(path) + f"; {self.tid}: {self.statement}\n; expected: unsat\n"
        return head + _renumber(str(solver.to_smt2()))


def _renumber(smt: str) -> str:
    """Z3 names let-bound terms after internal AST ids, which depend on everything created
    before in the process; renumber them in order of appearance so the file is deterministic."""
    names: dict[str, str] = {}

    def fresh(m: re.Match[str]) -> str:
        return names.setdefault(m.group(0), f"{m.group(1)}x{len(names)}")

    return re.sub(r"([?$])x\d+\b", fresh, smt)


@dataclass(frozen=True, slots=True)
class _Outcome:
    cond: z3.BoolRef
    ret: Poly
    outs: tuple[Poly, ...]


def _neg_obligations(model: Model, kind: str) -> z3.BoolRef:
    ctx = model.ctx
    return disj([conj([*o.path, z3.Not(o.safe)], ctx) for o in model.obligations
                 if o.kind == kind], ctx)


def function_queries(unit: Unit, program: cgen.Program, header: cgen.Header = cgen.HEADER,
                     abstract: bool = True, ctx: z3.Context | None = None) -> list[Query]:
    """The properties of one function. ``abstract``: products and quotients become fresh values
    constrained by the helper facts (sound: the proved facts hold of the real ones); otherwise
    the exact bit-vector terms (used to turn an abstract counterexample into a real one)."""
    fname = "symconv_" + program.name
    fn = unit.functions.get(fname)
    if fn is None:
        raise ValidationError(f"the header has no {fname}")
    spec = program.spec
    names = [p_.name for p_ in spec.params]
    if [p_.name for p_ in fn.params if not p_.pointer] != names or [
            p_.name for p_ in fn.params if p_.pointer] != list(program.pointers):
        raise ValidationError(f"{fname}: parameters differ from the spec")
    needed = max(magnitude_bits(e) for e in (*spec.results, spec.domain,
                                             *program.checked_values()))
    if needed >= W:
        raise ValidationError(f"{fname}: the spec needs {needed} bits, the model has {W}")
    model = Model(unit, ctx or z3.Context(),
                  encoding=Encoding.ABSTRACT if abstract else Encoding.BITVEC)
    outcomes = _execute(model, fn, program)
    neg = _negations(model, SpecEncoder(model), program, outcomes, header.code_values)
    statements = property_statements(program)
    variables = {**model.inputs}
    facts = model.facts
    return [Query(f"{header.tid_prefix}.{program.name}.{prop}", program.name, prop,
                  statements[prop], conj([*facts, neg[prop]], model.ctx),
                  tuple(names), variables, header, abstract, tuple(model.divisions))
            for prop in PROPERTIES]


def _execute(model: Model, fn: Function, program: cgen.Program) -> list[_Outcome]:
    """Every path through ``fn`` from its parameters and out-cells (``<ptr>_initial``)."""
    frame = model._frame()
    store: dict[str, Val] = {}
    for name in (p_.name for p_ in program.spec.params):
        store[frame.prefix + name] = Val("s", model.input(name))
    cells = {}
    for ptr in program.pointers:
        cells[ptr] = f"cell.{ptr}"
        frame.pointers[ptr] = cells[ptr]
        store[cells[ptr]] = Val("s", model.input(f"{ptr}_initial"))
    return [_Outcome(conj(p_.conds, model.ctx), v_.poly,
                     tuple(p_.store[cells[ptr]].poly for ptr in program.pointers))
            for p_, v_ in model.run(fn, Path((), store), frame)]


def _negations(model: Model, enc: SpecEncoder, program: cgen.Program,
               outcomes: Sequence[_Outcome], code: Mapping[str, int]) -> dict[str, z3.BoolRef]:
    """Each property's negation over the paths ``outcomes``."""
    ctx, spec = model.ctx, program.spec
    domain = enc.formula(spec.domain)
    results = [enc.value(r) for r in spec.results]
    initial = [model.input(f"{ptr}_initial") for ptr in program.pointers]
    fits = [model.in64(enc.value(v)) for v in program.checked_values()]
    zero = model.const(0)
    ret0 = [model.equal(o.ret, zero) for o in outcomes]

    def outs_equal(o: _Outcome, want: Sequence[Poly]) -> Cond:
        same = [model.equal(a_, b_) for a_, b_ in zip(o.outs, want, strict=True)]
        return True if all(x is True for x in same) else conj(same, ctx)

    return {
        "no-overflow": _neg_obligations(model, "overflow"),
        "no-div-zero": _neg_obligations(model, "div-zero"),
        "correct": disj([disj([
            conj([o.cond, r0, lnot(conj([domain, outs_equal(o, results)], ctx))], ctx),
            conj([o.cond, lnot(r0), lnot(outs_equal(o, initial))], ctx)], ctx)
            for o, r0 in zip(outcomes, ret0, strict=True)], ctx),
        "complete": conj([domain, *fits, disj([conj([o.cond, lnot(r0)], ctx)
                                                for o, r0 in zip(outcomes, ret0, strict=True)],
                                               ctx)], ctx),
        "error-codes": _neg_error_codes(model, enc, program, outcomes, code),
    }


def _neg_error_codes(model: Model, enc: SpecEncoder, program: cgen.Program,
                     outcomes: Sequence[_Outcome], code: Mapping[str, int]) -> z3.BoolRef:
    """Some path returns other than the code of the first violated parameter condition, or of
    a violated requirement whose earlier conditions and checked intermediates all hold."""
    ctx, spec = model.ctx, program.spec

    def returns_other(want: int) -> z3.BoolRef:
        value = model.const(want)
        return disj([conj([o.cond, lnot(model.equal(o.ret, value))], ctx) for o in outcomes],
                    ctx)

    cases = []
    ok: list[z3.BoolRef] = []
    for param in spec.params:
        cond = enc.formula(param.check.condition)
        cases.append(conj([*ok, z3.Not(cond),
                           returns_other(code[program.param_code(param.name)])], ctx))
        ok.append(cond)
    # the k-th requirement is the k-th Require step (several may share a code)
    steps = [n for n, st in enumerate(program.steps) if isinstance(st, cgen.Require)]
    for req, req_code, index in zip(spec.requires, program.require_codes, steps, strict=True):
        before = [model.in64(enc.value(v)) for v in program.checked_values(index)]
        cases.append(conj([*ok, *before, z3.Not(enc.formula(req.condition)),
                           returns_other(code[req_code])], ctx))
        ok.append(enc.formula(req.condition))  # a later requirement's code only after this one
    return disj(cases, ctx)


def property_statements(program: cgen.Program) -> dict[str, str]:
    """What each property of ``program``'s function states (no solving needed to know it)."""
    return dict(_statements(program))


@cache
def _statements(program: cgen.Program) -> tuple[tuple[str, str], ...]:
    # cached: printing the SymPy values costs milliseconds, asked at listing and at building
    fname = "symconv_" + program.name
    spec = program.spec
    fits_text = ", ".join(str(v) for v in program.checked_values())
    return tuple({
        "no-overflow": f"{fname}: no signed overflow on any path, for every int64 input",
        "no-div-zero": f"{fname}: no division by zero on any path, for every int64 input",
        "correct": f"{fname} returns 0 only inside the domain, and then writes "
                   f"{', '.join(str(r) for r in spec.results)}; on error the outputs are "
                   "untouched",
        "complete": f"{fname} returns 0 for every input in the domain where these fit int64: "
                    f"{fits_text}",
        "error-codes": f"{fname}: the first violated parameter condition, or a violated "
                       "requirement, gets its SYMCONV_E_* code",
    }.items())


def mul_contract_queries(unit: Unit, ctx: z3.Context) -> list[Query]:
    """symconv__mul's contract, proved on its text (the other helpers are inlined), in parts,
    in the integer encoding (:class:`~symconv.codegen.csem.Encoding`)."""
    fn = unit.functions["symconv__mul"]
    model = Model(unit, ctx, contracts=False, encoding=Encoding.INTEGER)
    frame = model._frame()
    x, y = model.input("x"), model.input("y")
    store = {frame.prefix + "x": Val("s", x), frame.prefix + "y": Val("s", y),
             "cell.r": Val("s", model.input("r_initial"))}
    frame.pointers["r"] = "cell.r"
    outcomes = model.run(fn, Path((), store), frame)
    product = model.z(model.mul(x, y))
    fits = z3.And(product >= INT64_MIN, product <= INT64_MAX)
    pre = z3.And(model.z(x) >= 0, model.z(y) >= 0)
    initial = model.z(model.input("r_initial"))

    def bad(holds: Callable[[z3.BoolRef, z3.ArithRef], z3.BoolRef]) -> z3.BoolRef:
        return disj([conj([*p_.conds, z3.Not(holds(model.z(v_.poly) == 0,
                                                    model.z(p_.store["cell.r"].poly)))], ctx)
                     for p_, v_ in outcomes], ctx)

    parts = {
        "no-overflow": z3.Or(_neg_obligations(model, "overflow"),
                             _neg_obligations(model, "div-zero")),
        "sound": bad(lambda ret0, r: z3.Implies(ret0, z3.And(fits, r == product, product >= 0))),
        "complete": bad(lambda ret0, r: z3.Implies(fits, ret0)),
        "untouched": bad(lambda ret0, r: z3.Implies(z3.Not(ret0), r == initial)),
    }
    return [Query(tid, "helper-mul", tid.rsplit(".", 1)[1], statement,
                  conj([*model.facts, pre, parts[part]], ctx), ("x", "y"), dict(model.inputs),
                  cgen.HEADER)
            for (tid, statement), part in zip(mul_statements(), MUL_PARTS, strict=True)]


MUL_PARTS = {
    "no-overflow": "no signed overflow, no division by zero",
    "sound": "returns 0 only when x*y fits int64, and then r = x*y >= 0",
    "complete": "returns 0 whenever x*y fits int64",
    "untouched": "r is untouched when it returns nonzero",
}


def mul_statements() -> list[tuple[str, str]]:
    """(theorem id, statement) of each part of symconv__mul's contract, in query order."""
    return [(f"gen.c.helper.mul.{part}", f"symconv__mul(x, y, &r) with x, y >= 0: {text}")
            for part, text in MUL_PARTS.items()]


def queries(header: cgen.Header = cgen.HEADER, text: str | None = None) -> list[Query]:
    """Every property of ``header`` (its rendered text, or ``text``); the helpers' contracts
    only where the header defines them — a header that includes another relies on its proofs."""
    unit = header.unit(text)
    # one fresh Z3 context per group: the SMT-LIB text then depends on nothing else in the process
    out = [*division_queries(z3.Context()), *mul_contract_queries(unit, z3.Context())
           ] if header.helpers else []
    for program in header.programs:
        out.extend(function_queries(unit, program, header))
    return out


@cache
def generated_queries(header: cgen.Header = cgen.HEADER) -> tuple[Query, ...]:
    return tuple(queries(header))


def division_queries(ctx: z3.Context) -> list[Query]:
    """Each fact the function proofs assume of C's ``/`` and ``%``, for every int64 ``n`` and
    ``d`` where ``n / d`` is defined, with ``q`` and ``r`` the standard's quotient and remainder
    (:func:`~symconv.codegen.csem.truncating_quotient`, ``r = n - q·d``)."""
    n, d, q, r = (z3.Int(name, ctx) for name in ("n", "d", "q", "r"))
    given = [defined(n, d), q == truncating_quotient(n, d), r == n - q * d]
    out = []
    for index, fact in enumerate(division_fact_list(n, d, q, r), 1):
        out.append(Query(
            f"gen.c.helper.division.fact-{index}", "helper-division", f"fact-{index}",
            f"q = n / d, r = n % d (C, truncating) for int64 n, d != 0, not INT64_MIN / -1: "
            f"{fact}".replace("\n", " "),
            conj([*given, z3.Not(fact)], ctx), ("n", "d"), {"n": n, "d": d}, cgen.HEADER))
    return out
