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
