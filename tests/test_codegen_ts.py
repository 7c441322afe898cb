"""The generated TypeScript: compiled by the real ``tsc --strict``, run under Node against the
Python helpers on every boundary value and random values up to 2**53, and its proofs made to
fail where the text is wrong (each counterexample re-run under Node)."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from symconv.codegen import ts, tsexec, tsguide, tsparse, validate_ts
from symconv.frameworks import tscodegen
from symconv.genload import load_convshape, load_frameworkshape
from symconv.prover import Status
from tests.node_support import ROOT, run_node, tsc
from tests.z3_binary import Z3, needs_z3

GENERATED = ROOT / "generated" / "typescript"
MAX = 2**53 - 1
TYPICAL = {"i": 224, "o": 112, "k": 3, "s": 2, "p": 1, "p_begin": 1, "p_end": 2, "d": 1, "a": 1}
BOUNDARY = [-(2**53 - 1), -2, -1, 0, 1, 2, 3, 4, 7, 2**31 - 1, 2**31, 2**32 + 1, 2**52 + 1,
            2**53 - 2, 2**53 - 1]
NOT_SAFE = [2**53, 2**60, 0.5, -2.5, "nan", "inf", "-inf", 1e300]

RUNNER = """
import { pathToFileURL } from "node:url";
const dir = process.argv[2] ?? "%s";
const mods = {
  convshape: await import(pathToFileURL(dir + "/convshape.js")),
  frameworkshape: await import(pathToFileURL(dir + "/frameworkshape.js")),
};
const special = { nan: NaN, inf: Infinity, "-inf": -Infinity };
let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const [mod, fn, args] of JSON.parse(input)) {
  const a = args.map((x) => (typeof x === "string" ? special[x] : x));
  try {
    out.push({ ok: mods[mod][fn](...a) });
  } catch (e) {
    out.push(e instanceof mods[mod].ShapeError ? { kind: e.kind, message: e.message }
                                               : { other: String(e) });
  }
}
process.stdout.write(JSON.stringify(out));
"""


def _modules() -> dict[str, tuple[ModuleType, tuple[ts.TsFunction, ...]]]:
    return {"convshape": (load_convshape(), tsguide.functions()),
            "frameworkshape": (load_frameworkshape(), tscodegen.functions())}


def _python(fn: Callable[..., Any], args: list[int]) -> dict[str, Any]:
    """What the TypeScript must do, from the Python helper's answer."""
    try:
        got = fn(*args)
    except ValueError as exc:
        return {"kind": "value", "message": str(exc)}
    values = [got.start, got.stop - 1] if isinstance(got, range) else (
        list(got) if isinstance(got, tuple) else [got])
    return {"values": values}


def _expected(f: ts.TsFunction, py: dict[str, Any]) -> dict[str, Any]:
    if "values" not in py:
        return py
    for name, v in zip(f.spec.result_names, py["values"], strict=True):
        if abs(v) > MAX:
            return {"kind": "range",
                    "message": f"{name} = {v} is not a safe integer (|{name}| <= 2**53 - 1)"}
    return {"ok": py["values"][0] if f.returns == "int" else py["values"]}


def _cases(rng: random.Random) -> list[tuple[str, ts.TsFunction, list[Any]]]:
    out = []
    for mod, (_, functions) in _modules().items():
        for f in functions:
            names = [p.name for p in f.spec.params]
            base = [TYPICAL[n] for n in names]
            for j in range(len(names)):
                for b in BOUNDARY:
                    out.append((mod, f, [*base[:j], b, *base[j + 1:]]))
            for _ in range(120):
                out.append((mod, f, [rng.choice([rng.randint(-3, 12), rng.randint(0, 64),
                                                 rng.randint(1, MAX), rng.randint(-MAX, MAX)])
                                     for _ in names]))
    return out


