"""Fuzzing the claim parser (symconv.claims) and ``symconv check``: random and adversarial text
gets a parse or a clear ClaimSyntaxError — never execution, never a hang, never a traceback at
the CLI — and random integer expressions mean what Python means."""

from __future__ import annotations

import ast
import io
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from claim_reference import Node, conditions, reference
from fuzz_support import int_exprs, no_execution, within
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from symconv.claims import ClaimSyntaxError, parse
from symconv.cli import main
from symconv.errors import UsageError
from symconv.evaluate import EvaluationError, evaluate

ROOT = Path(__file__).resolve().parent.parent
BOUND = 5.0


def parsed(text: str) -> sp.Basic | ClaimSyntaxError:
    error: ClaimSyntaxError | None = None
    with no_execution(text), within(BOUND):
        try:
            return parse(text)
        except ClaimSyntaxError as exc:
            error = exc
    assert "position" in str(error)
    return error


@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    parsed(text)


CLAIM_ALPHABET = "ikspda0123456789 ()+-*/%<>=!,.&|^~_:;'\"[]{}@#$\\\n\t" + "floorceilmaxbsnt"


@given(st.text(alphabet=CLAIM_ALPHABET, max_size=200))
def test_random_claim_like_text(text: str) -> None:
    parsed(text)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(int_exprs(("i", "k"), python=False),
       st.lists(st.tuples(st.integers(-30, 30), st.integers(-30, 30)), min_size=1, max_size=5))
def test_random_expressions_mean_what_python_means(expr: object,
                                                   points: list[tuple[int, int]]) -> None:
    text = expr.text  # type: ignore[attr-defined]
    result = parsed(text)
    expected = []
    for x, y in points:
        try:
            expected.append(expr.value({"i": x, "k": y}))  # type: ignore[attr-defined]
        except ZeroDivisionError:
            expected.append(None)
    if isinstance(result, ClaimSyntaxError):
        # only a divisor that is identically zero is refused at parse time
        assert "division by the constant 0" in str(result), text
        assert all(v is None for v in expected)
        return
    for (x, y), want in zip(points, expected, strict=True):
        try:
            got = evaluate(result, {"i": x, "k": y})
        except EvaluationError:
            got = None
        assert got == want, (text, x, y)


ADVERSARIAL = [
    "__import__('os').system('true')",
    "i.real > 0",
    "(lambda: 1)() > 0",
    "f'{i}' > 0",
    "[x for x in i] > 0",
    "(j := i) > 0",
    "@decorator",
    "eval('1') > 0",
    "open('x') > 0",
    "i if i else k",
    "i ** k > 0",
    "i ** 17 > 0",
    "i ** -1 > 0",
    "i / k > 0",
    "floor(i / 0) > 0",
    "i // 0 > 0",
    "(" * 10_000 + "i" + ")" * 10_000,
    "(" * 60 + "i" + ")" * 60 + " > 0",
    "-" * 5000 + "i > 0",
    "not " * 5000 + "i > 0",
    " -> ".join(["i > 0"] * 2000),
    " + ".join(["i"] * 3000) + " > 0",
    "9" * 1001 + " > i",
    "9" * 999 + " > i",
    "i > 0\x00",
    "i ＞ 0",
    "١٢ > i",
    "min(i) > 0",
    "abs(i, k) > 0",
    "floor(i) > 0",
    "ceil(i / k / s) > 0",
    "",
    "   ",
    "i >",
    "(i > 0",
    "i > 0)",
    "i > 0 and",
    "i and k",
    "1 + (i > 0)",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=[str(n) for n in range(len(ADVERSARIAL))])
def test_adversarial_claims(text: str) -> None:
    parsed(text)


# aimed at the reader over Python's parser: its recursion, what Python accepts and the claim
# language does not, the arrow, fractions inside floor/ceil
READER_ADVERSARIAL = [
    " + ".join(["i"] * 2499) + " > 0",
    "-".join(["i"] * 4990) + " > 0",
    "2**" * 3000 + "2 > i",
    "floor(" + " + ".join(f"i/k{n}" for n in range(600)) + ") > 0",
    "floor(" + "min(" * 30 + "i/k" + ", i/s)" * 30 + ") > 0",
    "floor(" + "(" * 45 + "i" + "/k + 1/s)" * 45 + ") > 0",
    "floor(" * 60 + "i" + ")" * 60 + " > 0",
    "floor((i/k)**16 * (i/k)**16) > 0",
    "floor(i/(k - k)) > 0",
    "min(i > 0 -> k > 0, 1) > 0",
    "-> i > 0",
    "i > 0 ->",
    "(-> i > 0)",
    "i >\n 0",
    "\ti > 0 -> \n k > 0",
    "0777 > i",
    "1if 1 else 2",
    "i not in k",
    "i is k",
    "~i > 0",
    "i & k > 0",
    "*i > 0",
    "(i,) > 0",
    "i, k",
    "min(*i, k) > 0",
    "i(k) > 0",
    "(i)(k) > 0",
    "floor(i/2 << 1) > 0",
    "floor(i/2 > 0) > 0",
    "await i",
    "yield",
    "i > 0 and -> k > 0",
]


@pytest.mark.parametrize("text", READER_ADVERSARIAL,
                         ids=[str(n) for n in range(len(READER_ADVERSARIAL))])
def test_reader_adversarial_claims(text: str) -> None:
    parsed(text)
    code, output = check(text)
    assert code in (0, 1, 2, 3)
    assert "Traceback" not in output


