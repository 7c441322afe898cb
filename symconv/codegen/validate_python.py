"""Translation validation of ``generated/python/convshape.py``.

Each per-axis function is read back from the generated TEXT with :mod:`symconv.pysem` (parsed
with ``ast``, never imported or run) and Z3 proves, for every integer input:

* it returns exactly on the spec's domain and raises ``ValueError`` exactly outside it (no other
  exception, no ``ZeroDivisionError``, on any int input);
* where it returns, every returned value equals the spec's result (a ``range`` is compared by
  start and stop: ``range(lo, hi + 1)``).

The same query is written as SMT-LIB2 under ``generated/proofs/python/`` for a stock ``z3``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import sympy as sp
import z3

from symconv.artifacts import banner
from symconv.codegen.python import RANGE_FUNCTIONS, render_module
from symconv.codegen.spec import FUNCTIONS, ShapeFunction
from symconv.evaluate import EvaluationError, evaluate
from symconv.prover import Evaluation, Result, Status
from symconv.theorems import Theorem
from symconv.z3bridge import Z3Translator

PROOF_DIR = "proofs/python"


@dataclass(frozen=True, slots=True)
class Query:
    """``claim`` holds for all integers iff ``negation`` is unsatisfiable."""

    function: ShapeFunction
    claim: z3.BoolRef
    negation: z3.BoolRef
    variables: Mapping[str, z3.ArithRef]


@cache
def query(source: str, spec: ShapeFunction) -> Query:
    """The validation query of ``spec.name`` as written in ``source``, built once per process
    (a function's SMT-LIB file and its theorem both need it).

    Raises :class:`symconv.pysem.Unsupported` when the text leaves the translatable subset.
    """
    from symconv.pysem import translate_function

    for prm in spec.params:
        if prm.name != prm.symbol.name:
            raise ValueError(f"{spec.name}: parameter {prm.name} names symbol {prm.symbol}")
    sem = translate_function(source, spec.name)
    if sem.params != tuple(prm.name for prm in spec.params):
        raise ValueError(
            f"{spec.name}: generated parameters {sem.params} differ from the spec's "
            f"{tuple(prm.name for prm in spec.params)}"
        )
    tr = Z3Translator()
    domain = tr.translate(spec.domain)
    expected = [tr.translate(r) for r in spec.results]
    defined = z3.And(*tr.obligations) if tr.obligations else z3.BoolVal(True)
    is_range = spec.name in RANGE_FUNCTIONS
    returned = []
    for j, want in enumerate(expected):
        got = sem.return_term(j if len(expected) > 1 else None)
        returned.append(got == (want + 1 if is_range and j == 1 else want))
    claim = z3.And(
        sem.returns() == domain,
        z3.Implies(sem.raises(None), sem.raises("ValueError")),
        z3.Implies(domain, z3.And(defined, *returned)),
    )
    variables = {prm.name: z3.Int(prm.name) for prm in spec.params}
    return Query(spec, claim, z3.Not(claim), variables)


_SMT_OPS = {
    z3.Z3_OP_ADD: "+", z3.Z3_OP_SUB: "-", z3.Z3_OP_UMINUS: "-", z3.Z3_OP_MUL: "*",
    z3.Z3_OP_IDIV: "div", z3.Z3_OP_MOD: "mod", z3.Z3_OP_LT: "<", z3.Z3_OP_LE: "<=",
    z3.Z3_OP_GT: ">", z3.Z3_OP_GE: ">=", z3.Z3_OP_EQ: "=", z3.Z3_OP_DISTINCT: "distinct",
    z3.Z3_OP_ITE: "ite", z3.Z3_OP_AND: "and", z3.Z3_OP_OR: "or", z3.Z3_OP_NOT: "not",
    z3.Z3_OP_IMPLIES: "=>",
}


_WIDTH = 96  # a term is written on one line when it fits in this many columns


class _SmtWriter:
    """SMT-LIB2 of one term, from the term's structure only (not Z3's printer, whose let-names
    follow internal AST ids and whose layout may change between Z3 versions): a term on one line
    where it fits in :data:`_WIDTH` columns, else its operator and one argument per line.

    The term is a DAG whose shared subterms the text repeats, so each distinct node is read from
    Z3 once (:meth:`_node`) and its one-line width computed once; only the text is per use."""

    def __init__(self) -> None:
        self._nodes: dict[int, tuple[str, tuple[int, ...]]] = {}  # AST id -> (op or leaf, args)
        self._width: dict[int, int] = {}
        self._flat: dict[int, str] = {}

    def _node(self, ctx: Any, ast: Any) -> int:
        # Z3's C API on raw ASTs: the Python wrappers' checks cost more than the walk itself
        key: int = z3.Z3_get_ast_id(ctx, ast)
        if key in self._nodes:
            return key
        kind = z3.Z3_get_ast_kind(ctx, ast)
        if kind == z3.Z3_NUMERAL_AST:
            v = int(z3.Z3_get_numeral_string(ctx, ast))
            self._nodes[key] = (str(v) if v >= 0 else f"(- {-v})", ())
            return key
        if kind != z3.Z3_APP_AST:
            raise ValueError(f"no SMT-LIB2 rendering for {z3.Z3_ast_to_string(ctx, ast)}")
        decl = z3.Z3_get_app_decl(ctx, ast)
        op = z3.Z3_get_decl_kind(ctx, decl)
        n = z3.Z3_get_app_num_args(ctx, ast)
        if op in (z3.Z3_OP_TRUE, z3.Z3_OP_FALSE):
            self._nodes[key] = ("true" if op == z3.Z3_OP_TRUE else "false", ())
        elif op == z3.Z3_OP_UNINTERPRETED and n == 0:
            self._nodes[key] = (z3.Z3_get_symbol_string(ctx, z3.Z3_get_decl_name(ctx, decl)), ())
        elif op not in _SMT_OPS:
            name = z3.Z3_get_symbol_string(ctx, z3.Z3_get_decl_name(ctx, decl))
            raise ValueError(f"no SMT-LIB2 rendering for {name}")
        elif op in (z3.Z3_OP_AND, z3.Z3_OP_OR) and n < 2:
            if n:  # a one-argument and/or is written as its argument
                self._nodes[key] = self._nodes[self._node(ctx, z3.Z3_get_app_arg(ctx, ast, 0))]
            else:
                self._nodes[key] = ("true" if op == z3.Z3_OP_AND else "false", ())
        else:
            args = tuple(self._node(ctx, z3.Z3_get_app_arg(ctx, ast, j)) for j in range(n))
            self._nodes[key] = (_SMT_OPS[op], args)
        return key

    def width(self, key: int) -> int:
        """Columns of the node written on one line."""
        if key not in self._width:
            op, args = self._nodes[key]
            self._width[key] = (len(op) if not args else
                                len(op) + 2 + sum(self.width(a) + 1 for a in args))
        return self._width[key]

    def flat(self, key: int) -> str:
        if key not in self._flat:
            op, args = self._nodes[key]
            self._flat[key] = op if not args else f"({op} {' '.join(map(self.flat, args))})"
        return self._flat[key]

    def text(self, key: int, indent: int) -> str:
        if self.width(key) + indent <= _WIDTH:
            return self.flat(key)
        op, args = self._nodes[key]
        pad = "\n" + " " * (indent + 2)
        return f"({op}{pad}{pad.join(self.text(a, indent + 2) for a in args)})"

    def term(self, e: z3.ExprRef, indent: int) -> str:
        return self.text(self._node(e.ctx_ref(), e.as_ast()), indent)


def smt2(q: Query) -> str:
    """The query as an SMT-LIB2 script: ``unsat`` means the claim holds for all integers."""
    decls = "".join(f"(declare-fun {name} () Int)\n" for name in sorted(q.variables))
    return f"{decls}(assert\n  {_SmtWriter().term(q.negation, 2)})\n(check-sat)\n"


def check(source: str, spec: ShapeFunction, timeout: float) -> Result:
    """Prove the query; text outside the translatable subset (a float ``/``, say) is ``unknown``
    with the construct named, never proved."""
    from symconv.pysem import Unsupported

    start = time.perf_counter()
    try:
        q = query(source, spec)
    except Unsupported as exc:
        return Result(Status.UNKNOWN, time.perf_counter() - start,
                      reason=f"unsupported: {exc}")
    return decide(q, timeout, start, lambda cx: explain(source, spec, cx))


def decide(q: Query, timeout: float, start: float,
           explain: Callable[[dict[str, int]], tuple[tuple[Evaluation, ...], str]]) -> Result:
    """Solve ``q``'s negation: proved on unsat, unknown with Z3's reason, else refuted with the
    counterexample and ``explain``'s plain-Python evaluation of it (``start``: when the proof
    began, for its time)."""
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(q.negation)
    verdict = solver.check()
    if verdict == z3.unsat:
        return Result(Status.PROVED, time.perf_counter() - start)
    if verdict == z3.unknown:
        return Result(Status.UNKNOWN, time.perf_counter() - start,
                      reason=solver.reason_unknown() or "unknown")
    model = solver.model()
    cx = {
        name: model.eval(var, model_completion=True).as_long()
        for name, var in q.variables.items()
    }
    evaluations, reason = explain(cx)
    return Result(Status.REFUTED, time.perf_counter() - start, counterexample=cx,
                  evaluations=evaluations, reason=reason)


def explain(
    source: str, spec: ShapeFunction, env: Mapping[str, int]
) -> tuple[tuple[Evaluation, ...], str]:
    """The generated function's outcome at ``env`` (from its translation) against the spec's,
    evaluated in plain Python."""
    from symconv.pysem import Kind, as_python, translate_function

    outcome = translate_function(source, spec.name).at(env)
    try:
        in_domain = evaluate(spec.domain, env) is True
    except EvaluationError as exc:
        return (), f"spec undefined at the counterexample: {exc}"
    if outcome.kind is not Kind.RETURN:
        if in_domain:
            return (), f"the function {outcome.describe()} inside the domain"
        if outcome.exception != "ValueError":
            return (), f"the function {outcome.describe()} (expected ValueError)"
        return (), "no violation at this point"
    if not in_domain:
        return (), f"the function {outcome.describe()} outside the domain (expected ValueError)"
    got = as_python(outcome.value)
    values = _as_values(got)
    rows = []
    for j, (name, expr) in enumerate(zip(spec.result_names, spec.results, strict=True)):
        want = evaluate(expr, env)
        assert isinstance(want, int)
        have = values[j] if j < len(values) else None
        rows.append(Evaluation(f"{spec.name} {name} = {sp.sstr(expr)}", have, want, have == want))
    bad = [e.text for e in rows if not e.holds]
    return tuple(rows), ("returned value differs: " + "; ".join(bad)) if bad else "no violation"


def _as_values(got: object) -> list[int]:
    if isinstance(got, int):
        return [got]
    if isinstance(got, range):
        return [got.start, got.stop - 1]
    if isinstance(got, tuple | list):
        return [int(x) for x in got]
    raise ValueError(f"unexpected returned value {got!r}")


def _source() -> str:
    return render_module()


def _theorem(spec: ShapeFunction) -> Theorem:
    def run(timeout: float) -> Result:
        return check(_source(), spec, timeout)

    statement = (
        f"generated/python/convshape.py {spec.name}, read back from its text: equals "
        f"{spec.relation}'s result on the domain, ValueError exactly outside it"
    )
    return Theorem(f"gen.py.{spec.name}", "generated-python", statement, run)


def theorems() -> list[Theorem]:
    return [_theorem(f) for f in FUNCTIONS]


def artifacts() -> dict[str, str]:
    source = _source()
    out: dict[str, str] = {}
    for spec in FUNCTIONS:
        path = f"{PROOF_DIR}/{spec.name}.smt2"
        header = (
            f"; Translation validation of {spec.name} in generated/python/convshape.py"
            f" ({spec.relation}).\n"
            "; unsat = for every integer input it returns the spec's result exactly on the"
            " domain\n; and raises ValueError exactly outside it. Check: z3 " + path + "\n"
        )
        out[path] = banner(path) + header + smt2(query(source, spec))
    return out
