"""generated/c/convshape.h: compiles as C99 and C++17 warning-free, agrees with a plain-Python
reference through ctypes (grid + int64 boundaries), UBSan-clean, proofs re-checked by the z3
binary, and mutated C is refuted with a counterexample that re-evaluates to a violation."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest

from symconv.codegen import c as cgen
from symconv.codegen import cbuild
from symconv.codegen.cinterp import Interpreter, Undefined
from symconv.codegen.cparse import parse
from symconv.codegen.validate_c import (
    W, Model, SpecEncoder, artifacts, check, function_queries, generated_queries, magnitude_bits,
    queries,
)
from z3_binary import Z3, needs_z3

ROOT = Path(__file__).resolve().parents[1]
MIN, MAX = -(2**63), 2**63 - 1
BOUNDARY = (0, 1, -1, 2, 3, MAX, MIN, MAX // 2, MAX // 2 + 1, MIN // 2, MAX - 1, MIN + 1,
            2**31, 2**32)

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not installed")


def fits(x: int) -> bool:
    return MIN <= x <= MAX


def count_placements(size: int, extent: int, stride: int) -> int:
    """Brute force: kernel placements of the given extent and stride on ``size`` units."""
    return sum(1 for start in range(0, size, stride) if start + extent <= size)


def reference(name: str, args: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """The spec in plain Python big-int arithmetic, with the header's error codes."""
    pr = cgen.BY_PROGRAM[name]
    env = dict(zip((p.name for p in pr.spec.params), args, strict=True))
    codes = cgen.CODE_VALUES
    for p in pr.spec.params:
        v = env[p.name]
        ok = v >= 0 and v <= env["s"] - 1 if p.name == "a" else v >= (0 if p.name == "p" else 1)
        if not ok:
            return codes[pr.param_code(p.name)], ()
    i, k, s = env.get("i", 0), env["k"], env["s"]
    p, d = env.get("p", 0), env["d"]
    ke = d * (k - 1)
    if name in ("conv_output_size", "pool_output_size", "transposed_conv_a"):
        if not (fits(ke) and fits(i + p) and fits(i + 2 * p)):
            return codes["SYMCONV_E_OVERFLOW"], ()
        if i + 2 * p < ke + 1:
            return codes["SYMCONV_E_WINDOW"], ()
        n = i + 2 * p - ke - 1
        if name == "transposed_conv_a":
            return 0, (n % s,)
        out = n // s + 1
        return (0, (out,)) if fits(out) else (codes["SYMCONV_E_OVERFLOW"], ())
    if name == "transposed_conv_output_size":
        a = env["a"]
        vals = [s * (i - 1), ke, s * (i - 1) + ke - 2 * p, s * (i - 1) + ke - 2 * p + a]
        out = vals[-1] + 1
        if not all(fits(v) for v in [*vals, out]):
            return codes["SYMCONV_E_OVERFLOW"], ()
        return (0, (out,)) if out >= 1 else (codes["SYMCONV_E_OUTPUT"], ())
    if name == "same_padding":
        ce = -(-i // s)
        vals = [ce, ce - 1, (ce - 1) * s, (ce - 1) * s - i, ke, (ce - 1) * s - i + ke,
                (ce - 1) * s - i + ke + 1]
        if not all(fits(v) for v in vals):
            return codes["SYMCONV_E_OVERFLOW"], ()
        total = max(0, vals[-1])
        return 0, (total // 2, total - total // 2)
    o = env["o"]
    x = (o - 1) * s + ke - 2 * p
    if not all(fits(v) for v in ((o - 1) * s, ke, x, x + 1, x + s)):
        return codes["SYMCONV_E_OVERFLOW"], ()
    return 0, (max(1, x + 1), x + s)


def test_reference_matches_brute_force_counting() -> None:
    for i, k, s, p, d in itertools.product(range(1, 9), range(1, 4), range(1, 4), range(3),
                                           range(1, 3)):
        code, out = reference("conv_output_size", (i, k, s, p, d))
        extent = d * (k - 1) + 1
        if code == 0:
            assert out[0] == count_placements(i + 2 * p, extent, s)
            lo_hi = reference("input_size_range", (out[0], k, s, p, d))[1]
            assert lo_hi[0] <= i <= lo_hi[1]
        else:
            assert count_placements(i + 2 * p, extent, s) == 0


def test_header_is_generated_and_in_sync() -> None:
    assert (ROOT / "generated" / cgen.PATH).read_text() == cgen.render(), (
        "generated/c/convshape.h is stale: run `symconv generate`")


@needs_gcc
@pytest.mark.parametrize(("tool", "std"), [("gcc", "c99"), ("g++", "c++17")])
def test_header_compiles_warning_free(tmp_path: Path, tool: str, std: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed")
    (tmp_path / "convshape.h").write_text(cgen.render())
    src = tmp_path / ("use.c" if tool == "gcc" else "use.cpp")
    src.write_text(cbuild.wrappers_source())
    subprocess.run([tool, f"-std={std}", "-Wall", "-Wextra", "-Werror", "-pedantic", "-c",
                    str(src), "-o", str(tmp_path / "use.o")], check=True)


def _points(name: str) -> list[tuple[int, ...]]:
    n = len(cgen.BY_PROGRAM[name].spec.params)
    grid = list(itertools.product(*([range(-1, 5)] * n)))
    bound = [tuple(BOUNDARY[(j * 7 + q * 3) % len(BOUNDARY)] for q in range(n))
             for j in range(200)]
    bound += [tuple(v if q == j else 3 for q in range(n)) for j in range(n) for v in BOUNDARY]
    return grid + bound


@pytest.fixture(scope="module")
def lib(tmp_path_factory: pytest.TempPathFactory) -> cbuild.Library:
    if cbuild.compiler() is None:
        pytest.skip("gcc not installed")
    return cbuild.Library(cbuild.build_shared(cgen.render(), tmp_path_factory.mktemp("c")))


@needs_gcc
@pytest.mark.parametrize("name", [pr.name for pr in cgen.PROGRAMS])
def test_c_matches_reference(lib: cbuild.Library, name: str) -> None:
    for args in _points(name):
        code, out = lib.call(name, *args)
        want_code, want = reference(name, args)
        assert code == want_code, (name, args, code, want_code)
        if code == 0:
            assert out == want, (name, args)
        assert lib.strerror(code) != "unknown symconv error code"


@needs_gcc
def test_ubsan_clean_on_boundaries(tmp_path: Path) -> None:
    run = cbuild.ubsan_run(tmp_path, cgen.HEADER, {
        pr.name: _points(pr.name)[-300:] for pr in cgen.PROGRAMS})
    assert run.returncode == 0, run.stderr
    assert "runtime error" not in run.stderr, run.stderr


@pytest.mark.slow
@needs_z3
def test_smt2_files_rechecked_by_z3_binary() -> None:
    files = sorted((ROOT / "generated" / "proofs" / "c").glob("*.smt2"))
    assert len(files) == len(queries(cgen.HEADER))
    for path in files:
        run = subprocess.run([Z3, "-T:60", str(path)], capture_output=True, text=True,
                             check=False)
        assert run.stdout.strip() == "unsat", (path.name, run.stdout, run.stderr)


def test_smt2_files_in_sync() -> None:
    want = artifacts()
    for path, text in want.items():
        assert (ROOT / "generated" / path).read_text() == text, (
            f"generated/{path} is stale: run `symconv generate`")


@pytest.mark.slow
def test_every_c_theorem_proved() -> None:
    for q in generated_queries(cgen.HEADER):
        result = check(q, 60)
        assert result.status.value == "proved", (q.tid, result)


def test_spec_fits_model_width() -> None:
    for pr in cgen.PROGRAMS:
        for e in (*pr.spec.results, pr.spec.domain, *pr.checked_values()):
            assert magnitude_bits(e) < W


@pytest.mark.parametrize(("n", "d"), [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, 3), (-1, 5),
                                      (MIN, 1), (MIN, 2), (MAX, -1), (MIN + 1, -1)])
def test_floor_encoding_matches_python(n: int, d: int) -> None:
    import z3

    model = Model(parse(cgen.render()), z3.Context())
    enc = SpecEncoder(model)
    nv, dv = model.input("n"), model.input("d")
    s = z3.Solver(ctx=model.ctx)
    s.add(model.inputs["n"] == n, model.inputs["d"] == d)
    assert s.check() == z3.sat
    m = s.model()
    floor_t = model.z(enc.floordiv(nv, dv))
    mod_t = model.z(enc.floormod(nv, dv))
    assert m.eval(floor_t).as_signed_long() == n // d
    assert m.eval(mod_t).as_signed_long() == n % d


@pytest.mark.parametrize(("n", "d"), [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, 3), (-1, 5),
                                      (MIN, 1), (MIN, 2), (MAX, -1), (MIN + 1, -1), (MAX, MIN),
                                      (MIN, MAX), (5, 7), (-5, 7), (6, -3)])
def test_integer_division_encoding_is_c_truncation(n: int, d: int) -> None:
    """The integer encoding of C's / and % (the helper proofs' semantics) against plain Python
    truncation, C's rule: the algebraic quotient with its fractional part discarded."""
    import z3

    from symconv.codegen.csem import truncating_quotient

    ctx = z3.Context()
    q = z3.simplify(truncating_quotient(z3.IntVal(n, ctx), z3.IntVal(d, ctx)))
    want = abs(n) // abs(d) * (1 if (n < 0) == (d < 0) else -1)
    assert q.as_long() == want
    assert n - want * d == (abs(n) % abs(d)) * (1 if n >= 0 else -1)  # C's %: sign of n


def test_helper_queries_are_not_vacuous() -> None:
    """The assumptions of each helper query (the int64 domain, the quotient's definition, the
    precondition) admit values: each query without its negated goal is satisfiable."""
    import z3

    from symconv.codegen.validate_c import division_queries, mul_contract_queries

    for q in [*division_queries(z3.Context()),
              *mul_contract_queries(parse(cgen.render()), z3.Context())]:
        assumptions = q.negation.children()[:-1]
        s = z3.Solver(ctx=q.negation.ctx)
        s.add(*assumptions)
        assert s.check() == z3.sat, q.tid


@pytest.mark.parametrize(("before", "after", "prop"), [
    ("if (bx + by > 64) {", "if (bx + by > 66) {", "no-overflow"),
    ("if (x <= 2147483647 && y <= 2147483647) {", "if (x <= 8589934591 && y <= 2147483647) {",
     "sound"),
    ("if ((uint64_t)x * (uint64_t)y > (uint64_t)INT64_MAX) {",
     "if ((uint64_t)x * (uint64_t)y > (uint64_t)INT64_MAX * 2) {", "no-overflow"),
])
def test_mutated_mul_helper_is_refuted(before: str, after: str, prop: str) -> None:
    """symconv__mul's contract in the integer encoding catches a wrong bound; the counterexample
    re-runs in plain Python to a violation."""
    import z3

    from symconv.codegen.validate_c import mul_contract_queries

    text = cgen.render()
    assert before in text
    mutated = text.replace(before, after, 1)
    q = next(q for q in mul_contract_queries(parse(mutated), z3.Context())
             if q.tid == f"gen.c.helper.mul.{prop}")
    result = check(q, 60, mutated)
    assert result.status.value == "refuted", result
    assert result.counterexample is not None
    assert any(e.holds is False for e in result.evaluations), result
    x, y = result.counterexample["x"], result.counterexample["y"]
    assert x >= 0
    assert y >= 0
    assert x * y > MAX  # every mutation above lets a product past INT64_MAX through


def _refute(text: str, name: str, prop: str) -> tuple[dict[str, int], str]:
    q = next(q for q in function_queries(parse(text), cgen.BY_PROGRAM[name]) if q.prop == prop)
    result = check(q, 60, text)
    assert result.status.value == "refuted", result
    assert result.counterexample is not None
    assert any(e.holds is False for e in result.evaluations), result
    return dict(result.counterexample), result.reason


@pytest.mark.slow
def test_missing_overflow_check_is_refuted() -> None:
    text = cgen.render()
    check_line = "    if (y > 0 && x > INT64_MAX - y) {\n        return 1;\n    }\n"
    assert check_line in text
    mutated = text.replace(check_line, "", 1)
    cx, _ = _refute(mutated, "conv_output_size", "no-overflow")
    args = {k: cx[k] for k in ("i", "k", "s", "p", "d")}
    with pytest.raises(Undefined):
        Interpreter(parse(mutated)).call("symconv_conv_output_size", args)


@pytest.mark.slow
def test_truncating_division_is_refuted() -> None:
    text = cgen.render()
    adjust = "        q = q - 1;\n"
    assert adjust in text
    mutated = text.replace(adjust, "        q = q - 0;\n", 1)
    cx, _ = _refute(mutated, "same_padding", "correct")
    args = tuple(cx[k] for k in ("i", "k", "s", "d"))
    ret, outs = Interpreter(parse(mutated)).call("symconv_same_padding", dict(
        zip(("i", "k", "s", "d"), args, strict=True)))
    assert ret != 0 or (outs["before"], outs["after"]) != reference("same_padding", args)[1]


@pytest.mark.slow
@pytest.mark.parametrize("name", [pr.name for pr in cgen.PROGRAMS])
def test_never_succeeding_function_is_refuted(name: str) -> None:
    """Non-vacuity: the domain, the fit conditions and the assumed facts are satisfiable."""
    text = cgen.render()
    head = f"symconv_{name}("
    start = text.index(head)
    end = text.index("return SYMCONV_OK;", start)
    mutated = text[:end] + "return SYMCONV_E_OVERFLOW;" + text[end + len("return SYMCONV_OK;"):]
    cx, _ = _refute(mutated, name, "complete")
    pr = cgen.BY_PROGRAM[name]
    args = tuple(cx[p.name] for p in pr.spec.params)
    assert reference(name, args)[0] == 0


@needs_gcc
def test_measure_c_times_every_function() -> None:
    from symconv.codegen.cbench import measure_c

    times = measure_c()
    assert set(times) == {pr.name for pr in cgen.PROGRAMS}
    # a sanity bound, not a speed target (that is tests/bench_speed.py's, and `symconv bench`'s)
    assert all(0 < ns < 1_000_000 for ns in times.values()), times
