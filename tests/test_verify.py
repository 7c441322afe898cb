"""verify-function: right, subtly wrong, float-based and real PyTorch shape functions, verified
from source text only. Counterexamples are re-checked here by calling the test suite's own copy
of the function (trusted test code) and evaluating the relation in plain Python."""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import verify_cases as cases

from symconv.cli import main
from symconv.errors import UsageError
from symconv.evaluate import evaluate
from symconv.relations import RELATIONS
from symconv.verify import (
    EXTRA_RELATIONS,
    PROBES,
    Verdict,
    find_relation,
    parse_maps,
    verify_source,
)

CASES = Path(inspect.getfile(cases))
SOURCE = CASES.read_text()
ROOT = Path(__file__).resolve().parent.parent


def verdict(func: str, rid: str, *maps: str, index: int | None = None,
            timeout: float = 10.0) -> Verdict:
    rel = find_relation(rid)
    return verify_source(SOURCE, func, rel, parse_maps(maps, rel), index=index,
                         timeout=timeout)


def recheck(v: Verdict, func: str, rid: str) -> None:
    """The counterexample is a real violation: the real function (called by the test) and the
    relation (plain-Python evaluation) differ, and the point satisfies the relation's domain."""
    assert v.counterexample is not None
    rel = find_relation(rid)
    cx = dict(v.counterexample)
    assert all(evaluate(h, cx) is True for h in rel.hypotheses())
    expected = evaluate(rel.expr, cx)
    params = inspect.signature(getattr(cases, func)).parameters
    args = {name: cx[name] for name in params if name in cx}
    raised = ""
    got: object = None
    try:
        got = getattr(cases, func)(**args)
    except Exception as exc:
        raised = type(exc).__name__
    if raised:
        assert f"raises {raised}" in v.function_side
        return
    # a bool is no int here, though True == 1: the function must return the relation's int
    assert type(got) is not int or got != expected
    assert v.function_side == f"returns {got}"


@pytest.mark.parametrize(("func", "rid"), [
    ("conv_out", "R15"), ("conv_out", "R6"), ("conv_out", "R1"), ("conv_out", "R2"),
    ("conv_out", "R3"), ("conv_out", "R4"), ("conv_out", "R5"), ("conv_ceil_idiom", "R15"),
    ("conv_checked", "R15"), ("conv_truncating", "R15"), ("transposed", "R14"),
    ("transposed", "R13"), ("transposed", "R12"),
])
def test_correct_functions_are_proved(func: str, rid: str) -> None:
    v = verdict(func, rid, *(["a=0"] if rid in ("R12", "R13") else []))
    assert v.status == "proved", v.describe()
    assert v.exit_code == 0
    assert v.counterexample is None


@pytest.mark.parametrize(("func", "rid"), [
    ("conv_off_by_one", "R15"), ("conv_no_dilation", "R15"),
    ("conv_raises_for_big_stride", "R15"), ("transposed_forgets_a", "R14"),
    ("conv_out", "R8"), ("conv_true_for_one", "R15"), ("conv_bool_if_one", "R15"),
])
def test_subtly_wrong_functions_are_refuted_with_real_counterexamples(func: str, rid: str) -> None:
    if rid == "R8":
        v = verdict(func, rid, "i=i_prime")
        assert v.status == "refuted"
        return
    v = verdict(func, rid)
    assert v.status == "refuted", v.describe()
    assert v.exit_code == 1
    recheck(v, func, rid)


def test_truncation_differs_from_floor_only_outside_the_domain() -> None:
    """int-only truncating division equals floor where the window fits (numerator >= 0): proved
    under R15, refuted once the "fits" condition is dropped (a negative numerator)."""
    assert verdict("conv_truncating", "R15").status == "proved"
    rel = RELATIONS["R15"]
    loose = dataclasses.replace(rel, id="R15-no-fit", conditions=())
    v = verify_source(SOURCE, "conv_truncating", loose)
    assert v.status == "refuted"
    assert v.counterexample is not None
    cx = dict(v.counterexample)
    numerator = cx["i"] + 2 * cx["p"] - cx["d"] * (cx["k"] - 1) - 1
    assert numerator < 0
    assert numerator % cx["s"] != 0
    assert cases.conv_truncating(**cx) != evaluate(loose.expr, cx)


