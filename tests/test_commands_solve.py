"""symconv solve: every answer checked against brute force over a generous range (the solver
itself never loops over values)."""

from __future__ import annotations

import io
import itertools
import json

import pytest

from symconv.cli import main
from symconv.frameworks import get
from symconv.frameworks.base import Refused
from symconv.frameworks.compiled import verdict


def solve(*argv: str) -> tuple[int, dict[str, object], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["solve", *argv, "--json"], out, err)
    return code, (json.loads(out.getvalue()) if out.getvalue() else {}), err.getvalue()


def conv(env: dict[str, int]) -> int | Refused:
    return verdict(get("guide.conv"))(env)


@pytest.mark.parametrize(("i", "k", "s", "d"), [(10, 3, 2, 1), (10, 4, 1, 1), (7, 2, 1, 1),
                                                (13, 5, 3, 2), (1, 6, 4, 3), (9, 1, 4, 1)])
def test_padding_matches_brute_force(i: int, k: int, s: int, d: int) -> None:
    code, ans, _ = solve("padding", "--i", str(i), "--k", str(k), "--s", str(s), "--d", str(d))
    target = -(-i // s)
    assert ans["target"] == target
    sym = [p for p in range(0, 200) if conv({"i": i, "k": k, "s": s, "p": p, "d": d}) == target]
    if sym:
        assert ans["symmetric"] == {"smallest": min(sym), "largest": max(sym)}
        assert sym == list(range(min(sym), max(sym) + 1))
    else:
        assert ans["symmetric"] is None
    onnx = verdict(get("onnx.conv"))
    pairs = [(pb, pe) for pb, pe in itertools.product(range(40), range(40))
             if pe >= pb and onnx({"i": i, "k": k, "s": s, "d": d, "p_begin": pb,
                                   "p_end": pe}) == target]
    best = min(pairs, key=lambda t: (t[0] + t[1], t[1] - t[0]))
    assert ans["asymmetric"] == {"p_begin": best[0], "p_end": best[1]}
    assert code == 0


def test_output_padding_and_output_size_path() -> None:
    t = verdict(get("torch.conv_transpose"))
    for i, k, s, p, d, target in itertools.product(range(1, 5), range(1, 4), range(1, 4),
                                                   range(0, 2), range(1, 3), (5, 8)):
        code, ans, _ = solve("output-padding", *(f"--{n}={v}" for n, v in
                             {"i": i, "k": k, "s": s, "p": p, "d": d, "target": target}.items()))
        brute = [a for a in range(0, 50)
                 if t({"i": i, "k": k, "s": s, "p": p, "d": d, "a": a}) == target]
        assert ans["output_padding"] == brute
        assert code == (0 if brute else 1)
        smallest = (i - 1) * s - 2 * p + d * (k - 1) + 1
        assert ans["output_size_accepted"] == (smallest <= target <= smallest + s - 1)


@pytest.mark.parametrize("rule", ["guide.conv", "torch.max_pool.ceil", "torch.avg_pool"])
def test_inputs_match_brute_force(rule: str) -> None:
    run = verdict(get(rule))
    for o, k, s, p in itertools.product(range(1, 6), range(1, 4), range(1, 4), range(0, 2)):
        params = {"k": k, "s": s, "p": p, "d": 1}
        code, ans, _ = solve("inputs", "--rule", rule, "--o", str(o),
                             *(f"--{n}={v}" for n, v in params.items() if n in get(rule).names))
        env = {n: v for n, v in params.items() if n in get(rule).names}
        brute = [i for i in range(1, 100) if run({**env, "i": i}) == o]
        if brute:
            assert ans["inputs"] == [min(brute), max(brute)], (rule, o, params)
        else:
            assert ans["inputs"] is None
            assert code == 1


def test_params_enumerates_every_configuration() -> None:
    code, ans, _ = solve("params", "--i", "10", "--o", "5", "--max-k", "4", "--max-s", "3",
                         "--max-p", "2", "--max-d", "2")
    brute = [{"k": k, "s": s, "p": p, "d": d}
             for k, s, p, d in itertools.product(range(1, 5), range(1, 4), range(0, 3),
                                                 range(1, 3))
             if conv({"i": 10, "k": k, "s": s, "p": p, "d": d}) == 5]
    assert ans["solutions"] == brute
    assert ans["complete"] is True
    assert code == 0


@pytest.mark.parametrize(("argv", "needle"), [
    (("padding", "--k", "3"), "--i is required"),
    (("padding", "--i", "3", "--k", "0"), "--k must be >= 1"),
    (("padding", "--i", "3", "--k", "2", "--rule", "onnx.conv"), "no symmetric padding"),
    (("output-padding", "--i", "3", "--k", "2", "--target", "4", "--rule", "guide.conv"),
     "no output_padding"),
    (("inputs", "--o", "3"), "--k is required"),
    (("params", "--i", "3", "--o", "2", "--max-s", "0"), "--max-s must be >= 1"),
    (("padding", "--i", "3", "--k", "2", "--rule", "x.y"), "unknown rule"),
])
def test_bad_input(argv: tuple[str, ...], needle: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["solve", *argv], out, err) == 2
    assert needle in err.getvalue()


def test_text_output() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["solve", "padding", "--i", "10", "--k", "4"], out, err) == 0
    text = out.getvalue()
    assert "no symmetric padding p gives it (proved: unsat)" in text
    assert "p_begin=1, p_end=2" in text


# ---- all integers, not up to 2**31 ---------------------------------------------------------------


