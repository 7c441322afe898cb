"""The LaTeX target: the tables compile with a real pdflatex, and the worked examples are the
guide's figures computed right (checked against brute force, not against the engine)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp
from latex_helpers import assert_typesets, in_article, needs_pdflatex

from symconv import texrun
from symconv.codegen import latex
from symconv.relations import RELATIONS
from symconv.symbols import a, d, i, i_prime, i_tilde, k, p, s
from symconv.templating import environment

ROOT = Path(__file__).resolve().parents[1]


def placements(i: int, k: int, s: int, p: int, d: int = 1) -> int:
    count, start = 0, 0
    while start + d * (k - 1) + 1 <= i + 2 * p:
        count += 1
        start += s
    return count


@needs_pdflatex
def test_tables_typeset(tmp_path: Path) -> None:
    files = {Path(name).name: text for name, text in latex.artifacts().items()}
    compiled = assert_typesets(files, "tables.tex", tmp_path)
    assert compiled.pdf.stat().st_size > 1000
    assert not [b for b in texrun.bad_boxes(compiled.log) if b.kind.startswith("Underfull")]


@needs_pdflatex
@pytest.mark.parametrize("path", [latex.RELATIONS_PATH, latex.EXAMPLES_PATH])
@pytest.mark.parametrize("options", ["", "twocolumn", "a4paper,landscape"])
def test_each_table_fits_a_papers_column(tmp_path: Path, path: str, options: str) -> None:
    """relations.tex and examples.tex as a paper \\inputs them, with the packages their first
    line names: a 345pt article column, a twocolumn paper's 229pt \\columnwidth, and a wide
    page (a wide layout must not stick out either)."""
    text = latex.artifacts()[path]
    packages = re.search(r"\\usepackage\{([^}]*)\}", text.splitlines()[1])
    assert packages is not None
    paper = in_article(f"\\input{{{Path(path).name}}}", packages[1].split(","),
                       options=options)
    assert_typesets({Path(path).name: text, "paper.tex": paper}, "paper.tex", tmp_path)


def test_example_values_do_not_break_across_lines() -> None:
    """TeX may break an inline formula after ``=``; each ``x = v`` is braced so it cannot."""
    text = latex.artifacts()[latex.EXAMPLES_PATH]
    assert "${i = 5}$, ${k = 3}$, ${s = 2}$, ${p = 1}$" in text
    assert "${i' = 3}$, ${\\tilde{i}' = 5}$, ${a = 1}$" in text
    relations = latex.artifacts()[latex.RELATIONS_PATH]
    assert "${s = 1}$, ${p = 0}$, ${i + 2 p \\geq k}$" in relations


def test_long_formulas_can_wrap() -> None:
    """and/or and min/max stay at the formula's top level (no \\left…\\right around them),
    where TeX may break a line; a Mod inside a floor or max gets no extra brackets."""
    cond = sp.Or(sp.And(a >= d, a >= s), i < k)
    assert latex.tex(cond) == r"\bigl(a \geq d \wedge a \geq s\bigr) \vee i < k"
    assert latex.tex(sp.Max(0, i - k)) == r"\max(0, \allowbreak i - k)"
    assert latex.tex(sp.Min(sp.floor(i / s), k)) == (
        r"\min\bigl(k, \allowbreak \left\lfloor \frac{i}{s} \right\rfloor\bigr)")
    assert latex.tex(sp.floor(sp.Max(0, k - sp.Mod(i - 1, s)) / 2) + 1) == (
        r"\left\lfloor \frac{\max(0, \allowbreak k - \left(\left(i - 1\right) \bmod s\right))}"
        r"{2} \right\rfloor + 1")
    assert latex.tex(i + sp.Mod(k, s)) == r"i + \left(k \bmod s\right)"


def test_every_relation_is_a_row() -> None:
    text = latex.artifacts()[latex.RELATIONS_PATH]
    rows = re.findall(r"^(\d+) & ", text, flags=re.M)
    assert rows == [str(n) for n in range(1, 16)]
    assert "\\toprule" in text
    assert "\\bottomrule" in text
    assert r"\left\lfloor \frac{i + 2 p - k}{s} \right\rfloor + 1" in text
    assert "o' = a + k + s \\left(i' - 1\\right) - 2 p" in text


def test_every_figure_is_an_example() -> None:
    figures = [ex.figure for ex in latex.EXAMPLES]
    assert figures == ["1.2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8a", "2.8b",
                       "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "5.1"]


def _given(ex: latex.Example) -> tuple[int, int, int, int, int]:
    g = {sym.name: v for sym, v in ex.given.items()}
    return g["i"], g["k"], g["s"], g["p"], g.get("d", 1)


@pytest.mark.parametrize("ex", latex.EXAMPLES, ids=lambda e: e.figure)
def test_examples_agree_with_brute_force(ex: latex.Example) -> None:
    vi, vk, vs, vp, vd = _given(ex)
    env = latex.compute(ex)
    o = placements(vi, vk, vs, vp, vd)
    assert env["o"] == o
    if RELATIONS[ex.relation].kind.value == "transposed":
        assert env["i_prime"] == o
        assert env["o_prime"] == vi
        # the equivalent direct convolution: unit stride over the stretched input (s-1 zeros
        # between units), p' zeros each side plus a at the end, outputs o' = i units
        stretched = o + (vs - 1) * (o - 1)
        assert placements(stretched + env["a"], vk, 1, env["p_prime"]) == vi
        assert env["a"] == (vi + 2 * vp - vk) % vs
        if sp.Symbol("i_tilde", integer=True) in RELATIONS[ex.relation].equivalent:
            assert env["i_tilde"] == stretched


def test_guide_numbers_for_the_transposed_figures() -> None:
    """The equivalent-convolution parameters the guide prints (where they are consistent)."""
    by_fig = {ex.figure: latex.compute(ex) for ex in latex.EXAMPLES}
    printed = {
        "4.1": {"i_prime": 2, "p_prime": 2},
        "4.2": {"i_prime": 6, "p_prime": 1},
        "4.3": {"i_prime": 5, "p_prime": 1},
        "4.4": {"i_prime": 7, "p_prime": 0},
        "4.5": {"i_prime": 2, "i_tilde": 3, "p_prime": 2},
        "4.6": {"i_prime": 3, "i_tilde": 5, "p_prime": 1},
        "4.7": {"i_prime": 3, "i_tilde": 5, "a": 1, "p_prime": 1},
    }
    for fig, values in printed.items():
        for name, value in values.items():
            assert by_fig[fig][name] == value, (fig, name)


def test_typeset_as_the_guide() -> None:
    assert latex.tex(i_prime) == "i'"
    assert latex.tex(i_tilde) == r"\tilde{i}'"
    assert latex.tex(sp.floor((i + 2 * p - k) / s)) == (
        r"\left\lfloor \frac{i + 2 p - k}{s} \right\rfloor"
    )
    assert latex.tex(sp.Mod(i - k, s)) == r"\left(i - k\right) \bmod s"
    assert "d - 1" in latex.tex(RELATIONS["R15"].expr)
    assert d in RELATIONS["R15"].expr.free_symbols


def test_tex_environment_leaves_braces_alone() -> None:
    env = environment(tex=True)
    template = env.from_string(r"\frac{a}{b} \VAR{x} ((* if y *))yes((* endif *)) {{ z }}")
    assert template.render(x="X", y=True) == r"\frac{a}{b} X yes {{ z }}"


def test_committed_latex_matches(tmp_path: Path) -> None:
    for name, text in latex.artifacts().items():
        assert (ROOT / "generated" / name).read_text(encoding="utf-8") == text, (
            f"generated/{name} is stale: run `symconv generate`"
        )
