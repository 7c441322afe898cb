"""Translation validation of a network's generated shape function, Python and C, from the
emitted TEXT (never imported or run).

Python (``net.py.<function>``): the function is read back with :mod:`symconv.pysem` and Z3
proves, for every integer input: it returns exactly on V (the conjunction of every layer's
conditions, in SymPy from the study's terms); whatever it raises is a ``ValueError``; on V it
returns the tuple of the output's closed forms; and where the first violated condition is the
j-th check (parameters first, then the layers' conditions in order), the message it raises is
that check's (so it names the first refusing layer and the framework's message).

C (``net.c.<function>.<property>``): the five properties of the core helpers
(:mod:`symconv.codegen.cqueries`): no overflow, no division by zero, correct, complete where
the listed intermediates fit, and the error codes (the first refusing layer's code).

A refutation's counterexample is re-evaluated: the spec side by the layer-by-layer evaluation of
the study's terms (:meth:`~symconv.network.analysis.Analysis.first_refusal`), the code side from
the text (pysem's path at that point; C by :mod:`symconv.codegen.cinterp`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import z3

from symconv.artifacts import banner
from symconv.codegen import validate_python as vp
from symconv.codegen import validate_rust as vr
from symconv.codegen.cqueries import Query
from symconv.network.codegen import NetworkCode
from symconv.prover import Evaluation, Result, Status
from symconv.z3bridge import Z3Translator


@dataclass(frozen=True, slots=True)
class Proof:
    id: str
    statement: str
    result: Result


def python_statement(code: NetworkCode) -> str:
    return (f"{code.python_path} {code.function}, read back from its text: for every integer "
            "input, returns exactly on V and then the output's closed forms, raises only "
            "ValueError, with the message of the first violated check (the first refusing "
            "layer and the framework's message)")


def python_query(code: NetworkCode, source: str) -> vp.Query:
    """The claim about ``source`` (raises :class:`symconv.pysem.Unsupported` outside the
    translated subset)."""
    from symconv.pysem import Kind, translate_function

    spec = code.spec
    sem = translate_function(source, spec.name)
    if sem.params != code.params:
        raise ValueError(f"{spec.name}: the text's parameters {sem.params} are not "
                         f"{code.params}")
    tr = Z3Translator()
    domain = tr.translate(spec.domain)
    checks = [tr.translate(p.check.condition) for p in spec.params]
    checks += [tr.translate(c.condition) for c in spec.requires]
    messages = [code.param_message(j) for j in range(len(spec.params))]
    messages += [code.refusal_message(r) for r in code.refusals]
    returned = [sem.return_term(j) == tr.translate(r) for j, r in enumerate(spec.results)]
    first: list[z3.BoolRef] = []
    for j, (check, message) in enumerate(zip(checks, messages, strict=True)):
        says = sem.condition(lambda o, m=message: o.kind is Kind.RAISE  # type: ignore[misc]
                             and o.exception == "ValueError" and o.message == m)
        first.append(z3.Implies(z3.And(*checks[:j], z3.Not(check)), says))
    claim = z3.And(sem.returns() == domain,
                   z3.Implies(sem.raises(None), sem.raises("ValueError")),
                   z3.Implies(domain, z3.And(*returned)), *first)
    variables = {p: z3.Int(p) for p in code.params}
    return vp.Query(spec, claim, z3.Not(claim), variables)


def prove_python(code: NetworkCode, source: str | None = None, timeout: float = 30.0,
                 query: vp.Query | None = None) -> Result:
    """The Python claim about ``source`` (default: the rendering), or a ``query`` built."""
    from symconv.pysem import Unsupported

    text = code.render_python() if source is None else source
    start = time.perf_counter()
    try:
        q = python_query(code, text) if query is None else query
    except (Unsupported, ValueError) as exc:
        return Result(Status.UNKNOWN, time.perf_counter() - start,
                      reason=f"not translated: {exc}")
    return vp.decide(q, timeout, start, lambda cx: _explained(code, text, cx))


def _explained(code: NetworkCode, text: str, cx: dict[str, int]
               ) -> tuple[tuple[Evaluation, ...], str]:
    evaluations = explain_python(code, text, cx)
    bad = [e.text for e in evaluations if e.holds is False]
    return evaluations, (("violation re-evaluated in plain Python: " + "; ".join(bad)) if bad
                         else "counterexample did NOT re-evaluate to a violation")


def reference(code: NetworkCode, point: dict[str, int]
              ) -> tuple[tuple[int, ...] | None, str | None]:
    """The dumb reference at ``point`` (parameter names): the output's sizes (the subject's
    reference: layer by layer, or the traced paths), or the message the first refusing
    condition calls for (parameters first)."""
    for j, p in enumerate(code.params):
        if point[p] < 1:
            return None, code.param_message(j)
    env = {axis: point[p] for axis, p in zip(code.subject.axes, code.params, strict=True)}
    outputs, refusal = code.subject.reference(env)
    if refusal is not None:
        found = next(r for r in code.refusals if (r.layer, r.message) == refusal)
        return None, code.refusal_message(found)
    return outputs, None


def explain_python(code: NetworkCode, source: str, cx: dict[str, int]
                   ) -> tuple[Evaluation, ...]:
    """The text's outcome at ``cx`` (its translated path) against the reference."""
    from symconv.pysem import Kind, as_python, translate_function

    outcome = translate_function(source, code.function).at(cx)
    want, message = reference(code, cx)
    call = f"{code.function}({', '.join(str(v) for v in cx.values())})"
    expected = f"returns {want}" if want is not None else f"raises ValueError({message!r})"
    if outcome.kind is Kind.RETURN:
        got = as_python(outcome.value)
        got_t = tuple(got) if isinstance(got, tuple | list) else got
        return (Evaluation(f"{call} returns {got_t}; the layers give: {expected}", None, None,
                           want is not None and got_t == want),)
    said = outcome.message if outcome.exception == "ValueError" else ""
    return (Evaluation(f"{call} raises {outcome.exception}({said!r}); the layers give: "
                       f"{expected}", None, None, message is not None and said == message),)


