"""Translation validation of the generated C headers: the emitted C text, parsed back
(:mod:`symconv.codegen.cparse`) and executed symbolically (:mod:`symconv.codegen.cexec`) — one
path per ``return``, helpers inlined — is proved against the specs by Z3 for every 64-bit input.

The layers, each in its own module:

* :mod:`~symconv.codegen.cpoly` — canonical polynomials over opaque atoms (pure);
* :mod:`~symconv.codegen.csem` — C integer semantics over them, in Z3 (bit-vectors, exact; or
  integers with products and quotients abstracted by their proved contracts);
* :mod:`~symconv.codegen.cexec` — symbolic execution of the parsed C;
* :mod:`~symconv.codegen.cspec` — the spec's SymPy expressions in the same terms;
* :mod:`~symconv.codegen.cqueries` — each property as a Z3 query, its statement, its SMT-LIB2;
* this module — checking a query (refining a spurious abstract counterexample on the exact
  model, re-running a real one in plain Python with :mod:`symconv.codegen.cinterp`), and the
  theorem and artifact registries.

The helper proofs — ``symconv__mul`` (division-free overflow check through bit lengths and an
unsigned product) and the facts about truncating division (``gen.c.helper.division.fact-N``) —
use the exact integer encoding (the C standard's definitions, and SMT-LIB's of the bit-vector
operations: milliseconds where bit-blasting the 64-bit multiplier and divider took seconds);
the function bodies use abstract integers: with every product and quotient replaced by a fresh
value constrained only by the helper's proved contract / the division facts, a body is linear,
and bit-blasted linear range reasoning (``x <= INT64_MAX - y ⇒ x + y <= INT64_MAX`` over wide
adders) times out where linear integer arithmetic is instant. ``unsat`` is a proof; a ``sat``
is re-decided on the exact bit-vector model before a counterexample is reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache, cache

import sympy as sp
import z3

from symconv.artifacts import Part, files_of
from symconv.codegen import c as cgen
from symconv.codegen.cexec import Model
from symconv.codegen.cinterp import INT64_MAX, INT64_MIN, Interpreter, Undefined
from symconv.codegen.cparse import Unit
from symconv.codegen.cqueries import (
    PROPERTIES, Query, division_queries, function_queries, generated_queries,
    mul_contract_queries, mul_statements, property_statements, queries,
)
from symconv.codegen.csem import W, ValidationError
from symconv.codegen.cspec import SpecEncoder, magnitude_bits
from symconv.evaluate import EvaluationError, evaluate
from symconv.prover import Evaluation, Result, Status
from symconv.theorems import Theorem

__all__ = [
    "DEFAULT_TIMEOUT",
    "PROPERTIES",
    "REFINE_TRIES",
    "Model",
    "Query",
    "SpecEncoder",
    "ValidationError",
    "W",
    "artifacts",
    "check",
    "division_queries",
    "function_queries",
    "generated_queries",
    "header_artifacts",
    "header_theorems",
    "magnitude_bits",
    "mul_contract_queries",
    "queries",
    "reevaluate",
    "theorems",
]

DEFAULT_TIMEOUT = 60.0
REFINE_TRIES = 50  # spurious abstract counterexamples tried before the exact model


# --- checking and counterexamples -------------------------------------------------------------

def check(query: Query, timeout: float = DEFAULT_TIMEOUT, text: str | None = None) -> Result:
    start = time.perf_counter()
    solver = _solver(query.negation.ctx)
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(query.negation)
    verdict = solver.check()
    if verdict == z3.unsat:
        return Result(Status.PROVED, time.perf_counter() - start)
    if verdict == z3.sat and query.abstract:
        # the abstraction may allow a spurious counterexample: keep it only if the C, run in
        # plain Python, really violates the property there; otherwise decide on the exact terms
        source = text if text is not None else query.header.render()
        for _ in range(REFINE_TRIES):
            model = solver.model()
            cx = {name: model.eval(var, model_completion=True).as_long()
                  for name, var in sorted(query.variables.items())}
            evaluations = reevaluate(query, cx, source)
            if any(e.holds is False for e in evaluations):
                return Result(Status.REFUTED, time.perf_counter() - start, counterexample=cx,
                              evaluations=evaluations,
                              reason="violation re-evaluated in plain Python")
            solver.add(z3.Or(*(query.variables[name] != value
                               for name, value in cx.items() if name in query.inputs)))
            # refine: where the model's quotients were not C's, pin them to C's at those values
            for n, d, q, r in query.divisions:
                n0, d0 = (model.eval(x, model_completion=True).as_long() for x in (n, d))
                if d0 != 0 and INT64_MIN <= n0 <= INT64_MAX and INT64_MIN <= d0 <= INT64_MAX:
                    q0 = abs(n0) // abs(d0) * (1 if (n0 < 0) == (d0 < 0) else -1)
                    solver.add(z3.Implies(z3.And(n == n0, d == d0),
                                          z3.And(q == q0, r == n0 - q0 * d0)))
            if time.perf_counter() - start > timeout / 2 or solver.check() != z3.sat:
                break
        exact = next(q for q in function_queries(
            query.header.unit(source), query.header.program(query.function), query.header,
            abstract=False) if q.prop == query.prop)
        result = check(exact, max(1.0, timeout - (time.perf_counter() - start)), source)
        return replace(result, seconds=time.perf_counter() - start)
    if verdict == z3.sat:
        model = solver.model()
        cx = {name: _integer(model.eval(var, model_completion=True))
              for name, var in sorted(query.variables.items())}
        evaluations = reevaluate(query, cx, text if text is not None else query.header.render())
        return Result(Status.REFUTED, time.perf_counter() - start, counterexample=cx,
                      evaluations=evaluations,
                      reason="violation re-evaluated in plain Python" if any(
                          e.holds is False for e in evaluations)
                      else "counterexample did NOT re-evaluate to a violation")
    return Result(Status.UNKNOWN, time.perf_counter() - start,
                  reason=solver.reason_unknown() or "unknown")


def _solver(ctx: z3.Context) -> z3.Solver:
    """Z3's default solver after its simplifier: on these queries the plain solver's search
    depends on how the terms happen to be ordered (0.01 s or 2 s for the same error-codes
    query), the simplified problem does not (every query well under a second)."""
    return z3.Then("simplify", "smt", ctx=ctx).solver()


def _integer(value: z3.ExprRef) -> int:
    """A model's value of an int64 variable: a 64-bit vector read as signed, or an integer."""
    if isinstance(value, z3.BitVecNumRef):
        return int(value.as_signed_long())
    assert isinstance(value, z3.IntNumRef)
    return int(value.as_long())


