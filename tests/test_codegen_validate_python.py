"""Translation validation of the generated Python: proofs hold on the real text, mutated text is
refuted with counterexamples that re-evaluate in plain Python, and the SMT-LIB2 files are
checked by the stock z3 binary."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from symconv.codegen import validate_python as vp
from symconv.codegen.python import render_module
from symconv.codegen.spec import BY_NAME, FUNCTIONS, ShapeFunction
from symconv.evaluate import evaluate
from symconv.prover import Status
from symconv.theorems import all_theorems, select
from z3_binary import Z3, needs_z3

ROOT = Path(__file__).resolve().parents[1]
SOURCE = render_module()


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda f: f.name)
def test_generated_functions_are_proved(spec: ShapeFunction) -> None:
    result = vp.check(SOURCE, spec, timeout=60)
    assert result.status is Status.PROVED, result


def test_registered_as_theorems() -> None:
    chosen = select(all_theorems(), ["gen.py"])
    assert sorted(t.id for t in chosen) == sorted(f"gen.py.{f.name}" for f in FUNCTIONS)
    for theorem in chosen:
        assert theorem.check(60).status is Status.PROVED


def _run_text(source: str, name: str, env: Mapping[str, int]) -> tuple[str, object]:
    """Run the (test-built, mutated) generated module at one point: ('return', value) or
    ('raise', exception name). Test-only: the validator itself never runs the text."""
    import importlib.util
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mutated_convshape.py"
        path.write_text(source, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("mutated_convshape", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    fn = getattr(module, name)
    try:
        return "return", fn(**env)
    except Exception as exc:
        return "raise", type(exc).__name__


def _violates(source: str, spec: ShapeFunction, env: Mapping[str, int]) -> bool:
    """True when the text at ``env`` breaks the spec: wrong value in the domain, or anything
    but ValueError outside it (all judged in plain Python)."""
    kind, value = _run_text(source, spec.name, env)
    if evaluate(spec.domain, env) is not True:
        return not (kind == "raise" and value == "ValueError")
    if kind == "raise":
        return True
    want = [evaluate(r, env) for r in spec.results]
    if isinstance(value, range):
        got: list[object] = [value.start, value.stop - 1]
    elif isinstance(value, tuple):
        got = list(value)
    else:
        got = [value]
    return got != want


def _mutate(old: str, new: str, name: str) -> str:
    """Replace ``old`` by ``new`` once, in the code (after the docstring) of function ``name``."""
    start = SOURCE.index('"""', SOURCE.index('"""', SOURCE.index(f"\ndef {name}(")) + 3)
    end = SOURCE.index("\ndef ", start + 1)
    body = SOURCE[start:end]
    assert old in body, (old, name)
    return SOURCE[:start] + body.replace(old, new, 1) + SOURCE[end:]


MUTANTS = [
    ("conv_output_size", "t0 // s + 1", "t0 // s + 2"),              # off by one
    ("conv_output_size", "d * (k - 1) - 1\n", "d * (k - 1)\n"),      # window off by one
    ("conv_output_size", "t0 // s + 1", "t0 % s + 1"),               # wrong operator
    ("conv_output_size", "if t0 < 0:", "if t0 < -1:"),               # fit check too lax
    ("conv_output_size", "if p < 0:", "if p < -1:"),                 # validation too lax
    ("conv_output_size", "if d < 1:", "if d < 2:"),                  # validation too strict
    ("pool_output_size", "if s < 1:", "if s < 0:"),                  # lets s = 0 divide
    ("transposed_conv_output_size", "a > s - 1", "a > s"),           # a = s accepted
    ("transposed_conv_output_size", "- 2 * p\n", "- p\n"),           # padding once
    ("transposed_conv_a", "t0 % s", "t0 % (s + 1)"),
    ("same_padding", "t0 // 2", "(t0 + 1) // 2"),                    # extra before, not after
    ("input_size_range", "range(max(1, t0 + 1)", "range(max(0, t0 + 1)"),
    ("input_size_range", "s + t0 + 1)", "s + t0)"),
]


@pytest.mark.parametrize(("name", "old", "new"), MUTANTS)
def test_mutants_are_refuted_with_real_counterexamples(name: str, old: str, new: str) -> None:
    spec = BY_NAME[name]
    mutated = _mutate(old, new, name)
    result = vp.check(mutated, spec, timeout=60)
    assert result.status is Status.REFUTED, result
    assert result.counterexample is not None
    assert set(result.counterexample) == {prm.name for prm in spec.params}
    assert result.reason
    assert result.reason != "no violation"
    assert _violates(mutated, spec, result.counterexample), result
    assert not _violates(SOURCE, spec, result.counterexample)


def test_float_division_is_never_proved() -> None:
    mutated = _mutate("t0 // s + 1", "t0 / s + 1", "conv_output_size")
    result = vp.check(mutated, BY_NAME["conv_output_size"], timeout=60)
    assert result.status is Status.UNKNOWN
    assert "/" in result.reason
    assert "float" in result.reason


def test_renamed_parameter_is_rejected() -> None:
    start = SOURCE.index("\ndef conv_output_size(")
    end = SOURCE.index("\ndef ", start + 1)
    renamed = re.sub(r"\bk\b", "kk", SOURCE[start:end])
    mutated = SOURCE[:start] + renamed + SOURCE[end:]
    with pytest.raises(ValueError, match="differ from the spec"):
        vp.query(mutated, BY_NAME["conv_output_size"])


def test_smt2_text_is_deterministic_across_unrelated_z3_work() -> None:
    import z3

    before = vp.artifacts()
    noise = [z3.Int(f"noise{j}") * j + z3.Int("other") for j in range(300)]
    z3.simplify(z3.And(*[x > 0 for x in noise]))
    assert vp.artifacts() == before


@needs_z3
def test_committed_smt2_files_are_unsat_for_stock_z3() -> None:
    files = sorted((ROOT / "generated" / "proofs" / "python").glob("*.smt2"))
    assert [f.stem for f in files] == sorted(f.name for f in FUNCTIONS)
    for path in files:
        out = subprocess.run([Z3, "-T:60", str(path)], capture_output=True, text=True,
                             timeout=120)
        assert out.stdout.strip() == "unsat", (path.name, out.stdout, out.stderr)


@needs_z3
def test_smt2_of_a_mutant_is_sat_for_stock_z3(tmp_path: Path) -> None:
    spec = BY_NAME["conv_output_size"]
    mutated = _mutate("t0 // s + 1", "t0 // s + 2", spec.name)
    path = tmp_path / "mutant.smt2"
    path.write_text(vp.smt2(vp.query(mutated, spec)), encoding="utf-8")
    out = subprocess.run([Z3, "-T:60", str(path)], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "sat"


def test_smt2_is_plain_structure_with_every_input_declared() -> None:
    files = vp.artifacts()
    for spec in FUNCTIONS:
        text = files[f"proofs/python/{spec.name}.smt2"]
        assert "(let " not in text
        assert text.endswith("(check-sat)\n")
        declared = re.findall(r"^\(declare-fun (\w+) \(\) Int\)$", text, flags=re.M)
        assert declared == sorted(prm.name for prm in spec.params)


def _reference_smt(e: object, indent: int) -> str:
    """The SMT-LIB layout, dumbly: every use of a shared subterm walked again, each one-line
    candidate built in full and measured."""
    import z3

    assert isinstance(e, z3.ExprRef)
    if z3.is_int_value(e):
        v = e.as_long()
        return str(v) if v >= 0 else f"(- {-v})"
    if z3.is_true(e) or z3.is_false(e):
        return "true" if z3.is_true(e) else "false"
    if z3.is_const(e) and e.decl().kind() == z3.Z3_OP_UNINTERPRETED:
        return str(e.decl().name())
    kind, args = e.decl().kind(), e.children()
    if kind in (z3.Z3_OP_AND, z3.Z3_OP_OR) and len(args) < 2:
        if not args:
            return "true" if kind == z3.Z3_OP_AND else "false"
        return _reference_smt(args[0], indent)
    parts = [_reference_smt(a, indent + 2) for a in args]
    flat = f"({vp._SMT_OPS[kind]} {' '.join(parts)})"
    if len(flat) + indent <= 96 and "\n" not in flat:
        return flat
    pad = "\n" + " " * (indent + 2)
    return f"({vp._SMT_OPS[kind]}{pad}{pad.join(parts)})"


def test_smt2_layout_matches_a_dumb_reference() -> None:
    """Random terms with shared subterms, every operator, one-argument and/or, negative
    numbers, lines just under and over the width."""
    import random

    import z3

    rnd = random.Random(7)
    names = [z3.Int(n) for n in ("i", "k", "s", "p_begin", "longer_name_for_width")]
    for _ in range(300):
        ints: list[z3.ArithRef] = [*names, *(z3.IntVal(rnd.randint(-40, 40)) for _ in range(3))]
        bools: list[z3.BoolRef] = [z3.BoolVal(True), z3.BoolVal(False)]
        for _ in range(rnd.randint(1, 25)):
            x, y = rnd.choice(ints), rnd.choice(ints)
            ints.append(rnd.choice([x + y, x - y, -x, x * y, x / y, x % y,
                                    z3.If(rnd.choice(bools), x, y)]))
            b, c = rnd.choice(bools), rnd.choice(bools)
            bools.append(rnd.choice([x < y, x <= y, x > y, x >= y, x == y, z3.Distinct(x, y),
                                     z3.And(b, c), z3.Or(b, c, x > 0), z3.Not(b),
                                     z3.Implies(b, c), z3.And(b), z3.Or(c), z3.And()]))
        term = z3.And(*bools[-3:], ints[-1] == ints[-2])
        for indent in (0, 2, 7):
            assert vp._SmtWriter().term(term, indent) == _reference_smt(term, indent)