def c_proofs(code: NetworkCode, text: str | None = None, timeout: float = 30.0,
             queries: Sequence[Query] | None = None) -> list[Proof]:
    """The C properties of ``text`` (default: the rendering), or of ``queries`` built."""
    from symconv.codegen.validate_c import check

    source = code.render_c() if text is None else text
    if queries is None:
        queries = c_queries(code, source)
    return [Proof(q.tid, q.statement, check(q, timeout, source)) for q in queries]


def c_queries(code: NetworkCode, source: str) -> list[Query]:
    from symconv.codegen.cqueries import function_queries

    return function_queries(code.header.unit(source), code.program, code.header)


def prove_and_record(code: NetworkCode, timeout: float = 30.0
                     ) -> tuple[list[Proof], dict[str, str]]:
    """Every proof of the rendered code, and the SMT-LIB2 of each query (``unsat`` = proved)
    as files under ``proofs/``: each query built once."""
    text = code.render_python()
    files: dict[str, str] = {}
    try:
        pq: vp.Query | None = python_query(code, text)
    except Exception:  # reported by prove_python as unknown, with the reason
        pq = None
    if pq is not None:
        path = f"{code.proof_dir}/python.smt2"
        files[path] = (banner(path, code.command)
                       + f"; Translation validation of {code.function} in {code.python_path}.\n"
                       + f"; {python_statement(code)}.\n; expected: unsat (z3 {path})\n"
                       + _smt2(pq.negation))
    py = Proof(f"net.py.{code.function}", python_statement(code),
               prove_python(code, text, timeout, pq))
    from symconv.codegen.cqueries import PROPERTIES
    from symconv.codegen.csem import ValidationError

    start = time.perf_counter()
    try:
        queries = c_queries(code, code.render_c())
    except ValidationError as exc:  # outside the C model (a spec wider than its bit-vectors)
        unknown = Result(Status.UNKNOWN, time.perf_counter() - start,
                         reason=f"not translated: {exc}")
        return [py, *(Proof(f"{code.header.tid_prefix}.{code.function}.{prop}", prop, unknown)
                      for prop in PROPERTIES)], files
    for q in queries:
        files[q.path] = banner(q.path, code.command) + q.smt2().split("\n", 1)[1]
    rust, rust_files = rust_proofs(code, timeout=timeout)
    return [py, *c_proofs(code, timeout=timeout, queries=queries), *rust], {**files, **rust_files}


