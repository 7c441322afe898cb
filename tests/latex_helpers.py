"""One check for every LaTeX output: it compiles with a real pdflatex and no box sticks out.

    from latex_helpers import assert_typesets, in_article, needs_pdflatex

    @needs_pdflatex
    def test_my_table_typesets(tmp_path):
        assert_typesets({"table.tex": in_article(my_fragment(), packages=("booktabs",))},
                        "table.tex", tmp_path)

A fragment meant to be ``\\input`` into a paper is checked inside :func:`in_article`: LaTeX's
``article`` class at its default one-column text width (345pt), the narrowest common setting
symconv promises to fit.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from symconv import texrun

# An overfull box wider than this fails the check. TeX reports from 0.1pt; 1pt is still
# invisible in print, and leaves room for TeX's rounding.
OVERFULL_LIMIT_PT = 1.0

# Skipped only where pdflatex is missing outside CI (.ci/run installs it, so CI always runs it).
needs_pdflatex = pytest.mark.skipif(
    shutil.which("pdflatex") is None and not os.environ.get("CI"),
    reason="pdflatex not installed (CI installs it)",
)


def in_article(body: str, packages: Iterable[str] = (), preamble: str = "",
               options: str = "") -> str:
    """``body`` as the text of a plain ``article`` (10pt, one column, 345pt wide; with
    ``options="twocolumn"`` two columns of 229pt, the narrowest a paper's table meets)."""
    uses = "".join(f"\\usepackage{{{p}}}\n" for p in packages)
    opts = f"[{options}]" if options else ""
    return (f"\\documentclass{opts}{{article}}\n{uses}{preamble}\\begin{{document}}\n"
            f"{body}\n\\end{{document}}\n")


def assert_typesets(
    files: Mapping[str, str], main: str, workdir: Path, limit_pt: float = OVERFULL_LIMIT_PT
) -> texrun.Compiled:
    """Write ``files`` under ``workdir``, compile ``main`` (rerunning as the log asks) and fail
    on any LaTeX error or any overfull box over ``limit_pt``, listing them. Returns the PDF and
    the log."""
    try:
        compiled = texrun.compile_files(files, main, workdir)
    except texrun.LatexError as exc:
        pytest.fail(f"{main} does not compile: {exc}")
    boxes = texrun.overfull(compiled.log, limit_pt)
    if boxes:
        listed = "\n".join(f"  {b}" for b in boxes[:20])
        pytest.fail(f"{main}: {len(boxes)} overfull box(es) over {limit_pt:g}pt:\n{listed}")
    return compiled
