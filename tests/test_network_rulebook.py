"""The generated rulebook (plain trees of every framework rule) is in sync with
symconv/frameworks, and building a rule from it gives the SymPy rule's verdict."""

from __future__ import annotations

import random

import pytest

from symconv.frameworks import all_rules, compiled
from symconv.frameworks.base import Refused
from symconv.network import rulegen, rules
from symconv.network import terms as T
from symconv.network.trees import build_cond, build_lin

RANGES = {"i": (1, 9), "k": (1, 4), "s": (1, 3), "p": (0, 2), "p_begin": (0, 2),
          "p_end": (0, 2), "d": (1, 2), "a": (0, 2), "o": (1, 12)}


def test_rulebook_is_in_sync_with_the_frameworks() -> None:
    assert rules.PATH.read_text(encoding="utf-8") == rulegen.render(), (
        f"symconv/network/rulebook.json is stale: run `{rulegen.COMMAND}`")


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_light_rule_gives_the_sympy_rules_verdict(rule: object) -> None:
    from symconv.frameworks.base import Rule

    assert isinstance(rule, Rule)
    light = rules.get(rule.id)
    assert light.params == rule.names
    rng = random.Random(rule.id)
    # the SymPy rule's verdict compiled to plain Python (held equal to evaluating the SymPy
    # rule by test_frameworks_rules): SymPy substitution at each point was this file's time
    verdict = compiled.verdict(rule)
    for _ in range(40):
        env = {n: rng.randint(*RANGES[n]) for n in rule.names}
        want = verdict(env)
        terms = {n: T.const(v) for n, v in env.items()}
        refused = [m for tree, m in light.refusals if build_cond(tree, terms) is T.TRUE]
        if isinstance(want, Refused):
            assert refused, env
            assert refused[0] == want.message, env
        else:
            assert not refused, env
            assert build_lin(light.expr, terms).const == want, env


def test_unknown_rule_is_a_key_error() -> None:
    with pytest.raises(KeyError, match=r"unknown rule 'torch\.nope'"):
        rules.get("torch.nope")
