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

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import z3

from symconv.artifacts import banner
from symconv.codegen import c as cgen
from symconv.codegen.cexec import Model, Path
from symconv.codegen.cinterp import INT64_MAX, INT64_MIN
from symconv.codegen.cparse import Unit
from symconv.codegen.cpoly import Poly
from symconv.codegen.csem import W, ValidationError, Val, defined, division_fact_list
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
    variables: dict[str, z3.BitVecRef]
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


def _conj(conds: Sequence[z3.BoolRef], ctx: z3.Context | None = None) -> z3.BoolRef:
    if not conds:
        return z3.BoolVal(True, ctx)
    return conds[0] if len(conds) == 1 else z3.And(*conds)


def _neg_obligations(model: Model, kind: str) -> z3.BoolRef:
    cases = [z3.And(_conj(o.path, model.ctx), z3.Not(o.safe)) for o in model.obligations
             if o.kind == kind]
    return z3.Or(*cases) if cases else z3.BoolVal(False, model.ctx)


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
    model = Model(unit, ctx or z3.Context(), abstract=abstract)
    enc = SpecEncoder(model)
    frame = model._frame()
    store: dict[str, Val] = {}
    for name in names:
        store[frame.prefix + name] = Val("s", model.input(name))
    cells = {}
    for ptr in program.pointers:
        cells[ptr] = f"cell.{ptr}"
        frame.pointers[ptr] = cells[ptr]
        store[cells[ptr]] = Val("s", model.input(f"{ptr}_initial"))
    outcomes = []
    for p_, v_ in model.run(fn, Path((), store), frame):
        outcomes.append(_Outcome(_conj(p_.conds, model.ctx), v_.poly,
                                 tuple(p_.store[cells[ptr]].poly for ptr in program.pointers)))
    code = header.code_values
    domain = enc.formula(spec.domain)
    results = [enc.value(r) for r in spec.results]
    initial = [model.input(f"{ptr}_initial") for ptr in program.pointers]
    fits = [model.in64(enc.value(v)) for v in program.checked_values()]

    def ret_is(o: _Outcome, value: int) -> z3.BoolRef:
        return model.z(o.ret) == value

    def outs_equal(o: _Outcome, want: Sequence[Poly]) -> z3.BoolRef:
        return z3.And(*(model.z(a_) == model.z(b_) for a_, b_ in zip(o.outs, want, strict=True)))

    neg: dict[str, z3.BoolRef] = {
        "no-overflow": _neg_obligations(model, "overflow"),
        "no-div-zero": _neg_obligations(model, "div-zero"),
        "correct": z3.Or(*(z3.Or(
            z3.And(o.cond, ret_is(o, 0), z3.Not(z3.And(domain, outs_equal(o, results)))),
            z3.And(o.cond, z3.Not(ret_is(o, 0)), z3.Not(outs_equal(o, initial))))
            for o in outcomes)),
        "complete": z3.And(domain, *fits, z3.Or(*(z3.And(o.cond, z3.Not(ret_is(o, 0)))
                                                  for o in outcomes))),
    }
    cases = []
    ok: list[z3.BoolRef] = []
    for param in spec.params:
        want = code[program.param_code(param.name)]
        cond = enc.formula(param.check.condition)
        cases.append(z3.And(*ok, z3.Not(cond), z3.Or(*(z3.And(o.cond, z3.Not(ret_is(o, want)))
                                                      for o in outcomes))))
        ok.append(cond)
    for req, req_code in zip(spec.requires, program.require_codes, strict=True):
        index = next(n for n, st in enumerate(program.steps)
                     if isinstance(st, cgen.Require) and st.code == req_code)
        before = [model.in64(enc.value(v)) for v in program.checked_values(index)]
        want = code[req_code]
        cases.append(z3.And(*ok, *before, z3.Not(enc.formula(req.condition)), z3.Or(
            *(z3.And(o.cond, z3.Not(ret_is(o, want))) for o in outcomes))))
        ok.append(enc.formula(req.condition))  # a later requirement's code only after this one
    neg["error-codes"] = z3.Or(*cases)

    statements = property_statements(program)
    variables = {**model.inputs}
    facts = model.facts
    return [Query(f"{header.tid_prefix}.{program.name}.{prop}", program.name, prop,
                  statements[prop], z3.And(*facts, neg[prop]) if facts else neg[prop],
                  tuple(names), variables, header, abstract, tuple(model.divisions))
            for prop in PROPERTIES]