def rust_queries(code: NetworkCode, source: str | None = None) -> list[vr.Query]:
    """The Rust properties of ``source`` (default: the rendering), parsed back."""
    from symconv.codegen.rsparse import parse

    text = code.render_rust() if source is None else source
    f, _ = code.rust
    return vr.function_queries(parse({code.rust_path: text}), f, "net.rs",
                               f"{code.proof_dir}/rust", code.rust_path)


def rust_proofs(code: NetworkCode, source: str | None = None, timeout: float = 30.0
                ) -> tuple[list[Proof], dict[str, str]]:
    """The Rust properties of ``source`` (default: the rendering) and their SMT-LIB files."""
    from symconv.codegen.csem import ValidationError
    from symconv.codegen.rsparse import RustSyntaxError, parse

    text = code.render_rust() if source is None else source
    f, _ = code.rust
    start = time.perf_counter()
    try:
        unit = parse({code.rust_path: text})
        queries = rust_queries(code, text)
    except (ValidationError, RustSyntaxError) as exc:
        unknown = Result(Status.UNKNOWN, time.perf_counter() - start,
                         reason=f"not translated: {exc}")
        return [Proof(f"net.rs.{f.name}.{prop}", prop, unknown)
                for prop in vr.PROPERTIES], {}
    files = {q.path: banner(q.path, code.command) + q.smt2().split("\n", 1)[1] for q in queries}
    return [Proof(q.tid, q.statement, vr.check(q, f, unit, timeout)) for q in queries], files


def _smt2(negation: z3.BoolRef) -> str:
    """Z3's SMT-LIB2 (shared subterms as lets: the path conditions repeat), its let-names
    renumbered in order of appearance so that the text is deterministic. Printed from a copy in
    a fresh context: Z3 shares a subterm as a let by its reference count, which counts every
    handle still alive elsewhere in the process (another generator's cached terms), so the same
    query printed twice in one process came out with different lets. The arguments of every
    ``and``/``or`` are put in an order of their structure: ``z3.simplify`` (read-back Python's
    path conditions) orders them by AST ids, which depend on what the process made before."""
    from symconv.codegen.cqueries import _renumber

    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    solver.add(canonical(negation.translate(ctx)))
    return _renumber(str(solver.to_smt2()))


def canonical(e: z3.ExprRef) -> z3.ExprRef:
    """``e`` with the arguments of each ``and``/``or`` sorted by a digest of their structure
    (linear in the DAG: each shared subterm digested once)."""
    import hashlib

    memo: dict[int, tuple[z3.ExprRef, str]] = {}

    def walk(x: z3.ExprRef) -> tuple[z3.ExprRef, str]:
        got = memo.get(x.get_id())
        if got is not None:
            return got
        if not z3.is_app(x) or x.num_args() == 0:
            out = (x, hashlib.sha1(x.sexpr().encode()).hexdigest())
        else:
            kids = [walk(c) for c in x.children()]
            if z3.is_and(x) or z3.is_or(x):
                kids.sort(key=lambda k: k[1])
                term = (z3.And if z3.is_and(x) else z3.Or)([k[0] for k in kids])
            else:
                term = x.decl()(*(k[0] for k in kids))
            digest = hashlib.sha1((x.decl().sexpr() + "(" + ",".join(k[1] for k in kids)
                                   + ")").encode()).hexdigest()
            out = (term, digest)
        memo[x.get_id()] = out
        return out

    return walk(e)[0]
