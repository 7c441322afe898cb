"""generated/c/frameworkshape.h: in sync, one C function per Python framework helper, compiled
warning-free, equal to the generated Python helpers (values and refusals) over a grid, equal to a
big-int reference at int64 boundaries, UBSan-clean, every property proved, mutations refuted."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from symconv.codegen import c as cgen
from symconv.codegen import cbuild
from symconv.codegen.cinterp import Interpreter, Undefined
from symconv.codegen.validate_c import check, function_queries, generated_queries
from symconv.evaluate import evaluate
from symconv.frameworks import all_rules, compiled
from symconv.frameworks.ccodegen import PATH, PROOF_DIR, REFUSAL_CODES, artifacts, header, render
from symconv.frameworks.codegen import specs
from z3_binary import Z3, needs_z3

ROOT = Path(__file__).resolve().parents[1]
MIN, MAX = -(2**63), 2**63 - 1
BOUNDARY = (0, 1, -1, 2, 3, MAX, MIN, MAX // 2, MAX // 2 + 1, MIN // 2, MAX - 1, MIN + 1,
            2**31, 2**32, 2**62)
RULES = {r.id: r for r in all_rules()}
NAMES = [pr.name for pr in header().programs]

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")


def codes() -> dict[str, int]:
    return dict(header().code_values)


def python_helper(name: str) -> Callable[..., object]:
    from symconv.commands.shape import load_frameworkshape

    return getattr(load_frameworkshape(), name)  # type: ignore[no-any-return]


def python_verdict(name: str, args: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """The generated Python helper's answer as (code, outputs): its ValueError message names
    the parameter or carries the framework's message, which gives the code."""
    pr = header().program(name)
    rule = RULES[pr.spec.relation]
    try:
        value = python_helper(name)(*args)
    except ValueError as exc:
        text = str(exc)
        for param in pr.spec.params:
            if text.startswith(f"{param.name} must be"):
                return codes()[pr.param_code(param.name)], ()
        for refusal in rule.refusals:
            if text == f"{rule.id}: {refusal.shown}":
                return codes()[REFUSAL_CODES[(rule.framework, refusal.message)]], ()
        raise AssertionError(f"unexpected message {text!r}") from exc
    return 0, tuple(value) if isinstance(value, tuple) else (int(value),)  # type: ignore[arg-type]


@cache
def _compiled(name: str) -> tuple[list[tuple[str, Callable[[dict[str, int]], object]]],
                                  list[Callable[[dict[str, int]], int]]]:
    """The program's steps as plain-Python closures (frameworks.compiled: exact, no eval):
    each overflow-checked intermediate's exact value, each requirement as the spec states it."""
    pr = header().program(name)
    values = pr.values()
    requires = iter(pr.coded_requires)
    steps: list[tuple[str, Callable[[dict[str, int]], object]]] = []
    for st in pr.steps:
        if isinstance(st, cgen.Checked):
            steps.append(("checked", compiled.expr(values[st.name])))
        elif isinstance(st, cgen.Require):
            condition, code = next(requires)
            steps.append((code, compiled.pred(condition)))
    return steps, [compiled.expr(r) for r in pr.spec.results]


