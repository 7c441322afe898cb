"""Translation validation of the generated TypeScript: each function is read back from the emitted
text (:mod:`symconv.codegen.tsparse`, never run), given ECMAScript's semantics
(:mod:`symconv.codegen.tsexec`: BigInt arithmetic, ``Number.isSafeInteger``, ``BigInt``,
``Number``), and Z3 proves, for every input — every JavaScript value for every argument:

* an argument that is not a safe integer throws ``ShapeError`` (kind "type") naming the first
  such argument;
* on safe integers, where the spec's checks fail, it throws ``ShapeError`` (kind "value") with
  the message of the first failing check — the Python helper's template, the same pieces and
  equal interpolated values;
* where every check holds, it returns exactly the spec's results as numbers (each exact), or,
  if one of them is not a safe integer, throws ``ShapeError`` (kind "range") for the first
  such result;
* it throws nothing else (no RangeError: no division by zero, no BigInt of a non-integer), and
  these outcomes cover every input.

The same query is written as SMT-LIB2 (:func:`symconv.codegen.validate_python.smt2`). The
``.js`` file must parse to the same tree as the ``.ts`` (types dropped): what is proved of one is
what the other does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial

import sympy as sp
import z3

from symconv.codegen import tsexec, tsparse
from symconv.codegen.ts import TsFunction
from symconv.codegen.validate_python import Query
from symconv.prover import Evaluation, Result, Status
from symconv.theorems import Theorem
from symconv.z3bridge import Z3Translator

MAX_SAFE = tsexec.MAX_SAFE
CTX = tsexec.CTX


def type_labels(name: str) -> tuple[str, str]:
    """The messages (as :class:`tsexec.Message` text) of an argument that is no integer, and of
    an integer that is not safe."""
    return (f"{name} must be an int, got {{?}}",
            f"{name} must be a safe integer (|{name}| <= 2**53 - 1), got {{?}}")


def range_label(name: str) -> str:
    return f"{name} = {{}} is not a safe integer (|{name}| <= 2**53 - 1)"


def expected_message(message: str, values: Mapping[str, sp.Expr], tr: Z3Translator
                     ) -> tuple[str, tuple[z3.ArithRef, ...]]:
    """A Python message template as the model sees its TypeScript rendering: ``{}`` for each
    placeholder, with the placeholder's value."""
    fields = "|".join(re.escape("{" + n + "}") for n in values)
    if not fields:
        return message, ()
    text, found = [], []
    for piece in re.split(f"({fields})", message):
        if re.fullmatch(fields, piece):
            text.append("{}")
            found.append(tr.translate(values[piece[1:-1]]))
        else:
            text.append(piece)
    return "".join(text), tuple(found)


@cache
def parsed(text: str) -> tsparse.Module:
    return tsparse.parse(text)


def _same_values(got: Sequence[z3.ArithRef], want: Sequence[z3.ArithRef]) -> z3.BoolRef:
    if len(got) != len(want):
        return z3.BoolVal(False, CTX)
    return z3.And(*(g == w for g, w in zip(got, want, strict=True)), CTX)