@pytest.mark.parametrize("func", ["conv_float", "conv_int_of_division"])
def test_float_functions_are_never_proved_and_wrong_above_2_53(func: str) -> None:
    v = verdict(func, "R15")
    assert v.status == "refuted", v.describe()
    assert "never proved" in v.reason
    assert v.counterexample is not None
    assert max(v.counterexample.values()) > 2**53
    recheck(v, func, "R15")


def test_float_function_without_counterexample_is_unsupported() -> None:
    src = "def f(i, k):\n    return i - k + 1 if i / 3 > 0 else 0\n"
    v = verify_source(src, "f", RELATIONS["R1"])
    assert v.status == "unsupported"
    assert "never proved" in v.reason
    assert v.exit_code == 4


def test_tuple_results_by_index() -> None:
    assert verdict("pool_tuple", "R5", index=0).status == "proved"
    wrong = verdict("pool_tuple", "R5", index=1)
    assert wrong.status == "refuted"
    assert verdict("pool_tuple", "R5").status == "refuted"  # a tuple is not an int


def test_unknown_on_timeout() -> None:
    v = verdict("hard", "R6", timeout=0.2)
    assert v.status in ("unknown", "refuted")
    if v.status == "refuted":  # the solver may get lucky: then it must be real
        recheck(v, "hard", "R6")
    else:
        assert v.reason
        assert v.exit_code == 3


def test_float_on_constants_only_is_exact() -> None:
    src = "def f(i, k):\n    return i - k + int(2.0 / 2)\n"
    assert verify_source(src, "f", RELATIONS["R1"]).status == "proved"


def test_unsupported_names_the_construct() -> None:
    src = "def f(i, k):\n    return len([x for x in range(i)]) - k + 1\n"
    v = verify_source(src, "f", RELATIONS["R1"])
    assert v.status == "unsupported"
    assert "list comprehension" in v.reason
    assert "line 2:16" in v.reason


# --- the CLI --------------------------------------------------------------------------------


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify-function", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_text_and_json() -> None:
    code, out, _ = cli(f"{CASES}:conv_off_by_one", "--relation", "R15")
    assert code == 1
    assert "refuted" in out
    assert "counterexample:" in out
    code, out, _ = cli(f"{CASES}:conv_out", "--relation", "r15", "--json")
    assert code == 0
    obj = json.loads(out)
    assert obj["status"] == "proved"
    assert obj["mapping"] == {"i": "i", "k": "k", "s": "s", "p": "p", "d": "d"}
    code, out, _ = cli(f"{CASES}:conv_off_by_one", "--relation", "R15", "--json")
    obj = json.loads(out)
    assert obj["status"] == "refuted"
    assert set(obj["counterexample"]) == {"i", "k", "s", "p", "d"}


@pytest.mark.parametrize(("argv", "message"), [
    (["/nonexistent/x.py:f", "--relation", "R1"], "not a readable file"),
    (["{cases}", "--relation", "R1"], "PATH:FUNC"),
    (["{cases}:not-a-name", "--relation", "R1"], "not a Python identifier"),
    (["{cases}:nope", "--relation", "R1"], "no top-level function"),
    (["{cases}:conv_out", "--relation", "R99"], "unknown relation"),
    (["{cases}:conv_out", "--relation", "R15", "--map", "i"], "ARG=VALUE"),
    (["{cases}:conv_out", "--relation", "R15", "--map", "zz=i"], "has no parameter zz"),
    (["{cases}:conv_out", "--relation", "R15", "--map", "i=q"], "not a symbol of R15"),
    (["{cases}:conv_out", "--relation", "R15", "--map", "i=__import__('os')"], "cannot read"),
    (["{cases}:conv_out", "--relation", "R15", "--map", "i=[1,"], "--map i"),
    (["{cases}:conv_out", "--relation", "R15", "--map", "i=i", "--map", "i=k"], "twice"),
    (["{cases}:transposed", "--relation", "R15"], "matches no symbol of R15"),
    (["{cases}:conv_out", "--relation", "R15", "--timeout", "0"], "--timeout"),
])
def test_cli_bad_input_exits_2_without_traceback(argv: list[str], message: str) -> None:
    code, out, err = cli(*[a.replace("{cases}", str(CASES)) for a in argv])
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out


