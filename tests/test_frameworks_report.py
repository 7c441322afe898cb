"""generated/frameworks.md and generated/latex/frameworks.tex."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from symconv.artifacts import PROVIDERS, banner
from symconv.frameworks import all_rules
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
def test_deterministic(generated: dict[str, str]) -> None:
    assert artifacts() == generated


@pytest.mark.slow
def test_latex_compiles(generated: dict[str, str], tmp_path: Path) -> None:
    from symconv import texrun

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed")
    exe = texrun.require("pdflatex", "texlive-latex-base")
    source = tmp_path / "latex" / "frameworks.tex"
    source.parent.mkdir()
    source.write_text(generated[TEX])
    pdf = texrun.run_pdflatex(exe, source)
    assert pdf.stat().st_size > 10_000


def test_tex_escape() -> None:
    assert tex_escape("a_b & 50% ≤ k̂") == r"a\_b \& 50\% $\leq$ $\hat{k}$"
    with pytest.raises(ValueError, match="no TeX spelling"):
        tex_escape("→✓")
