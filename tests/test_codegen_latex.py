"""The LaTeX target: the tables compile with a real pdflatex, and the worked examples are the
guide's figures computed right (checked against brute force, not against the engine)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sympy as sp

from symconv.codegen import latex
from symconv.relations import RELATIONS
from symconv.symbols import d, i, i_prime, i_tilde, k, p, s
from symconv.templating import environment

ROOT = Path(__file__).resolve().parents[1]
needs_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None and not os.environ.get("CI"),
    reason="pdflatex not installed (CI installs it)",
)


def placements(i: int, k: int, s: int, p: int, d: int = 1) -> int:
    count, start = 0, 0
    while start + d * (k - 1) + 1 <= i + 2 * p:
        count += 1
        start += s
    return count


@needs_pdflatex
def test_tables_compile_with_pdflatex(tmp_path: Path) -> None:
    for name, text in latex.artifacts().items():
        (tmp_path / Path(name).name).write_text(text, encoding="utf-8")
    out = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
         "tables.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    log = (tmp_path / "tables.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert not errors, "\n".join(errors)
    assert out.returncode == 0, out.stdout[-2000:]
    assert (tmp_path / "tables.pdf").stat().st_size > 1000
    assert "Overfull \\hbox" not in log


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
