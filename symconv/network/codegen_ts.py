"""A network's shape function in TypeScript (``<name>_shape.ts``, its ``.js`` and ``.d.ts``), for
``symconv generate --network``: the spec and messages of the Python function
(:mod:`symconv.network.codegen`), rendered by :mod:`symconv.codegen.ts` and proved from the
emitted text by :mod:`symconv.codegen.validate_ts` (``net.ts.<function>``)."""

from __future__ import annotations

import time

from symconv.artifacts import banner
from symconv.codegen import ts, tsexec, tsparse, validate_ts
from symconv.codegen.pyprint import py
from symconv.network.codegen import NetworkCode
from symconv.prover import Result, Status


def ts_function(code: NetworkCode) -> ts.TsFunction:
    spec = code.spec
    lines = [spec.summary, "",
             f"Network {code.subject.name} ({code.source}): input sizes "
             f"({', '.join(code.subject.axes)}); the same checks, order and messages as "
             f"{code.python_path}.",
             *(f"    {n} = {py(r)}" for n, r in zip(spec.result_names, spec.results,
                                                    strict=True)),
             "Valid exactly on V: " + code.subject.valid_text, "",
             *(f"@param {ts.camel(p)} - size of input axis {axis}"
               for p, axis in zip(code.params, code.subject.axes, strict=True)),
             "@returns [" + ", ".join(spec.result_names) + "]",
             "@throws ShapeError - kind \"type\" for an argument that is no safe integer, "
             "\"value\" naming the first layer that refuses the input, with the framework's "
             "message, \"range\" for a size that is not a safe integer"]
    messages = [code.param_message(j) for j in range(len(spec.params))]
    messages += [code.refusal_message(r) for r in code.refusals]
    return ts.TsFunction(spec, ts.camel(code.function), tuple(ts.wrap(lines)), tuple(messages),
                         {}, "tuple")


def stem(code: NetworkCode) -> str:
    return code.function


def ts_files(code: NetworkCode) -> dict[str, str]:
    summary = (f"The shape function of the network {code.subject.name} "
               f"({code.source}), as {code.python_path} has it.",
               "",
               "No runtime dependency. Arguments and results are numbers: every argument must",
               "be a safe integer (|x| <= 2**53 - 1); the arithmetic is BigInt's, exact",
               "whatever the intermediate sizes. symconv read this text back (never running",
               f"it) and proved it with Z3 for every input. Re-check with {code.command} --check")
    return ts.module_files(stem(code), lambda path: banner(path, code.command), summary,
                           (ts_function(code),))


def statement(code: NetworkCode) -> str:
    return (f"{stem(code)}.ts {ts.camel(code.function)}, read back from its text with "
            "ECMAScript's BigInt semantics: for every JavaScript argument, ShapeError exactly "
            "where an argument is no safe integer, where a layer refuses (the Python "
            "function's message: the first refusing layer) or a size is no safe integer, "
            "else the output's closed forms; no other exception; its .js the same tree, its "
            "floorDiv and floorMod Python's // and %")


def ts_proofs(code: NetworkCode, timeout: float = 30.0
              ) -> tuple[Result, dict[str, str]]:
    """The TypeScript proof of ``code`` (the function, its helpers, the .js) as one result,
    and the SMT-LIB2 of the function's query under ``proofs/<function>/typescript.smt2``."""
    files = ts_files(code)
    text, js = files[f"{stem(code)}.ts"], files[f"{stem(code)}.js"]
    f = ts_function(code)
    start = time.perf_counter()
    out: dict[str, str] = {}
    try:
        module = tsparse.parse(text)
        if not validate_ts.same_tree(text, js):
            return Result(Status.REFUTED, time.perf_counter() - start,
                          reason=f"{stem(code)}.js differs from the .ts"), out
        import z3

        for helper in tsexec.CONTRACTS:
            solver = validate_ts._solver()
            solver.set("timeout", max(1, int(timeout * 1000)))
            solver.add(z3.Not(tsexec.helper_lemma(module, helper)))
            if solver.check() != z3.unsat:
                return Result(Status.UNKNOWN, time.perf_counter() - start,
                              reason=f"{helper} not proved"), out
        q = validate_ts.cached_query(text, f)
    except (tsparse.TsParseError, tsexec.TsSemanticsError) as exc:
        return Result(Status.UNKNOWN, time.perf_counter() - start,
                      reason=f"not translated: {exc}"), out
    path = f"{code.proof_dir}/typescript.smt2"
    out[path] = (banner(path, code.command)
                 + f"; Translation validation of {f.name} in {stem(code)}.ts.\n"
                 + f"; {statement(code)}.\n; expected: unsat (z3 {path})\n"
                 + validate_ts.smt2_shared(q))
    return validate_ts.check(text, f, timeout), out
