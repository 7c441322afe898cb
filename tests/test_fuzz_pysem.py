"""Fuzzing the function reader (symconv.pysem) and verify-function: random and adversarial
source gets a translation or a clear Unsupported error — never execution, never a hang, never a
traceback at the CLI. Random arithmetic agrees with real Python semantics."""

from __future__ import annotations

import io
import string
from pathlib import Path

import pytest
import z3
from fuzz_support import int_exprs, no_execution, programs, within
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from symconv.cli import main
from symconv.pysem import Kind, LimitExceeded, Limits, Unsupported, as_python, translate_function
from symconv.relations import RELATIONS
from symconv.verify import parse_map_value, verify_source

LIMITS = Limits(seconds=2.0)
BOUND = 8.0  # seconds: well above LIMITS.seconds, far below a hang


def translate(source: str, name: str = "f") -> object:
    """The translation, or the Unsupported error; anything else fails the test."""
    error: Unsupported | None = None
    with no_execution(source), within(BOUND):
        try:
            return translate_function(source, name, limits=LIMITS)
        except Unsupported as exc:
            error = exc
    assert str(error)
    return error


# --- random text ----------------------------------------------------------------------------


@given(st.text(max_size=400))
def test_random_text(text: str) -> None:
    translate(text)


PY_ALPHABET = string.ascii_letters[:8] + string.digits + " ()[]{}:+-*/%<>=!,.'\"\n\t_@#\\"


@given(st.text(alphabet=PY_ALPHABET, max_size=300))
def test_random_python_like_text(text: str) -> None:
    translate("def f(a, b):\n    return " + text)
    translate("def f(a, b):\n" + text)


# --- random arithmetic: the translation is Python's semantics ----------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(int_exprs(), st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)),
                             min_size=1, max_size=6))
def test_random_arithmetic_matches_python(expr: object, points: list[tuple[int, int]]) -> None:
    source = f"def f(a, b):\n    return {expr.text}\n"  # type: ignore[attr-defined]
    sem = translate(source)
    if isinstance(sem, Unsupported):
        assert "paths" in str(sem) or "steps" in str(sem)  # only resource limits may refuse
        return
    for x, y in points:
        try:
            expected: object = ("return", expr.value({"a": x, "b": y}))  # type: ignore[attr-defined]
        except ZeroDivisionError:
            expected = ("raise", "ZeroDivisionError")
        out = sem.at({"a": x, "b": y})  # type: ignore[attr-defined]
        got = ("return", as_python(out.value)) if out.kind is Kind.RETURN else (
            "raise", out.exception)
        assert got == expected, (source, x, y)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(int_exprs(max_leaves=8))
def test_random_arithmetic_paths_partition_the_inputs(expr: object) -> None:
    sem = translate(f"def f(a, b):\n    return {expr.text}\n")  # type: ignore[attr-defined]
    assume(not isinstance(sem, Unsupported))
    conds = [p.condition for p in sem.paths]  # type: ignore[attr-defined]
    solver = z3.Solver()
    solver.set("timeout", 5000)
    solver.add(z3.Not(z3.Or(*conds)))
    assert solver.check() != z3.sat


# --- adversarial source ------------------------------------------------------------------------


MARKER = "/tmp/symconv-fuzz-marker-never-created"