def test_inputs_above_two_to_the_31() -> None:
    code, ans, _ = solve("inputs", "--o", "1073741824", "--k", "3", "--s", "2", "--p", "1")
    assert code == 0
    assert ans["status"] == "proved"
    lo, hi = ans["inputs"]
    assert (lo, hi) == (2147483647, 2147483648)
    for i in (lo - 1, lo, hi, hi + 1):
        assert (conv({"i": i, "k": 3, "s": 2, "p": 1, "d": 1}) == 1073741824) is (lo <= i <= hi)


def test_padding_above_two_to_the_31() -> None:
    code, ans, _ = solve("padding", "--i", "6", "--k", "4", "--s", "1", "--o", "5000000001")
    assert code == 0
    assert ans["symmetric"] == {"smallest": 2499999999, "largest": 2499999999}
    assert conv({"i": 6, "k": 4, "s": 1, "p": 2499999999, "d": 1}) == 5000000001


def test_reachable_sizes_above_two_to_the_31_are_exact() -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["solve", "output-padding", "--i", "6000000001", "--k", "3", "--s", "3",
            "--target", "18000000000"]
    assert main(argv, out, err) == 1
    assert "reachable sizes are 18000000003..18000000005" in out.getvalue()
    assert "None" not in out.getvalue()
    code, ans, _ = solve(*argv[1:])
    assert (code, ans["status"], ans["reachable"]) == (1, "refuted", [18000000003, 18000000005])


def test_an_unbounded_answer_stays_unbounded_and_is_proved() -> None:
    import sympy as sp

    from symconv.frameworks.base import Op, rule
    from symconv.frameworks.solve import Problem, interval
    from symconv.symbols import i, k

    flat = rule("test.flat", Op.CONV, "output k whatever i", (i, k), k, [], "test")
    found = interval(flat, "i", {"k": 3}, 3)
    assert found is not None
    assert (found.lo, found.hi) == (1, None)
    prob = Problem(get("guide.conv"), {"k": 3, "s": 1, "p": 0, "d": 1}, [])
    model = prob.check()
    assert model is not None
    assert prob.extreme(prob.vars["i"], model, largest=True)[0] is None
    assert prob.extreme(prob.vars["i"], model, largest=False)[0] == 3
    bounded = Problem(get("guide.conv"), {"k": 3, "s": 1, "p": 0, "d": 1},
                      [sp.Le(sp.Symbol("i", integer=True), 3 * 10**12)])
    assert bounded.extreme(bounded.vars["i"], model, largest=True)[0] == 3 * 10**12


def test_text_never_prints_none_for_an_unbounded_end() -> None:
    from symconv.commands.solve import _upto

    assert _upto(3, None) == "3..∞"
    assert _upto(3, 7) == "3..7"


# ---- options, and params at scale ------------------------------------------------------------


@pytest.mark.parametrize(("argv", "needle"), [
    (("output-padding", "--rule", "tf.conv_transpose.same.output_padding", "--i", "4", "--k",
      "3", "--target", "9", "--p", "1"), "--p does not apply: tf.conv_transpose.same"),
    (("inputs", "--rule", "torch.avg_pool", "--o", "3", "--k", "2", "--d", "2"),
     "--d does not apply"),
    (("padding", "--rule", "torch.avg_pool", "--i", "5", "--k", "3", "--d", "1"),
     "--d does not apply"),
    (("params", "--rule", "torch.avg_pool", "--i", "5", "--o", "2", "--max-d", "2"),
     "--max-d does not apply"),
])
def test_options_that_do_not_apply_are_refused(argv: tuple[str, ...], needle: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["solve", *argv], out, err) == 2
    assert needle in err.getvalue()


def test_params_with_limits_of_64_streams_and_stops_where_asked() -> None:
    argv = ["params", "--i", "64", "--o", "32", "--max-k", "64", "--max-s", "64", "--max-p",
            "64", "--max-d", "64", "--max-solutions", "40"]
    code, ans, _ = solve(*argv)
    assert code == 0
    brute = [{"k": k, "s": s, "p": p, "d": d}
             for k, s, p, d in itertools.product(range(1, 3), range(1, 65), range(0, 65),
                                                 range(1, 65))
             if (64 + 2 * p - d * (k - 1) - 1) // s + 1 == 32 and 64 + 2 * p >= d * (k - 1) + 1]
    assert ans["solutions"] == brute[:40]
    assert ans["complete"] is False
    out, err = io.StringIO(), io.StringIO()
    assert main(["solve", *argv], out, err) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 41
    assert lines[0] == "  k=1, s=2, p=0, d=1"
    assert "more exist" in lines[-1]


def test_params_lexicographic_enumeration_is_complete() -> None:
    code, ans, _ = solve("params", "--i", "9", "--o", "3", "--max-k", "5", "--max-s", "4",
                         "--max-p", "3", "--max-d", "3")
    assert code == 0
    brute = [{"k": k, "s": s, "p": p, "d": d}
             for k, s, p, d in itertools.product(range(1, 6), range(1, 5), range(0, 4),
                                                 range(1, 4))
             if conv({"i": 9, "k": k, "s": s, "p": p, "d": d}) == 3]
    assert ans["solutions"] == brute
    assert ans["complete"] is True


def test_status_is_the_one_verdict_key() -> None:
    code, ans, _ = solve("padding", "--i", "10", "--k", "4")
    assert (code, ans["status"]) == (0, "proved")
    assert "found" not in ans
    code, ans, _ = solve("inputs", "--o", "1", "--k", "9", "--s", "1", "--p", "0", "--rule",
                         "torch.avg_pool")
    assert (code, ans["status"]) == (0, "proved")
