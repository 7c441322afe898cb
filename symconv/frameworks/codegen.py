"""``generated/python/frameworkshape.py``: one verified helper per framework rule (and one per
SAME-style pads computation), through the same generator and translation validation as the core
helpers (``symconv.codegen.python`` / ``validate_python``).

Each helper returns the framework's output size and raises ``ValueError`` with the framework's
own message exactly where the framework refuses (refusals checked in the framework's order),
``TypeError`` for a non-int (bool included). Theorems ``gen.fw.py.<name>`` read each function
back from the generated text and prove it equal to its rule for every integer input.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from functools import cache, partial


from symconv.artifacts import banner, files_of
from symconv.codegen import python as pygen
from symconv.codegen.pyprint import failure, py, py_failure
from symconv.codegen.spec import Check, Param, ShapeFunction
from symconv.frameworks import all_rules
from symconv.frameworks.base import DOMAIN, Rule
from symconv.prover import Result
from symconv.templating import environment
from symconv.theorems import Theorem

MODULE_PATH = "python/frameworkshape.py"
PROOF_DIR = "proofs/python/frameworks"

_DOMAIN_TEXT = {"i": ">= 1", "k": ">= 1", "s": ">= 1", "d": ">= 1", "o": ">= 1", "p": ">= 0",
                "p_begin": ">= 0", "p_end": ">= 0", "a": ">= 0"}


def function_name(rule: Rule, pads: bool = False) -> str:
    return rule.id.replace(".", "_") + ("_pads" if pads else "")


def _params(rule: Rule) -> tuple[Param, ...]:
    return tuple(
        Param(x.name, x, None, Check(DOMAIN[x], f"{x.name} must be {_DOMAIN_TEXT[x.name]}, "
                                     f"got {{{x.name}}}"))
        for x in rule.params)


def _requires(rule: Rule) -> tuple[Check, ...]:
    return tuple(Check(failure(r.when), f"{rule.id}: {r.shown}") for r in rule.refusals)


def specs() -> list[ShapeFunction]:
    out = []
    for rule in all_rules():
        out.append(ShapeFunction(
            function_name(rule), rule.id, f"Output size under {rule.id}.",
            _params(rule), _requires(rule), (rule.expr,), ("o",), f"o = {py(rule.expr)}"))
        if "p_begin" in rule.extras and "p_end" in rule.extras:
            pads = (rule.extras["p_begin"], rule.extras["p_end"])
            out.append(ShapeFunction(
                function_name(rule, pads=True), rule.id,
                f"The (p_begin, p_end) padding {rule.id} applies.",
                _params(rule), _requires(rule), pads, ("p_begin", "p_end"),
                f"p_begin = {py(pads[0])}; p_end = {py(pads[1])}"))
    return out


def _doc(spec: ShapeFunction, rule: Rule) -> tuple[str, ...]:
    lines = [f"{rule.title}.", f"Source: {rule.source}.", *spec.formula.split("; ")]
    if rule.refusals:
        lines.append("Refuses (ValueError, the framework's message) when, in this order:")
        lines += [f"    {py(r.when)}" for r in rule.refusals]
    lines.append("Takes any integer (int, or a type with __index__ such as numpy.int64); raises "
                 "TypeError for anything else (bool and float included), ValueError naming "
                 "the parameter for one outside its domain.")
    return tuple(pygen._wrap_doc(lines))


def _function(spec: ShapeFunction, rule: Rule) -> pygen._Function:
    checks = [pygen._Check(py_failure(prm.check.condition), pygen._message(prm.check, spec))
              for prm in spec.params]
    conditions = [c.condition for c in spec.requires]
    lets, reduced = pygen.name_subterms([*spec.results, *conditions])
    results = [py(r) for r in reduced[:len(spec.results)]]
    requires = [pygen._Check(py_failure(c), pygen._message(orig, spec))
                for c, orig in zip(reduced[len(spec.results):], spec.requires, strict=True)]
    result = results[0] if len(results) == 1 else "(" + ", ".join(results) + ")"
    return pygen._Function(
        name=spec.name, signature=pygen._signature(spec), returns=pygen._returns(spec),
        summary=spec.summary, doc=_doc(spec, rule),
        params=tuple(pygen._Param(prm.name) for prm in spec.params),
        checks=tuple(checks), lets=tuple((str(n), py(v)) for n, v in lets),
        requires=tuple(requires), result=result)


@cache
def render_module() -> str:
    rules = {r.id: r for r in all_rules()}
    functions = [_function(spec, rules[spec.relation]) for spec in specs()]
    table = [(r.id, function_name(r), "(" + ", ".join(f'"{n}"' for n in r.names)
              + ("," if len(r.names) == 1 else "") + ")") for r in all_rules()]
    return environment().get_template("frameworkshape.py.j2").render(
        banner=banner(MODULE_PATH), functions=functions, table=table,
        exports=sorted([*(f.name for f in functions), "RULES"]))


def function_source(source: str, name: str) -> str:
    """The text of the top-level function ``name`` in ``source`` (found with ``ast``; the
    module is too large for pysem whole, and each function stands alone)."""
    found = _function_sources(source).get(name)
    if found is None:
        raise ValueError(f"no function {name} in the generated module")
    return found


@cache
def _function_sources(source: str) -> dict[str, str]:
    # parsed once per text, and cut by line numbers: ast.get_source_segment splits the whole
    # text into lines for every call, seconds for this module's ~90 functions
    lines = source.splitlines(keepends=True)
    out: dict[str, str] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.end_lineno is not None:
            text = lines[node.lineno - 1:node.end_lineno]
            last = text[-1].encode()[:node.end_col_offset].decode()  # offsets count UTF-8 bytes
            first = (text[0] if len(text) > 1 else last).encode()[node.col_offset:].decode()
            segment = first + "".join(text[1:-1]) + (last if len(text) > 1 else "")
            out.setdefault(node.name, segment + "\n")
    return out


def _theorem(spec: ShapeFunction) -> Theorem:
    from symconv.codegen.validate_python import check

    def run(timeout: float) -> Result:
        return check(function_source(render_module(), spec.name), spec, timeout)

    statement = (f"generated/python/frameworkshape.py {spec.name}, read back from its text: "
                 f"equals rule {spec.relation} where the framework answers, ValueError exactly "
                 "where it refuses or a parameter leaves its domain")
    return Theorem(f"gen.fw.py.{spec.name}", "generated-python", statement, run,
                   batch=_batch(spec))


def theorems() -> list[Theorem]:
    return [_theorem(spec) for spec in specs()]


def artifacts() -> dict[str, str]:
    return files_of(artifact_parts())


def artifact_parts() -> list[tuple[str, str, Callable[[], dict[str, str]]]]:
    """The module, then each function's proof file: parts that render independently."""
    return [(MODULE_PATH, "", lambda: {MODULE_PATH: render_module()}),
            *((f"{PROOF_DIR}/{spec.name}.smt2", _batch(spec), partial(_proof_file, spec))
              for spec in specs())]


def _batch(spec: ShapeFunction) -> str:
    """A function's proof file and its theorem run in one process: they build one query."""
    return f"gen.fw.py.{spec.name}"


def _proof_file(spec: ShapeFunction) -> dict[str, str]:
    from symconv.codegen.validate_python import query, smt2

    path = f"{PROOF_DIR}/{spec.name}.smt2"
    header = (f"; Translation validation of {spec.name} in generated/{MODULE_PATH} "
              f"(rule {spec.relation}).\n; unsat = it returns the rule's result exactly "
              "where the framework answers and raises ValueError elsewhere. Check: z3 "
              f"{path}\n")
    return {path: banner(path) + header + smt2(query(function_source(render_module(),
                                                                     spec.name), spec))}


