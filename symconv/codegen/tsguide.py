"""``generated/typescript/convshape.{ts,js,d.ts}``: the guide's per-axis helpers in TypeScript,
from the specs the Python and C helpers come from (:mod:`symconv.codegen.spec`), with the
Python helper's messages and parameter order (:mod:`symconv.codegen.ts` renders them;
:mod:`symconv.codegen.validate_ts` proves them)."""

from __future__ import annotations

from functools import cache

from symconv.artifacts import Part, banner, files_of
from symconv.codegen import python as pygen
from symconv.codegen import ts
from symconv.codegen.pyprint import py
from symconv.codegen.spec import FUNCTIONS, ShapeFunction
from symconv.codegen.validate_ts import TsModule, module_parts, module_theorems
from symconv.relations import RELATIONS
from symconv.theorems import Theorem

STEM = "typescript/convshape"

SUMMARY = (
    "Exact, validated convolution shape arithmetic (Dumoulin & Visin, relations 1-15), per axis.",
    "",
    "The guide's semantics, as generated/python/convshape.py has them: the same checks, in the",
    "same order, with the same messages, and one parameter order everywhere (i or o, k, s, p, d,",
    "a). No runtime dependency. Arguments and results are numbers: every argument must be a safe",
    "integer (|x| <= 2**53 - 1); the arithmetic is BigInt's, exact whatever the intermediate",
    "sizes; a result that is not a safe integer is refused. Every refusal throws ShapeError.",
    "symconv read each function back from this text and proved it with Z3 for every input",
    "(generated/proofs/ts/).",
)


def _doc(spec: ShapeFunction) -> tuple[str, ...]:
    rel = RELATIONS[spec.relation]
    requires = [py(p.check.condition) for p in spec.params]
    requires += [py(c.condition) for c in spec.requires]
    lines = [
        spec.summary,
        "",
        "The guide's semantics (generated/python/convshape.py's " + spec.name + "); each",
        "framework's own rules are in frameworkshape.",
        f"Relation {rel.id} (guide section {rel.section}, {rel.title}):",
        *(f"    {part}" for part in spec.formula.split("; ")),
        "Requires:",
        *(f"    {r}" for r in requires),
        "",
        *(f"@param {ts.camel(p.name)} - {ts.PARAM_TEXT.get(p.name, p.name)}"
          + ("" if p.default is None else f" (default {p.default})") for p in spec.params),
    ]
    if spec.name in pygen.RANGE_FUNCTIONS:
        lines.append("@returns [lo, hi]: every input size from lo to hi (none when hi < lo)")
    elif len(spec.results) > 1:
        lines.append("@returns [" + ", ".join(spec.result_names) + "]")
    else:
        lines.append("@returns " + spec.result_names[0])
    lines.append("@throws ShapeError - kind \"type\" for an argument that is no safe integer, "
                 "\"value\" (the Python helper's ValueError message) where a requirement "
                 "fails, \"range\" for a result that is not a safe integer")
    return tuple(ts.wrap(lines))


@cache
def functions() -> tuple[ts.TsFunction, ...]:
    return tuple(ts.spec_function(spec, _doc(spec)) for spec in FUNCTIONS)


@cache
def files() -> dict[str, str]:
    return ts.module_files(STEM, banner, SUMMARY, functions())


def module() -> TsModule:
    return TsModule(STEM, functions, files, "gen.ts", "proofs/ts", "relation")


def theorems() -> list[Theorem]:
    return module_theorems(module())


def artifact_parts() -> list[Part]:
    return module_parts(module())


def artifacts() -> dict[str, str]:
    return files_of(artifact_parts())
