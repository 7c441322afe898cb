"""generated/rust: in sync; built, tested and linted by the machine's cargo (clippy with
-D warnings), equal to the generated Python helpers on every boundary value and random values
up to 2**63; read back from its text and every property proved; mutations refuted with
counterexamples that re-run to a violation in plain Python; the certificates re-checked by the
z3 binary."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import z3

from rust_cases import inputs, python_answer, table
from symconv.codegen import rust as rgen
from symconv.codegen import validate_rust as vr
from symconv.codegen.csem import ValidationError
from symconv.codegen.rsexec import RustInterpreter, RustPanic
from symconv.codegen.rsparse import RustSyntaxError, parse
from symconv.genload import load_convshape, load_frameworkshape
from symconv.network.codegen import NetworkCode
from symconv.prover import Status
from z3_binary import Z3, needs_z3

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
NAMES = [f.name for f in rgen.functions()]

needs_cargo = pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo not installed")


def helper(f: rgen.RustFunction) -> Callable[..., object]:
    module = load_convshape() if f.module == "guide" else load_frameworkshape()
    return getattr(module, f.name)  # type: ignore[no-any-return]


def cases(n_random: int = 60) -> list[str]:
    return table([(f"{f.module}::{f.name}", f, helper(f)) for f in rgen.functions()],
                 n_random=n_random)


def test_crate_is_generated_and_in_sync() -> None:
    for path, text in rgen.render_files().items():
        assert (GENERATED / path).read_text() == text, (
            f"generated/{path} is stale: run `symconv generate`")


def test_smt2_files_in_sync() -> None:
    f = rgen.functions("frameworks")[3]
    for q in vr.group_queries(f.name):
        assert (GENERATED / q.path).read_text() == q.smt2(), (
            f"generated/{q.path} is stale: run `symconv generate`")
    on_disk = {p.relative_to(GENERATED).as_posix()
               for p in (GENERATED / vr.PROOF_DIR).rglob("*.smt2")}
    assert on_disk == set(vr.artifacts())


def test_parameters_in_the_guide_order() -> None:
    f = next(f for f in rgen.functions("guide") if f.name == "transposed_conv_output_size")
    assert f.params == ("i", "k", "s", "p", "d", "a")
    assert rgen.rust_order(("i", "k", "s", "p", "a", "d", "o")) == ("i", "k", "s", "p", "d",
                                                                      "a", "o")
    for f in rgen.functions():
        names = [n for n in ("i", "k", "s", "p", "d", "a") if n in f.params]
        assert [n for n in f.params if n in names] == names, f.name


def test_variants_are_distinct_and_displayed() -> None:
    variants = rgen.crate()[1]
    assert len({v.name for v in variants}) == len(variants)
    assert len({v.message for v in variants}) == len(variants)
    text = (GENERATED / "rust/src/error.rs").read_text()
    for v in variants:
        assert f'Self::{v.name} => "' in text


@pytest.fixture(scope="module")
def crate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of generated/rust (cargo writes Cargo.lock beside Cargo.toml) with the case
    table from the Python helpers."""
    root = tmp_path_factory.mktemp("rust") / "crate"
    shutil.copytree(GENERATED / "rust", root)
    (root / "cases.txt").write_text("\n".join(cases()) + "\n")
    return root


