"""The Python API: the same results the CLI renders, typed, and ``import symconv`` stays light."""

from __future__ import annotations

import inspect
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import symconv
from symconv import (
    CheckResult,
    ShapeResult,
    Status,
    TheoremResult,
    UsageError,
    check,
    combine,
    prove,
    shape,
    verify_function,
)
from symconv.cli import main
from symconv.evaluate import evaluate
from symconv.claims import parse_condition

ROOT = Path(__file__).resolve().parents[1]


def cli_json(*argv: str) -> tuple[int, object]:
    out = io.StringIO()
    code = main([*argv, "--json"], out, io.StringIO())
    return code, json.loads(out.getvalue())


def _without_seconds(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _without_seconds(v) for k, v in obj.items() if k != "seconds"}
    if isinstance(obj, list):
        return [_without_seconds(v) for v in obj]
    return obj


def test_import_symconv_is_light() -> None:
    code = ("import sys, symconv; from symconv import shape, conv_output_size;"
            "assert conv_output_size(32, 3, 2, 1) == 16;"
            "assert shape('conv', [32, 32], 3, stride=2, padding=1).output == (16, 16);"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'z3', 'sympy', 'jinja2'}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_check_is_what_the_cli_renders() -> None:
    claim, assume = "floor((i + 2*p - k)/s) + 1 >= 1", "i + 2*p >= k"
    result = check(claim, assume=[assume])
    assert isinstance(result, CheckResult)
    assert result.ok
    assert result.status is Status.PROVED
    assert result.domains == ("i >= 1", "k >= 1", "p >= 0", "s >= 1")
    code, obj = cli_json("check", claim, "--assume", assume)
    assert code == result.status.exit_code
    assert _without_seconds(obj) == _without_seconds(result.to_json())


def test_check_refuted_with_a_counterexample_that_violates() -> None:
    result = check("floor((i + 2*p - k)/s) + 1 >= 1")
    assert result.status is Status.REFUTED
    cx = dict(result.result.counterexample or {})
    assert all(evaluate(parse_condition(a), cx) for a in result.assumptions)
    assert evaluate(parse_condition("floor((i + 2*p - k)/s) + 1 >= 1"), cx) is False


def test_check_vacuous_and_bounded() -> None:
    assert check("1 == 2", assume="s == 0").status is Status.VACUOUS
    bounded = check("x * x >= x", bounds=(-20, 20))
    assert bounded.status is Status.PROVED_BOUNDED
    assert bounded.ok
    assert check("i > 0", bounds=(-5, -1)).status is Status.VACUOUS


@pytest.mark.parametrize(("call", "needle"), [
    (lambda: check("i +"), "position"),
    (lambda: check("i > 0", timeout=0), "timeout"),
    (lambda: check("i > 0", bounds=(5, 1)), "LO <= HI"),
    (lambda: check("i > 0", bounds=(5,)), "two integers"),
    (lambda: check(3), "claim must be a string"),
    (lambda: check("i > 0", assume=[None]), "assume must be a string"),
    (lambda: prove(3), "sequences of strings"),
    (lambda: shape("conv", 3.5, 3), "input must be an int"),
    (lambda: shape("conv", [], 3), "at least one"),
    (lambda: prove("nope-nothing"), "no theorem id"),
    (lambda: prove(groups=["nope"]), "unknown --group"),
    (lambda: shape("conv", [3], 5), "window does not fit"),
    (lambda: shape("spiral", 3, 5), "kind must be one of"),
    (lambda: shape("conv", [8, 8], [3, 3, 3]), "kernel needs one value"),
    (lambda: shape("conv", 8, True), "kernel must be an int"),
    (lambda: verify_function("nofile.py", "f", "R15"), "not a readable file"),
    (lambda: verify_function("x.py", "f", "R15", index=True), "index"),
    (lambda: verify_function("x.py", "f", "R15", mapping={"i": 1.5}), "mapping"),
    (lambda: verify_function("x.py", "f", "R15", mapping=[("i",)]), r"\(name, value\) pair"),
    (lambda: verify_function("x.py", "f", "R15", mapping=[3]), r"\(name, value\) pair"),
    (lambda: verify_function("x.py", "f", "R15", mapping="i=i"), "mapping must be a dict"),
    (lambda: symconv.conv_output_size(5, 3, 0), "s must be >= 1, got 0"),
    (lambda: symconv.conv_output_size(2, 3), "window does not fit"),
    (lambda: symconv.transposed_conv_output_size(2, 3, 2, 0, a=5), "a"),
    (lambda: symconv.pool_output_size(8, 0, 2), "k must be >= 1"),
    (lambda: symconv.same_padding(8, 3, -1), "s must be >= 1"),
    (lambda: symconv.input_size_range(0, 3), "o must be >= 1"),
    (lambda: symconv.conv_shape((1, 1, 5), (1, 1, 7)), "window does not fit"),
    (lambda: symconv.pool_shape((1, 1, 5), 0), "k must be >= 1"),
    (lambda: symconv.conv_output_size(True, 3), "bool"),
    (lambda: symconv.conv_output_size(5.0, 3), "float"),
])
def test_bad_input_raises_usage_error(call: object, needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        call()  # type: ignore[operator]


def test_shape_helpers_raise_usage_error_with_the_generated_message() -> None:
    """The README's word: every function raises UsageError on bad input. A TypeError of the
    generated helper stays a TypeError too (old ``except TypeError`` code keeps working)."""
    from symconv.genload import load_convshape

    generated = load_convshape()
    with pytest.raises(ValueError, match="s must") as theirs:
        generated.conv_output_size(5, 3, 0)
    with pytest.raises(UsageError) as ours:
        symconv.conv_output_size(5, 3, 0)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="bool") as typed:
        symconv.conv_output_size(True, 3)
    assert isinstance(typed.value, UsageError)


