"""The claim language: what it accepts, what it means, and how it refuses."""

from __future__ import annotations

import io
import re

import pytest
from claim_reference import reference
from hypothesis import example, given
from hypothesis import strategies as st

from symconv.api import check
from symconv.claims import MAX_DEPTH, ClaimSyntaxError, parse, parse_condition
from symconv.cli import main
from symconv.evaluate import EvaluationError, evaluate
from symconv.prover import Status
from symconv.relations import RELATIONS
from symconv.intfuncs import FloorDiv
from symconv.printing import claim_text
from symconv.symbols import i, k, o, p, s

CASES = [
    ("1 + 2 * 3", 7),
    ("-7 // 2", -4),
    ("-7 % 3", 2),
    ("7 % -3", -2),
    ("floor(-7/2)", -4),
    ("ceil(-7/2)", -3),
    ("ceil(7/2)", 4),
    ("min(3, -1, 2) + max(1, 5) + abs(-4)", 8),
    ("(1 + 2) * -(3 - 5)", 6),
    ("2 - 3 - 4", -5),
    ("20 // 3 // 2", 3),
    ("-2 ** 2", -4),
    ("(-2) ** 3 + 2 ** 0", -7),
    ("2 ** 3 ** 2", 512),  # right-associative, as in Python
    ("2 ** 63", 2**63),
    ("-2 ** 63", -(2**63)),
    ("(1 << 63) - 1", 2**63 - 1),
    ("-7 >> 1", -4),
    ("1 + 2 << 3", 24),  # shifts bind looser than + and -, as in Python
    ("0x7fff_ffff_ffff_ffff", 2**63 - 1),
    ("0b101 + 0o17 + 1_000", 1020),
    ("2 ** 99_999 // 2 ** 99_998", 2),
]


@pytest.mark.parametrize(("text", "value"), CASES)
def test_integer_semantics_are_pythons(text: str, value: int) -> None:
    assert evaluate(parse(text), {}) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 < 2 < 3", True),
        ("1 < 3 < 2", False),
        ("1 == 1 != 2", True),
        ("not 1 > 2 and 2 >= 2", True),
        ("1 > 2 or 2 > 1 and 1 > 2", False),
        ("1 > 2 -> 1 > 2", True),
        ("1 < 2 -> 1 > 2", False),
        ("1 > 2 -> 1 > 2 -> 1 < 2", True),  # right-associative
        ("(1 < 2 -> 1 > 2) -> 1 > 2", True),
    ],
)
def test_boolean_semantics(text: str, value: bool) -> None:
    assert evaluate(parse(text), {}) is value


@pytest.mark.parametrize(
    ("text", "value"),
    [("True", True), ("False", False), ("not False and True", True), ("False -> 1 > 2", True),
     ("1 < 2 == True", None)],
)
def test_true_and_false_are_constants_not_variables(text: str, value: bool | None) -> None:
    if value is None:  # 2 == True mixes an integer and a truth value
        with pytest.raises(ClaimSyntaxError, match="found a truth value"):
            parse(text)
        return
    formula = parse(text)
    assert formula.free_symbols == set()
    assert evaluate(parse(text), {}) is value