def test_verifying_never_imports_the_file(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    target = tmp_path / "side_effect.py"
    target.write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text('imported')\n"
        "raise SystemExit('imported!')\n"
        "def conv(i, k, s, p):\n    return (i + 2 * p - k) // s + 1\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "symconv", "verify-function", f"{target}:conv", "--relation",
         "R6", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "proved"
    assert not marker.exists()
    assert not (tmp_path / "__pycache__").exists()


# --- real PyTorch code, read by path (torch is never imported) ------------------------------


def torch_shape_functions() -> Path:
    spec = importlib.util.find_spec("torch")
    if spec is None or spec.origin is None:
        pytest.skip("torch is not installed")
    path = Path(spec.origin).parent / "jit" / "_shape_functions.py"
    if not path.is_file():
        pytest.skip("torch/jit/_shape_functions.py not found")
    return path


POOL = ["inputSize=i", "kernelSize=k", "pad_l=p", "stride=s", "dilation=d"]


@pytest.mark.parametrize(("func", "rid", "maps", "status"), [
    ("pooling_output_shape", "R15", [*POOL, "ceil_mode=False"], "proved"),
    ("pooling_output_shape", "R7", [*POOL[:4], "dilation=1", "ceil_mode=False"], "proved"),
    ("pooling_output_shape", "PCEIL", [*POOL, "ceil_mode=True"], "proved"),
    ("pooling_output_shape", "R15", [*POOL, "ceil_mode=True"], "refuted"),
    ("pooling_output_shape_pad_lr", "R15", [*POOL, "pad_r=p", "ceil_mode=False"], "proved"),
    ("conv_output_size", "R15",
     ["input_size=[2, 3, i]", "weight_size=[4, 3, k]", "bias=None", "stride=[s]",
      "padding=[p]", "dilation=[d]", "groups=1"], "proved"),
])
def test_pytorch_shape_functions(func: str, rid: str, maps: list[str], status: str) -> None:
    path = torch_shape_functions()
    index = 2 if func == "conv_output_size" else None
    rel = find_relation(rid)
    v = verify_source(path.read_text(), func, rel, parse_maps(maps, rel), index=index)
    assert v.status == status, v.describe()
    if status == "refuted":
        assert v.counterexample is not None
        cx = dict(v.counterexample)
        # ceil mode keeps a last, partial window (one more than R15), or, past PyTorch's own
        # padding limit, drops a window that starts in the right padding (one fewer)
        floor_mode = evaluate(rel.expr, cx)
        assert v.function_side in (f"returns {floor_mode + 1}", f"returns {floor_mode - 1}")


def test_pytorch_ceil_mode_needs_its_padding_limit() -> None:
    """PyTorch's ceil-mode rule drops at most one window starting in the right padding; that is
    the "start inside input or left padding" count only when 2p <= k̂ (PyTorch checks
    pad <= kernel/2 elsewhere, in pool2d_shape_check)."""
    path = torch_shape_functions()
    rel = EXTRA_RELATIONS["PCEIL"]
    loose = dataclasses.replace(rel, conditions=rel.conditions[1:])
    v = verify_source(path.read_text(), "pooling_output_shape", loose,
                      parse_maps([*POOL, "ceil_mode=True"], loose))
    assert v.status == "refuted"
    assert v.counterexample is not None
    cx = dict(v.counterexample)
    assert 2 * cx["p"] > cx["k"] + (cx["k"] - 1) * (cx["d"] - 1)


def test_pytorch_conv_output_size_rejects_through_its_own_checks() -> None:
    """Outside the domain (stride 0) PyTorch's conv_output_size divides by zero: its check only
    asserts stride >= 0."""
    path = torch_shape_functions()
    rel = RELATIONS["R15"]
    maps = parse_maps(["input_size=[2, 3, i]", "weight_size=[4, 3, k]", "bias=None",
                       "stride=[0]", "padding=[p]", "dilation=[d]", "groups=1"], rel)
    v = verify_source(path.read_text(), "conv_output_size", rel, maps, index=2)
    assert v.status == "refuted"
    assert "ZeroDivisionError" in v.function_side


def test_pytorch_pooling_helper_does_not_check_the_window_fits() -> None:
    """Without the "kernel fits" condition the helper still equals the formula: it returns
    o <= 0 (no error) where the window does not fit; only stride 0 raises (AssertionError)."""
    from symconv.pysem import as_python, translate_function

    path = torch_shape_functions()
    source = path.read_text()
    rel = RELATIONS["R15"]
    loose = dataclasses.replace(rel, conditions=())
    maps = parse_maps([*POOL, "ceil_mode=False"], loose)
    assert verify_source(source, "pooling_output_shape", loose, maps).status == "proved"
    sem = translate_function(source, "pooling_output_shape", {"ceil_mode": False})
    out = sem.at({"inputSize": 1, "kernelSize": 3, "pad_l": 0, "stride": 1, "dilation": 1})
    assert as_python(out.value) == -1
    zero = sem.at({"inputSize": 5, "kernelSize": 3, "pad_l": 0, "stride": 0, "dilation": 1})
    assert zero.exception == "AssertionError"


# --- facts, not guesses: --index, the file as Python reads it, the reasons given -----------


def module(tmp_path: Path, text: str | bytes, name: str = "m.py") -> Path:
    target = tmp_path / name
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return target


def python_function(source: str, name: str) -> object:
    namespace: dict[str, object] = {}
    exec(compile(source, "<test-oracle>", "exec"), namespace)  # the test's own source
    return namespace[name]


CONV = "(i + 2 * p - d * (k - 1) - 1) // s + 1"


@pytest.mark.parametrize(("body", "index", "says"), [
    (f"return {CONV}", "5", "it returns int"),
    (f"o = {CONV}\n    return (o, o, o)", "3", "it returns a tuple of 3 elements"),
    (f"o = {CONV}\n    return [o, o, o]", "-4", "it returns a list of 3 elements"),
    ("return None", "0", "it returns NoneType"),
])
def test_index_that_no_return_value_has_is_bad_input(tmp_path: Path, body: str, index: str,
                                                     says: str) -> None:
    target = module(tmp_path, f"def f(i, k, s=1, p=0, d=1):\n    {body}\n")
    code, out, err = cli(f"{target}:f", "--relation", "R15", "--index", index)
    assert code == 2, out
    assert f"--index {index}" in err
    assert says in err
    assert "Traceback" not in err + out


def test_index_past_some_returned_tuples_is_an_index_error_outcome() -> None:
    src = "def f(i, k):\n    return (i - k + 1,) if i > 5 else (i - k + 1, 0)\n"
    v = verify_source(src, "f", RELATIONS["R1"], index=1)
    assert v.status == "refuted", v.describe()
    assert v.counterexample is not None
    fn = python_function(src, "f")
    assert callable(fn)
    with pytest.raises(IndexError):
        fn(v.counterexample["i"], v.counterexample["k"])[1]
    assert "[1] raises IndexError" in v.function_side
    assert v.function_side.startswith("returns (")


def test_index_of_a_returned_range_follows_python() -> None:
    src = "def f(i, k):\n    return range(i - k + 1, i + 5)\n"
    assert verify_source(src, "f", RELATIONS["R1"], index=0).status == "proved"
    v = verify_source(src, "f", RELATIONS["R1"], index=-1)
    assert v.status == "refuted"
    assert v.counterexample is not None
    fn = python_function(src, "f")
    assert callable(fn)
    cx = v.counterexample
    assert v.function_side == f"returns {fn(cx['i'], cx['k'])[-1]}"


def test_syntax_error_is_bad_input_with_line_and_column(tmp_path: Path) -> None:
    target = module(tmp_path, "def f(i, k):\n    return i +\n")
    code, out, err = cli(f"{target}:f", "--relation", "R1")
    assert code == 2
    assert "syntax error" in err
    assert "line 2:15" in err
    assert str(target) in err
    assert "Traceback" not in err + out


GOOD = f"def f(i, k, s=1, p=0, d=1):\n    return {CONV}\n"


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf" + GOOD.encode(),
    b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + GOOD.replace("return", "x = '\xe9'\n    return")
    .encode("latin-1"),
    b"#!/usr/bin/env python\n# coding: cp1252\n# \x80\n" + GOOD.encode(),
])
def test_encodings_python_accepts_are_read_as_python_reads_them(tmp_path: Path,
                                                               data: bytes) -> None:
    target = module(tmp_path, data)
    code, out, err = cli(f"{target}:f", "--relation", "R15")
    assert code == 0, out + err
    assert "proved" in out


