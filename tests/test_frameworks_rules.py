"""The rule registry, the compiled evaluation, and the theorems about the rules."""

from __future__ import annotations

import itertools

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv.evaluate import evaluate
from symconv.frameworks import FRAMEWORKS, all_rules, get
from symconv.frameworks.base import Refused
from symconv.frameworks.compiled import pred, verdict
from symconv.frameworks.proofs import EXCEPTIONS, OPSET19, theorems
from symconv.prover import Status
from symconv.theorems import PROVIDERS, all_theorems

RULES = all_rules()


def test_every_framework_has_rules_with_sources() -> None:
    assert {r.framework for r in RULES} == set(FRAMEWORKS)
    for r in RULES:
        assert r.source, r.id
        assert r.params, r.id
        assert r.expr.free_symbols <= set(r.params), r.id
        for refusal in r.refusals:
            assert refusal.when.free_symbols <= set(r.params), r.id


def test_no_ite_anywhere() -> None:
    """A Piecewise inside a condition becomes ITE, which neither Z3 bridge nor evaluate take."""
    for r in RULES:
        for e in (r.expr, *(x.when for x in r.refusals), *r.extras.values()):
            assert not any(isinstance(n, sp.logic.boolalg.ITE) for n in sp.preorder_traversal(e))


def test_unknown_rule_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="unknown rule"):
        get("torch.nope")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(RULES), st.integers(1, 40), st.integers(1, 9), st.integers(1, 6),
       st.integers(0, 9), st.integers(0, 9), st.integers(0, 9), st.integers(1, 4),
       st.integers(0, 8), st.integers(1, 60))
def test_compiled_equals_evaluate(rule: object, i: int, k: int, s: int, p: int, pb: int,
                                  pe: int, d: int, a: int, o: int) -> None:
    from symconv.frameworks.base import Rule

    assert isinstance(rule, Rule)
    env = {"i": i, "k": k, "s": s, "p": p, "p_begin": pb, "p_end": pe, "d": d, "a": a, "o": o}
    env = {n: env[n] for n in rule.names}
    assert verdict(rule)(env) == rule.verdict(env)
    for name, extra in rule.extras.items():
        from symconv.frameworks.compiled import expr

        assert expr(extra)(env) == rule.extra(name, env)


def test_trunc_div_is_c_division() -> None:
    from symconv.frameworks.base import trunc_div

    n, m = sp.Symbol("n", integer=True), sp.Symbol("m", integer=True)
    e = trunc_div(n, m)
    for x, y in itertools.product(range(-20, 21), range(1, 7)):
        c_style = abs(x) // y * (1 if x >= 0 else -1)
        assert evaluate(e, {"n": x, "m": y}) == c_style


def test_ceil_div() -> None:
    from symconv.frameworks.base import ceil_div

    n, m = sp.Symbol("n", integer=True), sp.Symbol("m", integer=True)
    for x, y in itertools.product(range(-20, 21), range(1, 7)):
        assert evaluate(ceil_div(n, m), {"n": x, "m": y}) == -(-x // y)


def test_brute_force_pooling_counts_windows() -> None:
    """torch ceil-mode pooling = the number of window starts inside input or left padding, each
    window overlapping the padded input, counted by brute force."""
    rule = verdict(get("torch.max_pool.ceil"))
    for i, k, s, p, d in itertools.product(range(1, 10), range(1, 5), range(1, 4), range(0, 3),
                                           range(1, 3)):
        env = {"i": i, "k": k, "s": s, "p": p, "d": d}
        got = rule(env)
        if isinstance(got, Refused):
            continue
        keff = d * (k - 1) + 1
        starts = [t for t in range(0, i + 2 * p + s) if t < i + p and
                  t + keff <= i + 2 * p + (s - 1) and t % s == 0]
        assert got == len(starts), env


def test_theorems_registered_and_proved() -> None:
    assert "symconv.frameworks.proofs" in PROVIDERS
    ids = {t.id for t in all_theorems()}
    mine = theorems()
    assert {t.id for t in mine} <= ids
    for t in mine:
        result = t.check(30.0)
        assert result.status is Status.PROVED, (t.id, result)


def test_exception_regions_are_not_empty_and_exact_on_a_grid() -> None:
    for ex in (*EXCEPTIONS, *OPSET19):
        spec, infer, region = verdict(get(ex.spec)), verdict(get(ex.infer)), pred(ex.region)
        names = get(ex.spec).names
        inside = 0
        for values in itertools.product(*(range(1, 7) if n not in ("p_begin", "p_end", "a")
                                          else range(0, 4) for n in names)):
            env = dict(zip(names, values, strict=True))
            if "o" in env:
                env["o"] = env["o"] * 3
            a, b = spec(env), infer(env)
            differ = (isinstance(a, Refused) != isinstance(b, Refused)) or (
                not isinstance(a, Refused) and a != b)
            assert differ == region(env), (ex.name, env, a, b)
            inside += differ
        assert inside > 0, ex.name


def test_refuted_claim_counterexample_reevaluates() -> None:
    """A deliberately false variant (ONNX inference = spec for conv everywhere) is refuted by Z3
    and its counterexample is a real disagreement in plain Python."""
    from symconv.frameworks.compare import disagreement
    from symconv.frameworks.proofs import domain
    from symconv.prover import Claim, prove

    spec, infer = get("onnx.conv"), get("onnx.infer.conv")
    result = prove(Claim(sp.Not(disagreement(spec, infer)), domain(spec)))
    assert result.status is Status.REFUTED
    assert result.counterexample is not None
    env = {n: result.counterexample[n] for n in spec.names}
    assert spec.verdict(env) != infer.verdict(env)