def test_guide_names_are_the_guides_symbols() -> None:
    assert parse("floor((i + 2*p - k)/s) + 1") == FloorDiv(i + 2 * p - k, s) + 1
    assert parse("ceil(i/s)") == -FloorDiv(-i, s)
    assert parse("i // i") == FloorDiv(i, i)  # the divisor survives, with its obligation
    assert parse("o") == o
    assert parse("i_prime").name == "i_prime"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("i + (k", "expected ')'", 7),
        ("i +", "unexpected end of input", 4),
        ("i / s == 1", "'/' is only allowed inside floor(...) or ceil(...)", 3),
        ("(i + 1) / 2 > 1", "'/' is only allowed inside floor(...) or ceil(...)", 9),
        ("floor(i / 2) / 2 > 1", "'/' is only allowed inside floor(...) or ceil(...)", 14),
        ("__import__('os')", "unexpected character", 12),
        ("x.real > 0", "unexpected character", 2),
        ("lambda: 1", "unexpected character", 7),
        ("[x for x in y]", "unexpected character", 1),
        ("f'{x}' == 1", "unexpected character", 2),
        ("(x := 1) == 1", "unexpected character", 4),
        ("sqrt(4) == 2", "unknown function 'sqrt'", 1),
        ("i ** k > 0", "the exponent must be a constant integer", 6),
        ("i ** 17 > 0", "the exponent of an expression with variables must be at most 16", 6),
        ("2 ** -1 > 0", "the exponent must be >= 0", 6),
        ("2 ** 100000 > 0", "constant larger than 100000 bits", 6),
        ("i << k > 0", "the shift amount must be a constant integer", 6),
        ("True == 1", "expected an integer expression, found a truth value", 1),
        ("i + False > 0", "expected an integer expression, found a truth value", 3),
        ("None > 1", "None is not an integer", 1),
        ("0x_ > 1", "unexpected 'x_'", 2),
        ("i * * 2 > 0", "unexpected '*'", 5),
        ("i + 1", "expected a truth value", 1),
        ("(i < k) + 1 > 0", "expected an integer", 1),
        ("i < k < (k > 1)", "expected an integer", 9),
        ("floor(i, 2) > 0", "floor takes one argument", 1),
        ("floor(i / 2 > 0) > 0", "expected an integer expression", 7),
        ("floor(i / 2 << 1) > 0", "a shift takes integers", 13),
        ("ceil(1 / (i - i)) > 0", "division by the constant 0", 10),
        ("floor(i // (k - k)) > 0", "division by the constant 0", 9),
        ("i // 0 > 1", "division by the constant 0", 3),
        ("floor(i / (k - k)) > 1", "division by the constant 0", 11),
        ("min(i) > 0", "at least two arguments", 1),
        ("i > 0 and", "unexpected end of input", 10),
        ("", "empty claim", 1),
        ("and", "unexpected keyword", 1),
    ],
)
def test_errors_point_at_the_position(text: str, message: str, column: int) -> None:
    with pytest.raises(ClaimSyntaxError, match=re.escape(message)) as info:
        parse_condition(text)
    assert info.value.pos + 1 == column
    assert f"position {column}" in str(info.value)


def test_deep_nesting_is_refused_not_crashed() -> None:
    with pytest.raises(ClaimSyntaxError, match="nesting deeper"):
        parse("(" * (MAX_DEPTH + 5) + "1" + ")" * (MAX_DEPTH + 5) + " > 0")
    with pytest.raises(ClaimSyntaxError, match="nesting deeper"):
        parse("-" * 5_000 + "1 > 0")


def test_huge_inputs_are_bounded() -> None:
    with pytest.raises(ClaimSyntaxError, match="digits"):
        parse("9" * 5000 + " > 0")
    with pytest.raises(ClaimSyntaxError, match="longer than"):
        parse("1 + " * 5000 + "1 > 0")
    assert evaluate(parse("9" * 900 + " > 0"), {}) is True


@given(st.text(max_size=60))
def test_any_text_parses_or_raises_a_syntax_error(text: str) -> None:
    try:
        parse(text)
    except ClaimSyntaxError as exc:
        message = str(exc)
    else:
        return
    assert "position" in message


_leaf = st.sampled_from(["i", "k", "s", "p", "3", "0", "-2"])
_expr = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({' '.join(t)})"),
        st.tuples(inner, inner).map(lambda t: f"min({t[0]}, {t[1]})"),
        st.tuples(inner).map(lambda t: f"abs({t[0]})"),
        st.tuples(inner).map(lambda t: f"floor({t[0]} / 3)"),
        st.tuples(inner).map(lambda t: f"({t[0]} % 4)"),
    ),
    max_leaves=8,
)