@pytest.mark.parametrize(("data", "says"), [
    (b"# coding: no-such-codec\n" + GOOD.encode(), "no-such-codec"),
    (b"x = '\xff'\n" + GOOD.encode(), "utf-8"),
])
def test_undecodable_files_are_bad_input(tmp_path: Path, data: bytes, says: str) -> None:
    code, out, err = cli(f"{module(tmp_path, data)}:f", "--relation", "R15")
    assert code == 2
    assert says in err
    assert "Traceback" not in err + out


def test_a_function_defined_twice_is_verified_as_python_binds_it() -> None:
    wrong = "def f(i, k, s=1, p=0, d=1):\n    return 0\n\n\n"
    v = verify_source(wrong + GOOD, "f", RELATIONS["R15"])
    assert v.status == "proved", v.describe()
    assert any("defined 2 times (lines 1, 5)" in n and "line 5" in n for n in v.notes), v.notes
    v = verify_source(GOOD + "\n\n" + wrong, "f", RELATIONS["R15"])
    assert v.status == "refuted"
    assert v.function_side == "returns 0"


@pytest.mark.parametrize(("source", "says"), [
    (GOOD + "f = 3\n", "line 3 binds it to something else"),
    ("if True:\n    " + GOOD.replace("\n    ", "\n        "), "bound conditionally"),
    (GOOD + "del f\n", "bound conditionally or deleted"),
    ("async " + GOOD, "async function"),
    ("", "no top-level function named 'f' in the source"),
])
def test_no_function_says_why(source: str, says: str) -> None:
    with pytest.raises(UsageError, match="no top-level function") as info:
        verify_source(source, "f", RELATIONS["R15"])
    assert says in str(info.value)