def test_verify_function_mapping_as_pairs() -> None:
    path = ROOT / "tests" / "verify_cases.py"
    pairs = verify_function(path, "conv_out", "R15", mapping=[("i", "i"), ("d", 1)])
    as_dict = verify_function(path, "conv_out", "R15", mapping={"i": "i", "d": 1})
    as_text = verify_function(path, "conv_out", "R15", mapping=["i=i", "d=1"])
    assert pairs.status == as_dict.status == as_text.status
    assert pairs.mapping == as_dict.mapping == as_text.mapping
    with pytest.raises(UsageError, match="has no parameter length"):
        verify_function(path, "conv_out", "R15", mapping=[("length", "i")])


def test_prove_returns_the_rows_of_symconv_prove() -> None:
    results = prove("R1", "restore", groups=["relation", "identity"])
    assert [r.id for r in results] == ["R1", "restore"]
    assert all(isinstance(r, TheoremResult) and r.ok for r in results)
    assert combine(r.status for r in results) is Status.PROVED
    code, rows = cli_json("prove", "R1", "restore", "--group", "relation", "--group",
                          "identity")
    assert code == 0
    assert _without_seconds(rows) == _without_seconds([r.to_json() for r in results])


def test_verify_function_with_a_mapping() -> None:
    path = ROOT / "tests" / "verify_cases.py"
    verdict = verify_function(path, "conv_out", "R15")
    assert verdict.status == "proved"
    wrong = verify_function(str(path), "conv_off_by_one", "R15", mapping={"i": "i"})
    assert wrong.status == "refuted"
    assert wrong.counterexample is not None
    code, obj = cli_json("verify-function", f"{path}:conv_out", "--relation", "R15")
    assert code == verdict.exit_code == 0
    assert _without_seconds(obj) == _without_seconds(verdict.to_json())


def test_shape_is_what_the_cli_renders() -> None:
    result = shape("conv", [32, 32], 3, stride=2, padding=1)
    assert isinstance(result, ShapeResult)
    assert result.output == (16, 16)
    assert result.rules == ("R15",)
    code, obj = cli_json("shape", "conv", "--input", "32", "32", "--kernel", "3", "--stride",
                         "2", "--padding", "1")
    assert code == 0
    assert obj == result.to_json()
    framework = shape("max-pool", [32, 6], 1, stride=2, ceil_mode=True, framework="torch")
    assert framework.output == (16, 3)
    assert framework.rules == ("torch.max_pool.ceil",)


def test_shape_helpers_have_the_generated_signatures() -> None:
    from symconv import shapes
    from symconv.genload import load_convshape

    generated = load_convshape()
    for name in generated.__all__:
        ours, theirs = getattr(symconv, name), getattr(generated, name)
        assert name in symconv.__all__
        assert inspect.signature(ours) == inspect.signature(theirs), name
        assert getattr(shapes, name) is ours
    assert symconv.conv_output_size(32, 3, 2, 1) == 16
    assert symconv.same_padding(6, 4, 2) == (1, 1)
    assert symconv.input_size_range(3, 3, 2) == range(7, 9)
    with pytest.raises(TypeError, match="bool"):
        symconv.conv_output_size(True, 3)


def test_every_public_name_resolves() -> None:
    for name in symconv.__all__:
        assert getattr(symconv, name) is not None
    assert set(symconv.__all__) <= set(dir(symconv))
    with pytest.raises(AttributeError):
        symconv.nothing_here  # noqa: B018