_POINTS = [dict(zip("iksp", values, strict=True)) for values in
           [(0, 0, 0, 0), (1, 2, 3, 4), (-3, 5, -1, 2), (7, -2, 4, -6), (-5, -5, 2, 1)]]


@given(_expr, _expr)
@example("i", "abs((3 * abs(i)))")
def test_printing_round_trips(left: str, right: str) -> None:
    """The text parses back to the formula; where SymPy leaves a form its parser would fold
    (3*Abs(Abs(i)) from abs(3*abs(i))), to the folded one: the same values, printed the same
    from then on."""
    formula = parse_condition(f"{left} <= {right}")
    back = parse_condition(claim_text(formula))
    if back != formula:
        assert parse_condition(claim_text(back)) == back
        for env in _POINTS:
            assert evaluate(back, env) == evaluate(formula, env), env


@pytest.mark.parametrize(
    "text",
    ["i*(i // 3) > 0", "i*(i % 3) > 0", "i*k // k == 1", "i // (3*k) == 2",
     "(i // k) // 3 == i // (k // 3)", "-(i % 3) < 2", "-2*(i % 3) < 2", "3*(i % k) == 0",
     "(i + 1) % (k + 1) == 0"],
)
def test_floor_division_and_modulo_print_with_pythons_precedence(text: str) -> None:
    formula = parse_condition(text)
    assert claim_text(formula) == text
    assert parse_condition(claim_text(formula)) == formula


# --- floor/ceil of any expression, / as exact division (issue 17, item 1) ----------------------

_FLOOR_TEXTS = [
    "floor(i/2 + 1)", "floor(1 + i/2)", "floor(i/2*3)", "floor((i/2) + 1)", "floor(i/2/3)",
    "ceil(i/2 - k/3)", "floor(-i/2)", "floor(i/(k/s))", "floor(min(i/2, k/3))",
    "floor(max(i/k, s/2, 1))", "ceil(abs(i/k))", "floor((i/2)//k)", "floor((i/2) % (k/3))",
    "floor((i/k)**2)", "floor((i/k)**0)", "ceil(floor(i/2)/3)", "floor(i/k - i/k)",
    "floor((i + 2*p - d*(k-1) - 1)/s + 1)", "floor(i)", "ceil(i // 2 + s % 3)",
    "floor(min(i/k, k/s))", "floor(i/k + s/k)",
]
_FLOOR_POINTS = [dict(zip("ikspd", v, strict=True)) for v in
                 [(0, 0, 0, 0, 0), (7, 2, 3, 1, 2), (-7, 2, -3, 0, 1), (5, -3, 2, 2, -1),
                  (-1, -1, -1, 3, 3), (9, 4, 0, 1, 1), (4, 0, 5, 0, 2), (13, 5, 4, 2, 3)]]


@pytest.mark.parametrize("text", _FLOOR_TEXTS)
def test_floor_and_ceil_take_any_expression_with_exact_division(text: str) -> None:
    """The text is Python (floor, ceil as math's, / as Fraction division): the parsed form has
    Python's value at every point, and is undefined exactly where Python divides by zero."""
    formula = parse(text)
    for env in _FLOOR_POINTS:
        try:
            want: object = reference(text, env)
        except ZeroDivisionError:
            with pytest.raises(EvaluationError):
                evaluate(formula, env)
            continue
        assert evaluate(formula, env) == want, env


def test_the_misread_claim_is_refuted_with_a_counterexample_python_confirms() -> None:
    """floor(i/2 + 1) <= i//2 was read as i // 3 <= i // 2 and proved."""
    result = check("floor(i/2 + 1) <= i//2")
    assert result.claim == "(i + 2) // 2 <= i // 2"
    assert result.status is Status.REFUTED
    cx = result.result.counterexample
    assert cx is not None
    assert reference("floor(i/2 + 1) <= i//2", cx) is False
    assert reference("i >= 1", cx) is True