def query(text: str, f: TsFunction) -> Query:
    """The claim for ``f`` as emitted in ``text`` (a whole module)."""
    spec = f.spec
    sem = tsexec.execute(parsed(text), f.name, [p.name for p in spec.params])
    tr = Z3Translator(CTX)
    args = sem.args
    for arg, prm in zip(args, spec.params, strict=True):
        if tr.translate(prm.symbol).eq(arg.val) is False:
            raise ValueError(f"{spec.name}: argument {arg.name} is not {prm.symbol}")
    safe = [a.is_safe for a in args]
    all_safe = z3.And(*safe, CTX)
    conditions = [tr.translate(p.check.condition) for p in spec.params]
    conditions += [tr.translate(c.condition) for c in spec.requires]
    domain = z3.And(*conditions, CTX)
    results = [tr.translate(r) for r in spec.results]
    defined = z3.And(*tr.obligations) if tr.obligations else z3.BoolVal(True, CTX)
    in_range = [z3.And(r >= -MAX_SAFE, r <= MAX_SAFE) for r in results]
    expected = [expected_message(m, f.placeholders, tr) for m in f.messages]
    if len(expected) != len(conditions):
        raise ValueError(f"{spec.name}: {len(expected)} messages for {len(conditions)} checks")

    def first_failing(j: int) -> z3.BoolRef:
        return z3.And(*conditions[:j], z3.Not(conditions[j]))

    def matches(o: tsexec.Outcome) -> z3.BoolRef:
        if o.kind == "other":
            return z3.BoolVal(False, CTX)
        if o.kind == "return":
            values = o.value if isinstance(o.value, tuple) else (o.value,)
            if len(values) != len(results) or not all(isinstance(v, tsexec.NumV)
                                                      for v in values):
                return z3.BoolVal(False, CTX)
            return z3.And(all_safe, domain, defined, *in_range,
                          *(z3.And(v.exact, v.value == r) for v, r in zip(values, results,
                                                                          strict=True)))
        assert o.message is not None
        label, values = o.message.text, o.message.values
        options = []
        if o.error_kind == "type":
            for j, a in enumerate(args):
                not_int, unsafe = type_labels(a.name)
                before = z3.And(*safe[:j], CTX)
                if label == not_int:
                    options.append(z3.And(before, z3.Not(a.is_integer)))
                elif label == unsafe:
                    options.append(z3.And(before, a.is_integer, z3.Not(a.is_safe)))
        elif o.error_kind == "value":
            for j, (text_j, values_j) in enumerate(expected):
                if label == text_j:
                    options.append(z3.And(all_safe, first_failing(j),
                                          _same_values(values, values_j)))
        elif o.error_kind == "range":
            for j, (name, r) in enumerate(zip(spec.result_names, results, strict=True)):
                if label == range_label(name):
                    options.append(z3.And(all_safe, domain, defined, *in_range[:j],
                                          z3.Not(in_range[j]), _same_values(values, (r,))))
        return z3.Or(*options) if options else z3.BoolVal(False, CTX)

    tags = z3.And(*(z3.And(a.tag >= 0, a.tag <= 2) for a in args), CTX)
    claim = z3.And(
        z3.Implies(tags, z3.Or(*(o.when for o in sem.outcomes))),
        *(z3.Implies(o.when, matches(o)) for o in sem.outcomes),
    )
    variables: dict[str, z3.ArithRef] = {}
    for a in args:
        variables[a.name] = a.val
        variables[f"{a.name}_tag"] = a.tag
    return Query(spec, claim, z3.Not(claim), variables)


_BOOL_OPS = (z3.Z3_OP_AND, z3.Z3_OP_OR, z3.Z3_OP_NOT, z3.Z3_OP_IMPLIES, z3.Z3_OP_TRUE,
             z3.Z3_OP_FALSE)


def skeleton(e: z3.BoolRef, atoms: dict[int, z3.BoolRef] | None = None,
             memo: dict[int, z3.BoolRef] | None = None) -> z3.BoolRef:
    """``e`` with every atom that is not a connective (a comparison, an if-then-else of
    truth values, ...) replaced by a fresh Boolean, the same atom by the same one: if the
    skeleton is valid, so is ``e``, whatever the atoms mean."""
    atoms = {} if atoms is None else atoms
    memo = {} if memo is None else memo
    key = e.get_id()
    if key in memo:
        return memo[key]
    out: z3.BoolRef
    if z3.is_app(e) and e.decl().kind() in _BOOL_OPS:
        kids = [skeleton(c, atoms, memo) for c in e.children()]
        kind = e.decl().kind()
        if kind == z3.Z3_OP_AND:
            out = z3.And(*kids)
        elif kind == z3.Z3_OP_OR:
            out = z3.Or(*kids)
        elif kind == z3.Z3_OP_NOT:
            out = z3.Not(kids[0])
        elif kind == z3.Z3_OP_IMPLIES:
            out = z3.Implies(kids[0], kids[1])
        else:
            out = e
    else:
        if key not in atoms:
            atoms[key] = z3.Bool(f"atom{len(atoms)}", CTX)
        out = atoms[key]
    memo[key] = out
    return out