ADVERSARIAL = [
    f"import os\nos.system('touch {MARKER}')\ndef f(a):\n    return a\n",
    f"def f(a):\n    return __import__('os').system('touch {MARKER}')\n",
    f"def f(a):\n    raise ValueError(f\"{{__import__('os').system('touch {MARKER}')}}\")\n",
    f"def f(a):\n    raise ValueError('x'.format(__import__('os').system('touch {MARKER}')))\n",
    f"def f(a):\n    open('{MARKER}', 'w')\n    return a\n",
    "def f(a):\n    return eval('a')\n",
    "def f(a):\n    exec('a = 1')\n    return a\n",
    "def f(a):\n    return compile('1', 'x', 'eval')\n",
    "def f(a):\n    return globals()\n",
    "def f(a):\n    return getattr(a, 'real')\n",
    "def f(a):\n    return ().__class__.__bases__[0].__subclasses__()\n",
    "def f(a):\n    return a.__class__\n",
    "def f(a):\n    return (lambda: a)()\n",
    "def f(a):\n    return [x for x in range(a)]\n",
    "def f(a):\n    return {x: x for x in range(3)}\n",
    "def f(a):\n    return (y := a)\n",
    "def f(a):\n    return sum(x for x in range(a))\n",
    "@staticmethod\ndef f(a):\n    return a\n",
    "def deco(g):\n    return g\n@deco\ndef f(a):\n    return a\n",
    "def f(a):\n    return f(a)\n",
    "def f(a):\n    return g(a)\ndef g(a):\n    return f(a)\n",
    "def f(a):\n    while True:\n        pass\n",
    "def f(a):\n    for i in range(10 ** 9):\n        a += 1\n    return a\n",
    "def f(a):\n    return 10 ** 10 ** 10\n",
    "def f(a):\n    return 2 ** 1000000\n",
    "def f(a):\n    return (1 << 100000)\n",
    "def f(a):\n    return 9" + "9" * 5000 + "\n",
    "def f(a):\n    x = a\n" + "    x = x * x\n" * 40 + "    return x\n",
    "def f(a):\n    return " + "(" * 150 + "a" + ")" * 150 + "\n",
    "def f(a):\n    return " + "-" * 5000 + "a\n",
    "def f(a):\n    return " + " + ".join(["a"] * 5000) + "\n",
    "def f(a):\n" + "".join(f"    if a > {n}:\n        a = a - 1\n" for n in range(300))
    + "    return a\n",
    "def f(a):\n" + "".join(f"    b{n} = [a] if a > {n} else (a,)\n" for n in range(20))
    + "    return a\n",
    "def f(a):\n    return f'{a!r:>{a}}'\n",
    "class C:\n    pass\ndef f(a):\n    return C()\n",
    "def f(a):\n    try:\n        return 1 // a\n    except ZeroDivisionError:\n        return 0\n",
    "def f(a):\n    with open('x') as h:\n        return a\n",
    "async def f(a):\n    return await a\n",
    "def f(a):\n    yield a\n",
    "def f(*a, **k):\n    return a\n",
    "def f(a):\n    global g\n    g = a\n    return a\n",
    "def f(a):\n    del a\n    return 1\n",
    "def f(a):\n    import os\n    return a\n",
    "def f(a):\n    return a if a else b\n",
    "def f(a):\n    return [a][a]\n",
    "def f(a):\n    return 'x' * (10 ** 9)\n",
    "def f(a):\n    return [0] * (10 ** 9)\n",
    "def f(a):\n    return a / 0.0\n",
    "def f(a):\n    return 1e308 * 1e308\n",
    "def f(a):\n    return float('nan') < a\n",
    "def f(a):\n    return int(float('inf'))\n",
    "def f(a):\n    match a:\n        case 1:\n            return 1\n",
    "def f(a):\n    return \x00\n",
    "def f(a):\n  return a\n\tpass\n",
    "\ufeffdef f(a):\n    return a\n",
]


@pytest.mark.parametrize("source", ADVERSARIAL, ids=[str(n) for n in range(len(ADVERSARIAL))])
def test_adversarial_source(source: str) -> None:
    translate(source)
    assert not Path(MARKER).exists()


# --- verify-function at the CLI -------------------------------------------------------------


@pytest.mark.parametrize("source", ADVERSARIAL[:24], ids=[str(n) for n in range(24)])
def test_cli_never_shows_a_traceback(tmp_path: Path, source: str) -> None:
    target = tmp_path / "target.py"
    target.write_text(source, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with no_execution(source), within(BOUND * 2):
        code = main(["verify-function", f"{target}:f", "--relation", "R1", "--map", "a=i",
                     "--timeout", "2"], out, err)
    assert code in (0, 1, 2, 3, 4)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert not Path(MARKER).exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(int_exprs(("i", "k"), max_leaves=6))
def test_cli_random_functions_give_a_verdict(expr: object) -> None:
    source = f"def f(i, k):\n    return {expr.text}\n"  # type: ignore[attr-defined]
    with no_execution(source), within(BOUND * 2):
        verdict = verify_source(source, "f", RELATIONS["R1"], timeout=2.0)
    assert verdict.status in ("proved", "refuted", "unknown", "unsupported")
    if verdict.status == "refuted":
        assert verdict.counterexample is not None
        cx = dict(verdict.counterexample)
        expected = cx["i"] - cx["k"] + 1
        try:
            got = f"returns {expr.value(cx)}"  # type: ignore[attr-defined]
        except ZeroDivisionError:
            got = "raises ZeroDivisionError"
        assert verdict.function_side.startswith(got)
        assert got != f"returns {expected}"


@given(st.text(max_size=80))
def test_map_values_parse_or_fail_cleanly(text: str) -> None:
    from symconv.errors import UsageError

    message = ""
    try:
        parse_map_value(text, RELATIONS["R15"], "x")
    except UsageError as exc:
        message = str(exc)
    assert not message or "--map x" in message


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.lists(st.tuples(st.integers(-20, 20), st.integers(-20, 20)),
                            min_size=1, max_size=4))
def test_random_programs_match_python(source: str, points: list[tuple[int, int]]) -> None:
    sem = translate(source)
    if isinstance(sem, Unsupported):
        assert isinstance(sem, LimitExceeded), (source, sem)
        return
    namespace: dict[str, object] = {}
    exec(compile(source, "<test-oracle>", "exec"), namespace)  # the test's own generated oracle
    fn = namespace["f"]
    assert callable(fn)
    for x, y in points:
        try:
            expected: object = ("return", fn(x, y))
        except (ZeroDivisionError, ValueError) as exc:
            expected = ("raise", type(exc).__name__)
        out = sem.at({"a": x, "b": y})  # type: ignore[attr-defined]
        got = ("return", as_python(out.value)) if out.kind is Kind.RETURN else (
            "raise", out.exception)
        assert got == expected, (source, x, y)
