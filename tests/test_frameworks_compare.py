"""symconv compare: proved equality, minimal counterexamples (checked against brute force)."""

from __future__ import annotations

import io
import itertools
import json

import pytest

from symconv.cli import main
from symconv.frameworks import get
from symconv.frameworks.base import Refused
from symconv.frameworks import compare as compare_module
from symconv.frameworks.compare import ENUMERATED, Kind, Verdict, compare, env_for


def _disagree(x: int | Refused, y: int | Refused, kind: Kind) -> bool:
    if kind is Kind.VALUES:
        return not isinstance(x, Refused) and not isinstance(y, Refused) and x != y
    if kind is Kind.A_ONLY:
        return not isinstance(x, Refused) and isinstance(y, Refused)
    return isinstance(x, Refused) and not isinstance(y, Refused)


def brute_minimal(a_id: str, b_id: str, kind: Kind, top: int = 7) -> dict[str, int] | None:
    """The least disagreement by (sum, then lexicographic) over a small box, by enumeration."""
    from symconv.frameworks.compare import parameters

    from symconv.frameworks.compiled import verdict

    a, b = get(a_id), get(b_id)
    run_a, run_b = verdict(a), verdict(b)
    names = [x.name for x in parameters(a, b)]
    lows = {"p": 0, "p_begin": 0, "p_end": 0, "a": 0}
    best = None
    for values in itertools.product(*(range(lows.get(n, 1), top) for n in names)):
        point = dict(zip(names, values, strict=True))
        if _disagree(run_a(env_for(a, point)), run_b(env_for(b, point)), kind):
            key = (sum(values), values)
            if best is None or key < best[0]:
                best = (key, point)
    return None if best is None else best[1]