@pytest.fixture(scope="module")
def node_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated .js files, copied (with their package.json) where Node runs them."""
    d = tmp_path_factory.mktemp("ts")
    for name in ("convshape.js", "frameworkshape.js", "package.json"):
        shutil.copy(GENERATED / name, d / name)
    return d


def test_generated_files_are_the_rendered_ones() -> None:
    for path, text in {**tsguide.files(), **tscodegen.files()}.items():
        assert (ROOT / "generated" / path).read_text(encoding="utf-8") == text, \
            "generated/ is stale: run `symconv generate`"


def test_every_function_of_the_python_helpers_has_its_typescript_twin() -> None:
    for _, (module, functions) in _modules().items():
        names = {f.spec.name for f in functions}
        assert names == {n for n in module.__all__ if callable(getattr(module, n))
                         and n not in ("conv_shape", "conv_transpose_shape", "pool_shape")}
        for f in functions:
            code = getattr(module, f.spec.name).__code__
            assert [ts.camel(x) for x in code.co_varnames[:code.co_argcount]] == \
                [ts.camel(p.name) for p in f.spec.params]


@pytest.mark.slow
def test_tsc_strict_compiles_the_modules_and_their_declarations(tmp_path: Path) -> None:
    for name in ("convshape", "frameworkshape"):
        for ext in ("js", "d.ts"):
            shutil.copy(GENERATED / f"{name}.{ext}", tmp_path / f"{name}.{ext}")
    consumer = tmp_path / "consumer.ts"
    consumer.write_text(
        'import { convOutputSize, samePadding, ShapeError } from "./convshape.js";\n'
        'import { torchConvTranspose } from "./frameworkshape.js";\n'
        "const o: number = convOutputSize(224, 3, 2, 1);\n"
        "const pads: [number, number] = samePadding(5, 3, 2);\n"
        "const t: number = torchConvTranspose(16, 3, 2, 1, 1, 1);\n"
        "const e: ShapeError = new ShapeError(\"value\", \"x\");\n"
        "export const all = [o, pads, t, e.kind];\n", encoding="utf-8")
    options = ["--strict", "--noEmit", "--target", "es2020", "--module", "es2020",
               "--moduleResolution", "bundler"]
    for files in ([str(GENERATED / "convshape.ts"), str(GENERATED / "frameworkshape.ts")],
                  [str(consumer)]):
        done = subprocess.run(["node", str(tsc()), *options, *files], capture_output=True,
                              text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert not done.stdout.strip(), done.stdout
    wrong = tmp_path / "wrong.ts"  # the declarations do say what the functions take
    wrong.write_text('import { convOutputSize } from "./convshape.js";\n'
                     'export const x: string = convOutputSize(1n, 3);\n', encoding="utf-8")
    done = subprocess.run(["node", str(tsc()), *options, str(wrong)], capture_output=True,
                          text=True, timeout=600, check=False)
    assert done.returncode != 0
    assert "TS2322" in done.stdout, done.stdout
    assert "TS2345" in done.stdout, done.stdout


@pytest.mark.slow
def test_node_answers_as_python_on_boundaries_and_random_values_up_to_2_53(
        node_dir: Path) -> None:
    cases = _cases(random.Random(19))
    payload = [(mod, f.name, args) for mod, f, args in cases]
    got = run_node(RUNNER % node_dir, payload, node_dir)
    modules = _modules()
    bad = []
    for (mod, f, args), answer in zip(cases, got, strict=True):
        want = _expected(f, _python(getattr(modules[mod][0], f.spec.name), args))
        if answer != want:
            bad.append((f.name, args, answer, want))
    assert not bad, f"{len(bad)} of {len(cases)} differ, e.g. {bad[:5]}"
    assert len(cases) > 18_000


@pytest.mark.slow
def test_node_refuses_every_argument_that_is_no_safe_integer(node_dir: Path) -> None:
    cases = []
    for mod, (_, functions) in _modules().items():
        for f in functions:
            base = [TYPICAL[p.name] for p in f.spec.params]
            for j, p in enumerate(f.spec.params):
                for bad in NOT_SAFE:
                    cases.append((mod, f, [*base[:j], bad, *base[j + 1:], "nan"], p.name, bad))
    payload = [(mod, f.name, args[:len(f.spec.params)]) for mod, f, args, _, _ in cases]
    got = run_node(RUNNER % node_dir, payload, node_dir)
    for (_, f, _, name, bad), answer in zip(cases, got, strict=True):
        integer = isinstance(bad, int) or bad == 1e300
        not_int, unsafe = validate_ts.type_labels(name)
        want = (unsafe if integer else not_int).replace("{?}", "")
        assert answer.get("kind") == "type", (f.name, name, bad, answer)
        assert answer["message"].startswith(want), (f.name, name, bad, answer)


# --- the proofs ---------------------------------------------------------------------------------


def _mutated(text: str, name: str, old: str, new: str) -> str:
    start = text.index(f"export function {name}(")
    end = text.index("\n}\n", start)
    body = text[start:end]
    assert old in body, (name, old)
    return text[:start] + body.replace(old, new, 1) + text[end:]


def _function(name: str) -> ts.TsFunction:
    return next(f for f in (*tsguide.functions(), *tscodegen.functions()) if f.name == name)


def test_every_typescript_proof_holds() -> None:
    text = tsguide.files()["typescript/convshape.ts"]
    for f in tsguide.functions():
        assert validate_ts.check(text, f, 60).status is Status.PROVED, f.name
    module = tsparse.parse(text)
    for helper in tsexec.CONTRACTS:
        import z3

        solver = z3.Solver(ctx=tsexec.CTX)
        solver.add(z3.Not(tsexec.helper_lemma(module, helper)))
        assert solver.check() == z3.unsat


MUTANTS = [
    # (function, old, new): each a real mistake the proof must catch
    ("convOutputSize", "- 1n, _s)", ", _s)"),                          # off by one
    ("transposedConvA", "floorMod(", "floorDiv("),                    # the wrong helper
    ("transposedConvOutputSize", "_a > _s - 1n", "_a > _s"),          # a = s accepted
    ("poolOutputSize", "if (_k < 1n)", "if (_k < 0n)"),               # k = 0 let through
    ("samePadding", 'toNum("after"', 'Number(1n) + toNum("after"'),  # outside the subset
    ("convOutputSize", "got ${_i}`", "got ${_i + 1n}`"),              # a wrong message
    ("torchConvTranspose", "_a >= _d && _a >= _s", "_a >= _d || _a >= _s"),  # PyTorch's rule
]


@pytest.mark.parametrize(("name", "old", "new"), MUTANTS)
def test_a_wrong_text_is_not_proved_and_its_counterexample_is_real(
        name: str, old: str, new: str, tmp_path: Path) -> None:
    f = _function(name)
    stem = "convshape" if f in tsguide.functions() else "frameworkshape"
    text = _mutated((GENERATED / f"{stem}.ts").read_text(encoding="utf-8"), name, old, new)
    result = validate_ts.check(text, f, 60)
    if "Number(1n)" in new:
        assert result.status is Status.UNKNOWN
        assert "unsupported" in result.reason
        return
    assert result.status is Status.REFUTED, result
    cx = result.counterexample
    assert cx is not None
    args: list[Any] = [cx[p.name] if cx[f"{p.name}_tag"] == 2 else 0.5 for p in f.spec.params]
    # the counterexample, run under Node on the mutant's JavaScript (the types stripped by
    # tsc itself), differs from what the Python helper does there
    (tmp_path / f"{stem}.ts").write_text(text, encoding="utf-8")
    done = subprocess.run(["node", str(tsc()), "--target", "es2020", "--module", "es2020",
                           "--outDir", str(tmp_path), str(tmp_path / f"{stem}.ts")],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout
    other = "frameworkshape" if stem == "convshape" else "convshape"
    shutil.copy(GENERATED / f"{other}.js", tmp_path / f"{other}.js")
    shutil.copy(GENERATED / "package.json", tmp_path / "package.json")
    (answer,) = run_node(RUNNER % tmp_path, [(stem, name, args)], tmp_path)
    module = _modules()[stem][0]
    assert all(isinstance(x, int) and abs(x) <= MAX for x in args)
    want = _expected(f, _python(getattr(module, f.spec.name), args))
    assert answer != want, (args, answer)


def test_truncating_division_is_proved_only_where_it_is_floor() -> None:
    """BigInt's / truncates; where the numerator is never negative (after the window check)
    it is floor division, and the proof says so; in the helper for a possibly negative
    numerator (same_padding's ceil) it is not."""
    text = tsguide.files()["typescript/convshape.ts"]
    fine = _mutated(text, "convOutputSize", "floorDiv(_i + 2n * _p - _d * (_k - 1n) - 1n, _s)",
                    "(_i + 2n * _p - _d * (_k - 1n) - 1n) / _s")
    assert validate_ts.check(fine, _function("convOutputSize"), 60).status is Status.PROVED
    wrong = _mutated(text, "samePadding", "floorDiv(-_i, _s)", "-_i / _s")
    assert validate_ts.check(wrong, _function("samePadding"), 60).status is Status.REFUTED


def test_number_arithmetic_is_refused_never_proved() -> None:
    """IEEE-754 doubles are not modelled: a `number` operation in a function is unsupported."""
    text = tsguide.files()["typescript/convshape.ts"]
    bad = _mutated(text, "convOutputSize", "toNum(\"o\", _t0 + 1n)", "toNum(\"o\", _t0) + 1")
    assert validate_ts.check(bad, _function("convOutputSize"), 10).status is Status.UNKNOWN


def test_the_floor_division_helper_is_proved_from_its_text() -> None:
    import z3

    text = tsguide.files()["typescript/convshape.ts"]
    wrong = text.replace("? q - 1n : q;", "? q : q;", 1)
    solver = z3.Solver(ctx=tsexec.CTX)
    solver.add(z3.Not(tsexec.helper_lemma(tsparse.parse(wrong), "floorDiv")))
    assert solver.check() == z3.sat
    model = solver.model()
    n, d = (model.eval(z3.Int(x, tsexec.CTX), model_completion=True).as_long() for x in "nd")
    assert n // d != int(n / d) or (n % d != 0 and (n < 0) != (d < 0))  # a real difference


def test_the_js_is_the_ts_without_types() -> None:
    files = tsguide.files()
    assert validate_ts.same_tree(files["typescript/convshape.ts"],
                                 files["typescript/convshape.js"])
    changed = files["typescript/convshape.js"].replace("_s < 1n", "_s < 2n", 1)
    assert not validate_ts.same_tree(files["typescript/convshape.ts"], changed)


@pytest.mark.parametrize("text", [
    "function f(x) { while (x) { } return x; }",
    "function f(x) { return x >>> 1; }",
    "export function f(x: number): number { return Math.floor(x / 2); }",
    "function f(x) { x = 1; return x; }",
])
def test_the_parser_refuses_what_it_does_not_model(text: str) -> None:
    with pytest.raises(tsparse.TsParseError):
        tsparse.parse(text)


@pytest.mark.parametrize("body", ["return eval(x);", "return x + 1;", 'return x + "1";',
                                  "return BigInt(x) / 2;",
                                  "const BigInt = 1n; return BigInt(x);"])
def test_the_semantics_refuses_what_it_does_not_model(body: str) -> None:
    module = tsparse.parse(f"export function f(x: number): number {{ {body} }}")
    with pytest.raises(tsexec.TsSemanticsError):
        tsexec.execute(module, "f")


def test_a_function_shadowing_a_global_is_refused() -> None:
    """A module's own BigInt would be called where the model reads the global's meaning."""
    text = tsguide.files()["typescript/convshape.ts"]
    shadowed = text + "\nfunction BigInt(x: number): bigint {\n  return 5n;\n}\n"
    result = validate_ts.check(shadowed, _function("convOutputSize"), 10)
    assert result.status is Status.UNKNOWN
    assert "shadows a global" in result.reason
    local = tsparse.parse("function h(n: bigint): bigint { return n; }\n"
                          "export function f(x: number): number { const h = 1n; "
                          "return toNum(h(BigInt(x))); }")
    with pytest.raises(tsexec.TsSemanticsError, match="shadows a function"):
        tsexec.execute(local, "f")


def test_names_are_camel_case_in_one_order() -> None:
    assert ts.camel("conv_output_size") == "convOutputSize"
    assert ts.camel("p_begin") == "pBegin"
    f = _function("transposedConvOutputSize")
    assert [p.name for p in f.spec.params] == ["i", "k", "s", "p", "d", "a"]
    text = (GENERATED / "convshape.d.ts").read_text(encoding="utf-8")
    assert re.search(r"transposedConvOutputSize\(i: number, k: number, s\?: number, "
                     r"p\?: number, d\?: number, a\?: number\): number;", text)


NETWORK_RUNNER = """
import { pathToFileURL } from "node:url";
const m = await import(pathToFileURL("%s"));
let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const args of JSON.parse(input)) {
  try {
    out.push({ ok: m.%s(...args) });
  } catch (e) {
    out.push(e instanceof m.ShapeError ? { kind: e.kind, message: e.message }
                                       : { other: String(e) });
  }
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ["unet-2015", "resnet18", "transposed-residual", "ceil-pool"])
def test_network_typescript_answers_as_its_python_and_is_proved(name: str,
                                                                tmp_path: Path) -> None:
    import importlib.util

    from symconv.network.codegen import files, network_code
    from symconv.network.codegen_ts import ts_files, ts_proofs
    from symconv.network.spec import load_spec
    from symconv.network.study import study

    code = network_code(study(load_spec(ROOT / "examples" / "networks" / f"{name}.toml")),
                        f"{name}.toml")
    result, smt = ts_proofs(code, 60)
    assert result.status is Status.PROVED, result
    assert list(smt) == [f"{code.proof_dir}/typescript.smt2"]
    for path, text in {**files(code), **ts_files(code)}.items():
        (tmp_path / path).write_text(text, encoding="utf-8")
    shutil.copy(GENERATED / "package.json", tmp_path / "package.json")
    done = subprocess.run(["node", str(tsc()), "--strict", "--noEmit", "--target", "es2020",
                           "--module", "es2020", str(tmp_path / f"{code.function}.ts")],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not done.stdout.strip(), done.stdout
    spec = importlib.util.spec_from_file_location("net", tmp_path / code.python_path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rng = random.Random(7)
    n = len(code.params)
    points = [[rng.choice([rng.randint(-2, 300), rng.randint(1, 4096), rng.randint(1, MAX)])
               for _ in range(n)] for _ in range(3000)]
    points += [[v] * n for v in range(-2, 600)]
    got = run_node(NETWORK_RUNNER % (tmp_path / f"{code.function}.js", ts.camel(code.function)),
                   points, tmp_path)
    for point, answer in zip(points, got, strict=True):
        try:
            sizes = list(getattr(module, code.function)(*point))
        except ValueError as exc:
            refused = str(exc)
        else:
            refused = None
        if refused is not None:
            assert answer == {"kind": "value", "message": refused}, point
            continue
        if all(abs(v) <= MAX for v in sizes):
            assert answer == {"ok": sizes}, point
        else:
            assert answer.get("kind") == "range", point


def test_a_wrong_default_is_refuted() -> None:
    """The defaults are read from the text: an omitted stride must be 1, as in Python."""
    f = _function("convOutputSize")
    text = (GENERATED / "convshape.ts").read_text(encoding="utf-8")
    wrong = _mutated(text, "convOutputSize", "s: number = 1", "s: number = 2")
    result = validate_ts.check(wrong, f, 60)
    assert result.status is Status.REFUTED
    assert "default of s is 2" in result.reason
    dropped = _mutated(text, "convOutputSize", "s: number = 1", "s: number")
    assert validate_ts.check(dropped, f, 60).status is Status.REFUTED


def test_the_declarations_are_the_functions_signatures() -> None:
    """Each .d.ts declares every exported function of its .ts with the same parameters, in
    order, optional exactly where the .ts has a default, and the same return type."""
    signature = re.compile(r"export (?:declare )?function (\w+)\(([^)]*)\): ([^;{]+?)\s*[;{]")
    for name in ("convshape", "frameworkshape"):
        source = (GENERATED / f"{name}.ts").read_text(encoding="utf-8")
        declared = (GENERATED / f"{name}.d.ts").read_text(encoding="utf-8")
        want = {m[1]: ([(p.split(":")[0].strip(), "=" in p) for p in m[2].split(",")], m[3])
                for m in signature.finditer(source)}
        got = {m[1]: ([(p.split(":")[0].strip(" ?"), "?" in p) for p in m[2].split(",")], m[3])
               for m in signature.finditer(declared)}
        assert want == got
        assert len(want) == len(tsguide.functions() if name == "convshape"
                                else tscodegen.functions())


@pytest.mark.slow
@needs_z3
def test_smt2_files_rechecked_by_z3_binary() -> None:
    root = ROOT / "generated" / "proofs" / "ts"
    files = sorted(root.glob("*.smt2")) + sorted((root / "frameworks").glob("*.smt2"))
    assert len(files) == len(tsguide.functions()) + len(tscodegen.functions()) + 4
    for path in files:
        run = subprocess.run([Z3, "-T:120", str(path)], capture_output=True, text=True,
                             check=False)
        assert run.stdout.strip() == "unsat", (path.name, run.stdout, run.stderr)
