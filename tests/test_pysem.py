"""symconv.pysem, construct by construct: every translation is compared with real Python on a
grid of small integers (negative numerators and divisors included) and with Hypothesis on large
ones; the paths are checked disjoint and exhaustive with Z3."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterable
from pathlib import Path

import pysem_cases as cases
import pytest
import sympy as sp
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.pysem import (
    FunctionSemantics,
    Kind,
    LimitExceeded,
    Limits,
    Unsupported,
    as_python,
    parse_module,
    translate_function,
)
from symconv.z3bridge import Z3Translator

SOURCE = Path(inspect.getfile(cases)).read_text()
SMALL = range(-7, 8)


def run_python(fn: Callable[..., object], args: tuple[object, ...]) -> tuple[str, object]:
    try:
        return "return", fn(*args)
    except Exception as exc:
        return "raise", type(exc).__name__


def run_translation(sem: FunctionSemantics, args: tuple[object, ...]) -> tuple[str, object]:
    env = {name: int(v) for name, v in zip(sem.params, args, strict=False)
           if isinstance(v, int)}
    out = sem.at(env)
    if out.kind is Kind.RETURN:
        return "return", as_python(out.value)
    return "raise", out.exception


def agree(name: str, grid: Iterable[tuple[object, ...]], **inputs: object) -> FunctionSemantics:
    sem = translate_function(SOURCE, name, inputs or None)
    fn = getattr(cases, name)
    for args in grid:
        call = args + tuple(inputs.values())
        expected = run_python(fn, call)
        got = run_translation(sem, args)
        assert got == expected, (name, args, got, expected)
        # Python's own == ignores bool/int differences; the translation keeps the type.
        assert type(got[1]) is type(expected[1]), (name, args, got, expected)
    return sem


def paths_partition(sem: FunctionSemantics) -> None:
    solver = z3.Solver()
    solver.set("timeout", 10_000)
    solver.add(z3.Not(z3.Or(*[p.condition for p in sem.paths])))
    assert solver.check() == z3.unsat, "paths do not cover every input"
    for p, q in itertools.combinations(sem.paths, 2):
        solver = z3.Solver()
        solver.set("timeout", 10_000)
        solver.add(p.condition, q.condition)
        assert solver.check() == z3.unsat, f"overlapping paths {p} / {q}"


def grid(n: int, values: Iterable[int] = SMALL) -> list[tuple[object, ...]]:
    return list(itertools.product(values, repeat=n))


ONE = ["alias", "powers", "unary", "classify", "asserted", "inlined", "loop", "index_error",
       "unbound", "none_type_error", "bools", "falls_off", "type_errors", "undefined_name",
       "redefined"]
TWO = ["arith", "fdiv", "fmod", "ceil_div", "dm", "minmaxabs", "chain_div", "chain_short",
       "andor", "notted", "guard", "aug", "unpack", "checked", "math_int", "in_range", "lists",
       "tuple_eq", "ifs_no_else", "range_len", "sequences", "bool_minmax"]


@pytest.mark.parametrize("name", ONE)
def test_one_argument_functions_match_python(name: str) -> None:
    paths_partition(agree(name, grid(1, range(-12, 13))))


@pytest.mark.parametrize("name", TWO)
def test_two_argument_functions_match_python(name: str) -> None:
    paths_partition(agree(name, grid(2)))


@pytest.mark.parametrize("name", ["chain", "chain_bool"])
def test_chained_comparisons_match_python(name: str) -> None:
    paths_partition(agree(name, grid(3, range(-3, 4))))


def test_bool_parameter_and_bound_inputs() -> None:
    agree("flag", grid(1), ceil_mode=True)
    agree("flag", grid(1), ceil_mode=False)
    sem = translate_function(SOURCE, "flag")
    assert z3.is_bool(sem.inputs["ceil_mode"])
    assert as_python(sem.at({"a": 4, "ceil_mode": 1}).value) == 5


def test_defaults_are_symbolic_unless_bound() -> None:
    agree("none_default", grid(1), b=None)
    agree("none_default", grid(2))
    agree("checked", grid(1), b=3)


def test_feasible_drops_impossible_paths_only() -> None:
    src = "def f(a, s):\n    if s < 1:\n        raise ValueError('s')\n    return a // s\n"
    sem = translate_function(src, "f")
    assert [p.outcome.kind for p in sem.paths].count(Kind.ZERO_DIVISION) == 1
    kept = sem.feasible()
    assert [p.outcome.kind for p in kept.paths] == [Kind.RAISE, Kind.RETURN]
    paths_partition(kept)


def test_zero_division_is_its_own_outcome_with_position() -> None:
    sem = translate_function(SOURCE, "fdiv")
    out = sem.at({"a": 3, "b": 0})
    assert out.kind is Kind.ZERO_DIVISION
    assert out.exception == "ZeroDivisionError"
    assert out.line == inspect.getsourcelines(cases.fdiv)[1] + 1
    guarded = translate_function(SOURCE, "guard")
    assert all(p.outcome.kind is not Kind.ZERO_DIVISION for p in guarded.paths)


def test_raise_messages_and_kinds() -> None:
    sem = translate_function(SOURCE, "checked")
    out = sem.at({"a": 5, "b": 0})
    assert out.exception == "ValueError"
    assert out.message == "b must be >= 1, got {b}"
    # parameters are modelled as ints: the type guard never fires
    assert not any(p.outcome.exception == "TypeError" for p in sem.paths)
    solver = z3.Solver()
    solver.add(z3.Not(sem.raises("ValueError") == (sem.inputs["b"] < 1)))  # type: ignore[operator]
    assert solver.check() == z3.unsat


def test_floor_semantics_proved_for_all_integers() -> None:
    """-(-a // b) is ceiling(a / b) for every b != 0, and a // b, a % b are Python's."""
    a, b = sp.symbols("a b", integer=True)
    tr = Z3Translator()
    ceil_expr = tr.translate(sp.ceiling(a / b))
    sem = translate_function(SOURCE, "ceil_div")
    solver = z3.Solver()
    solver.add(sem.inputs["b"] != 0, sem.returns(), sem.return_term() != ceil_expr)
    assert solver.check() == z3.unsat
    dm = translate_function(SOURCE, "dm")
    za, zb = dm.inputs["a"], dm.inputs["b"]
    solver = z3.Solver()
    solver.add(zb != 0, z3.Or(dm.return_term(0) != za, dm.return_term(2) * zb < 0,
                              z3.If(zb > 0, dm.return_term(2) >= zb, dm.return_term(2) <= zb)))
    assert solver.check() == z3.unsat


def test_range_return_exposes_bounds() -> None:
    sem = translate_function(SOURCE, "in_range")
    assert as_python(sem.at({"o": 3, "s": 2}).value) == range(5, 7)
    lo, hi = sem.return_term(0), sem.return_term(1)
    solver = z3.Solver()
    o, s = sem.inputs["o"], sem.inputs["s"]
    solver.add(o >= 1, s >= 1, z3.Or(lo < 1, hi - lo != s))
    assert solver.check() == z3.unsat


BIG = st.integers(min_value=-(2**80), max_value=2**80)


@settings(max_examples=150, deadline=None)
@given(BIG, BIG)
def test_large_integers_match_python(x: int, y: int) -> None:
    for name in ("arith", "fdiv", "fmod", "ceil_div", "dm", "aug", "checked", "minmaxabs"):
        fn = getattr(cases, name)
        sem = _cached(name)
        assert run_translation(sem, (x, y)) == run_python(fn, (x, y)), name


_CACHE: dict[str, FunctionSemantics] = {}


def _cached(name: str) -> FunctionSemantics:
    if name not in _CACHE:
        _CACHE[name] = translate_function(SOURCE, name)
    return _CACHE[name]


# --- refusals ------------------------------------------------------------------------------


REFUSED = [
    ("def f(a):\n    return (lambda x: x)(a)\n", "lambda", (2, 13)),
    ("def f(a):\n    return [x for x in range(a)]\n", "list comprehension", (2, 12)),
    ("def f(a):\n    return (b := a)\n", "walrus", (2, 13)),
    ("def f(a):\n    return a.real\n", "attribute access .real", (2, 12)),
    ("def f(a):\n    return __import__('os').getcwd()\n", "attribute access .getcwd", (2, 12)),
    ("def f(a):\n    return __import__('os')\n", "name __import__", (2, 12)),
    ("def f(a):\n    return eval('a')\n", "name eval", (2, 12)),
    ("def f(a):\n    return a / 2\n", "true division", (2, 12)),
    ("def f(a):\n    return a * 0.5\n", "float arithmetic on a symbolic value", (2, 12)),
    ("def f(a):\n    return 1.5 < a\n", "float comparison on a symbolic value", (2, 12)),
    ("def f(a):\n    return float(a)\n", "float()", (2, 12)),
    ("import math\ndef f(a, b):\n    return math.floor(a / b)\n", "true division", (3, 23)),
    ("def f(a):\n    while a:\n        a -= 1\n    return a\n", "while loop", (2, 5)),
    ("def f(a):\n    try:\n        return a\n    except Exception:\n        return 0\n",
     "try statement", (2, 5)),
    ("import functools\n@functools.cache\ndef f(a):\n    return a\n", "decorator", (2, 2)),
    ("def f(a):\n    return f(a - 1) if a else 0\n", "recursive call to f", (2, 12)),
    ("def f(a):\n    global g\n    return a\n", "global statement", (2, 5)),
    ("def f(a):\n    return f'{a:>5}'\n", "format specification", (2, 12)),
    ("def f(a):\n    import os\n    return a\n", "import", (2, 5)),
    ("def f(a):\n    return [a][0:1]\n", "slice", (2, 12)),
    ("def f(a, b):\n    return a ** b\n", "non-constant exponent", (2, 12)),
    ("def f(a):\n    return a ** -1\n", "negative exponent", (2, 12)),
    ("def f(a):\n    return a << 2\n", "operator <<", (2, 12)),
    ("def f(a):\n    return {a: 1}\n", "dict display", (2, 12)),
    ("def f(*a):\n    return 1\n", "*args", (1, 1)),
    ("def f(a):\n    def g():\n        return a\n    return g()\n", "nested function", (2, 5)),
    ("def f(a):\n    for i in range(a):\n        a += 1\n    return a\n",
     "symbolic bounds", (2, 14)),
    ("def f(a):\n    return [a][a]\n", "symbolic index", (2, 12)),
    ("def f(a):\n    xs = [a]\n    for v in xs:\n        if len(xs) < 3:\n"
     "            xs.append(v)\n    return len(xs)\n", "modified while iterating", (3, 5)),
    ("def f(a):\n    return min(True, a)\n", "all ints or all bools", (2, 12)),
    ("X = []\ndef f(a):\n    return X\n", "module-level name X", (3, 12)),
    ("def f(a):\n    return open('x')\n", "name open", (2, 12)),
    ("exec('g = 1')\ndef f(a):\n    return g\n", "name g (not defined in the module's text",
     (3, 12)),
    ("from os.path import *\ndef f(a):\n    return g\n", "star import", (3, 12)),
    ("def f(a):\n    return __name__\n", "name __name__", (2, 12)),
    ("def f(a):\n    raise SystemExit(1)\n", "raise of SystemExit", (2, 5)),
    ("async def f(a):\n    return a\n", "no top-level function", None),
    ("def f(a)\n    return a\n", "syntax error", (1, 9)),
]


@pytest.mark.parametrize(("source", "construct", "where"), REFUSED,
                         ids=[c for _, c, _ in REFUSED])
def test_unsupported_constructs_are_named_with_position(
    source: str, construct: str, where: tuple[int, int] | None
) -> None:
    with pytest.raises(Unsupported) as info:
        translate_function(source, "f")
    assert construct in str(info.value)
    if where is not None:
        assert (info.value.line, info.value.col) == where, str(info.value)


FLOATS = [
    "def f(a, b):\n    return math.floor(a / b) + 1\n",
    "def f(a, b):\n    return int(a / b) + math.ceil(float(a) * 0.5) - abs(-a / 3.0)\n",
    "def f(a, b):\n    x = a / b\n    return x if x < 2.5 else (x == a, -x)\n",
    "def f(a, b):\n    return 1 if f'{a / b}' and a / b else a // 1.5 + a % 2.5\n",
]


@pytest.mark.parametrize("body", FLOATS)
@pytest.mark.parametrize("args", [(7, 2), (-7, 2), (7, -3), (0, 5), (5, 0), (2**53 + 1, 1),
                                  (2**60 + 3, 3), (10**400, 1), (3, 10**400)])
def test_floats_on_constants_are_computed_like_python(body: str, args: tuple[int, int]) -> None:
    source = "import math\n" + body
    namespace: dict[str, object] = {}
    exec(compile(source, "<test-oracle>", "exec"), namespace)  # the test's own oracle code
    fn = namespace["f"]
    assert callable(fn)
    sem = translate_function(source, "f", {"a": args[0], "b": args[1]})
    assert run_translation(sem, ()) == run_python(fn, args)


def test_unreachable_unsupported_code_is_not_reported() -> None:
    sem = translate_function("def f(a):\n    if 1 > 2:\n        return a / 2\n    return a\n", "f")
    assert len(sem.paths) == 1


def test_the_last_of_several_definitions_is_the_one_python_binds() -> None:
    src = "def f(a):\n    return 1\ndef f(a):\n    return 2\n"
    assert as_python(translate_function(src, "f").at({"a": 0}).value) == 2
    assert parse_module(src).redefined == {"f": (1, 3)}
    for rebound in ("f = 1\n", "if a:\n    def f(a):\n        return 3\n", "del f\n"):
        with pytest.raises(Unsupported, match="no top-level function"):
            translate_function(src + rebound, "f")


@pytest.mark.parametrize("name", ["in_range", "unpack", "classify", "lists", "dm",
                                  "none_default"])
@pytest.mark.parametrize("index", [-4, -1, 0, 1, 2, 3])
def test_subscript_of_the_returned_value_matches_python(name: str, index: int) -> None:
    fn = getattr(cases, name)
    sem = translate_function(SOURCE, name).subscript(index)
    for args in grid(len(sem.params), range(-4, 5)):
        expected = run_python(lambda *xs: fn(*xs)[index], args)
        assert run_translation(sem, args) == expected, args
    paths_partition(sem)


LIMITED = [
    ("def f(a):\n    return " + "(" * 80 + "a" + ")" * 80 + " + " + "-" * 200 + "a\n",
     "nesting"),
    ("def f(a):\n    return a ** 5000\n", "exponent"),
    ("def f(a):\n    return (2 ** 64) ** 64\n", "bits"),
    ("def f(a):\n    x = 0\n    for i in range(10 ** 6):\n        x += i\n    return x\n",
     "iterations"),
    ("def f(a):\n" + "".join(
        f"    x{j} = [a] if a > {j} else (a,)\n" for j in range(12)) + "    return a\n",
     "paths"),
    ("def f(a):\n" + "    a\n" * 21_000, "syntax nodes"),
    ("def f(a):\n    return " + " + ".join(["a"] * 30_000) + "\n", "too deeply to parse"),
    ("x = 1\n" * 100_000, "characters"),
    ("def f(a):\n    x = a\n" + "    x = x * x\n" * 7 + "    return x\n", "degree"),
]


@pytest.mark.parametrize(("source", "what"), LIMITED, ids=[w for _, w in LIMITED])
def test_limits_stop_translation(source: str, what: str) -> None:
    with pytest.raises(LimitExceeded, match=what):
        translate_function(source, "f")


def test_time_limit() -> None:
    body = "def f(a):\n    x = a\n" + "    for i in range(200):\n        x = x * 3 + i % 7\n" * 5
    body += "    return x\n"
    with pytest.raises(LimitExceeded):
        translate_function(body, "f", limits=Limits(seconds=0.05, steps=10**9))


def test_never_executes_the_source(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    src = (f"open({str(marker)!r}, 'w').write('x')\n"
           "def f(a):\n    return a + 1\n")
    sem = translate_function(src, "f")
    assert as_python(sem.at({"a": 1}).value) == 2
    assert not marker.exists()
