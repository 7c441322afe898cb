"""Translation validation of the generated Rust: the emitted text of ``generated/rust/src`` is
parsed back (:mod:`symconv.codegen.rsparse`), executed symbolically with Rust's semantics
(:mod:`symconv.codegen.rsexec`: exact integers, checked operations, truncating ``/`` and ``%``,
helpers inlined), and Z3 proves for every ``i64`` input (theorem ``gen.rs.<module>.<function>.
<property>``):

* ``no-panic``: no plain ``+ - *`` or unary ``-`` overflows, no ``/`` or ``%`` divides by zero or
  computes ``MIN / -1`` (each would panic in a debug build);
* ``no-wrap``: no ``as i64`` cast of an ``i128`` leaves ``i64``;
* ``correct``: ``Ok`` only inside the domain (every parameter condition and requirement), and
  then each result equals the spec's over unbounded integers;
* ``complete``: every input in the domain whose results fit in ``i64`` gets ``Ok``, however
  large its intermediates (no refusal of a valid input);
* ``error-codes``: the first violated parameter condition (in argument order) gets its variant,
  else the first violated requirement its own, else a result outside ``i64`` gets ``Overflow``.

The spec side is :class:`~symconv.codegen.cspec.SpecEncoder` over the same model, so a quantity
computed alike on both sides is the same Z3 term. ``unsat`` is a proof; a ``sat`` model is re-run
on the text in plain Python (:class:`~symconv.codegen.rsexec.RustInterpreter`) and compared with
:func:`symconv.codegen.rust.expected` before it is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

import z3

from symconv.artifacts import Part, banner, files_of
from symconv.codegen import rust as rgen
from symconv.codegen.cqueries import _renumber
from symconv.codegen.csem import ValidationError, conj, disj, lnot
from symconv.codegen.cspec import SpecEncoder
from symconv.codegen.rsexec import Outcome, Res, RustInterpreter, RustModel, RustPanic, execute
from symconv.codegen.rsparse import Unit, parse
from symconv.prover import Evaluation, Result, Status
from symconv.theorems import Theorem

PROPERTIES = ("no-panic", "no-wrap", "correct", "complete", "error-codes")
GROUP = "codegen-rust"
PROOF_DIR = "proofs/rust"
TID_PREFIX = "gen.rs"


@dataclass(frozen=True, slots=True)
class Query:
    """A property as a Z3 formula whose unsatisfiability proves it."""

    tid: str
    function: str
    prop: str
    statement: str
    negation: z3.BoolRef
    variables: dict[str, z3.ArithRef]
    path: str  # the SMT-LIB file, under generated/

    def smt2(self) -> str:
        solver = z3.Solver(ctx=self.negation.ctx)
        solver.add(self.negation)
        head = (banner(self.path) + f"; {self.tid}: {self.statement}\n; expected: unsat\n")
        return head + _renumber(str(solver.to_smt2()))


def statements(f: rgen.RustFunction, where: str) -> dict[str, str]:
    name = f"{where} {f.name}"
    return {
        "no-panic": f"{name}: no arithmetic overflow, division by zero or MIN / -1 panics, for "
                    "every i64 input",
        "no-wrap": f"{name}: no `as i64` cast wraps, for every i64 input",
        "correct": f"{name} returns Ok only inside the domain, and then "
                   f"{', '.join(str(r) for r in f.spec.results) or '()'} over unbounded integers",
        "complete": f"{name} returns Ok for every input in the domain whose results fit in i64",
        "error-codes": f"{name}: the first violated condition gets its ShapeError variant, a "
                       "result outside i64 gets Overflow",
    }


def function_queries(unit: Unit, f: rgen.RustFunction, tid_prefix: str, proof_dir: str,
                     where: str, ctx: z3.Context | None = None) -> list[Query]:
    """The properties of one function of ``unit`` (its text, parsed)."""
    fn = unit.functions.get(f.name)
    if fn is None or not fn.public:
        raise ValidationError(f"the text has no public function {f.name}")
    if tuple(p_.name for p_ in fn.params) != f.params:
        raise ValidationError(f"{f.name}: parameters {[p_.name for p_ in fn.params]} are not "
                              f"{list(f.params)}")
    model = RustModel(unit, ctx or z3.Context())
    outcomes = execute(model, fn)
    negations = _negations(model, f, outcomes)
    texts = statements(f, where)
    return [Query(f"{tid_prefix}.{f.name}.{prop}", f.name, prop, texts[prop],
                  conj([*model.facts, negations[prop]], model.ctx), dict(model.inputs),
                  f"{proof_dir}/{f.name}-{prop}.smt2")
            for prop in PROPERTIES]


def _negations(model: RustModel, f: rgen.RustFunction,
               outcomes: list[Outcome]) -> dict[str, z3.BoolRef]:
    ctx, spec = model.ctx, f.spec
    enc = SpecEncoder(model)
    domain = enc.formula(spec.domain)
    results = [enc.value(r) for r in spec.results]
    fits = [model.in_range(r, "i64") for r in results]
    answers: list[tuple[z3.BoolRef, Res]] = []
    for o in outcomes:
        if not isinstance(o.value, Res):
            raise ValidationError(f"{f.name}: a path returns {o.value}, not a Result")
        if o.value.ok and len(o.value.values) != len(results):
            raise ValidationError(f"{f.name}: Ok with {len(o.value.values)} values, the spec "
                                  f"has {len(results)}")
        answers.append((conj(o.conds, ctx), o.value))

    def other_than(variant: str) -> z3.BoolRef:
        return disj([c for c, r in answers if r.ok or r.variant != variant], ctx)

    def equal(r: Res) -> z3.BoolRef:
        same = [model.equal(x.poly, y) for x, y in zip(r.values, results, strict=True)]
        return conj([*same, domain], ctx)

    cases: list[z3.BoolRef] = []
    ok: list[z3.BoolRef] = []
    for cond, variant in (*f.checks, *zip((c.condition for c in spec.requires),
                                          f.require_variants, strict=True)):
        holds = enc.formula(cond)
        cases.append(conj([*ok, z3.Not(holds), other_than(variant)], ctx))
        ok.append(holds)
    cases.append(conj([domain, lnot(conj(fits, ctx)), other_than(rgen.OVERFLOW)], ctx))

    def broken(kind: str) -> z3.BoolRef:
        return disj([conj([*ob.path, z3.Not(ob.safe)], ctx) for ob in model.rust_obligations
                     if ob.kind == kind], ctx)

    return {
        "no-panic": broken("panic"),
        "no-wrap": broken("wrap"),
        "correct": disj([conj([c, lnot(equal(r))], ctx) for c, r in answers if r.ok], ctx),
        "complete": conj([domain, *fits, disj([c for c, r in answers if not r.ok], ctx)], ctx),
        "error-codes": disj(cases, ctx),
    }


# --- what every proof assumes of the spec side's floor and modulo ------------------------------

ENCODING_STATEMENTS = {
    "floor": "the spec side's floor(n/m) (the truncating quotient minus 1 where the remainder is "
             "nonzero and the signs differ) equals floor(n/m), for all integers n and m != 0",
    "mod": "the spec side's n mod m (the truncating remainder plus m where it is nonzero and the "
           "signs differ) equals n - m*floor(n/m), for all integers n and m != 0",
}


def encoding_queries(ctx: z3.Context) -> list[Query]:
    """The floor and modulo of :class:`SpecEncoder` (every Rust proof's spec side) against
    their definitions, over unbounded integers. Floor: against Z3's integer division, which is
    the floor for a positive divisor (``floor(n/m) = floor(-n/-m)`` otherwise). Modulo: its
    identity with the floor, for any quotient q (the remainder being n - q*m), so the product
    stays linear in what Z3 must decide."""
    model = RustModel(Unit({}, {}), ctx)
    enc = SpecEncoder(model)
    n, m = z3.Int("n", ctx), z3.Int("m", ctx)
    pn, pm = model.atom(n), model.atom(m)
    floor = z3.If(m > 0, n / m, (-n) / (-m))
    floor_neg = z3.And(m != 0, model.z(enc.floordiv(pn, pm)) != floor)
    q = z3.Int("q", ctx)
    r = n - q * m
    adjust = z3.And(r != 0, (n < 0) != (m < 0))
    mod_neg = z3.And(m != 0, z3.If(adjust, r + m, r) != n - m * z3.If(adjust, q - 1, q))
    return [Query(f"{TID_PREFIX}.spec.{name}", "spec", name, ENCODING_STATEMENTS[name], neg,
                  {"n": n, "m": m}, f"{PROOF_DIR}/spec-{name}.smt2")
            for name, neg in (("floor", floor_neg), ("mod", mod_neg))]


# --- checking ----------------------------------------------------------------------------------

DEFAULT_TIMEOUT = 60.0


def check(query: Query, f: rgen.RustFunction, unit: Unit,
          timeout: float = DEFAULT_TIMEOUT) -> Result:
    start = time.perf_counter()
    solver = z3.Then("simplify", "smt", ctx=query.negation.ctx).solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(query.negation)
    verdict = solver.check()
    if verdict == z3.unsat:
        return Result(Status.PROVED, time.perf_counter() - start)
    if verdict == z3.sat:
        model = solver.model()
        cx = {name: model.eval(var, model_completion=True).as_long()
              for name, var in sorted(query.variables.items())}
        evaluations = reevaluate(query, f, unit, cx)
        real = any(e.holds is False for e in evaluations)
        return Result(Status.REFUTED, time.perf_counter() - start, counterexample=cx,
                      evaluations=evaluations,
                      reason="violation re-evaluated in plain Python" if real
                      else "counterexample did NOT re-evaluate to a violation")
    return Result(Status.UNKNOWN, time.perf_counter() - start,
                  reason=solver.reason_unknown() or "unknown")


def reevaluate(query: Query, f: rgen.RustFunction, unit: Unit,
               cx: dict[str, int]) -> tuple[Evaluation, ...]:
    """Run the text on the counterexample in plain Python and judge the property there."""
    args = {n: cx[n] for n in f.params}
    want = rgen.expected(f, args)
    try:
        got = RustInterpreter(unit).call(f.name, args)
    except RustPanic as exc:
        holds = query.prop != {"panic": "no-panic", "wrap": "no-wrap"}[exc.kind]
        return (Evaluation(str(exc), None, None, holds),)
    if query.prop in ("no-panic", "no-wrap"):
        return (Evaluation("runs without a panic or a wrap", None, None, True),)
    text = f"{f.name}({', '.join(f'{n}={v}' for n, v in args.items())})"
    return (Evaluation(f"{text}: the text answers {got}, the spec {want}", None, None,
                       got == want),)


# --- the crate's theorems and certificates ----------------------------------------------------

@cache
def crate_unit() -> Unit:
    return parse(rgen.source_files())


@lru_cache(maxsize=4)
def group_queries(name: str) -> tuple[Query, ...]:
    f = _function(name)
    return tuple(function_queries(crate_unit(), f, f"{TID_PREFIX}.{f.module}",
                                  f"{PROOF_DIR}/{f.module}", f"{rgen.ROOT}/src/{f.module}.rs"))


@cache
def _by_name() -> dict[str, rgen.RustFunction]:
    return {f.name: f for f in rgen.functions()}


def _function(name: str) -> rgen.RustFunction:
    return _by_name()[name]


def _checker(name: str, tid: str) -> Callable[[float], Result]:
    def run(timeout: float) -> Result:
        query = next(q for q in group_queries(name) if q.tid == tid)
        return check(query, _function(name), crate_unit(), timeout)

    return run


def _encoding_checker(name: str) -> Callable[[float], Result]:
    def run(timeout: float) -> Result:
        query = next(q for q in encoding_queries(z3.Context()) if q.prop == name)
        start = time.perf_counter()
        solver = z3.Solver(ctx=query.negation.ctx)
        solver.set("timeout", max(1, int(timeout * 1000)))
        solver.add(query.negation)
        verdict = solver.check()
        if verdict == z3.unsat:
            return Result(Status.PROVED, time.perf_counter() - start)
        if verdict == z3.sat:
            model = solver.model()
            cx = {k: model.eval(v, model_completion=True).as_long()
                  for k, v in query.variables.items()}
            n, m = cx["n"], cx["m"]
            q = abs(n) // abs(m) * (1 if (n < 0) == (m < 0) else -1)
            r = n - q * m
            fix = r != 0 and (n < 0) != (m < 0)
            got = (q - 1 if fix else q) if name == "floor" else (r + m if fix else r)
            want = n // m if name == "floor" else n % m
            return Result(Status.REFUTED, time.perf_counter() - start, counterexample=cx,
                          evaluations=(Evaluation(f"{name} at n={n}, m={m}", got, want,
                                                  got == want),),
                          reason="re-evaluated in plain Python")
        return Result(Status.UNKNOWN, time.perf_counter() - start,
                      reason=solver.reason_unknown() or "unknown")

    return run


def theorems() -> list[Theorem]:
    out = [Theorem(f"{TID_PREFIX}.spec.{name}", GROUP, statement, _encoding_checker(name),
                   batch="rust:spec")
           for name, statement in ENCODING_STATEMENTS.items()]
    for f in rgen.functions():
        where = f"{rgen.ROOT}/src/{f.module}.rs"
        for prop, statement in statements(f, where).items():
            tid = f"{TID_PREFIX}.{f.module}.{f.name}.{prop}"
            out.append(Theorem(tid, GROUP, statement, _checker(f.name, tid),
                               batch=f"rust:{f.name}"))
    return out


def artifact_parts() -> list[Part]:
    return [(f"{PROOF_DIR}/spec", "rust:spec",
             lambda: {q.path: q.smt2() for q in encoding_queries(z3.Context())}),
            *((f"{PROOF_DIR}/{f.module}/{f.name}", f"rust:{f.name}", _smt2_of(f.name))
              for f in rgen.functions())]


def _smt2_of(name: str) -> Callable[[], dict[str, str]]:
    return lambda: {q.path: q.smt2() for q in group_queries(name)}


def artifacts() -> dict[str, str]:
    return files_of(artifact_parts())