def test_pytorch_conv2d_formula_is_r15() -> None:
    """PyTorch's documented floor((H + 2p - d(k-1) - 1)/s + 1) is R15, not ... // (s + 1)."""
    torch_doc = "floor((i + 2*p - d*(k-1) - 1)/s + 1)"
    r15 = claim_text(RELATIONS["R15"].expr)
    assert check(f"{torch_doc} == {r15}").status is Status.PROVED
    misread = check(f"{torch_doc} == floor((i + 2*p - d*(k-1) - 1)/(s + 1)) + 1")
    assert misread.status is Status.REFUTED
    cx = misread.result.counterexample
    assert cx is not None
    assert reference(f"{torch_doc} == floor((i + 2*p - d*(k-1) - 1)/(s + 1)) + 1", cx) is False


@pytest.mark.parametrize("text", [
    "floor(i/(k/s)) == floor(i*s/k)",  # s = 0: Python divides k by 0
    "floor((i/k)**0) == 1",
    "floor(i/k - i/k) == 0",
    "i // k - i // k == 0",  # SymPy cancels the two quotients, Python still divides
    "0 * (i % k) == 0",
    "not (0 * (i // k) == 1)",
    "i // k > 0 or True",
    "not (i // k > 0 and False)",
    "floor(min(i/k, 1)) <= 1",
    "not (i // k >= i > i // k)",  # SymPy decides the chain False, Python still divides
])
def test_a_divisor_that_can_be_zero_is_a_counterexample(text: str) -> None:
    result = check(text, domains=False)
    assert result.status is Status.REFUTED, result.claim
    cx = result.result.counterexample
    assert cx is not None
    # a variable cancelled out of the formula is in no counterexample: any value will do
    with pytest.raises(ZeroDivisionError):
        reference(text, {"i": 1, "k": 1, "s": 1, **cx})


def test_a_guarded_divisor_is_not_a_counterexample() -> None:
    assert check("k != 0 -> floor(i/k - i/k) == 0", domains=False).status is Status.PROVED
    assert check("False -> i // k > 0", domains=False).status is Status.PROVED
    # SymPy drops the whole "and" (False): the consequent's divisor comes back under its
    # hypothesis, as the prover reads a consequent, not as a divisor of every point
    assert check("not (False and (i < i -> i // i > 0))", domains=False).status is \
        Status.PROVED
    result = check("not (False and (i > 0 -> i // k > 5))", domains=False)
    assert result.status is Status.REFUTED
    cx = result.result.counterexample
    assert cx is not None
    assert cx["i"] > 0
    assert cx["k"] == 0


def test_assumptions_and_where_are_read_the_same_way() -> None:
    """--assume and compare --where use the same reader: floor(i/2 + 1) <= i//2 admits no i."""
    assert check("i > 5", assume="floor(i/2 + 1) <= i//2").status is Status.VACUOUS
    assert check("i > 5", assume="floor(i/2 + 1) == i//2 + 1").status is Status.REFUTED
    out, err = io.StringIO(), io.StringIO()
    code = main(["compare", "torch.conv", "guide.conv", "--where", "floor(i/2 + 1) <= i//2"],
                out, err)
    assert code == 5, out.getvalue() + err.getvalue()


def test_long_flat_chains_are_read_and_pathological_fractions_refused() -> None:
    """Python's parser builds i + i + ... recursively: it is given the stack it needs."""
    assert parse(" + ".join(["i"] * 2400) + " > 0") == (2400 * i > 0)
    with pytest.raises(ClaimSyntaxError, match="larger than"):
        parse("floor(" + " + ".join(f"i/k{n}" for n in range(600)) + ") > 0")
    with pytest.raises(ClaimSyntaxError, match="nested too deeply"):
        parse("floor(" + "min(" * 30 + "i/k" + ", i/s)" * 30 + ") > 0")