def check(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with no_execution(*argv), within(BOUND * 3):
        try:
            code = main(["check", *argv, "--timeout", "1"], out, err)
        except UsageError:  # pragma: no cover - main turns these into exit 2
            raise
    return code, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("text", ADVERSARIAL[:-16], ids=[str(n) for n in range(23)])
def test_cli_check_never_shows_a_traceback(text: str) -> None:
    code, output = check(text)
    assert code in (0, 1, 2, 3)
    assert "Traceback" not in output


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(int_exprs(("i", "k", "s"), python=False, max_leaves=6), st.sampled_from(
    ["<", "<=", "==", "!=", ">=", ">"]), st.integers(-5, 5))
def test_cli_check_random_claims(expr: object, op: str, bound: int) -> None:
    code, output = check(f"{expr.text} {op} {bound}")  # type: ignore[attr-defined]
    assert code in (0, 1, 2, 3)
    assert "Traceback" not in output


# Found by this fuzzing in symconv.claims / symconv check, and fixed there.


def test_cli_check_huge_constant_result() -> None:
    code, output = check("i > " + "9" * 999 + "**16")
    assert code in (0, 1, 2, 3)
    assert "Traceback" not in output


def test_nested_constant_powers_are_bounded() -> None:
    text = "(" * 6 + "9**16" + ")**16" * 6 + " > i"
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from symconv.claims import parse; parse(sys.argv[1])",
         text], cwd=ROOT, capture_output=True, text=True, timeout=None, check=False,
        **_limited(10),
    )
    assert proc.returncode in (0, 1)


@pytest.mark.parametrize("text", ["i // i == 1", "k % k == 0", "floor((i * k) / k) == i"])
def test_cancelled_divisors_keep_their_obligation(text: str) -> None:
    code, output = check(text, "--no-domains")
    assert code == 1, output


def _limited(seconds: int) -> dict[str, object]:
    """Run the child under a CPU-time limit so a runaway computation is killed, not waited on."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return {"preexec_fn": limit}


def test_the_audit_hook_sees_execution() -> None:
    text = "answer = 6 * 7  # a fuzzed text"
    with pytest.raises(AssertionError, match="executed"), no_execution(text):
        exec(compile(text, "<string>", "exec"))  # the harness's own self-test
    with pytest.raises(AssertionError, match="syntax tree"), no_execution(text):
        compile(ast.parse(text), "<unknown>", "exec")


# --- differential: the engine's reading against Python's, by value -----------------------------

_GRID = [{"i": i, "k": k, "s": s} for i in (-4, -1, 0, 1, 3, 7) for k in (-3, 0, 2, 5)
         for s in (-2, 0, 1, 3)]


def _engine(formula: sp.Basic, env: dict[str, int]) -> object:
    """The engine's value at ``env``: None where the prover's definedness obligations (every
    divisor nonzero, a consequent's only where its hypothesis holds) fail there."""
    import z3

    from symconv.z3bridge import TranslationError, Z3Translator

    tr = Z3Translator()
    try:
        tr.translate(formula)
    except TranslationError:  # a power above 16: the evaluation alone says
        try:
            return evaluate(formula, env)
        except EvaluationError:
            return None
    if tr.obligations:
        subs = [(var, z3.IntVal(env[name])) for name, var in tr.variables.items()]
        if not z3.is_true(z3.simplify(z3.substitute(z3.And(*tr.obligations), *subs))):
            return None
    return evaluate(formula, env)


def _python(claim: object, env: dict[str, int]) -> object:
    try:
        want = claim.value(env)  # type: ignore[attr-defined]
    except ZeroDivisionError:
        want = None
    try:
        again = reference(claim.python, env)  # type: ignore[attr-defined]
    except ZeroDivisionError:
        again = None
    assert again == want, (claim.python, env)  # type: ignore[attr-defined]
    return want


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conditions())
@example(Node("floor(i / 2 + 1) <= i // 2", "(floor(((i / 2) + 1)) <= (i // 2))", 4,
              lambda env: env["i"] // 2 + 1 <= env["i"] // 2))
# SymPy decided this chain False and dropped s: "not (...)" was proved where s = 0 raises
@example(Node("(i + s // s) >= i > (i + s // s)", "((i + (s // s)) >= i > (i + (s // s)))", 4,
              lambda env: env["i"] + env["s"] // env["s"] >= env["i"]
              > env["i"] + env["s"] // env["s"]))
# the consequent's divisor i was restored as a divisor of every point, undefined at i = 0
@example(Node("not (False and (i < i -> i < i // i))", "(not (False and implies((i < i), "
              "(i < (i // i)))))", 3, lambda env: True))
def test_claims_mean_what_python_means(claim: Node) -> None:
    """Random claims (floor/ceil of rational expressions with nested /, min/max/abs, ** and
    shifts, comparison chains, and/or/not/->), written with Python's fewest parentheses: the
    engine's formula has Python's value at every point of a grid where Python's is defined, and
    is undefined (a counterexample to any claim) exactly where Python divides by zero."""
    try:
        formula = parse(claim.text)
    except ClaimSyntaxError as exc:
        error = exc.reason
    else:
        error = ""
    if error:  # only a divisor that is identically 0 is refused when read
        assert error == "division by the constant 0", claim.text
        return
    for env in _GRID:
        want = _python(claim, env)
        assert _engine(formula, env) == want, (claim.text, env)