def reevaluate(query: Query, cx: dict[str, int], text: str) -> tuple[Evaluation, ...]:
    """Run the C text on the counterexample in plain Python and evaluate the violated property."""
    interp = Interpreter(query.header.unit(text))
    if query.function == "helper-division":
        n, d = cx["n"], cx["d"]
        q = abs(n) // abs(d) * (1 if (n < 0) == (d < 0) else -1)
        return (Evaluation(f"fact at n={n}, d={d}: q={q}, r={n - q * d}", None, None, False),)
    if query.function == "helper-mul":
        try:
            ret, outs = interp.call("symconv__mul", {"x": cx["x"], "y": cx["y"]})
        except Undefined as exc:
            return (Evaluation(str(exc), None, None, False),)
        product = cx["x"] * cx["y"]
        fits = INT64_MIN <= product <= INT64_MAX
        if (ret == 0) != fits:
            return (Evaluation("returns 0 iff x*y fits int64", ret, product, False),)
        return (Evaluation("r == x*y", outs["r"], product, outs["r"] == product or ret != 0),)
    program = query.header.program(query.function)
    codes = query.header.code_values
    spec = program.spec
    env = {p_.name: cx[p_.name] for p_ in spec.params}
    try:
        ret, outs = interp.call("symconv_" + program.name, env)
    except Undefined as exc:
        holds = query.prop not in ("no-overflow", "no-div-zero") or exc.kind != (
            "overflow" if query.prop == "no-overflow" else "div-zero")
        return (Evaluation(str(exc), None, None, holds),)
    if query.prop in ("no-overflow", "no-div-zero"):
        return (Evaluation("no undefined behaviour at the counterexample", ret, None, True),)
    domain = _truth(spec.domain, env)
    if query.prop == "correct":
        if ret != 0:
            return (Evaluation("outputs untouched on error", None, None, all(
                v == 0 for v in outs.values())),)
        rows = [Evaluation("return 0 only in the domain", ret, 0, domain)]
        for ptr, res in zip(program.pointers, spec.results, strict=True):
            want = evaluate(res, env) if domain else None
            rows.append(Evaluation(f"*{ptr} == {res}", outs[ptr],
                                   want if isinstance(want, int) else None,
                                   domain and outs[ptr] == want))
        return tuple(rows)
    if query.prop == "complete":
        fits = all(INT64_MIN <= int(evaluate(v, env)) <= INT64_MAX
                   for v in program.checked_values()) if domain else False
        return (Evaluation("return value in the domain where the intermediates fit", ret, 0,
                           not (domain and fits) or ret == 0),)
    ok = True
    for param in spec.params:
        if not _truth(param.check.condition, env):
            want = codes[program.param_code(param.name)]
            return (Evaluation(f"code for {param.name}", ret, want, ret == want),)
    for req, req_code in zip(spec.requires, program.require_codes, strict=True):
        if ok and not _truth(req.condition, env):
            want = codes[req_code]
            return (Evaluation(f"code for {req_code}", ret, want, ret == want),)
    return (Evaluation("a violated condition exists", None, None, True),)