def property_statements(program: cgen.Program) -> dict[str, str]:
    """What each property of ``program``'s function states (no solving needed to know it)."""
    fname = "symconv_" + program.name
    spec = program.spec
    fits_text = ", ".join(str(v) for v in program.checked_values())
    return {
        "no-overflow": f"{fname}: no signed overflow on any path, for every int64 input",
        "no-div-zero": f"{fname}: no division by zero on any path, for every int64 input",
        "correct": f"{fname} returns 0 only inside the domain, and then writes "
                   f"{', '.join(str(r) for r in spec.results)}; on error the outputs are "
                   "untouched",
        "complete": f"{fname} returns 0 for every input in the domain where these fit int64: "
                    f"{fits_text}",
        "error-codes": f"{fname}: the first violated parameter condition, or a violated "
                       "requirement, gets its SYMCONV_E_* code",
    }


def mul_contract_queries(unit: Unit, ctx: z3.Context) -> list[Query]:
    """symconv__mul's contract, proved on its text (the other helpers are inlined), in parts."""
    fn = unit.functions["symconv__mul"]
    model = Model(unit, ctx, contracts=False)
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

    def bad(holds: Callable[[z3.BoolRef, z3.BitVecRef], z3.BoolRef]) -> z3.BoolRef:
        cases = []
        for p_, v_ in outcomes:
            ret0 = model.z(v_.poly) == 0
            cases.append(z3.And(_conj(p_.conds, model.ctx), z3.Not(holds(ret0, model.z(
                p_.store["cell.r"].poly)))))
        return z3.Or(*cases)

    parts = {
        "no-overflow": z3.Or(_neg_obligations(model, "overflow"),
                             _neg_obligations(model, "div-zero")),
        "sound": bad(lambda ret0, r: z3.Implies(ret0, z3.And(fits, r == product, product >= 0))),
        "complete": bad(lambda ret0, r: z3.Implies(fits, ret0)),
        "untouched": bad(lambda ret0, r: z3.Implies(z3.Not(ret0), r == initial)),
    }
    zx, zy = model.z(x), model.z(y)
    cases = {"small": z3.And(zx < 2**31, zy < 2**31), "large-x": zx >= 2**31,
             "large-y": z3.And(zx < 2**31, zy >= 2**31)}
    return [Query(tid, "helper-mul", tid.rsplit(".", 1)[1], statement,
                  z3.And(pre, cases[case], parts[part]), ("x", "y"), dict(model.inputs),
                  cgen.HEADER)
            for (tid, statement), (part, case) in zip(
                mul_statements(), itertools.product(MUL_PARTS, MUL_CASES), strict=True)]


MUL_PARTS = {
    "no-overflow": "no signed overflow, no division by zero",
    "sound": "returns 0 only when x*y fits int64, and then r = x*y >= 0",
    "complete": "returns 0 whenever x*y fits int64",
    "untouched": "r is untouched when it returns nonzero",
}
# a case split (the three cases cover every x, y >= 0) keeps each query small
MUL_CASES = {"small": "both < 2^31", "large-x": "x >= 2^31", "large-y": "x < 2^31 <= y"}


def mul_statements() -> list[tuple[str, str]]:
    """(theorem id, statement) of each part of symconv__mul's contract, in query order."""
    return [(f"gen.c.helper.mul.{part}-{case}",
             f"symconv__mul(x, y, &r) with x, y >= 0, {case_text}: {text}")
            for (part, text), (case, case_text) in itertools.product(MUL_PARTS.items(),
                                                                     MUL_CASES.items())]


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
    n64, d64 = z3.BitVec("n", 64, ctx), z3.BitVec("d", 64, ctx)
    n, d = z3.SignExt(W - 64, n64), z3.SignExt(W - 64, d64)
    # The facts are about the mathematical truncating quotient of int64 values; for those (not
    # INT64_MIN / -1) the 64-bit bvsdiv/bvsrem compute it exactly, and are cheaper to reason about.
    q = z3.SignExt(W - 64, n64 / d64)
    r = z3.SignExt(W - 64, z3.SRem(n64, d64))
    out = []
    for index, fact in enumerate(division_fact_list(n, d, q, r), 1):
        out.append(Query(
            f"gen.c.helper.division.fact-{index}", "helper-division", f"fact-{index}",
            f"q = n / d, r = n % d (C, truncating) for int64 n, d != 0, not INT64_MIN / -1: "
            f"{fact}".replace("\n", " "),
            z3.And(defined(n, d), z3.Not(fact)), ("n", "d"), {"n": n64, "d": d64},
            cgen.HEADER))
    return out