def _valid(claim: z3.BoolRef, timeout: float) -> z3.CheckSatResult:
    """unsat when ``claim`` is valid: the whole claim first, for a few seconds; then its
    conjuncts one by one. The first (the outcomes cover every input) is a tautology of its
    propositional :func:`skeleton`, which needs no arithmetic. Each formula goes to the solver
    with its polynomials as sums of monomials (``simplify(som=True)``, an equivalence): the
    text's products and the relation's then meet as the same terms, and non-linear arithmetic
    that took seconds (ConvTranspose's ``s * (i - 1) + d * (k - 1)``) takes milliseconds."""
    deadline = time.perf_counter() + timeout
    whole = _solver()
    whole.set("timeout", max(1, int(min(3.0, timeout / 3) * 1000)))
    whole.add(z3.Not(_normal(claim)))
    verdict = whole.check()
    if verdict != z3.unknown or not z3.is_and(claim):
        return verdict
    parts = claim.children()
    quick = _solver()
    quick.add(z3.Not(skeleton(parts[0])))
    for part in parts[1:] if quick.check() == z3.unsat else parts:
        solver = _solver()
        solver.set("timeout", max(1, int((deadline - time.perf_counter()) * 1000)))
        solver.add(z3.Not(_normal(part)))
        verdict = solver.check()
        if verdict != z3.unsat:
            return verdict
    return z3.unsat


def _solver() -> z3.Solver:
    # A tactic of our own, not z3.Solver()'s default: that spent about 4 s on the first
    # non-linear query of a process (inputSizeRange, a ConvTranspose rule: whichever came
    # first; the same query took milliseconds afterwards, and from the first with this one).
    return z3.Then("simplify", "propagate-values", "solve-eqs", "smt", ctx=CTX).solver()


def _normal(e: z3.BoolRef) -> z3.BoolRef:
    out = z3.simplify(e, som=True)
    assert isinstance(out, z3.BoolRef)
    return out


def check(text: str, f: TsFunction, timeout: float) -> Result:
    """Prove the query (and read the defaults: :func:`wrong_defaults`); text outside the subset
    is ``unknown`` naming what was refused."""
    start = time.perf_counter()
    try:
        q = cached_query(text, f)
        wrong = wrong_defaults(parsed(text), f)
    except (tsparse.TsParseError, tsexec.TsSemanticsError) as exc:
        return Result(Status.UNKNOWN, time.perf_counter() - start, reason=f"unsupported: {exc}")
    if wrong:
        return Result(Status.REFUTED, time.perf_counter() - start, reason=wrong)
    verdict = _valid(q.claim, timeout)
    if verdict == z3.unsat:
        return Result(Status.PROVED, time.perf_counter() - start)
    if verdict == z3.unknown:
        return Result(Status.UNKNOWN, time.perf_counter() - start,
                      reason=f"z3 gave no verdict in {timeout} s")
    solver = _solver()  # again, whole, for a model of the negation
    solver.set("timeout", max(1, int(timeout * 1000)))
    solver.add(q.negation)
    if solver.check() != z3.sat:
        return Result(Status.UNKNOWN, time.perf_counter() - start,
                      reason=solver.reason_unknown() or "no model of the negation")
    model = solver.model()
    cx = {name: model.eval(var, model_completion=True).as_long()
          for name, var in q.variables.items()}
    evaluations, reason = explain(f, cx)
    return Result(Status.REFUTED, time.perf_counter() - start, counterexample=cx,
                  evaluations=evaluations, reason=reason)


def wrong_defaults(module: tsparse.Module, f: TsFunction) -> str:
    """Where a parameter's default in the text is not the Python helper's, what differs ("" if
    none). The proofs quantify over every value a parameter takes, the default included; which
    value an omitted argument takes is read here, from the text."""
    params = module.function(f.name).params
    if len(params) != len(f.spec.params):
        return f"{f.name} has {len(params)} parameters, the Python helper {len(f.spec.params)}"
    for (name, got), p in zip(params, f.spec.params, strict=True):
        if got != p.default:
            return (f"{f.name}: the default of {name} is {got}, the Python helper's "
                    f"{p.default}")
    return ""


def explain(f: TsFunction, cx: Mapping[str, int]) -> tuple[tuple[Evaluation, ...], str]:
    """The spec at the counterexample, evaluated in plain Python (the arguments whose tag is 2
    are the integers given; others are no integers)."""
    from symconv.evaluate import EvaluationError, evaluate

    spec = f.spec
    if any(cx.get(f"{p.name}_tag") != 2 or abs(cx[p.name]) > MAX_SAFE for p in spec.params):
        return (), "an argument that is no safe integer is not refused as it must be"
    env = {p.name: cx[p.name] for p in spec.params}
    try:
        ok = evaluate(spec.domain, env) is True
    except EvaluationError as exc:
        return (), f"spec undefined at the counterexample: {exc}"
    if not ok:
        return (), "refused wrongly (or with another message) outside the domain"
    rows = []
    for name, expr in zip(spec.result_names, spec.results, strict=True):
        want = evaluate(expr, env)
        assert isinstance(want, int)
        rows.append(Evaluation(f"{spec.name} {name} = {sp.sstr(expr)}", None, want, False))
    return tuple(rows), "inside the domain, the function does not return the spec's result"