def _cargo(crate: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARGO_TARGET_DIR": str(crate.parent / "target"),
           "SYMCONV_CASES": str(crate / "cases.txt"), "CARGO_TERM_COLOR": "never"}
    return subprocess.run(["cargo", *args], cwd=crate, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


@needs_cargo
def test_cargo_build_warning_free(crate: Path) -> None:
    for features in ([], ["--features", "std"]):
        run = _cargo(crate, "build", "--offline", *features)
        assert run.returncode == 0, run.stderr
        assert "warning" not in run.stderr, run.stderr


@needs_cargo
def test_cargo_test_agrees_with_python_helpers(crate: Path) -> None:
    run = _cargo(crate, "test", "--offline", "--", "--include-ignored")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout, run.stdout


@needs_cargo
def test_cargo_test_catches_a_wrong_answer(crate: Path, tmp_path: Path) -> None:
    lines = (crate / "cases.txt").read_text().splitlines()
    n = next(j for j, line in enumerate(lines) if line.endswith(" ok 5"))
    lines[n] = lines[n][: -len("ok 5")] + "ok 6"
    bad = tmp_path / "bad.txt"
    bad.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "CARGO_TARGET_DIR": str(crate.parent / "target"),
           "SYMCONV_CASES": str(bad)}
    run = subprocess.run(["cargo", "test", "--offline", "--", "--include-ignored"], cwd=crate,
                         env=env, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode != 0
    assert f"line {n + 1}:" in run.stdout + run.stderr


def _clippy_available() -> bool:
    return shutil.which("cargo") is not None and subprocess.run(
        ["cargo", "clippy", "--version"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(not _clippy_available(), reason="cargo clippy not installed")
def test_cargo_clippy_deny_warnings(crate: Path) -> None:
    run = _cargo(crate, "clippy", "--offline", "--all-targets", "--all-features", "--",
                 "-D", "warnings")
    assert run.returncode == 0, run.stderr


def test_python_run_of_the_text_agrees_with_python_helpers() -> None:
    """The plain-Python semantics of the parsed text (the one counterexamples re-run on)
    against the Python helpers, on fewer random cases than cargo gets."""
    interp = RustInterpreter(vr.crate_unit())
    rng = random.Random(7)
    for f in rgen.functions():
        py = helper(f)
        for args in list(dict.fromkeys(inputs(f.params, rng, 8))):
            kind, value = interp.call(f.name, dict(zip(f.params, args, strict=True)))
            got = "ok" + "".join(f" {v}" for v in value) if kind == "ok" else f"err {value}"
            assert got == python_answer(f, py, args), (f.name, args)


def test_oracle_agrees_with_python_helpers() -> None:
    rng = random.Random(3)
    for f in rgen.functions():
        py = helper(f)
        for args in list(dict.fromkeys(inputs(f.params, rng, 3)))[::7]:
            kind, value = rgen.expected(f, dict(zip(f.params, args, strict=True)))
            got = "ok" + "".join(f" {v}" for v in value) if kind == "ok" else f"err {value}"
            assert got == python_answer(f, py, args), (f.name, args)


@pytest.mark.parametrize("name", NAMES)
def test_every_property_proved(name: str) -> None:
    f = vr._function(name)
    for q in vr.group_queries(name):
        r = vr.check(q, f, vr.crate_unit(), 60)
        assert r.status is Status.PROVED, (q.tid, r.status, r.reason, r.counterexample)


def test_spec_floor_and_mod_encodings_proved() -> None:
    found = [t for t in vr.theorems() if t.id.startswith("gen.rs.spec.")]
    assert [t.id for t in found] == ["gen.rs.spec.floor", "gen.rs.spec.mod"]
    for t in found:
        assert t.check(60).status is Status.PROVED, t.id


def _refute(name: str, before: str, after: str, prop: str) -> dict[str, int]:
    files = dict(rgen.source_files())
    f = vr._function(name)
    module = f"{f.module}.rs"
    start = files[module].index(f"pub const fn {name}(")
    end = files[module].index("\n}\n", start)
    body = files[module][start:end]
    assert before in body, before
    files[module] = files[module][:start] + body.replace(before, after, 1) + files[module][end:]
    unit = parse(files)
    query = next(q for q in vr.function_queries(unit, f, "t", "p", "x", z3.Context())
                 if q.prop == prop)
    result = vr.check(query, f, unit, 60)
    assert result.status is Status.REFUTED, (prop, result.status, result.reason)
    assert result.reason == "violation re-evaluated in plain Python"
    assert result.counterexample is not None
    return result.counterexample


@pytest.mark.parametrize(("name", "before", "after", "prop"), [
    # an off-by-one in the arithmetic: a wrong answer
    ("conv_output_size", "k.checked_sub(1)", "k.checked_sub(2)", "correct"),
    # a parameter check dropped: an answer to an invalid input, and the wrong variant
    ("conv_output_size", "if d < 1 {", "if d < 0 {", "correct"),
    ("conv_output_size", "if d < 1 {", "if d < 0 {", "error-codes"),
    # a requirement with the wrong variant
    ("transposed_conv_output_size", "Err(ShapeError::Output)", "Err(ShapeError::Window)",
     "error-codes"),
    # the checks in another order than the arguments
    ("transposed_conv_output_size", "if d < 1 {", "if d < 0 {", "error-codes"),
])
def test_mutated_function_is_refuted(name: str, before: str, after: str, prop: str) -> None:
    _refute(name, before, after, prop)


def test_plain_overflowing_addition_is_refuted_as_a_panic() -> None:
    """A plain i64 product before the widening (the i128 sums of the body cannot overflow:
    the prover says so, and the same edit there is proved safe)."""
    cx = _refute("conv_output_size", "let i = i as i128;",
                 "let t99 = i * p;\n    let i = i as i128;", "no-panic")
    assert not -(2**63) <= cx["i"] * cx["p"] < 2**63


def test_unchecked_narrowing_is_refuted_as_a_wrap() -> None:
    _refute("conv_output_size", "let Some(r_o) = narrow(t8) else {",
            "let r_o = t8 as i64;\n    let Some(t99) = narrow(0) else {", "no-wrap")


def test_refusing_an_i128_overflow_is_refuted_as_incomplete() -> None:
    """Computing in i64 instead of i128 refuses valid inputs whose result fits."""
    cx = _refute("conv_output_size", "let i = i as i128;", "let i = i as i128;\n"
                 "    let Some(t99) = d.checked_mul(k) else {\n"
                 "        return Err(ShapeError::Overflow);\n    };", "complete")
    assert not -(2**63) <= cx["d"] * cx["k"] < 2**63


def test_truncating_division_is_refuted() -> None:
    files = dict(rgen.source_files())
    files["arith.rs"] = files["arith.rs"].replace("if n % m != 0 && (n < 0) != (m < 0) {\n"
                                                  "        return q - 1;",
                                                  "if n % m != 0 && (n < 0) == (m < 0) {\n"
                                                  "        return q - 1;")
    unit = parse(files)
    f = vr._function("conv_output_size")
    query = next(q for q in vr.function_queries(unit, f, "t", "p", "x") if q.prop == "correct")
    result = vr.check(query, f, unit, 60)
    assert result.status is Status.REFUTED
    assert result.reason == "violation re-evaluated in plain Python"


@pytest.mark.parametrize("source", [
    "pub const fn f(i: i64) -> Result<i64, ShapeError> { unsafe { Ok(i) } }",
    "pub const fn f(i: i64) -> Result<i64, ShapeError> { let mut x = i; x += 1; Ok(x) }",
    "pub const fn f(i: i64) -> Result<i64, ShapeError> { panic!(\"no\") }",
    "pub const fn f(i: i64) -> Result<i64, ShapeError> { loop { } }",
    "pub fn f(i: i64) -> Result<i64, ShapeError> { Ok(i) }",
    "pub const fn f(i: u64) -> Result<i64, ShapeError> { Ok(i) }",
    "pub const fn f(i: i64) -> Result<i64, ShapeError> { Ok(i.wrapping_add(1)) }",
])
def test_text_outside_the_subset_is_refused(source: str) -> None:
    def read_back() -> None:
        unit = parse({"x.rs": "pub enum ShapeError { I }\n" + source})
        vr.execute(vr.RustModel(unit, z3.Context()), unit.functions["f"])

    with pytest.raises((RustSyntaxError, ValidationError)):
        read_back()


def test_interpreter_reports_a_panic() -> None:
    unit = parse({"x.rs": "pub enum ShapeError { I }\n"
                  "pub const fn f(i: i64) -> Result<i64, ShapeError> { Ok(i / (i - i)) }"})
    with pytest.raises(RustPanic):
        RustInterpreter(unit).call("f", {"i": 3})


@needs_z3
def test_smt2_files_rechecked_by_z3_binary() -> None:
    paths = sorted((GENERATED / vr.PROOF_DIR).rglob("*.smt2"))
    assert len(paths) == 5 * len(NAMES) + 2
    for path in paths[::23]:
        run = subprocess.run([Z3, "-T:60", str(path)], capture_output=True, text=True,
                             timeout=120, check=False)
        assert run.stdout.strip() == "unsat", (path, run.stdout, run.stderr)


# --- generate --network: one Rust file per network ---------------------------------------------

NETWORKS = ROOT / "examples" / "networks"
NETWORK_SPECS = sorted(p.stem for p in NETWORKS.glob("*.toml") if p.stem != "bench-100")


def _network(name: str) -> NetworkCode:
    import argparse

    from symconv.commands.network import load
    from symconv.network.codegen import network_code
    from symconv.network.study import study

    network = load(argparse.Namespace(torch=None, kwargs=None, channels=None,
                                      source=str(NETWORKS / f"{name}.toml")))
    return network_code(study(network), f"{name}.toml")


def _python_function(code: NetworkCode, workdir: Path) -> Callable[..., object]:
    import importlib.util

    path = workdir / code.python_path
    path.write_text(code.render_python())
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, code.function)  # type: ignore[no-any-return]


def network_answer(code: NetworkCode, fn: Callable[..., object], args: tuple[int, ...]) -> str:
    f, _ = code.rust
    try:
        value = fn(*args)
    except ValueError as exc:
        text = str(exc)

        def said(template: str) -> str:
            for p, v in zip(code.params, args, strict=True):
                template = template.replace("{" + p + "}", str(v))
            return template

        if any(text == said(code.param_message(j)) for j in range(len(code.params))):
            return f"err {f.param_variants[next(j for j, v in enumerate(args) if v < 1)]}"
        for r, variant in zip(code.refusals, f.require_variants, strict=True):
            if text == said(code.refusal_message(r)):
                return f"err {variant}"
        raise AssertionError(f"{code.function}{args}: unexpected message {text!r}") from exc
    assert isinstance(value, tuple)
    if not all(-(2**63) <= v < 2**63 for v in value):
        return "err Overflow"
    return "ok" + "".join(f" {v}" for v in value)


@needs_cargo
def test_network_rust_builds_lints_and_agrees_with_python(tmp_path: Path) -> None:
    """Every example network's Rust file as a module of a no_std crate: built and linted
    warning-free, and equal to the network's generated Python function on every boundary value
    and random values up to 2**63."""
    crate = tmp_path / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "tests").mkdir()
    (crate / "Cargo.toml").write_text('[package]\nname = "nets"\nversion = "0.1.0"\n'
                                      'edition = "2021"\n\n[dependencies]\n')
    lib = ["#![no_std]", "#![forbid(unsafe_code)]"]
    arms = []
    lines = []
    rng = random.Random(5)
    for name in NETWORK_SPECS:
        code = _network(name)
        f, _ = code.rust
        (crate / "src" / code.rust_path).write_text(code.render_rust())
        lib.append(f"pub mod {code.function};")
        args = ", ".join(f"a[{j}]" for j in range(len(f.params)))
        names = [n for n, _ in f.outputs]
        arms.append(f'        "{code.function}" => nets::{code.function}::{code.function}({args})'
                    f'.map(|{f.ok}| vec![{", ".join(names)}]).map_err(|e| format!("{{e:?}}")),')
        fn = _python_function(code, tmp_path)
        for point in dict.fromkeys(inputs(f.params, rng, 40)):
            lines.append(f"{code.function} {' '.join(map(str, point))} "
                         f"{network_answer(code, fn, point)}")
    (crate / "src" / "lib.rs").write_text("\n".join(lib) + "\n")
    (crate / "tests" / "agree.rs").write_text(
        "fn call(name: &str, a: &[i64]) -> Result<Vec<i64>, String> {\n    match name {\n"
        + "\n".join(arms) + '\n        _ => panic!("no function {name}"),\n    }\n}\n\n'
        "#[test]\nfn agrees() {\n"
        '    let text = std::fs::read_to_string(std::env::var("SYMCONV_CASES").unwrap())'
        ".unwrap();\n"
        "    for line in text.lines() {\n"
        "        let w: Vec<&str> = line.split_whitespace().collect();\n"
        '        let at = w.iter().position(|x| *x == "ok" || *x == "err").unwrap();\n'
        "        let args: Vec<i64> = w[1..at].iter().map(|x| x.parse().unwrap()).collect();\n"
        "        let got = match call(w[0], &args) {\n"
        '            Ok(v) => v.iter().fold(String::from("ok"), |s, x| format!("{s} {x}")),\n'
        '            Err(e) => format!("err {e}"),\n'
        "        };\n"
        '        assert_eq!(got, w[at..].join(" "), "{line}");\n'
        "    }\n}\n")
    (crate / "cases.txt").write_text("\n".join(lines) + "\n")
    for args in (("build", "--offline"), ("test", "--offline")):
        run = _cargo(crate, *args)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "warning" not in run.stderr, run.stderr
    if _clippy_available():
        run = _cargo(crate, "clippy", "--offline", "--", "-D", "warnings")
        assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("name", NETWORK_SPECS)
def test_network_rust_proved(name: str) -> None:
    from symconv.network.codegen_proofs import rust_proofs

    code = _network(name)
    proofs, files = rust_proofs(code, timeout=60)
    assert [p.result.status for p in proofs] == [Status.PROVED] * 5, [
        (p.id, p.result.reason) for p in proofs]
    assert sorted(files) == sorted(f"proofs/{code.function}/rust/{code.function}-{prop}.smt2"
                                   for prop in vr.PROPERTIES)
    assert all(text.startswith(f"// Generated by `{code.command}`")
               or text.startswith(f"; Generated by `{code.command}`") for text in files.values())


def test_network_rust_mutation_refuted() -> None:
    from symconv.network.codegen_proofs import rust_proofs

    code = _network("unet-padded")
    text = code.render_rust().replace("let t0 = floor_div(h, 2);", "let t0 = floor_div(h, 3);",
                                      1)
    proofs, _ = rust_proofs(code, text, timeout=60)
    bad = {p.id.rsplit(".", 1)[1]: p.result for p in proofs}
    assert bad["correct"].status is Status.REFUTED or bad["error-codes"].status is Status.REFUTED
    refuted = [r for r in bad.values() if r.status is Status.REFUTED]
    assert all(r.reason == "violation re-evaluated in plain Python" for r in refuted)


def test_if_then_else_sizes_are_emitted_and_proved(tmp_path: Path) -> None:
    """A Select (a network's broadcasting add: a size-1 axis meets any size) and Max/Min,
    Mod and a product of parameters, through the same lowering, printing and proofs."""
    import sympy as sp

    from symconv.codegen.c import piecewise
    from symconv.codegen.clower import lower
    from symconv.codegen.spec import Check, Param, ShapeFunction

    h, w = sp.symbols("h w", integer=True)
    result = piecewise(w, sp.Eq(sp.floor(h / 2), 1), sp.Max(sp.floor(h / 2), sp.Mod(w, 3)))
    spec = ShapeFunction(
        "mixed_shape", "network", "A test.",
        (Param("h", h, None, Check(sp.Ge(h, 1), "h >= 1")),
         Param("w", w, None, Check(sp.Ge(w, 1), "w >= 1"))),
        (Check(sp.Ge(h * w, 2), "too small"),), (result, sp.Min(h, w) * 3), ("a", "b"), "")
    program = lower(spec, ["SYMCONV_T_E_SMALL"])
    variants = rgen.Variants()
    messages = {"SYMCONV_T_E_H": "h must be >= 1", "SYMCONV_T_E_W": "w must be >= 1",
                "SYMCONV_T_E_SMALL": "too small"}
    f = rgen.RustFunction(program, "t", ("h", "w"),
                          tuple(variants.code(f"SYMCONV_T_E_{n.upper()}",
                                              messages[f"SYMCONV_T_E_{n.upper()}"], "SYMCONV_T_E_")
                                for n in ("h", "w")),
                          (variants.code("SYMCONV_T_E_SMALL", "too small", "SYMCONV_T_E_"),), ())
    text = rgen.render_network(f, variants.all(), "t.rs", "test", "t", "t.toml",
                               "the first layer that refuses the input")
    assert "} else {" in text
    unit = parse({"t.rs": text})
    for q in vr.function_queries(unit, f, "t", "p", "t.rs"):
        r = vr.check(q, f, unit, 60)
        assert r.status is Status.PROVED, (q.prop, r.reason, r.counterexample)
    interp = RustInterpreter(unit)
    for hv in (-1, 1, 2, 3, 5, 2**62, 2**63 - 1):
        for wv in (0, 1, 2, 7, 2**63 - 1):
            assert interp.call("mixed_shape", {"h": hv, "w": wv}) == rgen.expected(
                f, {"h": hv, "w": wv})
    if _clippy_available():
        crate = tmp_path / "crate"
        (crate / "src").mkdir(parents=True)
        (crate / "Cargo.toml").write_text('[package]\nname = "t"\nversion = "0.1.0"\n'
                                          'edition = "2021"\n')
        (crate / "src" / "lib.rs").write_text("#![no_std]\npub mod t;\n")
        (crate / "src" / "t.rs").write_text(text)
        run = _cargo(crate, "clippy", "--offline", "--", "-D", "warnings")
        assert run.returncode == 0, run.stderr