def test_abs_of_a_tuple_is_a_type_error_on_every_path() -> None:
    src = "def f(i, k, s=1, p=0, d=1):\n    return abs((i, k))\n"
    v = verify_source(src, "f", RELATIONS["R15"])
    assert v.status == "refuted", v.describe()
    assert v.function_side == "raises TypeError(\"bad operand type for abs(): 'tuple'\") " \
        "at line 2:12"
    assert "probe" not in v.reason
    assert any("returns on no path: every input raises (TypeError)" in n for n in v.notes)
    fn = python_function(src, "f")
    assert callable(fn)
    with pytest.raises(TypeError, match="bad operand type for abs"):
        fn(1, 1)


def test_an_undefined_name_is_a_name_error_at_its_position() -> None:
    src = "def f(i, k, s=1, p=0, d=1):\n    return floaty(i)\n"
    v = verify_source(src, "f", RELATIONS["R15"])
    assert v.status == "refuted", v.describe()
    assert v.function_side == "raises NameError(\"name 'floaty' is not defined\") at line 2:12"
    assert "probe" not in v.reason
    fn = python_function(src, "f")
    assert callable(fn)
    with pytest.raises(NameError, match="floaty"):
        fn(1, 1)


def test_an_undefined_name_in_a_module_that_can_define_names_at_run_time_is_unsupported(
) -> None:
    src = "globals()['floaty'] = abs\n" + "def f(i, k, s=1, p=0, d=1):\n    return floaty(i)\n"
    v = verify_source(src, "f", RELATIONS["R15"])
    assert v.status == "unsupported"
    assert "floaty" in v.reason
    assert "line 3:12" in v.reason
    assert "globals" in v.reason


def test_float_reason_says_how_far_evaluation_got() -> None:
    src = ("def f(i, k):\n    x = i / 3\n    while x > 100:\n        x = x - 1\n"
           "    return i - k + 1\n")
    v = verify_source(src, "f", RELATIONS["R1"])
    assert v.status == "unsupported"
    assert "never proved" in v.reason
    assert "while loop" in v.reason
    assert "probe points" not in v.reason
    src = "def f(i, k):\n    return i - k + 1 if i / 3 > 0 else 0\n"
    v = verify_source(src, "f", RELATIONS["R1"])
    match = re.search(r"evaluated at (\d+) points", v.reason)
    assert match is not None, v.reason
    assert 0 < int(match.group(1)) <= len(PROBES)