def same_tree(ts_text: str, js_text: str) -> bool:
    """The .js parses to the module the .ts does (the types dropped)."""
    return parsed(ts_text) == parsed(js_text)


# --- theorems and proof files of a generated module ---------------------------------------------

_queries: dict[tuple[str, str], Query] = {}


def cached_query(text: str, f: TsFunction) -> Query:
    """:func:`query`, once per process (a function's proof file and its theorem share it)."""
    key = (text, f.name)
    if key not in _queries:
        _queries[key] = query(text, f)
    return _queries[key]


@dataclass(frozen=True, slots=True)
class TsModule:
    """A generated TypeScript module as the proofs see it: ``stem`` (``typescript/convshape``,
    under generated/), its functions, its ``.ts`` and ``.js`` texts, theorem ids
    ``<tid_prefix>.<function>`` and SMT-LIB files under ``proof_dir``."""

    stem: str
    functions: Callable[[], Sequence[TsFunction]]
    files: Callable[[], Mapping[str, str]]
    tid_prefix: str
    proof_dir: str
    what: str  # "rule" or "relation": what spec.relation names

    def text(self, ext: str = "ts") -> str:
        return self.files()[f"{self.stem}.{ext}"]


def _smt2(path: str, header: str, q: Query) -> str:
    from symconv.artifacts import banner

    return banner(path) + header + smt2_shared(q)


def _function_theorem(m: TsModule, f: TsFunction) -> Theorem:
    def run(timeout: float) -> Result:
        return check(m.text(), f, timeout)

    statement = (f"generated/{m.stem}.ts {f.name}, read back from its text with ECMAScript's "
                 f"BigInt semantics: for every JavaScript argument, ShapeError exactly where "
                 f"an argument is no safe integer, where {m.what} {f.spec.relation} refuses "
                 "(the Python helper's message) or a result is no safe integer, else the "
                 f"{m.what}'s result exactly; no other exception; the Python helper's "
                 "defaults")
    return Theorem(f"{m.tid_prefix}.{f.name}", GROUP, statement, run,
                   batch=f"{m.tid_prefix}.{f.name}")


def _helper_query(m: TsModule, name: str) -> Query:
    claim = tsexec.helper_lemma(parsed(m.text()), name)
    n, d = z3.Int("n", CTX), z3.Int("d", CTX)
    return Query(None, claim, z3.Not(claim), {"n": n, "d": d})  # type: ignore[arg-type]


def _helper_theorem(m: TsModule, name: str) -> Theorem:
    def run(timeout: float) -> Result:
        start = time.perf_counter()
        try:
            q = _helper_query(m, name)
        except (tsparse.TsParseError, tsexec.TsSemanticsError) as exc:
            return Result(Status.UNKNOWN, time.perf_counter() - start,
                          reason=f"unsupported: {exc}")
        solver = _solver()
        solver.set("timeout", max(1, int(timeout * 1000)))
        solver.add(q.negation)
        verdict = solver.check()
        status = (Status.PROVED if verdict == z3.unsat else
                  Status.REFUTED if verdict == z3.sat else Status.UNKNOWN)
        return Result(status, time.perf_counter() - start,
                      reason="" if status is Status.PROVED else f"z3: {verdict}")

    statement = (f"generated/{m.stem}.ts {name}, read back from its text: for every BigInt n "
                 f"and d, a RangeError exactly where d = 0, else the floor "
                 f"{'quotient' if name == 'floorDiv' else 'remainder'} (Python's "
                 f"{'//' if name == 'floorDiv' else '%'}), the contract the functions' proofs "
                 "use")
    return Theorem(f"{m.tid_prefix}.{name}", GROUP, statement, run)


