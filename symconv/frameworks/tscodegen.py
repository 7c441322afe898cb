"""``generated/typescript/frameworkshape.{ts,js,d.ts}``: every framework rule (and every
SAME-style pads computation) as a TypeScript function, from the specs the Python and C helpers
come from (:func:`symconv.frameworks.codegen.specs`): the framework's refusals in its order,
with the Python helper's messages, one parameter order (i, k, s, p, p_begin, p_end, d, a, o).
Theorems ``gen.fw.ts.<function>`` read each function back from the text and prove it
(:mod:`symconv.codegen.validate_ts`)."""

from __future__ import annotations

from functools import cache

from symconv.artifacts import Part, banner, files_of
from symconv.codegen import ts
from symconv.codegen.pyprint import py
from symconv.codegen.spec import ShapeFunction
from symconv.codegen.validate_ts import TsModule, module_parts, module_theorems
from symconv.frameworks import all_rules
from symconv.frameworks.base import Rule
from symconv.frameworks.codegen import specs
from symconv.theorems import Theorem

STEM = "typescript/frameworkshape"

SUMMARY = (
    "Framework output-size rules (PyTorch, TensorFlow/Keras, ONNX, JAX, the guide), per axis.",
    "",
    "Each function is generated/python/frameworkshape.py's function of the same rule (camelCase",
    "name, same parameter order): the framework's output size, or ShapeError (kind \"value\")",
    "with the framework's own message exactly where the framework refuses, in its order of",
    "checks. No runtime dependency. Arguments and results are numbers: every argument must be a",
    "safe integer (|x| <= 2**53 - 1); the arithmetic is BigInt's, exact whatever the",
    "intermediate sizes; a result that is not a safe integer is refused (kind \"range\").",
    "symconv read each function back from this text and proved it with Z3 for every input",
    "(generated/proofs/ts/frameworks/).",
)


def _doc(spec: ShapeFunction, rule: Rule) -> tuple[str, ...]:
    lines = [spec.summary, "", f"{rule.title}. Source: {rule.source}.",
             *spec.formula.split("; ")]
    if rule.refusals:
        lines.append("Refuses (ShapeError, kind \"value\", the framework's message) when, in "
                     "this order:")
        lines += [f"    {py(r.when)}" for r in rule.refusals]
    lines.append("")
    lines += [f"@param {ts.camel(p.name)} - {ts.PARAM_TEXT.get(p.name, p.name)}"
              for p in spec.params]
    lines.append("@returns " + (spec.result_names[0] if len(spec.results) == 1 else
                                "[" + ", ".join(spec.result_names) + "]"))
    lines.append("@throws ShapeError - kind \"type\" for an argument that is no safe integer, "
                 "\"value\" where a parameter leaves its domain or the framework refuses, "
                 "\"range\" for a result that is not a safe integer")
    return tuple(ts.wrap(lines))


@cache
def functions() -> tuple[ts.TsFunction, ...]:
    rules = {r.id: r for r in all_rules()}
    return tuple(ts.spec_function(spec, _doc(spec, rules[spec.relation])) for spec in specs())


@cache
def files() -> dict[str, str]:
    return ts.module_files(STEM, banner, SUMMARY, functions())


def module() -> TsModule:
    return TsModule(STEM, functions, files, "gen.fw.ts", "proofs/ts/frameworks", "rule")


def theorems() -> list[Theorem]:
    return module_theorems(module())


def artifact_parts() -> list[Part]:
    return module_parts(module())


def artifacts() -> dict[str, str]:
    return files_of(artifact_parts())