def reference(name: str, args: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """Big-int reference with int64 limits: parameter checks, then the program's steps in order —
    an overflow-checked intermediate outside int64 gives SYMCONV_E_OVERFLOW, a failed
    requirement (the spec's own condition, not the lowered one) its code — then the results."""
    pr = header().program(name)
    env = dict(zip((p.name for p in pr.spec.params), args, strict=True))
    for param in pr.spec.params:
        if not evaluate(param.check.condition, env):
            return codes()[pr.param_code(param.name)], ()
    steps, results = _compiled(name)
    for kind, fn in steps:
        if kind == "checked":
            if not MIN <= int(fn(env)) <= MAX:  # type: ignore[call-overload]
                return codes()[cgen.OVERFLOW.name], ()
        elif not fn(env):
            return codes()[kind], ()
    return 0, tuple(r(env) for r in results)


def test_header_is_generated_and_in_sync() -> None:
    assert (ROOT / "generated" / PATH).read_text() == render(), (
        "generated/c/frameworkshape.h is stale: run `symconv generate`")


def test_smt2_files_in_sync() -> None:
    want = artifacts()
    on_disk = {str(p.relative_to(ROOT / "generated")) for p in
               (ROOT / "generated" / PROOF_DIR).glob("*.smt2")}
    assert on_disk == {p for p in want if p.endswith(".smt2")}
    for path, text in want.items():
        assert (ROOT / "generated" / path).read_text() == text, f"generated/{path} is stale"


def test_one_function_per_python_helper() -> None:
    assert [spec.name for spec in specs()] == NAMES
    assert {c.name for c in header().codes} >= set(REFUSAL_CODES.values())
    assert len(set(codes().values())) == len(codes())


def test_reference_agrees_with_rules_on_small_inputs() -> None:
    for pr in header().programs:
        rule = RULES[pr.spec.relation]
        verdict_of = compiled.verdict(rule)
        for args in itertools.product(*([range(1, 5)] * len(pr.spec.params))):
            env = dict(zip(rule.names, args, strict=True))
            code, out = reference(pr.name, args)
            verdict = verdict_of(env)
            if code == 0 and len(out) == 1:
                assert verdict == out[0], (pr.name, args)
            else:
                assert (code == 0) == isinstance(verdict, int), (pr.name, args)


@needs_gcc
@pytest.mark.parametrize(("tool", "std"), [("gcc", "c99"), ("g++", "c++17")])
def test_header_compiles_warning_free(tmp_path: Path, tool: str, std: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed")
    cbuild.write_header(tmp_path, header())
    src = tmp_path / ("use.c" if tool == "gcc" else "use.cpp")
    src.write_text(cbuild.wrappers_source(header()))
    subprocess.run([tool, f"-std={std}", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c",
                    str(src), "-o", str(tmp_path / "use.o")], check=True)


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> cbuild.Library:
    if cbuild.compiler() is None:
        pytest.skip("gcc not installed")
    path = cbuild.build_shared(render(), tmp_path_factory.mktemp("fwc"), header=header())
    return cbuild.Library(path, header())


@needs_gcc
@pytest.mark.parametrize("name", NAMES)
def test_c_equals_python_helper_on_grid(lib: cbuild.Library, name: str) -> None:
    n = len(header().program(name).spec.params)
    for args in itertools.product(*([range(-1, 6 if n < 7 else 5)] * n)):
        got = answer(lib, name, args)
        assert got == python_verdict(name, args), (name, args)
        assert lib.strerror(got[0]) != "unknown symconv error code"


def answer(lib: cbuild.Library, name: str, args: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    code, outs = lib.call(name, *args)
    return code, outs if code == 0 else ()


def _boundary_points(n: int) -> list[tuple[int, ...]]:
    mixed = [tuple(BOUNDARY[(j * 7 + q * 3) % len(BOUNDARY)] for q in range(n))
             for j in range(150)]
    one_axis = [tuple(v if q == j else 3 for q in range(n)) for j in range(n) for v in BOUNDARY]
    big = [tuple(BOUNDARY[5 + (j >> q) % 4] if (j >> q) & 1 else 2 for q in range(n))
           for j in range(2**n)]
    return mixed + one_axis + big


@needs_gcc
@pytest.mark.parametrize("name", NAMES)
def test_c_equals_reference_at_int64_boundaries(lib: cbuild.Library, name: str) -> None:
    for args in _boundary_points(len(header().program(name).spec.params)):
        assert answer(lib, name, args) == reference(name, args), (name, args)


@needs_gcc
def test_ubsan_clean_on_boundaries(tmp_path: Path) -> None:
    run = cbuild.ubsan_run(tmp_path, header(), {
        pr.name: _boundary_points(len(pr.spec.params)) for pr in header().programs})
    assert run.returncode == 0, run.stderr
    assert "runtime error" not in run.stderr, run.stderr


@needs_gcc
def test_ubsan_catches_a_removed_overflow_check(tmp_path: Path) -> None:
    text = render()
    start, end = _body(text, "onnx_conv")
    check_ = "if (symconv__add(i, p_begin, &t0)) {"
    body = text[start:end].replace(check_, "t0 = i + p_begin;\n    if (0) {", 1)
    assert body != text[start:end]
    points = {name: [] for name in NAMES} | {"onnx_conv": [(MAX, 1, 1, MAX, 0, 1)]}
    run = cbuild.ubsan_run(tmp_path, header(), points, text[:start] + body + text[end:])
    assert run.returncode != 0
    assert "signed integer overflow" in run.stderr


@pytest.mark.slow
def test_every_property_proved() -> None:
    queries = generated_queries(header())
    assert len(queries) == 5 * len(NAMES)
    for q in queries:
        result = check(q, 60)
        assert result.status.value == "proved", (q.tid, result)


@pytest.mark.slow
@needs_z3
def test_smt2_files_rechecked_by_z3_binary() -> None:
    files = sorted((ROOT / "generated" / PROOF_DIR).glob("*.smt2"))
    assert len(files) == 5 * len(NAMES)
    for path in files:
        run = subprocess.run([Z3, "-T:60", str(path)], capture_output=True, text=True,
                             check=False)
        assert run.stdout.strip() == "unsat", (path.name, run.stdout, run.stderr)


def _refute(text: str, name: str, prop: str) -> dict[str, int]:
    h = header()
    q = next(q for q in function_queries(h.unit(text), h.program(name), h) if q.prop == prop)
    result = check(q, 60, text)
    assert result.status.value == "refuted", result
    assert result.counterexample is not None
    assert any(e.holds is False for e in result.evaluations), result
    return dict(result.counterexample)


def _body(text: str, name: str) -> tuple[int, int]:
    start = text.index(f"static inline int symconv_{name}(")
    return start, text.index("return SYMCONV_OK;", start)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "before", "after", "prop"), [
    # ceil mode's last-window rule: dropping it changes the answer
    ("torch_max_pool_ceil", "symconv__min(", "symconv__max(", "correct"),
    # refusal order: torch checks output_padding before the output size
    ("torch_conv_transpose", "SYMCONV_E_TORCH_OUTPUT_PADDING;", "SYMCONV_E_TORCH_OUTPUT_TOO_SMALL;",
     "error-codes"),
    # an unchecked sum can overflow
    ("onnx_conv", "if (symconv__add(i, p_begin, &t0)) {", "t0 = i + p_begin;\n    if (0) {",
     "no-overflow"),
])
def test_mutated_function_is_refuted(name: str, before: str, after: str, prop: str) -> None:
    text = render()
    start, end = _body(text, name)
    body = text[start:end]
    assert before in body
    mutated = text[:start] + body.replace(before, after, 1) + text[end:]
    cx = _refute(mutated, name, prop)
    pr = header().program(name)
    args = {p.name: cx[p.name] for p in pr.spec.params}
    interp = Interpreter(header().unit(mutated))
    if prop == "no-overflow":
        with pytest.raises(Undefined):
            interp.call(f"symconv_{name}", args)
    else:
        ret, outs = interp.call(f"symconv_{name}", args)
        want = reference(name, tuple(args.values()))
        assert (ret, tuple(outs.values()) if ret == 0 else ()) != want


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES[::9])
def test_never_succeeding_function_is_refuted(name: str) -> None:
    """Non-vacuity: the accepted region, the fit conditions and the assumed facts are
    satisfiable."""
    text = render()
    _, end = _body(text, name)
    mutated = text[:end] + "return SYMCONV_E_OVERFLOW;" + text[end + len("return SYMCONV_OK;"):]
    cx = _refute(mutated, name, "complete")
    pr = header().program(name)
    assert reference(name, tuple(cx[p.name] for p in pr.spec.params))[0] == 0