def _js_theorem(m: TsModule) -> Theorem:
    def run(timeout: float) -> Result:
        start = time.perf_counter()
        try:
            same = same_tree(m.text("ts"), m.text("js"))
        except tsparse.TsParseError as exc:
            return Result(Status.UNKNOWN, time.perf_counter() - start,
                          reason=f"unsupported: {exc}")
        return Result(Status.PROVED if same else Status.REFUTED, time.perf_counter() - start,
                      reason="" if same else "the .js differs from the .ts")

    statement = (f"generated/{m.stem}.js parses to the syntax tree of generated/{m.stem}.ts "
                 "(types dropped): what is proved of one holds of the other")
    return Theorem(f"{m.tid_prefix}.js", GROUP, statement, run)


def module_theorems(m: TsModule) -> list[Theorem]:
    return [_js_theorem(m), *(_helper_theorem(m, h) for h in tsexec.CONTRACTS),
            *(_function_theorem(m, f) for f in m.functions())]


def _function_proof(m: TsModule, f: TsFunction) -> dict[str, str]:
    path = f"{m.proof_dir}/{f.name}.smt2"
    header = (f"; Translation validation of {f.name} in generated/{m.stem}.ts ({m.what} "
              f"{f.spec.relation}).\n; unsat = for every argument (x_tag 0: not a number, 1: a "
              "number that is no integer, 2: the integer x) it throws ShapeError exactly\n; "
              "where it must, with the Python helper's message, and otherwise returns the "
              f"{m.what}'s result. Check: z3 {path}\n")
    return {path: _smt2(path, header, cached_query(m.text(), f))}


def _helper_proof(m: TsModule, name: str) -> dict[str, str]:
    path = f"{m.proof_dir}/helper-{name}.smt2"
    header = (f"; {name} in generated/{m.stem}.ts: a RangeError exactly where d = 0, else "
              f"Python's floor {'//' if name == 'floorDiv' else '%'}.\n; unsat = it holds "
              f"for every BigInt n, d. Check: z3 {path}\n")
    return {path: _smt2(path, header, _helper_query(m, name))}


def module_parts(m: TsModule) -> list[tuple[str, str, Callable[[], dict[str, str]]]]:
    """The module's three files, then one proof file per helper and function, each part
    batched with the theorem that builds the same query."""
    return [(m.stem, "", lambda: dict(m.files())),
            *((f"{m.proof_dir}/helper-{h}.smt2", "", partial(_helper_proof, m, h))
              for h in tsexec.CONTRACTS),
            *((f"{m.proof_dir}/{f.name}.smt2", f"{m.tid_prefix}.{f.name}",
               partial(_function_proof, m, f)) for f in m.functions())]


GROUP = "codegen-ts"


def smt2_shared(q: Query) -> str:
    """The query as SMT-LIB2, each subterm used more than once written once, as a
    ``define-fun`` (the outcomes' conditions share long prefixes: written as a tree, the
    frameworks' files would be tens of megabytes). Names follow the term's structure only."""
    from symconv.codegen.validate_python import _SmtWriter

    w = _SmtWriter()
    root = w._node(q.negation.ctx_ref(), q.negation.as_ast())
    uses: dict[int, int] = {}
    order: list[int] = []
    stack: list[tuple[int, bool]] = [(root, False)]
    while stack:  # post-order, each node once
        key, done = stack.pop()
        if done:
            order.append(key)
            continue
        uses[key] = uses.get(key, 0) + 1
        if uses[key] > 1:
            continue
        stack.append((key, True))
        stack.extend((a, False) for a in reversed(w._nodes[key][1]))
    names: dict[int, str] = {}
    sorts = _sorts(q.negation)
    lines = [f"(declare-fun {name} () Int)" for name in sorted(q.variables)]

    def text(key: int) -> str:
        if key in names:
            return names[key]
        op, args = w._nodes[key]
        return op if not args else f"({op} {' '.join(text(a) for a in args)})"

    for key in order:
        if uses[key] > 1 and w._nodes[key][1] and key != root:
            body = text(key)
            names[key] = f"t{len(names)}"
            lines.append(f"(define-fun {names[key]} () {sorts[key]} {body})")
    lines.append(f"(assert {text(root)})")
    lines.append("(check-sat)")
    return "\n".join(lines) + "\n"


def _sorts(e: z3.ExprRef) -> dict[int, str]:
    out: dict[int, str] = {}
    stack = [e]
    while stack:
        x = stack.pop()
        key = x.get_id()
        if key in out:
            continue
        out[key] = "Bool" if z3.is_bool(x) else "Int"
        stack.extend(x.children())
    return out
