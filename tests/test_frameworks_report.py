"""generated/frameworks.md and generated/latex/frameworks.tex."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from latex_helpers import assert_typesets, needs_pdflatex

from symconv.artifacts import PROVIDERS, banner
from symconv.evaluate import evaluate
from symconv.frameworks import FRAMEWORKS, all_rules, report
from symconv.frameworks.base import Rule
from symconv.frameworks.report import MD, TEX, artifacts, tex_escape


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return artifacts()


@pytest.mark.slow
def test_contents(generated: dict[str, str]) -> None:
    assert "symconv.frameworks.report" in PROVIDERS
    md, tex = generated[MD], generated[TEX]
    assert md.startswith(banner(MD))
    assert tex.startswith(banner(TEX))
    for r in all_rules():
        assert f"`{r.id}`" in md
    assert "| proved |" in md
    assert "unknown" not in md.split("## Theorems")[1].split("## ONNX")[0]
    assert "`torch.max_pool.ceil` ≠ `onnx.infer.max_pool.ceil.opset19`" in md
    assert "i=2, k=1, s=2, p=0, d=1: 1 vs 2" in md


@pytest.mark.slow
@needs_pdflatex
def test_latex_typesets(generated: dict[str, str], tmp_path: Path) -> None:
    """The whole document: 38 overfull boxes (up to 433pt) before the rule tables were
    rewritten; none over 1pt now."""
    compiled = assert_typesets({TEX: generated[TEX]}, TEX, tmp_path)
    assert compiled.pdf.stat().st_size > 10_000


@needs_pdflatex
def test_rule_tables_typeset(tmp_path: Path) -> None:
    """The rule and ONNX-exception tables (where the long formulas are), without the slow
    theorem and comparison sections."""
    context = {"frameworks": [report._rules_context(fw) for fw in FRAMEWORKS], "theorems": [],
               "exceptions": report._exceptions_context(), "groups": []}
    text = report.tex_document(context)
    for r in all_rules():
        assert f"\\texttt{{{report.tex_rule_id(r.id)}}}" in text
    assert_typesets({"frameworks.tex": text}, "frameworks.tex", tmp_path)


# Per parameter, values that reach the floors' and mods' different cases on a small grid.
_VALUES = {"i": (1, 2, 4, 7), "o": (1, 3, 8), "k": (1, 3), "s": (1, 3), "d": (1, 2),
           "p": (0, 2), "p_begin": (0, 1), "p_end": (0, 2), "a": (0, 1)}


def _grid(rule: Rule, most: int = 40) -> list[dict[str, int]]:
    points = list(itertools.product(*(_VALUES[n] for n in rule.names)))
    if len(points) > most:  # a fixed sample, the same on every run
        points = random.Random(rule.id).sample(points, most)
    return [dict(zip(rule.names, values, strict=True)) for values in points]


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_shortened_formulas_are_the_rules(rule: Rule) -> None:
    """What the LaTeX shows — k̂ for d(k − 1) + 1, o for the output, p_b in p_e — evaluates,
    with those names bound to their definitions, to the rule's own output, extras and refusal
    conditions at every point of a small grid."""
    expr, extras, refusals = report.display_forms(rule)
    for env in _grid(rule):
        named = dict(env, k_hat=env.get("d", 1) * (env["k"] - 1) + 1)
        if "o" not in env:
            named["o"] = evaluate(rule.expr, env)
        named.update({n: evaluate(v, env) for n, v in rule.extras.items() if n not in env})
        assert evaluate(expr, named) == evaluate(rule.expr, env), env
        for name, shown in extras:
            assert evaluate(shown, named) == evaluate(rule.extras[name], env), (name, env)
        for shown, refusal in zip(refusals, rule.refusals, strict=True):
            assert evaluate(shown, named) == evaluate(refusal.when, env), (refusal, env)


def test_shortening_never_rewrites_a_parameter() -> None:
    """p_begin given as a parameter (tf.conv.explicit) is not mistaken for an extra's name,
    and a rewrite that does not substitute back exactly is dropped."""
    (rule,) = [r for r in all_rules() if r.id == "tf.conv.explicit"]
    expr, _, (when,) = report.display_forms(rule)
    assert {"p_begin", "p_end", "k_hat"} <= {x.name for x in expr.free_symbols}
    assert str(when) == "o < 0"
    x = report.p_begin
    assert report.shorten(x + 1, {x + 1: x}) == x + 1


def test_tex_escape() -> None:
    assert tex_escape("a_b & 50% ≤ k̂") == r"a\_b \& 50\% $\leq$ $\hat{k}$"
    # "|" is an em dash in OT1 text, "--" an en dash
    assert tex_escape("s | n, --o") == r"s \textbar{} n, -{}-{}o"
    with pytest.raises(ValueError, match="no TeX spelling"):
        tex_escape("→✓")