@pytest.mark.parametrize(("a", "b"), [
    ("torch.max_pool.ceil", "onnx.infer.max_pool.ceil.opset19"),
    ("torch.conv", "onnx.infer.conv"),
    ("onnx.conv_transpose.same_upper", "onnx.infer.conv_transpose.same_upper"),
    ("torch.conv_transpose", "guide.conv_transpose"),
    ("tf.conv.valid", "jax.conv.valid"),
    ("torch.avg_pool.ceil", "guide.avg_pool"),
])
@pytest.mark.parametrize("enumerated", [0, ENUMERATED], ids=["bisection", "enumeration"])
def test_minimal_counterexamples_match_brute_force(a: str, b: str, enumerated: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways to the least point (Z3 bisection; plain-Python enumeration proved by Z3)."""
    monkeypatch.setattr(compare_module, "ENUMERATED", enumerated)
    result = compare(get(a), get(b))
    assert result.verdict is Verdict.DIFFER
    by_kind = {w.kind: w for w in result.witnesses}
    for kind in Kind:
        expected = brute_minimal(a, b, kind)
        if kind in by_kind:
            w = by_kind[kind]
            assert w.minimal
            assert _disagree(w.a, w.b, kind)
            assert dict(w.point) == expected, (kind, dict(w.point), expected)
        else:
            assert expected is None, (kind, expected)


def test_compositions_in_lexicographic_order() -> None:
    from symconv.frameworks.compare import _compositions

    for total, n in itertools.product(range(6), range(1, 5)):
        want = sorted(t for t in itertools.product(range(total + 1), repeat=n)
                      if sum(t) == total)
        assert list(_compositions(total, n)) == want


def test_equal_rules_are_proved_equal() -> None:
    assert compare(get("tf.conv.same"), get("jax.conv.same")).verdict is Verdict.EQUAL
    assert compare(get("torch.conv"), get("guide.conv")).verdict is Verdict.EQUAL


def test_where_restricts_the_domain() -> None:
    from symconv.claims import parse_condition

    where = parse_condition("i + 2*p >= d*(k-1) + 1")
    assert compare(get("torch.conv"), get("onnx.conv"), where=where).verdict is Verdict.EQUAL
    assert compare(get("torch.conv"), get("onnx.conv")).verdict is Verdict.DIFFER


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["compare", *argv], out, err), out.getvalue(), err.getvalue()


def test_cli_pair_json() -> None:
    code, out, _ = run("torch.max_pool.ceil", "onnx.infer.max_pool.ceil.opset19", "--json")
    assert code == 1
    obj = json.loads(out)
    assert obj["status"] == "refuted"
    first = obj["differences"][0]
    assert first["kind"] == "values differ"
    assert first["smallest"] == {"i": 2, "k": 1, "s": 2, "p": 0, "d": 1}
    assert (first["a"], first["b"]) == (1, 2)
    assert obj["links"] == ["p_begin = p", "p_end = p"]
    assert "floor(k/2)" in first["condition"]


def test_cli_equal_exit_zero_and_region() -> None:
    code, out, _ = run("tf.conv.same", "onnx.conv.same_upper")
    assert code == 0
    assert "equal" in out
    code, out, _ = run("torch.conv", "onnx.infer.conv", "--region")
    assert code == 1
    assert "region:" in out


@pytest.mark.parametrize(("argv", "needle"), [
    (("torch.conv",), "exactly two"),
    (("torch.conv", "torch.nope"), "unknown rule"),
    (("torch.conv", "torch.max_pool"), "one operation"),
    (("torch.conv", "onnx.conv", "--where", "i >="), "position"),
    (("torch.conv", "onnx.conv", "--where", "q > 1"), "not a parameter"),
    (("--all", "torch.conv"), "--rules does not apply: --all compares"),
    (("--all", "--region"), "--region does not apply"),
    (("--list", "--where", "s == 1"), "--where does not apply: --list"),
    (("torch.conv", "onnx.conv", "--timeout", "0"), "--timeout"),
    (("torch.avg_pool.ceil", "torch.max_pool.ceil"),
     "torch.avg_pool.ceil (op avg_pool) and torch.max_pool.ceil (op max_pool) are rules of "
     "different operations"),
])
def test_cli_bad_input(argv: tuple[str, ...], needle: str) -> None:
    code, _, err = run(*argv)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_cli_list() -> None:
    code, out, _ = run("--list", "--json")
    assert code == 0
    ids = {r["id"] for r in json.loads(out)}
    assert {"torch.conv", "onnx.infer.max_pool.ceil.opset19", "jax.conv.same"} <= ids


@pytest.mark.slow
def test_cli_all_text_legend_on_stdout() -> None:
    code, out, err = run("--all")
    assert code == 0
    assert out.startswith("= equal everywhere")
    assert err == ""


@pytest.mark.slow
def test_cli_all_matrix() -> None:
    code, out, _ = run("--all", "--json")
    assert code == 0
    groups = json.loads(out)
    names = {g["group"] for g in groups}
    assert "max_pool / explicit / ceil" in names
    cells = {(c["a"], c["b"]): c for g in groups for c in g["comparisons"]}
    assert cells[("tf.conv.same", "jax.conv.same")]["status"] == "proved"
    assert cells[("torch.max_pool.ceil", "onnx.infer.max_pool.ceil")]["sizes_agree"]
    assert not cells[("torch.max_pool.ceil", "onnx.infer.max_pool.ceil.opset19")]["sizes_agree"]


@pytest.mark.parametrize("where", ["s == 0", "i < 0", "p > 3 and p < 2"])
def test_where_admitting_no_point_is_vacuous_not_equal(where: str) -> None:
    code, out, _ = run("torch.conv", "tf.conv.valid", "--where", where, "--json")
    assert code == 5
    obj = json.loads(out)
    assert obj["status"] == "vacuous"
    assert obj["differences"] == []
    code, out, _ = run("torch.conv", "tf.conv.valid", "--where", where)
    assert code == 5
    assert "equal" not in out
    assert "vacuous" in out


def test_refusal_messages_are_whole_sentences() -> None:
    code, out, _ = run("torch.max_pool", "onnx.max_pool", "--json")
    assert code == 1
    refusal = json.loads(out)["differences"][0]["a"]["refuses"]
    assert refusal.startswith("padding should be at most half of kernel size")
    code, out, _ = run("torch.max_pool", "onnx.max_pool")
    assert "refuses (padding should be at most half of kernel size (max_pool1d;" in out
    for rid in ("torch.max_pool", "torch.max_pool.ceil", "torch.conv_transpose.output_size"):
        for refusal in get(rid).refusals:
            assert refusal.message in refusal.shown  # the conformance key stays in the text
