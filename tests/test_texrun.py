"""symconv.texrun: reading a TeX log's bad boxes, and the shared "typesets cleanly" check."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from latex_helpers import OVERFULL_LIMIT_PT, assert_typesets, in_article, needs_pdflatex

from symconv import texrun

LOG = r"""(./frameworks.tex
Overfull \hbox (26.55267pt too wide) in paragraph at lines 39--39
[]|\OT1/cmtt/m/n/10 torch.conv[]transpose.output[]size|
 []

Underfull \hbox (badness 10000) in paragraph at lines 55--55
\OT1/cmr/m/n/10 p[]end
 []

Overfull \vbox (3.0pt too high) has occurred while \output is active []
Overfull \hbox (0.5pt too wide) in alignment at lines 186--224
[][][]
"""


def test_bad_boxes_are_read_from_the_log() -> None:
    boxes = texrun.bad_boxes(LOG)
    assert [(b.kind, b.points) for b in boxes] == [
        (r"Overfull \hbox", 26.55267),
        (r"Underfull \hbox", 0.0),
        (r"Overfull \vbox", 3.0),
        (r"Overfull \hbox", 0.5),
    ]
    assert boxes[0].where == "in paragraph at lines 39--39"
    assert "torch.conv" in boxes[0].contents
    assert "26.5527pt" in str(boxes[0])


def test_overfull_keeps_only_boxes_over_the_limit() -> None:
    assert [b.points for b in texrun.overfull(LOG)] == [26.55267, 3.0, 0.5]
    assert [b.points for b in texrun.overfull(LOG, limit_pt=1.0)] == [26.55267, 3.0]
    assert texrun.overfull("no boxes here\n") == []


@needs_pdflatex
def test_the_check_fails_on_a_box_that_sticks_out(tmp_path: Path) -> None:
    wide = in_article(r"\noindent\rule{360pt}{1pt}")  # 15pt wider than the 345pt line
    with pytest.raises(pytest.fail.Exception, match=r"1 overfull box\(es\) over 1pt"):
        assert_typesets({"wide.tex": wide}, "wide.tex", tmp_path / "wide")
    slight = in_article(rf"\noindent\rule{{{345 + OVERFULL_LIMIT_PT / 2}pt}}{{1pt}}")
    compiled = assert_typesets({"slight.tex": slight}, "slight.tex", tmp_path / "slight")
    assert [b.points for b in texrun.overfull(compiled.log)] == [OVERFULL_LIMIT_PT / 2]


@needs_pdflatex
def test_the_check_fails_on_a_latex_error(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="Undefined control sequence"):
        assert_typesets({"bad.tex": in_article(r"\nosuchmacro")}, "bad.tex", tmp_path)


@needs_pdflatex
def test_compile_files_writes_subdirectories_and_reruns(tmp_path: Path) -> None:
    files = {
        "doc/main.tex": in_article(r"See page~\pageref{here}.\input{../parts/part.tex}"),
        "parts/part.tex": r"\label{here}Text.",
    }
    compiled = texrun.compile_files(files, "doc/main.tex", tmp_path)
    assert compiled.pdf == tmp_path / "doc" / "main.pdf"
    assert "Rerun" not in compiled.log  # the reference resolved on a second run


@needs_pdflatex
def test_pdflatex_reads_and_writes_nothing_outside_its_job(tmp_path: Path) -> None:
    """The sandbox alone (no escaping): an absolute path, a "..", a shell command."""
    secret = tmp_path / "secret.tex"
    secret.write_text("LEAKED-SECRET\n", encoding="utf-8")
    work = tmp_path / "job"
    work.mkdir()
    for body in (r"\input{" + secret.as_posix() + "}", r"\input{../secret.tex}"):
        with pytest.raises(texrun.LatexError):
            texrun.pdflatex(in_article(body), work, "read")
        assert "LEAKED-SECRET" not in (work / "read.log").read_text(encoding="utf-8")
    outside = tmp_path / "written.tex"
    body = (r"\newwrite\out\immediate\openout\out=" + outside.as_posix() +
            r"\immediate\write\out{x}\immediate\closeout\out"
            r"\newwrite\up\immediate\openout\up=../up.tex\immediate\write\up{x}"
            r"\immediate\closeout\up"
            r"\immediate\write18{touch " + (tmp_path / "shell").as_posix() + "}ok")
    with contextlib.suppress(texrun.LatexError):
        texrun.pdflatex(in_article(body), work, "write")
    assert not outside.exists()
    assert not (tmp_path / "up.tex").exists()
    assert not (tmp_path / "shell").exists()