def _truth(cond: sp.Basic, env: dict[str, int]) -> bool:
    try:
        return evaluate(cond, env) is True
    except EvaluationError:
        return False


# --- registries ---------------------------------------------------------------------------------

_HEADERS: dict[str, cgen.Header] = {}


def group_queries(header: cgen.Header, group: str) -> tuple[Query, ...]:
    """The queries of one function of ``header`` (or of ``helper-division``/``helper-mul``),
    built on first use in a fresh Z3 context; the last few groups are kept, so a function's
    properties share one symbolic execution and memory holds only what is being proved."""
    if _HEADERS.get(header.path) is not header:
        _HEADERS[header.path] = header
        _group_queries.cache_clear()
        _unit.cache_clear()
    return _group_queries(header.path, group)


@lru_cache(maxsize=4)
def _group_queries(path: str, group: str) -> tuple[Query, ...]:
    header = _HEADERS[path]
    if group == "helper-division":
        return tuple(division_queries(z3.Context()))
    if group == "helper-mul":
        return tuple(mul_contract_queries(_unit(path), z3.Context()))
    return tuple(function_queries(_unit(path), header.program(group), header))


@cache
def _unit(path: str) -> Unit:
    return _HEADERS[path].unit()


def _checker(header: cgen.Header, group: str, tid: str) -> Callable[[float], Result]:
    def run(timeout: float) -> Result:
        return check(next(q for q in group_queries(header, group) if q.tid == tid), timeout)

    return run


def header_theorems(header: cgen.Header, group: str = "codegen-c") -> list[Theorem]:
    """One theorem per property; a function's queries are built (symbolic execution, tens of
    milliseconds) only when one of its theorems is checked, so listing and selecting stay fast.
    A function's theorems share a batch: run together, they share that execution."""
    helpers = [*(("helper-division", q.tid, q.statement)
                 for q in division_queries(z3.Context())),
               *(("helper-mul", tid, st) for tid, st in mul_statements())
               ] if header.helpers else []
    functions = [(program.name, f"{header.tid_prefix}.{program.name}.{prop}", statement)
                 for program in header.programs
                 for prop, statement in property_statements(program).items()]
    return [Theorem(tid, group, statement, _checker(header, name, tid),
                    batch=f"{header.path}:{name}")
            for name, tid, statement in (*helpers, *functions)]


def header_artifacts(header: cgen.Header) -> dict[str, str]:
    return files_of(header_artifact_parts(header))


def header_artifact_parts(header: cgen.Header) -> list[Part]:
    """The SMT-LIB files of ``header``, one part per function (and helper group), in the batch
    of that function's theorems: rendered with them, the queries are built once."""
    names = [*(("helper-division", "helper-mul") if header.helpers else ()),
             *(program.name for program in header.programs)]
    return [(f"{header.proof_dir}/{name}", f"{header.path}:{name}", _smt2_of(header, name))
            for name in names]


def _smt2_of(header: cgen.Header, group: str) -> Callable[[], dict[str, str]]:
    return lambda: {q.path: q.smt2() for q in group_queries(header, group)}


def theorems() -> list[Theorem]:
    return header_theorems(cgen.HEADER)


def artifacts() -> dict[str, str]:
    return header_artifacts(cgen.HEADER)


def artifact_parts() -> list[Part]:
    return header_artifact_parts(cgen.HEADER)
